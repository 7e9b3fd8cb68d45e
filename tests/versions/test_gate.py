"""On-demand builds of `<adapter>@<version>` and the hello gate, with a fake out-of-tree
adapter: a build that makes the wrong release never runs."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from harness.adapters.client import AdapterClient, AdapterError
from harness.adapters.manifest import AdapterSet, AdapterUnavailable

ADAPTER = """#!{python}
import json, sys
for line in sys.stdin:
    if json.loads(line).get("op") == "hello":
        print(json.dumps({{"op": "hello", "protocol": 1, "name": "fake", "adapter_version": "0",
                          "library": "fake", "library_version": "{reports}", "supports": []}}),
              flush=True)
"""
# build.sh VERSION: 2.0 builds right, 3.0 builds an adapter that reports 2.9, 4.0 fails
BUILD = """set -eu
v="$1"
[ "$v" = 4.0 ] && { echo "cannot build 4.0: compiler exploded" >&2; exit 3; }
reports="$v"; [ "$v" = 3.0 ] && reports=2.9
mkdir -p "build/adapters/fake@$v"
sed "s/@REPORTS@/$reports/" adapter.in > "build/adapters/fake@$v/fake"
chmod +x "build/adapters/fake@$v/fake"
echo "$v" >> builds.log
"""


@pytest.fixture
def fake(tmp_path: Path) -> AdapterSet:
    (tmp_path / "adapter.in").write_text(ADAPTER.format(python=sys.executable,
                                                        reports="@REPORTS@"))
    (tmp_path / "build.sh").write_text(BUILD)
    (tmp_path / "adapter.toml").write_text(
        'name = "fake"\ncommand = ["bin/fake"]\nbuild = ["sh", "build.sh"]\n'
        'version = "1.0"\nversions = ["1.0", "2.0", "3.0", "4.0"]\n')
    return AdapterSet.from_options(tmp_path, [str(tmp_path / "adapter.toml")])


def test_a_version_is_built_on_demand_once_and_its_hello_checked(fake: AdapterSet) -> None:
    m = fake.find("fake@2.0")
    root = m.cwd(fake.repo_root)
    assert not (root / "build/adapters/fake@2.0/fake").exists()
    with AdapterClient(m, fake.repo_root) as client:
        assert client.hello().library_version == "2.0"
    with AdapterClient(fake.find("fake@2.0"), fake.repo_root) as client:  # cached
        assert client.hello().library_version == "2.0"
    assert (root / "builds.log").read_text().split() == ["2.0"]


def test_an_adapter_reporting_another_release_does_not_start(fake: AdapterSet) -> None:
    client = AdapterClient(fake.find("fake@3.0"), fake.repo_root)
    with pytest.raises(AdapterError) as info:
        client.hello()
    assert "exited with status 1" in info.value.cause
    assert "hello reports library_version '2.9', the run asked for '3.0'" in info.value.stderr
    client.close()


def test_a_failed_build_is_unavailable_with_its_output(fake: AdapterSet) -> None:
    with pytest.raises(AdapterUnavailable, match=r"(?s)build failed \(exit status 3.*"
                                                 r"compiler exploded"):
        fake.find("fake@4.0").argv(fake.repo_root)
