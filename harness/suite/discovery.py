"""Read programs and their `.conform` expectations out of built objects (pyelftools).

An item is (object, program, expectations). Anything wrong with an object's metadata makes
an item whose `error` says precisely what, never a silent pass: an object without
`.conform`, an entry-point program (GLOBAL or WEAK) without metadata, metadata naming a
program the object does not have, an unknown key or value, a behaviour id missing from the
catalogue, a missing `behaviour`/`expect`/`level`, an unreadable ELF. A program marked
`role=fixture` is part of its object but no item.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path

from elftools.common.exceptions import ELFError
from elftools.elf.constants import SH_FLAGS
from elftools.elf.elffile import ELFFile
from elftools.elf.sections import SymbolTableSection

from harness.probes.ccprobes import CC_PROBE_NAMES
from harness.probes.probes import PROBE_NAMES
from harness.suite import catalogue

CONFORM_SECTION = ".conform"
DEFAULT_DATA_IN = "00" * 64
#: `.conform` data_in=none: the test run gets no data at all (request `"data_in": ""`,
#: `"repeat": 0`), for the types whose test run refuses data (raw_tp, syscall)
NO_DATA = "none"
EXPECTS = ("pass", "load_error", "open_error")
LEVELS = ("required", "optional", "implementation-defined")
KEYS = (
    "behaviour", "expect", "level", "requires", "ref", "desc", "data_in",
    "btf_custom_path", "btf_control_path", "role", "before", "ctx_in", "retval", "control",
    "attach", "trigger", "read_iter", "extension",
)
#: `control=define`: a negative program's positive control is the same source compiled with
#: `-DCONFORM_CONTROL` (for a `*.bpfeb.bpf.c` source, as a little-endian object): the program
#: of the same name there has the defect removed and must load and return 0, or the refusal
#: of the defective object proves nothing (docs/writing-tests.md, "Negative tests").
CONTROLS = ("define",)
#: `role=fixture`: part of the object (a `SEC("?...")` program never loaded, a tail-call
#: target) but not itself test-run, so not an item.
ROLES = ("fixture",)
ENTRY_BINDS = ("STB_GLOBAL", "STB_WEAK")
MANDATORY_KEYS = ("behaviour", "expect", "level")
#: what `requires` may name: kernel probes (harness.probes.probes) and compiler probes (cc:*)
REQUIRES_NAMES = (*PROBE_NAMES, *CC_PROBE_NAMES)
PATH_KEYS = ("btf_custom_path", "btf_control_path")


class DiscoveryError(Exception):
    """The suite cannot be discovered at all (empty glob, unreadable catalogue)."""


@dataclass(frozen=True)
class Expectations:
    """What one program's `.conform` entries say about it."""

    behaviour: str
    expect: str
    level: str
    requires: tuple[str, ...] = ()
    ref: str = ""
    desc: str = ""
    data_in: str = DEFAULT_DATA_IN
    btf_custom_path: str | None = None
    btf_control_path: str | None = None
    #: a setup step run first under the same pin root: (object path, program); see `before`
    before: tuple[str, str] | None = None
    #: hex `ctx_in` for BPF_PROG_TEST_RUN (sk_lookup's struct bpf_sk_lookup), or None
    ctx_in: str | None = None
    #: the retval that means PASS; 0 unless the type limits its return (sk_lookup: 0/1)
    retval: int = 0
    #: how a negative program's positive control is built (`define`), or None
    control: str | None = None
    #: programs of the object the adapter attaches (its library's attach call) after the
    #: load, and the program it test-runs then, before this one (docs/adapter-protocol.md,
    #: "Attach"): `attach=a,b`, `trigger=a`
    attach: tuple[str, ...] = ()
    trigger: str | None = None
    #: an iterator program of the object whose iterator the adapter makes and reads to its
    #: end after the attaches and the trigger, before this one (docs/adapter-protocol.md,
    #: "Iterators"): `read_iter=a`
    read_iter: str | None = None
    #: an extension (freplace) program of another object, loaded against this program and
    #: attached before it runs (docs/adapter-protocol.md, "Extensions"): (object path,
    #: program); `extension=<object path>:<program>`
    extension: tuple[str, str] | None = None


