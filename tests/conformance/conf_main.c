// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * conformance: the runner.  Registers the cases of every area, runs each
 * one on the kernel and then on xsock, compares the traces, and reports:
 * a line per case, a table per area and, last, "N passed, N failed".
 *
 *   conformance [-v] [--case GLOB] [--markdown] LOCAL4 PEER4 LOCAL6 PEER6 ECHO_PORT REPORT_PORT
 *               TCP_PORT
 *   conformance --list [--case GLOB]
 *
 * GLOB matches "area/name" or "name"; several globs: comma-separated.  Exit status 0 only when every
 * difference found is one of the expected ones below.
 */
#include <fcntl.h>
#include <fnmatch.h>
#include <signal.h>
#include <stdarg.h>
#include <stdlib.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "conf.h"
#include "xsock/xsock.h"

/* ---- the two tables ----------------------------------------------------- */

static int k_fcntl(int fd, int cmd, long arg) { return fcntl(fd, cmd, arg); }
static int k_ioctl(int fd, unsigned long req, void *arg) { return ioctl(fd, req, arg); }
static int x_fcntl(int fd, int cmd, long arg) { return xsock_fcntl(fd, cmd, arg); }
static int x_ioctl(int fd, unsigned long req, void *arg) { return xsock_ioctl(fd, req, arg); }

const struct conf_ops conf_kernel_ops = {
	.name = "kernel", .socket = socket, .socketpair = socketpair, .bind = bind,
	.connect = connect, .listen = listen, .accept = accept, .accept4 = accept4,
	.getsockname = getsockname, .getpeername = getpeername,
	.shutdown = shutdown, .close = close, .send = send, .sendto = sendto,
	.sendmsg = sendmsg, .recv = recv, .recvfrom = recvfrom, .recvmsg = recvmsg,
	.read = read, .write = write, .readv = readv, .writev = writev, .pread = pread,
	.pwrite = pwrite, .lseek = lseek, .getsockopt = getsockopt, .setsockopt = setsockopt,
	.fcntl = k_fcntl, .ioctl = k_ioctl, .poll = poll,
};

const struct conf_ops conf_xsock_ops = {
	.name = "xsock", .socket = xsock_socket, .socketpair = socketpair, .bind = xsock_bind,
	.connect = xsock_connect, .listen = xsock_listen, .accept = xsock_accept,
	.accept4 = xsock_accept4, .getsockname = xsock_getsockname,
	.getpeername = xsock_getpeername, .shutdown = xsock_shutdown, .close = xsock_close,
	.send = xsock_send, .sendto = xsock_sendto, .sendmsg = xsock_sendmsg,
	.recv = xsock_recv, .recvfrom = xsock_recvfrom, .recvmsg = xsock_recvmsg,
	.read = xsock_read, .write = xsock_write, .readv = xsock_readv, .writev = xsock_writev,
	.pread = pread, .pwrite = pwrite, .lseek = lseek, .getsockopt = xsock_getsockopt,
	.setsockopt = xsock_setsockopt, .fcntl = x_fcntl, .ioctl = x_ioctl, .poll = xsock_poll,
};

/* ---- deliberate differences --------------------------------------------- */

/* Each entry is a glob over "area/name" and why the difference is by
 * design.  Keep this short: anything else that differs is a bug. */
static const struct {
	const char *glob;
	const char *reason;
} expected[] = {
	{ "tcp_connect/bind_after_*",
	  "a TCP socket's port is held by its kernel twin (bound, never connected) so that "
	  "the kernel's own connections cannot take it; Linux lets go of the port it picked "
	  "when a connect fails or is undone (tcp_set_state(TCP_CLOSE) -> inet_put_port()), "
	  "and a kernel socket cannot give up a bound port short of being closed, so bind() "
	  "(and listen() after a refused connect) say EINVAL.  Removing it means replacing "
	  "the twin: a new socket under the same fd numbers with every option copied" },
	{ NULL, NULL },
};

