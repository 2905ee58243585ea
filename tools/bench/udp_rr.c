// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * udp_rr: the UDP benchmark of `make bench` (tools/bench/run.sh), one
 * program for both ends and both stacks.  Every socket call goes through a
 * table of function pointers filled with libc's calls (--stack kernel) or
 * with their xsock_ twins (--stack xsock), so the two stacks run the same
 * code and a row differs from another only in the table.
 *
 *   udp_rr --role server --stack S --mode M [--spin] [--bind ADDR] [--port P]
 *   udp_rr --role client --stack S --mode M [--spin] --addr ADDR [--port P]
 *          [--size B] [--duration S | --count N] [--warmup S]
 *          [--rate PPS] [--window N]                      (stream only)
 *
 * Modes.
 *   rr      request/response: the client sends one datagram of --size bytes
 *           and waits for its echo before the next; every round trip is
 *           timed with CLOCK_MONOTONIC into a preallocated array (nothing is
 *           allocated in the loop) and sorted once at the end for p50, p99
 *           and p99.9.  A reply that does not come within 200 ms counts as a
 *           timeout and the next request goes out with a new sequence
 *           number; late replies are recognised by theirs and dropped.
 *   stream  the client sends as fast as it can (or at --rate), keeping at
 *           most --window datagrams unanswered (0: no limit), and counts the
 *           echoes by the sequence number in the payload: sent, received,
 *           loss, duplicates, echo rate.
 * The server echoes every datagram to its sender in both modes (rr and
 * stream differ only on the client side) and counts what it saw.
 *
 * --spin makes the socket non-blocking and busy-loops on EAGAIN; without
 * it every call blocks.  The client reads /proc/stat (all CPUs: user + nice
 * + system + irq + softirq) around the measured interval, so the CPU time
 * per request covers both ends and the kernel's softirq work.
 *
 * Output: the client prints one JSON line of results on stdout.  The server
 * prints {"event":"ready",...} once bound and, on SIGTERM/SIGINT or after
 * --duration, one JSON line with its counters.
 *
 * Built twice by the Makefile: build/bench/udp_rr links libxsock (both
 * stacks); build/bench/udp_rr-kernel (-DXSB_KERNEL_ONLY) has the kernel
 * table only, for as long as libxsock has no socket layer.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <inttypes.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "bench.h"

/* ---- options ------------------------------------------------------------------ */

enum role { ROLE_CLIENT, ROLE_SERVER };
enum mode { MODE_RR, MODE_STREAM };

struct opts {
	enum role role;
	enum mode mode;
	const struct stack_ops *st;
	const char *addr;           /* client: server address */
	const char *bind_addr;      /* server: local address [0.0.0.0] */
	uint16_t port;
	uint32_t size;
	bool spin;
	double duration;            /* seconds measured (client) [5], lifetime (server) [0: until signalled] */
	uint64_t count;             /* client: stop after this many requests (0: by duration) */
	double warmup;              /* client: seconds before measuring */
	double rate;                /* stream: datagrams per second (0: as fast as possible) */
	uint32_t window;            /* stream: most datagrams unanswered (0: no limit) */
};

#define RR_TIMEOUT_NS (200 * 1000000ull)
#define STREAM_STALL_NS (2 * 1000000ull)
#define STREAM_DRAIN_NS (200 * 1000000ull)
#define MIN_SIZE 16                 /* seq + tag */
#define MAX_SIZE 65507
#define PAYLOAD_TAG 0x78736f636b626e63ull   /* "xsockbnc" */

static volatile sig_atomic_t stop;

static void on_signal(int sig)
{
	(void)sig;
	stop = 1;
}

static void die(const char *what)
{
	fprintf(stderr, "udp_rr: %s: %s\n", what, strerror(errno));
	exit(1);
}

static void usage(int status)
{
	fprintf(status ? stderr : stdout,
		"usage: udp_rr --role client|server --stack kernel|xsock --mode rr|stream\n"
		"              [--spin] [--addr A] [--bind A] [--port P] [--size B]\n"
		"              [--duration S] [--count N] [--warmup S] [--rate PPS] [--window N]\n");
	exit(status);
}

