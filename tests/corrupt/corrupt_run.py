"""Build the corrupt corpus from the suite's objects and drive corrupt_worker.py over it.

The worker process is restarted after anything that kills it (a crash in C code, the
address-space limit hit outside Python); the object it was on is recorded with that cause
and the next one goes to a fresh worker.
"""

from __future__ import annotations

import json
import selectors
import subprocess
import sys
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from corrupt_corpus import (
    ELF_MAGIC,
    ELFDATA2MSB,
    Case,
    big_endian_variants,
    corrupt_variants,
    seed_problem,
)
from corrupt_worker import TIME_LIMIT

from harness.run import runner

WORKER = Path(__file__).with_name("corrupt_worker.py")
#: the worker's own alarm fires at TIME_LIMIT; this catches a C call stuck past it
WALL_LIMIT = TIME_LIMIT + 15.0
PER_FAMILY = 2  # valid objects taken from each bpf-src family


@dataclass(frozen=True)
class Outcome:
    """One corpus entry's verdict (see corrupt_worker.Verdict)."""

    case: str
    family: str
    outcome: str
    type: str
    message: str
    secs: float


def _built_objects() -> list[tuple[str, Path]]:
    """(rel, object) of every test object the harness toolchain built (cached)."""
    prepared = runner.prepare(runner.Paths(), None)
    return [(b.source.rel, b.obj) for b in prepared.builds
            if b.ok and not b.source.is_btf_stub]


def source_objects(per_family: int = PER_FAMILY) -> list[tuple[str, Path]]:
    """(rel, object) of seed objects, `per_family` from each bpf-src family; the ones with
    the most sections first, for coverage.

    Only objects the mutators can read are seeds (`corrupt_corpus.seed_problem`: ELF64,
    little-endian, parseable): the suite also builds big-endian objects on purpose
    (`*.bpfeb.bpf.c`), which little-endian struct layouts would misread.
    """
    by_family: dict[str, list[tuple[int, str, Path]]] = {}
    for rel, obj in _built_objects():
        raw = obj.read_bytes()
        if seed_problem(raw) is not None:
            continue
        shnum = int.from_bytes(raw[0x3C:0x3E], "little")
        by_family.setdefault(rel.split("/", 1)[0], []).append((-shnum, rel, obj))
    picked: list[tuple[str, Path]] = []
    for family in sorted(by_family):
        picked += [(rel, obj) for _n, rel, obj in sorted(by_family[family])[:per_family]]
    if not picked:
        raise RuntimeError("no valid objects built: the corpus would be empty")
    return picked


def big_endian_objects() -> list[tuple[str, Path]]:
    """(rel, object) of the big-endian ELF objects the suite builds (`*.bpfeb.bpf.c`)."""
    out: list[tuple[str, Path]] = []
    for rel, obj in _built_objects():
        head = obj.read_bytes()[:6]
        if head[:4] == ELF_MAGIC and len(head) == 6 and head[5] == ELFDATA2MSB:
            out.append((rel, obj))
    return out


def build_corpus(out: Path, per_family: int = PER_FAMILY) -> dict[Path, Case]:
    """Write every corrupt variant under `out`; path -> case. Every family of mutators over
    the little-endian seeds, plus the `byte_order` family of each big-endian object."""
    out.mkdir(parents=True, exist_ok=True)
    corpus: dict[Path, Case] = {}
    made = [(rel, corrupt_variants(rel, obj.read_bytes())) for rel, obj in
            source_objects(per_family)]
    made += [(rel, big_endian_variants(rel, obj.read_bytes())) for rel, obj in
             big_endian_objects()]
    for rel, cases in made:
        for i, case in enumerate(cases):
            path = out / f"{rel.replace('/', '_')}.{i:03d}.o"
            path.write_bytes(case.data)
            corpus[path] = case
    return corpus


def _start(parse_only: bool) -> subprocess.Popen[str]:
    argv = [sys.executable, str(WORKER)] + (["--parse-only"] if parse_only else [])
    return subprocess.Popen(argv, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True, cwd=WORKER.parent)


def run_corpus(corpus: dict[Path, Case], parse_only: bool = False) -> list[Outcome]:
    """Every case through the worker, restarting it whenever it dies or sticks."""
    results: list[Outcome] = []
    proc = _start(parse_only)
    try:
        for path, case in corpus.items():
            assert proc.stdin is not None and proc.stdout is not None
            line = ""
            try:
                proc.stdin.write(f"{path.resolve()}\n")
                proc.stdin.flush()
                line = _readline(proc, WALL_LIMIT)
            except OSError:
                pass
            if line:
                v = json.loads(line)
                results.append(Outcome(case.name, case.family, v["outcome"], v["type"],
                                       v["message"], v["secs"]))
                continue
            proc.kill()
            status = proc.wait()
            why = ("worker stuck past the wall limit" if status == -9
                   else f"worker died with status {status}")
            results.append(Outcome(case.name, case.family, "crash", "WorkerDied", why,
                                   WALL_LIMIT))
            proc = _start(parse_only)
    finally:
        _stop(proc)
    return results


def _readline(proc: subprocess.Popen[str], limit: float) -> str:
    assert proc.stdout is not None
    deadline = time.monotonic() + limit
    with selectors.DefaultSelector() as sel:
        sel.register(proc.stdout, selectors.EVENT_READ)
        if not sel.select(timeout=max(0.0, deadline - time.monotonic())):
            return ""
    return proc.stdout.readline()


def _stop(proc: subprocess.Popen[str]) -> None:
    if proc.stdin is not None:
        proc.stdin.close()
    try:
        proc.wait(timeout=5)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()


def counts(results: Sequence[Outcome]) -> dict[str, int]:
    """Outcome -> number of cases."""
    out: dict[str, int] = {}
    for r in results:
        out[r.outcome] = out.get(r.outcome, 0) + 1
    return dict(sorted(out.items()))
