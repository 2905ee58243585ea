/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * What the LD_PRELOAD shim (user/preload/) and the multiplexing calls
 * (epoll.c, select.c) need from the stack beyond the BSD calls: a look at
 * the fd table that takes no lock, dup copies of xsock sockets, the fork
 * child's detach and the per-process busy-poll override.
 *
 * Lock-free means what it says: these are called from inside libxdp and
 * libbpf while the stack lock is held (by the thread itself), so they may
 * read the fd table but never wait for the lock.
 */
#ifndef XS_API_SHIM_H
#define XS_API_SHIM_H

#include <poll.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>

/* fdcheck.c ------------------------------------------------------------ */

/* Whether fd is an xsock socket of this process's stack; takes no lock.
 * The answer can be stale by the time it is used (another thread closes
 * fd): callers use it to pick a path, and the xsock_* call they pick checks
 * again under the lock. */
bool xs_stack_owns_fd(int fd);

/* The socket fd names, as an identity to compare (never dereferenced), or
 * NULL; takes no lock. */
const void *xs_stack_sock_peek(int fd);

/* The fd table's size: no xsock socket has an fd at or above it (0 before
 * the stack starts). */
int xs_stack_fd_limit(void);

/* Whether any of fds is an xsock socket; takes no lock. */
bool xs_stack_owns_any(const struct pollfd *fds, unsigned long nfds);

/* How many datagrams the stack has queued on fd's socket since it opened
 * (a count that only grows), or 0 when fd is not the socket `sock`.  Takes
 * the stack lock: never call it with the lock held. */
uint64_t xs_stack_rx_seq(int fd, const void *sock);

/* The AF_XDP fds to sleep on (POLLIN) besides the caller's own: up to max
 * are written to fds.  Takes the stack lock.  Returns how many. */
int xs_stack_dev_fds(int *fds, int max);

/* fdalias.c ------------------------------------------------------------ */

/* dup(2), F_DUPFD/F_DUPFD_CLOEXEC (cmd, minfd) and dup2(2)/dup3(2) (dup2
 * selects the dup2 semantics of oldfd == newfd).  A copy of an xsock socket
 * names the same xsock socket (its data comes from the stack too); the
 * socket goes when its last copy closes (xs_fd_close()).  Any other fd is
 * copied by libc alone.  Return and errno as libc. */
int xs_fd_dup(int oldfd, int cmd, int minfd);
int xs_fd_dup3(int oldfd, int newfd, int flags, bool dup2);

/* close(2) with dup copies counted: the last copy of an xsock socket closes
 * it (xsock_close()); others only close the fd. */
int xs_fd_close(int fd);

/* How many fds the table holds for copies (beyond one per socket); lock
 * held. */
int xs_fd_alias_count(void);

/* Forgets every copy (the fork child's detach, lock held). */
void xs_fd_alias_reset(void);

/* shim.c --------------------------------------------------------------- */

/* pthread_atfork handlers.  prepare takes the stack lock so the child
 * copies a consistent stack, unless may_lock is false (the thread is inside
 * the stack already: fork from a signal handler or a library callback).
 * The child drops every xsock socket from its table (they stay open as the
 * kernel sockets they are: their twins), closes and unmaps its copies of
 * the AF_XDP sockets, so the parent alone serves and owns the steering, and
 * never touches the BPF maps. */
void xs_stack_atfork_prepare(bool may_lock);
void xs_stack_atfork_parent(void);
void xs_stack_atfork_child(void);

/* True in a child made by fork() after the handlers above ran: the stack
 * serves nothing there and new sockets are kernel sockets. */
bool xs_stack_forked(void);

/* Holds the stack's busy-poll time at us for this process, over the value
 * the interface's config map gives it when an interface opens or the map
 * changes.  Cheap when nothing needs doing: the shim calls it after the
 * calls that may open an interface. */
void xs_stack_busy_poll_override(uint32_t us);

/* select.c ------------------------------------------------------------- */

/* xsock_poll() with a timeout in nanoseconds (-1: none) and, like ppoll(2),
 * a signal mask to wait under (NULL: the thread's own).  Returns as
 * poll(2). */
int xs_poll_wait(struct pollfd *fds, unsigned long nfds, int64_t timeout_ns,
		 const sigset_t *sigmask);

/* epoll.c -------------------------------------------------------------- */

/* fd is being closed (or replaced by dup2): drops it from the user-space
 * interest lists, and frees the epoll instance if fd was the last fd
 * naming one.  Lock-free and cheap for an fd that is neither. */
void xs_epoll_fd_closed(int fd);

/* Whether fd is an epoll instance of ours or in an interest list; takes
 * no lock. */
bool xs_epoll_fd_known(int fd);

/* Every fd in [first, last] is being closed (close_range): as
 * xs_epoll_fd_closed() for each. */
void xs_epoll_range_closed(unsigned int first, unsigned int last);

/* fd is being duplicated to newfd: an epoll instance gets a second name. */
void xs_epoll_fd_dup(int fd, int newfd);

/* The fork child keeps its copies of the interest lists but must not wait
 * for a lock a thread of the parent held. */
void xs_epoll_atfork_prepare(bool may_lock);
void xs_epoll_atfork_parent(void);
void xs_epoll_atfork_child(void);

#endif
