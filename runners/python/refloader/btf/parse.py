"""BTF bytes -> records: the type section decoded into ``types`` records
(``parse_types``, used by ``Btf.parse``), and a fast name index of a big BTF such as
vmlinux without decoding every record (``index_names``)."""

from __future__ import annotations

import struct
from array import array

from refloader.btf.strings import StringTable
from refloader.btf.types import (
    _REF_KINDS_INT,
    _SWAP,
    BTF_MAGIC,
    Array,
    BtfKind,
    BtfType,
    Datasec,
    DeclTag,
    Enum,
    Enum64,
    EnumValue,
    Float,
    Func,
    FuncProto,
    Fwd,
    Int,
    Member,
    Param,
    Struct,
    Union,
    Var,
    VarSecinfo,
    Void,
)
from refloader.errors import BTFError


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
