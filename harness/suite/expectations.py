"""Known failures per adapter: `suite/expectations/<adapter>.toml`.

```toml
["data/rodata.bpf.c::rodata_signed"]
verdict = "xfail"
reason = "aya reads .rodata as unsigned"
link = "https://github.com/aya-rs/aya/issues/NNN"
```
An entry without a reason is an error. A listed item that FAILs is XFAIL; one that passes
is XPASS, which fails the run until the table is updated.

An optional `kernels = "<6.1"` limits the entry to the kernels it fails on (comma-separated
clauses, all must hold: `">=5.10, <6.4"`; operators `<`, `<=`, `>`, `>=`, `==` on
`major.minor` of the run's kernel release); on any other kernel the item is judged as if
unlisted, so a failure that an old kernel causes does not hide a regression on a new one,
and a pass there is no XPASS.

An XFAIL pins the failure it expects, so that a new bug behind it turns red: `line = N` (the
assertion line the program returns), or `phase = "open"|"load"|"run"|"done"` with `match =
"<regex searched in the failure's reason>"`. A failure that does not match is FAIL ("known
failure changed"). `["request:<field>"]` with `verdict = "skip"` lists a request field the
adapter does not support (its items are SKIP(unsupported), listed); an unsupported skip not
listed is an ERROR under `--strict`.

An optional `versions = ">=v0.16.0, <v0.20.0"` limits the entry to the loader releases it
fails on (the same clauses, on versions such as `v0.16.0`, `0.13.1` or `1.4.7`: a leading `v`
and anything from `-` or `+` on are ignored). The table of a versioned adapter
`<adapter>@<version>` (docs/versions.md) is `<adapter>.toml` less the entries whose range
excludes that version: `load_known_failures` reads a path `<adapter>@<version>.toml` that does
not exist that way. Read without a version, a table keeps every entry.

An optional `compilers = "clang-14, clang-15"` limits the entry to the objects of those
compiler ids (exact ids, comma-separated): a failure that only one compiler's code causes is
listed for it, and the same item built by any other compiler is judged as if unlisted.

Findings fields (docs/findings.md): `class = "divergence" | "by-design" | "gap"`, `upstream =
"<issue/PR URL>" | "unreported"`, `fixed_in = "<version>"`.
"""

from __future__ import annotations

import operator
import re
import tomllib
from collections.abc import Callable
from dataclasses import dataclass, replace
from pathlib import Path

VERDICTS = ("xfail", "skip")
#: `["request:btf_custom_path"]` with `verdict = "skip"`: the adapter does not support that
#: request field, so the items needing it are SKIP(unsupported), listed
REQUEST_PREFIX = "request:"
PHASES = ("open", "load", "run", "done")
CLASSES = ("divergence", "by-design", "gap")
FIELDS = frozenset({"verdict", "reason", "link", "kernels", "line", "phase", "match", "class",
                    "upstream", "fixed_in", "versions", "crash", "compilers"})


class ExpectationsError(Exception):
    """A malformed expectations table (names the file and the entry)."""


_OPS: dict[str, Callable[[tuple[int, int], tuple[int, int]], bool]] = {
    "<=": operator.le, ">=": operator.ge, "==": operator.eq, "<": operator.lt, ">": operator.gt}
_CLAUSE = re.compile(r"^\s*(<=|>=|==|<|>)\s*(\d+)\.(\d+)\s*$")
_RELEASE = re.compile(r"(\d+)\.(\d+)")


_VERSION_OPS: dict[str, Callable[[tuple[int, ...], tuple[int, ...]], bool]] = {
    "<=": operator.le, ">=": operator.ge, "==": operator.eq, "<": operator.lt, ">": operator.gt}
_VERSION_CLAUSE = re.compile(r"^\s*(<=|>=|==|<|>)\s*(v?\d+(?:\.\d+)*(?:[-+]\S*)?)\s*$")


