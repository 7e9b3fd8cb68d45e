"""A `run` request, in a network namespace of the adapter (a veth pair `bpfc0`/`bpfc1` with a
clsact qdisc on bpfc0, set up once at start-up):

* an XDP program (section `xdp...`): `ip link set dev bpfc0 xdp obj OBJ sec SEC program P`;
* any other program: `tc filter add dev bpfc0 ingress bpf da obj OBJ sec SEC program P`;

one tc/ip process per request, the loader under test. The attached program's id, its
removal afterwards (the filters of bpfc0's ingress, its XDP program) go through the
adapter's own rtnetlink requests (netlink.py), the test run through its own bpf() calls
(BPF_PROG_GET_FD_BY_ID, BPF_PROG_TEST_RUN). tc/ip load only the requested program (and
legacy `N/M` tail-call sections), with the type of the command (SCHED_CLS for tc, XDP for
ip), whatever the section says: that is how the tools work (lib/bpf_libbpf.c,
load_bpf_object).

Pinning: tc pins under `<bpffs mount>/tc/globals` (libbpf's pin_root_path, for
LIBBPF_PIN_BY_NAME and bpf_elf_map PIN_GLOBAL_NS alike); the mount is `$TC_BPF_MNT`, else
/sys/fs/bpf (lib/bpf_legacy.c, bpf_get_work_dir, iproute2_get_root_path). The adapter lives
in its own mount namespace, mounts a private bpffs instance at a temporary directory that it
hands to tc/ip as TC_BPF_MNT, and bind-mounts the request's `pin_root` over its
`tc/globals` while tc/ip run: by-name pins land at `pin_root/<map>`, and the host's
/sys/fs/bpf is never written.
"""

from __future__ import annotations

import contextlib
import errno
import os
import re
import shutil
import signal
import socket
import struct
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from netlink import Rtnl
from protocol import Reply, parse_request
from pyadapter.libbpf_log import LOG_RE, errno_from, verifier_log
from pyadapter.protocol import BadRequest, Request
from pyadapter.syscalls import (
    CLONE_NEWNET,
    CLONE_NEWNS,
    MS_BIND,
    MS_PRIVATE,
    MS_REC,
    Libc,
    prog_get_fd_by_id,
    prog_test_run,
)

DEV, PEER = "bpfc0", "bpfc1"
TIMEOUT_S = 60.0

# tc/ip's own messages before libbpf opened the object (lib/bpf_libbpf.c,
# iproute2_load_libbpf and load_bpf_object): the object could not be read or parsed
OPEN_FAILURES = ("Cannot initialize ELF context", "opening BPF object file failed",
                 "Error fetching ELF ancillary data", "Error parsing section",
                 "Error fixing up map structure")
MISSING_PROGRAM = "object file doesn't contain prog"
FAILED_PROG_RE = re.compile(r"prog '([^']+)': failed to load")


class ToolOutput(Exception):
    """tc/ip succeeded but what they attached cannot be found (an internal error)."""


