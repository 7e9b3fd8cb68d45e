"""The cell driver (harness.matrix.guest): the manifest round trip, each adapter started
once for every compiler, and the per-cell ERROR rules holding for what the driver writes."""

from __future__ import annotations

import io
import json
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path

import pytest

from harness.adapters.client import AdapterError
from harness.adapters.manifest import Manifest
from harness.adapters.protocol import Hello, RunReply, RunRequest
from harness.build.toolchain import Compiler
from harness.matrix.guest import (
    DRIVER_FAILED,
    Cell,
    CompilerPlan,
    Driver,
    GuestManifest,
    SharedClient,
    item_from_json,
    item_to_json,
)
from harness.matrix.matrix import fresh_cell, read_cell
from harness.probes.probes import ProbeResult
from harness.run import runner
from harness.suite.discovery import Expectations, Item

EXP = Expectations("data.bss", "pass", "required", requires=("bpf_loop", "cc:x"),
                   before=("setup.bpf.o", "setup"), ctx_in="00ff", control="define")
ITEMS = (Item(Path("/x/a.o"), Path("/x/a.c"), "data/a.bpf.c", "p1", EXP),
         Item(Path("/x/a.o"), Path("/x/a.c"), "data/a.bpf.c", "p2",
              replace(EXP, requires=(), before=None, ctx_in=None, control=None)))


def plan_for(tmp_path: Path, adapters: tuple[str, ...] = ("libbpf",),
             compilers: tuple[str, ...] = ("clang-14", "clang-19"), run_id: str = "run-1",
             items: tuple[Item, ...] = ITEMS,
             sources: Mapping[str, tuple[str, ...]] | None = None) -> GuestManifest:
    plans = {c: CompilerPlan(Compiler(c, (c,), f"{c}.0", int(c.split("-")[1]), "debian"),
                             {"cc:x": ProbeResult("cc:x", True, "compiles")}, items)
             for c in compilers}
    cells = tuple(Cell(c, a, tmp_path / "cells" / c / a) for c in compilers for a in adapters)
    for cell in cells:
        fresh_cell(cell.out, run_id)
    return GuestManifest(run_id, plans, cells, 5.0, adapter_sources=sources or {})


@dataclass
class FakeAdapter:
    """An in-process adapter: every program loads and returns 0; counts its starts."""

    manifest: Manifest
    started: list[str]
    crash_on: str | None = None
    requests: list[str] = field(default_factory=list)

    def hello(self) -> Hello:
        return Hello(self.manifest.name, "0", "fake", "1.0",
                     supports=("pin_root", "data_in", "ctx_in"))

    def run(self, request: RunRequest) -> RunReply:
        self.requests.append(request.program)
        if request.program == self.crash_on:
            raise AdapterError("adapter crashed (signal 11)")
        return RunReply(request.id, "done", retval=0)

    def close(self) -> None:
        pass


def fake_probes() -> Mapping[str, ProbeResult]:
    return {"bpf_loop": ProbeResult("bpf_loop", True, "helper accepted")}


def driver(plan: GuestManifest, started: list[str], **fake: str) -> Driver:
    def factory(m: Manifest, _plan: GuestManifest) -> FakeAdapter:
        started.append(m.name)
        return FakeAdapter(m, started, **fake)

    return Driver(plan, executor=factory, probes=fake_probes, log=io.StringIO())


def test_the_manifest_round_trips_every_item_field(tmp_path: Path) -> None:
    plan = plan_for(tmp_path, sources={"mine": ("--adapter-command", "mine=python3 -m x")})
    path = tmp_path / "manifest.json"
    plan.write(path)
    back = GuestManifest.read(path)
    assert back == plan
    assert back.compilers["clang-19"].items == ITEMS
    bad = item_to_json(ITEMS[0])
    bad["expectations"]["new_field"] = 1  # another harness version: refused, not guessed
    with pytest.raises(ValueError, match="new_field"):
        item_from_json(bad)


def test_real_discovered_items_survive_the_manifest() -> None:
    prepared = runner.prepare(runner.Paths(), "clang-19")
    assert prepared.items
    back = [item_from_json(json.loads(json.dumps(item_to_json(i)))) for i in prepared.items]
    assert back == prepared.items
    assert any(i.control_obj is not None for i in back)  # the negatives' controls travel too


