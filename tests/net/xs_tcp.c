// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * xs_tcp: a TCP tool for the network tests, on the xsock API, or with
 * --kernel on plain libc calls, so that one program is both the xsock side
 * (namespace A) and the kernel peer (namespace B).  Every socket call goes
 * through one table of functions (xsock_* or libc, tools/bench/bench.h),
 * nothing else differs.
 *
 *   xs_tcp server --port P [--bind ADDR] [--family 4|6] [--once | --conns N] [--warmup W]
 *                 [--echo [--close-after B] | --sink | --source B | --sink --source B]
 *                 [--reset-after B] [--half-close] [--vanish]
 *   xs_tcp client --connect ADDR --port P
 *                 [--send B]                           bulk (the default mode)
 *                 [--conns N --msgs K [--size B]]      many concurrent echoing connections
 *                 [--cycles C [--warmup W] [--size B] [--wait-eof]]
 *                 [--scenario reset-read|reset-write|half-close|vanish [--send B]
 *                  [--user-timeout MS]]
 *                 [--reset-after B]                    a kernel peer that resets
 *   xs_tcp stream --seed S --bytes N                   the stream on stdout (for sha256sum)
 *   xs_tcp selftest                                    SHA-256 vectors, stream generator
 * Common: [--kernel] [--require-accel] [--seed S] [--peer-seed S] [--timeout S]
 *
 * Data.  Each end sends a pseudo-random stream fixed by its --seed (client
 * 1, server 2 unless told), any offset of which can be computed on its own,
 * so a receiver checks every byte against --peer-seed's stream (rx_match,
 * rx_bad_at: the first byte that differs) and both ends print the SHA-256
 * of what they sent and received, for the script to compare.
 *
 * Server.  One xsock_poll() loop over the listener and every connection,
 * all non-blocking.  Per connection: --echo sends back what it reads (and
 * closes after --close-after bytes: the server closes first); --sink reads
 * until EOF; --source B sends B bytes, then shutdown(SHUT_WR), and keeps
 * reading until EOF; --sink --source B does both at once (full duplex).
 * A connection ends when the peer's EOF has been read and everything is
 * sent.  Peer behaviours (for the kernel side): --reset-after B reads B
 * bytes then closes with SO_LINGER 0 (an RST); --half-close sends --source
 * bytes (0 by default), shuts down writing at once and reads until EOF;
 * --vanish echoes the first request, prints {"event":"vanish"} and then
 * leaves the connection alone (the script takes the peer's addresses
 * away, so that packets are lost).  --once or --conns N: exit after N
 * connections have ended; --warmup W: the fd and RSS baseline is taken
 * when W connections have ended and none is open.
 *
 * Client modes.
 *   bulk      one connection, full duplex in a poll loop: send --send bytes
 *             of its stream, shutdown(SHUT_WR), read until EOF.
 *   many      --conns N non-blocking connects at once; once all N are
 *             established, each echoes --msgs K messages of --size bytes
 *             one at a time, every byte checked; then SHUT_WR, EOF, close.
 *   cycles    --cycles C blocking connect / --size request / response /
 *             close cycles (--wait-eof: read the server's EOF first, so
 *             that the server closes first and holds TIME_WAIT), after
 *             --warmup W cycles; open fds and RSS at the baseline, half way
 *             and at the end.
 *   scenario  a fixed sequence of calls against a misbehaving peer, each
 *             call's return value, errno and SIGPIPE count recorded:
 *               reset-read   send --send bytes; blocking recv (-> ECONNRESET);
 *                            poll; recv; send MSG_NOSIGNAL; send; SO_ERROR
 *               reset-write  send --send bytes; poll until the RST shows;
 *                            send MSG_NOSIGNAL; send; send MSG_NOSIGNAL; recv
 *               half-close   read the peer's stream to EOF; poll; recv again;
 *                            send --send bytes; shutdown(SHUT_WR); recv
 *               vanish       TCP_USER_TIMEOUT --user-timeout ms (3000); one
 *                            echoed request; {"event":"established"}; wait
 *                            for SIGUSR1 (the peer is gone by then); send;
 *                            blocking recv (-> ETIMEDOUT, timed); recv; send
 *   reset     (--reset-after B) send B bytes, wait 200 ms, close with
 *             SO_LINGER 0.
 *
 * Output: one JSON object per line on stdout; a server prints
 * {"event":"ready",...} once listening, {"event":"conn",...} per
 * connection (only with --once, at most 16 connections, or on errors) and
 * {"event":"done",...} at the end; a client prints {"event":"done",...}.
 * errno values are printed by name ("ECONNRESET").
 *
 * --require-accel: exit 3 with a message on stderr as soon as a connected
 * or accepted xsock socket is not on the fast path (xsock_is_accelerated()
 * != 2).  Off by default; the scripts pass it when XS_TCP_REQUIRE_ACCEL=1.
 *
 * Exit status: 0 done (a client: and everything checked out; a scenario:
 * every step ran), 1 failure, 2 usage, 3 --require-accel refused a socket,
 * 4 --timeout (default 120 s) ran out.
 */
#include <arpa/inet.h>
#include <dirent.h>
#include <endian.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <inttypes.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "bench/bench.h"
#include "sha256.h"

/* Every socket call goes through this table (tools/bench/bench.h): xsock's,
 * or the kernel's with --kernel. */
static const struct stack_ops *S = &xsock_stack;

/* ---- options ------------------------------------------------------------------ */

enum role { ROLE_SERVER, ROLE_CLIENT };
enum scenario { SC_NONE, SC_RESET_READ, SC_RESET_WRITE, SC_HALF_CLOSE, SC_VANISH };

struct opts {
	enum role role;
	const char *addr;           /* client: --connect; server: --bind */
	int family;                 /* 4, 6 or 0: from the address */
	uint16_t port;
	bool require_accel;
	uint64_t seed, peer_seed;
	double timeout;
	/* server */
	bool echo, sink, half_close, vanish;
	uint64_t source;
	uint64_t close_after, reset_after;
	long conns;                 /* server: end after N; client: many mode */
	long warmup;
	/* client */
	uint64_t send;
	long msgs, cycles;
	uint32_t size;
	bool wait_eof;
	enum scenario scenario;
	int user_timeout_ms;
};

#define CHUNK 65536
#define NONE UINT64_MAX
#define IO_TIMEOUT_S 10             /* blocking calls of the client modes */

static volatile sig_atomic_t stop, sigpipes, usr1;

static void on_term(int sig)
{
	(void)sig;
	stop = 1;
}

static void on_sigpipe(int sig)
{
	(void)sig;
	sigpipes++;
}

static void on_usr1(int sig)
{
	(void)sig;
	usr1 = 1;
}

static void on_alarm(int sig)
{
	static const char msg[] = "xs_tcp: --timeout ran out\n";

	(void)sig;
	if (write(2, msg, sizeof(msg) - 1) < 0)
		_exit(4);
	_exit(4);
}

static double since_s(uint64_t t0)
{
	return (double)(now_ns() - t0) / 1e9;
}

static const char *errno_name(int e)
{
	static char buf[16];
	const char *n = e ? strerrorname_np(e) : "0";

	if (n)
		return n;
	snprintf(buf, sizeof(buf), "%d", e);
	return buf;
}

static void fail(const char *what)
{
	fprintf(stderr, "xs_tcp: %s: %s\n", what, strerror(errno));
	exit(1);
}

/* Open file descriptors (the directory stream's own included: the same
 * one every time). */
