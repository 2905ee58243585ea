/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * The fixture the UDP tests share (test_udp_send.c, test_udp_rx.c,
 * test_udp_recv.c): an in-memory device pair, an interface on side A that
 * sends through iface/ip_out.c, a UDP socket table on side B with sockets
 * put straight into a given state, and the frame check every test ends with.
 *
 * Side A is 198.18.0.1 / 2001:db8::1, side B 198.18.0.2 / 2001:db8::2 (and
 * 198.18.0.3 / 2001:db8::3, a second address of B for "bound elsewhere").
 *
 * Checks of what ip_out wrote never use the code under test: ref_csum()
 * and ref_pseudo4/6() of wire_golden.h sum a byte at a time.
 */
#ifndef XS_TESTS_UNIT_UDP_FIXTURE_H
#define XS_TESTS_UNIT_UDP_FIXTURE_H

#include <arpa/inet.h>
#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <criterion/criterion.h>

#include "lib/frames_home.h"

#include "dev/dev.h"
#include "iface/ifnet.h"
#include "iface/ip_in.h"
#include "iface/ip_out.h"
#include "sock/udp.h"
#include "wire/bytes.h"
#include "wire_golden.h"

#define FX_FRAMES    1024
#define FX_FRAME_SZ  2048
#define FX_MAX_SOCKS 16
#define FX_RCVBUF    212992          /* net.core.rmem_default on Debian */
#define FX_IFINDEX   7

static const uint8_t fx_mac_a[6] = { 0x02, 0x00, 0x00, 0x00, 0x00, 0x0a };
static const uint8_t fx_mac_b[6] = { 0x02, 0x00, 0x00, 0x00, 0x00, 0x0b };

struct udp_fx {
	struct xs_dev *a, *b;
	struct xs_pool *pool;
	struct xs_ifnet ifn;
	struct xs_udp_table table;
	struct xs_udp_sock socks[FX_MAX_SOCKS];
	int nsocks;
	bool closed;
};

static struct udp_fx fx;

/* "198.18.0.1" or "2001:db8::1" as the stack stores addresses (IPv4
 * mapped); the wildcards "0.0.0.0" and "::" (and NULL) as all zeros. */
static inline void fx_addr(const char *text, uint8_t out[16])
{
	struct in_addr a4;

	memset(out, 0, 16);
	if (!text || !strcmp(text, "0.0.0.0") || !strcmp(text, "::"))
		return;
	if (inet_pton(AF_INET, text, &a4) == 1) {
		out[10] = out[11] = 0xff;
		memcpy(out + 12, &a4, 4);
		return;
	}
	cr_assert_eq(inet_pton(AF_INET6, text, out), 1, "bad address %s", text);
}

static inline void fx_setup(void)
{
	struct xs_memdev_opts o = { .sz = sizeof(o), .frames = FX_FRAMES,
				    .frame_size = FX_FRAME_SZ,
				    .pool_flags = XS_POOL_F_CHECKED };

	memset(&fx, 0, sizeof(fx));
	cr_assert_eq(xs_memdev_pair__open(&o, &fx.a, &fx.b), 0);
	fx.pool = xs_pool__get(fx.a->pool);
	fx.ifn.ifindex = FX_IFINDEX;
	strcpy(fx.ifn.name, "xs0");
	memcpy(fx.ifn.mac, fx_mac_a, 6);
	fx.ifn.mtu = 1500;
	fx.ifn.dev = fx.a;
	fx.ifn.frame_size = FX_FRAME_SZ;
	fx.ifn.ipv4_id = 0xfff0;            /* wraps during a test */
	fx.ifn.ipv6_frag_id = 0x89abcdef;
}

/* A socket put straight into a state: family, v6only, local address and
 * port, and (raddr non-NULL) connected to raddr:rport.  In the table. */
static inline struct xs_udp_sock *fx_sock(int family, bool v6only, const char *laddr,
					  uint16_t lport, const char *raddr, uint16_t rport)
{
	struct xs_udp_sock *s;

	cr_assert_lt(fx.nsocks, FX_MAX_SOCKS);
	s = &fx.socks[fx.nsocks++];
	xs_udp_sock_init(s, family);
	s->v6only = v6only;
	fx_addr(laddr, s->laddr);
	s->lport = lport;
	if (raddr) {
		s->connected = true;
		fx_addr(raddr, s->raddr);
		s->rport = rport;
	}
	s->rcvbuf = FX_RCVBUF;
	xs_udp_table_insert(&fx.table, s);
	return s;
}

/* Every socket out of the table, its queue given back. */
static inline void fx_drop_socks(void)
{
	for (int i = 0; i < fx.nsocks; i++) {
		xs_udp_table_remove(&fx.table, &fx.socks[i]);
		xs_udp_sock_purge(&fx.socks[i]);
	}
	fx.nsocks = 0;
}

static inline void fx_close(void)
{
	if (fx.closed)
		return;
	fx_drop_socks();
	xs_dev_close(fx.a);
	xs_dev_close(fx.b);
	fx.a = fx.b = NULL;
	fx.closed = true;
}

/* Closing both ends brings home what is still on the wires; anything else
 * out of the pool was lost by the code under test or the test. */
static inline void fx_check_home(void)
{
	fx_close();
	ASSERT_FRAMES_HOME(fx.pool);
}

