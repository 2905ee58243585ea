// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * Process-level hooks for the LD_PRELOAD shim: what fork() does to the
 * stack, and the per-process busy-poll override (xsock-run --busy-poll).
 *
 * fork.  The child gets a copy of the stack's memory and of its fds, but
 * the AF_XDP rings are shared memory and the steering rules name the
 * parent: a child that polled the rings would take the parent's frames,
 * and one that closed a socket (or just exited: atexit) would delete the
 * parent's rules.  So the child detaches: its xsock sockets become the
 * kernel sockets they also are (the twins), and it drops its references to
 * the AF_XDP sockets -- descriptors and ring mappings -- so that when the
 * parent exits they close and the XSKMAP lets the traffic go back to the
 * kernel, where the child's twins receive it.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/mman.h>
#include <sys/stat.h>

#include "api/shim.h"
#include "api/stack.h"
#include "api/stream.h"
#include "dev/dev.h"

#define MAX_XSK_FDS 64

static bool forked;
static bool prepare_locked;

bool xs_stack_forked(void)
{
	return __atomic_load_n(&forked, __ATOMIC_RELAXED);
}

void xs_stack_atfork_prepare(bool may_lock)
{
	struct xs_stack *st = xs_stack_peek();

	prepare_locked = false;
	if (st && may_lock && !forked) {
		pthread_mutex_lock(&st->lock);
		prepare_locked = true;
	}
}

void xs_stack_atfork_parent(void)
{
	if (prepare_locked) {
		/* Listening sockets are shared with the child now, and only
		 * the kernel can serve one socket to two processes. */
		xs_stream_forked(xs_stack_peek());
		pthread_mutex_unlock(&xs_stack_peek()->lock);
	}
	prepare_locked = false;
}

/* The AF_XDP socket fds of every opened interface (each queue's, and the
 * device's wait fd).  Lock held. */
static int xsk_fds(struct xs_stack *st, int *fds, int max)
{
	int n = 0;

	for (int i = 0; i < st->nifs; i++) {
		struct xs_dev *dev = st->ifs[i].ifnet.dev;
		struct xs_xdp_queue_info qi;

		if (n < max)
			fds[n++] = xs_dev_fd(dev);
		if (xs_xdp_dev__queue_info(dev, 0, &qi))
			continue;	/* not an AF_XDP device (unit tests) */
		for (uint32_t q = 0; q < xs_xdp_dev__queues(dev) && n < max; q++)
			if (!xs_xdp_dev__queue_info(dev, q, &qi) && qi.fd != fds[n - 1])
				fds[n++] = qi.fd;
	}
	return n;
}

/* Whether one line of /proc/self/maps maps one of these sockets ("...
 * socket:[INODE]"), and its range. */
static bool maps_socket(const char *line, const ino_t *inos, int n,
			unsigned long *lo, unsigned long *hi)
{
	const char *sock = strstr(line, "socket:[");
	unsigned long ino;

	if (!sock || sscanf(sock, "socket:[%lu]", &ino) != 1 ||
	    sscanf(line, "%lx-%lx", lo, hi) != 2)
		return false;
	for (int i = 0; i < n; i++)
		if (inos[i] == (ino_t)ino)
			return true;
	return false;
}

/* Unmaps every mapping of the sockets with these inode numbers: a mapped
 * ring holds its socket open after its fd closes. */
static void unmap_sockets(const ino_t *inos, int n)
{
	struct { unsigned long lo, hi; } ranges[MAX_XSK_FDS * 4];
	char buf[4096], *line, *end;
	size_t have = 0;
	ssize_t r;
	int nr = 0, fd;

	fd = open("/proc/self/maps", O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return;
	/* Collect first, unmap after: unmapping changes the file. */
	while ((r = read(fd, buf + have, sizeof(buf) - 1 - have)) > 0) {
		have += (size_t)r;
		line = buf;
		while ((end = memchr(line, '\n', (size_t)(buf + have - line)))) {
			*end = 0;
			if (nr < (int)(sizeof(ranges) / sizeof(ranges[0])) &&
			    maps_socket(line, inos, n, &ranges[nr].lo, &ranges[nr].hi))
				nr++;
			line = end + 1;
		}
		have -= (size_t)(line - buf);
		memmove(buf, line, have);
		if (have == sizeof(buf) - 1)
			have = 0;	/* a line longer than the buffer: a path, not ours */
	}
	close(fd);
	for (int i = 0; i < nr; i++)
		munmap((void *)ranges[i].lo, ranges[i].hi - ranges[i].lo);
}

void xs_stack_atfork_child(void)
{
	struct xs_stack *st = xs_stack_peek();
	int fds[MAX_XSK_FDS], n, ni = 0;
	ino_t inos[MAX_XSK_FDS];
	uint64_t left;

	__atomic_store_n(&forked, true, __ATOMIC_RELAXED);
	if (!st)
		return;
	/* The lock is ours (prepare), or was held by a thread that does not
	 * exist here and never will unlock it. */
	if (!prepare_locked) {
		pthread_mutex_init(&st->lock, NULL);
		pthread_mutex_lock(&st->lock);
	}
	prepare_locked = false;
	n = xsk_fds(st, fds, MAX_XSK_FDS);
	for (int i = 0; i < n; i++) {
		struct stat sb;

		if (fds[i] >= 0 && fstat(fds[i], &sb) == 0 && S_ISSOCK(sb.st_mode))
			inos[ni++] = sb.st_ino;
	}
	unmap_sockets(inos, ni);
	for (int i = 0; i < n; i++)
		if (fds[i] >= 0)
			close(fds[i]);
	/* The child's table is empty: its sockets answer as kernel sockets,
	 * and stack_exit() at its exit finds no rule to remove.  The walk
	 * stops at the last entry: the rest of a table sized for a million
	 * fds has never been touched, and writing it would copy it. */
	left = st->sockets + (uint64_t)xs_fd_alias_count();
	for (int fd = 0; fd < st->nfds && left; fd++)
		if (st->fds[fd]) {
			st->fds[fd] = NULL;
			left--;
		}
	xs_fd_alias_reset();
	st->sockets = 0;
	st->nifs = 0;
	st->nrules = 0;
	st->nwaiting = 0;
	st->nsig = 0;
	/* The parent's sleepers and orphans are not the child's (and the
	 * child has no helper thread: it has no xsock socket either). */
	st->sleepers = 0;
	st->overflow = 0;
	st->npollers = 0;
	st->orphans = NULL;
	pthread_mutex_unlock(&st->lock);
}

void xs_stack_busy_poll_override(uint32_t us)
{
	struct xs_stack *st = xs_stack_peek();

	/* A plain read first: the override is usually in place already. */
	if (!st || __atomic_load_n(&st->busy_poll_us, __ATOMIC_RELAXED) == us)
		return;
	pthread_mutex_lock(&st->lock);
	st->busy_poll_us = us;
	pthread_mutex_unlock(&st->lock);
}
