// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * Fault injector (user/dev/fault.c) over the in-memory pair: replayable
 * decisions, configured rates, one-byte corruption, lossless reordering.
 * Every frame carries its sequence number in its first four bytes and a
 * pattern derived from it in the rest.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <criterion/criterion.h>

#include "lib/frames_home.h"

#include "dev/dev.h"

#define FLEN 64
#define N 10000

static struct xs_dev *a, *b;
static struct xs_pool *pool;

static void open_pair(void)
{
	struct xs_memdev_opts o = { .sz = sizeof(o), .frames = 1024,
				    .pool_flags = XS_POOL_F_CHECKED };

	cr_assert_eq(xs_memdev_pair__open(&o, &a, &b), 0);
	pool = xs_pool__get(a->pool);
}

/* Closes both ends; every frame must be home, none freed twice. */
static void close_pair(void)
{
	xs_dev_close(a);
	xs_dev_close(b);
	a = b = NULL;
	ASSERT_FRAMES_HOME(pool);
	xs_pool__put(pool);
	pool = NULL;
}

static void check_home(void)
{
	close_pair();
}

static void teardown(void)
{
	xs_dev_close(a);
	xs_dev_close(b);
	xs_pool__put(pool);
}

TestSuite(dev_fault, .init = open_pair, .fini = teardown);

/* The frame check ends every body (tests/lib/frames_home.h). */
#define FAULT_TEST(name, ...) TEST_THEN(check_home, dev_fault, name, ##__VA_ARGS__)

static uint8_t pattern(uint32_t seq, uint32_t i)
{
	return (uint8_t)(seq * 31 + i * 7);
}

static void write_frame(struct xs_frame *f, uint32_t seq)
{
	uint32_t i;

	memcpy(f->data, &seq, 4);
	for (i = 4; i < FLEN; i++)
		f->data[i] = pattern(seq, i);
	f->len = FLEN;
}

/* Bytes of f that differ from what frame seq was sent with. */
static uint32_t damage(const struct xs_frame *f, uint32_t seq)
{
	uint32_t i, d = 0, got;

	memcpy(&got, f->data, 4);
	for (i = 0; i < 4; i++)
		d += ((got >> (8 * i)) & 0xff) != ((seq >> (8 * i)) & 0xff);
	for (i = 4; i < f->len; i++)
		d += f->data[i] != pattern(seq, i);
	return d;
}

/*
 * Sends n frames from `tx` to `rx` in bursts of 32, receiving after each
 * burst and once more until nothing is left (held frames drain on idle
 * polls).  Records the first four bytes of each received frame in seen[]
 * (up to max) and returns how many frames arrived.
 */
static uint32_t run(struct xs_dev *tx, struct xs_dev *rx, uint32_t n, uint32_t *seen,
		    uint32_t max, uint32_t *damaged)
{
	struct xs_frame f[32], r[64];
	uint32_t sent = 0, got = 0, k, i, idle = 0;

	*damaged = 0;
	while (sent < n || idle < 16) {
		if (sent < n) {
			k = xs_dev_tx_alloc(tx, f, n - sent < 32 ? n - sent : 32);
			cr_assert_gt(k, 0, "pool ran dry: frames are leaking");
			for (i = 0; i < k; i++)
				write_frame(&f[i], sent + i);
			cr_assert_eq(xs_dev_tx_submit(tx, f, k, 0), k);
			sent += k;
		}
		xs_dev_kick(tx);
		k = xs_dev_rx_burst(rx, r, 64, 0);
		idle = k ? 0 : idle + 1;
		for (i = 0; i < k; i++) {
			uint32_t seq;

			memcpy(&seq, r[i].data, 4);
			if (got + i < max)
				seen[got + i] = seq;
		}
		got += k;
		/* The damage count needs the true sequence number: only the
		 * corruption test asks, and it sends one frame at a time. */
		if (k == 1 && n == 1)
			*damaged += damage(&r[0], 0);
		xs_dev_release(rx, r, k);
	}
	return got;
}

static struct xs_dev *wrap(struct xs_dev *d, uint64_t seed, const struct xs_fault_rates *rx,
			   const struct xs_fault_rates *tx)
{
	struct xs_fault_opts o = { .sz = sizeof(o), .seed = seed };
	struct xs_dev *w;

	if (rx)
		o.rx = *rx;
	if (tx)
		o.tx = *tx;
	w = xs_fault_dev__wrap(d, &o);
	cr_assert(w, "wrap: %s", strerror(errno));
	return w;
}

static const struct xs_fault_rates mixed = {
	.loss = 0.05, .dup = 0.05, .corrupt = 0.05, .reorder = 0.05, .reorder_depth = 4,
};

