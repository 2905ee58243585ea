// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * The process's stack (stack.h): start-up, interfaces, the fd table, the
 * receive loop and waiting.  Every BSD call in api/ goes through here; this
 * file calls down into sock/ (delivery), iface/ (parsing, the kernel's
 * tables) and dev/ (frames).
 */
#include "api/stack.h"

#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/eventfd.h>
#include <sys/syscall.h>
#include <linux/futex.h>
#include <limits.h>
#include <stdint.h>
#include <sys/resource.h>

#include "api/stream.h"
#include "api/warn.h"
#include "dev/dev.h"
#include "iface/ip_in.h"
#include "sock/sockbuf.h"
#include "wire/eth.h"

#define RX_BATCH 64
#define HELPER_TCP_TICK_MS 1   /* the helper's pulse while TCP sockets exist */

static struct xs_stack *the_stack;
static pthread_once_t stack_once = PTHREAD_ONCE_INIT;
static int stack_errno;

uint64_t xs_realtime_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

uint64_t xs_now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

/* Applies the config map to the running stack: busy-poll time, the
 * receive budget (netdev_max_backlog), the window scale TCP offers
 * (rmem_max), the warnings' rate limit (message_cost/burst); the socket
 * buffer limits are read from st->cfg when sockets are made and set up.
 * Ring and umem sizes apply to interfaces opened later.  Lock held. */
static void apply_config(struct xs_stack *st)
{
	uint64_t gen = xs_config_view_generation(st->cfg_view);
	struct xs_config cfg;
	int err;

	err = xs_config_view_read(st->cfg_view, &cfg);
	if (err) {
		/* A writer died mid-write: keep what we have until the
		 * generation moves again (any write repairs it). */
		st->config_gen = gen;
		xs_warn("%s: config map unreadable (%s), keeping generation %llu",
			st->cfg_ifname, xs_ctl_strerror(err), (unsigned long long)st->cfg.generation);
		return;
	}
	st->cfg = cfg;
	st->config_gen = cfg.generation;
	st->busy_poll_us = cfg.busy_poll_us;
	st->rx_budget = cfg.netdev_max_backlog > 0 ? (uint32_t)cfg.netdev_max_backlog : 1;
	xs_warn_set_limit(cfg.message_cost, cfg.message_burst);
	xs_stream_env_set_rmem_max(st, (uint32_t)cfg.rmem_max);
}

const struct xs_config *xs_stack_config(struct xs_stack *st)
{
	if (!st->cfg_view)
		return NULL;
	if (xs_config_view_generation(st->cfg_view) != st->config_gen)
		apply_config(st);
	return st->cfg.generation ? &st->cfg : NULL;	/* NULL: never read */
}

/* Takes the config map of an attached interface (map_fd) as the
 * process's configuration, if it has none yet.  Lock held, or the stack
 * not yet shared. */
static void config_adopt(struct xs_stack *st, const char *ifname, int map_fd)
{
	if (st->cfg_view)
		return;
	st->cfg_view = xs_config_view_open(map_fd);
	if (!st->cfg_view)
		return;
	/* Generation 0: attach has not seeded it yet; the helper looks
	 * again in a second. */
	if (!xs_config_view_generation(st->cfg_view)) {
		xs_config_view_close(st->cfg_view);
		st->cfg_view = NULL;
		return;
	}
	snprintf(st->cfg_ifname, sizeof(st->cfg_ifname), "%s", ifname);
	st->config_gen = 0;	/* never a seeded map's generation: applied now */
	xs_stack_config(st);
}

static int config_try_iface(const char *ifname, void *arg)
{
	struct xs_stack *st = arg;
	struct xs_ctl c;

	if (st->only_iface[0] && strcmp(st->only_iface, ifname))
		return 0;
	if (xs_ctl_open(&c, ifname))
		return 0;
	config_adopt(st, ifname, c.map_fd[XS_CTL_CONFIG]);	/* the mapping outlives the fd */
	xs_ctl_close(&c);
	return st->cfg_view != NULL;
}

/* The config of the first attached interface in name order (the one
 * XSOCK_IFACE names, if set), until an interface the stack opens brings
 * one.  Lock held, or the stack not yet shared. */
static void config_find(struct xs_stack *st)
{
	if (!st->cfg_view)
		xs_ctl_for_each_iface(config_try_iface, st);
	xs_ctl_clear_error();
}

/* SOCK_MIN_RCVBUF and SOCK_MIN_SNDBUF of the running kernel: what a
 * buffer of 0 becomes. */
static void measure_min_bufs(struct xs_stack *st)
{
	int fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0), zero = 0;
	socklen_t len = sizeof(int);

	st->min_rcvbuf = XS_SOCK_MIN_RCVBUF;
	st->min_sndbuf = XS_SOCK_MIN_SNDBUF;
	if (fd < 0)
		return;
	if (!setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &zero, sizeof(zero)))
		getsockopt(fd, SOL_SOCKET, SO_RCVBUF, &st->min_rcvbuf, &len);
	len = sizeof(int);
	if (!setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &zero, sizeof(zero)))
		getsockopt(fd, SOL_SOCKET, SO_SNDBUF, &st->min_sndbuf, &len);
	close(fd);
}

