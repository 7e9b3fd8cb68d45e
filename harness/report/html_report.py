"""report.html: one self-contained page (inline CSS and JS, no network) for a run or a matrix.

The page shows behaviours x loaders: rows are items grouped by family (the folder under
bpf-src/), columns are adapters (with their library versions; for a matrix, one column per
adapter x kernel x compiler, narrowed with the kernel and compiler filters). Each cell is
coloured by verdict with the reason as its tooltip; a click opens the details (reason,
file:line and source line, verifier log excerpt, ns per phase, btf state, the oracle's
"same as" columns when present). The data is embedded as JSON and the table is built by
the page's script, so the same generator serves `run`, `oracle`, `matrix` and
`report merge`. The loader x verdict counts (and, for a matrix, the loader x kernel
overview and the compiler differences) are plain HTML above it.
"""

from __future__ import annotations

import html
import json
from collections import Counter
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

VERDICTS = ("PASS", "FAIL", "ERROR", "SKIP", "XFAIL", "XPASS")
REFERENCES = ("libbpf", "python")  # first columns: libbpf and the reference loader
LOG_EXCERPT = 6000  # characters of a verifier log kept in the page (head and tail)
STDERR_EXCERPT = 2000
ROW_FIELDS = ("file", "program", "behaviour", "adapter", "kernel", "compiler", "verdict",
              "line", "reason", "source_line", "ns", "btf", "level", "expect",
              "skip_kind", "phase", "error_kind", "control", "finding",
              "same_as_libbpf", "same_as_reference")


def _excerpt(text: object, limit: int) -> str | None:
    if not text:
        return None
    s = str(text)
    if len(s) <= limit:
        return s
    half = limit // 2
    return f"{s[:half]}\n... ({len(s) - limit} characters left out) ...\n{s[-half:]}"


def _adapter_labels(meta: Mapping[str, Any], names: Sequence[str]) -> dict[str, str]:
    """'libbpf 1.4.6' per adapter from the meta block (run) or the name alone (matrix)."""
    declared = meta.get("adapters", {})
    if not isinstance(declared, Mapping):  # a matrix: names, versions kept aside by merges
        declared = meta.get("adapter_versions", {})
    labels: dict[str, str] = {}
    for name in names:
        hello = declared.get(name) if isinstance(declared, Mapping) else None
        if isinstance(hello, Mapping) and "library" in hello:
            labels[name] = f"{hello['library']} {hello.get('library_version', '')}".strip()
        elif isinstance(hello, Mapping) and "unavailable" in hello:
            labels[name] = "unavailable"
        else:
            labels[name] = ""
    return labels


def _ordered(first: Sequence[str], rows: Sequence[Mapping[str, Any]], key: str) -> list[str]:
    out = [str(x) for x in first]
    for r in rows:
        v = str(r.get(key))
        if v not in out:
            out.append(v)
    return out


def page_data(doc: Mapping[str, Any]) -> dict[str, Any]:
    """What the page's script needs: dimensions, adapter labels and compact rows."""
    meta = doc.get("meta", {})
    rows: list[Mapping[str, Any]] = list(doc.get("results", []))
    declared = meta.get("adapters", [])
    present = {str(r.get("adapter")) for r in rows}
    adapters = sorted((a for a in _ordered(list(declared), rows, "adapter") if a in present),
                      key=lambda a: REFERENCES.index(a) if a in REFERENCES else len(REFERENCES))
    kernels = _ordered([], rows, "kernel")
    compilers = _ordered([], rows, "compiler")
    comp = meta.get("compiler")
    compiler_versions = ({str(comp.get("id")): str(comp.get("version", ""))}
                         if isinstance(comp, Mapping) else {})
    compact = []
    for r in rows:
        rec = {k: r.get(k) for k in ROW_FIELDS if r.get(k) not in (None, "", {})}
        log = _excerpt(r.get("verifier_log"), LOG_EXCERPT)
        err = _excerpt(r.get("adapter_stderr"), STDERR_EXCERPT)
        if log:
            rec["verifier_log"] = log
        if err:
            rec["adapter_stderr"] = err
        compact.append(rec)
    return {"adapters": adapters, "labels": _adapter_labels(meta, adapters),
            "kernels": kernels, "compilers": compilers,
            "compiler_versions": compiler_versions, "rows": compact}


