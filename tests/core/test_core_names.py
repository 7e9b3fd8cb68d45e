"""Essential names and name matching, as libbpf's bpf_core_essential_name_len defines them."""

from __future__ import annotations

import pytest
from refloader.core.spec import names_match
from refloader.core.target import essential_name


@pytest.mark.parametrize(("name", "essential"), [
    ("task_struct", "task_struct"),
    ("task_struct___2", "task_struct"),
    ("cr_flav___new", "cr_flav"),
    ("a___b___c", "a___b"),          # the last X___Y split wins
    ("___x", "___x"),                # X must not be an underscore
    ("a____b", "a____b"),            # four underscores: Y would be an underscore
    ("a___", "a___"),                # nothing after the separator
    ("CR_RED___v1", "CR_RED"),
    ("", ""),
], ids=lambda v: repr(v))
def test_essential_name_strips_the_last_flavour_suffix(name: str, essential: str) -> None:
    assert essential_name(name) == essential


def test_names_match_compares_essential_names_and_empty_only_matches_empty() -> None:
    assert names_match("cr_amb", "cr_amb___x")
    assert names_match("cr_amb___y", "cr_amb___x")
    assert not names_match("cr_amb", "cr_ambx")
    assert names_match("", "")
    assert not names_match("a", "")
    assert not names_match("", "a")
