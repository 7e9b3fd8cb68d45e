"""`bpfconform check [PATHS] [-k SUBSTR]`: the contributor's one command.

For the selected test sources (PATHS, or the items whose id holds SUBSTR; neither: the
whole suite) it runs, in order and every step even when an earlier one failed:

1. `lint`: harness.contrib.lint on those sources and the catalogue entries they name;
2. `build`: every available clang (toolchain.discover_compilers; not gcc-bpf, which lacks
   constructs the suite uses: tests/programs checks why each of its failures fails) builds
   them without an error item;
3. `run`: every item PASSes (or is an expected XFAIL) on every default adapter (`--adapter`
   to choose), with the default compiler;
4. `sensitivity`: the mutation check (harness.checks.sensitivity.check) of every required item
   through the reference loader: each must be proven sensitive on this kernel (an item a
   feature probe makes not checkable here is not proven, so it is missing too);
5. `docs`: docs/behaviours.md regenerated from the catalogue and the objects (written when
   stale: commit it), every selected item's behaviour documented.

Prints one line per step and what is missing, and exits 1 when anything is (2: usage).
"""

from __future__ import annotations

import argparse
import importlib.util
import sys
from dataclasses import dataclass, field, replace
from pathlib import Path
from types import ModuleType

from harness.adapters.client import DEFAULT_TIMEOUT, AdapterError
from harness.adapters.manifest import AdapterUnavailable
from harness.build import toolchain
from harness.checks import sensitivity
from harness.commands import cmdargs
from harness.commands.subcommand import Subcommand
from harness.contrib import lint
from harness.run import runner
from harness.run.session import Session, UsageError, paths_for
from harness.run.verdict import BAD_VERDICTS
from harness.suite.catalogue import read as read_catalogue
from harness.suite.discovery import DiscoveryError, Item

#: the adapter whose `skip` switch proves sensitivity
MUTATION_ADAPTER = "python"
DOC = Path("docs") / "behaviours.md"
DOC_GENERATOR = Path("tests") / "programs" / "behaviours_doc.py"


@dataclass
class Step:
    """One step's outcome: what is missing (empty: done) and what to know."""

    name: str
    missing: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        """Nothing is missing."""
        return not self.missing


def add_arguments(p: argparse.ArgumentParser) -> None:
    """Arguments of `bpfconform check`."""
    p.add_argument("paths", nargs="*", type=Path, metavar="PATH",
                   help="test sources to check (bpf-src/<family>/<name>.bpf.c)")
    p.add_argument("-k", dest="keyword", metavar="SUBSTR", help="only items whose id has it")
    p.add_argument("--adapter", action="append", metavar="NAME",
                   help="adapters to run (repeatable; default: manifests with default = true)")
    cmdargs.add_adapter_source_args(p)
    p.add_argument("--mutation-adapter", default=MUTATION_ADAPTER, metavar="NAME",
                   help="the adapter whose skip switch proves sensitivity (default: python)")
    p.add_argument("--timeout", type=float, default=DEFAULT_TIMEOUT, metavar="S")


def _selected(items: list[Item], sources: set[Path]) -> list[Item]:
    return [i for i in items if not sources or i.source.resolve() in sources]


def _first(text: str | None) -> str:
    return text.splitlines()[0] if text else ""


def lint_step(paths: runner.Paths, sources: list[Path]) -> Step:
    """harness.contrib.lint on the sources and the catalogue entries they name."""
    step = Step("lint")
    try:
        result = lint.run(paths.bpf_src, paths.suite_dir / "catalogue.toml", sources)
    except lint.LintUnavailable as exc:
        return Step("lint", [f"lint cannot run: {exc}"])
    step.missing = [str(f) for f in result.findings]
    for rule in sorted({f.rule for f in result.known}):
        names = sorted({f.subject for f in result.known if f.rule == rule})
        step.notes.append(f"known {rule} gaps (harness/contrib/lint.py KNOWN_GAPS, not failing): "
                          f"{', '.join(names)}")
    return step


def build_steps(args: argparse.Namespace, sources: set[Path]
                ) -> tuple[Step, Session | None]:
    """Build with every compiler; the default compiler's preparation for the next steps."""
    step = Step("build")
    found = [c for c in toolchain.discover_compilers() if c.kind != "gcc"]
    if not found:
        return Step("build", ["no compiler found (.ci/install: clang-19)"]), None
    default = toolchain.select_compiler(found, None)
    chosen: Session | None = None
    for compiler in found:
        try:
            session = Session.open(paths_for(None), compiler=compiler.id,
                                   keyword=args.keyword, known=False, timeout=args.timeout)
        except UsageError as exc:
            step.missing.append(f"{compiler.id}: {exc}")
            continue
        mine = _selected(session.items, sources)
        if not mine:
            step.missing.append(f"{compiler.id}: the selection holds no item")
        step.missing += [f"{compiler.id}: {i.id}: {_first(i.error)}" for i in mine if i.error]
        if compiler.id == default.id:
            chosen = session.narrowed(mine)
    step.notes.append(f"compilers: {', '.join(c.id for c in found)}")
    return step, chosen


