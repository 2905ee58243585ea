// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * iface/reasm.c: datagrams built here (IPv4 with options, IPv6 with
 * hop-by-hop and routing headers, UDP inside, checksums from the
 * byte-at-a-time reference in wire_golden.h) are cut into fragments the
 * way a sender would, fed in assorted orders, and must come back byte for
 * byte as they were built; the rebuilt packet must also pass the wire/
 * views with its IPv4 header and UDP checksums verified.  Then the drops:
 * overlaps, duplicates, lengths, the timeout with a fake clock, and the
 * memory cap's eviction order.  Random orders come from a seeded
 * xorshift, so a failure reproduces.
 */
#include <criterion/criterion.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "iface/reasm.h"
#include "wire/bytes.h"
#include "wire/ipv4.h"
#include "wire/ipv6.h"
#include "wire/udp.h"
#include "wire_golden.h"

#define SEC 1000000000ull

static const uint8_t src4[4] = { 198, 18, 0, 1 }, dst4[4] = { 198, 18, 0, 2 };
static const uint8_t src6[16] = { 0x20, 0x01, 0x0d, 0xb8, [15] = 1 };
static const uint8_t dst6[16] = { 0x20, 0x01, 0x0d, 0xb8, [15] = 2 };

/* ---- datagrams and fragments ----------------------------------------------- */

struct dgram {
	int family;
	uint8_t *buf;
	size_t len;
	size_t hdr_len;		/* IPv4 header, or IPv6 unfragmentable part */
	size_t nh_pos;		/* IPv6: the byte naming the first fragmentable header */
	uint32_t id;
};

static uint64_t rng_next(uint64_t *s)
{
	*s ^= *s << 13;
	*s ^= *s >> 7;
	*s ^= *s << 17;
	return *s;
}

static void udp_fill(uint8_t *udp, size_t udp_len, uint32_t sum_pseudo, uint64_t seed)
{
	uint16_t c;
	size_t i;

	xs_put16(udp, 40000);
	xs_put16(udp + 2, 5000);
	xs_put16(udp + 4, (uint16_t)udp_len);
	xs_put16(udp + 6, 0);
	for (i = XS_UDP_HLEN; i < udp_len; i++)
		udp[i] = (uint8_t)rng_next(&seed);
	c = ref_csum(udp, udp_len, sum_pseudo);
	xs_put16(udp + 6, c ? c : 0xffff);
}

/* An IPv4/UDP datagram: opt_len bytes of NOP options (not copied into
 * later fragments, RFC 791), payload bytes of UDP data. */
static struct dgram dgram_v4(uint16_t id, size_t opt_len, size_t payload, uint64_t seed)
{
	struct dgram d = { .family = AF_INET, .hdr_len = 20 + opt_len, .id = id };
	size_t udp_len = XS_UDP_HLEN + payload;

	d.len = d.hdr_len + udp_len;
	cr_assert_leq(d.len, 65535);
	d.buf = calloc(1, d.len);
	cr_assert_not_null(d.buf);
	d.buf[0] = 0x40 | (uint8_t)(d.hdr_len / 4);
	xs_put16(d.buf + 2, (uint16_t)d.len);
	xs_put16(d.buf + 4, id);
	d.buf[8] = 64;
	d.buf[9] = IPPROTO_UDP;
	memcpy(d.buf + 12, src4, 4);
	memcpy(d.buf + 16, dst4, 4);
	memset(d.buf + 20, XS_OPT_NOP, opt_len);
	xs_put16(d.buf + 10, ref_csum(d.buf, d.hdr_len, 0));
	udp_fill(d.buf + d.hdr_len, udp_len, ref_pseudo4(src4, dst4, IPPROTO_UDP, (uint32_t)udp_len),
		 seed);
	return d;
}

/* An IPv6/UDP datagram, with a hop-by-hop (8 bytes) and a routing header
 * (24 bytes, segments left 0) in front of UDP when exts. */
static struct dgram dgram_v6(uint32_t id, bool exts, size_t payload, uint64_t seed)
{
	struct dgram d = { .family = AF_INET6, .hdr_len = 40, .nh_pos = 6, .id = id };
	size_t udp_len = XS_UDP_HLEN + payload;
	uint8_t *p;

	if (exts)
		d.hdr_len += 8 + 24;
	d.len = d.hdr_len + udp_len;
	d.buf = calloc(1, d.len);
	cr_assert_not_null(d.buf);
	xs_put32(d.buf, 6u << 28 | 0xabcde);
	xs_put16(d.buf + 4, (uint16_t)(d.len - 40));
	d.buf[7] = 64;
	memcpy(d.buf + 8, src6, 16);
	memcpy(d.buf + 24, dst6, 16);
	if (exts) {
		p = d.buf + 40;
		d.buf[6] = XS_IPV6_NH_HOPOPTS;
		p[0] = XS_IPV6_NH_ROUTING;
		p[1] = 0;
		p[2] = 1;		/* PadN, 4 bytes */
		p[3] = 4;
		p += 8;
		p[0] = IPPROTO_UDP;
		p[1] = 2;		/* (2 + 1) * 8 = 24 bytes */
		p[2] = 4;		/* segment routing */
		p[3] = 0;		/* segments left */
		memset(p + 4, 0x5a, 20);
		d.nh_pos = 48;
	} else {
		d.buf[6] = IPPROTO_UDP;
	}
	udp_fill(d.buf + d.hdr_len, udp_len, ref_pseudo6(src6, dst6, IPPROTO_UDP, (uint32_t)udp_len),
		 seed);
	return d;
}

