#!/usr/bin/env python3
"""The conformance suite's kernel peer (plain kernel sockets): a UDP
reporter that answers each datagram with what the kernel saw of it, so the
suite can check what its options put on the wire, and the TCP services the
stream cases talk to.

    conf_peer.py PORT [TCP_PORT]

UDP: listens on 0.0.0.0:PORT and [::]:PORT (v6only).  A datagram is
answered with "len=N tos=T ttl=L" (IPv4) or "len=N tclass=T hlim=L" (IPv6),
unless it is a command:
    "R TOS TTL"   answer "reply" sent with that TOS/traffic class and TTL/hops
    "P PORT"      send "poke" to the sender's address on PORT, from this port
    "B N SIZE"    answer with N datagrams of SIZE bytes
    "L MS"        answer "late", MS milliseconds later
    "K PORT MODE" open a TCP connection to the sender's address on PORT and
                  answer "ok" (or the errno name, or "timeout" after 300 ms);
                  then MODE: "echo"; "send" ("hello", then echo); "late"
                  (300 ms later "hello", then echo); "rst" (reset at once,
                  answered once the RST is sent); "close" ("hello", then close)
    "Q ADDR PORT" answer how the TCP connection with ADDR:PORT (the
                  suite's end; for "K", the suite's listening address and
                  port) ended as this peer saw it: "open N 'data'",
                  "eof N 'data'" or the errno name of the error that ended
                  its reading ("ECONNRESET N 'data'"); N bytes read, the
                  first 40 shown; "unknown" if there is no such connection

TCP (with TCP_PORT), on 0.0.0.0 and [::] (v6only), at TCP_PORT plus:
    0 echo       echoes until EOF, then closes
    1 close      accepts and closes at once (FIN)
    2 reset      accepts and resets at once (SO_LINGER {1, 0})
    3 halfclose  sends "half", shuts its sending side (FIN), reads until EOF
    4 urgent     on the first byte it reads ("1", "2" or "F"), sends "ab",
                 "c" urgent (MSG_OOB), "de"; for "2" then also "f" urgent
                 and "gh"; for "2" and "F" then shuts its sending side (so
                 that the suite knows when all has arrived); reads until EOF
    5 full       listen(0) and one connection of its own queued, never
                 accepted: the accept queue is full and SYNs are dropped
    6 closed     nothing listens: the connection is refused
    7 sink       reads until EOF (ask "Q" what it read)
    8 idle       accepts and never reads, with a 4 KiB receive buffer, and
                 closes when reset (or after 30 s), not on a FIN
    9 drip       reads a line "N SIZE MS [F]", sends N chunks of SIZE bytes
                 ("aaa", "bbb", ...) MS ms apart, with F shuts its sending
                 side, then reads until EOF
"""
import errno
import ipaddress
import select
import socket
import struct
import sys
import threading
import time

IP_TOS, IP_TTL, IP_RECVTTL, IP_RECVTOS = 1, 2, 12, 13
IPV6_RECVHOPLIMIT, IPV6_HOPLIMIT, IPV6_RECVTCLASS, IPV6_TCLASS = 51, 52, 66, 67
LINGER_RESET = struct.pack("ii", 1, 0)
ECHO, CLOSE, RESET, HALFCLOSE, URGENT, FULL, CLOSED, SINK, IDLE, DRIP = range(10)

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

# ---- TCP ---------------------------------------------------------------

ends = {}		# (address, port) -> the latest connection's [state, bytes read, first bytes]
ends_lock = threading.Lock()


def key(addr, prt):
    ip = ipaddress.ip_address(addr.split("%")[0])
    if ip.version == 6 and ip.ipv4_mapped:
        ip = ip.ipv4_mapped
    return (str(ip), int(prt))


def opened(k):
    """A new connection with key k: its record (what an older connection
    with the same key still does goes to that one's)."""
    e = ["open", 0, b""]
    with ends_lock:
        ends[k] = e
    return e


def record(e, state=None, data=b""):
    with ends_lock:
        e[1] += len(data)
        e[2] = (e[2] + data)[:40]
        if state:
            e[0] = state


def read_all(c, e, echo=False):
    """Reads until EOF or an error and records it; echoes when asked."""
    while True:
        try:
            d = c.recv(65536)
        except OSError as err:
            record(e, errno.errorcode.get(err.errno, str(err.errno)))
            return False
        if not d:
            record(e, "eof")
            return True
        record(e, None, d)
        if echo:
            try:
                c.sendall(d)
            except OSError:
                pass


