"""`bpfconform new <family>/<name>`: scaffold a test program and its catalogue entry.

Writes `bpf-src/<family>/<name>.bpf.c` (purpose line, TEST()/desc/ref metadata, one
assertion that passes on a correct loader) and appends a `["<family>.<name>"]` skeleton with
every field to `suite/catalogue.toml` (`--behaviour ID` of an existing entry: the program
tests it, nothing is appended). Refuses to overwrite: an existing file, or an existing
default id, is an error and nothing is written.
"""

from __future__ import annotations

import argparse
import re
import sys
import tomllib
from dataclasses import dataclass
from pathlib import Path

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

CATALOGUE_TEMPLATE = """
["{id}"]
family = "{family}"
title = "TODO one line"
ref = "TODO: libbpf function, kernel doc section, LLVM doc"
evidence = []
mutation = "TODO: what a loader skipping it does (implement in refloader/mutations.py)"
"""


class ScaffoldError(Exception):
    """The target exists already, or the name is not usable."""


@dataclass(frozen=True)
class Scaffolded:
    """What `new` wrote."""

    source: Path
    behaviour: str
    catalogue: Path
    appended: bool = True


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
    known = bid in tomllib.loads(catalogue.read_text())
    if known and behaviour is None:
        raise ScaffoldError(f"behaviour {bid!r} is already in {catalogue.relative_to(root)} "
                            f"(to add a program to it: --behaviour {bid})")
    source.parent.mkdir(parents=True, exist_ok=True)
    with source.open("x") as f:
        f.write(PROGRAM_TEMPLATE.format(name=name, id=bid))
    if not known:  # an existing id named with --behaviour keeps its entry
        with catalogue.open("a") as f:
            f.write(CATALOGUE_TEMPLATE.format(id=bid, family=family))
    return Scaffolded(source, bid, catalogue, appended=not known)


def add_arguments(p: argparse.ArgumentParser) -> None:
    """Arguments of `bpfconform new`."""
    p.add_argument("target", help="<family>/<name>: bpf-src/<family>/<name>.bpf.c")
    p.add_argument("--behaviour", default=None,
                   help="catalogue id (default: <family>.<name>)")


def cmd_new(args: argparse.Namespace) -> int:
    """Scaffold; print what was written and the next steps."""
    root = Path(__file__).resolve().parent.parent
    try:
        done = scaffold(root, args.target, args.behaviour)
    except ScaffoldError as exc:
        print(f"bpfconform new: {exc}", file=sys.stderr)
        return 1
    rel = done.source.relative_to(root)
    print(f"wrote {rel}")
    print(f"appended [\"{done.behaviour}\"] to suite/catalogue.toml" if done.appended else
          f"tests the existing [\"{done.behaviour}\"] of suite/catalogue.toml")
    name = rel.name.removesuffix(".bpf.c")
    print(f"next: edit every TODO (CONTRIBUTING.md), then\n"
          f"  bpfconform run -k {name} --adapter libbpf --adapter python\n"
          f"  bpfconform sensitivity --adapter python -k {name}\n  bpfconform lint")
    return 0