static long fd_count(void)
{
	DIR *d = opendir("/proc/self/fd");
	long n = 0;

	if (!d)
		return -1;
	while (readdir(d))
		n++;
	closedir(d);
	return n - 2;               /* . and .. */
}

static long rss_kb(void)
{
	long size, rss;
	FILE *f = fopen("/proc/self/statm", "r");

	if (!f)
		return -1;
	if (fscanf(f, "%ld %ld", &size, &rss) != 2)
		rss = -1;
	fclose(f);
	return rss < 0 ? -1 : rss * (sysconf(_SC_PAGESIZE) / 1024);
}

/* ---- the data streams ----------------------------------------------------------- */

static uint64_t mix64(uint64_t z)
{
	z += 0x9e3779b97f4a7c15ull;
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return z ^ (z >> 31);
}

/* Bytes [off, off + len) of the stream of seed: byte i is byte i % 8 of
 * mix64(key + i / 8), so any stretch is computed on its own. */
static void stream_fill(uint64_t seed, uint64_t off, uint8_t *buf, size_t len)
{
	uint64_t key = mix64(seed ^ 0x7873736f636b7463ull);

	while (len) {
		uint64_t v = htole64(mix64(key + off / 8));
		size_t skip = off % 8, take = 8 - skip < len ? 8 - skip : len;

		memcpy(buf, (uint8_t *)&v + skip, take);
		buf += take;
		off += take;
		len -= take;
	}
}

/* The offset of the first byte of buf that is not the stream's at off,
 * or NONE. */
static uint64_t stream_check(uint64_t seed, uint64_t off, const uint8_t *buf, size_t len)
{
	static uint8_t want[CHUNK];

	while (len) {
		size_t n = len < sizeof(want) ? len : sizeof(want);

		stream_fill(seed, off, want, n);
		if (memcmp(want, buf, n)) {
			for (size_t i = 0; i < n; i++)
				if (want[i] != buf[i])
					return off + i;
		}
		off += n;
		buf += n;
		len -= n;
	}
	return NONE;
}

/* ---- error counts ------------------------------------------------------------ */

struct err_counts {
	int err[16];
	long n[16];
	int used;
};

static void err_count(struct err_counts *ec, int e)
{
	for (int i = 0; i < ec->used; i++)
		if (ec->err[i] == e) {
			ec->n[i]++;
			return;
		}
	if (ec->used < 16) {
		ec->err[ec->used] = e;
		ec->n[ec->used++] = 1;
	}
}

static long err_total(const struct err_counts *ec)
{
	long t = 0;

	for (int i = 0; i < ec->used; i++)
		t += ec->n[i];
	return t;
}

static void err_print(const struct err_counts *ec)
{
	printf("{");
	for (int i = 0; i < ec->used; i++)
		printf("%s\"%s\":%ld", i ? "," : "", errno_name(ec->err[i]), ec->n[i]);
	printf("}");
}

/* ---- addresses and sockets ------------------------------------------------------ */

static socklen_t make_addr(const struct opts *o, struct sockaddr_storage *ss)
{
	struct sockaddr_in *in = (struct sockaddr_in *)ss;
	struct sockaddr_in6 *in6 = (struct sockaddr_in6 *)ss;
	const char *a = o->addr;

	memset(ss, 0, sizeof(*ss));
	if (o->family != 6 && (a ? inet_pton(AF_INET, a, &in->sin_addr) == 1 : o->family == 4)) {
		in->sin_family = AF_INET;
		in->sin_port = htons(o->port);
		return sizeof(*in);
	}
	if (o->family != 4 && (!a || inet_pton(AF_INET6, a, &in6->sin6_addr) == 1)) {
		in6->sin6_family = AF_INET6;
		in6->sin6_port = htons(o->port);
		return sizeof(*in6);
	}
	fprintf(stderr, "xs_tcp: '%s' is not an IPv%d address\n", a ? a : "", o->family ? o->family : 4);
	exit(2);
}

static int accel_of(int fd)
{
	return S->is_accelerated ? S->is_accelerated(fd) : 0;
}

/* --require-accel: a connected or accepted xsock socket must be on the
 * fast path.  Returns xsock_is_accelerated(fd) (0 for the kernel). */
static int check_accel(const struct opts *o, int fd, const char *what)
{
	int a = accel_of(fd);

	if (o->require_accel && S->is_accelerated && a != 2) {
		fprintf(stderr, "xs_tcp: --require-accel: %s socket %d is not accelerated "
				"(xsock_is_accelerated() = %d, want 2)\n", what, fd, a);
		printf("{\"event\":\"not-accelerated\",\"what\":\"%s\",\"accelerated\":%d}\n", what, a);
		fflush(stdout);
		exit(3);
	}
	return a;
}

static void set_nonblock(int fd)
{
	int fl = S->fcntl(fd, F_GETFL);

	if (fl < 0 || S->fcntl(fd, F_SETFL, fl | O_NONBLOCK) < 0)
		fail("fcntl O_NONBLOCK");
}

static void set_io_timeouts(int fd, int secs)
{
	struct timeval tv = { .tv_sec = secs };

	S->setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	S->setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
}

/* A blocking connect (bounded by SO_SNDTIMEO).  Returns the fd, or -1
 * with errno set. */
static int connect_blocking(const struct opts *o)
{
	struct sockaddr_storage ss;
	socklen_t len = make_addr(o, &ss);
	int fd = S->socket(ss.ss_family, SOCK_STREAM, 0), e;

	if (fd < 0)
		return -1;
	set_io_timeouts(fd, IO_TIMEOUT_S);
	if (S->connect(fd, (struct sockaddr *)&ss, len) < 0) {
		e = errno;
		S->close(fd);
		errno = e;
		return -1;
	}
	return fd;
}

static void linger_zero(int fd)
{
	struct linger l = { .l_onoff = 1, .l_linger = 0 };

	S->setsockopt(fd, SOL_SOCKET, SO_LINGER, &l, sizeof(l));
}

/* ---- a connection of the server, or of the bulk client ------------------------ */

struct conn {
	int fd;
	long id;
	int accel;
	bool rd_eof, wr_shut, vanished, reset, done;
	uint64_t rx, tx, tx_after_eof, src_len;
	uint64_t rx_bad_at;         /* first byte not from --peer-seed's stream, or NONE */
	struct xs_sha256 rx_sha, tx_sha;
	uint8_t *wbuf;              /* pending output: echoed data or a source chunk */
	size_t wlen, woff;
	int err;                    /* what ended it, 0: a clean end */
	const char *err_op;
	uint64_t t_start;
};

static struct conn *conn_new(int fd, long id, uint64_t src_len)
{
	struct conn *c = calloc(1, sizeof(*c));

	if (!c || !(c->wbuf = malloc(CHUNK)))
		fail("malloc");
	c->fd = fd;
	c->id = id;
	c->src_len = src_len;
	c->rx_bad_at = NONE;
	c->t_start = now_ns();
	xs_sha256_init(&c->rx_sha);
	xs_sha256_init(&c->tx_sha);
	return c;
}

static void conn_error(struct conn *c, const char *op, int e)
{
	c->err = e;
	c->err_op = op;
	c->done = true;
}

static short conn_events(const struct opts *o, const struct conn *c)
{
	short ev = 0;

	if (c->vanished || c->done)
		return 0;
	if (!c->rd_eof && !(o->echo && c->woff < c->wlen))
		ev |= POLLIN;
	if (c->woff < c->wlen || (!o->echo && c->tx < c->src_len))
		ev |= POLLOUT;
	return ev;
}

