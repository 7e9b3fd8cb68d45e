"""Mutation check: each required program must notice when the loader skips its behaviour.

The loader's `skip` switch (the reference loader's) makes it deliberately not perform a
catalogue behaviour. Each required program then gets a `kind` saying how the mutation was
caught:
* `assert`: the program ran and returned the line of one of its own assertions (or, for a
  type whose return is limited, a wrong retval): the test observed the behaviour itself;
* `refused`: the object or this program was refused. It counts as sensitive only when the
  catalogue entry says the behaviour can only ever show as a refusal (`sensitivity =
  "refusal"` with a one-line reason); for every other pass-program only `assert` counts;
* `refused_other`: refused at the load of *another* program of the object (the adapter's
  `failed_program`, when it is neither this one nor one it attaches or triggers): it proves
  nothing for this one;
* `loads` (negative programs): the refusal went away under the mutation: sensitive;
* `kernel_enforced` (negative programs): still refused, and the catalogue says the kernel
  refuses it whatever the loader does (`kernel_enforced = "why"`);
* `not_sensitive`: passes (or stays refused) under the mutation;
* `not_checkable`: a recorded feature probe SKIPs the program on this kernel;
* `unchecked`: it does not pass unmutated, so the mutation cannot be judged;
* `error`: the adapter refused the skip id or broke.
`unchecked`, `error`, `not_sensitive`, `refused_other` and an unexplained `refused` fail
the check.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path

from harness.run.runner import AdapterRun, Result
from harness.run.verdict import Verdict, source_line
from harness.suite.catalogue import CatalogueError
from harness.suite.catalogue import read as read_catalogue
from harness.suite.discovery import DiscoveryError, Item

NEGATIVE = ("load_error", "open_error")


class Kind(StrEnum):
    """How the mutation check found one program (`--json`'s `kind`)."""

    ASSERT = "assert"
    REFUSED = "refused"
    REFUSED_OTHER = "refused_other"
    LOADS = "loads"
    KERNEL_ENFORCED = "kernel_enforced"
    NOT_SENSITIVE = "not_sensitive"
    NOT_CHECKABLE = "not_checkable"
    UNCHECKED = "unchecked"
    ERROR = "error"


#: kinds that prove the program sensitive whatever the catalogue says
SENSITIVE_KINDS = frozenset({Kind.ASSERT, Kind.LOADS})
#: kinds that are no failure of the check: nothing the loader or the program got wrong
NEUTRAL_KINDS = frozenset({Kind.KERNEL_ENFORCED, Kind.NOT_CHECKABLE})


@dataclass(frozen=True)
class Check:
    """One program's finding and why."""

    item: Item
    rule: str  # "pass" or "negative": which rule applied
    kind: Kind
    reason: str = ""
    #: the catalogue's `sensitivity = "refusal"` reason, when the behaviour allows it
    refusal_ok: str | None = None

    @property
    def sensitive(self) -> bool:
        """Proven sensitive: by its own assertion, by loading (negatives), or by a refusal
        the catalogue explains."""
        return self.kind in SENSITIVE_KINDS or (self.kind is Kind.REFUSED
                                                and self.refusal_ok is not None)

    @property
    def ok(self) -> bool:
        """No failure of the check."""
        return self.sensitive or self.kind in NEUTRAL_KINDS

    def line(self) -> str:
        """`not_sensitive d/x.bpf.c::p: passes with skip=[data.data]`."""
        return f"{self.kind} {self.item.id}: {self.reason}"

    def to_json(self) -> dict[str, object]:
        """The `--json` record."""
        return {"item": self.item.id, "behaviour": self.item.expectations.behaviour
                if self.item.expectations else None, "rule": self.rule,
                "kind": str(self.kind), "sensitive": self.sensitive, "ok": self.ok,
                "reason": self.reason, "refusal_reason": self.refusal_ok}


@dataclass(frozen=True)
class Refusal:
    """A behaviour whose mutation can only show as a refusal: why (`sensitivity_reason`)
    and which refusals are the tested one (`sensitivity_refusal`): (phase, text in the
    loader's error or the verifier log)."""

    reason: str
    pins: tuple[tuple[str, str], ...]

    def explains(self, phase: str | None, text: str) -> bool:
        """Whether a refusal at `phase` with `text` (error and verifier log) is one of the
        pinned ones."""
        return any(p == phase and t in text for p, t in self.pins)

    def expected(self) -> str:
        """`load: 'write into map forbidden' or run: 'EINVAL'`."""
        return " or ".join(f"{p}: {t!r}" for p, t in self.pins)


@dataclass(frozen=True)
class CatalogueRules:
    """What the catalogue says about how a behaviour's mutation may show."""

    kernel_enforced: Mapping[str, str]
    refusal: Mapping[str, Refusal]


def catalogue_rules(catalogue: Path) -> CatalogueRules:
    """`kernel_enforced` and `sensitivity = "refusal"` (with `sensitivity_reason`) per id."""
    try:
        data = read_catalogue(catalogue)
    except CatalogueError as exc:
        raise DiscoveryError(str(exc)) from exc
    enforced = {k: str(v["kernel_enforced"]) for k, v in data.items()
                if isinstance(v, dict) and v.get("kernel_enforced")}
    refusal: dict[str, Refusal] = {}
    for k, v in data.items():
        if not isinstance(v, dict) or "sensitivity" not in v:
            continue
        why = v.get("sensitivity_reason")
        if v["sensitivity"] != "refusal" or not isinstance(why, str) or not why.strip():
            raise DiscoveryError(f"{catalogue}: [{k}] sensitivity must be \"refusal\" with a "
                                 "one-line sensitivity_reason")
        refusal[k] = Refusal(why, _pins(catalogue, k, v.get("sensitivity_refusal")))
    return CatalogueRules(enforced, refusal)


PHASES = ("open", "load", "run")


def _pins(catalogue: Path, key: str, raw: object) -> tuple[tuple[str, str], ...]:
    """`sensitivity_refusal`: a non-empty list of "phase: text" (the refusal is for the
    tested reason only when it is at that phase and the text is in the loader's error or
    the verifier log); required beside `sensitivity = "refusal"`: fail closed."""
    usage = (f"{catalogue}: [{key}] sensitivity = \"refusal\" needs sensitivity_refusal = "
             "[\"<open|load|run>: <text of the expected refusal>\", ...]")
    if not isinstance(raw, list) or not raw:
        raise DiscoveryError(usage)
    pins = []
    for entry in raw:
        phase, _, text = str(entry).partition(": ")
        if phase not in PHASES or not text.strip():
            raise DiscoveryError(f"{usage}; not {entry!r}")
        pins.append((phase, text))
    return tuple(pins)


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


def _assertion_line(source: Path, line: int | None) -> bool:
    """Whether `line` of `source` is one of the program's assertions (an ASSERT* macro or a
    `return __LINE__`), not some other number the program happened to return."""
    if line is None:
        return False
    text = source_line(source, line) or ""
    return "ASSERT" in text or "__LINE__" in text


def check(item: Item, plain: AdapterRun, mutated: AdapterRun, rules: CatalogueRules) -> Check:
    """Run `item` unmutated, then with its behaviour skipped, and judge the pair."""
    exp = item.expectations
    assert exp is not None
    rule = "negative" if exp.expect in NEGATIVE else "pass"
    skip = exp.behaviour
    baseline = plain.run(item)
    if baseline.outcome.probe_skip:
        return Check(item, rule, Kind.NOT_CHECKABLE,
                     f"not checkable on this kernel: {_first_line(baseline.outcome.reason)}")
    if baseline.verdict is not Verdict.PASS:
        return Check(item, rule, Kind.UNCHECKED, f"{baseline.verdict} without mutation "
                     f"({_first_line(baseline.outcome.reason)})")
    result = mutated.run(item)
    refused = skip_refused(result, skip)
    if refused is not None:
        return Check(item, rule, Kind.ERROR,
                     f"adapter refused skip=[{skip}]: {_first_line(refused)}")
    if result.verdict is Verdict.ERROR:
        return Check(item, rule, Kind.ERROR, f"with skip=[{skip}]: "
                     f"{_first_line(result.outcome.reason)}")
    reply = result.reply
    if rule == "pass":
        o = result.outcome
        if result.verdict is Verdict.PASS:
            return Check(item, rule, Kind.NOT_SENSITIVE, f"passes with skip=[{skip}]")
        if result.verdict is not Verdict.FAIL:
            return Check(item, rule, Kind.UNCHECKED, f"{result.verdict} with skip=[{skip}] "
                         f"({_first_line(o.reason)})")
        if o.phase == "done":
            if _assertion_line(item.source, o.line) or exp.retval != 0:
                return Check(item, rule, Kind.ASSERT, _first_line(o.source_line or o.reason))
            return Check(item, rule, Kind.NOT_SENSITIVE, f"returned {o.line}, which is not "
                         f"one of its assertions, with skip=[{skip}]")
        other = reply.failed_program if reply is not None else None
        # the programs the item attaches (and its trigger) are part of the item: their
        # refusal is the item's own (a sleepable lsm/fentry program without its flag)
        own = {item.program, *exp.attach, *([exp.trigger] if exp.trigger else [])}
        if other is not None and other not in own:
            return Check(item, rule, Kind.REFUSED_OTHER, f"refused at the load of another "
                         f"program ({other}) with skip=[{skip}]: {_first_line(o.reason)}")
        why = f"refused at {o.phase} with skip=[{skip}]: {_first_line(o.reason)}"
        explained = rules.refusal.get(skip)
        if explained is None:
            return Check(item, rule, Kind.REFUSED, why)
        if not explained.explains(o.phase, f"{o.reason}\n{reply.verifier_log if reply else ''}"):
            return Check(item, rule, Kind.REFUSED, f"{why}; not the refusal the catalogue "
                         f"explains ({explained.expected()})")
        return Check(item, rule, Kind.REFUSED, why, refusal_ok=explained.reason)
    if reply is not None and reply.phase in ("run", "done"):
        return Check(item, rule, Kind.LOADS)
    phase = reply.phase if reply is not None else "?"
    why = f"still refused at {phase} with skip=[{skip}] ({_first_line(result.outcome.reason)})"
    if skip in rules.kernel_enforced:
        return Check(item, rule, Kind.KERNEL_ENFORCED,
                     f"{why}; catalogue: {rules.kernel_enforced[skip]}")
    return Check(item, rule, Kind.NOT_SENSITIVE, why)


def summary(checks: Iterable[Check]) -> list[str]:
    """The count lines, one per rule: sensitive of total, then every kind's count (pass-
    programs: how many by assertion, how many by an explained refusal)."""
    lines = []
    checks = list(checks)
    for rule, label in (("pass", "required expect=pass programs"),
                        ("negative", "required expect=load_error/open_error programs")):
        mine = [c for c in checks if c.rule == rule]
        n = Counter(c.kind for c in mine)
        sensitive = sum(c.sensitive for c in mine)
        explained = sum(c.kind is Kind.REFUSED and c.sensitive for c in mine)
        kinds = ", ".join(f"{n[k]} {k}" for k in Kind if n[k])
        extra = f"; {explained} of the refusals explained by the catalogue" if explained else ""
        detail = f" ({kinds}{extra})" if kinds else ""
        lines.append(f"{sensitive}/{len(mine)} {label} sensitive{detail}")
    n_off = sum(c.kind is Kind.NOT_CHECKABLE for c in checks)
    lines.append(f"{n_off} required programs not checkable on this kernel (feature probe)")
    return lines


def proven(checks: Iterable[Check]) -> bool:
    """True when every check is sensitive, kernel-enforced, or not checkable on this kernel."""
    return all(c.ok for c in checks)
