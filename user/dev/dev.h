/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * Frame devices: the boundary between the stack (iface/, sock/) and the
 * rings.  The stack is written once against struct xs_dev_ops; behind it
 * sit the AF_XDP device (xdp.c: umem, fill/completion, one socket per RX
 * queue), the in-memory pair for unit tests (memdev.c), and two wrappers
 * that stack on any device: a pcap writer (pcap.c) and a seeded fault
 * injector (fault.c).  docs/dev.md has the longer story.
 *
 * Tokens.  A device hands out frames as struct xs_frame: the umem address,
 * a pointer to the bytes and a length.  A frame is named by its address,
 * lives in the device's pool (dev->pool) and is never copied on its way
 * through the stack: a reply is written into a frame from tx_alloc, or into
 * the received frame itself, and submitted as it is.
 *
 * Ownership (every call moves frames in batches, with one ring reservation
 * per call):
 *   rx_burst   device -> caller: the k frames returned are the caller's.
 *   tx_alloc   pool -> caller: empty frames to write into.
 *   tx_submit  caller -> device for the first k (return value) frames; the
 *              device gives them back to the pool when the completion ring
 *              says the kernel is done.  Frames [k, n) stay the caller's
 *              (TX ring full: kick, poll, try again, or release them).
 *   release    caller -> device: received or unsent frames go back (to the
 *              pool, from which the fill ring is topped up on the next
 *              rx_burst).
 * Any frame the caller owns may go to tx_submit or release, whichever call
 * it came from: a received frame becomes a TX frame by editing it in place
 * and submitting it.  Submitting or releasing a frame the caller does not
 * own is a bug the pool catches (pool.h).
 *
 * System calls.  rx_burst, tx_alloc, tx_submit and release make none.  kick
 * makes at most one per socket and only when the kernel asked (need_wakeup
 * on the fill or TX ring, or always for copy-mode TX); call it once per
 * loop after submitting, not per frame.  When there is nothing to do, sleep
 * in poll(2) on xs_dev_fd() for POLLIN.
 *
 * Time.  rx_burst and tx_submit take the current time (ns, any clock the
 * caller chooses); devices that record frames (pcap) use it, none reads a
 * clock.
 */
#ifndef XS_DEV_DEV_H
#define XS_DEV_DEV_H

#include <errno.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "dev/pool.h"

struct xs_config;

/* A frame token.  addr is the umem address of data[0]; room is how many
 * bytes may be written from data[0] to the end of the frame.  To prepend a
 * header, move the head with xs_frame_push(). */
struct xs_frame {
	uint64_t addr;
	uint8_t *data;
	uint32_t len;
	uint32_t room;
	uint16_t queue;             /* RX queue the frame arrived on (rx_burst) */
	uint16_t pad;
	uint32_t pad2;
};

/* Bytes in front of data[0] in a frame from tx_alloc, room for headers
 * prepended later.  AF_XDP receive also leaves XDP_PACKET_HEADROOM (256). */
#define XS_DEV_TX_HEADROOM 128

/* Moves the head of f back by n bytes (to prepend) or forward if n < 0
 * (to strip), keeping addr, data, len and room in step.  Returns 0, or
 * -ENOSPC when the frame has no such headroom or -EINVAL when stripping
 * more than len; f is unchanged on error. */
static inline int xs_frame_push(struct xs_frame *f, int n, uint32_t frame_size)
{
	uint64_t off = f->addr & (frame_size - 1);

	if (n > 0 && (uint64_t)n > off)
		return -ENOSPC;
	if (n < 0 && (uint32_t)-n > f->len)
		return -EINVAL;
	f->addr -= n;
	f->data -= n;
	f->len += n;
	f->room += n;
	return 0;
}

/* Counters a device keeps; wrappers add their own (fault.h, pcap.h). */
struct xs_dev_stats {
	uint64_t rx_packets;        /* frames handed out by rx_burst */
	uint64_t rx_bytes;
	uint64_t tx_packets;        /* frames accepted by tx_submit */
	uint64_t tx_bytes;
	uint64_t tx_completed;      /* frames the kernel said it is done with */
	uint64_t tx_ring_full;      /* frames tx_submit refused: ring full */
	uint64_t kicks;             /* system calls made by kick */
	/* From getsockopt(XDP_STATISTICS), summed over the sockets (zero for
	 * devices without a kernel): */
	uint64_t rx_dropped;        /* kernel dropped a frame for the socket: other reasons */
	uint64_t rx_invalid;        /* ... because of an invalid fill descriptor */
	uint64_t rx_ring_full;      /* ... because our RX ring was full */
	uint64_t fill_ring_empty;   /* times the kernel found the fill ring empty */
	uint64_t tx_invalid;        /* TX descriptors the kernel rejected */
	uint64_t tx_ring_empty;     /* times the kernel found the TX ring empty */
};

