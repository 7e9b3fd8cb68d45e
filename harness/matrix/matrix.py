"""Orchestrate a kernel x compiler x adapter matrix: host runs, one VM boot per kernel.

Objects are built and their items discovered on the host first (per compiler, cached by
harness.build.toolchain), so a VM only loads and runs. Each kernel gets a manifest
(harness.matrix.guest: items, expectations, the compilers' probes, the cells, this run's
id) and one driver process, `python3 -m harness.matrix.guest MANIFEST`, runs all its
(compiler, adapter) cells, each adapter started once (on a VM with several CPUs, one driver
per CPU sharing the cells). On a VM kernel everything runs in a single boot and the cells
come back through the shared folder; up to `MatrixSpec.vms` VMs boot at once. A kernel
that cannot be fetched, does not boot, panics or hangs turns every item of its cells into
ERROR carrying the console tail; the rest of the matrix goes on.

The matrix never reads a result it did not just produce: every cell directory is removed
and made anew with this run's id in `run_id` before the cell runs. A cell is read only when
its `run_id` is this run's, it wrote its exit status, exited 0 or 1, and its results.json
carries this run's id, is complete (one row per selected item, its compiler and adapter)
and agrees with the exit status; anything else turns the cell's items into ERROR rows
carrying the cell's log tail (and the driver's, when the driver died).
"""

from __future__ import annotations

import json
import os
import shlex
import shutil
import subprocess
import sys
import threading
import time
import uuid
from collections.abc import Callable, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from harness.matrix import merge
from harness.matrix.guest import MANIFEST_NAME, Cell, CompilerPlan, GuestManifest
from harness.matrix.kernels import (
    PINS_FILE,
    Kernel,
    KernelCache,
    KernelFetchError,
    KernelImageError,
    link_modules,
    local_kernel,
)
from harness.matrix.vm import BootResult, VmConfig, boot
from harness.run import runner
from harness.run.session import Session, UsageError
from harness.run.verdict import BAD_VERDICTS, Outcome, Verdict
from harness.suite.discovery import Item

HOST = "host"
#: The oldest (major, minor) whose kernel has each probed feature. A probe disagreeing
#: with it is flagged (distros backport and drop CONFIG_s: flagged, not trusted blindly).
PROBE_SINCE: dict[str, tuple[int, int]] = {
    "prog_test_run": (4, 12),
    "btf_vmlinux": (5, 4),
    "bpf_loop": (5, 17),
}
TAIL_LINES = 40
#: Exit statuses of a cell whose results.json is read: 0 (all good), 1 (a FAIL, ERROR or
#: XPASS row). Anything else (2: unusable adapter or expectations table; 70: the driver
#: broke in the cell) is an ERROR.
CELL_READABLE_EXITS = (0, 1)
BAD = frozenset(str(v) for v in BAD_VERDICTS)


class MatrixError(Exception):
    """The matrix cannot run at all (empty selection, unknown compiler): exit 2."""


@dataclass(frozen=True)
class MatrixSpec:
    """What to run: kernels (`host`, `5.10`, ...), compiler ids, adapter names."""

    kernels: tuple[str, ...]
    compilers: tuple[str, ...]
    adapters: tuple[str, ...]
    out: Path
    vm: VmConfig = field(default_factory=VmConfig)
    cache: Path = field(default_factory=lambda: Path.home() / ".cache" / "bpfconform")
    keyword: str | None = None
    request_timeout: float = 60.0
    paths: runner.Paths = field(default_factory=runner.Paths)
    #: Debian mirror URI (None: $BPFCONFORM_MIRROR, else the system's apt sources)
    mirror: str | None = None
    #: the pinned kernel list
    pins: Path = PINS_FILE
    #: out-of-tree adapters: name -> the `run` options that define it in every cell
    #: (`--adapter-manifest PATH` or `--adapter-command NAME=CMD`)
    adapter_sources: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    #: `--modules DIR`: the module tree of the `--kernel PATH` images (None: built in)
    modules: Path | None = None
    #: `--corpus PATH`: directories/objects the corpus lane (`bpfconform corpus`) runs on
    #: every kernel too, with the matrix's adapters (harness/corpus/corpus.py, docs/corpus.md)
    corpus: tuple[str, ...] = ()
    #: `--sensitivity ADAPTER`: the sensitivity lane (`bpfconform sensitivity`, the mutation
    #: check through ADAPTER's skip switch) on every kernel too, with the first compiler:
    #: programs a feature probe keeps off one kernel are checked where they run
    sensitivity: str | None = None
    #: the Python the cell driver (`-m harness.matrix.guest`) runs with
    python: str = sys.executable
    #: VM kernels booted at once (each with `vm.cpus` CPUs); the machine-wide VM lock has
    #: this many slots
    vms: int = 1
    #: where `/lib/modules/<release>` symlinks to cached module trees go
    modules_root: Path = Path("/lib/modules")