def _counts(rows: Sequence[Mapping[str, Any]], key: str) -> dict[tuple[str, str], Counter[str]]:
    out: dict[tuple[str, str], Counter[str]] = {}
    for r in rows:
        out.setdefault((str(r.get("adapter")), str(r.get(key))), Counter())[
            str(r.get("verdict"))] += 1
    return out


def _verdict_table(rows: Sequence[Mapping[str, Any]], adapters: Sequence[str],
                   labels: Mapping[str, str]) -> str:
    """Loader x verdict counts."""
    e = html.escape
    by = Counter((str(r.get("adapter")), str(r.get("verdict"))) for r in rows)
    head = "".join(f'<th class="v-{v}">{v}</th>' for v in VERDICTS)
    body = []
    for a in adapters:
        cells = "".join(f'<td class="n{" zero" if not by[(a, v)] else ""}">{by[(a, v)]}</td>'
                        for v in VERDICTS)
        total = sum(by[(a, v)] for v in VERDICTS)
        body.append(f'<tr><th class="ad">{e(a)} <small>{e(labels.get(a, ""))}</small></th>'
                    f'{cells}<td class="n">{total}</td></tr>')
    return (f'<table class="counts" id="counts"><tr><th>loader</th>{head}<th>total</th></tr>'
            f"{''.join(body)}</table>")


def _kernel_overview(rows: Sequence[Mapping[str, Any]], adapters: Sequence[str],
                     kernels: Sequence[str]) -> str:
    """Loader x kernel overview with counts (`F1` = one FAIL) for a matrix."""
    e = html.escape
    c = _counts(rows, "kernel")
    head = "".join(f"<th>{e(k)}</th>" for k in kernels)
    body = []
    for a in adapters:
        cells = []
        for k in kernels:
            n = c.get((a, k), Counter())
            txt = " ".join(f'<span class="{v}">{v[0]}{n[v]}</span>' for v in VERDICTS if n[v])
            cells.append(f"<td>{txt or '-'}</td>")
        body.append(f"<tr><th>{e(a)}</th>{''.join(cells)}</tr>")
    return (f'<h2>Loader &times; kernel</h2><table class="overview" id="overview">'
            f"<tr><th></th>{head}</tr>{''.join(body)}</table>")


def _differences(diffs: Sequence[Mapping[str, Any]]) -> str:
    e = html.escape
    items = "".join(
        f"<li>{e(str(d['kernel']))} {e(str(d['adapter']))} {e(str(d['file']))}::"
        f"{e(str(d['program']))}: "
        f"{e(', '.join(f'{k}={v}' for k, v in d['verdicts'].items()))}</li>" for d in diffs)
    return f"<h2>Compiler differences ({len(diffs)})</h2><ul>{items or '<li>none</li>'}</ul>"


def _embed(data: Mapping[str, Any]) -> str:
    """JSON safe inside <script>: no '<' can end the element or open a comment."""
    return json.dumps(data, separators=(",", ":")).replace("<", "\\u003c")


def _versions(pages: Sequence[str]) -> str:
    """Links to the loader-version tables (`bpfconform versions`, docs/versions.md)."""
    e = html.escape
    links = "".join(f'<li><a href="versions/{e(p)}">{e(p.removesuffix(".html"))}</a></li>'
                    for p in pages)
    return f"<h2>Loader versions</h2><ul>{links}</ul>" if pages else ""


def render(doc: Mapping[str, Any], title: str = "bpfconform report",
           version_pages: Sequence[str] = ()) -> str:
    """The whole page for a results.json or matrix.json document; `version_pages` are the
    version tables (`versions/<loader>.html`) beside it, linked."""
    e = html.escape
    data = page_data(doc)
    rows: list[Mapping[str, Any]] = list(doc.get("results", []))
    meta = doc.get("meta", {})
    is_matrix = "kernels" in meta or len(data["kernels"]) > 1 or len(data["compilers"]) > 1
    comp_label = ", ".join(
        f"{c} {data['compiler_versions'].get(c, '')}".strip() for c in data["compilers"])
    items = len({(r.get("file"), r.get("program")) for r in rows})
    size = f"{items} items &times; {len(data['adapters'])} loaders"
    if is_matrix:
        size += (f" &times; {len(data['kernels'])} kernels &times; "
                 f"{len(data['compilers'])} compilers")
    kernel_word = "kernels" if len(data["kernels"]) > 1 else "kernel"
    comp_word = "compilers" if len(data["compilers"]) > 1 else "compiler"
    parts = [f'<header><h1>{e(title)}</h1><p class="meta">'
             f"{kernel_word} <b>{e(', '.join(data['kernels']) or '?')}</b> &middot; "
             f"{comp_word} <b>{e(comp_label or '?')}</b> &middot; "
             f"{size}: {len(rows)} results</p></header>",
             _verdict_table(rows, data["adapters"], data["labels"])]
    if is_matrix:
        parts.append(_kernel_overview(rows, data["adapters"], data["kernels"]))
        parts.append(_differences(doc.get("compiler_differences", [])))
    parts.append(_versions(version_pages))
    return (f'<!doctype html><html lang="en"><head><meta charset="utf-8">'
            f'<meta name="viewport" content="width=device-width"><title>{e(title)}</title>'
            f"<style>{CSS}</style></head><body>{''.join(parts)}"
            f'<div id="filters"></div><div id="grid-wrap"><table id="grid"></table></div>'
            f'<aside id="detail" hidden></aside>'
            f'<noscript><p>The behaviours x loaders table needs JavaScript; results.json has '
            f"the same data.</p></noscript>"
            f'<script type="application/json" id="bpfconform-data">{_embed(data)}</script>'
            f"<script>{JS}</script></body></html>\n")


