"""`bpfconform oracle` (its engine is harness.checks.oracle): run the suite with `info`,
compare every cell with libbpf and the reference loader, write the reports."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from harness.adapters.client import DEFAULT_TIMEOUT
from harness.adapters.manifest import AdapterSet
from harness.adapters.protocol import Hello
from harness.build.prebuilt import results_root
from harness.checks.oracle import (
    LIBBPF,
    NO_INFO,
    REFERENCE,
    InfoClient,
    annotate,
    collect,
    write_text,
)
from harness.commands import cmdargs
from harness.commands.subcommand import Subcommand
from harness.report import html_report, report
from harness.run import runner
from harness.run.verdict import BAD_VERDICTS


def add_arguments(p: argparse.ArgumentParser) -> None:
    """Arguments of `bpfconform oracle` (those of `run`)."""
    p.add_argument("--compiler", metavar="ID", help="compiler id, e.g. clang-14")
    p.add_argument("--bpf-src", metavar="DIR", help="test sources (default: the repo's)")
    p.add_argument("-k", dest="keyword", metavar="SUBSTR", help="only items whose id has it")
    p.add_argument("--adapter", action="append", metavar="NAME",
                   help="adapter to compare (repeatable; default: every default adapter); "
                        f"{LIBBPF} and {REFERENCE} always run as the references")
    p.add_argument("--out", metavar="DIR", help="report directory (default: results/oracle)")
    p.add_argument("--timeout", type=float, default=DEFAULT_TIMEOUT, metavar="S")
    p.add_argument("--adapter-manifest", action="append", default=[], metavar="PATH",
                   help="an out-of-tree adapter.toml (repeatable; compared too)")
    p.add_argument("--adapter-command", action="append", default=[], metavar="NAME=CMD",
                   help="an adapter given as a command line (repeatable; compared too)")


def cmd_oracle(args: argparse.Namespace) -> int:
    """Run the suite with `info`, compare every cell with libbpf and the reference loader."""
    cmdargs.require_bpf()
    wanted = list(args.adapter or [])
    names = list(dict.fromkeys([LIBBPF, REFERENCE, *wanted])) if wanted else None
    adapters = cmdargs.adapter_set(args)
    if adapters.extra and names is None:
        names = list(dict.fromkeys([LIBBPF, REFERENCE, *(m.name for m in adapters.extra)]))
    manifests, unusable = cmdargs.adapters(names, adapters)
    if not manifests:
        return cmdargs.EXIT_USAGE
    if names is None:
        extra = [m for m in cmdargs.adapters([LIBBPF, REFERENCE],
                                             AdapterSet(adapters.repo_root))[0]
                 if m.name not in {x.name for x in manifests}]
        manifests = extra + manifests
    session = cmdargs.open_session(args, manifests, known=False)
    ctx = session.context()
    clients: dict[str, InfoClient] = {}

    def factory(name: str) -> InfoClient:
        clients[name] = InfoClient(session.manifest(name), session.paths.repo_root,
                                   session.timeout)
        return clients[name]

    order = [m.name for m in manifests]
    results, hellos = runner.run_items(session.items, order, factory, ctx)
    oracle = collect(results, clients)
    references = [r for r in (LIBBPF, REFERENCE) if r in session.names]
    oracle.judge(results, references)
    out = Path(args.out) if args.out else results_root(session.paths.repo_root) / "oracle"
    report.write_reports(out, report.meta(ctx.kernel, session.compiler, ctx.probes, hellos),
                         results)
    annotate(out / "results.json", oracle, order, references)
    html_report.write_from_json(out / "results.json")  # again, with the same_as columns
    write_text(out / "oracle.txt", oracle)
    for d in oracle.divergences:
        print(f"DIVERGES {d.item} [{d.adapter}] vs {d.reference} ({d.verdict}): {d.lines[0]}")
    for name in order:
        hello = hellos.get(name)
        support = "info" if isinstance(hello, Hello) and "info" in hello.supports else NO_INFO
        cols = ", ".join(f"same as {ref}: " + " ".join(
            f"{k} {v}" for k, v in oracle.counts(name, ref).items()) for ref in references
            if ref != name)
        print(f"adapter {name} ({support}): {cols or 'reference'}")
    print(f"{len(oracle.divergences)} divergences; reports in {out}/ (oracle.txt: diffs)")
    if unusable:
        return cmdargs.EXIT_USAGE
    return 1 if any(r.verdict in BAD_VERDICTS for r in results) else 0


SUBCOMMANDS = (Subcommand("oracle", "compare what each loader put into the kernel with libbpf "
                          "and the reference loader", add_arguments, cmd_oracle),)


if __name__ == "__main__":
    sys.exit("use `bpfconform oracle`")