@dataclass(frozen=True)
class Progress:
    """One progress event: what is happening and how far the matrix is."""

    kernel: str
    stage: str
    done: int
    total: int
    elapsed: float
    eta: float | None


@dataclass
class KernelRecord:
    """What the matrix learnt about one kernel (matrix.json's `kernels` block)."""

    spec: str
    label: str
    release: str = ""
    package: str = ""
    version: str = ""
    boot: dict[str, Any] | None = None
    fetch_error: str | None = None
    probes: dict[str, Any] = field(default_factory=dict)
    probe_flags: list[str] = field(default_factory=list)
    wall_seconds: float = 0.0
    #: the corpus lane on this kernel: exit status and per-adapter summary, or its error
    corpus: dict[str, Any] | None = None
    #: the sensitivity lane on this kernel: exit status and the count of each kind, or its
    #: error
    sensitivity: dict[str, Any] | None = None
    #: the cell drivers' timings by worker: start-up, probes, seconds per cell
    driver: dict[str, Any] | None = None

    def to_json(self) -> dict[str, Any]:
        """A JSON-ready dict."""
        return dict(self.__dict__)


ProgressFn = Callable[[Progress], None]


def driver_command(python: str, manifest: Path, worker: int = 0) -> list[str]:
    """The cell driver of one kernel (worker `worker` of the drivers sharing `manifest`);
    it writes its timings next to the manifest."""
    return [python, "-m", "harness.matrix.guest", str(manifest), "--worker", str(worker),
            "--timings", str(manifest.parent / f"timings-{worker}.json")]


def guest_manifest(spec: MatrixSpec, plans: Mapping[str, CompilerPlan], run_id: str,
                   cells: Path) -> GuestManifest:
    """The manifest of one kernel's cells under `cells` (`<cells>/<compiler>/<adapter>`)."""
    return GuestManifest(
        run_id, dict(plans),
        tuple(Cell(c, a, cells / c / a) for c in spec.compilers for a in spec.adapters),
        spec.request_timeout, spec.paths.suite_dir, spec.paths.repo_root,
        dict(spec.adapter_sources))


def is_image(kernel: str) -> bool:
    """Whether a `--kernel` value is a path to a kernel image rather than a pinned id."""
    return "/" in kernel


def corpus_command(spec: MatrixSpec, out: Path) -> list[str]:
    """The `bpfconform corpus` command the corpus lane runs on one kernel (into `out`)."""
    cmd = [spec.python, "-m", "harness.cli", "corpus", *spec.corpus, "--out", str(out),
           "--timeout", f"{spec.request_timeout:g}"]
    for a in spec.adapters:
        cmd += ["--adapter", a, *spec.adapter_sources.get(a, ())]
    return cmd


def sensitivity_command(spec: MatrixSpec, out: Path) -> list[str]:
    """The `bpfconform sensitivity` command the sensitivity lane runs on one kernel."""
    assert spec.sensitivity is not None
    cmd = [spec.python, "-m", "harness.cli", "sensitivity", "--adapter", spec.sensitivity,
           *spec.adapter_sources.get(spec.sensitivity, ()), "--compiler", spec.compilers[0],
           "--json", str(out / SENSITIVITY_JSON), "--timeout", f"{spec.request_timeout:g}"]
    return cmd + (["-k", spec.keyword] if spec.keyword else [])


SENSITIVITY_JSON = "sensitivity.json"


def _lane_exit(d: Path, run_id: str, lane: str) -> int | dict[str, Any]:
    """The exit status a lane wrote in `d`, or the error record when this run did not
    write `d` (its run_id) or the lane did not finish (no `rc`), with the log's tail."""
    if _read(d / "run_id").strip() != run_id:
        return {"error": f"the {lane} directory is not this run's"}
    rc_text = _read(d / "rc").strip()
    if not rc_text.lstrip("-").isdigit():
        return {"error": f"the {lane} lane did not finish (no exit status)",
                "log": _tail_lines(_read(d / "run.log"))}
    return int(rc_text)


