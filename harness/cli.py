"""The `bpfconform` command line.

Subcommands live in the SUBCOMMANDS registry (harness.subcommand.Subcommand records): this
module's own, then each subcommand module's SUBCOMMANDS tuple, in help order.
"""

from __future__ import annotations

import argparse
import json
import os
import shlex
import signal
import subprocess
import sys
import tempfile
from collections.abc import Sequence
from dataclasses import replace
from pathlib import Path

from harness import adaptercheck, check, lint, oracle, report, runner, scaffold, sensitivity
from harness import corpus as corpus_lane
from harness import versions as version_axis
from harness.client import DEFAULT_TIMEOUT, AdapterClient, AdapterError
from harness.cmdargs import (
    EXIT_USAGE,
    adapter_set,
    add_adapter_source_args,
    open_session,
    print_compile_errors,
    require_bpf,
)
from harness.cmdargs import (
    UsageError as CliError,
)
from harness.cmdargs import adapters as _resolve_adapters
from harness.cmdargs import add_build_args as _add_build_args
from harness.cmdargs import paths as _paths
from harness.discovery import DiscoveryError, Item
from harness.expectations import ExpectationsError, load_causes
from harness.manifest import AdapterUnavailable, load_manifests
from harness.matrix import cli as matrix_cli
from harness.prebuilt import results_root
from harness.probes import bpf_denied
from harness.subcommand import Subcommand
from harness.toolchain import ToolchainError
from harness.verdict import BAD_VERDICTS

__all__ = [
    "EXIT_USAGE",
    "SUBCOMMANDS",
    "CliError",
    "Subcommand",
    "adapter_set",
    "add_adapter_source_args",
    "bpf_denied",
    "main",
    "parser",
]


def _add_run_args(p: argparse.ArgumentParser) -> None:
    _add_build_args(p)
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
    manifests, unusable = _resolve_adapters(args.adapter, adapter_set(args))
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
        raise CliError(str(exc)) from exc
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
    _add_build_args(p)
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


def cmd_adapters(args: argparse.Namespace) -> int:
    """Every adapter manifest, with its library version from hello or why it is unusable."""
    root = runner.REPO_ROOT
    rows: list[dict[str, object]] = []
    for m in adapter_set(args).all().values():
        row: dict[str, object] = {"name": m.name, "command": list(m.command),
                                  "default": m.default, "description": m.description}
        try:
            with AdapterClient(m, root, args.timeout) as client:
                hello = client.hello()
            row.update(library=hello.library, library_version=hello.library_version,
                       supports=list(hello.supports))
        except (AdapterUnavailable, AdapterError) as exc:
            row["unavailable"] = str(exc)
        rows.append(row)
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


def _add_sensitivity_args(p: argparse.ArgumentParser) -> None:
    _add_build_args(p)
    p.add_argument("--adapter", required=True, metavar="NAME",
                   help="an adapter whose hello lists 'skip' (the reference loader)")
    add_adapter_source_args(p)
    p.add_argument("--timeout", type=float, default=DEFAULT_TIMEOUT, metavar="S")
    p.add_argument("--json", metavar="FILE", help="write each program's kind to FILE")


def cmd_sensitivity(args: argparse.Namespace) -> int:
    """Mutation check (harness.sensitivity): under its own behaviour's skip, every required
    expect=pass program must fail at one of its own assertions (or at a refusal the
    catalogue explains) and every required load_error/open_error program must load (or be
    kernel-enforced per the catalogue). A program a recorded feature probe SKIPs unmutated
    is listed as not checkable on this kernel; anything else fails the check."""
    manifests, _ = _resolve_adapters([args.adapter], adapter_set(args))
    manifests = [m for m in manifests if m.name == args.adapter]
    if not manifests:
        return EXIT_USAGE
    try:
        rules = sensitivity.catalogue_rules(_paths(args).suite_dir / "catalogue.toml")
    except DiscoveryError as exc:
        raise CliError(str(exc)) from exc
    session = open_session(args, manifests, known=False)
    targets = sensitivity.targets(session.items)
    if not targets:
        raise CliError("the selection holds no required program: nothing to check")
    with session.client(args.adapter) as client:
        try:
            hello = client.hello()
        except AdapterError as exc:
            raise CliError(f"adapter {args.adapter} unavailable: {exc.cause}") from exc
        if "skip" not in hello.supports:
            raise CliError(f"adapter {args.adapter} does not list 'skip' in supports: "
                           "it cannot deliberately skip a behaviour")
        ctx = session.context(mutate=True)
        plain = runner.AdapterRun(args.adapter, client, replace(ctx, mutate=False))
        mutated = runner.AdapterRun(args.adapter, client, ctx)
        checks = [sensitivity.check(item, plain, mutated, rules) for item in targets]
    ctx.pins.remove_base_if_empty()
    for c in checks:
        if not c.sensitive:
            print(c.line())
    for line in sensitivity.summary(checks):
        print(line)
    if args.json:
        Path(args.json).write_text(json.dumps(
            {"adapter": args.adapter, "kernel": ctx.kernel, "compiler": session.compiler.id,
             "checks": [c.to_json() for c in checks]}, indent=1) + "\n")
    return 0 if sensitivity.proven(checks) else 1


