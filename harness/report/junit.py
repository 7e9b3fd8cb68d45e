"""The one JUnit writer (junit-xml package; no other module imports it). `write_cases`
writes a file of suites of `Case` records; `case` turns a results.json row into one, and
`write` writes rows as the caller groups them (`bpfconform run`: one suite per adapter; the
matrix: one file per kernel, compiler and adapter cell): FAIL and XPASS are failures, ERROR
an error, SKIP and XFAIL skipped cases with their reason. The corpus lane builds its own
`Case` records from its outcomes. It imports nothing of the harness."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path
from typing import Any

from junit_xml import TestCase, TestSuite, to_xml_report_string


class Status(StrEnum):
    """How a case ended, as JUnit says it."""

    PASSED = "passed"
    FAILURE = "failure"
    ERROR = "error"
    SKIPPED = "skipped"


@dataclass(frozen=True)
class Case:
    """One test case: its identity and, unless it passed, a message and an output."""

    name: str
    classname: str
    seconds: float
    status: Status = Status.PASSED
    message: str | None = None
    output: str | None = None
    file: str | None = None
    line: int | None = None
    stderr: str | None = None

    def test_case(self) -> TestCase:
        """The junit-xml test case."""
        tc = TestCase(name=self.name, classname=self.classname, elapsed_sec=self.seconds,
                      file=self.file, line=self.line, stderr=self.stderr)
        if self.status is Status.FAILURE:
            tc.add_failure_info(message=self.message, output=self.output)
        elif self.status is Status.ERROR:
            tc.add_error_info(message=self.message, output=self.output)
        elif self.status is Status.SKIPPED:
            tc.add_skipped_info(message=self.message, output=self.output)
        return tc


def case(row: Mapping[str, Any], *, skip_kind: bool = True) -> Case:
    """The test case of one results.json row. `skip_kind=False`: a SKIP's message is
    `SKIP: reason` without its kind (the matrix cells' message, kept as it was)."""
    f, reason = str(row["file"]), str(row.get("reason") or "")
    base = {"name": f"{row['program']}[{row['adapter']}]", "classname": f.replace("/", "."),
            "seconds": sum((row.get("ns") or {}).values()) / 1e9, "file": f,
            "line": row.get("line"), "stderr": row.get("adapter_stderr") or None}
    detail = "\n".join(str(x) for x in (row.get("source_line"), row.get("verifier_log")) if x)
    verdict = str(row.get("verdict"))
    if verdict == "FAIL":
        return Case(**base, status=Status.FAILURE, message=reason, output=detail or None)
    if verdict == "XPASS":
        return Case(**base, status=Status.FAILURE, message=f"XPASS: {reason}")
    if verdict == "ERROR":
        return Case(**base, status=Status.ERROR,
                    message=reason.splitlines()[0] if reason else "error", output=reason)
    if verdict == "SKIP":
        kind = f" ({row.get('skip_kind')})" if skip_kind else ""
        return Case(**base, status=Status.SKIPPED, message=f"SKIP{kind}: {reason}")
    if verdict == "XFAIL":
        return Case(**base, status=Status.SKIPPED, message=f"XFAIL: {reason}")
    return Case(**base)


def write_cases(path: Path, suites: Sequence[tuple[str, Sequence[Case]]]) -> None:
    """Write one JUnit file: each (suite name, cases) a test suite."""
    path.write_text(to_xml_report_string(
        [TestSuite(name, [c.test_case() for c in cases]) for name, cases in suites]))


def write(path: Path, suites: Sequence[tuple[str, Sequence[Mapping[str, Any]]]], *,
          skip_kind: bool = True) -> None:
    """Write one JUnit file: each (suite name, results.json rows) a test suite."""
    write_cases(path, [(name, [case(r, skip_kind=skip_kind) for r in rows])
                       for name, rows in suites])
