"""Reports: results.json, junit.xml (junit-xml package) and the human summary."""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import asdict
from pathlib import Path
from typing import Any, TextIO

from harness.adapters.client import AdapterError
from harness.adapters.protocol import Hello
from harness.build.toolchain import Compiler
from harness.probes.probes import ProbeResult
from harness.report import html_report, junit
from harness.run.runner import Result
from harness.run.verdict import Verdict
from harness.suite.expectations import FINDINGS_DOC

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
        "probes": {n: {"ok": p.ok, "state": p.state, "reason": p.reason}
                   for n, p in probes.items()},
    }


def document(meta_block: Mapping[str, Any], results: Sequence[Result]) -> dict[str, Any]:
    """The results.json document."""
    return {"meta": dict(meta_block), "results": [r.to_json() for r in results]}


def write_json(path: Path, meta_block: Mapping[str, Any], results: Sequence[Result]) -> None:
    """Write results.json."""
    path.write_text(json.dumps(document(meta_block, results), indent=1) + "\n")


def write_junit(path: Path, results: Sequence[Result]) -> None:
    """Write junit.xml: one suite per adapter, one case per item (harness.report.junit)."""
    by_adapter: dict[str, list[dict[str, Any]]] = {}
    for r in results:
        by_adapter.setdefault(r.adapter, []).append(r.to_json())
    junit.write(path, [(f"bpfconform.{a}", rows) for a, rows in by_adapter.items()])


def summary_line(r: Result) -> str:
    """`FAIL data/rodata.bpf.c:23 rodata_signed [libbpf]: <source line or reason>`."""
    o = r.outcome
    where = f"{r.item.rel}:{o.line}" if o.line else r.item.rel
    what = o.source_line or (o.reason.splitlines()[0] if o.reason else "")
    verdict = f"SKIP({o.skip_kind})" if o.skip_kind and o.verdict is Verdict.SKIP else o.verdict
    return f"{verdict} {where} {r.item.program} [{r.adapter}]: {what}"


def counts(results: Sequence[Result]) -> Counter[Verdict]:
    """How many results have each verdict."""
    return Counter(r.verdict for r in results)


def skip_counts(results: Sequence[Result]) -> Counter[str]:
    """How many SKIPs of each kind (`probe`, `unsupported`, `not_run`)."""
    return Counter(str(r.outcome.skip_kind) for r in results
                   if r.verdict is Verdict.SKIP and r.outcome.skip_kind is not None)


def count_text(results: Sequence[Result]) -> str:
    """`868 pass, 70 skip (18 probe, 52 unsupported), 58 xfail`."""
    c = counts(results)
    kinds = skip_counts(results)
    parts = []
    for v in VERDICT_ORDER:
        if not c[v]:
            continue
        text = f"{c[v]} {v.lower()}"
        if v is Verdict.SKIP and kinds:
            text += " (" + ", ".join(f"{n} {k}" for k, n in sorted(kinds.items())) + ")"
        parts.append(text)
    return ", ".join(parts) or "nothing ran"


def print_summary(results: Sequence[Result], out: TextIO, verbose: bool = True) -> None:
    """One line per FAIL, ERROR and XPASS (with `verbose`, per SKIP and XFAIL too), then the
    counts, overall and per adapter."""
    shown = (Verdict.PASS,) if verbose else (Verdict.PASS, Verdict.SKIP, Verdict.XFAIL)
    for r in results:
        if r.verdict not in shown:
            print(summary_line(r), file=out)
    adapters = sorted({r.adapter for r in results})
    if len(adapters) > 1:
        for a in adapters:
            mine = [r for r in results if r.adapter == a]
            print(f"  {a}: {len(mine)} items: {count_text(mine)}", file=out)
    print(f"{len(results)} items: {count_text(results)}", file=out)


def write_reports(out_dir: Path, meta_block: Mapping[str, Any],
                  results: Sequence[Result], causes: Mapping[str, str] | None = None) -> None:
    """results.json, junit.xml and report.html (harness.report.html_report) under out_dir; `causes`
    (`expectations.load_causes`) links each XFAIL to its section of docs/findings.md."""
    out_dir.mkdir(parents=True, exist_ok=True)
    doc = document(meta_block, results)
    for row in doc["results"]:
        finding = row.get("finding")
        cause = (causes or {}).get(f"{row['adapter']}:{row['file']}::{row['program']}")
        if finding is not None and cause is not None:
            finding["cause"] = cause
            finding["doc"] = f"{FINDINGS_DOC}#{cause}"
    (out_dir / "results.json").write_text(json.dumps(doc, indent=1) + "\n")
    write_junit(out_dir / "junit.xml", results)
    html_report.write(out_dir / "report.html", doc)


class ProgressLine:
    """`[ 412/996] libbpf  core/type_size.bpf.c::type_size`, redrawn in place on a terminal
    (stderr), with the count of results that need a look so far."""

    def __init__(self, out: TextIO) -> None:
        self.out = out
        self.bad = 0

    def __call__(self, done: int, total: int, result: Result) -> None:
        """One item finished."""
        self.bad += result.verdict in (Verdict.FAIL, Verdict.ERROR, Verdict.XPASS)
        width = len(str(total))
        text = (f"[{done:>{width}}/{total}] {self.bad} to look at  {result.adapter:<12} "
                f"{result.item.id}")[:100]
        end = "\n" if done == total else ""
        self.out.write(f"\r\033[K{text}{end}")
        self.out.flush()
