"""The cilium/ebpf adapter (runners/cilium-ebpf) driven over protocol v1 against the real kernel.

Small BPF objects are compiled here with clang-19; every request goes to the real adapter
binary, which loads them with cilium/ebpf and test-runs them with BPF_PROG_TEST_RUN.
Self-contained on purpose: it shares only `harness.protocol` with the rest of the project.
"""

from __future__ import annotations

import errno
import json
import os
import re
import select
import shutil
import subprocess
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from harness.protocol import RunReply, decode_line

REPO = Path(__file__).resolve().parents[2]
RUNNER = REPO / "runners" / "cilium-ebpf"
BINARY = REPO / "build" / "runners" / "cilium-ebpf" / "bpfconform-cilium-ebpf"
INCLUDE = REPO / "bpf-src" / "include"
BPFFS = Path("/sys/fs/bpf")
ZERO_64 = "00" * 64
REPLY_TIMEOUT = 30.0

SOURCES: dict[str, str] = {
    "basic.bpf.c": """\
/* cilium-ebpf adapter test: pass, fail at a known line, data_in, a counter pinned by name. */
#include "conformance.h"

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, __u32);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} cilium_test_counter SEC(".maps");

volatile int seven = 7;

struct skb_len {
	__u32 len; /* struct __sk_buff starts with len */
};

SEC("socket")
int passes(void *ctx)
{
	ASSERT_EQ(seven, 7); /* .data left zero would give 0 */
	return 0;
}

SEC("socket")
int fails(void *ctx)
{
	ASSERT_EQ(seven, 7);
	ASSERT_EQ(seven, 8); /* MARK:fails */
	return 0;
}

SEC("socket")
int returns_len(struct skb_len *skb)
{
	return skb->len;
}

/* Returns how often it ran against this map: the pinned map survives the request. */
SEC("socket")
int counts(void *ctx)
{
	__u32 key = 0;
	__u32 *n = bpf_map_lookup_elem(&cilium_test_counter, &key);

	if (!n)
		return 0xffff;
	*n += 1; /* test runs are sequential: no atomics (BPF v1 has no fetch-add) */
	return *n;
}
""",
    "rejected.bpf.c": """\
/* cilium-ebpf adapter test: the verifier rejects a load through a scalar. */
#include "conformance.h"

SEC("socket")
int rejected(void *ctx)
{
	int *p = (int *)(long)bpf_get_prandom_u32();

	return *p; /* R0 invalid mem access 'scalar' */
}
""",
    "plain.bpf.c": """\
/* cilium-ebpf adapter test: a program with nothing to relocate, built with and without BTF. */
#include "conformance.h"

SEC("socket")
int plain(void *ctx)
{
	return 0;
}
""",
    "core.bpf.c": """\
/* cilium-ebpf adapter test: a CO-RE field offset resolved against btf_custom_path. */
#include "conformance.h"

struct cilium_core_target {
	int a;
	int b;
} __attribute__((preserve_access_index));

SEC("socket")
int core_offset(void *ctx)
{
	/* Local offset 4; the target stub puts b at 12; vmlinux has no such struct. */
	ASSERT_EQ(__builtin_preserve_field_info(((struct cilium_core_target *)0)->b, 0), 12);
	return 0;
}
""",
    "core_target.bpf.c": """\
/* cilium-ebpf adapter test: target BTF for core.bpf.c, b at offset 12. */
struct cilium_core_target {
	long pad;
	int a;
	int b;
};
struct cilium_core_target cilium_core_target_instance;
""",
}


@dataclass(frozen=True)
class Objects:
    """The compiled test objects and where they came from."""

    dir: Path

    def __getitem__(self, name: str) -> str:
        return str(self.dir / f"{name}.bpf.o")

    def line_of(self, source: str, mark: str) -> int:
        """1-based line of `MARK:<mark>` in a source, i.e. what the failing program returns."""
        lines = SOURCES[f"{source}.bpf.c"].splitlines()
        return next(i for i, text in enumerate(lines, 1) if f"MARK:{mark}" in text)


