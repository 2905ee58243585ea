// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * Fault injector (see dev.h): a device wrapper that loses, duplicates,
 * corrupts and reorders frames, independently on RX (between the inner
 * device and the stack) and TX (between the stack and the inner device).
 * For the stack's tests of retransmission, duplicate suppression and
 * checksum drops without a network in the middle.
 *
 * Every frame that enters draws four numbers from its direction's seeded
 * generator, one per effect, whatever the outcome, so the decision for the
 * i-th frame depends on the seed and i alone: a failing run replays with
 * its seed.  A duplicate is a copy in a fresh frame from the pool (it must
 * be released on its own).  A held-back frame leaves after reorder_depth
 * more frames passed in its direction; an rx_burst that finds nothing, and
 * a kick, count as one frame passing, so held frames drain when traffic
 * stops.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dev/dev.h"

#define FAULT_MAX_HELD 64
#define FAULT_CHUNK 256             /* frames taken per call */
#define FAULT_QUEUE (4 * FAULT_CHUNK)   /* ready (RX) / backlog (TX) */

struct held {
	struct xs_frame f;
	uint64_t due;
};

/* A FIFO of frames the injector owns. */
struct fifo {
	struct xs_frame f[FAULT_QUEUE];
	uint32_t head, tail;
};

struct fault_dir {
	struct xs_fault_rates r;
	uint64_t rng;
	uint64_t passed;            /* frames (and idle ticks) that went by */
	struct held held[FAULT_MAX_HELD];
	uint32_t nheld;
	struct fifo out;            /* RX: ready for the stack; TX: for the inner device */
	struct xs_fault_counters c;
};

struct faultdev {
	struct xs_dev dev;          /* first */
	struct xs_dev *inner;
	struct fault_dir rx, tx;
};

static struct faultdev *to_fd(struct xs_dev *d)
{
	return (struct faultdev *)d;
}

static uint64_t splitmix64(uint64_t *s)
{
	uint64_t z = (*s += 0x9e3779b97f4a7c15ull);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return z ^ (z >> 31);
}

static double uniform(struct fault_dir *d)
{
	return (double)(splitmix64(&d->rng) >> 11) * 0x1.0p-53;
}

static uint32_t fifo_len(const struct fifo *q)
{
	return q->tail - q->head;
}

static void fifo_push(struct fifo *q, const struct xs_frame *f)
{
	q->f[q->tail++ % FAULT_QUEUE] = *f;
}

static uint32_t fifo_pop(struct fifo *q, struct xs_frame *f, uint32_t n)
{
	uint32_t i;

	for (i = 0; i < n && q->head != q->tail; i++)
		f[i] = q->f[q->head++ % FAULT_QUEUE];
	return i;
}

/* Frames held back whose time has come go out, oldest first. */
static void tick(struct fault_dir *d)
{
	uint32_t i, j = 0;

	d->passed++;
	for (i = 0; i < d->nheld; i++) {
		if (d->held[i].due <= d->passed)
			fifo_push(&d->out, &d->held[i].f);
		else
			d->held[j++] = d->held[i];
	}
	d->nheld = j;
}

/* Runs one frame through the four effects into d->out.  The frame is the
 * injector's on entry; on return it is in d->out, held, or released. */
static void apply(struct faultdev *fd, struct fault_dir *d, const struct xs_frame *in)
{
	double p_loss = uniform(d), p_corrupt = uniform(d), p_dup = uniform(d),
	       p_reorder = uniform(d);
	uint64_t where = splitmix64(&d->rng);
	struct xs_frame f = *in, copy;

	d->c.frames++;
	if (p_loss < d->r.loss) {
		d->c.lost++;
		xs_dev_release(fd->inner, &f, 1);
		tick(d);
		return;
	}
	if (p_corrupt < d->r.corrupt && f.len) {
		f.data[where % f.len] ^= 0xff;
		d->c.corrupted++;
	}
	if (p_reorder < d->r.reorder && d->nheld < FAULT_MAX_HELD) {
		d->held[d->nheld].f = f;
		d->held[d->nheld].due = d->passed + (d->r.reorder_depth ? d->r.reorder_depth : 3);
		d->nheld++;
		d->c.reordered++;
	} else {
		fifo_push(&d->out, &f);
	}
	if (p_dup < d->r.dup) {
		if (xs_dev_tx_alloc(fd->inner, &copy, 1) == 1 && copy.room >= f.len) {
			memcpy(copy.data, f.data, f.len);
			copy.len = f.len;
			copy.queue = f.queue;
			fifo_push(&d->out, &copy);
			d->c.duplicated++;
		} else {
			d->c.dup_no_frame++;
		}
	}
	tick(d);
}

/* Room for `n` more frames in d->out, counting what held frames and
 * duplicates may add. */
static uint32_t intake(const struct fault_dir *d, uint32_t n)
{
	uint32_t space = FAULT_QUEUE - fifo_len(&d->out) - FAULT_MAX_HELD, max;

	max = space / 2;
	if (max > FAULT_CHUNK)
		max = FAULT_CHUNK;
	return n < max ? n : max;
}

