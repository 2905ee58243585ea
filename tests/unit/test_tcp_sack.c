// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * sock/tcp_sack.c, both sides.  The receiver runs the examples of RFC 2018
 * section 6 and RFC 2883 section 4 as tables, segment by segment, through
 * a small receiver made of the out-of-order queue (tcp_ooo.c) and the
 * block builder: each row is the ACK and SACK blocks the RFC prints.  The
 * sender's scoreboard gets hand-built scenarios for Update(), IsLost(),
 * NextSeg() and SetPipe(), and a random cross-check of IsLost() and
 * SetPipe() against the RFC's octet-by-octet definitions.  Every table
 * and scenario runs twice: at its own numbers and shifted so that the
 * sequence space wraps through 2^32 in the middle of it.
 */
#include <criterion/criterion.h>
#include <stdint.h>
#include <string.h>

#include "sock/tcp_ooo.h"
#include "sock/tcp_sack.h"

static const uint32_t shifts[] = { 0, 0xffffffffu - 6000 };	/* the second wraps */
#define NSHIFTS (sizeof(shifts) / sizeof(shifts[0]))

/* ---- a receiver: the OOO queue plus the block builder -------------------- */

struct rcv {
	struct xs_tcp_ooo q;
	struct xs_tcp_sack_rx rx;
	uint32_t rcv_nxt;
	int handles;
};

static void rcv_release(void *ctx, void *payload)
{
	struct rcv *r = ctx;

	(void)payload;
	r->handles--;
}

static void rcv_deliver(void *ctx, const struct xs_tcp_ooo_seg *seg)
{
	struct rcv *r = ctx;

	(void)seg;
	r->handles--;
}

static void rcv_init(struct rcv *r, uint32_t irs)
{
	memset(r, 0, sizeof(*r));
	xs_tcp_ooo_init(&r->q, 1 << 20, rcv_release, r);
	xs_tcp_sack_rx_init(&r->rx);
	r->rcv_nxt = irs;
}

/* What tcp_in.c will do with a data segment, and the option that follows. */
static size_t rcv_segment(struct rcv *r, uint32_t seq, uint32_t len, size_t max_blocks,
			  struct xs_tcp_sack_block *out)
{
	uint32_t end = seq + len;

	if ((int32_t)(end - r->rcv_nxt) <= 0) {
		xs_tcp_sack_rx_note_dup(&r->rx, seq, end);
	} else if ((int32_t)(seq - r->rcv_nxt) <= 0) {
		if (seq != r->rcv_nxt)
			xs_tcp_sack_rx_note_dup(&r->rx, seq, r->rcv_nxt);
		r->rcv_nxt = xs_tcp_ooo_pull(&r->q, end, rcv_deliver, r);
	} else {
		struct xs_tcp_sack_block dup;
		int ret = xs_tcp_ooo_insert(&r->q, seq, len, &r->handles, 0, &dup);

		cr_assert(ret == 0 || ret == XS_TCP_OOO_DUP);
		if (ret == 0)
			r->handles++;
		xs_tcp_sack_rx_note(&r->rx, seq, end);
		if (dup.start != dup.end)
			xs_tcp_sack_rx_note_dup(&r->rx, dup.start, dup.end);
	}
	struct xs_tcp_sack_block ranges[64];
	size_t n = xs_tcp_ooo_ranges(&r->q, ranges, 64);

	cr_assert_leq(n, 64);
	return xs_tcp_sack_rx_build(&r->rx, r->rcv_nxt, ranges, n, max_blocks, out);
}

static void rcv_fini(struct rcv *r)
{
	xs_tcp_ooo_purge(&r->q);
	cr_assert_eq(r->handles, 0, "a handle came back more or less than once");
}

struct row {
	uint32_t seg, len;		/* 0 len: the segment is lost */
	uint32_t ack;
	int nblocks;
	uint32_t blk[4][2];
};

#define LOST(seq) { (seq), 0, 0, 0, { { 0 } } }

static void run_table(const char *name, const struct row *rows, size_t nrows,
		      uint32_t irs, size_t max_blocks)
{
	for (size_t s = 0; s < NSHIFTS; s++) {
		uint32_t sh = shifts[s];
		struct rcv r;

		rcv_init(&r, irs + sh);
		for (size_t i = 0; i < nrows; i++) {
			const struct row *w = &rows[i];
			struct xs_tcp_sack_block out[4];

			if (!w->len)
				continue;
			size_t n = rcv_segment(&r, w->seg + sh, w->len, max_blocks, out);

			cr_assert_eq(r.rcv_nxt, w->ack + sh, "%s row %zu (shift %#x): ACK %u",
				     name, i, sh, r.rcv_nxt - sh);
			cr_assert_eq(n, (size_t)w->nblocks, "%s row %zu (shift %#x): %zu blocks",
				     name, i, sh, n);
			for (size_t b = 0; b < n; b++) {
				cr_assert_eq(out[b].start, w->blk[b][0] + sh,
					     "%s row %zu block %zu: left %u", name, i, b,
					     out[b].start - sh);
				cr_assert_eq(out[b].end, w->blk[b][1] + sh,
					     "%s row %zu block %zu: right %u", name, i, b,
					     out[b].end - sh);
			}
		}
		rcv_fini(&r);
	}
}

