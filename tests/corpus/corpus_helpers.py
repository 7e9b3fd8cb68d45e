"""Helpers of the corpus lane's tests: small objects compiled from inline C."""

from __future__ import annotations

import shutil
import subprocess
from collections.abc import Callable
from pathlib import Path

import pytest

from harness.run.runner import REPO_ROOT

INCLUDE = REPO_ROOT / "bpf-src" / "include"
Compile = Callable[[str, str], Path]

# The selftests' bpf_misc.h spellings, as decl tags on the program's FUNC.
ANNOTATIONS = """\
#define __success __attribute__((btf_decl_tag("comment:test_expect_success")))
#define __failure __attribute__((btf_decl_tag("comment:test_expect_failure")))
#define __msg(m) __attribute__((btf_decl_tag("comment:test_expect_msg=1=" m)))
#define __retval(v) __attribute__((btf_decl_tag("comment:test_retval=" #v)))
#define __description(d) __attribute__((btf_decl_tag("comment:test_description=" d)))
#define __flag(f) __attribute__((btf_decl_tag("comment:test_prog_flags=" #f)))
"""

# One object: two accepted programs (one annotated __retval(7)) and one refused __failure.
MIXED = ANNOTATIONS + """\
#include "conformance.h"

SEC("socket") __description("returns seven") __success __retval(7)
int seven(void *ctx) { return 7; }

SEC("socket")
int plain(void *ctx) { return 0; }

SEC("socket") __failure __msg("invalid mem access 'scalar'")
int refused(void *ctx)
{
	int *p = (int *)(long)bpf_get_prandom_u32();

	return *p;
}

static __attribute__((noinline)) int helper(int x) { return x + 1; }

SEC("socket") __success __retval(2) __flag(BPF_F_ANY_ALIGNMENT)
int with_flags(void *ctx) { return helper(1); }
"""


def compile_to(tmp_path: Path, name: str, source: str) -> Path:
    """`<tmp_path>/objs/<name>.bpf.o` from C `source`, built with clang -g -O2."""
    clang = shutil.which("clang-19") or shutil.which("clang")
    if clang is None:
        pytest.fail("no clang-19 or clang on PATH: apt-get install clang-19 (.ci/install)")
    out = tmp_path / "objs"
    out.mkdir(exist_ok=True)
    src = tmp_path / f"{name}.c"
    src.write_text(source)
    obj = out / f"{name}.bpf.o"
    subprocess.run([clang, "--target=bpfel", "-g", "-O2", "-I", str(INCLUDE), "-c", str(src),
                    "-o", str(obj)], check=True)
    return obj
