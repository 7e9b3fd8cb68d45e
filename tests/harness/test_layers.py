"""The harness's layers hold (import-linter `layers` contract `harness-layers` in
pyproject.toml, beside the reference loader's): front-ends on top and imported by nothing, no
import cycle between the layers it names."""

from __future__ import annotations

import shutil
import subprocess
import tomllib
from typing import Any

import grimp

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


def test_every_module_the_contract_does_not_name_is_below_a_named_row() -> None:
    # import-linter follows a chain only from a named layer: a module reached from a row
    # below the front-ends cannot import upwards unseen; one imported only by the front-ends
    # could, so it must be named.
    layers = [[m.strip() for m in row.split("|")] for row in _contract()["layers"]]
    named = {m for row in layers for m in row}
    graph = grimp.build_graph("harness", cache_dir=None)
    reached = set().union(*(graph.find_upstream_modules(m) for row in layers[1:] for m in row))
    packages = {"harness", "harness.matrix"}
    loose = sorted(m for m in graph.modules - named - packages if m not in reached)
    assert loose == [], f"name these in pyproject.toml's harness-layers contract: {loose}"
