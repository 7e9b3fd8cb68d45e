"""`bpfconform new <family>/<name>`: scaffold a test program and its catalogue entry.

Writes `bpf-src/<family>/<name>.bpf.c` (purpose line, TEST()/desc/ref metadata, one
assertion that passes on a correct loader) and appends a `["<family>.<name>"]` skeleton with
every field to `suite/catalogue.toml` (`--behaviour ID` of an existing entry: the program
tests it, nothing is appended). For a new id it also stubs the reference loader's mutation
in `runners/python/refloader/mutations.py`: a `Plan` knob and a `MUTATIONS` entry whose hook
refuses the skip ("mutation `<id>` is not implemented: ... honour it in refloader/<module>")
until the contributor honours the knob and swaps the hook for `_set(<knob>=False)`.
Refuses to overwrite: an existing file, or an existing default id, is an error and nothing
is written. Every placeholder holds `TODO`, which `bpfconform lint` refuses.
"""

from __future__ import annotations

import ast
import re
from dataclasses import dataclass
from pathlib import Path

from harness.suite.catalogue import read as read_catalogue

_IDENT = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
_FAMILY = re.compile(r"^[a-z][a-z0-9_]*$")

PROGRAM_TEMPLATE = """\
/* TODO one line: the loader behaviour {name} checks. */
#include "conformance.h"

/* TODO: replace with what the loader is responsible for (a relocated value, a map...). */
int {name}_value = 42;

TEST({name}, "{id}", "pass", "required");
CONFORM({name}, "desc", "TODO one line: what the program checks");
CONFORM({name}, "ref", "TODO: the libbpf function or kernel doc section that specifies it");
SEC("socket")
int {name}(void *ctx)
{{
	ASSERT_EQ({name}_value, 42);  /* unpatched (TODO: what a loader skipping it gives): 0 */
	PASS();
}}
"""

#: the scaffold's placeholder phrases: `bpfconform lint` refuses them even without `TODO`
PLACEHOLDERS = (
    "one line: the loader behaviour",
    "one line: what the program checks",
    "the libbpf function or kernel doc section that specifies it",
    "what a loader skipping it gives",
    "replace with what the loader is responsible for",
)

CATALOGUE_TEMPLATE = """
["{id}"]
family = "{family}"
title = "TODO one line"
ref = "TODO: libbpf function, kernel doc section, LLVM doc"
evidence = []
mutation = "TODO: what a loader skipping it does (implement in refloader/mutations.py)"
"""

MUTATIONS_PY = Path("runners") / "python" / "refloader" / "mutations.py"
#: the lines of mutations.py above which `new` inserts the knob and the MUTATIONS entry
KNOB_MARKER = "    # `bpfconform new` adds a scaffolded behaviour's knob above this line\n"
ENTRY_MARKER = "    # `bpfconform new` adds a scaffolded behaviour's entry above this line\n"
KNOB_TEMPLATE = """\
    #: TODO {id}: honour it in refloader/{module}, e.g.
    #: `if not plan.{knob}: <what a loader skipping it does>`
    {knob}: bool = True
"""
ENTRY_TEMPLATE = """\
    # TODO {id}: honour plan.{knob} in refloader/{module},
    # then make this hook _set({knob}=False) and say in one sentence what it does
    Mutation("{id}", "TODO: what a loader skipping it does",
             _not_implemented("{id}")),
"""


class ScaffoldError(Exception):
    """The target exists already, or the name is not usable."""


@dataclass(frozen=True)
class MutationStub:
    """The knob and entry `new` added to the reference loader's mutations.py."""

    path: Path
    knob: str
    #: the module of refloader/ where the one line honouring the knob goes
    module: str


@dataclass(frozen=True)
class Scaffolded:
    """What `new` wrote."""

    source: Path
    behaviour: str
    catalogue: Path
    appended: bool = True
    #: None: an existing id (its mutation exists) or no reference loader in this tree
    mutation: MutationStub | None = None