FAULT_TEST(same_seed_same_decisions)
{
	static uint32_t s1[2 * N], s2[2 * N], s3[2 * N];
	struct xs_fault_stats st1, st2;
	uint32_t n1, n2, n3, dmg;

	b = wrap(b, 42, &mixed, NULL);
	n1 = run(a, b, 3000, s1, 2 * N, &dmg);
	xs_fault_dev__stats(b, &st1);
	close_pair();

	open_pair();
	b = wrap(b, 42, &mixed, NULL);
	n2 = run(a, b, 3000, s2, 2 * N, &dmg);
	xs_fault_dev__stats(b, &st2);
	close_pair();

	cr_assert_eq(n1, n2);
	cr_assert_eq(memcmp(&st1, &st2, sizeof(st1)), 0, "counters differ");
	cr_assert_eq(memcmp(s1, s2, n1 * sizeof(s1[0])), 0, "arrival sequence differs");

	open_pair();
	b = wrap(b, 43, &mixed, NULL);
	n3 = run(a, b, 3000, s3, 2 * N, &dmg);
	cr_assert(n3 != n1 || memcmp(s1, s3, n1 * sizeof(s1[0])), "another seed, same run");
}

/* Square root by Newton's method: the tests link without libm. */
static double root(double x)
{
	double r = x > 1 ? x : 1;
	int i;

	for (i = 0; i < 64; i++)
		r = (r + x / r) / 2;
	return r;
}

/* Within five standard deviations of the binomial mean. */
static void expect_rate(uint64_t count, double rate, uint32_t n, const char *what)
{
	double want = rate * n, tol = 5 * root(want * (1 - rate)) + 1;

	cr_assert(count > want - tol && count < want + tol,
		  "%s: %llu of %u frames, expected %.0f +- %.0f", what,
		  (unsigned long long)count, n, want, tol);
}

static void rates_in(bool on_rx)
{
	static uint32_t seen[2 * N];
	struct xs_fault_rates r = { .loss = 0.10, .dup = 0.05, .corrupt = 0.02,
				    .reorder = 0.03, .reorder_depth = 3 };
	struct xs_fault_stats st;
	struct xs_fault_counters *c;
	uint32_t got, dmg;

	if (on_rx)
		b = wrap(b, 7, &r, NULL);
	else
		a = wrap(a, 7, NULL, &r);
	got = run(a, b, N, seen, 2 * N, &dmg);
	xs_fault_dev__stats(on_rx ? b : a, &st);
	c = on_rx ? &st.rx : &st.tx;
	cr_assert_eq(c->frames, N);
	expect_rate(c->lost, r.loss, N, "lost");
	expect_rate(c->duplicated, r.dup, N, "duplicated");
	expect_rate(c->corrupted, r.corrupt * (1 - r.loss), N, "corrupted");
	expect_rate(c->reordered, r.reorder * (1 - r.loss), N, "reordered");
	cr_assert_eq(c->dup_no_frame, 0);
	cr_assert_eq(got, N - c->lost + c->duplicated, "delivered = sent - lost + duplicated");
	cr_assert_eq(on_rx ? st.tx.frames : st.rx.frames, 0, "other direction untouched");
}

FAULT_TEST(rx_rates_as_configured)
{
	rates_in(true);
}

FAULT_TEST(tx_rates_as_configured)
{
	rates_in(false);
}

FAULT_TEST(corruption_flips_exactly_one_byte)
{
	struct xs_fault_rates r = { .corrupt = 1.0 };
	uint32_t i, seen, dmg;
	struct xs_fault_stats st;

	b = wrap(b, 99, &r, NULL);
	for (i = 0; i < 200; i++) {
		cr_assert_eq(run(a, b, 1, &seen, 1, &dmg), 1);
		cr_assert_eq(dmg, 1, "frame %u: %u bytes changed", i, dmg);
	}
	xs_fault_dev__stats(b, &st);
	cr_assert_eq(st.rx.corrupted, 200);
}

FAULT_TEST(reorder_keeps_every_frame)
{
	static uint32_t seen[N], count[N];
	struct xs_fault_rates r = { .reorder = 0.2, .reorder_depth = 5 };
	uint32_t got, i, inversions = 0, dmg;

	b = wrap(b, 1234, &r, NULL);
	got = run(a, b, N, seen, N, &dmg);
	cr_assert_eq(got, N, "every frame arrives once");
	for (i = 0; i < N; i++) {
		cr_assert_lt(seen[i], N);
		count[seen[i]]++;
		if (i && seen[i] < seen[i - 1])
			inversions++;
	}
	for (i = 0; i < N; i++)
		cr_assert_eq(count[i], 1, "frame %u arrived %u times", i, count[i]);
	cr_assert_gt(inversions, N / 20, "frames were reordered (%u inversions)", inversions);
}

FAULT_TEST(no_faults_is_transparent)
{
	static uint32_t seen[N];
	struct xs_fault_rates none = { 0 };
	uint32_t i, dmg;

	b = wrap(b, 5, &none, NULL);
	a = wrap(a, 5, NULL, &none);
	cr_assert_eq(run(a, b, N, seen, N, &dmg), N);
	for (i = 0; i < N; i++)
		cr_assert_eq(seen[i], i);
}

FAULT_TEST(bad_rates_rejected)
{
	struct xs_fault_opts o = { .sz = sizeof(o), .rx = { .loss = 1.5 } };

	cr_assert_null(xs_fault_dev__wrap(a, &o));
	cr_assert_eq(errno, EINVAL);
}
