"""ELF byte order in the reference loader: a big-endian object is refused in the ELF layer
with an error naming EI_DATA (bpf-src/elf/)."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest
from refloader.elf import read_elf
from refloader.errors import ParseError
from refloader.loader import open_object
from refloader.mutations import plan_for
from refloader_helpers import CLANG, INCLUDE, REPO

SOURCE = REPO / "bpf-src" / "elf" / "big_endian.bpfeb.bpf.c"


@pytest.fixture
def big_endian(tmp_path: Path) -> str:
    assert CLANG is not None, "no clang found: install clang-19 (.ci/install)"
    out = tmp_path / "big_endian.bpfeb.bpf.o"
    subprocess.run([CLANG, "-target", "bpfeb", "-O2", "-g", "-c", str(SOURCE), "-I",
                    str(INCLUDE), "-o", str(out)], check=True, capture_output=True)
    return str(out)


@pytest.mark.parametrize("backend", ["struct", "pyelftools"])
def test_both_elf_readers_refuse_a_big_endian_object_naming_ei_data(
        big_endian: str, backend: str) -> None:
    with pytest.raises(ParseError, match=r"e_ident\[EI_DATA\] is ELFDATA2MSB") as exc:
        read_elf(big_endian, backend=backend)
    assert exc.value.offset == 5


def test_an_invalid_ei_data_is_refused_too(big_endian: str) -> None:
    raw = bytearray(Path(big_endian).read_bytes())
    raw[5] = 0
    with pytest.raises(ParseError, match=r"EI_DATA\] is 0 \(invalid\)"):
        read_elf(big_endian, bytes(raw))


def test_without_the_check_the_object_is_misread_and_runs(big_endian: str) -> None:
    # mutation elf.byte_order: what a loader ignoring EI_DATA does; `r0 = 0; exit` has the
    # same bytes in both orders, so the kernel accepts the program
    with open_object(big_endian, plan=plan_for(["elf.byte_order"], env=False)) as obj:
        obj.load()
        assert obj.test_run("big_endian_object", bytes(64)).retval == 0
