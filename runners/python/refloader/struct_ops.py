"""struct_ops maps (libbpf ``bpf_object__init_struct_ops_maps``,
``bpf_object__collect_st_ops_relos``, ``bpf_map__init_kern_struct_ops``,
``bpf_object_adjust_struct_ops_autoload``).

A variable of section ``.struct_ops`` or ``.struct_ops.link`` whose type is a struct is a
``BPF_MAP_TYPE_STRUCT_OPS`` map of the kernel struct of the same name (a ``___flavour``
suffix dropped). Each ``R_BPF_64_ABS64`` of ``.rel.struct_ops*`` points a function-pointer
member at a program; that program is loaded with ``attach_btf_id`` the kernel struct's id
and ``expected_attach_type`` the member's index in the KERNEL struct (members are matched
by name, so the local declaration may order or omit them). Non-function members are copied
into the kernel value (``bpf_struct_ops_<name>``'s ``data``) at the kernel member's offset.

Parsing (``collect_struct_ops``) is pure; ``kernel_layout`` needs the target BTF, passed in.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Protocol

from refloader.btf import Btf, BtfKind, BtfType, Composite, Datasec, FuncProto, Ptr, Struct, Var
from refloader.elf import SHN_UNDEF, ElfObject
from refloader.errors import LoaderError, ParseError
from refloader.mutations import Plan
from refloader.programs import ProgramSpec

STRUCT_OPS_SEC = ".struct_ops"
STRUCT_OPS_LINK_SEC = ".struct_ops.link"
BPF_MAP_TYPE_STRUCT_OPS = 26
BPF_F_LINK = 1 << 13
BPF_PROG_TYPE_STRUCT_OPS = 27
VALUE_PREFIX = "bpf_struct_ops_"


class TypeSource(Protocol):
    """What ``kernel_layout`` reads of the target BTF (``core.target.TargetBtf``)."""

    def candidates(self, name: str) -> list[int]:
        """Type ids whose essential name is ``name``."""
        ...

    def type_by_id(self, type_id: int) -> BtfType:
        """The record of ``type_id``."""
        ...


@dataclass
class StructOpsMember:
    """One member of the local struct."""

    name: str
    offset: int  # bytes
    size: int
    is_func_ptr: bool
    prog: str | None = None  # the program a relocation points it at


@dataclass
class StructOpsSpec:
    """One struct_ops map as the object declares it."""

    name: str
    section: str
    type_name: str  # the local struct's name, ___flavour included
    data: bytes
    members: list[StructOpsMember] = field(default_factory=list)

    @property
    def link(self) -> bool:
        """Declared in ``.struct_ops.link``: created ``BPF_F_LINK``."""
        return self.section == STRUCT_OPS_LINK_SEC

    @property
    def kernel_name(self) -> str:
        """The kernel struct's name: the local one without its ``___flavour`` suffix."""
        return self.type_name.split("___", 1)[0]


@dataclass
class StructOpsKern:
    """A struct_ops map resolved against the kernel's BTF."""

    spec: StructOpsSpec
    type_id: int  # the kernel struct: every member program's attach_btf_id
    value_type_id: int  # bpf_struct_ops_<name>: the map's btf_vmlinux_value_type_id
    value_size: int
    value: bytes  # the kernel value, non-function members copied in
    #: program name -> expected_attach_type (the member's index in the kernel struct)
    attach: dict[str, int] = field(default_factory=dict)


def struct_ops_sections(plan: Plan) -> tuple[str, ...]:
    """The sections read as struct_ops (mutation struct_ops.link: not .struct_ops.link)."""
    return (STRUCT_OPS_SEC,) if not plan.struct_ops_link_section else (
        STRUCT_OPS_SEC, STRUCT_OPS_LINK_SEC)


def collect_struct_ops(elf: ElfObject, btf: Btf | None, progs: list[ProgramSpec],
                       plan: Plan) -> list[StructOpsSpec]:
    """Every struct_ops map of the object, with the programs its members point to."""
    out: list[StructOpsSpec] = []
    for sec_name in struct_ops_sections(plan):
        sec = elf.section_by_name(sec_name)
        if sec is None:
            continue
        if btf is None:
            raise ParseError(f"{sec_name} section requires BTF", section=sec_name)
        ds_id = btf.id_by_name(sec_name, BtfKind.DATASEC)
        ds = btf.type_by_id(ds_id) if ds_id else None
        if not isinstance(ds, Datasec):
            raise ParseError(f"DATASEC '{sec_name}' not found in BTF", section=sec_name)
        specs: list[tuple[int, int, StructOpsSpec]] = []
        for vi in ds.vars:
            var = btf.type_by_id(vi.type)
            if not isinstance(var, Var):
                raise ParseError(f"{sec_name}: type {vi.type} is not a VAR", section=sec_name)
            st = btf.type_by_id(btf.skip_mods_and_typedefs(var.type))
            if not isinstance(st, Struct):
                raise ParseError(f"struct_ops init: {var.name} is not a struct",
                                 section=sec_name, symbol=var.name)
            members = [_member(btf, st, m_i) for m_i in range(len(st.members))]
            spec = StructOpsSpec(var.name, sec_name, st.name,
                                 bytes(sec.data[vi.offset:vi.offset + vi.size]), members)
            specs.append((vi.offset, vi.size, spec))
            out.append(spec)
        for rel in elf.rels.get(sec.index, []):
            _record_prog(elf, sec_name, specs, rel.r_offset, rel.sym_index, progs)
    return out


