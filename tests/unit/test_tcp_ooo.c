// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * sock/tcp_ooo.c: the out-of-order queue.  Every test places its sequence
 * numbers just below 2^32 so that the ranges wrap.  Payload handles are
 * small integers (as pointers) whose releases and deliveries are counted:
 * each handle must come back exactly once, by pull or by release.  The
 * overlap table checks, for every shape of overlap with a held segment,
 * which copy supplies each byte (rendered one letter per 50 bytes).
 */
#include <criterion/criterion.h>
#include <errno.h>
#include <stdint.h>
#include <string.h>

#include "sock/tcp_ooo.h"

#define BASE 0xffffff00u	/* BASE + 256 wraps to 0 */
#define NH 256

struct ledger {
	int released[NH];
	int delivered[NH];
	uint32_t seg_seq[NH];	/* the seq each handle was inserted at */
	struct xs_tcp_ooo_seg got[NH];
	int ngot;
};

static void *H(int id)
{
	return (void *)(uintptr_t)id;
}

static int ID(void *p)
{
	return (int)(uintptr_t)p;
}

static void on_release(void *ctx, void *payload)
{
	struct ledger *l = ctx;

	l->released[ID(payload)]++;
}

static void on_deliver(void *ctx, const struct xs_tcp_ooo_seg *seg)
{
	struct ledger *l = ctx;

	l->delivered[ID(seg->payload)]++;
	l->got[l->ngot++] = *seg;
}

static int ins(struct xs_tcp_ooo *q, struct ledger *l, int id, uint32_t off, uint32_t len,
	       struct xs_tcp_sack_block *dup)
{
	l->seg_seq[id] = BASE + off;
	return xs_tcp_ooo_insert(q, BASE + off, len, H(id), 0, dup);
}

/* Sorted, disjoint, non-empty, offsets consistent with where each handle
 * was inserted, memory equal to the charges. */
static void check_invariants(const struct xs_tcp_ooo *q, const struct ledger *l)
{
	for (uint32_t i = 0; i < q->n; i++) {
		const struct xs_tcp_ooo_seg *s = &q->nodes[i].seg;

		cr_assert_gt(s->len, 0);
		cr_assert_eq(s->seq - l->seg_seq[ID(s->payload)], s->off,
			     "node %u: off %u for seq %#x", i, s->off, s->seq);
		if (i)
			cr_assert((int32_t)(s->seq - (q->nodes[i - 1].seg.seq +
						     q->nodes[i - 1].seg.len)) >= 0,
				  "node %u overlaps its predecessor", i);
	}
}

/* One letter per 50 bytes over [BASE, BASE + 50 * cells): the handle id as
 * 'A' + id - 1 that holds that cell, '.' for none. */
static void render(const struct xs_tcp_ooo *q, char *buf, int cells)
{
	for (int c = 0; c < cells; c++) {
		uint32_t seq = BASE + 50u * (uint32_t)c;

		buf[c] = '.';
		for (uint32_t i = 0; i < q->n; i++) {
			const struct xs_tcp_ooo_seg *s = &q->nodes[i].seg;

			if (seq - s->seq < s->len) {
				cr_assert((seq + 49) - s->seq < s->len, "cell %d split", c);
				buf[c] = (char)('A' + ID(s->payload) - 1);
			}
		}
	}
	buf[cells] = '\0';
}

/* ---- overlap shapes -------------------------------------------------------- */

struct shape {
	const char *name;
	uint32_t held[2][2];		/* up to two held segments (ids 1, 2): off, len */
	uint32_t off, len;		/* the new one, id 3 */
	int ret;
	uint32_t dup[2];		/* offsets; equal when none */
	const char *bytes;		/* 10 cells of 50 bytes after */
	int released;			/* held handles released */
};

