"""Facts about the running kernel that come from neither probe under test, to check the
probes against (`from kernel_facts import expected`).

First the kernel's own BTF (/sys/kernel/btf/vmlinux, parsed by refloader.btf): the
enumerators of a named enum the kernel uses (`enum bpf_func_id`, `enum bpf_cmd`, `enum
bpf_ret_code`) say exactly what it knows; an enumerator of an anonymous uapi enum
(`BTF_KIND_ENUM64`, `BPF_F_MMAPABLE`) or a BTF kind the kernel's BTF itself holds proves
support when present and says nothing when absent. Where the BTF says nothing, the upstream
release that introduced the feature decides: a distribution kernel that backported one
shows up as a mismatch to look at, never as a silent pass. Nothing here names a host.
"""

from __future__ import annotations

import functools
import os
import re
from pathlib import Path

from refloader.btf import Btf, BtfKind

VMLINUX = Path("/sys/kernel/btf/vmlinux")


@functools.cache
def _btf() -> Btf | None:
    try:
        raw = VMLINUX.read_bytes()
    except FileNotFoundError:
        return None
    return Btf.parse(raw)


def release() -> tuple[int, int]:
    """(major, minor) of the running kernel."""
    m = re.match(r"(\d+)\.(\d+)", os.uname().release)
    assert m, os.uname().release
    return int(m.group(1)), int(m.group(2))


@functools.cache
def _enums() -> dict[str, frozenset[str]]:
    """Enumerator names per enum name ("" gathers every anonymous enum)."""
    btf = _btf()
    found: dict[str, set[str]] = {}
    for t in btf.types if btf is not None else ():
        if t.kind in (BtfKind.ENUM, BtfKind.ENUM64):
            found.setdefault(t.name, set()).update(v.name for v in t.values)  # type: ignore[attr-defined]
    return {k: frozenset(v) for k, v in found.items()}


def enumerator(name: str, enum: str = "") -> bool | None:
    """Whether the kernel's BTF has enumerator `name`: exact for a named `enum` the kernel
    holds; for an anonymous one (enum="") True when present, None (unknown) when not."""
    values = _enums().get(enum)
    if values is None:
        return None
    if name in values:
        return True
    return False if enum else None


def holds(kind: BtfKind) -> bool | None:
    """True when the kernel's own BTF holds a type of `kind` (so it accepts that kind)."""
    btf = _btf()
    return True if btf is not None and any(t.kind == kind for t in btf.types) else None


def names_of(kind: BtfKind) -> frozenset[str] | None:
    """Names of every type of `kind` in the kernel's BTF (None without BTF)."""
    btf = _btf()
    return None if btf is None else frozenset(t.name for t in btf.types if t.kind == kind)


def expected(btf_says: bool | None, since: tuple[int, int]) -> bool:
    """What a probe must find: the BTF's answer when it has one, else release >= since."""
    return btf_says if btf_says is not None else release() >= since
