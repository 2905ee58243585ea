// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * The TCP state machine end to end: two tables over the fake wire of
 * tcp_pair.h, driven by a fake clock.  Handshakes, transfers (clean, lossy,
 * across the sequence-number wrap), closes, resets and the RFC 5961 rules,
 * the timers (retransmission backoff, persist, keepalive, TIME_WAIT).
 */
#include <criterion/criterion.h>
#include <errno.h>
#include <poll.h>
#include <stdio.h>

#include "tcp_pair.h"

static struct pair P;

static void setup4(void) { pair_init(&P, AF_INET); }
static void setup6(void) { pair_init(&P, AF_INET6); }
static void teardown(void) { pair_destroy(&P); }

static uint8_t pattern(uint64_t i)
{
	return (uint8_t)(i * 2654435761u >> 13);
}

static void dump(const char *who, const struct xs_tcp_sock *t)
{
	fprintf(stderr, "%s: state %d una %u nxt %u max %u sndq %u cwnd %u ssth %u wnd %u rcv_nxt %u rcvq %u "
		"adv %u paws %llu oow %llu bad %llu rto_at %llu now %llu retries %u inloss %d rec %d ooo %u fin_q %d\n", who, t->state,
		t->snd_una, t->snd_nxt, t->snd_max, t->sndq.len, t->cc.cwnd, t->cc.ssthresh, t->snd_wnd,
		t->rcv_nxt, t->rcvq.len, t->rcv_adv, (unsigned long long)t->table->paws_drops,
		(unsigned long long)t->table->oow_drops, (unsigned long long)t->table->bad_segs, (unsigned long long)t->rto_at, (unsigned long long)P.now,
		t->rto_retries, t->in_loss, t->board.in_recovery, t->ooo.n, t->fin_queued);
}

/* Sends n bytes of the pattern from a to b, reading at b as it arrives,
 * while the clock runs.  Returns the bytes b received intact. */
static uint64_t transfer(struct xs_tcp_sock *a, struct xs_tcp_sock *b, uint64_t n, uint64_t max_ns)
{
	uint64_t sent = 0, got = 0, deadline = P.now + max_ns;
	static uint8_t buf[65536];

	while (got < n && P.now < deadline) {
		while (sent < n) {
			size_t k = n - sent < sizeof(buf) ? (size_t)(n - sent) : sizeof(buf);
			struct iovec iov = { buf, k };
			ssize_t w;

			for (size_t i = 0; i < k; i++)
				buf[i] = pattern(sent + i);
			w = xs_tcp_send(a, &iov, 1, k, 0, P.now);
			if (w <= 0)
				break;
			sent += (uint64_t)w;
		}
		for (;;) {
			struct iovec iov = { buf, sizeof(buf) };
			ssize_t r = xs_tcp_recv(b, &iov, 1, sizeof(buf), 0, P.now);

			if (r <= 0)
				break;
			for (ssize_t i = 0; i < r; i++)
				if (buf[i] != pattern(got + (uint64_t)i))
					return got + (uint64_t)i;
			got += (uint64_t)r;
		}
		if (!pair_step(&P, deadline))
			break;
	}
	if (got < n) {
		dump("sender", a);
		dump("receiver", b);
	}
	return got;
}

TestSuite(tcp_conn4, .init = setup4, .fini = teardown);
TestSuite(tcp_conn6, .init = setup6, .fini = teardown);

static void check_handshake(void)
{
	struct xs_tcp_sock *c, *l, *s;

	pair_connect(&P, &c, &l, &s);
	cr_assert_eq(c->state, XS_TCP_ESTABLISHED);
	cr_assert_not_null(s);
	cr_assert_eq(s->state, XS_TCP_ESTABLISHED);
	cr_assert(c->ws_ok && c->ts_ok && c->sack_ok);
	cr_assert(s->ws_ok && s->ts_ok && s->sack_ok);
	cr_assert_eq(c->snd_wscale, XS_TCP_RCV_WSCALE);
	cr_assert_eq(c->mss, (P.family == AF_INET ? 1460u : 1440u) - 12);
	cr_assert_eq(s->mss, c->mss);
	cr_assert_eq(c->snd_una, c->iss + 1);
	cr_assert_eq(s->rcv_nxt, c->iss + 1);
	cr_assert_eq(c->rcv_nxt, s->iss + 1);
	cr_assert_eq(xs_tcp_poll(c) & (POLLOUT | POLLIN | POLLERR), POLLOUT);
	cr_assert_eq(xs_tcp_poll(l), 0, "the connection was accepted");
}

