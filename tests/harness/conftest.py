"""Fixtures for the harness's own tests: a scratch bpf-src tree and a compiler."""

from __future__ import annotations

import shutil
from collections.abc import Callable
from pathlib import Path

import pytest
from require import require

from harness.build import toolchain
from harness.run.runner import REPO_ROOT

CatalogueIds = frozenset[str]
CATALOGUE: CatalogueIds = frozenset({"data.data", "maps.btf.type"})


@pytest.fixture(scope="session")
def compiler() -> toolchain.Compiler:
    found = toolchain.discover_compilers()
    require(found, "no clang found", ".ci/install (apt-get install clang-19)")
    return toolchain.default_compiler(found)


@pytest.fixture
def bpf_src(tmp_path: Path) -> Path:
    """An empty bpf-src/ with a copy of the real conformance.h."""
    src = tmp_path / "bpf-src"
    shutil.copytree(REPO_ROOT / "bpf-src" / "include", src / "include")
    return src


WriteSource = Callable[[str, str], Path]


@pytest.fixture
def write_source(bpf_src: Path) -> WriteSource:
    def write(rel: str, code: str) -> Path:
        path = bpf_src / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(code)
        return path

    return write


CompileSnippet = Callable[[str], tuple[Path, Path]]


@pytest.fixture
def compile_snippet(
    compiler: toolchain.Compiler, bpf_src: Path, write_source: WriteSource, tmp_path: Path
) -> CompileSnippet:
    """Compile one C snippet as bpf-src/t/snippet.bpf.c; returns (object, source)."""

    def build(code: str) -> tuple[Path, Path]:
        src = write_source("t/snippet.bpf.c", code)
        result = toolchain.build_one(
            compiler, toolchain.Source(src, "t/snippet.bpf.c"), tmp_path / "build",
            bpf_src / "include")
        assert result.ok, result.diagnostics
        return result.obj, src

    return build
