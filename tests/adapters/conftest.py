"""Shared fixtures for the C-family adapter tests: small BPF objects, a pin root, a driver.

The tests drive each adapter process directly over the protocol (docs/adapter-protocol.md)
against the real kernel. Objects are compiled once per session with clang-19, the way the
harness compiles the suite.
"""

from __future__ import annotations

import json
import os
import select
import shutil
import subprocess
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from harness.protocol import RunReply, decode_line

REPO = Path(__file__).resolve().parents[2]
INCLUDE = REPO / "bpf-src" / "include"
BPFFS = Path("/sys/fs/bpf")
ZERO_64 = "00" * 64

# Line numbers below are what a failing program returns; keep them in sync with the source.
PROGRAMS: dict[str, str] = {
    "basic": """\
/* Adapter test: a passing program, a failing one, and a map pinned by name. */
#include "conformance.h"

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, __u64);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} adapter_test_pinned SEC(".maps");

volatile int seven = 7;

SEC("socket")
int passes(void *ctx)
{
	__u32 key = 0;
	__u64 *v = bpf_map_lookup_elem(&adapter_test_pinned, &key);

	ASSERT_NOT_NULL(v);
	ASSERT_EQ(seven, 7);
	return 0;
}

SEC("socket")
int fails_at_line_29(void *ctx)
{
	ASSERT_EQ(seven, 7);
	ASSERT_EQ(seven, 8);
	return 0;
}

struct skb_len {
	__u32 len; /* struct __sk_buff starts with len */
};

SEC("socket")
int returns_len(struct skb_len *skb)
{
	return skb->len;
}
""",
    "verifier_reject": """\
/* Adapter test: the verifier rejects a read of an uninitialised register. */
#include "conformance.h"

SEC("socket")
int rejected(void *ctx)
{
	int x;

	asm volatile("%0 = r5" : "=r"(x)); /* r5 was never written */
	return x;
}
""",
    "core": """\
/* Adapter test: a CO-RE field offset resolved against a custom target BTF (offset 12). */
#include "conformance.h"

struct adapter_core_target {
	int a;
	int b;
} __attribute__((preserve_access_index));

SEC("socket")
int core_offset(void *ctx)
{
	/* Local offset is 4; the target stub puts b at 12; unrelocated gives 4. */
	ASSERT_EQ(__builtin_preserve_field_info(((struct adapter_core_target *)0)->b, 0), 12);
	return 0;
}
""",
    "core_target": """\
/* Adapter test: target BTF for core.bpf.c, b at offset 12. */
struct adapter_core_target {
	long pad;
	int a;
	int b;
};
struct adapter_core_target adapter_core_target_instance;
""",
}
FAILING_LINE = 29


@dataclass(frozen=True)
class Objects:
    """Compiled test objects, by name (`basic`, `verifier_reject`, `core`, `core_target`)."""

    dir: Path
    failing_line: int = FAILING_LINE

    def __getitem__(self, name: str) -> str:
        return str(self.dir / f"{name}.bpf.o")


@pytest.fixture(scope="session")
def objects(tmp_path_factory: pytest.TempPathFactory) -> Objects:
    clang = shutil.which("clang-19") or shutil.which("clang")
    if clang is None:
        pytest.fail("no clang-19 or clang on PATH: apt-get install clang-19")
    out = tmp_path_factory.mktemp("adapter-objs")
    for name, source in PROGRAMS.items():
        src = out / f"{name}.bpf.c"
        src.write_text(source)
        cmd = [clang, "-target", "bpfel", "-O2", "-g", "-c", str(src), "-I", str(INCLUDE)]
        subprocess.run([*cmd, "-o", str(out / f"{name}.bpf.o")], check=True)
    return Objects(out)


@pytest.fixture
def pin_root() -> Iterator[Path]:
    if not os.path.ismount(BPFFS):
        pytest.fail(f"{BPFFS} is not a bpffs mount: mount -t bpf bpf {BPFFS}")
    root = BPFFS / f"bpfconform-adapter-test-{os.getpid()}-{uuid.uuid4().hex[:8]}"
    root.mkdir()
    yield root
    shutil.rmtree(root, ignore_errors=True)  # bpffs: unlink removes a pin


class Adapter:
    """One adapter process driven over the protocol; replies are checked JSON objects."""

    def __init__(self, command: list[str], timeout: float = 30.0) -> None:
        self.proc = subprocess.Popen(
            command,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
            text=True,
            cwd=REPO,
        )
        self.timeout = timeout

    def send_line(self, line: str) -> dict[str, Any]:
        """Write one raw line and read exactly one reply line."""
        assert self.proc.stdin is not None and self.proc.stdout is not None
        self.proc.stdin.write(line + "\n")
        self.proc.stdin.flush()
        ready, _, _ = select.select([self.proc.stdout], [], [], self.timeout)
        assert ready, f"no reply within {self.timeout}s to {line[:120]}"
        reply = self.proc.stdout.readline()
        assert reply, f"adapter exited (rc={self.proc.poll()}) on {line[:120]}"
        return decode_line(reply)

    def hello(self) -> dict[str, Any]:
        """Send `hello`."""
        return self.send_line(json.dumps({"op": "hello"}))

    def run(self, elf: str, program: str, pin_root: Path, **extra: Any) -> RunReply:
        """Send one `run` request and parse the reply with the harness's records."""
        req: dict[str, Any] = {
            "op": "run",
            "id": extra.pop("id", 1),
            "elf": elf,
            "program": program,
            "pin_root": str(pin_root),
            "btf_custom_path": None,
            "data_in": ZERO_64,
            "repeat": 1,
            "skip": [],
        }
        req.update(extra)
        reply = RunReply.from_json(self.send_line(json.dumps(req)))
        assert reply.id == req["id"]
        return reply

    def fd_count(self) -> int:
        """Open file descriptors of the adapter process."""
        return len(os.listdir(f"/proc/{self.proc.pid}/fd"))

    def close(self) -> int:
        """Say bye and wait; returns the exit status."""
        assert self.proc.stdin is not None
        try:
            self.proc.stdin.write(json.dumps({"op": "bye"}) + "\n")
            self.proc.stdin.close()
        except BrokenPipeError:
            pass
        try:
            return self.proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
            raise


@pytest.fixture
def launch() -> Iterator[Any]:
    """`launch(command, built)`: a running Adapter, skipped when `built` does not exist.

    Every launched adapter is told `bye` afterwards and must exit 0.
    """
    started: list[Adapter] = []

    def _launch(command: list[str], built: Path) -> Adapter:
        if not built.exists():
            pytest.skip(f"adapter not built: {built.relative_to(REPO)} missing (run .ci/install)")
        adapter = Adapter(command)
        started.append(adapter)
        return adapter

    yield _launch
    for adapter in started:
        rc = adapter.close()
        assert rc == 0, f"adapter exited with {rc}"


def wait_for(predicate: Any, timeout: float = 2.0) -> bool:
    """Poll `predicate()` until it is true or `timeout` seconds passed."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.02)
    return bool(predicate())
