"""BTF and BTF.ext parse -> marshal is byte-identical: every suite object, and vmlinux."""

from __future__ import annotations

import time
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
    raw = VMLINUX.read_bytes()
    t0 = time.perf_counter()
    btf = Btf.parse(raw)
    parse_s = time.perf_counter() - t0
    assert btf.marshal() == raw
    task = btf.id_by_name("task_struct", BtfKind.STRUCT)
    assert task is not None
    assert isinstance(btf.type_by_id(task), Struct)
    assert parse_s < 30, f"parsing vmlinux BTF took {parse_s:.1f}s"


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


def test_btf_of_every_object_under_build_marshals_back_byte_identical() -> None:
    objects = sorted((REPO / "build").glob("*/**/*.o"))
    checked, failures = 0, []
    for obj in objects:
        with obj.open("rb") as f:
            sec = ELFFile(f).get_section_by_name(".BTF")
            if sec is None:
                continue
            raw = sec.data()
        checked += 1
        if Btf.parse(raw).marshal() != raw:
            failures.append(str(obj.relative_to(REPO)))
    if not objects:
        pytest.skip("build/ holds no objects yet (run `bpfconform build`); the per-source "
                    "test above still covers every bpf-src program")
    assert checked and not failures, failures
