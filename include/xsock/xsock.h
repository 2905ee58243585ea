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

#ifdef __cplusplus
}
#endif
#endif /* XSOCK_XSOCK_H */
