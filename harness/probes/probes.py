"""Kernel feature probes named by `.conform`'s `requires` key, through a tiny ctypes bpf().

A program is SKIPped only by a probe that ran and recorded why the feature is absent; every
probe result goes into the report. The harness needs no libbpf for this: each probe loads
(and maybe test-runs) a few hand-assembled instructions, the way libbpf's
`libbpf_probe_bpf_helper` does.
"""

from __future__ import annotations

import ctypes
import errno
import mmap
import os
import platform
import struct
from collections.abc import Callable, Iterable
from dataclasses import dataclass

# include/uapi/linux/bpf.h
BPF_PROG_LOAD = 5
BPF_PROG_TEST_RUN = 10
BPF_PROG_TYPE_SOCKET_FILTER = 1
BPF_FUNC_get_current_task = 35
BPF_FUNC_probe_read_kernel = 113
BPF_FUNC_per_cpu_ptr = 153
BPF_FUNC_snprintf = 165
BPF_FUNC_for_each_map_elem = 164
BPF_FUNC_loop = 181
BPF_FUNC_map_lookup_percpu_elem = 195
BPF_FUNC_timer_init = 169
BPF_ADD = 0x00
BPF_FETCH = 0x01
BPF_XCHG = 0xE0 | BPF_FETCH
BPF_CMPXCHG = 0xF0 | BPF_FETCH
_SYS_bpf = {"x86_64": 321, "aarch64": 280}
_ATTR_SIZE = 128
_MOV64_R0_0 = struct.pack("<BBhi", 0xB7, 0, 0, 0)
_EXIT = struct.pack("<BBhi", 0x95, 0, 0, 0)


def _call(helper: int) -> bytes:
    return struct.pack("<BBhi", 0x85, 0, 0, helper)


@dataclass(frozen=True)
class ProbeResult:
    """Whether a kernel feature is present, and why not when it is not.

    `error` is set when the probe could not decide (bpf() denied, an unexpected errno, an
    unreadable file that must exist): its items are ERROR, never SKIP, since "absent" would
    be a guess.
    """

    name: str
    ok: bool
    reason: str
    error: bool = False

    @property
    def state(self) -> str:
        """`present`, `absent` or `error`."""
        return "present" if self.ok else "error" if self.error else "absent"


#: errnos that say nothing about a feature, only that the probe could not ask: privileges,
#: resources, a missing bpf(). Any other refusal (EINVAL, E2BIG, EOPNOTSUPP...) is "absent".
UNDECIDED_ERRNOS = frozenset({errno.EPERM, errno.EACCES, errno.ENOMEM, errno.EFAULT,
                              errno.EBADF, errno.EMFILE, errno.ENFILE, errno.ENOSYS})


def failed(name: str, what: str, err: int) -> ProbeResult:
    """A probe whose bpf() call failed with `err`: absent, or error for an errno that cannot
    tell (UNDECIDED_ERRNOS)."""
    return ProbeResult(name, False, f"{what}: {os.strerror(err)}",
                       error=err in UNDECIDED_ERRNOS)


def _bpf(cmd: int, attr: ctypes.Array[ctypes.c_char]) -> tuple[int, int]:
    nr = _SYS_bpf.get(platform.machine())
    if nr is None:
        return -1, 38  # ENOSYS
    libc = ctypes.CDLL(None, use_errno=True)
    ret = int(libc.syscall(nr, cmd, attr, _ATTR_SIZE))
    return ret, (ctypes.get_errno() if ret < 0 else 0)


def _prog_load(insns: bytes, log: ctypes.Array[ctypes.c_char]) -> tuple[int, int]:
    insn_buf = ctypes.create_string_buffer(insns, len(insns))
    license_buf = ctypes.create_string_buffer(b"GPL")
    attr = ctypes.create_string_buffer(_ATTR_SIZE)
    struct.pack_into(
        "<IIQQIIQ", attr, 0, BPF_PROG_TYPE_SOCKET_FILTER, len(insns) // 8,
        ctypes.addressof(insn_buf), ctypes.addressof(license_buf), 1, len(log),
        ctypes.addressof(log),
    )
    return _bpf(BPF_PROG_LOAD, attr)


def _verifier_lines(text: str) -> list[str]:
    """A verifier log's lines without the blank ones and its closing statistics."""
    return [ln for ln in text.splitlines()
            if ln.strip() and not ln.startswith(("processed ", "verification time"))]


def _test_run_64(fd: int) -> tuple[int, int, int]:
    """BPF_PROG_TEST_RUN of program `fd` once with 64 zero bytes: (ret, errno, retval)."""
    data = ctypes.create_string_buffer(64)
    attr = ctypes.create_string_buffer(_ATTR_SIZE)
    struct.pack_into("<IIIIQQI", attr, 0, fd, 0, 64, 0, ctypes.addressof(data), 0, 1)
    ret, err = _bpf(BPF_PROG_TEST_RUN, attr)
    (retval,) = struct.unpack_from("<I", attr, 4)
    return ret, err, retval


def _probe_helper(name: str, helper: int) -> ProbeResult:
    """Whether helper `helper` exists for socket filters: a call with no arguments set.

    libbpf_probe_bpf_helper's way: the verifier rejects the bad arguments, but only a
    helper it does not know (or does not allow here) is refused with "invalid func" or
    "unknown func".
    """
    log = ctypes.create_string_buffer(4096)
    fd, err = _prog_load(_call(helper) + _MOV64_R0_0 + _EXIT, log)
    if fd >= 0:
        os.close(fd)
        return ProbeResult(name, True, "helper accepted")
    text = log.value.decode(errors="replace")
    if "invalid func " in text or "unknown func " in text:
        return ProbeResult(name, False,
                           f"kernel does not know helper {name} ({helper}) for socket filters")
    if not text:  # no verifier log: refused before verification (EPERM...), cannot tell
        return ProbeResult(name, False, f"bpf(BPF_PROG_LOAD) denied: {os.strerror(err)}",
                           error=True)
    return ProbeResult(name, True, "helper known to the verifier")


def probe_bpf_loop() -> ProbeResult:
    """The `bpf_loop` helper (id 181) exists for socket filters."""
    return _probe_helper("bpf_loop", BPF_FUNC_loop)


def probe_bpf_for_each_map_elem() -> ProbeResult:
    """The `bpf_for_each_map_elem` helper (id 164) exists for socket filters."""
    return _probe_helper("bpf_for_each_map_elem", BPF_FUNC_for_each_map_elem)


def probe_bpf_map_lookup_percpu_elem() -> ProbeResult:
    """The `bpf_map_lookup_percpu_elem` helper (id 195) exists for socket filters."""
    return _probe_helper("bpf_map_lookup_percpu_elem", BPF_FUNC_map_lookup_percpu_elem)


def probe_bpf_snprintf() -> ProbeResult:
    """The `bpf_snprintf` helper (id 165, 5.13+) exists for socket filters."""
    return _probe_helper("bpf_snprintf", BPF_FUNC_snprintf)


def probe_bpf_timer() -> ProbeResult:
    """The `bpf_timer_init` helper (id 169, 5.15+: `struct bpf_timer` in map values) exists
    for socket filters."""
    return _probe_helper("bpf_timer", BPF_FUNC_timer_init)


def probe_bpf_get_current_task() -> ProbeResult:
    """The `bpf_get_current_task` helper (id 35) is allowed for socket filters."""
    return _probe_helper("bpf_get_current_task", BPF_FUNC_get_current_task)


def probe_bpf_probe_read_kernel() -> ProbeResult:
    """The `bpf_probe_read_kernel` helper (id 113) is allowed for socket filters."""
    return _probe_helper("bpf_probe_read_kernel", BPF_FUNC_probe_read_kernel)


def probe_bpf_per_cpu_ptr() -> ProbeResult:
    """The `bpf_per_cpu_ptr` helper (id 153, typed per-cpu ksyms) exists for socket filters."""
    return _probe_helper("bpf_per_cpu_ptr", BPF_FUNC_per_cpu_ptr)


def probe_kfunc_iter_num() -> ProbeResult:
    """vmlinux BTF names the common kfuncs the externs tests call (bpf_iter_num_*, since 6.4).

    A name lookup in the BTF string table, not a version check: the kfunc exists when its
    name does (bpf_rcu_read_lock, the weak-kfunc test's other kfunc, came earlier, in 6.2).
    """
    try:
        with open("/sys/kernel/btf/vmlinux", "rb") as f:
            blob = f.read()
    except OSError as exc:
        return ProbeResult("kfunc_iter_num", False, f"no vmlinux BTF: {exc}")
    missing = [n for n in ("bpf_iter_num_new", "bpf_rcu_read_lock")
               if b"\0" + n.encode() + b"\0" not in blob]
    if missing:
        return ProbeResult("kfunc_iter_num", False,
                           f"vmlinux BTF has no kfunc {', '.join(missing)}")
    return ProbeResult("kfunc_iter_num", True, "bpf_iter_num_new and bpf_rcu_read_lock in BTF")


def probe_kfunc_bpf_throw() -> ProbeResult:
    """vmlinux BTF names the `bpf_throw` kfunc (BPF exceptions, 6.7+).

    A name lookup in the BTF string table, as probe_kfunc_iter_num: the kfunc and the
    verifier's exception callbacks (`exception_callback:` decl tag, default callback) came
    in the same series.
    """
    try:
        with open("/sys/kernel/btf/vmlinux", "rb") as f:
            blob = f.read()
    except OSError as exc:
        return ProbeResult("kfunc_bpf_throw", False, f"no vmlinux BTF: {exc}")
    if b"\0bpf_throw\0" not in blob:
        return ProbeResult("kfunc_bpf_throw", False, "vmlinux BTF has no kfunc bpf_throw")
    return ProbeResult("kfunc_bpf_throw", True, "bpf_throw in vmlinux BTF")


