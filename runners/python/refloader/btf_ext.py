"""``.BTF.ext``: func_info, line_info and CO-RE relocation records per ELF section.

Layout (``struct btf_ext_header`` in libbpf's ``libbpf_internal.h``): a header, then three
info blocks.  Each block starts with a u32 ``rec_size`` and holds, per ELF section,
``struct btf_ext_info_sec {sec_name_off, num_info, data[]}``.  Record offsets
(``insn_off``) are in bytes from the start of the ELF section, as clang writes them.
"""

from __future__ import annotations

import struct
from dataclasses import astuple, dataclass, field
from enum import IntEnum
from typing import Any

from refloader.btf import StringTable
from refloader.errors import BTFError

BTF_EXT_HEADER_MIN = 24  # up to line_info_len
BTF_EXT_HEADER_CORE = 32  # with core_relo_off/len


class BpfCoreReloKind(IntEnum):
    """``enum bpf_core_relo_kind`` (include/uapi/linux/bpf.h)."""

    BPF_CORE_FIELD_BYTE_OFFSET = 0
    BPF_CORE_FIELD_BYTE_SIZE = 1
    BPF_CORE_FIELD_EXISTS = 2
    BPF_CORE_FIELD_SIGNED = 3
    BPF_CORE_FIELD_LSHIFT_U64 = 4
    BPF_CORE_FIELD_RSHIFT_U64 = 5
    BPF_CORE_TYPE_ID_LOCAL = 6
    BPF_CORE_TYPE_ID_TARGET = 7
    BPF_CORE_TYPE_EXISTS = 8
    BPF_CORE_TYPE_SIZE = 9
    BPF_CORE_ENUMVAL_EXISTS = 10
    BPF_CORE_ENUMVAL_VALUE = 11
    BPF_CORE_TYPE_MATCHES = 12


@dataclass(slots=True)
class FuncInfo:
    """``struct bpf_func_info``: a function's BTF FUNC id at byte offset ``insn_off``."""

    insn_off: int
    type_id: int
    extra: bytes = b""  # bytes past the known fields when rec_size is larger


@dataclass(slots=True)
class LineInfo:
    """``struct bpf_line_info``; ``line_col`` packs line (<<10) and column."""

    insn_off: int
    file_name_off: int
    line_off: int
    line_col: int
    extra: bytes = b""

    @property
    def line(self) -> int:
        """Source line number."""
        return self.line_col >> 10

    @property
    def col(self) -> int:
        """Source column."""
        return self.line_col & 0x3FF


@dataclass(slots=True)
class CoreRelo:
    """``struct bpf_core_relo``: one CO-RE relocation at byte offset ``insn_off``."""

    insn_off: int
    type_id: int
    access_str_off: int
    kind: int
    extra: bytes = b""


_Rec = FuncInfo | LineInfo | CoreRelo
_Records = list[FuncInfo] | list[LineInfo] | list[CoreRelo]
#: a record's fields as unpacked: insn_off first, then the other fields (and ``extra``)
_Row = tuple[Any, ...]


class ExtSection:
    """The records of one info block for one ELF section.

    A parsed section keeps the unpacked rows and builds ``records`` from them on first use:
    the loader rebases rows straight into each function's records, so an object that is
    only opened and loaded never builds the section's own copies."""

    __slots__ = ("_rec_type", "_records", "_rows", "sec_name", "sec_name_off")

    def __init__(self, sec_name_off: int, sec_name: str, records: _Records | None = None,
                 rows: list[_Row] | None = None, rec_type: type[_Rec] = FuncInfo) -> None:
        self.sec_name_off = sec_name_off
        self.sec_name = sec_name
        self._records = [] if records is None and rows is None else records
        self._rows = rows
        self._rec_type = rec_type

    @property
    def records(self) -> _Records:
        """The records (built from the unpacked rows on first use)."""
        recs = self._records
        if recs is None:
            make = self._rec_type
            built: list[Any] = [make(*r) for r in self._rows or ()]
            self._records, self._rows = built, None
            return built
        return recs

    @records.setter
    def records(self, value: _Records) -> None:
        self._records, self._rows = value, None

    def rows(self) -> list[_Row]:
        """Every record's fields as a tuple (the unpacked rows while ``records`` is unbuilt)."""
        if self._rows is not None:
            return self._rows
        return [astuple(r) for r in self.records]

    def __repr__(self) -> str:
        return (f"ExtSection(sec_name_off={self.sec_name_off!r}, sec_name={self.sec_name!r}, "
                f"records={self.records!r})")

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, ExtSection):
            return NotImplemented
        return (self.sec_name_off, self.sec_name, self.records) == (
            other.sec_name_off, other.sec_name, other.records)

    __hash__ = None  # type: ignore[assignment]  # mutable, as the dataclass it replaces


