// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * RFC 6528 initial sequence numbers and RFC 7323 timestamp offsets, and the
 * keyed hash under both (SipHash-2-4, written from the paper's
 * description).  Called by the TCP output path when a connection opens; the
 * contract is in sock/tcp_isn.h.
 */
#include "sock/tcp_isn.h"

#include <string.h>

/* Domain tags: each use of the secret hashes its own kind of message. */
#define TAG_ISN   0x01
#define TAG_TSOFF 0x02

static inline uint64_t rotl64(uint64_t x, unsigned int b)
{
	return (x << b) | (x >> (64 - b));
}

static inline uint64_t le64(const uint8_t *p)
{
	uint64_t v = 0;
	int i;

	for (i = 7; i >= 0; i--)
		v = (v << 8) | p[i];
	return v;
}

#define SIPROUND(v0, v1, v2, v3)                                   \
	do {                                                       \
		v0 += v1; v1 = rotl64(v1, 13); v1 ^= v0; v0 = rotl64(v0, 32); \
		v2 += v3; v3 = rotl64(v3, 16); v3 ^= v2;           \
		v0 += v3; v3 = rotl64(v3, 21); v3 ^= v0;           \
		v2 += v1; v1 = rotl64(v1, 17); v1 ^= v2; v2 = rotl64(v2, 32); \
	} while (0)

uint64_t xs_siphash24(const uint8_t key[16], const void *data, size_t len)
{
	const uint8_t *p = data;
	uint64_t k0 = le64(key), k1 = le64(key + 8);
	/* "somepseudorandomlygeneratedbytes" */
	uint64_t v0 = k0 ^ 0x736f6d6570736575ULL;
	uint64_t v1 = k1 ^ 0x646f72616e646f6dULL;
	uint64_t v2 = k0 ^ 0x6c7967656e657261ULL;
	uint64_t v3 = k1 ^ 0x7465646279746573ULL;
	uint64_t m;
	size_t left = len;
	int i;

	/* Compression: c = 2 rounds per 8-byte little-endian word. */
	for (; left >= 8; left -= 8, p += 8) {
		m = le64(p);
		v3 ^= m;
		SIPROUND(v0, v1, v2, v3);
		SIPROUND(v0, v1, v2, v3);
		v0 ^= m;
	}
	/* The last word: the 0-7 bytes left, and len mod 256 in its top byte. */
	m = (uint64_t)(len & 0xff) << 56;
	for (i = (int)left - 1; i >= 0; i--)
		m |= (uint64_t)p[i] << (8 * i);
	v3 ^= m;
	SIPROUND(v0, v1, v2, v3);
	SIPROUND(v0, v1, v2, v3);
	v0 ^= m;
	/* Finalization: d = 4 rounds. */
	v2 ^= 0xff;
	SIPROUND(v0, v1, v2, v3);
	SIPROUND(v0, v1, v2, v3);
	SIPROUND(v0, v1, v2, v3);
	SIPROUND(v0, v1, v2, v3);
	return v0 ^ v1 ^ v2 ^ v3;
}

uint32_t xs_tcp_isn(const struct xs_tcp_secret *secret, const uint8_t laddr[16], uint16_t lport,
		    const uint8_t raddr[16], uint16_t rport, uint64_t now_ns)
{
	uint8_t msg[1 + 16 + 16 + 2 + 2];
	uint32_t f;

	msg[0] = TAG_ISN;
	memcpy(msg + 1, laddr, 16);
	memcpy(msg + 17, raddr, 16);
	msg[33] = (uint8_t)(lport >> 8);
	msg[34] = (uint8_t)lport;
	msg[35] = (uint8_t)(rport >> 8);
	msg[36] = (uint8_t)rport;
	f = (uint32_t)xs_siphash24(secret->key, msg, sizeof(msg));
	return f + (uint32_t)(now_ns >> XS_TCP_ISN_TICK_SHIFT);
}

uint32_t xs_tcp_ts_offset(const struct xs_tcp_secret *secret, const uint8_t laddr[16],
			  const uint8_t raddr[16])
{
	uint8_t msg[1 + 16 + 16];

	msg[0] = TAG_TSOFF;
	memcpy(msg + 1, laddr, 16);
	memcpy(msg + 17, raddr, 16);
	return (uint32_t)xs_siphash24(secret->key, msg, sizeof(msg));
}
