"""corpus.html: one self-contained page for a `bpfconform corpus` run.

Objects x loaders, in the style of report.html (harness.report.html_report's colours): rows are
(object, program), disagreements with the reference first; each cell is the adapter's
outcome (failing phase + errno, or `done` + retval) coloured by its relation to the
reference, the error as its tooltip, and the annotation verdict (✓/✗) when the program
carries selftests annotations. Above the grid: the summary per adapter and the "why"
table, disagreements grouped by message prefix per adapter. A text box filters rows by
error prefix; a checkbox keeps only disagreements.
"""

from __future__ import annotations

import html
import re
from collections import Counter, defaultdict
from collections.abc import Mapping, Sequence
from typing import Any

from harness.report.html_report import CSS

PREFIX_LEN = 72
_OBJ_PATH = re.compile(r"/\S+?\.(?:bpf\.)?o\b")
_NUMBER = re.compile(r"\b(?:0x[0-9a-f]+|\d+)\b")
_CLASS = {"agree": "v-PASS", "stricter": "v-XFAIL", "looser": "v-XFAIL",
          "retval_differs": "v-FAIL", "errors": "v-ERROR", None: "v-SKIP"}

EXTRA_CSS = """
#cgrid td.cell{padding:2px 6px;font-size:12px;white-space:nowrap;border-left:2px solid #fff}
#cgrid th.item{font-weight:400;text-align:left;padding:2px 8px;white-space:nowrap}
#cgrid th.item span{color:var(--muted)} #cgrid td.ann{color:var(--muted);font-size:12px;
padding:0 8px;white-space:nowrap}
.why td,.why th{border:1px solid var(--line);padding:2px 8px;vertical-align:top}
.why td.n{text-align:right} .why code{font-size:12px}
"""

JS = r"""
(() => {
const box = document.getElementById('prefix'), only = document.getElementById('only');
const rows = [...document.querySelectorAll('#cgrid tbody tr')];
const apply = () => {
  const p = box.value.trim().toLowerCase();
  let shown = 0;
  for (const r of rows) {
    const errs = (r.dataset.errors || '').split('\u0001');
    const ok = (!p || errs.some(e => e.startsWith(p))) && (!only.checked || r.dataset.dis === '1');
    r.hidden = !ok; shown += ok;
  }
  document.getElementById('shown').textContent = shown + ' of ' + rows.length + ' programs';
};
box.addEventListener('input', apply); only.addEventListener('change', apply); apply();
})();
"""


def why_prefix(text: str | None, program: str = "") -> str:
    """A message reduced to what groups it: object paths, the program's name and numbers
    replaced, cut."""
    if not text:
        return "(no message)"
    if program:
        text = re.sub(rf"(?<![\w.]){re.escape(program)}(?![\w.])", "<prog>", text)
    s = _NUMBER.sub("N", _OBJ_PATH.sub("<obj>", text.lower()))
    return s[:PREFIX_LEN]


def _why(o: Mapping[str, Any], ref: Mapping[str, Any] | None) -> str:
    rel, prog = o.get("relation"), str(o.get("program", ""))
    if rel == "retval_differs":
        return "retval differs"  # the values are in the grid; grouping them says nothing
    if rel == "looser" and ref is not None:  # it loaded: why did the reference refuse?
        return f"reference {ref.get('phase')}: {why_prefix(ref.get('error'), prog)}"
    return f"{o.get('phase')}: {why_prefix(o.get('error'), prog)}"


def why_groups(results: Sequence[Mapping[str, Any]], reference: str
               ) -> dict[str, list[tuple[str, str, int, str]]]:
    """Per adapter: (relation, why, count, example object:program), largest first."""
    refs = {(r["object"], r["program"]): r for r in results if r["adapter"] == reference}
    groups: dict[str, Counter[tuple[str, str]]] = defaultdict(Counter)
    example: dict[tuple[str, str, str], str] = {}
    for r in results:
        if r.get("agrees") is not False:
            continue
        key = (str(r.get("relation")), _why(r, refs.get((r["object"], r["program"]))))
        groups[r["adapter"]][key] += 1
        example.setdefault((r["adapter"], *key), f"{r['object']}:{r['program']}")
    return {a: [(k[0], k[1], n, example[(a, *k)]) for k, n in c.most_common()]
            for a, c in groups.items()}


def _cell_text(r: Mapping[str, Any]) -> str:
    if r["phase"] == "done":
        text = f"done {r.get('retval')}"
    elif r["phase"] == "adapter":
        text = str(r.get("error_kind") or "broke")
    else:
        text = f"{r['phase']} E{r['errno']}" if r.get("errno") is not None else r["phase"]
    mark = {"PASS": " ✓", "FAIL": " ✗", "ERROR": " !"}.get(str(r.get("verdict")), "")
    return text + mark


