"""BTF model: parse a ``.BTF`` blob into typed records, look types up, marshal back.

Layout from the kernel's ``Documentation/bpf/btf.rst`` (``include/uapi/linux/btf.h``):
a ``struct btf_header``, then the type section (``struct btf_type`` records, each followed
by kind-specific data), then the string section.  Type id 0 is ``void`` and has no
record; ``Btf.types[0]`` is a ``Void`` placeholder so that ``types[id]`` works.

Round trip: ``Btf.parse(raw).marshal() == raw`` for every well-formed blob (objects built
by clang and ``/sys/kernel/btf/vmlinux``).  Records keep their ``name_off``; if a record's
``name`` is changed, ``marshal`` adds the new string to the string table.

This module makes no syscalls; the ELF facts needed by ``fixup_datasecs`` arrive as
callables (the aya-obj style).
"""

from __future__ import annotations

import struct
import sys
from array import array
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from enum import IntEnum
from typing import Any

from refloader.errors import BTFError

BTF_MAGIC = 0xEB9F
BTF_VERSION = 1
BTF_HEADER_LEN = 24  # sizeof(struct btf_header)
BTF_MAX_VLEN = 0xFFFF


class BtfKind(IntEnum):
    """``BTF_KIND_*`` from include/uapi/linux/btf.h."""

    UNKN = 0
    INT = 1
    PTR = 2
    ARRAY = 3
    STRUCT = 4
    UNION = 5
    ENUM = 6
    FWD = 7
    TYPEDEF = 8
    VOLATILE = 9
    CONST = 10
    RESTRICT = 11
    FUNC = 12
    FUNC_PROTO = 13
    VAR = 14
    DATASEC = 15
    FLOAT = 16
    DECL_TAG = 17
    TYPE_TAG = 18
    ENUM64 = 19


class BtfFuncLinkage(IntEnum):
    """``enum btf_func_linkage``: the vlen of a FUNC record."""

    BTF_FUNC_STATIC = 0
    BTF_FUNC_GLOBAL = 1
    BTF_FUNC_EXTERN = 2


class BtfVarLinkage(IntEnum):
    """``enum btf_var_linkage``: ``struct btf_var.linkage``."""

    BTF_VAR_STATIC = 0
    BTF_VAR_GLOBAL_ALLOCATED = 1
    BTF_VAR_GLOBAL_EXTERN = 2


# INT encoding bits (BTF_INT_ENCODING)
BTF_INT_SIGNED = 1 << 0
BTF_INT_CHAR = 1 << 1
BTF_INT_BOOL = 1 << 2


# ---- records ---------------------------------------------------------------------------


@dataclass(slots=True)
class BtfType:
    """Common part of every ``struct btf_type``: name and kind_flag.

    ``name_off`` is the offset in the string table as read; ``name`` the decoded string.
    Sub-classes carry the meaning of the ``size``/``type`` union and the trailing data.
    """

    name: str
    name_off: int
    kind_flag: bool

    kind = BtfKind.UNKN

    def vlen(self) -> int:
        """The ``vlen`` field of ``info`` (count of trailing records, or FUNC linkage)."""
        return 0

    def size_or_type(self) -> int:
        """The value of the ``size``/``type`` union in ``struct btf_type``."""
        return 0


@dataclass(slots=True)
class Void(BtfType):
    """Type id 0 (``void``); never marshalled."""


@dataclass(slots=True)
class Int(BtfType):
    """BTF_KIND_INT: ``size`` bytes, followed by a u32 (encoding, bit offset, bits)."""

    size: int
    encoding: int
    offset: int
    bits: int
    kind = BtfKind.INT

    def size_or_type(self) -> int:
        """The ``size`` field."""
        return self.size


@dataclass(slots=True)
class RefType(BtfType):
    """A kind whose union holds a referenced ``type`` id and which has no trailing data."""

    type: int

    def size_or_type(self) -> int:
        """The ``type`` field."""
        return self.type


@dataclass(slots=True)
class Ptr(RefType):
    """BTF_KIND_PTR."""

    kind = BtfKind.PTR


@dataclass(slots=True)
class Typedef(RefType):
    """BTF_KIND_TYPEDEF."""

    kind = BtfKind.TYPEDEF


@dataclass(slots=True)
class Volatile(RefType):
    """BTF_KIND_VOLATILE."""

    kind = BtfKind.VOLATILE


@dataclass(slots=True)
class Const(RefType):
    """BTF_KIND_CONST."""

    kind = BtfKind.CONST


