// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * wire/ on bytes that lie: length fields that disagree, TCP and NDP
 * options that would make a careless parser loop or overrun, extension
 * header chains, zero UDP checksums, ICMP errors and their quotes, VLAN
 * stacks; and random reprs through emit and parse again.
 */
#include <arpa/inet.h>
#include <criterion/criterion.h>
#include <string.h>

#include "wire/arp.h"
#include "wire/eth.h"
#include "wire/icmp4.h"
#include "wire/icmp6.h"
#include "wire/ipv4.h"
#include "wire/ipv6.h"
#include "wire/tcp.h"
#include "wire/udp.h"
#include "wire_golden.h"

static uint64_t rng_next(uint64_t *s)
{
	*s ^= *s << 13;
	*s ^= *s >> 7;
	*s ^= *s << 17;
	return *s;
}

/* ---- IPv4 ---------------------------------------------------------------- */

/* The golden SYN's IP packet, with room after it. */
static size_t ip4_copy(uint8_t *buf)
{
	memcpy(buf, golden_syn + 14, sizeof(golden_syn) - 14);
	return sizeof(golden_syn) - 14;
}

static void ip4_fix_csum(uint8_t *ip)
{
	xs_put16(ip + 10, 0);
	xs_put16(ip + 10, ref_csum(ip, (size_t)(ip[0] & 15) * 4, 0));
}

Test(wire_ipv4, inconsistent_lengths)
{
	struct xs_ipv4_view v;
	uint8_t ip[128];
	size_t len = ip4_copy(ip);

	ip[0] = 0x44;			/* ihl 4 */
	cr_assert_eq(xs_ipv4_view_init(&v, ip, len), -EBADMSG);
	ip[0] = 0x65;			/* version 6 */
	cr_assert_eq(xs_ipv4_view_init(&v, ip, len), -EBADMSG);
	ip[0] = 0x4f;			/* ihl 15: 60 bytes, as many as there are */
	cr_assert_eq(xs_ipv4_view_init(&v, ip, len), 0);
	cr_assert_eq(xs_ipv4_view_init(&v, ip, 59), -EBADMSG, "ihl * 4 > len");
	xs_put16(ip + 2, 59);		/* tot_len < ihl * 4 */
	cr_assert_eq(xs_ipv4_view_init(&v, ip, len), -EBADMSG);
	ip[0] = 0x45;
	xs_put16(ip + 2, 61);		/* tot_len > len */
	cr_assert_eq(xs_ipv4_view_init(&v, ip, len), -EBADMSG);
	xs_put16(ip + 2, 19);
	cr_assert_eq(xs_ipv4_view_init(&v, ip, len), -EBADMSG);
	xs_put16(ip + 2, 20);		/* header only */
	cr_assert_eq(xs_ipv4_view_init(&v, ip, len), 0);
	cr_assert_eq(xs_ipv4_payload_len(&v), 0);
}

Test(wire_ipv4, trailing_padding_is_left_out)
{
	struct xs_ipv4_view v;
	uint8_t ip[128];
	size_t len = ip4_copy(ip);

	memset(ip + len, 0, 6);		/* a 60-byte Ethernet minimum pads */
	cr_assert_eq(xs_ipv4_view_init(&v, ip, len + 6), 0);
	cr_assert_eq(v.len, len);
	cr_assert_eq(xs_ipv4_payload_len(&v), 40);
}

Test(wire_ipv4, options_and_fragments_round_trip)
{
	struct xs_ipv4_repr r = {
		.proto = IPPROTO_UDP, .ttl = 1, .tos = 0xb9, .id = 0xbeef,
		.mf = true, .frag_off = 1480, .payload_len = 8,
		/* Router alert (RFC 2113), 4 bytes, then 3 bytes to pad. */
		.opts_len = 5, .opts = { 0x94, 0x04, 0x00, 0x00, XS_OPT_NOP },
	}, back;
	struct xs_ipv4_view v;
	uint8_t buf[64];

	r.src.s_addr = inet_addr("198.18.0.1");
	r.dst.s_addr = inet_addr("198.18.1.2");
	cr_assert_eq(xs_ipv4_repr_hdr_len(&r), 28);
	cr_assert_eq(xs_ipv4_repr_emit(&r, buf, 35), -ENOSPC);
	cr_assert_eq(xs_ipv4_repr_emit(&r, buf, sizeof(buf)), 28);
	cr_assert_eq(ref_csum(buf, 28, 0), 0);
	cr_assert_eq(xs_ipv4_view_init(&v, buf, 36), 0);
	cr_assert(xs_ipv4_is_frag(&v));
	cr_assert_eq(xs_ipv4_dscp(&v), 0xb9 >> 2);
	cr_assert_eq(xs_ipv4_ecn(&v), 1);
	cr_assert_eq(xs_ipv4_repr_parse(&v, &back), 0);
	cr_assert_eq(back.opts_len, 8);
	cr_assert_arr_eq(back.opts, ((uint8_t[]){ 0x94, 4, 0, 0, 1, 0, 0, 0 }), 8);
	back.opts_len = r.opts_len;	/* padding comes back as EOL */
	memset(back.opts + 5, 0, sizeof(back.opts) - 5);
	cr_assert_arr_eq(&back, &r, sizeof(r));

	r.frag_off = 3;
	cr_assert_eq(xs_ipv4_repr_emit(&r, buf, sizeof(buf)), -EINVAL);
}

