// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * TCP SACK, both sides: the receiver's choice of blocks for the SACK option
 * (called by tcp_out.c when it builds an ACK, fed by tcp_in.c as segments
 * arrive and by the out-of-order queue's ranges, tcp_ooo.c), and the
 * sender's RFC 6675 scoreboard (fed by tcp_in.c with each ACK's SACK
 * blocks, asked by tcp_out.c what to send during loss recovery).  Below it
 * only tcp_seq.h.  The contract is in tcp_sack.h.
 *
 * The scoreboard is a sorted array of ranges, so IsLost() and SetPipe()
 * walk ranges rather than octets: between two SACKed ranges nothing is
 * SACKed, so IsLost() gives the same answer for every octet of a hole and
 * one call per hole is enough.
 */
#include "sock/tcp_sack.h"

#include <string.h>

#include "sock/tcp_seq.h"

/* ---- receiver ---------------------------------------------------------- */

void xs_tcp_sack_rx_init(struct xs_tcp_sack_rx *rx)
{
	memset(rx, 0, sizeof(*rx));
}

void xs_tcp_sack_rx_note(struct xs_tcp_sack_rx *rx, uint32_t start, uint32_t end)
{
	if (!xs_seq_lt(start, end))
		return;
	size_t keep = rx->nrecent < XS_TCP_SACK_RX_RECENT ? rx->nrecent : XS_TCP_SACK_RX_RECENT - 1;

	memmove(&rx->recent[1], &rx->recent[0], keep * sizeof(rx->recent[0]));
	rx->recent[0] = (struct xs_tcp_sack_block){ start, end };
	rx->nrecent = (uint8_t)(keep + 1);
}

void xs_tcp_sack_rx_note_dup(struct xs_tcp_sack_rx *rx, uint32_t start, uint32_t end)
{
	if (!xs_seq_lt(start, end))
		return;
	if (rx->dsack_pending && xs_seq_le(start, rx->dsack.end) &&
	    xs_seq_le(rx->dsack.start, end)) {
		rx->dsack.start = xs_seq_min(rx->dsack.start, start);
		rx->dsack.end = xs_seq_max(rx->dsack.end, end);
		return;
	}
	rx->dsack = (struct xs_tcp_sack_block){ start, end };
	rx->dsack_pending = true;
}

/* The held range sharing a byte with [start, end), or NULL.  ranges are
 * sorted in sequence order, all within one window. */
static const struct xs_tcp_sack_block *
rx_range_holding(const struct xs_tcp_sack_block *ranges, size_t n, uint32_t start, uint32_t end)
{
	size_t lo = 0, hi = n;

	while (lo < hi) {			/* first range ending after start */
		size_t mid = lo + (hi - lo) / 2;

		if (xs_seq_gt(ranges[mid].end, start))
			hi = mid;
		else
			lo = mid + 1;
	}
	if (lo < n && xs_seq_lt(ranges[lo].start, end))
		return &ranges[lo];
	return NULL;
}

struct rx_builder {
	struct xs_tcp_sack_block *out;
	size_t nout, max;
	struct xs_tcp_sack_block recent[XS_TCP_SACK_RX_RECENT];
	size_t nrecent;
};

/* Adds a held range above RCV.NXT once: to the option while there is room,
 * and to the new recency list. */
static void rx_add(struct rx_builder *bld, const struct xs_tcp_sack_block *r, uint32_t rcv_nxt)
{
	if (!r || xs_seq_le(r->end, rcv_nxt))
		return;
	struct xs_tcp_sack_block blk = { xs_seq_max(r->start, rcv_nxt), r->end };

	for (size_t i = 0; i < bld->nrecent; i++)
		if (bld->recent[i].start == blk.start && bld->recent[i].end == blk.end)
			return;
	if (bld->nrecent < XS_TCP_SACK_RX_RECENT)
		bld->recent[bld->nrecent++] = blk;
	if (bld->nout < bld->max)
		bld->out[bld->nout++] = blk;
}