def probe_struct_ops_dummy() -> ProbeResult:
    """vmlinux BTF has `struct bpf_struct_ops_bpf_dummy_ops`: the kernel's test struct_ops
    (net/bpf/bpf_dummy_struct_ops.c, 5.16+), whose programs BPF_PROG_TEST_RUN runs.

    A name lookup in the BTF string table, as probe_kfunc_iter_num: the value type exists
    exactly when bpf_dummy_ops is registered (CONFIG_BPF_JIT and CONFIG_NET).
    """
    try:
        with open("/sys/kernel/btf/vmlinux", "rb") as f:
            blob = f.read()
    except OSError as exc:
        return ProbeResult("struct_ops_dummy", False, f"no vmlinux BTF: {exc}")
    if b"\0bpf_struct_ops_bpf_dummy_ops\0" not in blob:
        return ProbeResult("struct_ops_dummy", False,
                           "vmlinux BTF has no struct bpf_struct_ops_bpf_dummy_ops")
    return ProbeResult("struct_ops_dummy", True, "bpf_struct_ops_bpf_dummy_ops in vmlinux BTF")


def probe_struct_ops_link() -> ProbeResult:
    """struct_ops maps created with BPF_F_LINK (`SEC(".struct_ops.link")`, attached through a
    BPF link: 6.4+): vmlinux BTF names `struct bpf_struct_ops_link`, the kernel's link of
    such a map (kernel/bpf/bpf_struct_ops.c). Before it, BPF_MAP_CREATE refuses the flag
    (EINVAL), whatever the loader does. A name lookup, as probe_struct_ops_dummy."""
    name = "struct_ops_link"
    try:
        with open("/sys/kernel/btf/vmlinux", "rb") as f:
            blob = f.read()
    except OSError as exc:
        return ProbeResult(name, False, f"no vmlinux BTF: {exc}")
    if b"\0bpf_struct_ops_link\0" not in blob:
        return ProbeResult(name, False, "vmlinux BTF has no struct bpf_struct_ops_link: "
                           "struct_ops maps cannot be created with BPF_F_LINK")
    return ProbeResult(name, True, "struct bpf_struct_ops_link in vmlinux BTF")


# Documentation/bpf/btf.rst: the bytes after each 12-byte `struct btf_type`, per kind, as
# (fixed bytes, bytes per vlen entry). A kind missing here stops the scan (cannot skip it).
BTF_MAGIC = 0xEB9F
BTF_KIND_VAR = 14
_BTF_HEADER = struct.Struct("<HBBIIIII")
_BTF_TYPE = struct.Struct("<III")
_BTF_TRAILER: dict[int, tuple[int, int]] = {
    1: (4, 0), 2: (0, 0), 3: (12, 0), 4: (0, 12), 5: (0, 12), 6: (0, 8), 7: (0, 0),
    8: (0, 0), 9: (0, 0), 10: (0, 0), 11: (0, 0), 12: (0, 0), 13: (0, 8), 14: (4, 0),
    15: (0, 12), 16: (0, 0), 17: (4, 0), 18: (0, 0), 19: (0, 12),
}


def btf_has_var(btf: bytes, name: str) -> bool:
    """Whether raw BTF (e.g. /sys/kernel/btf/vmlinux) holds a BTF_KIND_VAR named `name`.

    A walk over the type section matching name offsets, not a string search: the name
    also appears as a struct member or a function's name without any VAR for it.
    """
    magic, _ver, _flags, hdr_len, type_off, type_len, str_off, str_len = \
        _BTF_HEADER.unpack_from(btf, 0)
    if magic != BTF_MAGIC:
        raise ValueError(f"not BTF (magic {magic:#x})")
    strings = btf[hdr_len + str_off:hdr_len + str_off + str_len]
    want = name.encode() + b"\0"
    offsets: set[int] = set()
    at = strings.find(b"\0" + want)
    while at >= 0:
        offsets.add(at + 1)
        at = strings.find(b"\0" + want, at + 1)
    if not offsets:
        return False
    pos, end = hdr_len + type_off, hdr_len + type_off + type_len
    while pos < end:
        name_off, info, _size = _BTF_TYPE.unpack_from(btf, pos)
        kind, vlen = (info >> 24) & 0x1F, info & 0xFFFF
        if kind == BTF_KIND_VAR and name_off in offsets:
            return True
        trailer = _BTF_TRAILER.get(kind)
        if trailer is None:
            raise ValueError(f"unknown BTF kind {kind} at type offset {pos - hdr_len - type_off}")
        pos += _BTF_TYPE.size + trailer[0] + trailer[1] * vlen
    return False


KSYM_TYPED_VAR = "bpf_prog_active"


def probe_ksym_typed_var() -> ProbeResult:
    """A typed per-cpu ksym resolves: `bpf_prog_active` is in /proc/kallsyms (the verifier's
    check_pseudo_btf_id looks its address up there, CONFIG_KALLSYMS_ALL) AND vmlinux BTF
    has a BTF_KIND_VAR for it (the loader needs its BTF id; pahole encodes per-cpu
    variables only since v1.18/kernel 5.11-era builds: Debian's 5.10 BTF has none)."""
    name = "ksym_typed_var"
    try:
        with open("/proc/kallsyms") as f:
            found = any(line.rstrip().endswith(" " + KSYM_TYPED_VAR) for line in f)
    except OSError as exc:
        return ProbeResult(name, False, f"cannot read /proc/kallsyms: {exc}", error=True)
    if not found:
        return ProbeResult(name, False, "kallsyms lists no data symbols "
                           f"({KSYM_TYPED_VAR} absent: CONFIG_KALLSYMS_ALL is not set)")
    try:
        with open("/sys/kernel/btf/vmlinux", "rb") as fb:
            btf = fb.read()
    except OSError as exc:
        return ProbeResult(name, False, f"no vmlinux BTF: {exc}")
    try:
        has_var = btf_has_var(btf, KSYM_TYPED_VAR)
    except (ValueError, struct.error) as exc:
        return ProbeResult(name, False, f"cannot parse /sys/kernel/btf/vmlinux: {exc}",
                           error=True)
    if not has_var:
        return ProbeResult(name, False, f"vmlinux BTF has no BTF_KIND_VAR {KSYM_TYPED_VAR} "
                           "(per-cpu variables not encoded by this kernel's pahole)")
    return ProbeResult(name, True,
                       f"{KSYM_TYPED_VAR} is in /proc/kallsyms and a VAR in vmlinux BTF")


def probe_kprobes() -> ProbeResult:
    """The kernel has the kprobe PMU, which libbpf uses to tell LINUX_HAS_SYSCALL_WRAPPER."""
    ok = os.path.exists("/sys/bus/event_source/devices/kprobe/type")
    return ProbeResult("kprobes", ok, "kprobe PMU present" if ok else
                       "no /sys/bus/event_source/devices/kprobe (CONFIG_KPROBES not set)")


BPF_PROG_TYPE_RAW_TRACEPOINT = 17
BPF_PROG_TYPE_SYSCALL = 31
BPF_F_SLEEPABLE = 1 << 4


def _load_typed(prog_type: int, flags: int = 0, r0: int = 0,
                attach_type: int = 0) -> tuple[int, int]:
    """Load `r0 = <r0>; exit` as `prog_type` with `prog_flags` and
    `expected_attach_type`: (fd, errno)."""
    insns = struct.pack("<BBhi", 0xB7, 0, 0, r0) + _EXIT
    insn_buf = ctypes.create_string_buffer(insns, len(insns))
    license_buf = ctypes.create_string_buffer(b"GPL")
    attr = ctypes.create_string_buffer(_ATTR_SIZE)
    struct.pack_into("<IIQQIIQII", attr, 0, prog_type, 2, ctypes.addressof(insn_buf),
                     ctypes.addressof(license_buf), 0, 0, 0, 0, flags)
    struct.pack_into("<I", attr, 68, attach_type)  # after prog_name[16], prog_ifindex
    return _bpf(BPF_PROG_LOAD, attr)


def _test_run_no_data(name: str, prog_type: int, flags: int = 0) -> ProbeResult:
    fd, err = _load_typed(prog_type, flags)
    if fd < 0:
        return failed(name, f"cannot load program type {prog_type}", err)
    try:
        attr = ctypes.create_string_buffer(_ATTR_SIZE)
        struct.pack_into("<I", attr, 0, fd)  # no data, no ctx, repeat 0
        ret, err = _bpf(BPF_PROG_TEST_RUN, attr)
    finally:
        os.close(fd)
    if ret < 0:
        return failed(name, "BPF_PROG_TEST_RUN without data", err)
    return ProbeResult(name, True, "loads and test-runs without data")


BPF_PROG_TYPE_FLOW_DISSECTOR = 22
FLOW_DISSECTOR_PROBE_RETVAL = 7


