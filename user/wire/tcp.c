// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * TCP headers and options: between ipv4.c/ipv6.c and sock/'s segment
 * input and output.
 */
#include "wire/tcp.h"

#include <netinet/in.h>

int xs_tcp_view_init(struct xs_tcp_view *v, const void *buf, size_t len)
{
	const uint8_t *p = buf;
	size_t hl;

	if (len < XS_TCP_MIN_HLEN)
		return -EBADMSG;
	hl = (size_t)(p[12] >> 4) * 4;
	if (hl < XS_TCP_MIN_HLEN || hl > len)
		return -EBADMSG;
	v->buf = p;
	v->len = len;
	return 0;
}

static int opt_parse(const struct xs_opt *opt, struct xs_tcp_opts *o)
{
	unsigned int i;

	switch (opt->kind) {
	case XS_TCPOPT_MSS:
		if (opt->len != 4)
			return -EBADMSG;
		o->has_mss = true;
		o->mss = xs_get16(opt->data);
		break;
	case XS_TCPOPT_WSCALE:
		if (opt->len != 3)
			return -EBADMSG;
		o->has_wscale = true;
		o->wscale = opt->data[0] > XS_TCP_MAX_WSCALE ?
			    XS_TCP_MAX_WSCALE : opt->data[0];
		break;
	case XS_TCPOPT_SACK_PERM:
		if (opt->len != 2)
			return -EBADMSG;
		o->sack_perm = true;
		break;
	case XS_TCPOPT_SACK:
		if ((opt->len - 2) % 8 || opt->len == 2 ||
		    (opt->len - 2) / 8 > XS_TCP_MAX_SACK)
			return -EBADMSG;
		o->nsack = (uint8_t)((opt->len - 2) / 8);
		for (i = 0; i < o->nsack; i++) {
			o->sack[i].left = xs_get32(opt->data + 8 * i);
			o->sack[i].right = xs_get32(opt->data + 8 * i + 4);
		}
		break;
	case XS_TCPOPT_TS:
		if (opt->len != 10)
			return -EBADMSG;
		o->has_ts = true;
		o->ts_val = xs_get32(opt->data);
		o->ts_ecr = xs_get32(opt->data + 4);
		break;
	}
	return 0;
}

int xs_tcp_opts_parse(const uint8_t *opts, size_t len, struct xs_tcp_opts *o)
{
	struct xs_opt opt;
	size_t off = 0;
	int err;

	memset(o, 0, sizeof(*o));
	while ((err = xs_opt_next(opts, len, &off, &opt)) > 0) {
		err = opt_parse(&opt, o);
		if (err)
			return err;
	}
	return err;
}

int xs_tcp_repr_parse(const struct xs_tcp_view *v, const struct xs_pseudo *ph,
		      struct xs_tcp_repr *r)
{
	if (ph && xs_csum_l4(ph, IPPROTO_TCP, v->buf, v->len))
		return -EBADMSG;
	r->src_port = xs_tcp_src_port(v);
	r->dst_port = xs_tcp_dst_port(v);
	r->seq = xs_tcp_seq(v);
	r->ack = xs_tcp_ack(v);
	r->flags = xs_tcp_flags(v);
	r->window = xs_tcp_window(v);
	r->urgent = xs_tcp_urgent(v);
	r->payload_len = xs_tcp_payload_len(v);
	return xs_tcp_opts_parse(xs_tcp_opts(v), xs_tcp_opts_len(v), &r->opts);
}

/*
 * Lays the options out as Linux does (tcp_options_write()), each group
 * padded with NOPs to 4 bytes.  With out == NULL only counts.  Returns the
 * length, or -EINVAL past 40 bytes.
 */
