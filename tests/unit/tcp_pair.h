/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * Two TCP tables joined by a fake wire and driven by a fake clock: the
 * fixture of the TCP state-machine tests.  Host A is 198.18.0.1, host B
 * 198.18.0.2 (or 2001:db8::1 / ::2).  Every segment a table sends is
 * emitted to bytes with its checksum (wire/tcp.c), held on the wire, and
 * parsed again by the other side, so the tests see exactly what would
 * cross a network.  A seeded filter may drop, duplicate or corrupt
 * segments, and the clock moves only when a test moves it.
 */
#ifndef XS_TESTS_TCP_PAIR_H
#define XS_TESTS_TCP_PAIR_H

#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sock/tcp.h"
#include "sock/tcp_seq.h"

#define PAIR_MAX_SEGS 65536

struct pair_seg {
	int to;                         /* 0: A, 1: B */
	uint64_t at_ns;                 /* arrival time */
	size_t len;
	uint8_t *bytes;                 /* the TCP header and payload */
};

struct pair {
	struct xs_tcp_table t[2];
	struct xs_tcp_env env[2];
	uint8_t addr[2][16];
	int family;
	uint64_t now;
	uint64_t delay_ns;              /* one-way delay */
	struct pair_seg *q;             /* in flight, by arrival time (FIFO per delay) */
	size_t nq, capq;
	/* impairments: per mille */
	unsigned int loss_pm, dup_pm, corrupt_pm;
	uint64_t rng;
	/* a test's own filter: return false to drop a segment from side `from` */
	bool (*filter)(struct pair *p, int from, const struct xs_tcp_repr *r, void *arg);
	void *filter_arg;
	/* what happened */
	uint64_t sent[2], dropped, events[2];
	struct xs_tcp_repr last[2];     /* the last header each side sent */
	size_t last_payload[2];
	uint64_t rst_seen[2];           /* RSTs each side sent */
};

static inline uint64_t pair_rand(struct pair *p)
{
	uint64_t z = (p->rng += 0x9e3779b97f4a7c15ull);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return z ^ (z >> 31);
}

static inline void pair_pseudo(const struct pair *p, int from, struct xs_pseudo *ph)
{
	ph->family = (sa_family_t)p->family;
	if (p->family == AF_INET) {
		memcpy(&ph->src.v4, p->addr[from] + 12, 4);
		memcpy(&ph->dst.v4, p->addr[!from] + 12, 4);
	} else {
		memcpy(&ph->src.v6, p->addr[from], 16);
		memcpy(&ph->dst.v6, p->addr[!from], 16);
	}
}

static inline void pair_push(struct pair *p, int to, const uint8_t *b, size_t len, uint64_t at)
{
	if (p->nq == p->capq) {
		p->capq = p->capq ? p->capq * 2 : 256;
		p->q = realloc(p->q, p->capq * sizeof(*p->q));
	}
	p->q[p->nq].to = to;
	p->q[p->nq].at_ns = at;
	p->q[p->nq].len = len;
	p->q[p->nq].bytes = malloc(len ? len : 1);
	memcpy(p->q[p->nq].bytes, b, len);
	p->nq++;
}

static inline int pair_side_of(const struct pair *p, const struct xs_tcp_table *t)
{
	return t == &p->t[0] ? 0 : 1;
}

static int pair_xmit_bytes(struct pair *p, int from, const struct xs_tcp_repr *r,
			   const struct iovec *iov, int iovcnt)
{
	uint8_t buf[65536 + 60];
	struct xs_pseudo ph;
	size_t off;
	int hl = xs_tcp_repr_hdr_len(r);

	p->sent[from]++;
	if (getenv("PAIR_TRACE"))
		fprintf(stderr, "%llu.%06llu %c> fl %03x seq %u ack %u win %u len %zu ts %u/%u sack %u\n",
			(unsigned long long)(p->now / XS_NS_PER_S),
			(unsigned long long)(p->now % XS_NS_PER_S / 1000), from ? 'B' : 'A', r->flags,
			r->seq, r->ack, r->window, r->payload_len, r->opts.ts_val, r->opts.ts_ecr,
			r->opts.nsack);
	if (getenv("PAIR_TRACE"))
		for (int i = 0; i < r->opts.nsack; i++)
			fprintf(stderr, "      sack [%u, %u)\n", r->opts.sack[i].left, r->opts.sack[i].right);
	p->last[from] = *r;
	p->last_payload[from] = r->payload_len;
	if (r->flags & XS_TCP_RST)
		p->rst_seen[from]++;
	if (p->filter && !p->filter(p, from, r, p->filter_arg)) {
		p->dropped++;
		return 0;
	}
	if (p->loss_pm && pair_rand(p) % 1000 < p->loss_pm) {
		if (getenv("PAIR_TRACE"))
			fprintf(stderr, "   (lost)\n");
		p->dropped++;
		return 0;
	}
	off = (size_t)hl;
	for (int i = 0; i < iovcnt; i++) {
		memcpy(buf + off, iov[i].iov_base, iov[i].iov_len);
		off += iov[i].iov_len;
	}
	pair_pseudo(p, from, &ph);
	if (xs_tcp_repr_emit(r, &ph, buf, sizeof(buf)) < 0)
		abort();
	if (p->corrupt_pm && pair_rand(p) % 1000 < p->corrupt_pm)
		buf[pair_rand(p) % off] ^= (uint8_t)(1u << (pair_rand(p) % 8));
	pair_push(p, !from, buf, off, p->now + p->delay_ns);
	if (p->dup_pm && pair_rand(p) % 1000 < p->dup_pm)
		pair_push(p, !from, buf, off, p->now + p->delay_ns);
	return 0;
}

