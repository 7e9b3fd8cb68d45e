from __future__ import annotations

import ast
import importlib
import json
import shutil
from pathlib import Path

import pytest
from require import require_adapter

from harness import cli
from harness.adapters.manifest import AdapterUnavailable, find_manifest
from harness.commands.registry import SUBCOMMANDS
from harness.run import session
from harness.run.runner import REPO_ROOT

PROG = """/* cli test */
#include "conformance.h"
TEST(ok, "data.data", "pass", "required");
SEC("socket") int ok(void *ctx) { return 0; }
TEST(bad, "data.data", "pass", "required");
SEC("socket") int bad(void *ctx) { return __LINE__; }
"""


@pytest.fixture
def src(tmp_path: Path) -> Path:
    bpf_src = tmp_path / "bpf-src"
    shutil.copytree(REPO_ROOT / "bpf-src" / "include", bpf_src / "include")
    (bpf_src / "d").mkdir()
    (bpf_src / "d" / "x.bpf.c").write_text(PROG)
    return bpf_src


def _need_libbpf() -> None:
    require_adapter("libbpf")


def test_the_registry_has_every_subcommand() -> None:
    names = [c.name for c in SUBCOMMANDS]
    assert names[:6] == ["run", "list", "adapters", "build", "build-adapters", "sensitivity"]
    for name in names:
        with pytest.raises(SystemExit) as exit_:
            cli.main([name, "--help"])
        assert exit_.value.code == 0


def test_every_module_s_subcommands_are_registered_once() -> None:
    declaring = sorted(
        ".".join(f.relative_to(REPO_ROOT).with_suffix("").parts)
        for f in (REPO_ROOT / "harness").rglob("*.py")
        if any(isinstance(n, ast.AnnAssign | ast.Assign) and "SUBCOMMANDS" in
               [t.id for t in (n.targets if isinstance(n, ast.Assign) else [n.target])
                if isinstance(t, ast.Name)]
               for n in ast.parse(f.read_text()).body))
    assert "harness.commands.oracle" in declaring and "harness.commands.matrix" in declaring
    # a subcommand lives in the commands room, never beside its engine
    assert [n for n in declaring if not n.startswith("harness.commands.")] == []
    registered = [c.name for c in SUBCOMMANDS]
    assert len(registered) == len(set(registered))
    for name in declaring:
        module = importlib.import_module(name)
        for cmd in module.SUBCOMMANDS:
            assert cmd in SUBCOMMANDS, f"{name}: {cmd.name} is not in the registry"


