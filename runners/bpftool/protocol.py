"""The bpftool adapter's side of docs/adapter-protocol.md (version 1): the validated `run`
request, the reply, and the `hello` reply (bpftool's version, asked once per process)."""

from __future__ import annotations

import json
import subprocess
from dataclasses import dataclass, field
from typing import Any

ADAPTER_VERSION = "0.2.0"
DEFAULT_DATA_IN = bytes(64)
SUPPORTS = ["pin_root", "data_in", "repeat", "ctx_in"]


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
    #: "refused" (bpftool exited non-zero: libbpf or the kernel declined; or the kernel
    #: refused the test run) or "internal" (a bad request, an unsupported field, bpftool
    #: killed by a signal or timed out, the adapter's own failure); None when done
    error_kind: str | None = None

    def fail(self, phase: str, error: str, err: int | None = None) -> Reply:
        """Record a refusal in `phase`: bpftool (or the kernel) said no."""
        self.phase, self.error, self.errno, self.error_kind = phase, error, err, "refused"
        return self

    def internal(self, phase: str, error: str, err: int | None = None) -> Reply:
        """Record a failure in `phase` that is not bpftool's verdict on the object."""
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
        fields = ("elf", "program", "pin_root", "btf_custom_path", "data_in", "ctx_in")
        for key in fields:
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
        except ValueError as exc:
            raise BadRequest(f"bad request: 'data_in' is not hex: {exc}") from exc
        try:
            ctx = bytes.fromhex(obj["ctx_in"]) if obj.get("ctx_in") else None
        except ValueError as exc:
            raise BadRequest(f"bad request: 'ctx_in' is not hex: {exc}") from exc
        return cls(
            obj.get("id"),
            obj["elf"],
            obj["program"],
            obj["pin_root"],
            obj.get("btf_custom_path"),
            data,
            repeat,
            ctx,
        )


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
    return {
        "op": "hello",
        "protocol": 1,
        "name": "bpftool",
        "adapter_version": ADAPTER_VERSION,
        "library": "bpftool",
        "library_version": str(version.get("version", "unknown")),
        "libbpf_version": str(version.get("libbpf_version", "unknown")),
        "supports": SUPPORTS,
    }
