"""`bpfconform lint` (its engine is harness.contrib.lint): check every test source."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from harness.commands.subcommand import Subcommand
from harness.contrib.lint import LintUnavailable, print_known, run


def add_arguments(p: argparse.ArgumentParser) -> None:
    """Arguments of `bpfconform lint`."""
    p.add_argument("--bpf-src", type=Path, default=None,
                   help="test sources (default: the repo's bpf-src/)")
    p.add_argument("--catalogue", type=Path, default=None,
                   help="the behaviour catalogue (default: suite/catalogue.toml beside "
                        "bpf-src)")
    p.add_argument("files", nargs="*", type=Path,
                   help="lint only these files and the catalogue entries they name")


def cmd_lint(args: argparse.Namespace) -> int:
    """Print `file:line: message` for each finding; 1 if any, 2 if libclang is missing."""
    root = Path(__file__).resolve().parents[2]  # the checkout (harness/commands/ is 2 below)
    bpf_src = (args.bpf_src or root / "bpf-src").resolve()
    missing = [str(p) for p in args.files if not p.is_file()]
    if missing:
        print(f"bpfconform lint: no such file: {', '.join(missing)}", file=sys.stderr)
        return 2
    catalogue = (args.catalogue or bpf_src.parent / "suite" / "catalogue.toml").resolve()
    try:
        result = run(bpf_src, catalogue, args.files or None)
    except LintUnavailable as exc:
        print(f"bpfconform lint: {exc}", file=sys.stderr)
        return 2
    for f in result.findings:
        print(f)
    print_known(result.known, sys.stdout)
    print(f"lint: {result.files} files, {len(result.findings)} findings"
          + (f", {len(result.known)} known gaps" if result.known else ""))
    return 1 if result.findings else 0


SUBCOMMANDS = (Subcommand("lint", "check every test source (libclang): purpose line, metadata, "
                          "returns, no libbpf headers", add_arguments, cmd_lint),)
