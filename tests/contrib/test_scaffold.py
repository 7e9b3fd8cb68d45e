"""bpfconform new: the scaffold is a lint-clean, passing test and a full catalogue entry."""

from __future__ import annotations

import shutil
import tomllib
from pathlib import Path

import pytest

from harness import lint, scaffold

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


def test_the_scaffold_is_lint_clean(repo: Path) -> None:
    done = scaffold.scaffold(repo, "widgets/first_widget")
    assert lint.lint_file(done.source, repo / "bpf-src" / "include") == []


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
