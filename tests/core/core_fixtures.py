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
#: the compilers the engine is checked with: the newest and the oldest the suite supports
COMPILERS = [c for c in ("clang-19", "clang-14") if shutil.which(c)]
#: programs that need clang >= 15 and, built by clang-14, hold no relocation at all
NEEDS_CLANG15 = frozenset({"type_matches", "type_matches_enum", "enumval_64"})


@dataclass(frozen=True)
class CoreBuild:
    """The compiled CO-RE tests: objects by stem, and the two target stubs."""

    compiler: str
    objects: dict[str, Path]
    target: Path
    control: Path

    def has_relocations(self, name: str) -> bool:
        """False for a clang >= 15 program built by an older clang (no relocations)."""
        return not (name in NEEDS_CLANG15 and self.compiler == "clang-14")


def compile_one(cc: str, src: Path, out: Path, target: bool) -> Path:
    """Compile one BPF C file the way the harness does (-DTARGET for a stub)."""
    out.parent.mkdir(parents=True, exist_ok=True)
    cmd = [cc, "-target", "bpfel", "-O2", "-g", "-c", str(src), "-I", str(INCLUDE),
           "-o", str(out)]
    subprocess.run(cmd + (["-DTARGET"] if target else []), check=True, capture_output=True)
    return out


def can_bpf() -> bool:
    """Whether this process may load BPF programs (root)."""
    return os.geteuid() == 0