static void parse_opts(int argc, char **argv, struct opts *o)
{
	static const struct option longopts[] = {
		{ "role", required_argument, NULL, 'r' },
		{ "stack", required_argument, NULL, 'S' },
		{ "mode", required_argument, NULL, 'm' },
		{ "addr", required_argument, NULL, 'a' },
		{ "bind", required_argument, NULL, 'b' },
		{ "port", required_argument, NULL, 'p' },
		{ "size", required_argument, NULL, 's' },
		{ "spin", no_argument, NULL, 'x' },
		{ "duration", required_argument, NULL, 'd' },
		{ "count", required_argument, NULL, 'n' },
		{ "warmup", required_argument, NULL, 'w' },
		{ "rate", required_argument, NULL, 'R' },
		{ "window", required_argument, NULL, 'W' },
		{ "help", no_argument, NULL, 'h' },
		{ 0 },
	};
	bool have_role = false;
	int c;

	*o = (struct opts){
		.mode = MODE_RR, .st = &kernel_stack, .bind_addr = "0.0.0.0",
		.port = 9000, .size = 64, .duration = -1, .warmup = 0.5, .window = 32,
	};
	while ((c = getopt_long(argc, argv, "h", longopts, NULL)) != -1) {
		switch (c) {
		case 'r':
			have_role = true;
			if (!strcmp(optarg, "client"))
				o->role = ROLE_CLIENT;
			else if (!strcmp(optarg, "server"))
				o->role = ROLE_SERVER;
			else
				usage(2);
			break;
		case 'S': o->st = stack_by_name("udp_rr", optarg); break;
		case 'm':
			if (!strcmp(optarg, "rr"))
				o->mode = MODE_RR;
			else if (!strcmp(optarg, "stream"))
				o->mode = MODE_STREAM;
			else
				usage(2);
			break;
		case 'a': o->addr = optarg; break;
		case 'b': o->bind_addr = optarg; break;
		case 'p': o->port = (uint16_t)strtoul(optarg, NULL, 0); break;
		case 's': o->size = (uint32_t)strtoul(optarg, NULL, 0); break;
		case 'x': o->spin = true; break;
		case 'd': o->duration = strtod(optarg, NULL); break;
		case 'n': o->count = strtoull(optarg, NULL, 0); break;
		case 'w': o->warmup = strtod(optarg, NULL); break;
		case 'R': o->rate = strtod(optarg, NULL); break;
		case 'W': o->window = (uint32_t)strtoul(optarg, NULL, 0); break;
		case 'h': usage(0); break;
		default: usage(2);
		}
	}
	if (!have_role || optind != argc || (o->role == ROLE_CLIENT && !o->addr))
		usage(2);
	if (o->duration < 0)                /* a client measures 5 s, a server runs until told */
		o->duration = o->role == ROLE_CLIENT ? 5 : 0;
	if (o->size < MIN_SIZE || o->size > MAX_SIZE) {
		fprintf(stderr, "udp_rr: --size must be %d..%d\n", MIN_SIZE, MAX_SIZE);
		exit(2);
	}
}

static void sockaddr_of(struct sockaddr_in *sin, const char *addr, uint16_t port)
{
	memset(sin, 0, sizeof(*sin));
	sin->sin_family = AF_INET;
	sin->sin_port = htons(port);
	if (inet_pton(AF_INET, addr, &sin->sin_addr) != 1) {
		fprintf(stderr, "udp_rr: '%s' is not an IPv4 address\n", addr);
		exit(2);
	}
}

/* A UDP socket on st, non-blocking with --spin; a blocking one wakes every
 * 200 ms (SO_RCVTIMEO) so that timeouts and signals are noticed. */
static int open_socket(const struct opts *o)
{
	const struct stack_ops *st = o->st;
	struct timeval tv = { .tv_sec = 0, .tv_usec = 200000 };
	int fd, fl;

	fd = st->socket(AF_INET, SOCK_DGRAM, 0);
	if (fd < 0)
		die("socket");
	if (o->spin) {
		fl = st->fcntl(fd, F_GETFL);
		if (fl < 0 || st->fcntl(fd, F_SETFL, fl | O_NONBLOCK) < 0)
			die("fcntl O_NONBLOCK");
	} else if (st->setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv)) < 0) {
		die("setsockopt SO_RCVTIMEO");
	}
	return fd;
}

/* The payload: a sequence number and a tag, then filler. */
static void put_seq(uint8_t *buf, uint64_t seq)
{
	uint64_t tag = PAYLOAD_TAG;

	memcpy(buf, &seq, sizeof(seq));
	memcpy(buf + 8, &tag, sizeof(tag));
}

static bool get_seq(const uint8_t *buf, ssize_t len, uint64_t *seq)
{
	uint64_t tag;

	if (len < MIN_SIZE)
		return false;
	memcpy(seq, buf, sizeof(*seq));
	memcpy(&tag, buf + 8, sizeof(tag));
	return tag == PAYLOAD_TAG;
}

/* ---- server ------------------------------------------------------------------- */

