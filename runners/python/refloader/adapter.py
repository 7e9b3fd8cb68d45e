"""The reference loader's adapter executable: ``python3 -m refloader.adapter``.

Speaks docs/adapter-protocol.md v1 (JSON Lines on stdin/stdout, diagnostics on stderr).
Each ``run`` opens the whole object, loads it, test-runs one program and closes every fd
it opened; errors become a reply (never a traceback on stdout).
"""

from __future__ import annotations

import errno
import json
import os
import sys
import time
import traceback
from dataclasses import asdict, dataclass, field
from typing import Any, TextIO

from refloader import __version__
from refloader.errors import KernelError, LoaderError
from refloader.externs import KernelFacts
from refloader.loader import BpfObject, open_object
from refloader.mutations import Plan, plan_for
from refloader.sanitize import KernelFeatures

PROTOCOL = 1
SUPPORTS = ["pin_root", "btf_custom_path", "data_in", "repeat", "skip", "info", "no_data",
            "ctx_in", "autoload_only", "attach", "read_iter", "extension"]
DEFAULT_DATA_IN = bytes(64)
ELF_BACKEND_ENV = "REFLOADER_ELF"  # "struct" (default) or "pyelftools"


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


@dataclass
class Session:
    """Adapter state across requests: the kernel features, probed once."""

    features: KernelFeatures | None = None
    facts: KernelFacts | None = None

    def feats(self) -> KernelFeatures:
        """Probe on first use."""
        if self.features is None:
            from refloader.probes import probe_features
            self.features = probe_features()
        return self.features

    def kernel(self) -> KernelFacts:
        """Kernel config, kallsyms and vmlinux ids for externs, read on first use."""
        if self.facts is None:
            from refloader.kernel import kernel_facts
            self.facts = kernel_facts()
        return self.facts


def hello() -> dict[str, Any]:
    """The hello reply."""
    return {"op": "hello", "protocol": PROTOCOL, "name": "python",
            "adapter_version": __version__, "library": "refloader",
            "library_version": __version__, "supports": SUPPORTS}


MAX_LOG = 64 * 1024  # the end of a verifier log says why; keep that part


def _fail(reply: Reply, phase: str, exc: BaseException) -> Reply:
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


def run(req: dict[str, Any], session: Session) -> Reply:
    """Handle one ``run`` request: open, load, test-run, close."""
    rid = req.get("id")
    reply = Reply(rid if isinstance(rid, int) else None, "open")
    elf, prog = req.get("elf"), req.get("program")
    if not isinstance(elf, str) or not isinstance(prog, str):
        return _fail(reply, "open", BadRequest("'elf' and 'program' must be strings"))
    skip = req.get("skip") or []
    data_hex, ctx_hex = req.get("data_in"), req.get("ctx_in")
    repeat = req.get("repeat")
    repeat = 1 if repeat is None else repeat  # 0 is the kernel's "once" (no-data runs)
    obj: BpfObject | None = None
    ext: BpfObject | None = None
    t_req = time.perf_counter_ns()
    try:
        # the request is decoded before the clock starts: `ns.open` is the library's open
        # alone, as the libbpf adapter times bpf_object__open_file alone. A request that
        # cannot be served as sent (an unknown skip id included) is internal, not a refusal.
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
    except Exception as exc:
        _log_exc(exc)
        reply.ns["open"] = time.perf_counter_ns() - t_req
        return _fail(reply, "open", exc)
    t0 = time.perf_counter_ns()
    try:
        try:
            obj = open_object(elf, plan=plan, pin_root=req.get("pin_root"),
                              btf_custom_path=req.get("btf_custom_path"),
                              elf_backend=os.environ.get(ELF_BACKEND_ENV, "struct"))
        except Exception as exc:
            _log_exc(exc)
            return _fail(reply, "open", exc)
        finally:
            reply.ns["open"] = time.perf_counter_ns() - t0
        t1 = time.perf_counter_ns()
        try:
            if autoload_only:
                obj.autoload_only(prog)
            obj.load(session.feats(), session.kernel() if obj.externs.externs else None)
        except Exception as exc:
            _log_exc(exc)
            return _fail(reply, "load", exc)
        finally:
            reply.ns["load"] = time.perf_counter_ns() - t1
            reply.btf = obj.btf_status if obj.btf_status != "parsed" else None
            for w in obj.warnings:
                print(f"refloader: {w}", file=sys.stderr)
        t2 = time.perf_counter_ns()
        try:  # docs/adapter-protocol.md "Attach": a refused attach is a load failure
            for name in attach:
                obj.attach(name)
            if read_iter is not None:  # docs/adapter-protocol.md "Iterators"
                obj.attach_iter(read_iter)
            if extension is not None:  # docs/adapter-protocol.md "Extensions"
                ext = load_extension(obj, prog, extension["elf"], extension["program"], plan,
                                     session.feats())
        except Exception as exc:
            _log_exc(exc)
            if isinstance(exc, LoaderError) and exc.program is None:
                exc.program = exc.symbol
            return _fail(reply, "load", exc)
        try:
            if trigger is not None:
                obj.test_run(trigger, data_in, repeat, ctx_in)
            if read_iter is not None:  # docs/adapter-protocol.md "Iterators"
                obj.read_iter(read_iter)
            if req.get("info") is True:
                reply.info = kernel_info(obj, prog)
            res = obj.test_run(prog, data_in, repeat, ctx_in)
        except Exception as exc:
            _log_exc(exc)
            return _fail(reply, "run", exc)
        finally:
            reply.ns["run"] = time.perf_counter_ns() - t2
        reply.phase, reply.retval = "done", res.retval & 0xFFFFFFFF
        return reply
    finally:
        if ext is not None:
            ext.close()
        if obj is not None:
            obj.close()


