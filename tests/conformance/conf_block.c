// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * Blocking calls and signals: what a signal handler does to a call blocked
 * in recv, recvfrom, recvmsg, read, send, write, accept, connect, poll and
 * epoll_wait, with and without SA_RESTART, with and without
 * SO_RCVTIMEO/SO_SNDTIMEO, before and after part of the data moved (see
 * signal(7), "Interruption of system calls and library functions by
 * signal handlers"); and a blocked call whose socket another thread closes
 * or shuts down.
 *
 * Handlers are installed with sigaction() for the kernel run and with
 * xsock_sigaction() for the xsock one (which is how a program tells
 * libxsock about its handlers; the LD_PRELOAD shim does it for
 * sigaction() and signal()).
 *
 * Signals come from two one-shot timers aimed at this thread
 * (SIGEV_THREAD_ID): SIGUSR1 at 100 ms with the flags the case tests, and
 * SIGUSR2 at 400 ms without SA_RESTART, which ends any call that is still
 * blocked, so a call that the first one restarted ends too.  What is
 * recorded: the call's result and errno, which of the two signals had come
 * when it returned ("t1": before 300 ms, "t2": before 2 s), and
 * what the socket says afterwards.
 */
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdbool.h>
#include <stdlib.h>
#include <sys/ioctl.h>
#include <sys/epoll.h>
#include <unistd.h>

#include "conf.h"
#include "xsock/xsock.h"

#define T1_MS 100
#define T2_MS 400

/* conf_peer.py's TCP services used here, at conf_tcp_port plus: */
enum { SVC_FULL = 5, SVC_SINK = 7, SVC_IDLE = 8, SVC_DRIP = 9 };

static volatile sig_atomic_t n_usr1, n_usr2;

static void on_usr(int sig)
{
	if (sig == SIGUSR1)
		n_usr1++;
	else
		n_usr2++;
}

struct timers {
	timer_t t1, t2;
};

/* SIGUSR1 with flags (SA_RESTART or 0) at T1_MS (flags -1: none),
 * SIGUSR2 without SA_RESTART at T2_MS, both to this thread. */
static void timers_arm(const struct conf_ops *o, struct timers *tm, int flags)
{
	int (*act)(int, const struct sigaction *, struct sigaction *) =
		o == &conf_xsock_ops ? xsock_sigaction : sigaction;
	struct sigaction sa = { .sa_handler = on_usr, .sa_flags = flags };
	struct sigevent ev = { .sigev_notify = SIGEV_THREAD_ID };
	struct itimerspec one = { .it_value = { .tv_nsec = T1_MS * 1000000L } };
	struct itimerspec two = { .it_value = { .tv_nsec = T2_MS * 1000000L } };

	if (flags < 0)
		one.it_value.tv_nsec = 0;	/* disarmed */
	sa.sa_flags = flags < 0 ? 0 : flags;
	act(SIGUSR1, &sa, NULL);
	sa.sa_flags = 0;
	act(SIGUSR2, &sa, NULL);
	n_usr1 = n_usr2 = 0;
	ev._sigev_un._tid = gettid();
	ev.sigev_signo = SIGUSR1;
	timer_create(CLOCK_MONOTONIC, &ev, &tm->t1);
	ev.sigev_signo = SIGUSR2;
	timer_create(CLOCK_MONOTONIC, &ev, &tm->t2);
	timer_settime(tm->t1, 0, &one, NULL);
	timer_settime(tm->t2, 0, &two, NULL);
}

static void timers_done(struct timers *tm)
{
	timer_delete(tm->t1);
	timer_delete(tm->t2);
}

/* When the call returned, by the signals that had come. */
static void rec_when(struct trace *t, const struct timespec *a)
{
	long ms = ms_since(a);

	recs(t, "returned", "%s usr1:%d usr2:%d",
	     ms < (T1_MS + T2_MS) * 3 / 4 ? "t1" : ms < 2000 ? "t2" : "late", (int)n_usr1,
	     (int)n_usr2);
}

/* How a case sets up the signal and the socket. */
enum mode {
	M_RESTART,          /* SIGUSR1 with SA_RESTART */
	M_NORESTART,        /* SIGUSR1 without */
	M_TIMEO_RESTART,    /* SA_RESTART, and a 2 s SO_RCVTIMEO/SO_SNDTIMEO */
	M_MAX
};
static const char *const mode_names[M_MAX] = { "restart", "norestart", "timeo_restart" };

static void set_timeo(const struct conf_ops *o, int fd, int opt)
{
	struct timeval tv = { .tv_sec = 2 };

	o->setsockopt(fd, SOL_SOCKET, opt, &tv, sizeof(tv));
}

/* ---- receiving ---------------------------------------------------------- */

enum { R_RECV, R_RECVFROM, R_RECVMSG, R_READ, R_MAX };
static const char *const recv_names[R_MAX] = { "recv", "recvfrom", "recvmsg", "read" };

static ssize_t do_recv(const struct conf_ops *o, int how, int fd, char *b, size_t n, int flags)
{
	struct sockaddr_storage from;
	socklen_t flen = sizeof(from);
	struct iovec iov = { b, n };
	struct msghdr m = { .msg_iov = &iov, .msg_iovlen = 1 };

	switch (how) {
	case R_RECVFROM: return o->recvfrom(fd, b, n, flags, (void *)&from, &flen);
	case R_RECVMSG: return o->recvmsg(fd, &m, flags);
	case R_READ: return o->read(fd, b, n);
	default: return o->recv(fd, b, n, flags);
	}
}

/* One blocking receive under the timers, recorded with its data. */
static void blocked_recv(const struct conf_ops *o, struct trace *t, int fd, int how, int mode,
			 size_t len, int flags)
{
	struct timers tm;
	struct timespec a;
	char b[256] = { 0 };
	ssize_t n;

	timers_arm(o, &tm, mode == M_NORESTART ? 0 : SA_RESTART);
	clock_gettime(CLOCK_MONOTONIC, &a);
	errno = 0;
	n = do_recv(o, how, fd, b, len, flags);
	rec(t, recv_names[how], n, errno);
	rec_when(t, &a);
	timers_done(&tm);
	if (n > 0)
		recs(t, "data", "'%.*s'", (int)n, b);
}

/* UDP: a bound socket nothing is sent to.  arg: (how * M_MAX + mode) << 1 | v6 */
static void c_udp_recv(const struct conf_ops *o, struct trace *t, long arg)
{
	int how = (int)(arg >> 1) / M_MAX, mode = (int)(arg >> 1) % M_MAX;
	int fd = udp_bound(o, fam_of(arg), 0);

	if (mode == M_TIMEO_RESTART)
		set_timeo(o, fd, SO_RCVTIMEO);
	blocked_recv(o, t, fd, how, mode, 100, 0);
	DO(t, "after", o->recv(fd, (char[8]){ 0 }, 8, MSG_DONTWAIT));
	o->close(fd);
}

/* UDP: the reporter answers "late" 250 ms after it is asked ("L"), between
 * the two signals: a restarted receive gets it. */
static void c_udp_recv_data(const struct conf_ops *o, struct trace *t, long arg)
{
	int fam = fam_of(arg), mode = (int)(arg >> 1), fd = udp_bound(o, fam, 0);
	struct sockaddr_in r4 = sin4(&conf_peer4, conf_report_port);
	struct sockaddr_in6 r6 = sin6(&conf_peer6, conf_report_port);

	DO(t, "ask", fam == AF_INET ? o->sendto(fd, "L 250", 5, 0, (void *)&r4, sizeof(r4))
				    : o->sendto(fd, "L 250", 5, 0, (void *)&r6, sizeof(r6)));
	blocked_recv(o, t, fd, R_RECV, mode, 100, 0);
	/* without a restart the datagram is still to come */
	DO(t, "later", (wait_ev(o, fd, POLLIN, 2000) & POLLIN) &&
			       o->recv(fd, (char[8]){ 0 }, 8, MSG_DONTWAIT) == 4);
	o->close(fd);
}

static int tcp_connect_svc(const struct conf_ops *o, struct trace *t, int fam, int svc,
			   int sndbuf)
{
	struct sockaddr_in a4 = sin4(&conf_peer4, conf_tcp_port + svc);
	struct sockaddr_in6 a6 = sin6(&conf_peer6, conf_tcp_port + svc);
	int fd = o->socket(fam, SOCK_STREAM, 0);
	sigset_t usr, old;

	if (sndbuf)
		o->setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &sndbuf, sizeof(sndbuf));
	/* The set-up is not what a case measures: a late signal of the case
	 * before (seen once, on a loaded machine, by the kernel's connect)
	 * waits until the case arms its own timers. */
	sigemptyset(&usr);
	sigaddset(&usr, SIGUSR1);
	sigaddset(&usr, SIGUSR2);
	pthread_sigmask(SIG_BLOCK, &usr, &old);
	DO(t, "connect", fam == AF_INET ? o->connect(fd, (void *)&a4, sizeof(a4))
				       : o->connect(fd, (void *)&a6, sizeof(a6)));
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	return fd;
}

