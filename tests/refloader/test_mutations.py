"""The behaviour-skip switch: one mutation per catalogue id, unknown ids refused."""

from __future__ import annotations

import tomllib

import pytest
from refloader.errors import LoaderError
from refloader.mutations import MUTATIONS, SKIP_ENV, Plan, plan_for
from refloader_helpers import REPO

CATALOGUE = tomllib.loads((REPO / "suite" / "catalogue.toml").read_text())


def test_every_catalogue_behaviour_has_a_mutation() -> None:
    missing = sorted(set(CATALOGUE) - set(MUTATIONS))
    assert not missing, f"catalogue ids without a mutation in refloader.mutations: {missing}"


def test_every_mutation_names_a_catalogue_behaviour() -> None:
    assert not sorted(set(MUTATIONS) - set(CATALOGUE))


@pytest.mark.parametrize("bid", sorted(MUTATIONS))
def test_each_mutation_changes_the_plan(bid: str) -> None:
    assert plan_for([bid], env=False) != Plan(active=(bid,))


def test_an_unknown_id_is_refused() -> None:
    with pytest.raises(LoaderError, match=r"no\.such"):
        plan_for(["no.such"], env=False)


def test_the_environment_variable_adds_ids(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(SKIP_ENV, "data.data, data.bss")
    plan = plan_for([])
    assert plan.active == ("data.data", "data.bss")
    assert ".data" in plan.skip_init_of and plan.bss_fill == 0xA5