/* RFC 2018 section 6: eight 500-byte segments from 5000. */

Test(tcp_sack_rx, rfc2018_case1_tail_lost)
{
	static const struct row rows[] = {
		{ 5000, 500, 5500, 0, { { 0 } } },
		{ 5500, 500, 6000, 0, { { 0 } } },
		{ 6000, 500, 6500, 0, { { 0 } } },
		{ 6500, 500, 7000, 0, { { 0 } } },
		LOST(7000), LOST(7500), LOST(8000), LOST(8500),
	};
	run_table("case 1", rows, sizeof(rows) / sizeof(rows[0]), 5000, 4);
}

Test(tcp_sack_rx, rfc2018_case2_first_lost)
{
	static const struct row rows[] = {
		LOST(5000),
		{ 5500, 500, 5000, 1, { { 5500, 6000 } } },
		{ 6000, 500, 5000, 1, { { 5500, 6500 } } },
		{ 6500, 500, 5000, 1, { { 5500, 7000 } } },
		{ 7000, 500, 5000, 1, { { 5500, 7500 } } },
		{ 7500, 500, 5000, 1, { { 5500, 8000 } } },
		{ 8000, 500, 5000, 1, { { 5500, 8500 } } },
		{ 8500, 500, 5000, 1, { { 5500, 9000 } } },
	};
	run_table("case 2", rows, sizeof(rows) / sizeof(rows[0]), 5000, 4);
}

Test(tcp_sack_rx, rfc2018_case3_every_other_lost_then_filled)
{
	static const struct row rows[] = {
		{ 5000, 500, 5500, 0, { { 0 } } },
		LOST(5500),
		{ 6000, 500, 5500, 1, { { 6000, 6500 } } },
		LOST(6500),
		{ 7000, 500, 5500, 2, { { 7000, 7500 }, { 6000, 6500 } } },
		LOST(7500),
		{ 8000, 500, 5500, 3, { { 8000, 8500 }, { 7000, 7500 }, { 6000, 6500 } } },
		LOST(8500),
		/* "Suppose that the 4th packet is received out of order." */
		{ 6500, 500, 5500, 2, { { 6000, 7500 }, { 8000, 8500 } } },
		/* "Suppose at this point, the 2nd segment is received." */
		{ 5500, 500, 7500, 1, { { 8000, 8500 } } },
	};
	run_table("case 3", rows, sizeof(rows) / sizeof(rows[0]), 5000, 3);
}

/* RFC 2883 section 4: D-SACK, 500-byte segments from 3000. */

Test(tcp_sack_rx, rfc2883_duplicate_below_ack)
{
	static const struct row rows[] = {
		{ 3000, 500, 3500, 0, { { 0 } } },
		{ 3500, 500, 4000, 0, { { 0 } } },
		{ 3000, 500, 4000, 1, { { 3000, 3500 } } },
		/* Reported once: the next ACK carries no block. */
		{ 4000, 500, 4500, 0, { { 0 } } },
	};
	run_table("4.1.1", rows, sizeof(rows) / sizeof(rows[0]), 3000, 4);
}

Test(tcp_sack_rx, rfc2883_duplicate_with_ooo_data)
{
	static const struct row rows[] = {
		{ 3000, 500, 3500, 0, { { 0 } } },
		{ 3500, 500, 4000, 0, { { 0 } } },
		LOST(4000),
		{ 4500, 500, 4000, 1, { { 4500, 5000 } } },
		{ 3000, 500, 4000, 2, { { 3000, 3500 }, { 4500, 5000 } } },
	};
	run_table("4.1.2", rows, sizeof(rows) / sizeof(rows[0]), 3000, 4);
}

Test(tcp_sack_rx, rfc2883_duplicate_of_ooo_segment)
{
	static const struct row rows[] = {
		{ 3000, 500, 3500, 0, { { 0 } } },
		{ 3500, 500, 4000, 0, { { 0 } } },
		LOST(4000),
		{ 4500, 500, 4000, 1, { { 4500, 5000 } } },
		{ 5000, 500, 4000, 1, { { 4500, 5500 } } },
		/* Replicated by the network: D-SACK, then the block holding it. */
		{ 5000, 500, 4000, 2, { { 5000, 5500 }, { 4500, 5500 } } },
		{ 4500, 500, 4000, 2, { { 4500, 5000 }, { 4500, 5500 } } },
	};
	run_table("4.1.3/4.2", rows, sizeof(rows) / sizeof(rows[0]), 3000, 4);
}

