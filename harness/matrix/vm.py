"""Boot one kernel under qemu (through virtme-ng) and run one script; results are files.

The guest shares the host's root read-only (9p), so the same Python, adapters and built
objects run inside. Everything the guest reports comes back through a shared writable
folder (`share`): the wrapper script records the guest uptime when it starts (boot time),
mounts bpffs, puts the kernel's own config at `/boot/config-<release>` (an overlay, the
host's /boot is untouched), runs the user script with its output in `share/script.log`
and writes its exit code to `share/exit_code`. No exit code means the guest died: panic,
hang (killed at the timeout) or failed boot; the console log says which.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
import shlex
import signal
import subprocess
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

from harness.matrix.kernels import Kernel

#: Bytes of the console log kept in a BootResult (and so in ERROR items).
CONSOLE_TAIL = 4000
#: Machine-wide lock: TCG eats a core, so only one guest runs at a time on this machine
#: unless a caller asks for more slots (`VmConfig.lock_slots`: `<lock>`, `<lock>.1`, ...).
LOCK = Path("/tmp/bpfconform-vm.lock")


@dataclass(frozen=True)
class VmConfig:
    """How to start the guest."""

    accel: str = "tcg"  # "tcg", "kvm" or (matrix only) "auto"; KVM hangs at boot here
    memory: str = "2G"
    cpus: int = 1
    timeout: float = 900.0
    vng: str = "vng"
    append: tuple[str, ...] = ()
    overlay_dirs: tuple[str, ...] = ("/boot", "/root")
    cwd: Path = field(default_factory=Path.cwd)
    lock: Path = LOCK
    #: guests allowed at once (the matrix's `vms`): slot 0 is `lock`, slot n `lock.n`
    lock_slots: int = 1


@dataclass(frozen=True)
class BootResult:
    """What one boot produced."""

    kernel: str
    ok: bool
    exit_code: int | None
    reason: str | None
    boot_seconds: float | None  # guest uptime when the script started
    wall_seconds: float  # host wall time from spawning qemu to its exit
    console_tail: str

    def to_json(self) -> dict[str, object]:
        """A JSON-ready dict (for matrix.json's per-kernel record)."""
        return {
            "kernel": self.kernel, "ok": self.ok, "exit_code": self.exit_code,
            "reason": self.reason, "boot_seconds": self.boot_seconds,
            "wall_seconds": round(self.wall_seconds, 3), "console_tail": self.console_tail,
        }


def guest_wrapper(kernel: Kernel, share: Path, script: Path) -> str:
    """The shell script the guest runs first (see the module docstring)."""
    s = shlex.quote(str(share))
    return f"""#!/bin/sh
read up _ < /proc/uptime; echo "$up" > {s}/booted
mountpoint -q /sys/fs/bpf || mount -t bpf bpf /sys/fs/bpf
cp {shlex.quote(str(kernel.config))} /boot/config-$(uname -r) 2>/dev/null
uname -r > {s}/uname
sh {shlex.quote(str(script))} > {s}/script.log 2>&1
echo $? > {s}/exit_code
"""


def vng_command(kernel: Kernel, share: Path, config: VmConfig, wrapper: Path) -> list[str]:
    """The virtme-ng command line for one boot."""
    cmd = [config.vng, "--verbose", "--run", str(kernel.vmlinuz), "--cpus", str(config.cpus),
           "--memory", config.memory, "--rwdir", str(share)]
    if config.accel != "kvm":
        cmd.append("--disable-kvm")
    for d in config.overlay_dirs:
        if Path(d).is_dir():
            cmd += ["--overlay-rwdir", d]
    for a in config.append:
        cmd += ["--append", a]
    cmd += ["--exec", f"sh {shlex.quote(str(wrapper))}"]
    return cmd


def boot(
    kernel: Kernel,
    script: str,
    share: Path,
    config: VmConfig,
    on_tick: Callable[[float], None] | None = None,
) -> BootResult:
    """Boot `kernel`, run `script` (sh) inside, wait for it, and say what happened.

    `share` must exist and be empty enough: guest files land there. `on_tick(elapsed)` is
    called about twice a second while the guest runs (progress display).
    """
    share = share.resolve()
    share.mkdir(parents=True, exist_ok=True)
    for stale in ("booted", "exit_code", "uname", "script.log"):
        (share / stale).unlink(missing_ok=True)
    user = share / "script.sh"
    user.write_text(script)
    wrapper = share / "guest.sh"
    wrapper.write_text(guest_wrapper(kernel, share, user))
    console = share / "console.log"
    cmd = vng_command(kernel, share, config, wrapper)
    with _vm_slot(config.lock, config.lock_slots), console.open("wb") as out:
        start = time.monotonic()
        timed_out = False
        try:
            proc = subprocess.Popen(cmd, stdin=subprocess.DEVNULL, stdout=out, stderr=out,
                                    cwd=config.cwd, start_new_session=True)
        except OSError as exc:  # no vng/qemu: this kernel's items ERROR, the rest goes on
            return BootResult(kernel.release, False, None,
                              f"cannot start {config.vng}: {exc} (pip install virtme-ng; "
                              "apt-get install qemu-system-x86)", None, 0.0, "")
        try:
            while proc.poll() is None:
                elapsed = time.monotonic() - start
                if elapsed > config.timeout:
                    timed_out = True
                    break
                if on_tick is not None:
                    on_tick(elapsed)
                time.sleep(0.5)
        finally:
            if proc.poll() is None:
                _kill_group(proc)
    wall = time.monotonic() - start
    tail = _tail(console)
    booted = _read_float(share / "booted")
    code = _read_int(share / "exit_code")
    if timed_out:
        reason = f"timeout after {config.timeout:g} s" + (
            "" if booted is not None else " (the guest never reached its script)")
    elif code is None:
        reason = ("kernel panic" if "Kernel panic" in tail
                  else f"guest ended without an exit code (qemu/vng exit {proc.returncode})")
    else:
        reason = None
    return BootResult(kernel.release, code is not None and not timed_out, code, reason,
                      booted, wall, tail)


@contextlib.contextmanager
def _vm_slot(lock: Path, slots: int) -> Iterator[None]:
    """Hold one of `slots` machine-wide VM slots (blocking until one is free)."""
    paths = [lock if n == 0 else lock.with_name(f"{lock.name}.{n}") for n in range(slots)]
    files = [p.open("a") for p in paths]
    try:
        held = None
        while held is None:
            for f in files:
                try:
                    fcntl.flock(f, fcntl.LOCK_EX | (fcntl.LOCK_NB if slots > 1 else 0))
                except BlockingIOError:
                    continue
                held = f
                break
            else:
                time.sleep(0.5)
        try:
            yield
        finally:
            fcntl.flock(held, fcntl.LOCK_UN)
    finally:
        for f in files:
            f.close()


def _kill_group(proc: subprocess.Popen[bytes]) -> None:
    with contextlib.suppress(ProcessLookupError):
        os.killpg(proc.pid, signal.SIGKILL)
    proc.wait()


def _tail(path: Path, size: int = CONSOLE_TAIL) -> str:
    try:
        data = path.read_bytes()
    except OSError:
        return ""
    return data[-size:].decode("utf-8", "replace")


def _read_float(path: Path) -> float | None:
    try:
        return float(path.read_text().split()[0])
    except (OSError, ValueError, IndexError):
        return None


def _read_int(path: Path) -> int | None:
    try:
        return int(path.read_text().strip())
    except (OSError, ValueError):
        return None
