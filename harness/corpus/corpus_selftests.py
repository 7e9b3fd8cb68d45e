"""The kernel's BPF selftests as a ready corpus (`bpfconform corpus --selftests`).

Debian's `linux-source-<ver>` is fetched through the private apt configuration of
`harness.matrix.kernels` (never the system's sources) into `<cache>/selftests/`; only
`tools/testing/selftests/bpf`, `tools/lib/bpf`, `tools/include` and `scripts/bpf_doc.py`
are extracted. `vmlinux.h` comes from the running kernel's BTF (`bpftool btf dump file
/sys/kernel/btf/vmlinux format c`), `bpf_helper_defs.h` from `bpf_doc.py` as libbpf's
Makefile makes it, and every `progs/*.c` is compiled with the selftests Makefile's BPF flags
(in parallel, cached by content like `harness.build.toolchain`). A program that fails to compile
is counted and listed, never fatal; one whose kfunc prototypes clash with vmlinux.h's is
retried with `-DBPF_NO_KFUNC_PROTOTYPES`.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tarfile
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

from harness.build import toolchain
from harness.matrix.kernels import KernelCache, KernelFetchError, default_cache

#: `--kernel-source` -> (Debian suite, source package or None for the suite's `linux-source`)
SOURCES: dict[str, tuple[str, str | None]] = {
    "6.12": ("trixie", "linux-source-6.12"),
    "sid": ("sid", None),
}
#: what is extracted from the source tarball (below `linux-source-<ver>/`)
KEEP = ("tools/testing/selftests/bpf/", "tools/lib/bpf/", "tools/include/", "scripts/bpf_doc.py")
#: the selftests Makefile's BPF_CFLAGS / CLANG_CFLAGS for the v3 flavour (x86), without
#: -Werror: a new compiler's new warning would otherwise hide the object from the corpus
BPF_FLAGS = ("-g", "-O2", "--target=bpfel", "-mcpu=v3", "-D__TARGET_ARCH_x86", "-mlittle-endian",
             "-std=gnu11", "-fno-strict-aliasing", "-Wno-compare-distinct-pointer-types",
             "-Wno-initializer-overrides", "-Wno-unknown-warning-option")
NO_KFUNC = "-DBPF_NO_KFUNC_PROTOTYPES"
SYS_INCLUDES = ("/usr/include/x86_64-linux-gnu", "/usr/include")


class SelftestsError(Exception):
    """The selftests corpus could not be fetched or prepared (one line for the user)."""


@dataclass(frozen=True)
class Compiled:
    """One `progs/*.c`: its object, or why it did not compile."""

    source: Path
    obj: Path
    ok: bool
    compiled: bool
    retried: bool = False
    diagnostics: str = ""


@dataclass(frozen=True)
class Corpus:
    """The built selftests corpus."""

    version: str
    tree: Path
    objects: list[Path]
    failed: list[Compiled]
    compiled: int
    cached: int


def _log(text: str) -> None:
    print(f"[selftests] {text}", file=sys.stderr, flush=True)


def fetch_source(spec: str, cache: Path) -> tuple[Path, str]:
    """The `linux-source-*.deb` for `spec` (downloaded through the private apt) + version."""
    if spec not in SOURCES:
        raise SelftestsError(f"unknown --kernel-source {spec!r}; known: {', '.join(SOURCES)}")
    suite, package = SOURCES[spec]
    try:
        apt = KernelCache(cache).apt(spec)
        apt.update(spec)
        if package is None:  # sid: linux-source depends on the current linux-source-<ver>
            deps = _field(apt.show(spec, f"linux-source/{suite}"), "Depends")
            package = next((d.strip().split(" ", 1)[0] for d in deps.split(",")
                            if d.strip().startswith("linux-source-")), None)
            if package is None:
                raise SelftestsError(f"linux-source/{suite} depends on no linux-source-<ver>")
        version = _field(apt.show(spec, f"{package}/{suite}"), "Version")
        return apt.download(spec, package, version), package.removeprefix("linux-source-")
    except KernelFetchError as exc:
        raise SelftestsError(f"{exc}: {exc.output.strip()[-400:]}") from exc


def _field(show_output: str, name: str) -> str:
    """A field of the first stanza of `apt-cache show` output ("" when absent)."""
    for line in show_output.strip().split("\n\n")[0].splitlines():
        if line.startswith(f"{name}: "):
            return line[len(name) + 2:].strip()
    return ""


def extract(deb: Path, version: str, dest: Path) -> Path:
    """Unpack the kept parts of the source tarball inside `deb` into `dest/<version>/`."""
    tree = dest / version
    if (tree / ".complete").exists():
        return tree
    tmp = dest / f".extract-{os.getpid()}"
    shutil.rmtree(tmp, ignore_errors=True)
    tmp.mkdir(parents=True)
    try:
        inner = f"./usr/src/linux-source-{version}.tar.xz"
        proc = subprocess.Popen(["dpkg-deb", "--fsys-tarfile", str(deb)],
                                stdout=subprocess.PIPE)
        assert proc.stdout is not None
        found = False
        with tarfile.open(fileobj=proc.stdout, mode="r|") as outer, \
                open(tmp / "src.tar.xz", "wb") as out:
            for m in outer:
                member = outer.extractfile(m) if m.name == inner else None
                if member is not None:
                    shutil.copyfileobj(member, out)
                    found = True
        proc.stdout.close()
        if proc.wait() != 0 or not found:
            raise SelftestsError(f"{deb.name}: no {inner} (dpkg-deb status {proc.returncode})")
        prefix = f"linux-source-{version}/"
        with tarfile.open(tmp / "src.tar.xz", mode="r:xz") as src:
            for m in src:
                rel = m.name.removeprefix(prefix)
                if m.name.startswith(prefix) and rel.startswith(KEEP) and (m.isfile() or m.isdir()
                                                                          or m.issym()):
                    m.name = rel
                    src.extract(m, tmp / "tree", filter="data")
        (tmp / "src.tar.xz").unlink()
        shutil.rmtree(tree, ignore_errors=True)
        (tmp / "tree").rename(tree)
        (tree / ".complete").write_text(f"{deb.name}\n")
        return tree
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def prepare_includes(tree: Path, out: Path, vmlinux_btf: Path) -> Path:
    """`out/include` with vmlinux.h (from `vmlinux_btf`) and `bpf/` (libbpf's headers plus a
    generated bpf_helper_defs.h); regenerated when the kernel BTF changes."""
    inc = out / "include"
    (inc / "bpf").mkdir(parents=True, exist_ok=True)
    stamp = inc / ".vmlinux-stamp"
    st = vmlinux_btf.stat()
    key = f"{vmlinux_btf} {st.st_size} {os.uname().release}"
    if not (inc / "vmlinux.h").exists() or not stamp.exists() or stamp.read_text() != key:
        bpftool = shutil.which("bpftool")
        if bpftool is None:
            raise SelftestsError("bpftool not found: vmlinux.h is generated with it")
        proc = subprocess.run([bpftool, "btf", "dump", "file", str(vmlinux_btf), "format", "c"],
                              capture_output=True, text=True, check=False)
        if proc.returncode != 0:
            raise SelftestsError(f"bpftool btf dump failed: {proc.stderr.strip()[:300]}")
        (inc / "vmlinux.h").write_text(proc.stdout)
        stamp.write_text(key)
    for h in (tree / "tools/lib/bpf").glob("*.h"):
        dst = inc / "bpf" / h.name
        if not dst.exists() or dst.read_bytes() != h.read_bytes():
            shutil.copyfile(h, dst)
    defs = inc / "bpf" / "bpf_helper_defs.h"
    if not defs.exists():
        proc = subprocess.run([sys.executable, str(tree / "scripts/bpf_doc.py"), "--header",
                               "--file", str(tree / "tools/include/uapi/linux/bpf.h")],
                              capture_output=True, text=True, check=False)
        if proc.returncode != 0:
            raise SelftestsError(f"bpf_doc.py failed: {proc.stderr.strip()[:300]}")
        defs.write_text(proc.stdout)
    return inc


def flags(tree: Path, inc: Path, extra: Sequence[str] = ()) -> tuple[str, ...]:
    """The compile flags of one `progs/*.c` (the cache key includes them)."""
    sel = tree / "tools/testing/selftests/bpf"
    return (*BPF_FLAGS, *extra, "-I", str(inc), "-I", str(sel), "-I", str(sel / "progs"),
            "-I", str(tree / "tools/include/uapi"),
            *(x for d in SYS_INCLUDES for x in ("-idirafter", d)))


def _fresh(obj: Path, compiler: toolchain.Compiler, fl: Sequence[str]) -> bool:
    stamp = obj.with_name(obj.name + ".stamp")
    try:
        data = json.loads(stamp.read_text())
    except (OSError, ValueError):
        return False
    deps = data.get("deps")
    return (obj.exists() and isinstance(deps, list)
            and data.get("key") == toolchain.cache_key(compiler, fl, deps))


def _compile(compiler: toolchain.Compiler, src: Path, obj: Path, fl: Sequence[str]
             ) -> tuple[bool, bool, str]:
    """(ok, compiled, diagnostics) of one compile into `obj`, cached by content."""
    if _fresh(obj, compiler, fl):
        return True, False, ""
    tmp = obj.with_name(f".{obj.name}.{os.getpid()}.tmp")
    dep = tmp.with_name(tmp.name + ".d")
    argv = [*compiler.argv, *fl, "-MD", "-MF", str(dep), "-c", str(src), "-o", str(tmp)]
    try:
        proc = subprocess.run(argv, capture_output=True, text=True, timeout=600, check=False)
        diag = (proc.stderr + proc.stdout).strip()
        if proc.returncode != 0:
            return False, True, diag or f"exit status {proc.returncode}"
        deps = [*toolchain.parse_depfile(dep.read_text()), str(src)]
        os.replace(tmp, obj)
        obj.with_name(obj.name + ".stamp").write_text(json.dumps(
            {"key": toolchain.cache_key(compiler, fl, deps), "deps": deps}))
        return True, True, diag
    except subprocess.TimeoutExpired:
        return False, True, "compiler timed out"
    finally:
        tmp.unlink(missing_ok=True)
        dep.unlink(missing_ok=True)


def compile_one(compiler: toolchain.Compiler, src: Path, out: Path, tree: Path,
                inc: Path) -> Compiled:
    """Compile one program source; retried with BPF_NO_KFUNC_PROTOTYPES when the first
    attempt fails on a conflicting kfunc declaration."""
    obj = out / "objs" / (src.name[:-2] + ".bpf.o")
    ok, compiled, diag = _compile(compiler, src, obj, flags(tree, inc))
    if ok:
        return Compiled(src, obj, True, compiled)
    if "conflicting types" in diag or "redefinition" in diag or "redeclar" in diag:
        ok2, compiled2, diag2 = _compile(compiler, src, obj, flags(tree, inc, (NO_KFUNC,)))
        return Compiled(src, obj, ok2, compiled or compiled2, True, diag if not ok2 else diag2)
    return Compiled(src, obj, False, compiled, False, diag)


def build(spec: str, compiler_id: str | None = None, cache: Path | None = None,
          jobs: int = 2, vmlinux_btf: Path = Path("/sys/kernel/btf/vmlinux")) -> Corpus:
    """Fetch, extract and compile the selftests of `spec`; compile failures are listed."""
    cache = cache or default_cache()
    compiler = toolchain.select_compiler(toolchain.discover_compilers(), compiler_id)
    _log(f"fetching linux-source for {spec} (private apt under {cache}/apt)")
    deb, version = fetch_source(spec, cache)
    tree = extract(deb, version, cache / "selftests")
    out = cache / "selftests" / f"{version}-build" / compiler.id
    (out / "objs").mkdir(parents=True, exist_ok=True)
    inc = prepare_includes(tree, out, vmlinux_btf)
    sources = sorted((tree / "tools/testing/selftests/bpf/progs").glob("*.c"))
    if not sources:
        raise SelftestsError(f"{tree}: no tools/testing/selftests/bpf/progs/*.c")
    _log(f"compiling {len(sources)} programs with {compiler.id} ({jobs} jobs)")
    with ThreadPoolExecutor(max_workers=max(1, jobs)) as pool:
        results = list(pool.map(lambda s: compile_one(compiler, s, out, tree, inc), sources))
    failed = [r for r in results if not r.ok]
    compiled = sum(r.compiled for r in results)
    _log(f"{len(results) - len(failed)} of {len(results)} compiled ({compiled} now, "
         f"{len(results) - compiled} cached, {sum(r.retried and r.ok for r in results)} with "
         f"{NO_KFUNC}); {len(failed)} failed")
    return Corpus(version, tree, [r.obj for r in results if r.ok], failed, compiled,
                  len(results) - compiled)