def honoured_in(mutations_text: str, family: str) -> str:
    """The refloader module honouring `family`'s knobs, from mutations.py's HONOURED_IN
    table (the one source: the loader's error names the same module)."""
    target: ast.expr
    value: ast.expr | None
    for node in ast.parse(mutations_text).body:
        if isinstance(node, ast.AnnAssign):
            target, value = node.target, node.value
        elif isinstance(node, ast.Assign):
            target, value = node.targets[0], node.value
        else:
            continue
        if isinstance(target, ast.Name) and target.id == "HONOURED_IN" and value is not None:
            table = ast.literal_eval(value)
            if isinstance(table, dict):
                return str(table.get(family, "loader.py"))
    return "loader.py"


def _mutation_stub(root: Path, bid: str, family: str) -> tuple[MutationStub, str] | None:
    """The stub and mutations.py's new text, or None when the tree has no reference loader;
    ScaffoldError when mutations.py lacks the markers or already has the knob."""
    path = root / MUTATIONS_PY
    if not path.is_file():
        return None
    text = path.read_text()
    knob = re.sub(r"\W", "_", bid)
    if KNOB_MARKER not in text or ENTRY_MARKER not in text:
        raise ScaffoldError(f"{MUTATIONS_PY} lacks the `bpfconform new` marker lines: "
                            "nothing written")
    if re.search(rf"^\s*{knob}\s*:", text, re.M) or f'"{bid}"' in text:
        raise ScaffoldError(f"{MUTATIONS_PY} already has a knob {knob} or an entry "
                            f"{bid!r}: nothing written")
    module = honoured_in(text, family)
    fields = {"id": bid, "knob": knob, "module": module}
    text = text.replace(KNOB_MARKER, KNOB_TEMPLATE.format(**fields) + KNOB_MARKER, 1)
    text = text.replace(ENTRY_MARKER, ENTRY_TEMPLATE.format(**fields) + ENTRY_MARKER, 1)
    return MutationStub(path, knob, module), text


def parse_target(target: str) -> tuple[str, str]:
    """`<family>/<name>` -> (family, name); the name becomes the program (a C identifier)."""
    family, sep, name = target.removesuffix(".bpf.c").partition("/")
    if not sep or not _FAMILY.match(family) or not _IDENT.match(name):
        raise ScaffoldError(f"expected <family>/<name> (family: lower-case word, name: a C "
                            f"identifier), got {target!r}")
    return family, name


def scaffold(root: Path, target: str, behaviour: str | None = None) -> Scaffolded:
    """Create the program and append the catalogue entry; write nothing on any conflict."""
    family, name = parse_target(target)
    if name == "socket":
        raise ScaffoldError("the program may not be named like its section (socket)")
    bid = behaviour or f"{family}.{name}"
    source = root / "bpf-src" / family / f"{name}.bpf.c"
    catalogue = root / "suite" / "catalogue.toml"
    if source.exists():
        raise ScaffoldError(f"{source.relative_to(root)} exists: not overwritten")
    known = bid in read_catalogue(catalogue)
    if known and behaviour is None:
        raise ScaffoldError(f"behaviour {bid!r} is already in {catalogue.relative_to(root)} "
                            f"(to add a program to it: --behaviour {bid})")
    stub = None if known else _mutation_stub(root, bid, bid.partition(".")[0])
    source.parent.mkdir(parents=True, exist_ok=True)
    with source.open("x") as f:
        f.write(PROGRAM_TEMPLATE.format(name=name, id=bid))
    if not known:  # an existing id named with --behaviour keeps its entry and its mutation
        with catalogue.open("a") as f:
            f.write(CATALOGUE_TEMPLATE.format(id=bid, family=family))
    if stub is not None:
        stub[0].path.write_text(stub[1])
    return Scaffolded(source, bid, catalogue, appended=not known,
                      mutation=stub[0] if stub else None)
