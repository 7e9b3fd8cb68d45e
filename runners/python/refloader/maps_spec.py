"""Map specifications read from the object: BTF ``.maps``, legacy ``maps``, data sections.

* BTF-defined maps (libbpf ``bpf_object__init_user_btf_maps``/``parse_btf_map_def``): each
  VAR of the ``.maps`` DATASEC is a struct whose members encode the definition:
  ``__uint(name, v)`` is a pointer to an array of ``v`` elements, ``__type(name, T)`` a
  pointer to ``T``, ``__array(values, ...)`` the inner map or program slots.
* legacy ``maps`` section: consecutive ``struct bpf_map_def`` (libbpf < 1.0, aya, cilium).
* data maps (libbpf ``bpf_object__init_internal_map``): one single-entry ARRAY per
  ``.data``, ``.rodata``, ``.bss`` and ``.data.*``/``.rodata.*``/``.bss.*`` section, the
  value being the section image (``.bss``: zeros of the section size).

No syscalls: these are descriptions; ``refloader.loader`` creates the maps.
"""

from __future__ import annotations

import struct
from dataclasses import dataclass, field

from refloader.btf import (
    Array,
    Btf,
    BtfVarLinkage,
    Composite,
    Datasec,
    Enum,
    Enum64,
    Int,
    Ptr,
    Struct,
    Var,
)
from refloader.elf import SHF_ALLOC, SHT_NOBITS, SHT_PROGBITS, ElfObject
from refloader.errors import ParseError
from refloader.mutations import Plan

BPF_MAP_TYPE_ARRAY = 2
BPF_MAP_TYPE_PROG_ARRAY = 3
BPF_MAP_TYPE_ARRAY_OF_MAPS = 12
BPF_MAP_TYPE_HASH_OF_MAPS = 13
BPF_F_RDONLY_PROG = 1 << 7
BPF_F_MMAPABLE = 1 << 10
BPF_F_NUMA_NODE = 1 << 2
LIBBPF_PIN_NONE = 0
LIBBPF_PIN_BY_NAME = 1
BPF_OBJ_NAME_LEN = 16


@dataclass
class MapSpec:
    """Everything needed to create one map (``BPF_MAP_CREATE``) and initialise it."""

    name: str
    map_type: int
    key_size: int
    value_size: int
    max_entries: int
    map_flags: int = 0
    numa_node: int = 0
    map_extra: int = 0
    pinning: int = LIBBPF_PIN_NONE
    btf_key_type_id: int = 0
    btf_value_type_id: int = 0
    #: "btf" (.maps), "legacy" (maps), or "data" (.data/.rodata/.bss and custom ones)
    origin: str = "btf"
    sec_index: int = 0
    sec_offset: int = 0
    #: the ELF section name the map lives in (".maps", ".rodata", ".bss.x", ...)
    section: str = ""
    inner: MapSpec | None = None
    #: initial value of a data map (the section bytes), else None
    data: bytearray | None = None
    #: a SHT_NOBITS section (.bss): its value is this byte repeated (0, or the data.bss
    #: mutation's 0xa5), materialised into ``data`` only when needed
    nobits_fill: int | None = None
    #: data maps of read-only sections are frozen before program load
    readonly: bool = False
    #: libbpf map_is_mmapable: a data map with at least one non-static variable
    mmapable: bool = False
    #: ``.values`` slot initialisers: (slot index, ELF symbol name of a prog or map)
    init_slots: list[tuple[int, str]] = field(default_factory=list)
    #: byte offset of the ``values`` member inside the definition struct
    values_offset: int = 0
    #: an ARENA map's initial image: the bytes of section .addr_space.1 (its `__arena`
    #: globals), copied into the mapped arena after creation; None for other maps
    arena_image: bytearray | None = None
    arena_shndx: int = 0

    def materialize(self) -> bytearray | None:
        """The initial value as bytes (allocating a .bss image on first use), or None."""
        if self.data is None and self.nobits_fill is not None:
            self.data = bytearray([self.nobits_fill]) * self.value_size
        return self.data


def _uint(btf: Btf, type_id: int, what: str) -> int:
    t = btf.type_by_id(btf.skip_mods_and_typedefs(type_id))
    if not isinstance(t, Ptr):
        raise ParseError(f"map attribute '{what}' is not __uint()", section=".maps")
    arr = btf.type_by_id(btf.skip_mods_and_typedefs(t.type))
    if not isinstance(arr, Array):
        raise ParseError(f"map attribute '{what}' is not __uint() (no array)", section=".maps")
    return arr.nelems


