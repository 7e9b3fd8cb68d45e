"""The CO-RE engine on the compiled bpf-src/core programs against their target stubs.

Pure tests (no kernel): every record resolves, instruction counts never change, the
ambiguous object is refused, every mutation changes some relocated instruction, the
control BTF changes some. With bpf(): the relocated instructions equal libbpf's.
"""

from __future__ import annotations

import struct
import subprocess
from pathlib import Path

import pytest
from core_fixtures import CoreBuild, can_bpf
from elftools.elf.elffile import ELFFile
from refloader.core import POISON_IMM, CoreResult, relocate_programs
from refloader.errors import RelocationError
from refloader.loader import open_object
from refloader.mutations import plan_for
from require import require

REFUSED = {"ambiguous"}  # expect=load_error: two candidates disagree
#: expect=load_error by a poisoned, reachable instruction: relocates, the verifier refuses
POISONED_LIVE = {"field_mem_size_signed"}
Relocated = tuple[dict[str, bytes], list[CoreResult]]


def behaviour_of(obj: Path) -> str:
    with obj.open("rb") as fh:
        sec = ELFFile(fh).get_section_by_name(".conform")
        assert sec is not None, obj
        entries = [e.decode() for e in sec.data().split(b"\0") if e]
    (behaviour,) = {e.split("=", 1)[1] for e in entries if ":behaviour=" in e}
    return behaviour


def relocate(obj: Path, btf: Path | None, skip: tuple[str, ...] = ()) -> Relocated:
    """The CO-RE engine alone (refloader.core) on every program it relocates."""
    target = str(btf) if btf is not None else "/sys/kernel/btf/vmlinux"
    o = open_object(str(obj), plan=plan_for(skip, env=False),
                    btf_custom_path=None if btf is None else str(btf))
    results = relocate_programs(o, target)
    return {p.name: p.insns for p in o.programs}, results


def load_relocate(obj: Path, btf: Path | None, skip: tuple[str, ...] = ()) -> dict[str, bytes]:
    """The loader's CO-RE step (`BpfObject.load` step 2: which programs are relocated,
    then refloader.core), with the plan of `skip`: where every core.* mutation lives."""
    o = open_object(str(obj), plan=plan_for(skip, env=False),
                    btf_custom_path=None if btf is None else str(btf))
    o._core_relocate()
    return {p.name: p.insns for p in o.programs}


def target_of(name: str, build: CoreBuild) -> Path | None:
    return None if name.startswith("vmlinux_") else build.target_of(name)


def test_there_are_at_least_forty_core_programs(core_build: CoreBuild) -> None:
    assert len(core_build.objects) >= 40


def test_every_record_is_applied_or_poisoned_and_no_instruction_count_changes(
        core_build: CoreBuild, cache_dir: Path) -> None:
    for name, obj in core_build.objects.items():
        if name in REFUSED or not core_build.checkable(name):
            continue
        before = {p.name: len(p.insns) for p in open_object(str(obj)).programs}
        insns, results = relocate(obj, target_of(name, core_build))
        assert results, name
        assert {r.state for r in results} <= {"applied", "poisoned"}, name
        assert {k: len(v) for k, v in insns.items()} == before, name


def test_an_ambiguous_candidate_set_is_refused(core_build: CoreBuild, cache_dir: Path) -> None:
    with pytest.raises(RelocationError, match="ambiguity"):
        relocate(core_build.objects["ambiguous"], core_build.target)


def test_the_ambiguous_object_relocates_against_a_single_candidate(
        core_build: CoreBuild, cache_dir: Path) -> None:
    _, results = relocate(core_build.objects["ambiguous"], core_build.control)
    assert [r.state for r in results] == ["applied"]


def test_unreachable_unresolvable_loads_are_poisoned_in_place(core_build: CoreBuild,
                                                             cache_dir: Path) -> None:
    insns, results = relocate(core_build.objects["poison_unreachable"], core_build.target)
    poisoned = [r for r in results if r.state == "poisoned"]
    assert len(poisoned) == 2
    code = insns["poison_unreachable"]
    for r in poisoned:
        assert struct.unpack_from("<BBhi", code, r.insn * 8) == (0x85, 0, 0, POISON_IMM)


