"""The one rule for a missing tool or adapter: FAIL under CI=true, SKIP elsewhere, and both
name the install step."""

from __future__ import annotations

import pytest
from require import require, require_adapter, require_tool


def test_under_ci_a_missing_tool_fails_naming_the_install_step(
        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CI", "true")
    with pytest.raises(pytest.fail.Exception, match=r"no-such-tool-x.*apt-get install x"):
        require_tool("no-such-tool-x", "apt-get install x")


def test_outside_ci_a_missing_tool_skips_naming_the_install_step(
        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("CI", raising=False)
    with pytest.raises(pytest.skip.Exception, match=r"no-such-tool-x.*apt-get install x"):
        require_tool("no-such-tool-x", "apt-get install x")


def test_a_present_tool_is_returned_and_a_true_condition_passes(
        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CI", "true")
    assert require_tool("sh").endswith("/sh")
    require(True, "never shown")


def test_an_unknown_adapter_under_ci_fails_naming_its_build(
        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CI", "true")
    with pytest.raises(pytest.fail.Exception, match=r"no-such-adapter.*\.ci/install"):
        require_adapter("no-such-adapter")
