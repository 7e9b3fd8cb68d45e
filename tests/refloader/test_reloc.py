"""Relocation and linking on small objects compiled for the test (no kernel needed)."""

from __future__ import annotations

import pytest
from refloader import insn as I
from refloader.loader import open_object
from refloader.reloc import RelocKind, apply_data_relos, link_program
from refloader_helpers import Compile

FAKE_FDS = [100, 101, 102, 103, 104, 105, 106, 107]

CALLS = r"""
static __noinline int twice(int x) { barrier_var(x); return x * 2; }
__noinline int plus_one(int x) { return x + 1; }
static __noinline int unused(int x) { barrier_var(x); return x - 1; }
SEC("socket") int entry(void *ctx) { int a = 3; barrier_var(a);
    return twice(a) + plus_one(4) - 11; }
SEC("socket") int other(void *ctx) { int a = 1; barrier_var(a);
    return unused(a) + plus_one(0) - 1; }
"""

DATA = r"""
__u32 decoy = 1;
__u32 target = 2;
static __u32 s_decoy = 3;
static __u32 s_target = 4;
struct { __uint(type, BPF_MAP_TYPE_ARRAY); __uint(max_entries, 1);
         __type(key, __u32); __type(value, __u32); } first SEC(".maps"), second SEC(".maps");
SEC("socket") int entry(void *ctx) {
    __u32 k = 0; void *a = bpf_map_lookup_elem(&second, &k);
    return READ_ONCE(target) + READ_ONCE(s_target) + READ_ONCE(s_decoy) + (a != 0);
}
"""

CALLBACK = r"""
static int step(__u32 i, void *ctx) { return 0; }
SEC("socket") int entry(void *ctx) { return bpf_loop(3, step, 0, 0) - 3; }
"""


def _call_targets(image: bytearray) -> list[tuple[int, int]]:
    return [(i, I.get(image, i)[4]) for i in range(I.count(image))
            if I.is_pseudo_call(image, i)]


def test_called_subprograms_are_appended_once_and_calls_point_at_them(
        compile_bpf: Compile) -> None:
    obj = open_object(str(compile_bpf("calls", CALLS)))
    lp = link_program(obj.program("entry"), obj.programs, obj.relocations())
    assert set(lp.placed) == {"entry", "twice", "plus_one"}  # `unused` is not called
    assert len(lp.image) // 8 == sum(p.insn_cnt for p in obj.programs
                                    if p.name in lp.placed)
    for idx, imm in _call_targets(lp.image):
        assert idx + imm + 1 in {lp.placed["twice"], lp.placed["plus_one"]}


def test_func_info_of_appended_subprograms_is_rebased(compile_bpf: Compile) -> None:
    obj = open_object(str(compile_bpf("calls", CALLS)))
    lp = link_program(obj.program("other"), obj.programs, obj.relocations())
    assert sorted(fi.insn_off for fi in lp.func_info) == sorted(lp.placed.values())
    assert all(0 <= li.insn_off < len(lp.image) // 8 for li in lp.line_info)


def test_data_references_get_fd_and_symbol_offset_plus_addend(compile_bpf: Compile) -> None:
    obj = open_object(str(compile_bpf("data", DATA)))
    lp = link_program(obj.program("entry"), obj.programs, obj.relocations())
    apply_data_relos(lp, FAKE_FDS)
    data_idx = next(i for i, m in enumerate(obj.maps) if m.section == ".data")
    offsets = set()
    for r in lp.relos:
        _, _, src, _, imm = I.get(lp.image, r.insn_idx)
        if r.kind is RelocKind.RELO_DATA:
            assert (src, imm) == (I.BPF_PSEUDO_MAP_VALUE, FAKE_FDS[data_idx])
            offsets.add(I.get(lp.image, r.insn_idx + 1)[4])
        elif r.kind is RelocKind.RELO_LD64:
            assert obj.maps[r.map_index].name == "second"  # not the first map of .maps
            assert (src, imm) == (I.BPF_PSEUDO_MAP_FD, FAKE_FDS[r.map_index])
    assert offsets == {4, 12, 8}  # target (st_value 4), s_target, s_decoy (addends in imm)


def test_function_address_becomes_bpf_pseudo_func(compile_bpf: Compile) -> None:
    obj = open_object(str(compile_bpf("callback", CALLBACK)))
    lp = link_program(obj.program("entry"), obj.programs, obj.relocations())
    funcs = [i for i in range(I.count(lp.image)) if I.is_pseudo_func(lp.image, i)]
    assert len(funcs) == 1
    assert funcs[0] + I.get(lp.image, funcs[0])[4] + 1 == lp.placed["step"]


@pytest.mark.parametrize("skip", ["data.reloc.symbol", "data.reloc.addend"])
def test_data_relocation_mutations_lose_the_offset(compile_bpf: Compile, skip: str) -> None:
    from refloader.mutations import plan_for
    plan = plan_for([skip], env=False)
    obj = open_object(str(compile_bpf("data", DATA)), plan=plan)
    lp = link_program(obj.program("entry"), obj.programs, obj.relocations())
    apply_data_relos(lp, FAKE_FDS, plan)
    offsets = {I.get(lp.image, r.insn_idx + 1)[4] for r in lp.relos
               if r.kind is RelocKind.RELO_DATA}
    assert offsets == ({0, 8, 12} if skip == "data.reloc.symbol" else {4, 0})
