"""Prebuilt objects: what an installed wheel runs on a machine without a compiler.

The wheel (setup.py's build hook, or `python3 -m harness.build.prebuilt OUT`) builds bpf-src/ with
the default compiler, exactly as a checkout's `bpfconform run` does, and keeps the objects
with `prebuilt.json`: the compiler's id and version, the flags, the compiler probes the
build used (`cc:*`), a sha256 of the whole bpf-src tree and of every object, and each
source's build outcome (a failed compile stays a failed compile).

In an installed wheel the checkout's files (bpf-src/, suite/, runners/python/adapter.toml,
and prebuilt/<compiler-id>/) live in `harness/_tree/`, which `data_root()` returns in place
of the checkout. The harness builds from source whenever it finds a compiler; only when
`toolchain.select_compiler` finds none (or not the one asked for) does it take a prebuilt
set of that id (`find`), and then only for the very sources it was built from: another
bpf-src tree is a ToolchainError, an altered or missing object a failed build. The run's
compiler is the builder's id, kind `prebuilt`, version `<version> (prebuilt)`: results.json
and the report say so.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import shutil
import sys
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from harness.build import toolchain
from harness.probes import ccprobes
from harness.probes.probes import ProbeResult

#: the harness package (this module is in its build/ room)
PACKAGE_DIR = Path(__file__).resolve().parents[1]
#: the checkout's tree, as an installed wheel carries it (inside the harness package)
INSTALLED_TREE = PACKAGE_DIR / "_tree"
PREBUILT_DIR = "prebuilt"
MANIFEST = "prebuilt.json"
FORMAT = 1
KIND = toolchain.PREBUILT_KIND
VERSION_SUFFIX = " (prebuilt)"


def data_root(package_dir: Path = PACKAGE_DIR) -> Path:
    """The checkout harness/ sits in, or the tree an installed wheel put beside it."""
    checkout = package_dir.parent
    installed = package_dir / INSTALLED_TREE.name
    if (checkout / "bpf-src").is_dir() or not installed.is_dir():
        return checkout
    return installed


def results_root(root: Path) -> Path:
    """Where reports go without --out: the checkout's results/, or ./results when `root`
    is an installed wheel's tree (never into site-packages)."""
    return Path.cwd() / "results" if root.name == INSTALLED_TREE.name else root / "results"


def tree_digest(bpf_src: Path) -> str:
    """sha256 over every file under bpf_src (relative path and content, sorted)."""
    h = hashlib.sha256()
    for path in sorted(p for p in bpf_src.rglob("*") if p.is_file()):
        if "__pycache__" in path.parts:
            continue
        h.update(f"{path.relative_to(bpf_src).as_posix()}\0".encode())
        h.update(hashlib.sha256(path.read_bytes()).digest())
    return h.hexdigest()


def _key(source: toolchain.Source) -> str:
    """A source's entry in prebuilt.json: its link manifest or path, `+control` for the
    positive-control build."""
    return (source.link_rel or source.rel) + ("+control" if source.control else "")


@dataclass(frozen=True)
class Entry:
    """One object of a prebuilt set."""

    object: str  # relative to the set's directory
    ok: bool
    diagnostics: str
    sha256: str | None


def _entry(result: toolchain.BuildResult, out: Path) -> dict[str, Any]:
    rel = result.source.object_rel()
    digest = None
    if result.ok:
        dest = out / rel
        dest.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(result.obj, dest)
        digest = hashlib.sha256(dest.read_bytes()).hexdigest()
    return {"object": rel, "ok": result.ok, "diagnostics": result.diagnostics,
            "sha256": digest}


def write(compiler: toolchain.Compiler, bpf_src: Path, build_dir: Path, out: Path) -> Path:
    """Build bpf_src with `compiler` (cached in build_dir, as a checkout's run) and write the
    set into out/<compiler-id>/; returns that directory."""
    builds = toolchain.build_all(compiler, bpf_src, build_dir)
    probes = toolchain.cc_probes(compiler, build_dir)
    if any(p.error for p in probes.values()):
        raise toolchain.ToolchainError(f"{compiler.id}: a compiler probe could not decide")
    target = out / compiler.id
    if target.exists():
        shutil.rmtree(target)
    target.mkdir(parents=True)
    entries: dict[str, dict[str, Any]] = {}
    for result in builds:
        entries[_key(result.source)] = _entry(result, target)
        if result.control is not None:
            entries[_key(result.control.source)] = _entry(result.control, target)
    doc = {
        "format": FORMAT,
        "compiler": {"id": compiler.id, "version": compiler.version, "major": compiler.major,
                     "kind": compiler.kind, "argv0": Path(compiler.argv[0]).name},
        "flags": list(toolchain.BASE_FLAGS),
        "defines": list(ccprobes.defines(probes)),
        "cc_probes": {n: {"ok": p.ok, "reason": p.reason} for n, p in probes.items()},
        "sources_sha256": tree_digest(bpf_src),
        "objects": entries,
    }
    (target / MANIFEST).write_text(json.dumps(doc, indent=1, sort_keys=True) + "\n")
    return target


