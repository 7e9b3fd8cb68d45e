"""Orchestration: build -> discover -> run every item against every adapter -> results.

The runner never spawns a process itself: it takes a client factory (adapter name ->
Executor), so tests drive it with in-process fakes. Every request gets a fresh pin root
`/sys/fs/bpf/bpfconform/<pid>-<n>`, created before and removed (recursively, which unpins
everything under it) after the request, even when the adapter broke. An item whose
`.conform` has `before = "<object>:<program>"` is a multi-step item: the harness first runs
that program under the same pin root, then the item; the pin root is removed after the last
step. A setup step the loader refuses or that returns non-zero is the loader's failure: the
item is FAIL "cannot judge: setup step ..." (listable like any failure, pinned by its phase);
an adapter that breaks on it is ERROR.
"""

from __future__ import annotations

import contextlib
import itertools
import os
import shutil
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, Protocol

from harness.adapters.client import AdapterError
from harness.adapters.protocol import Hello, RunReply, RunRequest
from harness.build import builder, toolchain
from harness.build.prebuilt import data_root
from harness.probes import ccprobes
from harness.probes.probes import ProbeResult
from harness.run.verdict import (
    Outcome,
    SkipKind,
    Verdict,
    apply_known_failure,
    control_check,
    judge,
    negative_with_control,
    skip,
)
from harness.suite import discovery
from harness.suite.discovery import Item
from harness.suite.expectations import KnownFailure

DEFAULT_PIN_BASE = Path("/sys/fs/bpf/bpfconform")
#: the checkout, or the tree an installed wheel carries (harness/_tree: harness.build.prebuilt)
REPO_ROOT = data_root()


class Executor(Protocol):
    """What the runner needs from an adapter client (harness.adapters.client.AdapterClient)."""

    def hello(self) -> Hello:
        """The adapter's hello reply."""

    def run(self, request: RunRequest) -> RunReply:
        """One run request; AdapterError when the adapter broke."""

    def close(self) -> None:
        """Stop the adapter."""


ClientFactory = Callable[[str], Executor]


@dataclass(frozen=True)
class Paths:
    """Where the suite's inputs and outputs live."""

    repo_root: Path = REPO_ROOT
    bpf_src: Path = REPO_ROOT / "bpf-src"
    build_dir: Path = REPO_ROOT / "build"
    suite_dir: Path = REPO_ROOT / "suite"


@dataclass(frozen=True)
class Prepared:
    """The built objects and the items discovered in them."""

    compiler: toolchain.Compiler
    builds: list[toolchain.BuildResult]
    items: list[Item]
    cc_probes: Mapping[str, ProbeResult] = field(default_factory=dict)

    def probes(self, kernel: Mapping[str, ProbeResult]) -> dict[str, ProbeResult]:
        """The kernel probes plus this compiler's `cc:*` probes: what `requires` may name."""
        return {**kernel, **self.cc_probes}


@dataclass(frozen=True)
class Result:
    """One (item, adapter) verdict with everything the report shows."""

    item: Item
    adapter: str
    kernel: str
    compiler: str
    outcome: Outcome
    ns: Mapping[str, int] = field(default_factory=dict)
    btf: str | None = None
    stderr: str = ""
    reply: RunReply | None = None  # the (first) reply the verdict came from, if any

    @property
    def verdict(self) -> Verdict:
        """Shortcut for outcome.verdict."""
        return self.outcome.verdict

    def to_json(self) -> dict[str, Any]:
        """The results.json record."""
        exp = self.item.expectations
        o = self.outcome
        return {
            "program": self.item.program, "file": self.item.rel,
            "behaviour": exp.behaviour if exp else None, "adapter": self.adapter,
            "kernel": self.kernel, "compiler": self.compiler, "verdict": str(o.verdict),
            "line": o.line, "reason": o.reason, "source_line": o.source_line,
            "verifier_log": o.verifier_log, "ns": dict(self.ns), "btf": self.btf,
            "level": exp.level if exp else None, "expect": exp.expect if exp else None,
            "skip_kind": str(o.skip_kind) if o.skip_kind else None,
            "skip_listed": o.listed if o.skip_kind is SkipKind.UNSUPPORTED else None,
            "phase": o.phase,
            "error_kind": self.reply.error_kind if self.reply else None,
            "control": ({"verdict": str(o.control.verdict), "reason": o.control.reason}
                        if o.control else None),
            "finding": ({"class": o.known.klass, "upstream": o.known.upstream,
                         "fixed_in": o.known.fixed_in, "link": o.known.link}
                        if o.known else None),
            "adapter_stderr": self.stderr or None,
        }