Test(tcp_sack_rx, blocks_capped_at_max)
{
	static const uint32_t order[] = { 1000, 3000, 5000, 7000, 9000 };

	for (size_t max = 1; max <= 6; max++) {
		struct xs_tcp_sack_block out[4];
		struct rcv r;
		size_t n = 0;

		rcv_init(&r, 0xfffff000u);
		for (size_t i = 0; i < 5; i++)
			n = rcv_segment(&r, 0xfffff000u + order[i], 500, max, out);
		size_t want = max < 4 ? max : 4;

		cr_assert_eq(n, want, "max %zu: %zu blocks", max, n);
		for (size_t b = 0; b < n; b++)		/* newest first */
			cr_assert_eq(out[b].start, 0xfffff000u + order[4 - b]);
		rcv_fini(&r);
	}
}

Test(tcp_sack_rx, zero_max_builds_nothing_and_keeps_dsack)
{
	struct xs_tcp_sack_rx rx;
	struct xs_tcp_sack_block out[4], range = { 200, 300 };

	xs_tcp_sack_rx_init(&rx);
	xs_tcp_sack_rx_note_dup(&rx, 50, 80);
	cr_assert_eq(xs_tcp_sack_rx_build(&rx, 100, &range, 1, 0, out), 0);
	cr_assert_eq(xs_tcp_sack_rx_build(&rx, 100, &range, 1, 4, out), 1);
	cr_assert_eq(out[0].start, 50);
}

Test(tcp_sack_rx, dsack_then_the_range_holding_it)
{
	struct xs_tcp_sack_rx rx;
	struct xs_tcp_sack_block out[4];
	struct xs_tcp_sack_block ranges[] = { { 1000, 2000 }, { 3000, 4000 }, { 5000, 6000 } };

	xs_tcp_sack_rx_init(&rx);
	xs_tcp_sack_rx_note(&rx, 3000, 4000);
	xs_tcp_sack_rx_note(&rx, 5000, 6000);
	/* Only the duplicate noted, not the segment: RFC 2883 still wants
	 * the block holding it second. */
	xs_tcp_sack_rx_note_dup(&rx, 1200, 1300);
	xs_tcp_sack_rx_note_dup(&rx, 1300, 1400);	/* touches: extended */
	size_t n = xs_tcp_sack_rx_build(&rx, 500, ranges, 3, 4, out);

	cr_assert_eq(n, 4);
	cr_assert_eq(out[0].start, 1200);
	cr_assert_eq(out[0].end, 1400);
	cr_assert_eq(out[1].start, 1000);
	cr_assert_eq(out[2].start, 5000);
	cr_assert_eq(out[3].start, 3000);
	/* A duplicate that does not touch the pending one replaces it. */
	xs_tcp_sack_rx_note_dup(&rx, 100, 200);
	xs_tcp_sack_rx_note_dup(&rx, 300, 400);
	n = xs_tcp_sack_rx_build(&rx, 500, ranges, 3, 3, out);
	cr_assert_eq(n, 3);
	cr_assert_eq(out[0].start, 300);
	cr_assert_eq(out[1].start, 1000);
	cr_assert_eq(out[2].start, 5000);
}

Test(tcp_sack_rx, never_at_or_below_rcv_nxt)
{
	struct xs_tcp_sack_rx rx;
	struct xs_tcp_sack_block out[4];
	/* Ranges as a queue would hold them just before a pull. */
	struct xs_tcp_sack_block ranges[] = { { 0xffffff00u, 0xffffff80u }, { 0x10, 0x40 } };

	xs_tcp_sack_rx_init(&rx);
	xs_tcp_sack_rx_note(&rx, 0xffffff00u, 0xffffff80u);
	xs_tcp_sack_rx_note(&rx, 0x10, 0x40);
	/* RCV.NXT past the first range and into the second. */
	size_t n = xs_tcp_sack_rx_build(&rx, 0x20, ranges, 2, 4, out);

	cr_assert_eq(n, 1);
	cr_assert_eq(out[0].start, 0x20);
	cr_assert_eq(out[0].end, 0x40);
	n = xs_tcp_sack_rx_build(&rx, 0x40, ranges, 2, 4, out);
	cr_assert_eq(n, 0);
}

Test(tcp_sack_rx, newest_first_then_recently_reported)
{
	struct rcv r;
	struct xs_tcp_sack_block out[4];
	size_t n = 0;

	rcv_init(&r, 0);
	/* Six islands; a 3-block option reports the three newest. */
	for (uint32_t i = 0; i < 6; i++)
		n = rcv_segment(&r, 1000 + 1000 * i, 100, 3, out);
	cr_assert_eq(n, 3);
	cr_assert_eq(out[0].start, 6000);
	cr_assert_eq(out[2].start, 4000);
	/* A segment grows the oldest island: it goes first, then the most
	 * recently reported. */
	n = rcv_segment(&r, 1100, 100, 3, out);
	cr_assert_eq(n, 3);
	cr_assert_eq(out[0].start, 1000);
	cr_assert_eq(out[0].end, 1200);
	cr_assert_eq(out[1].start, 6000);
	cr_assert_eq(out[2].start, 5000);
	/* The hole below it fills: RCV.NXT jumps past the first block, and
	 * 4000, reported two options ago, comes back. */
	n = rcv_segment(&r, 0, 1000, 3, out);
	cr_assert_eq(r.rcv_nxt, 1200);
	cr_assert_eq(n, 3);
	cr_assert_eq(out[0].start, 6000);
	cr_assert_eq(out[1].start, 5000);
	cr_assert_eq(out[2].start, 4000);
	rcv_fini(&r);
}

