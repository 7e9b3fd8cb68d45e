"""`bpfconform corpus`: third-party BPF objects (and the kernel's selftests) through every loader.

Every program of every object under the given paths (GLOBAL/WEAK functions in executable
sections other than `.text`, `harness.discovery.entry_programs`) is run once per adapter over
the adapter protocol, with the default data_in, a fresh pin root per request and, when the
adapter lists it, `autoload_only` (only that program is loaded). An outcome is the failing
phase + errno + error (+ error_kind), or `done` + retval. Agreement with the reference
adapter (libbpf): the same failing phase, or both `done` with the same retval. An adapter
that broke (`internal` error_kind, crash, hang) never agrees: that is an ERROR of the adapter.
Programs carrying the selftests' `bpf_misc.h` annotations are also judged PASS/FAIL
(`harness.corpus_annotations`). Writes corpus.json, junit.xml and corpus.html.
"""

from __future__ import annotations

import argparse
import fnmatch
import json
import os
import sys
import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path
from typing import Any

from elftools.common.exceptions import ELFError
from elftools.elf.elffile import ELFFile

from harness import corpus_annotations as ca
from harness import corpus_html, junit, runner
from harness.client import AdapterClient, AdapterError
from harness.discovery import DEFAULT_DATA_IN, entry_programs
from harness.manifest import AdapterSet, AdapterUnavailable, Manifest
from harness.prebuilt import results_root
from harness.probes import bpf_denied
from harness.protocol import Hello, RunRequest
from harness.subcommand import Subcommand
from harness.toolchain import ToolchainError

EXIT_USAGE = 2
DEFAULT_TIMEOUT = 60.0
PROGRESS_EVERY = 100
AUTOLOAD_ONLY = "autoload_only"
PHASE_ORDER = {"open": 0, "load": 1, "run": 2, "done": 3}
#: the `relation` of an outcome to the reference's (summary keys)
RELATIONS = ("agree", "stricter", "looser", "retval_differs", "errors")


class CorpusError(Exception):
    """A one-line error for the user; exit status 2."""


@dataclass(frozen=True)
class Target:
    """One (object, program) of the corpus."""

    obj: Path
    name: str  # the object as shown: relative to the PATH it was found under
    program: str
    annotation: ca.Annotation | None = None

    @property
    def id(self) -> str:
        """`object:program`, what -k matches."""
        return f"{self.name}:{self.program}"


@dataclass(frozen=True)
class Outcome:
    """What one adapter did with one target."""

    object: str
    program: str
    adapter: str
    phase: str  # open|load|run|done, or "adapter" when the adapter broke (crash, hang)
    retval: int | None = None
    errno: int | None = None
    error: str | None = None
    error_kind: str | None = None  # refused|internal, or crash|hang for phase "adapter"
    agrees: bool | None = None  # None: the reference broke, nothing to compare with
    relation: str | None = None  # one of RELATIONS, or None (see agrees)
    verdict: str | None = None  # annotated programs: PASS|FAIL|ERROR|NOT_JUDGED
    verdict_why: str | None = None
    mode: str = "autoload_only"  # or "whole_object" (the adapter cannot load one program)
    verifier_log: str | None = None
    seconds: float = 0.0
    retval_unstable: bool = False  # the reference returns another value on another run

    @property
    def broke(self) -> bool:
        """The adapter broke: an internal error, a crash or a hang."""
        return self.phase == "adapter" or (self.phase != "done" and self.error_kind == "internal")

    def to_json(self) -> dict[str, Any]:
        """The corpus.json `results` record (verifier log cut to its last 4 KiB)."""
        d = asdict(self)
        if d["verifier_log"]:
            d["verifier_log"] = d["verifier_log"][-4096:]
        return d


@dataclass(frozen=True)
class CorpusRequest(RunRequest):
    """A run request with the protocol's `autoload_only` field (sent only when true)."""

    autoload_only: bool = False

    def to_json(self) -> str:
        """One JSON line; `"autoload_only": true` only when set (adapters that do not list
        it are sent whole-object requests)."""
        obj = json.loads(super().to_json())
        obj.pop("autoload_only", None)
        if self.autoload_only:
            obj["autoload_only"] = True
        return json.dumps(obj, separators=(",", ":"))


# -- selection ---------------------------------------------------------------------------


