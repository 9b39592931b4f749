#!/usr/bin/env python3
# Writes the seed corpus for fuzz_netlink (see fuzz/fuzz_netlink.c for the
# input format: one selector byte, then a message payload or a whole
# receive buffer).
#
#   python3 fuzz/netlink_corpus.py fuzz/corpus/fuzz_netlink
#       hand-built RTM_NEWLINK/NEWADDR/NEWROUTE messages of the shapes the
#       kernel sends (veth, macvlan, bridge port, IPv4/IPv6 addresses and
#       routes), single and as one dump buffer.
#
#   unshare -n python3 fuzz/netlink_corpus.py --capture fuzz/corpus/fuzz_netlink
#       also real kernel replies: inside a fresh, private network namespace
#       (it refuses to run if any link but lo exists) it builds a small
#       topology with ip(8) and dumps links, addresses and routes. Nothing
#       outside that namespace is touched; it vanishes when the command ends.
import os
import socket
import struct
import subprocess
import sys

RTM_NEWLINK, RTM_GETLINK = 16, 18
RTM_NEWADDR, RTM_GETADDR = 20, 22
RTM_NEWROUTE, RTM_GETROUTE = 24, 26
NLMSG_DONE = 3
NLM_F_MULTI, NLM_F_REQUEST, NLM_F_DUMP = 0x2, 0x1, 0x300
SEL = {RTM_NEWLINK: 0, RTM_NEWADDR: 1, RTM_NEWROUTE: 2}


def align(n):
    return (n + 3) & ~3


def attr(kind, data):
    return struct.pack("=HH", 4 + len(data), kind) + data + b"\0" * (align(len(data)) - len(data))


def u32(v):
    return struct.pack("=I", v)


def nest(kind, *attrs):
    return attr(kind | 0x8000, b"".join(attrs))


def nlmsg(kind, payload, flags=NLM_F_MULTI, seq=1):
    return struct.pack("=IHHII", 16 + len(payload), kind, flags, seq, 0) + payload


def ifinfo(index, flags, ltype=1):
    return struct.pack("=BxHiII", 0, ltype, index, flags, 0)


def ifaddr(family, plen, flags, scope, index):
    return struct.pack("=BBBBI", family, plen, flags, scope, index)


def rtmsg(family, dst_len, table=254, proto=4, scope=0, rtype=1):
    return struct.pack("=BBBBBBBBI", family, dst_len, 0, 0, table, proto, scope, rtype, 0)


def hand_built():
    v4 = lambda s: socket.inet_pton(socket.AF_INET, s)
    v6 = lambda s: socket.inet_pton(socket.AF_INET6, s)
    msgs = {
        "link-lo": (RTM_NEWLINK, ifinfo(1, 0x49, 772) + attr(3, b"lo\0") + attr(4, u32(65536))
                    + attr(16, b"\0") + attr(1, b"\0" * 6)),
        "link-veth": (RTM_NEWLINK, ifinfo(2, 0x1043) + attr(3, b"eth0\0") + attr(4, u32(1500))
                      + attr(16, b"\x06") + attr(1, bytes.fromhex("0200005e1001"))
                      + attr(20, b"netnsctl:web\0") + attr(5, u32(7)) + attr(37, u32(0))
                      + nest(18, attr(1, b"veth\0"), nest(2, attr(1, b"\0" * 16)))),
        "link-macvlan": (RTM_NEWLINK, ifinfo(3, 0x1003) + attr(3, b"mv0\0") + attr(4, u32(1500))
                         + attr(5, u32(2)) + nest(18, attr(1, b"macvlan\0"), nest(2, attr(1, u32(4))))),
        "link-bridge-port": (RTM_NEWLINK, ifinfo(4, 0x1003) + attr(3, b"ve-web\0") + attr(10, u32(9))
                             + nest(18, attr(1, b"veth\0"), attr(4, b"bridge\0"))),
        "addr-v4": (RTM_NEWADDR, ifaddr(2, 24, 0x80, 0, 2) + attr(1, v4("10.0.0.2")) + attr(2, v4("10.0.0.2"))
                    + attr(4, v4("10.0.0.255")) + attr(3, b"eth0\0") + attr(8, u32(0x80))
                    + attr(6, struct.pack("=IIII", 0xffffffff, 0xffffffff, 100, 100))),
        "addr-v6": (RTM_NEWADDR, ifaddr(10, 64, 0x80, 0, 2) + attr(1, v6("2001:db8::2")) + attr(8, u32(0x280))),
        "addr-v6-ll": (RTM_NEWADDR, ifaddr(10, 64, 0x80, 253, 2) + attr(1, v6("fe80::1"))),
        "route-v4-default": (RTM_NEWROUTE, rtmsg(2, 0, proto=0x96) + attr(15, u32(254)) + attr(5, v4("10.0.0.1"))
                             + attr(4, u32(2)) + attr(6, u32(100))),
        "route-v4-link": (RTM_NEWROUTE, rtmsg(2, 24, proto=2, scope=253) + attr(15, u32(254))
                          + attr(1, v4("10.0.0.0")) + attr(7, v4("10.0.0.2")) + attr(4, u32(2))),
        "route-v6": (RTM_NEWROUTE, rtmsg(10, 64) + attr(15, u32(254)) + attr(1, v6("2001:db8::"))
                     + attr(4, u32(2)) + attr(6, u32(256)) + attr(20, b"\0")),
        "route-v6-default": (RTM_NEWROUTE, rtmsg(10, 0, proto=0x96) + attr(15, u32(254))
                             + attr(5, v6("fe80::1")) + attr(4, u32(2)) + attr(6, u32(1024))),
        "route-local-table": (RTM_NEWROUTE, rtmsg(2, 32, table=255, proto=2, scope=254, rtype=2)
                              + attr(15, u32(255)) + attr(1, v4("10.0.0.2")) + attr(4, u32(2))),
    }
    out = {}
    stream = b""
    for name, (kind, payload) in msgs.items():
        out[name] = bytes([SEL[kind]]) + payload
        stream += nlmsg(kind, payload)
    out["stream-all"] = b"\x40" + stream + nlmsg(NLMSG_DONE, u32(0))
    return out