static const char *expected_reason(const char *full)
{
	for (size_t i = 0; expected[i].glob; i++)
		if (!fnmatch(expected[i].glob, full, 0))
			return expected[i].reason;
	return NULL;
}

/* ---- recording ---------------------------------------------------------- */

void rec(struct trace *t, const char *what, long r, int err)
{
	if (t->len >= sizeof(t->buf) - 1)
		return;
	t->len += (size_t)snprintf(t->buf + t->len, sizeof(t->buf) - t->len, "%s=%ld%s%s; ", what, r,
				   r < 0 ? "/" : "", r < 0 ? strerrorname_np(err) ?: "0" : "");
	if (t->len > sizeof(t->buf) - 1)
		t->len = sizeof(t->buf) - 1;
}

void recs(struct trace *t, const char *what, const char *fmt, ...)
{
	char s[1024];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(s, sizeof(s), fmt, ap);
	va_end(ap);
	if (t->len >= sizeof(t->buf) - 1)
		return;
	t->len += (size_t)snprintf(t->buf + t->len, sizeof(t->buf) - t->len, "%s=%s; ", what, s);
	if (t->len > sizeof(t->buf) - 1)
		t->len = sizeof(t->buf) - 1;
}

static volatile sig_atomic_t n_sigpipe, n_sigio, n_sigurg;

/* A run that blocks for longer than this is stuck: SIGALRM (no
 * SA_RESTART), sent to this thread and not to one of libxsock's, ends the
 * blocking call with EINTR, and again every second for the calls after
 * it; the trace shows it and the suite goes on. */
#define RUN_WATCHDOG_S 20

static timer_t watchdog;

static void watchdog_arm(int secs)
{
	struct itimerspec its = { .it_value = { .tv_sec = secs },
				  .it_interval = { .tv_sec = secs ? 1 : 0 } };

	timer_settime(watchdog, 0, &its, NULL);
}

static void on_signal(int sig)
{
	if (sig == SIGPIPE)
		n_sigpipe++;
	else if (sig == SIGIO)
		n_sigio++;
	else if (sig == SIGURG)
		n_sigurg++;
}

void conf_sigs(struct trace *t, const char *what)
{
	recs(t, what, "pipe:%d,io:%d,urg:%d", (int)n_sigpipe, (int)n_sigio, (int)n_sigurg);
	n_sigpipe = n_sigio = n_sigurg = 0;
}

void addr_str(const struct sockaddr *sa, socklen_t len, int keep_port, char *out, size_t n)
{
	char ip[INET6_ADDRSTRLEN] = "?", port[8] = "*";

	if (len < sizeof(sa_family_t)) {
		snprintf(out, n, "short/%u", len);
		return;
	}
	if (sa->sa_family == AF_INET && len >= sizeof(struct sockaddr_in)) {
		const struct sockaddr_in *in = (const void *)sa;

		inet_ntop(AF_INET, &in->sin_addr, ip, sizeof(ip));
		if (keep_port || !in->sin_port)
			snprintf(port, sizeof(port), "%u", ntohs(in->sin_port));
		snprintf(out, n, "%s:%s/%u", ip, port, len);
	} else if (sa->sa_family == AF_INET6 && len >= sizeof(struct sockaddr_in6)) {
		const struct sockaddr_in6 *in6 = (const void *)sa;

		inet_ntop(AF_INET6, &in6->sin6_addr, ip, sizeof(ip));
		if (keep_port || !in6->sin6_port)
			snprintf(port, sizeof(port), "%u", ntohs(in6->sin6_port));
		snprintf(out, n, "[%s]:%s/%u,fl%u,sc%u", ip, port, len, in6->sin6_flowinfo,
			 in6->sin6_scope_id);
	} else {
		snprintf(out, n, "family%d/%u", sa->sa_family, len);
	}
}

