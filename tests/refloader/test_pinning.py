"""LIBBPF_PIN_BY_NAME in the reference loader: pins under the pin root, reuse across loads
and objects, incompatible pins and pinned inner maps refused (bpf-src/pinning/)."""

from __future__ import annotations

import os
import shutil
import subprocess
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from refloader.errors import LoaderError, ParseError
from refloader.loader import open_object
from refloader.mutations import plan_for
from refloader_helpers import CLANG, INCLUDE, REPO

PINNING = REPO / "bpf-src" / "pinning"
DATA_IN = bytes(64)


def build(tmp_path: Path, name: str) -> str:
    """Compile bpf-src/pinning/<name>.bpf.c as the harness does."""
    assert CLANG is not None, "no clang found: install clang-19 (.ci/install)"
    out = tmp_path / f"{name}.bpf.o"
    subprocess.run([CLANG, "-target", "bpfel", "-O2", "-g", "-c", str(PINNING / f"{name}.bpf.c"),
                    "-I", str(INCLUDE), "-o", str(out)], check=True, capture_output=True)
    return str(out)


@pytest.fixture
def pin_root() -> Iterator[str]:
    """A fresh directory on bpffs, removed with everything pinned under it."""
    root = f"/sys/fs/bpf/bpfconform-test-{os.getpid()}-{uuid.uuid4().hex[:8]}"
    os.mkdir(root)
    try:
        yield root
    finally:
        shutil.rmtree(root)


def run(path: str, program: str, pin_root: str, skip: tuple[str, ...] = ()) -> int:
    with open_object(path, pin_root=pin_root, plan=plan_for(skip, env=False)) as obj:
        obj.load()
        return obj.test_run(program, DATA_IN).retval


def test_a_by_name_map_is_pinned_under_the_pin_root(tmp_path: Path, pin_root: str) -> None:
    assert run(build(tmp_path, "by_name"), "pin_write", pin_root) == 0
    assert os.listdir(pin_root) == ["conform_pinned"]


def test_a_second_load_sees_what_the_first_wrote(tmp_path: Path, pin_root: str) -> None:
    path = build(tmp_path, "by_name")
    assert run(path, "pin_write", pin_root) == 0
    assert run(path, "pin_read", pin_root) == 0
    assert run(path, "pin_write", pin_root) != 0  # the setup step notices a stale pin


def test_another_object_reuses_a_compatible_pin(tmp_path: Path, pin_root: str) -> None:
    assert run(build(tmp_path, "by_name"), "pin_write", pin_root) == 0
    assert run(build(tmp_path, "reuse_compat"), "pin_reuse_other_object", pin_root) == 0


@pytest.mark.parametrize("skip", ["pinning.by_name", "pinning.reuse"])
def test_without_pinning_or_reuse_the_reader_sees_a_fresh_map(
        tmp_path: Path, pin_root: str, skip: str) -> None:
    assert run(build(tmp_path, "by_name"), "pin_write", pin_root) == 0
    assert run(build(tmp_path, "reuse_compat"), "pin_reuse_other_object", pin_root,
               (skip,)) != 0


def test_an_incompatible_pin_is_refused(tmp_path: Path, pin_root: str) -> None:
    assert run(build(tmp_path, "by_name"), "pin_write", pin_root) == 0
    path = build(tmp_path, "incompatible")
    with pytest.raises(LoaderError, match="incompatible"):
        run(path, "pin_incompatible", pin_root)
    # mutation pinning.incompatible: the 2-entry map is reused as is, the program runs
    assert run(path, "pin_incompatible", pin_root, ("pinning.incompatible",)) == 0


def test_a_pinned_inner_map_is_refused_at_open(tmp_path: Path, pin_root: str) -> None:
    path = build(tmp_path, "inner")
    with pytest.raises(ParseError, match="inner map can't be pinned"):
        open_object(path, pin_root=pin_root)
    assert run(path, "pin_inner_rejected", pin_root, ("pinning.inner",)) == 0
    assert os.listdir(pin_root) == []
