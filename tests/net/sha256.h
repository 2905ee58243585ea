/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * SHA-256 (FIPS 180-4) for the network test helpers, so that both ends of
 * a bulk transfer can print a digest of what they sent and received
 * without a dependency on OpenSSL (which the project does not install).
 * Plain portable C, about 200 MB/s here: fast enough to hash the 64 MiB
 * each way of test_tcp_bulk.sh in well under a second.  xs_tcp's
 * `selftest` mode checks it against the FIPS 180-2 example vectors.
 *
 * Header-only: every .c file in tests/net is a program of its own.
 */
#ifndef XS_TESTS_SHA256_H
#define XS_TESTS_SHA256_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

struct xs_sha256 {
	uint32_t h[8];
	uint64_t len;           /* bytes hashed so far */
	uint8_t blk[64];
	size_t fill;            /* bytes in blk */
};

static const uint32_t xs_sha256_k[64] = {
	0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4, 0xab1c5ed5,
	0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174,
	0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da,
	0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7, 0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967,
	0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13, 0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85,
	0xa2bfe8a1, 0xa81a664b, 0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070,
	0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f, 0x682e6ff3,
	0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7, 0xc67178f2,
};

static inline uint32_t xs_sha256_ror(uint32_t x, int n)
{
	return (x >> n) | (x << (32 - n));
}

static inline void xs_sha256_init(struct xs_sha256 *s)
{
	static const uint32_t iv[8] = {
		0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a,
		0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19,
	};

	memcpy(s->h, iv, sizeof(iv));
	s->len = 0;
	s->fill = 0;
}

static inline void xs_sha256_block(uint32_t h[8], const uint8_t *p)
{
	uint32_t w[64], a, b, c, d, e, f, g, hh, t1, t2;
	int i;

	for (i = 0; i < 16; i++)
		w[i] = (uint32_t)p[4 * i] << 24 | (uint32_t)p[4 * i + 1] << 16 |
		       (uint32_t)p[4 * i + 2] << 8 | (uint32_t)p[4 * i + 3];
	for (i = 16; i < 64; i++) {
		uint32_t s0 = xs_sha256_ror(w[i - 15], 7) ^ xs_sha256_ror(w[i - 15], 18) ^ (w[i - 15] >> 3);
		uint32_t s1 = xs_sha256_ror(w[i - 2], 17) ^ xs_sha256_ror(w[i - 2], 19) ^ (w[i - 2] >> 10);

		w[i] = w[i - 16] + s0 + w[i - 7] + s1;
	}
	a = h[0]; b = h[1]; c = h[2]; d = h[3];
	e = h[4]; f = h[5]; g = h[6]; hh = h[7];
	for (i = 0; i < 64; i++) {
		t1 = hh + (xs_sha256_ror(e, 6) ^ xs_sha256_ror(e, 11) ^ xs_sha256_ror(e, 25)) +
		     ((e & f) ^ (~e & g)) + xs_sha256_k[i] + w[i];
		t2 = (xs_sha256_ror(a, 2) ^ xs_sha256_ror(a, 13) ^ xs_sha256_ror(a, 22)) +
		     ((a & b) ^ (a & c) ^ (b & c));
		hh = g; g = f; f = e; e = d + t1;
		d = c; c = b; b = a; a = t1 + t2;
	}
	h[0] += a; h[1] += b; h[2] += c; h[3] += d;
	h[4] += e; h[5] += f; h[6] += g; h[7] += hh;
}

static inline void xs_sha256_update(struct xs_sha256 *s, const void *data, size_t len)
{
	const uint8_t *p = data;

	s->len += len;
	if (s->fill) {
		size_t take = 64 - s->fill < len ? 64 - s->fill : len;

		memcpy(s->blk + s->fill, p, take);
		s->fill += take;
		p += take;
		len -= take;
		if (s->fill < 64)
			return;
		xs_sha256_block(s->h, s->blk);
		s->fill = 0;
	}
	for (; len >= 64; p += 64, len -= 64)
		xs_sha256_block(s->h, p);
	memcpy(s->blk, p, len);
	s->fill = len;
}

/* The digest as 64 lower-case hex digits and a NUL; s is spent. */
static inline void xs_sha256_hex(struct xs_sha256 *s, char out[65])
{
	uint64_t bits = s->len * 8;
	int i;

	s->blk[s->fill++] = 0x80;
	if (s->fill > 56) {
		memset(s->blk + s->fill, 0, 64 - s->fill);
		xs_sha256_block(s->h, s->blk);
		s->fill = 0;
	}
	memset(s->blk + s->fill, 0, 56 - s->fill);
	for (i = 0; i < 8; i++)
		s->blk[56 + i] = (uint8_t)(bits >> (56 - 8 * i));
	xs_sha256_block(s->h, s->blk);
	for (i = 0; i < 32; i++) {
		static const char hex[] = "0123456789abcdef";
		uint8_t byte = (uint8_t)(s->h[i / 4] >> (24 - 8 * (i % 4)));

		out[2 * i] = hex[byte >> 4];
		out[2 * i + 1] = hex[byte & 15];
	}
	out[64] = 0;
}

#endif /* XS_TESTS_SHA256_H */
