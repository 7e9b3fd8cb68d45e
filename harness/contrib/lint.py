"""`bpfconform lint`: check every test source through the libclang bindings.

Rules (docs: CONTRIBUTING.md), each reported as `file:line: message`:

* `purpose`: the first line is a one-line purpose comment (`/* ... */`).
* `libbpf-header`: no `#include` of a libbpf header (`bpf/...`): tests use conformance.h.
* `metadata`: each program (a function with a `SEC()` other than `.text`) has metadata:
  `TEST(prog, ...)` (or a family's wrapper `<X>_TEST(prog, ...)`, e.g. `CORE_TEST`) or
  `CONFORM(prog, "role", "fixture")`.
* `return`: every `return` in a program goes through an assertion macro (`ASSERT*`,
  `PASS()`), returns 0 or `__LINE__` (what the macros expand to), or returns the result
  of a checking function of the same file (whose returns are then checked the same way;
  `ASSERT_OK(f())` is the clearer form). A deliberate exception carries its reason on the
  same line: `/* lint: return-ok <why> */`. Fixture programs and programs that must not
  load (`expect` `load_error`/`open_error`: they never run) are exempt.
* `todo`, `placeholder`: no `TODO` marker and none of the scaffold's placeholder phrases
  (`bpfconform new` writes them; each finding says what goes there).
* `unpatched`: beside every assertion (on its statement, or in a comment of the lines just
  above it), what a loader that skipped the behaviour gives: `/* unpatched (...): 0 */`.
* `vocabulary`: `expect` is one of discovery.EXPECTS, `level` one of discovery.LEVELS.
* `control`: a negative program (`expect` `load_error`/`open_error`) declares
  `CONFORM(p, "control", "define")` and its file has an `#ifdef CONFORM_CONTROL` variant.
* `catalogue`, `evidence`: each entry of `suite/catalogue.toml` (the whole catalogue for a
  tree lint, the behaviours the linted files name otherwise) has a `title`, `ref`,
  `mutation` and a non-empty `evidence` list of upstream links (https://...), none of
  them a placeholder.

KNOWN_GAPS lists what the tree lacked when a rule was added (files for `unpatched`,
catalogue ids for `evidence`): they are named on every run and do not fail it; an entry
that is no longer a gap is a `stale-gap` finding (remove it from the list).

Test sources are `bpf-src/**/*.bpf.c` and the static-linking parts `bpf-src/**/*.part.c`.
The bindings are the pip `clang` package with the `libclang` wheel's shared library.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from harness.suite.catalogue import CatalogueError
from harness.suite.catalogue import parse as parse_catalogue
from harness.suite.catalogue import read as read_catalogue

ASSERT_MACROS = frozenset({
    "ASSERT", "ASSERT_EQ", "ASSERT_NE", "ASSERT_LT", "ASSERT_LE", "ASSERT_GT", "ASSERT_GE",
    "ASSERT_NULL", "ASSERT_NOT_NULL", "ASSERT_OK", "PASS",
})
NOT_PROGRAM_SECTIONS = frozenset({".text", ".maps", "license", "version", ".rodata", ".data",
                                  ".bss", ".kconfig", ".ksyms"})
WAIVER = "lint: return-ok"
_PURPOSE_RE = re.compile(r"^/\*\s*\S.*\*/\s*$")
_LIBBPF_INCLUDE_RE = re.compile(r'^\s*#\s*include\s*[<"]bpf/')
_TODO_RE = re.compile(r"\bTODO\b")
_UNPATCHED_RE = re.compile(r"unpatched\b[^:\n]*:")
_CONTROL_IF_RE = re.compile(r"^\s*#\s*(?:if|ifdef|ifndef|elif)\b.*\bCONFORM_CONTROL\b")
_UPSTREAM_RE = re.compile(r"^https://\S+$")
NEGATIVE = ("load_error", "open_error")
#: what each placeholder should become, by what the line holds
_FIXES = (
    ('"desc"', "write one line saying what the program checks"),
    ('"ref"', "name the libbpf function, kernel doc section or LLVM doc that specifies it"),
    ("unpatched", "say what a loader that skipped the behaviour gives at this assertion"),
    ("replace with", "use what the loader is responsible for (a relocated value, a map...)"),
)


class LintUnavailable(Exception):
    """The libclang bindings cannot be loaded."""


@dataclass(frozen=True)
class Finding:
    """One rule violation at a source line."""

    path: str
    line: int
    rule: str
    message: str
    #: what KNOWN_GAPS names it by: the source relative to bpf-src, or a catalogue id
    subject: str = ""

    def __str__(self) -> str:
        return f"{self.path}:{self.line}: {self.message} [{self.rule}]"


@dataclass(frozen=True)
class LintResult:
    """Findings (each fails the lint) and known gaps (named, not failing)."""

    findings: list[Finding]
    known: list[Finding]
    files: int


#: Gaps the tree had when the rule came (each is named on every run; fix it, then remove it
#: here: a listed entry that is no longer a gap is a `stale-gap` finding).
KNOWN_GAPS: dict[str, frozenset[str]] = {
    # test sources (relative to bpf-src) with assertions that say nothing of what an
    # unpatched loader gives
    "unpatched": frozenset(),
    # catalogue ids without upstream evidence of a loader getting the behaviour wrong
    "evidence": frozenset({
        "calls.global", "calls.global.linkage", "calls.hidden", "calls.other_section",
        "core.ambiguous", "core.array",
        "core.array.pointer", "core.enumval_exists", "core.enumval_value",
        "core.field_byte_size", "core.field_exists", "core.field_mem_size",
        "core.modifiers", "core.type_exists", "core.type_id_local", "core.type_id_target",
        "core.type_matches", "core.type_size", "core.vmlinux", "data.data",
        "data.reloc.addend", "data.reloc.symbol", "data.rodata.frozen",
        "data.rodata.readonly", "data.writable", "externs.kconfig.missing",
        "externs.kfunc.missing", "externs.kfunc.weak", "link.funcs", "link.maps",
        "link.vars", "maps.btf.size", "maps.btf.type", "maps.btf.typedef",
        "maps.create_error", "maps.distinct", "maps.flags", "maps.map_extra",
        "maps.max_entries", "maps.reloc", "maps.type", "pinning.incompatible",
        "pinning.inner", "prog.autoload", "prog.license", "prog.license.missing",
        "prog.version", "values.nesting", "values.target",
    }),
}


def cindex() -> Any:
    """The `clang.cindex` module, configured with the libclang wheel's library."""
    try:
        import clang.cindex as ci
    except ImportError as exc:
        raise LintUnavailable("pip install clang libclang (the lint extra)") from exc
    if not ci.Config.loaded:
        native = Path(ci.__file__).parent / "native" / "libclang.so"
        if native.exists():
            ci.Config.set_library_file(str(native))
        # the `clang` bindings may be newer than the wheel's libclang: missing entry points
        # are ones lint does not call
        ci.Config.set_compatibility_check(False)
    try:
        ci.Index.create()
    except Exception as exc:  # the bindings raise LibclangError (an Exception) and OSError
        raise LintUnavailable(f"libclang cannot be loaded: {exc}") from exc
    return ci


