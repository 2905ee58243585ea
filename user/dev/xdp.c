// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * AF_XDP device (see dev.h): one umem over the device's pool, one AF_XDP
 * socket per RX queue sharing it (XDP_SHARED_UMEM), each with its own fill
 * and completion ring.  The stack above polls this with rx_burst/tx_submit;
 * the XDP program (bpf/xsock.bpf.c, attached by xsockctl) redirects steered
 * frames into these sockets through the XSKMAP entries made here.
 *
 * Every frame the kernel holds (fill ring, RX path, TX ring, in flight, not
 * yet completed) is marked in `in_kernel`, so close can give exactly those
 * frames back to the pool once the sockets are gone.
 */
#include <errno.h>
#include <dirent.h>
#include <fcntl.h>
#include <net/if.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>
#include <linux/ethtool.h>
#include <linux/if_xdp.h>
#include <linux/sockios.h>

#include <bpf/bpf.h>
#include <xdp/xsk.h>

#include "xsock/maps.h"
#include "dev/dev.h"

#ifndef SO_BUSY_POLL
#define SO_BUSY_POLL 46
#endif
#ifndef SO_PREFER_BUSY_POLL
#define SO_PREFER_BUSY_POLL 69
#endif
#ifndef SO_BUSY_POLL_BUDGET
#define SO_BUSY_POLL_BUDGET 70
#endif

#define XS_XDP_BATCH 64
#define XS_XDP_BIND_WAIT_MS 500
#define XS_XDP_CLOSE_WAIT_MS 200

struct xq {
	struct xsk_socket *xsk;
	struct xsk_ring_cons rx;
	struct xsk_ring_prod tx;
	struct xsk_ring_prod fill;
	struct xsk_ring_cons comp;
	uint32_t in_fill;           /* frames given to the fill ring, not yet received */
	uint32_t tx_inflight;       /* frames submitted, not yet completed */
	struct xs_xdp_queue_info info;
};

struct xdpdev {
	struct xs_dev dev;          /* first */
	struct xs_dev_config cfg;
	struct xsk_umem *umem;
	uint8_t *area;
	uint32_t frame_size;
	uint32_t frame_shift;
	uint32_t fill_target;       /* frames kept in each fill ring */
	uint32_t rx_next;           /* queue rx_burst starts with (round robin) */
	int epfd;
	uint8_t *in_kernel;         /* per frame: the kernel holds it */
	struct xs_dev_stats st;
	uint32_t nq;
	struct xq q[];
};

static struct xdpdev *to_xd(struct xs_dev *d)
{
	return (struct xdpdev *)d;
}

static void mark(struct xdpdev *xd, uint64_t addr, uint8_t v)
{
	xd->in_kernel[addr >> xd->frame_shift] = v;
}

/* Tops the fill ring of q up to fill_target with one ring reservation;
 * the pool fills the reserved slots a batch at a time. */
static void refill(struct xdpdev *xd, struct xq *q)
{
	uint64_t addr[XS_XDP_BATCH];
	uint32_t want, done = 0, k, idx, i;

	if (q->in_fill >= xd->fill_target)
		return;
	want = xd->fill_target - q->in_fill;
	if (want > xs_pool__avail(xd->dev.pool))
		want = xs_pool__avail(xd->dev.pool);
	want = xsk_prod_nb_free(&q->fill, want) < want ? xsk_prod_nb_free(&q->fill, want) : want;
	if (!want || xsk_ring_prod__reserve(&q->fill, want, &idx) != want)
		return;
	while (done < want) {
		k = xs_pool__alloc(xd->dev.pool, addr,
				   want - done < XS_XDP_BATCH ? want - done : XS_XDP_BATCH);
		for (i = 0; i < k; i++) {
			*xsk_ring_prod__fill_addr(&q->fill, idx + done + i) = addr[i];
			mark(xd, addr[i], 1);
		}
		done += k;
	}
	xsk_ring_prod__submit(&q->fill, want);
	q->in_fill += want;
}

