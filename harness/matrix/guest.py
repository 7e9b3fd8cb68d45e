"""The matrix's cell driver: every (compiler, adapter) cell of one kernel in one process.

`python3 -m harness.matrix.guest MANIFEST [--worker N]` reads a manifest the host wrote
(harness.matrix.matrix: the items and expectations discovered on the host once per
compiler, the compiler's `cc:*` probes, the adapters with their out-of-tree sources, the
cell directories and this matrix run's id) and runs each cell as `bpfconform run` would:
kernel probes once, each adapter started once and reused for every compiler (the client
restarts it after a crash, as in a run), `runner.run_items`, then the cell's
results.json/junit.xml/report.html, `run.log` and, last, `rc` (0, or 1 when a row is
FAIL/ERROR/XPASS; 2 when the adapter is unusable or its expectations table unreadable;
DRIVER_FAILED when the driver broke inside the cell, its traceback in run.log).

Under TCG a Python start and the harness imports cost seconds and the ELF discovery tens
of seconds, once per `bpfconform run`: here they happen once per kernel, discovery not at
all. Several drivers may share one manifest (`--worker N`, one per guest CPU): each claims
a cell by creating its `claimed` file (O_EXCL), so every cell runs exactly once.

The driver never decides what the host reads: a cell is read only through
matrix.read_cell's checks (this run's id in the directory and in results.json's meta, an
exit status, complete rows that agree with it).
"""

from __future__ import annotations

import argparse
import contextlib
import io
import json
import os
import sys
import time
import traceback
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import Any, TextIO

from harness.adapters.client import AdapterClient, AdapterError
from harness.adapters.manifest import AdapterSet, AdapterUnavailable, Manifest
from harness.adapters.protocol import Hello, RunReply, RunRequest
from harness.build.toolchain import Compiler
from harness.probes.probes import PROBE_NAMES, ProbeResult, run_probes
from harness.report import report
from harness.run import runner
from harness.run.session import Session, UsageError
from harness.run.verdict import BAD_VERDICTS
from harness.suite.discovery import Expectations, Item
from harness.suite.expectations import (
    ExpectationsError,
    load_causes,
)

MANIFEST_NAME = "manifest.json"
#: a cell's exit status when the driver itself broke inside it (EX_SOFTWARE)
DRIVER_FAILED = 70
#: a cell whose adapter is unusable or whose expectations table cannot be read (as `run`)
EXIT_USAGE = 2


# --- the manifest: host -> guest ----------------------------------------------------------


def item_to_json(item: Item) -> dict[str, Any]:
    """One discovered item, every field (paths as strings)."""
    exp = item.expectations
    return {"obj": str(item.obj), "source": str(item.source), "rel": item.rel,
            "program": item.program, "error": item.error,
            "control_obj": str(item.control_obj) if item.control_obj else None,
            "unbuilt": list(item.unbuilt) if item.unbuilt else None,
            "expectations": ({f.name: getattr(exp, f.name) for f in fields(exp)}
                             if exp is not None else None)}


def item_from_json(d: Mapping[str, Any]) -> Item:
    """The Item `item_to_json` wrote (tuples back from JSON lists)."""
    raw = d.get("expectations")
    exp = None
    if raw is not None:
        known = {f.name for f in fields(Expectations)}
        unknown = sorted(set(raw) - known)
        if unknown:  # a manifest of another harness version: never guess
            raise ValueError(f"unknown expectation field(s) {', '.join(unknown)}")
        # every sequence field of Expectations is a tuple of strings (requires, attach, the
        # (object, program) pairs before and extension), which JSON carries as a list
        values: dict[str, Any] = {k: tuple(v) if isinstance(v, list) else v
                                  for k, v in raw.items()}
        exp = Expectations(**values)
    unbuilt = d.get("unbuilt")
    return Item(Path(d["obj"]), Path(d["source"]), d["rel"], d["program"], exp, d.get("error"),
                Path(d["control_obj"]) if d.get("control_obj") else None,
                (str(unbuilt[0]), str(unbuilt[1])) if unbuilt else None)


