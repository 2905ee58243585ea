// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * The transmit side of the L3 layer (see ip_out.h).  Called by sock/ with
 * the stack lock held; calls only the device below it.
 *
 * Fragmentation follows RFC 791 and RFC 8200: IPv4 fragments carry 8-byte
 * multiples of the payload with MF on all but the last and a shared
 * identification; IPv6 puts a Fragment header after the fixed header.  The
 * identification counters are per interface and start at a random value.
 */
#include "iface/ip_out.h"

#include <errno.h>
#include <sched.h>
#include <string.h>
#include <netinet/in.h>

#include "wire/eth.h"
#include "wire/ipv4.h"
#include "wire/ipv6.h"

#define IPV6_FRAG_HLEN 8
#define MAX_FRAGS 64                /* frames per batch: a 65,535 B datagram at MTU 1280 needs 54 */
#define TX_RETRIES 2000             /* kicks before giving up on frames or ring space */

/* A read cursor over hdr followed by the iovec. */
struct gather {
	const uint8_t *hdr;
	size_t hdr_len;
	const struct iovec *iov;
	int iovcnt;
	int idx;
	size_t off;
};

static void gather_copy(struct gather *g, uint8_t *dst, size_t n)
{
	if (g->hdr_len) {
		size_t k = n < g->hdr_len ? n : g->hdr_len;

		memcpy(dst, g->hdr, k);
		g->hdr += k;
		g->hdr_len -= k;
		dst += k;
		n -= k;
	}
	while (n && g->idx < g->iovcnt) {
		size_t left = g->iov[g->idx].iov_len - g->off;
		size_t k = n < left ? n : left;

		memcpy(dst, (const uint8_t *)g->iov[g->idx].iov_base + g->off, k);
		dst += k;
		n -= k;
		g->off += k;
		if (g->off == g->iov[g->idx].iov_len) {
			g->idx++;
			g->off = 0;
		}
	}
}

static size_t ip_hdr_len(int family)
{
	return family == AF_INET ? XS_IPV4_MIN_HLEN : XS_IPV6_HLEN;
}

static uint32_t effective_mtu(const struct xs_ifnet *ifn, uint32_t path_mtu)
{
	return path_mtu && path_mtu < ifn->mtu ? path_mtu : ifn->mtu;
}

size_t xs_ip_max_unfragmented(const struct xs_ifnet *ifn, int family, uint32_t path_mtu)
{
	return effective_mtu(ifn, path_mtu) - ip_hdr_len(family);
}

/* Takes n frames from the device, kicking it to reap completions while it
 * has none.  Returns 0 with all n, or -ENOBUFS with none. */
static int alloc_frames(struct xs_ifnet *ifn, struct xs_frame *f, uint32_t n)
{
	uint32_t got = 0;

	for (int tries = 0; got < n; tries++) {
		got += xs_dev_tx_alloc(ifn->dev, f + got, n - got);
		if (got == n)
			break;
		if (tries == TX_RETRIES) {
			xs_dev_release(ifn->dev, f, got);
			return -ENOBUFS;
		}
		xs_dev_kick(ifn->dev);
		if (tries > 16)
			sched_yield();
	}
	return 0;
}

/* Submits f[0..n), kicking while the ring is full.  Returns how many went;
 * the rest went back to the device.  A datagram the ring took only part of
 * is lost (a tx_ring drop); one it took nothing of is the caller's to
 * retry or hand to the kernel (-ENOBUFS from xs_ip_send()). */
static uint32_t submit_frames(struct xs_ifnet *ifn, struct xs_frame *f, uint32_t n, uint64_t now)
{
	uint32_t done = 0;

	for (int tries = 0; done < n; tries++) {
		done += xs_dev_tx_submit(ifn->dev, f + done, n - done, now);
		if (done == n)
			break;
		if (tries == TX_RETRIES) {
			xs_dev_release(ifn->dev, f + done, n - done);
			if (done)
				xs_ifnet_drop(ifn, XS_DROP_TX_RING);
			break;
		}
		xs_dev_kick(ifn->dev);
		if (tries > 16)
			sched_yield();
	}
	/* No kick here: the caller kicks once per call or batch of calls. */
	return done;
}

/* Writes the Ethernet header in front of an IP header at l3. */
static void put_eth(struct xs_ifnet *ifn, const struct xs_ip_tx *tx, uint8_t *frame_start)
{
	struct xs_eth_repr eth;

	memcpy(eth.dst, tx->dst_mac, 6);
	memcpy(eth.src, ifn->mac, 6);
	eth.ethertype = tx->family == AF_INET ? XS_ETHERTYPE_IPV4 : XS_ETHERTYPE_IPV6;
	xs_eth_repr_emit(&eth, frame_start, XS_ETH_HLEN);
}

static void put_ipv4(const struct xs_ip_tx *tx, uint8_t *l3, size_t payload,
		     uint16_t id, uint16_t frag_off, bool more)
{
	struct xs_ipv4_repr ip = {
		.proto = tx->proto,
		.ttl = tx->ttl,
		.tos = tx->tos,
		.id = id,
		.df = tx->df,
		.mf = more,
		.frag_off = frag_off,
		.payload_len = payload,
	};

	memcpy(&ip.src, tx->src + 12, 4);
	memcpy(&ip.dst, tx->dst + 12, 4);
	xs_ipv4_repr_emit(&ip, l3, XS_IPV4_MIN_HLEN + payload);
}

