"""`bpfconform adapter-check` (its engine is harness.checks.adaptercheck)."""

from __future__ import annotations

import argparse
import tempfile
from pathlib import Path

from harness.adapters.client import DEFAULT_TIMEOUT
from harness.adapters.manifest import AdapterUnavailable
from harness.build.toolchain import ToolchainError
from harness.checks import adaptercheck
from harness.commands.cmdargs import (
    UsageError,
    adapter_set,
    add_adapter_source_args,
    require_bpf,
)
from harness.commands.subcommand import Subcommand
from harness.run import runner


def _add_adapter_check_args(p: argparse.ArgumentParser) -> None:
    p.add_argument("adapter", nargs="?", metavar="NAME",
                   help="the adapter to check (or give --adapter-manifest/--adapter-command)")
    add_adapter_source_args(p)
    p.add_argument("--json", action="store_true", help="machine-readable output")
    p.add_argument("--timeout", type=float, default=DEFAULT_TIMEOUT, metavar="S")


def cmd_adapter_check(args: argparse.Namespace) -> int:
    """Check that an adapter speaks the protocol well enough to be judged
    (harness.checks.adaptercheck): exit 0 only when every check holds."""
    require_bpf()
    adapters = adapter_set(args)
    names = adapters.selected([args.adapter] if args.adapter else None)
    if not args.adapter and not adapters.extra:
        raise UsageError("name an adapter, or give --adapter-manifest PATH / --adapter-command")
    status = 0
    for name in names:
        try:
            manifest = adapters.find(name)
            manifest.argv(runner.REPO_ROOT)
        except AdapterUnavailable as exc:
            raise UsageError(str(exc)) from exc
        with tempfile.TemporaryDirectory(prefix="bpfconform-adapter-check-") as scratch:
            try:
                results = adaptercheck.run_checks(manifest, runner.REPO_ROOT, Path(scratch),
                                                  args.timeout)
            except ToolchainError as exc:
                raise UsageError(str(exc)) from exc
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


SUBCOMMANDS = (Subcommand("adapter-check", "check that an adapter speaks the protocol well enough "
                          "to be judged", _add_adapter_check_args, cmd_adapter_check),)
