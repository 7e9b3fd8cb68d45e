"""Shared fixtures of the adapter tests: compiled objects, a pin root, adapter processes.

The helpers behind them (objects' sources, the protocol driver, adapter discovery from
runners/*/adapter.toml) are in adapter_helpers.py.
"""

from __future__ import annotations

import os
import shutil
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from adapter_helpers import BPFFS, PROGRAMS, Adapter, Launch, Objects, adapter_command, compile_bpf


@pytest.fixture(scope="session")
def objects(tmp_path_factory: pytest.TempPathFactory) -> Objects:
    out = tmp_path_factory.mktemp("adapter-objs")
    for name, source in PROGRAMS.items():
        compile_bpf(source, out / f"{name}.bpf.o", "-g")
    return Objects(out)


@pytest.fixture
def pin_root() -> Iterator[Path]:
    if not os.path.ismount(BPFFS):
        pytest.fail(f"{BPFFS} is not a bpffs mount: mount -t bpf bpf {BPFFS}")
    root = BPFFS / f"bpfconform-adapter-test-{os.getpid()}-{uuid.uuid4().hex[:8]}"
    root.mkdir()
    yield root
    shutil.rmtree(root)  # on bpffs, unlinking a pin drops the map's last reference
    assert not root.exists()


@pytest.fixture
def launch() -> Iterator[Launch]:
    """`launch(name)`: a running Adapter of runners/<name>, skipped when it is not built.

    Every launched adapter is told `bye` afterwards and must exit 0.
    """
    started: list[Adapter] = []

    def _launch(name: str) -> Adapter:
        adapter = Adapter(name, adapter_command(name))
        started.append(adapter)
        return adapter

    yield _launch
    for adapter in started:
        rc = adapter.close()
        assert rc == 0, f"adapter {adapter.name} exited with {rc}"