@dataclass(slots=True)
class Restrict(RefType):
    """BTF_KIND_RESTRICT."""

    kind = BtfKind.RESTRICT


@dataclass(slots=True)
class TypeTag(RefType):
    """BTF_KIND_TYPE_TAG (``btf_type_tag``)."""

    kind = BtfKind.TYPE_TAG


@dataclass(slots=True)
class Func(RefType):
    """BTF_KIND_FUNC: ``type`` is a FUNC_PROTO id; vlen holds the linkage."""

    linkage: int = BtfFuncLinkage.BTF_FUNC_STATIC
    kind = BtfKind.FUNC

    def vlen(self) -> int:
        """The linkage, stored in vlen."""
        return self.linkage


@dataclass(slots=True)
class Fwd(BtfType):
    """BTF_KIND_FWD: a forward declaration; ``kind_flag`` set means union."""

    kind = BtfKind.FWD


@dataclass(slots=True)
class Float(BtfType):
    """BTF_KIND_FLOAT of ``size`` bytes."""

    size: int
    kind = BtfKind.FLOAT

    def size_or_type(self) -> int:
        """The ``size`` field."""
        return self.size


@dataclass(slots=True)
class Array(BtfType):
    """BTF_KIND_ARRAY: followed by ``struct btf_array``."""

    type: int
    index_type: int
    nelems: int
    kind = BtfKind.ARRAY


@dataclass(slots=True)
class Member:
    """``struct btf_member``; ``offset`` is the raw u32 (see ``Composite.bit_offset``)."""

    name: str
    name_off: int
    type: int
    offset: int


@dataclass(slots=True)
class Composite(BtfType):
    """BTF_KIND_STRUCT / BTF_KIND_UNION of ``size`` bytes with ``members``."""

    size: int
    members: list[Member] = field(default_factory=list)

    def vlen(self) -> int:
        """Number of members."""
        return len(self.members)

    def size_or_type(self) -> int:
        """The ``size`` field."""
        return self.size

    def bit_offset(self, m: Member) -> int:
        """Bit offset of member ``m`` (``BTF_MEMBER_BIT_OFFSET`` when kind_flag is set)."""
        return m.offset & 0xFFFFFF if self.kind_flag else m.offset

    def bitfield_size(self, m: Member) -> int:
        """Bitfield size of member ``m`` (0 when not a bitfield)."""
        return m.offset >> 24 if self.kind_flag else 0


@dataclass(slots=True)
class Struct(Composite):
    """BTF_KIND_STRUCT."""

    kind = BtfKind.STRUCT


@dataclass(slots=True)
class Union(Composite):
    """BTF_KIND_UNION."""

    kind = BtfKind.UNION


@dataclass(slots=True)
class EnumValue:
    """``struct btf_enum`` / ``struct btf_enum64``; ``value`` as read (signed if the enum is)."""

    name: str
    name_off: int
    value: int


@dataclass(slots=True)
class Enum(BtfType):
    """BTF_KIND_ENUM (32-bit values); ``kind_flag`` set means signed."""

    size: int
    values: list[EnumValue] = field(default_factory=list)
    kind = BtfKind.ENUM

    def vlen(self) -> int:
        """Number of values."""
        return len(self.values)

    def size_or_type(self) -> int:
        """The ``size`` field."""
        return self.size


@dataclass(slots=True)
class Enum64(BtfType):
    """BTF_KIND_ENUM64 (64-bit values); ``kind_flag`` set means signed."""

    size: int
    values: list[EnumValue] = field(default_factory=list)
    kind = BtfKind.ENUM64

    def vlen(self) -> int:
        """Number of values."""
        return len(self.values)

    def size_or_type(self) -> int:
        """The ``size`` field."""
        return self.size


@dataclass(slots=True)
class Param:
    """``struct btf_param`` of a FUNC_PROTO."""

    name: str
    name_off: int
    type: int


@dataclass(slots=True)
class FuncProto(BtfType):
    """BTF_KIND_FUNC_PROTO: return ``type`` and ``params``."""

    type: int
    params: list[Param] = field(default_factory=list)
    kind = BtfKind.FUNC_PROTO

    def vlen(self) -> int:
        """Number of parameters."""
        return len(self.params)

    def size_or_type(self) -> int:
        """The return type id."""
        return self.type


@dataclass(slots=True)
class Var(BtfType):
    """BTF_KIND_VAR: variable of ``type`` with ``linkage`` (``struct btf_var``)."""

    type: int
    linkage: int
    kind = BtfKind.VAR

    def size_or_type(self) -> int:
        """The ``type`` field."""
        return self.type


