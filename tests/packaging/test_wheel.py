"""The wheel runs without a compiler (issue 21, item 4; docs/packaging.md).

`pip wheel .` of this checkout, installed into a fresh virtualenv, run from another
directory with no clang (nor gcc-bpf) on PATH: the same verdict for every item as the
checkout's own `bpfconform run --adapter python`, from the prebuilt objects, and
results.json says so; `pytest <installed suite/> --adapter python` passes as many.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
import zipfile
from collections import Counter
from pathlib import Path
from typing import Any

import pytest
from require import require_tool

from harness.build import prebuilt, toolchain
from harness.run.runner import REPO_ROOT

#: what "no compiler" hides: every clang, Debian's gcc-bpf
COMPILER_PREFIXES = ("clang", "bpf-gcc", "bpf-unknown-none-gcc")


def tools_without_compilers(dest: Path) -> Path:
    """A directory of symlinks to /usr/bin's programs except the BPF compilers."""
    dest.mkdir()
    for entry in sorted(Path("/usr/bin").iterdir()):
        if entry.name.startswith(COMPILER_PREFIXES) or "-clang" in entry.name:
            continue
        (dest / entry.name).symlink_to(entry)
    return dest


def verdicts(results: Path) -> dict[tuple[str, str, str], str]:
    doc = json.loads(results.read_text())
    return {(r["file"], r["program"], r["adapter"]): r["verdict"] for r in doc["results"]}


#: what a wheel is built from (pyproject.toml, setup.py, MANIFEST.in) and a checkout runs
SNAPSHOT = ("harness", "runners/python", "bpf-src", "suite", "pyproject.toml", "setup.py",
            "MANIFEST.in", "README.md")


def snapshot(dest: Path) -> Path:
    """A copy of the checkout's working tree (others may edit it while the test runs): the
    wheel and the checkout run are made from the same files."""
    for rel in SNAPSHOT:
        src = REPO_ROOT / rel
        if src.is_dir():
            shutil.copytree(src, dest / rel, ignore=shutil.ignore_patterns("__pycache__"))
        else:
            (dest / rel).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(src, dest / rel)
    return dest


@pytest.mark.slow
def test_the_wheel_runs_the_suite_without_a_compiler(tmp_path: Path) -> None:
    require_tool("clang-19", ".ci/install (clang-19)")
    tree = snapshot(tmp_path / "checkout")
    wheel_dir = tmp_path / "wheel"
    subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", str(tree),
                    "-w", str(wheel_dir)], check=True, timeout=1800)
    (wheel,) = wheel_dir.glob("bpfconform-*.whl")
    print(f"wheel {wheel.name}: {wheel.stat().st_size} bytes")
    names = set(zipfile.ZipFile(wheel).namelist())
    # every room of the harness (pyproject.toml's [tool.setuptools] packages lists each)
    modules = {f.relative_to(tree).as_posix() for f in (tree / "harness").rglob("*.py")
               if "_tree" not in f.parts}
    assert sorted(modules - names) == []
    for needed in ("harness/cli.py", "harness/matrix/kernels.toml", "harness/matrix/apt.txt",
                   "refloader/adapter/main.py", "harness/_tree/suite/catalogue.toml",
                   "harness/_tree/suite/expectations/python.toml",
                   "harness/_tree/suite/findings.toml",
                   "harness/_tree/bpf-src/include/conformance.h",
                   "harness/_tree/runners/python/adapter.toml",
                   "harness/_tree/prebuilt/clang-19/prebuilt.json"):
        assert needed in names, needed
    meta: dict[str, Any] = json.loads(
        zipfile.ZipFile(wheel).read("harness/_tree/prebuilt/clang-19/prebuilt.json"))
    assert meta["compiler"]["id"] == "clang-19" and meta["compiler"]["version"]
    assert meta["flags"] and len(meta["sources_sha256"]) == 64
    assert all(e["ok"] for e in meta["objects"].values()), "clang-19 builds every program"

    venv = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
    subprocess.run([str(venv / "bin/pip"), "install", "-q", str(wheel)], check=True,
                   timeout=1800)
    path = f"{venv / 'bin'}:{tools_without_compilers(tmp_path / 'bin')}"
    for cc in ("clang", "clang-19", "clang-14", "bpf-gcc"):
        assert shutil.which(cc, path=path) is None, cc
    env = {k: v for k, v in os.environ.items()
           if k not in ("PYTHONPATH", "VIRTUAL_ENV", "PYTHONHOME")}
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    installed = subprocess.run(
        ["bpfconform", "run", "--adapter", "python", "--out", str(tmp_path / "w")],
        cwd=elsewhere, env={**env, "PATH": path}, capture_output=True, text=True,
        timeout=1800, check=False)
    # the checkout's run: the snapshot's harness and refloader (their build/ is warm: the
    # wheel's objects were built there)
    in_tree = {**env, "PYTHONPATH": f"{tree}:{tree / 'runners/python'}"}
    checkout = subprocess.run(
        [sys.executable, "-m", "harness.cli", "run", "--adapter", "python", "--out",
         str(tmp_path / "c")], cwd=tree, capture_output=True, text=True, timeout=1800,
        env=in_tree, check=False)
    where = subprocess.run(
        [sys.executable, "-c", "import harness, refloader; print(harness.__file__); "
         "print(refloader.__file__)"], cwd=tree, env=in_tree, capture_output=True, text=True,
        check=True).stdout.split()
    assert all(w.startswith(f"{tree}/") for w in where), where
    for proc in (installed, checkout):
        assert (proc.returncode in (0, 1)), proc.stdout[-2000:] + proc.stderr[-2000:]

    doc = json.loads((tmp_path / "w/results.json").read_text())
    assert doc["meta"]["compiler"] == {"id": "clang-19", "version":
                                       meta["compiler"]["version"] + prebuilt.VERSION_SUFFIX}
    from_wheel, from_checkout = verdicts(tmp_path / "w/results.json"), verdicts(
        tmp_path / "c/results.json")
    counts = Counter(from_wheel.values())
    print(f"wheel {dict(counts)}; checkout {dict(Counter(from_checkout.values()))}")
    assert counts["PASS"] > 0
    differ = {k: (from_checkout.get(k), v) for k, v in from_wheel.items()
              if from_checkout.get(k) != v}
    assert from_wheel.keys() == from_checkout.keys() and not differ, differ
    assert installed.returncode == checkout.returncode
    # the same items as pytest tests, from the installed tree
    suite = subprocess.run(
        ["python3", "-c", "import harness.run.runner as r; print(r.REPO_ROOT / 'suite')"],
        cwd=elsewhere, env={**env, "PATH": path}, capture_output=True, text=True,
        check=True).stdout.strip()
    assert suite.startswith(str(venv)), suite
    pytest_run = subprocess.run(
        ["python3", "-m", "pytest", suite, "--adapter", "python", "-q", "-p",
         "no:cacheprovider"], cwd=elsewhere, env={**env, "PATH": path},
        capture_output=True, text=True, timeout=1800, check=False)
    assert re.search(rf"^{counts['PASS']} passed\b", pytest_run.stdout, re.M), \
        pytest_run.stdout[-3000:]


