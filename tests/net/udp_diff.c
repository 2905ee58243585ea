// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * udp_diff: each case runs twice, once with libc calls on kernel sockets and
 * once with xsock_* calls on xsock sockets, in a namespace where xsock is
 * attached, and the two must agree on every return value, errno, address
 * and byte of data.  A peer UDP echo server (kernel) runs at PEER:PORT.
 *
 *   udp_diff LOCAL4 PEER4 LOCAL6 PEER6 PORT
 *
 * Prints one line per case and "N passed, N failed".  The seed of the
 * socket(7) conformance suite.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <time.h>
#include <unistd.h>
#include <linux/sockios.h>

#include "xsock/xsock.h"

struct ops {
	const char *name;
	int (*socket)(int, int, int);
	int (*bind)(int, const struct sockaddr *, socklen_t);
	int (*connect)(int, const struct sockaddr *, socklen_t);
	ssize_t (*sendto)(int, const void *, size_t, int, const struct sockaddr *, socklen_t);
	ssize_t (*recvfrom)(int, void *, size_t, int, struct sockaddr *, socklen_t *);
	ssize_t (*recvmsg)(int, struct msghdr *, int);
	int (*getsockname)(int, struct sockaddr *, socklen_t *);
	int (*getpeername)(int, struct sockaddr *, socklen_t *);
	int (*shutdown)(int, int);
	int (*close)(int);
	int (*setsockopt)(int, int, int, const void *, socklen_t);
	int (*getsockopt)(int, int, int, void *, socklen_t *);
	int (*ioctl)(int, unsigned long, ...);
	int (*poll)(struct pollfd *, nfds_t, int);
	int (*fcntl)(int, int, ...);
};

static const struct ops kernel_ops = {
	"kernel", socket, bind, connect, sendto, recvfrom, recvmsg, getsockname, getpeername,
	shutdown, close, setsockopt, getsockopt, ioctl, poll, fcntl,
};
static const struct ops xsock_ops = {
	"xsock", xsock_socket, xsock_bind, xsock_connect, xsock_sendto, xsock_recvfrom,
	xsock_recvmsg,
	xsock_getsockname, xsock_getpeername, xsock_shutdown, xsock_close, xsock_setsockopt,
	xsock_getsockopt, xsock_ioctl, xsock_poll, xsock_fcntl,
};

static struct sockaddr_in local4, peer4;
static struct sockaddr_in6 local6, peer6;
static int next_port = 20000;

/* What a case observed: a log of results, compared as a string. */
struct trace {
	char buf[4096];
	size_t len;
};

static void rec(struct trace *t, const char *what, long r, int err)
{
	t->len += (size_t)snprintf(t->buf + t->len, sizeof(t->buf) - t->len, "%s=%ld%s%s; ", what, r,
				   r < 0 ? "/" : "", r < 0 ? strerrorname_np(err) : "");
}

static void recs(struct trace *t, const char *what, const char *s)
{
	t->len += (size_t)snprintf(t->buf + t->len, sizeof(t->buf) - t->len, "%s=%s; ", what, s);
}

#define DO(t, what, expr) do { errno = 0; long _r = (long)(expr); rec(t, what, _r, errno); } while (0)

static struct sockaddr_in with_port4(struct sockaddr_in a, int port)
{
	a.sin_port = htons((uint16_t)port);
	return a;
}

static struct sockaddr_in6 with_port6(struct sockaddr_in6 a, int port)
{
	a.sin6_port = htons((uint16_t)port);
	return a;
}

static void addr_str(const struct sockaddr *sa, socklen_t len, char *out, size_t n)
{
	char ip[INET6_ADDRSTRLEN] = "?";

	if (sa->sa_family == AF_INET) {
		const struct sockaddr_in *in = (const void *)sa;

		inet_ntop(AF_INET, &in->sin_addr, ip, sizeof(ip));
		snprintf(out, n, "%s:%u/%u", ip, ntohs(in->sin_port), len);
	} else if (sa->sa_family == AF_INET6) {
		const struct sockaddr_in6 *in6 = (const void *)sa;

		inet_ntop(AF_INET6, &in6->sin6_addr, ip, sizeof(ip));
		snprintf(out, n, "[%s]:%u/%u", ip, ntohs(in6->sin6_port), len);
	} else {
		snprintf(out, n, "family%d/%u", sa->sa_family, len);
	}
}

