"""The SEC() table: libbpf's exact, '+' and '/' rules, '?' for not autoloaded."""

from __future__ import annotations

import pytest
from refloader.sections import BpfAttachType, BpfProgType, classify

P, A = BpfProgType, BpfAttachType


@pytest.mark.parametrize(("name", "prog_type", "attach", "autoload"), [
    ("socket", P.BPF_PROG_TYPE_SOCKET_FILTER, 0, True),
    ("?socket", P.BPF_PROG_TYPE_SOCKET_FILTER, 0, False),
    ("kprobe", P.BPF_PROG_TYPE_KPROBE, 0, True),
    ("kprobe/do_sys_open", P.BPF_PROG_TYPE_KPROBE, 0, True),
    ("xdp", P.BPF_PROG_TYPE_XDP, A.BPF_XDP, True),
    ("xdp.frags", P.BPF_PROG_TYPE_XDP, A.BPF_XDP, True),
    ("tc", P.BPF_PROG_TYPE_SCHED_CLS, 0, True),
    ("tcx/ingress", P.BPF_PROG_TYPE_SCHED_CLS, A.BPF_TCX_INGRESS, True),
    ("cgroup_skb/egress", P.BPF_PROG_TYPE_CGROUP_SKB, A.BPF_CGROUP_INET_EGRESS, True),
    ("fentry/do_unlinkat", P.BPF_PROG_TYPE_TRACING, A.BPF_TRACE_FENTRY, True),
], ids=lambda v: str(v))
def test_known_section_names_map_to_libbpfs_type(name: str, prog_type: int, attach: int,
                                                 autoload: bool) -> None:
    ps = classify(name)
    assert ps.sec_def is not None
    assert (ps.sec_def.prog_type, ps.sec_def.expected_attach_type, ps.autoload) == (
        prog_type, attach, autoload)


@pytest.mark.parametrize("name", ["socket/extra", "kprobefoo", "xdp/extra", "tcx", "foo"])
def test_names_matching_no_rule_leave_the_type_unknown(name: str) -> None:
    assert classify(name).sec_def is None
