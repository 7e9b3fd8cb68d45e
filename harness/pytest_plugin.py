"""pytest plugin (entry point `pytest11: bpfconform`): `pytest suite --adapter libbpf`.

A directory holding `catalogue.toml` and `expectations/` (the repo's `suite/`) is
collected by SuiteDir: it builds bpf-src (cached), discovers the programs and yields one
item per (program, adapter), with ids like `suite/data/rodata.bpf.c::rodata_signed[libbpf]`.
A FAIL is shown the way a doctest failure is: `file.bpf.c:N` and the C lines around it.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import pytest

from harness.adapters.client import DEFAULT_TIMEOUT, AdapterClient
from harness.adapters.manifest import AdapterSet, AdapterUnavailable
from harness.probes.probes import ProbeResult
from harness.run import runner
from harness.run.session import Session, UsageError, paths_for
from harness.run.verdict import Verdict
from harness.suite.discovery import Item

CONTEXT_LINES = 4
STDERR_LINES = 20


def pytest_addoption(parser: pytest.Parser) -> None:
    """--adapter (repeatable), --compiler, --bpf-timeout, --bpf-src."""
    group = parser.getgroup("bpfconform", "bpfconform conformance suite")
    group.addoption("--adapter", action="append", default=[], dest="bpf_adapters",
                    metavar="NAME", help="adapter to test (repeatable; default: the default "
                    "adapters of runners/*/adapter.toml)")
    group.addoption("--compiler", dest="bpf_compiler", metavar="ID",
                    help="compiler id for bpf-src (default: newest Debian clang)")
    group.addoption("--bpf-timeout", dest="bpf_timeout", type=float, default=DEFAULT_TIMEOUT,
                    metavar="S", help="per-request adapter timeout in seconds")
    group.addoption("--bpf-src", dest="bpf_src", metavar="DIR",
                    help="test sources (default: bpf-src/ of the repo the harness sits in)")
    group.addoption("--adapter-manifest", action="append", default=[], dest="bpf_manifests",
                    metavar="PATH", help="an out-of-tree adapter.toml (repeatable; tested)")
    group.addoption("--adapter-command", action="append", default=[], dest="bpf_commands",
                    metavar="NAME=CMD", help="an adapter given as a command line (repeatable)")


@dataclass
class _State:
    """Per-session state: the prepared suite and one running adapter per name."""

    config: pytest.Config
    runs: dict[str, runner.AdapterRun] = field(default_factory=dict)
    clients: list[AdapterClient] = field(default_factory=list)

    #: suite directory -> the session collected from it
    sessions: dict[Path, Session] = field(default_factory=dict)

    def paths(self, suite_dir: Path) -> runner.Paths:
        return paths_for(self.config.getoption("bpf_src") or None, suite_dir)

    def adapters(self) -> AdapterSet:
        """In-tree manifests plus --adapter-manifest/--adapter-command ones."""
        return AdapterSet.from_options(runner.REPO_ROOT,
                                       self.config.getoption("bpf_manifests") or (),
                                       self.config.getoption("bpf_commands") or ())

    def adapter_names(self) -> list[str]:
        return self.adapters().selected(self.config.getoption("bpf_adapters") or None)

    def adapter_run(self, name: str, suite_dir: Path) -> runner.AdapterRun:
        if name not in self.runs:
            session = self.sessions[suite_dir]
            client = session.client(name)
            self.clients.append(client)
            ctx = replace(session.context(), known=session.known[name])
            self.runs[name] = runner.AdapterRun(name, client, ctx)
        return self.runs[name]

    def close(self) -> None:
        for client in self.clients:
            client.close()
        for run in self.runs.values():
            run.ctx.pins.remove_base_if_empty()


_STATE = pytest.StashKey[_State]()


def pytest_configure(config: pytest.Config) -> None:
    """Create the session state; adapters are closed when the session ends."""
    state = _State(config)
    config.stash[_STATE] = state
    config.add_cleanup(state.close)


def is_suite_dir(path: Path) -> bool:
    """A suite directory holds catalogue.toml and expectations/."""
    return (path / "catalogue.toml").is_file() and (path / "expectations").is_dir()


def pytest_collect_directory(path: Path, parent: pytest.Collector) -> pytest.Collector | None:
    """Collect the suite directory with SuiteDir; leave every other directory alone."""
    if is_suite_dir(path):
        return SuiteDir.from_parent(parent, path=path)
    return None


class SuiteDir(pytest.Directory):
    """The suite: builds bpf-src and yields one collector per source file."""

    def collect(self) -> Iterator[pytest.Item | pytest.Collector]:
        """Build, discover, and group items by source file."""
        state = self.config.stash[_STATE]
        paths = state.paths(self.path)
        try:
            names = state.adapter_names()
            adapters = state.adapters()
            manifests = [adapters.find(name) for name in names]
            for manifest in manifests:
                manifest.argv(runner.REPO_ROOT)
            session = Session.open(paths, manifests, self.config.getoption("bpf_compiler"),
                                   timeout=self.config.getoption("bpf_timeout"),
                                   allow_empty=True)
        except (AdapterUnavailable, UsageError) as exc:
            raise self.CollectError(str(exc)) from exc
        state.sessions[self.path] = session
        if not names:
            raise self.CollectError("no adapter: pass --adapter NAME")
        by_file: dict[str, list[Item]] = {}
        for item in session.items:
            by_file.setdefault(item.rel, []).append(item)
        for rel, items in by_file.items():
            yield SourceFile.from_parent(
                self, name=rel, path=items[0].source, nodeid=f"{self.nodeid}/{rel}",
                items=items, adapters=names, compiler=session.compiler.id,
                suite_dir=self.path, cc_probes=session.cc_probes)


class SourceFile(pytest.Collector):
    """One .bpf.c file: its programs times the adapters."""

    def __init__(self, *, items: list[Item], adapters: list[str], compiler: str,
                 suite_dir: Path, cc_probes: Mapping[str, ProbeResult] | None = None,
                 **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.cc_probes: Mapping[str, ProbeResult] = cc_probes or {}
        self.bpf_items = items
        self.adapters = adapters
        self.compiler = compiler
        self.suite_dir = suite_dir

    def collect(self) -> Iterator[pytest.Item]:
        """One ProgramItem per (program, adapter)."""
        for item in self.bpf_items:
            for adapter in self.adapters:
                yield ProgramItem.from_parent(self, name=f"{item.program}[{adapter}]",
                                              bpf_item=item, adapter=adapter)


class ConformanceFailure(Exception):
    """A FAIL, XPASS or ERROR verdict, carried to repr_failure."""

    def __init__(self, result: runner.Result) -> None:
        super().__init__(result.outcome.reason)
        self.result = result


class ProgramItem(pytest.Item):
    """One program run by one adapter."""

    def __init__(self, *, bpf_item: Item, adapter: str, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.bpf_item = bpf_item
        self.adapter = adapter
        self.result: runner.Result | None = None
        exp = bpf_item.expectations
        if exp is not None:
            self.user_properties.append(("behaviour", exp.behaviour))

    def runtest(self) -> None:
        """Run the program through the adapter and map the verdict to pytest's outcomes."""
        parent = self.parent
        assert isinstance(parent, SourceFile)
        state = self.config.stash[_STATE]
        run = state.adapter_run(self.adapter, parent.suite_dir)
        self.result = result = run.run(self.bpf_item)
        verdict, reason = result.verdict, result.outcome.reason
        if verdict is Verdict.SKIP:
            pytest.skip(f"[{result.outcome.skip_kind}] {reason}")
        if verdict is Verdict.XFAIL:
            pytest.xfail(reason)
        if verdict is not Verdict.PASS:
            raise ConformanceFailure(result)

    def repr_failure(self, excinfo: pytest.ExceptionInfo[BaseException],
                     style: Any = None) -> str:
        """`file.bpf.c:N` with the C lines around it, like a doctest failure."""
        if not isinstance(excinfo.value, ConformanceFailure):
            return str(super().repr_failure(excinfo, style=style))
        return format_failure(excinfo.value.result)

    def reportinfo(self) -> tuple[Path, int | None, str]:
        """The program's definition in its .bpf.c (0-based line)."""
        line = definition_line(self.bpf_item.source, self.bpf_item.program)
        return self.bpf_item.source, line, f"{self.bpf_item.id}[{self.adapter}]"