def probe_prog_run_flow_dissector_retval() -> ProbeResult:
    """BPF_PROG_TEST_RUN of a flow dissector reports the program's own return value.

    Older kernels (Debian's 5.10) report `bpf_flow_dissect(...) == BPF_OK` instead (a
    bool; net/bpf/test_run.c before BPF_FLOW_DISSECTOR_CONTINUE), so a test's failing
    `__LINE__` cannot come back. Loads `r0 = 7; exit` and test-runs it with 64 zero bytes.
    """
    name = "prog_run_flow_dissector_retval"
    want = FLOW_DISSECTOR_PROBE_RETVAL
    fd, err = _load_typed(BPF_PROG_TYPE_FLOW_DISSECTOR, r0=want)
    if fd < 0:
        return failed(name, "cannot load a flow dissector", err)
    try:
        ret, err, retval = _test_run_64(fd)
    finally:
        os.close(fd)
    if ret < 0:
        return failed(name, "BPF_PROG_TEST_RUN on a flow dissector", err)
    if retval != want:
        return ProbeResult(name, False, f"flow dissector test run reports retval {retval} for "
                           f"a program returning {want} (the kernel reports whether the "
                           "dissection returned BPF_OK, not the program's value)")
    return ProbeResult(name, True, f"flow dissector test run reports the program's retval {want}")


def probe_raw_tp_test_run() -> ProbeResult:
    """A raw tracepoint program loads and BPF_PROG_TEST_RUN runs it without data (5.10+)."""
    return _test_run_no_data("raw_tp_test_run", BPF_PROG_TYPE_RAW_TRACEPOINT)


def probe_prog_type_syscall() -> ProbeResult:
    """BPF_PROG_TYPE_SYSCALL (sleepable) loads and test-runs without data (5.14+)."""
    return _test_run_no_data("prog_type_syscall", BPF_PROG_TYPE_SYSCALL, BPF_F_SLEEPABLE)


def _insn(code: int, dst: int = 0, src: int = 0, off: int = 0, imm: int = 0) -> bytes:
    return struct.pack("<BBhi", code, dst | (src << 4), off, imm)


BPF_BTF_LOAD = 18
_BTF_STRINGS = b"\0int\0p\0f\0m\0"  # name offsets: int 1, p 5, f 7, m 9


def _btf_type(name_off: int, kind: int, vlen: int, size_or_type: int) -> bytes:
    return struct.pack("<III", name_off, (kind << 24) | vlen, size_or_type)


# Documentation/bpf/btf.rst: 1 int, 2 int *, 3 int (int *p), 4 global f of 3,
# 5 int (void), 6 static m of 5 (the main program's func_info)
_GLOBAL_PTR_ARG_BTF_TYPES = b"".join((
    _btf_type(1, 1, 0, 4) + struct.pack("<I", (1 << 24) | 32),   # INT "int" signed 32
    _btf_type(0, 2, 0, 1),                                        # PTR -> 1
    _btf_type(0, 13, 1, 1) + struct.pack("<II", 5, 2),            # FUNC_PROTO (int *p)
    _btf_type(7, 12, 1, 3),                                       # FUNC f, global
    _btf_type(0, 13, 0, 1),                                       # FUNC_PROTO (void)
    _btf_type(9, 12, 0, 5),                                       # FUNC m, static
))
# m: *(u32 *)(r10 - 8) = 0; r1 = r10 - 8; call f; r0 = 0; exit
# f: if r1 == 0 goto +2; r0 = *(u32 *)(r1 + 0); exit; r0 = 0; exit
_GLOBAL_PTR_ARG_PROG = b"".join((
    _insn(0x62, dst=10, off=-8, imm=0),
    _insn(0xBF, dst=1, src=10),
    _insn(0x07, dst=1, imm=-8),
    _insn(0x85, src=1, imm=2),       # BPF_PSEUDO_CALL to insn 6
    _insn(0xB7, dst=0),
    _insn(0x95),
    _insn(0x15, dst=1, off=2),
    _insn(0x61, dst=0, src=1),
    _insn(0x95),
    _insn(0xB7, dst=0),
    _insn(0x95),
))


def probe_global_func_ptr_arg() -> ProbeResult:
    """A global function's pointer argument is verified (as possibly NULL memory): the
    kernel loads `global f(int *p)` that checks p for NULL (5.12+; older kernels refuse
    every non-context pointer argument of a global function: "is not supported yet")."""
    name = "global_func_ptr_arg"
    header = struct.pack("<HBBIIIII", 0xEB9F, 1, 0, 24, 0, len(_GLOBAL_PTR_ARG_BTF_TYPES),
                         len(_GLOBAL_PTR_ARG_BTF_TYPES), len(_BTF_STRINGS))
    blob = ctypes.create_string_buffer(header + _GLOBAL_PTR_ARG_BTF_TYPES + _BTF_STRINGS)
    attr = ctypes.create_string_buffer(_ATTR_SIZE)
    struct.pack_into("<QQII", attr, 0, ctypes.addressof(blob), 0, len(blob.raw) - 1, 0)
    btf_fd, err = _bpf(BPF_BTF_LOAD, attr)
    if btf_fd < 0:
        return failed(name, "BPF_BTF_LOAD of the probe's BTF", err)
    try:
        insns = ctypes.create_string_buffer(_GLOBAL_PTR_ARG_PROG, len(_GLOBAL_PTR_ARG_PROG))
        func_info = ctypes.create_string_buffer(struct.pack("<IIII", 0, 6, 6, 4))
        license_buf = ctypes.create_string_buffer(b"GPL")
        log = ctypes.create_string_buffer(4096)
        attr = ctypes.create_string_buffer(_ATTR_SIZE)
        struct.pack_into("<IIQQIIQ", attr, 0, BPF_PROG_TYPE_SOCKET_FILTER,
                         len(_GLOBAL_PTR_ARG_PROG) // 8, ctypes.addressof(insns),
                         ctypes.addressof(license_buf), 1, len(log), ctypes.addressof(log))
        struct.pack_into("<IIQI", attr, 72, btf_fd, 8, ctypes.addressof(func_info), 2)
        fd, err = _bpf(BPF_PROG_LOAD, attr)
    finally:
        os.close(btf_fd)
    if fd >= 0:
        os.close(fd)
        return ProbeResult(name, True, "a global function with a pointer argument loads")
    text = log.value.decode(errors="replace")
    if "not supported yet" in text:
        last = next((ln for ln in text.splitlines() if "not supported yet" in ln), text)
        return ProbeResult(name, False, f"the verifier refuses it: {last.strip()}")
    if not text:
        return failed(name, "BPF_PROG_LOAD of a global function with a pointer argument", err)
    lines = _verifier_lines(text)
    return ProbeResult(name, False, f"refused ({os.strerror(err)}): {lines[-1] if lines else ''}",
                       error=True)  # not the known refusal: the probe cannot tell


# BPF_STX | BPF_ATOMIC | BPF_DW on the stack slot at r10-8, r2 the operand.
_ATOMIC_FETCH_PROG = b"".join((
    _insn(0xB7, dst=1),                                     # r1 = 0
    _insn(0x7B, dst=10, src=1, off=-8),                     # *(u64 *)(r10 - 8) = r1
    _insn(0xB7, dst=2, imm=1),                              # r2 = 1
    _insn(0xDB, dst=10, src=2, off=-8, imm=BPF_ADD | BPF_FETCH),   # r2 = atomic_fetch_add
    _insn(0xDB, dst=10, src=2, off=-8, imm=BPF_XCHG),       # r2 = xchg
    _insn(0xB7, dst=0),                                     # r0 = 0
    _insn(0xDB, dst=10, src=2, off=-8, imm=BPF_CMPXCHG),    # r0 = cmpxchg(r10-8, r0, r2)
    _MOV64_R0_0,
    _EXIT,
))


def probe_atomic_fetch() -> ProbeResult:
    """BPF_ATOMIC with BPF_FETCH, BPF_XCHG and BPF_CMPXCHG (64-bit) load in a socket filter.

    Kernels before them (< 5.12) refuse the non-zero imm of what they read as BPF_XADD
    (seen on Debian 5.10: "BPF_STX uses reserved fields").
    """
    log = ctypes.create_string_buffer(4096)
    fd, err = _prog_load(_ATOMIC_FETCH_PROG, log)
    if fd >= 0:
        os.close(fd)
        return ProbeResult("atomic_fetch", True, "fetch_add, xchg and cmpxchg accepted")
    text = log.value.decode(errors="replace").strip()
    if not text:
        return ProbeResult("atomic_fetch", False,
                           f"bpf(BPF_PROG_LOAD) denied: {os.strerror(err)}", error=True)
    lines = _verifier_lines(text)
    last = lines[-1] if lines else text.splitlines()[-1]
    return ProbeResult("atomic_fetch", False,
                       f"verifier refuses atomic fetch/xchg/cmpxchg: {last}")


# Documentation/bpf/standardization/instruction-set.rst, cpu v4: one of each new encoding.
_INSN_SET_V4_PROG = b"".join((
    _insn(0xB7, dst=1),                              # r1 = 0
    _insn(0x7B, dst=10, src=1, off=-8),              # *(u64 *)(r10 - 8) = r1
    _insn(0x81, dst=0, src=10, off=-8),              # r0 = *(s32 *)(r10 - 8)  (BPF_MEMSX)
    _insn(0xBF, dst=0, src=0, off=8),                # r0 = (s8)r0             (MOVSX)
    _insn(0xD7, dst=0, imm=64),                      # r0 = bswap64 r0         (BPF_ALU64 END)
    _insn(0x37, dst=0, off=1, imm=3),                # r0 s/= 3                (SDIV)
    _insn(0x06, imm=0),                              # gotol +0                (JMP32 | JA)
    _MOV64_R0_0,
    _EXIT,
))