Test(tcp_conn4, handshake) { check_handshake(); }
Test(tcp_conn6, handshake) { check_handshake(); }

Test(tcp_conn4, accept_queue_makes_listener_readable)
{
	struct xs_tcp_sock *l = xs_tcp_sock_new(&P.t[1], AF_INET, P.now);
	struct xs_tcp_sock *c = xs_tcp_sock_new(&P.t[0], AF_INET, P.now);

	memcpy(l->laddr, P.addr[1], 16);
	l->lport = 80;
	l->owner = l;
	cr_assert_eq(xs_tcp_listen(l, 4), 0);
	memcpy(c->laddr, P.addr[0], 16);
	memcpy(c->raddr, P.addr[1], 16);
	c->lport = 40001;
	c->rport = 80;
	c->owner = c;
	c->link_mtu = 1500;
	cr_assert_eq(xs_tcp_connect(c, P.now), 0);
	cr_assert_eq(c->state, XS_TCP_SYN_SENT);
	cr_assert_eq(xs_tcp_poll(l), 0);
	pair_run(&P, XS_NS_PER_MS);
	cr_assert(xs_tcp_poll(l) & POLLIN);
	cr_assert(P.events[1] & XS_TCP_EV_READ);
	cr_assert_eq(l->accept_len, 1);
}

Test(tcp_conn4, bulk_one_mib_each_way)
{
	struct xs_tcp_sock *c, *l, *s;

	P.delay_ns = 100 * XS_NS_PER_US;
	pair_connect(&P, &c, &l, &s);
	cr_assert_eq(transfer(c, s, 1 << 20, 10 * XS_NS_PER_S), 1 << 20);
	cr_assert_eq(transfer(s, c, 1 << 20, 10 * XS_NS_PER_S), 1 << 20);
	cr_assert_eq(c->cnt.total_retrans, 0);
	cr_assert_eq(s->cnt.total_retrans, 0);
}

Test(tcp_conn6, bulk_one_mib)
{
	struct xs_tcp_sock *c, *l, *s;

	P.delay_ns = 100 * XS_NS_PER_US;
	pair_connect(&P, &c, &l, &s);
	cr_assert_eq(transfer(c, s, 1 << 20, 10 * XS_NS_PER_S), 1 << 20);
}

/* rto_share: at most one retransmission in rto_share may come from an RTO
 * (the rest from SACK recovery and fast retransmit); lost retransmissions
 * need the RTO, and their share grows with the loss rate. */
static void lossy(unsigned int loss, unsigned int dup, unsigned int corrupt, uint64_t seed,
		  unsigned int rto_share)
{
	struct xs_tcp_sock *c, *l, *s;

	P.delay_ns = 5 * XS_NS_PER_MS;
	pair_connect(&P, &c, &l, &s);
	cr_assert_not_null(s);
	P.rng = seed;
	P.loss_pm = loss;
	P.dup_pm = dup;
	P.corrupt_pm = corrupt;
	cr_assert_eq(transfer(c, s, 1 << 20, 600 * XS_NS_PER_S), 1 << 20, "seed %llu",
		     (unsigned long long)seed);
	cr_assert_eq(transfer(s, c, 256 << 10, 600 * XS_NS_PER_S), 256 << 10, "seed %llu",
		     (unsigned long long)seed);
	cr_assert_eq(c->state, XS_TCP_ESTABLISHED);
	cr_assert_eq(s->state, XS_TCP_ESTABLISHED);
	cr_assert_gt(c->cnt.total_retrans, 0);
	/* loss recovery is SACK's and fast retransmit's job; the RTO is the
	 * last resort (lost retransmissions, lost tails) */
	cr_assert_lt(P.t[0].timeouts * rto_share, c->cnt.total_retrans, "%llu RTOs for %u retransmissions",
		     (unsigned long long)P.t[0].timeouts, c->cnt.total_retrans);
}

