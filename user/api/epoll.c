// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * epoll over any mix of xsock sockets and kernel fds.
 *
 * An xsock socket's fd is a real kernel socket (its twin), but datagrams
 * the stack queued never make the twin readable, so the kernel's epoll
 * cannot watch it.  Each epoll instance is therefore two halves: the
 * kernel's epoll fd (what the application holds) watches the kernel fds,
 * and an interest list here holds the xsock sockets with their events and
 * data.  A wait looks at both without sleeping -- the xsock sockets
 * through xsock_poll(..., 0), the kernel half through the epoll fd -- and
 * then sleeps in xsock_poll() on the xsock sockets plus the epoll fd
 * itself (readable when the kernel half has events), which spins for the
 * busy-poll time and then sleeps on the AF_XDP fds.
 *
 * Edge-triggered registrations report what the kernel would: news, not
 * state.  News is a readiness bit that was off at the previous look, a
 * datagram the stack queued since the last report (its arrival count
 * moved), or an edge on the twin, which a private kernel epoll (ket)
 * watches edge-triggered.  A registration ready without news is left out
 * of the sleep (it would end it at once) and looked at every 10 ms.
 *
 * Locks: ep_lock guards every instance and the fd slots.  It is never held
 * while calling into the stack (which takes the stack lock), and the stack
 * never calls in here with its lock held.
 */
#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/epoll.h>

#include "api/shim.h"
#include "api/stack.h"
#include "xsock/xsock.h"

#define SLOT_SHIFT 10
#define SLOT_CHUNK (1 << SLOT_SHIFT)
#define SLOT_CHUNKS 1024            /* fds below 1 << 20, the kernel's default nr_open */
#define STALE_SLICE_NS 10000000LL
#define POLL_BITS 0x3fff            /* the EPOLL* bits poll(2) shares */
#define SMALL 32
#define KET_BATCH 64

/* What we know about one fd number. */
struct slot {
	struct xs_epoll *ep;        /* the instance, when fd is an epoll fd of ours */
	uint32_t watched;           /* interest-list entries naming fd, all instances */
};

struct ep_item {
	int fd;
	uint32_t events;            /* as registered, plus EPOLLERR | EPOLLHUP */
	epoll_data_t data;
	const void *sock;           /* the socket at EPOLL_CTL_ADD: identity, never dereferenced */
	uint64_t id;                /* new on ADD and MOD: a wait's verdict is for that registration */
	bool disabled;              /* EPOLLONESHOT reported; EPOLL_CTL_MOD re-arms */
	bool gone;                  /* its fd closed behind our back: removed after the look */
	/* edge-triggered only */
	bool stale;                 /* reported, still ready, no news: left out of the sleep */
	bool twin_news;             /* the twin had an edge since the last report */
	uint32_t seen;              /* readiness at the last look */
	uint64_t rx_seq;            /* the socket's arrival count at the last report */
};

struct xs_epoll {
	struct xs_epoll *next;      /* every instance, for closes */
	int refs;                   /* fds naming it, and waits in progress */
	int ket;                    /* edge-triggered twins, or -1 until one is registered */
	bool nested;                /* its fd was added to an epoll: it takes no xsock socket */
	struct ep_item *items;
	int n, cap;
	unsigned int turn;          /* which half reports first: neither starves */
};

/* One wait's look at a registration. */
struct look {
	int idx;
	uint64_t id;
	bool et;
	uint64_t rx_seq;
};

static pthread_mutex_t ep_lock = PTHREAD_MUTEX_INITIALIZER;
static struct slot *chunks[SLOT_CHUNKS];
static struct xs_epoll *instances;
static uint64_t next_id = 1;

static struct slot *slot_of(int fd, bool create)
{
	struct slot *c;

	if (fd < 0 || fd >= SLOT_CHUNK * SLOT_CHUNKS)
		return NULL;
	c = __atomic_load_n(&chunks[fd >> SLOT_SHIFT], __ATOMIC_ACQUIRE);
	if (!c && create) {
		c = calloc(SLOT_CHUNK, sizeof(*c));	/* ep_lock held */
		if (!c)
			return NULL;
		__atomic_store_n(&chunks[fd >> SLOT_SHIFT], c, __ATOMIC_RELEASE);
	}
	return c ? &c[fd & (SLOT_CHUNK - 1)] : NULL;
}

/* Watches fd's twin for edges (op ADD or MOD), or stops (DEL).  Failing
 * costs edges that the arrival count and the readiness bits still see, so
 * errors are not reported.  ep_lock held. */
