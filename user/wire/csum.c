// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * The Internet checksum: every parse that verifies a checksum and every
 * emit that writes one ends here.  Sums 64-bit words with their carries
 * into a 64-bit accumulator (on x86-64 one add-with-carry chain, 64 bytes
 * per round; elsewhere, and for the rest, 32 bytes per round in C), and
 * folds at the end.
 */
#include "wire/csum.h"

#include <endian.h>
#include <string.h>
#include <sys/socket.h>

static inline uint64_t add_carry64(uint64_t a, uint64_t b)
{
	a += b;
	return a + (a < b);
}

static inline uint32_t fold64(uint64_t s)
{
	s = (s & 0xffffffffu) + (s >> 32);
	s = (s & 0xffffffffu) + (s >> 32);
	return (uint32_t)s;
}

static inline uint64_t load64(const uint8_t *p)
{
	uint64_t v;

	memcpy(&v, p, sizeof(v));
	return v;
}

#if defined(__x86_64__)
/* 64 bytes per round on one add-with-carry chain: eight adcq with memory
 * operands, the carry never leaving the flag (what C cannot say). */
static inline uint64_t sum64_blocks(const uint8_t **pp, size_t *lenp, uint64_t s)
{
	const uint8_t *p = *pp;
	size_t n = *lenp / 64;

	if (!n)
		return s;
	__asm__("clc\n"
		"1:\n\t"
		"adcq 0(%[p]), %[s]\n\t"
		"adcq 8(%[p]), %[s]\n\t"
		"adcq 16(%[p]), %[s]\n\t"
		"adcq 24(%[p]), %[s]\n\t"
		"adcq 32(%[p]), %[s]\n\t"
		"adcq 40(%[p]), %[s]\n\t"
		"adcq 48(%[p]), %[s]\n\t"
		"adcq 56(%[p]), %[s]\n\t"
		"leaq 64(%[p]), %[p]\n\t"	/* lea and dec keep the carry */
		"decq %[n]\n\t"
		"jnz 1b\n\t"
		"adcq $0, %[s]"
		: [s] "+r"(s), [p] "+r"(p), [n] "+r"(n)
		:
		: "cc", "memory");
	*lenp -= (size_t)(p - *pp);
	*pp = p;
	return s;
}
#else
static inline uint64_t sum64_blocks(const uint8_t **pp, size_t *lenp, uint64_t s)
{
	(void)pp;
	(void)lenp;
	return s;
}
#endif

uint32_t xs_csum_partial(const void *buf, size_t len, uint32_t sum)
{
	const uint8_t *p = buf;
	uint64_t s = sum, tail = 0;

	s = sum64_blocks(&p, &len, s);
	/* Four independent carries per round keep the adds from serialising
	 * on one flag. */
	while (len >= 32) {
		uint64_t a = load64(p), b = load64(p + 8);
		uint64_t c = load64(p + 16), d = load64(p + 24);
		uint64_t ab = add_carry64(a, b), cd = add_carry64(c, d);

		s = add_carry64(s, add_carry64(ab, cd));
		p += 32;
		len -= 32;
	}
	while (len >= 8) {
		s = add_carry64(s, load64(p));
		p += 8;
		len -= 8;
	}
	/* The last 0..7 bytes sit at the same positions of a zeroed word, so
	 * an odd last byte is the high half of its 16-bit word as RFC 1071
	 * wants, on either byte order. */
	memcpy(&tail, p, len);
	s = add_carry64(s, tail);
	return fold64(s);
}

uint32_t xs_csum_add(uint32_t a, uint32_t b)
{
	a += b;
	return a + (a < b);
}

uint32_t xs_csum_block_add(uint32_t sum, uint32_t block, size_t offset)
{
	if (offset & 1)
		block = (block >> 8) | (block << 24);
	return xs_csum_add(sum, block);
}

uint16_t xs_csum_fold(uint32_t sum)
{
	sum = (sum & 0xffff) + (sum >> 16);
	sum = (sum & 0xffff) + (sum >> 16);
	return be16toh((uint16_t)~sum);
}

uint32_t xs_csum_pseudo4(const struct in_addr *src, const struct in_addr *dst,
			 uint8_t proto, uint32_t len)
{
	uint64_t s = (uint64_t)src->s_addr + dst->s_addr;

	s += htobe16(proto) + (uint64_t)htobe16((uint16_t)len);
	return fold64(s);
}

uint32_t xs_csum_pseudo6(const struct in6_addr *src, const struct in6_addr *dst,
			 uint8_t next_header, uint32_t len)
{
	uint32_t s = xs_csum_partial(src, sizeof(*src), 0);

	s = xs_csum_partial(dst, sizeof(*dst), s);
	s = xs_csum_add(s, htobe32(len));
	return xs_csum_add(s, htobe32(next_header));
}

uint32_t xs_csum_pseudo(const struct xs_pseudo *ph, uint8_t proto, uint32_t len)
{
	if (ph->family == AF_INET6)
		return xs_csum_pseudo6(&ph->src.v6, &ph->dst.v6, proto, len);
	return xs_csum_pseudo4(&ph->src.v4, &ph->dst.v4, proto, len);
}

uint16_t xs_csum_l4(const struct xs_pseudo *ph, uint8_t proto,
		    const void *buf, size_t len)
{
	return xs_csum_fold(xs_csum_partial(buf, len,
					    xs_csum_pseudo(ph, proto, (uint32_t)len)));
}

bool xs_csum_l4_is_partial(const struct xs_pseudo *ph, uint8_t proto, const void *buf,
			   size_t len, size_t field_off)
{
	const uint8_t *p = buf;
	uint16_t field, want;

	if (field_off + 2 > len)
		return false;
	field = (uint16_t)(p[field_off] << 8 | p[field_off + 1]);
	want = (uint16_t)(0xffffu ^ xs_csum_fold(xs_csum_pseudo(ph, proto, (uint32_t)len)));
	return field == want;
}

uint16_t xs_csum_replace2(uint16_t check, uint16_t old, uint16_t new)
{
	uint32_t s = (uint16_t)~check + (uint32_t)(uint16_t)~old + new;

	s = (s & 0xffff) + (s >> 16);
	s = (s & 0xffff) + (s >> 16);
	return (uint16_t)~s;
}

uint16_t xs_csum_replace4(uint16_t check, uint32_t old, uint32_t new)
{
	check = xs_csum_replace2(check, (uint16_t)(old >> 16), (uint16_t)(new >> 16));
	return xs_csum_replace2(check, (uint16_t)old, (uint16_t)new);
}
