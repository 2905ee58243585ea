// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * xs_stress: many threads blocked in one xsock stack, and every way they
 * must wake; the lost-wake-up test (tests/net/test_threads_stress.sh runs
 * it built with ThreadSanitizer).
 *
 *   xs_stress LOCAL4 PEER4 REPORT_PORT PORT
 *
 * The peer is tests/conformance/conf_peer.py in the other namespace (a
 * kernel): asked over UDP, it blasts datagrams back ("B"), pokes a port
 * ("P") and opens TCP connections to our listener that echo ("K").
 *
 * Threads, each blocking with no timeout:
 *   udp-recv   two per socket on sockets 1..3, in xsock_recv()
 *   udp-poll   one in xsock_poll() over sockets 1..3
 *   udp-epoll  one in xsock_epoll_wait() over sockets 1..3
 *   close-recv two in xsock_recv() on socket 0
 *   accept     two in xsock_accept() on a TCP listener
 *   tcp-conn   one per accepted connection: send, then xsock_recv() the echo
 *   tcp-epoll  one in an edge-triggered xsock_epoll_wait() over the
 *              listener and the connections (added while it waits)
 *
 * Phases, each woken by something different:
 *   1 data      the peer's datagrams and connections; every datagram is
 *               counted exactly once, every echo byte compared
 *   2 storm     the same again (new connections too) while a thread sends
 *               SIGUSR2 (SA_RESTART) to every thread every millisecond:
 *               still every datagram once, every echo right, and no recv,
 *               accept or send fails with EINTR (they restart; a send
 *               with part of its data sent returns the count)
 *   3 restart   SIGUSR2 to every thread, 20 times, all blocked: recv and
 *               accept go on, poll and epoll_wait fail with EINTR (they
 *               never restart)
 *   4 eintr     SIGUSR1 (no SA_RESTART) to each thread until its call
 *               fails with EINTR (a handler that runs while the thread is
 *               between calls interrupts nothing, as in the kernel)
 *   5 close     socket 0 closed under its two readers: as in Linux they
 *               go on waiting on the socket, which still receives; a poke
 *               for each ends them
 *   6 shutdown  shutdown() of sockets 1..3, the listener and the
 *               connections ends every remaining call (0, EINVAL)
 * A watchdog fails the run, naming the thread, if any call stays blocked
 * longer than XS_STRESS_BOUND_S seconds [20] or a phase does not finish
 * in time; the program never hangs.  Exit 0 only if all went as said.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/epoll.h>

#include "xsock/xsock.h"

#define NUDP 4              /* socket 0: the close test; 1..3: the rest */
#define BLAST 100           /* datagrams per "B" request */
static int rounds = 200;    /* "B" requests per socket and data round (XS_STRESS_ROUNDS) */
#define NCONN 4             /* connections per "K" burst; two bursts */
#define MAX_CONN (2 * NCONN)
#define ECHO_ROUNDS 200
#define ECHO_LEN 1000
#define MAX_THREADS 40

enum kind { K_UDP_RECV, K_UDP_POLL, K_UDP_EPOLL, K_CLOSE_RECV, K_ACCEPT, K_TCP_CONN,
	    K_TCP_EPOLL };
static const char *const kind_names[] = { "udp-recv", "udp-poll", "udp-epoll", "close-recv",
					  "accept", "tcp-conn", "tcp-epoll" };

struct waiter {
	enum kind kind;
	int idx;                    /* socket or connection */
	pthread_t th;
	_Atomic uint64_t since_ns;  /* in a blocking call since, 0: not */
	const char *_Atomic call;
	atomic_int eintr;           /* EINTR results */
	atomic_int bad_eintr;       /* EINTR from a call SA_RESTART restarts */
	atomic_bool done;
	char why[128];              /* set when the thread failed */
};