# ---- the prebuilt set's rules, on a one-program tree -------------------------------------------


def _tiny_tree(tmp_path: Path) -> Path:
    src = tmp_path / "bpf-src"
    shutil.copytree(REPO_ROOT / "bpf-src/include", src / "include")
    (src / "t").mkdir()
    # a named program that includes only bpf-src/include (not the first of a glob: directory
    # order differs between clones, and some programs include a header beside them)
    shutil.copy2(REPO_ROOT / "bpf-src/maps/array_reloc.bpf.c", src / "t/one.bpf.c")
    return src


def _compiler() -> toolchain.Compiler:
    require_tool("clang-19", ".ci/install (clang-19)")
    found = [c for c in toolchain.discover_compilers() if c.id == "clang-19"]
    assert found, "clang-19 on PATH but not usable"
    return found[0]


def test_a_prebuilt_set_serves_only_its_own_sources(tmp_path: Path) -> None:
    src = _tiny_tree(tmp_path)
    root = tmp_path / "tree"
    prebuilt.write(_compiler(), src, tmp_path / "build", root / prebuilt.PREBUILT_DIR)
    pre = prebuilt.find(None, root)
    assert pre is not None and pre.kind == toolchain.PREBUILT_KIND
    assert pre.id == "clang-19" and pre.version.endswith(prebuilt.VERSION_SUFFIX)
    assert prebuilt.find("clang-14", root) is None
    (built,) = prebuilt.builds(pre, src, root)
    assert built.ok and not built.compiled and built.obj.is_file()
    assert prebuilt.cc_probes(pre, root)  # the probes the build used
    # the object altered: a failed build of that source, never a run of another object
    built.obj.write_bytes(built.obj.read_bytes() + b"\0")
    (altered,) = prebuilt.builds(pre, src, root)
    assert not altered.ok and "altered" in altered.diagnostics
    # other sources: no prebuilt objects at all (the no-compiler error)
    (src / "t/one.bpf.c").write_text((src / "t/one.bpf.c").read_text() + "\n")
    with pytest.raises(toolchain.ToolchainError, match=r"no clang found.*other sources"):
        prebuilt.builds(pre, src, root)


def test_a_checkout_has_no_prebuilt_set_and_no_compiler_stays_an_error() -> None:
    assert prebuilt.data_root() == REPO_ROOT and (REPO_ROOT / "bpf-src").is_dir()
    assert prebuilt.find(None) is None
    with pytest.raises(toolchain.ToolchainError, match="no clang found"):
        toolchain.select_compiler([], None)
    with pytest.raises(toolchain.ToolchainError, match="unknown compiler"):
        toolchain.select_compiler([_compiler()], "clang-99")


def test_an_installed_tree_is_found_beside_the_package(tmp_path: Path) -> None:
    package = tmp_path / "site-packages/harness"
    (package / "_tree/bpf-src").mkdir(parents=True)
    assert prebuilt.data_root(package) == package / "_tree"
    (tmp_path / "site-packages/bpf-src").mkdir()  # a checkout's layout wins
    assert prebuilt.data_root(package) == tmp_path / "site-packages"


def test_reports_of_an_installed_tree_go_to_the_current_directory(tmp_path: Path,
                                                                   monkeypatch: Any) -> None:
    from harness.build.prebuilt import INSTALLED_TREE, results_root
    monkeypatch.chdir(tmp_path)
    assert results_root(INSTALLED_TREE) == tmp_path / "results"
    assert results_root(Path("/src/bpfconform")) == Path("/src/bpfconform/results")