Test(tcp_conn4, lossy_5pct) { lossy(50, 10, 1, 1, 4); }
Test(tcp_conn4, lossy_5pct_seed2) { lossy(50, 10, 1, 2, 4); }
Test(tcp_conn4, lossy_20pct) { lossy(200, 0, 0, 3, 2); }

Test(tcp_conn4, lossy_without_sack)
{
	P.t[0].isn_fixed = false;
	/* a peer that does not offer SACK: NewReno recovery */
	struct xs_tcp_sock *c, *l, *s;

	P.delay_ns = 5 * XS_NS_PER_MS;
	pair_connect(&P, &c, &l, &s);
	c->sack_ok = s->sack_ok = false;
	P.loss_pm = 30;
	cr_assert_eq(transfer(c, s, 512 << 10, 600 * XS_NS_PER_S), 512 << 10);
	cr_assert_gt(c->cnt.total_retrans, 0);
}

static void wrap(uint32_t isn)
{
	struct xs_tcp_sock *c, *l, *s;

	P.t[0].isn_fixed = P.t[1].isn_fixed = true;
	P.t[0].isn_next = P.t[1].isn_next = isn;
	P.delay_ns = XS_NS_PER_MS;
	pair_connect(&P, &c, &l, &s);
	cr_assert_eq(c->iss, isn);
	P.loss_pm = 20;
	cr_assert_eq(transfer(c, s, 1 << 20, 600 * XS_NS_PER_S), 1 << 20);
	cr_assert_eq(transfer(s, c, 1 << 20, 600 * XS_NS_PER_S), 1 << 20);
	cr_assert(xs_seq_gt(c->snd_una, isn));
}

Test(tcp_conn4, wraps_at_2_32) { wrap(0xffffffffu - 100000); }
Test(tcp_conn4, wraps_at_2_31) { wrap(0x7fffffffu - 100000); }

Test(tcp_conn4, orderly_close_both_ways)
{
	struct xs_tcp_sock *c, *l, *s;
	uint8_t b[16];
	struct iovec iov = { b, sizeof(b) };

	pair_connect(&P, &c, &l, &s);
	cr_assert_eq(xs_tcp_shutdown(c, SHUT_WR, P.now), 0);
	cr_assert_eq(c->state, XS_TCP_FIN_WAIT1);
	pair_run(&P, XS_NS_PER_MS);
	cr_assert_eq(c->state, XS_TCP_FIN_WAIT2);
	cr_assert_eq(s->state, XS_TCP_CLOSE_WAIT);
	cr_assert_eq(xs_tcp_recv(s, &iov, 1, sizeof(b), 0, P.now), 0, "EOF");
	cr_assert(xs_tcp_poll(s) & POLLRDHUP);
	/* half-closed: the server still sends */
	cr_assert_eq(xs_tcp_send(s, &(struct iovec){ "hello", 5 }, 1, 5, 0, P.now), 5);
	pair_run(&P, XS_NS_PER_MS);
	cr_assert_eq(xs_tcp_recv(c, &iov, 1, sizeof(b), 0, P.now), 5);
	xs_tcp_close(s, false, P.now);
	pair_run(&P, XS_NS_PER_MS);
	cr_assert_eq(c->state, XS_TCP_TIME_WAIT);
	cr_assert_eq(P.t[1].nall, 1, "the server's socket was freed; the listener stays");
	xs_tcp_close(c, false, P.now);
	cr_assert_eq(P.t[0].nall, 1, "TIME_WAIT holds the 4-tuple");
	pair_run(&P, 61 * XS_NS_PER_S);
	cr_assert_eq(P.t[0].nall, 0, "TIME_WAIT ended after 60 s");
}

/* One more connection to listener l, from A port lport. */
static void connect_another(struct xs_tcp_sock *l, uint16_t lport, struct xs_tcp_sock **client,
			    struct xs_tcp_sock **server)
{
	struct xs_tcp_sock *c = xs_tcp_sock_new(&P.t[0], P.family, P.now);

	memcpy(c->laddr, P.addr[0], 16);
	memcpy(c->raddr, P.addr[1], 16);
	c->lport = lport;
	c->rport = 80;
	c->link = 0;
	c->link_mtu = 1500;
	c->owner = c;
	xs_tcp_connect(c, P.now);
	pair_run(&P, XS_NS_PER_MS);
	*client = c;
	*server = xs_tcp_accept(l);
	cr_assert_not_null(*server);
	(*server)->owner = *server;
}

