"""The one module that calls ``bpf(2)``, through ctypes (``union bpf_attr`` per command).

Every call goes through ``sys_bpf``; the typed wrappers below build the attribute
structure for one command each and raise ``KernelError`` (errno, verifier log) on failure.
Field names follow include/uapi/linux/bpf.h.
"""

from __future__ import annotations

import contextlib
import ctypes
import errno as errno_mod
import os
import struct
from dataclasses import dataclass
from typing import NamedTuple

from refloader.errors import KernelError

c_u32 = ctypes.c_uint32
c_u64 = ctypes.c_uint64

__NR_bpf = 321  # x86_64

BPF_MAP_CREATE = 0
BPF_MAP_LOOKUP_ELEM = 1
BPF_MAP_UPDATE_ELEM = 2
BPF_PROG_LOAD = 5
BPF_OBJ_PIN = 6
BPF_OBJ_GET = 7
BPF_PROG_TEST_RUN = 10
BPF_OBJ_GET_INFO_BY_FD = 15
BPF_BTF_LOAD = 18
BPF_BTF_GET_FD_BY_ID = 19
BPF_MAP_FREEZE = 22
BPF_PROG_BIND_MAP = 35
BPF_OBJ_NAME_LEN = 16

_libc = ctypes.CDLL(None, use_errno=True)
_libc.syscall.restype = ctypes.c_long


class MapCreateAttr(ctypes.Structure):
    """``union bpf_attr`` for BPF_MAP_CREATE."""

    _fields_ = [("map_type", c_u32), ("key_size", c_u32), ("value_size", c_u32),
                ("max_entries", c_u32), ("map_flags", c_u32), ("inner_map_fd", c_u32),
                ("numa_node", c_u32), ("map_name", ctypes.c_char * BPF_OBJ_NAME_LEN),
                ("map_ifindex", c_u32), ("btf_fd", c_u32), ("btf_key_type_id", c_u32),
                ("btf_value_type_id", c_u32), ("btf_vmlinux_value_type_id", c_u32),
                ("map_extra", c_u64)]


class MapElemAttr(ctypes.Structure):
    """``union bpf_attr`` for BPF_MAP_*_ELEM."""

    _fields_ = [("map_fd", c_u32), ("key", c_u64), ("value", c_u64), ("flags", c_u64)]


class MapFreezeAttr(ctypes.Structure):
    """``union bpf_attr`` for BPF_MAP_FREEZE."""

    _fields_ = [("map_fd", c_u32)]


class ProgLoadAttr(ctypes.Structure):
    """``union bpf_attr`` for BPF_PROG_LOAD."""

    _fields_ = [("prog_type", c_u32), ("insn_cnt", c_u32), ("insns", c_u64),
                ("license", c_u64), ("log_level", c_u32), ("log_size", c_u32),
                ("log_buf", c_u64), ("kern_version", c_u32), ("prog_flags", c_u32),
                ("prog_name", ctypes.c_char * BPF_OBJ_NAME_LEN), ("prog_ifindex", c_u32),
                ("expected_attach_type", c_u32), ("prog_btf_fd", c_u32),
                ("func_info_rec_size", c_u32), ("func_info", c_u64), ("func_info_cnt", c_u32),
                ("line_info_rec_size", c_u32), ("line_info", c_u64), ("line_info_cnt", c_u32),
                ("attach_btf_id", c_u32), ("attach_prog_fd", c_u32),
                ("core_relo_cnt", c_u32), ("fd_array", c_u64), ("core_relos", c_u64),
                ("core_relo_rec_size", c_u32), ("log_true_size", c_u32)]


class BtfLoadAttr(ctypes.Structure):
    """``union bpf_attr`` for BPF_BTF_LOAD."""

    _fields_ = [("btf", c_u64), ("btf_log_buf", c_u64), ("btf_size", c_u32),
                ("btf_log_size", c_u32), ("btf_log_level", c_u32),
                ("btf_log_true_size", c_u32)]


class TestRunAttr(ctypes.Structure):
    """``union bpf_attr`` for BPF_PROG_TEST_RUN."""

    __test__ = False  # not a pytest class
    _fields_ = [("prog_fd", c_u32), ("retval", c_u32), ("data_size_in", c_u32),
                ("data_size_out", c_u32), ("data_in", c_u64), ("data_out", c_u64),
                ("repeat", c_u32), ("duration", c_u32), ("ctx_size_in", c_u32),
                ("ctx_size_out", c_u32), ("ctx_in", c_u64), ("ctx_out", c_u64),
                ("flags", c_u32), ("cpu", c_u32), ("batch_size", c_u32)]


