/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * What the benchmark programs of `make bench` (udp_rr, tcp_rr) share: the
 * table of socket calls that makes one program run on either stack, the
 * clock, the CPU accounting and the percentiles.  Header-only: each
 * program is built on its own, and twice (with libxsock, and with
 * -DXSB_KERNEL_ONLY the kernel table alone, for as long as libxsock has
 * no socket layer).  The network tests' xs_tcp uses the same table.
 */
#ifndef XS_BENCH_H
#define XS_BENCH_H

#include <poll.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#ifndef XSB_KERNEL_ONLY
#include "xsock/xsock.h"
#endif

/* ---- the two stacks -------------------------------------------------------- */

struct stack_ops {
	const char *name;
	int (*socket)(int domain, int type, int protocol);
	int (*bind)(int fd, const struct sockaddr *addr, socklen_t len);
	int (*connect)(int fd, const struct sockaddr *addr, socklen_t len);
	int (*listen)(int fd, int backlog);
	int (*accept4)(int fd, struct sockaddr *addr, socklen_t *len, int flags);
	ssize_t (*sendto)(int fd, const void *buf, size_t len, int flags,
			  const struct sockaddr *dest, socklen_t dest_len);
	ssize_t (*recvfrom)(int fd, void *buf, size_t len, int flags,
			    struct sockaddr *src, socklen_t *src_len);
	ssize_t (*send)(int fd, const void *buf, size_t len, int flags);
	ssize_t (*recv)(int fd, void *buf, size_t len, int flags);
	int (*shutdown)(int fd, int how);
	int (*poll)(struct pollfd *fds, nfds_t nfds, int timeout);
	int (*fcntl)(int fd, int cmd, ...);
	int (*setsockopt)(int fd, int level, int name, const void *val, socklen_t len);
	int (*getsockopt)(int fd, int level, int name, void *val, socklen_t *len);
	int (*close)(int fd);
	int (*is_accelerated)(int fd);      /* NULL: not an xsock stack */
};

/* glibc declares the sockaddr arguments as transparent unions under
 * _GNU_SOURCE, so these need a plain-C signature in front of them. */
static inline int k_bind(int fd, const struct sockaddr *addr, socklen_t len)
{
	return bind(fd, addr, len);
}

static inline int k_connect(int fd, const struct sockaddr *addr, socklen_t len)
{
	return connect(fd, addr, len);
}

static inline int k_accept4(int fd, struct sockaddr *addr, socklen_t *len, int flags)
{
	return accept4(fd, addr, len, flags);
}

static inline ssize_t k_sendto(int fd, const void *buf, size_t len, int flags,
			       const struct sockaddr *dest, socklen_t dest_len)
{
	return sendto(fd, buf, len, flags, dest, dest_len);
}

static inline ssize_t k_recvfrom(int fd, void *buf, size_t len, int flags,
				 struct sockaddr *src, socklen_t *src_len)
{
	return recvfrom(fd, buf, len, flags, src, src_len);
}

static const struct stack_ops kernel_stack = {
	.name = "kernel",
	.socket = socket,
	.bind = k_bind,
	.connect = k_connect,
	.listen = listen,
	.accept4 = k_accept4,
	.sendto = k_sendto,
	.recvfrom = k_recvfrom,
	.send = send,
	.recv = recv,
	.shutdown = shutdown,
	.poll = poll,
	.fcntl = fcntl,
	.setsockopt = setsockopt,
	.getsockopt = getsockopt,
	.close = close,
};

#ifndef XSB_KERNEL_ONLY
static const struct stack_ops xsock_stack = {
	.name = "xsock",
	.socket = xsock_socket,
	.bind = xsock_bind,
	.connect = xsock_connect,
	.listen = xsock_listen,
	.accept4 = xsock_accept4,
	.sendto = xsock_sendto,
	.recvfrom = xsock_recvfrom,
	.send = xsock_send,
	.recv = xsock_recv,
	.shutdown = xsock_shutdown,
	.poll = xsock_poll,
	.fcntl = xsock_fcntl,
	.setsockopt = xsock_setsockopt,
	.getsockopt = xsock_getsockopt,
	.close = xsock_close,
	.is_accelerated = xsock_is_accelerated,
};
#endif

