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
from elftools.elf.elffile import ELFFile
from elftools.elf.sections import SymbolTableSection
from require import require_adapter

from harness.adapters.manifest import load_manifests
from harness.probes.probes import _EXIT, _MOV64_R0_0, _prog_load
from harness.run import runner

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


def _libbpf_internal_name(obj_name: str, sec_name: str) -> str:
    """libbpf's internal_map_name(): the object name's prefix keeps 16 - max(7, len(sec))
    - 1 characters (none when the section name has a second '.'), then sanitised."""
    sfx_len = max(7, len(sec_name))
    pfx_len = 0 if sfx_len >= 16 or "." in sec_name[1:] else min(16 - sfx_len - 1,
                                                                   len(obj_name))
    name = (obj_name[:pfx_len] + sec_name[:sfx_len])[:15]
    return "".join(c if c.isalnum() or c in "_." else "_" for c in name)


def _elf_map_names(obj: Path) -> set[str]:
    """Map names read off the ELF alone, for every object (also those the reference loader
    refuses: a negative test's maps may be created before its loader refuses it): the
    symbols of `.maps`/`maps`, and each data section by its name (cilium/ebpf, aya), by
    libbpf's internal name and by the reference loader's."""
    from refloader.maps_spec import internal_map_name, is_data_section
    obj_name = obj.name.split(".", 1)[0]
    names: set[str] = set()
    with obj.open("rb") as fh:
        elf = ELFFile(fh)
        map_secs = {i for i, sec in enumerate(elf.iter_sections())
                    if sec.name in (".maps", "maps")}
        symtab = elf.get_section_by_name(".symtab")
        for sym in symtab.iter_symbols() if isinstance(symtab, SymbolTableSection) else ():
            if sym["st_shndx"] in map_secs and sym.name:
                names.add(sym.name)
        for sec in [*elf.iter_sections(), None]:
            sec_name = ".kconfig" if sec is None else sec.name
            if sec is None or is_data_section(sec_name):
                names |= {sec_name, internal_map_name(obj_name, sec_name),
                          _libbpf_internal_name(obj_name, sec_name)}
    return names


def _suite_names() -> set[str]:
    """Program names of every item, and the map names of every object, as the kernel
    stores them (BPF_OBJ_NAME_LEN: 15 characters): those read off the ELF, plus the names
    the reference loader gives the objects it opens (inner maps, legacy maps). An object it
    refuses (LoaderError: the negative tests) still has its ELF names; any other exception
    fails the test rather than shrink the check."""
    from refloader.errors import LoaderError
    from refloader.loader import open_object
    prepared = runner.prepare(runner.Paths(), None)
    names = {i.program for i in prepared.items}
    objects = {i.obj for i in prepared.items if i.error is None}
    objects |= {i.control_obj for i in prepared.items if i.control_obj is not None}
    for obj in objects:
        names |= _elf_map_names(obj)
        try:
            maps = open_object(str(obj)).maps
        except LoaderError:
            continue  # refused: its ELF names above are in
        for m in maps:  # libbpf-style and cilium/aya-style names
            names |= {m.name, m.section or m.name}
    return {n[:15] for n in names}


#: the kernel frees the objects of a killed adapter's fds asynchronously: an object still
#: listed is looked at again until it is gone or this long has passed (a leak stays listed)
SETTLE_S = 60.0


def _pins() -> list[str]:
    # os.walk ignores directories that vanish meanwhile (another test's pin root)
    return sorted(os.path.join(d, n) for d, dirs, files in os.walk(BPFFS) for n in dirs + files)


def _ours(path: str, pid: int) -> bool:
    """Whether a new path under bpffs can be this run's: its own pin roots
    (`PIN_BASE/<pid>-<n>`), or anything outside PIN_BASE and outside the private roots other
    tests make at the same time under pytest-xdist (`bpfconform-*`); the shared PIN_BASE
    directory itself stays while another run uses it."""
    p = Path(path)
    if p == PIN_BASE:
        return False
    if PIN_BASE in p.parents:
        return p.relative_to(PIN_BASE).parts[0].startswith(f"{pid}-")
    return not p.relative_to(BPFFS).parts[0].startswith("bpfconform-")


def full_run(adapter: str, out: Path) -> FullRun:
    """Run the whole suite against one adapter in a child process and look for leftovers."""
    token = f"BPFCONFORM_LEAK_TOKEN={uuid.uuid4().hex}"
    pins_before = set(_pins())
    before = ko.snapshot()
    env = dict(os.environ, BPFCONFORM_LEAK_TOKEN=token.split("=", 1)[1])
    child = subprocess.Popen([sys.executable, "-m", "harness.cli", "run", "--adapter", adapter,
                              "--out", str(out)], cwd=runner.REPO_ROOT, env=env,
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    stdout, stderr = child.communicate(timeout=600)
    proc = subprocess.CompletedProcess(child.args, child.returncode, stdout, stderr)
    names = _suite_names()
    deadline = time.monotonic() + SETTLE_S
    while True:
        after = ko.snapshot()
        held_progs, held_maps = ko.held_ids()
        leaked_progs = {i: n for i in after.progs - before.progs - held_progs
                        if (n := ko.prog_name(i)) is not None and n in names}
        leaked_maps = {i: n for i in after.maps - before.maps - held_maps
                       if (n := ko.map_name(i)) is not None and n in names}
        if not (leaked_progs or leaked_maps) or time.monotonic() > deadline:
            break
        time.sleep(0.2)
    results = json.loads((out / "results.json").read_text())["results"]
    verdicts = {f"{r['file']}::{r['program']}": r["verdict"] for r in results}
    return FullRun(verdicts, proc.returncode, proc.stdout + proc.stderr, leaked_progs,
                   leaked_maps, ko.processes_with_env(token),
                   sorted(p for p in set(_pins()) - pins_before if _ours(p, child.pid)))


ADAPTERS = sorted(MANIFESTS)


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
    require_adapter(adapter)
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
    try:  # Popen returns once the child has exec'd: its environ is the new one
        assert child.pid in ko.processes_with_env(token)
    finally:
        child.kill()
        child.wait()
    assert ko.processes_with_env(token) == []
