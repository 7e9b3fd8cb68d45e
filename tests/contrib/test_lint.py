"""bpfconform lint: the whole tree is clean; each rule catches its bad snippet."""

from __future__ import annotations

from pathlib import Path

import pytest

from harness.contrib import lint

ROOT = Path(__file__).resolve().parents[2]
INCLUDE = ROOT / "bpf-src" / "include"

GOOD = """\
/* A good test. */
#include "conformance.h"

int v = 1;

TEST(good, "data.data", "pass", "required");
SEC("socket")
int good(void *ctx)
{
	ASSERT_EQ(v, 1);  /* unpatched (.data not written): 0 */
	if (v > 5)
		return __LINE__;
	PASS();
}
"""

BAD = {
    "purpose": GOOD.replace("/* A good test. */\n", "#define X 1\n"),
    "libbpf-header": GOOD.replace('#include "conformance.h"',
                                  '#include "conformance.h"\n#include <bpf/bpf_helpers.h>'),
    "metadata": GOOD.replace('TEST(good, "data.data", "pass", "required");\n', ""),
    "return": GOOD.replace("\tPASS();\n", "\treturn v;\n"),
    "todo": GOOD.replace("int v = 1;", "int v = 1;  /* TODO: a second value */"),
    "placeholder": GOOD.replace("/* A good test. */", "/* TODO one line: what it checks */"),
    "unpatched": GOOD.replace("  /* unpatched (.data not written): 0 */", ""),
    "vocabulary": GOOD.replace('"required");', '"mandatory");'),
    "control": GOOD.replace('"pass", "required");', '"load_error", "required");'),
}


def _lint(tmp_path: Path, text: str) -> list[lint.Finding]:
    src = tmp_path / "x.bpf.c"
    src.write_text(text)
    return lint.lint_file(src, INCLUDE, "x.bpf.c")


@pytest.fixture(autouse=True)
def _libclang() -> None:
    lint.cindex()  # LintUnavailable fails the test: the dev extra installs the bindings


def test_the_whole_tree_is_lint_clean() -> None:
    result = lint.run(ROOT / "bpf-src", ROOT / "suite" / "catalogue.toml")
    assert [str(f) for f in result.findings] == []
    assert result.files > 100


def test_a_good_snippet_has_no_findings(tmp_path: Path) -> None:
    assert _lint(tmp_path, GOOD) == []


@pytest.mark.parametrize("rule", sorted(BAD), ids=sorted(BAD))
def test_each_rule_reports_its_bad_snippet_with_file_and_line(tmp_path: Path, rule: str) -> None:
    findings = _lint(tmp_path, BAD[rule])
    assert [f.rule for f in findings] == [rule]
    assert str(findings[0]).startswith(f"x.bpf.c:{findings[0].line}: ")
    assert findings[0].line >= 1


def test_a_return_of_a_checking_function_is_checked_through_it(tmp_path: Path) -> None:
    text = GOOD.replace("int good(void *ctx)\n{", "static __noinline int check(void)\n{\n"
                        "\treturn 7;\n}\nSEC(\"socket\")\nint good(void *ctx)\n{\n"
                        "\treturn check();\n", 1).replace('SEC("socket")\nstatic', "static")
    findings = _lint(tmp_path, text)
    assert [f.rule for f in findings] == ["return"]
    assert "checking function of program 'good'" in findings[0].message


def test_a_waiver_with_a_reason_accepts_a_return(tmp_path: Path) -> None:
    text = BAD["return"].replace("return v;", "return v;  /* lint: return-ok dead code */")
    assert _lint(tmp_path, text) == []


def test_negative_and_fixture_programs_are_exempt_from_the_return_rule(tmp_path: Path) -> None:
    neg = BAD["return"].replace('"pass"', '"load_error"')
    fixture = BAD["return"].replace('TEST(good, "data.data", "pass", "required");',
                                    'CONFORM(good, "role", "fixture");')
    assert [f.rule for f in _lint(tmp_path, neg)] == ["control"]  # but no return finding
    assert _lint(tmp_path, fixture) == []


