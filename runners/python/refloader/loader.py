"""The library API: open an object, inspect it, set ``.rodata`` values, load, test-run, close.

``open_object`` only parses (no syscall).  ``BpfObject.load`` then follows libbpf's
``bpf_object_load`` step by step:

1. kernel features (``refloader.probes``, cached per process);
2. CO-RE relocations (``refloader.core``) against vmlinux BTF or ``btf_custom_path``;
3. BTF: hidden global functions marked static, sanitised for the kernel, loaded
   (``BPF_BTF_LOAD``); on failure dropped *and reported* in ``btf_status``;
4. maps: pinned ones reused when compatible (rejected otherwise), the rest created
   (``BPF_MAP_CREATE``), data maps written with the section image (``.bss``: zeros),
   ``.rodata`` frozen, then pinned (``LIBBPF_PIN_BY_NAME``);
5. relocation: sub-programs appended and calls fixed, map/data references patched;
6. every autoloaded program loaded (``BPF_PROG_LOAD``, verifier log on failure);
7. ``.values`` slots of PROG_ARRAY and map-in-map maps filled.

Use as a context manager: every fd is closed on exit.
"""

from __future__ import annotations

import contextlib
import ctypes
import dataclasses
import errno
import mmap
import os
import resource
import struct
from collections.abc import Iterator
from dataclasses import dataclass, field
from operator import attrgetter
from types import TracebackType

from refloader import syscall as sc
from refloader.attach import (
    attach_trace,
    family,
    iter_link,
    prog_func_id,
    read_iter,
    resolve_target,
)
from refloader.btf import Btf, BtfKind, Datasec, Func, Var, fixup_datasecs, index_names
from refloader.btf_ext import BpfCoreReloKind, BtfExt, marshal_func_infos, marshal_line_infos
from refloader.elf import STB_LOCAL, STT_SECTION, ElfObject, read_elf
from refloader.errors import BTFError, KernelError, LoaderError, ParseError, RelocationError
from refloader.exceptions import (
    append_exception_callback,
    drop_exception_callback_tags,
    exception_callback_of,
    text_section_index,
)
from refloader.externs import (
    ExternTable,
    KernelFacts,
    collect_externs,
    kconfig_map,
    resolve_externs,
)
from refloader.maps_spec import (
    BPF_F_MMAPABLE,
    BPF_F_NUMA_NODE,
    BPF_MAP_TYPE_ARENA,
    BPF_MAP_TYPE_ARRAY_OF_MAPS,
    BPF_MAP_TYPE_HASH_OF_MAPS,
    BPF_MAP_TYPE_PROG_ARRAY,
    LIBBPF_PIN_BY_NAME,
    MapSpec,
    attach_arena_data,
    btf_maps,
    data_maps,
    legacy_maps,
)
from refloader.mutations import Plan
from refloader.programs import ProgramSpec, collect_programs
from refloader.reloc import Reloc, RelocKind, apply_data_relos, collect_relos, link_program
from refloader.sanitize import SANITIZE_FEATURES, KernelFeatures, sanitize
from refloader.sections import BpfProgType, SecFlags
from refloader.struct_ops_kern import StructOpsLoad, prepare_struct_ops

BPF_F_SLEEPABLE = 1 << 4
BPF_F_XDP_HAS_FRAGS = 1 << 5
DEFAULT_PIN_ROOT = "/sys/fs/bpf"
VMLINUX_BTF = "/sys/kernel/btf/vmlinux"
_CORE_RELO_KINDS = frozenset(k.value for k in BpfCoreReloKind)
_INSN_OFF = attrgetter("insn_off")
_ALL_FEATURES = KernelFeatures()  # what an object reports before load()
_SEC_ATTACH_BTF = int(SecFlags.SEC_ATTACH_BTF)
_SEC_SLEEPABLE = int(SecFlags.SEC_SLEEPABLE)
_SEC_XDP_FRAGS = int(SecFlags.SEC_XDP_FRAGS)


@dataclass
class LoadedProgram:
    """A program after ``load``: its fd (or -1 when not autoloaded)."""

    spec: ProgramSpec
    fd: int = -1
    insn_cnt: int = 0


#: mmap(2): like MAP_FIXED, but fails (EEXIST) where the range is already mapped
MAP_FIXED_NOREPLACE = 0x100000


def bump_rlimit_memlock() -> None:
    """libbpf bump_rlimit_memlock: on a kernel that charges BPF memory to RLIMIT_MEMLOCK
    (before 5.11, no memcg accounting) raise the limit to infinity, as libbpf 1.x does on its
    first load, so that maps a libbpf user can create (a 16 KiB ring buffer on Debian's
    5.10) are not refused with EPERM. A limit the process may not raise is left as it is."""
    with contextlib.suppress(ValueError, OSError):
        resource.setrlimit(resource.RLIMIT_MEMLOCK,
                           (resource.RLIM_INFINITY, resource.RLIM_INFINITY))


#: BPF_MAP_TYPE_RINGBUF, BPF_MAP_TYPE_USER_RINGBUF: max_entries is the ring's size in bytes
RINGBUF_TYPES = frozenset({27, 31})


