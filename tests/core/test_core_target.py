"""The target BTF index: raw vmlinux and -DTARGET ELF stubs, on-disk cache cold and warm."""

from __future__ import annotations

from pathlib import Path

import pytest
from core_fixtures import CoreBuild
from refloader.btf import Btf, BtfKind, Composite
from refloader.core.target import load_target
from refloader.elf import read_elf

from harness.probes.probes import run_probes

VMLINUX = "/sys/kernel/btf/vmlinux"


def test_stub_index_agrees_with_the_full_btf_model(core_build: CoreBuild, cache_dir: Path) -> None:
    target = load_target(str(core_build.target))
    sec = read_elf(str(core_build.target)).section_by_name(".BTF")
    assert sec is not None
    full = Btf.parse(sec.data)
    assert len(target) == len(full)
    for type_id, t in full:
        if t.kind != BtfKind.DATASEC:  # never a CO-RE candidate: not decoded
            assert target.type_by_id(type_id) == t, type_id
    assert target.candidates("cr_amb") == full.ids_by_name("cr_amb___x") + full.ids_by_name(
        "cr_amb___y")
    assert target.candidates("cr_gone") == []


def test_warm_load_reads_the_cache_and_gives_the_same_index(core_build: CoreBuild,
                                                          cache_dir: Path) -> None:
    cold = load_target(str(core_build.target), cache_min_bytes=0)
    files = list((cache_dir / "core-index").iterdir())
    assert len(files) == 1 and cold.digest in files[0].name
    warm = load_target(str(core_build.target), cache_min_bytes=0)
    assert warm.index == cold.index and warm.offsets == cold.offsets


def test_a_corrupt_cache_file_is_rebuilt(core_build: CoreBuild, cache_dir: Path) -> None:
    good = load_target(str(core_build.target), cache_min_bytes=0)
    (cache_file,) = (cache_dir / "core-index").iterdir()
    cache_file.write_bytes(b"not a marshal stream")
    again = load_target(str(core_build.target), cache_min_bytes=0)
    assert again.index == good.index
    assert load_target(str(core_build.target), cache_min_bytes=0).index == good.index


def test_a_small_stub_is_not_cached_by_default(core_build: CoreBuild, cache_dir: Path) -> None:
    load_target(str(core_build.target))
    assert not (cache_dir / "core-index").exists()


def test_vmlinux_list_head_is_found_by_name_with_next_at_offset_zero(cache_dir: Path) -> None:
    probe = run_probes(["btf_vmlinux"])["btf_vmlinux"]
    assert not probe.error, probe.reason
    if not probe.ok:  # legitimate: the recorded kernel probe says this kernel has no BTF
        pytest.skip(f"requires btf_vmlinux: {probe.reason}")
    target = load_target(VMLINUX)
    (lh,) = [i for i in target.candidates("list_head")
             if isinstance(target.type_by_id(i), Composite)]
    t = target.type_by_id(lh)
    assert isinstance(t, Composite)
    assert [(m.name, t.bit_offset(m)) for m in t.members] == [("next", 0), ("prev", 64)]
    assert target.resolve_size(lh) == 16
