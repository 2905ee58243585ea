// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * wire/csum.c against the byte-at-a-time RFC 1071 reference in
 * wire_golden.h: every length 0..2048 at every alignment 0..7, split sums,
 * pseudo-headers, and the RFC 1624 incremental update against recomputing.
 * Random data comes from a seeded xorshift, so a failure reproduces.
 */
#include <criterion/criterion.h>
#include <arpa/inet.h>
#include <endian.h>
#include <string.h>

#include "wire/csum.h"
#include "wire/ipv4.h"
#include "wire_golden.h"

static uint64_t rng_next(uint64_t *s)
{
	*s ^= *s << 13;
	*s ^= *s >> 7;
	*s ^= *s << 17;
	return *s;
}

static void rng_fill(uint64_t *s, uint8_t *p, size_t len)
{
	size_t i;

	for (i = 0; i < len; i++)
		p[i] = (uint8_t)rng_next(s);
}

Test(wire_csum, rfc1071_example)
{
	/* RFC 1071 §3: these bytes sum to 0xddf2. */
	static const uint8_t b[] = { 0x00, 0x01, 0xf2, 0x03, 0xf4, 0xf5, 0xf6, 0xf7 };

	cr_assert_eq(ref_sum(b, sizeof(b), 0), 0xddf2);
	cr_assert_eq(xs_csum_fold(xs_csum_partial(b, sizeof(b), 0)), 0x220d);
}

static void check_all_lengths(const uint8_t *buf, const char *what)
{
	size_t off, len;

	for (off = 0; off < 8; off++)
		for (len = 0; len <= 2048; len++)
			cr_assert_eq(xs_csum_fold(xs_csum_partial(buf + off, len, 0)),
				     ref_csum(buf + off, len, 0),
				     "%s: offset %zu length %zu", what, off, len);
}

Test(wire_csum, matches_reference_every_length_and_alignment)
{
	static uint8_t buf[2048 + 8];
	uint64_t seed = 0x5eed0001;

	rng_fill(&seed, buf, sizeof(buf));
	check_all_lengths(buf, "random");
	/* All ones carries out of every add; all zeros folds to 0xffff. */
	memset(buf, 0xff, sizeof(buf));
	check_all_lengths(buf, "0xff");
	memset(buf, 0, sizeof(buf));
	check_all_lengths(buf, "zero");
}

Test(wire_csum, initial_sum_is_added)
{
	static uint8_t buf[300];
	uint64_t seed = 0x5eed0002;
	size_t len;

	rng_fill(&seed, buf, sizeof(buf));
	for (len = 0; len < 100; len++) {
		/* A header's partial sum carried into the payload's. */
		uint32_t head = xs_csum_partial(buf, 20, 0);

		cr_assert_eq(xs_csum_fold(xs_csum_partial(buf + 20, len * 2, head)),
			     ref_csum(buf, 20 + len * 2, 0), "length %zu", len);
	}
}

Test(wire_csum, split_sums_combine_at_any_offset)
{
	static uint8_t buf[700];
	uint64_t seed = 0x5eed0003;
	size_t len, k;

	rng_fill(&seed, buf, sizeof(buf));
	for (len = 0; len < sizeof(buf); len += 37) {
		uint16_t want = ref_csum(buf, len, 0);

		for (k = 0; k <= len; k++) {
			uint32_t a = xs_csum_partial(buf, k, 0);
			uint32_t b = xs_csum_partial(buf + k, len - k, 0);

			cr_assert_eq(xs_csum_fold(xs_csum_block_add(a, b, k)), want,
				     "length %zu split at %zu", len, k);
		}
	}
}

Test(wire_csum, pseudo_headers_match_reference)
{
	uint64_t seed = 0x5eed0004;
	int i;

	for (i = 0; i < 10000; i++) {
		struct in6_addr s6, d6;
		struct in_addr s4, d4;
		uint8_t proto = (uint8_t)rng_next(&seed);
		uint32_t len = (uint32_t)rng_next(&seed);
		struct xs_pseudo ph = { .family = AF_INET6 };

		rng_fill(&seed, (uint8_t *)&s6, 16);
		rng_fill(&seed, (uint8_t *)&d6, 16);
		rng_fill(&seed, (uint8_t *)&s4, 4);
		rng_fill(&seed, (uint8_t *)&d4, 4);
		cr_assert_eq(xs_csum_fold(xs_csum_pseudo6(&s6, &d6, proto, len)),
			     ref_csum(NULL, 0, ref_pseudo6((uint8_t *)&s6, (uint8_t *)&d6, proto, len)));
		cr_assert_eq(xs_csum_fold(xs_csum_pseudo4(&s4, &d4, proto, len & 0xffff)),
			     ref_csum(NULL, 0, ref_pseudo4((uint8_t *)&s4, (uint8_t *)&d4, proto, len & 0xffff)));
		ph.src.v6 = s6;
		ph.dst.v6 = d6;
		cr_assert_eq(xs_csum_pseudo(&ph, proto, len), xs_csum_pseudo6(&s6, &d6, proto, len));
		ph.family = AF_INET;
		ph.src.v4 = s4;
		ph.dst.v4 = d4;
		cr_assert_eq(xs_csum_pseudo(&ph, proto, len), xs_csum_pseudo4(&s4, &d4, proto, len));
	}
}

