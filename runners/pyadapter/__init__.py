"""What the Python adapters that are not the reference loader (runners/bpftool,
runners/iproute2) share: the protocol's request and reply records (`protocol`), the
stdin/stdout request loop (`loop`), the raw bpf() and mount-namespace calls they make
themselves (`syscalls`), and the reading of libbpf's messages on a tool's stderr
(`libbpf_log`).

Standalone like the adapters: it speaks only docs/adapter-protocol.md and imports neither
the harness nor the reference loader. An adapter's entry script puts runners/ on sys.path
(relative to its own `__file__`) and imports `pyadapter.<module>`.
"""
