"""Legacy `maps` section in the reference loader: struct bpf_map_def and iproute2's
struct bpf_elf_map (bpf-src/legacy/)."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest
from refloader.elf import read_elf
from refloader.errors import LoaderError, ParseError
from refloader.loader import open_object
from refloader.maps_spec import legacy_maps
from refloader.mutations import plan_for
from refloader_helpers import CLANG, INCLUDE, REPO

LEGACY = REPO / "bpf-src" / "legacy"
DATA_IN = bytes(64)


def build(tmp_path: Path, name: str, src: Path | None = None) -> str:
    """Compile bpf-src/legacy/<name>.bpf.c (or ``src``) as the harness does."""
    assert CLANG is not None, "no clang found: install clang-19 (.ci/install)"
    out = tmp_path / f"{name}.bpf.o"
    subprocess.run([CLANG, "-target", "bpfel", "-O2", "-g", "-c",
                    str(src or LEGACY / f"{name}.bpf.c"), "-I", str(INCLUDE), "-o", str(out)],
                   check=True, capture_output=True)
    return str(out)


def shapes(path: str) -> list[tuple[str, int, int, int, int, int]]:
    return [(m.name, m.map_type, m.key_size, m.value_size, m.max_entries, m.map_flags)
            for m in legacy_maps(read_elf(path))]


def run(path: str, program: str, skip: tuple[str, ...] = ()) -> int:
    with open_object(path, plan=plan_for(skip, env=False)) as obj:
        obj.load()
        return obj.test_run(program, DATA_IN).retval


def test_bpf_map_def_fields_are_read_in_order(tmp_path: Path) -> None:
    path = build(tmp_path, "map_def")
    assert shapes(path) == [("legacy_hash", 1, 4, 8, 3, 1), ("legacy_array", 2, 4, 4, 5, 0)]
    assert run(path, "legacy_map_def") == 0


def test_bpf_elf_map_definitions_are_36_bytes_with_ids_ignored(tmp_path: Path) -> None:
    path = build(tmp_path, "elf_map")
    assert shapes(path) == [("elf_hash", 1, 4, 8, 2, 0), ("elf_array", 2, 4, 4, 6, 0)]
    assert run(path, "legacy_elf_map") == 0


def test_non_zero_extra_fields_are_refused_like_libbpf_0x_under_the_mutation(
        tmp_path: Path) -> None:
    with pytest.raises(ParseError, match="non-zero extra fields"):
        open_object(build(tmp_path, "elf_map"), plan=plan_for(["legacy.elf_map"], env=False))


def test_without_the_maps_section_the_references_stay_unresolved(tmp_path: Path) -> None:
    with pytest.raises(LoaderError):
        run(build(tmp_path, "map_def"), "legacy_map_def", ("legacy.map_def",))


def test_iproute2_pinning_is_refused_not_ignored(tmp_path: Path) -> None:
    src = tmp_path / "pinned_elf_map.bpf.c"
    src.write_text((LEGACY / "elf_map.bpf.c").read_text().replace(
        ".id = 7,\n\t.pinning = PIN_NONE", ".id = 7,\n\t.pinning = 2"))
    with pytest.raises(ParseError, match="pinning=2"):
        open_object(build(tmp_path, "pinned_elf_map", src))
