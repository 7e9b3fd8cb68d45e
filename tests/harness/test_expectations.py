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
        ('["data/a.bpf.c::prog"]\nreason = "r"\nkernels = "6.1"\n', "kernels must be"),
        ('["data/a.bpf.c::prog"]\nreason = "r"\nkernels = "<6"\n', "kernels must be"),
        ('["data/a.bpf.c::prog"]\nreason = "r"\nkernels = 6\n', "kernels must be"),
    ],
    ids=["no-reason", "blank-reason", "bad-key", "bad-verdict", "unknown-field", "not-toml",
         "kernels-no-operator", "kernels-no-minor", "kernels-not-a-string"],
)
def test_a_malformed_table_is_an_error(tmp_path: Path, text: str, message: str) -> None:
    path = tmp_path / "x.toml"
    path.write_text(text)
    with pytest.raises(ExpectationsError, match=message):
        load_known_failures(path)


@pytest.mark.parametrize(
    ("kernels", "kernel", "applies"),
    [
        ("", "host-6.18.44-fc-v669", True),
        ("<6.1", "host-5.10.0-32-amd64", True),
        ("<6.1", "host-6.1.0-37-amd64", False),
        (">=5.10, <6.4", "host-6.1.0-37-amd64", True),
        (">=5.10, <6.4", "host-6.12.30-amd64", False),
        ("==6.1", "host-6.1.0-37-amd64", True),
        (">6.1", "no version here", True),  # no release to compare: the entry holds
    ],
)
def test_an_entry_can_be_limited_to_some_kernels(tmp_path: Path, kernels: str, kernel: str,
                                                 applies: bool) -> None:
    path = tmp_path / "x.toml"
    path.write_text(f'["data/a.bpf.c::prog"]\nreason = "r"\nkernels = "{kernels}"\n')
    (entry,) = load_known_failures(path).values()
    assert entry.applies_to(kernel) is applies
    assert entry.describe() == (f"r [kernels {kernels}]" if kernels else "r")