class ProgBindMapAttr(ctypes.Structure):
    """``union bpf_attr`` for BPF_PROG_BIND_MAP."""

    _fields_ = [("prog_fd", c_u32), ("map_fd", c_u32), ("flags", c_u32)]


class ObjAttr(ctypes.Structure):
    """``union bpf_attr`` for BPF_OBJ_PIN / BPF_OBJ_GET."""

    _fields_ = [("pathname", c_u64), ("bpf_fd", c_u32), ("file_flags", c_u32)]


class InfoAttr(ctypes.Structure):
    """``union bpf_attr`` for BPF_OBJ_GET_INFO_BY_FD."""

    _fields_ = [("bpf_fd", c_u32), ("info_len", c_u32), ("info", c_u64)]


class BpfMapInfo(ctypes.Structure):
    """``struct bpf_map_info``."""

    _fields_ = [("type", c_u32), ("id", c_u32), ("key_size", c_u32), ("value_size", c_u32),
                ("max_entries", c_u32), ("map_flags", c_u32),
                ("name", ctypes.c_char * BPF_OBJ_NAME_LEN), ("ifindex", c_u32),
                ("btf_vmlinux_value_type_id", c_u32), ("netns_dev", c_u64),
                ("netns_ino", c_u64), ("btf_id", c_u32), ("btf_key_type_id", c_u32),
                ("btf_value_type_id", c_u32), ("btf_vmlinux_id", c_u32), ("map_extra", c_u64)]


class BpfProgInfo(ctypes.Structure):
    """``struct bpf_prog_info``, up to ``map_ids`` (the kernel fills what fits)."""

    _fields_ = [("type", c_u32), ("id", c_u32), ("tag", ctypes.c_uint8 * 8),
                ("jited_prog_len", c_u32), ("xlated_prog_len", c_u32),
                ("jited_prog_insns", c_u64), ("xlated_prog_insns", c_u64),
                ("load_time", c_u64), ("created_by_uid", c_u32), ("nr_map_ids", c_u32),
                ("map_ids", c_u64)]


@dataclass(frozen=True)
class ProgInfo:
    """What the oracle asks of a loaded program: its type, xlated code and map ids."""

    type: int
    xlated: bytes
    map_ids: tuple[int, ...]


def sys_bpf(cmd: int, attr: ctypes.Structure) -> int:
    """The one ``bpf(2)`` call: returns the result or raises OSError(errno)."""
    ret = int(_libc.syscall(__NR_bpf, cmd, ctypes.byref(attr), ctypes.sizeof(attr)))
    if ret < 0:
        e = ctypes.get_errno()
        raise OSError(e, os.strerror(e))
    return ret


def _addr(buf: ctypes.Array[ctypes.c_char] | None) -> int:
    return ctypes.addressof(buf) if buf is not None else 0


def _kerr(what: str, exc: OSError, log: str | None = None, **where: str | int | None
          ) -> KernelError:
    name = errno_mod.errorcode.get(exc.errno or 0, str(exc.errno))
    return KernelError(f"{what}: {name} ({exc.strerror})", exc.errno or 0, log, **where)


def close(fd: int) -> None:
    """Close a bpf object fd (ignoring an already closed one)."""
    with contextlib.suppress(OSError):
        os.close(fd)


@dataclass(frozen=True)
class MapCreate:
    """Arguments of BPF_MAP_CREATE."""

    map_type: int
    key_size: int
    value_size: int
    max_entries: int
    map_flags: int = 0
    name: str = ""
    inner_map_fd: int = 0
    numa_node: int = 0
    btf_fd: int = 0
    btf_key_type_id: int = 0
    btf_value_type_id: int = 0
    map_extra: int = 0


def map_create(a: MapCreate) -> int:
    """BPF_MAP_CREATE; returns the map fd."""
    attr = MapCreateAttr(map_type=a.map_type, key_size=a.key_size, value_size=a.value_size,
                         max_entries=a.max_entries, map_flags=a.map_flags,
                         inner_map_fd=a.inner_map_fd, numa_node=a.numa_node,
                         map_name=a.name.encode()[:BPF_OBJ_NAME_LEN - 1], btf_fd=a.btf_fd,
                         btf_key_type_id=a.btf_key_type_id,
                         btf_value_type_id=a.btf_value_type_id, map_extra=a.map_extra)
    try:
        return sys_bpf(BPF_MAP_CREATE, attr)
    except OSError as exc:
        raise _kerr(f"map '{a.name}': BPF_MAP_CREATE", exc, symbol=a.name) from exc