/* Runs the pair for span_ns, the clock reaching its end even when nothing
 * happens before (pair_run() stops at the last event). */
static void advance(uint64_t span_ns)
{
	uint64_t until = P.now + span_ns;

	pair_run(&P, span_ns);
	P.now = until;
	pair_run(&P, 0);
}

/* TIME_WAIT sockets wait at the tail of the table's list, oldest first:
 * each ends 60 s after it began, and a timer pass stops at the first not
 * yet due. */
Test(tcp_conn4, time_wait_sockets_end_in_order)
{
	struct xs_tcp_sock *c[3], *l, *s[3];
	uint8_t b[16];
	struct iovec iov = { b, sizeof(b) };

	pair_connect(&P, &c[0], &l, &s[0]);
	connect_another(l, 40001, &c[1], &s[1]);
	connect_another(l, 40002, &c[2], &s[2]);
	for (int i = 0; i < 3; i++) {
		/* the client closes first: TIME_WAIT is on its side */
		xs_tcp_close(c[i], false, P.now);
		pair_run(&P, XS_NS_PER_MS);
		cr_assert_eq(xs_tcp_recv(s[i], &iov, 1, sizeof(b), 0, P.now), 0);
		xs_tcp_close(s[i], false, P.now);
		advance(10 * XS_NS_PER_S);
		cr_assert_eq(c[i]->state, XS_TCP_TIME_WAIT);
		cr_assert(c[i]->in_tw);
	}
	cr_assert_eq(P.t[0].ntw, 3);
	cr_assert_eq(P.t[0].tw_first, c[0], "the oldest first");
	/* 30 s after the first began: it ends 30 s from here, the others
	 * 10 and 20 s later */
	advance(31 * XS_NS_PER_S);
	cr_assert_eq(P.t[0].ntw, 2, "the first ended at 60 s");
	cr_assert_eq(P.t[0].tw_first, c[1]);
	advance(10 * XS_NS_PER_S);
	cr_assert_eq(P.t[0].ntw, 1);
	cr_assert_eq(P.t[0].nall, 1, "a TIME_WAIT socket no one holds is freed at its end");
	advance(10 * XS_NS_PER_S);
	cr_assert_eq(P.t[0].ntw, 0);
	cr_assert_null(P.t[0].all);
}

Test(tcp_conn4, simultaneous_close)
{
	struct xs_tcp_sock *c, *l, *s;

	P.delay_ns = XS_NS_PER_MS;
	pair_connect(&P, &c, &l, &s);
	xs_tcp_shutdown(c, SHUT_WR, P.now);
	xs_tcp_shutdown(s, SHUT_WR, P.now);
	pair_run(&P, 100 * XS_NS_PER_MS);
	cr_assert_eq(c->state, XS_TCP_TIME_WAIT);
	cr_assert_eq(s->state, XS_TCP_TIME_WAIT);
}

Test(tcp_conn4, linger_zero_close_resets_the_peer)
{
	struct xs_tcp_sock *c, *l, *s;
	uint8_t b[4];
	struct iovec iov = { b, sizeof(b) };

	pair_connect(&P, &c, &l, &s);
	xs_tcp_close(c, true, P.now);
	cr_assert_eq(P.rst_seen[0], 1);
	cr_assert_eq(P.t[0].nall, 0, "an aborted socket is freed at once");
	pair_run(&P, XS_NS_PER_MS);
	cr_assert_eq(s->state, XS_TCP_CLOSE);
	cr_assert(xs_tcp_poll(s) & POLLERR);
	cr_assert_eq(xs_tcp_recv(s, &iov, 1, sizeof(b), 0, P.now), -ECONNRESET);
	cr_assert_eq(xs_tcp_recv(s, &iov, 1, sizeof(b), 0, P.now), 0, "then end of stream");
	cr_assert_eq(xs_tcp_send(s, &iov, 1, 1, 0, P.now), -EPIPE);
}

