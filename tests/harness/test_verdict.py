from __future__ import annotations

from pathlib import Path

import pytest

from harness.adapters.protocol import RunReply
from harness.run.verdict import (
    Outcome,
    Verdict,
    apply_known_failure,
    control_check,
    judge,
    negative_with_control,
)
from harness.suite.discovery import Expectations
from harness.suite.expectations import KnownFailure

SOURCE = "/* purpose */\nint x;\nASSERT_EQ(x, 7); /* unpatched: 0 */\nreturn 0;\n"


def _exp(expect: str) -> Expectations:
    return Expectations(behaviour="data.data", expect=expect, level="required")


def _reply(phase: str, retval: int | None = None, error: str | None = None) -> RunReply:
    return RunReply(id=1, phase=phase, retval=retval, errno=22 if error else None,  # type: ignore[arg-type]
                    error=error, verifier_log="0: R1=ctx" if phase == "load" else None)


@pytest.mark.parametrize(
    ("expect", "reply", "verdict", "reason_has", "line"),
    [
        ("pass", _reply("done", 0), Verdict.PASS, "", None),
        ("pass", _reply("done", 3), Verdict.FAIL, "assertion failed at t/x.bpf.c:3", 3),
        ("pass", _reply("done", 999), Verdict.FAIL, "returned 999, which is not a line", 999),
        ("pass", _reply("load", error="verifier said no"), Verdict.FAIL,
         "loader refused a valid object: load failed (errno 22): verifier said no", None),
        ("pass", _reply("open", error="bad ELF"), Verdict.FAIL, "open failed", None),
        ("pass", _reply("run", error="no such program"), Verdict.FAIL, "run failed", None),
        ("load_error", _reply("load", error="rejected"), Verdict.PASS, "rejected as expected",
         None),
        ("load_error", _reply("open", error="rejected"), Verdict.PASS, "rejected as expected",
         None),
        ("load_error", _reply("done", 0), Verdict.FAIL, "accepted an object it must refuse",
         None),
        ("load_error", _reply("run", error="test run failed"), Verdict.FAIL,
         "expected load_error, but run failed", None),
        ("open_error", _reply("open", error="rejected"), Verdict.PASS, "rejected", None),
        ("open_error", _reply("load", error="late"), Verdict.FAIL,
         "expected open_error, but load failed", None),
        ("open_error", _reply("done", 0), Verdict.FAIL, "must refuse", None),
    ],
    ids=["pass-ret0", "pass-ret-line", "pass-ret-not-a-line", "pass-load-failed",
         "pass-open-failed", "pass-run-failed", "load_error-load-failed",
         "load_error-open-failed", "load_error-ran", "load_error-run-failed",
         "open_error-open-failed", "open_error-load-failed", "open_error-ran"],
)
def test_judge_follows_the_protocol_table(
    tmp_path: Path, expect: str, reply: RunReply, verdict: Verdict, reason_has: str,
    line: int | None,
) -> None:
    src = tmp_path / "x.bpf.c"
    src.write_text(SOURCE)
    outcome = judge(_exp(expect), reply, src, "t/x.bpf.c")
    assert outcome.verdict is verdict
    assert reason_has in outcome.reason
    assert outcome.line == line


def test_a_failed_assertion_carries_its_source_line(tmp_path: Path) -> None:
    src = tmp_path / "x.bpf.c"
    src.write_text(SOURCE)
    outcome = judge(_exp("pass"), _reply("done", 3), src, "t/x.bpf.c")
    assert outcome.source_line == "ASSERT_EQ(x, 7); /* unpatched: 0 */"


def test_a_refused_valid_object_carries_the_verifier_log(tmp_path: Path) -> None:
    outcome = judge(_exp("pass"), _reply("load", error="EACCES"), tmp_path / "x.bpf.c", "x")
    assert outcome.verifier_log == "0: R1=ctx"