def find_objects(paths: Sequence[Path], glob: str) -> list[tuple[Path, str]]:
    """(object, shown name) for every file matching `glob` under each path (a file is taken
    as it is), sorted, without duplicates."""
    found: dict[Path, str] = {}
    for root in paths:
        if root.is_file():
            found.setdefault(root.resolve(), root.name)
            continue
        if not root.is_dir():
            raise CorpusError(f"{root}: no such file or directory")
        for dirpath, _, files in os.walk(root):
            for f in sorted(files):
                if fnmatch.fnmatch(f, glob):
                    p = Path(dirpath) / f
                    found.setdefault(p.resolve(), p.relative_to(root).as_posix())
    return sorted(found.items(), key=lambda kv: kv[1])


def read_object(obj: Path) -> tuple[list[str], bytes | None]:
    """The entry programs of `obj` and its raw .BTF (None without); ELFError if not ELF."""
    with obj.open("rb") as f:
        elf = ELFFile(f)
        progs = entry_programs(elf)
        sec = elf.get_section_by_name(".BTF")
        return progs, (sec.data() if sec is not None else None)


def collect(objects: Iterable[tuple[Path, str]], keyword: str | None
            ) -> tuple[list[Target], list[str]]:
    """Targets of every readable object (filtered by -k), and one line per unreadable one."""
    targets: list[Target] = []
    unreadable: list[str] = []
    for obj, name in objects:
        try:
            progs, btf = read_object(obj)
        except (ELFError, OSError, ValueError) as exc:
            unreadable.append(f"{name}: not a readable ELF object: {exc}")
            continue
        anns, problem = ca.read_annotations(btf, progs)
        if problem:
            unreadable.append(f"{name}: annotations not read: {problem}")
        for p in progs:
            t = Target(obj, name, p, anns.get(p))
            if keyword is None or keyword in t.id:
                targets.append(t)
    return targets, unreadable


# -- running -----------------------------------------------------------------------------


@dataclass
class AdapterPass:
    """Runs every target through one adapter (an Executor: harness.client.AdapterClient or a
    test's fake)."""

    name: str
    executor: runner.Executor
    pins: runner.PinRoots
    progress: Callable[[str], None] = lambda _line: None
    every: int = PROGRESS_EVERY
    _ids: int = field(default=0)

    def run(self, targets: Sequence[Target]) -> tuple[Hello | AdapterError, list[Outcome]]:
        """The adapter's hello (or why it could not start) and one Outcome per target."""
        try:
            hello: Hello | AdapterError = self.executor.hello()
        except AdapterError as exc:
            hello = exc
        mode = ("autoload_only" if isinstance(hello, Hello) and AUTOLOAD_ONLY in hello.supports
                else "whole_object")
        out: list[Outcome] = []
        start = time.monotonic()
        for i, t in enumerate(targets, 1):
            out.append(self.one(t, mode))
            if i % self.every == 0 or i == len(targets):
                bad = sum(o.broke for o in out)
                self.progress(f"[corpus] {self.name}: {i}/{len(targets)} programs, "
                              f"{bad} adapter errors, {time.monotonic() - start:.0f} s")
        return hello, out

    def one(self, t: Target, mode: str) -> Outcome:
        """One request (a fresh pin root, removed after, even when the adapter broke)."""
        self._ids += 1
        base = Outcome(t.name, t.program, self.name, "adapter", mode=mode)
        pin_root = self.pins.create()
        t0 = time.monotonic()
        try:
            reply = self.executor.run(CorpusRequest(
                id=self._ids, elf=str(t.obj), program=t.program, pin_root=str(pin_root),
                data_in=DEFAULT_DATA_IN, autoload_only=mode == "autoload_only"))
        except AdapterError as exc:
            kind = "hang" if "no reply within" in exc.cause else "crash"
            return replace(base, error=exc.cause, error_kind=kind,
                           seconds=time.monotonic() - t0)
        finally:
            leftover = self.pins.remove(pin_root)
        secs = time.monotonic() - t0
        if leftover:
            return replace(base, error=f"could not remove pin root: {leftover}",
                           error_kind="crash", seconds=secs)
        return replace(base, phase=reply.phase, retval=reply.retval, errno=reply.errno,
                       error=reply.error, error_kind=reply.error_kind if reply.phase != "done"
                       else None, verifier_log=reply.verifier_log, seconds=secs)


# -- judging -----------------------------------------------------------------------------

#: runs of the reference that must all return the same value before a retval difference
#: counts (programs returning bpf_get_prandom_u32(), a time or a pointer differ run to run)
STABILITY_RUNS = 2


