"""The behaviour-skip switch: for each catalogue id, the exact mutation the loader performs.

Mutation testing: with ``skip=[id]`` (adapter request field) or ``BPFCONFORM_SKIP=id,...``
(environment), the loader deliberately does NOT perform behaviour ``id`` the way
``suite/catalogue.toml``'s ``mutation`` field says, and every required program testing
``id`` must then fail.  The loader's pipeline consults a ``Plan`` (a record of knobs, all
"correct" by default); each entry of ``MUTATIONS`` is a hook that turns knobs.  An unknown
id is an error, never ignored.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from refloader.errors import LoaderError

BPF_MAP_TYPE_ARRAY = 2
SKIP_ENV = "BPFCONFORM_SKIP"


@dataclass
class Plan:
    """Knobs of the load pipeline; the defaults are what libbpf does."""

    #: data sections (by exact name or prefix rule) whose initial value is not written
    skip_init_of: set[str] = field(default_factory=set)
    #: byte that fills a .bss map's initial value (0: zero-filled)
    bss_fill: int = 0
    freeze_rodata: bool = True
    rodata_rdonly_prog: bool = True
    custom_data_sections: bool = True
    #: references into .data.*/.rodata.*/.bss.* resolved to .data's/.rodata's/.bss's map
    merge_custom_data_sections: bool = False
    all_data_rdonly_prog: bool = False
    data_reloc_use_st_value: bool = True
    data_reloc_keep_addend: bool = True
    #: BTF map definition members to ignore (as if absent)
    map_ignore_members: set[str] = field(default_factory=set)
    #: maps.btf.size: `__uint(key_size/value_size, N)` sized as the pointee int[N] (4N)
    uint_size_as_type: bool = False
    #: maps.btf.type: `__type(key/value, T)` sized with every INT counted in bits
    int_size_in_bits: bool = False
    map_skip_typedefs: bool = True
    map_reloc_by_symbol: bool = True
    check_map_linkage: bool = True
    map_force_type: int | None = None
    map_force_max_entries: int | None = None
    #: round a RINGBUF/USER_RINGBUF max_entries up to a power-of-two number of pages
    adjust_ringbuf_size: bool = True
    fail_on_map_create_error: bool = True
    call_use_st_value: bool = True
    #: .text code that no function symbol covers kept as functions (link.funcs)
    keep_unnamed_code: bool = False
    call_keep_addend: bool = True
    #: a relocation-less call's imm rewritten to the callee's place in the linked image
    patch_relocationless_calls: bool = True
    #: ... also when the callee is already in the image (else only the call bringing it in)
    patch_repeated_calls: bool = True
    #: the imm addend of a function-address ld_imm64 against .text's section symbol
    func_addr_keep_addend: bool = True
    weak_funcs_as_extern: bool = False
    all_funcs_static: bool = False
    mark_hidden_static: bool = True
    poison_unresolved_extern_calls: bool = False
    link_other_sections: bool = False
    read_license: bool = True
    default_license: str = ""
    know_version_section: bool = True
    one_program_per_section: bool = False
    weak_data_as_extern: bool = False
    #: CO-RE records of .text functions applied (calls.subprog_relocs)
    apply_subprog_core_relos: bool = True
    question_mark_autoloads: bool = False
    #: e_ident[EI_DATA] must be ELFDATA2LSB (elf.byte_order)
    check_byte_order: bool = True
    #: .values (values.*): slots filled, at their own index, only with the right kind
    fill_prog_array_slots: bool = True
    fill_map_in_map_slots: bool = True
    slots_keep_index: bool = True
    check_slot_target_kind: bool = True
    reject_nested_inner: bool = True
    #: pinning.*: LIBBPF_PIN_BY_NAME honoured, an existing pin reused and checked
    honour_pinning: bool = True
    reuse_pins: bool = True
    check_pin_compat: bool = True
    reject_pinned_inner: bool = True
    #: legacy.*: the `maps` section read; iproute2's longer bpf_elf_map accepted
    read_legacy_maps: bool = True
    accept_elf_map_fields: bool = True
    #: maps.btf.decl_tag, data.btf.decl_tag: BTF_KIND_DECL_TAG understood (else BTF refused)
    know_btf_decl_tag: bool = True
    #: section name -> another section name whose definition types it (progtype.*)
    sec_misclassify: dict[str, str] = field(default_factory=dict)
    #: extern behaviours refloader.externs.resolve_externs must not perform
    extern_skip: set[str] = field(default_factory=set)
    #: CO-RE behaviours the CO-RE engine (refloader.core) must not perform
    core_skip: set[str] = field(default_factory=set)
    #: maps.perf_event_array.size: a PERF_EVENT_ARRAY without max_entries gets the number of
    #: possible CPUs (False: the highest possible CPU's index, the count without its +1)
    perf_event_array_possible_cpus: bool = True
    #: progtype.sleepable / progtype.xdp.frags: the SEC() definition's SEC_SLEEPABLE and
    #: SEC_XDP_FRAGS become BPF_F_SLEEPABLE and BPF_F_XDP_HAS_FRAGS in prog_flags
    sleepable_flag: bool = True
    #: prog.name: programs get their (cut) name in BPF_PROG_LOAD
    prog_name: bool = True
    #: maps.numa_node / maps.name / maps.btf.ids: what BPF_MAP_CREATE gets beyond the sizes
    map_numa_node: bool = True
    map_name: bool = True
    map_btf_ids: bool = True
    #: maps.internal.flags: global-data maps created BPF_F_MMAPABLE (libbpf map_is_mmapable)
    data_mmapable: bool = True
    xdp_frags_flag: bool = True
    # ---- arena.* (BPF_MAP_TYPE_ARENA and its __arena globals) ----
    #: arena.image: the .addr_space.1 image copied into the mapped ARENA
    copy_arena_image: bool = True
    #: arena.reloc: an __arena global's ld_imm64 gets its symbol offset (False: offset 0)
    arena_reloc_use_st_value: bool = True
    #: arena.map_extra: an ARENA's map_extra passed to BPF_MAP_CREATE and used as the fixed
    #: address of its mapping (False: created with 0, mapped anywhere)
    arena_map_extra: bool = True
    #: arena.map_required: __arena globals without an ARENA map refused (False: .addr_space.1
    #: made an ordinary data map)
    arena_require_map: bool = True
    #: arena.single: a second ARENA map refused (False: created as well)
    arena_single: bool = True
    # ---- end of arena.* ----
    #: exceptions.callback: the `exception_callback:` decl tag's function appended to its
    #: main program (False: not appended, and the tags dropped from the BTF loaded)
    exception_callbacks: bool = True
    #: tracing.*: the tracing families (refloader.attach.family) whose programs the adapter's
    #: attach request leaves unattached; a missing target leaves its program unloaded
    tracing_attach_skip: set[str] = field(default_factory=set)
    tracing_missing_unloaded: bool = False
    #: struct_ops.*: .struct_ops.link read as struct_ops; programs get the member's index in
    #: the kernel struct; referenced programs autoloaded; unknown structs / members refused
    struct_ops_link_section: bool = True
    struct_ops_kernel_member_index: bool = True
    struct_ops_autoload: bool = True
    struct_ops_check_struct: bool = True
    struct_ops_check_members: bool = True
    # `bpfconform new` adds a scaffolded behaviour's knob above this line
    #: ids in effect, for reports
    active: tuple[str, ...] = ()


@dataclass(frozen=True)
class Mutation:
    """One catalogue id's mutation: a sentence and the hook that applies it."""

    id: str
    what: str
    hook: Callable[[Plan], None]


