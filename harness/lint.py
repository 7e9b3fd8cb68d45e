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

Test sources are `bpf-src/**/*.bpf.c` and the static-linking parts `bpf-src/**/*.part.c`.
The bindings are the pip `clang` package with the `libclang` wheel's shared library.
"""

from __future__ import annotations

import argparse
import re
import sys
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

ASSERT_MACROS = frozenset({
    "ASSERT", "ASSERT_EQ", "ASSERT_NE", "ASSERT_LT", "ASSERT_LE", "ASSERT_GT", "ASSERT_GE",
    "ASSERT_NULL", "ASSERT_NOT_NULL", "ASSERT_OK", "PASS",
})
NOT_PROGRAM_SECTIONS = frozenset({".text", ".maps", "license", "version", ".rodata", ".data",
                                  ".bss", ".kconfig", ".ksyms"})
WAIVER = "lint: return-ok"
_PURPOSE_RE = re.compile(r"^/\*\s*\S.*\*/\s*$")
_LIBBPF_INCLUDE_RE = re.compile(r'^\s*#\s*include\s*[<"]bpf/')


class LintUnavailable(Exception):
    """The libclang bindings cannot be loaded."""


@dataclass(frozen=True)
class Finding:
    """One rule violation at a source line."""

    path: str
    line: int
    rule: str
    message: str

    def __str__(self) -> str:
        return f"{self.path}:{self.line}: {self.message} [{self.rule}]"


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


def lint_file(path: Path, include_dir: Path, shown: str | None = None) -> list[Finding]:
    """Every finding of one test source (`shown`: the path printed in findings)."""
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
    tu = ci.Index.create().parse(
        str(path), args=["-target", "bpfel", "-I", str(include_dir), "-I", str(path.parent)],
        options=ci.TranslationUnit.PARSE_DETAILED_PROCESSING_RECORD)
    main = str(path)
    secs: list[tuple[int, str]] = []
    meta: dict[str, set[str]] = {}
    funcs: list[Any] = []
    for c in tu.cursor.get_children():
        if c.location.file is None or c.location.file.name != main:
            continue
        if c.kind == ci.CursorKind.MACRO_INSTANTIATION and _is_meta_macro(c.spelling):
            args = _macro_args(c)
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
    include_dir = bpf_src / "include"
    out: list[Finding] = []
    for path in test_sources(bpf_src):
        try:
            shown = str(path.relative_to(bpf_src.parent))
        except ValueError:
            shown = str(path)
        out.extend(lint_file(path, include_dir, shown))
    return out


def add_arguments(p: argparse.ArgumentParser) -> None:
    """Arguments of `bpfconform lint`."""
    p.add_argument("--bpf-src", type=Path, default=None,
                   help="test sources (default: the repo's bpf-src/)")
    p.add_argument("files", nargs="*", type=Path, help="lint only these files")


def cmd_lint(args: argparse.Namespace) -> int:
    """Print `file:line: message` for each finding; 1 if any, 2 if libclang is missing."""
    root = Path(__file__).resolve().parent.parent
    bpf_src = (args.bpf_src or root / "bpf-src").resolve()
    missing = [str(p) for p in args.files if not p.is_file()]
    if missing:
        print(f"bpfconform lint: no such file: {', '.join(missing)}", file=sys.stderr)
        return 2
    try:
        if args.files:
            findings = [f for p in args.files
                        for f in lint_file(p.resolve(), bpf_src / "include", str(p))]
        else:
            findings = lint_tree(bpf_src)
    except LintUnavailable as exc:
        print(f"bpfconform lint: {exc}", file=sys.stderr)
        return 2
    for f in findings:
        print(f)
    n = len(args.files) if args.files else len(test_sources(bpf_src))
    print(f"lint: {n} files, {len(findings)} findings")
    return 1 if findings else 0
