"""Fixtures for the reference loader's tests: compiling small BPF objects, repo paths."""

from __future__ import annotations

import importlib.util
import os
import shutil
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
if importlib.util.find_spec("refloader") is None:
    # not installed with `pip install -e .`: use the source tree
    sys.path.insert(0, str(REPO / "runners" / "python"))

CLANG = shutil.which("clang-19") or shutil.which("clang")
INCLUDE = REPO / "bpf-src" / "include"
Compile = Callable[[str, str], Path]


def compile_c(src: Path, out: Path) -> Path:
    """Compile one BPF C file the way the harness does."""
    if CLANG is None:
        pytest.fail("no clang found: install clang-19 (.ci/install)")
    subprocess.run([CLANG, "-target", "bpfel", "-O2", "-g", "-c", str(src), "-I", str(INCLUDE),
                    "-o", str(out)], check=True, capture_output=True, text=True)
    return out


@pytest.fixture
def compile_bpf(tmp_path: Path) -> Compile:
    """compile_bpf(name, code) -> path of the object built from ``code``."""
    def build(name: str, code: str) -> Path:
        src = tmp_path / f"{name}.bpf.c"
        src.write_text('#include "conformance.h"\n' + code)
        return compile_c(src, tmp_path / f"{name}.bpf.o")
    return build


@pytest.fixture
def adapter_env() -> dict[str, str]:
    """Environment in which ``python3 -m refloader.adapter`` imports this tree."""
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(
        [str(REPO / "runners" / "python"), str(REPO), env.get("PYTHONPATH", "")])
    env.pop("BPFCONFORM_SKIP", None)
    return env
