"""The kernel's BPF program and map ids, and who holds them, through harness.probes.probes' bpf().

BPF_PROG_GET_NEXT_ID / BPF_MAP_GET_NEXT_ID walk every id; BPF_*_GET_FD_BY_ID plus
BPF_OBJ_GET_INFO_BY_FD give a name; /proc/*/fdinfo (`prog_id:` / `map_id:`) tells which
live process holds an fd on it. No libbpf.
"""

from __future__ import annotations

import contextlib
import ctypes
import os
import struct
from dataclasses import dataclass
from pathlib import Path

from harness.probes.probes import _bpf

# include/uapi/linux/bpf.h
BPF_PROG_GET_NEXT_ID, BPF_MAP_GET_NEXT_ID = 11, 12
BPF_PROG_GET_FD_BY_ID, BPF_MAP_GET_FD_BY_ID, BPF_OBJ_GET_INFO_BY_FD = 13, 14, 15
PROG_INFO_SIZE, MAP_INFO_SIZE = 256, 128
PROG_NAME_AT, MAP_NAME_AT = 64, 24  # offsetof(struct bpf_prog_info/bpf_map_info, name)
PROG_NR_MAP_IDS_AT, PROG_MAP_IDS_AT = 52, 56


@dataclass(frozen=True)
class Snapshot:
    """Every program and map id the kernel holds at one moment."""

    progs: frozenset[int]
    maps: frozenset[int]


def _ids(cmd: int) -> frozenset[int]:
    out, cur = set(), 0
    while True:
        attr = ctypes.create_string_buffer(128)
        struct.pack_into("<I", attr, 0, cur)
        ret, _err = _bpf(cmd, attr)
        if ret < 0:
            return frozenset(out)
        cur = struct.unpack_from("<I", attr, 4)[0]
        out.add(cur)


def snapshot() -> Snapshot:
    """The current id lists."""
    return Snapshot(_ids(BPF_PROG_GET_NEXT_ID), _ids(BPF_MAP_GET_NEXT_ID))


def _info(get_fd: int, obj_id: int, size: int) -> tuple[int, bytes] | None:
    attr = ctypes.create_string_buffer(128)
    struct.pack_into("<I", attr, 0, obj_id)
    fd, _err = _bpf(get_fd, attr)
    if fd < 0:
        return None  # gone meanwhile
    try:
        info = ctypes.create_string_buffer(size)
        attr = ctypes.create_string_buffer(128)
        struct.pack_into("<IIQ", attr, 0, fd, size, ctypes.addressof(info))
        ret, _err = _bpf(BPF_OBJ_GET_INFO_BY_FD, attr)
        return (fd, info.raw) if ret == 0 else None
    finally:
        os.close(fd)


def prog_name(prog_id: int) -> str | None:
    """The program's name, or None when it no longer exists."""
    got = _info(BPF_PROG_GET_FD_BY_ID, prog_id, PROG_INFO_SIZE)
    return None if got is None else _cstr(got[1][PROG_NAME_AT:PROG_NAME_AT + 16])


def map_name(map_id: int) -> str | None:
    """The map's name, or None when it no longer exists."""
    got = _info(BPF_MAP_GET_FD_BY_ID, map_id, MAP_INFO_SIZE)
    return None if got is None else _cstr(got[1][MAP_NAME_AT:MAP_NAME_AT + 16])


def _cstr(raw: bytes) -> str:
    return raw.split(b"\0", 1)[0].decode(errors="replace")


def held_ids() -> tuple[set[int], set[int]]:
    """(prog ids, map ids) some live process holds an fd on (from /proc/*/fdinfo)."""
    progs: set[int] = set()
    maps: set[int] = set()
    for fdinfo in Path("/proc").glob("[0-9]*/fdinfo/*"):
        with contextlib.suppress(OSError):
            text = fdinfo.read_text()
            for line in text.splitlines():
                if line.startswith("prog_id:"):
                    progs.add(int(line.split()[1]))
                elif line.startswith("map_id:"):
                    maps.add(int(line.split()[1]))
    return progs, maps


def processes_with_env(token: str) -> list[int]:
    """Pids of live processes whose environment contains `token`."""
    needle = token.encode()
    pids = []
    for env in Path("/proc").glob("[0-9]*/environ"):
        with contextlib.suppress(OSError):
            if needle in env.read_bytes():
                pids.append(int(env.parent.name))
    return pids
