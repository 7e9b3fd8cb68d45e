#!/usr/bin/env python3
"""bpfconform adapter for the bpftool CLI (docs/adapter-protocol.md, version 1).

Each `run` request is what a user scripts: `bpftool prog loadall OBJ DIR`, then
`bpftool -j prog run pinned DIR/PROG data_in FILE repeat N`, then the pins are removed.
bpftool has no pin-root option (it opens objects with libbpf's default, /sys/fs/bpf), so
the adapter lives in its own mount namespace and bind-mounts the request's `pin_root` over
/sys/fs/bpf while bpftool runs: maps pinned by name land under `pin_root`, exactly where
libbpf's `pin_root_path` would put them, and nothing leaks into the host's /sys/fs/bpf.
`pinmaps` pins every other map there too; those pins are removed after the request, so
only what libbpf itself pins by name stays. Standalone: it does not import the harness.
"""

from __future__ import annotations

import ctypes
import errno
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
import traceback
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

ADAPTER_VERSION = "0.1.0"
BPFFS = "/sys/fs/bpf"
PROGS_DIR = "bpfconform-bpftool-progs"
DEFAULT_DATA_IN = bytes(64)
TIMEOUT_S = 60.0
VERIFIER_LOG_CAP = 64 * 1024

CLONE_NEWNS = 0x00020000
MS_BIND = 0x1000
MS_REC = 0x4000
MS_PRIVATE = 1 << 18
MNT_DETACH = 2

LOG_RE = re.compile(r"-- BEGIN PROG LOAD LOG --\n(?P<log>.*?)-- END PROG LOAD LOG --", re.DOTALL)
NEG_ERRNO_RE = re.compile(r": -(\d+)\s*$", re.MULTILINE)
FAILURE_RE = re.compile(r"fail|can't|cannot|error|invalid|not found|denied|unsupported", re.I)
STRERROR = {os.strerror(code): code for code in errno.errorcode}


class BadRequest(Exception):
    """A request this adapter cannot act on."""


@dataclass
class Reply:
    """One `run` reply; `phase` is the failing phase or `done`."""

    id: Any
    phase: str = "open"
    retval: int | None = None
    errno: int | None = None
    error: str | None = None
    verifier_log: str | None = None
    ns: dict[str, int] = field(default_factory=dict)
    #: "refused" (bpftool exited non-zero: libbpf or the kernel declined) or "internal"
    #: (a bad request, an unsupported field, the adapter's own failure); None when done
    error_kind: str | None = None

    def fail(self, phase: str, error: str, err: int | None = None) -> Reply:
        """Record a refusal in `phase`: bpftool said no."""
        self.phase, self.error, self.errno, self.error_kind = phase, error, err, "refused"
        return self

    def internal(self, phase: str, error: str, err: int | None = None) -> Reply:
        """Record a failure in `phase` that is not bpftool's verdict on the object."""
        self.phase, self.error, self.errno, self.error_kind = phase, error, err, "internal"
        return self

    def to_json(self) -> str:
        """The reply line, without the newline."""
        return json.dumps(self.__dict__, separators=(",", ":"))


@dataclass(frozen=True)
class Request:
    """A validated `run` request."""

    id: Any
    elf: str
    program: str
    pin_root: str
    btf_custom_path: str | None
    data_in: bytes
    repeat: int
    ctx_in: bytes | None = None

    @classmethod
    def parse(cls, obj: dict[str, Any]) -> Request:
        """Validate a decoded request; raise BadRequest."""
        if obj.get("skip"):
            raise BadRequest("skip not supported")
        fields = ("elf", "program", "pin_root", "btf_custom_path", "data_in", "ctx_in")
        for key in fields:
            if obj.get(key) is not None and not isinstance(obj[key], str):
                raise BadRequest(f"bad request: '{key}' must be a string or null")
        if not obj.get("elf") or not obj.get("program") or not obj.get("pin_root"):
            raise BadRequest("bad request: run needs 'elf', 'program' and 'pin_root'")
        repeat = obj.get("repeat", 1)
        if repeat is None:
            repeat = 1
        if not isinstance(repeat, int) or isinstance(repeat, bool) or not 0 <= repeat < 2**32:
            raise BadRequest("bad request: 'repeat' must be a 32-bit unsigned integer")
        try:
            data = bytes.fromhex(obj["data_in"]) if obj.get("data_in") else DEFAULT_DATA_IN
        except ValueError as exc:
            raise BadRequest(f"bad request: 'data_in' is not hex: {exc}") from exc
        try:
            ctx = bytes.fromhex(obj["ctx_in"]) if obj.get("ctx_in") else None
        except ValueError as exc:
            raise BadRequest(f"bad request: 'ctx_in' is not hex: {exc}") from exc
        return cls(
            obj.get("id"),
            obj["elf"],
            obj["program"],
            obj["pin_root"],
            obj.get("btf_custom_path"),
            data,
            repeat,
            ctx,
        )


