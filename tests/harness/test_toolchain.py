from __future__ import annotations

import shutil
import subprocess
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path

import pytest
from elftools.elf.elffile import ELFFile
from require import require

from harness.build import toolchain
from harness.probes import ccprobes
from harness.run.runner import REPO_ROOT

WriteSource = Callable[[str, str], Path]

PROG = """/* {purpose} */
#include "conformance.h"
{extra}
SEC("socket") int prog(void *ctx) {{ return 0; }}
"""


def _compiled(results: list[toolchain.BuildResult]) -> set[str]:
    return {r.source.rel for r in results if r.compiled}


def test_a_warm_build_compiles_nothing(
    compiler: toolchain.Compiler, bpf_src: Path, write_source: WriteSource, tmp_path: Path
) -> None:
    write_source("a/one.bpf.c", PROG.format(purpose="one", extra=""))
    write_source("b/two.bpf.c", PROG.format(purpose="two", extra=""))
    cold = toolchain.build_all(compiler, bpf_src, tmp_path / "build")
    assert _compiled(cold) == {"a/one.bpf.c", "b/two.bpf.c"}
    assert all(r.ok for r in cold)
    assert (tmp_path / "build" / compiler.id / "a" / "one.bpf.o").is_file()
    warm = toolchain.build_all(compiler, bpf_src, tmp_path / "build")
    assert _compiled(warm) == set()


def test_a_header_change_recompiles_only_its_includers(
    compiler: toolchain.Compiler, bpf_src: Path, write_source: WriteSource, tmp_path: Path
) -> None:
    header = write_source("include/extra.h", "#define EXTRA 1\n")
    write_source("a/uses.bpf.c", PROG.format(purpose="uses", extra='#include "extra.h"'))
    write_source("a/plain.bpf.c", PROG.format(purpose="plain", extra=""))
    toolchain.build_all(compiler, bpf_src, tmp_path / "build")
    header.write_text("#define EXTRA 2\n")
    again = toolchain.build_all(compiler, bpf_src, tmp_path / "build")
    assert _compiled(again) == {"a/uses.bpf.c"}


def test_a_source_change_recompiles_it(
    compiler: toolchain.Compiler, bpf_src: Path, write_source: WriteSource, tmp_path: Path
) -> None:
    src = write_source("a/one.bpf.c", PROG.format(purpose="one", extra=""))
    toolchain.build_all(compiler, bpf_src, tmp_path / "build")
    src.write_text(PROG.format(purpose="one, edited", extra=""))
    assert _compiled(toolchain.build_all(compiler, bpf_src, tmp_path / "build")) == {
        "a/one.bpf.c"}


def test_a_compile_error_names_the_file_and_the_rest_still_builds(
    compiler: toolchain.Compiler, bpf_src: Path, write_source: WriteSource, tmp_path: Path
) -> None:
    write_source("a/broken.bpf.c", "/* broken */\nint f(void) { return undeclared_thing; }\n")
    write_source("a/fine.bpf.c", PROG.format(purpose="fine", extra=""))
    results = {r.source.rel: r for r in toolchain.build_all(compiler, bpf_src,
                                                           tmp_path / "build")}
    assert results["a/fine.bpf.c"].ok
    broken = results["a/broken.bpf.c"]
    assert not broken.ok
    assert "broken.bpf.c:2" in broken.diagnostics
    assert "undeclared_thing" in broken.diagnostics
    assert not broken.obj.exists()


def test_btf_stubs_compile_with_target_defined(
    compiler: toolchain.Compiler, bpf_src: Path, write_source: WriteSource, tmp_path: Path
) -> None:
    write_source("core/target.btf.c",
                 "#ifndef TARGET\n#error TARGET not defined\n#endif\nstruct s { int a; } s;\n")
    (result,) = toolchain.build_all(compiler, bpf_src, tmp_path / "build")
    assert result.ok, result.diagnostics
    assert result.source.is_btf_stub
    assert result.obj == tmp_path / "build" / compiler.id / "core" / "target.btf.o"