/* Completed TX frames go home, a batch per ring reservation. */
static void reap(struct xdpdev *xd, struct xq *q)
{
	uint64_t addr[XS_XDP_BATCH];
	uint32_t k, idx, i;

	while (q->tx_inflight) {
		k = xsk_ring_cons__peek(&q->comp, XS_XDP_BATCH, &idx);
		if (!k)
			return;
		for (i = 0; i < k; i++) {
			addr[i] = *xsk_ring_cons__comp_addr(&q->comp, idx + i);
			mark(xd, addr[i], 0);
		}
		xsk_ring_cons__release(&q->comp, k);
		q->tx_inflight -= k;
		xd->st.tx_completed += k;
		(void)xs_pool__free(xd->dev.pool, addr, k);
	}
}

static uint32_t xd_rx_burst(struct xs_dev *d, struct xs_frame *f, uint32_t n, uint64_t now_ns)
{
	struct xdpdev *xd = to_xd(d);
	uint32_t got = 0, qi, scanned, k, idx, i;

	for (scanned = 0; scanned < xd->nq && got < n; scanned++) {
		struct xq *q;

		qi = (xd->rx_next + scanned) % xd->nq;
		q = &xd->q[qi];

		k = xsk_ring_cons__peek(&q->rx, n - got, &idx);
		for (i = 0; i < k; i++) {
			const struct xdp_desc *desc = xsk_ring_cons__rx_desc(&q->rx, idx + i);
			struct xs_frame *t = &f[got + i];

			t->addr = desc->addr;
			t->data = xd->area + desc->addr;
			t->len = desc->len;
			t->room = xd->frame_size - (uint32_t)(desc->addr & (xd->frame_size - 1));
			t->queue = (uint16_t)q->info.queue_id;
			mark(xd, desc->addr, 0);
			xd->st.rx_bytes += desc->len;
		}
		if (k)
			xsk_ring_cons__release(&q->rx, k);
		q->in_fill -= k;
		got += k;
		refill(xd, q);
		reap(xd, q);
	}
	xd->rx_next = (xd->rx_next + 1) % xd->nq;
	xd->st.rx_packets += got;
	return got;
}

static uint32_t xd_tx_alloc(struct xs_dev *d, struct xs_frame *f, uint32_t n)
{
	struct xdpdev *xd = to_xd(d);
	uint64_t addr[XS_XDP_BATCH];
	uint32_t got = 0, k, i;

	for (i = 0; i < xd->nq; i++)
		reap(xd, &xd->q[i]);
	while (got < n) {
		k = xs_pool__alloc(d->pool, addr, n - got < XS_XDP_BATCH ? n - got : XS_XDP_BATCH);
		for (i = 0; i < k; i++) {
			struct xs_frame *t = &f[got + i];

			t->addr = addr[i] + XS_DEV_TX_HEADROOM;
			t->data = xd->area + t->addr;
			t->len = 0;
			t->room = xd->frame_size - XS_DEV_TX_HEADROOM;
			t->queue = 0;
		}
		got += k;
		if (k < XS_XDP_BATCH)
			break;
	}
	return got;
}

/* All transmits go out on the first socket: one TX and one completion ring
 * to watch, and the frame's RX queue does not matter to a shared umem. */
static uint32_t xd_tx_submit(struct xs_dev *d, struct xs_frame *f, uint32_t n, uint64_t now_ns)
{
	struct xdpdev *xd = to_xd(d);
	struct xq *q = &xd->q[0];
	uint32_t k, idx, i;

	/* A frame that is not in the umem, or runs past its frame, ends the
	 * batch there: the caller keeps it (and its fault shows as k < n). */
	for (k = 0; k < n; k++)
		if (f[k].addr >= xs_pool__size(d->pool) ||
		    (f[k].addr & (xd->frame_size - 1)) + f[k].len > xd->frame_size)
			break;
	n = k;
	k = xsk_prod_nb_free(&q->tx, n);
	if (k > n)
		k = n;
	if (k < n)
		xd->st.tx_ring_full += n - k;
	if (!k || xsk_ring_prod__reserve(&q->tx, k, &idx) != k)
		return 0;
	for (i = 0; i < k; i++) {
		struct xdp_desc *desc = xsk_ring_prod__tx_desc(&q->tx, idx + i);

		desc->addr = f[i].addr;
		desc->len = f[i].len;
		desc->options = 0;
		mark(xd, f[i].addr, 1);
		xd->st.tx_bytes += f[i].len;
	}
	xsk_ring_prod__submit(&q->tx, k);
	q->tx_inflight += k;
	xd->st.tx_packets += k;
	return k;
}

