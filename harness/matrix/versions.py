"""The loader-version axis (docs/versions.md): one loader's suite results over its releases.

`bpfconform versions --loader cilium-ebpf [--version V ...]` runs the selected items against
`<loader>@<version>` for every version its manifest lists (harness/adapters/manifest.py: built on
demand, cached under build/adapters/), each judged with the loader's expectations filtered by
version, and writes `results/versions/<loader>.{json,md,html}`: per version the library
version its hello reported, the build time when it was built now, and the verdict counts; per
item whose result differs between versions, its verdict in each and the history ("FAIL
v0.12.3..v0.16.0, PASS v0.17.3..v0.22.0"); per finding (suite/findings.toml) of the loader,
the first listed release that has it and the first that fixes it.

Its subcommand is harness.commands.versions; the hello gate a derived manifest runs its
adapter behind is harness.adapters.gate.
"""

from __future__ import annotations

import html
import json
import time
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from harness.adapters.client import AdapterClient, AdapterError
from harness.adapters.manifest import AdapterUnavailable, Manifest
from harness.run import runner
from harness.run.verdict import Verdict
from harness.suite.discovery import Item
from harness.suite.expectations import (
    ExpectationsError,
    expectations_path,
    load_known_failures,
    version_key,
)

#: how a verdict counts for "where did it start to pass or fail"
PASSING = frozenset({Verdict.PASS.value, Verdict.XPASS.value})
FAILING = frozenset({Verdict.FAIL.value, Verdict.XFAIL.value})


@dataclass(frozen=True)
class VersionRun:
    """One version's run: what its hello said, whether it could run, its verdicts by item."""

    version: str
    library_version: str = ""
    #: why the version could not run (build failed, hello mismatch): "" when it ran
    error: str = ""
    #: seconds its on-demand build took in this command; None when it was already built
    build_s: float | None = None
    verdicts: Mapping[str, str] = field(default_factory=dict)

    def counts(self) -> dict[str, int]:
        """Verdict -> number of items."""
        return dict(sorted(Counter(self.verdicts.values()).items()))


def state(verdict: str) -> str:
    """`pass`, `fail` or the verdict itself (SKIP, ERROR, "" for not run)."""
    if verdict in PASSING:
        return "pass"
    if verdict in FAILING:
        return "fail"
    return verdict or "not run"


@dataclass(frozen=True)
class Row:
    """One item across the versions (columns in version order)."""

    item: str
    behaviour: str
    cells: tuple[str, ...]
    cause: str = ""

    def history(self, versions: Sequence[str]) -> str:
        """Runs of the same verdict: `FAIL v0.12.3..v0.16.0, PASS v0.17.3..v0.22.0`."""
        runs: list[tuple[str, str, str]] = []
        for version, cell in zip(versions, self.cells, strict=True):
            if runs and runs[-1][0] == cell:
                runs[-1] = (cell, runs[-1][1], version)
            else:
                runs.append((cell, version, version))
        return ", ".join(f"{c or 'not run'} {a}" + (f"..{b}" if b != a else "")
                         for c, a, b in runs)

    def _ran(self, versions: Sequence[str]) -> list[tuple[str, str]]:
        """(version, state) of the versions that ran the item, oldest first."""
        return [(v, state(c)) for v, c in zip(versions, self.cells, strict=True) if c]

    def varies(self) -> bool:
        """Whether the item's result (pass/fail/other) differs between the versions that ran
        it."""
        return len({state(c) for c in self.cells if c}) > 1

    def first_failing(self, versions: Sequence[str]) -> str:
        """The first version in which the item fails (FAIL or XFAIL), "" if none."""
        return next((v for v, s in self._ran(versions) if s == "fail"), "")

    def _newest_run(self, versions: Sequence[str], now: str, before: str) -> str:
        """The first version of the newest run of `now` states, if a `before` state precedes
        that run; else ""."""
        ran = self._ran(versions)
        if not ran or ran[-1][1] != now:
            return ""
        first = len(ran) - 1
        while first > 0 and ran[first - 1][1] == now:
            first -= 1
        return ran[first][0] if first > 0 and ran[first - 1][1] == before else ""

    def fixed_in(self, versions: Sequence[str]) -> str:
        """The release that fixed it: the first of the newest passing versions, right after a
        failing one; "" when the newest version does not pass or it failed nowhere before."""
        return self._newest_run(versions, "pass", "fail")

    def broke_in(self, versions: Sequence[str]) -> str:
        """The release that broke it: the first of the newest failing versions, right after a
        passing one; "" otherwise."""
        return self._newest_run(versions, "fail", "pass")


