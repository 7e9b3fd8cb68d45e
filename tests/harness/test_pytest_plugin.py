"""The pytest plugin, driven through pytester against the real libbpf adapter."""

from __future__ import annotations

import shutil
import xml.etree.ElementTree as ET
from importlib.metadata import entry_points
from pathlib import Path

import pytest
from require import require_adapter

from harness.run.runner import REPO_ROOT

pytest_plugins = ["pytester"]

GOOD = """/* plugin test: passes and fails */
#include "conformance.h"

int counter = 7;

TEST(good, "data.data", "pass", "required");
SEC("socket") int good(void *ctx)
{
	ASSERT_EQ(counter, 7); /* unpatched: 0 */
	return 0;
}

TEST(bad, "data.data", "pass", "required");
SEC("socket") int bad(void *ctx)
{
	ASSERT_EQ(counter, 8); /* fails on purpose */
	return 0;
}

TEST(known, "data.data", "pass", "optional");
SEC("socket") int known(void *ctx)
{
	ASSERT_EQ(counter, 9); /* fails, and is listed as a known failure */
	return 0;
}

TEST(fixed, "data.data", "pass", "optional");
SEC("socket") int fixed(void *ctx)
{
	return 0; /* listed as a known failure, but passes */
}

SEC("socket") int unannotated(void *ctx)
{
	return 0;
}
"""

KNOWN = """["data/x.bpf.c::known"]
reason = "listed on purpose"
link = "https://example.invalid/1"
line = 23

["data/x.bpf.c::fixed"]
reason = "listed on purpose, passes"
line = 27
"""


@pytest.fixture
def suite(pytester: pytest.Pytester) -> Path:
    require_adapter("libbpf")
    root = pytester.path
    (root / "suite" / "expectations").mkdir(parents=True)
    (root / "suite" / "catalogue.toml").write_text('["data.data"]\ntitle = "t"\n')
    (root / "suite" / "expectations" / "libbpf.toml").write_text(KNOWN)
    shutil.copytree(REPO_ROOT / "bpf-src" / "include", root / "bpf-src" / "include")
    (root / "bpf-src" / "data").mkdir()
    (root / "bpf-src" / "data" / "x.bpf.c").write_text(GOOD)
    return root


def _args(root: Path, *extra: str) -> list[str]:
    installed = any(ep.name == "bpfconform" for ep in entry_points(group="pytest11"))
    plugin = [] if installed else ["-p", "harness.pytest_plugin"]
    return [*plugin, "suite", "--adapter", "libbpf", "--bpf-src", str(root / "bpf-src"),
            *extra]


def test_items_are_one_per_program_and_adapter_with_readable_ids(
    pytester: pytest.Pytester, suite: Path
) -> None:
    result = pytester.runpytest(*_args(suite, "--collect-only", "-q"))
    result.stdout.fnmatch_lines([
        "suite/data/x.bpf.c::good[[]libbpf[]]",
        "suite/data/x.bpf.c::bad[[]libbpf[]]",
        "suite/data/x.bpf.c::known[[]libbpf[]]",
        "suite/data/x.bpf.c::fixed[[]libbpf[]]",
        "suite/data/x.bpf.c::unannotated[[]libbpf[]]",
    ])


def test_a_fail_shows_the_c_lines_around_the_failed_assertion(
    pytester: pytest.Pytester, suite: Path
) -> None:
    result = pytester.runpytest(*_args(suite, "-rA"))
    result.assert_outcomes(passed=1, failed=3, xfailed=1)
    result.stdout.fnmatch_lines([
        "*FAIL data/x.bpf.c::bad [[]libbpf[]]*",
        "*data/x.bpf.c:16: FAIL: program returned 16*",
        " 0015 {",
        ">0016 \tASSERT_EQ(counter, 8); /* fails on purpose */",
        " 0017 \treturn 0;",
    ])
    result.stdout.fnmatch_lines(["XPASS data/x.bpf.c::fixed [[]libbpf[]]*",
                                 "listed as a known failure*but passed*"])
    result.stdout.fnmatch_lines(["*program 'unannotated' has no .conform metadata*"])
    result.stdout.fnmatch_lines(["XFAIL suite/data/x.bpf.c::known[[]libbpf[]]*listed on purpose*"])


def test_junitxml_works_as_usual(pytester: pytest.Pytester, suite: Path) -> None:
    pytester.runpytest(*_args(suite, "--junitxml", "out.xml"))
    cases = list(ET.parse(suite / "out.xml").iter("testcase"))
    assert len(cases) == 5
    bad = next(c for c in cases if c.get("name") == "bad[libbpf]")
    assert bad.find("failure") is not None
    assert bad.get("classname") == "suite.data.x.bpf.c"
    assert "x.bpf.c:16" in (bad.findtext("failure") or "")


def test_reportinfo_points_at_the_program_definition(
    pytester: pytest.Pytester, suite: Path
) -> None:
    items, _ = pytester.inline_genitems(*_args(suite))
    bad = next(i for i in items if i.name == "bad[libbpf]")
    path, line, _ = bad.reportinfo()
    assert Path(path).name == "x.bpf.c"
    assert GOOD.splitlines()[line or 0] == 'SEC("socket") int bad(void *ctx)'


def test_an_unknown_adapter_is_one_clear_collection_error(
    pytester: pytest.Pytester, suite: Path
) -> None:
    args = _args(suite)
    args[args.index("libbpf")] = "nosuch"
    result = pytester.runpytest(*args)
    result.stdout.fnmatch_lines(["*unknown adapter 'nosuch' (known: *"])
    assert result.ret != 0
