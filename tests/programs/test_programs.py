"""The test programs themselves: they compile with every clang, carry their metadata, and
name catalogue behaviours that say how a loader skipping them would fail."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path
from typing import Any

import pytest
from elftools.elf.elffile import ELFFile
from require import require

from harness.build import toolchain
from harness.probes import ccprobes
from harness.run.runner import REPO_ROOT
from harness.suite import discovery

BPF_SRC = REPO_ROOT / "bpf-src"
BUILD = REPO_ROOT / "build"
CATALOGUE_PATH = REPO_ROOT / "suite" / "catalogue.toml"
COMPILERS = tuple(toolchain.discover_compilers())
#: the compilers the suite is written for: every program must build with each of them
CLANGS = tuple(c for c in COMPILERS if c.kind != "gcc")
#: gcc-bpf (installed by .ci/install, never the default) builds what its `cc:*` probes allow
GCCS = tuple(c for c in COMPILERS if c.kind == "gcc")
SOURCES = tuple(s for s in toolchain.find_sources(BPF_SRC) if not s.is_btf_stub)
PURPOSE_RE = re.compile(r"^/\* \S.*\S \*/$")
INCLUDE_RE = re.compile(r'^\s*#\s*include\s*[<"]([^>"]+)[>"]', re.MULTILINE)
FORBIDDEN_HEADER_RE = re.compile(
    r"(bpf/|linux/|asm/|vmlinux\.h|bpf_helpers\.h|bpf_tracing\.h|bpf_core_read\.h"
    r"|bpf_endian\.h|bpf_helper_defs\.h)"
)
COMMENT_RE = re.compile(r"/\*.*?\*/|//[^\n]*", re.DOTALL)
UNPATCHED_RE = re.compile(r"unpatched|loader|not (adjusted|relocated|patched|applied)")
CATALOGUE_FIELDS = ("family", "title", "ref", "mutation")
FAMILIES = tuple(sorted({s.rel.split("/", 1)[0] for s in SOURCES}))


def _catalogue() -> dict[str, Any]:
    return tomllib.loads(CATALOGUE_PATH.read_text())


def _built(compiler: toolchain.Compiler) -> dict[str, Path]:
    """Build (or reuse the cached build of) every test object; rel path -> object."""
    results = toolchain.build_all(compiler, BPF_SRC, BUILD, jobs=2)
    broken = [f"{r.source.rel}:\n{r.diagnostics}" for r in results if not r.ok]
    assert not broken, f"{compiler.id} cannot compile:\n" + "\n".join(broken)
    return {r.source.rel: r.obj for r in results if not r.source.is_btf_stub}


def _need_compiler() -> None:
    require(COMPILERS, "no clang found", ".ci/install (apt-get install clang-19)")


def test_the_suite_has_programs_and_a_compiler() -> None:
    assert SOURCES, "bpf-src/**/*.bpf.c is empty"
    _need_compiler()


@pytest.mark.parametrize("compiler", CLANGS, ids=[c.id for c in CLANGS])
def test_every_program_compiles_with(compiler: toolchain.Compiler) -> None:
    assert len(_built(compiler)) == len(SOURCES)


def test_gcc_bpf_is_installed() -> None:
    require(GCCS, "no gcc-bpf (bpf-gcc) found", ".ci/install (apt-get install gcc-bpf)")


@pytest.mark.parametrize("compiler", GCCS, ids=[c.id for c in GCCS])
def test_every_gcc_bpf_build_failure_is_explained_by_an_absent_cc_probe(
        compiler: toolchain.Compiler) -> None:
    """gcc-bpf cannot build every program: each object it refuses fails on a construct
    one of its absent `cc:*` probes names (ccprobes.explain_failure: the harness SKIPs it
    by that probe); an error of any other kind is a new gap, or a bug in how the
    toolchain drives gcc, and the harness makes it an ERROR."""
    probes = toolchain.cc_probes(compiler, BUILD)
    results = toolchain.build_all(compiler, BPF_SRC, BUILD, jobs=2)
    assert any(r.ok for r in results if not r.source.is_btf_stub), "gcc-bpf built nothing"
    unexplained = [f"{r.source.rel}:\n{r.diagnostics[-600:]}" for r in results
                   if not r.ok and not ccprobes.explain_failure(r.diagnostics, probes)]
    assert not unexplained, "\n".join(unexplained)


@pytest.mark.parametrize("family", FAMILIES)
def test_every_program_of_the_family_is_fully_described(family: str) -> None:
    """Each object discovers without an ERROR item: every entry program has behaviour,
    expect and level, every id is in the catalogue, no metadata names a missing program."""
    _need_compiler()
    catalogue = discovery.load_catalogue(CATALOGUE_PATH)
    objects = _built(toolchain.default_compiler(COMPILERS))
    problems: list[str] = []
    mine = {rel: discovery.discover_object(obj, BPF_SRC / rel, rel, catalogue)
            for rel, obj in sorted(objects.items()) if rel.startswith(f"{family}/")}
    # an extension object (`extension=` of another object's item) holds only its fixture
    extensions = {Path(i.expectations.extension[0]).resolve() for items in mine.values()
                  for i in items if i.expectations and i.expectations.extension}
    for rel, items in mine.items():
        if not items and objects[rel].resolve() not in extensions:
            problems.append(f"{rel}: no entry-point program")
        problems += [f"{i.id}: {i.error}" for i in items if i.error]
    assert not problems, "\n".join(problems)


@pytest.mark.parametrize("source", SOURCES, ids=[s.rel for s in SOURCES])
def test_first_line_is_a_one_line_purpose_comment(source: toolchain.Source) -> None:
    first = source.path.read_text().splitlines()[0]
    assert PURPOSE_RE.match(first), f"{source.rel}:1 is not a one-line /* purpose */ comment"


def _includes(path: Path, seen: set[Path]) -> list[str]:
    """Every `#include` target reachable from `path` through quoted local headers."""
    found: list[str] = []
    for target in INCLUDE_RE.findall(path.read_text()):
        found.append(target)
        for base in (path.parent, BPF_SRC / "include"):
            header = (base / target).resolve()
            if header.is_file() and header not in seen:
                seen.add(header)
                found += _includes(header, seen)
                break
    return found


@pytest.mark.parametrize("source", SOURCES, ids=[s.rel for s in SOURCES])
def test_program_includes_conformance_h_and_no_libbpf_header(source: toolchain.Source) -> None:
    included = _includes(source.path, set())
    assert "conformance.h" in included, f"{source.rel} does not include conformance.h"
    bad = [h for h in included if FORBIDDEN_HEADER_RE.match(h)]
    assert not bad, f"{source.rel} includes libbpf/kernel headers: {bad}"


def test_conformance_h_includes_nothing() -> None:
    text = (BPF_SRC / "include" / "conformance.h").read_text()
    assert not re.findall(r"^\s*#\s*include", text, re.MULTILINE)


@pytest.mark.parametrize("source", SOURCES, ids=[s.rel for s in SOURCES])
def test_source_says_what_an_unpatched_loader_gives(source: toolchain.Source) -> None:
    text = source.path.read_text()
    comments = " ".join(COMMENT_RE.findall(text.partition("\n")[2]))
    if "TEST(" in text:
        assert UNPATCHED_RE.search(comments), (
            f"{source.rel}: no comment in a program saying what an unpatched loader gives "
            "(e.g. `/* unpatched: 0 */`)"
        )


def test_every_catalogue_entry_has_family_title_ref_and_mutation() -> None:
    problems = []
    for bid, entry in _catalogue().items():
        for key in CATALOGUE_FIELDS:
            value = entry.get(key)
            if not isinstance(value, str) or not value.strip():
                problems.append(f"[{bid}] has no {key}")
        if not (BPF_SRC / str(entry.get("family", ""))).is_dir():
            problems.append(f"[{bid}] family {entry.get('family')!r} is not a bpf-src/ folder")
        if not bid.startswith(f"{entry.get('family')}."):
            problems.append(f"[{bid}] id does not start with its family")
        if not isinstance(entry.get("evidence", []), list):
            problems.append(f"[{bid}] evidence is not a list of links")
    assert not problems, "\n".join(problems)


def _metadata(obj: Path) -> dict[str, dict[str, str]]:
    with obj.open("rb") as fh:
        section = ELFFile(fh).get_section_by_name(discovery.CONFORM_SECTION)
        entries = discovery.read_conform(section.data()) if section is not None else []
    by_prog: dict[str, dict[str, str]] = {}
    for entry in entries:
        prog, _, rest = entry.partition(":")
        key, _, value = rest.partition("=")
        by_prog.setdefault(prog, {})[key] = value
    return by_prog


def test_every_program_has_desc_ref_and_a_behaviour_of_its_own_family() -> None:
    _need_compiler()
    compiler = toolchain.default_compiler(COMPILERS)
    catalogue = _catalogue()
    problems = []
    for rel, obj in sorted(_built(compiler).items()):
        family = rel.split("/", 1)[0]
        for prog, meta in _metadata(obj).items():
            if meta.get("role") == "fixture":  # not test-run: needs no behaviour or ref
                continue
            for key in ("desc", "ref"):
                if not meta.get(key):
                    problems.append(f"{rel}::{prog} has no {key}")
            entry = catalogue.get(meta.get("behaviour", ""), {})
            if entry and entry.get("family") != family:
                problems.append(
                    f"{rel}::{prog}: behaviour {meta['behaviour']} belongs to "
                    f"family {entry.get('family')}, not {family}"
                )
    assert not problems, "\n".join(problems)


def test_every_catalogue_entry_is_tested_and_negative_tests_exist() -> None:
    _need_compiler()
    compiler = toolchain.default_compiler(COMPILERS)
    used: dict[str, list[str]] = {}
    for rel, obj in sorted(_built(compiler).items()):
        for prog, meta in _metadata(obj).items():
            used.setdefault(meta.get("expect", ""), []).append(f"{rel}::{prog}")
            used.setdefault(meta.get("behaviour", ""), []).append(f"{rel}::{prog}")
    untested = sorted(set(_catalogue()) - set(used))
    assert not untested, f"catalogue entries no program tests: {untested}"
    assert len(used.get("load_error", [])) >= 3, "fewer than 3 negative (load_error) programs"


def test_every_conform_key_is_documented_in_conformance_h_and_writing_tests() -> None:
    """conformance.h's key list and docs/writing-tests.md's table name exactly the keys
    harness/suite/discovery.py accepts: a key added to one place is added to all three."""
    header = (BPF_SRC / "include" / "conformance.h").read_text()
    listed = header[header.index(" * Keys ("):header.index(" * Values must not contain")]
    in_header = set(re.findall(r"^ \*   ([a-z_]+)\s", listed, re.MULTILINE))
    table = (REPO_ROOT / "docs" / "writing-tests.md").read_text()
    in_doc = set(re.findall(r"^\| `([a-z_]+)` \|", table, re.MULTILINE))
    keys = set(discovery.KEYS)
    assert in_header == keys, (sorted(keys - in_header), sorted(in_header - keys))
    assert keys <= in_doc, sorted(keys - in_doc)
