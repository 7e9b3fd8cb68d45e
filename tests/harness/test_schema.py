"""docs/schema/results.schema.json describes what `bpfconform run` really writes."""

from __future__ import annotations

import json
from pathlib import Path

import jsonschema
import pytest

from harness import cli
from harness.run.runner import REPO_ROOT

SCHEMA = REPO_ROOT / "docs" / "schema" / "results.schema.json"
PROG = """/* schema test: a pass, a fail, a negative item and a probe skip */
#include "conformance.h"
int seven = 7;
TEST(passes, "data.data", "pass", "required");
SEC("socket") int passes(void *ctx) { ASSERT_EQ(seven, 7); return 0; }
TEST(fails, "data.data", "pass", "required");
SEC("socket") int fails(void *ctx) { ASSERT_EQ(seven, 8); return 0; }
TEST(needs_probe, "data.data", "pass", "required");
CONFORM(needs_probe, "requires", "kprobes");
SEC("socket") int needs_probe(void *ctx) { return 0; }
"""


def test_the_schema_is_a_valid_json_schema() -> None:
    jsonschema.Draft202012Validator.check_schema(json.loads(SCHEMA.read_text()))


def test_a_real_results_json_validates(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    import shutil

    src = tmp_path / "bpf-src"
    shutil.copytree(REPO_ROOT / "bpf-src" / "include", src / "include")
    (src / "d").mkdir()
    (src / "d" / "x.bpf.c").write_text(PROG)
    out = tmp_path / "out"
    cli.main(["run", "--bpf-src", str(src), "--adapter", "python", "--adapter", "libbpf",
              "--out", str(out)])
    capsys.readouterr()
    doc = json.loads((out / "results.json").read_text())
    jsonschema.validate(doc, json.loads(SCHEMA.read_text()),
                        cls=jsonschema.Draft202012Validator)
    verdicts = {r["verdict"] for r in doc["results"]}
    assert {"PASS", "FAIL"} <= verdicts  # the document covers more than one shape of row
