"""bpfconform lint: the whole tree is clean; each rule catches its bad snippet."""

from __future__ import annotations

from pathlib import Path

import pytest

from harness import lint

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
	ASSERT_EQ(v, 1);
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
}


def _lint(tmp_path: Path, text: str) -> list[lint.Finding]:
    src = tmp_path / "x.bpf.c"
    src.write_text(text)
    return lint.lint_file(src, INCLUDE, "x.bpf.c")


@pytest.fixture(autouse=True)
def _libclang() -> None:
    lint.cindex()  # LintUnavailable fails the test: the dev extra installs the bindings


def test_the_whole_tree_is_lint_clean() -> None:
    findings = lint.lint_tree(ROOT / "bpf-src")
    assert [str(f) for f in findings] == []
    assert len(lint.test_sources(ROOT / "bpf-src")) > 100


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
    assert _lint(tmp_path, neg) == []
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
