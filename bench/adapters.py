"""Benchmark: every adapter's one-time build cost from clean, then the whole suite against
every adapter side by side in one `bpfconform run`, with per-adapter open+load+run times.

    python3 bench/adapters.py [--adapter NAME ...] [--no-build] [--compiler clang-19]

Builds go to fresh temporary directories (a fresh CARGO_TARGET_DIR per Rust adapter, an
empty GOCACHE for Go, `make -B` into a temporary root for C), at most 2 jobs, so the shared
build/ is left alone; downloaded sources (~/.cargo/registry, the Go module cache) are reused,
so the figures are compile + link time, not download time. The suite run uses the adapters
already built under build/runners/ (the ones `bpfconform run` uses).

Per adapter it prints the median and p90 of open+load+run nanoseconds (the reply's `ns`) per
object, the ratio of the median to libbpf's, and the loader x verdict counts.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Sequence
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
VERDICTS = ("PASS", "FAIL", "ERROR", "SKIP", "XFAIL", "XPASS")
ADAPTERS = ("libbpf", "python", "bpftool", "libbpf-rs", "aya", "cilium-ebpf")


def _cargo(name: str) -> list[str]:
    extra = ["--ignore-rust-version"] if name == "aya" else []
    return ["cargo", "build", "--release", "--locked", "-j", "2", *extra]


def build_commands(name: str, tmp: Path) -> tuple[list[str], Path, dict[str, str]] | None:
    """(argv, cwd, extra environment) of a from-clean build of one adapter, or None."""
    env: dict[str, str] = {}
    if name == "libbpf":
        return ["make", "-B", "-j", "2", "-C", "runners/libbpf", f"ROOT={tmp}"], ROOT, env
    if name in ("aya", "libbpf-rs"):
        env["CARGO_TARGET_DIR"] = str(tmp / "target")
        env["PATH"] = f"{Path.home() / '.cargo/bin'}:{os.environ.get('PATH', '')}"
        return _cargo(name), ROOT / "runners" / name, env
    if name == "cilium-ebpf":
        env["GOCACHE"] = str(tmp / "gocache")  # empty: every package, std included, compiles
        env["GOFLAGS"] = "-mod=readonly -buildvcs=false"
        env["PATH"] = f"{os.environ.get('PATH', '')}:/usr/local/go/bin"
        return (["go", "build", "-p", "2", "-trimpath", "-o", str(tmp / "adapter"), "."],
                ROOT / "runners" / name, env)
    return None  # python (refloader) and bpftool (a script) compile nothing


def build_from_clean(name: str) -> str:
    """Build one adapter from clean in a temporary directory; a one-line figure."""
    with tempfile.TemporaryDirectory(prefix=f"bpfconform-bench-{name}-") as d:
        tmp = Path(d)
        cmd = build_commands(name, tmp)
        if cmd is None:
            return "nothing to compile"
        argv, cwd, env = cmd
        if shutil.which(argv[0], path=env.get("PATH", os.environ.get("PATH"))) is None:
            return f"not measured: {argv[0]} not found"
        t0 = time.monotonic()
        proc = subprocess.run(argv, cwd=cwd, env={**os.environ, **env}, check=False,
                              capture_output=True, text=True)
        took = time.monotonic() - t0
        if proc.returncode:
            tail = (proc.stderr or proc.stdout).strip().splitlines()[-3:]
            return f"FAILED after {took:.1f} s: {' | '.join(tail)}"
        return f"{took:7.1f} s  ({' '.join(argv[:3])} ...)"


def percentile(values: Sequence[float], q: float) -> float:
    """The q-quantile (0..1) by linear interpolation between closest ranks."""
    s = sorted(values)
    if not s:
        return float("nan")
    pos = (len(s) - 1) * q
    lo = int(pos)
    hi = min(lo + 1, len(s) - 1)
    return s[lo] + (s[hi] - s[lo]) * (pos - lo)


def times_by_adapter(rows: Sequence[dict[str, object]]) -> dict[str, list[float]]:
    """open+load+run ns of every item whose reply carried timings, per adapter."""
    out: dict[str, list[float]] = {}
    for r in rows:
        ns = r.get("ns")
        if isinstance(ns, dict) and ns:
            total = sum(float(ns.get(k, 0)) for k in ("open", "load", "run"))
            out.setdefault(str(r["adapter"]), []).append(total)
    return out


def print_tables(doc: dict[str, Any], wall: float) -> None:
    """Timing table and loader x verdict counts of one results.json document."""
    rows, meta = doc["results"], doc["meta"]
    adapters = meta["adapters"]
    times = times_by_adapter(rows)
    base = statistics.median(times["libbpf"]) if times.get("libbpf") else None
    p = print
    p(f"\nsuite: {len(rows)} results in {wall:.1f} s wall, kernel {meta['kernel']}, "
      f"compiler {meta['compiler']['id']}")
    p(f"{'adapter':<12} {'library':<37} {'objects':>7} {'median ms':>10} {'p90 ms':>8} "
      f"{'x libbpf':>9}")
    for name, hello in adapters.items():
        lib = (f"{hello['library']} {hello['library_version']}" if "library" in hello
               else "unavailable")
        t = times.get(name, [])
        if not t:
            p(f"{name:<12} {lib:<37} {0:>7}")
            continue
        med = statistics.median(t)
        ratio = f"{med / base:8.2f}x" if base else "-"
        p(f"{name:<12} {lib:<37} {len(t):>7} {med / 1e6:>10.2f} "
          f"{percentile(t, 0.9) / 1e6:>8.2f} {ratio:>9}")
    p(f"\n{'loader x verdict':<16}" + "".join(f"{v:>7}" for v in VERDICTS) + f"{'total':>7}")
    for name in adapters:
        c = Counter(str(r["verdict"]) for r in rows if r["adapter"] == name)
        p(f"{name:<16}" + "".join(f"{c[v]:>7}" for v in VERDICTS) + f"{sum(c.values()):>7}")


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--adapter", action="append", help="default: every adapter manifest")
    ap.add_argument("--no-build", action="store_true", help="skip the from-clean builds")
    ap.add_argument("--compiler")
    ap.add_argument("--out", help="keep the run's reports here (default: a temporary dir)")
    args = ap.parse_args()
    names = args.adapter or [a for a in ADAPTERS if (ROOT / "runners" / a).is_dir()]
    if not args.no_build:
        print("one-time build cost from clean (2 jobs; sources already downloaded):")
        for name in names:
            print(f"  {name:<12} {build_from_clean(name)}", flush=True)
    with tempfile.TemporaryDirectory(prefix="bpfconform-bench-run-") as d:
        out = Path(args.out) if args.out else Path(d)
        argv = [sys.executable, "-m", "harness.cli", "run", "--out", str(out)]
        argv += [x for n in names for x in ("--adapter", n)]
        if args.compiler:
            argv += ["--compiler", args.compiler]
        t0 = time.monotonic()
        proc = subprocess.run(argv, cwd=ROOT, check=False, capture_output=True, text=True)
        wall = time.monotonic() - t0
        if not (out / "results.json").is_file():
            print(proc.stdout + proc.stderr, file=sys.stderr)
            return 1
        for line in proc.stderr.splitlines():
            if line.startswith("bpfconform:"):  # e.g. an adapter that is not built
                print(line)
        print_tables(json.loads((out / "results.json").read_text()), wall)
    return 0


if __name__ == "__main__":
    sys.exit(main())
