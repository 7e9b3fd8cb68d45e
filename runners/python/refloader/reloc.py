"""Instruction relocations and sub-program linking (libbpf ``bpf_object__collect_relos``,
``bpf_program__record_reloc``, ``bpf_object__reloc_code``, ``bpf_object__relocate_data``).

``R_BPF_*`` types as a table (``Documentation/bpf/llvm_reloc.rst``): only the two that
apply to instructions are accepted in executable sections; the others describe data and
debug sections, which a loader ignores.

Linking: an entry program's image starts as its own instructions; each sub-program it
calls (directly, or through a function address for ``bpf_loop`` and friends) is
appended once, in first-use order, recursively, with its relocations and func_info /
line_info / CO-RE records rebased to the appended position; then every call's ``imm`` is
rewritten to the distance in the linked image.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import Enum
from typing import Any

from refloader import insn as I
from refloader.btf_ext import CoreRelo, FuncInfo, LineInfo
from refloader.elf import (
    SHN_UNDEF,
    STB_GLOBAL,
    STB_LOCAL,
    STB_WEAK,
    STT_FUNC,
    STT_SECTION,
    ElfObject,
    ElfSymbol,
)
from refloader.errors import RelocationError
from refloader.externs import ExternTable
from refloader.maps_spec import ARENA_SEC, MapSpec, is_data_section
from refloader.mutations import Plan
from refloader.programs import ProgramSpec


@dataclass(frozen=True)
class RBpfType:
    """One row of the R_BPF_* table."""

    value: int
    name: str
    bits: int
    applies_to: str  # what it patches
    in_code: bool  # accepted in executable sections


#: llvm_reloc.rst, "Different relocation types"
R_BPF_TABLE: dict[int, RBpfType] = {r.value: r for r in (
    RBpfType(0, "R_BPF_NONE", 0, "nothing", False),
    RBpfType(1, "R_BPF_64_64", 64, "ld_imm64 imm (S + A)", True),
    RBpfType(2, "R_BPF_64_ABS64", 64, "data r_offset (S + A)", False),
    RBpfType(3, "R_BPF_64_ABS32", 32, "data r_offset (S + A)", False),
    RBpfType(4, "R_BPF_64_NODYLD32", 32, ".BTF/.BTF.ext r_offset (S + A)", False),
    RBpfType(10, "R_BPF_64_32", 32, "call imm ((S + A) / 8 - 1)", True),
)}
R_BPF_64_64 = 1
R_BPF_64_32 = 10


class RelocKind(Enum):
    """libbpf ``enum reloc_type`` (the ones this loader knows)."""

    RELO_LD64 = "ld64 map"  # ld_imm64 of a map (BTF or legacy)
    RELO_DATA = "data"  # ld_imm64 of a global variable / data section + offset
    RELO_CALL = "call"  # bpf-to-bpf call
    RELO_SUBPROG_ADDR = "subprog addr"  # ld_imm64 of a function (BPF_PSEUDO_FUNC)
    RELO_EXTERN_POISON = "poisoned extern call"  # mutation calls.extern.unresolved only
    RELO_EXTERN_LD64 = "extern var"  # ld_imm64 of a .kconfig/.ksyms extern
    RELO_EXTERN_CALL = "extern call"  # call of a kfunc


@dataclass(slots=True)
class Reloc:
    """One recorded instruction relocation of a function."""

    kind: RelocKind
    insn_idx: int  # relative to the function (later: to the linked image)
    sym_name: str
    sym_off: int = 0
    map_index: int = -1  # index into the object's map list
    sym_is_section: bool = False  # relocated through an STT_SECTION symbol (addend in imm)
    sym_shndx: int = 0  # section of the target symbol
    ext_index: int = -1  # index into the object's ExternTable
    from_subprog: bool = False  # the instruction belongs to a .text function


def collect_relos(elf: ElfObject, progs: list[ProgramSpec], maps: list[MapSpec],
                  plan: Plan | None = None, externs: ExternTable | None = None
                  ) -> dict[str, list[Reloc]]:
    """Record every relocation of every function; key: function name."""
    plan = plan or Plan()
    externs = externs or ExternTable()
    text = elf.section_by_name(".text")
    text_idx = text.index if text is not None else -1
    out: dict[str, list[Reloc]] = {p.name: [] for p in progs}
    for sec_idx, rels in elf.rels.items():
        sec = elf.section(sec_idx)
        if not sec.is_exec:
            continue
        rel_name = elf.rel_names.get(sec_idx, ".rel" + sec.name)
        for rel in rels:
            rt = R_BPF_TABLE.get(rel.r_type)
            if rt is None or not rt.in_code:
                raise RelocationError(
                    f"unsupported relocation type {rt.name if rt else rel.r_type}",
                    section=rel_name, offset=rel.r_offset, insn=rel.r_offset // 8)
            if rel.sym_index >= len(elf.symbols):
                raise RelocationError(
                    f"symbol index {rel.sym_index} out of range ({len(elf.symbols)})",
                    section=rel_name, offset=rel.r_offset, insn=rel.r_offset // 8)
            sym = elf.symbols[rel.sym_index]
            sym_name = sym.name or (elf.section(sym.shndx).name
                                    if 0 < sym.shndx < len(elf.sections) else "")
            if rel.r_offset % 8 or rel.r_offset >= sec.sh_size:
                raise RelocationError("bad relocation offset", section=rel_name,
                                      offset=rel.r_offset, symbol=sym_name)
            sec_insn = rel.r_offset // 8
            prog = next((p for p in progs if p.contains(sec_idx, sec_insn)), None)
            if prog is None:
                continue  # libbpf: "probably overridden weak function, skipping..."
            idx = sec_insn - prog.sec_insn_off
            ext = externs.by_sym(rel.sym_index) if sym.shndx == SHN_UNDEF else None
            if ext is not None:
                kind = RelocKind.RELO_EXTERN_CALL if I.is_call(prog.insns, idx) \
                    else RelocKind.RELO_EXTERN_LD64
                out[prog.name].append(Reloc(kind, idx, sym_name, ext_index=ext))
                continue
            out[prog.name].append(_record(elf, prog, maps, idx, sym, sym_name, text_idx,
                                          rel.r_offset, plan))
    return out


def _record(elf: ElfObject, prog: ProgramSpec, maps: list[MapSpec], idx: int,
            sym: ElfSymbol, sym_name: str, text_idx: int, r_offset: int,
            plan: Plan) -> Reloc:
    where: dict[str, Any] = {"section": prog.section, "offset": r_offset, "insn": idx,
                             "symbol": sym_name}
    buf = prog.insns
    if sym.shndx == SHN_UNDEF and plan.poison_unresolved_extern_calls and I.is_call(buf, idx):
        return Reloc(RelocKind.RELO_EXTERN_POISON, idx, sym_name)
    if sym.shndx == SHN_UNDEF or (plan.weak_funcs_as_extern and sym.bind == STB_WEAK
                                  and sym.type == STT_FUNC):
        raise RelocationError(f"prog '{prog.name}': unresolved extern '{sym_name}' "
                              "(externs not supported)", **where)
    if I.is_call(buf, idx):
        if not I.is_pseudo_call(buf, idx):
            raise RelocationError(f"prog '{prog.name}': incorrect bpf_call opcode",
                                  **where)
        other_ok = (plan.link_other_sections and 0 < sym.shndx < len(elf.sections)
                    and elf.section(sym.shndx).is_exec)
        if sym.shndx != text_idx and not other_ok:
            sec = elf.section(sym.shndx).name if sym.shndx < len(elf.sections) else "?"
            raise RelocationError(f"prog '{prog.name}': bad call relo against '{sym_name}' "
                                  f"in section '{sec}' (calls must target .text)",
                                  **where)
        if sym.st_value % 8:
            raise RelocationError(f"prog '{prog.name}': bad call relo offset",
                                  **where)
        return Reloc(RelocKind.RELO_CALL, idx, sym_name, sym.st_value,
                     sym_is_section=sym.type == STT_SECTION, sym_shndx=sym.shndx)
    if not I.is_ldimm64(buf, idx):
        raise RelocationError(f"prog '{prog.name}': invalid relo for insn code "
                              f"{buf[idx * 8]:#x}", **where)
    if sym.shndx >= len(elf.sections):
        raise RelocationError(f"prog '{prog.name}': relo against special section "
                              f"{sym.shndx:#x}", **where)
    if sym.shndx == text_idx and ((sym.bind == STB_GLOBAL and sym.type == STT_FUNC)
                                  or (sym.bind == STB_LOCAL and sym.type == STT_SECTION)):
        _, _, _, _, imm = I.get(buf, idx)
        if sym.st_value % 8 or imm % 8:
            raise RelocationError(f"prog '{prog.name}': bad subprog addr relo offset",
                                  **where)
        return Reloc(RelocKind.RELO_SUBPROG_ADDR, idx, sym_name, sym.st_value,
                     sym_is_section=sym.type == STT_SECTION, sym_shndx=sym.shndx)
    tsec = elf.section(sym.shndx)
    if tsec.name in (".maps", "maps"):
        for mi, m in enumerate(maps):
            if m.origin != "data" and m.sec_index == sym.shndx and (
                    m.sec_offset == sym.st_value or not plan.map_reloc_by_symbol):
                return Reloc(RelocKind.RELO_LD64, idx, sym_name, 0, mi)
        raise RelocationError(f"prog '{prog.name}': map relo failed to find map for section "
                              f"'{tsec.name}', off {sym.st_value}",
                              **where)
    if tsec.name == ARENA_SEC:  # libbpf: RELO_DATA against the arena map (arena_map_idx)
        for mi, m in enumerate(maps):
            if m.arena_image is not None and m.arena_shndx == sym.shndx:
                return Reloc(RelocKind.RELO_DATA, idx, sym_name, sym.st_value, mi)
        raise RelocationError(f"prog '{prog.name}': no ARENA map for section '{tsec.name}'",
                              **where)
    if plan.weak_data_as_extern and sym.bind == STB_WEAK:
        raise RelocationError(f"prog '{prog.name}': unresolved extern '{sym_name}' "
                              "(weak data symbol)", **where)
    if is_data_section(tsec.name, plan.custom_data_sections):
        want = tsec.name
        if plan.merge_custom_data_sections and want.count(".") > 1:
            want = "." + want.split(".")[1]  # mutation: .data.x -> .data's map
        for mi, m in enumerate(maps):
            if m.origin == "data" and elf.section(m.sec_index).name == want:
                off = sym.st_value if plan.data_reloc_use_st_value else 0
                return Reloc(RelocKind.RELO_DATA, idx, sym_name, off, mi)
        raise RelocationError(f"prog '{prog.name}': no data map for section '{tsec.name}'",
                              **where)
    raise RelocationError(f"prog '{prog.name}': bad data relo against section '{tsec.name}'",
                          **where)


POISON_CALL_KFUNC_BASE = 2002000000  # libbpf: poisoned (unresolved) extern calls


@dataclass
class LinkedProgram:
    """An entry program with its sub-programs appended, ready for data relocation."""

    prog: ProgramSpec
    image: bytearray
    relos: list[Reloc] = field(default_factory=list)
    func_info: list[FuncInfo] = field(default_factory=list)
    line_info: list[LineInfo] = field(default_factory=list)
    core_relos: list[CoreRelo] = field(default_factory=list)
    #: function name -> first instruction in the image
    placed: dict[str, int] = field(default_factory=dict)


def link_program(main: ProgramSpec, progs: list[ProgramSpec],
                 relos: dict[str, list[Reloc]], plan: Plan | None = None) -> LinkedProgram:
    """Append called sub-programs to ``main`` and fix call/function-address immediates."""
    lp = LinkedProgram(main, bytearray(main.insns))
    place_function(lp, main, 0, relos)
    subs: list[ProgramSpec] = []
    text_idx: int | None = None  # the first .text function's section
    for p in progs:
        if p.is_subprog:
            subs.append(p)
        if text_idx is None and p.section == ".text":
            text_idx = p.sec_index
    reloc_function_code(lp, main, subs, relos, plan or Plan(), -1 if text_idx is None else text_idx)
    return lp


def place_function(lp: LinkedProgram, p: ProgramSpec, at: int,
                   relos: dict[str, list[Reloc]]) -> None:
    """Record `p` as placed at instruction `at` of `lp`, with its relocations shifted there."""
    lp.placed[p.name] = at
    lp.relos += [Reloc(r.kind, r.insn_idx + at, r.sym_name, r.sym_off, r.map_index,
                       r.sym_is_section, r.sym_shndx, r.ext_index, p.is_subprog)
                 for r in relos.get(p.name, [])]
    if at == 0:  # the entry program: its records as they are (never mutated after open)
        lp.func_info += p.func_info
        lp.line_info += p.line_info
        lp.core_relos += p.core_relos
        return
    lp.func_info += [FuncInfo(r.insn_off + at, r.type_id, r.extra) for r in p.func_info]
    lp.line_info += [LineInfo(r.insn_off + at, r.file_name_off, r.line_off, r.line_col,
                              r.extra) for r in p.line_info]
    lp.core_relos += [CoreRelo(r.insn_off + at, r.type_id, r.access_str_off, r.kind, r.extra)
                      for r in p.core_relos]


def _link_candidates(image: bytearray, base: int, cnt: int, by_idx: dict[int, Reloc]
                     ) -> list[int]:
    """Ascending indexes (relative to ``base``) of the ``cnt`` instructions that can need
    linking: those with a relocation, and every call and ld_imm64 (the others are left
    alone).  Linking never changes the opcode of a later instruction of this range, so
    they can be found first."""
    codes = image[base * I.BPF_INSN_SZ:(base + cnt) * I.BPF_INSN_SZ:I.BPF_INSN_SZ]
    found = [i for i in by_idx if 0 <= i < cnt] if by_idx else []
    for code in _CALL_OR_LDIMM64:  # found by bytes.find over the opcode bytes alone
        i = codes.find(code)
        while i >= 0:
            found.append(i)
            i = codes.find(code, i + 1)
    return sorted(set(found)) if len(found) > 1 else found


_CALL_OR_LDIMM64 = (I.BPF_CALL_INSN, I.BPF_LD_IMM64)
# the kinds as module constants, compared by identity (a class attribute read per test
# costs more than the test)
_LD64, _DATA, _CALL = RelocKind.RELO_LD64, RelocKind.RELO_DATA, RelocKind.RELO_CALL
_SUBPROG_ADDR, _EXTERN_POISON = RelocKind.RELO_SUBPROG_ADDR, RelocKind.RELO_EXTERN_POISON
_EXTERN_LD64, _EXTERN_CALL = RelocKind.RELO_EXTERN_LD64, RelocKind.RELO_EXTERN_CALL


def reloc_function_code(lp: LinkedProgram, prog: ProgramSpec, subs: list[ProgramSpec],
                        relos: dict[str, list[Reloc]], plan: Plan, text_idx: int) -> None:
    """Resolve the calls of `prog` (placed in `lp`): append each subprogram it calls
    (libbpf bpf_object__reloc_code) and relocate that one's calls in turn."""
    base = lp.placed[prog.name]
    by_idx = {r.insn_idx: r for r in relos.get(prog.name, [])}
    image = lp.image
    for i in _link_candidates(image, base, prog.insn_cnt, by_idx):
        idx = base + i
        r = by_idx.get(i)
        target_sec = text_idx
        relocless = False
        kind = r.kind if r is not None else None
        if kind is _EXTERN_CALL or kind is _EXTERN_LD64:
            continue  # patched with the extern's value by apply_data_relos
        if kind is _EXTERN_POISON:
            I.put(image, idx, I.BPF_CALL_INSN, 0, 0, 0, POISON_CALL_KFUNC_BASE + i)
            continue
        # opcode and src_reg read here once (I.is_pseudo_func/is_pseudo_call, inline)
        code, src = image[idx * I.BPF_INSN_SZ], image[idx * I.BPF_INSN_SZ + 1] >> 4
        if kind is _CALL:
            assert r is not None
            imm = I.get(image, idx)[4]
            sym_off = r.sym_off if plan.call_use_st_value else 0
            if r.sym_is_section and not plan.call_keep_addend:
                sub_idx = sym_off // 8  # mutation: the addend in imm is dropped
            else:
                sub_idx = sym_off // 8 + imm + 1
            target_sec = r.sym_shndx
        elif kind is _SUBPROG_ADDR:
            assert r is not None
            addend = I.get(image, idx)[4]
            if r.sym_is_section and not plan.func_addr_keep_addend:
                addend = 0  # mutation calls.callback: the start of .text
            sub_idx = (r.sym_off + addend) // 8
            # libbpf marks the ld_imm64 as a function address (clang leaves src_reg 0)
            I.set_src(image, idx, I.BPF_PSEUDO_FUNC)
        elif code == I.BPF_LD_IMM64 and src == I.BPF_PSEUDO_FUNC:
            raise RelocationError(f"prog '{prog.name}': missing subprog addr relo",
                                  section=prog.section, insn=i)
        elif code == I.BPF_CALL_INSN and src == I.BPF_PSEUDO_CALL:
            # a same-section call without relocation
            relocless = True
            sub_idx = prog.sec_insn_off + i + I.get(image, idx)[4] + 1
            target_sec = prog.sec_index if prog.is_subprog else text_idx
        else:
            continue
        sub = next((p for p in subs if p.contains(target_sec, sub_idx)), None)
        if sub is None:
            raise RelocationError(
                f"prog '{prog.name}': call into nowhere (instruction {sub_idx} of section "
                f"{target_sec} is in no sub-program)", section=prog.section,
                offset=(prog.sec_insn_off + i) * 8, insn=i,
                symbol=r.sym_name if r else None)
        brought_in = sub.name not in lp.placed
        if brought_in:
            at = len(lp.image) // 8
            lp.image += sub.insns
            place_function(lp, sub, at, relos)
            reloc_function_code(lp, sub, subs, relos, plan, text_idx)
        if relocless and (not plan.patch_relocationless_calls
                          or (not brought_in and not plan.patch_repeated_calls)):
            continue  # mutations calls.pcrel / calls.repeated: clang's imm kept
        I.set_imm(lp.image, idx, lp.placed[sub.name] - idx - 1)


