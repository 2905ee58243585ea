/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * libxsock: BSD sockets over the xsock fast path.
 *
 * Every call is the twin of the libc call of the same name without the
 * prefix: same arguments, same return value, same errno, so porting a
 * program is a rename (or LD_PRELOAD).  There is nothing to initialise: the
 * stack starts on the first call that needs it.
 *
 * Which sockets are fast.  xsock_socket() returns a real file descriptor:
 * a kernel socket of the same family and type (its "kernel twin").  When
 * the socket binds or connects to an address of an interface where xsock
 * is attached (`xsockctl attach IFACE`), the stack opens that interface's
 * AF_XDP sockets, steers the socket's traffic to them and serves the data
 * path in user space; the twin keeps the port reserved in the kernel (so
 * EADDRINUSE, SO_REUSEADDR and ephemeral ports behave exactly as Linux) and
 * carries what the fast path does not: datagrams the kernel reassembled
 * from fragments, ICMP errors, traffic before steering is in place.  A
 * socket on any other interface stays a plain kernel socket.
 * XSOCK_IFACE=name restricts acceleration to one interface.
 *
 * Calls on a file descriptor that is not an xsock socket are passed to
 * libc unchanged, so xsock_close(), xsock_read(), xsock_poll() and the rest
 * work on any fd.
 *
 * Threads: any number of threads may call into the stack at once.
 *
 * Signals: a blocked call ends on a signal as the kernel's would
 * (signal(7)): without SA_RESTART it fails with EINTR; with SA_RESTART it
 * goes on, unless the socket has SO_RCVTIMEO/SO_SNDTIMEO (EINTR) or part
 * of the data has moved (the count).  poll, select and epoll_wait always
 * fail with EINTR.  A handler the kernel runs while the thread sleeps is
 * always seen; one that runs while the call is busy in user space
 * (copying, busy-polling) is seen only if it was installed with
 * xsock_sigaction() (the LD_PRELOAD shim does that for sigaction() and
 * signal()).  See docs/design.md, "Threads and waiting".
 */
#ifndef XSOCK_XSOCK_H
#define XSOCK_XSOCK_H

#include <poll.h>
#include <stddef.h>
#include <sys/socket.h>
#include <sys/types.h>
#include <sys/uio.h>

#ifdef __cplusplus
extern "C" {
#endif

#define XSOCK_API __attribute__((visibility("default")))

/* Declared by <sys/socket.h> and <time.h> only under _GNU_SOURCE / POSIX
 * feature macros; named here so the prototypes mean the same types in
 * every program. */
struct mmsghdr;
struct timespec;

XSOCK_API int xsock_socket(int domain, int type, int protocol);
XSOCK_API int xsock_bind(int fd, const struct sockaddr *addr, socklen_t len);
XSOCK_API int xsock_connect(int fd, const struct sockaddr *addr, socklen_t len);
XSOCK_API int xsock_listen(int fd, int backlog);
XSOCK_API int xsock_accept(int fd, struct sockaddr *addr, socklen_t *len);
XSOCK_API int xsock_accept4(int fd, struct sockaddr *addr, socklen_t *len, int flags);
XSOCK_API int xsock_getsockname(int fd, struct sockaddr *addr, socklen_t *len);
XSOCK_API int xsock_getpeername(int fd, struct sockaddr *addr, socklen_t *len);
XSOCK_API int xsock_shutdown(int fd, int how);
XSOCK_API int xsock_close(int fd);

XSOCK_API ssize_t xsock_send(int fd, const void *buf, size_t len, int flags);
XSOCK_API ssize_t xsock_sendto(int fd, const void *buf, size_t len, int flags,
			       const struct sockaddr *dest, socklen_t dest_len);
XSOCK_API ssize_t xsock_sendmsg(int fd, const struct msghdr *msg, int flags);
XSOCK_API int xsock_sendmmsg(int fd, struct mmsghdr *msgvec, unsigned int vlen, int flags);
XSOCK_API ssize_t xsock_write(int fd, const void *buf, size_t len);
XSOCK_API ssize_t xsock_writev(int fd, const struct iovec *iov, int iovcnt);

/* sendfile(2) into an xsock socket: the file's bytes are read and sent
 * (the kernel's zero-copy path does not reach the stack); any other out_fd
 * goes to sendfile(2). */
XSOCK_API ssize_t xsock_sendfile(int out_fd, int in_fd, off_t *offset, size_t count);

/* splice(2) between a pipe and an xsock socket, either way: the bytes are
 * copied through the stack, and the side that gives them up gives only
 * what the other took.  Any other pair goes to splice(2). */
XSOCK_API ssize_t xsock_splice(int fd_in, off_t *off_in, int fd_out, off_t *off_out, size_t len,
			       unsigned int flags);

XSOCK_API ssize_t xsock_recv(int fd, void *buf, size_t len, int flags);
XSOCK_API ssize_t xsock_recvfrom(int fd, void *buf, size_t len, int flags,
				 struct sockaddr *src, socklen_t *src_len);
XSOCK_API ssize_t xsock_recvmsg(int fd, struct msghdr *msg, int flags);
XSOCK_API int xsock_recvmmsg(int fd, struct mmsghdr *msgvec, unsigned int vlen, int flags,
			     struct timespec *timeout);
XSOCK_API ssize_t xsock_read(int fd, void *buf, size_t len);
XSOCK_API ssize_t xsock_readv(int fd, const struct iovec *iov, int iovcnt);

XSOCK_API int xsock_getsockopt(int fd, int level, int name, void *val, socklen_t *len);
XSOCK_API int xsock_setsockopt(int fd, int level, int name, const void *val, socklen_t len);
XSOCK_API int xsock_fcntl(int fd, int cmd, ... /* arg */);
XSOCK_API int xsock_ioctl(int fd, unsigned long request, ... /* arg */);
XSOCK_API int xsock_poll(struct pollfd *fds, nfds_t nfds, int timeout);

/* Not libc twins: */

/* Whether fd is an xsock socket (1), and if so whether its data path is
 * currently the fast path (2), or 0 for any other fd. */
XSOCK_API int xsock_is_accelerated(int fd);

/* sigaction(2), with the handler run behind a wrapper that tells the
 * stack it ran (the same handler, arguments, flags and mask; oldact
 * reports what the application installed).  Use it for the handlers that
 * should interrupt blocked xsock calls exactly as the kernel's calls. */
struct sigaction;
XSOCK_API int xsock_sigaction(int sig, const struct sigaction *act, struct sigaction *oldact);

#ifdef __cplusplus
}
#endif

