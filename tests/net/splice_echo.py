#!/usr/bin/env python3
"""splice(2) between pipes and a TCP socket, against an echo server.

Usage: splice_echo.py HOST PORT
Sends 4 MiB from a pipe into the socket with splice(), takes the echo from
the socket into a second pipe with splice(), and checks the bytes; then a
few error cases.  Prints one line per check, the same on a kernel socket
and (under xsock-run) on an xsock socket, so the two runs can be compared.
"""
import errno
import hashlib
import os
import socket
import sys
import threading

TOTAL = 4 << 20


def pattern(i):
    return hashlib.sha256(i.to_bytes(8, "little")).digest() * 512  # 16 KiB


def main():
    host, port = sys.argv[1], int(sys.argv[2])
    s = socket.create_connection((host, port), timeout=20)
    s.settimeout(None)
    src_r, src_w = os.pipe()
    dst_r, dst_w = os.pipe()
    want = hashlib.sha256()
    got = hashlib.sha256()
    received = [0]

    def feed():
        sent = 0
        i = 0
        while sent < TOTAL:
            chunk = pattern(i)
            i += 1
            want.update(chunk)
            os.write(src_w, chunk)
            sent += len(chunk)
        os.close(src_w)

    def drain():
        while received[0] < TOTAL:
            n = os.splice(s.fileno(), dst_w, 1 << 16)
            if n == 0:
                break
            left = n
            while left:
                b = os.read(dst_r, left)
                got.update(b)
                left -= len(b)
            received[0] += n

    t_feed = threading.Thread(target=feed)
    t_drain = threading.Thread(target=drain)
    t_feed.start()
    t_drain.start()
    spliced = 0
    while True:
        n = os.splice(src_r, s.fileno(), 1 << 20)
        if n == 0:
            break
        spliced += n
    t_feed.join()
    t_drain.join()
    print("spliced into the socket:", spliced)
    print("spliced out of the socket:", received[0])
    print("bytes intact:", want.digest() == got.digest())

    def err(f):
        try:
            return "ok %d" % f()
        except OSError as e:
            return errno.errorcode[e.errno]

    r, w = os.pipe()
    os.write(w, b"abc")
    print("offset on the socket:", err(lambda: os.splice(r, s.fileno(), 3, offset_dst=0)))
    with open(os.devnull, "wb") as null:
        print("socket into a file:", err(lambda: os.splice(s.fileno(), null.fileno(), 3)))
    print("zero length:", err(lambda: os.splice(r, s.fileno(), 0)))
    # A full pipe: SPLICE_F_NONBLOCK says EAGAIN rather than wait.
    full_r, full_w = os.pipe()
    os.set_blocking(full_w, False)
    try:
        while True:
            os.write(full_w, b"x" * 65536)
    except BlockingIOError:
        pass
    s.sendall(b"echo me")
    print("into a full pipe, non-blocking:",
          err(lambda: os.splice(s.fileno(), full_w, 7, flags=os.SPLICE_F_NONBLOCK)))
    # The bytes stayed in the socket: a plain read gets them.
    buf = b""
    while len(buf) < 7:
        buf += s.recv(7 - len(buf))
    print("and the socket kept them:", buf.decode())
    # 3 bytes from the pipe, then the pipe is empty: splice returns 3.
    print("a short pipe:", err(lambda: os.splice(r, s.fileno(), 100)))
    echo = b""
    while len(echo) < 3:
        echo += s.recv(3 - len(echo))
    print("its echo:", echo.decode())
    s.shutdown(socket.SHUT_WR)
    print("end of stream:", err(lambda: os.splice(s.fileno(), dst_w, 100)))
    s.close()


if __name__ == "__main__":
    main()
