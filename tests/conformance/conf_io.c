// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * Data: every send call against every receive call through the kernel echo
 * server, sizes around the MTU and the UDP limits, receive and send flags,
 * scatter/gather, non-blocking I/O and timeouts, poll events, ICMP errors,
 * control messages, which socket a datagram is delivered to, signals, the
 * ioctls that report on queued data, and what the IP options put on the
 * wire (read by the reporting peer, conf_peer.py).
 */
#include <fcntl.h>
#include <limits.h>
#include <linux/errqueue.h>
#include <linux/sockios.h>
#include <net/if.h>
#include <netinet/udp.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/ioctl.h>
#include <time.h>
#include <unistd.h>

#include "conf.h"

/* A socket connected to the reporter. */
static int udp_report(const struct conf_ops *o, int family, int type_flags)
{
	int fd = o->socket(family, SOCK_DGRAM | type_flags, 0);
	struct sockaddr_in a4 = sin4(&conf_peer4, conf_report_port);
	struct sockaddr_in6 a6 = sin6(&conf_peer6, conf_report_port);

	if (fd >= 0 && (family == AF_INET ? o->connect(fd, (void *)&a4, sizeof(a4))
					  : o->connect(fd, (void *)&a6, sizeof(a6))))
		return o->close(fd), -1;
	return fd;
}

/* Receives one datagram (2 s at most) and records it as text. */
static void rec_reply(const struct conf_ops *o, struct trace *t, int fd, const char *what)
{
	char b[256];
	ssize_t n;

	if (!(wait_ev(o, fd, POLLIN, 2000) & POLLIN)) {
		recs(t, what, "nothing");
		return;
	}
	errno = 0;
	n = o->recv(fd, b, sizeof(b) - 1, MSG_DONTWAIT);
	if (n < 0) {
		rec(t, what, n, errno);
		return;
	}
	b[n] = 0;
	recs(t, what, "'%s'", b);
}

static unsigned sum(const unsigned char *b, size_t n)
{
	unsigned s = 0;

	for (size_t i = 0; i < n; i++)
		s = s * 31 + b[i];
	return s;
}

/* ---- every send call against every receive call ------------------------- */

static const char *const senders[] = { "send", "sendto", "sendmsg", "write", "writev" };
static const char *const receivers[] = { "recv", "recvfrom", "recvmsg", "read", "readv" };

/* arg: sender << 8 | receiver << 4 | v6 */
static void c_xfer(const struct conf_ops *o, struct trace *t, long arg)
{
	int fam = fam_of(arg), s = (int)(arg >> 8), r = (int)(arg >> 4) & 0xf;
	int fd = udp_echo(o, fam, 0);
	char out[] = "conformance-payload", in[64] = { 0 };
	struct iovec ov[2] = { { out, 5 }, { out + 5, sizeof(out) - 6 } };
	struct iovec iv[2] = { { in, 3 }, { in + 3, sizeof(in) - 4 } };
	struct msghdr m = { .msg_iov = ov, .msg_iovlen = 2 };
	struct sockaddr_storage from;
	socklen_t flen = sizeof(from);

	memset(&from, 0, sizeof(from));
	switch (s) {
	case 0: DO(t, "send", o->send(fd, out, sizeof(out) - 1, 0)); break;
	case 1: DO(t, "sendto", o->sendto(fd, out, sizeof(out) - 1, 0, NULL, 0)); break;
	case 2: DO(t, "sendmsg", o->sendmsg(fd, &m, 0)); break;
	case 3: DO(t, "write", o->write(fd, out, sizeof(out) - 1)); break;
	case 4: DO(t, "writev", o->writev(fd, ov, 2)); break;
	}
	wait_ev(o, fd, POLLIN, 2000);
	DO(t, "poll", wait_ev(o, fd, POLLIN | POLLOUT, 0));
	m = (struct msghdr){ .msg_iov = iv, .msg_iovlen = 2, .msg_name = &from,
			     .msg_namelen = sizeof(from) };
	switch (r) {
	case 0: DO(t, "recv", o->recv(fd, in, sizeof(in), 0)); break;
	case 1:
		DO(t, "recvfrom", o->recvfrom(fd, in, sizeof(in), 0, (void *)&from, &flen));
		rec_addr(t, "from", &from, flen, 1);
		break;
	case 2:
		DO(t, "recvmsg", o->recvmsg(fd, &m, 0));
		rec_addr(t, "from", &from, m.msg_namelen, 1);
		DO(t, "msg_flags", m.msg_flags);
		DO(t, "controllen", m.msg_controllen);
		break;
	case 3: DO(t, "read", o->read(fd, in, sizeof(in))); break;
	case 4: DO(t, "readv", o->readv(fd, iv, 2)); break;
	}
	recs(t, "data", "%s", in);
	DO(t, "empty-after", o->recv(fd, in, sizeof(in), MSG_DONTWAIT));
	o->close(fd);
}

/* ---- sizes -------------------------------------------------------------- */

static const int sizes4[] = { 0, 1, 1472, 1473, 3000, 8000, 65507, 65508 };
static const int sizes6[] = { 0, 1, 1452, 1453, 8000, 65527, 65528 };

/* arg: size << 1 | v6 */
static void c_size(const struct conf_ops *o, struct trace *t, long arg)
{
	int fam = fam_of(arg), size = (int)(arg >> 1), fd = udp_echo(o, fam, 0);
	unsigned char *out = malloc(70000), *in = calloc(1, 70000);
	ssize_t n;

	for (int i = 0; i < size; i++)
		out[i] = (unsigned char)(i * 7 + 3);
	DO(t, "send", o->send(fd, out, (size_t)size, 0));
	DO(t, "readable", wait_ev(o, fd, POLLIN, 3000));
	DO(t, "fionread", ({ int q = -1; o->ioctl(fd, FIONREAD, &q); q; }));
	errno = 0;
	n = o->recv(fd, in, 70000, MSG_DONTWAIT);
	rec(t, "recv", n, errno);
	DO(t, "same-bytes", n == size && sum(in, (size_t)size) == sum(out, (size_t)size));
	free(out);
	free(in);
	o->close(fd);
}

/* ---- receive flags and shapes ------------------------------------------- */

enum {
	R_PEEK, R_TRUNC, R_PEEK_TRUNC, R_DONTWAIT_EMPTY, R_OOB, R_ERRQUEUE_EMPTY, R_WAITALL,
	R_CMSG_CLOEXEC, R_MSG_TRUNC_FLAG, R_NAMELEN_SHORT, R_NAMELEN_ZERO, R_NULL_BUF_ZERO,
	R_IOV_ZERO, R_IOV_NEG, R_IOV_TOO_MANY, R_IOV_SPLIT, R_TWO_QUEUED, R_NAME_NULL_LEN,
	R_ZERO_LEN_DGRAM, R_PEEK_THEN_READ, R_MAX
};
static const char *const recv_names[R_MAX] = {
	"peek", "trunc", "peek_trunc", "dontwait_empty", "oob", "errqueue_empty", "waitall",
	"cmsg_cloexec", "msg_trunc_flag", "namelen_short", "namelen_zero", "null_buf_zero",
	"iovcnt_zero", "iovcnt_negative", "iovcnt_too_many", "iov_split", "two_queued_order",
	"recvmsg_name_null", "zero_length_dgram", "peek_then_read",
};

