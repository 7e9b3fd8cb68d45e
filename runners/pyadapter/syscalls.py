"""The kernel calls an adapter makes itself, through libc with ctypes: bpf() for the test
run of what the loader under test loaded (BPF_OBJ_GET or BPF_PROG_GET_FD_BY_ID, then
BPF_PROG_TEST_RUN), and unshare/mount/umount2 for the namespaces an adapter isolates its
loader in (which namespaces, and what is mounted where, is the adapter's)."""

from __future__ import annotations

import ctypes
import errno
import os
import platform
import struct

CLONE_NEWNS = 0x00020000
CLONE_NEWNET = 0x40000000
MS_BIND = 0x1000
MS_REC = 0x4000
MS_PRIVATE = 1 << 18
MNT_DETACH = 2

# include/uapi/linux/bpf.h
BPF_OBJ_GET = 7
BPF_PROG_TEST_RUN = 10
BPF_PROG_GET_FD_BY_ID = 13
SYS_BPF = {"x86_64": 321, "aarch64": 280}
ATTR_SIZE = 128


class Libc:
    """The libc calls: unshare, mount, umount2, syscall(bpf)."""

    def __init__(self) -> None:
        self.libc = ctypes.CDLL(None, use_errno=True)
        self.libc.unshare.argtypes = [ctypes.c_int]
        self.libc.mount.argtypes = [ctypes.c_char_p, ctypes.c_char_p, ctypes.c_char_p,
                                    ctypes.c_ulong, ctypes.c_void_p]
        self.libc.umount2.argtypes = [ctypes.c_char_p, ctypes.c_int]
        self.libc.syscall.restype = ctypes.c_long
        self.sys_bpf = SYS_BPF.get(platform.machine())

    def check(self, rc: int, what: str) -> None:
        """Raise OSError(errno) when `rc` is not 0."""
        if rc != 0:
            err = ctypes.get_errno()
            raise OSError(err, f"{what}: {os.strerror(err)}")

    def unshare(self, flags: int, what: str) -> None:
        """unshare(2); `what` names the call in the error."""
        self.check(self.libc.unshare(flags), what)

    def mount(self, src: str, target: str, fstype: str | None, flags: int,
              what: str | None = None) -> None:
        """mount(2); `what` names the call in the error (default `mount SRC TARGET`)."""
        self.check(self.libc.mount(src.encode(), target.encode(),
                                   fstype.encode() if fstype else None, flags, None),
                   what or f"mount {src} {target}")

    def umount(self, target: str) -> None:
        """umount2(target, MNT_DETACH)."""
        self.check(self.libc.umount2(target.encode(), MNT_DETACH), f"umount {target}")

    def bpf(self, cmd: int, attr: bytes) -> tuple[int, int, bytes]:
        """bpf(cmd, attr): (return value, errno, attr as the kernel left it)."""
        if self.sys_bpf is None:
            raise OSError(errno.ENOSYS, f"no bpf() syscall number for {platform.machine()}")
        buf = ctypes.create_string_buffer(attr.ljust(ATTR_SIZE, b"\0"), ATTR_SIZE)
        ret = int(self.libc.syscall(self.sys_bpf, cmd, buf, ATTR_SIZE))
        return ret, (ctypes.get_errno() if ret < 0 else 0), buf.raw


def obj_get(libc: Libc, path: str) -> tuple[int, int]:
    """BPF_OBJ_GET of a pinned object: (fd, 0), or (negative, errno)."""
    buf = ctypes.create_string_buffer(path.encode())
    fd, err, _ = libc.bpf(BPF_OBJ_GET, struct.pack("<QII", ctypes.addressof(buf), 0, 0))
    return fd, err


def prog_get_fd_by_id(libc: Libc, prog_id: int) -> tuple[int, int]:
    """BPF_PROG_GET_FD_BY_ID: (fd, 0), or (negative, errno)."""
    fd, err, _ = libc.bpf(BPF_PROG_GET_FD_BY_ID, struct.pack("<III", prog_id, 0, 0))
    return fd, err


def prog_test_run(libc: Libc, fd: int, data_in: bytes, ctx_in: bytes | None, repeat: int,
                  out_size: int = 0) -> tuple[int, int, int]:
    """BPF_PROG_TEST_RUN of program `fd`: (return value, errno, the program's retval).

    `out_size` > 0 hands the kernel a data_out buffer of that size (and, with `ctx_in`, a
    ctx_out one), as `bpftool prog run` does; 0 passes none (NULL, size 0).
    """
    ctx = ctx_in or b""
    data = ctypes.create_string_buffer(data_in, len(data_in))
    data_out = ctypes.create_string_buffer(out_size)
    ctx_buf = ctypes.create_string_buffer(ctx, len(ctx))
    ctx_out = ctypes.create_string_buffer(out_size if ctx_in else 0)
    attr = struct.pack(
        "<IIIIQQIIIIQQ", fd, 0, len(data_in), out_size,
        ctypes.addressof(data), ctypes.addressof(data_out) if out_size else 0, repeat, 0,
        len(ctx), out_size if ctx_in else 0,
        ctypes.addressof(ctx_buf) if ctx_in else 0,
        ctypes.addressof(ctx_out) if ctx_in and out_size else 0)
    ret, err, out = libc.bpf(BPF_PROG_TEST_RUN, attr)
    retval: int = struct.unpack_from("<I", out, 4)[0]
    return ret, err, retval