def run_step(args: argparse.Namespace, suite: Session) -> Step:
    """Every item on every chosen adapter: PASS, or an expected XFAIL."""
    step = Step("run")
    manifests, unusable = cmdargs.adapters(args.adapter, cmdargs.adapter_set(args))
    if unusable:
        step.missing.append(f"{unusable} adapter(s) unusable (see above): build them")
    try:
        session = suite.with_adapters(manifests)
    except UsageError as exc:
        return Step("run", [str(exc)])
    results, _ = runner.run_items(session.items, session.names, session.factory(),
                                  session.context(), session.known)
    for r in results:
        if r.verdict in BAD_VERDICTS or r.verdict.name == "SKIP":
            step.missing.append(f"{r.adapter}: {r.item.id}: {r.verdict} "
                                f"{_first(r.outcome.reason)}")
    step.notes.append(f"{len(results)} results on {', '.join(m.name for m in manifests)}")
    return step


def sensitivity_step(args: argparse.Namespace, suite: Session) -> Step:
    """The mutation check of every required item through the reference loader."""
    step = Step("sensitivity")
    targets = sensitivity.targets(suite.items)
    if not targets:
        return Step("sensitivity", ["no required program in the selection: nothing proves "
                                    "the test sensitive"])
    try:
        rules = sensitivity.catalogue_rules(suite.paths.suite_dir / "catalogue.toml")
        manifest = cmdargs.adapter_set(args).find(args.mutation_adapter)
    except (DiscoveryError, AdapterUnavailable) as exc:
        return Step("sensitivity", [str(exc)])
    session = suite.with_adapters((manifest,), known=False)
    ctx = session.context(mutate=True)
    with session.client(manifest.name) as client:
        try:
            hello = client.hello()
        except AdapterError as exc:
            return Step("sensitivity", [f"adapter {manifest.name}: {exc.cause}"])
        if "skip" not in hello.supports:
            return Step("sensitivity", [f"adapter {manifest.name} has no skip switch"])
        plain = runner.AdapterRun(manifest.name, client, replace(ctx, mutate=False))
        mutated = runner.AdapterRun(manifest.name, client, ctx)
        checks = [sensitivity.check(i, plain, mutated, rules) for i in targets]
    ctx.pins.remove_base_if_empty()
    for c in checks:
        if not c.sensitive and c.kind is not sensitivity.Kind.KERNEL_ENFORCED:
            step.missing.append(c.line())
        elif c.kind is sensitivity.Kind.REFUSED:
            step.notes.append(f"{c.item.id}: sensitive by a refusal the catalogue explains, "
                              "not by an assertion")
    step.notes += sensitivity.summary(checks)
    return step


def _generator(root: Path) -> ModuleType | None:
    path = root / DOC_GENERATOR
    spec = importlib.util.spec_from_file_location("behaviours_doc", path)
    if spec is None or spec.loader is None or not path.is_file():
        return None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # its dataclasses look their module up there
    spec.loader.exec_module(module)
    return module


def docs_step(session: Session) -> Step:
    """docs/behaviours.md regenerated (written when stale) and naming every behaviour."""
    step = Step("docs")
    paths = session.paths
    gen = _generator(paths.repo_root)
    if gen is None:
        return Step("docs", [f"{DOC_GENERATOR} is missing: cannot regenerate {DOC}"])
    objects = {b.source.rel: b.obj for b in session.builds
               if b.ok and not b.source.is_btf_stub}
    catalogue = read_catalogue(paths.suite_dir / "catalogue.toml")
    text = str(gen.render(catalogue, gen.program_rows(objects)))
    doc = paths.repo_root / DOC
    if not doc.exists() or doc.read_text() != text:
        doc.parent.mkdir(parents=True, exist_ok=True)
        doc.write_text(text)
        step.notes.append(f"{DOC} was stale: regenerated, commit it")
    for item in session.items:
        bid = item.expectations.behaviour if item.expectations else None
        if bid and f"### `{bid}`" not in text:
            step.missing.append(f"{DOC} does not list {bid} ({item.id})")
    return step


def cmd_check(args: argparse.Namespace) -> int:
    """Every step; one summary; 1 when anything is missing."""
    paths = runner.Paths()
    missing_paths = [str(p) for p in args.paths if not p.is_file()]
    if missing_paths:
        raise UsageError(f"no such file: {', '.join(missing_paths)}")
    sources = {p.resolve() for p in args.paths}
    if not sources and not args.keyword:
        print("check: no PATH and no -k: checking the whole suite", file=sys.stderr)
    build, session = build_steps(args, sources)
    lint_sources = sorted(sources) or (sorted({i.source.resolve() for i in session.items})
                                       if session and args.keyword else [])
    steps = [lint_step(paths, lint_sources), build]
    if session is None or not session.items:
        steps += [Step(s, ["nothing built to run"]) for s in ("run", "sensitivity", "docs")]
    else:
        steps += [run_step(args, session), sensitivity_step(args, session), docs_step(session)]
    for s in steps:
        print(f"{'ok     ' if s.ok else 'MISSING'} {s.name}"
              + (f" ({len(s.missing)})" if s.missing else ""))
        for line in s.missing:
            print(f"    {line}")
        for line in s.notes:
            print(f"    . {line}")
    bad = [s.name for s in steps if not s.ok]
    print(f"check: {len(steps) - len(bad)}/{len(steps)} steps done"
          + (f"; missing: {', '.join(bad)}" if bad else ""))
    return 1 if bad else 0


SUBCOMMANDS = (Subcommand("check", "lint+build+run+sensitivity+docs", add_arguments, cmd_check),)
