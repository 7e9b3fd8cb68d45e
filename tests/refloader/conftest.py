"""Fixtures for the reference loader's tests: compiling small BPF objects, adapter env."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from refloader_helpers import REPO, Compile, compile_c


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
