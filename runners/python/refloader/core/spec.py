"""CO-RE access specs and type compatibility, as libbpf's ``relo_core.c`` defines them.

A CO-RE record names a *local* root type and an access string ``"0:1:2"``
(Documentation/bpf/llvm_reloc.rst).  ``parse_spec`` turns it into a ``Spec``: the root,
the raw indices, the *accessors* (one per named member and per array index; anonymous
members only add their bit offset) and the bit offset they add up to.  ``match_spec``
replays the accessors on a *target* candidate type, by member name, and builds the target
``Spec``.  Compatibility rules:

* fields (``fields_are_compat``): composites match composites; otherwise kinds must be
  equal (ENUM ~ ENUM64); pointers and floats always, enums/fwds by essential name (or
  either anonymous), ints unless legacy bitfield-ints, arrays by element;
* types (``types_are_compat``, for TYPE_EXISTS/SIZE/ID_TARGET): kinds equal after
  modifiers and typedefs; composites/enums/fwds always, ints unless bitfield-ints,
  pointers and arrays by target, func protos by arity and each parameter;
* type-matches (``types_match``, BPF_CORE_TYPE_MATCHES): names must match at every level
  (after typedefs); ints by size and signedness; composites: every local member present
  in the target by name with a matching type (behind a pointer only kind and name);
  enums: every local enumerator present by name, equal size; arrays by length and
  element; func protos by arity, parameters and return type.

Pure: works on any two objects with ``type_by_id``, ``skip_mods_and_typedefs`` and
``resolve_size`` (``refloader.btf.Btf`` and ``refloader.core.target.TargetBtf``).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Protocol

from refloader.btf import (
    MODIFIER_KINDS,
    Array,
    BtfKind,
    BtfType,
    Composite,
    Enum,
    Enum64,
    Float,
    FuncProto,
    Int,
    Member,
    Ptr,
)
from refloader.btf_ext import BpfCoreReloKind as K
from refloader.core.target import TargetBtf, essential_name
from refloader.errors import RelocationError

#: libbpf BPF_CORE_SPEC_MAX_LEN
SPEC_MAX_LEN = 64
BTF_INT_SIGNED = 1
_MAX_LEVEL = 32

FIELD_KINDS = frozenset({K.BPF_CORE_FIELD_BYTE_OFFSET, K.BPF_CORE_FIELD_BYTE_SIZE,
                         K.BPF_CORE_FIELD_EXISTS, K.BPF_CORE_FIELD_SIGNED,
                         K.BPF_CORE_FIELD_LSHIFT_U64, K.BPF_CORE_FIELD_RSHIFT_U64})
TYPE_KINDS = frozenset({K.BPF_CORE_TYPE_ID_LOCAL, K.BPF_CORE_TYPE_ID_TARGET,
                        K.BPF_CORE_TYPE_EXISTS, K.BPF_CORE_TYPE_SIZE,
                        K.BPF_CORE_TYPE_MATCHES})
ENUMVAL_KINDS = frozenset({K.BPF_CORE_ENUMVAL_EXISTS, K.BPF_CORE_ENUMVAL_VALUE})

# plain-int kinds: reading an IntEnum member (``BtfKind.PTR``) costs ~50 ns, a global ~10
_ALWAYS_COMPAT = frozenset({int(BtfKind.PTR), int(BtfKind.FLOAT)})
_NAMED_COMPAT = frozenset({int(BtfKind.FWD), int(BtfKind.ENUM), int(BtfKind.ENUM64)})
_TYPE_MATCHES = int(K.BPF_CORE_TYPE_MATCHES)
#: what ``skip_mods_and_typedefs`` follows; hot paths test a record's kind first and only
#: call it for these (saves a call per lookup, errors are the same)
SKIPPED_KINDS = frozenset({int(k) for k in MODIFIER_KINDS} | {int(BtfKind.TYPEDEF)})
#: isinstance tuples (isinstance on a ``A | B`` union is ~4x slower)
ENUM_TYPES = (Enum, Enum64)
_SIZED = (Int, Float, Composite, Enum, Enum64)


class BtfView(Protocol):
    """What the engine needs of a BTF (local ``Btf`` or target ``TargetBtf``)."""

    def type_by_id(self, type_id: int) -> BtfType:
        """The record of ``type_id``."""

    def skip_mods_and_typedefs(self, type_id: int) -> int:
        """Follow modifiers and typedefs."""

    def resolve_size(self, type_id: int) -> int:
        """Size in bytes."""


class SpecError(Exception):
    """A local access spec that cannot be parsed (libbpf: -EINVAL / -E2BIG)."""


@dataclass(slots=True)
class Accessor:
    """``struct bpf_core_accessor``: a member (``name`` set) or an array index.

    ``type_id`` is the composite holding the member, or the array element type (modifiers
    and typedefs skipped); for an enumerator, the enum.  A member accessor also keeps the
    member record and its bitfield size (0: none), which matching and the field location
    read (saves looking the composite up again).
    """

    type_id: int
    idx: int
    name: str | None
    member: Member | None = None
    bitfield_size: int = 0


@dataclass(slots=True)
class Spec:
    """``struct bpf_core_spec``: a parsed (local) or matched (target) access spec.

    ``kind`` decides how it was parsed and is matched (field, type or enumerator); the
    engine shares one spec among the six field kinds.  ``loc``: ``field_loc``'s answer,
    kept once computed (a spec never changes after parsing or matching).
    """

    btf: BtfView
    root_type_id: int
    kind: int
    raw: list[int] = field(default_factory=list)
    acc: list[Accessor] = field(default_factory=list)
    bit_offset: int = 0
    loc: FieldLoc | None = field(default=None, compare=False, repr=False)


#: where the field of a field spec lies: the part of libbpf ``bpf_core_calc_field_relo``
#: that all six field kinds share (each kind then picks or combines these); a plain tuple
#: (a NamedTuple costs ~4x more to build), in this order:
#: ``(bit_off, byte_off, byte_sz, bit_sz, bitfield, array, sz_type, ftype)``:
#: the spec's bit offset; offset and size of the load that reads the field; the bitfield
#: width (else byte_sz * 8); bitfield; the last accessor is an array element (only
#: BYTE_OFFSET and BYTE_SIZE apply); the field's type id (modifiers and typedefs skipped;
#: a load of the field follows its size) and record (None for an array element)
FieldLoc = tuple[int, int, int, int, bool, bool, int, BtfType | None]


def field_loc(spec: Spec) -> FieldLoc:
    """The field that the last accessor of ``spec`` reaches (libbpf
    ``bpf_core_calc_field_relo``): byte offset and size of the load that reads it (a
    bitfield widens the load until it holds all its bits), bitfield width, type."""
    loc = spec.loc
    if loc is not None:
        return loc
    btf, acc = spec.btf, spec.acc[-1]
    bit_off = spec.bit_offset
    if acc.name is None:  # a[n]: the element itself
        sz = btf.resolve_size(acc.type_id)
        loc = (bit_off, bit_off // 8, sz, sz * 8, False, True, acc.type_id, None)
        spec.loc = loc
        return loc
    m = acc.member
    assert m is not None  # a named accessor
    ftid = m.type
    mt = btf.type_by_id(ftid)
    if mt.kind in SKIPPED_KINDS:
        ftid = btf.skip_mods_and_typedefs(ftid)
        mt = btf.type_by_id(ftid)
    bit_sz = acc.bitfield_size
    bitfield = bit_sz > 0
    if bitfield:
        byte_sz = mt.size_or_type()
        byte_off = bit_off // 8 // byte_sz * byte_sz
        while bit_off + bit_sz - byte_off * 8 > byte_sz * 8:
            if byte_sz >= 8:
                raise RelocationError(f"bitfield '{acc.name}' cannot be read with a 64-bit "
                                      "load")
            byte_sz *= 2
            byte_off = bit_off // 8 // byte_sz * byte_sz
    else:
        byte_sz = mt.size if isinstance(mt, _SIZED) else size_of(btf, ftid, mt)
        byte_off = bit_off // 8
        bit_sz = byte_sz * 8
    loc = (bit_off, byte_off, byte_sz, bit_sz, bitfield, False, ftid, mt)
    spec.loc = loc
    return loc


def size_of(btf: BtfView, type_id: int, t: BtfType) -> int:
    """``btf.resolve_size(type_id)`` where ``t`` is its record: sized kinds answered here."""
    if isinstance(t, _SIZED):
        return t.size
    if isinstance(t, Ptr):
        return 8
    return btf.resolve_size(type_id)


def _is_any_enum(t: BtfType) -> bool:
    return isinstance(t, ENUM_TYPES)


def kind_core_compat(a: BtfType, b: BtfType) -> bool:
    """libbpf ``btf_kind_core_compat``: same kind, or both enums (ENUM ~ ENUM64)."""
    return a.kind == b.kind or (_is_any_enum(a) and _is_any_enum(b))


def names_match(a: str, b: str) -> bool:
    """libbpf ``bpf_core_names_match``: equal essential names (empty matches empty)."""
    if not b:
        return not a
    return essential_name(a) == essential_name(b)


def _is_flex_arr(btf: BtfView, acc: Accessor | None, arr: Array) -> bool:
    """A zero-length array that is the last member of its struct (libbpf ``is_flex_arr``)."""
    if acc is None or acc.name is None or arr.nelems > 0:
        return False
    t = btf.type_by_id(acc.type_id)
    return isinstance(t, Composite) and acc.idx == len(t.members) - 1


def parse_spec(btf: BtfView, type_id: int, access: str, kind: int) -> Spec:
    """libbpf ``bpf_core_parse_spec``: the local spec of one relocation record."""
    if kind in TYPE_KINDS:
        if access != "0":
            raise SpecError(f"type-based relocation with access string {access!r}")
        btf.skip_mods_and_typedefs(type_id)  # the root must resolve (a modifier loop is an error)
        return Spec(btf, type_id, kind)
    try:
        raw = list(map(int, access.split(":")))
    except ValueError as exc:
        raise SpecError(f"bad access string {access!r}") from exc
    if not raw or min(raw) < 0 or len(raw) > SPEC_MAX_LEN:
        raise SpecError(f"bad access string {access!r}")
    skip, by_id = btf.skip_mods_and_typedefs, btf.type_by_id
    tid, root = type_id, by_id(type_id)
    if root.kind in SKIPPED_KINDS:
        tid = skip(type_id)
        root = by_id(tid)
    first = raw[0]
    if kind in ENUMVAL_KINDS:
        if not isinstance(root, ENUM_TYPES) or len(raw) > 1 or first >= len(root.values):
            raise SpecError(f"enum value access {access!r} on a non-enum or out of range")
        return Spec(btf, type_id, kind, raw, [Accessor(tid, first, root.values[first].name)])
    if kind not in FIELD_KINDS:
        raise SpecError(f"unknown relocation kind {kind}")
    acc = [Accessor(tid, first, None)]
    bit_offset = first * (root.size if isinstance(root, _SIZED) else size_of(btf, tid, root)) * 8
    member_type = 0  # the type of the last named member reached (0: none yet)
    t: BtfType | None = root
    for i in raw[1:]:
        if t is None:  # the member type of the previous step: modifiers not yet skipped
            t = by_id(tid)
            if t.kind in SKIPPED_KINDS:
                tid = skip(tid)
                t = by_id(tid)
        if isinstance(t, Composite):
            if i >= len(t.members):
                raise SpecError(f"member index {i} out of range in {access!r}")
            m = t.members[i]
            bit_offset += m.offset & 0xFFFFFF if t.kind_flag else m.offset  # bit_offset(m)
            member_type = 0
            if m.name:
                acc.append(Accessor(tid, i, m.name, m, m.offset >> 24 if t.kind_flag else 0))
                member_type = m.type
            tid, t = m.type, None
        elif isinstance(t, Array):
            elem = skip(t.type)
            if not _is_flex_arr(btf, acc[-1], t) and i >= t.nelems:
                raise SpecError(f"array index {i} out of range in {access!r}")
            acc.append(Accessor(elem, i, None))
            bit_offset += i * btf.resolve_size(elem) * 8
            tid, t, member_type = elem, None, 0
        else:
            raise SpecError(f"access {access!r} steps into a {t.kind.name}")
    if member_type and by_id(member_type).kind in SKIPPED_KINDS:
        skip(member_type)  # the field's own type must resolve too (a loop is an error)
    return Spec(btf, type_id, kind, raw, acc, bit_offset)


def fields_are_compat(lb: BtfView, lid: int, tb: BtfView, tid: int) -> bool:
    """libbpf ``bpf_core_fields_are_compat``."""
    for _ in range(_MAX_LEVEL):
        lt = lb.type_by_id(lid)
        if lt.kind in SKIPPED_KINDS:
            lt = lb.type_by_id(lb.skip_mods_and_typedefs(lid))
        tt = tb.type_by_id(tid)
        if tt.kind in SKIPPED_KINDS:
            tt = tb.type_by_id(tb.skip_mods_and_typedefs(tid))
        if isinstance(lt, Int) and isinstance(tt, Int):  # the common case first
            return lt.offset == 0 and tt.offset == 0
        if isinstance(lt, Composite) and isinstance(tt, Composite):
            return True
        if not kind_core_compat(lt, tt):
            return False
        if lt.kind in _ALWAYS_COMPAT:
            return True
        if lt.kind in _NAMED_COMPAT:
            ln, tn = essential_name(lt.name), essential_name(tt.name)
            return not ln or not tn or ln == tn
        if isinstance(lt, Array) and isinstance(tt, Array):
            lid, tid = lt.type, tt.type
            continue
        return False
    return False


def types_are_compat(lb: BtfView, lid: int, tb: BtfView, tid: int,
                     level: int = _MAX_LEVEL) -> bool:
    """libbpf ``__bpf_core_types_are_compat`` (names are checked by candidate lookup)."""
    if level <= 0:
        return False
    for _ in range(_MAX_LEVEL):
        lt = lb.type_by_id(lb.skip_mods_and_typedefs(lid))
        tt = tb.type_by_id(tb.skip_mods_and_typedefs(tid))
        if not kind_core_compat(lt, tt):
            return False
        if lt.kind in (BtfKind.UNKN, BtfKind.STRUCT, BtfKind.UNION, BtfKind.ENUM,
                       BtfKind.ENUM64, BtfKind.FWD):
            return True
        if isinstance(lt, Int) and isinstance(tt, Int):
            return lt.offset == 0 and tt.offset == 0
        if isinstance(lt, Ptr) and isinstance(tt, Ptr):
            lid, tid = lt.type, tt.type
            continue
        if isinstance(lt, Array) and isinstance(tt, Array):
            lid, tid = lt.type, tt.type
            continue
        if isinstance(lt, FuncProto) and isinstance(tt, FuncProto):
            if len(lt.params) != len(tt.params):
                return False
            for lp, tp in zip(lt.params, tt.params, strict=True):
                if not types_are_compat(lb, lp.type, tb, tp.type, level - 1):
                    return False
            lid, tid = lt.type, tt.type
            continue
        return False
    return False


def types_match(lb: BtfView, lid: int, tb: BtfView, tid: int, behind_ptr: bool = False,
                level: int = _MAX_LEVEL) -> bool:
    """libbpf ``__bpf_core_types_match`` (BPF_CORE_TYPE_MATCHES)."""
    if level <= 0:
        return False
    for _ in range(_MAX_LEVEL):
        lid, tid = lb.skip_mods_and_typedefs(lid), tb.skip_mods_and_typedefs(tid)
        lt, tt = lb.type_by_id(lid), tb.type_by_id(tid)
        if not names_match(lt.name, tt.name):
            return False
        lk, tk = lt.kind, tt.kind
        if lk == BtfKind.UNKN:
            return lk == tk
        if lk == BtfKind.FWD:
            if behind_ptr and lk != tk:
                return ((tk == BtfKind.STRUCT and not lt.kind_flag)
                        or (tk == BtfKind.UNION and lt.kind_flag))
            return lk == tk and lt.kind_flag == tt.kind_flag
        if isinstance(lt, ENUM_TYPES):
            return isinstance(tt, ENUM_TYPES) and _enums_match(lt, tt)
        if isinstance(lt, Composite):
            if behind_ptr:
                if lk == tk:
                    return True
                return tk == BtfKind.FWD and (lk == BtfKind.UNION) == tt.kind_flag
            return lk == tk and isinstance(tt, Composite) and _composites_match(
                lb, lt, tb, tt, behind_ptr, level)
        if isinstance(lt, Int):
            return (isinstance(tt, Int) and lt.size == tt.size
                    and (lt.encoding & BTF_INT_SIGNED) == (tt.encoding & BTF_INT_SIGNED))
        if isinstance(lt, Ptr):
            if not isinstance(tt, Ptr):
                return False
            behind_ptr = True
            lid, tid = lt.type, tt.type
            continue
        if isinstance(lt, Array):
            if not isinstance(tt, Array) or lt.nelems != tt.nelems:
                return False
            lid, tid = lt.type, tt.type
            continue
        if isinstance(lt, FuncProto):
            if not isinstance(tt, FuncProto) or len(lt.params) != len(tt.params):
                return False
            for lp, tp in zip(lt.params, tt.params, strict=True):
                if not types_match(lb, lp.type, tb, tp.type, behind_ptr, level - 1):
                    return False
            lid, tid = lt.type, tt.type
            continue
        return False
    return False


def _enums_match(lt: Enum | Enum64, tt: Enum | Enum64) -> bool:
    if lt.size != tt.size or len(lt.values) > len(tt.values):
        return False
    return all(any(names_match(lv.name, tv.name) for tv in tt.values) for lv in lt.values)


def _composites_match(lb: BtfView, lt: Composite, tb: BtfView, tt: Composite,
                      behind_ptr: bool, level: int) -> bool:
    if len(lt.members) > len(tt.members):
        return False
    for lm in lt.members:
        if not any(names_match(lm.name, tm.name)
                   and types_match(lb, lm.type, tb, tm.type, behind_ptr, level - 1)
                   for tm in tt.members):
            return False
    return True


def _match_member(lb: BtfView, name: str, ltype: int, tb: BtfView, tid: int,
                  spec: Spec) -> tuple[bool, int]:
    """libbpf ``bpf_core_match_member``: find the local member ``name`` (of type ``ltype``)
    by name in target ``tid``, descending into anonymous members; returns (found, next
    target type id)."""
    index: dict[str, int] | None = None
    if isinstance(tb, TargetBtf):  # memoised: (id, composite, its member index)
        comp = tb.composite(tid)
        if comp is None:
            return False, 0
        tid, tt, index = comp
    else:
        tid = tb.skip_mods_and_typedefs(tid)
        t = tb.type_by_id(tid)
        if not isinstance(t, Composite):
            return False, 0
        tt = t
    raw, kflag, members = spec.raw, tt.kind_flag, tt.members
    if index is not None:  # no anonymous member: only the first named match counts
        if members and len(raw) >= SPEC_MAX_LEN:
            raise SpecError("access spec too deep")
        i = index.get(name, -1)
        return _take_member(lb, ltype, tb, tid, tt, i, spec) if i >= 0 else (False, 0)
    for i, m in enumerate(members):
        if len(raw) >= SPEC_MAX_LEN:
            raise SpecError("access spec too deep")
        mname = m.name
        if mname and mname != name:
            continue  # libbpf speculates on this member and takes it back: no net change
        if mname:
            return _take_member(lb, ltype, tb, tid, tt, i, spec)
        bit = m.offset & 0xFFFFFF if kflag else m.offset  # tt.bit_offset(m)
        spec.bit_offset += bit  # speculate that this anonymous member holds it
        raw.append(i)
        found, nxt = _match_member(lb, name, ltype, tb, m.type, spec)
        if found:
            return True, nxt
        spec.bit_offset -= bit
        raw.pop()
    return False, 0


def _take_member(lb: BtfView, ltype: int, tb: BtfView, tid: int, tt: Composite, i: int,
                 spec: Spec) -> tuple[bool, int]:
    """The named member ``i`` of target ``tt`` matched the local one by name: add it to
    ``spec`` when the field types are compatible (else the raw index and bit offset stay,
    as libbpf leaves them)."""
    m = tt.members[i]
    spec.bit_offset += m.offset & 0xFFFFFF if tt.kind_flag else m.offset  # bit_offset(m)
    spec.raw.append(i)
    if fields_are_compat(lb, ltype, tb, m.type):
        spec.acc.append(Accessor(tid, i, m.name, m, m.offset >> 24 if tt.kind_flag else 0))
        return True, m.type
    return False, 0


def match_spec(local: Spec, tb: BtfView, cand_id: int) -> Spec | None:
    """libbpf ``bpf_core_spec_match``: the target spec for candidate ``cand_id``, or None."""
    lb = local.btf
    targ = Spec(tb, cand_id, local.kind)
    if local.kind in TYPE_KINDS:
        if local.kind == _TYPE_MATCHES:
            ok = types_match(lb, local.root_type_id, tb, cand_id)
        else:
            ok = types_are_compat(lb, local.root_type_id, tb, cand_id)
        return targ if ok else None
    if local.kind in ENUMVAL_KINDS:
        tid = tb.skip_mods_and_typedefs(cand_id)
        tt = tb.type_by_id(tid)
        if not isinstance(tt, ENUM_TYPES):
            return None
        want = essential_name(local.acc[0].name or "")
        if isinstance(tb, TargetBtf):  # the first enumerator of that essential name
            i = tb.enumval_index(tid, tt).get(want, -1)
        else:
            i = next((i for i, v in enumerate(tt.values) if essential_name(v.name) == want),
                     -1)
        if i < 0:
            return None
        targ.acc.append(Accessor(tid, i, tt.values[i].name))
        targ.raw.append(i)
        return targ
    tid = cand_id
    for n, la in enumerate(local.acc):
        if la.name is not None:
            m = la.member
            assert m is not None  # parse_spec keeps a named accessor's member
            found, tid = _match_member(lb, la.name, m.type, tb, tid, targ)
            if not found:
                return None
            continue
        if n > 0:
            tid = tb.skip_mods_and_typedefs(tid)
            tt = tb.type_by_id(tid)
            if not isinstance(tt, Array):
                return None
            prev = targ.acc[-1] if targ.acc else None
            if not _is_flex_arr(tb, prev, tt) and la.idx >= tt.nelems:
                return None
            tid = tb.skip_mods_and_typedefs(tt.type)
        if len(targ.raw) >= SPEC_MAX_LEN:
            raise SpecError("access spec too deep")
        targ.acc.append(Accessor(tid, la.idx, None))
        targ.raw.append(la.idx)
        targ.bit_offset += la.idx * tb.resolve_size(tid) * 8
    return targ
