"""The one JUnit writer (junit-xml package): a case per results.json row, suites as the
caller groups them (`bpfconform run`: one suite per adapter; the matrix: one file per
kernel, compiler and adapter cell). FAIL and XPASS are failures, ERROR an error, SKIP and
XFAIL skipped cases with their reason. It imports nothing of the harness."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from junit_xml import TestCase, TestSuite, to_xml_report_string


def case(row: Mapping[str, Any]) -> TestCase:
    """The test case of one results.json row."""
    f, reason = str(row["file"]), str(row.get("reason") or "")
    tc = TestCase(name=f"{row['program']}[{row['adapter']}]", classname=f.replace("/", "."),
                  elapsed_sec=sum((row.get("ns") or {}).values()) / 1e9, file=f,
                  line=row.get("line"), stderr=row.get("adapter_stderr") or None)
    detail = "\n".join(str(x) for x in (row.get("source_line"), row.get("verifier_log")) if x)
    verdict = str(row.get("verdict"))
    if verdict == "FAIL":
        tc.add_failure_info(message=reason, output=detail or None)
    elif verdict == "XPASS":
        tc.add_failure_info(message=f"XPASS: {reason}")
    elif verdict == "ERROR":
        tc.add_error_info(message=reason.splitlines()[0] if reason else "error", output=reason)
    elif verdict == "SKIP":
        tc.add_skipped_info(message=f"SKIP ({row.get('skip_kind')}): {reason}")
    elif verdict == "XFAIL":
        tc.add_skipped_info(message=f"XFAIL: {reason}")
    return tc


def write(path: Path, suites: Sequence[tuple[str, Sequence[Mapping[str, Any]]]]) -> None:
    """Write one JUnit file: each (suite name, rows) a test suite of their cases."""
    path.write_text(to_xml_report_string(
        [TestSuite(name, [case(r) for r in rows]) for name, rows in suites]))