def read_sensitivity(d: Path, run_id: str) -> dict[str, Any]:
    """The sensitivity lane's outcome in `d` (fresh_cell'd by this run): its exit status,
    each program's kind (`<item> (<rule>)`) and every program that failed the check, or why
    there is none (never another run's sensitivity.json)."""
    rc = _lane_exit(d, run_id, "sensitivity")
    if isinstance(rc, dict):
        return rc
    try:
        checks = json.loads((d / SENSITIVITY_JSON).read_text())["checks"]
        kinds = {f"{c['item']} ({c['rule']})": str(c["kind"]) for c in checks}
        failed = [f"{c['item']}: {c['kind']}: {c['reason']}" for c in checks if not c["ok"]]
    except (OSError, ValueError, KeyError, TypeError) as exc:
        return {"rc": rc, "error": f"no {SENSITIVITY_JSON}: {exc}",
                "log": _tail_lines(_read(d / "run.log"))}
    out: dict[str, Any] = {"rc": rc, "kinds": kinds, "failed": failed,
                           "json": str(d / SENSITIVITY_JSON)}
    if rc != 0 and not failed:  # a usage error: the log says why
        out["log"] = _tail_lines(_read(d / "run.log"))
    return out


#: a program's kinds across kernels, strongest evidence first: the one the union keeps
KIND_ORDER = ("not_sensitive", "error", "refused_other", "assert", "loads", "refused",
              "kernel_enforced", "unchecked", "not_checkable")


def sensitivity_union(kernels: Mapping[str, Any]) -> dict[str, str]:
    """Each program the sensitivity lanes checked, with its kind on the kernel that says the
    most (a failure anywhere first, then an assertion, a load, a refusal; `not_checkable`
    only when no kernel could check it)."""
    def rank(kind: str) -> int:  # an unknown kind ranks as a failure: fail closed
        return KIND_ORDER.index(kind) if kind in KIND_ORDER else 0

    seen: dict[str, str] = {}
    for rec in kernels.values():
        for program, kind in ((rec.get("sensitivity") or {}).get("kinds") or {}).items():
            if program not in seen or rank(kind) < rank(seen[program]):
                seen[program] = kind
    return seen


def kind_counts(kinds: Mapping[str, str]) -> dict[str, dict[str, int]]:
    """A lane's `kinds` counted by rule: {"pass": {"assert": 188, ...}, "negative": ...}."""
    counts: dict[str, dict[str, int]] = {}
    for program, kind in kinds.items():
        rule = counts.setdefault(program.rsplit(" (", 1)[1].rstrip(")"), {})
        rule[kind] = rule.get(kind, 0) + 1
    return counts


def read_corpus(d: Path, run_id: str) -> dict[str, Any]:
    """The corpus lane's outcome in `d` (fresh_cell'd by this run): its exit status and
    per-adapter summary, or why there is none (never another run's corpus.json)."""
    rc = _lane_exit(d, run_id, "corpus")
    if isinstance(rc, dict):
        return rc
    try:
        doc = json.loads((d / "corpus.json").read_text())
        summary = doc["summary"]
    except (OSError, ValueError, KeyError, TypeError) as exc:
        return {"rc": rc, "error": f"no corpus.json: {exc}",
                "log": _tail_lines(_read(d / "run.log"))}
    return {"rc": rc, "summary": summary, "json": str(d / "corpus.json")}


def guest_script(spec: MatrixSpec, share: Path, workers: int = 1) -> str:
    """The shell script a VM runs: `workers` cell drivers over the share's manifest (all
    cells, each adapter started once per driver), then the corpus lane if asked."""
    # the guest's PATH is a default one: give it the host's, this Python's folder first,
    # so adapters started as `python3 -m ...` get the same interpreter and site-packages
    path = os.pathsep.join([str(Path(sys.executable).parent), os.environ.get("PATH", "")])
    lines = [f"cd {shlex.quote(str(spec.paths.repo_root))}",
             f"export PATH={shlex.quote(path)}"]
    manifest = share / MANIFEST_NAME
    for w in range(workers):
        log = shlex.quote(str(share / f"driver-{w}.log"))
        cmd = shlex.join(driver_command(spec.python, manifest, w))
        lines.append(f"(read up _ < /proc/uptime; {cmd} --started $up > {log} 2>&1; "
                     f"echo $? > {shlex.quote(str(share / f'driver-{w}.rc'))}) &")
    lines.append("wait")
    if spec.corpus:
        q = shlex.quote(str(share / "corpus"))
        lane = corpus_command(spec, share / "corpus")
        lines += [f"{shlex.join(lane)} > {q}/run.log 2>&1; echo $? > {q}/rc"]
    if spec.sensitivity:
        q = shlex.quote(str(share / "sensitivity"))
        lane = sensitivity_command(spec, share / "sensitivity")
        lines += [f"{shlex.join(lane)} > {q}/run.log 2>&1; echo $? > {q}/rc"]
    return "\n".join(lines) + "\n"


