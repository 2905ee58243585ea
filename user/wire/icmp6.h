/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * ICMPv6 (RFC 4443) and Neighbor Discovery (RFC 4861): over the upper-layer
 * payload that xs_ipv6_ext_walk() finds.  Echo goes to sock/'s ICMP side,
 * NDP to iface/'s neighbour mirror, errors through the quoted packet
 * (ipv6.h again) to the socket they concern.
 */
#ifndef XS_WIRE_ICMP6_H
#define XS_WIRE_ICMP6_H

#include <netinet/in.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "wire/bytes.h"
#include "wire/csum.h"
#include "wire/eth.h"
#include "wire/ipv6.h"

#define XS_ICMP6_HLEN		8
#define XS_ICMP6_ERR_MIN_LEN	(XS_ICMP6_HLEN + XS_IPV6_HLEN)

#define XS_ICMP6_DEST_UNREACH	1
#define XS_ICMP6_PKT_TOO_BIG	2
#define XS_ICMP6_TIME_EXCEEDED	3
#define XS_ICMP6_PARAM_PROBLEM	4
#define XS_ICMP6_ECHO_REQUEST	128
#define XS_ICMP6_ECHO_REPLY	129
#define XS_ND_ROUTER_SOLICIT	133
#define XS_ND_ROUTER_ADVERT	134
#define XS_ND_NEIGH_SOLICIT	135
#define XS_ND_NEIGH_ADVERT	136

/* Neighbor advertisement flags (first byte after the checksum). */
#define XS_ND_NA_ROUTER		0x80
#define XS_ND_NA_SOLICITED	0x40
#define XS_ND_NA_OVERRIDE	0x20

#define XS_ND_OPT_SLL		1
#define XS_ND_OPT_TLL		2
#define XS_ND_OPT_MTU		5

struct xs_icmp6_view {
	const uint8_t *buf;
	size_t len;		/* the whole message */
};

/* Fixed length of a type's message before its payload or NDP options
 * (8 for the types this file does not know). */
size_t xs_icmp6_fixed_len(uint8_t type);

/* 0, or -EBADMSG when len cannot hold the type's fixed part, or, for an
 * error, 8 bytes and a quoted IPv6 header (XS_ICMP6_ERR_MIN_LEN). */
int xs_icmp6_view_init(struct xs_icmp6_view *v, const void *buf, size_t len);

static inline uint8_t xs_icmp6_type(const struct xs_icmp6_view *v) { return v->buf[0]; }
static inline uint8_t xs_icmp6_code(const struct xs_icmp6_view *v) { return v->buf[1]; }
static inline uint16_t xs_icmp6_csum(const struct xs_icmp6_view *v) { return xs_get16(v->buf + 2); }
static inline uint16_t xs_icmp6_echo_id(const struct xs_icmp6_view *v) { return xs_get16(v->buf + 4); }
static inline uint16_t xs_icmp6_echo_seq(const struct xs_icmp6_view *v) { return xs_get16(v->buf + 6); }
/* MTU of packet too big; pointer of parameter problem. */
static inline uint32_t xs_icmp6_mtu(const struct xs_icmp6_view *v) { return xs_get32(v->buf + 4); }
static inline uint32_t xs_icmp6_pointer(const struct xs_icmp6_view *v) { return xs_get32(v->buf + 4); }
/* NS and NA. */
static inline uint8_t xs_nd_na_flags(const struct xs_icmp6_view *v) { return v->buf[4] & 0xe0; }
static inline const uint8_t *xs_nd_target(const struct xs_icmp6_view *v) { return v->buf + 8; }
/* Whatever follows the fixed part: echo data, the quoted packet of an
 * error, NDP options. */
static inline const uint8_t *xs_icmp6_payload(const struct xs_icmp6_view *v) { return v->buf + xs_icmp6_fixed_len(v->buf[0]); }
static inline size_t xs_icmp6_payload_len(const struct xs_icmp6_view *v) { return v->len - xs_icmp6_fixed_len(v->buf[0]); }

/* The packet an error quotes, maybe cut short.  0, -EBADMSG when it is
 * malformed, -EINVAL when v is no error. */
int xs_icmp6_quote(const struct xs_icmp6_view *v, struct xs_ipv6_view *quote);

struct xs_icmp6_repr {
	uint8_t type, code;
	uint16_t id, seq;		/* echo */
	uint32_t mtu;			/* packet too big; an RA's MTU option */
	uint32_t pointer;		/* parameter problem */
	struct in6_addr target;		/* NS, NA */
	uint8_t na_flags;		/* XS_ND_NA_* */
	uint8_t ra_hop_limit, ra_flags;	/* RA: M and O flags as on the wire */
	uint16_t ra_lifetime;
	uint32_t ra_reachable, ra_retrans;
	/* NDP options (Ethernet link-layer addresses) */
	bool has_sll, has_tll, has_mtu;
	uint8_t sll[XS_ETH_ALEN], tll[XS_ETH_ALEN];
	size_t payload_len;		/* echo data, quoted packet; 0 for NDP */
};

/*
 * Verifies the checksum against ph (mandatory for ICMPv6; NULL only when it
 * was verified already) and, for NDP, that the code is 0 and every option
 * has a non-zero length within the message; unknown options are skipped.
 * Hop limit 255 (RFC 4861 §7.1) is iface/'s to check.  0, -EBADMSG, or
 * -EOPNOTSUPP for a type other than the ones above.
 */
int xs_icmp6_repr_parse(const struct xs_icmp6_view *v, const struct xs_pseudo *ph,
			struct xs_icmp6_repr *r);

/* Bytes xs_icmp6_repr_emit() writes before the payload: the fixed part and,
 * for NDP, the options. */
size_t xs_icmp6_repr_hdr_len(const struct xs_icmp6_repr *r);

/*
 * Writes the message at buf (NDP options included), with the checksum over
 * it, the r->payload_len bytes the caller placed right after it, and ph.
 * Returns xs_icmp6_repr_hdr_len(), -ENOSPC when size cannot hold it and
 * the payload, -EOPNOTSUPP for an unknown type.
 */
int xs_icmp6_repr_emit(const struct xs_icmp6_repr *r, const struct xs_pseudo *ph,
		       void *buf, size_t size);

#endif /* XS_WIRE_ICMP6_H */
