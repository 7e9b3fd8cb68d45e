"""Programs and sub-programs of an object (libbpf ``bpf_object__add_programs``).

Every ``STT_FUNC`` symbol of an executable section is a function.  Functions in ``.text``
are sub-programs (callable, never loaded alone); functions elsewhere are entry programs,
typed by their section name (``refloader.sections``).  func_info / line_info / CO-RE
records of ``.BTF.ext`` are handed to the function holding their instruction, with
offsets rebased to the function's first instruction (in instructions, not bytes).
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Any

from refloader.btf_ext import BtfExt, CoreRelo, FuncInfo, LineInfo
from refloader.elf import (
    SHF_EXECINSTR,
    STB_LOCAL,
    STT_FUNC,
    STV_HIDDEN,
    STV_INTERNAL,
    ElfObject,
    ElfSymbol,
)
from refloader.errors import ParseError
from refloader.insn import BPF_INSN_SZ
from refloader.mutations import Plan
from refloader.sections import ProgSection, classify


@dataclass
class ProgramSpec:
    """One function: its instructions as found in the ELF and what it is."""

    name: str
    section: str
    sec_index: int
    sec_insn_off: int
    insns: bytes
    kind: ProgSection
    is_subprog: bool
    #: global function with hidden visibility: its BTF FUNC becomes static (libbpf)
    mark_btf_static: bool = False
    autoload: bool = True
    func_info: list[FuncInfo] = field(default_factory=list)
    line_info: list[LineInfo] = field(default_factory=list)
    core_relos: list[CoreRelo] = field(default_factory=list)

    @property
    def insn_cnt(self) -> int:
        """Number of instruction slots."""
        return len(self.insns) // BPF_INSN_SZ

    def contains(self, sec_index: int, sec_insn: int) -> bool:
        """Whether instruction ``sec_insn`` of section ``sec_index`` belongs here."""
        return (sec_index == self.sec_index
                and self.sec_insn_off <= sec_insn < self.sec_insn_off + self.insn_cnt)


def collect_programs(elf: ElfObject, ext: BtfExt | None,
                     plan: Plan | None = None) -> list[ProgramSpec]:
    """All functions of all executable sections, sorted by (section, offset)."""
    plan = plan or Plan()
    text = elf.section_by_name(".text")
    progs: list[ProgramSpec] = []
    funcs_of: dict[int, list[ElfSymbol]] = {}  # STT_FUNC symbols by section, in table order
    for s in elf.symbols:
        if s.type == STT_FUNC:
            funcs_of.setdefault(s.shndx, []).append(s)
    for sec in elf.loadable_sections():
        if not sec.sh_flags & SHF_EXECINSTR or sec.sh_type != 1 or sec.sh_size == 0:
            continue
        funcs = funcs_of.get(sec.index, [])
        if not funcs:
            raise ParseError(f"executable section {sec.name} has no function symbols",
                             section=sec.name)
        is_text = text is not None and sec.index == text.index
        if plan.keep_unnamed_code and is_text:
            funcs = funcs + _unnamed_code(funcs, sec.sh_size)
        if plan.one_program_per_section and not is_text:
            # mutation prog.multi_per_section: every program of the section is its first
            # function (the code a section-keyed loader finds for any of its names)
            first = min(funcs, key=lambda s: s.st_value)
            funcs = [replace(s, st_value=first.st_value, st_size=first.st_size)
                     for s in funcs]
        for sym in funcs:
            off, size = sym.st_value, sym.st_size
            if off % BPF_INSN_SZ or size % BPF_INSN_SZ or off + size > sec.sh_size:
                raise ParseError(f"program '{sym.name}' has a bad offset/size ({off}/{size})",
                                 section=sec.name, offset=off, symbol=sym.name)
            is_sub = is_text or (plan.link_other_sections and sym.bind == STB_LOCAL)
            if not is_sub and sym.bind == STB_LOCAL:
                raise ParseError(f"program '{sym.name}' is static and not supported",
                                 section=sec.name, offset=off, symbol=sym.name)
            kind = classify(plan.sec_misclassify.get(sec.name, sec.name))  # progtype.*
            progs.append(ProgramSpec(
                sym.name, sec.name, sec.index, off // BPF_INSN_SZ,
                sec.data[off:off + size], kind, is_sub,
                mark_btf_static=is_sub and sym.bind != STB_LOCAL
                and sym.visibility in (STV_HIDDEN, STV_INTERNAL),
                autoload=(kind.autoload or plan.question_mark_autoloads) and not is_sub))
    if len(progs) > 1:
        progs.sort(key=lambda p: (p.sec_index, p.sec_insn_off))
    if ext is not None:
        _assign_ext(progs, ext)
    if plan.one_program_per_section:  # the mutation's copies share the first's records
        for p in progs:
            q = next(o for o in progs if o.contains(p.sec_index, p.sec_insn_off))
            p.func_info, p.line_info, p.core_relos = q.func_info, q.line_info, q.core_relos
    return progs


def _unnamed_code(funcs: list[ElfSymbol], size: int) -> list[ElfSymbol]:
    """Mutation link.funcs: the stretches of .text no function symbol covers (the body of a
    __weak function the static linker replaced), as functions named `.text+0x..`, so that
    a call landing there (a loader taking .text as one block) runs them."""
    out, at = [], 0
    for f in [*sorted(funcs, key=lambda f: f.st_value), replace(funcs[0], st_value=size)]:
        if f.st_value > at:
            out.append(replace(funcs[0], name=f".text+{at:#x}", st_value=at,
                               st_size=f.st_value - at, bind=STB_LOCAL))
        at = max(at, f.st_value + f.st_size)
    return out


#: (first instruction, end instruction, func_info, line_info, core_relos) of a function in
#: its section: list 2, 3 or 4 receives the records of one block
_Span = tuple[Any, ...]


def _assign_ext(progs: list[ProgramSpec], ext: BtfExt) -> None:
    by_sec: dict[str, list[_Span]] = {}
    for p in progs:
        by_sec.setdefault(p.section, []).append(
            (p.sec_insn_off, p.sec_insn_off + p.insn_cnt, p.func_info, p.line_info,
             p.core_relos))
    # Records are built once, for their function, from the unpacked .BTF.ext rows, insn_off
    # rebased from bytes since the section start to instructions since the function start
    # (the .BTF.ext records stay as read).  A record outside every function belongs to a
    # weak function the static linker replaced by a strong one (its code stays, its symbol
    # goes): libbpf skips it ("skipping CO-RE relocation ... belonging to eliminated weak
    # subprogram").
    blocks = ((ext.func_info, "func_info", FuncInfo, 2),
              (ext.line_info, "line_info", LineInfo, 3),
              (ext.core_relos, "CO-RE relocation", CoreRelo, 4))
    for sec_name, spans in by_sec.items():
        for block, what, make, k in blocks:
            for s in block:
                if s.sec_name != sec_name:
                    continue
                for row in s.rows():
                    byte_off = row[0]
                    if byte_off % BPF_INSN_SZ:
                        raise ParseError(f"{what} record at unaligned offset",
                                         section=sec_name, offset=byte_off)
                    idx = byte_off // BPF_INSN_SZ
                    for span in spans:
                        if span[0] <= idx < span[1]:
                            rec = make(*row)  # all fields as read (a plain * call is cheapest)
                            rec.insn_off = idx - span[0]
                            span[k].append(rec)
                            break
