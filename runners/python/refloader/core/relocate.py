"""CO-RE relocation engine of the reference loader (libbpf ``relo_core.c`` semantics).

Contract (how the load pipeline calls this module)
--------------------------------------------------
``relocate_programs(obj, target_path)`` is what ``refloader.loader.BpfObject.load`` calls
before any other relocation: for every function that will be loaded (``obj.programs``:
sub-programs and autoloaded entry programs, as libbpf skips the others; each with
``core_relos`` rebased to its first instruction) it patches ``ProgramSpec.insns`` in place
(a new ``bytes``) and returns the list of ``CoreResult``.  ``target_path`` is
``btf_custom_path`` (raw BTF or an ELF with ``.BTF``) or ``/sys/kernel/btf/vmlinux``.
Failures raise ``RelocationError`` naming program, instruction and record.

The engine underneath is ``apply_core_relocations(insns, local_btf, target, records,
strings=..., ...)`` on one instruction buffer; it is pure (no syscalls) and usable on its
own (tests/core/ drive it without a kernel).

Mutation testing: the behaviour ids of ``CORE_MUTATIONS`` (the ``core.*`` entries of
suite/catalogue.toml) come from ``obj.plan.core_skip`` (filled by ``refloader.mutations``)
and ``obj.plan.active``.

Algorithm, per relocation record (libbpf ``bpf_core_calc_relo_insn``)
---------------------------------------------------------------------
1. Parse the local spec: root type + access string -> accessors and bit offset
   (``core.spec.parse_spec``).  ``TYPE_ID_LOCAL`` is answered right here: the local id.
2. Candidates: every target type of a core-compatible kind whose essential name (no
   ``___flavour``) equals the local root's (``TargetBtf.candidates``; an anonymous local
   root is an error).
3. For each candidate, match the spec (``core.spec.match_spec``: members by name through
   anonymous members, arrays by bounds, field/type compatibility or type-matches rules)
   and compute (orig value, new value, poison, validate): field kinds from the field
   location of each spec (``core.spec.field_loc``: load offset and size, bitfield width,
   field type; computed once per spec, so the six field kinds share it) in
   ``_calc_field``, type and enumerator kinds with the table ``_CALC``.
   All matching candidates must agree on the bit offset and the value, else the load
   fails ("ambiguity").
4. No candidate: EXISTS kinds and type kinds give 0; every other kind poisons.
5. Patch (``_patch``): ALU/ALU64 imm, LDX/ST/STX off (and the load width when an unsigned
   int or pointer changed size, otherwise poison), ld_imm64 both halves.  The current
   value must equal the local (orig) value when ``validate`` (not for bitfields).  A
   poisoned instruction becomes ``call 0xbad2310`` (both slots of an ld_imm64), so the
   instruction count never changes and the verifier only complains if it is reachable.
"""

from __future__ import annotations

import os
import struct
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from typing import NamedTuple, Protocol

from refloader.btf import Btf, Enum, Int, Ptr, StringTable
from refloader.btf_ext import BpfCoreReloKind as K
from refloader.btf_ext import CoreRelo
from refloader.core.spec import (
    ENUM_TYPES,
    ENUMVAL_KINDS,
    FIELD_KINDS,
    TYPE_KINDS,
    BtfView,
    FieldLoc,
    Spec,
    SpecError,
    field_loc,
    match_spec,
    parse_spec,
)
from refloader.core.target import TargetBtf, essential_name, load_target
from refloader.elf import ElfObject
from refloader.errors import RelocationError
from refloader.mutations import Plan
from refloader.programs import ProgramSpec