def _member(btf: Btf, st: Composite, i: int) -> StructOpsMember:
    m = st.members[i]
    mt = btf.type_by_id(btf.skip_mods_and_typedefs(m.type))
    is_func = isinstance(mt, Ptr) and isinstance(
        btf.type_by_id(btf.skip_mods_and_typedefs(mt.type)), FuncProto)
    return StructOpsMember(m.name, st.bit_offset(m) // 8, btf.resolve_size(m.type), is_func)


def _record_prog(elf: ElfObject, sec_name: str, specs: list[tuple[int, int, StructOpsSpec]],
                 r_offset: int, sym_index: int, progs: list[ProgramSpec]) -> None:
    sym = elf.symbol(sym_index, sec_name)
    if sym.shndx == SHN_UNDEF:
        raise ParseError(f"struct_ops reloc: undefined symbol '{sym.name}'", section=sec_name,
                         offset=r_offset, symbol=sym.name)
    hit = next(((off, s) for off, size, s in specs if off <= r_offset < off + size), None)
    if hit is None:
        raise ParseError(f"struct_ops reloc: cannot find map at rel.r_offset {r_offset}",
                         section=sec_name, offset=r_offset)
    var_off, spec = hit
    moff = r_offset - var_off
    member = next((m for m in spec.members if m.offset == moff), None)
    if member is None or not member.is_func_ptr:
        raise ParseError(f"struct_ops reloc {spec.name}: no function pointer member at "
                         f"offset {moff}", section=sec_name, offset=r_offset)
    insn = sym.st_value // 8
    prog = next((p for p in progs if not p.is_subprog and p.contains(sym.shndx, insn)), None)
    if prog is None or prog.kind.sec_def is None \
            or prog.kind.sec_def.prog_type != BPF_PROG_TYPE_STRUCT_OPS:
        raise ParseError(f"struct_ops reloc {spec.name}: member {member.name} points at "
                         f"'{sym.name}', which is not a struct_ops program", section=sec_name,
                         offset=r_offset, symbol=sym.name)
    member.prog = prog.name


def kernel_layout(spec: StructOpsSpec, target: TypeSource, plan: Plan) -> StructOpsKern | None:
    """``spec`` against the kernel's BTF: ids, value and each program's member index.

    None only under mutation struct_ops.unknown_struct, for a struct the kernel lacks."""
    kname = spec.kernel_name
    kid = next((i for i in target.candidates(kname)
                if isinstance(target.type_by_id(i), Struct)), 0)
    if not kid:
        if not plan.struct_ops_check_struct:
            return None
        raise LoaderError(f"struct_ops init_kern: struct {kname} is not found in kernel BTF",
                          symbol=spec.name, errno=3)  # ESRCH, as libbpf
    kst = target.type_by_id(kid)
    assert isinstance(kst, Struct)
    vname = VALUE_PREFIX + kname
    vid = next((i for i in target.candidates(vname)
                if isinstance(target.type_by_id(i), Struct)), 0)
    vst = target.type_by_id(vid) if vid else None
    data = next((m for m in vst.members if m.name == "data"), None) \
        if isinstance(vst, Struct) else None
    if not isinstance(vst, Struct) or data is None:
        raise LoaderError(f"struct_ops init_kern: struct {vname} (with member data) is not "
                          "found in kernel BTF", symbol=spec.name, errno=524)
    data_off = vst.bit_offset(data) // 8
    value = bytearray(vst.size)
    out = StructOpsKern(spec, kid, vid, vst.size, b"")
    for local_i, m in enumerate(spec.members):
        k_i = next((i for i, km in enumerate(kst.members) if km.name == m.name), -1)
        mdata = spec.data[m.offset:m.offset + m.size]
        if k_i < 0:
            if (m.prog is None and not any(mdata)) or not plan.struct_ops_check_members:
                continue  # a zero member the kernel lacks, or the mutation: skipped
            raise LoaderError(f"struct_ops init_kern {spec.name}: Cannot find member "
                              f"{m.name} in kernel BTF", symbol=spec.name, errno=95)
        km = kst.members[k_i]
        koff = data_off + kst.bit_offset(km) // 8
        if m.is_func_ptr:
            if m.prog is not None:
                out.attach[m.prog] = k_i if plan.struct_ops_kernel_member_index else local_i
            continue
        if len(mdata) != _kernel_size(target, km.type):
            raise LoaderError(f"struct_ops init_kern {spec.name}: size mismatch of member "
                              f"{m.name}", symbol=spec.name, errno=95)
        value[koff:koff + len(mdata)] = mdata
    out.value = bytes(value)
    return out


def _kernel_size(target: TypeSource, type_id: int) -> int:
    for _ in range(32):
        t = target.type_by_id(type_id)
        if isinstance(t, Composite):
            return t.size
        size = getattr(t, "size", None)
        if isinstance(size, int) and t.kind not in (BtfKind.PTR,):
            return size
        if t.kind == BtfKind.PTR:
            return 8
        type_id = int(getattr(t, "type", 0))
    return -1


def adjust_autoload(progs: list[ProgramSpec], specs: list[StructOpsSpec],
                    plan: Plan) -> None:
    """libbpf ``bpf_object_adjust_struct_ops_autoload``: a struct_ops program a map points
    to is loaded (every map is autocreated here), even in ``SEC("?struct_ops/...")``; one no
    map points to keeps its own autoload."""
    referenced = {m.prog for s in specs for m in s.members if m.prog is not None}
    for p in progs:
        if p.name in referenced and plan.struct_ops_autoload:
            p.autoload = True