/* Writes this process's counters for each interface into its "stacks"
 * map, where `xsockctl stats` shows them.  Lock held. */
static void publish_stats(struct xs_stack *st)
{
	for (int i = 0; i < st->nifs; i++) {
		struct xs_stack_if *sif = &st->ifs[i];
		struct xs_ifnet *ifn = &sif->ifnet;
		struct xs_stack_stats ss = { .owner = sif->owner };
		struct xs_dev_stats ds;

		ss.updated_ns = xs_now_ns();
		ss.sockets = st->sockets;
		ss.rx_packets = ifn->rx_packets;
		ss.tx_packets = ifn->tx_packets;
		ss.tx_fragments = ifn->tx_fragments;
		ss.twin_rx = st->twin_rx;
		for (int r = 0; r < XS_DROP__MAX; r++)
			ss.drops[r] = ifn->drops[r];
		xs_dev_stats(ifn->dev, &ds);
		ss.xsk_rx_dropped = ds.rx_dropped;
		ss.xsk_rx_invalid = ds.rx_invalid;
		ss.xsk_rx_ring_full = ds.rx_ring_full;
		ss.xsk_fill_ring_empty = ds.fill_ring_empty;
		ss.xsk_tx_invalid = ds.tx_invalid;
		ss.xsk_tx_ring_empty = ds.tx_ring_empty;
		xs_ctl_stack_stats_put(&sif->ctl, sif->owner.pid, &ss);
	}
}

_Static_assert(XS_DROP__MAX <= XS_STACK_DROP_SLOTS, "drop reasons must fit the stats map");

/* Raises what send_sigio() would have for each socket the receive loop
 * queued, outside the stack lock: a handler may call into the stack. */
static void raise_queued_signals(struct xs_stack *st)
{
	struct {
		int fd, sig;
		bool urg;
		struct f_owner_ex owner;
	} due[64];
	uint64_t v;
	int n = 0;

	(void)!read(st->sig_fd, &v, sizeof(v));
	pthread_mutex_lock(&st->lock);
	for (int i = 0; i < st->nsig; i++) {
		struct xs_sock *s = xs_stack_sock(st, st->sig_list[i]);

		if (!s || !s->sig_queued)
			continue;
		s->sig_queued = false;
		due[n].fd = s->fd;
		due[n].sig = s->async ? s->sig : -1;
		due[n].urg = s->urg_queued;
		s->urg_queued = false;
		due[n++].owner = s->owner;
	}
	st->nsig = 0;
	pthread_mutex_unlock(&st->lock);

	for (int i = 0; i < n; i++) {
		int sig = due[i].sig ? due[i].sig : SIGIO;
		pid_t pid = due[i].owner.pid;

		if (!pid)
			continue;
		if (due[i].urg) {	/* sk_send_sigurg(): to the owner, no O_ASYNC needed */
			if (due[i].owner.type == F_OWNER_TID)
				syscall(SYS_tgkill, getpid(), pid, SIGURG);
			else
				kill(due[i].owner.type == F_OWNER_PGRP ? -pid : pid, SIGURG);
		}
		if (due[i].sig < 0)
			continue;
		if (due[i].owner.type == F_OWNER_TID) {
			syscall(SYS_tgkill, getpid(), pid, sig);
		} else if (due[i].owner.type == F_OWNER_PGRP) {
			kill(-pid, sig);
		} else if (due[i].sig && pid == getpid()) {
			/* F_SETSIG: a queued signal carrying the fd, as the
			 * kernel's POLL_IN notification does. */
			siginfo_t si = { .si_signo = sig, .si_code = POLL_IN };

			si.si_fd = due[i].fd;
			si.si_band = POLLIN | POLLRDNORM;
			syscall(SYS_rt_sigqueueinfo, pid, sig, &si);
		} else {
			kill(pid, sig);
		}
	}
}

/* Whether the helper must watch s's twin while s has waiters: what the
 * fast path does not carry arrives there (UDP: fragments, ICMP errors;
 * a listener: connections the kernel accepted on other interfaces).  A
 * connection's twin is an unconnected socket, which polls as POLLHUP for
 * ever: watching it would only spin. */
static bool twin_matters(const struct xs_sock *s)
{
	return !s->stream || (s->tcp && s->tcp->state == XS_TCP_LISTEN);
}

/* Finishes the close of sockets that were closed while threads were
 * blocked on them (xsock_close()) once the last one has left.  A call uses
 * its socket under the lock from xs_sock_lock() to its return, except
 * while it waits (and is counted in waiters), so a socket with no waiters
 * seen here, with the lock held, is used by no call.  Lock held. */
static void reap_orphans(struct xs_stack *st)
{
	struct xs_sock **pp = &st->orphans;
	int fd;

	while (*pp) {
		struct xs_sock *s = *pp;

		if (s->waiters) {
			pp = &s->orphan_next;
			continue;
		}
		*pp = s->orphan_next;
		/* A kept socket's twin is a descriptor of ours; one whose
		 * waiters were sent away (closing) had its fd closed then. */
		fd = s->closing ? -1 : s->fd;
		xs_sock_release(st, s);
		if (fd >= 0)
			close(fd);
	}
}

