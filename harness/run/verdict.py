"""Verdicts: a reply plus a program's expectations -> PASS/FAIL/ERROR/SKIP/XFAIL/XPASS.

The table is docs/adapter-protocol.md's. FAIL means the loader gave a wrong answer; ERROR
means the adapter or the harness broke. A FAIL with retval N carries `file:N` and that
line of the program's source (the .bpf.c the object was built from).

Every verdict must be right for the right reason, so the rules fail closed:
* a reply with `error_kind = "internal"` (the adapter or library broke) is ERROR, never a
  refusal and never a FAIL;
* a negative item (`expect=load_error|open_error`) is PASS only when the loader refuses the
  defective object AND loads and runs its positive control (`negative_with_control`);
* an XFAIL holds only for the failure its expectations entry pins (line, or phase + match);
  any other failure of a listed item is FAIL "known failure changed";
* a SKIP has a kind: `probe` (a recorded feature probe said absent), `unsupported` (the
  adapter lacks a request field), `not_run` (a probe the item requires was not run).
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from enum import StrEnum
from pathlib import Path

from harness.adapters.protocol import RunReply
from harness.suite.discovery import Expectations
from harness.suite.expectations import KnownFailure


class Verdict(StrEnum):
    """The outcome of one (program, adapter) item."""

    PASS = "PASS"
    FAIL = "FAIL"
    ERROR = "ERROR"
    SKIP = "SKIP"
    XFAIL = "XFAIL"
    XPASS = "XPASS"


class SkipKind(StrEnum):
    """Why an item was not run (results.json `skip_kind`)."""

    PROBE = "probe"  # a kernel/compiler probe ran and recorded the feature absent
    UNSUPPORTED = "unsupported"  # the adapter does not list a request field the item needs
    NOT_RUN = "not_run"  # a probe the item requires was not run


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
    skip_kind: SkipKind | None = None
    #: the reply phase a FAIL comes from (`done` for a wrong retval or an accepted negative)
    phase: str | None = None
    #: the positive control's outcome (negative items), when it ran
    control: Outcome | None = None
    #: a SKIP(unsupported) listed in the adapter's expectations table (`verdict = "skip"`)
    listed: bool = False
    #: the expectations entry an XFAIL matched (its class, upstream and fixed_in)
    known: KnownFailure | None = None
    #: an ERROR because the adapter or its library broke (`error_kind = "internal"`)
    internal: bool = False

    @property
    def probe_skip(self) -> bool:
        """A SKIP decided by a feature probe that ran and recorded the feature absent."""
        return self.verdict is Verdict.SKIP and self.skip_kind is SkipKind.PROBE


def skip(kind: SkipKind, reason: str, probe: str | None = None) -> Outcome:
    """A SKIP of `kind`."""
    return Outcome(Verdict.SKIP, reason, probe=probe, skip_kind=kind)


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
    """The verdict for one reply, per the table in docs/adapter-protocol.md.

    A negative item's PASS here only says the object was refused; `negative_with_control`
    makes it a real PASS once the control has loaded and run.
    """
    log = reply.verifier_log
    if reply.internal:
        return Outcome(Verdict.ERROR, f"adapter internal error (not a refusal): "
                       f"{_failure(reply)}", verifier_log=log, phase=reply.phase,
                       internal=True)
    if exp.expect == "pass":
        if reply.phase != "done":
            return Outcome(Verdict.FAIL, f"loader refused a valid object: {_failure(reply)}",
                           verifier_log=log, phase=reply.phase)
        if reply.retval == exp.retval:
            return Outcome(Verdict.PASS)
        n = reply.retval
        assert n is not None
        if exp.retval != 0:  # a type whose return is limited (sk_lookup): no line to show
            return Outcome(Verdict.FAIL, f"program returned {n}, expected retval {exp.retval}",
                           phase="done")
        text = source_line(source, n)
        if text is None:
            return Outcome(Verdict.FAIL,
                           f"program returned {n}, which is not a line of {rel}", line=n,
                           phase="done")
        return Outcome(Verdict.FAIL, f"assertion failed at {rel}:{n}", line=n,
                       source_line=text, phase="done")
    wanted = ("open",) if exp.expect == "open_error" else ("open", "load")
    if reply.phase in wanted:
        return Outcome(Verdict.PASS, f"rejected as expected: {_failure(reply)}",
                       verifier_log=log, phase=reply.phase)
    if reply.phase == "done":
        return Outcome(Verdict.FAIL,
                       f"loader accepted an object it must refuse ({exp.expect}); "
                       f"program ran and returned {reply.retval}", phase="done")
    return Outcome(Verdict.FAIL, f"expected {exp.expect}, but {_failure(reply)}",
                   verifier_log=log, phase=reply.phase)


def negative_with_control(refusal: Outcome, control: Outcome) -> Outcome:
    """A negative item's verdict from its refusal and its positive control's run.

    The refusal proves something only if the same object without the defect loads and runs:
    a control that fails makes the item FAIL ("cannot judge the refusal"), with the control's
    line/phase so that an expectations entry can pin it.
    """
    if refusal.verdict is not Verdict.PASS:
        return replace(refusal, control=control)
    if control.verdict is Verdict.PASS:
        return replace(refusal, control=control)
    if control.verdict is Verdict.FAIL:
        return Outcome(Verdict.FAIL, "cannot judge the refusal: the positive control "
                       f"(CONFORM_CONTROL build) did not pass: {control.reason}",
                       line=control.line, source_line=control.source_line,
                       verifier_log=control.verifier_log, phase=control.phase,
                       control=control)
    return replace(control, reason=f"positive control: {control.reason}", control=control)


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
                       f"insensitive: also passes against control BTF {control_path}",
                       phase="done")
    return first


def apply_known_failure(outcome: Outcome, known: KnownFailure | None) -> Outcome:
    """FAIL of a listed item -> XFAIL when it is the pinned failure, else FAIL "known failure
    changed"; PASS of a listed item -> XPASS (which fails the run). A `crash = true` entry
    expects the library to break (an internal ERROR) at its pinned phase with its message:
    that ERROR is the XFAIL, and anything else, a refusal included, does not match."""
    if known is None or known.verdict != "xfail":
        return outcome
    if known.crash and outcome.verdict in (Verdict.FAIL, Verdict.ERROR):
        changed = (known.mismatch(None, outcome.phase, outcome.reason) if outcome.internal
                   else f"expected the library to crash, got {outcome.reason}")
        if changed is not None:
            return replace(outcome, verdict=Verdict.FAIL, reason=(
                f"known failure changed: {changed} [listed: {known.describe()}]"))
        return replace(outcome, verdict=Verdict.XFAIL, known=known,
                       reason=f"{outcome.reason} [known crash: {known.describe()}]")
    if outcome.verdict is Verdict.FAIL:
        changed = known.mismatch(outcome.line, outcome.phase, outcome.reason)
        if changed is not None:
            return replace(outcome, reason=f"known failure changed: {changed} "
                           f"[listed: {known.describe()}]")
        return replace(outcome, verdict=Verdict.XFAIL, known=known,
                       reason=f"{outcome.reason} [known: {known.describe()}]")
    if outcome.verdict is Verdict.PASS:
        return replace(outcome, verdict=Verdict.XPASS,
                       reason=f"listed as a known failure ({known.describe()}) but passed: "
                              "update suite/expectations/")
    return outcome