def probe_to_json(p: ProbeResult) -> dict[str, Any]:
    """A probe result (a compiler's `cc:*` probe)."""
    return {"name": p.name, "ok": p.ok, "reason": p.reason, "error": p.error}


def probe_from_json(d: Mapping[str, Any]) -> ProbeResult:
    """The ProbeResult `probe_to_json` wrote."""
    return ProbeResult(d["name"], bool(d["ok"]), d["reason"], bool(d.get("error", False)))


@dataclass(frozen=True)
class CompilerPlan:
    """One compiler's share of the manifest: what it is, its probes, its items."""

    compiler: Compiler
    cc_probes: Mapping[str, ProbeResult]
    items: tuple[Item, ...]

    @classmethod
    def of(cls, prepared: runner.Prepared) -> CompilerPlan:
        """From the host's runner.prepare of this compiler."""
        return cls(prepared.compiler, dict(prepared.cc_probes), tuple(prepared.items))

    def to_json(self) -> dict[str, Any]:
        """JSON-ready."""
        c = self.compiler
        return {"compiler": {"id": c.id, "argv": list(c.argv), "version": c.version,
                             "major": c.major, "kind": c.kind},
                "cc_probes": {k: probe_to_json(p) for k, p in self.cc_probes.items()},
                "items": [item_to_json(i) for i in self.items]}

    @classmethod
    def from_json(cls, d: Mapping[str, Any]) -> CompilerPlan:
        """From `to_json`."""
        c = d["compiler"]
        return cls(Compiler(c["id"], tuple(c["argv"]), c["version"], int(c["major"]), c["kind"]),
                   {k: probe_from_json(p) for k, p in d["cc_probes"].items()},
                   tuple(item_from_json(i) for i in d["items"]))


@dataclass(frozen=True)
class Cell:
    """One (compiler, adapter) cell and the directory its results go to."""

    compiler: str
    adapter: str
    out: Path


@dataclass(frozen=True)
class GuestManifest:
    """Everything a driver needs; written by the host into the share as manifest.json."""

    run_id: str
    compilers: Mapping[str, CompilerPlan]
    cells: tuple[Cell, ...]
    timeout: float = 60.0
    suite_dir: Path = runner.Paths().suite_dir
    repo_root: Path = runner.REPO_ROOT
    #: out-of-tree adapters: name -> (`--adapter-manifest`, PATH) or (`--adapter-command`,
    #: `NAME=CMD`), as MatrixSpec.adapter_sources
    adapter_sources: Mapping[str, tuple[str, ...]] = field(default_factory=dict)

    def to_json(self) -> dict[str, Any]:
        """JSON-ready."""
        return {"run_id": self.run_id, "timeout": self.timeout,
                "suite_dir": str(self.suite_dir), "repo_root": str(self.repo_root),
                "adapter_sources": {k: list(v) for k, v in self.adapter_sources.items()},
                "compilers": {k: v.to_json() for k, v in self.compilers.items()},
                "cells": [{"compiler": c.compiler, "adapter": c.adapter, "out": str(c.out)}
                          for c in self.cells]}

    @classmethod
    def from_json(cls, d: Mapping[str, Any]) -> GuestManifest:
        """From `to_json`."""
        return cls(d["run_id"], {k: CompilerPlan.from_json(v) for k, v in d["compilers"].items()},
                   tuple(Cell(c["compiler"], c["adapter"], Path(c["out"])) for c in d["cells"]),
                   float(d["timeout"]), Path(d["suite_dir"]), Path(d["repo_root"]),
                   {k: tuple(v) for k, v in d["adapter_sources"].items()})

    def write(self, path: Path) -> None:
        """Write the manifest (the guest reads it through the share)."""
        path.write_text(json.dumps(self.to_json()) + "\n")

    @classmethod
    def read(cls, path: Path) -> GuestManifest:
        """Read a manifest `write` wrote."""
        return cls.from_json(json.loads(path.read_text()))

    def paths(self) -> runner.Paths:
        """The host's repo and suite (the guest shares the host's root)."""
        return runner.Paths(repo_root=self.repo_root, suite_dir=self.suite_dir)

    def adapter_set(self) -> AdapterSet:
        """The in-tree manifests plus the matrix's out-of-tree adapters."""
        manifests = [v[1] for v in self.adapter_sources.values() if v[0] == "--adapter-manifest"]
        commands = [v[1] for v in self.adapter_sources.values() if v[0] == "--adapter-command"]
        return AdapterSet.from_options(self.repo_root, manifests, commands)


