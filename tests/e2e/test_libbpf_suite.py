"""End to end: the real suite, the real libbpf adapter, this kernel."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from require import require_adapter

from harness.adapters.client import AdapterClient
from harness.adapters.manifest import find_manifest
from harness.probes.probes import PROBE_NAMES, run_probes
from harness.run import runner
from harness.run.verdict import Verdict
from harness.suite.expectations import expectations_path, load_known_failures

ROOT = runner.REPO_ROOT


@pytest.fixture(scope="module")
def libbpf() -> AdapterClient:
    require_adapter("libbpf")
    return AdapterClient(find_manifest(ROOT, "libbpf"), ROOT)


@pytest.fixture(scope="module")
def results(libbpf: AdapterClient) -> list[runner.Result]:
    prepared = runner.prepare(runner.Paths(), None)
    pins = runner.PinRoots()
    ctx = runner.Context(runner.kernel_id(), prepared.compiler.id,
                         prepared.probes(run_probes(PROBE_NAMES)), pins,
                         load_known_failures(expectations_path(ROOT / "suite", "libbpf")))
    found, _ = runner.run_items(prepared.items, ["libbpf"], lambda _: libbpf, ctx)
    return found


def _describe(results: list[runner.Result]) -> str:
    return "\n".join(f"{r.verdict} {r.item.id}: {r.outcome.reason}" for r in results)


def test_every_program_is_discovered_without_error(results: list[runner.Result]) -> None:
    errors = [r for r in results if r.verdict is Verdict.ERROR]
    assert not errors, _describe(errors)


def test_the_suite_has_at_least_25_programs(results: list[runner.Result]) -> None:
    assert len(results) >= 25


def test_every_required_program_passes_under_libbpf(results: list[runner.Result]) -> None:
    """PASS, or SKIP by a feature probe that ran here and recorded the feature absent (with
    its reason): the docs' only honest SKIP. Any other SKIP, like any other verdict, fails."""
    required = [r for r in results
                if r.item.expectations and r.item.expectations.level == "required"]
    assert required
    bad = [r for r in required if r.verdict is not Verdict.PASS
           and not (r.outcome.probe_skip and r.outcome.reason)]
    assert not bad, _describe(bad)
    assert any(r.verdict is Verdict.PASS for r in required)


def test_every_negative_program_is_rejected_by_libbpf(results: list[runner.Result]) -> None:
    """Rejected for its reason (the control loads), or SKIP by a probe that ran here and
    recorded its feature absent (e.g. tracing/fentry_missing where the kernel refuses
    trampolines): nothing else."""
    negative = [r for r in results if r.item.expectations
                and r.item.expectations.expect in ("load_error", "open_error")]
    assert len(negative) >= 3, "the suite needs at least 3 negative tests"
    assert any(r.verdict is Verdict.PASS for r in negative)
    accepted = [r for r in negative if not (r.verdict is Verdict.PASS
                                            and r.outcome.reason.startswith("rejected"))
                and not (r.outcome.probe_skip and r.outcome.reason)]
    assert not accepted, _describe(accepted)


def test_nothing_is_left_pinned(results: list[runner.Result]) -> None:
    base = runner.DEFAULT_PIN_BASE
    mine = list(base.glob(f"{os.getpid()}-*")) if base.exists() else []
    assert mine == []


def test_the_cli_writes_reports_and_exits_zero(libbpf: AdapterClient, tmp_path: Path) -> None:
    proc = subprocess.run(
        [sys.executable, "-m", "harness.cli", "run", "--adapter", "libbpf", "--out",
         str(tmp_path)], cwd=ROOT, capture_output=True, text=True, timeout=300, check=False)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    doc = json.loads((tmp_path / "results.json").read_text())
    assert doc["meta"]["adapters"]["libbpf"]["library_version"]
    assert doc["results"] and all(r["adapter"] == "libbpf" for r in doc["results"])
    assert (tmp_path / "junit.xml").is_file()
    assert "items:" in proc.stdout
