/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * IPv4 (RFC 791): under eth.h (ethertype XS_ETHERTYPE_IPV4), and inside
 * ICMPv4 errors as the quoted datagram.  The protocol field picks the next
 * view: icmp4.h, udp.h or tcp.h.  Fragments are reassembled in iface/.
 */
#ifndef XS_WIRE_IPV4_H
#define XS_WIRE_IPV4_H

#include <netinet/in.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "wire/bytes.h"
#include "wire/csum.h"

#define XS_IPV4_MIN_HLEN	20
#define XS_IPV4_MAX_HLEN	60
#define XS_IPV4_MAX_OPTS	40

struct xs_ipv4_view {
	const uint8_t *buf;
	size_t len;		/* header and payload; trailing padding cut off */
};

/*
 * 0, or -EBADMSG unless: len >= 20, version 4, ihl >= 5, ihl * 4 <= len,
 * ihl * 4 <= tot_len <= len.  Bytes past tot_len (Ethernet padding) are
 * left out of the view.
 */
int xs_ipv4_view_init(struct xs_ipv4_view *v, const void *buf, size_t len);

/*
 * The same for a datagram quoted in an ICMP error, which is cut short:
 * tot_len may exceed len, and the view keeps what is there.  -EBADMSG
 * unless the header and 8 bytes of payload (the ports) are present.
 */
int xs_ipv4_view_init_quote(struct xs_ipv4_view *v, const void *buf, size_t len);

static inline uint8_t xs_ipv4_version(const struct xs_ipv4_view *v) { return v->buf[0] >> 4; }
static inline size_t xs_ipv4_hdr_len(const struct xs_ipv4_view *v) { return (size_t)(v->buf[0] & 0x0f) * 4; }
static inline uint8_t xs_ipv4_tos(const struct xs_ipv4_view *v) { return v->buf[1]; }
static inline uint8_t xs_ipv4_dscp(const struct xs_ipv4_view *v) { return v->buf[1] >> 2; }
static inline uint8_t xs_ipv4_ecn(const struct xs_ipv4_view *v) { return v->buf[1] & 3; }
static inline uint16_t xs_ipv4_tot_len(const struct xs_ipv4_view *v) { return xs_get16(v->buf + 2); }
static inline uint16_t xs_ipv4_id(const struct xs_ipv4_view *v) { return xs_get16(v->buf + 4); }
static inline bool xs_ipv4_df(const struct xs_ipv4_view *v) { return v->buf[6] & 0x40; }
static inline bool xs_ipv4_mf(const struct xs_ipv4_view *v) { return v->buf[6] & 0x20; }
/* Fragment offset in bytes. */
static inline uint16_t xs_ipv4_frag_off(const struct xs_ipv4_view *v) { return (uint16_t)((xs_get16(v->buf + 6) & 0x1fff) * 8); }
static inline bool xs_ipv4_is_frag(const struct xs_ipv4_view *v) { return xs_get16(v->buf + 6) & 0x3fff; }
static inline uint8_t xs_ipv4_ttl(const struct xs_ipv4_view *v) { return v->buf[8]; }
static inline uint8_t xs_ipv4_proto(const struct xs_ipv4_view *v) { return v->buf[9]; }
static inline uint16_t xs_ipv4_csum(const struct xs_ipv4_view *v) { return xs_get16(v->buf + 10); }
static inline const uint8_t *xs_ipv4_src(const struct xs_ipv4_view *v) { return v->buf + 12; }
static inline const uint8_t *xs_ipv4_dst(const struct xs_ipv4_view *v) { return v->buf + 16; }
static inline const uint8_t *xs_ipv4_opts(const struct xs_ipv4_view *v) { return v->buf + XS_IPV4_MIN_HLEN; }
static inline size_t xs_ipv4_opts_len(const struct xs_ipv4_view *v) { return xs_ipv4_hdr_len(v) - XS_IPV4_MIN_HLEN; }
static inline const uint8_t *xs_ipv4_payload(const struct xs_ipv4_view *v) { return v->buf + xs_ipv4_hdr_len(v); }
static inline size_t xs_ipv4_payload_len(const struct xs_ipv4_view *v) { return v->len - xs_ipv4_hdr_len(v); }

/* Whether the header checksum is right. */
bool xs_ipv4_csum_ok(const struct xs_ipv4_view *v);

struct xs_ipv4_repr {
	struct in_addr src, dst;	/* network order */
	uint8_t proto;
	uint8_t ttl;
	uint8_t tos;			/* DSCP << 2 | ECN */
	uint16_t id;
	bool df, mf;
	uint16_t frag_off;		/* bytes; a multiple of 8 */
	uint8_t opts_len;		/* 0..40 */
	uint8_t opts[XS_IPV4_MAX_OPTS];
	size_t payload_len;
};

/* 0, or -EBADMSG when the header checksum is wrong or an option's length
 * is malformed. */
int xs_ipv4_repr_parse(const struct xs_ipv4_view *v, struct xs_ipv4_repr *r);

/* Header length xs_ipv4_repr_emit() writes: options padded to 4 bytes. */
size_t xs_ipv4_repr_hdr_len(const struct xs_ipv4_repr *r);

/*
 * Writes the header (options padded with EOL, checksum filled) at buf for
 * a payload of r->payload_len bytes that the caller places right after it.
 * Returns the header length, -ENOSPC when size cannot hold header and
 * payload, or -EINVAL when a field is out of range.
 */
int xs_ipv4_repr_emit(const struct xs_ipv4_repr *r, void *buf, size_t size);

/* The pseudo-header addresses of r, for udp.h and tcp.h. */
void xs_ipv4_repr_pseudo(const struct xs_ipv4_repr *r, struct xs_pseudo *ph);

#endif /* XS_WIRE_IPV4_H */
