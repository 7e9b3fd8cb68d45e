"""Known failures per adapter: `suite/expectations/<adapter>.toml`.

```toml
["data/rodata.bpf.c::rodata_signed"]
verdict = "xfail"
reason = "aya reads .rodata as unsigned"
link = "https://github.com/aya-rs/aya/issues/NNN"
```
An entry without a reason is an error. A listed item that FAILs is XFAIL; one that passes
is XPASS, which fails the run until the table is updated.

An optional `kernels = "<6.1"` limits the entry to the kernels it fails on (comma-separated
clauses, all must hold: `">=5.10, <6.4"`; operators `<`, `<=`, `>`, `>=`, `==` on
`major.minor` of the run's kernel release); on any other kernel the item is judged as if
unlisted, so a failure that an old kernel causes does not hide a regression on a new one,
and a pass there is no XPASS.
"""

from __future__ import annotations

import operator
import re
import tomllib
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

VERDICTS = ("xfail",)


class ExpectationsError(Exception):
    """A malformed expectations table (names the file and the entry)."""


_OPS: dict[str, Callable[[tuple[int, int], tuple[int, int]], bool]] = {
    "<=": operator.le, ">=": operator.ge, "==": operator.eq, "<": operator.lt, ">": operator.gt}
_CLAUSE = re.compile(r"^\s*(<=|>=|==|<|>)\s*(\d+)\.(\d+)\s*$")
_RELEASE = re.compile(r"(\d+)\.(\d+)")


def _clauses(spec: str) -> list[tuple[str, tuple[int, int]]] | None:
    """`">=5.10, <6.4"` as (operator, (major, minor)) pairs; None if malformed."""
    out = []
    for part in spec.split(","):
        m = _CLAUSE.match(part)
        if m is None:
            return None
        out.append((m.group(1), (int(m.group(2)), int(m.group(3)))))
    return out


@dataclass(frozen=True)
class KnownFailure:
    """One listed item: why it is expected to fail, the upstream reference, and optionally
    the kernels it fails on."""

    key: str
    verdict: str
    reason: str
    link: str = ""
    kernels: str = ""

    def describe(self) -> str:
        """`reason (link)` for reports, with the kernel range when there is one."""
        text = f"{self.reason} ({self.link})" if self.link else self.reason
        return f"{text} [kernels {self.kernels}]" if self.kernels else text

    def applies_to(self, kernel: str) -> bool:
        """Whether the entry holds on `kernel` (a run's kernel id such as
        `host-6.1.0-37-amd64`): always without `kernels`, or when no version is in it."""
        if not self.kernels:
            return True
        m = _RELEASE.search(kernel)
        clauses = _clauses(self.kernels)
        if m is None or clauses is None:
            return True
        version = (int(m.group(1)), int(m.group(2)))
        return all(_OPS[op](version, bound) for op, bound in clauses)


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
        unknown = set(entry) - {"verdict", "reason", "link", "kernels"}
        if unknown:
            raise ExpectationsError(f"{where}: unknown field(s) {sorted(unknown)}")
        verdict = entry.get("verdict", "xfail")
        if verdict not in VERDICTS:
            raise ExpectationsError(f"{where}: verdict must be one of {VERDICTS}")
        reason = entry.get("reason")
        if not isinstance(reason, str) or not reason.strip():
            raise ExpectationsError(f"{where}: has no reason")
        kernels = entry.get("kernels", "")
        if not isinstance(kernels, str) or (kernels and _clauses(kernels) is None):
            raise ExpectationsError(f"{where}: kernels must be like \">=5.10, <6.4\" "
                                    f"(operators < <= > >= == on major.minor), got {kernels!r}")
        table[key] = KnownFailure(key, verdict, reason, str(entry.get("link", "")), kernels)
    return table


def expectations_path(suite_dir: Path, adapter: str) -> Path:
    """Where the expectations of `adapter` live."""
    return suite_dir / "expectations" / f"{adapter}.toml"