static void c_recvflags(const struct conf_ops *o, struct trace *t, long arg)
{
	int fam = fam_of(arg), v = (int)(arg >> 1), fd = udp_echo(o, fam, 0);
	char b[64] = { 0 }, c[64] = { 0 };
	struct sockaddr_storage from;
	socklen_t flen;
	struct iovec iv[3] = { { b, 2 }, { NULL, 0 }, { c, 5 } };
	struct msghdr m = { .msg_iov = iv, .msg_iovlen = 3 };
	static struct iovec many[IOV_MAX + 1];

	memset(&from, 0, sizeof(from));
	if (v != R_DONTWAIT_EMPTY && v != R_ERRQUEUE_EMPTY)
		DO(t, "echo", echo_roundtrip(o, fd, v == R_ZERO_LEN_DGRAM ? "" : "0123456789"));
	if (v == R_TWO_QUEUED) {
		o->send(fd, "second", 6, 0);
		usleep(100000);
	}
	switch (v) {
	case R_PEEK:
		DO(t, "peek", o->recv(fd, b, sizeof(b), MSG_PEEK));
		DO(t, "peek2", o->recv(fd, c, 4, MSG_PEEK));
		DO(t, "recv", o->recv(fd, b, sizeof(b), 0));
		break;
	case R_TRUNC:
		DO(t, "trunc", o->recv(fd, b, 4, MSG_TRUNC));
		DO(t, "after", o->recv(fd, b, 4, MSG_DONTWAIT));
		break;
	case R_PEEK_TRUNC:
		DO(t, "peek-trunc", o->recv(fd, b, 3, MSG_PEEK | MSG_TRUNC));
		DO(t, "recv", o->recv(fd, b, sizeof(b), 0));
		break;
	case R_DONTWAIT_EMPTY:
		DO(t, "recv", o->recv(fd, b, sizeof(b), MSG_DONTWAIT));
		break;
	case R_OOB:
		DO(t, "recv-oob", o->recv(fd, b, sizeof(b), MSG_OOB));
		DO(t, "recv", o->recv(fd, b, sizeof(b), MSG_DONTWAIT));
		break;
	case R_ERRQUEUE_EMPTY:
		DO(t, "errqueue", o->recv(fd, b, sizeof(b), MSG_ERRQUEUE));
		break;
	case R_WAITALL:
		DO(t, "waitall", o->recv(fd, b, sizeof(b), MSG_WAITALL));
		break;
	case R_CMSG_CLOEXEC:
		m.msg_iovlen = 1;
		iv[0].iov_len = sizeof(b);
		DO(t, "recvmsg", o->recvmsg(fd, &m, MSG_CMSG_CLOEXEC));
		DO(t, "flags", m.msg_flags);
		break;
	case R_MSG_TRUNC_FLAG:
		m.msg_iovlen = 1;
		iv[0].iov_len = 4;
		m.msg_name = &from;
		m.msg_namelen = sizeof(from);
		DO(t, "recvmsg", o->recvmsg(fd, &m, 0));
		DO(t, "flags", m.msg_flags);
		rec_addr(t, "from", &from, m.msg_namelen, 1);
		break;
	case R_NAMELEN_SHORT:
		memset(&from, 0xaa, sizeof(from));
		flen = 6;
		DO(t, "recvfrom", o->recvfrom(fd, b, sizeof(b), 0, (void *)&from, &flen));
		DO(t, "flen", flen);
		recs(t, "bytes", "%02x%02x%02x%02x.%02x", ((unsigned char *)&from)[0],
		     ((unsigned char *)&from)[1], ((unsigned char *)&from)[2],
		     ((unsigned char *)&from)[3], ((unsigned char *)&from)[6]);
		break;
	case R_NAMELEN_ZERO:
		memset(&from, 0xaa, sizeof(from));
		flen = 0;
		DO(t, "recvfrom", o->recvfrom(fd, b, sizeof(b), 0, (void *)&from, &flen));
		DO(t, "flen", flen);
		DO(t, "untouched", ((unsigned char *)&from)[0] == 0xaa);
		break;
	case R_NULL_BUF_ZERO:
		DO(t, "recv-null", o->recv(fd, NULL, 0, 0));
		DO(t, "after", o->recv(fd, b, sizeof(b), MSG_DONTWAIT));
		break;
	case R_IOV_ZERO:
		m.msg_iovlen = 0;
		DO(t, "recvmsg", o->recvmsg(fd, &m, 0));
		DO(t, "flags", m.msg_flags);
		break;
	case R_IOV_NEG:
		DO(t, "readv", o->readv(fd, iv, -1));
		DO(t, "after", o->recv(fd, b, sizeof(b), MSG_DONTWAIT));
		break;
	case R_IOV_TOO_MANY:
		for (int i = 0; i <= IOV_MAX; i++)
			many[i] = (struct iovec){ b, 1 };
		DO(t, "readv", o->readv(fd, many, IOV_MAX + 1));
		DO(t, "after", o->recv(fd, b, sizeof(b), MSG_DONTWAIT));
		break;
	case R_IOV_SPLIT:
		DO(t, "recvmsg", o->recvmsg(fd, &m, 0));
		DO(t, "flags", m.msg_flags);
		break;
	case R_TWO_QUEUED:
		DO(t, "fionread", ({ int q = -1; o->ioctl(fd, FIONREAD, &q); q; }));
		DO(t, "recv1", o->recv(fd, b, sizeof(b), 0));
		DO(t, "recv2", o->recv(fd, c, sizeof(c), MSG_DONTWAIT));
		break;
	case R_NAME_NULL_LEN:
		m.msg_iovlen = 1;
		iv[0].iov_len = sizeof(b);
		m.msg_name = NULL;
		m.msg_namelen = 16;
		DO(t, "recvmsg", o->recvmsg(fd, &m, 0));
		DO(t, "namelen", m.msg_namelen);
		break;
	case R_ZERO_LEN_DGRAM:
		DO(t, "fionread", ({ int q = -1; o->ioctl(fd, FIONREAD, &q); q; }));
		DO(t, "recv", o->recv(fd, b, sizeof(b), 0));
		DO(t, "after", o->recv(fd, b, sizeof(b), MSG_DONTWAIT));
		break;
	case R_PEEK_THEN_READ:
		DO(t, "peek", o->recv(fd, b, 4, MSG_PEEK | MSG_DONTWAIT));
		DO(t, "read", o->read(fd, c, sizeof(c)));
		break;
	}
	recs(t, "data", "%s|%s", b, c);
	o->close(fd);
}

/* ---- send flags, destinations, errors ----------------------------------- */

enum {
	S_MORE, S_UDP_CORK, S_OOB, S_CONFIRM, S_DONTROUTE, S_OVERRIDE, S_SHORT_LEN, S_WRONG_FAM,
	S_PORT0, S_NO_DEST, S_BCAST_DENIED, S_NAMELEN_NO_NAME, S_IOV_ZERO, S_IOV_TOO_MANY,
	S_UNCONNECTED_TO, S_BADFD, S_NULL_BUF, S_ANY_DEST, S_NO_ROUTE, S_EOR, S_MAX
};
static const char *const send_names[S_MAX] = {
	"msg_more", "udp_cork", "oob", "confirm", "dontroute", "sendto_override_connected",
	"sendto_short_len", "sendto_wrong_family", "sendto_port0", "unconnected_no_dest",
	"broadcast_denied", "sendmsg_namelen_without_name", "sendmsg_iovlen_zero",
	"writev_too_many", "unconnected_sendto", "badfd", "null_buf", "any_dest", "no_route",
	"eor",
};