def _set(**knobs: object) -> Callable[[Plan], None]:
    def hook(plan: Plan) -> None:
        for k, v in knobs.items():
            setattr(plan, k, v)
    return hook


def _add(attr: str, *items: str) -> Callable[[Plan], None]:
    def hook(plan: Plan) -> None:
        getattr(plan, attr).update(items)
    return hook


#: where the knobs of each catalogue family are honoured (refloader/<module>): named by
#: the error for an unimplemented mutation and by `bpfconform new` (which reads this table)
HONOURED_IN: dict[str, str] = {
    "calls": "reloc.py", "core": "core.py", "data": "loader.py", "elf": "loader.py",
    "externs": "externs.py", "legacy": "maps_spec.py", "link": "reloc.py",
    "maps": "maps_spec.py", "pinning": "maps_spec.py", "prog": "loader.py",
    "progtype": "programs.py", "values": "loader.py", "exceptions": "exceptions.py",
    "struct_ops": "struct_ops.py",
}


def not_implemented(bid: str) -> str:
    """The error for a behaviour id whose mutation the loader does not perform (yet)."""
    module = HONOURED_IN.get(bid.partition(".")[0], "loader.py")
    return (f"mutation `{bid}` is not implemented: add it in refloader/mutations.py (a Plan "
            f"knob and a MUTATIONS entry) and honour it in refloader/{module}")


