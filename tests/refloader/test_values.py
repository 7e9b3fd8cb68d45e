"""`.values` initialisers in the reference loader: PROG_ARRAY and map-in-map slots, holes,
wrong targets, nesting (bpf-src/values/, real loads)."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest
from refloader.errors import LoaderError, ParseError
from refloader.loader import open_object
from refloader.maps_spec import BPF_MAP_TYPE_ARRAY
from refloader.mutations import plan_for
from refloader_helpers import CLANG, INCLUDE, REPO

from harness.run.runner import REPO_ROOT

VALUES = REPO / "bpf-src" / "values"
DATA_IN = bytes(64)


def build(tmp_path: Path, name: str, target: str = "bpfel") -> str:
    """Compile bpf-src/values/<name>.bpf.c as the harness does."""
    assert CLANG is not None, "no clang found: install clang-19 (.ci/install)"
    out = tmp_path / f"{name}.bpf.o"
    subprocess.run([CLANG, "-target", target, "-O2", "-g", "-c", str(VALUES / f"{name}.bpf.c"),
                    "-I", str(INCLUDE), "-o", str(out)], check=True, capture_output=True)
    return str(out)


def retvals(path: str, programs: list[str], skip: tuple[str, ...] = ()) -> list[int]:
    with open_object(path, plan=plan_for(skip, env=False)) as obj:
        obj.load()
        return [obj.test_run(p, DATA_IN).retval for p in programs]


def test_prog_array_slots_are_read_at_their_own_indexes(tmp_path: Path) -> None:
    path = build(tmp_path, "prog_array")
    with open_object(path) as obj:
        assert obj.map("jmp_table").init_slots == [(1, "tail_one"), (3, "tail_three")]


def test_tail_calls_reach_the_named_programs_and_holes_fall_through(tmp_path: Path) -> None:
    progs = ["values_slot_one", "values_slot_three", "values_hole_zero"]
    assert retvals(build(tmp_path, "prog_array"), progs) == [0, 0, 0]


def test_unfilled_prog_array_slots_make_the_tail_calls_fall_through(tmp_path: Path) -> None:
    got = retvals(build(tmp_path, "prog_array"), ["values_slot_one", "values_slot_three"],
                  ("values.prog_array",))
    assert all(r != 0 for r in got)  # the `return __LINE__` after each tail call


def test_slots_closed_up_from_zero_run_a_target_through_the_hole(tmp_path: Path) -> None:
    got = retvals(build(tmp_path, "prog_array"), ["values_hole_zero"],
                  ("values.prog_array.hole",))
    # tail_one reached through slot 0 (expected_slot is 0): it returns the caller's line of
    # that tail call, the one WRITE_ONCE(tail_fail_line, __LINE__) recorded before it
    src = (REPO_ROOT / "bpf-src" / "values" / "prog_array.bpf.c").read_text().splitlines()
    start = next(i for i, line in enumerate(src) if line.startswith("int values_hole_zero("))
    line = next(i + 1 for i in range(start, len(src)) if "tail_fail_line, __LINE__" in src[i])
    assert got == [line]


@pytest.mark.parametrize("name", ["array_of_maps", "hash_of_maps"])
def test_map_in_map_slots_hold_the_named_inner_maps(tmp_path: Path, name: str) -> None:
    path = build(tmp_path, name)
    with open_object(path) as obj:
        for outer in ("outer_named", "outer_anon"):
            spec = obj.map(outer)
            assert spec.inner is not None and spec.inner.map_type == BPF_MAP_TYPE_ARRAY
            assert spec.value_size == 4
        assert obj.map("outer_anon").init_slots == [(1, "anon_a"), (3, "anon_b")]
    assert retvals(path, [f"{name}_named", f"{name}_anon"]) == [0, 0]
    assert all(r != 0 for r in retvals(path, [f"{name}_named"], ("values.map_in_map",)))


def test_a_map_in_a_prog_array_is_refused_unless_the_check_is_skipped(tmp_path: Path) -> None:
    path = build(tmp_path, "wrong_target_map")
    with open_object(path) as obj, pytest.raises(LoaderError, match="not a loaded program"):
        obj.load()
    assert retvals(path, ["values_map_in_prog_array"], ("values.target",)) == [0]


def test_a_program_in_a_map_of_maps_is_refused_unless_the_check_is_skipped(
        tmp_path: Path) -> None:
    path = build(tmp_path, "wrong_target_prog")
    with open_object(path) as obj, pytest.raises(LoaderError, match="not a map of the object"):
        obj.load()
    assert retvals(path, ["values_prog_in_map_of_maps"], ("values.target",)) == [0]


def test_nesting_is_refused_at_open_and_by_the_kernel_when_followed(tmp_path: Path) -> None:
    path = build(tmp_path, "nested")
    with pytest.raises(ParseError, match="multi-level inner maps"):
        open_object(path)
    with open_object(path, plan=plan_for(["values.nesting"], env=False)) as obj:
        assert obj.map("two_levels").inner is not None
        assert obj.map("two_levels").inner.inner is not None  # type: ignore[union-attr]
        with pytest.raises(LoaderError, match="BPF_MAP_CREATE"):
            obj.load()  # kernel bpf_map_meta_alloc: no map-in-map as an inner template
