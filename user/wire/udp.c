// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * UDP headers: between ipv4.c/ipv6.c and sock/'s UDP receive and send.
 */
#include "wire/udp.h"

#include <netinet/in.h>
#include <sys/socket.h>

int xs_udp_view_init(struct xs_udp_view *v, const void *buf, size_t len)
{
	const uint8_t *p = buf;
	size_t ulen;

	if (len < XS_UDP_HLEN)
		return -EBADMSG;
	ulen = xs_get16(p + 4);
	if (ulen < XS_UDP_HLEN || ulen > len)
		return -EBADMSG;
	v->buf = p;
	v->len = ulen;
	return 0;
}

int xs_udp_repr_parse(const struct xs_udp_view *v, const struct xs_pseudo *ph,
		      struct xs_udp_repr *r)
{
	if (ph) {
		if (xs_udp_csum(v) == 0) {
			if (ph->family == AF_INET6)
				return -EBADMSG;
		} else if (xs_csum_l4(ph, IPPROTO_UDP, v->buf, v->len)) {
			return -EBADMSG;
		}
	}
	r->src_port = xs_udp_src_port(v);
	r->dst_port = xs_udp_dst_port(v);
	r->payload_len = xs_udp_payload_len(v);
	return 0;
}

int xs_udp_repr_emit(const struct xs_udp_repr *r, const struct xs_pseudo *ph,
		     void *buf, size_t size)
{
	size_t len = XS_UDP_HLEN + r->payload_len;
	uint8_t *p = buf;
	uint16_t csum;

	if (r->payload_len > 0xffff - XS_UDP_HLEN)
		return -EINVAL;
	if (size < len)
		return -ENOSPC;
	xs_put16(p, r->src_port);
	xs_put16(p + 2, r->dst_port);
	xs_put16(p + 4, (uint16_t)len);
	xs_put16(p + 6, 0);
	csum = xs_csum_l4(ph, IPPROTO_UDP, p, len);
	xs_put16(p + 6, csum ? csum : 0xffff);
	return XS_UDP_HLEN;
}
