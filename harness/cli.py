"""The `bpfconform` command line.

Subcommands live in the SUBCOMMANDS registry (harness.commands.registry: each subcommand
module's SUBCOMMANDS tuple, in help order); this front-end builds its parser from it and turns
a UsageError into exit status 2.
"""

from __future__ import annotations

import argparse
import os
import signal
import sys
from collections.abc import Sequence

from harness.commands.cmdargs import EXIT_USAGE, UsageError
from harness.commands.registry import SUBCOMMANDS

__all__ = ["main", "parser"]


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
    except UsageError as exc:
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
