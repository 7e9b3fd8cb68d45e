"""After a full `bpfconform run`, nothing the run created is left behind; two runs agree.

Per built adapter: the kernel's program/map ids before and after the run (BPF_*_GET_NEXT_ID),
the processes the run started (found by an environment token), and every pin on bpffs
(a loader that ignored the request's pin root would pin by name in /sys/fs/bpf). Other
engineers' and services' objects are told apart: an object
of ours that survived the run is held by no live process (the run's processes are gone)
and carries a name of the suite's programs/maps, or sits in a process that carries the
token. A second run must give the same verdict for every item.
"""

from __future__ import annotations

import ctypes
import json
import os
import subprocess
import sys
import time
import uuid
from dataclasses import dataclass
from pathlib import Path

import pytest

from harness import runner
from harness.manifest import AdapterUnavailable, load_manifests
from harness.probes import _EXIT, _MOV64_R0_0, _prog_load

sys.path.insert(0, str(Path(__file__).resolve().parent))
import kernel_objects as ko

PIN_BASE = runner.DEFAULT_PIN_BASE
#: the whole bpffs: a loader that ignored the request's pin root would pin by name here
BPFFS = PIN_BASE.parent
MANIFESTS = load_manifests(runner.REPO_ROOT)


@dataclass(frozen=True)
class FullRun:
    """One `bpfconform run --adapter NAME` and what it left behind."""

    verdicts: dict[str, str]
    exit_status: int
    output: str
    leaked_progs: dict[int, str]
    leaked_maps: dict[int, str]
    stray_pids: list[int]
    pins_left: list[str]


def _suite_names() -> set[str]:
    """Program names of every item, and the map names the reference loader gives the
    objects plus their section names (cilium/ebpf and aya name data maps `.data`), as the
    kernel stores them (BPF_OBJ_NAME_LEN: 15 characters)."""
    from refloader.loader import open_object
    prepared = runner.prepare(runner.Paths(), None)
    names = {i.program[:15] for i in prepared.items}
    for obj in {i.obj for i in prepared.items if i.error is None}:
        try:
            for m in open_object(str(obj)).maps:  # libbpf-style and cilium/aya-style names
                names |= {m.name[:15], (m.section or m.name)[:15]}
        except Exception:
            continue
    return names


def _pins() -> list[str]:
    return sorted(str(p) for p in BPFFS.rglob("*")) if BPFFS.exists() else []


def full_run(adapter: str, out: Path) -> FullRun:
    """Run the whole suite against one adapter in a child process and look for leftovers."""
    token = f"BPFCONFORM_LEAK_TOKEN={uuid.uuid4().hex}"
    pins_before = set(_pins())
    before = ko.snapshot()
    env = dict(os.environ, BPFCONFORM_LEAK_TOKEN=token.split("=", 1)[1])
    proc = subprocess.run([sys.executable, "-m", "harness.cli", "run", "--adapter", adapter,
                           "--out", str(out)], cwd=runner.REPO_ROOT, env=env,
                          capture_output=True, text=True, timeout=600, check=False)
    time.sleep(0.2)  # fds of killed adapters are released asynchronously
    after = ko.snapshot()
    held_progs, held_maps = ko.held_ids()
    names = _suite_names()
    leaked_progs = {i: n for i in after.progs - before.progs - held_progs
                    if (n := ko.prog_name(i)) is not None and n in names}
    leaked_maps = {i: n for i in after.maps - before.maps - held_maps
                   if (n := ko.map_name(i)) is not None and n in names}
    results = json.loads((out / "results.json").read_text())["results"]
    verdicts = {f"{r['file']}::{r['program']}": r["verdict"] for r in results}
    return FullRun(verdicts, proc.returncode, proc.stdout + proc.stderr, leaked_progs,
                   leaked_maps, ko.processes_with_env(token),
                   sorted(set(_pins()) - pins_before))


def _built(name: str) -> bool:
    try:
        MANIFESTS[name].argv(runner.REPO_ROOT)
    except AdapterUnavailable:
        return False
    return True


ADAPTERS = [pytest.param(n, marks=() if _built(n) else pytest.mark.skip(
    reason=f"adapter {n} not built (bpfconform build-adapters --adapter {n})"))
    for n in sorted(MANIFESTS)]


def test_the_id_snapshot_sees_a_program_while_it_is_loaded() -> None:
    log = ctypes.create_string_buffer(4096)
    fd, err = _prog_load(_MOV64_R0_0 + _EXIT, log)
    assert fd >= 0, os.strerror(err)
    try:
        during = ko.snapshot()
        held, _maps = ko.held_ids()
    finally:
        os.close(fd)
    mine = during.progs - ko.snapshot().progs
    assert mine, "the loaded program's id was not listed"
    assert mine <= held, "/proc/*/fdinfo did not show this process holding it"


@pytest.mark.parametrize("adapter", ADAPTERS)
def test_a_full_run_leaves_no_program_map_process_or_pin_and_a_second_run_agrees(
        adapter: str, tmp_path: Path) -> None:
    first = full_run(adapter, tmp_path / "first")
    assert first.verdicts, first.output
    assert not first.leaked_progs, f"programs left behind: {first.leaked_progs}"
    assert not first.leaked_maps, f"maps left behind: {first.leaked_maps}"
    assert not first.stray_pids, f"processes of the run still alive: {first.stray_pids}"
    assert not first.pins_left, f"left under {BPFFS}: {first.pins_left}"
    second = full_run(adapter, tmp_path / "second")
    changed = {k: (v, second.verdicts.get(k)) for k, v in first.verdicts.items()
               if second.verdicts.get(k) != v}
    assert not changed, f"verdicts differ between two runs: {changed}"
    assert set(second.verdicts) == set(first.verdicts)
    assert second.exit_status == first.exit_status


def test_a_process_left_behind_by_a_run_is_found_by_its_token() -> None:
    token = uuid.uuid4().hex
    child = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(30)"],
                             env=dict(os.environ, BPFCONFORM_LEAK_TOKEN=token))
    try:
        time.sleep(0.2)
        assert child.pid in ko.processes_with_env(token)
    finally:
        child.kill()
        child.wait()
    assert ko.processes_with_env(token) == []
