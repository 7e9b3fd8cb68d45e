"""Checks of the suite and of the loaders beyond the verdicts: the mutation check
(`sensitivity`), the kernel-state oracle (`oracle`, `oracle_disasm`), an adapter's fitness
(`adaptercheck`). Engines only: their subcommands are in harness.commands."""
