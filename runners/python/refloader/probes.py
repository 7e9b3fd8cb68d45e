"""Kernel feature probes: each one a tiny real ``bpf()`` call (libbpf ``kernel_supports``).

A probe never infers from the kernel version: it loads a minimal BTF blob, creates a map
or loads a two-instruction program and looks at the answer.  ``probe_features`` runs all
of them and returns a ``KernelFeatures`` record for the parsing layer.
"""

from __future__ import annotations

import struct
from collections.abc import Callable

from refloader import syscall as sc
from refloader.btf import (
    BTF_HEADER_LEN,
    BTF_MAGIC,
    BTF_VERSION,
    Btf,
    BtfHeader,
    BtfType,
    Datasec,
    DeclTag,
    Enum64,
    EnumValue,
    Float,
    Func,
    FuncProto,
    Int,
    Ptr,
    StringTable,
    TypeTag,
    Var,
    VarSecinfo,
    Void,
)
from refloader.errors import KernelError
from refloader.sanitize import KernelFeatures

BPF_PROG_TYPE_SOCKET_FILTER = 1
BPF_MAP_TYPE_ARRAY = 2
BPF_F_MMAPABLE = 1 << 10
EXIT_0 = bytes.fromhex("b700000000000000" "9500000000000000")  # r0 = 0; exit


def _btf(*types: BtfType) -> bytes:
    h = BtfHeader(BTF_MAGIC, BTF_VERSION, 0, BTF_HEADER_LEN, 0, 0, 0, 0)
    return Btf(h, [Void("", 0, False), *types], StringTable(b"\0")).marshal()


def _int() -> Int:
    return Int("int", 0, False, 4, 1, 0, 32)


def _btf_ok(raw: bytes) -> bool:
    try:
        fd = sc.btf_load(raw)
    except KernelError:
        return False
    sc.close(fd)
    return True


def _prog_ok(insns: bytes, name: str = "") -> tuple[bool, str]:
    try:
        fd = sc.prog_load(sc.ProgLoad(BPF_PROG_TYPE_SOCKET_FILTER, insns, "GPL", name))
    except KernelError as exc:
        return False, exc.verifier_log or ""
    sc.close(fd)
    return True, ""


def probe_btf() -> bool:
    """BTF_LOAD of one INT."""
    return _btf_ok(_btf(_int()))


def probe_btf_func() -> bool:
    """BTF_KIND_FUNC and FUNC_PROTO."""
    return _btf_ok(_btf(_int(), FuncProto("", 0, False, 1, []), Func("f", 0, False, 2, 0)))


def probe_btf_global_func() -> bool:
    """BTF_FUNC_GLOBAL linkage."""
    return _btf_ok(_btf(_int(), FuncProto("", 0, False, 1, []), Func("f", 0, False, 2, 1)))


def probe_btf_datasec() -> bool:
    """BTF_KIND_VAR and BTF_KIND_DATASEC."""
    return _btf_ok(_btf(_int(), Var("x", 0, False, 1, 1),
                        Datasec(".data", 0, False, 4, [VarSecinfo(2, 0, 4)])))


def probe_btf_qmark_datasec() -> bool:
    """A DATASEC whose name starts with '?'."""
    return _btf_ok(_btf(_int(), Var("x", 0, False, 1, 1),
                        Datasec("?.data", 0, False, 4, [VarSecinfo(2, 0, 4)])))


def probe_btf_float() -> bool:
    """BTF_KIND_FLOAT."""
    return _btf_ok(_btf(Float("float", 0, False, 4)))


def probe_btf_decl_tag() -> bool:
    """BTF_KIND_DECL_TAG."""
    return _btf_ok(_btf(_int(), Var("x", 0, False, 1, 1), DeclTag("tag", 0, False, 2, -1)))


def probe_btf_type_tag() -> bool:
    """BTF_KIND_TYPE_TAG."""
    return _btf_ok(_btf(_int(), TypeTag("tag", 0, False, 1), Ptr("", 0, False, 2)))