static void xd_release(struct xs_dev *d, const struct xs_frame *f, uint32_t n)
{
	uint64_t addr[XS_XDP_BATCH];
	uint32_t i, k;

	while (n) {
		k = n < XS_XDP_BATCH ? n : XS_XDP_BATCH;
		for (i = 0; i < k; i++)
			addr[i] = f[i].addr;
		(void)xs_pool__free(d->pool, addr, k);  /* misuse: the pool asserts and counts */
		f += k;
		n -= k;
	}
}

/* Descriptors in the TX ring the kernel has not taken yet. */
static uint32_t tx_unconsumed(const struct xq *q)
{
	return q->tx.cached_prod - __atomic_load_n(q->tx.consumer, __ATOMIC_ACQUIRE);
}

static bool transient(int err)
{
	return err == EAGAIN || err == EBUSY || err == ENOBUFS || err == ENETDOWN ||
	       err == EINTR;
}

/* Copy-mode TX sends at most a small batch (32 on Linux) per sendto, so one
 * kick may take a few calls; it stops once the ring is empty, the kernel
 * stops asking, or a bounded number of calls were made. */
static int xd_kick(struct xs_dev *d)
{
	struct xdpdev *xd = to_xd(d);
	int calls = 0, i, tries;

	for (i = 0; i < (int)xd->nq; i++) {
		struct xq *q = &xd->q[i];
		bool busy_poll = q->info.busy_poll == 0;

		for (tries = 0; tries < 64 && tx_unconsumed(q) &&
			     (xsk_ring_prod__needs_wakeup(&q->tx) || busy_poll); tries++) {
			calls++;
			if (sendto(q->info.fd, NULL, 0, MSG_DONTWAIT, NULL, 0) < 0) {
				/* EAGAIN: the completion ring is full (copy mode
				 * stops there); taking the completions frees it */
				if (errno == EAGAIN || errno == EBUSY) {
					reap(xd, q);
					continue;
				}
				if (!transient(errno))
					return -errno;
				break;
			}
		}
		if (xsk_ring_prod__needs_wakeup(&q->fill) || busy_poll) {
			calls++;
			if (recvfrom(q->info.fd, NULL, 0, MSG_DONTWAIT, NULL, NULL) < 0 &&
			    !transient(errno))
				return -errno;
		}
	}
	xd->st.kicks += calls;
	return calls;
}

static int xd_fd(struct xs_dev *d)
{
	struct xdpdev *xd = to_xd(d);

	return xd->nq == 1 ? xd->q[0].info.fd : xd->epfd;
}

static void xd_stats(struct xs_dev *d, struct xs_dev_stats *st)
{
	struct xdpdev *xd = to_xd(d);
	uint32_t i;

	*st = xd->st;
	for (i = 0; i < xd->nq; i++) {
		struct xdp_statistics xs;
		socklen_t len = sizeof(xs);

		if (getsockopt(xd->q[i].info.fd, SOL_XDP, XDP_STATISTICS, &xs, &len))
			continue;
		st->rx_dropped += xs.rx_dropped;
		st->rx_invalid += xs.rx_invalid_descs;
		st->tx_invalid += xs.tx_invalid_descs;
		if (len >= sizeof(xs)) {
			st->rx_ring_full += xs.rx_ring_full;
			st->fill_ring_empty += xs.rx_fill_ring_empty_descs;
			st->tx_ring_empty += xs.tx_ring_empty_descs;
		}
	}
}

static uint64_t ms_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

/* Sockets are gone before the frames come home: until then the kernel may
 * still write into any frame it holds. */