def test_objects_of_different_compilers_do_not_share_a_cache(
    bpf_src: Path, write_source: WriteSource, tmp_path: Path
) -> None:
    found = toolchain.discover_compilers()
    require(len(found) >= 2, f"needs two compilers, found {[c.id for c in found]}",
            ".ci/install (clang-14 and clang-19; clang-15/16 from harness/matrix/apt.txt)")
    write_source("a/one.bpf.c", PROG.format(purpose="one", extra=""))
    for c in found[:2]:
        (r,) = toolchain.build_all(c, bpf_src, tmp_path / "build")
        assert r.ok and r.compiled, r.diagnostics
        assert r.obj.parent.parent.name == c.id


@pytest.mark.parametrize(
    ("text", "deps"),
    [
        ("x.o: a.c b.h\n", ["a.c", "b.h"]),
        ("x.o: a.c \\\n  /inc/b.h \\\n  /inc/c.h\n", ["a.c", "/inc/b.h", "/inc/c.h"]),
        ("x.o: /my\\ dir/a.c b.h\n", ["/my dir/a.c", "b.h"]),
    ],
    ids=["one-line", "continued", "escaped-space"],
)
def test_depfiles_parse(text: str, deps: list[str]) -> None:
    assert toolchain.parse_depfile(text) == deps


def test_no_compiler_at_all_says_what_to_install() -> None:
    with pytest.raises(toolchain.ToolchainError, match=r"clang-19.*pip install ziglang"):
        toolchain.default_compiler([])


def test_an_unknown_compiler_id_lists_the_known_ones(compiler: toolchain.Compiler) -> None:
    with pytest.raises(toolchain.ToolchainError, match=compiler.id):
        toolchain.select_compiler([compiler], "clang-99")


def test_the_default_compiler_is_the_newest_debian_clang() -> None:
    def c(cid: str, major: int, kind: str) -> toolchain.Compiler:
        return toolchain.Compiler(cid, (cid,), f"{major}.0.0", major, kind)

    found = [c("clang-14", 14, "debian"), c("clang-19", 19, "debian"),
             c("zig-clang-22", 22, "zig")]
    assert toolchain.default_compiler(found).id == "clang-19"
    assert toolchain.default_compiler(found[2:]).id == "zig-clang-22"


def test_a_v4_variant_builds_with_mcpu_v4_and_is_never_the_default() -> None:
    clang = toolchain.Compiler("clang-19", ("/usr/bin/clang-19",), "19.1.7", 19, "debian")
    v4 = toolchain.v4_variant(clang)
    assert (v4.id, v4.argv, v4.major) == ("clang-19-v4", ("/usr/bin/clang-19", "-mcpu=v4"), 19)
    assert toolchain.default_compiler([v4, clang]).id == "clang-19"
    assert toolchain.select_compiler([clang, v4], "clang-19-v4") is v4


def test_the_v4_build_emits_cpu_v4_instructions(tmp_path: Path) -> None:
    """clang-NN-v4's argv really gives `-mcpu=v4`: a signed division is BPF_SDIV (off 1)."""
    v4 = next((c for c in toolchain.discover_compilers() if c.id.endswith("-v4")), None)
    if v4 is None:
        pytest.fail("no clang 18+ found: install clang-19 (.ci/install)")
    src = tmp_path / "sdiv.c"
    src.write_text("long f(long a, long b) { return a / b; }\n")
    obj = tmp_path / "sdiv.o"
    subprocess.run([*v4.argv, "-target", "bpfel", "-O2", "-c", str(src), "-o", str(obj)],
                   check=True, capture_output=True)
    with obj.open("rb") as f:
        text = ELFFile(f).get_section_by_name(".text").data()
    insns = [text[i:i + 8] for i in range(0, len(text), 8)]
    assert any(i[0] == 0x3F and int.from_bytes(i[2:4], "little") == 1 for i in insns)


NEGATIVE = """/* toolchain test: a negative program with a positive control */
#include "conformance.h"
TEST(neg, "data.data", "load_error", "required");
CONFORM(neg, "control", "define");
#ifdef CONFORM_CONTROL
SEC("socket") int neg(void *ctx) { return 0; }
#else
SEC("socket") int neg(void *ctx) { return *(volatile int *)0; }
#endif
"""