static void c_sendflags(const struct conf_ops *o, struct trace *t, long arg)
{
	int fam = fam_of(arg), v = (int)(arg >> 1), one = 1, zero = 0;
	int fd = v == S_NO_DEST || v == S_UNCONNECTED_TO || v == S_BCAST_DENIED
			 ? o->socket(fam, SOCK_DGRAM, 0) : udp_report(o, fam, 0);
	struct sockaddr_in r4 = sin4(&conf_peer4, conf_report_port);
	struct sockaddr_in6 r6 = sin6(&conf_peer6, conf_report_port);
	struct sockaddr *rep = fam == AF_INET ? (void *)&r4 : (void *)&r6;
	socklen_t rlen = fam == AF_INET ? sizeof(r4) : sizeof(r6);
	struct sockaddr_in e4 = sin4(&conf_peer4, conf_echo_port);
	struct sockaddr_in6 e6 = sin6(&conf_peer6, conf_echo_port);
	char x[40] = "abcd";
	struct iovec iv = { x, 4 };
	struct msghdr m = { .msg_iov = &iv, .msg_iovlen = 1 };
	static struct iovec many[IOV_MAX + 1];

	switch (v) {
	case S_MORE:
		DO(t, "more", o->send(fd, "ab", 2, MSG_MORE));
		DO(t, "last", o->send(fd, "cd", 2, 0));
		break;
	case S_UDP_CORK:
		DO(t, "cork", o->setsockopt(fd, IPPROTO_UDP, UDP_CORK, &one, sizeof(one)));
		DO(t, "send1", o->send(fd, "ab", 2, 0));
		DO(t, "send2", o->send(fd, "cde", 3, 0));
		DO(t, "uncork", o->setsockopt(fd, IPPROTO_UDP, UDP_CORK, &zero, sizeof(zero)));
		break;
	case S_OOB:
		DO(t, "send-oob", o->send(fd, "ab", 2, MSG_OOB));
		break;
	case S_CONFIRM:
		DO(t, "send", o->send(fd, "ab", 2, MSG_CONFIRM));
		break;
	case S_DONTROUTE:
		DO(t, "send", o->send(fd, "abc", 3, MSG_DONTROUTE));
		break;
	case S_OVERRIDE:
		DO(t, "sendto-echo", fam == AF_INET
			 ? o->sendto(fd, "echoed", 6, 0, (void *)&e4, sizeof(e4))
			 : o->sendto(fd, "echoed", 6, 0, (void *)&e6, sizeof(e6)));
		break;
	case S_SHORT_LEN:
		DO(t, "sendto", o->sendto(fd, "ab", 2, 0, rep, rlen - 1));
		break;
	case S_WRONG_FAM:
		DO(t, "sendto", fam == AF_INET6 ? o->sendto(fd, "ab", 2, 0, (void *)&r4, sizeof(r4))
						: o->sendto(fd, "ab", 2, 0, (void *)&r6, sizeof(r6)));
		break;
	case S_PORT0:
		r4.sin_port = 0;
		r6.sin6_port = 0;
		DO(t, "sendto", o->sendto(fd, "ab", 2, 0, rep, rlen));
		break;
	case S_NO_DEST:
		DO(t, "send", o->send(fd, "ab", 2, 0));
		DO(t, "sendmsg", o->sendmsg(fd, &m, 0));
		break;
	case S_BCAST_DENIED:
		r4.sin_addr.s_addr |= htonl(0xff);
		DO(t, "sendto", o->sendto(fd, "ab", 2, 0, rep, rlen));
		o->setsockopt(fd, SOL_SOCKET, SO_BROADCAST, &one, sizeof(one));
		DO(t, "sendto-allowed", o->sendto(fd, "ab", 2, 0, rep, rlen));
		break;
	case S_NAMELEN_NO_NAME:
		m.msg_namelen = 16;
		DO(t, "sendmsg", o->sendmsg(fd, &m, 0));
		break;
	case S_IOV_ZERO:
		m.msg_iovlen = 0;
		DO(t, "sendmsg", o->sendmsg(fd, &m, 0));
		break;
	case S_IOV_TOO_MANY:
		for (int i = 0; i <= IOV_MAX; i++)
			many[i] = (struct iovec){ x, 1 };
		DO(t, "writev", o->writev(fd, many, IOV_MAX + 1));
		DO(t, "writev-max", o->writev(fd, many, IOV_MAX));
		break;
	case S_UNCONNECTED_TO:
		DO(t, "sendto", o->sendto(fd, "unconn", 6, 0, rep, rlen));
		rec_name(t, "autobound", o, fd, 0, 0);
		break;
	case S_BADFD:
		DO(t, "send", o->send(-1, "ab", 2, 0));
		DO(t, "sendto", o->sendto(-1, "ab", 2, 0, rep, rlen));
		break;
	case S_NULL_BUF:
		DO(t, "send-null-0", o->send(fd, NULL, 0, 0));
		break;
	case S_ANY_DEST:	/* to 0.0.0.0 / :: means the local host */
		r4.sin_addr.s_addr = 0;
		r6.sin6_addr = in6addr_any;
		DO(t, "sendto", o->sendto(fd, "ab", 2, 0, rep, rlen));
		break;
	case S_NO_ROUTE:
		inet_pton(AF_INET, "198.19.99.1", &r4.sin_addr);
		inet_pton(AF_INET6, "2001:db8:99::1", &r6.sin6_addr);
		DO(t, "sendto", o->sendto(fd, "ab", 2, 0, rep, rlen));
		break;
	case S_EOR:
		DO(t, "send-eor", o->send(fd, "ab", 2, MSG_EOR));
		break;
	}
	rec_reply(o, t, fd, "reply");
	o->close(fd);
}

/* ---- non-blocking and timeouts ------------------------------------------ */

/* arg: way << 1 | v6: 0 SOCK_NONBLOCK, 1 O_NONBLOCK, 2 FIONBIO, 3 MSG_DONTWAIT,
 * 4 SO_RCVTIMEO 100 ms, 5 SO_RCVTIMEO then data arrives, 6 nonblocking and
 * data queued */
static void c_nonblock(const struct conf_ops *o, struct trace *t, long arg)
{
	int fam = fam_of(arg), v = (int)(arg >> 1), on = 1;
	int fd = udp_echo(o, fam, v == 0 ? SOCK_NONBLOCK : 0);
	struct timeval tv = { 0, 100000 };
	struct timespec a;
	char b[16] = { 0 };
	int fl = 0;

	if (v == 1)
		o->fcntl(fd, F_SETFL, O_NONBLOCK);
	if (v == 2)
		o->ioctl(fd, FIONBIO, &on);
	if (v >= 4 && v != 6)
		o->setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	if (v == 6)
		fl = SOCK_NONBLOCK, o->fcntl(fd, F_SETFL, O_NONBLOCK);
	if (v == 5 || v == 6)
		o->send(fd, "late", 4, 0);
	if (v == 6)
		wait_ev(o, fd, POLLIN, 2000);	/* queued, then read without waiting */
	clock_gettime(CLOCK_MONOTONIC, &a);
	DO(t, "recv", o->recv(fd, b, sizeof(b), v == 3 ? MSG_DONTWAIT : 0));
	if (v == 6 && b[0] == 0) {
		/* Not there yet (the echo takes a moment): wait, then read. */
		wait_ev(o, fd, POLLIN, 2000);
		DO(t, "recv-after-poll", o->recv(fd, b, sizeof(b), 0));
	}
	recs(t, "data", "%s", b);
	long ms = ms_since(&a);
	recs(t, "waited", "%s", ms < 20 ? "no" : ms >= 90 && ms < 1000 ? "timeout" : "other");
	DO(t, "send", o->send(fd, "x", 1, 0));
	wait_ev(o, fd, POLLIN, 2000);
	DO(t, "read", o->read(fd, b, sizeof(b)));
	(void)fl;
	o->close(fd);
}

/* ---- poll --------------------------------------------------------------- */

enum {
	P_FRESH, P_BOUND, P_CONNECTED, P_DATA, P_EVENTS_ZERO, P_TIMEOUT, P_NVAL, P_MIXED,
	P_TWO_SOCKETS, P_SHUT_RD, P_SHUT_RDWR, P_AFTER_READ, P_NEG_FD, P_DUPLICATE, P_MAX
};
static const char *const poll_names[P_MAX] = {
	"fresh", "bound", "connected", "data", "events_zero", "timeout_100ms", "nval_closed",
	"mixed_with_pipe", "two_sockets", "shut_rd", "shut_rdwr", "after_read", "negative_fd",
	"same_fd_twice",
};