static int opts_write(const struct xs_tcp_opts *o, uint8_t *out)
{
	uint8_t b[XS_TCP_MAX_OPTS + 2 + 8 * XS_TCP_MAX_SACK];	/* worst case, checked after */
	size_t n = 0;
	unsigned int i;

	if (o->has_mss) {
		b[n++] = XS_TCPOPT_MSS;
		b[n++] = 4;
		xs_put16(b + n, o->mss);
		n += 2;
	}
	if (o->has_ts) {
		if (o->sack_perm) {
			b[n++] = XS_TCPOPT_SACK_PERM;
			b[n++] = 2;
		} else {
			b[n++] = XS_OPT_NOP;
			b[n++] = XS_OPT_NOP;
		}
		b[n++] = XS_TCPOPT_TS;
		b[n++] = 10;
		xs_put32(b + n, o->ts_val);
		xs_put32(b + n + 4, o->ts_ecr);
		n += 8;
	} else if (o->sack_perm) {
		b[n++] = XS_OPT_NOP;
		b[n++] = XS_OPT_NOP;
		b[n++] = XS_TCPOPT_SACK_PERM;
		b[n++] = 2;
	}
	if (o->has_wscale) {
		b[n++] = XS_OPT_NOP;
		b[n++] = XS_TCPOPT_WSCALE;
		b[n++] = 3;
		b[n++] = o->wscale;
	}
	if (o->nsack) {
		if (o->nsack > XS_TCP_MAX_SACK)
			return -EINVAL;
		b[n++] = XS_OPT_NOP;
		b[n++] = XS_OPT_NOP;
		b[n++] = XS_TCPOPT_SACK;
		b[n++] = (uint8_t)(2 + 8 * o->nsack);
		for (i = 0; i < o->nsack; i++) {
			xs_put32(b + n, o->sack[i].left);
			xs_put32(b + n + 4, o->sack[i].right);
			n += 8;
		}
	}
	if (n > XS_TCP_MAX_OPTS)
		return -EINVAL;
	if (out)
		memcpy(out, b, n);
	return (int)n;
}

int xs_tcp_repr_hdr_len(const struct xs_tcp_repr *r)
{
	int n = opts_write(&r->opts, NULL);

	return n < 0 ? n : XS_TCP_MIN_HLEN + n;
}

/* Writes r's header (checksum zero) at p; returns its length. */
static int hdr_write(const struct xs_tcp_repr *r, uint8_t *p, int hl)
{
	xs_put16(p, r->src_port);
	xs_put16(p + 2, r->dst_port);
	xs_put32(p + 4, r->seq);
	xs_put32(p + 8, r->ack);
	xs_put16(p + 12, (uint16_t)((hl / 4) << 12 | r->flags));
	xs_put16(p + 14, r->window);
	xs_put16(p + 16, 0);
	xs_put16(p + 18, r->urgent);
	opts_write(&r->opts, p + XS_TCP_MIN_HLEN);
	return hl;
}

int xs_tcp_repr_emit(const struct xs_tcp_repr *r, const struct xs_pseudo *ph,
		     void *buf, size_t size)
{
	int hl = xs_tcp_repr_hdr_len(r);
	uint8_t *p = buf;
	size_t len;

	if (hl < 0)
		return hl;
	if (r->flags > 0x1ff || r->opts.wscale > XS_TCP_MAX_WSCALE)
		return -EINVAL;
	len = (size_t)hl + r->payload_len;
	if (size < (size_t)hl || size - (size_t)hl < r->payload_len)
		return -ENOSPC;
	hdr_write(r, p, hl);
	xs_put16(p + 16, xs_csum_l4(ph, IPPROTO_TCP, p, len));
	return hl;
}

int xs_tcp_repr_emit_hdr(const struct xs_tcp_repr *r, const struct xs_pseudo *ph,
			 const struct iovec *iov, int iovcnt, void *buf, size_t size)
{
	int hl = xs_tcp_repr_hdr_len(r);
	uint8_t *p = buf;
	size_t off;
	uint32_t sum;

	if (hl < 0)
		return hl;
	if (r->flags > 0x1ff || r->opts.wscale > XS_TCP_MAX_WSCALE)
		return -EINVAL;
	if (size < (size_t)hl)
		return -ENOSPC;
	hdr_write(r, p, hl);
	sum = xs_csum_pseudo(ph, IPPROTO_TCP, (uint32_t)(hl + r->payload_len));
	sum = xs_csum_add(sum, xs_csum_partial(p, (size_t)hl, 0));
	off = (size_t)hl;
	for (int i = 0; i < iovcnt; i++) {
		if (!iov[i].iov_len)
			continue;
		sum = xs_csum_block_add(sum, xs_csum_partial(iov[i].iov_base, iov[i].iov_len, 0), off);
		off += iov[i].iov_len;
	}
	xs_put16(p + 16, xs_csum_fold(sum));
	return hl;
}
