"""The request loop of docs/adapter-protocol.md: JSON lines on stdin, one reply line on
stdout per request, `hello` answered once and kept, a bad line answered with an `internal`
error (the adapter serves on), `bye` or EOF the end. A `run` request is the adapter's."""

from __future__ import annotations

import json
import sys
import traceback
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol, TextIO

from pyadapter.protocol import Reply


class Adapter(Protocol):
    """What the loop asks of an adapter."""

    def hello(self) -> dict[str, Any]:
        """The `hello` reply (asked at most once: the loop keeps it)."""

    def run(self, obj: dict[str, Any]) -> Reply:
        """The reply to one `run` request (the decoded line)."""

    def close(self) -> None:
        """Release what lives as long as the adapter process, at `bye`, EOF or a crash."""


@dataclass
class Loop:
    """One adapter's request loop; `reply_type` makes the replies to bad lines (an
    adapter whose replies carry more fields passes its subclass of Reply)."""

    adapter: Adapter
    reply_type: type[Reply] = Reply
    hello_reply: dict[str, Any] | None = None

    def handle_line(self, line: str) -> str | None:
        """One request line → its reply line, or None for `bye`."""
        bad = self.reply_type(None)
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
                self.hello_reply = self.adapter.hello()
            return json.dumps(self.hello_reply)
        bad.id = obj.get("id")
        if op != "run":
            return bad.internal("open", f"bad request: unknown op {op!r}").to_json()
        try:
            return self.adapter.run(obj).to_json()
        except Exception as exc:  # the adapter broke: an internal error, not a refusal
            traceback.print_exception(exc, file=sys.stderr)
            where = traceback.extract_tb(exc.__traceback__)[-1]
            return bad.internal("open", f"internal error: {type(exc).__name__}: {exc} "
                                f"(at {Path(where.filename).name}:{where.lineno} "
                                f"in {where.name})").to_json()

    def serve(self, stdin: TextIO, stdout: TextIO) -> int:
        """Serve requests from `stdin` until `bye` or EOF; close the adapter; exit status 0."""
        try:
            for raw in stdin:
                line = raw.strip()
                if not line:
                    continue
                reply = self.handle_line(line)
                if reply is None:
                    break
                stdout.write(reply + "\n")
                stdout.flush()
        finally:
            self.adapter.close()
        return 0


def serve(adapter: Adapter, reply_type: type[Reply] = Reply) -> int:
    """The adapter's main loop on this process's stdin and stdout."""
    return Loop(adapter, reply_type).serve(sys.stdin, sys.stdout)