def test_a_source_naming_conform_control_also_builds_its_positive_control(
    tmp_path: Path,
) -> None:
    src = tmp_path / "bpf-src"
    shutil.copytree(REPO_ROOT / "bpf-src" / "include", src / "include")
    (src / "d").mkdir()
    (src / "d" / "neg.bpf.c").write_text(NEGATIVE)
    (src / "d" / "plain.bpf.c").write_text(NEGATIVE.replace("CONFORM_CONTROL", "NO_SUCH"))
    compiler = toolchain.default_compiler(toolchain.discover_compilers())
    builds = {b.source.rel: b for b in toolchain.build_all(compiler, src, tmp_path / "build")}
    neg, plain = builds["d/neg.bpf.c"], builds["d/plain.bpf.c"]
    assert neg.ok and neg.control is not None and neg.control.ok
    assert neg.control.obj.name == "neg.control.bpf.o"
    assert plain.control is None
    assert neg.obj.read_bytes() != neg.control.obj.read_bytes()  # the variant differs
    again = {b.source.rel: b for b in toolchain.build_all(compiler, src, tmp_path / "build")}
    assert again["d/neg.bpf.c"].control is not None
    assert not again["d/neg.bpf.c"].control.compiled  # cached like any object


def test_a_big_endian_sources_control_is_little_endian() -> None:
    big = toolchain.Source(Path("x.bpfeb.bpf.c"), "e/x.bpfeb.bpf.c")
    assert big.target == "bpfeb"
    ctl = replace(big, control=True)
    assert (ctl.target, ctl.object_rel()) == ("bpfel", "e/x.bpfeb.control.bpf.o")


CONTROL_BROKEN = """/* toolchain test: a control variant that does not compile */
#include "conformance.h"
TEST(neg, "data.data", "load_error", "required");
CONFORM(neg, "control", "define");
#ifdef CONFORM_CONTROL
SEC("socket") int neg(void *ctx) { return control_only_undeclared; }
#else
SEC("socket") int neg(void *ctx) { return *(volatile int *)0; }
#endif
"""


def test_a_failed_control_compile_is_reported_like_a_build_and_keeps_the_object(
    compiler: toolchain.Compiler, bpf_src: Path, write_source: WriteSource, tmp_path: Path
) -> None:
    write_source("d/neg.bpf.c", CONTROL_BROKEN)
    (res,) = toolchain.build_all(compiler, bpf_src, tmp_path / "build")
    assert res.ok, res.diagnostics  # the defective object itself builds
    assert res.control is not None and not res.control.ok and res.control.compiled
    assert "control_only_undeclared" in res.control.diagnostics
    assert "neg.bpf.c:6" in res.control.diagnostics  # the line of the control variant
    assert not res.control.obj.exists()


def test_an_edit_of_the_control_variant_alone_rebuilds_the_control(
    compiler: toolchain.Compiler, bpf_src: Path, write_source: WriteSource, tmp_path: Path
) -> None:
    src = write_source("d/neg.bpf.c", NEGATIVE)
    (cold,) = toolchain.build_all(compiler, bpf_src, tmp_path / "build")
    assert cold.control is not None and cold.control.ok and cold.control.compiled
    before = cold.control.obj.read_bytes()
    src.write_text(NEGATIVE.replace("{ return 0; }", "{ return 7; }"))  # control only
    (again,) = toolchain.build_all(compiler, bpf_src, tmp_path / "build")
    assert again.control is not None and again.control.ok and again.control.compiled
    assert again.control.obj == cold.control.obj
    assert again.control.obj.read_bytes() != before  # keyed by the source's content


def test_the_control_gets_the_compilers_cc_probe_defines(
    compiler: toolchain.Compiler, bpf_src: Path, write_source: WriteSource, tmp_path: Path
) -> None:
    present = ccprobes.defines(toolchain.cc_probes(compiler, tmp_path / "build"))
    require(present, f"{compiler.id} has no present cc probe",
            ".ci/install (clang-19, which has cc:type_matches)")
    macro = present[0].removeprefix("-D")
    write_source("d/neg.bpf.c", NEGATIVE.replace(
        "#ifdef CONFORM_CONTROL\n",
        f"#ifdef CONFORM_CONTROL\n#ifndef {macro}\n#error no {macro}\n#endif\n"))
    (res,) = toolchain.build_all(compiler, bpf_src, tmp_path / "build")
    assert res.ok and res.control is not None and res.control.ok, (
        res.control.diagnostics if res.control else res.diagnostics)