/* The helper thread: applies the kernel's route, address and neighbour
 * changes as they happen, so the data path never reads netlink, publishes
 * the counters once a second, runs TCP's timers, and, while application
 * threads sleep in a wait, is the one that sleeps in poll(2) on the AF_XDP
 * fds and the twins that matter, receives what arrives and wakes them. */
static void *helper_main(void *arg)
{
	struct xs_stack *st = arg;
	uint64_t next_publish = 0;
	sigset_t all;

	sigfillset(&all);
	pthread_sigmask(SIG_BLOCK, &all, NULL);
	for (;;) {
		struct pollfd pfd[3 + XS_STACK_MAX_IFNETS + XS_STACK_WAIT_SET];
		int n = 3, nx = 3, nt, timeout = 250, i;
		bool rx = false, twin = false, watch;
		uint64_t now;

		pfd[0] = (struct pollfd){ .fd = xs_mirror__fd(st->mirror), .events = POLLIN };
		pfd[1] = (struct pollfd){ .fd = st->sig_fd, .events = POLLIN };
		pfd[2] = (struct pollfd){ .fd = st->wake_fd, .events = POLLIN };
		pthread_mutex_lock(&st->lock);
		st->helper_gen = st->wait_gen;
		st->helper_kicked = false;
		watch = st->sleepers > 0 && !st->rx_handed;
		if (watch) {
			for (i = 0; i < st->nifs; i++)
				pfd[n++] = (struct pollfd){ .fd = xs_dev_fd(st->ifs[i].ifnet.dev),
							    .events = POLLIN };
			nx = n;
			for (i = 0; i < st->nwaiting; i++)
				if (twin_matters(st->waiting[i]))
					pfd[n++] = (struct pollfd){ .fd = st->waiting[i]->fd,
								    .events = POLLIN };
		}
		nt = n;
		/* TCP needs a pulse while the application is busy elsewhere:
		 * timers, and the ACKs for data nobody is polling for. */
		if (st->tcp.nall)
			timeout = HELPER_TCP_TICK_MS;
		else if (st->overflow)
			timeout = 10;
		pthread_mutex_unlock(&st->lock);
		if (poll(pfd, (nfds_t)nt, timeout) < 0 && errno != EINTR)
			break;
		if (pfd[1].revents & POLLIN)
			raise_queued_signals(st);
		if (pfd[2].revents & POLLIN) {
			uint64_t v;

			(void)!read(st->wake_fd, &v, sizeof(v));
		}
		for (i = 3; i < nx; i++)
			rx |= pfd[i].revents != 0;
		pthread_mutex_lock(&st->lock);
		if (rx && st->sleepers) {
			/* The sleepers take the frames themselves when they wake
			 * (wait_common() polls first): the application's pace, as
			 * when it polls the rings, so a burst waits in the ring
			 * rather than overflowing a socket's receive buffer while
			 * the reader is not yet running.  The rings are not
			 * watched again until a thread sleeps again. */
			st->rx_handed = true;
			xs_stack_wake(st, NULL);
			rx = false;
		}
		if (pfd[0].revents & POLLIN)
			xs_mirror__process(st->mirror);
		/* By fd: a socket may have been closed while we slept. */
		for (i = nx; i < nt; i++) {
			struct xs_sock *w = pfd[i].revents ? xs_stack_sock(st, pfd[i].fd) : NULL;

			if (w) {
				w->twin_ready = true;
				twin = true;
			}
		}
		now = xs_now_ns();
		if (rx || (st->tcp.nall && now - st->last_poll_ns >= HELPER_TCP_TICK_MS * 1000000ull))
			xs_stack_poll(st, now);	/* timers run in there too, and it wakes */
		else if (st->tcp.nall)
			xs_tcp_timers(&st->tcp, now);
		xs_stack_flush(st);
		if (st->tcp_wake || twin || st->overflow) {
			st->tcp_wake = false;
			xs_stack_wake(st, NULL);
		}
		if (st->nsig) {
			uint64_t one = 1;

			(void)!write(st->sig_fd, &one, sizeof(one));
		}
		if (st->reasm) {
			unsigned int expired = xs_reasm__expire(st->reasm, now);

			if (expired && st->nifs)
				st->ifs[0].ifnet.drops[XS_DROP_REASM_TIMEOUT] += expired;
		}
		if (st->orphans)
			reap_orphans(st);
		if (now >= next_publish) {
			config_find(st);
			xs_stack_config(st);
			publish_stats(st);
			next_publish = now + 1000000000u;
		}
		pthread_mutex_unlock(&st->lock);
	}
	return NULL;
}

/* Whether a connection still has something to tell its peer: data not
 * yet acknowledged, or a FIN not yet sent or acknowledged. */
