"""CO-RE speed of the reference loader, side by side with libbpf, in one run.

    python3 bench/core_speed.py [--compiler clang-19] [--repeat 9] [--json FILE]

Measures (issue 4 targets in brackets):
  1. vmlinux BTF parse + index, cold (no cache file) and warm (on-disk index keyed by the
     BTF hash) [cold <= 300 ms]; the full record parse (refloader.btf.Btf.parse) for scale;
  2. per object of bpf-src/core: open+load time through the python (reference) and the
     libbpf adapters over the adapter protocol, median of --repeat, and their ratio
     [reference/libbpf <= 2x]; plus the in-process CO-RE step alone (relocate_programs);
  3. peak RSS (VmHWM) of the reference adapter process after it indexed vmlinux
     [<= 200 MB].
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "runners" / "python"))

from _common import Adapter, conform  # noqa: E402
from refloader.btf import Btf  # noqa: E402
from refloader.core import relocate_programs  # noqa: E402
from refloader.core_target import load_target  # noqa: E402
from refloader.loader import open_object  # noqa: E402

VMLINUX = "/sys/kernel/btf/vmlinux"


def ms(ns: float) -> float:
    return round(ns / 1e6, 3)


def bench_vmlinux(repeat: int) -> dict[str, float]:
    cold, warm = [], []
    for _ in range(repeat):
        with tempfile.TemporaryDirectory() as d:
            os.environ["BPFCONFORM_CACHE_DIR"] = d
            t = time.perf_counter_ns()
            load_target(VMLINUX)
            cold.append(time.perf_counter_ns() - t)
            t = time.perf_counter_ns()
            load_target(VMLINUX)
            warm.append(time.perf_counter_ns() - t)
    os.environ.pop("BPFCONFORM_CACHE_DIR", None)
    t = time.perf_counter_ns()
    with open(VMLINUX, "rb") as f:
        Btf.parse(f.read())
    full = time.perf_counter_ns() - t
    return {"cold_ms": ms(statistics.median(cold)), "warm_ms": ms(statistics.median(warm)),
            "full_record_parse_ms": ms(full)}


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--compiler", default="clang-19")
    ap.add_argument("--repeat", type=int, default=9)
    ap.add_argument("--json", type=Path)
    args = ap.parse_args()
    subprocess.run(["bpfconform", "build", "--compiler", args.compiler, "-k", "core"],
                   cwd=REPO, check=True, capture_output=True)
    objdir = REPO / "build" / args.compiler / "core"
    objs = sorted(objdir.glob("*.bpf.o"))
    if not objs:
        print(f"no objects under {objdir}", file=sys.stderr)
        return 1

    report: dict[str, Any] = {"vmlinux": bench_vmlinux(args.repeat)}
    v = report["vmlinux"]
    print(f"vmlinux parse+index: cold {v['cold_ms']} ms (target <= 300), warm {v['warm_ms']} ms;"
          f" full record parse {v['full_record_parse_ms']} ms")

    ref, lib = Adapter.from_manifest("python"), Adapter.from_manifest("libbpf")
    rows = []
    print(f"\n{'object':30} {'target':8} {'ref ms':>8} {'libbpf ms':>9} {'ratio':>6} "
          f"{'CO-RE ms':>8}")
    for obj in objs:
        for prog, kv in conform(obj).items():
            if kv.get("expect") != "pass":
                continue
            btf = obj.parent / kv["btf_custom_path"] if "btf_custom_path" in kv else None
            times: dict[str, list[int]] = {"ref": [], "lib": []}
            for _ in range(args.repeat):
                for key, ad in (("ref", ref), ("lib", lib)):
                    r = ad.run({"elf": str(obj), "program": prog, "data_in": "00" * 64,
                                "btf_custom_path": str(btf) if btf else None})
                    times[key].append(r["ns"].get("open", 0) + r["ns"].get("load", 0))
            core = []
            for _ in range(args.repeat):
                o = open_object(str(obj), btf_custom_path=str(btf) if btf else None)
                t = time.perf_counter_ns()
                relocate_programs(o, str(btf) if btf else VMLINUX)
                core.append(time.perf_counter_ns() - t)
            r_ns, l_ns = statistics.median(times["ref"]), statistics.median(times["lib"])
            r_ms, l_ms = ms(r_ns), ms(l_ns)
            row = {"object": obj.name, "program": prog, "target": "custom" if btf else "vmlinux",
                   "ref_ms": r_ms, "libbpf_ms": l_ms,
                   # from the unrounded medians (0.01 ms steps would move it by ~5%)
                   "ratio": round(r_ns / l_ns, 3) if l_ns else None,
                   "core_ms": ms(statistics.median(core))}
            rows.append(row)
            print(f"{obj.name:30} {row['target']:8} {r_ms:8.3f} {l_ms:9.3f} "
                  f"{row['ratio']!s:>6} {row['core_ms']:8.2f}")
    report["objects"] = rows
    ratios = [r["ratio"] for r in rows if r["ratio"] is not None]
    vml = [r["ratio"] for r in rows if r["target"] == "vmlinux" and r["ratio"] is not None]
    custom = [r["ratio"] for r in rows if r["target"] == "custom" and r["ratio"] is not None]
    report["ratio_median"] = round(statistics.median(ratios), 3)
    report["ratio_max"] = max(ratios)
    report["ratio_custom_median"] = round(statistics.median(custom), 3) if custom else None
    report["ratio_custom_geomean"] = round(statistics.geometric_mean(custom), 3) \
        if custom else None
    report["ratio_vmlinux_median"] = statistics.median(vml) if vml else None
    report["ref_adapter_peak_rss_mb"] = ref.peak_rss_mb()
    report["libbpf_adapter_peak_rss_mb"] = lib.peak_rss_mb()
    ref.close()
    lib.close()
    print(f"\nopen+load ratio reference/libbpf: median {report['ratio_median']}, max "
          f"{report['ratio_max']}; custom-target objects median "
          f"{report['ratio_custom_median']}, geometric mean {report['ratio_custom_geomean']}; "
          f"vmlinux objects median {report['ratio_vmlinux_median']} "
          "(target <= 2)")
    print(f"peak RSS after indexing vmlinux: reference adapter "
          f"{report['ref_adapter_peak_rss_mb']} MB (target <= 200), libbpf adapter "
          f"{report['libbpf_adapter_peak_rss_mb']} MB")
    if args.json:
        args.json.write_text(json.dumps(report, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