struct frag {
	uint8_t *buf;
	size_t len;
};

/* The fragment of d carrying its payload [off, off + len) (after the
 * IPv4 header or the unfragmentable part), as a sender would write it. */
static struct frag frag_of(const struct dgram *d, size_t off, size_t len, bool more)
{
	struct frag f;
	size_t hl;

	cr_assert_leq(d->hdr_len + off + len, d->len, "the test cuts past its datagram");
	if (d->family == AF_INET) {
		hl = off ? 20 : d->hdr_len;
		f.len = hl + len;
		f.buf = malloc(f.len);
		cr_assert_not_null(f.buf);
		memcpy(f.buf, d->buf, hl);
		f.buf[0] = 0x40 | (uint8_t)(hl / 4);
		xs_put16(f.buf + 2, (uint16_t)f.len);
		xs_put16(f.buf + 6, (uint16_t)((more ? 0x2000 : 0) | off / 8));
		xs_put16(f.buf + 10, 0);
		xs_put16(f.buf + 10, ref_csum(f.buf, hl, 0));
		memcpy(f.buf + hl, d->buf + d->hdr_len + off, len);
	} else {
		hl = d->hdr_len + 8;
		f.len = hl + len;
		f.buf = malloc(f.len);
		cr_assert_not_null(f.buf);
		memcpy(f.buf, d->buf, d->hdr_len);
		f.buf[d->nh_pos] = XS_IPV6_NH_FRAGMENT;
		xs_put16(f.buf + 4, (uint16_t)(f.len - 40));
		f.buf[d->hdr_len] = d->buf[d->nh_pos];
		f.buf[d->hdr_len + 1] = 0;
		xs_put16(f.buf + d->hdr_len + 2, (uint16_t)(off | (more ? 1 : 0)));
		xs_put32(f.buf + d->hdr_len + 4, d->id);
		memcpy(f.buf + hl, d->buf + d->hdr_len + off, len);
	}
	return f;
}

/* Cuts d into fragments of step payload bytes (a multiple of 8); returns
 * how many, in *out (caller frees with frags_free). */
static size_t fragment(const struct dgram *d, size_t step, struct frag **out)
{
	size_t plen = d->len - d->hdr_len, n = (plen + step - 1) / step, i;
	struct frag *f = calloc(n, sizeof(*f));

	cr_assert_not_null(f);
	for (i = 0; i < n; i++) {
		size_t off = i * step, len = plen - off < step ? plen - off : step;

		f[i] = frag_of(d, off, len, i + 1 < n);
	}
	*out = f;
	return n;
}

static void frags_free(struct frag *f, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		free(f[i].buf);
	free(f);
}

static void shuffle(size_t *order, size_t n, uint64_t seed)
{
	size_t i;

	for (i = 0; i < n; i++)
		order[i] = i;
	for (i = n; i > 1; i--) {
		size_t j = rng_next(&seed) % i, t = order[i - 1];

		order[i - 1] = order[j];
		order[j] = t;
	}
}

/* What a user of the output notices: the wire views accept it as an
 * unfragmented packet with valid IPv4 header and UDP checksums, and it is
 * the datagram that was sent, byte for byte. */
static void assert_rebuilt(const struct xs_reasm_out *o, const struct dgram *d)
{
	struct xs_pseudo ph = { .family = d->family };
	struct xs_udp_view uv;
	struct xs_udp_repr ur;
	const uint8_t *l4;
	size_t l4_len;

	cr_assert_eq(o->family, d->family);
	cr_assert_eq(o->len, d->len, "rebuilt %zu bytes, sent %zu", o->len, d->len);
	if (d->family == AF_INET) {
		struct xs_ipv4_view v;

		cr_assert_eq(xs_ipv4_view_init(&v, o->buf, o->len), 0);
		cr_assert(xs_ipv4_csum_ok(&v), "IPv4 header checksum");
		cr_assert_not(xs_ipv4_is_frag(&v));
		cr_assert_eq(xs_ipv4_hdr_len(&v), d->hdr_len, "first fragment's options kept");
		memcpy(&ph.src.v4, xs_ipv4_src(&v), 4);
		memcpy(&ph.dst.v4, xs_ipv4_dst(&v), 4);
		l4 = xs_ipv4_payload(&v);
		l4_len = xs_ipv4_payload_len(&v);
	} else {
		struct xs_ipv6_view v;
		struct xs_ipv6_ext e;

		cr_assert_eq(xs_ipv6_view_init(&v, o->buf, o->len), 0);
		cr_assert_eq(xs_ipv6_ext_walk(&v, &e), 0);
		cr_assert_not(e.frag, "Fragment header removed");
		cr_assert_eq(e.proto, IPPROTO_UDP);
		cr_assert_eq(XS_IPV6_HLEN + e.off, d->hdr_len, "unfragmentable part kept");
		memcpy(&ph.src.v6, xs_ipv6_src(&v), 16);
		memcpy(&ph.dst.v6, xs_ipv6_dst(&v), 16);
		l4 = xs_ipv6_payload(&v) + e.off;
		l4_len = xs_ipv6_payload_len(&v) - e.off;
	}
	cr_assert_eq(xs_udp_view_init(&uv, l4, l4_len), 0);
	cr_assert_eq(xs_udp_repr_parse(&uv, &ph, &ur), 0, "UDP checksum of the payload");
	cr_assert_eq(memcmp(o->buf, d->buf, d->len), 0, "the datagram that was sent");
}

