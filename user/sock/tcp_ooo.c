// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * The out-of-order queue: tcp_in.c inserts segments that arrive above
 * RCV.NXT and pulls what a filled hole made contiguous; tcp_sack.c reads
 * the ranges held.  Below it only tcp_seq.h.  The contract is in tcp_ooo.h.
 *
 * The index is an array sorted by sequence number, of disjoint pieces:
 * overlaps are trimmed on the way in, so pull and the ranges are plain
 * walks.  Most segments land at the tail (the hole is near RCV.NXT, what
 * follows it arrives in order), where inserting moves nothing; pull takes
 * from the head, one move per pull.
 */
#include "sock/tcp_ooo.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "sock/tcp_seq.h"

#define OOO_MIN_CAP 16

void xs_tcp_ooo_init(struct xs_tcp_ooo *q, size_t mem_max,
		     xs_tcp_ooo_release_fn release, void *release_ctx)
{
	memset(q, 0, sizeof(*q));
	q->mem_max = mem_max;
	q->release = release;
	q->release_ctx = release_ctx;
}

void xs_tcp_ooo_set_limit(struct xs_tcp_ooo *q, size_t mem_max)
{
	q->mem_max = mem_max;
}

static uint32_t node_end(const struct xs_tcp_ooo_node *nd)
{
	return nd->seg.seq + nd->seg.len;
}

/* First node ending after seq. */
static uint32_t ooo_find(const struct xs_tcp_ooo *q, uint32_t seq)
{
	uint32_t lo = 0, hi = q->n;

	/* Fast path: at or past the tail, where most segments go. */
	if (q->n && xs_seq_le(node_end(&q->nodes[q->n - 1]), seq))
		return q->n;
	while (lo < hi) {
		uint32_t mid = lo + (hi - lo) / 2;

		if (xs_seq_gt(node_end(&q->nodes[mid]), seq))
			hi = mid;
		else
			lo = mid + 1;
	}
	return lo;
}

/* Linux's tcp_dsack_set()/tcp_dsack_extend(): the first duplicate range,
 * grown only by ranges that touch it. */
static void dup_add(struct xs_tcp_sack_block *dup, uint32_t start, uint32_t end)
{
	if (dup->start == dup->end) {
		*dup = (struct xs_tcp_sack_block){ start, end };
		return;
	}
	if (xs_seq_le(start, dup->end) && xs_seq_le(dup->start, end)) {
		dup->start = xs_seq_min(dup->start, start);
		dup->end = xs_seq_max(dup->end, end);
	}
}

static int ooo_reserve(struct xs_tcp_ooo *q, uint32_t need)
{
	if (need <= q->cap)
		return 0;
	uint32_t cap = q->cap ? q->cap : OOO_MIN_CAP;

	while (cap < need)
		cap *= 2;
	struct xs_tcp_ooo_node *nodes = realloc(q->nodes, (size_t)cap * sizeof(*nodes));

	if (!nodes)
		return -ENOMEM;
	q->nodes = nodes;
	q->cap = cap;
	return 0;
}