class Namespace:
    """The adapter's private mount namespace, where `pin_root` is bind-mounted on bpffs."""

    def __init__(self) -> None:
        self.libc = ctypes.CDLL(None, use_errno=True)
        self.libc.unshare.argtypes = [ctypes.c_int]
        self.libc.mount.argtypes = [
            ctypes.c_char_p,
            ctypes.c_char_p,
            ctypes.c_char_p,
            ctypes.c_ulong,
            ctypes.c_void_p,
        ]
        self.libc.umount2.argtypes = [ctypes.c_char_p, ctypes.c_int]
        self._check(self.libc.unshare(CLONE_NEWNS), "unshare(CLONE_NEWNS)")
        self._check(
            self.libc.mount(b"none", b"/", None, MS_REC | MS_PRIVATE, None),
            "mount --make-rprivate /",
        )

    def _check(self, rc: int, what: str) -> None:
        if rc != 0:
            err = ctypes.get_errno()
            raise OSError(err, f"{what}: {os.strerror(err)}")

    def bind_pin_root(self, pin_root: str) -> None:
        """Make `pin_root` appear at /sys/fs/bpf for bpftool."""
        self._check(
            self.libc.mount(pin_root.encode(), BPFFS.encode(), None, MS_BIND, None),
            f"mount --bind {pin_root} {BPFFS}",
        )

    def unbind(self) -> None:
        """Undo `bind_pin_root`."""
        self._check(self.libc.umount2(BPFFS.encode(), MNT_DETACH), f"umount {BPFFS}")


def bpftool(*args: str) -> tuple[subprocess.CompletedProcess[str], int]:
    """Run `bpftool -j ARGS`; return the process and its wall time in ns."""
    start = time.monotonic_ns()
    proc = subprocess.run(
        ["bpftool", "-j", *args], capture_output=True, text=True, timeout=TIMEOUT_S
    )
    sys.stderr.write(proc.stderr)
    return proc, time.monotonic_ns() - start


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


MODIFIERS = ("TYPEDEF", "CONST", "VOLATILE", "RESTRICT", "TYPE_TAG")


def pinned_by_name(elf: str) -> set[str]:
    """Names of the object's BTF-defined maps declared `__uint(pinning, LIBBPF_PIN_BY_NAME)`.

    libbpf reads the `pinning` member of a `.maps` variable's struct as `int (*)[N]`:
    N = 1 (LIBBPF_PIN_BY_NAME) pins the map at `<pin root>/<name>`. An object without BTF
    (or one bpftool cannot dump) has no by-name maps: libbpf pins only BTF-defined maps.
    """
    try:
        proc = subprocess.run(
            ["bpftool", "-j", "btf", "dump", "file", elf],
            capture_output=True,
            text=True,
            timeout=TIMEOUT_S,
        )
        types = {t["id"]: t for t in json.loads(proc.stdout)["types"]}
    except (OSError, subprocess.TimeoutExpired, json.JSONDecodeError, KeyError, TypeError):
        return set()

    def resolve(tid: Any) -> dict[str, Any]:
        t: dict[str, Any] = types.get(tid, {})
        while t.get("kind") in MODIFIERS:
            t = types.get(t.get("type_id"), {})
        return t

    names = set()
    for sec in types.values():
        if sec.get("kind") != "DATASEC" or sec.get("name") != ".maps":
            continue
        for var in sec.get("vars", []):
            v = types.get(var.get("type_id"), {})
            for member in resolve(v.get("type_id")).get("members", []):
                if member.get("name") != "pinning":
                    continue
                ptr = resolve(member.get("type_id"))
                arr = resolve(ptr.get("type_id")) if ptr.get("kind") == "PTR" else {}
                if arr.get("kind") == "ARRAY" and arr.get("nr_elems") == 1:
                    names.add(str(v.get("name")))
    return names


def remove_pinmaps_pins(before: set[str], by_name: set[str]) -> None:
    """Unpin what `pinmaps` added under the pin root: every new entry that is neither the
    program pins' directory nor a map libbpf pins by name (those stay, as with libbpf)."""
    try:
        now = set(os.listdir(BPFFS))
    except OSError:
        return
    for name in sorted(now - before - by_name - {PROGS_DIR}):
        path = Path(BPFFS) / name
        if path.is_dir() and not path.is_symlink():
            shutil.rmtree(path, ignore_errors=True)
        else:
            path.unlink(missing_ok=True)


