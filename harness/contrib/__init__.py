"""For contributors: the test-source lint (`lint`, libclang) and `bpfconform new`'s
scaffolding (`scaffold`). Engines only: their subcommands are in harness.commands."""