def test_each_adapter_starts_once_for_every_compiler_and_cell_is_read(tmp_path: Path) -> None:
    plan = plan_for(tmp_path, adapters=("libbpf", "python"))
    started: list[str] = []
    assert driver(plan, started).run() == 0
    assert started == ["libbpf", "python"]  # one process per adapter, not per cell
    for cell in plan.cells:
        assert (cell.out / "rc").read_text() == "0\n"
        doc = json.loads((cell.out / "results.json").read_text())
        assert doc["meta"]["run_id"] == "run-1"
        assert doc["meta"]["compiler"]["id"] == cell.compiler
        assert doc["meta"]["probes"]["cc:x"]["ok"] and doc["meta"]["probes"]["bpf_loop"]["ok"]
        got = read_cell(cell.out, "run-1", ITEMS, cell.adapter, "k", cell.compiler)
        assert got.problem is None
        assert [r["verdict"] for r in got.rows] == ["PASS", "PASS"]


def test_an_adapter_crash_is_error_rows_and_exit_1(tmp_path: Path) -> None:
    plan = plan_for(tmp_path, compilers=("clang-19",))
    assert driver(plan, [], crash_on="p1").run() == 0
    cell = plan.cells[0]
    assert (cell.out / "rc").read_text() == "1\n"
    got = read_cell(cell.out, "run-1", ITEMS, "libbpf", "k", "clang-19")
    assert got.problem is None
    assert [r["verdict"] for r in got.rows] == ["ERROR", "PASS"]  # the client restarts


def test_a_driver_failure_in_one_cell_is_that_cell_s_error_and_the_rest_runs(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    plan = plan_for(tmp_path)
    calls = []
    real = runner.run_items

    def broken_once(*args: object, **kw: object) -> object:
        calls.append(1)
        if len(calls) == 1:
            raise KeyError("a harness bug")
        return real(*args, **kw)  # type: ignore[arg-type]

    monkeypatch.setattr(runner, "run_items", broken_once)
    driver(plan, []).run()
    first, second = plan.cells
    assert (first.out / "rc").read_text() == f"{DRIVER_FAILED}\n"
    assert not (first.out / "results.json").exists()
    assert "KeyError: 'a harness bug'" in (first.out / "run.log").read_text()
    got = read_cell(first.out, "run-1", ITEMS, "libbpf", "k", "clang-14")
    assert got.problem == f"the cell exited {DRIVER_FAILED}"
    assert "a harness bug" in got.log
    assert read_cell(second.out, "run-1", ITEMS, "libbpf", "k", "clang-19").problem is None


def test_an_unknown_adapter_is_exit_2_without_results(tmp_path: Path) -> None:
    plan = plan_for(tmp_path, adapters=("no-such-adapter",), compilers=("clang-19",))
    driver(plan, []).run()
    cell = plan.cells[0]
    assert (cell.out / "rc").read_text() == "2\n"
    assert "unknown adapter 'no-such-adapter'" in (cell.out / "run.log").read_text()
    got = read_cell(cell.out, "run-1", ITEMS, "no-such-adapter", "k", "clang-19")
    assert got.problem == "the cell exited 2 and wrote no results.json" or \
        got.problem == "the cell exited 2"


def test_a_cell_of_another_run_or_claimed_by_another_driver_is_left_alone(
        tmp_path: Path) -> None:
    plan = plan_for(tmp_path, compilers=("clang-19",), adapters=("libbpf", "python"))
    stale, taken = plan.cells
    (stale.out / "run_id").write_text("run-0\n")  # not this run's directory
    (taken.out / "claimed").write_text("123\n")  # another driver of this VM has it
    started: list[str] = []
    driver(plan, started).run()
    assert started == []
    assert sorted(p.name for p in stale.out.iterdir()) == ["run_id"]
    assert sorted(p.name for p in taken.out.iterdir()) == ["claimed", "run_id"]


def test_two_drivers_share_the_cells_and_each_runs_once(tmp_path: Path) -> None:
    plan = plan_for(tmp_path, adapters=("libbpf", "python"))
    first: list[str] = []
    second: list[str] = []
    a, b = driver(plan, first), driver(plan, second)
    a.run()
    b.run()
    assert first == ["libbpf", "python"] and second == []
    assert all((c.out / "rc").read_text() == "0\n" for c in plan.cells)


def test_an_out_of_tree_command_adapter_is_found_by_the_driver(tmp_path: Path) -> None:
    plan = plan_for(tmp_path, adapters=("mine",), compilers=("clang-19",),
                    sources={"mine": ("--adapter-command", "mine=python3 -m refloader.adapter")})
    started: list[str] = []
    driver(plan, started).run()
    assert started == ["mine"]
    assert (plan.cells[0].out / "rc").read_text() == "0\n"


def test_the_shared_client_survives_the_runner_closing_it() -> None:
    closed: list[str] = []

    class Client:
        def close(self) -> None:
            closed.append("x")

    shared = SharedClient(Client())  # type: ignore[arg-type]
    shared.close()
    assert closed == []
    shared.shutdown()
    assert closed == ["x"]