/* ---- sender: the scoreboard ------------------------------------------------ */

#define SMSS 1000

static void blk(struct xs_tcp_sack_block *b, uint32_t s, uint32_t e)
{
	b->start = s;
	b->end = e;
}

static void board_is(const struct xs_tcp_sack_board *b, uint32_t sh,
		     const uint32_t (*want)[2], uint32_t n)
{
	uint32_t total = 0;

	cr_assert_eq(b->nranges, n, "%u ranges, want %u", b->nranges, n);
	for (uint32_t i = 0; i < n; i++) {
		cr_assert_eq(b->ranges[i].start, want[i][0] + sh, "range %u start %u", i,
			     b->ranges[i].start - sh);
		cr_assert_eq(b->ranges[i].end, want[i][1] + sh, "range %u end %u", i,
			     b->ranges[i].end - sh);
		total += want[i][1] - want[i][0];
	}
	cr_assert_eq(b->sacked_bytes, total);
}

Test(tcp_sack_board, update_merges_and_validates)
{
	for (size_t s = 0; s < NSHIFTS; s++) {
		uint32_t sh = shifts[s];
		struct xs_tcp_sack_board b;
		struct xs_tcp_sack_update res;
		struct xs_tcp_sack_block bl[4];

		xs_tcp_sack_board_init(&b, 1000 + sh, SMSS);
		blk(&bl[0], 3000 + sh, 4000 + sh);
		blk(&bl[1], 6000 + sh, 7000 + sh);
		xs_tcp_sack_board_update(&b, 1000 + sh, 10000 + sh, bl, 2, &res);
		cr_assert_eq(res.newly_sacked, 2000);
		cr_assert_eq(res.invalid, 0);
		cr_assert_not(res.dsack);
		board_is(&b, sh, (const uint32_t[][2]){ { 3000, 4000 }, { 6000, 7000 } }, 2);

		/* Touching on the left, overlapping on the right, bridging. */
		blk(&bl[0], 2500, 3000);
		blk(&bl[1], 3500, 4500);
		blk(&bl[2], 4500, 6500);
		for (int i = 0; i < 3; i++) {
			bl[i].start += sh;
			bl[i].end += sh;
		}
		xs_tcp_sack_board_update(&b, 1000 + sh, 10000 + sh, bl, 3, &res);
		cr_assert_eq(res.newly_sacked, 500 + 500 + 1500);
		board_is(&b, sh, (const uint32_t[][2]){ { 2500, 7000 } }, 1);

		/* Invalid: start == end, start after end, past SND.NXT, below
		 * SND.UNA; none may change the board. */
		blk(&bl[0], 8000 + sh, 8000 + sh);
		blk(&bl[1], 9000 + sh, 8500 + sh);
		blk(&bl[2], 9500 + sh, 10500 + sh);
		blk(&bl[3], 100 + sh, 900 + sh);
		/* Put the first one second so that it is not read as a D-SACK. */
		struct xs_tcp_sack_block order[4] = { bl[1], bl[0], bl[2], bl[3] };

		xs_tcp_sack_board_update(&b, 1000 + sh, 10000 + sh, order, 4, &res);
		cr_assert_eq(res.invalid, 4, "%u invalid", res.invalid);
		cr_assert_eq(res.newly_sacked, 0);
		board_is(&b, sh, (const uint32_t[][2]){ { 2500, 7000 } }, 1);

		/* A block far outside the window. */
		blk(&bl[0], 0x80000000u + sh, 0x80000100u + sh);
		xs_tcp_sack_board_update(&b, 1000 + sh, 10000 + sh, bl, 1, &res);
		cr_assert_eq(res.invalid, 1);
		board_is(&b, sh, (const uint32_t[][2]){ { 2500, 7000 } }, 1);

		/* Up to SND.NXT exactly is fine. */
		blk(&bl[0], 9000 + sh, 10000 + sh);
		xs_tcp_sack_board_update(&b, 1000 + sh, 10000 + sh, bl, 1, &res);
		cr_assert_eq(res.invalid, 0);
		board_is(&b, sh, (const uint32_t[][2]){ { 2500, 7000 }, { 9000, 10000 } }, 2);
	}
}

