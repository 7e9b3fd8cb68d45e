"""docs/findings.md is generated: it must match what the generator writes today, and the
findings data must agree with the expectations tables and the sources."""

from __future__ import annotations

from pathlib import Path

import findings_doc
import pytest


def test_findings_data_is_consistent() -> None:
    assert findings_doc.problems(findings_doc.load()) == []


def test_docs_findings_md_is_up_to_date() -> None:
    current = findings_doc.DOC_PATH.read_text() if findings_doc.DOC_PATH.exists() else ""
    assert current == findings_doc.generate(), (
        "docs/findings.md is stale: run "
        "`python3 tests/programs/findings_doc.py > docs/findings.md`"
    )


def test_every_divergence_is_in_a_ranked_section() -> None:
    data = findings_doc.load()
    doc = findings_doc.render(data)
    for adapter, table in data.tables.items():
        for key, entry in table.items():
            if entry.klass == "divergence":
                assert f"bpfconform run -k '{key}' --adapter {adapter}" in doc


def _copy_suite(tmp_path: Path) -> tuple[Path, Path]:
    """A copy of the findings and expectations to break."""
    exp = tmp_path / "expectations"
    exp.mkdir()
    for path in findings_doc.EXPECTATIONS_DIR.glob("*.toml"):
        (exp / path.name).write_text(path.read_text())
    findings = tmp_path / "findings.toml"
    findings.write_text(findings_doc.FINDINGS_PATH.read_text())
    return findings, exp


def test_an_entry_in_no_cause_is_reported(tmp_path: Path) -> None:
    findings, exp = _copy_suite(tmp_path)
    text = findings.read_text()
    findings.write_text(text.replace(
        'entries = ["cilium-ebpf:data/custom_bss.bpf.c::custom_bss"]',
        'entries = ["cilium-ebpf:core/type_size.bpf.c::type_size"]'))
    found = findings_doc.problems(findings_doc.load(findings, exp))
    assert any("custom_bss" in p and "0 causes" in p for p in found), found
    assert any("type_size" in p and "2 causes" in p for p in found), found


def test_a_wrong_class_and_a_missing_upstream_are_reported(tmp_path: Path) -> None:
    findings, exp = _copy_suite(tmp_path)
    aya = exp / "aya.toml"
    text = aya.read_text()
    block = '["maps/static_map.bpf.c::static_map"]\nverdict = "xfail"\nclass = "divergence"\n'
    assert block in text
    text = text.replace(block, '["maps/static_map.bpf.c::static_map"]\nverdict = "xfail"\n'
                        'class = "gap"\n')
    text = text.replace('["calls/hidden.bpf.c::hidden_as_static"]\nverdict = "xfail"\n'
                        'class = "divergence"\nupstream = "unreported"\n',
                        '["calls/hidden.bpf.c::hidden_as_static"]\nverdict = "xfail"\n'
                        'class = "divergence"\n')
    aya.write_text(text)
    found = findings_doc.problems(findings_doc.load(findings, exp))
    assert any("static_map has class 'gap'" in p for p in found), found
    assert any("hidden_as_static: class and upstream" in p for p in found), found


def test_a_vanished_source_line_and_a_backwards_rank_are_reported(tmp_path: Path) -> None:
    findings, exp = _copy_suite(tmp_path)
    text = findings.read_text()
    text = text.replace('lines = ["__uint(type, CONFORM_MAP_TYPE_BLOOM_FILTER);"',
                        'lines = ["__uint(type, NO_SUCH_LINE);"')
    # the first gap cause moved to the top: a gap before silent results
    head, sep, rest = text.partition("[[cause]]\nid = \"core-load-width\"")
    gap_start = rest.index("[[cause]]\nid = \"aya-kconfig\"")
    gap_end = rest.index("[[cause]]\nid = \"aya-section-names\"")
    gap = rest[gap_start:gap_end]
    text = head + gap + sep + rest[:gap_start] + rest[gap_end:]
    findings.write_text(text)
    found = findings_doc.problems(findings_doc.load(findings, exp))
    assert any("NO_SUCH_LINE" in p for p in found), found
    assert any("'core-load-width' (silent) ranked after a gap cause" in p for p in found), found


def test_generate_refuses_inconsistent_data(tmp_path: Path) -> None:
    findings, exp = _copy_suite(tmp_path)
    findings.write_text(findings.read_text().replace('id = "weak-map"', 'id = "custom-bss"'))
    with pytest.raises(findings_doc.FindingsError, match="'custom-bss' used 2 times"):
        findings_doc.generate(findings, exp)
