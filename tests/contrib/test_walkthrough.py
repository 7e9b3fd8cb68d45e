"""CONTRIBUTING.md, executable: a newcomer scaffolds a behaviour, `check` refuses the
scaffold, the newcomer writes the test and its mutation, `check` accepts it.

Everything happens in a copy of the project (harness, bpf-src/include, suite, the reference
loader, the behaviours-doc generator; the other adapters' built executables are linked),
run as `python3 -m harness.cli` from that copy, so the real tree is never written.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
SOURCE = Path("bpf-src/maps/array_size_exact.bpf.c")

PROGRAM = """\
/* An ARRAY map gets exactly the max_entries its BTF definition declares, not a rounded-up size. */
#include "conformance.h"

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 3);
	__type(key, __u32);
	__type(value, __u64);
} three_slots SEC(".maps");

TEST(array_size_exact, "maps.array_size_exact", "pass", "required");
CONFORM(array_size_exact, "desc", "slot 2 of a 3-slot ARRAY exists, slot 3 does not");
CONFORM(array_size_exact, "ref", "libbpf: parse_btf_map_def (max_entries), bpf_object__create_map");
SEC("socket")
int array_size_exact(void *ctx)
{
	__u32 last = 2, past = 3;

	ASSERT_NOT_NULL(bpf_map_lookup_elem(&three_slots, &last));  /* unpatched (4 slots): too */
	ASSERT_NULL(bpf_map_lookup_elem(&three_slots, &past));  /* unpatched (4 slots): not NULL */
	PASS();
}
"""

ENTRY = """\
["maps.array_size_exact"]
family = "maps"
title = "an ARRAY map is created with exactly the declared max_entries"
ref = "libbpf: parse_btf_map_def (max_entries), bpf_object__create_map"
evidence = ["https://github.com/libbpf/libbpf/blob/master/src/libbpf.c"]
mutation = "max_entries is rounded up to a power of two: a 3-slot ARRAY gets 4 slots"
"""

KNOB = """\
    #: maps.array_size_exact: max_entries as declared (False: rounded up to a power of 2)
    maps_array_size_exact: bool = True
"""

MUTATION = """\
    Mutation("maps.array_size_exact", "max_entries rounded up to a power of two",
             _set(maps_array_size_exact=False)),
"""

HONOUR = """\
    if not plan.maps_array_size_exact:  # mutation maps.array_size_exact
        spec.max_entries = 1 << (spec.max_entries - 1).bit_length()
"""


@pytest.fixture
def project(tmp_path: Path) -> Path:
    """A copy of what a contribution touches; built adapters linked, not copied."""
    for rel in ("harness", "bpf-src/include", "runners/python", "suite/expectations"):
        shutil.copytree(ROOT / rel, tmp_path / rel,
                        ignore=shutil.ignore_patterns("__pycache__"))
    for rel in ("suite/catalogue.toml", "tests/programs/behaviours_doc.py"):
        (tmp_path / rel).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy(ROOT / rel, tmp_path / rel)
    for runner in (ROOT / "runners").iterdir():
        if not (tmp_path / "runners" / runner.name).exists():
            (tmp_path / "runners" / runner.name).symlink_to(runner)
    (tmp_path / "build").mkdir()
    (tmp_path / "build" / "runners").symlink_to(ROOT / "build" / "runners")
    return tmp_path


def bpfconform(project: Path, *args: str) -> subprocess.CompletedProcess[str]:
    """`bpfconform ARGS` of the copy (its harness, its reference loader)."""
    env = {**os.environ,
           "PYTHONPATH": os.pathsep.join([str(project), str(project / "runners" / "python")])}
    env.pop("BPFCONFORM_SKIP", None)
    return subprocess.run([sys.executable, "-m", "harness.cli", *args], cwd=project, env=env,
                          capture_output=True, text=True, check=False)


def edit(path: Path, old: str, new: str) -> None:
    text = path.read_text()
    assert text.count(old) == 1, f"{path}: {old!r}"
    path.write_text(text.replace(old, new))


def test_a_newcomer_scaffolds_is_refused_fills_it_in_and_is_accepted(project: Path) -> None:
    if os.geteuid() != 0:
        pytest.fail("the walkthrough loads programs: run as root (CONTRIBUTING.md)")
    new = bpfconform(project, "new", "maps/array_size_exact")
    assert new.returncode == 0, new.stderr
    assert "honour it with one line in runners/python/refloader/maps_spec.py" in new.stdout

    refused = bpfconform(project, "check", str(SOURCE))
    assert refused.returncode == 1, refused.stdout + refused.stderr
    out = refused.stdout
    assert "MISSING lint" in out and "MISSING sensitivity" in out
    for line in (1, 8, 9, 13):  # purpose, desc, ref, the unpatched note
        assert f"{SOURCE}:{line}: unfinished" in out
    assert re.search(r"suite/catalogue\.toml:\d+: \[\"maps\.array_size_exact\"\] evidence", out)
    assert ("mutation `maps.array_size_exact` is not implemented: add it in "
            "refloader/mutations.py") in out
    assert "honour it in refloader/maps_spec.py" in out
    assert "check: 3/5 steps done; missing: lint, sensitivity" in out

    (project / SOURCE).write_text(PROGRAM)
    catalogue = project / "suite" / "catalogue.toml"
    text = catalogue.read_text()
    start = text.index('["maps.array_size_exact"]')
    catalogue.write_text(text[:start] + ENTRY)
    mutations = project / "runners" / "python" / "refloader" / "mutations.py"
    text = mutations.read_text()
    text = re.sub(r"    #: TODO maps\.array_size_exact:.*\n.*\n    maps_array_size_exact: .*\n",
                  KNOB, text)
    text = re.sub(r"    # TODO maps\.array_size_exact:.*\n.*\n.*\n.*_not_implemented.*\n",
                  MUTATION, text)
    mutations.write_text(text)
    edit(project / "runners" / "python" / "refloader" / "maps_spec.py",
         "    if spec.map_type == 0:\n", HONOUR + "    if spec.map_type == 0:\n")

    accepted = bpfconform(project, "check", str(SOURCE))
    assert accepted.returncode == 0, accepted.stdout + accepted.stderr
    assert "check: 5/5 steps done" in accepted.stdout
    assert "1/1 required expect=pass programs sensitive (1 assert)" in accepted.stdout
    assert "### `maps.array_size_exact`" in (project / "docs" / "behaviours.md").read_text()
