#!/usr/bin/env python3
"""Tagged Ethernet frames for the net tests, sent and received raw, so that
a test can tell whether a VLAN tag crossed a path intact.  The receiving
kernel takes a tag off into the packet's metadata before AF_PACKET sees it
(and so does any kernel on the way); PACKET_AUXDATA hands it back.

    vlan_frame.py send IFACE TPID VID     three frames, 0.2 s apart
    vlan_frame.py recv IFACE TPID VID     prints "ready", then exits 0 once
                                          such a frame arrived, 1 after 5 s

TPID is 0x8100 (802.1Q) or 0x88a8 (802.1ad).  The frames carry EtherType
0x88b5 (local experimental) and a marker, and go to the broadcast address.
"""
import socket
import struct
import sys
import time

ETH_P_ALL = 0x0003
ETH_P_LOCAL_EXP = 0x88B5
SOL_PACKET = 263
PACKET_AUXDATA = 8
TP_STATUS_VLAN_VALID = 1 << 4
TP_STATUS_VLAN_TPID_VALID = 1 << 6
MARKER = b"xsock-vlan-frame"


def send(ifname, tpid, vid):
    s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW)
    s.bind((ifname, 0))
    src = s.getsockname()[4]
    frame = (b"\xff" * 6 + src + struct.pack("!HHH", tpid, vid, ETH_P_LOCAL_EXP)
             + MARKER).ljust(64, b"\0")
    for _ in range(3):
        s.send(frame)
        time.sleep(0.2)


def tag_of(data, anc):
    """(tpid, vid, payload) of a frame, the tag inline or in auxdata."""
    for level, kind, c in anc:
        if level == SOL_PACKET and kind == PACKET_AUXDATA:
            status, _, _, _, _, tci, tpid = struct.unpack("IIIHHHH", c[:20])
            if status & TP_STATUS_VLAN_VALID:
                if not status & TP_STATUS_VLAN_TPID_VALID:
                    tpid = 0x8100
                return tpid, tci & 0xFFF, data[12:]
    tpid, tci = struct.unpack("!HH", data[12:16])
    if tpid in (0x8100, 0x88A8):
        return tpid, tci & 0xFFF, data[16:]
    return None, None, data[12:]


def recv(ifname, tpid, vid):
    s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW, socket.htons(ETH_P_ALL))
    s.setsockopt(SOL_PACKET, PACKET_AUXDATA, 1)
    s.bind((ifname, ETH_P_ALL))
    print("ready", flush=True)
    end = time.monotonic() + 5
    while time.monotonic() < end:
        s.settimeout(max(end - time.monotonic(), 0.01))
        try:
            data, anc, _, _ = s.recvmsg(2048, socket.CMSG_SPACE(20))
        except socket.timeout:
            break
        got_tpid, got_vid, rest = tag_of(data, anc)
        if rest[2:2 + len(MARKER)] != MARKER:
            continue
        print(f"tpid {got_tpid and hex(got_tpid)} vid {got_vid}")
        if (got_tpid, got_vid) == (tpid, vid):
            return 0
    return 1


if __name__ == "__main__":
    mode, ifname, tpid, vid = sys.argv[1], sys.argv[2], int(sys.argv[3], 0), int(sys.argv[4])
    sys.exit(send(ifname, tpid, vid) if mode == "send" else recv(ifname, tpid, vid))