def probe_insn_set_v4() -> ProbeResult:
    """The verifier accepts cpu v4 instructions (6.6+): a sign-extending load and mov, an
    unconditional bswap, a signed division and a gotol, as `clang -mcpu=v4` emits them.
    Older kernels refuse the unknown encodings ("unknown opcode", "BPF_LDX uses reserved
    fields")."""
    name = "insn_set_v4"
    log = ctypes.create_string_buffer(4096)
    fd, err = _prog_load(_INSN_SET_V4_PROG, log)
    if fd >= 0:
        os.close(fd)
        return ProbeResult(name, True, "ldsx, movsx, bswap, sdiv and gotol accepted")
    text = log.value.decode(errors="replace").strip()
    if not text:
        return failed(name, "BPF_PROG_LOAD of cpu v4 instructions", err)
    lines = _verifier_lines(text)
    return ProbeResult(name, False, f"verifier refuses cpu v4 instructions: "
                       f"{lines[-1] if lines else text.splitlines()[-1]}")


def probe_prog_test_run() -> ProbeResult:
    """BPF_PROG_TEST_RUN works for a socket filter."""
    log = ctypes.create_string_buffer(4096)
    fd, err = _prog_load(_MOV64_R0_0 + _EXIT, log)
    if fd < 0:
        return ProbeResult("prog_test_run", False,
                           f"cannot load a socket filter: {os.strerror(err)}", error=True)
    try:
        ret, err, _ = _test_run_64(fd)
    finally:
        os.close(fd)
    if ret < 0:
        return failed("prog_test_run", "BPF_PROG_TEST_RUN on a socket filter", err)
    return ProbeResult("prog_test_run", True, "socket filter test-run works")


def probe_btf_vmlinux() -> ProbeResult:
    """The kernel exposes its BTF at /sys/kernel/btf/vmlinux (CO-RE against vmlinux)."""
    ok = os.access("/sys/kernel/btf/vmlinux", os.R_OK)
    return ProbeResult("btf_vmlinux", ok,
                       "present" if ok else "/sys/kernel/btf/vmlinux is not readable")


def probe_map_bloom_filter() -> ProbeResult:
    """BPF_MAP_TYPE_BLOOM_FILTER (5.16+) with map_extra: libbpf's probe_map_create attrs."""
    attr = ctypes.create_string_buffer(_ATTR_SIZE)
    # map_type, key_size, value_size, max_entries, map_flags; map_extra (u64) at offset 64
    struct.pack_into("<IIIII", attr, 0, 30, 0, 4, 1, 0)
    struct.pack_into("<Q", attr, 64, 5)
    fd, err = _bpf(0, attr)  # BPF_MAP_CREATE
    if fd < 0:
        return failed("map_bloom_filter", "BPF_MAP_CREATE of a bloom filter", err)
    os.close(fd)
    return ProbeResult("map_bloom_filter", True, "bloom filter map created")


BPF_F_ZERO_SEED = 1 << 6
#: maps/bloom_filter.bpf.c's constants: pushed, a 3-hash false positive, an absent value
BLOOM_PUSHED = tuple(range(0x1000, 0x1006))
BLOOM_FALSE_POSITIVE = 0x2003A
BLOOM_ABSENT = 0x90000


def _bloom_program(map_fd: int) -> bytes:
    """A socket filter doing what maps/bloom_filter.bpf.c does on map `map_fd`: push
    0x1000..0x1005, then peek 0x1003, 0x2003a and 0x90000 (bpf_map_push_elem 87,
    bpf_map_peek_elem 89, the value on the stack at r10 - 4). It returns 1 when 0x2003a is
    present and 0x90000 absent (the layout the test's constants were computed for), 2 when
    not (another layout), 3 when the pushed 0x1003 is absent."""
    def call(helper: int, value: int, push: bool) -> bytes:
        return b"".join((
            _insn(0x62, dst=10, off=-4, imm=value),               # *(u32 *)(r10 - 4) = value
            _insn(0x18, dst=1, src=1, imm=map_fd), _insn(0),      # r1 = the map
            _insn(0xBF, dst=2, src=10), _insn(0x07, dst=2, imm=-4),  # r2 = r10 - 4
            _insn(0xB7, dst=3, imm=0) if push else b"",           # r3 = BPF_ANY
            _insn(0x85, imm=helper)))
    body = b"".join(call(87, v, True) for v in BLOOM_PUSHED)
    body += call(89, BLOOM_PUSHED[3], False) + _insn(0xBF, dst=6, src=0)     # r6 = r0
    body += call(89, BLOOM_FALSE_POSITIVE, False) + _insn(0xBF, dst=7, src=0)  # r7 = r0
    body += call(89, BLOOM_ABSENT, False) + _insn(0xBF, dst=8, src=0)          # r8 = r0
    tail = [_insn(0xB7, dst=0, imm=3),                  # r0 = 3
            _insn(0x55, dst=6, off=4, imm=0),           # if r6 != 0 goto exit (0x1003 lost)
            _insn(0xB7, dst=0, imm=2),                  # r0 = 2
            _insn(0x55, dst=8, off=2, imm=-errno.ENOENT),  # if r8 != -ENOENT goto exit
            _insn(0x55, dst=7, off=1, imm=0),           # if r7 != 0 goto exit
            _insn(0xB7, dst=0, imm=1),                  # r0 = 1: the test's layout
            _EXIT]
    return body + b"".join(tail)


def probe_bloom_hash_layout() -> ProbeResult:
    """A program's zero-seed bloom filter (max_entries 1, 3 hashes in map_extra) gives the
    false positive maps/bloom_filter.bpf.c was computed for: after 0x1000..0x1005 are
    pushed, 0x2003a is present and 0x90000 absent. The probe creates the map itself
    (map_extra set: no loader is judged) and checks it the way the test does, from a
    socket filter's test run (on 6.1 the program's peeks give another layout, while the
    same peeks through the bpf() syscall looked like this one): there the test's constants
    do not fit."""
    name = "bloom_hash_layout"
    attr = ctypes.create_string_buffer(_ATTR_SIZE)
    struct.pack_into("<IIIII", attr, 0, 30, 0, 4, 1, BPF_F_ZERO_SEED)
    struct.pack_into("<Q", attr, 64, 3)
    map_fd, err = _bpf(0, attr)  # BPF_MAP_CREATE
    if map_fd < 0:
        return failed(name, "BPF_MAP_CREATE of a zero-seed bloom filter", err)
    try:
        log = ctypes.create_string_buffer(65536)
        fd, err = _prog_load(_bloom_program(map_fd), log)
        if fd < 0:
            text = log.value.decode(errors="replace").strip().splitlines()
            return ProbeResult(name, False, f"the checking program does not load "
                               f"({os.strerror(err)}): {text[-1] if text else ''}", error=True)
        try:
            ret, err, retval = _test_run_64(fd)
        finally:
            os.close(fd)
    finally:
        os.close(map_fd)
    if ret < 0:
        return failed(name, "BPF_PROG_TEST_RUN of the checking program", err)
    if retval == 1:
        return ProbeResult(name, True, "0x2003a is the 3-hash false positive of 0x1000..0x1005")
    if retval == 2:
        return ProbeResult(name, False, "this kernel's bloom filter gives a program other "
                           "false positives (after 0x1000..0x1005, 0x2003a absent or 0x90000 "
                           "present): the test's constants do not fit")
    return ProbeResult(name, False, f"a pushed value (0x1003) is absent (retval {retval})",
                       error=True)


BPF_MAP_TYPE_USER_RINGBUF = 31


def probe_map_user_ringbuf() -> ProbeResult:
    """BPF_MAP_TYPE_USER_RINGBUF (6.1+): a 4096-byte one is created."""
    attr = ctypes.create_string_buffer(_ATTR_SIZE)
    struct.pack_into("<IIII", attr, 0, BPF_MAP_TYPE_USER_RINGBUF, 0, 0, 4096)
    fd, err = _bpf(0, attr)  # BPF_MAP_CREATE
    if fd < 0:
        return failed("map_user_ringbuf", "BPF_MAP_CREATE of a USER_RINGBUF", err)
    os.close(fd)
    return ProbeResult("map_user_ringbuf", True, "user ring buffer map created")


BPF_MAP_TYPE_INODE_STORAGE = 28
BPF_MAP_TYPE_TASK_STORAGE = 29
BPF_MAP_TYPE_CGRP_STORAGE = 32
BPF_F_NO_PREALLOC = 1 << 0
_INT_BTF_TYPES = _btf_type(1, 1, 0, 4) + struct.pack("<I", (1 << 24) | 32)  # INT "int"


def _probe_local_storage(name: str, map_type: int, what: str) -> ProbeResult:
    """Whether a local-storage map of `map_type` is created the way the maps tests declare
    one (int key and value in BTF, BPF_F_NO_PREALLOC, max_entries 0): an unknown map type
    (an older kernel, or the kernel built without it) is refused with EINVAL."""
    header = struct.pack("<HBBIIIII", 0xEB9F, 1, 0, 24, 0, len(_INT_BTF_TYPES),
                         len(_INT_BTF_TYPES), len(_BTF_STRINGS))
    blob = ctypes.create_string_buffer(header + _INT_BTF_TYPES + _BTF_STRINGS)
    attr = ctypes.create_string_buffer(_ATTR_SIZE)
    struct.pack_into("<QQII", attr, 0, ctypes.addressof(blob), 0, len(blob.raw) - 1, 0)
    btf_fd, err = _bpf(BPF_BTF_LOAD, attr)
    if btf_fd < 0:
        return failed(name, "BPF_BTF_LOAD of the probe's BTF", err)
    try:
        attr = ctypes.create_string_buffer(_ATTR_SIZE)
        # map_type, key_size, value_size, max_entries, map_flags; btf_fd, key and value
        # type ids at offset 48
        struct.pack_into("<IIIII", attr, 0, map_type, 4, 4, 0, BPF_F_NO_PREALLOC)
        struct.pack_into("<III", attr, 48, btf_fd, 1, 1)
        fd, err = _bpf(0, attr)  # BPF_MAP_CREATE
    finally:
        os.close(btf_fd)
    if fd < 0:
        return failed(name, f"BPF_MAP_CREATE of a {what}", err)
    os.close(fd)
    return ProbeResult(name, True, f"{what} map created")