static bool all_zero(const uint8_t *p, size_t len)
{
	while (len--)
		if (*p++)
			return false;
	return true;
}

Test(wire_csum, incremental_update_matches_recompute)
{
	uint64_t seed = 0x5eed0005;
	uint8_t buf[64];
	int i;

	for (i = 0; i < 100000; i++) {
		size_t len = 4 + 2 * (rng_next(&seed) % 30);
		size_t at = 2 * (rng_next(&seed) % (len / 2 - 1));
		bool wide = rng_next(&seed) & 1;
		uint32_t old, new = (uint32_t)rng_next(&seed);
		uint16_t check;

		rng_fill(&seed, buf, len);
		/* Small values too, where carries and 0x0000/0xffff meet. */
		if (i % 4 == 0)
			new &= 0x3;
		check = ref_csum(buf, len, 0);
		if (wide) {
			old = xs_get32(buf + at);
			xs_put32(buf + at, new);
			check = xs_csum_replace4(check, old, new);
		} else {
			old = xs_get16(buf + at);
			xs_put16(buf + at, (uint16_t)new);
			check = xs_csum_replace2(check, (uint16_t)old, (uint16_t)new);
		}
		/* All-zero data is the one case where ~0 and 0 both fit. */
		if (all_zero(buf, len))
			continue;
		cr_assert_eq(check, ref_csum(buf, len, 0),
			     "iteration %d: %s at %zu of %zu", i, wide ? "32" : "16", at, len);
	}
}

Test(wire_csum, ttl_decrement_keeps_ipv4_header_valid)
{
	uint8_t ip[sizeof(golden_syn) - 14];
	struct xs_ipv4_view v;
	uint16_t old, check;

	memcpy(ip, golden_syn + 14, sizeof(ip));
	cr_assert_eq(ref_csum(ip, 20, 0), 0, "golden header checksum");
	while (ip[8] > 0) {
		old = xs_get16(ip + 8);
		ip[8]--;
		check = xs_csum_replace2(xs_get16(ip + 10), old, xs_get16(ip + 8));
		xs_put16(ip + 10, check);
		cr_assert_eq(xs_ipv4_view_init(&v, ip, sizeof(ip)), 0);
		cr_assert(xs_ipv4_csum_ok(&v), "ttl %u", ip[8]);
		cr_assert_eq(ref_csum(ip, 20, 0), 0, "ttl %u", ip[8]);
	}
}

/* A TCP segment as a sender with checksum offload leaves it: the field
 * holds the folded pseudo-header sum, uncomplemented (Linux's
 * __tcp_v4_send_check(): ~tcp_v4_check(len, saddr, daddr, 0)).  Written
 * here from the definition, independent of xs_csum_pseudo(). */
Test(wire_csum, partial_checksum_of_an_offloading_sender)
{
	uint8_t seg[40] = { 0x1f, 0x90, 0x9c, 0x40, 0, 0, 0, 1, 0, 0, 0, 0, 0x50, 0x18, 0xff, 0xff };
	struct xs_pseudo ph = { .family = AF_INET };
	uint32_t sum = 0;

	inet_pton(AF_INET, "198.18.0.2", &ph.src.v4);
	inet_pton(AF_INET, "198.18.0.1", &ph.dst.v4);
	memcpy(seg + 20, "twenty bytes of data", 20);
	/* pseudo header words: addresses, zero+protocol, length */
	sum += 0xc612 + 0x0002 + 0xc612 + 0x0001 + 6 + sizeof(seg);
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	seg[16] = (uint8_t)(sum >> 8);
	seg[17] = (uint8_t)sum;
	cr_assert(xs_csum_l4_is_partial(&ph, IPPROTO_TCP, seg, sizeof(seg), 16));
	cr_assert_neq(xs_csum_l4(&ph, IPPROTO_TCP, seg, sizeof(seg)), 0, "not a valid full checksum");
	/* a finished checksum is not partial */
	seg[16] = seg[17] = 0;
	{
		uint16_t c = xs_csum_l4(&ph, IPPROTO_TCP, seg, sizeof(seg));

		seg[16] = (uint8_t)(c >> 8);
		seg[17] = (uint8_t)c;
	}
	cr_assert_eq(xs_csum_l4(&ph, IPPROTO_TCP, seg, sizeof(seg)), 0);
	cr_assert_not(xs_csum_l4_is_partial(&ph, IPPROTO_TCP, seg, sizeof(seg), 16));
	/* the wrong length in the pseudo header, or a field past the end */
	cr_assert_not(xs_csum_l4_is_partial(&ph, IPPROTO_TCP, seg, sizeof(seg) - 1, 16));
	cr_assert_not(xs_csum_l4_is_partial(&ph, IPPROTO_TCP, seg, 17, 16));
}
