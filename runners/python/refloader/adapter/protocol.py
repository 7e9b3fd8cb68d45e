"""The reference loader's side of docs/adapter-protocol.md v1: the hello, the ``run``
request decoded into a record, the reply record and how a failure fills it in (a refusal or
an internal error, never a traceback on stdout)."""

from __future__ import annotations

import os
import traceback
from dataclasses import dataclass, field
from typing import Any

from refloader import __version__
from refloader.errors import KernelError, LoaderError
from refloader.mutations import Plan, plan_for

PROTOCOL = 1
SUPPORTS = ["pin_root", "btf_custom_path", "data_in", "repeat", "skip", "info", "no_data",
            "ctx_in", "autoload_only", "attach", "read_iter", "extension"]
DEFAULT_DATA_IN = bytes(64)


@dataclass
class Reply:
    """A ``run`` reply."""

    id: int | None
    phase: str
    retval: int | None = None
    errno: int | None = None
    error: str | None = None
    verifier_log: str | None = None
    btf: str | None = None
    ns: dict[str, int] = field(default_factory=dict)
    info: dict[str, Any] | None = None
    #: ``refused`` (the loader's or the kernel's verdict on the object) or ``internal``
    #: (a bug, a bad request): never a crash passed off as a refusal; None when done
    error_kind: str | None = None
    #: the program whose BPF_PROG_LOAD (or linking) failed, for a load failure of one program
    failed_program: str | None = None


class BadRequest(Exception):
    """The request cannot be served as sent: not the loader's verdict on an object."""


@dataclass(frozen=True)
class Extension:
    """The ``extension`` request field: an object whose program replaces a function of the
    program under test (docs/adapter-protocol.md "Extensions")."""

    elf: str
    program: str


@dataclass(frozen=True)
class RunRequest:
    """A ``run`` request's optional fields, checked (its ``elf`` and ``program`` are checked
    first, by the caller)."""

    plan: Plan
    data_in: bytes
    ctx_in: bytes | None
    repeat: int
    attach: tuple[str, ...] = ()
    trigger: str | None = None
    read_iter: str | None = None
    extension: Extension | None = None
    autoload_only: bool = False
    pin_root: str | None = None
    btf_custom_path: str | None = None
    info: bool = False


def decode(req: dict[str, Any]) -> RunRequest:
    """The request's fields, or BadRequest naming the first one that cannot be served as
    sent (an unknown skip id included: internal, not a refusal)."""
    skip = req.get("skip") or []
    data_hex, ctx_hex = req.get("data_in"), req.get("ctx_in")
    repeat = req.get("repeat")
    repeat = 1 if repeat is None else repeat  # 0 is the kernel's "once" (no-data runs)
    try:
        plan = plan_for(skip if isinstance(skip, list) else [str(skip)])
    except LoaderError as exc:
        raise BadRequest(str(exc)) from exc
    try:
        data_in = bytes.fromhex(data_hex) if isinstance(data_hex, str) else DEFAULT_DATA_IN
    except ValueError as exc:
        raise BadRequest(f"'data_in' is not hex: {exc}") from exc
    try:
        ctx_in = bytes.fromhex(ctx_hex) if isinstance(ctx_hex, str) else None
    except ValueError as exc:
        raise BadRequest(f"'ctx_in' is not hex: {exc}") from exc
    attach, trigger = req.get("attach") or [], req.get("trigger")
    if not isinstance(attach, list) or not all(isinstance(a, str) for a in attach):
        raise BadRequest(f"'attach' must be a list of program names, not {attach!r}")
    if trigger is not None and not isinstance(trigger, str):
        raise BadRequest(f"'trigger' must be a program name, not {trigger!r}")
    read_iter = req.get("read_iter")
    if read_iter is not None and not isinstance(read_iter, str):
        raise BadRequest(f"'read_iter' must be a program name, not {read_iter!r}")
    extension = req.get("extension")
    if extension is not None and not (
            isinstance(extension, dict) and isinstance(extension.get("elf"), str)
            and isinstance(extension.get("program"), str)):
        raise BadRequest("'extension' must be {\"elf\": path, \"program\": name}, not "
                         f"{extension!r}")
    autoload_only = req.get("autoload_only")
    if autoload_only is not None and not isinstance(autoload_only, bool):
        raise BadRequest(f"'autoload_only' must be a boolean, not {autoload_only!r}")
    if isinstance(repeat, bool) or not isinstance(repeat, int) or \
            not 0 <= repeat <= 0xFFFFFFFF:
        raise BadRequest(f"'repeat' must be a 32-bit unsigned integer, not {repeat!r}")
    return RunRequest(plan, data_in, ctx_in, repeat, tuple(attach), trigger, read_iter,
                      None if extension is None
                      else Extension(extension["elf"], extension["program"]),
                      bool(autoload_only), req.get("pin_root"), req.get("btf_custom_path"),
                      req.get("info") is True)


def hello() -> dict[str, Any]:
    """The hello reply."""
    return {"op": "hello", "protocol": PROTOCOL, "name": "python",
            "adapter_version": __version__, "library": "refloader",
            "library_version": __version__, "supports": SUPPORTS}


MAX_LOG = 64 * 1024  # the end of a verifier log says why; keep that part


def fail(reply: Reply, phase: str, exc: BaseException) -> Reply:
    """Fill in the failure: a LoaderError (kernel refusals included) is the loader's
    refusal; anything else (a bad request, a bug) is internal, with where it was raised."""
    reply.phase = phase
    if isinstance(exc, KernelError):
        reply.errno = exc.errno
        log = exc.verifier_log
        if log is not None and len(log) > MAX_LOG:
            log = f"[... {len(log) - MAX_LOG} bytes cut ...]\n" + log[-MAX_LOG:]
        reply.verifier_log = log
    if isinstance(exc, LoaderError):
        reply.error_kind = "refused"
        reply.errno = exc.errno  # a LoaderError keeps its OSError's (absent elf: ENOENT)
        reply.failed_program = exc.program
        msg = str(exc)
    elif isinstance(exc, BadRequest):
        reply.error_kind = "internal"
        msg = f"bad request: {exc}"
    else:
        reply.error_kind = "internal"
        reply.errno = exc.errno if isinstance(exc, OSError) else None
        msg = f"internal error: {type(exc).__name__}: {exc}{_where(exc)}"
    reply.error = " ".join(msg.split())
    return reply


def _where(exc: BaseException) -> str:
    """`` (at file.py:N in func)``: the innermost frame of the exception's traceback."""
    frames = traceback.extract_tb(exc.__traceback__)
    if not frames:
        return ""
    last = frames[-1]
    return f" (at {os.path.basename(last.filename)}:{last.lineno} in {last.name})"


