// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * In-memory device pair (user/dev/memdev.c): frames cross, ownership moves
 * as dev.h says, and every frame is home after every test (teardown).
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include <criterion/criterion.h>

#include "lib/frames_home.h"
#include <criterion/logging.h>

#include "dev/dev.h"

static struct xs_dev *a, *b;
static struct xs_pool *pool;

static void setup(void)
{
	struct xs_memdev_opts o = { .sz = sizeof(o), .frames = 512, .wire_slots = 64,
				    .pool_flags = XS_POOL_F_CHECKED };

	cr_assert_eq(xs_memdev_pair__open(&o, &a, &b), 0);
	pool = xs_pool__get(a->pool);
}

/* Closes both ends (close brings home what is on the wire), then every
 * frame must be home and none freed twice. */
static void check_home(void)
{
	xs_dev_close(a);
	xs_dev_close(b);
	a = b = NULL;
	ASSERT_FRAMES_HOME(pool);
}

static void teardown(void)
{
	xs_dev_close(a);
	xs_dev_close(b);
	xs_pool__put(pool);
}

TestSuite(dev_memdev, .init = setup, .fini = teardown);

/* The frame check ends every body (tests/lib/frames_home.h). */
#define MEMDEV_TEST(name, ...) TEST_THEN(check_home, dev_memdev, name, ##__VA_ARGS__)

static void fill(struct xs_frame *f, uint32_t n, uint8_t tag)
{
	uint32_t i;

	for (i = 0; i < n; i++) {
		f[i].len = 60 + i;
		memset(f[i].data, tag + i, f[i].len);
	}
}

MEMDEV_TEST(frames_cross_in_order)
{
	struct xs_frame tx[8], rx[16];
	uint32_t i;

	cr_assert_eq(xs_dev_tx_alloc(a, tx, 8), 8);
	cr_assert_eq(tx[0].len, 0);
	cr_assert_geq(tx[0].room, 1500u);
	fill(tx, 8, 0x10);
	cr_assert_eq(xs_dev_tx_submit(a, tx, 8, 0), 8);
	cr_assert_eq(xs_dev_rx_burst(a, rx, 16, 0), 0, "a does not hear itself");
	cr_assert_eq(xs_dev_rx_burst(b, rx, 16, 0), 8);
	for (i = 0; i < 8; i++) {
		cr_assert_eq(rx[i].len, 60 + i);
		cr_assert_eq(rx[i].data[0], 0x10 + i);
		cr_assert_eq(rx[i].data[rx[i].len - 1], 0x10 + i);
		cr_assert_eq(rx[i].addr, tx[i].addr, "the same frame, not a copy");
	}
	xs_dev_release(b, rx, 8);
}

MEMDEV_TEST(both_directions)
{
	struct xs_frame f[2], r[2];

	cr_assert_eq(xs_dev_tx_alloc(a, &f[0], 1), 1);
	cr_assert_eq(xs_dev_tx_alloc(b, &f[1], 1), 1);
	fill(&f[0], 1, 1);
	fill(&f[1], 1, 2);
	cr_assert_eq(xs_dev_tx_submit(a, &f[0], 1, 0), 1);
	cr_assert_eq(xs_dev_tx_submit(b, &f[1], 1, 0), 1);
	cr_assert_eq(xs_dev_rx_burst(b, &r[0], 2, 0), 1);
	cr_assert_eq(xs_dev_rx_burst(a, &r[1], 2, 0), 1);
	cr_assert_eq(r[0].data[0], 1);
	cr_assert_eq(r[1].data[0], 2);
	xs_dev_release(b, &r[0], 1);
	xs_dev_release(a, &r[1], 1);
}

MEMDEV_TEST(full_wire_refuses_tail_and_caller_keeps_it)
{
	struct xs_frame f[80], r[64];
	struct xs_dev_stats st;

	cr_assert_eq(xs_dev_tx_alloc(a, f, 80), 80);
	fill(f, 80, 0);
	cr_assert_eq(xs_dev_tx_submit(a, f, 80, 0), 64, "wire holds 64");
	xs_dev_stats(a, &st);
	cr_assert_eq(st.tx_ring_full, 16);
	cr_assert_eq(st.tx_packets, 64);
	/* f[64..80) are still ours: release them. */
	xs_dev_release(a, f + 64, 16);
	cr_assert_eq(xs_dev_rx_burst(b, r, 64, 0), 64);
	xs_dev_release(b, r, 64);
}