static int run_server(const struct opts *o)
{
	const struct stack_ops *st = o->st;
	struct sockaddr_in local, peer;
	uint64_t received = 0, sent = 0, send_errors = 0, bad = 0, deadline = 0;
	uint8_t *buf = malloc(MAX_SIZE);
	int fd, accel = 0;

	if (!buf)
		die("malloc");
	sockaddr_of(&local, o->bind_addr, o->port);
	fd = open_socket(o);
	if (st->bind(fd, (struct sockaddr *)&local, sizeof(local)) < 0)
		die("bind");
	if (st->is_accelerated)
		accel = st->is_accelerated(fd);
	printf("{\"event\":\"ready\",\"stack\":\"%s\",\"accelerated\":%d}\n", st->name, accel);
	fflush(stdout);
	if (o->duration > 0)
		deadline = now_ns() + (uint64_t)(o->duration * 1e9);

	while (!stop) {
		socklen_t plen = sizeof(peer);
		uint64_t seq;
		ssize_t n = st->recvfrom(fd, buf, MAX_SIZE, 0, (struct sockaddr *)&peer, &plen);

		if (n < 0) {
			if (errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR)
				die("recvfrom");
			/* Idle (spinning, or a blocking call's 200 ms wake-up):
			 * the only time the clock is read. */
			if (deadline && (!o->spin || (received & 0xff) == 0) && now_ns() > deadline)
				break;
			continue;
		}
		received++;
		if (!get_seq(buf, n, &seq))
			bad++;
		/* Blocking sends may block; spinning ones count EAGAIN as a drop. */
		if (st->sendto(fd, buf, (size_t)n, 0, (struct sockaddr *)&peer, plen) == n)
			sent++;
		else
			send_errors++;
	}
	if (st->is_accelerated)
		accel = st->is_accelerated(fd);
	printf("{\"role\":\"server\",\"stack\":\"%s\",\"spin\":%s,\"accelerated\":%d,"
	       "\"received\":%" PRIu64 ",\"sent\":%" PRIu64 ",\"send_errors\":%" PRIu64
	       ",\"foreign\":%" PRIu64 ",\"cpu_self_s\":%.2f}\n",
	       st->name, o->spin ? "true" : "false", accel, received, sent, send_errors, bad,
	       self_cpu_s());
	fflush(stdout);
	st->close(fd);
	free(buf);
	return 0;
}

/* ---- client: request/response --------------------------------------------------- */

/* One request and its answer.  Returns the round trip in ns, or 0 on a
 * timeout (the request counts as lost). */
static uint64_t round_trip(const struct opts *o, int fd, uint8_t *req, uint8_t *resp,
			   uint64_t seq, uint64_t *stale)
{
	const struct stack_ops *st = o->st;
	uint64_t t0, t1, got;
	uint32_t idle = 0;
	ssize_t n;

	put_seq(req, seq);
	t0 = now_ns();
	while (st->send(fd, req, o->size, 0) < 0) {
		if (errno != EAGAIN && errno != EWOULDBLOCK && errno != ENOBUFS &&
		    errno != EINTR && errno != ECONNREFUSED)
			die("send");
		if (stop)
			return 0;
	}
	for (;;) {
		n = st->recv(fd, resp, o->size, 0);
		if (n >= 0) {
			if (get_seq(resp, n, &got) && got == seq)
				break;
			(*stale)++;         /* the echo of a request that timed out */
			continue;
		}
		/* ECONNREFUSED: an ICMP error for an earlier request. */
		if (errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR && errno != ECONNREFUSED)
			die("recv");
		if (stop)
			return 0;
		if (o->spin && ++idle & 0x3ff)
			continue;
		if (now_ns() - t0 > RR_TIMEOUT_NS)
			return 0;
	}
	t1 = now_ns();
	return t1 - t0 ? t1 - t0 : 1;
}

