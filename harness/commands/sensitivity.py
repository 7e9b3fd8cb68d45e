"""`bpfconform sensitivity`: the mutation check (its engine is harness.checks.sensitivity)."""

from __future__ import annotations

import argparse
import json
from dataclasses import replace
from pathlib import Path

from harness.adapters.client import DEFAULT_TIMEOUT, AdapterError
from harness.checks import sensitivity
from harness.commands.cmdargs import (
    EXIT_USAGE,
    UsageError,
    adapter_set,
    add_adapter_source_args,
    add_build_args,
    open_session,
    paths,
)
from harness.commands.cmdargs import adapters as resolve_adapters
from harness.commands.subcommand import Subcommand
from harness.run import runner
from harness.suite.discovery import DiscoveryError


def _add_sensitivity_args(p: argparse.ArgumentParser) -> None:
    add_build_args(p)
    p.add_argument("--adapter", required=True, metavar="NAME",
                   help="an adapter whose hello lists 'skip' (the reference loader)")
    add_adapter_source_args(p)
    p.add_argument("--timeout", type=float, default=DEFAULT_TIMEOUT, metavar="S")
    p.add_argument("--json", metavar="FILE", help="write each program's kind to FILE")


def cmd_sensitivity(args: argparse.Namespace) -> int:
    """Mutation check (harness.checks.sensitivity): under its own behaviour's skip, every required
    expect=pass program must fail at one of its own assertions (or at a refusal the
    catalogue explains) and every required load_error/open_error program must load (or be
    kernel-enforced per the catalogue). A program a recorded feature probe SKIPs unmutated
    is listed as not checkable on this kernel; anything else fails the check."""
    manifests, _ = resolve_adapters([args.adapter], adapter_set(args))
    manifests = [m for m in manifests if m.name == args.adapter]
    if not manifests:
        return EXIT_USAGE
    try:
        rules = sensitivity.catalogue_rules(paths(args).suite_dir / "catalogue.toml")
    except DiscoveryError as exc:
        raise UsageError(str(exc)) from exc
    session = open_session(args, manifests, known=False)
    targets = sensitivity.targets(session.items)
    if not targets:
        raise UsageError("the selection holds no required program: nothing to check")
    with session.client(args.adapter) as client:
        try:
            hello = client.hello()
        except AdapterError as exc:
            raise UsageError(f"adapter {args.adapter} unavailable: {exc.cause}") from exc
        if "skip" not in hello.supports:
            raise UsageError(f"adapter {args.adapter} does not list 'skip' in supports: "
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


SUBCOMMANDS = (Subcommand("sensitivity", "mutation check through an adapter's skip switch",
                          _add_sensitivity_args, cmd_sensitivity),)
