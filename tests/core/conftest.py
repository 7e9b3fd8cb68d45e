"""Fixtures for the CO-RE engine's tests: bpf-src/core/ compiled once per session."""

from __future__ import annotations

import shutil
import subprocess
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from core_fixtures import COMPILERS, CORE_SRC, CoreBuild, compile_one


@pytest.fixture(scope="session", params=COMPILERS or ["clang-19"])
def core_build(request: pytest.FixtureRequest,
               tmp_path_factory: pytest.TempPathFactory) -> CoreBuild:
    """Every bpf-src/core program and stub, built with each of COMPILERS (2 jobs)."""
    cc = str(request.param)
    if shutil.which(cc) is None:
        pytest.fail(f"no {cc} found: install it (.ci/install)")
    out = tmp_path_factory.mktemp(f"core-build-{cc}")
    srcs = sorted(CORE_SRC.glob("*.bpf.c"))
    if not srcs:
        pytest.fail(f"no CO-RE programs under {CORE_SRC}")
    with ThreadPoolExecutor(2) as pool:
        objs = list(pool.map(lambda s: compile_one(cc, s, out / s.name.replace(".c", ".o"), False),
                             srcs))
        stubs = list(pool.map(
            lambda n: compile_one(cc, CORE_SRC / "btf" / f"{n}.btf.c", out / "btf" / f"{n}.btf.o",
                               True), ("layout_a", "layout_b")))
    return CoreBuild(cc, {o.name.removesuffix(".bpf.o"): o for o in objs}, stubs[0], stubs[1])


@pytest.fixture(scope="session")
def libbpf_insns(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """tests/core/libbpf_insns.c built against the system libbpf."""
    cc = shutil.which("gcc") or shutil.which("cc")
    if cc is None:
        pytest.fail("no C compiler for the libbpf helper")
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

