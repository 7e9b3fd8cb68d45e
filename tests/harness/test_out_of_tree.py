"""Out-of-tree adapters: `--adapter-manifest PATH` and `--adapter-command NAME=CMD` run an
adapter that does not live in runners/, with its own expectations table."""

from __future__ import annotations

import json
import shutil
import sys
from importlib.metadata import entry_points
from pathlib import Path

import pytest

from harness import cli
from harness.adapters.manifest import AdapterSet, AdapterUnavailable, command_manifest
from harness.run.runner import REPO_ROOT

pytest_plugins = ["pytester"]

HERE = Path(__file__).parent / "out_of_tree"
PROG = """/* out-of-tree adapter test: one passing program, one failing at line 7 */
#include "conformance.h"
int seven = 7;
TEST(passes, "data.data", "pass", "required");
SEC("socket") int passes(void *ctx) { ASSERT_EQ(seven, 7); return 0; }
TEST(fails_at_seven, "data.data", "pass", "required");
SEC("socket") int fails_at_seven(void *ctx) { ASSERT_EQ(seven, 8); return 0; }
"""


@pytest.fixture
def bpf_src(tmp_path: Path) -> Path:
    src = tmp_path / "bpf-src"
    shutil.copytree(REPO_ROOT / "bpf-src" / "include", src / "include")
    (src / "d").mkdir()
    (src / "d" / "x.bpf.c").write_text(PROG)
    return src


def test_a_manifest_outside_the_repo_resolves_against_its_own_directory() -> None:
    adapters = AdapterSet.from_options(REPO_ROOT, [str(HERE / "adapter.toml")])
    m = adapters.find("refcopy")
    assert m.root == HERE.resolve() and m.cwd(REPO_ROOT) == HERE.resolve()
    assert m.expectations == (HERE / "refcopy.toml").resolve()
    assert adapters.selected(None) == ["refcopy"]  # an out-of-tree adapter is run
    assert adapters.selected(["libbpf"]) == ["libbpf", "refcopy"]


def test_a_command_line_adapter_needs_a_name_and_a_command(tmp_path: Path) -> None:
    m = command_manifest("mine=python3 -m refloader.adapter", tmp_path)
    assert (m.name, m.command) == ("mine", ("python3", "-m", "refloader.adapter"))
    for bad in ("mine", "=python3", "mine="):
        with pytest.raises(AdapterUnavailable, match="want NAME=COMMAND"):
            command_manifest(bad, tmp_path)
    with pytest.raises(AdapterUnavailable, match="given twice"):
        AdapterSet.from_options(REPO_ROOT, (), ["a=x", "a=y"])


def test_run_uses_an_out_of_tree_adapter_and_its_own_table(
    bpf_src: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "out"
    rc = cli.main(["run", "--bpf-src", str(bpf_src), "--adapter-manifest",
                   str(HERE / "adapter.toml"), "--out", str(out)])
    rows = {r["program"]: r for r in json.loads((out / "results.json").read_text())["results"]}
    assert {r["adapter"] for r in rows.values()} == {"refcopy"}
    assert rows["passes"]["verdict"] == "PASS"
    assert rows["fails_at_seven"]["verdict"] == "XFAIL"  # listed in refcopy.toml, line 7
    assert rc == 0, capsys.readouterr()


def test_run_with_a_command_line_adapter(bpf_src: Path, tmp_path: Path) -> None:
    out = tmp_path / "out"
    rc = cli.main(["run", "--bpf-src", str(bpf_src), "--adapter-command",
                   f"cmdref={sys.executable} -m refloader.adapter", "--out", str(out)])
    rows = {r["program"]: r for r in json.loads((out / "results.json").read_text())["results"]}
    assert rows["passes"]["verdict"] == "PASS"
    assert rows["fails_at_seven"]["verdict"] == "FAIL"  # no table: an unlisted failure
    assert rc == 1


def test_pytest_runs_an_out_of_tree_adapter(pytester: pytest.Pytester, bpf_src: Path) -> None:
    shutil.copytree(REPO_ROOT / "suite", pytester.path / "suite",
                    ignore=shutil.ignore_patterns("__pycache__", "conftest.py"))
    installed = any(ep.name == "bpfconform" for ep in entry_points(group="pytest11"))
    plugin = [] if installed else ["-p", "harness.pytest_plugin"]
    result = pytester.runpytest_subprocess(
        *plugin, "suite", "--bpf-src", str(bpf_src),
        "--adapter-manifest", str(HERE / "adapter.toml"), "-q")
    result.assert_outcomes(passed=1, xfailed=1)