Test(wire_ipv4, bad_checksum_and_bad_options_rejected)
{
	struct xs_ipv4_view v;
	struct xs_ipv4_repr r;
	uint8_t ip[128];
	size_t len;
	static const uint8_t bad_opts[][4] = {
		{ 0x94, 0x00, 0x00, 0x00 },	/* length 0 */
		{ 0x94, 0x01, 0x00, 0x00 },	/* length 1 */
		{ 0x94, 0x05, 0x00, 0x00 },	/* past the header */
		{ XS_OPT_NOP, XS_OPT_NOP, XS_OPT_NOP, 0x83 },	/* no length byte */
	};
	size_t i;

	len = ip4_copy(ip);
	ip[11] ^= 1;
	cr_assert_eq(xs_ipv4_view_init(&v, ip, len), 0);
	cr_assert(!xs_ipv4_csum_ok(&v));
	cr_assert_eq(xs_ipv4_repr_parse(&v, &r), -EBADMSG);

	for (i = 0; i < sizeof(bad_opts) / sizeof(bad_opts[0]); i++) {
		/* 24-byte header: the 20 of the SYN and one option word. */
		memcpy(ip, golden_syn + 14, 20);
		memcpy(ip + 20, bad_opts[i], 4);
		ip[0] = 0x46;
		xs_put16(ip + 2, 24);
		ip4_fix_csum(ip);
		cr_assert_eq(xs_ipv4_view_init(&v, ip, 24), 0);
		cr_assert(xs_ipv4_csum_ok(&v));
		cr_assert_eq(xs_ipv4_repr_parse(&v, &r), -EBADMSG, "option %zu", i);
	}
}

/* ---- IPv6 and its extension headers ------------------------------------ */

/* An IPv6 packet with the given extension headers before 8 bytes of UDP. */
static size_t ip6_build(uint8_t *buf, uint8_t first_nh, const uint8_t *ext, size_t ext_len)
{
	memcpy(buf, golden_udp6 + 14, 40);
	buf[6] = first_nh;
	memcpy(buf + 40, ext, ext_len);
	memcpy(buf + 40 + ext_len, golden_udp6 + 54, 8);
	xs_put16(buf + 40 + ext_len + 4, 8);	/* no data; checksum not asked */
	xs_put16(buf + 4, (uint16_t)(ext_len + 8));
	return 40 + ext_len + 8;
}

Test(wire_ipv6, inconsistent_lengths)
{
	struct xs_ipv6_view v;
	uint8_t ip[128];

	memcpy(ip, golden_udp6 + 14, 59);
	cr_assert_eq(xs_ipv6_view_init(&v, ip, 59), 0);
	cr_assert_eq(xs_ipv6_view_init(&v, ip, 58), -EBADMSG, "payload_len > len - 40");
	cr_assert_eq(xs_ipv6_view_init(&v, ip, 39), -EBADMSG);
	memset(ip + 59, 0, 5);
	cr_assert_eq(xs_ipv6_view_init(&v, ip, 64), 0, "trailing padding");
	cr_assert_eq(xs_ipv6_payload_len(&v), 19);
	ip[0] = 0x40;
	cr_assert_eq(xs_ipv6_view_init(&v, ip, 59), -EBADMSG, "version 4");
	/* A quote keeps what is there. */
	ip[0] = 0x60;
	cr_assert_eq(xs_ipv6_view_init_quote(&v, ip, 50), 0);
	cr_assert_eq(xs_ipv6_payload_len(&v), 10);
}

Test(wire_ipv6, extension_chain_to_udp)
{
	/* hop-by-hop (PadN) -> routing (type 0 segments left 0) -> dest opts
	 * -> fragment (offset 0, M, id 0x01020304) -> AH (12 bytes) -> UDP */
	static const uint8_t ext[] = {
		XS_IPV6_NH_ROUTING, 0, 1, 4, 0, 0, 0, 0,
		XS_IPV6_NH_DSTOPTS, 0, 0, 0, 0, 0, 0, 0,
		XS_IPV6_NH_FRAGMENT, 0, 1, 4, 0, 0, 0, 0,
		XS_IPV6_NH_AH, 0, 0x00, 0x01, 0x01, 0x02, 0x03, 0x04,
		IPPROTO_UDP, 1, 0, 0, 0, 0, 0, 1, 0, 0, 0, 1,
	};
	struct xs_ipv6_view v;
	struct xs_ipv6_ext e;
	struct xs_udp_view u;
	uint8_t ip[128];
	size_t len = ip6_build(ip, XS_IPV6_NH_HOPOPTS, ext, sizeof(ext)), n;

	cr_assert_eq(xs_ipv6_view_init(&v, ip, len), 0);
	cr_assert_eq(xs_ipv6_ext_walk(&v, &e), 0);
	cr_assert_eq(e.proto, IPPROTO_UDP);
	cr_assert_eq(e.off, sizeof(ext));
	cr_assert_eq(e.count, 5);
	cr_assert(e.frag);
	cr_assert(e.frag_more);
	cr_assert_eq(e.frag_off, 0);
	cr_assert_eq(e.frag_id, 0x01020304);
	cr_assert_eq(xs_udp_view_init(&u, xs_ipv6_payload(&v) + e.off,
				      xs_ipv6_payload_len(&v) - e.off), 0);
	cr_assert_eq(xs_udp_dst_port(&u), 9000);

	/* Cut anywhere inside the chain: the walk fails, it does not read on. */
	for (n = 0; n < sizeof(ext); n++) {
		xs_put16(ip + 4, (uint16_t)n);
		cr_assert_eq(xs_ipv6_view_init(&v, ip, 40 + n), 0);
		cr_assert_eq(xs_ipv6_ext_walk(&v, &e), -EBADMSG, "cut at %zu", n);
	}
}

