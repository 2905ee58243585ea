// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * The config map: one struct xs_config in an mmap-able array, read by every
 * stack and written by xsockctl sysctl.  Readers never lock: a seqlock on
 * `generation` (odd while a write is in progress) gives them a consistent
 * copy.  Writers serialise on flock of the pin directory.
 *
 * The key table gives each field its sysctl(8) name, type and range.  The
 * net.core ranges are the kernel's own (proc_dointvec_minmax limits of
 * net/core/sysctl_net_core.c, measured on 6.18): values the kernel itself
 * would refuse are refused here too, so an application sees the limits it
 * would see with kernel sockets.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

#include "ctl/ctl.h"

#define CFG(field) offsetof(struct xs_config, field)

/* message_cost is in seconds and the kernel stores it in jiffies, so its
 * limit is INT_MAX / HZ; HZ = 1000 gives the tightest common bound. */
#define XS_MESSAGE_COST_MAX (INT_MAX / 1000)

const struct xs_cfg_key xs_cfg_keys[] = {
	{ "net.core.rmem_default", CFG(rmem_default), XS_CFG_S32, 2304, INT_MAX,
	  "default receive buffer (bytes)" },
	{ "net.core.rmem_max", CFG(rmem_max), XS_CFG_S32, 2304, INT_MAX,
	  "largest SO_RCVBUF (bytes)" },
	{ "net.core.wmem_default", CFG(wmem_default), XS_CFG_S32, 4608, INT_MAX,
	  "default send buffer (bytes)" },
	{ "net.core.wmem_max", CFG(wmem_max), XS_CFG_S32, 4608, INT_MAX,
	  "largest SO_SNDBUF (bytes)" },
	{ "net.core.optmem_max", CFG(optmem_max), XS_CFG_S32, 0, INT_MAX,
	  "ancillary buffer per socket (bytes)" },
	{ "net.core.netdev_max_backlog", CFG(netdev_max_backlog), XS_CFG_S32,
	  INT_MIN, INT_MAX, "input queue length (packets)" },
	{ "net.core.message_cost", CFG(message_cost), XS_CFG_S32,
	  -XS_MESSAGE_COST_MAX, XS_MESSAGE_COST_MAX, "log rate limit interval (seconds)" },
	{ "net.core.message_burst", CFG(message_burst), XS_CFG_S32, INT_MIN, INT_MAX,
	  "log rate limit burst (messages)" },
	{ "xsock.busy_poll_us", CFG(busy_poll_us), XS_CFG_U32, 0, 1000000,
	  "spin this long before sleeping (microseconds)" },
	{ "xsock.busy_poll_budget", CFG(busy_poll_budget), XS_CFG_U32, 0, 65535,
	  "SO_BUSY_POLL_BUDGET (packets, 0: kernel default)" },
	{ "xsock.rx_ring_size", CFG(rx_ring_size), XS_CFG_POW2, 64, 32768,
	  "AF_XDP RX ring (descriptors)" },
	{ "xsock.tx_ring_size", CFG(tx_ring_size), XS_CFG_POW2, 64, 32768,
	  "AF_XDP TX ring (descriptors)" },
	{ "xsock.fill_ring_size", CFG(fill_ring_size), XS_CFG_POW2, 64, 32768,
	  "UMEM fill ring (descriptors)" },
	{ "xsock.comp_ring_size", CFG(comp_ring_size), XS_CFG_POW2, 64, 32768,
	  "UMEM completion ring (descriptors)" },
	{ "xsock.umem_frames", CFG(umem_frames), XS_CFG_U32, 256, 1048576,
	  "UMEM frames, at least the four rings together" },
	{ "xsock.frame_size", CFG(frame_size), XS_CFG_FRAME, 2048, 4096,
	  "UMEM frame size (bytes): 2048 or 4096" },
	{ "xsock.bind_mode", CFG(bind_mode), XS_CFG_BIND_MODE, XS_BIND_AUTO,
	  XS_BIND_ZEROCOPY, "AF_XDP bind: auto, copy or zerocopy" },
};