def test_list_json_shows_items_and_expectations(
    src: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert cli.main(["list", "--json", "--bpf-src", str(src)]) == 0
    items = json.loads(capsys.readouterr().out)
    assert [i["id"] for i in items] == ["d/x.bpf.c::ok", "d/x.bpf.c::bad"]
    assert items[0]["expectations"]["behaviour"] == "data.data"


def test_build_reports_what_it_compiled(src: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert cli.main(["build", "--bpf-src", str(src)]) == 0
    assert "1 compiled" in capsys.readouterr().out
    assert cli.main(["build", "--bpf-src", str(src)]) == 0
    assert "0 compiled, 1 cached, 0 failed" in capsys.readouterr().out


def test_an_unknown_adapter_is_one_line_and_exit_2(
    src: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert cli.main(["run", "--adapter", "nosuch", "--bpf-src", str(src)]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "unknown adapter 'nosuch'" in err[0]


def test_run_fails_on_a_fail_and_writes_both_reports(
    src: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    _need_libbpf()
    out = tmp_path / "out"
    rc = cli.main(["run", "--adapter", "libbpf", "--bpf-src", str(src), "--out", str(out)])
    assert rc == 1
    stdout = capsys.readouterr().out
    assert "FAIL d/x.bpf.c:6 bad [libbpf]: SEC(\"socket\") int bad(void *ctx)" in stdout
    assert "2 items: 1 pass, 1 fail" in stdout
    doc = json.loads((out / "results.json").read_text())
    assert {r["program"]: r["verdict"] for r in doc["results"]} == {"ok": "PASS", "bad": "FAIL"}
    assert (out / "junit.xml").is_file()


def test_k_selects_items_by_substring(
    src: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    _need_libbpf()
    rc = cli.main(["run", "--adapter", "libbpf", "--bpf-src", str(src), "--out",
                   str(tmp_path / "o"), "-k", "::ok"])
    assert rc == 0
    assert "1 items: 1 pass" in capsys.readouterr().out


def test_adapters_json_names_library_versions(capsys: pytest.CaptureFixture[str]) -> None:
    _need_libbpf()
    assert cli.main(["adapters", "--json"]) == 0
    rows = {r["name"]: r for r in json.loads(capsys.readouterr().out)}
    assert rows["libbpf"]["library_version"]
    assert all("library_version" in r or "unavailable" in r for r in rows.values())


def test_sensitivity_needs_an_adapter_with_a_skip_switch(
    src: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    _need_libbpf()
    assert cli.main(["sensitivity", "--adapter", "libbpf", "--bpf-src", str(src)]) == 2
    assert "does not list 'skip'" in capsys.readouterr().err


SENSITIVITY = """/* sensitivity test */
#include "conformance.h"
int counter = 7;
TEST(checks, "data.data", "pass", "required");
SEC("socket") int checks(void *ctx) { ASSERT_EQ(counter, 7); return 0; }
TEST(asserts_nothing, "data.data", "pass", "required");
SEC("socket") int asserts_nothing(void *ctx) { return 0; }
"""


def test_sensitivity_flags_a_program_that_asserts_nothing(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from harness.adapters.client import AdapterClient, AdapterError

    try:
        with AdapterClient(find_manifest(REPO_ROOT, "python"), REPO_ROOT) as client:
            supports = client.hello().supports
    except (AdapterUnavailable, AdapterError) as exc:
        pytest.fail(f"reference loader unavailable (run .ci/install): {exc}")
    assert "skip" in supports, "the reference loader must list 'skip' (mutation testing)"
    bpf_src = tmp_path / "bpf-src"
    shutil.copytree(REPO_ROOT / "bpf-src" / "include", bpf_src / "include")
    (bpf_src / "d").mkdir()
    (bpf_src / "d" / "s.bpf.c").write_text(SENSITIVITY)
    report = tmp_path / "s.json"
    assert cli.main(["sensitivity", "--adapter", "python", "--bpf-src", str(bpf_src),
                     "--json", str(report)]) == 1
    out = capsys.readouterr().out
    assert "not_sensitive d/s.bpf.c::asserts_nothing: passes with skip=[data.data]" in out
    assert "1/2 required expect=pass programs sensitive (1 assert, 1 not_sensitive)" in out
    kinds = {c["item"]: c["kind"] for c in json.loads(report.read_text())["checks"]}
    assert kinds == {"d/s.bpf.c::checks": "assert", "d/s.bpf.c::asserts_nothing": "not_sensitive"}


PROBED = """/* sensitivity test: one program a probe skips, one that fails unmutated */
#include "conformance.h"
int counter = 7;
TEST(checks, "data.data", "pass", "required");
SEC("socket") int checks(void *ctx) { ASSERT_EQ(counter, 7); return 0; }
TEST(loops, "data.data", "pass", "required");
CONFORM(loops, "requires", "bpf_loop");
SEC("socket") int loops(void *ctx) { ASSERT_EQ(counter, 7); return 0; }
"""
BROKEN = """/* sensitivity test: fails unmutated */
#include "conformance.h"
TEST(broken, "data.data", "pass", "required");
SEC("socket") int broken(void *ctx) { return __LINE__; }
"""


def test_sensitivity_lists_probe_skipped_programs_as_not_checkable_and_still_exits_0(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    from harness.adapters.client import AdapterClient, AdapterError
    from harness.probes.probes import ProbeResult

    try:
        with AdapterClient(find_manifest(REPO_ROOT, "python"), REPO_ROOT) as client:
            supports = client.hello().supports
    except (AdapterUnavailable, AdapterError) as exc:
        pytest.fail(f"reference loader unavailable (run .ci/install): {exc}")
    assert "skip" in supports, "the reference loader must list 'skip' (mutation testing)"
    real = session.run_probes

    def without_bpf_loop(names: tuple[str, ...]) -> dict[str, ProbeResult]:
        found = dict(real(names))
        found["bpf_loop"] = ProbeResult("bpf_loop", False, "helper 181 unknown (test)")
        return found

    monkeypatch.setattr(session, "run_probes", without_bpf_loop)
    bpf_src = tmp_path / "bpf-src"
    shutil.copytree(REPO_ROOT / "bpf-src" / "include", bpf_src / "include")
    (bpf_src / "d").mkdir()
    (bpf_src / "d" / "s.bpf.c").write_text(PROBED)
    assert cli.main(["sensitivity", "--adapter", "python", "--bpf-src", str(bpf_src)]) == 0
    out = capsys.readouterr().out
    assert ("not_checkable d/s.bpf.c::loops: not checkable on this kernel: "
            "requires bpf_loop: helper 181 unknown (test)") in out
    assert "1/2 required expect=pass programs sensitive (1 assert, 1 not_checkable)" in out
    assert "1 required programs not checkable on this kernel (feature probe)" in out
    (bpf_src / "d" / "b.bpf.c").write_text(BROKEN)  # an unmutated FAIL still fails
    assert cli.main(["sensitivity", "--adapter", "python", "--bpf-src", str(bpf_src)]) == 1
    assert "unchecked d/b.bpf.c::broken: FAIL without mutation" in capsys.readouterr().out


@pytest.mark.parametrize("command", ["run", "sensitivity", "oracle", "list"])
def test_an_empty_selection_exits_2_with_one_line(
    src: Path, command: str, capsys: pytest.CaptureFixture[str]
) -> None:
    argv = [command, "--bpf-src", str(src), "-k", "no_such_item"]
    if command == "sensitivity":
        argv += ["--adapter", "python"]
    assert cli.main(argv) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert err[-1] == "bpfconform: -k 'no_such_item' selects no item: nothing to run"


def test_no_clang_at_all_is_one_line_saying_what_to_install(
    src: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    from harness.build import toolchain

    monkeypatch.setenv("PATH", str(tmp_path / "empty"))
    monkeypatch.setattr(toolchain, "_zig_available", lambda: False)
    assert cli.main(["build", "--bpf-src", str(src)]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert err == ["bpfconform: no clang found: install one with `apt-get install clang-19` "
                   "(or `pip install ziglang`)"]


def test_a_closed_pipe_ends_quietly_not_with_a_traceback(src: Path) -> None:
    import subprocess
    import sys

    p = subprocess.Popen([sys.executable, "-m", "harness.cli", "list", "--json", "--bpf-src",
                          str(src)], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                         cwd=REPO_ROOT)
    assert p.stdout is not None and p.stderr is not None
    assert p.stdout.read(1) == b"["
    p.stdout.close()  # the reader left, like `| head -c1`
    err = p.stderr.read().decode()
    assert p.wait() in (0, 141), err  # 0 when everything fit in the pipe before it closed
    assert "Traceback" not in err and "BrokenPipe" not in err
