// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * The receive path: frames that iface/ip_out.c wrote on side A arrive on
 * side B, go through xs_ip_input() (iface/ip_in.c) and xs_udp_input()
 * (sock/udp_rx.c), and land on the socket Linux would pick, or are dropped
 * with the reason a counter would show.  A dropped frame stays the
 * caller's (fx_deliver() releases it); a delivered one is the socket's.
 */
#include "test_udp_fixture.h"

#include "wire/eth.h"

static uint8_t payload[9000];

/* ---- the lookup matrix ----------------------------------------------------- */

/* Sockets the cases pick from; all on port 5000 unless said. */
enum {
	W4,        /* AF_INET, 0.0.0.0:5000 */
	B4,        /* AF_INET, 198.18.0.2:5000 */
	C4,        /* AF_INET, 198.18.0.2:5000 connected to 198.18.0.1:7000 */
	O4,        /* AF_INET, 198.18.0.3:5000 (B's other address) */
	W6,        /* AF_INET6, [::]:5000, dual-stack */
	W6ONLY,    /* AF_INET6, [::]:5000, v6only */
	B6,        /* AF_INET6, [2001:db8::2]:5000 */
	C6,        /* AF_INET6, [2001:db8::2]:5000 connected to [2001:db8::1]:7000 */
	M6,        /* AF_INET6, [::ffff:198.18.0.2]:5000 (IPv4-mapped bind) */
	CM6,       /* AF_INET6, [::ffff:198.18.0.2]:5000 connected to [::ffff:198.18.0.1]:7000 */
	W4_6024,   /* AF_INET, 0.0.0.0:6024: same hash bucket as 5000 */
	NSPEC,
	NONE = -1,
};

static const struct {
	const char *name;
	int family;
	bool v6only;
	const char *laddr;
	uint16_t lport;
	const char *raddr;
	uint16_t rport;
} spec[NSPEC] = {
	[W4] = { "W4", AF_INET, false, "0.0.0.0", 5000, NULL, 0 },
	[B4] = { "B4", AF_INET, false, "198.18.0.2", 5000, NULL, 0 },
	[C4] = { "C4", AF_INET, false, "198.18.0.2", 5000, "198.18.0.1", 7000 },
	[O4] = { "O4", AF_INET, false, "198.18.0.3", 5000, NULL, 0 },
	[W6] = { "W6", AF_INET6, false, "::", 5000, NULL, 0 },
	[W6ONLY] = { "W6only", AF_INET6, true, "::", 5000, NULL, 0 },
	[B6] = { "B6", AF_INET6, false, "2001:db8::2", 5000, NULL, 0 },
	[C6] = { "C6", AF_INET6, false, "2001:db8::2", 5000, "2001:db8::1", 7000 },
	[M6] = { "M6", AF_INET6, false, "198.18.0.2", 5000, NULL, 0 },
	[CM6] = { "CM6", AF_INET6, false, "198.18.0.2", 5000, "198.18.0.1", 7000 },
	[W4_6024] = { "W4:6024", AF_INET, false, "0.0.0.0", 6024, NULL, 0 },
};

#define S(x) (1u << (x))

