"""Every adapter of runners/*/adapter.toml is fit to be judged (`bpfconform adapter-check`)."""

from __future__ import annotations

from pathlib import Path

import pytest
from adapter_helpers import MANIFESTS, adapter_command

from harness import adaptercheck
from harness.manifest import find_manifest
from harness.runner import REPO_ROOT

# Checks an adapter fails for a reason of its loader, not of the adapter: adapter-check's
# objects are SEC("socket") programs, which aws-ebpf-sdk-go skips (isProgTypeSupported).
LOADER_LIMITS = {"aws-ebpf-sdk-go": {"runs", "refused_program", "bad_requests", "pins"}}


@pytest.mark.parametrize("name", sorted(MANIFESTS))
def test_every_adapter_is_fit_to_be_judged(name: str, tmp_path: Path) -> None:
    adapter_command(name)  # not built: a failure under CI=true, else a skip naming the build
    results = adaptercheck.run_checks(find_manifest(REPO_ROOT, name), REPO_ROOT, tmp_path, 60)
    failed = [f"{r.name}: {r.detail}" for r in results if not r.ok]
    limits = LOADER_LIMITS.get(name, set())
    assert {r.name for r in results if not r.ok} == limits, failed
