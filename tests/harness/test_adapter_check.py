"""`bpfconform adapter-check` finds adapters that cannot be trusted with verdicts, and passes
the real ones (tests/adapters/test_adapter_check_real.py runs it on every adapter)."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest

from harness import cli

LIAR = Path(__file__).parent / "fakes" / "liar_adapter.py"


def _check(mode: str, capsys: pytest.CaptureFixture[str]) -> tuple[int, dict[str, bool]]:
    name = f"liar-{mode}"
    rc = cli.main(["adapter-check", "--adapter-command",
                   f"{name}={sys.executable} {LIAR} {mode} {name}", "--json"])
    doc = json.loads(capsys.readouterr().out)
    assert doc["adapter"] == name
    return rc, {c["name"]: c["ok"] for c in doc["checks"]}


def test_an_adapter_that_refuses_everything_is_not_fit(
    capsys: pytest.CaptureFixture[str],
) -> None:
    rc, checks = _check("refuse", capsys)
    assert rc == 1
    assert checks["hello"] and checks["missing_file"]  # refusing a missing file is right...
    assert not checks["runs"] and not checks["refused_program"] and not checks["pins"]


def test_an_adapter_that_crashes_on_everything_is_not_fit(
    capsys: pytest.CaptureFixture[str],
) -> None:
    rc, checks = _check("crash", capsys)
    assert rc == 1
    assert not checks["missing_file"] and not checks["corrupt_elf"]  # a crash is no refusal


def test_an_adapter_that_exits_non_zero_on_bye_is_not_fit(
    capsys: pytest.CaptureFixture[str],
) -> None:
    rc, checks = _check("bye", capsys)
    assert rc == 1 and not checks["exit_on_bye_and_eof"]


def test_adapter_check_needs_an_adapter(capsys: pytest.CaptureFixture[str]) -> None:
    assert cli.main(["adapter-check"]) == 2
    assert "name an adapter" in capsys.readouterr().err
