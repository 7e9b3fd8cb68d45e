"""The behaviour x version table: column order, histories, where a finding starts and ends."""

from __future__ import annotations

import json
from pathlib import Path

from harness.matrix.versions import VersionRun, build_table, sort_versions, write_table

V = ["v0.9.0", "v0.12.3", "v0.16.0", "v0.22.0"]


def _table() -> object:
    verdicts = {  # item -> verdict per version in V order
        "f/fixed.bpf.c::p": ["FAIL", "XFAIL", "PASS", "PASS"],
        "f/broke.bpf.c::p": ["PASS", "PASS", "FAIL", "XFAIL"],
        "f/same.bpf.c::p": ["PASS", "PASS", "PASS", "PASS"],
        "f/open.bpf.c::p": ["XFAIL", "XFAIL", "XFAIL", "XFAIL"],
    }
    runs = [VersionRun(v, v, verdicts={i: c[n] for i, c in verdicts.items()})
            for n, v in enumerate(V)]
    runs.append(VersionRun("v0.15.0", error="build failed"))
    return build_table("loader", list(reversed(runs)), {"f/fixed.bpf.c::p": "f.fixed"},
                       {"loader:f/fixed.bpf.c::p": "cause-a", "loader:f/open.bpf.c::p":
                        "cause-b"}, {"cause-a": "v0.16.0"}, "host-6.18", "clang-19")


def test_versions_sort_as_releases_oldest_first() -> None:
    assert sort_versions(["v0.22.0", "v0.9.0", "v0.12.3", "main"]) == [
        "v0.9.0", "v0.12.3", "v0.22.0", "main"]


def test_the_table_has_a_column_per_version_and_a_row_per_item() -> None:
    t = _table()
    data = t.to_json()  # type: ignore[attr-defined]
    assert data["versions"] == ["v0.9.0", "v0.12.3", "v0.15.0", "v0.16.0", "v0.22.0"]
    rows = {r["item"]: r for r in data["rows"]}
    assert sorted(rows) == sorted(["f/fixed.bpf.c::p", "f/broke.bpf.c::p", "f/same.bpf.c::p",
                                   "f/open.bpf.c::p"])
    fixed = rows["f/fixed.bpf.c::p"]
    assert fixed["verdicts"]["v0.15.0"] == "" and fixed["behaviour"] == "f.fixed"
    assert fixed["history"] == "FAIL v0.9.0, XFAIL v0.12.3, not run v0.15.0, PASS v0.16.0..v0.22.0"
    assert (fixed["first_failing"], fixed["fixed_in"], fixed["broke_in"]) == (
        "v0.9.0", "v0.16.0", "")
    broke = rows["f/broke.bpf.c::p"]
    assert (broke["first_failing"], broke["fixed_in"], broke["broke_in"]) == (
        "v0.16.0", "", "v0.16.0")
    assert not rows["f/same.bpf.c::p"]["varies"] and rows["f/broke.bpf.c::p"]["varies"]
    runs = {r["version"]: r for r in data["runs"]}
    assert runs["v0.15.0"]["error"] == "build failed" and runs["v0.15.0"]["counts"] == {}
    assert runs["v0.16.0"]["counts"] == {"FAIL": 1, "PASS": 2, "XFAIL": 1}


def test_each_finding_names_its_first_failing_and_fixing_release() -> None:
    findings = {f["cause"]: f for f in _table().findings()}  # type: ignore[attr-defined]
    assert findings["cause-a"]["first_failing"] == "v0.9.0"
    assert findings["cause-a"]["fixed_in"] == "v0.16.0"
    assert findings["cause-a"]["recorded_fixed_in"] == "v0.16.0"
    assert findings["cause-b"]["first_failing"] == "v0.9.0"
    assert findings["cause-b"]["fixed_in"] == ""


def test_the_markdown_lists_every_version_and_only_the_items_that_differ(tmp_path: Path) -> None:
    paths = write_table(_table(), tmp_path)  # type: ignore[arg-type]
    assert [p.name for p in paths] == ["loader.json", "loader.md", "loader.html"]
    md = paths[1].read_text()
    for v in V:
        assert f"| {v} | {v} | cached |" in md
    assert "| v0.15.0 | - | cached | could not run: build failed |" in md
    assert "differs between versions (2 of 4)" in md
    assert "`f/fixed.bpf.c::p`" in md and "`f/same.bpf.c::p`" not in md
    assert "| cause-a | 1 | v0.9.0 | v0.16.0 | v0.16.0 |" in md
    assert json.loads(paths[0].read_text())["loader"] == "loader"
    assert "<table" in paths[2].read_text()
