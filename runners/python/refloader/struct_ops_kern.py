"""struct_ops maps in the kernel: resolve each against vmlinux BTF and create it (libbpf
``bpf_object__init_kern_struct_ops_maps``, ``bpf_object__create_map`` with
``btf_vmlinux_value_type_id``). The map's value (the program fds) is written only when the
map is attached (``bpf_map__attach_struct_ops``), as libbpf does: a load creates it empty.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from refloader import syscall as sc
from refloader.btf import Btf
from refloader.core.target import load_target
from refloader.elf import ElfObject
from refloader.errors import KernelError
from refloader.mutations import Plan
from refloader.programs import ProgramSpec
from refloader.struct_ops import (
    BPF_F_LINK,
    BPF_MAP_TYPE_STRUCT_OPS,
    StructOpsKern,
    adjust_autoload,
    collect_struct_ops,
    kernel_layout,
)


@dataclass
class StructOpsLoad:
    """What the program loads need: program name -> (attach_btf_id, expected_attach_type)."""

    attach: dict[str, tuple[int, int]] = field(default_factory=dict)
    maps: list[StructOpsKern] = field(default_factory=list)


def prepare_struct_ops(elf: ElfObject, btf: Btf | None, progs: list[ProgramSpec], plan: Plan,
                       btf_fd: int, vmlinux: str, own: Callable[[int], int]) -> StructOpsLoad:
    """Resolve and create every struct_ops map; adjust the autoload of their programs."""
    out = StructOpsLoad()
    specs = collect_struct_ops(elf, btf, progs, plan)
    if not specs:
        return out
    target = load_target(vmlinux)
    kept: set[str] = set()
    for spec in specs:
        kern = kernel_layout(spec, target, plan)
        if kern is None:
            continue  # mutation struct_ops.unknown_struct: the map and its programs dropped
        out.maps.append(kern)
        for prog, member in kern.attach.items():
            out.attach[prog] = (kern.type_id, member)
            kept.add(prog)
        name = spec.name
        attr = sc.MapCreateAttr(
            map_type=BPF_MAP_TYPE_STRUCT_OPS, key_size=4, value_size=kern.value_size,
            max_entries=1, map_flags=BPF_F_LINK if spec.link else 0,
            map_name=name.encode()[:sc.BPF_OBJ_NAME_LEN - 1],
            btf_fd=max(btf_fd, 0), btf_vmlinux_value_type_id=kern.value_type_id)
        try:
            own(sc.sys_bpf(sc.BPF_MAP_CREATE, attr))
        except OSError as exc:
            raise KernelError(f"map '{name}': BPF_MAP_CREATE: {exc.strerror}", exc.errno or 0,
                              symbol=name) from exc
    adjust_autoload(progs, specs, plan)
    for spec in specs:  # the mutations' dropped maps and members: their programs unloaded
        for m in spec.members:
            if m.prog is not None and m.prog not in kept:
                next(p for p in progs if p.name == m.prog).autoload = False
    return out