/* Ports differ between the two runs; compare addresses without them when
 * the port is the local ephemeral one. */
static void rec_name(struct trace *t, const char *what, const struct ops *o, int fd, int peer,
		     int keep_port)
{
	struct sockaddr_storage ss;
	socklen_t len = sizeof(ss);
	char s[128];
	int r;

	memset(&ss, 0, sizeof(ss));
	errno = 0;
	r = peer ? o->getpeername(fd, (struct sockaddr *)&ss, &len)
		 : o->getsockname(fd, (struct sockaddr *)&ss, &len);
	if (r) {
		rec(t, what, r, errno);
		return;
	}
	if (!keep_port)
		((struct sockaddr_in *)&ss)->sin_port = 0;	/* same offset in sockaddr_in6 */
	addr_str((struct sockaddr *)&ss, len, s, sizeof(s));
	recs(t, what, s);
}

static int wait_readable(const struct ops *o, int fd)
{
	struct pollfd p = { .fd = fd, .events = POLLIN };

	return o->poll(&p, 1, 2000) == 1 ? p.revents : 0;
}

typedef void (*case_fn)(const struct ops *o, struct trace *t);

/* ---- cases ------------------------------------------------------------- */

static void c_socket_types(const struct ops *o, struct trace *t)
{
	int fd;

	DO(t, "bad-proto", fd = o->socket(AF_INET, SOCK_DGRAM, IPPROTO_TCP));
	DO(t, "bad-family", fd = o->socket(12345, SOCK_DGRAM, 0));
	DO(t, "bad-type", fd = o->socket(AF_INET, 77, 0));
	DO(t, "bad-flags", fd = o->socket(AF_INET, SOCK_DGRAM | 0x40000000, 0));
	fd = o->socket(AF_INET, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	DO(t, "ok", fd >= 0);
	DO(t, "nonblock", (o->fcntl(fd, F_GETFL) & O_NONBLOCK) != 0);
	DO(t, "cloexec", o->fcntl(fd, F_GETFD) & FD_CLOEXEC);
	o->close(fd);
}

static void c_bind_errors(const struct ops *o, struct trace *t)
{
	int fd = o->socket(AF_INET, SOCK_DGRAM, 0), fd2 = o->socket(AF_INET, SOCK_DGRAM, 0);
	struct sockaddr_in a = with_port4(local4, next_port);
	struct sockaddr_in6 a6 = with_port6(local6, next_port);
	struct sockaddr_in other = with_port4(peer4, next_port);

	DO(t, "short-len", o->bind(fd, (struct sockaddr *)&a, sizeof(a) - 1));
	DO(t, "wrong-family", o->bind(fd, (struct sockaddr *)&a6, sizeof(a6)));
	DO(t, "not-local", o->bind(fd, (struct sockaddr *)&other, sizeof(other)));
	DO(t, "ok", o->bind(fd, (struct sockaddr *)&a, sizeof(a)));
	DO(t, "twice", o->bind(fd, (struct sockaddr *)&a, sizeof(a)));
	DO(t, "in-use", o->bind(fd2, (struct sockaddr *)&a, sizeof(a)));
	rec_name(t, "name", o, fd, 0, 1);
	DO(t, "badfd", o->bind(-1, (struct sockaddr *)&a, sizeof(a)));
	DO(t, "notsock", o->bind(0, (struct sockaddr *)&a, sizeof(a)));
	o->close(fd);
	o->close(fd2);
}

static void c_unconnected(const struct ops *o, struct trace *t)
{
	int fd = o->socket(AF_INET, SOCK_DGRAM | SOCK_NONBLOCK, 0);
	char b[16];

	DO(t, "send-no-dest", o->sendto(fd, "x", 1, 0, NULL, 0));
	DO(t, "recv-empty", o->recvfrom(fd, b, sizeof(b), 0, NULL, NULL));
	rec_name(t, "peer", o, fd, 1, 1);
	DO(t, "shutdown", o->shutdown(fd, SHUT_RDWR));
	/* inet_sendmsg() autobinds before udp_sendmsg() refuses: a random port. */
	rec_name(t, "name-after-send", o, fd, 0, 0);
	o->close(fd);
}

static void c_echo_roundtrip4(const struct ops *o, struct trace *t)
{
	int fd = o->socket(AF_INET, SOCK_DGRAM, 0);
	struct sockaddr_in dst = with_port4(peer4, next_port);
	struct sockaddr_in from;
	socklen_t flen = sizeof(from);
	char b[64] = { 0 }, s[128];

	DO(t, "sendto", o->sendto(fd, "hello", 5, 0, (struct sockaddr *)&dst, sizeof(dst)));
	rec_name(t, "autobound", o, fd, 0, 0);
	DO(t, "readable", wait_readable(o, fd));
	DO(t, "fionread", ({ int n = -1; o->ioctl(fd, FIONREAD, &n); n; }));
	DO(t, "peek", o->recvfrom(fd, b, sizeof(b), MSG_PEEK, NULL, NULL));
	DO(t, "trunc-flag-len", o->recvfrom(fd, b, 2, MSG_PEEK | MSG_TRUNC, NULL, NULL));
	DO(t, "recv", o->recvfrom(fd, b, sizeof(b), 0, (struct sockaddr *)&from, &flen));
	recs(t, "data", b);
	addr_str((struct sockaddr *)&from, flen, s, sizeof(s));
	recs(t, "from", s);
	o->close(fd);
}

static void c_echo_truncation(const struct ops *o, struct trace *t)
{
	int fd = o->socket(AF_INET, SOCK_DGRAM, 0);
	struct sockaddr_in dst = with_port4(peer4, next_port);
	struct sockaddr_in from;
	socklen_t flen = 4;
	char b[8] = { 0 };

	o->connect(fd, (struct sockaddr *)&dst, sizeof(dst));
	o->sendto(fd, "0123456789", 10, 0, NULL, 0);
	wait_readable(o, fd);
	DO(t, "recv-short", o->recvfrom(fd, b, 4, 0, (struct sockaddr *)&from, &flen));
	recs(t, "data", b);
	DO(t, "namelen", flen);
	DO(t, "after", o->recvfrom(fd, b, 4, MSG_DONTWAIT, NULL, NULL));
	o->sendto(fd, "abc", 3, 0, NULL, 0);
	wait_readable(o, fd);
	DO(t, "null-buf", o->recvfrom(fd, NULL, 3, 0, NULL, NULL));
	DO(t, "consumed", o->recvfrom(fd, b, 4, MSG_DONTWAIT, NULL, NULL));
	o->close(fd);
}

static void c_connected(const struct ops *o, struct trace *t)
{
	int fd = o->socket(AF_INET, SOCK_DGRAM, 0);
	struct sockaddr_in dst = with_port4(peer4, next_port);
	struct sockaddr_in unspec = { .sin_family = AF_UNSPEC };
	char b[16] = { 0 };

	DO(t, "connect", o->connect(fd, (struct sockaddr *)&dst, sizeof(dst)));
	rec_name(t, "peer", o, fd, 1, 1);
	rec_name(t, "name", o, fd, 0, 0);
	DO(t, "send", o->sendto(fd, "abc", 3, 0, NULL, 0));
	DO(t, "readable", wait_readable(o, fd));
	DO(t, "recv", o->recvfrom(fd, b, sizeof(b), 0, NULL, NULL));
	recs(t, "data", b);
	DO(t, "big", o->sendto(fd, b, 65508, 0, NULL, 0));
	DO(t, "disconnect", o->connect(fd, (struct sockaddr *)&unspec, sizeof(unspec)));
	rec_name(t, "peer-after", o, fd, 1, 1);
	DO(t, "send-after", o->sendto(fd, "abc", 3, 0, NULL, 0));
	o->close(fd);
}

static void c_refused(const struct ops *o, struct trace *t)
{
	int fd = o->socket(AF_INET, SOCK_DGRAM, 0);
	struct sockaddr_in dst = with_port4(peer4, 9);	/* nothing listens there */
	char b[16];
	int err = 0;
	socklen_t len = sizeof(err);

	o->connect(fd, (struct sockaddr *)&dst, sizeof(dst));
	DO(t, "send", o->sendto(fd, "x", 1, 0, NULL, 0));
	DO(t, "pollerr", wait_readable(o, fd) & POLLERR);
	DO(t, "recv", o->recvfrom(fd, b, sizeof(b), 0, NULL, NULL));
	DO(t, "send2", o->sendto(fd, "x", 1, 0, NULL, 0));
	usleep(200000);
	DO(t, "so_error", o->getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &len));
	recs(t, "err", strerrorname_np(err) ? strerrorname_np(err) : "0");
	DO(t, "so_error-cleared", ({ int e2 = -1; socklen_t l2 = sizeof(e2);
					o->getsockopt(fd, SOL_SOCKET, SO_ERROR, &e2, &l2); e2; }));
	o->close(fd);
}

