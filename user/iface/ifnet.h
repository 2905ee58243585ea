/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * An interface the stack sends and receives on: its frame device (the
 * AF_XDP sockets of all its queues), link-layer address and MTU, and the
 * per-interface counters.  The api layer opens one per attached interface
 * a socket needs; iface/ and sock/ only use it.
 */
#ifndef XS_IFACE_IFNET_H
#define XS_IFACE_IFNET_H

#include <net/if.h>
#include <stdint.h>

#include "dev/dev.h"
#include "iface/drop.h"

struct xs_ifnet {
	int ifindex;
	char name[IF_NAMESIZE];
	uint8_t mac[6];
	uint32_t mtu;               /* IP MTU: link MTU, capped by the frame size */
	struct xs_dev *dev;
	uint32_t frame_size;
	uint16_t ipv4_id;           /* next IPv4 identification */
	uint32_t ipv6_frag_id;      /* next IPv6 fragment identification */
	uint64_t rx_packets, tx_packets, tx_fragments;
	uint64_t drops[XS_DROP__MAX];
};

static inline void xs_ifnet_drop(struct xs_ifnet *ifn, enum xs_drop_reason why)
{
	ifn->drops[why]++;
}

#endif