def test_sources(bpf_src: Path) -> list[Path]:
    """Every test source under bpf_src (`*.bpf.c` and `*.part.c`), sorted."""
    return sorted({*bpf_src.rglob("*.bpf.c"), *bpf_src.rglob("*.part.c")})


def _macro_args(cursor: Any) -> list[str]:
    """The top-level comma-separated argument spellings of a macro instantiation."""
    toks = [t.spelling for t in cursor.get_tokens()]
    args: list[str] = []
    depth, cur = 0, ""
    for t in toks[1:]:
        if t == "(":
            depth += 1
            if depth == 1:
                continue
        elif t == ")":
            depth -= 1
            if depth == 0:
                break
        if depth == 1 and t == ",":
            args.append(cur)
            cur = ""
        else:
            cur += t
    if cur:
        args.append(cur)
    return args


def _is_meta_macro(name: str) -> bool:
    """SEC, CONFORM, TEST and a family's TEST wrapper (`CORE_TEST(prog, ...)`)."""
    return name in ("SEC", "CONFORM", "TEST") or name.endswith("_TEST")


def _placeholder_findings(name: str, lines: Sequence[str]) -> list[Finding]:
    """`todo` and `placeholder`: what the scaffold left for the contributor to write."""
    from harness.contrib.scaffold import PLACEHOLDERS  # scaffold owns the phrases it writes

    out: list[Finding] = []
    for n, text in enumerate(lines, 1):
        phrase = next((p for p in PLACEHOLDERS if p in text), None)
        todo = _TODO_RE.search(text) is not None
        if not todo and phrase is None:
            continue
        fix = ("write one line saying what loader behaviour this file checks" if n == 1
               else next((f for key, f in _FIXES if key in text),
                         "finish it, or delete the note if nothing is left to do"))
        what = "a TODO marker" if todo else f"the placeholder {phrase!r}"
        out.append(Finding(name, n, "placeholder" if phrase or n == 1 else "todo",
                           f"unfinished, {what}: {fix}"))
    return out


