"""The libbpf-rs adapter (vendored, current libbpf) speaks protocol v1 against the kernel."""

from __future__ import annotations

import json
import os
import re
from pathlib import Path
from typing import Any

import pytest

REPO = Path(__file__).resolve().parents[2]
BINARY = REPO / "build" / "runners" / "libbpf-rs" / "bpfconform-libbpf-rs"


@pytest.fixture
def adapter(launch: Any) -> Any:
    return launch([str(BINARY)], BINARY)


def test_hello_reports_the_vendored_libbpf_version(adapter: Any) -> None:
    hello = adapter.hello()
    assert hello["op"] == "hello" and hello["protocol"] == 1 and hello["name"] == "libbpf-rs"
    assert set(hello["supports"]) == {"pin_root", "btf_custom_path", "data_in", "repeat",
                                     "no_data"}
    lock = (REPO / "runners" / "libbpf-rs" / "Cargo.lock").read_text()
    sys_version = re.search(r'name = "libbpf-sys"\nversion = "([^"]+)"', lock)
    assert sys_version and hello["libbpf_sys_version"] == sys_version.group(1)
    # libbpf-sys "1.7.0+v1.7.0" vendors libbpf v1.7.0; the linked library agrees.
    assert hello["library_version"] == sys_version.group(1).split("+v")[1]
    assert hello["library_version"].startswith(hello["library_runtime_version"] + ".")


def test_a_passing_program_returns_zero(adapter: Any, objects: Any, pin_root: Path) -> None:
    reply = adapter.run(objects["basic"], "passes", pin_root)
    assert (reply.phase, reply.retval, reply.error) == ("done", 0, None)
    assert set(reply.ns) == {"open", "load", "run"} and all(v > 0 for v in reply.ns.values())
    assert reply.btf == "loaded"


def test_a_failing_program_returns_its_assertion_line(
    adapter: Any, objects: Any, pin_root: Path
) -> None:
    reply = adapter.run(objects["basic"], "fails_at_line_29", pin_root, repeat=5)
    assert (reply.phase, reply.retval) == ("done", objects.failing_line)


def test_data_in_is_handed_to_prog_test_run(adapter: Any, objects: Any, pin_root: Path) -> None:
    reply = adapter.run(objects["basic"], "returns_len", pin_root, data_in="ab" * 100)
    # A socket filter's skb->len excludes the 14-byte Ethernet header the kernel pulls.
    assert (reply.phase, reply.retval) == ("done", 100 - 14)


def test_a_verifier_rejection_fails_load_with_the_log(
    adapter: Any, objects: Any, pin_root: Path
) -> None:
    reply = adapter.run(objects["verifier_reject"], "rejected", pin_root)
    assert reply.phase == "load" and reply.retval is None
    assert reply.errno == 13 or reply.errno == 22
    assert reply.verifier_log and "R5 !read_ok" in reply.verifier_log
    assert "load(" in (reply.error or "")


def test_a_missing_program_fails_run_naming_program_and_object(
    adapter: Any, objects: Any, pin_root: Path
) -> None:
    reply = adapter.run(objects["basic"], "no_such_program", pin_root)
    assert reply.phase == "run" and reply.errno == 2
    assert "no_such_program" in (reply.error or "") and objects["basic"] in (reply.error or "")


def test_a_malformed_line_gets_an_error_reply_and_the_adapter_goes_on(
    adapter: Any, objects: Any, pin_root: Path
) -> None:
    for line in ("{not json", "[1, 2]", json.dumps({"op": "frobnicate", "id": 3})):
        reply = adapter.send_line(line)
        assert reply["phase"] == "open" and reply["error"].startswith("bad request")
    reply = adapter.send_line(json.dumps({"op": "run", "id": 4, "program": "x"}))
    assert reply["id"] == 4 and reply["error"].startswith("bad request")
    assert adapter.run(objects["basic"], "passes", pin_root).retval == 0


def test_an_unreadable_file_fails_open(adapter: Any, tmp_path: Path, pin_root: Path) -> None:
    missing = adapter.run(str(tmp_path / "absent.bpf.o"), "x", pin_root)
    assert missing.phase == "open" and missing.errno == 2
    garbage = tmp_path / "garbage.bpf.o"
    garbage.write_bytes(b"\x7fELF not really")
    reply = adapter.run(str(garbage), "x", pin_root)
    assert reply.phase == "open" and reply.error


def test_btf_custom_path_is_the_co_re_target(adapter: Any, objects: Any, pin_root: Path) -> None:
    reply = adapter.run(
        objects["core"], "core_offset", pin_root, btf_custom_path=objects["core_target"]
    )
    assert (reply.phase, reply.retval) == ("done", 0)
    # Against vmlinux the type does not exist: libbpf poisons the relocation, load fails.
    assert adapter.run(objects["core"], "core_offset", pin_root).phase == "load"


def test_a_map_pinned_by_name_lands_under_pin_root(
    adapter: Any, objects: Any, pin_root: Path
) -> None:
    assert adapter.run(objects["basic"], "passes", pin_root).retval == 0
    assert (pin_root / "adapter_test_pinned").exists()
    # A second load reuses the compatible pin.
    assert adapter.run(objects["basic"], "passes", pin_root).retval == 0
    assert os.listdir(pin_root) == ["adapter_test_pinned"]


def test_skip_is_refused(adapter: Any, objects: Any, pin_root: Path) -> None:
    reply = adapter.run(objects["basic"], "passes", pin_root, skip=["data.data"])
    assert reply.phase == "open" and reply.error == "skip not supported"


def test_requests_leak_no_file_descriptors(adapter: Any, objects: Any, pin_root: Path) -> None:
    adapter.run(objects["basic"], "passes", pin_root)
    before = adapter.fd_count()
    for i in range(10):
        adapter.run(objects["basic"], "passes", pin_root, id=i)
        adapter.run(objects["verifier_reject"], "rejected", pin_root, id=i)
        adapter.run(objects["basic"], "no_such_program", pin_root, id=i)
    assert adapter.fd_count() == before