static bool tcp_busy(const struct xs_tcp_sock *tp)
{
	switch (tp->state) {
	case XS_TCP_ESTABLISHED:
	case XS_TCP_CLOSE_WAIT:
	case XS_TCP_FIN_WAIT1:
	case XS_TCP_CLOSING:
	case XS_TCP_LAST_ACK:
	case XS_TCP_SYN_RECV:
		return true;
	default:
		return false;
	}
}

/*
 * The kernel closes a process's sockets when it exits and then delivers
 * what they still hold; a stack inside the process must do that before
 * the process is gone.  Every open connection is closed as close(2) would
 * (FIN, or RST with unread data or SO_LINGER 0), and the stack runs until
 * each has delivered its data and FIN, for at most XSOCK_EXIT_LINGER_MS
 * (default 60 s, the order of tcp_fin_timeout: on a lossy path the last
 * segments can take seconds of backed-off retransmissions).  What is still
 * open after that is reset, so the peer
 * does not wait on a connection nobody serves.  Lock held.
 */
static void drain_at_exit(struct xs_stack *st)
{
	const char *env = getenv("XSOCK_EXIT_LINGER_MS");
	uint64_t limit_ms = env ? strtoull(env, NULL, 10) : 60000;
	uint64_t until = xs_now_ns() + limit_ms * 1000000ull;
	bool busy;

	for (int fd = 0; fd < st->nfds; fd++) {
		struct xs_sock *s = st->fds[fd];

		if (s && s->stream)
			xs_stream_close(st, s);
	}
	do {
		uint64_t now = xs_now_ns();

		busy = false;
		for (struct xs_tcp_sock *tp = st->tcp.all; tp && !busy; tp = tp->anext)
			busy = tcp_busy(tp);
		if (!busy || now >= until)
			break;
		xs_stack_poll(st, now);
		pthread_mutex_unlock(&st->lock);
		usleep(100);
		pthread_mutex_lock(&st->lock);
	} while (busy);
	for (struct xs_tcp_sock *tp = st->tcp.all; tp; tp = tp->anext)
		if (tcp_busy(tp))
			xs_tcp_send_rst(tp, xs_now_ns());
	xs_stack_flush(st);
	while (st->tcp.all)
		xs_tcp_sock_free(st->tcp.all);
}

/* At a normal exit, take the process's steering rules with it; after a
 * crash its AF_XDP sockets leave the XSKMAP anyway (traffic returns to the
 * kernel at once) and `xsockctl rule gc` removes the rules. */
static void stack_exit(void)
{
	struct xs_stack *st = the_stack;
	struct timespec ts;

	if (!st)
		return;
	/* The helper thread holds the lock for moments; a thread that holds
	 * it while the process exits (exit() from a handler) does not let go:
	 * then the rules stay for `xsockctl rule gc`. */
	clock_gettime(CLOCK_REALTIME, &ts);
	ts.tv_sec += 1;
	if (pthread_mutex_timedlock(&st->lock, &ts))
		return;
	for (int fd = 0; fd < st->nfds; fd++)
		if (st->fds[fd])
			xs_sock_unsteer(st, st->fds[fd]);
	/* Sockets closed while threads were blocked on them: their rules go
	 * too, and their connections close with the others. */
	for (struct xs_sock *s = st->orphans; s; s = s->orphan_next) {
		xs_sock_unsteer(st, s);
		if (s->stream)
			xs_stream_close(st, s);
	}
	drain_at_exit(st);
	for (int i = 0; i < st->nifs; i++)
		xs_ctl_stack_stats_del(&st->ifs[i].ctl, st->ifs[i].owner.pid);
	pthread_mutex_unlock(&st->lock);
}

static void stack_init(void)
{
	struct xs_stack *st = calloc(1, sizeof(*st));
	const char *only = getenv("XSOCK_IFACE");
	pthread_mutexattr_t ma;
	struct rlimit rl;

	if (!st) {
		stack_errno = ENOMEM;
		return;
	}
	pthread_mutexattr_init(&ma);
	pthread_mutex_init(&st->lock, &ma);
	st->mirror = xs_mirror__open();
	if (!st->mirror) {
		stack_errno = errno;
		free(st);
		return;
	}
	st->reasm = xs_reasm__new(NULL);	/* without it fragments are only counted */
	xs_stream_env_init(st);
	/* Checksums a veth peer left to "the device" (TX offload on, the
	 * default) are the kernel's own traffic: accept them, as the kernel
	 * does, unless told not to (docs/design.md). */
	st->udp.accept_partial_csum = st->tcp.accept_partial_csum =
		!(getenv("XSOCK_STRICT_CSUM") && strcmp(getenv("XSOCK_STRICT_CSUM"), "0"));
	st->wake_fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	st->sig_fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	/* one poll-sleep eventfd made now: a process whose threads sleep in
	 * poll one at a time never sees its fd count move */
	st->efd_pool[0] = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	st->nefd_pool = st->efd_pool[0] >= 0;
	if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < (1u << 20))
		st->nfds = (int)rl.rlim_cur;
	else
		st->nfds = 1 << 20;
	st->fds = calloc((size_t)st->nfds, sizeof(*st->fds));
	if (st->wake_fd < 0 || st->sig_fd < 0 || !st->fds) {
		stack_errno = ENOMEM;
		return;
	}
	if (only)
		snprintf(st->only_iface, sizeof(st->only_iface), "%s", only);
	st->busy_poll_us = 50;
	st->rx_budget = RX_BATCH;
	measure_min_bufs(st);
	config_find(st);
	/* Without the helper the kernel's tables would go stale: then every
	 * socket stays a plain kernel socket. */
	stack_errno = pthread_create(&st->helper, NULL, helper_main, st);
	if (stack_errno)
		return;
	the_stack = st;
	atexit(stack_exit);
}

