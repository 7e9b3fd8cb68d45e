"""Mutation check: each required program must notice when the loader skips its behaviour.

The loader's `skip` switch (the reference loader's) makes it deliberately not perform a
catalogue behaviour. Then
* a required `expect=pass` program must FAIL (its assertion or its load);
* a required `expect=load_error`/`open_error` program must LOAD: the loader skipped the
  check that refuses it. If the kernel refuses the object whatever the loader does, the
  catalogue entry says so (`kernel_enforced = "why"`) and the program is reported as
  kernel-enforced, apart from both the sensitive and the insensitive ones.
A program whose unmutated run SKIPs by a recorded feature probe (the kernel lacks what it
needs) is NOT-CHECKABLE on this kernel: listed with the probe's reason, not a failure of the
check. Any other program that does not pass unmutated cannot be checked (UNCHECKED); an
adapter that refuses the skip id itself (it does not know it) or breaks is an ERROR. None of
these counts as sensitive; UNCHECKED and ERROR fail the check.
"""

from __future__ import annotations

import tomllib
from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path

from harness.discovery import DiscoveryError, Item
from harness.runner import AdapterRun, Result
from harness.verdict import Verdict

NEGATIVE = ("load_error", "open_error")


class Finding(StrEnum):
    """What the mutation check found for one program."""

    SENSITIVE = "SENSITIVE"
    INSENSITIVE = "INSENSITIVE"
    KERNEL_ENFORCED = "KERNEL-ENFORCED"
    NOT_CHECKABLE = "NOT-CHECKABLE"
    UNCHECKED = "UNCHECKED"
    ERROR = "ERROR"


@dataclass(frozen=True)
class Check:
    """One program's finding and why."""

    item: Item
    kind: str  # "pass" or "negative": which rule applied
    finding: Finding
    reason: str = ""

    def line(self) -> str:
        """`INSENSITIVE d/x.bpf.c::p: passes with skip=[data.data]`."""
        return f"{self.finding} {self.item.id}: {self.reason}"


def kernel_enforced(catalogue: Path) -> dict[str, str]:
    """Behaviour id -> why the kernel refuses its negative programs whatever the loader does."""
    try:
        data = tomllib.loads(catalogue.read_text())
    except (OSError, tomllib.TOMLDecodeError) as exc:
        raise DiscoveryError(f"{catalogue}: cannot read the behaviour catalogue: {exc}") from exc
    return {k: str(v["kernel_enforced"]) for k, v in data.items()
            if isinstance(v, dict) and v.get("kernel_enforced")}


def targets(items: Iterable[Item]) -> list[Item]:
    """Required programs without discovery errors: the ones the check covers."""
    return [i for i in items if i.error is None and i.expectations is not None
            and i.expectations.level == "required"]


def _first_line(text: str | None) -> str:
    return text.splitlines()[0] if text else ""


def skip_refused(result: Result, skip: str) -> str | None:
    """The adapter's error when it refused the skip id itself (an unknown id), else None.

    An adapter that does not know an id replies with an error naming it (protocol: "other
    adapters reply with an error"); a loader failing for a real reason never names a
    catalogue id.
    """
    reply = result.reply
    if reply is None or reply.phase == "done" or not reply.error:
        return None
    return reply.error if skip in reply.error else None


def check(item: Item, plain: AdapterRun, mutated: AdapterRun,
          enforced: Mapping[str, str]) -> Check:
    """Run `item` unmutated, then with its behaviour skipped, and judge the pair."""
    exp = item.expectations
    assert exp is not None
    kind = "negative" if exp.expect in NEGATIVE else "pass"
    skip = exp.behaviour
    baseline = plain.run(item)
    if baseline.outcome.probe_skip:
        return Check(item, kind, Finding.NOT_CHECKABLE,
                     f"not checkable on this kernel: {_first_line(baseline.outcome.reason)}")
    if baseline.verdict is not Verdict.PASS:
        return Check(item, kind, Finding.UNCHECKED, f"{baseline.verdict} without mutation "
                     f"({_first_line(baseline.outcome.reason)})")
    result = mutated.run(item)
    refused = skip_refused(result, skip)
    if refused is not None:
        return Check(item, kind, Finding.ERROR,
                     f"adapter refused skip=[{skip}]: {_first_line(refused)}")
    if result.verdict is Verdict.ERROR:
        return Check(item, kind, Finding.ERROR, f"with skip=[{skip}]: "
                     f"{_first_line(result.outcome.reason)}")
    if kind == "pass":
        if result.verdict is Verdict.FAIL:
            return Check(item, kind, Finding.SENSITIVE)
        if result.verdict is Verdict.PASS:
            return Check(item, kind, Finding.INSENSITIVE, f"passes with skip=[{skip}]")
        return Check(item, kind, Finding.UNCHECKED, f"{result.verdict} with skip=[{skip}] "
                     f"({_first_line(result.outcome.reason)})")
    reply = result.reply
    if reply is not None and reply.phase in ("run", "done"):
        return Check(item, kind, Finding.SENSITIVE)
    phase = reply.phase if reply is not None else "?"
    why = f"still refused at {phase} with skip=[{skip}] ({_first_line(result.outcome.reason)})"
    if skip in enforced:
        return Check(item, kind, Finding.KERNEL_ENFORCED, f"{why}; catalogue: {enforced[skip]}")
    return Check(item, kind, Finding.INSENSITIVE, why)


def summary(checks: Iterable[Check]) -> list[str]:
    """The count lines, one per rule: sensitive of total, and what the rest are; then how
    many programs this kernel cannot check (a feature probe recorded the feature absent)."""
    lines = []
    checks = list(checks)
    for kind, label in (("pass", "required expect=pass programs"),
                        ("negative", "required expect=load_error/open_error programs")):
        mine = [c for c in checks if c.kind == kind]
        n = Counter(c.finding for c in mine)
        rest = ", ".join(f"{n[f]} {f.lower()}" for f in Finding
                         if f is not Finding.SENSITIVE and n[f])
        lines.append(f"{n[Finding.SENSITIVE]}/{len(mine)} {label} sensitive"
                     + (f" ({rest})" if rest else ""))
    n_off = sum(c.finding is Finding.NOT_CHECKABLE for c in checks)
    lines.append(f"{n_off} required programs not checkable on this kernel (feature probe)")
    return lines


def proven(checks: Iterable[Check]) -> bool:
    """True when every check is sensitive, kernel-enforced, or not checkable on this kernel
    (a recorded probe: nothing the loader or the program got wrong)."""
    return all(c.finding in (Finding.SENSITIVE, Finding.KERNEL_ENFORCED, Finding.NOT_CHECKABLE)
               for c in checks)
