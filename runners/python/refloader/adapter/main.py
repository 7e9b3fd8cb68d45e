"""The reference loader's adapter executable: ``python3 -m refloader.adapter`` (console
script ``bpfconform-python-adapter``): the JSON Lines loop on stdin/stdout of
docs/adapter-protocol.md v1, diagnostics on stderr."""

from __future__ import annotations

import json
import os
import sys
from dataclasses import asdict
from typing import Any, TextIO

from refloader.adapter.protocol import hello
from refloader.adapter.run import Session, run


def serve(inp: TextIO, out: TextIO) -> int:
    """The request loop; returns the exit status."""
    session = Session()
    for line in inp:
        if not line.strip():
            continue
        try:
            req = json.loads(line)
            if not isinstance(req, dict):
                raise ValueError("request is not a JSON object")
        except ValueError as exc:
            out.write(json.dumps({"id": None, "phase": "open", "error_kind": "internal",
                                  "error": f"bad request: {exc}"}) + "\n")
            out.flush()
            continue
        op = req.get("op")
        if op == "bye":
            return 0
        if op == "hello":
            obj: dict[str, Any] = hello()
        elif op == "run":
            obj = asdict(run(req, session))
            if obj["info"] is None:
                del obj["info"]
        else:
            obj = {"id": req.get("id"), "phase": "open", "error_kind": "internal",
                   "error": f"bad request: op {op!r}"}
        out.write(json.dumps(obj) + "\n")
        out.flush()
    return 0


def main() -> int:
    """Entry point (console script ``bpfconform-python-adapter``)."""
    os.environ.setdefault("PYTHONUNBUFFERED", "1")
    try:
        return serve(sys.stdin, sys.stdout)
    except KeyboardInterrupt:
        return 130