def serve_tcp(svc, c, peer):
    e = opened(key(peer[0], peer[1]))
    try:
        if svc == ECHO:
            read_all(c, e, echo=True)
        elif svc == CLOSE:
            pass
        elif svc == RESET:
            c.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, LINGER_RESET)
        elif svc == HALFCLOSE:
            c.sendall(b"half")
            c.shutdown(socket.SHUT_WR)
            read_all(c, e)
        elif svc == URGENT:
            c.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            how = c.recv(1)
            record(e, None, how)
            c.sendall(b"ab")
            c.send(b"c", socket.MSG_OOB)
            c.sendall(b"de")
            if how == b"2":
                c.send(b"f", socket.MSG_OOB)
                c.sendall(b"gh")
            if how in (b"2", b"F"):
                c.shutdown(socket.SHUT_WR)
            read_all(c, e)
        elif svc == SINK:
            read_all(c, e)
        elif svc == IDLE:
            # Never reads; waits for the other end to go away entirely
            # (a FIN alone leaves it open: the suite's FIN_WAIT2 stays).
            p = select.poll()
            p.register(c, select.POLLHUP | select.POLLERR)
            p.poll(30000)
        elif svc == DRIP:
            line = b""
            while not line.endswith(b"\n"):
                d = c.recv(1)
                if not d:
                    break
                line += d
            record(e, None, line)
            w = line.split()
            n, size, ms = int(w[0]), int(w[1]), int(w[2])
            for i in range(n):
                if i:
                    time.sleep(ms / 1000)
                c.sendall(bytes([ord("a") + i % 26]) * size)
            if len(w) > 3 and w[3] == b"F":
                c.shutdown(socket.SHUT_WR)
            read_all(c, e)
    except (OSError, ValueError, IndexError):
        pass
    c.close()


def tcp_listener(family, svc, base):
    s = socket.socket(family, socket.SOCK_STREAM)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    if family == socket.AF_INET6:
        s.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 1)
    if svc == IDLE:	# inherited by what it accepts
        s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
    s.bind(("::" if family == socket.AF_INET6 else "0.0.0.0", base + svc))
    if svc == FULL:
        s.listen(0)
        # One connection of our own fills the queue (its limit is the
        # backlog plus one); kept open, never accepted.
        me = socket.socket(family, socket.SOCK_STREAM)
        me.connect(("::1" if family == socket.AF_INET6 else "127.0.0.1", base + svc))
        return s, me
    s.listen(64)
    return s, None


def accept_loop(s, svc):
    while True:
        try:
            c, peer = s.accept()
        except OSError:
            continue
        if svc == CLOSE:
            c.close()
            continue
        if svc == RESET:
            c.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, LINGER_RESET)
            c.close()
            continue
        threading.Thread(target=serve_tcp, args=(svc, c, peer), daemon=True).start()


keep = []
if len(sys.argv) > 2:
    tcp_base = int(sys.argv[2])
    for fam in (socket.AF_INET, socket.AF_INET6):
        for svc in (ECHO, CLOSE, RESET, HALFCLOSE, URGENT, FULL, SINK, IDLE, DRIP):
            ls, filler = tcp_listener(fam, svc, tcp_base)
            keep += [ls, filler]
            if svc != FULL:
                threading.Thread(target=accept_loop, args=(ls, svc), daemon=True).start()


def connect_back(s, peer, prt, mode):
    """The "K" command: this peer opens the connection, to the suite."""
    family = socket.AF_INET6 if ":" in peer[0] else socket.AF_INET
    e = opened(key(peer[0], prt))
    c = socket.socket(family, socket.SOCK_STREAM)
    c.settimeout(0.3)
    try:
        c.connect((peer[0], prt) + tuple(peer[2:]))
        c.settimeout(None)
        if mode == "rst":
            c.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, LINGER_RESET)
            c.close()
            record(e, "reset-sent")
        s.sendto(b"ok", peer)
    except socket.timeout:
        record(e, "timeout")
        s.sendto(b"timeout", peer)
        c.close()
        return
    except OSError as err:
        name = errno.errorcode.get(err.errno, str(err.errno))
        record(e, name)
        s.sendto(name.encode(), peer)
        c.close()
        return
    if mode == "rst":
        return
    try:
        if mode == "late":
            time.sleep(0.3)
        if mode in ("send", "late", "close"):
            c.sendall(b"hello")
        if mode != "close":
            read_all(c, e, echo=True)
    except OSError:
        pass
    c.close()


def query(words):
    with ends_lock:
        e = ends.get(key(words[1].decode(), words[2]))
    if not e:
        return b"unknown"
    shown = "".join(chr(b) if 32 <= b < 127 and b != 39 else "." for b in e[2])
    return ("%s %d '%s'" % (e[0], e[1], shown)).encode()


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
    elif data.startswith(b"L ") and len(words) == 2:
        threading.Timer(int(words[1]) / 1000, lambda: s.sendto(b"late", peer)).start()
    elif data.startswith(b"K ") and len(words) == 3:
        threading.Thread(target=connect_back, daemon=True,
                         args=(s, peer, int(words[1]), words[2].decode())).start()
    elif data.startswith(b"Q ") and len(words) == 3:
        s.sendto(query(words), peer)
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