int xs_tcp_ooo_insert(struct xs_tcp_ooo *q, uint32_t seq, uint32_t len, void *payload,
		      uint32_t truesize, struct xs_tcp_sack_block *dup)
{
	struct xs_tcp_sack_block local;
	uint32_t end = seq + len, start = seq;
	size_t freed = 0;

	if (!dup)
		dup = &local;
	*dup = (struct xs_tcp_sack_block){ seq, seq };
	if (len == 0)
		return -EINVAL;

	uint32_t p = ooo_find(q, seq);

	/* Every byte held already, in one segment or in several touching ones. */
	uint32_t pos = seq;

	for (uint32_t i = p; i < q->n && xs_seq_le(q->nodes[i].seg.seq, pos) &&
			     xs_seq_lt(pos, end); i++)
		pos = node_end(&q->nodes[i]);
	if (xs_seq_ge(pos, end)) {
		*dup = (struct xs_tcp_sack_block){ seq, end };
		return XS_TCP_OOO_DUP;
	}
	if (p < q->n && xs_seq_lt(q->nodes[p].seg.seq, seq)) {	/* the predecessor keeps its bytes */
		start = node_end(&q->nodes[p]);
		dup_add(dup, seq, start);
		p++;
	}
	uint32_t c = p;

	for (; c < q->n && xs_seq_le(node_end(&q->nodes[c]), end); c++) {	/* covered whole */
		dup_add(dup, q->nodes[c].seg.seq, node_end(&q->nodes[c]));
		freed += q->nodes[c].charge;
	}
	bool tail = c < q->n && xs_seq_lt(q->nodes[c].seg.seq, end);

	if (tail)
		dup_add(dup, q->nodes[c].seg.seq, end);

	uint32_t charge = truesize ? truesize : len;

	if (q->mem - freed + charge > q->mem_max) {
		*dup = (struct xs_tcp_sack_block){ seq, seq };
		return -ENOBUFS;
	}
	if (c == p && ooo_reserve(q, q->n + 1) < 0) {
		*dup = (struct xs_tcp_sack_block){ seq, seq };
		return -ENOMEM;
	}

	for (uint32_t i = p; i < c; i++)
		q->release(q->release_ctx, q->nodes[i].seg.payload);
	if (tail) {				/* the successor loses its front */
		struct xs_tcp_ooo_seg *s = &q->nodes[c].seg;
		uint32_t cut = end - s->seq;

		s->seq = end;
		s->off += cut;
		s->len -= cut;
	}
	/* One node takes the place of the c - p covered ones. */
	if (c == p)
		memmove(&q->nodes[p + 1], &q->nodes[p], (q->n - p) * sizeof(q->nodes[0]));
	else if (c > p + 1)
		memmove(&q->nodes[p + 1], &q->nodes[c], (q->n - c) * sizeof(q->nodes[0]));
	q->n = q->n + 1 - (c - p);
	q->nodes[p] = (struct xs_tcp_ooo_node){
		.seg = { .seq = start, .len = end - start, .off = start - seq, .payload = payload },
		.charge = charge,
	};
	q->mem = q->mem - freed + charge;
	return 0;
}

uint32_t xs_tcp_ooo_pull(struct xs_tcp_ooo *q, uint32_t rcv_nxt,
			 xs_tcp_ooo_deliver_fn deliver, void *ctx)
{
	uint32_t i;

	for (i = 0; i < q->n && xs_seq_le(q->nodes[i].seg.seq, rcv_nxt); i++) {
		struct xs_tcp_ooo_node *nd = &q->nodes[i];
		uint32_t end = node_end(nd);

		q->mem -= nd->charge;
		if (xs_seq_le(end, rcv_nxt)) {
			q->release(q->release_ctx, nd->seg.payload);
			continue;
		}
		uint32_t cut = rcv_nxt - nd->seg.seq;
		struct xs_tcp_ooo_seg seg = {
			.seq = rcv_nxt, .len = nd->seg.len - cut,
			.off = nd->seg.off + cut, .payload = nd->seg.payload,
		};

		deliver(ctx, &seg);
		rcv_nxt = end;
	}
	memmove(&q->nodes[0], &q->nodes[i], (q->n - i) * sizeof(q->nodes[0]));
	q->n -= i;
	return rcv_nxt;
}

void xs_tcp_ooo_purge(struct xs_tcp_ooo *q)
{
	for (uint32_t i = 0; i < q->n; i++)
		q->release(q->release_ctx, q->nodes[i].seg.payload);
	free(q->nodes);
	q->nodes = NULL;
	q->n = q->cap = 0;
	q->mem = 0;
}

size_t xs_tcp_ooo_ranges(const struct xs_tcp_ooo *q, struct xs_tcp_sack_block *out, size_t max)
{
	size_t k = 0;
	uint32_t prev_end = 0;

	for (uint32_t i = 0; i < q->n; i++) {
		uint32_t s = q->nodes[i].seg.seq, e = node_end(&q->nodes[i]);

		if (i && prev_end == s) {		/* touches the range before */
			if (k <= max)
				out[k - 1].end = e;
		} else {
			if (k < max)
				out[k] = (struct xs_tcp_sack_block){ s, e };
			k++;
		}
		prev_end = e;
	}
	return k;
}