struct xs_dev;

struct xs_dev_ops {
	uint32_t (*rx_burst)(struct xs_dev *dev, struct xs_frame *f, uint32_t n, uint64_t now_ns);
	uint32_t (*tx_alloc)(struct xs_dev *dev, struct xs_frame *f, uint32_t n);
	uint32_t (*tx_submit)(struct xs_dev *dev, struct xs_frame *f, uint32_t n, uint64_t now_ns);
	void (*release)(struct xs_dev *dev, const struct xs_frame *f, uint32_t n);
	int (*kick)(struct xs_dev *dev);
	int (*fd)(struct xs_dev *dev);
	void (*stats)(struct xs_dev *dev, struct xs_dev_stats *st);
	void (*close)(struct xs_dev *dev);
};

struct xs_dev {
	const struct xs_dev_ops *ops;
	struct xs_pool *pool;       /* where this device's frames live */
	char name[32];
};

/* Receives up to n frames.  Returns how many; the caller owns them. */
static inline uint32_t xs_dev_rx_burst(struct xs_dev *d, struct xs_frame *f, uint32_t n,
				       uint64_t now_ns)
{
	return d->ops->rx_burst(d, f, n, now_ns);
}

/* Up to n empty frames, data at XS_DEV_TX_HEADROOM, len 0.  Also reaps TX
 * completions.  Returns how many; the caller owns them. */
static inline uint32_t xs_dev_tx_alloc(struct xs_dev *d, struct xs_frame *f, uint32_t n)
{
	return d->ops->tx_alloc(d, f, n);
}

/* Queues f[0..n) (data/len as the caller set them) for transmission.
 * Returns k: the device owns f[0..k), the caller still owns f[k..n). */
static inline uint32_t xs_dev_tx_submit(struct xs_dev *d, struct xs_frame *f, uint32_t n,
					uint64_t now_ns)
{
	return d->ops->tx_submit(d, f, n, now_ns);
}

/* Gives n frames back to the device; it owns them afterwards. */
static inline void xs_dev_release(struct xs_dev *d, const struct xs_frame *f, uint32_t n)
{
	d->ops->release(d, f, n);
}

/* Wakes the kernel if it asked to be woken.  Returns the number of system
 * calls made (0 or more), or a negative errno from one of them. */
static inline int xs_dev_kick(struct xs_dev *d)
{
	return d->ops->kick(d);
}

/* The fd to poll(2) for POLLIN, or -EOPNOTSUPP (in-memory devices). */
static inline int xs_dev_fd(struct xs_dev *d)
{
	return d->ops->fd(d);
}

static inline void xs_dev_stats(struct xs_dev *d, struct xs_dev_stats *st)
{
	d->ops->stats(d, st);
}

/* Closes the device.  Every frame it owns (rings, wire, held back) goes
 * back to the pool; frames the caller still holds are lost to the pool
 * (xs_pool__all_home() says so).  NULL is a no-op. */
static inline void xs_dev_close(struct xs_dev *d)
{
	if (d)
		d->ops->close(d);
}

/*
 * Ring and umem sizes, bind mode and busy poll: the xsock.* knobs of
 * struct xs_config (include/xsock/maps.h), field for field.  Zero means
 * the default in brackets.
 */
struct xs_dev_config {
	uint32_t rx_ring_size;      /* [2048] descriptors, power of two */
	uint32_t tx_ring_size;      /* [2048] */
	uint32_t fill_ring_size;    /* [4096] */
	uint32_t comp_ring_size;    /* [2048] */
	uint32_t umem_frames;       /* [8192] frames in the pool, all queues together */
	uint32_t frame_size;        /* [4096] 2048 or 4096 */
	uint32_t bind_mode;         /* enum xs_bind_mode: AUTO, COPY, ZEROCOPY */
	uint32_t busy_poll_us;      /* 0: no busy poll; else SO_BUSY_POLL */
	uint32_t busy_poll_budget;  /* [64 if busy_poll_us] SO_BUSY_POLL_BUDGET */
};

/* Copies the xsock.* knobs of a config map value. */
void xs_dev_config_from_map(struct xs_dev_config *dst, const struct xs_config *src);
/* Replaces zeros with the defaults above.  Returns 0 or -EINVAL (a size
 * that is not a power of two, a frame size other than 2048/4096). */
int xs_dev_config_resolve(struct xs_dev_config *c);

/* ---- AF_XDP device (xdp.c) ---------------------------------------------- */

#define XS_XDP_ALL_QUEUES (-1)

struct xs_xdp_opts {
	size_t sz;                  /* sizeof(struct xs_xdp_opts) */
	const char *ifname;
	int queue;                  /* one RX queue, or XS_XDP_ALL_QUEUES */
	int xsks_map_fd;            /* XSKMAP to insert into (key = queue id), or -1 */
	const char *xsks_map_path;  /* pinned XSKMAP, used when xsks_map_fd < 0; may be NULL */
	struct xs_dev_config cfg;
};