static void stack_start(void)
{
	stack_init();
	if (!the_stack)
		xs_warn("cannot start the stack (%s): every socket is a kernel socket",
			strerror(stack_errno));
}

struct xs_stack *xs_stack_get(void)
{
	pthread_once(&stack_once, stack_start);
	if (!the_stack)
		errno = stack_errno;
	return the_stack;
}

struct xs_stack *xs_stack_peek(void)
{
	return __atomic_load_n(&the_stack, __ATOMIC_ACQUIRE);
}

struct xs_sock *xs_sock_lock(int fd, struct xs_stack **stp)
{
	struct xs_stack *st = xs_stack_peek();
	struct xs_sock *s;

	if (!st)
		return NULL;
	pthread_mutex_lock(&st->lock);
	s = xs_stack_sock(st, fd);
	if (!s) {
		pthread_mutex_unlock(&st->lock);
		return NULL;
	}
	*stp = st;
	xs_sig_call_begin();
	return s;
}

struct xs_sock *xs_stack_sock(struct xs_stack *st, int fd)
{
	if (fd < 0 || fd >= st->nfds)
		return NULL;
	return st->fds[fd];
}

int xs_stack_sock_add(struct xs_stack *st, struct xs_sock *s)
{
	if (s->fd < 0 || s->fd >= st->nfds)
		return -EMFILE;
	st->fds[s->fd] = s;
	st->sockets++;
	return 0;
}

void xs_stack_sock_del(struct xs_stack *st, struct xs_sock *s)
{
	if (s->fd >= 0 && s->fd < st->nfds && st->fds[s->fd] == s) {
		st->fds[s->fd] = NULL;
		st->sockets--;
	}
}

static int if_open(struct xs_stack *st, const struct xs_link_info *link)
{
	struct xs_stack_if *sif = &st->ifs[st->nifs];
	struct xs_xdp_opts opts = { .sz = sizeof(opts) };
	struct xs_config cfg;
	struct xs_dev *dev;
	uint32_t room;
	int err;

	memset(sif, 0, sizeof(*sif));
	err = xs_ctl_open(&sif->ctl, link->name);
	if (err)
		return -ENODEV;	/* not attached: the socket stays with the kernel */
	err = xs_ctl_config_read(&sif->ctl, &cfg);
	if (err)
		goto fail;
	opts.ifname = link->name;
	opts.queue = XS_XDP_ALL_QUEUES;
	opts.xsks_map_fd = sif->ctl.map_fd[XS_CTL_XSKS];
	xs_dev_config_from_map(&opts.cfg, &cfg);
	dev = xs_xdp_dev__open(&opts);
	if (!dev) {
		err = -errno;
		/* e.g. EBUSY: another process serves the queue */
		xs_warn("%s: cannot open AF_XDP sockets (%s): its sockets stay the kernel's",
			link->name, strerror(-err));
		goto fail;
	}
	err = xs_owner_of(getpid(), &sif->owner);
	if (err) {
		xs_dev_close(dev);
		goto fail;
	}
	config_adopt(st, link->name, sif->ctl.map_fd[XS_CTL_CONFIG]);
	sif->ifnet.ifindex = link->ifindex;
	snprintf(sif->ifnet.name, sizeof(sif->ifnet.name), "%s", link->name);
	memcpy(sif->ifnet.mac, link->mac, 6);
	sif->ifnet.dev = dev;
	sif->ifnet.frame_size = opts.cfg.frame_size;
	/* A frame holds the Ethernet header and one IP packet after the TX
	 * headroom; a bigger link MTU is capped to what fits. */
	room = opts.cfg.frame_size - XS_DEV_TX_HEADROOM - XS_ETH_HLEN;
	sif->ifnet.mtu = link->mtu < room ? link->mtu : room;
	sif->ifnet.ipv4_id = (uint16_t)random();
	sif->ifnet.ipv6_frag_id = (uint32_t)random();
	return st->nifs++;
fail:
	xs_ctl_close(&sif->ctl);
	return err;
}

int xs_stack_if_get(struct xs_stack *st, int ifindex)
{
	struct xs_link_info link;
	int i;

	for (i = 0; i < st->nifs; i++)
		if (st->ifs[i].ifnet.ifindex == ifindex)
			return i;
	if (st->nifs == XS_STACK_MAX_IFNETS)
		return -ENODEV;
	if (xs_mirror__link(st->mirror, ifindex, &link))
		return -ENODEV;
	if (st->only_iface[0] && strcmp(st->only_iface, link.name))
		return -ENODEV;
	return if_open(st, &link);
}

