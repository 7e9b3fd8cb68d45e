"""`bpfconform versions --loader NAME [--version V ...]` (its engine is
harness.matrix.versions): run the suite over every listed release of one loader and write the
behaviour x version table."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from harness.adapters.client import DEFAULT_TIMEOUT
from harness.adapters.manifest import AdapterUnavailable
from harness.build.prebuilt import results_root
from harness.commands import cmdargs
from harness.commands.subcommand import Subcommand
from harness.matrix.versions import build_table, run_version, sort_versions, write_table
from harness.run.session import UsageError
from harness.suite.expectations import (
    ExpectationsError,
    load_causes,
)


def add_arguments(p: argparse.ArgumentParser) -> None:
    """`bpfconform versions` arguments."""
    p.add_argument("--loader", required=True, metavar="NAME",
                   help="an adapter whose manifest lists versions (cilium-ebpf, libbpf-rs, aya)")
    p.add_argument("--version", action="append", metavar="V",
                   help="a version to run (repeatable; default: every listed version)")
    p.add_argument("--compiler", metavar="ID", help="compiler id, e.g. clang-19")
    p.add_argument("-k", dest="keyword", metavar="SUBSTR", help="only items whose id has it")
    p.add_argument("--out", metavar="DIR", help="table directory (default: results/versions/)")
    p.add_argument("--timeout", type=float, default=DEFAULT_TIMEOUT, metavar="S",
                   help="per-request timeout in seconds")


def cmd_versions(args: argparse.Namespace) -> int:
    """Run the suite over every listed (or given) version of one loader and write the table;
    exit 1 when a version could not be built or started (its row says why)."""
    cmdargs.require_bpf()
    paths = cmdargs.paths(args)
    try:
        base = cmdargs.adapter_set(args).find(args.loader)
    except AdapterUnavailable as exc:
        raise UsageError(str(exc)) from exc
    if "@" in base.name or not base.versions:
        raise UsageError(f"adapter {args.loader!r} lists no versions in its adapter.toml "
                           "(version = ..., versions = [...])")
    unknown = [v for v in args.version or () if v not in base.versions]
    if unknown:
        raise UsageError(f"adapter {base.name!r} has no version {', '.join(unknown)} "
                           f"(known: {', '.join(base.versions)})")
    session = cmdargs.open_session(args, [base])  # base's known failures: fixed_in below
    cmdargs.print_compile_errors(session)
    prepared = session.suite
    ctx = session.context()
    runs = []
    for version in sort_versions(args.version or base.versions):
        print(f"{base.name}@{version}: running {len(prepared.items)} items", file=sys.stderr,
              flush=True)
        runs.append(run_version(base, version, prepared.items, ctx, paths.suite_dir,
                                 paths.repo_root, args.timeout))
    try:
        causes = load_causes(paths.suite_dir / "findings.toml")
        table = session.known[base.name]
    except ExpectationsError as exc:
        raise UsageError(str(exc)) from exc
    recorded = {causes[f"{base.name}:{k}"]: e.fixed_in for k, e in table.items()
                if e.fixed_in and f"{base.name}:{k}" in causes}
    behaviours = {i.id: i.expectations.behaviour for i in prepared.items if i.expectations}
    result = build_table(base.name, runs, behaviours, causes, recorded, ctx.kernel,
                         prepared.compiler.id)
    out = Path(args.out) if args.out else results_root(paths.repo_root) / "versions"
    written = write_table(result, out)
    for r in result.runs:
        state_ = r.error or ", ".join(f"{n} {v}" for v, n in r.counts().items())
        print(f"{base.name}@{r.version}: {state_}")
    print(f"table: {', '.join(str(p) for p in written)}")
    return 1 if any(r.error for r in result.runs) else 0


SUBCOMMANDS = (Subcommand("versions", "run the suite over every listed release of one loader: "
                          "a behaviour x version table", add_arguments, cmd_versions),)
