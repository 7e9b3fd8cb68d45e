"""The behaviour-skip switch: one mutation per catalogue id, unknown ids refused."""

from __future__ import annotations

import shutil
import subprocess
import tomllib
from pathlib import Path

import pytest
from refloader.errors import LoaderError
from refloader.loader import open_object
from refloader.mutations import MUTATIONS, SKIP_ENV, Plan, plan_for
from refloader_helpers import REPO, Compile, compile_c

CATALOGUE = tomllib.loads((REPO / "suite" / "catalogue.toml").read_text())


def test_every_catalogue_behaviour_has_a_mutation() -> None:
    missing = sorted(set(CATALOGUE) - set(MUTATIONS))
    assert not missing, f"catalogue ids without a mutation in refloader.mutations: {missing}"


def test_every_mutation_names_a_catalogue_behaviour() -> None:
    assert not sorted(set(MUTATIONS) - set(CATALOGUE))


@pytest.mark.parametrize("bid", sorted(MUTATIONS))
def test_each_mutation_changes_the_plan(bid: str) -> None:
    assert plan_for([bid], env=False) != Plan(active=(bid,))


def test_an_unknown_id_is_refused() -> None:
    with pytest.raises(LoaderError, match=r"no\.such"):
        plan_for(["no.such"], env=False)