static int run_rr_client(const struct opts *o, int fd)
{
	uint8_t *req = calloc(1, o->size), *resp = calloc(1, o->size);
	uint64_t seq = 1, done = 0, timeouts = 0, stale = 0, t_start, t_end, t_stop;
	uint64_t busy0, busy1, irq0, irq1, cap, rt, sum = 0, iter;
	double self0, self1;
	uint32_t *lat;
	long hz = sysconf(_SC_CLK_TCK);
	double elapsed, cpu_s;
	int ncpu = (int)sysconf(_SC_NPROCESSORS_ONLN);

	if (!req || !resp)
		die("calloc");
	/* No round trip on veth takes less than 1 us: room for one per us,
	 * touched now so that the loop never faults a page in. */
	cap = o->count ? o->count : (uint64_t)(o->duration * 1e6) + 1;
	lat = mmap(NULL, cap * sizeof(*lat), PROT_READ | PROT_WRITE,
		   MAP_PRIVATE | MAP_ANONYMOUS | MAP_POPULATE, -1, 0);
	if (lat == MAP_FAILED)
		die("mmap");
	memset(lat, 0, cap * sizeof(*lat));

	t_stop = now_ns() + (uint64_t)(o->warmup * 1e9);
	while (!stop && now_ns() < t_stop)
		round_trip(o, fd, req, resp, seq++, &stale);
	stale = 0;

	busy0 = cpu_busy_ticks(&irq0);
	self0 = self_cpu_s();
	t_start = now_ns();
	t_stop = t_start + (uint64_t)(o->duration * 1e9);
	for (iter = 1; !stop && done < cap; iter++) {
		rt = round_trip(o, fd, req, resp, seq++, &stale);
		if (rt) {
			lat[done++] = (uint32_t)(rt > UINT32_MAX ? UINT32_MAX : rt);
			sum += rt;
		} else if (!stop) {
			timeouts++;
		}
		if (!o->count && ((iter & 0x3f) == 0 || !rt) && now_ns() >= t_stop)
			break;
	}
	t_end = now_ns();
	busy1 = cpu_busy_ticks(&irq1);
	self1 = self_cpu_s();

	qsort(lat, done, sizeof(*lat), cmp_u32);
	elapsed = (double)(t_end - t_start) / 1e9;
	cpu_s = (double)(busy1 - busy0) / (double)hz;
	printf("{\"role\":\"client\",\"stack\":\"%s\",\"mode\":\"rr\",\"spin\":%s,\"size\":%u,"
	       "\"seconds\":%.3f,\"requests\":%" PRIu64 ",\"timeouts\":%" PRIu64
	       ",\"stale\":%" PRIu64 ",\"rate\":%.0f,"
	       "\"min_us\":%.2f,\"p50_us\":%.2f,\"p99_us\":%.2f,\"p999_us\":%.2f,"
	       "\"mean_us\":%.2f,\"max_us\":%.2f,"
	       "\"cpu_busy_s\":%.2f,\"cpu_irq_s\":%.2f,\"cpu_self_s\":%.2f,"
	       "\"cpu_util\":%.3f,\"cpu_us_per_req\":%.2f,\"ncpu\":%d}\n",
	       o->st->name, o->spin ? "true" : "false", o->size, elapsed, done, timeouts, stale,
	       done / elapsed, done ? lat[0] / 1000.0 : 0, pct_us(lat, done, 50),
	       pct_us(lat, done, 99), pct_us(lat, done, 99.9),
	       done ? (double)sum / (double)done / 1000.0 : 0, done ? lat[done - 1] / 1000.0 : 0,
	       cpu_s, (double)(irq1 - irq0) / (double)hz, self1 - self0,
	       cpu_s / (elapsed * ncpu), done ? cpu_s * 1e6 / (double)done : 0, ncpu);
	munmap(lat, cap * sizeof(*lat));
	free(req);
	free(resp);
	return 0;
}

/* ---- client: stream --------------------------------------------------------------- */