static void c_v6_and_mapped(const struct ops *o, struct trace *t)
{
	int fd = o->socket(AF_INET6, SOCK_DGRAM, 0), one = 1;
	struct sockaddr_in6 dst = with_port6(peer6, next_port), m = { .sin6_family = AF_INET6 };
	char b[16] = { 0 }, s[128];
	struct sockaddr_in6 from;
	socklen_t flen = sizeof(from);

	DO(t, "send6", o->sendto(fd, "v6", 2, 0, (struct sockaddr *)&dst, sizeof(dst)));
	wait_readable(o, fd);
	DO(t, "recv6", o->recvfrom(fd, b, sizeof(b), 0, (struct sockaddr *)&from, &flen));
	addr_str((struct sockaddr *)&from, flen, s, sizeof(s));
	recs(t, "from6", s);
	/* IPv4 through a dual-stack socket: a mapped destination. */
	m.sin6_port = htons((uint16_t)next_port);
	m.sin6_addr.s6_addr[10] = m.sin6_addr.s6_addr[11] = 0xff;
	memcpy(&m.sin6_addr.s6_addr[12], &peer4.sin_addr, 4);
	DO(t, "send-mapped", o->sendto(fd, "v4", 2, 0, (struct sockaddr *)&m, sizeof(m)));
	wait_readable(o, fd);
	flen = sizeof(from);
	DO(t, "recv-mapped", o->recvfrom(fd, b, sizeof(b), 0, (struct sockaddr *)&from, &flen));
	addr_str((struct sockaddr *)&from, flen, s, sizeof(s));
	recs(t, "from-mapped", s);
	o->close(fd);
	fd = o->socket(AF_INET6, SOCK_DGRAM, 0);
	DO(t, "v6only", o->setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof(one)));
	DO(t, "send-mapped-v6only", o->sendto(fd, "v4", 2, 0, (struct sockaddr *)&m, sizeof(m)));
	o->close(fd);
}