POISON_IMM = 0xBAD2310  # libbpf bpf_core_poison_insn: call to an invalid helper id
BPF_CLASS_MASK = 0x07
BPF_LD, BPF_LDX, BPF_ST, BPF_STX, BPF_ALU, BPF_ALU64 = 0x00, 0x01, 0x02, 0x03, 0x04, 0x07
BPF_X = 0x08
BPF_LD_IMM64 = 0x18
BPF_CALL_INSN = 0x85
_SIZE_BITS = {4: 0x00, 2: 0x08, 1: 0x10, 8: 0x18}  # BPF_W, BPF_H, BPF_B, BPF_DW
_BITS_SIZE = {v: k for k, v in _SIZE_BITS.items()}
_INSN = struct.Struct("<BBhi")
_ALU_CLASSES = frozenset({BPF_ALU, BPF_ALU64})
_MEM_CLASSES = frozenset({BPF_LDX, BPF_ST, BPF_STX})
# plain-int relocation kinds for the hot paths: reading an IntEnum member costs ~50 ns
_BYTE_OFFSET, _BYTE_SIZE, _EXISTS, _SIGNED, _LSHIFT, _RSHIFT = (
    int(K.BPF_CORE_FIELD_BYTE_OFFSET), int(K.BPF_CORE_FIELD_BYTE_SIZE),
    int(K.BPF_CORE_FIELD_EXISTS), int(K.BPF_CORE_FIELD_SIGNED),
    int(K.BPF_CORE_FIELD_LSHIFT_U64), int(K.BPF_CORE_FIELD_RSHIFT_U64))
_ID_LOCAL, _ID_TARGET = int(K.BPF_CORE_TYPE_ID_LOCAL), int(K.BPF_CORE_TYPE_ID_TARGET)
_FIELD_KINDS = frozenset(int(k) for k in FIELD_KINDS)

#: behaviour id -> what the reference loader does instead when told to skip it
CORE_MUTATIONS: dict[str, str] = {
    "core.field_byte_offset": "BYTE_OFFSET relocations on ALU instructions left unapplied",
    "core.field_byte_offset.ldx": "BYTE_OFFSET relocations on LDX/ST/STX left unapplied",
    "core.field_mem_size": "load/store width never adjusted (nor checked) for the target "
                           "field size",
    "core.field_byte_size": "BYTE_SIZE relocations left unapplied",
    "core.field_exists": "FIELD_EXISTS relocations left unapplied (stay 1)",
    "core.field_signed": "FIELD_SIGNED relocations left unapplied",
    "core.field_lshift_u64": "LSHIFT_U64 relocations left unapplied",
    "core.field_rshift_u64": "RSHIFT_U64 relocations left unapplied",
    "core.bitfield": "relocations of bitfield members left unapplied",
    "core.type_id_local": "TYPE_ID_LOCAL resolved against the target (target id written)",
    "core.type_id_target": "TYPE_ID_TARGET relocations left unapplied",
    "core.type_exists": "TYPE_EXISTS relocations left unapplied (stay 1)",
    "core.type_size": "TYPE_SIZE relocations left unapplied",
    "core.type_matches": "TYPE_MATCHES relocations left unapplied (stay 1)",
    "core.enumval_exists": "ENUMVAL_EXISTS relocations left unapplied (stay 1)",
    "core.enumval_value": "ENUMVAL_VALUE relocations left unapplied",
    "core.enum64": "only the low 32 bits of a relocated ld_imm64 are written",
    "core.flavour": "candidates matched by full name: the ___flavour suffix is kept",
    "core.ambiguous": "the first matching candidate wins; disagreeing ones are ignored",
    "core.guarded": "a relocation without a target match keeps its local value",
    "core.poison": "an unresolvable relocation fails the load instead of poisoning",
    "core.modifiers": "relocations whose access path crosses typedef/const/volatile "
                      "left unapplied",
    "core.array": "relocations indexing an array after the first accessor left unapplied",
    "core.array.pointer": "relocations with a non-zero first accessor left unapplied",
    "core.subprog.static": "relocations inside static subprograms left unapplied",
    "core.subprog.global": "relocations inside global subprograms left unapplied",
    "core.subprog.callback": "relocations inside callback functions left unapplied",
    "core.vmlinux": "relocations against vmlinux BTF left unapplied",
}