static void teardown(struct xdpdev *xd)
{
	uint64_t addr[XS_XDP_BATCH], deadline;
	struct xs_frame f[XS_XDP_BATCH];
	uint32_t i, k = 0, pending;

	if (xd->nq && xd->q[0].xsk) {
		deadline = ms_now() + XS_XDP_CLOSE_WAIT_MS;
		for (;;) {
			pending = 0;
			while ((i = xd_rx_burst(&xd->dev, f, XS_XDP_BATCH, 0)))
				xd_release(&xd->dev, f, i);
			for (i = 0; i < xd->nq; i++) {
				reap(xd, &xd->q[i]);
				pending += xd->q[i].tx_inflight;
			}
			if (!pending || ms_now() > deadline)
				break;
			xd_kick(&xd->dev);
			usleep(1000);
		}
	}
	for (i = xd->nq; i-- > 0;)
		if (xd->q[i].xsk)
			xsk_socket__delete(xd->q[i].xsk);
	if (xd->umem)
		xsk_umem__delete(xd->umem);
	for (i = 0; xd->in_kernel && i < xs_pool__total(xd->dev.pool); i++) {
		if (!xd->in_kernel[i])
			continue;
		addr[k++] = (uint64_t)i << xd->frame_shift;
		if (k == XS_XDP_BATCH) {
			(void)xs_pool__free(xd->dev.pool, addr, k);
			k = 0;
		}
	}
	if (k)
		(void)xs_pool__free(xd->dev.pool, addr, k);
	if (xd->epfd >= 0)
		close(xd->epfd);
	free(xd->in_kernel);
	xs_pool__put(xd->dev.pool);
	free(xd);
}

static void xd_close(struct xs_dev *d)
{
	teardown(to_xd(d));
}

static const struct xs_dev_ops xdp_ops = {
	.rx_burst = xd_rx_burst,
	.tx_alloc = xd_tx_alloc,
	.tx_submit = xd_tx_submit,
	.release = xd_release,
	.kick = xd_kick,
	.fd = xd_fd,
	.stats = xd_stats,
	.close = xd_close,
};

int xs_xdp_rx_queue_count(const char *ifname)
{
	struct ethtool_channels ch = { .cmd = ETHTOOL_GCHANNELS };
	struct ifreq ifr = { 0 };
	char path[128];
	struct dirent *de;
	int fd, n = 0;
	DIR *dir;

	if (strlen(ifname) >= IFNAMSIZ)
		return -EINVAL;
	fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (fd >= 0) {
		strcpy(ifr.ifr_name, ifname);
		ifr.ifr_data = (void *)&ch;
		if (ioctl(fd, SIOCETHTOOL, &ifr) == 0)
			n = (int)(ch.combined_count + ch.rx_count);
		close(fd);
		if (n > 0)
			return n;
	}
	snprintf(path, sizeof(path), "/sys/class/net/%s/queues", ifname);
	dir = opendir(path);
	if (!dir)
		return if_nametoindex(ifname) ? 1 : -ENODEV;
	while ((de = readdir(dir)))
		if (!strncmp(de->d_name, "rx-", 3))
			n++;
	closedir(dir);
	return n > 0 ? n : 1;
}


/* The first socket owns the umem registration: a failed bind leaves the
 * umem's fd with rings libxdp will not set up twice, so each attempt makes
 * a fresh umem. */
static int open_first(struct xdpdev *xd, const char *ifname, uint32_t qid, bool zc)
{
	struct xsk_umem_config ucfg = {
		.fill_size = xd->cfg.fill_ring_size,
		.comp_size = xd->cfg.comp_ring_size,
		.frame_size = xd->frame_size,
		.frame_headroom = 0,
		.flags = 0,
	};
	struct xsk_socket_config scfg = {
		.rx_size = xd->cfg.rx_ring_size,
		.tx_size = xd->cfg.tx_ring_size,
		.libxdp_flags = XSK_LIBXDP_FLAGS__INHIBIT_PROG_LOAD,
		.bind_flags = XDP_USE_NEED_WAKEUP | (zc ? XDP_ZEROCOPY : XDP_COPY),
	};
	struct xq *q = &xd->q[0];
	int err;

	err = xsk_umem__create(&xd->umem, xd->area, xs_pool__size(xd->dev.pool),
			       &q->fill, &q->comp, &ucfg);
	if (err) {
		xd->umem = NULL;
		return err;
	}
	err = xsk_socket__create_shared(&q->xsk, ifname, qid, xd->umem, &q->rx, &q->tx,
					&q->fill, &q->comp, &scfg);
	if (err) {
		q->xsk = NULL;
		xsk_umem__delete(xd->umem);
		xd->umem = NULL;
	}
	return err;
}

