"""The adapter tests' own rules: an adapter that is not built fails under CI, never skips."""

from __future__ import annotations

import pytest
from adapter_helpers import not_built


def test_an_unbuilt_adapter_fails_under_ci(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CI", "true")
    with pytest.raises(pytest.fail.Exception, match=r"adapter aya not built: no binary.*CI=true"):
        not_built("aya", "no binary")


@pytest.mark.parametrize("ci", [None, "", "false"])
def test_an_unbuilt_adapter_skips_outside_ci_naming_the_build(
    monkeypatch: pytest.MonkeyPatch, ci: str | None
) -> None:
    if ci is None:
        monkeypatch.delenv("CI", raising=False)
    else:
        monkeypatch.setenv("CI", ci)
    with pytest.raises(pytest.skip.Exception, match=r"bash runners/aya/install.sh"):
        not_built("aya", "no binary")