static const struct shape shapes[] = {
	/*  name              held                    new         ret  dup         bytes         rel */
	{ "disjoint before",  { { 200, 100 } },       0, 100,      0, { 0, 0 },     "CC..AA....", 0 },
	{ "touching before",  { { 200, 100 } },       100, 100,    0, { 0, 0 },     "..CCAA....", 0 },
	{ "front of held",    { { 200, 100 } },       150, 100,    0, { 200, 250 }, "...CCA....", 0 },
	{ "inside held",      { { 200, 200 } },       250, 100,    1, { 250, 350 }, "....AAAA..", 0 },
	{ "exact duplicate",  { { 200, 100 } },       200, 100,    1, { 200, 300 }, "....AA....", 0 },
	{ "same start short", { { 200, 100 } },       200, 50,     1, { 200, 250 }, "....AA....", 0 },
	{ "same start long",  { { 200, 100 } },       200, 200,    0, { 200, 300 }, "....CCCC..", 1 },
	{ "covers held",      { { 200, 100 } },       100, 300,    0, { 200, 300 }, "..CCCCCC..", 1 },
	{ "same end earlier", { { 200, 100 } },       100, 200,    0, { 200, 300 }, "..CCCC....", 1 },
	{ "same end later",   { { 200, 100 } },       250, 50,     1, { 250, 300 }, "....AA....", 0 },
	{ "back of held",     { { 200, 100 } },       250, 100,    0, { 250, 300 }, "....AAC...", 0 },
	{ "touching after",   { { 200, 100 } },       300, 100,    0, { 0, 0 },     "....AACC..", 0 },
	{ "spans two, gaps",  { { 100, 100 }, { 300, 100 } }, 50, 400, 0, { 100, 200 }, ".CCCCCCCC.", 2 },
	{ "bridges two",      { { 100, 100 }, { 300, 100 } }, 150, 200, 0, { 150, 200 }, "..AACCCB..", 0 },
	{ "fills gap exactly",{ { 100, 100 }, { 300, 100 } }, 200, 100, 0, { 0, 0 },   "..AACCBB..", 0 },
	{ "covers 1, cuts 2", { { 100, 100 }, { 300, 100 } }, 50, 300, 0, { 100, 200 }, ".CCCCCCB..", 1 },
	{ "in two, touching", { { 100, 100 }, { 200, 100 } }, 150, 100, 1, { 150, 250 }, "..AABB....", 0 },
	{ "past two touching",{ { 100, 100 }, { 200, 100 } }, 150, 200, 0, { 150, 300 }, "..AACCC...", 1 },
};

Test(tcp_ooo, overlap_shapes)
{
	for (size_t t = 0; t < sizeof(shapes) / sizeof(shapes[0]); t++) {
		const struct shape *sh = &shapes[t];
		struct ledger l = { 0 };
		struct xs_tcp_ooo q;
		struct xs_tcp_sack_block dup;
		char got[16];

		xs_tcp_ooo_init(&q, 1 << 20, on_release, &l);
		for (int h = 0; h < 2; h++)
			if (sh->held[h][1])
				cr_assert_eq(ins(&q, &l, h + 1, sh->held[h][0], sh->held[h][1], NULL), 0);
		int ret = ins(&q, &l, 3, sh->off, sh->len, &dup);

		cr_assert_eq(ret, sh->ret, "%s: returned %d", sh->name, ret);
		if (sh->dup[0] == sh->dup[1]) {
			cr_assert_eq(dup.start, dup.end, "%s: a duplicate reported", sh->name);
		} else {
			cr_assert_eq(dup.start, BASE + sh->dup[0], "%s: dup start %#x", sh->name, dup.start);
			cr_assert_eq(dup.end, BASE + sh->dup[1], "%s: dup end %#x", sh->name, dup.end);
		}
		render(&q, got, 10);
		cr_assert_str_eq(got, sh->bytes, "%s", sh->name);
		cr_assert_eq(l.released[1] + l.released[2], sh->released, "%s", sh->name);
		cr_assert_eq(l.released[3], 0, "%s: the caller's handle was released", sh->name);
		check_invariants(&q, &l);

		xs_tcp_ooo_purge(&q);
		for (int h = 1; h <= 3; h++) {
			int expect = (h == 3 && sh->ret != 0) ? 0 : 1;

			if (h < 3 && !sh->held[h - 1][1])
				expect = 0;
			cr_assert_eq(l.released[h], expect, "%s: handle %d released %d times",
				     sh->name, h, l.released[h]);
		}
	}
}

/* ---- order of arrival ------------------------------------------------------ */

