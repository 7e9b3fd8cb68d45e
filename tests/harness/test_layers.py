"""The harness's rooms hold (import-linter `layers` contract `harness-layers` in pyproject.toml,
beside the reference loader's): front-ends on top and imported by nothing, only they import
the commands room, every module in a named room, and no import cycle in harness/."""

from __future__ import annotations

import ast
import shutil
import subprocess
import tomllib
from pathlib import Path
from typing import Any

import grimp

from harness.run.runner import REPO_ROOT

FRONT_ENDS = {"harness.cli", "harness.pytest_plugin", "harness.matrix.__main__"}


def _contract() -> dict[str, Any]:
    data = tomllib.loads((REPO_ROOT / "pyproject.toml").read_text())
    (contract,) = [c for c in data["tool"]["importlinter"]["contracts"]
                   if c.get("id") == "harness-layers"]
    assert isinstance(contract, dict)
    return contract


def _rows() -> list[list[str]]:
    return [[m.strip() for m in row.split("|")] for row in _contract()["layers"]]


def _graph() -> grimp.ImportGraph:
    return grimp.build_graph("harness", cache_dir=None)


def test_the_harness_layers_contract_is_kept() -> None:
    exe = shutil.which("lint-imports")
    assert exe, "lint-imports (import-linter) is not installed: pip install -e .[dev]"
    res = subprocess.run([exe, "--no-cache", "--contract", "harness-layers"], cwd=REPO_ROOT,
                         capture_output=True, text=True, timeout=300)
    assert res.returncode == 0, res.stdout + res.stderr
    assert "1 kept, 0 broken" in res.stdout, res.stdout


def test_the_front_ends_are_the_top_layer_and_nothing_imports_them() -> None:
    assert set(_rows()[0]) == {"harness.cli", "harness.pytest_plugin"}
    # `python3 -m harness.matrix` must live in the matrix room: its import of the commands
    # room is the one the contract ignores
    assert _contract()["ignore_imports"] == ["harness.matrix.__main__ -> harness.commands.matrix"]
    graph = _graph()
    for front_end in FRONT_ENDS:
        assert graph.find_modules_that_directly_import(front_end) == set(), front_end


def test_only_the_front_ends_import_the_commands_room() -> None:
    assert _rows()[1] == ["harness.commands"]
    graph = _graph()
    importers = {m for c in graph.find_descendants("harness.commands")
                 for m in graph.find_modules_that_directly_import(c)}
    outside = sorted(m for m in importers if not m.startswith("harness.commands."))
    assert set(outside) <= FRONT_ENDS, outside


def test_every_module_is_in_a_named_room() -> None:
    # a room is a row entry and all its descendants; import-linter checks nothing else
    named = {m for row in _rows() for m in row}
    graph = _graph()
    loose = sorted(m for m in graph.modules - {"harness"}
                   if not any(m == n or m.startswith(n + ".") for n in named))
    assert loose == [], f"put these in a room of pyproject.toml's harness-layers: {loose}"


def import_cycles(graph: grimp.ImportGraph) -> list[list[str]]:
    """Every back edge of a depth-first search over the direct imports, as the cycle it
    closes (empty: the graph is acyclic)."""
    state: dict[str, int] = {}  # 1: on the stack, 2: done
    cycles: list[list[str]] = []
    for root in sorted(graph.modules):
        if root in state:
            continue
        stack = [root]
        todo = [iter(sorted(graph.find_modules_directly_imported_by(root)))]
        state[root] = 1
        while todo:
            nxt = next(todo[-1], None)
            if nxt is None:
                state[stack.pop()] = 2
                todo.pop()
            elif state.get(nxt) == 1:
                cycles.append([*stack[stack.index(nxt):], nxt])
            elif nxt not in state:
                state[nxt] = 1
                stack.append(nxt)
                todo.append(iter(sorted(graph.find_modules_directly_imported_by(nxt))))
    return cycles


def test_the_harness_import_graph_has_no_cycle() -> None:
    assert import_cycles(_graph()) == []


def test_the_cycle_search_finds_a_cycle() -> None:
    graph = grimp.ImportGraph()
    for a, b in [("p.a", "p.b"), ("p.b", "p.c"), ("p.c", "p.a"), ("p.a", "p.d")]:
        graph.add_import(importer=a, imported=b)
    assert import_cycles(graph) == [["p.a", "p.b", "p.c", "p.a"]]


def _calls(path: Path) -> set[str]:
    """The dotted names every call in `path` calls (`AdapterClient`, `runner.prepare`, ...)."""
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Call):
            names.add(ast.unparse(node.func))
    return names


#: what only harness/run/session.py may do for a front-end: start an adapter client, build
#: and discover the suite, read an expectations table
SESSION_ONLY = {"AdapterClient", "runner.prepare", "prepare", "builder.build",
                "load_known_failures"}


def test_every_front_end_goes_through_the_session() -> None:
    front = sorted([*(REPO_ROOT / "harness/commands").glob("*.py"),
                    REPO_ROOT / "harness/pytest_plugin.py", REPO_ROOT / "harness/cli.py",
                    REPO_ROOT / "harness/matrix/guest.py"])  # the matrix's in-VM driver
    offenders = {p.relative_to(REPO_ROOT).as_posix(): sorted(_calls(p) & SESSION_ONLY)
                 for p in front}
    assert {k: v for k, v in offenders.items() if v} == {}
    # and each command that runs adapters opens one (corpus and adapters: Session.for_adapters)
    for name in ("run", "corpus", "oracle", "sensitivity", "versions", "check"):
        text = (REPO_ROOT / "harness/commands" / f"{name}.py").read_text()
        assert "Session" in text or "open_session" in text, name
