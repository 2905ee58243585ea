// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * dup copies of xsock sockets, for the LD_PRELOAD shim.  A copy made by
 * dup, dup2, dup3 or F_DUPFD is a kernel copy of the twin, so the kernel
 * sees one open socket; the stack files the copy's fd number under the
 * same xs_sock, so data the stack queued is read through any copy, and
 * keeps the copies of each socket on a ring.  Closing a copy only takes it
 * off the ring; the last one closes the socket (xsock_close()).  The
 * socket's own fd (s->fd, the fd every twin system call uses) is always a
 * member: when it closes first another member takes over.
 *
 * Everything here runs under the stack lock, except the libc calls that
 * may block (closing a file can) and xsock_close(), which takes it itself.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <unistd.h>

#include "api/shim.h"
#include "api/stack.h"
#include "xsock/xsock.h"

/* next[fd] - 1 is the next copy of fd's socket; 0 when fd has no copies.
 * Allocated on the first copy, sized like the fd table. */
static int *next;
static int copies;                  /* fds filed by ring_add(), as the table counts none */

static int ring_next(int fd)
{
	return next ? next[fd] - 1 : -1;
}

/* Puts newfd on s's ring (next to fd, a member), filing it under s.  Lock
 * held.  Returns false when newfd cannot be filed: it stays a kernel fd. */
static bool ring_add(struct xs_stack *st, struct xs_sock *s, int fd, int newfd)
{
	struct xs_sock *stale;

	if (newfd >= st->nfds)
		return false;
	/* The kernel just gave out newfd, so a socket still filed there was
	 * closed behind libxsock's back (fclose, close_range): its steering
	 * goes, the memory stays (nothing tells who else points at it). */
	stale = st->fds[newfd];
	if (stale && stale != s) {
		xs_sock_unsteer(st, stale);
		xs_stack_sock_del(st, stale);
	}
	if (!next) {
		next = calloc((size_t)st->nfds, sizeof(*next));
		if (!next)
			return false;
	}
	if (!next[fd])
		next[fd] = fd + 1;	/* a ring of one */
	next[newfd] = next[fd];
	next[fd] = newfd + 1;
	__atomic_store_n(&st->fds[newfd], s, __ATOMIC_RELEASE);
	copies++;
	return true;
}

/* Takes fd off its ring and out of the table; s->fd moves to another
 * member if it was fd.  fd must have copies.  Lock held. */
static void ring_del(struct xs_stack *st, struct xs_sock *s, int fd)
{
	int prev = fd, after = ring_next(fd);

	while (ring_next(prev) != fd)
		prev = ring_next(prev);
	next[prev] = after == prev ? 0 : after + 1;	/* a ring of one is no ring */
	next[fd] = 0;
	__atomic_store_n(&st->fds[fd], NULL, __ATOMIC_RELEASE);
	copies--;
	if (s->fd == fd)
		s->fd = prev;
}

/* Files s under to instead of from (both fd numbers), a socket with no
 * copies.  Lock held. */
static void relabel(struct xs_stack *st, struct xs_sock *s, int from, int to)
{
	__atomic_store_n(&st->fds[to], s, __ATOMIC_RELEASE);
	__atomic_store_n(&st->fds[from], NULL, __ATOMIC_RELEASE);
	s->fd = to;
}

/* The xsock socket fd names with the lock held, or NULL with nothing held;
 * a socket on its way out (a close is under way) counts as none. */
static struct xs_sock *sock_lock(int fd, struct xs_stack **stp)
{
	struct xs_sock *s = xs_sock_lock(fd, stp);

	if (s && s->fd_closing) {
		pthread_mutex_unlock(&(*stp)->lock);
		return NULL;
	}
	return s;
}

static int libc_dup(int oldfd, int cmd, int minfd)
{
	return cmd ? fcntl(oldfd, cmd, minfd) : dup(oldfd);
}

int xs_fd_dup(int oldfd, int cmd, int minfd)
{
	struct xs_stack *st;
	struct xs_sock *s = sock_lock(oldfd, &st);
	int newfd;

	if (!s)
		return libc_dup(oldfd, cmd, minfd);
	/* Under the lock: oldfd cannot close (and its number be reused)
	 * between the copy and the filing. */
	newfd = libc_dup(oldfd, cmd, minfd);
	if (newfd >= 0)
		ring_add(st, s, oldfd, newfd);
	pthread_mutex_unlock(&st->lock);
	return newfd;
}

int xs_fd_dup3(int oldfd, int newfd, int flags, bool dup2_semantics)
{
	struct xs_stack *st;
	struct xs_sock *s, *gone;
	int tmp = -1, r;
	bool unlinked = false;

	if (oldfd == newfd) {
		if (!dup2_semantics) {
			errno = EINVAL;
			return -1;
		}
		return fcntl(oldfd, F_GETFD) < 0 ? -1 : newfd;
	}
	/* The errors dup3 would give, before anything changes. */
	if (fcntl(oldfd, F_GETFD) < 0 || newfd < 0) {
		errno = EBADF;
		return -1;
	}
	if (flags & ~O_CLOEXEC) {
		errno = EINVAL;
		return -1;
	}
	/* newfd's socket loses that name, without newfd ever being free for
	 * another thread to take: a copy just leaves its ring; a socket
	 * without copies moves to a spare fd, closed once dup3 is done. */
	gone = sock_lock(newfd, &st);
	if (gone) {
		if (ring_next(newfd) >= 0) {
			ring_del(st, gone, newfd);
			unlinked = true;
		} else {
			tmp = fcntl(newfd, F_DUPFD_CLOEXEC, 0);
			if (tmp < 0 || tmp >= st->nfds) {
				if (tmp >= 0)
					close(tmp);
				pthread_mutex_unlock(&st->lock);
				errno = EMFILE;
				return -1;
			}
			relabel(st, gone, newfd, tmp);
		}
		pthread_mutex_unlock(&st->lock);
	}
	r = dup2_semantics ? dup2(oldfd, newfd) : dup3(oldfd, newfd, flags);
	if (r < 0) {
		int err = errno;

		if (gone && (s = xs_sock_lock(tmp >= 0 ? tmp : gone->fd, &st))) {
			if (tmp >= 0) {
				relabel(st, s, tmp, newfd);
				pthread_mutex_unlock(&st->lock);
				close(tmp);
			} else {
				if (unlinked)
					ring_add(st, s, s->fd, newfd);
				pthread_mutex_unlock(&st->lock);
			}
		}
		errno = err;
		return -1;
	}
	s = sock_lock(oldfd, &st);
	if (s) {
		ring_add(st, s, oldfd, newfd);
		pthread_mutex_unlock(&st->lock);
	}
	if (tmp >= 0)
		xsock_close(tmp);
	return r;
}

int xs_fd_close(int fd)
{
	struct xs_stack *st;
	struct xs_sock *s = xs_sock_lock(fd, &st);

	if (!s)
		return close(fd);
	if (ring_next(fd) >= 0) {
		ring_del(st, s, fd);
		pthread_mutex_unlock(&st->lock);
		return close(fd);
	}
	/* The last copy: from here no dup files a new one (sock_lock()). */
	s->fd_closing = true;
	pthread_mutex_unlock(&st->lock);
	return xsock_close(fd);
}

int xs_fd_alias_count(void)
{
	return copies;
}

void xs_fd_alias_reset(void)
{
	free(next);
	next = NULL;
	copies = 0;
}
