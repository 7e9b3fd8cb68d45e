"""Every adapter has the same inner shape, whatever its language (docs/adapter-protocol.md
"Inside an adapter"): a `main` part (the JSON Lines loop), a `protocol` part (hello, the
request and reply records), a `run` part (one request through the library) and, where the
adapter reads anything back about a loaded object (the `info` reply field, the `btf`
state), an `info` part. A reader who knows one adapter finds their way in the others."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
RUNNERS = REPO / "runners"

#: adapter -> part -> its file under runners/<adapter>/
SHAPE: dict[str, dict[str, str]] = {
    "libbpf": {"main": "main.c", "protocol": "protocol.c", "run": "run.c", "info": "info.c"},
    "libbpf-rs": {"main": "src/main.rs", "protocol": "src/protocol.rs", "run": "src/run.rs",
                  "info": "src/info.rs"},
    "aya": {"main": "src/main.rs", "protocol": "src/protocol.rs", "run": "src/run.rs",
            "info": "src/info.rs"},
    "cilium-ebpf": {"main": "main.go", "protocol": "protocol.go", "run": "run.go",
                    "info": "info.go"},
    # the AWS SDK reads nothing back: no `info` part, and `info` is not in its hello
    "aws-ebpf-sdk-go": {"main": "main.go", "protocol": "protocol.go", "run": "run.go"},
    # bpftool and ip(8) read nothing back either
    "bpftool": {"main": "bpfconform_bpftool.py", "protocol": "protocol.py", "run": "run.py"},
    "iproute2": {"main": "bpfconform_iproute2.py", "protocol": "protocol.py", "run": "run.py"},
    "python": {"main": "refloader/adapter/main.py", "protocol": "refloader/adapter/protocol.py",
               "run": "refloader/adapter/run.py", "info": "refloader/adapter/info.py"},
}

#: where each adapter lists what its hello `supports`
SUPPORTS_IN = {
    "libbpf": "protocol.c", "libbpf-rs": "src/compat.rs", "aya": "src/protocol.rs",
    "cilium-ebpf": "hello.go", "aws-ebpf-sdk-go": "hello.go", "bpftool": "protocol.py",
    "iproute2": "protocol.py", "python": "refloader/adapter/protocol.py",
}


def test_every_adapter_has_a_shape_entry() -> None:
    adapters = {p.parent.name for p in RUNNERS.glob("*/adapter.toml")}
    assert adapters == set(SHAPE), "add the new adapter's parts to SHAPE"


@pytest.mark.parametrize("adapter", sorted(SHAPE))
def test_the_adapter_has_its_parts(adapter: str) -> None:
    parts = SHAPE[adapter]
    assert {"main", "protocol", "run"} <= set(parts), parts
    missing = [f for f in parts.values() if not (RUNNERS / adapter / f).is_file()]
    assert missing == [], missing


@pytest.mark.parametrize("adapter", sorted(SHAPE))
def test_an_adapter_that_offers_info_has_an_info_part(adapter: str) -> None:
    text = (RUNNERS / adapter / SUPPORTS_IN[adapter]).read_text()
    offers_info = re.search(r'"info"', text) is not None
    assert not offers_info or "info" in SHAPE[adapter], (
        f"{adapter} offers the `info` field: its read-back belongs in an `info` part")
