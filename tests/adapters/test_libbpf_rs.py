"""What only the libbpf-rs adapter says: the libbpf-sys (vendored libbpf) it links.

The protocol cases it shares with every adapter are in test_protocol.py.
"""

from __future__ import annotations

import re

import pytest
from adapter_helpers import REPO, Adapter, Launch


@pytest.fixture
def adapter(launch: Launch) -> Adapter:
    return launch("libbpf-rs")


def test_hello_reports_the_vendored_libbpf_version(adapter: Adapter) -> None:
    hello = adapter.hello()
    assert set(hello["supports"]) == {"pin_root", "btf_custom_path", "data_in", "repeat",
                                     "no_data", "ctx_in", "autoload_only", "attach", "read_iter",
                                     "extension"}
    lock = (REPO / "runners" / "libbpf-rs" / "Cargo.lock").read_text()
    sys_version = re.search(r'name = "libbpf-sys"\nversion = "([^"]+)"', lock)
    assert sys_version and hello["libbpf_sys_version"] == sys_version.group(1)
    # libbpf-sys "1.7.0+v1.7.0" vendors libbpf v1.7.0; the linked library agrees.
    assert hello["library_version"] == sys_version.group(1).split("+v")[1]
    assert hello["library_version"].startswith(hello["library_runtime_version"] + ".")