static uint32_t fd_rx_burst(struct xs_dev *dev, struct xs_frame *f, uint32_t n, uint64_t now_ns)
{
	struct faultdev *fd = to_fd(dev);
	struct fault_dir *d = &fd->rx;
	struct xs_frame in[FAULT_CHUNK];
	uint32_t got = fifo_pop(&d->out, f, n), k, i;

	if (got < n) {
		k = xs_dev_rx_burst(fd->inner, in, intake(d, n - got), now_ns);
		for (i = 0; i < k; i++)
			apply(fd, d, &in[i]);
		if (!k)
			tick(d);
		got += fifo_pop(&d->out, f + got, n - got);
	}
	return got;
}

static uint32_t fd_tx_alloc(struct xs_dev *dev, struct xs_frame *f, uint32_t n)
{
	return xs_dev_tx_alloc(to_fd(dev)->inner, f, n);
}

/* Hands the backlog to the inner device, as much as it takes. */
static void flush_tx(struct faultdev *fd, uint64_t now_ns)
{
	struct fault_dir *d = &fd->tx;
	struct xs_frame out[FAULT_CHUNK];
	uint32_t k, sent;

	while ((k = fifo_pop(&d->out, out, FAULT_CHUNK))) {
		sent = xs_dev_tx_submit(fd->inner, out, k, now_ns);
		if (sent < k) {
			/* Put the refused tail back at the head, in order. */
			d->out.head -= k - sent;
			return;
		}
	}
}

static uint32_t fd_tx_submit(struct xs_dev *dev, struct xs_frame *f, uint32_t n, uint64_t now_ns)
{
	struct faultdev *fd = to_fd(dev);
	struct fault_dir *d = &fd->tx;
	uint32_t k, i;

	flush_tx(fd, now_ns);
	k = intake(d, n);
	for (i = 0; i < k; i++)
		apply(fd, d, &f[i]);
	flush_tx(fd, now_ns);
	return k;
}

static void fd_release(struct xs_dev *dev, const struct xs_frame *f, uint32_t n)
{
	xs_dev_release(to_fd(dev)->inner, f, n);
}

static int fd_kick(struct xs_dev *dev)
{
	struct faultdev *fd = to_fd(dev);

	if (fd->tx.nheld) {
		tick(&fd->tx);
		flush_tx(fd, 0);
	}
	return xs_dev_kick(fd->inner);
}

static int fd_fd(struct xs_dev *dev)
{
	return xs_dev_fd(to_fd(dev)->inner);
}

static void fd_stats(struct xs_dev *dev, struct xs_dev_stats *st)
{
	xs_dev_stats(to_fd(dev)->inner, st);
}

/* What the injector still holds was never delivered: it goes home. */
static void drop_all(struct faultdev *fd, struct fault_dir *d)
{
	struct xs_frame f[FAULT_CHUNK];
	uint32_t i, k;

	for (i = 0; i < d->nheld; i++)
		xs_dev_release(fd->inner, &d->held[i].f, 1);
	d->nheld = 0;
	while ((k = fifo_pop(&d->out, f, FAULT_CHUNK)))
		xs_dev_release(fd->inner, f, k);
}

static void fd_close(struct xs_dev *dev)
{
	struct faultdev *fd = to_fd(dev);

	drop_all(fd, &fd->rx);
	drop_all(fd, &fd->tx);
	xs_dev_close(fd->inner);
	free(fd);
}

static const struct xs_dev_ops fault_ops = {
	.rx_burst = fd_rx_burst,
	.tx_alloc = fd_tx_alloc,
	.tx_submit = fd_tx_submit,
	.release = fd_release,
	.kick = fd_kick,
	.fd = fd_fd,
	.stats = fd_stats,
	.close = fd_close,
};

static int rates_ok(const struct xs_fault_rates *r)
{
	return r->loss >= 0 && r->loss <= 1 && r->dup >= 0 && r->dup <= 1 &&
	       r->corrupt >= 0 && r->corrupt <= 1 && r->reorder >= 0 && r->reorder <= 1;
}

struct xs_dev *xs_fault_dev__wrap(struct xs_dev *inner, const struct xs_fault_opts *opts)
{
	struct faultdev *fd;

	if (!inner || !opts || opts->sz < sizeof(*opts) || !rates_ok(&opts->rx) ||
	    !rates_ok(&opts->tx)) {
		errno = EINVAL;
		return NULL;
	}
	fd = calloc(1, sizeof(*fd));
	if (!fd)
		return NULL;
	fd->dev.ops = &fault_ops;
	fd->dev.pool = inner->pool;
	snprintf(fd->dev.name, sizeof(fd->dev.name), "fault:%.25s", inner->name);
	fd->inner = inner;
	fd->rx.r = opts->rx;
	fd->tx.r = opts->tx;
	/* Two streams from one seed: RX decisions do not depend on TX traffic. */
	fd->rx.rng = opts->seed ^ 0x5258000000000000ull;   /* "RX" */
	fd->tx.rng = opts->seed ^ 0x5458000000000000ull;   /* "TX" */
	return &fd->dev;
}

void xs_fault_dev__stats(const struct xs_dev *dev, struct xs_fault_stats *st)
{
	const struct faultdev *fd = (const struct faultdev *)dev;

	st->rx = fd->rx.c;
	st->tx = fd->tx.c;
}
