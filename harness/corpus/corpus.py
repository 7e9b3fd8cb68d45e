"""`bpfconform corpus`: third-party BPF objects (and the kernel's selftests) through every loader.

Every program of every object under the given paths (GLOBAL/WEAK functions in executable
sections other than `.text`, `harness.suite.discovery.entry_programs`) is run once per adapter over
the adapter protocol, with the default data_in, a fresh pin root per request and, when the
adapter lists it, `autoload_only` (only that program is loaded). An outcome is the failing
phase + errno + error (+ error_kind), or `done` + retval. Agreement with the reference
adapter (libbpf): the same failing phase, or both `done` with the same retval. An adapter
that broke (`internal` error_kind, crash, hang) never agrees: that is an ERROR of the adapter.
Programs carrying the selftests' `bpf_misc.h` annotations are also judged PASS/FAIL
(`harness.corpus.corpus_annotations`). Writes corpus.json, junit.xml and corpus.html.
"""

from __future__ import annotations

import fnmatch
import json
import os
import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path
from typing import Any

from elftools.common.exceptions import ELFError
from elftools.elf.elffile import ELFFile

from harness.adapters.client import AdapterError
from harness.adapters.protocol import Hello, RunRequest
from harness.corpus import corpus_annotations as ca
from harness.corpus import corpus_html
from harness.report import junit
from harness.run import runner
from harness.suite.discovery import DEFAULT_DATA_IN, entry_programs

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
    """Runs every target through one adapter (an Executor: harness.adapters.client.AdapterClient
    or a test's fake)."""

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
    """junit.xml (harness.report.junit): one suite per adapter, one case per program; a broken
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