@dataclass
class PinRoots:
    """Allocates per-request pin roots `<base>/<pid>-<n>` and removes them."""

    base: Path = DEFAULT_PIN_BASE
    pid: int = field(default_factory=os.getpid)
    _seq: Iterator[int] = field(default_factory=itertools.count)

    def create(self) -> Path:
        """A fresh, empty pin root."""
        path = self.base / f"{self.pid}-{next(self._seq)}"
        path.mkdir(parents=True, exist_ok=False)
        return path

    def remove(self, path: Path) -> str | None:
        """Remove `path` and everything pinned under it; the error text if that failed."""
        errors: list[str] = []

        def onerror(_fn: object, p: str, exc_info: tuple[object, BaseException, object]) -> None:
            errors.append(f"{p}: {exc_info[1]}")

        shutil.rmtree(path, onerror=onerror)  # onexc is 3.12+; the project supports 3.11
        return "; ".join(errors) or None

    def remove_base_if_empty(self) -> None:
        """Drop the shared base directory when no run is using it any more."""
        with contextlib.suppress(OSError):  # another run still uses it, or it never existed
            self.base.rmdir()


@dataclass(frozen=True)
class Context:
    """What every item of one run shares."""

    kernel: str
    compiler: str
    probes: Mapping[str, ProbeResult]
    pins: PinRoots
    known: Mapping[str, KnownFailure] = field(default_factory=dict)
    mutate: bool = False  # sensitivity: ask the loader to skip the item's behaviour
    #: --strict: an unsupported SKIP the adapter's expectations table does not list, and a
    #: SKIP because a required probe was not run, are ERROR
    strict: bool = False


def kernel_id() -> str:
    """`host-<uname -r>`: the kernel the run is on."""
    return f"host-{os.uname().release}"


def prepare(paths: Paths, compiler_id: str | None, keyword: str | None = None,
            compilers: Sequence[toolchain.Compiler] | None = None) -> Prepared:
    """Build bpf-src (cached) and discover items; a compile failure is an ERROR item."""
    found = toolchain.discover_compilers() if compilers is None else list(compilers)
    compiler = builder.select_compiler(found, compiler_id)
    builds, cc = builder.build(compiler, paths.bpf_src, paths.build_dir)
    catalogue = discovery.load_catalogue(paths.suite_dir / "catalogue.toml")
    tests = [b for b in builds if not b.source.is_btf_stub]
    if not tests:
        raise discovery.DiscoveryError(f"no test objects: {paths.bpf_src}/**/*.bpf.c is empty")
    items: list[Item] = []
    for b in tests:
        if b.ok:
            found_items = discovery.discover_object(b.obj, b.source.path, b.source.rel,
                                                    catalogue)
            items.extend(_with_control(i, b) for i in found_items)
        elif absent := ccprobes.explain_failure(b.diagnostics, cc):
            why = "; ".join(f"{p.name}: {p.reason}" for p in absent)
            items.append(Item(b.obj, b.source.path, b.source.rel, "<object>", unbuilt=(
                absent[0].name, f"{compiler.id} cannot build it ({why})")))
        else:
            items.append(Item(b.obj, b.source.path, b.source.rel, "<object>",
                              error=f"compile failed ({compiler.id}): {b.diagnostics}"))
    failed_stubs = [b for b in builds if b.source.is_btf_stub and not b.ok]
    for b in failed_stubs:
        items.append(Item(b.obj, b.source.path, b.source.rel, "<btf stub>",
                          error=f"compile failed ({compiler.id}): {b.diagnostics}"))
    if keyword:
        items = [i for i in items if keyword in i.id]
    return Prepared(compiler, builds, items, cc)