static void permute_run(const int *order, int n)
{
	struct ledger l = { 0 };
	struct xs_tcp_ooo q;

	xs_tcp_ooo_init(&q, 1 << 20, on_release, &l);
	/* Segment i is [i * 100, i * 100 + 100) above RCV.NXT = BASE. */
	for (int k = 0; k < n; k++) {
		int i = order[k];

		cr_assert_eq(ins(&q, &l, i + 1, 100 + 100u * (uint32_t)i, 100, NULL), 0);
		check_invariants(&q, &l);
	}
	cr_assert_eq(xs_tcp_ooo_pull(&q, BASE, on_deliver, &l), BASE, "nothing before the hole");
	cr_assert_eq(xs_tcp_ooo_pull(&q, BASE + 100, on_deliver, &l), BASE + 100 + 100u * (uint32_t)n);
	cr_assert(xs_tcp_ooo_empty(&q));
	cr_assert_eq(q.mem, 0);
	cr_assert_eq(l.ngot, n);
	for (int i = 0; i < n; i++) {
		cr_assert_eq(ID(l.got[i].payload), i + 1, "delivered out of order");
		cr_assert_eq(l.got[i].seq, BASE + 100 + 100u * (uint32_t)i);
		cr_assert_eq(l.got[i].len, 100);
		cr_assert_eq(l.got[i].off, 0);
		cr_assert_eq(l.delivered[i + 1], 1);
		cr_assert_eq(l.released[i + 1], 0);
	}
	xs_tcp_ooo_purge(&q);
}

Test(tcp_ooo, every_arrival_order_of_five)
{
	int a[5] = { 0, 1, 2, 3, 4 }, c[5] = { 0 }, i = 0, runs = 1;

	permute_run(a, 5);
	while (i < 5) {			/* Heap's algorithm */
		if (c[i] < i) {
			int j = (i % 2) ? c[i] : 0, t = a[j];

			a[j] = a[i];
			a[i] = t;
			permute_run(a, 5);
			runs++;
			c[i]++;
			i = 0;
		} else {
			c[i++] = 0;
		}
	}
	cr_assert_eq(runs, 120);
}

/* ---- pull -------------------------------------------------------------------- */

Test(tcp_ooo, pull_on_gap_fill)
{
	struct ledger l = { 0 };
	struct xs_tcp_ooo q;
	struct xs_tcp_sack_block r[4];

	xs_tcp_ooo_init(&q, 1 << 20, on_release, &l);
	cr_assert_eq(ins(&q, &l, 1, 100, 100, NULL), 0);
	cr_assert_eq(ins(&q, &l, 2, 200, 100, NULL), 0);
	cr_assert_eq(ins(&q, &l, 3, 400, 100, NULL), 0);
	cr_assert_eq(xs_tcp_ooo_ranges(&q, r, 4), 2);
	cr_assert_eq(r[0].start, BASE + 100);
	cr_assert_eq(r[0].end, BASE + 300);
	cr_assert_eq(r[1].start, BASE + 400);
	cr_assert_eq(r[1].end, BASE + 500);

	cr_assert_eq(xs_tcp_ooo_pull(&q, BASE, on_deliver, &l), BASE);
	cr_assert_eq(l.ngot, 0);
	/* The hole [0, 100) filled in order by the caller: RCV.NXT = 100. */
	cr_assert_eq(xs_tcp_ooo_pull(&q, BASE + 100, on_deliver, &l), BASE + 300);
	cr_assert_eq(l.ngot, 2);
	cr_assert_eq(q.n, 1);
	cr_assert_eq(xs_tcp_ooo_ranges(&q, r, 4), 1);
	cr_assert_eq(r[0].start, BASE + 400);
	cr_assert_eq(q.mem, 100);
	xs_tcp_ooo_purge(&q);
	cr_assert_eq(l.released[3], 1);
	cr_assert_eq(l.released[1] + l.released[2], 0);
}

Test(tcp_ooo, pull_trims_front_and_releases_stale)
{
	struct ledger l = { 0 };
	struct xs_tcp_ooo q;

	xs_tcp_ooo_init(&q, 1 << 20, on_release, &l);
	cr_assert_eq(ins(&q, &l, 1, 100, 100, NULL), 0);	/* [100, 200): wholly old */
	cr_assert_eq(ins(&q, &l, 2, 200, 100, NULL), 0);	/* [200, 300): straddles */
	cr_assert_eq(ins(&q, &l, 3, 300, 100, NULL), 0);
	/* RCV.NXT moved to 250 by in-order data the caller took itself. */
	cr_assert_eq(xs_tcp_ooo_pull(&q, BASE + 250, on_deliver, &l), BASE + 400);
	cr_assert_eq(l.released[1], 1);
	cr_assert_eq(l.delivered[1], 0);
	cr_assert_eq(l.ngot, 2);
	cr_assert_eq(l.got[0].seq, BASE + 250);
	cr_assert_eq(l.got[0].off, 50);
	cr_assert_eq(l.got[0].len, 50);
	cr_assert_eq(ID(l.got[1].payload), 3);
	cr_assert(xs_tcp_ooo_empty(&q));
	cr_assert_eq(q.mem, 0);
	xs_tcp_ooo_purge(&q);
	cr_assert_eq(l.released[2] + l.released[3], 0);
}

