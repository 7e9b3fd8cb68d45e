"""The aya adapter (runners/aya) speaks protocol v1 against the real kernel.

Objects come from the shared `objects` fixture (tests/adapters/conftest.py, compiled with
clang-19); every request goes to the real adapter binary, which loads them with aya and
test-runs them with aya's `TestRun` (BPF_PROG_TEST_RUN).
"""

from __future__ import annotations

import errno
import json
import re
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest

from harness.protocol import RunReply

REPO = Path(__file__).resolve().parents[2]
RUNNER = REPO / "runners" / "aya"
BINARY = REPO / "build" / "runners" / "aya" / "bpfconform-aya"
INCLUDE = REPO / "bpf-src" / "include"
ENOTSUPP = 524  # kernel-internal errno BPF_PROG_TEST_RUN returns for unsupported types

TYPES_SOURCE = """\
/* aya adapter test: a tc program (aya's TestRun) and a kprobe (the raw test-run fallback). */
#include "conformance.h"

SEC("classifier")
int tc_returns_42(void *ctx)
{
	return 42;
}

SEC("kprobe/do_nothing")
int kprobe_prog(void *ctx)
{
	return 0;
}
"""


@pytest.fixture(scope="module")
def types_object(tmp_path_factory: pytest.TempPathFactory) -> str:
    clang = shutil.which("clang-19")
    if clang is None:
        pytest.fail("clang-19 is not installed (.ci/install installs it)")
    out = tmp_path_factory.mktemp("aya-objs")
    src = out / "types.bpf.c"
    src.write_text(TYPES_SOURCE)
    obj = out / "types.bpf.o"
    cmd = [clang, "-target", "bpfel", "-O2", "-g", "-c", str(src), "-I", str(INCLUDE)]
    subprocess.run([*cmd, "-o", str(obj)], check=True)
    return str(obj)


@pytest.fixture
def adapter(launch: Any) -> Any:
    if shutil.which("cargo") is None and not (Path.home() / ".cargo" / "bin" / "cargo").exists():
        pytest.skip("cargo absent: the aya adapter cannot be built here")
    return launch([str(BINARY)], BINARY)


def aya_version_in_cargo_lock() -> str:
    lock = (RUNNER / "Cargo.lock").read_text()
    match = re.search(r'name = "aya"\nversion = "([^"]+)"', lock)
    assert match, "Cargo.lock does not resolve the aya crate"
    return match.group(1)


def test_hello_reports_the_aya_version_resolved_in_cargo_lock(adapter: Any) -> None:
    hello = adapter.hello()
    assert (hello["op"], hello["protocol"], hello["name"]) == ("hello", 1, "aya")
    assert hello["library"] == "aya"
    assert hello["library_version"] == aya_version_in_cargo_lock()
    assert set(hello["supports"]) == {"pin_root", "btf_custom_path", "data_in", "repeat", "info",
                                 "no_data"}


def test_a_passing_program_returns_zero_with_timings(
    adapter: Any, objects: Any, pin_root: Path
) -> None:
    reply = adapter.run(objects["basic"], "passes", pin_root)
    assert (reply.phase, reply.retval, reply.error) == ("done", 0, None)
    assert set(reply.ns) == {"open", "load", "run"} and all(v > 0 for v in reply.ns.values())
    assert reply.btf == "loaded"


def test_a_failing_program_returns_its_assertion_line(
    adapter: Any, objects: Any, pin_root: Path
) -> None:
    reply = adapter.run(objects["basic"], "fails_at_line_29", pin_root, repeat=5)
    assert (reply.phase, reply.retval) == ("done", objects.failing_line)


def test_data_in_is_handed_to_the_test_run(adapter: Any, objects: Any, pin_root: Path) -> None:
    # A socket filter's skb->len excludes the 14-byte Ethernet header the kernel pulls.
    for size in (64, 100):
        reply = adapter.run(objects["basic"], "returns_len", pin_root, data_in="ab" * size)
        assert (reply.phase, reply.retval) == ("done", size - 14)


