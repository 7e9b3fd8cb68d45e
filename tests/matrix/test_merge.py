"""Merging results from several machines, compiler differences, outputs."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from harness.matrix.merge import (
    MergeError,
    compiler_differences,
    merge_dirs,
    merge_docs,
    write_outputs,
)


def row(kernel: str, compiler: str, adapter: str, program: str, verdict: str) -> dict[str, Any]:
    return {"kernel": kernel, "compiler": compiler, "adapter": adapter,
            "file": "data/x.bpf.c", "program": program, "verdict": verdict,
            "reason": "" if verdict == "PASS" else "why", "line": None, "ns": {"run": 10}}


def doc(*rows: dict[str, Any], kernel: str = "5.10.0-32-amd64") -> dict[str, Any]:
    return {"meta": {"kernels": {kernel: {"label": kernel}}, "compilers": ["clang-19"],
                     "adapters": ["libbpf"]}, "results": list(rows)}


def test_rows_from_two_machines_are_unioned() -> None:
    a = doc(row("5.10", "clang-19", "libbpf", "p", "PASS"), kernel="5.10")
    b = doc(row("6.1", "clang-19", "libbpf", "p", "FAIL"), kernel="6.1")
    merged = merge_docs([a, b])
    assert len(merged["results"]) == 2
    assert set(merged["meta"]["kernels"]) == {"5.10", "6.1"}
    assert merged["meta"]["conflicts"] == []


def test_the_same_item_with_two_verdicts_is_a_conflict_not_a_silent_pick() -> None:
    a = doc(row("5.10", "clang-19", "libbpf", "p", "PASS"))
    b = doc(row("5.10", "clang-19", "libbpf", "p", "FAIL"))
    merged = merge_docs([a, b])
    assert len(merged["results"]) == 1
    assert merged["meta"]["conflicts"] == [
        {"key": ["5.10", "clang-19", "libbpf", "data/x.bpf.c", "p"], "verdicts": ["PASS", "FAIL"]}]


def test_identical_duplicates_merge_quietly() -> None:
    r = row("5.10", "clang-19", "libbpf", "p", "PASS")
    assert merge_docs([doc(r), doc(r)])["meta"]["conflicts"] == []


def test_a_verdict_that_depends_on_the_compiler_is_reported() -> None:
    rows = [row("5.10", "clang-14", "libbpf", "p", "PASS"),
            row("5.10", "clang-19", "libbpf", "p", "FAIL"),
            row("5.10", "clang-14", "libbpf", "q", "PASS"),
            row("5.10", "clang-19", "libbpf", "q", "PASS")]
    assert compiler_differences(rows) == [
        {"kernel": "5.10", "adapter": "libbpf", "file": "data/x.bpf.c", "program": "p",
         "verdicts": {"clang-14": "PASS", "clang-19": "FAIL"}}]


def test_plain_run_results_and_matrix_dirs_merge_together(tmp_path: Path) -> None:
    run = tmp_path / "run"
    run.mkdir()
    (run / "results.json").write_text(json.dumps({
        "meta": {"kernel": "host-6.18", "compiler": {"id": "clang-19"},
                 "adapters": {"python": {}}, "probes": {"bpf_loop": {"ok": True}}},
        "results": [row("host-6.18", "clang-19", "python", "p", "PASS")]}))
    mat = tmp_path / "mat"
    write_outputs(mat, doc(row("5.10", "clang-19", "libbpf", "p", "ERROR")))
    merged = merge_dirs([run, mat])
    assert {r["kernel"] for r in merged["results"]} == {"host-6.18", "5.10"}
    assert merged["meta"]["kernels"]["host-6.18"]["probes"] == {"bpf_loop": {"ok": True}}
    assert merged["meta"]["adapters"] == ["python", "libbpf"]


def test_outputs_are_matrix_json_junit_per_cell_and_html(tmp_path: Path) -> None:
    d = doc(row("5.10", "clang-19", "libbpf", "p", "PASS"),
            row("5.10", "clang-19", "python", "p", "FAIL"),
            row("6.1", "clang-19", "libbpf", "p", "ERROR"))
    write_outputs(tmp_path, d)
    assert json.loads((tmp_path / "matrix.json").read_text())["results"] == d["results"]
    junit = sorted(p.name for p in (tmp_path / "junit").iterdir())
    assert junit == ["5.10__clang-19__libbpf.xml", "5.10__clang-19__python.xml",
                     "6.1__clang-19__libbpf.xml"]
    assert 'failures="1"' in (tmp_path / "junit/5.10__clang-19__python.xml").read_text()
    page = (tmp_path / "report.html").read_text()
    assert '<span class="FAIL">F1</span>' in page and '<span class="ERROR">E1</span>' in page


def test_a_directory_without_results_is_an_error(tmp_path: Path) -> None:
    with pytest.raises(MergeError, match=r"neither matrix\.json nor results\.json"):
        merge_dirs([tmp_path])
