from __future__ import annotations

import io
import json
import xml.etree.ElementTree as ET
from pathlib import Path

from harness.adapters.client import AdapterError
from harness.adapters.protocol import Hello
from harness.build.toolchain import Compiler
from harness.probes.probes import ProbeResult
from harness.report import report
from harness.run.runner import Result
from harness.run.verdict import Outcome, Verdict
from harness.suite.discovery import Expectations, Item


def _result(verdict: Verdict, program: str, **kw: object) -> Result:
    exp = Expectations(behaviour="data.data", expect="pass", level="required")
    item = Item(Path("/b/rodata.bpf.o"), Path("/s/data/rodata.bpf.c"), "data/rodata.bpf.c",
                program, expectations=exp)
    return Result(item, "libbpf", "host-6.18", "clang-19", Outcome(verdict, **kw),  # type: ignore[arg-type]
                  ns={"open": 10, "load": 20, "run": 30}, btf="loaded")


RESULTS = [
    _result(Verdict.PASS, "ok"),
    _result(Verdict.FAIL, "rodata_signed", reason="assertion failed at data/rodata.bpf.c:23",
            line=23, source_line="ASSERT_EQ(k, -3);"),
    _result(Verdict.ERROR, "crashy", reason="adapter libbpf: hung"),
    _result(Verdict.SKIP, "loopy", reason="requires bpf_loop: absent"),
    _result(Verdict.XFAIL, "known", reason="f [known: bug]"),
    _result(Verdict.XPASS, "fixed", reason="listed but passed"),
]
COMPILER = Compiler("clang-19", ("clang-19",), "19.1.7", 19, "debian")
HELLOS: dict[str, Hello | AdapterError] = {
    "libbpf": Hello("libbpf", "0.1", "libbpf", "1.4.6", ("pin_root",)),
    "aya": AdapterError("adapter aya: not built"),
}
META = report.meta("host-6.18", COMPILER, {"bpf_loop": ProbeResult("bpf_loop", True, "ok")},
                   HELLOS)


def test_results_json_has_meta_and_one_record_per_result(tmp_path: Path) -> None:
    report.write_reports(tmp_path, META, RESULTS)
    doc = json.loads((tmp_path / "results.json").read_text())
    assert doc["meta"]["adapters"]["libbpf"]["library_version"] == "1.4.6"
    assert doc["meta"]["adapters"]["aya"] == {"unavailable": "adapter aya: not built"}
    assert doc["meta"]["probes"]["bpf_loop"]["ok"] is True
    assert doc["meta"]["compiler"] == {"id": "clang-19", "version": "19.1.7"}
    fail = doc["results"][1]
    for key in ("program", "file", "behaviour", "adapter", "kernel", "compiler", "verdict",
                "line", "reason", "source_line", "verifier_log", "ns", "btf"):
        assert key in fail
    assert (fail["verdict"], fail["line"], fail["file"]) == ("FAIL", 23, "data/rodata.bpf.c")


def test_junit_xml_maps_verdicts_to_failures_errors_and_skips(tmp_path: Path) -> None:
    report.write_reports(tmp_path, META, RESULTS)
    cases = {c.get("name"): c for c in ET.parse(tmp_path / "junit.xml").iter("testcase")}
    assert cases["ok[libbpf]"].find("failure") is None
    assert cases["rodata_signed[libbpf]"].find("failure") is not None
    assert cases["crashy[libbpf]"].find("error") is not None
    assert cases["loopy[libbpf]"].find("skipped") is not None
    assert cases["known[libbpf]"].find("skipped") is not None
    assert cases["fixed[libbpf]"].find("failure") is not None


def test_the_summary_has_one_line_per_non_pass_and_the_counts() -> None:
    out = io.StringIO()
    report.print_summary(RESULTS, out)
    lines = out.getvalue().splitlines()
    assert lines[0] == "FAIL data/rodata.bpf.c:23 rodata_signed [libbpf]: ASSERT_EQ(k, -3);"
    assert lines[1] == "ERROR data/rodata.bpf.c crashy [libbpf]: adapter libbpf: hung"
    assert len(lines) == 6
    assert lines[-1] == "6 items: 1 pass, 1 fail, 1 error, 1 skip, 1 xfail, 1 xpass"


def test_the_default_summary_shows_only_what_needs_a_look() -> None:
    results = RESULTS
    quiet, loud = io.StringIO(), io.StringIO()
    report.print_summary(results, quiet, verbose=False)
    report.print_summary(results, loud)
    assert not any(line.startswith(("SKIP", "XFAIL")) for line in quiet.getvalue().splitlines())
    assert any(line.startswith("XFAIL") for line in loud.getvalue().splitlines())
    assert quiet.getvalue().splitlines()[-1] == loud.getvalue().splitlines()[-1]  # counts


def test_the_progress_line_redraws_in_place_and_counts_what_needs_a_look() -> None:
    out = io.StringIO()
    line = report.ProgressLine(out)
    for i, r in enumerate(RESULTS, 1):
        line(i, len(RESULTS), r)
    text = out.getvalue()
    assert text.count("\r\033[K") == len(RESULTS) and text.endswith("\n")
    assert "[6/6] 3 to look at" in text  # FAIL, ERROR and XPASS


def test_an_xfail_row_links_to_its_finding(tmp_path: Path) -> None:
    from harness.suite.expectations import KnownFailure

    known = KnownFailure("data/rodata.bpf.c::known", "xfail", "bug", line=23,
                         klass="divergence", upstream="unreported")
    xfail = _result(Verdict.XFAIL, "known", reason="f [known: bug]", known=known)
    report.write_reports(tmp_path, META, [xfail],
                         {"libbpf:data/rodata.bpf.c::known": "some-cause"})
    row = json.loads((tmp_path / "results.json").read_text())["results"][0]
    assert row["finding"] == {"class": "divergence", "upstream": "unreported", "fixed_in": "",
                              "link": "", "cause": "some-cause",
                              "doc": "docs/findings.md#some-cause"}