def version_key(version: str) -> tuple[int, ...] | None:
    """`v0.16.0`, `0.13.1`, `1.4.6+v1.4.7` as (0, 16, 0, 0) ...: the numeric dotted release
    (padded to four parts), a leading `v` and any `-pre`/`+build` suffix dropped; None if it
    has no such form."""
    m = re.match(r"^v?(\d+(?:\.\d+)*)(?:[-+].*)?$", version.strip())
    if m is None:
        return None
    parts = tuple(int(p) for p in m.group(1).split("."))
    return parts + (0,) * (4 - len(parts)) if len(parts) < 4 else parts


def version_clauses(spec: str) -> list[tuple[str, tuple[int, ...]]] | None:
    """`">=v0.16.0, <v0.20.0"` as (operator, version key) pairs; None if malformed."""
    out = []
    for part in spec.split(","):
        m = _VERSION_CLAUSE.match(part)
        key = version_key(m.group(2)) if m else None
        if m is None or key is None:
            return None
        out.append((m.group(1), key))
    return out


def version_in(version: str, spec: str) -> bool:
    """Whether `version` satisfies every clause of `spec` (an empty spec: always); a version
    or spec that cannot be read satisfies nothing."""
    if not spec:
        return True
    key, clauses = version_key(version), version_clauses(spec)
    if key is None or clauses is None:
        return False
    return all(_VERSION_OPS[op](key, bound) for op, bound in clauses)


def _clauses(spec: str) -> list[tuple[str, tuple[int, int]]] | None:
    """`">=5.10, <6.4"` as (operator, (major, minor)) pairs; None if malformed."""
    out = []
    for part in spec.split(","):
        m = _CLAUSE.match(part)
        if m is None:
            return None
        out.append((m.group(1), (int(m.group(2)), int(m.group(3)))))
    return out


@dataclass(frozen=True)
class KnownFailure:
    """One listed item: why it is expected to fail, the upstream reference, and optionally
    the kernels it fails on."""

    key: str
    verdict: str
    reason: str
    link: str = ""
    kernels: str = ""
    line: int | None = None
    phase: str | None = None
    match: str | None = None
    klass: str = ""  # `class` in the table
    upstream: str = ""
    fixed_in: str = ""
    #: the loader releases the entry holds for (`versions`), "" for every release
    versions: str = ""
    #: the library itself breaks on the item (the adapter answers error_kind "internal", e.g.
    #: a Go panic it recovered): expected at `phase` with `match`, never taken as a refusal
    crash: bool = False
    #: the compiler ids the entry holds for (`compilers`), "" for every compiler
    compilers: str = ""

    @property
    def pinned(self) -> bool:
        """Whether the entry names the failure it expects (line, or phase + match)."""
        return self.line is not None or (self.phase is not None and self.match is not None)

    def mismatch(self, line: int | None, phase: str | None, reason: str) -> str | None:
        """Why a failure (its returned line, failing phase and reason) is not the listed
        one, or None when it is."""
        if self.line is not None:
            return None if line == self.line else (
                f"expected the assertion at line {self.line}, got "
                + (f"line {line}" if line is not None else f"{phase or '?'}: {reason}"))
        if self.phase is not None and phase != self.phase:
            return f"expected a failure at {self.phase}, got {phase or '?'}: {reason}"
        if self.match is not None and re.search(self.match, reason) is None:
            return f"expected a reason matching /{self.match}/, got: {reason}"
        return None

    def describe(self) -> str:
        """`reason (link)` for reports, with the kernel range when there is one."""
        text = f"{self.reason} ({self.link})" if self.link else self.reason
        text = f"{text} [kernels {self.kernels}]" if self.kernels else text
        return f"{text} [compilers {self.compilers}]" if self.compilers else text

    def applies_to(self, kernel: str, compiler: str | None = None) -> bool:
        """Whether the entry holds on `kernel` (a run's kernel id such as
        `host-6.1.0-37-amd64`; always without `kernels`, or when no version is in it) and
        for objects of `compiler` (always without `compilers`)."""
        if self.compilers and compiler is not None and compiler not in _ids(self.compilers):
            return False
        if not self.kernels:
            return True
        m = _RELEASE.search(kernel)
        clauses = _clauses(self.kernels)
        if m is None or clauses is None:
            return True
        version = (int(m.group(1)), int(m.group(2)))
        return all(_OPS[op](version, bound) for op, bound in clauses)