def map_update_elem(fd: int, key: bytes, value: bytes, flags: int = 0) -> None:
    """BPF_MAP_UPDATE_ELEM."""
    k = ctypes.create_string_buffer(key, len(key))
    v = ctypes.create_string_buffer(value, len(value))
    attr = MapElemAttr(map_fd=fd, key=_addr(k), value=_addr(v), flags=flags)
    try:
        sys_bpf(BPF_MAP_UPDATE_ELEM, attr)
    except OSError as exc:
        raise _kerr("BPF_MAP_UPDATE_ELEM", exc) from exc


def map_lookup_elem(fd: int, key: bytes, value_size: int) -> bytes:
    """BPF_MAP_LOOKUP_ELEM; returns the value bytes."""
    k = ctypes.create_string_buffer(key, len(key))
    v = ctypes.create_string_buffer(value_size)
    attr = MapElemAttr(map_fd=fd, key=_addr(k), value=_addr(v))
    try:
        sys_bpf(BPF_MAP_LOOKUP_ELEM, attr)
    except OSError as exc:
        raise _kerr("BPF_MAP_LOOKUP_ELEM", exc) from exc
    return v.raw


def map_freeze(fd: int) -> None:
    """BPF_MAP_FREEZE: no more writes from user space."""
    try:
        sys_bpf(BPF_MAP_FREEZE, MapFreezeAttr(map_fd=fd))
    except OSError as exc:
        raise _kerr("BPF_MAP_FREEZE", exc) from exc


def prog_bind_map(prog_fd: int, map_fd: int) -> None:
    """BPF_PROG_BIND_MAP: the program holds a reference to the map (used or not)."""
    try:
        sys_bpf(BPF_PROG_BIND_MAP, ProgBindMapAttr(prog_fd=prog_fd, map_fd=map_fd))
    except OSError as exc:
        raise _kerr("BPF_PROG_BIND_MAP", exc) from exc


def btf_load(raw: bytes, log_size: int = 0) -> int:
    """BPF_BTF_LOAD; on failure retries with a log and raises KernelError carrying it."""
    data = ctypes.create_string_buffer(raw, len(raw))
    try:
        return sys_bpf(BPF_BTF_LOAD, BtfLoadAttr(btf=_addr(data), btf_size=len(raw)))
    except OSError as first:
        size = max(log_size, 1 << 20)
        log = ctypes.create_string_buffer(size)
        attr = BtfLoadAttr(btf=_addr(data), btf_size=len(raw), btf_log_buf=_addr(log),
                           btf_log_size=size, btf_log_level=1)
        try:
            return sys_bpf(BPF_BTF_LOAD, attr)
        except OSError as exc:
            raise _kerr("BPF_BTF_LOAD", exc, log.value.decode(errors="replace"),
                        section=".BTF") from first


class ProgLoad(NamedTuple):
    """Arguments of BPF_PROG_LOAD (a NamedTuple: built once per program load, cheaply)."""

    prog_type: int
    insns: bytes
    license: str
    name: str = ""
    expected_attach_type: int = 0
    prog_flags: int = 0
    kern_version: int = 0
    prog_btf_fd: int = 0
    func_info: bytes = b""
    func_info_rec_size: int = 8
    line_info: bytes = b""
    line_info_rec_size: int = 16
    attach_btf_id: int = 0
    section: str = ""
    #: an extension's target program (attach_prog_fd), 0 for none
    attach_prog_fd: int = 0
    #: load without a name (prog_name empty; ``name`` still names it in errors)
    anonymous: bool = False


