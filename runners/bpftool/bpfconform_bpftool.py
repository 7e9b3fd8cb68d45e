#!/usr/bin/env python3
"""bpfconform adapter for the bpftool CLI (docs/adapter-protocol.md, version 1).

Each `run` request is what a user scripts: `bpftool prog loadall OBJ DIR pinmaps BPFFS`
(the loader under test; a line to one long-lived `bpftool -j batch file -` process, see
run.Batch), then the pinned program's test run through
the adapter's own bpf() calls (BPF_OBJ_GET, BPF_PROG_TEST_RUN with the attributes
`bpftool prog run` passes), then the pins are removed. Parts: protocol.py (`hello`), run.py
(the request), pins.py (by-name maps from the object's BTF, the `pinmaps` cleanup); the
request loop, the request and reply records and the bpf() calls are the shared ones of
runners/pyadapter/. Standalone: it does not import the harness.
"""

from __future__ import annotations

import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

sys.path.insert(1, str(Path(__file__).resolve().parents[1]))  # runners/: pyadapter

from protocol import hello
from pyadapter.loop import serve
from pyadapter.protocol import Reply
from pyadapter.syscalls import Libc
from run import Batch, Namespace, handle_run


@dataclass
class Adapter:
    """What lives as long as the adapter process: libc, the bpftool batch process, and the
    mount namespace (or why there is none)."""

    libc: Libc = field(default_factory=Libc)
    batch: Batch = field(default_factory=Batch)
    ns: Namespace | OSError | None = None

    def __post_init__(self) -> None:
        try:
            self.ns = Namespace(self.libc)
        except OSError as exc:
            self.ns = exc
            print(f"bpfconform-bpftool: {exc}", file=sys.stderr)

    def hello(self) -> dict[str, Any]:
        """The `hello` reply (one `bpftool version` process)."""
        return hello()

    def run(self, obj: dict[str, Any]) -> Reply:
        """One `run` request."""
        assert self.ns is not None
        return handle_run(self.libc, self.batch, self.ns, obj)

    def close(self) -> None:
        """End the batch process (the namespace goes with the process)."""
        self.batch.close()


def main() -> int:
    """Serve requests from stdin until `bye` or EOF."""
    return serve(Adapter())


if __name__ == "__main__":
    sys.exit(main())
