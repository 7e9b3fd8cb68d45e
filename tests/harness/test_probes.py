from __future__ import annotations

import pytest

from harness.probes import PROBE_NAMES, run_probes


def test_every_probe_records_a_result_with_a_reason() -> None:
    results = run_probes(PROBE_NAMES)
    assert set(results) == set(PROBE_NAMES)
    assert all(r.reason for r in results.values())


def test_test_run_works_on_this_kernel() -> None:
    result = run_probes(["prog_test_run"])["prog_test_run"]
    if not result.ok:
        pytest.fail(f"the suite needs BPF_PROG_TEST_RUN: {result.reason}")


def test_an_unknown_probe_is_recorded_as_absent() -> None:
    result = run_probes(["warp_drive"])["warp_drive"]
    assert not result.ok
    assert "unknown probe" in result.reason
