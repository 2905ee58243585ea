/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * Ethernet II and its VLAN tags (802.1Q, 802.1ad): the first view over a
 * received frame and the last header an emit writes.  The ethertype (after
 * any tags) picks the next view: arp.h, ipv4.h or ipv6.h.
 */
#ifndef XS_WIRE_ETH_H
#define XS_WIRE_ETH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "wire/bytes.h"

#define XS_ETH_ALEN		6
#define XS_ETH_HLEN		14
#define XS_VLAN_HLEN		4
#define XS_ETH_MAX_VLANS	2	/* QinQ: one 802.1ad tag, one 802.1Q */

#define XS_ETHERTYPE_IPV4	0x0800
#define XS_ETHERTYPE_ARP	0x0806
#define XS_ETHERTYPE_VLAN	0x8100	/* 802.1Q C-tag */
#define XS_ETHERTYPE_QINQ	0x88a8	/* 802.1ad S-tag */
#define XS_ETHERTYPE_IPV6	0x86dd

struct xs_eth_view {
	const uint8_t *buf;
	size_t len;
};

/* 0, or -EBADMSG when len < XS_ETH_HLEN.  The view borrows buf. */
int xs_eth_view_init(struct xs_eth_view *v, const void *buf, size_t len);

static inline const uint8_t *xs_eth_dst(const struct xs_eth_view *v) { return v->buf; }
static inline const uint8_t *xs_eth_src(const struct xs_eth_view *v) { return v->buf + 6; }
static inline uint16_t xs_eth_type(const struct xs_eth_view *v) { return xs_get16(v->buf + 12); }
static inline const uint8_t *xs_eth_payload(const struct xs_eth_view *v) { return v->buf + XS_ETH_HLEN; }
static inline size_t xs_eth_payload_len(const struct xs_eth_view *v) { return v->len - XS_ETH_HLEN; }

static inline bool xs_eth_type_is_vlan(uint16_t ethertype)
{
	return ethertype == XS_ETHERTYPE_VLAN || ethertype == XS_ETHERTYPE_QINQ;
}

struct xs_eth_repr {
	uint8_t dst[XS_ETH_ALEN];
	uint8_t src[XS_ETH_ALEN];
	uint16_t ethertype;
};

int xs_eth_repr_parse(const struct xs_eth_view *v, struct xs_eth_repr *r);

/* Writes the 14-byte header at buf; returns XS_ETH_HLEN or -ENOSPC. */
int xs_eth_repr_emit(const struct xs_eth_repr *r, void *buf, size_t size);

/* One VLAN tag: TCI, then the ethertype of what follows. */
struct xs_vlan_view {
	const uint8_t *buf;
	size_t len;
};

/* 0, or -EBADMSG when len < XS_VLAN_HLEN.  buf is the tagged frame's
 * Ethernet payload (or the payload of the outer tag). */
int xs_vlan_view_init(struct xs_vlan_view *v, const void *buf, size_t len);

static inline uint8_t xs_vlan_pcp(const struct xs_vlan_view *v) { return v->buf[0] >> 5; }
static inline bool xs_vlan_dei(const struct xs_vlan_view *v) { return v->buf[0] & 0x10; }
static inline uint16_t xs_vlan_vid(const struct xs_vlan_view *v) { return xs_get16(v->buf) & 0x0fff; }
static inline uint16_t xs_vlan_type(const struct xs_vlan_view *v) { return xs_get16(v->buf + 2); }
static inline const uint8_t *xs_vlan_payload(const struct xs_vlan_view *v) { return v->buf + XS_VLAN_HLEN; }
static inline size_t xs_vlan_payload_len(const struct xs_vlan_view *v) { return v->len - XS_VLAN_HLEN; }

struct xs_vlan_repr {
	uint8_t pcp;		/* 0..7 */
	bool dei;
	uint16_t vid;		/* 0..4095 */
	uint16_t ethertype;	/* of what follows the tag */
};

int xs_vlan_repr_parse(const struct xs_vlan_view *v, struct xs_vlan_repr *r);

/* Writes the 4-byte tag; returns XS_VLAN_HLEN, -ENOSPC, or -EINVAL when a
 * field is out of range. */
int xs_vlan_repr_emit(const struct xs_vlan_repr *r, void *buf, size_t size);

/*
 * The L3 header of a frame: skips up to XS_ETH_MAX_VLANS tags and gives the
 * ethertype after them and the offset of the L3 header from the frame's
 * start.  0, or -EBADMSG when a tag is cut short or there are more tags.
 */
int xs_eth_l3(const struct xs_eth_view *v, uint16_t *ethertype, size_t *l3_off);

#endif /* XS_WIRE_ETH_H */
