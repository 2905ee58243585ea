#!/usr/bin/env python3
"""A plain kernel UDP echo server for the net tests, datagram for datagram
(socat's EXEC:cat can split a large datagram across pipe reads).

    kernel_udp_echo.py {4|6} PORT
"""
import socket
import sys

family = socket.AF_INET6 if sys.argv[1] == "6" else socket.AF_INET
s = socket.socket(family, socket.SOCK_DGRAM)
if family == socket.AF_INET6:
    s.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 1)
s.bind(("::" if family == socket.AF_INET6 else "0.0.0.0", int(sys.argv[2])))
while True:
    data, peer = s.recvfrom(65536)
    s.sendto(data, peer)