static void put_ipv6(const struct xs_ip_tx *tx, uint8_t *l3, size_t payload, uint8_t next)
{
	struct xs_ipv6_repr ip = {
		.next_header = next,
		.hop_limit = tx->ttl,
		.tclass = tx->tos,
		.payload_len = payload,
	};

	memcpy(&ip.src, tx->src, 16);
	memcpy(&ip.dst, tx->dst, 16);
	xs_ipv6_repr_emit(&ip, l3, XS_IPV6_HLEN + payload);
}

/* Writes fragment (or whole datagram) number `at`, carrying len bytes from
 * offset off of the IP payload, into frame f. */
static void fill_frame(struct xs_ifnet *ifn, const struct xs_ip_tx *tx, struct gather *g,
		       struct xs_frame *f, size_t off, size_t len, bool frag, bool more,
		       uint16_t id4, uint32_t id6)
{
	uint8_t *l3 = f->data + XS_ETH_HLEN;

	if (tx->family == AF_INET) {
		gather_copy(g, l3 + XS_IPV4_MIN_HLEN, len);
		put_ipv4(tx, l3, len, id4, (uint16_t)off, frag && more);
		f->len = (uint32_t)(XS_ETH_HLEN + XS_IPV4_MIN_HLEN + len);
	} else if (!frag) {
		gather_copy(g, l3 + XS_IPV6_HLEN, len);
		put_ipv6(tx, l3, len, tx->proto);
		f->len = (uint32_t)(XS_ETH_HLEN + XS_IPV6_HLEN + len);
	} else {
		uint8_t *fh = l3 + XS_IPV6_HLEN;

		gather_copy(g, fh + IPV6_FRAG_HLEN, len);
		fh[0] = tx->proto;
		fh[1] = 0;
		xs_put16(fh + 2, (uint16_t)(off | (more ? 1 : 0)));
		xs_put32(fh + 4, id6);
		put_ipv6(tx, l3, IPV6_FRAG_HLEN + len, IPPROTO_FRAGMENT);
		f->len = (uint32_t)(XS_ETH_HLEN + XS_IPV6_HLEN + IPV6_FRAG_HLEN + len);
	}
	put_eth(ifn, tx, f->data);
}

int xs_ip_send(struct xs_ifnet *ifn, const struct xs_ip_tx *tx, const void *hdr, size_t hdr_len,
	       const struct iovec *iov, int iovcnt, size_t payload_len, uint64_t now_ns)
{
	struct gather g = { .hdr = hdr, .hdr_len = hdr_len, .iov = iov, .iovcnt = iovcnt };
	size_t total = hdr_len + payload_len, iph = ip_hdr_len(tx->family), chunk, sent = 0;
	uint32_t mtu = effective_mtu(ifn, tx->mtu);
	struct xs_frame frames[MAX_FRAGS];
	uint32_t n, i, left;
	uint16_t id4 = 0;
	uint32_t id6 = 0;
	bool frag;

	if (tx->family == AF_INET ? total + iph > 65535 : total > 65535)
		return -EMSGSIZE;
	frag = total + iph > mtu;
	if (!frag) {
		chunk = total;
		n = 1;
	} else {
		if (tx->family == AF_INET && tx->df)
			return -EMSGSIZE;
		chunk = (mtu - iph - (tx->family == AF_INET6 ? IPV6_FRAG_HLEN : 0)) & ~(size_t)7;
		n = (uint32_t)((total + chunk - 1) / chunk);
	}
	if (frag) {
		id4 = ifn->ipv4_id++;
		id6 = ifn->ipv6_frag_id++;
	} else if (tx->family == AF_INET) {
		/* Linux sends unfragmented DF datagrams with ID 0 only on
		 * connected sockets; a counter is always correct. */
		id4 = ifn->ipv4_id++;
	}

	/* Batches of at most MAX_FRAGS frames: at IPv4's minimum MTU (68) a
	 * 65,535-byte datagram is 1,366 fragments.  Once a batch is out the
	 * datagram cannot be recalled: a later failure loses it, counted. */
	for (left = n; left; left -= i) {
		uint32_t batch = left < MAX_FRAGS ? left : MAX_FRAGS, k;

		if (alloc_frames(ifn, frames, batch)) {
			if (left == n)
				return -ENOBUFS;
			xs_ifnet_drop(ifn, XS_DROP_TX_RING);
			return 0;
		}
		for (i = 0; i < batch; i++) {
			size_t len = total - sent < chunk ? total - sent : chunk;

			fill_frame(ifn, tx, &g, &frames[i], sent, len, frag, sent + len < total, id4, id6);
			sent += len;
		}
		k = submit_frames(ifn, frames, batch, now_ns);
		if (!k && left == n)
			return -ENOBUFS;
		ifn->tx_packets += k;
		if (frag)
			ifn->tx_fragments += k;
		if (k < batch) {
			/* submit_frames() counted a partly taken batch. */
			if (!k)
				xs_ifnet_drop(ifn, XS_DROP_TX_RING);
			return 0;
		}
		if (left > batch)
			xs_dev_kick(ifn->dev);	/* make room for the next batch */
	}
	return 0;
}