def _ei_data(obj: Path) -> int:
    return obj.read_bytes()[5]  # e_ident[EI_DATA]: 1 = ELFDATA2LSB, 2 = ELFDATA2MSB


def test_a_big_endian_sources_control_object_is_built_little_endian(
    compiler: toolchain.Compiler, bpf_src: Path, write_source: WriteSource, tmp_path: Path
) -> None:
    write_source("e/be.bpfeb.bpf.c", NEGATIVE.replace("int neg(void *ctx) { return *(volatile "
                                                      "int *)0; }", "int neg(void *ctx) "
                                                      "{ return 0; }"))
    (res,) = toolchain.build_all(compiler, bpf_src, tmp_path / "build")
    assert res.ok and res.control is not None and res.control.ok, res.diagnostics
    assert res.control.obj.name == "be.bpfeb.control.bpf.o"
    assert (_ei_data(res.obj), _ei_data(res.control.obj)) == (2, 1)


def test_stubs_links_and_controls_have_no_control_of_their_own(tmp_path: Path) -> None:
    part = tmp_path / "a.part.c"
    part.write_text("/* mentions CONFORM_CONTROL */\n")
    stub = tmp_path / "t.btf.c"
    stub.write_text("/* mentions CONFORM_CONTROL */\n")
    link = toolchain.Source(part, "l/a.part.c", tmp_path / "ab.link", "l/ab.link", (part,))
    assert toolchain.control_of(link) is None
    assert toolchain.control_of(toolchain.Source(stub, "c/t.btf.c")) is None
    plain = toolchain.Source(part, "d/a.bpf.c")
    control = toolchain.control_of(plain)
    assert control is not None and control.control
    assert toolchain.control_of(control) is None


def test_control_objects_are_not_sources(
    compiler: toolchain.Compiler, bpf_src: Path, write_source: WriteSource, tmp_path: Path
) -> None:
    write_source("d/neg.bpf.c", NEGATIVE)
    out = tmp_path / "build"
    (res,) = toolchain.build_all(compiler, bpf_src, out)
    assert res.control is not None and res.control.ok
    # discovery walks the build results' main objects: one result per source, the control
    # hangs off it; a second build still sees one source
    assert [s.rel for s in toolchain.find_sources(bpf_src)] == ["d/neg.bpf.c"]
    assert len(toolchain.build_all(compiler, bpf_src, out)) == 1


def test_gcc_bpf_is_found_as_gcc_bpf_major_and_never_the_default(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    fake = tmp_path / "bpf-gcc"
    fake.write_text("#!/bin/sh\necho 'bpf-gcc (12.2.0-14+deb12u1+) 12.2.0'\n")
    fake.chmod(0o755)
    monkeypatch.setenv("PATH", str(tmp_path))  # no clang: only the fake gcc-bpf
    monkeypatch.setattr(toolchain, "_zig_available", lambda: False)
    found = toolchain.discover_compilers()
    assert [(c.id, c.version, c.major, c.kind) for c in found] == [
        ("gcc-bpf-12", "12.2.0", 12, "gcc")]
    with pytest.raises(toolchain.ToolchainError, match="no clang found"):
        toolchain.default_compiler(found)  # GCC is never picked without --compiler
    assert toolchain.select_compiler(found, "gcc-bpf-12") is found[0]


def test_gcc_compiles_with_btf_core_and_the_sources_byte_order() -> None:
    inc = Path("/inc")
    little = toolchain.compile_flags(toolchain.Source(Path("/a.bpf.c"), "a.bpf.c"), inc,
                                     ("-DX",), "gcc")
    assert little == (*toolchain.GCC_FLAGS, "-mlittle-endian", "-DX", "-I", "/inc")
    assert "-gbtf" in little and "-mco-re" in little and "-target" not in little
    big = toolchain.compile_flags(toolchain.Source(Path("/b.bpfeb.bpf.c"), "b.bpfeb.bpf.c"),
                                  inc, (), "gcc")
    assert "-mbig-endian" in big
    clang = toolchain.compile_flags(toolchain.Source(Path("/a.bpf.c"), "a.bpf.c"), inc)
    assert clang[:2] == ("-target", "bpfel")  # clang's flags unchanged