static void ket_ctl(struct xs_epoll *ep, int op, int fd, uint32_t events)
{
	struct epoll_event ev = { .events = (events & POLL_BITS) | EPOLLET, .data.fd = fd };

	if (ep->ket < 0) {
		if (op == EPOLL_CTL_DEL)
			return;
		ep->ket = epoll_create1(EPOLL_CLOEXEC);
		if (ep->ket < 0)
			return;
	}
	if (epoll_ctl(ep->ket, op, fd, &ev) && errno == ENOENT && op == EPOLL_CTL_MOD)
		epoll_ctl(ep->ket, EPOLL_CTL_ADD, fd, &ev);
}

static void item_del(struct xs_epoll *ep, int i)
{
	struct ep_item *it = &ep->items[i];
	struct slot *sl = slot_of(it->fd, false);

	if ((it->events & EPOLLET) && !it->gone)
		ket_ctl(ep, EPOLL_CTL_DEL, it->fd, 0);
	if (sl)
		__atomic_sub_fetch(&sl->watched, 1, __ATOMIC_RELAXED);
	/* n is read without ep_lock by waits (a hint they check under it) */
	__atomic_store_n(&ep->n, ep->n - 1, __ATOMIC_RELAXED);
	*it = ep->items[ep->n];
}

static int item_find(const struct xs_epoll *ep, int fd)
{
	for (int i = 0; i < ep->n; i++)
		if (ep->items[i].fd == fd)
			return i;
	return -1;
}

/* ep_lock held. */
static void ep_put_locked(struct xs_epoll *ep)
{
	struct xs_epoll **pp;

	if (--ep->refs)
		return;
	for (pp = &instances; *pp; pp = &(*pp)->next)
		if (*pp == ep) {
			*pp = ep->next;
			break;
		}
	if (ep->ket >= 0)
		close(ep->ket);
	ep->ket = -1;
	while (ep->n)
		item_del(ep, ep->n - 1);
	free(ep->items);
	free(ep);
}

static void ep_put(struct xs_epoll *ep)
{
	pthread_mutex_lock(&ep_lock);
	ep_put_locked(ep);
	pthread_mutex_unlock(&ep_lock);
}

/* The instance epfd names, held, or NULL: a kernel epoll fd (or none). */
static struct xs_epoll *ep_get(int epfd)
{
	struct slot *sl = slot_of(epfd, false);
	struct xs_epoll *ep;

	if (!sl || !__atomic_load_n(&sl->ep, __ATOMIC_RELAXED))
		return NULL;
	pthread_mutex_lock(&ep_lock);
	ep = sl->ep;
	if (ep)
		ep->refs++;
	pthread_mutex_unlock(&ep_lock);
	return ep;
}

int xsock_epoll_create1(int flags)
{
	struct xs_epoll *ep;
	struct slot *sl;
	int fd = epoll_create1(flags);

	if (fd < 0)
		return -1;
	ep = calloc(1, sizeof(*ep));
	pthread_mutex_lock(&ep_lock);
	sl = ep ? slot_of(fd, true) : NULL;
	if (!sl) {
		pthread_mutex_unlock(&ep_lock);
		free(ep);
		close(fd);
		errno = ENOMEM;
		return -1;
	}
	if (sl->ep)	/* its fd was closed without xs_epoll_fd_closed() */
		ep_put_locked(sl->ep);
	ep->refs = 1;
	ep->ket = -1;
	ep->next = instances;
	instances = ep;
	__atomic_store_n(&sl->ep, ep, __ATOMIC_RELEASE);
	pthread_mutex_unlock(&ep_lock);
	return fd;
}

int xsock_epoll_create(int size)
{
	if (size <= 0) {
		errno = EINVAL;
		return -1;
	}
	return xsock_epoll_create1(0);
}

/* EPOLL_CTL_* on an xsock socket's registration (index i, or -1);
 * ep_lock held.  Returns 0 or a negative errno, as ep_insert, ep_modify
 * and ep_remove would. */
