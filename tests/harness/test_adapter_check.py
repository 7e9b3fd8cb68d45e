"""`bpfconform adapter-check` finds adapters that cannot be trusted with verdicts, and passes
the real ones (tests/adapters/test_protocol.py runs it on every adapter, check by check)."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

import pytest

from harness import cli
from harness.checks import adaptercheck

LIAR = Path(__file__).parent / "fakes" / "liar_adapter.py"


def _run(mode: str, capsys: pytest.CaptureFixture[str]) -> tuple[int, dict[str, Any]]:
    name = f"liar-{mode}"
    rc = cli.main(["adapter-check", "--adapter-command",
                   f"{name}={sys.executable} {LIAR} {mode} {name}", "--json"])
    doc = json.loads(capsys.readouterr().out)
    assert doc["adapter"] == name
    assert [c["name"] for c in doc["checks"]] == list(adaptercheck.CHECK_NAMES)
    return rc, {c["name"]: c for c in doc["checks"]}


def _check(mode: str, capsys: pytest.CaptureFixture[str]) -> tuple[int, dict[str, bool]]:
    rc, checks = _run(mode, capsys)
    return rc, {name: c["ok"] for name, c in checks.items()}


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


def test_an_adapter_that_claims_what_it_cannot_do_is_not_fit(
    capsys: pytest.CaptureFixture[str],
) -> None:
    rc, checks = _check("claim-all", capsys)
    assert rc == 1 and checks["hello"]
    claimed = ["btf_custom_path", "skip", "info", "no_data", "ctx_in", "autoload_only", "attach",
               "read_iter"]
    assert [c for c in claimed if checks[c]] == []
    assert not checks["failing_line"] and not checks["data_in"] and not checks["repeat"]


def test_refusing_everything_passes_no_optional_field_it_does_not_claim(
    capsys: pytest.CaptureFixture[str],
) -> None:
    _, checks = _run("refuse", capsys)
    # unclaimed fields: a non-empty skip must be internal, which a refusal is not
    assert not checks["skip"]["ok"] and "internal" in checks["skip"]["detail"]
    assert all(checks[c]["ok"] and checks[c]["detail"] == "not claimed"
               for c in ("no_data", "ctx_in", "autoload_only", "attach", "read_iter", "extension",
                         "info"))


def test_an_adapter_that_keeps_the_object_open_is_not_fit(
    capsys: pytest.CaptureFixture[str],
) -> None:
    rc, checks = _run("leak", capsys)
    assert rc == 1
    assert not checks["corrupt_elf"]["ok"]
    assert "still holds" in checks["corrupt_elf"]["detail"]
    assert ".bpf.o" in checks["corrupt_elf"]["detail"]


def test_adapter_check_needs_an_adapter(capsys: pytest.CaptureFixture[str]) -> None:
    assert cli.main(["adapter-check"]) == 2
    assert "name an adapter" in capsys.readouterr().err
