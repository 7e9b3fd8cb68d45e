#!/usr/bin/env python3
"""bpfconform adapter for the bpftool CLI (docs/adapter-protocol.md, version 1).

Each `run` request is what a user scripts: `bpftool prog loadall OBJ DIR pinmaps BPFFS`
(the loader under test; a line to one long-lived `bpftool -j batch file -` process, see
run.Batch), then the pinned program's test run through
the adapter's own bpf() calls (BPF_OBJ_GET, BPF_PROG_TEST_RUN with the attributes
`bpftool prog run` passes), then the pins are removed. Parts: protocol.py (requests,
replies, `hello`), run.py (the request), pins.py (by-name maps from the object's BTF, the
`pinmaps` cleanup). Standalone: it does not import the harness.
"""

from __future__ import annotations

import json
import sys
import traceback
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from protocol import Reply, hello
from run import Batch, Kernel, Namespace, handle_run


@dataclass
class Adapter:
    """What lives as long as the adapter process: the bpf() caller, the mount namespace
    (or why there is none), and the `hello` reply (one `bpftool version` process)."""

    kernel: Kernel = field(default_factory=Kernel)
    batch: Batch = field(default_factory=Batch)
    ns: Namespace | OSError | None = None
    hello_reply: dict[str, Any] | None = None

    def __post_init__(self) -> None:
        try:
            self.ns = Namespace(self.kernel)
        except OSError as exc:
            self.ns = exc
            print(f"bpfconform-bpftool: {exc}", file=sys.stderr)

    def handle_line(self, line: str) -> str | None:
        """One request line → its reply line, or None for `bye`."""
        bad = Reply(None)
        try:
            obj = json.loads(line)
        except json.JSONDecodeError as exc:
            return bad.internal("open", f"bad request: {exc}").to_json()
        if not isinstance(obj, dict):
            return bad.internal("open", "bad request: not a JSON object").to_json()
        op = obj.get("op")
        if op == "bye":
            return None
        if op == "hello":
            if self.hello_reply is None:
                self.hello_reply = hello()
            return json.dumps(self.hello_reply)
        bad.id = obj.get("id")
        if op != "run":
            return bad.internal("open", f"bad request: unknown op {op!r}").to_json()
        assert self.ns is not None
        try:
            return handle_run(self.kernel, self.batch, self.ns, obj).to_json()
        except Exception as exc:  # the adapter broke: an internal error, not a refusal
            traceback.print_exception(exc, file=sys.stderr)
            where = traceback.extract_tb(exc.__traceback__)[-1]
            return bad.internal("open", f"internal error: {type(exc).__name__}: {exc} "
                                f"(at {Path(where.filename).name}:{where.lineno} "
                                f"in {where.name})").to_json()


def main() -> int:
    """Serve requests from stdin until `bye` or EOF."""
    adapter = Adapter()
    for raw in sys.stdin:
        line = raw.strip()
        if not line:
            continue
        reply = adapter.handle_line(line)
        if reply is None:
            break
        sys.stdout.write(reply + "\n")
        sys.stdout.flush()
    adapter.batch.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