@dataclass(slots=True)
class VarSecinfo:
    """``struct btf_var_secinfo``: one VAR of a DATASEC."""

    type: int
    offset: int
    size: int


@dataclass(slots=True)
class Datasec(BtfType):
    """BTF_KIND_DATASEC: an ELF data section of ``size`` bytes and its variables."""

    size: int
    vars: list[VarSecinfo] = field(default_factory=list)
    kind = BtfKind.DATASEC

    def vlen(self) -> int:
        """Number of variables."""
        return len(self.vars)

    def size_or_type(self) -> int:
        """The ``size`` field."""
        return self.size


@dataclass(slots=True)
class DeclTag(BtfType):
    """BTF_KIND_DECL_TAG on ``type`` (``component_idx`` -1: the type itself)."""

    type: int
    component_idx: int
    kind = BtfKind.DECL_TAG

    def size_or_type(self) -> int:
        """The ``type`` field."""
        return self.type


_REF_KINDS: dict[int, type[RefType]] = {
    BtfKind.PTR: Ptr,
    BtfKind.TYPEDEF: Typedef,
    BtfKind.VOLATILE: Volatile,
    BtfKind.CONST: Const,
    BtfKind.RESTRICT: Restrict,
    BtfKind.TYPE_TAG: TypeTag,
}

_REF_KINDS_INT: dict[int, type[RefType]] = {int(k): v for k, v in _REF_KINDS.items()}

#: kinds that only qualify the type they point to (skipped by ``Btf.skip_mods``)
MODIFIER_KINDS = frozenset(
    {BtfKind.VOLATILE, BtfKind.CONST, BtfKind.RESTRICT, BtfKind.TYPE_TAG}
)


# ---- strings ---------------------------------------------------------------------------


class StringTable:
    """The BTF string section: NUL-terminated strings addressed by byte offset."""

    def __init__(self, raw: bytes) -> None:
        self._raw = bytearray(raw)
        self._by_off: dict[int, str] = {}
        self._by_str: dict[str, int] | None = None

    def get(self, off: int) -> str:
        """The string at ``off``; raise BTFError when out of range."""
        s = self._by_off.get(off)
        if s is not None:
            return s
        if off == 0 and not self._raw:
            return ""
        if off < 0 or off >= len(self._raw):
            raise BTFError(f"BTF string offset {off} out of range ({len(self._raw)} bytes)",
                           section=".BTF")
        end = self._raw.find(b"\0", off)
        if end < 0:
            raise BTFError(f"BTF string at offset {off} is not NUL-terminated", section=".BTF")
        s = self._raw[off:end].decode("utf-8", "replace")
        self._by_off[off] = s
        return s

    def index_all(self) -> None:
        """Decode every string now (an ASCII table only: one decode and split); ``get`` of
        a string's start is then a dict hit instead of a find and decode each."""
        if not self._raw.isascii():
            return
        parts = self._raw.decode("ascii").split("\0")
        parts.pop()  # after the last NUL: not a terminated string
        by_off, off = self._by_off, 0
        for part in parts:
            by_off[off] = part
            off += len(part) + 1

    def offset_of(self, s: str, hint: int | None = None) -> int:
        """The offset of ``s``, ``hint`` first if it holds ``s``; append ``s`` if missing."""
        if hint is not None and self._by_off.get(hint) == s:
            return hint
        if hint is not None and self.get(hint) == s:
            return hint
        if self._by_str is None:
            self._by_str = {}
            pos = 0
            raw = bytes(self._raw)
            for part in raw.split(b"\0")[:-1] if raw else []:
                self._by_str.setdefault(part.decode("utf-8", "replace"), pos)
                pos += len(part) + 1
        off = self._by_str.get(s)
        if off is None:
            if not self._raw:
                self._raw.append(0)
                self._by_str[""] = 0
            off = len(self._raw)
            self._raw += s.encode() + b"\0"
            self._by_str[s] = off
        self._by_off[off] = s
        return off

    def replace_in_place(self, off: int, new: str) -> None:
        """Overwrite the string at ``off`` with ``new`` of the same length (libbpf style)."""
        old = self.get(off)
        enc = new.encode()
        if len(enc) != len(old.encode()):
            raise BTFError("in-place string replacement must keep the length", section=".BTF")
        self._raw[off:off + len(enc)] = enc
        self._by_off[off] = new
        self._by_str = None

    def raw(self) -> bytes:
        """The section bytes."""
        return bytes(self._raw)


