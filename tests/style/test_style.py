"""The project's code is formatted and typed by the tools its languages use.

Python: ruff (lint + import order) and mypy --strict on harness/ and the reference loader;
C: clang-format with runners/libbpf/.clang-format; Go: gofmt and go vet; Rust: rustfmt.
"""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest
from require import require_tool

REPO = Path(__file__).resolve().parents[2]


def run(cmd: list[str], cwd: Path = REPO) -> subprocess.CompletedProcess[str]:
    return subprocess.run(cmd, cwd=cwd, capture_output=True, text=True, timeout=600)


#: where .ci/install gets each tool
INSTALLS = {
    "ruff": ".ci/install (pip install -e '.[dev]')",
    "mypy": ".ci/install (pip install -e '.[dev]')",
    "clang-format-19": ".ci/install (apt-get install clang-format-19)",
    "gofmt": "the machine's Go, or runners/cilium-ebpf/install.sh (run by .ci/install)",
    "go": "the machine's Go, or runners/cilium-ebpf/install.sh (run by .ci/install)",
    "cargo": "the machine's Rust (rustup, with rustfmt), used by runners/aya/install.sh",
}


def need(tool: str) -> str:
    return require_tool(tool, INSTALLS[tool])


def test_python_is_ruff_clean() -> None:
    res = run([need("ruff"), "check", "."])
    assert res.returncode == 0, res.stdout + res.stderr


def test_harness_and_reference_loader_are_mypy_strict_clean() -> None:
    res = run([need("mypy")])  # files and --strict come from pyproject.toml
    assert res.returncode == 0, res.stdout + res.stderr


#: the Python adapters besides the reference loader (in pyproject.toml's mypy files): each is
#: checked on its own, from its own folder, since they share module names (protocol, run);
#: runners/ is on the path for the pyadapter package they import
PY_ADAPTERS = sorted(p.parent.name for p in (REPO / "runners").glob("*/*.py")
                     if p.parent.name != "python")


def test_the_python_adapters_are_found() -> None:
    assert {"bpftool", "iproute2", "pyadapter"} <= set(PY_ADAPTERS), PY_ADAPTERS


@pytest.mark.parametrize("folder", sorted(set(PY_ADAPTERS)))
def test_python_adapter_is_mypy_strict_clean(folder: str) -> None:
    env = {**os.environ, "MYPYPATH": str(REPO / "runners")}
    cwd = REPO / "runners" / folder
    files = sorted(p.name for p in cwd.glob("*.py"))
    res = subprocess.run([need("mypy"), "--strict", "--no-incremental",
                          "--config-file", os.devnull, *files], cwd=cwd, env=env,
                         capture_output=True, text=True, timeout=600)
    assert res.returncode == 0, res.stdout + res.stderr


@pytest.mark.parametrize("source", sorted(p.relative_to(REPO).as_posix()
                                          for p in (REPO / "runners").glob("*/*.[ch]")))
def test_c_adapters_are_clang_formatted(source: str) -> None:
    tool = need("clang-format-19")  # the version .ci/install pins: formats differ by version
    res = run([tool, "--dry-run", "-Werror", source])
    assert res.returncode == 0, res.stdout + res.stderr


def test_go_adapter_is_gofmt_clean_and_vetted() -> None:
    cwd = REPO / "runners" / "cilium-ebpf"
    res = run([need("gofmt"), "-l", "."], cwd)
    assert res.returncode == 0 and res.stdout == "", f"not gofmt'ed: {res.stdout}{res.stderr}"
    res = run([need("go"), "vet", "./..."], cwd)
    assert res.returncode == 0, res.stdout + res.stderr


@pytest.mark.parametrize("crate", sorted(p.parent.name for p in
                                         (REPO / "runners").glob("*/Cargo.toml")))
def test_rust_adapters_are_rustfmt_clean(crate: str) -> None:
    res = run([need("cargo"), "fmt", "--check"], REPO / "runners" / crate)
    assert res.returncode == 0, res.stdout + res.stderr
