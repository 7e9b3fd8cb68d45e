"""bpfconform harness: toolchain, discovery, adapter client, verdicts, reports and CLI."""

__version__ = "0.1.0"
