"""Facts about the running kernel for externs: config, version, kallsyms, vmlinux BTF ids.

Plain file reads (``/proc/config.gz`` or ``/boot/config-<release>``, ``/proc/kallsyms``,
``/sys/kernel/btf/vmlinux``), each done lazily once per ``kernel_facts()`` result; the
adapter keeps one per session.
"""

from __future__ import annotations

import gzip
import os
import re
from collections.abc import Callable
from functools import cache

from refloader.btf import Btf, BtfKind, index_names
from refloader.externs import KernelFacts

VMLINUX_BTF = "/sys/kernel/btf/vmlinux"


def kernel_version(release: str | None = None) -> int:
    """libbpf ``get_kernel_version``: KERNEL_VERSION(major, minor, min(patch, 255))."""
    m = re.match(r"(\d+)\.(\d+)(?:\.(\d+))?", release or os.uname().release)
    if not m:
        return 0
    major, minor, patch = int(m[1]), int(m[2]), int(m[3] or 0)
    return (major << 16) | (minor << 8) | min(patch, 255)


def read_kconfig() -> dict[str, str]:
    """``CONFIG_X=value`` lines of the running kernel's config (empty if none is found)."""
    text = ""
    for path in ("/proc/config.gz", f"/boot/config-{os.uname().release}"):
        try:
            if path.endswith(".gz"):
                with gzip.open(path, "rt") as f:
                    text = f.read()
            else:
                with open(path) as f:
                    text = f.read()
            break
        except OSError:
            continue
    out = {}
    for line in text.splitlines():
        if line.startswith("CONFIG_") and "=" in line:
            k, v = line.split("=", 1)
            out[k] = v
    return out


def kernel_facts() -> KernelFacts:
    """Facts with lazily loaded kallsyms and vmlinux BTF index."""

    @cache
    def kallsyms() -> dict[str, int]:
        out: dict[str, int] = {}
        try:
            with open("/proc/kallsyms") as f:
                for line in f:
                    parts = line.split()
                    if len(parts) >= 3 and len(parts) < 5:  # skip module symbols
                        out.setdefault(parts[2], int(parts[0], 16))
        except OSError:
            pass
        return out

    @cache
    def vmlinux() -> dict[tuple[int, str], int]:
        try:
            with open(VMLINUX_BTF, "rb") as f:
                raw = f.read()
        except OSError:
            return {}
        return index_names(raw, frozenset({BtfKind.FUNC, BtfKind.VAR}))

    def ksym_addr(name: str) -> int | None:
        return kallsyms().get(name)

    def ksym_prefix(prefix: str) -> int | None:
        """The first symbol starting with ``prefix`` (mutation externs.ksym.weak)."""
        return next((a for n, a in kallsyms().items() if n.startswith(prefix)), None)

    def vmlinux_id(kind: int, name: str) -> int | None:
        return vmlinux().get((kind, name))

    def compatible(local: Btf, local_id: int, kernel_id: int) -> bool:
        """libbpf bpf_core_types_are_compat: local type vs the kernel VAR's / FUNC's type."""
        from refloader.core import target_for
        from refloader.core.spec import types_are_compat
        target = target_for(VMLINUX_BTF)
        kt = target.type_by_id(kernel_id)
        return types_are_compat(local, local_id, target, kt.size_or_type())

    lazy: Callable[[str], bool] = lambda n: n in kallsyms()  # noqa: E731
    return KernelFacts(kernel_version(), read_kconfig(), ksym_addr, vmlinux_id,
                       has_syscall_wrapper=lazy("__x64_sys_bpf"),
                       has_bpf_cookie=lazy("bpf_get_attach_cookie_trace"),
                       compatible=compatible, ksym_prefix=ksym_prefix)
