"""Compiler capability probes (`cc:<name>`): can this clang build a construct a test needs?

Each probe compiles a tiny snippet holding the real construct with the suite's own flags,
and where the compiler could accept the construct yet emit something else, checks what it
emitted (never a version number). Results are cached per compiler in
`build/<compiler-id>/cc-probes.json`, keyed by the compiler's id and version and the
probes' sources, so a warm run compiles nothing. Only definite answers are cached: a
compiler that could not be run (missing, killed, timed out) or a probe object that could
not be read is an `error` result (its items are ERROR, never SKIP) and is asked again
next time.

A program names them in `requires` like kernel probes (`CONFORM(p, "requires",
"cc:type_matches")`) and is SKIPped with the probe's reason when it is absent. A present
probe also defines `CONFORM_CC_<NAME>` (e.g. `CONFORM_CC_TYPE_MATCHES`) in every compile,
for constructs that would crash an older compiler outright (see bpf-src/core/core_types.h).
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import shutil
import struct
import subprocess
import tempfile
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

from elftools.common.exceptions import ELFError
from elftools.elf.elffile import ELFFile

from harness.probes.probes import ProbeResult


class Compiler(Protocol):
    """What a probe needs of a compiler (harness.build.toolchain.Compiler has it; this module
    sits below the toolchain, which runs the probes before its build)."""

    @property
    def id(self) -> str: ...  # noqa: D102
    @property
    def argv(self) -> tuple[str, ...]: ...  # noqa: D102
    @property
    def version(self) -> str: ...  # noqa: D102
    @property
    def kind(self) -> str: ...  # noqa: D102

CACHE_NAME = "cc-probes.json"
CACHE_FORMAT = 3
PROBE_FLAGS: tuple[str, ...] = ("-target", "bpfel", "-O2", "-g")
#: gcc-bpf's (toolchain.GCC_FLAGS, little-endian): a missing builtin is an error
GCC_PROBE_FLAGS: tuple[str, ...] = ("-O2", "-gbtf", "-mco-re",
                                    "-Werror=implicit-function-declaration", "-mlittle-endian")


def probe_flags(compiler: Compiler) -> tuple[str, ...]:
    """The flags the probes compile with: the suite's own for this kind of compiler."""
    return GCC_PROBE_FLAGS if compiler.kind == "gcc" else PROBE_FLAGS

# Documentation/bpf/btf.rst: BTF_KIND_* and the bytes following each `struct btf_type`.
BTF_MAGIC = 0xEB9F
BTF_KIND_ENUM = 6
BTF_KIND_ENUM64 = 19
_BTF_TYPE = struct.Struct("<III")
_BTF_HEADER = struct.Struct("<HBBIIIII")
#: kind -> (fixed bytes, bytes per vlen entry) after the 12-byte btf_type
_BTF_TRAILER: dict[int, tuple[int, int]] = {
    1: (4, 0),    # INT
    3: (12, 0),   # ARRAY
    4: (0, 12),   # STRUCT
    5: (0, 12),   # UNION
    6: (0, 8),    # ENUM
    13: (0, 8),   # FUNC_PROTO
    14: (4, 0),   # VAR
    15: (0, 12),  # DATASEC
    17: (4, 0),   # DECL_TAG
    19: (0, 12),  # ENUM64
}


def btf_kinds(btf: bytes) -> list[int]:
    """The BTF_KIND_* of every type in a raw `.BTF` section, in type-id order."""
    magic, _ver, _flags, hdr_len, type_off, type_len, _s_off, _s_len = _BTF_HEADER.unpack_from(
        btf, 0)
    if magic != BTF_MAGIC:
        raise ValueError(f"not BTF (magic {magic:#x})")
    pos, end = hdr_len + type_off, hdr_len + type_off + type_len
    kinds: list[int] = []
    while pos < end:
        _name, info, _size = _BTF_TYPE.unpack_from(btf, pos)
        kind, vlen = (info >> 24) & 0x1F, info & 0xFFFF
        fixed, per = _BTF_TRAILER.get(kind, (0, 0))
        kinds.append(kind)
        pos += _BTF_TYPE.size + fixed + per * vlen
    return kinds


def _section(obj: Path, name: str) -> bytes | None:
    with obj.open("rb") as fh:
        sec = ELFFile(fh).get_section_by_name(name)
        return None if sec is None else bytes(sec.data())


def _has_core_relos(obj: Path) -> str | None:
    if _section(obj, ".BTF.ext") is None:
        return "compiled, but emitted no .BTF.ext (no CO-RE relocation)"
    return None


def _has_enum64(obj: Path) -> str | None:
    btf = _section(obj, ".BTF")
    if btf is None:
        return "compiled, but emitted no .BTF"
    kinds = btf_kinds(btf)
    if BTF_KIND_ENUM64 in kinds:
        return None
    if BTF_KIND_ENUM in kinds:
        return ("a 64-bit enumerator is emitted as a 32-bit BTF_KIND_ENUM "
                "(value truncated): no BTF_KIND_ENUM64")
    return "no BTF_KIND_ENUM64 in the snippet's BTF"