Test(tcp_sack_board, dsack_recognised_not_recorded)
{
	for (size_t s = 0; s < NSHIFTS; s++) {
		uint32_t sh = shifts[s];
		struct xs_tcp_sack_board b;
		struct xs_tcp_sack_update res;
		struct xs_tcp_sack_block bl[2];

		xs_tcp_sack_board_init(&b, 3000 + sh, 500);
		/* RFC 2883 4.1.1 seen from the sender: ACK 4000, SACK 3000-3500. */
		blk(&bl[0], 3000 + sh, 3500 + sh);
		xs_tcp_sack_board_update(&b, 4000 + sh, 5000 + sh, bl, 1, &res);
		cr_assert(res.dsack);
		cr_assert_eq(res.dsack_block.start, 3000 + sh);
		cr_assert_eq(res.acked, 1000);
		cr_assert_eq(res.invalid, 0);
		cr_assert_eq(b.nranges, 0);

		/* 4.2: ACK 4000, SACK 5000-5500, 4500-5500. */
		xs_tcp_sack_board_init(&b, 4000 + sh, 500);
		blk(&bl[0], 5000 + sh, 5500 + sh);
		blk(&bl[1], 4500 + sh, 5500 + sh);
		xs_tcp_sack_board_update(&b, 4000 + sh, 6000 + sh, bl, 2, &res);
		cr_assert(res.dsack);
		cr_assert_eq(res.newly_sacked, 1000);
		board_is(&b, sh, (const uint32_t[][2]){ { 4500, 5500 } }, 1);
	}
}

Test(tcp_sack_board, straddling_block_cut_at_snd_una)
{
	struct xs_tcp_sack_board b;
	struct xs_tcp_sack_update res;
	struct xs_tcp_sack_block bl[2];

	xs_tcp_sack_board_init(&b, 0xfffffe00u, SMSS);
	blk(&bl[0], 0xfffffd00u, 0x100);	/* from below SND.UNA across the wrap */
	blk(&bl[1], 0x200, 0x300);
	/* Not the first block: the first would be a D-SACK. */
	struct xs_tcp_sack_block order[2] = { bl[1], bl[0] };

	xs_tcp_sack_board_update(&b, 0xfffffe00u, 0x1000, order, 2, &res);
	cr_assert_eq(res.invalid, 0);
	board_is(&b, 0, (const uint32_t[][2]){ { 0xfffffe00u, 0x100 }, { 0x200, 0x300 } }, 2);
}

Test(tcp_sack_board, snd_una_advance_trims)
{
	for (size_t s = 0; s < NSHIFTS; s++) {
		uint32_t sh = shifts[s];
		struct xs_tcp_sack_board b;
		struct xs_tcp_sack_update res;
		struct xs_tcp_sack_block bl[3];

		xs_tcp_sack_board_init(&b, sh, SMSS);
		blk(&bl[0], 1000 + sh, 2000 + sh);
		blk(&bl[1], 3000 + sh, 4000 + sh);
		blk(&bl[2], 5000 + sh, 6000 + sh);
		xs_tcp_sack_board_update(&b, sh, 8000 + sh, bl, 3, NULL);
		/* ACK 3500: the first range goes, the second is cut. */
		xs_tcp_sack_board_update(&b, 3500 + sh, 8000 + sh, NULL, 0, &res);
		cr_assert_eq(res.acked, 3500);
		cr_assert_eq(b.snd_una, 3500 + sh);
		board_is(&b, sh, (const uint32_t[][2]){ { 3500, 4000 }, { 5000, 6000 } }, 2);
		/* An old ACK changes nothing. */
		xs_tcp_sack_board_update(&b, 2000 + sh, 8000 + sh, NULL, 0, &res);
		cr_assert_eq(res.acked, 0);
		cr_assert_eq(b.snd_una, 3500 + sh);
		/* ACK past SND.NXT is not taken. */
		xs_tcp_sack_board_update(&b, 9000 + sh, 8000 + sh, NULL, 0, &res);
		cr_assert_eq(b.snd_una, 3500 + sh);
		/* Exactly to a range's end. */
		xs_tcp_sack_board_update(&b, 6000 + sh, 8000 + sh, NULL, 0, &res);
		board_is(&b, sh, NULL, 0);
	}
}

Test(tcp_sack_board, full_board_drops_the_highest)
{
	struct xs_tcp_sack_board b;
	struct xs_tcp_sack_block bl;
	uint32_t base = 0xffffc000u;

	xs_tcp_sack_board_init(&b, base, 100);
	for (uint32_t i = 0; i < XS_TCP_SACK_BOARD_MAX; i++) {
		blk(&bl, base + 200 * (i + 1), base + 200 * (i + 1) + 100);
		xs_tcp_sack_board_update(&b, base, base + 20000, &bl, 1, NULL);
	}
	cr_assert_eq(b.nranges, XS_TCP_SACK_BOARD_MAX);
	cr_assert_eq(b.overflows, 0);
	/* One more, highest: not kept. */
	blk(&bl, base + 10000, base + 10100);
	xs_tcp_sack_board_update(&b, base, base + 20000, &bl, 1, NULL);
	cr_assert_eq(b.overflows, 1);
	cr_assert_eq(b.ranges[XS_TCP_SACK_BOARD_MAX - 1].start, base + 200 * XS_TCP_SACK_BOARD_MAX);
	/* One more, lowest: kept, the highest goes. */
	blk(&bl, base + 50, base + 100);
	xs_tcp_sack_board_update(&b, base, base + 20000, &bl, 1, NULL);
	cr_assert_eq(b.overflows, 2);
	cr_assert_eq(b.ranges[0].start, base + 50);
	cr_assert_eq(b.ranges[XS_TCP_SACK_BOARD_MAX - 1].start,
		     base + 200 * (XS_TCP_SACK_BOARD_MAX - 1));
	cr_assert_eq(b.sacked_bytes, 50 + 100 * (XS_TCP_SACK_BOARD_MAX - 1));
	/* A merge needs no slot. */
	blk(&bl, base + 100, base + 200);
	xs_tcp_sack_board_update(&b, base, base + 20000, &bl, 1, NULL);
	cr_assert_eq(b.overflows, 2);
	cr_assert_eq(b.nranges, XS_TCP_SACK_BOARD_MAX - 1);
}

