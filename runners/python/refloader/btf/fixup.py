"""DATASEC / VAR fix-ups from the ELF (libbpf ``btf_fixup_datasec``): section sizes and
variable offsets that clang leaves 0, filled from ELF facts passed in as callables."""

from __future__ import annotations

from collections.abc import Callable

from refloader.btf.btf import Btf
from refloader.btf.types import (
    BtfVarLinkage,
    Datasec,
    Var,
)
from refloader.errors import BTFError

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
