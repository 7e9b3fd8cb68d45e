"""bpfconform new: the scaffold is a lint-clean, passing test and a full catalogue entry."""

from __future__ import annotations

import shutil
import tomllib
from pathlib import Path

import pytest

from harness.contrib import lint, scaffold

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    (tmp_path / "suite").mkdir()
    shutil.copy(ROOT / "suite" / "catalogue.toml", tmp_path / "suite" / "catalogue.toml")
    shutil.copytree(ROOT / "bpf-src" / "include", tmp_path / "bpf-src" / "include")
    return tmp_path


def test_new_writes_the_program_and_a_complete_catalogue_entry(repo: Path) -> None:
    done = scaffold.scaffold(repo, "widgets/first_widget")
    assert done.source == repo / "bpf-src" / "widgets" / "first_widget.bpf.c"
    text = done.source.read_text()
    assert text.startswith("/* ")
    assert 'TEST(first_widget, "widgets.first_widget", "pass", "required");' in text
    assert 'CONFORM(first_widget, "ref",' in text and "ASSERT_EQ(" in text
    entry = tomllib.loads((repo / "suite" / "catalogue.toml").read_text())[
        "widgets.first_widget"]
    assert set(entry) == {"family", "title", "ref", "evidence", "mutation"}
    assert entry["family"] == "widgets"


def test_lint_refuses_the_unfinished_scaffold_naming_each_placeholder(repo: Path) -> None:
    done = scaffold.scaffold(repo, "widgets/first_widget")
    result = lint.run(repo / "bpf-src", repo / "suite" / "catalogue.toml", [done.source])
    where = {(f.path.split("/")[0], f.line, f.rule) for f in result.findings}
    # the purpose line, the value's note, desc, ref and the assertion's unpatched note
    assert {(p, n) for p, n, r in where if p == "bpf-src"} == {
        ("bpf-src", n) for n in (1, 4, 8, 9, 13)}
    rules = sorted(f.rule for f in result.findings if f.path.startswith("suite"))
    assert rules == ["catalogue", "catalogue", "catalogue", "evidence"]
    assert all(f.line > 1 for f in result.findings if f.path.startswith("suite"))
    assert result.known == []


def test_new_stubs_the_mutation_and_the_loader_says_where_to_honour_it(repo: Path) -> None:
    import importlib.util
    import sys

    muts = repo / scaffold.MUTATIONS_PY
    muts.parent.mkdir(parents=True)
    shutil.copy(ROOT / scaffold.MUTATIONS_PY, muts)
    done = scaffold.scaffold(repo, "maps/first_widget")
    assert done.mutation is not None and done.mutation.knob == "maps_first_widget"
    assert done.mutation.module == "maps_spec.py"
    text = muts.read_text()
    assert "    maps_first_widget: bool = True\n" in text
    assert '_not_implemented("maps.first_widget")' in text
    spec = importlib.util.spec_from_file_location("refloader.mutations_scaffolded", muts)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    try:
        spec.loader.exec_module(module)
        with pytest.raises(Exception, match=r"mutation `maps\.first_widget` is not implemented: "
                           r"add it in .*mutations\.py .* honour it in refloader/maps_spec\.py"):
            module.plan_for(["maps.first_widget"], env=False)
    finally:
        del sys.modules[spec.name]


def test_new_writes_nothing_when_mutations_py_lacks_its_markers(repo: Path) -> None:
    muts = repo / scaffold.MUTATIONS_PY
    muts.parent.mkdir(parents=True)
    muts.write_text("MUTATIONS = {}\n")
    before = (repo / "suite" / "catalogue.toml").read_text()
    with pytest.raises(scaffold.ScaffoldError, match="marker"):
        scaffold.scaffold(repo, "maps/first_widget")
    assert not (repo / "bpf-src" / "maps" / "first_widget.bpf.c").exists()
    assert (repo / "suite" / "catalogue.toml").read_text() == before


def test_new_refuses_to_overwrite_a_file_or_an_id(repo: Path) -> None:
    done = scaffold.scaffold(repo, "widgets/first_widget")
    before = (repo / "suite" / "catalogue.toml").read_text()
    done.source.write_text("mine\n")
    with pytest.raises(scaffold.ScaffoldError, match="exists"):
        scaffold.scaffold(repo, "widgets/first_widget")
    assert done.source.read_text() == "mine\n"
    done.source.unlink()
    with pytest.raises(scaffold.ScaffoldError, match=r"--behaviour widgets\.first_widget"):
        scaffold.scaffold(repo, "widgets/first_widget")
    assert not done.source.exists()
    assert (repo / "suite" / "catalogue.toml").read_text() == before


def test_new_with_an_existing_behaviour_adds_a_program_and_no_entry(repo: Path) -> None:
    before = (repo / "suite" / "catalogue.toml").read_text()
    done = scaffold.scaffold(repo, "data/second_look", behaviour="data.data")
    assert not done.appended
    assert 'TEST(second_look, "data.data", "pass", "required");' in done.source.read_text()
    assert (repo / "suite" / "catalogue.toml").read_text() == before


@pytest.mark.parametrize("target", ["nofamily", "Fam/x", "fam/1x", "fam/a-b", "fam/socket"],
                         ids=["no-slash", "upper-family", "digit-name", "dash", "section-name"])
def test_new_refuses_a_bad_target(repo: Path, target: str) -> None:
    with pytest.raises(scaffold.ScaffoldError):
        scaffold.scaffold(repo, target)


def test_the_scaffold_compiles_and_passes_under_the_reference_loader(repo: Path) -> None:
    import subprocess

    from refloader.loader import open_object

    done = scaffold.scaffold(repo, "widgets/first_widget")
    clang = shutil.which("clang-19") or shutil.which("clang")
    assert clang is not None, "no clang: install clang-19 (.ci/install)"
    obj = done.source.with_suffix(".o")
    subprocess.run([clang, "-target", "bpfel", "-O2", "-g", "-c", str(done.source), "-I",
                    str(repo / "bpf-src" / "include"), "-o", str(obj)], check=True)
    with open_object(str(obj)) as o:
        o.load()
        assert o.test_run("first_widget", bytes(64)).retval == 0
