"""`<adapter>@<version>` names: a derived manifest per listed release, nothing else."""

from __future__ import annotations

from pathlib import Path

import pytest

from harness.adapters.manifest import AdapterSet, AdapterUnavailable, load_manifest
from harness.run.runner import REPO_ROOT

AXIS = {"cilium-ebpf": "v0.22.0", "libbpf-rs": "1.7.0", "aya": "0.16.0"}


@pytest.mark.parametrize("name", sorted(AXIS), ids=sorted(AXIS))
def test_each_axis_loader_names_its_default_release_and_at_least_two_versions(name: str) -> None:
    m = AdapterSet(REPO_ROOT).find(name)
    assert m.version == AXIS[name]
    assert m.version in m.versions and len(m.versions) >= 2
    assert m.default and not m.pinned


def test_a_versioned_name_resolves_to_a_derived_manifest_built_into_its_own_cache() -> None:
    m = AdapterSet(REPO_ROOT).find("cilium-ebpf@v0.16.0")
    assert m.name == "cilium-ebpf@v0.16.0" and m.base == "cilium-ebpf"
    assert m.command == ("build/adapters/cilium-ebpf@v0.16.0/bpfconform-cilium-ebpf",)
    assert m.build == ("bash", "runners/cilium-ebpf/install.sh", "v0.16.0")
    assert m.pinned == "v0.16.0" and not m.default
    assert m.expectations == REPO_ROOT / "suite" / "expectations" / "cilium-ebpf@v0.16.0.toml"


def test_the_default_release_by_name_runs_the_default_build_behind_the_gate() -> None:
    m = AdapterSet(REPO_ROOT).find("aya@0.16.0")
    base = AdapterSet(REPO_ROOT).find("aya")
    assert m.command == base.command and m.build == base.build
    assert m.pinned == "0.16.0"
    argv = m.argv(REPO_ROOT)
    assert argv[1:4] == ["-m", "harness.adapters.gate", "0.16.0"]
    assert argv[4] == "--" and argv[5].endswith("build/runners/aya/bpfconform-aya")


@pytest.mark.parametrize("name", ["cilium-ebpf@v9.9.9", "aya@", "python@1.0", "nosuch@1.0"],
                         ids=["unlisted release", "empty release", "no versions", "no adapter"])
def test_a_version_the_manifest_does_not_list_is_unavailable(name: str) -> None:
    with pytest.raises(AdapterUnavailable, match=r"no version|unknown adapter"):
        AdapterSet(REPO_ROOT).find(name)


def test_the_default_run_keeps_one_version_per_loader() -> None:
    selected = AdapterSet(REPO_ROOT).selected(None)
    assert not [n for n in selected if "@" in n]
    assert set(AXIS) <= set(selected)


def test_versions_must_list_the_default_release(tmp_path: Path) -> None:
    toml = tmp_path / "adapter.toml"
    toml.write_text('name = "x"\ncommand = ["./x"]\nversion = "1.0"\nversions = ["0.9"]\n')
    with pytest.raises(AdapterUnavailable, match="must list the default build's version"):
        load_manifest(toml, out_of_tree=True)
    toml.write_text('name = "x"\ncommand = ["./x"]\nversions = ["0.9"]\n')
    with pytest.raises(AdapterUnavailable, match="needs the default build's version"):
        load_manifest(toml, out_of_tree=True)