def test_the_environment_variable_adds_ids(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(SKIP_ENV, "data.data, data.bss")
    plan = plan_for([])
    assert plan.active == ("data.data", "data.bss")
    assert ".data" in plan.skip_init_of and plan.bss_fill == 0xA5


# The mutations that must go wrong silently (the program runs and its result tells), each on a
# small object built here: unmutated it returns 0, mutated the value the bug gives.

PCREL = """
static __noinline __u32 leaf(__u32 x) { return x + 0x100; }
static __noinline __u32 side(__u32 x) { return x + 0x5000; }
static __noinline __u32 mid(__u32 x) { return leaf(x) * 2; }
static __noinline __u32 top(__u32 x) { return mid(x) + (side(x) << 4); }
SEC("socket") int pcrel(void *ctx)
{
    volatile __u32 seed = 1;
    return top(seed) == 0x202 + 0x50010 ? 0 : 1;
}
"""


@pytest.mark.parametrize("bid", ["calls.pcrel", None])
def test_a_kept_pc_relative_imm_reaches_another_function(compile_bpf: Compile,
                                                         bid: str | None) -> None:
    # .text is top, mid, side, leaf (clang: order of first reference, a body at a time);
    # the image top, mid, leaf, side: kept imms swap leaf and side, nothing is refused
    obj_path = compile_bpf("pcrel", PCREL)
    with open_object(str(obj_path), plan=plan_for([bid] if bid else [], env=False)) as obj:
        obj.load()
        assert obj.test_run("pcrel", bytes(64)).retval == (1 if bid else 0)


REPEATED = """
static __noinline __u32 side(__u32 x) { return x ^ 0x70; }
static __noinline __u32 mix(__u32 x) { return x + 0x1000; }
static __noinline __u32 twice(__u32 x) { return side(x) + 1; }
static __noinline __u32 top(__u32 x) { __u32 t = twice(x); return t + mix(x) + (mix(x + 1) << 8); }
SEC("socket") int repeated(void *ctx)
{
    volatile __u32 seed = 1;
    return top(seed) == (0x71 + 1) + 0x1001 + (0x1002 << 8) ? 0 : 1;
}
"""


@pytest.mark.parametrize("bid", ["calls.repeated", None])
def test_a_later_call_keeping_its_imm_reaches_another_function(compile_bpf: Compile,
                                                               bid: str | None) -> None:
    # .text top, twice, mix, side; the image top, twice, side, mix: only top's second
    # call to mix keeps clang's imm, and lands on side
    obj_path = compile_bpf("repeated", REPEATED)
    with open_object(str(obj_path), plan=plan_for([bid] if bid else [], env=False)) as obj:
        obj.load()
        assert obj.test_run("repeated", bytes(64)).retval == (1 if bid else 0)


MULTI = """
SEC("socket") int first(void *ctx) { return 7; }
SEC("socket") int second(void *ctx) { return 0; }
"""


def test_one_program_per_section_runs_the_first_function_for_every_name(
        compile_bpf: Compile) -> None:
    obj_path = compile_bpf("multi", MULTI)
    with open_object(str(obj_path), plan=plan_for(["prog.multi_per_section"], env=False)) \
            as obj:
        obj.load()
        assert obj.test_run("second", bytes(64)).retval == 7
    with open_object(str(obj_path)) as obj:
        obj.load()
        assert obj.test_run("second", bytes(64)).retval == 0


MAPS = """
struct { __uint(type, BPF_MAP_TYPE_ARRAY); __uint(max_entries, 1); __type(key, __u32);
         __type(value, __u32); } first_map SEC(".maps");
struct { __uint(type, BPF_MAP_TYPE_ARRAY); __uint(max_entries, 4); __type(key, __u32);
         __type(value, __u32); } second_map SEC(".maps");
SEC("socket") int maps(void *ctx)
{
    __u32 k = 0, v = 1;
    bpf_map_update_elem(&first_map, &k, &v, BPF_ANY);
    k = 3;
    return bpf_map_update_elem(&second_map, &k, &v, BPF_ANY) ? 1 : 0;
}
"""


@pytest.mark.parametrize("bid", ["maps.reloc", None])
def test_a_map_reference_resolved_by_section_reaches_the_first_map(compile_bpf: Compile,
                                                                   bid: str | None) -> None:
    obj_path = compile_bpf("maps", MAPS)
    with open_object(str(obj_path), plan=plan_for([bid] if bid else [], env=False)) as obj:
        obj.load()
        assert obj.test_run("maps", bytes(64)).retval == (1 if bid else 0)


WEAK_A = """#include "conformance.h"
__weak __noinline int choose(void) { return 1; }
SEC("socket") int linked(void *ctx) { return choose(); }
"""
WEAK_B = """#include "conformance.h"
__noinline int choose(void) { return 2; }
"""


def test_the_link_funcs_mutation_runs_the_replaced_weak_body(tmp_path: Path) -> None:
    bpftool = shutil.which("bpftool")
    assert bpftool is not None, "bpftool missing: .ci/install installs it"
    objs = []
    for name, text in (("a", WEAK_A), ("b", WEAK_B)):
        (tmp_path / f"{name}.c").write_text(text)
        objs.append(str(compile_c(tmp_path / f"{name}.c", tmp_path / f"{name}.o")))
    linked = tmp_path / "ab.o"
    subprocess.run([bpftool, "gen", "object", str(linked), *objs], check=True)
    for skip, want in ((["link.funcs"], 1), ([], 2)):
        with open_object(str(linked), plan=plan_for(skip, env=False)) as obj:
            obj.load()
            assert obj.test_run("linked", bytes(64)).retval == want


SIZES = """
struct { __uint(type, BPF_MAP_TYPE_HASH); __uint(max_entries, 2); __uint(key_size, 8);
         __uint(value_size, 24); } by_size SEC(".maps");
struct { __uint(type, BPF_MAP_TYPE_HASH); __uint(max_entries, 2); __type(key, __u64);
         __type(value, __u32[4]); } by_type SEC(".maps");
SEC("socket") int sizes(void *ctx) { return 0; }
"""


@pytest.mark.parametrize(("bid", "want"), [
    (None, {"by_size": (8, 24), "by_type": (8, 16)}),
    ("maps.btf.size", {"by_size": (32, 96), "by_type": (8, 16)}),  # sizeof(int[N])
    ("maps.btf.type", {"by_size": (8, 24), "by_type": (64, 128)}),  # INTs in bits
])
def test_the_map_size_mutations_make_larger_sizes(compile_bpf: Compile, bid: str | None,
                                                  want: dict[str, tuple[int, int]]) -> None:
    obj_path = compile_bpf("sizes", SIZES)
    with open_object(str(obj_path), plan=plan_for([bid] if bid else [], env=False)) as obj:
        got = {m.name: (m.key_size, m.value_size) for m in obj.maps if m.name in want}
    assert got == want