def _with_control(item: Item, build: toolchain.BuildResult) -> Item:
    """`item` with its positive control object, or an ERROR item when it declares a control
    that was not built (no CONFORM_CONTROL in the source, or the control failed to compile)."""
    exp = item.expectations
    if exp is None or exp.control is None:
        return item
    control = build.control
    if control is None:
        return replace(item, expectations=None, error=(
            f"control={exp.control} but {item.rel} has no CONFORM_CONTROL build"))
    if not control.ok:
        return replace(item, expectations=None, error=(
            f"positive control failed to compile: {control.diagnostics}"))
    return replace(item, control_obj=control.obj)


def required_fields(item: Item, mutate: bool) -> list[str]:
    """Request fields this item needs the adapter to list in `supports`."""
    exp = item.expectations
    assert exp is not None
    need = []
    if exp.btf_custom_path:  # a control path alone only gates the control run (see run())
        need.append("btf_custom_path")
    if exp.data_in != discovery.DEFAULT_DATA_IN:
        need.append("data_in")
    if exp.data_in == "":  # data_in=none: docs/adapter-protocol.md, "No data"
        need.append("no_data")
    if exp.ctx_in is not None:  # docs/adapter-protocol.md, "Context"
        need.append("ctx_in")
    if exp.before is not None:  # the steps share state only through pins
        need.append("pin_root")
    if exp.attach:  # docs/adapter-protocol.md, "Attach"
        need.append("attach")
    if exp.read_iter is not None:  # docs/adapter-protocol.md, "Iterators"
        need.append("read_iter")
    if exp.extension is not None:  # docs/adapter-protocol.md, "Extensions"
        need.append("extension")
    if mutate:
        need.append("skip")
    return need


