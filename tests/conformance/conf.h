/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * The socket-API conformance suite: what its files share.
 *
 * Every case is one function written against struct conf_ops.  main()
 * runs it twice, first with the libc calls on kernel sockets, then with
 * the xsock_* calls on xsock sockets, and compares the two traces: each
 * return value, errno, option value read back, poll revents, signal and
 * byte of data a case observes is appended to its trace.  Values that
 * differ between any two runs (ephemeral ports, cookies, timestamps) are
 * normalised as they are recorded, never left out.
 *
 * Files: conf_main.c (registry, runner, reports), conf_socket.c (socket,
 * bind, connect, addresses, close, shutdown), conf_options.c (SO_, IP_ and
 * IPV6_ options, fcntl, ioctl), conf_io.c (data, non-blocking I/O, poll,
 * control messages and what reaches the wire), conf_tcp.c (stream
 * sockets: listen and accept, connect, data, urgent data, shutdown and
 * reset, poll, the SO_ and TCP_ options, TCP_INFO), conf_block.c (blocking
 * calls and signals: EINTR and SA_RESTART; another thread's close and
 * shutdown).
 */
#ifndef XS_CONF_H
#define XS_CONF_H

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/types.h>
#include <sys/uio.h>
#include <time.h>

/* The calls a case may make.  pread, pwrite, lseek and socketpair have no
 * xsock twin: both tables use libc's (an xsock fd is a kernel fd, so they
 * must answer as they do for any socket). */
struct conf_ops {
	const char *name;
	int (*socket)(int, int, int);
	int (*socketpair)(int, int, int, int[2]);
	int (*bind)(int, const struct sockaddr *, socklen_t);
	int (*connect)(int, const struct sockaddr *, socklen_t);
	int (*listen)(int, int);
	int (*accept)(int, struct sockaddr *, socklen_t *);
	int (*accept4)(int, struct sockaddr *, socklen_t *, int);
	int (*getsockname)(int, struct sockaddr *, socklen_t *);
	int (*getpeername)(int, struct sockaddr *, socklen_t *);
	int (*shutdown)(int, int);
	int (*close)(int);
	ssize_t (*send)(int, const void *, size_t, int);
	ssize_t (*sendto)(int, const void *, size_t, int, const struct sockaddr *, socklen_t);
	ssize_t (*sendmsg)(int, const struct msghdr *, int);
	ssize_t (*recv)(int, void *, size_t, int);
	ssize_t (*recvfrom)(int, void *, size_t, int, struct sockaddr *, socklen_t *);
	ssize_t (*recvmsg)(int, struct msghdr *, int);
	ssize_t (*read)(int, void *, size_t);
	ssize_t (*write)(int, const void *, size_t);
	ssize_t (*readv)(int, const struct iovec *, int);
	ssize_t (*writev)(int, const struct iovec *, int);
	ssize_t (*pread)(int, void *, size_t, off_t);
	ssize_t (*pwrite)(int, const void *, size_t, off_t);
	off_t (*lseek)(int, off_t, int);
	int (*getsockopt)(int, int, int, void *, socklen_t *);
	int (*setsockopt)(int, int, int, const void *, socklen_t);
	int (*fcntl)(int, int, long);		/* variadic in libc: wrapped */
	int (*ioctl)(int, unsigned long, void *);	/* likewise */
	int (*poll)(struct pollfd *, nfds_t, int);
};

extern const struct conf_ops conf_kernel_ops, conf_xsock_ops;

/* What a case observed, compared as a string. */
struct trace {
	char buf[8192];
	size_t len;
};

/* The topology, from the command line: our addresses (where xsock is
 * attached) and the kernel peer's, the peer's echo port, the port of its
 * reporter (conf_peer.py: answers each datagram with what it saw) and the
 * first port of its TCP services (conf_peer.py lists them). */
