// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * epoll_mix: epoll (and select, poll) over a pipe, an eventfd and a UDP
 * socket, written against libc alone, so the same binary tests the kernel
 * (run plainly) and the LD_PRELOAD shim (run under xsock-run), where the
 * UDP socket is an xsock socket.
 *
 *   epoll_mix [-6]                   datagrams from a second local socket
 *   epoll_mix [-6] --peer ADDR PORT  datagrams echoed by a UDP echo server:
 *                                    on an attached interface, they arrive
 *                                    through AF_XDP into the stack's queue
 *
 * Prints one "ok - NAME" or "not ok - NAME: why" line per check and exits
 * 1 if any failed; first, "# xsock N": what xsock_is_accelerated() says of
 * the UDP socket when libxsock is loaded (the shim), -1 when it is not.  Checks: timeouts; level-triggered events with the
 * registered data.u64 returned exactly; edge-triggered (no repeat without
 * news, a repeat after new data); EPOLLONESHOT and its re-arm by MOD;
 * EPOLL_CTL errors; maxevents 1 reaching every ready fd; epoll_pwait
 * interrupted by a signal its mask lets through; a closed socket leaving
 * the set; select, poll, ppoll and pselect; dup copies reading the same
 * socket; a fork child exiting without disturbing the parent's socket; and
 * EPOLLRDHUP after shutdown(SHUT_RD).
 */
#include <arpa/inet.h>
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/select.h>
#include <sys/socket.h>
#include <sys/wait.h>

#define D_UDP  0xdeadbeef00c0ffeeULL
#define D_UDP2 0x0123456789abcdefULL
#define D_UDP3 0x8000000000000001ULL
#define D_PIPE 0x1111222233334444ULL
#define D_EVFD 0xfffffffffffffffeULL

static int failures, checks;
static int u = -1, tx = -1, ep = -1, pipefd[2], evfd;
static struct sockaddr_storage u_addr, peer;
static socklen_t u_len, peer_len;
static bool peer_mode;
static int family = AF_INET;
static int xsock = -1;              /* xsock_is_accelerated(u), -1 without libxsock */

static void result(bool ok, const char *name, const char *fmt, ...)
{
	va_list ap;

	checks++;
	if (ok) {
		printf("ok - %s\n", name);
		return;
	}
	failures++;
	printf("not ok - %s: ", name);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	printf(" (errno %s)\n", strerror(errno));
}

static double now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

/* Makes one datagram arrive on u. */
static void trigger(void)
{
	if (peer_mode)
		sendto(u, "n", 1, 0, (struct sockaddr *)&peer, peer_len);
	else
		sendto(tx, "n", 1, 0, (struct sockaddr *)&u_addr, u_len);
}

/* Lets datagrams on their way arrive (the echo takes a round trip). */
static void settle(void)
{
	usleep(peer_mode ? 300000 : 20000);
}

/* Reads every datagram queued on fd; returns how many. */
static int drain(int fd)
{
	char buf[64];
	int n = 0;

	while (recv(fd, buf, sizeof(buf), MSG_DONTWAIT) >= 0)
		n++;
	return n;
}

static int wait_ev(struct epoll_event *out, int max, int timeout)
{
	int n;

	do
		n = epoll_wait(ep, out, max, timeout);
	while (n < 0 && errno == EINTR);
	return n;
}

static int ctl(int op, int fd, uint32_t events, uint64_t data)
{
	struct epoll_event ev = { .events = events, .data.u64 = data };

	return epoll_ctl(ep, op, fd, &ev);
}

