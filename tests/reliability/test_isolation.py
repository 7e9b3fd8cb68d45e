"""Fault injection at the adapter boundary, through the real runner and client.

Each misbehaviour of tests/harness/fakes/fake_adapter.py (crash, hang past the timeout,
garbage on stdout, early exit, a wrong id, a huge stderr) and a huge stdout line becomes
exactly one ERROR item naming the cause; the items after it PASS on a fresh adapter.

No wall-clock threshold decides a verdict here: every misbehaviour but the hang is an event
(EOF, a signal, a bad line, 64 MiB read), so the client waits for it under a timeout far
beyond any load (GENEROUS_S). Only the one request the `hang` fake never answers (it sleeps
an hour) runs under a short timeout, and the adapter is started (hello) before it, under
the generous one.
"""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from harness.adapters.client import MAX_LINE, AdapterClient
from harness.adapters.manifest import Manifest
from harness.adapters.protocol import RunReply, RunRequest
from harness.probes.probes import ProbeResult
from harness.run.runner import REPO_ROOT, Context, PinRoots, run_items
from harness.run.verdict import Verdict
from harness.suite.discovery import Expectations, Item

FAKE = REPO_ROOT / "tests" / "harness" / "fakes" / "fake_adapter.py"
#: a reply, an EOF or 64 MiB of output arrives long before this, however loaded the machine
GENEROUS_S = 300.0
#: the unanswered request of the `hang` fake: any value works, it never replies
HANG_S = 1.0
# A huge stdout line (past the client's MAX_LINE), on the first run request only.
HUGE_STDOUT = f"""
import json, os, sys
state = sys.argv[1]
for line in sys.stdin:
    req = json.loads(line)
    if req["op"] == "bye":
        break
    if req["op"] == "hello":
        print(json.dumps({{"op": "hello", "name": "huge", "supports": ["data_in"]}}), flush=True)
        continue
    if not os.path.exists(state):
        open(state, "w").close()
        sys.stdout.write("x" * {MAX_LINE + 4096})
        sys.stdout.flush()
    print(json.dumps({{"id": req["id"], "phase": "done", "retval": 0}}), flush=True)
"""
FAULTS = [
    ("crash", "killed by signal SIGABRT"),
    ("hang", "no reply within"),
    ("garbage", "not JSON"),
    ("early_exit", "exited with status 3"),
    ("wrong_id", "reply has id"),
    ("huge_stderr", "killed by signal SIGABRT"),
    ("huge_stdout", "longer than 64 MiB"),
]


def _items(tmp_path: Path, n: int) -> list[Item]:
    src = tmp_path / "x.bpf.c"
    src.write_text("/* fault injection */\n")
    exp = Expectations(behaviour="data.data", expect="pass", level="required")
    return [Item(tmp_path / "x.bpf.o", src, "r/x.bpf.c", f"p{i}", expectations=exp)
            for i in range(n)]


def _manifest(tmp_path: Path, mode: str) -> Manifest:
    state = str(tmp_path / f"{mode}.state")
    argv = ((sys.executable, "-c", HUGE_STDOUT, state) if mode == "huge_stdout"
            else (sys.executable, str(FAKE), mode, state))
    return Manifest(f"fake-{mode}", "fault injection", argv, (), False,
                    tmp_path / "adapter.toml")


class _HangOnceClient(AdapterClient):
    """The `hang` fake's first run request (the one it never answers) under HANG_S; the
    start of the adapter and every other request under the generous timeout."""

    runs = 0

    def run(self, request: RunRequest) -> RunReply:
        self.runs += 1
        if self.runs > 1:
            return super().run(request)
        self.hello()  # started under GENEROUS_S
        self.timeout = HANG_S
        try:
            return super().run(request)
        finally:
            self.timeout = GENEROUS_S


@pytest.mark.parametrize(("mode", "cause"), FAULTS, ids=[m for m, _ in FAULTS])
def test_a_misbehaving_adapter_makes_one_error_item_and_the_next_runs_fresh(
        mode: str, cause: str, tmp_path: Path) -> None:
    manifest = _manifest(tmp_path, mode)
    clients: list[AdapterClient] = []

    def factory(name: str) -> AdapterClient:
        clients.append(_HangOnceClient(manifest, REPO_ROOT, timeout=GENEROUS_S)
                       if mode == "hang" else
                       AdapterClient(manifest, REPO_ROOT, timeout=GENEROUS_S))
        return clients[-1]

    probes = {"prog_test_run": ProbeResult("prog_test_run", True, "fake")}
    ctx = Context("host-test", "clang-test", probes, PinRoots(tmp_path / "pins"))
    results, _hellos = run_items(_items(tmp_path, 3), [manifest.name], factory, ctx)
    verdicts = [r.verdict for r in results]
    assert verdicts == [Verdict.ERROR, Verdict.PASS, Verdict.PASS], [
        (r.verdict, r.outcome.reason) for r in results]
    assert cause in results[0].outcome.reason
    assert manifest.name in results[0].outcome.reason
    assert "[harness]" in results[0].stderr  # the report carries the adapter's stderr tail
    assert len(clients) == 1  # the same client restarted its adapter by itself
    assert not (tmp_path / "pins").exists()  # every pin root and then the base removed
