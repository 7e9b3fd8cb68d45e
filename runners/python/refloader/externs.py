"""Externs: ``.kconfig`` variables and ``.ksyms`` kernel symbols / kfuncs
(libbpf ``bpf_object__collect_externs``, ``bpf_object__resolve_externs``).

An extern is an undefined (``SHN_UNDEF``) global or weak ELF symbol whose BTF VAR or FUNC
(linkage extern) sits in the DATASEC ``.kconfig`` or ``.ksyms``:

* ``.kconfig``: values from the kernel config and the virtual ``LINUX_*`` ones, laid out
  in an internal read-only map (sorted by alignment desc, size asc, name; as libbpf);
* ``.ksyms``: a kernel variable (typed: its vmlinux BTF id; typeless: its kallsyms
  address) or a kfunc (its vmlinux BTF FUNC id).

A weak extern that cannot be resolved reads as 0 (a weak kfunc call is poisoned); a
strong one fails the load.  The BTF is rewritten as libbpf does so the kernel accepts it
(extern VARs become allocated ints, extern FUNCs global).  Kernel facts (config, kallsyms,
vmlinux ids) arrive as a ``KernelFacts`` argument: no syscalls here.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from enum import Enum as PyEnum

from refloader.btf import (
    BTF_INT_BOOL,
    BTF_INT_CHAR,
    BTF_INT_SIGNED,
    Array,
    Btf,
    BtfFuncLinkage,
    BtfKind,
    BtfVarLinkage,
    Datasec,
    Enum,
    Func,
    FuncProto,
    Int,
    Var,
)
from refloader.elf import SHN_UNDEF, STB_GLOBAL, STB_WEAK, STT_SECTION, ElfObject
from refloader.errors import LoaderError, ParseError
from refloader.maps_spec import BPF_F_RDONLY_PROG, BPF_MAP_TYPE_ARRAY, MapSpec

KCONFIG_SEC = ".kconfig"
KSYMS_SEC = ".ksyms"
TRI_NO, TRI_YES, TRI_MODULE = 0, 1, 2


class KcfgType(PyEnum):
    """libbpf ``enum kcfg_type``."""

    BOOL = "bool"
    TRISTATE = "tristate"
    CHAR = "char"
    INT = "int"
    CHAR_ARR = "char[]"


@dataclass
class Extern:
    """One extern symbol and, after ``resolve_externs``, its value."""

    name: str
    sym_index: int
    is_kconfig: bool
    weak: bool
    btf_id: int
    is_func: bool = False
    kcfg_type: KcfgType | None = None
    size: int = 0
    align: int = 1
    signed: bool = False
    data_off: int = 0
    #: local type of a typed ksym (0: typeless ``const void``)
    ksym_type_id: int = 0
    is_set: bool = False
    kernel_btf_id: int = 0
    addr: int = 0


@dataclass(frozen=True)
class KernelFacts:
    """What ``resolve_externs`` needs from the running kernel."""

    kernel_version: int
    kconfig: Mapping[str, str]
    #: kallsyms address of a symbol, or None
    ksym_addr: Callable[[str], int | None]
    #: vmlinux BTF id of a (kind, name), or None
    vmlinux_id: Callable[[int, str], int | None]
    has_syscall_wrapper: bool = True
    has_bpf_cookie: bool = True
    #: are local type ``lid`` (of ``local``) and vmlinux type ``kid`` compatible
    #: (libbpf ``bpf_core_types_are_compat``); None: do not check
    compatible: Callable[[Btf, int, int], bool] | None = None
    #: kallsyms address of the first symbol (in /proc/kallsyms order) whose name starts with
    #: the given one: mutation externs.ksym.weak only; None: the mutation cannot be performed
    ksym_prefix: Callable[[str], int | None] | None = None


@dataclass
class ExternTable:
    """The object's externs and the index of its ``.kconfig`` map (or -1)."""

    externs: list[Extern] = field(default_factory=list)
    kconfig_map: int = -1

    def by_sym(self, sym_index: int) -> int | None:
        """Index of the extern for ELF symbol ``sym_index``."""
        for i, e in enumerate(self.externs):
            if e.sym_index == sym_index:
                return i
        return None


