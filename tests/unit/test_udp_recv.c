// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * The receive queue and recvmsg: sock/udp_sock.c (rcvbuf accounting, FIFO,
 * purge) and sock/udp_recv.c (copy out, MSG_PEEK, MSG_TRUNC, msg_name),
 * fed with real frames: ip_out on side A, ip_in + udp_input on side B.
 */
#include "test_udp_fixture.h"

#include <netinet/in.h>

static const struct fx_flow v4 = { .family = AF_INET, .src = "198.18.0.1", .dst = "198.18.0.2",
				   .sport = 7000, .dport = 9000 };
static const struct fx_flow v6 = { .family = AF_INET6, .src = "2001:db8::1",
				   .dst = "2001:db8::2", .sport = 7001, .dport = 9000 };

static uint8_t payload[4096];

/* Queues a datagram of len bytes (pattern seed) on whatever socket takes it. */
static enum xs_drop_reason put(const struct fx_flow *fl, size_t len, unsigned int seed)
{
	struct xs_udp_sock *to;

	fx_pattern(payload, len, seed);
	return fx_send_deliver(fl, payload, len, &to);
}

static ssize_t recv_into(struct xs_udp_sock *s, void *buf, size_t len, int flags,
			 struct msghdr *msg)
{
	static struct iovec iov;

	iov.iov_base = buf;
	iov.iov_len = len;
	memset(msg, 0, sizeof(*msg));
	msg->msg_iov = &iov;
	msg->msg_iovlen = 1;
	return xs_udp_recv(s, msg, flags);
}

/* ---- rcvbuf ------------------------------------------------------------------------ */

/* Each datagram costs len + XS_UDP_DGRAM_OVERHEAD.  Linux's rule
 * (__udp_enqueue_schedule_skb): refuse only while what is already charged
 * exceeds rcvbuf, so the datagram that crosses the limit still gets in and
 * the next one does not. */
UDP_TEST(udp_recv, rcvbuf_fills_at_the_predicted_byte)
{
	struct xs_udp_sock *s = fx_sock(AF_INET, false, "0.0.0.0", 9000, NULL, 0);
	const uint32_t cost = 100 + XS_UDP_DGRAM_OVERHEAD;
	uint32_t avail;

	s->rcvbuf = 3 * cost;
	for (int i = 0; i < 3; i++)
		cr_assert_eq(put(&v4, 100, (unsigned int)i), XS_DROP_NONE, "datagram %d fits", i);
	cr_assert_eq(s->rcv_used, 3 * cost);
	cr_assert_eq(put(&v4, 100, 3), XS_DROP_NONE, "charged == rcvbuf: one more crosses the limit");
	cr_assert_eq(s->rcv_used, 4 * cost);
	avail = xs_pool__avail(fx.pool);
	cr_assert_eq(put(&v4, 100, 4), XS_DROP_RCVBUF, "over the limit: refused");
	cr_assert_eq(put(&v4, 0, 4), XS_DROP_RCVBUF, "an empty datagram too");
	cr_assert_eq(xs_pool__avail(fx.pool), avail, "refused frames stayed the caller's");
	cr_assert_eq(s->q_count, 4);
	cr_assert_eq(s->rx_drops, 2);

	s->rcvbuf = 4 * cost - 1;
	cr_assert_eq(put(&v4, 100, 5), XS_DROP_RCVBUF, "one byte over");
	s->rcvbuf = 4 * cost;
	cr_assert_eq(put(&v4, 100, 6), XS_DROP_NONE, "exactly at the limit admits one more");
	cr_assert_eq(s->rcv_used, 5 * cost);

	/* Reading one frees its cost, and only its cost. */
	xs_udp_dequeue(s);
	cr_assert_eq(s->rcv_used, 4 * cost);
	cr_assert_eq(put(&v4, 101, 7), XS_DROP_NONE, "at the limit again");
	cr_assert_eq(put(&v4, 100, 8), XS_DROP_RCVBUF, "101 bytes left it one over");
	cr_assert_eq(s->q_count, 5);
}

UDP_TEST(udp_recv, first_datagram_always_fits_an_empty_queue)
{
	struct xs_udp_sock *s = fx_sock(AF_INET6, false, "::", 9000, NULL, 0);
	uint8_t buf[2000];
	struct msghdr msg;

	s->rcvbuf = 100;
	cr_assert_eq(put(&v6, 1400, 1), XS_DROP_NONE, "bigger than rcvbuf, but the queue is empty");
	cr_assert_eq(put(&v4, 0, 2), XS_DROP_RCVBUF, "not a second one");
	cr_assert_eq(recv_into(s, buf, sizeof(buf), 0, &msg), 1400);
	cr_assert_eq(s->rcv_used, 0);
	cr_assert_eq(put(&v4, 1400, 3), XS_DROP_NONE, "empty again");
}

