"""The adapter executable over real JSON lines: hello, runs, errors, fds closed."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from refloader_helpers import Compile

PROG = r"""
__u32 value = 42;
const volatile __u32 limit = 5;
__u32 zero;
TEST(ok, "data.data", "pass", "required");
SEC("socket") int ok(void *ctx) { ASSERT_EQ(READ_ONCE(value), 42); ASSERT_EQ(zero, 0);
                                  return 0; }
SEC("socket") int ret7(void *ctx) { return 7; }
SEC("?socket") int not_autoloaded(void *ctx) { return 0; }
"""


class Adapter:
    def __init__(self, env: dict[str, str]) -> None:
        self.p = subprocess.Popen([sys.executable, "-m", "refloader.adapter"],
                                  stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                  stderr=subprocess.PIPE, text=True, env=env)

    def ask(self, req: dict[str, Any] | str) -> dict[str, Any]:
        assert self.p.stdin and self.p.stdout
        self.p.stdin.write((req if isinstance(req, str) else json.dumps(req)) + "\n")
        self.p.stdin.flush()
        line = self.p.stdout.readline()
        reply = json.loads(line)
        assert isinstance(reply, dict)
        return reply

    def fds(self) -> int:
        return len(os.listdir(f"/proc/{self.p.pid}/fd"))

    def close(self) -> int:
        assert self.p.stdin
        self.p.stdin.write('{"op": "bye"}\n')
        self.p.stdin.flush()
        return self.p.wait(timeout=30)


@pytest.fixture
def adapter(adapter_env: dict[str, str]) -> Iterator[Adapter]:
    a = Adapter(adapter_env)
    yield a
    assert a.close() == 0


def _run(obj: Path, program: str, **extra: Any) -> dict[str, Any]:
    return {"op": "run", "id": 1, "elf": str(obj), "program": program,
            "pin_root": "/sys/fs/bpf", "btf_custom_path": None, "data_in": "00" * 64,
            "repeat": 1, "skip": [], **extra}


def test_hello_names_the_adapter_and_its_options(adapter: Adapter) -> None:
    h = adapter.ask({"op": "hello"})
    assert h["name"] == "python" and h["protocol"] == 1
    assert set(h["supports"]) == {"pin_root", "btf_custom_path", "data_in", "repeat", "skip",
                                  "info", "no_data", "ctx_in"}


def test_a_program_runs_and_its_retval_is_reported(adapter: Adapter,
                                                    compile_bpf: Compile) -> None:
    obj = compile_bpf("adapter", PROG)
    r = adapter.ask(_run(obj, "ok"))
    assert (r["id"], r["phase"], r["retval"], r["error"]) == (1, "done", 0, None)
    assert r["btf"] == "loaded"
    assert set(r["ns"]) == {"open", "load", "run"}
    assert adapter.ask(_run(obj, "ret7"))["retval"] == 7


def test_skipping_a_behaviour_changes_the_result(adapter: Adapter,
                                                 compile_bpf: Compile) -> None:
    obj = compile_bpf("adapter", PROG)
    r = adapter.ask(_run(obj, "ok", skip=["data.data"]))
    assert r["phase"] == "done" and r["retval"] != 0


def test_an_unknown_skip_id_is_an_error_reply(adapter: Adapter, compile_bpf: Compile) -> None:
    obj = compile_bpf("adapter", PROG)
    r = adapter.ask(_run(obj, "ok", skip=["no.such.behaviour"]))
    assert r["phase"] == "open" and "no.such.behaviour" in r["error"]


def test_failures_are_replies_in_the_right_phase(adapter: Adapter,
                                                 compile_bpf: Compile) -> None:
    obj = compile_bpf("adapter", PROG)
    assert adapter.ask(_run(Path("/nonexistent.o"), "x"))["phase"] == "open"
    missing = adapter.ask(_run(obj, "no_such_prog"))
    assert missing["phase"] == "run" and "no_such_prog" in missing["error"]
    lazy = adapter.ask(_run(obj, "not_autoloaded"))
    assert lazy["phase"] == "run" and "not autoloaded" in lazy["error"]
    bad = adapter.ask("this is not json")
    assert bad["id"] is None and bad["error"].startswith("bad request")


def test_every_request_closes_what_it_opened(adapter: Adapter, compile_bpf: Compile) -> None:
    obj = compile_bpf("adapter", PROG)
    adapter.ask(_run(obj, "ok"))  # first run probes the kernel and imports everything
    before = adapter.fds()
    for prog in ("ok", "ret7", "no_such_prog"):
        adapter.ask(_run(obj, prog))
    adapter.ask(_run(obj, "ok", skip=["data.data"]))
    assert adapter.fds() == before


def test_malformed_objects_are_error_replies_naming_the_place(
        adapter: Adapter, compile_bpf: Compile, tmp_path: Path) -> None:
    obj = compile_bpf("adapter", PROG)
    raw = obj.read_bytes()
    truncated = tmp_path / "truncated.bpf.o"
    truncated.write_bytes(raw[:len(raw) // 3])
    r = adapter.ask(_run(truncated, "ok"))
    assert r["phase"] == "open" and r["retval"] is None and r["error"]
    garbage = tmp_path / "garbage.bpf.o"
    garbage.write_bytes(b"\x7fELF" + bytes(range(256)) * 4)
    r = adapter.ask(_run(garbage, "ok"))
    assert r["phase"] == "open" and "ELF" in r["error"]
    assert adapter.ask({"op": "hello"})["name"] == "python"  # still alive and in sync


def test_the_pyelftools_reader_loads_the_same_object(compile_bpf: Compile) -> None:
    from refloader.loader import open_object
    with open_object(str(compile_bpf("adapter", PROG)), elf_backend="pyelftools") as obj:
        obj.load()
        assert obj.test_run("ok", bytes(64)).retval == 0
