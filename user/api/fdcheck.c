// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * Looks at the stack's fd table from outside the socket calls: the
 * LD_PRELOAD shim asks, for every libc call it intercepts, whether the fd
 * is an xsock socket, and it asks from inside libxdp and libbpf too, while
 * the stack lock is held; so the checks here read the table with atomic
 * loads and no lock.  The stack publishes itself (xs_stack_peek()) only
 * after the table exists, and its size never changes.  In a fork child
 * no fd is an xsock socket.
 */
#include "api/shim.h"

#include "api/stack.h"

static struct xs_sock *sock_peek(int fd)
{
	struct xs_stack *st = xs_stack_peek();

	/* A fork child serves nothing (shim.c), whatever its table says. */
	if (!st || fd < 0 || fd >= st->nfds || xs_stack_forked())
		return NULL;
	return __atomic_load_n(&st->fds[fd], __ATOMIC_RELAXED);
}

bool xs_stack_owns_fd(int fd)
{
	return sock_peek(fd) != NULL;
}

const void *xs_stack_sock_peek(int fd)
{
	return sock_peek(fd);
}

int xs_stack_fd_limit(void)
{
	struct xs_stack *st = xs_stack_peek();

	return st ? st->nfds : 0;
}

bool xs_stack_owns_any(const struct pollfd *fds, unsigned long nfds)
{
	if (!xs_stack_peek())
		return false;
	for (unsigned long i = 0; i < nfds; i++)
		if (sock_peek(fds[i].fd))
			return true;
	return false;
}

uint64_t xs_stack_rx_seq(int fd, const void *sock)
{
	struct xs_stack *st = xs_stack_peek();
	struct xs_sock *s;
	uint64_t seq = 0;

	if (!st)
		return 0;
	pthread_mutex_lock(&st->lock);
	s = xs_stack_sock(st, fd);
	if (s && s == sock)
		seq = s->udp.rx_dgrams + s->news;	/* datagrams, and TCP's events */
	pthread_mutex_unlock(&st->lock);
	return seq;
}

int xs_stack_dev_fds(int *fds, int max)
{
	struct xs_stack *st = xs_stack_peek();
	int n = 0;

	if (!st)
		return 0;
	pthread_mutex_lock(&st->lock);
	for (int i = 0; i < st->nifs && n < max; i++)
		fds[n++] = xs_dev_fd(st->ifs[i].ifnet.dev);
	pthread_mutex_unlock(&st->lock);
	return n;
}