def write(path: Path, doc: Mapping[str, Any], title: str = "bpfconform report") -> Path:
    """Write report.html for a document, linking the version tables a `bpfconform versions
    --out` of the same directory wrote (`versions/*.html`); returns the path."""
    tables = path.parent / "versions"
    pages = sorted(p.name for p in tables.glob("*.html")) if tables.is_dir() else []
    path.write_text(render(doc, title, pages))
    return path


def embedded_data(page: str) -> dict[str, Any]:
    """The JSON a rendered page embeds (what its script builds the table from)."""
    start = page.index('id="bpfconform-data">') + len('id="bpfconform-data">')
    data: dict[str, Any] = json.loads(page[start:page.index("</script>", start)])
    return data


def write_from_json(results_json: Path) -> Path:
    """report.html next to a results.json (or matrix.json), e.g. after the oracle annotated it."""
    doc = json.loads(results_json.read_text())
    return write(results_json.with_name("report.html"), doc)


CSS = """
:root{--pass:#2da44e;--fail:#cf222e;--error:#8250df;--skip:#d0d7de;--xfail:#e3b341;
--xpass:#e8589c;--ink:#1f2328;--muted:#656d76;--line:#d8dee4;--bg:#f6f8fa}
*{box-sizing:border-box}
body{font:14px/1.4 "DejaVu Sans",system-ui,sans-serif;color:var(--ink);margin:0;padding:12px 16px}
h1{font-size:20px;margin:0 0 2px} h2{font-size:15px;margin:14px 0 6px}
.meta{color:var(--muted);margin:0 0 10px} .meta b{color:var(--ink)}
table{border-collapse:collapse}
.counts td,.counts th,.overview td,.overview th{border:1px solid var(--line);padding:2px 8px}
.counts th.ad{text-align:left;font-weight:600} .counts small{color:var(--muted);font-weight:400}
.counts td.n{text-align:right;font-variant-numeric:tabular-nums} .counts td.zero{color:#c4c9cf}
.counts th[class^=v-]{font-size:12px}
.overview .PASS{color:#1a7f37} .overview .FAIL,.overview .ERROR,.overview .XPASS{color:#cf222e;
font-weight:700} .overview .SKIP,.overview .XFAIL{color:var(--muted)}
#filters{display:flex;flex-wrap:wrap;gap:6px 14px;align-items:center;margin:14px 0 8px;
padding:8px 10px;background:var(--bg);border:1px solid var(--line);border-radius:6px}
#filters label{white-space:nowrap;cursor:pointer}
#filters input[type=search]{width:22em;padding:3px 6px;font:inherit}
#filters .sw{display:inline-block;width:12px;height:12px;border-radius:2px;vertical-align:-1px;
margin-right:3px}
#grid-wrap{overflow:auto;max-height:calc(100vh - 40px);border:1px solid var(--line)}
#grid{font-size:13px}
#grid th,#grid td{border-bottom:1px solid var(--line);padding:0}
#grid thead th{position:sticky;top:0;background:#fff;z-index:2;padding:4px 6px;
border-bottom:2px solid var(--line);text-align:center;vertical-align:bottom;min-width:92px;
max-width:150px}
#grid thead th small{display:block;color:var(--muted);font-weight:400}
#grid thead th.item{text-align:left;left:0;z-index:3}
#grid tr.fam th{background:var(--bg);text-align:left;padding:5px 6px;font-size:13px;
position:sticky;left:0}
#grid th.item{position:sticky;left:0;background:#fff;z-index:1;text-align:left;
font-weight:400;padding:3px 10px 3px 6px;white-space:nowrap}
#grid th.item b{font-weight:600} #grid th.item span{color:var(--muted);margin-left:6px}
#grid td.cell{text-align:center;color:#fff;font-weight:600;font-size:12px;cursor:pointer;
border-left:2px solid #fff;padding:3px 6px;white-space:nowrap}
#grid td.cell:hover{outline:2px solid var(--ink);outline-offset:-2px}
#grid td.none{background:#fff;color:#c4c9cf;cursor:default}
#grid td.dim{opacity:.25}
.v-PASS{background:var(--pass);color:#fff}
.v-FAIL{background:var(--fail);color:#fff}
.v-ERROR{background:var(--error);color:#fff}
.v-SKIP{background:var(--skip);color:var(--ink)!important}
.v-XFAIL{background:var(--xfail);color:var(--ink)!important}
.v-XPASS{background:var(--xpass);color:#fff}
#grid td.sel{outline:3px solid var(--ink);outline-offset:-3px}
#detail{position:fixed;top:0;right:0;bottom:0;width:min(640px,50vw);background:#fff;
border-left:1px solid var(--line);box-shadow:-4px 0 16px rgba(0,0,0,.12);padding:14px 16px;
overflow:auto;z-index:10}
#detail h3{margin:0 0 4px;font-size:16px;padding-right:30px}
#detail .close{position:absolute;top:8px;right:10px;border:0;background:none;font-size:22px;
cursor:pointer;color:var(--muted)}
#detail .badge{display:inline-block;padding:1px 8px;border-radius:10px;font-weight:700;
font-size:12px}
#detail dl{display:grid;grid-template-columns:max-content 1fr;gap:3px 12px;margin:10px 0}
#detail dt{color:var(--muted)} #detail dd{margin:0}
#detail pre{background:var(--bg);border:1px solid var(--line);padding:6px 8px;margin:4px 0 10px;
white-space:pre-wrap;word-break:break-word;font:12px/1.35 "DejaVu Sans Mono",monospace;
max-height:22em;overflow:auto}
#detail table.ns td{padding:1px 10px 1px 0;font-variant-numeric:tabular-nums}
#detail table.ns td:nth-child(n+2){text-align:right}
#detail table.ns td.raw{color:var(--muted)}
#empty{color:var(--muted);padding:10px}
"""