#: relocation kind -> the behaviour id whose skip leaves it unapplied
_KIND_ID: dict[int, str] = {
    K.BPF_CORE_FIELD_BYTE_SIZE: "core.field_byte_size",
    K.BPF_CORE_FIELD_EXISTS: "core.field_exists",
    K.BPF_CORE_FIELD_SIGNED: "core.field_signed",
    K.BPF_CORE_FIELD_LSHIFT_U64: "core.field_lshift_u64",
    K.BPF_CORE_FIELD_RSHIFT_U64: "core.field_rshift_u64",
    K.BPF_CORE_TYPE_ID_TARGET: "core.type_id_target",
    K.BPF_CORE_TYPE_EXISTS: "core.type_exists",
    K.BPF_CORE_TYPE_SIZE: "core.type_size",
    K.BPF_CORE_TYPE_MATCHES: "core.type_matches",
    K.BPF_CORE_ENUMVAL_EXISTS: "core.enumval_exists",
    K.BPF_CORE_ENUMVAL_VALUE: "core.enumval_value",
}


@dataclass(slots=True)
class RelocValue:
    """libbpf ``struct bpf_core_relo_res``: what to write, and how to check it."""

    orig: int = 0
    new: int = 0
    poison: bool = False
    validate: bool = True
    orig_sz: int = 0
    new_sz: int = 0
    orig_type_id: int = 0
    new_type_id: int = 0
    fail_memsz_adjust: bool = False


class CoreResult(NamedTuple):
    """One relocation record's outcome, for reports and tests (a NamedTuple: immutable,
    and built in a third of a frozen dataclass's time)."""

    prog: str
    insn: int
    kind: str
    local_type: str
    access: str
    state: str  # "applied", "poisoned" or "skipped: <behaviour id>"
    orig: int
    new: int
    target_id: int  # the chosen candidate (0: none)


# ---- values: one function per family, the kind table ------------------------------------


class _Unresolved(Exception):
    """libbpf -EUCLEAN: request poisoning."""


def _field_value(kind: int, loc: FieldLoc) -> int:
    """libbpf ``bpf_core_calc_field_relo``: the value of ``kind`` (not EXISTS) for a field
    located by ``loc`` (``core.spec.field_loc``)."""
    bit_off, byte_off, byte_sz, bit_sz, _, array, _, ftype = loc
    if kind == _BYTE_OFFSET:
        return byte_off
    if kind == _BYTE_SIZE:
        return byte_sz
    if array:
        raise RelocationError(f"relocation kind {K(kind).name} cannot apply to an array "
                              "element")
    if kind == _SIGNED:
        return int((isinstance(ftype, ENUM_TYPES) and ftype.kind_flag)
                   or (isinstance(ftype, Int) and bool(ftype.encoding & 1)))
    if kind == _LSHIFT:  # little-endian
        return 64 - (bit_off + bit_sz - byte_off * 8)
    if kind == _RSHIFT:
        return 64 - bit_sz
    raise RelocationError(f"unknown field relocation kind {kind}")


def _type_value(kind: int, spec: Spec | None, res: RelocValue, local: bool) -> int:
    """libbpf ``bpf_core_calc_type_relo``: a missing target type gives 0."""
    if spec is None:
        return 0
    if kind == _ID_TARGET:
        return spec.root_type_id
    if kind in (K.BPF_CORE_TYPE_EXISTS, K.BPF_CORE_TYPE_MATCHES):
        return 1
    if kind == K.BPF_CORE_TYPE_SIZE:
        return spec.btf.resolve_size(spec.root_type_id)
    raise RelocationError(f"unknown type relocation kind {kind}")


def _enum_value(kind: int, spec: Spec | None, res: RelocValue, local: bool) -> int:
    """libbpf ``bpf_core_calc_enumval_relo``: EXISTS gives 0, VALUE poisons when missing."""
    if kind == K.BPF_CORE_ENUMVAL_EXISTS:
        return 1 if spec is not None else 0
    if spec is None:
        raise _Unresolved
    t = spec.btf.type_by_id(spec.acc[0].type_id)
    assert isinstance(t, ENUM_TYPES)
    v = t.values[spec.acc[0].idx].value
    if isinstance(t, Enum):  # btf_enum.val is __s32: sign-extended whatever the kind_flag
        v &= 0xFFFFFFFF
        v = v - (1 << 32) if v >> 31 else v
    return v & 0xFFFFFFFFFFFFFFFF