def _unpatched_said(lines: Sequence[str], line: int) -> bool:
    """Whether the assertion starting at `line` (1-based) says what an unpatched loader
    gives: on its own statement lines, or in the comment lines just above it (a comment
    may cover a group of assertions that follow it without a blank line)."""
    i = line - 1
    for j in range(i, min(i + 6, len(lines))):
        if _UNPATCHED_RE.search(lines[j]):
            return True
        if ";" in lines[j]:
            break
    j = i - 1
    while j >= 0 and lines[j].strip() and not lines[j].rstrip().endswith(("{", "}")):
        if _UNPATCHED_RE.search(lines[j]):
            return True
        j -= 1
    return False


def _unquote(arg: str) -> str | None:
    """The value of a string-literal macro argument, None for anything else."""
    return arg[1:-1] if len(arg) >= 2 and arg[0] == arg[-1] == '"' else None


def _split_calls(toks: Sequence[str]) -> list[tuple[str, list[str]]]:
    """`TEST(...)`/`CONFORM(...)` calls in a token list, with their argument spellings."""
    calls: list[tuple[str, list[str]]] = []
    i = 0
    while i < len(toks) - 1:
        if toks[i] in ("TEST", "CONFORM") and toks[i + 1] == "(":
            args: list[str] = []
            cur, depth, j = "", 0, i + 1
            while j < len(toks):
                tok = toks[j]
                depth += (tok == "(") - (tok == ")")
                if depth == 0:
                    break
                if depth == 1 and tok == ",":
                    args.append(cur)
                    cur = ""
                elif j > i + 1:
                    cur += tok
                j += 1
            calls.append((toks[i], [*args, cur]))
            i = j
        i += 1
    return calls


Wrappers = dict[str, tuple[list[str], list[str]]]


def _entries(macro: str, args: list[str], wrappers: Wrappers) -> list[tuple[str, str, str]]:
    """(program, key, value spelling) of one metadata macro: TEST, CONFORM or a family
    wrapper, expanded through its definition (`CORE_TEST(p, id, level, ref, desc)`)."""
    if macro == "TEST" and len(args) >= 4:
        return [(args[0], k, v) for k, v in zip(("behaviour", "expect", "level"), args[1:4],
                                                 strict=True)]
    if macro == "CONFORM" and len(args) >= 3:
        key = _unquote(args[1])
        return [(args[0], key, args[2])] if key else []
    if macro in wrappers:
        params, body = wrappers[macro]
        subst = dict(zip(params, args, strict=False))
        toks = [subst.get(tok, tok) for tok in body]
        return [e for m, a in _split_calls(toks) for e in _entries(m, a, {})]
    return []


def _wrappers(ci: Any, tu: Any) -> Wrappers:
    """Family metadata wrappers (`#define CORE_TEST(prog, ...) TEST(...); CONFORM(...)`):
    name -> (parameter names, body tokens)."""
    out: Wrappers = {}
    for c in tu.cursor.get_children():
        if c.kind != ci.CursorKind.MACRO_DEFINITION or not c.spelling.endswith("_TEST"):
            continue
        toks = [tok.spelling for tok in c.get_tokens()]
        if len(toks) < 3 or toks[1] != "(" or ")" not in toks:
            continue
        close = toks.index(")")
        out[c.spelling] = ([tok for tok in toks[2:close] if tok != ","], toks[close + 1:])
    return out