def test_the_cli_exits_non_zero_and_prints_file_line(tmp_path: Path,
                                                     capsys: pytest.CaptureFixture[str]) -> None:
    from harness.cli import main

    bad = tmp_path / "bad.bpf.c"
    bad.write_text(BAD["return"])
    assert main(["lint", str(bad)]) == 1
    out = capsys.readouterr().out
    assert f"{bad}:13: a return in program 'good'" in out
    assert main(["lint"]) == 0


def test_a_negative_program_with_its_control_has_no_finding(tmp_path: Path) -> None:
    text = BAD["control"].replace(
        'SEC("socket")', 'CONFORM(good, "control", "define");\n#ifdef CONFORM_CONTROL\n'
        "#endif\nSEC(\"socket\")", 1)
    assert _lint(tmp_path, text) == []


def test_a_comment_above_a_group_of_assertions_covers_them(tmp_path: Path) -> None:
    text = GOOD.replace("\tASSERT_EQ(v, 1);  /* unpatched (.data not written): 0 */\n",
                        "\t/* unpatched (.data not written): 0 for both */\n"
                        "\tASSERT_EQ(v, 1);\n\tASSERT_NE(v, 0);\n")
    assert _lint(tmp_path, text) == []
    assert [f.rule for f in _lint(tmp_path, text.replace("\tASSERT_NE", "\n\tASSERT_NE"))] \
        == ["unpatched"]


def test_a_family_wrapper_is_expanded_for_the_vocabulary(tmp_path: Path) -> None:
    text = GOOD.replace('TEST(good, "data.data", "pass", "required");',
                        "#define FAM_TEST(p, id, level) TEST(p, id, \"pass\", level)\n"
                        'FAM_TEST(good, "data.data", "sometimes");')
    assert [f.rule for f in _lint(tmp_path, text)] == ["vocabulary"]


CATALOGUE_ENTRY = """
["data.data"]
family = "data"
title = "a title"
ref = "libbpf: somewhere"
evidence = ["https://github.com/libbpf/libbpf/issues/1"]
mutation = "a sentence"
"""


@pytest.mark.parametrize(("change", "rule", "line"), [
    (("", ""), None, 0),
    (('title = "a title"\n', ""), "catalogue", 2),
    (('mutation = "a sentence"', 'mutation = "TODO: what"'), "catalogue", 7),
    (('["https://github.com/libbpf/libbpf/issues/1"]', "[]"), "evidence", 6),
    (('["https://github.com/libbpf/libbpf/issues/1"]', '["/work/shared/BEHAVIOURS.md"]'),
     "evidence", 6),
], ids=["complete", "no-title", "todo-mutation", "no-evidence", "local-evidence"])
def test_the_catalogue_entry_needs_every_field_and_upstream_evidence(
        tmp_path: Path, change: tuple[str, str], rule: str | None, line: int) -> None:
    cat = tmp_path / "catalogue.toml"
    cat.write_text(CATALOGUE_ENTRY.replace(*change))
    findings = lint.lint_catalogue(cat, ["data.data"], "catalogue.toml")
    assert [(f.rule, f.line) for f in findings] == ([] if rule is None else [(rule, line)])
    assert all(str(f).startswith(f"catalogue.toml:{f.line}: ") for f in findings)


def test_a_known_gap_is_named_not_failing_and_a_fixed_one_is_stale(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    src = tmp_path / "bpf-src" / "data"
    src.mkdir(parents=True)
    (src / "x.bpf.c").write_text(BAD["unpatched"])
    (tmp_path / "bpf-src" / "include").symlink_to(INCLUDE)
    cat = tmp_path / "catalogue.toml"
    cat.write_text(CATALOGUE_ENTRY.replace('["https://github.com/libbpf/libbpf/issues/1"]', "[]"))
    monkeypatch.setattr(lint, "KNOWN_GAPS", {"unpatched": frozenset({"data/x.bpf.c"}),
                                             "evidence": frozenset({"data.data"})})
    result = lint.run(tmp_path / "bpf-src", cat)
    assert result.findings == []
    assert sorted((f.rule, f.subject) for f in result.known) == [
        ("evidence", "data.data"), ("unpatched", "data/x.bpf.c")]
    (src / "x.bpf.c").write_text(GOOD)
    stale = lint.run(tmp_path / "bpf-src", cat).findings
    assert [(f.rule, f.subject) for f in stale] == [("stale-gap", "data/x.bpf.c")]