# --- the driver ---------------------------------------------------------------------------


class SharedClient:
    """An Executor over one adapter process reused by every cell of this driver: run_items
    closes its executor after each cell, which here keeps the process; `shutdown` stops it."""

    def __init__(self, client: AdapterClient) -> None:
        self.client = client

    def hello(self) -> Hello:
        """The adapter's hello (started once)."""
        return self.client.hello()

    def run(self, request: RunRequest) -> RunReply:
        """One request; after a crash the client starts a fresh process, as in a run."""
        return self.client.run(request)

    def close(self) -> None:
        """Kept running for the next cell."""

    def shutdown(self) -> None:
        """Stop the adapter process."""
        self.client.close()


#: adapter manifest -> an Executor (tests pass in-process fakes)
ExecutorFactory = Callable[[Manifest, GuestManifest], runner.Executor]
ProbeFn = Callable[[], Mapping[str, ProbeResult]]


def default_executor(m: Manifest, plan: GuestManifest) -> runner.Executor:
    """The real adapter process, kept for every cell of this driver (its client from an
    adapters-only Session: the guest has no suite to build, the host discovered it)."""
    return SharedClient(Session.for_adapters(plan.paths(), [m], plan.timeout).client(m.name))


def claim(cell: Cell, run_id: str) -> bool:
    """Whether this driver takes `cell`: it is this run's (its `run_id`) and no other driver
    claimed it first (O_EXCL create of `claimed`)."""
    try:
        if (cell.out / "run_id").read_text().strip() != run_id:
            return False
        fd = os.open(cell.out / "claimed", os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o644)
    except OSError:
        return False
    with os.fdopen(fd, "w") as f:
        f.write(f"{os.getpid()}\n")
    return True


