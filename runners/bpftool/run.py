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
import errno
import json
import os
import re
import select
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

from pins import pinned_by_name, remove_pinmaps_pins
from pyadapter.libbpf_log import LOG_RE, errno_from, verifier_log
from pyadapter.protocol import BadRequest, Reply, Request
from pyadapter.syscalls import (
    CLONE_NEWNS,
    MS_BIND,
    MS_PRIVATE,
    MS_REC,
    Libc,
    obj_get,
    prog_test_run,
)

BPFFS = "/sys/fs/bpf"
PROGS_DIR = "bpfconform-bpftool-progs"
TIMEOUT_S = 60.0

# What `bpftool prog run` hands the kernel (prog.c, do_run): a data_out (and, with ctx_in,
# a ctx_out) buffer of this size, so a program that grows its packet sees the same room
RUN_OUT_SIZE = 32 * 1024

FAILURE_RE = re.compile(r"fail|can't|cannot|error|invalid|not found|denied|unsupported", re.I)


class Namespace:
    """The adapter's private mount namespace, where `pin_root` is bind-mounted on bpffs."""

    def __init__(self, libc: Libc) -> None:
        self.libc = libc
        libc.unshare(CLONE_NEWNS, "unshare(CLONE_NEWNS)")
        libc.mount("none", "/", None, MS_REC | MS_PRIVATE, "mount --make-rprivate /")

    def bind_pin_root(self, pin_root: str) -> None:
        """Make `pin_root` appear at /sys/fs/bpf for bpftool."""
        self.libc.mount(pin_root, BPFFS, None, MS_BIND, f"mount --bind {pin_root} {BPFFS}")

    def unbind(self) -> None:
        """Undo `bind_pin_root`."""
        self.libc.umount(BPFFS)


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


def test_run(libc: Libc, pinned: Path, req: Request, reply: Reply) -> Reply:
    """BPF_OBJ_GET of the pinned program, then BPF_PROG_TEST_RUN with the attributes
    `bpftool prog run pinned PROG data_in F [ctx_in F] repeat N` would pass."""
    fd, err = obj_get(libc, str(pinned))
    if fd < 0:
        return reply.internal("run", f"BPF_OBJ_GET {pinned}: {os.strerror(err)}", err)
    try:
        start = time.monotonic_ns()
        ret, err, retval = prog_test_run(libc, fd, req.data_in, req.ctx_in, req.repeat,
                                         RUN_OUT_SIZE)
        reply.ns["run"] = time.monotonic_ns() - start
    finally:
        os.close(fd)
    if ret < 0:
        return reply.fail("run", f"BPF_PROG_TEST_RUN of {req.program} (pinned by bpftool "
                          f"prog loadall): {os.strerror(err)}", err)
    reply.retval, reply.phase = retval, "done"
    return reply


def load_and_run(libc: Libc, batch: Batch, req: Request, reply: Reply) -> Reply:
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
    return test_run(libc, pinned, req, reply)


def handle_run(libc: Libc, batch: Batch, ns: Namespace | OSError,
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
        return load_and_run(libc, batch, req, reply)
    except subprocess.TimeoutExpired as exc:
        return reply.internal(reply.phase, f"bpftool timed out after {exc.timeout}s: {exc.cmd}")
    finally:
        shutil.rmtree(f"{BPFFS}/{PROGS_DIR}", ignore_errors=True)
        remove_pinmaps_pins(BPFFS, before | by_name | {PROGS_DIR})
        ns.unbind()