def _ulong(btf: Btf, type_id: int, what: str) -> int:
    """libbpf ``get_map_field_long``: ``__uint()`` or ``__ulong()`` (a one-value enum)."""
    t = btf.type_by_id(btf.skip_mods_and_typedefs(type_id))
    if isinstance(t, Enum | Enum64):
        if len(t.values) != 1:
            raise ParseError(f"map attribute '{what}' is an enum without exactly one value",
                             section=".maps")
        return t.values[0].value & 0xFFFFFFFFFFFFFFFF
    return _uint(btf, type_id, what)


def _uint_size(btf: Btf, type_id: int, what: str, plan: Plan) -> int:
    """``__uint(key_size/value_size, N)``: N; mutation maps.btf.size: the size of the
    pointed-to ``int[N]`` (4N bytes), as if the member were a ``__type()``."""
    n = _uint(btf, type_id, what)
    if plan.uint_size_as_type:
        t = btf.type_by_id(btf.skip_mods_and_typedefs(type_id))
        assert isinstance(t, Ptr)  # _uint checked it
        return btf.resolve_size(t.type)
    return n


def _int_bits_size(btf: Btf, type_id: int) -> int:
    """Mutation maps.btf.type: a type's size with every INT sized by its encoding's bit
    count instead of its byte size (through modifiers, typedefs and arrays)."""
    t = btf.type_by_id(btf.skip_mods_and_typedefs(type_id))
    if isinstance(t, Int):
        return t.bits
    if isinstance(t, Array):
        return t.nelems * _int_bits_size(btf, t.type)
    return btf.resolve_size(type_id)


def parse_btf_map_def(btf: Btf, map_name: str, def_type_id: int, *,
                      is_inner: bool = False, plan: Plan | None = None) -> MapSpec:
    """Decode one BTF map definition struct (libbpf ``parse_btf_map_def``)."""
    plan = plan or Plan()
    st = btf.type_by_id(btf.skip_mods_and_typedefs(def_type_id) if plan.map_skip_typedefs
                        else btf.skip_mods(def_type_id))
    if not isinstance(st, Struct):
        raise ParseError(f"map '{map_name}': definition is not a struct", section=".maps",
                         symbol=map_name)
    spec = MapSpec(map_name, 0, 0, 0, 0)
    key_type = value_type = 0
    for m in st.members:
        n = m.name
        if n in plan.map_ignore_members:
            continue  # mutation: behave as if the member were absent
        if n == "type":
            spec.map_type = _uint(btf, m.type, n)
        elif n == "max_entries":
            spec.max_entries = _uint(btf, m.type, n)
        elif n == "map_flags":
            spec.map_flags = _uint(btf, m.type, n)
        elif n == "numa_node":
            spec.numa_node = _uint(btf, m.type, n)
        elif n == "key_size":
            sz = _uint_size(btf, m.type, n, plan)
            if spec.key_size and spec.key_size != sz:
                raise ParseError(f"map '{map_name}': conflicting key size {spec.key_size} != "
                                 f"{sz}", section=".maps", symbol=map_name)
            spec.key_size = sz
        elif n == "value_size":
            sz = _uint_size(btf, m.type, n, plan)
            if spec.value_size and spec.value_size != sz:
                raise ParseError(f"map '{map_name}': conflicting value size "
                                 f"{spec.value_size} != {sz}", section=".maps",
                                 symbol=map_name)
            spec.value_size = sz
        elif n in ("key", "value"):
            p = btf.type_by_id(m.type)
            if not isinstance(p, Ptr):
                raise ParseError(f"map '{map_name}': {n} spec is not a pointer",
                                 section=".maps", symbol=map_name)
            sz = _int_bits_size(btf, p.type) if plan.int_size_in_bits \
                else btf.resolve_size(p.type)
            cur = spec.key_size if n == "key" else spec.value_size
            if cur and cur != sz:
                raise ParseError(f"map '{map_name}': conflicting {n} size {cur} != {sz}",
                                 section=".maps", symbol=map_name)
            if n == "key":
                spec.key_size, key_type = sz, p.type
            else:
                spec.value_size, value_type = sz, p.type
        elif n == "values":
            spec.values_offset = st.bit_offset(m) // 8
            if is_inner and plan.reject_nested_inner:
                raise ParseError(f"map '{map_name}': multi-level inner maps not supported",
                                 section=".maps", symbol=map_name)
            arr = btf.type_by_id(btf.skip_mods(m.type))
            if not isinstance(arr, Array) or arr.nelems != 0:
                raise ParseError(f"map '{map_name}': values spec is not a zero-sized array",
                                 section=".maps", symbol=map_name)
            ptr = btf.type_by_id(btf.skip_mods_and_typedefs(arr.type))
            if not isinstance(ptr, Ptr):
                raise ParseError(f"map '{map_name}': values element is not a pointer",
                                 section=".maps", symbol=map_name)
            target = btf.type_by_id(btf.skip_mods_and_typedefs(ptr.type))
            if spec.map_type == BPF_MAP_TYPE_PROG_ARRAY or not isinstance(target, Composite):
                spec.value_size = 4
            else:
                spec.inner = parse_btf_map_def(btf, f"{map_name}.inner", ptr.type,
                                               is_inner=True, plan=plan)
                spec.value_size = 4
        elif n == "pinning":
            if is_inner and plan.reject_pinned_inner:
                raise ParseError(f"map '{map_name}': inner map can't be pinned",
                                 section=".maps", symbol=map_name)
            spec.pinning = _uint(btf, m.type, n)
            if is_inner or not plan.honour_pinning:  # mutations pinning.inner, .by_name
                spec.pinning = LIBBPF_PIN_NONE
                continue
            if spec.pinning not in (LIBBPF_PIN_NONE, LIBBPF_PIN_BY_NAME):
                raise ParseError(f"map '{map_name}': invalid pinning value {spec.pinning}",
                                 section=".maps", symbol=map_name)
        elif n == "map_extra":
            spec.map_extra = _ulong(btf, m.type, n)
        else:
            raise ParseError(f"map '{map_name}': unknown field '{n}'", section=".maps",
                             symbol=map_name)
    if plan.map_force_type is not None:
        spec.map_type = plan.map_force_type
    if plan.map_force_max_entries is not None:
        spec.max_entries = plan.map_force_max_entries
    if spec.map_type == 0:
        raise ParseError(f"map '{map_name}': map type isn't specified", section=".maps",
                         symbol=map_name)
    spec.btf_key_type_id, spec.btf_value_type_id = key_type, value_type
    return spec