def test_the_missing_enum_value_poisons_both_halves_of_its_ld_imm64(
        core_build: CoreBuild, cache_dir: Path) -> None:
    insns, results = relocate(core_build.objects["enumval_missing"], core_build.target)
    (value,) = [r for r in results if r.kind == "BPF_CORE_ENUMVAL_VALUE"]
    assert value.state == "poisoned"
    code = insns["enumval_missing"]
    for i in (value.insn, value.insn + 1):
        assert struct.unpack_from("<BBhi", code, i * 8) == (0x85, 0, 0, POISON_IMM)


def test_the_control_btf_changes_some_relocated_instruction_of_every_program(
        core_build: CoreBuild, cache_dir: Path) -> None:
    for name, obj in core_build.objects.items():
        if name in REFUSED or name.startswith("vmlinux_") or not core_build.checkable(name):
            continue
        good, _ = relocate(obj, core_build.target_of(name))
        ctl, _ = relocate(obj, core_build.control_of(name))
        assert good != ctl, f"{name}: target A and control B relocate identically"


SKIP_CASES = sorted(p.name.removesuffix(".bpf.c") for p in
                    (Path(__file__).parents[2] / "bpf-src" / "core").glob("*.bpf.c"))


@pytest.mark.parametrize("name", SKIP_CASES)
def test_skipping_the_behaviour_changes_the_relocated_program(
        name: str, core_build: CoreBuild, cache_dir: Path) -> None:
    why = core_build.unchecked_because(name)
    if why is not None:
        # legitimate: a recorded compiler probe (cc:*) said absent, as the harness SKIPs it
        pytest.skip(f"{name} with {core_build.compiler}: {why}")
    obj = core_build.objects[name]
    behaviour = behaviour_of(obj)
    target = target_of(name, core_build)
    try:
        good: dict[str, bytes] | None = load_relocate(obj, target)
    except RelocationError:
        good = None  # the refused object: the mutation must make it relocate
    try:
        mutated: dict[str, bytes] | None = load_relocate(obj, target, (behaviour,))
    except RelocationError:
        mutated = None  # e.g. core.not_autoloaded: the unloaded program's ambiguity fails
    assert (good is None) != (mutated is None) or (
        good is not None and mutated is not None and good != mutated), \
        f"{name}: skipping {behaviour} changes nothing"


def _libbpf(helper: Path, obj: Path, btf: Path | None) -> dict[str, list[tuple[int, ...]]] | int:
    args = [str(helper), str(obj)] + ([str(btf)] if btf is not None else [])
    out = subprocess.run(args, capture_output=True, text=True, check=True).stdout.split("\n")
    if out[0].startswith("error"):
        return int(out[0].split()[1])
    progs: dict[str, list[tuple[int, ...]]] = {}
    for line in filter(None, out):
        prog, _, code, regs, off, imm = line.split()
        progs.setdefault(prog, []).append((int(code), int(regs), int(off), int(imm)))
    return progs


def test_relocated_instructions_equal_libbpfs(core_build: CoreBuild, libbpf_insns: Path,
                                              cache_dir: Path) -> None:
    require(can_bpf(), "loading with libbpf needs root (bpf())", "run the tests as root")
    compared = 0
    for name, obj in core_build.objects.items():
        if not core_build.checkable(name):  # the harness SKIPs it: no valid object to compare
            continue
        target = target_of(name, core_build)
        theirs = _libbpf(libbpf_insns, obj, target)
        if name in REFUSED:
            assert theirs == 22, f"{name}: libbpf should refuse the ambiguous object"
            continue
        ours, results = relocate(obj, target)
        if name in POISONED_LIVE:
            assert theirs == 22, f"{name}: the kernel should refuse the poisoned load"
            assert any(r.state == "poisoned" for r in results), name
            continue
        assert isinstance(theirs, dict), f"{name}: libbpf failed with errno {theirs}"
        for r in results:
            if r.prog not in theirs:  # subprogram: libbpf appended it elsewhere
                continue
            mine = ours[r.prog]
            for i in (r.insn, r.insn + 1) if mine[r.insn * 8] == 0x18 else (r.insn,):
                code, regs, off, imm = struct.unpack_from("<BBhi", mine, i * 8)
                assert (code, regs, off, imm) == theirs[r.prog][i], f"{name}: insn {i}"
                compared += 1
    assert compared > 150