const size_t xs_cfg_nkeys = sizeof(xs_cfg_keys) / sizeof(xs_cfg_keys[0]);

static const char *const bind_mode_names[] = {
	[XS_BIND_AUTO] = "auto",
	[XS_BIND_COPY] = "copy",
	[XS_BIND_ZEROCOPY] = "zerocopy",
};

const struct xs_cfg_key *xs_cfg_key_find(const char *name)
{
	for (size_t i = 0; i < xs_cfg_nkeys; i++)
		if (!strcmp(xs_cfg_keys[i].name, name))
			return &xs_cfg_keys[i];
	xs_ctl_fail(-ENOENT, "unknown key '%s'", name);
	return NULL;
}

int xs_cfg_parse(const struct xs_cfg_key *k, const char *s, long long *val)
{
	char *end;
	long long v;

	if (k->type == XS_CFG_BIND_MODE) {
		for (int i = 0; i <= XS_BIND_ZEROCOPY; i++) {
			if (!strcmp(s, bind_mode_names[i])) {
				*val = i;
				return 0;
			}
		}
		return xs_ctl_fail(-EINVAL, "%s: '%s' is not one of auto, copy, zerocopy",
				   k->name, s);
	}
	errno = 0;
	v = strtoll(s, &end, 10);
	if (!*s || *end || errno == ERANGE)
		return xs_ctl_fail(-EINVAL, "%s: '%s' is not an integer%s", k->name, s,
				   errno == ERANGE ? " in range" : "");
	if (k->type == XS_CFG_FRAME && v != 2048 && v != 4096)
		return xs_ctl_fail(-EINVAL, "%s: %lld is not 2048 or 4096", k->name, v);
	if (v < k->min)
		return xs_ctl_fail(-EINVAL, "%s: %lld is below the minimum %lld",
				   k->name, v, k->min);
	if (v > k->max)
		return xs_ctl_fail(-EINVAL, "%s: %lld is above the maximum %lld",
				   k->name, v, k->max);
	if (k->type == XS_CFG_POW2 && (v & (v - 1)))
		return xs_ctl_fail(-EINVAL, "%s: %lld is not a power of two", k->name, v);
	*val = v;
	return 0;
}

int xs_cfg_format(const struct xs_cfg_key *k, long long val, char *buf, size_t len)
{
	if (k->type == XS_CFG_BIND_MODE)
		return snprintf(buf, len, "%s", val >= 0 && val <= XS_BIND_ZEROCOPY ?
				bind_mode_names[val] : "unknown");
	return snprintf(buf, len, "%lld", val);
}

long long xs_cfg_get(const struct xs_config *cfg, const struct xs_cfg_key *k)
{
	const char *p = (const char *)cfg + k->off;

	if (k->type == XS_CFG_S32) {
		__s32 v;

		memcpy(&v, p, sizeof(v));
		return v;
	} else {
		__u32 v;

		memcpy(&v, p, sizeof(v));
		return v;
	}
}

void xs_cfg_put(struct xs_config *cfg, const struct xs_cfg_key *k, long long val)
{
	char *p = (char *)cfg + k->off;

	if (k->type == XS_CFG_S32) {
		__s32 v = val;

		memcpy(p, &v, sizeof(v));
	} else {
		__u32 v = val;

		memcpy(p, &v, sizeof(v));
	}
}

int xs_cfg_validate(const struct xs_config *cfg)
{
	/* Worst case every ring is full at once: frames waiting in the fill
	 * and RX rings, frames queued in TX and not yet completed. */
	unsigned long long need = (unsigned long long)cfg->rx_ring_size +
				  cfg->tx_ring_size + cfg->fill_ring_size +
				  cfg->comp_ring_size;

	if (cfg->umem_frames < need)
		return xs_ctl_fail(-EINVAL,
				   "xsock.umem_frames: %u is below rx + tx + fill + comp ring sizes (%llu)",
				   cfg->umem_frames, need);
	return 0;
}

