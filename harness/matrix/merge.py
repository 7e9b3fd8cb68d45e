"""Combine matrix results: compiler differences, merging directories, writing the outputs.

A results directory holds `matrix.json` (from `bpfconform matrix`) or `results.json`
(from `bpfconform run`); both are `{"meta": ..., "results": [rows]}` with `kernel` and
`compiler` in every row. Merging several (a CI matrix, pytest-xdist workers) unions the
rows keyed by (kernel, compiler, adapter, file, program); the same key with two different
verdicts is a conflict, reported, never silently resolved.
"""

from __future__ import annotations

import html
import json
import re
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any

from junit_xml import TestCase, TestSuite, to_xml_report_string

Row = dict[str, Any]
VERDICTS = ("PASS", "FAIL", "ERROR", "SKIP", "XFAIL", "XPASS")


class MergeError(Exception):
    """A directory holds no readable matrix.json or results.json."""


def row_key(r: Mapping[str, Any]) -> tuple[str, str, str, str, str]:
    """(kernel, compiler, adapter, file, program): one item of the matrix."""
    return (str(r.get("kernel")), str(r.get("compiler")), str(r.get("adapter")),
            str(r.get("file")), str(r.get("program")))


def compiler_differences(rows: Iterable[Mapping[str, Any]]) -> list[dict[str, Any]]:
    """Items whose verdict depends on the compiler (same kernel, adapter and program)."""
    groups: dict[tuple[str, str, str, str], dict[str, str]] = {}
    for r in rows:
        k, c, a, f, p = row_key(r)
        groups.setdefault((k, a, f, p), {})[c] = str(r.get("verdict"))
    diffs = []
    for (k, a, f, p), by_compiler in sorted(groups.items()):
        if len(set(by_compiler.values())) > 1:
            diffs.append({"kernel": k, "adapter": a, "file": f, "program": p,
                          "verdicts": dict(sorted(by_compiler.items()))})
    return diffs


def load_dir(d: Path) -> dict[str, Any]:
    """The matrix.json (or results.json) document of one results directory."""
    for name in ("matrix.json", "results.json"):
        path = d / name if d.is_dir() else d
        if path.is_file() and (d.is_dir() or path.name == name):
            try:
                doc = json.loads(path.read_text())
            except ValueError as exc:
                raise MergeError(f"{path}: not JSON: {exc}") from exc
            if not isinstance(doc, dict) or not isinstance(doc.get("results"), list):
                raise MergeError(f"{path}: no results list")
            return doc
    raise MergeError(f"{d}: neither matrix.json nor results.json")


def _as_matrix_meta(doc: Mapping[str, Any]) -> dict[str, Any]:
    meta = dict(doc.get("meta", {}))
    if "kernels" in meta:
        return meta
    # a plain results.json: one kernel, one compiler
    kernel = str(meta.get("kernel", "?"))
    comp = meta.get("compiler", {})
    cid = comp.get("id") if isinstance(comp, dict) else str(comp)
    return {"kernels": {kernel: {"label": kernel, "probes": meta.get("probes", {})}},
            "compilers": [cid] if cid else [], "adapters": list(meta.get("adapters", {}))}


def merge_docs(docs: Sequence[Mapping[str, Any]]) -> dict[str, Any]:
    """One matrix document from several; duplicate keys with different verdicts conflict."""
    rows: dict[tuple[str, str, str, str, str], Row] = {}
    conflicts: list[dict[str, Any]] = []
    kernels: dict[str, Any] = {}
    compilers: list[str] = []
    adapters: list[str] = []
    for doc in docs:
        meta = _as_matrix_meta(doc)
        for label, rec in meta.get("kernels", {}).items():
            kernels.setdefault(label, rec)
        compilers += [c for c in meta.get("compilers", []) if c not in compilers]
        adapters += [a for a in meta.get("adapters", []) if a not in adapters]
        for r in doc["results"]:
            key = row_key(r)
            old = rows.get(key)
            if old is None:
                rows[key] = dict(r)
            elif old.get("verdict") != r.get("verdict"):
                conflicts.append({"key": list(key), "verdicts": [old.get("verdict"),
                                                                 r.get("verdict")]})
    merged = list(rows.values())
    return {"meta": {"kernels": kernels, "compilers": compilers, "adapters": adapters,
                     "merged_from": len(docs), "conflicts": conflicts},
            "results": merged, "compiler_differences": compiler_differences(merged)}


def merge_dirs(dirs: Sequence[Path]) -> dict[str, Any]:
    """merge_docs over the documents of several results directories."""
    return merge_docs([load_dir(d) for d in dirs])


def counts(rows: Iterable[Mapping[str, Any]]) -> dict[tuple[str, str], Counter[str]]:
    """Verdict counts per (adapter, kernel): the loader x kernel overview."""
    out: dict[tuple[str, str], Counter[str]] = {}
    for r in rows:
        out.setdefault((str(r.get("adapter")), str(r.get("kernel"))), Counter())[
            str(r.get("verdict"))] += 1
    return out


def _safe(name: str) -> str:
    return re.sub(r"[^A-Za-z0-9_.+-]", "_", name)


