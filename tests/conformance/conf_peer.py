#!/usr/bin/env python3
"""The conformance suite's reporting peer (a plain kernel socket): answers
each datagram with what the kernel saw of it, so the suite can check what
its options put on the wire.

    conf_peer.py PORT

Listens on 0.0.0.0:PORT and [::]:PORT (v6only).  A datagram is answered
with "len=N tos=T ttl=L" (IPv4) or "len=N tclass=T hlim=L" (IPv6), unless
it is a command:
    "R TOS TTL"   answer "reply" sent with that TOS/traffic class and TTL/hops
    "P PORT"      send "poke" to the sender's address on PORT, from this port
    "B N SIZE"    answer with N datagrams of SIZE bytes
"""
import select
import socket
import struct
import sys

IP_TOS, IP_TTL, IP_RECVTTL, IP_RECVTOS = 1, 2, 12, 13
IPV6_RECVHOPLIMIT, IPV6_HOPLIMIT, IPV6_RECVTCLASS, IPV6_TCLASS = 51, 52, 66, 67

port = int(sys.argv[1])
s4 = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s4.setsockopt(socket.IPPROTO_IP, IP_RECVTOS, 1)
s4.setsockopt(socket.IPPROTO_IP, IP_RECVTTL, 1)
s4.bind(("0.0.0.0", port))
s6 = socket.socket(socket.AF_INET6, socket.SOCK_DGRAM)
s6.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 1)
s6.setsockopt(socket.IPPROTO_IPV6, IPV6_RECVTCLASS, 1)
s6.setsockopt(socket.IPPROTO_IPV6, IPV6_RECVHOPLIMIT, 1)
s6.bind(("::", port))


def serve(s, v6):
    data, anc, _flags, peer = s.recvmsg(70000, 256)
    tos = ttl = -1
    for level, typ, val in anc:
        num = int.from_bytes(val[:4].ljust(4, b"\0"), sys.byteorder) if len(val) >= 4 else val[0]
        if typ in (IP_TOS, IPV6_TCLASS):
            tos = val[0] if not v6 else num
        elif typ in (IP_TTL, IPV6_HOPLIMIT):
            ttl = num
    words = data.split()
    if data.startswith(b"R ") and len(words) == 3:
        t, l = int(words[1]), int(words[2])
        if v6:
            anc = [(socket.IPPROTO_IPV6, IPV6_TCLASS, struct.pack("i", t)),
                   (socket.IPPROTO_IPV6, IPV6_HOPLIMIT, struct.pack("i", l))]
        else:
            anc = [(socket.IPPROTO_IP, IP_TOS, bytes([t])),
                   (socket.IPPROTO_IP, IP_TTL, struct.pack("i", l))]
        s.sendmsg([b"reply"], anc, 0, peer)
    elif data.startswith(b"P ") and len(words) == 2:
        s.sendto(b"poke", (peer[0], int(words[1])) + tuple(peer[2:]))
    elif data.startswith(b"B ") and len(words) == 3:
        for _ in range(int(words[1])):
            s.sendto(b"b" * int(words[2]), peer)
    else:
        kind = "tclass=%d hlim=%d" if v6 else "tos=%d ttl=%d"
        s.sendto(("len=%d " % len(data) + kind % (tos, ttl)).encode(), peer)


while True:
    r, _, _ = select.select([s4, s6], [], [])
    for s in r:
        try:
            serve(s, s is s6)
        except OSError:
            pass
