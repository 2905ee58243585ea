// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * ICMPv4 messages: between ipv4.c and sock/'s ICMP side (echo) or the
 * socket an error quotes.
 */
#include "wire/icmp4.h"

static bool type_known(uint8_t type)
{
	return type == XS_ICMP4_ECHO_REPLY || type == XS_ICMP4_ECHO_REQUEST ||
	       xs_icmp4_type_is_error(type);
}

int xs_icmp4_view_init(struct xs_icmp4_view *v, const void *buf, size_t len)
{
	const uint8_t *p = buf;

	if (len < XS_ICMP4_HLEN ||
	    (xs_icmp4_type_is_error(p[0]) && len < XS_ICMP4_ERR_MIN_LEN))
		return -EBADMSG;
	v->buf = p;
	v->len = len;
	return 0;
}

int xs_icmp4_quote(const struct xs_icmp4_view *v, struct xs_ipv4_view *quote)
{
	if (!xs_icmp4_type_is_error(xs_icmp4_type(v)))
		return -EINVAL;
	return xs_ipv4_view_init_quote(quote, xs_icmp4_payload(v),
				       xs_icmp4_payload_len(v));
}

int xs_icmp4_repr_parse(const struct xs_icmp4_view *v, struct xs_icmp4_repr *r)
{
	if (xs_csum_fold(xs_csum_partial(v->buf, v->len, 0)))
		return -EBADMSG;
	if (!type_known(xs_icmp4_type(v)))
		return -EOPNOTSUPP;
	memset(r, 0, sizeof(*r));
	r->type = xs_icmp4_type(v);
	r->code = xs_icmp4_code(v);
	switch (r->type) {
	case XS_ICMP4_ECHO_REPLY:
	case XS_ICMP4_ECHO_REQUEST:
		r->id = xs_icmp4_echo_id(v);
		r->seq = xs_icmp4_echo_seq(v);
		break;
	case XS_ICMP4_DEST_UNREACH:
		if (r->code == XS_ICMP4_FRAG_NEEDED)
			r->mtu = xs_icmp4_mtu(v);
		break;
	case XS_ICMP4_PARAM_PROBLEM:
		r->pointer = xs_icmp4_pointer(v);
		break;
	}
	r->payload_len = xs_icmp4_payload_len(v);
	return 0;
}

int xs_icmp4_repr_emit(const struct xs_icmp4_repr *r, void *buf, size_t size)
{
	uint8_t *p = buf;

	if (!type_known(r->type))
		return -EOPNOTSUPP;
	if (size < XS_ICMP4_HLEN || size - XS_ICMP4_HLEN < r->payload_len)
		return -ENOSPC;
	p[0] = r->type;
	p[1] = r->code;
	memset(p + 2, 0, 6);
	switch (r->type) {
	case XS_ICMP4_ECHO_REPLY:
	case XS_ICMP4_ECHO_REQUEST:
		xs_put16(p + 4, r->id);
		xs_put16(p + 6, r->seq);
		break;
	case XS_ICMP4_DEST_UNREACH:
		if (r->code == XS_ICMP4_FRAG_NEEDED)
			xs_put16(p + 6, r->mtu);
		break;
	case XS_ICMP4_PARAM_PROBLEM:
		p[4] = r->pointer;
		break;
	}
	xs_put16(p + 2, xs_csum_fold(xs_csum_partial(p, XS_ICMP4_HLEN + r->payload_len, 0)));
	return XS_ICMP4_HLEN;
}