Test(wire_ipv6, later_fragment_stops_the_walk)
{
	static const uint8_t frag[] = { IPPROTO_UDP, 0, 0x05, 0xc8, 0xca, 0xfe, 0xf0, 0x0d };
	struct xs_ipv6_view v;
	struct xs_ipv6_ext e;
	uint8_t ip[128];
	size_t len = ip6_build(ip, XS_IPV6_NH_FRAGMENT, frag, sizeof(frag));

	cr_assert_eq(xs_ipv6_view_init(&v, ip, len), 0);
	cr_assert_eq(xs_ipv6_ext_walk(&v, &e), 0);
	cr_assert(e.frag);
	cr_assert_eq(e.frag_off, 0x05c8);
	cr_assert(!e.frag_more);
	cr_assert_eq(e.frag_id, 0xcafef00d);
	cr_assert_eq(e.proto, IPPROTO_UDP);
	cr_assert_eq(e.off, 8);
}

Test(wire_ipv6, bad_chains_rejected)
{
	uint8_t ext[16 * 8], ip[256];
	struct xs_ipv6_view v;
	struct xs_ipv6_ext e;
	size_t len, i;

	/* hop-by-hop after another header */
	memset(ext, 0, 16);
	ext[0] = XS_IPV6_NH_HOPOPTS;
	ext[8] = IPPROTO_UDP;
	len = ip6_build(ip, XS_IPV6_NH_DSTOPTS, ext, 16);
	cr_assert_eq(xs_ipv6_view_init(&v, ip, len), 0);
	cr_assert_eq(xs_ipv6_ext_walk(&v, &e), -EBADMSG);

	/* XS_IPV6_MAX_EXT destination options headers pass, one more fails */
	for (i = 0; i <= XS_IPV6_MAX_EXT; i++) {
		memset(ext + 8 * i, 0, 8);
		ext[8 * i] = i < XS_IPV6_MAX_EXT - 1 ? XS_IPV6_NH_DSTOPTS : IPPROTO_UDP;
	}
	len = ip6_build(ip, XS_IPV6_NH_DSTOPTS, ext, 8 * XS_IPV6_MAX_EXT);
	cr_assert_eq(xs_ipv6_view_init(&v, ip, len), 0);
	cr_assert_eq(xs_ipv6_ext_walk(&v, &e), 0);
	cr_assert_eq(e.count, XS_IPV6_MAX_EXT);
	ext[8 * (XS_IPV6_MAX_EXT - 1)] = XS_IPV6_NH_DSTOPTS;
	ext[8 * XS_IPV6_MAX_EXT] = IPPROTO_UDP;
	len = ip6_build(ip, XS_IPV6_NH_DSTOPTS, ext, 8 * (XS_IPV6_MAX_EXT + 1));
	cr_assert_eq(xs_ipv6_view_init(&v, ip, len), 0);
	cr_assert_eq(xs_ipv6_ext_walk(&v, &e), -EBADMSG);

	/* a header whose length runs past the packet */
	memset(ext, 0, 8);
	ext[1] = 200;
	len = ip6_build(ip, XS_IPV6_NH_ROUTING, ext, 8);
	cr_assert_eq(xs_ipv6_view_init(&v, ip, len), 0);
	cr_assert_eq(xs_ipv6_ext_walk(&v, &e), -EBADMSG);

	/* no next header: nothing to walk into */
	len = ip6_build(ip, XS_IPV6_NH_NONE, ext, 0);
	cr_assert_eq(xs_ipv6_view_init(&v, ip, len), 0);
	cr_assert_eq(xs_ipv6_ext_walk(&v, &e), 0);
	cr_assert_eq(e.proto, XS_IPV6_NH_NONE);
}

Test(wire_ipv6, repr_round_trip)
{
	uint64_t seed = 0x5eed0601;
	struct xs_ipv6_repr r, back;
	struct xs_ipv6_view v;
	uint8_t buf[40 + 64];
	int i;

	for (i = 0; i < 1000; i++) {
		memset(&r, 0, sizeof(r));
		r.src.s6_addr32[0] = (uint32_t)rng_next(&seed);
		r.src.s6_addr32[3] = (uint32_t)rng_next(&seed);
		r.dst.s6_addr32[1] = (uint32_t)rng_next(&seed);
		r.next_header = (uint8_t)rng_next(&seed);
		r.hop_limit = (uint8_t)rng_next(&seed);
		r.tclass = (uint8_t)rng_next(&seed);
		r.flow = (uint32_t)rng_next(&seed) & 0xfffff;
		r.payload_len = rng_next(&seed) % 65;
		cr_assert_eq(xs_ipv6_repr_emit(&r, buf, 40 + r.payload_len), 40);
		cr_assert_eq(xs_ipv6_repr_emit(&r, buf, 39 + r.payload_len), -ENOSPC);
		cr_assert_eq(xs_ipv6_view_init(&v, buf, sizeof(buf)), 0);
		cr_assert_eq(xs_ipv6_repr_parse(&v, &back), 0);
		cr_assert_arr_eq(&back, &r, sizeof(r));
	}
	r.flow = 0x100000;
	cr_assert_eq(xs_ipv6_repr_emit(&r, buf, sizeof(buf)), -EINVAL);
}

/* ---- TCP ---------------------------------------------------------------- */

static int opts_parse(const uint8_t *o, size_t len, struct xs_tcp_opts *out)
{
	return xs_tcp_opts_parse(o, len, out);
}