_DEF_SKIP = re.compile(r"^\s*(TEST|CONFORM)\s*\(")


def definition_line(source: Path, program: str) -> int | None:
    """0-based line where `program` is defined (its name followed by `(`), if found."""
    pattern = re.compile(rf"\b{re.escape(program)}\s*\(")
    try:
        lines = source.read_text(errors="replace").splitlines()
    except OSError:
        return None
    for n, text in enumerate(lines):
        if pattern.search(text) and not _DEF_SKIP.match(text):
            return n
    return None


def format_failure(result: runner.Result) -> str:
    """The text pytest shows for a non-passing item."""
    o, item = result.outcome, result.item
    out = [f"{o.verdict} {item.id} [{result.adapter}] ({result.compiler}, {result.kernel})"]
    if o.line is not None:
        out.append(f"{item.source}:{o.line}: {o.verdict}: program returned {o.line}, "
                   "the line of the failed assertion")
        try:
            lines = item.source.read_text(errors="replace").splitlines()
        except OSError:
            lines = []
        lo, hi = max(1, o.line - CONTEXT_LINES), min(len(lines), o.line + CONTEXT_LINES)
        for n in range(lo, hi + 1):
            mark = ">" if n == o.line else " "
            out.append(f"{mark}{n:04d} {lines[n - 1]}")
    else:
        out.append(o.reason)
    if o.verifier_log:
        out += ["", "verifier log:", o.verifier_log.rstrip()]
    if result.stderr:
        tail = result.stderr.rstrip().splitlines()[-STDERR_LINES:]
        out += ["", f"adapter stderr (last {len(tail)} lines):", *tail]
    return "\n".join(out)
