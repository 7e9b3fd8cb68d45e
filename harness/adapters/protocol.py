"""Records of the adapter protocol (docs/adapter-protocol.md), and their JSON forms.

Only data and (de)serialisation live here; spawning adapters is `harness.adapters.client`'s job.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from typing import Any, Literal

PROTOCOL_VERSION = 1

Phase = Literal["open", "load", "run", "done"]
PHASES: tuple[Phase, ...] = ("open", "load", "run", "done")
#: a failed reply's `error_kind`: the library declined the object (`refused`), or the adapter
#: or library broke (`internal`: a panic, an exception, a bad request), which is never a
#: refusal. Absent means `refused` (protocol 1 adapters that predate the field).
ErrorKind = Literal["refused", "internal"]
ERROR_KINDS: tuple[ErrorKind, ...] = ("refused", "internal")


class ProtocolError(Exception):
    """An adapter said something the protocol does not allow."""

    def __init__(self, message: str, line: str | None = None) -> None:
        super().__init__(message)
        self.line = line


@dataclass(frozen=True)
class Hello:
    """The adapter's answer to `{"op": "hello"}`."""

    name: str
    adapter_version: str
    library: str
    library_version: str
    supports: tuple[str, ...] = ()
    protocol: int = PROTOCOL_VERSION

    @classmethod
    def from_json(cls, obj: dict[str, Any]) -> Hello:
        """Build from a decoded reply; raise ProtocolError if a field is missing."""
        try:
            return cls(
                name=str(obj["name"]),
                adapter_version=str(obj.get("adapter_version", "")),
                library=str(obj.get("library", obj["name"])),
                library_version=str(obj.get("library_version", "")),
                supports=tuple(str(s) for s in obj.get("supports", ())),
                protocol=int(obj.get("protocol", PROTOCOL_VERSION)),
            )
        except (KeyError, TypeError, ValueError) as exc:
            raise ProtocolError(f"bad hello reply: {exc!r}") from exc


@dataclass(frozen=True)
class RunRequest:
    """One `run` request: load the whole object, test-run one program."""

    id: int
    elf: str
    program: str
    pin_root: str
    data_in: str
    btf_custom_path: str | None = None
    repeat: int = 1
    skip: tuple[str, ...] = ()
    #: hex ctx_in; sent only when set (only to adapters listing `ctx_in`)
    ctx_in: str | None = None
    #: programs to attach, and the one to test-run, before `program`; sent only when set
    #: (only to adapters listing `attach`)
    attach: tuple[str, ...] = ()
    trigger: str | None = None
    #: the iterator program whose iterator is made and read to its end before `program`;
    #: sent only when set (only to adapters listing `read_iter`)
    read_iter: str | None = None
    #: the extension (freplace) program loaded against `program` and attached before it
    #: runs: (object path, program); sent only when set (only to adapters listing
    #: `extension`) as {"elf": ..., "program": ...}
    extension: tuple[str, str] | None = None

    def to_json(self) -> str:
        """Serialise as one JSON line (without the newline)."""
        obj: dict[str, Any] = {"op": "run", **asdict(self)}
        obj["skip"] = list(self.skip)
        if self.ctx_in is None:
            del obj["ctx_in"]
        if self.attach:
            obj["attach"] = list(self.attach)
        else:
            del obj["attach"]
        if self.trigger is None:
            del obj["trigger"]
        if self.read_iter is None:
            del obj["read_iter"]
        if self.extension is None:
            del obj["extension"]
        else:
            obj["extension"] = {"elf": self.extension[0], "program": self.extension[1]}
        return json.dumps(obj, separators=(",", ":"))


@dataclass(frozen=True)
class RunReply:
    """The adapter's answer to a `run` request."""

    id: int | None
    phase: Phase
    retval: int | None = None
    errno: int | None = None
    error: str | None = None
    verifier_log: str | None = None
    btf: str | None = None
    ns: dict[str, int] = field(default_factory=dict)
    error_kind: ErrorKind | None = None
    #: the program whose BPF_PROG_LOAD failed, when the adapter knows (a load failure of a
    #: whole-object load may come from another program than the tested one)
    failed_program: str | None = None

    @property
    def internal(self) -> bool:
        """The adapter or library broke: not a verdict of the loader on the object."""
        return self.phase != "done" and self.error_kind == "internal"

    @classmethod
    def from_json(cls, obj: dict[str, Any]) -> RunReply:
        """Build from a decoded reply; raise ProtocolError on a malformed one."""
        phase = obj.get("phase")
        if phase not in PHASES:
            raise ProtocolError(f"reply has no valid phase: {phase!r}")
        retval = obj.get("retval")
        if phase == "done" and not isinstance(retval, int):
            raise ProtocolError("reply with phase 'done' has no integer retval")
        ns_raw = obj.get("ns") or {}
        if not isinstance(ns_raw, dict):
            raise ProtocolError("reply field 'ns' is not an object")
        try:
            ns = {str(k): int(v) for k, v in ns_raw.items()}
        except (TypeError, ValueError) as exc:
            raise ProtocolError(f"reply field 'ns' has a non-integer value: {exc}") from exc
        rid = obj.get("id")
        errno = obj.get("errno")
        kind = obj.get("error_kind")
        if kind is not None and kind not in ERROR_KINDS:
            raise ProtocolError(f"reply has an invalid error_kind: {kind!r} "
                                f"(one of {', '.join(ERROR_KINDS)})")
        return cls(
            id=rid if isinstance(rid, int) else None,
            phase=phase,
            retval=retval if isinstance(retval, int) else None,
            errno=errno if isinstance(errno, int) else None,
            error=_opt_str(obj.get("error")),
            verifier_log=_opt_str(obj.get("verifier_log")),
            btf=_opt_str(obj.get("btf")),
            ns=ns,
            error_kind=kind,
            failed_program=_opt_str(obj.get("failed_program")),
        )


def decode_line(line: str) -> dict[str, Any]:
    """Decode one reply line into a JSON object, or raise ProtocolError."""
    try:
        obj = json.loads(line)
    except json.JSONDecodeError as exc:
        raise ProtocolError(f"adapter wrote a line that is not JSON: {exc}", line) from exc
    if not isinstance(obj, dict):
        raise ProtocolError("adapter wrote JSON that is not an object", line)
    return obj


def _opt_str(value: object) -> str | None:
    return None if value is None else str(value)
