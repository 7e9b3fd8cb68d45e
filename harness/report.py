"""Reports: results.json, junit.xml (junit-xml package) and the human summary."""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import asdict
from pathlib import Path
from typing import Any, TextIO

from junit_xml import TestCase, TestSuite, to_xml_report_string

from harness import html_report
from harness.client import AdapterError
from harness.probes import ProbeResult
from harness.protocol import Hello
from harness.runner import Result
from harness.toolchain import Compiler
from harness.verdict import Verdict

VERDICT_ORDER = tuple(Verdict)


def meta(kernel: str, compiler: Compiler, probes: Mapping[str, ProbeResult],
         hellos: Mapping[str, Hello | AdapterError]) -> dict[str, Any]:
    """The `meta` block of results.json: adapters (with library versions), kernel, ..."""
    adapters: dict[str, Any] = {}
    for name, hello in hellos.items():
        if isinstance(hello, Hello):
            adapters[name] = {**asdict(hello), "supports": list(hello.supports)}
        else:
            adapters[name] = {"unavailable": hello.cause}
    return {
        "kernel": kernel,
        "compiler": {"id": compiler.id, "version": compiler.version},
        "adapters": adapters,
        "probes": {n: {"ok": p.ok, "reason": p.reason} for n, p in probes.items()},
    }


def document(meta_block: Mapping[str, Any], results: Sequence[Result]) -> dict[str, Any]:
    """The results.json document."""
    return {"meta": dict(meta_block), "results": [r.to_json() for r in results]}


def write_json(path: Path, meta_block: Mapping[str, Any], results: Sequence[Result]) -> None:
    """Write results.json."""
    path.write_text(json.dumps(document(meta_block, results), indent=1) + "\n")


def _case(r: Result) -> TestCase:
    o = r.outcome
    ns = sum(r.ns.values()) if r.ns else 0
    case = TestCase(
        name=f"{r.item.program}[{r.adapter}]", classname=r.item.rel.replace("/", "."),
        elapsed_sec=ns / 1e9, file=r.item.rel, line=o.line, stderr=r.stderr or None,
    )
    detail = "\n".join(x for x in (o.source_line, o.verifier_log) if x)
    if o.verdict is Verdict.FAIL:
        case.add_failure_info(message=o.reason, output=detail or None)
    elif o.verdict is Verdict.XPASS:
        case.add_failure_info(message=f"XPASS: {o.reason}")
    elif o.verdict is Verdict.ERROR:
        case.add_error_info(message=o.reason.splitlines()[0] if o.reason else "error",
                            output=o.reason)
    elif o.verdict in (Verdict.SKIP, Verdict.XFAIL):
        case.add_skipped_info(message=f"{o.verdict}: {o.reason}")
    return case


def write_junit(path: Path, results: Sequence[Result]) -> None:
    """Write junit.xml: one suite per adapter, one case per item."""
    by_adapter: dict[str, list[TestCase]] = {}
    for r in results:
        by_adapter.setdefault(r.adapter, []).append(_case(r))
    suites = [TestSuite(f"bpfconform.{a}", cases) for a, cases in by_adapter.items()]
    path.write_text(to_xml_report_string(suites))


def summary_line(r: Result) -> str:
    """`FAIL data/rodata.bpf.c:23 rodata_signed [libbpf]: <source line or reason>`."""
    o = r.outcome
    where = f"{r.item.rel}:{o.line}" if o.line else r.item.rel
    what = o.source_line or (o.reason.splitlines()[0] if o.reason else "")
    return f"{o.verdict} {where} {r.item.program} [{r.adapter}]: {what}"


def counts(results: Sequence[Result]) -> Counter[Verdict]:
    """How many results have each verdict."""
    return Counter(r.verdict for r in results)


def print_summary(results: Sequence[Result], out: TextIO) -> None:
    """One line per non-PASS item, then the counts."""
    for r in results:
        if r.verdict is not Verdict.PASS:
            print(summary_line(r), file=out)
    c = counts(results)
    parts = [f"{c[v]} {v.lower()}" for v in VERDICT_ORDER if c[v]]
    print(f"{len(results)} items: " + (", ".join(parts) or "nothing ran"), file=out)


def write_reports(out_dir: Path, meta_block: Mapping[str, Any],
                  results: Sequence[Result]) -> None:
    """results.json, junit.xml and report.html (harness.html_report) under out_dir."""
    out_dir.mkdir(parents=True, exist_ok=True)
    write_json(out_dir / "results.json", meta_block, results)
    write_junit(out_dir / "junit.xml", results)
    html_report.write(out_dir / "report.html", document(meta_block, results))
