"""What only the aya adapter (runners/aya) does: the aya version it resolves, and how it
test-runs program types: aya's `TestRun` for tc, the kernel's own answer for a kprobe.

The protocol cases it shares with every adapter are in test_protocol.py.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from adapter_helpers import REPO, Adapter, Launch, compile_bpf

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
    return str(compile_bpf(TYPES_SOURCE, tmp_path_factory.mktemp("aya-objs") / "types.bpf.o",
                           "-g"))


@pytest.fixture
def adapter(launch: Launch) -> Adapter:
    return launch("aya")


def test_hello_reports_the_aya_version_resolved_in_cargo_lock(adapter: Adapter) -> None:
    hello = adapter.hello()
    lock = (REPO / "runners" / "aya" / "Cargo.lock").read_text()
    match = re.search(r'name = "aya"\nversion = "([^"]+)"', lock)
    assert match, "Cargo.lock does not resolve the aya crate"
    assert (hello["library"], hello["library_version"]) == ("aya", match.group(1))
    assert set(hello["supports"]) == {"pin_root", "btf_custom_path", "data_in", "repeat", "info",
                                      "no_data", "ctx_in", "autoload_only", "attach", "read_iter",
                                      "extension"}


def test_a_tc_program_runs_through_aya_test_run(
    adapter: Adapter, types_object: str, pin_root: Path
) -> None:
    reply = adapter.run(types_object, "tc_returns_42", pin_root)
    assert (reply.phase, reply.retval) == ("done", 42)


def test_a_type_aya_cannot_test_run_gets_the_kernels_own_answer(
    adapter: Adapter, types_object: str, pin_root: Path
) -> None:
    # aya has no TestRun for kprobes: the adapter's raw BPF_PROG_TEST_RUN asks the kernel.
    reply = adapter.run(types_object, "kprobe_prog", pin_root)
    assert (reply.phase, reply.retval, reply.errno) == ("run", None, ENOTSUPP)
    assert reply.error and "kprobe_prog" in reply.error
