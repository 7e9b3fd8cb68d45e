"""What only the libbpf adapter (runners/libbpf) says: the libbpf it was built and runs with.

The protocol cases it shares with every adapter are in test_protocol.py.
"""

from __future__ import annotations

import subprocess

import pytest
from adapter_helpers import Adapter, Launch


@pytest.fixture
def adapter(launch: Launch) -> Adapter:
    return launch("libbpf")


def test_hello_reports_the_linked_libbpf_version(adapter: Adapter) -> None:
    hello = adapter.hello()
    assert set(hello["supports"]) == {"pin_root", "btf_custom_path", "data_in", "repeat", "info",
                                     "no_data", "ctx_in", "autoload_only", "attach", "read_iter",
                                     "extension"}
    pkg = subprocess.run(
        ["pkg-config", "--modversion", "libbpf"], capture_output=True, text=True, check=True
    ).stdout.strip()
    assert hello["library_build_version"] == pkg == hello["library_version"]
    assert pkg.startswith(hello["library_runtime_version"] + ".")
