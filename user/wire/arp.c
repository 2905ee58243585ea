// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * ARP packets, between eth.c and iface/'s neighbour mirror.
 */
#include "wire/arp.h"

int xs_arp_view_init(struct xs_arp_view *v, const void *buf, size_t len)
{
	const uint8_t *p = buf;

	if (len < XS_ARP_FIXED_LEN ||
	    len - XS_ARP_FIXED_LEN < 2 * ((size_t)p[4] + p[5]))
		return -EBADMSG;
	v->buf = p;
	v->len = len;
	return 0;
}

int xs_arp_repr_parse(const struct xs_arp_view *v, struct xs_arp_repr *r)
{
	if (xs_arp_htype(v) != XS_ARP_HTYPE_ETHER ||
	    xs_arp_ptype(v) != XS_ETHERTYPE_IPV4 ||
	    xs_arp_hlen(v) != XS_ETH_ALEN || xs_arp_plen(v) != 4)
		return -EOPNOTSUPP;
	r->op = xs_arp_op(v);
	memcpy(r->sha, xs_arp_sha(v), XS_ETH_ALEN);
	memcpy(&r->spa, xs_arp_spa(v), 4);
	memcpy(r->tha, xs_arp_tha(v), XS_ETH_ALEN);
	memcpy(&r->tpa, xs_arp_tpa(v), 4);
	return 0;
}

int xs_arp_repr_emit(const struct xs_arp_repr *r, void *buf, size_t size)
{
	uint8_t *p = buf;

	if (size < XS_ARP_ETH_IPV4_LEN)
		return -ENOSPC;
	xs_put16(p, XS_ARP_HTYPE_ETHER);
	xs_put16(p + 2, XS_ETHERTYPE_IPV4);
	p[4] = XS_ETH_ALEN;
	p[5] = 4;
	xs_put16(p + 6, r->op);
	memcpy(p + 8, r->sha, XS_ETH_ALEN);
	memcpy(p + 14, &r->spa, 4);
	memcpy(p + 18, r->tha, XS_ETH_ALEN);
	memcpy(p + 24, &r->tpa, 4);
	return XS_ARP_ETH_IPV4_LEN;
}