def load_and_run(req: Request, reply: Reply, workdir: Path) -> Reply:
    """`bpftool prog loadall`, then `bpftool prog run pinned`, inside the bind mount."""
    progs = f"{BPFFS}/{PROGS_DIR}"
    # `pinmaps` keeps a user reference on every map after bpftool exits: without one the
    # kernel empties a PROG_ARRAY (prog_array_map_clear) and `.values` tail calls fall
    # through. Pinned into the (bind-mounted) pin root, where LIBBPF_PIN_BY_NAME maps
    # already live, so by-name pins keep their path (any other directory makes
    # bpf_object__pin_maps refuse them: "already has pin path ... different from ...");
    # handle_run unpins the maps that are not pinned by name once the program has run.
    args = ["prog", "loadall", req.elf, progs, "pinmaps", BPFFS]
    if req.btf_custom_path is not None:
        return reply.internal("open", "bpftool prog loadall has no btf_custom_path option")
    proc, reply.ns["load"] = bpftool(*args)
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
    data_file = workdir / "data_in"
    data_file.write_bytes(req.data_in)
    run_args = ["prog", "run", "pinned", str(pinned), "data_in", str(data_file)]
    if req.ctx_in is not None:  # `ctx_in FILE` (bpftool has no way to pass no data)
        ctx_file = workdir / "ctx_in"
        ctx_file.write_bytes(req.ctx_in)
        run_args += ["ctx_in", str(ctx_file)]
    proc, reply.ns["run"] = bpftool(*run_args, "repeat", str(req.repeat))
    if proc.returncode != 0:
        message = json_error(proc.stdout)
        return reply.fail("run", f"bpftool prog run: {message}", errno_from(message))
    try:
        result = json.loads(proc.stdout)
        reply.retval = int(result["retval"]) & 0xFFFFFFFF
    except (json.JSONDecodeError, KeyError, TypeError, ValueError) as exc:
        return reply.internal(
            "run", f"bpftool prog run: unexpected output {proc.stdout!r}: {exc}")
    reply.phase = "done"
    return reply


def handle_run(ns: Namespace | OSError, obj: dict[str, Any]) -> Reply:
    """One `run` request; pins under the request's progs dir are removed afterwards."""
    reply = Reply(obj.get("id"))
    try:
        req = Request.parse(obj)
    except BadRequest as exc:
        return reply.internal("open", str(exc))
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
        with tempfile.TemporaryDirectory(prefix="bpfconform-bpftool-") as tmp:
            return load_and_run(req, reply, Path(tmp))
    except subprocess.TimeoutExpired as exc:
        return reply.internal(reply.phase, f"bpftool timed out after {exc.timeout}s: {exc.cmd}")
    finally:
        shutil.rmtree(f"{BPFFS}/{PROGS_DIR}", ignore_errors=True)
        remove_pinmaps_pins(before, by_name)
        ns.unbind()


def hello() -> dict[str, Any]:
    """The `hello` reply: bpftool's version and the libbpf it was built with."""
    try:
        version = json.loads(
            subprocess.run(
                ["bpftool", "version", "-j"], capture_output=True, text=True, timeout=10
            ).stdout
        )
    except (OSError, json.JSONDecodeError, subprocess.TimeoutExpired) as exc:
        version = {"version": f"unknown ({exc})"}
    return {
        "op": "hello",
        "protocol": 1,
        "name": "bpftool",
        "adapter_version": ADAPTER_VERSION,
        "library": "bpftool",
        "library_version": str(version.get("version", "unknown")),
        "libbpf_version": str(version.get("libbpf_version", "unknown")),
        "supports": ["pin_root", "data_in", "repeat", "ctx_in"],
    }


def handle_line(ns: Namespace | OSError, line: str) -> dict[str, Any] | str | None:
    """One request line → its reply (a dict or a JSON line), or None for `bye`."""
    bad = Reply(None)
    try:
        obj = json.loads(line)
    except json.JSONDecodeError as exc:
        return bad.internal("open", f"bad request: {exc}").to_json()
    if not isinstance(obj, dict):
        return bad.internal("open", "bad request: not a JSON object").to_json()
    op = obj.get("op")
    if op == "bye":
        return None
    if op == "hello":
        return hello()
    bad.id = obj.get("id")
    if op == "run":
        try:
            return handle_run(ns, obj).to_json()
        except Exception as exc:  # the adapter broke: an internal error, not a refusal
            traceback.print_exception(exc, file=sys.stderr)
            where = traceback.extract_tb(exc.__traceback__)[-1]
            return bad.internal("open", f"internal error: {type(exc).__name__}: {exc} "
                                f"(at {Path(where.filename).name}:{where.lineno} "
                                f"in {where.name})").to_json()
    return bad.internal("open", f"bad request: unknown op {op!r}").to_json()


def main() -> int:
    """Serve requests from stdin until `bye` or EOF."""
    ns: Namespace | OSError
    try:
        ns = Namespace()
    except OSError as exc:
        ns = exc
        print(f"bpfconform-bpftool: {exc}", file=sys.stderr)
    for raw in sys.stdin:
        line = raw.strip()
        if not line:
            continue
        reply = handle_line(ns, line)
        if reply is None:
            break
        sys.stdout.write((reply if isinstance(reply, str) else json.dumps(reply)) + "\n")
        sys.stdout.flush()
    return 0


if __name__ == "__main__":
    sys.exit(main())
