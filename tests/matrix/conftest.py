"""Fixtures for the matrix tests: the kernel cache and a Debian reachability check."""

from __future__ import annotations

import socket
from pathlib import Path

import pytest

from harness.matrix.kernels import Kernel, KernelCache, default_cache, link_modules


def debian_reachable() -> bool:
    try:
        with socket.create_connection(("deb.debian.org", 80), timeout=5):
            return True
    except OSError:
        return False


@pytest.fixture(scope="session")
def kernel_cache() -> KernelCache:
    return KernelCache(default_cache())


@pytest.fixture(scope="session")
def kernel_510(kernel_cache: KernelCache) -> Kernel:
    """The bullseye 5.10 kernel, fetched once (and reused across runs)."""
    hit = kernel_cache.cached("5.10")
    if hit is None and not debian_reachable():
        pytest.skip("no network to deb.debian.org and no cached 5.10 kernel")
    kernel = hit or kernel_cache.fetch("5.10")
    link_modules(kernel)
    return kernel


@pytest.fixture
def share(tmp_path: Path) -> Path:
    d = tmp_path / "share"
    d.mkdir()
    return d