def test_a_tc_program_runs_through_aya_test_run(
    adapter: Any, types_object: str, pin_root: Path
) -> None:
    reply = adapter.run(types_object, "tc_returns_42", pin_root)
    assert (reply.phase, reply.retval) == ("done", 42)


def test_a_type_aya_cannot_test_run_gets_the_kernels_own_answer(
    adapter: Any, types_object: str, pin_root: Path
) -> None:
    # aya has no TestRun for kprobes: the adapter's raw BPF_PROG_TEST_RUN asks the kernel.
    reply = adapter.run(types_object, "kprobe_prog", pin_root)
    assert (reply.phase, reply.retval, reply.errno) == ("run", None, ENOTSUPP)
    assert reply.error and "kprobe_prog" in reply.error


def test_info_reports_the_kernels_view_of_the_program_and_every_map(
    adapter: Any, objects: Any, pin_root: Path
) -> None:
    obj = adapter.send_line(
        json.dumps(
            {
                "op": "run",
                "id": 41,
                "elf": objects["basic"],
                "program": "passes",
                "pin_root": str(pin_root),
                "data_in": "00" * 64,
                "info": True,
            }
        )
    )
    assert (obj["id"], obj["phase"], obj["retval"]) == (41, "done", 0)
    prog, maps = obj["info"]["prog"], obj["info"]["maps"]
    assert prog["type"] == 1  # BPF_PROG_TYPE_SOCKET_FILTER
    assert len(prog["xlated"]) % 16 == 0 and int(prog["xlated"], 16) != 0
    # The kernel keeps BPF_OBJ_NAME_LEN - 1 = 15 characters of a map's name.
    pinned = next(m for m in maps if m["name"] == "adapter_test_pinned"[:15])
    assert (pinned["type"], pinned["key_size"], pinned["value_size"]) == (2, 4, 8)
    assert pinned["max_entries"] == 1 and pinned["btf_id"] > 0
    assert pinned["id"] in prog["map_ids"]
    # Without the flag the reply has no info.
    plain = adapter.run(objects["basic"], "passes", pin_root)
    assert plain.phase == "done"
    assert "info" not in adapter.send_line(
        json.dumps(
            {
                "op": "run",
                "id": 42,
                "elf": objects["basic"],
                "program": "passes",
                "pin_root": str(pin_root),
                "data_in": "00" * 64,
            }
        )
    )


def test_a_verifier_rejection_fails_load_with_the_log_and_errno(
    adapter: Any, objects: Any, pin_root: Path
) -> None:
    reply = adapter.run(objects["verifier_reject"], "rejected", pin_root)
    assert reply.phase == "load" and reply.retval is None
    assert reply.errno == errno.EACCES
    assert reply.error and "rejected" in reply.error and "\n" not in reply.error
    assert reply.verifier_log and "R5 !read_ok" in reply.verifier_log


def test_a_missing_program_is_a_run_failure_naming_it(
    adapter: Any, objects: Any, pin_root: Path
) -> None:
    reply = adapter.run(objects["basic"], "no_such_program", pin_root)
    assert (reply.phase, reply.retval) == ("run", None)
    assert reply.error and "no_such_program" in reply.error
    assert set(reply.ns) == {"open", "load", "run"}


def test_a_missing_file_is_an_open_failure_with_enoent(
    adapter: Any, pin_root: Path, tmp_path: Path
) -> None:
    missing = tmp_path / "absent.bpf.o"
    reply = adapter.run(str(missing), "passes", pin_root)
    assert (reply.phase, reply.errno, reply.retval) == ("open", errno.ENOENT, None)
    assert reply.error and str(missing) in reply.error


def test_an_unreadable_file_is_an_open_failure_with_eacces_or_eisdir(
    adapter: Any, pin_root: Path, tmp_path: Path
) -> None:
    # A directory cannot be read as a file whatever the caller's privileges (root here).
    reply = adapter.run(str(tmp_path), "passes", pin_root)
    assert (reply.phase, reply.retval) == ("open", None)
    assert reply.errno == errno.EISDIR
    assert reply.error and str(tmp_path) in reply.error