size_t xs_tcp_sack_rx_build(struct xs_tcp_sack_rx *rx, uint32_t rcv_nxt,
			    const struct xs_tcp_sack_block *ranges, size_t nranges,
			    size_t max_blocks, struct xs_tcp_sack_block *out)
{
	struct rx_builder bld = {
		.out = out,
		.max = max_blocks < XS_TCP_SACK_MAX_BLOCKS ? max_blocks : XS_TCP_SACK_MAX_BLOCKS,
	};

	if (bld.max == 0)
		return 0;
	if (rx->dsack_pending) {
		out[bld.nout++] = rx->dsack;
		rx->dsack_pending = false;
		rx_add(&bld, rx_range_holding(ranges, nranges, rx->dsack.start, rx->dsack.end),
		       rcv_nxt);
	}
	for (size_t i = 0; i < rx->nrecent; i++)
		rx_add(&bld, rx_range_holding(ranges, nranges, rx->recent[i].start,
					      rx->recent[i].end), rcv_nxt);
	memcpy(rx->recent, bld.recent, bld.nrecent * sizeof(bld.recent[0]));
	rx->nrecent = (uint8_t)bld.nrecent;
	return bld.nout;
}

/* ---- sender: the scoreboard -------------------------------------------- */

void xs_tcp_sack_board_init(struct xs_tcp_sack_board *b, uint32_t snd_una, uint32_t smss)
{
	memset(b, 0, sizeof(*b));
	b->snd_una = snd_una;
	b->high_rxt = snd_una;
	b->recovery_point = snd_una;
	b->smss = smss ? smss : 1;
	b->dupthresh = XS_TCP_SACK_DUPTHRESH;
}

static uint32_t range_len(const struct xs_tcp_sack_block *r)
{
	return r->end - r->start;
}

static void board_remove(struct xs_tcp_sack_board *b, uint32_t i, uint32_t count)
{
	memmove(&b->ranges[i], &b->ranges[i + count],
		(b->nranges - i - count) * sizeof(b->ranges[0]));
	b->nranges -= count;
}

/* Merges [s, e), inside [snd_una, SND.NXT), into the sorted ranges. */
static void board_insert(struct xs_tcp_sack_board *b, uint32_t s, uint32_t e)
{
	uint32_t i = 0, j, old = 0;

	while (i < b->nranges && xs_seq_lt(b->ranges[i].end, s))
		i++;
	for (j = i; j < b->nranges && xs_seq_le(b->ranges[j].start, e); j++) {
		s = xs_seq_min(s, b->ranges[j].start);
		e = xs_seq_max(e, b->ranges[j].end);
		old += range_len(&b->ranges[j]);
	}
	if (j > i) {				/* merged: one range replaces i..j-1 */
		b->ranges[i] = (struct xs_tcp_sack_block){ s, e };
		board_remove(b, i + 1, j - i - 1);
		b->sacked_bytes += (e - s) - old;
		return;
	}
	if (b->nranges == XS_TCP_SACK_BOARD_MAX) {
		b->overflows++;
		if (i == b->nranges)		/* the new one is the highest */
			return;
		b->sacked_bytes -= range_len(&b->ranges[b->nranges - 1]);
		b->nranges--;
	}
	memmove(&b->ranges[i + 1], &b->ranges[i], (b->nranges - i) * sizeof(b->ranges[0]));
	b->ranges[i] = (struct xs_tcp_sack_block){ s, e };
	b->nranges++;
	b->sacked_bytes += e - s;
}

bool xs_tcp_sack_board_ack(struct xs_tcp_sack_board *b, uint32_t snd_una, uint32_t *acked)
{
	if (acked)
		*acked = 0;
	if (!xs_seq_gt(snd_una, b->snd_una))
		return false;
	if (acked)
		*acked = snd_una - b->snd_una;
	b->snd_una = snd_una;

	uint32_t gone = 0;

	while (gone < b->nranges && xs_seq_le(b->ranges[gone].end, snd_una)) {
		b->sacked_bytes -= range_len(&b->ranges[gone]);
		gone++;
	}
	board_remove(b, 0, gone);
	if (b->nranges && xs_seq_lt(b->ranges[0].start, snd_una)) {
		b->sacked_bytes -= snd_una - b->ranges[0].start;
		b->ranges[0].start = snd_una;
	}
	b->high_rxt = xs_seq_max(b->high_rxt, snd_una);

	if (b->in_recovery) {
		if (xs_seq_lt(snd_una, b->recovery_point))
			return false;
		b->in_recovery = false;
		b->rescue_set = false;
		b->recovery_point = snd_una;
		return true;
	}
	/* Dragged along so that it never falls 2^31 behind and turns "ahead". */
	if (xs_seq_ge(snd_una, b->recovery_point))
		b->recovery_point = snd_una;
	return false;
}

