"""The bpftool adapter (runners/bpftool) speaks protocol v1 through the real bpftool CLI."""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path
from typing import Any

import pytest

REPO = Path(__file__).resolve().parents[2]
SCRIPT = REPO / "runners" / "bpftool" / "bpfconform_bpftool.py"


@pytest.fixture
def adapter(launch: Any) -> Any:
    if shutil.which("bpftool") is None:
        pytest.skip("adapter not built: bpftool is not installed (run .ci/install)")
    return launch([str(SCRIPT)], SCRIPT)


def test_hello_reports_the_bpftool_version(adapter: Any) -> None:
    hello = adapter.hello()
    assert hello["name"] == "bpftool" and hello["protocol"] == 1
    assert hello["library_version"][0].isdigit() and hello["libbpf_version"][0].isdigit()
    assert "btf_custom_path" not in hello["supports"]


def test_a_passing_program_returns_zero(adapter: Any, objects: Any, pin_root: Path) -> None:
    reply = adapter.run(objects["basic"], "passes", pin_root)
    assert (reply.phase, reply.retval, reply.error) == ("done", 0, None)
    assert set(reply.ns) == {"load", "run"}


def test_a_failing_program_returns_its_assertion_line(
    adapter: Any, objects: Any, pin_root: Path
) -> None:
    reply = adapter.run(objects["basic"], "fails_at_line_29", pin_root, repeat=3)
    assert (reply.phase, reply.retval) == ("done", objects.failing_line)


def test_data_in_is_handed_to_prog_run(adapter: Any, objects: Any, pin_root: Path) -> None:
    reply = adapter.run(objects["basic"], "returns_len", pin_root, data_in="ab" * 100)
    assert (reply.phase, reply.retval) == ("done", 100 - 14)  # minus the Ethernet header


def test_a_verifier_rejection_fails_load_with_the_log(
    adapter: Any, objects: Any, pin_root: Path
) -> None:
    reply = adapter.run(objects["verifier_reject"], "rejected", pin_root)
    assert reply.phase == "load" and reply.errno == 13
    assert reply.verifier_log and "R5 !read_ok" in reply.verifier_log


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
    assert adapter.run(objects["basic"], "passes", pin_root).retval == 0


def test_an_unreadable_file_fails_open(adapter: Any, tmp_path: Path, pin_root: Path) -> None:
    reply = adapter.run(str(tmp_path / "absent.bpf.o"), "x", pin_root)
    assert reply.phase == "open" and reply.errno == 2


def test_btf_custom_path_is_refused_not_ignored(adapter: Any, objects: Any, pin_root: Path) -> None:
    reply = adapter.run(
        objects["core"], "core_offset", pin_root, btf_custom_path=objects["core_target"]
    )
    assert reply.phase == "open" and "btf_custom_path" in (reply.error or "")


def test_maps_pinned_by_name_land_under_pin_root_and_program_pins_go(
    adapter: Any, objects: Any, pin_root: Path
) -> None:
    host_root_before = set(os.listdir("/sys/fs/bpf"))
    assert adapter.run(objects["basic"], "passes", pin_root).retval == 0
    assert os.listdir(pin_root) == ["adapter_test_pinned"]
    assert adapter.run(objects["basic"], "passes", pin_root).retval == 0  # reuses the pin
    # Nothing reached the host's bpffs root: the bind mount lives in the adapter's namespace.
    # (Other test runs share /sys/fs/bpf, so only names absent before count.)
    new = set(os.listdir("/sys/fs/bpf")) - host_root_before
    assert not new & {"adapter_test_pinned", "bpfconform-bpftool-progs"}


def test_skip_is_refused(adapter: Any, objects: Any, pin_root: Path) -> None:
    reply = adapter.run(objects["basic"], "passes", pin_root, skip=["data.data"])
    assert reply.phase == "open" and reply.error == "skip not supported"