static struct xs_reasm *reasm_new(size_t max_bytes, uint64_t timeout_ns, uint32_t max_dgrams)
{
	struct xs_reasm_opts o = {
		.sz = sizeof(o), .max_bytes = max_bytes, .timeout_ns = timeout_ns,
		.max_datagrams = max_dgrams,
	};
	struct xs_reasm *r = xs_reasm__new(&o);

	cr_assert_not_null(r);
	return r;
}

static int feed(struct xs_reasm *r, const struct frag *f, uint64_t now, struct xs_reasm_out *o)
{
	return xs_reasm__input(r, f->buf, f->len, now, o);
}

/* Feeds f[order[i]] for every i: every fragment but the last is kept, the
 * last returns d rebuilt. */
static void feed_all_expect(struct xs_reasm *r, const struct frag *f, const size_t *order,
			    size_t n, const struct dgram *d)
{
	struct xs_reasm_out o = { 0 };
	size_t i;

	for (i = 0; i < n; i++) {
		int rc = feed(r, &f[order ? order[i] : i], 0, &o);

		if (i + 1 < n) {
			cr_assert_eq(rc, 0, "fragment %zu of %zu: %d", i, n, rc);
		} else {
			cr_assert_eq(rc, 1, "last fragment: %d", rc);
			assert_rebuilt(&o, d);
			free(o.buf);
		}
	}
}

static void run_order(struct dgram *d, size_t step, const size_t *order)
{
	struct xs_reasm *r = reasm_new(0, 0, 0);
	struct xs_reasm_stats st;
	struct frag *f;
	size_t n = fragment(d, step, &f);

	feed_all_expect(r, f, order, n, d);
	xs_reasm__stats(r, &st);
	cr_assert_eq(st.fragments, n);
	cr_assert_eq(st.reassembled, 1);
	cr_assert_eq(st.bytes_held, 0);
	cr_assert_eq(st.datagrams_held, 0);
	frags_free(f, n);
	xs_reasm__free(r);
}

/* ---- orders ---------------------------------------------------------------- */

Test(iface_reasm, v4_in_order)
{
	struct dgram d = dgram_v4(0x1234, 8, 3000, 1);

	run_order(&d, 1480, NULL);
	free(d.buf);
}

Test(iface_reasm, v4_reverse_order)
{
	struct dgram d = dgram_v4(0x1234, 12, 5000, 2);
	size_t order[8], n = (d.len - d.hdr_len + 799) / 800, i;

	cr_assert_leq(n, 8);
	for (i = 0; i < n; i++)
		order[i] = n - 1 - i;
	run_order(&d, 800, order);
	free(d.buf);
}

Test(iface_reasm, v4_and_v6_random_orders)
{
	uint64_t seed;

	for (seed = 1; seed <= 40; seed++) {
		uint64_t s = seed * 7919;
		size_t payload = 1 + rng_next(&s) % 6000, step = 8 * (1 + rng_next(&s) % 64);
		struct dgram d = seed & 1 ? dgram_v4((uint16_t)seed, 4 * (seed % 11), payload, seed)
					  : dgram_v6((uint32_t)seed, seed % 4 == 0, payload, seed);
		size_t plen = d.len - d.hdr_len, n, *order;

		if (d.family == AF_INET && plen <= step)
			step = (plen - 1) / 8 * 8;	/* an IPv4 datagram in one piece is no fragment */
		n = (plen + step - 1) / step;
		order = calloc(n, sizeof(*order));
		cr_assert_not_null(order);
		shuffle(order, n, seed);
		run_order(&d, step, order);
		free(order);
		free(d.buf);
	}
}

Test(iface_reasm, v6_hbh_routing_kept_in_order_and_reverse)
{
	struct dgram d = dgram_v6(0xdeadbeef, true, 4000, 3);
	size_t order[4] = { 3, 2, 1, 0 };

	cr_assert_eq((d.len - d.hdr_len + 1231) / 1232, 4);
	run_order(&d, 1232, NULL);
	run_order(&d, 1232, order);
	free(d.buf);
}