static struct sockaddr_in local4, peer_report;
static int port, udp[NUDP], listener, ep, ep_tcp;
static atomic_long tcp_edges;       /* edge-triggered reports on the TCP sockets */
static atomic_bool tcp_shut;
static struct waiter w[MAX_THREADS];
static atomic_int nw;               /* entries filled in (spawn() publishes them) */
static pthread_mutex_t spawn_lock = PTHREAD_MUTEX_INITIALIZER;
static atomic_long got[NUDP], pokes, echo_rounds, accepted;
static atomic_int phase;            /* 2: only SA_RESTART signals are being sent */
static atomic_int conn_fd[MAX_CONN];
static atomic_bool storm;           /* the signaller is at work */
static atomic_bool udp_shut;
static unsigned bound_s = 20;

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static void on_sig(int sig)
{
	(void)sig;	/* the interruption is the point */
}

static void fail(struct waiter *me, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(me->why, sizeof(me->why), fmt, ap);
	va_end(ap);
}

static void enter(struct waiter *me, const char *call)
{
	me->call = call;
	atomic_store(&me->since_ns, now_ns());
}

static void leave(struct waiter *me, long r, int err, bool restarts)
{
	atomic_store(&me->since_ns, 0);
	if (r < 0 && err == EINTR) {
		atomic_fetch_add(&me->eintr, 1);
		if (restarts && atomic_load(&phase) == 2)
			atomic_fetch_add(&me->bad_eintr, 1);
	}
}

/* A datagram: one of a blast (64 bytes), or a poke. */
static void count(int s, ssize_t n, const char *b)
{
	if (n == 64)
		atomic_fetch_add(&got[s], 1);
	else if (n == 4 && !memcmp(b, "poke", 4))
		atomic_fetch_add(&pokes, 1);
}

static void *udp_recv_main(void *arg)
{
	struct waiter *me = arg;
	char b[2048];

	for (;;) {
		ssize_t n;

		enter(me, "recv");
		n = xsock_recv(udp[me->idx], b, sizeof(b), 0);
		leave(me, n, errno, true);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			fail(me, "recv: %s", strerror(errno));
			break;
		}
		if (n == 0)
			break;	/* shutdown(SHUT_RD) */
		count(me->idx, n, b);
		if (me->kind == K_CLOSE_RECV && n == 4 && !memcmp(b, "poke", 4))
			break;	/* its socket was closed: one poke each ends them */
	}
	atomic_store(&me->done, true);
	return NULL;
}

/* Reads what socket s has without waiting.  Once the sockets are shut
 * down a readable socket with nothing to read is at its end: a receive
 * that may not wait says EAGAIN then, not 0 (__skb_recv_udp()). */
static bool drain(int s)
{
	char b[2048];

	for (;;) {
		ssize_t n = xsock_recv(udp[s], b, sizeof(b), MSG_DONTWAIT);

		if (n <= 0)
			return !atomic_load(&udp_shut);
		count(s, n, b);
	}
}

static void *udp_poll_main(void *arg)
{
	struct waiter *me = arg;
	bool open[NUDP] = { false, true, true, true };
	int left = NUDP - 1;

	while (left) {
		struct pollfd p[NUDP - 1];
		int r, k = 0;

		for (int s = 1; s < NUDP; s++)
			p[k++] = (struct pollfd){ .fd = open[s] ? udp[s] : -1, .events = POLLIN };
		enter(me, "poll");
		r = xsock_poll(p, NUDP - 1, -1);
		leave(me, r, errno, false);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0) {
			fail(me, "poll: %s", strerror(errno));
			break;
		}
		for (int s = 1; s < NUDP; s++)
			if (open[s] && (p[s - 1].revents & POLLIN) && !drain(s)) {
				open[s] = false;
				left--;
			}
	}
	atomic_store(&me->done, true);
	return NULL;
}

static void *udp_epoll_main(void *arg)
{
	struct waiter *me = arg;
	bool open[NUDP] = { false, true, true, true };
	int left = NUDP - 1;

	while (left) {
		struct epoll_event ev[NUDP];
		int r;

		enter(me, "epoll_wait");
		r = xsock_epoll_wait(ep, ev, NUDP, -1);
		leave(me, r, errno, false);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0) {
			fail(me, "epoll_wait: %s", strerror(errno));
			break;
		}
		for (int i = 0; i < r; i++) {
			int s = (int)ev[i].data.u32;

			if (open[s] && !drain(s)) {
				open[s] = false;
				left--;
				xsock_epoll_ctl(ep, EPOLL_CTL_DEL, udp[s], NULL);
			}
		}
	}
	atomic_store(&me->done, true);
	return NULL;
}