def error_rows(items: Sequence[Item], adapters: Sequence[str], kernel: str, compiler: str,
               reason: str) -> list[dict[str, Any]]:
    """An ERROR row for every (item, adapter): the kernel or the cell broke."""
    return [runner.Result(i, a, kernel, compiler, Outcome(Verdict.ERROR, reason)).to_json()
            for a in adapters for i in items]


@dataclass(frozen=True)
class CellRead:
    """One cell as read back: its rows (kernel and compiler filled) and meta, or why its
    items are ERROR (`problem`, with the cell's log tail in `log`)."""

    rows: list[dict[str, Any]] = field(default_factory=list)
    meta: dict[str, Any] = field(default_factory=dict)
    problem: str | None = None
    log: str = ""


def fresh_cell(d: Path, run_id: str) -> None:
    """Remove the cell directory `d` and make it anew holding only this run's id."""
    shutil.rmtree(d, ignore_errors=True)
    d.mkdir(parents=True)
    (d / "run_id").write_text(run_id + "\n")


def read_cell(d: Path, run_id: str, items: Sequence[Item], adapter: str, kernel: str,
              compiler: str) -> CellRead:
    """The rows of one cell, checked: written by this run, finished with 0 or 1, a
    results.json of this run (its meta's `run_id`) with one row per item of `items` for
    this compiler and adapter whose verdicts agree with the exit status. Items without a
    row get ERROR rows."""
    log = _tail_lines(_read(d / "run.log"))
    if _read(d / "run_id").strip() != run_id:
        return CellRead(problem=f"{d} was not made by this matrix run (its run_id is not "
                                f"{run_id}): nothing in it is read", log=log)
    rc = _read_int(d / "rc")
    if rc is None:
        return CellRead(problem="the cell never finished (no exit status)", log=log)
    if rc not in CELL_READABLE_EXITS:
        return CellRead(problem=f"the cell exited {rc}", log=log)
    try:
        doc = json.loads((d / "results.json").read_text())
    except OSError:
        return CellRead(problem=f"the cell exited {rc} and wrote no results.json", log=log)
    except ValueError as exc:
        return CellRead(problem=f"results.json is not JSON ({exc})", log=log)
    meta = doc.get("meta") if isinstance(doc, dict) else None
    rows = doc.get("results") if isinstance(doc, dict) else None
    if not isinstance(meta, dict) or not isinstance(rows, list) or not all(
            isinstance(r, dict) for r in rows):
        return CellRead(problem="results.json has no meta object and results list", log=log)
    if meta.get("run_id") != run_id:
        return CellRead(problem=f"results.json is of run {meta.get('run_id')!r}, not this "
                                f"matrix run's {run_id}: nothing in it is read", log=log)
    declared = meta.get("compiler")
    if isinstance(declared, dict) and declared.get("id") != compiler:
        return CellRead(problem=f"results.json is of compiler {declared.get('id')}, "
                                f"not {compiler}", log=log)
    wanted = {(i.rel, i.program): i for i in items}
    foreign = [r for r in rows if (r.get("file"), r.get("program")) not in wanted
               or r.get("adapter") != adapter]
    if foreign:
        r = foreign[0]
        return CellRead(problem=f"results.json has {len(foreign)} row(s) outside this cell's "
                                f"selection, e.g. {r.get('file')}::{r.get('program')} "
                                f"[{r.get('adapter')}]", log=log)
    has_bad = any(r.get("verdict") in BAD for r in rows)
    missing = [i for k, i in wanted.items()
               if k not in {(r.get("file"), r.get("program")) for r in rows}]
    if rc == 0 and has_bad:
        return CellRead(problem="the cell exited 0 but results.json has FAIL, ERROR or "
                                "XPASS rows", log=log)
    if rc == 1 and not has_bad and not missing:
        return CellRead(problem="the cell exited 1 but results.json has no FAIL, ERROR or "
                                "XPASS row (it failed after writing it)", log=log)
    out = [{**r, "kernel": kernel, "compiler": compiler} for r in rows]
    if missing:
        reason = f"the cell's results.json has no row for this item (exit {rc})" + (
            f"\n--- cell log (tail) ---\n{log}" if log else "")
        out += error_rows(missing, [adapter], kernel, compiler, reason)
    return CellRead(out, dict(meta), log=log)