# ---- the BTF object --------------------------------------------------------------------


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


# ---- (de)serialisation of the type section ----------------------------------------------


def _parse_types(buf: bytes, strings: StringTable, e: str, base: int) -> list[BtfType]:
    """Every record of a type section, read from one list of u32 words (one ``array`` call
    for the section, not a struct call per field group; ``len(buf)`` is a multiple of 4,
    ``Btf.parse`` checks).  A name comes from the string index, or from ``StringTable.get``
    for an offset that is no string's start (a shared tail; ``get`` raises for a bad one).
    A record cut short raises naming its type id and byte offset (``base`` + position)."""
    words = array("I", buf)
    if _SWAP[e]:
        words.byteswap()
    w = words.tolist()
    n = len(w)
    known, get = strings._by_off.get, strings.get
    ref_kinds = _REF_KINDS_INT
    types: list[BtfType] = [Void("", 0, False)]
    append = types.append
    i = 0
    while i < n:
        rec = i
        if i + 3 > n:
            raise BTFError("truncated btf_type record", section=".BTF", offset=base + 4 * i)
        name_off, info, st = w[i], w[i + 1], w[i + 2]
        name = known(name_off)
        if name is None:
            name = get(name_off)
        i += 3
        kind = (info >> 24) & 0x1F
        kflag = info >= 0x80000000
        ref = ref_kinds.get(kind)
        if ref is not None:
            append(ref(name, name_off, kflag, st))
            continue
        vlen = info & 0xFFFF
        # (loops, not comprehensions, below: a comprehension is a call in 3.11)
        try:  # an IndexError: the record's trailing data runs past the section
            if kind == 1:  # INT
                enc = w[i]
                i += 1
                append(Int(name, name_off, kflag, st, (enc >> 24) & 0xF, (enc >> 16) & 0xFF,
                           enc & 0xFF))
            elif kind == 4 or kind == 5:  # STRUCT, UNION
                j, i = i, i + 3 * vlen
                members = []
                for k in range(j, i, 3):
                    m_off, m_type, m_bits = w[k], w[k + 1], w[k + 2]
                    m_name = known(m_off)
                    members.append(Member(get(m_off) if m_name is None else m_name, m_off,
                                          m_type, m_bits))
                append((Struct if kind == 4 else Union)(name, name_off, kflag, st, members))
            elif kind == 12:  # FUNC
                append(Func(name, name_off, kflag, st, vlen))
            elif kind == 13:  # FUNC_PROTO
                j, i = i, i + 2 * vlen
                params = []
                for k in range(j, i, 2):
                    p_off, p_type = w[k], w[k + 1]
                    p_name = known(p_off)
                    params.append(Param(get(p_off) if p_name is None else p_name, p_off,
                                        p_type))
                append(FuncProto(name, name_off, kflag, st, params))
            elif kind == 3:  # ARRAY
                append(Array(name, name_off, kflag, w[i], w[i + 1], w[i + 2]))
                i += 3
            elif kind == 14:  # VAR
                append(Var(name, name_off, kflag, st, w[i]))
                i += 1
            elif kind == 15:  # DATASEC
                j, i = i, i + 3 * vlen
                secinfos = []
                for k in range(j, i, 3):
                    secinfos.append(VarSecinfo(w[k], w[k + 1], w[k + 2]))
                append(Datasec(name, name_off, kflag, st, secinfos))
            elif kind == 6 or kind == 19:  # ENUM (u32 values), ENUM64 (lo, hi)
                wide = kind == 19
                step = 3 if wide else 2
                j, i = i, i + step * vlen
                values = []
                for k in range(j, i, step):
                    v_off = w[k]
                    if wide:
                        v = w[k + 2] << 32 | w[k + 1]
                        if kflag and v >= 1 << 63:
                            v -= 1 << 64
                    else:
                        v = w[k + 1]
                        if kflag and v >= 1 << 31:
                            v -= 1 << 32
                    v_name = known(v_off)
                    values.append(EnumValue(get(v_off) if v_name is None else v_name, v_off, v))
                append((Enum64 if wide else Enum)(name, name_off, kflag, st, values))
            elif kind == 7:  # FWD
                append(Fwd(name, name_off, kflag))
            elif kind == 16:  # FLOAT
                append(Float(name, name_off, kflag, st))
            elif kind == 17:  # DECL_TAG: component_idx is an s32
                c = w[i]
                i += 1
                append(DeclTag(name, name_off, kflag, st, c - (1 << 32) if c >= 1 << 31 else c))
            else:
                raise BTFError(f"unknown BTF kind {kind} at type id {len(types)}",
                               section=".BTF", offset=base + 4 * rec)
        except IndexError as exc:
            raise BTFError(f"truncated BTF type id {len(types)}", section=".BTF",
                           offset=base + 4 * rec) from exc
    return types


