// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * libxsock-preload.so: the libc socket calls of an unmodified program,
 * served by libxsock (LD_PRELOAD=libxsock-preload.so, or xsock-run).
 *
 * Each exported libc name forwards to its xsock_* twin when the call is
 * the application's and concerns an xsock socket; every other call goes to
 * libc untouched.  The shim is libxsock's own objects linked with this file,
 * after the Makefile renamed their calls to the names in real.def into
 * xs_real_NAME (defined here: libc's NAME), so the stack's own socket(),
 * poll() and close() on its twins and eventfds never come back here.
 *
 * Calls that do come back are those other libraries make while the stack
 * is at work on this thread -- libxdp and libbpf creating, configuring and
 * closing AF_XDP and netlink sockets, sometimes with the stack lock held --
 * and those of a signal handler that interrupted it.  A per-thread depth
 * counter sends them to libc without a look at the stack; and every check
 * here that an fd is an xsock socket reads the fd table without its lock
 * (api/fdcheck.c).
 *
 * docs/preload.md says what is interposed, and what dup, fork and exec do.
 */
#include <dlfcn.h>
#include <errno.h>
#include <linux/close_range.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdlib.h>
#include <sys/epoll.h>
#include <sys/ioctl.h>
#include <sys/select.h>
#include <sys/sendfile.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <unistd.h>

#include "api/shim.h"
#include "api/warn.h"
#include "xsock/xsock.h"

#define XS_EXPORT __attribute__((visibility("default")))

/* With _GNU_SOURCE, glibc declares the sockaddr arguments as transparent
 * unions: the definitions below must match, and unwrap them. */
#if defined(__cplusplus) || !defined(__USE_GNU)
#define SA(a) (a)
#else
#define SA(a) ((a).__sockaddr__)
#endif

/* ---- libc, for libxsock's own calls ------------------------------------ */

#define XS_REAL(name, ret, params, args)                                        \
	static ret(*real_##name) params;                                         \
	ret xs_real_##name params;                                               \
	ret xs_real_##name params                                                \
	{                                                                        \
		ret(*f) params = __atomic_load_n(&real_##name, __ATOMIC_RELAXED); \
		if (!f) {                                                        \
			f = (ret(*) params)dlsym(RTLD_NEXT, #name);              \
			if (!f) {                                                \
				errno = ENOSYS;                                  \
				return -1;                                       \
			}                                                        \
			__atomic_store_n(&real_##name, f, __ATOMIC_RELAXED);     \
		}                                                                \
		return f args;                                                   \
	}
#define XS_REAL_VA(name, ret, params, last, args)                               \
	static ret(*real_##name) params;                                         \
	ret xs_real_##name params;                                               \
	ret xs_real_##name params                                                \
	{                                                                        \
		ret(*f) params = __atomic_load_n(&real_##name, __ATOMIC_RELAXED); \
		va_list ap;                                                      \
		void *arg;                                                       \
                                                                                 \
		va_start(ap, last);                                              \
		arg = va_arg(ap, void *);                                        \
		va_end(ap);                                                      \
		if (!f) {                                                        \
			f = (ret(*) params)dlsym(RTLD_NEXT, #name);              \
			if (!f) {                                                \
				errno = ENOSYS;                                  \
				return -1;                                       \
			}                                                        \
			__atomic_store_n(&real_##name, f, __ATOMIC_RELAXED);     \
		}                                                                \
		return f args;                                                   \
	}
#define XS_REAL_VOID(name, params, args)                                        \
	static void(*real_##name) params;                                        \
	void xs_real_##name params;                                              \
	void xs_real_##name params                                               \
	{                                                                        \
		void(*f) params = __atomic_load_n(&real_##name, __ATOMIC_RELAXED); \
		if (!f) {                                                        \
			f = (void(*) params)dlsym(RTLD_NEXT, #name);             \
			if (!f)                                                  \
				return;                                          \
			__atomic_store_n(&real_##name, f, __ATOMIC_RELAXED);     \
		}                                                                \
		f args;                                                          \
	}
#include "preload/real.def"
#undef XS_REAL
#undef XS_REAL_VA
#undef XS_REAL_VOID

/* glibc's fortified entry points (_FORTIFY_SOURCE) that packaged programs
 * call instead of read, recv, recvfrom, poll and ppoll. */
extern void __chk_fail(void) __attribute__((noreturn));
XS_EXPORT ssize_t __read_chk(int fd, void *buf, size_t len, size_t buflen);
XS_EXPORT ssize_t __recv_chk(int fd, void *buf, size_t len, size_t buflen, int flags);
XS_EXPORT ssize_t __recvfrom_chk(int fd, void *buf, size_t len, size_t buflen, int flags,
				 struct sockaddr *addr, socklen_t *alen);
XS_EXPORT int __poll_chk(struct pollfd *fds, nfds_t nfds, int timeout, size_t fdslen);
XS_EXPORT int __ppoll_chk(struct pollfd *fds, nfds_t nfds, const struct timespec *timeout,
			  const sigset_t *sigmask, size_t fdslen);
XS_EXPORT int fcntl64(int fd, int cmd, ...);
XS_EXPORT int epoll_pwait2(int epfd, struct epoll_event *ev, int max,
			   const struct timespec *timeout, const sigset_t *sigmask);

/* ---- state ------------------------------------------------------------- */

/* How deep this thread is inside the stack: calls made from there (by
 * libxdp, libbpf, a signal handler) go straight to libc.  initial-exec:
 * the shim is loaded at start-up, and the access must not allocate. */
static __thread unsigned int depth __attribute__((tls_model("initial-exec")));

static bool busy_poll_set;
static uint32_t busy_poll_us;

/* The process the shim's state belongs to.  A child that shares its
 * memory without the fork handlers having run -- vfork() or
 * posix_spawn()'s clone, which Python's subprocess uses, and which close
 * fds before exec -- must not close the parent's sockets or rewrite its
 * tables: its closes and dups go to libc alone. */
static pid_t shim_pid;

static bool foreign_process(void)
{
	return getpid() != __atomic_load_n(&shim_pid, __ATOMIC_RELAXED);
}

/* fd is an xsock socket or something an epoll instance of ours knows. */
static bool fd_known(int fd)
{
	return xs_stack_owns_fd(fd) || xs_epoll_fd_known(fd);
}

/* The stack serves fd for this call. */
static inline bool ours(int fd)
{
	return !depth && xs_stack_owns_fd(fd);
}

/* After a call that may have opened an interface: XSOCK_BUSY_POLL_US wins
 * over the interface's config map. */
static inline void tune(void)
{
	if (busy_poll_set)
		xs_stack_busy_poll_override(busy_poll_us);
}

/* A call on an xsock socket, with the depth counted. */
#define XSOCK_CALL(expr)              \
	({                            \
		__typeof__(expr) r_;  \
		depth++;              \
		r_ = (expr);          \
		depth--;              \
		tune();               \
		r_;                   \
	})

/* ---- sockets ----------------------------------------------------------- */

XS_EXPORT int socket(int domain, int type, int protocol)
{
	int r;

	/* Only IP sockets can be xsock sockets: AF_XDP, netlink and unix
	 * sockets (libxdp's, libbpf's, the application's) never are. */
	if (depth || (domain != AF_INET && domain != AF_INET6) || xs_stack_forked())
		return xs_real_socket(domain, type, protocol);
	depth++;
	r = xsock_socket(domain, type, protocol);
	depth--;
	tune();
	return r;
}

XS_EXPORT int bind(int fd, __CONST_SOCKADDR_ARG addr, socklen_t len)
{
	if (!ours(fd))
		return xs_real_bind(fd, SA(addr), len);
	return XSOCK_CALL(xsock_bind(fd, SA(addr), len));
}

XS_EXPORT int listen(int fd, int backlog)
{
	if (!ours(fd))
		return xs_real_listen(fd, backlog);
	return XSOCK_CALL(xsock_listen(fd, backlog));
}

XS_EXPORT int accept(int fd, __SOCKADDR_ARG addr, socklen_t *restrict len)
{
	if (!ours(fd))
		return xs_real_accept(fd, SA(addr), len);
	return XSOCK_CALL(xsock_accept(fd, SA(addr), len));
}

XS_EXPORT int accept4(int fd, __SOCKADDR_ARG addr, socklen_t *restrict len, int flags)
{
	if (!ours(fd))
		return xs_real_accept4(fd, SA(addr), len, flags);
	return XSOCK_CALL(xsock_accept4(fd, SA(addr), len, flags));
}

XS_EXPORT int connect(int fd, __CONST_SOCKADDR_ARG addr, socklen_t len)
{
	if (!ours(fd))
		return xs_real_connect(fd, SA(addr), len);
	return XSOCK_CALL(xsock_connect(fd, SA(addr), len));
}

XS_EXPORT int getsockname(int fd, __SOCKADDR_ARG addr, socklen_t *restrict len)
{
	if (!ours(fd))
		return xs_real_getsockname(fd, SA(addr), len);
	return XSOCK_CALL(xsock_getsockname(fd, SA(addr), len));
}

XS_EXPORT int getpeername(int fd, __SOCKADDR_ARG addr, socklen_t *restrict len)
{
	if (!ours(fd))
		return xs_real_getpeername(fd, SA(addr), len);
	return XSOCK_CALL(xsock_getpeername(fd, SA(addr), len));
}

XS_EXPORT int shutdown(int fd, int how)
{
	if (!ours(fd))
		return xs_real_shutdown(fd, how);
	return XSOCK_CALL(xsock_shutdown(fd, how));
}

XS_EXPORT int getsockopt(int fd, int level, int name, void *restrict val,
			 socklen_t *restrict len)
{
	if (!ours(fd))
		return xs_real_getsockopt(fd, level, name, val, len);
	return XSOCK_CALL(xsock_getsockopt(fd, level, name, val, len));
}

XS_EXPORT int setsockopt(int fd, int level, int name, const void *val, socklen_t len)
{
	if (!ours(fd))
		return xs_real_setsockopt(fd, level, name, val, len);
	return XSOCK_CALL(xsock_setsockopt(fd, level, name, val, len));
}

/* ---- data -------------------------------------------------------------- */

XS_EXPORT ssize_t send(int fd, const void *buf, size_t len, int flags)
{
	if (!ours(fd))
		return xs_real_send(fd, buf, len, flags);
	return XSOCK_CALL(xsock_send(fd, buf, len, flags));
}

XS_EXPORT ssize_t sendto(int fd, const void *buf, size_t len, int flags,
			 __CONST_SOCKADDR_ARG addr, socklen_t alen)
{
	if (!ours(fd))
		return xs_real_sendto(fd, buf, len, flags, SA(addr), alen);
	return XSOCK_CALL(xsock_sendto(fd, buf, len, flags, SA(addr), alen));
}

XS_EXPORT ssize_t sendmsg(int fd, const struct msghdr *msg, int flags)
{
	if (!ours(fd))
		return xs_real_sendmsg(fd, msg, flags);
	return XSOCK_CALL(xsock_sendmsg(fd, msg, flags));
}

XS_EXPORT int sendmmsg(int fd, struct mmsghdr *vec, unsigned int vlen, int flags)
{
	if (!ours(fd))
		return xs_real_sendmmsg(fd, vec, vlen, flags);
	return XSOCK_CALL(xsock_sendmmsg(fd, vec, vlen, flags));
}

XS_EXPORT ssize_t write(int fd, const void *buf, size_t len)
{
	if (!ours(fd))
		return xs_real_write(fd, buf, len);
	return XSOCK_CALL(xsock_write(fd, buf, len));
}

XS_EXPORT ssize_t writev(int fd, const struct iovec *iov, int iovcnt)
{
	if (!ours(fd))
		return xs_real_writev(fd, iov, iovcnt);
	return XSOCK_CALL(xsock_writev(fd, iov, iovcnt));
}

XS_EXPORT ssize_t sendfile(int out_fd, int in_fd, off_t *offset, size_t count)
{
	if (!ours(out_fd))
		return xs_real_sendfile(out_fd, in_fd, offset, count);
	return XSOCK_CALL(xsock_sendfile(out_fd, in_fd, offset, count));
}

XS_EXPORT ssize_t sendfile64(int out_fd, int in_fd, off_t *offset, size_t count)
{
	if (!ours(out_fd))
		return xs_real_sendfile64(out_fd, in_fd, offset, count);
	return XSOCK_CALL(xsock_sendfile(out_fd, in_fd, offset, count));
}

XS_EXPORT ssize_t splice(int fd_in, off_t *off_in, int fd_out, off_t *off_out, size_t len,
			 unsigned int flags)
{
	if (!ours(fd_in) && !ours(fd_out))
		return xs_real_splice(fd_in, off_in, fd_out, off_out, len, flags);
	return XSOCK_CALL(xsock_splice(fd_in, off_in, fd_out, off_out, len, flags));
}

XS_EXPORT ssize_t recv(int fd, void *buf, size_t len, int flags)
{
	if (!ours(fd))
		return xs_real_recv(fd, buf, len, flags);
	return XSOCK_CALL(xsock_recv(fd, buf, len, flags));
}

XS_EXPORT ssize_t recvfrom(int fd, void *restrict buf, size_t len, int flags,
			   __SOCKADDR_ARG addr, socklen_t *restrict alen)
{
	if (!ours(fd))
		return xs_real_recvfrom(fd, buf, len, flags, SA(addr), alen);
	return XSOCK_CALL(xsock_recvfrom(fd, buf, len, flags, SA(addr), alen));
}

XS_EXPORT ssize_t recvmsg(int fd, struct msghdr *msg, int flags)
{
	if (!ours(fd))
		return xs_real_recvmsg(fd, msg, flags);
	return XSOCK_CALL(xsock_recvmsg(fd, msg, flags));
}

XS_EXPORT int recvmmsg(int fd, struct mmsghdr *vec, unsigned int vlen, int flags,
		       struct timespec *timeout)
{
	if (!ours(fd))
		return xs_real_recvmmsg(fd, vec, vlen, flags, timeout);
	return XSOCK_CALL(xsock_recvmmsg(fd, vec, vlen, flags, timeout));
}

XS_EXPORT ssize_t read(int fd, void *buf, size_t len)
{
	if (!ours(fd))
		return xs_real_read(fd, buf, len);
	return XSOCK_CALL(xsock_read(fd, buf, len));
}

XS_EXPORT ssize_t readv(int fd, const struct iovec *iov, int iovcnt)
{
	if (!ours(fd))
		return xs_real_readv(fd, iov, iovcnt);
	return XSOCK_CALL(xsock_readv(fd, iov, iovcnt));
}

XS_EXPORT ssize_t __read_chk(int fd, void *buf, size_t len, size_t buflen)
{
	if (len > buflen)
		__chk_fail();
	return read(fd, buf, len);
}

XS_EXPORT ssize_t __recv_chk(int fd, void *buf, size_t len, size_t buflen, int flags)
{
	if (len > buflen)
		__chk_fail();
	return recv(fd, buf, len, flags);
}

XS_EXPORT ssize_t __recvfrom_chk(int fd, void *buf, size_t len, size_t buflen, int flags,
				 struct sockaddr *addr, socklen_t *alen)
{
	if (len > buflen)
		__chk_fail();
	return recvfrom(fd, buf, len, flags, addr, alen);
}

/* ---- descriptors ------------------------------------------------------- */

XS_EXPORT int close(int fd)
{
	if (depth || !fd_known(fd) || foreign_process())
		return xs_real_close(fd);
	xs_epoll_fd_closed(fd);
	if (!xs_stack_owns_fd(fd))
		return xs_real_close(fd);
	return XSOCK_CALL(xs_fd_close(fd));
}

/* close_range(2) and closefrom(3) close each xsock socket (and each fd an
 * epoll watches) in the range the way close() does first.  With
 * CLOSE_RANGE_UNSHARE the closes happen in a private fd table, with
 * CLOSE_RANGE_CLOEXEC not at all: nothing to do. */
static void closing_range(unsigned int first, unsigned int last)
{
	unsigned int lim = (unsigned int)xs_stack_fd_limit();

	for (unsigned int fd = first; fd < lim && fd <= last; fd++)
		if (xs_stack_owns_fd((int)fd)) {
			xs_epoll_fd_closed((int)fd);
			XSOCK_CALL(xs_fd_close((int)fd));
		}
	xs_epoll_range_closed(first, last);
}

XS_EXPORT int close_range(unsigned int first, unsigned int last, int flags)
{
	if (!depth && !(flags & (CLOSE_RANGE_UNSHARE | CLOSE_RANGE_CLOEXEC)) && first <= last &&
	    !foreign_process())
		closing_range(first, last);
	return xs_real_close_range(first, last, flags);
}

XS_EXPORT void closefrom(int lowfd)
{
	if (!depth && lowfd >= 0 && !foreign_process())
		closing_range((unsigned int)lowfd, ~0U);
	xs_real_closefrom(lowfd);
}

/* F_DUPFD and F_DUPFD_CLOEXEC are dups; F_SETFL and the O_ASYNC owner
 * calls reach the stack; the rest is the kernel's. */
static int do_fcntl(int fd, int cmd, void *arg, bool is64)
{
	int r;

	if (depth)
		return is64 ? xs_real_fcntl64(fd, cmd, arg) : xs_real_fcntl(fd, cmd, arg);
	if (cmd == F_DUPFD || cmd == F_DUPFD_CLOEXEC) {
		if (!fd_known(fd) || foreign_process())
			return xs_real_fcntl(fd, cmd, arg);
		if (xs_stack_owns_fd(fd)) {
			depth++;
			r = xs_fd_dup(fd, cmd, (int)(intptr_t)arg);
			depth--;
		} else {
			r = xs_real_fcntl(fd, cmd, arg);
		}
		if (r >= 0)
			xs_epoll_fd_dup(fd, r);
		return r;
	}
	if (!xs_stack_owns_fd(fd))
		return is64 ? xs_real_fcntl64(fd, cmd, arg) : xs_real_fcntl(fd, cmd, arg);
	return XSOCK_CALL(xsock_fcntl(fd, cmd, arg));
}

XS_EXPORT int fcntl(int fd, int cmd, ...)
{
	va_list ap;
	void *arg;

	va_start(ap, cmd);
	arg = va_arg(ap, void *);
	va_end(ap);
	return do_fcntl(fd, cmd, arg, false);
}

XS_EXPORT int fcntl64(int fd, int cmd, ...)
{
	va_list ap;
	void *arg;

	va_start(ap, cmd);
	arg = va_arg(ap, void *);
	va_end(ap);
	return do_fcntl(fd, cmd, arg, true);
}

XS_EXPORT int ioctl(int fd, unsigned long request, ...)
{
	va_list ap;
	void *arg;

	va_start(ap, request);
	arg = va_arg(ap, void *);
	va_end(ap);
	if (!ours(fd))
		return xs_real_ioctl(fd, request, arg);
	return XSOCK_CALL(xsock_ioctl(fd, request, arg));
}

XS_EXPORT int dup(int fd)
{
	int r;

	if (depth || !fd_known(fd) || foreign_process())
		return xs_real_dup(fd);
	if (xs_stack_owns_fd(fd)) {
		depth++;
		r = xs_fd_dup(fd, 0, 0);
		depth--;
	} else {
		r = xs_real_dup(fd);
	}
	if (r >= 0)
		xs_epoll_fd_dup(fd, r);
	return r;
}

static int do_dup3(int fd, int newfd, int flags, bool is_dup2)
{
	int r;

	if (depth || (!fd_known(fd) && !fd_known(newfd)) || foreign_process())
		return is_dup2 ? xs_real_dup2(fd, newfd) : xs_real_dup3(fd, newfd, flags);
	if (xs_stack_owns_fd(fd) || xs_stack_owns_fd(newfd)) {
		depth++;
		r = xs_fd_dup3(fd, newfd, flags, is_dup2);
		depth--;
	} else {
		r = is_dup2 ? xs_real_dup2(fd, newfd) : xs_real_dup3(fd, newfd, flags);
	}
	if (r >= 0 && fd != newfd) {
		/* newfd's old file is gone; it now names fd's. */
		xs_epoll_fd_closed(newfd);
		xs_epoll_fd_dup(fd, newfd);
	}
	return r;
}

XS_EXPORT int dup2(int fd, int newfd)
{
	return do_dup3(fd, newfd, 0, true);
}

XS_EXPORT int dup3(int fd, int newfd, int flags)
{
	return do_dup3(fd, newfd, flags, false);
}

/* The work is in the pthread_atfork handlers (preload_init()), which also
 * run for the forks libc makes itself (daemon(), forkpty()). */
XS_EXPORT pid_t fork(void)
{
	return xs_real_fork();
}

/* ---- waiting ----------------------------------------------------------- */

/* glibc declares poll's fds write-only (__attr_access), so reading the
 * events the caller wrote looks like a read of uninitialised memory. */
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"

XS_EXPORT int poll(struct pollfd *fds, nfds_t nfds, int timeout)
{
	int r;

	if (depth || !xs_stack_owns_any(fds, nfds))
		return xs_real_poll(fds, nfds, timeout);
	depth++;
	r = xsock_poll(fds, nfds, timeout);
	depth--;
	return r;
}

XS_EXPORT int ppoll(struct pollfd *fds, nfds_t nfds, const struct timespec *timeout,
		    const sigset_t *sigmask)
{
	int r;

	if (depth || !xs_stack_owns_any(fds, nfds))
		return xs_real_ppoll(fds, nfds, timeout, sigmask);
	depth++;
	r = xsock_ppoll(fds, nfds, timeout, sigmask);
	depth--;
	return r;
}

#pragma GCC diagnostic pop

XS_EXPORT int __poll_chk(struct pollfd *fds, nfds_t nfds, int timeout, size_t fdslen)
{
	if (fdslen / sizeof(*fds) < nfds)
		__chk_fail();
	return poll(fds, nfds, timeout);
}

XS_EXPORT int __ppoll_chk(struct pollfd *fds, nfds_t nfds, const struct timespec *timeout,
			  const sigset_t *sigmask, size_t fdslen)
{
	if (fdslen / sizeof(*fds) < nfds)
		__chk_fail();
	return ppoll(fds, nfds, timeout, sigmask);
}

XS_EXPORT int select(int nfds, fd_set *restrict r, fd_set *restrict w, fd_set *restrict e,
		     struct timeval *restrict timeout)
{
	int rc;

	if (depth)
		return xs_real_select(nfds, r, w, e, timeout);
	depth++;
	rc = xsock_select(nfds, r, w, e, timeout);
	depth--;
	return rc;
}

XS_EXPORT int pselect(int nfds, fd_set *restrict r, fd_set *restrict w, fd_set *restrict e,
		      const struct timespec *restrict timeout, const sigset_t *restrict sigmask)
{
	int rc;

	if (depth)
		return xs_real_pselect(nfds, r, w, e, timeout, sigmask);
	depth++;
	rc = xsock_pselect(nfds, r, w, e, timeout, sigmask);
	depth--;
	return rc;
}

/* Every epoll instance the application makes is an xsock one: an xsock
 * socket may join it later. */
XS_EXPORT int epoll_create(int size)
{
	int r;

	if (depth)
		return xs_real_epoll_create(size);
	depth++;
	r = xsock_epoll_create(size);
	depth--;
	return r;
}

XS_EXPORT int epoll_create1(int flags)
{
	int r;

	if (depth)
		return xs_real_epoll_create1(flags);
	depth++;
	r = xsock_epoll_create1(flags);
	depth--;
	return r;
}

XS_EXPORT int epoll_ctl(int epfd, int op, int fd, struct epoll_event *ev)
{
	int r;

	if (depth)
		return xs_real_epoll_ctl(epfd, op, fd, ev);
	depth++;
	r = xsock_epoll_ctl(epfd, op, fd, ev);
	depth--;
	return r;
}

XS_EXPORT int epoll_wait(int epfd, struct epoll_event *ev, int max, int timeout)
{
	int r;

	if (depth)
		return xs_real_epoll_wait(epfd, ev, max, timeout);
	depth++;
	r = xsock_epoll_wait(epfd, ev, max, timeout);
	depth--;
	return r;
}

XS_EXPORT int epoll_pwait(int epfd, struct epoll_event *ev, int max, int timeout,
			  const sigset_t *sigmask)
{
	int r;

	if (depth)
		return xs_real_epoll_pwait(epfd, ev, max, timeout, sigmask);
	depth++;
	r = xsock_epoll_pwait(epfd, ev, max, timeout, sigmask);
	depth--;
	return r;
}

XS_EXPORT int epoll_pwait2(int epfd, struct epoll_event *ev, int max,
			   const struct timespec *timeout, const sigset_t *sigmask)
{
	int r;

	if (depth)
		return xs_real_epoll_pwait2(epfd, ev, max, timeout, sigmask);
	depth++;
	r = xsock_epoll_pwait2(epfd, ev, max, timeout, sigmask);
	depth--;
	return r;
}

/* ---- start-up ---------------------------------------------------------- */

static void on_prepare(void)
{
	xs_stack_atfork_prepare(!depth);
	xs_epoll_atfork_prepare(!depth);
}

static void on_parent(void)
{
	xs_epoll_atfork_parent();
	xs_stack_atfork_parent();
}

static void on_child(void)
{
	__atomic_store_n(&shim_pid, getpid(), __ATOMIC_RELAXED);
	xs_epoll_atfork_child();
	xs_stack_atfork_child();
}

/* ---- signal handlers ------------------------------------------------------ */

/* Handlers go in through xsock_sigaction(), so that one which runs while a
 * call is busy in user space ends that call as the kernel would (api/signal.c). */
XS_EXPORT int sigaction(int sig, const struct sigaction *act, struct sigaction *oldact)
{
	if (depth)
		return xs_real_sigaction(sig, act, oldact);
	return xsock_sigaction(sig, act, oldact);
}

/* glibc's signal(): BSD semantics, SA_RESTART and the signal itself
 * blocked while its handler runs.  (glibc's own calls it through an
 * internal name the shim cannot see.) */
static sighandler_t bsd_signal_of(int sig, sighandler_t handler)
{
	struct sigaction act = { .sa_handler = handler, .sa_flags = SA_RESTART }, old;

	if (handler == SIG_ERR || sig <= 0 || sig >= _NSIG) {
		errno = EINVAL;
		return SIG_ERR;
	}
	sigemptyset(&act.sa_mask);
	sigaddset(&act.sa_mask, sig);
	if (sigaction(sig, &act, &old) < 0)
		return SIG_ERR;
	return old.sa_handler;
}

XS_EXPORT sighandler_t signal(int sig, sighandler_t handler)
{
	return bsd_signal_of(sig, handler);
}

XS_EXPORT sighandler_t bsd_signal(int sig, sighandler_t handler);
XS_EXPORT sighandler_t bsd_signal(int sig, sighandler_t handler)
{
	return bsd_signal_of(sig, handler);
}

/* Resolves libc's calls now, while the process is single-threaded (a
 * call made before this runs, from another library's constructor,
 * resolves on first use).  dlsym may allocate; the shim does not replace
 * malloc, so that cannot come back here.  The stack itself starts on the
 * first IP socket, not here: a program that opens none pays nothing. */
__attribute__((constructor)) static void preload_init(void)
{
	const char *bp = getenv("XSOCK_BUSY_POLL_US");

	shim_pid = getpid();
#define XS_REAL(name, ret, params, args) \
	__atomic_store_n(&real_##name, (ret(*) params)dlsym(RTLD_NEXT, #name), __ATOMIC_RELAXED);
#define XS_REAL_VA(name, ret, params, last, args) XS_REAL(name, ret, params, args)
#define XS_REAL_VOID(name, params, args) \
	__atomic_store_n(&real_##name, (void(*) params)dlsym(RTLD_NEXT, #name), __ATOMIC_RELAXED);
#include "preload/real.def"
#undef XS_REAL
#undef XS_REAL_VA
#undef XS_REAL_VOID

	if (bp && *bp) {
		char *end;
		unsigned long us = strtoul(bp, &end, 10);

		if (*end || us > 10000000 || *bp == '-')
			xs_warn("XSOCK_BUSY_POLL_US=%s is not a time in microseconds (0-10000000); "
				"ignored", bp);
		else {
			busy_poll_us = (uint32_t)us;
			busy_poll_set = true;
		}
	}
	pthread_atfork(on_prepare, on_parent, on_child);
}