/* Multiplexing over any mix of xsock sockets and kernel fds.
 *
 * The kernel cannot see what the stack queued for an xsock socket, so
 * waiting on one needs these calls (or xsock_poll()); with kernel fds alone
 * they are the libc calls.  An epoll instance made by xsock_epoll_create1()
 * is a kernel epoll fd, which watches the kernel fds, plus an interest list
 * in libxsock for the xsock sockets: level- and edge-triggered,
 * EPOLLONESHOT, EPOLLRDHUP and EPOLLEXCLUSIVE (accepted; every waiter
 * wakes), the kernel's errors, and data returned exactly as registered.
 * Only xsock_epoll_* calls see that list: poll(2) or select(2) on the epoll
 * fd, or an epoll fd inside another, reflect its kernel fds only.  An
 * edge-triggered xsock socket reports again when a readiness bit comes on
 * that was off at the previous look, or the stack queued a new datagram.
 * A registration ends with EPOLL_CTL_DEL, or when its socket closes: call
 * EPOLL_CTL_DEL before xsock_close(), which the epoll layer does not see.
 * docs/preload.md has the details. */
#include <signal.h>
#include <sys/select.h>

#ifdef __cplusplus
extern "C" {
#endif

struct epoll_event;
struct timeval;

XSOCK_API int xsock_epoll_create(int size);
XSOCK_API int xsock_epoll_create1(int flags);
XSOCK_API int xsock_epoll_ctl(int epfd, int op, int fd, struct epoll_event *event);
XSOCK_API int xsock_epoll_wait(int epfd, struct epoll_event *events, int maxevents, int timeout);
XSOCK_API int xsock_epoll_pwait(int epfd, struct epoll_event *events, int maxevents, int timeout,
				const sigset_t *sigmask);
XSOCK_API int xsock_epoll_pwait2(int epfd, struct epoll_event *events, int maxevents,
				 const struct timespec *timeout, const sigset_t *sigmask);
/* fd_set of any size, as the kernel reads it; select writes back the time
 * left, as Linux does. */
XSOCK_API int xsock_select(int nfds, fd_set *readfds, fd_set *writefds, fd_set *exceptfds,
			   struct timeval *timeout);
XSOCK_API int xsock_pselect(int nfds, fd_set *readfds, fd_set *writefds, fd_set *exceptfds,
			    const struct timespec *timeout, const sigset_t *sigmask);
XSOCK_API int xsock_ppoll(struct pollfd *fds, nfds_t nfds, const struct timespec *timeout,
			  const sigset_t *sigmask);

#ifdef __cplusplus
}
#endif
#endif /* XSOCK_XSOCK_H */