static int ctl_user(struct xs_epoll *ep, int op, int fd, int i, const struct epoll_event *ev)
{
	const uint32_t exclusive_ok = EPOLLIN | EPOLLOUT | EPOLLRDNORM | EPOLLRDBAND | EPOLLWRNORM |
				      EPOLLWRBAND | EPOLLERR | EPOLLHUP | EPOLLWAKEUP | EPOLLET |
				      EPOLLEXCLUSIVE;
	uint32_t events = ev ? ev->events : 0;
	struct ep_item *it;
	struct slot *sl;

	if (op != EPOLL_CTL_DEL && (events & EPOLLEXCLUSIVE) &&
	    (op == EPOLL_CTL_MOD || (events & ~exclusive_ok)))
		return -EINVAL;
	switch (op) {
	case EPOLL_CTL_ADD:
		if (i >= 0)
			return -EEXIST;
		if (ep->nested)
			return -EOPNOTSUPP;	/* the outer epoll would never see it */
		sl = slot_of(fd, true);
		if (!sl)
			return -ENOMEM;
		if (ep->n == ep->cap) {
			int cap = ep->cap ? 2 * ep->cap : 8;
			struct ep_item *n = realloc(ep->items, (size_t)cap * sizeof(*n));

			if (!n)
				return -ENOMEM;
			ep->items = n;
			ep->cap = cap;
		}
		ep->items[ep->n] = (struct ep_item){
			.fd = fd,
			.events = events | EPOLLERR | EPOLLHUP,
			.data = ev->data,
			.sock = xs_stack_sock_peek(fd),
			.id = next_id++,
		};
		__atomic_store_n(&ep->n, ep->n + 1, __ATOMIC_RELAXED);	/* read unlocked: see item_del() */
		__atomic_add_fetch(&sl->watched, 1, __ATOMIC_RELAXED);
		if (events & EPOLLET)
			ket_ctl(ep, EPOLL_CTL_ADD, fd, events);
		return 0;
	case EPOLL_CTL_MOD:
		if (i < 0)
			return -ENOENT;
		it = &ep->items[i];
		if (it->events & EPOLLEXCLUSIVE)
			return -EINVAL;
		if ((it->events | events) & EPOLLET)
			ket_ctl(ep, (events & EPOLLET) ? EPOLL_CTL_MOD : EPOLL_CTL_DEL, fd, events);
		it->events = events | EPOLLERR | EPOLLHUP;
		it->data = ev->data;
		it->id = next_id++;
		it->disabled = false;
		it->stale = false;
		it->seen = 0;	/* what is ready now is news, as after ep_modify */
		return 0;
	case EPOLL_CTL_DEL:
		if (i < 0)
			return -ENOENT;
		item_del(ep, i);
		return 0;
	}
	return -EINVAL;
}

/* Adding an epoll fd of ours to an epoll: the kernel sees only its kernel
 * half, so one watching xsock sockets cannot be nested, and one nested
 * takes none later.  Returns 0 or -EOPNOTSUPP. */
static int nest(int fd)
{
	struct xs_epoll *inner = ep_get(fd);
	int err = 0;

	if (!inner)
		return 0;
	pthread_mutex_lock(&ep_lock);
	if (inner->n)
		err = -EOPNOTSUPP;
	else
		inner->nested = true;
	ep_put_locked(inner);
	pthread_mutex_unlock(&ep_lock);
	return err;
}

int xsock_epoll_ctl(int epfd, int op, int fd, struct epoll_event *ev)
{
	struct xs_epoll *ep;
	bool forked = xs_stack_forked();
	int i, err;

	if (op == EPOLL_CTL_ADD && fd != epfd && (err = nest(fd))) {
		errno = -err;
		return -1;
	}
	ep = ep_get(epfd);
	if (!ep)
		return epoll_ctl(epfd, op, fd, ev);
	pthread_mutex_lock(&ep_lock);
	i = item_find(ep, fd);
	/* A registration whose socket closed without us seeing it (its fd
	 * number now names something else) is gone, as the kernel's would
	 * be.  In a fork child the table is empty, and the sockets the parent
	 * registered are kernel sockets there, still watched here. */
	if (i >= 0 && !forked && ep->items[i].sock != xs_stack_sock_peek(fd)) {
		ep->items[i].gone = true;
		item_del(ep, i);
		i = -1;
	}
	if (i < 0 && (forked || !xs_stack_owns_fd(fd))) {
		pthread_mutex_unlock(&ep_lock);
		ep_put(ep);
		return epoll_ctl(epfd, op, fd, ev);	/* a kernel fd: the kernel's */
	}
	if (op != EPOLL_CTL_DEL && !ev)
		err = -EFAULT;
	else
		err = ctl_user(ep, op, fd, i, ev);
	ep_put_locked(ep);
	pthread_mutex_unlock(&ep_lock);
	if (err) {
		errno = -err;
		return -1;
	}
	return 0;
}

