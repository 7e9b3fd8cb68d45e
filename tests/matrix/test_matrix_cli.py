"""`bpfconform report merge` and the matrix progress display, through the real CLI."""

from __future__ import annotations

import io
import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from harness.commands.matrix import Printer
from harness.matrix.matrix import Progress
from harness.run.runner import REPO_ROOT


def results_dir(d: Path, kernel: str, verdict: str) -> Path:
    d.mkdir()
    row: dict[str, Any] = {"kernel": kernel, "compiler": "clang-19", "adapter": "libbpf",
                           "file": "data/x.bpf.c", "program": "p", "verdict": verdict,
                           "reason": "", "line": None, "ns": {}}
    (d / "results.json").write_text(json.dumps({
        "meta": {"kernel": kernel, "compiler": {"id": "clang-19"}, "adapters": {"libbpf": {}},
                 "probes": {}}, "results": [row]}))
    return d


def merge(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "harness.cli", "report", "merge", *args],
                          cwd=REPO_ROOT, capture_output=True, text=True, check=False)


def test_report_merge_joins_two_machines_into_one_report(tmp_path: Path) -> None:
    a = results_dir(tmp_path / "a", "5.10.0-32-amd64", "PASS")
    b = results_dir(tmp_path / "b", "6.1.0-50-amd64", "PASS")
    proc = merge(str(a), str(b), "--out", str(tmp_path / "out"))
    assert proc.returncode == 0, proc.stderr
    assert "merged 2 directories, 2 rows" in proc.stdout
    doc = json.loads((tmp_path / "out" / "matrix.json").read_text())
    assert sorted(doc["meta"]["kernels"]) == ["5.10.0-32-amd64", "6.1.0-50-amd64"]
    assert len(list((tmp_path / "out" / "junit").iterdir())) == 2
    assert (tmp_path / "out" / "report.html").is_file()


def test_report_merge_fails_on_a_conflict_between_machines(tmp_path: Path) -> None:
    a = results_dir(tmp_path / "a", "5.10.0-32-amd64", "PASS")
    b = results_dir(tmp_path / "b", "5.10.0-32-amd64", "FAIL")
    proc = merge(str(a), str(b), "--out", str(tmp_path / "out"))
    assert proc.returncode == 1
    assert "conflict:" in proc.stderr


def test_report_merge_of_an_empty_directory_is_a_usage_error(tmp_path: Path) -> None:
    proc = merge(str(tmp_path))
    assert proc.returncode == 2
    assert "neither matrix.json nor results.json" in proc.stderr


def test_progress_without_a_tty_prints_a_line_per_stage_and_every_30_s() -> None:
    out = io.StringIO()
    show = Printer(out)
    show(Progress("5.10", "booting", 0, 10, 1.0, None))
    show(Progress("5.10", "booting", 0, 10, 2.0, None))  # same stage, too soon: quiet
    show(Progress("5.10", "adapter libbpf, clang-19", 0, 10, 12.0, None))
    show(Progress("5.10", "adapter libbpf, clang-19", 5, 10, 43.0, 60.0))
    lines = out.getvalue().splitlines()
    assert len(lines) == 3
    assert lines[0].endswith("5.10: booting (0/10 items)")
    assert lines[2].endswith("(5/10 items, ~1.0 min left)")


def matrix(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "harness.cli", "matrix", *args],
                          cwd=REPO_ROOT, capture_output=True, text=True, check=False, env=env)


def test_an_empty_selection_exits_2_with_one_line_and_no_counts(tmp_path: Path) -> None:
    proc = matrix("-k", "no_such_item", "--adapter", "python", "--out", str(tmp_path))
    assert proc.returncode == 2, proc.stdout + proc.stderr
    said = [ln for ln in proc.stderr.splitlines() if not ln.startswith("[matrix ")]
    assert said == ["bpfconform: -k 'no_such_item' selects no item with clang-19: nothing to run"]
    assert proc.stdout == ""  # no summary, no "0 pass"
    assert not (tmp_path / "matrix.json").exists()


def test_an_unknown_kernel_is_a_usage_error_naming_the_pinned_ones(tmp_path: Path) -> None:
    proc = matrix("--kernel", "4.19", "--out", str(tmp_path))
    assert proc.returncode == 2
    line, = proc.stderr.strip().splitlines()
    assert line.startswith("bpfconform: unknown kernel 4.19: ")
    assert "5.10, 6.1, 6.12, sid" in line and "--refresh-kernels" in line


def test_refresh_from_an_unreachable_mirror_fails_and_keeps_the_file(tmp_path: Path) -> None:
    pins = tmp_path / "kernels.toml"
    pins.write_text("# kept\n")
    proc = matrix("--refresh-kernels", "--mirror", "http://127.0.0.1:9/debian",
                  "--kernels-file", str(pins), "--cache", str(tmp_path / "cache"))
    assert proc.returncode == 2
    assert proc.stderr.startswith("bpfconform: kernel refresh: apt-get -q --error-on=any update "
                                  "exited")
    assert pins.read_text() == "# kept\n"
    sources = (tmp_path / "cache" / "apt" / "etc" / "sources.list").read_text()
    assert " http://127.0.0.1:9/debian sid main" in sources  # the private list, the option's mirror


def test_an_out_of_tree_adapter_runs_in_every_cell_with_its_manifest(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from harness import cli

    manifest = REPO_ROOT / "tests" / "harness" / "out_of_tree" / "adapter.toml"
    out = tmp_path / "m"
    rc = cli.main(["matrix", "--kernel", "host", "--adapter-manifest", str(manifest),
                   "-k", "data/bss_zero", "--out", str(out)])
    capsys.readouterr()
    rows = json.loads((out / "matrix.json").read_text())["results"]
    assert {r["adapter"] for r in rows} == {"refcopy"}  # alone: no default adapters added
    _valid_against_the_schema(json.loads((out / "matrix.json").read_text()))
    assert {r["verdict"] for r in rows} == {"PASS"}
    assert rc == 0


def _valid_against_the_schema(doc: dict[str, Any]) -> None:
    """docs/schema/matrix.schema.json (its rows are results.schema.json's) holds for `doc`."""
    import jsonschema
    from referencing import Registry, Resource

    schemas = REPO_ROOT / "docs" / "schema"
    rows = json.loads((schemas / "results.schema.json").read_text())
    matrix = json.loads((schemas / "matrix.schema.json").read_text())
    registry = Registry().with_resource(rows["$id"], Resource.from_contents(rows))
    jsonschema.Draft202012Validator.check_schema(matrix)
    jsonschema.Draft202012Validator(matrix, registry=registry).validate(doc)


def test_kernel_all_is_the_host_and_every_pinned_kernel_in_order() -> None:
    from harness.commands.matrix import expand_kernels
    from harness.matrix.kernels import PINS_FILE, load_pins
    pinned = list(load_pins(PINS_FILE))
    assert pinned, "harness/matrix/kernels.toml pins no kernel"
    assert expand_kernels(["all"], PINS_FILE) == ["host", *pinned]
    assert expand_kernels(["5.10", "all"], PINS_FILE)[:2] == ["5.10", "host"]


def test_adapter_default_names_every_default_adapter_as_run_does() -> None:
    from harness.adapters.manifest import AdapterSet
    from harness.commands.matrix import expand_adapters
    defaults = AdapterSet(REPO_ROOT).selected(None)
    assert {"python", "libbpf"} <= set(defaults)
    assert expand_adapters(["default"], REPO_ROOT) == defaults
    assert expand_adapters(["mine", "default", "python"], REPO_ROOT) == ["mine", *defaults]
