// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * libFuzzer target for the TCP state machine: fuzzed segments reach a TCP
 * socket in every state, through xs_tcp_input() as the api's poll loop
 * calls it, interleaved with clock steps that fire the timers and with the
 * application's calls.
 *
 * Per input, a fresh pair of TCP tables joined by the fake wire of
 * tests/unit/tcp_pair.h (fixed secrets, a fake clock starting at 1000 s):
 *
 *   1. the header of the input (fuzz_tcp.h) picks a state for side B and
 *      the options of the connection; real handshakes, transfers and closes
 *      over the wire put B's connection in it (setup_state()), usually with
 *      data in flight both ways and A's segments waiting out of order at B;
 *   2. the rest is a stream of operations: segments to B whose headers mix
 *      input bytes with the connection's own numbers (sequence numbers near
 *      RCV.NXT, acknowledgments near SND.UNA, timestamps near TS.Recent,
 *      SACK blocks over what is in flight), so that most land in the
 *      window, with options that are well-formed, cut short or odd, and a
 *      correct checksum unless the input says otherwise; deliveries of what
 *      the tables sent each other; clock steps; B's application calls
 *      (send, recv with its flags, shutdown, close, accept, listen, socket
 *      options) and A's (send, recv, shutdown, close);
 *   3. the invariants below after every operation, then both tables are
 *      destroyed: every block they held must be freed (LeakSanitizer).
 *
 * Oracles (a message, then __builtin_trap(); UBSan aborts on its own):
 *   - ASan and UBSan reports anywhere in user/sock/tcp*.c;
 *   - per socket: SND.UNA <= SND.NXT <= SND.MAX in sequence space, no more
 *     in flight than the send queue holds (plus SYN or FIN), rings within
 *     their capacity, the receive queue within the receive buffer, the
 *     out-of-order queue sorted, disjoint, above RCV.NXT and within its
 *     charge limit, the SACK scoreboard sorted inside [SND.UNA, SND.MAX],
 *     1 <= MSS <= 65535, a retransmission timer while data is outstanding,
 *     no deadline earlier than the table's next timer pass;
 *   - per table: the socket count, the 4-tuple hash (every connection found
 *     by its own 4-tuple, once, none closed), the listeners' SYN and
 *     accept counts;
 *   - per segment sent: its payload is inside the send queue, at most one
 *     MSS, and fits one IP packet; a FIN never takes the SYN's number;
 *   - the stack never frees a socket the application still holds;
 *   - A reads on the main connection exactly the bytes B's application
 *     sent (a pattern by stream offset), while no other incarnation of the
 *     4-tuple could have written to A.
 *
 * Determinism: nothing depends on anything but the input (no real clock,
 * fixed secrets, the pair's seeded PRNG unused).  XS_FUZZ_VERBOSE=1 says
 * what the setup reached and what each operation did; PAIR_TRACE=1 prints
 * every segment on the wire.
 */
#include <errno.h>
#include <poll.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "fuzz_tcp.h"
#include "sock/tcp.h"
#include "sock/tcp_seq.h"
#include "tcp_pair.h"
#include "wire/bytes.h"
#include "wire/csum.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define CHECK(cond)                                                                 \
	do {                                                                        \
		if (!(cond)) {                                                      \
			fprintf(stderr, "fuzz_tcp: %s:%d: check failed: %s\n", __FILE__, \
				__LINE__, #cond);                                   \
			__builtin_trap();                                           \
		}                                                                   \
	} while (0)

#define FZ_MAX_SOCKS    8               /* sockets an application holds per side */
#define FZ_MAX_PAYLOAD  9000            /* the largest payload a segment gets */
#define FZ_WIRE_MAX     64              /* deliveries per FZ_OP_WIRE */
#define A_PORT          40000
#define B_LISTEN_PORT   80
#define B_ACTIVE_PORT   81

/* ---- the input ------------------------------------------------------------ */

struct fz_in {
	const uint8_t *p;
	size_t n, off;
};

static uint8_t in_u8(struct fz_in *in)
{
	return in->off < in->n ? in->p[in->off++] : 0;
}

static uint16_t in_u16(struct fz_in *in)
{
	uint16_t lo = in_u8(in);

	return (uint16_t)(lo | in_u8(in) << 8);
}

static uint32_t in_u32(struct fz_in *in)
{
	uint32_t lo = in_u16(in);

	return lo | (uint32_t)in_u16(in) << 16;
}

/* ---- the harness ---------------------------------------------------------- */

/* What one side's application holds. */
struct fz_app {
	struct xs_tcp_sock *sock[FZ_MAX_SOCKS];
	uint64_t sent[FZ_MAX_SOCKS];    /* bytes send() queued: the pattern's offset */
	int n;
};

struct fz {
	struct pair p;                  /* the tables' env ctx: must stay first */
	struct fz_app app[2];           /* A's (0) and B's (1) applications */
	struct xs_tcp_sock *a_main;     /* A's end of the main connection, in app[0] */
	struct xs_tcp_sock *a_listener; /* FZ_SYN_SENT: A's, in app[0] */
	uint16_t b_port;                /* the main connection: B:b_port - A:A_PORT */
	uint32_t main_iss;              /* B's ISN on it, once B has picked one */
	bool main_iss_set;
	bool stream_ok;                 /* A's reads are checked against B's pattern */
	uint64_t a_got;                 /* bytes A read on the main connection */
	/* what A's SYNs announce (FZV1_NO_*, FZV2_MSS) */
	bool strip_ts, strip_sack, strip_ws;
	bool set_mss;
	uint16_t syn_mss;
	unsigned int lose_a_data;       /* A's next data segments lost on the wire */
	bool rcv_limit_lowered;         /* B's receive buffer shrank: its bound is off */
	bool destroying;
	uint8_t v1, v2, v4;
	bool verbose;
};

static struct fz fz;

static const char *const state_names[] = {
	[XS_TCP_ESTABLISHED] = "ESTABLISHED", [XS_TCP_SYN_SENT] = "SYN_SENT",
	[XS_TCP_SYN_RECV] = "SYN_RECV", [XS_TCP_FIN_WAIT1] = "FIN_WAIT1",
	[XS_TCP_FIN_WAIT2] = "FIN_WAIT2", [XS_TCP_TIME_WAIT] = "TIME_WAIT",
	[XS_TCP_CLOSE] = "CLOSE", [XS_TCP_CLOSE_WAIT] = "CLOSE_WAIT",
	[XS_TCP_LAST_ACK] = "LAST_ACK", [XS_TCP_LISTEN] = "LISTEN", [XS_TCP_CLOSING] = "CLOSING",
};

static const char *state_name(const struct xs_tcp_sock *tp)
{
	if (!tp)
		return "(none)";
	if (tp->state < XS_TCP_ESTABLISHED || tp->state > XS_TCP_CLOSING)
		return "(bad)";
	return state_names[tp->state];
}

static uint8_t pattern(uint64_t i)
{
	return (uint8_t)(i * 2654435761u >> 13);
}

static void app_add(struct fz *f, int side, struct xs_tcp_sock *tp)
{
	struct fz_app *a = &f->app[side];

	CHECK(a->n < FZ_MAX_SOCKS);
	tp->owner = tp;
	a->sock[a->n] = tp;
	a->sent[a->n] = 0;
	a->n++;
}

static void app_forget(struct fz *f, int side, int i)
{
	struct fz_app *a = &f->app[side];

	if (side == 0 && a->sock[i] == f->a_main) {
		f->a_main = NULL;
		f->stream_ok = false;
	}
	if (side == 0 && a->sock[i] == f->a_listener)
		f->a_listener = NULL;
	a->n--;
	a->sock[i] = a->sock[a->n];
	a->sent[i] = a->sent[a->n];
}

static int app_index(const struct fz *f, int side, const struct xs_tcp_sock *tp)
{
	for (int i = 0; i < f->app[side].n; i++)
		if (f->app[side].sock[i] == tp)
			return i;
	return -1;
}

/* B's connection on the main 4-tuple, or NULL. */
static struct xs_tcp_sock *b_main(struct fz *f)
{
	return xs_tcp_lookup(&f->p.t[1], f->p.addr[1], f->b_port, f->p.addr[0], A_PORT);
}

/* ---- the environment: what leaves the tables ------------------------------- */

/* Every segment a table sends: its payload comes from the send queue and
 * fits an IP packet. */
static void check_segment_out(const struct xs_tcp_sock *tp, const struct xs_tcp_repr *r,
			      const struct iovec *iov, int iovcnt)
{
	size_t sum = 0;
	int hl = xs_tcp_repr_hdr_len(r);

	for (int i = 0; i < iovcnt; i++)
		sum += iov[i].iov_len;
	CHECK(sum == r->payload_len);
	CHECK(hl >= XS_TCP_MIN_HLEN && hl <= XS_TCP_MAX_HLEN);
	CHECK(r->payload_len + (size_t)hl <= 65535 - (tp->v4 ? 20 : 0));
	/* a FIN follows the SYN's sequence number, never takes it */
	if ((r->flags & XS_TCP_FIN) && !(r->flags & XS_TCP_SYN))
		CHECK(xs_seq_gt(r->seq + (uint32_t)r->payload_len, tp->iss));
	if (r->payload_len) {
		CHECK(r->payload_len <= tp->mss);
		CHECK(xs_seq_ge(r->seq, tp->snd_una));
		CHECK((uint64_t)(r->seq - tp->snd_una) + r->payload_len <= tp->sndq.len);
	}
}

static int fz_xmit(void *ctx, struct xs_tcp_sock *tp, const struct xs_tcp_repr *r,
		   const struct iovec *iov, int iovcnt)
{
	struct fz *f = ctx;
	struct xs_tcp_repr c = *r;

	check_segment_out(tp, r, iov, iovcnt);
	if (pair_side_of(&f->p, tp->table) == 0) {
		if (c.flags & XS_TCP_SYN) {
			if (f->strip_ts)
				c.opts.has_ts = false;
			if (f->strip_sack)
				c.opts.sack_perm = false;
			if (f->strip_ws)
				c.opts.has_wscale = false;
			if (f->set_mss) {
				c.opts.has_mss = f->syn_mss != 0;
				c.opts.mss = f->syn_mss;
			}
		}
		if (c.payload_len && f->lose_a_data) {
			f->lose_a_data--;
			return 0;
		}
	}
	return pair_xmit(ctx, tp, &c, iov, iovcnt);
}

static void fz_release(void *ctx, struct xs_tcp_sock *tp)
{
	struct fz *f = ctx;

	/* The api holds owned sockets: freeing one leaves it a dangling
	 * pointer. */
	CHECK(f->destroying || !tp->owner);
}

/* ---- the invariants ------------------------------------------------------- */

static void check_ring(const struct xs_tcp_ring *r)
{
	CHECK(r->len <= r->cap);
	CHECK(!r->cap || ((r->cap & (r->cap - 1)) == 0 && r->head < r->cap && r->data));
}

static bool receiving(const struct xs_tcp_sock *tp)
{
	return tp->state == XS_TCP_ESTABLISHED || tp->state == XS_TCP_FIN_WAIT1 ||
	       tp->state == XS_TCP_FIN_WAIT2 || tp->state == XS_TCP_SYN_RECV;
}

static void check_ooo(const struct fz *f, const struct xs_tcp_sock *tp)
{
	const struct xs_tcp_ooo *q = &tp->ooo;
	size_t mem = 0;

	CHECK(q->n <= q->cap);
	for (uint32_t i = 0; i < q->n; i++) {
		const struct xs_tcp_ooo_seg *s = &q->nodes[i].seg;

		CHECK(s->len > 0 && s->payload);
		mem += q->nodes[i].charge;
		if (i)
			CHECK(xs_seq_le(q->nodes[i - 1].seg.seq + q->nodes[i - 1].seg.len, s->seq));
		if (receiving(tp))
			CHECK(xs_seq_gt(s->seq, tp->rcv_nxt));
	}
	CHECK(mem == q->mem);
	if (!f->rcv_limit_lowered)
		CHECK(q->mem <= q->mem_max);
}

static void check_board(const struct xs_tcp_sock *tp)
{
	const struct xs_tcp_sack_board *b = &tp->board;
	uint32_t sum = 0;

	CHECK(b->nranges <= XS_TCP_SACK_BOARD_MAX);
	for (uint32_t i = 0; i < b->nranges; i++) {
		const struct xs_tcp_sack_block *r = &b->ranges[i];

		CHECK(xs_seq_lt(r->start, r->end));
		CHECK(xs_seq_ge(r->start, b->snd_una) && xs_seq_le(r->end, tp->snd_max));
		if (i)
			CHECK(xs_seq_lt(b->ranges[i - 1].end, r->start));
		sum += r->end - r->start;
	}
	CHECK(sum == b->sacked_bytes);
}

static void check_timers(const struct xs_tcp_sock *tp)
{
	const uint64_t d[] = { tp->rto_at, tp->delack_at, tp->persist_at, tp->keep_at, tp->tw_at,
			       tp->tlp_at };

	/* A deadline before the table's next pass would be missed. */
	for (size_t i = 0; i < sizeof(d) / sizeof(d[0]); i++)
		CHECK(!d[i] || d[i] >= tp->table->next_timer_ns);
}

static void check_sock(const struct fz *f, const struct xs_tcp_sock *tp, int side)
{
	uint32_t flight = tp->snd_max - tp->snd_una;

	CHECK(tp->state >= XS_TCP_ESTABLISHED && tp->state <= XS_TCP_CLOSING);
	check_ring(&tp->sndq);
	check_ring(&tp->rcvq);
	check_timers(tp);
	if (tp->state == XS_TCP_LISTEN)
		return;
	CHECK(xs_seq_le(tp->snd_una, tp->snd_nxt) && xs_seq_le(tp->snd_nxt, tp->snd_max));
	switch (tp->state) {
	case XS_TCP_SYN_SENT:
	case XS_TCP_SYN_RECV:
		CHECK(flight <= 1);
		break;
	case XS_TCP_CLOSE:
		break;
	default:
		/* the SYN counts while unacknowledged (a close in SYN_RECV) */
		CHECK(flight <= tp->sndq.len + (tp->fin_sent ? 1u : 0u) +
				(tp->snd_una == tp->iss ? 1u : 0u));
		/* past the handshake, a connection has an MSS */
		CHECK(tp->mss >= 1 && tp->mss <= 65535);
		break;
	}
	if (flight && tp->state != XS_TCP_CLOSE)
		CHECK(tp->rto_at);     /* else nothing would ever resend it */
	if (tp->state == XS_TCP_FIN_WAIT2 || tp->state == XS_TCP_TIME_WAIT)
		CHECK(!flight);
	if ((side == 0 || !f->rcv_limit_lowered) && tp->state != XS_TCP_CLOSE)
		CHECK(tp->rcvq.len <= xs_tcp_rcv_limit(tp));
	check_ooo(f, tp);
	if (tp->sack_ok && tp->state != XS_TCP_CLOSE && tp->state != XS_TCP_TIME_WAIT &&
	    tp->state != XS_TCP_SYN_SENT && tp->state != XS_TCP_SYN_RECV)
		check_board(tp);
}

static void check_listener(const struct xs_tcp_table *t, const struct xs_tcp_sock *l)
{
	uint32_t syn = 0, queued = 0, children = 0;

	for (const struct xs_tcp_sock *c = l->accept_head; c; c = c->qnext) {
		CHECK(c->parent == l && c->state != XS_TCP_SYN_RECV);
		CHECK(++queued <= t->nall);
		if (!c->qnext)
			CHECK(l->accept_tail == c);
	}
	CHECK(queued == l->accept_len);
	CHECK(queued || !l->accept_tail);
	for (const struct xs_tcp_sock *c = t->all; c; c = c->anext) {
		if (c->parent != l)
			continue;
		children++;
		if (c->state == XS_TCP_SYN_RECV)
			syn++;
	}
	CHECK(syn == l->syn_queued);
	CHECK(children == syn + queued);
}

static void check_table(const struct fz *f, int side, bool deep)
{
	const struct xs_tcp_table *t = &f->p.t[side];
	uint32_t n = 0, nconn = 0, ntw = 0;
	const struct xs_tcp_sock *last = NULL;
	bool tw_section = false;

	for (const struct xs_tcp_sock *tp = t->all; tp; tp = tp->anext) {
		CHECK(++n <= t->nall);
		CHECK(tp->table == t && tp->listed);
		CHECK(tp->anext == NULL || tp->anext->aprev == tp);
		/* the TIME_WAIT section: from tw_first to the tail, in
		 * TIME_WAIT with tw_at its only timer, oldest first */
		if (tp == t->tw_first)
			tw_section = true;
		CHECK(tp->in_tw == tw_section);
		if (tp->in_tw) {
			ntw++;
			CHECK(tp->state == XS_TCP_TIME_WAIT && tp->tw_at);
			CHECK(!tp->rto_at && !tp->delack_at && !tp->persist_at && !tp->keep_at &&
			      !tp->tlp_at);
			CHECK(!last || !last->in_tw || last->tw_at <= tp->tw_at);
		}
		last = tp;
		check_sock(f, tp, side);
		if (tp->state == XS_TCP_LISTEN) {
			check_listener(t, tp);
		} else if (tp->hashed) {
			nconn++;
			/* a closed connection takes no segments: it would run
			 * the synchronized states' code on what it has left */
			CHECK(tp->state != XS_TCP_CLOSE);
			CHECK(xs_tcp_lookup(t, tp->laddr, tp->lport, tp->raddr, tp->rport) == tp);
		}
	}
	CHECK(n == t->nall);
	CHECK(ntw == t->ntw);
	CHECK(t->all_tail == last);
	CHECK(nconn == t->nconn);
	if (deep) {
		n = 0;
		for (uint32_t h = 0; h < XS_TCP_TABLE_SIZE; h++)
			for (const struct xs_tcp_sock *tp = t->conn[h]; tp; tp = tp->hnext)
				CHECK(tp->hashed && tp->state != XS_TCP_LISTEN && ++n <= t->nconn);
		CHECK(n == t->nconn);
	}
}

/* Any other incarnation of the main 4-tuple at B (a new ISN) may write to
 * A's window: from then on A's bytes are no longer B's pattern for sure. */
static void watch_incarnations(struct fz *f)
{
	struct xs_tcp_sock *tp = b_main(f);

	if (!tp)
		return;
	if (!f->main_iss_set) {
		f->main_iss = tp->iss;
		f->main_iss_set = true;
	} else if (tp->iss != f->main_iss) {
		f->stream_ok = false;
	}
}

static void check_all(struct fz *f, bool deep)
{
	watch_incarnations(f);
	check_table(f, 0, deep);
	check_table(f, 1, deep);
}

/* ---- the wire --------------------------------------------------------------- */

/* Delivers up to max segments in flight (to side `to`, or -1 either), oldest
 * first, at the current time. */
static int wire_deliver(struct fz *f, int to, int max)
{
	struct pair *p = &f->p;
	int n = 0;

	while (n < max) {
		size_t i = 0;
		struct pair_seg sg;

		while (i < p->nq && to >= 0 && p->q[i].to != to)
			i++;
		if (i == p->nq)
			break;
		sg = p->q[i];
		memmove(&p->q[i], &p->q[i + 1], (p->nq - i - 1) * sizeof(*p->q));
		p->nq--;
		pair_deliver(p, sg.to, sg.bytes, sg.len);
		free(sg.bytes);
		n++;
	}
	return n;
}

static void wire_drop(struct fz *f)
{
	for (size_t i = 0; i < f->p.nq; i++)
		free(f->p.q[i].bytes);
	f->p.nq = 0;
}

static void run_timers(struct fz *f)
{
	xs_tcp_timers(&f->p.t[0], f->p.now);
	xs_tcp_timers(&f->p.t[1], f->p.now);
}

/* Lets everything in flight arrive and the timers run, for up to span. */
static void settle(struct fz *f, uint64_t span_ns)
{
	pair_run(&f->p, span_ns);
}

/* ---- the applications --------------------------------------------------- */

static ssize_t app_send(struct fz *f, int side, int i, size_t len, int flags)
{
	static uint8_t buf[65536];
	struct fz_app *a = &f->app[side];
	struct iovec iov[2];
	size_t half;
	ssize_t n;

	if (len > sizeof(buf))
		len = sizeof(buf);
	for (size_t k = 0; k < len; k++)
		buf[k] = pattern(a->sent[i] + k);
	/* two iovecs, so the gather is exercised too */
	half = len / 3;
	iov[0] = (struct iovec){ buf, half };
	iov[1] = (struct iovec){ buf + half, len - half };
	n = xs_tcp_send(a->sock[i], iov, 2, len, flags, f->p.now);
	CHECK(n <= (ssize_t)len);
	if (n > 0)
		a->sent[i] += (uint64_t)n;
	return n;
}

static ssize_t a_recv_all(struct fz *f)
{
	static uint8_t buf[65536];
	ssize_t n, total = 0;

	if (!f->a_main)
		return 0;
	for (int guard = 0; guard < 256; guard++) {
		struct iovec iov = { buf, sizeof(buf) };

		n = xs_tcp_recv(f->a_main, &iov, 1, sizeof(buf), 0, f->p.now);
		if (n <= 0)
			break;
		CHECK(n <= (ssize_t)sizeof(buf));
		if (f->stream_ok)
			for (ssize_t k = 0; k < n; k++)
				CHECK(buf[k] == pattern(f->a_got + (uint64_t)k));
		f->a_got += (uint64_t)n;
		total += n;
	}
	return total;
}

static ssize_t b_recv(struct fz *f, int i, size_t len, int flags)
{
	static uint8_t buf[65536];
	struct xs_tcp_sock *tp = f->app[1].sock[i];
	/* FIONREAD ends at an urgent mark (tcp_inq()), while a read that
	 * starts at the mark steps over the byte and goes on: bound the read
	 * by what is queued */
	uint32_t inq = xs_tcp_inq(tp), queued = tp->rcvq.len;
	struct iovec iov[3];
	ssize_t n;

	if (len > sizeof(buf))
		len = sizeof(buf);
	/* three iovecs, one of them empty */
	iov[0] = (struct iovec){ buf, len / 2 };
	iov[1] = (struct iovec){ buf + len / 2, 0 };
	iov[2] = (struct iovec){ buf + len / 2, len - len / 2 };
	n = xs_tcp_recv(tp, iov, 3, len, flags, f->p.now);
	CHECK(n <= (ssize_t)len);
	if (n > 0 && !(flags & MSG_OOB))
		CHECK((uint32_t)n <= queued && inq <= queued);
	if ((flags & MSG_PEEK) && !(flags & MSG_OOB))
		CHECK(xs_tcp_inq(tp) == inq);
	return n;
}

static void b_close(struct fz *f, int i, bool linger_zero)
{
	struct xs_tcp_sock *tp = f->app[1].sock[i];

	app_forget(f, 1, i);
	xs_tcp_close(tp, linger_zero, f->p.now);
}

/* B's options from the header, on a listener (its children inherit them)
 * or an active socket. */
static void b_options(struct fz *f, struct xs_tcp_sock *tp)
{
	if (f->v1 & FZV1_KEEPALIVE) {
		tp->keepalive = true;
		tp->keepidle_s = 10;
		tp->keepintvl_s = 1;
		tp->keepcnt = 3;
	}
	if (f->v1 & FZV1_SMALL_RCVBUF)
		xs_tcp_set_rcvbuf(tp, 4608);
	tp->nodelay = f->v2 & FZV2_NODELAY;
	if (f->v2 & FZV2_USER_TIMEOUT)
		tp->user_timeout_ms = 3000;
	tp->oobinline = f->v2 & FZV2_OOBINLINE;
	if (f->v2 & FZV2_LINGER2)
		tp->linger2_s = 5;
	if (f->v4 & FZV4_NEWRENO)
		CHECK(xs_tcp_cc_select(&tp->cc, "reno", f->p.now) == 0);
}

/* A reads its stream in band (so the urgent byte stays in it) and sends
 * at once (so the setup knows which segments are on the wire). */
static void a_options(struct xs_tcp_sock *tp)
{
	tp->oobinline = true;
	tp->nodelay = true;
}

static struct xs_tcp_sock *new_sock(struct fz *f, int side, uint16_t lport)
{
	struct xs_tcp_sock *tp = xs_tcp_sock_new(&f->p.t[side], f->p.family, f->p.now);

	CHECK(tp);
	app_add(f, side, tp);
	memcpy(tp->laddr, f->p.addr[side], 16);
	tp->lport = lport;
	if (side)
		b_options(f, tp);
	else
		a_options(tp);
	return tp;
}

static struct xs_tcp_sock *do_listen(struct fz *f, int side, uint16_t port, int backlog)
{
	struct xs_tcp_sock *l = new_sock(f, side, port);

	if (side == 1 && (f->v4 & FZV4_WILDCARD)) {
		/* the api stores an AF_INET wildcard as ::ffff:0.0.0.0 */
		memset(l->laddr, 0, 16);
		if (f->p.family == AF_INET)
			l->laddr[10] = l->laddr[11] = 0xff;
	}

	CHECK(xs_tcp_listen(l, backlog) == 0);
	return l;
}

static struct xs_tcp_sock *do_connect(struct fz *f, int side, uint16_t lport, uint16_t rport)
{
	struct xs_tcp_sock *tp = new_sock(f, side, lport);

	memcpy(tp->raddr, f->p.addr[!side], 16);
	tp->rport = rport;
	tp->link = 0;
	tp->link_mtu = 1500;
	CHECK(xs_tcp_connect(tp, f->p.now) == 0);
	return tp;
}

/* The listener's next connection, now the application's. */
static struct xs_tcp_sock *do_accept(struct fz *f, int side, struct xs_tcp_sock *l)
{
	struct xs_tcp_sock *c;

	if (f->app[side].n == FZ_MAX_SOCKS || l->state != XS_TCP_LISTEN)
		return NULL;
	c = xs_tcp_accept(l);
	if (c) {
		CHECK(c->parent == NULL && c->state != XS_TCP_SYN_RECV);
		app_add(f, side, c);
	}
	return c;
}

static int b_index_main(struct fz *f)
{
	return app_index(f, 1, b_main(f));
}

/* ---- reaching the state --------------------------------------------------- */

/* B sends data A does not get yet: about two segments. */
static void b_pump(struct fz *f)
{
	int i = b_index_main(f);

	if (i >= 0 && !(f->v4 & FZV4_QUIET))
		app_send(f, 1, i, 2 * 1000 + 100, 0);
}

/* A sends three segments and loses the first: the other two wait out of
 * order at B, whose duplicate ACKs (with SACK) are on their way to A. */
static void a_pump(struct fz *f)
{
	int i = app_index(f, 0, f->a_main);

	if (i < 0 || (f->v4 & FZV4_QUIET))
		return;
	f->lose_a_data = 1;
	app_send(f, 0, i, 3 * (size_t)f->a_main->mss, 0);
	f->lose_a_data = 0;
	wire_deliver(f, 1, FZ_WIRE_MAX);
}

/* A sends a little that B gets in order and does not read. */
static void a_unread(struct fz *f)
{
	int i = app_index(f, 0, f->a_main);

	if (i < 0 || (f->v4 & FZV4_QUIET))
		return;
	app_send(f, 0, i, 300, 0);
	wire_deliver(f, 1, FZ_WIRE_MAX);
}

static void b_finish(struct fz *f)
{
	int i = b_index_main(f);

	if (i < 0)
		return;
	if (f->v4 & FZV4_ORPHAN) {
		/* unread data would make close() reset instead */
		while (b_recv(f, i, 65536, 0) > 0)
			;
		b_close(f, i, false);
	} else {
		xs_tcp_shutdown(f->app[1].sock[i], SHUT_WR, f->p.now);
	}
}

static void a_shutdown(struct fz *f)
{
	if (f->a_main)
		xs_tcp_shutdown(f->a_main, SHUT_WR, f->p.now);
}

/* A:40000 connects to B:80; both ends are the applications'. */
static void established(struct fz *f, struct xs_tcp_sock *l)
{
	f->a_main = do_connect(f, 0, A_PORT, B_LISTEN_PORT);
	settle(f, XS_NS_PER_S);
	do_accept(f, 1, l);
	settle(f, XS_NS_PER_S);
}

static void setup_state(struct fz *f, enum fz_state st)
{
	int backlog = (f->v4 & FZV4_BACKLOG1) ? 1 : 16;
	struct xs_tcp_sock *l = do_listen(f, 1, B_LISTEN_PORT, backlog);

	f->b_port = B_LISTEN_PORT;
	switch (st) {
	case FZ_LISTEN:
		return;
	case FZ_SYN_SENT:
		f->a_listener = do_listen(f, 0, A_PORT, 16);
		f->b_port = B_ACTIVE_PORT;
		do_connect(f, 1, B_ACTIVE_PORT, A_PORT);
		return;
	case FZ_SYN_RECV:
		f->a_main = do_connect(f, 0, A_PORT, B_LISTEN_PORT);
		wire_deliver(f, 1, 1);
		return;
	case FZ_SYN_RECV_SIMUL:
		f->b_port = B_ACTIVE_PORT;
		f->a_main = do_connect(f, 0, A_PORT, B_ACTIVE_PORT);
		do_connect(f, 1, B_ACTIVE_PORT, A_PORT);
		wire_deliver(f, 1, 1);
		return;
	case FZ_ESTABLISHED:
		established(f, l);
		b_pump(f);
		a_pump(f);
		return;
	case FZ_FIN_WAIT1:
		established(f, l);
		b_pump(f);
		b_finish(f);
		a_pump(f);
		return;
	case FZ_FIN_WAIT2:
		established(f, l);
		b_finish(f);
		settle(f, XS_NS_PER_S);
		a_pump(f);
		return;
	case FZ_CLOSING:
		established(f, l);
		b_pump(f);
		b_finish(f);
		a_shutdown(f);
		wire_deliver(f, 1, FZ_WIRE_MAX);
		return;
	case FZ_TIME_WAIT:
		established(f, l);
		b_finish(f);
		settle(f, XS_NS_PER_S);
		if (!(f->v4 & FZV4_ORPHAN))
			a_unread(f);
		a_shutdown(f);
		wire_deliver(f, 1, FZ_WIRE_MAX);
		return;
	case FZ_CLOSE_WAIT:
		established(f, l);
		a_unread(f);
		a_shutdown(f);
		wire_deliver(f, 1, FZ_WIRE_MAX);
		b_pump(f);
		return;
	case FZ_LAST_ACK:
		established(f, l);
		a_unread(f);
		a_shutdown(f);
		wire_deliver(f, 1, FZ_WIRE_MAX);
		b_pump(f);
		b_finish(f);
		return;
	case FZ_NSTATES:
		break;
	}
	CHECK(!"unknown state");
}

/* ---- segments to B ---------------------------------------------------------- */

/* The numbers a segment is built around: B's connection on the 4-tuple if
 * there is one, else A's end of it, else none. */
struct seg_ref {
	const struct xs_tcp_sock *b;    /* B's socket the segment goes to */
	uint32_t rcv_nxt, rcv_adv, irs;
	uint32_t snd_una, snd_nxt, snd_max, iss;
	uint32_t peer_nxt;              /* A's SND.NXT */
	uint32_t mss;
	uint32_t ts_recent, ts_now, rexmit_tsval;
};

static void seg_ref_init(struct fz *f, struct seg_ref *ref, uint16_t sport, uint16_t dport)
{
	const struct xs_tcp_sock *b = xs_tcp_lookup(&f->p.t[1], f->p.addr[1], dport, f->p.addr[0], sport);
	const struct xs_tcp_sock *a = xs_tcp_lookup(&f->p.t[0], f->p.addr[0], sport, f->p.addr[1], dport);

	memset(ref, 0, sizeof(*ref));
	ref->mss = 1000;
	ref->b = b;
	if (a) {
		/* what A would send: B's numbers mirrored */
		ref->rcv_nxt = ref->rcv_adv = a->snd_nxt;
		ref->irs = a->iss;
		ref->snd_una = ref->snd_nxt = ref->snd_max = a->rcv_nxt;
		ref->iss = a->irs;
		ref->peer_nxt = a->snd_nxt;
		ref->ts_recent = xs_tcp_ts_now(a, f->p.now);
	}
	if (b) {
		ref->rcv_nxt = b->rcv_nxt;
		ref->rcv_adv = b->rcv_adv;
		ref->irs = b->irs;
		ref->snd_una = b->snd_una;
		ref->snd_nxt = b->snd_nxt;
		ref->snd_max = b->snd_max;
		ref->iss = b->iss;
		if (b->mss)
			ref->mss = b->mss;
		ref->ts_recent = b->ts_recent;
		ref->ts_now = xs_tcp_ts_now(b, f->p.now);
		ref->rexmit_tsval = b->rexmit_tsval;
	}
}

static uint32_t seq_from(struct fz_in *in, const struct seg_ref *ref)
{
	uint8_t mode = in_u8(in);

	switch (mode & 7) {
	case FZ_SEQ_NXT8:
	case FZ_SEQ_NXT8B:
		return ref->rcv_nxt + (uint32_t)(int8_t)in_u8(in);
	case FZ_SEQ_NXT16:
		return ref->rcv_nxt + (uint32_t)(int16_t)in_u16(in);
	case FZ_SEQ_ADV8:
		return ref->rcv_adv + (uint32_t)(int8_t)in_u8(in);
	case FZ_SEQ_IRS8:
		return ref->irs + (uint32_t)(int8_t)in_u8(in);
	case FZ_SEQ_RAW:
		return in_u32(in);
	case FZ_SEQ_NXT_MSS:
		return ref->rcv_nxt + (uint32_t)((int8_t)in_u8(in) * (int32_t)ref->mss);
	default:
		return ref->peer_nxt + (uint32_t)(int8_t)in_u8(in);
	}
}

static uint32_t ack_from(struct fz_in *in, const struct seg_ref *ref)
{
	uint8_t mode = in_u8(in);

	switch (mode & 7) {
	case FZ_ACK_UNA8:
	case FZ_ACK_UNA8B:
		return ref->snd_una + (uint32_t)(int8_t)in_u8(in);
	case FZ_ACK_NXT8:
		return ref->snd_nxt + (uint32_t)(int8_t)in_u8(in);
	case FZ_ACK_MAX8:
		return ref->snd_max + (uint32_t)(int8_t)in_u8(in);
	case FZ_ACK_UNA16:
		return ref->snd_una + (uint32_t)(int16_t)in_u16(in);
	case FZ_ACK_RAW:
		return in_u32(in);
	case FZ_ACK_ISS8:
		return ref->iss + (uint32_t)(int8_t)in_u8(in);
	default:
		return ref->snd_una + (uint32_t)((int8_t)in_u8(in) * (int32_t)ref->mss);
	}
}

/* Appends n bytes to the option space, as far as it goes. */
static void opt_put(uint8_t *opts, size_t *len, const uint8_t *b, size_t n)
{
	for (size_t i = 0; i < n && *len < XS_TCP_MAX_OPTS; i++)
		opts[(*len)++] = b[i];
}

/* One option token from the input (FZ_OPT_*). */
static void opt_token(struct fz_in *in, const struct seg_ref *ref, uint8_t *opts, size_t *len)
{
	static const uint8_t known[] = { XS_TCPOPT_MSS, XS_TCPOPT_WSCALE, XS_TCPOPT_SACK_PERM,
					 XS_TCPOPT_SACK, XS_TCPOPT_TS };
	uint8_t t = in_u8(in), b[40];
	size_t n = 0;

	switch (t & 15) {
	case FZ_OPT_NOP:
		b[n++] = 1;
		break;
	case FZ_OPT_EOL:
		b[n++] = 0;
		break;
	case FZ_OPT_MSS:
		b[n++] = XS_TCPOPT_MSS;
		b[n++] = 4;
		xs_put16(b + n, in_u16(in));
		n += 2;
		break;
	case FZ_OPT_WS:
		b[n++] = XS_TCPOPT_WSCALE;
		b[n++] = 3;
		b[n++] = in_u8(in);
		break;
	case FZ_OPT_SACK_PERM:
		b[n++] = XS_TCPOPT_SACK_PERM;
		b[n++] = 2;
		break;
	case FZ_OPT_TS: {
		uint8_t m = in_u8(in);
		uint32_t val, ecr;

		switch (m & 3) {
		case FZ_TS_VAL_RECENT8:
			val = ref->ts_recent + (uint32_t)(int8_t)in_u8(in);
			break;
		case FZ_TS_VAL_RECENT16:
			val = ref->ts_recent + ((uint32_t)(int16_t)in_u16(in) << 8);
			break;
		case FZ_TS_VAL_RAW:
			val = in_u32(in);
			break;
		default:
			val = 0;
			break;
		}
		switch (m >> 2 & 3) {
		case FZ_TS_ECR_NOW8:
			ecr = ref->ts_now - in_u8(in);
			break;
		case FZ_TS_ECR_REXMIT:
			ecr = ref->rexmit_tsval;
			break;
		case FZ_TS_ECR_RAW:
			ecr = in_u32(in);
			break;
		default:
			ecr = 0;
			break;
		}
		b[n++] = XS_TCPOPT_TS;
		b[n++] = 10;
		xs_put32(b + n, val);
		xs_put32(b + n + 4, ecr);
		n += 8;
		break;
	}
	case FZ_OPT_SACK: {
		int blocks = 1 + (t >> 4) % 4;

		b[n++] = XS_TCPOPT_SACK;
		b[n++] = (uint8_t)(2 + 8 * blocks);
		for (int i = 0; i < blocks; i++) {
			uint8_t m = in_u8(in);
			uint32_t left, right;

			if (m & FZ_SACKB_ALIGNED) {
				left = ref->snd_una + (m & 7) * ref->mss;
				right = left + ((m >> 3 & 7) + 1) * ref->mss;
			} else {
				left = ref->snd_una + (uint32_t)(int16_t)in_u16(in);
				right = left + in_u16(in);
			}
			xs_put32(b + n, left);
			xs_put32(b + n + 4, right);
			n += 8;
		}
		break;
	}
	case FZ_OPT_RAW: {
		uint8_t olen = in_u8(in);

		b[n++] = (uint8_t)(t >> 4) == 0 ? in_u8(in) : (uint8_t)(t >> 4) + 8;
		b[n++] = olen;
		for (int i = 2; i < olen && n < sizeof(b); i++)
			b[n++] = in_u8(in);
		break;
	}
	case FZ_OPT_CUT:
		b[n++] = known[(t >> 4) % sizeof(known)];
		break;
	case FZ_OPT_BADLEN: {
		uint8_t olen = in_u8(in);

		b[n++] = known[(t >> 4) % sizeof(known)];
		b[n++] = olen;
		for (int i = 2; i < olen && i < 12 && n < sizeof(b); i++)
			b[n++] = in_u8(in);
		break;
	}
	default:
		b[n++] = 1;
		break;
	}
	opt_put(opts, len, b, n);
}

/*
 * Builds the next segment of the input into buf (room for XS_TCP_MAX_HLEN +
 * FZ_MAX_PAYLOAD bytes) and returns its length, header and payload.
 */
static size_t seg_build(struct fz *f, struct fz_in *in, uint8_t *buf)
{
	uint8_t ctl = in_u8(in), opts[XS_TCP_MAX_OPTS], flags8, nopts, plen_sel;
	uint16_t sport = A_PORT, dport = f->b_port, urgent = 0, window;
	size_t olen = 0, hlen, plen;
	int doff = -1, plen_signed;
	struct seg_ref ref;
	uint32_t seq, ack;
	uint16_t flags;
	struct xs_pseudo ph;

	switch (ctl & FZC_TUPLE_MASK) {
	case FZC_TUPLE_NEW:
		sport = (uint16_t)(A_PORT + 1 + in_u8(in));
		dport = B_LISTEN_PORT;
		break;
	case FZC_TUPLE_RAW:
		sport = in_u16(in);
		dport = in_u16(in);
		break;
	default:
		break;
	}
	seg_ref_init(f, &ref, sport, dport);
	flags8 = in_u8(in);
	flags = (uint16_t)(flags8 | ((ctl & FZC_AE) ? XS_TCP_AE : 0));
	seq = seq_from(in, &ref);
	ack = ack_from(in, &ref);
	window = in_u16(in);
	if (flags & XS_TCP_URG)
		urgent = in_u16(in);
	if (ctl & FZC_RAW_DOFF)
		doff = in_u8(in) & 15;
	nopts = in_u8(in) & 7;
	for (int i = 0; i < nopts; i++)
		opt_token(in, &ref, opts, &olen);
	while (olen % 4)
		opts[olen++] = (ctl & FZC_PAD_NOP) ? 1 : 0;

	plen_sel = in_u8(in);
	switch (plen_sel & 0xc0) {
	case FZ_PLEN_SMALL:
		plen = plen_sel & 0x3f;
		break;
	case FZ_PLEN_X32:
		plen = (size_t)(plen_sel & 0x3f) * 32;
		break;
	case FZ_PLEN_MSS:
		plen_signed = (int)ref.mss + (int8_t)in_u8(in);
		plen = plen_signed > 0 ? (size_t)plen_signed : 0;
		break;
	default:
		plen = 0;
		break;
	}
	if (plen > FZ_MAX_PAYLOAD)
		plen = FZ_MAX_PAYLOAD;

	xs_put16(buf, sport);
	xs_put16(buf + 2, dport);
	xs_put32(buf + 4, seq);
	xs_put32(buf + 8, ack);
	/* the data offset: the real one unless the input gives one */
	buf[12] = (uint8_t)((doff >= 0 ? (size_t)doff : (XS_TCP_MIN_HLEN + olen) / 4) << 4 | (flags >> 8));
	buf[13] = (uint8_t)flags;
	xs_put16(buf + 14, window);
	xs_put16(buf + 16, 0);
	xs_put16(buf + 18, urgent);
	memcpy(buf + XS_TCP_MIN_HLEN, opts, olen);
	hlen = XS_TCP_MIN_HLEN + olen;
	for (size_t i = 0; i < plen; i++)
		buf[hlen + i] = i < 4 ? in_u8(in) : (uint8_t)(0x5a + i);
	pair_pseudo(&f->p, 0, &ph);
	switch (ctl & FZC_CSUM_MASK) {
	case FZC_CSUM_WRONG:
		xs_put16(buf + 16, (uint16_t)(sport ^ seq));
		break;
	case FZC_CSUM_PARTIAL:
		xs_put16(buf + 16, (uint16_t)~xs_csum_fold(xs_csum_pseudo(&ph, IPPROTO_TCP,
									     (uint32_t)(hlen + plen))));
		break;
	default:
		xs_put16(buf + 16, xs_csum_l4(&ph, IPPROTO_TCP, buf, hlen + plen));
		break;
	}
	if (f->verbose)
		fprintf(stderr, "  seg %u>%u fl %03x seq %u (nxt%+d) ack %u (una%+d) win %u urg %u opts %zu len %zu%s\n",
			sport, dport, flags, seq, (int)(seq - ref.rcv_nxt), ack, (int)(ack - ref.snd_una),
			window, urgent, olen, plen,
			(ctl & FZC_CSUM_MASK) == FZC_CSUM_WRONG ? " bad-csum" :
			(ctl & FZC_CSUM_MASK) == FZC_CSUM_PARTIAL ? " partial-csum" : "");
	return hlen + plen;
}

/* ---- the operations --------------------------------------------------------- */

static const uint64_t fz_ticks[14] = {
	0, XS_NS_PER_MS, 5 * XS_NS_PER_MS, 40 * XS_NS_PER_MS, 200 * XS_NS_PER_MS,
	XS_NS_PER_S, 3 * XS_NS_PER_S, 10 * XS_NS_PER_S, 30 * XS_NS_PER_S, 61 * XS_NS_PER_S,
	75 * XS_NS_PER_S, (7200 + 1) * XS_NS_PER_S, 86400 * XS_NS_PER_S,
	25ull * 86400 * XS_NS_PER_S,    /* past PAWS's 24 days */
};

static void op_tick(struct fz *f, uint8_t t)
{
	uint64_t dt;

	if ((t & 15) < 14) {
		dt = fz_ticks[t & 15];
	} else {
		/* to the next deadline of B (14) or of either side (15) */
		uint64_t next = f->p.t[1].next_timer_ns;

		if ((t & 15) == 15 && f->p.t[0].next_timer_ns < next)
			next = f->p.t[0].next_timer_ns;
		dt = next != UINT64_MAX && next > f->p.now ? next - f->p.now : 0;
	}
	f->p.now += dt;
	if (f->verbose)
		fprintf(stderr, "  tick +%llu ms\n", (unsigned long long)(dt / XS_NS_PER_MS));
	run_timers(f);
}

static void op_wire(struct fz *f, uint8_t d)
{
	int n = (d >> 2) + 1, got;

	switch (d & 3) {
	case FZ_WIRE_TO_B:
		got = wire_deliver(f, 1, n);
		break;
	case FZ_WIRE_TO_A:
		got = wire_deliver(f, 0, n);
		break;
	case FZ_WIRE_BOTH:
		got = wire_deliver(f, -1, n);
		break;
	default:
		got = (int)f->p.nq;
		wire_drop(f);
		break;
	}
	if (f->verbose)
		fprintf(stderr, "  wire %d: %d segments\n", d & 3, got);
}

static const char *const bapp_names[] = {
	"send", "send-big", "send-oob", "send-more", "recv", "recv-peek", "recv-oob",
	"recv-trunc", "recv-all", "shutdown", "close", "accept", "listen", "query", "push",
	"send-zero",
};

static void op_bapp(struct fz *f, struct fz_in *in)
{
	uint8_t s = in_u8(in), k = in_u8(in), n = in_u8(in);
	struct fz_app *a = &f->app[1];
	struct xs_tcp_sock *tp;
	int i;
	ssize_t rc = 0;

	if (!a->n)
		return;
	i = s % a->n;
	tp = a->sock[i];
	switch (k & 15) {
	case FZ_APP_SEND:
		rc = app_send(f, 1, i, (size_t)n + 1, 0);
		break;
	case FZ_APP_SEND_BIG:
		rc = app_send(f, 1, i, (size_t)n * 256, 0);
		break;
	case FZ_APP_SEND_OOB:
		rc = app_send(f, 1, i, (size_t)n + 1, MSG_OOB);
		break;
	case FZ_APP_SEND_MORE:
		rc = app_send(f, 1, i, (size_t)n + 1, MSG_MORE);
		break;
	case FZ_APP_RECV:
		rc = b_recv(f, i, (size_t)n * 16 + 1, 0);
		break;
	case FZ_APP_RECV_PEEK:
		rc = b_recv(f, i, (size_t)n * 16 + 1, MSG_PEEK);
		break;
	case FZ_APP_RECV_OOB:
		rc = b_recv(f, i, 1, MSG_OOB | ((n & 1) ? MSG_PEEK : 0));
		break;
	case FZ_APP_RECV_TRUNC:
		rc = b_recv(f, i, (size_t)n * 16 + 1, MSG_TRUNC);
		break;
	case FZ_APP_RECV_ALL:
		for (int guard = 0; guard < 128 && (rc = b_recv(f, i, 65536, 0)) > 0; guard++)
			;
		break;
	case FZ_APP_SHUTDOWN:
		rc = xs_tcp_shutdown(tp, SHUT_RD + n % 3, f->p.now);
		break;
	case FZ_APP_CLOSE:
		b_close(f, i, n & 1);
		break;
	case FZ_APP_ACCEPT:
		rc = do_accept(f, 1, tp) != NULL;
		break;
	case FZ_APP_LISTEN:
		if (tp->state == XS_TCP_LISTEN)
			rc = xs_tcp_listen(tp, n % 4);
		break;
	case FZ_APP_QUERY: {
		unsigned int ev = xs_tcp_poll(tp);

		/* an error to report is POLLERR until SO_ERROR takes it */
		if (tp->state != XS_TCP_LISTEN)
			CHECK(!(ev & POLLERR) == !tp->err);
		rc = xs_tcp_sock_error(tp);
		CHECK(!(xs_tcp_poll(tp) & POLLERR));
		(void)xs_tcp_inq(tp);
		(void)xs_tcp_outq(tp);
		(void)xs_tcp_at_mark(tp);
		break;
	}
	case FZ_APP_PUSH:
		if (tp->state != XS_TCP_LISTEN)
			xs_tcp_output(tp, f->p.now);
		break;
	default:
		rc = app_send(f, 1, i, 0, 0);
		break;
	}
	if (f->verbose)
		fprintf(stderr, "  B app %s on %d (n %u): %zd\n", bapp_names[k & 15], i, n, rc);
}

static void op_aapp(struct fz *f, struct fz_in *in)
{
	uint8_t k = in_u8(in), n = in_u8(in);
	int i = app_index(f, 0, f->a_main);

	switch (k & 7) {
	case FZ_AAPP_SEND:
		if (i >= 0)
			app_send(f, 0, i, (size_t)n + 1, 0);
		break;
	case FZ_AAPP_SEND_BIG:
		if (i >= 0)
			app_send(f, 0, i, (size_t)n * 64, 0);
		break;
	case FZ_AAPP_RECV:
		a_recv_all(f);
		break;
	case FZ_AAPP_SHUTDOWN:
		a_shutdown(f);
		break;
	case FZ_AAPP_CLOSE:
		if (i >= 0) {
			struct xs_tcp_sock *tp = f->a_main;

			app_forget(f, 0, i);
			xs_tcp_close(tp, false, f->p.now);
		}
		break;
	case FZ_AAPP_ACCEPT:
		if (f->a_listener && !f->a_main)
			f->a_main = do_accept(f, 0, f->a_listener);
		break;
	case FZ_AAPP_ACK:
		if (f->a_main)
			xs_tcp_send_ack(f->a_main, f->p.now);
		break;
	default:
		if (i >= 0) {
			f->lose_a_data = 1;
			app_send(f, 0, i, (size_t)n * 64, 0);
			f->lose_a_data = 0;
		}
		break;
	}
	if (f->verbose)
		fprintf(stderr, "  A app %u (n %u), A in %s\n", k & 7, n, state_name(f->a_main));
}

static void op_sockopt(struct fz *f, struct fz_in *in)
{
	static const uint32_t rcvbufs[4] = { 2304, 4608, 65536, 425984 };
	static const uint32_t sndbufs[4] = { 4608, 8192, 65536, 425984 };
	static const uint16_t mss[4] = { 88, 536, 1000, 1460 };
	static const uint32_t clamps[4] = { 1152, 4096, 65536, 0 };
	uint8_t s = in_u8(in), o = in_u8(in), v = in_u8(in);
	struct fz_app *a = &f->app[1];
	struct xs_tcp_sock *tp;

	if (!a->n)
		return;
	tp = a->sock[s % a->n];
	switch (o % FZ_NSOCKOPT) {
	case FZ_SO_NODELAY:
		tp->nodelay = v & 1;
		if (tp->nodelay && tp->state != XS_TCP_LISTEN)
			xs_tcp_output(tp, f->p.now);
		break;
	case FZ_SO_CORK:
		tp->cork = v & 1;
		if (!tp->cork && tp->state != XS_TCP_LISTEN) {
			tp->msg_more = false;
			xs_tcp_output(tp, f->p.now);
		}
		break;
	case FZ_SO_KEEPALIVE:
		tp->keepalive = v & 1;
		tp->keepidle_s = 1 + (v >> 1) % 16;
		tp->keepintvl_s = 1 + (v >> 5);
		xs_tcp_arm_keepalive(tp, f->p.now);
		break;
	case FZ_SO_RCVBUF:
		if (rcvbufs[v % 4] < tp->rcvbuf)
			f->rcv_limit_lowered = true;
		xs_tcp_set_rcvbuf(tp, rcvbufs[v % 4]);
		break;
	case FZ_SO_SNDBUF:
		xs_tcp_set_sndbuf(tp, sndbufs[v % 4]);
		break;
	case FZ_SO_OOBINLINE:
		tp->oobinline = v & 1;
		break;
	case FZ_SO_MAXSEG:
		tp->user_mss = mss[v % 4];
		break;
	case FZ_SO_USER_TIMEOUT:
		tp->user_timeout_ms = (uint32_t)(v % 8) * 500;
		break;
	case FZ_SO_LINGER2:
		tp->linger2_s = (int)(v % 4) - 1;
		break;
	case FZ_SO_WINDOW_CLAMP:
		if (clamps[v % 4])
			f->rcv_limit_lowered = true;
		tp->window_clamp = clamps[v % 4];
		break;
	case FZ_SO_QUICKACK:
		if (v & 1) {
			tp->quickack_off = false;
			tp->quickacks = XS_TCP_QUICKACKS;
			if (tp->delack_pending) {
				tp->ack_now = true;
				xs_tcp_output(tp, f->p.now);
			}
		} else {
			tp->quickack_off = true;
		}
		break;
	default:
		CHECK(xs_tcp_cc_select(&tp->cc, (v & 1) ? "reno" : "cubic", f->p.now) == 0);
		break;
	}
	if (f->verbose)
		fprintf(stderr, "  B sockopt %u = %u on %d\n", o % FZ_NSOCKOPT, v, s % a->n);
}

static void op_segment(struct fz *f, struct fz_in *in)
{
	static uint8_t buf[XS_TCP_MAX_HLEN + FZ_MAX_PAYLOAD];
	size_t len = seg_build(f, in, buf);
	uint8_t *copy = malloc(len);

	/* a heap block of exactly its size: a read past the segment is an
	 * overflow ASan reports */
	CHECK(copy);
	memcpy(copy, buf, len);
	pair_deliver(&f->p, 1, copy, len);
	free(copy);
}

/* ---- one input ---------------------------------------------------------------- */

static void fz_begin(struct fz *f, struct fz_in *in)
{
	enum fz_state st;
	uint32_t isn = 0;

	f->verbose = getenv("XS_FUZZ_VERBOSE") != NULL;
	st = (enum fz_state)(in_u8(in) % FZ_NSTATES);
	f->v1 = in_u8(in);
	f->v2 = in_u8(in);
	f->syn_mss = in_u8(in);
	f->v4 = in_u8(in);

	pair_init(&f->p, (f->v1 & FZV1_IPV6) ? AF_INET6 : AF_INET);
	memset(f->app, 0, sizeof(f->app));
	f->a_main = f->a_listener = NULL;
	f->main_iss_set = false;
	f->stream_ok = true;
	f->a_got = 0;
	f->lose_a_data = 0;
	f->rcv_limit_lowered = false;
	f->destroying = false;
	for (int i = 0; i < 2; i++) {
		f->p.env[i].xmit = fz_xmit;
		f->p.env[i].release = fz_release;
	}
	switch ((f->v1 & FZV1_ISN_MASK) >> FZV1_ISN_SHIFT) {
	case FZV1_ISN_WRAP32:
		isn = 0xffffffffu - 3000;
		break;
	case FZV1_ISN_WRAP31:
		isn = 0x7fffffffu - 3000;
		break;
	case FZV1_ISN_ZERO:
		isn = 0;
		break;
	default:
		break;
	}
	if ((f->v1 & FZV1_ISN_MASK) >> FZV1_ISN_SHIFT != FZV1_ISN_SECRET)
		for (int i = 0; i < 2; i++) {
			f->p.t[i].isn_fixed = true;
			f->p.t[i].isn_next = isn;
		}
	f->p.t[1].accept_partial_csum = f->v4 & FZV4_PARTIAL_CSUM;
	f->strip_ts = f->v1 & FZV1_NO_TS;
	f->strip_sack = f->v1 & FZV1_NO_SACK;
	f->strip_ws = f->v1 & FZV1_NO_WS;
	switch (f->v2 & FZV2_MSS_MASK) {
	case FZV2_MSS_536:
		f->syn_mss = 536;
		break;
	case FZV2_MSS_9000:
		f->syn_mss = 9000;
		break;
	case FZV2_MSS_RAW:
		break;
	default:
		f->syn_mss = 0;
		break;
	}
	f->set_mss = (f->v2 & FZV2_MSS_MASK) != FZV2_MSS_KEEP;
	f->p.delay_ns = (const uint64_t[]){ 0, XS_NS_PER_MS, 30 * XS_NS_PER_MS,
					    200 * XS_NS_PER_MS }[f->v2 >> FZV2_DELAY_SHIFT];

	setup_state(f, st);
	check_all(f, true);
	if (f->verbose) {
		const struct xs_tcp_sock *b = b_main(f);

		fprintf(stderr, "setup %u: B's main connection %s (ooo %u, rcvq %u, sndq %u, "
			"in flight %u), A %s, %zu on the wire\n", st, state_name(b),
			b ? b->ooo.n : 0, b ? b->rcvq.len : 0, b ? b->sndq.len : 0,
			b ? b->snd_max - b->snd_una : 0, state_name(f->a_main), f->p.nq);
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fz *f = &fz;
	struct fz_in in = { data, size, 0 };

	fz_begin(f, &in);
	while (in.off < in.n) {
		uint8_t op = in_u8(&in);

		switch (op & 15) {
		case FZ_OP_WIRE:
		case FZ_OP_WIRE2:
			op_wire(f, in_u8(&in));
			break;
		case FZ_OP_TICK:
		case FZ_OP_TICK2:
			op_tick(f, in_u8(&in));
			break;
		case FZ_OP_BAPP:
		case FZ_OP_BAPP2:
			op_bapp(f, &in);
			break;
		case FZ_OP_AAPP:
			op_aapp(f, &in);
			break;
		case FZ_OP_SOCKOPT:
			op_sockopt(f, &in);
			break;
		default:
			op_segment(f, &in);
			break;
		}
		check_all(f, false);
	}
	check_all(f, true);
	if (f->verbose) {
		const struct xs_tcp_sock *b = b_main(f);

		fprintf(stderr, "end: B's main connection %s, A %s, A read %llu\n", state_name(b),
			state_name(f->a_main), (unsigned long long)f->a_got);
	}
	f->destroying = true;
	pair_destroy(&f->p);
	return 0;
}
