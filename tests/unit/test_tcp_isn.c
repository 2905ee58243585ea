// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * RFC 6528 initial sequence numbers and RFC 7323 timestamp offsets
 * (sock/tcp_isn.h): the SipHash-2-4 under them against the published
 * vectors, then what an attacker or a peer would notice: ISNs that differ
 * per 4-tuple and per secret, advance with the clock and spread evenly.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <criterion/criterion.h>

#include "sock/tcp_isn.h"
#include "sock/tcp_seq.h"

/* The reference key of the SipHash paper: 00 01 02 ... 0f. */
static const uint8_t ref_key[16] = { 0x00, 0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07,
				     0x08, 0x09, 0x0a, 0x0b, 0x0c, 0x0d, 0x0e, 0x0f };

/*
 * SipHash-2-4 with ref_key over the messages of length 0..63 whose bytes
 * are 00 01 02 ... (len - 1): entry i is the output for the i-byte message,
 * as little-endian bytes.  Copied verbatim from vectors_sip64[64] in the
 * reference implementation by the paper's authors
 * (https://github.com/veorq/SipHash, vectors.h), the table the paper's
 * test vectors come from; the same table is in Linux's lib/test_siphash.c.
 */
static const uint8_t sip64_vectors[64][8] = {
	{ 0x31, 0x0e, 0x0e, 0xdd, 0x47, 0xdb, 0x6f, 0x72 }, /*  0 */
	{ 0xfd, 0x67, 0xdc, 0x93, 0xc5, 0x39, 0xf8, 0x74 }, /*  1 */
	{ 0x5a, 0x4f, 0xa9, 0xd9, 0x09, 0x80, 0x6c, 0x0d }, /*  2 */
	{ 0x2d, 0x7e, 0xfb, 0xd7, 0x96, 0x66, 0x67, 0x85 }, /*  3 */
	{ 0xb7, 0x87, 0x71, 0x27, 0xe0, 0x94, 0x27, 0xcf }, /*  4 */
	{ 0x8d, 0xa6, 0x99, 0xcd, 0x64, 0x55, 0x76, 0x18 }, /*  5 */
	{ 0xce, 0xe3, 0xfe, 0x58, 0x6e, 0x46, 0xc9, 0xcb }, /*  6 */
	{ 0x37, 0xd1, 0x01, 0x8b, 0xf5, 0x00, 0x02, 0xab }, /*  7 */
	{ 0x62, 0x24, 0x93, 0x9a, 0x79, 0xf5, 0xf5, 0x93 }, /*  8 */
	{ 0xb0, 0xe4, 0xa9, 0x0b, 0xdf, 0x82, 0x00, 0x9e }, /*  9 */
	{ 0xf3, 0xb9, 0xdd, 0x94, 0xc5, 0xbb, 0x5d, 0x7a }, /* 10 */
	{ 0xa7, 0xad, 0x6b, 0x22, 0x46, 0x2f, 0xb3, 0xf4 }, /* 11 */
	{ 0xfb, 0xe5, 0x0e, 0x86, 0xbc, 0x8f, 0x1e, 0x75 }, /* 12 */
	{ 0x90, 0x3d, 0x84, 0xc0, 0x27, 0x56, 0xea, 0x14 }, /* 13 */
	{ 0xee, 0xf2, 0x7a, 0x8e, 0x90, 0xca, 0x23, 0xf7 }, /* 14 */
	{ 0xe5, 0x45, 0xbe, 0x49, 0x61, 0xca, 0x29, 0xa1 }, /* 15 */
	{ 0xdb, 0x9b, 0xc2, 0x57, 0x7f, 0xcc, 0x2a, 0x3f }, /* 16 */
	{ 0x94, 0x47, 0xbe, 0x2c, 0xf5, 0xe9, 0x9a, 0x69 }, /* 17 */
	{ 0x9c, 0xd3, 0x8d, 0x96, 0xf0, 0xb3, 0xc1, 0x4b }, /* 18 */
	{ 0xbd, 0x61, 0x79, 0xa7, 0x1d, 0xc9, 0x6d, 0xbb }, /* 19 */
	{ 0x98, 0xee, 0xa2, 0x1a, 0xf2, 0x5c, 0xd6, 0xbe }, /* 20 */
	{ 0xc7, 0x67, 0x3b, 0x2e, 0xb0, 0xcb, 0xf2, 0xd0 }, /* 21 */
	{ 0x88, 0x3e, 0xa3, 0xe3, 0x95, 0x67, 0x53, 0x93 }, /* 22 */
	{ 0xc8, 0xce, 0x5c, 0xcd, 0x8c, 0x03, 0x0c, 0xa8 }, /* 23 */
	{ 0x94, 0xaf, 0x49, 0xf6, 0xc6, 0x50, 0xad, 0xb8 }, /* 24 */
	{ 0xea, 0xb8, 0x85, 0x8a, 0xde, 0x92, 0xe1, 0xbc }, /* 25 */
	{ 0xf3, 0x15, 0xbb, 0x5b, 0xb8, 0x35, 0xd8, 0x17 }, /* 26 */
	{ 0xad, 0xcf, 0x6b, 0x07, 0x63, 0x61, 0x2e, 0x2f }, /* 27 */
	{ 0xa5, 0xc9, 0x1d, 0xa7, 0xac, 0xaa, 0x4d, 0xde }, /* 28 */
	{ 0x71, 0x65, 0x95, 0x87, 0x66, 0x50, 0xa2, 0xa6 }, /* 29 */
	{ 0x28, 0xef, 0x49, 0x5c, 0x53, 0xa3, 0x87, 0xad }, /* 30 */
	{ 0x42, 0xc3, 0x41, 0xd8, 0xfa, 0x92, 0xd8, 0x32 }, /* 31 */
	{ 0xce, 0x7c, 0xf2, 0x72, 0x2f, 0x51, 0x27, 0x71 }, /* 32 */
	{ 0xe3, 0x78, 0x59, 0xf9, 0x46, 0x23, 0xf3, 0xa7 }, /* 33 */
	{ 0x38, 0x12, 0x05, 0xbb, 0x1a, 0xb0, 0xe0, 0x12 }, /* 34 */
	{ 0xae, 0x97, 0xa1, 0x0f, 0xd4, 0x34, 0xe0, 0x15 }, /* 35 */
	{ 0xb4, 0xa3, 0x15, 0x08, 0xbe, 0xff, 0x4d, 0x31 }, /* 36 */
	{ 0x81, 0x39, 0x62, 0x29, 0xf0, 0x90, 0x79, 0x02 }, /* 37 */
	{ 0x4d, 0x0c, 0xf4, 0x9e, 0xe5, 0xd4, 0xdc, 0xca }, /* 38 */
	{ 0x5c, 0x73, 0x33, 0x6a, 0x76, 0xd8, 0xbf, 0x9a }, /* 39 */
	{ 0xd0, 0xa7, 0x04, 0x53, 0x6b, 0xa9, 0x3e, 0x0e }, /* 40 */
	{ 0x92, 0x59, 0x58, 0xfc, 0xd6, 0x42, 0x0c, 0xad }, /* 41 */
	{ 0xa9, 0x15, 0xc2, 0x9b, 0xc8, 0x06, 0x73, 0x18 }, /* 42 */
	{ 0x95, 0x2b, 0x79, 0xf3, 0xbc, 0x0a, 0xa6, 0xd4 }, /* 43 */
	{ 0xf2, 0x1d, 0xf2, 0xe4, 0x1d, 0x45, 0x35, 0xf9 }, /* 44 */
	{ 0x87, 0x57, 0x75, 0x19, 0x04, 0x8f, 0x53, 0xa9 }, /* 45 */
	{ 0x10, 0xa5, 0x6c, 0xf5, 0xdf, 0xcd, 0x9a, 0xdb }, /* 46 */
	{ 0xeb, 0x75, 0x09, 0x5c, 0xcd, 0x98, 0x6c, 0xd0 }, /* 47 */
	{ 0x51, 0xa9, 0xcb, 0x9e, 0xcb, 0xa3, 0x12, 0xe6 }, /* 48 */
	{ 0x96, 0xaf, 0xad, 0xfc, 0x2c, 0xe6, 0x66, 0xc7 }, /* 49 */
	{ 0x72, 0xfe, 0x52, 0x97, 0x5a, 0x43, 0x64, 0xee }, /* 50 */
	{ 0x5a, 0x16, 0x45, 0xb2, 0x76, 0xd5, 0x92, 0xa1 }, /* 51 */
	{ 0xb2, 0x74, 0xcb, 0x8e, 0xbf, 0x87, 0x87, 0x0a }, /* 52 */
	{ 0x6f, 0x9b, 0xb4, 0x20, 0x3d, 0xe7, 0xb3, 0x81 }, /* 53 */
	{ 0xea, 0xec, 0xb2, 0xa3, 0x0b, 0x22, 0xa8, 0x7f }, /* 54 */
	{ 0x99, 0x24, 0xa4, 0x3c, 0xc1, 0x31, 0x57, 0x24 }, /* 55 */
	{ 0xbd, 0x83, 0x8d, 0x3a, 0xaf, 0xbf, 0x8d, 0xb7 }, /* 56 */
	{ 0x0b, 0x1a, 0x2a, 0x32, 0x65, 0xd5, 0x1a, 0xea }, /* 57 */
	{ 0x13, 0x50, 0x79, 0xa3, 0x23, 0x1c, 0xe6, 0x60 }, /* 58 */
	{ 0x93, 0x2b, 0x28, 0x46, 0xe4, 0xd7, 0x06, 0x66 }, /* 59 */
	{ 0xe1, 0x91, 0x5f, 0x5c, 0xb1, 0xec, 0xa4, 0x6c }, /* 60 */
	{ 0xf3, 0x25, 0x96, 0x5c, 0xa1, 0x6d, 0x62, 0x9f }, /* 61 */
	{ 0x57, 0x5f, 0xf2, 0x8e, 0x60, 0x38, 0x1b, 0xe5 }, /* 62 */
	{ 0x72, 0x45, 0x06, 0xeb, 0x4c, 0x32, 0x8a, 0x95 }, /* 63 */
};