PASS, FAIL, ERROR, SKIP = (Outcome(Verdict.PASS), Outcome(Verdict.FAIL, "f", phase="load"),
                           Outcome(Verdict.ERROR, "crash"), Outcome(Verdict.SKIP, "s"))


@pytest.mark.parametrize(
    ("first", "control", "verdict", "reason_has"),
    [
        (PASS, FAIL, Verdict.PASS, ""),
        (PASS, PASS, Verdict.FAIL, "insensitive: also passes against control BTF /c.btf"),
        (PASS, ERROR, Verdict.ERROR, "control run: crash"),
        (FAIL, PASS, Verdict.FAIL, "f"),
    ],
    ids=["control-fails", "control-passes-too", "control-crashes", "first-run-failed"],
)
def test_the_control_btf_run_must_not_pass(
    first: Outcome, control: Outcome, verdict: Verdict, reason_has: str
) -> None:
    outcome = control_check(first, control, "/c.btf")
    assert outcome.verdict is verdict
    assert reason_has in outcome.reason


@pytest.mark.parametrize(
    ("outcome", "known", "verdict"),
    [
        (FAIL, "upstream bug", Verdict.XFAIL),
        (PASS, "upstream bug", Verdict.XPASS),
        (ERROR, "upstream bug", Verdict.ERROR),
        (SKIP, "upstream bug", Verdict.SKIP),
        (FAIL, None, Verdict.FAIL),
        (PASS, None, Verdict.PASS),
    ],
    ids=["listed-fail-is-xfail", "listed-pass-is-xpass", "listed-error-stays-error",
         "listed-skip-stays-skip", "unlisted-fail", "unlisted-pass"],
)
def test_known_failures_turn_fail_into_xfail_and_pass_into_xpass(
    outcome: Outcome, known: str | None, verdict: Verdict
) -> None:
    entry = None if known is None else KnownFailure("k", "xfail", known, phase="load",
                                                     match=".")
    assert apply_known_failure(outcome, entry).verdict is verdict


def test_a_listed_item_failing_another_way_is_fail_known_failure_changed() -> None:
    entry = KnownFailure("k", "xfail", "aya lacks X", line=21)
    other_line = Outcome(Verdict.FAIL, "assertion failed at x:30", line=30, phase="done")
    got = apply_known_failure(other_line, entry)
    assert got.verdict is Verdict.FAIL
    assert got.reason.startswith("known failure changed: expected the assertion at line 21")
    same = Outcome(Verdict.FAIL, "assertion failed at x:21", line=21, phase="done")
    assert apply_known_failure(same, entry).verdict is Verdict.XFAIL


def test_an_internal_error_is_error_never_a_refusal(tmp_path: Path) -> None:
    src = tmp_path / "x.bpf.c"
    src.write_text(SOURCE)
    crash = RunReply(id=1, phase="load", error="internal error: TypeError: boom",
                     error_kind="internal")
    for expect in ("pass", "load_error", "open_error"):
        got = judge(_exp(expect), crash, src, "t/x.bpf.c")
        assert got.verdict is Verdict.ERROR
        assert "adapter internal error (not a refusal)" in got.reason


@pytest.mark.parametrize(("control", "verdict", "reason_has"), [
    (Outcome(Verdict.PASS), Verdict.PASS, "rejected as expected"),
    (Outcome(Verdict.FAIL, "loader refused a valid object: open failed: no kconfig",
             phase="open"), Verdict.FAIL, "cannot judge the refusal"),
    (Outcome(Verdict.FAIL, "assertion failed at x:9", line=9, phase="done"), Verdict.FAIL,
     "cannot judge the refusal"),
    (Outcome(Verdict.ERROR, "adapter crashed"), Verdict.ERROR, "positive control: adapter"),
], ids=["control-passes", "control-refused", "control-asserts", "control-crashes"])
def test_a_refusal_is_a_pass_only_when_the_positive_control_passes(
    control: Outcome, verdict: Verdict, reason_has: str
) -> None:
    refusal = Outcome(Verdict.PASS, "rejected as expected: load failed: no", phase="load")
    got = negative_with_control(refusal, control)
    assert got.verdict is verdict
    assert reason_has in got.reason
    assert got.control is control
    if control.verdict is Verdict.FAIL:
        assert (got.line, got.phase) == (control.line, control.phase)  # pinnable