def render(doc: Mapping[str, Any]) -> str:
    """The page for one corpus.json document."""
    meta, results, summary = doc["meta"], doc["results"], doc["summary"]
    adapters = list(summary)
    reference = str(meta.get("reference", "libbpf"))
    esc = html.escape
    parts = [f"<h1>bpfconform corpus</h1><p class=meta>kernel <b>{esc(str(meta.get('kernel')))}"
             f"</b>, reference <b>{esc(reference)}</b>, {meta.get('programs')} programs in "
             f"{meta.get('objects')} objects, {meta.get('total_seconds')} s</p>"]
    st = meta.get("selftests")
    if st:
        parts.append(f"<p class=meta>kernel selftests from linux-source "
                     f"<b>{esc(str(st['kernel_source']))}</b>: {st['compiled']} of "
                     f"{st['sources']} sources compiled</p>")
    parts.append("<h2>Agreement with the reference</h2><table class=counts><tr><th>adapter</th>"
                 + "".join(f"<th>{h}</th>" for h in (
                     "programs", "agree", "stricter", "looser", "retval differs",
                     "adapter errors", "reference broke", "annotated PASS", "FAIL", "ERROR",
                     "not judged")) + "</tr>")
    for a in adapters:
        s, hello = summary[a], meta.get("adapters", {}).get(a, {})
        label = f"{hello.get('library', a)} {hello.get('library_version', '')}"
        mode = hello.get("mode", "unavailable")
        ann = s["annotated"]
        counts = [s["programs"], s["agree"], s["stricter"], s["looser"], s["retval_differs"],
                 s["errors"], s["reference_errors"], ann["PASS"], ann["FAIL"], ann["ERROR"],
                 ann["NOT_JUDGED"]]
        parts.append(f"<tr><th class=ad>{esc(a)} <small>{esc(label)}, {esc(mode)}</small></th>"
                     + "".join(f"<td class=n>{c}</td>" for c in counts) + "</tr>")
    parts.append("</table>")
    parts.append("<h2>Why: disagreements grouped by message prefix</h2><table class=why>"
                 "<tr><th>adapter</th><th>relation</th><th>why</th><th>programs</th>"
                 "<th>example</th></tr>")
    for a, groups in why_groups(results, reference).items():
        for rel, why, n, ex in groups[:25]:
            parts.append(f"<tr><td>{esc(a)}</td><td>{esc(rel)}</td><td><code>{esc(why)}</code>"
                         f"</td><td class=n>{n}</td><td>{esc(ex)}</td></tr>")
    parts.append("</table>")
    by_target: dict[tuple[str, str], dict[str, Mapping[str, Any]]] = defaultdict(dict)
    for r in results:
        by_target[(r["object"], r["program"])][r["adapter"]] = r

    def disagrees(cells: Mapping[str, Mapping[str, Any]]) -> bool:
        return any(c.get("agrees") is False or c.get("verdict") in ("FAIL", "ERROR")
                   for c in cells.values())

    order = sorted(by_target.items(), key=lambda kv: (not disagrees(kv[1]), kv[0]))
    parts.append("<div id=filters><label>error prefix <input id=prefix type=search "
                 "placeholder='e.g. load: bpf_object__load'></label><label><input id=only "
                 "type=checkbox> only disagreements</label><span id=shown></span></div>"
                 "<div id=grid-wrap><table id=cgrid><thead><tr><th class=item>object: program"
                 "</th><th>annotation</th>" + "".join(f"<th>{esc(a)}</th>" for a in adapters)
                 + "</tr></thead><tbody>")
    for (obj, prog), cells in order:
        errs = "\u0001".join(f"{c['phase']}: {c.get('error') or ''}".lower()
                             for c in cells.values() if c["phase"] != "done")
        ann = _annotation_text(doc.get("annotations", {}).get(f"{obj}:{prog}"))
        row = [f"<tr data-dis={'1' if disagrees(cells) else '0'} "
               f"data-errors=\"{esc(errs)}\"><th class=item>{esc(obj)}: <b>{esc(prog)}</b>"
               f"</th><td class=ann>{esc(ann)}</td>"]
        for a in adapters:
            c = cells.get(a)
            if c is None:
                row.append("<td class='cell none'>—</td>")
                continue
            tip = c.get("error") or c.get("verdict_why") or ""
            if c.get("verdict_why") and c.get("error"):
                tip = f"{c['verdict_why']}; {c['error']}"
            row.append(f"<td class='cell {_CLASS.get(c.get('relation'), 'v-SKIP')}' "
                       f"title=\"{esc(str(tip)[:600])}\">{esc(_cell_text(c))}</td>")
        parts.append("".join(row) + "</tr>")
    parts.append("</tbody></table></div>")
    return (f"<!doctype html><html><head><meta charset=utf-8><title>bpfconform corpus</title>"
            f"<style>{CSS}{EXTRA_CSS}</style></head><body>{''.join(parts)}"
            f"<script>{JS}</script></body></html>\n")


def _annotation_text(ann: Mapping[str, Any] | None) -> str:
    if not ann:
        return ""
    text = str(ann.get("expect") or "")
    if ann.get("retval") is not None:
        text += f" ={ann['retval']}"
    if ann.get("not_judged"):
        text += " (not judged)"
    return text