/* RFC 2883 section 5: a first block below the cumulative ACK, or inside the
 * second block, reports a duplicate. */
static bool is_dsack(const struct xs_tcp_sack_block *blocks, size_t n, uint32_t ack)
{
	if (xs_seq_lt(blocks[0].start, ack))
		return true;
	return n > 1 && xs_seq_ge(blocks[0].start, blocks[1].start) &&
	       xs_seq_le(blocks[0].end, blocks[1].end);
}

void xs_tcp_sack_board_update(struct xs_tcp_sack_board *b, uint32_t ack, uint32_t snd_nxt,
			      const struct xs_tcp_sack_block *blocks, size_t n,
			      struct xs_tcp_sack_update *res)
{
	struct xs_tcp_sack_update local;

	if (!res)
		res = &local;
	memset(res, 0, sizeof(*res));

	if (xs_seq_between(ack, b->snd_una, snd_nxt + 1))
		res->recovery_done = xs_tcp_sack_board_ack(b, ack, &res->acked);

	uint32_t una = b->snd_una, win = snd_nxt - una, before = b->sacked_bytes;

	for (size_t i = 0; i < n; i++) {
		uint32_t s = blocks[i].start, e = blocks[i].end;

		if (!xs_seq_lt(s, e)) {
			res->invalid++;
			continue;
		}
		if (i == 0 && is_dsack(blocks, n, una)) {
			res->dsack = true;
			res->dsack_block = blocks[0];
			continue;
		}
		if (e - una == 0 || e - una > win) {	/* at/below SND.UNA, or past SND.NXT */
			res->invalid++;
			continue;
		}
		if (xs_seq_lt(s, una))
			s = una;
		if (s - una >= e - una) {		/* start nowhere near the window */
			res->invalid++;
			continue;
		}
		board_insert(b, s, e);
	}
	if (b->sacked_bytes > before)
		res->newly_sacked = b->sacked_bytes - before;
}

bool xs_tcp_sack_is_lost(const struct xs_tcp_sack_board *b, uint32_t seq)
{
	uint64_t limit = (uint64_t)(b->dupthresh - 1) * b->smss, bytes = 0;
	uint32_t above = seq + 1, count = 0;

	for (uint32_t i = b->nranges; i-- > 0;) {
		const struct xs_tcp_sack_block *r = &b->ranges[i];

		if (xs_seq_le(r->end, above))
			break;
		bytes += r->end - xs_seq_max(r->start, above);
		if (++count >= b->dupthresh || bytes > limit)
			return true;
	}
	return false;
}

/* The hole (unSACKed, below SND.NXT) that follows range i - 1 (i == 0: the
 * one from SND.UNA); empty when there is none. */
static struct xs_tcp_sack_block board_hole(const struct xs_tcp_sack_board *b, uint32_t i,
					   uint32_t snd_nxt)
{
	struct xs_tcp_sack_block h;

	h.start = i ? b->ranges[i - 1].end : b->snd_una;
	h.end = i < b->nranges ? b->ranges[i].start : snd_nxt;
	if (xs_seq_gt(h.end, snd_nxt))
		h.end = snd_nxt;
	if (!xs_seq_lt(h.start, h.end))
		h.end = h.start;
	return h;
}