def probe_map_task_storage() -> ProbeResult:
    """BPF_MAP_TYPE_TASK_STORAGE (5.11+) with BTF, BPF_F_NO_PREALLOC, max_entries 0."""
    return _probe_local_storage("map_task_storage", BPF_MAP_TYPE_TASK_STORAGE, "TASK_STORAGE")


def probe_map_inode_storage() -> ProbeResult:
    """BPF_MAP_TYPE_INODE_STORAGE (5.10+, CONFIG_BPF_LSM) with BTF, BPF_F_NO_PREALLOC."""
    return _probe_local_storage("map_inode_storage", BPF_MAP_TYPE_INODE_STORAGE,
                                "INODE_STORAGE")


def probe_map_cgrp_storage() -> ProbeResult:
    """BPF_MAP_TYPE_CGRP_STORAGE (6.2+) with BTF, BPF_F_NO_PREALLOC, max_entries 0."""
    return _probe_local_storage("map_cgrp_storage", BPF_MAP_TYPE_CGRP_STORAGE, "CGRP_STORAGE")


BPF_MAP_TYPE_ARENA = 33
BPF_F_MMAPABLE = 1 << 10
BPF_PSEUDO_MAP_VALUE = 2


def _creates_cap_bpf_map() -> bool:
    """Whether this process may create a map only CAP_BPF may create (a 4096-byte RINGBUF,
    kernel map_create): an EPERM for another map type is then about that type, not about
    this process's privileges."""
    attr = ctypes.create_string_buffer(_ATTR_SIZE)
    struct.pack_into("<IIII", attr, 0, 27, 0, 0, 4096)  # BPF_MAP_TYPE_RINGBUF
    fd, _err = _bpf(0, attr)
    if fd < 0:
        return False
    os.close(fd)
    return True


def probe_map_arena() -> ProbeResult:
    """BPF_MAP_TYPE_ARENA (6.9+, JIT only) as a program uses it: a one-page arena is created
    and mapped (which fixes its user address), and a socket filter loads that takes an
    address in it (ld_imm64 BPF_PSEUDO_MAP_VALUE), casts it (addr_space_cast) and reads."""
    name = "map_arena"
    attr = ctypes.create_string_buffer(_ATTR_SIZE)
    struct.pack_into("<IIIII", attr, 0, BPF_MAP_TYPE_ARENA, 0, 0, 1, BPF_F_MMAPABLE)
    map_fd, err = _bpf(0, attr)  # BPF_MAP_CREATE
    if map_fd < 0 and err == errno.EPERM and _creates_cap_bpf_map():
        return ProbeResult(name, False, "BPF_MAP_CREATE of an ARENA: Operation not permitted, "
                           "while this process creates other CAP_BPF-only maps (a RINGBUF): "
                           "the kernel refuses arenas to this process (a policy: privileges "
                           "are not the cause)")
    if map_fd < 0:
        return failed(name, "BPF_MAP_CREATE of an ARENA", err)
    try:
        try:
            area = mmap.mmap(map_fd, mmap.PAGESIZE, mmap.MAP_SHARED,
                             mmap.PROT_READ | mmap.PROT_WRITE)
        except OSError as exc:
            return failed(name, "mmap of the ARENA", exc.errno or errno.EINVAL)
        try:
            insns = b"".join((
                _insn(0x18, dst=1, src=BPF_PSEUDO_MAP_VALUE, imm=map_fd), _insn(0),
                _insn(0xBF, dst=1, src=1, off=1, imm=1),  # r1 = addr_space_cast(r1, 0, 1)
                _insn(0x61, dst=0, src=1),                # r0 = *(u32 *)(r1 + 0)
                _MOV64_R0_0, _EXIT))
            log = ctypes.create_string_buffer(4096)
            fd, err = _prog_load(insns, log)
        finally:
            area.close()
    finally:
        os.close(map_fd)
    if fd >= 0:
        os.close(fd)
        return ProbeResult(name, True, "an arena is created, mapped and read by a socket filter")
    text = log.value.decode(errors="replace").strip()
    if not text:
        return failed(name, "BPF_PROG_LOAD of a socket filter reading the arena", err)
    lines = _verifier_lines(text)
    return ProbeResult(name, False, f"the verifier refuses a read of the arena: "
                       f"{lines[-1] if lines else text}")


BPF_PROG_TYPE_SK_LOOKUP = 30
BPF_SK_LOOKUP = 36
SK_LOOKUP_CTX_SIZE = 64  # struct bpf_sk_lookup up to local_port (ingress_ifindex is 5.17+)


def probe_sk_lookup_test_run() -> ProbeResult:
    """BPF_PROG_TEST_RUN runs an sk_lookup program with a `struct bpf_sk_lookup` ctx_in
    (bpf_prog_test_run_sk_lookup; sk_lookup programs exist since 5.9, their test run
    came later; Debian's 5.10.0-32 has it). Loads `r0 = 1 (SK_PASS); exit` and
    test-runs it with family AF_INET, no data."""
    name = "sk_lookup_test_run"
    fd, err = _load_typed(BPF_PROG_TYPE_SK_LOOKUP, r0=1, attach_type=BPF_SK_LOOKUP)
    if fd < 0:
        return failed(name, "cannot load an sk_lookup program", err)
    try:
        ctx = ctypes.create_string_buffer(SK_LOOKUP_CTX_SIZE)
        struct.pack_into("<II", ctx, 8, 2, 6)  # family AF_INET, protocol IPPROTO_TCP
        attr = ctypes.create_string_buffer(_ATTR_SIZE)
        struct.pack_into("<I", attr, 0, fd)
        struct.pack_into("<IIQ", attr, 40, SK_LOOKUP_CTX_SIZE, 0, ctypes.addressof(ctx))
        ret, err = _bpf(BPF_PROG_TEST_RUN, attr)
        (retval,) = struct.unpack_from("<I", attr, 4)
    finally:
        os.close(fd)
    if ret < 0:
        return ProbeResult(name, False,
                           f"BPF_PROG_TEST_RUN of sk_lookup with ctx_in: {os.strerror(err)}")
    if retval != 1:
        return ProbeResult(name, False, f"sk_lookup test run reports retval {retval} for a "
                           "program returning SK_PASS (1)")
    return ProbeResult(name, True, "sk_lookup loads and test-runs with a ctx_in")


BPF_PROG_TYPE_NETFILTER = 32
BPF_NETFILTER = 45
NF_ACCEPT = 1


def probe_netfilter_test_run() -> ProbeResult:
    """BPF_PROG_TEST_RUN runs a BPF_PROG_TYPE_NETFILTER program (bpf_prog_test_run_nf:
    the program type and its test run came with Linux 6.4). Loads `r0 = NF_ACCEPT; exit`
    with expected_attach_type BPF_NETFILTER and test-runs it with 64 zero bytes (the default
    hook, NF_INET_LOCAL_OUT, takes them as an IPv4 packet without Ethernet header)."""
    name = "netfilter_test_run"
    fd, err = _load_typed(BPF_PROG_TYPE_NETFILTER, r0=NF_ACCEPT, attach_type=BPF_NETFILTER)
    if fd < 0:
        return failed(name, "cannot load a netfilter program", err)
    try:
        ret, err, retval = _test_run_64(fd)
    finally:
        os.close(fd)
    if ret < 0:
        return failed(name, "BPF_PROG_TEST_RUN of a netfilter program", err)
    if retval != NF_ACCEPT:
        return ProbeResult(name, False, f"netfilter test run reports retval {retval} for a "
                           "program returning NF_ACCEPT (1)")
    return ProbeResult(name, True, "a netfilter program loads and test-runs")


BPF_MAP_CREATE = 0
BPF_MAP_UPDATE_ELEM = 2
BPF_MAP_TYPE_PROG_ARRAY = 3
BPF_PROG_TYPE_XDP = 6
BPF_XDP = 37
BPF_F_XDP_HAS_FRAGS = 1 << 5
XDP_FRAGS_PROBE_LEN = 4000  # more than a page holds after XDP headroom and tailroom


def _prog_array_insert(map_fd: int, slot: int, prog_fd: int) -> tuple[int, int]:
    key, value = ctypes.c_uint32(slot), ctypes.c_uint32(prog_fd)
    attr = ctypes.create_string_buffer(_ATTR_SIZE)
    struct.pack_into("<IIQQQ", attr, 0, map_fd, 0, ctypes.addressof(key),
                     ctypes.addressof(value), 0)
    return _bpf(BPF_MAP_UPDATE_ELEM, attr)