Test(iface_reasm, v6_atomic_fragment_at_once)
{
	struct dgram d = dgram_v6(7, true, 100, 4);
	struct frag f = frag_of(&d, 0, d.len - d.hdr_len, false);
	struct xs_reasm *r = reasm_new(0, 0, 0);
	struct xs_reasm_out o = { 0 };
	struct xs_reasm_stats st;

	cr_assert_eq(feed(r, &f, 0, &o), 1);
	assert_rebuilt(&o, &d);
	free(o.buf);
	xs_reasm__stats(r, &st);
	cr_assert_eq(st.reassembled, 1);
	cr_assert_eq(st.datagrams_held, 0);
	free(f.buf);
	free(d.buf);
	xs_reasm__free(r);
}

Test(iface_reasm, interleaved_datagrams)
{
	/* Same addresses; keys differ by id, by protocol (IPv4), by family. */
	struct dgram d[4] = {
		dgram_v4(100, 0, 3000, 10), dgram_v4(101, 4, 2500, 11),
		dgram_v6(100, false, 3000, 12), dgram_v4(100, 0, 3000, 13),
	};
	struct frag *f[4];
	size_t n[4], left, i, k, got = 0;
	struct xs_reasm *r = reasm_new(0, 0, 0);
	struct xs_reasm_out o;

	/* d[3]: same id as d[0] but another protocol (header checksum redone). */
	d[3].buf[9] = IPPROTO_ICMP;
	xs_put16(d[3].buf + 10, 0);
	xs_put16(d[3].buf + 10, ref_csum(d[3].buf, d[3].hdr_len, 0));
	for (k = 0; k < 4; k++)
		n[k] = fragment(&d[k], 504, &f[k]);
	for (i = 0, left = 4; left; i++) {
		for (k = 0, left = 0; k < 4; k++) {
			int rc;

			if (i >= n[k])
				continue;
			left++;
			rc = feed(r, &f[k][n[k] - 1 - i], 0, &o);
			if (i + 1 < n[k]) {
				cr_assert_eq(rc, 0, "datagram %zu fragment %zu", k, i);
				continue;
			}
			cr_assert_eq(rc, 1, "datagram %zu done", k);
			if (k == 3) {	/* not UDP now: compare bytes only */
				cr_assert_eq(o.len, d[3].len);
				cr_assert_eq(memcmp(o.buf, d[3].buf, o.len), 0);
			} else {
				assert_rebuilt(&o, &d[k]);
			}
			free(o.buf);
			got++;
		}
	}
	cr_assert_eq(got, 4);
	for (k = 0; k < 4; k++) {
		frags_free(f[k], n[k]);
		free(d[k].buf);
	}
	xs_reasm__free(r);
}

/* ---- duplicates and overlaps ---------------------------------------------- */

Test(iface_reasm, exact_duplicates_ignored)
{
	struct dgram d = dgram_v4(9, 0, 2000, 5);
	struct xs_reasm *r = reasm_new(0, 0, 0);
	struct xs_reasm_stats st;
	struct xs_reasm_out o;
	struct frag *f;
	size_t n = fragment(&d, 512, &f);	/* 4 fragments */

	cr_assert_eq(feed(r, &f[0], 0, &o), 0);
	cr_assert_eq(feed(r, &f[0], 0, &o), 0);
	cr_assert_eq(feed(r, &f[3], 0, &o), 0);
	cr_assert_eq(feed(r, &f[3], 0, &o), 0);
	cr_assert_eq(feed(r, &f[1], 0, &o), 0);
	xs_reasm__stats(r, &st);
	cr_assert_eq(st.bytes_held, 512 + 20 + 512 + (2008 - 1536) + 3 * XS_REASM_FRAG_OVERHEAD,
		     "duplicates charge nothing");
	cr_assert_eq(feed(r, &f[2], 0, &o), 1);
	assert_rebuilt(&o, &d);
	free(o.buf);
	xs_reasm__stats(r, &st);
	cr_assert_eq(st.fragments, 6);
	cr_assert_eq(st.overlaps, 0);
	cr_assert_eq(st.reassembled, 1);
	frags_free(f, n);
	free(d.buf);
	xs_reasm__free(r);
}

/* Fragment [a, a + alen) goes in, then [b, b + blen): an overlap drops the
 * datagram, and the rest of its fragments never make it whole. */
static void overlap_case(int family, size_t a, size_t alen, size_t b, size_t blen)
{
	struct dgram d = family == AF_INET ? dgram_v4(77, 0, 4000, 6) : dgram_v6(77, true, 4000, 6);
	struct xs_reasm *r = reasm_new(0, 0, 0);
	struct xs_reasm_stats st;
	struct xs_reasm_out o = { 0 };
	struct frag fa = frag_of(&d, a, alen, true), fb = frag_of(&d, b, blen, true);
	struct frag *f;
	size_t n = fragment(&d, 1024, &f), i;

	cr_assert_eq(feed(r, &fa, 0, &o), 0);
	cr_assert_eq(feed(r, &fb, 0, &o), -EEXIST, "[%zu,+%zu) then [%zu,+%zu)", a, alen, b, blen);
	xs_reasm__stats(r, &st);
	cr_assert_eq(st.overlaps, 1);
	cr_assert_eq(st.datagrams_held, 0, "the whole datagram went");
	cr_assert_eq(st.bytes_held, 0);
	for (i = 1; i < n; i++)	/* everything but the first: no datagram */
		cr_assert_eq(feed(r, &f[i], 0, &o), 0);
	cr_assert_null(o.buf);
	frags_free(f, n);
	free(fa.buf);
	free(fb.buf);
	free(d.buf);
	xs_reasm__free(r);
}