/* .timeout: a parser that loops on a bad option fails here, not hangs. */
Test(wire_tcp, malformed_options_rejected_without_looping, .timeout = 5)
{
	static const struct {
		uint8_t len;
		uint8_t b[12];
		const char *what;
	} bad[] = {
		{ 4, { 0x22, 0x00, 0x01, 0x01 }, "unknown kind, length 0" },
		{ 4, { XS_TCPOPT_MSS, 0x00, 0x05, 0xb4 }, "MSS, length 0" },
		{ 4, { XS_TCPOPT_MSS, 0x01, 0x05, 0xb4 }, "MSS, length 1" },
		{ 4, { 0x22, 0x01, 0x01, 0x01 }, "unknown kind, length 1" },
		{ 4, { XS_OPT_NOP, XS_OPT_NOP, 0x22, 0x03 }, "length past the end" },
		{ 4, { XS_OPT_NOP, XS_OPT_NOP, XS_OPT_NOP, 0x22 }, "no room for a length" },
		{ 8, { XS_TCPOPT_MSS, 0x05, 0x05, 0xb4, 0x00, XS_OPT_NOP, XS_OPT_NOP, XS_OPT_NOP }, "overlong MSS" },
		{ 4, { XS_TCPOPT_MSS, 0x03, 0x05, XS_OPT_NOP }, "short MSS" },
		{ 4, { XS_TCPOPT_WSCALE, 0x04, 0x07, 0x00 }, "window scale, length 4" },
		{ 4, { XS_TCPOPT_SACK_PERM, 0x03, 0x00, 0x00 }, "SACK-permitted, length 3" },
		{ 12, { XS_TCPOPT_TS, 0x0c }, "timestamps, length 12" },
		{ 4, { XS_TCPOPT_SACK, 0x02, 0x00, 0x00 }, "SACK without a block" },
		{ 12, { XS_TCPOPT_SACK, 0x0b }, "SACK, length not 2 + 8n" },
	};
	struct xs_tcp_opts o;
	size_t i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		cr_assert_eq(opts_parse(bad[i].b, bad[i].len, &o), -EBADMSG, "%s", bad[i].what);
}

Test(wire_tcp, option_edge_cases)
{
	struct xs_tcp_opts o;
	uint8_t b[40];
	unsigned int i;

	/* window scale above 14 counts as 14 */
	cr_assert_eq(opts_parse((uint8_t[]){ XS_OPT_NOP, XS_TCPOPT_WSCALE, 3, 20 }, 4, &o), 0);
	cr_assert(o.has_wscale);
	cr_assert_eq(o.wscale, XS_TCP_MAX_WSCALE);
	/* unknown kinds skipped by length; EOL ends the list, junk after it
	 * is not read */
	cr_assert_eq(opts_parse((uint8_t[]){ 0xfe, 6, 0, 0, 0, 0, XS_TCPOPT_MSS, 4, 0x23, 0x28,
					     XS_OPT_EOL, 0, 0x55, 0x55 }, 14, &o), 0);
	cr_assert(o.has_mss);
	cr_assert_eq(o.mss, 9000);
	/* 40 bytes of NOP */
	memset(b, XS_OPT_NOP, sizeof(b));
	cr_assert_eq(opts_parse(b, sizeof(b), &o), 0);
	cr_assert(!o.has_mss && !o.has_ts && !o.sack_perm && !o.has_wscale && !o.nsack);
	/* four SACK blocks fill 34 bytes */
	b[0] = XS_OPT_NOP;
	b[1] = XS_OPT_NOP;
	b[2] = XS_TCPOPT_SACK;
	b[3] = 2 + 4 * 8;
	for (i = 0; i < 8; i++)
		xs_put32(b + 4 + 4 * i, 1000 * (i + 1));
	cr_assert_eq(opts_parse(b, 36, &o), 0);
	cr_assert_eq(o.nsack, 4);
	cr_assert_eq(o.sack[3].left, 7000);
	cr_assert_eq(o.sack[3].right, 8000);
	/* a fifth block does not fit: length 42 runs past 40 bytes */
	b[3] = 2 + 5 * 8;
	cr_assert_eq(opts_parse(b, 40, &o), -EBADMSG);
}

Test(wire_tcp, header_lengths)
{
	uint8_t seg[64];
	struct xs_tcp_view v;
	size_t n;

	memcpy(seg, golden_syn + 34, 40);
	for (n = 0; n < 40; n++)
		cr_assert_eq(xs_tcp_view_init(&v, seg, n), -EBADMSG, "%zu bytes of a 40-byte header", n);
	seg[12] = 0x40;			/* data offset 4 */
	cr_assert_eq(xs_tcp_view_init(&v, seg, 40), -EBADMSG);
	seg[12] = 0xf0;			/* data offset 15: 60 bytes */
	cr_assert_eq(xs_tcp_view_init(&v, seg, 40), -EBADMSG);
	memset(seg + 40, XS_OPT_NOP, 20);
	cr_assert_eq(xs_tcp_view_init(&v, seg, 60), 0);
	cr_assert_eq(xs_tcp_payload_len(&v), 0);
	cr_assert_eq(xs_tcp_opts_len(&v), 40);
}

