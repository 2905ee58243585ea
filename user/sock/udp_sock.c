// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * UDP socket state, the socket table and the receive queue.  Called by
 * udp_rx.c (lookup, enqueue) and by the api layer (insert, remove, purge,
 * dequeue), always under the stack lock.
 */
#include "sock/udp.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "ctl/ctl.h"

#define Q_INITIAL 64
#define Q_MAX (1u << 20)

void xs_udp_sock_init(struct xs_udp_sock *s, int family)
{
	memset(s, 0, sizeof(*s));
	s->family = family;
	s->stamp_ns = XS_UDP_NO_STAMP;
	s->peek_off = -1;
}

static void release_dgram(struct xs_udp_dgram *d)
{
	if (d->dev)
		xs_dev_release(d->dev, &d->frame, 1);
	free(d->heap);
}

void xs_udp_sock_purge(struct xs_udp_sock *s)
{
	while (s->q_count)
		xs_udp_dequeue(s);
	free(s->q);
	s->q = NULL;
	s->q_cap = 0;
}

static uint32_t bucket_of(uint16_t port)
{
	return port % XS_UDP_TABLE_SIZE;
}

void xs_udp_table_insert(struct xs_udp_table *t, struct xs_udp_sock *s)
{
	uint32_t b = bucket_of(s->lport);

	s->next = t->bucket[b];
	t->bucket[b] = s;
	s->in_table = true;
	t->count++;
}

void xs_udp_table_remove(struct xs_udp_table *t, struct xs_udp_sock *s)
{
	struct xs_udp_sock **pp;

	if (!s->in_table)
		return;
	for (pp = &t->bucket[bucket_of(s->lport)]; *pp; pp = &(*pp)->next) {
		if (*pp == s) {
			*pp = s->next;
			s->in_table = false;
			t->count--;
			return;
		}
	}
}

/* Linux's compute_score() for UDP, reduced to what xsock sockets use:
 * -1 if the socket cannot take the datagram, else higher is better. */
static int score(const struct xs_udp_sock *s, int family, const uint8_t src[16], uint16_t sport,
		 const uint8_t dst[16], int ifindex)
{
	int sc = 0;

	if (family == AF_INET6 && s->family == AF_INET)
		return -1;
	if (family == AF_INET && s->family == AF_INET6) {
		/* IPv4 reaches an IPv6 socket only through a wildcard or
		 * IPv4-mapped binding, and never a v6only one. */
		if (s->v6only)
			return -1;
		if (!xs_addr_is_zero(s->laddr) && !xs_addr_is_v4mapped(s->laddr))
			return -1;
	}
	sc = s->family == family ? 2 : 1;
	if (!xs_addr_is_zero(s->laddr)) {
		if (memcmp(s->laddr, dst, 16))
			return -1;
		sc += 4;
	}
	if (s->connected) {
		if (memcmp(s->raddr, src, 16) || s->rport != sport)
			return -1;
		sc += 8;
	}
	if (s->bound_ifindex) {
		if (s->bound_ifindex != ifindex)
			return -1;
		sc += 4;
	}
	return sc;
}

struct xs_udp_sock *xs_udp_lookup(const struct xs_udp_table *t, int family,
				  const uint8_t src[16], uint16_t sport,
				  const uint8_t dst[16], uint16_t dport, int ifindex)
{
	struct xs_udp_sock *s, *best = NULL;
	int best_score = -1;

	for (s = t->bucket[bucket_of(dport)]; s; s = s->next) {
		int sc;

		if (s->lport != dport)
			continue;
		sc = score(s, family, src, sport, dst, ifindex);
		if (sc > best_score) {
			best = s;
			best_score = sc;
		}
	}
	return best;
}

static int grow(struct xs_udp_sock *s)
{
	uint32_t cap = s->q_cap ? s->q_cap * 2 : Q_INITIAL, i;
	struct xs_udp_dgram *q;

	if (cap > Q_MAX)
		return -ENOBUFS;
	q = malloc(cap * sizeof(*q));
	if (!q)
		return -ENOBUFS;
	for (i = 0; i < s->q_count; i++)
		q[i] = s->q[(s->q_head + i) % s->q_cap];
	free(s->q);
	s->q = q;
	s->q_cap = cap;
	s->q_head = 0;
	return 0;
}

int xs_udp_enqueue(struct xs_udp_sock *s, const struct xs_udp_dgram *d)
{
	/* __udp_enqueue_schedule_skb(): refuse only while what is already
	 * charged exceeds the buffer, so the datagram that crosses the limit
	 * (and any datagram into an empty queue) gets in. */
	if (s->rcv_used > s->rcvbuf)
		return -ENOBUFS;
	if (s->q_count == s->q_cap && grow(s))
		return -ENOBUFS;
	s->q[(s->q_head + s->q_count) % s->q_cap] = *d;
	s->q_count++;
	s->rcv_used += d->truesize;
	s->rx_dgrams++;
	return 0;
}

void xs_udp_dequeue(struct xs_udp_sock *s)
{
	struct xs_udp_dgram *d = &s->q[s->q_head];

	s->rcv_used -= d->truesize;
	release_dgram(d);
	s->q_head = (s->q_head + 1) % s->q_cap;
	s->q_count--;
}
