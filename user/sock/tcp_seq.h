/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * TCP sequence-space arithmetic: the comparisons every part of the TCP state
 * machine (tcp_in.c's acceptability tests, tcp_out.c's window edges, the
 * RFC 5961 ACK and RST checks, PAWS on timestamps) makes on 32-bit numbers
 * that wrap.  Header-only and pure: no state, no clock.
 *
 * Ordering (RFC 9293 3.4, RFC 1982 serial number arithmetic): a is "before"
 * b when the signed 32-bit difference a - b is negative, so 0xffffffff is
 * before 0 and 0 is after 0x7fffffff.  This is the kernel's before()/after().
 *
 * The one ambiguous distance is exactly 2^31: RFC 1982 leaves the order of
 * two numbers that far apart undefined.  Here a - b == 2^31 reads as
 * INT32_MIN, negative, so xs_seq_lt(a, b) AND xs_seq_lt(b, a) are both true
 * (and both xs_seq_gt() are false), exactly as Linux's before() answers.
 * That is safe because the stack never compares numbers that far apart and
 * expects an answer: the largest window is 65535 << 14 < 2^30 (RFC 7323
 * 2.3), every acceptability check involves numbers inside one window of
 * snd_una/rcv_nxt, and a segment whose numbers are 2^31 away fails one of
 * the window tests whichever way the comparison goes.  Timestamps (PAWS)
 * have the same rule and the same half-space limit (RFC 7323 5.2).
 *
 * xs_seq_between() has no such hole: it measures both distances from lo as
 * unsigned numbers, so it is exact for any window of up to 2^32 - 1 bytes.
 *
 * Conversions of uint32_t differences to int32_t rely on two's complement
 * wrap, which gcc and clang define (and C23 requires).
 */
#ifndef XS_SOCK_TCP_SEQ_H
#define XS_SOCK_TCP_SEQ_H

#include <stdbool.h>
#include <stdint.h>

/* a - b as a signed distance in sequence space: how far a is after b. */
static inline int32_t xs_seq_diff(uint32_t a, uint32_t b)
{
	return (int32_t)(a - b);
}

/* a before b. */
static inline bool xs_seq_lt(uint32_t a, uint32_t b)
{
	return xs_seq_diff(a, b) < 0;
}

/* a before or equal to b. */
static inline bool xs_seq_le(uint32_t a, uint32_t b)
{
	return xs_seq_diff(a, b) <= 0;
}

/* a after b. */
static inline bool xs_seq_gt(uint32_t a, uint32_t b)
{
	return xs_seq_diff(a, b) > 0;
}

/* a after or equal to b. */
static inline bool xs_seq_ge(uint32_t a, uint32_t b)
{
	return xs_seq_diff(a, b) >= 0;
}

/*
 * lo <= a < hi in sequence space, the window [lo, hi) possibly wrapping past
 * 2^32.  An empty window (lo == hi) holds nothing.  For "lo <= a <= hi" (as
 * the kernel's between()) pass hi + 1.
 */
static inline bool xs_seq_between(uint32_t a, uint32_t lo, uint32_t hi)
{
	return a - lo < hi - lo;
}

/* The later of a and b (a when they are 2^31 apart: see above). */
static inline uint32_t xs_seq_max(uint32_t a, uint32_t b)
{
	return xs_seq_gt(b, a) ? b : a;
}

/* The earlier of a and b (a when they are 2^31 apart: see above). */
static inline uint32_t xs_seq_min(uint32_t a, uint32_t b)
{
	return xs_seq_gt(a, b) ? b : a;
}

#endif /* XS_SOCK_TCP_SEQ_H */