void rec_addr(struct trace *t, const char *what, const void *sa, socklen_t len, int keep_port)
{
	char s[160];

	addr_str(sa, len, keep_port, s, sizeof(s));
	recs(t, what, "%s", s);
}

void rec_name(struct trace *t, const char *what, const struct conf_ops *o, int fd, int peer,
	      int keep_port)
{
	struct sockaddr_storage ss;
	socklen_t len = sizeof(ss);
	int r;

	memset(&ss, 0, sizeof(ss));
	errno = 0;
	r = peer ? o->getpeername(fd, (struct sockaddr *)&ss, &len)
		 : o->getsockname(fd, (struct sockaddr *)&ss, &len);
	if (r) {
		rec(t, what, r, errno);
		return;
	}
	rec_addr(t, what, &ss, len, keep_port);
}

/* ---- helpers ------------------------------------------------------------ */

struct sockaddr_in conf_local4, conf_peer4;
struct sockaddr_in6 conf_local6, conf_peer6;
int conf_echo_port, conf_report_port, conf_tcp_port, conf_port;

long ms_since(const struct timespec *a)
{
	struct timespec z;

	clock_gettime(CLOCK_MONOTONIC, &z);
	return (z.tv_sec - a->tv_sec) * 1000 + (z.tv_nsec - a->tv_nsec) / 1000000;
}

struct sockaddr_in sin4(const struct sockaddr_in *base, int port)
{
	struct sockaddr_in a = *base;

	a.sin_port = htons((uint16_t)port);
	return a;
}

struct sockaddr_in6 sin6(const struct sockaddr_in6 *base, int port)
{
	struct sockaddr_in6 a = *base;

	a.sin6_port = htons((uint16_t)port);
	return a;
}

struct sockaddr_in6 mapped6(const struct sockaddr_in *a)
{
	struct sockaddr_in6 m = { .sin6_family = AF_INET6, .sin6_port = a->sin_port };

	m.sin6_addr.s6_addr[10] = m.sin6_addr.s6_addr[11] = 0xff;
	memcpy(&m.sin6_addr.s6_addr[12], &a->sin_addr, 4);
	return m;
}

int wait_ev(const struct conf_ops *o, int fd, short events, int ms)
{
	struct pollfd p = { .fd = fd, .events = events };

	return o->poll(&p, 1, ms) == 1 ? p.revents : 0;
}

int udp_bound(const struct conf_ops *o, int family, int type_flags)
{
	int fd = o->socket(family, SOCK_DGRAM | type_flags, 0);
	struct sockaddr_in a4 = sin4(&conf_local4, conf_port);
	struct sockaddr_in6 a6 = sin6(&conf_local6, conf_port);

	if (fd < 0)
		return -1;
	if (family == AF_INET ? o->bind(fd, (void *)&a4, sizeof(a4))
			      : o->bind(fd, (void *)&a6, sizeof(a6))) {
		o->close(fd);
		return -1;
	}
	return fd;
}

int udp_echo(const struct conf_ops *o, int family, int type_flags)
{
	int fd = o->socket(family, SOCK_DGRAM | type_flags, 0);
	struct sockaddr_in a4 = sin4(&conf_peer4, conf_echo_port);
	struct sockaddr_in6 a6 = sin6(&conf_peer6, conf_echo_port);

	if (fd < 0)
		return -1;
	if (family == AF_INET ? o->connect(fd, (void *)&a4, sizeof(a4))
			      : o->connect(fd, (void *)&a6, sizeof(a6))) {
		o->close(fd);
		return -1;
	}
	return fd;
}

int echo_roundtrip(const struct conf_ops *o, int fd, const char *payload)
{
	if (o->send(fd, payload, strlen(payload), 0) < 0)
		return -1;
	return wait_ev(o, fd, POLLIN, 2000);
}

/* ---- registry ----------------------------------------------------------- */