def apply_data_relos(lp: LinkedProgram, map_fds: list[int], plan: Plan | None = None,
                     externs: ExternTable | None = None) -> None:
    """Patch map references (``bpf_object__relocate_data``) with the created maps' fds,
    and extern references with their resolved values."""
    if not lp.relos:
        return
    plan = plan or Plan()
    for r in lp.relos:
        kind = r.kind
        if kind is _EXTERN_LD64 or kind is _EXTERN_CALL:
            assert externs is not None
            _apply_extern(lp, r, externs, map_fds)
            continue
        if kind is not _LD64 and kind is not _DATA:
            continue
        if map_fds[r.map_index] < 0:
            raise RelocationError(f"prog '{lp.prog.name}': map of '{r.sym_name}' was not "
                                  "created", section=lp.prog.section, insn=r.insn_idx,
                                  symbol=r.sym_name)
        # src_reg and imm of the ld_imm64 in one write (as set_src then set_imm)
        code, dst, _, off, imm0 = I.get(lp.image, r.insn_idx)
        if kind is _LD64:
            I.put(lp.image, r.insn_idx, code, dst, I.BPF_PSEUDO_MAP_FD, off,
                  map_fds[r.map_index])
        else:  # RELO_DATA
            addend = imm0 if plan.data_reloc_keep_addend else 0
            I.set_imm(lp.image, r.insn_idx + 1, addend + r.sym_off)
            I.put(lp.image, r.insn_idx, code, dst, I.BPF_PSEUDO_MAP_VALUE, off,
                  map_fds[r.map_index])