class AdapterRun:
    """Runs items against one adapter through an Executor."""

    def __init__(self, name: str, executor: Executor, ctx: Context) -> None:
        self.name = name
        self.executor = executor
        self.ctx = ctx
        self._ids = itertools.count(1)
        self._hello: Hello | None = None
        self._hello_error: AdapterError | None = None

    def hello(self) -> Hello | None:
        """The adapter's hello, or None if it could not start (see `hello_error`)."""
        if self._hello is None and self._hello_error is None:
            try:
                self._hello = self.executor.hello()
            except AdapterError as exc:
                self._hello_error = exc
        return self._hello

    @property
    def hello_error(self) -> AdapterError | None:
        """Why the adapter could not start, if it could not."""
        return self._hello_error

    def _result(self, item: Item, outcome: Outcome, reply: RunReply | None = None,
                stderr: str = "") -> Result:
        return Result(item, self.name, self.ctx.kernel, self.ctx.compiler, outcome,
                      ns=reply.ns if reply else {}, btf=reply.btf if reply else None,
                      stderr=stderr, reply=reply)

    def run(self, item: Item) -> Result:
        """The verdict of one item."""
        if item.unbuilt is not None:  # the compiler lacks a construct it uses
            probe, why = item.unbuilt
            return self._result(item, skip(SkipKind.PROBE, f"requires {probe}: {why}",
                                           probe=probe))
        if item.error is not None or item.expectations is None:
            return self._result(item, Outcome(Verdict.ERROR, item.error or "no expectations"))
        exp = item.expectations
        negative = exp.expect != "pass"
        if negative and item.control_obj is None:
            return self._result(item, Outcome(
                Verdict.ERROR, "negative test without a positive control: a refusal proves "
                "nothing unless the object without its defect loads (declare "
                "CONFORM(prog, \"control\", \"define\") and an #ifdef CONFORM_CONTROL variant)"))
        for probe in exp.requires:
            pr = self.ctx.probes.get(probe)
            if pr is None:
                return self._skip(item, skip(SkipKind.NOT_RUN, f"requires {probe}: probe not run"))
            if pr.error:
                return self._result(item, Outcome(
                    Verdict.ERROR, f"requires {probe}: the probe could not decide: {pr.reason}"))
            if not pr.ok:
                return self._result(item, skip(SkipKind.PROBE, f"requires {probe}: {pr.reason}",
                                               probe=probe))
        hello = self.hello()
        if hello is None:
            err = self._hello_error
            assert err is not None
            return self._result(item, Outcome(Verdict.ERROR, err.cause), stderr=err.stderr)
        missing = [f for f in required_fields(item, self.ctx.mutate) if f not in hello.supports]
        if exp.btf_control_path and not self.ctx.mutate and "btf_custom_path" not in missing \
                and "btf_custom_path" not in hello.supports:
            missing.append("btf_custom_path")  # a CO-RE item's control run cannot happen
        if missing:
            return self._skip(item, skip(SkipKind.UNSUPPORTED,
                                         f"adapter does not support {', '.join(missing)}"),
                              missing)
        first = self._exchange(item, item.obj, exp.btf_custom_path)
        if not isinstance(first, tuple):
            return first
        outcome, reply = first
        if exp.btf_control_path and outcome.verdict is Verdict.PASS:
            second = self._exchange(item, item.obj, exp.btf_control_path)
            if not isinstance(second, tuple):
                return second
            outcome = control_check(outcome, second[0], exp.btf_control_path)
        if negative and not self.ctx.mutate and outcome.verdict is Verdict.PASS:
            assert item.control_obj is not None
            ctl = self._exchange(item, item.control_obj, exp.btf_custom_path,
                                 replace(exp, expect="pass"))
            if not isinstance(ctl, tuple):  # the control broke the adapter: ERROR, said so
                return replace(ctl, outcome=replace(
                    ctl.outcome, reason=f"positive control: {ctl.outcome.reason}"))
            outcome = negative_with_control(outcome, ctl[0])
        if not self.ctx.mutate:
            outcome = apply_known_failure(outcome, self._known(item))
        return self._result(item, outcome, reply)

    def _known(self, item: Item) -> KnownFailure | None:
        """The item's expectations entry, when it applies to this run's kernel and compiler."""
        known = self.ctx.known.get(item.id)
        if known is not None and not known.applies_to(self.ctx.kernel, self.ctx.compiler):
            return None  # listed for other kernels or compilers only: judged as unlisted here
        return known

    def _skip(self, item: Item, outcome: Outcome, fields: Sequence[str] = ()) -> Result:
        """A SKIP, checked against the adapter's table: an unsupported field is listed by a
        `["request:<field>"]` entry with `verdict = "skip"`. Under --strict an unlisted
        unsupported SKIP and a not-run probe are ERROR."""
        if outcome.skip_kind is SkipKind.UNSUPPORTED:
            entries = [self.ctx.known.get(f"request:{f}") for f in fields]
            listed = all(e is not None and e.verdict == "skip" for e in entries)
            if listed:
                why = "; ".join(e.reason for e in entries if e is not None)
                outcome = replace(outcome, listed=True, reason=f"{outcome.reason} [listed: {why}]")
            elif self.ctx.strict and not self.ctx.mutate:
                outcome = Outcome(Verdict.ERROR, f"{outcome.reason}, and the adapter's "
                                  "expectations table does not list it (add "
                                  f"[\"request:{fields[0]}\"] verdict = \"skip\" with a reason)",
                                  skip_kind=SkipKind.UNSUPPORTED)
        elif outcome.skip_kind is SkipKind.NOT_RUN and self.ctx.strict:
            outcome = Outcome(Verdict.ERROR, outcome.reason, skip_kind=SkipKind.NOT_RUN)
        return self._result(item, outcome)

    def _exchange(self, item: Item, obj: Path, btf: str | None,
                  exp: discovery.Expectations | None = None
                  ) -> tuple[Outcome, RunReply] | Result:
        """One request for `item` (object `obj`, target BTF `btf`) judged by `exp` (default:
        the item's); an ERROR Result when the adapter broke or a pin root stayed behind."""
        exp = exp or item.expectations
        assert exp is not None
        pin_root = self.ctx.pins.create()
        cleanup: str | None = None
        try:
            if exp.before is not None:
                failed = self._setup_step(exp.before, pin_root)
                if failed is not None:
                    return failed
            req = RunRequest(
                id=next(self._ids), elf=str(obj), program=item.program,
                pin_root=str(pin_root), data_in=exp.data_in, btf_custom_path=btf,
                skip=(exp.behaviour,) if self.ctx.mutate and obj == item.obj else (),
                repeat=0 if exp.data_in == "" else 1,  # no-data test runs refuse repeat > 0
                ctx_in=exp.ctx_in, attach=exp.attach, trigger=exp.trigger,
                read_iter=exp.read_iter, extension=exp.extension,
            )
            reply = self.executor.run(req)
        except AdapterError as exc:
            return self._result(item, Outcome(Verdict.ERROR, exc.cause), stderr=exc.stderr)
        finally:
            cleanup = self.ctx.pins.remove(pin_root)
        if cleanup:
            return self._result(item, Outcome(Verdict.ERROR,
                                              f"could not remove pin root: {cleanup}"), reply)
        return judge(exp, reply, item.source, item.rel), reply

    def _setup_step(self, before: tuple[str, str], pin_root: Path
                    ) -> tuple[Outcome, RunReply] | None:
        """Run a `before` program under `pin_root` (never mutated: it is no item); None if
        it returned 0, else the item's outcome: ERROR when the adapter broke on it (an
        internal error), else FAIL with the step's phase. AdapterError propagates."""
        obj, program = before
        req = RunRequest(id=next(self._ids), elf=obj, program=program,
                         pin_root=str(pin_root), data_in=discovery.DEFAULT_DATA_IN)
        reply = self.executor.run(req)
        if reply.phase == "done" and reply.retval == 0:
            return None
        what = (f"returned {reply.retval}" if reply.phase == "done" else
                f"{reply.phase} failed: {reply.error or 'no error message'}")
        step = f"setup step {Path(obj).name}:{program} {what}"
        if reply.internal:
            return Outcome(Verdict.ERROR, f"adapter internal error in the {step}",
                           phase=reply.phase), reply
        return Outcome(Verdict.FAIL, f"cannot judge: the {step}", phase=reply.phase,
                       verifier_log=reply.verifier_log), reply


