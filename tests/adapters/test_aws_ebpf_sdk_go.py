"""What only the aws-ebpf-sdk-go adapter (runners/aws-ebpf-sdk-go) does: its own mount namespace
with a private bpffs (the SDK pins to fixed paths under /sys/fs/bpf/globals/aws/), a tc_cls
program with a legacy `maps` map that loads and runs, a socket program refused as a section the
SDK skips, the verifier log read back from the SDK's log file, and the SDK's panic on a legacy
map section it cannot parse reported as internal.

The protocol cases it shares with every adapter are in test_protocol.py (those built on
SEC("socket") objects check the refusal instead: the `socket_programs` gap).
"""

from __future__ import annotations

import errno
import os
import re
from pathlib import Path

import pytest
from adapter_helpers import BPFFS, REPO, Adapter, Launch, Objects, compile_bpf

NAME = "aws-ebpf-sdk-go"
MAP_DEF = """\
/* the SDK's legacy map definition (its README's bpf_map_def_pvt): 28 bytes */
struct bpf_map_def_pvt {
	__u32 type, key_size, value_size, max_entries, map_flags, pinning, inner_map_fd;
};
"""
TC_SOURCE = """\
/* aws-ebpf-sdk-go adapter test: a tc_cls program counting in a pinned legacy array map. */
#include "conformance.h"
""" + MAP_DEF + """
struct bpf_map_def_pvt SEC("maps") aws_counter = {
	.type = BPF_MAP_TYPE_ARRAY,
	.key_size = sizeof(__u32),
	.value_size = sizeof(__u64),
	.max_entries = 2,
	.pinning = 2, /* PIN_GLOBAL_NS: pinned at /sys/fs/bpf/globals/aws/maps/aws_counter */
};

struct skb_len {
	__u32 len; /* struct __sk_buff starts with len */
};

/* 1000 * (how often it ran on this map) + skb->len; 0xffff if the map is not what it says */
SEC("tc_cls")
int tc_counts(struct skb_len *skb)
{
	__u32 key = 1;
	__u64 *n = bpf_map_lookup_elem(&aws_counter, &key);

	if (!n)
		return 0xffff; /* max_entries misread (< 2) */
	key = 2;
	if (bpf_map_lookup_elem(&aws_counter, &key))
		return 0xfffe; /* max_entries misread (> 2) */
	*n += 1;
	return *n * 1000 + skb->len;
}
"""
REJECTED_SOURCE = TC_SOURCE + """
/* the verifier refuses it: r5 is never written */
SEC("xdp")
int xdp_rejected(void *ctx)
{
	int x;

	asm volatile("%0 = r5" : "=r"(x));
	return x;
}
"""
LIBBPF_MAP_DEF_SOURCE = """\
/* aws-ebpf-sdk-go adapter test: libbpf's 20-byte bpf_map_def; the SDK reads 28 at a time. */
#include "conformance.h"

struct bpf_map_def {
	__u32 type, key_size, value_size, max_entries, map_flags;
};

struct bpf_map_def SEC("maps") short_def = {
	.type = BPF_MAP_TYPE_ARRAY,
	.key_size = 4,
	.value_size = 4,
	.max_entries = 1,
};

SEC("tc_cls")
int uses_short_def(void *ctx)
{
	__u32 key = 0;

	return bpf_map_lookup_elem(&short_def, &key) != 0;
}
"""


