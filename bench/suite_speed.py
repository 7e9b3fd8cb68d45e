"""Benchmark: cold build, warm build (objects recompiled: target 0), and the wall time of
the full suite against libbpf with a warm cache (target: under 10 s), in one run.

    python3 bench/suite_speed.py [--adapter libbpf] [--compiler clang-19]

The cold build goes to a fresh temporary build directory, so the shared build/ is left
alone; the suite then runs from that (now warm) directory.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from harness.adapters.client import AdapterClient
from harness.adapters.manifest import find_manifest
from harness.build import toolchain
from harness.probes.probes import PROBE_NAMES, run_probes
from harness.report.report import counts
from harness.run import runner
from harness.suite.expectations import expectations_path, load_known_failures


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--adapter", default="libbpf")
    ap.add_argument("--compiler")
    args = ap.parse_args()
    root = runner.REPO_ROOT
    compilers = toolchain.discover_compilers()
    compiler = toolchain.select_compiler(compilers, args.compiler)
    with tempfile.TemporaryDirectory(prefix="bpfconform-bench-") as tmp:
        paths = runner.Paths(root, root / "bpf-src", Path(tmp), root / "suite")

        t0 = time.monotonic()
        cold = toolchain.build_all(compiler, paths.bpf_src, paths.build_dir)
        t_cold = time.monotonic() - t0
        t0 = time.monotonic()
        warm = toolchain.build_all(compiler, paths.bpf_src, paths.build_dir)
        t_warm = time.monotonic() - t0

        t0 = time.monotonic()
        prepared = runner.prepare(paths, compiler.id, compilers=compilers)
        manifest = find_manifest(root, args.adapter)
        ctx = runner.Context(runner.kernel_id(), compiler.id, run_probes(PROBE_NAMES),
                             runner.PinRoots(),
                             load_known_failures(expectations_path(paths.suite_dir,
                                                                   args.adapter)))
        results, _ = runner.run_items(prepared.items, [args.adapter],
                                      lambda _: AdapterClient(manifest, root), ctx)
        t_suite = time.monotonic() - t0

    failed = sum(not b.ok for b in cold)
    print(f"compiler        {compiler.id} ({compiler.version}), 2 workers")
    print(f"cold build      {t_cold:6.2f} s  {len(cold)} objects compiled, {failed} failed")
    print(f"warm build      {t_warm:6.2f} s  {sum(b.compiled for b in warm)} recompiled "
          "(target 0)")
    c = counts(results)
    tally = ", ".join(f"{n} {v.lower()}" for v, n in sorted(c.items()))
    print(f"suite, warm     {t_suite:6.2f} s  {len(results)} items against {args.adapter} "
          f"({tally}); target < 10 s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