def _add_adapter_check_args(p: argparse.ArgumentParser) -> None:
    p.add_argument("adapter", nargs="?", metavar="NAME",
                   help="the adapter to check (or give --adapter-manifest/--adapter-command)")
    add_adapter_source_args(p)
    p.add_argument("--json", action="store_true", help="machine-readable output")
    p.add_argument("--timeout", type=float, default=DEFAULT_TIMEOUT, metavar="S")


def cmd_adapter_check(args: argparse.Namespace) -> int:
    """Check that an adapter speaks the protocol well enough to be judged (harness.adaptercheck):
    exit 0 only when every check holds."""
    require_bpf()
    adapters = adapter_set(args)
    names = adapters.selected([args.adapter] if args.adapter else None)
    if not args.adapter and not adapters.extra:
        raise CliError("name an adapter, or give --adapter-manifest PATH / --adapter-command")
    status = 0
    for name in names:
        try:
            manifest = adapters.find(name)
            manifest.argv(runner.REPO_ROOT)
        except AdapterUnavailable as exc:
            raise CliError(str(exc)) from exc
        with tempfile.TemporaryDirectory(prefix="bpfconform-adapter-check-") as scratch:
            try:
                results = adaptercheck.run_checks(manifest, runner.REPO_ROOT, Path(scratch),
                                                  args.timeout)
            except ToolchainError as exc:
                raise CliError(str(exc)) from exc
        fit = all(r.ok for r in results)
        status |= 0 if fit else 1
        if args.json:
            print(adaptercheck.to_json(name, results))
            continue
        for r in results:
            print(f"{'ok  ' if r.ok else 'FAIL'} {name} {r.name}" + (f": {r.detail}" if r.detail
                                                                      else ""))
        print(f"adapter {name}: {'fit to be judged' if fit else 'NOT fit to be judged'} "
              f"({sum(r.ok for r in results)}/{len(results)} checks)")
    return status


def _first_line(text: str) -> str:
    return text.splitlines()[0] if text else ""


SUBCOMMANDS: tuple[Subcommand, ...] = (
    Subcommand("run", "run the suite against adapters", _add_run_args, cmd_run),
    Subcommand("list", "list items and their expectations", _add_list_args, cmd_list),
    Subcommand("adapters", "list adapters and their library versions", _add_adapters_args,
               cmd_adapters),
    Subcommand("build", "compile bpf-src (cached)", _add_build_args, cmd_build),
    Subcommand("build-adapters", "run every adapter's build", _add_build_adapters_args,
               cmd_build_adapters),
    Subcommand("sensitivity", "mutation check through an adapter's skip switch",
               _add_sensitivity_args, cmd_sensitivity),
    Subcommand("adapter-check", "check that an adapter speaks the protocol well enough to be "
               "judged", _add_adapter_check_args, cmd_adapter_check),
    *oracle.SUBCOMMANDS,
    *matrix_cli.SUBCOMMANDS,
    *scaffold.SUBCOMMANDS,
    *lint.SUBCOMMANDS,
    *check.SUBCOMMANDS,
    *corpus_lane.SUBCOMMANDS,
    *version_axis.SUBCOMMANDS,
)


def parser() -> argparse.ArgumentParser:
    """The argument parser with every registered subcommand."""
    p = argparse.ArgumentParser(prog="bpfconform", description=__doc__.splitlines()[0])
    sub = p.add_subparsers(dest="command", required=True)
    for cmd in SUBCOMMANDS:
        sp = sub.add_parser(cmd.name, help=cmd.help)
        cmd.add_arguments(sp)
        sp.set_defaults(func=cmd.run)
    return p


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the `bpfconform` console script."""
    args = parser().parse_args(argv)
    try:
        return int(args.func(args))
    except CliError as exc:
        print(f"bpfconform: {exc}", file=sys.stderr)
        return EXIT_USAGE
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:  # `bpfconform adapters --json | head`: the reader left
        _quiet_stdout()
        return 128 + signal.SIGPIPE


def _quiet_stdout() -> None:
    """Point stdout at /dev/null so that the interpreter's final flush of a closed pipe
    raises nothing more (the Python documentation's advice for SIGPIPE)."""
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, sys.stdout.fileno())
    os.close(devnull)


if __name__ == "__main__":
    sys.exit(main())