def probe_xdp_frags() -> ProbeResult:
    """BPF_F_XDP_HAS_FRAGS (5.18+) as the xdp.frags tests need it: an XDP program loaded with
    it test-runs a 4000-byte (multi-buffer) frame, and a PROG_ARRAY holding it refuses a
    program without it (bpf_prog_map_compatible compares xdp_has_frags). Loads
    `r0 = 2 (XDP_PASS); exit` with and without the flag."""
    name = "xdp_frags"
    fd, err = _load_typed(BPF_PROG_TYPE_XDP, BPF_F_XDP_HAS_FRAGS, r0=2, attach_type=BPF_XDP)
    if fd < 0:
        return failed(name, "cannot load an XDP program with BPF_F_XDP_HAS_FRAGS", err)
    fds = [fd]
    try:
        data = ctypes.create_string_buffer(XDP_FRAGS_PROBE_LEN)
        attr = ctypes.create_string_buffer(_ATTR_SIZE)
        struct.pack_into("<IIIIQQI", attr, 0, fd, 0, XDP_FRAGS_PROBE_LEN, 0,
                         ctypes.addressof(data), 0, 1)
        ret, err = _bpf(BPF_PROG_TEST_RUN, attr)
        if ret < 0:
            return failed(name, f"BPF_PROG_TEST_RUN of a {XDP_FRAGS_PROBE_LEN}-byte XDP frame",
                          err)
        plain, err = _load_typed(BPF_PROG_TYPE_XDP, 0, r0=2, attach_type=BPF_XDP)
        if plain < 0:
            return failed(name, "cannot load an XDP program", err)
        fds.append(plain)
        attr = ctypes.create_string_buffer(_ATTR_SIZE)
        struct.pack_into("<IIII", attr, 0, BPF_MAP_TYPE_PROG_ARRAY, 4, 4, 2)
        map_fd, err = _bpf(BPF_MAP_CREATE, attr)
        if map_fd < 0:
            return failed(name, "BPF_MAP_CREATE of a PROG_ARRAY", err)
        fds.append(map_fd)
        ret, err = _prog_array_insert(map_fd, 0, fd)
        if ret < 0:
            return failed(name, "PROG_ARRAY update with an xdp.frags program", err)
        ret, err = _prog_array_insert(map_fd, 1, plain)
        if ret == 0:
            return ProbeResult(name, False, "a PROG_ARRAY holding an xdp.frags program accepts "
                               "one without BPF_F_XDP_HAS_FRAGS (no xdp_has_frags in "
                               "bpf_prog_map_compatible)")
        if err != errno.EINVAL:
            return failed(name, "PROG_ARRAY update with a plain XDP program", err)
    finally:
        for f in fds:
            os.close(f)
    return ProbeResult(name, True, f"xdp.frags test-runs a {XDP_FRAGS_PROBE_LEN}-byte frame; "
                       "its PROG_ARRAY refuses a plain XDP program (EINVAL)")


# ---- tracing: BTF attach targets (fentry/fexit/fmod_ret, lsm) -----------------------------

BTF_KIND_TYPEDEF = 8
BTF_KIND_FUNC = 12
BPF_PROG_TYPE_TRACING = 26
BPF_PROG_TYPE_LSM = 29
BPF_TRACE_RAW_TP = 23
BPF_TRACE_FENTRY = 24
BPF_MODIFY_RETURN = 26
BPF_LSM_MAC = 27


def btf_type_id(btf: bytes, kind: int, name: str) -> int | None:
    """The id of the first type of `kind` named `name` in raw BTF (vmlinux), or None: the
    walk of btf_has_var, counting ids from 1."""
    magic, _ver, _flags, hdr_len, type_off, type_len, str_off, str_len = \
        _BTF_HEADER.unpack_from(btf, 0)
    if magic != BTF_MAGIC:
        raise ValueError(f"not BTF (magic {magic:#x})")
    strings = btf[hdr_len + str_off:hdr_len + str_off + str_len]
    want = b"\0" + name.encode() + b"\0"
    offsets: set[int] = set()
    at = strings.find(want)
    while at >= 0:
        offsets.add(at + 1)
        at = strings.find(want, at + 1)
    if not offsets:
        return None
    pos, end, tid = hdr_len + type_off, hdr_len + type_off + type_len, 1
    while pos < end:
        name_off, info, _size = _BTF_TYPE.unpack_from(btf, pos)
        tkind, vlen = (info >> 24) & 0x1F, info & 0xFFFF
        if tkind == kind and name_off in offsets:
            return tid
        trailer = _BTF_TRAILER.get(tkind)
        if trailer is None:
            raise ValueError(f"unknown BTF kind {tkind} at type offset {pos - hdr_len - type_off}")
        pos += _BTF_TYPE.size + trailer[0] + trailer[1] * vlen
        tid += 1
    return None


def _load_attach_btf(prog_type: int, attach_type: int, btf_id: int
                     ) -> tuple[int, int, str]:
    """Load `r0 = 0; exit` as `prog_type`/`attach_type` against vmlinux BTF id `btf_id`
    (attach_btf_id): (fd, errno, the verifier log's last line)."""
    insns = _MOV64_R0_0 + _EXIT
    insn_buf = ctypes.create_string_buffer(insns, len(insns))
    license_buf = ctypes.create_string_buffer(b"GPL")
    log = ctypes.create_string_buffer(4096)
    attr = ctypes.create_string_buffer(_ATTR_SIZE)
    struct.pack_into("<IIQQIIQ", attr, 0, prog_type, 2, ctypes.addressof(insn_buf),
                     ctypes.addressof(license_buf), 1, len(log), ctypes.addressof(log))
    struct.pack_into("<I", attr, 68, attach_type)  # expected_attach_type
    struct.pack_into("<I", attr, 108, btf_id)  # attach_btf_id
    fd, err = _bpf(BPF_PROG_LOAD, attr)
    lines = [ln for ln in log.value.decode(errors="replace").splitlines() if ln.strip()]
    return fd, err, lines[-1] if lines else ""


def _probe_attach_btf(name: str, what: str, prog_type: int, attach_type: int,
                      target: str, kind: int = BTF_KIND_FUNC) -> ProbeResult:
    """Whether a `what` program loads against vmlinux BTF's `target` (a FUNC). An EPERM
    without a verifier log while a tp_btf program (the same BPF_PROG_TYPE_TRACING
    privileges, no trampoline) loads is the kernel refusing trampoline targets to this
    process (this host's policy): absent, with that said; other errnos as `failed`."""
    try:
        with open("/sys/kernel/btf/vmlinux", "rb") as f:
            btf = f.read()
    except OSError as exc:
        return ProbeResult(name, False, f"no vmlinux BTF: {exc}")
    try:
        tid = btf_type_id(btf, kind, target)
        tp_id = btf_type_id(btf, BTF_KIND_TYPEDEF, "btf_trace_bpf_test_finish")
    except (ValueError, struct.error) as exc:
        return ProbeResult(name, False, f"cannot parse /sys/kernel/btf/vmlinux: {exc}",
                           error=True)
    if tid is None:
        return ProbeResult(name, False, f"vmlinux BTF has no FUNC {target}")
    fd, err, last = _load_attach_btf(prog_type, attach_type, tid)
    if fd >= 0:
        os.close(fd)
        return ProbeResult(name, True, f"{what} program on {target} loads")
    if err == errno.EPERM and not last and tp_id is not None:
        tp_fd, _tp_err, _ = _load_attach_btf(BPF_PROG_TYPE_TRACING, BPF_TRACE_RAW_TP, tp_id)
        if tp_fd >= 0:
            os.close(tp_fd)
            return ProbeResult(name, False, f"BPF_PROG_LOAD of a {what} program on {target}: "
                               "Operation not permitted (no verifier log), while a tp_btf "
                               "program (the same program type) loads: the kernel refuses "
                               "trampoline attach targets to this process")
    if last:
        return ProbeResult(name, False, f"the verifier refuses a {what} program on {target}: "
                           f"{last}")
    return failed(name, f"BPF_PROG_LOAD of a {what} program on {target}", err)


def probe_tracing_fentry() -> ProbeResult:
    """fentry/fexit (BPF trampolines, 5.5+; x86 test runs call bpf_fentry_test1..9): an
    fentry program on bpf_fentry_test1 loads."""
    return _probe_attach_btf("tracing_fentry", "fentry", BPF_PROG_TYPE_TRACING,
                             BPF_TRACE_FENTRY, "bpf_fentry_test1")


def probe_tracing_fmod_ret() -> ProbeResult:
    """fmod_ret (5.7+): an fmod_ret program on bpf_modify_return_test (the kernel's
    modifiable test target) loads."""
    return _probe_attach_btf("tracing_fmod_ret", "fmod_ret", BPF_PROG_TYPE_TRACING,
                             BPF_MODIFY_RETURN, "bpf_modify_return_test")


def probe_bpf_lsm() -> ProbeResult:
    """BPF LSM programs (5.7+, CONFIG_BPF_LSM): an lsm program on bpf_lsm_file_open loads.
    Loading does not need `bpf` in the active LSMs (/sys/kernel/security/lsm, lsm=); the
    reason says whether it is there (then attached programs also run)."""
    result = _probe_attach_btf("bpf_lsm", "lsm", BPF_PROG_TYPE_LSM, BPF_LSM_MAC,
                               "bpf_lsm_file_open")
    try:
        with open("/sys/kernel/security/lsm") as f:
            active = f.read().strip()
        note = f" (active LSMs: {active})"
    except OSError:
        note = " (/sys/kernel/security/lsm unreadable: securityfs not mounted)"
    return ProbeResult(result.name, result.ok, result.reason + note, result.error)


