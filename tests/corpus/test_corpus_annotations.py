"""bpf_misc.h annotations read from an object's BTF decl tags, and the verdicts they give."""

from __future__ import annotations

import pytest
from corpus_helpers import MIXED, Compile

from harness.corpus import corpus
from harness.corpus import corpus_annotations as ca


def test_decl_tags_on_each_program_are_read_from_btf(compile_c: Compile) -> None:
    progs, btf = corpus.read_object(compile_c("mixed", MIXED))
    assert progs == ["seven", "plain", "refused", "with_flags"]
    anns, problem = ca.read_annotations(btf, progs)
    assert problem is None
    assert set(anns) == {"seven", "refused", "with_flags"}  # `plain` carries no tag
    assert (anns["seven"].expect, anns["seven"].retval) == ("success", 7)
    assert anns["seven"].description == "returns seven"
    assert anns["refused"].expect == "failure"
    assert anns["refused"].msgs == ("invalid mem access 'scalar'",)
    assert anns["with_flags"].not_judged == (
        "needs BPF_PROG_LOAD flags BPF_F_ANY_ALIGNMENT (the protocol sends none)")


def test_an_object_without_btf_has_no_annotations() -> None:
    assert ca.read_annotations(None, ["p"]) == ({}, None)


def test_unreadable_btf_is_said_not_hidden() -> None:
    anns, problem = ca.read_annotations(b"\x9f\xeb", ["p"])
    assert anns == {} and problem is not None and problem.startswith(".BTF unreadable")


@pytest.mark.parametrize(("text", "value"), [
    pytest.param("0", 0, id="zero"), pytest.param("-1", -1, id="negative"),
    pytest.param("0xffff", 0xFFFF, id="hex"), pytest.param("TEST_DATA_LEN", 64, id="named"),
    pytest.param("INT_MIN", -(2**31), id="int-min"), pytest.param("1 + 1", None, id="expr"),
])
def test_retval_values_are_test_loaders(text: str, value: int | None) -> None:
    assert ca.parse_retval(text) == value


def test_pointer_value_means_any_value_once_it_ran() -> None:
    ann = ca.annotate(["test_expect_success", "test_retval=POINTER_VALUE"])
    assert ann is not None and (ann.retval, ann.any_retval, ann.not_judged) == (None, True, None)
    assert ca.judge(ann, "done", 0x1234, False)[0] == "PASS"
    assert ca.judge(ann, "run", None, False)[0] == "FAIL"


def test_an_auxiliary_program_is_not_judged_and_taints_its_object() -> None:
    aux = ca.annotate(["test_auxiliary"])
    assert aux is not None and aux.expect is None and aux.not_judged
    other = ca.annotate(["test_expect_success"], object_has_auxiliary=True)
    assert other is not None and other.not_judged and "auxiliary" in other.not_judged


def test_unprivileged_only_expectations_are_not_judged_as_root() -> None:
    ann = ca.annotate(["test_expect_failure_unpriv", "test_expect_msg_unpriv=1=x"])
    assert ann is not None and ann.expect is None and "unprivileged" in str(ann.not_judged)


def test_a_retval_alone_means_success_as_in_test_loader() -> None:
    ann = ca.annotate(["test_retval=3"])
    assert ann is not None and (ann.expect, ann.retval) == ("success", 3)


SUCCESS7 = ca.Annotation(("test_expect_success", "test_retval=7"), "success", 7)
SUCCESS = ca.Annotation(("test_expect_success",), "success")
FAILURE = ca.Annotation(("test_expect_failure",), "failure")


@pytest.mark.parametrize(("ann", "phase", "retval", "broke", "verdict"), [
    pytest.param(SUCCESS7, "done", 7, False, "PASS", id="success-returns-retval"),
    pytest.param(SUCCESS7, "done", 0, False, "FAIL", id="success-other-retval"),
    pytest.param(SUCCESS7, "run", None, False, "FAIL", id="success-retval-not-run"),
    pytest.param(SUCCESS, "run", None, False, "PASS", id="success-loaded-no-retval"),
    pytest.param(SUCCESS, "load", None, False, "FAIL", id="success-refused"),
    pytest.param(FAILURE, "load", None, False, "PASS", id="failure-refused-at-load"),
    pytest.param(FAILURE, "open", None, False, "FAIL", id="failure-refused-at-open-wrong-reason"),
    pytest.param(FAILURE, "done", 0, False, "FAIL", id="failure-loaded"),
    pytest.param(FAILURE, "load", None, True, "ERROR", id="broken-adapter-is-error"),
    pytest.param(ca.Annotation((), "success", not_judged="x"), "done", 0, False, "NOT_JUDGED",
                 id="not-judged"),
])
def test_verdicts(ann: ca.Annotation, phase: str, retval: int | None, broke: bool,
                  verdict: str) -> None:
    assert ca.judge(ann, phase, retval, broke)[0] == verdict


def test_retval_compares_as_unsigned_32_bit() -> None:
    neg = ca.Annotation(("test_retval=-1",), "success", -1)
    assert ca.judge(neg, "done", 0xFFFFFFFF, False)[0] == "PASS"