/* A fragment: into reassembly, and a datagram it completes on to its
 * socket.  Returns XS_DROP_NONE (with *to set if a datagram was delivered,
 * NULL if more fragments are needed) or why the fragment or the datagram
 * was dropped. */
static enum xs_drop_reason reassemble(struct xs_stack *st, const struct xs_rx_pkt *frag,
				      int ifindex, uint64_t now, uint64_t rt,
				      struct xs_udp_sock **to)
{
	struct xs_reasm_out out;
	enum xs_drop_reason why;
	struct xs_rx_pkt pkt;
	int r;

	*to = NULL;
	if (!st->reasm)
		return XS_DROP_FRAGMENT;
	r = xs_reasm__input(st->reasm, frag->l3, frag->l3_len, now, &out);
	if (r == 0)
		return XS_DROP_NONE;
	if (r < 0)
		return r == -EEXIST ? XS_DROP_REASM_OVERLAP :
		       r == -ENOMEM ? XS_DROP_REASM_MEMORY : XS_DROP_REASM_MALFORMED;
	why = xs_ip_input_l3(out.family, out.buf, out.len, &pkt);
	if (why == XS_DROP_NONE && pkt.proto != IPPROTO_UDP)
		why = XS_DROP_PROTO;
	if (why == XS_DROP_NONE)
		why = xs_udp_input_buf(&st->udp, &pkt, out.buf, ifindex, rt, to);
	if (why != XS_DROP_NONE)
		free(out.buf);
	return why;
}

/* Receive one burst from an interface and hand each frame to its socket.
 * Frames nobody took go back to the device in one call.  A burst is at
 * most net.core.netdev_max_backlog frames (st->rx_budget), and never more
 * than RX_BATCH: a round that took more than the application drains
 * between rounds would drop frames at the socket's SO_RCVBUF that the RX
 * ring would have kept (docs/design.md, Configuration). */
static int poll_if(struct xs_stack *st, struct xs_stack_if *sif, uint64_t now, bool *wake)
{
	struct xs_frame rx[RX_BATCH], unused[RX_BATCH];
	struct xs_ifnet *ifn = &sif->ifnet;
	uint32_t n, i, nunused = 0;
	uint64_t rt = 0;
	int delivered = 0;

	n = xs_dev_rx_burst(ifn->dev, rx, st->rx_budget < RX_BATCH ? st->rx_budget : RX_BATCH, now);
	if (n)
		rt = xs_realtime_ns();	/* SO_TIMESTAMP's clock, once per burst */
	for (i = 0; i < n; i++) {
		struct xs_udp_sock *to = NULL;
		enum xs_drop_reason why;
		struct xs_rx_pkt pkt;

		why = xs_ip_input(rx[i].data, rx[i].len, &pkt);
		if (why == XS_DROP_FRAGMENT) {
			/* reasm copies what it keeps: the frame goes back. */
			unused[nunused++] = rx[i];
			why = reassemble(st, &pkt, ifn->ifindex, now, rt, &to);
			if (why != XS_DROP_NONE)
				xs_ifnet_drop(ifn, why);
			else if (to)
				goto delivered;
			continue;
		}
		if (why == XS_DROP_NONE && pkt.proto == IPPROTO_TCP) {
			struct xs_tcp_arrival from = {
				.link = (int)(sif - st->ifs), .ifindex = ifn->ifindex, .mtu = ifn->mtu,
			};

			/* TCP copies the payload: the frame goes back either way */
			memcpy(from.mac, pkt.src_mac, 6);
			why = xs_tcp_input(&st->tcp, &pkt, &from, now);
			unused[nunused++] = rx[i];
			if (why != XS_DROP_NONE)
				xs_ifnet_drop(ifn, why);
			else
				delivered++;
			continue;
		}
		if (why == XS_DROP_NONE) {
			if (pkt.proto == IPPROTO_UDP)
				why = xs_udp_input(&st->udp, &pkt, ifn->dev, &rx[i], ifn->ifindex,
						   rt, &to);
			else
				why = XS_DROP_PROTO;
		}
		if (why != XS_DROP_NONE) {
			xs_ifnet_drop(ifn, why);
			unused[nunused++] = rx[i];
			continue;
		}
delivered:
		delivered++;
		{
			struct xs_sock *s = (struct xs_sock *)((char *)to - offsetof(struct xs_sock, udp));

			if (s->waiters)
				*wake = true;
			if (s->async && !s->sig_queued && st->nsig < (int)(sizeof(st->sig_list) / sizeof(int))) {
				s->sig_queued = true;
				st->sig_list[st->nsig++] = s->fd;
			}
		}
	}
	ifn->rx_packets += n;
	if (nunused)
		xs_dev_release(ifn->dev, unused, nunused);
	if (n)
		xs_dev_kick(ifn->dev);	/* refill wake-up, only if the kernel asked */
	return delivered;
}

