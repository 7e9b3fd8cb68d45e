"""Find the clang compilers on this machine and build bpf-src/ into build/<compiler-id>/.

Every `bpf-src/**/*.bpf.c` (a test object) and `bpf-src/**/*.btf.c` (a target-BTF stub for
CO-RE, built with `-DTARGET`) compiles with `-target bpfel -O2 -g -I bpf-src/include` into
`build/<compiler-id>/<relative path with .c replaced by .o>`; a source named
`*.bpfeb.bpf.c` compiles with `-target bpfeb` instead (a big-endian object, for the
byte-order behaviour: a build rule by name; verdicts never look at names). Each object
is cached by a hash of its source, every header clang's depfile names, the compiler's id
and version and the flags: a warm build compiles nothing. The compiler's capability probes
(`harness.ccprobes`, cached too) add `-DCONFORM_CC_<NAME>` for each construct it can build.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import shutil
import subprocess
import sys
from collections.abc import Iterable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

from harness import ccprobes
from harness.probes import ProbeResult

BASE_FLAGS: tuple[str, ...] = ("-target", "bpfel", "-O2", "-g")
BTF_STUB_FLAGS: tuple[str, ...] = ("-DTARGET",)
#: a source whose name ends so builds a big-endian object (`-target bpfeb`)
BIG_ENDIAN_SUFFIX = ".bpfeb.bpf.c"
DEBIAN_MAJORS = range(14, 26)
CACHE_FORMAT = 1
NO_CLANG_HINT = (
    "no clang found: install one with `apt-get install clang-19` (or `pip install ziglang`)"
)


class ToolchainError(Exception):
    """No usable compiler, or an unknown compiler id."""


@dataclass(frozen=True)
class Compiler:
    """One usable clang: `argv` runs it, `id` names its build directory."""

    id: str
    argv: tuple[str, ...]
    version: str
    major: int
    kind: str  # "debian" (clang-NN or plain clang) or "zig"


@dataclass(frozen=True)
class Source:
    """One C file under bpf-src/: a test object (`.bpf.c`) or a target-BTF stub (`.btf.c`)."""

    path: Path
    rel: str

    @property
    def is_btf_stub(self) -> bool:
        """True for a `.btf.c` target-BTF stub (compiled with -DTARGET, not a test)."""
        return self.rel.endswith(".btf.c")

    @property
    def target(self) -> str:
        """The clang BPF target: `bpfeb` for a `*.bpfeb.bpf.c` source, else `bpfel`."""
        return "bpfeb" if self.rel.endswith(BIG_ENDIAN_SUFFIX) else "bpfel"

    def object_rel(self) -> str:
        """The object's path relative to build/<compiler-id>/."""
        return self.rel[: -len(".c")] + ".o"


@dataclass(frozen=True)
class BuildResult:
    """The outcome of building one source with one compiler."""

    source: Source
    obj: Path
    ok: bool
    compiled: bool
    diagnostics: str = ""


_VERSION_RE = re.compile(r"clang version (\d+)\.(\d+)\.(\d+)")


def _probe_version(argv: Sequence[str]) -> tuple[str, int] | None:
    try:
        proc = subprocess.run(
            [*argv, "--version"], capture_output=True, text=True, timeout=60, check=False
        )
    except (OSError, subprocess.SubprocessError):
        return None
    match = _VERSION_RE.search(proc.stdout)
    if proc.returncode != 0 or match is None:
        return None
    return match.group(0).removeprefix("clang version "), int(match.group(1))


def _zig_available() -> bool:
    import importlib.util

    return importlib.util.find_spec("ziglang") is not None


def discover_compilers() -> list[Compiler]:
    """Every usable clang: clang-NN on PATH, plain `clang`, and the ziglang wheel's clang."""
    found: list[Compiler] = []
    seen_paths: set[str] = set()
    for major in DEBIAN_MAJORS:
        exe = shutil.which(f"clang-{major}")
        if exe is None:
            continue
        probed = _probe_version([exe])
        if probed is not None:
            found.append(Compiler(f"clang-{probed[1]}", (exe,), probed[0], probed[1], "debian"))
            seen_paths.add(os.path.realpath(exe))
    plain = shutil.which("clang")
    if plain is not None and os.path.realpath(plain) not in seen_paths:
        probed = _probe_version([plain])
        if probed is not None and all(c.id != f"clang-{probed[1]}" for c in found):
            found.append(Compiler(f"clang-{probed[1]}", (plain,), probed[0], probed[1], "debian"))
    if _zig_available():
        argv = (sys.executable, "-m", "ziglang", "clang")
        probed = _probe_version(argv)
        if probed is not None:
            found.append(Compiler(f"zig-clang-{probed[1]}", argv, probed[0], probed[1], "zig"))
    return found


def default_compiler(compilers: Sequence[Compiler]) -> Compiler:
    """The newest Debian clang, else the zig clang; ToolchainError when there is none."""
    debian = [c for c in compilers if c.kind == "debian"]
    pool = debian or list(compilers)
    if not pool:
        raise ToolchainError(NO_CLANG_HINT)
    return max(pool, key=lambda c: c.major)


