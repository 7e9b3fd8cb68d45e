"""`bpfconform new FAMILY/NAME` (its engine is harness.contrib.scaffold): scaffold a test source
and its catalogue entry."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from harness.commands.subcommand import Subcommand
from harness.contrib.scaffold import ScaffoldError, scaffold


def add_arguments(p: argparse.ArgumentParser) -> None:
    """Arguments of `bpfconform new`."""
    p.add_argument("target", help="<family>/<name>: bpf-src/<family>/<name>.bpf.c")
    p.add_argument("--behaviour", default=None,
                   help="catalogue id (default: <family>.<name>)")


def cmd_new(args: argparse.Namespace) -> int:
    """Scaffold; print what was written and the next steps."""
    root = Path(__file__).resolve().parents[2]  # the checkout (harness/commands/ is 2 below)
    try:
        done = scaffold(root, args.target, args.behaviour)
    except ScaffoldError as exc:
        print(f"bpfconform new: {exc}", file=sys.stderr)
        return 1
    rel = done.source.relative_to(root)
    print(f"wrote {rel}")
    print(f"appended [\"{done.behaviour}\"] to suite/catalogue.toml" if done.appended else
          f"tests the existing [\"{done.behaviour}\"] of suite/catalogue.toml")
    stub = done.mutation
    if stub is not None:
        print(f"stubbed the mutation in {stub.path.relative_to(root)}: Plan.{stub.knob} and "
              f"MUTATIONS[\"{done.behaviour}\"] (refuses the skip until implemented)")
        print(f"  honour it with one line in runners/python/refloader/{stub.module}: "
              f"`if not plan.{stub.knob}: ...`,\n  then make the hook "
              f"_set({stub.knob}=False)")
    print(f"next: edit every TODO (CONTRIBUTING.md), then\n  bpfconform check {rel}")
    return 0


SUBCOMMANDS = (Subcommand("new", "scaffold bpf-src/<family>/<name>.bpf.c and its catalogue "
                          "entry", add_arguments, cmd_new),)
