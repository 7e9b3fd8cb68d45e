"""The adapter executable over real JSON lines: hello, runs, errors, fds closed."""

from __future__ import annotations

import errno
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
                                  "info", "no_data", "ctx_in", "autoload_only", "attach",
                                  "read_iter", "extension"}


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


def test_an_unknown_skip_id_is_an_internal_error_not_a_refusal(adapter: Adapter,
                                                               compile_bpf: Compile) -> None:
    obj = compile_bpf("adapter", PROG)
    r = adapter.ask(_run(obj, "ok", skip=["no.such.behaviour"]))
    assert (r["phase"], r["error_kind"]) == ("open", "internal")
    assert r["error"].startswith("bad request") and "no.such.behaviour" in r["error"]


def test_failures_are_replies_in_the_right_phase(adapter: Adapter,
                                                 compile_bpf: Compile) -> None:
    obj = compile_bpf("adapter", PROG)
    absent = adapter.ask(_run(Path("/nonexistent.o"), "x"))
    assert (absent["phase"], absent["error_kind"], absent["errno"]) == (
        "open", "refused", errno.ENOENT)
    missing = adapter.ask(_run(obj, "no_such_prog"))
    assert missing["phase"] == "run" and "no_such_prog" in missing["error"]
    assert (missing["error_kind"], missing["errno"]) == ("refused", errno.ENOENT)
    lazy = adapter.ask(_run(obj, "not_autoloaded"))
    assert lazy["phase"] == "run" and "not autoloaded" in lazy["error"]
    assert lazy["error_kind"] == "refused"
    assert adapter.ask(_run(obj, "ok"))["error_kind"] is None  # done: no error of any kind
    for line in ("this is not json", '{"op": "frobnicate", "id": 3}'):
        bad = adapter.ask(line)
        assert bad["error"].startswith("bad request") and bad["error_kind"] == "internal"
    for extra in ({"repeat": "5"}, {"repeat": -1}, {"data_in": "zz"}, {"ctx_in": "0"}):
        bad = adapter.ask(_run(obj, "ok", **extra))
        assert (bad["phase"], bad["error_kind"]) == ("open", "internal"), extra
        assert bad["error"].startswith("bad request"), extra


@pytest.mark.parametrize("phase", ["open", "load", "run"])
def test_an_exception_that_is_not_a_loader_error_is_internal_not_a_refusal(
        phase: str, compile_bpf: Compile, monkeypatch: pytest.MonkeyPatch) -> None:
    from refloader import adapter as ad
    from refloader.adapter import run as ad_run  # the part, refloader/adapter/run.py
    from refloader.loader import BpfObject

    def broken(*args: object, **kwargs: object) -> None:
        raise TypeError("unsupported operand")

    target = {"open": (ad_run, "open_object"), "load": (BpfObject, "load"),
              "run": (BpfObject, "test_run")}[phase]
    monkeypatch.setattr(*target, broken)
    r = ad_run.run(_run(compile_bpf("adapter", PROG), "ok"), ad.Session())
    assert (r.phase, r.error_kind, r.retval, r.errno) == (phase, "internal", None, None)
    assert r.error and r.error.startswith("internal error: TypeError: unsupported operand")
    assert "(at test_adapter.py:" in r.error and "in broken)" in r.error  # where it was raised
    assert "\n" not in r.error


def test_a_loader_error_is_a_refusal(compile_bpf: Compile,
                                     monkeypatch: pytest.MonkeyPatch) -> None:
    from refloader import adapter as ad
    from refloader.adapter import run as ad_run
    from refloader.errors import RelocationError
    from refloader.loader import BpfObject

    def refuses(*args: object, **kwargs: object) -> None:
        raise RelocationError("call into nowhere", insn=3)

    monkeypatch.setattr(BpfObject, "load", refuses)
    r = ad_run.run(_run(compile_bpf("adapter", PROG), "ok"), ad.Session())
    assert (r.phase, r.error_kind, r.error) == ("load", "refused", "call into nowhere (insn 3)")


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
    assert r["error_kind"] == "refused"  # the loader's verdict, not an exception escaping
    garbage = tmp_path / "garbage.bpf.o"
    garbage.write_bytes(b"\x7fELF" + bytes(range(256)) * 4)
    r = adapter.ask(_run(garbage, "ok"))
    assert r["phase"] == "open" and "ELF" in r["error"] and r["error_kind"] == "refused"
    assert adapter.ask({"op": "hello"})["name"] == "python"  # still alive and in sync


def test_the_pyelftools_reader_loads_the_same_object(compile_bpf: Compile) -> None:
    from refloader.loader import open_object
    with open_object(str(compile_bpf("adapter", PROG)), elf_backend="pyelftools") as obj:
        obj.load()
        assert obj.test_run("ok", bytes(64)).retval == 0


TWO_PROGRAMS = """/* adapter test: one program the verifier refuses, one fine */
#include "conformance.h"
SEC("socket") int refused_one(void *ctx) { return *(volatile int *)0; }
SEC("socket") int fine_one(void *ctx) { return 0; }
"""


def test_a_load_failure_names_the_program_that_failed(adapter: Adapter,
                                                      compile_bpf: Compile) -> None:
    obj = compile_bpf("two_programs", TWO_PROGRAMS)
    for asked in ("refused_one", "fine_one"):  # whole-object load: the same program fails
        reply = adapter.ask(_run(obj, asked))
        assert (reply["phase"], reply["error_kind"]) == ("load", "refused")
        assert reply["failed_program"] == "refused_one"
    assert adapter.ask(_run(Path("/nonexistent.o"), "x"))["failed_program"] is None
