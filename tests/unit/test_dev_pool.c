// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * Frame pool (user/dev/pool.c): batches, all-frames-home, misuse checks.
 */
#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>

#include <criterion/criterion.h>

#include "dev/pool.h"

#define NFRAMES 256
#define FSIZE 2048

static struct xs_pool *pool;

static void setup(void)
{
	pool = xs_pool__new(NFRAMES, FSIZE, XS_POOL_F_CHECKED);
	cr_assert(pool, "xs_pool__new: %s", strerror(errno));
}

static void check_home(void)
{
	cr_assert(xs_pool__all_home(pool), "%u of %u frames home",
		  xs_pool__avail(pool), xs_pool__total(pool));
}

static void teardown(void)
{
	xs_pool__put(pool);
}

TestSuite(dev_pool, .init = setup, .fini = teardown);

/* Criterion does not fail a test for an assertion in .fini (Criterion issue
 * #211: it only prints it), so every test body ends with the frame check;
 * the .fini only cleans up after a test that stopped early. */
#define POOL_TEST(name, ...)                                                      \
	static void body_##name(void);                                       \
	Test(dev_pool, name, ##__VA_ARGS__)                                        \
	{                                                                    \
		body_##name();                                               \
		check_home();                                                        \
	}                                                                    \
	static void body_##name(void)

POOL_TEST(alloc_all_free_all)
{
	uint64_t a[NFRAMES + 8];
	uint32_t i, j;

	cr_assert_eq(xs_pool__alloc(pool, a, NFRAMES + 8), NFRAMES, "more asked than held: all of them");
	cr_assert_eq(xs_pool__avail(pool), 0);
	cr_assert(!xs_pool__all_home(pool));
	cr_assert_eq(xs_pool__alloc(pool, a + NFRAMES, 1), 0, "empty pool gives nothing");
	for (i = 0; i < NFRAMES; i++) {
		cr_assert_eq(a[i] % FSIZE, 0, "frame base aligned");
		cr_assert_lt(a[i], (uint64_t)NFRAMES * FSIZE);
		for (j = 0; j < i; j++)
			cr_assert_neq(a[i], a[j], "frame handed out twice");
	}
	/* Every frame is usable memory. */
	for (i = 0; i < NFRAMES; i++)
		memset(xs_pool__data(pool, a[i]), (int)i, FSIZE);
	cr_assert_eq(xs_pool__free(pool, a, NFRAMES), 0);
	cr_assert(xs_pool__all_home(pool));
}

POOL_TEST(batch_edges)
{
	uint64_t a[NFRAMES], b[4];

	cr_assert_eq(xs_pool__alloc(pool, a, 0), 0, "zero-size batch");
	cr_assert_eq(xs_pool__free(pool, a, 0), 0);
	cr_assert_eq(xs_pool__alloc(pool, a, NFRAMES - 1), NFRAMES - 1);
	cr_assert_eq(xs_pool__alloc(pool, b, 4), 1, "partial batch: what is left");
	cr_assert_eq(xs_pool__free(pool, b, 1), 0);
	cr_assert_eq(xs_pool__free(pool, a, NFRAMES - 1), 0);
}

POOL_TEST(lifo_reuses_hot_frame)
{
	uint64_t a, b;

	cr_assert_eq(xs_pool__alloc(pool, &a, 1), 1);
	cr_assert_eq(xs_pool__free(pool, &a, 1), 0);
	cr_assert_eq(xs_pool__alloc(pool, &b, 1), 1);
	cr_assert_eq(a, b);
	cr_assert_eq(xs_pool__free(pool, &b, 1), 0);
}

POOL_TEST(interior_address_names_its_frame)
{
	uint64_t a, inner;

	cr_assert_eq(xs_pool__alloc(pool, &a, 1), 1);
	inner = a + 256 + 14;   /* an RX descriptor points past the headroom */
	cr_assert_eq(xs_pool__frame_base(pool, inner), a);
	cr_assert_eq(xs_pool__free(pool, &inner, 1), 0);
	cr_assert(xs_pool__all_home(pool));
}

POOL_TEST(double_free_detected_and_harmless)
{
	uint64_t a[4];

	cr_assert_eq(xs_pool__alloc(pool, a, 4), 4);
	cr_assert_eq(xs_pool__free(pool, a, 1), 0);
	/* a[0] is home: freeing a batch that contains it changes nothing. */
	cr_assert_eq(xs_pool__free(pool, a, 4), -EALREADY);
	cr_assert_eq(xs_pool__misuse(pool), 1);
	cr_assert_eq(xs_pool__avail(pool), NFRAMES - 3, "a failed free left the pool as it was");
	cr_assert_eq(xs_pool__free(pool, a + 1, 3), 0);
}

POOL_TEST(duplicate_inside_batch_detected)
{
	uint64_t a[3];

	cr_assert_eq(xs_pool__alloc(pool, a, 2), 2);
	a[2] = a[0] + 100;      /* same frame, other offset */
	cr_assert_eq(xs_pool__free(pool, a, 3), -EALREADY);
	cr_assert_eq(xs_pool__avail(pool), NFRAMES - 2);
	cr_assert_eq(xs_pool__free(pool, a, 2), 0);
}

POOL_TEST(foreign_address_detected)
{
	uint64_t a[2];

	cr_assert_eq(xs_pool__alloc(pool, a, 1), 1);
	a[1] = (uint64_t)NFRAMES * FSIZE;    /* one past the area */
	cr_assert_eq(xs_pool__free(pool, a, 2), -EFAULT);
	cr_assert_eq(xs_pool__misuse(pool), 1);
	cr_assert_eq(xs_pool__free(pool, a, 1), 0);
}

POOL_TEST(bad_geometry)
{
	cr_assert_null(xs_pool__new(16, 3000, 0));
	cr_assert_eq(errno, EINVAL);
	cr_assert_null(xs_pool__new(0, 2048, 0));
}

#ifndef NDEBUG
/* Without XS_POOL_F_CHECKED a debug build stops at the misuse. */
Test(dev_pool_debug, double_free_asserts, .signal = SIGABRT)
{
	struct xs_pool *p = xs_pool__new(8, 2048, 0);
	uint64_t a;

	cr_assert(p);
	cr_assert_eq(xs_pool__alloc(p, &a, 1), 1);
	cr_assert_eq(xs_pool__free(p, &a, 1), 0);
	xs_pool__free(p, &a, 1);
}
#endif
