"""The iproute2 adapter's own part of docs/adapter-protocol.md (version 1): its reply (the
shared one plus `failed_program`), its wording of a request whose bytes are not hex, and
its `hello` reply (`tc -V`, asked once per process). The request and reply records are the
shared ones (runners/pyadapter/protocol.py)."""

from __future__ import annotations

import re
import subprocess
from dataclasses import dataclass
from typing import Any

from pyadapter import protocol
from pyadapter.protocol import hello_reply

ADAPTER_VERSION = "0.2.0"
SUPPORTS = ["pin_root", "data_in", "repeat", "ctx_in"]


@dataclass
class Reply(protocol.Reply):
    """One `run` reply; a `refused` one is tc/ip (libbpf inside them) or the kernel saying
    no, an `internal` one also tc/ip killed by a signal or timed out."""

    #: the program libbpf names in "prog 'P': failed to load", on a `load` refusal
    failed_program: str | None = None


def parse_request(obj: dict[str, Any]) -> protocol.Request:
    """Validate a decoded `run` request; raise BadRequest."""
    return protocol.Request.parse(obj, not_hex="'data_in'/'ctx_in' is not hex")


def hello() -> dict[str, Any]:
    """The `hello` reply: iproute2's version and the libbpf tc was built with (one `tc -V`
    process; the caller keeps the answer for the adapter's lifetime)."""
    try:
        out = subprocess.run(["tc", "-V"], capture_output=True, text=True, timeout=10).stdout
    except (OSError, subprocess.TimeoutExpired) as exc:
        out = f"unknown ({exc})"
    version = re.search(r"iproute2-(\S+?),?\s", out + " ")
    libbpf = re.search(r"libbpf (\S+)", out)
    return hello_reply(
        name="iproute2",
        adapter_version=ADAPTER_VERSION,
        library="iproute2",
        library_version=version.group(1) if version else out.strip(),
        libbpf_version=libbpf.group(1) if libbpf else "none",
        supports=SUPPORTS,
    )