struct conf_case {
	const char *area;
	char *name;
	conf_fn fn;
	long arg;
};

static struct conf_case *cases;
static size_t n_cases, cap_cases;

void conf_add(const char *area, const char *name, conf_fn fn, long arg)
{
	if (n_cases == cap_cases) {
		cap_cases = cap_cases ? 2 * cap_cases : 256;
		cases = realloc(cases, cap_cases * sizeof(*cases));
		if (!cases)
			abort();
	}
	cases[n_cases++] = (struct conf_case){ area, strdup(name), fn, arg };
}

/* glob: one or more globs separated by commas ("tcp_io/x*,tcp_opt/y").  */
static int matches(const struct conf_case *c, const char *glob)
{
	char full[256], one[256];

	if (!glob)
		return 1;
	snprintf(full, sizeof(full), "%s/%s", c->area, c->name);
	while (*glob) {
		size_t n = strcspn(glob, ",");

		snprintf(one, sizeof(one), "%.*s", (int)n, glob);
		if (n && (!fnmatch(one, c->name, 0) || !fnmatch(one, full, 0)))
			return 1;
		glob += n + (glob[n] == ',');
	}
	return 0;
}

/* ---- reports ------------------------------------------------------------ */

struct area_sum {
	const char *area;
	int passed, failed, expected;
};

/* A trace inside a markdown table cell. */
static void md_cell(const char *s)
{
	fputs("`", stdout);
	for (; *s; s++) {
		if (*s == '|')
			fputs("\\|", stdout);
		else if (*s == '`')
			fputs("'", stdout);
		else
			putchar(*s);
	}
	fputs("`", stdout);
}

static void usage(void)
{
	fprintf(stderr, "usage: conformance [-v] [--case GLOB] [--markdown] "
			"LOCAL4 PEER4 LOCAL6 PEER6 ECHO_PORT REPORT_PORT TCP_PORT\n"
			"       conformance --list [--case GLOB]\n");
	exit(2);
}