def _prog_load_attr(a: ProgLoad) -> tuple[ctypes.Array[ctypes.c_char], ProgLoadAttr]:
    """The BPF_PROG_LOAD attr of ``a`` (no log) and the one buffer its pointers point into
    (the caller keeps it alive during the call)."""
    insns, fi, li = a.insns, a.func_info, a.line_info
    # one copy of all the kernel reads: insns, func_info, line_info (whole records of 8 and
    # 16 bytes, each starts aligned), then the license, NUL-terminated by the buffer
    buf = ctypes.create_string_buffer(insns + fi + li + a.license.encode())
    base = ctypes.addressof(buf)
    fi_at = base + len(insns)
    li_at = fi_at + len(fi)
    attr = ProgLoadAttr(  # every field up to attach_btf_id, in order
        a.prog_type, len(insns) // 8, base, li_at + len(li), 0, 0, 0, a.kern_version,
        a.prog_flags, b"" if a.anonymous else a.name.encode()[:BPF_OBJ_NAME_LEN - 1], 0,
        a.expected_attach_type,
        a.prog_btf_fd,
        a.func_info_rec_size if fi else 0, fi_at if fi else 0,
        len(fi) // a.func_info_rec_size if fi else 0,
        a.line_info_rec_size if li else 0, li_at if li else 0,
        len(li) // a.line_info_rec_size if li else 0,
        a.attach_btf_id, a.attach_prog_fd)
    return buf, attr


def prog_load(a: ProgLoad, log_level: int = 0) -> int:
    """BPF_PROG_LOAD; first without a log, then with growing logs to report the failure."""
    keep, attr = _prog_load_attr(a)
    if log_level:
        log = _log(1 << 20)
        attr.log_level, attr.log_buf, attr.log_size = log_level, _addr(log), len(log)
    try:
        return sys_bpf(BPF_PROG_LOAD, attr)
    except OSError as first:
        err: OSError = first
    size = 1 << 20
    text = ""
    while size <= 1 << 26:
        log = _log(size)
        keep, attr = _prog_load_attr(a)  # a fresh attr: the kernel may write fields back
        attr.log_level, attr.log_buf, attr.log_size = max(1, log_level), _addr(log), len(log)
        try:
            return sys_bpf(BPF_PROG_LOAD, attr)  # succeeded with a log: accept it
        except OSError as exc:
            text = log.value.decode(errors="replace")
            if exc.errno != errno_mod.ENOSPC:
                err = exc
                break
            size <<= 2
    del keep
    raise _kerr(f"prog '{a.name}': BPF_PROG_LOAD", err, text or None, section=a.section,
                symbol=a.name) from err


def _log(size: int) -> ctypes.Array[ctypes.c_char]:
    return ctypes.create_string_buffer(size)


@dataclass(frozen=True)
class TestRunResult:
    """What BPF_PROG_TEST_RUN reported."""

    __test__ = False  # not a pytest class
    retval: int
    duration_ns: int
    data_out: bytes


def prog_test_run(fd: int, data_in: bytes, repeat: int = 1,
                  ctx_in: bytes | None = None) -> TestRunResult:
    """BPF_PROG_TEST_RUN with ``data_in``; returns retval (u32), duration, data_out.

    An empty ``data_in`` means no data: data_in and data_out NULL (raw_tp and syscall
    test runs refuse any). ``ctx_in`` (sk_lookup needs a ``struct bpf_sk_lookup``) is
    passed as ctx_in/ctx_size_in; None or empty leaves both 0."""
    din = ctypes.create_string_buffer(data_in, len(data_in))
    dout = ctypes.create_string_buffer(max(len(data_in), 256) + 256 if data_in else 0)
    cin = ctypes.create_string_buffer(ctx_in or b"", len(ctx_in or b""))
    attr = TestRunAttr(prog_fd=fd, data_size_in=len(data_in),
                       data_in=_addr(din) if data_in else 0, data_size_out=len(dout),
                       data_out=_addr(dout) if data_in else 0, repeat=repeat,
                       ctx_size_in=len(cin), ctx_in=_addr(cin) if ctx_in else 0)
    try:
        sys_bpf(BPF_PROG_TEST_RUN, attr)
    except OSError as exc:
        raise _kerr("BPF_PROG_TEST_RUN", exc) from exc
    return TestRunResult(attr.retval, attr.duration, dout.raw[:attr.data_size_out])


def obj_pin(fd: int, path: str) -> None:
    """BPF_OBJ_PIN at ``path`` (on bpffs)."""
    p = ctypes.create_string_buffer(path.encode())
    try:
        sys_bpf(BPF_OBJ_PIN, ObjAttr(pathname=_addr(p), bpf_fd=fd))
    except OSError as exc:
        raise _kerr(f"BPF_OBJ_PIN {path}", exc) from exc


def obj_get(path: str) -> int:
    """BPF_OBJ_GET of a pinned object; returns a new fd."""
    p = ctypes.create_string_buffer(path.encode())
    try:
        return sys_bpf(BPF_OBJ_GET, ObjAttr(pathname=_addr(p)))
    except OSError as exc:
        raise _kerr(f"BPF_OBJ_GET {path}", exc) from exc


