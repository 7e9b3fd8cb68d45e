"""Known failures per adapter: `suite/expectations/<adapter>.toml`.

```toml
["data/rodata.bpf.c::rodata_signed"]
verdict = "xfail"
reason = "aya reads .rodata as unsigned"
link = "https://github.com/aya-rs/aya/issues/NNN"
```
An entry without a reason is an error. A listed item that FAILs is XFAIL; one that passes
is XPASS, which fails the run until the table is updated.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from pathlib import Path

VERDICTS = ("xfail",)


class ExpectationsError(Exception):
    """A malformed expectations table (names the file and the entry)."""


@dataclass(frozen=True)
class KnownFailure:
    """One listed item: why it is expected to fail, and the upstream reference."""

    key: str
    verdict: str
    reason: str
    link: str = ""

    def describe(self) -> str:
        """`reason (link)` for reports."""
        return f"{self.reason} ({self.link})" if self.link else self.reason


def load_known_failures(path: Path) -> dict[str, KnownFailure]:
    """The entries of one expectations file; a missing file means none."""
    if not path.exists():
        return {}
    try:
        data = tomllib.loads(path.read_text())
    except (OSError, tomllib.TOMLDecodeError) as exc:
        raise ExpectationsError(f"{path}: {exc}") from exc
    table: dict[str, KnownFailure] = {}
    for key, entry in data.items():
        where = f"{path}: entry {key!r}"
        if "::" not in key:
            raise ExpectationsError(f"{where}: key must be '<path under bpf-src>::<program>'")
        if not isinstance(entry, dict):
            raise ExpectationsError(f"{where}: must be a table")
        unknown = set(entry) - {"verdict", "reason", "link"}
        if unknown:
            raise ExpectationsError(f"{where}: unknown field(s) {sorted(unknown)}")
        verdict = entry.get("verdict", "xfail")
        if verdict not in VERDICTS:
            raise ExpectationsError(f"{where}: verdict must be one of {VERDICTS}")
        reason = entry.get("reason")
        if not isinstance(reason, str) or not reason.strip():
            raise ExpectationsError(f"{where}: has no reason")
        table[key] = KnownFailure(key, verdict, reason, str(entry.get("link", "")))
    return table


def expectations_path(suite_dir: Path, adapter: str) -> Path:
    """Where the expectations of `adapter` live."""
    return suite_dir / "expectations" / f"{adapter}.toml"