static void random_opts(uint64_t *seed, struct xs_tcp_opts *o)
{
	unsigned int i, room;

	memset(o, 0, sizeof(*o));
	o->has_mss = rng_next(seed) & 1;
	o->mss = o->has_mss ? (uint16_t)rng_next(seed) : 0;
	o->has_wscale = rng_next(seed) & 1;
	o->wscale = o->has_wscale ? (uint8_t)(rng_next(seed) % 15) : 0;
	o->sack_perm = rng_next(seed) & 1;
	o->has_ts = rng_next(seed) & 1;
	if (o->has_ts) {
		o->ts_val = (uint32_t)rng_next(seed);
		o->ts_ecr = (uint32_t)rng_next(seed);
	}
	room = (40 - 4 * o->has_mss - 12 * (o->has_ts || o->sack_perm) -
		4 * o->has_wscale - 4) / 8;
	o->nsack = (uint8_t)(rng_next(seed) % (room + 1));
	if (o->nsack > XS_TCP_MAX_SACK)
		o->nsack = XS_TCP_MAX_SACK;
	for (i = 0; i < o->nsack; i++) {
		o->sack[i].left = (uint32_t)rng_next(seed);
		o->sack[i].right = (uint32_t)rng_next(seed);
	}
}

Test(wire_tcp, repr_round_trip_random)
{
	struct xs_pseudo ph = { .family = AF_INET6 };
	uint64_t seed = 0x5eed7c90;
	struct xs_tcp_repr r, back;
	struct xs_tcp_view v;
	uint8_t buf[60 + 100];
	int i, hl;

	for (i = 0; i < 20000; i++) {
		memset(&r, 0, sizeof(r));
		ph.family = i & 1 ? AF_INET6 : AF_INET;
		ph.src.v6.s6_addr32[0] = (uint32_t)rng_next(&seed);
		ph.dst.v6.s6_addr32[3] = (uint32_t)rng_next(&seed);
		r.src_port = (uint16_t)rng_next(&seed);
		r.dst_port = (uint16_t)rng_next(&seed);
		r.seq = (uint32_t)rng_next(&seed);
		r.ack = (uint32_t)rng_next(&seed);
		r.flags = (uint16_t)(rng_next(&seed) & 0x1ff);
		r.window = (uint16_t)rng_next(&seed);
		r.urgent = (uint16_t)rng_next(&seed);
		random_opts(&seed, &r.opts);
		r.payload_len = rng_next(&seed) % 101;
		hl = xs_tcp_repr_hdr_len(&r);
		cr_assert_gt(hl, 0);
		cr_assert_eq(hl % 4, 0);
		memset(buf + hl, (int)i, r.payload_len);
		cr_assert_eq(xs_tcp_repr_emit(&r, &ph, buf, (size_t)hl + r.payload_len - 1), -ENOSPC);
		cr_assert_eq(xs_tcp_repr_emit(&r, &ph, buf, sizeof(buf)), hl);
		cr_assert_eq(xs_tcp_view_init(&v, buf, (size_t)hl + r.payload_len), 0);
		memset(&back, 0, sizeof(back));
		cr_assert_eq(xs_tcp_repr_parse(&v, &ph, &back), 0, "iteration %d", i);
		cr_assert_arr_eq(&back, &r, sizeof(r), "iteration %d", i);
	}
}

Test(wire_tcp, options_that_do_not_fit_are_refused)
{
	struct xs_tcp_repr r = { .opts = { .has_mss = true, .has_ts = true, .nsack = 3 } };
	uint8_t buf[100];

	cr_assert_eq(xs_tcp_repr_hdr_len(&r), -EINVAL, "4 + 12 + 28 > 40");
	r.opts.has_mss = false;
	cr_assert_eq(xs_tcp_repr_hdr_len(&r), 60);
	r.opts.nsack = 5;
	cr_assert_eq(xs_tcp_repr_emit(&r, &(struct xs_pseudo){ .family = AF_INET }, buf, sizeof(buf)), -EINVAL);
}

/* ---- UDP ---------------------------------------------------------------- */

Test(wire_udp, inconsistent_lengths)
{
	uint8_t d[32];
	struct xs_udp_view v;

	memcpy(d, golden_udp6 + 54, 19);
	cr_assert_eq(xs_udp_view_init(&v, d, 7), -EBADMSG);
	cr_assert_eq(xs_udp_view_init(&v, d, 18), -EBADMSG, "length field > IP payload");
	cr_assert_eq(xs_udp_view_init(&v, d, 19), 0);
	memset(d + 19, 0, 4);
	cr_assert_eq(xs_udp_view_init(&v, d, 23), 0, "length field < IP payload");
	cr_assert_eq(xs_udp_payload_len(&v), 11);
	xs_put16(d + 4, 7);
	cr_assert_eq(xs_udp_view_init(&v, d, 19), -EBADMSG, "length field < 8");
}

