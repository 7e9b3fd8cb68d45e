"""Fixtures for the CO-RE engine's tests: bpf-src/core/ compiled once per session."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest
from core_fixtures import COMPILERS, BuildError, CoreBuild, build_core, find_compiler
from require import require, require_tool


@pytest.fixture(scope="session", params=COMPILERS)
def core_build(request: pytest.FixtureRequest,
               tmp_path_factory: pytest.TempPathFactory) -> CoreBuild:
    """Every bpf-src/core program and stub, built by the harness toolchain with each of
    COMPILERS (its flags and compiler-probe defines, 2 jobs)."""
    cc = str(request.param)
    compiler = find_compiler(cc)
    require(compiler is not None, f"no {cc} found", f".ci/install (apt-get install {cc})")
    assert compiler is not None
    try:
        return build_core(compiler, tmp_path_factory.mktemp(f"core-build-{cc}"))
    except BuildError as exc:
        pytest.fail(str(exc))


@pytest.fixture(scope="session")
def libbpf_insns(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """tests/core/libbpf_insns.c built against the system libbpf."""
    cc = require_tool("gcc", ".ci/install (apt-get install gcc libbpf-dev)")
    out = tmp_path_factory.mktemp("libbpf-helper") / "libbpf_insns"
    subprocess.run([cc, "-O1", "-o", str(out), str(Path(__file__).with_name("libbpf_insns.c")),
                    "-lbpf"], check=True, capture_output=True)
    return out


@pytest.fixture
def cache_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A private target-index cache directory."""
    d = tmp_path / "cache"
    monkeypatch.setenv("BPFCONFORM_CACHE_DIR", str(d))
    return d