def select_compiler(compilers: Sequence[Compiler], wanted: str | None) -> Compiler:
    """The compiler named `wanted` (an id such as `clang-19`), or the default one."""
    if wanted is None:
        return default_compiler(compilers)
    for compiler in compilers:
        if compiler.id == wanted:
            return compiler
    if not compilers:
        raise ToolchainError(NO_CLANG_HINT)
    known = ", ".join(c.id for c in compilers)
    raise ToolchainError(f"unknown compiler {wanted!r}; found: {known}")


def find_sources(bpf_src: Path) -> list[Source]:
    """Every `.bpf.c` and `.btf.c` under bpf_src, sorted by relative path."""
    paths = sorted({*bpf_src.rglob("*.bpf.c"), *bpf_src.rglob("*.btf.c")})
    return [Source(p.resolve(), p.relative_to(bpf_src).as_posix()) for p in paths]


def compile_flags(source: Source, include_dir: Path,
                  defines: Sequence[str] = ()) -> tuple[str, ...]:
    """The flags one source compiles with (the cache key includes them)."""
    extra = BTF_STUB_FLAGS if source.is_btf_stub else ()
    base = tuple(source.target if f == "bpfel" else f for f in BASE_FLAGS)
    return (*base, *extra, *defines, "-I", str(include_dir))


def cc_probes(compiler: Compiler, out_dir: Path) -> dict[str, ProbeResult]:
    """The compiler's capability probes (`cc:*`), cached under out_dir/<compiler-id>/."""
    return ccprobes.probe_compiler(compiler, out_dir)


def parse_depfile(text: str) -> list[str]:
    """The prerequisites in a make-style depfile written by `clang -MD -MF`."""
    body = text.replace("\\\n", " ")
    _, _, deps = body.partition(": ")
    tokens = re.split(r"(?<!\\)\s+", deps.strip())
    return [t.replace("\\ ", " ") for t in tokens if t]


def _file_digest(path: str) -> str:
    try:
        return hashlib.sha256(Path(path).read_bytes()).hexdigest()
    except OSError:
        return "missing"


def cache_key(compiler: Compiler, flags: Sequence[str], deps: Iterable[str]) -> str:
    """Hash of compiler id+version, flags, and the content of every dependency."""
    h = hashlib.sha256()
    h.update(json.dumps([CACHE_FORMAT, compiler.id, compiler.version, list(flags)]).encode())
    for dep in sorted(set(deps)):
        h.update(f"\0{dep}\0{_file_digest(dep)}".encode())
    return h.hexdigest()


def _stamp_path(obj: Path) -> Path:
    return obj.with_name(obj.name + ".stamp")


def _is_fresh(obj: Path, compiler: Compiler, flags: Sequence[str]) -> bool:
    try:
        stamp = json.loads(_stamp_path(obj).read_text())
    except (OSError, ValueError):
        return False
    deps = stamp.get("deps")
    if not isinstance(deps, list) or not obj.exists():
        return False
    return bool(stamp.get("key") == cache_key(compiler, flags, deps))


def build_one(compiler: Compiler, source: Source, out_dir: Path, include_dir: Path,
              defines: Sequence[str] = ()) -> BuildResult:
    """Compile one source unless its cached object is fresh; `defines` from `cc_probes`."""
    obj = out_dir / compiler.id / source.object_rel()
    flags = compile_flags(source, include_dir, defines)
    if _is_fresh(obj, compiler, flags):
        return BuildResult(source, obj, ok=True, compiled=False)
    obj.parent.mkdir(parents=True, exist_ok=True)
    tmp = obj.with_name(f".{obj.name}.{os.getpid()}.tmp")
    depfile = tmp.with_name(tmp.name + ".d")
    argv = [*compiler.argv, *flags, "-MD", "-MF", str(depfile), "-c", str(source.path),
            "-o", str(tmp)]
    try:
        proc = subprocess.run(argv, capture_output=True, text=True, timeout=300, check=False)
        diagnostics = (proc.stderr + proc.stdout).strip()
        if proc.returncode != 0:
            return BuildResult(source, obj, ok=False, compiled=True,
                               diagnostics=diagnostics or f"exit status {proc.returncode}")
        deps = parse_depfile(depfile.read_text())
        os.replace(tmp, obj)
        key = cache_key(compiler, flags, [*deps, str(source.path)])
        stamp_tmp = tmp.with_name(tmp.name + ".stamp")
        stamp_tmp.write_text(json.dumps({"key": key, "deps": [*deps, str(source.path)]}))
        os.replace(stamp_tmp, _stamp_path(obj))
        return BuildResult(source, obj, ok=True, compiled=True, diagnostics=diagnostics)
    except subprocess.TimeoutExpired:
        return BuildResult(source, obj, ok=False, compiled=True, diagnostics="compiler timed out")
    finally:
        for leftover in (tmp, depfile):
            leftover.unlink(missing_ok=True)


def build_all(
    compiler: Compiler, bpf_src: Path, out_dir: Path, jobs: int = 2
) -> list[BuildResult]:
    """Build every source under bpf_src (2 workers by default); failures do not stop the rest.

    Every source compiles with the `-DCONFORM_CC_*` of the compiler's present probes.
    """
    sources = find_sources(bpf_src)
    include_dir = (bpf_src / "include").resolve()
    defines = ccprobes.defines(cc_probes(compiler, out_dir))
    with ThreadPoolExecutor(max_workers=max(1, jobs)) as pool:
        return list(pool.map(lambda s: build_one(compiler, s, out_dir, include_dir, defines),
                             sources))
