"""The ``SEC()`` name → program type / expected attach type table (libbpf ``section_defs``).

Matching rules (libbpf ``sec_def_matches``), checked in table order, first match wins:

* ``"type/"`` (ends in ``/``): the section name must start with it (``SEC("type/extras")``);
* ``"type+"`` (ends in ``+``): exactly ``type``, or ``type/`` followed by anything;
* anything else: the exact name only (``SEC("socket")`` matches, ``SEC("socket/x")`` does not).

A leading ``?`` (``SEC("?socket")``) marks a program that is *not autoloaded*; it is
stripped before matching.  A name that matches no entry leaves the program type unknown:
opening succeeds, loading that program fails (libbpf: "missing BPF prog type").
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import IntEnum, IntFlag
from functools import lru_cache


class BpfProgType(IntEnum):
    """``enum bpf_prog_type`` (include/uapi/linux/bpf.h)."""

    BPF_PROG_TYPE_UNSPEC = 0
    BPF_PROG_TYPE_SOCKET_FILTER = 1
    BPF_PROG_TYPE_KPROBE = 2
    BPF_PROG_TYPE_SCHED_CLS = 3
    BPF_PROG_TYPE_SCHED_ACT = 4
    BPF_PROG_TYPE_TRACEPOINT = 5
    BPF_PROG_TYPE_XDP = 6
    BPF_PROG_TYPE_PERF_EVENT = 7
    BPF_PROG_TYPE_CGROUP_SKB = 8
    BPF_PROG_TYPE_CGROUP_SOCK = 9
    BPF_PROG_TYPE_LWT_IN = 10
    BPF_PROG_TYPE_LWT_OUT = 11
    BPF_PROG_TYPE_LWT_XMIT = 12
    BPF_PROG_TYPE_SOCK_OPS = 13
    BPF_PROG_TYPE_SK_SKB = 14
    BPF_PROG_TYPE_CGROUP_DEVICE = 15
    BPF_PROG_TYPE_SK_MSG = 16
    BPF_PROG_TYPE_RAW_TRACEPOINT = 17
    BPF_PROG_TYPE_CGROUP_SOCK_ADDR = 18
    BPF_PROG_TYPE_LWT_SEG6LOCAL = 19
    BPF_PROG_TYPE_LIRC_MODE2 = 20
    BPF_PROG_TYPE_SK_REUSEPORT = 21
    BPF_PROG_TYPE_FLOW_DISSECTOR = 22
    BPF_PROG_TYPE_CGROUP_SYSCTL = 23
    BPF_PROG_TYPE_RAW_TRACEPOINT_WRITABLE = 24
    BPF_PROG_TYPE_CGROUP_SOCKOPT = 25
    BPF_PROG_TYPE_TRACING = 26
    BPF_PROG_TYPE_STRUCT_OPS = 27
    BPF_PROG_TYPE_EXT = 28
    BPF_PROG_TYPE_LSM = 29
    BPF_PROG_TYPE_SK_LOOKUP = 30
    BPF_PROG_TYPE_SYSCALL = 31
    BPF_PROG_TYPE_NETFILTER = 32


class BpfAttachType(IntEnum):
    """``enum bpf_attach_type`` (include/uapi/linux/bpf.h)."""

    BPF_CGROUP_INET_INGRESS = 0
    BPF_CGROUP_INET_EGRESS = 1
    BPF_CGROUP_INET_SOCK_CREATE = 2
    BPF_CGROUP_SOCK_OPS = 3
    BPF_SK_SKB_STREAM_PARSER = 4
    BPF_SK_SKB_STREAM_VERDICT = 5
    BPF_CGROUP_DEVICE = 6
    BPF_SK_MSG_VERDICT = 7
    BPF_CGROUP_INET4_BIND = 8
    BPF_CGROUP_INET6_BIND = 9
    BPF_CGROUP_INET4_CONNECT = 10
    BPF_CGROUP_INET6_CONNECT = 11
    BPF_CGROUP_INET4_POST_BIND = 12
    BPF_CGROUP_INET6_POST_BIND = 13
    BPF_CGROUP_UDP4_SENDMSG = 14
    BPF_CGROUP_UDP6_SENDMSG = 15
    BPF_LIRC_MODE2 = 16
    BPF_FLOW_DISSECTOR = 17
    BPF_CGROUP_SYSCTL = 18
    BPF_CGROUP_UDP4_RECVMSG = 19
    BPF_CGROUP_UDP6_RECVMSG = 20
    BPF_CGROUP_GETSOCKOPT = 21
    BPF_CGROUP_SETSOCKOPT = 22
    BPF_TRACE_RAW_TP = 23
    BPF_TRACE_FENTRY = 24
    BPF_TRACE_FEXIT = 25
    BPF_MODIFY_RETURN = 26
    BPF_LSM_MAC = 27
    BPF_TRACE_ITER = 28
    BPF_CGROUP_INET4_GETPEERNAME = 29
    BPF_CGROUP_INET6_GETPEERNAME = 30
    BPF_CGROUP_INET4_GETSOCKNAME = 31
    BPF_CGROUP_INET6_GETSOCKNAME = 32
    BPF_XDP_DEVMAP = 33
    BPF_CGROUP_INET_SOCK_RELEASE = 34
    BPF_XDP_CPUMAP = 35
    BPF_SK_LOOKUP = 36
    BPF_XDP = 37
    BPF_SK_SKB_VERDICT = 38
    BPF_SK_REUSEPORT_SELECT = 39
    BPF_SK_REUSEPORT_SELECT_OR_MIGRATE = 40
    BPF_PERF_EVENT = 41
    BPF_TRACE_KPROBE_MULTI = 42
    BPF_LSM_CGROUP = 43
    BPF_STRUCT_OPS = 44
    BPF_NETFILTER = 45
    BPF_TCX_INGRESS = 46
    BPF_TCX_EGRESS = 47
    BPF_TRACE_UPROBE_MULTI = 48
    BPF_CGROUP_UNIX_CONNECT = 49
    BPF_CGROUP_UNIX_SENDMSG = 50
    BPF_CGROUP_UNIX_RECVMSG = 51
    BPF_CGROUP_UNIX_GETPEERNAME = 52
    BPF_CGROUP_UNIX_GETSOCKNAME = 53
    BPF_NETKIT_PRIMARY = 54
    BPF_NETKIT_PEER = 55


class SecFlags(IntFlag):
    """libbpf ``enum sec_def_flags``."""

    SEC_NONE = 0
    SEC_EXP_ATTACH_OPT = 1
    SEC_ATTACHABLE = 2
    SEC_ATTACHABLE_OPT = 3  # SEC_ATTACHABLE | SEC_EXP_ATTACH_OPT
    SEC_ATTACH_BTF = 4
    SEC_SLEEPABLE = 8
    SEC_XDP_FRAGS = 16
    SEC_USDT = 32


@dataclass(frozen=True)
class SecDef:
    """One row of the table."""

    sec: str
    prog_type: BpfProgType
    expected_attach_type: int
    flags: SecFlags


P, A, F = BpfProgType, BpfAttachType, SecFlags

#: libbpf 1.4 ``section_defs``, in libbpf's order (the order decides ties).
SECTION_DEFS: tuple[SecDef, ...] = tuple(SecDef(s, t, a, f) for s, t, a, f in (
    ("socket", P.BPF_PROG_TYPE_SOCKET_FILTER, 0, F.SEC_NONE),
    ("sk_reuseport/migrate", P.BPF_PROG_TYPE_SK_REUSEPORT,
     A.BPF_SK_REUSEPORT_SELECT_OR_MIGRATE, F.SEC_ATTACHABLE),
    ("sk_reuseport", P.BPF_PROG_TYPE_SK_REUSEPORT, A.BPF_SK_REUSEPORT_SELECT,
     F.SEC_ATTACHABLE),
    ("kprobe+", P.BPF_PROG_TYPE_KPROBE, 0, F.SEC_NONE),
    ("uprobe+", P.BPF_PROG_TYPE_KPROBE, 0, F.SEC_NONE),
    ("uprobe.s+", P.BPF_PROG_TYPE_KPROBE, 0, F.SEC_SLEEPABLE),
    ("kretprobe+", P.BPF_PROG_TYPE_KPROBE, 0, F.SEC_NONE),
    ("uretprobe+", P.BPF_PROG_TYPE_KPROBE, 0, F.SEC_NONE),
    ("uretprobe.s+", P.BPF_PROG_TYPE_KPROBE, 0, F.SEC_SLEEPABLE),
    ("kprobe.multi+", P.BPF_PROG_TYPE_KPROBE, A.BPF_TRACE_KPROBE_MULTI, F.SEC_NONE),
    ("kretprobe.multi+", P.BPF_PROG_TYPE_KPROBE, A.BPF_TRACE_KPROBE_MULTI, F.SEC_NONE),
    ("uprobe.multi+", P.BPF_PROG_TYPE_KPROBE, A.BPF_TRACE_UPROBE_MULTI, F.SEC_NONE),
    ("uretprobe.multi+", P.BPF_PROG_TYPE_KPROBE, A.BPF_TRACE_UPROBE_MULTI, F.SEC_NONE),
    ("uprobe.multi.s+", P.BPF_PROG_TYPE_KPROBE, A.BPF_TRACE_UPROBE_MULTI, F.SEC_SLEEPABLE),
    ("uretprobe.multi.s+", P.BPF_PROG_TYPE_KPROBE, A.BPF_TRACE_UPROBE_MULTI,
     F.SEC_SLEEPABLE),
    ("ksyscall+", P.BPF_PROG_TYPE_KPROBE, 0, F.SEC_NONE),
    ("kretsyscall+", P.BPF_PROG_TYPE_KPROBE, 0, F.SEC_NONE),
    ("usdt+", P.BPF_PROG_TYPE_KPROBE, 0, F.SEC_USDT),
    ("usdt.s+", P.BPF_PROG_TYPE_KPROBE, 0, F.SEC_USDT | F.SEC_SLEEPABLE),
    ("tc/ingress", P.BPF_PROG_TYPE_SCHED_CLS, A.BPF_TCX_INGRESS, F.SEC_NONE),
    ("tc/egress", P.BPF_PROG_TYPE_SCHED_CLS, A.BPF_TCX_EGRESS, F.SEC_NONE),
    ("tcx/ingress", P.BPF_PROG_TYPE_SCHED_CLS, A.BPF_TCX_INGRESS, F.SEC_NONE),
    ("tcx/egress", P.BPF_PROG_TYPE_SCHED_CLS, A.BPF_TCX_EGRESS, F.SEC_NONE),
    ("tc", P.BPF_PROG_TYPE_SCHED_CLS, 0, F.SEC_NONE),
    ("classifier", P.BPF_PROG_TYPE_SCHED_CLS, 0, F.SEC_NONE),
    ("action", P.BPF_PROG_TYPE_SCHED_ACT, 0, F.SEC_NONE),
    ("netkit/primary", P.BPF_PROG_TYPE_SCHED_CLS, A.BPF_NETKIT_PRIMARY, F.SEC_NONE),
    ("netkit/peer", P.BPF_PROG_TYPE_SCHED_CLS, A.BPF_NETKIT_PEER, F.SEC_NONE),
    ("tracepoint+", P.BPF_PROG_TYPE_TRACEPOINT, 0, F.SEC_NONE),
    ("tp+", P.BPF_PROG_TYPE_TRACEPOINT, 0, F.SEC_NONE),
    ("raw_tracepoint+", P.BPF_PROG_TYPE_RAW_TRACEPOINT, 0, F.SEC_NONE),
    ("raw_tp+", P.BPF_PROG_TYPE_RAW_TRACEPOINT, 0, F.SEC_NONE),
    ("raw_tracepoint.w+", P.BPF_PROG_TYPE_RAW_TRACEPOINT_WRITABLE, 0, F.SEC_NONE),
    ("raw_tp.w+", P.BPF_PROG_TYPE_RAW_TRACEPOINT_WRITABLE, 0, F.SEC_NONE),
    ("tp_btf+", P.BPF_PROG_TYPE_TRACING, A.BPF_TRACE_RAW_TP, F.SEC_ATTACH_BTF),
    ("fentry+", P.BPF_PROG_TYPE_TRACING, A.BPF_TRACE_FENTRY, F.SEC_ATTACH_BTF),
    ("fmod_ret+", P.BPF_PROG_TYPE_TRACING, A.BPF_MODIFY_RETURN, F.SEC_ATTACH_BTF),
    ("fexit+", P.BPF_PROG_TYPE_TRACING, A.BPF_TRACE_FEXIT, F.SEC_ATTACH_BTF),
    ("fentry.s+", P.BPF_PROG_TYPE_TRACING, A.BPF_TRACE_FENTRY,
     F.SEC_ATTACH_BTF | F.SEC_SLEEPABLE),
    ("fmod_ret.s+", P.BPF_PROG_TYPE_TRACING, A.BPF_MODIFY_RETURN,
     F.SEC_ATTACH_BTF | F.SEC_SLEEPABLE),
    ("fexit.s+", P.BPF_PROG_TYPE_TRACING, A.BPF_TRACE_FEXIT,
     F.SEC_ATTACH_BTF | F.SEC_SLEEPABLE),
    ("freplace+", P.BPF_PROG_TYPE_EXT, 0, F.SEC_ATTACH_BTF),
    ("lsm+", P.BPF_PROG_TYPE_LSM, A.BPF_LSM_MAC, F.SEC_ATTACH_BTF),
    ("lsm.s+", P.BPF_PROG_TYPE_LSM, A.BPF_LSM_MAC, F.SEC_ATTACH_BTF | F.SEC_SLEEPABLE),
    ("lsm_cgroup+", P.BPF_PROG_TYPE_LSM, A.BPF_LSM_CGROUP, F.SEC_ATTACH_BTF),
    ("iter+", P.BPF_PROG_TYPE_TRACING, A.BPF_TRACE_ITER, F.SEC_ATTACH_BTF),
    ("iter.s+", P.BPF_PROG_TYPE_TRACING, A.BPF_TRACE_ITER, F.SEC_ATTACH_BTF | F.SEC_SLEEPABLE),
    ("syscall", P.BPF_PROG_TYPE_SYSCALL, 0, F.SEC_SLEEPABLE),
    ("xdp.frags/devmap", P.BPF_PROG_TYPE_XDP, A.BPF_XDP_DEVMAP, F.SEC_XDP_FRAGS),
    ("xdp/devmap", P.BPF_PROG_TYPE_XDP, A.BPF_XDP_DEVMAP, F.SEC_ATTACHABLE),
    ("xdp.frags/cpumap", P.BPF_PROG_TYPE_XDP, A.BPF_XDP_CPUMAP, F.SEC_XDP_FRAGS),
    ("xdp/cpumap", P.BPF_PROG_TYPE_XDP, A.BPF_XDP_CPUMAP, F.SEC_ATTACHABLE),
    ("xdp.frags", P.BPF_PROG_TYPE_XDP, A.BPF_XDP, F.SEC_XDP_FRAGS),
    ("xdp", P.BPF_PROG_TYPE_XDP, A.BPF_XDP, F.SEC_ATTACHABLE_OPT),
    ("perf_event", P.BPF_PROG_TYPE_PERF_EVENT, 0, F.SEC_NONE),
    ("lwt_in", P.BPF_PROG_TYPE_LWT_IN, 0, F.SEC_NONE),
    ("lwt_out", P.BPF_PROG_TYPE_LWT_OUT, 0, F.SEC_NONE),
    ("lwt_xmit", P.BPF_PROG_TYPE_LWT_XMIT, 0, F.SEC_NONE),
    ("lwt_seg6local", P.BPF_PROG_TYPE_LWT_SEG6LOCAL, 0, F.SEC_NONE),
    ("sockops", P.BPF_PROG_TYPE_SOCK_OPS, A.BPF_CGROUP_SOCK_OPS, F.SEC_ATTACHABLE_OPT),
    ("sk_skb/stream_parser", P.BPF_PROG_TYPE_SK_SKB, A.BPF_SK_SKB_STREAM_PARSER,
     F.SEC_ATTACHABLE_OPT),
    ("sk_skb/stream_verdict", P.BPF_PROG_TYPE_SK_SKB, A.BPF_SK_SKB_STREAM_VERDICT,
     F.SEC_ATTACHABLE_OPT),
    ("sk_skb/verdict", P.BPF_PROG_TYPE_SK_SKB, A.BPF_SK_SKB_VERDICT, F.SEC_ATTACHABLE_OPT),
    ("sk_skb", P.BPF_PROG_TYPE_SK_SKB, 0, F.SEC_NONE),
    ("sk_msg", P.BPF_PROG_TYPE_SK_MSG, A.BPF_SK_MSG_VERDICT, F.SEC_ATTACHABLE_OPT),
    ("lirc_mode2", P.BPF_PROG_TYPE_LIRC_MODE2, A.BPF_LIRC_MODE2, F.SEC_ATTACHABLE_OPT),
    ("flow_dissector", P.BPF_PROG_TYPE_FLOW_DISSECTOR, A.BPF_FLOW_DISSECTOR,
     F.SEC_ATTACHABLE_OPT),
    ("cgroup_skb/ingress", P.BPF_PROG_TYPE_CGROUP_SKB, A.BPF_CGROUP_INET_INGRESS,
     F.SEC_ATTACHABLE_OPT),
    ("cgroup_skb/egress", P.BPF_PROG_TYPE_CGROUP_SKB, A.BPF_CGROUP_INET_EGRESS,
     F.SEC_ATTACHABLE_OPT),
    ("cgroup/skb", P.BPF_PROG_TYPE_CGROUP_SKB, 0, F.SEC_NONE),
    ("cgroup/sock_create", P.BPF_PROG_TYPE_CGROUP_SOCK, A.BPF_CGROUP_INET_SOCK_CREATE,
     F.SEC_ATTACHABLE),
    ("cgroup/sock_release", P.BPF_PROG_TYPE_CGROUP_SOCK, A.BPF_CGROUP_INET_SOCK_RELEASE,
     F.SEC_ATTACHABLE),
    ("cgroup/sock", P.BPF_PROG_TYPE_CGROUP_SOCK, A.BPF_CGROUP_INET_SOCK_CREATE,
     F.SEC_ATTACHABLE_OPT),
    ("cgroup/post_bind4", P.BPF_PROG_TYPE_CGROUP_SOCK, A.BPF_CGROUP_INET4_POST_BIND,
     F.SEC_ATTACHABLE),
    ("cgroup/post_bind6", P.BPF_PROG_TYPE_CGROUP_SOCK, A.BPF_CGROUP_INET6_POST_BIND,
     F.SEC_ATTACHABLE),
    ("cgroup/bind4", P.BPF_PROG_TYPE_CGROUP_SOCK_ADDR, A.BPF_CGROUP_INET4_BIND,
     F.SEC_ATTACHABLE),
    ("cgroup/bind6", P.BPF_PROG_TYPE_CGROUP_SOCK_ADDR, A.BPF_CGROUP_INET6_BIND,
     F.SEC_ATTACHABLE),
    ("cgroup/connect4", P.BPF_PROG_TYPE_CGROUP_SOCK_ADDR, A.BPF_CGROUP_INET4_CONNECT,
     F.SEC_ATTACHABLE),
    ("cgroup/connect6", P.BPF_PROG_TYPE_CGROUP_SOCK_ADDR, A.BPF_CGROUP_INET6_CONNECT,
     F.SEC_ATTACHABLE),
    ("cgroup/connect_unix", P.BPF_PROG_TYPE_CGROUP_SOCK_ADDR, A.BPF_CGROUP_UNIX_CONNECT,
     F.SEC_ATTACHABLE),
    ("cgroup/sendmsg4", P.BPF_PROG_TYPE_CGROUP_SOCK_ADDR, A.BPF_CGROUP_UDP4_SENDMSG,
     F.SEC_ATTACHABLE),
    ("cgroup/sendmsg6", P.BPF_PROG_TYPE_CGROUP_SOCK_ADDR, A.BPF_CGROUP_UDP6_SENDMSG,
     F.SEC_ATTACHABLE),
    ("cgroup/sendmsg_unix", P.BPF_PROG_TYPE_CGROUP_SOCK_ADDR, A.BPF_CGROUP_UNIX_SENDMSG,
     F.SEC_ATTACHABLE),
    ("cgroup/recvmsg4", P.BPF_PROG_TYPE_CGROUP_SOCK_ADDR, A.BPF_CGROUP_UDP4_RECVMSG,
     F.SEC_ATTACHABLE),
    ("cgroup/recvmsg6", P.BPF_PROG_TYPE_CGROUP_SOCK_ADDR, A.BPF_CGROUP_UDP6_RECVMSG,
     F.SEC_ATTACHABLE),
    ("cgroup/recvmsg_unix", P.BPF_PROG_TYPE_CGROUP_SOCK_ADDR, A.BPF_CGROUP_UNIX_RECVMSG,
     F.SEC_ATTACHABLE),
    ("cgroup/getpeername4", P.BPF_PROG_TYPE_CGROUP_SOCK_ADDR,
     A.BPF_CGROUP_INET4_GETPEERNAME, F.SEC_ATTACHABLE),
    ("cgroup/getpeername6", P.BPF_PROG_TYPE_CGROUP_SOCK_ADDR,
     A.BPF_CGROUP_INET6_GETPEERNAME, F.SEC_ATTACHABLE),
    ("cgroup/getpeername_unix", P.BPF_PROG_TYPE_CGROUP_SOCK_ADDR,
     A.BPF_CGROUP_UNIX_GETPEERNAME, F.SEC_ATTACHABLE),
    ("cgroup/getsockname4", P.BPF_PROG_TYPE_CGROUP_SOCK_ADDR,
     A.BPF_CGROUP_INET4_GETSOCKNAME, F.SEC_ATTACHABLE),
    ("cgroup/getsockname6", P.BPF_PROG_TYPE_CGROUP_SOCK_ADDR,
     A.BPF_CGROUP_INET6_GETSOCKNAME, F.SEC_ATTACHABLE),
    ("cgroup/getsockname_unix", P.BPF_PROG_TYPE_CGROUP_SOCK_ADDR,
     A.BPF_CGROUP_UNIX_GETSOCKNAME, F.SEC_ATTACHABLE),
    ("cgroup/sysctl", P.BPF_PROG_TYPE_CGROUP_SYSCTL, A.BPF_CGROUP_SYSCTL, F.SEC_ATTACHABLE),
    ("cgroup/getsockopt", P.BPF_PROG_TYPE_CGROUP_SOCKOPT, A.BPF_CGROUP_GETSOCKOPT,
     F.SEC_ATTACHABLE),
    ("cgroup/setsockopt", P.BPF_PROG_TYPE_CGROUP_SOCKOPT, A.BPF_CGROUP_SETSOCKOPT,
     F.SEC_ATTACHABLE),
    ("cgroup/dev", P.BPF_PROG_TYPE_CGROUP_DEVICE, A.BPF_CGROUP_DEVICE, F.SEC_ATTACHABLE_OPT),
    ("struct_ops+", P.BPF_PROG_TYPE_STRUCT_OPS, 0, F.SEC_NONE),
    ("struct_ops.s+", P.BPF_PROG_TYPE_STRUCT_OPS, 0, F.SEC_SLEEPABLE),
    ("sk_lookup", P.BPF_PROG_TYPE_SK_LOOKUP, A.BPF_SK_LOOKUP, F.SEC_ATTACHABLE),
    ("netfilter", P.BPF_PROG_TYPE_NETFILTER, A.BPF_NETFILTER, F.SEC_NONE),
))
del P, A, F


def sec_def_matches(sec: str, name: str) -> bool:
    """libbpf ``sec_def_matches``: the ``/``, ``+`` and exact rules."""
    if sec.endswith("/"):
        return name.startswith(sec)
    if sec.endswith("+"):
        base = sec[:-1]
        return name == base or name.startswith(base + "/")
    return name == sec


@dataclass(frozen=True)
class ProgSection:
    """What a program's section name means: its definition (or None) and autoload."""

    name: str
    sec_def: SecDef | None
    autoload: bool


@lru_cache(maxsize=256)
def classify(section_name: str) -> ProgSection:
    """Strip a leading ``?`` (not autoloaded) and find the first matching ``SecDef``."""
    autoload = not section_name.startswith("?")
    name = section_name if autoload else section_name[1:]
    for d in SECTION_DEFS:
        if sec_def_matches(d.sec, name):
            return ProgSection(name, d, autoload)
    return ProgSection(name, None, autoload)
