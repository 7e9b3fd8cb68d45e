"""Feature probes against the running kernel (6.x: every probed feature is present)."""

from __future__ import annotations

import os

import pytest
from refloader.probes import PROBES, probe_features
from refloader.sanitize import KernelFeatures


@pytest.mark.parametrize("name", sorted(PROBES))
def test_each_probe_finds_its_feature_on_a_modern_kernel(name: str) -> None:
    major, minor = (int(x) for x in os.uname().release.split(".")[:2])
    if (major, minor) < (6, 1):
        pytest.skip("the expectations below are for kernels >= 6.1")
    assert PROBES[name]() is True


def test_probe_features_fills_every_field() -> None:
    got = probe_features()
    assert set(PROBES) == set(KernelFeatures.__dataclass_fields__)
    assert isinstance(got, KernelFeatures)
