/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * Received frames to typed packets: Ethernet (VLAN tags skipped), IPv4 or
 * IPv6 (extension headers crossed), checked at every layer.  The api poll
 * loop calls xs_ip_input() on each frame a device hands out, then gives the
 * packet to the transport that xs_rx_pkt.proto names (sock/).  No state.
 */
#ifndef XS_IFACE_IP_IN_H
#define XS_IFACE_IP_IN_H

#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

#include "iface/drop.h"
#include "wire/csum.h"

struct xs_rx_pkt {
	int family;                 /* AF_INET or AF_INET6 */
	uint8_t proto;              /* transport protocol */
	uint8_t tos;                /* IPv4 TOS or IPv6 traffic class */
	uint8_t ttl;                /* TTL or hop limit */
	uint8_t src[16], dst[16];   /* IPv4 as ::ffff:a.b.c.d */
	struct xs_pseudo ph;        /* for transport checksums */
	const uint8_t *l4;          /* transport header */
	size_t l4_len;              /* transport header + payload, padding excluded */
	const uint8_t *l3;          /* the IP header: also set for XS_DROP_FRAGMENT, */
	size_t l3_len;              /* so the caller can hand the fragment to reasm */
	uint16_t vlan;              /* outer VLAN id, 0 if untagged */
	uint8_t src_mac[6];         /* Ethernet source (zero for a rebuilt datagram) */
};

/* Parses frame[0..len).  Returns XS_DROP_NONE and fills *pkt (pointers into
 * frame), or the reason to drop it.  The frame is not touched. */
enum xs_drop_reason xs_ip_input(const uint8_t *frame, size_t len, struct xs_rx_pkt *pkt);

/* The same from the IP header on (a datagram iface/reasm.c rebuilt):
 * family AF_INET or AF_INET6. */
enum xs_drop_reason xs_ip_input_l3(int family, const uint8_t *l3, size_t len,
				   struct xs_rx_pkt *pkt);

#endif
