"""report.html generator on small synthetic results (run and matrix documents)."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest

from harness.matrix.merge import merge_docs
from harness.report import html_report


def row(program: str, adapter: str, verdict: str, **extra: Any) -> dict[str, Any]:
    base = {"program": program, "file": f"data/{program}.bpf.c", "behaviour": f"data.{program}",
            "adapter": adapter, "kernel": "host-6.18", "compiler": "clang-19",
            "verdict": verdict, "line": None, "reason": "", "source_line": None,
            "verifier_log": None, "ns": {"open": 1000, "load": 20000, "run": 300},
            "btf": "loaded", "level": "required", "expect": "pass", "adapter_stderr": None}
    return {**base, **extra}


def run_doc(*rows: dict[str, Any]) -> dict[str, Any]:
    return {"meta": {"kernel": "host-6.18", "compiler": {"id": "clang-19", "version": "19.1.7"},
                     "adapters": {"libbpf": {"library": "libbpf", "library_version": "1.4.6"},
                                  "python": {"library": "refloader",
                                             "library_version": "0.1.0"}},
                     "probes": {}},
            "results": list(rows)}


def test_the_page_loads_nothing_from_the_network() -> None:
    page = html_report.render(run_doc(
        row("bss", "libbpf", "PASS"),
        row("bss", "python", "XFAIL", reason="known: see https://github.com/x/y/issues/1")))
    assert not re.search(r"\b(src|href)\s*=", page)
    assert "<link" not in page and "@import" not in page and "url(" not in page
    assert page.count("<script") == 2 and page.count("<style>") == 1


def test_a_reason_cannot_close_the_data_script() -> None:
    evil = "</script><script>alert(1)</script><!--"
    page = html_report.render(run_doc(row("bss", "libbpf", "FAIL", reason=evil)))
    assert page.count("<script") == 2
    assert html_report.embedded_data(page)["rows"][0]["reason"] == evil


def test_embedded_rows_keep_what_the_details_panel_shows() -> None:
    r = row("rodata", "python", "FAIL", line=23, reason="retval 23",
            source_line="ASSERT_EQ(x, -5);", same_as_libbpf="diverges",
            verifier_log="0: (b7) r0 = 0")
    data = html_report.embedded_data(html_report.render(run_doc(r)))
    got = data["rows"][0]
    for key in ("line", "reason", "source_line", "same_as_libbpf", "verifier_log", "ns", "btf"):
        assert got[key] == r[key]
    assert data["labels"] == {"python": "refloader 0.1.0"}
    assert data["compiler_versions"] == {"clang-19": "19.1.7"}


def test_a_long_verifier_log_is_cut_to_its_head_and_tail() -> None:
    log = "HEAD\n" + "x" * 50_000 + "\nTAIL"
    got = html_report.embedded_data(html_report.render(run_doc(
        row("big", "libbpf", "FAIL", verifier_log=log))))["rows"][0]["verifier_log"]
    assert got.startswith("HEAD") and got.endswith("TAIL")
    assert len(got) < html_report.LOG_EXCERPT + 100 and "characters left out" in got


def test_loader_by_verdict_counts_name_library_versions() -> None:
    page = html_report.render(run_doc(
        row("a", "libbpf", "PASS"), row("b", "libbpf", "PASS"), row("a", "python", "FAIL"),
        row("b", "python", "SKIP", reason="adapter does not support btf_custom_path")))
    table = page[page.index('id="counts"'):page.index("</table>")]
    libbpf = table[table.index("libbpf 1.4.6"):table.index("python")]
    assert re.findall(r'class="n[^"]*">(\d+)<', libbpf) == ["2", "0", "0", "0", "0", "0", "2"]
    python = table[table.index("refloader 0.1.0"):]
    assert re.findall(r'class="n[^"]*">(\d+)<', python) == ["0", "1", "0", "1", "0", "0", "2"]
    assert "2 items &times; 2 loaders: 4 results" in page
    assert "kernel <b>host-6.18</b>" in page and "clang-19 19.1.7" in page


def test_an_unavailable_adapter_is_labelled_so() -> None:
    doc = run_doc(row("a", "aya", "ERROR", reason="adapter unavailable"))
    doc["meta"]["adapters"]["aya"] = {"unavailable": "executable not found"}
    assert html_report.embedded_data(html_report.render(doc))["labels"] == {
        "aya": "unavailable"}


def test_a_run_page_has_no_kernel_overview_but_a_matrix_page_does() -> None:
    assert 'id="overview"' not in html_report.render(run_doc(row("a", "libbpf", "PASS")))
    m = merge_docs([run_doc(row("a", "libbpf", "PASS"), row("a", "python", "FAIL")),
                    run_doc(row("a", "libbpf", "ERROR", kernel="5.10", compiler="clang-14"))])
    page = html_report.render(m, "bpfconform matrix")
    assert 'id="overview"' in page and '<span class="ERROR">E1</span>' in page
    data = html_report.embedded_data(page)
    assert data["kernels"] == ["host-6.18", "5.10"]
    assert data["compilers"] == ["clang-19", "clang-14"]
    assert data["adapters"] == ["libbpf", "python"]
    assert data["labels"] == {"libbpf": "libbpf 1.4.6", "python": "refloader 0.1.0"}
    assert "2 kernels" in page and "2 compilers" in page


@pytest.mark.parametrize("verdict", html_report.VERDICTS, ids=str.lower)
def test_every_verdict_has_a_cell_colour(verdict: str) -> None:
    page = html_report.render(run_doc(row("a", "libbpf", verdict)))
    assert re.search(rf"\.v-{verdict}\{{background:var\(--\w+\)", page)


def test_write_from_json_puts_report_html_next_to_results_json(tmp_path: Path) -> None:
    (tmp_path / "results.json").write_text(json.dumps(run_doc(row("a", "libbpf", "PASS"))))
    out = html_report.write_from_json(tmp_path / "results.json")
    assert out == tmp_path / "report.html"
    assert len(html_report.embedded_data(out.read_text())["rows"]) == 1


def test_libbpf_and_the_reference_loader_come_first() -> None:
    doc = run_doc(row("a", "aya", "PASS"), row("a", "python", "PASS"), row("a", "libbpf", "PASS"),
                  row("a", "bpftool", "SKIP"))
    doc["meta"]["adapters"] = {"aya": {}, "bpftool": {}, "libbpf": {}, "python": {}}
    assert html_report.page_data(doc)["adapters"] == ["libbpf", "python", "aya", "bpftool"]


def test_the_report_links_the_version_tables_beside_it(tmp_path: Path) -> None:
    doc = run_doc(row("a", "libbpf", "PASS"))
    assert "Loader versions" not in html_report.write(tmp_path / "report.html", doc).read_text()
    (tmp_path / "versions").mkdir()
    (tmp_path / "versions" / "cilium-ebpf.html").write_text("<html></html>")
    page = html_report.write(tmp_path / "report.html", doc).read_text()
    assert '<a href="versions/cilium-ebpf.html">cilium-ebpf</a>' in page
