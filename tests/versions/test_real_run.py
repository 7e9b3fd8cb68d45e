"""A real run of a non-default release: `bpfconform versions` and `bpfconform run --adapter
cilium-ebpf@v0.16.0` on a handful of items. cilium-ebpf@v0.16.0 is the one build this
directory may do cold (Go, a few seconds plus the module download; install.sh v0.16.0)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from harness.run.runner import REPO_ROOT
from harness.run.verdict import Verdict

ITEMS = "core/type"  # a handful: CO-RE type relocations, passing and listed ones
VERDICTS = {v.value for v in Verdict} | {""}


def _bpfconform(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "harness.cli", *args], cwd=REPO_ROOT,
                          capture_output=True, text=True, check=False, timeout=900)


def test_versions_runs_a_non_default_release_and_the_default_side_by_side(
        tmp_path: Path) -> None:
    done = _bpfconform("versions", "--loader", "cilium-ebpf", "--version", "v0.22.0",
                       "--version", "v0.16.0", "-k", ITEMS, "--out", str(tmp_path))
    assert done.returncode == 0, done.stderr
    table = json.loads((tmp_path / "cilium-ebpf.json").read_text())
    assert table["versions"] == ["v0.16.0", "v0.22.0"]
    runs = {r["version"]: r for r in table["runs"]}
    for version, run in runs.items():
        assert run["error"] == "" and run["library_version"] == version
        assert sum(run["counts"].values()) == len(table["rows"]) >= 3
    assert all(ITEMS in r["item"] for r in table["rows"])
    assert all(set(r["verdicts"].values()) <= VERDICTS for r in table["rows"])
    md = (tmp_path / "cilium-ebpf.md").read_text()
    assert "| v0.16.0 | v0.16.0 |" in md and "| v0.22.0 | v0.22.0 |" in md


def test_run_with_a_versioned_adapter_reports_it_by_its_versioned_name(tmp_path: Path) -> None:
    done = _bpfconform("run", "--adapter", "cilium-ebpf@v0.16.0", "-k", ITEMS, "--out",
                       str(tmp_path))
    assert "adapter cilium-ebpf@v0.16.0: cilium/ebpf v0.16.0" in done.stdout, done.stderr
    results = json.loads((tmp_path / "results.json").read_text())
    rows = results["results"] if isinstance(results, dict) else results
    assert rows and {r["adapter"] for r in rows} == {"cilium-ebpf@v0.16.0"}


def test_each_default_build_reports_the_release_its_manifest_names() -> None:
    from harness.adapters.client import AdapterClient
    from harness.adapters.manifest import AdapterSet

    for name in ("cilium-ebpf", "libbpf-rs", "aya"):
        manifest = AdapterSet(REPO_ROOT).find(name)
        with AdapterClient(manifest, REPO_ROOT) as client:
            assert client.hello().library_version == manifest.version, name


def test_adapter_check_takes_a_versioned_adapter_for_its_base_name() -> None:
    done = _bpfconform("adapter-check", "cilium-ebpf@v0.16.0")
    assert done.returncode == 0, done.stdout + done.stderr
    assert "adapter cilium-ebpf@v0.16.0: fit to be judged" in done.stdout
