/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * IPv6 (RFC 8200): under eth.h (ethertype XS_ETHERTYPE_IPV6), and inside
 * ICMPv6 errors as the quoted packet.  xs_ipv6_ext_walk() crosses the
 * extension headers to the upper layer: icmp6.h, udp.h or tcp.h.
 */
#ifndef XS_WIRE_IPV6_H
#define XS_WIRE_IPV6_H

#include <netinet/in.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "wire/bytes.h"
#include "wire/csum.h"

#define XS_IPV6_HLEN		40
#define XS_IPV6_MAX_EXT		8	/* more extension headers: -EBADMSG */

#define XS_IPV6_NH_HOPOPTS	0
#define XS_IPV6_NH_ROUTING	43
#define XS_IPV6_NH_FRAGMENT	44
#define XS_IPV6_NH_AH		51
#define XS_IPV6_NH_NONE		59
#define XS_IPV6_NH_DSTOPTS	60

struct xs_ipv6_view {
	const uint8_t *buf;
	size_t len;		/* header and payload; trailing padding cut off */
};

/* 0, or -EBADMSG unless len >= 40, version 6 and payload_len <= len - 40.
 * Bytes past the payload length are left out of the view. */
int xs_ipv6_view_init(struct xs_ipv6_view *v, const void *buf, size_t len);

/* For a packet quoted in an ICMPv6 error, which may be cut short: the
 * payload length may exceed what is there and the view keeps what is. */
int xs_ipv6_view_init_quote(struct xs_ipv6_view *v, const void *buf, size_t len);

static inline uint8_t xs_ipv6_version(const struct xs_ipv6_view *v) { return v->buf[0] >> 4; }
static inline uint8_t xs_ipv6_tclass(const struct xs_ipv6_view *v) { return (uint8_t)(xs_get16(v->buf) >> 4); }
static inline uint32_t xs_ipv6_flow(const struct xs_ipv6_view *v) { return xs_get32(v->buf) & 0xfffff; }
static inline uint16_t xs_ipv6_payload_len_field(const struct xs_ipv6_view *v) { return xs_get16(v->buf + 4); }
static inline uint8_t xs_ipv6_next_header(const struct xs_ipv6_view *v) { return v->buf[6]; }
static inline uint8_t xs_ipv6_hop_limit(const struct xs_ipv6_view *v) { return v->buf[7]; }
static inline const uint8_t *xs_ipv6_src(const struct xs_ipv6_view *v) { return v->buf + 8; }
static inline const uint8_t *xs_ipv6_dst(const struct xs_ipv6_view *v) { return v->buf + 24; }
static inline const uint8_t *xs_ipv6_payload(const struct xs_ipv6_view *v) { return v->buf + XS_IPV6_HLEN; }
static inline size_t xs_ipv6_payload_len(const struct xs_ipv6_view *v) { return v->len - XS_IPV6_HLEN; }

/* Where the extension headers lead. */
struct xs_ipv6_ext {
	uint8_t proto;		/* upper-layer protocol, or XS_IPV6_NH_NONE */
	size_t off;		/* its offset from xs_ipv6_payload() */
	unsigned int count;	/* extension headers crossed */
	bool frag;		/* a fragment header was crossed; then: */
	bool frag_more;		/* M flag */
	uint16_t frag_off;	/* bytes */
	uint32_t frag_id;
};

/*
 * Crosses hop-by-hop (first only), routing, destination options, fragment
 * and AH headers, at most XS_IPV6_MAX_EXT of them; stops at any other next
 * header, or after a fragment header whose offset is not 0 (what follows it
 * is the middle of a packet).  Options inside headers are not interpreted.
 * 0, or -EBADMSG when a header is cut short, hop-by-hop is not first, or
 * there are too many.
 */
int xs_ipv6_ext_walk(const struct xs_ipv6_view *v, struct xs_ipv6_ext *e);

struct xs_ipv6_repr {
	struct in6_addr src, dst;
	uint8_t next_header;
	uint8_t hop_limit;
	uint8_t tclass;
	uint32_t flow;		/* 20 bits */
	size_t payload_len;
};

int xs_ipv6_repr_parse(const struct xs_ipv6_view *v, struct xs_ipv6_repr *r);

/* Writes the 40-byte header at buf for a payload of r->payload_len bytes
 * that the caller places right after it.  Returns 40, -ENOSPC when size
 * cannot hold both, or -EINVAL when a field is out of range. */
int xs_ipv6_repr_emit(const struct xs_ipv6_repr *r, void *buf, size_t size);

/* The pseudo-header addresses of r, for icmp6.h, udp.h and tcp.h. */
void xs_ipv6_repr_pseudo(const struct xs_ipv6_repr *r, struct xs_pseudo *ph);

#endif /* XS_WIRE_IPV6_H */
