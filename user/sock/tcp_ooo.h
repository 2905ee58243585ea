/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * The TCP receive out-of-order queue: segments that arrived above RCV.NXT
 * wait here, sorted by sequence number, until the hole below them fills;
 * then xs_tcp_ooo_pull() hands them to the receive queue in order.
 * tcp_in.c inserts and pulls, tcp_sack.c builds SACK blocks from the ranges
 * held (xs_tcp_ooo_ranges()).  Pure: no globals, no clock, no device; the
 * queue hangs off the socket, sequence numbers wrap (tcp_seq.h).
 *
 * Payloads stay where they arrived: a segment is the caller's opaque handle
 * (a frame, say) plus where its data lies in sequence space; the queue
 * never reads the bytes.  Each handle is either handed back whole by pull
 * (with an offset for the bytes to skip) or given to the release callback,
 * exactly once.
 *
 * Overlaps are resolved so that the bytes delivered are the bytes Linux
 * delivers (tcp_data_queue_ofo() and tcp_ofo_queue()):
 *   - a segment whose every byte is held already (inside one held segment,
 *     or across touching ones) is a duplicate, refused; Linux refuses the
 *     first shape and queues the second (delivering the new copy of the
 *     overlap), which here would only cost memory;
 *   - a segment that covers held segments whole replaces them (they are
 *     released), so a large retransmission never splits into pieces;
 *   - where a segment partly overlaps a held one, the copy with the lower
 *     starting sequence number keeps the overlap: the new segment loses its
 *     front to a held predecessor (the first copy is kept), and a held
 *     successor loses its front to the new segment.
 * "Keep the first copy" is thus true for duplicates and front overlaps
 * only; apart from the duplicate noted above, that is what Linux does.
 *
 * Memory: each segment charges its truesize (what the caller's buffer
 * costs, the frame it pins) against the cap the caller sets from the
 * socket's receive buffer; a segment that would exceed it is refused and
 * the caller drops it.  Trimming never changes a charge: the frame stays
 * pinned until its handle goes back.
 */
#ifndef XS_SOCK_TCP_OOO_H
#define XS_SOCK_TCP_OOO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "sock/tcp_sack.h"

/* A segment, as pull hands it over: bytes [seq, seq + len) are the
 * payload's data starting off bytes in (past what overlaps trimmed). */
struct xs_tcp_ooo_seg {
	uint32_t seq;
	uint32_t len;
	uint32_t off;			/* bytes to skip in the payload's data */
	void *payload;			/* the caller's handle */
};

/* Gives a handle back to its owner (the queue no longer needs it). */
typedef void (*xs_tcp_ooo_release_fn)(void *ctx, void *payload);
/* Takes an in-order segment from pull: the payload is the callee's now. */
typedef void (*xs_tcp_ooo_deliver_fn)(void *ctx, const struct xs_tcp_ooo_seg *seg);

struct xs_tcp_ooo_node {		/* private to tcp_ooo.c */
	struct xs_tcp_ooo_seg seg;
	uint32_t charge;
};

struct xs_tcp_ooo {
	struct xs_tcp_ooo_node *nodes;	/* sorted by seq, disjoint */
	uint32_t n, cap;
	size_t mem;			/* sum of the charges held */
	size_t mem_max;
	xs_tcp_ooo_release_fn release;
	void *release_ctx;
};

/* An empty queue holding at most mem_max bytes of charges; release gives
 * back every handle the queue drops (purge, overlaps, stale data). */
void xs_tcp_ooo_init(struct xs_tcp_ooo *q, size_t mem_max,
		     xs_tcp_ooo_release_fn release, void *release_ctx);

/* A new cap (the receive buffer changed); lowering it drops nothing. */
void xs_tcp_ooo_set_limit(struct xs_tcp_ooo *q, size_t mem_max);

#define XS_TCP_OOO_DUP 1

/*
 * Queues [seq, seq + len) whose data is payload's (from its start).
 * truesize is what it charges (0: len).  *dup (may be NULL) receives the
 * first duplicated range, merged with any touching duplicates, as the
 * D-SACK block to send (RFC 2883; Linux's choice); start == end if
 * nothing was duplicated.
 *
 * Returns
 *   0               queued (possibly trimmed, held segments it covers
 *                   released): the queue owns payload.
 *   XS_TCP_OOO_DUP  every byte is held already: nothing changed, *dup is
 *                   the whole segment, payload is still the caller's.
 *   -ENOBUFS        over the cap (after crediting what it would replace):
 *                   nothing changed, payload is still the caller's.
 *   -EINVAL         len 0; -ENOMEM: no memory for the index.  Same.
 * The caller keeps segments to its receive window, so all of them lie in
 * one half of sequence space.
 */
int xs_tcp_ooo_insert(struct xs_tcp_ooo *q, uint32_t seq, uint32_t len, void *payload,
		      uint32_t truesize, struct xs_tcp_sack_block *dup);

/*
 * Hands to deliver, in order, every segment that is now contiguous with
 * rcv_nxt (the front trimmed when it starts below), releases those that lie
 * wholly below it, and returns the new RCV.NXT (rcv_nxt when nothing
 * moved).  Each delivered payload becomes deliver's.
 */
uint32_t xs_tcp_ooo_pull(struct xs_tcp_ooo *q, uint32_t rcv_nxt,
			 xs_tcp_ooo_deliver_fn deliver, void *ctx);

/* Releases every handle and frees the index; the queue stays usable. */
void xs_tcp_ooo_purge(struct xs_tcp_ooo *q);

/* The contiguous ranges held, ascending, touching segments merged: writes
 * the first max to out and returns how many there are (more than max when
 * out was too small). */
size_t xs_tcp_ooo_ranges(const struct xs_tcp_ooo *q, struct xs_tcp_sack_block *out, size_t max);

static inline bool xs_tcp_ooo_empty(const struct xs_tcp_ooo *q)
{
	return q->n == 0;
}

#endif /* XS_SOCK_TCP_OOO_H */