Test(tcp_conn4, close_with_unread_data_resets)
{
	struct xs_tcp_sock *c, *l, *s;

	pair_connect(&P, &c, &l, &s);
	xs_tcp_send(c, &(struct iovec){ "abc", 3 }, 1, 3, 0, P.now);
	pair_run(&P, XS_NS_PER_MS);
	xs_tcp_close(s, false, P.now);
	cr_assert_eq(P.rst_seen[1], 1, "unread data: RST, not FIN (Linux)");
	pair_run(&P, XS_NS_PER_MS);
	cr_assert_eq(c->state, XS_TCP_CLOSE);
}

Test(tcp_conn4, connect_to_closed_port_is_refused)
{
	struct xs_tcp_sock *c = xs_tcp_sock_new(&P.t[0], AF_INET, P.now);
	uint8_t b[1];
	struct iovec iov = { b, 1 };

	memcpy(c->laddr, P.addr[0], 16);
	memcpy(c->raddr, P.addr[1], 16);
	c->lport = 40002;
	c->rport = 81;
	c->owner = c;
	xs_tcp_connect(c, P.now);
	pair_run(&P, XS_NS_PER_MS);
	cr_assert_eq(c->state, XS_TCP_CLOSE);
	cr_assert_eq(xs_tcp_sock_error(c), ECONNREFUSED);
	(void)iov;
}

/* RFC 5961 3.2: an RST inside the window but not at RCV.NXT gets a
 * challenge ACK; the connection survives.  At RCV.NXT it resets. */
Test(tcp_conn4, rst_in_window_gets_challenge_ack)
{
	struct xs_tcp_sock *c, *l, *s;
	struct xs_tcp_repr r = { 0 };
	uint8_t b[64];
	struct xs_pseudo ph;
	uint64_t sent;
	int hl;

	pair_connect(&P, &c, &l, &s);
	r.src_port = 40000;
	r.dst_port = 80;
	r.seq = s->rcv_nxt + 1000;
	r.flags = XS_TCP_RST;
	pair_pseudo(&P, 0, &ph);
	hl = xs_tcp_repr_emit(&r, &ph, b, sizeof(b));
	sent = P.sent[1];
	pair_deliver(&P, 1, b, (size_t)hl);
	cr_assert_eq(s->state, XS_TCP_ESTABLISHED);
	cr_assert_eq(P.sent[1], sent + 1, "one challenge ACK");
	cr_assert_eq(P.last[1].flags, XS_TCP_ACK);
	cr_assert_eq(P.last[1].ack, s->rcv_nxt);
	/* a second one within 500 ms is not answered (rate limit) */
	pair_deliver(&P, 1, b, (size_t)hl);
	cr_assert_eq(P.sent[1], sent + 1);
	/* outside the window: ignored */
	r.seq = s->rcv_nxt + (1u << 30);
	hl = xs_tcp_repr_emit(&r, &ph, b, sizeof(b));
	pair_deliver(&P, 1, b, (size_t)hl);
	cr_assert_eq(s->state, XS_TCP_ESTABLISHED);
	/* exact: reset */
	r.seq = s->rcv_nxt;
	hl = xs_tcp_repr_emit(&r, &ph, b, sizeof(b));
	pair_deliver(&P, 1, b, (size_t)hl);
	cr_assert_eq(s->state, XS_TCP_CLOSE);
	cr_assert_eq(xs_tcp_sock_error(s), ECONNRESET);
}

Test(tcp_conn4, syn_in_established_gets_challenge_ack)
{
	struct xs_tcp_sock *c, *l, *s;
	struct xs_tcp_repr r = { 0 };
	uint8_t b[64];
	struct xs_pseudo ph;
	int hl;

	pair_connect(&P, &c, &l, &s);
	r.src_port = 40000;
	r.dst_port = 80;
	r.seq = s->rcv_nxt + 5;
	r.flags = XS_TCP_SYN;
	r.window = 1000;
	pair_pseudo(&P, 0, &ph);
	hl = xs_tcp_repr_emit(&r, &ph, b, sizeof(b));
	pair_deliver(&P, 1, b, (size_t)hl);
	cr_assert_eq(s->state, XS_TCP_ESTABLISHED);
	cr_assert_eq(P.last[1].flags, XS_TCP_ACK);
	cr_assert_eq(P.t[1].challenge_acks, 1);
}

static bool drop_all_from_a(struct pair *p, int from, const struct xs_tcp_repr *r, void *arg)
{
	(void)p; (void)r; (void)arg;
	return from != 0;
}

