"""The `bpfconform` subcommand registry: every subcommand module's SUBCOMMANDS, in the
order `bpfconform --help` lists them. harness.cli builds its parser from it."""

from __future__ import annotations

from harness.commands import (
    adapter_check,
    check,
    corpus,
    lint,
    matrix,
    new,
    oracle,
    run,
    sensitivity,
    versions,
)
from harness.commands.subcommand import Subcommand

SUBCOMMANDS: tuple[Subcommand, ...] = (
    *run.SUBCOMMANDS,
    *sensitivity.SUBCOMMANDS,
    *adapter_check.SUBCOMMANDS,
    *oracle.SUBCOMMANDS,
    *matrix.SUBCOMMANDS,
    *new.SUBCOMMANDS,
    *lint.SUBCOMMANDS,
    *check.SUBCOMMANDS,
    *corpus.SUBCOMMANDS,
    *versions.SUBCOMMANDS,
)