/* The registrations to look at (enabled; with skip_stale, also not
 * stale), at most room of them, as pollfds; ep_lock held.  *any_stale
 * tells whether one was left out for being stale. */
static int snapshot(struct xs_epoll *ep, struct pollfd *pfd, struct look *lk, int room,
		    bool skip_stale, bool *any_stale)
{
	int k = 0;

	for (int i = 0; i < ep->n && k < room; i++) {
		struct ep_item *it = &ep->items[i];

		if (it->disabled)
			continue;
		if (skip_stale && it->stale) {
			*any_stale = true;
			continue;
		}
		pfd[k] = (struct pollfd){ .fd = it->fd, .events = (short)(it->events & POLL_BITS) };
		lk[k].idx = i;
		lk[k].id = it->id;
		lk[k].et = it->events & EPOLLET;
		lk[k++].rx_seq = 0;
	}
	return k;
}

/* Collects the twins' edges into twin_news; ep_lock held. */
static void collect_twin_edges(struct xs_epoll *ep)
{
	struct epoll_event ev[KET_BATCH];
	int n;

	if (ep->ket < 0)
		return;
	do {
		n = epoll_wait(ep->ket, ev, KET_BATCH, 0);
		for (int j = 0; j < n; j++) {
			int i = item_find(ep, ev[j].data.fd);

			if (i >= 0)
				ep->items[i].twin_news = true;
		}
	} while (n == KET_BATCH);
}

/* The verdicts on one look at the interest list: events into out, at most
 * room.  ep_lock held.  Returns how many. */
static int report_user(struct xs_epoll *ep, const struct pollfd *pfd, const struct look *lk,
		       int k, struct epoll_event *out, int room, bool forked)
{
	int nout = 0, first = k ? (int)(ep->turn % (unsigned int)k) : 0;

	for (int j = 0; j < k; j++) {
		int x = (first + j) % k;
		struct ep_item *it;
		uint32_t ready;

		if (lk[x].idx >= ep->n || ep->items[lk[x].idx].id != lk[x].id)
			continue;	/* changed or removed while we looked */
		it = &ep->items[lk[x].idx];
		if ((pfd[x].revents & POLLNVAL) ||
		    (!forked && it->sock != xs_stack_sock_peek(it->fd))) {
			it->gone = true;	/* closed: gone, as in the kernel */
			continue;
		}
		ready = (uint32_t)(unsigned short)pfd[x].revents & it->events;
		if (!ready) {
			it->seen = 0;
			it->stale = false;
			it->twin_news = false;
			continue;
		}
		if (nout == room)
			continue;
		if (lk[x].et) {
			bool news = (ready & ~it->seen) || lk[x].rx_seq != it->rx_seq || it->twin_news;

			it->seen = ready;
			if (!news) {
				it->stale = true;
				continue;
			}
			it->rx_seq = lk[x].rx_seq;
			it->twin_news = false;
		}
		it->stale = false;
		out[nout].events = ready;
		out[nout++].data = it->data;
		if (it->events & EPOLLONESHOT)
			it->disabled = true;
	}
	for (int i = ep->n - 1; i >= 0; i--)
		if (ep->items[i].gone)
			item_del(ep, i);
	return nout;
}

/* Both halves without sleeping; pfd and lk have room + 1 entries.
 * Returns events or -1. */
static int look(int epfd, struct xs_epoll *ep, struct epoll_event *out, int max,
		struct pollfd *pfd, struct look *lk, int room)
{
	bool forked = xs_stack_forked(), dummy = false, kernel_first;
	int k, nout = 0, r;