def retval_suspects(outcomes: Sequence[Outcome], reference: str) -> list[tuple[str, str]]:
    """(object, program) where an adapter ran the program to another retval than the
    reference did."""
    refs = {(o.object, o.program): o for o in outcomes if o.adapter == reference}
    out: list[tuple[str, str]] = []
    for o in outcomes:
        ref = refs.get((o.object, o.program))
        if (o.adapter != reference and ref is not None and o.phase == ref.phase == "done"
                and o.retval != ref.retval and (o.object, o.program) not in out):
            out.append((o.object, o.program))
    return out


def unstable_retvals(suspects: Sequence[tuple[str, str]], targets: Sequence[Target],
                     outcomes: Sequence[Outcome], reference: AdapterPass
                     ) -> set[tuple[str, str]]:
    """The suspects whose retval the reference itself does not repeat: run again
    STABILITY_RUNS times, any other value (or outcome) makes the retval unstable."""
    by_key = {(t.name, t.program): t for t in targets}
    first = {(o.object, o.program): o for o in outcomes if o.adapter == reference.name}
    unstable: set[tuple[str, str]] = set()
    for key in suspects:
        for _ in range(STABILITY_RUNS):
            again = reference.one(by_key[key], first[key].mode)
            if (again.phase, again.retval) != (first[key].phase, first[key].retval):
                unstable.add(key)
                break
    return unstable



def relation(mine: Outcome, ref: Outcome, retval_stable: bool = True
             ) -> tuple[bool | None, str | None]:
    """(agrees, relation) of an outcome to the reference's outcome of the same target; a
    retval the reference does not repeat run to run is not compared (phases are)."""
    if mine.broke:
        return False, "errors"
    if ref.broke:
        return None, None
    if mine.phase == ref.phase:
        if mine.phase == "done" and mine.retval != ref.retval and retval_stable:
            return False, "retval_differs"
        return True, "agree"
    return False, ("stricter" if PHASE_ORDER[mine.phase] < PHASE_ORDER[ref.phase] else "looser")


def judge_all(outcomes: Sequence[Outcome], targets: Sequence[Target], reference: str,
              unstable: Iterable[tuple[str, str]] = ()) -> list[Outcome]:
    """Each outcome with its agreement with the reference (retvals of `unstable` programs
    not compared) and its annotation verdict."""
    unstable = set(unstable)
    refs = {(o.object, o.program): o for o in outcomes if o.adapter == reference}
    anns = {(t.name, t.program): t.annotation for t in targets}
    out: list[Outcome] = []
    for o in outcomes:
        ref = refs.get((o.object, o.program))
        key = (o.object, o.program)
        agrees, rel = (relation(o, ref, key not in unstable) if ref is not None
                       else (None, None))
        ann = anns.get((o.object, o.program))
        verdict = why = None
        if ann is not None:
            verdict, why = ca.judge(ann, o.phase, o.retval, o.broke)
        out.append(replace(o, agrees=agrees, relation=rel, verdict=verdict, verdict_why=why,
                           retval_unstable=key in unstable))
    return out


def summarize(outcomes: Sequence[Outcome], adapters: Sequence[str]) -> dict[str, Any]:
    """Per adapter: programs and the count of each relation to the reference, the reference
    broke (`reference_errors`), and the annotation verdicts."""
    out: dict[str, Any] = {}
    for a in adapters:
        mine = [o for o in outcomes if o.adapter == a]
        s: dict[str, Any] = {"programs": len(mine), **dict.fromkeys(RELATIONS, 0),
                             "reference_errors": 0}
        for o in mine:
            s[o.relation or "reference_errors"] += 1
        judged = [o.verdict for o in mine if o.verdict]
        s["annotated"] = {v: judged.count(v) for v in ("PASS", "FAIL", "ERROR", "NOT_JUDGED")}
        out[a] = s
    return out


def exit_status(outcomes: Sequence[Outcome], strict: bool) -> int:
    """1 when an adapter broke or a retval differs (or, with --strict, any disagreement)."""
    for o in outcomes:
        if o.broke or o.relation == "retval_differs":
            return 1
        if strict and o.agrees is False:
            return 1
    return 0


# -- reports -----------------------------------------------------------------------------


def document(meta: Mapping[str, Any], outcomes: Sequence[Outcome], adapters: Sequence[str],
             targets: Sequence[Target] = ()) -> dict[str, Any]:
    """The corpus.json document (`annotations`: each annotated `object:program`'s)."""
    return {"meta": dict(meta), "results": [o.to_json() for o in outcomes],
            "summary": summarize(outcomes, adapters),
            "annotations": {t.id: t.annotation.to_json() for t in targets if t.annotation}}