def probe_btf_enum64() -> bool:
    """BTF_KIND_ENUM64."""
    return _btf_ok(_btf(Enum64("e", 0, False, 8, [EnumValue("v", 0, 1 << 40)])))


def _array_map(value_size: int, flags: int = 0) -> int | None:
    """A one-slot array map's fd, or None when the kernel refuses it."""
    try:
        return sc.map_create(sc.MapCreate(BPF_MAP_TYPE_ARRAY, 4, value_size, 1, flags))
    except KernelError:
        return None


def probe_global_data() -> bool:
    """An ld_imm64 of a map value (BPF_PSEUDO_MAP_VALUE)."""
    mfd = _array_map(32)
    if mfd is None:
        return False
    try:
        ld = struct.pack("<BBhi", 0x18, (2 << 4) | 1, 0, mfd) + struct.pack("<BBhi", 0, 0, 0, 0)
        st = bytes.fromhex("7a01000000000000")  # *(u64 *)(r1 + 0) = 0
        return _prog_ok(ld + st + EXIT_0)[0]
    finally:
        sc.close(mfd)


def probe_bpf_loop() -> bool:
    """Helper 181 (bpf_loop) is known: a bad call is refused for its arguments, not as
    an unknown function."""
    insns = (bytes.fromhex("b701000000000000" "b702000000000000" "b703000000000000"
                           "b704000000000000") + struct.pack("<BBhi", 0x85, 0, 0, 181)
             + EXIT_0)
    ok, log = _prog_ok(insns)
    return ok or ("invalid func" not in log and "unknown func" not in log)


def probe_mmapable_maps() -> bool:
    """BPF_F_MMAPABLE array maps."""
    fd = _array_map(4, BPF_F_MMAPABLE)
    if fd is None:
        return False
    sc.close(fd)
    return True


def probe_prog_name() -> bool:
    """``prog_name`` in BPF_PROG_LOAD."""
    return _prog_ok(EXIT_0, "probe")[0]


def probe_prog_bind_map() -> bool:
    """BPF_PROG_BIND_MAP of an array map to a loaded program (libbpf probe_prog_bind_map)."""
    mfd = _array_map(4)
    if mfd is None:
        return False
    try:
        pfd = sc.prog_load(sc.ProgLoad(BPF_PROG_TYPE_SOCKET_FILTER, EXIT_0, "GPL"))
    except KernelError:
        sc.close(mfd)
        return False
    try:
        sc.prog_bind_map(pfd, mfd)
        return True
    except KernelError:
        return False
    finally:
        sc.close(pfd)
        sc.close(mfd)


def probe_memcg_account() -> bool:
    """BPF memory is charged to the memory cgroup, not to RLIMIT_MEMLOCK (5.11+): libbpf's
    probe_memcg_account loads a socket filter calling bpf_ktime_get_coarse_ns (helper 160),
    which came in the same release."""
    return _prog_ok(struct.pack("<BBhi", 0x85, 0, 0, 160) + EXIT_0)[0]


PROBES: dict[str, Callable[[], bool]] = {
    "btf": probe_btf,
    "btf_func": probe_btf_func,
    "btf_global_func": probe_btf_global_func,
    "btf_datasec": probe_btf_datasec,
    "btf_float": probe_btf_float,
    "btf_decl_tag": probe_btf_decl_tag,
    "btf_type_tag": probe_btf_type_tag,
    "btf_enum64": probe_btf_enum64,
    "btf_qmark_datasec": probe_btf_qmark_datasec,
    "global_data": probe_global_data,
    "bpf_loop": probe_bpf_loop,
    "mmapable_maps": probe_mmapable_maps,
    "prog_name": probe_prog_name,
    "prog_bind_map": probe_prog_bind_map,
    "memcg_account": probe_memcg_account,
}


def probe_features() -> KernelFeatures:
    """Run every probe against the running kernel."""
    return KernelFeatures(**{name: fn() for name, fn in PROBES.items()})