_Calc = Callable[[int, "Spec | None", RelocValue, bool], int]
#: the type and enumerator kinds (Documentation/bpf/llvm_reloc.rst), each to its value
#: function; the six field kinds go through ``_calc_field``
_CALC: dict[int, _Calc] = {
    K.BPF_CORE_TYPE_ID_LOCAL: _type_value,  # answered before candidate search
    K.BPF_CORE_TYPE_ID_TARGET: _type_value,
    K.BPF_CORE_TYPE_EXISTS: _type_value,
    K.BPF_CORE_TYPE_SIZE: _type_value,
    K.BPF_CORE_TYPE_MATCHES: _type_value,
    K.BPF_CORE_ENUMVAL_EXISTS: _enum_value,
    K.BPF_CORE_ENUMVAL_VALUE: _enum_value,
}


def _calc_field(kind: int, local: Spec, targ: Spec | None) -> RelocValue:
    """``calc_relo`` of a field kind: the local value (orig), then the target's (new); a
    missing target poisons all but EXISTS (which gives 0)."""
    if kind == _EXISTS:
        return RelocValue(1, 0 if targ is None else 1)
    loc = local.loc or field_loc(local)  # (kept on the spec once computed)
    orig = _field_value(kind, loc)
    bitfield = loc[4]
    # a bitfield's instruction is not checked, except for the signedness and right shift
    validate = not bitfield or kind in (_SIGNED, _RSHIFT)
    # the load width follows the field size: BYTE_OFFSET of a non-bitfield only
    orig_sz, orig_tid = (loc[2], loc[6]) if kind == _BYTE_OFFSET and not bitfield else (0, 0)
    if targ is None:
        return RelocValue(orig, 0, True, validate, orig_sz, 0, orig_tid, 0)
    tloc = targ.loc or field_loc(targ)
    new = _field_value(kind, tloc)
    new_sz, new_tid = (tloc[2], tloc[6]) if kind == _BYTE_OFFSET and not tloc[4] else (0, 0)
    fail_memsz = False
    if orig_sz != new_sz:  # only unsigned ints and pointers may change size
        ot = local.btf.type_by_id(orig_tid)
        nt = targ.btf.type_by_id(new_tid)
        fail_memsz = not ((isinstance(ot, Ptr) and isinstance(nt, Ptr)) or (
            isinstance(ot, Int) and isinstance(nt, Int)
            and not ot.encoding & 1 and not nt.encoding & 1))
    return RelocValue(orig, new, False, validate, orig_sz, new_sz, orig_tid, new_tid,
                      fail_memsz)


def calc_relo(kind: int, local: Spec, targ: Spec | None) -> RelocValue:
    """libbpf ``bpf_core_calc_relo``: orig and new value of one (local, target) pair."""
    if kind in _FIELD_KINDS:
        return _calc_field(kind, local, targ)
    res = RelocValue()
    calc = _CALC[kind]
    try:
        res.orig = calc(kind, local, res, True)
        res.new = calc(kind, targ, res, False)
    except _Unresolved:
        res.poison = True
    return res


# ---- resolving one record ------------------------------------------------------------


class Options(NamedTuple):
    """How to resolve: the behaviour ids to skip (mutations), the function's tags."""

    skip: frozenset[str] = frozenset()
    #: behaviour ids describing where the records are (subprogram kind, vmlinux target)
    context: frozenset[str] = frozenset()


def _candidates(local_btf: BtfView, root: int, target: TargetBtf, flavour: bool) -> list[int]:
    """libbpf ``bpf_core_find_cands``: target ids of the local root's name and kind."""
    lt = local_btf.type_by_id(root)
    if not lt.name:
        raise RelocationError(f"CO-RE relocation against anonymous local type [{root}]")
    name = essential_name(lt.name) if flavour else lt.name
    out = []
    lkind, lenum = lt.kind, isinstance(lt, ENUM_TYPES)
    for cid in target.candidates(essential_name(name)):
        ct = target.type_by_id(cid)
        # btf_kind_core_compat (same kind, or ENUM ~ ENUM64), then the full name unless
        # flavours are ignored
        if (ct.kind == lkind or (lenum and isinstance(ct, ENUM_TYPES))) and (
                flavour or ct.name == name):
            out.append(cid)
    return out