	pthread_mutex_lock(&ep_lock);
	k = snapshot(ep, pfd, lk, room, false, &dummy);
	kernel_first = ep->turn++ & 1;
	collect_twin_edges(ep);
	pthread_mutex_unlock(&ep_lock);
	pfd[k] = (struct pollfd){ .fd = epfd, .events = POLLIN };
	if (xsock_poll(pfd, (nfds_t)k + 1, 0) < 0)
		return -1;
	/* The news count moves with datagrams and with every TCP event
	 * (data, space freed by an ACK, FIN, error): read it whenever the
	 * socket is ready for something, or a writer waiting for EPOLLOUT
	 * after EAGAIN would never hear of the space. */
	for (int j = 0; j < k && !forked; j++)
		if (lk[j].et && pfd[j].revents)
			lk[j].rx_seq = xs_stack_rx_seq(pfd[j].fd, xs_stack_sock_peek(pfd[j].fd));
	if (kernel_first && (pfd[k].revents & POLLIN)) {
		r = epoll_wait(epfd, out, max, 0);
		if (r < 0)
			return -1;
		nout = r;
	}
	pthread_mutex_lock(&ep_lock);
	nout += report_user(ep, pfd, lk, k, out + nout, max - nout, forked);
	pthread_mutex_unlock(&ep_lock);
	if (!kernel_first && nout < max && (pfd[k].revents & POLLIN)) {
		r = epoll_wait(epfd, out + nout, max - nout, 0);
		if (r < 0 && !nout)
			return -1;
		if (r > 0)
			nout += r;
	}
	return nout;
}

enum wait_kind { WAIT, PWAIT, PWAIT2 };

/* The kernel half alone, with the call the application made. */
static int kernel_wait(enum wait_kind kind, int epfd, struct epoll_event *out, int max,
		       int timeout_ms, const struct timespec *ts, const sigset_t *sigmask)
{
	switch (kind) {
	case PWAIT:
		return epoll_pwait(epfd, out, max, timeout_ms, sigmask);
	case PWAIT2:
		return epoll_pwait2(epfd, out, max, ts, sigmask);
	default:
		return epoll_wait(epfd, out, max, timeout_ms);
	}
}

static int ep_wait(enum wait_kind kind, int epfd, struct epoll_event *out, int max,
		   int timeout_ms, const struct timespec *ts, const sigset_t *sigmask)
{
	struct pollfd small_pfd[SMALL + 2], *pfd = small_pfd;
	struct look small_lk[SMALL + 2], *lk = small_lk;
	int64_t timeout_ns, deadline = -1;
	int r, room = SMALL;
	struct xs_epoll *ep;

	if (max <= 0 || max > INT_MAX / (int)sizeof(struct epoll_event)) {
		errno = EINVAL;
		return -1;
	}
	ep = ep_get(epfd);
	if (!ep || !__atomic_load_n(&ep->n, __ATOMIC_RELAXED)) {
		if (ep)
			ep_put(ep);
		return kernel_wait(kind, epfd, out, max, timeout_ms, ts, sigmask);
	}
	if (kind == PWAIT2) {
		if (ts && (ts->tv_sec < 0 || ts->tv_nsec < 0 || ts->tv_nsec >= 1000000000L)) {
			ep_put(ep);
			errno = EINVAL;
			return -1;
		}
		timeout_ns = !ts ? -1 : ts->tv_sec > INT64_MAX / 1000000000 - 1 ? -1 :
			     (int64_t)ts->tv_sec * 1000000000 + ts->tv_nsec;
	} else {
		timeout_ns = timeout_ms < 0 ? -1 : (int64_t)timeout_ms * 1000000;
	}
	if (timeout_ns > 0)
		deadline = (int64_t)xs_now_ns() + timeout_ns;
	for (;;) {
		bool any_stale = false;
		int64_t left = -1;
		int k, n, ket;

		n = __atomic_load_n(&ep->n, __ATOMIC_RELAXED);
		if (n > room) {
			struct pollfd *np = malloc((size_t)(n + 2) * sizeof(*np));
			struct look *nl = malloc((size_t)(n + 2) * sizeof(*nl));

			if (!np || !nl) {
				free(np);
				free(nl);
				errno = ENOMEM;
				r = -1;
				break;
			}
			if (pfd != small_pfd) {
				free(pfd);
				free(lk);
			}
			pfd = np;
			lk = nl;
			room = n;
		}
		r = look(epfd, ep, out, max, pfd, lk, room);
		if (r != 0 || timeout_ns == 0)
			break;
		if (deadline >= 0) {
			left = deadline - (int64_t)xs_now_ns();
			if (left <= 0)
				break;
		}
		/* Sleep on the registrations that could end it, the epoll fd
		 * (the kernel half) and the twins' edges. */
		pthread_mutex_lock(&ep_lock);
		k = snapshot(ep, pfd, lk, room, true, &any_stale);
		ket = ep->ket;
		pthread_mutex_unlock(&ep_lock);
		pfd[k++] = (struct pollfd){ .fd = epfd, .events = POLLIN };
		if (ket >= 0)
			pfd[k++] = (struct pollfd){ .fd = ket, .events = POLLIN };
		if (any_stale && (left < 0 || left > STALE_SLICE_NS))
			left = STALE_SLICE_NS;
		r = xs_poll_wait(pfd, (unsigned long)k, left, sigmask);
		if (r < 0)
			break;
	}
	if (pfd != small_pfd) {
		free(pfd);
		free(lk);
	}
	ep_put(ep);
	return r;
}