def load_known_failures(path: Path, version: str | None = None) -> dict[str, KnownFailure]:
    """The entries of one expectations file; a missing file means none. With `version` (or
    for a missing `<adapter>@<version>.toml`: `<adapter>.toml` and that version), only the
    entries whose `versions` range holds it."""
    stem, at, pinned = path.stem.partition("@")
    if at and version is None and not path.exists():
        return load_known_failures(path.with_name(f"{stem}{path.suffix}"), pinned)
    if version is not None and version_key(version) is None:
        raise ExpectationsError(f"{path}: version {version!r} is not a release like v0.16.0")
    if not path.exists():
        return {}
    try:
        data = tomllib.loads(path.read_text())
    except (OSError, tomllib.TOMLDecodeError) as exc:
        raise ExpectationsError(f"{path}: {exc}") from exc
    table: dict[str, KnownFailure] = {}
    for key, entry in data.items():
        where = f"{path}: entry {key!r}"
        request = key.startswith(REQUEST_PREFIX)
        if "::" not in key and not request:
            raise ExpectationsError(f"{where}: key must be '<path under bpf-src>::<program>' "
                                    f"or '{REQUEST_PREFIX}<field>'")
        if not isinstance(entry, dict):
            raise ExpectationsError(f"{where}: must be a table")
        unknown = set(entry) - FIELDS
        if unknown:
            raise ExpectationsError(f"{where}: unknown field(s) {sorted(unknown)}")
        verdict = entry.get("verdict", "xfail")
        if verdict not in VERDICTS:
            raise ExpectationsError(f"{where}: verdict must be one of {VERDICTS}")
        if (verdict == "skip") != request:
            raise ExpectationsError(f"{where}: verdict = \"skip\" goes with a "
                                    f"'{REQUEST_PREFIX}<field>' key (an unsupported request "
                                    "field), verdict = \"xfail\" with an item key")
        reason = entry.get("reason")
        if not isinstance(reason, str) or not reason.strip():
            raise ExpectationsError(f"{where}: has no reason")
        kernels = entry.get("kernels", "")
        if not isinstance(kernels, str) or (kernels and _clauses(kernels) is None):
            raise ExpectationsError(f"{where}: kernels must be like \">=5.10, <6.4\" "
                                    f"(operators < <= > >= == on major.minor), got {kernels!r}")
        table[key] = _pins(where, entry, KnownFailure(
            key, verdict, reason, str(entry.get("link", "")), kernels,
            klass=_opt_text(where, entry, "class", CLASSES), upstream=_opt_text(
                where, entry, "upstream"), fixed_in=_opt_text(where, entry, "fixed_in"),
            versions=_versions(where, entry),
            crash=_crash(where, entry, verdict), compilers=_compilers(where, entry)))
    if version is None:
        return table
    return {k: v for k, v in table.items() if version_in(version, v.versions)}


def _ids(spec: str) -> list[str]:
    return [part.strip() for part in spec.split(",")]


def _compilers(where: str, entry: dict[str, object]) -> str:
    compilers = _opt_text(where, entry, "compilers")
    if compilers and not all(re.fullmatch(r"[A-Za-z0-9][A-Za-z0-9._-]*", c)
                             for c in _ids(compilers)):
        raise ExpectationsError(f"{where}: compilers must be compiler ids like "
                                f"\"clang-14, clang-15\", got {compilers!r}")
    return compilers