Test(iface_reasm, v4_partial_overlaps_drop_datagram)
{
	overlap_case(AF_INET, 0, 1024, 1016, 16);	/* tail of the previous one */
	overlap_case(AF_INET, 1024, 512, 1016, 16);	/* head of the next one */
	overlap_case(AF_INET, 1024, 512, 1024, 256);	/* same offset, shorter */
	overlap_case(AF_INET, 1024, 512, 1024, 1024);	/* same offset, longer */
	overlap_case(AF_INET, 1024, 512, 1032, 8);	/* inside */
	overlap_case(AF_INET, 1024, 512, 512, 2048);	/* around */
}

Test(iface_reasm, v6_overlaps_drop_datagram_rfc5722)
{
	overlap_case(AF_INET6, 0, 1024, 1016, 16);
	overlap_case(AF_INET6, 1024, 512, 1024, 256);
	overlap_case(AF_INET6, 1024, 512, 512, 2048);
}

/* ---- lengths --------------------------------------------------------------- */

Test(iface_reasm, v4_max_65535_and_one_over)
{
	struct dgram d = dgram_v4(1, 0, 65535 - 20 - 8, 7);
	struct xs_reasm *r = reasm_new(0, 0, 0);
	struct xs_reasm_stats st;
	struct xs_reasm_out o = { 0 };
	struct frag *f, over;
	size_t n = fragment(&d, 1480, &f), i;

	cr_assert_eq(d.len, 65535);
	feed_all_expect(r, f, NULL, n, &d);

	/* The same, but the last fragment one byte longer: 65536 bytes. */
	for (i = 0; i + 1 < n; i++)
		cr_assert_eq(feed(r, &f[i], 0, &o), 0);
	over = frag_of(&d, (n - 1) * 1480, 65515 - (n - 1) * 1480, false);
	over.buf = realloc(over.buf, over.len + 1);
	over.buf[over.len++] = 0;
	xs_put16(over.buf + 2, (uint16_t)over.len);
	xs_put16(over.buf + 10, 0);
	xs_put16(over.buf + 10, ref_csum(over.buf, 20, 0));
	cr_assert_eq(feed(r, &over, 0, &o), -EBADMSG);
	cr_assert_null(o.buf);
	xs_reasm__stats(r, &st);
	cr_assert_eq(st.malformed, 1);
	cr_assert_eq(st.reassembled, 1);
	free(over.buf);
	frags_free(f, n);
	free(d.buf);
	xs_reasm__free(r);
}

Test(iface_reasm, v4_options_push_past_65535)
{
	/* Each fragment fits alone, but the first fragment's 40 bytes of
	 * options make the whole datagram 65536 bytes. */
	struct dgram d = dgram_v4(1, 40, 65535 - 60 - 8, 8);
	struct dgram plain = dgram_v4(1, 0, 65535 - 20 - 8, 8);	/* same key */
	struct xs_reasm *r = reasm_new(0, 0, 0);
	struct xs_reasm_stats st;
	struct xs_reasm_out o = { 0 };
	struct frag first, last;

	first = frag_of(&d, 0, 1480, true);
	last = frag_of(&plain, 65472, 4, false);	/* end 65476: 60 + 65476 > 65535 */
	cr_assert_eq(feed(r, &last, 0, &o), 0);
	cr_assert_eq(feed(r, &first, 0, &o), -EBADMSG);
	xs_reasm__stats(r, &st);
	cr_assert_eq(st.datagrams_held, 0);
	free(first.buf);
	free(last.buf);
	free(d.buf);
	free(plain.buf);
	xs_reasm__free(r);
}

Test(iface_reasm, v6_max_payload_and_one_over)
{
	struct dgram d = dgram_v6(3, false, 65535 - 8, 9);
	struct dgram dx = dgram_v6(4, true, 65535 - 32 - 8, 9);
	/* Sources for fragments past the end: same keys, one byte more. */
	struct dgram dx_over = dgram_v6(4, true, 65535 - 32 - 8 + 1, 9);
	struct dgram d_over = dgram_v6(5, false, 65535 - 8 + 1, 9);
	struct xs_reasm *r = reasm_new(0, 0, 0);
	struct xs_reasm_out o = { 0 };
	struct frag *f, over;
	size_t n = fragment(&d, 1448, &f);

	cr_assert_eq(d.len, 40 + 65535);
	feed_all_expect(r, f, NULL, n, &d);
	frags_free(f, n);

	n = fragment(&dx, 1448, &f);
	cr_assert_eq(dx.len, 40 + 65535);
	feed_all_expect(r, f, NULL, n, &dx);
	/* The unfragmentable 32 bytes count: one byte more past 65535. */
	over = frag_of(&dx_over, 65496, 8, false);	/* end 65504 = 65535 - 32 + 1 */
	cr_assert_eq(feed(r, &f[0], 0, &o), 0);
	cr_assert_eq(feed(r, &over, 0, &o), -EBADMSG);
	free(over.buf);
	/* Past 65535 on its own (no header known). */
	over = frag_of(&d_over, 65528, 8, false);	/* end 65536 */
	cr_assert_eq(feed(r, &over, 0, &o), -EBADMSG);
	cr_assert_null(o.buf);
	free(over.buf);
	frags_free(f, n);
	free(d.buf);
	free(dx.buf);
	free(dx_over.buf);
	free(d_over.buf);
	xs_reasm__free(r);
}