class Adapter:
    """The adapter process, one JSON line in, one JSON line out."""

    def __init__(self) -> None:
        self.proc = subprocess.Popen(
            [str(BINARY)],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
            text=True,
            cwd=REPO,
        )
        self._next_id = 0

    def send_line(self, line: str) -> dict[str, Any]:
        """Write one raw line, read exactly one reply line (a JSON object)."""
        assert self.proc.stdin is not None and self.proc.stdout is not None
        self.proc.stdin.write(line + "\n")
        self.proc.stdin.flush()
        ready, _, _ = select.select([self.proc.stdout], [], [], REPLY_TIMEOUT)
        assert ready, f"no reply within {REPLY_TIMEOUT}s to {line[:120]}"
        reply = self.proc.stdout.readline()
        assert reply, f"adapter exited (rc={self.proc.poll()}) on {line[:120]}"
        return decode_line(reply)

    def run(self, elf: str, program: str, pin_root: Path, **extra: Any) -> RunReply:
        """Send a `run` request; the reply must parse and echo the id."""
        self._next_id += 1
        req: dict[str, Any] = {
            "op": "run",
            "id": self._next_id,
            "elf": elf,
            "program": program,
            "pin_root": str(pin_root),
            "btf_custom_path": None,
            "data_in": ZERO_64,
            "repeat": 1,
            "skip": [],
            **extra,
        }
        reply = RunReply.from_json(self.send_line(json.dumps(req)))
        assert reply.id == req["id"]
        return reply

    def fd_count(self) -> int:
        """Open file descriptors of the adapter process right now."""
        return len(os.listdir(f"/proc/{self.proc.pid}/fd"))

    def bye(self) -> int:
        """Say bye, return the exit status."""
        assert self.proc.stdin is not None
        self.proc.stdin.write(json.dumps({"op": "bye"}) + "\n")
        self.proc.stdin.close()
        try:
            return self.proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
            raise


@pytest.fixture(scope="module")
def objects(tmp_path_factory: pytest.TempPathFactory) -> Objects:
    clang = shutil.which("clang-19")
    if clang is None:
        pytest.fail("clang-19 is not installed (.ci/install installs it)")
    out = tmp_path_factory.mktemp("cilium-ebpf-objs")

    def build(src: Path, obj: Path, *flags: str) -> None:
        cmd = [clang, "-target", "bpfel", "-O2", *flags, "-c", str(src), "-I", str(INCLUDE)]
        subprocess.run([*cmd, "-o", str(obj)], check=True)

    for name, source in SOURCES.items():
        src = out / name
        src.write_text(source)
        build(src, out / name.replace(".bpf.c", ".bpf.o"), "-g")
    build(out / "plain.bpf.c", out / "plain_nobtf.bpf.o")  # no -g: no .BTF section at all
    return Objects(out)


@pytest.fixture
def adapter() -> Iterator[Adapter]:
    if shutil.which("go") is None and not Path("/usr/local/go/bin/go").exists():
        pytest.skip("Go toolchain absent: the cilium/ebpf adapter cannot be built here")
    if not BINARY.exists():
        pytest.skip(f"{BINARY.relative_to(REPO)} not built (bash runners/cilium-ebpf/install.sh)")
    proc = Adapter()
    yield proc
    assert proc.bye() == 0, "adapter must exit 0 on bye"


@pytest.fixture
def pin_root() -> Iterator[Path]:
    if not os.path.ismount(BPFFS):
        pytest.fail(f"{BPFFS} is not mounted: mount -t bpf bpf {BPFFS}")
    root = BPFFS / f"bpfconform-cilium-test-{os.getpid()}-{uuid.uuid4().hex[:8]}"
    root.mkdir()
    yield root
    shutil.rmtree(root)  # on bpffs, unlinking a pin drops the map's last reference
    assert not root.exists()


def cilium_version_in_go_mod() -> str:
    match = re.search(r"github\.com/cilium/ebpf (v\S+)", (RUNNER / "go.mod").read_text())
    assert match, "go.mod does not require github.com/cilium/ebpf"
    return match.group(1)


