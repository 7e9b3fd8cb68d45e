"""Helpers of the adapter tests: small BPF objects, the adapters of runners/, a driver.

The tests drive each adapter process directly over the protocol (docs/adapter-protocol.md)
against the real kernel. The adapters are the ones `runners/*/adapter.toml` lists; one that
is not built is skipped with the command that builds it, except under CI (`CI=true`), where
it is a failure: CI's install builds every adapter, so a missing one is a broken install,
not a reason to run fewer cases. Objects are compiled once per session with
clang-19, the way the harness compiles the suite.
"""

from __future__ import annotations

import json
import os
import select
import shutil
import subprocess
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, NoReturn

import pytest

from harness.adapters.manifest import AdapterUnavailable, Manifest, load_manifests
from harness.adapters.protocol import RunReply, decode_line

REPO = Path(__file__).resolve().parents[2]
INCLUDE = REPO / "bpf-src" / "include"
BPFFS = Path("/sys/fs/bpf")
ZERO_64 = "00" * 64

MANIFESTS: dict[str, Manifest] = load_manifests(REPO)
# Tools an adapter drives besides its own executable (it is not usable without them).
REQUIRED_TOOLS: dict[str, tuple[str, ...]] = {"bpftool": ("bpftool",), "iproute2": ("tc", "ip")}

# `MARK:<name>` comments name the lines a failing program returns (Objects.line_of).
PROGRAMS: dict[str, str] = {
    "basic": """\
/* Adapter test: pass, fail at a known line, data_in, a counter map pinned by name. */
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
	ASSERT_EQ(seven, 7); /* MARK:seven (.data left zero, e.g. skip=["data.data"]) */
	return 0;
}

SEC("socket")
int fails_at_line_29(void *ctx)
{
	ASSERT_EQ(seven, 7);
	ASSERT_EQ(seven, 8); /* MARK:fails */
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

/* How often it ran against the pinned map: a reused pin keeps counting. */
SEC("socket")
int counts(void *ctx)
{
	__u32 key = 0;
	__u64 *n = bpf_map_lookup_elem(&adapter_test_pinned, &key);

	if (!n)
		return 0xffff;
	*n += 1; /* test runs are sequential: no atomics needed */
	return *n;
}

/* The kernel refuses data_in and a non-zero repeat for raw_tp: the no_data case. */
SEC("raw_tp/sys_enter")
int no_data_returns_3(void *ctx)
{
	return 3;
}

struct skb_mark {
	__u32 len, pkt_type, mark; /* struct __sk_buff's first fields */
};

/* skb->mark comes from the test run's ctx_in (a struct __sk_buff): the ctx_in case. */
SEC("socket")
int returns_mark(struct skb_mark *skb)
{
	return skb->mark;
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
    "verifier_reject_scalar": """\
/* Adapter test: the verifier rejects a load through a scalar. */
#include "conformance.h"

SEC("socket")
int rejected_scalar(void *ctx)
{
	int *p = (int *)(long)bpf_get_prandom_u32();

	return *p; /* R0 invalid mem access 'scalar' */
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
	/* Local offset is 4; the target stub puts b at 12; vmlinux has no such struct. */
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


def compile_bpf(source: str, obj: Path, *flags: str) -> Path:
    """Compile C `source` (written next to `obj` as .c) into `obj` with clang-19 -O2."""
    clang = shutil.which("clang-19") or shutil.which("clang")
    if clang is None:
        pytest.fail("no clang-19 or clang on PATH: apt-get install clang-19 (.ci/install)")
    src = obj.with_suffix(".c")
    src.write_text(source)
    cmd = [clang, "-target", "bpfel", "-O2", *flags, "-c", str(src), "-I", str(INCLUDE)]
    subprocess.run([*cmd, "-o", str(obj)], check=True)
    return obj


@dataclass(frozen=True)
class Objects:
    """Compiled test objects, by name (the keys of PROGRAMS)."""

    dir: Path

    def __getitem__(self, name: str) -> str:
        return str(self.dir / f"{name}.bpf.o")

    @staticmethod
    def line_of(source: str, mark: str) -> int:
        """1-based line of `MARK:<mark>` in PROGRAMS[source]: what the assertion returns."""
        lines = PROGRAMS[source].splitlines()
        return next(i for i, text in enumerate(lines, 1) if f"MARK:{mark}" in text)

    @property
    def failing_line(self) -> int:
        """What `fails_at_line_29` of `basic` returns."""
        return self.line_of("basic", "fails")


class Adapter:
    """One adapter process driven over the protocol; replies are checked JSON objects."""

    def __init__(self, name: str, command: list[str], timeout: float = 30.0) -> None:
        self.name = name
        self.proc = subprocess.Popen(
            command,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
            text=True,
            cwd=REPO,
        )
        self.timeout = timeout
        self._next_id = 0

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

    def supports(self, field: str) -> bool:
        """Whether the adapter's hello lists request field `field`."""
        return field in self.hello()["supports"]

    def run(self, elf: str, program: str, pin_root: Path, **extra: Any) -> RunReply:
        """Send one full `run` request; the reply must parse and echo the id."""
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

    def fds(self) -> list[str]:
        """The kernel BPF objects the adapter process holds open, sorted (`anon_inode:bpf-map`,
        `bpf-prog`, `bpf_link`, ...): what a request must not leak. Files are not counted
        here: a Go library's unclosed *os.File is closed by a GC finalizer on the runtime's
        schedule (adapter-check compares files after a warm-up, harness/checks/adaptercheck.py)."""
        base = f"/proc/{self.proc.pid}/fd"
        kept: list[str] = []
        for fd in os.listdir(base):
            try:
                target = os.readlink(f"{base}/{fd}")
            except FileNotFoundError:  # closed while listing: not open
                continue
            if target.startswith("anon_inode:bpf"):
                kept.append(target)
        return sorted(kept)

    def fd_count(self) -> int:
        """How many of `fds()` are open."""
        return len(self.fds())

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


def in_ci() -> bool:
    """Whether this runs under CI (`CI=true`, as .ci/run is started)."""
    return os.environ.get("CI", "").lower() == "true"


def not_built(name: str, why: str) -> NoReturn:
    """An adapter that is not built: a failure under CI, else a skip naming the build."""
    build = f"bpfconform build-adapters --adapter {name}"
    if (REPO / "runners" / name / "install.sh").is_file():
        build = f"bash runners/{name}/install.sh (or: {build})"
    message = f"adapter {name} not built: {why}; build it with {build}"
    if in_ci():
        pytest.fail(f"{message} [CI=true: every adapter must be built]")
    pytest.skip(message)


def adapter_command(name: str) -> list[str]:
    """The adapter's command from its adapter.toml; see not_built when it is not built."""
    try:
        argv = MANIFESTS[name].argv(REPO)
    except AdapterUnavailable as exc:
        not_built(name, str(exc))
    for tool in REQUIRED_TOOLS.get(name, ()):
        if shutil.which(tool) is None:
            not_built(name, f"{tool} is not installed")
    return argv


Launch = Callable[[str], Adapter]