static void conn_read(const struct opts *o, struct conn *c)
{
	static uint8_t scratch[CHUNK];
	uint8_t *buf = o->echo ? c->wbuf : scratch;
	ssize_t n = S->recv(c->fd, buf, CHUNK, 0);

	if (n < 0) {
		if (errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR)
			conn_error(c, "recv", errno);
		return;
	}
	if (n == 0) {
		c->rd_eof = true;
		return;
	}
	if (!o->echo && c->rx_bad_at == NONE)
		c->rx_bad_at = stream_check(o->peer_seed, c->rx, buf, (size_t)n);
	xs_sha256_update(&c->rx_sha, buf, (size_t)n);
	c->rx += (uint64_t)n;
	if (o->echo) {
		c->wlen = (size_t)n;
		c->woff = 0;
	}
	if (o->reset_after && c->rx >= o->reset_after) {
		linger_zero(c->fd);
		c->reset = true;
		c->done = true;
	}
}

static void conn_write(const struct opts *o, struct conn *c)
{
	for (int i = 0; i < 16 && !c->done; i++) {
		ssize_t n;

		if (c->woff == c->wlen) {
			uint64_t left = c->src_len - c->tx;

			if (o->echo || !left)
				break;
			c->wlen = left < CHUNK ? (size_t)left : CHUNK;
			c->woff = 0;
			stream_fill(o->seed, c->tx, c->wbuf, c->wlen);
		}
		n = S->send(c->fd, c->wbuf + c->woff, c->wlen - c->woff, MSG_NOSIGNAL);
		if (n < 0) {
			if (errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR)
				conn_error(c, "send", errno);
			return;
		}
		xs_sha256_update(&c->tx_sha, c->wbuf + c->woff, (size_t)n);
		c->woff += (size_t)n;
		c->tx += (uint64_t)n;
		if (c->rd_eof)
			c->tx_after_eof += (uint64_t)n;
		if (o->echo && o->close_after && c->tx >= o->close_after)
			c->done = true;     /* the server closes first */
	}
}

/* Everything sent: half-close; and once the peer's EOF is in, the end.
 * A client, a source and --half-close shut down writing as soon as they
 * have sent everything; an echo or a plain sink only after the peer's EOF
 * (and one that is to reset never does). */
static void conn_settle(const struct opts *o, struct conn *c)
{
	bool sent = c->woff == c->wlen && (o->echo || c->tx == c->src_len);
	bool early = !o->echo && !o->reset_after &&
		     (o->role == ROLE_CLIENT || o->half_close || c->src_len > 0);

	if (c->done || !sent)
		return;
	if (!c->wr_shut && (c->rd_eof || early)) {
		if (S->shutdown(c->fd, SHUT_WR) < 0) {
			conn_error(c, "shutdown", errno);
			return;
		}
		c->wr_shut = true;
	}
	if (c->rd_eof)
		c->done = true;
}

static void conn_io(const struct opts *o, struct conn *c, short revents)
{
	if (!c->done && !c->rd_eof && (revents & (POLLIN | POLLERR | POLLHUP)) &&
	    !(o->echo && c->woff < c->wlen))
		conn_read(o, c);
	if (!c->done && (revents & (POLLOUT | POLLERR | POLLHUP)))
		conn_write(o, c);
	/* An echo that just read has something to send: try at once. */
	if (!c->done && o->echo && c->woff < c->wlen)
		conn_write(o, c);
	conn_settle(o, c);
}

/* One JSON line: event, then the extra fields (each followed by a comma),
 * then the connection's. */
static void conn_print(const struct opts *o, struct conn *c, const char *event, const char *extra)
{
	char rx_hex[65], tx_hex[65];

	xs_sha256_hex(&c->rx_sha, rx_hex);
	xs_sha256_hex(&c->tx_sha, tx_hex);
	printf("{\"event\":\"%s\",%s\"role\":\"%s\",\"stack\":\"%s\",\"id\":%ld,\"accelerated\":%d,"
	       "\"rx\":%" PRIu64 ",\"rx_sha256\":\"%s\",\"rx_match\":%s,\"rx_bad_at\":%" PRId64 ","
	       "\"tx\":%" PRIu64 ",\"tx_sha256\":\"%s\",\"tx_after_eof\":%" PRIu64 ","
	       "\"eof\":%s,\"reset\":%s,\"error\":%s%s%s,\"error_op\":%s%s%s,\"seconds\":%.3f}\n",
	       event, extra, o->role == ROLE_SERVER ? "server" : "client", S->name, c->id, c->accel,
	       c->rx, rx_hex, o->echo ? "null" : c->rx_bad_at == NONE ? "true" : "false",
	       c->rx_bad_at == NONE ? (int64_t)-1 : (int64_t)c->rx_bad_at,
	       c->tx, tx_hex, c->tx_after_eof, c->rd_eof ? "true" : "false",
	       c->reset ? "true" : "false",
	       c->err ? "\"" : "", c->err ? errno_name(c->err) : "null", c->err ? "\"" : "",
	       c->err_op ? "\"" : "", c->err_op ? c->err_op : "null", c->err_op ? "\"" : "",
	       since_s(c->t_start));
	fflush(stdout);
}

static void conn_free(struct conn *c)
{
	free(c->wbuf);
	free(c);
}

/* ---- server ------------------------------------------------------------------- */

static int open_listener(const struct opts *o, long backlog)
{
	struct sockaddr_storage ss;
	socklen_t len = make_addr(o, &ss);
	int one = 1, fd = S->socket(ss.ss_family, SOCK_STREAM, 0);

	if (fd < 0)
		fail("socket");
	S->setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (S->bind(fd, (struct sockaddr *)&ss, len) < 0)
		fail("bind");
	if (S->listen(fd, (int)backlog) < 0)
		fail("listen");
	set_nonblock(fd);
	return fd;
}