static const struct {
	unsigned int socks;         /* which sockets exist */
	int family;                 /* of the packet, from A (.1) to B (.2) */
	uint16_t sport, dport;
	int want;                   /* the socket that gets it, or NONE */
	const char *src;            /* source other than A's address */
} cases[] = {
	/* IPv4: connected 4-tuple > bound address > wildcard. */
	{ S(W4), AF_INET, 7000, 5000, W4, NULL },
	{ S(W4) | S(B4), AF_INET, 7000, 5000, B4, NULL },
	{ S(B4) | S(W4), AF_INET, 7001, 5000, B4, NULL },
	{ S(W4) | S(B4) | S(C4), AF_INET, 7000, 5000, C4, NULL },
	{ S(W4) | S(B4) | S(C4), AF_INET, 7001, 5000, B4, NULL },     /* wrong peer port */
	{ S(W4) | S(B4) | S(C4), AF_INET, 7000, 5000, B4, "198.18.0.9" }, /* wrong peer */
	{ S(W4) | S(C4), AF_INET, 7001, 5000, W4, NULL },
	{ S(C4), AF_INET, 7001, 5000, NONE, NULL },
	{ S(O4), AF_INET, 7000, 5000, NONE, NULL },                   /* bound elsewhere */
	{ S(O4) | S(W4), AF_INET, 7000, 5000, W4, NULL },
	{ S(W4), AF_INET, 7000, 5001, NONE, NULL },                   /* other port */
	{ S(W4_6024), AF_INET, 7000, 5000, NONE, NULL },              /* same bucket, other port */
	{ S(W4_6024) | S(W4), AF_INET, 7000, 6024, W4_6024, NULL },
	/* IPv4 to AF_INET6 sockets: dual-stack wildcard or mapped bind only. */
	{ S(W6), AF_INET, 7000, 5000, W6, NULL },
	{ S(W6ONLY), AF_INET, 7000, 5000, NONE, NULL },
	{ S(W6ONLY) | S(W4), AF_INET, 7000, 5000, W4, NULL },
	{ S(B6), AF_INET, 7000, 5000, NONE, NULL },
	{ S(W6) | S(W4), AF_INET, 7000, 5000, W4, NULL },             /* AF_INET scores higher */
	{ S(W4) | S(W6), AF_INET, 7000, 5000, W4, NULL },
	{ S(W6) | S(B4), AF_INET, 7000, 5000, B4, NULL },
	{ S(M6), AF_INET, 7000, 5000, M6, NULL },
	{ S(M6) | S(W4), AF_INET, 7000, 5000, M6, NULL },             /* address beats wildcard */
	{ S(M6) | S(W6) | S(CM6), AF_INET, 7000, 5000, CM6, NULL },
	{ S(M6) | S(W6) | S(CM6), AF_INET, 7002, 5000, M6, NULL },
	/* IPv6: never to AF_INET sockets. */
	{ S(W4) | S(B4), AF_INET6, 7000, 5000, NONE, NULL },
	{ S(W6ONLY), AF_INET6, 7000, 5000, W6ONLY, NULL },
	{ S(W6), AF_INET6, 7000, 5000, W6, NULL },
	{ S(W6) | S(W4), AF_INET6, 7000, 5000, W6, NULL },
	{ S(W6) | S(B6), AF_INET6, 7000, 5000, B6, NULL },
	{ S(B6) | S(W6), AF_INET6, 7000, 5000, B6, NULL },
	{ S(W6) | S(B6) | S(C6), AF_INET6, 7000, 5000, C6, NULL },
	{ S(C6) | S(B6) | S(W6), AF_INET6, 7000, 5000, C6, NULL },
	{ S(W6) | S(B6) | S(C6), AF_INET6, 7003, 5000, B6, NULL },
	{ S(W6) | S(B6) | S(C6), AF_INET6, 7000, 5000, B6, "2001:db8::9" },
	{ S(M6), AF_INET6, 7000, 5000, NONE, NULL },
};

static void socks_of(unsigned int mask, struct xs_udp_sock *by_spec[NSPEC])
{
	for (int i = 0; i < NSPEC; i++) {
		by_spec[i] = NULL;
		if (mask & S(i))
			by_spec[i] = fx_sock(spec[i].family, spec[i].v6only, spec[i].laddr,
					     spec[i].lport, spec[i].raddr, spec[i].rport);
	}
}

static const char *name_of(struct xs_udp_sock *s, struct xs_udp_sock *by_spec[NSPEC])
{
	for (int i = 0; i < NSPEC; i++)
		if (s && by_spec[i] == s)
			return spec[i].name;
	return s ? "?" : "none";
}

UDP_TEST(udp_rx, lookup_matrix)
{
	for (size_t c = 0; c < sizeof(cases) / sizeof(cases[0]); c++) {
		struct xs_udp_sock *by_spec[NSPEC], *to;
		struct fx_flow fl = {
			.family = cases[c].family,
			.src = cases[c].src ? cases[c].src
			       : cases[c].family == AF_INET ? "198.18.0.1" : "2001:db8::1",
			.dst = cases[c].family == AF_INET ? "198.18.0.2" : "2001:db8::2",
			.sport = cases[c].sport, .dport = cases[c].dport,
		};
		enum xs_drop_reason why;
		int want = cases[c].want;

		socks_of(cases[c].socks, by_spec);
		why = fx_send_deliver(&fl, payload, 32, &to);
		if (want == NONE) {
			cr_assert_eq(why, XS_DROP_NO_SOCKET, "case %zu: %s, wanted no socket", c,
				     xs_drop_reason_names[why]);
		} else {
			cr_assert_eq(why, XS_DROP_NONE, "case %zu: dropped (%s), wanted %s", c,
				     xs_drop_reason_names[why], spec[want].name);
			cr_assert_eq(to, by_spec[want], "case %zu: went to %s, wanted %s", c,
				     name_of(to, by_spec), spec[want].name);
			for (int i = 0; i < NSPEC; i++)
				if (by_spec[i])
					cr_assert_eq(by_spec[i]->q_count, i == want, "case %zu: %s queue",
						     c, spec[i].name);
		}
		fx_drop_socks();
	}
}

