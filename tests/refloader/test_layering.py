"""The parsing layer makes no syscalls (import-linter contract in pyproject.toml)."""

from __future__ import annotations

import os
import shutil
import subprocess
import tomllib

from refloader_helpers import REPO


def test_the_parsing_layer_imports_nothing_that_could_make_a_syscall(
        adapter_env: dict[str, str]) -> None:
    exe = shutil.which("lint-imports")
    assert exe, "lint-imports (import-linter) is not installed: pip install -e .[dev]"
    env = dict(adapter_env)
    env["PYTHONPATH"] = os.pathsep.join([str(REPO), env["PYTHONPATH"]])
    res = subprocess.run([exe, "--no-cache"], cwd=REPO, env=env, capture_output=True, text=True,
                         timeout=300)
    assert res.returncode == 0, res.stdout + res.stderr
    contracts = tomllib.loads((REPO / "pyproject.toml").read_text())["tool"]["importlinter"][
        "contracts"]
    assert f"{len(contracts)} kept, 0 broken" in res.stdout, res.stdout
