"""Benchmark the kernel matrix: boot time per kernel, per-kernel wall time, total.

Runs `bpfconform matrix` in-process for host + every kernel pinned in
harness/matrix/kernels.toml x {python, libbpf} x one compiler (target: within 15 minutes
on 2 cores), then prints one line per kernel and the loader x kernel verdict counts.
Results: <out>/matrix.json, <out>/bench.json.

    python3 bench/matrix.py [--kernel host --kernel 5.10 ...] [--compiler clang-19]
                            [--adapter python --adapter libbpf] [--out build/bench-matrix]
                            [--mirror URI]
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from harness import runner
from harness.matrix import merge
from harness.matrix.cli import Printer
from harness.matrix.kernels import KernelCache, default_cache, load_pins
from harness.matrix.matrix import Matrix, MatrixSpec
from harness.matrix.vm import VmConfig

TARGET_SECONDS = 15 * 60


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--kernel", action="append")
    p.add_argument("--compiler", action="append")
    p.add_argument("--adapter", action="append")
    p.add_argument("--out", default=str(runner.REPO_ROOT / "build" / "bench-matrix"))
    p.add_argument("--vm-timeout", type=float, default=1500.0)
    p.add_argument("--mirror", help="Debian mirror (default: the machine's apt sources)")
    args = p.parse_args()
    kernels = args.kernel or ["host", *load_pins()]
    cache = KernelCache(default_cache(), args.mirror)
    t0 = time.monotonic()
    for k in kernels:  # fetch first so the timing below is the matrix, not the download
        if k != "host":
            cache.fetch(k)
    fetch = time.monotonic() - t0
    spec = MatrixSpec(tuple(kernels), tuple(args.compiler or ["clang-19"]),
                      tuple(args.adapter or ["python", "libbpf"]), Path(args.out).resolve(),
                      vm=VmConfig(timeout=args.vm_timeout), cache=cache.cache,
                      request_timeout=120.0, mirror=args.mirror, pins=cache.pins)
    t1 = time.monotonic()
    doc = Matrix(spec, Printer()).run()
    total = time.monotonic() - t1
    rows = doc["results"]
    kernels_meta = doc["meta"]["kernels"]
    out: dict[str, object] = {"kernels": {}, "total_seconds": round(total, 1),
                              "fetch_seconds": round(fetch, 1), "items": len(rows),
                              "compilers": list(spec.compilers), "adapters": list(spec.adapters)}
    print(f"\n{'kernel':<24} {'boot s':>7} {'wall s':>7} {'items':>6}  verdicts")
    for label, rec in kernels_meta.items():
        boot = (rec.get("boot") or {}).get("boot_seconds")
        mine = [r for r in rows if r["kernel"] == label]
        n = merge.counts(mine)
        verdicts = "; ".join(
            f"{a}: " + " ".join(f"{v.lower()} {c[v]}" for v in merge.VERDICTS if c[v])
            for (a, _k), c in sorted(n.items()))
        print(f"{label:<24} {boot if boot is not None else '-':>7} {rec['wall_seconds']:>7.1f} "
              f"{len(mine):>6}  {verdicts}")
        out["kernels"][label] = {  # type: ignore[index]
            "boot_seconds": boot, "wall_seconds": rec["wall_seconds"],
            "vm_wall_seconds": (rec.get("boot") or {}).get("wall_seconds"),
            "items": len(mine), "counts": {a: dict(c) for (a, _k), c in n.items()},
            "probe_flags": rec.get("probe_flags", [])}
    verdict = "within" if total <= TARGET_SECONDS else "OVER"
    print(f"total {total:.0f} s for {len(rows)} items ({verdict} the {TARGET_SECONDS // 60} min "
          f"target); kernel fetch {fetch:.0f} s (cached after the first run)")
    (spec.out / "bench.json").write_text(json.dumps(out, indent=1) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
