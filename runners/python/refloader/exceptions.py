"""BPF exception callbacks (libbpf ``bpf_object__sanitize_and_load_btf``'s
``exception_callback:`` pass and the append in ``bpf_object__relocate``).

A main program names its exception callback with a BTF decl tag on its own FUNC,
``exception_callback:<name>`` (``component_idx`` -1; ``__exception_cb(name)`` in
``bpf_experimental.h``). Nothing calls the callback, so call-driven linking never brings it
in: the loader appends it after the called sub-programs, with its relocations and
func_info/line_info, and the kernel (``find_exception_callback_insn_off``) finds it by the
tag's FUNC id in the program's func_info. The tags are read before BTF sanitisation, which
would drop them on a kernel without BTF_KIND_DECL_TAG.

Pure: no syscall, no kernel fact.
"""

from __future__ import annotations

from refloader.btf import Btf, BtfFuncLinkage, DeclTag, Func, Int
from refloader.elf import STB_LOCAL, STT_FUNC, ElfObject
from refloader.errors import LoaderError
from refloader.mutations import Plan
from refloader.programs import ProgramSpec
from refloader.reloc import LinkedProgram, Reloc, place_function, reloc_function_code

EXCEPTION_CB_TAG = "exception_callback:"


def exception_callback_of(btf: Btf | None, elf: ElfObject, prog: ProgramSpec,
                          progs: list[ProgramSpec]) -> ProgramSpec | None:
    """The sub-program ``prog``'s FUNC names as its exception callback, or None.

    libbpf's rules: a tag on anything but a global FUNC is an error; a tag with an empty
    name is an error; two tags on one program append nothing (the verifier refuses);
    the callback is a sub-program (``.text``) that is global and not hidden.
    """
    if btf is None or prog.is_subprog:
        return None
    found: ProgramSpec | None = None
    for _, t in btf:
        if not isinstance(t, DeclTag) or t.component_idx != -1 \
                or not t.name.startswith(EXCEPTION_CB_TAG):
            continue
        target = btf.type_by_id(t.type)
        if not isinstance(target, Func) or target.linkage != BtfFuncLinkage.BTF_FUNC_GLOBAL:
            raise LoaderError(f"prog '{prog.name}': exception_callback:<value> decl tag not "
                              "applied to the main program", section=prog.section,
                              symbol=prog.name)
        if target.name != prog.name:
            continue
        if found is not None:  # several callbacks for one program: the verifier refuses
            return None
        name = t.name[len(EXCEPTION_CB_TAG):]
        if not name:
            raise LoaderError(f"prog '{prog.name}': exception_callback:<value> decl tag "
                              "contains empty value", section=prog.section, symbol=prog.name)
        cands = [p for p in progs if p.is_subprog and p.name == name]
        if not cands:
            raise LoaderError(f"prog '{prog.name}': cannot find exception callback '{name}'",
                              section=prog.section, symbol=prog.name, errno=2)
        if len(cands) > 1:
            raise LoaderError(f"prog '{prog.name}': multiple subprogs with same name as "
                              f"exception callback '{name}'", section=prog.section,
                              symbol=prog.name)
        cb = cands[0]
        if not _is_global(elf, cb) or cb.mark_btf_static:
            raise LoaderError(f"prog '{prog.name}': exception callback {name} must be a "
                              "global non-hidden function", section=prog.section,
                              symbol=name)
        found = cb
    return found


def _is_global(elf: ElfObject, p: ProgramSpec) -> bool:
    off = p.sec_insn_off * 8
    return any(s.type == STT_FUNC and s.name == p.name and s.shndx == p.sec_index
               and s.st_value == off and s.bind != STB_LOCAL for s in elf.symbols)


def append_exception_callback(lp: LinkedProgram, cb: ProgramSpec, progs: list[ProgramSpec],
                              relos: dict[str, list[Reloc]], plan: Plan,
                              text_idx: int) -> None:
    """Append ``cb`` to the linked program after its called sub-programs (libbpf:
    ``bpf_object__append_subprog_code`` + ``bpf_object__reloc_code``), unless a call
    already brought it in (the verifier then refuses the direct call)."""
    if cb.name in lp.placed:
        return
    at = len(lp.image) // 8
    lp.image += cb.insns
    place_function(lp, cb, at, relos)
    reloc_function_code(lp, cb, [p for p in progs if p.is_subprog], relos, plan, text_idx)


def text_section_index(progs: list[ProgramSpec]) -> int:
    """The section of the first ``.text`` function (-1 without one), as ``link_program``."""
    return next((p.sec_index for p in progs if p.section == ".text"), -1)


def drop_exception_callback_tags(btf: Btf) -> Btf:
    """A copy of ``btf`` whose ``exception_callback:`` decl tags are 1-byte INTs (what
    sanitisation does to every decl tag for a kernel without them): mutation
    ``exceptions.callback``."""
    out = Btf.parse(btf.marshal())
    for i, t in list(out):
        if isinstance(t, DeclTag) and t.name.startswith(EXCEPTION_CB_TAG):
            out.types[i] = Int(t.name, t.name_off, False, 1, 0, 0, 8)
    out.invalidate_index()
    return out
