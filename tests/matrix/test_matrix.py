"""Matrix orchestration: cells, probe flags, and a dead kernel ending as ERROR items."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

import pytest

from harness.build.toolchain import Compiler
from harness.matrix.guest import CompilerPlan
from harness.matrix.kernels import Kernel, KernelPin, render_pins
from harness.matrix.matrix import (
    KernelRecord,
    Matrix,
    MatrixSpec,
    bad,
    fresh_cell,
    guest_script,
    probe_flags,
    read_cell,
)
from harness.matrix.vm import VmConfig
from harness.report import html_report
from harness.run import runner
from harness.suite.discovery import Item


def test_a_probe_disagreeing_with_the_kernel_version_is_flagged() -> None:
    probes = {"bpf_loop": {"ok": True, "reason": "helper accepted"},
              "btf_vmlinux": {"ok": False, "reason": "not readable"},
              "prog_test_run": {"ok": True, "reason": "works"}}
    flags = sorted(probe_flags((5, 10), probes))
    assert len(flags) == 2
    assert flags[0].startswith("bpf_loop: probe says present")  # 5.10 predates bpf_loop
    assert flags[1].startswith("btf_vmlinux: probe says absent")
    assert probe_flags((6, 1), {"bpf_loop": {"ok": True}, "btf_vmlinux": {"ok": True}}) == []


def test_the_guest_runs_one_driver_per_cpu_over_one_manifest(tmp_path: Path) -> None:
    spec = MatrixSpec(("5.10",), ("clang-14", "clang-19"), ("python", "libbpf"), tmp_path)
    script = guest_script(spec, tmp_path / "share", workers=2)
    drivers = [line for line in script.splitlines() if " -m harness.matrix.guest " in line]
    assert len(drivers) == 2  # not one `bpfconform run` per cell
    assert f"harness.matrix.guest {tmp_path}/share/manifest.json --worker 1" in drivers[1]
    assert all(line.endswith(") &") for line in drivers)
    assert script.splitlines()[-1] == "wait"
    assert " harness.cli run " not in script
    assert "export PATH=" in script  # adapters started as `python3 -m` find this Python


def test_a_dead_kernel_errors_all_its_items_and_the_rest_completes(
        kernel_510: Kernel, tmp_path: Path) -> None:
    spec = MatrixSpec(
        kernels=("host", "5.10"), compilers=("clang-19",), adapters=("libbpf",),
        out=tmp_path / "out", keyword="data/bss",
        vm=VmConfig(timeout=180, append=("rdinit=/bogus",)), paths=runner.Paths())
    doc = Matrix(spec).run()
    host = runner.kernel_id()
    rows = doc["results"]
    host_rows = [r for r in rows if r["kernel"] == host]
    vm_rows = [r for r in rows if r["kernel"] == kernel_510.release]
    assert host_rows and len(vm_rows) == len(host_rows)
    assert all("kernel panic" not in (r["reason"] or "") for r in host_rows)
    assert all(r["verdict"] == "ERROR" for r in vm_rows)
    assert all("Kernel panic" in r["reason"] for r in vm_rows)  # the console tail
    assert doc["meta"]["kernels"][kernel_510.release]["boot"]["reason"] == "kernel panic"
    on_disk = json.loads((spec.out / "matrix.json").read_text())
    assert len(on_disk["results"]) == len(rows)
    junits = sorted(p.name for p in (spec.out / "junit").iterdir())
    assert junits == sorted([f"{host}__clang-19__libbpf.xml",
                             f"{kernel_510.release}__clang-19__libbpf.xml"])
    page = (spec.out / "report.html").read_text()
    assert len(html_report.embedded_data(page)["rows"]) == len(rows)


def test_the_matrix_page_heads_adapters_with_their_library_versions(tmp_path: Path) -> None:
    """Each cell's results.json meta names its adapter's library version: the matrix keeps it."""
    spec = MatrixSpec(("host",), ("clang-19",), ("libbpf", "python"), tmp_path / "out")
    m = Matrix(spec)
    m.items = {"clang-19": [Item(Path("/x/bss.o"), Path("/x/bss.c"), "data/bss.bpf.c", "p")]}
    cells = tmp_path / "cells"
    hellos = {"libbpf": {"name": "libbpf", "library": "libbpf", "library_version": "1.4.6"},
              "python": {"name": "python", "library": "refloader", "library_version": "0.1.0"}}
    for a, hello in hellos.items():
        d = cells / "clang-19" / a
        fresh_cell(d, m.run_id)
        (d / "rc").write_text("0\n")
        row = {"file": "data/bss.bpf.c", "program": "p", "behaviour": "b", "adapter": a,
               "verdict": "PASS", "reason": None}
        (d / "results.json").write_text(json.dumps(
            {"meta": {"adapters": {a: hello}, "probes": {}, "run_id": m.run_id},
             "results": [row]}))
    m._collect(KernelRecord("host", "6.1.0"), cells)
    doc = m.document()
    assert doc["meta"]["adapter_versions"] == hellos
    labels = html_report.page_data(doc)["labels"]
    assert labels == {"libbpf": "libbpf 1.4.6", "python": "refloader 0.1.0"}


# --- the matrix reads only what it just produced (fake cells, fake guest) -------------

FAKE_PYTHON = '''\
import json, os, sys
args = sys.argv[1:]
assert args[:2] == ["-m", "harness.matrix.guest"], args
plan = json.load(open(args[2]))
mode = os.environ["FAKE_CELL"]
print("fake driver", mode, "running")
if mode == "driver_dies":
    print("Traceback (most recent call last): fake driver crash", file=sys.stderr)
    sys.exit(1)
for cell in plan["cells"]:
    out, adapter, compiler = cell["out"], cell["adapter"], cell["compiler"]
    items = plan["compilers"][compiler]["items"]
    rows = [{"file": i["rel"], "program": i["program"], "adapter": adapter, "verdict": "PASS",
             "reason": None} for i in items]
    run_id = "an-old-run" if mode == "stale_run_id" else plan["run_id"]
    meta = {"compiler": {"id": compiler}, "adapters": {adapter: {"name": adapter}},
            "probes": {}, "run_id": run_id}
    open(os.path.join(out, "run.log"), "w").write(f"fake cell {mode}\\n")
    rc = 0
    if mode == "usage":
        open(os.path.join(out, "run.log"), "a").write("bpfconform: unknown adapter\\n")
        rc = 2
    elif mode == "garbage":
        open(os.path.join(out, "results.json"), "w").write("{")
    else:
        if mode == "partial":
            rows = rows[:1]
        if mode == "crash_after_writing":
            rc = 1
        doc = {"meta": meta, "results": rows}
        open(os.path.join(out, "results.json"), "w").write(json.dumps(doc))
    open(os.path.join(out, "rc"), "w").write(f"{rc}\\n")
'''

FAKE_VNG = '''\
import os, subprocess, sys
args = sys.argv[1:]
share = args[args.index("--rwdir") + 1]
open(os.path.join(share, "booted"), "w").write("1.5 1.0\\n")
if os.environ.get("FAKE_GUEST") == "dies":
    print("Kernel panic - not syncing: fake")
    sys.exit(0)
with open(os.path.join(share, "script.log"), "w") as log:
    rc = subprocess.run(["sh", os.path.join(share, "script.sh")], stdout=log,
                        stderr=subprocess.STDOUT).returncode
open(os.path.join(share, "exit_code"), "w").write(f"{rc}\\n")
'''

ITEMS = [Item(Path("/x/a.o"), Path("/x/a.c"), "data/a.bpf.c", "p1"),
         Item(Path("/x/a.o"), Path("/x/a.c"), "data/a.bpf.c", "p2")]
COMPILER = Compiler("clang-19", ("clang-19",), "19.1.7", 19, "debian")


def script(tmp_path: Path, name: str, body: str) -> str:
    path = tmp_path / name
    path.write_text(f"#!{sys.executable}\n{body}")
    path.chmod(0o755)
    return str(path)


def fake_matrix(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, mode: str,
                kernels: tuple[str, ...] = ("host",), **spec: Any) -> Matrix:
    monkeypatch.setenv("FAKE_CELL", mode)
    m = Matrix(MatrixSpec(kernels, ("clang-19",), ("python",), tmp_path / "out",
                          python=script(tmp_path, "python", FAKE_PYTHON), **spec))
    m.items = {"clang-19": list(ITEMS)}
    m.plans = {"clang-19": CompilerPlan(COMPILER, {}, tuple(ITEMS))}
    return m


def verdicts(m: Matrix) -> list[str]:
    return [r["verdict"] for r in m.rows]


def test_a_complete_cell_is_read(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    m = fake_matrix(tmp_path, monkeypatch, "pass")
    m._host("host")
    assert verdicts(m) == ["PASS", "PASS"]
    assert {r["kernel"] for r in m.rows} == {runner.kernel_id()}


def test_a_stale_results_json_is_never_read_and_a_failing_cell_is_error(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    m = fake_matrix(tmp_path, monkeypatch, "usage")
    stale = tmp_path / "out" / "cells" / runner.kernel_id() / "clang-19" / "python"
    stale.mkdir(parents=True)
    (stale / "results.json").write_text(json.dumps({"meta": {}, "results": [
        {"file": i.rel, "program": i.program, "adapter": "python", "verdict": "PASS"}
        for i in ITEMS]}))
    m._host("host")
    assert not (stale / "results.json").exists()
    assert verdicts(m) == ["ERROR", "ERROR"]
    reason = m.rows[0]["reason"]
    assert "clang-19 x python: the cell exited 2" in reason
    assert "unknown adapter" in reason  # the cell's log tail
    assert bad(m.document())


@pytest.mark.parametrize(("mode", "problem"), [
    ("garbage", "results.json is not JSON"),
    ("crash_after_writing", "exited 1 but results.json has no FAIL"),
    ("stale_run_id", "results.json is of run 'an-old-run', not this matrix run's"),
    ("driver_dies", "the cell never finished"),
])
def test_unreadable_or_contradicted_results_are_error(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, mode: str, problem: str) -> None:
    m = fake_matrix(tmp_path, monkeypatch, mode)
    m._host("host")
    assert verdicts(m) == ["ERROR", "ERROR"]
    assert problem in m.rows[0]["reason"]
    if mode == "driver_dies":  # the driver's own status and log tail say why
        assert "the cell driver 0 exited 1; its log (tail)" in m.rows[0]["reason"]
        assert "fake driver crash" in m.rows[0]["reason"]


def test_an_item_missing_from_the_results_is_error(tmp_path: Path,
                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    m = fake_matrix(tmp_path, monkeypatch, "partial")
    m._host("host")
    assert verdicts(m) == ["PASS", "ERROR"]
    assert m.rows[1]["program"] == "p2"
    assert "no row for this item" in m.rows[1]["reason"]


def test_a_cell_of_another_run_or_compiler_is_not_read(tmp_path: Path) -> None:
    d = tmp_path / "cell"
    fresh_cell(d, "run-a")
    (d / "rc").write_text("0\n")
    doc = {"meta": {"compiler": {"id": "clang-19"}, "run_id": "run-a"}, "results": [
        {"file": i.rel, "program": i.program, "adapter": "python", "verdict": "PASS"}
        for i in ITEMS]}
    (d / "results.json").write_text(json.dumps(doc))
    assert read_cell(d, "run-a", ITEMS, "python", "k", "clang-19").problem is None
    other = read_cell(d, "run-b", ITEMS, "python", "k", "clang-19")
    assert other.problem is not None and "not made by this matrix run" in other.problem
    wrong = read_cell(d, "run-a", ITEMS, "python", "k", "clang-14")
    assert wrong.problem is not None and "compiler clang-19, not clang-14" in wrong.problem
    foreign = read_cell(d, "run-a", ITEMS, "libbpf", "k", "clang-19")
    assert foreign.problem is not None and "outside this cell's selection" in foreign.problem


def fake_kernel(tmp_path: Path) -> dict[str, Any]:
    """A pinned kernel `9.9` already in a cache (no fetch), and where its modules link."""
    pins = tmp_path / "kernels.toml"
    pins.write_text(render_pins([KernelPin("9.9", "fake", "9.9.1-1", ("linux-image-9.9-x",))]))
    cache = tmp_path / "cache"
    root = cache / "kernels" / "9.9.1-x"
    (root / "lib" / "modules" / "9.9.1-x").mkdir(parents=True)
    (root / ".complete").write_text("linux-image-9.9-x 9.9.1-1\n")
    (cache / "kernels" / "9.9.release").write_text("9.9.1-x\n")
    return {"pins": pins, "cache": cache, "modules_root": tmp_path / "mods",
            "vm": VmConfig(vng=script(tmp_path, "vng", FAKE_VNG), overlay_dirs=(),
                           lock=tmp_path / "vm.lock", timeout=60)}


@pytest.mark.parametrize(("mode", "guest", "want", "why"), [
    ("pass", "runs", ["PASS", "PASS"], None),
    ("usage", "runs", ["ERROR", "ERROR"], "the cell exited 2"),
    ("pass", "dies", ["ERROR", "ERROR"], "the cell never finished"),
])
def test_vm_cells_are_read_only_when_complete(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                              mode: str, guest: str, want: list[str],
                                              why: str | None) -> None:
    monkeypatch.setenv("FAKE_GUEST", guest)
    m = fake_matrix(tmp_path, monkeypatch, mode, ("9.9",), **fake_kernel(tmp_path))
    stale = tmp_path / "out" / "vm" / "9.9.1-x" / "cells" / "clang-19" / "python"
    stale.mkdir(parents=True)
    (stale / "rc").write_text("0\n")
    (stale / "results.json").write_text(json.dumps({"meta": {}, "results": []}))
    rec = m._vm("9.9")
    assert rec.version == "9.9.1-1" and rec.fetch_error is None
    assert verdicts(m) == want
    if why is not None:
        assert why in m.rows[0]["reason"]
    if guest == "dies":
        assert "kernel 9.9.1-x: kernel panic\n--- console tail ---\nKernel panic" in \
            m.rows[0]["reason"]


def test_the_corpus_lane_runs_once_per_kernel_with_the_matrix_adapters(tmp_path: Path) -> None:
    spec = MatrixSpec(("5.10",), ("clang-19",), ("python", "libbpf"), tmp_path,
                      corpus=("/objs",))
    script = guest_script(spec, tmp_path / "share")
    lanes = [line for line in script.splitlines() if " harness.cli corpus " in line]
    assert len(lanes) == 1
    assert "corpus /objs --out" in lanes[0] and "--adapter python --adapter libbpf" in lanes[0]
    assert not [line for line in guest_script(MatrixSpec(("5.10",), ("clang-19",), ("python",),
                                                         tmp_path), tmp_path).splitlines()
                if " harness.cli corpus " in line]


def test_a_corpus_result_is_read_only_when_this_run_wrote_it(tmp_path: Path) -> None:
    from harness.matrix.matrix import read_corpus

    d = tmp_path / "corpus"
    fresh_cell(d, "run-1")
    assert "did not finish" in read_corpus(d, "run-1")["error"]
    (d / "rc").write_text("0\n")
    (d / "corpus.json").write_text(json.dumps({"summary": {"python": {"programs": 2}}}))
    assert read_corpus(d, "run-1") == {"rc": 0, "summary": {"python": {"programs": 2}},
                                       "json": str(d / "corpus.json")}
    assert "not this run's" in read_corpus(d, "run-2")["error"]  # a stale lane is never read
    doc: dict[str, Any] = {"results": [], "meta": {"kernels": {"k": {"corpus": {"rc": 1}}}}}
    assert bad(doc)  # a failed lane fails the matrix
    doc["meta"]["kernels"]["k"]["corpus"] = {"rc": 0, "summary": {}}
    assert not bad(doc)


def test_the_sensitivity_lane_runs_once_per_kernel_through_the_named_adapter(
        tmp_path: Path) -> None:
    spec = MatrixSpec(("5.10",), ("clang-16", "clang-19"), ("python", "libbpf"), tmp_path,
                      sensitivity="python", keyword="tracing/")
    lanes = [line for line in guest_script(spec, tmp_path / "share").splitlines()
             if " harness.cli sensitivity " in line]
    assert len(lanes) == 1
    assert "sensitivity --adapter python --compiler clang-16 --json" in lanes[0]
    assert "-k tracing/" in lanes[0] and lanes[0].endswith("/sensitivity/rc")
    assert not [line for line in guest_script(MatrixSpec(("5.10",), ("clang-19",), ("python",),
                                                         tmp_path), tmp_path).splitlines()
                if " harness.cli sensitivity " in line]


def _check(item: str, kind: str, ok: bool = True, rule: str = "pass") -> dict[str, Any]:
    return {"item": item, "rule": rule, "kind": kind, "ok": ok, "reason": f"why {item}"}


def test_a_sensitivity_result_is_read_only_when_this_run_wrote_it(tmp_path: Path) -> None:
    from harness.matrix.matrix import kind_counts, read_sensitivity

    d = tmp_path / "sensitivity"
    fresh_cell(d, "run-1")
    assert "did not finish" in read_sensitivity(d, "run-1")["error"]
    (d / "rc").write_text("1\n")
    assert "no sensitivity.json" in read_sensitivity(d, "run-1")["error"]
    (d / "sensitivity.json").write_text(json.dumps({"checks": [
        _check("a.bpf.c::a", "assert"), _check("b.bpf.c::b", "not_sensitive", ok=False),
        _check("c.bpf.c::c", "loads", rule="negative")]}))
    got = read_sensitivity(d, "run-1")
    assert got["kinds"] == {"a.bpf.c::a (pass)": "assert", "b.bpf.c::b (pass)": "not_sensitive",
                            "c.bpf.c::c (negative)": "loads"}
    assert kind_counts(got["kinds"]) == {"pass": {"assert": 1, "not_sensitive": 1},
                                         "negative": {"loads": 1}}
    assert got["failed"] == ["b.bpf.c::b: not_sensitive: why b.bpf.c::b"]
    assert "not this run's" in read_sensitivity(d, "run-2")["error"]  # never a stale lane
    doc: dict[str, Any] = {"results": [], "meta": {"kernels": {"k": {"sensitivity": got}}}}
    assert bad(doc)  # a program not proven sensitive fails the matrix
    doc["meta"]["kernels"]["k"]["sensitivity"] = {"rc": 0, "kinds": {}, "failed": []}
    assert not bad(doc)
    doc["meta"]["kernels"]["k"]["sensitivity"] = {"error": "the lane did not finish"}
    assert bad(doc)  # no result is no proof


def test_the_sensitivity_union_keeps_each_programs_strongest_evidence() -> None:
    from harness.matrix.matrix import sensitivity_union

    def lane(kinds: dict[str, str]) -> dict[str, Any]:
        return {"sensitivity": {"rc": 0, "kinds": kinds}}

    kernels = {
        "host": lane({"f.bpf.c::f (pass)": "not_checkable", "r.bpf.c::r (pass)": "refused",
                      "x.bpf.c::x (pass)": "assert"}),
        "6.12": lane({"f.bpf.c::f (pass)": "assert", "r.bpf.c::r (pass)": "refused",
                      "x.bpf.c::x (pass)": "not_sensitive"}),
        "5.10": {"sensitivity": {"error": "the lane did not finish"}},
    }
    assert sensitivity_union(kernels) == {
        "f.bpf.c::f (pass)": "assert",  # checked where it runs
        "r.bpf.c::r (pass)": "refused",
        "x.bpf.c::x (pass)": "not_sensitive",  # a failure on any kernel is kept
    }
