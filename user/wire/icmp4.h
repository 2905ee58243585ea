/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * ICMPv4 (RFC 792, RFC 1191 for the next-hop MTU): over the payload of
 * ipv4.h.  Echo is answered by sock/'s ICMP side; errors lead back, through
 * the quoted datagram (ipv4.h again, then the first 8 bytes of udp.h or
 * tcp.h), to the socket they concern.
 */
#ifndef XS_WIRE_ICMP4_H
#define XS_WIRE_ICMP4_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "wire/bytes.h"
#include "wire/ipv4.h"

#define XS_ICMP4_HLEN		8
#define XS_ICMP4_ERR_MIN_LEN	(XS_ICMP4_HLEN + XS_IPV4_MIN_HLEN + 8)

#define XS_ICMP4_ECHO_REPLY	0
#define XS_ICMP4_DEST_UNREACH	3
#define XS_ICMP4_ECHO_REQUEST	8
#define XS_ICMP4_TIME_EXCEEDED	11
#define XS_ICMP4_PARAM_PROBLEM	12

#define XS_ICMP4_FRAG_NEEDED	4	/* code of XS_ICMP4_DEST_UNREACH */

struct xs_icmp4_view {
	const uint8_t *buf;
	size_t len;		/* the whole message, as the IP payload */
};

static inline bool xs_icmp4_type_is_error(uint8_t type)
{
	return type == XS_ICMP4_DEST_UNREACH || type == XS_ICMP4_TIME_EXCEEDED ||
	       type == XS_ICMP4_PARAM_PROBLEM;
}

/* 0, or -EBADMSG when len < 8, or, for an error, when it cannot hold a
 * quoted IPv4 header and 8 bytes (XS_ICMP4_ERR_MIN_LEN). */
int xs_icmp4_view_init(struct xs_icmp4_view *v, const void *buf, size_t len);

static inline uint8_t xs_icmp4_type(const struct xs_icmp4_view *v) { return v->buf[0]; }
static inline uint8_t xs_icmp4_code(const struct xs_icmp4_view *v) { return v->buf[1]; }
static inline uint16_t xs_icmp4_csum(const struct xs_icmp4_view *v) { return xs_get16(v->buf + 2); }
/* Echo identifier and sequence number. */
static inline uint16_t xs_icmp4_echo_id(const struct xs_icmp4_view *v) { return xs_get16(v->buf + 4); }
static inline uint16_t xs_icmp4_echo_seq(const struct xs_icmp4_view *v) { return xs_get16(v->buf + 6); }
/* Next-hop MTU of a fragmentation-needed message (0 from old routers). */
static inline uint16_t xs_icmp4_mtu(const struct xs_icmp4_view *v) { return xs_get16(v->buf + 6); }
static inline uint8_t xs_icmp4_pointer(const struct xs_icmp4_view *v) { return v->buf[4]; }
/* Echo data, or the quoted datagram of an error. */
static inline const uint8_t *xs_icmp4_payload(const struct xs_icmp4_view *v) { return v->buf + XS_ICMP4_HLEN; }
static inline size_t xs_icmp4_payload_len(const struct xs_icmp4_view *v) { return v->len - XS_ICMP4_HLEN; }

/* The datagram an error quotes: its IPv4 header, and at least 8 bytes of
 * its payload.  0, -EBADMSG when it is malformed, -EINVAL when v is no
 * error. */
int xs_icmp4_quote(const struct xs_icmp4_view *v, struct xs_ipv4_view *quote);

struct xs_icmp4_repr {
	uint8_t type, code;
	uint16_t id, seq;	/* echo request and reply */
	uint16_t mtu;		/* destination unreachable, fragmentation needed */
	uint8_t pointer;	/* parameter problem */
	size_t payload_len;	/* echo data, or the quoted datagram */
};

/* Verifies the checksum.  0, -EBADMSG on a wrong checksum, -EOPNOTSUPP
 * for a type other than the XS_ICMP4_* above. */
int xs_icmp4_repr_parse(const struct xs_icmp4_view *v, struct xs_icmp4_repr *r);

/*
 * Writes the 8-byte header at buf, with the checksum over it and the
 * r->payload_len bytes that the caller placed right after it.  Returns 8,
 * -ENOSPC when size cannot hold both, -EOPNOTSUPP for an unknown type.
 */
int xs_icmp4_repr_emit(const struct xs_icmp4_repr *r, void *buf, size_t size);

#endif /* XS_WIRE_ICMP4_H */