/* --stack NAME for program prog; exits 3 for xsock in a kernel-only build. */
static inline const struct stack_ops *stack_by_name(const char *prog, const char *name)
{
	if (!strcmp(name, "kernel"))
		return &kernel_stack;
#ifndef XSB_KERNEL_ONLY
	if (!strcmp(name, "xsock"))
		return &xsock_stack;
#else
	if (!strcmp(name, "xsock")) {
		fprintf(stderr, "%s: built without libxsock (%s-kernel): no xsock stack\n", prog, prog);
		exit(3);
	}
#endif
	fprintf(stderr, "%s: unknown stack '%s'\n", prog, name);
	exit(2);
}

/* ---- time and CPU ------------------------------------------------------------ */

static inline uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

/* Busy ticks of all CPUs: user + nice + system + irq + softirq; the last
 * two also in *irq_ticks. */
static inline uint64_t cpu_busy_ticks(uint64_t *irq_ticks)
{
	unsigned long long user, nice, system, idle, iowait, irq, softirq;
	FILE *f = fopen("/proc/stat", "r");
	int n;

	*irq_ticks = 0;
	if (!f)
		return 0;
	n = fscanf(f, "cpu %llu %llu %llu %llu %llu %llu %llu",
		   &user, &nice, &system, &idle, &iowait, &irq, &softirq);
	fclose(f);
	if (n != 7)
		return 0;
	*irq_ticks = irq + softirq;
	return user + nice + system + irq + softirq;
}

/* CPU seconds this process used (user + system).  With the irq and
 * softirq time of /proc/stat and the other end's own figure, it tells how
 * much of the busy time was neither end: other load on the machine. */
static inline double self_cpu_s(void)
{
	struct rusage ru;

	getrusage(RUSAGE_SELF, &ru);
	return (double)(ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) +
	       (double)(ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) / 1e6;
}

/* The CPU time around a measured interval: bench_cpu_start() before it,
 * bench_cpu_stop() after, then the busy, irq and own seconds. */
struct bench_cpu {
	uint64_t busy0, irq0, busy1, irq1;
	double self0, self1;
	double busy_s, irq_s, self_s;
	int ncpu;
};

static inline void bench_cpu_start(struct bench_cpu *c)
{
	c->busy0 = cpu_busy_ticks(&c->irq0);
	c->self0 = self_cpu_s();
}

static inline void bench_cpu_stop(struct bench_cpu *c)
{
	long hz = sysconf(_SC_CLK_TCK);

	c->busy1 = cpu_busy_ticks(&c->irq1);
	c->self1 = self_cpu_s();
	c->busy_s = (double)(c->busy1 - c->busy0) / (double)hz;
	c->irq_s = (double)(c->irq1 - c->irq0) / (double)hz;
	c->self_s = c->self1 - c->self0;
	c->ncpu = (int)sysconf(_SC_NPROCESSORS_ONLN);
}

/* ---- latency percentiles ------------------------------------------------------- */

static inline int cmp_u32(const void *a, const void *b)
{
	uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;

	return (x > y) - (x < y);
}

/* Nearest-rank percentile of sorted v[0..n) (ns), in µs. */
static inline double pct_us(const uint32_t *v, size_t n, double p)
{
	size_t i;

	if (!n)
		return 0;
	i = (size_t)(p / 100.0 * (double)n + 0.999999);
	if (i < 1)
		i = 1;
	if (i > n)
		i = n;
	return v[i - 1] / 1000.0;
}

#endif /* XS_BENCH_H */
