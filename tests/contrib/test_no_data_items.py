"""`.conform` data_in=none: discovery gives data_in "", the item needs `no_data` (and
`data_in`) in the adapter's supports, and a bad data_in is still an ERROR item."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

from harness.run import runner
from harness.suite import discovery

ROOT = Path(__file__).resolve().parents[2]
SRC = """/* no data */
#include "conformance.h"
TEST(p, "progtype.raw_tp", "pass", "required");
CONFORM(p, "data_in", "%s");
SEC("raw_tp") int p(void *ctx) { PASS(); }
"""


def _items(tmp_path: Path, data_in: str) -> list[discovery.Item]:
    clang = shutil.which("clang-19") or shutil.which("clang")
    assert clang is not None, "no clang: install clang-19 (.ci/install)"
    src = tmp_path / "p.bpf.c"
    src.write_text(SRC % data_in)
    obj = tmp_path / "p.bpf.o"
    subprocess.run([clang, "-target", "bpfel", "-O2", "-g", "-c", str(src), "-I",
                    str(ROOT / "bpf-src" / "include"), "-o", str(obj)], check=True)
    return discovery.discover_object(obj, src, "x/p.bpf.c", frozenset({"progtype.raw_tp"}))


def test_data_in_none_means_an_empty_data_in_and_needs_no_data_support(tmp_path: Path) -> None:
    (item,) = _items(tmp_path, "none")
    assert item.error is None and item.expectations is not None
    assert item.expectations.data_in == ""
    assert runner.required_fields(item, mutate=False) == ["data_in", "no_data"]


@pytest.mark.parametrize("value", ["nothing", "0g"], ids=["word", "bad-hex"])
def test_any_other_non_hex_data_in_is_an_error_item(tmp_path: Path, value: str) -> None:
    (item,) = _items(tmp_path, value)
    assert item.error is not None and "data_in" in item.error