static void c_poll(const struct conf_ops *o, struct trace *t, long arg)
{
	int fam = fam_of(arg), v = (int)(arg >> 1);
	int fd = v == P_FRESH ? o->socket(fam, SOCK_DGRAM, 0)
		 : v == P_BOUND ? udp_bound(o, fam, 0) : udp_echo(o, fam, 0);
	short all = POLLIN | POLLOUT | POLLPRI | POLLRDHUP | POLLRDNORM | POLLWRNORM;
	struct pollfd p[2] = { { .fd = fd, .events = all }, { .fd = -1 } };
	int pipefd[2] = { -1, -1 }, fd2 = -1;
	struct timespec a;
	char b[16];

	switch (v) {
	case P_DATA:
	case P_EVENTS_ZERO:
	case P_AFTER_READ:
		echo_roundtrip(o, fd, "pollme");
		if (v == P_EVENTS_ZERO)
			p[0].events = 0;
		if (v == P_AFTER_READ)
			o->recv(fd, b, sizeof(b), 0);
		break;
	case P_TIMEOUT:
		p[0].events = POLLIN;
		clock_gettime(CLOCK_MONOTONIC, &a);
		DO(t, "poll", o->poll(p, 1, 100));
		recs(t, "waited", "%s", ms_since(&a) >= 90 ? "yes" : "no");
		DO(t, "revents", p[0].revents);
		o->close(fd);
		return;
	case P_NVAL:
		o->close(fd);
		DO(t, "poll", o->poll(p, 1, 0));
		DO(t, "revents", p[0].revents);
		return;
	case P_MIXED:
		if (pipe(pipefd))
			return;
		DO(t, "pipe-write", write(pipefd[1], "p", 1));
		p[0].events = POLLIN;
		p[1] = (struct pollfd){ .fd = pipefd[0], .events = POLLIN };
		break;
	case P_TWO_SOCKETS:
		fd2 = udp_echo(o, fam, 0);
		echo_roundtrip(o, fd2, "two");
		p[0].events = POLLIN;
		p[1] = (struct pollfd){ .fd = fd2, .events = POLLIN };
		break;
	case P_SHUT_RD:
		o->shutdown(fd, SHUT_RD);
		break;
	case P_SHUT_RDWR:
		o->shutdown(fd, SHUT_RDWR);
		break;
	case P_NEG_FD:
		p[1] = (struct pollfd){ .fd = -5, .events = POLLIN };
		break;
	case P_DUPLICATE:
		echo_roundtrip(o, fd, "dup");
		p[0].events = POLLIN;
		p[1] = (struct pollfd){ .fd = fd, .events = POLLOUT };
		break;
	}
	DO(t, "poll", o->poll(p, 2, v == P_MIXED || v == P_TWO_SOCKETS ? 1000 : 0));
	DO(t, "revents0", p[0].revents);
	DO(t, "revents1", p[1].revents);
	if (pipefd[0] >= 0)
		close(pipefd[0]), close(pipefd[1]);
	if (fd2 >= 0)
		o->close(fd2);
	o->close(fd);
}

/* ---- ICMP errors --------------------------------------------------------- */

/* arg: variant << 1 | v6: 0 connected refused, 1 unconnected refused (not
 * reported), 2 IP_RECVERR errqueue, 3 SO_ERROR read and cleared, 4 blocking
 * poll wakes on the error */
static void c_icmp(const struct conf_ops *o, struct trace *t, long arg)
{
	int fam = fam_of(arg), v = (int)(arg >> 1), one = 1, err;
	int fd = o->socket(fam, SOCK_DGRAM, 0);
	struct sockaddr_in d4 = sin4(&conf_peer4, 9);
	struct sockaddr_in6 d6 = sin6(&conf_peer6, 9);
	struct sockaddr *d = fam == AF_INET ? (void *)&d4 : (void *)&d6;
	socklen_t dl = fam == AF_INET ? sizeof(d4) : sizeof(d6), len;
	char b[256], ctl[512];
	struct timeval tv = { 0, 300000 };

	o->setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	if (v == 2)
		o->setsockopt(fd, fam == AF_INET ? IPPROTO_IP : IPPROTO_IPV6,
			      fam == AF_INET ? IP_RECVERR : IPV6_RECVERR, &one, sizeof(one));
	if (v != 1)
		DO(t, "connect", o->connect(fd, d, dl));
	DO(t, "send", v == 1 ? o->sendto(fd, "x", 1, 0, d, dl) : o->send(fd, "x", 1, 0));
	switch (v) {
	case 0:
		DO(t, "poll", wait_ev(o, fd, POLLIN, 2000));
		DO(t, "recv", o->recv(fd, b, sizeof(b), 0));
		DO(t, "recv-again", o->recv(fd, b, sizeof(b), MSG_DONTWAIT));
		DO(t, "send2", o->send(fd, "x", 1, 0));
		usleep(200000);
		DO(t, "send3", o->send(fd, "x", 1, 0));
		break;
	case 1:
		usleep(200000);
		DO(t, "recv", o->recv(fd, b, sizeof(b), MSG_DONTWAIT));
		DO(t, "poll", wait_ev(o, fd, POLLIN, 0));
		break;
	case 2: {
		struct msghdr m = { .msg_iov = &(struct iovec){ b, sizeof(b) }, .msg_iovlen = 1,
				    .msg_control = ctl, .msg_controllen = sizeof(ctl) };
		struct cmsghdr *c;

		DO(t, "poll", wait_ev(o, fd, POLLIN, 2000));
		DO(t, "errqueue", o->recvmsg(fd, &m, MSG_ERRQUEUE));
		DO(t, "flags", m.msg_flags);
		for (c = CMSG_FIRSTHDR(&m); c; c = CMSG_NXTHDR(&m, c)) {
			struct sock_extended_err *ee = (void *)CMSG_DATA(c);

			recs(t, "cmsg", "%d/%d errno=%d origin=%d type=%d code=%d", c->cmsg_level,
			     c->cmsg_type, ee->ee_errno, ee->ee_origin, ee->ee_type, ee->ee_code);
		}
		DO(t, "recv", o->recv(fd, b, sizeof(b), MSG_DONTWAIT));
		break;
	}
	case 3:
		usleep(300000);
		len = sizeof(err);
		err = -1;
		DO(t, "so_error", o->getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &len));
		recs(t, "err", "%s", err ? strerrorname_np(err) : "0");
		len = sizeof(err);
		DO(t, "so_error2", (o->getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &len), err));
		DO(t, "recv", o->recv(fd, b, sizeof(b), MSG_DONTWAIT));
		break;
	case 4: {
		struct pollfd p = { .fd = fd, .events = 0 };

		DO(t, "poll-events0", (o->poll(&p, 1, 2000), p.revents));
		DO(t, "recv", o->recv(fd, b, sizeof(b), MSG_DONTWAIT));
		break;
	}
	}
	o->close(fd);
}

/* ---- control messages received ------------------------------------------ */

enum {
	M_PKTINFO, M_RECVTOS, M_RECVTTL, M_TIMESTAMP, M_TIMESTAMPNS, M_ORIGDSTADDR, M_RXQ_OVFL,
	M_CTRUNC, M_PKTINFO_ON_V6_MAPPED, M_RECVTCLASS, M_RECVHOPLIMIT, M_RECVPKTINFO6,
	M_TIMESTAMP_OLD_OFF, M_MAX
};
static const char *const cmsg_names[M_MAX] = {
	"ip_pktinfo", "ip_recvtos", "ip_recvttl", "so_timestamp", "so_timestampns",
	"ip_recvorigdstaddr", "so_rxq_ovfl", "ctrunc", "ip_pktinfo_v6_mapped",
	"ipv6_recvtclass", "ipv6_recvhoplimit", "ipv6_recvpktinfo", "none_enabled",
};

