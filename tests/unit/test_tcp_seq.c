// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * Sequence-space comparisons (sock/tcp_seq.h) at the points where a naive
 * unsigned compare goes wrong: 0, 2^31 - 1, 2^31, 2^32 - 1 and across the
 * wrap, and windows that straddle 2^32.
 */
#include <stdint.h>

#include <criterion/criterion.h>

#include "sock/tcp_seq.h"

struct seq_case {
	uint32_t a, b;
	int32_t diff;   /* a - b in sequence space */
	bool lt, le, gt, ge;
};

/* Expected answers worked out from the rule "a before b iff (int32)(a - b) < 0". */
static const struct seq_case cases[] = {
	/* equal, at each landmark */
	{ 0, 0, 0, false, true, false, true },
	{ 0x7fffffff, 0x7fffffff, 0, false, true, false, true },
	{ 0x80000000, 0x80000000, 0, false, true, false, true },
	{ 0xffffffff, 0xffffffff, 0, false, true, false, true },
	/* neighbours without a wrap */
	{ 1, 0, 1, false, false, true, true },
	{ 0, 1, -1, true, true, false, false },
	{ 0x80000000, 0x7fffffff, 1, false, false, true, true },
	{ 0x7fffffff, 0x80000000, -1, true, true, false, false },
	/* across the wrap: 0xffffffff comes just before 0 */
	{ 0, 0xffffffff, 1, false, false, true, true },
	{ 0xffffffff, 0, -1, true, true, false, false },
	{ 0x10, 0xfffffff0, 32, false, false, true, true },
	{ 0xfffffff0, 0x10, -32, true, true, false, false },
	/* the largest distances with a defined order: 2^31 - 1 */
	{ 0x7fffffff, 0, INT32_MAX, false, false, true, true },
	{ 0, 0x7fffffff, -INT32_MAX, true, true, false, false },
	{ 0, 0x80000001, INT32_MAX, false, false, true, true },
	{ 0x80000001, 0, -INT32_MAX, true, true, false, false },
	{ 0xffffffff, 0x80000000, INT32_MAX, false, false, true, true },
	/* exactly 2^31 apart: undefined by RFC 1982; each reads as before
	 * the other (documented in tcp_seq.h, same as Linux's before()) */
	{ 0x80000000, 0, INT32_MIN, true, true, false, false },
	{ 0, 0x80000000, INT32_MIN, true, true, false, false },
	{ 0xffffffff, 0x7fffffff, INT32_MIN, true, true, false, false },
	{ 0x7fffffff, 0xffffffff, INT32_MIN, true, true, false, false },
};

Test(tcp_seq, compare_table)
{
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		const struct seq_case *c = &cases[i];

		cr_expect_eq(xs_seq_diff(c->a, c->b), c->diff, "diff(%#x, %#x) = %d, want %d",
			     c->a, c->b, xs_seq_diff(c->a, c->b), c->diff);
		cr_expect_eq(xs_seq_lt(c->a, c->b), c->lt, "lt(%#x, %#x)", c->a, c->b);
		cr_expect_eq(xs_seq_le(c->a, c->b), c->le, "le(%#x, %#x)", c->a, c->b);
		cr_expect_eq(xs_seq_gt(c->a, c->b), c->gt, "gt(%#x, %#x)", c->a, c->b);
		cr_expect_eq(xs_seq_ge(c->a, c->b), c->ge, "ge(%#x, %#x)", c->a, c->b);
	}
}

/* Away from the 2^31 point the order is a strict total order locally:
 * exactly one of a < b, a == b, a > b, and lt(a, b) == gt(b, a). */
Test(tcp_seq, antisymmetric_except_half_space)
{
	static const uint32_t pts[] = { 0, 1, 0x3fffffff, 0x40000000, 0x7ffffffe, 0x7fffffff,
					0x80000000, 0x80000001, 0xbfffffff, 0xfffffffe, 0xffffffff };
	size_t i, j;

	for (i = 0; i < sizeof(pts) / sizeof(pts[0]); i++) {
		for (j = 0; j < sizeof(pts) / sizeof(pts[0]); j++) {
			uint32_t a = pts[i], b = pts[j];

			if (a - b == 0x80000000u)
				continue;
			cr_expect_eq(xs_seq_lt(a, b), xs_seq_gt(b, a), "%#x %#x", a, b);
			cr_expect_eq(xs_seq_le(a, b), !xs_seq_gt(a, b), "%#x %#x", a, b);
			cr_expect_eq(xs_seq_ge(a, b), !xs_seq_lt(a, b), "%#x %#x", a, b);
			cr_expect_eq((int)xs_seq_lt(a, b) + (int)(a == b) + (int)xs_seq_gt(a, b), 1,
				     "%#x %#x", a, b);
			cr_expect_eq(xs_seq_diff(a, b), -xs_seq_diff(b, a), "%#x %#x", a, b);
		}
	}
}