static int pair_xmit(void *ctx, struct xs_tcp_sock *tp, const struct xs_tcp_repr *r,
		     const struct iovec *iov, int iovcnt)
{
	struct pair *p = ctx;

	return pair_xmit_bytes(p, pair_side_of(p, tp->table), r, iov, iovcnt);
}

static int pair_reply(void *ctx, const struct xs_rx_pkt *pkt, int link, const uint8_t mac[6],
		      const struct xs_tcp_repr *r)
{
	struct pair *p = ctx;

	(void)link;
	(void)mac;
	/* the reply goes back to whoever sent pkt */
	return pair_xmit_bytes(p, !memcmp(pkt->dst, p->addr[0], 16) ? 0 : 1, r, NULL, 0);
}

static void pair_notify(void *ctx, struct xs_tcp_sock *tp, unsigned int ev)
{
	struct pair *p = ctx;

	p->events[pair_side_of(p, tp->table)] |= ev;
}

static inline void pair_init(struct pair *p, int family)
{
	struct xs_tcp_secret sec[2];

	memset(p, 0, sizeof(*p));
	p->family = family;
	p->now = 1000 * XS_NS_PER_S;
	p->rng = 42;
	for (int i = 0; i < 2; i++) {
		memset(&sec[i], 0x11 * (i + 1), sizeof(sec[i]));
		if (family == AF_INET) {
			p->addr[i][10] = p->addr[i][11] = 0xff;
			p->addr[i][12] = 198;
			p->addr[i][13] = 18;
			p->addr[i][15] = (uint8_t)(i + 1);
		} else {
			p->addr[i][0] = 0x20;
			p->addr[i][1] = 0x01;
			p->addr[i][2] = 0x0d;
			p->addr[i][3] = 0xb8;
			p->addr[i][15] = (uint8_t)(i + 1);
		}
		p->env[i].ctx = p;
		p->env[i].xmit = pair_xmit;
		p->env[i].reply = pair_reply;
		p->env[i].notify = pair_notify;
		xs_tcp_table_init(&p->t[i], &p->env[i], &sec[i], p->now);
	}
}

static inline void pair_destroy(struct pair *p)
{
	for (int i = 0; i < 2; i++)
		xs_tcp_table_destroy(&p->t[i]);
	for (size_t i = 0; i < p->nq; i++)
		free(p->q[i].bytes);
	free(p->q);
}

/* Delivers one segment to side `to` now. */
static inline void pair_deliver(struct pair *p, int to, const uint8_t *b, size_t len)
{
	struct xs_tcp_arrival from = { .link = 0, .ifindex = 1, .mtu = 1500 };
	struct xs_rx_pkt pkt;

	memset(&pkt, 0, sizeof(pkt));
	pkt.family = p->family;
	pkt.proto = IPPROTO_TCP;
	memcpy(pkt.src, p->addr[!to], 16);
	memcpy(pkt.dst, p->addr[to], 16);
	pair_pseudo(p, !to, &pkt.ph);
	pkt.l4 = b;
	pkt.l4_len = len;
	xs_tcp_input(&p->t[to], &pkt, &from, p->now);
}

/* Moves the clock to the next arrival or timer (at most until `until`)
 * and handles it.  Returns false when nothing is left to happen before
 * until. */
static inline bool pair_step(struct pair *p, uint64_t until)
{
	uint64_t next = UINT64_MAX;
	size_t best = 0;

	for (size_t i = 0; i < p->nq; i++)
		if (p->q[i].at_ns < next) {
			next = p->q[i].at_ns;
			best = i;
		}
	for (int s = 0; s < 2; s++) {
		uint64_t tn = p->t[s].next_timer_ns;

		if (tn < next) {
			next = tn < p->now ? p->now : tn;
			best = SIZE_MAX;
		}
	}
	if (next == UINT64_MAX || next > until)
		return false;
	if (next > p->now)
		p->now = next;
	if (best != SIZE_MAX) {
		struct pair_seg sg = p->q[best];

		memmove(&p->q[best], &p->q[best + 1], (p->nq - best - 1) * sizeof(*p->q));
		p->nq--;
		pair_deliver(p, sg.to, sg.bytes, sg.len);
		free(sg.bytes);
	} else {
		for (int s = 0; s < 2; s++)
			xs_tcp_timers(&p->t[s], p->now);
	}
	return true;
}

/* Runs until nothing is in flight and no timer is due before now + span. */
static inline void pair_run(struct pair *p, uint64_t span_ns)
{
	uint64_t until = p->now + span_ns;

	while (pair_step(p, until))
		;
}

/* A listener on B port 80 and a connection from A port 40000 to it,
 * handshake completed; *client and *server are A's and B's sockets. */
static inline void pair_connect(struct pair *p, struct xs_tcp_sock **client,
				struct xs_tcp_sock **listener, struct xs_tcp_sock **server)
{
	struct xs_tcp_sock *l = xs_tcp_sock_new(&p->t[1], p->family, p->now);
	struct xs_tcp_sock *c = xs_tcp_sock_new(&p->t[0], p->family, p->now);

	memcpy(l->laddr, p->addr[1], 16);
	l->lport = 80;
	l->owner = l;
	xs_tcp_listen(l, 128);
	memcpy(c->laddr, p->addr[0], 16);
	memcpy(c->raddr, p->addr[1], 16);
	c->lport = 40000;
	c->rport = 80;
	c->link = 0;
	c->link_mtu = 1500;
	c->owner = c;
	xs_tcp_connect(c, p->now);
	while (c->state == XS_TCP_SYN_SENT || !l->accept_head)
		if (!pair_step(p, p->now + XS_NS_PER_S))
			break;
	*client = c;
	*listener = l;
	*server = xs_tcp_accept(l);
	if (*server)
		(*server)->owner = *server;
}

#endif