/* TCP: a connection to the peer that reads and never sends. */
static void c_tcp_recv(const struct conf_ops *o, struct trace *t, long arg)
{
	int how = (int)(arg >> 1) / M_MAX, mode = (int)(arg >> 1) % M_MAX;
	int fd = tcp_connect_svc(o, t, fam_of(arg), SVC_SINK, 0);

	if (mode == M_TIMEO_RESTART)
		set_timeo(o, fd, SO_RCVTIMEO);
	blocked_recv(o, t, fd, how, mode, 100, 0);
	DO(t, "after", o->recv(fd, (char[8]){ 0 }, 8, MSG_DONTWAIT));
	o->close(fd);
}

/* TCP, MSG_WAITALL for 10 bytes: the drip service sends 5 at once and 5
 * more after 1.5 s, so the signal comes with half of them read. */
static void c_tcp_waitall(const struct conf_ops *o, struct trace *t, long arg)
{
	int mode = (int)(arg >> 1), fd = tcp_connect_svc(o, t, fam_of(arg), SVC_DRIP, 0), q = 0;
	struct timespec a;

	o->send(fd, "2 5 1500\n", 9, MSG_NOSIGNAL);
	clock_gettime(CLOCK_MONOTONIC, &a);
	while ((o->ioctl(fd, FIONREAD, &q) || q < 5) && ms_since(&a) < 2000)
		usleep(2000);
	DO(t, "queued", q);
	if (mode == M_TIMEO_RESTART)
		set_timeo(o, fd, SO_RCVTIMEO);
	blocked_recv(o, t, fd, R_RECV, mode, 10, MSG_WAITALL);
	o->close(fd);
}