Test(tcp_sack_board, is_lost_dupthresh)
{
	for (size_t s = 0; s < NSHIFTS; s++) {
		uint32_t sh = shifts[s];
		struct xs_tcp_sack_board b;
		struct xs_tcp_sack_block bl;

		xs_tcp_sack_board_init(&b, sh, SMSS);
		/* One range of 1000 above 0: neither 3 ranges nor > 2000 bytes. */
		blk(&bl, 1000 + sh, 2000 + sh);
		xs_tcp_sack_board_update(&b, sh, 20000 + sh, &bl, 1, NULL);
		cr_assert_not(xs_tcp_sack_is_lost(&b, sh));
		blk(&bl, 3000 + sh, 3500 + sh);
		xs_tcp_sack_board_update(&b, sh, 20000 + sh, &bl, 1, NULL);
		cr_assert_not(xs_tcp_sack_is_lost(&b, sh));
		/* Third discontiguous range, 1600 bytes in all: lost by count. */
		blk(&bl, 5000 + sh, 5100 + sh);
		xs_tcp_sack_board_update(&b, sh, 20000 + sh, &bl, 1, NULL);
		cr_assert(xs_tcp_sack_is_lost(&b, sh));
		cr_assert(xs_tcp_sack_is_lost(&b, 999 + sh));
		cr_assert_not(xs_tcp_sack_is_lost(&b, 2000 + sh), "only two ranges above");
		/* Inside a range: its part above counts. */
		cr_assert(xs_tcp_sack_is_lost(&b, 1998 + sh));
		cr_assert_not(xs_tcp_sack_is_lost(&b, 1999 + sh));

		/* By bytes: exactly 2000 above is not enough, 2001 is. */
		xs_tcp_sack_board_init(&b, sh, SMSS);
		blk(&bl, 1000 + sh, 3000 + sh);
		xs_tcp_sack_board_update(&b, sh, 20000 + sh, &bl, 1, NULL);
		cr_assert_not(xs_tcp_sack_is_lost(&b, sh));
		blk(&bl, 3000 + sh, 3001 + sh);
		xs_tcp_sack_board_update(&b, sh, 20000 + sh, &bl, 1, NULL);
		cr_assert(xs_tcp_sack_is_lost(&b, sh));
		cr_assert_not(xs_tcp_sack_is_lost(&b, 1000 + sh), "2000 bytes after 1000");
	}
}

static struct xs_tcp_sack_board scenario(uint32_t sh, const uint32_t (*sacks)[2], int n,
					 uint32_t snd_nxt)
{
	struct xs_tcp_sack_board b;

	xs_tcp_sack_board_init(&b, sh, SMSS);
	for (int i = 0; i < n; i++) {
		struct xs_tcp_sack_block bl = { sacks[i][0] + sh, sacks[i][1] + sh };

		xs_tcp_sack_board_update(&b, sh, snd_nxt + sh, &bl, 1, NULL);
	}
	return b;
}

static void seg_is(int rule, const struct xs_tcp_sack_seg *g, int want_rule, uint32_t s,
		   uint32_t e, uint32_t sh)
{
	cr_assert_eq(rule, want_rule, "rule %d, want %d", rule, want_rule);
	if (!want_rule)
		return;
	cr_assert_eq(g->rule, want_rule);
	cr_assert_eq(g->start, s + sh, "start %u, want %u", g->start - sh, s);
	cr_assert_eq(g->end, e + sh, "end %u, want %u", g->end - sh, e);
}

