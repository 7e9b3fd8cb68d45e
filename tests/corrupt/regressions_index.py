"""tests/corrupt/regressions/index.toml: inputs that once crashed the reference loader.

One table per input file:

    ["fuzz-open-0123456789ab.o"]
    target = "open"            # fuzz_ops target (open: open_object; btf: Btf/BtfExt.parse)
    found_by = "..."           # corpus mutation or fuzz seed
    crash = "..."              # exception and innermost frame when found
    signature = "..."          # fuzz_ops.Crash.signature(), for de-duplication
    xfail = "..."              # present while the bug is not fixed; delete once it is
"""

from __future__ import annotations

import json
import tomllib
from dataclasses import dataclass
from pathlib import Path

INDEX = Path(__file__).resolve().parent / "regressions" / "index.toml"


@dataclass(frozen=True)
class Entry:
    """One regression input."""

    file: str
    target: str
    found_by: str
    crash: str
    signature: str
    xfail: str | None = None


def load_index(path: Path = INDEX) -> dict[str, Entry]:
    """Every entry, by file name (empty when there is no index yet)."""
    if not path.exists():
        return {}
    data = tomllib.loads(path.read_text())
    return {name: Entry(name, str(t["target"]), str(t.get("found_by", "")),
                        str(t.get("crash", "")), str(t.get("signature", "")),
                        str(t["xfail"]) if "xfail" in t else None)
            for name, t in data.items()}


def append_entry(entry: Entry, path: Path = INDEX) -> None:
    """Add one entry at the end of the index (strings written as TOML basic strings)."""
    lines = [f"\n[{json.dumps(entry.file)}]", f"target = {json.dumps(entry.target)}",
             f"found_by = {json.dumps(entry.found_by)}", f"crash = {json.dumps(entry.crash)}",
             f"signature = {json.dumps(entry.signature)}"]
    if entry.xfail:
        lines.append(f"xfail = {json.dumps(entry.xfail)}")
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("a") as fh:
        fh.write("\n".join(lines) + "\n")
