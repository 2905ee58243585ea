// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * tcp_rr: the TCP rows of `make bench` (tools/bench/run.sh), one program
 * for both ends and both stacks, like udp_rr: every socket call goes
 * through the table of bench.h, filled with libc's calls (--stack kernel)
 * or their xsock_ twins (--stack xsock).
 *
 *   tcp_rr --role server --stack S [--spin] [--bind ADDR] [--port P] [--duration S]
 *   tcp_rr --role client --stack S --mode rr|crr|stream-in|stream-out --addr ADDR
 *          [--port P] [--spin] [--size B] [--duration S] [--warmup S]
 *
 * Modes (the client's; the first byte a client sends on a connection
 * tells the server which):
 *   rr          one connection, TCP_NODELAY; --size (64) byte requests,
 *               each answered by the server echoing it; every round trip
 *               timed into a preallocated array, sorted at the end for
 *               p50/p99/p99.9.
 *   crr         a new connection per request: connect, one --size byte
 *               request, its echo, close (the client closes first and so
 *               holds the TIME_WAIT); the rate is connections per second,
 *               the percentiles are of the whole cycle.  Always blocking.
 *   stream-in   bulk into the server: the client sends 256 KiB writes for
 *               --warmup + --duration s, counting what the socket took
 *               during the measured --duration, then shuts down writing;
 *               the server answers its EOF with the byte count it read,
 *               which must equal what was sent (delivered).
 *   stream-out  bulk out of the server: the server sends 256 KiB writes
 *               until the client goes; the client counts what it reads
 *               during the measured --duration, then closes.
 * --spin makes the sockets non-blocking and busy-loops on EAGAIN (both
 * ends); without it every call blocks.
 *
 * The client reads /proc/stat (all CPUs) around the measured interval as
 * udp_rr does: CPU-us per request (rr, crr) or per MB moved (stream)
 * cover both ends and the kernel's softirq work.
 *
 * Output: one JSON line.  The server prints {"event":"ready",...} once
 * listening and, on SIGTERM/SIGINT or after --duration, its counters,
 * among them how many accepted connections xsock_is_accelerated() called
 * fast (2) or not: run.sh labels an xsock row "xsock(kernel fallback)"
 * when none of them were.  IPv4 only.
 *
 * Built twice by the Makefile, as udp_rr: build/bench/tcp_rr (both
 * stacks) and build/bench/tcp_rr-kernel (-DXSB_KERNEL_ONLY).
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <inttypes.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "bench.h"

enum role { ROLE_CLIENT, ROLE_SERVER };
enum mode { MODE_RR, MODE_CRR, MODE_STREAM_IN, MODE_STREAM_OUT };

static const char *const mode_names[] = { "rr", "crr", "stream-in", "stream-out" };
/* The first byte of a connection, for the server. */
#define OP_ECHO 'E'
#define OP_SINK 'S'
#define OP_SOURCE 'G'

struct opts {
	enum role role;
	enum mode mode;
	const struct stack_ops *st;
	const char *addr;           /* client: server address */
	const char *bind_addr;      /* server: local address [0.0.0.0] */
	uint16_t port;
	uint32_t size;
	bool spin;
	double duration;            /* measured (client) [5], lifetime (server) [0: until signalled] */
	double warmup;              /* client: seconds before measuring [0.5] */
};

#define BULK_BUF (256 * 1024)
#define MAX_SIZE 65536
#define IO_TIMEOUT_S 2              /* a blocking client call that waits longer has failed */

static volatile sig_atomic_t stop;

static void on_signal(int sig)
{
	(void)sig;
	stop = 1;
}

static void die(const char *what)
{
	fprintf(stderr, "tcp_rr: %s: %s\n", what, strerror(errno));
	exit(1);
}

