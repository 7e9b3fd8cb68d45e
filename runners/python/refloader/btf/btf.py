"""``Btf``: a parsed BTF blob (header, ``types[id]``, strings), its lookups, and the way
back to bytes (``Btf.parse(raw).marshal() == raw``)."""

from __future__ import annotations

import struct
from collections.abc import Iterator
from dataclasses import dataclass

from refloader.btf.marshal import _marshal_types
from refloader.btf.parse import _parse_types
from refloader.btf.strings import StringTable
from refloader.btf.types import (
    BTF_HEADER_LEN,
    BTF_MAGIC,
    BTF_VERSION,
    MODIFIER_KINDS,
    Array,
    BtfKind,
    BtfType,
    Composite,
    Const,
    Datasec,
    DeclTag,
    Enum,
    Enum64,
    Float,
    Int,
    Ptr,
    Restrict,
    Typedef,
    TypeTag,
    Var,
    Volatile,
)
from refloader.errors import BTFError


@dataclass
class BtfHeader:
    """``struct btf_header`` (``extra``: header bytes past the 24 known ones, kept)."""

    magic: int
    version: int
    flags: int
    hdr_len: int
    type_off: int
    type_len: int
    str_off: int
    str_len: int
    extra: bytes = b""


class Btf:
    """A parsed BTF blob: ``types[id]`` records and the string table."""

    def __init__(self, header: BtfHeader, types: list[BtfType], strings: StringTable,
                 endian: str = "<") -> None:
        self.header = header
        self.types = types
        self.strings = strings
        self.endian = endian
        self._name_index: dict[str, list[int]] | None = None

    # -- parsing ------------------------------------------------------------------------

    @classmethod
    def parse(cls, raw: bytes) -> Btf:
        """Parse a ``.BTF`` section (or a raw BTF file such as /sys/kernel/btf/vmlinux)."""
        if len(raw) < BTF_HEADER_LEN:
            raise BTFError(f"BTF blob too short ({len(raw)} bytes)", section=".BTF")
        magic_le = struct.unpack_from("<H", raw, 0)[0]
        if magic_le == BTF_MAGIC:
            e = "<"
        elif magic_le == 0x9FEB:
            e = ">"
        else:
            raise BTFError(f"bad BTF magic {magic_le:#x}", section=".BTF", offset=0)
        magic, version, flags, hdr_len, type_off, type_len, str_off, str_len = (
            struct.unpack_from(e + "HBBIIIII", raw, 0))
        if version != BTF_VERSION:
            raise BTFError(f"unsupported BTF version {version}", section=".BTF", offset=2)
        if hdr_len < BTF_HEADER_LEN or hdr_len > len(raw):
            raise BTFError(f"bad BTF hdr_len {hdr_len}", section=".BTF", offset=4)
        t0, s0 = hdr_len + type_off, hdr_len + str_off
        if t0 + type_len > len(raw) or s0 + str_len > len(raw) or type_len % 4:
            raise BTFError("BTF type or string section out of bounds", section=".BTF",
                           offset=8)
        header = BtfHeader(magic, version, flags, hdr_len, type_off, type_len, str_off,
                           str_len, bytes(raw[BTF_HEADER_LEN:hdr_len]))
        strings = StringTable(bytes(raw[s0:s0 + str_len]))
        strings.index_all()
        buf = raw[t0:t0 + type_len]
        types = _parse_types(buf, strings, e, t0)
        return cls(header, types, strings, e)

    @classmethod
    def from_file(cls, path: str) -> Btf:
        """Parse a raw BTF file, e.g. ``/sys/kernel/btf/vmlinux``."""
        with open(path, "rb") as f:
            return cls.parse(f.read())

    # -- marshalling --------------------------------------------------------------------

    def marshal(self) -> bytes:
        """Serialise back to bytes: header, types, strings (byte-identical if unchanged)."""
        type_bytes = _marshal_types(self.types, self.strings, self.endian)
        str_bytes = self.strings.raw()
        h = self.header
        type_off, str_off = 0, len(type_bytes)
        if (h.type_off, h.str_off) == (0, h.type_len) or h.type_len != len(type_bytes):
            pass
        else:  # keep an unusual layout when sizes did not change
            type_off, str_off = h.type_off, h.str_off
        head = struct.pack(self.endian + "HBBIIIII", BTF_MAGIC, h.version, h.flags,
                           BTF_HEADER_LEN + len(h.extra), type_off, len(type_bytes),
                           str_off, len(str_bytes)) + h.extra
        if type_off == 0 and str_off == len(type_bytes):  # the usual layout: no gaps
            return head + type_bytes + str_bytes
        body = bytearray(max(type_off + len(type_bytes), str_off + len(str_bytes)))
        body[type_off:type_off + len(type_bytes)] = type_bytes
        body[str_off:str_off + len(str_bytes)] = str_bytes
        return head + bytes(body)

    # -- lookup -------------------------------------------------------------------------

    def __len__(self) -> int:
        """Number of type ids including void (``btf__type_cnt``)."""
        return len(self.types)

    def __iter__(self) -> Iterator[tuple[int, BtfType]]:
        """(id, record) for every type except void."""
        return ((i, t) for i, t in enumerate(self.types) if i)

    def type_by_id(self, type_id: int) -> BtfType:
        """The record of ``type_id``; raise BTFError when out of range."""
        if type_id >= 0:
            try:  # (free when it does not raise: cheaper than comparing with len first)
                return self.types[type_id]
            except IndexError:
                pass
        raise BTFError(f"BTF type id {type_id} out of range ({len(self.types)} types)",
                       section=".BTF")

    def ids_by_name(self, name: str, kind: BtfKind | None = None) -> list[int]:
        """Every type id named ``name`` (optionally of ``kind``), in id order."""
        if self._name_index is None:
            idx: dict[str, list[int]] = {}
            for i, t in enumerate(self.types):
                if i and t.name:
                    idx.setdefault(t.name, []).append(i)
            self._name_index = idx
        ids = self._name_index.get(name, [])
        return [i for i in ids if kind is None or self.types[i].kind == kind]

    def id_by_name(self, name: str, kind: BtfKind | None = None) -> int | None:
        """The first type id named ``name`` (of ``kind``), or None."""
        ids = self.ids_by_name(name, kind)
        return ids[0] if ids else None

    def invalidate_index(self) -> None:
        """Drop the name index after records were renamed or added."""
        self._name_index = None

    def add_type(self, t: BtfType) -> int:
        """Append a record and return its new id (strings are added on marshal)."""
        self.types.append(t)
        self._name_index = None
        return len(self.types) - 1

    def skip_mods(self, type_id: int) -> int:
        """Follow CONST/VOLATILE/RESTRICT/TYPE_TAG to the qualified type id."""
        t = self.type_by_id(type_id)
        seen = 0
        while t.kind in _MODIFIER_INTS:
            type_id = t.size_or_type()
            t = self.type_by_id(type_id)
            seen += 1
            if seen > 64:
                raise BTFError(f"BTF modifier loop at type {type_id}", section=".BTF")
        return type_id

    def skip_mods_and_typedefs(self, type_id: int) -> int:
        """Follow modifiers and TYPEDEFs to the underlying type id (``skip_mods_and_typedefs``)."""
        t = self.type_by_id(type_id)
        seen = 0
        while t.kind in _SKIPPED_INTS:
            type_id = t.size_or_type()
            t = self.type_by_id(type_id)
            seen += 1
            if seen > 64:
                raise BTFError(f"BTF typedef/modifier loop at type {type_id}", section=".BTF")
        return type_id

    def resolve_size(self, type_id: int) -> int:
        """Size in bytes of ``type_id`` (``btf__resolve_size``): arrays multiply, pointers 8."""
        depth = 0
        mult = 1
        while True:
            depth += 1
            if depth > 64:
                raise BTFError(f"BTF type chain too deep at {type_id}", section=".BTF")
            t = self.type_by_id(type_id)
            if isinstance(t, _SIZED_TYPES):
                return mult * t.size
            if isinstance(t, Ptr):
                return mult * 8
            if isinstance(t, Array):
                mult *= t.nelems
                type_id = t.type
                continue
            if isinstance(t, _SIZE_OF_REFERENCED):
                type_id = t.size_or_type()
                continue
            raise BTFError(f"BTF type {type_id} ({t.kind.name}) has no size", section=".BTF")


# lookup constants: plain-int kind sets and isinstance tuples (an IntEnum attribute read or
# an isinstance on an ``A | B`` union costs ~3x more)
_MODIFIER_INTS = frozenset(int(k) for k in MODIFIER_KINDS)
_SKIPPED_INTS = _MODIFIER_INTS | {int(BtfKind.TYPEDEF)}
_SIZED_TYPES = (Int, Float, Composite, Enum, Enum64, Datasec)
_SIZE_OF_REFERENCED = (Typedef, Volatile, Const, Restrict, TypeTag, Var, DeclTag)
