"""The harness's layers hold (import-linter `layers` contract in harness/layers.toml): front-ends
on top and imported by nothing, no import cycle between the layers it names."""

from __future__ import annotations

import shutil
import subprocess
import tomllib

from harness.runner import REPO_ROOT

CONFIG = REPO_ROOT / "harness" / "layers.toml"


def test_the_harness_layers_contract_is_kept() -> None:
    exe = shutil.which("lint-imports")
    assert exe, "lint-imports (import-linter) is not installed: pip install -e .[dev]"
    res = subprocess.run([exe, "--config", str(CONFIG)], cwd=REPO_ROOT, capture_output=True,
                         text=True, timeout=120)
    assert res.returncode == 0, res.stdout + res.stderr
    assert "1 kept, 0 broken" in res.stdout, res.stdout


def test_the_front_ends_are_the_top_layer() -> None:
    (contract,) = tomllib.loads(CONFIG.read_text())["tool"]["importlinter"]["contracts"]
    top = {m.strip() for m in contract["layers"][0].split("|")}
    assert top == {"harness.cli", "harness.pytest_plugin", "harness.matrix.__main__"}
