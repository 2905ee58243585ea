// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * Socket options the TCP layer itself obeys, over the fake wire of
 * tcp_pair.h: SO_PEEK_OFF on a stream (socket(7)), SO_RCVLOWAT in poll
 * (tcp_poll()'s rules), TCP_DEFER_ACCEPT (the handshake's bare ACK is
 * ignored until data comes or the SYN-ACK timer runs out), and the
 * buffers a connection takes when it is established (SO_SNDBUF's growth,
 * TCP_WINDOW_CLAMP's value).  The numbers are Linux 6.18's, measured by
 * the conformance suite on the same cases.
 */
#include <criterion/criterion.h>
#include <poll.h>

#include "tcp_pair.h"

static struct pair P;

static void setup4(void) { pair_init(&P, AF_INET); }
static void setup6(void) { pair_init(&P, AF_INET6); }
static void teardown(void) { pair_destroy(&P); }

TestSuite(tcp_opts4, .init = setup4, .fini = teardown);
TestSuite(tcp_opts6, .init = setup6, .fini = teardown);

static ssize_t send_str(struct xs_tcp_sock *tp, const char *s)
{
	struct iovec iov = { (void *)s, strlen(s) };

	return xs_tcp_send(tp, &iov, 1, iov.iov_len, 0, P.now);
}

/* One receive of up to len bytes with flags; the bytes land in out
 * (NUL-terminated). */
static ssize_t recv_str(struct xs_tcp_sock *tp, char *out, size_t len, int flags)
{
	struct iovec iov = { out, len };
	ssize_t n;

	memset(out, 0, len + 1);
	n = xs_tcp_recv(tp, &iov, 1, len, flags, P.now);
	return n;
}

/* A connection with "0123456789" waiting at the server. */
static void connected_with_data(struct xs_tcp_sock **c, struct xs_tcp_sock **s)
{
	struct xs_tcp_sock *l;

	pair_connect(&P, c, &l, s);
	cr_assert_not_null(*s);
	cr_assert_eq(send_str(*c, "0123456789"), 10);
	pair_run(&P, 10 * XS_NS_PER_MS);
	cr_assert_eq((*s)->rcvq.len, 10);
}

/* socket(7): with SO_PEEK_OFF set, each peek starts where the last one
 * ended, and a read moves the offset back by what it took. */
Test(tcp_opts4, peek_off_moves_with_peeks_and_reads)
{
	struct xs_tcp_sock *c, *s;
	char b[64];

	connected_with_data(&c, &s);
	s->peek_off = 0;
	cr_assert_eq(recv_str(s, b, 4, MSG_PEEK), 4);
	cr_assert_str_eq(b, "0123");
	cr_assert_eq(recv_str(s, b, 4, MSG_PEEK), 4);
	cr_assert_str_eq(b, "4567");
	cr_assert_eq(s->peek_off, 8);
	cr_assert_eq(recv_str(s, b, 4, 0), 4);
	cr_assert_str_eq(b, "0123");
	cr_assert_eq(s->peek_off, 4);
	cr_assert_eq(recv_str(s, b, 63, MSG_PEEK), 2);
	cr_assert_str_eq(b, "89");
	/* past the end: nothing to peek yet */
	cr_assert_eq(recv_str(s, b, 63, MSG_PEEK), -EAGAIN);
	cr_assert_eq(s->peek_off, 6);
	/* a read larger than the offset leaves it at 0 */
	cr_assert_eq(recv_str(s, b, 63, 0), 6);
	cr_assert_str_eq(b, "456789");
	cr_assert_eq(s->peek_off, 0);
}

Test(tcp_opts4, peek_off_negative_is_off)
{
	struct xs_tcp_sock *c, *s;
	char b[64];

	connected_with_data(&c, &s);
	cr_assert_eq(s->peek_off, -1, "off by default");
	cr_assert_eq(recv_str(s, b, 4, MSG_PEEK), 4);
	cr_assert_eq(recv_str(s, b, 4, MSG_PEEK), 4);
	cr_assert_str_eq(b, "0123");
	cr_assert_eq(s->peek_off, -1);
	cr_assert_eq(recv_str(s, b, 3, 0), 3);
	cr_assert_eq(s->peek_off, -1);
}

Test(tcp_opts4, peek_off_with_fin_past_the_data_is_eof)
{
	struct xs_tcp_sock *c, *s;
	char b[64];

	connected_with_data(&c, &s);
	xs_tcp_shutdown(c, SHUT_WR, P.now);
	pair_run(&P, 10 * XS_NS_PER_MS);
	s->peek_off = 10;
	cr_assert_eq(recv_str(s, b, 8, MSG_PEEK), 0);
}

/* tcp_poll(): POLLIN once SO_RCVLOWAT bytes are queued. */
Test(tcp_opts4, rcvlowat_gates_pollin)
{
	struct xs_tcp_sock *c, *l, *s;

	pair_connect(&P, &c, &l, &s);
	s->rcvlowat = 10;
	cr_assert_eq(send_str(c, "aaaaa"), 5);
	pair_run(&P, 10 * XS_NS_PER_MS);
	cr_assert_eq(s->rcvq.len, 5);
	cr_assert_eq(xs_tcp_poll(s) & POLLIN, 0);
	cr_assert(!xs_tcp_rcv_ready(s, s->rcvlowat));
	cr_assert_eq(send_str(c, "bbbbb"), 5);
	pair_run(&P, 10 * XS_NS_PER_MS);
	cr_assert_eq(xs_tcp_poll(s) & (POLLIN | POLLRDNORM), POLLIN | POLLRDNORM);
	/* the peer's FIN makes it readable whatever is queued */
	s->rcvlowat = 100;
	cr_assert_eq(xs_tcp_poll(s) & POLLIN, 0);
	xs_tcp_shutdown(c, SHUT_WR, P.now);
	pair_run(&P, 10 * XS_NS_PER_MS);
	cr_assert_eq(xs_tcp_poll(s) & POLLIN, POLLIN);
}

/* ... or when the buffer is nearly full (tcp_rmem_pressure()), so a mark
 * the buffer cannot reach does not stall the connection. */
Test(tcp_opts4, rcvlowat_beyond_the_buffer_still_wakes)
{
	struct xs_tcp_sock *c, *l, *s;
	static char big[8192];

	l = NULL;
	pair_connect(&P, &c, &l, &s);
	xs_tcp_set_rcvbuf(s, 4096);	/* 2048 bytes of payload */
	s->rcvlowat = 100000;
	memset(big, 'x', sizeof(big));
	for (int i = 0; i < 20; i++) {
		struct iovec iov = { big, sizeof(big) };

		xs_tcp_send(c, &iov, 1, sizeof(big), 0, P.now);
		pair_run(&P, 300 * XS_NS_PER_MS);
	}
	cr_assert_gt(s->rcvq.len, 0);
	cr_assert_eq(xs_tcp_poll(s) & POLLIN, POLLIN, "queued %u", s->rcvq.len);
}

/* TCP_DEFER_ACCEPT: a handshake without data stays off the accept queue;
 * the data makes the connection acceptable, with the data in it. */
static struct xs_tcp_sock *defer_listener(uint8_t retrans)
{
	struct xs_tcp_sock *l = xs_tcp_sock_new(&P.t[1], P.family, P.now);

	memcpy(l->laddr, P.addr[1], 16);
	l->lport = 80;
	l->owner = l;
	l->defer_accept = retrans;
	xs_tcp_listen(l, 128);
	return l;
}

static struct xs_tcp_sock *client(void)
{
	struct xs_tcp_sock *c = xs_tcp_sock_new(&P.t[0], P.family, P.now);

	memcpy(c->laddr, P.addr[0], 16);
	memcpy(c->raddr, P.addr[1], 16);
	c->lport = 40000;
	c->rport = 80;
	c->link = 0;
	c->link_mtu = 1500;
	c->owner = c;
	xs_tcp_connect(c, P.now);
	return c;
}

Test(tcp_opts4, defer_accept_waits_for_data)
{
	struct xs_tcp_sock *l = defer_listener(1), *c = client(), *s;
	char b[16];

	pair_run(&P, 300 * XS_NS_PER_MS);
	cr_assert_eq(c->state, XS_TCP_ESTABLISHED);
	cr_assert_null(l->accept_head, "acceptable without data");
	cr_assert_eq(l->syn_queued, 1);
	cr_assert_eq(send_str(c, "hello"), 5);
	pair_run(&P, 10 * XS_NS_PER_MS);
	s = xs_tcp_accept(l);
	cr_assert_not_null(s);
	s->owner = s;
	cr_assert_eq(s->state, XS_TCP_ESTABLISHED);
	cr_assert_eq(recv_str(s, b, 15, 0), 5);
	cr_assert_str_eq(b, "hello");
}

/* Without data, the connection is acceptable after defer_accept SYN-ACK
 * timeouts: the last one resends the SYN-ACK and the client's ACK of it
 * completes the handshake (1 s, then 2 s, then 4 s: 7 s for 3). */
/* Runs the pair until the absolute time t. */
static void run_until(uint64_t t)
{
	while (pair_step(&P, t))
		;
	P.now = t;
}

Test(tcp_opts4, defer_accept_gives_up_waiting)
{
	struct xs_tcp_sock *l = defer_listener(3), *c = client();
	uint64_t start = P.now, synacks;

	run_until(start + 100 * XS_NS_PER_MS);
	synacks = P.sent[1];
	run_until(start + 6900 * XS_NS_PER_MS);
	cr_assert_null(l->accept_head);
	cr_assert_eq(P.sent[1], synacks, "a SYN-ACK before the last timeout");
	run_until(start + 7100 * XS_NS_PER_MS);
	cr_assert_not_null(l->accept_head);
	cr_assert_eq(P.sent[1], synacks + 1);
	cr_assert_geq(P.now - start, 7 * XS_NS_PER_S);
	cr_assert_eq(c->state, XS_TCP_ESTABLISHED);
}

Test(tcp_opts4, defer_accept_seconds_to_retransmissions)
{
	/* TCP_DEFER_ACCEPT reads back 1, 3, 7, 15 ... for these */
	cr_assert_eq(xs_tcp_defer_retrans(0), 0);
	cr_assert_eq(xs_tcp_defer_retrans(-5), 0);
	cr_assert_eq(xs_tcp_defer_retrans(1), 1);
	cr_assert_eq(xs_tcp_defer_retrans(2), 2);
	cr_assert_eq(xs_tcp_defer_retrans(3), 2);
	cr_assert_eq(xs_tcp_defer_retrans(7), 3);
	cr_assert_eq(xs_tcp_defer_retrans(8), 4);
	cr_assert_eq(xs_tcp_defer_retrans(1000000), 255);
}

/* tcp_init_buffer_space() at the handshake: SO_SNDBUF 16384 grows to
 * 2 * 10 segments of 2304 bytes (46080, Linux's value over a 1500-byte
 * link), the window clamp is half the receive buffer less a segment. */
Test(tcp_opts4, buffers_at_establishment)
{
	struct xs_tcp_sock *c, *l, *s;

	pair_connect(&P, &c, &l, &s);
	cr_assert_eq(c->sndbuf, 46080);
	cr_assert_eq(s->sndbuf, 46080);
	cr_assert_eq(xs_tcp_window_clamp(c), 65536 - 1448);
	cr_assert_eq(xs_tcp_window_clamp(s), 65536 - 1448);
}
Test(tcp_opts6, buffers_at_establishment)
{
	struct xs_tcp_sock *c, *l, *s;

	pair_connect(&P, &c, &l, &s);
	cr_assert_eq(c->sndbuf, 46080);
	cr_assert_eq(xs_tcp_window_clamp(c), 65536 - 1428);
}

/* A set SO_SNDBUF stays; a set SO_RCVBUF bounds the clamp (the
 * conformance suite's listener options: 15396). */
Test(tcp_opts4, set_buffers_bound_what_the_handshake_takes)
{
	struct xs_tcp_sock *l = xs_tcp_sock_new(&P.t[1], P.family, P.now), *c, *s;

	memcpy(l->laddr, P.addr[1], 16);
	l->lport = 80;
	l->owner = l;
	xs_tcp_set_sndbuf(l, 32768);
	xs_tcp_set_rcvbuf(l, 32768);
	l->window_clamp = 30000;
	l->user_mss = 1000;
	xs_tcp_listen(l, 128);
	c = client();
	pair_run(&P, 100 * XS_NS_PER_MS);
	s = xs_tcp_accept(l);
	cr_assert_not_null(s);
	s->owner = s;
	cr_assert_eq(s->sndbuf, 32768);
	cr_assert_eq(xs_tcp_window_clamp(s), 16384 - 988);
	cr_assert_eq(c->state, XS_TCP_ESTABLISHED);
}
