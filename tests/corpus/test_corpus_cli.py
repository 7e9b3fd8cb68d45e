"""`bpfconform corpus` end to end: real adapters (libbpf, the reference loader) on an object
compiled from inline C that mixes accepted and refused programs."""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from pathlib import Path

import jsonschema
import pytest
from corpus_helpers import MIXED, Compile

from harness import cli
from harness.adapters.manifest import AdapterUnavailable, find_manifest
from harness.run.runner import REPO_ROOT


def need(name: str) -> None:
    try:
        find_manifest(REPO_ROOT, name).argv(REPO_ROOT)
    except AdapterUnavailable as exc:
        pytest.fail(f"{exc} (.ci/install builds it)")


def test_each_program_is_loaded_alone_and_judged(
    compile_c: Compile, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    need("libbpf")
    need("python")
    obj = compile_c("mixed", MIXED)
    (obj.parent / "notes.o").write_text("not an ELF object")
    out = tmp_path / "out"
    status = cli.main(["corpus", str(obj.parent), "--adapter", "python", "--out", str(out)])
    captured = capsys.readouterr()
    assert status == 0, captured.err
    doc = json.loads((out / "corpus.json").read_text())
    assert list(doc["summary"]) == ["libbpf", "python"]  # the reference is always run, first
    got = {(r["adapter"], r["program"]): r for r in doc["results"]}
    for adapter in ("libbpf", "python"):
        # loaded alone: the refused sibling does not take `seven` and `plain` down with it
        assert (got[adapter, "seven"]["phase"], got[adapter, "seven"]["retval"]) == ("done", 7)
        assert got[adapter, "seven"]["verdict"] == "PASS"
        assert got[adapter, "plain"]["phase"] == "done"
        assert got[adapter, "plain"]["verdict"] is None  # not annotated
        assert (got[adapter, "refused"]["phase"], got[adapter, "refused"]["verdict"]) == (
            "load", "PASS")
        assert got[adapter, "with_flags"]["verdict"] == "NOT_JUDGED"
        assert got[adapter, "seven"]["mode"] == "autoload_only"
    assert doc["summary"]["python"] | {"annotated": None} == {
        "programs": 4, "agree": 4, "stricter": 0, "looser": 0, "retval_differs": 0,
        "errors": 0, "reference_errors": 0, "annotated": None}
    assert doc["meta"]["adapters"]["libbpf"]["library"] == "libbpf"
    assert doc["meta"]["unreadable"] == ["notes.o: not a readable ELF object: "
                                         "Magic number does not match"]
    assert doc["annotations"]["mixed.bpf.o:seven"]["retval"] == 7
    suites = ET.parse(out / "junit.xml").getroot()
    assert [s.get("name") for s in suites] == ["bpfconform.corpus.libbpf",
                                               "bpfconform.corpus.python"]
    assert "mixed.bpf.o: <b>seven" in (out / "corpus.html").read_text()
    assert "python       4 programs: 4 agree" in captured.out
    schema = json.loads((REPO_ROOT / "docs" / "schema" / "corpus.schema.json").read_text())
    jsonschema.validate(doc, schema, cls=jsonschema.Draft202012Validator)


def test_an_empty_selection_exits_2_with_one_line(
    compile_c: Compile, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    obj = compile_c("mixed", MIXED)
    assert cli.main(["corpus", str(obj), "-k", "no-such", "--out", str(tmp_path)]) == 2
    err = capsys.readouterr().err
    assert err == "bpfconform: -k 'no-such' selects no program: nothing to run\n"
    assert not (tmp_path / "corpus.json").exists()


def test_no_path_and_no_selftests_is_a_usage_error(capsys: pytest.CaptureFixture[str]) -> None:
    assert cli.main(["corpus"]) == 2
    assert "give PATH... or --selftests" in capsys.readouterr().err