def probe_flags(kernel: tuple[int, int], probes: Mapping[str, Any]) -> list[str]:
    """Probes whose result disagrees with what the kernel version implies."""
    flags = []
    for name, since in PROBE_SINCE.items():
        p = probes.get(name)
        if not isinstance(p, dict) or kernel == (0, 0):
            continue
        implied = kernel >= since
        if bool(p.get("ok")) != implied:
            flags.append(f"{name}: probe says {'present' if p.get('ok') else 'absent'} "
                         f"({p.get('reason')}), but {kernel[0]}.{kernel[1]} "
                         f"{'has' if implied else 'predates'} it (since {since[0]}.{since[1]})")
    return flags


def _tail_lines(text: str, n: int = TAIL_LINES) -> str:
    return "\n".join(text.splitlines()[-n:])


class Matrix:
    """Runs one MatrixSpec; `run()` returns the matrix.json document."""

    def __init__(self, spec: MatrixSpec, progress: ProgressFn | None = None) -> None:
        self.spec = spec
        self.progress = progress
        self.items: dict[str, list[Item]] = {}
        #: compiler -> what the cell drivers get of it (items, its cc probes, its version)
        self.plans: dict[str, CompilerPlan] = {}
        self.rows: list[dict[str, Any]] = []
        self.kernels: list[KernelRecord] = []
        self.done = 0
        self.start = time.monotonic()
        self.vm_seconds = 0.0  # time spent in finished VM kernels
        self.vm_done = 0  # items finished in VM kernels
        self.accel: dict[str, Any] = {"requested": spec.vm.accel}
        #: written into every cell before it runs; a cell with another id is never read
        self.run_id = uuid.uuid4().hex
        #: adapter -> its hello (library and version) from the cells' results.json meta
        self.adapter_versions: dict[str, Any] = {}
        #: VMs may run in threads (spec.vms): every shared field above changes under it
        self._lock = threading.RLock()
        #: items of the VMs now running (label -> finished items), for the progress line
        self._live: dict[str, int] = {}

    @property
    def per_kernel(self) -> int:
        """Items x adapters over every compiler: the work of one kernel."""
        return sum(len(v) for v in self.items.values()) * len(self.spec.adapters)

    @property
    def total(self) -> int:
        """Every (kernel, compiler, adapter, item)."""
        return self.per_kernel * len(self.spec.kernels)

    def _say(self, kernel: str, stage: str, running: float = 0.0, live: int = 0) -> None:
        """Report progress; `running` seconds and `live` items of the VM now running."""
        if self.progress is None:
            return
        with self._lock:
            if live:
                self._live[kernel] = live
            else:
                self._live.pop(kernel, None)
            elapsed = time.monotonic() - self.start
            live_all = sum(self._live.values())
            done = self.done + live_all
            # VMs run at TCG speed: estimate from VM time per VM item only (host items are
            # almost free), counting the booting overhead of the VMs still to come
            vm_time, vm_items = self.vm_seconds + running, self.vm_done + live_all
            eta = None
            if vm_items:
                eta = vm_time / vm_items * max(0, self.total - done) / max(1, self.spec.vms)
            self.progress(Progress(kernel, stage, done, self.total, elapsed, eta))

    def _cell_items(self, compiler: str) -> int:
        return len(self.items[compiler])

    def prepare(self) -> None:
        """Build every compiler's objects on the host and discover items (once); an empty
        selection or an unknown compiler is a MatrixError, never an empty green matrix."""
        for c in self.spec.compilers:
            self._say("-", f"building objects with {c}")
            try:
                prepared = Session.open(self.spec.paths, compiler=c, keyword=self.spec.keyword,
                                        known=False, allow_empty=True).suite
            except UsageError as exc:
                raise MatrixError(str(exc)) from exc
            if not prepared.items:
                what = (f"-k {self.spec.keyword!r} selects" if self.spec.keyword
                        else "the suite has")
                raise MatrixError(f"{what} no item with {c}: nothing to run")
            self.items[c] = prepared.items
            self.plans[c] = CompilerPlan.of(prepared)

    def run(self) -> dict[str, Any]:
        """The whole matrix; returns (and writes) matrix.json."""
        self.spec.out.mkdir(parents=True, exist_ok=True)
        self.prepare()
        records: dict[str, KernelRecord] = {}

        def one(k: str) -> None:
            t0 = time.monotonic()
            rec = self._host(k) if k == HOST else self._vm(k)
            rec.wall_seconds = round(time.monotonic() - t0, 3)
            with self._lock:
                records[k] = rec

        kernels = list(dict.fromkeys(self.spec.kernels))  # a kernel named twice runs once
        if HOST in kernels:  # the host first: it is quick and needs no VM slot
            one(HOST)
        vms = [k for k in kernels if k != HOST]
        with ThreadPoolExecutor(max_workers=max(1, self.spec.vms)) as pool:
            for f in [pool.submit(one, k) for k in vms]:
                f.result()
        self.kernels = [records[k] for k in kernels]
        order = {r.label: n for n, r in enumerate(self.kernels)}
        self.rows.sort(key=lambda r: order.get(r.get("kernel", ""), len(order)))
        doc = self.document()
        merge.write_outputs(self.spec.out, doc)
        return doc

    def document(self) -> dict[str, Any]:
        """matrix.json: meta (kernels with boots and probes, compilers, adapters), rows."""
        return {
            "meta": {
                "kernels": {r.label: r.to_json() for r in self.kernels},
                "compilers": list(self.spec.compilers),
                "adapters": list(self.spec.adapters),
                "adapter_versions": dict(self.adapter_versions),
                "wall_seconds": round(time.monotonic() - self.start, 3),
                "accel": self.accel,
                "vms": self.spec.vms,
                "cpus_per_vm": self.spec.vm.cpus,
            } | ({"sensitivity": sensitivity_union({r.label: r.to_json() for r in self.kernels})}
                 if self.spec.sensitivity else {}),
            "results": self.rows,
            "compiler_differences": merge.compiler_differences(self.rows),
        }

    def _keep_version(self, adapter: str, meta: Mapping[str, Any]) -> None:
        """Keep the adapter's hello (library version) of a cell's meta: the first one
        naming a library, else the first one (an unavailable adapter)."""
        declared = meta.get("adapters", {})
        hello = declared.get(adapter) if isinstance(declared, Mapping) else None
        if not isinstance(hello, Mapping):
            return
        old = self.adapter_versions.get(adapter)
        if old is None or ("library" in hello and "library" not in old):
            self.adapter_versions[adapter] = dict(hello)

    def _collect(self, rec: KernelRecord, cells: Path, context: str = "") -> None:
        """Read every cell of `rec` (see read_cell); `context` (why a VM or the cell driver
        died, with its tail) is added to the reason of a cell that could not be read."""
        with self._lock:
            for c in self.spec.compilers:
                for a in self.spec.adapters:
                    got = read_cell(cells / c / a, self.run_id, self.items[c], a, rec.label, c)
                    if got.problem is not None:
                        reason = f"cell {rec.label} {c} x {a}: {got.problem}" + (
                            f"\n{context}" if context else "") + (
                            f"\n--- cell log (tail) ---\n{got.log}" if got.log else "")
                        rows = error_rows(self.items[c], [a], rec.label, c, reason)
                    else:
                        rows = got.rows
                        rec.probes = got.meta.get("probes", rec.probes)
                        self._keep_version(a, got.meta)
                    self.rows.extend(rows)
                    self.done += self._cell_items(c)
        if rec.probes:
            major_minor = Kernel(rec.spec, rec.release, Path()).major_minor
            rec.probe_flags = probe_flags(major_minor, rec.probes)

    def _write_manifest(self, manifest: Path, cells: Path) -> GuestManifest:
        """Fresh cell directories under `cells` and the drivers' manifest at `manifest`."""
        plan = guest_manifest(self.spec, self.plans, self.run_id, cells.resolve())
        for cell in plan.cells:
            fresh_cell(cell.out, self.run_id)
        plan.write(manifest)
        return plan

    def _ticker(self, label: str, plan: GuestManifest, share: Path | None
                ) -> Callable[[float], None]:
        """A progress callback for the cells of `plan` (`share`: a VM's, to tell booting)."""
        last = [-1.0]

        def tick(elapsed: float) -> None:
            if elapsed - last[0] < 5:
                return
            last[0] = elapsed
            finished = [c for c in plan.cells if (c.out / "rc").exists()]
            live = sum(self._cell_items(c.compiler) for c in finished)
            running = [c for c in plan.cells if (c.out / "claimed").exists()
                       and c not in finished]
            if share is not None and not (share / "booted").exists():
                stage = "booting"
            elif len(finished) == len(plan.cells):
                lanes = [lane for lane, on in (("corpus", self.spec.corpus),
                                               ("sensitivity", self.spec.sensitivity))
                         if on and share is not None and not (share / lane / "rc").exists()]
                stage = (f"running the {lanes[0]} lane" if lanes
                         else "powering off" if share is not None else "finishing")
            elif running:
                stage = "adapter " + ", ".join(f"{c.adapter} ({c.compiler})" for c in running)
            else:
                stage = "starting the cell driver"
            self._say(label, stage, elapsed, live)

        return tick

    def _host(self, spec_name: str) -> KernelRecord:
        release = os.uname().release
        rec = KernelRecord(spec_name, runner.kernel_id(), release)
        cells = self.spec.out / "cells" / rec.label
        shutil.rmtree(cells, ignore_errors=True)
        cells.mkdir(parents=True)
        manifest = cells / MANIFEST_NAME
        plan = self._write_manifest(manifest, cells)
        tick = self._ticker(rec.label, plan, None)
        self._say(rec.label, "starting the cell driver")
        t0 = time.monotonic()
        with (cells / "driver-0.log").open("w") as log:
            proc = subprocess.Popen(driver_command(self.spec.python, manifest.resolve()),
                                    cwd=self.spec.paths.repo_root, stdout=log,
                                    stderr=subprocess.STDOUT)
            while proc.poll() is None:
                tick(time.monotonic() - t0)
                time.sleep(0.2)
        (cells / "driver-0.rc").write_text(f"{proc.returncode}\n")
        self._collect(rec, cells, driver_context(cells, 1))
        rec.driver = driver_timings(cells, 1)
        if self.spec.corpus:
            d = cells / "corpus"
            fresh_cell(d, self.run_id)
            self._say(rec.label, "running the corpus lane")
            with (d / "run.log").open("w") as log:
                rc = subprocess.run(corpus_command(self.spec, d), cwd=self.spec.paths.repo_root,
                                    stdout=log, stderr=subprocess.STDOUT,
                                    check=False).returncode
            (d / "rc").write_text(f"{rc}\n")
            rec.corpus = read_corpus(d, self.run_id)
        if self.spec.sensitivity:
            d = cells / "sensitivity"
            fresh_cell(d, self.run_id)
            self._say(rec.label, "running the sensitivity lane")
            with (d / "run.log").open("w") as log:
                rc = subprocess.run(sensitivity_command(self.spec, d),
                                    cwd=self.spec.paths.repo_root, stdout=log,
                                    stderr=subprocess.STDOUT, check=False).returncode
            (d / "rc").write_text(f"{rc}\n")
            rec.sensitivity = read_sensitivity(d, self.run_id)
        self._say(rec.label, "done")
        return rec

    def _vm(self, spec_name: str) -> KernelRecord:
        rec = KernelRecord(spec_name, spec_name)
        self._say(spec_name, "fetching kernel")
        try:
            if is_image(spec_name):  # --kernel PATH: a kernel image of the user's
                kernel = local_kernel(Path(spec_name), self.spec.modules, self.spec.cache)
            else:
                kernel = KernelCache(self.spec.cache, self.spec.mirror,
                                     self.spec.pins).fetch(spec_name)
            link_modules(kernel, self.spec.modules_root)
        except (KernelFetchError, KernelImageError, OSError) as exc:
            rec.fetch_error = str(exc)
            detail = getattr(exc, "output", "")
            with self._lock:
                for c in self.spec.compilers:
                    reason = f"kernel {spec_name} unavailable: {exc}" + (
                        f"\n{_tail_lines(detail)}" if detail else "")
                    self.rows.extend(error_rows(self.items[c], self.spec.adapters, spec_name,
                                                c, reason))
                    self.done += self._cell_items(c) * len(self.spec.adapters)
            return rec
        rec.label, rec.release = kernel.release, kernel.release
        rec.package, rec.version = kernel.package, kernel.version
        share = self.spec.out / "vm" / rec.label
        _clear(share)
        plan = self._write_manifest(share / MANIFEST_NAME, share / "cells")
        if self.spec.corpus:
            fresh_cell(share / "corpus", self.run_id)
        if self.spec.sensitivity:
            fresh_cell(share / "sensitivity", self.run_id)
        workers = max(1, self.spec.vm.cpus)
        script = guest_script(self.spec, share.resolve(), workers)
        self._say(rec.label, "booting")
        t0 = time.monotonic()
        result = boot(kernel, script, share, self._vm_config(kernel),
                      on_tick=self._ticker(rec.label, plan, share))
        rec.boot = result.to_json()
        rec.driver = driver_timings(share, workers)
        before = self.done
        context = "\n".join(x for x in (_boot_reason(rec.label, result),
                                        driver_context(share, workers) if result.ok else "")
                            if x)
        self._collect(rec, share / "cells", context)
        if self.spec.corpus:
            rec.corpus = read_corpus(share / "corpus", self.run_id)
        if self.spec.sensitivity:
            rec.sensitivity = read_sensitivity(share / "sensitivity", self.run_id)
        with self._lock:
            self.vm_seconds += time.monotonic() - t0
            self.vm_done += self.done - before
        self._say(rec.label, "done" if result.ok else f"ERROR: {result.reason}")
        return rec

    def _vm_config(self, kernel: Kernel) -> VmConfig:
        spec = self.spec
        root = str(spec.paths.repo_root)
        vm = spec.vm
        overlays = vm.overlay_dirs if root in vm.overlay_dirs else (*vm.overlay_dirs, root)
        vm = replace(vm, overlay_dirs=overlays, cwd=spec.paths.repo_root,
                     lock_slots=max(vm.lock_slots, spec.vms))
        if vm.accel == "auto":
            with self._lock:  # one probe boot, whichever VM comes first
                if "chosen" not in self.accel:
                    self._say(kernel.release, "probing KVM (a short boot)")
                    self.accel.update(probe_kvm(kernel, vm, spec.out / "vm" / "kvm-probe"))
            vm = replace(vm, accel=self.accel["chosen"])
        return vm