@dataclass(slots=True)
class Memo:
    """What one object's records share while they are relocated (fresh per object).

    ``specs``: (root id, access string, kind family) -> the parsed local spec;
    ``cands``: (local root id, flavour rule) -> candidate ids, as libbpf's per-object
    ``cand_cache``; ``matches``: (root id, access, kind family) -> the matching
    (candidate id, target spec) pairs, the access being the string (records) or the raw
    indices (``resolve``).  The records of one access (the five relocations of a bitfield
    read, say) share them, and each spec's field location (``Spec.loc``); the values are
    computed per record.
    """

    #: the kind family: -1 for the six field kinds (they share one spec), else the kind
    specs: dict[tuple[int, str, int], Spec] = field(default_factory=dict)
    cands: dict[tuple[int, bool], list[int]] = field(default_factory=dict)
    matches: dict[tuple[int, str | tuple[int, ...], int], list[tuple[int, Spec]]] = field(
        default_factory=dict)


def resolve(kind: int, local: Spec, target: TargetBtf, opts: Options,
            memo: Memo | None = None) -> tuple[RelocValue, int]:
    """libbpf ``bpf_core_calc_relo_insn``: the value to patch and the chosen candidate.

    ``memo``: see ``Memo`` (one object's shared candidate lookups and matches).
    """
    family = -1 if local.kind in _FIELD_KINDS else local.kind
    return _resolve(kind, local, (local.root_type_id, tuple(local.raw), family), target,
                    opts, memo if memo is not None else Memo())


def _resolve(kind: int, local: Spec, key: tuple[int, str | tuple[int, ...], int],
             target: TargetBtf, opts: Options, memo: Memo) -> tuple[RelocValue, int]:
    """``resolve`` with the key of ``local``'s matches in ``memo.matches``."""
    if kind == _ID_LOCAL:
        if "core.type_id_local" not in opts.skip:
            return RelocValue(local.root_type_id, local.root_type_id), 0
        kind = _ID_TARGET  # mutation: resolve like TYPE_ID_TARGET
        local = Spec(local.btf, local.root_type_id, kind)
        key = (key[0], key[1], kind)
    found = memo.matches.get(key)
    if found is None:  # steps 2 and 3: the candidates whose spec matches the local one
        flavour = "core.flavour" not in opts.skip
        cands = memo.cands.get((local.root_type_id, flavour))
        if cands is None:
            cands = _candidates(local.btf, local.root_type_id, target, flavour)
            memo.cands[(local.root_type_id, flavour)] = cands
        found = []
        for cid in cands:
            targ = match_spec(local, target, cid)
            if targ is not None:
                found.append((cid, targ))
        memo.matches[key] = found
    calc = _calc_field if kind in _FIELD_KINDS else calc_relo
    if not found:
        return calc(kind, local, None), 0
    cid, targ = found[0]
    res = calc(kind, local, targ)
    if len(found) > 1 and "core.ambiguous" not in opts.skip:
        # every other match must agree with the first one (else: ambiguity)
        for ocid, otarg in found[1:]:
            other = calc(kind, local, otarg)
            if otarg.bit_offset != targ.bit_offset:
                raise RelocationError(f"field offset ambiguity: {targ.bit_offset // 8} != "
                                      f"{otarg.bit_offset // 8} (candidates [{cid}], "
                                      f"[{ocid}])")
            if other.poison != res.poison or (not other.poison and other.new != res.new):
                raise RelocationError(f"relocation decision ambiguity: {res.new} != "
                                      f"{other.new} (candidates [{cid}], [{ocid}])")
    return res, cid


# ---- patching ---------------------------------------------------------------------------


def _poison(buf: bytearray, idx: int) -> None:
    if buf[idx * 8] == BPF_LD_IMM64 and (idx + 1) * 8 < len(buf):
        _INSN.pack_into(buf, (idx + 1) * 8, BPF_CALL_INSN, 0, 0, POISON_IMM)
    _INSN.pack_into(buf, idx * 8, BPF_CALL_INSN, 0, 0, POISON_IMM)