class Sandbox:
    """The adapter's network and mount namespaces, its veth pair (a clsact qdisc on
    bpfc0), its private bpffs and its rtnetlink socket.

    `mnt` is handed to tc/ip as TC_BPF_MNT; tc pins under `mnt/tc/globals` (ip's xdp/ is a
    symlink to tc/ that tc creates), where each request's `pin_root` is bind-mounted.
    """

    def __init__(self, libc: Libc) -> None:
        self.libc = libc
        libc.unshare(CLONE_NEWNS | CLONE_NEWNET, "unshare(NEWNS|NEWNET)")
        libc.mount("none", "/", None, MS_REC | MS_PRIVATE)
        self.mnt = tempfile.mkdtemp(prefix="bpfconform-iproute2-")
        libc.mount("bpf", self.mnt, "bpf", 0)
        self.globals = f"{self.mnt}/tc/globals"
        os.makedirs(self.globals, mode=0o700)
        self.env = {**os.environ, "TC_BPF_MNT": self.mnt}
        # No traffic may reach the attached program but the test run's: without IPv6 the
        # veth pair sends nothing of its own (no DAD, router solicitation or MLD), which would
        # run a tc program on bpfc0's ingress and change its maps (the namespace's own sysctl).
        for conf in ("all", "default"):
            knob = f"/proc/sys/net/ipv6/conf/{conf}/disable_ipv6"
            if os.path.exists(knob):  # absent on a kernel booted without IPv6: nothing sent
                with open(knob, "w") as fh:
                    fh.write("1")
        # Once per adapter process: one `ip -batch` (it stops at the first failing line)
        # and the clsact qdisc every tc request's filter goes on.
        links = (f"link set lo up\nlink add {DEV} type veth peer name {PEER}\n"
                 f"link set {DEV} up\nlink set {PEER} up\n")
        for cmd, stdin in ((["ip", "-batch", "-"], links),
                           (["tc", "qdisc", "add", "dev", DEV, "clsact"], None)):
            proc = subprocess.run(cmd, input=stdin, capture_output=True, text=True,
                                  timeout=TIMEOUT_S, env=self.env)
            if proc.returncode != 0:
                raise OSError(errno.EIO, f"{' '.join(cmd)}: {proc.stderr.strip()}")
        self.ifindex = socket.if_nametoindex(DEV)
        self.rtnl = Rtnl()

    def tool(self, name: str, *args: str, quiet: bool = False) -> subprocess.CompletedProcess[str]:
        """Run `tc`/`ip` with TC_BPF_MNT set; its stderr is copied to ours unless `quiet`."""
        proc = subprocess.run([name, *args], capture_output=True, text=True,
                              timeout=TIMEOUT_S, env=self.env)
        if not quiet:
            sys.stderr.write(proc.stderr)
        return proc

    def bind_pin_root(self, pin_root: str) -> None:
        """Make `pin_root` tc's pinning root (`TC_BPF_MNT/tc/globals`)."""
        self.libc.mount(pin_root, self.globals, None, MS_BIND)

    def cleanup(self) -> None:
        """Remove this request's tc filter and XDP program (rtnetlink: what `tc filter del
        dev bpfc0 ingress` and `ip link set dev bpfc0 xdp off` send), the pins tc left in
        its object namespaces (`tc/<hash>/`, PIN_OBJECT_NS), and unbind the pin root. A
        removal the kernel refuses is logged; a filter left behind makes the next
        request's `attached_id` an internal error."""
        for remove in (self.rtnl.flush_ingress_filters, self.rtnl.xdp_off):
            try:
                remove(self.ifindex)
            except OSError as exc:
                print(f"bpfconform-iproute2: {remove.__name__}: {exc}", file=sys.stderr)
        with contextlib.suppress(OSError):  # not bound: the bind itself failed
            self.libc.umount(self.globals)
        for entry in Path(self.mnt, "tc").iterdir():
            if entry.name != "globals":
                shutil.rmtree(entry, ignore_errors=True)

    def close(self) -> None:
        """Unmount the private bpffs and remove its directory."""
        self.rtnl.close()
        try:
            self.libc.umount(self.mnt)
            os.rmdir(self.mnt)
        except OSError:
            pass