def load_extension(target: BpfObject, prog: str, elf: str, name: str, plan: Plan,
                   feats: KernelFeatures) -> BpfObject:
    """Open and load the extension object ``elf`` against loaded program ``prog`` of
    ``target`` and attach its program ``name`` (libbpf: bpf_program__set_attach_target,
    bpf_object__load, bpf_program__attach_freplace); the caller closes it."""
    lp = target.loaded.get(prog)
    if lp is None or lp.fd < 0:
        raise LoaderError(f"{target.path}: no loaded program '{prog}' to extend",
                          symbol=prog, errno=errno.ENOENT)
    ext = open_object(elf, plan=plan)
    try:
        ext.set_attach_target(lp.fd)
        ext.load(feats, None)
        ext.attach(name)
    except BaseException:
        ext.close()
        raise
    return ext


def kernel_info(obj: BpfObject, prog: str) -> dict[str, Any] | None:
    """The optional ``info`` reply field (BPF_OBJ_GET_INFO_BY_FD): the program's type,
    xlated instructions and map ids, and every map of the object; None if not loaded."""
    from refloader import syscall as sc

    lp = obj.loaded.get(prog)
    if lp is None or lp.fd < 0:
        return None
    info = sc.prog_info(lp.fd)
    maps = []
    for fd in obj.map_fds:
        if fd >= 0:
            m = sc.map_info(fd)
            maps.append({"id": m.id, "name": m.name.decode(errors="replace"), "type": m.type,
                         "key_size": m.key_size, "value_size": m.value_size,
                         "max_entries": m.max_entries, "map_flags": m.map_flags,
                         "btf_id": m.btf_id})
    return {"prog": {"type": info.type, "xlated": info.xlated.hex(),
                     "map_ids": list(info.map_ids)},
            "maps": maps}


def _log_exc(exc: BaseException) -> None:
    if not isinstance(exc, LoaderError | BadRequest):
        traceback.print_exception(exc, file=sys.stderr)


def serve(inp: TextIO, out: TextIO) -> int:
    """The request loop; returns the exit status."""
    session = Session()
    for line in inp:
        if not line.strip():
            continue
        try:
            req = json.loads(line)
            if not isinstance(req, dict):
                raise ValueError("request is not a JSON object")
        except ValueError as exc:
            out.write(json.dumps({"id": None, "phase": "open", "error_kind": "internal",
                                  "error": f"bad request: {exc}"}) + "\n")
            out.flush()
            continue
        op = req.get("op")
        if op == "bye":
            return 0
        if op == "hello":
            obj: dict[str, Any] = hello()
        elif op == "run":
            obj = asdict(run(req, session))
            if obj["info"] is None:
                del obj["info"]
        else:
            obj = {"id": req.get("id"), "phase": "open", "error_kind": "internal",
                   "error": f"bad request: op {op!r}"}
        out.write(json.dumps(obj) + "\n")
        out.flush()
    return 0


def main() -> int:
    """Entry point (console script ``bpfconform-python-adapter``)."""
    os.environ.setdefault("PYTHONUNBUFFERED", "1")
    try:
        return serve(sys.stdin, sys.stdout)
    except KeyboardInterrupt:
        return 130


if __name__ == "__main__":
    sys.exit(main())
