"""setuptools build hook: a wheel that runs without a compiler (issue 21, docs/packaging.md).

Metadata lives in pyproject.toml. A wheel (`pip wheel .`, `pip install .`) also gets, in
harness/_tree/: the test sources (bpf-src/), the catalogue, expectations and findings
(suite/), the reference loader's adapter manifest, and prebuilt/<compiler-id>/: every object
built by the default compiler (as `python3 -m harness.build.prebuilt` builds it), with
prebuilt.json (compiler id and version, flags, compiler probes, sha256 of the sources and of
each object). An editable install (`pip install -e .`, as .ci/install) gets none of it: a
checkout builds from source. BPFCONFORM_PREBUILT_COMPILER=<id> picks another compiler;
BPFCONFORM_PREBUILT=0 makes a wheel without objects (it then needs a compiler, as a
checkout).
"""

from __future__ import annotations

import os
import shutil
import sys
from pathlib import Path

from setuptools import setup
from setuptools.command.build_py import build_py

HERE = Path(__file__).resolve().parent
#: copied into harness/_tree/ (what harness.build.prebuilt.data_root() serves when installed)
TREE = ("bpf-src", "suite", "runners/python/adapter.toml", "runners/python/README.md")


class BuildPyWithTree(build_py):
    """build_py, then the checkout's tree and the prebuilt objects into build_lib."""

    def run(self) -> None:
        """Build the packages; for a wheel, add harness/_tree/ and the prebuilt objects."""
        super().run()
        if getattr(self, "editable_mode", False):
            return
        tree = Path(self.build_lib) / "harness" / "_tree"
        if tree.exists():
            shutil.rmtree(tree)  # never a stale file from an earlier build
        ignore = shutil.ignore_patterns("__pycache__", "*.pyc")
        for rel in TREE:
            src, dest = HERE / rel, tree / rel
            dest.parent.mkdir(parents=True, exist_ok=True)
            if src.is_dir():
                shutil.copytree(src, dest, ignore=ignore)
            else:
                shutil.copy2(src, dest)
        if os.environ.get("BPFCONFORM_PREBUILT", "1") == "0":
            return
        sys.path.insert(0, str(HERE))
        from harness.build import prebuilt  # the checkout's harness, as its CLI would run

        argv = [str(tree / prebuilt.PREBUILT_DIR), "--bpf-src", str(HERE / "bpf-src"),
                "--build-dir", str(HERE / "build")]
        if os.environ.get("BPFCONFORM_PREBUILT_COMPILER"):
            argv += ["--compiler", os.environ["BPFCONFORM_PREBUILT_COMPILER"]]
        if prebuilt.main(argv) != 0:
            raise SystemExit("prebuilt objects failed; BPFCONFORM_PREBUILT=0 builds a wheel "
                             "without them (it then needs a compiler)")


setup(cmdclass={"build_py": BuildPyWithTree})