@dataclass
class BtfExt:
    """A parsed ``.BTF.ext`` section."""

    magic: int
    version: int
    flags: int
    hdr_len: int
    func_info_rec_size: int = 8
    line_info_rec_size: int = 16
    core_relo_rec_size: int = 16
    func_info: list[ExtSection] = field(default_factory=list)
    line_info: list[ExtSection] = field(default_factory=list)
    core_relos: list[ExtSection] = field(default_factory=list)
    has_core_block: bool = False
    endian: str = "<"
    header_extra: bytes = b""

    @classmethod
    def parse(cls, raw: bytes, strings: StringTable) -> BtfExt:
        """Parse ``.BTF.ext``; section names resolve through the ``.BTF`` string table."""
        if len(raw) < 8:
            raise BTFError("BTF.ext too short", section=".BTF.ext", offset=0)
        (m,) = struct.unpack_from("<H", raw, 0)
        e = "<" if m == 0xEB9F else ">" if m == 0x9FEB else ""
        if not e:
            raise BTFError(f"bad BTF.ext magic {m:#x}", section=".BTF.ext", offset=0)
        magic, version, flags, hdr_len = struct.unpack_from(e + "HBBI", raw, 0)
        if hdr_len < BTF_EXT_HEADER_MIN or hdr_len > len(raw):
            raise BTFError(f"bad BTF.ext hdr_len {hdr_len}", section=".BTF.ext", offset=4)
        fo, fl, lo, ll = struct.unpack_from(e + "IIII", raw, 8)
        has_core = hdr_len >= BTF_EXT_HEADER_CORE
        if has_core:
            co, cl = struct.unpack_from(e + "II", raw, 24)
            known = BTF_EXT_HEADER_CORE
        else:
            co = cl = 0
            known = BTF_EXT_HEADER_MIN
        f_size, f_secs = _parse_block(raw, hdr_len + fo, fl, "II", 8, "func_info", strings, e,
                                      FuncInfo)
        l_size, l_secs = _parse_block(raw, hdr_len + lo, ll, "IIII", 16, "line_info", strings,
                                      e, LineInfo)
        c_size, c_secs = _parse_block(raw, hdr_len + co, cl, "IIII", 16, "core_relo", strings,
                                      e, CoreRelo) if has_core else (16, [])
        return cls(magic, version, flags, hdr_len, f_size, l_size, c_size, f_secs, l_secs,
                   c_secs, has_core, e, bytes(raw[known:hdr_len]))

    def marshal(self) -> bytes:
        """Serialise back (func_info, line_info, core_relo blocks, in that order)."""
        e = self.endian
        f = _marshal_block(self.func_info, self.func_info_rec_size, e)
        ln = _marshal_block(self.line_info, self.line_info_rec_size, e)
        c = _marshal_block(self.core_relos, self.core_relo_rec_size, e) \
            if self.has_core_block else b""
        head = struct.pack(e + "HBBIIIII", self.magic, self.version, self.flags,
                           self.hdr_len, 0, len(f), len(f), len(ln))
        if self.has_core_block:
            head += struct.pack(e + "II", len(f) + len(ln), len(c))
        return head + self.header_extra + f + ln + c


def _parse_block(raw: bytes, start: int, length: int, fields: str, min_rec: int, what: str,
                 strings: StringTable, e: str, rec_type: type[_Rec]
                 ) -> tuple[int, list[ExtSection]]:
    """One info block; ``fields``: the struct format of the record's known fields, of
    ``min_rec`` bytes."""
    if length == 0:
        return min_rec, []
    end = start + length
    if end > len(raw) or length < 4:
        raise BTFError(f"BTF.ext {what} block out of bounds", section=".BTF.ext", offset=start)
    (rec_size,) = struct.unpack_from(e + "I", raw, start)
    if rec_size < min_rec or rec_size % 4:
        raise BTFError(f"BTF.ext {what} record size {rec_size} invalid", section=".BTF.ext",
                       offset=start)
    # bytes past the known fields unpack as the record's ``extra`` (an "Ns" field), so a
    # section's records come from one iter_unpack pass
    fmt = e + fields + (f"{rec_size - min_rec}s" if rec_size > min_rec else "")
    pos = start + 4
    secs: list[ExtSection] = []
    sec_head = e + "II"
    while pos < end:
        if pos + 8 > end:
            raise BTFError(f"BTF.ext {what} truncated", section=".BTF.ext", offset=pos)
        name_off, num = struct.unpack_from(sec_head, raw, pos)
        pos += 8
        if num == 0 or pos + num * rec_size > end:
            raise BTFError(f"BTF.ext {what}: bad record count {num}", section=".BTF.ext",
                           offset=pos - 8)
        rows = list(struct.iter_unpack(fmt, raw[pos:pos + num * rec_size]))
        pos += num * rec_size
        secs.append(ExtSection(name_off, strings.get(name_off), None, rows, rec_type))
    return rec_size, secs


def _marshal_block(secs: list[ExtSection], rec_size: int, e: str) -> bytes:
    if not secs:
        return b""
    out = bytearray(struct.pack(e + "I", rec_size))
    for s in secs:
        out += struct.pack(e + "II", s.sec_name_off, len(s.records))
        for r in s.records:
            if isinstance(r, FuncInfo):
                out += struct.pack(e + "II", r.insn_off, r.type_id) + r.extra
            elif isinstance(r, LineInfo):
                out += struct.pack(e + "IIII", r.insn_off, r.file_name_off, r.line_off,
                                   r.line_col) + r.extra
            else:
                out += struct.pack(e + "IIII", r.insn_off, r.type_id, r.access_str_off,
                                   r.kind) + r.extra
    return bytes(out)


def marshal_func_infos(recs: list[FuncInfo], e: str = "<") -> bytes:
    """Pack func_info records for ``BPF_PROG_LOAD`` (insn_off already in instructions)."""
    words = [w for r in recs for w in (r.insn_off, r.type_id)]
    return struct.pack(f"{e}{len(words)}I", *words)  # one pack call for all records


def marshal_line_infos(recs: list[LineInfo], e: str = "<") -> bytes:
    """Pack line_info records for ``BPF_PROG_LOAD`` (insn_off already in instructions)."""
    words = [w for r in recs for w in (r.insn_off, r.file_name_off, r.line_off, r.line_col)]
    return struct.pack(f"{e}{len(words)}I", *words)
