/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * TCP (RFC 9293) headers and options (MSS, window scale and timestamps
 * from RFC 7323, SACK from RFC 2018): over the payload of ipv4.h or
 * ipv6.h, under sock/'s TCP state machine, which gets a repr and never
 * the bytes.
 */
#ifndef XS_WIRE_TCP_H
#define XS_WIRE_TCP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/uio.h>

#include "wire/bytes.h"
#include "wire/csum.h"

#define XS_TCP_MIN_HLEN		20
#define XS_TCP_MAX_HLEN		60
#define XS_TCP_MAX_OPTS		40
#define XS_TCP_MAX_WSCALE	14	/* RFC 7323 §2.3: larger shifts count as 14 */
#define XS_TCP_MAX_SACK		4

#define XS_TCP_FIN	0x001
#define XS_TCP_SYN	0x002
#define XS_TCP_RST	0x004
#define XS_TCP_PSH	0x008
#define XS_TCP_ACK	0x010
#define XS_TCP_URG	0x020
#define XS_TCP_ECE	0x040
#define XS_TCP_CWR	0x080
#define XS_TCP_AE	0x100	/* the former NS bit (RFC 3540, now AccECN) */

#define XS_TCPOPT_MSS		2
#define XS_TCPOPT_WSCALE	3
#define XS_TCPOPT_SACK_PERM	4
#define XS_TCPOPT_SACK		5
#define XS_TCPOPT_TS		8

struct xs_tcp_view {
	const uint8_t *buf;
	size_t len;
};

/* 0, or -EBADMSG unless len >= 20 and 5 <= data offset, offset * 4 <= len,
 * where len is the IP payload length. */
int xs_tcp_view_init(struct xs_tcp_view *v, const void *buf, size_t len);

static inline uint16_t xs_tcp_src_port(const struct xs_tcp_view *v) { return xs_get16(v->buf); }
static inline uint16_t xs_tcp_dst_port(const struct xs_tcp_view *v) { return xs_get16(v->buf + 2); }
static inline uint32_t xs_tcp_seq(const struct xs_tcp_view *v) { return xs_get32(v->buf + 4); }
static inline uint32_t xs_tcp_ack(const struct xs_tcp_view *v) { return xs_get32(v->buf + 8); }
static inline size_t xs_tcp_hdr_len(const struct xs_tcp_view *v) { return (size_t)(v->buf[12] >> 4) * 4; }
static inline uint16_t xs_tcp_flags(const struct xs_tcp_view *v) { return xs_get16(v->buf + 12) & 0x1ff; }
static inline uint16_t xs_tcp_window(const struct xs_tcp_view *v) { return xs_get16(v->buf + 14); }
static inline uint16_t xs_tcp_csum(const struct xs_tcp_view *v) { return xs_get16(v->buf + 16); }
static inline uint16_t xs_tcp_urgent(const struct xs_tcp_view *v) { return xs_get16(v->buf + 18); }
static inline const uint8_t *xs_tcp_opts(const struct xs_tcp_view *v) { return v->buf + XS_TCP_MIN_HLEN; }
static inline size_t xs_tcp_opts_len(const struct xs_tcp_view *v) { return xs_tcp_hdr_len(v) - XS_TCP_MIN_HLEN; }
static inline const uint8_t *xs_tcp_payload(const struct xs_tcp_view *v) { return v->buf + xs_tcp_hdr_len(v); }
static inline size_t xs_tcp_payload_len(const struct xs_tcp_view *v) { return v->len - xs_tcp_hdr_len(v); }

struct xs_tcp_sack {
	uint32_t left, right;
};

/* The options a segment carries; has_* say which were present. */
struct xs_tcp_opts {
	bool has_mss, has_wscale, sack_perm, has_ts;
	uint16_t mss;
	uint8_t wscale;		/* capped at XS_TCP_MAX_WSCALE */
	uint32_t ts_val, ts_ecr;
	uint8_t nsack;		/* 0..XS_TCP_MAX_SACK */
	struct xs_tcp_sack sack[XS_TCP_MAX_SACK];
};

/*
 * Parses the option list opts[0..len).  Unknown kinds are skipped by their
 * length; EOL ends the list.  -EBADMSG on a length below 2 or past the end,
 * or a known kind with the wrong length (an MSS of other than 4 bytes,
 * SACK blocks not a multiple of 8 or more than 4).  Never loops: each
 * option consumes at least one byte.
 */
int xs_tcp_opts_parse(const uint8_t *opts, size_t len, struct xs_tcp_opts *o);

struct xs_tcp_repr {
	uint16_t src_port, dst_port;
	uint32_t seq, ack;
	uint16_t flags;		/* XS_TCP_* */
	uint16_t window;	/* as sent, unscaled */
	uint16_t urgent;
	struct xs_tcp_opts opts;
	size_t payload_len;
};

/*
 * Checks the checksum against the pseudo-header ph (unless ph is NULL:
 * already verified) and parses the options.  0 or -EBADMSG.
 */
int xs_tcp_repr_parse(const struct xs_tcp_view *v, const struct xs_pseudo *ph,
		      struct xs_tcp_repr *r);

/* Header length xs_tcp_repr_emit() writes for r, or -EINVAL when its
 * options do not fit in 40 bytes. */
int xs_tcp_repr_hdr_len(const struct xs_tcp_repr *r);

/*
 * Writes the header at buf, options in the order and alignment Linux uses
 * (MSS, SACK-permitted and timestamps, window scale, SACK blocks), and the
 * checksum over it, the r->payload_len bytes the caller placed right after
 * it, and ph.  Returns the header length, -ENOSPC when size cannot hold
 * header and payload, or -EINVAL when the options do not fit or a field is
 * out of range.
 */
int xs_tcp_repr_emit(const struct xs_tcp_repr *r, const struct xs_pseudo *ph,
		     void *buf, size_t size);

/*
 * The same for a payload that is not behind the header: writes only the
 * header at buf, its checksum covering the r->payload_len bytes gathered
 * from iov[0..iovcnt).  Same returns.
 */
int xs_tcp_repr_emit_hdr(const struct xs_tcp_repr *r, const struct xs_pseudo *ph,
			 const struct iovec *iov, int iovcnt, void *buf, size_t size);

#endif /* XS_WIRE_TCP_H */