def _s32(v: int) -> int:
    v &= 0xFFFFFFFF
    return v - (1 << 32) if v >> 31 else v


def _patch(buf: bytearray, idx: int, res: RelocValue, opts: Options) -> str:
    """libbpf ``bpf_core_patch_insn``; returns the state ("applied"/"poisoned")."""
    if res.poison:
        if "core.poison" in opts.skip:
            raise RelocationError("no target match for a relocation (poisoning disabled)",
                                  insn=idx)
        _poison(buf, idx)
        return "poisoned"
    code, regs, off, imm = _INSN.unpack_from(buf, idx * 8)
    cls = code & BPF_CLASS_MASK
    u64 = 0xFFFFFFFFFFFFFFFF
    if cls in _ALU_CLASSES:
        if code & BPF_X:
            raise RelocationError("CO-RE relocation on an ALU instruction with a register "
                                  "source", insn=idx)
        if res.validate and imm & u64 != res.orig:
            raise RelocationError(f"unexpected ALU imm {imm}, expected {res.orig} -> "
                                  f"{res.new}", insn=idx)
        _INSN.pack_into(buf, idx * 8, code, regs, off, _s32(res.new))
        return "applied"
    if cls in _MEM_CLASSES:
        if res.validate and off & u64 != res.orig:
            raise RelocationError(f"unexpected LDX/ST/STX offset {off}, expected {res.orig}"
                                  f" -> {res.new}", insn=idx)
        if res.new > 0x7FFF:
            raise RelocationError(f"LDX/ST/STX offset {res.new} too big", insn=idx)
        if res.fail_memsz_adjust and "core.field_mem_size" not in opts.skip:
            if "core.poison" in opts.skip:
                raise RelocationError("unsafe memory size change", insn=idx)
            _poison(buf, idx)
            return "poisoned"
        if res.new_sz != res.orig_sz and "core.field_mem_size" not in opts.skip:
            if _BITS_SIZE.get(code & 0x18) != res.orig_sz:
                raise RelocationError(f"unexpected memory size of a {res.orig_sz}-byte "
                                      "field", insn=idx)
            if res.new_sz not in _SIZE_BITS:
                raise RelocationError(f"invalid new memory size {res.new_sz}", insn=idx)
            code = (code & ~0x18) | _SIZE_BITS[res.new_sz]
        _INSN.pack_into(buf, idx * 8, code, regs, res.new, imm)
        return "applied"
    if cls == BPF_LD and code == BPF_LD_IMM64 and (idx + 1) * 8 < len(buf):
        code2, regs2, off2, imm2 = _INSN.unpack_from(buf, (idx + 1) * 8)
        if regs >> 4 or off or code2 or regs2 or off2:
            raise RelocationError("ld_imm64 with an unexpected form", insn=idx)
        cur = (imm & 0xFFFFFFFF) | (imm2 & 0xFFFFFFFF) << 32
        if res.validate and cur != res.orig:
            raise RelocationError(f"unexpected ld_imm64 value {cur}, expected {res.orig}",
                                  insn=idx)
        hi = res.new >> 32 if "core.enum64" not in opts.skip else imm2 & 0xFFFFFFFF
        _INSN.pack_into(buf, idx * 8, code, regs, off, _s32(res.new))
        _INSN.pack_into(buf, (idx + 1) * 8, 0, 0, 0, _s32(hi))
        return "applied"
    raise RelocationError(f"CO-RE relocation on an unsupported instruction (code {code:#x})",
                          insn=idx)


# ---- skip tags (mutation testing) -------------------------------------------------------


def _tags(kind: int, local: Spec, code: int, opts: Options) -> set[str]:
    tags = set(opts.context)
    if kind == K.BPF_CORE_FIELD_BYTE_OFFSET:
        ldst = code & BPF_CLASS_MASK in _MEM_CLASSES
        tags.add("core.field_byte_offset.ldx" if ldst else "core.field_byte_offset")
    elif kind in _KIND_ID:
        tags.add(_KIND_ID[kind])
    btf = local.btf
    if local.root_type_id != btf.skip_mods_and_typedefs(local.root_type_id):
        tags.add("core.modifiers")
    if kind in FIELD_KINDS:
        if local.raw and local.raw[0]:
            tags.add("core.array.pointer")
        if any(a.name is None for a in local.acc[1:]):
            tags.add("core.array")
        for a in local.acc[1:]:
            m = a.member
            if m is None:
                continue
            if btf.skip_mods_and_typedefs(m.type) != m.type:
                tags.add("core.modifiers")
            if a.bitfield_size:
                tags.add("core.bitfield")
    return tags


