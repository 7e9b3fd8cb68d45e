"""`bpfconform run`, `list`, `adapters`, `build` and `build-adapters`: the suite's own
subcommands, with no engine of their own (the run room does the work)."""

from __future__ import annotations

import argparse
import json
import shlex
import subprocess
import sys
from pathlib import Path

from harness.adapters.client import DEFAULT_TIMEOUT, AdapterError
from harness.adapters.manifest import AdapterUnavailable, Manifest, load_manifests
from harness.build.prebuilt import results_root
from harness.commands.cmdargs import (
    EXIT_USAGE,
    UsageError,
    adapter_set,
    add_adapter_source_args,
    add_build_args,
    open_session,
    print_compile_errors,
    require_bpf,
)
from harness.commands.cmdargs import adapters as resolve_adapters
from harness.commands.subcommand import Subcommand
from harness.report import report
from harness.run import runner
from harness.run.session import Session, paths_for
from harness.run.verdict import BAD_VERDICTS
from harness.suite.discovery import Item
from harness.suite.expectations import ExpectationsError, load_causes


def _add_run_args(p: argparse.ArgumentParser) -> None:
    add_build_args(p)
    p.add_argument("--adapter", action="append", metavar="NAME",
                   help="adapter to run (repeatable; default: manifests with default = true)")
    add_adapter_source_args(p)
    p.add_argument("--out", metavar="DIR", help="report directory (default: results/)")
    p.add_argument("--timeout", type=float, default=DEFAULT_TIMEOUT, metavar="S",
                   help="per-request timeout in seconds")
    p.add_argument("-v", "--verbose", action="store_true",
                   help="one line per SKIP and XFAIL too (default: only FAIL, ERROR, XPASS)")
    p.add_argument("--strict", action="store_true",
                   help="an unsupported SKIP the adapter's expectations table does not list, "
                        "or a required probe that did not run, is an ERROR (CI uses this)")


def cmd_run(args: argparse.Namespace) -> int:
    """Build, run every item against the adapters, write results.json and junit.xml."""
    require_bpf()
    manifests, unusable = resolve_adapters(args.adapter, adapter_set(args))
    if not manifests:
        return EXIT_USAGE
    session = open_session(args, manifests)
    print_compile_errors(session)
    if not args.keyword:
        for warning in session.unnamed_entries():
            print(f"bpfconform: warning: {warning}", file=sys.stderr)
    ctx = session.context(strict=args.strict)
    progress = report.ProgressLine(sys.stderr) if sys.stderr.isatty() else None
    results, hellos = runner.run_items(session.items, session.names, session.factory(), ctx,
                                       session.known, progress)
    out = Path(args.out) if args.out else results_root(session.paths.repo_root)
    try:
        causes = load_causes(session.paths.suite_dir / "findings.toml")
    except ExpectationsError as exc:
        raise UsageError(str(exc)) from exc
    report.write_reports(out, report.meta(ctx.kernel, session.compiler, ctx.probes, hellos),
                         results, causes)
    for name, hello in hellos.items():
        lib = (f"{hello.library} {hello.library_version}" if not isinstance(hello, AdapterError)
               else f"unavailable: {hello.cause}")
        print(f"adapter {name}: {lib}")
    report.print_summary(results, sys.stdout, verbose=args.verbose)
    print(f"kernel {ctx.kernel}, compiler {session.compiler.id}; reports in {out}/")
    if unusable:
        return EXIT_USAGE
    return 1 if any(r.verdict in BAD_VERDICTS for r in results) else 0


def _item_json(item: Item) -> dict[str, object]:
    exp = item.expectations
    return {"id": item.id, "file": item.rel, "program": item.program, "object": str(item.obj),
            "error": item.error, "expectations": exp.__dict__ if exp else None}


def _add_list_args(p: argparse.ArgumentParser) -> None:
    add_build_args(p)
    p.add_argument("--json", action="store_true", help="machine-readable output")


def cmd_list(args: argparse.Namespace) -> int:
    """List every item (building first)."""
    session = open_session(args)
    if args.json:
        json.dump([_item_json(i) for i in session.items], sys.stdout, indent=1)
        print()
        return 0
    for item in session.items:
        exp = item.expectations
        desc = (f"{exp.behaviour} expect={exp.expect} level={exp.level}" if exp
                else f"ERROR {item.error}")
        print(f"{item.id}  {desc}")
    return 0


def _add_adapters_args(p: argparse.ArgumentParser) -> None:
    p.add_argument("--json", action="store_true", help="machine-readable output")
    p.add_argument("--timeout", type=float, default=DEFAULT_TIMEOUT, metavar="S")
    add_adapter_source_args(p)


def _adapter_row(session: Session, m: Manifest) -> dict[str, object]:
    """`bpfconform adapters`' row of `m`: its hello, or why it is unusable."""
    row: dict[str, object] = {"name": m.name, "command": list(m.command),
                              "default": m.default, "description": m.description}
    try:
        with session.client(m.name) as client:
            hello = client.hello()
        row.update(library=hello.library, library_version=hello.library_version,
                   supports=list(hello.supports))
    except (AdapterUnavailable, AdapterError) as exc:
        row["unavailable"] = str(exc)
    return row


def cmd_adapters(args: argparse.Namespace) -> int:
    """Every adapter manifest, with its library version from hello or why it is unusable."""
    manifests = list(adapter_set(args).all().values())
    rows = ([_adapter_row(Session.for_adapters(paths_for(None), manifests, args.timeout), m)
             for m in manifests] if manifests else [])
    if args.json:
        json.dump(rows, sys.stdout, indent=1)
        print()
        return 0
    for row in rows:
        state = (f"{row['library']} {row['library_version']}" if "library" in row
                 else f"unavailable: {row['unavailable']}")
        print(f"{row['name']:<14} {state}  ({shlex.join(row['command'])})"  # type: ignore[arg-type]
              )
    return 0


def cmd_build(args: argparse.Namespace) -> int:
    """Build every test object and target-BTF stub (cached)."""
    session = open_session(args)
    print_compile_errors(session)
    failed = sum(not b.ok for b in session.builds)
    compiled = sum(b.compiled for b in session.builds)
    print(f"{len(session.builds)} objects with {session.compiler.id}: {compiled} compiled, "
          f"{len(session.builds) - compiled} cached, {failed} failed")
    return 1 if failed else 0


def _add_build_adapters_args(p: argparse.ArgumentParser) -> None:
    p.add_argument("--adapter", action="append", metavar="NAME", help="only these adapters")


def cmd_build_adapters(args: argparse.Namespace) -> int:
    """Run each adapter manifest's build command."""
    root = runner.REPO_ROOT
    status = 0
    for m in load_manifests(root).values():
        if args.adapter and m.name not in args.adapter:
            continue
        if not m.build:
            print(f"{m.name}: no build command")
            continue
        print(f"{m.name}: {shlex.join(m.build)}", flush=True)
        rc = subprocess.run(list(m.build), cwd=root, check=False).returncode
        if rc:
            print(f"{m.name}: build failed (exit status {rc})", file=sys.stderr)
            status = 1
    return status


SUBCOMMANDS = (
    Subcommand("run", "run the suite against adapters", _add_run_args, cmd_run),
    Subcommand("list", "list items and their expectations", _add_list_args, cmd_list),
    Subcommand("adapters", "list adapters and their library versions", _add_adapters_args,
               cmd_adapters),
    Subcommand("build", "compile bpf-src (cached)", add_build_args, cmd_build),
    Subcommand("build-adapters", "run every adapter's build", _add_build_adapters_args,
               cmd_build_adapters),
)
