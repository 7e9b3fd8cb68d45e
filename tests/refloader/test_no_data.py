"""No-data test runs (protocol "No data"): raw_tp and syscall programs run with data_in and
data_out NULL and repeat 0; an empty data_in through the adapter means exactly that."""

from __future__ import annotations

from pathlib import Path

import pytest
from refloader.errors import LoaderError
from refloader.loader import open_object
from refloader_helpers import compile_c

RAW_TP = """#include "conformance.h"
SEC("raw_tp") int no_data(void *ctx) { return 7; }
"""


@pytest.fixture
def raw_tp(tmp_path: Path) -> Path:
    (tmp_path / "r.c").write_text(RAW_TP)
    return compile_c(tmp_path / "r.c", tmp_path / "r.o")


def test_a_raw_tp_program_runs_without_data(raw_tp: Path) -> None:
    with open_object(str(raw_tp)) as obj:
        obj.load()
        assert obj.test_run("no_data", b"", repeat=0).retval == 7


def test_the_kernel_refuses_data_for_a_raw_tp_program(raw_tp: Path) -> None:
    with open_object(str(raw_tp)) as obj:
        obj.load()
        with pytest.raises(LoaderError, match="EINVAL"):
            obj.test_run("no_data", bytes(64), repeat=0)