static void *tcp_conn_main(void *arg);
static struct waiter *spawn(enum kind kind, int idx, void *(*fn)(void *));

static void *accept_main(void *arg)
{
	struct waiter *me = arg;

	for (;;) {
		int fd;
		long c;

		enter(me, "accept");
		fd = xsock_accept(listener, NULL, NULL);
		leave(me, fd, errno, true);
		if (fd < 0 && errno == EINTR)
			continue;
		if (fd < 0) {
			if (errno != EINVAL)	/* EINVAL: the listener was shut down */
				fail(me, "accept: %s", strerror(errno));
			break;
		}
		c = atomic_fetch_add(&accepted, 1);
		if (c >= MAX_CONN) {
			fail(me, "more connections than asked for");
			xsock_close(fd);
			break;
		}
		atomic_store(&conn_fd[c], fd);
		{
			struct epoll_event ev = { .events = EPOLLIN | EPOLLRDHUP | EPOLLET,
						  .data.u32 = (uint32_t)c };

			/* while tcp-epoll waits on the instance */
			if (xsock_epoll_ctl(ep_tcp, EPOLL_CTL_ADD, fd, &ev))
				fail(me, "epoll_ctl: %s", strerror(errno));
		}
		spawn(K_TCP_CONN, (int)c, tcp_conn_main);
	}
	atomic_store(&me->done, true);
	return NULL;
}

static void *tcp_conn_main(void *arg)
{
	struct waiter *me = arg;
	int fd = atomic_load(&conn_fd[me->idx]);
	char out[ECHO_LEN], in[ECHO_LEN];

	for (int round = 0;; round++) {
		size_t have = 0;

		if (round < ECHO_ROUNDS) {
			for (int i = 0; i < ECHO_LEN; i++)
				out[i] = (char)('a' + (i + round + me->idx) % 26);
			/* a signal after part of it went ends a send with the count */
			for (size_t sent = 0; sent < ECHO_LEN;) {
				ssize_t n = xsock_send(fd, out + sent, ECHO_LEN - sent, MSG_NOSIGNAL);

				if (n < 0 && errno == EINTR)
					continue;
				if (n <= 0) {
					fail(me, "send: %s", strerror(errno));
					goto out;
				}
				sent += (size_t)n;
			}
		}
		while (have < ECHO_LEN) {
			ssize_t n;

			enter(me, "recv");
			n = xsock_recv(fd, in + have, ECHO_LEN - have, 0);
			leave(me, n, errno, true);
			if (n < 0 && errno == EINTR)
				continue;
			if (n <= 0)
				break;
			have += (size_t)n;
		}
		if (round >= ECHO_ROUNDS) {
			if (have)
				fail(me, "%zu bytes nobody sent", have);
			break;	/* shutdown(SHUT_RD): EOF */
		}
		if (have != ECHO_LEN || memcmp(in, out, ECHO_LEN)) {
			fail(me, "round %d: echo of %zu bytes differs", round, have);
			break;
		}
		atomic_fetch_add(&echo_rounds, 1);
	}
out:
	atomic_store(&me->done, true);
	return NULL;
}

/* Edge-triggered epoll over the listener and every connection (added as
 * they are accepted): woken by new connections, echoed data and, at the
 * end, the shutdowns.  Consumes nothing: edges only. */
static void *tcp_epoll_main(void *arg)
{
	struct waiter *me = arg;

	for (;;) {
		struct epoll_event ev[MAX_CONN + 1];
		int r;

		enter(me, "epoll_wait");
		r = xsock_epoll_wait(ep_tcp, ev, MAX_CONN + 1, -1);
		leave(me, r, errno, false);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0) {
			fail(me, "epoll_wait: %s", strerror(errno));
			break;
		}
		atomic_fetch_add(&tcp_edges, r);
		if (atomic_load(&tcp_shut))
			break;
	}
	atomic_store(&me->done, true);
	return NULL;
}