static uint64_t le64(const uint8_t b[8])
{
	uint64_t v = 0;
	int i;

	for (i = 7; i >= 0; i--)
		v = (v << 8) | b[i];
	return v;
}

Test(tcp_isn, siphash_reference_vectors)
{
	uint8_t msg[64];
	size_t len;

	for (len = 0; len < 64; len++)
		msg[len] = (uint8_t)len;
	for (len = 0; len < 64; len++) {
		uint64_t got = xs_siphash24(ref_key, msg, len);

		cr_expect_eq(got, le64(sip64_vectors[len]), "len %zu: got %016llx want %016llx", len,
			     (unsigned long long)got, (unsigned long long)le64(sip64_vectors[len]));
	}
}

/* The worked example of the paper's Appendix A: the 15-byte message
 * 00 .. 0e under ref_key gives a129ca6149be45e5. */
Test(tcp_isn, siphash_paper_appendix_a)
{
	static const uint8_t msg[15] = { 0x00, 0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07,
					 0x08, 0x09, 0x0a, 0x0b, 0x0c, 0x0d, 0x0e };

	cr_expect_eq(xs_siphash24(ref_key, msg, sizeof(msg)), 0xa129ca6149be45e5ULL);
}

/* Unaligned input reads the same bytes. */
Test(tcp_isn, siphash_unaligned)
{
	uint8_t buf[64 + 1];
	size_t i;

	for (i = 0; i < 64; i++)
		buf[i + 1] = (uint8_t)i;
	cr_expect_eq(xs_siphash24(ref_key, buf + 1, 37), le64(sip64_vectors[37]));
}