static void usage(int status)
{
	fprintf(status ? stderr : stdout,
		"usage: tcp_rr --role client|server --stack kernel|xsock\n"
		"              [--mode rr|crr|stream-in|stream-out] [--spin] [--addr A] [--bind A]\n"
		"              [--port P] [--size B] [--duration S] [--warmup S]\n");
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
		{ "warmup", required_argument, NULL, 'w' },
		{ "help", no_argument, NULL, 'h' },
		{ 0 },
	};
	bool have_role = false, found;
	int c;

	*o = (struct opts){
		.mode = MODE_RR, .st = &kernel_stack, .bind_addr = "0.0.0.0",
		.port = 9100, .size = 64, .duration = -1, .warmup = 0.5,
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
		case 'S': o->st = stack_by_name("tcp_rr", optarg); break;
		case 'm':
			found = false;
			for (size_t i = 0; i < sizeof(mode_names) / sizeof(mode_names[0]); i++)
				if (!strcmp(optarg, mode_names[i])) {
					o->mode = (enum mode)i;
					found = true;
				}
			if (!found)
				usage(2);
			break;
		case 'a': o->addr = optarg; break;
		case 'b': o->bind_addr = optarg; break;
		case 'p': o->port = (uint16_t)strtoul(optarg, NULL, 0); break;
		case 's': o->size = (uint32_t)strtoul(optarg, NULL, 0); break;
		case 'x': o->spin = true; break;
		case 'd': o->duration = strtod(optarg, NULL); break;
		case 'w': o->warmup = strtod(optarg, NULL); break;
		case 'h': usage(0); break;
		default: usage(2);
		}
	}
	if (!have_role || optind != argc || (o->role == ROLE_CLIENT && !o->addr))
		usage(2);
	if (o->duration < 0)
		o->duration = o->role == ROLE_CLIENT ? 5 : 0;
	if (o->size < 1 || o->size > MAX_SIZE) {
		fprintf(stderr, "tcp_rr: --size must be 1..%d\n", MAX_SIZE);
		exit(2);
	}
}

static void sockaddr_of(struct sockaddr_in *sin, const char *addr, uint16_t port)
{
	memset(sin, 0, sizeof(*sin));
	sin->sin_family = AF_INET;
	sin->sin_port = htons(port);
	if (inet_pton(AF_INET, addr, &sin->sin_addr) != 1) {
		fprintf(stderr, "tcp_rr: '%s' is not an IPv4 address\n", addr);
		exit(2);
	}
}

/* A connected or accepted socket: TCP_NODELAY, and non-blocking with
 * --spin, or blocking calls that wake after timeout_ms (SO_RCVTIMEO). */
static void setup_conn(const struct opts *o, int fd, int timeout_ms)
{
	const struct stack_ops *st = o->st;
	struct timeval tv = { .tv_sec = timeout_ms / 1000, .tv_usec = timeout_ms % 1000 * 1000 };
	int one = 1, fl;

	st->setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	if (o->spin) {
		fl = st->fcntl(fd, F_GETFL);
		if (fl < 0 || st->fcntl(fd, F_SETFL, fl | O_NONBLOCK) < 0)
			die("fcntl O_NONBLOCK");
	} else if (st->setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv)) < 0) {
		die("setsockopt SO_RCVTIMEO");
	}
}

static bool again(int e)
{
	return e == EAGAIN || e == EWOULDBLOCK || e == EINTR;
}

/* All of buf, spinning on EAGAIN.  0, or -1 with errno. */
static int send_all(const struct opts *o, int fd, const void *buf, size_t len)
{
	size_t off = 0;

	while (off < len) {
		ssize_t n = o->st->send(fd, (const uint8_t *)buf + off, len - off, MSG_NOSIGNAL);

		if (n < 0) {
			if (again(errno) && !stop)
				continue;
			return -1;
		}
		off += (size_t)n;
	}
	return 0;
}

/* Exactly len bytes.  0, or -1 with errno (ECONNRESET for an early EOF);
 * a blocking call that timed out fails with EAGAIN. */
