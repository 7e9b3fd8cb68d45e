"""Every corrupt object ends in a LoaderError (or a clean kernel rejection) within 1 s."""

from __future__ import annotations

from pathlib import Path

import pytest
from corrupt_corpus import MUTATORS, Case, seed_problem
from corrupt_run import Outcome, big_endian_objects, counts, source_objects
from corrupt_worker import signature
from regressions_index import load_index

CLEAN = {"open_error", "load_error", "accepted"}


def _known_signatures() -> dict[str, str]:
    """signature -> xfail reason of every regression input not fixed yet."""
    return {e.signature: e.xfail for e in load_index().values() if e.xfail}


def _signature(o: Outcome) -> str:
    return signature("load", o.type, o.message)


def test_the_corpus_covers_every_mutation_family(corpus: dict[Path, Case]) -> None:
    families = {c.family for c in corpus.values()}
    assert families == {name for name, _ in MUTATORS}
    assert len(corpus) >= 300


def test_seeds_are_little_endian_and_big_endian_objects_get_the_byte_order_family(
        corpus: dict[Path, Case]) -> None:
    assert all(seed_problem(obj.read_bytes()) is None for _rel, obj in source_objects())
    big = big_endian_objects()
    assert big, "the suite builds *.bpfeb.bpf.c objects: none found"
    for rel, _obj in big:
        mine = [c for c in corpus.values() if c.name.startswith(f"{rel}:")]
        assert mine and all(c.family == "byte_order" for c in mine), rel


@pytest.mark.parametrize("family", [name for name, _ in MUTATORS])
def test_every_case_of_the_family_is_a_loader_error_or_accepted(
        family: str, corpus_outcomes: list[Outcome]) -> None:
    mine = [o for o in corpus_outcomes if o.family == family]
    assert mine, f"no case of family {family}"
    bad = [o for o in mine if o.outcome not in CLEAN]
    known = _known_signatures()
    unknown = [o for o in bad if _signature(o) not in known]
    assert not unknown, "\n".join(f"{o.case}: {o.outcome} {o.type}: {o.message}"
                                  for o in unknown)
    # no time assertion: a hang is the worker's `timeout` outcome (corrupt_worker.TIME_LIMIT)
    if bad:
        pytest.xfail("; ".join(sorted({f"{known[_signature(o)]} ({o.type} {o.case})"
                                        for o in bad})))


def test_the_outcome_counts_are_printed(corpus_outcomes: list[Outcome],
                                        capsys: pytest.CaptureFixture[str]) -> None:
    c = counts(corpus_outcomes)
    with capsys.disabled():
        print(f"\ncorrupt corpus: {len(corpus_outcomes)} cases: {c}")
    assert sum(c.values()) == len(corpus_outcomes)
    assert c.get("open_error", 0) + c.get("load_error", 0) > len(corpus_outcomes) // 2
