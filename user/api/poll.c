// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * xsock_poll over any mix of xsock sockets and kernel fds.  The kernel's
 * poll(2) answers for every fd (an xsock socket's fd is its kernel twin:
 * POLLOUT, POLLERR and datagrams the kernel holds); the stack adds POLLIN
 * for sockets with queued datagrams.  Waiting spins for the busy-poll time,
 * then sleeps in poll(2) with the AF_XDP fds added to the set, and the
 * thread's eventfd that every delivery writes while it sleeps
 * (xs_stack_poll_sleep_begin()): another thread -- the helper, or one
 * blocked in recv -- may take our frames off the rings and queue them for
 * us, which makes no AF_XDP fd readable.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "api/calls.h"
#include "api/stream.h"
#include "xsock/xsock.h"

#define POLL_STACK_FDS 64

/* What the stack adds to the kernel's answer: POLLIN for queued datagrams,
 * and for stream connections the whole answer (their twins know nothing
 * of them: *kernel[i] is cleared).  Returns whether any fd is the stack's.
 * Lock held. */
static int stack_revents(struct xs_stack *st, struct pollfd *fds, nfds_t nfds, short *extra,
			 bool *kernel)
{
	int any = 0;

	for (nfds_t i = 0; i < nfds; i++) {
		struct xs_sock *s = xs_stack_sock(st, fds[i].fd);

		extra[i] = 0;
		kernel[i] = true;
		if (!s || !s->accelerated)
			continue;
		any = 1;
		if (s->stream)
			extra[i] = xs_stream_revents(s, fds[i].events, &kernel[i]);
		else if (s->udp.q_count || s->udp.shut_rd)
			extra[i] = (short)(fds[i].events & (POLLIN | POLLRDNORM));
	}
	return any;
}

int xsock_poll(struct pollfd *fds, nfds_t nfds, int timeout)
{
	struct xs_stack *st = xs_stack_peek();
	struct pollfd *all = NULL, *kfds = NULL;
	short small[POLL_STACK_FDS], *extra = small;
	bool ksmall[POLL_STACK_FDS], *kernel = ksmall;
	uint64_t deadline = 0, spin_until;
	int rc;

	if (!st)
		return poll(fds, nfds, timeout);
	if (nfds > POLL_STACK_FDS) {
		extra = malloc(nfds * sizeof(*extra));
		kernel = malloc(nfds * sizeof(*kernel));
		if (!extra || !kernel) {
			free(extra);
			free(kernel);
			return poll(fds, nfds, timeout);
		}
	}
	pthread_mutex_lock(&st->lock);
	if (!stack_revents(st, fds, nfds, extra, kernel)) {
		pthread_mutex_unlock(&st->lock);
		if (extra != small) {
			free(extra);
			free(kernel);
		}
		return poll(fds, nfds, timeout);
	}
	/* the kernel is asked about the fds it knows: stream connections are
	 * left out (a negative fd is ignored, revents 0) */
	kfds = malloc(nfds * sizeof(*kfds));
	if (!kfds) {
		pthread_mutex_unlock(&st->lock);
		rc = -1;
		errno = ENOMEM;
		goto out;
	}
	spin_until = xs_now_ns() + (uint64_t)st->busy_poll_us * 1000;
	if (timeout > 0)
		deadline = xs_now_ns() + (uint64_t)timeout * 1000000;
	for (;;) {
		uint64_t seen = xs_stack_deliveries(st);
		int n = 0;

		xs_stack_poll(st, xs_now_ns());
		stack_revents(st, fds, nfds, extra, kernel);
		pthread_mutex_unlock(&st->lock);
		for (nfds_t i = 0; i < nfds; i++) {
			kfds[i] = fds[i];
			if (!kernel[i])
				kfds[i].fd = -1;
		}
		rc = poll(kfds, nfds, 0);
		if (rc < 0)
			goto out;
		for (nfds_t i = 0; i < nfds; i++) {
			fds[i].revents = (short)(kfds[i].revents | extra[i]);
			n += fds[i].revents != 0;
		}
		if (n || timeout == 0) {
			rc = n;
			goto out;
		}
		uint64_t now = xs_now_ns();

		if (deadline && now >= deadline) {
			rc = 0;
			goto out;
		}
		if (now >= spin_until) {
			/* Sleep on the caller's fds, the AF_XDP fds and our
			 * eventfd. */
			int devs[XS_STACK_MAX_IFNETS], ndev = 0, slice = -1, efd;
			nfds_t k = nfds;

			if (!all) {
				all = calloc(nfds + XS_STACK_MAX_IFNETS + 1, sizeof(*all));
				if (!all) {
					rc = -1;
					errno = ENOMEM;
					goto out;
				}
			}
			memcpy(all, kfds, nfds * sizeof(*all));
			efd = xs_stack_poll_sleep_begin(st, seen, devs, &ndev);
			if (efd != -EAGAIN) {
				for (int i = 0; i < ndev; i++)
					all[k++] = (struct pollfd){ .fd = devs[i], .events = POLLIN };
				if (efd >= 0)
					all[k++] = (struct pollfd){ .fd = efd, .events = POLLIN };
				if (deadline)
					slice = (int)((deadline - now + 999999) / 1000000);
				/* Deliveries wake us; what else may change a
				 * socket (a TCP timer) is looked at every 10 ms,
				 * and every 10 ms without the eventfd. */
				if (slice < 0 || slice > 10)
					slice = 10;
				rc = poll(all, k, slice);
				xs_stack_poll_sleep_end(st, efd);
				if (rc < 0)
					goto out;
			}
		}
		pthread_mutex_lock(&st->lock);
	}
out:
	if (extra != small) {
		free(extra);
		free(kernel);
	}
	free(kfds);
	free(all);
	return rc;
}
