"""What only the bpftool adapter (runners/bpftool) does: the bpftool CLI's versions, its
rejection of btf_custom_path (internal: an unsupported field), and the mount namespace
that keeps pins off the host's bpffs.

The protocol cases it shares with every adapter are in test_protocol.py.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from adapter_helpers import BPFFS, Adapter, Launch, Objects


@pytest.fixture
def adapter(launch: Launch) -> Adapter:
    return launch("bpftool")


def test_hello_reports_the_bpftool_version(adapter: Adapter) -> None:
    hello = adapter.hello()
    assert hello["library_version"][0].isdigit() and hello["libbpf_version"][0].isdigit()
    assert "btf_custom_path" not in hello["supports"]


def test_btf_custom_path_is_an_internal_error_not_ignored(
    adapter: Adapter, objects: Objects, pin_root: Path
) -> None:
    # An unsupported request field: the adapter's limit, not bpftool's verdict on the object.
    reply = adapter.run(
        objects["core"], "core_offset", pin_root, btf_custom_path=objects["core_target"]
    )
    assert reply.phase == "open" and "btf_custom_path" in (reply.error or "")
    assert reply.error_kind == "internal"


def test_a_pin_root_that_cannot_be_bound_is_an_internal_error(
    adapter: Adapter, objects: Objects, tmp_path: Path
) -> None:
    absent = tmp_path / "no-such-pin-root"
    reply = adapter.run(objects["basic"], "passes", absent)
    assert (reply.phase, reply.error_kind) == ("open", "internal")
    assert str(absent) in (reply.error or "")


def test_pins_stay_in_the_adapters_mount_namespace(
    adapter: Adapter, objects: Objects, pin_root: Path
) -> None:
    host_root_before = set(os.listdir(BPFFS))
    assert adapter.run(objects["basic"], "passes", pin_root).retval == 0
    assert os.listdir(pin_root) == ["adapter_test_pinned"]
    assert adapter.run(objects["basic"], "passes", pin_root).retval == 0  # reuses the pin
    # Nothing reached the host's bpffs root: the bind mount lives in the adapter's namespace.
    # (Other test runs share /sys/fs/bpf, so only names absent before count.)
    new = set(os.listdir(BPFFS)) - host_root_before
    assert not new & {"adapter_test_pinned", "bpfconform-bpftool-progs"}