void xs_stack_flush(struct xs_stack *st)
{
	uint32_t mask = st->kick_mask;

	st->kick_mask = 0;
	for (int i = 0; mask; i++, mask >>= 1)
		if (mask & 1)
			xs_dev_kick(st->ifs[i].ifnet.dev);
}

int xs_stack_poll(struct xs_stack *st, uint64_t now_ns)
{
	bool wake = false;
	int i, delivered = 0;

	st->last_poll_ns = now_ns;
	for (i = 0; i < st->nifs; i++)
		delivered += poll_if(st, &st->ifs[i], now_ns, &wake);
	if (delivered) {
		__atomic_store_n(&st->deliveries, st->deliveries + (uint64_t)delivered, __ATOMIC_RELEASE);
		if (st->npollers)
			wake = true;	/* a poller's socket may be among them */
	}
	xs_tcp_timers(&st->tcp, now_ns);
	xs_stack_flush(st);
	if (st->tcp_wake) {
		st->tcp_wake = false;
		wake = true;
	}
	if (st->nsig) {
		uint64_t one = 1;

		(void)!write(st->sig_fd, &one, sizeof(one));
	}
	if (wake)
		xs_stack_wake(st, NULL);
	return delivered;
}

static long futex(uint32_t *word, int op, uint32_t val, const struct timespec *timeout)
{
	return syscall(SYS_futex, word, op, val, timeout, NULL, 0);
}

void xs_stack_wake(struct xs_stack *st, struct xs_sock *s)
{
	(void)s;	/* every sleeper looks again: they share one word */
	__atomic_store_n(&st->wake_seq, st->wake_seq + 1, __ATOMIC_RELEASE);
	if (st->sleepers)
		futex(&st->wake_seq, FUTEX_WAKE_PRIVATE, INT_MAX, NULL);
	for (int i = 0; i < st->npollers; i++)
		if (!st->pollers[i].due) {
			uint64_t one = 1;

			st->pollers[i].due = true;
			(void)!write(st->pollers[i].fd, &one, sizeof(one));
		}
}

uint64_t xs_stack_deliveries(struct xs_stack *st)
{
	return __atomic_load_n(&st->deliveries, __ATOMIC_ACQUIRE);
}

/* A poll sleep's eventfd: from the stack's pool (made when the pool is
 * empty, i.e. when more threads sleep in poll at once than ever before),
 * so sleeping costs no fd and no system call to make one. */
int xs_stack_poll_sleep_begin(struct xs_stack *st, uint64_t seen, int *devs, int *ndev)
{
	int efd = -1;

	pthread_mutex_lock(&st->lock);
	if (st->deliveries != seen) {
		pthread_mutex_unlock(&st->lock);
		return -EAGAIN;
	}
	*ndev = 0;
	for (int i = 0; i < st->nifs && i < XS_STACK_MAX_IFNETS; i++)
		devs[(*ndev)++] = xs_dev_fd(st->ifs[i].ifnet.dev);
	if (st->npollers < XS_STACK_POLLERS) {
		efd = st->nefd_pool ? st->efd_pool[--st->nefd_pool]
				    : eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
		if (efd >= 0) {
			st->pollers[st->npollers].fd = efd;
			st->pollers[st->npollers++].due = false;
		}
	}
	pthread_mutex_unlock(&st->lock);
	return efd;
}

void xs_stack_poll_sleep_end(struct xs_stack *st, int efd)
{
	uint64_t v;

	if (efd < 0)
		return;
	pthread_mutex_lock(&st->lock);
	for (int i = 0; i < st->npollers; i++)
		if (st->pollers[i].fd == efd) {
			if (st->pollers[i].due)
				(void)!read(efd, &v, sizeof(v));
			st->pollers[i] = st->pollers[--st->npollers];
			if (st->nefd_pool < XS_STACK_POLLERS)
				st->efd_pool[st->nefd_pool++] = efd;
			else
				close(efd);
			break;
		}
	pthread_mutex_unlock(&st->lock);
}

static void cpu_relax(void)
{
#if defined(__x86_64__) || defined(__i386__)
	__builtin_ia32_pause();
#endif
}

static void wait_set_add(struct xs_stack *st, struct xs_sock *s)
{
	s->wait_slot = -1;
	if (st->nwaiting < XS_STACK_WAIT_SET) {
		s->wait_slot = st->nwaiting;
		st->waiting[st->nwaiting++] = s;
		st->wait_gen++;
	}
}

static void wait_set_del(struct xs_stack *st, struct xs_sock *s)
{
	int i = s->wait_slot;

	if (i < 0)
		return;
	st->waiting[i] = st->waiting[--st->nwaiting];
	st->waiting[i]->wait_slot = i;
	s->wait_slot = -1;
}

/* How a sleep answers a signal handler. */
enum sleep_kind {
	SLEEP_RESTART,      /* the kernel restarts it under SA_RESTART, else -EINTR */
	SLEEP_INTR,         /* any handler ends it with -EINTR */
};

