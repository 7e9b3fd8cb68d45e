"""Helpers of the CO-RE engine's tests (tests/core): paths, the build record, compiling."""

from __future__ import annotations

import importlib.util
import os
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
if importlib.util.find_spec("refloader") is None:
    sys.path.insert(0, str(REPO / "runners" / "python"))

CORE_SRC = REPO / "bpf-src" / "core"
INCLUDE = REPO / "bpf-src" / "include"
CLANG = shutil.which("clang-19") or shutil.which("clang")


@dataclass(frozen=True)
class CoreBuild:
    """The compiled CO-RE tests: objects by stem, and the two target stubs."""

    objects: dict[str, Path]
    target: Path
    control: Path


def compile_one(src: Path, out: Path, target: bool) -> Path:
    assert CLANG is not None
    out.parent.mkdir(parents=True, exist_ok=True)
    cmd = [CLANG, "-target", "bpfel", "-O2", "-g", "-c", str(src), "-I", str(INCLUDE),
           "-o", str(out)]
    subprocess.run(cmd + (["-DTARGET"] if target else []), check=True, capture_output=True)
    return out


def can_bpf() -> bool:
    """Whether this process may load BPF programs (root)."""
    return os.geteuid() == 0
