"""What every `bpfconform` subcommand shares: its argument groups, and the command line
turned into a `harness.run.session.Session` (errors as one line, `UsageError`).

The subcommand modules (`run`, `oracle`, `check`, `versions`, `corpus`, ...) import this
module, never each other.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

from harness.adapters.client import DEFAULT_TIMEOUT
from harness.adapters.manifest import AdapterSet, AdapterUnavailable, Manifest
from harness.probes.probes import bpf_denied
from harness.run import runner
from harness.run.session import EXIT_USAGE, Session, UsageError, paths_for, resolve_adapters

__all__ = [
    "EXIT_USAGE",
    "UsageError",
    "adapter_set",
    "adapters",
    "add_adapter_source_args",
    "add_build_args",
    "open_session",
    "paths",
    "print_compile_errors",
    "require_bpf",
]


def add_build_args(p: argparse.ArgumentParser) -> None:
    """`--compiler`, `--bpf-src`, `-k`."""
    p.add_argument("--compiler", metavar="ID", help="compiler id, e.g. clang-14, zig-clang-22")
    p.add_argument("--bpf-src", metavar="DIR", help="test sources (default: the repo's)")
    p.add_argument("-k", dest="keyword", metavar="SUBSTR", help="only items whose id has it")


def add_adapter_source_args(p: argparse.ArgumentParser) -> None:
    """`--adapter-manifest PATH` and `--adapter-command NAME=CMD`: adapters outside runners/."""
    p.add_argument("--adapter-manifest", action="append", default=[], metavar="PATH",
                   help="an adapter.toml anywhere (command and expectations relative to it); "
                        "repeatable; the adapter is run")
    p.add_argument("--adapter-command", action="append", default=[], metavar="NAME=CMD",
                   help="an adapter given as a command line; repeatable; the adapter is run")


def paths(args: argparse.Namespace) -> runner.Paths:
    """The paths `--bpf-src` names (default: the repo's)."""
    return paths_for(getattr(args, "bpf_src", None) or None)


def adapter_set(args: argparse.Namespace) -> AdapterSet:
    """The in-tree manifests plus this command line's out-of-tree adapters."""
    try:
        return AdapterSet.from_options(runner.REPO_ROOT,
                                       getattr(args, "adapter_manifest", None) or (),
                                       getattr(args, "adapter_command", None) or ())
    except AdapterUnavailable as exc:
        raise UsageError(str(exc)) from exc


def adapters(names: Sequence[str] | None, found: AdapterSet) -> tuple[list[Manifest], int]:
    """Manifests for the requested adapters; each unusable one reported in one line."""
    manifests, unusable = resolve_adapters(names, found)
    for why in unusable:
        print(f"bpfconform: {why}", file=sys.stderr)
    return manifests, len(unusable)


def require_bpf() -> None:
    """UsageError when this process may not use bpf()."""
    denied = bpf_denied()
    if denied:
        raise UsageError(denied)


def open_session(args: argparse.Namespace, manifests: Sequence[Manifest] = (), *,
                 known: bool = True) -> Session:
    """The session `--compiler`, `--bpf-src`, `-k` and `--timeout` describe."""
    return Session.open(paths(args), manifests, args.compiler, args.keyword,
                        getattr(args, "timeout", DEFAULT_TIMEOUT), known=known)


def print_compile_errors(session: Session) -> None:
    """Each object that did not compile, with clang's diagnostics, on stderr."""
    for message in session.compile_errors():
        print(message, file=sys.stderr)