int xsock_epoll_wait(int epfd, struct epoll_event *events, int maxevents, int timeout)
{
	return ep_wait(WAIT, epfd, events, maxevents, timeout, NULL, NULL);
}

int xsock_epoll_pwait(int epfd, struct epoll_event *events, int maxevents, int timeout,
		      const sigset_t *sigmask)
{
	return ep_wait(PWAIT, epfd, events, maxevents, timeout, NULL, sigmask);
}

int xsock_epoll_pwait2(int epfd, struct epoll_event *events, int maxevents,
		       const struct timespec *timeout, const sigset_t *sigmask)
{
	return ep_wait(PWAIT2, epfd, events, maxevents, 0, timeout, sigmask);
}

bool xs_epoll_fd_known(int fd)
{
	struct slot *sl = slot_of(fd, false);

	return sl && (__atomic_load_n(&sl->ep, __ATOMIC_RELAXED) ||
		      __atomic_load_n(&sl->watched, __ATOMIC_RELAXED));
}

void xs_epoll_fd_closed(int fd)
{
	struct slot *sl = slot_of(fd, false);

	if (!sl || (!__atomic_load_n(&sl->ep, __ATOMIC_RELAXED) &&
		    !__atomic_load_n(&sl->watched, __ATOMIC_RELAXED)))
		return;
	pthread_mutex_lock(&ep_lock);
	if (sl->ep) {
		struct xs_epoll *ep = sl->ep;

		__atomic_store_n(&sl->ep, NULL, __ATOMIC_RELAXED);
		ep_put_locked(ep);
	}
	for (struct xs_epoll *ep = instances; ep && sl->watched; ep = ep->next) {
		int i = item_find(ep, fd);

		if (i >= 0)
			item_del(ep, i);
	}
	pthread_mutex_unlock(&ep_lock);
}

void xs_epoll_range_closed(unsigned int first, unsigned int last)
{
	const unsigned int end = SLOT_CHUNK * SLOT_CHUNKS;

	for (unsigned int fd = first; fd < end && fd <= last; fd++) {
		if (!__atomic_load_n(&chunks[fd >> SLOT_SHIFT], __ATOMIC_ACQUIRE)) {
			fd |= SLOT_CHUNK - 1;	/* nothing in this chunk */
			continue;
		}
		xs_epoll_fd_closed((int)fd);
	}
}

void xs_epoll_fd_dup(int fd, int newfd)
{
	struct slot *sl = slot_of(fd, false), *ns;

	if (!sl || !__atomic_load_n(&sl->ep, __ATOMIC_RELAXED))
		return;
	pthread_mutex_lock(&ep_lock);
	ns = sl->ep ? slot_of(newfd, true) : NULL;
	if (ns) {
		if (ns->ep)
			ep_put_locked(ns->ep);
		sl->ep->refs++;
		__atomic_store_n(&ns->ep, sl->ep, __ATOMIC_RELEASE);
	}
	pthread_mutex_unlock(&ep_lock);
}

static bool fork_locked;

void xs_epoll_atfork_prepare(bool may_lock)
{
	fork_locked = may_lock;
	if (may_lock)
		pthread_mutex_lock(&ep_lock);
}

void xs_epoll_atfork_parent(void)
{
	if (fork_locked)
		pthread_mutex_unlock(&ep_lock);
}

/* The child shares each ket with the parent (an edge one consumes, the
 * other would miss): it gets its own. */
void xs_epoll_atfork_child(void)
{
	if (!fork_locked) {
		/* A thread that is not here may have held it. */
		pthread_mutex_init(&ep_lock, NULL);
		pthread_mutex_lock(&ep_lock);
	}
	fork_locked = false;
	for (struct xs_epoll *ep = instances; ep; ep = ep->next) {
		if (ep->ket < 0)
			continue;
		close(ep->ket);
		ep->ket = -1;
		for (int i = 0; i < ep->n; i++)
			if (ep->items[i].events & EPOLLET)
				ket_ctl(ep, EPOLL_CTL_ADD, ep->items[i].fd, ep->items[i].events);
	}
	pthread_mutex_unlock(&ep_lock);
}