Test(iface_reasm, middle_fragment_not_multiple_of_8)
{
	struct dgram d = dgram_v4(5, 0, 3000, 10);
	struct xs_reasm *r = reasm_new(0, 0, 0);
	struct xs_reasm_stats st;
	struct xs_reasm_out o = { 0 };
	struct frag *f, odd, odd6;
	struct dgram d6 = dgram_v6(5, true, 3000, 10);
	size_t n = fragment(&d, 1024, &f);	/* 3 */

	odd = frag_of(&d, 1024, 1020, true);
	odd6 = frag_of(&d6, 1024, 1020, true);
	cr_assert_eq(feed(r, &f[0], 0, &o), 0);
	cr_assert_eq(feed(r, &odd, 0, &o), -EBADMSG);
	cr_assert_eq(feed(r, &odd6, 0, &o), -EBADMSG);
	xs_reasm__stats(r, &st);
	cr_assert_eq(st.malformed, 2);
	/* Only the fragment went: the datagram still completes. */
	cr_assert_eq(feed(r, &f[2], 0, &o), 0);
	cr_assert_eq(feed(r, &f[1], 0, &o), 1);
	assert_rebuilt(&o, &d);
	free(o.buf);
	free(odd.buf);
	free(odd6.buf);
	frags_free(f, n);
	free(d.buf);
	free(d6.buf);
	xs_reasm__free(r);
}

Test(iface_reasm, inconsistent_last_fragment)
{
	struct dgram d = dgram_v4(6, 0, 3000, 11);
	struct dgram longer = dgram_v4(6, 0, 4000, 11);	/* same key */
	struct xs_reasm *r = reasm_new(0, 0, 0);
	struct xs_reasm_stats st;
	struct xs_reasm_out o = { 0 };
	struct frag *f, early_end, past_end;
	size_t n = fragment(&d, 1024, &f);	/* last at 2048, end 3008 */

	/* A second last fragment with another end. */
	early_end = frag_of(&d, 1024, 24, false);
	cr_assert_eq(feed(r, &f[2], 0, &o), 0);
	cr_assert_eq(feed(r, &early_end, 0, &o), -EBADMSG);
	xs_reasm__stats(r, &st);
	cr_assert_eq(st.datagrams_held, 0);

	/* Data past the known end. */
	past_end = frag_of(&longer, 2048, 1024, true);
	cr_assert_eq(feed(r, &f[2], 0, &o), 0);
	cr_assert_eq(feed(r, &past_end, 0, &o), -EBADMSG);

	/* A last fragment that ends before data already held. */
	cr_assert_eq(feed(r, &f[1], 0, &o), 0);
	cr_assert_eq(feed(r, &early_end, 0, &o), -EBADMSG);
	xs_reasm__stats(r, &st);
	cr_assert_eq(st.malformed, 3);
	cr_assert_eq(st.datagrams_held, 0);
	cr_assert_eq(st.reassembled, 0);
	cr_assert_null(o.buf);
	free(early_end.buf);
	free(past_end.buf);
	frags_free(f, n);
	free(d.buf);
	free(longer.buf);
	xs_reasm__free(r);
}

Test(iface_reasm, not_fragments_and_garbage)
{
	struct dgram d = dgram_v4(8, 0, 100, 12), d6 = dgram_v6(8, true, 100, 12);
	struct xs_reasm *r = reasm_new(0, 0, 0);
	struct xs_reasm_stats st;
	struct xs_reasm_out o = { 0 };
	struct frag f = frag_of(&d, 0, 64, true);
	static const uint8_t junk[] = { 0x45, 0, 0, 20 };

	cr_assert_eq(xs_reasm__input(r, d.buf, d.len, 0, &o), -EINVAL);
	cr_assert_eq(xs_reasm__input(r, d6.buf, d6.len, 0, &o), -EINVAL);
	cr_assert_eq(xs_reasm__input(r, junk, sizeof(junk), 0, &o), -EBADMSG);
	cr_assert_eq(xs_reasm__input(r, junk, 0, 0, &o), -EBADMSG);
	f.buf[10] ^= 1;		/* header checksum */
	cr_assert_eq(feed(r, &f, 0, &o), -EBADMSG);
	xs_reasm__stats(r, &st);
	cr_assert_eq(st.fragments, 3);
	cr_assert_eq(st.malformed, 3);
	cr_assert_eq(st.datagrams_held, 0);
	free(f.buf);
	free(d.buf);
	free(d6.buf);
	xs_reasm__free(r);
}

