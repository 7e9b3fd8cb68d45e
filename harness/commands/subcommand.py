"""The one shape of a `bpfconform` subcommand: a `Subcommand` record (name, help, a
function that adds its arguments to its parser, a function that runs it and returns the exit
status). A module that implements subcommands ends with `SUBCOMMANDS: tuple[Subcommand, ...]`
naming them; `harness.commands.registry` lists those tuples in help order. It imports
nothing of the harness."""

from __future__ import annotations

import argparse
from collections.abc import Callable
from dataclasses import dataclass


@dataclass(frozen=True)
class Subcommand:
    """One `bpfconform <name>` subcommand."""

    name: str
    help: str
    add_arguments: Callable[[argparse.ArgumentParser], None]
    run: Callable[[argparse.Namespace], int]