uint32_t xs_tcp_sack_pipe(const struct xs_tcp_sack_board *b, uint32_t snd_nxt)
{
	uint32_t pipe = 0;

	for (uint32_t i = 0; i <= b->nranges; i++) {
		struct xs_tcp_sack_block h = board_hole(b, i, snd_nxt);

		if (h.start == h.end)
			continue;
		if (!xs_tcp_sack_is_lost(b, h.start))
			pipe += h.end - h.start;
		if (xs_seq_lt(h.start, b->high_rxt))
			pipe += xs_seq_min(h.end, b->high_rxt) - h.start;
	}
	return pipe;
}

int xs_tcp_sack_next_seg(const struct xs_tcp_sack_board *b, uint32_t snd_nxt,
			 uint32_t new_bytes, struct xs_tcp_sack_seg *seg)
{
	uint32_t from = xs_seq_max(b->snd_una, b->high_rxt);
	struct xs_tcp_sack_block cand = { 0, 0 };
	bool found = false;

	/* Rules 1.a, 1.b: the first unSACKed octet past HighRxt below the
	 * highest SACKed one, so in a hole before some range.  IsLost() only
	 * weakens going up, so if it fails here it fails for every later one. */
	for (uint32_t i = 0; i < b->nranges && !found; i++) {
		struct xs_tcp_sack_block h = board_hole(b, i, snd_nxt);

		if (h.start == h.end || xs_seq_le(h.end, from))
			continue;
		cand.start = xs_seq_max(h.start, from);
		cand.end = h.end - cand.start > b->smss ? cand.start + b->smss : h.end;
		found = true;
	}
	if (found && xs_tcp_sack_is_lost(b, cand.start)) {
		*seg = (struct xs_tcp_sack_seg){ cand.start, cand.end, 1 };
		return 1;
	}
	if (new_bytes) {
		uint32_t len = new_bytes < b->smss ? new_bytes : b->smss;

		*seg = (struct xs_tcp_sack_seg){ snd_nxt, snd_nxt + len, 2 };
		return 2;
	}
	if (found) {
		*seg = (struct xs_tcp_sack_seg){ cand.start, cand.end, 3 };
		return 3;
	}
	/* Rule 4: once per recovery (again only after HighACK passes the
	 * RescueRxt set at entry), a segment ending at the highest unSACKed
	 * octet still outstanding. */
	if (!b->in_recovery || (b->rescue_set && !xs_seq_gt(b->snd_una, b->rescue_rxt)))
		return 0;
	for (uint32_t i = b->nranges + 1; i-- > 0;) {
		struct xs_tcp_sack_block h = board_hole(b, i, snd_nxt);

		if (h.start == h.end)
			continue;
		uint32_t start = h.end - h.start > b->smss ? h.end - b->smss : h.start;

		*seg = (struct xs_tcp_sack_seg){ start, h.end, 4 };
		return 4;
	}
	return 0;
}

void xs_tcp_sack_sent(struct xs_tcp_sack_board *b, const struct xs_tcp_sack_seg *seg)
{
	switch (seg->rule) {
	case 1:
	case 3:
		b->high_rxt = xs_seq_max(b->high_rxt, seg->end);
		if (b->in_recovery && !b->rescue_set) {
			b->rescue_rxt = seg->end;
			b->rescue_set = true;
		}
		break;
	case 4:
		b->rescue_rxt = b->recovery_point;
		b->rescue_set = true;
		break;
	default:
		break;
	}
}

bool xs_tcp_sack_can_enter_recovery(const struct xs_tcp_sack_board *b)
{
	return !b->in_recovery && xs_seq_ge(b->snd_una, b->recovery_point);
}

void xs_tcp_sack_enter_recovery(struct xs_tcp_sack_board *b, uint32_t snd_nxt)
{
	b->in_recovery = true;
	b->recovery_point = snd_nxt;
	b->high_rxt = b->snd_una;
	b->rescue_set = false;
}

void xs_tcp_sack_board_on_rto(struct xs_tcp_sack_board *b, uint32_t snd_nxt)
{
	b->nranges = 0;
	b->sacked_bytes = 0;
	b->in_recovery = false;
	b->rescue_set = false;
	b->high_rxt = b->snd_una;
	b->recovery_point = snd_nxt;
}