def _metadata_findings(name: str, lines: Sequence[str],
                       entries: Sequence[tuple[str, str, str, int]]) -> list[Finding]:
    """`vocabulary` and `control` from every program's metadata entries."""
    from harness.suite.discovery import EXPECTS, LEVELS

    out: list[Finding] = []
    expect: dict[str, tuple[str, int]] = {}
    control: set[str] = set()
    vocab = {"expect": EXPECTS, "level": LEVELS}
    for prog, key, raw, line in entries:
        value = _unquote(raw)
        if value is None:
            continue
        if key == "expect":
            expect[prog] = (value, line)
        if key == "control" and value == "define":
            control.add(prog)
        allowed = vocab.get(key)
        if allowed is not None and value not in allowed:
            out.append(Finding(name, line, "vocabulary", f"{key} {value!r} of program "
                               f"'{prog}' is not one of: {', '.join(allowed)}"))
    has_variant = any(_CONTROL_IF_RE.match(x) for x in lines)
    for prog, (value, line) in sorted(expect.items()):
        if value not in NEGATIVE:
            continue
        missing = [w for w, ok in ((f'CONFORM({prog}, "control", "define")', prog in control),
                                   ("an #ifdef CONFORM_CONTROL variant without the defect",
                                    has_variant)) if not ok]
        if missing:
            out.append(Finding(name, line, "control", f"negative program '{prog}' (expect="
                               f"{value}) has no positive control: add "
                               f"{' and '.join(missing)} (docs/writing-tests.md)"))
    return out


def lint_file(path: Path, include_dir: Path, shown: str | None = None,
              subject: str = "") -> list[Finding]:
    """Every finding of one test source (`shown`: the path printed in findings; `subject`:
    its path relative to bpf-src, what KNOWN_GAPS names)."""
    ci = cindex()
    name = shown or str(path)
    lines = path.read_text(errors="replace").splitlines()
    findings: list[Finding] = []
    if not lines or not _PURPOSE_RE.match(lines[0]):
        findings.append(Finding(name, 1, "purpose", "the first line must be a one-line "
                                "purpose comment /* ... */"))
    for n, text in enumerate(lines, 1):
        if _LIBBPF_INCLUDE_RE.match(text):
            findings.append(Finding(name, n, "libbpf-header", "tests include conformance.h, "
                                    "never a libbpf header (bpf/*.h)"))
    findings.extend(_placeholder_findings(name, lines))
    tu = ci.Index.create().parse(
        str(path), args=["-target", "bpfel", "-I", str(include_dir), "-I", str(path.parent)],
        options=ci.TranslationUnit.PARSE_DETAILED_PROCESSING_RECORD)
    main = str(path)
    secs: list[tuple[int, str]] = []
    meta: dict[str, set[str]] = {}
    funcs: list[Any] = []
    wrappers = _wrappers(ci, tu)
    entries: list[tuple[str, str, str, int]] = []
    for c in tu.cursor.get_children():
        if c.location.file is None or c.location.file.name != main:
            continue
        if (c.kind == ci.CursorKind.MACRO_INSTANTIATION and c.spelling in ASSERT_MACROS
                and c.spelling != "PASS" and not _unpatched_said(lines, c.location.line)):
            findings.append(Finding(name, c.location.line, "unpatched", f"{c.spelling} "
                                    "does not say what a loader that skipped the behaviour "
                                    "gives: add /* unpatched (<what it skipped>): <value> */ "
                                    "on its line or in a comment just above"))
        if c.kind == ci.CursorKind.MACRO_INSTANTIATION and _is_meta_macro(c.spelling):
            args = _macro_args(c)
            entries.extend((p, k, v, c.location.line)
                           for p, k, v in _entries(c.spelling, args, wrappers))
            if c.spelling == "SEC" and args:
                secs.append((c.location.line, args[0].strip('"').lstrip("?")))
            elif args:
                keys = meta.setdefault(args[0], set())
                keys.add("TEST" if c.spelling.endswith("TEST") else
                         "fixture" if args[1:3] == ['"role"', '"fixture"'] else "CONFORM")
                if ((c.spelling == "TEST" and args[2:3] in (['"load_error"'], ['"open_error"']))
                        or args[1:3] in (['"expect"', '"load_error"'],
                                         ['"expect"', '"open_error"'])):
                    keys.add("never-runs")
        elif c.kind == ci.CursorKind.FUNCTION_DECL and c.is_definition():
            funcs.append(c)
    for f in funcs:
        start = f.extent.start.line
        sec = next((s for ln, s in secs if start <= ln <= f.location.line
                    or ln == start - 1), None)
        if sec is None or sec in NOT_PROGRAM_SECTIONS:
            continue
        keys = meta.get(f.spelling, set())
        if not keys & {"TEST", "fixture"}:
            findings.append(Finding(name, f.location.line, "metadata", f"program "
                                    f"'{f.spelling}' has no TEST({f.spelling}, ...) and is "
                                    "not a CONFORM(..., \"role\", \"fixture\")"))
        if keys & {"fixture", "never-runs"}:
            continue
        by_name = {g.spelling: g for g in funcs}
        todo, seen = [f], {f.spelling}
        while todo:
            g = todo.pop()
            for finding, callee in _check_returns(ci, tu, g, f.spelling, lines, name):
                if callee is None:
                    findings.append(finding)
                elif callee in by_name and callee not in seen:
                    seen.add(callee)
                    todo.append(by_name[callee])
                elif callee not in by_name:
                    findings.append(finding)
    findings.extend(_metadata_findings(name, lines, entries))
    if subject:
        findings = [replace(f, subject=subject) for f in findings]
    return sorted(set(findings), key=lambda x: (x.line, x.rule))


