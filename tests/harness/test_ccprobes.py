from __future__ import annotations

import json
import struct
from dataclasses import replace
from pathlib import Path

import pytest
from require import require

from harness import cli
from harness.build import toolchain
from harness.probes import ccprobes
from harness.probes.probes import ProbeResult
from harness.run.runner import AdapterRun, Context, PinRoots
from harness.run.verdict import SkipKind, Verdict
from harness.suite import discovery
from harness.suite.discovery import Expectations, Item

COMPILERS = {c.id: c for c in toolchain.discover_compilers()}


def _btf(types: bytes) -> bytes:
    header = struct.pack("<HBBIIIII", 0xEB9F, 1, 0, 24, 0, len(types), len(types), 1)
    return header + types + b"\0"


def test_btf_kinds_walks_every_type_with_its_trailing_records() -> None:
    int_t = struct.pack("<III", 0, 1 << 24, 4) + struct.pack("<I", 32)
    enum64 = struct.pack("<III", 0, (19 << 24) | 2, 8) + b"\0" * 24
    enum = struct.pack("<III", 0, (6 << 24) | 1, 4) + b"\0" * 8
    assert ccprobes.btf_kinds(_btf(int_t + enum64 + enum)) == [1, 19, 6]


def test_btf_kinds_refuses_what_is_not_btf() -> None:
    with pytest.raises(ValueError, match="not BTF"):
        ccprobes.btf_kinds(b"\0" * 32)


def test_every_compiler_probe_records_a_result_with_a_reason(
    compiler: toolchain.Compiler, tmp_path: Path
) -> None:
    results = ccprobes.probe_compiler(compiler, tmp_path)
    assert set(results) == set(ccprobes.CC_PROBE_NAMES)
    assert all(r.reason.startswith(compiler.id) for r in results.values())


def test_probe_results_are_cached_per_compiler_and_version(
    compiler: toolchain.Compiler, tmp_path: Path
) -> None:
    first = ccprobes.probe_compiler(compiler, tmp_path)
    cache = tmp_path / compiler.id / ccprobes.CACHE_NAME
    assert json.loads(cache.read_text())["probes"].keys() == set(ccprobes.CC_PROBE_NAMES)
    broken = replace(compiler, argv=("/nonexistent/clang",))
    assert ccprobes.probe_compiler(broken, tmp_path) == first  # from the cache, no compile
    other_version = replace(broken, version=compiler.version + "-other")
    again = ccprobes.probe_compiler(other_version, tmp_path)
    assert not any(r.ok for r in again.values())
    assert all("could not run" in r.reason for r in again.values())


def test_a_compiler_that_could_not_run_is_an_error_never_cached_as_absent(
    compiler: toolchain.Compiler, tmp_path: Path
) -> None:
    broken = replace(compiler, argv=("/nonexistent/clang",))
    results = ccprobes.probe_compiler(broken, tmp_path)
    assert all(r.error and r.state == "error" and "could not run" in r.reason
               for r in results.values())
    assert not (tmp_path / compiler.id / ccprobes.CACHE_NAME).exists()
    # the same compiler id and version, now runnable: asked again, a definite answer
    fixed = ccprobes.probe_compiler(compiler, tmp_path)
    assert not any(r.error for r in fixed.values())
    assert fixed == ccprobes.probe_compiler(broken, tmp_path)  # now from the cache


def test_a_killed_compiler_is_an_error(compiler: toolchain.Compiler, tmp_path: Path) -> None:
    killed = replace(compiler, argv=("sh", "-c", "kill -KILL $$"))
    results = ccprobes.probe_compiler(killed, tmp_path)
    assert all(r.error and "killed by signal 9" in r.reason for r in results.values())
    assert not (tmp_path / compiler.id / ccprobes.CACHE_NAME).exists()


def test_an_errored_entry_in_an_old_cache_is_not_taken_as_an_answer(
    compiler: toolchain.Compiler, tmp_path: Path
) -> None:
    first = ccprobes.probe_compiler(compiler, tmp_path)
    cache = tmp_path / compiler.id / ccprobes.CACHE_NAME
    doc = json.loads(cache.read_text())
    doc["probes"]["cc:enum64"] = {"ok": False, "reason": "could not run", "error": True}
    cache.write_text(json.dumps(doc))
    assert ccprobes.probe_compiler(compiler, tmp_path) == first  # asked again


def test_clang_14_lacks_type_matches_and_enum64_by_compiling_them(tmp_path: Path) -> None:
    require("clang-14" in COMPILERS, "clang-14 is not installed",
            ".ci/install (apt-get install clang-14)")
    results = ccprobes.probe_compiler(COMPILERS["clang-14"], tmp_path)
    assert not results["cc:type_matches"].ok
    assert "Incorrect flag" in results["cc:type_matches"].reason  # the backend's own refusal
    assert not results["cc:enum64"].ok
    assert "BTF_KIND_ENUM64" in results["cc:enum64"].reason


def test_clang_19_has_type_matches_and_enum64(tmp_path: Path) -> None:
    require("clang-19" in COMPILERS, "clang-19 is not installed",
            ".ci/install (apt-get install clang-19)")
    results = ccprobes.probe_compiler(COMPILERS["clang-19"], tmp_path)
    assert results["cc:type_matches"].ok and results["cc:enum64"].ok