/* ---- sending ------------------------------------------------------------ */

/* Fills fd's send queue (the peer never reads) until a non-blocking send
 * finds no room for 50 ms. */
static int fill(const struct conf_ops *o, int fd)
{
	static char junk[16384];
	long total = 0;
	int quiet = 0;

	while (quiet < 2) {
		ssize_t n = o->send(fd, junk, sizeof(junk), MSG_DONTWAIT | MSG_NOSIGNAL);

		if (n > 0) {
			total += n;
			quiet = 0;
		} else if (n < 0 && errno == EAGAIN) {
			quiet += !(wait_ev(o, fd, POLLOUT, 50) & POLLOUT);
		} else {
			break;
		}
	}
	return total > 0;
}

/* TCP: a send that finds the queue full (the idle peer never reads).
 * arg: (write << 8 | mode) << 1 | v6 */
static void c_tcp_send(const struct conf_ops *o, struct trace *t, long arg)
{
	int mode = (int)(arg >> 1) & 0xff, use_write = (int)(arg >> 9);
	int fd = tcp_connect_svc(o, t, fam_of(arg), SVC_IDLE, 4096);
	static char junk[4096];
	struct timers tm;
	struct timespec a;
	ssize_t n;

	DO(t, "filled", fill(o, fd));
	if (mode == M_TIMEO_RESTART)
		set_timeo(o, fd, SO_SNDTIMEO);
	timers_arm(o, &tm, mode == M_NORESTART ? 0 : SA_RESTART);
	clock_gettime(CLOCK_MONOTONIC, &a);
	errno = 0;
	n = use_write ? o->write(fd, junk, sizeof(junk)) : o->send(fd, junk, sizeof(junk), 0);
	rec(t, use_write ? "write" : "send", n, errno);
	rec_when(t, &a);
	timers_done(&tm);
	o->close(fd);
}

/* TCP: a send far bigger than the queue to a peer that reads: the signal
 * comes with part of it sent, and the call returns that part. */
