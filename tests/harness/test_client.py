from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from harness.adapters.client import SCRUBBED_ENV, STDERR_LIMIT, AdapterClient, AdapterError
from harness.adapters.manifest import AdapterUnavailable, Manifest, find_manifest, load_manifest
from harness.adapters.protocol import RunRequest
from harness.run.runner import REPO_ROOT

FAKE = Path(__file__).parent / "fakes" / "fake_adapter.py"
#: a reply, an EOF or a signal arrives long before this, however loaded the machine: no
#: verdict here depends on how fast the machine is
GENEROUS_S = 300.0


def _client(tmp_path: Path, mode: str, timeout: float = GENEROUS_S) -> AdapterClient:
    state = tmp_path / f"{mode}.state"
    manifest = Manifest(f"fake-{mode}", "", (sys.executable, str(FAKE), mode, str(state)), (),
                        False, tmp_path / "adapter.toml")
    return AdapterClient(manifest, REPO_ROOT, timeout)


def _request(n: int) -> RunRequest:
    return RunRequest(id=n, elf="/nonexistent.bpf.o", program="p", pin_root="/tmp",
                      data_in="00")


def test_a_well_behaved_adapter_answers_hello_and_run(tmp_path: Path) -> None:
    with _client(tmp_path, "ok") as client:
        assert client.hello().library == "fake"
        reply = client.run(_request(1))
        assert (reply.id, reply.phase, reply.retval) == (1, "done", 0)
        assert client.run(_request(2)).id == 2


@pytest.mark.parametrize(
    ("mode", "cause"),
    [
        ("crash", "killed by signal SIGABRT"),
        ("hang", "no reply within 1 s"),
        ("garbage", "not JSON"),
        ("wrong_id", "reply has id 1001, expected 1"),
        ("early_exit", "exited with status 3"),
        ("huge_stderr", "killed by signal SIGABRT"),
    ],
    ids=["crash", "hang", "garbage", "wrong-id", "early-exit", "huge-stderr"],
)
def test_a_broken_adapter_is_an_error_and_the_next_request_works(
    tmp_path: Path, mode: str, cause: str
) -> None:
    with _client(tmp_path, mode) as client:
        client.hello()  # started under the generous timeout
        # only the request the hang fake never answers (it sleeps an hour) gets 1 s; every
        # other fault is an event (EOF, a signal, a bad line) the client waits for
        client.timeout = 1.0 if mode == "hang" else GENEROUS_S
        with pytest.raises(AdapterError) as err:
            client.run(_request(1))
        client.timeout = GENEROUS_S
        assert cause in err.value.cause
        assert f"fake-{mode}" in err.value.cause
        reply = client.run(_request(2))
        assert (reply.id, reply.retval) == (2, 0)


def test_the_stderr_tail_is_kept_and_bounded(tmp_path: Path) -> None:
    with _client(tmp_path, "huge_stderr") as client, pytest.raises(AdapterError) as err:
        client.run(_request(1))
    assert len(err.value.stderr.encode()) <= STDERR_LIMIT
    assert "fake: the end of a huge stderr" in err.value.stderr


def test_a_crash_keeps_what_the_adapter_said_before_dying(tmp_path: Path) -> None:
    with _client(tmp_path, "crash") as client, pytest.raises(AdapterError) as err:
        client.run(_request(1))
    assert "fake: about to crash" in err.value.stderr


def test_a_bad_hello_is_an_error(tmp_path: Path) -> None:
    with _client(tmp_path, "bad_hello") as client, pytest.raises(AdapterError, match="JSON"):
        client.hello()


def test_an_unknown_adapter_name_lists_the_known_ones() -> None:
    with pytest.raises(AdapterUnavailable, match=r"unknown adapter 'nosuch' \(known: .*libbpf"):
        find_manifest(REPO_ROOT, "nosuch")


def test_a_missing_executable_says_how_to_build_it(tmp_path: Path) -> None:
    toml = tmp_path / "adapter.toml"
    toml.write_text('name = "ghost"\ncommand = ["build/runners/ghost/nope"]\n'
                    'build = ["make", "-C", "runners/ghost"]\n')
    manifest = load_manifest(toml)
    with pytest.raises(AdapterUnavailable,
                       match=r"'ghost'.*build/runners/ghost/nope not found.*make -C runners/ghost"):
        AdapterClient(manifest, REPO_ROOT)


def test_a_manifest_without_command_is_refused(tmp_path: Path) -> None:
    toml = tmp_path / "adapter.toml"
    toml.write_text('name = "x"\n')
    with pytest.raises(AdapterUnavailable, match="command must be a list"):
        load_manifest(toml)


ENV_ECHO = """
import json, os, sys
for line in sys.stdin:
    req = json.loads(line)
    if req["op"] == "bye":
        break
    print(json.dumps({"op": "hello", "protocol": 1, "name": "echo", "library": "echo",
                      "library_version": os.environ.get("BPFCONFORM_SKIP", "<unset>"),
                      "adapter_version": os.environ.get("BPFCONFORM_KEEP", "<unset>"),
                      "supports": []}), flush=True)
"""


def test_bpfconform_skip_is_scrubbed_from_the_adapter_environment_and_the_rest_kept(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    assert "BPFCONFORM_SKIP" in SCRUBBED_ENV
    monkeypatch.setenv("BPFCONFORM_SKIP", "data.data")
    monkeypatch.setenv("BPFCONFORM_KEEP", "kept")
    manifest = Manifest("echo", "", (sys.executable, "-c", ENV_ECHO), (), False,
                        tmp_path / "adapter.toml")
    with AdapterClient(manifest, REPO_ROOT, GENEROUS_S) as client:
        hello = client.hello()
    assert hello.library_version == "<unset>"
    assert hello.adapter_version == "kept"


def test_bpfconform_skip_in_the_environment_does_not_mutate_the_reference_loader(
        tmp_path: Path) -> None:
    """A real run of the reference loader with BPFCONFORM_SKIP naming the items' behaviour:
    unmutated, so every item PASSes (mutated, .data would start zeroed: FAIL)."""
    env = {**os.environ, "BPFCONFORM_SKIP": "data.data"}
    proc = subprocess.run([sys.executable, "-m", "harness.cli", "run", "--adapter", "python",
                           "-k", "data/data_", "--out", str(tmp_path)], cwd=REPO_ROOT, env=env,
                          capture_output=True, text=True, timeout=600, check=False)
    results = json.loads((tmp_path / "results.json").read_text())["results"]
    assert results, proc.stdout + proc.stderr
    assert {r["verdict"] for r in results} == {"PASS"}, proc.stdout + proc.stderr