Test(tcp_sack_board, next_seg_rules_in_order)
{
	for (size_t s = 0; s < NSHIFTS; s++) {
		uint32_t sh = shifts[s];
		struct xs_tcp_sack_seg g;
		int rule;

		/* Holes [0,1000) and [2000,2500), both lost (more than 2 * SMSS
		 * SACKed above each). */
		struct xs_tcp_sack_board b = scenario(sh, (const uint32_t[][2]){
			{ 1000, 2000 }, { 2500, 5000 } }, 2, 10000);

		xs_tcp_sack_enter_recovery(&b, 10000 + sh);
		/* Rule 1 wins over new data. */
		rule = xs_tcp_sack_next_seg(&b, 10000 + sh, 5000, &g);
		seg_is(rule, &g, 1, 0, 1000, sh);
		xs_tcp_sack_sent(&b, &g);
		cr_assert_eq(b.high_rxt, 1000 + sh);
		/* The next lost hole, cut at the SACKed range: 500 bytes. */
		rule = xs_tcp_sack_next_seg(&b, 10000 + sh, 5000, &g);
		seg_is(rule, &g, 1, 2000, 2500, sh);
		xs_tcp_sack_sent(&b, &g);
		/* Nothing below the highest SACK left: rule 2. */
		rule = xs_tcp_sack_next_seg(&b, 10000 + sh, 5000, &g);
		seg_is(rule, &g, 2, 10000, 11000, sh);
		rule = xs_tcp_sack_next_seg(&b, 10000 + sh, 300, &g);
		seg_is(rule, &g, 2, 10000, 10300, sh);
		/* No new data, and RescueRxt (1000, from the first
		 * retransmission) not passed by HighACK: nothing. */
		rule = xs_tcp_sack_next_seg(&b, 10000 + sh, 0, &g);
		seg_is(rule, &g, 0, 0, 0, sh);
		/* ACK 2500 (the retransmissions arrived): rule 4, the rescue,
		 * ending at the highest unSACKed octet. */
		xs_tcp_sack_board_update(&b, 2500 + sh, 10000 + sh, NULL, 0, NULL);
		rule = xs_tcp_sack_next_seg(&b, 10000 + sh, 0, &g);
		seg_is(rule, &g, 4, 9000, 10000, sh);
		xs_tcp_sack_sent(&b, &g);
		cr_assert_eq(b.high_rxt, 2500 + sh, "rule 4 must not move HighRxt");
		cr_assert_eq(b.rescue_rxt, 10000 + sh);
		rule = xs_tcp_sack_next_seg(&b, 10000 + sh, 0, &g);
		seg_is(rule, &g, 0, 0, 0, sh);
	}
}

Test(tcp_sack_board, next_seg_rule3_when_not_lost)
{
	for (size_t s = 0; s < NSHIFTS; s++) {
		uint32_t sh = shifts[s];
		struct xs_tcp_sack_seg g;
		int rule;

		/* One SACKed segment above a 2500-byte hole: not lost. */
		struct xs_tcp_sack_board b = scenario(sh, (const uint32_t[][2]){
			{ 2500, 3500 } }, 1, 8000);

		xs_tcp_sack_enter_recovery(&b, 8000 + sh);
		rule = xs_tcp_sack_next_seg(&b, 8000 + sh, 1, &g);
		seg_is(rule, &g, 2, 8000, 8001, sh);
		rule = xs_tcp_sack_next_seg(&b, 8000 + sh, 0, &g);
		seg_is(rule, &g, 3, 0, 1000, sh);
		xs_tcp_sack_sent(&b, &g);
		rule = xs_tcp_sack_next_seg(&b, 8000 + sh, 0, &g);
		seg_is(rule, &g, 3, 1000, 2000, sh);
		xs_tcp_sack_sent(&b, &g);
		rule = xs_tcp_sack_next_seg(&b, 8000 + sh, 0, &g);
		seg_is(rule, &g, 3, 2000, 2500, sh);
		xs_tcp_sack_sent(&b, &g);
		/* Rescue needs HighACK past RescueRxt (1000). */
		rule = xs_tcp_sack_next_seg(&b, 8000 + sh, 0, &g);
		seg_is(rule, &g, 0, 0, 0, sh);
		/* Outside recovery rule 4 never applies. */
		xs_tcp_sack_board_update(&b, 2500 + sh, 8000 + sh, NULL, 0, NULL);
		b.in_recovery = false;
		rule = xs_tcp_sack_next_seg(&b, 8000 + sh, 0, &g);
		seg_is(rule, &g, 0, 0, 0, sh);
	}
}

Test(tcp_sack_board, pipe_values)
{
	for (size_t s = 0; s < NSHIFTS; s++) {
		uint32_t sh = shifts[s];
		/* Holes: [0,3000) lost (3 ranges above), [4000,5000) and
		 * [6000,7000) not, [8000,10000) not. */
		struct xs_tcp_sack_board b = scenario(sh, (const uint32_t[][2]){
			{ 3000, 4000 }, { 5000, 6000 }, { 7000, 8000 } }, 3, 10000);
		struct xs_tcp_sack_seg g;

		cr_assert_eq(xs_tcp_sack_pipe(&b, 10000 + sh), 4000);
		xs_tcp_sack_enter_recovery(&b, 10000 + sh);
		cr_assert_eq(xs_tcp_sack_next_seg(&b, 10000 + sh, 0, &g), 1);
		xs_tcp_sack_sent(&b, &g);
		/* The retransmission is in flight: + 1000. */
		cr_assert_eq(xs_tcp_sack_pipe(&b, 10000 + sh), 5000);
		/* New data sent: + 500. */
		cr_assert_eq(xs_tcp_sack_pipe(&b, 10500 + sh), 5500);
		/* No SACKs at all: everything outstanding is in flight. */
		struct xs_tcp_sack_board e = scenario(sh, NULL, 0, 10000);

		cr_assert_eq(xs_tcp_sack_pipe(&e, 10000 + sh), 10000);
	}
}