Test(tcp_conn4, rto_backs_off_and_user_timeout_ends_it)
{
	struct xs_tcp_sock *c, *l, *s;
	uint64_t t0, sends[8];
	int n = 0;

	pair_connect(&P, &c, &l, &s);
	P.filter = drop_all_from_a;
	c->user_timeout_ms = 10000;
	xs_tcp_send(c, &(struct iovec){ "x", 1 }, 1, 1, 0, P.now);
	t0 = P.now;
	while (n < 8 && c->state == XS_TCP_ESTABLISHED) {
		uint64_t before = P.sent[0];

		if (!pair_step(&P, t0 + 30 * XS_NS_PER_S))
			break;
		if (P.sent[0] != before)
			sends[n++] = P.now - t0;
	}
	cr_assert_geq(n, 4);
	/* each gap doubles (RTO 200 ms floor on this fast path, then 400, 800...) */
	for (int i = 2; i < n && i < 5; i++) {
		uint64_t g1 = sends[i - 1] - sends[i - 2], g2 = sends[i] - sends[i - 1];

		cr_assert(g2 >= 2 * g1 - XS_NS_PER_MS && g2 <= 2 * g1 + XS_NS_PER_MS,
			  "gap %d: %llu then %llu", i, (unsigned long long)g1, (unsigned long long)g2);
	}
	pair_run(&P, 30 * XS_NS_PER_S);
	cr_assert_eq(c->state, XS_TCP_CLOSE);
	cr_assert_eq(xs_tcp_sock_error(c), ETIMEDOUT);
}

Test(tcp_conn4, keepalive_detects_a_vanished_peer)
{
	struct xs_tcp_sock *c, *l, *s;

	pair_connect(&P, &c, &l, &s);
	c->keepalive = true;
	c->keepidle_s = 2;
	c->keepintvl_s = 1;
	c->keepcnt = 3;
	xs_tcp_arm_keepalive(c, P.now);
	/* the peer answers probes while it lives */
	pair_run(&P, 5 * XS_NS_PER_S);
	cr_assert_eq(c->state, XS_TCP_ESTABLISHED);
	cr_assert_gt(P.sent[0], 3);
	P.filter = drop_all_from_a;
	pair_run(&P, 20 * XS_NS_PER_S);
	cr_assert_eq(c->state, XS_TCP_CLOSE);
	cr_assert_eq(xs_tcp_sock_error(c), ETIMEDOUT);
}

Test(tcp_conn4, zero_window_then_reader_catches_up)
{
	struct xs_tcp_sock *c, *l, *s;
	static uint8_t buf[1 << 16];
	uint64_t sent = 0;

	pair_connect(&P, &c, &l, &s);
	xs_tcp_set_rcvbuf(s, 8192);
	/* the server does not read: the client fills its window and stops */
	for (int i = 0; i < 200; i++) {
		struct iovec iov = { buf, sizeof(buf) };
		ssize_t w = xs_tcp_send(c, &iov, 1, sizeof(buf), 0, P.now);

		if (w > 0)
			sent += (uint64_t)w;
		pair_run(&P, 50 * XS_NS_PER_MS);
	}
	cr_assert_eq(c->snd_wnd, 0, "the window closed");
	pair_run(&P, 5 * XS_NS_PER_S);
	cr_assert_eq(c->state, XS_TCP_ESTABLISHED, "persist probes keep it alive");
	/* now read everything */
	uint64_t got = 0;

	for (int i = 0; i < 100000 && got < sent; i++) {
		struct iovec iov = { buf, sizeof(buf) };
		ssize_t r = xs_tcp_recv(s, &iov, 1, sizeof(buf), 0, P.now);

		if (r > 0)
			got += (uint64_t)r;
		else
			pair_step(&P, P.now + 10 * XS_NS_PER_S);
	}
	cr_assert_eq(got, sent);
}