def test_hello_names_the_adapter_and_the_cilium_ebpf_module_version(adapter: Adapter) -> None:
    reply = adapter.send_line('{"op": "hello"}')
    assert reply["op"] == "hello"
    assert reply["protocol"] == 1
    assert reply["name"] == "cilium-ebpf"
    assert reply["library"] == "cilium/ebpf"
    assert reply["library_version"] == cilium_version_in_go_mod()
    assert set(reply["supports"]) == {"pin_root", "btf_custom_path", "data_in", "repeat", "info",
                                     "no_data"}


def test_a_passing_program_returns_zero_with_timings(
    adapter: Adapter, objects: Objects, pin_root: Path
) -> None:
    reply = adapter.run(objects["basic"], "passes", pin_root)
    assert (reply.phase, reply.retval, reply.error) == ("done", 0, None)
    assert set(reply.ns) == {"open", "load", "run"}
    assert all(ns > 0 for ns in reply.ns.values())


@pytest.mark.parametrize(
    ("obj", "state"),
    [
        pytest.param("plain", "loaded", id="with-btf"),
        pytest.param("plain_nobtf", "none", id="no-btf"),
    ],
)
def test_the_reply_says_whether_the_program_has_btf_in_the_kernel(
    adapter: Adapter, objects: Objects, pin_root: Path, obj: str, state: str
) -> None:
    reply = adapter.run(objects[obj], "plain", pin_root)
    assert (reply.phase, reply.retval, reply.btf) == ("done", 0, state)


def test_a_failing_program_returns_the_line_of_its_assertion(
    adapter: Adapter, objects: Objects, pin_root: Path
) -> None:
    reply = adapter.run(objects["basic"], "fails", pin_root)
    assert reply.phase == "done"
    assert reply.retval == objects.line_of("basic", "fails")


def test_data_in_reaches_the_program(adapter: Adapter, objects: Objects, pin_root: Path) -> None:
    # BPF_PROG_TEST_RUN on a socket filter pulls the 14-byte Ethernet header off skb->len.
    for size in (64, 100):
        reply = adapter.run(objects["basic"], "returns_len", pin_root, data_in="ab" * size)
        assert (reply.phase, reply.retval) == ("done", size - 14)


def test_a_map_pinned_by_name_lives_under_pin_root_and_is_reused(
    adapter: Adapter, objects: Objects, pin_root: Path
) -> None:
    first = adapter.run(objects["basic"], "counts", pin_root)
    assert (first.phase, first.retval) == ("done", 1)
    assert (pin_root / "cilium_test_counter").exists()
    # A second load finds the pin and reuses the map: the counter goes on from 1.
    second = adapter.run(objects["basic"], "counts", pin_root, repeat=3)
    assert (second.phase, second.retval) == ("done", 4), "repeat=3 on the reused pinned map"


def test_info_reports_what_the_kernel_holds_only_when_asked(
    adapter: Adapter, objects: Objects, pin_root: Path
) -> None:
    assert "info" not in adapter.send_line(
        json.dumps(
            {
                "op": "run",
                "id": 90,
                "elf": objects["basic"],
                "program": "counts",
                "pin_root": str(pin_root),
            }
        )
    )
    raw = adapter.send_line(
        json.dumps(
            {
                "op": "run",
                "id": 91,
                "elf": objects["basic"],
                "program": "counts",
                "pin_root": str(pin_root),
                "info": True,
            }
        )
    )
    assert (raw["phase"], raw["retval"]) == ("done", 2)
    prog, maps = raw["info"]["prog"], raw["info"]["maps"]
    assert prog["type"] == 1  # BPF_PROG_TYPE_SOCKET_FILTER
    xlated = bytes.fromhex(prog["xlated"])
    assert xlated and len(xlated) % 8 == 0
    assert xlated[-8:] == bytes.fromhex("9500000000000000")  # the kernel's exit
    by_name = {m["name"]: m for m in maps}
    counter = by_name["cilium_test_cou"]  # the kernel keeps 15 characters of a name
    assert prog["map_ids"] == [counter["id"]]
    assert (counter["type"], counter["key_size"], counter["value_size"]) == (2, 4, 4)
    assert counter["btf_id"] > 0


