// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * Datagrams arriving: called by the api poll loop with each UDP packet
 * iface/ip_in.c parsed.  Checks length and checksum, finds the socket and
 * queues the frame itself on it, so the payload is copied only once, into
 * the application's buffer.
 */
#include "sock/udp.h"

#include <netinet/in.h>

#include <string.h>

#include "wire/udp.h"

/* Checks the datagram, finds its socket and queues it; d carries where its
 * bytes live (a frame or a heap buffer), filled in here otherwise. */
static enum xs_drop_reason deliver(struct xs_udp_table *t, const struct xs_rx_pkt *pkt,
				   struct xs_udp_dgram *d, int ifindex, uint64_t now_ns,
				   struct xs_udp_sock **to)
{
	struct xs_udp_view v;
	struct xs_udp_repr r;
	struct xs_udp_sock *s;

	if (xs_udp_view_init(&v, pkt->l4, pkt->l4_len))
		return XS_DROP_UDP_MALFORMED;
	if (xs_udp_repr_parse(&v, &pkt->ph, &r)) {
		if (!t->accept_partial_csum ||
		    !xs_csum_l4_is_partial(&pkt->ph, IPPROTO_UDP, pkt->l4, pkt->l4_len, 6) ||
		    xs_udp_repr_parse(&v, NULL, &r))
			return XS_DROP_UDP_CSUM;
		t->partial_csums++;
	}
	s = xs_udp_lookup(t, pkt->family, pkt->src, r.src_port, pkt->dst, r.dst_port, ifindex);
	if (!s)
		return XS_DROP_NO_SOCKET;

	d->data = xs_udp_payload(&v);
	d->len = (uint32_t)r.payload_len;
	d->truesize = d->len + XS_UDP_DGRAM_OVERHEAD;
	memcpy(d->src, pkt->src, 16);
	memcpy(d->dst, pkt->dst, 16);
	d->sport = r.src_port;
	d->dport = r.dst_port;
	d->family = (uint8_t)pkt->family;
	d->tos = pkt->tos;
	d->ttl = pkt->ttl;
	d->ifindex = ifindex;
	d->rx_ns = now_ns;
	if (xs_udp_enqueue(s, d)) {
		s->rx_drops++;
		return XS_DROP_RCVBUF;
	}
	*to = s;
	return XS_DROP_NONE;
}

enum xs_drop_reason xs_udp_input(struct xs_udp_table *t, const struct xs_rx_pkt *pkt,
				 struct xs_dev *dev, const struct xs_frame *f, int ifindex,
				 uint64_t now_ns, struct xs_udp_sock **to)
{
	struct xs_udp_dgram d = { .dev = dev, .frame = *f };

	return deliver(t, pkt, &d, ifindex, now_ns, to);
}

enum xs_drop_reason xs_udp_input_buf(struct xs_udp_table *t, const struct xs_rx_pkt *pkt,
				     void *buf, int ifindex, uint64_t now_ns,
				     struct xs_udp_sock **to)
{
	struct xs_udp_dgram d = { .heap = buf };

	return deliver(t, pkt, &d, ifindex, now_ns, to);
}
