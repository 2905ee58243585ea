/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * UDP (RFC 768; over IPv6, RFC 8200 §8.1): over the payload of ipv4.h or
 * ipv6.h, under sock/'s UDP sockets.
 */
#ifndef XS_WIRE_UDP_H
#define XS_WIRE_UDP_H

#include <stddef.h>
#include <stdint.h>

#include "wire/bytes.h"
#include "wire/csum.h"

#define XS_UDP_HLEN 8

struct xs_udp_view {
	const uint8_t *buf;
	size_t len;		/* the UDP length field */
};

/* 0, or -EBADMSG unless len >= 8 and 8 <= the length field <= len, where
 * len is the IP payload length.  Bytes past the length field are left out. */
int xs_udp_view_init(struct xs_udp_view *v, const void *buf, size_t len);

static inline uint16_t xs_udp_src_port(const struct xs_udp_view *v) { return xs_get16(v->buf); }
static inline uint16_t xs_udp_dst_port(const struct xs_udp_view *v) { return xs_get16(v->buf + 2); }
static inline uint16_t xs_udp_len(const struct xs_udp_view *v) { return xs_get16(v->buf + 4); }
static inline uint16_t xs_udp_csum(const struct xs_udp_view *v) { return xs_get16(v->buf + 6); }
static inline const uint8_t *xs_udp_payload(const struct xs_udp_view *v) { return v->buf + XS_UDP_HLEN; }
static inline size_t xs_udp_payload_len(const struct xs_udp_view *v) { return v->len - XS_UDP_HLEN; }

struct xs_udp_repr {
	uint16_t src_port, dst_port;
	size_t payload_len;
};

/*
 * Verifies the checksum against the pseudo-header ph, unless ph is NULL
 * (checksum already verified, e.g. by the NIC).  A zero checksum means
 * "none" over IPv4 and is invalid over IPv6.  0 or -EBADMSG.
 */
int xs_udp_repr_parse(const struct xs_udp_view *v, const struct xs_pseudo *ph,
		      struct xs_udp_repr *r);

/*
 * Writes the header at buf, with the checksum over it, the r->payload_len
 * bytes the caller placed right after it, and ph (a computed zero is sent
 * as 0xffff).  Returns 8, -ENOSPC when size cannot hold header and
 * payload, or -EINVAL when they exceed 65535 bytes.
 */
int xs_udp_repr_emit(const struct xs_udp_repr *r, const struct xs_pseudo *ph,
		     void *buf, size_t size);

#endif /* XS_WIRE_UDP_H */