static int run_stream_client(const struct opts *o, int fd)
{
	const struct stack_ops *st = o->st;
	uint8_t *req = calloc(1, o->size), *resp = calloc(1, MAX_SIZE), *seen;
	uint64_t sent = 0, received = 0, dups = 0, foreign = 0, send_full = 0;
	uint64_t presumed_lost = 0, last_progress, t_start, t_end, t_stop, t_drain, now, cap;
	uint64_t busy0, busy1, irq0, irq1, seq;
	double self0, self1;
	long hz = sysconf(_SC_CLK_TCK);
	double elapsed, cpu_s, gap_ns = o->rate > 0 ? 1e9 / o->rate : 0, next_send;
	int ncpu = (int)sysconf(_SC_NPROCESSORS_ONLN);
	ssize_t n;

	if (!req || !resp)
		die("calloc");
	/* One bit per datagram: room for 4 M/s, far above what veth carries. */
	cap = o->count ? o->count : (uint64_t)(o->duration * 4e6) + 1;
	seen = mmap(NULL, cap / 8 + 1, PROT_READ | PROT_WRITE,
		    MAP_PRIVATE | MAP_ANONYMOUS | MAP_POPULATE, -1, 0);
	if (seen == MAP_FAILED)
		die("mmap");
	memset(seen, 0, cap / 8 + 1);
	if (!o->spin) {
		/* The sender never sleeps: stream mode always polls its socket. */
		int fl = st->fcntl(fd, F_GETFL);

		if (fl < 0 || st->fcntl(fd, F_SETFL, fl | O_NONBLOCK) < 0)
			die("fcntl O_NONBLOCK");
	}

	busy0 = cpu_busy_ticks(&irq0);
	self0 = self_cpu_s();
	t_start = last_progress = now_ns();
	t_stop = t_start + (uint64_t)(o->duration * 1e9);
	t_drain = 0;
	next_send = (double)t_start;
	for (;;) {
		now = now_ns();
		if (stop)
			break;
		if (!t_drain && (now >= t_stop || sent >= cap))
			t_drain = now;
		if (t_drain && (received + presumed_lost >= sent || now - t_drain > STREAM_DRAIN_NS))
			break;
		/* Send while the window and the rate allow. */
		while (!t_drain && sent < cap &&
		       (!o->window || sent - received - presumed_lost < o->window) &&
		       (!gap_ns || (double)now >= next_send)) {
			put_seq(req, sent);
			if (st->send(fd, req, o->size, 0) < 0) {
				if (errno != EAGAIN && errno != EWOULDBLOCK && errno != ENOBUFS &&
				    errno != ECONNREFUSED)
					die("send");
				send_full++;
				break;
			}
			sent++;
			next_send += gap_ns;
		}
		/* Drain the echoes. */
		while ((n = st->recv(fd, resp, MAX_SIZE, 0)) >= 0) {
			if (!get_seq(resp, n, &seq) || seq >= sent) {
				foreign++;
				continue;
			}
			if (seen[seq >> 3] & (1u << (seq & 7))) {
				dups++;
				continue;
			}
			seen[seq >> 3] |= (uint8_t)(1u << (seq & 7));
			received++;
			last_progress = now;
		}
		if (errno != EAGAIN && errno != EWOULDBLOCK && errno != ECONNREFUSED && errno != EINTR)
			die("recv");
		/* A full window with nothing coming back: what is out is lost. */
		if (o->window && now - last_progress > STREAM_STALL_NS &&
		    sent - received - presumed_lost >= o->window) {
			presumed_lost = sent - received;
			last_progress = now;
		}
	}
	t_end = t_drain ? t_drain : now_ns();
	busy1 = cpu_busy_ticks(&irq1);
	self1 = self_cpu_s();

	elapsed = (double)(t_end - t_start) / 1e9;
	cpu_s = (double)(busy1 - busy0) / (double)hz;
	printf("{\"role\":\"client\",\"stack\":\"%s\",\"mode\":\"stream\",\"size\":%u,"
	       "\"seconds\":%.3f,\"window\":%u,\"target_rate\":%.0f,"
	       "\"sent\":%" PRIu64 ",\"received\":%" PRIu64 ",\"lost\":%" PRIu64
	       ",\"loss\":%.6f,\"dups\":%" PRIu64 ",\"foreign\":%" PRIu64
	       ",\"send_eagain\":%" PRIu64 ",\"send_pps\":%.0f,\"pps\":%.0f,"
	       "\"cpu_busy_s\":%.2f,\"cpu_irq_s\":%.2f,\"cpu_self_s\":%.2f,"
	       "\"cpu_util\":%.3f,\"cpu_us_per_req\":%.2f,\"ncpu\":%d}\n",
	       st->name, o->size, elapsed, o->window, o->rate, sent, received, sent - received,
	       sent ? (double)(sent - received) / (double)sent : 0, dups, foreign, send_full,
	       sent / elapsed, received / elapsed, cpu_s, (double)(irq1 - irq0) / (double)hz,
	       self1 - self0, cpu_s / (elapsed * ncpu),
	       received ? cpu_s * 1e6 / (double)received : 0, ncpu);
	munmap(seen, cap / 8 + 1);
	free(req);
	free(resp);
	return 0;
}

static int run_client(const struct opts *o)
{
	struct sockaddr_in server;
	int fd, ret;

	sockaddr_of(&server, o->addr, o->port);
	fd = open_socket(o);
	if (o->st->connect(fd, (struct sockaddr *)&server, sizeof(server)) < 0)
		die("connect");
	ret = o->mode == MODE_RR ? run_rr_client(o, fd) : run_stream_client(o, fd);
	fflush(stdout);
	o->st->close(fd);
	return ret;
}

int main(int argc, char **argv)
{
	struct sigaction sa = { .sa_handler = on_signal };   /* no SA_RESTART: EINTR wakes */
	struct opts o;

	parse_opts(argc, argv, &o);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	return o.role == ROLE_SERVER ? run_server(&o) : run_client(&o);
}