static void c_options(const struct ops *o, struct trace *t)
{
	int fd = o->socket(AF_INET, SOCK_DGRAM, 0), v = 1000, got = 0;
	socklen_t len = sizeof(got);
	struct timeval tv = { 0, 100000 };
	char b[4];

	DO(t, "rcvbuf-set", o->setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &v, sizeof(v)));
	DO(t, "rcvbuf-get", (o->getsockopt(fd, SOL_SOCKET, SO_RCVBUF, &got, &len), got));
	DO(t, "bad-level", o->setsockopt(fd, 999, 1, &v, sizeof(v)));
	DO(t, "bad-len", o->setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &v, 1));
	DO(t, "rcvtimeo", o->setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv)));
	{
		struct sockaddr_in a = with_port4(local4, 0);

		o->bind(fd, (struct sockaddr *)&a, sizeof(a));
	}
	DO(t, "recv-timeout", o->recvfrom(fd, b, sizeof(b), 0, NULL, NULL));
	DO(t, "type", (len = sizeof(got), o->getsockopt(fd, SOL_SOCKET, SO_TYPE, &got, &len), got));
	DO(t, "fionbio", ({ int on = 1; o->ioctl(fd, FIONBIO, &on); }));
	DO(t, "recv-nonblock", o->recvfrom(fd, b, sizeof(b), 0, NULL, NULL));
	o->close(fd);
}

/* Control messages: which arrive, in which order, with which values.
 * Timestamps are checked for being recent, not compared. */
