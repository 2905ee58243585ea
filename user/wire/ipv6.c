// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * IPv6 headers and their extension headers: between eth.c and the upper
 * layers (icmp6.c, udp.c, tcp.c), on the way up and down.
 */
#include "wire/ipv6.h"

#include <sys/socket.h>

static int view_init(struct xs_ipv6_view *v, const uint8_t *p, size_t len,
		     bool quote)
{
	size_t plen;

	if (len < XS_IPV6_HLEN || p[0] >> 4 != 6)
		return -EBADMSG;
	plen = xs_get16(p + 4);
	if (plen > len - XS_IPV6_HLEN) {
		if (!quote)
			return -EBADMSG;
		plen = len - XS_IPV6_HLEN;
	}
	v->buf = p;
	v->len = XS_IPV6_HLEN + plen;
	return 0;
}

int xs_ipv6_view_init(struct xs_ipv6_view *v, const void *buf, size_t len)
{
	return view_init(v, buf, len, false);
}

int xs_ipv6_view_init_quote(struct xs_ipv6_view *v, const void *buf, size_t len)
{
	return view_init(v, buf, len, true);
}

int xs_ipv6_ext_walk(const struct xs_ipv6_view *v, struct xs_ipv6_ext *e)
{
	const uint8_t *p = xs_ipv6_payload(v);
	size_t len = xs_ipv6_payload_len(v), hl;
	uint8_t nh = xs_ipv6_next_header(v);

	memset(e, 0, sizeof(*e));
	for (;;) {
		switch (nh) {
		case XS_IPV6_NH_HOPOPTS:
			if (e->count)
				return -EBADMSG;
			/* fall through */
		case XS_IPV6_NH_ROUTING:
		case XS_IPV6_NH_DSTOPTS:
			if (len - e->off < 2)
				return -EBADMSG;
			hl = ((size_t)p[e->off + 1] + 1) * 8;
			break;
		case XS_IPV6_NH_AH:
			if (len - e->off < 2)
				return -EBADMSG;
			hl = ((size_t)p[e->off + 1] + 2) * 4;
			break;
		case XS_IPV6_NH_FRAGMENT:
			hl = 8;
			break;
		default:
			e->proto = nh;
			return 0;
		}
		if (e->count == XS_IPV6_MAX_EXT || len - e->off < hl)
			return -EBADMSG;
		e->count++;
		if (nh == XS_IPV6_NH_FRAGMENT) {
			uint16_t fo = xs_get16(p + e->off + 2);

			e->frag = true;
			e->frag_off = fo & 0xfff8;
			e->frag_more = fo & 1;
			e->frag_id = xs_get32(p + e->off + 4);
		}
		nh = p[e->off];
		e->off += hl;
		if (e->frag && e->frag_off) {
			e->proto = nh;
			return 0;
		}
	}
}

int xs_ipv6_repr_parse(const struct xs_ipv6_view *v, struct xs_ipv6_repr *r)
{
	memcpy(&r->src, xs_ipv6_src(v), 16);
	memcpy(&r->dst, xs_ipv6_dst(v), 16);
	r->next_header = xs_ipv6_next_header(v);
	r->hop_limit = xs_ipv6_hop_limit(v);
	r->tclass = xs_ipv6_tclass(v);
	r->flow = xs_ipv6_flow(v);
	r->payload_len = xs_ipv6_payload_len(v);
	return 0;
}

int xs_ipv6_repr_emit(const struct xs_ipv6_repr *r, void *buf, size_t size)
{
	uint8_t *p = buf;

	if (r->flow > 0xfffff || r->payload_len > 0xffff)
		return -EINVAL;
	if (size < XS_IPV6_HLEN || size - XS_IPV6_HLEN < r->payload_len)
		return -ENOSPC;
	xs_put32(p, 6u << 28 | (uint32_t)r->tclass << 20 | r->flow);
	xs_put16(p + 4, (uint16_t)r->payload_len);
	p[6] = r->next_header;
	p[7] = r->hop_limit;
	memcpy(p + 8, &r->src, 16);
	memcpy(p + 24, &r->dst, 16);
	return XS_IPV6_HLEN;
}

void xs_ipv6_repr_pseudo(const struct xs_ipv6_repr *r, struct xs_pseudo *ph)
{
	ph->family = AF_INET6;
	ph->src.v6 = r->src;
	ph->dst.v6 = r->dst;
}