def write_junit(path: Path, outcomes: Sequence[Outcome]) -> None:
    """junit.xml (harness.junit): one suite per adapter, one case per program; a broken
    adapter is an error, a disagreement or an annotation FAIL a failure."""
    suites: dict[str, list[junit.Case]] = {}
    for o in outcomes:
        case = junit.Case(name=f"{o.program}[{o.adapter}]",
                          classname=o.object.replace("/", "."), seconds=o.seconds)
        what = f"{o.phase}" + (f" retval {o.retval}" if o.phase == "done" else
                               f": {o.error or ''}")
        if o.broke:
            case = replace(case, status=junit.Status.ERROR,
                           message=f"adapter broke ({o.error_kind}): {o.error}")
        elif o.verdict == "FAIL":
            case = replace(case, status=junit.Status.FAILURE,
                           message=f"annotation: {o.verdict_why}", output=what)
        elif o.agrees is False:
            case = replace(case, status=junit.Status.FAILURE,
                           message=f"{o.relation} than the reference: {what}")
        suites.setdefault(o.adapter, []).append(case)
    junit.write_cases(path, [(f"bpfconform.corpus.{a}", cases) for a, cases in suites.items()])


def write_reports(out: Path, doc: Mapping[str, Any], outcomes: Sequence[Outcome]) -> None:
    """corpus.json, junit.xml and corpus.html under `out`."""
    out.mkdir(parents=True, exist_ok=True)
    (out / "corpus.json").write_text(json.dumps(doc, indent=1) + "\n")
    write_junit(out / "junit.xml", outcomes)
    (out / "corpus.html").write_text(corpus_html.render(doc))


# -- command line ------------------------------------------------------------------------


def add_arguments(p: argparse.ArgumentParser) -> None:
    """`bpfconform corpus` options."""
    p.add_argument("paths", nargs="*", metavar="PATH", help="objects or folders of objects")
    p.add_argument("--adapter", action="append", metavar="NAME",
                   help="adapter to run (repeatable; default: manifests with default = true)")
    p.add_argument("--reference", default="libbpf", metavar="NAME",
                   help="the adapter others are compared with (default libbpf; always run)")
    p.add_argument("--glob", default="*.o", help="file names taken under a folder ('*.o')")
    p.add_argument("--out", metavar="DIR", help="report directory (default: results/corpus)")
    p.add_argument("-k", dest="keyword", metavar="SUBSTR",
                   help="only programs whose `object:program` has it")
    p.add_argument("--timeout", type=float, default=DEFAULT_TIMEOUT, metavar="S",
                   help=f"per-program timeout in seconds (default {DEFAULT_TIMEOUT:g}); the "
                        "adapter is restarted and the lane goes on")
    p.add_argument("--strict", action="store_true",
                   help="a phase disagreement with the reference fails the run too")
    p.add_argument("--selftests", action="store_true",
                   help="add the kernel's BPF selftests (progs/*.c of Debian's linux-source)")
    p.add_argument("--kernel-source", default="6.12", metavar="VER",
                   help="the linux-source for --selftests: 6.12 (trixie) or sid")
    p.add_argument("--compiler", metavar="ID", help="compiler for --selftests (default clang)")
    p.add_argument("--jobs", type=int, default=2, help="parallel compiles for --selftests")


def _manifests(names: Sequence[str] | None, reference: str) -> list[Manifest]:
    adapters = AdapterSet(runner.REPO_ROOT)
    wanted = list(adapters.selected(names))
    if reference not in wanted:
        wanted.insert(0, reference)
    wanted.sort(key=lambda n: n != reference)  # the reference first
    out = []
    for name in wanted:
        try:
            m = adapters.find(name)
            m.argv(runner.REPO_ROOT)
        except AdapterUnavailable as exc:
            raise CorpusError(str(exc)) from exc
        out.append(m)
    return out


def _hello_json(hello: Hello | AdapterError) -> dict[str, Any]:
    if isinstance(hello, AdapterError):
        return {"unavailable": hello.cause}
    return {**asdict(hello), "supports": list(hello.supports),
            "mode": "autoload_only" if AUTOLOAD_ONLY in hello.supports else "whole_object"}


