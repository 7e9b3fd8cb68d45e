"""Shared helpers of the reference loader's tests (a uniquely named module, so that
`pytest tests` with several conftest.py files imports the right one)."""

from __future__ import annotations

import importlib.util
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