static void rec_cmsgs(struct trace *t, struct msghdr *m)
{
	char s[96];

	for (struct cmsghdr *c = CMSG_FIRSTHDR(m); c; c = CMSG_NXTHDR(m, c)) {
		const uint8_t *d = CMSG_DATA(c);
		size_t dl = c->cmsg_len - CMSG_LEN(0);

		snprintf(s, sizeof(s), "%d/%d/%zu", c->cmsg_level, c->cmsg_type, dl);
		recs(t, "cmsg", s);
		if (c->cmsg_level == SOL_SOCKET) {
			struct timespec now;
			long sec;

			clock_gettime(CLOCK_REALTIME, &now);
			memcpy(&sec, d, sizeof(sec));	/* tv_sec leads timeval and timespec */
			recs(t, "ts-recent", labs(now.tv_sec - sec) <= 2 ? "yes" : "no");
		} else if (c->cmsg_level == SOL_IP && c->cmsg_type == IP_PKTINFO) {
			struct in_pktinfo pi;
			char a[INET_ADDRSTRLEN], b[INET_ADDRSTRLEN];

			memcpy(&pi, d, sizeof(pi));
			inet_ntop(AF_INET, &pi.ipi_spec_dst, a, sizeof(a));
			inet_ntop(AF_INET, &pi.ipi_addr, b, sizeof(b));
			snprintf(s, sizeof(s), "if%s %s %s", pi.ipi_ifindex > 0 ? "+" : "0", a, b);
			recs(t, "pktinfo", s);
		} else if (c->cmsg_level == SOL_IPV6 && c->cmsg_type == IPV6_PKTINFO) {
			struct in6_pktinfo pi;
			char a[INET6_ADDRSTRLEN];

			memcpy(&pi, d, sizeof(pi));
			inet_ntop(AF_INET6, &pi.ipi6_addr, a, sizeof(a));
			snprintf(s, sizeof(s), "if%s %s", pi.ipi6_ifindex > 0 ? "+" : "0", a);
			recs(t, "pktinfo6", s);
		} else if (dl == 1) {
			rec(t, "byte", d[0], 0);
		} else if (dl == sizeof(int)) {
			int v;

			memcpy(&v, d, sizeof(v));
			rec(t, "int", v, 0);
		}
	}
}

static void c_cmsgs(const struct ops *o, struct trace *t)
{
	static const int v4opts[][2] = { { SOL_SOCKET, SO_TIMESTAMP }, { IPPROTO_IP, IP_PKTINFO },
					 { IPPROTO_IP, IP_RECVTTL }, { IPPROTO_IP, IP_RECVTOS } };
	struct sockaddr_in dst = with_port4(peer4, next_port);
	struct sockaddr_in6 dst6 = with_port6(peer6, next_port);
	char b[16], ctl[512], tiny[CMSG_SPACE(sizeof(int)) + 4];
	struct iovec iov = { b, sizeof(b) };
	struct msghdr m = { .msg_iov = &iov, .msg_iovlen = 1 };
	struct timeval tv;
	int fd, one = 1;

	fd = o->socket(AF_INET, SOCK_DGRAM, 0);
	DO(t, "stamp-before", o->ioctl(fd, SIOCGSTAMP, &tv));
	for (size_t i = 0; i < sizeof(v4opts) / sizeof(v4opts[0]); i++)
		DO(t, "opt", o->setsockopt(fd, v4opts[i][0], v4opts[i][1], &one, sizeof(one)));
	o->sendto(fd, "a", 1, 0, (struct sockaddr *)&dst, sizeof(dst));
	wait_readable(o, fd);
	m.msg_control = ctl;
	m.msg_controllen = sizeof(ctl);
	DO(t, "recvmsg", o->recvmsg(fd, &m, 0));
	DO(t, "flags", m.msg_flags);
	DO(t, "controllen", m.msg_controllen);
	rec_cmsgs(t, &m);
	DO(t, "stamp-after-cmsg", o->ioctl(fd, SIOCGSTAMP, &tv));
	/* Without SO_TIMESTAMP the stamp follows reads (sock_recv_timestamp). */
	{
		int zero = 0;

		o->setsockopt(fd, SOL_SOCKET, SO_TIMESTAMP, &zero, sizeof(zero));
		o->sendto(fd, "s", 1, 0, (struct sockaddr *)&dst, sizeof(dst));
		wait_readable(o, fd);
		o->recvfrom(fd, b, sizeof(b), 0, NULL, NULL);
		DO(t, "stamp-after-read", o->ioctl(fd, SIOCGSTAMP, &tv));
		recs(t, "stamp-recent", labs(time(NULL) - tv.tv_sec) <= 2 ? "yes" : "no");
		o->setsockopt(fd, SOL_SOCKET, SO_TIMESTAMP, &one, sizeof(one));
	}
	/* A control buffer too small for all of them: MSG_CTRUNC. */
	o->sendto(fd, "b", 1, 0, (struct sockaddr *)&dst, sizeof(dst));
	wait_readable(o, fd);
	m.msg_control = tiny;
	m.msg_controllen = sizeof(tiny);
	DO(t, "recvmsg-small", o->recvmsg(fd, &m, 0));
	DO(t, "flags-small", m.msg_flags);
	DO(t, "controllen-small", m.msg_controllen);
	o->close(fd);

	fd = o->socket(AF_INET6, SOCK_DGRAM, 0);
	DO(t, "opt6", o->setsockopt(fd, IPPROTO_IPV6, IPV6_RECVPKTINFO, &one, sizeof(one)));
	DO(t, "opt6", o->setsockopt(fd, IPPROTO_IPV6, IPV6_RECVHOPLIMIT, &one, sizeof(one)));
	DO(t, "opt6", o->setsockopt(fd, IPPROTO_IPV6, IPV6_RECVTCLASS, &one, sizeof(one)));
	DO(t, "opt6", o->setsockopt(fd, SOL_SOCKET, SO_TIMESTAMPNS, &one, sizeof(one)));
	o->sendto(fd, "c", 1, 0, (struct sockaddr *)&dst6, sizeof(dst6));
	wait_readable(o, fd);
	m.msg_control = ctl;
	m.msg_controllen = sizeof(ctl);
	DO(t, "recvmsg6", o->recvmsg(fd, &m, 0));
	DO(t, "controllen6", m.msg_controllen);
	rec_cmsgs(t, &m);
	o->close(fd);
}