/* ---- defaults ------------------------------------------------------------ */

static int read_int_file(const char *path, int *val)
{
	char buf[64], *end;
	ssize_t len;
	long v;
	int fd;

	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	len = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (len <= 0)
		return -EIO;
	buf[len] = '\0';
	v = strtol(buf, &end, 10);
	if (end == buf)
		return -EIO;
	*val = v;
	return 0;
}

/*
 * Some net.core tunables (netdev_max_backlog, message_cost, ...) are global
 * and shown only in the initial network namespace; a child that joins the
 * host's namespace reads them there.
 */
static int read_init_ns_int(const char *path, int *val)
{
	int pipefd[2], status, err = -EIO;
	char host_ns[64];
	pid_t pid;

	if (xs_ctl_host_ns("net", host_ns, sizeof(host_ns)) != 1)
		return -ENOENT;

	if (pipe2(pipefd, O_CLOEXEC))
		return -errno;
	pid = fork();
	if (pid < 0) {
		err = -errno;
		close(pipefd[0]);
		close(pipefd[1]);
		return err;
	}
	if (pid == 0) {
		int ns = open(host_ns, O_RDONLY | O_CLOEXEC), v;

		if (ns < 0 || setns(ns, CLONE_NEWNET) || read_int_file(path, &v))
			_exit(1);
		_exit(write(pipefd[1], &v, sizeof(v)) == sizeof(v) ? 0 : 1);
	}
	close(pipefd[1]);
	if (read(pipefd[0], val, sizeof(*val)) == sizeof(*val))
		err = 0;
	close(pipefd[0]);
	waitpid(pid, &status, 0);
	return err;
}

int xs_cfg_defaults(struct xs_config *cfg)
{
	/* The kernel's defaults, used when neither namespace shows a value. */
	static const struct {
		const char *name;
		int fallback;
	} core[] = {
		{ "rmem_default", 212992 }, { "rmem_max", 212992 },
		{ "wmem_default", 212992 }, { "wmem_max", 212992 },
		{ "optmem_max", 131072 }, { "netdev_max_backlog", 1000 },
		{ "message_cost", 5 }, { "message_burst", 10 },
	};
	char key[64], path[96];

	memset(cfg, 0, sizeof(*cfg));
	for (size_t i = 0; i < sizeof(core) / sizeof(core[0]); i++) {
		const struct xs_cfg_key *k;
		int v;

		snprintf(key, sizeof(key), "net.core.%s", core[i].name);
		snprintf(path, sizeof(path), "/proc/sys/net/core/%s", core[i].name);
		k = xs_cfg_key_find(key);
		if (!k)
			return -EINVAL;
		if (read_int_file(path, &v) && read_init_ns_int(path, &v))
			v = core[i].fallback;
		xs_cfg_put(cfg, k, v);
	}
	xs_ctl_clear_error();
	cfg->busy_poll_us = 50;
	cfg->busy_poll_budget = 64;
	cfg->rx_ring_size = 2048;
	cfg->tx_ring_size = 2048;
	cfg->fill_ring_size = 2048;
	cfg->comp_ring_size = 2048;
	cfg->umem_frames = 8192;
	cfg->frame_size = 4096;
	cfg->bind_mode = XS_BIND_AUTO;
	return 0;
}

/* ---- the seqlock over the mmap'ed map ------------------------------------ */

static size_t config_map_len(void)
{
	long page = sysconf(_SC_PAGESIZE);

	return (sizeof(struct xs_config) + page - 1) / page * page;
}

static struct xs_config *config_map(int fd)
{
	void *p = mmap(NULL, config_map_len(), PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);

	return p == MAP_FAILED ? NULL : p;
}

static void config_unmap(struct xs_config *m)
{
	munmap(m, config_map_len());
}

/* Readers spin this many times on an odd generation before asking whether
 * a writer is alive (a killed writer leaves it odd). */
#define XS_SEQ_SPINS 100000

