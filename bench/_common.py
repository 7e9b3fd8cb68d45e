"""Helpers the bench scripts share (imported as `_common`: scripts run from bench/)."""

from __future__ import annotations

from pathlib import Path

from elftools.elf.elffile import ELFFile


def conform(path: Path) -> dict[str, dict[str, str]]:
    """The object's `.conform` entries (`prog:key=value`, NUL-separated), by program."""
    with path.open("rb") as f:
        sec = ELFFile(f).get_section_by_name(".conform")
        raw = sec.data() if sec is not None else b""
    out: dict[str, dict[str, str]] = {}
    for item in raw.split(b"\0"):
        if b":" in item and b"=" in item:
            prog, kv = item.decode().split(":", 1)
            key, value = kv.split("=", 1)
            out.setdefault(prog, {})[key] = value
    return out
