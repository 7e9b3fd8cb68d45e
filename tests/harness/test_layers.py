"""The harness's layers hold (import-linter `layers` contract `harness-layers` in
pyproject.toml, beside the reference loader's): front-ends on top and imported by nothing, no
import cycle between the layers it names."""

from __future__ import annotations

import shutil
import subprocess
import tomllib
from typing import Any

from harness.runner import REPO_ROOT


def _contract() -> dict[str, Any]:
    data = tomllib.loads((REPO_ROOT / "pyproject.toml").read_text())
    (contract,) = [c for c in data["tool"]["importlinter"]["contracts"]
                   if c.get("id") == "harness-layers"]
    assert isinstance(contract, dict)
    return contract


def test_the_harness_layers_contract_is_kept() -> None:
    exe = shutil.which("lint-imports")
    assert exe, "lint-imports (import-linter) is not installed: pip install -e .[dev]"
    res = subprocess.run([exe, "--no-cache", "--contract", "harness-layers"], cwd=REPO_ROOT,
                         capture_output=True, text=True, timeout=300)
    assert res.returncode == 0, res.stdout + res.stderr
    assert "1 kept, 0 broken" in res.stdout, res.stdout


def test_the_front_ends_are_the_top_layer() -> None:
    top = {m.strip() for m in _contract()["layers"][0].split("|")}
    assert top == {"harness.cli", "harness.pytest_plugin", "harness.matrix.__main__"}
