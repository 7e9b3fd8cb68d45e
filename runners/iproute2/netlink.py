"""The few rtnetlink requests the adapter makes itself, where tc/ip are not what is tested:
the id of the program tc/ip attached, and their removal after the request.

`tc -j filter show dev D ingress`, `ip -j link show dev D`, `tc filter del dev D ingress`
and `ip link set dev D xdp off` send exactly these messages; doing it here saves four
process starts per request (≈ 0.25 s each under qemu TCG).
"""

from __future__ import annotations

import errno
import os
import socket
import struct
from collections.abc import Iterator

# include/uapi/linux/netlink.h, rtnetlink.h, pkt_sched.h, pkt_cls.h, if_link.h
NLMSG_ERROR, NLMSG_DONE = 2, 3
NLM_F_REQUEST, NLM_F_MULTI, NLM_F_ACK, NLM_F_DUMP = 0x1, 0x2, 0x4, 0x300
NLA_F_NESTED, NLA_TYPE_MASK = 0x8000, 0x3FFF
RTM_NEWLINK, RTM_GETLINK, RTM_SETLINK = 16, 18, 19
RTM_NEWTFILTER, RTM_DELTFILTER, RTM_GETTFILTER = 44, 45, 46
CLSACT_INGRESS = 0xFFFFFFF2  # TC_H_MAKE(TC_H_CLSACT, TC_H_MIN_INGRESS): tc's `ingress`
TCA_KIND, TCA_OPTIONS, TCA_BPF_ID = 1, 2, 11
IFLA_XDP, IFLA_XDP_FD, IFLA_XDP_PROG_ID = 43, 1, 4
HDR = struct.Struct("<IHHII")  # nlmsghdr
TCMSG = struct.Struct("<BxxxiIII")  # family, ifindex, handle, parent, info
IFINFOMSG = struct.Struct("<BxHiII")  # family, type, index, flags, change


def attrs(buf: bytes) -> Iterator[tuple[int, bytes]]:
    """(type, payload) of each netlink attribute in `buf`."""
    off = 0
    while off + 4 <= len(buf):
        length, kind = struct.unpack_from("<HH", buf, off)
        if length < 4:
            return
        yield kind & NLA_TYPE_MASK, buf[off + 4:off + length]
        off += (length + 3) & ~3


def attr(kind: int, payload: bytes) -> bytes:
    """One netlink attribute, padded."""
    raw = struct.pack("<HH", 4 + len(payload), kind) + payload
    return raw + bytes(-len(raw) % 4)


class Rtnl:
    """A NETLINK_ROUTE socket in the adapter's network namespace."""

    def __init__(self) -> None:
        self.sock = socket.socket(socket.AF_NETLINK, socket.SOCK_RAW, socket.NETLINK_ROUTE)
        self.sock.bind((0, 0))
        self.seq = 0

    def request(self, kind: int, flags: int, body: bytes) -> list[tuple[int, bytes]]:
        """Send one message; return the (type, payload) replies until NLMSG_DONE (a dump)
        or the ack; raise OSError with the kernel's errno when it says no."""
        self.seq += 1
        self.sock.send(HDR.pack(HDR.size + len(body), kind, NLM_F_REQUEST | flags, self.seq, 0)
                       + body)
        out: list[tuple[int, bytes]] = []
        while True:
            data = self.sock.recv(1 << 16)
            off = 0
            while off + HDR.size <= len(data):
                length, mtype, _, seq, _ = HDR.unpack_from(data, off)
                payload = data[off + HDR.size:off + length]
                off += max((length + 3) & ~3, HDR.size)
                if seq != self.seq:
                    continue
                if mtype == NLMSG_DONE:
                    return out
                if mtype == NLMSG_ERROR:
                    err = -struct.unpack_from("<i", payload)[0]
                    if err:
                        raise OSError(err, os.strerror(err))
                    return out
                out.append((mtype, payload))
                if not flags & (NLM_F_ACK | NLM_F_DUMP):
                    return out

    def filter_prog_ids(self, ifindex: int) -> list[int]:
        """The program ids of the bpf filters on `ifindex`'s clsact ingress."""
        body = TCMSG.pack(socket.AF_UNSPEC, ifindex, 0, CLSACT_INGRESS, 0)
        ids = []
        for mtype, payload in self.request(RTM_GETTFILTER, NLM_F_DUMP, body):
            if mtype != RTM_NEWTFILTER:
                continue
            for kind, value in attrs(payload[TCMSG.size:]):
                if kind == TCA_OPTIONS:
                    ids += [struct.unpack_from("<I", v)[0] for k, v in attrs(value)
                            if k == TCA_BPF_ID]
        return ids

    def xdp_prog_id(self, ifindex: int) -> int:
        """The id of the XDP program attached to `ifindex`, 0 for none."""
        body = IFINFOMSG.pack(socket.AF_UNSPEC, 0, ifindex, 0, 0)
        for mtype, payload in self.request(RTM_GETLINK, 0, body):
            if mtype != RTM_NEWLINK:
                continue
            for kind, value in attrs(payload[IFINFOMSG.size:]):
                if kind == IFLA_XDP:
                    for k, v in attrs(value):
                        if k == IFLA_XDP_PROG_ID:
                            return int(struct.unpack_from("<I", v)[0])
        return 0

    def flush_ingress_filters(self, ifindex: int) -> None:
        """`tc filter del dev D ingress`: every filter of the clsact ingress (none: fine)."""
        body = TCMSG.pack(socket.AF_UNSPEC, ifindex, 0, CLSACT_INGRESS, 0)
        try:
            self.request(RTM_DELTFILTER, NLM_F_ACK, body)
        except OSError as exc:
            if exc.errno != errno.ENOENT:
                raise

    def xdp_off(self, ifindex: int) -> None:
        """`ip link set dev D xdp off` (none attached: fine)."""
        body = IFINFOMSG.pack(socket.AF_UNSPEC, 0, ifindex, 0, 0)
        xdp = attr(IFLA_XDP | NLA_F_NESTED, attr(IFLA_XDP_FD, struct.pack("<i", -1)))
        self.request(RTM_SETLINK, NLM_F_ACK, body + xdp)

    def close(self) -> None:
        """Close the socket."""
        self.sock.close()
