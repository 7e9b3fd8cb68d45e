"""Fixtures for the corrupt-object tests: the corpus, built once per session."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

HERE = Path(__file__).resolve().parent
if str(HERE) not in sys.path:  # corrupt_corpus, corrupt_run, fuzz_ops, regressions_index
    sys.path.insert(0, str(HERE))

from corrupt_corpus import Case  # noqa: E402
from corrupt_run import Outcome, build_corpus, run_corpus  # noqa: E402


@pytest.fixture(scope="session")
def corpus(tmp_path_factory: pytest.TempPathFactory) -> dict[Path, Case]:
    """Every corrupt variant of the suite's objects (2 per family), written to disk."""
    return build_corpus(tmp_path_factory.mktemp("corrupt"))


@pytest.fixture(scope="session")
def corpus_outcomes(corpus: dict[Path, Case]) -> list[Outcome]:
    """The reference loader's verdict (open + load) on every corpus entry."""
    return run_corpus(corpus)
