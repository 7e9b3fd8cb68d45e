"""Malformed objects give a LoaderError naming section/offset/insn/symbol, never a crash."""

from __future__ import annotations

import struct
from pathlib import Path

import pytest
from elftools.elf.elffile import ELFFile
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from refloader.errors import LoaderError, ParseError, RelocationError
from refloader.loader import open_object
from refloader.reloc import link_program
from refloader_helpers import Compile

PROG = r"""
__u32 counter = 7;
__noinline int helper(int x) { return x + 1; }
SEC("socket") int entry(void *ctx) { return helper(READ_ONCE(counter)) - 8; }
"""


def _rel_entries(path: Path, rel_name: str) -> list[tuple[int, int, int]]:
    """(file offset of the entry, r_offset, r_info) of every Elf64_Rel of ``rel_name``."""
    with path.open("rb") as f:
        sec = ELFFile(f).get_section_by_name(rel_name)
        base = sec["sh_offset"]
        raw = sec.data()
    return [(base + i, *struct.unpack_from("<QQ", raw, i)) for i in range(0, len(raw), 16)]


def _patch(path: Path, at: int, data: bytes) -> bytes:
    raw = bytearray(path.read_bytes())
    raw[at:at + len(data)] = data
    return bytes(raw)


@pytest.fixture
def obj_path(compile_bpf: Compile) -> Path:
    return compile_bpf("bad", PROG)


def test_a_truncated_elf_is_a_parse_error(obj_path: Path) -> None:
    raw = obj_path.read_bytes()
    for cut in (0, 3, 63, 64, len(raw) // 2, len(raw) - 1):
        with pytest.raises(ParseError):
            open_object(str(obj_path), raw=raw[:cut])


def test_an_unknown_relocation_type_names_section_offset_and_insn(obj_path: Path) -> None:
    at, r_offset, r_info = _rel_entries(obj_path, ".relsocket")[0]
    raw = _patch(obj_path, at + 8, struct.pack("<Q", (r_info & ~0xFFFFFFFF) | 77))
    with pytest.raises(RelocationError) as exc:
        open_object(str(obj_path), raw=raw)
    e = exc.value
    assert "77" in str(e)
    assert (e.section, e.offset, e.insn) == (".relsocket", r_offset, r_offset // 8)


def test_a_symbol_index_out_of_range_names_the_relocation(obj_path: Path) -> None:
    at, r_offset, r_info = _rel_entries(obj_path, ".relsocket")[0]
    raw = _patch(obj_path, at + 8, struct.pack("<Q", (9999 << 32) | (r_info & 0xFFFFFFFF)))
    with pytest.raises(RelocationError) as exc:
        open_object(str(obj_path), raw=raw)
    assert "9999" in str(exc.value)
    assert (exc.value.section, exc.value.offset) == (".relsocket", r_offset)


def test_a_call_into_nowhere_names_program_insn_and_symbol(obj_path: Path) -> None:
    obj = open_object(str(obj_path))
    call = next(r for r in obj.relocations()["entry"] if r.sym_name == "helper")
    with obj_path.open("rb") as f:
        file_off = ELFFile(f).get_section_by_name("socket")["sh_offset"]
    raw = _patch(obj_path, file_off + call.insn_idx * 8 + 4, struct.pack("<i", 4000))
    bad = open_object(str(obj_path), raw=raw)
    with pytest.raises(RelocationError) as exc:
        link_program(bad.program("entry"), bad.programs, bad.relocations())
    e = exc.value
    assert "nowhere" in str(e)
    assert (e.section, e.insn, e.symbol) == ("socket", call.insn_idx, "helper")


def test_a_big_endian_object_is_refused_not_misread(obj_path: Path) -> None:
    raw = _patch(obj_path, 5, b"\x02")  # EI_DATA = ELFDATA2MSB
    with pytest.raises(ParseError, match="big-endian"):
        open_object(str(obj_path), raw=raw)


def test_a_missing_file_is_a_parse_error() -> None:
    with pytest.raises(ParseError, match="cannot read"):
        open_object("/nonexistent/x.bpf.o")


@settings(max_examples=150, deadline=2000,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.data())
def test_random_corruption_is_a_loader_error_or_a_clean_open(obj_path: Path,
                                                             data: st.DataObject) -> None:
    raw = bytearray(obj_path.read_bytes())
    for _ in range(data.draw(st.integers(1, 8))):
        pos = data.draw(st.integers(0, len(raw) - 1))
        raw[pos] = data.draw(st.integers(0, 255))
    try:
        obj = open_object(str(obj_path), raw=bytes(raw))
        for p in obj.entry_programs():
            link_program(p, obj.programs, obj.relocations())
    except LoaderError:
        pass


@settings(max_examples=300, deadline=2000,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.data())
def test_corrupted_btf_and_btf_ext_raise_btf_errors_only(obj_path: Path,
                                                         data: st.DataObject) -> None:
    from refloader.btf import Btf
    from refloader.btf_ext import BtfExt
    from refloader.errors import BTFError
    with obj_path.open("rb") as f:
        elf = ELFFile(f)
        btf_raw = bytearray(elf.get_section_by_name(".BTF").data())
        ext_raw = bytearray(elf.get_section_by_name(".BTF.ext").data())
    target = btf_raw if data.draw(st.booleans()) else ext_raw
    for _ in range(data.draw(st.integers(1, 6))):
        target[data.draw(st.integers(0, min(len(target) - 1, 200)))] = data.draw(
            st.integers(0, 255))
    if data.draw(st.booleans()):
        del target[data.draw(st.integers(0, len(target) - 1)):]
    try:
        btf = Btf.parse(bytes(btf_raw))
        for tid in range(1, len(btf)):
            btf.skip_mods_and_typedefs(tid)
        BtfExt.parse(bytes(ext_raw), btf.strings)
    except BTFError:
        pass
