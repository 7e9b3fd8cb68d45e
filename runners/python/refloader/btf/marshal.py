"""BTF records -> bytes: the type section written back (``marshal_types``, used by
``Btf.marshal``); new names are added to the string table."""

from __future__ import annotations

from array import array
from typing import Any

from refloader.btf.strings import StringTable
from refloader.btf.types import (
    _REF_KINDS_INT,
    _SWAP,
    BtfType,
)
from refloader.errors import BTFError


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
