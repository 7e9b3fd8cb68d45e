"""The loader-version axis (docs/versions.md): one loader's suite results over its releases.

`bpfconform versions --loader cilium-ebpf [--version V ...]` runs the selected items against
`<loader>@<version>` for every version its manifest lists (harness/manifest.py: built on
demand, cached under build/adapters/), each judged with the loader's expectations filtered by
version, and writes `results/versions/<loader>.{json,md,html}`: per version the library
version its hello reported, the build time when it was built now, and the verdict counts; per
item whose result differs between versions, its verdict in each and the history ("FAIL
v0.12.3..v0.16.0, PASS v0.17.3..v0.22.0"); per finding (suite/findings.toml) of the loader,
the first listed release that has it and the first that fixes it.

`python3 -m harness.versions gate VERSION -- ADAPTER ARGS...` is the hello gate a derived
manifest runs its adapter behind: it asks the adapter's hello once and execs the adapter only
when `library_version` equals VERSION, else it exits 1 naming both (so every item is ERROR).
"""

from __future__ import annotations

import argparse
import html
import json
import os
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from harness import cmdargs, runner
from harness.client import DEFAULT_TIMEOUT, AdapterClient, AdapterError
from harness.discovery import Item
from harness.expectations import (
    ExpectationsError,
    expectations_path,
    load_causes,
    load_known_failures,
    version_key,
)
from harness.manifest import AdapterUnavailable, Manifest
from harness.prebuilt import results_root
from harness.session import UsageError
from harness.subcommand import Subcommand
from harness.verdict import Verdict

#: how a verdict counts for "where did it start to pass or fail"
PASSING = frozenset({Verdict.PASS.value, Verdict.XPASS.value})
FAILING = frozenset({Verdict.FAIL.value, Verdict.XFAIL.value})
GATE_TIMEOUT_S = 30.0


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
    """Oldest first (harness.expectations.version_key order); unreadable ones last."""
    return sorted(dict.fromkeys(versions), key=lambda v: (version_key(v) is None, _order(v), v))


def build_table(loader: str, runs: Sequence[VersionRun], behaviours: Mapping[str, str],
                causes: Mapping[str, str], recorded_fix: Mapping[str, str] | None = None,
                kernel: str = "", compiler: str = "") -> VersionTable:
    """The table of `runs` (any order): a row per item any run judged, columns oldest first.
    `causes` maps `<loader>:<item>` to its findings cause (harness.expectations.load_causes)."""
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


# -- the command ------------------------------------------------------------------------------

def add_arguments(p: argparse.ArgumentParser) -> None:
    """`bpfconform versions` arguments."""
    p.add_argument("--loader", required=True, metavar="NAME",
                   help="an adapter whose manifest lists versions (cilium-ebpf, libbpf-rs, aya)")
    p.add_argument("--version", action="append", metavar="V",
                   help="a version to run (repeatable; default: every listed version)")
    p.add_argument("--compiler", metavar="ID", help="compiler id, e.g. clang-19")
    p.add_argument("-k", dest="keyword", metavar="SUBSTR", help="only items whose id has it")
    p.add_argument("--out", metavar="DIR", help="table directory (default: results/versions/)")
    p.add_argument("--timeout", type=float, default=DEFAULT_TIMEOUT, metavar="S",
                   help="per-request timeout in seconds")


def _run_version(base: Manifest, version: str, items: Sequence[Item], ctx: runner.Context,
                 suite_dir: Path, repo_root: Path, timeout: float) -> VersionRun:
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


def cmd_versions(args: argparse.Namespace) -> int:
    """Run the suite over every listed (or given) version of one loader and write the table;
    exit 1 when a version could not be built or started (its row says why)."""
    cmdargs.require_bpf()
    paths = cmdargs.paths(args)
    try:
        base = cmdargs.adapter_set(args).find(args.loader)
    except AdapterUnavailable as exc:
        raise UsageError(str(exc)) from exc
    if "@" in base.name or not base.versions:
        raise UsageError(f"adapter {args.loader!r} lists no versions in its adapter.toml "
                           "(version = ..., versions = [...])")
    unknown = [v for v in args.version or () if v not in base.versions]
    if unknown:
        raise UsageError(f"adapter {base.name!r} has no version {', '.join(unknown)} "
                           f"(known: {', '.join(base.versions)})")
    session = cmdargs.open_session(args, known=False)
    cmdargs.print_compile_errors(session)
    prepared = session.prepared
    ctx = session.context()
    runs = []
    for version in sort_versions(args.version or base.versions):
        print(f"{base.name}@{version}: running {len(prepared.items)} items", file=sys.stderr,
              flush=True)
        runs.append(_run_version(base, version, prepared.items, ctx, paths.suite_dir,
                                 paths.repo_root, args.timeout))
    try:
        causes = load_causes(paths.suite_dir / "findings.toml")
        table = load_known_failures(expectations_path(paths.suite_dir, base.name))
    except ExpectationsError as exc:
        raise UsageError(str(exc)) from exc
    recorded = {causes[f"{base.name}:{k}"]: e.fixed_in for k, e in table.items()
                if e.fixed_in and f"{base.name}:{k}" in causes}
    behaviours = {i.id: i.expectations.behaviour for i in prepared.items if i.expectations}
    result = build_table(base.name, runs, behaviours, causes, recorded, ctx.kernel,
                         prepared.compiler.id)
    out = Path(args.out) if args.out else results_root(paths.repo_root) / "versions"
    written = write_table(result, out)
    for r in result.runs:
        state_ = r.error or ", ".join(f"{n} {v}" for v, n in r.counts().items())
        print(f"{base.name}@{r.version}: {state_}")
    print(f"table: {', '.join(str(p) for p in written)}")
    return 1 if any(r.error for r in result.runs) else 0


# -- the hello gate ---------------------------------------------------------------------------

def gate(want: str, argv: Sequence[str]) -> int:
    """Exec `argv` if its hello's library_version is `want`; else say why and return 1."""
    try:
        done = subprocess.run(list(argv), input='{"op":"hello"}\n', capture_output=True,
                              text=True, timeout=GATE_TIMEOUT_S, check=False)
        hello = json.loads(done.stdout.splitlines()[0]) if done.stdout.strip() else {}
    except (OSError, subprocess.TimeoutExpired, json.JSONDecodeError) as exc:
        print(f"[versions] {argv[0]}: no hello ({exc})", file=sys.stderr)
        return 1
    got = hello.get("library_version") if isinstance(hello, dict) else None
    if got != want:
        print(f"[versions] {argv[0]}: hello reports library_version {got!r}, the run asked "
              f"for {want!r}: not running it", file=sys.stderr)
        return 1
    os.execv(argv[0], list(argv))


SUBCOMMANDS = (Subcommand("versions", "run the suite over every listed release of one loader: "
                          "a behaviour x version table", add_arguments, cmd_versions),)


def main(argv: Sequence[str] | None = None) -> int:
    """`python3 -m harness.versions gate VERSION -- ADAPTER ARGS...`."""
    args = list(sys.argv[1:] if argv is None else argv)
    if len(args) < 4 or args[0] != "gate" or args[2] != "--":
        print("usage: python3 -m harness.versions gate VERSION -- ADAPTER [ARGS...]",
              file=sys.stderr)
        return 2
    return gate(args[1], args[3:])


if __name__ == "__main__":
    sys.exit(main())
