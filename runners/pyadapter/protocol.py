"""The adapter side of docs/adapter-protocol.md (version 1) that does not depend on the
loader: the validated `run` request, the `run` reply, and the `hello` reply's shape."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any, Self

PROTOCOL = 1
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
    #: "refused" (the loader, or the kernel in one of the adapter's own calls, said no) or
    #: "internal" (a bad request, an unsupported field, the loader's process killed by a
    #: signal or timed out, the adapter's own failure); None when done
    error_kind: str | None = None

    def fail(self, phase: str, error: str, err: int | None = None) -> Self:
        """Record a refusal in `phase`: the loader (or the kernel) said no."""
        self.phase, self.error, self.errno, self.error_kind = phase, error, err, "refused"
        return self

    def internal(self, phase: str, error: str, err: int | None = None) -> Self:
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
    def parse(cls, obj: dict[str, Any], *, not_hex: str = "'{key}' is not hex") -> Request:
        """Validate a decoded request; raise BadRequest. `not_hex` words the error for a
        `data_in` or `ctx_in` that is not hex (`{key}`: which one)."""
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
        data = _hex(obj, "data_in", not_hex)
        ctx = _hex(obj, "ctx_in", not_hex)
        return cls(obj.get("id"), obj["elf"], obj["program"], obj["pin_root"],
                   obj.get("btf_custom_path"), DEFAULT_DATA_IN if data is None else data,
                   repeat, ctx)


def _hex(obj: dict[str, Any], key: str, not_hex: str) -> bytes | None:
    """The bytes of hex field `key`, None when it is absent, null or empty."""
    try:
        return bytes.fromhex(obj[key]) if obj.get(key) else None
    except ValueError as exc:
        raise BadRequest(f"bad request: {not_hex.format(key=key)}: {exc}") from exc


def hello_reply(name: str, adapter_version: str, library: str, library_version: str,
                libbpf_version: str, supports: list[str]) -> dict[str, Any]:
    """The `hello` reply, its keys in the protocol's order."""
    return {
        "op": "hello",
        "protocol": PROTOCOL,
        "name": name,
        "adapter_version": adapter_version,
        "library": library,
        "library_version": library_version,
        "libbpf_version": libbpf_version,
        "supports": supports,
    }