static int open_other(struct xdpdev *xd, const char *ifname, struct xq *q, uint32_t qid)
{
	struct xsk_socket_config scfg = {
		.rx_size = xd->cfg.rx_ring_size,
		.tx_size = xd->cfg.tx_ring_size,
		.libxdp_flags = XSK_LIBXDP_FLAGS__INHIBIT_PROG_LOAD,
		/* A socket sharing the umem inherits its mode from the first. */
		.bind_flags = XDP_USE_NEED_WAKEUP,
	};
	int err;

	err = xsk_socket__create_shared(&q->xsk, ifname, qid, xd->umem, &q->rx, &q->tx,
					&q->fill, &q->comp, &scfg);
	if (err)
		q->xsk = NULL;
	return err;
}

/* Retries EBUSY (a socket on this queue closed moments ago) for up to
 * XS_XDP_BIND_WAIT_MS. */
static int open_queue(struct xdpdev *xd, const char *ifname, uint32_t i, uint32_t qid, bool zc)
{
	uint64_t deadline = ms_now() + XS_XDP_BIND_WAIT_MS;
	int err;

	for (;;) {
		err = i == 0 ? open_first(xd, ifname, qid, zc) : open_other(xd, ifname, &xd->q[i], qid);
		if (err != -EBUSY || ms_now() > deadline)
			return err;
		xd->q[i].info.bind_retries++;
		usleep(10000);
	}
}

static void busy_poll_setup(struct xdpdev *xd, struct xq *q)
{
	int one = 1, us = (int)xd->cfg.busy_poll_us, budget = (int)xd->cfg.busy_poll_budget;

	q->info.busy_poll = 1;
	if (!us)
		return;
	if (setsockopt(q->info.fd, SOL_SOCKET, SO_PREFER_BUSY_POLL, &one, sizeof(one)) ||
	    setsockopt(q->info.fd, SOL_SOCKET, SO_BUSY_POLL, &us, sizeof(us)) ||
	    setsockopt(q->info.fd, SOL_SOCKET, SO_BUSY_POLL_BUDGET, &budget, sizeof(budget)))
		q->info.busy_poll = -errno;     /* EOPNOTSUPP, EPERM, ENOPROTOOPT: run without */
	else
		q->info.busy_poll = 0;
}

static void query_mode(struct xq *q)
{
	struct xdp_options o = { 0 };
	socklen_t len = sizeof(o);

	if (!getsockopt(q->info.fd, SOL_XDP, XDP_OPTIONS, &o, &len))
		q->info.zerocopy = !!(o.flags & XDP_OPTIONS_ZEROCOPY);
	q->info.need_wakeup = true;
}

static int insert_xskmap(struct xdpdev *xd, const struct xs_xdp_opts *opts)
{
	int fd = opts->xsks_map_fd, err = 0;
	uint32_t i;

	if (fd < 0 && opts->xsks_map_path) {
		fd = bpf_obj_get(opts->xsks_map_path);
		if (fd < 0)
			return -errno;
	}
	if (fd < 0)
		return 0;
	for (i = 0; i < xd->nq && !err; i++)
		err = xsk_socket__update_xskmap(xd->q[i].xsk, fd);
	if (fd != opts->xsks_map_fd)
		close(fd);
	return err;
}

struct xs_dev *xs_xdp_dev__open(const struct xs_xdp_opts *opts)
{
	uint32_t first_q = 0, nq = 1, i;
	struct xdpdev *xd = NULL;
	struct xs_dev_config cfg;
	struct xs_pool *pool;
	int n, err;