/* ---- what a delivered datagram holds ------------------------------------------ */

UDP_TEST(udp_rx, delivered_zero_copy_with_metadata)
{
	struct xs_udp_sock *s = fx_sock(AF_INET6, false, "::", 9000, NULL, 0), *to;
	const struct fx_flow fl4 = { .family = AF_INET, .src = "198.18.0.1", .dst = "198.18.0.2",
				     .sport = 4321, .dport = 9000, .tos = 0x10, .ttl = 9 };
	const struct fx_flow fl6 = { .family = AF_INET6, .src = "2001:db8::1",
				     .dst = "2001:db8::2", .sport = 4322, .dport = 9000, .ttl = 3 };
	const struct fx_flow *flows[] = { &fl4, &fl6 };

	fx_pattern(payload, 1000, 5);
	for (int k = 0; k < 2; k++) {
		struct xs_frame f;
		struct xs_udp_dgram *d;
		uint8_t src[16];

		cr_assert_eq(fx_send(flows[k], payload, 777), 0);
		f = fx_rx_one();
		cr_assert_eq(fx_deliver(&f, &to), XS_DROP_NONE);
		cr_assert_eq(to, s);
		cr_assert_eq(s->q_count, 1);
		d = xs_udp_head(s);
		cr_assert_eq(d->frame.addr, f.addr, "the received frame itself is queued");
		cr_assert_eq(d->dev, fx.b);
		cr_assert(d->data > f.data && d->data + d->len <= f.data + f.len,
			  "payload points into the frame, no copy");
		cr_assert_eq(d->len, 777);
		cr_assert_arr_eq(d->data, payload, 777);
		cr_assert_eq(d->truesize, 777 + XS_UDP_DGRAM_OVERHEAD);
		cr_assert_eq(s->rcv_used, 777 + XS_UDP_DGRAM_OVERHEAD);
		fx_addr(flows[k]->src, src);
		cr_assert_arr_eq(d->src, src, 16);
		cr_assert_eq(d->sport, flows[k]->sport);
		cr_assert_eq(d->family, flows[k]->family);
		cr_assert_eq(d->ttl, flows[k]->ttl);
		cr_assert_eq(d->tos, flows[k]->tos);
		cr_assert_eq(d->ifindex, FX_IFINDEX);
		xs_udp_dequeue(s);
		cr_assert_eq(s->rcv_used, 0);
	}
}

/* Ethernet pads short frames to 60 bytes: the padding is not payload. */
UDP_TEST(udp_rx, link_padding_is_not_payload)
{
	struct xs_udp_sock *s = fx_sock(AF_INET, false, "0.0.0.0", 9000, NULL, 0), *to;
	const struct fx_flow fl = { .family = AF_INET, .src = "198.18.0.1", .dst = "198.18.0.2",
				    .sport = 1, .dport = 9000 };
	struct xs_frame f;

	cr_assert_eq(fx_send(&fl, "hi", 2), 0);
	f = fx_rx_one();
	cr_assert_eq(f.len, 14 + 20 + 8 + 2);
	memset(f.data + f.len, 0xee, 60 - f.len);
	f.len = 60;
	cr_assert_eq(fx_deliver(&f, &to), XS_DROP_NONE);
	cr_assert_eq(to, s);
	cr_assert_eq(xs_udp_head(s)->len, 2);
}

/* ---- drops ------------------------------------------------------------------------ */

static const struct fx_flow v4 = { .family = AF_INET, .src = "198.18.0.1", .dst = "198.18.0.2",
				   .sport = 7000, .dport = 9000 };
static const struct fx_flow v6 = { .family = AF_INET6, .src = "2001:db8::1",
				   .dst = "2001:db8::2", .sport = 7000, .dport = 9000 };