@dataclass(frozen=True)
class Item:
    """One (object, program) pair to test-run, or an ERROR describing why it cannot be."""

    obj: Path
    source: Path
    rel: str
    program: str
    expectations: Expectations | None = None
    error: str | None = None
    #: the positive control object (`control=define`: the CONFORM_CONTROL build), if built
    control_obj: Path | None = None
    #: the object was not built because the compiler lacks a construct it uses: the
    #: absent `cc:*` probe and why (a SKIP by probe; see ccprobes.explain_failure)
    unbuilt: tuple[str, str] | None = None

    @property
    def id(self) -> str:
        """`<source path relative to bpf-src>::<program>`, e.g. `data/rodata.bpf.c::x`."""
        return f"{self.rel}::{self.program}"


@dataclass
class _Raw:
    values: dict[str, str] = field(default_factory=dict)
    problems: list[str] = field(default_factory=list)


def load_catalogue(path: Path) -> frozenset[str]:
    """The behaviour ids of suite/catalogue.toml (a TOML table keyed by id)."""
    try:
        return frozenset(k for k, v in catalogue.read(path).items() if isinstance(v, dict))
    except catalogue.CatalogueError as exc:
        raise DiscoveryError(str(exc)) from exc


def read_conform(data: bytes) -> list[str]:
    """The NUL-separated strings of a `.conform` section, without empty ones."""
    return [s.decode("utf-8", "replace") for s in data.split(b"\0") if s]


def entry_programs(elf: ELFFile) -> list[str]:
    """GLOBAL or WEAK FUNC symbols in executable sections other than `.text`, in order."""
    symtab = elf.get_section_by_name(".symtab")
    if not isinstance(symtab, SymbolTableSection):
        return []
    names: list[str] = []
    for sym in symtab.iter_symbols():
        if sym["st_info"]["type"] != "STT_FUNC" or sym["st_info"]["bind"] not in ENTRY_BINDS:
            continue
        shndx = sym["st_shndx"]
        if not isinstance(shndx, int):
            continue
        sec = elf.get_section(shndx)
        if sec.name != ".text" and sec["sh_flags"] & SH_FLAGS.SHF_EXECINSTR:
            names.append(sym.name)
    return names


def _check_value(key: str, value: str, catalogue: frozenset[str]) -> str | None:
    if key == "behaviour" and value not in catalogue:
        return f"behaviour {value!r} is not in suite/catalogue.toml"
    if key == "expect" and value not in EXPECTS:
        return f"expect={value!r} is not one of {', '.join(EXPECTS)}"
    if key == "level" and value not in LEVELS:
        return f"level={value!r} is not one of {', '.join(LEVELS)}"
    if key == "control" and value not in CONTROLS:
        return f"control={value!r} is not one of {', '.join(CONTROLS)}"
    if key == "role" and value not in ROLES:
        return f"role={value!r} is not one of {', '.join(ROLES)}"
    if key == "data_in" and value != NO_DATA:
        try:
            bytes.fromhex(value)
        except ValueError:
            return f"data_in={value!r} is not a hex string"
    if key == "ctx_in":
        try:
            if not bytes.fromhex(value):
                return "ctx_in= is empty (omit the key for no ctx_in)"
        except ValueError:
            return f"ctx_in={value!r} is not a hex string"
    if key == "retval" and not (value.isdigit() and int(value) < 1 << 32):
        return f"retval={value!r} is not an unsigned 32-bit decimal integer"
    if key in ("before", "extension"):
        obj, sep, prog = value.rpartition(":")
        if not (sep and obj and prog):
            return f"{key}={value!r} is not '<object path>:<program>'"
    if key in ("attach", "trigger", "read_iter") and not all(
            p.isidentifier() for p in (_split_list(value) if key == "attach" else [value])):
        return f"{key}={value!r} is not a comma-separated list of program names"
    if key == "requires":
        unknown = [p for p in _split_list(value) if p not in REQUIRES_NAMES]
        if unknown:
            return (f"requires names unknown probes {unknown} "
                    f"(known: {', '.join(REQUIRES_NAMES)})")
    return None


def _split_list(value: str) -> list[str]:
    return [p.strip() for p in value.split(",") if p.strip()]


def parse_entries(entries: Iterable[str], catalogue: frozenset[str]) -> dict[str, _Raw]:
    """Group `prog:key=value` strings by program, recording every problem found."""
    by_prog: dict[str, _Raw] = {}
    for entry in entries:
        prog, sep1, rest = entry.partition(":")
        key, sep2, value = rest.partition("=")
        if not (sep1 and sep2 and prog):
            by_prog.setdefault("<malformed>", _Raw()).problems.append(
                f"malformed .conform entry {entry!r} (want prog:key=value)")
            continue
        raw = by_prog.setdefault(prog, _Raw())
        if key not in KEYS:
            raw.problems.append(f"unknown .conform key {key!r} (known: {', '.join(KEYS)})")
            continue
        problem = _check_value(key, value, catalogue)
        if problem:
            raw.problems.append(problem)
        if key == "requires" and key in raw.values:
            raw.values[key] += "," + value
        elif key in raw.values:
            raw.problems.append(f"duplicate .conform key {key!r}")
        else:
            raw.values[key] = value
    return by_prog