	if (!opts || opts->sz < sizeof(*opts) || !opts->ifname) {
		errno = EINVAL;
		return NULL;
	}
	if (!if_nametoindex(opts->ifname)) {
		errno = ENODEV;
		return NULL;
	}
	cfg = opts->cfg;
	if (xs_dev_config_resolve(&cfg)) {
		errno = EINVAL;
		return NULL;
	}
	if (opts->queue == XS_XDP_ALL_QUEUES) {
		n = xs_xdp_rx_queue_count(opts->ifname);
		if (n < 0) {
			errno = -n;
			return NULL;
		}
		nq = (uint32_t)n;
	} else if (opts->queue >= 0) {
		first_q = (uint32_t)opts->queue;
	} else {
		errno = EINVAL;
		return NULL;
	}
	if (cfg.umem_frames / (2 * nq) == 0) {
		errno = EINVAL;
		return NULL;
	}
	pool = xs_pool__new(cfg.umem_frames, cfg.frame_size, 0);
	if (!pool)
		return NULL;
	xd = calloc(1, sizeof(*xd) + nq * sizeof(xd->q[0]));
	if (!xd) {
		xs_pool__put(pool);
		errno = ENOMEM;
		return NULL;
	}
	xd->dev.ops = &xdp_ops;
	xd->dev.pool = pool;
	snprintf(xd->dev.name, sizeof(xd->dev.name), "xdp:%s", opts->ifname);
	xd->cfg = cfg;
	xd->area = xs_pool__area(pool);
	xd->frame_size = cfg.frame_size;
	xd->frame_shift = (uint32_t)__builtin_ctz(cfg.frame_size);
	xd->nq = nq;
	xd->epfd = -1;
	/* Half the frames wait in fill rings, the rest are for TX and for
	 * what the stack holds. */
	xd->fill_target = cfg.umem_frames / (2 * nq);
	if (xd->fill_target > cfg.fill_ring_size)
		xd->fill_target = cfg.fill_ring_size;
	xd->in_kernel = calloc(cfg.umem_frames, 1);
	if (!xd->in_kernel) {
		xd->nq = 0;
		err = -ENOMEM;
		goto fail;
	}

	for (i = 0; i < nq; i++) {
		struct xq *q = &xd->q[i];
		uint32_t qid = first_q + i;

		q->info.queue_id = qid;
		if (i == 0 && cfg.bind_mode != XS_BIND_COPY) {
			err = open_queue(xd, opts->ifname, 0, qid, true);
			if (err && cfg.bind_mode == XS_BIND_AUTO && err != -EBUSY)
				err = open_queue(xd, opts->ifname, 0, qid, false);
		} else {
			err = open_queue(xd, opts->ifname, i, qid, false);
		}
		if (err) {
			xd->nq = i;     /* teardown closes the ones that opened */
			goto fail;
		}
		q->info.fd = xsk_socket__fd(q->xsk);
		/* libxdp opens it without SOCK_CLOEXEC: a program this process
		 * execs must not hold the socket (and its XSKMAP entry) open. */
		fcntl(q->info.fd, F_SETFD, FD_CLOEXEC);
		query_mode(q);
		busy_poll_setup(xd, q);
		refill(xd, q);
	}
	if (nq > 1) {
		xd->epfd = epoll_create1(EPOLL_CLOEXEC);
		if (xd->epfd < 0) {
			err = -errno;
			goto fail;
		}
		for (i = 0; i < nq; i++) {
			struct epoll_event ev = { .events = EPOLLIN, .data.u32 = i };

			if (epoll_ctl(xd->epfd, EPOLL_CTL_ADD, xd->q[i].info.fd, &ev)) {
				err = -errno;
				goto fail;
			}
		}
	}
	err = insert_xskmap(xd, opts);
	if (err)
		goto fail;
	return &xd->dev;
fail:
	teardown(xd);
	errno = -err;
	return NULL;
}

uint32_t xs_xdp_dev__queues(const struct xs_dev *dev)
{
	return ((const struct xdpdev *)dev)->nq;
}

int xs_xdp_dev__queue_info(const struct xs_dev *dev, uint32_t i, struct xs_xdp_queue_info *info)
{
	const struct xdpdev *xd = (const struct xdpdev *)dev;

	if (dev->ops != &xdp_ops || i >= xd->nq)
		return -EINVAL;
	*info = xd->q[i].info;
	return 0;
}
