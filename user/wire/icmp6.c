// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * ICMPv6 and NDP messages: between ipv6.c and sock/'s ICMP side, iface/'s
 * neighbour mirror, or the socket an error quotes.
 */
#include "wire/icmp6.h"

static bool type_is_error(uint8_t type)
{
	return type >= XS_ICMP6_DEST_UNREACH && type <= XS_ICMP6_PARAM_PROBLEM;
}

static bool type_is_nd(uint8_t type)
{
	return type >= XS_ND_ROUTER_SOLICIT && type <= XS_ND_NEIGH_ADVERT;
}

static bool type_known(uint8_t type)
{
	return type_is_error(type) || type_is_nd(type) ||
	       type == XS_ICMP6_ECHO_REQUEST || type == XS_ICMP6_ECHO_REPLY;
}

size_t xs_icmp6_fixed_len(uint8_t type)
{
	switch (type) {
	case XS_ND_ROUTER_ADVERT:
		return 16;
	case XS_ND_NEIGH_SOLICIT:
	case XS_ND_NEIGH_ADVERT:
		return 24;
	default:
		return XS_ICMP6_HLEN;
	}
}

int xs_icmp6_view_init(struct xs_icmp6_view *v, const void *buf, size_t len)
{
	const uint8_t *p = buf;

	if (len < XS_ICMP6_HLEN || len < xs_icmp6_fixed_len(p[0]) ||
	    (type_is_error(p[0]) && len < XS_ICMP6_ERR_MIN_LEN))
		return -EBADMSG;
	v->buf = p;
	v->len = len;
	return 0;
}

int xs_icmp6_quote(const struct xs_icmp6_view *v, struct xs_ipv6_view *quote)
{
	if (!type_is_error(xs_icmp6_type(v)))
		return -EINVAL;
	return xs_ipv6_view_init_quote(quote, xs_icmp6_payload(v),
				       xs_icmp6_payload_len(v));
}

static int nd_opts_parse(const uint8_t *p, size_t len, struct xs_icmp6_repr *r)
{
	size_t off, olen;

	for (off = 0; off < len; off += olen) {
		if (len - off < 2 || p[off + 1] == 0)
			return -EBADMSG;
		olen = (size_t)p[off + 1] * 8;
		if (olen > len - off)
			return -EBADMSG;
		switch (p[off]) {
		case XS_ND_OPT_SLL:
			r->has_sll = true;
			memcpy(r->sll, p + off + 2, XS_ETH_ALEN);
			break;
		case XS_ND_OPT_TLL:
			r->has_tll = true;
			memcpy(r->tll, p + off + 2, XS_ETH_ALEN);
			break;
		case XS_ND_OPT_MTU:
			r->has_mtu = true;
			r->mtu = xs_get32(p + off + 4);
			break;
		}
	}
	return 0;
}

int xs_icmp6_repr_parse(const struct xs_icmp6_view *v, const struct xs_pseudo *ph,
			struct xs_icmp6_repr *r)
{
	uint8_t type = xs_icmp6_type(v);
	const uint8_t *p = v->buf;

	if (ph && xs_csum_l4(ph, IPPROTO_ICMPV6, v->buf, v->len))
		return -EBADMSG;
	if (!type_known(type))
		return -EOPNOTSUPP;
	memset(r, 0, sizeof(*r));
	r->type = type;
	r->code = xs_icmp6_code(v);
	switch (type) {
	case XS_ICMP6_ECHO_REQUEST:
	case XS_ICMP6_ECHO_REPLY:
		r->id = xs_icmp6_echo_id(v);
		r->seq = xs_icmp6_echo_seq(v);
		break;
	case XS_ICMP6_PKT_TOO_BIG:
		r->mtu = xs_icmp6_mtu(v);
		break;
	case XS_ICMP6_PARAM_PROBLEM:
		r->pointer = xs_icmp6_pointer(v);
		break;
	case XS_ND_ROUTER_ADVERT:
		r->ra_hop_limit = p[4];
		r->ra_flags = p[5];
		r->ra_lifetime = xs_get16(p + 6);
		r->ra_reachable = xs_get32(p + 8);
		r->ra_retrans = xs_get32(p + 12);
		break;
	case XS_ND_NEIGH_ADVERT:
		r->na_flags = xs_nd_na_flags(v);
		/* fall through */
	case XS_ND_NEIGH_SOLICIT:
		memcpy(&r->target, xs_nd_target(v), 16);
		break;
	}
	if (!type_is_nd(type)) {
		r->payload_len = xs_icmp6_payload_len(v);
		return 0;
	}
	if (r->code != 0)
		return -EBADMSG;
	return nd_opts_parse(xs_icmp6_payload(v), xs_icmp6_payload_len(v), r);
}

size_t xs_icmp6_repr_hdr_len(const struct xs_icmp6_repr *r)
{
	size_t n = xs_icmp6_fixed_len(r->type);

	if (type_is_nd(r->type))
		n += 8 * ((size_t)r->has_sll + r->has_tll + r->has_mtu);
	return n;
}

static uint8_t *lla_opt_write(uint8_t *p, uint8_t kind, const uint8_t *lla)
{
	p[0] = kind;
	p[1] = 1;
	memcpy(p + 2, lla, XS_ETH_ALEN);
	return p + 8;
}

int xs_icmp6_repr_emit(const struct xs_icmp6_repr *r, const struct xs_pseudo *ph,
		       void *buf, size_t size)
{
	size_t hl = xs_icmp6_repr_hdr_len(r), len = hl + r->payload_len;
	uint8_t *p = buf, *opt;

	if (!type_known(r->type))
		return -EOPNOTSUPP;
	if (size < hl || size - hl < r->payload_len)
		return -ENOSPC;
	memset(p, 0, hl);
	p[0] = r->type;
	p[1] = r->code;
	switch (r->type) {
	case XS_ICMP6_ECHO_REQUEST:
	case XS_ICMP6_ECHO_REPLY:
		xs_put16(p + 4, r->id);
		xs_put16(p + 6, r->seq);
		break;
	case XS_ICMP6_PKT_TOO_BIG:
		xs_put32(p + 4, r->mtu);
		break;
	case XS_ICMP6_PARAM_PROBLEM:
		xs_put32(p + 4, r->pointer);
		break;
	case XS_ND_ROUTER_ADVERT:
		p[4] = r->ra_hop_limit;
		p[5] = r->ra_flags;
		xs_put16(p + 6, r->ra_lifetime);
		xs_put32(p + 8, r->ra_reachable);
		xs_put32(p + 12, r->ra_retrans);
		break;
	case XS_ND_NEIGH_ADVERT:
		p[4] = r->na_flags & 0xe0;
		/* fall through */
	case XS_ND_NEIGH_SOLICIT:
		memcpy(p + 8, &r->target, 16);
		break;
	}
	if (type_is_nd(r->type)) {
		opt = p + xs_icmp6_fixed_len(r->type);
		if (r->has_sll)
			opt = lla_opt_write(opt, XS_ND_OPT_SLL, r->sll);
		if (r->has_tll)
			opt = lla_opt_write(opt, XS_ND_OPT_TLL, r->tll);
		if (r->has_mtu) {
			opt[0] = XS_ND_OPT_MTU;
			opt[1] = 1;
			xs_put32(opt + 4, r->mtu);
		}
	}
	xs_put16(p + 2, xs_csum_l4(ph, IPPROTO_ICMPV6, p, len));
	return (int)hl;
}
