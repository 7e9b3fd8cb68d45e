"""`bpfconform corpus` (its engine is harness.corpus): run third-party objects (or the
kernel's selftests, `--selftests`) through every loader, compared with libbpf; write the reports."""

from __future__ import annotations

import argparse
import sys
import time
from dataclasses import asdict
from pathlib import Path
from typing import Any

from harness.adapters.client import AdapterError
from harness.adapters.protocol import Hello
from harness.build.prebuilt import results_root
from harness.build.toolchain import ToolchainError
from harness.commands import cmdargs
from harness.commands.subcommand import Subcommand
from harness.corpus.corpus import (
    AUTOLOAD_ONLY,
    DEFAULT_TIMEOUT,
    EXIT_USAGE,
    STABILITY_RUNS,
    AdapterPass,
    CorpusError,
    Outcome,
    collect,
    document,
    exit_status,
    find_objects,
    judge_all,
    retval_suspects,
    unstable_retvals,
    write_reports,
)
from harness.probes.probes import bpf_denied
from harness.run import runner
from harness.run.session import Session, UsageError, resolve_adapters


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
    cmdargs.add_adapter_source_args(p)


def _session(args: argparse.Namespace) -> Session:
    """The adapters to run, the reference first (always run): a session without suite items."""
    adapters = cmdargs.adapter_set(args)
    wanted = list(adapters.selected(args.adapter))
    if args.reference not in wanted:
        wanted.insert(0, args.reference)
    wanted.sort(key=lambda n: n != args.reference)  # the reference first
    manifests, unusable = resolve_adapters(wanted, adapters)
    if unusable:
        raise CorpusError("; ".join(unusable))
    return Session.for_adapters(cmdargs.paths(args), manifests, args.timeout)


def _hello_json(hello: Hello | AdapterError) -> dict[str, Any]:
    if isinstance(hello, AdapterError):
        return {"unavailable": hello.cause}
    return {**asdict(hello), "supports": list(hello.supports),
            "mode": "autoload_only" if AUTOLOAD_ONLY in hello.supports else "whole_object"}


def cmd_corpus(args: argparse.Namespace) -> int:
    """Run the corpus lane; see the module doc."""
    try:
        return _cmd(args)
    except (CorpusError, UsageError) as exc:
        print(f"bpfconform: {exc}", file=sys.stderr)
        return EXIT_USAGE


def _cmd(args: argparse.Namespace) -> int:
    t_start = time.monotonic()
    paths = [Path(p) for p in args.paths]
    meta: dict[str, Any] = {"kernel": runner.kernel_id(), "reference": args.reference,
                            "timeout": args.timeout, "paths": [str(p) for p in paths],
                            "keyword": args.keyword}
    if args.selftests:
        from harness.corpus import corpus_selftests as st
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
    session = _session(args)
    names = session.names
    print(f"[corpus] {len(targets)} programs in {len({t.name for t in targets})} objects x "
          f"{len(names)} adapters ({', '.join(names)})", file=sys.stderr, flush=True)
    pins = runner.PinRoots()
    outcomes: list[Outcome] = []
    hellos: dict[str, Any] = {}
    timings: dict[str, float] = {}
    for name in names:
        t0 = time.monotonic()
        with session.client(name) as client:
            hello, outs = AdapterPass(name, client, pins, progress=_stderr).run(targets)
        hellos[name] = _hello_json(hello)
        timings[name] = round(time.monotonic() - t0, 1)
        outcomes.extend(outs)
    suspects = retval_suspects(outcomes, args.reference)
    unstable: set[tuple[str, str]] = set()
    if suspects:
        _stderr(f"[corpus] {len(suspects)} programs return another value than the reference:"
                f" running them {STABILITY_RUNS} more times through {args.reference}")
        with session.client(args.reference) as client:
            unstable = unstable_retvals(suspects, targets, outcomes,
                                        AdapterPass(args.reference, client, pins))
    pins.remove_base_if_empty()
    outcomes = judge_all(outcomes, targets, args.reference, unstable)
    meta["retval_unstable"] = sorted(f"{o}:{p}" for o, p in unstable)
    meta.update(adapters=hellos, seconds=timings,
                total_seconds=round(time.monotonic() - t_start, 1),
                programs=len(targets), objects=len({t.name for t in targets}))
    doc = document(meta, outcomes, names, targets)
    out = Path(args.out) if args.out else results_root(session.paths.repo_root) / "corpus"
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