# ---- public API ---------------------------------------------------------------------------


_KIND_NAME: dict[int, str] = {int(k): k.name for k in K}


def apply_core_relocations(
    insns: bytearray,
    local_btf: Btf,
    target: TargetBtf,
    records: Sequence[CoreRelo],
    *,
    strings: StringTable | None = None,
    prog: str = "?",
    skip: Iterable[str] = (),
    context: Iterable[str] = (),
    memo: Memo | None = None,
) -> list[CoreResult]:
    """Apply ``records`` (``insn_off`` in instructions, relative to ``insns``) in place.

    ``local_btf``: the object's BTF; ``target``: from ``load_target``; ``strings``: where
    access strings live (default: the local BTF's); ``skip``: ``core.*`` behaviour ids to
    mutate (see ``CORE_MUTATIONS``); ``context``: ids describing the function (e.g.
    ``core.subprog.static``, ``core.vmlinux``), so that skipping them leaves its records
    unapplied; ``memo``: shared by the calls for one object's functions (see ``Memo``).
    Raises ``RelocationError`` (with ``insn`` and the program name).
    """
    opts = Options(frozenset(skip), frozenset(context))
    skipped = opts.skip
    strs = strings or local_btf.strings
    out: list[CoreResult] = []
    if memo is None:
        memo = Memo()
    specs = memo.specs
    n_insns = len(insns) // 8
    for r in records:
        idx = r.insn_off
        try:
            if not 0 <= idx < n_insns:
                raise RelocationError("CO-RE record outside the function")
            kind = r.kind
            kind_name = _KIND_NAME.get(kind) or K(kind).name  # K(): ValueError
            access = strs.get(r.access_str_off)
            local_name = local_btf.type_by_id(r.type_id).name
            # the six field kinds share one spec (its kind: the first record's)
            key = (r.type_id, access, -1 if kind in _FIELD_KINDS else kind)
            local = specs.get(key)
            if local is None:
                try:
                    local = parse_spec(local_btf, r.type_id, access, kind)
                except SpecError as exc:
                    raise RelocationError(f"bad local spec: {exc}") from exc
                specs[key] = local
            if skipped:  # the tags only matter to a mutation
                hit = _tags(kind, local, insns[idx * 8], opts) & skipped
                if hit:
                    out.append(CoreResult(prog, idx, kind_name, local_name, access,
                                          f"skipped: {min(hit)}", 0, 0, 0))
                    continue
            try:
                res, cand = _resolve(kind, local, key, target, opts, memo)
            except SpecError as exc:
                raise RelocationError(str(exc)) from exc
            if cand == 0 and "core.guarded" in skipped and kind != _ID_LOCAL:
                out.append(CoreResult(prog, idx, kind_name, local_name, access,
                                      "skipped: core.guarded", res.orig, res.orig, 0))
                continue
            state = _patch(insns, idx, res, opts)
        except RelocationError as exc:
            raise RelocationError(f"prog '{prog}': CO-RE relocation #{len(out)} "
                                  f"({K(r.kind).name if r.kind in K._value2member_map_ else r.kind}"
                                  f" of type [{r.type_id}]): {exc.message}",
                                  insn=idx, symbol=prog) from exc
        out.append(CoreResult(prog, idx, kind_name, local_name, access, state, res.orig,
                              res.new, cand))
    return out


# ---- the loader's entry point -------------------------------------------------------------


class LoadableObject(Protocol):
    """What ``relocate_programs`` reads of ``refloader.loader.BpfObject``."""

    btf: Btf | None
    btf_custom_path: str | None
    programs: list[ProgramSpec]
    plan: Plan
    elf: ElfObject