@dataclass(frozen=True)
class VersionTable:
    """behaviour x version for one loader."""

    loader: str
    versions: tuple[str, ...]
    runs: tuple[VersionRun, ...]
    rows: tuple[Row, ...]
    kernel: str = ""
    compiler: str = ""
    #: cause id -> its `fixed_in` in the loader's expectations ("" when none)
    recorded_fix: Mapping[str, str] = field(default_factory=dict)

    def findings(self) -> list[dict[str, object]]:
        """Per cause of the loader's findings: its items, the first listed release that has it
        (fails one of its items), the first that fixes it (all its items pass from there on),
        and the fix suite/expectations records."""
        out: list[dict[str, object]] = []
        by_cause: dict[str, list[Row]] = {}
        for row in self.rows:
            if row.cause:
                by_cause.setdefault(row.cause, []).append(row)
        for cause, rows in sorted(by_cause.items()):
            firsts = [r.first_failing(self.versions) for r in rows]
            firsts = [f for f in firsts if f]
            fixes = [r.fixed_in(self.versions) for r in rows]
            fixed = (max(fixes, key=_order) if fixes and all(fixes) else "")
            out.append({"cause": cause, "items": [r.item for r in rows],
                        "first_failing": min(firsts, key=_order) if firsts else "",
                        "fixed_in": fixed, "recorded_fixed_in": self.recorded_fix.get(cause, ""),
                        "history": {r.item: r.history(self.versions) for r in rows}})
        return out

    def to_json(self) -> dict[str, object]:
        """The table as JSON (results/versions/<loader>.json)."""
        return {
            "loader": self.loader, "kernel": self.kernel, "compiler": self.compiler,
            "versions": list(self.versions),
            "runs": [{"version": r.version, "library_version": r.library_version,
                      "error": r.error, "build_s": r.build_s, "counts": r.counts()}
                     for r in self.runs],
            "rows": [{"item": r.item, "behaviour": r.behaviour, "cause": r.cause,
                      "verdicts": dict(zip(self.versions, r.cells, strict=True)),
                      "varies": r.varies(), "history": r.history(self.versions),
                      "first_failing": r.first_failing(self.versions),
                      "fixed_in": r.fixed_in(self.versions),
                      "broke_in": r.broke_in(self.versions)} for r in self.rows],
            "findings": self.findings(),
        }

    def to_markdown(self) -> str:
        """The table as markdown (results/versions/<loader>.md)."""
        vs = self.versions
        lines = [f"# {self.loader}: behaviour x version", "",
                 f"Kernel {self.kernel or '?'}, compiler {self.compiler or '?'}; "
                 f"`bpfconform versions --loader {self.loader}` (docs/versions.md).", "",
                 "| version | hello library_version | build (s, when built now) | verdicts |",
                 "| --- | --- | --- | --- |"]
        for r in self.runs:
            counts = ", ".join(f"{n} {v}" for v, n in r.counts().items())
            built = f"{r.build_s:.0f}" if r.build_s is not None else "cached"
            lines.append(f"| {r.version} | {r.library_version or '-'} | {built} | "
                         f"{('could not run: ' + r.error) if r.error else counts} |")
        finds = self.findings()
        if finds:
            lines += ["", "## Findings", "",
                      "| cause | items | first failing | fixed in (measured) | fixed_in "
                      "(expectations) |", "| --- | --- | --- | --- | --- |"]
            for f in finds:
                items = f["items"]
                assert isinstance(items, list)
                lines.append(f"| {f['cause']} | {len(items)} | {f['first_failing'] or '-'} | "
                             f"{f['fixed_in'] or '-'} | {f['recorded_fixed_in'] or '-'} |")
        varying = [r for r in self.rows if r.varies()]
        lines += ["", f"## Items whose result differs between versions ({len(varying)} of "
                  f"{len(self.rows)})", "",
                  "| item | behaviour | " + " | ".join(vs) + " | history |",
                  "| --- | --- | " + " | ".join("---" for _ in vs) + " | --- |"]
        for row in varying:
            lines.append(f"| `{row.item}` | {row.behaviour} | " + " | ".join(
                c or "-" for c in row.cells) + f" | {row.history(vs)} |")
        return "\n".join(lines) + "\n"

    def to_html(self) -> str:
        """The markdown's tables as one HTML page (results/versions/<loader>.html)."""
        vs = self.versions

        def tr(cells: Sequence[str], tag: str = "td") -> str:
            return "<tr>" + "".join(f"<{tag}>{html.escape(c)}</{tag}>" for c in cells) + "</tr>"

        head = tr(["version", "library_version", "build (s)", "verdicts"], "th")
        body = [tr([r.version, r.library_version, "cached" if r.build_s is None
                    else f"{r.build_s:.0f}", r.error or ", ".join(
                        f"{n} {v}" for v, n in r.counts().items())]) for r in self.runs]
        items = [tr(["item", "behaviour", *vs, "history"], "th")] + [
            tr([w.item, w.behaviour, *w.cells, w.history(vs)]) for w in self.rows if w.varies()]
        finds = [tr(["cause", "first failing", "fixed in (measured)", "fixed_in (expectations)"],
                    "th")] + [tr([str(f["cause"]), str(f["first_failing"]), str(f["fixed_in"]),
                                  str(f["recorded_fixed_in"])]) for f in self.findings()]
        title = html.escape(f"{self.loader}: behaviour x version")
        return (f"<!doctype html><meta charset=utf-8><title>{title}</title><h1>{title}</h1>"
                f"<p>Kernel {html.escape(self.kernel)}, compiler {html.escape(self.compiler)}</p>"
                f"<table border=1>{head}{''.join(body)}</table><h2>Findings</h2>"
                f"<table border=1>{''.join(finds)}</table><h2>Items whose result differs</h2>"
                f"<table border=1>{''.join(items)}</table>\n")


