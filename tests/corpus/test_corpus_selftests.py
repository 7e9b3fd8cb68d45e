"""Building the selftests corpus: compiles cached by content, failures listed (never fatal),
the BPF_NO_KFUNC_PROTOTYPES retry, the generated headers. The fetch itself needs the Debian
mirror and is exercised by `bpfconform corpus --selftests` (docs/corpus.md)."""

from __future__ import annotations

from pathlib import Path

import pytest

from harness.build import toolchain
from harness.corpus import corpus_selftests as st

OK = 'int x __attribute__((section("socket"), used));\n'
BROKEN = "int f(void) { return undeclared; }\n"
KFUNC_CLASH = """\
#ifndef BPF_NO_KFUNC_PROTOTYPES
extern int bpf_some_kfunc(int x);
#endif
extern long bpf_some_kfunc(long x);
int y;
"""


@pytest.fixture
def tree(tmp_path: Path) -> Path:
    progs = tmp_path / "tree" / "tools/testing/selftests/bpf/progs"
    progs.mkdir(parents=True)
    return tmp_path / "tree"


def compile_source(tree: Path, name: str, text: str) -> st.Compiled:
    src = tree / "tools/testing/selftests/bpf/progs" / name
    src.write_text(text)
    compiler = toolchain.select_compiler(toolchain.discover_compilers(), None)
    out = tree.parent / "build"
    (out / "objs").mkdir(parents=True, exist_ok=True)
    return st.compile_one(compiler, src, out, tree, tree.parent / "include")


def test_a_compile_is_cached_by_content(tree: Path) -> None:
    first = compile_source(tree, "ok.c", OK)
    assert (first.ok, first.compiled, first.obj.name) == (True, True, "ok.bpf.o")
    again = compile_source(tree, "ok.c", OK)
    assert (again.ok, again.compiled) == (True, False)
    changed = compile_source(tree, "ok.c", OK + "int z;\n")
    assert (changed.ok, changed.compiled) == (True, True)


def test_a_failed_compile_is_listed_with_its_diagnostics(tree: Path) -> None:
    res = compile_source(tree, "broken.c", BROKEN)
    assert (res.ok, res.retried) == (False, False)
    assert "undeclared" in res.diagnostics


def test_clashing_kfunc_prototypes_are_retried_without_them(tree: Path) -> None:
    res = compile_source(tree, "clash.c", KFUNC_CLASH)
    assert (res.ok, res.retried) == (True, True)
    assert st.NO_KFUNC in st.flags(tree, tree, (st.NO_KFUNC,))


def test_the_makefiles_bpf_flags_are_used(tree: Path) -> None:
    fl = st.flags(tree, tree / "inc")
    for flag in ("-g", "-O2", "--target=bpfel", "-mcpu=v3", "-D__TARGET_ARCH_x86"):
        assert flag in fl
    assert str(tree / "tools/testing/selftests/bpf") in fl


def test_headers_come_from_the_kernel_btf_and_bpf_doc(tree: Path, tmp_path: Path) -> None:
    (tree / "tools/lib/bpf").mkdir(parents=True)
    (tree / "tools/lib/bpf/bpf_helpers.h").write_text("/* helpers */\n")
    (tree / "scripts").mkdir()
    (tree / "scripts/bpf_doc.py").write_text("print('/* generated helper defs */')\n")
    inc = st.prepare_includes(tree, tmp_path / "out", Path("/sys/kernel/btf/vmlinux"))
    assert "struct task_struct {" in (inc / "vmlinux.h").read_text()
    assert (inc / "bpf/bpf_helpers.h").read_text() == "/* helpers */\n"
    assert (inc / "bpf/bpf_helper_defs.h").read_text() == "/* generated helper defs */\n"


def test_an_unknown_kernel_source_is_one_line(tmp_path: Path) -> None:
    with pytest.raises(st.SelftestsError, match=r"unknown --kernel-source '4\.19'; known: 6\.12"):
        st.fetch_source("4.19", tmp_path)


def test_apt_cache_show_fields() -> None:
    show = "Package: linux-source\nVersion: 6.17.8-1\nDepends: linux-source-6.17\n\nPackage: x\n"
    assert st._field(show, "Depends") == "linux-source-6.17"
    assert st._field(show, "Missing") == ""
