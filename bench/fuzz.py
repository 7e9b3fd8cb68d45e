"""Long fuzzing run over the reference loader's ELF and BTF parsing.

    python3 bench/fuzz.py --minutes 5 [--seed N] [--target open|btf|all]

Seeds are the suite's valid objects (built through the harness toolchain); each execution
applies 1-4 random mutation ops (tests/corrupt/fuzz_ops.py, the same ops the hypothesis
test draws) and runs a target. Prints executions and crashes every 30 s and at the end. A
crash (any exception but a LoaderError, or more than 1 s) with a new signature is saved
under tests/corrupt/regressions/ and listed in its index.toml marked xfail, so
tests/corrupt/test_regressions.py replays it. Exit status 1 when a new crash was found.
"""

from __future__ import annotations

import argparse
import hashlib
import random
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO / "tests" / "corrupt"))
sys.path.insert(0, str(REPO))

from corrupt_run import source_objects  # noqa: E402
from corrupt_worker import limit_memory  # noqa: E402
from fuzz_ops import INTERESTING, OP_KINDS, TARGETS, Op, apply_ops, check  # noqa: E402
from regressions_index import INDEX, Entry, append_entry, load_index  # noqa: E402

REGRESSIONS = INDEX.parent


def random_ops(rng: random.Random) -> list[Op]:
    """1-4 ops; values favour the interesting ones."""
    return [(rng.choice(OP_KINDS), rng.getrandbits(32),
             rng.choice(INTERESTING) if rng.random() < 0.7 else rng.getrandbits(32))
            for _ in range(rng.randint(1, 4))]


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--minutes", type=float, default=1.0)
    ap.add_argument("--seed", type=int, default=None)
    ap.add_argument("--target", choices=[*TARGETS, "all"], default="all")
    args = ap.parse_args()
    seed = args.seed if args.seed is not None else random.randrange(2**32)
    rng = random.Random(seed)
    limit_memory()
    seeds = [(rel, obj.read_bytes()) for rel, obj in source_objects(per_family=4)]
    targets = list(TARGETS) if args.target == "all" else [args.target]
    known = {e.signature for e in load_index().values()}
    print(f"fuzz: seed {seed}, {len(seeds)} seed objects, targets {targets}, "
          f"{args.minutes:g} min", flush=True)
    start = time.monotonic()
    end = start + args.minutes * 60
    next_report = start + 30
    execs = crashes = 0
    new: set[str] = set()
    while time.monotonic() < end:
        rel, raw = rng.choice(seeds)
        target = rng.choice(targets)
        data = apply_ops(raw, random_ops(rng))
        crash = check(data, target)
        execs += 1
        if crash is not None:
            crashes += 1
            sig = crash.signature()
            if sig not in known and sig not in new:
                new.add(sig)
                name = f"fuzz-{target}-{hashlib.sha256(data).hexdigest()[:12]}.o"
                (REGRESSIONS / name).write_bytes(data)
                append_entry(Entry(name, target, f"bench/fuzz.py seed {seed} from {rel}",
                                   f"{crash.type}: {crash.summary}", sig,
                                   "refloader crash found by bench/fuzz.py, not fixed yet"))
                print(f"NEW CRASH {name}: {crash.type}: {crash.summary}", flush=True)
        now = time.monotonic()
        if now >= next_report:
            next_report = now + 30
            print(f"fuzz: {now - start:.0f} s, {execs} executions, {crashes} crashes "
                  f"({len(new)} new signatures)", flush=True)
    elapsed = time.monotonic() - start
    print(f"fuzz: done: {elapsed / 60:.1f} min, {execs} executions "
          f"({execs / elapsed:.0f}/s), {crashes} crashes, {len(new)} new signatures",
          flush=True)
    return 1 if new else 0


if __name__ == "__main__":
    sys.exit(main())
