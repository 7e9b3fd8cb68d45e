"""The bpftool adapter's own part of docs/adapter-protocol.md (version 1): what it supports
and its `hello` reply (bpftool's version, asked once per process). The request and reply
records are the shared ones (runners/pyadapter/protocol.py)."""

from __future__ import annotations

import json
import subprocess
from typing import Any

from pyadapter.protocol import hello_reply

ADAPTER_VERSION = "0.2.0"
SUPPORTS = ["pin_root", "data_in", "repeat", "ctx_in"]


def hello() -> dict[str, Any]:
    """The `hello` reply: bpftool's version and the libbpf it was built with (one
    `bpftool version` process; the caller keeps the answer for the adapter's lifetime)."""
    try:
        version = json.loads(
            subprocess.run(
                ["bpftool", "version", "-j"], capture_output=True, text=True, timeout=10
            ).stdout
        )
    except (OSError, json.JSONDecodeError, subprocess.TimeoutExpired) as exc:
        version = {"version": f"unknown ({exc})"}
    return hello_reply(
        name="bpftool",
        adapter_version=ADAPTER_VERSION,
        library="bpftool",
        library_version=str(version.get("version", "unknown")),
        libbpf_version=str(version.get("libbpf_version", "unknown")),
        supports=SUPPORTS,
    )