/* Sends 100 bytes on fl, lets edit() change the frame on B, delivers it. */
static enum xs_drop_reason deliver_edited(const struct fx_flow *fl,
					  void (*edit)(struct xs_frame *f, size_t l3, size_t l4))
{
	struct xs_udp_sock *to;
	struct xs_frame f;
	size_t l3 = XS_ETH_HLEN, l4 = l3 + (fl->family == AF_INET ? 20 : 40);

	fx_pattern(payload, 100, 6);
	cr_assert_eq(fx_send(fl, payload, 100), 0);
	f = fx_rx_one();
	edit(&f, l3, l4);
	return fx_deliver(&f, &to);
}

static void fix_ipv4_csum(struct xs_frame *f, size_t l3)
{
	xs_put16(f->data + l3 + 10, 0);
	xs_put16(f->data + l3 + 10, ref_csum(f->data + l3, 20, 0));
}

static void flip_payload_byte(struct xs_frame *f, size_t l3, size_t l4) { f->data[l4 + 8 + 41] ^= 0x01; }
static void flip_udp_csum(struct xs_frame *f, size_t l3, size_t l4) { f->data[l4 + 7] ^= 0x80; }
static void zero_udp_csum(struct xs_frame *f, size_t l3, size_t l4) { xs_put16(f->data + l4 + 6, 0); }
static void swap_payload_words(struct xs_frame *f, size_t l3, size_t l4)
{
	/* Changes the bytes but keeps a naive sum of bytes: only a proper
	 * checksum sees it. */
	uint8_t t = f->data[l4 + 8];

	f->data[l4 + 8] = f->data[l4 + 9];
	f->data[l4 + 9] = t;
}
static void udp_len_past_ip(struct xs_frame *f, size_t l3, size_t l4) { xs_put16(f->data + l4 + 4, 109); }
static void udp_len_below_8(struct xs_frame *f, size_t l3, size_t l4) { xs_put16(f->data + l4 + 4, 7); }
static void ipv4_cut_udp_header(struct xs_frame *f, size_t l3, size_t l4)
{
	/* A consistent IPv4 packet that carries only 4 bytes of UDP header. */
	xs_put16(f->data + l3 + 2, 24);
	fix_ipv4_csum(f, l3);
	f->len = (uint32_t)(l3 + 24);
}
static void ipv6_cut_udp_header(struct xs_frame *f, size_t l3, size_t l4)
{
	xs_put16(f->data + l3 + 4, 6);
	f->len = (uint32_t)(l4 + 6);
}
static void frame_cut_short(struct xs_frame *f, size_t l3, size_t l4) { f->len -= 10; }
static void ipv4_ttl_changed(struct xs_frame *f, size_t l3, size_t l4) { f->data[l3 + 8]--; }
static void ipv4_csum_field(struct xs_frame *f, size_t l3, size_t l4) { f->data[l3 + 11] ^= 0x04; }
static void ipv4_set_mf(struct xs_frame *f, size_t l3, size_t l4)
{
	f->data[l3 + 6] |= 0x20;
	fix_ipv4_csum(f, l3);
}
static void ipv4_set_offset(struct xs_frame *f, size_t l3, size_t l4)
{
	xs_put16(f->data + l3 + 6, 185);        /* offset 1480, no MF: a last fragment */
	fix_ipv4_csum(f, l3);
}
static void no_edit(struct xs_frame *f, size_t l3, size_t l4) {}

UDP_TEST(udp_rx, bad_udp_checksum)
{
	fx_sock(AF_INET6, false, "::", 9000, NULL, 0);
	cr_assert_eq(deliver_edited(&v4, no_edit), XS_DROP_NONE, "precondition: intact is taken");
	cr_assert_eq(deliver_edited(&v4, flip_payload_byte), XS_DROP_UDP_CSUM);
	cr_assert_eq(deliver_edited(&v6, flip_payload_byte), XS_DROP_UDP_CSUM);
	cr_assert_eq(deliver_edited(&v4, flip_udp_csum), XS_DROP_UDP_CSUM);
	cr_assert_eq(deliver_edited(&v6, flip_udp_csum), XS_DROP_UDP_CSUM);
	cr_assert_eq(deliver_edited(&v4, swap_payload_words), XS_DROP_UDP_CSUM);
	/* Zero means "no checksum" over IPv4 (RFC 768) and is invalid over
	 * IPv6 (RFC 8200 §8.1). */
	cr_assert_eq(deliver_edited(&v6, zero_udp_csum), XS_DROP_UDP_CSUM);
	cr_assert_eq(deliver_edited(&v4, zero_udp_csum), XS_DROP_NONE);
	cr_assert_eq(fx.socks[0].q_count, 2, "only the intact and the IPv4 no-checksum one");
}