def _not_implemented(bid: str) -> Callable[[Plan], None]:
    """The hook `bpfconform new` scaffolds: refuses the skip until the knob is honoured."""
    def hook(plan: Plan) -> None:
        raise LoaderError(not_implemented(bid))
    return hook


def _misclassify(sec: str, as_sec: str) -> Callable[[Plan], None]:
    def hook(plan: Plan) -> None:
        plan.sec_misclassify[sec] = as_sec
    return hook


MUTATIONS: dict[str, Mutation] = {m.id: m for m in (
    Mutation("data.data", ".data map created, initial value not written (reads give 0)",
             _add("skip_init_of", ".data")),
    Mutation("data.rodata", ".rodata map created (RDONLY_PROG, frozen), value not written",
             _add("skip_init_of", ".rodata")),
    Mutation("data.rodata.str", ".rodata.str1.1 map created, string bytes not written",
             _add("skip_init_of", ".rodata.str1.1")),
    Mutation("data.rodata.frozen", ".rodata not frozen before program load",
             _set(freeze_rodata=False)),
    Mutation("data.rodata.readonly", ".rodata created without BPF_F_RDONLY_PROG",
             _set(rodata_rdonly_prog=False)),
    Mutation("data.bss", ".bss value written from a 0xa5-filled buffer", _set(bss_fill=0xA5)),
    # a loader that keys global data by kind (one map per .data/.rodata/.bss, matched by
    # prefix), as loaders did before libbpf#274 gave custom sections their own maps
    Mutation("data.section.custom", "references into .data.*/.rodata.*/.bss.* resolved to "
             "the .data/.rodata/.bss map at the same offset (sections keyed by prefix)",
             _set(merge_custom_data_sections=True)),
    Mutation("data.writable", "every global-data map created BPF_F_RDONLY_PROG",
             _set(all_data_rdonly_prog=True)),
    Mutation("data.reloc.symbol", "st_value ignored in ld_imm64 data relocations",
             _set(data_reloc_use_st_value=False)),
    Mutation("data.reloc.addend", "the addend in the ld_imm64 imm is overwritten, not added",
             _set(data_reloc_keep_addend=False)),
    # BTF_KIND_INT's u32 after the type carries the bit count (BTF_INT_BITS) beside the
    # byte `size`: a loader reading the one for the other sizes a u64 key 64 bytes
    Mutation("maps.btf.type", "`key`/`value` types sized with every INT counted in bits "
             "(BTF_INT_BITS) instead of bytes: larger keys and values",
             _set(int_size_in_bits=True)),
    # `__uint(name, N)` is `int (*name)[N]` and `__type(name, T)` is `T *name`: a loader
    # reading both alike takes sizeof(int[N]) for N
    Mutation("maps.btf.size", "`key_size`/`value_size` (`__uint(.., N)`) sized like a "
             "`__type()`: sizeof(int[N]) = 4N bytes", _set(uint_size_as_type=True)),
    Mutation("maps.btf.typedef", "map definition not resolved through typedefs",
             _set(map_skip_typedefs=False)),
    Mutation("maps.distinct", "map references resolved by section only: first map wins",
             _set(map_reloc_by_symbol=False)),
    Mutation("maps.type", "`type` member ignored: every BTF map is an ARRAY",
             _set(map_force_type=BPF_MAP_TYPE_ARRAY)),
    # the bug maps.distinct and link.maps model too (cilium/ebpf#72's class: a symbol's
    # offset dropped), here seen from the reference itself: it reaches another map
    Mutation("maps.reloc", "an ld_imm64 against a .maps symbol resolved by its section "
             "only: every reference reaches the section's first map",
             _set(map_reloc_by_symbol=False)),
    Mutation("maps.max_entries", "`max_entries` ignored: every BTF map gets 4096",
             _set(map_force_max_entries=4096)),
    Mutation("maps.ringbuf.size", "a ring buffer's max_entries passed as written, not rounded "
             "up to a power-of-two number of pages (aya before the review of aya-rs/aya#629, "
             "cilium/ebpf v0.22.0: the kernel refuses the map)",
             _set(adjust_ringbuf_size=False)),
    Mutation("maps.flags", "`map_flags` ignored: every BTF map gets flags 0",
             _add("map_ignore_members", "map_flags")),
    Mutation("maps.map_extra", "`map_extra` ignored: every BTF map gets map_extra 0",
             _add("map_ignore_members", "map_extra")),
    # cilium/ebpf before v0.17 (collectionLoader.loadMap sets it since) and aya 0.16
    # (aya-obj parse_data_section: BPF_F_RDONLY_PROG or 0) create global-data maps without
    # BPF_F_MMAPABLE: user space cannot mmap them
    Mutation("maps.internal.flags", "global-data maps created without BPF_F_MMAPABLE: .data "
             "and .bss get flags 0, .rodata BPF_F_RDONLY_PROG alone (aya 0.16)",
             _set(data_mmapable=False)),
    Mutation("maps.btf.decl_tag", "BTF_KIND_DECL_TAG unknown: the object's BTF is refused",
             _set(know_btf_decl_tag=False)),
    Mutation("data.btf.decl_tag", "BTF_KIND_DECL_TAG unknown: the object's BTF is refused",
             _set(know_btf_decl_tag=False)),
    Mutation("data.rodata.cst", ".rodata.cst16 map created, merged constants not written",
             _add("skip_init_of", ".rodata.cst16")),
    Mutation("maps.btf.linkage", "the linkage of a .maps variable is not checked",
             _set(check_map_linkage=False)),
    Mutation("maps.create_error", "a map whose BPF_MAP_CREATE fails is dropped, load goes on",
             _set(fail_on_map_create_error=False)),
    Mutation("calls.static", "a call's imm addend dropped for section-symbol calls",
             _set(call_keep_addend=False)),
    Mutation("calls.global", "the callee symbol's st_value ignored in call relocations",
             _set(call_use_st_value=False)),
    # ubpf before PR #802 ("Recompute un-relocated intra-section bpf-to-bpf call targets
    # after link"): the callee of a relocation-less call is linked in, but the call keeps
    # clang's pc-relative imm, computed against the object's .text layout, so it lands
    # wherever the linked image differs from .text (here: the first-use order)
    Mutation("calls.pcrel", "a relocation-less call's callee is appended (first-use order) "
             "but the call keeps clang's imm, relative to .text's layout, not the image's "
             "(ubpf#802)", _set(patch_relocationless_calls=False)),
    # the same bug for one call site only: a loader that rewrites a pc-relative call when it
    # appends the callee and takes a later call to an already-appended callee for done
    Mutation("calls.repeated", "a relocation-less call to a callee already in the image "
             "keeps clang's imm (only the call that brought the callee in is rewritten)",
             _set(patch_repeated_calls=False)),
    # cilium/ebpf#72: the offset of a static function (section symbol + imm) was dropped,
    # so every reference reached the first function of .text
    Mutation("calls.callback", "a function-address ld_imm64's addend dropped: every static "
             "callback resolves to the first function of .text (cilium/ebpf#72)",
             _set(func_addr_keep_addend=False)),
    Mutation("calls.weak", "a relocation against an STB_WEAK function is an unresolved extern",
             _set(weak_funcs_as_extern=True)),
    Mutation("calls.global.linkage", "every BTF FUNC loaded with static linkage",
             _set(all_funcs_static=True)),
    Mutation("calls.hidden", "STV_HIDDEN functions keep BTF_FUNC_GLOBAL linkage",
             _set(mark_hidden_static=False)),
    Mutation("calls.extern.unresolved", "an unresolved extern call is poisoned, not refused",
             _set(poison_unresolved_extern_calls=True)),
    Mutation("calls.other_section", "functions of other executable sections linked as "
             "subprograms (cilium/ebpf)", _set(link_other_sections=True)),
    Mutation("prog.license", "the license section is not read (empty license)",
             _set(read_license=False)),
    Mutation("prog.license.missing", "a missing license section defaults to \"GPL\"",
             _set(default_license="GPL")),
    Mutation("prog.version", "the version section is unknown and fails the open",
             _set(know_version_section=False)),
    # cilium/ebpf before PR #508 made one program of each section; a loader that finds a
    # program's code by its section runs the section's first function for any of its names
    Mutation("prog.multi_per_section", "one program per executable section: every program "
             "of a section loads the section's first function (cilium/ebpf#508)",
             _set(one_program_per_section=True)),
    Mutation("data.weak", "a relocation against an STB_WEAK data symbol is an unresolved "
             "extern", _set(weak_data_as_extern=True)),
    # cilium/ebpf#586 (fixed by #590) and aya#601: the CO-RE records of subprograms that a
    # program includes through a bpf2bpf call were not applied, silently
    Mutation("calls.subprog_relocs", "CO-RE relocations of .text functions are not applied: "
             "a subprogram keeps clang's local offsets (cilium/ebpf#586, aya#601)",
             _set(apply_subprog_core_relos=False)),
    Mutation("prog.autoload", "a SEC(\"?...\") program is autoloaded anyway",
             _set(question_mark_autoloads=True)),
    Mutation("elf.byte_order", "EI_DATA not checked: a big-endian object is read in its own "
             "byte order and its instruction bytes loaded unchanged",
             _set(check_byte_order=False)),
    Mutation("values.prog_array", "PROG_ARRAY .values slots are not filled: every tail call "
             "falls through", _set(fill_prog_array_slots=False)),
    Mutation("values.prog_array.hole", ".values slots filled in initialiser order from slot 0, "
             "ignoring their indices (holes closed up)", _set(slots_keep_index=False)),
    Mutation("values.map_in_map", "ARRAY_OF_MAPS/HASH_OF_MAPS .values slots are not filled: "
             "every outer lookup gives NULL", _set(fill_map_in_map_slots=False)),
    Mutation("values.target", "a .values slot naming the wrong kind of target (a map in a "
             "PROG_ARRAY, a program in a map-in-map) is silently left empty",
             _set(check_slot_target_kind=False)),
    Mutation("values.nesting", "an inner map definition's own `values` member is followed: "
             "the two-level map-in-map is created", _set(reject_nested_inner=False)),
    Mutation("pinning.by_name", "the `pinning` member is ignored: no map is pinned or looked "
             "up under the pin root", _set(honour_pinning=False)),
    Mutation("pinning.reuse", "an existing pin is not reused: a new map is created and "
             "pinned over it", _set(reuse_pins=False)),
    Mutation("pinning.incompatible", "an existing pin is reused without comparing its type, "
             "sizes, max_entries and flags", _set(check_pin_compat=False)),
    Mutation("pinning.inner", "a `pinning` member in an inner map definition is ignored",
             _set(reject_pinned_inner=False)),
    Mutation("legacy.map_def", "the legacy `maps` section is not read (libbpf 1.x): its "
             "maps are unknown and references to them unresolved",
             _set(read_legacy_maps=False)),
    Mutation("legacy.elf_map", "a legacy definition longer than struct bpf_map_def with "
             "non-zero extra fields (iproute2's id, pinning, ...) is refused",
             _set(accept_elf_map_fields=False)),
    *(Mutation(f"progtype.{pid}", f"SEC(\"{sec}\") gets the program type of SEC(\"{as_sec}\")",
               _misclassify(sec, as_sec)) for pid, sec, as_sec in (
        ("socket", "socket", "tc"), ("tc", "tc", "socket"),
        ("classifier", "classifier", "socket"), ("tcx", "tcx/ingress", "socket"),
        # xdp as SCHED_CLS: `tc filter ... bpf obj o sec xdp` (iproute2 types what it loads
        # from its command); xdp_md's data/data_end are then __sk_buff len/pkt_type scalars
        ("xdp", "xdp", "tc"), ("flow_dissector", "flow_dissector", "socket"),
        ("raw_tp", "raw_tp", "socket"), ("syscall", "syscall", "socket"),
        # lwt_xmit as SCHED_CLS: iproute2's tc takes the type from its command, not from the
        # section (lib/bpf_legacy.c bpf_obj_open: `tc filter ... bpf obj o sec lwt_xmit` loads
        # it as SCHED_CLS); lwt_xmit's helpers are all SCHED_CLS's too, so it loads and runs L2
        ("lwt_in", "lwt_in", "tc"), ("lwt_xmit", "lwt_xmit", "tc"),
        ("sk_lookup", "sk_lookup", "socket"),
        # the CGROUP_SKB, LWT_OUT and NETFILTER sections as SCHED_CLS, the type iproute2's tc
        # gives every section it loads (lib/bpf_libbpf.c load_bpf_object:
        # bpf_program__set_type(p, cfg->type)); each program uses only what SCHED_CLS has too,
        # so it loads and its test run shows the type it got (an L2 run, or an sk_buff ctx)
        ("cgroup_skb.ingress", "cgroup_skb/ingress", "tc"),
        ("cgroup_skb.egress", "cgroup_skb/egress", "tc"),
        ("cgroup_skb", "cgroup/skb", "tc"), ("lwt_out", "lwt_out", "tc"),
        ("netfilter", "netfilter", "tc"))),
    Mutation("link.vars", "st_value ignored in data relocations of a linked object",
             _set(data_reloc_use_st_value=False)),
    # a loader that takes .text as one block and drops the callee's st_value: every call
    # reaches .text's first instruction, which after `bpftool gen object` may be the
    # replaced __weak body that has no symbol left (the bug of calls.global, where
    # cilium/ebpf#72 dropped a static function's offset)
    Mutation("link.funcs", "st_value ignored in call relocations of a linked object: every "
             "call runs the code at .text's start, a replaced weak body included",
             _set(call_use_st_value=False, keep_unnamed_code=True)),
    Mutation("link.maps", "map references of a linked object resolved by section only",
             _set(map_reloc_by_symbol=False)),
    *(Mutation(eid, what, _add("extern_skip", eid)) for eid, what in (
        ("externs.kconfig.version", "LINUX_KERNEL_VERSION not written (reads 0)"),
        ("externs.kconfig.syscall_wrapper", "LINUX_HAS_SYSCALL_WRAPPER not written (reads 0)"),
        ("externs.kconfig.bool", "bool CONFIG_ externs not written (read 0)"),
        ("externs.kconfig.tristate", "tristate CONFIG_ externs not written (read TRI_NO)"),
        ("externs.kconfig.int", "integer CONFIG_ externs not written (read 0)"),
        ("externs.kconfig.string", "char[] CONFIG_ externs not written (read \"\")"),
        # a config read with a grep-style prefix match (the first CONFIG_ line whose name
        # starts with the extern's, no '=' boundary: the bug avocado#5399 fixes, "a kernel
        # config's name may contain another kernel config", CONFIG_PREEMPT vs
        # CONFIG_PREEMPT_VOLUNTARY): an option the config lacks reads a longer option's value
        ("externs.kconfig.weak", "a CONFIG_ extern's line found by prefix (no '=' boundary): "
         "a weak option the config lacks reads the value of the first option whose name "
         "starts with it (avocado#5399)"),
        ("externs.kconfig.missing", "a strong kconfig extern without value reads 0"),
        ("externs.ksym.typeless", "typeless ksyms left unresolved (address 0)"),
        ("externs.ksym.typed", "typed ksyms left unresolved (address 0)"),
        ("externs.ksym.percpu", "typed ksyms resolved like typeless ones (kallsyms address)"),
        ("externs.ksym.missing", "a missing strong ksym reads 0 instead of failing the load"),
        # bpftrace#174 (resolve_kname, fixed by bpftrace#195): /proc/kallsyms searched by
        # prefix, `xen_vcpu` resolved to the address of `xen_vcpu_info`, listed first
        ("externs.ksym.weak", "a typeless ksym's kallsyms line found by prefix: a weak "
         "symbol the kernel lacks gets the address of the first symbol whose name starts "
         "with it (bpftrace#174)"),
        ("externs.kfunc", "strong kfunc calls left unresolved (poisoned call)"),
        ("externs.kfunc.weak", "weak kfuncs left unresolved (bpf_ksym_exists false)"),
        ("externs.kfunc.missing", "a missing strong kfunc is poisoned, not refused"),
    )),
    *(Mutation(cid, f"refloader.core does not perform {cid} (see core_skip)",
               _add("core_skip", cid)) for cid in (
        "core.field_byte_offset", "core.field_byte_offset.ldx", "core.field_mem_size",
        "core.field_byte_size", "core.field_exists", "core.field_signed",
        "core.field_lshift_u64", "core.field_rshift_u64", "core.bitfield",
        "core.type_id_local", "core.type_id_target", "core.type_exists", "core.type_size",
        "core.type_matches", "core.enumval_exists", "core.enumval_value", "core.enum64",
        "core.flavour", "core.ambiguous", "core.guarded", "core.poison", "core.modifiers",
        "core.array", "core.array.pointer", "core.subprog.static", "core.subprog.global",
        "core.subprog.callback", "core.vmlinux", "core.not_autoloaded")),
    # oxidebpf#45's fix is `max_possible_index() + 1`: a loader that takes the last number
    # of /sys/devices/system/cpu/possible for the count sizes the array one CPU short
    Mutation("maps.perf_event_array.size", "a PERF_EVENT_ARRAY declared without max_entries "
             "gets the highest possible CPU's index (one short of the number of possible "
             "CPUs; 0, refused by the kernel, on a 1-CPU machine)",
             _set(perf_event_array_possible_cpus=False)),
    # cilium/ebpf before cilium/ebpf#260 ("prog: add Flags to ProgSpec") and aya before
    # aya-rs/aya#545 loaded lsm.s programs without BPF_F_SLEEPABLE. A SYSCALL program
    # without it is refused by the kernel
    # ("Syscall programs can only be sleepable"); a tracing or lsm one loads and runs
    # under rcu_read_lock() (secflags.sleepable.*, lsm.sleepable)
    Mutation("progtype.sleepable", "a sleepable SEC() definition (SEC_SLEEPABLE: syscall, "
             "*.s) is loaded without BPF_F_SLEEPABLE: the kernel refuses a SYSCALL program",
             _set(sleepable_flag=False)),
    Mutation("progtype.xdp.frags", "SEC(\"xdp.frags\") is loaded without BPF_F_XDP_HAS_FRAGS, "
             "as plain SEC(\"xdp\")", _set(xdp_frags_flag=False)),
    # ---- arena.* (BPF_MAP_TYPE_ARENA, the __arena globals of .addr_space.1) ----
    Mutation("arena.image", "the ARENA is created and mapped but the initial image of "
             ".addr_space.1 is not copied into it: every __arena global reads 0 (aya#1680's "
             "first cut and cilium/ebpf v0.22 know no .addr_space.1 at all)",
             _set(copy_arena_image=False)),
    # libbpf fb66fb49 fixed arena relocations resolved through a stale map pointer; the
    # mutation is the simpler wrong answer: a data relocation without the symbol's st_value
    Mutation("arena.reloc", "the symbol offset of an __arena global is dropped: every "
             "reference points at offset 0 of the arena", _set(arena_reloc_use_st_value=False)),
    Mutation("arena.map_extra", "the ARENA's map_extra is not passed to BPF_MAP_CREATE and the "
             "arena is mapped wherever mmap puts it", _set(arena_map_extra=False)),
    # libbpf 8e59f80a: .addr_space.1 relocations with no ARENA map were not checked
    Mutation("arena.map_required", "__arena globals without an ARENA map are not diagnosed: "
             ".addr_space.1 becomes an ordinary global data map", _set(arena_require_map=False)),
    Mutation("arena.single", "a second ARENA map is accepted and created (the first holds "
             "the globals)", _set(arena_single=False)),
    # ---- end of arena.* ----
    Mutation("exceptions.throw.default", "the bpf_throw kfunc call is left unresolved "
             "(poisoned as if missing), like every strong kfunc call",
             _add("extern_skip", "externs.kfunc")),
    # a loader that links sub-programs by calls only and drops decl tags from the BTF it
    # loads (libbpf's sanitisation for kernels without BTF_KIND_DECL_TAG, had libbpf not
    # read the exception_callback: tags before it): the kernel sees no callback
    Mutation("exceptions.callback", "the exception_callback: decl tag is not honoured: the "
             "callback is not appended and the tag is dropped from the BTF loaded, so the "
             "verifier's default callback runs", _set(exception_callbacks=False)),
    *(Mutation(f"tracing.{fam}", f"{fam} programs are loaded (target resolved, attach type "
               "set) but the attach request leaves them unattached: no link, they never run",
               _add("tracing_attach_skip", fam)) for fam in ("fentry", "fexit", "fmod_ret",
                                                             "tp_btf")),
    Mutation("tracing.iter", "iter programs are loaded (target bpf_iter_<name> resolved, "
             "BPF_TRACE_ITER set) but their iterator is never made or read: they never run",
             _add("tracing_attach_skip", "iter")),
    Mutation("tracing.iter.sleepable", "a SEC(\"iter.s/...\") program is loaded without "
             "BPF_F_SLEEPABLE: the kernel runs it inside rcu_read_lock()",
             _set(sleepable_flag=False)),
    # aya before aya-rs/aya#127 ("We also set the program name in the BPF_PROG_LOAD
    # syscall"): programs loaded without a name
    Mutation("maps.numa_node", "BPF_F_NUMA_NODE is masked out of map_flags and numa_node "
             "is not passed (a loader passing a fixed set of flags): NUMA_NO_NODE",
             _set(map_numa_node=False)),
    Mutation("maps.name", "maps are created without a name (map_name empty)",
             _set(map_name=False)),
    # libbpf bpf_object__create_map: "Error in bpf_create_map_xattr: Retrying without BTF"
    Mutation("maps.btf.ids", "maps are created without BTF (btf_fd 0, key and value type "
             "ids 0), as after libbpf's retry without BTF", _set(map_btf_ids=False)),
    Mutation("prog.name", "programs are loaded without a name (prog_name empty)",
             _set(prog_name=False)),
    Mutation("freplace.target.missing", "an extension whose function the target program "
             "does not have is left unloaded and unattached (as if not autoloaded)",
             _set(tracing_missing_unloaded=True)),
    Mutation("freplace.attach", "an extension (freplace) program is loaded against its "
             "target program but never attached: the target keeps its own function",
             _add("tracing_attach_skip", "freplace")),
    Mutation("tracing.target.missing", "a program whose target vmlinux BTF lacks is left "
             "unloaded (as if not autoloaded) and the rest of the object loads",
             _set(tracing_missing_unloaded=True)),
    *(Mutation(f"secflags.sleepable.{kind}", f"a SEC(\"{kind}.s/...\") program (SEC_SLEEPABLE) "
               "is loaded without BPF_F_SLEEPABLE: the trampoline runs it inside "
               "rcu_read_lock()", _set(sleepable_flag=False))
      for kind in ("fentry", "fexit", "fmod_ret")),
    Mutation("lsm.attach", "lsm programs are loaded (hook resolved, BPF_LSM_MAC set) but the "
             "attach request leaves them unattached: no link, they never run",
             _add("tracing_attach_skip", "lsm")),
    Mutation("lsm.ctx.core", "CO-RE field byte offsets are not relocated (as "
             "core.field_byte_offset and its .ldx form): an lsm program's typed argument is "
             "read at local offsets",
             _add("core_skip", "core.field_byte_offset", "core.field_byte_offset.ldx")),
    Mutation("lsm.sleepable", "a SEC(\"lsm.s/...\") program (SEC_SLEEPABLE) is loaded without "
             "BPF_F_SLEEPABLE: the trampoline runs it inside rcu_read_lock()",
             _set(sleepable_flag=False)),
    Mutation("lsm.hook.missing", "an lsm program whose hook vmlinux BTF lacks is left unloaded "
             "(as if not autoloaded) and the rest of the object loads",
             _set(tracing_missing_unloaded=True)),
    # libbpf before "tie struct_ops programs to kernel BTF ids, not to local ids" (1.4)
    Mutation("struct_ops.map", "a struct_ops program's expected_attach_type is its member's "
             "index in the LOCAL struct, not in the kernel's (members matched by position)",
             _set(struct_ops_kernel_member_index=False)),
    Mutation("struct_ops.link", "the .struct_ops.link section is not read as struct_ops: its "
             "map is not created and its programs load without a struct to attach to",
             _set(struct_ops_link_section=False)),
    Mutation("struct_ops.autoload", "a SEC(\"?struct_ops/...\") program a struct_ops map "
             "points to keeps autoload off: it is not loaded", _set(struct_ops_autoload=False)),
    Mutation("struct_ops.unknown_struct", "a struct_ops map of a struct vmlinux BTF lacks is "
             "dropped, with the programs it points to, instead of failing the load",
             _set(struct_ops_check_struct=False)),
    Mutation("struct_ops.missing_member", "a set member the kernel struct lacks is skipped, "
             "its program not loaded, instead of failing the load",
             _set(struct_ops_check_members=False)),
    # `bpfconform new` adds a scaffolded behaviour's entry above this line
)}


def plan_for(skip: Iterable[str], env: bool = True) -> Plan:
    """The plan with every id of ``skip`` (plus ``$BPFCONFORM_SKIP`` if ``env``) applied."""
    ids = [s for s in skip if s]
    if env:
        ids += [s.strip() for s in os.environ.get(SKIP_ENV, "").split(",") if s.strip()]
    plan = Plan()
    unknown = [i for i in ids if i not in MUTATIONS]
    if unknown:
        raise LoaderError("; ".join(not_implemented(i) for i in unknown))
    for i in dict.fromkeys(ids):
        MUTATIONS[i].hook(plan)
    plan.active = tuple(dict.fromkeys(ids))
    return plan