static void c_tcp_send_partial(const struct conf_ops *o, struct trace *t, long arg)
{
	int mode = (int)(arg >> 1), fd = tcp_connect_svc(o, t, fam_of(arg), SVC_SINK, 4096);
	size_t total = 256u << 20;
	char *big = calloc(1, total);
	struct timers tm;
	struct timespec a;
	ssize_t n;

	if (mode == M_TIMEO_RESTART)
		set_timeo(o, fd, SO_SNDTIMEO);
	timers_arm(o, &tm, mode == M_NORESTART ? 0 : SA_RESTART);
	clock_gettime(CLOCK_MONOTONIC, &a);
	errno = 0;
	n = o->send(fd, big, total, MSG_NOSIGNAL);
	recs(t, "send", "%s", n < 0 ? strerrorname_np(errno) : n == 0 ? "0" :
			      (size_t)n < total ? "part" : "all");
	rec_when(t, &a);
	timers_done(&tm);
	free(big);
	o->close(fd);
}

/* ---- accept and connect -------------------------------------------------- */

/* A listener no one connects to. */
static void c_accept(const struct conf_ops *o, struct trace *t, long arg)
{
	int fam = fam_of(arg), mode = (int)(arg >> 1), fd = o->socket(fam, SOCK_STREAM, 0), one = 1;
	struct sockaddr_in a4 = sin4(&conf_local4, conf_port);
	struct sockaddr_in6 a6 = sin6(&conf_local6, conf_port);
	struct timers tm;
	struct timespec a;

	o->setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	DO(t, "listen", (fam == AF_INET ? o->bind(fd, (void *)&a4, sizeof(a4))
					: o->bind(fd, (void *)&a6, sizeof(a6))) ?: o->listen(fd, 4));
	if (mode == M_TIMEO_RESTART)
		set_timeo(o, fd, SO_RCVTIMEO);
	timers_arm(o, &tm, mode == M_NORESTART ? 0 : SA_RESTART);
	clock_gettime(CLOCK_MONOTONIC, &a);
	DO(t, "accept", o->accept(fd, NULL, NULL));
	rec_when(t, &a);
	timers_done(&tm);
	o->close(fd);
}

/* A connect to the peer whose accept queue is full: its SYNs go
 * unanswered, so the call blocks; then what a second connect, blocking
 * and not, says of the attempt that goes on. */
static void c_connect(const struct conf_ops *o, struct trace *t, long arg)
{
	int fam = fam_of(arg), mode = (int)(arg >> 1), fd = o->socket(fam, SOCK_STREAM, 0);
	struct sockaddr_in a4 = sin4(&conf_peer4, conf_tcp_port + SVC_FULL);
	struct sockaddr_in6 a6 = sin6(&conf_peer6, conf_tcp_port + SVC_FULL);
	struct sockaddr *sa = fam == AF_INET ? (void *)&a4 : (void *)&a6;
	socklen_t len = fam == AF_INET ? sizeof(a4) : sizeof(a6);
	struct timers tm;
	struct timespec a;

	if (mode == M_TIMEO_RESTART)
		set_timeo(o, fd, SO_SNDTIMEO);
	timers_arm(o, &tm, mode == M_NORESTART ? 0 : SA_RESTART);
	clock_gettime(CLOCK_MONOTONIC, &a);
	DO(t, "connect", o->connect(fd, sa, len));
	rec_when(t, &a);
	timers_done(&tm);
	/* A blocking connect again waits for the same attempt: the second
	 * timer pair ends it. */
	timers_arm(o, &tm, mode == M_NORESTART ? 0 : SA_RESTART);
	clock_gettime(CLOCK_MONOTONIC, &a);
	DO(t, "connect-again", o->connect(fd, sa, len));
	rec_when(t, &a);
	timers_done(&tm);
	o->fcntl(fd, F_SETFL, O_NONBLOCK);
	DO(t, "connect-nonblock", o->connect(fd, sa, len));
	DO(t, "so_error", ({ int e = -1; socklen_t l = sizeof(e);
			     o->getsockopt(fd, SOL_SOCKET, SO_ERROR, &e, &l) ?: e; }));
	o->close(fd);
}

/* ---- poll and epoll ------------------------------------------------------ */

/* poll(2) and epoll_wait(2) never restart (signal(7)): a UDP socket with
 * nothing to read, no timeout or 2 s.  arg: (epoll << 8 | timeout << 4 |
 * mode) << 1 | v6 */
