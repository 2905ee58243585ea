// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * select, pselect and ppoll over any mix of xsock sockets and kernel fds,
 * on top of xsock_poll() (poll.c), which knows what the stack queued.
 * Calls that name no xsock socket go straight to libc.
 *
 * The signal-mask variants cannot hand their mask to xsock_poll(): they
 * check readiness without waiting (xsock_poll(..., 0)) and sleep in
 * ppoll(2) under the caller's mask, on the caller's fds plus the stack's
 * AF_XDP fds, so a signal the mask lets through interrupts the sleep as
 * it would interrupt the kernel's own pselect.  Another thread may take
 * our frames off the rings and queue them for us, which makes no AF_XDP
 * fd readable: the thread's eventfd, which every delivery writes while it
 * sleeps, is in the set too (as in xsock_poll()), and what else may change
 * a socket is looked at every 10 ms.
 */
#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <sys/select.h>

#include "api/shim.h"
#include "api/stack.h"
#include "xsock/xsock.h"

#define SLICE_NS 10000000LL
#define NS 1000000000LL

/* What select(2) counts as readable, writable and exceptional
 * (fs/select.c: POLLIN_SET, POLLOUT_SET, POLLEX_SET). */
#define SEL_IN  (POLLRDNORM | POLLRDBAND | POLLIN | POLLHUP | POLLERR)
#define SEL_OUT (POLLWRBAND | POLLWRNORM | POLLOUT | POLLERR)
#define SEL_EX  (POLLPRI)

static int64_t mono_ns(void)
{
	return (int64_t)xs_now_ns();
}

static int ns_to_ms(int64_t ns)
{
	if (ns < 0)
		return -1;
	ns = (ns + 999999) / 1000000;
	return ns > INT_MAX ? INT_MAX : (int)ns;
}

static struct timespec ns_to_ts(int64_t ns)
{
	return (struct timespec){ (time_t)(ns / NS), (long)(ns % NS) };
}

/* -1 (no timeout), or the timeout in ns; -EINVAL when it is malformed. */
static int64_t ts_to_ns(const struct timespec *ts)
{
	if (!ts)
		return -1;
	if (ts->tv_sec < 0 || ts->tv_nsec < 0 || ts->tv_nsec >= NS)
		return -EINVAL;
	if (ts->tv_sec >= (INT64_MAX - NS) / NS)
		return -1;	/* longer than anyone waits */
	return (int64_t)ts->tv_sec * NS + ts->tv_nsec;
}

int xs_poll_wait(struct pollfd *fds, unsigned long nfds, int64_t timeout_ns,
		 const sigset_t *sigmask)
{
	struct pollfd small[16], *all = small;
	int64_t deadline, now, spin_until;
	int devs[XS_STACK_MAX_IFNETS];
	struct xs_stack *st;
	int r, ndev;

	if (!sigmask)
		return xsock_poll(fds, nfds, ns_to_ms(timeout_ns));
	if (!xs_stack_owns_any(fds, nfds)) {
		struct timespec ts = ns_to_ts(timeout_ns);

		return ppoll(fds, nfds, timeout_ns < 0 ? NULL : &ts, sigmask);
	}
	st = xs_stack_peek();
	now = mono_ns();
	deadline = timeout_ns < 0 ? -1 : now + timeout_ns;
	spin_until = now + (int64_t)__atomic_load_n(&st->busy_poll_us, __ATOMIC_RELAXED) * 1000;
	if (nfds + XS_STACK_MAX_IFNETS + 1 > sizeof(small) / sizeof(small[0])) {
		all = calloc(nfds + XS_STACK_MAX_IFNETS + 1, sizeof(*all));
		if (!all) {
			errno = ENOMEM;
			return -1;
		}
	}
	for (;;) {
		uint64_t seen = xs_stack_deliveries(st);
		unsigned long k = nfds;
		int64_t slice;
		struct timespec ts;
		int efd;

		r = xsock_poll(fds, nfds, 0);
		if (r != 0 || timeout_ns == 0)
			break;
		now = mono_ns();
		if (deadline >= 0 && now >= deadline)
			break;
		if (now < spin_until)
			continue;
		/* The caller's mask applies only to the sleep: no signal it
		 * lets through is lost between the look and the sleep. */
		memcpy(all, fds, nfds * sizeof(*all));
		efd = xs_stack_poll_sleep_begin(st, seen, devs, &ndev);
		if (efd == -EAGAIN)
			continue;	/* something came since the look */
		for (int i = 0; i < ndev; i++)
			all[k++] = (struct pollfd){ .fd = devs[i], .events = POLLIN };
		if (efd >= 0)
			all[k++] = (struct pollfd){ .fd = efd, .events = POLLIN };
		slice = deadline < 0 ? SLICE_NS : deadline - now;
		if (slice > SLICE_NS)
			slice = SLICE_NS;
		ts = ns_to_ts(slice);
		r = ppoll(all, k, &ts, sigmask);
		xs_stack_poll_sleep_end(st, efd);
		if (r < 0)
			break;
	}
	if (all != small)
		free(all);
	return r;
}

int xsock_ppoll(struct pollfd *fds, nfds_t nfds, const struct timespec *timeout,
		const sigset_t *sigmask)
{
	int64_t ns = ts_to_ns(timeout);

	if (!xs_stack_owns_any(fds, nfds))
		return ppoll(fds, nfds, timeout, sigmask);
	if (ns == -EINVAL) {
		errno = EINVAL;
		return -1;
	}
	/* Without a mask this is poll with a finer timeout. */
	return xs_poll_wait(fds, nfds, ns, sigmask);
}