def driver_context(d: Path, workers: int) -> str:
    """Why the cell drivers under `d` did not all exit 0 (status and log tail), or ""."""
    parts = []
    for w in range(workers):
        rc = _read(d / f"driver-{w}.rc").strip()
        if rc == "0":
            continue
        status = f"exited {rc}" if rc else "never finished"
        parts.append(f"--- the cell driver {w} {status}; its log (tail) ---\n"
                     f"{_tail_lines(_read(d / f'driver-{w}.log'))}")
    return "\n".join(parts)


def driver_timings(d: Path, workers: int) -> dict[str, Any] | None:
    """The drivers' own timings (start-up, probes, each cell), if they wrote them."""
    found: dict[str, Any] = {}
    for w in range(workers):
        try:
            found[str(w)] = json.loads((d / f"timings-{w}.json").read_text())
        except (OSError, ValueError):
            continue
    return found or None


#: Seconds a KVM probe boot may take before KVM counts as hanging.
KVM_PROBE_TIMEOUT = 30.0


def probe_kvm(kernel: Kernel, vm: VmConfig, share: Path) -> dict[str, Any]:
    """Boot `kernel` once with KVM running `true`: use KVM only if that worked."""
    if not Path("/dev/kvm").exists():
        return {"chosen": "tcg", "kvm_probe": "no /dev/kvm"}
    _clear(share)
    result = boot(kernel, "true\n", share,
                  replace(vm, accel="kvm", timeout=min(vm.timeout, KVM_PROBE_TIMEOUT)))
    if result.ok and result.exit_code == 0:
        return {"chosen": "kvm", "kvm_probe": f"booted in {result.wall_seconds:.1f} s"}
    return {"chosen": "tcg", "kvm_probe": f"KVM boot failed: {result.reason}"}


