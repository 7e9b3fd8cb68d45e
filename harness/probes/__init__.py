"""What the host can do, as `requires` names it: kernel feature probes (`probes`, a tiny ctypes
bpf()) and compiler probes (`ccprobes`, `cc:*`), sharing the `ProbeResult` record."""