def _check_returns(ci: Any, tu: Any, func: Any, prog: str, lines: Sequence[str], name: str
                   ) -> Iterable[tuple[Finding, str | None]]:
    """Findings of `func`'s returns, each with the callee it returns the result of (or
    None): the caller accepts that finding's return when the callee is a local function."""
    size = len("\n".join(lines))
    stack = list(func.get_children())
    while stack:
        node = stack.pop()
        stack.extend(node.get_children())
        if node.kind != ci.CursorKind.RETURN_STMT:
            continue
        loc = node.location
        if loc.file is None:
            continue
        end = min(loc.offset + 64, size)
        toks = [t.spelling for t in tu.get_tokens(
            extent=tu.get_extent(loc.file.name, (loc.offset, end)))][:4]
        if toks and toks[0] in ASSERT_MACROS:
            continue
        if toks[:3] in (["return", "0", ";"], ["return", "__LINE__", ";"]):
            continue
        if 0 < loc.line <= len(lines) and WAIVER in lines[loc.line - 1]:
            continue
        where = f"program '{prog}'" if func.spelling == prog else \
            f"'{func.spelling}' (checking function of program '{prog}')"
        callee = toks[1] if len(toks) > 2 and toks[0] == "return" and toks[2] == "(" else None
        yield Finding(name, loc.line, "return", f"a return in {where} neither goes through "
                      "an assertion macro nor returns 0 (deliberate? say why: "
                      f"/* {WAIVER} <reason> */)"), callee


def lint_tree(bpf_src: Path) -> list[Finding]:
    """Every finding of every test source under bpf_src; paths shown relative to its parent."""
    return lint_sources(bpf_src, test_sources(bpf_src))


def lint_sources(bpf_src: Path, paths: Iterable[Path]) -> list[Finding]:
    """Every finding of these test sources (shown relative to bpf_src's parent when under
    it, else as given)."""
    root = bpf_src.resolve()
    out: list[Finding] = []
    for path in paths:
        full = path.resolve()
        if full.is_relative_to(root):
            shown, subject = str(full.relative_to(root.parent)), str(full.relative_to(root))
        else:
            shown, subject = str(path), ""
        out.extend(lint_file(full, root / "include", shown, subject))
    return out


def _toml_lines(text: str) -> dict[str, dict[str, int]]:
    """Catalogue id -> {"": its header line, key: the line of `key =`} (1-based)."""
    where: dict[str, dict[str, int]] = {}
    cur: dict[str, int] | None = None
    for n, line in enumerate(text.splitlines(), 1):
        head = re.match(r'^\[\s*"([^"]+)"\s*\]', line)
        if head:
            cur = where.setdefault(head.group(1), {"": n})
        elif cur is not None:
            key = re.match(r"^([A-Za-z_]+)\s*=", line)
            if key:
                cur.setdefault(key.group(1), n)
    return where


#: the catalogue's text fields and what each must say
CATALOGUE_FIELDS = {
    "title": "one line saying what loaders must do",
    "ref": "the libbpf function, kernel doc section or LLVM doc that specifies it",
    "mutation": "one sentence: what a loader that skips the behaviour does (the reference "
                "loader's MUTATIONS entry does exactly that)",
}