static inline void fx_teardown(void)
{
	fx_close();
	xs_pool__put(fx.pool);
}

/* The frame check ends every body (tests/lib/frames_home.h). */
#define UDP_TEST(suite, name, ...) \
	TEST_THEN(fx_check_home, suite, name, .init = fx_setup, .fini = fx_teardown, ##__VA_ARGS__)

/* ---- reference checks ---------------------------------------------------- */

/* ref_csum() (wire_golden.h, RFC 1071 a byte at a time) over the
 * pseudo-header (RFC 768 / RFC 8200 §8.1) and the UDP datagram udp[0..len):
 * 0 when the datagram holds its correct checksum. */
static inline uint16_t ref_udp_csum(int family, const uint8_t src[16], const uint8_t dst[16],
				    const uint8_t *udp, size_t len)
{
	uint32_t ph = family == AF_INET
		? ref_pseudo4(src + 12, dst + 12, IPPROTO_UDP, (uint32_t)len)
		: ref_pseudo6(src, dst, IPPROTO_UDP, (uint32_t)len);

	return ref_csum(udp, len, ph);
}

/* Deterministic bytes that differ at every offset mod 251 and per seed,
 * so a byte put in the wrong place shows. */
static inline void fx_pattern(uint8_t *p, size_t n, unsigned int seed)
{
	for (size_t i = 0; i < n; i++)
		p[i] = (uint8_t)((i * 7 + seed * 13 + (i / 251) * 3) % 251);
}

static inline size_t fx_iov_total(const struct iovec *iov, int iovcnt)
{
	size_t n = 0;

	for (int i = 0; i < iovcnt; i++)
		n += iov[i].iov_len;
	return n;
}

/* ---- sending on A, receiving on B ------------------------------------------ */

struct fx_flow {
	int family;
	const char *src, *dst;
	uint16_t sport, dport;
	bool df;
	uint8_t tos;
	uint8_t ttl;
};

static inline void fx_tx_of(const struct fx_flow *fl, struct xs_ip_tx *tx)
{
	memset(tx, 0, sizeof(*tx));
	tx->family = fl->family;
	tx->proto = IPPROTO_UDP;
	tx->ttl = fl->ttl ? fl->ttl : 64;
	tx->tos = fl->tos;
	tx->df = fl->df;
	fx_addr(fl->src, tx->src);
	fx_addr(fl->dst, tx->dst);
	memcpy(tx->dst_mac, fx_mac_b, 6);
}

/* xs_udp_build_header() + xs_ip_send() of the iovec, as sendmsg would;
 * hdr_out (may be NULL) gets the header that was sent. */
static inline int fx_sendv(const struct fx_flow *fl, const struct iovec *iov, int iovcnt,
			   uint8_t hdr_out[XS_UDP_HDR_LEN])
{
	struct xs_ip_tx tx;
	uint8_t hdr[XS_UDP_HDR_LEN];
	size_t len = fx_iov_total(iov, iovcnt);

	fx_tx_of(fl, &tx);
	xs_udp_build_header(hdr, fl->family, tx.src, fl->sport, tx.dst, fl->dport,
			    iov, iovcnt, len);
	if (hdr_out)
		memcpy(hdr_out, hdr, sizeof(hdr));
	return xs_ip_send(&fx.ifn, &tx, hdr, sizeof(hdr), iov, iovcnt, len, 0);
}

static inline int fx_send(const struct fx_flow *fl, const void *payload, size_t len)
{
	struct iovec iov = { .iov_base = (void *)payload, .iov_len = len };

	return fx_sendv(fl, &iov, 1, NULL);
}

/* Frames on B's side of the wire (at most max). */
static inline uint32_t fx_rx(struct xs_frame *f, uint32_t max)
{
	return xs_dev_rx_burst(fx.b, f, max, 0);
}

/* Exactly one frame must be waiting on B. */
static inline struct xs_frame fx_rx_one(void)
{
	struct xs_frame f[2];

	cr_assert_eq(fx_rx(f, 2), 1, "expected exactly one frame on the wire");
	return f[0];
}

/* What the api poll loop does with a frame from B: IP, then UDP.  On a
 * drop the frame is still ours and goes back to B, as the contract says. */
static inline enum xs_drop_reason fx_deliver(const struct xs_frame *f, struct xs_udp_sock **to)
{
	struct xs_rx_pkt pkt;
	enum xs_drop_reason why;

	*to = NULL;
	why = xs_ip_input(f->data, f->len, &pkt);
	if (why == XS_DROP_NONE) {
		cr_assert_eq(pkt.proto, IPPROTO_UDP);
		why = xs_udp_input(&fx.table, &pkt, fx.b, f, FX_IFINDEX, 0, to);
	}
	if (why != XS_DROP_NONE)
		xs_dev_release(fx.b, f, 1);
	return why;
}

/* Sends payload on fl and delivers the one resulting frame on B. */
static inline enum xs_drop_reason fx_send_deliver(const struct fx_flow *fl, const void *payload,
						  size_t len, struct xs_udp_sock **to)
{
	struct xs_frame f;

	cr_assert_eq(fx_send(fl, payload, len), 0);
	f = fx_rx_one();
	return fx_deliver(&f, to);
}

#endif /* XS_TESTS_UNIT_UDP_FIXTURE_H */