static const struct xs_tcp_secret secret = {
	.key = { 0x5e, 0xc8, 0x3f, 0x12, 0x9a, 0x40, 0x77, 0xd1,
		 0x2b, 0x06, 0xee, 0x91, 0x34, 0xc5, 0x68, 0xfa },
};

/* ::ffff:198.18.0.1 and ::ffff:198.18.0.2 */
static const uint8_t v4_a[16] = { [10] = 0xff, [11] = 0xff, 198, 18, 0, 1 };
static const uint8_t v4_b[16] = { [10] = 0xff, [11] = 0xff, 198, 18, 0, 2 };
/* 2001:db8::1 */
static const uint8_t v6_a[16] = { 0x20, 0x01, 0x0d, 0xb8, [15] = 1 };

/* The message layout, written out independently of tcp_isn.c: a tag byte
 * 0x01, local address, remote address, ports big-endian. */
Test(tcp_isn, isn_is_siphash_plus_clock)
{
	uint8_t msg[37] = { 0x01 };
	uint64_t now = 123456789012345ULL;
	uint32_t f;

	memcpy(msg + 1, v4_a, 16);
	memcpy(msg + 17, v4_b, 16);
	msg[33] = 0x1f; msg[34] = 0x90;         /* 8080 */
	msg[35] = 0xc3; msg[36] = 0x50;         /* 50000 */
	f = (uint32_t)xs_siphash24(secret.key, msg, sizeof(msg));
	cr_expect_eq(xs_tcp_isn(&secret, v4_a, 8080, v4_b, 50000, now),
		     f + (uint32_t)(now >> 6));
	cr_expect_eq(xs_tcp_isn(&secret, v4_a, 8080, v4_b, 50000, 0), f);
}

