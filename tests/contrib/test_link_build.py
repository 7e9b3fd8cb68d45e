"""Static-linking build rule: `<name>.link` -> `bpftool gen object` -> `<name>.bpf.o`."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from elftools.elf.elffile import ELFFile

from harness.build import toolchain
from harness.suite import discovery

ROOT = Path(__file__).resolve().parents[2]

PART_A = """/* part a */
#include "conformance.h"
extern int other;
TEST(linked, "link.vars", "pass", "required");
SEC("socket") int linked(void *ctx) { ASSERT_EQ(other, 3); PASS(); }
"""
PART_B = """/* part b */
#include "conformance.h"
int other = 3;
"""


@pytest.fixture
def tree(tmp_path: Path) -> Path:
    src = tmp_path / "bpf-src"
    shutil.copytree(ROOT / "bpf-src" / "include", src / "include")
    (src / "link").mkdir()
    (src / "link" / "a.part.c").write_text(PART_A)
    (src / "link" / "b.part.c").write_text(PART_B)
    (src / "link" / "ab.link").write_text('inputs = ["a.part.c", "b.part.c"]\n')
    return src


def _compiler() -> toolchain.Compiler:
    return toolchain.default_compiler(toolchain.discover_compilers())


def test_a_link_manifest_is_a_source_named_by_its_first_part(tree: Path) -> None:
    (src,) = [s for s in toolchain.find_sources(tree) if s.link is not None]
    assert src.rel == "link/a.part.c" and src.link_rel == "link/ab.link"
    assert src.object_rel() == "link/ab.bpf.o"
    assert [p.name for p in src.inputs] == ["a.part.c", "b.part.c"]


def test_the_linked_object_keeps_the_conform_section_and_is_cached(
        tree: Path, tmp_path: Path) -> None:
    out = tmp_path / "build"
    (res,) = toolchain.build_all(_compiler(), tree, out)
    assert res.ok, res.diagnostics
    assert res.compiled and res.obj.name == "ab.bpf.o"
    with res.obj.open("rb") as f:
        elf = ELFFile(f)
        assert elf.get_section_by_name(".conform") is not None
        assert discovery.entry_programs(elf) == ["linked"]
    items = discovery.discover_object(res.obj, res.source.path, res.source.rel,
                                      frozenset({"link.vars"}))
    assert [(i.program, i.error) for i in items] == [("linked", None)]
    (again,) = toolchain.build_all(_compiler(), tree, out)
    assert again.ok and not again.compiled
    (tree / "link" / "b.part.c").write_text(PART_B.replace("= 3", "= 4"))
    (third,) = toolchain.build_all(_compiler(), tree, out)
    assert third.ok and third.compiled


def test_a_link_without_inputs_fails_the_build_with_its_reason(tree: Path,
                                                               tmp_path: Path) -> None:
    (tree / "link" / "ab.link").write_text("inputs = 3\n")
    (res,) = toolchain.build_all(_compiler(), tree, tmp_path / "build")
    assert not res.ok and "inputs" in res.diagnostics
