"""Feature probes against the running kernel, each checked against kernel facts that do
not come from the probe (tests/support/kernel_facts.py: the kernel's own BTF, else the
upstream release that introduced the feature)."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from kernel_facts import VMLINUX, enumerator, expected, holds
from refloader.btf import BtfKind
from refloader.probes import PROBES, probe_features
from refloader.sanitize import KernelFeatures

#: probe -> (what the kernel's BTF says, or None; the upstream release it came with)
FACTS: dict[str, tuple[Callable[[], bool | None], tuple[int, int]]] = {
    "btf": (lambda: True if VMLINUX.exists() else None, (4, 18)),
    "btf_func": (lambda: holds(BtfKind.FUNC), (4, 20)),
    "btf_global_func": (lambda: None, (5, 6)),
    "btf_datasec": (lambda: holds(BtfKind.DATASEC), (5, 2)),
    "btf_float": (lambda: holds(BtfKind.FLOAT) or enumerator("BTF_KIND_FLOAT"), (5, 13)),
    "btf_decl_tag": (lambda: holds(BtfKind.DECL_TAG) or enumerator("BTF_KIND_DECL_TAG"),
                     (5, 16)),
    "btf_type_tag": (lambda: holds(BtfKind.TYPE_TAG) or enumerator("BTF_KIND_TYPE_TAG"),
                     (5, 17)),
    "btf_enum64": (lambda: holds(BtfKind.ENUM64) or enumerator("BTF_KIND_ENUM64"), (6, 0)),
    # btf_name_valid_section() (a '?' first) came with 6.9 (CVE-2024-46764: ">=6.9")
    "btf_qmark_datasec": (lambda: None, (6, 9)),
    "global_data": (lambda: None, (5, 2)),
    "bpf_loop": (lambda: enumerator("BPF_FUNC_loop", "bpf_func_id"), (5, 17)),
    "mmapable_maps": (lambda: enumerator("BPF_F_MMAPABLE"), (5, 5)),
    "prog_name": (lambda: None, (4, 15)),
    "prog_bind_map": (lambda: enumerator("BPF_PROG_BIND_MAP", "bpf_cmd"), (5, 10)),
    # memcg accounting of BPF memory and bpf_ktime_get_coarse_ns both came in 5.11
    "memcg_account": (lambda: enumerator("BPF_FUNC_ktime_get_coarse_ns", "bpf_func_id"),
                      (5, 11)),
}


def test_every_probe_has_a_fact_to_be_checked_against() -> None:
    assert set(FACTS) == set(PROBES)


@pytest.mark.parametrize("name", sorted(PROBES))
def test_each_probe_agrees_with_the_kernel_facts(name: str) -> None:
    btf_says, since = FACTS[name]
    assert PROBES[name]() is expected(btf_says(), since)


def test_probe_features_fills_every_field() -> None:
    got = probe_features()
    assert set(PROBES) == set(KernelFeatures.__dataclass_fields__)
    assert isinstance(got, KernelFeatures)