Test(tcp_isn, tuples_differ)
{
	const uint64_t now = 1000000000;
	uint32_t base = xs_tcp_isn(&secret, v4_a, 8080, v4_b, 50000, now);

	cr_expect_neq(xs_tcp_isn(&secret, v4_a, 8081, v4_b, 50000, now), base);
	cr_expect_neq(xs_tcp_isn(&secret, v4_a, 8080, v4_b, 50001, now), base);
	cr_expect_neq(xs_tcp_isn(&secret, v4_b, 8080, v4_b, 50000, now), base);
	cr_expect_neq(xs_tcp_isn(&secret, v4_a, 8080, v4_a, 50000, now), base);
	cr_expect_neq(xs_tcp_isn(&secret, v6_a, 8080, v4_b, 50000, now), base);
	/* the other direction of the same connection */
	cr_expect_neq(xs_tcp_isn(&secret, v4_b, 50000, v4_a, 8080, now), base);
	/* ports swapped between local and remote */
	cr_expect_neq(xs_tcp_isn(&secret, v4_a, 50000, v4_b, 8080, now), base);
	/* and the same inputs give the same answer */
	cr_expect_eq(xs_tcp_isn(&secret, v4_a, 8080, v4_b, 50000, now), base);
}

Test(tcp_isn, clock_advances_isn)
{
	const uint64_t t0 = 1ULL << 40;         /* a multiple of 64 ns */
	uint32_t base = xs_tcp_isn(&secret, v4_a, 8080, v4_b, 50000, t0);
	uint32_t prev = base;
	uint64_t t;

	/* one step per 64 ns tick, nothing in between */
	cr_expect_eq(xs_tcp_isn(&secret, v4_a, 8080, v4_b, 50000, t0 + 63), base);
	cr_expect_eq(xs_tcp_isn(&secret, v4_a, 8080, v4_b, 50000, t0 + 64), base + 1);
	cr_expect_eq(xs_tcp_isn(&secret, v4_a, 8080, v4_b, 50000, t0 + 1000 * 64), base + 1000);
	/* 1 s later: 10^9 / 64 = 15625000 ticks */
	cr_expect_eq(xs_tcp_isn(&secret, v4_a, 8080, v4_b, 50000, t0 + 1000000000ULL),
		     base + 15625000u);
	/* 2^32 ticks (~274.9 s) later M has wrapped once: the same ISN */
	cr_expect_eq(xs_tcp_isn(&secret, v4_a, 8080, v4_b, 50000, t0 + (64ULL << 32)), base);

	/* over two minutes (an MSL) in 1.7 s steps, each ISN is after the
	 * previous in sequence space */
	for (t = t0 + 1700000000ULL; t <= t0 + 120 * 1000000000ULL; t += 1700000000ULL) {
		uint32_t isn = xs_tcp_isn(&secret, v4_a, 8080, v4_b, 50000, t);

		cr_expect(xs_seq_gt(isn, prev), "t0 + %llu ns", (unsigned long long)(t - t0));
		cr_expect_eq(isn - prev, 1700000000u / 64);
		prev = isn;
	}
}

