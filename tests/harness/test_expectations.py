from __future__ import annotations

from pathlib import Path

import pytest

from harness.suite.expectations import ExpectationsError, load_known_failures


def test_a_listed_failure_has_its_reason_and_link(tmp_path: Path) -> None:
    path = tmp_path / "x.toml"
    path.write_text('["data/a.bpf.c::prog"]\nverdict = "xfail"\nreason = "r"\nlink = "L"\n'
                    'line = 12\n')
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
        ('["data/a.bpf.c::prog"]\nreason = "r"\nverdict = "skip"\n', "goes with a 'request:"),
        ('["request:no_data"]\nreason = "r"\n', "goes with a 'request:"),
        ('["data/a.bpf.c::prog"]\nreason = "r"\nverdict = "maybe"\n', "verdict must be"),
        ('["data/a.bpf.c::prog"]\nreason = "r"\n', "must pin its failure"),
        ('["data/a.bpf.c::prog"]\nreason = "r"\nphase = "load"\n', "must pin its failure"),
        ('["data/a.bpf.c::prog"]\nreason = "r"\nline = 0\n', "positive integer"),
        ('["data/a.bpf.c::prog"]\nreason = "r"\nphase = "verify"\nmatch = "x"\n',
         "phase must be"),
        ('["data/a.bpf.c::prog"]\nreason = "r"\nphase = "load"\nmatch = "("\n', "not a regex"),
        ('["data/a.bpf.c::prog"]\nreason = "r"\nline = 3\nphase = "load"\nmatch = "x"\n',
         "not both"),
        ('["data/a.bpf.c::prog"]\nreason = "r"\nline = 3\nclass = "bug"\n', "class must be"),
        ('["data/a.bpf.c::prog"]\nreason = "r"\nbug = 1\n', "unknown field"),
        ("[[[", "x.toml"),
        ('["data/a.bpf.c::prog"]\nreason = "r"\nkernels = "6.1"\n', "kernels must be"),
        ('["data/a.bpf.c::prog"]\nreason = "r"\nkernels = "<6"\n', "kernels must be"),
        ('["data/a.bpf.c::prog"]\nreason = "r"\nkernels = 6\n', "kernels must be"),
    ],
    ids=["no-reason", "blank-reason", "bad-key", "skip-on-an-item", "xfail-on-a-request",
         "bad-verdict", "unpinned", "phase-without-match", "line-zero", "bad-phase", "bad-regex",
         "line-and-phase", "bad-class", "unknown-field", "not-toml",
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
    path.write_text(f'["data/a.bpf.c::prog"]\nreason = "r"\nkernels = "{kernels}"\nline = 3\n')
    (entry,) = load_known_failures(path).values()
    assert entry.applies_to(kernel) is applies
    assert entry.describe() == (f"r [kernels {kernels}]" if kernels else "r")


@pytest.mark.parametrize(("compilers", "compiler", "applies"), [
    ("", "clang-14", True),
    ("clang-14", "clang-14", True),
    ("clang-14", "clang-19", False),
    ("clang-14, clang-15", "clang-15", True),
    ("clang-14", None, True),  # no compiler named: the entry is read as written
])
def test_compilers_limit_an_entry(tmp_path: Path, compilers: str, compiler: str | None,
                                  applies: bool) -> None:
    path = tmp_path / "x.toml"
    path.write_text(f'["data/a.bpf.c::prog"]\nreason = "r"\ncompilers = "{compilers}"\n'
                    "line = 3\n")
    (entry,) = load_known_failures(path).values()
    assert entry.applies_to("host-6.18.0", compiler) is applies
    assert entry.describe() == (f"r [compilers {compilers}]" if compilers else "r")


def test_malformed_compilers_is_an_error(tmp_path: Path) -> None:
    path = tmp_path / "x.toml"
    path.write_text('["data/a.bpf.c::prog"]\nreason = "r"\ncompilers = "clang 14"\nline = 3\n')
    with pytest.raises(ExpectationsError, match="compilers must be compiler ids"):
        load_known_failures(path)


@pytest.mark.parametrize(("pin", "line", "phase", "reason", "mismatch"), [
    ("line = 21", 21, "done", "assertion failed at x:21", None),
    ("line = 21", 30, "done", "assertion failed at x:30", "expected the assertion at line 21"),
    ("line = 21", None, "load", "loader refused", "expected the assertion at line 21, got load"),
    ('phase = "open"\nmatch = "invalid program section `"', None, "open",
     "open failed: invalid program section `tc`", None),
    ('phase = "open"\nmatch = "invalid program section"', None, "load",
     "load failed: invalid program section", "expected a failure at open, got load"),
    ('phase = "open"\nmatch = "invalid program section"', None, "open",
     "open failed: unexpected BTF type id", "expected a reason matching"),
], ids=["same-line", "other-line", "refused-not-line", "same-phase-and-match", "other-phase",
        "other-reason"])
def test_a_pinned_failure_matches_only_itself(tmp_path: Path, pin: str, line: int | None,
                                              phase: str, reason: str,
                                              mismatch: str | None) -> None:
    path = tmp_path / "x.toml"
    path.write_text(f'["data/a.bpf.c::prog"]\nreason = "r"\n{pin}\n')
    (entry,) = load_known_failures(path).values()
    got = entry.mismatch(line, phase, reason)
    assert (got is None) if mismatch is None else (got is not None and mismatch in got)


def test_a_request_entry_lists_an_unsupported_field(tmp_path: Path) -> None:
    path = tmp_path / "x.toml"
    path.write_text('["request:btf_custom_path"]\nverdict = "skip"\nreason = "no such option"\n'
                    'class = "gap"\nupstream = "unreported"\n')
    (entry,) = load_known_failures(path).values()
    assert (entry.verdict, entry.klass, entry.upstream) == ("skip", "gap", "unreported")


def test_every_shipped_xfail_entry_pins_its_failure() -> None:
    from harness.run.runner import REPO_ROOT
    tables = sorted((REPO_ROOT / "suite" / "expectations").glob("*.toml"))
    assert tables
    for table in tables:
        for entry in load_known_failures(table).values():
            assert entry.verdict == "skip" or entry.pinned, entry.key