def _data_in(value: str) -> str:
    """The request's data_in: hex, or "" for `data_in=none` (no data)."""
    return "" if value == NO_DATA else value.lower()


def _expectations(raw: _Raw, obj_dir: Path) -> Expectations | str:
    missing = [k for k in MANDATORY_KEYS if k not in raw.values]
    if missing:
        raw.problems.append(f"missing .conform key(s): {', '.join(missing)}")
    if "trigger" in raw.values and "attach" not in raw.values:
        raw.problems.append("trigger= without attach= (the trigger runs what is attached)")
    if raw.problems:
        return "; ".join(raw.problems)
    v = raw.values
    paths = {k: str((obj_dir / v[k]).resolve()) if k in v else None for k in PATH_KEYS}
    before = _object_program(v.get("before"), obj_dir)
    return Expectations(
        behaviour=v["behaviour"], expect=v["expect"], level=v["level"],
        requires=tuple(_split_list(v.get("requires", ""))), ref=v.get("ref", ""),
        desc=v.get("desc", ""), data_in=_data_in(v.get("data_in", DEFAULT_DATA_IN)),
        btf_custom_path=paths["btf_custom_path"], btf_control_path=paths["btf_control_path"],
        before=before, ctx_in=v["ctx_in"].lower() if "ctx_in" in v else None,
        retval=int(v.get("retval", "0")), control=v.get("control"),
        attach=tuple(_split_list(v.get("attach", ""))), trigger=v.get("trigger"),
        read_iter=v.get("read_iter"), extension=_object_program(v.get("extension"), obj_dir),
    )


def _object_program(value: str | None, obj_dir: Path) -> tuple[str, str] | None:
    """`<object path relative to obj_dir>:<program>` as (absolute object path, program)."""
    if value is None:
        return None
    obj, _, prog = value.rpartition(":")
    return (str((obj_dir / obj).resolve()), prog)


def discover_object(obj: Path, source: Path, rel: str, catalogue: frozenset[str]) -> list[Item]:
    """Every item of one object; problems become items with `error` set."""
    def error(program: str, reason: str) -> Item:
        return Item(obj, source, rel, program, error=reason)

    try:
        with obj.open("rb") as fh:
            elf = ELFFile(fh)
            programs = entry_programs(elf)
            section = elf.get_section_by_name(CONFORM_SECTION)
            entries = None if section is None else read_conform(section.data())
    except (OSError, ELFError, ValueError) as exc:
        return [error("<object>", f"{obj}: unreadable ELF: {exc}")]
    if entries is None:
        return [error("<object>", f"{obj}: no {CONFORM_SECTION} section (no expectations)")]
    by_prog = parse_entries(entries, catalogue)
    items: list[Item] = []
    for prog in programs:
        raw = by_prog.pop(prog, None)
        if raw is None:
            items.append(error(prog, f"program {prog!r} has no {CONFORM_SECTION} metadata"))
            continue
        if raw.values.get("role") == "fixture":  # not test-run; its metadata still checked
            if raw.problems:
                items.append(error(prog, "; ".join(raw.problems)))
            continue
        exp = _expectations(raw, obj.parent)
        items.append(error(prog, exp) if isinstance(exp, str)
                     else Item(obj, source, rel, prog, expectations=exp))
    for prog, raw in by_prog.items():
        problems = "; ".join(raw.problems)
        reason = (problems if prog == "<malformed>" else
                  f"{CONFORM_SECTION} names program {prog!r}, which is not an entry-point "
                  "program of the object")
        items.append(error(prog, reason))
    return items


def discover(
    objects: Mapping[str, tuple[Path, Path]], catalogue: frozenset[str]
) -> list[Item]:
    """Items of every object; `objects` maps rel path -> (object path, source path)."""
    if not objects:
        raise DiscoveryError("no test objects: the bpf-src/**/*.bpf.c glob is empty")
    items: list[Item] = []
    for rel in sorted(objects):
        obj, source = objects[rel]
        items.extend(discover_object(obj, source, rel, catalogue))
    return items