@dataclass
class Driver:
    """Runs the cells of one manifest (the ones it claims) and writes each cell's files."""

    plan: GuestManifest
    executor: ExecutorFactory = default_executor
    probes: ProbeFn = field(default=lambda: run_probes(PROBE_NAMES))
    log: TextIO = field(default_factory=lambda: sys.stderr)
    timings: dict[str, Any] = field(default_factory=dict)

    def run(self) -> int:
        """Every claimable cell; 0 (a cell's own status is in its `rc`)."""
        t0 = time.monotonic()
        kernel = self.probes()
        self.timings["kernel_probes"] = round(time.monotonic() - t0, 3)
        causes: Mapping[str, str] = {}
        causes_error: str | None = None
        try:
            causes = load_causes(self.plan.suite_dir / "findings.toml")
        except ExpectationsError as exc:
            causes_error = str(exc)
        executors: dict[str, runner.Executor] = {}
        try:
            for cell in self._by_adapter():
                if not claim(cell, self.plan.run_id):
                    continue
                t = time.monotonic()
                rc = self._cell(cell, kernel, causes, causes_error, executors)
                took = round(time.monotonic() - t, 3)
                self.timings.setdefault("cells", {})[f"{cell.compiler}/{cell.adapter}"] = took
                print(f"cell {cell.compiler} x {cell.adapter}: exit {rc} in {took} s",
                      file=self.log, flush=True)
        finally:
            for e in executors.values():
                with contextlib.suppress(Exception):
                    (e.shutdown if isinstance(e, SharedClient) else e.close)()
        return 0

    def _by_adapter(self) -> list[Cell]:
        """Cells grouped by adapter (one adapter process serves all its compilers)."""
        order = list(dict.fromkeys(c.adapter for c in self.plan.cells))
        return sorted(self.plan.cells, key=lambda c: order.index(c.adapter))

    def _cell(self, cell: Cell, kernel: Mapping[str, ProbeResult], causes: Mapping[str, str],
              causes_error: str | None, executors: dict[str, runner.Executor]) -> int:
        log = io.StringIO()
        try:
            rc = self._run_cell(cell, kernel, causes, causes_error, executors, log)
        except Exception:  # the cell's items become ERROR on the host
            log.write(f"the matrix driver broke in this cell:\n{traceback.format_exc()}")
            rc = DRIVER_FAILED
        (cell.out / "run.log").write_text(log.getvalue())
        (cell.out / "rc").write_text(f"{rc}\n")  # last: the cell finished
        return rc

    def _run_cell(self, cell: Cell, kernel: Mapping[str, ProbeResult], causes: Mapping[str, str],
                  causes_error: str | None, executors: dict[str, runner.Executor],
                  log: io.StringIO) -> int:
        plan = self.plan
        if causes_error is not None:
            log.write(f"bpfconform: {causes_error}\n")
            return EXIT_USAGE
        compiler = plan.compilers[cell.compiler]
        try:
            m = plan.adapter_set().find(cell.adapter)
            m.argv(plan.repo_root)
            known = Session.for_adapters(plan.paths(), [m], plan.timeout, known=True).known[m.name]
        except (AdapterUnavailable, UsageError) as exc:
            log.write(f"bpfconform: {exc}\n")
            return EXIT_USAGE
        if cell.adapter not in executors:
            executors[cell.adapter] = self.executor(m, plan)
        executor = executors[cell.adapter]
        ctx = runner.Context(runner.kernel_id(), compiler.compiler.id,
                             {**kernel, **compiler.cc_probes}, runner.PinRoots())
        results, hellos = runner.run_items(compiler.items, [cell.adapter],
                                           lambda _name: executor, ctx, {cell.adapter: known})
        meta = {**report.meta(ctx.kernel, compiler.compiler, ctx.probes, hellos),
                "run_id": plan.run_id}
        report.write_reports(cell.out, meta, results, causes)
        for name, hello in hellos.items():
            lib = (f"{hello.library} {hello.library_version}"
                   if not isinstance(hello, AdapterError) else f"unavailable: {hello.cause}")
            log.write(f"adapter {name}: {lib}\n")
        report.print_summary(results, log, verbose=False)
        log.write(f"kernel {ctx.kernel}, compiler {compiler.compiler.id}; reports in "
                  f"{cell.out}/\n")
        return 1 if any(r.verdict in BAD_VERDICTS for r in results) else 0


def main(argv: Sequence[str] | None = None) -> int:
    """`python3 -m harness.matrix.guest MANIFEST [--worker N] [--timings PATH]`."""
    t0 = time.monotonic()
    p = argparse.ArgumentParser(prog="python3 -m harness.matrix.guest")
    p.add_argument("manifest", type=Path)
    p.add_argument("--worker", type=int, default=0, help="this driver's number (logs)")
    p.add_argument("--timings", type=Path, help="write this driver's timings (JSON) here")
    p.add_argument("--started", type=float,
                   help="the guest's uptime when the driver was launched (start-up time)")
    args = p.parse_args(argv)
    plan = GuestManifest.read(args.manifest)
    driver = Driver(plan)
    driver.timings["load_manifest"] = round(time.monotonic() - t0, 3)
    if args.started is not None:
        with contextlib.suppress(OSError, ValueError, IndexError):
            up = float(Path("/proc/uptime").read_text().split()[0])
            driver.timings["python_start_and_imports"] = round(
                up - args.started - (time.monotonic() - t0), 3)
    rc = driver.run()
    driver.timings["total"] = round(time.monotonic() - t0, 3)
    if args.timings is not None:
        args.timings.write_text(json.dumps(driver.timings, indent=1) + "\n")
    return rc


if __name__ == "__main__":
    sys.exit(main())