BPF_PROG_TYPE_EXT = 28
# Documentation/bpf/btf.rst: 1 int, 2 int (int p), 3 global f of 2, 4 int (void), 5 static m
# of 4 (the main program's func_info); strings as _BTF_STRINGS
_FREPLACE_BTF_TYPES = b"".join((
    _btf_type(1, 1, 0, 4) + struct.pack("<I", (1 << 24) | 32),   # INT "int" signed 32
    _btf_type(0, 13, 1, 1) + struct.pack("<II", 5, 1),            # FUNC_PROTO int (int p)
    _btf_type(7, 12, 1, 2),                                       # FUNC f, global
    _btf_type(0, 13, 0, 1),                                       # FUNC_PROTO int (void)
    _btf_type(9, 12, 0, 4),                                       # FUNC m, static
))
# m: r1 = 1; call f; exit  f: r0 = r1; exit
_FREPLACE_TARGET = _insn(0xB7, dst=1, imm=1) + _insn(0x85, src=1, imm=1) + _EXIT + \
    _insn(0xBF, dst=0, src=1) + _EXIT


def _load_with_btf(prog_type: int, insns: bytes, btf_fd: int, func_info: bytes,
                   attach_btf_id: int = 0, attach_prog_fd: int = 0) -> tuple[int, int, str]:
    """BPF_PROG_LOAD of `insns` with BTF `btf_fd` and `func_info` (insn_off, type_id
    records): (fd, errno, the verifier log's last line)."""
    insn_buf = ctypes.create_string_buffer(insns, len(insns))
    fi_buf = ctypes.create_string_buffer(func_info, len(func_info))
    license_buf = ctypes.create_string_buffer(b"GPL")
    log = ctypes.create_string_buffer(4096)
    attr = ctypes.create_string_buffer(_ATTR_SIZE)
    struct.pack_into("<IIQQIIQ", attr, 0, prog_type, len(insns) // 8,
                     ctypes.addressof(insn_buf), ctypes.addressof(license_buf), 1, len(log),
                     ctypes.addressof(log))
    struct.pack_into("<IIQI", attr, 72, btf_fd, 8, ctypes.addressof(fi_buf),
                     len(func_info) // 8)
    struct.pack_into("<II", attr, 108, attach_btf_id, attach_prog_fd)
    fd, err = _bpf(BPF_PROG_LOAD, attr)
    lines = [ln for ln in log.value.decode(errors="replace").splitlines() if ln.strip()]
    return fd, err, lines[-1] if lines else ""


def probe_freplace() -> ProbeResult:
    """freplace (BPF_PROG_TYPE_EXT, 5.6+): an extension of a loaded socket filter's global
    function `int f(int p)` loads (attach_prog_fd, attach_btf_id = f in the target's BTF).
    An EPERM without a verifier log while a tp_btf program loads is this host's refusal of
    trampoline attach targets (freplace attaches through the BPF trampoline too): absent,
    with that said."""
    name = "freplace"
    header = struct.pack("<HBBIIIII", 0xEB9F, 1, 0, 24, 0, len(_FREPLACE_BTF_TYPES),
                         len(_FREPLACE_BTF_TYPES), len(_BTF_STRINGS))
    blob = ctypes.create_string_buffer(header + _FREPLACE_BTF_TYPES + _BTF_STRINGS)
    attr = ctypes.create_string_buffer(_ATTR_SIZE)
    struct.pack_into("<QQII", attr, 0, ctypes.addressof(blob), 0, len(blob.raw) - 1, 0)
    btf_fd, err = _bpf(BPF_BTF_LOAD, attr)
    if btf_fd < 0:
        return failed(name, "BPF_BTF_LOAD of the probe's BTF", err)
    try:
        target, err, last = _load_with_btf(BPF_PROG_TYPE_SOCKET_FILTER, _FREPLACE_TARGET,
                                           btf_fd, struct.pack("<IIII", 0, 5, 3, 3))
        if target < 0:
            return ProbeResult(name, False, "the probe's target (a socket filter calling a "
                               f"global function) does not load: {last or os.strerror(err)}")
        try:
            fd, err, last = _load_with_btf(BPF_PROG_TYPE_EXT, _MOV64_R0_0 + _EXIT, btf_fd,
                                           struct.pack("<II", 0, 3), 3, target)
        finally:
            os.close(target)
    finally:
        os.close(btf_fd)
    if fd >= 0:
        os.close(fd)
        return ProbeResult(name, True, "an extension of a loaded program's global function "
                           "loads")
    if err == errno.EPERM and not last and probe_tracing_fentry().reason.endswith(
            "the kernel refuses trampoline attach targets to this process"):
        return ProbeResult(name, False, "BPF_PROG_LOAD of an extension (freplace) program: "
                           "Operation not permitted (no verifier log), as for fentry: the "
                           "kernel refuses trampoline attach targets to this process")
    if last:
        return ProbeResult(name, False, f"the verifier refuses an extension program: {last}")
    return failed(name, "BPF_PROG_LOAD of an extension (freplace) program", err)


def _probe_iter_target(name: str, target: str, since: str) -> ProbeResult:
    """An iterator target (`iter/<target>`): vmlinux BTF has its FUNC bpf_iter_<target>
    (iterator targets register by that BTF id: without the FUNC, no target)."""
    func = f"bpf_iter_{target}"
    try:
        with open("/sys/kernel/btf/vmlinux", "rb") as f:
            tid = btf_type_id(f.read(), BTF_KIND_FUNC, func)
    except OSError as exc:
        return ProbeResult(name, False, f"no vmlinux BTF: {exc}")
    except (ValueError, struct.error) as exc:
        return ProbeResult(name, False, f"cannot parse /sys/kernel/btf/vmlinux: {exc}",
                           error=True)
    if tid is None:
        return ProbeResult(name, False, f"vmlinux BTF has no FUNC {func} (the {target} "
                           f"iterator came with {since})")
    return ProbeResult(name, True, f"vmlinux BTF has FUNC {func} (id {tid})")


def probe_iter_ksym() -> ProbeResult:
    """The kallsyms iterator, iter/ksym (6.0+)."""
    return _probe_iter_target("iter_ksym", "ksym", "6.0")


def probe_iter_task_vma() -> ProbeResult:
    """The task VMA iterator, iter/task_vma (5.12+)."""
    return _probe_iter_target("iter_task_vma", "task_vma", "5.12")


def probe_iter_kmem_cache() -> ProbeResult:
    """The slab cache iterator, iter/kmem_cache (6.13+)."""
    return _probe_iter_target("iter_kmem_cache", "kmem_cache", "6.13")


def probe_iter_bpf_link() -> ProbeResult:
    """The BPF link iterator, iter/bpf_link (5.19+)."""
    return _probe_iter_target("iter_bpf_link", "bpf_link", "5.19")


def probe_preempt_rcu() -> ProbeResult:
    """CONFIG_PREEMPT_RCU, whose rcu_read_lock() counts in current->rcu_read_lock_nesting
    (the sleepable tests read it): vmlinux BTF names that task_struct member."""
    name = "preempt_rcu"
    try:
        with open("/sys/kernel/btf/vmlinux", "rb") as f:
            raw = f.read()
    except OSError as exc:
        return ProbeResult(name, False, f"no vmlinux BTF: {exc}")
    if b"\0rcu_read_lock_nesting\0" in raw:
        return ProbeResult(name, True, "vmlinux BTF names task_struct's "
                           "rcu_read_lock_nesting (CONFIG_PREEMPT_RCU)")
    return ProbeResult(name, False, "vmlinux BTF has no rcu_read_lock_nesting: no "
                       "CONFIG_PREEMPT_RCU, rcu_read_lock() leaves no count to read")


def probe_tracing_sleepable() -> ProbeResult:
    """Sleepable fentry (the secflags/ tests): an fentry program with BPF_F_SLEEPABLE on
    bpf_fentry_test1 loads, which the kernel allows because net/bpf/test_run.c lists that
    function KF_SLEEPABLE in its fmod_ret id set (6.0+; before, only through
    ALLOW_ERROR_INJECTION, which Debian's kernels do not build). Absent with
    tracing_fentry's reason when fentry itself is."""
    name = "tracing_sleepable"
    base = probe_tracing_fentry()
    if not base.ok:
        return ProbeResult(name, False, base.reason, base.error)
    try:
        with open("/sys/kernel/btf/vmlinux", "rb") as f:
            tid = btf_type_id(f.read(), BTF_KIND_FUNC, "bpf_fentry_test1")
    except (OSError, ValueError, struct.error) as exc:
        return ProbeResult(name, False, f"cannot read vmlinux BTF: {exc}", error=True)
    if tid is None:
        return ProbeResult(name, False, "vmlinux BTF has no FUNC bpf_fentry_test1")
    insns = _MOV64_R0_0 + _EXIT
    insn_buf = ctypes.create_string_buffer(insns, len(insns))
    license_buf = ctypes.create_string_buffer(b"GPL")
    log = ctypes.create_string_buffer(4096)
    attr = ctypes.create_string_buffer(_ATTR_SIZE)
    struct.pack_into("<IIQQIIQII", attr, 0, BPF_PROG_TYPE_TRACING, 2,
                     ctypes.addressof(insn_buf), ctypes.addressof(license_buf), 1, len(log),
                     ctypes.addressof(log), 0, BPF_F_SLEEPABLE)
    struct.pack_into("<I", attr, 68, BPF_TRACE_FENTRY)  # expected_attach_type
    struct.pack_into("<I", attr, 108, tid)  # attach_btf_id
    fd, err = _bpf(BPF_PROG_LOAD, attr)
    if fd >= 0:
        os.close(fd)
        return ProbeResult(name, True, "a sleepable fentry program on bpf_fentry_test1 loads")
    lines = _verifier_lines(log.value.decode(errors="replace"))
    if lines:
        return ProbeResult(name, False, "the verifier refuses a sleepable fentry program on "
                           f"bpf_fentry_test1: {lines[-1]}")
    return failed(name, "BPF_PROG_LOAD of a sleepable fentry program on bpf_fentry_test1", err)


def probe_lsm_bpf_hook() -> ProbeResult:
    """BPF LSM programs run (what the lsm/ tests observe): an lsm/bpf program, attached with
    BPF_RAW_TRACEPOINT_OPEN, counts into an ARRAY; the BPF_MAP_LOOKUP_ELEM that reads the
    count fires the hook first, so it reads >= 1. Absent when the program cannot load
    (probe bpf_lsm's reasons) or when it attaches but never runs: `bpf` is not among the
    active LSMs (CONFIG_LSM, lsm=), which is read by behaviour, not from securityfs."""
    name = "lsm_bpf_hook"
    try:
        with open("/sys/kernel/btf/vmlinux", "rb") as f:
            btf = f.read()
        tid = btf_type_id(btf, BTF_KIND_FUNC, "bpf_lsm_bpf")
    except OSError as exc:
        return ProbeResult(name, False, f"no vmlinux BTF: {exc}")
    except (ValueError, struct.error) as exc:
        return ProbeResult(name, False, f"cannot parse /sys/kernel/btf/vmlinux: {exc}",
                           error=True)
    if tid is None:
        return ProbeResult(name, False, "vmlinux BTF has no FUNC bpf_lsm_bpf (no CONFIG_BPF_LSM)")
    fds: list[int] = []
    try:
        attr = ctypes.create_string_buffer(_ATTR_SIZE)
        struct.pack_into("<IIII", attr, 0, 2, 4, 8, 1)  # ARRAY, key 4, value 8, 1 entry
        map_fd, err = _bpf(BPF_MAP_CREATE, attr)
        if map_fd < 0:
            return failed(name, "BPF_MAP_CREATE of an ARRAY", err)
        fds.append(map_fd)
        insns = b"".join((
            _insn(0x62, dst=10, off=-4, imm=0),                      # *(u32 *)(r10 - 4) = 0
            _insn(0xBF, dst=2, src=10), _insn(0x07, dst=2, imm=-4),  # r2 = r10 - 4
            _insn(0x18, dst=1, src=1, imm=map_fd), _insn(0),         # r1 = the map
            _insn(0x85, imm=1),                                      # bpf_map_lookup_elem
            _insn(0x15, dst=0, off=2, imm=0),                        # if r0 == 0 goto out
            _insn(0xB7, dst=1, imm=1),                               # r1 = 1
            _insn(0xDB, dst=0, src=1, imm=BPF_ADD),                  # lock *(u64 *)r0 += r1
            _MOV64_R0_0, _EXIT))
        insn_buf = ctypes.create_string_buffer(insns, len(insns))
        license_buf = ctypes.create_string_buffer(b"GPL")
        attr = ctypes.create_string_buffer(_ATTR_SIZE)
        struct.pack_into("<IIQQ", attr, 0, BPF_PROG_TYPE_LSM, len(insns) // 8,
                         ctypes.addressof(insn_buf), ctypes.addressof(license_buf))
        struct.pack_into("<I", attr, 68, BPF_LSM_MAC)  # expected_attach_type
        struct.pack_into("<I", attr, 108, tid)  # attach_btf_id
        prog_fd, err = _bpf(BPF_PROG_LOAD, attr)
        if prog_fd < 0:
            loads = probe_bpf_lsm()
            if not loads.ok:
                return ProbeResult(name, False, loads.reason, loads.error)
            return failed(name, "BPF_PROG_LOAD of an lsm/bpf program counting into a map", err)
        fds.append(prog_fd)
        attr = ctypes.create_string_buffer(_ATTR_SIZE)
        struct.pack_into("<QI", attr, 0, 0, prog_fd)
        link_fd, err = _bpf(17, attr)  # BPF_RAW_TRACEPOINT_OPEN, no name: the load target
        if link_fd < 0:
            return failed(name, "BPF_RAW_TRACEPOINT_OPEN of an lsm/bpf program", err)
        fds.append(link_fd)
        key = ctypes.c_uint32(0)
        value = ctypes.c_uint64(0)
        attr = ctypes.create_string_buffer(_ATTR_SIZE)
        struct.pack_into("<IIQQ", attr, 0, map_fd, 0, ctypes.addressof(key),
                         ctypes.addressof(value))
        ret, err = _bpf(1, attr)  # BPF_MAP_LOOKUP_ELEM
        if ret < 0:
            return failed(name, "BPF_MAP_LOOKUP_ELEM of the probe's counter", err)
    finally:
        for fd in reversed(fds):
            os.close(fd)
    if value.value == 0:
        return ProbeResult(name, False, "an lsm/bpf program loads and attaches but never runs "
                           "on bpf(): `bpf` is not an active LSM (CONFIG_LSM / lsm=)")
    return ProbeResult(name, True, f"an attached lsm/bpf program ran on bpf() ({value.value} "
                       "calls counted)")


PROBES: dict[str, Callable[[], ProbeResult]] = {
    "bpf_loop": probe_bpf_loop,
    "prog_test_run": probe_prog_test_run,
    "btf_vmlinux": probe_btf_vmlinux,
    "bpf_for_each_map_elem": probe_bpf_for_each_map_elem,
    "bpf_map_lookup_percpu_elem": probe_bpf_map_lookup_percpu_elem,
    "bpf_snprintf": probe_bpf_snprintf,
    "bpf_timer": probe_bpf_timer,
    "bpf_get_current_task": probe_bpf_get_current_task,
    "bpf_probe_read_kernel": probe_bpf_probe_read_kernel,
    "atomic_fetch": probe_atomic_fetch,
    "bpf_per_cpu_ptr": probe_bpf_per_cpu_ptr,
    "kfunc_iter_num": probe_kfunc_iter_num,
    "kfunc_bpf_throw": probe_kfunc_bpf_throw,
    "struct_ops_dummy": probe_struct_ops_dummy,
    "ksym_typed_var": probe_ksym_typed_var,
    "kprobes": probe_kprobes,
    "raw_tp_test_run": probe_raw_tp_test_run,
    "prog_type_syscall": probe_prog_type_syscall,
    "prog_run_flow_dissector_retval": probe_prog_run_flow_dissector_retval,
    "map_bloom_filter": probe_map_bloom_filter,
    "bloom_hash_layout": probe_bloom_hash_layout,
    "struct_ops_link": probe_struct_ops_link,
    "sk_lookup_test_run": probe_sk_lookup_test_run,
    "netfilter_test_run": probe_netfilter_test_run,
    "global_func_ptr_arg": probe_global_func_ptr_arg,
    "xdp_frags": probe_xdp_frags,
    "insn_set_v4": probe_insn_set_v4,
    "map_user_ringbuf": probe_map_user_ringbuf,
    "map_arena": probe_map_arena,
    "map_task_storage": probe_map_task_storage,
    "map_inode_storage": probe_map_inode_storage,
    "map_cgrp_storage": probe_map_cgrp_storage,
    "tracing_fentry": probe_tracing_fentry,
    "tracing_fmod_ret": probe_tracing_fmod_ret,
    "bpf_lsm": probe_bpf_lsm,
    "lsm_bpf_hook": probe_lsm_bpf_hook,
    "tracing_sleepable": probe_tracing_sleepable,
    "freplace": probe_freplace,
    "iter_ksym": probe_iter_ksym,
    "iter_task_vma": probe_iter_task_vma,
    "iter_bpf_link": probe_iter_bpf_link,
    "iter_kmem_cache": probe_iter_kmem_cache,
    "preempt_rcu": probe_preempt_rcu,
}
PROBE_NAMES: tuple[str, ...] = tuple(PROBES)


def run_probes(names: Iterable[str]) -> dict[str, ProbeResult]:
    """Run each named probe once; a probe that raises (OSError) or is unknown is recorded as
    an error with the cause, never as absent."""
    results: dict[str, ProbeResult] = {}
    for name in sorted(set(names)):
        probe = PROBES.get(name)
        if probe is None:
            results[name] = ProbeResult(name, False, f"unknown probe {name!r}", error=True)
            continue
        try:
            results[name] = probe()
        except OSError as exc:
            results[name] = ProbeResult(name, False, f"probe failed: {exc}", error=True)
    return results


def bpf_denied() -> str | None:
    """Why this process may not use bpf(), or None: one clear message instead of every item
    failing with EPERM (an unprivileged user, or root without capabilities)."""
    log = ctypes.create_string_buffer(256)
    fd, err = _prog_load(_MOV64_R0_0 + _EXIT, log)
    if fd >= 0:
        os.close(fd)
        return None
    if err not in (errno.EPERM, errno.EACCES):
        return None  # not a privilege problem: the items will say what it is
    return (f"bpf(BPF_PROG_LOAD) denied ({os.strerror(err)}): run as root, or grant "
            "CAP_BPF with CAP_NET_ADMIN and CAP_PERFMON (CAP_SYS_ADMIN before Linux 5.8)")