def _kcfg_type(btf: Btf, type_id: int) -> tuple[KcfgType | None, bool]:
    t = btf.type_by_id(btf.skip_mods_and_typedefs(type_id))
    if isinstance(t, Enum):
        return (KcfgType.TRISTATE, False) if t.name == "libbpf_tristate" else (None, False)
    if isinstance(t, Int):
        if t.encoding & BTF_INT_BOOL:
            return (KcfgType.BOOL, False) if t.size == 1 else (None, False)
        if t.encoding & BTF_INT_CHAR or (t.size == 1 and t.name == "char"):
            return KcfgType.CHAR, bool(t.encoding & BTF_INT_SIGNED)
        if t.size in (1, 2, 4, 8):
            return KcfgType.INT, bool(t.encoding & BTF_INT_SIGNED)
        return None, False
    if isinstance(t, Array):
        el = btf.type_by_id(btf.skip_mods_and_typedefs(t.type))
        if isinstance(el, Int) and el.size == 1:
            return KcfgType.CHAR_ARR, False
    return None, False


def _align(btf: Btf, type_id: int) -> int:
    t = btf.type_by_id(btf.skip_mods_and_typedefs(type_id))
    if isinstance(t, Array):
        return _align(btf, t.type)
    return min(8, max(1, btf.resolve_size(type_id)))


def collect_externs(elf: ElfObject, btf: Btf | None, *, poison_unresolved: bool = False
                    ) -> ExternTable:
    """Find every extern, type it from BTF and rewrite the extern DATASECs (libbpf)."""
    table = ExternTable()
    syms = [s for s in elf.symbols if s.shndx == SHN_UNDEF and s.name
            and s.bind in (STB_GLOBAL, STB_WEAK) and s.type != STT_SECTION]
    if not syms:
        return table
    if btf is None:
        if poison_unresolved:
            return table
        raise ParseError(f"extern '{syms[0].name}' needs BTF, the object has none",
                         symbol=syms[0].name)
    secs: dict[int, str] = {}
    for _, t in btf:
        if isinstance(t, Datasec) and t.name in (KCONFIG_SEC, KSYMS_SEC):
            for v in t.vars:
                secs[v.type] = t.name
    for s in syms:
        tid = next((i for i in btf.ids_by_name(s.name)
                    if (isinstance(btf.types[i], Var)
                        and btf.types[i].linkage == BtfVarLinkage.BTF_VAR_GLOBAL_EXTERN)  # type: ignore[attr-defined]
                    or (isinstance(btf.types[i], Func)
                        and btf.types[i].linkage == BtfFuncLinkage.BTF_FUNC_EXTERN)),  # type: ignore[attr-defined]
                   None)
        sec = secs.get(tid) if tid is not None else None
        if tid is None or sec is None:
            if poison_unresolved:
                continue  # mutation calls.extern.unresolved: the call gets poisoned
            raise ParseError(f"failed to find BTF for extern '{s.name}' in {KCONFIG_SEC} or "
                             f"{KSYMS_SEC}", symbol=s.name)
        t = btf.types[tid]
        ext = Extern(s.name, s.index, sec == KCONFIG_SEC, s.bind == STB_WEAK, tid,
                     is_func=isinstance(t, Func))
        if ext.is_kconfig:
            assert isinstance(t, Var)
            if ext.is_func:
                raise ParseError(f"extern (kcfg) '{s.name}' is a function", symbol=s.name)
            ext.kcfg_type, ext.signed = _kcfg_type(btf, t.type)
            if ext.kcfg_type is None:
                raise ParseError(f"extern (kcfg) '{s.name}' type is unsupported",
                                 symbol=s.name)
            ext.size, ext.align = btf.resolve_size(t.type), _align(btf, t.type)
        elif isinstance(t, Var):
            target = btf.type_by_id(btf.skip_mods_and_typedefs(t.type))
            ext.ksym_type_id = 0 if target.kind == BtfKind.UNKN else \
                btf.skip_mods_and_typedefs(t.type)
        table.externs.append(ext)
    table.externs.sort(key=lambda e: (not e.is_kconfig, -e.align if e.is_kconfig else 0,
                                      e.size if e.is_kconfig else 0, e.name))
    _rewrite_btf(btf, table)
    return table