static int run_server(const struct opts *o)
{
	long cap = 64, nconn = 0, peak = 0, accepted = 0, finished = 0, printed = 0;
	long fds_base = -1, rss_base = -1, accel_n[3] = { 0 }, warmup = o->warmup;
	struct conn **tab = calloc((size_t)cap, sizeof(*tab));
	struct pollfd *pfd = calloc((size_t)cap + 1, sizeof(*pfd));
	uint64_t rx = 0, tx = 0, mismatched = 0, t0 = now_ns();
	bool per_conn = o->conns > 0 && o->conns <= 16;
	struct err_counts errs = { 0 };
	int lfd;

	if (!tab || !pfd)
		fail("calloc");
	lfd = open_listener(o, o->conns > 128 ? o->conns : 128);
	printf("{\"event\":\"ready\",\"role\":\"server\",\"stack\":\"%s\",\"port\":%u,"
	       "\"accelerated\":%d}\n", S->name, o->port, accel_of(lfd));
	fflush(stdout);
	if (warmup == 0) {
		fds_base = fd_count();
		rss_base = rss_kb();
	}

	while (!stop && !(o->conns && finished >= o->conns)) {
		bool listening = !o->conns || accepted < o->conns;
		nfds_t n = 0;
		int r;

		if (listening)
			pfd[n++] = (struct pollfd){ .fd = lfd, .events = POLLIN };
		for (long i = 0; i < nconn; i++)
			pfd[n++] = (struct pollfd){ .fd = tab[i]->fd, .events = conn_events(o, tab[i]) };
		r = S->poll(pfd, n, 200);
		if (r < 0) {
			if (errno == EINTR)
				continue;
			fail("poll");
		}
		if (r == 0)
			continue;
		/* Connections first: tab[] still matches pfd[]. */
		for (long i = 0, k = n - (nfds_t)nconn; i < nconn; i++, k++)
			if (pfd[k].revents)
				conn_io(o, tab[i], pfd[k].revents);
		for (long i = 0; i < nconn; i++) {
			struct conn *c = tab[i];

			if (!c->done)
				continue;
			if (c->err)
				err_count(&errs, c->err);
			if (!o->echo && c->rx_bad_at != NONE)
				mismatched++;
			rx += c->rx;
			tx += c->tx;
			if ((per_conn || (c->err && !c->reset)) && printed++ < 20)
				conn_print(o, c, "conn", "");
			S->close(c->fd);
			conn_free(c);
			tab[i--] = tab[--nconn];
			finished++;
		}
		if (fds_base < 0 && finished >= warmup && nconn == 0) {
			fds_base = fd_count();
			rss_base = rss_kb();
		}
		if (listening && (pfd[0].revents & POLLIN)) {
			while (!o->conns || accepted < o->conns) {
				int fd = S->accept4(lfd, NULL, NULL, SOCK_NONBLOCK);
				struct conn *c;

				if (fd < 0) {
					if (errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR &&
					    errno != ECONNABORTED)
						fail("accept4");
					break;
				}
				if (nconn == cap) {
					cap *= 2;
					tab = realloc(tab, (size_t)cap * sizeof(*tab));
					pfd = realloc(pfd, ((size_t)cap + 1) * sizeof(*pfd));
					if (!tab || !pfd)
						fail("realloc");
				}
				c = conn_new(fd, accepted++, o->source);
				c->accel = check_accel(o, fd, "accepted");
				accel_n[c->accel >= 0 && c->accel <= 2 ? c->accel : 0]++;
				tab[nconn++] = c;
				if (nconn > peak)
					peak = nconn;
				/* --half-close (and --source): start sending at once. */
				conn_io(o, c, POLLOUT);
			}
		}
		/* --vanish: the first request echoed, then nothing more. */
		for (long i = 0; o->vanish && i < nconn; i++) {
			struct conn *c = tab[i];

			if (!c->vanished && c->tx > 0 && c->woff == c->wlen) {
				c->vanished = true;
				printf("{\"event\":\"vanish\",\"id\":%ld}\n", c->id);
				fflush(stdout);
			}
		}
	}
	printf("{\"event\":\"done\",\"role\":\"server\",\"stack\":\"%s\",\"conns\":%ld,"
	       "\"open\":%ld,\"peak_conns\":%ld,\"errors\":",
	       S->name, finished, nconn, peak);
	err_print(&errs);
	printf(",\"rx_mismatched\":%" PRIu64 ",\"rx\":%" PRIu64 ",\"tx\":%" PRIu64 ","
	       "\"accelerated\":{\"0\":%ld,\"1\":%ld,\"2\":%ld},"
	       "\"fds_base\":%ld,\"fds_end\":%ld,\"rss_base_kb\":%ld,\"rss_end_kb\":%ld,"
	       "\"seconds\":%.3f}\n",
	       mismatched, rx, tx, accel_n[0], accel_n[1], accel_n[2],
	       fds_base, fd_count(), rss_base, rss_kb(), since_s(t0));
	fflush(stdout);
	return 0;
}

/* ---- client: bulk -------------------------------------------------------------- */

static int run_bulk(const struct opts *o)
{
	uint64_t t0 = now_ns();
	int fd = connect_blocking(o);
	struct conn *c;
	char extra[128];
	double secs;
	bool ok;

	if (fd < 0)
		fail("connect");
	c = conn_new(fd, 0, o->send);
	c->accel = check_accel(o, fd, "connected");
	set_nonblock(fd);
	conn_io(o, c, POLLOUT);
	while (!c->done && !stop) {
		struct pollfd p = { .fd = fd, .events = conn_events(o, c) };
		int r = S->poll(&p, 1, 1000);

		if (r < 0 && errno != EINTR)
			fail("poll");
		if (r > 0)
			conn_io(o, c, p.revents);
	}
	secs = since_s(t0);
	/* The accelerated state at the end, too: a connection may fall back. */
	if (S->is_accelerated && accel_of(fd) < c->accel)
		c->accel = accel_of(fd);
	ok = !c->err && c->rd_eof && c->tx == c->src_len && c->rx_bad_at == NONE;
	S->close(fd);
	snprintf(extra, sizeof(extra), "\"mode\":\"bulk\",\"ok\":%s,\"gbps\":%.3f,",
		 ok ? "true" : "false", secs > 0 ? (double)(c->rx + c->tx) * 8 / secs / 1e9 : 0);
	conn_print(o, c, "done", extra);
	conn_free(c);
	return ok ? 0 : 1;
}

/* ---- client: many concurrent connections ------------------------------------------ */

enum mstate { M_CONNECTING, M_WAIT, M_ECHO, M_SHUT, M_DONE };

struct mconn {
	int fd;
	enum mstate st;
	long msg;                   /* the message being echoed */
	uint32_t soff, roff;        /* of it: bytes sent, bytes back */
	uint64_t seed;
	int err;
};

static void raise_nofile(void)
{
	struct rlimit rl;

	if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < rl.rlim_max) {
		rl.rlim_cur = rl.rlim_max;
		setrlimit(RLIMIT_NOFILE, &rl);
	}
}

static void mconn_fail(struct mconn *m, int e)
{
	m->err = e;
	m->st = M_DONE;
}

static void mconn_io(const struct opts *o, struct mconn *m, short revents, long *echoes, long *bad,
		     long *eofs)
{
	static uint8_t buf[CHUNK], want[CHUNK];
	ssize_t n;

	if (m->st == M_ECHO && m->soff < o->size && (revents & (POLLOUT | POLLERR | POLLHUP))) {
		size_t len = o->size - m->soff;

		stream_fill(m->seed, (uint64_t)m->msg * o->size + m->soff, buf, len);
		n = S->send(m->fd, buf, len, MSG_NOSIGNAL);
		if (n < 0 && errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR)
			return mconn_fail(m, errno);
		if (n > 0)
			m->soff += (uint32_t)n;
	}
	if ((m->st == M_ECHO || m->st == M_SHUT) && (revents & (POLLIN | POLLERR | POLLHUP))) {
		size_t len = m->st == M_ECHO ? m->soff - m->roff : sizeof(buf);

		if (m->st == M_ECHO && len == 0)
			return;
		n = S->recv(m->fd, buf, len, 0);
		if (n < 0) {
			if (errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR)
				mconn_fail(m, errno);
			return;
		}
		if (n == 0) {
			if (m->st == M_SHUT)
				(*eofs)++;
			else
				(*bad)++;   /* EOF in the middle of an echo */
			m->st = M_DONE;
			return;
		}
		if (m->st == M_SHUT) {  /* nothing may come after the last echo */
			(*bad)++;
			m->st = M_DONE;
			return;
		}
		stream_fill(m->seed, (uint64_t)m->msg * o->size + m->roff, want, (size_t)n);
		if (memcmp(want, buf, (size_t)n)) {
			(*bad)++;
			m->st = M_DONE;
			return;
		}
		m->roff += (uint32_t)n;
		if (m->roff == o->size) {
			(*echoes)++;
			m->soff = m->roff = 0;
			if (++m->msg == o->msgs) {
				if (S->shutdown(m->fd, SHUT_WR) < 0)
					return mconn_fail(m, errno);
				m->st = M_SHUT;
			}
		}
	}
}

