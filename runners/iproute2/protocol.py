"""The iproute2 adapter's side of docs/adapter-protocol.md (version 1): the validated `run`
request, the reply, and the `hello` reply (`tc -V`, asked once per process)."""

from __future__ import annotations

import json
import re
import subprocess
from dataclasses import dataclass, field
from typing import Any

ADAPTER_VERSION = "0.2.0"
DEFAULT_DATA_IN = bytes(64)


class BadRequest(Exception):
    """A request this adapter cannot act on."""


@dataclass
class Reply:
    """One `run` reply; `phase` is the failing phase or `done`."""

    id: Any
    phase: str = "open"
    retval: int | None = None
    errno: int | None = None
    error: str | None = None
    verifier_log: str | None = None
    ns: dict[str, int] = field(default_factory=dict)
    #: "refused" (tc/ip exited non-zero, or the kernel refused a bpf() call) or "internal"
    #: (a bad request, an unsupported field, tc/ip killed by a signal or timed out, the
    #: adapter's own failure); None when done
    error_kind: str | None = None
    failed_program: str | None = None

    def fail(self, phase: str, error: str, err: int | None = None) -> Reply:
        """Record a refusal in `phase`: tc/ip (libbpf inside them) or the kernel said no."""
        self.phase, self.error, self.errno, self.error_kind = phase, error, err, "refused"
        return self

    def internal(self, phase: str, error: str, err: int | None = None) -> Reply:
        """Record a failure in `phase` that is not the loader's verdict on the object."""
        self.phase, self.error, self.errno, self.error_kind = phase, error, err, "internal"
        return self

    def to_json(self) -> str:
        """The reply line, without the newline."""
        return json.dumps(self.__dict__, separators=(",", ":"))


@dataclass(frozen=True)
class Request:
    """A validated `run` request."""

    id: Any
    elf: str
    program: str
    pin_root: str
    btf_custom_path: str | None
    data_in: bytes
    repeat: int
    ctx_in: bytes | None = None

    @classmethod
    def parse(cls, obj: dict[str, Any]) -> Request:
        """Validate a decoded request; raise BadRequest."""
        if obj.get("skip"):
            raise BadRequest("skip not supported")
        for key in ("elf", "program", "pin_root", "btf_custom_path", "data_in", "ctx_in"):
            if obj.get(key) is not None and not isinstance(obj[key], str):
                raise BadRequest(f"bad request: '{key}' must be a string or null")
        if not obj.get("elf") or not obj.get("program") or not obj.get("pin_root"):
            raise BadRequest("bad request: run needs 'elf', 'program' and 'pin_root'")
        repeat = obj.get("repeat", 1)
        if repeat is None:
            repeat = 1
        if not isinstance(repeat, int) or isinstance(repeat, bool) or not 0 <= repeat < 2**32:
            raise BadRequest("bad request: 'repeat' must be a 32-bit unsigned integer")
        try:
            data = bytes.fromhex(obj["data_in"]) if obj.get("data_in") else DEFAULT_DATA_IN
            ctx = bytes.fromhex(obj["ctx_in"]) if obj.get("ctx_in") else None
        except ValueError as exc:
            raise BadRequest(f"bad request: 'data_in'/'ctx_in' is not hex: {exc}") from exc
        return cls(obj.get("id"), obj["elf"], obj["program"], obj["pin_root"],
                   obj.get("btf_custom_path"), data, repeat, ctx)


def hello() -> dict[str, Any]:
    """The `hello` reply: iproute2's version and the libbpf tc was built with (one `tc -V`
    process; the caller keeps the answer for the adapter's lifetime)."""
    try:
        out = subprocess.run(["tc", "-V"], capture_output=True, text=True, timeout=10).stdout
    except (OSError, subprocess.TimeoutExpired) as exc:
        out = f"unknown ({exc})"
    version = re.search(r"iproute2-(\S+?),?\s", out + " ")
    libbpf = re.search(r"libbpf (\S+)", out)
    return {
        "op": "hello", "protocol": 1, "name": "iproute2", "adapter_version": ADAPTER_VERSION,
        "library": "iproute2", "library_version": version.group(1) if version else out.strip(),
        "libbpf_version": libbpf.group(1) if libbpf else "none",
        "supports": ["pin_root", "data_in", "repeat", "ctx_in"],
    }
