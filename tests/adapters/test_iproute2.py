"""What only the iproute2 adapter (runners/iproute2) does: tc/ip's versions, the type tc
gives every program, XDP through `ip link`, pins under tc's globals directory bound to the
pin root, and nothing left on the host's interfaces or bpffs.

The protocol cases it shares with every adapter are in test_protocol.py.
"""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path

import pytest
from adapter_helpers import BPFFS, Adapter, Launch, Objects, compile_bpf

SOURCE = """\
/* iproute2 adapter test: an XDP program, a program in a tc section, a socket program. */
#include "conformance.h"

struct xdp_data {
	__u32 data, data_end; /* struct xdp_md starts with them */
};

struct skb_len {
	__u32 len; /* struct __sk_buff starts with len */
};

SEC("xdp")
int xdp_len(struct xdp_data *ctx)
{
	return ctx->data_end - ctx->data; /* the whole frame */
}

SEC("tc")
int tc_len(struct skb_len *skb)
{
	return skb->len;
}
"""


@pytest.fixture(scope="module")
def xdp_tc(tmp_path_factory: pytest.TempPathFactory) -> str:
    out = tmp_path_factory.mktemp("iproute2-objs")
    return str(compile_bpf(SOURCE, out / "xdp_tc.bpf.o", "-g"))


@pytest.fixture
def adapter(launch: Launch) -> Adapter:
    return launch("iproute2")


def links() -> set[str]:
    """The host's interface names."""
    out = subprocess.run(["ip", "-j", "link", "show"], capture_output=True, text=True,
                         check=True).stdout
    return {link["ifname"] for link in json.loads(out)}


def test_hello_reports_the_iproute2_and_libbpf_versions(adapter: Adapter) -> None:
    hello = adapter.hello()
    tc = subprocess.run(["tc", "-V"], capture_output=True, text=True, check=True).stdout
    assert hello["library"] == "iproute2"
    assert f"iproute2-{hello['library_version']}" in tc
    assert f"libbpf {hello['libbpf_version']}" in tc
    assert set(hello["supports"]) == {"pin_root", "data_in", "repeat", "ctx_in"}


def test_xdp_goes_through_ip_link_and_tc_sections_through_tc(
    adapter: Adapter, xdp_tc: str, pin_root: Path
) -> None:
    # 100 bytes of data: XDP sees all of it, and so does SCHED_CLS (L2: the header stays)
    for program in ("xdp_len", "tc_len"):
        reply = adapter.run(xdp_tc, program, pin_root, data_in="00" * 100)
        assert (reply.phase, reply.retval, reply.error) == ("done", 100, None), program


def test_a_socket_program_runs_as_sched_cls(
    adapter: Adapter, objects: Objects, pin_root: Path
) -> None:
    # tc types every program SCHED_CLS: as a socket filter it would see 64 - 14 bytes
    reply = adapter.run(objects["basic"], "returns_len", pin_root, data_in="00" * 64)
    assert (reply.phase, reply.retval) == ("done", 64)


def test_btf_custom_path_is_an_internal_error_not_ignored(
    adapter: Adapter, objects: Objects, pin_root: Path
) -> None:
    reply = adapter.run(objects["core"], "core_offset", pin_root,
                        btf_custom_path=objects["core_target"])
    assert (reply.phase, reply.error_kind) == ("open", "internal")
    assert "btf_custom_path" in (reply.error or "")


def test_a_verifier_refusal_names_the_failed_program(
    adapter: Adapter, objects: Objects, pin_root: Path
) -> None:
    reply = adapter.run(objects["verifier_reject"], "rejected", pin_root)
    assert (reply.phase, reply.error_kind, reply.failed_program) == (
        "load", "refused", "rejected")


def test_a_pin_root_that_cannot_be_bound_is_an_internal_error(
    adapter: Adapter, objects: Objects, tmp_path: Path
) -> None:
    absent = tmp_path / "no-such-pin-root"
    reply = adapter.run(objects["basic"], "passes", absent)
    assert (reply.phase, reply.error_kind) == ("open", "internal")
    assert str(absent) in (reply.error or "")


def test_nothing_reaches_the_hosts_interfaces_or_bpffs(
    adapter: Adapter, objects: Objects, xdp_tc: str, pin_root: Path
) -> None:
    links_before = links()
    host_root_before = set(os.listdir(BPFFS))
    assert adapter.run(objects["basic"], "passes", pin_root).retval == 0
    assert adapter.run(xdp_tc, "xdp_len", pin_root).phase == "done"
    assert os.listdir(pin_root) == ["adapter_test_pinned"]  # tc/globals was the pin root
    assert links() == links_before and not {"bpfc0", "bpfc1"} & links_before
    new = set(os.listdir(BPFFS)) - host_root_before  # other runs share /sys/fs/bpf
    assert not new & {"tc", "xdp", "ip", "adapter_test_pinned"}
    # the veth pair lives in the adapter's own network namespace
    assert os.readlink(f"/proc/{adapter.proc.pid}/ns/net") != os.readlink("/proc/self/ns/net")