static struct waiter *spawn(enum kind kind, int idx, void *(*fn)(void *))
{
	struct waiter *me;
	int i;

	/* Filled in before nw counts it: the watchdog and the signallers
	 * read entries below nw. */
	pthread_mutex_lock(&spawn_lock);
	i = atomic_load(&nw);
	if (i >= MAX_THREADS) {
		fprintf(stderr, "xs_stress: too many threads\n");
		exit(1);
	}
	me = &w[i];
	me->kind = kind;
	me->idx = idx;
	if (pthread_create(&me->th, NULL, fn, me)) {
		fprintf(stderr, "xs_stress: pthread_create failed\n");
		exit(1);
	}
	atomic_store(&nw, i + 1);
	pthread_mutex_unlock(&spawn_lock);
	return me;
}

/* ---- the watchdog --------------------------------------------------------- */

static _Atomic uint64_t phase_deadline;
static const char *_Atomic phase_name = "start";
static atomic_bool closing;         /* phase 4 on: socket 0's readers are expected to wake */

static void dump(void)
{
	uint64_t now = now_ns();

	for (int i = 0; i < atomic_load(&nw); i++) {
		uint64_t since = atomic_load(&w[i].since_ns);

		fprintf(stderr, "    %-10s #%d %s%s (%.1f s) eintr=%d %s\n", kind_names[w[i].kind],
			w[i].idx, atomic_load(&w[i].done) ? "done" : since ? "blocked in " : "running",
			since && !atomic_load(&w[i].done) ? w[i].call : "",
			since && since < now ? (double)(now - since) / 1e9 : 0.0,
			atomic_load(&w[i].eintr), atomic_load(&w[i].done) ? w[i].why : "");
	}
}

static void *watchdog_main(void *arg)
{
	sigset_t all;

	(void)arg;
	sigfillset(&all);
	pthread_sigmask(SIG_BLOCK, &all, NULL);
	for (;;) {
		uint64_t now = now_ns(), dl = atomic_load(&phase_deadline);

		for (int i = 0; i < atomic_load(&nw); i++) {
			uint64_t since = atomic_load(&w[i].since_ns);

			/* socket 0 gets nothing before phase 4: its readers
			 * wait from the start by design */
			if (w[i].kind == K_CLOSE_RECV && !atomic_load(&closing))
				continue;
			/* since may be newer than now: the thread entered again */
			if (since && since < now && !atomic_load(&w[i].done) &&
			    now - since > bound_s * 1000000000ull) {
				fprintf(stderr, "FAIL: %s #%d stuck in %s for more than %u s (phase %s)\n",
					kind_names[w[i].kind], w[i].idx, w[i].call, bound_s, phase_name);
				dump();
				_exit(3);
			}
		}
		if (dl && now > dl) {
			fprintf(stderr, "FAIL: phase %s did not finish in time\n", phase_name);
			fprintf(stderr, "    datagrams %ld %ld %ld %ld, pokes %ld, echo rounds %ld, accepted %ld\n",
				atomic_load(&got[0]), atomic_load(&got[1]), atomic_load(&got[2]),
				atomic_load(&got[3]), atomic_load(&pokes), atomic_load(&echo_rounds),
				atomic_load(&accepted));
			dump();
			_exit(3);
		}
		usleep(50000);
	}
	return NULL;
}

static void phase_start(const char *name, unsigned secs)
{
	phase_name = name;
	atomic_store(&phase_deadline, now_ns() + secs * 1000000000ull);
	printf("phase %s\n", name);
	fflush(stdout);
}

/* Phase 2: SA_RESTART signals at every thread, every millisecond. */
static void *signaller_main(void *arg)
{
	long *sent = arg;

	while (atomic_load(&storm)) {
		for (int i = 0; i < atomic_load(&nw); i++)
			if (!atomic_load(&w[i].done)) {
				pthread_kill(w[i].th, SIGUSR2);
				(*sent)++;
			}
		usleep(1000);
	}
	return NULL;
}