def test_a_file_that_is_not_elf_is_an_open_failure_naming_it(
    adapter: Any, pin_root: Path, tmp_path: Path
) -> None:
    junk = tmp_path / "junk.bpf.o"
    junk.write_bytes(b"this is not an ELF object\n" * 4)
    reply = adapter.run(str(junk), "passes", pin_root)
    assert (reply.phase, reply.retval) == ("open", None)
    assert reply.error and str(junk) in reply.error


def test_btf_custom_path_is_the_target_of_co_re_relocations(
    adapter: Any, objects: Any, pin_root: Path
) -> None:
    custom = adapter.run(
        objects["core"], "core_offset", pin_root, btf_custom_path=objects["core_target"]
    )
    assert (custom.phase, custom.retval) == ("done", 0)
    # Without it the struct is looked up in vmlinux, which does not have it.
    vmlinux = adapter.run(objects["core"], "core_offset", pin_root)
    assert vmlinux.phase == "load"


def test_an_unreadable_btf_custom_path_fails_the_load_with_enoent(
    adapter: Any, objects: Any, pin_root: Path, tmp_path: Path
) -> None:
    missing = str(tmp_path / "no-such-target.o")
    reply = adapter.run(objects["core"], "core_offset", pin_root, btf_custom_path=missing)
    assert (reply.phase, reply.errno) == ("load", errno.ENOENT)
    assert reply.error and missing in reply.error


def test_a_map_pinned_by_name_lives_under_pin_root_and_is_reused(
    adapter: Any, objects: Any, pin_root: Path
) -> None:
    first = adapter.run(objects["basic"], "passes", pin_root)
    assert first.phase == "done"
    pin = pin_root / "adapter_test_pinned"
    assert pin.exists(), "aya must pin LIBBPF_PIN_BY_NAME maps under pin_root"
    inode = pin.stat().st_ino
    again = adapter.run(objects["basic"], "passes", pin_root)
    assert again.phase == "done"
    assert pin.stat().st_ino == inode, "the second load reuses the pin, it does not replace it"
    # The pin_root fixture removes the pin (and the map with it) afterwards.


@pytest.mark.parametrize(
    ("line", "echoed_id"),
    [
        pytest.param("this is not json", None, id="not-json"),
        pytest.param("[1, 2, 3]", None, id="not-an-object"),
        pytest.param('{"op": "run", "id": 5, "elf": 42}', 5, id="wrong-field-type-keeps-id"),
        pytest.param('{"op": "run", "id": 6}', 6, id="run-without-elf"),
        pytest.param('{"op": "frobnicate", "id": 7}', 7, id="unknown-op"),
        pytest.param(
            '{"op": "run", "id": 8, "elf": "/x.o", "program": "p", "data_in": "zz"}',
            8,
            id="data-in-not-hex",
        ),
    ],
)
def test_a_malformed_request_gets_an_error_reply_and_the_adapter_keeps_going(
    adapter: Any, line: str, echoed_id: int | None
) -> None:
    reply = RunReply.from_json(adapter.send_line(line))
    assert (reply.id, reply.phase, reply.retval) == (echoed_id, "open", None)
    assert reply.error and reply.error.startswith("bad request")
    assert adapter.send_line(json.dumps({"op": "hello"}))["name"] == "aya"


def test_a_non_empty_skip_is_refused(adapter: Any, objects: Any, pin_root: Path) -> None:
    reply = adapter.run(objects["basic"], "passes", pin_root, skip=["data.data"])
    assert (reply.phase, reply.retval) == ("open", None)
    assert reply.error and "skip" in reply.error


def test_every_request_closes_what_it_opened(adapter: Any, objects: Any, pin_root: Path) -> None:
    adapter.run(objects["basic"], "passes", pin_root)  # warm up anything opened lazily
    before = adapter.fd_count()
    for name, program, extra in [
        ("basic", "passes", {}),
        ("basic", "fails_at_line_29", {}),
        ("basic", "no_such_program", {}),
        ("verifier_reject", "rejected", {}),
        ("core", "core_offset", {"btf_custom_path": objects["core_target"]}),
        ("core", "core_offset", {}),
    ]:
        adapter.run(objects[name], program, pin_root, **extra)
    assert adapter.fd_count() == before