def btf_maps(elf: ElfObject, btf: Btf | None, plan: Plan | None = None) -> list[MapSpec]:
    """Every map defined in ``.maps`` (empty if the object has none)."""
    plan_ = plan or Plan()
    sec = elf.section_by_name(".maps")
    if sec is None:
        return []
    if btf is None:
        raise ParseError("BTF is required for '.maps' map definitions", section=".maps")
    ds_id = btf.id_by_name(".maps")
    ds = btf.type_by_id(ds_id) if ds_id is not None else None
    if not isinstance(ds, Datasec):
        raise ParseError("DATASEC '.maps' not found in BTF", section=".maps")
    specs = []
    for vsi in ds.vars:
        var = btf.type_by_id(vsi.type)
        if not isinstance(var, Var):
            raise ParseError(f"'.maps' holds non-VAR type {vsi.type}", section=".maps")
        allowed = {BtfVarLinkage.BTF_VAR_GLOBAL_ALLOCATED,
                   BtfVarLinkage.BTF_VAR_GLOBAL_EXTERN}
        if not plan_.check_map_linkage:
            allowed.add(BtfVarLinkage.BTF_VAR_STATIC)  # mutation maps.btf.linkage
        if var.linkage not in allowed:
            raise ParseError(f"map '{var.name}': unsupported var linkage {var.linkage}",
                             section=".maps", symbol=var.name)
        if vsi.offset + vsi.size > sec.sh_size:
            raise ParseError(f"map '{var.name}': BTF var outside of section",
                             section=".maps", offset=vsi.offset, symbol=var.name)
        spec = parse_btf_map_def(btf, var.name, var.type, plan=plan)
        spec.origin, spec.section = "btf", ".maps"
        spec.sec_index, spec.sec_offset = sec.index, vsi.offset
        specs.append(spec)
    _collect_init_slots(elf, sec.index, specs)
    return specs


