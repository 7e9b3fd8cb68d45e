"""Combine matrix results: compiler differences, merging directories, writing the outputs.

A results directory holds `matrix.json` (from `bpfconform matrix`) or `results.json`
(from `bpfconform run`); both are `{"meta": ..., "results": [rows]}` with `kernel` and
`compiler` in every row. Merging several (a CI matrix, pytest-xdist workers) unions the
rows keyed by (kernel, compiler, adapter, file, program); the same key with two different
verdicts is a conflict, reported, never silently resolved.
"""

from __future__ import annotations

import json
import re
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any

from harness.report import html_report, junit

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
    versions: dict[str, Any] = {}  # adapter -> hello of a results.json (library versions)
    for doc in docs:
        declared = doc.get("meta", {}).get("adapters", {})
        if isinstance(declared, Mapping):
            versions.update({a: h for a, h in declared.items() if a not in versions})
        versions.update(doc.get("meta", {}).get("adapter_versions", {}))
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
                     "adapter_versions": versions, "merged_from": len(docs),
                     "conflicts": conflicts},
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
    """One junit.xml per (kernel, compiler, adapter) cell under out/junit/
    (harness.report.junit)."""
    cells: dict[tuple[str, str, str], list[Mapping[str, Any]]] = {}
    for r in rows:
        k, c, a, _, _ = row_key(r)
        cells.setdefault((k, c, a), []).append(r)
    d = out / "junit"
    d.mkdir(parents=True, exist_ok=True)
    written = []
    for (k, c, a), cell in sorted(cells.items()):
        path = d / f"{_safe(k)}__{_safe(c)}__{_safe(a)}.xml"
        # A cell's SKIP message has always been `SKIP: reason` (run's names the kind).
        junit.write(path, [(f"bpfconform.{a}.{k}.{c}", cell)], skip_kind=False)
        written.append(path)
    return written


def write_outputs(out: Path, doc: Mapping[str, Any]) -> None:
    """matrix.json, junit/<kernel>__<compiler>__<adapter>.xml and report.html under out."""
    out.mkdir(parents=True, exist_ok=True)
    (out / "matrix.json").write_text(json.dumps(doc, indent=1) + "\n")
    write_junit_cells(out, doc["results"])
    html_report.write(out / "report.html", doc, "bpfconform matrix")
