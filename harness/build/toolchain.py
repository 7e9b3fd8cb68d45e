"""Find the clang compilers on this machine and build bpf-src/ into build/<compiler-id>/.

Every `bpf-src/**/*.bpf.c` (a test object) and `bpf-src/**/*.btf.c` (a target-BTF stub for
CO-RE, built with `-DTARGET`) compiles with `-target bpfel -O2 -g -I bpf-src/include` into
`build/<compiler-id>/<relative path with .c replaced by .o>`; a source named
`*.bpfeb.bpf.c` compiles with `-target bpfeb` instead (a big-endian object, for the
byte-order behaviour: a build rule by name; verdicts never look at names). Each object
is cached by a hash of its source, every header clang's depfile names, the compiler's id
and version and the flags: a warm build compiles nothing. The compiler's capability probes
(`harness.probes.ccprobes`, cached too) add `-DCONFORM_CC_<NAME>` for each construct it can build.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import shutil
import subprocess
import sys
import tomllib
from collections.abc import Iterable, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, replace
from pathlib import Path

from harness.probes import ccprobes
from harness.probes.probes import ProbeResult

BASE_FLAGS: tuple[str, ...] = ("-target", "bpfel", "-O2", "-g")
BTF_STUB_FLAGS: tuple[str, ...] = ("-DTARGET",)
#: a source whose name ends so builds a big-endian object (`-target bpfeb`)
BIG_ENDIAN_SUFFIX = ".bpfeb.bpf.c"
DEBIAN_MAJORS = range(14, 26)
CACHE_FORMAT = 1
LINK_SUFFIX = ".link"
LINK_ARGV: tuple[str, ...] = ("gen", "object")  # bpftool gen object OUT IN...
#: Debian's `gcc-bpf` (bookworm: GCC 12) installs these; its compiler id is gcc-bpf-<major>
GCC_BPF_NAMES: tuple[str, ...] = ("bpf-gcc", "bpf-unknown-none-gcc")
#: GCC's flags for the suite's clang `-target bpfel -O2 -g`: BTF (`-gbtf`) and CO-RE
#: relocations (`-mco-re`); a missing builtin is an error, never a call to nothing
GCC_FLAGS: tuple[str, ...] = ("-O2", "-gbtf", "-mco-re",
                              "-Werror=implicit-function-declaration")
NO_CLANG_HINT = (
    "no clang found: install one with `apt-get install clang-19` (or `pip install ziglang`)"
)


#: the kind of a Compiler that is an installed wheel's prebuilt objects (harness.build.prebuilt)
PREBUILT_KIND = "prebuilt"


class ToolchainError(Exception):
    """No usable compiler, or an unknown compiler id."""


@dataclass(frozen=True)
class Compiler:
    """One usable clang: `argv` runs it, `id` names its build directory."""

    id: str
    argv: tuple[str, ...]
    version: str
    major: int
    #: "debian" (clang-NN or plain clang), "zig", "gcc" (gcc-bpf, never default) or
    #: PREBUILT_KIND (no compiler here: an installed wheel's objects, harness.build.prebuilt)
    kind: str


@dataclass(frozen=True)
class Source:
    """One C file under bpf-src/: a test object (`.bpf.c`) or a target-BTF stub (`.btf.c`).

    A static-linking test (`<dir>/<name>.link`, TOML `inputs = ["a.part.c", ...]`) is a
    Source too: `path`/`rel` name its first input (where its programs and assertions live,
    so a failing line reads `a.part.c:N`), `link` the manifest, `inputs` every part.
    """

    path: Path
    rel: str
    link: Path | None = None
    link_rel: str = ""
    inputs: tuple[Path, ...] = ()
    #: the positive-control build of a negative test: `-DCONFORM_CONTROL`, little-endian,
    #: into `<name>.control.bpf.o` (see `control_of`)
    control: bool = False

    @property
    def is_btf_stub(self) -> bool:
        """True for a `.btf.c` target-BTF stub (compiled with -DTARGET, not a test)."""
        return self.rel.endswith(".btf.c")

    @property
    def target(self) -> str:
        """The clang BPF target: `bpfeb` for a `*.bpfeb.bpf.c` source, else `bpfel`; a
        control build is always `bpfel` (a big-endian test's defect is its byte order)."""
        if self.control:
            return "bpfel"
        return "bpfeb" if self.rel.endswith(BIG_ENDIAN_SUFFIX) else "bpfel"

    def object_rel(self) -> str:
        """The object's path relative to build/<compiler-id>/ (`<name>.bpf.o` for a link)."""
        if self.link is not None:
            return self.link_rel[: -len(LINK_SUFFIX)] + ".bpf.o"
        if self.control:
            return self.rel[: -len(".bpf.c")] + CONTROL_SUFFIX
        return self.rel[: -len(".c")] + ".o"


#: what a positive-control object's name ends with (`x.bpf.c` -> `x.control.bpf.o`)
CONTROL_SUFFIX = ".control.bpf.o"
#: the token that makes a source also build as its positive control, and the define it gets
CONTROL_DEFINE = "CONFORM_CONTROL"


def control_of(source: Source) -> Source | None:
    """The positive-control build of `source` when its text mentions CONFORM_CONTROL (a
    negative test's `#ifdef CONFORM_CONTROL` variant without the defect), else None. Stubs
    and static-linking tests have none."""
    if source.is_btf_stub or source.link is not None or source.control:
        return None
    try:
        text = source.path.read_text(errors="replace")
    except OSError:
        return None
    return replace(source, control=True) if CONTROL_DEFINE in text else None


@dataclass(frozen=True)
class BuildResult:
    """The outcome of building one source with one compiler."""

    source: Source
    obj: Path
    ok: bool
    compiled: bool
    diagnostics: str = ""
    #: the positive-control build (`control_of`), when the source has one
    control: BuildResult | None = None


_VERSION_RE = re.compile(r"clang version (\d+)\.(\d+)\.(\d+)")
#: `bpf-gcc (12.2.0-14+deb12u1+) 12.2.0`: the version after the parenthesis
_GCC_VERSION_RE = re.compile(r"^\S*gcc\S* \([^)]*\) (\d+)\.(\d+)\.(\d+)", re.M)


def _probe_version(argv: Sequence[str], gcc: bool = False) -> tuple[str, int] | None:
    try:
        proc = subprocess.run(
            [*argv, "--version"], capture_output=True, text=True, timeout=60, check=False
        )
    except (OSError, subprocess.SubprocessError):
        return None
    match = (_GCC_VERSION_RE if gcc else _VERSION_RE).search(proc.stdout)
    if proc.returncode != 0 or match is None:
        return None
    return ".".join(match.group(i) for i in (1, 2, 3)), int(match.group(1))


def _zig_available() -> bool:
    import importlib.util

    return importlib.util.find_spec("ziglang") is not None


#: `-mcpu=v4` (sign-extending loads and movs, bswap, gotol, sdiv/smod): LLVM 18+
V4_MIN_MAJOR = 18
V4_SUFFIX = "-v4"


def v4_variant(compiler: Compiler) -> Compiler:
    """`compiler` building with `-mcpu=v4` (id `clang-NN-v4`, kind `<kind>-v4`: never the
    default compiler), so that loaders meet cpu v4 instructions in relocation and linking."""
    return replace(compiler, id=compiler.id + V4_SUFFIX, argv=(*compiler.argv, "-mcpu=v4"),
                   kind=compiler.kind + V4_SUFFIX)


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
    found += [v4_variant(c) for c in list(found) if c.major >= V4_MIN_MAJOR]
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
    for name in GCC_BPF_NAMES:
        exe = shutil.which(name)
        probed = _probe_version([exe], gcc=True) if exe is not None else None
        if exe is not None and probed is not None and all(
                c.id != f"gcc-bpf-{probed[1]}" for c in found):
            found.append(Compiler(f"gcc-bpf-{probed[1]}", (exe,), probed[0], probed[1], "gcc"))
    return found


def default_compiler(compilers: Sequence[Compiler]) -> Compiler:
    """The newest Debian clang, else the zig clang (never gcc-bpf); ToolchainError when
    there is none."""
    debian = [c for c in compilers if c.kind == "debian"]
    pool = debian or [c for c in compilers if c.kind == "zig"]
    if not pool:
        raise ToolchainError(NO_CLANG_HINT)
    return max(pool, key=lambda c: c.major)


def select_compiler(compilers: Sequence[Compiler], wanted: str | None) -> Compiler:
    """The compiler named `wanted` (an id such as `clang-19`), or the default one;
    ToolchainError when there is no such compiler. (`harness.build.builder.select_compiler` also
    takes an installed wheel's prebuilt objects, kind PREBUILT_KIND.)"""
    return _select_compiler(compilers, wanted)


def _select_compiler(compilers: Sequence[Compiler], wanted: str | None) -> Compiler:
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
    sources = [Source(p.resolve(), p.relative_to(bpf_src).as_posix()) for p in paths]
    links = [link_source(p, bpf_src) for p in sorted(bpf_src.rglob("*" + LINK_SUFFIX))]
    return sorted([*sources, *links], key=lambda s: s.link_rel or s.rel)


def link_source(manifest: Path, bpf_src: Path) -> Source:
    """The Source of a `.link` manifest; with no inputs when it is unreadable (the build
    then fails with the reason: never a silent skip)."""
    link_rel = manifest.relative_to(bpf_src).as_posix()
    try:
        inputs = tomllib.loads(manifest.read_text()).get("inputs", [])
    except (OSError, tomllib.TOMLDecodeError):
        inputs = []
    if not isinstance(inputs, list) or not all(isinstance(i, str) for i in inputs):
        inputs = []
    parts = tuple((manifest.parent / i).resolve() for i in inputs)
    first = parts[0] if parts else manifest.resolve()
    rel = first.relative_to(bpf_src.resolve()).as_posix() if parts else link_rel
    return Source(first, rel, manifest.resolve(), link_rel, parts)


def compile_flags(source: Source, include_dir: Path,
                  defines: Sequence[str] = (), kind: str = "debian") -> tuple[str, ...]:
    """The flags one source compiles with (the cache key includes them); `kind` "gcc":
    GCC_FLAGS with `-mlittle-endian`/`-mbig-endian` for the target."""
    extra = BTF_STUB_FLAGS if source.is_btf_stub else ()
    if kind == "gcc":
        endian = "-mbig-endian" if source.target == "bpfeb" else "-mlittle-endian"
        return (*GCC_FLAGS, endian, *extra, *defines, "-I", str(include_dir))
    base = tuple(source.target if f == "bpfel" else f for f in BASE_FLAGS)
    return (*base, *extra, *defines, "-I", str(include_dir))


def cc_probes(compiler: Compiler, out_dir: Path) -> dict[str, ProbeResult]:
    """The compiler's capability probes (`cc:*`), cached under out_dir/<compiler-id>/ (a
    prebuilt set's: `harness.build.builder.cc_probes`)."""
    _not_prebuilt(compiler)
    return ccprobes.probe_compiler(compiler, out_dir)


def _not_prebuilt(compiler: Compiler) -> None:
    if compiler.kind == PREBUILT_KIND:
        raise ToolchainError(f"{compiler.id} is a prebuilt set: it compiles nothing "
                             "(harness.build.builder serves its objects)")


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


def build_link(compiler: Compiler, source: Source, out_dir: Path, include_dir: Path,
               defines: Sequence[str] = ()) -> BuildResult:
    """Compile each part of a `.link` (cached as `<part>.part.o`) and link them with
    `bpftool gen object` into `<name>.bpf.o`, cached by the parts' objects and bpftool."""
    obj = out_dir / compiler.id / source.object_rel()
    assert source.link is not None
    if not source.inputs:
        return BuildResult(source, obj, ok=False, compiled=True,
                           diagnostics=f"{source.link_rel}: no `inputs = [...]` list of parts")
    bpftool = shutil.which("bpftool")
    if bpftool is None:
        return BuildResult(source, obj, ok=False, compiled=True,
                           diagnostics="bpftool not found (static linking needs `bpftool gen "
                           "object`): apt-get install -t bookworm-backports bpftool")
    part_objs: list[Path] = []
    compiled = False
    root = source.link.parent
    for part in source.inputs:
        rel = Path(source.link_rel).parent / part.relative_to(root)
        res = build_one(compiler, Source(part, rel.as_posix()), out_dir, include_dir, defines)
        if not res.ok:
            return BuildResult(source, obj, ok=False, compiled=True,
                               diagnostics=f"{res.source.rel}: {res.diagnostics}")
        compiled = compiled or res.compiled
        part_objs.append(res.obj)
    flags = ("bpftool", *LINK_ARGV, _bpftool_version(bpftool))
    deps = [str(source.link), *(str(p) for p in part_objs)]
    if not compiled and _is_fresh(obj, compiler, flags):
        return BuildResult(source, obj, ok=True, compiled=False)
    tmp = obj.with_name(f".{obj.name}.{os.getpid()}.tmp")
    try:
        proc = subprocess.run([bpftool, *LINK_ARGV, str(tmp), *map(str, part_objs)],
                              capture_output=True, text=True, timeout=120, check=False)
        diagnostics = (proc.stderr + proc.stdout).strip()
        if proc.returncode != 0:
            return BuildResult(source, obj, ok=False, compiled=True,
                               diagnostics=diagnostics or f"bpftool exit {proc.returncode}")
        os.replace(tmp, obj)
        stamp_tmp = tmp.with_name(tmp.name + ".stamp")
        stamp_tmp.write_text(json.dumps({"key": cache_key(compiler, flags, deps), "deps": deps}))
        os.replace(stamp_tmp, _stamp_path(obj))
        return BuildResult(source, obj, ok=True, compiled=True, diagnostics=diagnostics)
    except subprocess.TimeoutExpired:
        return BuildResult(source, obj, ok=False, compiled=True, diagnostics="bpftool timed out")
    finally:
        tmp.unlink(missing_ok=True)


def _bpftool_version(bpftool: str) -> str:
    try:
        proc = subprocess.run([bpftool, "version"], capture_output=True, text=True,
                              timeout=30, check=False)
    except (OSError, subprocess.SubprocessError):
        return "unknown"
    return proc.stdout.splitlines()[0] if proc.stdout else "unknown"


def build_one(compiler: Compiler, source: Source, out_dir: Path, include_dir: Path,
              defines: Sequence[str] = ()) -> BuildResult:
    """Compile one source unless its cached object is fresh; `defines` from `cc_probes`."""
    if source.link is not None:
        return build_link(compiler, source, out_dir, include_dir, defines)
    if source.control:
        defines = (*defines, f"-D{CONTROL_DEFINE}")
    obj = out_dir / compiler.id / source.object_rel()
    flags = compile_flags(source, include_dir, defines, compiler.kind)
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
    compiler: Compiler, bpf_src: Path, out_dir: Path, jobs: int = 2,
    cc: Mapping[str, ProbeResult] | None = None,
) -> list[BuildResult]:
    """Build every source under bpf_src (2 workers by default); failures do not stop the rest.

    Every source compiles with the `-DCONFORM_CC_*` of the compiler's present probes (`cc`,
    computed here when not given). A prebuilt compiler (PREBUILT_KIND) compiles nothing:
    `harness.build.builder.build` serves its set's objects.
    """
    _not_prebuilt(compiler)
    sources = find_sources(bpf_src)
    include_dir = (bpf_src / "include").resolve()
    defines = ccprobes.defines(cc_probes(compiler, out_dir) if cc is None else cc)

    def build(source: Source) -> BuildResult:
        result = build_one(compiler, source, out_dir, include_dir, defines)
        control = control_of(source)
        if control is None:
            return result
        return replace(result, control=build_one(compiler, control, out_dir, include_dir,
                                                 defines))

    with ThreadPoolExecutor(max_workers=max(1, jobs)) as pool:
        return list(pool.map(build, sources))
