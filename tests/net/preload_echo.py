#!/usr/bin/env python3
"""An unmodified UDP echo server for tests/net/test_preload_udp.sh, run
under xsock-run: plain Python sockets, waiting in epoll, poll or select,
then reading with recvfrom until EAGAIN and answering with sendto; or an
asyncio datagram endpoint (epoll, a self-pipe socketpair, signal wake-up).

    preload_echo.py {epoll|poll|select|asyncio} PORT [-6] [--fork-child] [--spawn]

Prints "ready" once bound and, with --fork-child, after a fork child that
closes the socket and exits normally has ended, and with --spawn, after
subprocess.run() ran /bin/true (posix_spawn or vfork: a child sharing our
memory, which closes every fd before exec); "received N" at SIGTERM.
"""
import os
import select
import signal
import socket
import sys

mode, port = sys.argv[1], int(sys.argv[2])
v6 = "-6" in sys.argv[3:]
family = socket.AF_INET6 if v6 else socket.AF_INET
s = socket.socket(family, socket.SOCK_DGRAM)
s.bind(("::" if v6 else "0.0.0.0", port))
s.setblocking(False)

if "--fork-child" in sys.argv[3:]:
    pid = os.fork()
    if pid == 0:
        # A child that drops the socket and ends as programs do, atexit
        # handlers and all, must leave the parent's socket alone.
        s.close()
        sys.exit(0)
    os.waitpid(pid, 0)

if "--spawn" in sys.argv[3:]:
    import subprocess
    subprocess.run(["/bin/true"], close_fds=True, check=True)

count = 0


def stop(signum, frame):
    print(f"received {count}", flush=True)
    sys.exit(0)


if mode == "asyncio":
    import asyncio

    class Echo(asyncio.DatagramProtocol):
        def connection_made(self, transport):
            self.transport = transport

        def datagram_received(self, data, peer):
            global count
            count += 1
            self.transport.sendto(data, peer)

    async def main():
        loop = asyncio.get_running_loop()
        done = loop.create_future()
        loop.add_signal_handler(signal.SIGTERM, done.set_result, None)
        await loop.create_datagram_endpoint(Echo, sock=s)
        print("ready", flush=True)
        await done
        print(f"received {count}", flush=True)

    asyncio.run(main())
    sys.exit(0)

signal.signal(signal.SIGTERM, stop)

if mode == "epoll":
    ep = select.epoll()
    ep.register(s.fileno(), select.EPOLLIN)
    wait = lambda: ep.poll(1.0)
elif mode == "poll":
    p = select.poll()
    p.register(s.fileno(), select.POLLIN)
    wait = lambda: p.poll(1000)
elif mode == "select":
    wait = lambda: select.select([s], [], [], 1.0)[0]
else:
    sys.exit(f"preload_echo.py: unknown mode {mode}")

print("ready", flush=True)
while True:
    if not wait():
        continue
    while True:
        try:
            data, peer = s.recvfrom(65536)
        except BlockingIOError:
            break
        s.sendto(data, peer)
        count += 1
