// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * The receive side of the L3 dispatch: a frame from a device becomes a
 * struct xs_rx_pkt the transports understand, or a drop reason.  Called by
 * the api poll loop, before sock/ sees anything.
 *
 * Fragments come back as XS_DROP_FRAGMENT with pkt->l3 set: the XDP program
 * passes every fragment to the kernel, which reassembles it for the
 * socket's kernel twin, so a fragment only reaches the stack if something
 * else steered it; the poll loop then hands it to iface/reasm.c.
 */
#include "iface/ip_in.h"

#include <string.h>

#include "ctl/ctl.h"
#include "wire/eth.h"
#include "wire/ipv4.h"
#include "wire/ipv6.h"

static enum xs_drop_reason ipv4_input(const uint8_t *l3, size_t len, struct xs_rx_pkt *pkt)
{
	struct xs_ipv4_view v;

	if (xs_ipv4_view_init(&v, l3, len))
		return XS_DROP_IPV4_MALFORMED;
	if (!xs_ipv4_csum_ok(&v))
		return XS_DROP_IPV4_CSUM;
	pkt->l3 = l3;
	pkt->l3_len = v.len;	/* Ethernet padding excluded */
	if (xs_ipv4_is_frag(&v))
		return XS_DROP_FRAGMENT;
	pkt->family = AF_INET;
	pkt->proto = xs_ipv4_proto(&v);
	pkt->tos = xs_ipv4_tos(&v);
	pkt->ttl = xs_ipv4_ttl(&v);
	pkt->ph.family = AF_INET;
	memcpy(&pkt->ph.src.v4, xs_ipv4_src(&v), 4);
	memcpy(&pkt->ph.dst.v4, xs_ipv4_dst(&v), 4);
	xs_addr_from_ipv4(pkt->src, pkt->ph.src.v4.s_addr);
	xs_addr_from_ipv4(pkt->dst, pkt->ph.dst.v4.s_addr);
	pkt->l4 = xs_ipv4_payload(&v);
	pkt->l4_len = xs_ipv4_payload_len(&v);
	return XS_DROP_NONE;
}

static enum xs_drop_reason ipv6_input(const uint8_t *l3, size_t len, struct xs_rx_pkt *pkt)
{
	struct xs_ipv6_view v;
	struct xs_ipv6_ext ext;

	if (xs_ipv6_view_init(&v, l3, len) || xs_ipv6_ext_walk(&v, &ext))
		return XS_DROP_IPV6_MALFORMED;
	pkt->l3 = l3;
	pkt->l3_len = v.len;
	if (ext.frag)
		return XS_DROP_FRAGMENT;
	pkt->family = AF_INET6;
	pkt->proto = ext.proto;
	pkt->tos = xs_ipv6_tclass(&v);
	pkt->ttl = xs_ipv6_hop_limit(&v);
	memcpy(pkt->src, xs_ipv6_src(&v), 16);
	memcpy(pkt->dst, xs_ipv6_dst(&v), 16);
	pkt->ph.family = AF_INET6;
	memcpy(&pkt->ph.src.v6, pkt->src, 16);
	memcpy(&pkt->ph.dst.v6, pkt->dst, 16);
	pkt->l4 = xs_ipv6_payload(&v) + ext.off;
	pkt->l4_len = xs_ipv6_payload_len(&v) - ext.off;
	return XS_DROP_NONE;
}

enum xs_drop_reason xs_ip_input_l3(int family, const uint8_t *l3, size_t len,
				   struct xs_rx_pkt *pkt)
{
	pkt->vlan = 0;
	memset(pkt->src_mac, 0, sizeof(pkt->src_mac));
	return family == AF_INET ? ipv4_input(l3, len, pkt) : ipv6_input(l3, len, pkt);
}

enum xs_drop_reason xs_ip_input(const uint8_t *frame, size_t len, struct xs_rx_pkt *pkt)
{
	struct xs_eth_view eth;
	uint16_t type;
	size_t off;

	if (xs_eth_view_init(&eth, frame, len) || xs_eth_l3(&eth, &type, &off))
		return XS_DROP_ETH_MALFORMED;
	memcpy(pkt->src_mac, frame + 6, 6);
	pkt->vlan = off > XS_ETH_HLEN ? (uint16_t)(((frame[14] << 8) | frame[15]) & 0x0fff) : 0;
	if (type == XS_ETHERTYPE_IPV4)
		return ipv4_input(frame + off, len - off, pkt);
	if (type == XS_ETHERTYPE_IPV6)
		return ipv6_input(frame + off, len - off, pkt);
	return XS_DROP_NOT_IP;
}
