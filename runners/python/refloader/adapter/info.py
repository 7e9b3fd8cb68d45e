"""The optional ``info`` reply field (docs/adapter-protocol.md "Info"): what the kernel
holds for the loaded program and the object's maps, read back with BPF_OBJ_GET_INFO_BY_FD."""

from __future__ import annotations

from typing import Any

from refloader import syscall as sc
from refloader.loader import BpfObject


def kernel_info(obj: BpfObject, prog: str) -> dict[str, Any] | None:
    """The optional ``info`` reply field (BPF_OBJ_GET_INFO_BY_FD): the program's type,
    xlated instructions and map ids, and every map of the object; None if not loaded."""
    lp = obj.loaded.get(prog)
    if lp is None or lp.fd < 0:
        return None
    info = sc.prog_info(lp.fd)
    maps = []
    for fd in obj.map_fds:
        if fd >= 0:
            m = sc.map_info(fd)
            maps.append({"id": m.id, "name": m.name.decode(errors="replace"), "type": m.type,
                         "key_size": m.key_size, "value_size": m.value_size,
                         "max_entries": m.max_entries, "map_flags": m.map_flags,
                         "btf_id": m.btf_id})
    return {"prog": {"type": info.type, "xlated": info.xlated.hex(),
                     "map_ids": list(info.map_ids)},
            "maps": maps}