def _order(version: str) -> tuple[int, ...]:
    return version_key(version) or ()


def sort_versions(versions: Sequence[str]) -> list[str]:
    """Oldest first (harness.suite.expectations.version_key order); unreadable ones last."""
    return sorted(dict.fromkeys(versions), key=lambda v: (version_key(v) is None, _order(v), v))


def build_table(loader: str, runs: Sequence[VersionRun], behaviours: Mapping[str, str],
                causes: Mapping[str, str], recorded_fix: Mapping[str, str] | None = None,
                kernel: str = "", compiler: str = "") -> VersionTable:
    """The table of `runs` (any order): a row per item any run judged, columns oldest first.
    `causes` maps `<loader>:<item>` to its findings cause
    (harness.suite.expectations.load_causes)."""
    ordered = sorted(runs, key=lambda r: sort_versions([r.version, *(x.version for x in runs)])
                     .index(r.version))
    items = sorted({i for r in ordered for i in r.verdicts})
    rows = tuple(Row(i, behaviours.get(i, ""), tuple(r.verdicts.get(i, "") for r in ordered),
                     causes.get(f"{loader}:{i}", "")) for i in items)
    return VersionTable(loader, tuple(r.version for r in ordered), tuple(ordered), rows,
                        kernel, compiler, dict(recorded_fix or {}))


def write_table(table: VersionTable, out: Path) -> list[Path]:
    """results/versions/<loader>.{json,md,html}; the paths written."""
    out.mkdir(parents=True, exist_ok=True)
    paths = [out / f"{table.loader}.{ext}" for ext in ("json", "md", "html")]
    paths[0].write_text(json.dumps(table.to_json(), indent=1) + "\n")
    paths[1].write_text(table.to_markdown())
    paths[2].write_text(table.to_html())
    return paths


# -- one version ------------------------------------------------------------------------------

def run_version(base: Manifest, version: str, items: Sequence[Item], ctx: runner.Context,
                 suite_dir: Path, repo_root: Path, timeout: float) -> VersionRun:
    """One version's run: build the `<loader>@<version>` adapter on demand, run the items
    with that version's known failures; or why it could not run."""
    try:
        manifest = base.at(version, repo_root)
        exe = manifest.cwd(repo_root) / manifest.command[0]
        built = not exe.exists()
        start = time.monotonic()
        manifest.argv(repo_root)  # builds it on demand
        build_s = time.monotonic() - start if built else None
        known = load_known_failures(expectations_path(suite_dir, manifest.name,
                                                      manifest.expectations))
    except (AdapterUnavailable, ExpectationsError) as exc:
        return VersionRun(version, error=str(exc).splitlines()[0])
    def factory(name: str) -> AdapterClient:
        return AdapterClient(manifest, repo_root, timeout)

    results, hellos = runner.run_items(items, [manifest.name], factory, ctx,
                                       {manifest.name: known})
    hello = hellos.get(manifest.name)
    if isinstance(hello, AdapterError) or hello is None:
        cause = hello.cause if isinstance(hello, AdapterError) else "no hello"
        last = [line for line in (hello.stderr if isinstance(hello, AdapterError) else "")
                .splitlines() if line.startswith("[versions]")]
        return VersionRun(version, error=(last[-1] if last else cause), build_s=build_s)
    if hello.library_version != version:  # the gate let it through: never expected
        return VersionRun(version, hello.library_version, build_s=build_s,
                          error=f"hello reports {hello.library_version}, not {version}")
    return VersionRun(version, hello.library_version, build_s=build_s,
                      verdicts={r.item.id: r.verdict.value for r in results})