@pytest.mark.parametrize(("retval", "verdict", "reason_has"), [
    (1, Verdict.PASS, ""),
    (0, Verdict.FAIL, "program returned 0, expected retval 1"),
    (3, Verdict.FAIL, "program returned 3, expected retval 1"),
])
def test_an_expected_retval_replaces_zero_and_reports_no_line(
    tmp_path: Path, retval: int, verdict: Verdict, reason_has: str
) -> None:
    # sk_lookup's verifier limits the return to SK_DROP/SK_PASS: `.conform` retval=1
    src = tmp_path / "x.bpf.c"
    src.write_text(SOURCE)
    exp = Expectations(behaviour="data.data", expect="pass", level="required", retval=1)
    outcome = judge(exp, _reply("done", retval), src, "t/x.bpf.c")
    assert outcome.verdict is verdict
    assert reason_has in outcome.reason
    assert outcome.line is None


PANIC = "internal error: panic: runtime error: slice bounds out of range [:44] (parseMap)"
CRASH = KnownFailure("k", "xfail", "the SDK panics on 20-byte map defs", phase="open",
                     match=r"slice bounds out of range .*parseMap", crash=True)


def _crash_outcome(tmp_path: Path, phase: str = "open", error: str = PANIC) -> Outcome:
    src = tmp_path / "x.bpf.c"
    src.write_text(SOURCE)
    reply = RunReply(id=1, phase=phase, error=error, error_kind="internal")  # type: ignore[arg-type]
    return judge(_exp("pass"), reply, src, "t/x.bpf.c")


def test_a_listed_crash_is_an_xfail_only_as_the_pinned_crash(tmp_path: Path) -> None:
    got = apply_known_failure(_crash_outcome(tmp_path), CRASH)
    assert got.verdict is Verdict.XFAIL and "[known crash:" in got.reason
    other = apply_known_failure(_crash_outcome(tmp_path, error="internal error: nil map"), CRASH)
    assert other.verdict is Verdict.FAIL and "known failure changed" in other.reason
    later = apply_known_failure(_crash_outcome(tmp_path, phase="load"), CRASH)
    assert later.verdict is Verdict.FAIL


def test_a_listed_crash_does_not_take_a_refusal_and_an_unlisted_crash_stays_error(
        tmp_path: Path) -> None:
    refused = Outcome(Verdict.FAIL, "loader refused a valid object: open failed: EINVAL",
                      phase="open")
    got = apply_known_failure(refused, CRASH)
    assert got.verdict is Verdict.FAIL and "expected the library to crash" in got.reason
    plain = KnownFailure("k", "xfail", "refused", phase="open", match="slice bounds")
    assert apply_known_failure(_crash_outcome(tmp_path), plain).verdict is Verdict.ERROR


def test_crash_entries_are_pinned_by_phase_and_match(tmp_path: Path) -> None:
    from harness.suite.expectations import ExpectationsError, load_known_failures
    path = tmp_path / "x.toml"
    path.write_text('["a/b.bpf.c::p"]\nreason = "r"\ncrash = true\nline = 3\n')
    with pytest.raises(ExpectationsError, match="crash = true"):
        load_known_failures(path)
    path.write_text('["a/b.bpf.c::p"]\nreason = "r"\ncrash = "yes"\nphase = "open"\n'
                    'match = "x"\n')
    with pytest.raises(ExpectationsError, match="crash must be"):
        load_known_failures(path)
    path.write_text('["a/b.bpf.c::p"]\nreason = "r"\ncrash = true\nphase = "open"\nmatch = "x"\n')
    assert load_known_failures(path)["a/b.bpf.c::p"].crash