/*
 * One sleep on wake_seq, the lock dropped, until a wake-up, the deadline
 * (0: none) or a signal.  FUTEX_WAIT is what gives a blocked call the
 * kernel's own answer to a signal: without a timeout it fails with
 * ERESTARTSYS, which the kernel turns into a transparent restart when the
 * handler has SA_RESTART and into EINTR when it has not; with a timeout
 * it fails with ERESTART_RESTARTBLOCK, which every handler turns into
 * EINTR -- sock_intr_errno()'s rule for a socket with and without
 * SO_RCVTIMEO/SO_SNDTIMEO.  A wake-up after the look at wake_seq (under
 * the lock) and before the sleep makes FUTEX_WAIT return at once: none is
 * lost.  Returns -EINTR or 0.
 */
static int sleep_on_seq(struct xs_stack *st, uint64_t deadline_ns, enum sleep_kind kind)
{
	uint32_t seq = st->wake_seq;
	struct timespec ts, *tsp = NULL;
	uint64_t left = 0;
	long r;

	if (deadline_ns) {
		uint64_t now = xs_now_ns();

		if (now >= deadline_ns)
			return 0;
		left = deadline_ns - now;
	} else if (kind == SLEEP_INTR) {
		left = 3600 * 1000000000ull;	/* any timeout: handlers end it */
	}
	if (left) {
		ts.tv_sec = (time_t)(left / 1000000000u);
		ts.tv_nsec = (long)(left % 1000000000u);
		tsp = &ts;
	}
	if (st->sleepers++ == 0)
		st->wait_gen++;
	if (st->rx_handed) {	/* the helper watches the rings for us again */
		st->rx_handed = false;
		st->wait_gen++;
	}
	/* The helper polls for us; tell it when its set is out of date. */
	if (st->helper_gen != st->wait_gen && !st->helper_kicked) {
		uint64_t one = 1;

		st->helper_kicked = true;
		(void)!write(st->wake_fd, &one, sizeof(one));
	}
	pthread_mutex_unlock(&st->lock);
	r = futex(&st->wake_seq, FUTEX_WAIT_PRIVATE, seq, tsp);
	if (r < 0)
		r = -errno;
	pthread_mutex_lock(&st->lock);
	st->sleepers--;
	return r == -EINTR ? -EINTR : 0;
}

static int wait_common(struct xs_stack *st, struct xs_sock *s, bool (*ready)(struct xs_sock *s),
		       uint64_t deadline_ns, enum sleep_kind kind)
{
	uint64_t now = xs_now_ns(), spin_until = now + (uint64_t)st->busy_poll_us * 1000;
	bool orphan_seen = false;
	int err = 0, overflow;

	if (s->waiters++ == 0)
		wait_set_add(st, s);
	for (;;) {
		xs_stack_poll(st, now);
		if (ready(s))
			break;
		now = xs_now_ns();
		if (deadline_ns && now >= deadline_ns) {
			err = -EAGAIN;
			break;
		}
		/* A handler ran (xsock_sigaction()) while this call was in user
		 * space: the kernel would have seen the signal pending here.
		 * With a timeout or after a partial transfer any handler ends
		 * the call; otherwise one without SA_RESTART does, and one with
		 * it lets the call go on, as the kernel's restart would. */
		/* Closed under us: only handlers from now on count (the ones
		 * before were restarts, or would have ended the call). */
		if (s->orphaned && !orphan_seen) {
			orphan_seen = true;
			xs_sig_call_begin();
		}
		if (xs_sig_interrupts(kind == SLEEP_INTR || deadline_ns || s->orphaned)) {
			err = s->orphaned && xs_sig_restart_ran() ? -EBADF : -EINTR;
			break;
		}
		if (now < spin_until) {
			pthread_mutex_unlock(&st->lock);
			cpu_relax();
			pthread_mutex_lock(&st->lock);
			continue;
		}
		/* Without a slot in the wait set the helper does not watch
		 * our twin: it wakes us every 10 ms to look at it. */
		overflow = s->wait_slot < 0 && twin_matters(s);
		st->overflow += overflow;
		/* Closed by another thread: any handler ends the sleep, and
		 * one with SA_RESTART means EBADF (the kernel's restarted
		 * call looks the fd up again). */
		err = sleep_on_seq(st, deadline_ns, s->orphaned ? SLEEP_INTR : kind);
		st->overflow -= overflow;
		if (err == -EINTR) {
			if (s->orphaned && xs_sig_restart_ran())
				err = -EBADF;
			break;
		}
		now = xs_now_ns();
	}
	if (--s->waiters == 0)
		wait_set_del(st, s);
	return err;
}

int xs_stack_wait(struct xs_stack *st, struct xs_sock *s, bool (*ready)(struct xs_sock *s),
		  uint64_t deadline_ns)
{
	return wait_common(st, s, ready, deadline_ns, SLEEP_RESTART);
}

int xs_stack_wait_intr(struct xs_stack *st, struct xs_sock *s, bool (*ready)(struct xs_sock *s),
		       uint64_t deadline_ns)
{
	return wait_common(st, s, ready, deadline_ns, SLEEP_INTR);
}