/* What one socket of an AF_XDP device got. */
struct xs_xdp_queue_info {
	uint32_t queue_id;
	int fd;
	bool zerocopy;              /* bound XDP_ZEROCOPY (else XDP_COPY) */
	bool need_wakeup;           /* XDP_USE_NEED_WAKEUP accepted */
	int busy_poll;              /* 0 enabled, 1 not asked, or -errno of the setsockopt */
	uint32_t bind_retries;      /* EBUSY retries before bind succeeded */
};

/* Opens one AF_XDP socket per RX queue of ifname (or the one queue asked
 * for) over one shared umem, and inserts each into the XSKMAP.  Never loads
 * an XDP program.  Returns NULL and sets errno: ENODEV (no interface),
 * EOPNOTSUPP (zero-copy demanded, driver cannot), EBUSY (queue still busy
 * after ~500 ms), EINVAL (config), or what socket/bind/map update said. */
struct xs_dev *xs_xdp_dev__open(const struct xs_xdp_opts *opts);
/* Number of sockets, and what each one got (i < count).  dev must come
 * from xs_xdp_dev__open(). */
uint32_t xs_xdp_dev__queues(const struct xs_dev *dev);
int xs_xdp_dev__queue_info(const struct xs_dev *dev, uint32_t i, struct xs_xdp_queue_info *info);
/* RX queues of ifname: ETHTOOL_GCHANNELS (combined + rx), else the count of
 * /sys/class/net/IF/queues/rx-*.  Returns >= 1 or a negative errno. */
int xs_xdp_rx_queue_count(const char *ifname);

/* ---- In-memory pair (memdev.c) ------------------------------------------ */

struct xs_memdev_opts {
	size_t sz;
	uint32_t frames;            /* [1024] pool size, shared by both ends */
	uint32_t frame_size;        /* [2048] */
	uint32_t wire_slots;        /* [256] frames in flight each way (tx ring) */
	unsigned int pool_flags;    /* XS_POOL_F_CHECKED for tests of misuse */
};

/* Two devices back to back: a frame submitted on one is received on the
 * other, the same frame, no copy.  Deterministic, no system calls.  Both
 * share one pool (a frame crosses without copying); closing both frees it.
 * Returns 0 or -EINVAL/-ENOMEM. */
int xs_memdev_pair__open(const struct xs_memdev_opts *opts, struct xs_dev **a, struct xs_dev **b);

/* ---- pcap writer (pcap.c) ------------------------------------------------ */

struct xs_pcap_opts {
	size_t sz;
	bool nsec;                  /* nanosecond timestamps (magic a1b23c4d) */
	uint32_t snaplen;           /* [65535] */
};

/* Wraps inner: every frame rx_burst returns and every frame tx_submit
 * accepts is written to a classic pcap file (LINKTYPE_ETHERNET) at path,
 * stamped with the now_ns of the call.  Takes ownership of inner (closing
 * the wrapper closes it).  Returns NULL and sets errno. */
struct xs_dev *xs_pcap_dev__wrap(struct xs_dev *inner, const char *path,
				 const struct xs_pcap_opts *opts);
/* Frames written so far (records in the file after a close or flush). */
uint64_t xs_pcap_dev__records(const struct xs_dev *dev);
int xs_pcap_dev__flush(struct xs_dev *dev);

/* ---- Fault injector (fault.c) -------------------------------------------- */

/* Probabilities per frame, each effect drawn independently. */
struct xs_fault_rates {
	double loss;                /* frame vanishes (released to the pool) */
	double dup;                 /* frame is delivered twice (a copy follows) */
	double corrupt;             /* one byte of the frame is inverted */
	double reorder;             /* frame is held back ... */
	uint32_t reorder_depth;     /* ... until this many frames passed [3] */
};

struct xs_fault_opts {
	size_t sz;
	uint64_t seed;              /* same seed, same traffic: same decisions */
	struct xs_fault_rates rx;
	struct xs_fault_rates tx;
};

struct xs_fault_counters {
	uint64_t frames;            /* frames that entered the injector */
	uint64_t lost;
	uint64_t duplicated;
	uint64_t corrupted;
	uint64_t reordered;
	uint64_t dup_no_frame;      /* duplication skipped: pool empty */
};

struct xs_fault_stats {
	struct xs_fault_counters rx, tx;
};

/* Wraps inner (and takes ownership of it).  Returns NULL and sets errno. */
struct xs_dev *xs_fault_dev__wrap(struct xs_dev *inner, const struct xs_fault_opts *opts);
void xs_fault_dev__stats(const struct xs_dev *dev, struct xs_fault_stats *st);

#endif /* XS_DEV_DEV_H */