int main(int argc, char **argv)
{
	const char *glob = NULL;
	int list = 0, markdown = 0, verbose = 0, passed = 0, failed = 0, n_exp = 0, i;
	struct area_sum areas[32];
	size_t n_areas = 0;
	struct trace *k = malloc(sizeof(*k)), *x = malloc(sizeof(*x));
	char full[256];

	for (i = 1; i < argc && argv[i][0] == '-' && argv[i][1]; i++) {
		if (!strcmp(argv[i], "--list"))
			list = 1;
		else if (!strcmp(argv[i], "--markdown"))
			markdown = 1;
		else if (!strcmp(argv[i], "-v"))
			verbose = 1;
		else if (!strcmp(argv[i], "--case") && i + 1 < argc)
			glob = argv[++i];
		else
			usage();
	}
	conf_register_socket();
	conf_register_options();
	conf_register_io();
	conf_register_tcp();
	conf_register_block();
	if (list) {
		for (size_t c = 0; c < n_cases; c++)
			if (matches(&cases[c], glob))
				printf("%s/%s\n", cases[c].area, cases[c].name);
		return 0;
	}
	if (argc - i != 7 || !k || !x)
		usage();
	conf_local4.sin_family = conf_peer4.sin_family = AF_INET;
	conf_local6.sin6_family = conf_peer6.sin6_family = AF_INET6;
	if (inet_pton(AF_INET, argv[i], &conf_local4.sin_addr) != 1 ||
	    inet_pton(AF_INET, argv[i + 1], &conf_peer4.sin_addr) != 1 ||
	    inet_pton(AF_INET6, argv[i + 2], &conf_local6.sin6_addr) != 1 ||
	    inet_pton(AF_INET6, argv[i + 3], &conf_peer6.sin6_addr) != 1)
		return fprintf(stderr, "conformance: bad address\n"), 2;
	conf_echo_port = atoi(argv[i + 4]);
	conf_report_port = atoi(argv[i + 5]);
	conf_tcp_port = atoi(argv[i + 6]);

	struct sigaction sa = { .sa_handler = on_signal };
	sigaction(SIGPIPE, &sa, NULL);
	sigaction(SIGIO, &sa, NULL);
	sigaction(SIGURG, &sa, NULL);
	sigaction(SIGALRM, &sa, NULL);
	struct sigevent sev = { .sigev_notify = SIGEV_THREAD_ID, .sigev_signo = SIGALRM };

	sev._sigev_un._tid = gettid();	/* sigev_notify_thread_id in newer glibc */
	if (timer_create(CLOCK_MONOTONIC, &sev, &watchdog))
		return perror("conformance: timer_create"), 2;

	if (markdown) {
		printf("| area | case | kernel | xsock | result |\n| --- | --- | --- | --- | --- |\n");
	}
	for (size_t c = 0; c < n_cases; c++) {
		struct conf_case *cc = &cases[c];
		const char *why;
		size_t a;
		int same;

		if (!matches(cc, glob))
			continue;
		snprintf(full, sizeof(full), "%s/%s", cc->area, cc->name);
		for (a = 0; a < n_areas && strcmp(areas[a].area, cc->area); a++)
			;
		if (a == n_areas && n_areas < ARRAY_SIZE(areas))
			areas[n_areas++] = (struct area_sum){ cc->area, 0, 0, 0 };
		k->len = x->len = 0;
		k->buf[0] = x->buf[0] = 0;
		conf_port = 30000 + (int)c;
		n_sigpipe = n_sigio = n_sigurg = 0;
		watchdog_arm(RUN_WATCHDOG_S);
		cc->fn(&conf_kernel_ops, k, cc->arg);
		conf_port = 30000 + (int)c;
		n_sigpipe = n_sigio = n_sigurg = 0;
		watchdog_arm(RUN_WATCHDOG_S);
		cc->fn(&conf_xsock_ops, x, cc->arg);
		watchdog_arm(0);
		same = k->len == x->len && !memcmp(k->buf, x->buf, k->len);
		why = same ? NULL : expected_reason(full);
		if (same) {
			passed++;
			areas[a].passed++;
		} else if (why) {
			passed++;
			n_exp++;
			areas[a].passed++;
			areas[a].expected++;
		} else {
			failed++;
			areas[a].failed++;
		}
		if (markdown) {
			printf("| %s | %s | ", cc->area, cc->name);
			md_cell(k->buf);
			printf(" | ");
			if (same)
				printf("same");
			else
				md_cell(x->buf);
			printf(" | %s |\n", same ? "pass" : why ? "expected" : "**FAIL**");
			continue;
		}
		if (same)
			printf(verbose ? "  ok   %s: %s\n" : "  ok   %s\n", full, k->buf);
		else
			printf("  %s %s\n       kernel: %s\n       xsock:  %s\n",
			       why ? "XDIFF" : "FAIL", full, k->buf, x->buf);
		if (why)
			printf("       (expected: %s)\n", why);
		fflush(stdout);
	}
	if (markdown) {
		printf("\n## Expected differences\n\n");
		if (!expected[0].glob)
			printf("None: every case must agree.\n");
		for (size_t e = 0; expected[e].glob; e++)
			printf("- `%s`: %s\n", expected[e].glob, expected[e].reason);
		printf("\n");
	}
	printf("%s%-12s %7s %7s %9s\n", markdown ? "```\n" : "\n", "area", "passed", "failed",
	       "expected");
	for (size_t a = 0; a < n_areas; a++)
		printf("%-12s %7d %7d %9d\n", areas[a].area, areas[a].passed, areas[a].failed,
		       areas[a].expected);
	if (markdown)
		printf("```\n\n");
	printf("%d passed, %d failed\n", passed, failed);
	return failed ? 1 : 0;
}
