"""Matrix orchestration: cells, probe flags, and a dead kernel ending as ERROR items."""

from __future__ import annotations

import json
from pathlib import Path

from harness import html_report, runner
from harness.matrix.kernels import Kernel
from harness.matrix.matrix import KernelRecord, Matrix, MatrixSpec, guest_script, probe_flags
from harness.matrix.vm import VmConfig


def test_a_probe_disagreeing_with_the_kernel_version_is_flagged() -> None:
    probes = {"bpf_loop": {"ok": True, "reason": "helper accepted"},
              "btf_vmlinux": {"ok": False, "reason": "not readable"},
              "prog_test_run": {"ok": True, "reason": "works"}}
    flags = sorted(probe_flags((5, 10), probes))
    assert len(flags) == 2
    assert flags[0].startswith("bpf_loop: probe says present")  # 5.10 predates bpf_loop
    assert flags[1].startswith("btf_vmlinux: probe says absent")
    assert probe_flags((6, 1), {"bpf_loop": {"ok": True}, "btf_vmlinux": {"ok": True}}) == []


def test_the_guest_runs_one_bpfconform_run_per_compiler_and_adapter(tmp_path: Path) -> None:
    spec = MatrixSpec(("5.10",), ("clang-14", "clang-19"), ("python", "libbpf"), tmp_path)
    script = guest_script(spec, tmp_path / "share")
    runs = [line for line in script.splitlines() if " harness.cli run " in line]
    assert len(runs) == 4
    assert "--compiler clang-14 --adapter python" in runs[0]
    assert "--compiler clang-19 --adapter libbpf" in runs[3]
    assert f"--out {tmp_path}/share/cells/clang-19/libbpf " in runs[3]
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
    m.items = {"clang-19": []}
    cells = tmp_path / "cells"
    hellos = {"libbpf": {"name": "libbpf", "library": "libbpf", "library_version": "1.4.6"},
              "python": {"name": "python", "library": "refloader", "library_version": "0.1.0"}}
    for a, hello in hellos.items():
        d = cells / "clang-19" / a
        d.mkdir(parents=True)
        row = {"file": "data/bss.bpf.c", "program": "p", "behaviour": "b", "adapter": a,
               "verdict": "PASS", "reason": None}
        (d / "results.json").write_text(json.dumps(
            {"meta": {"adapters": {a: hello}, "probes": {}}, "results": [row]}))
    m._collect(KernelRecord("host", "6.1.0"), cells, "missing")
    doc = m.document()
    assert doc["meta"]["adapter_versions"] == hellos
    labels = html_report.page_data(doc)["labels"]
    assert labels == {"libbpf": "libbpf 1.4.6", "python": "refloader 0.1.0"}