def _manifests(root: Path) -> list[tuple[Path, dict[str, Any]]]:
    found = []
    for path in sorted((root / PREBUILT_DIR).glob(f"*/{MANIFEST}")):
        try:
            doc = json.loads(path.read_text())
        except (OSError, ValueError):
            continue
        if isinstance(doc, dict) and doc.get("format") == FORMAT:
            found.append((path.parent, doc))
    return found


def find(wanted: str | None, root: Path | None = None) -> toolchain.Compiler | None:
    """The prebuilt set's compiler for id `wanted` (None: the set there is), or None."""
    for _, doc in _manifests(root or data_root()):
        cc = doc["compiler"]
        if wanted is None or cc["id"] == wanted:
            return toolchain.Compiler(cc["id"], (), cc["version"] + VERSION_SUFFIX,
                                      int(cc["major"]), KIND)
    return None


def _load(compiler: toolchain.Compiler, root: Path) -> tuple[Path, dict[str, Any]]:
    for directory, doc in _manifests(root):
        if doc["compiler"]["id"] == compiler.id:
            return directory, doc
    raise toolchain.ToolchainError(f"no prebuilt objects for {compiler.id} in {root}")


def builds(compiler: toolchain.Compiler, bpf_src: Path,
           root: Path | None = None) -> list[toolchain.BuildResult]:
    """The build results of a prebuilt set, for the sources it was built from only."""
    directory, doc = _load(compiler, root or data_root())
    if tree_digest(bpf_src) != doc["sources_sha256"]:
        raise toolchain.ToolchainError(
            f"{toolchain.NO_CLANG_HINT}; the installed prebuilt objects ({compiler.id}) were "
            f"built from other sources than {bpf_src}")
    objects: dict[str, Any] = doc["objects"]

    def result(source: toolchain.Source) -> toolchain.BuildResult:
        raw = objects.get(_key(source))
        obj = directory / source.object_rel()
        if raw is None:
            return toolchain.BuildResult(source, obj, ok=False, compiled=False,
                                         diagnostics="no prebuilt object for this source")
        entry = Entry(**raw)
        if not entry.ok:
            return toolchain.BuildResult(source, obj, ok=False, compiled=False,
                                         diagnostics=entry.diagnostics)
        try:
            digest = hashlib.sha256(obj.read_bytes()).hexdigest()
        except OSError as exc:
            return toolchain.BuildResult(source, obj, ok=False, compiled=False,
                                         diagnostics=f"prebuilt object unreadable: {exc}")
        if digest != entry.sha256:
            return toolchain.BuildResult(source, obj, ok=False, compiled=False,
                                         diagnostics="prebuilt object altered since the build")
        return toolchain.BuildResult(source, obj, ok=True, compiled=False,
                                     diagnostics=entry.diagnostics)

    out = []
    for source in toolchain.find_sources(bpf_src):
        built = result(source)
        control = toolchain.control_of(source)
        if control is not None:
            built = replace(built, control=result(control))
        out.append(built)
    return out


def cc_probes(compiler: toolchain.Compiler, root: Path | None = None) -> dict[str, ProbeResult]:
    """The compiler probes the prebuilt set was built with."""
    _, doc = _load(compiler, root or data_root())
    return {n: ProbeResult(n, bool(p["ok"]), str(p["reason"]))
            for n, p in doc["cc_probes"].items()}


def main(argv: list[str] | None = None) -> int:
    """`python3 -m harness.build.prebuilt OUT [--compiler ID]`: what the wheel's build hook runs."""
    p = argparse.ArgumentParser(prog="python3 -m harness.build.prebuilt", description=main.__doc__)
    p.add_argument("out", help="directory that gets <compiler-id>/ (objects + prebuilt.json)")
    p.add_argument("--compiler", metavar="ID", help="compiler id (default: the default one)")
    p.add_argument("--bpf-src", default=str(data_root() / "bpf-src"), metavar="DIR")
    p.add_argument("--build-dir", default=str(data_root() / "build"), metavar="DIR",
                   help="the object cache (default: the checkout's build/)")
    args = p.parse_args(argv)
    found = [c for c in toolchain.discover_compilers() if c.kind != KIND]
    try:
        compiler = toolchain.select_compiler(found, args.compiler)
        if compiler.kind == KIND:
            raise toolchain.ToolchainError(toolchain.NO_CLANG_HINT)
        target = write(compiler, Path(args.bpf_src), Path(args.build_dir), Path(args.out))
    except toolchain.ToolchainError as exc:
        print(f"prebuilt: {exc}", file=sys.stderr)
        return 2
    doc = json.loads((target / MANIFEST).read_text())
    failed = sum(not e["ok"] for e in doc["objects"].values())
    print(f"prebuilt: {len(doc['objects'])} objects with {compiler.id} {compiler.version} "
          f"({failed} failed) in {target}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