static int seq_read(const struct xs_config *m, struct xs_config *out)
{
	for (unsigned spins = 0;; spins++) {
		__u64 g1 = __atomic_load_n(&m->generation, __ATOMIC_ACQUIRE), g2;

		if (!(g1 & 1)) {
			memcpy(out, m, sizeof(*out));
			__atomic_thread_fence(__ATOMIC_ACQUIRE);
			g2 = __atomic_load_n(&m->generation, __ATOMIC_RELAXED);
			if (g1 == g2) {
				out->generation = g1;
				return 0;
			}
		}
		if (spins == XS_SEQ_SPINS)
			sched_yield();
		if (spins > 10 * XS_SEQ_SPINS)
			return xs_ctl_fail(-EAGAIN,
					   "config is being written (generation %llu stays odd; a writer may have died: write any key to repair it)",
					   (unsigned long long)g1);
	}
}

static void seq_write(struct xs_config *m, const struct xs_config *in)
{
	__u64 g = __atomic_load_n(&m->generation, __ATOMIC_RELAXED);

	/* An odd generation here means a writer died mid-write: start from
	 * the next even value so readers see a change. */
	g = (g + 1) & ~1ULL;
	__atomic_store_n(&m->generation, g + 1, __ATOMIC_RELAXED);
	__atomic_thread_fence(__ATOMIC_RELEASE);
	memcpy((char *)m + sizeof(m->generation), (const char *)in + sizeof(in->generation),
	       sizeof(*m) - sizeof(m->generation));
	__atomic_store_n(&m->generation, g + 2, __ATOMIC_RELEASE);
}

int xs_config_load(int map_fd, struct xs_config *cfg)
{
	struct xs_config *m = config_map(map_fd);
	int err;

	if (!m)
		return -errno;
	err = seq_read(m, cfg);
	config_unmap(m);
	return err;
}

int xs_config_store(int map_fd, const struct xs_config *cfg)
{
	struct xs_config *m = config_map(map_fd);

	if (!m)
		return -errno;
	seq_write(m, cfg);
	config_unmap(m);
	return 0;
}

const struct xs_config *xs_config_view_open(int map_fd)
{
	void *p = mmap(NULL, config_map_len(), PROT_READ, MAP_SHARED, map_fd, 0);

	return p == MAP_FAILED ? NULL : p;
}

void xs_config_view_close(const struct xs_config *view)
{
	if (view)
		munmap((void *)view, config_map_len());
}

__u64 xs_config_view_generation(const struct xs_config *view)
{
	return __atomic_load_n(&view->generation, __ATOMIC_ACQUIRE);
}

int xs_config_view_read(const struct xs_config *view, struct xs_config *cfg)
{
	return seq_read(view, cfg);
}

int xs_ctl_config_read(struct xs_ctl *c, struct xs_config *cfg)
{
	return xs_config_load(c->map_fd[XS_CTL_CONFIG], cfg);
}

int xs_ctl_config_set(struct xs_ctl *c, const struct xs_cfg_set *sets, size_t n,
		      struct xs_config *out)
{
	struct xs_config *m, cfg;
	int lock, err;

	m = config_map(c->map_fd[XS_CTL_CONFIG]);
	if (!m)
		return xs_ctl_fail(-errno, "cannot map the config map: %s", strerror(errno));
	lock = xs_ctl_lock_dir(c->dir);
	if (lock < 0) {
		config_unmap(m);
		return lock;
	}
	/* Under the lock nobody writes, so a torn copy cannot happen. */
	memcpy(&cfg, m, sizeof(cfg));
	for (size_t i = 0; i < n; i++)
		xs_cfg_put(&cfg, sets[i].key, sets[i].val);
	err = xs_cfg_validate(&cfg);
	if (!err) {
		seq_write(m, &cfg);
		cfg.generation = __atomic_load_n(&m->generation, __ATOMIC_RELAXED);
		if (out)
			*out = cfg;
	}
	xs_ctl_unlock_dir(lock);
	config_unmap(m);
	return err;
}