Test(tcp_ooo, delivered_bytes_follow_the_overlap_rules)
{
	struct ledger l = { 0 };
	struct xs_tcp_ooo q;

	xs_tcp_ooo_init(&q, 1 << 20, on_release, &l);
	cr_assert_eq(ins(&q, &l, 1, 100, 100, NULL), 0);	/* A [100, 200) */
	cr_assert_eq(ins(&q, &l, 2, 150, 100, NULL), 0);	/* B [150, 250): A keeps 150-200 */
	cr_assert_eq(ins(&q, &l, 3, 50, 100, NULL), 0);		/* C [50, 150): C keeps 100-150 */
	cr_assert_eq(xs_tcp_ooo_pull(&q, BASE + 50, on_deliver, &l), BASE + 250);
	cr_assert_eq(l.ngot, 3);
	const struct { int id; uint32_t seq, len, off; } want[] = {
		{ 3, 50, 100, 0 }, { 1, 150, 50, 50 }, { 2, 200, 50, 50 },
	};
	for (int i = 0; i < 3; i++) {
		cr_assert_eq(ID(l.got[i].payload), want[i].id, "piece %d", i);
		cr_assert_eq(l.got[i].seq, BASE + want[i].seq, "piece %d", i);
		cr_assert_eq(l.got[i].len, want[i].len, "piece %d", i);
		cr_assert_eq(l.got[i].off, want[i].off, "piece %d", i);
	}
	xs_tcp_ooo_purge(&q);
	for (int h = 1; h <= 3; h++)
		cr_assert_eq(l.delivered[h] + l.released[h], 1);
}

/* ---- memory ------------------------------------------------------------------ */

Test(tcp_ooo, memory_cap_refuses)
{
	struct ledger l = { 0 };
	struct xs_tcp_ooo q;
	struct xs_tcp_sack_block dup;

	xs_tcp_ooo_init(&q, 1000, on_release, &l);
	l.seg_seq[1] = BASE + 100;
	cr_assert_eq(xs_tcp_ooo_insert(&q, BASE + 100, 100, H(1), 400, NULL), 0);
	l.seg_seq[2] = BASE + 300;
	cr_assert_eq(xs_tcp_ooo_insert(&q, BASE + 300, 100, H(2), 400, NULL), 0);
	cr_assert_eq(q.mem, 800);
	/* 800 + 400 > 1000: refused, nothing changed, the handle still ours. */
	cr_assert_eq(xs_tcp_ooo_insert(&q, BASE + 500, 100, H(3), 400, &dup), -ENOBUFS);
	cr_assert_eq(dup.start, dup.end);
	cr_assert_eq(q.n, 2);
	cr_assert_eq(q.mem, 800);
	cr_assert_eq(l.released[3], 0);
	/* A duplicate is reported as such, whatever the memory. */
	cr_assert_eq(xs_tcp_ooo_insert(&q, BASE + 100, 50, H(4), 400, NULL), XS_TCP_OOO_DUP);
	/* One that replaces both is credited with what it frees: 800 - 800 + 900. */
	l.seg_seq[5] = BASE + 50;
	cr_assert_eq(xs_tcp_ooo_insert(&q, BASE + 50, 400, H(5), 900, NULL), 0);
	cr_assert_eq(q.mem, 900);
	cr_assert_eq(l.released[1] + l.released[2], 2);
	check_invariants(&q, &l);
	/* A raised cap lets the refused one in. */
	xs_tcp_ooo_set_limit(&q, 1300);
	cr_assert_eq(xs_tcp_ooo_insert(&q, BASE + 500, 100, H(3), 400, NULL), 0);
	cr_assert_eq(q.mem, 1300);
	/* Trimming keeps the charge: the frame stays pinned. */
	cr_assert_eq(xs_tcp_ooo_pull(&q, BASE + 60, on_deliver, &l), BASE + 450);
	cr_assert_eq(q.mem, 400);
	xs_tcp_ooo_purge(&q);
	cr_assert_eq(q.mem, 0);
	cr_assert_eq(l.released[3], 1);
}

