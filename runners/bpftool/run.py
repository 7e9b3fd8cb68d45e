"""A `run` request: one `bpftool prog loadall` command (the loader under test) in the
adapter's `bpftool batch` process, then the test run of the pinned program with the
adapter's own bpf() calls, then the cleanup.

bpftool has no pin-root option (it opens objects with libbpf's default, /sys/fs/bpf), so
the adapter lives in its own mount namespace and bind-mounts the request's `pin_root` over
/sys/fs/bpf while bpftool runs: maps pinned by name land under `pin_root`, exactly where
libbpf's `pin_root_path` would put them, and nothing leaks into the host's /sys/fs/bpf.
`pinmaps` pins every other map there too; those pins are removed after the request, so
only what libbpf itself pins by name stays.
"""

from __future__ import annotations

import contextlib
import ctypes
import errno
import json
import os
import platform
import re
import select
import shutil
import signal
import struct
import subprocess
import sys
import time
from pathlib import Path

from pins import pinned_by_name, remove_pinmaps_pins
from protocol import BadRequest, Reply, Request

BPFFS = "/sys/fs/bpf"
PROGS_DIR = "bpfconform-bpftool-progs"
TIMEOUT_S = 60.0
VERIFIER_LOG_CAP = 64 * 1024

CLONE_NEWNS = 0x00020000
MS_BIND = 0x1000
MS_REC = 0x4000
MS_PRIVATE = 1 << 18
MNT_DETACH = 2

# include/uapi/linux/bpf.h
BPF_OBJ_GET = 7
BPF_PROG_TEST_RUN = 10
SYS_BPF = {"x86_64": 321, "aarch64": 280}
ATTR_SIZE = 128
# What `bpftool prog run` hands the kernel (prog.c, do_run): a data_out (and, with ctx_in,
# a ctx_out) buffer of this size, so a program that grows its packet sees the same room
RUN_OUT_SIZE = 32 * 1024

LOG_RE = re.compile(r"-- BEGIN PROG LOAD LOG --\n(?P<log>.*?)-- END PROG LOAD LOG --", re.DOTALL)
NEG_ERRNO_RE = re.compile(r": -(\d+)\s*$", re.MULTILINE)
FAILURE_RE = re.compile(r"fail|can't|cannot|error|invalid|not found|denied|unsupported", re.I)
STRERROR = {os.strerror(code): code for code in errno.errorcode}


class Kernel:
    """The libc calls the adapter makes itself: unshare, mount, umount2, syscall(bpf)."""

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

    def bpf(self, cmd: int, attr: bytes) -> tuple[int, int, bytes]:
        """bpf(cmd, attr): (return value, errno, attr as the kernel left it)."""
        if self.sys_bpf is None:
            raise OSError(errno.ENOSYS, f"no bpf() syscall number for {platform.machine()}")
        buf = ctypes.create_string_buffer(attr.ljust(ATTR_SIZE, b"\0"), ATTR_SIZE)
        ret = int(self.libc.syscall(self.sys_bpf, cmd, buf, ATTR_SIZE))
        return ret, (ctypes.get_errno() if ret < 0 else 0), buf.raw


class Namespace:
    """The adapter's private mount namespace, where `pin_root` is bind-mounted on bpffs."""

    def __init__(self, kernel: Kernel) -> None:
        self.kernel = kernel
        kernel.check(kernel.libc.unshare(CLONE_NEWNS), "unshare(CLONE_NEWNS)")
        kernel.check(kernel.libc.mount(b"none", b"/", None, MS_REC | MS_PRIVATE, None),
                     "mount --make-rprivate /")

    def bind_pin_root(self, pin_root: str) -> None:
        """Make `pin_root` appear at /sys/fs/bpf for bpftool."""
        self.kernel.check(
            self.kernel.libc.mount(pin_root.encode(), BPFFS.encode(), None, MS_BIND, None),
            f"mount --bind {pin_root} {BPFFS}")

    def unbind(self) -> None:
        """Undo `bind_pin_root`."""
        self.kernel.check(self.kernel.libc.umount2(BPFFS.encode(), MNT_DETACH),
                          f"umount {BPFFS}")