def dump(sock, kind, payload):
    sock.send(nlmsg(kind, payload, NLM_F_REQUEST | NLM_F_DUMP, seq=kind))
    bufs = []
    while True:
        buf = sock.recv(65536)
        bufs.append(buf)
        off = 0
        while off + 16 <= len(buf):
            length, mtype = struct.unpack_from("=IH", buf, off)
            if mtype == NLMSG_DONE or length < 16:
                return bufs
            off += align(length)


def split(buf):
    off = 0
    while off + 16 <= len(buf):
        length, mtype = struct.unpack_from("=IH", buf, off)
        if length < 16:
            return
        yield mtype, buf[off + 16:off + length]
        off += align(length)


def captured():
    if [name for _, name in socket.if_nameindex()] != ["lo"]:
        sys.exit("--capture must run in a fresh namespace: unshare -n python3 %s --capture DIR" % sys.argv[0])
    for cmd in ("link set lo up",
                "link add br0 type bridge",
                "link add veth0 type veth peer name veth1",
                "link set veth1 master br0",
                "link set veth0 alias netnsctl:web",
                "link add mv0 link veth0 type macvlan mode private",
                "addr add 10.0.0.2/24 dev veth0",
                "-6 addr add 2001:db8::2/64 dev veth0 nodad",
                "link set veth0 up", "link set veth1 up", "link set br0 up", "link set mv0 up",
                "route add default via 10.0.0.1 metric 100",
                "-6 route add 2001:db8:1::/48 via 2001:db8::1"):
        subprocess.run(["ip"] + cmd.split(), check=True)
    sock = socket.socket(socket.AF_NETLINK, socket.SOCK_RAW, socket.NETLINK_ROUTE)
    out = {}
    for kind, payload, name in ((RTM_GETLINK, ifinfo(0, 0, 0), "link"),
                                (RTM_GETADDR, ifaddr(0, 0, 0, 0, 0), "addr"),
                                (RTM_GETROUTE, rtmsg(0, 0, table=0, proto=0, rtype=0), "route")):
        bufs = dump(sock, kind, payload)
        for i, buf in enumerate(bufs):
            out["real-%s-dump-%d" % (name, i)] = b"\x40" + buf
            for j, (mtype, body) in enumerate(split(buf)):
                if mtype in SEL:
                    out["real-%s-%d-%d" % (name, i, j)] = bytes([SEL[mtype]]) + body
    return out


def main():
    args = sys.argv[1:]
    capture = "--capture" in args
    args = [a for a in args if a != "--capture"]
    if len(args) != 1:
        sys.exit("usage: %s [--capture] OUTDIR" % sys.argv[0])
    os.makedirs(args[0], exist_ok=True)
    seeds = hand_built()
    if capture:
        seeds.update(captured())
    for name, data in seeds.items():
        with open(os.path.join(args[0], name), "wb") as f:
            f.write(data)
    print("%d seeds in %s" % (len(seeds), args[0]))


if __name__ == "__main__":
    main()