/* fd_set as the kernel reads it: nfds bits of longs, any size. */
#define BITS_PER_LONG (8 * (int)sizeof(unsigned long))

static bool bit_get(const fd_set *set, int fd)
{
	const unsigned long *w = (const unsigned long *)set;

	return set && (w[fd / BITS_PER_LONG] >> (fd % BITS_PER_LONG)) & 1;
}

static void bit_set(fd_set *set, int fd)
{
	unsigned long *w = (unsigned long *)set;

	w[fd / BITS_PER_LONG] |= 1UL << (fd % BITS_PER_LONG);
}

static void bits_zero(fd_set *set, int nfds)
{
	if (set)
		memset(set, 0, (size_t)(nfds + BITS_PER_LONG - 1) / BITS_PER_LONG * sizeof(long));
}

static bool sets_name_xsock(int nfds, fd_set *r, fd_set *w, fd_set *e)
{
	if (!xs_stack_peek())
		return false;
	for (int fd = 0; fd < nfds; fd++)
		if ((bit_get(r, fd) || bit_get(w, fd) || bit_get(e, fd)) && xs_stack_owns_fd(fd))
			return true;
	return false;
}

/* select over poll: returns the number of bits left set, or -1 with errno
 * (EBADF for a closed fd, as select checks before waiting). */
static int select_wait(int nfds, fd_set *r, fd_set *w, fd_set *e, int64_t timeout_ns,
		       const sigset_t *sigmask)
{
	int64_t deadline = timeout_ns < 0 ? -1 : mono_ns() + timeout_ns;
	struct pollfd *pfd;
	int n = 0, count, rc;

	pfd = calloc(nfds ? (size_t)nfds : 1, sizeof(*pfd));
	if (!pfd) {
		errno = ENOMEM;
		return -1;
	}
	for (int fd = 0; fd < nfds; fd++) {
		short ev = 0;

		if (bit_get(r, fd))
			ev |= POLLIN | POLLRDNORM | POLLRDBAND;
		if (bit_get(w, fd))
			ev |= POLLOUT | POLLWRNORM | POLLWRBAND;
		if (bit_get(e, fd))
			ev |= POLLPRI;
		if (ev)
			pfd[n++] = (struct pollfd){ .fd = fd, .events = ev };
	}
	for (;;) {
		int64_t left = deadline < 0 ? -1 : deadline - mono_ns();

		rc = xs_poll_wait(pfd, (unsigned long)n, deadline >= 0 && left < 0 ? 0 : left, sigmask);
		if (rc < 0)
			goto out;
		count = 0;
		for (int i = 0; i < n; i++) {
			short re = pfd[i].revents, ev = pfd[i].events;

			if (re & POLLNVAL) {
				errno = EBADF;
				rc = -1;
				goto out;
			}
			if (((ev & POLLIN) && (re & SEL_IN)) || ((ev & POLLOUT) && (re & SEL_OUT)) ||
			    ((ev & POLLPRI) && (re & SEL_EX)))
				count++;
			else if (re)	/* news select does not report (POLLHUP on a write-only fd) */
				pfd[i].fd = ~pfd[i].fd;	/* poll skips it from now on */
		}
		if (count || rc == 0)
			break;
	}
	bits_zero(r, nfds);
	bits_zero(w, nfds);
	bits_zero(e, nfds);
	count = 0;
	for (int i = 0; i < n; i++) {
		short re = pfd[i].revents, ev = pfd[i].events;
		int fd = pfd[i].fd < 0 ? ~pfd[i].fd : pfd[i].fd;

		if ((ev & POLLIN) && (re & SEL_IN)) {
			bit_set(r, fd);
			count++;
		}
		if ((ev & POLLOUT) && (re & SEL_OUT)) {
			bit_set(w, fd);
			count++;
		}
		if ((ev & POLLPRI) && (re & SEL_EX)) {
			bit_set(e, fd);
			count++;
		}
	}
	rc = count;
out:
	free(pfd);
	return rc;
}

int xsock_select(int nfds, fd_set *r, fd_set *w, fd_set *e, struct timeval *timeout)
{
	int64_t ns = -1, deadline;
	int rc;

	if (nfds < 0 || !sets_name_xsock(nfds, r, w, e))
		return select(nfds, r, w, e, timeout);
	if (timeout) {
		if (timeout->tv_sec < 0 || timeout->tv_usec < 0) {
			errno = EINVAL;
			return -1;
		}
		/* The kernel carries whole seconds out of tv_usec. */
		ns = (int64_t)timeout->tv_sec * NS + (int64_t)timeout->tv_usec * 1000;
		if (timeout->tv_sec >= (INT64_MAX - NS) / NS - 1)
			ns = -1;
	}
	deadline = ns < 0 ? -1 : mono_ns() + ns;
	rc = select_wait(nfds, r, w, e, ns, NULL);
	if (timeout && ns >= 0) {
		/* Linux writes back the time not slept. */
		int64_t left = deadline - mono_ns();

		if (left < 0)
			left = 0;
		timeout->tv_sec = (time_t)(left / NS);
		timeout->tv_usec = (suseconds_t)(left % NS / 1000);
	}
	return rc;
}

int xsock_pselect(int nfds, fd_set *r, fd_set *w, fd_set *e, const struct timespec *timeout,
		  const sigset_t *sigmask)
{
	int64_t ns;

	if (nfds < 0 || !sets_name_xsock(nfds, r, w, e))
		return pselect(nfds, r, w, e, timeout, sigmask);
	ns = ts_to_ns(timeout);
	if (ns == -EINVAL) {
		errno = EINVAL;
		return -1;
	}
	return select_wait(nfds, r, w, e, ns, sigmask);
}