static void rec_cmsgs(struct trace *t, struct msghdr *m)
{
	struct timespec now;

	clock_gettime(CLOCK_REALTIME, &now);
	for (struct cmsghdr *c = CMSG_FIRSTHDR(m); c; c = CMSG_NXTHDR(m, c)) {
		unsigned char *d = CMSG_DATA(c);
		size_t dl = c->cmsg_len - CMSG_LEN(0);
		char v[200] = "";

		if (c->cmsg_level == SOL_SOCKET &&
		    (c->cmsg_type == SO_TIMESTAMP_OLD || c->cmsg_type == SO_TIMESTAMPNS_OLD)) {
			long sec = *(long *)d;

			snprintf(v, sizeof(v), "ts-%s", labs(sec - now.tv_sec) <= 5 ? "now" : "wrong");
		} else if (c->cmsg_level == IPPROTO_IP && c->cmsg_type == IP_PKTINFO) {
			struct in_pktinfo pi;
			char a1[INET_ADDRSTRLEN], a2[INET_ADDRSTRLEN];

			memcpy(&pi, d, sizeof(pi));
			inet_ntop(AF_INET, &pi.ipi_spec_dst, a1, sizeof(a1));
			inet_ntop(AF_INET, &pi.ipi_addr, a2, sizeof(a2));
			snprintf(v, sizeof(v), "if%s,spec=%s,addr=%s",
				 pi.ipi_ifindex > 1 ? "X" : "lo", a1, a2);
		} else if (c->cmsg_level == IPPROTO_IPV6 && c->cmsg_type == IPV6_PKTINFO) {
			struct in6_pktinfo pi;
			char a[INET6_ADDRSTRLEN];

			memcpy(&pi, d, sizeof(pi));
			inet_ntop(AF_INET6, &pi.ipi6_addr, a, sizeof(a));
			snprintf(v, sizeof(v), "if%s,addr=%s", pi.ipi6_ifindex > 1 ? "X" : "lo", a);
		} else if ((c->cmsg_level == IPPROTO_IP && c->cmsg_type == IP_ORIGDSTADDR) ||
			   (c->cmsg_level == IPPROTO_IPV6 && c->cmsg_type == IPV6_ORIGDSTADDR)) {
			/* Our own address: the port is each run's ephemeral one. */
			addr_str((void *)d, (socklen_t)dl, 0, v, sizeof(v));
		} else {
			size_t n = 0;

			for (size_t i = 0; i < dl && i < 16; i++)
				n += (size_t)snprintf(v + n, sizeof(v) - n, "%02x", d[i]);
		}
		recs(t, "cmsg", "%d/%d/%zu:%s", c->cmsg_level, c->cmsg_type, dl, v);
	}
}

static void c_cmsg(const struct conf_ops *o, struct trace *t, long arg)
{
	int v = (int)arg, one = 1;
	int fam = v >= M_PKTINFO_ON_V6_MAPPED && v != M_TIMESTAMP_OLD_OFF ? AF_INET6 : AF_INET;
	int fd = o->socket(fam, SOCK_DGRAM, 0);
	struct sockaddr_in r4 = sin4(&conf_peer4, conf_report_port);
	struct sockaddr_in6 r6 = sin6(&conf_peer6, conf_report_port);
	char b[64] = { 0 }, ctl[512];
	struct iovec iv = { b, sizeof(b) };
	struct sockaddr_storage from;
	struct msghdr m = { .msg_iov = &iv, .msg_iovlen = 1, .msg_control = ctl,
			    .msg_controllen = sizeof(ctl), .msg_name = &from,
			    .msg_namelen = sizeof(from) };
	static const int opt[M_MAX][2] = {
		[M_PKTINFO] = { IPPROTO_IP, IP_PKTINFO },
		[M_RECVTOS] = { IPPROTO_IP, IP_RECVTOS },
		[M_RECVTTL] = { IPPROTO_IP, IP_RECVTTL },
		[M_TIMESTAMP] = { SOL_SOCKET, SO_TIMESTAMP },
		[M_TIMESTAMPNS] = { SOL_SOCKET, SO_TIMESTAMPNS },
		[M_ORIGDSTADDR] = { IPPROTO_IP, IP_RECVORIGDSTADDR },
		[M_RXQ_OVFL] = { SOL_SOCKET, SO_RXQ_OVFL },
		[M_CTRUNC] = { IPPROTO_IP, IP_PKTINFO },
		[M_PKTINFO_ON_V6_MAPPED] = { IPPROTO_IP, IP_PKTINFO },
		[M_RECVTCLASS] = { IPPROTO_IPV6, IPV6_RECVTCLASS },
		[M_RECVHOPLIMIT] = { IPPROTO_IPV6, IPV6_RECVHOPLIMIT },
		[M_RECVPKTINFO6] = { IPPROTO_IPV6, IPV6_RECVPKTINFO },
	};

	if (v != M_TIMESTAMP_OLD_OFF)
		DO(t, "setsockopt", o->setsockopt(fd, opt[v][0], opt[v][1], &one, sizeof(one)));
	if (v == M_CTRUNC)
		m.msg_controllen = 8;
	/* The peer answers with TOS 0x28 (traffic class) and TTL 33 (hops). */
	if (v == M_PKTINFO_ON_V6_MAPPED) {
		struct sockaddr_in6 mp = mapped6(&r4);

		DO(t, "sendto", o->sendto(fd, "R 40 33", 7, 0, (void *)&mp, sizeof(mp)));
	} else if (fam == AF_INET) {
		DO(t, "sendto", o->sendto(fd, "R 40 33", 7, 0, (void *)&r4, sizeof(r4)));
	} else {
		DO(t, "sendto", o->sendto(fd, "R 40 33", 7, 0, (void *)&r6, sizeof(r6)));
	}
	DO(t, "poll", wait_ev(o, fd, POLLIN, 2000));
	DO(t, "recvmsg", o->recvmsg(fd, &m, MSG_DONTWAIT));
	DO(t, "flags", m.msg_flags);
	recs(t, "data", "%s", b);
	rec_addr(t, "from", &from, m.msg_namelen, 1);
	if (v != M_CTRUNC)
		rec_cmsgs(t, &m);
	else
		DO(t, "controllen", m.msg_controllen);
	o->close(fd);
}

/* ---- net.core.optmem_max ------------------------------------------------- */

void conf_optmem_sends(const struct conf_ops *o, struct trace *t, int fd, int zeros)
{
	static char ctl[1 << 20];
	struct iovec iv = { (void *)"optmem", 6 };
	struct msghdr m = { .msg_iov = &iv, .msg_iovlen = 1, .msg_control = ctl };
	FILE *f = fopen("/proc/sys/net/core/optmem_max", "re");
	int optmem = 0;

	if (!f || fscanf(f, "%d", &optmem) != 1 || optmem < 64 || optmem > (int)sizeof(ctl)) {
		recs(t, "optmem_max", "unreadable");
		if (f)
			fclose(f);
		return;
	}
	fclose(f);
	m.msg_controllen = (size_t)optmem;
	DO(t, "ctl=optmem_max", o->sendmsg(fd, &m, 0));
	m.msg_controllen = (size_t)optmem + 1;
	DO(t, "ctl=optmem_max+1", o->sendmsg(fd, &m, 0));
	m.msg_controllen = (size_t)INT_MAX + 1;
	DO(t, "ctl=INT_MAX+1", o->sendmsg(fd, &m, 0));
	if (zeros) {
		m.msg_controllen = (size_t)optmem - 1;
		DO(t, "ctl=optmem_max-1,zeros", o->sendmsg(fd, &m, 0));
	}
	DO(t, "send", o->send(fd, "after", 5, 0));
}