JS = r"""
(() => {
const D = JSON.parse(document.getElementById('bpfconform-data').textContent);
const VERDICTS = ['PASS', 'FAIL', 'ERROR', 'SKIP', 'XFAIL', 'XPASS'];
const el = (tag, attrs, ...kids) => {
  const n = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) {
    if (v === null || v === undefined || v === false) continue;
    if (k === 'text') n.textContent = v; else n.setAttribute(k, v === true ? '' : v);
  }
  for (const k of kids) if (k !== null && k !== undefined)
    n.append(typeof k === 'string' ? document.createTextNode(k) : k);
  return n;
};
const family = f => (f || '').split('/')[0] || '(none)';
const itemKey = r => r.file + '::' + r.program;
const colKey = r => r.adapter + '\u0000' + r.kernel + '\u0000' + r.compiler;
const matrix = D.kernels.length > 1 || D.compilers.length > 1;

// items: one per (file, program), sorted by family, behaviour, file, program
const items = new Map();
D.rows.forEach((r, i) => {
  const k = itemKey(r);
  if (!items.has(k)) items.set(k, {key: k, file: r.file, program: r.program,
                                   behaviour: r.behaviour || '', cells: new Map()});
  items.get(k).cells.set(colKey(r), i);
});
const order = [...items.values()].sort((a, b) =>
  family(a.file).localeCompare(family(b.file)) || a.behaviour.localeCompare(b.behaviour) ||
  a.file.localeCompare(b.file) || a.program.localeCompare(b.program));
const columns = [];
for (const a of D.adapters) for (const k of D.kernels) for (const c of D.compilers)
  if (D.rows.some(r => r.adapter === a && r.kernel === k && r.compiler === c))
    columns.push({adapter: a, kernel: k, compiler: c, key: a + '\u0000' + k + '\u0000' + c});

// filters
const state = {verdicts: new Set(VERDICTS), text: '', kernel: '', compiler: '',
               disagree: false};
const tally = {};
for (const r of D.rows) tally[r.verdict] = (tally[r.verdict] || 0) + 1;
const filters = document.getElementById('filters');
filters.append(el('b', {text: 'Show'}));
for (const v of VERDICTS) {
  const box = el('input', {type: 'checkbox', checked: true, 'data-v': v});
  box.addEventListener('change', () => {
    box.checked ? state.verdicts.add(v) : state.verdicts.delete(v); apply(); });
  filters.append(el('label', {}, box, el('span', {class: 'sw v-' + v}),
                    v + ' (' + (tally[v] || 0) + ')'));
}
const search = el('input', {type: 'search', id: 'q',
                            placeholder: 'filter: program, file, behaviour, reason'});
search.addEventListener('input', () => { state.text = search.value.toLowerCase(); apply(); });
filters.append(search);
const select = (name, values) => {
  if (values.length < 2) return;
  const s = el('select', {id: 'f-' + name}, el('option', {value: '', text: 'all'}),
               ...values.map(v => el('option', {value: v, text: v})));
  s.addEventListener('change', () => { state[name] = s.value; build(); });
  filters.append(el('label', {}, name + ' ', s));
};
select('kernel', D.kernels);
select('compiler', D.compilers);
const dis = el('input', {type: 'checkbox', id: 'disagree'});
dis.addEventListener('change', () => { state.disagree = dis.checked; apply(); });
filters.append(el('label', {}, dis, ' loaders disagree'));
const shown = el('span', {id: 'shown', style: 'color:#656d76'});
filters.append(shown);

// grid
const grid = document.getElementById('grid');
let rowsEl = [];
function visibleColumns() {
  return columns.filter(c => (!state.kernel || c.kernel === state.kernel) &&
                             (!state.compiler || c.compiler === state.compiler));
}
function cellText(r) {
  if (r.verdict === 'FAIL' && r.line) return 'FAIL :' + r.line;
  if (r.verdict === 'SKIP' && r.skip_kind) return 'SKIP ' + r.skip_kind;
  return r.verdict;
}
function build() {
  const cols = visibleColumns();
  grid.replaceChildren();
  const head = el('tr', {}, el('th', {class: 'item', text: 'behaviour / program'}));
  for (const c of cols) {
    const th = el('th', {}, c.adapter, el('small', {text: D.labels[c.adapter] || ''}));
    if (matrix) th.append(el('small', {text: c.kernel}), el('small', {text: c.compiler}));
    head.append(th);
  }
  grid.append(el('thead', {}, head));
  const body = el('tbody');
  rowsEl = [];
  let fam = null, famRow = null;
  for (const it of order) {
    if (family(it.file) !== fam) {
      fam = family(it.file);
      famRow = el('tr', {class: 'fam'}, el('th', {colspan: cols.length + 1, text: fam}));
      famRow.fam = fam;
      body.append(famRow);
      rowsEl.push(famRow);
    }
    const tr = el('tr', {class: 'item', 'data-item': it.key},
                  el('th', {class: 'item', title: it.file + '::' + it.program},
                     el('b', {text: it.program}), el('span', {text: it.behaviour})));
    tr.item = it;
    tr.famRow = famRow;
    for (const c of cols) {
      const i = it.cells.get(c.key);
      if (i === undefined) { tr.append(el('td', {class: 'cell none', text: '\u2013'})); continue; }
      const r = D.rows[i];
      const td = el('td', {class: 'cell v-' + r.verdict, 'data-r': i,
                           title: r.verdict + (r.reason ? ': ' + r.reason : '')},
                    cellText(r));
      td.addEventListener('click', () => detail(i, td));
      tr.append(td);
    }
    body.append(tr);
    rowsEl.push(tr);
  }
  grid.append(body);
  apply();
}
function apply() {
  let n = 0;
  const famShown = new Map();
  for (const tr of rowsEl) {
    if (!tr.item) continue;
    const cells = [...tr.querySelectorAll('td[data-r]')];
    const recs = cells.map(td => D.rows[+td.dataset.r]);
    let any = false;
    cells.forEach((td, j) => {
      const on = state.verdicts.has(recs[j].verdict);
      td.classList.toggle('dim', !on);
      any = any || on;
    });
    const hay = (tr.item.key + ' ' + tr.item.behaviour + ' ' +
                 recs.map(r => r.reason || '').join(' ')).toLowerCase();
    const differ = new Set(recs.map(r => r.verdict)).size > 1;
    const show = any && (!state.text || hay.includes(state.text)) &&
                 (!state.disagree || differ);
    tr.hidden = !show;
    if (show) { n++; famShown.set(tr.famRow, (famShown.get(tr.famRow) || 0) + 1); }
  }
  for (const tr of rowsEl) if (!tr.item) {
    tr.hidden = !famShown.get(tr);
    tr.firstChild.textContent = tr.fam + ' (' + (famShown.get(tr) || 0) + ')';
  }
  shown.textContent = n + ' of ' + order.length + ' items shown';
}

// details
const panel = document.getElementById('detail');
let selected = null;
function fmtNs(ns) {
  return ns >= 1e6 ? (ns / 1e6).toFixed(2) + ' ms' : ns >= 1e3 ? (ns / 1e3).toFixed(1) + ' \u00b5s'
       : ns + ' ns';
}
function detail(i, td) {
  const r = D.rows[i];
  if (selected) selected.classList.remove('sel');
  selected = td; td.classList.add('sel');
  const close = el('button', {class: 'close', title: 'close (Esc)', text: '\u00d7'});
  close.addEventListener('click', hide);
  const dl = el('dl');
  const add = (k, v) => { if (v !== undefined && v !== null && v !== '')
    dl.append(el('dt', {text: k}), el('dd', {text: String(v)})); };
  add('behaviour', r.behaviour);
  add('where', r.line ? r.file + ':' + r.line : r.file);
  add('loader', r.adapter + (D.labels[r.adapter] ? ' (' + D.labels[r.adapter] + ')' : ''));
  add('kernel', r.kernel);
  add('compiler', r.compiler + (D.compiler_versions[r.compiler] ?
                                ' ' + D.compiler_versions[r.compiler] : ''));
  add('expect', r.expect && (r.expect + (r.level ? ' (' + r.level + ')' : '')));
  add('btf', r.btf);
  add('skip kind', r.skip_kind);
  add('failing phase', r.phase);
  add('error kind', r.error_kind);
  add('positive control', r.control && (r.control.verdict + (r.control.reason ?
                                                                ': ' + r.control.reason : '')));
  add('finding', r.finding && ([r.finding.class, r.finding.cause, r.finding.upstream,
                                r.finding.fixed_in && 'fixed in ' + r.finding.fixed_in]
                               .filter(Boolean).join(' · ')));
  add('same as libbpf', r.same_as_libbpf);
  add('same as reference', r.same_as_reference);
  const kids = [close, el('h3', {text: r.program}),
                el('span', {class: 'badge v-' + r.verdict, text: r.verdict}), dl];
  if (r.reason) kids.push(el('b', {text: 'reason'}), el('pre', {class: 'reason', text: r.reason}));
  if (r.source_line) kids.push(el('b', {text: 'source line ' + r.file + ':' + r.line}),
                               el('pre', {class: 'src', text: r.source_line}));
  if (r.ns) {
    const t = el('table', {class: 'ns'});
    let total = 0;
    const phases = ['open', 'load', 'run'].filter(k => k in r.ns)
      .concat(Object.keys(r.ns).filter(k => !['open', 'load', 'run'].includes(k)));
    const row = (k, v) => el('tr', {}, el('td', {text: k}), el('td', {text: fmtNs(v)}),
                             el('td', {class: 'raw', text: v.toLocaleString('en') + ' ns'}));
    for (const k of phases) { total += r.ns[k]; t.append(row(k, r.ns[k])); }
    t.append(row('total', total));
    kids.push(el('b', {text: 'timings (wall time per phase)'}), t);
  }
  if (r.verifier_log) kids.push(el('b', {text: 'verifier log (excerpt)'}),
                                el('pre', {class: 'vlog', text: r.verifier_log}));
  if (r.adapter_stderr) kids.push(el('b', {text: 'adapter stderr'}),
                                  el('pre', {text: r.adapter_stderr}));
  panel.replaceChildren(...kids);
  panel.hidden = false;
}
function hide() {
  panel.hidden = true;
  if (selected) selected.classList.remove('sel');
  selected = null;
}
document.addEventListener('keydown', ev => { if (ev.key === 'Escape') hide(); });
build();
// #r=<n> opens the details of row n of results (a link to one cell)
const m = /^#r=(\d+)$/.exec(location.hash);
if (m) { const td = grid.querySelector('td[data-r="' + m[1] + '"]'); if (td) detail(+m[1], td); }
})();
"""