def cmd_corpus(args: argparse.Namespace) -> int:
    """Run the corpus lane; see the module doc."""
    try:
        return _cmd(args)
    except CorpusError as exc:
        print(f"bpfconform: {exc}", file=sys.stderr)
        return EXIT_USAGE


def _cmd(args: argparse.Namespace) -> int:
    t_start = time.monotonic()
    paths = [Path(p) for p in args.paths]
    meta: dict[str, Any] = {"kernel": runner.kernel_id(), "reference": args.reference,
                            "timeout": args.timeout, "paths": [str(p) for p in paths],
                            "keyword": args.keyword}
    if args.selftests:
        from harness import corpus_selftests as st
        try:
            built = st.build(args.kernel_source, args.compiler, jobs=args.jobs)
        except (st.SelftestsError, ToolchainError) as exc:
            raise CorpusError(str(exc)) from exc
        sel = built.tree / "tools/testing/selftests/bpf/progs"
        paths.append(built.objects[0].parent if built.objects else sel)
        meta["selftests"] = {
            "kernel_source": built.version, "sources": len(built.objects) + len(built.failed),
            "compiled": len(built.objects), "failed": [
                {"source": c.source.name, "diagnostics": c.diagnostics[-600:]}
                for c in built.failed]}
    if not paths:
        raise CorpusError("give PATH... or --selftests: nothing to run")
    denied = bpf_denied()
    if denied:
        raise CorpusError(denied)
    targets, unreadable = collect(find_objects(paths, args.glob), args.keyword)
    meta["unreadable"] = unreadable
    if not targets:
        what = f"-k {args.keyword!r} selects" if args.keyword else "the paths hold"
        raise CorpusError(f"{what} no program: nothing to run")
    manifests = _manifests(args.adapter, args.reference)
    names = [m.name for m in manifests]
    print(f"[corpus] {len(targets)} programs in {len({t.name for t in targets})} objects x "
          f"{len(names)} adapters ({', '.join(names)})", file=sys.stderr, flush=True)
    pins = runner.PinRoots()
    outcomes: list[Outcome] = []
    hellos: dict[str, Any] = {}
    timings: dict[str, float] = {}
    for m in manifests:
        t0 = time.monotonic()
        with AdapterClient(m, runner.REPO_ROOT, args.timeout) as client:
            hello, outs = AdapterPass(m.name, client, pins, progress=_stderr).run(targets)
        hellos[m.name] = _hello_json(hello)
        timings[m.name] = round(time.monotonic() - t0, 1)
        outcomes.extend(outs)
    suspects = retval_suspects(outcomes, args.reference)
    unstable: set[tuple[str, str]] = set()
    if suspects:
        _stderr(f"[corpus] {len(suspects)} programs return another value than the reference:"
                f" running them {STABILITY_RUNS} more times through {args.reference}")
        with AdapterClient(manifests[0], runner.REPO_ROOT, args.timeout) as client:
            unstable = unstable_retvals(suspects, targets, outcomes,
                                        AdapterPass(args.reference, client, pins))
    pins.remove_base_if_empty()
    outcomes = judge_all(outcomes, targets, args.reference, unstable)
    meta["retval_unstable"] = sorted(f"{o}:{p}" for o, p in unstable)
    meta.update(adapters=hellos, seconds=timings,
                total_seconds=round(time.monotonic() - t_start, 1),
                programs=len(targets), objects=len({t.name for t in targets}))
    doc = document(meta, outcomes, names, targets)
    out = Path(args.out) if args.out else results_root(runner.REPO_ROOT) / "corpus"
    write_reports(out, doc, outcomes)
    for name, s in doc["summary"].items():
        ann = s["annotated"]
        print(f"{name:<12} {s['programs']} programs: {s['agree']} agree, {s['stricter']} "
              f"stricter, {s['looser']} looser, {s['retval_differs']} retval differs, "
              f"{s['errors']} adapter errors; annotated: {ann['PASS']} PASS, {ann['FAIL']} "
              f"FAIL, {ann['ERROR']} ERROR, {ann['NOT_JUDGED']} not judged")
    if unreadable:
        print(f"{len(unreadable)} objects unreadable (listed in corpus.json meta.unreadable)")
    print(f"reports in {out}/ ({meta['total_seconds']:.0f} s)")
    return exit_status(outcomes, args.strict)


SUBCOMMANDS = (Subcommand("corpus", "run third-party objects (or --selftests) through every "
                          "loader, compared with libbpf", add_arguments, cmd_corpus),)


def _stderr(line: str) -> None:
    print(line, file=sys.stderr, flush=True)
