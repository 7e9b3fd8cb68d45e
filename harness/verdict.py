"""Verdicts: a reply plus a program's expectations -> PASS/FAIL/ERROR/SKIP/XFAIL/XPASS.

The table is docs/adapter-protocol.md's. FAIL means the loader gave a wrong answer; ERROR
means the adapter or the harness broke. A FAIL with retval N carries `file:N` and that
line of the program's source (the .bpf.c the object was built from).
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from enum import StrEnum
from pathlib import Path

from harness.discovery import Expectations
from harness.protocol import RunReply


class Verdict(StrEnum):
    """The outcome of one (program, adapter) item."""

    PASS = "PASS"
    FAIL = "FAIL"
    ERROR = "ERROR"
    SKIP = "SKIP"
    XFAIL = "XFAIL"
    XPASS = "XPASS"


BAD_VERDICTS = frozenset({Verdict.FAIL, Verdict.ERROR, Verdict.XPASS})


@dataclass(frozen=True)
class Outcome:
    """A verdict with what explains it."""

    verdict: Verdict
    reason: str = ""
    line: int | None = None
    source_line: str | None = None
    verifier_log: str | None = None
    probe: str | None = None  # a SKIP's `requires` probe, when it ran and recorded absence

    @property
    def probe_skip(self) -> bool:
        """A SKIP decided by a feature probe that ran and recorded the feature absent."""
        return self.verdict is Verdict.SKIP and self.probe is not None


def source_line(path: Path, line: int) -> str | None:
    """Line `line` (1-based) of `path`, stripped, or None if there is no such line."""
    try:
        lines = path.read_text(errors="replace").splitlines()
    except OSError:
        return None
    return lines[line - 1].strip() if 1 <= line <= len(lines) else None


def _failure(reply: RunReply) -> str:
    errno = f" (errno {reply.errno})" if reply.errno is not None else ""
    return f"{reply.phase} failed{errno}: {reply.error or 'no error message'}"


def judge(exp: Expectations, reply: RunReply, source: Path, rel: str) -> Outcome:
    """The verdict for one reply, per the table in docs/adapter-protocol.md."""
    log = reply.verifier_log
    if exp.expect == "pass":
        if reply.phase != "done":
            return Outcome(Verdict.FAIL, f"loader refused a valid object: {_failure(reply)}",
                           verifier_log=log)
        if reply.retval == exp.retval:
            return Outcome(Verdict.PASS)
        n = reply.retval
        assert n is not None
        if exp.retval != 0:  # a type whose return is limited (sk_lookup): no line to show
            return Outcome(Verdict.FAIL, f"program returned {n}, expected retval {exp.retval}")
        text = source_line(source, n)
        if text is None:
            return Outcome(Verdict.FAIL,
                           f"program returned {n}, which is not a line of {rel}", line=n)
        return Outcome(Verdict.FAIL, f"assertion failed at {rel}:{n}", line=n,
                       source_line=text)
    wanted = ("open",) if exp.expect == "open_error" else ("open", "load")
    if reply.phase in wanted:
        return Outcome(Verdict.PASS, f"rejected as expected: {_failure(reply)}",
                       verifier_log=log)
    if reply.phase == "done":
        return Outcome(Verdict.FAIL,
                       f"loader accepted an object it must refuse ({exp.expect}); "
                       f"program ran and returned {reply.retval}")
    return Outcome(Verdict.FAIL, f"expected {exp.expect}, but {_failure(reply)}",
                   verifier_log=log)


def control_check(first: Outcome, control: Outcome, control_path: str) -> Outcome:
    """Combine a run against the real target BTF with one against the control BTF.

    The control run must NOT pass: a test passing against both is insensitive.
    """
    if first.verdict is not Verdict.PASS:
        return first
    if control.verdict is Verdict.ERROR:
        return replace(control, reason=f"control run: {control.reason}")
    if control.verdict is Verdict.PASS:
        return Outcome(Verdict.FAIL,
                       f"insensitive: also passes against control BTF {control_path}")
    return first


def apply_known_failure(outcome: Outcome, known_reason: str | None) -> Outcome:
    """FAIL of a listed item -> XFAIL; PASS of a listed item -> XPASS (which fails the run)."""
    if known_reason is None:
        return outcome
    if outcome.verdict is Verdict.FAIL:
        return replace(outcome, verdict=Verdict.XFAIL,
                       reason=f"{outcome.reason} [known: {known_reason}]")
    if outcome.verdict is Verdict.PASS:
        return replace(outcome, verdict=Verdict.XPASS,
                       reason=f"listed as a known failure ({known_reason}) but passed: "
                              "update suite/expectations/")
    return outcome