Test(tcp_sack_board, recovery_entry_exit_and_rto)
{
	for (size_t s = 0; s < NSHIFTS; s++) {
		uint32_t sh = shifts[s];
		struct xs_tcp_sack_board b = scenario(sh, (const uint32_t[][2]){
			{ 1000, 4000 } }, 1, 6000);
		struct xs_tcp_sack_update res;

		cr_assert(xs_tcp_sack_can_enter_recovery(&b));
		xs_tcp_sack_enter_recovery(&b, 6000 + sh);
		cr_assert_not(xs_tcp_sack_can_enter_recovery(&b));
		xs_tcp_sack_board_update(&b, 4000 + sh, 7000 + sh, NULL, 0, &res);
		cr_assert_not(res.recovery_done);
		xs_tcp_sack_board_update(&b, 6000 + sh, 7000 + sh, NULL, 0, &res);
		cr_assert(res.recovery_done);
		cr_assert(xs_tcp_sack_can_enter_recovery(&b));

		/* RTO: the board is forgotten (the receiver may have reneged)
		 * and no recovery until SND.UNA reaches the old HighData. */
		struct xs_tcp_sack_block bl = { 6500 + sh, 7000 + sh };

		xs_tcp_sack_board_update(&b, 6000 + sh, 8000 + sh, &bl, 1, NULL);
		cr_assert_eq(b.nranges, 1);
		xs_tcp_sack_board_on_rto(&b, 8000 + sh);
		cr_assert_eq(b.nranges, 0);
		cr_assert_eq(b.sacked_bytes, 0);
		cr_assert_eq(xs_tcp_sack_pipe(&b, 8000 + sh), 2000);
		cr_assert_not(xs_tcp_sack_can_enter_recovery(&b));
		xs_tcp_sack_board_update(&b, 7000 + sh, 8000 + sh, NULL, 0, NULL);
		cr_assert_not(xs_tcp_sack_can_enter_recovery(&b));
		xs_tcp_sack_board_update(&b, 8000 + sh, 9000 + sh, NULL, 0, NULL);
		cr_assert(xs_tcp_sack_can_enter_recovery(&b));
	}
}

/* ---- IsLost() and SetPipe() against the RFC's octet definitions ----------- */

static uint64_t rng_next(uint64_t *s)
{
	*s ^= *s << 13;
	*s ^= *s >> 7;
	*s ^= *s << 17;
	return *s;
}

#define W 400	/* outstanding bytes */

static bool ref_is_lost(const bool *sacked, uint32_t off, uint32_t smss)
{
	uint32_t runs = 0, bytes = 0;

	for (uint32_t o = off + 1; o < W; o++) {
		if (!sacked[o])
			continue;
		bytes++;
		if (o == off + 1 || !sacked[o - 1])
			runs++;
	}
	return runs >= 3 || bytes > 2 * smss;
}

Test(tcp_sack_board, random_against_octet_definitions)
{
	uint64_t seed = 0x2545f4914f6cdd1dull;

	for (int round = 0; round < 300; round++) {
		uint32_t una = 0xffffff00u + (uint32_t)(rng_next(&seed) % 512);
		uint32_t smss = 5 + (uint32_t)(rng_next(&seed) % 40);
		struct xs_tcp_sack_board b;
		bool sacked[W] = { false };

		xs_tcp_sack_board_init(&b, una, smss);
		for (int k = 0; k < 12; k++) {
			uint32_t o = (uint32_t)(rng_next(&seed) % W);
			uint32_t len = 1 + (uint32_t)(rng_next(&seed) % 30);
			struct xs_tcp_sack_block bl[2] = { { una + W + 1, una + W + 1 } };

			if (o + len > W)
				len = W - o;
			/* A malformed first block so that nothing reads as D-SACK. */
			bl[1] = (struct xs_tcp_sack_block){ una + o, una + o + len };
			xs_tcp_sack_board_update(&b, una, una + W, bl, 2, NULL);
			for (uint32_t i = o; i < o + len; i++)
				sacked[i] = true;
		}
		uint32_t rxt = (uint32_t)(rng_next(&seed) % W);

		b.in_recovery = true;
		b.high_rxt = una + rxt;

		uint32_t pipe = 0, total = 0;

		for (uint32_t o = 0; o < W; o++) {
			total += sacked[o];
			cr_assert_eq(xs_tcp_sack_is_lost(&b, una + o), ref_is_lost(sacked, o, smss),
				     "round %d octet %u", round, o);
			if (sacked[o])
				continue;
			pipe += !ref_is_lost(sacked, o, smss);
			pipe += o < rxt;
		}
		cr_assert_eq(b.sacked_bytes, total, "round %d", round);
		cr_assert_eq(xs_tcp_sack_pipe(&b, una + W), pipe, "round %d", round);
	}
}