static short mconn_events(const struct opts *o, const struct mconn *m)
{
	switch (m->st) {
	case M_CONNECTING: return POLLOUT;
	case M_ECHO: return m->soff < o->size ? POLLIN | POLLOUT : POLLIN;
	case M_SHUT: return POLLIN;
	default: return 0;
	}
}

static int run_many(const struct opts *o)
{
	long n = o->conns, established = 0, echoes = 0, bad = 0, eofs = 0;
	long accel_n[3] = { 0 };
	struct mconn *m = calloc((size_t)n, sizeof(*m));
	struct pollfd *pfd = calloc((size_t)n, sizeof(*pfd));
	long *idx = calloc((size_t)n, sizeof(*idx));
	struct err_counts errs = { 0 };
	struct sockaddr_storage ss;
	socklen_t len = make_addr(o, &ss);
	uint64_t t0 = now_ns(), t_est = 0;
	bool started = false;

	if (!m || !pfd || !idx || o->size == 0 || o->size > CHUNK)
		fail("calloc (or --size beyond 64 KiB)");
	for (long i = 0; i < n; i++) {
		m[i].seed = mix64(o->seed + (uint64_t)i);
		m[i].fd = S->socket(ss.ss_family, SOCK_STREAM | SOCK_NONBLOCK, 0);
		if (m[i].fd < 0) {
			mconn_fail(&m[i], errno);
			continue;
		}
		if (S->connect(m[i].fd, (struct sockaddr *)&ss, len) == 0) {
			m[i].st = M_WAIT;
			established++;
		} else if (errno == EINPROGRESS)
			m[i].st = M_CONNECTING;
		else
			mconn_fail(&m[i], errno);
	}
	for (;;) {
		nfds_t k = 0;
		long connecting = 0;

		for (long i = 0; i < n; i++) {
			if (m[i].st == M_CONNECTING)
				connecting++;
			if (m[i].st == M_DONE || m[i].st == M_WAIT)
				continue;
			idx[k] = i;
			pfd[k++] = (struct pollfd){ .fd = m[i].fd, .events = mconn_events(o, &m[i]) };
		}
		/* Every connection up (or failed): only now does any echo start,
		 * so that all N are open at once. */
		if (!started && connecting == 0) {
			started = true;
			t_est = now_ns();
			for (long i = 0; i < n; i++)
				if (m[i].st == M_WAIT) {
					int a = check_accel(o, m[i].fd, "connected");

					accel_n[a >= 0 && a <= 2 ? a : 0]++;
					m[i].st = M_ECHO;
					idx[k] = i;
					pfd[k++] = (struct pollfd){ .fd = m[i].fd, .events = POLLIN | POLLOUT };
				}
			printf("{\"event\":\"established\",\"conns\":%ld,\"seconds\":%.3f}\n",
			       established, since_s(t0));
			fflush(stdout);
		}
		if (k == 0 || stop)
			break;
		if (S->poll(pfd, k, 1000) < 0) {
			if (errno == EINTR)
				continue;
			fail("poll");
		}
		for (nfds_t j = 0; j < k; j++) {
			struct mconn *c = &m[idx[j]];
			short rev = pfd[j].revents;

			if (!rev)
				continue;
			if (c->st == M_CONNECTING) {
				int e = 0;
				socklen_t el = sizeof(e);

				if (S->getsockopt(c->fd, SOL_SOCKET, SO_ERROR, &e, &el) < 0)
					e = errno;
				if (e) {
					mconn_fail(c, e);
				} else {
					c->st = M_WAIT;
					established++;
				}
				continue;
			}
			mconn_io(o, c, rev, &echoes, &bad, &eofs);
		}
		for (long i = 0; i < n; i++)
			if (m[i].st == M_DONE && m[i].fd >= 0) {
				if (m[i].err)
					err_count(&errs, m[i].err);
				S->close(m[i].fd);
				m[i].fd = -1;
			}
	}
	for (long i = 0; i < n; i++)
		if (m[i].fd >= 0)
			S->close(m[i].fd);
	printf("{\"event\":\"done\",\"mode\":\"many\",\"stack\":\"%s\",\"conns\":%ld,"
	       "\"established\":%ld,\"msgs\":%ld,\"size\":%u,\"echoes_ok\":%ld,\"bad\":%ld,"
	       "\"clean_eof\":%ld,\"errors\":",
	       S->name, n, established, o->msgs, o->size, echoes, bad, eofs);
	err_print(&errs);
	printf(",\"accelerated\":{\"0\":%ld,\"1\":%ld,\"2\":%ld},\"connect_seconds\":%.3f,"
	       "\"seconds\":%.3f}\n",
	       accel_n[0], accel_n[1], accel_n[2], t_est ? (double)(t_est - t0) / 1e9 : -1.0,
	       since_s(t0));
	fflush(stdout);
	free(m);
	free(pfd);
	free(idx);
	return established == n && echoes == n * o->msgs && !bad && eofs == n && !err_total(&errs)
	       ? 0 : 1;
}

/* ---- client: connect/request/response/close cycles --------------------------------- */

/* One cycle; 0, an errno, or -1 when the response was wrong. */
static int cycle_once(const struct opts *o, long i, uint8_t *req, uint8_t *resp, int *accel)
{
	size_t got = 0;
	ssize_t n;
	int fd = connect_blocking(o), e = 0, a;

	if (fd < 0)
		return errno;
	a = check_accel(o, fd, "connected");
	if (a < *accel)
		*accel = a;
	stream_fill(o->seed, (uint64_t)i * o->size, req, o->size);
	for (size_t off = 0; off < o->size; off += (size_t)n) {
		n = S->send(fd, req + off, o->size - off, MSG_NOSIGNAL);
		if (n < 0) {
			e = errno;
			goto out;
		}
	}
	while (got < o->size) {
		n = S->recv(fd, resp + got, o->size - got, 0);
		if (n <= 0) {
			e = n < 0 ? errno : -1;
			goto out;
		}
		got += (size_t)n;
	}
	if (memcmp(req, resp, o->size)) {
		e = -1;
		goto out;
	}
	if (o->wait_eof) {
		n = S->recv(fd, resp, 1, 0);
		if (n != 0)
			e = n < 0 ? errno : -1;
	}
out:
	S->close(fd);
	return e;
}

static int run_cycles(const struct opts *o)
{
	long total = o->warmup + o->cycles, ok = 0, bad = 0;
	long fds_base = -1, fds_mid = -1, fds_end, rss_base = -1, rss_mid = -1, rss_end;
	uint8_t *req = malloc(o->size ? o->size : 1), *resp = malloc(o->size ? o->size : 1);
	struct err_counts errs = { 0 };
	uint64_t t0 = now_ns(), t_base = t0;
	int accel = 2;
	double secs;

	if (!req || !resp || o->size == 0)
		fail("malloc (or --size 0)");
	if (o->warmup == 0) {
		fds_base = fd_count();
		rss_base = rss_kb();
	}
	for (long i = 0; i < total && !stop; i++) {
		int e = cycle_once(o, i, req, resp, &accel);

		if (i >= o->warmup) {
			if (e == 0)
				ok++;
			else if (e < 0)
				bad++;
			else
				err_count(&errs, e);
		} else if (e) {
			err_count(&errs, e > 0 ? e : EBADMSG);
		}
		if (err_total(&errs) + bad > 10)
			break;          /* broken: no point in 10,000 more */
		if (i + 1 == o->warmup) {
			fds_base = fd_count();
			rss_base = rss_kb();
			t_base = now_ns();
		}
		if (i + 1 == o->warmup + o->cycles / 2) {
			fds_mid = fd_count();
			rss_mid = rss_kb();
		}
	}
	secs = since_s(t_base);
	fds_end = fd_count();
	rss_end = rss_kb();
	printf("{\"event\":\"done\",\"mode\":\"cycles\",\"stack\":\"%s\",\"cycles\":%ld,\"warmup\":%ld,"
	       "\"ok\":%ld,\"bad\":%ld,\"errors\":",
	       S->name, o->cycles, o->warmup, ok, bad);
	err_print(&errs);
	printf(",\"accelerated\":%d,\"fds_base\":%ld,\"fds_mid\":%ld,\"fds_end\":%ld,"
	       "\"rss_base_kb\":%ld,\"rss_mid_kb\":%ld,\"rss_end_kb\":%ld,"
	       "\"seconds\":%.3f,\"rate\":%.0f}\n",
	       S->is_accelerated ? accel : 0, fds_base, fds_mid, fds_end, rss_base, rss_mid, rss_end,
	       secs, secs > 0 ? ok / secs : 0);
	fflush(stdout);
	free(req);
	free(resp);
	return ok == o->cycles && !bad && !err_total(&errs) ? 0 : 1;
}