def test_a_verifier_rejection_is_a_load_failure_with_the_log_and_errno(
    adapter: Adapter, objects: Objects, pin_root: Path
) -> None:
    reply = adapter.run(objects["rejected"], "rejected", pin_root)
    assert reply.phase == "load"
    assert reply.retval is None
    assert reply.errno == errno.EACCES
    assert reply.error and "rejected" in reply.error and "\n" not in reply.error
    assert reply.verifier_log and "invalid mem access 'scalar'" in reply.verifier_log


def test_btf_custom_path_is_the_target_of_co_re_relocations(
    adapter: Adapter, objects: Objects, pin_root: Path
) -> None:
    custom = adapter.run(
        objects["core"], "core_offset", pin_root, btf_custom_path=objects["core_target"]
    )
    assert (custom.phase, custom.retval) == ("done", 0)
    # Without it the struct is looked up in vmlinux, which lacks it: poisoned, rejected.
    vmlinux = adapter.run(objects["core"], "core_offset", pin_root)
    assert vmlinux.phase == "load"
    assert vmlinux.verifier_log and "poisoned by CO-RE" in vmlinux.verifier_log


def test_an_unreadable_btf_custom_path_fails_the_load_with_enoent(
    adapter: Adapter, objects: Objects, pin_root: Path
) -> None:
    missing = str(pin_root.parent / "no-such-dir" / "target.o")
    reply = adapter.run(objects["core"], "core_offset", pin_root, btf_custom_path=missing)
    assert (reply.phase, reply.errno) == ("load", errno.ENOENT)
    assert reply.error and missing in reply.error


def test_a_missing_program_is_a_run_failure_naming_it(
    adapter: Adapter, objects: Objects, pin_root: Path
) -> None:
    reply = adapter.run(objects["basic"], "no_such_program", pin_root)
    assert reply.phase == "run"
    assert reply.error and "no_such_program" in reply.error
    assert set(reply.ns) == {"open", "load", "run"}


def test_a_missing_file_is_an_open_failure_with_enoent(
    adapter: Adapter, objects: Objects, pin_root: Path, tmp_path: Path
) -> None:
    reply = adapter.run(str(tmp_path / "absent.bpf.o"), "passes", pin_root)
    assert (reply.phase, reply.errno, reply.retval) == ("open", errno.ENOENT, None)


def test_a_file_that_is_not_elf_is_an_open_failure(
    adapter: Adapter, pin_root: Path, tmp_path: Path
) -> None:
    junk = tmp_path / "junk.bpf.o"
    junk.write_bytes(b"this is not an ELF object\n" * 4)
    reply = adapter.run(str(junk), "passes", pin_root)
    assert reply.phase == "open"
    assert reply.error and str(junk) in reply.error


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
    adapter: Adapter, line: str, echoed_id: int | None
) -> None:
    reply = RunReply.from_json(adapter.send_line(line))
    assert (reply.id, reply.phase) == (echoed_id, "open")
    assert reply.error and reply.error.startswith("bad request")
    assert adapter.send_line('{"op": "hello"}')["name"] == "cilium-ebpf"


def test_a_non_empty_skip_is_refused(adapter: Adapter, objects: Objects, pin_root: Path) -> None:
    reply = adapter.run(objects["basic"], "passes", pin_root, skip=["data.data"])
    assert reply.phase == "open"
    assert reply.retval is None
    assert reply.error and "skip" in reply.error


def test_every_request_closes_what_it_opened(
    adapter: Adapter, objects: Objects, pin_root: Path
) -> None:
    adapter.run(objects["basic"], "passes", pin_root)  # warm up lazily opened fds
    before = adapter.fd_count()
    for name, program in [
        ("basic", "passes"),
        ("basic", "fails"),
        ("basic", "no_such_program"),
        ("rejected", "rejected"),
        ("core", "core_offset"),
    ]:
        adapter.run(objects[name], program, pin_root)
    assert adapter.fd_count() == before