def _rewrite_btf(btf: Btf, table: ExternTable) -> None:
    """libbpf: .ksyms VARs become 4-byte allocated ints, FUNCs global; .kconfig VARs get
    their map offsets and allocated linkage."""
    int_id = next((i for i, t in btf if isinstance(t, Int) and t.size == 4), 0)
    off = 0
    for e in table.externs:
        if e.is_kconfig:
            e.data_off = -(-off // e.align) * e.align
            off = e.data_off + e.size
    by_name = {e.name: e for e in table.externs}
    dummy = 0
    for _, t in list(btf):
        if not isinstance(t, Datasec) or t.name not in (KCONFIG_SEC, KSYMS_SEC):
            continue
        if t.name == KCONFIG_SEC:
            t.size = off
            for v in t.vars:
                var = btf.type_by_id(v.type)
                if isinstance(var, Var):
                    var.linkage = BtfVarLinkage.BTF_VAR_GLOBAL_ALLOCATED
                    if var.name in by_name:
                        v.offset = by_name[var.name].data_off
            t.vars.sort(key=lambda v: v.offset)
            continue
        koff = 0
        for v in t.vars:
            vt = btf.type_by_id(v.type)
            if isinstance(vt, Func):
                if not dummy:
                    dummy = btf.add_type(Var("dummy_ksym", 0, False, int_id,
                                             BtfVarLinkage.BTF_VAR_GLOBAL_ALLOCATED))
                proto = btf.type_by_id(vt.type)
                if isinstance(proto, FuncProto):
                    for p in proto.params:
                        if p.type and not p.name:
                            p.name = "dummy_ksym"
                vt.linkage = BtfFuncLinkage.BTF_FUNC_GLOBAL
                v.type = dummy
            elif isinstance(vt, Var):
                vt.linkage = BtfVarLinkage.BTF_VAR_GLOBAL_ALLOCATED
                vt.type = int_id
            v.offset, v.size = koff, 4
            koff += 4
        t.size = koff
    btf.invalidate_index()


def kconfig_map(table: ExternTable, obj_name: str) -> MapSpec | None:
    """The internal ``.kconfig`` map (read-only to programs, frozen), if any kconfig extern."""
    kc = [e for e in table.externs if e.is_kconfig]
    if not kc:
        return None
    size = max(e.data_off + e.size for e in kc)
    return MapSpec(f"{obj_name[:7]}.kconfig"[:15], BPF_MAP_TYPE_ARRAY, 4, size, 1,
                   BPF_F_RDONLY_PROG, origin="data", section=KCONFIG_SEC,
                   data=bytearray(size), readonly=True, mmapable=True)


def _kcfg_value(e: Extern, raw: str) -> bytes:
    t = e.kcfg_type
    if t in (KcfgType.BOOL, KcfgType.TRISTATE) or (t is KcfgType.CHAR and raw in "ymn"):
        if t is KcfgType.CHAR:
            return raw.encode()
        vals = {"y": TRI_YES, "n": TRI_NO, "m": TRI_MODULE}
        if raw not in vals or (t is KcfgType.BOOL and raw == "m"):
            raise LoaderError(f"extern (kcfg) '{e.name}': value '{raw}' is not a {t.value}",
                              symbol=e.name)
        return vals[raw].to_bytes(e.size, "little")
    if t is KcfgType.CHAR_ARR:
        if len(raw) < 2 or raw[0] != '"' or raw[-1] != '"':
            raise LoaderError(f"extern (kcfg) '{e.name}': value {raw} is not a string",
                              symbol=e.name)
        s = raw[1:-1].encode()[:e.size - 1]
        return s + bytes(e.size - len(s))
    try:
        num = int(raw, 0)
    except ValueError as exc:
        raise LoaderError(f"extern (kcfg) '{e.name}': value '{raw}' is not a number",
                          symbol=e.name) from exc
    bits = 8 * e.size
    lo, hi = (-(1 << (bits - 1)), (1 << (bits - 1)) - 1) if e.signed else (0, (1 << bits) - 1)
    if not lo <= num <= hi:
        raise LoaderError(f"extern (kcfg) '{e.name}': value {num} out of range",
                          symbol=e.name)
    return num.to_bytes(e.size, "little", signed=e.signed)


def _kconfig_raw(name: str, facts: KernelFacts, by_prefix: bool) -> str | None:
    """The config's value of option ``name``, or None; ``by_prefix`` (mutation
    externs.kconfig.weak): the value of the first option whose name starts with ``name``."""
    if not by_prefix:
        return facts.kconfig.get(name)
    return next((v for k, v in facts.kconfig.items() if k.startswith(name)), None)


def _ksym_addr(name: str, facts: KernelFacts, by_prefix: bool) -> int | None:
    """The kallsyms address of ``name``, or None; ``by_prefix`` (mutation externs.ksym.weak):
    the address of the first symbol whose name starts with ``name``."""
    if not by_prefix:
        return facts.ksym_addr(name)
    if facts.ksym_prefix is None:
        raise LoaderError("mutation externs.ksym.weak: the kernel facts give no kallsyms "
                          "lookup by prefix", symbol=name)
    return facts.ksym_prefix(name)


#: mutation ids (refloader.mutations, catalogue family ``externs``) resolve_externs honours
_KCFG_TYPE_SKIP: dict[KcfgType, str] = {KcfgType.BOOL: "externs.kconfig.bool", KcfgType.TRISTATE:
                   "externs.kconfig.tristate", KcfgType.INT: "externs.kconfig.int",
                   KcfgType.CHAR_ARR: "externs.kconfig.string"}
_VIRTUAL_SKIP = {"LINUX_KERNEL_VERSION": "externs.kconfig.version",
                 "LINUX_HAS_SYSCALL_WRAPPER": "externs.kconfig.syscall_wrapper"}


def resolve_externs(table: ExternTable, maps: list[MapSpec], facts: KernelFacts,
                    btf: Btf | None = None, skip: frozenset[str] = frozenset()) -> None:
    """Give every extern its value (``.kconfig`` map bytes, ksym ids/addresses).

    ``skip``: ``externs.*`` mutation ids (see ``refloader.mutations``) to misbehave on."""
    kmap = maps[table.kconfig_map] if table.kconfig_map >= 0 else None
    for e in table.externs:
        if e.is_kconfig:
            assert kmap is not None and kmap.data is not None
            kind_skip = _KCFG_TYPE_SKIP.get(e.kcfg_type) if e.kcfg_type else None
            if _VIRTUAL_SKIP.get(e.name, "") in skip or (
                    e.name.startswith("CONFIG_") and kind_skip in skip):
                continue  # mutation: the value is not written (reads 0)
            if e.name == "LINUX_KERNEL_VERSION":
                raw = str(facts.kernel_version)
            elif e.name == "LINUX_HAS_SYSCALL_WRAPPER":
                raw = "y" if facts.has_syscall_wrapper else "n"
            elif e.name == "LINUX_HAS_BPF_COOKIE":
                raw = "y" if facts.has_bpf_cookie else "n"
            elif e.name.startswith("LINUX_") and not e.weak:
                raise LoaderError(f"unrecognized virtual extern '{e.name}'", symbol=e.name)
            elif e.name.startswith("CONFIG_") and (found := _kconfig_raw(
                    e.name, facts, "externs.kconfig.weak" in skip)) is not None:
                raw = found  # mutation externs.kconfig.weak: found by prefix
            elif e.weak:
                continue  # zero
            elif not e.weak and "externs.kconfig.missing" in skip:
                continue  # mutation: a strong extern without value reads 0
            else:
                raise LoaderError(f"extern (kcfg) '{e.name}': value not found",
                                  section=KCONFIG_SEC, symbol=e.name)
            kmap.data[e.data_off:e.data_off + e.size] = _kcfg_value(e, raw)
            e.is_set = True
            continue
        weak = e.weak
        if e.is_func and (("externs.kfunc" in skip and not e.weak)
                          or ("externs.kfunc.weak" in skip and e.weak)):
            continue  # mutation: left unresolved (a poisoned call, bpf_ksym_exists false)
        if e.is_func and "externs.kfunc.missing" in skip and not e.weak \
                and facts.vmlinux_id(BtfKind.FUNC, e.name) is None:
            continue  # mutation: a missing strong kfunc is poisoned, not refused
        if not e.is_func and "externs.ksym.missing" in skip and not e.weak and (
                facts.ksym_addr(e.name) if not e.ksym_type_id
                else facts.vmlinux_id(BtfKind.VAR, e.name)) is None:
            continue  # mutation: a missing strong ksym reads 0
        if not e.is_func and e.ksym_type_id and "externs.ksym.typed" in skip:
            continue  # mutation: typed ksyms left unresolved (address 0)
        if not e.is_func and not e.ksym_type_id and "externs.ksym.typeless" in skip:
            continue  # mutation: typeless ksyms left unresolved (address 0)
        if not e.is_func and e.ksym_type_id and "externs.ksym.percpu" in skip:
            addr = facts.ksym_addr(e.name)  # mutation: a typed ksym resolved like a typeless one
            e.is_set, e.addr, e.ksym_type_id = addr is not None, addr or 0, 0
            continue
        if e.is_func:
            fid = facts.vmlinux_id(BtfKind.FUNC, e.name)
            local = btf.type_by_id(e.btf_id) if btf is not None else None
            if (fid is not None and facts.compatible is not None and isinstance(local, Func)
                    and not facts.compatible(btf, local.type, fid)):  # type: ignore[arg-type]
                if not weak:
                    raise LoaderError(f"extern (func ksym) '{e.name}': func_proto "
                                      "incompatible with the kernel's", section=KSYMS_SEC,
                                      symbol=e.name)
                fid = None  # libbpf: a weak kfunc of another prototype stays unresolved
            if fid is not None:
                e.is_set, e.kernel_btf_id = True, fid
            elif not weak:
                raise LoaderError(f"extern (func ksym) '{e.name}': not found in kernel BTF",
                                  section=KSYMS_SEC, symbol=e.name)
        elif e.ksym_type_id:
            vid = facts.vmlinux_id(BtfKind.VAR, e.name)
            if (vid is not None and facts.compatible is not None and btf is not None
                    and not facts.compatible(btf, e.ksym_type_id, vid)):
                raise LoaderError(f"extern (var ksym) '{e.name}': incompatible types",
                                  section=KSYMS_SEC, symbol=e.name)
            if vid is not None:
                e.is_set, e.kernel_btf_id = True, vid
            elif not weak:
                raise LoaderError(f"extern (var ksym) '{e.name}': not found in kernel BTF",
                                  section=KSYMS_SEC, symbol=e.name)
        else:
            # mutation externs.ksym.weak: kallsyms read by prefix
            addr = _ksym_addr(e.name, facts, "externs.ksym.weak" in skip)
            if addr is not None:
                e.is_set, e.addr = True, addr
            elif not weak:
                raise LoaderError(f"extern (ksym) '{e.name}': failed to find kernel symbol",
                                  section=KSYMS_SEC, symbol=e.name)
