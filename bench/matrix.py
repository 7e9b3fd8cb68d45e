"""Benchmark the kernel matrix: total wall time, per kernel, per adapter inside each guest.

Runs `bpfconform matrix` in-process for host + every kernel pinned in
harness/matrix/kernels.toml x every default adapter x clang-19 (target: within 15 minutes
on 2 cores under TCG), then prints one line per kernel (boot, driver start-up, wall) and
one table of seconds per adapter per kernel, the host column being the same items on the
host. The machine's load average before and after is printed and kept: other users of
the cores slow a VM down. Results: <out>/matrix.json, <out>/bench.json.

    python3 bench/matrix.py [--kernel host --kernel 5.10 ...] [--compiler clang-19]
                            [--adapter python ...] [--vms 2] [--vm-cpus 1]
                            [--out build/bench-matrix] [--mirror URI]
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from harness.adapters.manifest import load_manifests
from harness.commands.matrix import DEFAULT_VM_CPUS, DEFAULT_VMS, Printer
from harness.matrix import merge
from harness.matrix.kernels import KernelCache, default_cache, load_pins
from harness.matrix.matrix import Matrix, MatrixSpec
from harness.matrix.vm import VmConfig
from harness.run import runner

TARGET_SECONDS = 15 * 60


def loadavg() -> str:
    """The 1, 5 and 15 minute load averages."""
    return " ".join(Path("/proc/loadavg").read_text().split()[:3])


def adapter_seconds(rec: dict[str, Any]) -> dict[str, float]:
    """Seconds per adapter (over its compilers) inside one kernel, from the drivers'
    timings."""
    per: dict[str, float] = {}
    for timings in (rec.get("driver") or {}).values():
        for cell, took in (timings.get("cells") or {}).items():
            adapter = cell.split("/", 1)[1]
            per[adapter] = round(per.get(adapter, 0.0) + float(took), 1)
    return per


def startup(rec: dict[str, Any]) -> str:
    """The drivers' Python start-up + imports and kernel probe seconds."""
    drivers = (rec.get("driver") or {}).values()
    starts = [d.get("python_start_and_imports") for d in drivers]
    probes = [d.get("kernel_probes") for d in drivers]
    fmt = "/".join
    return (f"{fmt(str(s) for s in starts if s is not None) or '-'}"
            f" + {fmt(str(p) for p in probes if p is not None) or '-'}")


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--kernel", action="append")
    p.add_argument("--compiler", action="append")
    p.add_argument("--adapter", action="append")
    p.add_argument("--vms", type=int, default=DEFAULT_VMS)
    p.add_argument("--vm-cpus", type=int, default=DEFAULT_VM_CPUS)
    p.add_argument("--out", default=str(runner.REPO_ROOT / "build" / "bench-matrix"))
    p.add_argument("--vm-timeout", type=float, default=1500.0)
    p.add_argument("--mirror", help="Debian mirror (default: the machine's apt sources)")
    args = p.parse_args()
    kernels = args.kernel or ["host", *load_pins()]
    adapters = args.adapter or [m.name for m in load_manifests(runner.REPO_ROOT).values()
                                if m.default]
    cache = KernelCache(default_cache(), args.mirror)
    t0 = time.monotonic()
    for k in kernels:  # fetch first so the timing below is the matrix, not the download
        if k != "host":
            cache.fetch(k)
    fetch = time.monotonic() - t0
    spec = MatrixSpec(tuple(kernels), tuple(args.compiler or ["clang-19"]), tuple(adapters),
                      Path(args.out).resolve(),
                      vm=VmConfig(timeout=args.vm_timeout, cpus=args.vm_cpus),
                      cache=cache.cache, request_timeout=120.0, mirror=args.mirror,
                      pins=cache.pins, vms=args.vms)
    load_before = loadavg()
    print(f"load average before: {load_before} ({os.cpu_count()} CPUs); {len(kernels)} kernels "
          f"x {len(adapters)} adapters x {len(spec.compilers)} compiler(s), {spec.vms} VM(s) "
          f"at once with {args.vm_cpus} CPU(s) each", flush=True)
    t1 = time.monotonic()
    doc = Matrix(spec, Printer()).run()
    total = time.monotonic() - t1
    load_after = loadavg()
    rows = doc["results"]
    kernels_meta = doc["meta"]["kernels"]
    out: dict[str, Any] = {"kernels": {}, "total_seconds": round(total, 1),
                           "fetch_seconds": round(fetch, 1), "items": len(rows),
                           "compilers": list(spec.compilers), "adapters": list(spec.adapters),
                           "vms": spec.vms, "vm_cpus": args.vm_cpus,
                           "load_before": load_before, "load_after": load_after}
    print(f"\n{'kernel':<26} {'boot s':>7} {'start+probes s':>15} {'wall s':>7} {'items':>6}"
          "  verdicts")
    for label, rec in kernels_meta.items():
        boot = (rec.get("boot") or {}).get("boot_seconds")
        mine = [r for r in rows if r["kernel"] == label]
        n = merge.counts(mine)
        verdicts = "; ".join(
            f"{a}: " + " ".join(f"{v.lower()} {c[v]}" for v in merge.VERDICTS if c[v])
            for (a, _k), c in sorted(n.items()))
        print(f"{label:<26} {boot if boot is not None else '-':>7} {startup(rec):>15} "
              f"{rec['wall_seconds']:>7.1f} {len(mine):>6}  {verdicts}")
        out["kernels"][label] = {
            "boot_seconds": boot, "wall_seconds": rec["wall_seconds"],
            "vm_wall_seconds": (rec.get("boot") or {}).get("wall_seconds"),
            "driver": rec.get("driver"), "adapter_seconds": adapter_seconds(rec),
            "items": len(mine), "counts": {a: dict(c) for (a, _k), c in n.items()},
            "probe_flags": rec.get("probe_flags", [])}
    labels = list(kernels_meta)
    print("\nseconds per adapter (all its compilers) inside each kernel; host = the same items "
          "on the host")
    print(f"{'adapter':<12} " + " ".join(f"{lb[:16]:>16}" for lb in labels))
    for a in spec.adapters:
        cells = [out["kernels"][lb]["adapter_seconds"].get(a) for lb in labels]
        print(f"{a:<12} " + " ".join(f"{'-' if c is None else c:>16}" for c in cells))
    verdict = "within" if total <= TARGET_SECONDS else "OVER"
    print(f"total {total:.0f} s for {len(rows)} items ({verdict} the {TARGET_SECONDS // 60} min "
          f"target); kernel fetch {fetch:.0f} s (cached after the first run); load average "
          f"before {load_before}, after {load_after}")
    (spec.out / "bench.json").write_text(json.dumps(out, indent=1) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