def _collect_init_slots(elf: ElfObject, maps_idx: int, specs: list[MapSpec]) -> None:
    """``.values`` initialisers: relocations in ``.rel.maps`` (libbpf init_map_in_map_slots)."""
    for rel in elf.rels.get(maps_idx, []):
        sym = elf.symbol(rel.sym_index, ".rel.maps")
        owner = None
        for s in specs:  # definitions lie back to back: the last one starting before
            if s.sec_offset <= rel.r_offset and (owner is None
                                                 or s.sec_offset > owner.sec_offset):
                owner = s
        if owner is None:
            raise ParseError(f".maps relocation at {rel.r_offset:#x} outside any map",
                             section=".rel.maps", offset=rel.r_offset, symbol=sym.name)
        slot_off = rel.r_offset - owner.sec_offset - owner.values_offset
        if slot_off < 0 or slot_off % 8:
            raise ParseError(f"map '{owner.name}': bad .values relocation offset",
                             section=".rel.maps", offset=rel.r_offset, symbol=sym.name)
        owner.init_slots.append((slot_off // 8, sym.name))


LEGACY_MAP_DEF = struct.Struct("<IIIII")  # type, key_size, value_size, max_entries, flags
#: iproute2's ``struct bpf_elf_map`` (include/bpf_elf.h) goes on after bpf_map_def's fields
BPF_ELF_MAP_EXTRA = struct.Struct("<IIII")  # id, pinning, inner_id, inner_idx


def legacy_maps(elf: ElfObject, plan: Plan | None = None) -> list[MapSpec]:
    """Maps from a legacy ``maps`` section (``struct bpf_map_def``, one symbol each).

    Definitions may be longer (libbpf < 1.0: the definition size is the section size over
    the number of symbols); iproute2's ``struct bpf_elf_map`` adds ``id``, ``pinning``,
    ``inner_id`` and ``inner_idx``: ``id`` is only a name for iproute2's own map-in-map
    wiring and is ignored, the other three must be 0 (not implemented: refused)."""
    plan = plan or Plan()
    sec = elf.section_by_name("maps")
    if sec is None or not plan.read_legacy_maps:
        return []
    syms = sorted((s for s in elf.symbols if s.shndx == sec.index and s.name
                   and s.type != 3), key=lambda s: s.st_value)
    if not syms:
        raise ParseError("legacy 'maps' section without symbols", section="maps")
    def_size = sec.sh_size // len(syms)
    if def_size < LEGACY_MAP_DEF.size or sec.sh_size % len(syms):
        raise ParseError(f"legacy 'maps': unsupported definition size {def_size}",
                         section="maps")
    specs = []
    for s in syms:
        raw = sec.data[s.st_value:s.st_value + def_size]
        if len(raw) < LEGACY_MAP_DEF.size:
            raise ParseError("legacy map definition truncated", section="maps",
                             offset=s.st_value, symbol=s.name)
        t, ks, vs, me, fl = LEGACY_MAP_DEF.unpack_from(raw, 0)
        extra = raw[LEGACY_MAP_DEF.size:]
        if plan.accept_elf_map_fields and len(extra) >= BPF_ELF_MAP_EXTRA.size:
            _id, pin, inner_id, inner_idx = BPF_ELF_MAP_EXTRA.unpack_from(extra, 0)
            if pin or inner_id or inner_idx:
                raise ParseError(f"legacy map '{s.name}': bpf_elf_map pinning={pin} "
                                 f"inner_id={inner_id} inner_idx={inner_idx} not supported",
                                 section="maps", offset=s.st_value, symbol=s.name)
            extra = extra[BPF_ELF_MAP_EXTRA.size:]
        if any(extra):
            raise ParseError(f"legacy map '{s.name}': unsupported non-zero extra fields",
                             section="maps", offset=s.st_value, symbol=s.name)
        specs.append(MapSpec(s.name, t, ks, vs, me, fl, origin="legacy", section="maps",
                             sec_index=sec.index, sec_offset=s.st_value))
    return specs


BPF_MAP_TYPE_ARENA = 33
#: libbpf ARENA_SEC: where clang puts globals of address space 1 (`__arena`)
ARENA_SEC = ".addr_space.1"


def attach_arena_data(elf: ElfObject, maps: list[MapSpec], plan: Plan | None = None) -> None:
    """libbpf bpf_object__init_user_btf_maps / init_arena_map_data: one ARENA map at most
    per object; the bytes of .addr_space.1 become its initial image; __arena globals without
    an ARENA map are an error."""
    plan = plan or Plan()
    arenas = [m for m in maps if m.map_type == BPF_MAP_TYPE_ARENA and m.origin == "btf"]
    if len(arenas) > 1 and plan.arena_single:  # mutation arena.single: both created
        raise ParseError(f"map '{arenas[1].name}': only single ARENA map is supported (map "
                         f"'{arenas[0].name}' is also ARENA)", section=".maps",
                         symbol=arenas[1].name)
    sec = elf.section_by_name(ARENA_SEC)
    if sec is None or sec.sh_size == 0:
        return
    image = bytearray(sec.data) if sec.sh_type != SHT_NOBITS else bytearray(sec.sh_size)
    if not arenas:
        if plan.arena_require_map:
            raise ParseError(f"elf: sec '{ARENA_SEC}': to use global __arena variables the "
                             "ARENA map should be explicitly declared in SEC(\".maps\")",
                             section=ARENA_SEC)
        # mutation arena.map_required: the section made an ordinary data map (like .data)
        maps.append(MapSpec(ARENA_SEC, BPF_MAP_TYPE_ARRAY, 4, sec.sh_size, 1, origin="data",
                            sec_index=sec.index, section=ARENA_SEC, data=bytearray(image),
                            arena_image=image, arena_shndx=sec.index))
        return
    arenas[0].arena_image = image
    arenas[0].arena_shndx = sec.index


def is_data_section(name: str, custom: bool = True) -> bool:
    """libbpf's SEC_DATA / SEC_RODATA / SEC_BSS name rules (``custom``: ``.data.*`` too)."""
    return name in _DATA_SECS or (custom and name.startswith(_DATA_PREFIXES))


_DATA_SECS = frozenset((".data", ".rodata", ".bss"))
_DATA_PREFIXES = (".data.", ".rodata.", ".bss.")


def internal_map_name(obj_name: str, sec_name: str) -> str:
    """libbpf ``internal_map_name``: ``<obj prefix><.sec>`` within 15 chars, sanitised."""
    keep = max(0, BPF_OBJ_NAME_LEN - len(sec_name) - 1)
    pfx = "" if "." in sec_name[1:] else obj_name[:keep]
    name = (pfx + sec_name)[:BPF_OBJ_NAME_LEN - 1]
    return "".join(c if c.isalnum() or c in "_." else "_" for c in name)


def data_maps(elf: ElfObject, btf: Btf | None, obj_name: str,
              plan: Plan | None = None) -> list[MapSpec]:
    """One data map per non-empty data section, initialised from the section bytes."""
    plan = plan or Plan()
    specs = []
    custom = plan.custom_data_sections
    for sec in elf.loadable_sections():  # SHF_ALLOC is tested below
        name = sec.name  # is_data_section inline: this runs for every candidate section
        if not (name in _DATA_SECS or (custom and name.startswith(_DATA_PREFIXES))) \
                or sec.sh_size == 0:
            continue
        if sec.sh_type not in (SHT_PROGBITS, SHT_NOBITS) or not sec.sh_flags & SHF_ALLOC:
            continue
        bss = sec.sh_type == SHT_NOBITS
        readonly = sec.name.startswith(".rodata")  # libbpf: SEC_RODATA is by name
        rdonly_flag = (readonly and plan.rodata_rdonly_prog) or plan.all_data_rdonly_prog
        ds_id = btf.id_by_name(sec.name) if btf is not None else None
        ds = btf.type_by_id(ds_id) if btf is not None and ds_id is not None else None
        mmapable = False
        if btf is not None and isinstance(ds, Datasec):
            for v in ds.vars:
                vt = btf.type_by_id(v.type)
                if isinstance(vt, Var) and vt.linkage != BtfVarLinkage.BTF_VAR_STATIC:
                    mmapable = True
        spec = MapSpec(
            internal_map_name(obj_name, sec.name), BPF_MAP_TYPE_ARRAY, 4, sec.sh_size, 1,
            BPF_F_RDONLY_PROG if rdonly_flag else 0,
            btf_value_type_id=ds_id if isinstance(ds, Datasec) and ds_id else 0,
            origin="data", sec_index=sec.index, section=sec.name,
            data=None if bss else bytearray(sec.data),
            nobits_fill=plan.bss_fill if bss else None,
            readonly=readonly, mmapable=mmapable)
        specs.append(spec)
    return specs