@pytest.fixture(scope="module")
def objs(tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    out = tmp_path_factory.mktemp("aws-objs")
    sources = {"tc": TC_SOURCE, "rejected": REJECTED_SOURCE, "short_def": LIBBPF_MAP_DEF_SOURCE}
    return {name: str(compile_bpf(src, out / f"{name}.bpf.o", "-g"))
            for name, src in sources.items()}


@pytest.fixture
def adapter(launch: Launch) -> Adapter:
    return launch(NAME)


def test_hello_reports_the_sdk_version_of_go_mod_and_only_the_fields_it_honours(
    adapter: Adapter,
) -> None:
    hello = adapter.hello()
    go_mod = (REPO / "runners" / NAME / "go.mod").read_text()
    pinned = re.search(r"github.com/aws/aws-ebpf-sdk-go (v\S+)", go_mod)
    assert pinned is not None
    assert (hello["library"], hello["library_version"]) == (NAME, pinned.group(1))
    assert set(hello["supports"]) == {"pin_root", "data_in", "repeat"}


def test_a_tc_cls_program_with_a_legacy_map_loads_and_runs(
    adapter: Adapter, objs: dict[str, str], pin_root: Path
) -> None:
    reply = adapter.run(objs["tc"], "tc_counts", pin_root, data_in="00" * 100, repeat=3)
    # the legacy array has exactly 2 entries, counted 3 times; SCHED_CLS keeps the L2 frame
    assert (reply.phase, reply.retval, reply.error) == ("done", 3 * 1000 + 100, None), reply
    assert set(reply.ns) == {"load", "run"}
    assert reply.btf == "dropped: aws-ebpf-sdk-go loads no BTF (BPF_PROG_LOAD without prog_btf_fd)"
    # the PIN_GLOBAL_NS map is pinned in pin_root (bound over the SDK's maps directory), and
    # nothing else is: the program pins stay in the adapter's private bpffs
    assert os.listdir(pin_root) == ["aws_counter"]


def test_a_pinned_map_is_replaced_not_reused(
    adapter: Adapter, objs: dict[str, str], pin_root: Path
) -> None:
    first = adapter.run(objs["tc"], "tc_counts", pin_root)
    inode = (pin_root / "aws_counter").stat().st_ino
    second = adapter.run(objs["tc"], "tc_counts", pin_root)
    # PinMap deletes an existing pin and pins the new map: the count starts again
    assert (first.retval, second.retval) == (1064, 1064)
    assert (pin_root / "aws_counter").stat().st_ino != inode


def test_the_adapter_lives_in_its_own_mount_namespace_with_a_private_bpffs(
    adapter: Adapter, objs: dict[str, str], pin_root: Path
) -> None:
    host_before = set(os.listdir(BPFFS))
    assert adapter.run(objs["tc"], "tc_counts", pin_root).phase == "done"
    pid = adapter.proc.pid
    assert os.readlink(f"/proc/{pid}/ns/mnt") != os.readlink("/proc/self/ns/mnt")
    mounts = Path(f"/proc/{pid}/mountinfo").read_text().splitlines()
    bpf_mounts = [m.split()[4] for m in mounts if " - bpf " in m]
    assert "/sys/fs/bpf" in bpf_mounts  # its own instance covers the host's there
    # the SDK's fixed directories never reach the host (other runs may add pin roots)
    assert "globals" not in set(os.listdir(BPFFS)) - host_before


def test_a_socket_program_is_refused_as_a_section_the_sdk_skips(
    adapter: Adapter, objects: Objects, pin_root: Path
) -> None:
    reply = adapter.run(objects["basic"], "passes", pin_root)
    assert (reply.phase, reply.error_kind, reply.errno) == ("run", "refused", errno.ENOENT)
    assert reply.error and 'in section "socket"' in reply.error
    assert "isProgTypeSupported" in reply.error and "the SDK loaded no program" in reply.error


def test_a_verifier_refusal_returns_the_sdk_logged_log_and_the_failed_program(
    adapter: Adapter, objs: dict[str, str], pin_root: Path
) -> None:
    assert adapter.run(objs["tc"], "tc_counts", pin_root).phase == "done"  # warm up
    before = adapter.fd_count()
    reply = adapter.run(objs["rejected"], "tc_counts", pin_root)
    assert (reply.phase, reply.error_kind, reply.errno) == ("load", "refused", errno.EACCES)
    assert reply.failed_program == "xdp_rejected"
    assert reply.verifier_log and "R5 !read_ok" in reply.verifier_log
    # the map (and the sibling, if loaded first) the SDK does not return are closed too
    assert adapter.fd_count() == before


def test_a_map_section_the_sdk_cannot_parse_is_an_internal_error_naming_parse_map(
    adapter: Adapter, objs: dict[str, str], pin_root: Path
) -> None:
    reply = adapter.run(objs["short_def"], "uses_short_def", pin_root)
    assert (reply.phase, reply.error_kind) == ("open", "internal")  # a panic, never a refusal
    assert reply.error and "parseMap" in reply.error and "elf.go:" in reply.error
    assert adapter.run(objs["tc"], "tc_counts", pin_root).phase == "done"  # and it goes on


def test_the_sdk_log_goes_to_an_unlinked_file_of_the_adapter(
    adapter: Adapter, objs: dict[str, str], pin_root: Path
) -> None:
    default_log_dir = Path("/var/log/aws-routed-eni")
    existed = default_log_dir.exists()
    assert adapter.run(objs["rejected"], "tc_counts", pin_root).verifier_log  # read back
    pid = adapter.proc.pid
    fds = [os.readlink(f"/proc/{pid}/fd/{fd}") for fd in os.listdir(f"/proc/{pid}/fd")]
    logs = [t for t in fds if f"bpfconform-aws-ebpf-sdk-go-{pid}-" in t]
    assert logs and all(t.endswith(" (deleted)") for t in logs), fds
    assert default_log_dir.exists() == existed