static void c_close(const struct ops *o, struct trace *t)
{
	int fd = o->socket(AF_INET, SOCK_DGRAM, 0);

	DO(t, "close", o->close(fd));
	DO(t, "close-again", o->close(fd));
	DO(t, "send-closed", o->sendto(fd, "x", 1, 0, NULL, 0));
}

static const struct {
	const char *name;
	case_fn fn;
} cases[] = {
	{ "socket_types", c_socket_types },
	{ "bind_errors", c_bind_errors },
	{ "unconnected", c_unconnected },
	{ "echo_roundtrip4", c_echo_roundtrip4 },
	{ "echo_truncation", c_echo_truncation },
	{ "connected", c_connected },
	{ "refused", c_refused },
	{ "v6_and_mapped", c_v6_and_mapped },
	{ "options", c_options },
	{ "cmsgs", c_cmsgs },
	{ "close", c_close },
};

int main(int argc, char **argv)
{
	int passed = 0, failed = 0, echo_port;

	if (argc != 6) {
		fprintf(stderr, "usage: udp_diff LOCAL4 PEER4 LOCAL6 PEER6 PORT\n");
		return 2;
	}
	local4.sin_family = peer4.sin_family = AF_INET;
	local6.sin6_family = peer6.sin6_family = AF_INET6;
	if (inet_pton(AF_INET, argv[1], &local4.sin_addr) != 1 ||
	    inet_pton(AF_INET, argv[2], &peer4.sin_addr) != 1 ||
	    inet_pton(AF_INET6, argv[3], &local6.sin6_addr) != 1 ||
	    inet_pton(AF_INET6, argv[4], &peer6.sin6_addr) != 1)
		return fprintf(stderr, "udp_diff: bad address\n"), 2;
	echo_port = atoi(argv[5]);
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct trace k = { .len = 0 }, x = { .len = 0 };

		next_port = echo_port;
		cases[i].fn(&kernel_ops, &k);
		cases[i].fn(&xsock_ops, &x);
		if (k.len == x.len && !memcmp(k.buf, x.buf, k.len)) {
			printf("  ok   %s: %s\n", cases[i].name, k.buf);
			passed++;
		} else {
			printf("  FAIL %s\n       kernel: %s\n       xsock:  %s\n", cases[i].name, k.buf,
			       x.buf);
			failed++;
		}
	}
	printf("%d passed, %d failed\n", passed, failed);
	return failed ? 1 : 0;
}