def bpftool(*args: str) -> tuple[subprocess.CompletedProcess[str], int]:
    """Run `bpftool -j ARGS` as a process of its own; return it and its wall time in ns."""
    start = time.monotonic_ns()
    proc = subprocess.run(
        ["bpftool", "-j", *args], capture_output=True, text=True, timeout=TIMEOUT_S
    )
    sys.stderr.write(proc.stderr)
    return proc, time.monotonic_ns() - start


class Batch:
    """One `bpftool -j batch file -` process that runs the adapter's commands one at a time
    (bpftool's own batch mode: the same command table, `cmd_select`, as its command line).

    Per command bpftool writes `{"command":[ARGS],"output":VALUE` on stdout (the closing
    brace comes with the next command); VALUE is `null` for a `prog loadall` that worked and
    `{"error":MSG}` for one that failed, after which bpftool ends the batch and exits 255.
    stdout is made unbuffered with coreutils' `stdbuf -o0`, so VALUE arrives when the
    command ends; libbpf's lines arrive on stderr (unbuffered) before it. A command answers
    like `bpftool()`: a CompletedProcess whose returncode is 0, 255 (a refusal: the error
    element is its stdout), or the negative signal that killed bpftool (a crash). After a
    failed command the next one starts a fresh batch process.
    """

    UNSAFE = re.compile(r"[\s'\"\\#]")  # what bpftool's batch line parser (make_args) reads

    def __init__(self) -> None:
        self.proc: subprocess.Popen[bytes] | None = None
        self.out = b""
        self.decoder = json.JSONDecoder()

    def start(self) -> subprocess.Popen[bytes]:
        """The running batch process (started when there is none)."""
        if self.proc is None or self.proc.poll() is not None:
            self.close()
            self.proc = subprocess.Popen(
                ["stdbuf", "-o0", "bpftool", "-j", "batch", "file", "-"],
                stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
            self.out = b""
        return self.proc

    def run(self, *args: str) -> tuple[subprocess.CompletedProcess[str], int] | None:
        """Run one command in the batch process; None when an argument cannot be written
        on a batch line (whitespace, quotes, backslash, `#`): the caller runs `bpftool()`."""
        if any(self.UNSAFE.search(arg) for arg in args):
            return None
        start = time.monotonic_ns()
        proc = self.start()
        assert proc.stdin is not None and proc.stdout is not None and proc.stderr is not None
        line = " ".join(args)
        try:
            proc.stdin.write(line.encode() + b"\n")
            proc.stdin.flush()
        except BrokenPipeError:
            pass  # it died: its status says how
        err, value = b"", None
        deadline = time.monotonic() + TIMEOUT_S
        streams = [proc.stdout, proc.stderr]
        while value is None and streams:
            left = deadline - time.monotonic()
            if left <= 0:
                self.close()
                raise subprocess.TimeoutExpired(["bpftool", "batch", line], TIMEOUT_S)
            ready, _, _ = select.select(streams, [], [], left)
            for stream in ready:
                chunk = os.read(stream.fileno(), 1 << 16)
                if not chunk:
                    streams.remove(stream)
                elif stream is proc.stderr:
                    err += chunk
                else:
                    self.out += chunk
                    value = self.output()
        while streams and select.select([proc.stderr], [], [], 0)[0]:  # written before VALUE
            chunk = os.read(proc.stderr.fileno(), 1 << 16)
            if not chunk:
                break
            err += chunk
        stderr = err.decode(errors="replace")
        sys.stderr.write(stderr)
        if value is None:  # stdout closed before the command's output: bpftool is gone
            code = self.close() or 255  # exited (a status, not a signal): it said no
            stdout = self.out.decode(errors="replace")
        elif value == "null":
            code, stdout = 0, value
        else:  # {"error": ...}: bpftool ends the batch
            code, stdout = (self.close() or 255), value
        return (subprocess.CompletedProcess(["bpftool", "batch", line], code, stdout, stderr),
                time.monotonic_ns() - start)

    def output(self) -> str | None:
        """The current command's output VALUE as JSON text, once complete; consumes it."""
        mark = self.out.find(b'"output":')
        if mark < 0:
            return None
        text = self.out[mark + len(b'"output":'):].decode(errors="replace")
        try:
            obj, end = self.decoder.raw_decode(text)
        except json.JSONDecodeError:
            return None
        self.out = text[end:].encode()
        return json.dumps(obj, separators=(",", ":"))

    def close(self) -> int:
        """End the batch process (closing its stdin ends the batch); its exit status."""
        proc, self.proc = self.proc, None
        if proc is None:
            return 0
        with contextlib.suppress(OSError):
            assert proc.stdin is not None
            proc.stdin.close()
        try:
            return proc.wait(timeout=5)
        except subprocess.TimeoutExpired:
            proc.kill()
            return proc.wait()


def json_error(stdout: str) -> str:
    """bpftool's `{"error": ...}` message, or the raw output."""
    try:
        obj = json.loads(stdout.strip().splitlines()[-1])
    except (json.JSONDecodeError, IndexError):
        return stdout.strip()
    return str(obj.get("error", obj)) if isinstance(obj, dict) else stdout.strip()


def errno_from(text: str) -> int | None:
    """The first errno libbpf names in `text` (`: -13` or a strerror message).

    The verifier log is left out: its own `-22`s are not the load's errno.
    """
    text = LOG_RE.sub("", text)
    match = NEG_ERRNO_RE.search(text)
    if match:
        return int(match.group(1))
    for message, code in STRERROR.items():
        if message in text:
            return code
    return None


def first_libbpf_warning(stderr: str) -> str:
    """The first `libbpf:` line that reports a failure, for the reply's `error`.

    bpftool prints libbpf's info and warning lines alike; info lines such as
    "elf: skipping unrecognized data section" are passed over.
    """
    lines = [
        line
        for line in LOG_RE.sub("", stderr).splitlines()
        if line.startswith("libbpf: ") and not line.startswith("libbpf: elf: skipping")
    ]
    for line in lines:
        if FAILURE_RE.search(line):
            return line
    return lines[-1] if lines else ""


def verifier_log(stderr: str) -> str | None:
    """The verifier log libbpf printed on a failed program load, tail-bounded."""
    match = LOG_RE.search(stderr)
    if not match:
        return None
    log = match.group("log")
    if len(log) > VERIFIER_LOG_CAP:
        log = "[... verifier log truncated ...]\n" + log[-VERIFIER_LOG_CAP:]
    return log


def test_run(kernel: Kernel, pinned: Path, req: Request, reply: Reply) -> Reply:
    """BPF_OBJ_GET of the pinned program, then BPF_PROG_TEST_RUN with the attributes
    `bpftool prog run pinned PROG data_in F [ctx_in F] repeat N` would pass."""
    path = ctypes.create_string_buffer(str(pinned).encode())
    fd, err, _ = kernel.bpf(BPF_OBJ_GET, struct.pack("<QII", ctypes.addressof(path), 0, 0))
    if fd < 0:
        return reply.internal("run", f"BPF_OBJ_GET {pinned}: {os.strerror(err)}", err)
    try:
        data = ctypes.create_string_buffer(req.data_in, len(req.data_in))
        data_out = ctypes.create_string_buffer(RUN_OUT_SIZE)
        ctx = ctypes.create_string_buffer(req.ctx_in or b"", len(req.ctx_in or b""))
        ctx_out = ctypes.create_string_buffer(RUN_OUT_SIZE if req.ctx_in else 0)
        attr = struct.pack(
            "<IIIIQQIIIIQQ", fd, 0, len(req.data_in), RUN_OUT_SIZE,
            ctypes.addressof(data), ctypes.addressof(data_out), req.repeat, 0,
            len(req.ctx_in or b""), RUN_OUT_SIZE if req.ctx_in else 0,
            ctypes.addressof(ctx) if req.ctx_in else 0,
            ctypes.addressof(ctx_out) if req.ctx_in else 0)
        start = time.monotonic_ns()
        ret, err, out = kernel.bpf(BPF_PROG_TEST_RUN, attr)
        reply.ns["run"] = time.monotonic_ns() - start
    finally:
        os.close(fd)
    if ret < 0:
        return reply.fail("run", f"BPF_PROG_TEST_RUN of {req.program} (pinned by bpftool "
                          f"prog loadall): {os.strerror(err)}", err)
    reply.retval, reply.phase = struct.unpack_from("<I", out, 4)[0], "done"
    return reply


def load_and_run(kernel: Kernel, batch: Batch, req: Request, reply: Reply) -> Reply:
    """`bpftool prog loadall` inside the bind mount, then the pinned program's test run."""
    progs = f"{BPFFS}/{PROGS_DIR}"
    # `pinmaps` keeps a user reference on every map after bpftool exits: without one the
    # kernel empties a PROG_ARRAY (prog_array_map_clear) and `.values` tail calls fall
    # through. Pinned into the (bind-mounted) pin root, where LIBBPF_PIN_BY_NAME maps
    # already live, so by-name pins keep their path (any other directory makes
    # bpf_object__pin_maps refuse them: "already has pin path ... different from ...");
    # handle_run unpins the maps that are not pinned by name once the program has run.
    args = ("prog", "loadall", req.elf, progs, "pinmaps", BPFFS)
    proc, reply.ns["load"] = batch.run(*args) or bpftool(*args)
    if proc.returncode < 0:  # a crash is never a refusal
        sig = signal.Signals(-proc.returncode).name
        return reply.internal("load", f"bpftool prog loadall {req.elf}: killed by {sig}; "
                              f"{first_libbpf_warning(proc.stderr)}")
    if proc.returncode != 0:
        message = json_error(proc.stdout)
        # bpftool opens (libbpf open) before it loads; its message says which failed.
        phase = "open" if "open" in message or "guess" in message else "load"
        warning = first_libbpf_warning(proc.stderr)
        reply.verifier_log = verifier_log(proc.stderr)
        detail = f"bpftool prog loadall {req.elf}: {message}" + (f"; {warning}" if warning else "")
        return reply.fail(phase, detail, errno_from(proc.stderr))

    pinned = Path(progs) / req.program
    if not pinned.exists():
        names = sorted(p.name for p in Path(progs).iterdir())
        return reply.fail(
            "run",
            f"program '{req.program}' not found in object {req.elf} (pinned: {', '.join(names)})",
            errno.ENOENT,
        )
    return test_run(kernel, pinned, req, reply)


def handle_run(kernel: Kernel, batch: Batch, ns: Namespace | OSError,
               obj: dict[str, object]) -> Reply:
    """One `run` request; pins under the request's progs dir are removed afterwards."""
    reply = Reply(obj.get("id"))
    try:
        req = Request.parse(obj)
    except BadRequest as exc:
        return reply.internal("open", str(exc))
    if req.btf_custom_path is not None:
        return reply.internal("open", "bpftool prog loadall has no btf_custom_path option")
    if isinstance(ns, OSError):
        return reply.internal("open", f"cannot isolate {BPFFS} for bpftool: {ns}", ns.errno)
    try:
        ns.bind_pin_root(req.pin_root)
    except OSError as exc:
        return reply.internal("open", str(exc), exc.errno)
    try:
        before = set(os.listdir(BPFFS))
    except OSError as exc:
        ns.unbind()
        return reply.internal("open", f"cannot list {req.pin_root}: {exc}", exc.errno)
    by_name = pinned_by_name(req.elf)
    try:
        return load_and_run(kernel, batch, req, reply)
    except subprocess.TimeoutExpired as exc:
        return reply.internal(reply.phase, f"bpftool timed out after {exc.timeout}s: {exc.cmd}")
    finally:
        shutil.rmtree(f"{BPFFS}/{PROGS_DIR}", ignore_errors=True)
        remove_pinmaps_pins(BPFFS, before | by_name | {PROGS_DIR})
        ns.unbind()