static void setup(void)
{
	int one = 1;

	u = socket(family, SOCK_DGRAM, 0);
	memset(&u_addr, 0, sizeof(u_addr));
	if (family == AF_INET) {
		struct sockaddr_in *in = (struct sockaddr_in *)&u_addr;

		in->sin_family = AF_INET;
		in->sin_addr.s_addr = peer_mode ? htonl(INADDR_ANY) : htonl(INADDR_LOOPBACK);
		u_len = sizeof(*in);
	} else {
		struct sockaddr_in6 *in6 = (struct sockaddr_in6 *)&u_addr;

		in6->sin6_family = AF_INET6;
		in6->sin6_addr = peer_mode ? in6addr_any : in6addr_loopback;
		u_len = sizeof(*in6);
	}
	setsockopt(u, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (bind(u, (struct sockaddr *)&u_addr, u_len) || getsockname(u, (struct sockaddr *)&u_addr, &u_len)) {
		perror("epoll_mix: bind");
		exit(2);
	}
	if (!peer_mode)
		tx = socket(family, SOCK_DGRAM, 0);
	if (pipe2(pipefd, O_NONBLOCK)) {
		perror("epoll_mix: pipe");
		exit(2);
	}
	{
		int (*is_accelerated)(int) = (int (*)(int))dlsym(RTLD_DEFAULT, "xsock_is_accelerated");

		xsock = is_accelerated ? is_accelerated(u) : -1;
		printf("# xsock %d\n", xsock);
	}
	evfd = eventfd(0, EFD_NONBLOCK);
	ep = epoll_create1(EPOLL_CLOEXEC);
	if (u < 0 || (!peer_mode && tx < 0) || evfd < 0 || ep < 0) {
		perror("epoll_mix: setup");
		exit(2);
	}
}

static void check_timeouts(void)
{
	struct epoll_event out[4];
	double t0 = now_ms(), dt;
	int n;

	n = wait_ev(out, 4, 0);
	dt = now_ms() - t0;
	result(n == 0 && dt < 50, "timeout 0 returns at once", "n=%d after %.1f ms", n, dt);
	t0 = now_ms();
	n = wait_ev(out, 4, 150);
	dt = now_ms() - t0;
	result(n == 0 && dt >= 145 && dt < 1000, "timeout 150 ms is honoured", "n=%d after %.1f ms", n, dt);
	{
		struct timespec ts = { 0, 120 * 1000 * 1000 };

		t0 = now_ms();
		n = epoll_pwait2(ep, out, 4, &ts, NULL);
		dt = now_ms() - t0;
		if (n < 0 && errno == ENOSYS)
			result(true, "epoll_pwait2 (not in this kernel)", "");
		else
			result(n == 0 && dt >= 115 && dt < 1000, "epoll_pwait2 timeout 120 ms is honoured",
			       "n=%d after %.1f ms", n, dt);
	}
}

static void check_level(void)
{
	struct epoll_event out[4];
	int n;

	trigger();
	n = wait_ev(out, 4, 2000);
	result(n == 1 && out[0].data.u64 == D_UDP && out[0].events == EPOLLIN,
	       "a datagram: one EPOLLIN with the socket's data", "n=%d data=%#llx events=%#x", n,
	       n > 0 ? (unsigned long long)out[0].data.u64 : 0ULL, n > 0 ? out[0].events : 0);
	n = wait_ev(out, 4, 0);
	result(n == 1 && out[0].data.u64 == D_UDP, "level-triggered: reported again while unread",
	       "n=%d", n);
	n = drain(u);
	result(n == 1, "exactly one datagram was queued", "read %d", n);
	n = wait_ev(out, 4, 100);
	result(n == 0, "nothing once read", "n=%d", n);
}

static void check_mixed(void)
{
	struct epoll_event out[8];
	bool udp = false, pip = false, efd = false, stray = false;
	double until = now_ms() + 2000;
	uint64_t v;

	trigger();
	(void)!write(pipefd[1], "p", 1);
	eventfd_write(evfd, 5);
	while (!(udp && pip && efd) && now_ms() < until) {
		int n = wait_ev(out, 8, 200);

		for (int i = 0; i < n; i++) {
			if (out[i].data.u64 == D_UDP && out[i].events == EPOLLIN)
				udp = true;
			else if (out[i].data.u64 == D_PIPE && out[i].events == EPOLLIN)
				pip = true;
			else if (out[i].data.u64 == D_EVFD && out[i].events == EPOLLIN)
				efd = true;
			else
				stray = true;
		}
	}
	result(udp && pip && efd && !stray, "pipe, eventfd and socket each report with their data",
	       "udp=%d pipe=%d eventfd=%d stray=%d", udp, pip, efd, stray);
	/* The eventfd is edge-triggered: no news, no event. */
	{
		int n = wait_ev(out, 8, 0);
		bool e = false;

		for (int i = 0; i < n; i++)
			e |= out[i].data.u64 == D_EVFD;
		result(n == 2 && !e, "level fds again, the edge-triggered eventfd not", "n=%d eventfd=%d", n, e);
	}
	/* maxevents 1 still reaches both level-triggered fds. */
	{
		bool a = false, b = false;

		for (int i = 0; i < 4; i++) {
			int n = wait_ev(out, 1, 0);

			a |= n == 1 && out[0].data.u64 == D_UDP;
			b |= n == 1 && out[0].data.u64 == D_PIPE;
		}
		result(a && b, "maxevents 1: every ready fd gets its turn", "udp=%d pipe=%d", a, b);
	}
	drain(u);
	{
		char c;

		(void)!read(pipefd[0], &c, 1);
	}
	(void)!read(evfd, &v, sizeof(v));
}

static void check_edge(void)
{
	struct epoll_event out[4];
	int n, r1, r2;
	char buf[8];

	result(ctl(EPOLL_CTL_MOD, u, EPOLLIN | EPOLLET, D_UDP2) == 0, "MOD to edge-triggered", "");
	trigger();
	trigger();
	settle();
	n = wait_ev(out, 4, 2000);
	result(n == 1 && out[0].data.u64 == D_UDP2, "edge: one event for the burst, with the new data",
	       "n=%d", n);
	n = wait_ev(out, 4, 100);
	result(n == 0, "edge: no repeat without news", "n=%d", n);
	r1 = (int)recv(u, buf, sizeof(buf), MSG_DONTWAIT);
	n = wait_ev(out, 4, 100);
	result(r1 == 1 && n == 0, "edge: reading one of two is no news", "recv=%d n=%d", r1, n);
	r1 = (int)recv(u, buf, sizeof(buf), MSG_DONTWAIT);
	r2 = (int)recv(u, buf, sizeof(buf), MSG_DONTWAIT);
	result(r1 == 1 && r2 < 0 && errno == EAGAIN, "drained to EAGAIN", "recv=%d,%d", r1, r2);
	trigger();
	n = wait_ev(out, 4, 2000);
	result(n == 1 && out[0].data.u64 == D_UDP2, "edge: a new datagram after EAGAIN is news",
	       "n=%d", n);
	trigger();
	n = wait_ev(out, 4, 2000);
	result(n == 1, "edge: another new datagram, unread one still queued, is news", "n=%d", n);
	drain(u);
}

static void check_oneshot(void)
{
	struct epoll_event out[4];
	int n;

	result(ctl(EPOLL_CTL_MOD, u, EPOLLIN | EPOLLONESHOT, D_UDP3) == 0, "MOD to one-shot", "");
	trigger();
	n = wait_ev(out, 4, 2000);
	result(n == 1 && out[0].data.u64 == D_UDP3, "one-shot: reported once", "n=%d", n);
	trigger();
	settle();
	n = wait_ev(out, 4, 100);
	result(n == 0, "one-shot: then disabled, whatever arrives", "n=%d", n);
	result(ctl(EPOLL_CTL_MOD, u, EPOLLIN, D_UDP) == 0, "MOD re-arms", "");
	n = wait_ev(out, 4, 0);
	result(n == 1 && out[0].data.u64 == D_UDP, "re-armed: what is queued is reported", "n=%d", n);
	drain(u);
}

static void check_errors(void)
{
	struct epoll_event ev = { .events = EPOLLIN };
	char path[] = "/tmp/xsock-epoll-XXXXXX";
	int file = mkstemp(path), closed = dup(0);
	errno = 0;

	unlink(path);
	close(closed);
	result(ctl(EPOLL_CTL_ADD, u, EPOLLIN, 1) == -1 && errno == EEXIST, "ADD twice: EEXIST", "");
	result(ctl(EPOLL_CTL_MOD, pipefd[1], EPOLLOUT, 1) == -1 && errno == ENOENT,
	       "MOD unregistered: ENOENT", "");
	result(ctl(EPOLL_CTL_DEL, pipefd[1], 0, 0) == -1 && errno == ENOENT, "DEL unregistered: ENOENT", "");
	result(ctl(EPOLL_CTL_ADD, closed, EPOLLIN, 1) == -1 && errno == EBADF, "ADD closed fd: EBADF", "");
	result(ctl(EPOLL_CTL_ADD, ep, EPOLLIN, 1) == -1 && errno == EINVAL, "ADD itself: EINVAL", "");
	result(ctl(EPOLL_CTL_ADD, file, EPOLLIN, 1) == -1 && errno == EPERM, "ADD regular file: EPERM", "");
	result(ctl(EPOLL_CTL_MOD, u, EPOLLIN | EPOLLEXCLUSIVE, 1) == -1 && errno == EINVAL,
	       "MOD with EPOLLEXCLUSIVE: EINVAL", "");
	result(ctl(7777, u, EPOLLIN, 1) == -1 && errno == EINVAL, "unknown op: EINVAL", "");
	result(epoll_ctl(pipefd[0], EPOLL_CTL_ADD, u, &ev) == -1 && errno == EINVAL,
	       "epfd not an epoll fd: EINVAL", "");
	result(epoll_wait(ep, &ev, 0, 0) == -1 && errno == EINVAL, "maxevents 0: EINVAL", "");
	result(epoll_wait(pipefd[0], &ev, 1, 0) == -1 && errno == EINVAL, "wait on a pipe: EINVAL", "");
	close(file);
	/* Nested epoll: the kernel's works; an outer kernel epoll cannot see
	 * what libxsock watches, so xsock refuses to nest an instance that
	 * watches an xsock socket (docs/preload.md). */
	{
		int outer = epoll_create1(0), r;

		errno = 0;
		ev = (struct epoll_event){ .events = EPOLLIN, .data.u64 = 3 };
		r = epoll_ctl(outer, EPOLL_CTL_ADD, ep, &ev);
		if (xsock > 0)
			result(r == -1 && errno == EOPNOTSUPP,
			       "xsock: nesting an epoll that watches an xsock socket: EOPNOTSUPP", "r=%d", r);
		else
			result(r == 0, "nesting an epoll in another", "r=%d", r);
		close(outer);
	}
}

static volatile sig_atomic_t got_usr1;

static void on_usr1(int sig)
{
	(void)sig;
	got_usr1 = 1;
}

static void *kicker(void *arg)
{
	usleep(100000);
	pthread_kill(*(pthread_t *)arg, SIGUSR1);
	return NULL;
}

static void check_signal(void)
{
	struct sigaction sa = { .sa_handler = on_usr1 };
	struct epoll_event out[4];
	sigset_t block, empty, old;
	pthread_t self = pthread_self(), t;
	double t0;
	int n, err;

	sigaction(SIGUSR1, &sa, NULL);
	sigemptyset(&block);
	sigaddset(&block, SIGUSR1);
	sigemptyset(&empty);
	pthread_sigmask(SIG_BLOCK, &block, &old);
	pthread_create(&t, NULL, kicker, &self);
	t0 = now_ms();
	n = epoll_pwait(ep, out, 4, 3000, &empty);
	err = errno;
	pthread_join(t, NULL);
	errno = err;
	result(n == -1 && err == EINTR && got_usr1 && now_ms() - t0 < 2000,
	       "epoll_pwait: a signal its mask lets through interrupts it", "n=%d handler=%d", n,
	       (int)got_usr1);
	got_usr1 = 0;
	/* Blocked by the thread's mask and not let through: no interruption. */
	pthread_create(&t, NULL, kicker, &self);
	n = epoll_pwait(ep, out, 4, 300, NULL);
	pthread_join(t, NULL);
	result(n == 0 && !got_usr1, "epoll_pwait: a blocked signal waits", "n=%d handler=%d", n,
	       (int)got_usr1);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	result(got_usr1, "and is delivered once unblocked", "");
}

static void check_close(void)
{
	struct epoll_event out[4];
	int v, w, n;

	v = socket(family, SOCK_DGRAM, 0);
	result(ctl(EPOLL_CTL_ADD, v, EPOLLOUT, 7) == 0, "ADD a second socket", "");
	n = wait_ev(out, 4, 0);
	result(n == 1 && out[0].data.u64 == 7 && (out[0].events & EPOLLOUT), "it is writable", "n=%d", n);
	close(v);
	n = wait_ev(out, 4, 50);
	result(n == 0, "closed: it leaves the set", "n=%d", n);
	w = socket(family, SOCK_DGRAM, 0);
	result(w == v && ctl(EPOLL_CTL_ADD, w, EPOLLIN, 8) == 0,
	       "a new socket on the same fd number joins afresh", "w=%d v=%d", w, v);
	n = wait_ev(out, 4, 0);
	result(n == 0, "and reports only its own readiness", "n=%d", n);
	result(ctl(EPOLL_CTL_DEL, w, 0, 0) == 0, "DEL it", "");
	close(w);
	/* close_range(2) too ends a registration. */
	v = socket(family, SOCK_DGRAM, 0);
	result(ctl(EPOLL_CTL_ADD, v, EPOLLOUT, 9) == 0 && close_range(v, v, 0) == 0,
	       "ADD a socket, close_range() it", "");
	n = wait_ev(out, 4, 50);
	result(n == 0, "close_range: it leaves the set", "n=%d", n);
	w = socket(family, SOCK_DGRAM, 0);
	result(w == v && ctl(EPOLL_CTL_ADD, w, EPOLLOUT, 10) == 0 && ctl(EPOLL_CTL_DEL, w, 0, 0) == 0,
	       "and its fd number joins afresh", "w=%d v=%d", w, v);
	close(w);
}

static void check_select_poll(void)
{
	struct timeval tv = { 0, 100000 };
	struct timespec ts = { 0, 100 * 1000 * 1000 };
	struct pollfd pfd[2] = { { .fd = u, .events = POLLIN }, { .fd = pipefd[0], .events = POLLIN } };
	double t0 = now_ms(), dt;
	fd_set rs, ws;
	int n;

	FD_ZERO(&rs);
	FD_SET(u, &rs);
	n = select(u + 1, &rs, NULL, NULL, &tv);
	dt = now_ms() - t0;
	result(n == 0 && dt >= 95 && tv.tv_sec == 0 && tv.tv_usec < 20000,
	       "select: timeout honoured, time left written back", "n=%d after %.1f ms, left %ld us", n,
	       dt, (long)tv.tv_usec);
	trigger();
	settle();
	tv = (struct timeval){ 2, 0 };
	FD_ZERO(&rs);
	FD_SET(u, &rs);
	FD_SET(pipefd[0], &rs);
	FD_ZERO(&ws);
	FD_SET(u, &ws);
	n = select((u > pipefd[0] ? u : pipefd[0]) + 1, &rs, &ws, NULL, &tv);
	result(n == 2 && FD_ISSET(u, &rs) && FD_ISSET(u, &ws) && !FD_ISSET(pipefd[0], &rs),
	       "select: the socket readable and writable, the pipe not", "n=%d", n);
	n = poll(pfd, 2, 2000);
	result(n == 1 && pfd[0].revents == POLLIN && !pfd[1].revents, "poll: the socket readable",
	       "n=%d revents=%#x", n, pfd[0].revents);
	n = ppoll(pfd, 2, &ts, NULL);
	result(n == 1 && pfd[0].revents == POLLIN, "ppoll: the socket readable", "n=%d", n);
	FD_ZERO(&rs);
	FD_SET(u, &rs);
	n = pselect(u + 1, &rs, NULL, NULL, &ts, NULL);
	result(n == 1 && FD_ISSET(u, &rs), "pselect: the socket readable", "n=%d", n);
	drain(u);
	t0 = now_ms();
	n = ppoll(pfd, 1, &ts, NULL);
	dt = now_ms() - t0;
	result(n == 0 && dt >= 95, "ppoll: timeout honoured once read", "n=%d after %.1f ms", n, dt);
}

static void check_dup(void)
{
	struct epoll_event out[4];
	char buf[8];
	int d, e, r, n;

	d = dup(u);
	trigger();
	n = wait_ev(out, 4, 2000);
	r = (int)recv(d, buf, sizeof(buf), 0);
	result(n == 1 && r == 1, "a dup copy reads what arrived for the socket", "n=%d recv=%d", n, r);
	e = fcntl(d, F_DUPFD_CLOEXEC, 400);
	result(e >= 400 && dup2(e, 500) == 500, "F_DUPFD and dup2 copies", "e=%d", e);
	result(ctl(EPOLL_CTL_DEL, u, 0, 0) == 0, "DEL the original", "");
	close(u);
	close(e);
	u = d;	/* trigger() sends from u */
	trigger();
	r = (int)recv(500, buf, sizeof(buf), 0);
	result(r == 1, "with the original closed, a copy still receives", "recv=%d", r);
	close(500);
	result(ctl(EPOLL_CTL_ADD, u, EPOLLIN, D_UDP) == 0, "the last copy joins the set", "");
	trigger();
	n = wait_ev(out, 4, 2000);
	r = (int)recv(u, buf, sizeof(buf), 0);
	result(n == 1 && out[0].data.u64 == D_UDP && r == 1, "and its datagrams are reported", "n=%d", n);
}

static void check_fork(void)
{
	struct epoll_event out[4];
	int status = -1, n, r;
	char buf[8];
	pid_t pid;

	pid = fork();
	if (pid == 0) {
		/* exit(), not _exit(): every atexit handler runs, as in any
		 * child that just ends. */
		close(u);
		exit(0);
	}
	waitpid(pid, &status, 0);
	trigger();
	n = wait_ev(out, 4, 2000);
	r = (int)recv(u, buf, sizeof(buf), MSG_DONTWAIT);
	result(WIFEXITED(status) && n == 1 && r == 1,
	       "a fork child closing the socket and exiting leaves the parent's alone", "n=%d recv=%d", n, r);
}

static void check_rdhup(void)
{
	struct epoll_event out[4];
	int n, r;

	r = connect(u, peer_mode ? (struct sockaddr *)&peer : (struct sockaddr *)&u_addr,
		    peer_mode ? peer_len : u_len);
	result(r == 0 && ctl(EPOLL_CTL_MOD, u, EPOLLIN | EPOLLRDHUP, D_UDP) == 0,
	       "connect, watch EPOLLRDHUP", "");
	n = wait_ev(out, 4, 0);
	result(n == 0, "nothing yet", "n=%d", n);
	shutdown(u, SHUT_RD);
	n = wait_ev(out, 4, 2000);
	result(n == 1 && (out[0].events & EPOLLRDHUP) && (out[0].events & EPOLLIN) &&
		       !(out[0].events & EPOLLHUP),
	       "shutdown(SHUT_RD): EPOLLIN | EPOLLRDHUP", "n=%d events=%#x", n, n > 0 ? out[0].events : 0);
}

int main(int argc, char **argv)
{
	int i = 1;

	setvbuf(stdout, NULL, _IOLBF, 0);
	if (i < argc && !strcmp(argv[i], "-6")) {
		family = AF_INET6;
		i++;
	}
	if (i + 2 < argc + 0 && !strcmp(argv[i], "--peer")) {
		void *a;

		peer_mode = true;
		memset(&peer, 0, sizeof(peer));
		if (family == AF_INET) {
			struct sockaddr_in *in = (struct sockaddr_in *)&peer;

			in->sin_family = AF_INET;
			in->sin_port = htons((uint16_t)atoi(argv[i + 2]));
			a = &in->sin_addr;
			peer_len = sizeof(*in);
		} else {
			struct sockaddr_in6 *in6 = (struct sockaddr_in6 *)&peer;

			in6->sin6_family = AF_INET6;
			in6->sin6_port = htons((uint16_t)atoi(argv[i + 2]));
			a = &in6->sin6_addr;
			peer_len = sizeof(*in6);
		}
		if (inet_pton(family, argv[i + 1], a) != 1) {
			fprintf(stderr, "epoll_mix: bad address %s\n", argv[i + 1]);
			return 2;
		}
		i += 3;
	}
	if (i != argc) {
		fprintf(stderr, "usage: epoll_mix [-6] [--peer ADDR PORT]\n");
		return 2;
	}
	setup();
	if (ctl(EPOLL_CTL_ADD, u, EPOLLIN, D_UDP) || ctl(EPOLL_CTL_ADD, pipefd[0], EPOLLIN, D_PIPE) ||
	    ctl(EPOLL_CTL_ADD, evfd, EPOLLIN | EPOLLET, D_EVFD)) {
		perror("epoll_mix: EPOLL_CTL_ADD");
		return 2;
	}
	check_timeouts();
	check_level();
	check_mixed();
	check_edge();
	check_oneshot();
	check_errors();
	check_signal();
	check_close();
	check_select_poll();
	check_dup();
	check_fork();
	check_rdhup();
	printf("epoll_mix: %d checks, %d failed\n", checks, failures);
	return failures ? 1 : 0;
}