def _links(obj: Path) -> str | None:
    """`bpftool gen object` (the suite's static linker, toolchain.LINK_ARGV) accepts the
    object's global function and variable: it needs their BTF (FUNC, VAR in a DATASEC)."""
    bpftool = shutil.which("bpftool")
    if bpftool is None:
        return "bpftool not found (static linking needs `bpftool gen object`)"
    out = obj.with_suffix(".linked.o")
    try:
        proc = subprocess.run([bpftool, "gen", "object", str(out), str(obj)],
                              capture_output=True, text=True, timeout=60)
    except subprocess.TimeoutExpired:
        return "bpftool gen object timed out"
    if proc.returncode != 0:
        return f"bpftool gen object refuses it: {_first_error(proc.stderr + proc.stdout)}"
    return None


def _no_check(_obj: Path) -> str | None:
    return None


@dataclass(frozen=True)
class CcProbe:
    """One compiler probe: a snippet, and a check of the object when it compiled."""

    name: str
    macro: str
    what: str
    source: str
    check: Callable[[Path], str | None]  # why the feature is absent, or None
    #: the compile error a test source using the construct gets from a compiler that lacks
    #: it (a regex over the diagnostics): such a failed build is a SKIP by this probe
    failure: str | None = None


CC_PROBES: tuple[CcProbe, ...] = (
    CcProbe(
        "cc:type_matches", "CONFORM_CC_TYPE_MATCHES",
        "__builtin_preserve_type_info(..., BPF_TYPE_MATCHES) (CO-RE kind 12)",
        "struct cc_s { int a; } __attribute__((preserve_access_index));\n"
        "int cc_probe(void) { return __builtin_preserve_type_info(*(struct cc_s *)0, 2); }\n",
        _has_core_relos,
    ),
    CcProbe(
        "cc:enum64", "CONFORM_CC_ENUM64",
        "a 64-bit enumerator in BTF (BTF_KIND_ENUM64)",
        "enum cc_big { CC_BIG = 0x100000001ULL };\nenum cc_big cc_anchor;\n",
        _has_enum64,
    ),
    CcProbe(
        # libbpf's bpf_helper_defs.h: `static long (* const bpf_x)(...) = (void *) N;`,
        # called twice in one function: GCC 12 keeps the address in a register and refuses
        # ("indirect call in function, which are not supported by eBPF"); once compiles
        "cc:helper_call", "CONFORM_CC_HELPER_CALL",
        "a BPF helper called twice through libbpf's `(void *) <helper id>` function pointer",
        "static long (*const cc_h)(void *m, const void *k) = (void *) 1;\nint cc_m;\n"
        "int cc_probe(void) { int k = 0; long a = cc_h(&cc_m, &k); k = 1;\n"
        "  return (int)(a + cc_h(&cc_m, &k)); }\n",
        _no_check,
        r"indirect call in function",
    ),
    CcProbe(
        # bpf_core_read.h's bpf_core_field_exists/_size and bitfield reads
        "cc:field_info", "CONFORM_CC_FIELD_INFO",
        "__builtin_preserve_field_info(...) (CO-RE field existence, size, offset)",
        "struct cc_s { int a; int b; } __attribute__((preserve_access_index));\n"
        "int cc_probe(struct cc_s *s) { return __builtin_preserve_field_info(s->b, 2); }\n",
        _has_core_relos,
        r"implicit declaration of function .__builtin_preserve_field_info\b",
    ),
    CcProbe(
        # bpf_core_type_exists/_size: every CO-RE type-based relocation
        "cc:type_info", "CONFORM_CC_TYPE_INFO",
        "__builtin_preserve_type_info(..., BPF_TYPE_EXISTS) (CO-RE type relocation)",
        "struct cc_s { int a; } __attribute__((preserve_access_index));\n"
        "int cc_probe(void) { return __builtin_preserve_type_info(*(struct cc_s *)0, 0); }\n",
        _has_core_relos,
        r"implicit declaration of function .__builtin_preserve_type_info\b",
    ),
    CcProbe(
        # bpf_core_enum_value_exists/bpf_core_enum_value
        "cc:enum_value", "CONFORM_CC_ENUM_VALUE",
        "__builtin_preserve_enum_value(...) (CO-RE enumerator relocation)",
        "enum cc_e { CC_A = 1 };\n"
        "int cc_probe(void) { return __builtin_preserve_enum_value(*(enum cc_e *)CC_A, 1); }\n",
        _has_core_relos,
        r"implicit declaration of function .__builtin_preserve_enum_value\b",
    ),
    CcProbe(
        # bpf_core_type_id_local/_kernel
        "cc:btf_type_id", "CONFORM_CC_BTF_TYPE_ID",
        "__builtin_btf_type_id(...) (a BTF type id relocation)",
        "struct cc_s { int a; };\n"
        "int cc_probe(void) { return __builtin_btf_type_id(*(struct cc_s *)0, 0); }\n",
        _has_core_relos,
        r"implicit declaration of function .__builtin_btf_type_id\b",
    ),
    CcProbe(
        # bpf-src/link/: the parts' globals and externs are resolved by `bpftool gen object`
        # from their BTF; gcc-bpf-12 emits none for a global function or variable
        "cc:static_link", "CONFORM_CC_STATIC_LINK",
        "an object with a global function and variable that `bpftool gen object` links",
        "int cc_counter;\n"
        "__attribute__((noinline)) int cc_choose(int x) { return x + cc_counter; }\n"
        "int cc_probe(void) { return cc_choose(1); }\n",
        _links,
        r"failed to find (BTF info for global/extern symbol|symbol for variable)",
    ),
)
CC_PROBE_NAMES: tuple[str, ...] = tuple(p.name for p in CC_PROBES)