static int recv_all(const struct opts *o, int fd, void *buf, size_t len)
{
	size_t off = 0;

	while (off < len) {
		ssize_t n = o->st->recv(fd, (uint8_t *)buf + off, len - off, 0);

		if (n == 0) {
			errno = ECONNRESET;
			return -1;
		}
		if (n < 0) {
			if ((o->spin && again(errno) && !stop) || (errno == EINTR && !stop))
				continue;
			return -1;
		}
		off += (size_t)n;
	}
	return 0;
}

/* ---- server ------------------------------------------------------------------ */

struct server_stats {
	uint64_t conns, accel[3], bytes_in, bytes_out, bad;
};

/* One connection until the client is done with it. */
static void serve_conn(const struct opts *o, int fd, uint8_t *buf, struct server_stats *ss)
{
	const struct stack_ops *st = o->st;
	uint64_t in = 0;
	int op = 0;

	while (!stop) {
		ssize_t n = st->recv(fd, buf, op == OP_SINK ? BULK_BUF : MAX_SIZE, 0);

		if (n < 0) {
			if (again(errno))
				continue;       /* spinning, or the 200 ms wake-up */
			return;                 /* ECONNRESET and the like: the client is gone */
		}
		if (n == 0) {
			if (op == OP_SINK && send_all(o, fd, &in, sizeof(in)) == 0)
				ss->bytes_out += sizeof(in);
			return;
		}
		if (!op)
			op = buf[0];
		in += (uint64_t)n;
		ss->bytes_in += (uint64_t)n;
		switch (op) {
		case OP_ECHO:
			if (send_all(o, fd, buf, (size_t)n) < 0)
				return;
			ss->bytes_out += (uint64_t)n;
			break;
		case OP_SINK:
			break;
		case OP_SOURCE:
			memset(buf, 'x', BULK_BUF);
			while (!stop) {
				n = st->send(fd, buf, BULK_BUF, MSG_NOSIGNAL);
				if (n < 0) {
					if (again(errno))
						continue;
					return;         /* EPIPE, ECONNRESET: the client has had enough */
				}
				ss->bytes_out += (uint64_t)n;
			}
			return;
		default:
			ss->bad++;
			return;
		}
	}
}