UDP_TEST(udp_rx, malformed_udp_length)
{
	fx_sock(AF_INET6, false, "::", 9000, NULL, 0);
	cr_assert_eq(deliver_edited(&v4, udp_len_past_ip), XS_DROP_UDP_MALFORMED);
	cr_assert_eq(deliver_edited(&v6, udp_len_past_ip), XS_DROP_UDP_MALFORMED);
	cr_assert_eq(deliver_edited(&v4, udp_len_below_8), XS_DROP_UDP_MALFORMED);
	cr_assert_eq(deliver_edited(&v6, udp_len_below_8), XS_DROP_UDP_MALFORMED);
	cr_assert_eq(deliver_edited(&v4, ipv4_cut_udp_header), XS_DROP_UDP_MALFORMED);
	cr_assert_eq(deliver_edited(&v6, ipv6_cut_udp_header), XS_DROP_UDP_MALFORMED);
	/* A frame shorter than its IP header says is IP's problem. */
	cr_assert_eq(deliver_edited(&v4, frame_cut_short), XS_DROP_IPV4_MALFORMED);
	cr_assert_eq(deliver_edited(&v6, frame_cut_short), XS_DROP_IPV6_MALFORMED);
	cr_assert_eq(fx.socks[0].q_count, 0);
}

UDP_TEST(udp_rx, no_socket_frame_stays_callers)
{
	uint32_t avail;

	fx_sock(AF_INET, false, "0.0.0.0", 9001, NULL, 0);
	fx_sock(AF_INET6, true, "::", 9001, NULL, 0);
	avail = xs_pool__avail(fx.pool);
	/* fx_deliver() releases the frame on a drop: a frame the socket
	 * layer had kept (or released itself) shows up as lost or as a
	 * double release in the final check. */
	cr_assert_eq(deliver_edited(&v4, no_edit), XS_DROP_NO_SOCKET);
	cr_assert_eq(deliver_edited(&v6, no_edit), XS_DROP_NO_SOCKET);
	cr_assert_eq(xs_pool__avail(fx.pool), avail, "every dropped frame went home");
}

UDP_TEST(udp_rx, bad_ipv4_header_checksum)
{
	fx_sock(AF_INET, false, "0.0.0.0", 9000, NULL, 0);
	cr_assert_eq(deliver_edited(&v4, ipv4_ttl_changed), XS_DROP_IPV4_CSUM);
	cr_assert_eq(deliver_edited(&v4, ipv4_csum_field), XS_DROP_IPV4_CSUM);
	cr_assert_eq(fx.socks[0].q_count, 0);
}

UDP_TEST(udp_rx, fragments_are_dropped)
{
	const struct fx_flow *flows[] = { &v4, &v6 };
	struct xs_frame f[8];
	struct xs_udp_sock *to;

	fx_sock(AF_INET6, false, "::", 9000, NULL, 0);
	/* Every fragment ip_out makes of a 3000-byte datagram, first included. */
	for (int k = 0; k < 2; k++) {
		uint32_t n;

		cr_assert_eq(fx_send(flows[k], payload, 3000), 0);
		n = fx_rx(f, 8);
		cr_assert_eq(n, 3);
		for (uint32_t i = 0; i < n; i++)
			cr_assert_eq(fx_deliver(&f[i], &to), XS_DROP_FRAGMENT, "family %d fragment %u",
				     flows[k]->family, i);
	}
	/* A one-fragment datagram (MF only, or offset only) is a fragment too. */
	cr_assert_eq(deliver_edited(&v4, ipv4_set_mf), XS_DROP_FRAGMENT);
	cr_assert_eq(deliver_edited(&v4, ipv4_set_offset), XS_DROP_FRAGMENT);
	cr_assert_eq(fx.socks[0].q_count, 0);
	/* DF is not a fragment. */
	struct fx_flow df = v4;

	df.df = true;
	cr_assert_eq(fx_send_deliver(&df, payload, 100, &to), XS_DROP_NONE);
	cr_assert_eq(to, &fx.socks[0]);
}