static void c_optmem(const struct conf_ops *o, struct trace *t, long arg)
{
	int fd = udp_echo(o, fam_of(arg), 0);

	conf_optmem_sends(o, t, fd, 1);
	o->close(fd);
}

/* ---- what reaches the wire ----------------------------------------------- */

enum {
	W_DEFAULT, W_TTL, W_TOS, W_TTL_CMSG, W_TOS_CMSG, W_V6_DEFAULT, W_HOPS, W_TCLASS,
	W_MAPPED_TOS_TTL, W_PMTU_DO_BIG, W_PMTU_DONT_BIG, W_V6_DONTFRAG_BIG, W_TTL_AFTER_CONNECT,
	W_TTL_RESET, W_PRIORITY_TOS, W_TOS_ECN_BITS, W_BIND_LOCAL_TTL, W_MAX
};
static const char *const wire_names[W_MAX] = {
	"v4_default", "ip_ttl", "ip_tos", "ip_ttl_cmsg", "ip_tos_cmsg", "v6_default",
	"ipv6_unicast_hops", "ipv6_tclass", "v6_mapped_ip_tos_ttl", "ip_pmtudisc_do_big",
	"ip_pmtudisc_dont_big", "ipv6_dontfrag_big", "ip_ttl_after_connect", "ip_ttl_reset",
	"so_priority_then_tos", "ip_tos_ecn_bits", "bound_ip_ttl",
};

static void c_wire(const struct conf_ops *o, struct trace *t, long arg)
{
	int v = (int)arg, fam = v == W_V6_DEFAULT || v == W_HOPS || v == W_TCLASS ||
				v == W_MAPPED_TOS_TTL || v == W_V6_DONTFRAG_BIG ? AF_INET6 : AF_INET;
	int fd, x;
	static char big[2000];
	char ctl[CMSG_SPACE(sizeof(int))] = { 0 };
	struct iovec iv = { (void *)"cmsg", 4 };
	struct msghdr m = { .msg_iov = &iv, .msg_iovlen = 1, .msg_control = ctl,
			    .msg_controllen = sizeof(ctl) };
	struct cmsghdr *c = (void *)ctl;

	if (v == W_MAPPED_TOS_TTL) {
		struct sockaddr_in r4 = sin4(&conf_peer4, conf_report_port);
		struct sockaddr_in6 mp = mapped6(&r4);

		fd = o->socket(AF_INET6, SOCK_DGRAM, 0);
		x = 0x48;
		DO(t, "tos", o->setsockopt(fd, IPPROTO_IP, IP_TOS, &x, sizeof(x)));
		x = 11;
		DO(t, "ttl", o->setsockopt(fd, IPPROTO_IP, IP_TTL, &x, sizeof(x)));
		x = 0x28;
		DO(t, "tclass", o->setsockopt(fd, IPPROTO_IPV6, IPV6_TCLASS, &x, sizeof(x)));
		DO(t, "connect", o->connect(fd, (void *)&mp, sizeof(mp)));
		DO(t, "send", o->send(fd, "mapped", 6, 0));
		rec_reply(o, t, fd, "peer-saw");
		o->close(fd);
		return;
	}
	if (v == W_BIND_LOCAL_TTL) {
		struct sockaddr_in r4 = sin4(&conf_peer4, conf_report_port);

		fd = udp_bound(o, AF_INET, 0);
		x = 5;
		DO(t, "ttl", o->setsockopt(fd, IPPROTO_IP, IP_TTL, &x, sizeof(x)));
		DO(t, "sendto", o->sendto(fd, "bound", 5, 0, (void *)&r4, sizeof(r4)));
		rec_reply(o, t, fd, "peer-saw");
		o->close(fd);
		return;
	}
	fd = v == W_TTL_AFTER_CONNECT ? o->socket(fam, SOCK_DGRAM, 0) : udp_report(o, fam, 0);
	switch (v) {
	case W_TTL:
		x = 7;
		DO(t, "set", o->setsockopt(fd, IPPROTO_IP, IP_TTL, &x, sizeof(x)));
		break;
	case W_TOS:
		x = 0x28;
		DO(t, "set", o->setsockopt(fd, IPPROTO_IP, IP_TOS, &x, sizeof(x)));
		break;
	case W_TOS_ECN_BITS:
		x = 0x2b;
		DO(t, "set", o->setsockopt(fd, IPPROTO_IP, IP_TOS, &x, sizeof(x)));
		DO(t, "get", ({ int g = -1; socklen_t l = sizeof(g);
				o->getsockopt(fd, IPPROTO_IP, IP_TOS, &g, &l); g; }));
		break;
	case W_HOPS:
		x = 9;
		DO(t, "set", o->setsockopt(fd, IPPROTO_IPV6, IPV6_UNICAST_HOPS, &x, sizeof(x)));
		break;
	case W_TCLASS:
		x = 0x28;
		DO(t, "set", o->setsockopt(fd, IPPROTO_IPV6, IPV6_TCLASS, &x, sizeof(x)));
		break;
	case W_TTL_CMSG:
	case W_TOS_CMSG:
		c->cmsg_level = IPPROTO_IP;
		c->cmsg_type = v == W_TTL_CMSG ? IP_TTL : IP_TOS;
		c->cmsg_len = CMSG_LEN(v == W_TTL_CMSG ? sizeof(int) : 1);
		if (v == W_TTL_CMSG)
			*(int *)CMSG_DATA(c) = 13;
		else
			*CMSG_DATA(c) = 0x48;
		m.msg_controllen = CMSG_SPACE(v == W_TTL_CMSG ? sizeof(int) : 1);
		DO(t, "sendmsg", o->sendmsg(fd, &m, 0));
		rec_reply(o, t, fd, "peer-saw");
		DO(t, "send-after", o->send(fd, "plain", 5, 0));
		rec_reply(o, t, fd, "peer-saw-after");
		o->close(fd);
		return;
	case W_PMTU_DO_BIG:
	case W_PMTU_DONT_BIG:
		x = v == W_PMTU_DO_BIG ? IP_PMTUDISC_DO : IP_PMTUDISC_DONT;
		DO(t, "set", o->setsockopt(fd, IPPROTO_IP, IP_MTU_DISCOVER, &x, sizeof(x)));
		DO(t, "send-big", o->send(fd, big, sizeof(big), 0));
		rec_reply(o, t, fd, "peer-saw");
		o->close(fd);
		return;
	case W_V6_DONTFRAG_BIG:
		x = 1;
		DO(t, "set", o->setsockopt(fd, IPPROTO_IPV6, IPV6_DONTFRAG, &x, sizeof(x)));
		DO(t, "send-big", o->send(fd, big, sizeof(big), 0));
		rec_reply(o, t, fd, "peer-saw");
		o->close(fd);
		return;
	case W_TTL_AFTER_CONNECT: {
		struct sockaddr_in r4 = sin4(&conf_peer4, conf_report_port);

		DO(t, "connect", o->connect(fd, (void *)&r4, sizeof(r4)));
		DO(t, "send", o->send(fd, "before", 6, 0));
		rec_reply(o, t, fd, "peer-saw-before");
		x = 3;
		DO(t, "set", o->setsockopt(fd, IPPROTO_IP, IP_TTL, &x, sizeof(x)));
		break;
	}
	case W_TTL_RESET:
		x = 3;
		o->setsockopt(fd, IPPROTO_IP, IP_TTL, &x, sizeof(x));
		o->send(fd, "three", 5, 0);
		rec_reply(o, t, fd, "peer-saw-3");
		x = -1;
		DO(t, "reset", o->setsockopt(fd, IPPROTO_IP, IP_TTL, &x, sizeof(x)));
		break;
	case W_PRIORITY_TOS:
		x = 0x10;
		DO(t, "tos", o->setsockopt(fd, IPPROTO_IP, IP_TOS, &x, sizeof(x)));
		DO(t, "priority", ({ int g = -1; socklen_t l = sizeof(g);
				     o->getsockopt(fd, SOL_SOCKET, SO_PRIORITY, &g, &l); g; }));
		break;
	}
	DO(t, "send", o->send(fd, "wire", 4, 0));
	rec_reply(o, t, fd, "peer-saw");
	o->close(fd);
}

