// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * Ethernet and VLAN tags: the view iface/ opens first on each received
 * frame, and the header the TX path writes last.
 */
#include "wire/eth.h"

int xs_eth_view_init(struct xs_eth_view *v, const void *buf, size_t len)
{
	if (len < XS_ETH_HLEN)
		return -EBADMSG;
	v->buf = buf;
	v->len = len;
	return 0;
}

int xs_eth_repr_parse(const struct xs_eth_view *v, struct xs_eth_repr *r)
{
	memcpy(r->dst, xs_eth_dst(v), XS_ETH_ALEN);
	memcpy(r->src, xs_eth_src(v), XS_ETH_ALEN);
	r->ethertype = xs_eth_type(v);
	return 0;
}

int xs_eth_repr_emit(const struct xs_eth_repr *r, void *buf, size_t size)
{
	uint8_t *p = buf;

	if (size < XS_ETH_HLEN)
		return -ENOSPC;
	memcpy(p, r->dst, XS_ETH_ALEN);
	memcpy(p + 6, r->src, XS_ETH_ALEN);
	xs_put16(p + 12, r->ethertype);
	return XS_ETH_HLEN;
}

int xs_vlan_view_init(struct xs_vlan_view *v, const void *buf, size_t len)
{
	if (len < XS_VLAN_HLEN)
		return -EBADMSG;
	v->buf = buf;
	v->len = len;
	return 0;
}

int xs_vlan_repr_parse(const struct xs_vlan_view *v, struct xs_vlan_repr *r)
{
	r->pcp = xs_vlan_pcp(v);
	r->dei = xs_vlan_dei(v);
	r->vid = xs_vlan_vid(v);
	r->ethertype = xs_vlan_type(v);
	return 0;
}

int xs_vlan_repr_emit(const struct xs_vlan_repr *r, void *buf, size_t size)
{
	uint8_t *p = buf;

	if (r->pcp > 7 || r->vid > 0x0fff)
		return -EINVAL;
	if (size < XS_VLAN_HLEN)
		return -ENOSPC;
	xs_put16(p, (uint16_t)(r->pcp << 13 | (r->dei ? 0x1000 : 0) | r->vid));
	xs_put16(p + 2, r->ethertype);
	return XS_VLAN_HLEN;
}

int xs_eth_l3(const struct xs_eth_view *v, uint16_t *ethertype, size_t *l3_off)
{
	uint16_t type = xs_eth_type(v);
	size_t off = XS_ETH_HLEN;
	int tags;

	for (tags = 0; xs_eth_type_is_vlan(type); tags++) {
		struct xs_vlan_view tag;

		if (tags == XS_ETH_MAX_VLANS ||
		    xs_vlan_view_init(&tag, v->buf + off, v->len - off))
			return -EBADMSG;
		type = xs_vlan_type(&tag);
		off += XS_VLAN_HLEN;
	}
	*ethertype = type;
	*l3_off = off;
	return 0;
}
