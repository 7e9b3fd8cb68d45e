"""Every `bpfconform` subcommand: `registry.SUBCOMMANDS` (help order), one module per
subcommand (`run` holds run, list, adapters, build, build-adapters; `matrix` holds matrix and
report), the `Subcommand` record (`subcommand`) and the argument groups they share
(`cmdargs`). Only the front-ends (harness.cli, harness.matrix.__main__) import this room."""