/* ---- client: scenarios against a misbehaving peer ---------------------------------- */

static char steps[8192];
static size_t steps_len;

static void steps_add(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static void steps_add(const char *fmt, ...)
{
	va_list ap;

	if (steps_len >= sizeof(steps))
		return;
	va_start(ap, fmt);
	steps_len += (size_t)vsnprintf(steps + steps_len, sizeof(steps) - steps_len, fmt, ap);
	va_end(ap);
}

/* One call: what it returned, its errno, the SIGPIPEs so far. */
static void step(const char *op, long ret, int e)
{
	steps_add("%s{\"op\":\"%s\",\"ret\":%ld,\"errno\":\"%s\",\"sigpipe\":%d}",
		  steps_len ? "," : "", op, ret, ret < 0 ? errno_name(e) : "0", (int)sigpipes);
}

static void step_poll(const char *op, int ret, short rev)
{
	static const struct { short bit; const char *name; } names[] = {
		{ POLLIN, "IN" }, { POLLPRI, "PRI" }, { POLLOUT, "OUT" }, { POLLERR, "ERR" },
		{ POLLHUP, "HUP" }, { POLLNVAL, "NVAL" }, { POLLRDHUP, "RDHUP" },
	};
	char buf[64] = "";

	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if (rev & names[i].bit)
			snprintf(buf + strlen(buf), sizeof(buf) - strlen(buf), "%s%s",
				 buf[0] ? "|" : "", names[i].name);
	steps_add("%s{\"op\":\"%s\",\"ret\":%d,\"revents\":\"%s\"}", steps_len ? "," : "", op, ret, buf);
}

static void poll_step(const char *op, struct pollfd *p, int timeout)
{
	int r;

	p->revents = 0;
	r = S->poll(p, 1, timeout);
	step_poll(op, r, p->revents);
}

/* Send len bytes of the stream from offset off, blocking; the bytes sent,
 * or -1 with errno. */
static long send_stream(const struct opts *o, int fd, uint64_t off, uint64_t len, int flags,
			struct xs_sha256 *sha)
{
	static uint8_t buf[CHUNK];
	uint64_t done = 0;

	while (done < len) {
		size_t n = len - done < CHUNK ? (size_t)(len - done) : CHUNK;
		ssize_t r;

		stream_fill(o->seed, off + done, buf, n);
		r = S->send(fd, buf, n, flags);
		if (r < 0)
			return done ? (long)done : -1;
		if (sha)
			xs_sha256_update(sha, buf, (size_t)r);
		done += (uint64_t)r;
	}
	return (long)done;
}

static long recv1(int fd, int flags, int *e)
{
	uint8_t b[64];
	long r = S->recv(fd, b, sizeof(b), flags);

	*e = errno;
	return r;
}

static long send1(int fd, int flags, int *e)
{
	long r = S->send(fd, "x", 1, flags);

	*e = errno;
	return r;
}

static int run_scenario(const struct opts *o)
{
	static const char *names[] = { "", "reset-read", "reset-write", "half-close", "vanish" };
	static uint8_t buf[CHUNK];
	struct xs_sha256 rx_sha, tx_sha;
	uint64_t rx = 0, rx_bad_at = NONE, t0;
	char rx_hex[65], tx_hex[65];
	const short want = POLLIN | POLLOUT | POLLRDHUP;
	struct pollfd p;
	long r;
	int fd, e, accel, v;
	socklen_t vl = sizeof(v);
	double timed = -1;

	xs_sha256_init(&rx_sha);
	xs_sha256_init(&tx_sha);
	fd = connect_blocking(o);
	if (fd < 0)
		fail("connect");
	accel = check_accel(o, fd, "connected");
	p = (struct pollfd){ .fd = fd };

	switch (o->scenario) {
	case SC_RESET_READ:
		r = send_stream(o, fd, 0, o->send, MSG_NOSIGNAL, &tx_sha);
		step("send-request", r, errno);
		r = recv1(fd, 0, &e);
		step("recv", r, e);
		p.events = want;
		poll_step("poll", &p, 0);
		r = recv1(fd, 0, &e);
		step("recv", r, e);
		r = send1(fd, MSG_NOSIGNAL, &e);
		step("send-nosignal", r, e);
		r = send1(fd, 0, &e);
		step("send", r, e);
		v = -1;
		r = S->getsockopt(fd, SOL_SOCKET, SO_ERROR, &v, &vl);
		step("so_error", r < 0 ? r : -v, r < 0 ? errno : v);
		break;
	case SC_RESET_WRITE:
		r = send_stream(o, fd, 0, o->send, MSG_NOSIGNAL, &tx_sha);
		step("send-request", r, errno);
		p.events = POLLIN;      /* the RST makes it readable */
		poll_step("poll-wait", &p, IO_TIMEOUT_S * 1000);
		p.events = want;
		poll_step("poll", &p, 0);
		r = send1(fd, MSG_NOSIGNAL, &e);
		step("send-nosignal", r, e);
		r = send1(fd, 0, &e);
		step("send", r, e);
		r = send1(fd, MSG_NOSIGNAL, &e);
		step("send-nosignal", r, e);
		r = recv1(fd, 0, &e);
		step("recv", r, e);
		break;
	case SC_HALF_CLOSE:
		while ((r = S->recv(fd, buf, sizeof(buf), 0)) > 0) {
			if (rx_bad_at == NONE)
				rx_bad_at = stream_check(o->peer_seed, rx, buf, (size_t)r);
			xs_sha256_update(&rx_sha, buf, (size_t)r);
			rx += (uint64_t)r;
		}
		e = errno;
		step("recv-to-eof", r, e);
		p.events = want;
		poll_step("poll", &p, 0);
		r = recv1(fd, 0, &e);
		step("recv", r, e);
		r = send_stream(o, fd, 0, o->send, MSG_NOSIGNAL, &tx_sha);
		step("send-after-eof", r, errno);
		r = S->shutdown(fd, SHUT_WR);
		step("shutdown-wr", r, errno);
		p.events = want;
		poll_step("poll", &p, 0);
		r = recv1(fd, 0, &e);
		step("recv", r, e);
		break;
	case SC_VANISH:
		r = S->setsockopt(fd, IPPROTO_TCP, TCP_USER_TIMEOUT, &o->user_timeout_ms,
				  sizeof(o->user_timeout_ms));
		step("tcp_user_timeout", r, errno);
		r = send_stream(o, fd, 0, 100, MSG_NOSIGNAL, &tx_sha);
		if (r == 100) {
			size_t got = 0;

			while (got < 100 && (r = S->recv(fd, buf + got, 100 - got, 0)) > 0)
				got += (size_t)r;
			r = got == 100 && stream_check(o->seed, 0, buf, 100) == NONE ? 100 : -1;
		}
		step("echo", r, errno);
		printf("{\"event\":\"established\"}\n");
		fflush(stdout);
		/* The script takes the peer away, then says so. */
		for (int i = 0; i < 1200 && !usr1 && !stop; i++)
			usleep(50000);
		step("sigusr1", usr1 ? 0 : -1, ETIME);
		set_io_timeouts(fd, 30);
		t0 = now_ns();
		r = send_stream(o, fd, 100, 100, MSG_NOSIGNAL, &tx_sha);
		step("send", r, errno);
		r = recv1(fd, 0, &e);
		timed = since_s(t0);
		step("recv", r, e);
		r = recv1(fd, 0, &e);
		step("recv", r, e);
		r = send1(fd, MSG_NOSIGNAL, &e);
		step("send-nosignal", r, e);
		break;
	case SC_NONE:
		break;
	}
	S->close(fd);
	xs_sha256_hex(&rx_sha, rx_hex);
	xs_sha256_hex(&tx_sha, tx_hex);
	printf("{\"event\":\"done\",\"mode\":\"scenario\",\"scenario\":\"%s\",\"stack\":\"%s\","
	       "\"accelerated\":%d,\"rx\":%" PRIu64 ",\"rx_sha256\":\"%s\",\"rx_match\":%s,"
	       "\"tx_sha256\":\"%s\",\"sigpipe\":%d,\"error_after_s\":%.3f,\"steps\":[%s]}\n",
	       names[o->scenario], S->name, accel, rx, rx_hex, rx_bad_at == NONE ? "true" : "false",
	       tx_hex, (int)sigpipes, timed, steps);
	fflush(stdout);
	return 0;
}

/* ---- client: a peer that resets -------------------------------------------------- */

static int run_reset_client(const struct opts *o)
{
	int fd = connect_blocking(o);
	long r;

	if (fd < 0)
		fail("connect");
	check_accel(o, fd, "connected");
	r = send_stream(o, fd, 0, o->reset_after, MSG_NOSIGNAL, NULL);
	usleep(200000);             /* let the other side read it */
	linger_zero(fd);
	S->close(fd);
	printf("{\"event\":\"done\",\"mode\":\"reset\",\"stack\":\"%s\",\"tx\":%ld}\n", S->name, r);
	fflush(stdout);
	return r == (long)o->reset_after ? 0 : 1;
}

/* ---- selftest ------------------------------------------------------------------------ */

static bool sha_is(const void *data, size_t len, size_t piece, const char *want)
{
	struct xs_sha256 s;
	char hex[65];

	xs_sha256_init(&s);
	for (size_t off = 0; off < len; off += piece)
		xs_sha256_update(&s, (const uint8_t *)data + off, len - off < piece ? len - off : piece);
	xs_sha256_hex(&s, hex);
	if (strcmp(hex, want))
		fprintf(stderr, "xs_tcp selftest: sha256 of %zu bytes in %zu-byte pieces: %s, want %s\n",
			len, piece, hex, want);
	return !strcmp(hex, want);
}

static int run_selftest(void)
{
	static const char *abc448 = "abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq";
	static const size_t pieces[] = { 1, 3, 55, 56, 63, 64, 65, 1000000 };
	static uint8_t a[1000000], whole[5000], parts[5000];
	bool ok = true;

	memset(a, 'a', sizeof(a));
	ok &= sha_is("", 0, 1, "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
	ok &= sha_is("abc", 3, 1, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
	ok &= sha_is(abc448, 56, 56, "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1");
	for (size_t i = 0; i < sizeof(pieces) / sizeof(pieces[0]); i++)
		ok &= sha_is(a, sizeof(a), pieces[i],
			     "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0");
	/* Any stretch of a stream on its own equals the same stretch of the whole. */
	stream_fill(7, 0, whole, sizeof(whole));
	for (size_t off = 0, n = 1; off < sizeof(parts); off += n, n = n * 3 % 97 + 1)
		stream_fill(7, off, parts + off, off + n > sizeof(parts) ? sizeof(parts) - off : n);
	if (memcmp(whole, parts, sizeof(whole))) {
		fprintf(stderr, "xs_tcp selftest: stream pieces differ from the whole\n");
		ok = false;
	}
	parts[4321] ^= 0x10;
	if (stream_check(7, 0, parts, sizeof(parts)) != 4321 ||
	    stream_check(7, 1000, parts + 1000, 3000) != NONE) {
		fprintf(stderr, "xs_tcp selftest: stream_check misses a flipped byte\n");
		ok = false;
	}
	printf("{\"event\":\"selftest\",\"ok\":%s}\n", ok ? "true" : "false");
	return ok ? 0 : 1;
}

/* `xs_tcp stream --seed S --bytes N`: the stream on stdout, for sha256sum. */
static int run_stream_out(const struct opts *o)
{
	static uint8_t buf[CHUNK];

	for (uint64_t off = 0; off < o->send;) {
		size_t n = o->send - off < CHUNK ? (size_t)(o->send - off) : CHUNK;

		stream_fill(o->seed, off, buf, n);
		if (fwrite(buf, 1, n, stdout) != n)
			return 1;
		off += n;
	}
	return fflush(stdout) ? 1 : 0;
}

/* ---- main ------------------------------------------------------------------------------ */

static void usage(int status)
{
	fprintf(status ? stderr : stdout,
		"usage: xs_tcp server --port P [--bind ADDR] [--family 4|6] [--once | --conns N]\n"
		"                     [--warmup W] [--echo [--close-after B] | --sink | --source B]\n"
		"                     [--reset-after B] [--half-close] [--vanish]\n"
		"       xs_tcp client --connect ADDR --port P [--send B]\n"
		"                     [--conns N --msgs K [--size B]]\n"
		"                     [--cycles C [--warmup W] [--size B] [--wait-eof]]\n"
		"                     [--scenario reset-read|reset-write|half-close|vanish]\n"
		"                     [--user-timeout MS] [--reset-after B]\n"
		"       xs_tcp stream --seed S --bytes N\n"
		"       xs_tcp selftest\n"
		"common: [--kernel] [--require-accel] [--seed S] [--peer-seed S] [--timeout S]\n"
		"        [--family 4|6]   (see the top of tests/net/xs_tcp.c)\n");
	exit(status);
}

static uint64_t parse_bytes(const char *s)
{
	char *end;
	uint64_t v = strtoull(s, &end, 0);

	switch (*end) {
	case 'k': case 'K': v <<= 10; end++; break;
	case 'm': case 'M': v <<= 20; end++; break;
	case 'g': case 'G': v <<= 30; end++; break;
	}
	if (*end || end == s) {
		fprintf(stderr, "xs_tcp: '%s' is not a byte count (N, NK, NM, NG)\n", s);
		exit(2);
	}
	return v;
}

static void parse_opts(int argc, char **argv, struct opts *o, const char **mode)
{
	enum {
		O_PORT = 256, O_BIND, O_CONNECT, O_FAMILY, O_ONCE, O_CONNS, O_WARMUP, O_ECHO,
		O_CLOSE_AFTER, O_SINK, O_SOURCE, O_RESET_AFTER, O_HALF_CLOSE, O_VANISH, O_SEND,
		O_MSGS, O_SIZE, O_CYCLES, O_WAIT_EOF, O_SCENARIO, O_USER_TIMEOUT, O_KERNEL,
		O_REQUIRE_ACCEL, O_SEED, O_PEER_SEED, O_TIMEOUT, O_BYTES,
	};
	static const struct option longopts[] = {
		{ "port", required_argument, NULL, O_PORT },
		{ "bind", required_argument, NULL, O_BIND },
		{ "connect", required_argument, NULL, O_CONNECT },
		{ "family", required_argument, NULL, O_FAMILY },
		{ "once", no_argument, NULL, O_ONCE },
		{ "conns", required_argument, NULL, O_CONNS },
		{ "warmup", required_argument, NULL, O_WARMUP },
		{ "echo", no_argument, NULL, O_ECHO },
		{ "close-after", required_argument, NULL, O_CLOSE_AFTER },
		{ "sink", no_argument, NULL, O_SINK },
		{ "source", required_argument, NULL, O_SOURCE },
		{ "reset-after", required_argument, NULL, O_RESET_AFTER },
		{ "half-close", no_argument, NULL, O_HALF_CLOSE },
		{ "vanish", no_argument, NULL, O_VANISH },
		{ "send", required_argument, NULL, O_SEND },
		{ "bytes", required_argument, NULL, O_BYTES },
		{ "msgs", required_argument, NULL, O_MSGS },
		{ "size", required_argument, NULL, O_SIZE },
		{ "cycles", required_argument, NULL, O_CYCLES },
		{ "wait-eof", no_argument, NULL, O_WAIT_EOF },
		{ "scenario", required_argument, NULL, O_SCENARIO },
		{ "user-timeout", required_argument, NULL, O_USER_TIMEOUT },
		{ "kernel", no_argument, NULL, O_KERNEL },
		{ "require-accel", no_argument, NULL, O_REQUIRE_ACCEL },
		{ "seed", required_argument, NULL, O_SEED },
		{ "peer-seed", required_argument, NULL, O_PEER_SEED },
		{ "timeout", required_argument, NULL, O_TIMEOUT },
		{ "help", no_argument, NULL, 'h' },
		{ 0 },
	};
	bool seed = false, peer_seed = false, port = false;
	int c;

	if (argc < 2)
		usage(2);
	*mode = argv[1];
	if (!strcmp(*mode, "-h") || !strcmp(*mode, "--help"))
		usage(0);
	*o = (struct opts){ .size = 1000, .timeout = 120, .user_timeout_ms = 3000 };
	optind = 2;
	while ((c = getopt_long(argc, argv, "h", longopts, NULL)) != -1) {
		switch (c) {
		case O_PORT: o->port = (uint16_t)strtoul(optarg, NULL, 0); port = true; break;
		case O_BIND: case O_CONNECT: o->addr = optarg; break;
		case O_FAMILY:
			o->family = atoi(optarg);
			if (o->family != 4 && o->family != 6)
				usage(2);
			break;
		case O_ONCE: o->conns = 1; break;
		case O_CONNS: o->conns = atol(optarg); break;
		case O_WARMUP: o->warmup = atol(optarg); break;
		case O_ECHO: o->echo = true; break;
		case O_CLOSE_AFTER: o->close_after = parse_bytes(optarg); break;
		case O_SINK: o->sink = true; break;
		case O_SOURCE: o->source = parse_bytes(optarg); break;
		case O_RESET_AFTER: o->reset_after = parse_bytes(optarg); break;
		case O_HALF_CLOSE: o->half_close = true; break;
		case O_VANISH: o->vanish = true; break;
		case O_SEND: case O_BYTES: o->send = parse_bytes(optarg); break;
		case O_MSGS: o->msgs = atol(optarg); break;
		case O_SIZE: o->size = (uint32_t)parse_bytes(optarg); break;
		case O_CYCLES: o->cycles = atol(optarg); break;
		case O_WAIT_EOF: o->wait_eof = true; break;
		case O_SCENARIO:
			if (!strcmp(optarg, "reset-read"))
				o->scenario = SC_RESET_READ;
			else if (!strcmp(optarg, "reset-write"))
				o->scenario = SC_RESET_WRITE;
			else if (!strcmp(optarg, "half-close"))
				o->scenario = SC_HALF_CLOSE;
			else if (!strcmp(optarg, "vanish"))
				o->scenario = SC_VANISH;
			else
				usage(2);
			break;
		case O_USER_TIMEOUT: o->user_timeout_ms = atoi(optarg); break;
		case O_KERNEL: S = &kernel_stack; break;
		case O_REQUIRE_ACCEL: o->require_accel = true; break;
		case O_SEED: o->seed = strtoull(optarg, NULL, 0); seed = true; break;
		case O_PEER_SEED: o->peer_seed = strtoull(optarg, NULL, 0); peer_seed = true; break;
		case O_TIMEOUT: o->timeout = strtod(optarg, NULL); break;
		case 'h': usage(0); break;
		default: usage(2);
		}
	}
	if (optind != argc)
		usage(2);
	o->role = !strcmp(*mode, "server") ? ROLE_SERVER : ROLE_CLIENT;
	/* Each end's stream: the client's seed 1, the server's 2. */
	if (!seed)
		o->seed = o->role == ROLE_SERVER ? 2 : 1;
	if (!peer_seed)
		o->peer_seed = o->role == ROLE_SERVER ? 1 : 2;
	if (!strcmp(*mode, "server")) {
		if (!port || (o->echo && (o->sink || o->source || o->half_close)) ||
		    (o->vanish && !o->echo) || (o->close_after && !o->echo))
			usage(2);
		if (o->half_close || o->reset_after)
			o->sink = true;
		if (!o->echo && !o->sink && !o->source)
			o->sink = true;
	} else if (!strcmp(*mode, "client")) {
		if (!port || !o->addr || o->echo || o->sink || o->source || o->vanish ||
		    o->half_close || o->close_after)
			usage(2);
	} else if (strcmp(*mode, "stream") && strcmp(*mode, "selftest")) {
		usage(2);
	}
}

int main(int argc, char **argv)
{
	struct sigaction term = { .sa_handler = on_term }, pipe = { .sa_handler = on_sigpipe };
	struct sigaction usr = { .sa_handler = on_usr1 }, alarm_sa = { .sa_handler = on_alarm };
	const char *mode;
	struct opts o;

	parse_opts(argc, argv, &o, &mode);
	if (!strcmp(mode, "selftest"))
		return run_selftest();
	if (!strcmp(mode, "stream"))
		return run_stream_out(&o);
	sigaction(SIGTERM, &term, NULL);
	sigaction(SIGINT, &term, NULL);
	/* Counted, not ignored: the scenarios check who gets one. */
	sigaction(SIGPIPE, &pipe, NULL);
	sigaction(SIGUSR1, &usr, NULL);
	sigaction(SIGALRM, &alarm_sa, NULL);
	if (o.timeout > 0)
		alarm((unsigned)(o.timeout + 0.999));
	raise_nofile();
	setvbuf(stdout, NULL, _IOLBF, 0);

	if (o.role == ROLE_SERVER)
		return run_server(&o);
	if (o.scenario != SC_NONE)
		return run_scenario(&o);
	if (o.reset_after)
		return run_reset_client(&o);
	if (o.cycles)
		return run_cycles(&o);
	if (o.conns)
		return run_many(&o);
	return run_bulk(&o);
}
