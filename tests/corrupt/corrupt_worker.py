"""Run corrupt objects through the reference loader, one verdict per object.

`python3 corrupt_worker.py [--parse-only]`: reads one object path per line on stdin,
writes one JSON line per object on stdout: `{"path", "outcome", "type", "message",
"secs"}`. Outcomes: `open_error` / `load_error` (a refloader LoaderError, KernelError
included: a clean kernel rejection), `accepted` (opened and loaded), `crash` (any other
exception), `timeout` (no verdict within TIME_LIMIT), `memory` (MemoryError under the
address-space limit). Each object gets a TIME_LIMIT alarm: a hang detector, generous enough
that no load of the machine makes a slow verdict look like a hang (a hang never ends; a
1.6 GB map the kernel takes seconds to allocate is no hang); the process runs under RLIMIT_AS
so a runaway allocation fails instead of eating the machine. Loaded objects are closed at once.
"""

from __future__ import annotations

import contextlib
import json
import os
import resource
import shutil
import signal
import sys
import time
import traceback
from collections.abc import Iterator
from dataclasses import asdict, dataclass

from refloader.adapter import Session
from refloader.errors import LoaderError
from refloader.loader import BpfObject, open_object

#: seconds without a verdict that make an object a hang (not a time budget: see above)
TIME_LIMIT = 30.0
MEMORY_LIMIT = 2 * 1024**3  # address space; the interpreter itself needs ~200 MiB of it
PIN_BASE = "/sys/fs/bpf/bpfconform"


class Timeout(BaseException):
    """Raised by the alarm; a BaseException so `except Exception` in the loader misses it."""


@dataclass(frozen=True)
class Verdict:
    """What the reference loader did with one corrupt object."""

    path: str
    outcome: str
    type: str
    message: str
    secs: float


def _alarm(_sig: int, _frame: object) -> None:
    raise Timeout


@contextlib.contextmanager
def time_limit(secs: float) -> Iterator[None]:
    """Raise Timeout in the calling thread after `secs`."""
    old = signal.signal(signal.SIGALRM, _alarm)
    signal.setitimer(signal.ITIMER_REAL, secs)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, old)


def judge(path: str, raw: bytes, session: Session | None, pin_root: str) -> Verdict:
    """Open (and unless `session` is None, load) `raw`; classify what happened."""
    t0 = time.monotonic()
    obj: BpfObject | None = None
    phase = "open"
    try:
        with time_limit(TIME_LIMIT):
            try:
                obj = open_object(path, raw=raw, pin_root=pin_root)
                if session is not None:
                    phase = "load"
                    obj.load(session.feats(),
                             session.kernel() if obj.externs.externs else None)
            finally:
                if obj is not None:
                    obj.close()
        outcome, typ, msg = "accepted", "", ""
    except LoaderError as exc:
        outcome, typ, msg = f"{phase}_error", type(exc).__name__, str(exc)
    except Timeout:
        outcome, typ, msg = "timeout", "Timeout", f"no verdict within {TIME_LIMIT:g} s"
    except MemoryError:
        outcome, typ, msg = "memory", "MemoryError", "address-space limit reached"
    except Exception as exc:
        outcome, typ, msg = "crash", type(exc).__name__, _where(exc)
    return Verdict(path, outcome, typ, " ".join(msg.split())[:500], time.monotonic() - t0)


def _where(exc: BaseException) -> str:
    """The exception and its innermost reference-loader frame (else the innermost one)."""
    frames = traceback.extract_tb(exc.__traceback__)
    ours = [f for f in frames if "/refloader/" in f.filename] or frames
    loc = f" at {ours[-1].filename}:{ours[-1].lineno} in {ours[-1].name}" if ours else ""
    return f"{exc}{loc}"


def signature(target: str, type_: str, message: str) -> str:
    """`target:type:file:function` of a crash message ending in `at FILE:LINE in FUNC`:
    the same bug found twice (even after unrelated edits move its line) has one signature."""
    where = message.rsplit(" at ", 1)[-1]
    path, _, func = where.partition(" in ")
    return f"{target}:{type_}:{os.path.basename(path.rsplit(':', 1)[0])}:{func}"


def limit_memory() -> None:
    """Cap this process's address space."""
    resource.setrlimit(resource.RLIMIT_AS, (MEMORY_LIMIT, MEMORY_LIMIT))


def main() -> int:
    """The request loop (see the module doc)."""
    parse_only = "--parse-only" in sys.argv
    limit_memory()
    session = None if parse_only else Session()
    pin_root = f"{PIN_BASE}/corrupt-{os.getpid()}"
    try:
        for line in sys.stdin:
            path = line.strip()
            if not path:
                continue
            with open(path, "rb") as fh:
                raw = fh.read()
            v = judge(path, raw, session, pin_root)
            shutil.rmtree(pin_root, ignore_errors=True)
            sys.stdout.write(json.dumps(asdict(v)) + "\n")
            sys.stdout.flush()
    finally:
        shutil.rmtree(pin_root, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