static void c_poll(const struct conf_ops *o, struct trace *t, long arg)
{
	int v = (int)(arg >> 1), mode = v & 0xf, timed = (v >> 4) & 1, use_epoll = v >> 8;
	int fd = udp_bound(o, fam_of(arg), 0), r;
	bool x = o == &conf_xsock_ops;
	struct pollfd p = { .fd = fd, .events = POLLIN };
	struct epoll_event ev = { .events = EPOLLIN }, out;
	int ep = -1;
	struct timers tm;
	struct timespec a;

	if (use_epoll) {
		ep = x ? xsock_epoll_create1(0) : epoll_create1(0);
		DO(t, "epoll_ctl", x ? xsock_epoll_ctl(ep, EPOLL_CTL_ADD, fd, &ev)
				     : epoll_ctl(ep, EPOLL_CTL_ADD, fd, &ev));
	}
	timers_arm(o, &tm, mode == M_NORESTART ? 0 : SA_RESTART);
	clock_gettime(CLOCK_MONOTONIC, &a);
	errno = 0;
	if (use_epoll)
		r = x ? xsock_epoll_wait(ep, &out, 1, timed ? 2000 : -1)
		      : epoll_wait(ep, &out, 1, timed ? 2000 : -1);
	else
		r = o->poll(&p, 1, timed ? 2000 : -1);
	rec(t, use_epoll ? "epoll_wait" : "poll", r, errno);
	rec_when(t, &a);
	timers_done(&tm);
	if (ep >= 0)
		x ? xsock_close(ep) : close(ep);
	o->close(fd);
}

/* ---- another thread ------------------------------------------------------ */

struct other {
	const struct conf_ops *o;
	int fd, how;        /* how: -1 close, else shutdown(how) */
};

static void *other_thread(void *arg)
{
	struct other *ot = arg;

	usleep(50 * 1000);
	if (ot->how < 0)
		ot->o->close(ot->fd);
	else
		ot->o->shutdown(ot->fd, ot->how);
	return NULL;
}

enum { OT_CLOSE, OT_SHUTDOWN, OT_CLOSE_SIGNAL, OT_MAX };
static const char *const other_names[OT_MAX] = { "close", "shutdown", "close_restart_signal" };

/* A UDP receive blocked when another thread (at 50 ms) closes the socket
 * (Linux: the call goes on waiting on the socket, which still receives:
 * the datagram the reporter sends at 250 ms ends it) or shuts it down (the
 * call returns 0 at once); or closes it and then a SA_RESTART handler runs
 * (100 ms): the restarted call finds the fd closed.  arg: kind << 1 | v6 */
static void c_other_udp(const struct conf_ops *o, struct trace *t, long arg)
{
	int fam = fam_of(arg), kind = (int)(arg >> 1), fd = udp_bound(o, fam, 0);
	struct sockaddr_in r4 = sin4(&conf_peer4, conf_report_port);
	struct sockaddr_in6 r6 = sin6(&conf_peer6, conf_report_port);
	struct other ot = { o, fd, kind == OT_SHUTDOWN ? SHUT_RD : -1 };
	pthread_t th;
	struct timers tm;
	struct timespec a;
	char b[16] = { 0 };
	ssize_t n;

	DO(t, "ask", fam == AF_INET ? o->sendto(fd, "L 250", 5, 0, (void *)&r4, sizeof(r4))
				    : o->sendto(fd, "L 250", 5, 0, (void *)&r6, sizeof(r6)));
	pthread_create(&th, NULL, other_thread, &ot);
	/* The second timer ends the call if nothing else does. */
	timers_arm(o, &tm, kind == OT_CLOSE_SIGNAL ? SA_RESTART : -1);
	clock_gettime(CLOCK_MONOTONIC, &a);
	errno = 0;
	n = o->recv(fd, b, sizeof(b) - 1, 0);
	rec(t, "recv", n, errno);
	rec_when(t, &a);
	timers_done(&tm);
	pthread_join(th, NULL);
	if (n > 0)
		recs(t, "data", "'%s'", b);
	if (kind == OT_SHUTDOWN)
		o->close(fd);
}

/* A blocked accept when another thread (at 50 ms) closes the listener
 * (Linux: the call goes on waiting; the second timer ends it) or shuts it
 * down (EINVAL at once).  arg: kind << 1 | v6 */