#: whether an ``array("I")`` (native order) must be byte-swapped for byte order ``e``
_SWAP = {"<": sys.byteorder != "little", ">": sys.byteorder != "big"}


def _marshal_types(types: list[BtfType], strings: StringTable, e: str) -> bytes:
    """The type section, from one list of u32 words packed by a single ``array`` call (no
    struct call per record); BTFError naming the value when a field is no u32 (DECL_TAG's
    component_idx: no s32), or the type id when a field is no number."""
    words: list[int] = []
    more = words.extend
    known = strings._by_off.get  # offset_of's own first test, without the call
    off = strings.offset_of
    t: Any  # dispatched on the kind, which names the record's class (no isinstance chain)
    tid = 0
    try:
        for tid, t in enumerate(types[1:], 1):  # noqa: B007 (named in the error below)
            no = t.name_off
            if known(no) != t.name:
                no = off(t.name, no)
            k = t.kind
            head = (t.kind_flag << 31) | (k << 24)
            if k == 1:  # INT (branches in the order of how common the kinds are)
                more((no, head, t.size, (t.encoding << 24) | (t.offset << 16) | t.bits))
            elif k in _REF_KINDS_INT:  # PTR, TYPEDEF, modifiers: vlen 0, the type id
                more((no, head, t.type))
            elif k == 4 or k == 5:  # STRUCT, UNION
                more((no, head | len(t.members), t.size))
                for m in t.members:
                    mo = m.name_off
                    if known(mo) != m.name:
                        mo = off(m.name, mo)
                    more((mo, m.type, m.offset))
            elif k == 3:  # ARRAY
                more((no, head, 0, t.type, t.index_type, t.nelems))
            elif k == 14:  # VAR
                more((no, head, t.type, t.linkage))
            elif k == 15:  # DATASEC
                more((no, head | len(t.vars), t.size))
                for vs in t.vars:
                    more((vs.type, vs.offset, vs.size))
            elif k == 13:  # FUNC_PROTO
                more((no, head | len(t.params), t.type))
                for p in t.params:
                    po = p.name_off
                    if known(po) != p.name:
                        po = off(p.name, po)
                    more((po, p.type))
            elif k == 12:  # FUNC: vlen holds the linkage
                more((no, head | t.linkage, t.type))
            elif k == 6:  # ENUM
                more((no, head | len(t.values), t.size))
                for v in t.values:
                    vo = v.name_off
                    if known(vo) != v.name:
                        vo = off(v.name, vo)
                    more((vo, v.value & 0xFFFFFFFF))
            elif k == 19:  # ENUM64
                more((no, head | len(t.values), t.size))
                for v in t.values:
                    vo = v.name_off
                    if known(vo) != v.name:
                        vo = off(v.name, vo)
                    u = v.value & 0xFFFFFFFFFFFFFFFF
                    more((vo, u & 0xFFFFFFFF, u >> 32))
            elif k == 17:  # DECL_TAG: component_idx is an s32
                c = t.component_idx
                if not isinstance(c, int) or not -0x80000000 <= c < 0x80000000:
                    raise BTFError("BTF record out of range while marshalling: DECL_TAG "
                                   f"component_idx {c!r} is no s32", section=".BTF")
                more((no, head, t.type, c & 0xFFFFFFFF))
            else:  # FWD, FLOAT: no trailing data
                more((no, head | t.vlen(), t.size_or_type()))
    except (TypeError, ValueError) as exc:  # a field that is no number at all
        raise BTFError(f"BTF type id {tid} cannot be marshalled: {exc}",
                       section=".BTF") from exc
    try:
        packed = array("I", words)
    except (OverflowError, TypeError) as exc:
        bad = next(v for v in words if not isinstance(v, int) or not 0 <= v <= 0xFFFFFFFF)
        raise BTFError(f"BTF record out of range while marshalling: {bad!r} is no u32",
                       section=".BTF") from exc
    if _SWAP[e]:
        packed.byteswap()
    return packed.tobytes()


# ---- DATASEC / VAR fix-ups from the ELF (libbpf: btf_fixup_datasec) ---------------------