def test_a_present_probe_defines_its_macro_in_every_compile(
    compiler: toolchain.Compiler, bpf_src: Path, tmp_path: Path
) -> None:
    (bpf_src / "t").mkdir()
    (bpf_src / "t" / "m.bpf.c").write_text(
        "#ifdef CONFORM_CC_ENUM64\nint has_enum64;\n#else\nint no_enum64;\n#endif\n")
    (result,) = toolchain.build_all(compiler, bpf_src, tmp_path / "build")
    assert result.ok, result.diagnostics
    probes = toolchain.cc_probes(compiler, tmp_path / "build")
    want = b"has_enum64" if probes["cc:enum64"].ok else b"no_enum64"
    assert want in result.obj.read_bytes()


def test_requires_may_name_compiler_probes_but_not_unknown_ones() -> None:
    cat = frozenset({"data.data"})
    good = ["p:behaviour=data.data", "p:expect=pass", "p:level=required",
            "p:requires=cc:enum64,btf_vmlinux"]
    assert not discovery.parse_entries(good, cat)["p"].problems
    bad = discovery.parse_entries([*good[:3], "p:requires=cc:warp"], cat)["p"].problems
    assert any("cc:warp" in p for p in bad)


def test_an_item_whose_compiler_probe_is_absent_is_skipped_with_its_reason(
    tmp_path: Path
) -> None:
    exp = Expectations("data.data", "pass", "required", requires=("cc:type_matches",))
    item = Item(tmp_path / "x.bpf.o", tmp_path / "x.bpf.c", "d/x.bpf.c", "p", exp)
    why = "clang-14 cannot compile BPF_TYPE_MATCHES"
    probes = {"cc:type_matches": ProbeResult("cc:type_matches", False, why)}
    ctx = Context("host-test", "clang-14", probes, PinRoots(tmp_path / "pins"))
    result = AdapterRun("never-started", None, ctx).run(item)  # type: ignore[arg-type]
    assert result.verdict is Verdict.SKIP
    assert result.outcome.reason == f"requires cc:type_matches: {why}"


def test_run_records_compiler_probes_in_meta_next_to_kernel_probes(
    bpf_src: Path, tmp_path: Path
) -> None:
    (bpf_src / "d").mkdir()
    (bpf_src / "d" / "x.bpf.c").write_text('/* x */\n#include "conformance.h"\n'
                                           'TEST(p, "data.data", "pass", "required");\n'
                                           'SEC("socket") int p(void *ctx) { return 0; }\n')
    out = tmp_path / "out"
    cli.main(["run", "--adapter", "python", "--bpf-src", str(bpf_src), "--out", str(out)])
    probes = json.loads((out / "results.json").read_text())["meta"]["probes"]
    assert {"cc:type_matches", "cc:enum64", "prog_test_run"} <= set(probes)
    assert all(isinstance(p["ok"], bool) and p["reason"] for p in probes.values())


def test_gcc_probes_compile_with_gccs_own_flags() -> None:
    gcc = toolchain.Compiler("gcc-bpf-12", ("bpf-gcc",), "12.2.0", 12, "gcc")
    clang = toolchain.Compiler("clang-19", ("clang-19",), "19.1.7", 19, "debian")
    assert ccprobes.probe_flags(gcc) == ccprobes.GCC_PROBE_FLAGS
    assert "-Werror=implicit-function-declaration" in ccprobes.GCC_PROBE_FLAGS
    assert ccprobes.probe_flags(clang) == ccprobes.PROBE_FLAGS
    assert ccprobes._cache_key(gcc) != ccprobes._cache_key(replace(gcc, kind="debian"))


def test_every_clang_has_the_constructs_gcc_bpf_12_lacks(
        compiler: toolchain.Compiler, tmp_path: Path) -> None:
    got = ccprobes.probe_compiler(compiler, tmp_path)
    for name in ("cc:helper_call", "cc:field_info", "cc:type_info", "cc:enum_value",
                 "cc:btf_type_id", "cc:static_link"):
        assert got[name].ok, got[name].reason


HELPER_ERROR = "x.bpf.c:56:1: error: indirect call in function, which are not supported by eBPF"


def test_a_build_failure_an_absent_probe_explains_is_attributed_to_it() -> None:
    absent = {"cc:helper_call": ProbeResult("cc:helper_call", False, "indirect call")}
    assert [r.name for r in ccprobes.explain_failure(HELPER_ERROR, absent)] == [
        "cc:helper_call"]


def test_a_build_failure_is_unexplained_when_the_matching_probe_is_present_or_none_match(
) -> None:
    present = {"cc:helper_call": ProbeResult("cc:helper_call", True, "compiles")}
    assert ccprobes.explain_failure(HELPER_ERROR, present) == []  # our bug, not a gap
    undecided = {"cc:helper_call": ProbeResult("cc:helper_call", False, "?", error=True)}
    assert ccprobes.explain_failure(HELPER_ERROR, undecided) == []
    assert ccprobes.explain_failure("error: unknown type name 'u32'", {}) == []


def test_an_object_the_compiler_cannot_build_is_a_probe_skip_not_an_error(
    tmp_path: Path
) -> None:
    item = Item(tmp_path / "x.bpf.o", tmp_path / "x.bpf.c", "d/x.bpf.c", "<object>",
                unbuilt=("cc:helper_call", "gcc-bpf-12 cannot build it (cc:helper_call: …)"))
    ctx = Context("host-test", "gcc-bpf-12", {}, PinRoots(tmp_path / "pins"))
    result = AdapterRun("never-started", None, ctx).run(item)  # type: ignore[arg-type]
    assert (result.verdict, result.outcome.skip_kind) == (Verdict.SKIP, SkipKind.PROBE)
    assert result.outcome.reason.startswith("requires cc:helper_call: gcc-bpf-12 cannot")
