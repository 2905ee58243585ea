/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * ARP (RFC 826) for Ethernet and IPv4: under eth.h when the ethertype is
 * XS_ETHERTYPE_ARP.  iface/ reads requests and replies with it to mirror
 * neighbours; the view accepts any hardware/protocol sizes that fit, the
 * repr only Ethernet/IPv4.
 */
#ifndef XS_WIRE_ARP_H
#define XS_WIRE_ARP_H

#include <netinet/in.h>
#include <stddef.h>
#include <stdint.h>

#include "wire/bytes.h"
#include "wire/eth.h"

#define XS_ARP_FIXED_LEN	8
#define XS_ARP_ETH_IPV4_LEN	28
#define XS_ARP_HTYPE_ETHER	1
#define XS_ARP_OP_REQUEST	1
#define XS_ARP_OP_REPLY		2

struct xs_arp_view {
	const uint8_t *buf;
	size_t len;
};

/* 0, or -EBADMSG when len cannot hold the fixed part and the four addresses
 * of the sizes it declares.  Bytes past them (Ethernet padding) are ignored. */
int xs_arp_view_init(struct xs_arp_view *v, const void *buf, size_t len);

static inline uint16_t xs_arp_htype(const struct xs_arp_view *v) { return xs_get16(v->buf); }
static inline uint16_t xs_arp_ptype(const struct xs_arp_view *v) { return xs_get16(v->buf + 2); }
static inline uint8_t xs_arp_hlen(const struct xs_arp_view *v) { return v->buf[4]; }
static inline uint8_t xs_arp_plen(const struct xs_arp_view *v) { return v->buf[5]; }
static inline uint16_t xs_arp_op(const struct xs_arp_view *v) { return xs_get16(v->buf + 6); }
static inline const uint8_t *xs_arp_sha(const struct xs_arp_view *v) { return v->buf + 8; }
static inline const uint8_t *xs_arp_spa(const struct xs_arp_view *v) { return xs_arp_sha(v) + xs_arp_hlen(v); }
static inline const uint8_t *xs_arp_tha(const struct xs_arp_view *v) { return xs_arp_spa(v) + xs_arp_plen(v); }
static inline const uint8_t *xs_arp_tpa(const struct xs_arp_view *v) { return xs_arp_tha(v) + xs_arp_hlen(v); }

struct xs_arp_repr {
	uint16_t op;
	uint8_t sha[XS_ETH_ALEN];
	struct in_addr spa;
	uint8_t tha[XS_ETH_ALEN];
	struct in_addr tpa;
};

/* 0, or -EOPNOTSUPP when the packet is not Ethernet/IPv4. */
int xs_arp_repr_parse(const struct xs_arp_view *v, struct xs_arp_repr *r);

/* Writes the 28-byte Ethernet/IPv4 packet; returns 28 or -ENOSPC. */
int xs_arp_repr_emit(const struct xs_arp_repr *r, void *buf, size_t size);

#endif /* XS_WIRE_ARP_H */
