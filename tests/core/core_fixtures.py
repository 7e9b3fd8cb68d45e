"""Helpers of the CO-RE engine's tests (tests/core): paths, the build record, building.

bpf-src/core/ is built exactly as the harness builds it (`harness.build.toolchain.build_one`: its
flags plus the `-DCONFORM_CC_*` of the compiler's `cc:*` probes), and whether a program
can be checked with a compiler is decided as the harness decides it: from the program's
`requires` metadata (`.conform`, read by `harness.suite.discovery`) and that compiler's probe
results, never from a compiler name or version.
"""

from __future__ import annotations

import functools
import importlib.util
import os
import sys
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

from harness.build.toolchain import (
    Compiler,
    build_one,
    cc_probes,
    discover_compilers,
    find_sources,
)
from harness.probes import ccprobes
from harness.probes.probes import ProbeResult
from harness.suite.discovery import discover_object, load_catalogue

REPO = Path(__file__).resolve().parents[2]
if importlib.util.find_spec("refloader") is None:
    sys.path.insert(0, str(REPO / "runners" / "python"))

BPF_SRC = REPO / "bpf-src"
CORE_SRC = BPF_SRC / "core"
INCLUDE = BPF_SRC / "include"
CATALOGUE = REPO / "suite" / "catalogue.toml"
#: the compilers the engine is checked with: the newest and the oldest the suite supports
#: (both installed by .ci/install: a missing one fails under CI, see tests/support/require.py)
COMPILERS = ["clang-19", "clang-14"]
TARGET_STUB = "core/btf/layout_a.btf.c"
CONTROL_STUB = "core/btf/layout_b.btf.c"


class BuildError(Exception):
    """bpf-src/core did not build, or its `.conform` metadata is unusable."""


@dataclass(frozen=True)
class CoreBuild:
    """The compiled CO-RE tests: objects by stem, the two target stubs, what gates them."""

    compiler: str
    objects: dict[str, Path]
    target: Path
    control: Path
    #: the compiler's `cc:*` probe results
    probes: dict[str, ProbeResult]
    #: the `cc:*` probes each object's programs require (their `requires` metadata)
    cc_requires: dict[str, frozenset[str]]
    #: an object's own (target, control) stubs where its metadata names others
    #: (`btf_custom_path`, `btf_control_path`), as the harness passes them to the loader
    own_stubs: dict[str, tuple[Path, Path]]

    def target_of(self, name: str) -> Path:
        """The BTF `name` is relocated against: its `btf_custom_path`, or target A."""
        return self.own_stubs.get(name, (self.target, self.control))[0]

    def control_of(self, name: str) -> Path:
        """`name`'s control BTF: its `btf_control_path`, or control B."""
        return self.own_stubs.get(name, (self.target, self.control))[1]

    def unchecked_because(self, name: str) -> str | None:
        """Why the harness SKIPs `name` with this compiler (an absent `cc:` probe), or None."""
        absent = sorted(r for r in self.cc_requires[name] if not self.probes[r].ok)
        return "; ".join(f"{r}: {self.probes[r].reason}" for r in absent) or None

    def checkable(self, name: str) -> bool:
        """True when every compiler probe `name` requires is present for this compiler."""
        return self.unchecked_because(name) is None


@functools.cache
def find_compiler(compiler_id: str) -> Compiler | None:
    """The harness's `Compiler` whose id is `compiler_id` (e.g. `clang-19`), or None."""
    return next((c for c in discover_compilers() if c.id == compiler_id), None)


def _metadata(obj: Path, source: Path, rel: str,
              catalogue: frozenset[str]) -> tuple[frozenset[str], tuple[Path, Path] | None]:
    """The `cc:*` probes `obj` requires and its own (target, control) stubs, if any."""
    items = discover_object(obj, source, rel, catalogue)
    errors = [f"{i.id}: {i.error}" for i in items if i.error is not None]
    if errors:
        raise BuildError("; ".join(errors))
    requires = frozenset(r for i in items if i.expectations is not None
                         for r in i.expectations.requires if r in ccprobes.CC_PROBE_NAMES)
    paths = {(e.btf_custom_path, e.btf_control_path) for i in items
             if (e := i.expectations) is not None and e.btf_custom_path is not None}
    if not paths:
        return requires, None
    ((target, control),) = paths  # one pair per object
    if control is None:
        raise BuildError(f"{rel}: btf_custom_path without btf_control_path")
    return requires, (Path(target), Path(control))  # discovery resolved them to the stubs


def build_core(compiler: Compiler, out: Path, jobs: int = 2) -> CoreBuild:
    """Every bpf-src/core program and stub built by the harness toolchain into `out`."""
    probes = cc_probes(compiler, out)
    undecided = [f"{p.name}: {p.reason}" for p in probes.values() if p.error]
    if undecided:  # the harness makes such items ERROR: so do these tests
        raise BuildError(f"{compiler.id}: compiler probes could not decide: {undecided}")
    defines = ccprobes.defines(probes)
    sources = [s for s in find_sources(BPF_SRC) if s.rel.startswith("core/")]
    with ThreadPoolExecutor(max(1, jobs)) as pool:
        built = list(pool.map(lambda s: build_one(compiler, s, out, INCLUDE, defines),
                              sources))
    failed = [f"{b.source.rel}: {b.diagnostics}" for b in built if not b.ok]
    if failed:
        raise BuildError(f"{compiler.id} failed to build:\n" + "\n".join(failed))
    stubs = {b.source.rel: b.obj for b in built if b.source.is_btf_stub}
    tests = [b for b in built if not b.source.is_btf_stub]
    if not tests:
        raise BuildError(f"no CO-RE programs under {CORE_SRC}")
    catalogue = load_catalogue(CATALOGUE)
    objects = {b.obj.name.removesuffix(".bpf.o"): b.obj for b in tests}
    meta = {b.obj.name.removesuffix(".bpf.o"):
            _metadata(b.obj, b.source.path, b.source.rel, catalogue) for b in tests}
    target, control = stubs[TARGET_STUB], stubs[CONTROL_STUB]
    own = {n: pair for n, (_, pair) in meta.items()
           if pair is not None and pair != (target, control)}
    return CoreBuild(compiler.id, objects, target, control, probes,
                     {n: req for n, (req, _) in meta.items()}, own)


def can_bpf() -> bool:
    """Whether this process may load BPF programs (root)."""
    return os.geteuid() == 0
