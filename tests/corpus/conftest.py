"""Fixtures of the corpus lane's tests."""

from __future__ import annotations

from pathlib import Path

import pytest
from corpus_helpers import Compile, compile_to


@pytest.fixture
def compile_c(tmp_path: Path) -> Compile:
    """`compile_c(name, source)`: `<tmp>/objs/<name>.bpf.o` built with clang -g -O2."""
    return lambda name, source: compile_to(tmp_path, name, source)
