from __future__ import annotations

from pathlib import Path

import pytest

from harness.expectations import ExpectationsError, load_known_failures


def test_a_listed_failure_has_its_reason_and_link(tmp_path: Path) -> None:
    path = tmp_path / "x.toml"
    path.write_text('["data/a.bpf.c::prog"]\nverdict = "xfail"\nreason = "r"\nlink = "L"\n')
    (entry,) = load_known_failures(path).values()
    assert (entry.key, entry.reason, entry.link) == ("data/a.bpf.c::prog", "r", "L")
    assert entry.describe() == "r (L)"


def test_a_missing_file_means_no_known_failures(tmp_path: Path) -> None:
    assert load_known_failures(tmp_path / "nope.toml") == {}


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ('["data/a.bpf.c::prog"]\nverdict = "xfail"\n', "has no reason"),
        ('["data/a.bpf.c::prog"]\nreason = "  "\n', "has no reason"),
        ('["prog"]\nreason = "r"\n', "key must be"),
        ('["data/a.bpf.c::prog"]\nreason = "r"\nverdict = "skip"\n', "verdict must be"),
        ('["data/a.bpf.c::prog"]\nreason = "r"\nbug = 1\n', "unknown field"),
        ("[[[", "x.toml"),
    ],
    ids=["no-reason", "blank-reason", "bad-key", "bad-verdict", "unknown-field", "not-toml"],
)
def test_a_malformed_table_is_an_error(tmp_path: Path, text: str, message: str) -> None:
    path = tmp_path / "x.toml"
    path.write_text(text)
    with pytest.raises(ExpectationsError, match=message):
        load_known_failures(path)