/* ---- time and memory ------------------------------------------------------- */

Test(iface_reasm, timeout_with_fake_clock)
{
	struct dgram a = dgram_v4(20, 0, 3000, 13), b = dgram_v6(21, false, 2000, 14);
	struct xs_reasm *r = reasm_new(0, 5 * SEC, 0);
	struct xs_reasm_stats st;
	struct xs_reasm_out o = { 0 };
	struct frag *fa, *fb;
	size_t na = fragment(&a, 1024, &fa), nb = fragment(&b, 1024, &fb);

	cr_assert_eq(feed(r, &fa[0], 100, &o), 0);
	cr_assert_eq(feed(r, &fb[0], 2 * SEC, &o), 0);
	cr_assert_eq(feed(r, &fa[1], 3 * SEC, &o), 0);	/* the age is the first arrival's */
	cr_assert_eq(xs_reasm__expire(r, 100 + 5 * SEC - 1), 0);
	cr_assert_eq(xs_reasm__expire(r, 100 + 5 * SEC), 1);
	xs_reasm__stats(r, &st);
	cr_assert_eq(st.timeouts, 1);
	cr_assert_eq(st.datagrams_held, 1);
	/* a is gone: its last fragment starts a new datagram. */
	cr_assert_eq(feed(r, &fa[2], 6 * SEC, &o), 0);
	/* b is past its time but not reaped yet: its last fragment finds
	 * it expired and does not complete it. */
	cr_assert_eq(feed(r, &fb[1], 7 * SEC, &o), 0);
	xs_reasm__stats(r, &st);
	cr_assert_eq(st.timeouts, 2);
	cr_assert_eq(st.reassembled, 0);
	cr_assert_eq(xs_reasm__expire(r, 100 * SEC), 2);
	xs_reasm__stats(r, &st);
	cr_assert_eq(st.timeouts, 4);
	cr_assert_eq(st.datagrams_held, 0);
	cr_assert_eq(st.bytes_held, 0);
	cr_assert_null(o.buf);
	frags_free(fa, na);
	frags_free(fb, nb);
	free(a.buf);
	free(b.buf);
	xs_reasm__free(r);
}

Test(iface_reasm, default_timeout_30s)
{
	struct dgram a = dgram_v4(22, 0, 3000, 15);
	struct xs_reasm *r = xs_reasm__new(NULL);
	struct xs_reasm_out o = { 0 };
	struct frag *f;
	size_t n = fragment(&a, 1024, &f);

	cr_assert_not_null(r);
	cr_assert_eq(feed(r, &f[0], 0, &o), 0);
	cr_assert_eq(xs_reasm__expire(r, 30 * SEC - 1), 0);
	cr_assert_eq(feed(r, &f[1], 30 * SEC - 1, &o), 0);
	cr_assert_eq(feed(r, &f[2], 30 * SEC - 1, &o), 1);
	free(o.buf);
	frags_free(f, n);
	free(a.buf);
	xs_reasm__free(r);
}

/* Four datagrams A, B, C, D of two 1024-byte fragments each; the cap holds
 * three first fragments and a bit. */
Test(iface_reasm, memory_cap_evicts_oldest)
{
	const size_t one = 20 + 1024 + XS_REASM_FRAG_OVERHEAD;	/* a first fragment's charge */
	struct xs_reasm *r = reasm_new(3 * one + 100, 0, 0);
	struct dgram d[4];
	struct frag *f[4];
	size_t n[4], k;
	struct xs_reasm_stats st;
	struct xs_reasm_out o = { 0 };

	for (k = 0; k < 4; k++) {
		d[k] = dgram_v4((uint16_t)(30 + k), 0, 2040, 16 + k);
		n[k] = fragment(&d[k], 1024, &f[k]);
		cr_assert_eq(n[k], 2);
	}
	cr_assert_eq(feed(r, &f[0][0], 0, &o), 0);	/* A */
	cr_assert_eq(feed(r, &f[1][0], 1, &o), 0);	/* B */
	cr_assert_eq(feed(r, &f[2][0], 2, &o), 0);	/* C */
	xs_reasm__stats(r, &st);
	cr_assert_eq(st.bytes_held, 3 * one);
	cr_assert_eq(st.evicted, 0);
	cr_assert_eq(feed(r, &f[3][0], 3, &o), 0);	/* D: A, the oldest, goes */
	xs_reasm__stats(r, &st);
	cr_assert_eq(st.evicted, 1);
	cr_assert_eq(st.datagrams_held, 3);
	cr_assert_eq(st.bytes_held, 3 * one);
	/* B is now the oldest; adding to it evicts C, the oldest other one. */
	cr_assert_eq(feed(r, &f[1][1], 4, &o), 1);
	assert_rebuilt(&o, &d[1]);
	free(o.buf);
	o.buf = NULL;
	xs_reasm__stats(r, &st);
	cr_assert_eq(st.evicted, 2, "C evicted to make room for B's last fragment");
	cr_assert_eq(st.datagrams_held, 1);
	/* A's and C's last fragments find nothing; D still completes. */
	cr_assert_eq(feed(r, &f[0][1], 5, &o), 0);
	xs_reasm__expire(r, 100 * SEC);
	cr_assert_eq(feed(r, &f[3][0], 200 * SEC, &o), 0);
	cr_assert_eq(feed(r, &f[3][1], 200 * SEC, &o), 1);
	assert_rebuilt(&o, &d[3]);
	free(o.buf);
	for (k = 0; k < 4; k++) {
		frags_free(f[k], n[k]);
		free(d[k].buf);
	}
	xs_reasm__free(r);
}