def program_section(elf: str, program: str) -> str | None:
    """The ELF section of function symbol `program`, or None when the file cannot be read
    as an ELF64 little-endian object or has no such symbol (tc/ip then say why)."""
    try:
        raw = Path(elf).read_bytes()
        if raw[:4] != b"\x7fELF" or raw[4] != 2 or raw[5] != 1:
            return None
        shoff, = struct.unpack_from("<Q", raw, 0x28)
        shentsize, shnum, shstrndx = struct.unpack_from("<HHH", raw, 0x3A)
        secs = [struct.unpack_from("<IIQQQQIIQQ", raw, shoff + i * shentsize)
                for i in range(shnum)]

        def name(strtab: int, off: int) -> str:
            start = secs[strtab][4] + off
            return raw[start:raw.index(b"\0", start)].decode()

        for sec in secs:
            if sec[1] != 2:  # SHT_SYMTAB
                continue
            for i in range(sec[5] // 24):
                st_name, st_info, _, st_shndx = struct.unpack_from("<IBBH", raw, sec[4] + i * 24)
                if st_info & 0xF == 2 and 0 < st_shndx < shnum and name(sec[6], st_name) == program:
                    return name(shstrndx, secs[st_shndx][0])
    except (OSError, ValueError, IndexError, struct.error, UnicodeDecodeError):
        return None
    return None


def summary(stderr: str) -> str:
    """tc/ip's stderr without the verifier log, as one line."""
    lines = [line.strip() for line in LOG_RE.sub("", stderr).splitlines()]
    return "; ".join(line for line in lines if line and line != "Unable to load program")


def attached_id(sandbox: Sandbox, xdp: bool) -> int:
    """The id of the program tc/ip attached (rtnetlink: what `ip -j link show dev bpfc0`
    and `tc -j filter show dev bpfc0 ingress` ask)."""
    if xdp:
        prog_id = sandbox.rtnl.xdp_prog_id(sandbox.ifindex)
        if not prog_id:
            raise ToolOutput(f"ip link set dev {DEV} xdp succeeded, but {DEV} has no XDP "
                             "program (RTM_GETLINK: no IFLA_XDP_PROG_ID)")
        return prog_id
    ids = sandbox.rtnl.filter_prog_ids(sandbox.ifindex)
    if len(ids) != 1:
        raise ToolOutput(f"tc filter add succeeded, but {DEV} ingress has {len(ids)} bpf "
                         f"programs (RTM_GETTFILTER: ids {ids})")
    return ids[0]


def test_run(libc: Libc, prog_id: int, req: Request) -> tuple[int, int, int]:
    """BPF_PROG_GET_FD_BY_ID, then BPF_PROG_TEST_RUN: (ret, errno, retval)."""
    fd, err = prog_get_fd_by_id(libc, prog_id)
    if fd < 0:
        return fd, err, 0
    try:
        return prog_test_run(libc, fd, req.data_in, req.ctx_in, req.repeat)
    finally:
        os.close(fd)


def load_and_run(libc: Libc, sandbox: Sandbox, req: Request, reply: Reply) -> Reply:
    """tc filter add / ip link set xdp, the attached program's id, its test run."""
    section = program_section(req.elf, req.program)
    xdp = section is not None and section.startswith("xdp")
    spec = ["obj", req.elf, *(["sec", section] if section else []), "program", req.program]
    if xdp:
        cmd = ["ip", "link", "set", "dev", DEV, "xdp", *spec]
    else:
        cmd = ["tc", "filter", "add", "dev", DEV, "ingress", "bpf", "da", *spec]
    start = time.monotonic_ns()
    proc = sandbox.tool(*cmd)
    reply.ns["load"] = time.monotonic_ns() - start
    if proc.returncode < 0:  # a crash is never a refusal
        return reply.internal("load", f"{' '.join(cmd)}: killed by "
                              f"{signal.Signals(-proc.returncode).name}; {summary(proc.stderr)}")
    if proc.returncode != 0:
        message = f"{' '.join(cmd)}: {summary(proc.stderr) or f'exit {proc.returncode}'}"
        err = errno_from(proc.stderr)
        if MISSING_PROGRAM in proc.stderr:  # opened; the object has no such program
            return reply.fail("run", message, errno.ENOENT)
        if any(m in proc.stderr for m in OPEN_FAILURES):
            if err is None:  # tc does not say why it could not read the file: ask the OS
                try:
                    with open(req.elf, "rb") as f:
                        f.read(1)
                except OSError as exc:
                    err = exc.errno
                    message += f" ({exc.strerror})"
            return reply.fail("open", message, err)
        reply.verifier_log = verifier_log(proc.stderr)
        failed = FAILED_PROG_RE.search(proc.stderr)  # libbpf names the program it could not load
        reply.failed_program = failed.group(1) if failed else None
        return reply.fail("load", message, err)
    prog_id = attached_id(sandbox, xdp)
    start = time.monotonic_ns()
    ret, err, retval = test_run(libc, prog_id, req)
    reply.ns["run"] = time.monotonic_ns() - start
    if ret < 0:
        return reply.fail("run", f"BPF_PROG_TEST_RUN of {req.program} (id {prog_id}): "
                          f"{os.strerror(err)}", err)
    reply.retval, reply.phase = retval, "done"
    return reply


def handle_run(libc: Libc, sandbox: Sandbox | OSError, obj: dict[str, object]) -> Reply:
    """One `run` request; everything it attached or pinned outside pin_root is removed."""
    reply = Reply(obj.get("id"))
    try:
        req = parse_request(obj)
    except BadRequest as exc:
        return reply.internal("open", str(exc))
    if req.btf_custom_path is not None:
        return reply.internal("open", "tc/ip have no btf_custom_path option")
    if isinstance(sandbox, OSError):
        return reply.internal("open", f"no namespace for tc/ip: {sandbox}", sandbox.errno)
    try:
        sandbox.bind_pin_root(req.pin_root)
        return load_and_run(libc, sandbox, req, reply)
    except OSError as exc:  # the pin root cannot be bound, bpf() is missing, ...
        return reply.internal(reply.phase, str(exc), exc.errno)
    except ToolOutput as exc:
        return reply.internal("run", str(exc))
    except subprocess.TimeoutExpired as exc:
        return reply.internal(reply.phase, f"timed out after {exc.timeout}s: {exc.cmd}")
    finally:
        sandbox.cleanup()