Test(tcp_conn4, urgent_byte_out_of_band)
{
	struct xs_tcp_sock *c, *l, *s;
	uint8_t b[16];
	struct iovec iov = { b, sizeof(b) };

	pair_connect(&P, &c, &l, &s);
	xs_tcp_send(c, &(struct iovec){ "abc", 3 }, 1, 3, 0, P.now);
	xs_tcp_send(c, &(struct iovec){ "X", 1 }, 1, 1, MSG_OOB, P.now);
	xs_tcp_send(c, &(struct iovec){ "de", 2 }, 1, 2, 0, P.now);
	pair_run(&P, XS_NS_PER_S);
	cr_assert(xs_tcp_poll(s) & POLLPRI);
	cr_assert(P.events[1] & XS_TCP_EV_URG);
	cr_assert_eq(xs_tcp_recv(s, &iov, 1, sizeof(b), 0, P.now), 3, "stops at the mark");
	cr_assert_eq(memcmp(b, "abc", 3), 0);
	cr_assert(xs_tcp_at_mark(s));
	cr_assert_eq(xs_tcp_recv(s, &iov, 1, sizeof(b), MSG_OOB, P.now), 1);
	cr_assert_eq(b[0], 'X');
	cr_assert_eq(xs_tcp_recv(s, &iov, 1, sizeof(b), MSG_OOB, P.now), -EINVAL, "read once");
	cr_assert_eq(xs_tcp_recv(s, &iov, 1, sizeof(b), 0, P.now), 2);
	cr_assert_eq(memcmp(b, "de", 2), 0, "the urgent byte is not in the stream");
}

/* Each piece in its own segment, as a Linux sender with TCP_NODELAY sends
 * them, then the FIN (which rcv_nxt counts but the ring does not hold). */
static void send_pieces(struct xs_tcp_sock *c, const char *const *pieces)
{
	c->nodelay = true;
	for (; *pieces; pieces++) {
		bool oob = **pieces == '!';
		const char *p = *pieces + oob;

		xs_tcp_send(c, &(struct iovec){ (void *)p, strlen(p) }, 1, strlen(p),
			    oob ? MSG_OOB : 0, P.now);
		pair_run(&P, 10 * XS_NS_PER_MS);
	}
	xs_tcp_shutdown(c, SHUT_WR, P.now);
	pair_run(&P, XS_NS_PER_S);
}

static ssize_t recv_str(struct xs_tcp_sock *s, char *b, size_t len, int flags)
{
	ssize_t r = xs_tcp_recv(s, &(struct iovec){ b, len }, 1, len, flags, P.now);

	b[r > 0 ? r : 0] = '\0';
	return r;
}

Test(tcp_conn4, urgent_mark_after_fin_and_cleared_when_read_past)
{
	struct xs_tcp_sock *c, *l, *s;
	char b[16];

	pair_connect(&P, &c, &l, &s);
	send_pieces(c, (const char *const[]){ "ab", "!c", "de", NULL });
	cr_assert(s->rcv_fin);
	cr_assert_eq(xs_tcp_inq(s), 2, "FIONREAD ends at the mark");
	cr_assert_eq(recv_str(s, b, sizeof(b), 0), 2);
	cr_assert_str_eq(b, "ab");
	cr_assert(xs_tcp_at_mark(s));
	cr_assert_eq(recv_str(s, b, sizeof(b), MSG_OOB), 1);
	cr_assert_eq(b[0], 'c');
	cr_assert(xs_tcp_at_mark(s), "the mark stays until a read passes it");
	cr_assert_eq(recv_str(s, b, sizeof(b), 0), 2);
	cr_assert_str_eq(b, "de");
	cr_assert_not(xs_tcp_at_mark(s));
	cr_assert_eq(recv_str(s, b, sizeof(b), 0), 0, "then the end of the stream");
	cr_assert_eq(recv_str(s, b, sizeof(b), MSG_OOB), -EINVAL);
}

Test(tcp_conn4, urgent_byte_skipped_by_an_in_band_read_is_gone)
{
	struct xs_tcp_sock *c, *l, *s;
	char b[16];

	pair_connect(&P, &c, &l, &s);
	send_pieces(c, (const char *const[]){ "ab", "!c", "de", NULL });
	cr_assert_eq(recv_str(s, b, sizeof(b), MSG_PEEK), 2);
	cr_assert_eq(recv_str(s, b, sizeof(b), 0), 2);
	cr_assert_eq(recv_str(s, b, sizeof(b), MSG_PEEK), 2, "a peek at the mark steps over it");
	cr_assert_str_eq(b, "de");
	cr_assert_eq(recv_str(s, b, sizeof(b), 0), 2);
	cr_assert_str_eq(b, "de");
	cr_assert_eq(recv_str(s, b, sizeof(b), MSG_OOB), -EINVAL, "read past: no longer urgent");
}

