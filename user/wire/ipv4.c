// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * IPv4 headers: iface/ checks them here on the way up (eth.c -> here ->
 * icmp4.c, udp.c, tcp.c) and writes them here on the way down.
 */
#include "wire/ipv4.h"

#include <sys/socket.h>

static int view_init(struct xs_ipv4_view *v, const uint8_t *p, size_t len,
		     bool quote)
{
	size_t hl, tot;

	if (len < XS_IPV4_MIN_HLEN || p[0] >> 4 != 4)
		return -EBADMSG;
	hl = (size_t)(p[0] & 0x0f) * 4;
	tot = xs_get16(p + 2);
	if (hl < XS_IPV4_MIN_HLEN || hl > len || tot < hl)
		return -EBADMSG;
	if (quote) {
		if (len - hl < 8)
			return -EBADMSG;
	} else if (tot > len) {
		return -EBADMSG;
	}
	v->buf = p;
	v->len = tot < len ? tot : len;
	return 0;
}

int xs_ipv4_view_init(struct xs_ipv4_view *v, const void *buf, size_t len)
{
	return view_init(v, buf, len, false);
}

int xs_ipv4_view_init_quote(struct xs_ipv4_view *v, const void *buf, size_t len)
{
	return view_init(v, buf, len, true);
}

bool xs_ipv4_csum_ok(const struct xs_ipv4_view *v)
{
	return xs_csum_fold(xs_csum_partial(v->buf, xs_ipv4_hdr_len(v), 0)) == 0;
}

int xs_ipv4_repr_parse(const struct xs_ipv4_view *v, struct xs_ipv4_repr *r)
{
	size_t off = 0, olen = xs_ipv4_opts_len(v);
	struct xs_opt o;
	int err;

	if (!xs_ipv4_csum_ok(v))
		return -EBADMSG;
	while ((err = xs_opt_next(xs_ipv4_opts(v), olen, &off, &o)) > 0)
		;
	if (err < 0)
		return err;
	memcpy(&r->src, xs_ipv4_src(v), 4);
	memcpy(&r->dst, xs_ipv4_dst(v), 4);
	r->proto = xs_ipv4_proto(v);
	r->ttl = xs_ipv4_ttl(v);
	r->tos = xs_ipv4_tos(v);
	r->id = xs_ipv4_id(v);
	r->df = xs_ipv4_df(v);
	r->mf = xs_ipv4_mf(v);
	r->frag_off = xs_ipv4_frag_off(v);
	r->opts_len = (uint8_t)olen;
	memcpy(r->opts, xs_ipv4_opts(v), olen);
	r->payload_len = xs_ipv4_payload_len(v);
	return 0;
}

size_t xs_ipv4_repr_hdr_len(const struct xs_ipv4_repr *r)
{
	return XS_IPV4_MIN_HLEN + (((size_t)r->opts_len + 3) & ~(size_t)3);
}

int xs_ipv4_repr_emit(const struct xs_ipv4_repr *r, void *buf, size_t size)
{
	size_t hl = xs_ipv4_repr_hdr_len(r);
	uint8_t *p = buf;

	if (r->opts_len > XS_IPV4_MAX_OPTS || r->frag_off & 7 ||
	    r->payload_len > 0xffff - hl)
		return -EINVAL;
	if (size < hl || size - hl < r->payload_len)
		return -ENOSPC;
	p[0] = (uint8_t)(0x40 | hl / 4);
	p[1] = r->tos;
	xs_put16(p + 2, (uint16_t)(hl + r->payload_len));
	xs_put16(p + 4, r->id);
	xs_put16(p + 6, (uint16_t)((r->df ? 0x4000 : 0) | (r->mf ? 0x2000 : 0) |
				   r->frag_off / 8));
	p[8] = r->ttl;
	p[9] = r->proto;
	xs_put16(p + 10, 0);
	memcpy(p + 12, &r->src, 4);
	memcpy(p + 16, &r->dst, 4);
	memcpy(p + 20, r->opts, r->opts_len);
	memset(p + 20 + r->opts_len, XS_OPT_EOL, hl - 20 - r->opts_len);
	xs_put16(p + 10, xs_csum_fold(xs_csum_partial(p, hl, 0)));
	return (int)hl;
}

void xs_ipv4_repr_pseudo(const struct xs_ipv4_repr *r, struct xs_pseudo *ph)
{
	ph->family = AF_INET;
	ph->src.v4 = r->src;
	ph->dst.v4 = r->dst;
}