static int run_server(const struct opts *o)
{
	const struct stack_ops *st = o->st;
	struct sockaddr_in local;
	struct server_stats ss = { 0 };
	struct timeval tv = { .tv_usec = 200000 };
	uint64_t deadline = o->duration > 0 ? now_ns() + (uint64_t)(o->duration * 1e9) : 0;
	uint8_t *buf = malloc(BULK_BUF);
	int lfd, one = 1, laccel = 0;

	if (!buf)
		die("malloc");
	sockaddr_of(&local, o->bind_addr, o->port);
	lfd = st->socket(AF_INET, SOCK_STREAM | (o->spin ? SOCK_NONBLOCK : 0), 0);
	if (lfd < 0)
		die("socket");
	st->setsockopt(lfd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (st->bind(lfd, (struct sockaddr *)&local, sizeof(local)) < 0)
		die("bind");
	if (st->listen(lfd, 1024) < 0)
		die("listen");
	/* A blocking accept wakes every 200 ms to notice the deadline. */
	if (!o->spin)
		st->setsockopt(lfd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	if (st->is_accelerated)
		laccel = st->is_accelerated(lfd);
	printf("{\"event\":\"ready\",\"stack\":\"%s\",\"accelerated\":%d}\n", st->name, laccel);
	fflush(stdout);

	while (!stop && !(deadline && now_ns() > deadline)) {
		int fd = st->accept4(lfd, NULL, NULL, o->spin ? SOCK_NONBLOCK : 0), a = 0;

		if (fd < 0) {
			if (again(errno) || errno == ECONNABORTED)
				continue;
			die("accept4");
		}
		if (st->is_accelerated)
			a = st->is_accelerated(fd);
		ss.accel[a >= 0 && a <= 2 ? a : 0]++;
		ss.conns++;
		setup_conn(o, fd, 200);
		serve_conn(o, fd, buf, &ss);
		st->close(fd);
	}
	printf("{\"role\":\"server\",\"stack\":\"%s\",\"spin\":%s,\"listener_accelerated\":%d,"
	       "\"conns\":%" PRIu64 ",\"accelerated\":{\"0\":%" PRIu64 ",\"1\":%" PRIu64
	       ",\"2\":%" PRIu64 "},\"bytes_in\":%" PRIu64 ",\"bytes_out\":%" PRIu64
	       ",\"bad\":%" PRIu64 ",\"cpu_self_s\":%.2f}\n",
	       st->name, o->spin ? "true" : "false", laccel, ss.conns, ss.accel[0], ss.accel[1],
	       ss.accel[2], ss.bytes_in, ss.bytes_out, ss.bad, self_cpu_s());
	fflush(stdout);
	st->close(lfd);
	free(buf);
	return 0;
}

/* ---- client ------------------------------------------------------------------ */

static int connect_to(const struct opts *o)
{
	struct sockaddr_in server;
	struct timeval tv = { .tv_sec = IO_TIMEOUT_S };
	int fd = o->st->socket(AF_INET, SOCK_STREAM, 0);

	if (fd < 0)
		return -1;
	sockaddr_of(&server, o->addr, o->port);
	/* SO_SNDTIMEO bounds a blocking connect too. */
	o->st->setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
	if (o->st->connect(fd, (struct sockaddr *)&server, sizeof(server)) < 0) {
		int e = errno;

		o->st->close(fd);
		errno = e;
		return -1;
	}
	return fd;
}

/* The latency samples of rr and crr: room for one per µs of the measured
 * interval (no round trip on veth is shorter), touched now so that the
 * loop never faults a page in. */
struct samples {
	uint32_t *v;
	uint64_t n, cap;
	uint64_t sum;
};

static void samples_init(struct samples *s, double duration)
{
	s->cap = (uint64_t)(duration * 1e6) + 1;
	s->n = s->sum = 0;
	s->v = mmap(NULL, s->cap * sizeof(*s->v), PROT_READ | PROT_WRITE,
		    MAP_PRIVATE | MAP_ANONYMOUS | MAP_POPULATE, -1, 0);
	if (s->v == MAP_FAILED)
		die("mmap");
	memset(s->v, 0, s->cap * sizeof(*s->v));
}

static void samples_add(struct samples *s, uint64_t ns)
{
	if (s->n < s->cap)
		s->v[s->n++] = (uint32_t)(ns > UINT32_MAX ? UINT32_MAX : ns);
	s->sum += ns;
}

/* One request over fd and its echo; the round trip in ns, 0 on failure. */
static uint64_t round_trip(const struct opts *o, int fd, const uint8_t *req, uint8_t *resp)
{
	uint64_t t0 = now_ns();

	if (send_all(o, fd, req, o->size) < 0 || recv_all(o, fd, resp, o->size) < 0)
		return 0;
	return now_ns() - t0 ?: 1;
}

/* connect, one request, its echo, close; the cycle in ns, 0 on failure
 * (errno kept in *err). */
static uint64_t conn_cycle(const struct opts *o, const uint8_t *req, uint8_t *resp, int *err)
{
	uint64_t t0 = now_ns(), rt;
	int fd = connect_to(o);

	if (fd < 0) {
		*err = errno;
		return 0;
	}
	setup_conn(o, fd, IO_TIMEOUT_S * 1000);
	rt = round_trip(o, fd, req, resp);
	if (!rt)
		*err = errno;
	o->st->close(fd);
	return rt ? now_ns() - t0 : 0;
}

static void print_latency(const struct opts *o, struct samples *s, double elapsed, uint64_t errors,
			  int last_err, const struct bench_cpu *cpu)
{
	qsort(s->v, s->n, sizeof(*s->v), cmp_u32);
	printf("{\"role\":\"client\",\"stack\":\"%s\",\"mode\":\"%s\",\"spin\":%s,\"size\":%u,"
	       "\"seconds\":%.3f,\"requests\":%" PRIu64 ",\"errors\":%" PRIu64 ",\"last_error\":\"%s\","
	       "\"rate\":%.0f,\"min_us\":%.2f,\"p50_us\":%.2f,\"p99_us\":%.2f,\"p999_us\":%.2f,"
	       "\"mean_us\":%.2f,\"max_us\":%.2f,"
	       "\"cpu_busy_s\":%.2f,\"cpu_irq_s\":%.2f,\"cpu_self_s\":%.2f,"
	       "\"cpu_util\":%.3f,\"cpu_us_per_req\":%.2f,\"ncpu\":%d}\n",
	       o->st->name, mode_names[o->mode], o->spin ? "true" : "false", o->size, elapsed, s->n,
	       errors, last_err ? strerrorname_np(last_err) : "", s->n / elapsed,
	       s->n ? s->v[0] / 1000.0 : 0, pct_us(s->v, s->n, 50), pct_us(s->v, s->n, 99),
	       pct_us(s->v, s->n, 99.9), s->n ? (double)s->sum / (double)s->n / 1000.0 : 0,
	       s->n ? s->v[s->n - 1] / 1000.0 : 0, cpu->busy_s, cpu->irq_s, cpu->self_s,
	       cpu->busy_s / (elapsed * cpu->ncpu), s->n ? cpu->busy_s * 1e6 / (double)s->n : 0,
	       cpu->ncpu);
}

/* rr and crr: warm up, then time requests (or whole connections) for
 * --duration. */
static int run_latency(const struct opts *o)
{
	uint8_t *req = malloc(o->size), *resp = malloc(o->size);
	uint64_t t_stop, t_start, t_end, rt, errors = 0, iter;
	struct bench_cpu cpu;
	struct samples s;
	int fd = -1, err = 0;

	if (!req || !resp)
		die("malloc");
	memset(req, 'r', o->size);
	req[0] = OP_ECHO;
	samples_init(&s, o->duration);
	if (o->mode == MODE_RR) {
		fd = connect_to(o);
		if (fd < 0)
			die("connect");
		setup_conn(o, fd, IO_TIMEOUT_S * 1000);
	}
	t_stop = now_ns() + (uint64_t)(o->warmup * 1e9);
	while (!stop && now_ns() < t_stop) {
		rt = o->mode == MODE_RR ? round_trip(o, fd, req, resp) : conn_cycle(o, req, resp, &err);
		if (!rt && o->mode == MODE_RR)
			die("request (warm-up)");
	}
	bench_cpu_start(&cpu);
	t_start = now_ns();
	t_stop = t_start + (uint64_t)(o->duration * 1e9);
	for (iter = 1; !stop && s.n < s.cap; iter++) {
		rt = o->mode == MODE_RR ? round_trip(o, fd, req, resp) : conn_cycle(o, req, resp, &err);
		if (rt) {
			samples_add(&s, rt);
		} else if (o->mode == MODE_RR) {
			die("request");
		} else if (++errors > 1000) {
			errno = err;
			die("connections keep failing");
		}
		if (((iter & 0x3f) == 0 || o->mode == MODE_CRR) && now_ns() >= t_stop)
			break;
	}
	t_end = now_ns();
	bench_cpu_stop(&cpu);
	print_latency(o, &s, (double)(t_end - t_start) / 1e9, errors, err, &cpu);
	if (fd >= 0)
		o->st->close(fd);
	munmap(s.v, s.cap * sizeof(*s.v));
	free(req);
	free(resp);
	return 0;
}

/* stream-in and stream-out: bytes moved during the measured interval. */
static int run_stream(const struct opts *o)
{
	const struct stack_ops *st = o->st;
	bool in = o->mode == MODE_STREAM_IN, measuring = false;
	uint8_t *buf = malloc(BULK_BUF);
	uint64_t total = 0, at_start = 0, at_end = 0, server_count = 0, now;
	uint64_t t_start = 0, t_end = 0, t_measure = now_ns() + (uint64_t)(o->warmup * 1e9);
	struct bench_cpu cpu;
	double elapsed, mb;
	char op = in ? OP_SINK : OP_SOURCE;
	int fd = connect_to(o);

	if (!buf)
		die("malloc");
	if (fd < 0)
		die("connect");
	setup_conn(o, fd, IO_TIMEOUT_S * 1000);
	memset(buf, 'y', BULK_BUF);
	buf[0] = (uint8_t)op;
	if (!in && send_all(o, fd, &op, 1) < 0)
		die("send");
	while (!stop) {
		ssize_t n = in ? st->send(fd, buf, BULK_BUF, MSG_NOSIGNAL) : st->recv(fd, buf, BULK_BUF, 0);

		if (n < 0 && again(errno) && (o->spin || errno == EINTR))
			continue;
		if (n <= 0)
			die(in ? "send" : "recv (or EOF)");
		total += (uint64_t)n;
		now = now_ns();
		if (!measuring && now >= t_measure) {
			measuring = true;
			at_start = total;
			t_start = now;
			bench_cpu_start(&cpu);
		} else if (measuring && now >= t_start + (uint64_t)(o->duration * 1e9)) {
			at_end = total;
			t_end = now;
			bench_cpu_stop(&cpu);
			break;
		}
	}
	if (!t_end)
		die("interrupted");
	if (in) {
		/* The server's count of what arrived, after our EOF: all of it. */
		if (st->shutdown(fd, SHUT_WR) < 0)
			die("shutdown");
		if (recv_all(o, fd, &server_count, sizeof(server_count)) < 0)
			die("recv (the server's count)");
	}
	st->close(fd);
	elapsed = (double)(t_end - t_start) / 1e9;
	mb = (double)(at_end - at_start) / 1e6;
	printf("{\"role\":\"client\",\"stack\":\"%s\",\"mode\":\"%s\",\"spin\":%s,\"seconds\":%.3f,"
	       "\"bytes\":%" PRIu64 ",\"gbps\":%.3f,\"total\":%" PRIu64 ",\"server_count\":%" PRIu64
	       ",\"delivered\":%s,\"cpu_busy_s\":%.2f,\"cpu_irq_s\":%.2f,\"cpu_self_s\":%.2f,"
	       "\"cpu_util\":%.3f,\"cpu_us_per_mb\":%.2f,\"ncpu\":%d}\n",
	       st->name, mode_names[o->mode], o->spin ? "true" : "false", elapsed,
	       at_end - at_start, mb * 8 / 1000 / elapsed, total, server_count,
	       !in || server_count == total ? "true" : "false", cpu.busy_s, cpu.irq_s, cpu.self_s,
	       cpu.busy_s / (elapsed * cpu.ncpu), mb > 0 ? cpu.busy_s * 1e6 / mb : 0, cpu.ncpu);
	free(buf);
	return !in || server_count == total ? 0 : 1;
}

int main(int argc, char **argv)
{
	struct sigaction sa = { .sa_handler = on_signal };   /* no SA_RESTART: EINTR wakes */
	struct opts o;
	int ret;

	parse_opts(argc, argv, &o);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);
	if (o.role == ROLE_SERVER)
		return run_server(&o);
	if (o.mode == MODE_CRR && o.spin) {
		fprintf(stderr, "tcp_rr: crr always blocks (no --spin)\n");
		return 2;
	}
	ret = o.mode == MODE_RR || o.mode == MODE_CRR ? run_latency(&o) : run_stream(&o);
	fflush(stdout);
	return ret;
}