/* ---- order, peek, truncation ---------------------------------------------------- */

UDP_TEST(udp_recv, fifo_order)
{
	struct xs_udp_sock *s = fx_sock(AF_INET6, false, "::", 9000, NULL, 0);
	uint8_t buf[600], want[600];
	struct msghdr msg;

	/* More than the queue's initial ring, so it grows while wrapped. */
	for (unsigned int i = 0; i < 40; i++)
		cr_assert_eq(put(i % 2 ? &v6 : &v4, 10 + i, i), XS_DROP_NONE);
	for (unsigned int i = 0; i < 20; i++) {
		cr_assert_eq(recv_into(s, buf, sizeof(buf), 0, &msg), 10 + i);
		fx_pattern(want, 10 + i, i);
		cr_assert_arr_eq(buf, want, 10 + i, "datagram %u", i);
	}
	for (unsigned int i = 40; i < 140; i++)
		cr_assert_eq(put(i % 2 ? &v6 : &v4, i, i), XS_DROP_NONE);
	for (unsigned int i = 20; i < 140; i++) {
		size_t len = i < 40 ? 10 + i : i;

		cr_assert_eq(recv_into(s, buf, sizeof(buf), 0, &msg), (ssize_t)len, "datagram %u", i);
		fx_pattern(want, len, i);
		cr_assert_arr_eq(buf, want, len, "datagram %u", i);
	}
	cr_assert_eq(s->q_count, 0);
	cr_assert_eq(s->rcv_used, 0);
}

UDP_TEST(udp_recv, peek_leaves_the_datagram)
{
	struct xs_udp_sock *s = fx_sock(AF_INET, false, "0.0.0.0", 9000, NULL, 0);
	uint8_t buf[300], want[300];
	struct msghdr msg;
	uint32_t used;

	cr_assert_eq(put(&v4, 200, 1), XS_DROP_NONE);
	cr_assert_eq(put(&v4, 50, 2), XS_DROP_NONE);
	used = s->rcv_used;
	fx_pattern(want, 200, 1);
	for (int i = 0; i < 2; i++) {
		memset(buf, 0, sizeof(buf));
		cr_assert_eq(recv_into(s, buf, sizeof(buf), MSG_PEEK, &msg), 200);
		cr_assert_arr_eq(buf, want, 200);
		cr_assert_eq(s->q_count, 2);
		cr_assert_eq(s->rcv_used, used);
	}
	/* A short peek is truncated too, and still leaves it. */
	cr_assert_eq(recv_into(s, buf, 10, MSG_PEEK, &msg), 10);
	cr_assert_eq(msg.msg_flags & MSG_TRUNC, MSG_TRUNC);
	cr_assert_eq(recv_into(s, buf, sizeof(buf), 0, &msg), 200);
	cr_assert_eq(recv_into(s, buf, sizeof(buf), 0, &msg), 50, "then the next one");
	cr_assert_eq(s->q_count, 0);
}

UDP_TEST(udp_recv, trunc_flag_and_return_value)
{
	struct xs_udp_sock *s = fx_sock(AF_INET, false, "0.0.0.0", 9000, NULL, 0);
	uint8_t buf[128], want[100];
	struct msghdr msg;

	fx_pattern(want, 100, 9);
	for (int i = 0; i < 5; i++)
		cr_assert_eq(put(&v4, 100, 9), XS_DROP_NONE);

	/* Short buffer: 40 bytes copied, MSG_TRUNC set, the rest discarded. */
	memset(buf, 0xcc, sizeof(buf));
	cr_assert_eq(recv_into(s, buf, 40, 0, &msg), 40);
	cr_assert_eq(msg.msg_flags, MSG_TRUNC);
	cr_assert_arr_eq(buf, want, 40);
	cr_assert_eq(buf[40], 0xcc, "nothing written past the buffer");
	cr_assert_eq(s->q_count, 4, "a truncated datagram is consumed");

	/* MSG_TRUNC in flags: the real length is returned. */
	memset(buf, 0xcc, sizeof(buf));
	cr_assert_eq(recv_into(s, buf, 40, MSG_TRUNC, &msg), 100);
	cr_assert_eq(msg.msg_flags, MSG_TRUNC);
	cr_assert_arr_eq(buf, want, 40);
	cr_assert_eq(buf[40], 0xcc);

	/* Big enough: no flag, either way. */
	cr_assert_eq(recv_into(s, buf, sizeof(buf), 0, &msg), 100);
	cr_assert_eq(msg.msg_flags, 0);
	cr_assert_eq(recv_into(s, buf, sizeof(buf), MSG_TRUNC, &msg), 100);
	cr_assert_eq(msg.msg_flags, 0);
	/* Exactly the size: no flag. */
	cr_assert_eq(recv_into(s, buf, 100, 0, &msg), 100);
	cr_assert_eq(msg.msg_flags, 0);
	cr_assert_eq(s->q_count, 0);
}