MEMDEV_TEST(received_frame_reused_as_reply)
{
	struct xs_frame f, r, back;

	cr_assert_eq(xs_dev_tx_alloc(a, &f, 1), 1);
	memcpy(f.data, "ping", 4);
	f.len = 4;
	cr_assert_eq(xs_dev_tx_submit(a, &f, 1, 0), 1);
	cr_assert_eq(xs_dev_rx_burst(b, &r, 1, 0), 1);
	/* Zero-copy reply: edit in place, prepend a byte, send back. */
	memcpy(r.data, "pong", 4);
	cr_assert_eq(xs_frame_push(&r, 1, xs_pool__frame_size(pool)), 0);
	r.data[0] = '>';
	cr_assert_eq(xs_dev_tx_submit(b, &r, 1, 0), 1);
	cr_assert_eq(xs_dev_rx_burst(a, &back, 1, 0), 1);
	cr_assert_eq(back.len, 5);
	cr_assert_eq(memcmp(back.data, ">pong", 5), 0);
	cr_assert_eq(back.addr, f.addr - 1, "one frame made the round trip");
	xs_dev_release(a, &back, 1);
}

MEMDEV_TEST(frame_push_bounds)
{
	struct xs_frame f, saved;

	cr_assert_eq(xs_dev_tx_alloc(a, &f, 1), 1);
	f.len = 10;
	saved = f;
	cr_assert_eq(xs_frame_push(&f, XS_DEV_TX_HEADROOM + 1, xs_pool__frame_size(pool)), -ENOSPC);
	cr_assert_eq(xs_frame_push(&f, -11, xs_pool__frame_size(pool)), -EINVAL);
	cr_assert_eq(memcmp(&f, &saved, sizeof(f)), 0, "unchanged on error");
	cr_assert_eq(xs_frame_push(&f, XS_DEV_TX_HEADROOM, xs_pool__frame_size(pool)), 0);
	cr_assert_eq(f.addr % xs_pool__frame_size(pool), 0);
	xs_dev_release(a, &f, 1);
}

MEMDEV_TEST(close_returns_frames_on_the_wire)
{
	struct xs_frame f[10];

	cr_assert_eq(xs_dev_tx_alloc(a, f, 10), 10);
	fill(f, 10, 0);
	cr_assert_eq(xs_dev_tx_submit(a, f, 10, 0), 10);
	/* Nobody receives them: teardown's close must bring them home. */
}

MEMDEV_TEST(pool_exhaustion)
{
	struct xs_frame f[600];

	cr_assert_eq(xs_dev_tx_alloc(a, f, 600), 512);
	cr_assert_eq(xs_dev_tx_alloc(b, f + 512, 1), 0, "shared pool is empty");
	xs_dev_release(a, f, 512);
}

/* Its own pair: the fixture's teardown insists on no misuse. */
Test(dev_memdev_misuse, double_release_is_caught)
{
	struct xs_memdev_opts o = { .sz = sizeof(o), .frames = 8,
				    .pool_flags = XS_POOL_F_CHECKED };
	struct xs_dev *x, *y;
	struct xs_pool *p;
	struct xs_frame f;

	cr_assert_eq(xs_memdev_pair__open(&o, &x, &y), 0);
	p = xs_pool__get(x->pool);
	cr_assert_eq(xs_dev_tx_alloc(x, &f, 1), 1);
	xs_dev_release(x, &f, 1);
	xs_dev_release(y, &f, 1);       /* the same frame again, through the peer */
	cr_assert_eq(xs_pool__misuse(p), 1);
	cr_assert_eq(xs_pool__avail(p), 8, "counted once");
	xs_dev_close(x);
	xs_dev_close(y);
	cr_assert(xs_pool__all_home(p));
	xs_pool__put(p);
}

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

/* Not a benchmark gate: prints the rate so a regression is visible. */
MEMDEV_TEST(throughput)
{
	struct xs_frame f[32];
	const uint32_t rounds = 200000;
	uint64_t t0 = now_ns(), dt;
	uint32_t i, j, k;

	for (i = 0; i < rounds; i++) {
		k = xs_dev_tx_alloc(a, f, 32);
		cr_assert_eq(k, 32);
		for (j = 0; j < k; j++)
			f[j].len = 64;
		cr_assert_eq(xs_dev_tx_submit(a, f, k, 0), k);
		k = xs_dev_rx_burst(b, f, 32, 0);
		cr_assert_eq(k, 32);
		xs_dev_release(b, f, k);
	}
	dt = now_ns() - t0;
	cr_log_info("memdev pair: %.1f Mframes/s (32-frame bursts)",
		    (double)rounds * 32 / ((double)dt / 1e9) / 1e6);
	fprintf(stderr, "memdev pair: %.1f Mframes/s (32-frame bursts)\n",
		(double)rounds * 32 / ((double)dt / 1e9) / 1e6);
}
