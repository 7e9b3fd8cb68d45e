"""BTF and BTF.ext parse -> marshal is byte-identical: every suite object, and vmlinux."""

from __future__ import annotations

from pathlib import Path

import pytest
from elftools.elf.elffile import ELFFile
from refloader.btf import (
    BTF_HEADER_LEN,
    BTF_MAGIC,
    Btf,
    BtfHeader,
    BtfKind,
    Int,
    StringTable,
    Struct,
    Void,
)
from refloader.btf_ext import BtfExt
from refloader_helpers import REPO, compile_c
from require import require

SOURCES = sorted((REPO / "bpf-src").glob("**/*.bpf.c"))
VMLINUX = Path("/sys/kernel/btf/vmlinux")


def _object_for(src: Path, tmp_path: Path) -> Path:
    """The harness's build of ``src`` when up to date, else a fresh compile."""
    rel = src.relative_to(REPO / "bpf-src").with_suffix("").with_suffix(".bpf.o")
    for built in sorted((REPO / "build").glob(f"*/{rel}")):
        if built.stat().st_mtime >= src.stat().st_mtime:
            return built
    return compile_c(src, tmp_path / rel.name)


def test_the_suite_has_sources_to_round_trip() -> None:
    assert SOURCES, "no bpf-src/**/*.bpf.c found: the round-trip test would be vacuous"


@pytest.mark.parametrize("src", SOURCES, ids=[str(s.relative_to(REPO / "bpf-src"))
                                             for s in SOURCES])
def test_btf_of_every_suite_object_marshals_back_byte_identical(src: Path,
                                                                  tmp_path: Path) -> None:
    obj = _object_for(src, tmp_path)
    with obj.open("rb") as f:
        elf = ELFFile(f)
        btf_sec = elf.get_section_by_name(".BTF")
        assert btf_sec is not None, f"{obj} has no .BTF"
        raw = btf_sec.data()
        ext_sec = elf.get_section_by_name(".BTF.ext")
        ext_raw = ext_sec.data() if ext_sec is not None else None
    btf = Btf.parse(raw)
    assert btf.marshal() == raw
    if ext_raw is not None:
        ext = BtfExt.parse(ext_raw, btf.strings)
        assert ext.marshal() == ext_raw


def test_vmlinux_btf_marshals_back_byte_identical() -> None:
    from harness.probes.probes import run_probes
    probe = run_probes(["btf_vmlinux"])["btf_vmlinux"]
    assert not probe.error, probe.reason
    if not probe.ok:  # legitimate: the recorded kernel probe says this kernel has no BTF
        pytest.skip(f"requires btf_vmlinux: {probe.reason}")
    raw = VMLINUX.read_bytes()
    btf = Btf.parse(raw)  # how long it takes is bench/'s business, not a test's
    assert btf.marshal() == raw
    task = btf.id_by_name("task_struct", BtfKind.STRUCT)
    assert task is not None
    assert isinstance(btf.type_by_id(task), Struct)


def test_a_renamed_type_marshals_with_its_new_name() -> None:
    btf = Btf(BtfHeader(BTF_MAGIC, 1, 0, BTF_HEADER_LEN, 0, 0, 0, 0),
              [Void("", 0, False), Int("int", 0, False, 4, 1, 0, 32)], StringTable(b"\0"))
    again = Btf.parse(btf.marshal())
    t = again.type_by_id(1)
    assert isinstance(t, Int) and t.name == "int" and t.size == 4 and t.bits == 32
    t.name = "s32"
    assert Btf.parse(again.marshal()).type_by_id(1).name == "s32"


@pytest.mark.parametrize("src", SOURCES, ids=[str(s.relative_to(REPO / "bpf-src"))
                                             for s in SOURCES])
def test_the_struct_elf_reader_agrees_with_pyelftools(src: Path, tmp_path: Path) -> None:
    from refloader.elf import read_elf
    from refloader.errors import ParseError
    obj = _object_for(src, tmp_path)

    def read(backend: str) -> object:
        try:
            return read_elf(str(obj), backend=backend)
        except ParseError as exc:  # a refused object (big-endian): the same refusal
            return f"ParseError: {exc}"
    assert read("struct") == read("pyelftools")


@pytest.fixture(scope="module")
def built_objects(tmp_path_factory: pytest.TempPathFactory) -> list[Path]:
    """Every bpf-src object (tests, BTF stubs) as the harness builds it, into a directory
    of this test's own: nothing depends on an earlier test or run having built build/."""
    from harness.build import toolchain
    compilers = toolchain.discover_compilers()
    require(compilers, "no clang found", ".ci/install (apt-get install clang-19)")
    built = toolchain.build_all(toolchain.default_compiler(compilers), REPO / "bpf-src",
                                tmp_path_factory.mktemp("build"), jobs=2)
    broken = [f"{b.source.rel}: {b.diagnostics}" for b in built if not b.ok]
    assert not broken, broken
    return sorted(b.obj for b in built)


def test_btf_of_every_built_object_marshals_back_byte_identical(
        built_objects: list[Path]) -> None:
    objects = built_objects
    assert objects, "the build produced no objects"
    checked, failures = 0, []
    for obj in objects:
        with obj.open("rb") as f:
            sec = ELFFile(f).get_section_by_name(".BTF")
            if sec is None:
                continue
            raw = sec.data()
        checked += 1
        if Btf.parse(raw).marshal() != raw:
            failures.append(str(obj))
    assert checked and not failures, failures