Test(tcp_ooo, zero_length_refused)
{
	struct ledger l = { 0 };
	struct xs_tcp_ooo q;

	xs_tcp_ooo_init(&q, 1000, on_release, &l);
	cr_assert_eq(xs_tcp_ooo_insert(&q, BASE, 0, H(1), 0, NULL), -EINVAL);
	cr_assert(xs_tcp_ooo_empty(&q));
	xs_tcp_ooo_purge(&q);
	cr_assert_eq(l.released[1], 0);
}

/* ---- ranges --------------------------------------------------------------- */

Test(tcp_ooo, ranges_merge_and_count_past_max)
{
	struct ledger l = { 0 };
	struct xs_tcp_ooo q;
	struct xs_tcp_sack_block r[2];

	xs_tcp_ooo_init(&q, 1 << 20, on_release, &l);
	/* [100,200) [200,300) touch; then [400,500), [600,700) [700,800). */
	const uint32_t offs[] = { 100, 200, 400, 600, 700 };
	for (int i = 0; i < 5; i++)
		cr_assert_eq(ins(&q, &l, i + 1, offs[i], 100, NULL), 0);
	cr_assert_eq(xs_tcp_ooo_ranges(&q, r, 2), 3);
	cr_assert_eq(r[0].start, BASE + 100);
	cr_assert_eq(r[0].end, BASE + 300);
	cr_assert_eq(r[1].start, BASE + 400);
	cr_assert_eq(r[1].end, BASE + 500);
	cr_assert_eq(xs_tcp_ooo_ranges(&q, NULL, 0), 3);
	xs_tcp_ooo_purge(&q);
}

/* ---- random arrivals: accounting and coverage ------------------------------ */

static uint64_t rng_next(uint64_t *s)
{
	*s ^= *s << 13;
	*s ^= *s >> 7;
	*s ^= *s << 17;
	return *s;
}

Test(tcp_ooo, random_arrivals_every_handle_back_once)
{
	uint64_t seed = 0x9e3779b97f4a7c15ull;

	for (int round = 0; round < 200; round++) {
		struct ledger l = { 0 };
		struct xs_tcp_ooo q;
		bool held[1000] = { false };
		uint32_t rcv_nxt = BASE;

		xs_tcp_ooo_init(&q, 4000, on_release, &l);
		for (int id = 1; id < 120; id++) {
			uint32_t off = 1 + (uint32_t)(rng_next(&seed) % 900);
			uint32_t len = 1 + (uint32_t)(rng_next(&seed) % 90);
			uint32_t ts = (uint32_t)(rng_next(&seed) % 200);
			bool had_all = true;

			for (uint32_t b = off; b < off + len; b++)
				had_all = had_all && held[b];
			l.seg_seq[id] = BASE + off;
			int ret = xs_tcp_ooo_insert(&q, BASE + off, len, H(id), ts, NULL);

			if (had_all)
				cr_assert_eq(ret, XS_TCP_OOO_DUP, "round %d id %d", round, id);
			cr_assert(ret == 0 || ret == XS_TCP_OOO_DUP || ret == -ENOBUFS);
			if (ret == 0)
				for (uint32_t b = off; b < off + len; b++)
					held[b] = true;
			else
				l.released[id]++;	/* the caller's to drop */
			cr_assert_leq(q.mem, 4000);
			check_invariants(&q, &l);

			/* The queue holds exactly the bytes that went in. */
			struct xs_tcp_sack_block r[128];
			size_t nr = xs_tcp_ooo_ranges(&q, r, 128);
			bool seen[1000] = { false };

			cr_assert_leq(nr, 128);
			for (size_t k = 0; k < nr; k++) {
				if (k)
					cr_assert_neq(r[k - 1].end, r[k].start, "touching ranges not merged");
				for (uint32_t s = r[k].start; s != r[k].end; s++)
					seen[s - BASE] = true;
			}
			cr_assert_eq(memcmp(seen, held, sizeof(seen)), 0, "round %d id %d", round, id);
		}
		/* Half the time fill the front and pull, then purge the rest. */
		if (round % 2) {
			uint32_t nxt = xs_tcp_ooo_pull(&q, rcv_nxt + 1, on_deliver, &l);
			uint32_t b = 1;

			while (b < 1000 && held[b])
				b++;
			cr_assert_eq(nxt, BASE + b);
		}
		xs_tcp_ooo_purge(&q);
		for (int id = 1; id < 120; id++)
			cr_assert_eq(l.released[id] + l.delivered[id], 1,
				     "round %d: handle %d back %d times", round, id,
				     l.released[id] + l.delivered[id]);
	}
}