static uint64_t xorshift64(uint64_t *s)
{
	uint64_t x = *s;

	x ^= x << 13;
	x ^= x >> 7;
	x ^= x << 17;
	return *s = x;
}

static int cmp_u32(const void *a, const void *b)
{
	uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;

	return x < y ? -1 : x > y;
}

/* 10000 distinct random tuples at one instant: no two ISNs equal, and each
 * of the 32 bits set in about half of them (expected 5000, sigma 50). */
Test(tcp_isn, distribution)
{
	enum { N = 10000 };
	uint32_t *isn = calloc(N, sizeof(*isn));
	uint64_t seed = 0x9e3779b97f4a7c15ULL;
	unsigned int ones[32] = { 0 };
	int i, bit;

	cr_assert_not_null(isn);
	for (i = 0; i < N; i++) {
		uint8_t la[16] = { [10] = 0xff, [11] = 0xff }, ra[16] = { [10] = 0xff, [11] = 0xff };
		uint64_t r = xorshift64(&seed);
		uint16_t lport, rport;

		memcpy(la + 12, &r, 4);
		/* the remote address carries i, so every tuple is different */
		ra[12] = 198;
		ra[13] = 18;
		ra[14] = (uint8_t)(i >> 8);
		ra[15] = (uint8_t)i;
		lport = (uint16_t)(r >> 32);
		rport = (uint16_t)(r >> 48);
		isn[i] = xs_tcp_isn(&secret, la, lport, ra, rport, 42 * 1000000000ULL);
		for (bit = 0; bit < 32; bit++)
			ones[bit] += (isn[i] >> bit) & 1;
	}
	qsort(isn, N, sizeof(*isn), cmp_u32);
	for (i = 1; i < N; i++)
		cr_expect_neq(isn[i], isn[i - 1], "two tuples share ISN %#x", isn[i]);
	for (bit = 0; bit < 32; bit++)
		cr_expect(ones[bit] > 4500 && ones[bit] < 5500, "bit %d set in %u of %d",
			  bit, ones[bit], N);
	free(isn);
}

Test(tcp_isn, secret_matters)
{
	struct xs_tcp_secret other = secret;
	const uint64_t now = 5000000000ULL;
	int byte, diff = 0;

	other.key[15] ^= 0x01;
	cr_expect_neq(xs_tcp_isn(&other, v4_a, 8080, v4_b, 50000, now),
		      xs_tcp_isn(&secret, v4_a, 8080, v4_b, 50000, now));
	cr_expect_neq(xs_tcp_ts_offset(&other, v4_a, v4_b), xs_tcp_ts_offset(&secret, v4_a, v4_b));
	/* every byte of the key counts */
	for (byte = 0; byte < 16; byte++) {
		other = secret;
		other.key[byte] ^= 0x80;
		diff += xs_tcp_isn(&other, v4_a, 8080, v4_b, 50000, now) !=
			xs_tcp_isn(&secret, v4_a, 8080, v4_b, 50000, now);
	}
	cr_expect_eq(diff, 16);
}

Test(tcp_isn, ts_offset_per_address_pair)
{
	uint32_t off = xs_tcp_ts_offset(&secret, v4_a, v4_b);
	uint8_t msg[33] = { 0x02 };

	/* the layout: tag 0x02, local address, remote address */
	memcpy(msg + 1, v4_a, 16);
	memcpy(msg + 17, v4_b, 16);
	cr_expect_eq(off, (uint32_t)xs_siphash24(secret.key, msg, sizeof(msg)));
	cr_expect_eq(xs_tcp_ts_offset(&secret, v4_a, v4_b), off);
	cr_expect_neq(xs_tcp_ts_offset(&secret, v4_b, v4_a), off);
	cr_expect_neq(xs_tcp_ts_offset(&secret, v4_a, v6_a), off);
	/* not the ISN's hash: a peer seeing TSval learns nothing about F */
	cr_expect_neq(xs_tcp_isn(&secret, v4_a, 0, v4_b, 0, 0), off);
}