def explain_failure(diagnostics: str, results: Mapping[str, ProbeResult]
                    ) -> list[ProbeResult]:
    """The absent `cc:*` probes whose construct's compile error `diagnostics` shows: a
    build failure they explain is a SKIP by probe. Empty when no probe explains it, or
    when one that matches is present (then the failure is this project's or the
    compiler's bug, not a missing feature: an ERROR)."""
    matched = [p for p in CC_PROBES
               if p.failure is not None and re.search(p.failure, diagnostics)]
    found = [results.get(p.name) for p in matched]
    if not found or any(r is None or r.ok or r.error for r in found):
        return []
    return [r for r in found if r is not None]


def _cache_key(compiler: Compiler) -> str:
    h = hashlib.sha256()
    h.update(json.dumps([CACHE_FORMAT, compiler.id, compiler.version,
                         list(probe_flags(compiler)),
                         [(p.name, p.source) for p in CC_PROBES]]).encode())
    return h.hexdigest()


def _first_error(text: str) -> str:
    for line in text.splitlines():
        if "error" in line:
            return line.strip()
    return text.strip().splitlines()[0] if text.strip() else "no diagnostics"


def run_one(compiler: Compiler, probe: CcProbe, workdir: Path) -> ProbeResult:
    """Compile one probe's snippet in workdir and judge the result."""
    src, obj = workdir / f"{probe.macro}.c", workdir / f"{probe.macro}.o"
    src.write_text(probe.source)
    argv = [*compiler.argv, *probe_flags(compiler), "-c", str(src), "-o", str(obj)]
    try:
        proc = subprocess.run(argv, capture_output=True, text=True, timeout=120, check=False)
    except (OSError, subprocess.SubprocessError) as exc:
        return ProbeResult(probe.name, False, f"{compiler.id} could not run: {exc}",
                           error=True)
    if proc.returncode < 0:  # killed (OOM, a signal from outside): no answer about the code
        return ProbeResult(probe.name, False, f"{compiler.id} could not run: killed by "
                           f"signal {-proc.returncode}", error=True)
    if proc.returncode != 0:
        why = _first_error(proc.stderr + proc.stdout)
        return ProbeResult(probe.name, False,
                           f"{compiler.id} cannot compile {probe.what}: {why}")
    try:
        absent = probe.check(obj)
    except (OSError, ELFError, ValueError, struct.error) as exc:
        return ProbeResult(probe.name, False,
                           f"{compiler.id}: unreadable probe object: {exc}", error=True)
    if absent:
        return ProbeResult(probe.name, False, f"{compiler.id}: {absent}")
    return ProbeResult(probe.name, True, f"{compiler.id} compiles {probe.what}")


def _read_cache(path: Path, key: str) -> dict[str, ProbeResult] | None:
    try:
        doc = json.loads(path.read_text())
        if doc.get("key") != key:
            return None
        found = {n: ProbeResult(n, bool(r["ok"]), str(r["reason"]))
                 for n, r in doc["probes"].items() if not r.get("error")}
    except (OSError, ValueError, KeyError, TypeError, AttributeError):
        return None
    return found if set(found) == set(CC_PROBE_NAMES) else None


def probe_compiler(compiler: Compiler, out_dir: Path) -> dict[str, ProbeResult]:
    """Every compiler probe for `compiler`, from `out_dir/<id>/cc-probes.json` when fresh."""
    cache_dir = out_dir / compiler.id
    cache = cache_dir / CACHE_NAME
    key = _cache_key(compiler)
    cached = _read_cache(cache, key)
    if cached is not None:
        return cached
    cache_dir.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix=".cc-probes-", dir=cache_dir) as tmp:
        results = {p.name: run_one(compiler, p, Path(tmp)) for p in CC_PROBES}
    if any(r.error for r in results.values()):
        return results  # not a definite answer: never cached, asked again next run
    doc = {"key": key, "probes": {n: {"ok": r.ok, "reason": r.reason}
                                  for n, r in results.items()}}
    tmp_cache = cache.with_name(f".{CACHE_NAME}.{os.getpid()}.tmp")
    tmp_cache.write_text(json.dumps(doc, indent=1) + "\n")
    os.replace(tmp_cache, cache)
    return results


def defines(results: Mapping[str, ProbeResult]) -> tuple[str, ...]:
    """`-DCONFORM_CC_<NAME>` for every probe that is present (sorted: a stable cache key)."""
    return tuple(f"-D{p.macro}" for p in CC_PROBES if (r := results.get(p.name)) and r.ok)