UDP_TEST(udp_recv, zero_length_datagram)
{
	struct xs_udp_sock *s = fx_sock(AF_INET, false, "0.0.0.0", 9000, NULL, 0);
	uint8_t buf[8];
	struct msghdr msg;

	cr_assert_eq(put(&v4, 0, 0), XS_DROP_NONE);
	cr_assert_eq(s->rcv_used, XS_UDP_DGRAM_OVERHEAD);
	cr_assert_eq(recv_into(s, buf, sizeof(buf), 0, &msg), 0);
	cr_assert_eq(msg.msg_flags, 0);
	cr_assert_eq(s->q_count, 0, "an empty datagram is still one datagram");
}

UDP_TEST(udp_recv, scatter_into_iovecs)
{
	struct xs_udp_sock *s = fx_sock(AF_INET, false, "0.0.0.0", 9000, NULL, 0);
	uint8_t b0[3], b2[10], b3[7], b4[1000], want[1000];
	struct iovec iov[5] = {
		{ b0, sizeof(b0) }, { NULL, 0 }, { b2, sizeof(b2) }, { b3, sizeof(b3) },
		{ b4, sizeof(b4) },
	};
	struct msghdr msg = { .msg_iov = iov, .msg_iovlen = 5 };

	fx_pattern(want, 700, 4);
	cr_assert_eq(put(&v4, 700, 4), XS_DROP_NONE);
	memset(b4, 0xcc, sizeof(b4));
	cr_assert_eq(xs_udp_recv(s, &msg, 0), 700);
	cr_assert_eq(msg.msg_flags, 0);
	cr_assert_arr_eq(b0, want, 3);
	cr_assert_arr_eq(b2, want + 3, 10);
	cr_assert_arr_eq(b3, want + 13, 7);
	cr_assert_arr_eq(b4, want + 20, 680);
	cr_assert_eq(b4[680], 0xcc);

	/* Spread over the iovecs and still short: truncated at their sum. */
	iov[4].iov_len = 5;
	cr_assert_eq(put(&v4, 700, 4), XS_DROP_NONE);
	cr_assert_eq(xs_udp_recv(s, &msg, 0), 25);
	cr_assert_eq(msg.msg_flags, MSG_TRUNC);
	cr_assert_arr_eq(b4, want + 20, 5);
}

/* ---- msg_name -------------------------------------------------------------------- */

static void recv_name(struct xs_udp_sock *s, void *name, socklen_t namelen, socklen_t *out)
{
	uint8_t buf[64];
	struct iovec iov = { buf, sizeof(buf) };
	struct msghdr msg = { .msg_name = name, .msg_namelen = namelen, .msg_iov = &iov,
			      .msg_iovlen = 1 };

	cr_assert_geq(xs_udp_recv(s, &msg, 0), 0);
	*out = msg.msg_namelen;
}

UDP_TEST(udp_recv, name_af_inet)
{
	struct xs_udp_sock *s = fx_sock(AF_INET, false, "0.0.0.0", 9000, NULL, 0);
	struct sockaddr_in sin;
	socklen_t len;

	cr_assert_eq(put(&v4, 20, 1), XS_DROP_NONE);
	memset(&sin, 0xcc, sizeof(sin));
	recv_name(s, &sin, sizeof(sin), &len);
	cr_assert_eq(len, sizeof(struct sockaddr_in));
	cr_assert_eq(sin.sin_family, AF_INET);
	cr_assert_eq(sin.sin_port, htons(7000));
	cr_assert_eq(sin.sin_addr.s_addr, inet_addr("198.18.0.1"));
	cr_assert_eq(sin.sin_zero[0], 0, "sin_zero cleared");
}

