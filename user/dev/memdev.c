// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * In-memory device pair (see dev.h): what the stack's unit tests run on.
 * Each end's tx_submit pushes frame tokens onto a bounded ring (the wire)
 * that the other end's rx_burst pops; the frames themselves never move.
 * A full wire refuses the rest of a submit, as a full TX ring would.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dev/dev.h"

struct wire {
	struct xs_frame *slot;
	uint32_t mask;
	uint32_t head;              /* next to receive */
	uint32_t tail;              /* next free slot */
};

struct memdev_pair;

struct memdev {
	struct xs_dev dev;          /* first */
	struct memdev *peer;
	struct wire *rx;            /* what the peer sent us */
	struct wire *tx;            /* the peer's rx */
	struct xs_dev_stats st;
	struct memdev_pair *pair;
};

/* Both ends, both wires and the pool go away with the last close. */
struct memdev_pair {
	struct memdev end[2];
	struct wire wire[2];
	int open_ends;
};

#define XS_MEMDEV_BATCH 64

static struct memdev *to_md(struct xs_dev *d)
{
	return (struct memdev *)d;
}

static uint32_t md_rx_burst(struct xs_dev *d, struct xs_frame *f, uint32_t n, uint64_t now_ns)
{
	struct memdev *md = to_md(d);
	struct wire *w = md->rx;
	uint32_t i;

	for (i = 0; i < n && w->head != w->tail; i++, w->head++) {
		f[i] = w->slot[w->head & w->mask];
		md->st.rx_bytes += f[i].len;
	}
	md->st.rx_packets += i;
	return i;
}

static uint32_t md_tx_alloc(struct xs_dev *d, struct xs_frame *f, uint32_t n)
{
	uint64_t addr[XS_MEMDEV_BATCH];
	uint32_t fs = xs_pool__frame_size(d->pool), got = 0, k, i;

	while (got < n) {
		k = xs_pool__alloc(d->pool, addr, n - got < XS_MEMDEV_BATCH ? n - got : XS_MEMDEV_BATCH);
		for (i = 0; i < k; i++) {
			struct xs_frame *t = &f[got + i];

			t->addr = addr[i] + XS_DEV_TX_HEADROOM;
			t->data = xs_pool__data(d->pool, t->addr);
			t->len = 0;
			t->room = fs - XS_DEV_TX_HEADROOM;
			t->queue = 0;
		}
		got += k;
		if (k < XS_MEMDEV_BATCH)
			break;
	}
	return got;
}

static uint32_t md_tx_submit(struct xs_dev *d, struct xs_frame *f, uint32_t n, uint64_t now_ns)
{
	struct memdev *md = to_md(d);
	struct wire *w = md->tx;
	uint32_t space = w->mask + 1 - (w->tail - w->head), i;

	if (n > space) {
		md->st.tx_ring_full += n - space;
		n = space;
	}
	for (i = 0; i < n; i++) {
		struct xs_frame *s = &w->slot[w->tail++ & w->mask];

		*s = f[i];
		s->queue = 0;
		md->st.tx_bytes += f[i].len;
	}
	md->st.tx_packets += n;
	md->st.tx_completed += n;
	return n;
}

static void md_release(struct xs_dev *d, const struct xs_frame *f, uint32_t n)
{
	uint64_t addr[XS_MEMDEV_BATCH];
	uint32_t i, k;

	while (n) {
		k = n < XS_MEMDEV_BATCH ? n : XS_MEMDEV_BATCH;
		for (i = 0; i < k; i++)
			addr[i] = f[i].addr;
		/* A misuse is counted (and asserted on) by the pool. */
		(void)xs_pool__free(d->pool, addr, k);
		f += k;
		n -= k;
	}
}

static int md_kick(struct xs_dev *d)
{
	return 0;
}

static int md_fd(struct xs_dev *d)
{
	return -EOPNOTSUPP;
}

static void md_stats(struct xs_dev *d, struct xs_dev_stats *st)
{
	*st = to_md(d)->st;
}

static void drain_wire(struct xs_pool *pool, struct wire *w)
{
	for (; w->head != w->tail; w->head++) {
		uint64_t a = w->slot[w->head & w->mask].addr;

		(void)xs_pool__free(pool, &a, 1);
	}
}

/* Frames on a wire belong to the pair until someone receives them, so they
 * go home when the second end closes (the first end's peer may still send
 * to it until then). */
static void md_close(struct xs_dev *d)
{
	struct memdev_pair *pair = to_md(d)->pair;
	struct xs_pool *pool = d->pool;

	if (--pair->open_ends > 0)
		return;
	drain_wire(pool, &pair->wire[0]);
	drain_wire(pool, &pair->wire[1]);
	free(pair->wire[0].slot);
	free(pair->wire[1].slot);
	free(pair);
	xs_pool__put(pool);
}

static const struct xs_dev_ops memdev_ops = {
	.rx_burst = md_rx_burst,
	.tx_alloc = md_tx_alloc,
	.tx_submit = md_tx_submit,
	.release = md_release,
	.kick = md_kick,
	.fd = md_fd,
	.stats = md_stats,
	.close = md_close,
};

int xs_memdev_pair__open(const struct xs_memdev_opts *opts, struct xs_dev **a, struct xs_dev **b)
{
	uint32_t frames = 1024, frame_size = 2048, slots = 256, i;
	unsigned int flags = 0;
	struct memdev_pair *pair;
	struct xs_pool *pool;

	if (opts) {
		if (opts->sz < sizeof(*opts))
			return -EINVAL;
		frames = opts->frames ? opts->frames : frames;
		frame_size = opts->frame_size ? opts->frame_size : frame_size;
		slots = opts->wire_slots ? opts->wire_slots : slots;
		flags = opts->pool_flags;
	}
	if (slots & (slots - 1) || frame_size <= XS_DEV_TX_HEADROOM)
		return -EINVAL;
	pool = xs_pool__new(frames, frame_size, flags);
	if (!pool)
		return -errno;
	pair = calloc(1, sizeof(*pair));
	if (!pair)
		goto nomem;
	for (i = 0; i < 2; i++) {
		pair->wire[i].slot = calloc(slots, sizeof(struct xs_frame));
		pair->wire[i].mask = slots - 1;
		if (!pair->wire[i].slot)
			goto nomem;
	}
	for (i = 0; i < 2; i++) {
		struct memdev *md = &pair->end[i];

		md->dev.ops = &memdev_ops;
		md->dev.pool = pool;
		snprintf(md->dev.name, sizeof(md->dev.name), "mem%u", i);
		md->peer = &pair->end[!i];
		md->pair = pair;
		md->rx = &pair->wire[i];
		md->tx = &pair->wire[!i];
	}
	pair->open_ends = 2;
	*a = &pair->end[0].dev;
	*b = &pair->end[1].dev;
	return 0;
nomem:
	if (pair) {
		free(pair->wire[0].slot);
		free(pair->wire[1].slot);
		free(pair);
	}
	xs_pool__put(pool);
	return -ENOMEM;
}
