"""One run's shared inputs, for every front-end (`bpfconform` subcommands, the pytest
plugin, the matrix guest): the built and discovered items, the compiler and its probes
(computed once), the adapters' manifests and known failures, the kernel context, and
adapter clients.

    session = Session.open(paths_for(bpf_src), manifests, compiler="clang-19", keyword="data/")
    results, hellos = runner.run_items(session.items, session.names, session.factory(),
                                       session.context(), session.known)

Every user error (a compiler or adapter that is not there, a broken table, an empty
selection) is a UsageError: one line for the user.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path

from harness.adapters.client import DEFAULT_TIMEOUT, AdapterClient
from harness.adapters.manifest import AdapterSet, AdapterUnavailable, Manifest
from harness.build.toolchain import BuildResult, Compiler, ToolchainError
from harness.probes.probes import PROBE_NAMES, ProbeResult, run_probes
from harness.run import runner
from harness.suite.discovery import DiscoveryError, Item
from harness.suite.expectations import (
    ExpectationsError,
    KnownFailure,
    expectations_path,
    load_known_failures,
)

#: the exit status of a usage error (an unknown adapter, an empty selection, ...)
EXIT_USAGE = 2

class UsageError(Exception):
    """A one-line error for the user; exit status EXIT_USAGE."""


def paths_for(bpf_src: Path | str | None = None, suite_dir: Path | None = None) -> runner.Paths:
    """The repo's paths, or another test tree's (built into `<bpf_src>/../build`): the one
    place a build directory is derived from a source tree."""
    if bpf_src is None:
        return runner.Paths() if suite_dir is None else runner.Paths(suite_dir=suite_dir)
    src = Path(bpf_src).resolve()
    return runner.Paths(runner.REPO_ROOT, src, src.parent / "build",
                        suite_dir or runner.REPO_ROOT / "suite")


def resolve_adapters(names: Sequence[str] | None, adapters: AdapterSet
                     ) -> tuple[list[Manifest], list[str]]:
    """Manifests for the requested adapters (None: the default ones, plus every out-of-tree
    one) and one message per unusable adapter; UsageError when none is named or default."""
    chosen = adapters.selected(names)
    if not chosen:
        raise UsageError("no adapter has default = true; pass --adapter NAME")
    manifests: list[Manifest] = []
    unusable: list[str] = []
    for name in chosen:
        try:
            manifest = adapters.find(name)
            manifest.argv(adapters.repo_root)
            manifests.append(manifest)
        except AdapterUnavailable as exc:
            unusable.append(str(exc))
    return manifests, unusable


def _known_failures(paths: runner.Paths, adapters: Sequence[Manifest]
                    ) -> tuple[dict[str, Path], dict[str, Mapping[str, KnownFailure]]]:
    """Each adapter's expectations table and the known failures read from it (UsageError
    for a broken table)."""
    tables = {m.name: expectations_path(paths.suite_dir, m.name, m.expectations)
              for m in adapters}
    try:
        return tables, {name: load_known_failures(path) for name, path in tables.items()}
    except ExpectationsError as exc:
        raise UsageError(str(exc)) from exc


@dataclass(frozen=True)
class Session:
    """The prepared suite and the adapters it runs on. Open with `Session.open`, or with
    `Session.for_adapters` for adapters without the suite."""

    paths: runner.Paths
    #: the built and discovered suite; None in a session opened with `for_adapters`
    prepared: runner.Prepared | None
    manifests: tuple[Manifest, ...] = ()
    #: adapter name -> its known failures (empty when opened with known=False)
    known: Mapping[str, Mapping[str, KnownFailure]] = field(default_factory=dict)
    #: adapter name -> the expectations table the known failures came from
    tables: Mapping[str, Path] = field(default_factory=dict)
    keyword: str | None = None
    timeout: float = DEFAULT_TIMEOUT

    @classmethod
    def open(cls, paths: runner.Paths, adapters: Sequence[Manifest] = (),
             compiler: str | None = None, keyword: str | None = None,
             timeout: float = DEFAULT_TIMEOUT, *, known: bool = True,
             allow_empty: bool = False,
             compilers: Sequence[Compiler] | None = None) -> Session:
        """Build (cached) and discover the items `keyword` selects, with `compiler` (None:
        the default one); with `known`, read each adapter's known failures. UsageError for
        a toolchain, discovery or table problem, and for an empty selection (nothing ran is
        never green) unless `allow_empty`."""
        try:
            prepared = runner.prepare(paths, compiler, keyword, compilers)
        except (ToolchainError, DiscoveryError) as exc:
            raise UsageError(str(exc)) from exc
        if not prepared.items and not allow_empty:
            what = f"-k {keyword!r} selects" if keyword else "the suite has"
            raise UsageError(f"{what} no item: nothing to run")
        tables, tables_read = _known_failures(paths, adapters) if known else ({}, {})
        return cls(paths, prepared, tuple(adapters), tables_read, tables, keyword, timeout)

    def with_adapters(self, adapters: Sequence[Manifest], *, known: bool = True) -> Session:
        """This session's suite on `adapters` (with `known`, their known failures; UsageError
        for a broken table)."""
        tables, tables_read = _known_failures(self.paths, adapters) if known else ({}, {})
        return replace(self, manifests=tuple(adapters), known=tables_read, tables=tables)

    def narrowed(self, items: Sequence[Item]) -> Session:
        """This session with only `items` of its suite selected."""
        return replace(self, prepared=replace(self.suite, items=list(items)))

    @classmethod
    def for_adapters(cls, paths: runner.Paths, adapters: Sequence[Manifest],
                     timeout: float = DEFAULT_TIMEOUT, *, known: bool = False) -> Session:
        """A session of adapters only, for a front-end that brings its own objects (the
        corpus lane) or items discovered elsewhere (the matrix guest): no build, no items;
        with `known`, the adapters' known failures. UsageError when `adapters` is empty or
        a table is broken."""
        if not adapters:
            raise UsageError("no adapter to run")
        tables, tables_read = _known_failures(paths, adapters) if known else ({}, {})
        return cls(paths, None, tuple(adapters), tables_read, tables, timeout=timeout)

    @property
    def suite(self) -> runner.Prepared:
        """The built and discovered suite (UsageError in a session of adapters only)."""
        if self.prepared is None:
            raise UsageError("this session was opened for adapters only: it has no suite")
        return self.prepared

    @property
    def items(self) -> list[Item]:
        """The selected items (a compile failure is an ERROR item); none without a suite."""
        return [] if self.prepared is None else self.prepared.items

    @property
    def builds(self) -> list[BuildResult]:
        """Every object built (cached) for this session; none without a suite."""
        return [] if self.prepared is None else self.prepared.builds

    @property
    def compiler(self) -> Compiler:
        """The compiler the objects were built with (UsageError without a suite)."""
        return self.suite.compiler

    @property
    def cc_probes(self) -> Mapping[str, ProbeResult]:
        """The compiler's `cc:*` probes, computed once with the build (UsageError without a
        suite)."""
        return self.suite.cc_probes

    @property
    def names(self) -> list[str]:
        """The adapters' names, in order."""
        return [m.name for m in self.manifests]

    def compile_errors(self) -> list[str]:
        """One message per object that did not compile."""
        return [f"compile error: {b.source.rel} ({self.compiler.id}):\n{b.diagnostics}"
                for b in self.builds if not b.ok]

    def unnamed_entries(self) -> list[str]:
        """Known-failure entries that name no item of the suite (only meaningful without a
        keyword)."""
        ids = {i.id for i in self.items}
        return [f"{self.tables[name]}: entry {key!r} names no item"
                for name, table in self.known.items()
                for key in sorted(k for k in set(table) - ids if "::" in k)]

    def context(self, mutate: bool = False, strict: bool = False) -> runner.Context:
        """The kernel context every item shares: kernel id, compiler, the kernel probes (run
        now) with the compiler's, fresh pin roots."""
        return runner.Context(runner.kernel_id(), self.compiler.id,
                              self.suite.probes(run_probes(PROBE_NAMES)), runner.PinRoots(),
                              mutate=mutate, strict=strict)

    def manifest(self, name: str) -> Manifest:
        """The session's manifest of adapter `name` (KeyError: not in the session)."""
        return {m.name: m for m in self.manifests}[name]

    def client(self, name: str) -> AdapterClient:
        """A new client of adapter `name` (started on first use; close it)."""
        return AdapterClient(self.manifest(name), self.paths.repo_root, self.timeout)

    def factory(self) -> runner.ClientFactory:
        """runner.run_items' client factory: a new client per adapter name."""
        return self.client
