"""One ``run`` request through the reference loader: open the whole object, load it, attach
what the request names, test-run one program, close every fd it opened. The adapter's state
across requests (kernel features and facts, read once) is a ``Session``."""

from __future__ import annotations

import errno
import os
import sys
import time
import traceback
from dataclasses import dataclass
from typing import Any

from refloader.adapter.info import kernel_info
from refloader.adapter.protocol import BadRequest, Reply, decode, fail
from refloader.errors import LoaderError
from refloader.externs import KernelFacts
from refloader.loader import BpfObject, open_object
from refloader.mutations import Plan
from refloader.sanitize import KernelFeatures

ELF_BACKEND_ENV = "REFLOADER_ELF"  # "struct" (default) or "pyelftools"


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


def run(req: dict[str, Any], session: Session) -> Reply:
    """Handle one ``run`` request: open, load, test-run, close."""
    rid = req.get("id")
    reply = Reply(rid if isinstance(rid, int) else None, "open")
    elf, prog = req.get("elf"), req.get("program")
    if not isinstance(elf, str) or not isinstance(prog, str):
        return fail(reply, "open", BadRequest("'elf' and 'program' must be strings"))
    obj: BpfObject | None = None
    ext: BpfObject | None = None
    t_req = time.perf_counter_ns()
    try:
        # the request is decoded before the clock starts: `ns.open` is the library's open
        # alone, as the libbpf adapter times bpf_object__open_file alone
        request = decode(req)
    except Exception as exc:
        _log_exc(exc)
        reply.ns["open"] = time.perf_counter_ns() - t_req
        return fail(reply, "open", exc)
    t0 = time.perf_counter_ns()
    try:
        try:
            obj = open_object(elf, plan=request.plan, pin_root=request.pin_root,
                              btf_custom_path=request.btf_custom_path,
                              elf_backend=os.environ.get(ELF_BACKEND_ENV, "struct"))
        except Exception as exc:
            _log_exc(exc)
            return fail(reply, "open", exc)
        finally:
            reply.ns["open"] = time.perf_counter_ns() - t0
        t1 = time.perf_counter_ns()
        try:
            if request.autoload_only:
                obj.autoload_only(prog)
            obj.load(session.feats(), session.kernel() if obj.externs.externs else None)
        except Exception as exc:
            _log_exc(exc)
            return fail(reply, "load", exc)
        finally:
            reply.ns["load"] = time.perf_counter_ns() - t1
            reply.btf = obj.btf_status if obj.btf_status != "parsed" else None
            for w in obj.warnings:
                print(f"refloader: {w}", file=sys.stderr)
        t2 = time.perf_counter_ns()
        try:  # docs/adapter-protocol.md "Attach": a refused attach is a load failure
            for name in request.attach:
                obj.attach(name)
            if request.read_iter is not None:  # docs/adapter-protocol.md "Iterators"
                obj.attach_iter(request.read_iter)
            if request.extension is not None:  # docs/adapter-protocol.md "Extensions"
                ext = load_extension(obj, prog, request.extension.elf,
                                     request.extension.program, request.plan, session.feats())
        except Exception as exc:
            _log_exc(exc)
            if isinstance(exc, LoaderError) and exc.program is None:
                exc.program = exc.symbol
            return fail(reply, "load", exc)
        try:
            if request.trigger is not None:
                obj.test_run(request.trigger, request.data_in, request.repeat, request.ctx_in)
            if request.read_iter is not None:  # docs/adapter-protocol.md "Iterators"
                obj.read_iter(request.read_iter)
            if request.info:
                reply.info = kernel_info(obj, prog)
            res = obj.test_run(prog, request.data_in, request.repeat, request.ctx_in)
        except Exception as exc:
            _log_exc(exc)
            return fail(reply, "run", exc)
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


def _log_exc(exc: BaseException) -> None:
    if not isinstance(exc, LoaderError | BadRequest):
        traceback.print_exception(exc, file=sys.stderr)


