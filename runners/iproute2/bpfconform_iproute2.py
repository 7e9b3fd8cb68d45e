#!/usr/bin/env python3
"""bpfconform adapter for iproute2's BPF loader, `tc` and `ip` (docs/adapter-protocol.md, v1).

Each `run` request is what a tc/XDP user types, one tc/ip process (the loader under test):
`tc filter add dev bpfc0 ingress bpf da obj OBJ sec SEC program P`, or for an XDP program
`ip link set dev bpfc0 xdp obj OBJ sec SEC program P`, in the adapter's own network
namespace; the rest (the attached program's id, its test run, its removal) is the adapter's
own rtnetlink and bpf() calls. Parts: protocol.py (its reply, `hello`), run.py (the
namespaces and the request), netlink.py (the rtnetlink requests); the request loop, the
request record and the bpf() calls are the shared ones of runners/pyadapter/. Standalone:
it does not import the harness.
"""

from __future__ import annotations

import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

sys.path.insert(1, str(Path(__file__).resolve().parents[1]))  # runners/: pyadapter

from protocol import Reply, hello
from pyadapter.loop import serve
from pyadapter.syscalls import Libc
from run import Sandbox, handle_run


@dataclass
class Adapter:
    """What lives as long as the adapter process: libc and the sandbox (or why there is
    none)."""

    libc: Libc = field(default_factory=Libc)
    sandbox: Sandbox | OSError | None = None

    def __post_init__(self) -> None:
        try:
            self.sandbox = Sandbox(self.libc)
        except OSError as exc:
            self.sandbox = exc
            print(f"bpfconform-iproute2: {exc}", file=sys.stderr)

    def hello(self) -> dict[str, Any]:
        """The `hello` reply (one `tc -V` process)."""
        return hello()

    def run(self, obj: dict[str, Any]) -> Reply:
        """One `run` request."""
        assert self.sandbox is not None
        return handle_run(self.libc, self.sandbox, obj)

    def close(self) -> None:
        """Leave the sandbox (its namespaces go with the process)."""
        if isinstance(self.sandbox, Sandbox):
            self.sandbox.close()


def main() -> int:
    """Serve requests from stdin until `bye` or EOF."""
    return serve(Adapter(), Reply)


if __name__ == "__main__":
    sys.exit(main())