def _versions(where: str, entry: dict[str, object]) -> str:
    versions = _opt_text(where, entry, "versions")
    if versions and version_clauses(versions) is None:
        raise ExpectationsError(f"{where}: versions must be like \">=v0.16.0, <v0.20.0\" "
                                f"(operators < <= > >= == on releases), got {versions!r}")
    return versions


def expectations_path(suite_dir: Path, adapter: str, own: Path | None = None) -> Path:
    """Where the expectations of `adapter` live: the table its manifest names (`own`, an
    out-of-tree adapter's), else `suite/expectations/<adapter>.toml`."""
    return own if own is not None else suite_dir / "expectations" / f"{adapter}.toml"


def _opt_text(where: str, entry: dict[str, object], name: str,
              allowed: tuple[str, ...] = ()) -> str:
    value = entry.get(name, "")
    if not isinstance(value, str) or (allowed and value and value not in allowed):
        want = f"one of {allowed}" if allowed else "a string"
        raise ExpectationsError(f"{where}: {name} must be {want}, got {value!r}")
    return value


def _crash(where: str, entry: dict[str, object], verdict: str) -> bool:
    crash = entry.get("crash", False)
    if not isinstance(crash, bool):
        raise ExpectationsError(f"{where}: crash must be true or false, got {crash!r}")
    if crash and (verdict != "xfail" or "line" in entry):
        raise ExpectationsError(f"{where}: crash = true is an xfail pinned by phase + match "
                                "(the library's error), never by an assertion line")
    return crash


def _pins(where: str, entry: dict[str, object], known: KnownFailure) -> KnownFailure:
    """`known` with its line/phase/match, checked: every entry pins what it expects."""
    line, phase, match = entry.get("line"), entry.get("phase"), entry.get("match")
    if line is not None and (not isinstance(line, int) or isinstance(line, bool) or line <= 0):
        raise ExpectationsError(f"{where}: line must be a positive integer, got {line!r}")
    if phase is not None and phase not in PHASES:
        raise ExpectationsError(f"{where}: phase must be one of {PHASES}, got {phase!r}")
    if match is not None:
        if not isinstance(match, str) or not match:
            raise ExpectationsError(f"{where}: match must be a non-empty regex")
        try:
            re.compile(match)
        except re.error as exc:
            raise ExpectationsError(f"{where}: match is not a regex: {exc}") from exc
    if line is not None and (phase is not None or match is not None):
        raise ExpectationsError(f"{where}: give line, or phase + match, not both")
    if known.verdict == "xfail" and line is None and (phase is None or match is None):
        raise ExpectationsError(
            f"{where}: an xfail must pin its failure: line = N (the assertion line), or "
            "phase = \"open|load|run|done\" with match = \"<regex on the reason>\"")
    if known.verdict == "skip" and (line is not None or phase is not None):
        raise ExpectationsError(f"{where}: a skip entry takes match (on the skip reason), "
                                "not line or phase")
    return replace(known, line=line, phase=phase if isinstance(phase, str) else None,
                   match=match if isinstance(match, str) else None)


FINDINGS_DOC = "docs/findings.md"


def load_causes(findings: Path) -> dict[str, str]:
    """`"<adapter>:<item id>"` -> the id of its cause in suite/findings.toml (the anchor of
    its section in docs/findings.md); empty when there is no such file."""
    if not findings.exists():
        return {}
    try:
        data = tomllib.loads(findings.read_text())
    except (OSError, tomllib.TOMLDecodeError) as exc:
        raise ExpectationsError(f"{findings}: {exc}") from exc
    causes: dict[str, str] = {}
    for cause in data.get("cause", []):
        if isinstance(cause, dict) and isinstance(cause.get("id"), str):
            for entry in cause.get("entries", []):
                causes[str(entry)] = cause["id"]
    return causes