UDP_TEST(udp_recv, name_af_inet6_dual_stack)
{
	struct xs_udp_sock *s = fx_sock(AF_INET6, false, "::", 9000, NULL, 0);
	struct sockaddr_in6 sin6;
	struct in6_addr want;
	socklen_t len;

	/* IPv4 packet: the source as ::ffff:198.18.0.1. */
	cr_assert_eq(put(&v4, 20, 1), XS_DROP_NONE);
	memset(&sin6, 0xcc, sizeof(sin6));
	recv_name(s, &sin6, sizeof(sin6), &len);
	cr_assert_eq(len, sizeof(struct sockaddr_in6));
	cr_assert_eq(sin6.sin6_family, AF_INET6);
	cr_assert_eq(sin6.sin6_port, htons(7000));
	inet_pton(AF_INET6, "::ffff:198.18.0.1", &want);
	cr_assert_arr_eq(&sin6.sin6_addr, &want, 16, "IPv4-mapped source");
	cr_assert_eq(sin6.sin6_flowinfo, 0);
	cr_assert_eq(sin6.sin6_scope_id, 0);

	/* IPv6 packet. */
	cr_assert_eq(put(&v6, 20, 2), XS_DROP_NONE);
	recv_name(s, &sin6, sizeof(sin6), &len);
	cr_assert_eq(len, sizeof(struct sockaddr_in6));
	cr_assert_eq(sin6.sin6_port, htons(7001));
	inet_pton(AF_INET6, "2001:db8::1", &want);
	cr_assert_arr_eq(&sin6.sin6_addr, &want, 16);
}

/* A short msg_namelen gets a truncated address and learns the full size,
 * as the kernel does; a larger one is set down to the real size. */
UDP_TEST(udp_recv, name_truncated_to_namelen)
{
	struct xs_udp_sock *s6 = fx_sock(AF_INET6, false, "::", 9000, NULL, 0);
	uint8_t raw[64], full[sizeof(struct sockaddr_in6)];
	socklen_t len;

	cr_assert_eq(put(&v6, 20, 1), XS_DROP_NONE);
	cr_assert_eq(put(&v6, 20, 2), XS_DROP_NONE);
	cr_assert_eq(put(&v6, 20, 3), XS_DROP_NONE);
	recv_name(s6, full, sizeof(full), &len);
	cr_assert_eq(len, sizeof(full));

	memset(raw, 0xcc, sizeof(raw));
	recv_name(s6, raw, 8, &len);
	cr_assert_eq(len, sizeof(struct sockaddr_in6), "full size reported");
	cr_assert_arr_eq(raw, full, 8, "the first 8 bytes");
	for (size_t i = 8; i < sizeof(raw); i++)
		cr_assert_eq(raw[i], 0xcc, "byte %zu written past msg_namelen", i);

	memset(raw, 0xcc, sizeof(raw));
	recv_name(s6, raw, sizeof(raw), &len);
	cr_assert_eq(len, sizeof(struct sockaddr_in6), "set down to the real size");
	cr_assert_eq(raw[sizeof(struct sockaddr_in6)], 0xcc);

	/* AF_INET socket, room for 4 bytes: family and port only. */
	fx_sock(AF_INET, false, "0.0.0.0", 9000, NULL, 0);
	cr_assert_eq(put(&v4, 20, 4), XS_DROP_NONE);
	memset(raw, 0xcc, sizeof(raw));
	recv_name(&fx.socks[1], raw, 4, &len);
	cr_assert_eq(len, sizeof(struct sockaddr_in));
	cr_assert_eq(raw[4], 0xcc);
	cr_assert_eq(((struct sockaddr *)raw)->sa_family, AF_INET);
}

/* ---- purge ----------------------------------------------------------------------- */

/* Closing a socket with datagrams queued gives every frame back; the final
 * check (fx_check_home) fails on a leak or a double release. */
UDP_TEST(udp_recv, purge_releases_every_frame)
{
	struct xs_udp_sock *s = fx_sock(AF_INET6, false, "::", 9000, NULL, 0);
	uint32_t avail = xs_pool__avail(fx.pool);

	for (unsigned int i = 0; i < 100; i++)
		cr_assert_eq(put(i % 3 ? &v4 : &v6, i * 7, i), XS_DROP_NONE);
	cr_assert_eq(xs_pool__avail(fx.pool), avail - 100, "the queue holds the frames");
	xs_udp_table_remove(&fx.table, s);
	xs_udp_sock_purge(s);
	cr_assert_eq(s->q_count, 0);
	cr_assert_eq(s->rcv_used, 0);
	cr_assert_eq(xs_pool__avail(fx.pool), avail);
	cr_assert_eq(fx.table.count, 0);
	/* Purging twice is harmless (close after an error path). */
	xs_udp_sock_purge(s);
}