def adjust_ringbuf_size(size: int, page: int) -> int:
    """libbpf adjust_ringbuf_sz: the smallest power-of-two number of pages holding `size`
    (a size that already is one, and 0, pass through; an impossible one is left for the
    kernel to refuse)."""
    if size == 0 or (size % page == 0 and ((size // page) & (size // page - 1)) == 0):
        return size
    mul = 1
    while mul * page <= 0xFFFFFFFF:
        if mul * page > size:
            return mul * page
        mul <<= 1
    return size


#: BPF_MAP_TYPE_PERF_EVENT_ARRAY: max_entries 0 means one slot per possible CPU
BPF_MAP_TYPE_PERF_EVENT_ARRAY = 4
POSSIBLE_CPUS = "/sys/devices/system/cpu/possible"


def parse_cpu_list(text: str) -> list[int]:
    """The CPUs of a kernel cpu list (``0-3,5``, as in /sys/devices/system/cpu/possible),
    libbpf parse_cpu_mask_str; ParseError on anything else."""
    cpus: list[int] = []
    for part in text.strip().split(","):
        lo, sep, hi = part.partition("-")
        try:
            first, last = int(lo), int(hi if sep else lo)
        except ValueError:
            raise ParseError(f"bad cpu list {text.strip()!r}") from None
        if last < first:
            raise ParseError(f"bad cpu list {text.strip()!r}")
        cpus.extend(range(first, last + 1))
    return cpus


def perf_event_array_size(cpu_list: str, plan: Plan) -> int:
    """libbpf map_set_def_max_entries: a PERF_EVENT_ARRAY declared with max_entries 0 gets
    libbpf_num_possible_cpus() (the CPUs of /sys/devices/system/cpu/possible, counted)."""
    cpus = parse_cpu_list(cpu_list)
    if not plan.perf_event_array_possible_cpus:  # mutation maps.perf_event_array.size
        return max(cpus)
    return len(cpus)


@dataclass
class BpfObject:
    """An opened object: its parsed parts, and after ``load`` its kernel objects."""

    path: str
    elf: ElfObject
    btf: Btf | None
    ext: BtfExt | None
    programs: list[ProgramSpec]
    maps: list[MapSpec]
    license: str
    kern_version: int
    plan: Plan
    pin_root: str = DEFAULT_PIN_ROOT
    btf_custom_path: str | None = None
    btf_status: str = "none"
    btf_fd: int = -1
    map_fds: list[int] = field(default_factory=list)
    loaded: dict[str, LoadedProgram] = field(default_factory=dict)
    warnings: list[str] = field(default_factory=list)
    _fds: list[int] = field(default_factory=list)
    #: the loaded program an extension (freplace) program of this object targets
    #: (set_attach_target), -1 for none
    attach_prog_fd: int = -1
    #: iterator program name -> its iterator link fd (attach_iter; closed with _fds)
    _iter_links: dict[str, int] = field(default_factory=dict)
    #: the mapped ARENA maps (libbpf map->mmaped): unmapped on close
    _mmaps: list[mmap.mmap] = field(default_factory=list)
    #: ARENAs mapped at their map_extra address: (address, size), munmapped on close
    _fixed_mmaps: list[tuple[int, int]] = field(default_factory=list)
    externs: ExternTable = field(default_factory=ExternTable)
    features: KernelFeatures = _ALL_FEATURES  # frozen: one shared default
    #: struct_ops maps and their programs' attach ids (refloader.struct_ops), at load
    struct_ops: StructOpsLoad = field(default_factory=StructOpsLoad)
    _relos: dict[str, list[Reloc]] = field(default_factory=dict)
    #: vmlinux BTF {(kind, name): id} of FUNCs and TYPEDEFs, read for the first BTF attach
    #: target (refloader.attach)
    _vmlinux_targets: dict[tuple[int, str], int] | None = None
    _state: str = "opened"

    # -- inspection ---------------------------------------------------------------------

    def program(self, name: str) -> ProgramSpec:
        """The entry program (not a sub-program) called ``name``."""
        for p in self.programs:
            if p.name == name and not p.is_subprog:
                return p
        raise LoaderError(f"{self.path}: no program '{name}'", symbol=name,
                          errno=errno.ENOENT)  # as bpf_object__find_program_by_name

    def map(self, name: str) -> MapSpec:
        """The map called ``name``."""
        for m in self.maps:
            if m.name == name:
                return m
        raise LoaderError(f"{self.path}: no map '{name}'", symbol=name)

    def entry_programs(self) -> Iterator[ProgramSpec]:
        """Programs that are not sub-programs."""
        return (p for p in self.programs if not p.is_subprog)

    # -- before load --------------------------------------------------------------------

    def set_global(self, name: str, value: bytes | int) -> None:
        """Set the initial value of global variable ``name`` (e.g. a ``const volatile``
        in ``.rodata``) before ``load``; an int is written little-endian at its size."""
        if self._state != "opened":
            raise LoaderError("set_global after load", symbol=name)
        if self.btf is None:
            raise LoaderError("set_global needs BTF", symbol=name)
        for m in self.maps:
            if m.origin != "data" or not m.btf_value_type_id or m.materialize() is None:
                continue
            assert m.data is not None
            ds = self.btf.type_by_id(m.btf_value_type_id)
            assert isinstance(ds, Datasec)
            for v in ds.vars:
                var = self.btf.type_by_id(v.type)
                if isinstance(var, Var) and var.name == name:
                    raw = value if isinstance(value, bytes) else (
                        value & ((1 << (8 * v.size)) - 1)).to_bytes(v.size, "little")
                    if len(raw) != v.size:
                        raise LoaderError(f"'{name}' is {v.size} bytes, got {len(raw)}",
                                          section=m.section, symbol=name)
                    m.data[v.offset:v.offset + v.size] = raw
                    return
        raise LoaderError(f"no global variable '{name}' in a data section", symbol=name)

    def autoload_only(self, name: str) -> None:
        """Turn autoload off for every entry program but ``name`` (libbpf
        ``bpf_program__set_autoload``, as the kernel's test_loader does per program);
        LoaderError ENOENT when the object has no such program."""
        want = self.program(name)
        for p in self.entry_programs():
            p.autoload = p is want

    # -- load ---------------------------------------------------------------------------

    def load(self, features: KernelFeatures | None = None,
             facts: KernelFacts | None = None) -> None:
        """Create every map and load every autoloaded program (see the module doc).
        ``features``/``facts``: the running kernel's, probed/read when not given."""
        if self._state != "opened":
            raise LoaderError(f"{self.path}: object already loaded")
        self._state = "loading"
        if features is None:
            from refloader.probes import probe_features
            features = probe_features()
        self.features = features
        if not features.memcg_account:
            bump_rlimit_memlock()
        if self.externs.externs:
            if facts is None:
                from refloader.kernel import kernel_facts
                facts = kernel_facts()
            resolve_externs(self.externs, self.maps, facts, self.btf,
                            frozenset(self.plan.extern_skip))
        self._core_relocate()
        self._load_btf(features)
        self._create_maps(features)
        self.struct_ops = prepare_struct_ops(self.elf, self.btf, self.programs, self.plan,
                                             self.btf_fd, VMLINUX_BTF, self._own)
        for p in self.programs:
            if p.is_subprog or not p.autoload:
                self.loaded[p.name] = LoadedProgram(p)
                continue
            try:
                self.loaded[p.name] = self._load_program(p)
            except LoaderError as exc:
                exc.program = p.name  # which program of a whole-object load failed
                raise
        self._init_slots()
        self._state = "loaded"

    def _core_relocate(self) -> None:
        """CO-RE (refloader.core, libbpf bpf_object__relocate_core) before anything else
        touches the instructions; the target is btf_custom_path or vmlinux BTF."""
        kinds = _CORE_RELO_KINDS
        for p in self.programs:
            if not (p.is_subprog or p.autoload or "core.not_autoloaded" in self.plan.core_skip):
                continue  # libbpf: no CO-RE for a program that will not be loaded
            for i, r in enumerate(p.core_relos):
                if r.kind not in kinds:  # libbpf: "unrecognized CO-RE relocation"
                    raise RelocationError(f"prog '{p.name}': relo #{i}: unrecognized CO-RE "
                                          f"relocation kind {r.kind}", section=p.section,
                                          insn=r.insn_off, symbol=p.name)
        if any(p.core_relos for p in self.programs):
            from refloader.core import relocate_programs
            relocate_programs(self, self.btf_custom_path or VMLINUX_BTF)

    def _load_btf(self, f: KernelFeatures) -> None:
        if self.btf is None:
            return
        if not f.btf:
            self.btf_status = "dropped: kernel has no BTF support"
            return
        kern = self.btf  # libbpf marks static functions in the object's own BTF
        if self.plan.all_funcs_static:  # mutation calls.global.linkage
            for _, t in kern:
                if isinstance(t, Func):
                    t.linkage = 0
        for p in self.programs:  # libbpf: __hidden global functions are verified as static
            if p.mark_btf_static and p.is_subprog and self.plan.mark_hidden_static:
                for tid in kern.ids_by_name(p.name, BtfKind.FUNC):
                    t = kern.type_by_id(tid)
                    if isinstance(t, Func):
                        t.linkage = 0
        if not self.plan.exception_callbacks:  # mutation exceptions.callback
            kern = drop_exception_callback_tags(kern)
        done: list[str] = []
        if not all(getattr(f, n) for n in SANITIZE_FEATURES):
            kern = Btf.parse(kern.marshal())  # sanitise a copy, keep the original intact
            done = sanitize(kern, f)
        try:
            self.btf_fd = self._own(sc.btf_load(kern.marshal()))
        except KernelError as exc:
            self.btf_status = f"dropped: BPF_BTF_LOAD failed: {exc.message}"
            self.warnings.append(f"{exc}\n{exc.verifier_log or ''}")
            return
        self.btf_status = f"sanitized: {', '.join(done)}" if done else "loaded"

    def _own(self, fd: int) -> int:
        self._fds.append(fd)
        return fd

    def _create_maps(self, f: KernelFeatures) -> None:
        self.map_fds = [-1] * len(self.maps)
        for i, m in enumerate(self.maps):
            try:
                self.map_fds[i] = self._create_map(m, f)
            except KernelError as exc:
                if self.plan.fail_on_map_create_error:
                    raise
                self.warnings.append(f"map '{m.name}' dropped: {exc}")

    def _create_map(self, m: MapSpec, f: KernelFeatures) -> int:
        pin_path = os.path.join(self.pin_root, m.name) if m.pinning == LIBBPF_PIN_BY_NAME \
            else None
        if pin_path is not None and os.path.exists(pin_path):
            if self.plan.reuse_pins:
                fd = self._own(sc.obj_get(pin_path))
                if self.plan.check_pin_compat:
                    self._check_pin_compatible(m, fd, pin_path)
                return fd
            os.unlink(pin_path)  # mutation pinning.reuse: a new map pinned over it
        fd = self._make_template(m, f)
        if m.map_type == BPF_MAP_TYPE_ARENA:
            self._map_arena(m, fd)
        if m.origin == "data" and (m.data is not None or m.nobits_fill is not None):
            if any(m.section == s for s in self.plan.skip_init_of):
                pass  # mutation: created, value not written
            elif m.data is None and m.nobits_fill == 0:
                pass  # an untouched .bss: a new array map is already all zeros
            else:
                sc.map_update_elem(fd, b"\0\0\0\0", bytes(m.materialize() or b""))
            if m.readonly and self.plan.freeze_rodata:
                sc.map_freeze(fd)
        if pin_path is not None:
            os.makedirs(self.pin_root, exist_ok=True)  # libbpf: make_parent_dir
            sc.obj_pin(fd, pin_path)
        return fd

    def _map_arena(self, m: MapSpec, fd: int) -> None:
        """libbpf bpf_object__create_maps for an ARENA: mmap it at once, max_entries pages
        (bpf_map_mmap_sz), at map_extra when set (MAP_FIXED there; MAP_FIXED_NOREPLACE here,
        so a taken address fails instead of replacing a mapping of this process): the
        mapping fixes the arena's user range, which the verifier needs before any program
        using it loads; then copy the .addr_space.1 image to its start (libbpf 1.4-1.6;
        1.7 places it at the end when the kernel takes a full-range ld_imm64 offset)."""
        size = m.max_entries * mmap.PAGESIZE
        image = m.arena_image or b""
        if len(image) > size:  # libbpf init_arena_map_data: -E2BIG
            raise LoaderError(f"map '{m.name}': declared ARENA map size ({size}) is too small "
                              f"to hold global __arena variables of size {len(image)}",
                              symbol=m.name, errno=errno.E2BIG)
        addr = m.map_extra if self.plan.arena_map_extra else 0  # mutation arena.map_extra
        if addr:
            self._map_arena_fixed(m, fd, addr, size, bytes(image))
            return
        try:
            area = mmap.mmap(fd, size, mmap.MAP_SHARED, mmap.PROT_READ | mmap.PROT_WRITE)
        except OSError as exc:
            raise KernelError(f"map '{m.name}': failed to mmap arena: {exc.strerror}",
                              exc.errno or errno.EINVAL, symbol=m.name) from exc
        self._mmaps.append(area)
        if image and self.plan.copy_arena_image:  # mutation arena.image: not copied
            area[:len(image)] = bytes(image)

    def _map_arena_fixed(self, m: MapSpec, fd: int, addr: int, size: int,
                         image: bytes) -> None:
        """Map an ARENA at its map_extra address (Python's mmap module takes no address)."""
        libc = ctypes.CDLL(None, use_errno=True)
        libc.mmap.restype = ctypes.c_void_p
        libc.mmap.argtypes = [ctypes.c_void_p, ctypes.c_size_t, ctypes.c_int, ctypes.c_int,
                              ctypes.c_int, ctypes.c_long]
        got = libc.mmap(addr, size, mmap.PROT_READ | mmap.PROT_WRITE,
                        mmap.MAP_SHARED | MAP_FIXED_NOREPLACE, fd, 0)
        if got is None or got == ctypes.c_void_p(-1).value:
            err = ctypes.get_errno() or errno.EINVAL
            raise KernelError(f"map '{m.name}': failed to mmap arena at {addr:#x}: "
                              f"{os.strerror(err)}", err, symbol=m.name)
        self._fixed_mmaps.append((int(got), size))
        if got != addr:  # a kernel without MAP_FIXED_NOREPLACE treats it as a hint
            raise KernelError(f"map '{m.name}': arena mapped at {got:#x}, not at its "
                              f"map_extra {addr:#x}", errno.EBUSY, symbol=m.name)
        if image and self.plan.copy_arena_image:  # mutation arena.image: not copied
            ctypes.memmove(addr, image, len(image))

    def _make_template(self, m: MapSpec, f: KernelFeatures) -> int:
        """Create ``m``, first its inner map template (only for the create call: closed
        after, as libbpf does); recursive only under the values.nesting mutation."""
        inner_fd = self._make_template(m.inner, f) if m.inner is not None else 0
        try:
            return self._make_map(m, f, inner_fd)
        finally:
            if inner_fd:
                sc.close(inner_fd)
                self._fds.remove(inner_fd)

    def _make_map(self, m: MapSpec, f: KernelFeatures, inner_fd: int) -> int:
        flags = m.map_flags
        if m.origin == "data" and m.mmapable and f.mmapable_maps \
                and self.plan.data_mmapable:  # mutation maps.internal.flags
            flags |= BPF_F_MMAPABLE
        max_entries = m.max_entries
        if m.map_type in RINGBUF_TYPES and self.plan.adjust_ringbuf_size:
            max_entries = adjust_ringbuf_size(max_entries, os.sysconf("SC_PAGE_SIZE"))
        if m.map_type == BPF_MAP_TYPE_PERF_EVENT_ARRAY and max_entries == 0:
            with open(POSSIBLE_CPUS) as cpu_file:
                max_entries = perf_event_array_size(cpu_file.read(), self.plan)
        extra = m.map_extra
        if m.map_type == BPF_MAP_TYPE_ARENA and not self.plan.arena_map_extra:
            extra = 0  # mutation arena.map_extra
        numa_node = m.numa_node
        if not self.plan.map_numa_node:  # mutation maps.numa_node
            flags &= ~BPF_F_NUMA_NODE
            numa_node = 0
        name = m.name if f.prog_name and self.plan.map_name else ""  # mutation maps.name
        args = sc.MapCreate(m.map_type, m.key_size, m.value_size, max_entries, flags,
                            name, inner_fd, numa_node, map_extra=extra)
        if self.btf_fd >= 0 and (m.btf_key_type_id or m.btf_value_type_id) \
                and self.plan.map_btf_ids:  # mutation maps.btf.ids
            with_btf = sc.MapCreate(**{**args.__dict__, "btf_fd": self.btf_fd,
                                       "btf_key_type_id": m.btf_key_type_id,
                                       "btf_value_type_id": m.btf_value_type_id})
            try:
                return self._own(sc.map_create(with_btf))
            except KernelError as exc:  # libbpf: "Retrying without BTF."
                self.warnings.append(f"map '{m.name}': {exc}; retrying without BTF")
        return self._own(sc.map_create(args))

    def _check_pin_compatible(self, m: MapSpec, fd: int, path: str) -> None:
        info = sc.map_info(fd)
        want = (m.map_type, m.key_size, m.value_size, m.max_entries, m.map_flags)
        got = (info.type, info.key_size, info.value_size, info.max_entries, info.map_flags)
        if want != got:
            raise LoaderError(f"map '{m.name}': pinned map at {path} is incompatible "
                              f"(type, key, value, max_entries, flags) {got} != {want}",
                              symbol=m.name)

    def _load_program(self, p: ProgramSpec) -> LoadedProgram:
        if p.kind.sec_def is None:
            raise LoaderError(f"prog '{p.name}': missing BPF prog type, check ELF section "
                              f"name '{p.section}'", section=p.section, symbol=p.name)
        sd = p.kind.sec_def
        sec_flags = int(sd.flags)  # plain int tests: IntFlag's & is a Python-level call
        attach_btf_id = 0
        if sd.prog_type == BpfProgType.BPF_PROG_TYPE_EXT:  # libbpf libbpf_prepare_prog_load
            ext_target = self._extension_target(p)
            if ext_target is None:
                if self.plan.tracing_missing_unloaded:  # mutation freplace.target.missing
                    self.warnings.append(f"prog '{p.name}': its function is not in the "
                                         "target program: left unloaded (mutation)")
                    return LoadedProgram(p)
                raise LoaderError(f"prog '{p.name}': failed to find BTF ID of "
                                  f"'{p.kind.name.partition('/')[2]}' in the target "
                                  "program's BTF", section=p.section, symbol=p.name,
                                  errno=errno.ESRCH)
            attach_btf_id = ext_target
        elif sec_flags & _SEC_ATTACH_BTF:
            target = resolve_target(sd, p.kind.name, self._vmlinux_id, self.plan)
            if target.btf_id is None:
                if self.plan.tracing_missing_unloaded:  # mutation tracing.target.missing
                    self.warnings.append(f"prog '{p.name}': no target '{target.name}': "
                                         "left unloaded (mutation)")
                    return LoadedProgram(p)
                raise LoaderError(f"prog '{p.name}': failed to find kernel BTF type ID of "
                                  f"'{target.name}' ({target.kind.name})", section=p.section,
                                  symbol=p.name, errno=errno.ESRCH)
            attach_btf_id = target.btf_id
        relos = self._relos_of()
        lp = link_program(p, self.programs, relos, self.plan)
        cb = exception_callback_of(self.btf, self.elf, p, self.programs)
        if cb is not None and self.plan.exception_callbacks:  # exceptions.callback
            append_exception_callback(lp, cb, self.programs, relos, self.plan,
                                      text_section_index(self.programs))
        apply_data_relos(lp, self.map_fds, self.plan, self.externs)
        flags = 0
        if sec_flags & _SEC_SLEEPABLE and self.plan.sleepable_flag:  # progtype.sleepable
            flags |= BPF_F_SLEEPABLE
        if sec_flags & _SEC_XDP_FRAGS and self.plan.xdp_frags_flag:  # progtype.xdp.frags
            flags |= BPF_F_XDP_HAS_FRAGS
        # libbpf: func_info/line_info only when the kernel knows BTF_KIND_FUNC (without it
        # the sanitised BTF has TYPEDEFs where func_info needs FUNCs)
        use_btf = self.btf_fd >= 0 and self.ext is not None and self.features.btf_func
        args = sc.ProgLoad(
            sd.prog_type, bytes(lp.image), self.license, p.name, sd.expected_attach_type,
            flags, self.kern_version, self.btf_fd if use_btf else 0,
            marshal_func_infos(sorted(lp.func_info, key=_INSN_OFF))
            if use_btf else b"",
            8,
            marshal_line_infos(sorted(lp.line_info, key=_INSN_OFF))
            if use_btf else b"",
            16, attach_btf_id, section=p.section,
            attach_prog_fd=self.attach_prog_fd
            if sd.prog_type == BpfProgType.BPF_PROG_TYPE_EXT else 0,
            anonymous=not self.plan.prog_name)  # mutation prog.name
        st_ops = self.struct_ops.attach.get(p.name)
        if st_ops is not None:  # the kernel struct and member it implements
            args = args._replace(attach_btf_id=st_ops[0], expected_attach_type=st_ops[1])
        fd = self._own(sc.prog_load(args))
        if self.features.prog_bind_map:
            self._bind_rodata(p, fd)
        return LoadedProgram(p, fd, len(lp.image) // 8)

    def set_attach_target(self, prog_fd: int) -> None:
        """The loaded program this object's extension (freplace) programs replace a
        function of (libbpf ``bpf_program__set_attach_target(prog, fd, NULL)``: the function
        is the one the section names); before ``load``."""
        self.attach_prog_fd = prog_fd

    def _extension_target(self, p: ProgramSpec) -> int | None:
        """The attach_btf_id of extension ``p``: its section's function in the target
        program's BTF (libbpf ``libbpf_find_prog_btf_id``); None when it has none."""
        _, sep, func = p.kind.name.partition("/")
        if self.attach_prog_fd < 0:
            raise LoaderError(f"prog '{p.name}': an extension needs a target program "
                              "(set_attach_target) to be loaded", section=p.section,
                              symbol=p.name, errno=errno.EINVAL)
        if not sep or not func:
            raise LoaderError(f"prog '{p.name}': section '{p.section}' names no function to "
                              "replace", section=p.section, symbol=p.name, errno=errno.EINVAL)
        return prog_func_id(self.attach_prog_fd, func)

    def _bind_rodata(self, p: ProgramSpec, prog_fd: int) -> None:
        """libbpf (bpf_object_load_prog): every ``.rodata*`` map is bound to every program
        (BPF_PROG_BIND_MAP), used or not, so that tools such as ``bpftool prog show`` find
        the object's read-only data (``bpf_metadata_*``); a failure is only a warning."""
        for i, m in enumerate(self.maps):
            if m.origin != "data" or not m.section.startswith(".rodata") or self.map_fds[i] < 0:
                continue
            try:
                sc.prog_bind_map(prog_fd, self.map_fds[i])
            except KernelError as exc:
                self.warnings.append(f"prog '{p.name}': failed to bind map '{m.name}': {exc}")

    def _vmlinux_id(self, kind: int, name: str) -> int | None:
        if self._vmlinux_targets is None:
            try:
                with open(VMLINUX_BTF, "rb") as f:
                    raw = f.read()
            except OSError as exc:
                raise LoaderError(f"BTF attach targets need vmlinux BTF: {exc}",
                                  errno=exc.errno) from exc
            self._vmlinux_targets = index_names(raw, frozenset({BtfKind.FUNC,
                                                                BtfKind.TYPEDEF}))
        return self._vmlinux_targets.get((kind, name))

    def attach(self, name: str) -> None:
        """Attach loaded tracing program ``name`` to its load-time target (libbpf
        ``bpf_program__attach`` of a SEC_ATTACH_BTF program); the link is closed with the
        object."""
        lp = self.loaded.get(name)
        if lp is None or lp.spec.is_subprog:
            raise LoaderError(f"{self.path}: no program '{name}'", symbol=name,
                              errno=errno.ENOENT)
        sd = lp.spec.kind.sec_def
        if lp.fd < 0 and self.plan.tracing_missing_unloaded and lp.spec.autoload:
            return  # mutation tracing.target.missing: the program left out is not attached
        if lp.fd < 0 or sd is None or not int(sd.flags) & _SEC_ATTACH_BTF:
            raise LoaderError(f"program '{name}' is not a loaded tracing program: cannot "
                              "attach it", section=lp.spec.section, symbol=name,
                              errno=errno.EINVAL)
        if family(sd) in self.plan.tracing_attach_skip:  # mutation tracing.<family>
            return
        self._own(attach_trace(lp.fd, name, sd))

    def attach_iter(self, name: str) -> None:
        """Make the iterator link of loaded ``iter/`` program ``name`` (libbpf
        ``bpf_program__attach_iter``); it is closed with the object."""
        lp = self.loaded.get(name)
        if lp is None or lp.spec.is_subprog:
            raise LoaderError(f"{self.path}: no program '{name}'", symbol=name,
                              errno=errno.ENOENT)
        sd = lp.spec.kind.sec_def
        if lp.fd < 0 and self.plan.tracing_missing_unloaded and lp.spec.autoload:
            return  # mutation tracing.target.missing: the program left out has no iterator
        if lp.fd < 0 or sd is None:
            raise LoaderError(f"program '{name}' is not a loaded iterator program",
                              section=lp.spec.section, symbol=name, errno=errno.EINVAL)
        if "iter" in self.plan.tracing_attach_skip:  # mutation tracing.iter
            return
        self._iter_links[name] = self._own(iter_link(lp.fd, name, sd))

    def read_iter(self, name: str) -> None:
        """Make an iterator of ``name``'s link (``bpf_iter_create``) and read it to its end;
        a no-op when the link was never made (mutation tracing.iter)."""
        link = self._iter_links.get(name)
        if link is None:
            if "iter" in self.plan.tracing_attach_skip or self.plan.tracing_missing_unloaded:
                return  # mutations tracing.iter, tracing.target.missing: nothing to read
            raise LoaderError(f"program '{name}' has no iterator link (attach_iter first)",
                              symbol=name, errno=errno.EINVAL)
        read_iter(link, name)

    def relocations(self) -> dict[str, list[Reloc]]:
        """The recorded relocations of every function, by function name."""
        return self._relos_of()

    def _relos_of(self) -> dict[str, list[Reloc]]:
        if not self._relos:
            self._relos = collect_relos(self.elf, self.programs, self.maps, self.plan,
                                        self.externs)
        return self._relos

    def _init_slots(self) -> None:
        for i, m in enumerate(self.maps):
            if not m.init_slots or self.map_fds[i] < 0:
                continue
            slots = m.init_slots if self.plan.slots_keep_index else [  # mutation
                (n, sym) for n, (_, sym) in enumerate(sorted(m.init_slots))]
            for slot, sym in slots:
                idx = next((j for j, t in enumerate(self.maps) if t.name == sym), -1)
                if m.map_type == BPF_MAP_TYPE_PROG_ARRAY:
                    if not self.plan.fill_prog_array_slots:
                        continue  # mutation values.prog_array
                    lp = self.loaded.get(sym)
                    if lp is None or lp.fd < 0:
                        if idx >= 0 and not self.plan.check_slot_target_kind:
                            continue  # mutation values.target: a map left out silently
                        raise LoaderError(f"map '{m.name}': slot {slot} names '{sym}', which "
                                          "is not a loaded program", symbol=sym)
                    target = lp.fd
                elif m.map_type in (BPF_MAP_TYPE_ARRAY_OF_MAPS, BPF_MAP_TYPE_HASH_OF_MAPS):
                    if not self.plan.fill_map_in_map_slots:
                        continue  # mutation values.map_in_map
                    if idx < 0 or self.map_fds[idx] < 0:
                        if sym in self.loaded and not self.plan.check_slot_target_kind:
                            continue  # mutation values.target: a program left out silently
                        raise LoaderError(f"map '{m.name}': slot {slot} names '{sym}', which "
                                          "is not a map of the object", symbol=sym)
                    target = self.map_fds[idx]
                else:
                    raise LoaderError(f"map '{m.name}': .values on a map of type "
                                      f"{m.map_type}", symbol=m.name)
                sc.map_update_elem(self.map_fds[i], struct.pack("<I", slot),
                                   struct.pack("<I", target))

    # -- run ----------------------------------------------------------------------------

    def test_run(self, name: str, data_in: bytes, repeat: int = 1,
                 ctx_in: bytes | None = None) -> sc.TestRunResult:
        """``BPF_PROG_TEST_RUN`` of loaded program ``name``."""
        lp = self.loaded.get(name)
        if lp is None or lp.spec.is_subprog:
            raise LoaderError(f"{self.path}: no program '{name}'", symbol=name,
                              errno=errno.ENOENT)  # as bpf_object__find_program_by_name
        if lp.fd < 0:
            raise LoaderError(f"program '{name}' was not loaded (not autoloaded)",
                              section=lp.spec.section, symbol=name)
        return sc.prog_test_run(lp.fd, data_in, repeat, ctx_in)

    # -- close --------------------------------------------------------------------------

    def close(self) -> None:
        """Close every fd this object opened (maps, programs, BTF), unmap the arenas."""
        while self._mmaps:
            self._mmaps.pop().close()
        if self._fixed_mmaps:
            libc = ctypes.CDLL(None, use_errno=True)
            libc.munmap.argtypes = [ctypes.c_void_p, ctypes.c_size_t]
            while self._fixed_mmaps:
                libc.munmap(*self._fixed_mmaps.pop())
        while self._fds:
            sc.close(self._fds.pop())
        self._state = "closed"

    def __enter__(self) -> BpfObject:
        return self

    def __exit__(self, et: type[BaseException] | None, ev: BaseException | None,
                 tb: TracebackType | None) -> None:
        self.close()


def open_object(path: str, *, plan: Plan | None = None, pin_root: str | None = None,
                btf_custom_path: str | None = None, raw: bytes | None = None,
                elf_backend: str = "struct") -> BpfObject:
    """Parse ``path`` into a ``BpfObject`` (no syscall): programs, maps, BTF, relocations.
    ``elf_backend``: "struct" (default) or "pyelftools" (see ``refloader.elf``)."""
    plan = plan or Plan()
    elf = read_elf(path, raw, elf_backend, check_byte_order=plan.check_byte_order)
    lic_sec = elf.section_by_name("license")
    license = lic_sec.data.split(b"\0", 1)[0].decode(errors="replace") if lic_sec \
        else plan.default_license
    if not plan.read_license:
        license = ""  # mutation prog.license
    ver_sec = elf.section_by_name("version")
    kern_version = 0
    if ver_sec is not None and not plan.know_version_section:
        raise ParseError(f"{path}: unknown section 'version'", section="version")
    if ver_sec is not None:
        if len(ver_sec.data) != 4:
            raise ParseError(f"{path}: invalid kver section", section="version")
        (kern_version,) = struct.unpack("<I", ver_sec.data)
    btf_problem = ""
    try:
        btf = _read_btf(elf, path)
    except BTFError as exc:
        # libbpf bpf_object__init_btf: fatal only when the object needs BTF
        needs = elf.section_by_name(".maps") is not None or any(
            s.shndx == 0 and s.name and s.bind != STB_LOCAL for s in elf.symbols)
        if needs:
            raise
        btf, btf_problem = None, f"dropped: .BTF unusable: {exc}"
    if btf is not None and not plan.know_btf_decl_tag and any(
            t.kind == BtfKind.DECL_TAG for _, t in btf):  # mutation *.btf.decl_tag
        raise ParseError(f"{path}: .BTF: unknown BTF kind {int(BtfKind.DECL_TAG)}", section=".BTF")
    ext = None
    ext_sec = elf.section_by_name(".BTF.ext")
    if btf is not None and ext_sec is not None:
        try:
            ext = BtfExt.parse(ext_sec.data, btf.strings)
        except BTFError as exc:  # libbpf: "Ignored and continue."
            ext = None
            _ = exc
    progs = collect_programs(elf, ext, plan)
    externs = collect_externs(elf, btf, poison_unresolved=plan.poison_unresolved_extern_calls)
    obj_name = _obj_name(path)
    maps = legacy_maps(elf, plan) + btf_maps(elf, btf, plan) + data_maps(
        elf, btf, obj_name, plan)
    attach_arena_data(elf, maps, plan)
    kcfg = kconfig_map(externs, obj_name)
    if kcfg is not None:
        externs.kconfig_map = len(maps)
        kcfg.btf_value_type_id = (btf.id_by_name(".kconfig", BtfKind.DATASEC) or 0) \
            if btf is not None else 0
        maps.append(kcfg)
    obj = BpfObject(path, elf, btf, ext, progs, maps, license, kern_version, plan,
                    pin_root or DEFAULT_PIN_ROOT, btf_custom_path,
                    btf_problem or ("none" if btf is None else "parsed"), externs=externs)
    obj._relos = collect_relos(elf, progs, maps, plan, externs)
    if not plan.arena_reloc_use_st_value:  # mutation arena.reloc: symbol offsets dropped
        arena = {i for i, m in enumerate(maps) if m.arena_image is not None}
        obj._relos = {name: [dataclasses.replace(r, sym_off=0) if r.map_index in arena
                             and r.kind is RelocKind.RELO_DATA else r for r in relos]
                      for name, relos in obj._relos.items()}
    return obj


def _obj_name(path: str) -> str:
    base = os.path.basename(path)
    return base.split(".", 1)[0]


def _read_btf(elf: ElfObject, path: str) -> Btf | None:
    sec = elf.section_by_name(".BTF")
    if sec is None:
        return None
    btf = Btf.parse(sec.data)

    def section_size(name: str) -> int | None:
        s = elf.section_by_name(name)
        return s.sh_size if s is not None else None

    # libbpf find_elf_var_sym: the first global/weak variable symbol of that name
    # (static variables keep linkage static in BTF and are skipped by fixup_datasecs); the
    # table is built on the first lookup (an object without global variables needs none)
    globals_: dict[str, tuple[int, bool]] | None = None

    def symbol(name: str) -> tuple[int, bool] | None:
        nonlocal globals_
        if globals_ is None:
            globals_ = {}
            for s in elf.symbols:
                if s.name and s.bind != STB_LOCAL and s.type != STT_SECTION:
                    globals_.setdefault(s.name, (s.st_value, s.visibility in (1, 2)))
        return globals_.get(name)

    try:
        fixup_datasecs(btf, section_size, symbol)
    except BTFError as exc:
        raise BTFError(f"{path}: {exc.message}", section=exc.section,
                       symbol=exc.symbol) from exc
    return btf