Test(wire_udp, zero_checksum_rules)
{
	struct xs_pseudo ph6 = { .family = AF_INET6 }, ph4 = { .family = AF_INET };
	struct xs_udp_view v;
	struct xs_udp_repr r = { .src_port = 5353, .dst_port = 9, .payload_len = 4 };
	uint8_t d[12];
	uint16_t c;

	memcpy(&ph6.src.v6, golden_udp6 + 22, 16);
	memcpy(&ph6.dst.v6, golden_udp6 + 38, 16);
	ph4.src.v4.s_addr = inet_addr("198.18.0.1");
	ph4.dst.v4.s_addr = inet_addr("198.18.0.2");

	/* Choose the payload so that the checksum computes to 0: it must be
	 * sent as 0xffff, and that must verify. */
	memset(d + 8, 0, 4);
	cr_assert_eq(xs_udp_repr_emit(&r, &ph4, d, sizeof(d)), 8);
	c = xs_udp_csum(&(struct xs_udp_view){ .buf = d, .len = 12 });
	xs_put16(d + 8, c);
	cr_assert_eq(xs_udp_repr_emit(&r, &ph4, d, sizeof(d)), 8);
	cr_assert_eq(xs_get16(d + 6), 0xffff);
	cr_assert_eq(ref_csum(d, 12, ref_pseudo4((uint8_t *)&ph4.src.v4, (uint8_t *)&ph4.dst.v4,
						   IPPROTO_UDP, 12)), 0);
	cr_assert_eq(xs_udp_view_init(&v, d, 12), 0);
	cr_assert_eq(xs_udp_repr_parse(&v, &ph4, &r), 0);

	/* Zero: none over IPv4, invalid over IPv6. */
	xs_put16(d + 6, 0);
	cr_assert_eq(xs_udp_repr_parse(&v, &ph4, &r), 0);
	cr_assert_eq(xs_udp_repr_parse(&v, &ph6, &r), -EBADMSG);
	/* NULL: verified elsewhere */
	cr_assert_eq(xs_udp_repr_parse(&v, NULL, &r), 0);
	/* wrong checksum */
	xs_put16(d + 6, 0x1234);
	cr_assert_eq(xs_udp_repr_parse(&v, &ph4, &r), -EBADMSG);
	cr_assert_eq(xs_udp_repr_emit(&r, &ph4, d, 11), -ENOSPC);
}

/* ---- ICMPv4 ------------------------------------------------------------- */

Test(wire_icmp4, frag_needed_quotes_the_datagram)
{
	/* A router's answer to the golden SYN: fragmentation needed, MTU
	 * 1400, quoting its IP header and the first 8 bytes of TCP. */
	struct xs_icmp4_repr r = { .type = XS_ICMP4_DEST_UNREACH,
				   .code = XS_ICMP4_FRAG_NEEDED, .mtu = 1400,
				   .payload_len = 28 }, back;
	struct xs_icmp4_view v;
	struct xs_ipv4_view q;
	uint8_t m[36];
	size_t n;

	memcpy(m + 8, golden_syn + 14, 28);
	cr_assert_eq(xs_icmp4_repr_emit(&r, m, sizeof(m)), 8);
	cr_assert_eq(ref_csum(m, sizeof(m), 0), 0);
	cr_assert_eq(xs_icmp4_view_init(&v, m, sizeof(m)), 0);
	cr_assert_eq(xs_icmp4_repr_parse(&v, &back), 0);
	cr_assert_arr_eq(&back, &r, sizeof(r));
	cr_assert_eq(xs_icmp4_mtu(&v), 1400);
	cr_assert_eq(xs_icmp4_quote(&v, &q), 0);
	cr_assert_eq(xs_ipv4_proto(&q), IPPROTO_TCP);
	cr_assert_eq(xs_ipv4_tot_len(&q), 60, "the original length, not the quote's");
	cr_assert_eq(xs_ipv4_payload_len(&q), 8);
	cr_assert_eq(xs_get16(xs_ipv4_payload(&q)), 60246, "source port");
	cr_assert_eq(xs_get16(xs_ipv4_payload(&q) + 2), 8080, "destination port");

	for (n = 0; n < sizeof(m); n++)
		cr_assert_eq(xs_icmp4_view_init(&v, m, n), -EBADMSG, "%zu bytes", n);
	/* a quoted header with options whose 8 bytes are missing */
	m[8] = 0x46;
	cr_assert_eq(xs_icmp4_view_init(&v, m, sizeof(m)), 0);
	cr_assert_eq(xs_icmp4_quote(&v, &q), -EBADMSG);
}

Test(wire_icmp4, echo_reply_from_request_and_other_types)
{
	const uint8_t *req = golden_icmp4_echo + 34;
	struct xs_icmp4_view v;
	struct xs_icmp4_repr r;
	uint8_t m[64];

	cr_assert_eq(xs_icmp4_view_init(&v, req, 64), 0);
	cr_assert_eq(xs_icmp4_repr_parse(&v, &r), 0);
	r.type = XS_ICMP4_ECHO_REPLY;
	memcpy(m + 8, xs_icmp4_payload(&v), r.payload_len);
	cr_assert_eq(xs_icmp4_repr_emit(&r, m, sizeof(m)), 8);
	cr_assert_eq(ref_csum(m, 64, 0), 0);
	cr_assert_arr_eq(m + 4, req + 4, 60, "same id, sequence and data");
	cr_assert_eq(xs_icmp4_repr_emit(&r, m, 63), -ENOSPC);

	cr_assert_eq(xs_icmp4_view_init(&v, req, 7), -EBADMSG);
	m[0] = 13;			/* timestamp request: not ours */
	xs_put16(m + 2, 0);
	xs_put16(m + 2, ref_csum(m, 64, 0));
	cr_assert_eq(xs_icmp4_view_init(&v, m, 64), 0);
	cr_assert_eq(xs_icmp4_repr_parse(&v, &r), -EOPNOTSUPP);
	m[3] ^= 1;
	cr_assert_eq(xs_icmp4_repr_parse(&v, &r), -EBADMSG);

	/* time exceeded needs its quote */
	m[0] = XS_ICMP4_TIME_EXCEEDED;
	cr_assert_eq(xs_icmp4_view_init(&v, m, XS_ICMP4_ERR_MIN_LEN - 1), -EBADMSG);
}

/* ---- ICMPv6 and NDP ----------------------------------------------------- */

static struct xs_pseudo ns_pseudo(void)
{
	struct xs_pseudo ph = { .family = AF_INET6 };