def prog_info(fd: int) -> ProgInfo:
    """BPF_OBJ_GET_INFO_BY_FD for a program, twice: the lengths, then the xlated
    instructions and map ids into buffers of those lengths."""
    def get(info: BpfProgInfo) -> None:
        attr = InfoAttr(bpf_fd=fd, info_len=ctypes.sizeof(info), info=ctypes.addressof(info))
        try:
            sys_bpf(BPF_OBJ_GET_INFO_BY_FD, attr)
        except OSError as exc:
            raise _kerr("BPF_OBJ_GET_INFO_BY_FD", exc) from exc

    sizes = BpfProgInfo()
    get(sizes)
    xlen, nmaps = sizes.xlated_prog_len, sizes.nr_map_ids
    xlated = ctypes.create_string_buffer(xlen + 1)
    ids = (c_u32 * (nmaps + 1))()
    info = BpfProgInfo(xlated_prog_len=xlen, xlated_prog_insns=ctypes.addressof(xlated),
                       nr_map_ids=nmaps, map_ids=ctypes.addressof(ids))
    get(info)
    return ProgInfo(info.type, xlated.raw[:xlen], tuple(ids[:nmaps]))


#: offset of ``btf_id`` in ``struct bpf_prog_info`` (after name, ifindex, the gpl bit, the
#: netns ids and the jited ksym/func-len arrays)
_PROG_INFO_BTF_ID = 128


def prog_btf_id(fd: int) -> int:
    """The id of the BTF a loaded program was loaded with (0: none)."""
    buf = ctypes.create_string_buffer(_PROG_INFO_BTF_ID + 4)
    attr = InfoAttr(bpf_fd=fd, info_len=len(buf), info=ctypes.addressof(buf))
    try:
        sys_bpf(BPF_OBJ_GET_INFO_BY_FD, attr)
    except OSError as exc:
        raise _kerr("BPF_OBJ_GET_INFO_BY_FD", exc) from exc
    return int(struct.unpack_from("<I", buf.raw, _PROG_INFO_BTF_ID)[0])


class _GetFdByIdAttr(ctypes.Structure):
    """``union bpf_attr`` for BPF_*_GET_FD_BY_ID."""

    _fields_ = [("id", c_u32), ("next_id", c_u32), ("open_flags", c_u32)]


class _BtfInfo(ctypes.Structure):
    """``struct bpf_btf_info``, up to ``id``."""

    _fields_ = [("btf", c_u64), ("btf_size", c_u32), ("id", c_u32)]


def btf_raw_by_id(btf_id: int) -> bytes:
    """The raw BTF the kernel holds as ``btf_id`` (BPF_BTF_GET_FD_BY_ID, then
    BPF_OBJ_GET_INFO_BY_FD twice: its size, then its bytes)."""
    try:
        fd = sys_bpf(BPF_BTF_GET_FD_BY_ID, _GetFdByIdAttr(id=btf_id))
    except OSError as exc:
        raise _kerr(f"BPF_BTF_GET_FD_BY_ID {btf_id}", exc) from exc
    try:
        info = _BtfInfo()
        attr = InfoAttr(bpf_fd=fd, info_len=ctypes.sizeof(info), info=ctypes.addressof(info))
        sys_bpf(BPF_OBJ_GET_INFO_BY_FD, attr)
        raw = ctypes.create_string_buffer(info.btf_size)
        info = _BtfInfo(btf=ctypes.addressof(raw), btf_size=len(raw))
        attr = InfoAttr(bpf_fd=fd, info_len=ctypes.sizeof(info), info=ctypes.addressof(info))
        sys_bpf(BPF_OBJ_GET_INFO_BY_FD, attr)
        return raw.raw[:info.btf_size]
    except OSError as exc:
        raise _kerr("BPF_OBJ_GET_INFO_BY_FD of a BTF", exc) from exc
    finally:
        close(fd)


def map_info(fd: int) -> BpfMapInfo:
    """BPF_OBJ_GET_INFO_BY_FD for a map."""
    info = BpfMapInfo()
    attr = InfoAttr(bpf_fd=fd, info_len=ctypes.sizeof(info), info=ctypes.addressof(info))
    try:
        sys_bpf(BPF_OBJ_GET_INFO_BY_FD, attr)
    except OSError as exc:
        raise _kerr("BPF_OBJ_GET_INFO_BY_FD", exc) from exc
    return info
