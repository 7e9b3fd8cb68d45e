"""What only the cilium/ebpf adapter (runners/cilium-ebpf) does: the module version it
requires, the `btf` field of an object with and without BTF, and defaults for the request
fields the harness always sends.

The protocol cases it shares with every adapter are in test_protocol.py.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest
from adapter_helpers import REPO, Adapter, Launch, compile_bpf

PLAIN_SOURCE = """\
/* cilium-ebpf adapter test: a program with nothing to relocate, built with and without BTF. */
#include "conformance.h"

SEC("socket")
int plain(void *ctx)
{
	return 0;
}
"""


@pytest.fixture(scope="module")
def plain_objects(tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    out = tmp_path_factory.mktemp("cilium-ebpf-objs")
    return {
        "plain": str(compile_bpf(PLAIN_SOURCE, out / "plain.bpf.o", "-g")),
        "plain_nobtf": str(compile_bpf(PLAIN_SOURCE, out / "plain_nobtf.bpf.o")),  # no .BTF
    }


@pytest.fixture
def adapter(launch: Launch) -> Adapter:
    return launch("cilium-ebpf")


def test_hello_names_the_cilium_ebpf_module_version(adapter: Adapter) -> None:
    reply = adapter.hello()
    match = re.search(r"github\.com/cilium/ebpf (v\S+)", (REPO / "runners" / "cilium-ebpf" /
                                                          "go.mod").read_text())
    assert match, "go.mod does not require github.com/cilium/ebpf"
    assert (reply["library"], reply["library_version"]) == ("cilium/ebpf", match.group(1))
    assert set(reply["supports"]) == {"pin_root", "btf_custom_path", "data_in", "repeat",
                                      "info", "no_data", "ctx_in", "autoload_only", "attach",
                                      "read_iter", "extension"}


@pytest.mark.parametrize(
    ("obj", "state"),
    [
        pytest.param("plain", "loaded", id="with-btf"),
        pytest.param("plain_nobtf", "none", id="no-btf"),
    ],
)
def test_the_reply_says_whether_the_program_has_btf_in_the_kernel(
    adapter: Adapter, plain_objects: dict[str, str], pin_root: Path, obj: str, state: str
) -> None:
    reply = adapter.run(plain_objects[obj], "plain", pin_root)
    assert (reply.phase, reply.retval, reply.btf) == ("done", 0, state)


def test_a_request_without_the_optional_fields_runs_with_defaults(
    adapter: Adapter, plain_objects: dict[str, str], pin_root: Path
) -> None:
    # No data_in, repeat, skip or btf_custom_path: 64 zero bytes, once, nothing skipped.
    reply = adapter.send_line(json.dumps({"op": "run", "id": 90, "elf": plain_objects["plain"],
                                          "program": "plain", "pin_root": str(pin_root)}))
    assert (reply["id"], reply["phase"], reply["retval"]) == (90, "done", 0)
    assert reply.get("info") is None


def test_the_adapters_go_tests_pass_a_panic_is_an_internal_error() -> None:
    # main_test.go: a recovered panic and bad requests reply error_kind "internal".
    go = shutil.which("go") or next(
        (p for p in ("/usr/local/go/bin/go", "/usr/lib/go-1.23/bin/go") if Path(p).exists()),
        None)
    assert go, "no go toolchain: bash runners/cilium-ebpf/install.sh installs one"
    env = {**os.environ, "GOFLAGS": "-mod=readonly -buildvcs=false"}
    done = subprocess.run([go, "test", "-count=1", "-p", "2", "."], cwd=REPO / "runners" /
                          "cilium-ebpf", env=env, capture_output=True, text=True)
    assert done.returncode == 0, done.stdout + done.stderr
