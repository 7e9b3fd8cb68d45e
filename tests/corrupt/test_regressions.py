"""Replay every input that once crashed the reference loader (regressions/index.toml)."""

from __future__ import annotations

import pytest
from corrupt_corpus import Case
from corrupt_run import run_corpus
from regressions_index import INDEX, load_index

ENTRIES = load_index()


def test_every_regression_input_is_listed_in_the_index() -> None:
    files = {p.name for p in INDEX.parent.glob("*.o")}
    assert files == set(ENTRIES)


@pytest.mark.parametrize("name", [
    pytest.param(name, marks=pytest.mark.xfail(strict=True, reason=e.xfail) if e.xfail else ())
    for name, e in ENTRIES.items()])
def test_the_input_ends_in_a_loader_error_or_is_accepted(name: str) -> None:
    path = INDEX.parent / name
    (result,) = run_corpus({path: Case(name, "regression", path.read_bytes())})
    assert result.outcome in {"open_error", "load_error", "accepted"}, \
        f"{result.outcome} {result.type}: {result.message}"
