"""The BTF string section: ``StringTable`` (offset -> string, string -> offset)."""

from __future__ import annotations

from refloader.errors import BTFError


class StringTable:
    """The BTF string section: NUL-terminated strings addressed by byte offset."""

    def __init__(self, raw: bytes) -> None:
        self._raw = bytearray(raw)
        self._by_off: dict[int, str] = {}
        self._by_str: dict[str, int] | None = None

    def get(self, off: int) -> str:
        """The string at ``off``; raise BTFError when out of range."""
        s = self._by_off.get(off)
        if s is not None:
            return s
        if off == 0 and not self._raw:
            return ""
        if off < 0 or off >= len(self._raw):
            raise BTFError(f"BTF string offset {off} out of range ({len(self._raw)} bytes)",
                           section=".BTF")
        end = self._raw.find(b"\0", off)
        if end < 0:
            raise BTFError(f"BTF string at offset {off} is not NUL-terminated", section=".BTF")
        s = self._raw[off:end].decode("utf-8", "replace")
        self._by_off[off] = s
        return s

    def index_all(self) -> None:
        """Decode every string now (an ASCII table only: one decode and split); ``get`` of
        a string's start is then a dict hit instead of a find and decode each."""
        if not self._raw.isascii():
            return
        parts = self._raw.decode("ascii").split("\0")
        parts.pop()  # after the last NUL: not a terminated string
        by_off, off = self._by_off, 0
        for part in parts:
            by_off[off] = part
            off += len(part) + 1

    def offset_of(self, s: str, hint: int | None = None) -> int:
        """The offset of ``s``, ``hint`` first if it holds ``s``; append ``s`` if missing."""
        if hint is not None and self._by_off.get(hint) == s:
            return hint
        if hint is not None and self.get(hint) == s:
            return hint
        if self._by_str is None:
            self._by_str = {}
            pos = 0
            raw = bytes(self._raw)
            for part in raw.split(b"\0")[:-1] if raw else []:
                self._by_str.setdefault(part.decode("utf-8", "replace"), pos)
                pos += len(part) + 1
        off = self._by_str.get(s)
        if off is None:
            if not self._raw:
                self._raw.append(0)
                self._by_str[""] = 0
            off = len(self._raw)
            self._raw += s.encode() + b"\0"
            self._by_str[s] = off
        self._by_off[off] = s
        return off

    def replace_in_place(self, off: int, new: str) -> None:
        """Overwrite the string at ``off`` with ``new`` of the same length (libbpf style)."""
        old = self.get(off)
        enc = new.encode()
        if len(enc) != len(old.encode()):
            raise BTFError("in-place string replacement must keep the length", section=".BTF")
        self._raw[off:off + len(enc)] = enc
        self._by_off[off] = new
        self._by_str = None

    def raw(self) -> bytes:
        """The section bytes."""
        return bytes(self._raw)