Test(tcp_conn4, oobinline_read_stops_at_the_mark_and_reads_the_byte)
{
	struct xs_tcp_sock *c, *l, *s;
	char b[16];

	pair_connect(&P, &c, &l, &s);
	s->oobinline = true;
	send_pieces(c, (const char *const[]){ "ab", "!c", "de", NULL });
	cr_assert_eq(xs_tcp_inq(s), 5);
	cr_assert_eq(recv_str(s, b, sizeof(b), MSG_OOB), -EINVAL);
	cr_assert_eq(recv_str(s, b, sizeof(b), 0), 2);
	cr_assert(xs_tcp_at_mark(s));
	cr_assert_eq(recv_str(s, b, sizeof(b), 0), 3);
	cr_assert_str_eq(b, "cde");
	cr_assert_not(xs_tcp_at_mark(s));
}

Test(tcp_conn4, a_second_urgent_byte_replaces_the_first)
{
	struct xs_tcp_sock *c, *l, *s;
	char b[16];

	pair_connect(&P, &c, &l, &s);
	send_pieces(c, (const char *const[]){ "ab", "!c", "de", "!f", "gh", NULL });
	cr_assert_eq(recv_str(s, b, sizeof(b), MSG_OOB | MSG_PEEK), 1);
	cr_assert_eq(b[0], 'f');
	cr_assert_eq(recv_str(s, b, sizeof(b), 0), 5, "the old byte is data again");
	cr_assert_str_eq(b, "abcde");
	cr_assert(xs_tcp_at_mark(s));
	cr_assert_eq(recv_str(s, b, sizeof(b), 0), 2);
	cr_assert_str_eq(b, "gh");
	cr_assert_eq(recv_str(s, b, sizeof(b), 0), 0);
}

Test(tcp_conn4, nagle_holds_small_segments_nodelay_does_not)
{
	struct xs_tcp_sock *c, *l, *s;
	uint64_t before;

	P.delay_ns = 10 * XS_NS_PER_MS;
	pair_connect(&P, &c, &l, &s);
	before = P.sent[0];
	xs_tcp_send(c, &(struct iovec){ "a", 1 }, 1, 1, 0, P.now);
	xs_tcp_send(c, &(struct iovec){ "b", 1 }, 1, 1, 0, P.now);
	xs_tcp_send(c, &(struct iovec){ "c", 1 }, 1, 1, 0, P.now);
	cr_assert_eq(P.sent[0], before + 1, "Nagle: one small segment in flight");
	pair_run(&P, XS_NS_PER_S);
	c->nodelay = true;
	before = P.sent[0];
	xs_tcp_send(c, &(struct iovec){ "a", 1 }, 1, 1, 0, P.now);
	xs_tcp_send(c, &(struct iovec){ "b", 1 }, 1, 1, 0, P.now);
	cr_assert_eq(P.sent[0], before + 2, "TCP_NODELAY: each goes at once");
}

Test(tcp_conn4, time_wait_reuse_with_timestamps)
{
	struct xs_tcp_sock *c, *l, *s, *c2;

	pair_connect(&P, &c, &l, &s);
	xs_tcp_close(c, false, P.now);
	pair_run(&P, XS_NS_PER_MS);
	xs_tcp_close(s, false, P.now);
	pair_run(&P, XS_NS_PER_MS);
	cr_assert_eq(c->state, XS_TCP_TIME_WAIT);
	c2 = xs_tcp_sock_new(&P.t[0], AF_INET, P.now);
	memcpy(c2->laddr, P.addr[0], 16);
	memcpy(c2->raddr, P.addr[1], 16);
	c2->lport = 40000;
	c2->rport = 80;
	c2->owner = c2;
	cr_assert_eq(xs_tcp_connect(c2, P.now), -EADDRNOTAVAIL, "too soon");
	P.now += 2 * XS_NS_PER_S;
	cr_assert_eq(xs_tcp_connect(c2, P.now), 0);
	pair_run(&P, XS_NS_PER_MS);
	cr_assert_eq(c2->state, XS_TCP_ESTABLISHED);
	cr_assert_not_null(xs_tcp_accept(l));
}
