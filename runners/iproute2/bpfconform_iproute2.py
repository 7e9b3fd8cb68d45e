#!/usr/bin/env python3
"""bpfconform adapter for iproute2's BPF loader, `tc` and `ip` (docs/adapter-protocol.md, v1).

Each `run` request is what a tc/XDP user types, one tc/ip process (the loader under test):
`tc filter add dev bpfc0 ingress bpf da obj OBJ sec SEC program P`, or for an XDP program
`ip link set dev bpfc0 xdp obj OBJ sec SEC program P`, in the adapter's own network
namespace; the rest (the attached program's id, its test run, its removal) is the adapter's
own rtnetlink and bpf() calls. Parts: protocol.py (requests, replies, `hello`), run.py (the
namespaces and the request), netlink.py (the rtnetlink requests). Standalone: it does not
import the harness.
"""

from __future__ import annotations

import json
import sys
import traceback
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from protocol import Reply, hello
from run import Libc, Sandbox, handle_run


@dataclass
class Adapter:
    """What lives as long as the adapter process: libc, the sandbox (or why there is
    none), and the `hello` reply (one `tc -V` process)."""

    libc: Libc = field(default_factory=Libc)
    sandbox: Sandbox | OSError | None = None
    hello_reply: dict[str, Any] | None = None

    def __post_init__(self) -> None:
        try:
            self.sandbox = Sandbox(self.libc)
        except OSError as exc:
            self.sandbox = exc
            print(f"bpfconform-iproute2: {exc}", file=sys.stderr)

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
        assert self.sandbox is not None
        try:
            return handle_run(self.libc, self.sandbox, obj).to_json()
        except Exception as exc:  # the adapter broke: an internal error, not a refusal
            traceback.print_exception(exc, file=sys.stderr)
            where = traceback.extract_tb(exc.__traceback__)[-1]
            return bad.internal("open", f"internal error: {type(exc).__name__}: {exc} "
                                f"(at {Path(where.filename).name}:{where.lineno} "
                                f"in {where.name})").to_json()

    def close(self) -> None:
        """Leave the sandbox (its namespaces go with the process)."""
        if isinstance(self.sandbox, Sandbox):
            self.sandbox.close()


def main() -> int:
    """Serve requests from stdin until `bye` or EOF."""
    adapter = Adapter()
    try:
        for raw in sys.stdin:
            line = raw.strip()
            if not line:
                continue
            reply = adapter.handle_line(line)
            if reply is None:
                break
            sys.stdout.write(reply + "\n")
            sys.stdout.flush()
    finally:
        adapter.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
