/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * "Every frame went back to the pool": the check that ends every test of
 * code that moves frames (STYLE.md), and the test wrapper that runs it.
 *
 * Criterion does not fail a test for an assertion in .fini (Criterion
 * issue #211: it only prints it), so the check runs at the end of the test
 * body itself; a suite's .fini only cleans up after a test that stopped
 * early.
 */
#ifndef XS_TESTS_FRAMES_HOME_H
#define XS_TESTS_FRAMES_HOME_H

#include <criterion/criterion.h>

#include "dev/pool.h"

/* Every frame of pool is free, and none was freed twice or was foreign. */
#define ASSERT_FRAMES_HOME(pool)                                                   \
	do {                                                                       \
		cr_assert(xs_pool__all_home(pool), "frame lost: %u of %u home",    \
			  xs_pool__avail(pool), xs_pool__total(pool));             \
		cr_assert_eq(xs_pool__misuse(pool), 0, "double or foreign free");  \
	} while (0)

/* Test(suite, name, ...) whose body is followed by after() (which should
 * end in ASSERT_FRAMES_HOME). */
#define TEST_THEN(after, suite, name, ...)                                         \
	static void body_##suite##_##name(void);                                   \
	Test(suite, name, ##__VA_ARGS__)                                           \
	{                                                                          \
		body_##suite##_##name();                                           \
		after();                                                           \
	}                                                                          \
	static void body_##suite##_##name(void)

#endif