/* ---- main ------------------------------------------------------------------ */

static void ask_peer(int from, const char *fmt, ...)
{
	char cmd[64];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(cmd, sizeof(cmd), fmt, ap);
	va_end(ap);
	if (xsock_sendto(udp[from], cmd, strlen(cmd), 0, (struct sockaddr *)&peer_report,
			 sizeof(peer_report)) < 0) {
		perror("xs_stress: sendto");
		exit(1);
	}
}

/* One round of the peer's data: NCONN more echo connections, rounds
 * blasts to each of sockets 1..3, every datagram counted once and every
 * echo compared.  n: the how-manyth round.  Returns whether all added up. */
static int data_round(int n)
{
	int ok = 1;

	for (int c = 0; c < NCONN; c++)
		ask_peer(1, "K %d echo", port + 100);
	for (int r = 1; r <= rounds; r++) {
		long want = ((long)(n - 1) * rounds + r) * BLAST;

		for (int s = 1; s < NUDP; s++)
			ask_peer(s, "B %d 64", BLAST);
		for (int s = 1; s < NUDP; s++)
			while (atomic_load(&got[s]) < want)
				usleep(1000);
	}
	while (atomic_load(&echo_rounds) < (long)n * NCONN * ECHO_ROUNDS)
		usleep(1000);
	usleep(100000);	/* a duplicate would show now */
	for (int s = 1; s < NUDP; s++)
		if (atomic_load(&got[s]) != (long)n * rounds * BLAST) {
			fprintf(stderr, "FAIL: socket %d got %ld datagrams, not %d\n", s,
				atomic_load(&got[s]), n * rounds * BLAST);
			ok = 0;
		}
	if (atomic_load(&echo_rounds) != (long)n * NCONN * ECHO_ROUNDS) {
		fprintf(stderr, "FAIL: %ld echo rounds, not %d\n", atomic_load(&echo_rounds),
			n * NCONN * ECHO_ROUNDS);
		ok = 0;
	}
	printf("datagrams %ld %ld %ld, echo rounds %ld on %ld connections\n", atomic_load(&got[1]),
	       atomic_load(&got[2]), atomic_load(&got[3]), atomic_load(&echo_rounds),
	       atomic_load(&accepted));
	return ok;
}

/* The waiter threads that block on something other than socket 0. */
static bool in_signal_phases(const struct waiter *x)
{
	return x->kind != K_CLOSE_RECV;
}

/* Whether every thread of the signal phases is blocked in its call now. */
static bool all_blocked(void)
{
	for (int i = 0; i < atomic_load(&nw); i++)
		if (in_signal_phases(&w[i]) && !atomic_load(&w[i].done) &&
		    !atomic_load(&w[i].since_ns))
			return false;
	return true;
}

