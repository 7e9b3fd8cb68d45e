#!/usr/bin/env python3
"""Reference loader vs libbpf: open+load time per object, both adapters warm, side by side.

For every object under build/<compiler>/ that has a required `expect=pass` program, both
adapters (runners/python and runners/libbpf) are started once, warmed up, then asked
--rounds times, alternating, to open+load the object and run one program; the adapters'
own `ns.open + ns.load` figures are compared (median, p90, ratio reference/libbpf; target
<= 3x).  Also: the cold parse time of /sys/kernel/btf/vmlinux in a fresh interpreter.

    python3 bench/loader_vs_libbpf.py [--compiler clang-19] [--rounds 15] [-k SUBSTR]
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
from pathlib import Path

from _common import Adapter, conform

REPO = Path(__file__).resolve().parents[1]
LIBBPF = REPO / "build" / "runners" / "libbpf" / "bpfconform-libbpf"


def pick(path: Path) -> tuple[str, str, str | None] | None:
    """(program, data_in, btf_custom_path) of the object's first required pass program."""
    for prog, c in conform(path).items():
        if c.get("expect") == "pass" and c.get("level") == "required":
            custom = c.get("btf_custom_path")
            return (prog, c.get("data_in", "00" * 64),
                    str(path.parent / custom) if custom else None)
    return None


def pct(xs: list[int], q: float) -> float:
    s = sorted(xs)
    return float(s[min(len(s) - 1, round(q * (len(s) - 1)))])


def cold_vmlinux_parse(env: dict[str, str]) -> float:
    code = ("import time; t=time.perf_counter(); from refloader.btf import Btf; "
            "b=Btf.from_file('/sys/kernel/btf/vmlinux'); "
            "print(time.perf_counter()-t, len(b))")
    out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True,
                         text=True, check=True).stdout.split()
    return float(out[0])


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--compiler", default="clang-19")
    ap.add_argument("--rounds", type=int, default=15)
    ap.add_argument("-k", default="")
    args = ap.parse_args()
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join([str(REPO / "runners" / "python"), str(REPO),
                                         env.get("PYTHONPATH", "")])
    objs = sorted((REPO / "build" / args.compiler).glob("**/*.bpf.o"))
    objs = [o for o in objs if args.k in str(o)]
    if not objs:
        print(f"no objects under build/{args.compiler}: run `bpfconform build` first")
        return 1
    if not LIBBPF.exists():
        print(f"{LIBBPF} missing: build the libbpf adapter (make -C runners/libbpf)")
        return 1
    ads = {"python": Adapter([sys.executable, "-m", "refloader.adapter"], env),
           "libbpf": Adapter([str(LIBBPF)], env)}
    rows = []
    try:
        for obj in objs:
            chosen = pick(obj)
            if chosen is None:
                continue
            prog, data_in, custom = chosen
            req = {"elf": str(obj), "program": prog, "btf_custom_path": custom,
                   "data_in": data_in}
            times: dict[str, list[int]] = {n: [] for n in ads}
            ok = True
            for rnd in range(args.rounds + 2):  # two warm-up rounds, not counted
                for name, a in ads.items():
                    r = a.run(req)
                    if r.get("phase") != "done":
                        ok = False
                    elif rnd >= 2:
                        times[name].append(r["ns"]["open"] + r["ns"]["load"])
            if not ok or not all(times.values()):
                rows.append((obj, None, None))
                continue
            rows.append((obj, times["python"], times["libbpf"]))
    finally:
        for a in ads.values():
            a.close()
    hdr = (f"{'object':40} {'ref med ms':>10} {'ref p90':>8} {'libbpf med':>10} "
           f"{'libbpf p90':>10} {'ratio':>6}")
    print(hdr)
    print("-" * len(hdr))
    ratios = []
    for obj, py, lb in rows:
        name = str(obj.relative_to(REPO / "build" / args.compiler))
        if py is None or lb is None:
            print(f"{name:40} (not loaded by both adapters: skipped)")
            continue
        pm, lm = statistics.median(py), statistics.median(lb)
        ratios.append(pm / lm)
        print(f"{name:40} {pm / 1e6:10.2f} {pct(py, .9) / 1e6:8.2f} {lm / 1e6:10.2f} "
              f"{pct(lb, .9) / 1e6:10.2f} {pm / lm:6.2f}")
    if ratios:
        print(f"\n{len(ratios)} objects, {args.rounds} rounds each; ratio reference/libbpf "
              f"(open+load medians): median {statistics.median(ratios):.2f}x, "
              f"max {max(ratios):.2f}x (target <= 3x)")
        fams: dict[str, list[float]] = {}
        for obj, py, lb in rows:
            if py is not None and lb is not None:
                fam = obj.relative_to(REPO / "build" / args.compiler).parts[0]
                fams.setdefault(fam, []).append(statistics.median(py) / statistics.median(lb))
        print("by family (median ratio): " + ", ".join(
            f"{f} {statistics.median(r):.2f}x ({len(r)})" for f, r in sorted(fams.items())))
    print(f"cold parse of /sys/kernel/btf/vmlinux (fresh interpreter, incl. import): "
          f"{cold_vmlinux_parse(env):.2f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