def _apply_extern(lp: LinkedProgram, r: Reloc, externs: ExternTable,
                  map_fds: list[int]) -> None:
    """libbpf ``bpf_object__relocate_data``, RELO_EXTERN_LD64 / RELO_EXTERN_CALL."""
    e = externs.externs[r.ext_index]
    i = r.insn_idx
    if r.kind is RelocKind.RELO_EXTERN_CALL:
        if e.is_set:
            I.put(lp.image, i, I.BPF_CALL_INSN, 0, I.BPF_PSEUDO_KFUNC_CALL, 0, e.kernel_btf_id)
        else:  # unresolved weak kfunc: a call the verifier refuses if it is ever reached
            I.put(lp.image, i, I.BPF_CALL_INSN, 0, 0, 0, POISON_CALL_KFUNC_BASE + r.ext_index)
        return
    _, dst, _, _, _ = I.get(lp.image, i)
    if e.is_kconfig:
        I.put(lp.image, i, I.BPF_LD_IMM64, dst, I.BPF_PSEUDO_MAP_VALUE, 0,
              map_fds[externs.kconfig_map])
        I.set_imm(lp.image, i + 1, e.data_off)
    elif e.is_set and (e.ksym_type_id or e.is_func):
        I.put(lp.image, i, I.BPF_LD_IMM64, dst, I.BPF_PSEUDO_BTF_ID, 0, e.kernel_btf_id)
        I.set_imm(lp.image, i + 1, 0)  # vmlinux: btf obj fd 0
    else:  # typeless ksym (its address) or an unresolved weak one (0)
        I.put(lp.image, i, I.BPF_LD_IMM64, dst, 0, 0, e.addr & 0xFFFFFFFF)
        I.set_imm(lp.image, i + 1, e.addr >> 32)