static void c_other_accept(const struct conf_ops *o, struct trace *t, long arg)
{
	int fam = fam_of(arg), kind = (int)(arg >> 1), fd = o->socket(fam, SOCK_STREAM, 0), one = 1;
	struct sockaddr_in a4 = sin4(&conf_local4, conf_port);
	struct sockaddr_in6 a6 = sin6(&conf_local6, conf_port);
	struct other ot = { o, fd, kind == OT_SHUTDOWN ? SHUT_RDWR : -1 };
	pthread_t th;
	struct timers tm;
	struct timespec a;

	o->setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	DO(t, "listen", (fam == AF_INET ? o->bind(fd, (void *)&a4, sizeof(a4))
					: o->bind(fd, (void *)&a6, sizeof(a6))) ?: o->listen(fd, 4));
	pthread_create(&th, NULL, other_thread, &ot);
	timers_arm(o, &tm, kind == OT_CLOSE_SIGNAL ? SA_RESTART : -1);
	clock_gettime(CLOCK_MONOTONIC, &a);
	DO(t, "accept", o->accept(fd, NULL, NULL));
	rec_when(t, &a);
	timers_done(&tm);
	pthread_join(th, NULL);
	if (kind == OT_SHUTDOWN)
		o->close(fd);
}

/* ---- registry ------------------------------------------------------------ */

void conf_register_block(void)
{
	char n[128];

	for (int fam = 0; fam < 2; fam++) {
		const char *f = fam ? "v6" : "v4";

		for (int how = 0; how < R_MAX; how++)
			for (int m = 0; m < M_MAX; m++) {
				snprintf(n, sizeof(n), "udp_%s_%s_%s", recv_names[how], mode_names[m], f);
				conf_add("block", n, c_udp_recv, (long)(how * M_MAX + m) << 1 | fam);
				snprintf(n, sizeof(n), "tcp_%s_%s_%s", recv_names[how], mode_names[m], f);
				conf_add("block", n, c_tcp_recv, (long)(how * M_MAX + m) << 1 | fam);
			}
		for (int m = 0; m < M_MAX; m++) {
			snprintf(n, sizeof(n), "udp_recv_data_%s_%s", mode_names[m], f);
			conf_add("block", n, c_udp_recv_data, (long)m << 1 | fam);
			snprintf(n, sizeof(n), "tcp_recv_waitall_partial_%s_%s", mode_names[m], f);
			conf_add("block", n, c_tcp_waitall, (long)m << 1 | fam);
			snprintf(n, sizeof(n), "tcp_send_%s_%s", mode_names[m], f);
			conf_add("block", n, c_tcp_send, (long)m << 1 | fam);
			snprintf(n, sizeof(n), "tcp_write_%s_%s", mode_names[m], f);
			conf_add("block", n, c_tcp_send, (long)(1 << 8 | m) << 1 | fam);
			snprintf(n, sizeof(n), "tcp_send_partial_%s_%s", mode_names[m], f);
			conf_add("block", n, c_tcp_send_partial, (long)m << 1 | fam);
			snprintf(n, sizeof(n), "accept_%s_%s", mode_names[m], f);
			conf_add("block", n, c_accept, (long)m << 1 | fam);
			snprintf(n, sizeof(n), "connect_%s_%s", mode_names[m], f);
			conf_add("block", n, c_connect, (long)m << 1 | fam);
		}
		for (int e = 0; e < 2; e++)
			for (int timed = 0; timed < 2; timed++)
				for (int m = 0; m < 2; m++) {
					snprintf(n, sizeof(n), "%s_%s_%s_%s", e ? "epoll_wait" : "poll",
						 timed ? "timeout" : "forever", mode_names[m], f);
					conf_add("block", n, c_poll,
						 (long)(e << 8 | timed << 4 | m) << 1 | fam);
				}
		for (int k = 0; k < OT_MAX; k++) {
			snprintf(n, sizeof(n), "udp_recv_other_%s_%s", other_names[k], f);
			conf_add("block", n, c_other_udp, (long)k << 1 | fam);
			snprintf(n, sizeof(n), "accept_other_%s_%s", other_names[k], f);
			conf_add("block", n, c_other_accept, (long)k << 1 | fam);
		}
	}
}
