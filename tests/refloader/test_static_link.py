"""A statically linked object: the code of a weak function the linker replaced has no symbol;
its BTF.ext records are skipped (libbpf: "eliminated weak subprogram"), not an error."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest
from refloader.loader import open_object
from refloader_helpers import compile_c

A = """#include "conformance.h"
__weak __noinline int choose(void) { return 1; }
SEC("socket") int linked(void *ctx) { return choose() == 2 ? 0 : 1; }
"""
B = """#include "conformance.h"
__noinline int choose(void) { return 2; }
"""


@pytest.fixture
def linked(tmp_path: Path) -> Path:
    bpftool = shutil.which("bpftool")
    assert bpftool is not None, "bpftool missing: .ci/install installs it"
    objs = []
    for name, text in (("a", A), ("b", B)):
        (tmp_path / f"{name}.c").write_text(text)
        objs.append(compile_c(tmp_path / f"{name}.c", tmp_path / f"{name}.o"))
    out = tmp_path / "ab.o"
    subprocess.run([bpftool, "gen", "object", str(out), *map(str, objs)], check=True)
    return out


def test_a_linked_object_with_an_overridden_weak_function_loads_and_calls_the_strong_one(
        linked: Path) -> None:
    with open_object(str(linked)) as obj:
        obj.load()
        assert obj.test_run("linked", bytes(64)).retval == 0