def lint_catalogue(catalogue: Path, ids: Iterable[str] | None = None,
                   shown: str | None = None) -> list[Finding]:
    """Findings of the catalogue entries `ids` (default: every entry): `title`, `ref`,
    `mutation` written, `evidence` a non-empty list of upstream links."""
    name = shown or str(catalogue)
    text = catalogue.read_text()
    try:
        data = parse_catalogue(text, name)
    except CatalogueError as exc:
        return [Finding(name, 1, "catalogue", f"not valid TOML: {exc.__cause__}")]
    lines = _toml_lines(text)
    out: list[Finding] = []
    for bid in sorted(data) if ids is None else sorted(set(ids)):
        entry = data.get(bid)
        at = lines.get(bid, {})
        head = at.get("", 1)
        if not isinstance(entry, dict):
            out.append(Finding(name, 1, "catalogue", f"no entry [\"{bid}\"], which a "
                               "program names (bpfconform new writes one)", bid))
            continue
        for key, fix in CATALOGUE_FIELDS.items():
            value = entry.get(key)
            if not isinstance(value, str) or not value.strip() or _TODO_RE.search(value):
                what = "is missing" if value is None else "is unfinished"
                out.append(Finding(name, at.get(key, head), "catalogue",
                                   f"[\"{bid}\"] {key} {what}: {fix}", bid))
        ev = entry.get("evidence")
        if (not isinstance(ev, list) or not ev
                or not all(isinstance(e, str) and _UPSTREAM_RE.match(e) for e in ev)):
            out.append(Finding(name, at.get("evidence", head), "evidence",
                               f"[\"{bid}\"] evidence = {ev!r}: list upstream links "
                               "(https://: the issue, PR or commit where a real loader got it "
                               "wrong, else the upstream code or doc that specifies it)", bid))
    return out


_BEHAVIOUR_RES = (
    re.compile(r'\b[A-Z_]*TEST\(\s*\w+\s*,\s*"([^"]+)"'),
    re.compile(r'\bCONFORM\(\s*\w+\s*,\s*"behaviour"\s*,\s*"([^"]+)"'),
)


def behaviours_named(paths: Iterable[Path]) -> set[str]:
    """Catalogue ids the metadata of these sources names (literal TEST/CONFORM arguments)."""
    return {m for p in paths for rx in _BEHAVIOUR_RES
            for m in rx.findall(p.read_text(errors="replace"))}


def split_known(findings: Iterable[Finding]) -> tuple[list[Finding], list[Finding]]:
    """(findings, known gaps): a finding is a known gap when KNOWN_GAPS lists its subject."""
    new: list[Finding] = []
    known: list[Finding] = []
    for f in findings:
        (known if f.subject and f.subject in KNOWN_GAPS.get(f.rule, ()) else new).append(f)
    return new, known


def stale_gaps(findings: Iterable[Finding], looked_at: dict[str, set[str]]) -> list[Finding]:
    """A `stale-gap` finding per KNOWN_GAPS entry this lint looked at (rule -> subjects)
    that has no finding any more."""
    seen = {(f.rule, f.subject) for f in findings}
    return [Finding("harness/contrib/lint.py", 1, "stale-gap", f"{s!r} is no longer a known {rule} "
                    f"gap: remove it from KNOWN_GAPS[{rule!r}]", s)
            for rule, listed in sorted(KNOWN_GAPS.items())
            for s in sorted(listed & looked_at.get(rule, set())) if (rule, s) not in seen]


def run(bpf_src: Path, catalogue: Path, files: Sequence[Path] | None = None) -> LintResult:
    """Lint test sources (all of bpf_src, or `files`) and the catalogue entries they name
    (the whole catalogue when linting the whole tree)."""
    root = bpf_src.resolve()
    sources = [p.resolve() for p in files] if files else test_sources(root)
    found = lint_sources(root, sources)
    ids = behaviours_named(sources) if files else None
    cat = catalogue.resolve()
    found += lint_catalogue(cat, ids, str(cat.relative_to(root.parent))
                            if cat.is_relative_to(root.parent) else str(catalogue))
    looked_at = {"unpatched": {str(p.relative_to(root)) for p in sources
                               if p.is_relative_to(root)},
                 "evidence": set(read_catalogue(cat)) if ids is None else ids}
    found += stale_gaps(found, looked_at)
    new, known = split_known(found)
    return LintResult(new, known, len(sources))


def print_known(known: Sequence[Finding], out: Any) -> None:
    """One line per rule naming every known gap this lint met."""
    for rule in sorted({f.rule for f in known}):
        names = sorted({f.subject for f in known if f.rule == rule})
        print(f"known {rule} gaps, not failing (KNOWN_GAPS in harness/contrib/lint.py; fix them): "
              f"{len(names)}: {', '.join(names)}", file=out)