	memcpy(&ph.src.v6, golden_ns + 22, 16);
	memcpy(&ph.dst.v6, golden_ns + 38, 16);
	return ph;
}

Test(wire_icmp6, ndp_bad_options_and_codes)
{
	struct xs_pseudo ph = ns_pseudo();
	struct xs_icmp6_view v;
	struct xs_icmp6_repr r;
	uint8_t m[40];
	size_t n;

	for (n = 0; n < 24; n++)
		cr_assert_eq(xs_icmp6_view_init(&v, golden_ns + 54, n), -EBADMSG, "%zu bytes", n);
	/* Fixed part only: a shorter, consistent NS (checksum not asked). */
	cr_assert_eq(xs_icmp6_view_init(&v, golden_ns + 54, 24), 0);
	cr_assert_eq(xs_icmp6_repr_parse(&v, NULL, &r), 0);
	cr_assert(!r.has_sll);
	/* Options cut short. */
	for (n = 25; n < 32; n++) {
		cr_assert_eq(xs_icmp6_view_init(&v, golden_ns + 54, n), 0);
		cr_assert_eq(xs_icmp6_repr_parse(&v, NULL, &r), -EBADMSG, "%zu bytes", n);
	}

	memcpy(m, golden_ns + 54, 32);
	m[25] = 0;			/* option length 0 */
	cr_assert_eq(xs_icmp6_view_init(&v, m, 32), 0);
	cr_assert_eq(xs_icmp6_repr_parse(&v, NULL, &r), -EBADMSG);
	m[25] = 2;			/* 16 bytes in 8 */
	cr_assert_eq(xs_icmp6_repr_parse(&v, NULL, &r), -EBADMSG);
	m[25] = 1;
	m[24] = 14;			/* unknown option: skipped */
	cr_assert_eq(xs_icmp6_repr_parse(&v, NULL, &r), 0);
	cr_assert(!r.has_sll);
	m[24] = XS_ND_OPT_SLL;
	m[1] = 1;			/* NDP code must be 0 */
	cr_assert_eq(xs_icmp6_repr_parse(&v, NULL, &r), -EBADMSG);
	m[1] = 0;
	cr_assert_eq(xs_icmp6_repr_parse(&v, &ph, &r), 0, "restored");
}

Test(wire_icmp6, neighbor_advertisement_answers_the_solicitation)
{
	struct xs_pseudo ph = ns_pseudo(), reply;
	struct xs_icmp6_view v;
	struct xs_icmp6_repr ns, na, back;
	static const uint8_t mac_b[6] = { 0x02, 0, 0, 0, 0, 0x0b };
	uint8_t m[64];

	cr_assert_eq(xs_icmp6_view_init(&v, golden_ns + 54, 32), 0);
	cr_assert_eq(xs_icmp6_repr_parse(&v, &ph, &ns), 0);
	memset(&na, 0, sizeof(na));
	na.type = XS_ND_NEIGH_ADVERT;
	na.target = ns.target;
	na.na_flags = XS_ND_NA_SOLICITED | XS_ND_NA_OVERRIDE;
	na.has_tll = true;
	memcpy(na.tll, mac_b, 6);
	reply.family = AF_INET6;
	reply.src.v6 = ns.target;
	reply.dst.v6 = ph.src.v6;
	cr_assert_eq(xs_icmp6_repr_hdr_len(&na), 32);
	cr_assert_eq(xs_icmp6_repr_emit(&na, &reply, m, 31), -ENOSPC);
	cr_assert_eq(xs_icmp6_repr_emit(&na, &reply, m, sizeof(m)), 32);
	/* Byte for byte what Linux answered to this NS (same capture). */
	cr_assert_arr_eq(m, golden_na + 54, 32);
	cr_assert_eq(xs_icmp6_view_init(&v, m, 32), 0);
	cr_assert_eq(xs_icmp6_repr_parse(&v, &reply, &back), 0);
	cr_assert_arr_eq(&back, &na, sizeof(na));
}

Test(wire_icmp6, router_advertisement_round_trip)
{
	struct xs_pseudo ph = ns_pseudo();
	struct xs_icmp6_repr ra = {
		.type = XS_ND_ROUTER_ADVERT, .ra_hop_limit = 64, .ra_flags = 0xc0,
		.ra_lifetime = 1800, .ra_reachable = 30000, .ra_retrans = 1000,
		.has_sll = true, .sll = { 2, 0, 0, 0, 0, 0x0b }, .has_mtu = true, .mtu = 1500,
	}, back;
	struct xs_icmp6_view v;
	uint8_t m[64];

	cr_assert_eq(xs_icmp6_repr_emit(&ra, &ph, m, sizeof(m)), 32);
	cr_assert_eq(xs_icmp6_view_init(&v, m, 32), 0);
	cr_assert_eq(xs_icmp6_repr_parse(&v, &ph, &back), 0);
	cr_assert_arr_eq(&back, &ra, sizeof(ra));
	cr_assert_eq(xs_icmp6_view_init(&v, m, 15), -EBADMSG);
}