def _boot_reason(label: str, result: BootResult) -> str:
    if result.ok:
        return ""
    return (f"kernel {label}: {result.reason}\n--- console tail ---\n"
            f"{_tail_lines(result.console_tail)}")


def _read(path: Path) -> str:
    try:
        return path.read_text(errors="replace")
    except OSError:
        return ""


def _read_int(path: Path) -> int | None:
    try:
        return int(path.read_text().strip())
    except (OSError, ValueError):
        return None


def _clear(share: Path) -> None:
    shutil.rmtree(share, ignore_errors=True)
    share.mkdir(parents=True)


def bad(doc: Mapping[str, Any]) -> bool:
    """True when any row is FAIL, ERROR or XPASS, or a kernel's corpus lane failed (an
    adapter crashed or hung, a retval differs from the reference, or it gave no result), or
    its sensitivity lane did (a program not proven sensitive, or no result)."""
    if any(r.get("verdict") in {str(v) for v in BAD_VERDICTS} for r in doc["results"]):
        return True
    kernels = doc.get("meta", {}).get("kernels", {})
    return any(isinstance(k, Mapping) and k.get(lane) is not None
               and (k[lane].get("error") or k[lane].get("rc") != 0)
               for k in kernels.values() for lane in ("corpus", "sensitivity"))