@lru_cache(maxsize=4)
def _cached_target(path: str, mtime_ns: int, size: int) -> TargetBtf:
    return load_target(path)


def target_for(path: str) -> TargetBtf:
    """The indexed target BTF at ``path``, kept in memory while the file is unchanged."""
    try:
        st = os.stat(path)
    except OSError as exc:
        raise RelocationError(f"{path}: cannot read target BTF: {exc.strerror}",
                              errno=exc.errno) from exc
    return _cached_target(path, st.st_mtime_ns, st.st_size)


def function_roles(obj: LoadableObject) -> dict[str, str]:
    """Each function's role: ``entry``, ``static``, ``global`` or ``callback``.

    A callback is a function whose address an ld_imm64 takes (R_BPF_64_64 against a symbol
    of an executable section); static/global is the binding of its ELF symbol.
    """
    roles: dict[str, str] = {}
    by_start: dict[tuple[int, int], str] = {}
    for p in obj.programs:
        by_start[(p.sec_index, p.sec_insn_off)] = p.name
        if not p.is_subprog:
            roles[p.name] = "entry"
            continue
        bind = next((s.bind for s in obj.elf.symbols if s.shndx == p.sec_index
                     and s.st_value == p.sec_insn_off * 8 and s.name == p.name), 0)
        roles[p.name] = "global" if bind else "static"
    for sec_idx, rels in obj.elf.rels.items():
        sec = obj.elf.sections[sec_idx]
        if not sec.is_exec:
            continue
        for rel in rels:
            if rel.r_offset + 16 > len(sec.data) or sec.data[rel.r_offset] != BPF_LD_IMM64:
                continue
            if rel.sym_index >= len(obj.elf.symbols):
                continue
            sym = obj.elf.symbols[rel.sym_index]
            if not (0 < sym.shndx < len(obj.elf.sections)
                    and obj.elf.sections[sym.shndx].is_exec):
                continue
            (imm,) = struct.unpack_from("<i", sec.data, rel.r_offset + 4)
            start = (sym.st_value + (imm if sym.type == 3 else 0)) // 8  # STT_SECTION: addend
            name = by_start.get((sym.shndx, start))
            if name is not None and roles.get(name) != "entry":
                roles[name] = "callback"
    return roles


def relocate_programs(obj: LoadableObject, target_path: str) -> list[CoreResult]:
    """Apply every function's CO-RE records against ``target_path`` (see module doc)."""
    if obj.btf is None:
        raise RelocationError(f"CO-RE relocations but no .BTF in the object "
                              f"({len(obj.programs)} functions)", section=".BTF.ext")
    target = target_for(target_path)
    plan = obj.plan
    wanted = (*plan.active, *plan.core_skip)
    skip = frozenset(i for i in wanted if i in CORE_MUTATIONS) if wanted else frozenset()
    roles = function_roles(obj) if skip else {}
    base_ctx = () if obj.btf_custom_path else ("core.vmlinux",)
    relocate_unloaded = "core.not_autoloaded" in plan.core_skip  # the mutation
    out: list[CoreResult] = []
    memo = Memo()  # libbpf keeps its candidate cache for the whole object too
    for p in obj.programs:
        if not p.core_relos or (not p.is_subprog and not p.autoload and not relocate_unloaded):
            continue  # libbpf: no relocation for a program that will not be loaded
        if p.is_subprog and not plan.apply_subprog_core_relos:
            continue  # mutation calls.subprog_relocs: a subprogram keeps clang's values
        role = roles.get(p.name, "entry")  # (the context only matters to a mutation)
        ctx = base_ctx if role == "entry" else (*base_ctx, f"core.subprog.{role}")
        buf = bytearray(p.insns)
        out += apply_core_relocations(buf, obj.btf, target, p.core_relos, prog=p.name,
                                      skip=skip, context=ctx, memo=memo)
        p.insns = bytes(buf)
    return out


__all__ = [
    "CORE_MUTATIONS", "ENUMVAL_KINDS", "FIELD_KINDS", "TYPE_KINDS", "CoreResult",
    "RelocValue", "apply_core_relocations", "calc_relo", "function_roles", "load_target",
    "relocate_programs", "resolve", "target_for",
]
