"""Expectation entries with a `versions` range, and a versioned adapter's filtered table."""

from __future__ import annotations

from pathlib import Path

import pytest

from harness.suite.expectations import (
    ExpectationsError,
    load_known_failures,
    version_in,
    version_key,
)

TABLE = """
["a/x.bpf.c::always"]
reason = "every release"
line = 7

["a/x.bpf.c::old"]
reason = "fixed in v0.17.0"
versions = "<v0.17.0"
line = 8

["a/x.bpf.c::window"]
reason = "broke in v0.16.0, fixed in v0.20.0"
versions = ">=v0.16.0, <v0.20.0"
line = 9
"""


@pytest.mark.parametrize(("version", "spec", "holds"), [
    ("v0.16.0", ">=v0.16.0, <v0.20.0", True),
    ("v0.20.0", ">=v0.16.0, <v0.20.0", False),
    ("v0.15.9", ">=v0.16.0", False),
    ("0.13.1", "<0.14", True),
    ("1.4.7", "==1.4.7", True),
    ("1.4.6+v1.4.7", "==1.4.6", True),
    ("v0.12.3", "", True),
    ("main", "<v1.0.0", False),
    ("v0.12.3", "< v0.x", False),
], ids=lambda v: str(v))
def test_a_version_range_holds_as_written(version: str, spec: str, holds: bool) -> None:
    assert version_in(version, spec) is holds


def test_releases_compare_numerically_not_as_text() -> None:
    assert (version_key("v0.9.0") or ()) < (version_key("v0.12.3") or ())
    assert version_key("0.13") == version_key("v0.13.0") == (0, 13, 0, 0)
    assert version_key("not-a-version") is None


def _table(tmp_path: Path) -> Path:
    path = tmp_path / "loader.toml"
    path.write_text(TABLE)
    return path


@pytest.mark.parametrize(("version", "keys"), [
    ("v0.12.3", ["always", "old"]),
    ("v0.16.0", ["always", "old", "window"]),
    ("v0.17.0", ["always", "window"]),
    ("v0.22.0", ["always"]),
], ids=lambda v: str(v))
def test_a_versioned_table_keeps_only_the_entries_whose_range_holds(
        tmp_path: Path, version: str, keys: list[str]) -> None:
    table = load_known_failures(_table(tmp_path), version)
    assert sorted(k.split("::")[1] for k in table) == keys
    # the `<adapter>@<version>.toml` name a derived manifest carries reads the same
    assert load_known_failures(tmp_path / f"loader@{version}.toml") == table


def test_without_a_version_a_table_keeps_every_entry(tmp_path: Path) -> None:
    table = load_known_failures(_table(tmp_path))
    assert len(table) == 3 and table["a/x.bpf.c::old"].versions == "<v0.17.0"


def test_a_malformed_range_is_an_error_naming_the_entry(tmp_path: Path) -> None:
    path = tmp_path / "bad.toml"
    path.write_text('["a/x.bpf.c::p"]\nreason = "r"\nline = 3\nversions = "since v0.16"\n')
    with pytest.raises(ExpectationsError, match=r"a/x.bpf.c::p.*versions must be like"):
        load_known_failures(path)


def test_an_unreadable_requested_version_is_an_error(tmp_path: Path) -> None:
    with pytest.raises(ExpectationsError, match="not a release"):
        load_known_failures(_table(tmp_path), "latest")