Test(tcp_seq, max_min)
{
	cr_expect_eq(xs_seq_max(5, 7), 7);
	cr_expect_eq(xs_seq_min(5, 7), 5);
	/* across the wrap the later number is the numerically smaller one */
	cr_expect_eq(xs_seq_max(0xfffffff0, 0x10), 0x10);
	cr_expect_eq(xs_seq_min(0xfffffff0, 0x10), 0xfffffff0);
	cr_expect_eq(xs_seq_max(0x10, 0xfffffff0), 0x10);
	cr_expect_eq(xs_seq_min(0x10, 0xfffffff0), 0xfffffff0);
	cr_expect_eq(xs_seq_max(0x7fffffff, 0x80000000), 0x80000000);
	cr_expect_eq(xs_seq_min(0x7fffffff, 0x80000000), 0x7fffffff);
	cr_expect_eq(xs_seq_max(9, 9), 9);
	/* 2^31 apart: no order, both return their first argument */
	cr_expect_eq(xs_seq_max(0, 0x80000000), 0);
	cr_expect_eq(xs_seq_max(0x80000000, 0), 0x80000000);
	cr_expect_eq(xs_seq_min(0, 0x80000000), 0);
	cr_expect_eq(xs_seq_min(0x80000000, 0), 0x80000000);
}

Test(tcp_seq, between_plain_window)
{
	cr_expect_not(xs_seq_between(99, 100, 200));
	cr_expect(xs_seq_between(100, 100, 200));
	cr_expect(xs_seq_between(150, 100, 200));
	cr_expect(xs_seq_between(199, 100, 200));
	cr_expect_not(xs_seq_between(200, 100, 200));
	cr_expect_not(xs_seq_between(0x80000064, 100, 200));
}

Test(tcp_seq, between_wrapping_window)
{
	/* [2^32 - 16, 16): 32 numbers, half of them past the wrap */
	const uint32_t lo = 0xfffffff0, hi = 0x10;

	cr_expect_not(xs_seq_between(0xffffffef, lo, hi));
	cr_expect(xs_seq_between(0xfffffff0, lo, hi));
	cr_expect(xs_seq_between(0xffffffff, lo, hi));
	cr_expect(xs_seq_between(0, lo, hi));
	cr_expect(xs_seq_between(0xf, lo, hi));
	cr_expect_not(xs_seq_between(0x10, lo, hi));
	cr_expect_not(xs_seq_between(0x80000000, lo, hi));
	cr_expect_not(xs_seq_between(0x7ffffff0, lo, hi));
	/* a window ending exactly at the wrap, and one starting there */
	cr_expect(xs_seq_between(0xffffffff, 0xffffff00, 0));
	cr_expect_not(xs_seq_between(0, 0xffffff00, 0));
	cr_expect(xs_seq_between(0, 0, 0x100));
	cr_expect_not(xs_seq_between(0xffffffff, 0, 0x100));
	/* inclusive upper edge, the kernel's between(): pass hi + 1 (wraps to 0) */
	cr_expect(xs_seq_between(0xffffffff, 0xfffffff0, 0xffffffffu + 1u));
}

Test(tcp_seq, between_empty_and_huge_windows)
{
	/* empty: holds nothing, not even lo */
	cr_expect_not(xs_seq_between(7, 7, 7));
	cr_expect_not(xs_seq_between(8, 7, 7));
	cr_expect_not(xs_seq_between(0, 0, 0));
	/* 2^32 - 1 numbers: everything but hi */
	cr_expect(xs_seq_between(5, 5, 4));
	cr_expect(xs_seq_between(0x80000005, 5, 4));
	cr_expect(xs_seq_between(3, 5, 4));
	cr_expect_not(xs_seq_between(4, 5, 4));
	/* wider than 2^31: exact where lt() has lost the order */
	cr_expect(xs_seq_between(0x8fffffff, 0, 0x90000000));
	cr_expect(xs_seq_lt(0x8fffffff, 0));
	cr_expect_not(xs_seq_between(0x90000000, 0, 0x90000000));
}