def write_junit_cells(out: Path, rows: Sequence[Mapping[str, Any]]) -> list[Path]:
    """One junit.xml per (kernel, compiler, adapter) cell under out/junit/."""
    cells: dict[tuple[str, str, str], list[TestCase]] = {}
    for r in rows:
        k, c, a, f, p = row_key(r)
        case = TestCase(name=f"{p}[{a}]", classname=f.replace("/", "."), file=f,
                        line=r.get("line"), elapsed_sec=sum((r.get("ns") or {}).values()) / 1e9,
                        stderr=r.get("adapter_stderr"))
        v, reason = str(r.get("verdict")), str(r.get("reason") or "")
        detail = "\n".join(str(x) for x in (r.get("source_line"), r.get("verifier_log")) if x)
        if v == "FAIL":
            case.add_failure_info(message=reason, output=detail or None)
        elif v == "XPASS":
            case.add_failure_info(message=f"XPASS: {reason}")
        elif v == "ERROR":
            case.add_error_info(message=reason.splitlines()[0] if reason else "error",
                                output=reason)
        elif v in ("SKIP", "XFAIL"):
            case.add_skipped_info(message=f"{v}: {reason}")
        cells.setdefault((k, c, a), []).append(case)
    d = out / "junit"
    d.mkdir(parents=True, exist_ok=True)
    written = []
    for (k, c, a), cases in sorted(cells.items()):
        path = d / f"{_safe(k)}__{_safe(c)}__{_safe(a)}.xml"
        path.write_text(to_xml_report_string([TestSuite(f"bpfconform.{a}.{k}.{c}", cases)]))
        written.append(path)
    return written


def render_html(doc: Mapping[str, Any]) -> str:
    """report.html: a loader x kernel overview with counts, then every row, filterable."""
    rows = doc["results"]
    kernels = sorted({str(r.get("kernel")) for r in rows})
    adapters = sorted({str(r.get("adapter")) for r in rows})
    compilers = sorted({str(r.get("compiler")) for r in rows})
    c = counts(rows)
    e = html.escape
    head = "".join(f"<th>{e(k)}</th>" for k in kernels)
    body = []
    for a in adapters:
        cells = []
        for k in kernels:
            n = c.get((a, k), Counter())
            txt = " ".join(f'<span class="{v}">{v[0]}{n[v]}</span>' for v in VERDICTS if n[v])
            cells.append(f"<td>{txt or '-'}</td>")
        body.append(f"<tr><th>{e(a)}</th>{''.join(cells)}</tr>")
    lines = []
    for r in sorted(rows, key=row_key):
        k, comp, a, f, p = row_key(r)
        v = str(r.get("verdict"))
        where = f"{f}:{r['line']}" if r.get("line") else f
        lines.append(
            f'<tr data-k="{e(k)}" data-c="{e(comp)}" data-a="{e(a)}" data-v="{e(v)}">'
            f'<td class="{v}">{v}</td><td>{e(k)}</td><td>{e(comp)}</td><td>{e(a)}</td>'
            f"<td>{e(where)}</td><td>{e(p)}</td><td>{e(str(r.get('behaviour') or ''))}</td>"
            f"<td><pre>{e(str(r.get('reason') or '')[:2000])}</pre></td></tr>")
    diffs = doc.get("compiler_differences", [])
    diff_html = "".join(
        f"<li>{e(d['kernel'])} {e(d['adapter'])} {e(d['file'])}::{e(d['program'])}: "
        f"{e(', '.join(f'{k}={v}' for k, v in d['verdicts'].items()))}</li>" for d in diffs)

    def select(name: str, values: Sequence[str]) -> str:
        opts = "".join(f"<option>{e(v)}</option>" for v in values)
        return f'<label>{name} <select id="f{name[0]}"><option value="">all</option>{opts}' \
               f"</select></label> "

    return f"""<!doctype html><html><head><meta charset="utf-8"><title>bpfconform matrix</title>
<style>body{{font-family:sans-serif}} td,th{{border:1px solid #ccc;padding:2px 6px;
vertical-align:top}} table{{border-collapse:collapse}} pre{{margin:0;white-space:pre-wrap;
max-width:60em}} .PASS{{color:#070}} .FAIL,.ERROR,.XPASS{{color:#b00;font-weight:bold}}
.SKIP,.XFAIL{{color:#777}}</style></head><body>
<h1>bpfconform matrix</h1>
<h2>Loader x kernel</h2><table><tr><th></th>{head}</tr>{"".join(body)}</table>
<h2>Compiler differences ({len(diffs)})</h2><ul>{diff_html or "<li>none</li>"}</ul>
<h2>Items</h2><p>{select("kernel", kernels)}{select("compiler", compilers)}
{select("adapter", adapters)}{select("verdict", list(VERDICTS))}</p>
<table id="rows"><tr><th>verdict</th><th>kernel</th><th>compiler</th><th>adapter</th>
<th>where</th><th>program</th><th>behaviour</th><th>reason</th></tr>{"".join(lines)}</table>
<script>
const f = () => {{ const want = {{k: fk.value, c: fc.value, a: fa.value, v: fv.value}};
  for (const tr of document.querySelectorAll('#rows tr[data-k]')) {{
    tr.hidden = Object.keys(want).some(x => want[x] && tr.dataset[x] !== want[x]); }} }};
for (const s of document.querySelectorAll('select')) s.onchange = f;
</script></body></html>
"""


def write_outputs(out: Path, doc: Mapping[str, Any]) -> None:
    """matrix.json, junit/<kernel>__<compiler>__<adapter>.xml and report.html under out."""
    out.mkdir(parents=True, exist_ok=True)
    (out / "matrix.json").write_text(json.dumps(doc, indent=1) + "\n")
    write_junit_cells(out, doc["results"])
    (out / "report.html").write_text(render_html(doc))