#: (st_value, hidden) of a global ELF symbol by name, or None when there is none
SymbolLookup = Callable[[str], "tuple[int, bool] | None"]
#: size of an ELF section by name, or None when there is none
SectionSizeLookup = Callable[[str], "int | None"]

EXTERN_DATASECS = (".kconfig", ".ksyms")


#: VAR linkages fixup_datasecs leaves alone (plain ints: no enum attribute read per VAR)
_VAR_NOT_IN_ELF = frozenset((int(BtfVarLinkage.BTF_VAR_STATIC),
                             int(BtfVarLinkage.BTF_VAR_GLOBAL_EXTERN)))


def fixup_datasecs(btf: Btf, section_size: SectionSizeLookup, symbol: SymbolLookup) -> None:
    """Fill in DATASEC sizes and VAR offsets from the ELF, as libbpf's btf_fixup_datasec.

    clang leaves ``size`` 0 in a DATASEC and its variables' offsets unset; the ELF knows
    them: the section size, and each variable's ``st_value``.  A global variable of hidden
    or internal visibility becomes ``BTF_VAR_STATIC``.  Variables are then sorted by offset.
    """
    for type_id, t in enumerate(btf.types):
        if not isinstance(t, Datasec) or not type_id:
            continue
        if t.name not in EXTERN_DATASECS:
            fixup_offsets = False
            if t.size == 0:
                size = section_size(t.name)
                if not size:
                    raise BTFError(f"DATASEC '{t.name}' (type {type_id}): no ELF section size",
                                   section=t.name)
                t.size = size
                fixup_offsets = True
            for v in t.vars:
                var = btf.type_by_id(v.type)
                if not isinstance(var, Var):
                    raise BTFError(f"DATASEC '{t.name}' holds non-VAR type {v.type}",
                                   section=t.name)
                if var.linkage in _VAR_NOT_IN_ELF:
                    continue
                sym = symbol(var.name)
                if sym is None:
                    raise BTFError(f"DATASEC '{t.name}': no ELF symbol for VAR '{var.name}'",
                                   section=t.name, symbol=var.name)
                if fixup_offsets:
                    if sym[0] >= 1 << 32:
                        raise BTFError(f"DATASEC '{t.name}': VAR '{var.name}' at offset "
                                       f"{sym[0]:#x}", section=t.name, symbol=var.name)
                    v.offset = sym[0]
                if sym[1]:
                    var.linkage = BtfVarLinkage.BTF_VAR_STATIC
        if len(t.vars) > 1:
            t.vars.sort(key=lambda v: v.offset)


# ---- fast name index of a big BTF (vmlinux), without decoding every record ----------------

#: bytes after ``struct btf_type``: (fixed, per-vlen-entry)
_TRAILER = {
    BtfKind.INT: (4, 0), BtfKind.ARRAY: (12, 0), BtfKind.STRUCT: (0, 12),
    BtfKind.UNION: (0, 12), BtfKind.ENUM: (0, 8), BtfKind.FUNC_PROTO: (0, 8),
    BtfKind.VAR: (4, 0), BtfKind.DATASEC: (0, 12), BtfKind.DECL_TAG: (4, 0),
    BtfKind.ENUM64: (0, 12),
}


def index_names(raw: bytes, kinds: frozenset[int]) -> dict[tuple[int, str], int]:
    """``{(kind, name): type id}`` of every named record of ``kinds`` in raw BTF ``raw``
    (first id wins), found by one pass over the type section's ``info`` words."""
    magic, _, _, hdr_len, type_off, type_len, str_off, str_len = struct.unpack_from(
        "<HBBIIIII", raw, 0)
    if magic != BTF_MAGIC:
        raise BTFError(f"bad BTF magic {magic:#x}", section=".BTF", offset=0)
    t0, s0 = hdr_len + type_off, hdr_len + str_off
    strs = raw[s0:s0 + str_len]
    out: dict[tuple[int, str], int] = {}
    unpack = struct.Struct("<II").unpack_from
    trailer = {int(k): v for k, v in _TRAILER.items()}
    pos, end, tid = t0, t0 + type_len, 1
    while pos < end:
        name_off, info = unpack(raw, pos)
        kind = (info >> 24) & 0x1F
        if kind in kinds and name_off:
            name = strs[name_off:strs.index(b"\0", name_off)].decode()
            out.setdefault((kind, name), tid)
        fixed, per = trailer.get(kind, (0, 0))
        pos += 12 + fixed + per * (info & 0xFFFF)
        tid += 1
    return out