/* ---- delivery: which socket gets a datagram ----------------------------- */

/* arg: variant << 1 | v6: 0 two SO_REUSEADDR sockets, 1 connected beats
 * unconnected, 2 specific beats wildcard, 3 connected socket filters other
 * sources, 4 datagram queued before connect, 5 SO_REUSEPORT pair, 6 wildcard
 * v6 socket gets IPv4 (mapped) */
static void c_deliver(const struct conf_ops *o, struct trace *t, long arg)
{
	int fam = fam_of(arg), v = (int)(arg >> 1), one = 1;
	int fd1 = o->socket(v == 6 ? AF_INET6 : fam, SOCK_DGRAM, 0), fd2 = o->socket(fam, SOCK_DGRAM, 0);
	struct sockaddr_in l4 = sin4(&conf_local4, conf_port), r4 = sin4(&conf_peer4, conf_report_port);
	struct sockaddr_in6 l6 = sin6(&conf_local6, conf_port), r6 = sin6(&conf_peer6, conf_report_port);
	struct sockaddr_in w4 = { .sin_family = AF_INET, .sin_port = l4.sin_port };
	struct sockaddr_in6 w6 = { .sin6_family = AF_INET6, .sin6_port = l6.sin6_port };
	struct sockaddr *l = fam == AF_INET ? (void *)&l4 : (void *)&l6;
	struct sockaddr *r = fam == AF_INET ? (void *)&r4 : (void *)&r6;
	struct sockaddr *w = fam == AF_INET ? (void *)&w4 : (void *)&w6;
	socklen_t al = fam == AF_INET ? sizeof(l4) : sizeof(l6);
	char cmd[32], b1[32] = { 0 }, b2[32] = { 0 };
	int probe = o->socket(fam, SOCK_DGRAM, 0);

	snprintf(cmd, sizeof(cmd), "P %d", conf_port);
	switch (v) {
	case 0:
	case 5: {
		int opt = v == 0 ? SO_REUSEADDR : SO_REUSEPORT;

		o->setsockopt(fd1, SOL_SOCKET, opt, &one, sizeof(one));
		o->setsockopt(fd2, SOL_SOCKET, opt, &one, sizeof(one));
		DO(t, "bind1", o->bind(fd1, l, al));
		DO(t, "bind2", o->bind(fd2, l, al));
		break;
	}
	case 1:
		o->setsockopt(fd1, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
		o->setsockopt(fd2, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
		DO(t, "bind1", o->bind(fd1, l, al));
		DO(t, "bind2", o->bind(fd2, l, al));
		DO(t, "connect1", o->connect(fd1, r, al));
		break;
	case 2:
		o->setsockopt(fd1, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
		o->setsockopt(fd2, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
		DO(t, "bind1-specific", o->bind(fd1, l, al));
		DO(t, "bind2-any", o->bind(fd2, w, al));
		break;
	case 3: {
		struct sockaddr_in e4 = sin4(&conf_peer4, conf_echo_port);
		struct sockaddr_in6 e6 = sin6(&conf_peer6, conf_echo_port);

		DO(t, "bind1", o->bind(fd1, l, al));
		DO(t, "connect1-echo", o->connect(fd1, fam == AF_INET ? (void *)&e4 : (void *)&e6, al));
		break;
	}
	case 4:
		DO(t, "bind1", o->bind(fd1, l, al));
		break;
	case 6:
		DO(t, "bind1-any6", o->bind(fd1, (void *)&w6, sizeof(w6)));
		break;
	}
	DO(t, "poke", o->sendto(probe, cmd, strlen(cmd), 0, r, al));
	usleep(150000);
	if (v == 4)
		DO(t, "connect1-reporter", o->connect(fd1, r, al));
	{
		ssize_t n1 = o->recv(fd1, b1, sizeof(b1), MSG_DONTWAIT);
		int e1 = errno;
		ssize_t n2 = o->recv(fd2, b2, sizeof(b2), MSG_DONTWAIT);
		int e2 = errno;

		/* SO_REUSEPORT picks by a hash of the 4-tuple, whose peer
		 * port differs between runs: only "exactly one" is fixed. */
		if (v == 5) {
			recs(t, "delivered-to", "%d socket(s), data %s%s", (n1 > 0) + (n2 > 0), b1, b2);
		} else {
			rec(t, "recv1", n1, e1);
			rec(t, "recv2", n2, e2);
			recs(t, "data", "%s|%s", b1, b2);
		}
	}
	o->close(probe);
	o->close(fd1);
	o->close(fd2);
}

/* ---- signals and ioctls with traffic ------------------------------------ */

/* O_ASYNC: SIGIO when a datagram arrives. */
static void c_sigio(const struct conf_ops *o, struct trace *t, long arg)
{
	int fd = udp_echo(o, fam_of(arg), 0);

	DO(t, "setown", o->fcntl(fd, F_SETOWN, getpid()));
	DO(t, "async", o->fcntl(fd, F_SETFL, O_ASYNC));
	conf_sigs(t, "before");
	DO(t, "echo", echo_roundtrip(o, fd, "sigio"));
	usleep(50000);
	conf_sigs(t, "after");
	o->close(fd);
}

/* arg: variant << 1 | v6: 0 SIOCGSTAMP after a datagram, 1 SIOCOUTQ after
 * send, 2 FIONREAD with two queued, 3 SIOCGSTAMP with SO_TIMESTAMP on */
static void c_ioctl_data(const struct conf_ops *o, struct trace *t, long arg)
{
	int v = (int)(arg >> 1), fd = udp_echo(o, fam_of(arg), 0), n = -7, one = 1;
	struct timeval tv = { 0 };
	struct timespec now;
	char b[64];

	if (v == 3)
		o->setsockopt(fd, SOL_SOCKET, SO_TIMESTAMP, &one, sizeof(one));
	DO(t, "echo", echo_roundtrip(o, fd, "stamp-me"));
	switch (v) {
	case 0:
	case 3:
		DO(t, "stamp-before-read", o->ioctl(fd, SIOCGSTAMP, &tv));
		DO(t, "recv", o->recv(fd, b, sizeof(b), 0));
		DO(t, "stamp", o->ioctl(fd, SIOCGSTAMP, &tv));
		clock_gettime(CLOCK_REALTIME, &now);
		recs(t, "when", "%s", labs(tv.tv_sec - now.tv_sec) <= 5 ? "now" : "wrong");
		break;
	case 1:
		DO(t, "siocoutq", o->ioctl(fd, SIOCOUTQ, &n));
		DO(t, "n", n);
		break;
	case 2:
		o->send(fd, "second-one", 10, 0);
		usleep(150000);
		DO(t, "fionread", o->ioctl(fd, FIONREAD, &n));
		DO(t, "n", n);
		DO(t, "siocinq", (o->ioctl(fd, SIOCINQ, &n), n));
		o->recv(fd, b, sizeof(b), 0);
		DO(t, "fionread2", (o->ioctl(fd, FIONREAD, &n), n));
		break;
	}
	o->close(fd);
}

/* SO_PEEK_OFF: peeking moves through the datagram. */
static void c_peek_off(const struct conf_ops *o, struct trace *t, long arg)
{
	int fd = udp_echo(o, fam_of(arg), 0), off = 0;
	char b[8] = { 0 }, c[8] = { 0 };

	DO(t, "set", o->setsockopt(fd, SOL_SOCKET, SO_PEEK_OFF, &off, sizeof(off)));
	DO(t, "echo", echo_roundtrip(o, fd, "0123456789"));
	DO(t, "peek1", o->recv(fd, b, 4, MSG_PEEK));
	DO(t, "peek2", o->recv(fd, c, 4, MSG_PEEK));
	recs(t, "data", "%s|%s", b, c);
	DO(t, "off", ({ int g = -1; socklen_t l = sizeof(g);
			o->getsockopt(fd, SOL_SOCKET, SO_PEEK_OFF, &g, &l); g; }));
	memset(b, 0, sizeof(b));
	DO(t, "recv", o->recv(fd, b, 4, 0));
	recs(t, "data", "%s", b);
	o->close(fd);
}

/* SO_RCVBUF: a small buffer drops what does not fit (the first datagram
 * into an empty queue is always taken). */
static void c_rcvbuf_drop(const struct conf_ops *o, struct trace *t, long arg)
{
	int fd = udp_report(o, fam_of(arg), SOCK_NONBLOCK), v = 1, got = 0;
	char b[2048];

	DO(t, "rcvbuf", o->setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &v, sizeof(v)));
	DO(t, "burst", o->send(fd, "B 20 1000", 9, 0));
	usleep(300000);
	while (o->recv(fd, b, sizeof(b), 0) > 0)
		got++;
	recs(t, "received", "%s", got == 0 ? "none" : got == 20 ? "all" : "some");
	o->close(fd);
}

/* SO_BINDTODEVICE lo: the peer is not reachable through it. */
static void c_bindtodevice(const struct conf_ops *o, struct trace *t, long arg)
{
	int fam = fam_of(arg), fd = o->socket(fam, SOCK_DGRAM | SOCK_NONBLOCK, 0);
	struct sockaddr_in r4 = sin4(&conf_peer4, conf_report_port);
	struct sockaddr_in6 r6 = sin6(&conf_peer6, conf_report_port);

	DO(t, "bind-lo", o->setsockopt(fd, SOL_SOCKET, SO_BINDTODEVICE, "lo", 3));
	DO(t, "sendto", fam == AF_INET ? o->sendto(fd, "lo", 2, 0, (void *)&r4, sizeof(r4))
				       : o->sendto(fd, "lo", 2, 0, (void *)&r6, sizeof(r6)));
	rec_reply(o, t, fd, "reply");
	DO(t, "unbind", o->setsockopt(fd, SOL_SOCKET, SO_BINDTODEVICE, "", 0));
	DO(t, "sendto2", fam == AF_INET ? o->sendto(fd, "ok", 2, 0, (void *)&r4, sizeof(r4))
					: o->sendto(fd, "ok", 2, 0, (void *)&r6, sizeof(r6)));
	rec_reply(o, t, fd, "reply2");
	o->close(fd);
}

void conf_register_io(void)
{
	char n[128];

	for (int fam = 0; fam < 2; fam++)
		for (int s = 0; s < 5; s++)
			for (int r = 0; r < 5; r++) {
				snprintf(n, sizeof(n), "xfer_%s_%s_%s", fam ? "v6" : "v4", senders[s],
					 receivers[r]);
				conf_add("io", n, c_xfer, s << 8 | r << 4 | fam);
			}
	for (size_t i = 0; i < ARRAY_SIZE(sizes4); i++) {
		snprintf(n, sizeof(n), "size_v4_%d", sizes4[i]);
		conf_add("io", n, c_size, sizes4[i] << 1);
	}
	for (size_t i = 0; i < ARRAY_SIZE(sizes6); i++) {
		snprintf(n, sizeof(n), "size_v6_%d", sizes6[i]);
		conf_add("io", n, c_size, sizes6[i] << 1 | 1);
	}
	for (int fam = 0; fam < 2; fam++) {
		for (int i = 0; i < R_MAX; i++) {
			snprintf(n, sizeof(n), "recv_%s_%s", fam ? "v6" : "v4", recv_names[i]);
			conf_add("io", n, c_recvflags, i << 1 | fam);
		}
		for (int i = 0; i < S_MAX; i++) {
			snprintf(n, sizeof(n), "send_%s_%s", fam ? "v6" : "v4", send_names[i]);
			conf_add("io", n, c_sendflags, i << 1 | fam);
		}
	}
	static const char *const nb[] = { "sock_nonblock", "o_nonblock", "fionbio",
					  "msg_dontwait", "so_rcvtimeo", "so_rcvtimeo_data",
					  "nonblock_data" };
	for (int fam = 0; fam < 2; fam++)
		for (size_t i = 0; i < ARRAY_SIZE(nb); i++) {
			snprintf(n, sizeof(n), "nonblock_%s_%s", fam ? "v6" : "v4", nb[i]);
			conf_add("nonblock", n, c_nonblock, (long)i << 1 | fam);
		}
	for (int fam = 0; fam < 2; fam++)
		for (int i = 0; i < P_MAX; i++) {
			snprintf(n, sizeof(n), "poll_%s_%s", fam ? "v6" : "v4", poll_names[i]);
			conf_add("poll", n, c_poll, i << 1 | fam);
		}
	static const char *const ic[] = { "connected_refused", "unconnected_not_reported",
					  "recverr_errqueue", "so_error", "pollerr" };
	for (int fam = 0; fam < 2; fam++)
		for (size_t i = 0; i < ARRAY_SIZE(ic); i++) {
			snprintf(n, sizeof(n), "icmp_%s_%s", fam ? "v6" : "v4", ic[i]);
			conf_add("poll", n, c_icmp, (long)i << 1 | fam);
		}
	for (int i = 0; i < M_MAX; i++) {
		snprintf(n, sizeof(n), "cmsg_%s", cmsg_names[i]);
		conf_add("cmsg", n, c_cmsg, i);
	}
	for (int i = 0; i < W_MAX; i++) {
		snprintf(n, sizeof(n), "wire_%s", wire_names[i]);
		conf_add("wire", n, c_wire, i);
	}
	static const char *const dv[] = { "reuseaddr_pair", "connected_preferred",
					  "specific_preferred", "connected_filters_others",
					  "queued_before_connect", "reuseport_pair",
					  "v6_wildcard_gets_v4" };
	for (int fam = 0; fam < 2; fam++)
		for (size_t i = 0; i < ARRAY_SIZE(dv); i++) {
			if (i == 6 && fam)
				continue;
			snprintf(n, sizeof(n), "deliver_%s_%s", fam ? "v6" : "v4", dv[i]);
			conf_add("io", n, c_deliver, (long)i << 1 | fam);
		}
	static const char *const id[] = { "siocgstamp", "siocoutq_after_send", "fionread_two",
					  "siocgstamp_so_timestamp" };
	for (int fam = 0; fam < 2; fam++) {
		snprintf(n, sizeof(n), "sigio_%s", fam ? "v6" : "v4");
		conf_add("signal", n, c_sigio, fam);
		for (size_t i = 0; i < ARRAY_SIZE(id); i++) {
			snprintf(n, sizeof(n), "ioctl_%s_%s", fam ? "v6" : "v4", id[i]);
			conf_add("ioctl", n, c_ioctl_data, (long)i << 1 | fam);
		}
		snprintf(n, sizeof(n), "so_peek_off_%s", fam ? "v6" : "v4");
		conf_add("so_opt", n, c_peek_off, fam);
		snprintf(n, sizeof(n), "so_rcvbuf_drops_%s", fam ? "v6" : "v4");
		conf_add("so_opt", n, c_rcvbuf_drop, fam);
		snprintf(n, sizeof(n), "optmem_max_%s", fam ? "v6" : "v4");
		conf_add("cmsg", n, c_optmem, fam);
		snprintf(n, sizeof(n), "so_bindtodevice_lo_%s", fam ? "v6" : "v4");
		conf_add("so_opt", n, c_bindtodevice, fam);
	}
}
