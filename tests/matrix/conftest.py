"""Fixtures for the matrix tests: the kernel cache and a reachability check of the mirror
this machine's apt configuration (or $BPFCONFORM_MIRROR) names."""

from __future__ import annotations

import os
import socket
from pathlib import Path

import pytest

from harness.matrix.kernels import (
    Kernel,
    KernelCache,
    MirrorError,
    default_cache,
    link_modules,
    mirror_address,
    resolve_mirror,
)


def mirror_reachable() -> tuple[bool, str]:
    """(reachable, the mirror or why there is none): the same mirror a fetch would use."""
    try:
        mirror = resolve_mirror()
        host, port = mirror_address(mirror)
    except MirrorError as exc:
        return False, str(exc)
    try:
        with socket.create_connection((host, port), timeout=5):
            return True, mirror
    except OSError as exc:
        return False, f"{mirror}: {exc}"


@pytest.fixture(scope="session")
def kernel_cache() -> KernelCache:
    return KernelCache(default_cache())


@pytest.fixture(scope="session")
def system_sources() -> str:
    """The system's apt sources as they were before any fetch of this session."""
    return sources_text()


@pytest.fixture
def current_sources() -> str:
    """The system's apt sources now (after the session-scoped fetches)."""
    return sources_text()


def sources_text() -> str:
    paths = [Path("/etc/apt/sources.list"), *sorted(Path("/etc/apt/sources.list.d").glob("*"))]
    return "".join(f"== {p}\n{p.read_text()}" for p in paths if p.is_file())


@pytest.fixture(scope="session")
def kernel_510(kernel_cache: KernelCache, system_sources: str) -> Kernel:
    """The pinned bullseye 5.10 kernel, fetched once (and reused across runs).

    Without a cached copy and without the mirror, it skips, except under CI=true where the
    matrix is part of the run and a missing mirror is a failure."""
    hit = kernel_cache.cached("5.10", kernel_cache.pin("5.10"))
    if hit is None:
        ok, why = mirror_reachable()
        if not ok:
            message = f"no cached 5.10 kernel and the mirror is unreachable: {why}"
            if os.environ.get("CI") == "true":
                pytest.fail(message)
            pytest.skip(message)
    kernel = hit or kernel_cache.fetch("5.10")
    link_modules(kernel)
    return kernel


@pytest.fixture
def share(tmp_path: Path) -> Path:
    d = tmp_path / "share"
    d.mkdir()
    return d