int main(int argc, char **argv)
{
	struct sigaction sa = { .sa_handler = on_sig };
	struct sockaddr_in a;
	pthread_t dog, sig_th;
	long storm_sent = 0;
	int one = 1, ok = 1, nsig = 0;
	const char *env = getenv("XS_STRESS_BOUND_S");

	if (argc != 5)
		return fprintf(stderr, "usage: xs_stress LOCAL4 PEER4 REPORT_PORT PORT\n"), 2;
	if (env)
		bound_s = (unsigned)atoi(env);
	if (getenv("XS_STRESS_ROUNDS"))
		rounds = atoi(getenv("XS_STRESS_ROUNDS"));
	local4.sin_family = peer_report.sin_family = AF_INET;
	if (inet_pton(AF_INET, argv[1], &local4.sin_addr) != 1 ||
	    inet_pton(AF_INET, argv[2], &peer_report.sin_addr) != 1)
		return fprintf(stderr, "xs_stress: bad address\n"), 2;
	peer_report.sin_port = htons((uint16_t)atoi(argv[3]));
	port = atoi(argv[4]);

	/* through libxsock, so that a handler that runs while a call is in
	 * user space counts too (xsock_sigaction()) */
	xsock_sigaction(SIGUSR1, &sa, NULL);	/* no SA_RESTART */
	sa.sa_flags = SA_RESTART;
	xsock_sigaction(SIGUSR2, &sa, NULL);
	pthread_create(&dog, NULL, watchdog_main, NULL);

	ep = xsock_epoll_create1(0);
	for (int s = 0; s < NUDP; s++) {
		a = local4;
		a.sin_port = htons((uint16_t)(port + s));
		udp[s] = xsock_socket(AF_INET, SOCK_DGRAM, 0);
		if (udp[s] < 0 || xsock_bind(udp[s], (struct sockaddr *)&a, sizeof(a)))
			return perror("xs_stress: udp socket"), 1;
		if (xsock_is_accelerated(udp[s]) != 2)
			return fprintf(stderr, "xs_stress: socket %d is not on the fast path\n", s), 1;
		if (s) {
			struct epoll_event ev = { .events = EPOLLIN, .data.u32 = (uint32_t)s };

			xsock_epoll_ctl(ep, EPOLL_CTL_ADD, udp[s], &ev);
		}
	}
	listener = xsock_socket(AF_INET, SOCK_STREAM, 0);
	a = local4;
	a.sin_port = htons((uint16_t)(port + 100));
	xsock_setsockopt(listener, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (xsock_bind(listener, (struct sockaddr *)&a, sizeof(a)) || xsock_listen(listener, 16))
		return perror("xs_stress: listener"), 1;
	ep_tcp = xsock_epoll_create1(0);
	{
		struct epoll_event ev = { .events = EPOLLIN | EPOLLET, .data.u32 = MAX_CONN };

		xsock_epoll_ctl(ep_tcp, EPOLL_CTL_ADD, listener, &ev);
	}

	for (int s = 0; s < NUDP; s++)
		for (int k = 0; k < 2; k++)
			spawn(s ? K_UDP_RECV : K_CLOSE_RECV, s, udp_recv_main);
	spawn(K_UDP_POLL, 0, udp_poll_main);
	spawn(K_UDP_EPOLL, 0, udp_epoll_main);
	for (int k = 0; k < 2; k++)
		spawn(K_ACCEPT, 0, accept_main);
	spawn(K_TCP_EPOLL, 0, tcp_epoll_main);

	/* 1: data.  Connections first: their echo runs alongside the blasts. */
	phase_start("data", 60);
	ok &= data_round(1);

	/* 2: the same again under a storm of SA_RESTART signals: nothing may
	 * be lost, and no call that restarts may fail with EINTR. */
	phase_start("storm", 60);
	atomic_store(&phase, 2);
	atomic_store(&storm, true);
	pthread_create(&sig_th, NULL, signaller_main, &storm_sent);
	ok &= data_round(2);
	atomic_store(&storm, false);
	pthread_join(sig_th, NULL);
	usleep(20000);
	atomic_store(&phase, 0);
	nsig += (int)storm_sent;
	for (int i = 0; i < atomic_load(&nw); i++)
		if (atomic_load(&w[i].bad_eintr)) {
			fprintf(stderr, "FAIL: %s #%d: EINTR %d times under SA_RESTART\n",
				kind_names[w[i].kind], w[i].idx, atomic_load(&w[i].bad_eintr));
			ok = 0;
		}

	/* 3: SA_RESTART signals, while every thread is blocked. */
	phase_start("restart", 30);
	while (!all_blocked())
		usleep(1000);
	usleep(20000);	/* past the busy-poll spin, asleep */
	atomic_store(&phase, 2);
	for (int k = 0; k < 20; k++) {
		for (int i = 0; i < atomic_load(&nw); i++)
			if (in_signal_phases(&w[i]) && !atomic_load(&w[i].done)) {
				pthread_kill(w[i].th, SIGUSR2);
				nsig++;
			}
		usleep(5000);
	}
	usleep(50000);
	atomic_store(&phase, 0);
	for (int i = 0; i < atomic_load(&nw); i++) {
		bool restarts = w[i].kind != K_UDP_POLL && w[i].kind != K_UDP_EPOLL &&
				w[i].kind != K_TCP_EPOLL;

		if (!in_signal_phases(&w[i]))
			continue;
		if (restarts && atomic_load(&w[i].bad_eintr)) {
			fprintf(stderr, "FAIL: %s #%d: EINTR %d times under SA_RESTART\n",
				kind_names[w[i].kind], w[i].idx, atomic_load(&w[i].bad_eintr));
			ok = 0;
		} else if (!restarts && !atomic_load(&w[i].eintr)) {
			fprintf(stderr, "FAIL: %s: no EINTR from 20 SA_RESTART signals\n",
				kind_names[w[i].kind]);
			ok = 0;
		}
	}

	/* 4: signals without SA_RESTART, until each call fails with EINTR. */
	phase_start("eintr", 30);
	for (int i = 0; i < atomic_load(&nw); i++) {
		int before;

		if (!in_signal_phases(&w[i]) || atomic_load(&w[i].done))
			continue;
		before = atomic_load(&w[i].eintr);
		while (atomic_load(&w[i].eintr) == before) {
			pthread_kill(w[i].th, SIGUSR1);
			nsig++;
			usleep(10000);
		}
	}

	/* 5: socket 0 closed under its readers; they still get its data. */
	phase_start("close", 30);
	while (!all_blocked() ||
	       !atomic_load(&w[0].since_ns) || !atomic_load(&w[1].since_ns))
		usleep(1000);
	usleep(20000);
	atomic_store(&closing, true);
	for (int k = 0; k < 2; k++)
		atomic_store(&w[k].since_ns, now_ns());	/* the bound counts from the close */
	xsock_close(udp[0]);
	usleep(20000);
	for (int k = 0; k < 2; k++)
		ask_peer(1, "P %d", port);
	while (!atomic_load(&w[0].done) || !atomic_load(&w[1].done))
		usleep(1000);

	/* 6: shutdown wakes everything else. */
	phase_start("shutdown", 30);
	atomic_store(&udp_shut, true);
	for (int s = 1; s < NUDP; s++)
		xsock_shutdown(udp[s], SHUT_RD);
	atomic_store(&tcp_shut, true);
	xsock_shutdown(listener, SHUT_RDWR);
	for (int c = 0; c < MAX_CONN; c++)
		xsock_shutdown(atomic_load(&conn_fd[c]), SHUT_RD);
	for (int i = 0; i < atomic_load(&nw); i++)
		pthread_join(w[i].th, NULL);
	atomic_store(&phase_deadline, 0);

	for (int i = 0; i < atomic_load(&nw); i++)
		if (w[i].why[0]) {
			fprintf(stderr, "FAIL: %s #%d: %s\n", kind_names[w[i].kind], w[i].idx,
				w[i].why);
			ok = 0;
		}
	if (atomic_load(&accepted) != MAX_CONN) {
		fprintf(stderr, "FAIL: %ld connections accepted, not %d\n", atomic_load(&accepted),
			MAX_CONN);
		ok = 0;
	}
	if (atomic_load(&tcp_edges) < MAX_CONN) {
		fprintf(stderr, "FAIL: %ld edge-triggered TCP reports, fewer than the connections\n",
			atomic_load(&tcp_edges));
		ok = 0;
	}
	printf("threads %d, signals %d, pokes %ld, TCP edges %ld, EINTR:", atomic_load(&nw), nsig,
	       atomic_load(&pokes), atomic_load(&tcp_edges));
	for (int i = 0; i < atomic_load(&nw); i++)
		printf(" %d", atomic_load(&w[i].eintr));
	printf("\n%s\n", ok ? "PASS" : "FAIL");
	for (int s = 1; s < NUDP; s++)
		xsock_close(udp[s]);
	for (int c = 0; c < MAX_CONN; c++)
		xsock_close(atomic_load(&conn_fd[c]));
	xsock_close(listener);
	xsock_close(ep);
	xsock_close(ep_tcp);
	return ok ? 0 : 1;
}