extern struct sockaddr_in conf_local4, conf_peer4;
extern struct sockaddr_in6 conf_local6, conf_peer6;
extern int conf_echo_port, conf_report_port, conf_tcp_port;
/* A port no one else uses, the same in both runs of a case. */
extern int conf_port;

typedef void (*conf_fn)(const struct conf_ops *o, struct trace *t, long arg);

void conf_add(const char *area, const char *name, conf_fn fn, long arg);
void conf_register_socket(void);
void conf_register_options(void);
void conf_register_io(void);
void conf_register_tcp(void);
void conf_register_block(void);

/* ---- recording ---------------------------------------------------------- */

void rec(struct trace *t, const char *what, long r, int err);
void recs(struct trace *t, const char *what, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* Runs expr with errno cleared and records its value (and errno when it
 * is negative). */
#define DO(t, what, expr)                                                                   \
	do {                                                                                \
		errno = 0;                                                                  \
		long _r = (long)(expr);                                                     \
		rec(t, what, _r, errno);                                                    \
	} while (0)

/* Signals delivered so far (SIGPIPE, SIGIO, SIGURG), recorded by conf_sigs. */
void conf_sigs(struct trace *t, const char *what);

/* An address as "ip:port/len"; the port as "*" unless keep_port. */
void addr_str(const struct sockaddr *sa, socklen_t len, int keep_port, char *out, size_t n);
void rec_addr(struct trace *t, const char *what, const void *sa, socklen_t len, int keep_port);
/* getsockname (peer 0) or getpeername (peer 1), recorded. */
void rec_name(struct trace *t, const char *what, const struct conf_ops *o, int fd, int peer,
	      int keep_port);

/* An option, how to read it back and what a set-and-read-back case writes. */
enum opt_kind { K_INT, K_RO, K_TV, K_LINGER, K_IFNAME, K_COOKIE, K_STR };

struct conf_opt {
	const char *name;
	int level, opt;
	enum opt_kind kind;
	int val;	/* what a set-and-read-back case writes */
	int v6;		/* 1: an IPv6 socket only; 0: both families */
};

/* getsockopt with len bytes of room (at most 512), recorded with the
 * length returned and the value as its kind reads (cookies: only
 * "non-zero"; strings and names: up to the first NUL; else hex bytes). */
void rec_opt(const struct conf_ops *o, struct trace *t, int fd, const struct conf_opt *op,
	     const char *what, socklen_t len);

/* ---- helpers ------------------------------------------------------------ */

/* The family a case's arg selects in its low bit: AF_INET6 when set. */
static inline int fam_of(long arg) { return arg & 1 ? AF_INET6 : AF_INET; }
/* Milliseconds since a (CLOCK_MONOTONIC). */
long ms_since(const struct timespec *a);

struct sockaddr_in sin4(const struct sockaddr_in *base, int port);
struct sockaddr_in6 sin6(const struct sockaddr_in6 *base, int port);
/* ::ffff:a.b.c.d */
struct sockaddr_in6 mapped6(const struct sockaddr_in *a);
/* poll() for events on fd for up to ms; returns revents (0 on timeout). */
int wait_ev(const struct conf_ops *o, int fd, short events, int ms);
/* A UDP socket of family bound to our address on conf_port (or connected
 * to the echo server when connect_echo): -1 on failure. */
int udp_bound(const struct conf_ops *o, int family, int type_flags);
int udp_echo(const struct conf_ops *o, int family, int type_flags);
/* Ask the echo server for one datagram back and wait until it is there. */
int echo_roundtrip(const struct conf_ops *o, int fd, const char *payload);
/* sendmsg on a connected fd with control buffers around
 * net.core.optmem_max (ENOBUFS when not below it, and above INT_MAX), and,
 * with `zeros`, one just below it filled with zeros; then a plain send. */
void conf_optmem_sends(const struct conf_ops *o, struct trace *t, int fd, int zeros);

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

#endif