Test(wire_icmp6, packet_too_big_quotes_the_packet)
{
	struct xs_pseudo ph = ns_pseudo();
	struct xs_icmp6_repr r = { .type = XS_ICMP6_PKT_TOO_BIG, .mtu = 1280,
				   .payload_len = 59 }, back;
	struct xs_icmp6_view v;
	struct xs_ipv6_view q;
	struct xs_ipv6_ext e;
	uint8_t m[8 + 59];
	size_t n;

	memcpy(m + 8, golden_udp6 + 14, 59);
	cr_assert_eq(xs_icmp6_repr_emit(&r, &ph, m, sizeof(m)), 8);
	cr_assert_eq(xs_icmp6_view_init(&v, m, sizeof(m)), 0);
	cr_assert_eq(xs_icmp6_repr_parse(&v, &ph, &back), 0);
	cr_assert_arr_eq(&back, &r, sizeof(r));
	cr_assert_eq(xs_icmp6_mtu(&v), 1280);
	/* a quote cut after the UDP ports */
	cr_assert_eq(xs_icmp6_view_init(&v, m, 8 + 44), 0);
	cr_assert_eq(xs_icmp6_quote(&v, &q), 0);
	cr_assert_eq(xs_ipv6_ext_walk(&q, &e), 0);
	cr_assert_eq(e.proto, IPPROTO_UDP);
	cr_assert_eq(xs_get16(xs_ipv6_payload(&q) + 2), 9000);
	for (n = 0; n < XS_ICMP6_ERR_MIN_LEN; n++)
		cr_assert_eq(xs_icmp6_view_init(&v, m, n), -EBADMSG, "%zu bytes", n);

	/* echo */
	r = (struct xs_icmp6_repr){ .type = XS_ICMP6_ECHO_REQUEST, .id = 7, .seq = 9, .payload_len = 3 };
	memcpy(m + 8, "abc", 3);
	cr_assert_eq(xs_icmp6_repr_emit(&r, &ph, m, 11), 8);
	cr_assert_eq(xs_icmp6_view_init(&v, m, 11), 0);
	cr_assert_eq(xs_icmp6_repr_parse(&v, &ph, &back), 0);
	cr_assert_arr_eq(&back, &r, sizeof(r));
	cr_assert_eq(xs_icmp6_quote(&v, &q), -EINVAL);
}

/* ---- VLAN and ARP ------------------------------------------------------- */

Test(wire_vlan, tags_are_walked_and_bounded)
{
	struct xs_vlan_repr outer = { .pcp = 5, .dei = true, .vid = 100, .ethertype = XS_ETHERTYPE_VLAN };
	struct xs_vlan_repr inner = { .pcp = 0, .vid = 4095, .ethertype = XS_ETHERTYPE_IPV4 }, back;
	struct xs_eth_repr eth = { .ethertype = XS_ETHERTYPE_QINQ };
	struct xs_eth_view ev;
	struct xs_vlan_view vv;
	uint8_t f[64] = { 0 };
	uint16_t type;
	size_t l3;

	cr_assert_eq(xs_eth_repr_emit(&eth, f, sizeof(f)), 14);
	cr_assert_eq(xs_vlan_repr_emit(&outer, f + 14, 50), 4);
	cr_assert_eq(xs_vlan_repr_emit(&inner, f + 18, 46), 4);
	cr_assert_arr_eq(f + 12, ((uint8_t[]){ 0x88, 0xa8, 0xb0, 0x64, 0x81, 0x00, 0x0f, 0xff, 0x08, 0x00 }), 10);
	cr_assert_eq(xs_eth_view_init(&ev, f, sizeof(f)), 0);
	cr_assert_eq(xs_eth_l3(&ev, &type, &l3), 0);
	cr_assert_eq(type, XS_ETHERTYPE_IPV4);
	cr_assert_eq(l3, 22);
	cr_assert_eq(xs_vlan_view_init(&vv, f + 14, 50), 0);
	cr_assert_eq(xs_vlan_repr_parse(&vv, &back), 0);
	cr_assert_arr_eq(&back, &outer, sizeof(outer));
	cr_assert_eq(xs_vlan_payload_len(&vv), 46);

	/* cut inside the second tag */
	cr_assert_eq(xs_eth_view_init(&ev, f, 21), 0);
	cr_assert_eq(xs_eth_l3(&ev, &type, &l3), -EBADMSG);
	/* a third tag */
	inner.ethertype = XS_ETHERTYPE_VLAN;
	cr_assert_eq(xs_vlan_repr_emit(&inner, f + 18, 46), 4);
	cr_assert_eq(xs_eth_view_init(&ev, f, sizeof(f)), 0);
	cr_assert_eq(xs_eth_l3(&ev, &type, &l3), -EBADMSG);

	cr_assert_eq(xs_vlan_view_init(&vv, f, 3), -EBADMSG);
	cr_assert_eq(xs_vlan_repr_emit(&inner, f, 3), -ENOSPC);
	inner.vid = 4096;
	cr_assert_eq(xs_vlan_repr_emit(&inner, f, 4), -EINVAL);
}

Test(wire_arp, sizes_and_kinds)
{
	struct xs_arp_view v;
	struct xs_arp_repr r;
	uint8_t a[64] = { 0 };
	size_t n;

	memcpy(a, golden_arp_req + 14, 28);
	for (n = 0; n < 28; n++)
		cr_assert_eq(xs_arp_view_init(&v, a, n), -EBADMSG, "%zu bytes", n);
	cr_assert_eq(xs_arp_view_init(&v, a, 46), 0, "Ethernet padding");
	a[4] = 16;			/* hardware address length 16: 48 bytes */
	cr_assert_eq(xs_arp_view_init(&v, a, 46), -EBADMSG);
	cr_assert_eq(xs_arp_view_init(&v, a, 48), 0);
	cr_assert_eq(xs_arp_tpa(&v), a + 8 + 16 + 4 + 16);
	cr_assert_eq(xs_arp_repr_parse(&v, &r), -EOPNOTSUPP);
}