Test(iface_reasm, memory_cap_fragment_alone_too_big)
{
	struct dgram d = dgram_v4(40, 0, 3000, 20);
	struct xs_reasm *r = reasm_new(1000, 0, 0);
	struct xs_reasm_stats st;
	struct xs_reasm_out o = { 0 };
	struct frag small = frag_of(&d, 1024, 512, true), big = frag_of(&d, 0, 1024, true);

	cr_assert_eq(feed(r, &small, 0, &o), 0);
	cr_assert_eq(feed(r, &big, 0, &o), -ENOMEM);
	xs_reasm__stats(r, &st);
	cr_assert_eq(st.datagrams_held, 0, "its datagram can never fit: dropped");
	cr_assert_eq(st.bytes_held, 0);
	cr_assert_eq(feed(r, &big, 0, &o), -ENOMEM);
	free(small.buf);
	free(big.buf);
	free(d.buf);
	xs_reasm__free(r);
}

Test(iface_reasm, max_datagrams_evicts_oldest)
{
	struct xs_reasm *r = reasm_new(0, 0, 2);
	struct dgram d[3];
	struct frag *f[3];
	size_t n[3], k;
	struct xs_reasm_stats st;
	struct xs_reasm_out o = { 0 };

	for (k = 0; k < 3; k++) {
		d[k] = dgram_v6((uint32_t)(50 + k), k == 1, 1500, 30 + k);
		n[k] = fragment(&d[k], 1024, &f[k]);
		cr_assert_eq(feed(r, &f[k][0], k, &o), 0);
	}
	xs_reasm__stats(r, &st);
	cr_assert_eq(st.evicted, 1);
	cr_assert_eq(st.datagrams_held, 2);
	cr_assert_eq(feed(r, &f[0][1], 10, &o), 0, "the first one went");
	cr_assert_eq(feed(r, &f[2][1], 10, &o), 1);
	assert_rebuilt(&o, &d[2]);
	free(o.buf);
	cr_assert_eq(feed(r, &f[1][1], 10, &o), 0, "evicted by the new first of datagram 0");
	for (k = 0; k < 3; k++) {
		frags_free(f[k], n[k]);
		free(d[k].buf);
	}
	xs_reasm__free(r);
}

Test(iface_reasm, stats_and_opts)
{
	struct xs_reasm_opts bad = { .sz = 4 };
	struct dgram d = dgram_v4(60, 0, 2000, 40);
	struct xs_reasm *r = reasm_new(0, 0, 0);
	struct xs_reasm_stats st;
	struct xs_reasm_out o = { 0 };
	struct frag *f, odd = frag_of(&d, 8, 12, true), ov;
	size_t n = fragment(&d, 1024, &f);

	errno = 0;
	cr_assert_null(xs_reasm__new(&bad));
	cr_assert_eq(errno, EINVAL);

	feed_all_expect(r, f, NULL, n, &d);			/* 2 fragments, 1 datagram */
	cr_assert_eq(feed(r, &odd, 0, &o), -EBADMSG);		/* malformed */
	cr_assert_eq(feed(r, &f[1], 0, &o), 0);
	cr_assert_eq(feed(r, &f[1], 0, &o), 0);			/* duplicate */
	ov = frag_of(&d, 1016, 16, true);
	cr_assert_eq(feed(r, &ov, 0, &o), -EEXIST);		/* overlap */
	cr_assert_eq(feed(r, &f[1], 0, &o), 0);			/* held again */
	xs_reasm__stats(r, &st);
	cr_assert_eq(st.fragments, 7);
	cr_assert_eq(st.reassembled, 1);
	cr_assert_eq(st.malformed, 1);
	cr_assert_eq(st.overlaps, 1);
	cr_assert_eq(st.timeouts, 0);
	cr_assert_eq(st.evicted, 0);
	cr_assert_eq(st.datagrams_held, 1);
	cr_assert_eq(st.bytes_held, (2008 - 1024) + XS_REASM_FRAG_OVERHEAD);
	cr_assert_eq(xs_reasm__expire(r, 30 * SEC), 1);
	xs_reasm__stats(r, &st);
	cr_assert_eq(st.timeouts, 1);
	cr_assert_eq(st.bytes_held, 0);
	free(odd.buf);
	free(ov.buf);
	frags_free(f, n);
	free(d.buf);
	xs_reasm__free(r);
}