#: called after each item with (items done, items in all, the result)
Progress = Callable[[int, int, Result], None]


def run_items(items: Iterable[Item], adapters: Sequence[str], factory: ClientFactory,
              ctx: Context, known: Mapping[str, Mapping[str, KnownFailure]] | None = None,
              progress: Progress | None = None,
              ) -> tuple[list[Result], dict[str, Hello | AdapterError]]:
    """Run every item against every adapter; returns results and each adapter's hello."""
    items = list(items)
    results: list[Result] = []
    hellos: dict[str, Hello | AdapterError] = {}
    total = len(items) * len(adapters)
    for name in adapters:
        executor = factory(name)
        run_ctx = ctx if known is None else _with_known(ctx, known.get(name, {}))
        adapter = AdapterRun(name, executor, run_ctx)
        try:
            hello = adapter.hello()
            hellos[name] = hello if hello is not None else _must(adapter.hello_error)
            for item in items:
                results.append(adapter.run(item))
                if progress is not None:
                    progress(len(results), total, results[-1])
        finally:
            executor.close()
    ctx.pins.remove_base_if_empty()
    return results, hellos


def _with_known(ctx: Context, known: Mapping[str, KnownFailure]) -> Context:
    return replace(ctx, known=known)


def _must(err: AdapterError | None) -> AdapterError:
    assert err is not None
    return err
