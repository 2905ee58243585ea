// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * Stream sockets, socket(7) and tcp(7): listen, accept and accept4; connect
 * blocking and not, and every way it fails; the addresses; data through
 * every send and receive call and flag; urgent data; shutdown, the peer's
 * FIN and RST, SO_LINGER, SIGPIPE; poll in every state; the SO_ options
 * with TCP meaning, every TCP_ option, TCP_INFO.
 *
 * The other end is conf_peer.py's TCP side in the peer namespace (its
 * docstring lists the services), always a kernel socket: it echoes,
 * closes, resets, half-closes, sends urgent data, never accepts, never
 * reads, drips data on a timetable, connects to our listeners on request
 * ("K") and tells how each connection ended as it saw it ("Q").  The
 * commands travel over a libc UDP socket, so that only the socket under
 * test is an xsock one.
 *
 * What depends on timing is recorded as the predicate the kernel
 * satisfies, with the reason next to it: RTT-derived numbers (tcpi_rto),
 * how much a full send queue holds, how long a timeout took.
 */
#include <fcntl.h>
#include <limits.h>
#include <linux/sockios.h>
#include <linux/tcp.h>
#include <stdlib.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "conf.h"

/* conf_peer.py's TCP services, at conf_tcp_port plus: */
enum svc {
	SVC_ECHO, SVC_CLOSE, SVC_RESET, SVC_HALFCLOSE, SVC_URGENT, SVC_FULL, SVC_CLOSED, SVC_SINK,
	SVC_IDLE, SVC_DRIP
};

/* How long to wait for what the peer does at once (a round trip or two). */
#define WAIT_MS 2000
#define ALL_EV (POLLIN | POLLPRI | POLLOUT | POLLRDHUP | POLLRDNORM | POLLRDBAND | POLLWRNORM | \
		POLLWRBAND)

struct addr {
	struct sockaddr_storage ss;
	socklen_t len;
};

static struct sockaddr *sa(struct addr *a) { return (struct sockaddr *)&a->ss; }

static struct addr mk4(struct sockaddr_in in)
{
	struct addr a = { .len = sizeof(in) };

	memcpy(&a.ss, &in, sizeof(in));
	return a;
}

static struct addr mk6(struct sockaddr_in6 in6)
{
	struct addr a = { .len = sizeof(in6) };

	memcpy(&a.ss, &in6, sizeof(in6));
	return a;
}

/* The peer's address for port, for a socket of family fam. */
static struct addr peer_at(int fam, int port)
{
	return fam == AF_INET ? mk4(sin4(&conf_peer4, port)) : mk6(sin6(&conf_peer6, port));
}

static struct addr svc_addr(int fam, int svc) { return peer_at(fam, conf_tcp_port + svc); }

/* The IPv4 peer's service as ::ffff:a.b.c.d, for an AF_INET6 socket. */
static struct addr svc_mapped(int svc)
{
	struct sockaddr_in in = sin4(&conf_peer4, conf_tcp_port + svc);

	return mk6(mapped6(&in));
}

static struct addr local_at(int fam, int port)
{
	return fam == AF_INET ? mk4(sin4(&conf_local4, port)) : mk6(sin6(&conf_local6, port));
}

static struct addr any_at(int fam, int port)
{
	struct sockaddr_in in = { .sin_family = AF_INET, .sin_port = htons((uint16_t)port) };
	struct sockaddr_in6 in6 = { .sin6_family = AF_INET6, .sin6_port = htons((uint16_t)port) };

	return fam == AF_INET ? mk4(in) : mk6(in6);
}

/* ---- recording ---------------------------------------------------------- */

static void rec_ev(struct trace *t, const char *what, int ev)
{
	static const struct { int bit; const char *n; } names[] = {
		{ POLLIN, "IN" }, { POLLPRI, "PRI" }, { POLLOUT, "OUT" }, { POLLERR, "ERR" },
		{ POLLHUP, "HUP" }, { POLLNVAL, "NVAL" }, { POLLRDNORM, "RDNORM" },
		{ POLLRDBAND, "RDBAND" }, { POLLWRNORM, "WRNORM" }, { POLLWRBAND, "WRBAND" },
		{ POLLRDHUP, "RDHUP" },
	};
	char s[128] = "";
	size_t n = 0;

	for (size_t i = 0; i < ARRAY_SIZE(names); i++)
		if (ev & names[i].bit)
			n += (size_t)snprintf(s + n, sizeof(s) - n, "%s%s", n ? "|" : "", names[i].n);
	recs(t, what, "%s", n ? s : "0");
}

/* poll() fd for events for up to ms and record the revents. */
static void rec_poll(const struct conf_ops *o, struct trace *t, const char *what, int fd,
		     short events, int ms)
{
	rec_ev(t, what, wait_ev(o, fd, events, ms));
}

/* n bytes of data, '.' for what is not printable. */
static void rec_data(struct trace *t, const char *what, const char *b, ssize_t n)
{
	char s[200];
	ssize_t i;

	for (i = 0; i < n && i < (ssize_t)sizeof(s) - 1; i++)
		s[i] = b[i] >= 32 && b[i] < 127 ? b[i] : '.';
	s[i < 0 ? 0 : i] = 0;
	recs(t, what, "'%s'", s);
}

/* One receive call (recv with flags into a buffer of len), recorded with
 * the data it returned. */
static void rec_recv(const struct conf_ops *o, struct trace *t, const char *what, int fd,
		     size_t len, int flags)
{
	char b[256];
	ssize_t n;

	memset(b, 0, sizeof(b));
	errno = 0;
	n = o->recv(fd, b, len < sizeof(b) ? len : sizeof(b), flags);
	rec(t, what, n, errno);
	if (n > 0)
		rec_data(t, "data", b, n);
}

static int get_int(const struct conf_ops *o, int fd, int level, int name)
{
	int v = -12345;
	socklen_t l = sizeof(v);

	return o->getsockopt(fd, level, name, &v, &l) ? -1 : v;
}

static int set_int(const struct conf_ops *o, int fd, int level, int name, int v)
{
	return o->setsockopt(fd, level, name, &v, sizeof(v));
}

/* SO_ERROR, read (and so cleared), as an errno name. */
static void rec_so_error(const struct conf_ops *o, struct trace *t, const char *what, int fd)
{
	int e = -1, r;
	socklen_t l = sizeof(e);

	errno = 0;
	r = o->getsockopt(fd, SOL_SOCKET, SO_ERROR, &e, &l);
	if (r)
		rec(t, what, r, errno);
	else
		recs(t, what, "%s", e ? strerrorname_np(e) ?: "?" : "0");
}

/* tcpi_state: the kernel's TCP states (include/net/tcp_states.h), which
 * <linux/tcp.h> does not carry. */
enum { ST_FIN_WAIT2 = 5, ST_CLOSE = 7 };
static const char *const tcp_states[] = {
	"0", "ESTABLISHED", "SYN_SENT", "SYN_RECV", "FIN_WAIT1", "FIN_WAIT2", "TIME_WAIT",
	"CLOSE", "CLOSE_WAIT", "LAST_ACK", "LISTEN", "CLOSING", "NEW_SYN_RECV",
};

static int get_info(const struct conf_ops *o, int fd, struct tcp_info *ti)
{
	socklen_t l = sizeof(*ti);

	memset(ti, 0, sizeof(*ti));
	return o->getsockopt(fd, IPPROTO_TCP, TCP_INFO, ti, &l);
}

/* The TCP state, from TCP_INFO. */
static void rec_state(const struct conf_ops *o, struct trace *t, const char *what, int fd)
{
	struct tcp_info ti;

	errno = 0;
	if (get_info(o, fd, &ti))
		rec(t, what, -1, errno);
	else
		recs(t, what, "%s", ti.tcpi_state < ARRAY_SIZE(tcp_states)
					    ? tcp_states[ti.tcpi_state] : "?");
}

/* Waits (up to ms) until TCP_INFO shows state (ST_CLOSE, ...). */
static void wait_state(const struct conf_ops *o, int fd, int state, int ms)
{
	struct timespec a;
	struct tcp_info ti;

	clock_gettime(CLOCK_MONOTONIC, &a);
	while (!get_info(o, fd, &ti) && ti.tcpi_state != state && ms_since(&a) < ms)
		usleep(2000);
}

/* What socket(7) says a socket is. */
static void rec_sockinfo(const struct conf_ops *o, struct trace *t, int fd)
{
	DO(t, "so_type", get_int(o, fd, SOL_SOCKET, SO_TYPE));
	DO(t, "so_protocol", get_int(o, fd, SOL_SOCKET, SO_PROTOCOL));
	DO(t, "so_domain", get_int(o, fd, SOL_SOCKET, SO_DOMAIN));
	DO(t, "so_acceptconn", get_int(o, fd, SOL_SOCKET, SO_ACCEPTCONN));
	DO(t, "nonblock", (o->fcntl(fd, F_GETFL, 0) & O_NONBLOCK) != 0);
	DO(t, "cloexec", o->fcntl(fd, F_GETFD, 0) & FD_CLOEXEC);
}

/* "waited": whether a call took about ms (a timeout: "timeout") or
 * returned clearly before it ("early"). */
static void rec_waited(struct trace *t, const struct timespec *a, long ms)
{
	long took = ms_since(a);

	recs(t, "waited", "%s", took < ms * 9 / 10 ? "early" : took < ms + 1000 ? "timeout"
									: "too-long");
}

/* ---- the peer ----------------------------------------------------------- */

/* Sends cmd to the peer's reporter from a libc UDP socket of family fam and
 * returns its answer ("none" when there is none within 2 s). */
static void peer_cmd(int fam, const char *cmd, char *ans, size_t n)
{
	int fd = socket(fam, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	struct addr r = peer_at(fam, conf_report_port);
	struct pollfd p = { .fd = fd, .events = POLLIN };
	ssize_t len = -1;

	snprintf(ans, n, "none");
	if (fd < 0)
		return;
	if (sendto(fd, cmd, strlen(cmd), 0, sa(&r), r.len) >= 0 && poll(&p, 1, WAIT_MS) == 1)
		len = recv(fd, ans, n - 1, 0);
	if (len >= 0)
		ans[len] = 0;
	close(fd);
}

/* The peer connects to our address of family fam on conf_port ("K") and
 * then acts as mode says; records its answer. */
static void peer_connects(struct trace *t, int fam, const char *mode)
{
	char cmd[64], ans[64];

	snprintf(cmd, sizeof(cmd), "K %d %s", conf_port, mode);
	peer_cmd(fam, cmd, ans, sizeof(ans));
	recs(t, "peer-connect", "%s", ans);
}

/* One end of a connection as the peer names it. */
struct endp {
	char ip[INET6_ADDRSTRLEN];
	int port;
};

/* Our end of fd, to ask the peer about it later (after close), once the
 * peer has the connection: an ephemeral port freed without TIME_WAIT (by
 * a reset) may come back in the next run, and until the peer accepts the
 * new connection it would answer for the old one. */
static struct endp endp_of(const struct conf_ops *o, int fd)
{
	struct endp e = { "?", 0 };
	struct sockaddr_storage ss;
	socklen_t l = sizeof(ss);
	struct timespec a;
	char cmd[96], ans[128];

	memset(&ss, 0, sizeof(ss));
	if (o->getsockname(fd, (void *)&ss, &l))
		return e;
	if (ss.ss_family == AF_INET) {
		struct sockaddr_in *in = (void *)&ss;

		inet_ntop(AF_INET, &in->sin_addr, e.ip, sizeof(e.ip));
		e.port = ntohs(in->sin_port);
	} else {
		struct sockaddr_in6 *in6 = (void *)&ss;

		inet_ntop(AF_INET6, &in6->sin6_addr, e.ip, sizeof(e.ip));
		e.port = ntohs(in6->sin6_port);
	}
	clock_gettime(CLOCK_MONOTONIC, &a);
	snprintf(cmd, sizeof(cmd), "Q %s %d", e.ip, e.port);
	do
		peer_cmd(AF_INET, cmd, ans, sizeof(ans));
	while (strncmp(ans, "open ", 5) && ms_since(&a) < WAIT_MS && !usleep(2000));
	return e;
}

/* The key of connections the peer opened to our listener ("K"). */
static struct endp endp_listen(int fam)
{
	struct endp e = { "?", conf_port };

	if (fam == AF_INET)
		inet_ntop(AF_INET, &conf_local4.sin_addr, e.ip, sizeof(e.ip));
	else
		inet_ntop(AF_INET6, &conf_local6.sin6_addr, e.ip, sizeof(e.ip));
	return e;
}

/* How the peer saw the connection of e ("Q").  With ms, asked until it no
 * longer reads "open" or, with min > 0, until it has read min bytes, for
 * up to ms; with ms 0, what it says now.  ("unknown" is asked again: the
 * peer has not taken the connection from its accept queue yet.) */
static void rec_peer(struct trace *t, const char *what, const struct endp *e, int min, int ms)
{
	char cmd[96], ans[128];
	struct timespec a;

	clock_gettime(CLOCK_MONOTONIC, &a);
	snprintf(cmd, sizeof(cmd), "Q %s %d", e->ip, e->port);
	for (;;) {
		int open, unknown;

		peer_cmd(AF_INET, cmd, ans, sizeof(ans));
		open = !strncmp(ans, "open ", 5);
		unknown = !strcmp(ans, "unknown");
		if (!unknown && (!open || !ms || (min > 0 && atoi(ans + 5) >= min)))
			break;
		if (ms_since(&a) >= (ms ? ms : WAIT_MS))
			break;
		usleep(5000);
	}
	recs(t, what, "%s", ans);
}

/* ---- sockets ------------------------------------------------------------ */

/* A stream socket of family fam connected to service svc (blocking
 * connect, or waited for when type_flags has SOCK_NONBLOCK); records
 * "connect".  Returns the socket even when connect failed. */
static int tcp_to(const struct conf_ops *o, struct trace *t, int fam, int svc, int type_flags)
{
	struct addr a = svc_addr(fam, svc);
	int fd = o->socket(fam, SOCK_STREAM | type_flags, 0), r;

	errno = 0;
	r = o->connect(fd, sa(&a), a.len);
	if (r && errno == EINPROGRESS) {
		int e;

		wait_ev(o, fd, POLLOUT, WAIT_MS);
		e = get_int(o, fd, SOL_SOCKET, SO_ERROR);
		r = e ? -1 : 0;
		errno = e;
	}
	rec(t, "connect", r, errno);
	return fd;
}

/* A socket listening on our address of family fam (the wildcard address
 * when any), port conf_port; records "listen".  SO_REUSEADDR, as servers
 * set it: the kernel run's connections leave TIME_WAIT on the port. */
static int tcp_listener(const struct conf_ops *o, struct trace *t, int fam, int backlog,
			int type_flags, int any)
{
	struct addr a = any ? any_at(fam, conf_port) : local_at(fam, conf_port);
	int fd = o->socket(fam, SOCK_STREAM | type_flags, 0);

	set_int(o, fd, SOL_SOCKET, SO_REUSEADDR, 1);
	DO(t, "listen", o->bind(fd, sa(&a), a.len) ?: o->listen(fd, backlog));
	return fd;
}

/* Accepts one connection, waiting up to WAIT_MS for it; records "accept". */
static int accept_one(const struct conf_ops *o, struct trace *t, int lfd)
{
	int fd;

	wait_ev(o, lfd, POLLIN, WAIT_MS);
	errno = 0;
	fd = o->accept(lfd, NULL, NULL);
	rec(t, "accept", fd < 0 ? -1 : 0, errno);
	return fd;
}

/* Waits (up to ms) until at least n bytes can be read from fd. */
static int wait_inq(const struct conf_ops *o, int fd, int n, int ms)
{
	struct timespec a;
	int q = -1;

	clock_gettime(CLOCK_MONOTONIC, &a);
	while ((o->ioctl(fd, FIONREAD, &q) || q < n) && ms_since(&a) < ms)
		usleep(2000);
	return q;
}

/* A connection to the drip service, which is sent line ("N SIZE MS [F]"). */
static int drip(const struct conf_ops *o, struct trace *t, int fam, const char *line, int flags)
{
	int fd = tcp_to(o, t, fam, SVC_DRIP, flags);

	o->send(fd, line, strlen(line), MSG_NOSIGNAL);
	return fd;
}

/* Fills fd's send queue towards a peer that does not read until nothing
 * more fits and the peer's window is closed: passes of MSG_DONTWAIT sends
 * of shrinking sizes, each size until EAGAIN, until a pass that follows
 * 50 ms without POLLOUT queues nothing (acknowledgements may free a little
 * room, less than POLLOUT needs, while we wait).  Returns the bytes queued,
 * a number that depends on timing (window updates, how segments coalesce). */
static long fill_stuck(const struct conf_ops *o, int fd)
{
	static char junk[65536];
	long total = 0;
	int quiet = 0;

	for (int round = 0; round < 1000; round++) {
		long before = total;

		for (size_t size = sizeof(junk); size >= 1; size /= 4) {
			ssize_t n;

			while ((n = o->send(fd, junk, size, MSG_DONTWAIT | MSG_NOSIGNAL)) > 0)
				total += n;
			if (n < 0 && errno != EAGAIN)
				return total;
		}
		if (total != before)
			quiet = 0;
		else if (quiet)
			break;
		else
			quiet = !(wait_ev(o, fd, POLLOUT, 50) & POLLOUT);
	}
	return total;
}

/* A connection to the service that never reads, its send queue full. */
static int tcp_stuck(const struct conf_ops *o, struct trace *t, int fam, int type_flags)
{
	struct addr a = svc_addr(fam, SVC_IDLE);
	int fd = o->socket(fam, SOCK_STREAM | type_flags, 0);

	/* A small send buffer: less to fill.  Set before connect, it stays. */
	set_int(o, fd, SOL_SOCKET, SO_SNDBUF, 4096);
	errno = 0;
	if (o->connect(fd, sa(&a), a.len) && errno == EINPROGRESS)
		wait_ev(o, fd, POLLOUT, WAIT_MS);
	DO(t, "connect", get_int(o, fd, SOL_SOCKET, SO_ERROR));
	recs(t, "filled", "%s", fill_stuck(o, fd) > 0 ? "yes" : "no");
	return fd;
}

/* ---- listen, accept, accept4 -------------------------------------------- */

enum {
	L_FRESH, L_UNBOUND, L_BOUND, L_TWICE, L_BACKLOG_0, L_BACKLOG_NEG, L_BACKLOG_HUGE,
	L_CONNECTED, L_UDP, L_BADFD, L_ADDRINUSE, L_REUSEPORT, L_BIND_LISTENING, L_ACCEPT_FRESH,
	L_ACCEPT_CONNECTED, L_ACCEPT_UDP, L_ACCEPT_EMPTY_NONBLOCK, L_ACCEPT_RCVTIMEO, L_ACCEPT,
	L_ACCEPT_NULL, L_ACCEPT_LEN_SHORT, L_ACCEPT_LEN_ZERO, L_ACCEPT_LEN_NEG, L_ACCEPT4_NONBLOCK,
	L_ACCEPT4_CLOEXEC, L_ACCEPT4_BOTH, L_ACCEPT4_BAD_FLAGS, L_NONBLOCK_NOT_INHERITED, L_INHERIT,
	L_DATA_QUEUED, L_PEER_RST, L_PEER_CLOSE, L_POLL, L_CLOSE_PENDING, L_SHUTDOWN_RD,
	L_SHUTDOWN_WR, L_WILDCARD, L_DEFER_ACCEPT, L_V6_ANY_V4, L_V6_ANY_V6ONLY, L_MAX
};
static const char *const listen_names[L_MAX] = {
	"fresh", "listen_unbound", "listen_bound", "listen_twice", "backlog_0", "backlog_negative",
	"backlog_huge", "listen_connected", "listen_udp", "listen_badfd", "listen_addrinuse",
	"listen_reuseport", "bind_listening_port", "accept_fresh", "accept_connected",
	"accept_udp", "accept_empty_nonblock", "accept_rcvtimeo", "accept", "accept_null_addr",
	"accept_len_short", "accept_len_zero", "accept_len_negative", "accept4_nonblock",
	"accept4_cloexec", "accept4_both", "accept4_bad_flags", "nonblock_not_inherited",
	"options_inherited", "data_queued", "peer_rst_before_accept", "peer_close_before_accept",
	"poll", "close_with_pending", "shutdown_rd", "shutdown_wr", "wildcard", "defer_accept",
	"v6_any_accepts_v4", "v6_any_v6only_refuses_v4",
};

/* What the listener's TCP_INFO says of its queue: tcpi_unacked is the
 * number of connections waiting, tcpi_sacked the backlog. */
static void rec_backlog(const struct conf_ops *o, struct trace *t, int fd)
{
	struct tcp_info ti;

	errno = 0;
	if (get_info(o, fd, &ti))
		rec(t, "queue", -1, errno);
	else
		recs(t, "queue", "%u/%u", ti.tcpi_unacked, ti.tcpi_sacked);
}

/* An accepted socket: its names, type and flags. */
static void rec_accepted(const struct conf_ops *o, struct trace *t, int fd)
{
	rec_name(t, "name", o, fd, 0, 1);
	rec_name(t, "peer", o, fd, 1, 0);
	rec_sockinfo(o, t, fd);
	rec_state(o, t, "state", fd);
}

static void c_listen(const struct conf_ops *o, struct trace *t, long arg)
{
	int fam = fam_of(arg), v = (int)(arg >> 1), lfd = -1, fd = -1, fd2 = -1, r;
	struct addr me = local_at(fam, conf_port), a;
	struct sockaddr_storage ss;
	socklen_t len;
	struct timespec start;
	struct endp e = endp_listen(fam);

	switch (v) {
	case L_FRESH:
		fd = o->socket(fam, SOCK_STREAM, 0);
		rec_sockinfo(o, t, fd);
		rec_state(o, t, "state", fd);
		break;
	case L_UNBOUND:	/* binds an ephemeral port */
		fd = o->socket(fam, SOCK_STREAM, 0);
		DO(t, "listen", o->listen(fd, 5));
		rec_name(t, "name", o, fd, 0, 0);
		DO(t, "so_acceptconn", get_int(o, fd, SOL_SOCKET, SO_ACCEPTCONN));
		rec_state(o, t, "state", fd);
		break;
	case L_BOUND:
		fd = tcp_listener(o, t, fam, 5, 0, 0);
		rec_name(t, "name", o, fd, 0, 1);
		rec_name(t, "peer", o, fd, 1, 1);
		DO(t, "so_acceptconn", get_int(o, fd, SOL_SOCKET, SO_ACCEPTCONN));
		rec_backlog(o, t, fd);
		break;
	case L_TWICE:	/* the second listen changes the backlog */
		fd = tcp_listener(o, t, fam, 5, 0, 0);
		DO(t, "listen2", o->listen(fd, 10));
		rec_backlog(o, t, fd);
		break;
	case L_BACKLOG_0:	/* room for one connection: the next SYN is dropped */
		lfd = tcp_listener(o, t, fam, 0, 0, 0);
		rec_backlog(o, t, lfd);
		peer_connects(t, fam, "echo");
		peer_connects(t, fam, "echo");
		rec_backlog(o, t, lfd);
		fd = accept_one(o, t, lfd);
		rec_backlog(o, t, lfd);
		break;
	case L_BACKLOG_NEG:	/* net.core.somaxconn */
		fd = tcp_listener(o, t, fam, -1, 0, 0);
		rec_backlog(o, t, fd);
		break;
	case L_BACKLOG_HUGE:	/* capped at net.core.somaxconn */
		fd = tcp_listener(o, t, fam, INT_MAX, 0, 0);
		rec_backlog(o, t, fd);
		break;
	case L_CONNECTED:
		fd = tcp_to(o, t, fam, SVC_ECHO, 0);
		DO(t, "listen", o->listen(fd, 5));
		rec_state(o, t, "state", fd);
		break;
	case L_UDP:
		fd = o->socket(fam, SOCK_DGRAM, 0);
		DO(t, "listen", o->listen(fd, 5));
		break;
	case L_BADFD:
		DO(t, "listen", o->listen(-1, 5));
		fd2 = open("/dev/null", O_RDONLY);
		DO(t, "listen-notsock", o->listen(fd2, 5));
		close(fd2);
		fd2 = -1;
		break;
	case L_ADDRINUSE:	/* SO_REUSEADDR lets both bind, not both listen */
	case L_REUSEPORT:
		fd = o->socket(fam, SOCK_STREAM, 0);
		fd2 = o->socket(fam, SOCK_STREAM, 0);
		r = v == L_ADDRINUSE ? SO_REUSEADDR : SO_REUSEPORT;
		set_int(o, fd, SOL_SOCKET, r, 1);
		set_int(o, fd2, SOL_SOCKET, r, 1);
		DO(t, "bind", o->bind(fd, sa(&me), me.len));
		DO(t, "bind2", o->bind(fd2, sa(&me), me.len));
		DO(t, "listen", o->listen(fd, 5));
		DO(t, "listen2", o->listen(fd2, 5));
		break;
	case L_BIND_LISTENING:
		lfd = tcp_listener(o, t, fam, 5, 0, 0);
		fd = o->socket(fam, SOCK_STREAM, 0);
		DO(t, "bind", o->bind(fd, sa(&me), me.len));
		fd2 = o->socket(fam, SOCK_STREAM, 0);
		set_int(o, fd2, SOL_SOCKET, SO_REUSEADDR, 1);
		DO(t, "bind-reuseaddr", o->bind(fd2, sa(&me), me.len));
		break;
	case L_ACCEPT_FRESH:
		fd = o->socket(fam, SOCK_STREAM, 0);
		DO(t, "accept", o->accept(fd, NULL, NULL));
		DO(t, "accept4", o->accept4(fd, NULL, NULL, SOCK_NONBLOCK));
		DO(t, "bound-accept", o->bind(fd, sa(&me), me.len) ?: o->accept(fd, NULL, NULL));
		break;
	case L_ACCEPT_CONNECTED:
		fd = tcp_to(o, t, fam, SVC_ECHO, 0);
		DO(t, "accept", o->accept(fd, NULL, NULL));
		break;
	case L_ACCEPT_UDP:
		fd = o->socket(fam, SOCK_DGRAM, 0);
		DO(t, "accept", o->accept(fd, NULL, NULL));
		break;
	case L_ACCEPT_EMPTY_NONBLOCK:
		lfd = tcp_listener(o, t, fam, 5, SOCK_NONBLOCK, 0);
		DO(t, "accept", o->accept(lfd, NULL, NULL));
		DO(t, "accept4", o->accept4(lfd, NULL, NULL, SOCK_CLOEXEC));
		break;
	case L_ACCEPT_RCVTIMEO: {
		struct timeval tv = { 0, 100000 };

		lfd = tcp_listener(o, t, fam, 5, 0, 0);
		o->setsockopt(lfd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
		clock_gettime(CLOCK_MONOTONIC, &start);
		DO(t, "accept", o->accept(lfd, NULL, NULL));
		rec_waited(t, &start, 100);
		break;
	}
	case L_ACCEPT: {
		char b[16] = { 0 };

		lfd = tcp_listener(o, t, fam, 5, 0, 0);
		peer_connects(t, fam, "echo");
		wait_ev(o, lfd, POLLIN, WAIT_MS);
		memset(&ss, 0, sizeof(ss));
		len = sizeof(ss);
		errno = 0;
		fd = o->accept(lfd, (void *)&ss, &len);
		rec(t, "accept", fd < 0 ? -1 : 0, errno);
		rec_addr(t, "from", &ss, len, 0);
		rec_accepted(o, t, fd);
		DO(t, "send", o->send(fd, "ping", 4, 0));
		wait_ev(o, fd, POLLIN, WAIT_MS);
		DO(t, "recv", o->recv(fd, b, sizeof(b), 0));
		rec_data(t, "data", b, (ssize_t)strlen(b));
		DO(t, "close", o->close(fd));
		fd = -1;
		rec_peer(t, "peer-saw", &e, 0, WAIT_MS);
		break;
	}
	case L_ACCEPT_NULL:
		lfd = tcp_listener(o, t, fam, 5, 0, 0);
		peer_connects(t, fam, "echo");
		fd = accept_one(o, t, lfd);
		rec_name(t, "peer", o, fd, 1, 0);
		break;
	case L_ACCEPT_LEN_SHORT:
	case L_ACCEPT_LEN_ZERO:
	case L_ACCEPT_LEN_NEG:
		lfd = tcp_listener(o, t, fam, 5, SOCK_NONBLOCK, 0);
		peer_connects(t, fam, "echo");
		wait_ev(o, lfd, POLLIN, WAIT_MS);
		memset(&ss, 0xaa, sizeof(ss));
		len = v == L_ACCEPT_LEN_SHORT ? 4 : v == L_ACCEPT_LEN_ZERO ? 0 : (socklen_t)-1;
		errno = 0;
		fd = o->accept(lfd, (void *)&ss, &len);
		rec(t, "accept", fd < 0 ? -1 : 0, errno);
		recs(t, "len", "%d", (int)len);
		/* The family, then the first byte past the length given (the
		 * peer's port in between is ephemeral). */
		recs(t, "bytes", "%02x%02x.%02x", ((unsigned char *)&ss)[0],
		     ((unsigned char *)&ss)[1], ((unsigned char *)&ss)[4]);
		/* Whether the connection is still there to accept. */
		DO(t, "accept-again", (fd2 = o->accept(lfd, NULL, NULL)) < 0 ? -1 : 0);
		if (fd >= 0)
			o->close(fd);
		if (fd2 >= 0)
			o->close(fd2);
		fd = fd2 = -1;
		rec_peer(t, "peer-saw", &e, 0, WAIT_MS);
		break;
	case L_ACCEPT4_NONBLOCK:
	case L_ACCEPT4_CLOEXEC:
	case L_ACCEPT4_BOTH: {
		int fl = v == L_ACCEPT4_NONBLOCK ? SOCK_NONBLOCK : v == L_ACCEPT4_CLOEXEC
			 ? SOCK_CLOEXEC : SOCK_NONBLOCK | SOCK_CLOEXEC;
		char b[8];

		lfd = tcp_listener(o, t, fam, 5, 0, 0);
		peer_connects(t, fam, "echo");
		wait_ev(o, lfd, POLLIN, WAIT_MS);
		DO(t, "accept4", (fd = o->accept4(lfd, NULL, NULL, fl)) < 0 ? -1 : 0);
		rec_sockinfo(o, t, fd);
		DO(t, "recv-dontwait", o->recv(fd, b, sizeof(b), MSG_DONTWAIT));
		break;
	}
	case L_ACCEPT4_BAD_FLAGS:	/* refused before the queue is touched */
		lfd = tcp_listener(o, t, fam, 5, 0, 0);
		peer_connects(t, fam, "echo");
		wait_ev(o, lfd, POLLIN, WAIT_MS);
		DO(t, "accept4-1", o->accept4(lfd, NULL, NULL, 1));
		DO(t, "accept4-append", o->accept4(lfd, NULL, NULL, O_APPEND));
		DO(t, "accept4-all", o->accept4(lfd, NULL, NULL, -1));
		DO(t, "accept4", (fd = o->accept4(lfd, NULL, NULL, 0)) < 0 ? -1 : 0);
		break;
	case L_NONBLOCK_NOT_INHERITED:	/* Linux, unlike BSD */
		lfd = tcp_listener(o, t, fam, 5, SOCK_NONBLOCK, 0);
		peer_connects(t, fam, "echo");
		fd = accept_one(o, t, lfd);
		rec_sockinfo(o, t, fd);
		break;
	case L_INHERIT: {
		static const struct { int level, name, val; const char *n; } in[] = {
			{ IPPROTO_TCP, TCP_NODELAY, 1, "tcp_nodelay" },
			{ IPPROTO_TCP, TCP_KEEPIDLE, 77, "tcp_keepidle" },
			{ IPPROTO_TCP, TCP_KEEPINTVL, 9, "tcp_keepintvl" },
			{ IPPROTO_TCP, TCP_KEEPCNT, 4, "tcp_keepcnt" },
			{ IPPROTO_TCP, TCP_MAXSEG, 1000, "tcp_maxseg" },
			{ IPPROTO_TCP, TCP_USER_TIMEOUT, 5000, "tcp_user_timeout" },
			{ IPPROTO_TCP, TCP_NOTSENT_LOWAT, 8192, "tcp_notsent_lowat" },
			{ IPPROTO_TCP, TCP_LINGER2, 20, "tcp_linger2" },
			{ IPPROTO_TCP, TCP_WINDOW_CLAMP, 30000, "tcp_window_clamp" },
			{ SOL_SOCKET, SO_KEEPALIVE, 1, "so_keepalive" },
			{ SOL_SOCKET, SO_RCVBUF, 16384, "so_rcvbuf" },
			{ SOL_SOCKET, SO_SNDBUF, 16384, "so_sndbuf" },
			{ SOL_SOCKET, SO_OOBINLINE, 1, "so_oobinline" },
			{ SOL_SOCKET, SO_RCVLOWAT, 7, "so_rcvlowat" },
			{ SOL_SOCKET, SO_PRIORITY, 5, "so_priority" },
			{ SOL_SOCKET, SO_MARK, 9, "so_mark" },
		};
		struct linger lg = { 1, 3 }, lg2 = { 0, 0 };
		char cc[16] = "";

		lfd = o->socket(fam, SOCK_STREAM, 0);
		for (size_t i = 0; i < ARRAY_SIZE(in); i++)
			set_int(o, lfd, in[i].level, in[i].name, in[i].val);
		o->setsockopt(lfd, SOL_SOCKET, SO_LINGER, &lg, sizeof(lg));
		o->setsockopt(lfd, IPPROTO_TCP, TCP_CONGESTION, "reno", 4);
		if (fam == AF_INET)
			set_int(o, lfd, IPPROTO_IP, IP_TOS, 0x20);
		else
			set_int(o, lfd, IPPROTO_IPV6, IPV6_TCLASS, 0x20);
		set_int(o, lfd, SOL_SOCKET, SO_REUSEADDR, 1);
		DO(t, "listen", o->bind(lfd, sa(&me), me.len) ?: o->listen(lfd, 5));
		peer_connects(t, fam, "echo");
		fd = accept_one(o, t, lfd);
		for (size_t i = 0; i < ARRAY_SIZE(in); i++)
			DO(t, in[i].n, get_int(o, fd, in[i].level, in[i].name));
		len = sizeof(lg2);
		o->getsockopt(fd, SOL_SOCKET, SO_LINGER, &lg2, &len);
		recs(t, "so_linger", "%d,%d", lg2.l_onoff, lg2.l_linger);
		len = sizeof(cc);
		o->getsockopt(fd, IPPROTO_TCP, TCP_CONGESTION, cc, &len);
		recs(t, "tcp_congestion", "%s", cc);
		DO(t, "tos", fam == AF_INET ? get_int(o, fd, IPPROTO_IP, IP_TOS)
					    : get_int(o, fd, IPPROTO_IPV6, IPV6_TCLASS));
		break;
	}
	case L_DATA_QUEUED: {
		char b[16] = { 0 };

		lfd = tcp_listener(o, t, fam, 5, 0, 0);
		peer_connects(t, fam, "send");
		fd = accept_one(o, t, lfd);
		DO(t, "inq", wait_inq(o, fd, 5, WAIT_MS));
		DO(t, "recv", o->recv(fd, b, sizeof(b), 0));
		rec_data(t, "data", b, (ssize_t)strlen(b));
		break;
	}
	case L_PEER_RST:	/* the RST is sent before the peer answers */
		lfd = tcp_listener(o, t, fam, 5, SOCK_NONBLOCK, 0);
		peer_connects(t, fam, "rst");
		rec_poll(o, t, "poll-listener", lfd, ALL_EV, WAIT_MS);
		DO(t, "accept", (fd = o->accept(lfd, NULL, NULL)) < 0 ? -1 : 0);
		if (fd >= 0) {
			rec_state(o, t, "state", fd);
			rec_name(t, "peer", o, fd, 1, 0);
			rec_poll(o, t, "poll", fd, ALL_EV, 0);
			rec_so_error(o, t, "so_error", fd);
			rec_recv(o, t, "recv", fd, 16, MSG_DONTWAIT);
		}
		break;
	case L_PEER_CLOSE:
		lfd = tcp_listener(o, t, fam, 5, 0, 0);
		peer_connects(t, fam, "close");
		fd = accept_one(o, t, lfd);
		wait_ev(o, fd, POLLRDHUP, WAIT_MS);
		rec_poll(o, t, "poll", fd, ALL_EV, 0);
		rec_recv(o, t, "recv", fd, 16, 0);
		rec_recv(o, t, "recv-eof", fd, 16, 0);
		rec_state(o, t, "state", fd);
		break;
	case L_POLL:
		lfd = tcp_listener(o, t, fam, 5, 0, 0);
		rec_poll(o, t, "poll-empty", lfd, ALL_EV, 0);
		peer_connects(t, fam, "echo");
		rec_poll(o, t, "poll-pending", lfd, ALL_EV, WAIT_MS);
		rec_poll(o, t, "poll-out-only", lfd, POLLOUT, 0);
		fd = accept_one(o, t, lfd);
		rec_poll(o, t, "poll-accepted", lfd, ALL_EV, 0);
		break;
	case L_CLOSE_PENDING:	/* connections not yet accepted are reset */
		lfd = tcp_listener(o, t, fam, 5, 0, 0);
		peer_connects(t, fam, "echo");
		wait_ev(o, lfd, POLLIN, WAIT_MS);
		DO(t, "close", o->close(lfd));
		lfd = -1;
		rec_peer(t, "peer-saw", &e, 0, WAIT_MS);
		break;
	case L_SHUTDOWN_RD:
	case L_SHUTDOWN_WR:
		lfd = tcp_listener(o, t, fam, 5, SOCK_NONBLOCK, 0);
		DO(t, "shutdown", o->shutdown(lfd, v == L_SHUTDOWN_RD ? SHUT_RD : SHUT_WR));
		DO(t, "so_acceptconn", get_int(o, lfd, SOL_SOCKET, SO_ACCEPTCONN));
		rec_state(o, t, "state", lfd);
		rec_poll(o, t, "poll", lfd, ALL_EV, 0);
		peer_connects(t, fam, "echo");
		wait_ev(o, lfd, POLLIN, 100);
		DO(t, "accept", (fd = o->accept(lfd, NULL, NULL)) < 0 ? -1 : 0);
		break;
	case L_WILDCARD:	/* the accepted socket has the address used */
		lfd = tcp_listener(o, t, fam, 5, 0, 1);
		rec_name(t, "listener", o, lfd, 0, 1);
		peer_connects(t, fam, "echo");
		fd = accept_one(o, t, lfd);
		rec_name(t, "name", o, fd, 0, 1);
		break;
	case L_DEFER_ACCEPT: {
		char b[16] = { 0 };

		/* Not ready until the data (sent 300 ms after the handshake). */
		lfd = tcp_listener(o, t, fam, 5, 0, 0);
		DO(t, "defer", set_int(o, lfd, IPPROTO_TCP, TCP_DEFER_ACCEPT, 1));
		peer_connects(t, fam, "late");
		rec_poll(o, t, "poll-handshake", lfd, POLLIN, 100);
		rec_poll(o, t, "poll-data", lfd, POLLIN, WAIT_MS);
		fd = accept_one(o, t, lfd);
		DO(t, "recv", (wait_ev(o, fd, POLLIN, WAIT_MS), o->recv(fd, b, sizeof(b), 0)));
		rec_data(t, "data", b, (ssize_t)strlen(b));
		break;
	}
	case L_V6_ANY_V4:
	case L_V6_ANY_V6ONLY: {
		char b[16] = { 0 };

		a = any_at(AF_INET6, conf_port);
		lfd = o->socket(AF_INET6, SOCK_STREAM | SOCK_NONBLOCK, 0);
		set_int(o, lfd, SOL_SOCKET, SO_REUSEADDR, 1);
		DO(t, "v6only", set_int(o, lfd, IPPROTO_IPV6, IPV6_V6ONLY, v == L_V6_ANY_V6ONLY));
		DO(t, "listen", o->bind(lfd, sa(&a), a.len) ?: o->listen(lfd, 5));
		peer_connects(t, AF_INET, "echo");
		wait_ev(o, lfd, POLLIN, v == L_V6_ANY_V4 ? WAIT_MS : 0);
		memset(&ss, 0, sizeof(ss));
		len = sizeof(ss);
		errno = 0;
		fd = o->accept(lfd, (void *)&ss, &len);
		rec(t, "accept", fd < 0 ? -1 : 0, errno);
		if (fd < 0)
			break;
		rec_addr(t, "from", &ss, len, 0);
		rec_name(t, "name", o, fd, 0, 1);
		DO(t, "so_domain", get_int(o, fd, SOL_SOCKET, SO_DOMAIN));
		DO(t, "send", o->send(fd, "v4", 2, 0));
		wait_ev(o, fd, POLLIN, WAIT_MS);
		DO(t, "recv", o->recv(fd, b, sizeof(b), 0));
		rec_data(t, "data", b, (ssize_t)strlen(b));
		break;
	}
	}
	if (fd >= 0)
		o->close(fd);
	if (fd2 >= 0)
		o->close(fd2);
	if (lfd >= 0)
		o->close(lfd);
}

/* ---- connect and the addresses ------------------------------------------ */

enum {
	CN_OK, CN_BIND_FIRST, CN_TWICE, CN_REFUSED, CN_NB_OK, CN_NB_REFUSED, CN_NB_REFUSED_AGAIN,
	CN_NB_EALREADY, CN_SNDTIMEO, CN_RCVTIMEO_NOT_USED, CN_UNSPEC_DISCONNECT, CN_UNSPEC_FRESH,
	CN_SHORT_LEN, CN_WRONG_FAMILY, CN_NULL, CN_PORT0, CN_BROADCAST, CN_MULTICAST, CN_NO_ROUTE,
	CN_ANY_ADDR, CN_LOOPBACK, CN_ON_LISTENER, CN_BADFD, CN_AFTER_RST, CN_CLOSE_SYN_SENT,
	CN_MAPPED, CN_MAPPED_V6ONLY, CN_V6ONLY_AFTER_BIND, CN_NAMES_FRESH, CN_NAMES_REFUSED,
	CN_NAMES_CLOSE_WAIT, CN_NAMES_RST, CN_NAMES_SHUT_RDWR, CN_NAMES_TRUNC, CN_BIND_AFTER_REFUSED,
	CN_BIND_AFTER_DISCONNECT, CN_MAX
};
static const char *const connect_names[CN_MAX] = {
	"ok", "bind_first", "twice_eisconn", "refused_then_retry", "nonblock_ok",
	"nonblock_refused", "nonblock_refused_connect_again", "nonblock_ealready",
	"sndtimeo_einprogress", "rcvtimeo_not_used", "unspec_disconnects", "unspec_fresh",
	"short_len", "wrong_family", "null_addr", "port0", "broadcast", "multicast", "no_route",
	"any_addr", "loopback", "on_listener", "badfd", "after_peer_rst", "close_in_syn_sent",
	"v6_mapped_v4", "v6_mapped_v6only", "v6_v6only_after_bind", "names_fresh",
	"names_after_refused", "names_close_wait", "names_after_rst", "names_shut_rdwr",
	"names_truncated", "bind_after_refused", "bind_after_disconnect",
};

static void rec_names(const struct conf_ops *o, struct trace *t, int fd)
{
	rec_name(t, "name", o, fd, 0, 0);
	rec_name(t, "peer", o, fd, 1, 1);
}

static void c_connect(const struct conf_ops *o, struct trace *t, long arg)
{
	int fam = fam_of(arg), v = (int)(arg >> 1), fd = -1, fd2 = -1;
	struct addr echo = svc_addr(fam, SVC_ECHO), closed = svc_addr(fam, SVC_CLOSED);
	struct addr full = svc_addr(fam, SVC_FULL), a;
	struct sockaddr_in unspec = { .sin_family = AF_UNSPEC };
	struct timespec start;
	struct timeval tv = { 0, 100000 };
	struct endp e;
	char b[16] = { 0 };

	switch (v) {
	case CN_OK:
		fd = tcp_to(o, t, fam, SVC_ECHO, 0);
		rec_names(o, t, fd);
		rec_state(o, t, "state", fd);
		rec_so_error(o, t, "so_error", fd);
		DO(t, "so_acceptconn", get_int(o, fd, SOL_SOCKET, SO_ACCEPTCONN));
		break;
	case CN_BIND_FIRST:
		/* To the service that closes first, and closed for good before
		 * the next run binds the port: no TIME_WAIT here, and no LAST_ACK
		 * left waiting for its ACK. */
		fd = o->socket(fam, SOCK_STREAM, 0);
		a = local_at(fam, conf_port);
		DO(t, "bind", o->bind(fd, sa(&a), a.len));
		a = svc_addr(fam, SVC_CLOSE);
		DO(t, "connect", o->connect(fd, sa(&a), a.len));
		rec_name(t, "name", o, fd, 0, 1);
		rec_recv(o, t, "recv", fd, 16, (wait_ev(o, fd, POLLRDHUP, WAIT_MS), 0));
		DO(t, "shutdown", o->shutdown(fd, SHUT_WR));
		wait_state(o, fd, ST_CLOSE, WAIT_MS);
		rec_state(o, t, "state", fd);
		break;
	case CN_TWICE:
		fd = tcp_to(o, t, fam, SVC_ECHO, 0);
		DO(t, "connect-again", o->connect(fd, sa(&echo), echo.len));
		DO(t, "connect-other", o->connect(fd, sa(&closed), closed.len));
		rec_names(o, t, fd);
		break;
	case CN_REFUSED:	/* a socket whose connect failed may connect again */
		fd = o->socket(fam, SOCK_STREAM, 0);
		DO(t, "connect", o->connect(fd, sa(&closed), closed.len));
		rec_so_error(o, t, "so_error", fd);
		rec_state(o, t, "state", fd);
		DO(t, "connect-again", o->connect(fd, sa(&closed), closed.len));
		DO(t, "connect-echo", o->connect(fd, sa(&echo), echo.len));
		rec_names(o, t, fd);
		break;
	case CN_NB_OK:
		fd = o->socket(fam, SOCK_STREAM | SOCK_NONBLOCK, 0);
		DO(t, "connect", o->connect(fd, sa(&echo), echo.len));
		rec_poll(o, t, "poll", fd, POLLOUT, WAIT_MS);
		rec_so_error(o, t, "so_error", fd);
		DO(t, "connect-again", o->connect(fd, sa(&echo), echo.len));
		rec_names(o, t, fd);
		rec_state(o, t, "state", fd);
		break;
	case CN_NB_REFUSED:	/* the error is reported once, by SO_ERROR */
		fd = o->socket(fam, SOCK_STREAM | SOCK_NONBLOCK, 0);
		DO(t, "connect", o->connect(fd, sa(&closed), closed.len));
		rec_poll(o, t, "poll", fd, POLLOUT, WAIT_MS);
		rec_poll(o, t, "poll-all", fd, ALL_EV, 0);
		rec_so_error(o, t, "so_error", fd);
		rec_so_error(o, t, "so_error-again", fd);
		rec_name(t, "peer", o, fd, 1, 1);
		DO(t, "connect-again", o->connect(fd, sa(&closed), closed.len));
		DO(t, "connect-third", o->connect(fd, sa(&closed), closed.len));
		rec_poll(o, t, "poll-third", fd, POLLOUT, WAIT_MS);
		rec_so_error(o, t, "so_error-third", fd);
		break;
	case CN_NB_REFUSED_AGAIN:	/* ... or by the next connect */
		fd = o->socket(fam, SOCK_STREAM | SOCK_NONBLOCK, 0);
		DO(t, "connect", o->connect(fd, sa(&closed), closed.len));
		wait_ev(o, fd, POLLOUT, WAIT_MS);
		DO(t, "connect-again", o->connect(fd, sa(&echo), echo.len));
		rec_so_error(o, t, "so_error", fd);
		DO(t, "connect-echo", o->connect(fd, sa(&echo), echo.len));
		rec_poll(o, t, "poll", fd, POLLOUT, WAIT_MS);
		rec_so_error(o, t, "so_error-echo", fd);
		rec_name(t, "peer", o, fd, 1, 1);
		break;
	case CN_NB_EALREADY:	/* the peer's accept queue is full: SYN_SENT stays */
		fd = o->socket(fam, SOCK_STREAM | SOCK_NONBLOCK, 0);
		DO(t, "connect", o->connect(fd, sa(&full), full.len));
		DO(t, "connect-again", o->connect(fd, sa(&full), full.len));
		DO(t, "connect-other", o->connect(fd, sa(&echo), echo.len));
		rec_poll(o, t, "poll", fd, ALL_EV, 100);
		rec_so_error(o, t, "so_error", fd);
		rec_names(o, t, fd);
		rec_state(o, t, "state", fd);
		DO(t, "send", o->send(fd, "x", 1, 0));
		DO(t, "recv", o->recv(fd, b, sizeof(b), 0));
		break;
	case CN_SNDTIMEO:	/* a blocking connect gives up after SO_SNDTIMEO */
		fd = o->socket(fam, SOCK_STREAM, 0);
		o->setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
		clock_gettime(CLOCK_MONOTONIC, &start);
		DO(t, "connect", o->connect(fd, sa(&full), full.len));
		rec_waited(t, &start, 100);
		clock_gettime(CLOCK_MONOTONIC, &start);
		DO(t, "connect-again", o->connect(fd, sa(&full), full.len));
		rec_waited(t, &start, 100);
		rec_state(o, t, "state", fd);
		break;
	case CN_RCVTIMEO_NOT_USED:	/* ... not SO_RCVTIMEO: this one is not waited out */
		fd = o->socket(fam, SOCK_STREAM, 0);
		o->setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
		tv.tv_usec = 200000;
		o->setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
		clock_gettime(CLOCK_MONOTONIC, &start);
		DO(t, "connect", o->connect(fd, sa(&full), full.len));
		rec_waited(t, &start, 200);
		break;
	case CN_UNSPEC_DISCONNECT:	/* AF_UNSPEC aborts the connection (RST) */
		fd = tcp_to(o, t, fam, SVC_ECHO, 0);
		e = endp_of(o, fd);
		DO(t, "disconnect", o->connect(fd, (void *)&unspec, sizeof(unspec)));
		rec_names(o, t, fd);
		rec_state(o, t, "state", fd);
		rec_peer(t, "peer-saw", &e, 0, WAIT_MS);
		DO(t, "connect-again", o->connect(fd, sa(&echo), echo.len));
		DO(t, "send", o->send(fd, "again", 5, 0));
		rec_recv(o, t, "recv", fd, 16, (wait_ev(o, fd, POLLIN, WAIT_MS), 0));
		break;
	case CN_UNSPEC_FRESH:
		fd = o->socket(fam, SOCK_STREAM, 0);
		DO(t, "disconnect", o->connect(fd, (void *)&unspec, sizeof(unspec)));
		DO(t, "disconnect-short", o->connect(fd, (void *)&unspec, sizeof(sa_family_t)));
		rec_names(o, t, fd);
		DO(t, "connect", o->connect(fd, sa(&echo), echo.len));
		rec_names(o, t, fd);
		break;
	case CN_SHORT_LEN:
		fd = o->socket(fam, SOCK_STREAM, 0);
		DO(t, "connect", o->connect(fd, sa(&echo), echo.len - 1));
		DO(t, "connect-zero", o->connect(fd, sa(&echo), 0));
		break;
	case CN_WRONG_FAMILY:
		fd = o->socket(fam, SOCK_STREAM, 0);
		a = svc_addr(fam == AF_INET ? AF_INET6 : AF_INET, SVC_ECHO);
		DO(t, "connect", o->connect(fd, sa(&a), a.len));
		rec_name(t, "peer", o, fd, 1, 1);
		break;
	case CN_NULL:
		fd = o->socket(fam, SOCK_STREAM, 0);
		DO(t, "connect", o->connect(fd, NULL, echo.len));
		break;
	case CN_PORT0:
		fd = o->socket(fam, SOCK_STREAM, 0);
		a = peer_at(fam, 0);
		DO(t, "connect", o->connect(fd, sa(&a), a.len));
		break;
	case CN_BROADCAST:
	case CN_MULTICAST:
		fd = o->socket(fam, SOCK_STREAM, 0);
		a = echo;
		if (fam == AF_INET)
			((struct sockaddr_in *)&a.ss)->sin_addr.s_addr =
				v == CN_BROADCAST ? conf_peer4.sin_addr.s_addr | htonl(0xff)
						  : htonl(0xef000001);
		else
			inet_pton(AF_INET6, v == CN_BROADCAST ? "ff02::1" : "ff0e::1",
				  &((struct sockaddr_in6 *)&a.ss)->sin6_addr);
		DO(t, "connect", o->connect(fd, sa(&a), a.len));
		break;
	case CN_NO_ROUTE:
		fd = o->socket(fam, SOCK_STREAM, 0);
		a = echo;
		if (fam == AF_INET)
			inet_pton(AF_INET, "198.19.99.1", &((struct sockaddr_in *)&a.ss)->sin_addr);
		else
			inet_pton(AF_INET6, "2001:db8:99::1", &((struct sockaddr_in6 *)&a.ss)->sin6_addr);
		DO(t, "connect", o->connect(fd, sa(&a), a.len));
		break;
	case CN_ANY_ADDR:	/* the unspecified address means this host */
		fd = o->socket(fam, SOCK_STREAM, 0);
		a = any_at(fam, conf_tcp_port);
		DO(t, "connect", o->connect(fd, sa(&a), a.len));
		break;
	case CN_LOOPBACK:
		fd = o->socket(fam, SOCK_STREAM, 0);
		a = any_at(fam, conf_tcp_port);
		if (fam == AF_INET)
			((struct sockaddr_in *)&a.ss)->sin_addr.s_addr = htonl(INADDR_LOOPBACK);
		else
			((struct sockaddr_in6 *)&a.ss)->sin6_addr = in6addr_loopback;
		DO(t, "connect", o->connect(fd, sa(&a), a.len));
		break;
	case CN_ON_LISTENER:
		fd = tcp_listener(o, t, fam, 5, 0, 0);
		DO(t, "connect", o->connect(fd, sa(&echo), echo.len));
		rec_state(o, t, "state", fd);
		break;
	case CN_BADFD:
		DO(t, "connect", o->connect(-1, sa(&echo), echo.len));
		fd2 = open("/dev/null", O_RDONLY);
		DO(t, "connect-notsock", o->connect(fd2, sa(&echo), echo.len));
		close(fd2);
		fd2 = -1;
		break;
	case CN_AFTER_RST:	/* reset, yet still "connected" for connect */
		fd = tcp_to(o, t, fam, SVC_RESET, 0);
		wait_ev(o, fd, POLLHUP, WAIT_MS);
		DO(t, "connect-again", o->connect(fd, sa(&echo), echo.len));
		rec_so_error(o, t, "so_error", fd);
		DO(t, "connect-third", o->connect(fd, sa(&echo), echo.len));
		break;
	case CN_CLOSE_SYN_SENT:
		fd = o->socket(fam, SOCK_STREAM | SOCK_NONBLOCK, 0);
		DO(t, "connect", o->connect(fd, sa(&full), full.len));
		DO(t, "close", o->close(fd));
		fd = -1;
		break;
	case CN_MAPPED:	/* an AF_INET6 socket to an IPv4 peer */
		fd = o->socket(AF_INET6, SOCK_STREAM, 0);
		a = svc_mapped(SVC_ECHO);
		DO(t, "connect", o->connect(fd, sa(&a), a.len));
		rec_names(o, t, fd);
		DO(t, "v6only", get_int(o, fd, IPPROTO_IPV6, IPV6_V6ONLY));
		DO(t, "send", o->send(fd, "mapped", 6, 0));
		rec_recv(o, t, "recv", fd, 16, (wait_ev(o, fd, POLLIN, WAIT_MS), 0));
		e = endp_of(o, fd);
		o->close(fd);
		fd = -1;
		rec_peer(t, "peer-saw", &e, 0, WAIT_MS);
		break;
	case CN_MAPPED_V6ONLY:
		fd = o->socket(AF_INET6, SOCK_STREAM, 0);
		DO(t, "v6only", set_int(o, fd, IPPROTO_IPV6, IPV6_V6ONLY, 1));
		a = svc_mapped(SVC_ECHO);
		DO(t, "connect", o->connect(fd, sa(&a), a.len));
		rec_names(o, t, fd);
		break;
	case CN_V6ONLY_AFTER_BIND:	/* fixed once the socket has a port */
		fd = tcp_to(o, t, AF_INET6, SVC_ECHO, 0);
		DO(t, "v6only", set_int(o, fd, IPPROTO_IPV6, IPV6_V6ONLY, 1));
		DO(t, "get", get_int(o, fd, IPPROTO_IPV6, IPV6_V6ONLY));
		fd2 = o->socket(AF_INET6, SOCK_STREAM, 0);
		a = local_at(AF_INET6, conf_port);
		DO(t, "bind", o->bind(fd2, sa(&a), a.len));
		DO(t, "v6only-bound", set_int(o, fd2, IPPROTO_IPV6, IPV6_V6ONLY, 1));
		break;
	case CN_NAMES_FRESH:
		fd = o->socket(fam, SOCK_STREAM, 0);
		rec_name(t, "name", o, fd, 0, 1);
		rec_name(t, "peer", o, fd, 1, 1);
		break;
	case CN_NAMES_REFUSED:
		fd = o->socket(fam, SOCK_STREAM, 0);
		DO(t, "connect", o->connect(fd, sa(&closed), closed.len));
		rec_name(t, "name", o, fd, 0, 0);
		rec_name(t, "peer", o, fd, 1, 1);
		break;
	case CN_BIND_AFTER_REFUSED:	/* the kernel let go of the port it picked */
	case CN_BIND_AFTER_DISCONNECT:
		if (v == CN_BIND_AFTER_REFUSED) {
			fd = o->socket(fam, SOCK_STREAM, 0);
			DO(t, "connect", o->connect(fd, sa(&closed), closed.len));
		} else {
			fd = tcp_to(o, t, fam, SVC_ECHO, 0);
			DO(t, "disconnect", o->connect(fd, (void *)&unspec, sizeof(unspec)));
		}
		a = local_at(fam, 0);
		DO(t, "bind", o->bind(fd, sa(&a), a.len));
		DO(t, "listen", o->listen(fd, 1));
		break;
	case CN_NAMES_CLOSE_WAIT:
		fd = tcp_to(o, t, fam, SVC_CLOSE, 0);
		wait_ev(o, fd, POLLRDHUP, WAIT_MS);
		rec_names(o, t, fd);
		break;
	case CN_NAMES_RST:
		fd = tcp_to(o, t, fam, SVC_RESET, 0);
		wait_ev(o, fd, POLLHUP, WAIT_MS);
		rec_names(o, t, fd);
		break;
	case CN_NAMES_SHUT_RDWR:
		/* To the service that does not close on our FIN: the echo's
		 * FIN, if it came before getpeername, would leave the kernel's
		 * socket in CLOSE (ENOTCONN) in some runs only. */
		fd = tcp_to(o, t, fam, SVC_IDLE, 0);
		DO(t, "shutdown", o->shutdown(fd, SHUT_RDWR));
		rec_names(o, t, fd);
		wait_ev(o, fd, POLLHUP, WAIT_MS);
		rec_names(o, t, fd);
		break;
	case CN_NAMES_TRUNC: {
		unsigned char nb[64];
		socklen_t len;

		fd = tcp_to(o, t, fam, SVC_ECHO, 0);
		for (int i = 0; i < 3; i++) {
			memset(nb, 0xaa, sizeof(nb));
			len = i == 0 ? 4 : i == 1 ? 0 : 8;
			DO(t, "getpeername", o->getpeername(fd, (void *)nb, &len));
			recs(t, "len", "%d", (int)len);
			recs(t, "bytes", "%02x%02x.%02x%02x.%02x", nb[0], nb[1], nb[2], nb[3], nb[8]);
		}
		break;
	}
	}
	if (fd >= 0)
		o->close(fd);
	if (fd2 >= 0)
		o->close(fd2);
}

/* ---- data: every send call against every receive call ------------------- */

static const char *const senders[] = { "send", "sendto", "sendmsg", "write", "writev" };
static const char *const receivers[] = { "recv", "recvfrom", "recvmsg", "read", "readv" };

/* arg: sender << 8 | receiver << 4 | v6.  One small send comes back from
 * the echo service in one segment, so one receive call takes all of it. */
static void c_xfer(const struct conf_ops *o, struct trace *t, long arg)
{
	int fam = fam_of(arg), s = (int)(arg >> 8), r = (int)(arg >> 4) & 0xf;
	int fd = tcp_to(o, t, fam, SVC_ECHO, 0);
	char out[] = "conformance-payload", in[64] = { 0 };
	struct iovec ov[2] = { { out, 5 }, { out + 5, sizeof(out) - 6 } };
	struct iovec iv[2] = { { in, 3 }, { in + 3, sizeof(in) - 4 } };
	struct msghdr m = { .msg_iov = ov, .msg_iovlen = 2 };
	struct sockaddr_storage from;
	socklen_t flen = sizeof(from);

	memset(&from, 0xaa, sizeof(from));
	switch (s) {
	case 0: DO(t, "send", o->send(fd, out, sizeof(out) - 1, 0)); break;
	case 1: DO(t, "sendto", o->sendto(fd, out, sizeof(out) - 1, 0, NULL, 0)); break;
	case 2: DO(t, "sendmsg", o->sendmsg(fd, &m, 0)); break;
	case 3: DO(t, "write", o->write(fd, out, sizeof(out) - 1)); break;
	case 4: DO(t, "writev", o->writev(fd, ov, 2)); break;
	}
	wait_inq(o, fd, (int)sizeof(out) - 1, WAIT_MS);
	rec_poll(o, t, "poll", fd, ALL_EV, 0);
	m = (struct msghdr){ .msg_iov = iv, .msg_iovlen = 2, .msg_name = &from,
			     .msg_namelen = sizeof(from) };
	switch (r) {
	case 0: DO(t, "recv", o->recv(fd, in, sizeof(in), 0)); break;
	case 1:	/* no address for a stream socket: the length comes back 0 */
		DO(t, "recvfrom", o->recvfrom(fd, in, sizeof(in), 0, (void *)&from, &flen));
		DO(t, "fromlen", (int)flen);
		DO(t, "from-untouched", ((unsigned char *)&from)[0] == 0xaa);
		break;
	case 2:
		DO(t, "recvmsg", o->recvmsg(fd, &m, 0));
		DO(t, "namelen", (int)m.msg_namelen);
		DO(t, "msg_flags", m.msg_flags);
		DO(t, "controllen", (int)m.msg_controllen);
		break;
	case 3: DO(t, "read", o->read(fd, in, sizeof(in))); break;
	case 4: DO(t, "readv", o->readv(fd, iv, 2)); break;
	}
	rec_data(t, "data", in, (ssize_t)strlen(in));
	DO(t, "empty-after", o->recv(fd, in, sizeof(in), MSG_DONTWAIT));
	o->close(fd);
}

/* ---- data: sizes -------------------------------------------------------- */

static const int sizes[] = { 1, 1448, 1449, 65536, 1 << 20 };

/* Sends size bytes to the echo service and reads them back, interleaved
 * (neither side may block on a full buffer), and checks every byte. */
static void c_size(const struct conf_ops *o, struct trace *t, long arg)
{
	int fam = fam_of(arg), size = sizes[arg >> 1], fd = tcp_to(o, t, fam, SVC_ECHO, 0);
	unsigned char *out = malloc((size_t)size), *in = calloc(1, (size_t)size);
	long sent = 0, got = 0, calls = 0;
	struct timespec start;

	for (int i = 0; i < size; i++)
		out[i] = (unsigned char)(i * 7 + i / 251);
	clock_gettime(CLOCK_MONOTONIC, &start);
	while (got < size && ms_since(&start) < 10000) {
		short ev = POLLIN | (sent < size ? POLLOUT : 0);
		int rev = wait_ev(o, fd, ev, 1000);
		ssize_t n;

		if (rev & POLLOUT) {
			n = o->send(fd, out + sent, (size_t)(size - sent), MSG_DONTWAIT);
			if (n > 0)
				sent += n;
		}
		if (rev & POLLIN) {
			n = o->recv(fd, in + got, (size_t)(size - got), MSG_DONTWAIT);
			if (n <= 0)
				break;
			got += n;
			calls++;
		}
	}
	DO(t, "sent", sent);
	DO(t, "received", got);
	DO(t, "same-bytes", got == size && !memcmp(in, out, (size_t)size));
	/* How many reads it took depends on timing; one read cannot take more
	 * than was sent, and a 1-byte transfer takes exactly one. */
	recs(t, "reads", "%s", calls == 1 ? "one" : calls > 1 ? "several" : "none");
	DO(t, "empty-after", o->recv(fd, in, 1, MSG_DONTWAIT));
	free(out);
	free(in);
	o->close(fd);
}

/* ---- data: receive and send flags, timeouts, low-water marks ------------ */

enum {
	RS_PEEK, RS_PEEK_EMPTY, RS_DONTWAIT_EMPTY, RS_NONBLOCK_EMPTY, RS_WAITALL, RS_WAITALL_TIMEO,
	RS_WAITALL_FIN, RS_NO_WAITALL, RS_WAITALL_DONTWAIT, RS_TRUNC, RS_PEEK_TRUNC, RS_OOB_NONE,
	RS_ERRQUEUE, RS_IOV_SPLIT, RS_ZERO_LEN, RS_NULL_BUF, RS_PEEK_OFF, RS_FIONREAD,
	RS_IOCTL_LISTENER, RS_IOCTL_FRESH, RS_RCVTIMEO, RS_RCVTIMEO_DATA, RS_SNDTIMEO_FULL,
	RS_SNDTIMEO_PARTIAL, RS_NONBLOCK_FULL, RS_RCVLOWAT_POLL, RS_RCVLOWAT_TIMEO,
	RS_RCVLOWAT_DONTWAIT, RS_RCVLOWAT_SHORT_BUF, RS_MSG_MORE, RS_CORK, RS_SEND_OOB,
	RS_SENDTO_CONNECTED, RS_SEND_UNCONNECTED, RS_RECV_UNCONNECTED, RS_LISTENER_IO,
	RS_SEND_ZERO, RS_WRITEV_TOO_MANY, RS_EOR, RS_CONFIRM, RS_PEEK_WAITALL,
	RS_PEEK_WAITALL_TIMEO, RS_PEEK_RCVLOWAT, RS_PEEK_RCVLOWAT_TIMEO, RS_MAX
};
static const char *const rs_names[RS_MAX] = {
	"peek", "peek_empty", "dontwait_empty", "nonblock_empty", "waitall", "waitall_rcvtimeo",
	"waitall_fin", "no_waitall_partial", "waitall_dontwait", "trunc_discards", "peek_trunc",
	"oob_none", "errqueue", "recvmsg_iov_split", "zero_len", "null_buf", "so_peek_off",
	"fionread_siocinq_siocoutq", "ioctl_listener", "ioctl_fresh", "so_rcvtimeo",
	"so_rcvtimeo_data", "so_sndtimeo_full", "so_sndtimeo_partial", "nonblock_full",
	"so_rcvlowat_poll", "so_rcvlowat_rcvtimeo", "so_rcvlowat_dontwait",
	"so_rcvlowat_short_buf", "msg_more", "tcp_cork", "send_oob", "sendto_connected",
	"send_unconnected", "recv_unconnected", "listener_io", "send_zero", "writev_too_many",
	"msg_eor", "msg_confirm", "peek_waitall", "peek_waitall_rcvtimeo", "peek_rcvlowat",
	"peek_rcvlowat_rcvtimeo",
};

static void c_rs(const struct conf_ops *o, struct trace *t, long arg)
{
	int fam = fam_of(arg), v = (int)(arg >> 1), fd = -1, q;
	char b[64] = { 0 };
	struct timeval tv = { 0, 150000 };
	struct timespec start;
	struct addr a;
	struct endp e;
	static char big[1 << 20];

	switch (v) {
	case RS_PEEK:
		fd = tcp_to(o, t, fam, SVC_ECHO, 0);
		o->send(fd, "0123456789", 10, 0);
		wait_inq(o, fd, 10, WAIT_MS);
		rec_recv(o, t, "peek4", fd, 4, MSG_PEEK);
		rec_recv(o, t, "peek", fd, 64, MSG_PEEK);
		rec_recv(o, t, "recv", fd, 64, 0);
		break;
	case RS_PEEK_EMPTY:
		fd = tcp_to(o, t, fam, SVC_ECHO, 0);
		rec_recv(o, t, "peek", fd, 64, MSG_PEEK | MSG_DONTWAIT);
		break;
	case RS_DONTWAIT_EMPTY:
		fd = tcp_to(o, t, fam, SVC_ECHO, 0);
		rec_recv(o, t, "recv", fd, 64, MSG_DONTWAIT);
		DO(t, "recvmsg", ({ struct iovec iv = { b, sizeof(b) };
				    struct msghdr m = { .msg_iov = &iv, .msg_iovlen = 1 };
				    o->recvmsg(fd, &m, MSG_DONTWAIT); }));
		break;
	case RS_NONBLOCK_EMPTY:
		fd = tcp_to(o, t, fam, SVC_ECHO, SOCK_NONBLOCK);
		DO(t, "read", o->read(fd, b, sizeof(b)));
		DO(t, "readv", ({ struct iovec iv = { b, sizeof(b) }; o->readv(fd, &iv, 1); }));
		break;
	case RS_WAITALL:	/* waits out all three chunks */
		fd = drip(o, t, fam, "3 4 30\n", 0);
		rec_recv(o, t, "recv-waitall", fd, 12, MSG_WAITALL);
		break;
	case RS_PEEK_WAITALL:	/* a peek waits for all too, and takes nothing */
		fd = drip(o, t, fam, "3 4 30\n", 0);
		rec_recv(o, t, "peek-waitall", fd, 12, MSG_PEEK | MSG_WAITALL);
		rec_recv(o, t, "recv", fd, 64, 0);
		break;
	case RS_PEEK_WAITALL_TIMEO:
		fd = drip(o, t, fam, "2 4 20\n", 0);
		o->setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
		clock_gettime(CLOCK_MONOTONIC, &start);
		rec_recv(o, t, "peek-waitall", fd, 12, MSG_PEEK | MSG_WAITALL);
		rec_waited(t, &start, 150);
		rec_recv(o, t, "recv", fd, 64, 0);
		break;
	case RS_PEEK_RCVLOWAT:	/* SO_RCVLOWAT holds a peek back too */
		fd = drip(o, t, fam, "2 4 30\n", 0);
		DO(t, "rcvlowat", set_int(o, fd, SOL_SOCKET, SO_RCVLOWAT, 8));
		rec_recv(o, t, "peek", fd, 64, MSG_PEEK);
		rec_recv(o, t, "recv", fd, 64, 0);
		break;
	case RS_PEEK_RCVLOWAT_TIMEO:
		fd = drip(o, t, fam, "1 5 0\n", 0);
		DO(t, "rcvlowat", set_int(o, fd, SOL_SOCKET, SO_RCVLOWAT, 10));
		tv.tv_usec = 100000;
		o->setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
		wait_inq(o, fd, 5, WAIT_MS);
		clock_gettime(CLOCK_MONOTONIC, &start);
		rec_recv(o, t, "peek", fd, 64, MSG_PEEK);
		rec_waited(t, &start, 100);
		rec_recv(o, t, "recv", fd, 64, 0);
		break;
	case RS_WAITALL_TIMEO:	/* what came before the timeout */
		fd = drip(o, t, fam, "2 4 20\n", 0);
		o->setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
		clock_gettime(CLOCK_MONOTONIC, &start);
		rec_recv(o, t, "recv-waitall", fd, 12, MSG_WAITALL);
		rec_waited(t, &start, 150);
		break;
	case RS_WAITALL_FIN:	/* what came before the FIN */
		fd = drip(o, t, fam, "2 4 20 F\n", 0);
		rec_recv(o, t, "recv-waitall", fd, 12, MSG_WAITALL);
		rec_recv(o, t, "recv", fd, 12, 0);
		break;
	case RS_NO_WAITALL: {	/* returns with the first chunk (100 ms before the next) */
		ssize_t n;

		fd = drip(o, t, fam, "3 4 100\n", 0);
		n = o->recv(fd, b, 12, 0);
		recs(t, "recv", "%s", n > 0 && n < 12 ? "partial" : n == 12 ? "all" : "error");
		DO(t, "recv-rest", o->recv(fd, b + (n > 0 ? n : 0), 12 - (size_t)(n > 0 ? n : 0),
					   MSG_WAITALL));
		rec_data(t, "data", b, 12);
		break;
	}
	case RS_WAITALL_DONTWAIT:	/* MSG_DONTWAIT wins */
		fd = drip(o, t, fam, "2 4 300\n", 0);
		wait_inq(o, fd, 4, WAIT_MS);
		rec_recv(o, t, "recv", fd, 12, MSG_WAITALL | MSG_DONTWAIT);
		break;
	case RS_TRUNC:	/* TCP: MSG_TRUNC throws the bytes away */
		fd = tcp_to(o, t, fam, SVC_ECHO, 0);
		o->send(fd, "0123456789", 10, 0);
		wait_inq(o, fd, 10, WAIT_MS);
		memset(b, 'z', 8);
		DO(t, "trunc", o->recv(fd, b, 4, MSG_TRUNC));
		rec_data(t, "buf", b, 8);
		rec_recv(o, t, "recv", fd, 64, 0);
		break;
	case RS_PEEK_TRUNC:
		fd = tcp_to(o, t, fam, SVC_ECHO, 0);
		o->send(fd, "0123456789", 10, 0);
		wait_inq(o, fd, 10, WAIT_MS);
		memset(b, 'z', 8);
		DO(t, "peek-trunc", o->recv(fd, b, 4, MSG_PEEK | MSG_TRUNC));
		rec_data(t, "buf", b, 8);
		rec_recv(o, t, "recv", fd, 64, 0);
		break;
	case RS_OOB_NONE:
		fd = tcp_to(o, t, fam, SVC_ECHO, 0);
		o->send(fd, "abc", 3, 0);
		wait_inq(o, fd, 3, WAIT_MS);
		rec_recv(o, t, "recv-oob", fd, 64, MSG_OOB);
		rec_recv(o, t, "recv", fd, 64, 0);
		break;
	case RS_ERRQUEUE:
		fd = tcp_to(o, t, fam, SVC_ECHO, 0);
		rec_recv(o, t, "errqueue", fd, 64, MSG_ERRQUEUE);
		break;
	case RS_IOV_SPLIT: {
		char c[8] = { 0 };
		struct iovec iv[3] = { { b, 2 }, { NULL, 0 }, { c, 5 } };
		struct msghdr m = { .msg_iov = iv, .msg_iovlen = 3 };

		fd = tcp_to(o, t, fam, SVC_ECHO, 0);
		o->send(fd, "0123456789", 10, 0);
		wait_inq(o, fd, 10, WAIT_MS);
		DO(t, "recvmsg", o->recvmsg(fd, &m, 0));
		DO(t, "flags", m.msg_flags);
		recs(t, "data", "%.2s|%s", b, c);
		rec_recv(o, t, "rest", fd, 64, 0);
		break;
	}
	case RS_ZERO_LEN:
		fd = tcp_to(o, t, fam, SVC_ECHO, 0);
		rec_recv(o, t, "recv0-empty", fd, 0, MSG_DONTWAIT);
		o->send(fd, "abc", 3, 0);
		wait_inq(o, fd, 3, WAIT_MS);
		rec_recv(o, t, "recv0", fd, 0, 0);
		DO(t, "read0", o->read(fd, b, 0));
		rec_recv(o, t, "recv", fd, 64, 0);
		break;
	case RS_NULL_BUF:	/* EFAULT, and the data stays */
		fd = tcp_to(o, t, fam, SVC_ECHO, 0);
		o->send(fd, "abc", 3, 0);
		wait_inq(o, fd, 3, WAIT_MS);
		DO(t, "recv-null", o->recv(fd, NULL, 16, 0));
		DO(t, "send-null", o->send(fd, NULL, 16, MSG_NOSIGNAL));
		rec_recv(o, t, "recv", fd, 64, 0);
		break;
	case RS_PEEK_OFF:
		fd = tcp_to(o, t, fam, SVC_ECHO, 0);
		DO(t, "set", set_int(o, fd, SOL_SOCKET, SO_PEEK_OFF, 0));
		o->send(fd, "0123456789", 10, 0);
		wait_inq(o, fd, 10, WAIT_MS);
		rec_recv(o, t, "peek1", fd, 4, MSG_PEEK);
		rec_recv(o, t, "peek2", fd, 4, MSG_PEEK);
		DO(t, "off", get_int(o, fd, SOL_SOCKET, SO_PEEK_OFF));
		rec_recv(o, t, "recv", fd, 4, 0);
		DO(t, "off", get_int(o, fd, SOL_SOCKET, SO_PEEK_OFF));
		rec_recv(o, t, "peek3", fd, 64, MSG_PEEK);
		break;
	case RS_FIONREAD:
		fd = tcp_to(o, t, fam, SVC_ECHO, 0);
		o->send(fd, "0123456789", 10, 0);
		wait_inq(o, fd, 10, WAIT_MS);
		DO(t, "fionread", (o->ioctl(fd, FIONREAD, &q), q));
		DO(t, "siocinq", (o->ioctl(fd, SIOCINQ, &q), q));
		o->recv(fd, b, 4, 0);
		DO(t, "fionread", (o->ioctl(fd, FIONREAD, &q), q));
		/* The echo is the acknowledgement: nothing is left to send. */
		DO(t, "siocoutq", (o->ioctl(fd, SIOCOUTQ, &q), q));
		DO(t, "siocoutqnsd", (o->ioctl(fd, SIOCOUTQNSD, &q), q));
		break;
	case RS_IOCTL_LISTENER:
		fd = tcp_listener(o, t, fam, 5, 0, 0);
		q = -7;
		DO(t, "fionread", o->ioctl(fd, FIONREAD, &q));
		DO(t, "siocoutq", o->ioctl(fd, SIOCOUTQ, &q));
		DO(t, "siocoutqnsd", o->ioctl(fd, SIOCOUTQNSD, &q));
		DO(t, "siocatmark", o->ioctl(fd, SIOCATMARK, &q));
		DO(t, "q", q);
		break;
	case RS_IOCTL_FRESH:
		fd = o->socket(fam, SOCK_STREAM, 0);
		DO(t, "fionread", (q = -7, o->ioctl(fd, FIONREAD, &q), q));
		DO(t, "siocoutq", (q = -7, o->ioctl(fd, SIOCOUTQ, &q), q));
		DO(t, "siocoutqnsd", (q = -7, o->ioctl(fd, SIOCOUTQNSD, &q), q));
		DO(t, "siocatmark", (q = -7, o->ioctl(fd, SIOCATMARK, &q), q));
		break;
	case RS_RCVTIMEO:
		fd = tcp_to(o, t, fam, SVC_ECHO, 0);
		tv.tv_usec = 100000;
		o->setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
		clock_gettime(CLOCK_MONOTONIC, &start);
		rec_recv(o, t, "recv", fd, 64, 0);
		rec_waited(t, &start, 100);
		clock_gettime(CLOCK_MONOTONIC, &start);
		DO(t, "read", o->read(fd, b, sizeof(b)));
		rec_waited(t, &start, 100);
		break;
	case RS_RCVTIMEO_DATA:	/* data before the timeout ends the wait */
		fd = drip(o, t, fam, "2 3 50\n", 0);
		tv.tv_sec = 1, tv.tv_usec = 0;
		o->setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
		wait_inq(o, fd, 3, WAIT_MS);
		rec_recv(o, t, "recv", fd, 3, 0);
		clock_gettime(CLOCK_MONOTONIC, &start);
		rec_recv(o, t, "recv-next", fd, 64, 0);
		rec_waited(t, &start, 1000);
		break;
	case RS_SNDTIMEO_FULL:
		fd = tcp_stuck(o, t, fam, 0);
		/* How much is queued depends on timing: only "some". */
		DO(t, "siocoutq>0", (q = 0, o->ioctl(fd, SIOCOUTQ, &q), q > 0));
		DO(t, "siocoutqnsd>0", (q = 0, o->ioctl(fd, SIOCOUTQNSD, &q), q > 0));
		rec_poll(o, t, "poll", fd, ALL_EV, 0);
		DO(t, "send-dontwait", o->send(fd, "x", 1, MSG_DONTWAIT));
		tv.tv_usec = 100000;
		o->setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
		clock_gettime(CLOCK_MONOTONIC, &start);
		DO(t, "send", o->send(fd, "x", 1, 0));
		rec_waited(t, &start, 100);
		clock_gettime(CLOCK_MONOTONIC, &start);
		DO(t, "write-big", o->write(fd, big, sizeof(big)));
		rec_waited(t, &start, 100);
		break;
	case RS_SNDTIMEO_PARTIAL: {	/* what went in before the timeout */
		ssize_t n;

		fd = o->socket(fam, SOCK_STREAM, 0);
		set_int(o, fd, SOL_SOCKET, SO_SNDBUF, 4096);
		a = svc_addr(fam, SVC_IDLE);
		DO(t, "connect", o->connect(fd, sa(&a), a.len));
		tv.tv_usec = 100000;
		o->setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
		clock_gettime(CLOCK_MONOTONIC, &start);
		n = o->send(fd, big, sizeof(big), 0);
		recs(t, "send", "%s", n > 0 && n < (ssize_t)sizeof(big) ? "partial" : "other");
		rec_waited(t, &start, 100);
		break;
	}
	case RS_NONBLOCK_FULL: {
		ssize_t n;

		fd = o->socket(fam, SOCK_STREAM, 0);
		set_int(o, fd, SOL_SOCKET, SO_SNDBUF, 4096);
		a = svc_addr(fam, SVC_IDLE);
		DO(t, "connect", o->connect(fd, sa(&a), a.len));
		n = o->send(fd, big, sizeof(big), MSG_DONTWAIT);
		recs(t, "send", "%s", n > 0 && n < (ssize_t)sizeof(big) ? "partial" : "other");
		fill_stuck(o, fd);
		DO(t, "send-again", o->send(fd, big, sizeof(big), MSG_DONTWAIT));
		DO(t, "sendmsg-again", ({ struct iovec iv = { big, 100 };
					  struct msghdr m = { .msg_iov = &iv, .msg_iovlen = 1 };
					  o->sendmsg(fd, &m, MSG_DONTWAIT); }));
		break;
	}
	case RS_RCVLOWAT_POLL:
		/* poll waits for SO_RCVLOWAT bytes.  (A blocking recv that has
		 * taken some bytes and waits for the rest is not woken by later
		 * data while less than SO_RCVLOWAT is queued: Linux leaves it to
		 * its timeout, so no case waits that way.) */
		fd = drip(o, t, fam, "2 5 300\n", 0);
		DO(t, "rcvlowat", set_int(o, fd, SOL_SOCKET, SO_RCVLOWAT, 10));
		DO(t, "inq", wait_inq(o, fd, 5, WAIT_MS));
		rec_poll(o, t, "poll-5", fd, POLLIN | POLLRDNORM, 50);
		rec_poll(o, t, "poll-10", fd, POLLIN | POLLRDNORM, WAIT_MS);
		rec_recv(o, t, "recv", fd, 64, 0);
		break;
	case RS_RCVLOWAT_TIMEO:	/* the timeout returns what there is */
		fd = drip(o, t, fam, "1 5 0\n", 0);
		DO(t, "rcvlowat", set_int(o, fd, SOL_SOCKET, SO_RCVLOWAT, 10));
		tv.tv_usec = 100000;
		o->setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
		wait_inq(o, fd, 5, WAIT_MS);
		clock_gettime(CLOCK_MONOTONIC, &start);
		rec_recv(o, t, "recv", fd, 64, 0);
		rec_waited(t, &start, 100);
		break;
	case RS_RCVLOWAT_DONTWAIT:
		fd = drip(o, t, fam, "1 5 0\n", 0);
		DO(t, "rcvlowat", set_int(o, fd, SOL_SOCKET, SO_RCVLOWAT, 10));
		wait_inq(o, fd, 5, WAIT_MS);
		rec_recv(o, t, "recv", fd, 64, MSG_DONTWAIT);
		break;
	case RS_RCVLOWAT_SHORT_BUF:	/* a buffer smaller than SO_RCVLOWAT is enough */
		fd = drip(o, t, fam, "1 5 0\n", 0);
		DO(t, "rcvlowat", set_int(o, fd, SOL_SOCKET, SO_RCVLOWAT, 10));
		wait_inq(o, fd, 5, WAIT_MS);
		rec_recv(o, t, "recv", fd, 3, 0);
		break;
	case RS_MSG_MORE:	/* held until a send without it */
	case RS_CORK:		/* held until uncorked */
		fd = tcp_to(o, t, fam, SVC_ECHO, 0);
		if (v == RS_CORK)
			DO(t, "cork", set_int(o, fd, IPPROTO_TCP, TCP_CORK, 1));
		DO(t, "send", o->send(fd, "ab", 2, v == RS_MSG_MORE ? MSG_MORE : 0));
		rec_poll(o, t, "poll-held", fd, POLLIN, 50);
		if (v == RS_CORK)
			DO(t, "uncork", set_int(o, fd, IPPROTO_TCP, TCP_CORK, 0));
		else
			DO(t, "send-last", o->send(fd, "cd", 2, 0));
		wait_inq(o, fd, v == RS_CORK ? 2 : 4, WAIT_MS);
		rec_recv(o, t, "recv", fd, 64, 0);
		break;
	case RS_SEND_OOB:	/* the peer reads without SO_OOBINLINE: "c" is not there */
		fd = tcp_to(o, t, fam, SVC_SINK, 0);
		e = endp_of(o, fd);
		DO(t, "send", o->send(fd, "ab", 2, 0));
		DO(t, "send-oob", o->send(fd, "c", 1, MSG_OOB));
		DO(t, "send", o->send(fd, "de", 2, 0));
		DO(t, "shutdown", o->shutdown(fd, SHUT_WR));
		rec_peer(t, "peer-saw", &e, 0, WAIT_MS);
		break;
	case RS_SENDTO_CONNECTED:	/* the address is ignored */
		fd = tcp_to(o, t, fam, SVC_ECHO, 0);
		a = svc_addr(fam, SVC_CLOSED);
		DO(t, "sendto", o->sendto(fd, "to", 2, 0, sa(&a), a.len));
		a = svc_addr(fam == AF_INET ? AF_INET6 : AF_INET, SVC_SINK);
		DO(t, "sendto-other-family", o->sendto(fd, "at", 2, 0, sa(&a), a.len));
		wait_inq(o, fd, 4, WAIT_MS);
		rec_recv(o, t, "recv", fd, 64, 0);
		break;
	case RS_SEND_UNCONNECTED:	/* EPIPE, and SIGPIPE unless MSG_NOSIGNAL */
		fd = o->socket(fam, SOCK_STREAM, 0);
		DO(t, "send", o->send(fd, "x", 1, 0));
		conf_sigs(t, "sigs");
		DO(t, "send-nosignal", o->send(fd, "x", 1, MSG_NOSIGNAL));
		conf_sigs(t, "sigs");
		DO(t, "write", o->write(fd, "x", 1));
		conf_sigs(t, "sigs");
		a = svc_addr(fam, SVC_ECHO);
		DO(t, "sendto", o->sendto(fd, "x", 1, 0, sa(&a), a.len));
		conf_sigs(t, "sigs");
		DO(t, "sendmsg", ({ struct iovec iv = { b, 1 };
				    struct msghdr m = { .msg_iov = &iv, .msg_iovlen = 1 };
				    o->sendmsg(fd, &m, 0); }));
		conf_sigs(t, "sigs");
		DO(t, "send0", o->send(fd, "x", 0, 0));
		conf_sigs(t, "sigs");
		break;
	case RS_RECV_UNCONNECTED:
		fd = o->socket(fam, SOCK_STREAM, 0);
		rec_recv(o, t, "recv", fd, 64, 0);
		rec_recv(o, t, "recv-dontwait", fd, 64, MSG_DONTWAIT);
		DO(t, "read", o->read(fd, b, sizeof(b)));
		DO(t, "recvmsg", ({ struct iovec iv = { b, sizeof(b) };
				    struct msghdr m = { .msg_iov = &iv, .msg_iovlen = 1 };
				    o->recvmsg(fd, &m, 0); }));
		rec_recv(o, t, "recv-peek", fd, 64, MSG_PEEK);
		rec_recv(o, t, "recv-oob", fd, 64, MSG_OOB);
		break;
	case RS_LISTENER_IO:
		fd = tcp_listener(o, t, fam, 5, 0, 0);
		DO(t, "send", o->send(fd, "x", 1, 0));
		conf_sigs(t, "sigs");
		rec_recv(o, t, "recv", fd, 64, 0);
		DO(t, "read", o->read(fd, b, sizeof(b)));
		break;
	case RS_SEND_ZERO:	/* nothing to send: nothing echoed */
		fd = tcp_to(o, t, fam, SVC_ECHO, 0);
		DO(t, "send0", o->send(fd, b, 0, 0));
		DO(t, "send-null0", o->send(fd, NULL, 0, 0));
		DO(t, "write0", o->write(fd, b, 0));
		rec_poll(o, t, "poll", fd, POLLIN, 30);
		break;
	case RS_WRITEV_TOO_MANY: {
		static struct iovec many[IOV_MAX + 1];

		fd = tcp_to(o, t, fam, SVC_ECHO, 0);
		for (int i = 0; i <= IOV_MAX; i++)
			many[i] = (struct iovec){ big, 1 };
		DO(t, "writev-too-many", o->writev(fd, many, IOV_MAX + 1));
		DO(t, "writev-max", o->writev(fd, many, IOV_MAX));
		DO(t, "inq", wait_inq(o, fd, IOV_MAX, WAIT_MS));
		break;
	}
	case RS_EOR:
	case RS_CONFIRM:
		fd = tcp_to(o, t, fam, SVC_ECHO, 0);
		DO(t, "send", o->send(fd, "ab", 2, v == RS_EOR ? MSG_EOR : MSG_CONFIRM));
		wait_inq(o, fd, 2, WAIT_MS);
		rec_recv(o, t, "recv", fd, 64, 0);
		break;
	}
	if (fd >= 0)
		o->close(fd);
}

/* ---- urgent data -------------------------------------------------------- */

enum {
	U_READ_ORDER, U_OOB_FIRST, U_OOB_PEEK, U_INLINE, U_SKIPPED, U_TWO, U_INLINE_TWO,
	U_SIGURG, U_NO_OWNER, U_POLLPRI, U_OOB_LEN0, U_FIONREAD, U_NOT_YET, U_MAX
};
static const char *const urg_names[U_MAX] = {
	"read_order", "oob_first", "oob_peek", "oobinline", "skipped_by_read", "two_urgent",
	"oobinline_two_urgent", "sigurg", "no_owner_no_sigurg", "pollpri", "oob_len0",
	"fionread", "not_yet",
};

/* The peer sends "ab", "c" urgent, "de" (with "2", also "f" urgent and
 * "gh"); with "F" or "2" it then sends its FIN, which tells us everything
 * has arrived. */
static int urgent_conn(const struct conf_ops *o, struct trace *t, int fam, const char *how,
		       int oobinline, int owner)
{
	int fd = tcp_to(o, t, fam, SVC_URGENT, 0);

	if (oobinline)
		DO(t, "oobinline", set_int(o, fd, SOL_SOCKET, SO_OOBINLINE, 1));
	if (owner)
		DO(t, "setown", o->fcntl(fd, F_SETOWN, getpid()) ?: o->fcntl(fd, F_GETOWN, 0) == getpid());
	o->send(fd, how, 1, 0);
	wait_ev(o, fd, *how == '1' ? POLLPRI : POLLRDHUP, WAIT_MS);
	return fd;
}

static void rec_atmark(const struct conf_ops *o, struct trace *t, int fd)
{
	int m = -7;

	DO(t, "atmark", o->ioctl(fd, SIOCATMARK, &m) ?: m);
}

/* Reads in turn until EOF, recording the mark before each read. */
static void read_to_eof(const struct conf_ops *o, struct trace *t, int fd)
{
	for (int i = 0; i < 6; i++) {
		char b[64] = { 0 };
		ssize_t n;

		rec_atmark(o, t, fd);
		errno = 0;
		n = o->recv(fd, b, sizeof(b), MSG_DONTWAIT);
		rec(t, "recv", n, errno);
		if (n <= 0)
			break;
		rec_data(t, "data", b, n);
	}
}

static void c_urgent(const struct conf_ops *o, struct trace *t, long arg)
{
	int fam = fam_of(arg), v = (int)(arg >> 1), fd = -1, q;

	switch (v) {
	case U_READ_ORDER:	/* a read stops at the mark */
		fd = urgent_conn(o, t, fam, "F", 0, 0);
		rec_poll(o, t, "poll", fd, ALL_EV, 0);
		rec_atmark(o, t, fd);
		rec_recv(o, t, "recv", fd, 64, 0);
		rec_atmark(o, t, fd);
		rec_recv(o, t, "recv-oob", fd, 64, MSG_OOB);
		rec_atmark(o, t, fd);
		rec_poll(o, t, "poll", fd, ALL_EV, 0);
		read_to_eof(o, t, fd);
		break;
	case U_OOB_FIRST:
		fd = urgent_conn(o, t, fam, "F", 0, 0);
		rec_recv(o, t, "recv-oob", fd, 64, MSG_OOB);
		read_to_eof(o, t, fd);
		break;
	case U_OOB_PEEK:
		fd = urgent_conn(o, t, fam, "F", 0, 0);
		rec_recv(o, t, "peek-oob", fd, 64, MSG_OOB | MSG_PEEK);
		rec_recv(o, t, "recv-oob", fd, 64, MSG_OOB);
		rec_recv(o, t, "recv-oob-again", fd, 64, MSG_OOB);
		rec_recv(o, t, "peek-oob-again", fd, 64, MSG_OOB | MSG_PEEK);
		break;
	case U_INLINE:	/* the urgent byte stays in the stream */
		fd = urgent_conn(o, t, fam, "F", 1, 0);
		rec_poll(o, t, "poll", fd, ALL_EV, 0);
		rec_recv(o, t, "recv-oob", fd, 64, MSG_OOB);
		read_to_eof(o, t, fd);
		break;
	case U_SKIPPED:	/* not inline and not read as OOB: skipped */
		fd = urgent_conn(o, t, fam, "F", 0, 0);
		rec_recv(o, t, "recv", fd, 64, 0);
		rec_recv(o, t, "recv", fd, 64, 0);
		rec_recv(o, t, "recv-oob", fd, 64, MSG_OOB);
		read_to_eof(o, t, fd);
		break;
	case U_TWO:	/* a new mark replaces the old */
	case U_INLINE_TWO:
		fd = urgent_conn(o, t, fam, "2", v == U_INLINE_TWO, 0);
		rec_recv(o, t, "peek-oob", fd, 64, MSG_OOB | MSG_PEEK);
		read_to_eof(o, t, fd);
		rec_recv(o, t, "recv-oob", fd, 64, MSG_OOB);
		break;
	case U_SIGURG:	/* to the owner (F_SETOWN) */
	case U_NO_OWNER:
		conf_sigs(t, "sigs-before");
		fd = urgent_conn(o, t, fam, "1", 0, v == U_SIGURG);
		usleep(20000);	/* the process's signal may go to another thread */
		conf_sigs(t, "sigs");
		rec_recv(o, t, "recv-oob", fd, 64, MSG_OOB);
		break;
	case U_POLLPRI:
		fd = urgent_conn(o, t, fam, "1", 0, 0);
		rec_poll(o, t, "poll-pri", fd, POLLPRI, 0);
		rec_poll(o, t, "poll-rdband", fd, POLLRDBAND, 0);
		rec_recv(o, t, "recv", fd, 64, 0);
		rec_poll(o, t, "poll-pri", fd, POLLPRI, 0);
		rec_recv(o, t, "recv-oob", fd, 64, MSG_OOB);
		rec_poll(o, t, "poll-pri", fd, POLLPRI, 0);
		break;
	case U_OOB_LEN0:
		fd = urgent_conn(o, t, fam, "F", 0, 0);
		rec_recv(o, t, "recv-oob0", fd, 0, MSG_OOB);
		rec_recv(o, t, "recv-oob-trunc", fd, 0, MSG_OOB | MSG_TRUNC);
		rec_recv(o, t, "recv-oob", fd, 64, MSG_OOB);
		break;
	case U_FIONREAD:
		fd = urgent_conn(o, t, fam, "F", 0, 0);
		DO(t, "fionread", (q = -7, o->ioctl(fd, FIONREAD, &q), q));
		rec_recv(o, t, "recv", fd, 64, 0);
		DO(t, "fionread", (q = -7, o->ioctl(fd, FIONREAD, &q), q));
		rec_recv(o, t, "recv-oob", fd, 64, MSG_OOB);
		DO(t, "fionread", (q = -7, o->ioctl(fd, FIONREAD, &q), q));
		break;
	case U_NOT_YET:	/* nothing urgent has come */
		fd = tcp_to(o, t, fam, SVC_URGENT, 0);
		rec_recv(o, t, "recv-oob", fd, 64, MSG_OOB);
		rec_recv(o, t, "recv-oob-dontwait", fd, 64, MSG_OOB | MSG_DONTWAIT);
		rec_atmark(o, t, fd);
		rec_poll(o, t, "poll", fd, ALL_EV, 0);
		break;
	}
	if (fd >= 0)
		o->close(fd);
}

/* ---- shutdown, FIN, RST, close, SO_LINGER, SIGPIPE ---------------------- */

enum {
	SH_RD, SH_RD_THEN_DATA, SH_WR, SH_WR_DATA, SH_RDWR, SH_TWICE, SH_BAD_HOW,
	SH_UNCONN_RD, SH_UNCONN_WR, SH_UNCONN_RDWR, SH_SYN_SENT, FIN_READ, FIN_WRITE,
	FIN_WRITE_NOSIGNAL, FIN_SO_ERROR, HALFCLOSE, RST_RECV, RST_SEND, RST_SO_ERROR,
	RST_NOSIGNAL, RST_STATE, CLOSE_NORMAL, CLOSE_UNREAD, LINGER0, LINGER_DATA,
	LINGER_TIMEOUT, CLOSE_AFTER_SHUT_WR, CLOSE_BADFD, SH_MAX
};
static const char *const close_names[SH_MAX] = {
	"shutdown_rd", "shutdown_rd_then_data", "shutdown_wr", "shutdown_wr_data",
	"shutdown_rdwr", "shutdown_twice", "shutdown_bad_how", "shutdown_unconnected_rd",
	"shutdown_unconnected_wr", "shutdown_unconnected_rdwr", "shutdown_syn_sent",
	"peer_fin_read", "peer_fin_write_epipe", "peer_fin_write_nosignal", "peer_fin_so_error",
	"peer_halfclose", "peer_rst_recv", "peer_rst_send", "peer_rst_so_error",
	"peer_rst_nosignal", "peer_rst_state", "close_normal", "close_unread_data_resets",
	"linger0_resets", "linger_data_delivered", "linger_timeout", "close_after_shutdown_wr",
	"close_badfd",
};

/* Sends one byte with flags, then records the signals that came. */
static void send_sig(const struct conf_ops *o, struct trace *t, const char *what, int fd, int flags)
{
	DO(t, what, o->send(fd, "x", 1, flags));
	conf_sigs(t, "sigs");
}

static void c_close(const struct conf_ops *o, struct trace *t, long arg)
{
	int fam = fam_of(arg), v = (int)(arg >> 1), fd = -1, q;
	struct linger lg = { 1, 0 };
	struct timespec start;
	struct endp e;
	char b[16];

	switch (v) {
	case SH_RD:
		fd = tcp_to(o, t, fam, SVC_ECHO, 0);
		DO(t, "shutdown", o->shutdown(fd, SHUT_RD));
		rec_poll(o, t, "poll", fd, ALL_EV, 0);
		rec_recv(o, t, "recv", fd, 16, 0);
		rec_state(o, t, "state", fd);
		e = endp_of(o, fd);
		rec_peer(t, "peer-saw", &e, 0, 0);
		break;
	case SH_RD_THEN_DATA:	/* what arrives after SHUT_RD */
		fd = tcp_to(o, t, fam, SVC_ECHO, 0);
		e = endp_of(o, fd);
		DO(t, "shutdown", o->shutdown(fd, SHUT_RD));
		DO(t, "send", o->send(fd, "abc", 3, 0));
		rec_peer(t, "peer-saw", &e, 3, WAIT_MS);
		usleep(50000);	/* the echo is on its way */
		DO(t, "fionread", (q = -7, o->ioctl(fd, FIONREAD, &q), q));
		rec_recv(o, t, "recv", fd, 16, 0);
		rec_recv(o, t, "recv-again", fd, 16, 0);
		break;
	case SH_WR:	/* the peer sees EOF and closes: FIN both ways */
		fd = tcp_to(o, t, fam, SVC_ECHO, 0);
		e = endp_of(o, fd);
		DO(t, "shutdown", o->shutdown(fd, SHUT_WR));
		rec_peer(t, "peer-saw", &e, 0, WAIT_MS);
		wait_ev(o, fd, POLLRDHUP, WAIT_MS);
		rec_poll(o, t, "poll", fd, ALL_EV, 0);
		rec_recv(o, t, "recv", fd, 16, 0);
		rec_state(o, t, "state", fd);
		send_sig(o, t, "send", fd, 0);
		send_sig(o, t, "send-nosignal", fd, MSG_NOSIGNAL);
		break;
	case SH_WR_DATA:	/* data sent before SHUT_WR still goes, and comes back */
		fd = tcp_to(o, t, fam, SVC_ECHO, 0);
		DO(t, "send", o->send(fd, "abc", 3, 0));
		DO(t, "shutdown", o->shutdown(fd, SHUT_WR));
		wait_ev(o, fd, POLLRDHUP, WAIT_MS);
		DO(t, "fionread", (q = -7, o->ioctl(fd, FIONREAD, &q), q));
		rec_recv(o, t, "recv", fd, 16, 0);
		rec_recv(o, t, "recv-eof", fd, 16, 0);
		break;
	case SH_RDWR:
		fd = tcp_to(o, t, fam, SVC_ECHO, 0);
		e = endp_of(o, fd);
		DO(t, "shutdown", o->shutdown(fd, SHUT_RDWR));
		rec_poll(o, t, "poll", fd, ALL_EV, 0);
		rec_recv(o, t, "recv", fd, 16, 0);
		send_sig(o, t, "send", fd, 0);
		rec_peer(t, "peer-saw", &e, 0, WAIT_MS);
		break;
	case SH_TWICE:
		fd = tcp_to(o, t, fam, SVC_ECHO, 0);
		DO(t, "shutdown-wr", o->shutdown(fd, SHUT_WR));
		DO(t, "shutdown-wr-again", o->shutdown(fd, SHUT_WR));
		DO(t, "shutdown-rd", o->shutdown(fd, SHUT_RD));
		DO(t, "shutdown-rd-again", o->shutdown(fd, SHUT_RD));
		DO(t, "shutdown-rdwr", o->shutdown(fd, SHUT_RDWR));
		rec_poll(o, t, "poll", fd, ALL_EV, 0);
		break;
	case SH_BAD_HOW:
		fd = tcp_to(o, t, fam, SVC_ECHO, 0);
		DO(t, "shutdown-3", o->shutdown(fd, 3));
		DO(t, "shutdown-neg", o->shutdown(fd, -1));
		DO(t, "shutdown-badfd", o->shutdown(-1, SHUT_RD));
		rec_state(o, t, "state", fd);
		break;
	case SH_UNCONN_RD:	/* ENOTCONN, and yet it applies */
	case SH_UNCONN_WR:
	case SH_UNCONN_RDWR:
		fd = o->socket(fam, SOCK_STREAM, 0);
		DO(t, "shutdown", o->shutdown(fd, v - SH_UNCONN_RD));
		rec_poll(o, t, "poll", fd, ALL_EV, 0);
		rec_recv(o, t, "recv", fd, 16, MSG_DONTWAIT);
		send_sig(o, t, "send", fd, MSG_NOSIGNAL);
		{
			struct addr a = svc_addr(fam, SVC_ECHO);

			DO(t, "connect", o->connect(fd, sa(&a), a.len));
		}
		rec_poll(o, t, "poll-connected", fd, ALL_EV, 0);
		break;
	case SH_SYN_SENT: {	/* aborts the connecting socket */
		struct addr a = svc_addr(fam, SVC_FULL);

		fd = o->socket(fam, SOCK_STREAM | SOCK_NONBLOCK, 0);
		DO(t, "connect", o->connect(fd, sa(&a), a.len));
		DO(t, "shutdown", o->shutdown(fd, SHUT_RDWR));
		rec_poll(o, t, "poll", fd, ALL_EV, 0);
		rec_state(o, t, "state", fd);
		rec_so_error(o, t, "so_error", fd);
		DO(t, "connect-again", o->connect(fd, sa(&a), a.len));
		break;
	}
	case FIN_READ:
		fd = tcp_to(o, t, fam, SVC_CLOSE, 0);
		wait_ev(o, fd, POLLRDHUP, WAIT_MS);
		rec_poll(o, t, "poll", fd, ALL_EV, 0);
		DO(t, "fionread", (q = -7, o->ioctl(fd, FIONREAD, &q), q));
		rec_recv(o, t, "recv", fd, 16, 0);
		rec_recv(o, t, "recv-again", fd, 16, 0);
		DO(t, "read", o->read(fd, b, sizeof(b)));
		rec_recv(o, t, "recv-dontwait", fd, 16, MSG_DONTWAIT);
		rec_recv(o, t, "recv-peek", fd, 16, MSG_PEEK);
		rec_state(o, t, "state", fd);
		break;
	case FIN_WRITE:		/* the peer is gone: its RST answers the first write */
	case FIN_WRITE_NOSIGNAL:
	case FIN_SO_ERROR:
		fd = tcp_to(o, t, fam, SVC_CLOSE, 0);
		wait_ev(o, fd, POLLRDHUP, WAIT_MS);
		send_sig(o, t, "send", fd, 0);
		wait_ev(o, fd, POLLERR, WAIT_MS);
		rec_poll(o, t, "poll", fd, ALL_EV, 0);
		if (v == FIN_SO_ERROR)
			rec_so_error(o, t, "so_error", fd);
		send_sig(o, t, "send-after-rst", fd, v == FIN_WRITE_NOSIGNAL ? MSG_NOSIGNAL : 0);
		send_sig(o, t, "send-again", fd, v == FIN_WRITE_NOSIGNAL ? MSG_NOSIGNAL : 0);
		rec_recv(o, t, "recv", fd, 16, 0);
		rec_state(o, t, "state", fd);
		break;
	case HALFCLOSE:	/* our direction stays open after the peer's FIN */
		fd = tcp_to(o, t, fam, SVC_HALFCLOSE, 0);
		e = endp_of(o, fd);
		wait_ev(o, fd, POLLRDHUP, WAIT_MS);
		rec_recv(o, t, "recv", fd, 16, 0);
		rec_recv(o, t, "recv-eof", fd, 16, 0);
		rec_poll(o, t, "poll", fd, ALL_EV, 0);
		DO(t, "send", o->send(fd, "more", 4, 0));
		DO(t, "shutdown", o->shutdown(fd, SHUT_WR));
		rec_peer(t, "peer-saw", &e, 0, WAIT_MS);
		wait_state(o, fd, ST_CLOSE, WAIT_MS);
		rec_poll(o, t, "poll-closed", fd, ALL_EV, 0);
		rec_state(o, t, "state", fd);
		break;
	case RST_RECV:
	case RST_SEND:
	case RST_SO_ERROR:
	case RST_NOSIGNAL:	/* the error once, then EOF and EPIPE */
		fd = tcp_to(o, t, fam, SVC_RESET, 0);
		wait_ev(o, fd, POLLHUP, WAIT_MS);
		if (v == RST_RECV)
			rec_recv(o, t, "recv", fd, 16, 0);
		if (v == RST_SEND || v == RST_NOSIGNAL)
			send_sig(o, t, "send", fd, v == RST_NOSIGNAL ? MSG_NOSIGNAL : 0);
		if (v == RST_SO_ERROR) {
			rec_so_error(o, t, "so_error", fd);
			rec_so_error(o, t, "so_error-again", fd);
		}
		rec_recv(o, t, "recv-after", fd, 16, 0);
		send_sig(o, t, "send-after", fd, v == RST_NOSIGNAL ? MSG_NOSIGNAL : 0);
		DO(t, "write", o->write(fd, "x", 1));
		conf_sigs(t, "sigs");
		break;
	case RST_STATE:
		fd = tcp_to(o, t, fam, SVC_RESET, 0);
		wait_ev(o, fd, POLLHUP, WAIT_MS);
		rec_poll(o, t, "poll", fd, ALL_EV, 0);
		rec_state(o, t, "state", fd);
		DO(t, "fionread", (q = -7, o->ioctl(fd, FIONREAD, &q), q));
		DO(t, "shutdown", o->shutdown(fd, SHUT_WR));
		rec_so_error(o, t, "so_error", fd);
		break;
	case CLOSE_NORMAL:
		fd = tcp_to(o, t, fam, SVC_SINK, 0);
		e = endp_of(o, fd);
		DO(t, "send", o->send(fd, "abc", 3, 0));
		DO(t, "close", o->close(fd));
		fd = -1;
		rec_peer(t, "peer-saw", &e, 0, WAIT_MS);
		break;
	case CLOSE_UNREAD:	/* unread data: RST, not FIN */
		fd = tcp_to(o, t, fam, SVC_ECHO, 0);
		e = endp_of(o, fd);
		DO(t, "send", o->send(fd, "abc", 3, 0));
		wait_inq(o, fd, 3, WAIT_MS);
		DO(t, "close", o->close(fd));
		fd = -1;
		rec_peer(t, "peer-saw", &e, 0, WAIT_MS);
		break;
	case LINGER0:	/* SO_LINGER {1, 0}: RST */
		fd = tcp_to(o, t, fam, SVC_SINK, 0);
		e = endp_of(o, fd);
		DO(t, "send", o->send(fd, "abc", 3, 0));
		rec_peer(t, "peer-read", &e, 3, WAIT_MS);
		DO(t, "linger", o->setsockopt(fd, SOL_SOCKET, SO_LINGER, &lg, sizeof(lg)));
		DO(t, "close", o->close(fd));
		fd = -1;
		rec_peer(t, "peer-saw", &e, 0, WAIT_MS);
		break;
	case LINGER_DATA:	/* close waits until the data is acknowledged */
		fd = tcp_to(o, t, fam, SVC_SINK, 0);
		e = endp_of(o, fd);
		lg.l_linger = 1;
		DO(t, "linger", o->setsockopt(fd, SOL_SOCKET, SO_LINGER, &lg, sizeof(lg)));
		DO(t, "send", o->send(fd, "abc", 3, 0));
		clock_gettime(CLOCK_MONOTONIC, &start);
		DO(t, "close", o->close(fd));
		fd = -1;
		rec_waited(t, &start, 1000);
		rec_peer(t, "peer-saw", &e, 0, WAIT_MS);
		break;
	case LINGER_TIMEOUT:	/* ... for up to l_linger seconds */
		fd = tcp_stuck(o, t, fam, 0);
		lg.l_linger = 1;
		DO(t, "linger", o->setsockopt(fd, SOL_SOCKET, SO_LINGER, &lg, sizeof(lg)));
		clock_gettime(CLOCK_MONOTONIC, &start);
		DO(t, "close", o->close(fd));
		fd = -1;
		rec_waited(t, &start, 1000);
		break;
	case CLOSE_AFTER_SHUT_WR:
		fd = tcp_to(o, t, fam, SVC_ECHO, 0);
		e = endp_of(o, fd);
		DO(t, "shutdown", o->shutdown(fd, SHUT_WR));
		wait_ev(o, fd, POLLRDHUP, WAIT_MS);
		DO(t, "close", o->close(fd));
		fd = -1;
		rec_peer(t, "peer-saw", &e, 0, WAIT_MS);
		break;
	case CLOSE_BADFD:
		fd = tcp_to(o, t, fam, SVC_ECHO, 0);
		DO(t, "close", o->close(fd));
		DO(t, "close-again", o->close(fd));
		send_sig(o, t, "send-closed", fd, 0);
		fd = -1;
		break;
	}
	if (fd >= 0)
		o->close(fd);
}

/* ---- poll in every state ------------------------------------------------ */

enum {
	PO_FRESH, PO_BOUND, PO_LISTEN, PO_SYN_SENT, PO_CONNECTED, PO_DATA, PO_AFTER_READ,
	PO_PEER_FIN, PO_PEER_RST, PO_REFUSED, PO_SHUT_RD, PO_SHUT_WR, PO_SHUT_RDWR, PO_SNDBUF_FULL,
	PO_ACCEPTED, PO_NVAL, PO_CONNECT_WAKES, PO_DATA_WAKES, PO_FIN_WAKES, PO_RST_WAKES,
	PO_TWO_SOCKETS, PO_MAX
};
static const char *const poll_names[PO_MAX] = {
	"fresh", "bound", "listening", "syn_sent", "connected", "data", "after_read",
	"peer_fin", "peer_rst", "refused", "shut_rd", "shut_wr", "shut_rdwr", "sndbuf_full",
	"accepted", "nval_closed", "connect_wakes", "data_wakes", "fin_wakes_rdhup",
	"rst_wakes_events0", "two_sockets",
};

/* The revents of every event, of POLLIN|POLLOUT (the hang-up bits come
 * unasked) and of no event at all. */
static void rec_poll3(const struct conf_ops *o, struct trace *t, int fd)
{
	rec_poll(o, t, "all", fd, ALL_EV, 0);
	rec_poll(o, t, "in|out", fd, POLLIN | POLLOUT, 0);
	rec_poll(o, t, "none", fd, 0, 0);
}

static void c_poll_tcp(const struct conf_ops *o, struct trace *t, long arg)
{
	int fam = fam_of(arg), v = (int)(arg >> 1), fd = -1, fd2 = -1;
	struct addr a;
	struct timespec start;
	char b[16];

	switch (v) {
	case PO_FRESH:
		fd = o->socket(fam, SOCK_STREAM, 0);
		break;
	case PO_BOUND:
		fd = o->socket(fam, SOCK_STREAM, 0);
		a = local_at(fam, conf_port);
		DO(t, "bind", o->bind(fd, sa(&a), a.len));
		break;
	case PO_LISTEN:
		fd = tcp_listener(o, t, fam, 5, 0, 0);
		break;
	case PO_SYN_SENT:
		fd = o->socket(fam, SOCK_STREAM | SOCK_NONBLOCK, 0);
		a = svc_addr(fam, SVC_FULL);
		DO(t, "connect", o->connect(fd, sa(&a), a.len));
		break;
	case PO_CONNECTED:
		fd = tcp_to(o, t, fam, SVC_ECHO, 0);
		break;
	case PO_DATA:
	case PO_AFTER_READ:
		fd = tcp_to(o, t, fam, SVC_ECHO, 0);
		o->send(fd, "data", 4, 0);
		wait_inq(o, fd, 4, WAIT_MS);
		if (v == PO_AFTER_READ)
			DO(t, "recv", o->recv(fd, b, sizeof(b), 0));
		break;
	case PO_PEER_FIN:
		fd = tcp_to(o, t, fam, SVC_CLOSE, 0);
		wait_ev(o, fd, POLLRDHUP, WAIT_MS);
		break;
	case PO_PEER_RST:
		fd = tcp_to(o, t, fam, SVC_RESET, 0);
		wait_ev(o, fd, POLLHUP, WAIT_MS);
		break;
	case PO_REFUSED:
		fd = o->socket(fam, SOCK_STREAM | SOCK_NONBLOCK, 0);
		a = svc_addr(fam, SVC_CLOSED);
		DO(t, "connect", o->connect(fd, sa(&a), a.len));
		wait_ev(o, fd, POLLOUT, WAIT_MS);
		break;
	case PO_SHUT_RD:
	case PO_SHUT_WR:
	case PO_SHUT_RDWR:
		/* To the service that never reads nor closes: the state is ours. */
		fd = tcp_to(o, t, fam, SVC_IDLE, 0);
		DO(t, "shutdown", o->shutdown(fd, v - PO_SHUT_RD));
		break;
	case PO_SNDBUF_FULL:
		fd = tcp_stuck(o, t, fam, 0);
		break;
	case PO_ACCEPTED:
		fd2 = tcp_listener(o, t, fam, 5, 0, 0);
		peer_connects(t, fam, "echo");
		fd = accept_one(o, t, fd2);
		break;
	case PO_NVAL:
		fd = o->socket(fam, SOCK_STREAM, 0);
		o->close(fd);
		break;
	case PO_CONNECT_WAKES:
		fd = o->socket(fam, SOCK_STREAM | SOCK_NONBLOCK, 0);
		a = svc_addr(fam, SVC_ECHO);
		DO(t, "connect", o->connect(fd, sa(&a), a.len));
		clock_gettime(CLOCK_MONOTONIC, &start);
		rec_poll(o, t, "poll-out", fd, POLLOUT, WAIT_MS);
		rec_waited(t, &start, WAIT_MS);
		break;
	case PO_DATA_WAKES:
		fd = tcp_to(o, t, fam, SVC_ECHO, 0);
		o->send(fd, "x", 1, 0);
		clock_gettime(CLOCK_MONOTONIC, &start);
		rec_poll(o, t, "poll-in", fd, POLLIN, WAIT_MS);
		rec_waited(t, &start, WAIT_MS);
		break;
	case PO_FIN_WAKES:
		fd = tcp_to(o, t, fam, SVC_CLOSE, 0);
		clock_gettime(CLOCK_MONOTONIC, &start);
		rec_poll(o, t, "poll-rdhup", fd, POLLRDHUP, WAIT_MS);
		rec_waited(t, &start, WAIT_MS);
		break;
	case PO_RST_WAKES:
		fd = tcp_to(o, t, fam, SVC_RESET, 0);
		clock_gettime(CLOCK_MONOTONIC, &start);
		rec_poll(o, t, "poll-none", fd, 0, WAIT_MS);
		rec_waited(t, &start, WAIT_MS);
		break;
	case PO_TWO_SOCKETS: {	/* one ready, one not: poll returns 1 */
		struct pollfd p[2];

		fd = tcp_to(o, t, fam, SVC_ECHO, 0);
		fd2 = tcp_to(o, t, fam, SVC_CLOSE, 0);
		p[0] = (struct pollfd){ .fd = fd, .events = POLLIN };
		p[1] = (struct pollfd){ .fd = fd2, .events = POLLIN };
		DO(t, "poll", o->poll(p, 2, WAIT_MS));
		rec_ev(t, "revents0", p[0].revents);
		rec_ev(t, "revents1", p[1].revents);
		break;
	}
	}
	if (v != PO_TWO_SOCKETS)
		rec_poll3(o, t, fd);
	if (v != PO_NVAL)
		o->close(fd);
	if (fd2 >= 0)
		o->close(fd2);
}

/* ---- TCP_ options ------------------------------------------------------- */

static const struct conf_opt tcp_opts[] = {
	{ "tcp_nodelay", IPPROTO_TCP, TCP_NODELAY, K_INT, 1, 0 },
	{ "tcp_maxseg", IPPROTO_TCP, TCP_MAXSEG, K_INT, 1000, 0 },
	{ "tcp_cork", IPPROTO_TCP, TCP_CORK, K_INT, 1, 0 },
	{ "tcp_keepidle", IPPROTO_TCP, TCP_KEEPIDLE, K_INT, 77, 0 },
	{ "tcp_keepintvl", IPPROTO_TCP, TCP_KEEPINTVL, K_INT, 9, 0 },
	{ "tcp_keepcnt", IPPROTO_TCP, TCP_KEEPCNT, K_INT, 5, 0 },
	{ "tcp_syncnt", IPPROTO_TCP, TCP_SYNCNT, K_INT, 3, 0 },
	{ "tcp_linger2", IPPROTO_TCP, TCP_LINGER2, K_INT, 30, 0 },
	{ "tcp_defer_accept", IPPROTO_TCP, TCP_DEFER_ACCEPT, K_INT, 5, 0 },
	{ "tcp_window_clamp", IPPROTO_TCP, TCP_WINDOW_CLAMP, K_INT, 20000, 0 },
	{ "tcp_info", IPPROTO_TCP, TCP_INFO, K_RO, 1, 0 },
	{ "tcp_quickack", IPPROTO_TCP, TCP_QUICKACK, K_INT, 0, 0 },
	{ "tcp_congestion", IPPROTO_TCP, TCP_CONGESTION, K_STR, 0, 0 },
	{ "tcp_user_timeout", IPPROTO_TCP, TCP_USER_TIMEOUT, K_INT, 5000, 0 },
	{ "tcp_notsent_lowat", IPPROTO_TCP, TCP_NOTSENT_LOWAT, K_INT, 4096, 0 },
	{ "tcp_thin_linear_timeouts", IPPROTO_TCP, TCP_THIN_LINEAR_TIMEOUTS, K_INT, 1, 0 },
	{ "tcp_fastopen", IPPROTO_TCP, TCP_FASTOPEN, K_INT, 5, 0 },
	{ "tcp_fastopen_connect", IPPROTO_TCP, TCP_FASTOPEN_CONNECT, K_INT, 1, 0 },
	{ "tcp_inq", IPPROTO_TCP, TCP_INQ, K_INT, 1, 0 },
	{ "tcp_tx_delay", IPPROTO_TCP, TCP_TX_DELAY, K_INT, 100, 0 },
	{ "tcp_save_syn", IPPROTO_TCP, TCP_SAVE_SYN, K_INT, 1, 0 },
	{ "tcp_saved_syn", IPPROTO_TCP, TCP_SAVED_SYN, K_RO, 1, 0 },
	{ "tcp_ulp", IPPROTO_TCP, TCP_ULP, K_RO, 1, 0 },
	{ "tcp_unknown_999", IPPROTO_TCP, 999, K_INT, 1, 0 },
};

enum {
	TO_DEFAULT, TO_DEFAULT_V6, TO_SET_GET, TO_SET_SHORT, TO_GET_SHORT, TO_RANGE, TO_CONNECTED,
	TO_ON_UDP, TO_MAX
};
static const char *const to_names[TO_MAX] = {
	"default", "default_v6", "set_get", "set_short", "get_short", "range", "connected",
	"on_udp",
};

/* The value a case writes: op->val, the string "reno" for strings. */
static int opt_set(const struct conf_ops *o, int fd, const struct conf_opt *op, socklen_t len)
{
	return op->kind == K_STR ? o->setsockopt(fd, op->level, op->opt, "reno", len)
				 : o->setsockopt(fd, op->level, op->opt, &op->val, len);
}

static socklen_t opt_len(const struct conf_opt *op) { return op->kind == K_STR ? 4 : sizeof(int); }

/* arg: index << 4 | variant.  The first 40 bytes of TCP_INFO (all that
 * is shown) hold nothing that depends on timing until the socket connects:
 * then tcpi_rto does, and the TCP_INFO cases read it field by field. */
static void c_tcp_opt(const struct conf_ops *o, struct trace *t, long arg)
{
	const struct conf_opt *op = &tcp_opts[arg >> 4];
	int v = (int)(arg & 0xf), fam = v == TO_DEFAULT_V6 ? AF_INET6 : AF_INET, fd;
	static const int range[] = { 0, 1, -1, 255, 32767, 32768, 65536, INT_MAX };
	char n[32];

	if (v == TO_ON_UDP) {	/* what IPPROTO_TCP means to a UDP socket */
		for (int f = 0; f < 2; f++) {
			fd = o->socket(f ? AF_INET6 : AF_INET, SOCK_DGRAM, 0);
			rec_opt(o, t, fd, op, f ? "get-v6" : "get-v4", 64);
			DO(t, f ? "set-v6" : "set-v4", opt_set(o, fd, op, opt_len(op)));
			o->close(fd);
		}
		return;
	}
	fd = v == TO_CONNECTED ? tcp_to(o, t, AF_INET, SVC_ECHO, 0) : o->socket(fam, SOCK_STREAM, 0);
	switch (v) {
	case TO_DEFAULT:
	case TO_DEFAULT_V6:
		rec_opt(o, t, fd, op, "get", op->kind == K_STR ? 16 : 64);
		break;
	case TO_SET_GET:
		DO(t, "set", opt_set(o, fd, op, opt_len(op)));
		rec_opt(o, t, fd, op, "get", op->kind == K_STR ? 16 : 64);
		break;
	case TO_SET_SHORT:
		DO(t, "set-1", opt_set(o, fd, op, 1));
		DO(t, "set-0", opt_set(o, fd, op, 0));
		DO(t, "set-null", o->setsockopt(fd, op->level, op->opt, NULL, opt_len(op)));
		DO(t, "set-long", ({ char big[64] = "reno"; if (op->kind != K_STR)
					memcpy(big, &op->val, sizeof(int));
				     o->setsockopt(fd, op->level, op->opt, big, sizeof(big)); }));
		rec_opt(o, t, fd, op, "get", op->kind == K_STR ? 16 : 64);
		break;
	case TO_GET_SHORT:
		rec_opt(o, t, fd, op, "get-1", 1);
		rec_opt(o, t, fd, op, "get-0", 0);
		DO(t, "get-neg", ({ int x; socklen_t l = (socklen_t)-1;
				    o->getsockopt(fd, op->level, op->opt, &x, &l); }));
		DO(t, "get-nulllen", ({ int x; o->getsockopt(fd, op->level, op->opt, &x, NULL); }));
		break;
	case TO_RANGE:
		for (size_t i = 0; i < ARRAY_SIZE(range); i++) {
			int g = 0;
			socklen_t l = sizeof(g);

			snprintf(n, sizeof(n), "set(%d)", range[i]);
			DO(t, n, set_int(o, fd, op->level, op->opt, range[i]));
			errno = 0;
			if (o->getsockopt(fd, op->level, op->opt, &g, &l))
				rec(t, "get", -1, errno);
			else
				recs(t, "get", "%d", g);
		}
		break;
	case TO_CONNECTED:
		rec_opt(o, t, fd, op, "get", op->kind == K_STR ? 16 : 64);
		DO(t, "set", opt_set(o, fd, op, opt_len(op)));
		rec_opt(o, t, fd, op, "get", op->kind == K_STR ? 16 : 64);
		break;
	}
	o->close(fd);
}

/* TCP_CONGESTION by name. */
static void c_congestion(const struct conf_ops *o, struct trace *t, long arg)
{
	static const char *const names[] = { "reno", "cubic", "bogus", "", "reno\nx",
					     "a-name-longer-than-sixteen" };
	const struct conf_opt op = { "tcp_congestion", IPPROTO_TCP, TCP_CONGESTION, K_STR, 0, 0 };
	int fd = arg & 2 ? tcp_to(o, t, fam_of(arg), SVC_ECHO, 0)
			 : o->socket(fam_of(arg), SOCK_STREAM, 0);

	for (size_t i = 0; i < ARRAY_SIZE(names); i++) {
		char n[48];

		snprintf(n, sizeof(n), "set(%s)", names[i]);
		DO(t, n, o->setsockopt(fd, IPPROTO_TCP, TCP_CONGESTION, names[i],
				       (socklen_t)strlen(names[i])));
		rec_opt(o, t, fd, &op, "get", 16);
	}
	rec_opt(o, t, fd, &op, "get-4", 4);
	o->close(fd);
}

/* ---- SO_ options on a stream socket ------------------------------------- */

static const struct conf_opt so_opts[] = {
	{ "so_acceptconn", SOL_SOCKET, SO_ACCEPTCONN, K_RO, 1, 0 },
	{ "so_bindtodevice", SOL_SOCKET, SO_BINDTODEVICE, K_IFNAME, 0, 0 },
	{ "so_broadcast", SOL_SOCKET, SO_BROADCAST, K_INT, 1, 0 },
	{ "so_debug", SOL_SOCKET, SO_DEBUG, K_INT, 1, 0 },
	{ "so_domain", SOL_SOCKET, SO_DOMAIN, K_RO, 1, 0 },
	{ "so_error", SOL_SOCKET, SO_ERROR, K_RO, 1, 0 },
	{ "so_dontroute", SOL_SOCKET, SO_DONTROUTE, K_INT, 1, 0 },
	{ "so_keepalive", SOL_SOCKET, SO_KEEPALIVE, K_INT, 1, 0 },
	{ "so_linger", SOL_SOCKET, SO_LINGER, K_LINGER, 5, 0 },
	{ "so_mark", SOL_SOCKET, SO_MARK, K_INT, 42, 0 },
	{ "so_oobinline", SOL_SOCKET, SO_OOBINLINE, K_INT, 1, 0 },
	{ "so_passcred", SOL_SOCKET, SO_PASSCRED, K_INT, 1, 0 },
	{ "so_peek_off", SOL_SOCKET, SO_PEEK_OFF, K_INT, 3, 0 },
	{ "so_peercred", SOL_SOCKET, SO_PEERCRED, K_RO, 1, 0 },
	{ "so_peername", SOL_SOCKET, SO_PEERNAME, K_RO, 1, 0 },
	{ "so_priority", SOL_SOCKET, SO_PRIORITY, K_INT, 6, 0 },
	{ "so_protocol", SOL_SOCKET, SO_PROTOCOL, K_RO, 1, 0 },
	{ "so_rcvbuf", SOL_SOCKET, SO_RCVBUF, K_INT, 4096, 0 },
	{ "so_rcvbufforce", SOL_SOCKET, SO_RCVBUFFORCE, K_INT, 8192, 0 },
	{ "so_rcvlowat", SOL_SOCKET, SO_RCVLOWAT, K_INT, 10, 0 },
	{ "so_sndlowat", SOL_SOCKET, SO_SNDLOWAT, K_INT, 10, 0 },
	{ "so_rcvtimeo", SOL_SOCKET, SO_RCVTIMEO, K_TV, 250000, 0 },
	{ "so_sndtimeo", SOL_SOCKET, SO_SNDTIMEO, K_TV, 1500000, 0 },
	{ "so_reuseaddr", SOL_SOCKET, SO_REUSEADDR, K_INT, 1, 0 },
	{ "so_reuseport", SOL_SOCKET, SO_REUSEPORT, K_INT, 1, 0 },
	{ "so_sndbuf", SOL_SOCKET, SO_SNDBUF, K_INT, 4096, 0 },
	{ "so_sndbufforce", SOL_SOCKET, SO_SNDBUFFORCE, K_INT, 8192, 0 },
	{ "so_timestamp", SOL_SOCKET, SO_TIMESTAMP, K_INT, 1, 0 },
	{ "so_type", SOL_SOCKET, SO_TYPE, K_RO, 1, 0 },
	{ "so_busy_poll", SOL_SOCKET, SO_BUSY_POLL, K_INT, 50, 0 },
	{ "so_zerocopy", SOL_SOCKET, SO_ZEROCOPY, K_INT, 1, 0 },
	{ "so_max_pacing_rate", SOL_SOCKET, SO_MAX_PACING_RATE, K_INT, 1000000, 0 },
	{ "so_cookie", SOL_SOCKET, SO_COOKIE, K_COOKIE, 1, 0 },
};

enum { SO_V_DEFAULT, SO_V_DEFAULT_V6, SO_V_SET_GET, SO_V_CONNECTED, SO_V_LISTENING, SO_V_MAX };
static const char *const so_v_names[SO_V_MAX] = {
	"default", "default_v6", "set_get", "connected", "listening",
};

static void c_so_opt(const struct conf_ops *o, struct trace *t, long arg)
{
	const struct conf_opt *op = &so_opts[arg >> 4];
	int v = (int)(arg & 0xf), fd;
	struct timeval tv = { op->val / 1000000, op->val % 1000000 };
	struct linger lg = { 1, op->val };
	const void *p = &op->val;
	socklen_t len = sizeof(int);

	if (op->kind == K_TV)
		p = &tv, len = sizeof(tv);
	else if (op->kind == K_LINGER)
		p = &lg, len = sizeof(lg);
	else if (op->kind == K_IFNAME)
		p = "lo", len = 3;
	fd = v == SO_V_CONNECTED ? tcp_to(o, t, AF_INET, SVC_ECHO, 0)
	     : v == SO_V_LISTENING ? tcp_listener(o, t, AF_INET, 5, 0, 0)
	     : o->socket(v == SO_V_DEFAULT_V6 ? AF_INET6 : AF_INET, SOCK_STREAM, 0);
	rec_opt(o, t, fd, op, "get", 64);
	/* SO_PEERNAME wants room for exactly the address. */
	if (op->opt == SO_PEERNAME)
		rec_opt(o, t, fd, op, "get-16", sizeof(struct sockaddr_in));
	if (v == SO_V_SET_GET || v == SO_V_CONNECTED) {
		DO(t, "set", o->setsockopt(fd, op->level, op->opt, p, len));
		rec_opt(o, t, fd, op, "get", 64);
	}
	o->close(fd);
}

/* ---- buffers ------------------------------------------------------------ */

enum {
	B_RCVBUF_MIN, B_SNDBUF_MIN, B_RCVBUF_MAX, B_SNDBUF_MAX, B_RCVBUF_NEG, B_AFTER_CONNECT,
	B_LOCKED_CONNECT, B_RCVLOWAT_GROWS_RCVBUF, B_RCVLOWAT_LIMITS, B_FORCE, B_MAX
};
static const char *const buf_names[B_MAX] = {
	"so_rcvbuf_min", "so_sndbuf_min", "so_rcvbuf_max", "so_sndbuf_max", "so_rcvbuf_negative",
	"defaults_after_connect", "set_before_connect_kept", "so_rcvlowat_grows_rcvbuf",
	"so_rcvlowat_limits", "force_above_max",
};

static void c_buf(const struct conf_ops *o, struct trace *t, long arg)
{
	int fam = fam_of(arg), v = (int)(arg >> 1), fd = -1;

	switch (v) {
	case B_RCVBUF_MIN:
	case B_SNDBUF_MIN:
	case B_RCVBUF_MAX:
	case B_SNDBUF_MAX:
	case B_RCVBUF_NEG: {	/* doubled, within [minimum, 2 * net.core.[rw]mem_max] */
		int opt = v == B_SNDBUF_MIN || v == B_SNDBUF_MAX ? SO_SNDBUF : SO_RCVBUF;
		int val = v <= B_SNDBUF_MIN ? 1 : v == B_RCVBUF_NEG ? -1 : INT_MAX;

		fd = o->socket(fam, SOCK_STREAM, 0);
		DO(t, "set", set_int(o, fd, SOL_SOCKET, opt, val));
		DO(t, "get", get_int(o, fd, SOL_SOCKET, opt));
		DO(t, "set-4096", set_int(o, fd, SOL_SOCKET, opt, 4096));
		DO(t, "get", get_int(o, fd, SOL_SOCKET, opt));
		break;
	}
	case B_AFTER_CONNECT:	/* the send buffer grows to fit the congestion window */
		fd = o->socket(fam, SOCK_STREAM, 0);
		DO(t, "rcvbuf", get_int(o, fd, SOL_SOCKET, SO_RCVBUF));
		DO(t, "sndbuf", get_int(o, fd, SOL_SOCKET, SO_SNDBUF));
		o->close(fd);
		fd = tcp_to(o, t, fam, SVC_ECHO, 0);
		DO(t, "rcvbuf", get_int(o, fd, SOL_SOCKET, SO_RCVBUF));
		DO(t, "sndbuf", get_int(o, fd, SOL_SOCKET, SO_SNDBUF));
		break;
	case B_LOCKED_CONNECT: {	/* ... unless set: then it stays */
		struct addr a = svc_addr(fam, SVC_ECHO);

		fd = o->socket(fam, SOCK_STREAM, 0);
		set_int(o, fd, SOL_SOCKET, SO_RCVBUF, 8192);
		set_int(o, fd, SOL_SOCKET, SO_SNDBUF, 8192);
		DO(t, "connect", o->connect(fd, sa(&a), a.len));
		DO(t, "rcvbuf", get_int(o, fd, SOL_SOCKET, SO_RCVBUF));
		DO(t, "sndbuf", get_int(o, fd, SOL_SOCKET, SO_SNDBUF));
		break;
	}
	case B_RCVLOWAT_GROWS_RCVBUF:	/* TCP makes room for SO_RCVLOWAT bytes */
		fd = o->socket(fam, SOCK_STREAM, 0);
		DO(t, "set", set_int(o, fd, SOL_SOCKET, SO_RCVLOWAT, 1000000));
		DO(t, "rcvlowat", get_int(o, fd, SOL_SOCKET, SO_RCVLOWAT));
		DO(t, "rcvbuf", get_int(o, fd, SOL_SOCKET, SO_RCVBUF));
		DO(t, "window_clamp", get_int(o, fd, IPPROTO_TCP, TCP_WINDOW_CLAMP));
		break;
	case B_RCVLOWAT_LIMITS:	/* 0 means 1; capped by a locked buffer */
		fd = o->socket(fam, SOCK_STREAM, 0);
		DO(t, "set-0", set_int(o, fd, SOL_SOCKET, SO_RCVLOWAT, 0));
		DO(t, "get", get_int(o, fd, SOL_SOCKET, SO_RCVLOWAT));
		DO(t, "set-neg", set_int(o, fd, SOL_SOCKET, SO_RCVLOWAT, -1));
		DO(t, "get", get_int(o, fd, SOL_SOCKET, SO_RCVLOWAT));
		DO(t, "rcvbuf", set_int(o, fd, SOL_SOCKET, SO_RCVBUF, 8192));
		DO(t, "set-big", set_int(o, fd, SOL_SOCKET, SO_RCVLOWAT, 100000));
		DO(t, "get", get_int(o, fd, SOL_SOCKET, SO_RCVLOWAT));
		DO(t, "rcvbuf", get_int(o, fd, SOL_SOCKET, SO_RCVBUF));
		break;
	case B_FORCE:	/* root: past net.core.[rw]mem_max */
		fd = o->socket(fam, SOCK_STREAM, 0);
		DO(t, "rcvbufforce", set_int(o, fd, SOL_SOCKET, SO_RCVBUFFORCE, 16 << 20));
		DO(t, "rcvbuf", get_int(o, fd, SOL_SOCKET, SO_RCVBUF));
		DO(t, "sndbufforce", set_int(o, fd, SOL_SOCKET, SO_SNDBUFFORCE, 16 << 20));
		DO(t, "sndbuf", get_int(o, fd, SOL_SOCKET, SO_SNDBUF));
		break;
	}
	o->close(fd);
}

/* net.core.optmem_max on a connection: the control buffer is refused
 * before TCP sees the message (tcp_sendmsg() would otherwise send). */
static void c_optmem(const struct conf_ops *o, struct trace *t, long arg)
{
	int fd = tcp_to(o, t, fam_of(arg), SVC_ECHO, 0);

	conf_optmem_sends(o, t, fd, 0);
	o->close(fd);
}

/* ---- TCP_INFO ----------------------------------------------------------- */

enum {
	I_FRESH, I_LISTEN, I_LISTEN_PENDING, I_SYN_SENT, I_CONNECTED, I_AFTER_DATA,
	I_SMALL_RCVBUF, I_MAXSEG, I_LEN, I_CLOSE_WAIT, I_RST, I_FIN_WAIT2, I_ACCEPTED, I_MAX
};
static const char *const info_names[I_MAX] = {
	"fresh", "listening", "listening_pending", "syn_sent", "connected", "after_data",
	"small_rcvbuf", "maxseg", "len", "close_wait", "after_rst", "fin_wait2", "accepted",
};

/* The fields of TCP_INFO whose values do not depend on timing.  tcpi_rto
 * is the initial 1 s until an RTT is measured, then 200 ms (the minimum)
 * plus a few RTTs of microseconds: recorded as that range.  tcpi_ato,
 * tcpi_rtt, the last_* times, pacing and delivery rates, rcv_space and
 * rcv_ssthresh (they move with the receive buffer's autotuning) are not
 * recorded. */
static void rec_info(const struct conf_ops *o, struct trace *t, int fd, int data)
{
	struct tcp_info ti;
	unsigned rto;

	errno = 0;
	if (get_info(o, fd, &ti)) {
		rec(t, "tcp_info", -1, errno);
		return;
	}
	rto = ti.tcpi_rto;
	recs(t, "state", "%s", ti.tcpi_state < ARRAY_SIZE(tcp_states) ? tcp_states[ti.tcpi_state] : "?");
	recs(t, "ca_state", "%u", ti.tcpi_ca_state);
	recs(t, "retransmits", "%u,probes=%u,backoff=%u", ti.tcpi_retransmits, ti.tcpi_probes,
	     ti.tcpi_backoff);
	recs(t, "options", "%#x", ti.tcpi_options);
	recs(t, "wscale", "snd%u,rcv%u", ti.tcpi_snd_wscale, ti.tcpi_rcv_wscale);
	recs(t, "rto", "%s", rto == 1000000 ? "1s" : rto >= 200000 && rto < 1000000
			       ? "200ms..1s" : "other");
	recs(t, "mss", "snd%u,rcv%u,adv%u,pmtu%u", ti.tcpi_snd_mss, ti.tcpi_rcv_mss,
	     ti.tcpi_advmss, ti.tcpi_pmtu);
	recs(t, "queue", "unacked%u,sacked%u,lost%u,retrans%u,fackets%u", ti.tcpi_unacked,
	     ti.tcpi_sacked, ti.tcpi_lost, ti.tcpi_retrans, ti.tcpi_fackets);
	recs(t, "cwnd", "%u,ssthresh=%u,reordering=%u,total_retrans=%u", ti.tcpi_snd_cwnd,
	     ti.tcpi_snd_ssthresh, ti.tcpi_reordering, ti.tcpi_total_retrans);
	if (data)
		recs(t, "bytes", "acked%llu,received%llu,sent%llu,retrans%llu,data_segs_in%u,out%u,"
		     "notsent%u", (unsigned long long)ti.tcpi_bytes_acked,
		     (unsigned long long)ti.tcpi_bytes_received,
		     (unsigned long long)ti.tcpi_bytes_sent,
		     (unsigned long long)ti.tcpi_bytes_retrans, ti.tcpi_data_segs_in,
		     ti.tcpi_data_segs_out, ti.tcpi_notsent_bytes);
}

static void c_info(const struct conf_ops *o, struct trace *t, long arg)
{
	int fam = fam_of(arg), v = (int)(arg >> 1), fd = -1, lfd = -1;
	struct addr a;
	char b[16];

	switch (v) {
	case I_FRESH:
		fd = o->socket(fam, SOCK_STREAM, 0);
		break;
	case I_LISTEN:
		fd = tcp_listener(o, t, fam, 7, 0, 0);
		break;
	case I_LISTEN_PENDING:
		fd = tcp_listener(o, t, fam, 7, 0, 0);
		peer_connects(t, fam, "echo");
		wait_ev(o, fd, POLLIN, WAIT_MS);
		break;
	case I_SYN_SENT:
		fd = o->socket(fam, SOCK_STREAM | SOCK_NONBLOCK, 0);
		a = svc_addr(fam, SVC_FULL);
		DO(t, "connect", o->connect(fd, sa(&a), a.len));
		break;
	case I_CONNECTED:
		fd = tcp_to(o, t, fam, SVC_ECHO, 0);
		break;
	case I_AFTER_DATA:
		fd = tcp_to(o, t, fam, SVC_ECHO, 0);
		o->send(fd, "0123456789", 10, 0);
		wait_inq(o, fd, 10, WAIT_MS);
		DO(t, "recv", o->recv(fd, b, 10, 0));
		break;
	case I_SMALL_RCVBUF:	/* no window scaling needed */
	case I_MAXSEG:		/* the MSS asked for, less the timestamp option */
		fd = o->socket(fam, SOCK_STREAM, 0);
		if (v == I_SMALL_RCVBUF)
			DO(t, "rcvbuf", set_int(o, fd, SOL_SOCKET, SO_RCVBUF, 8192));
		else
			DO(t, "maxseg", set_int(o, fd, IPPROTO_TCP, TCP_MAXSEG, 1000));
		a = svc_addr(fam, SVC_ECHO);
		DO(t, "connect", o->connect(fd, sa(&a), a.len));
		break;
	case I_LEN: {	/* as much as asked for, up to what the kernel has */
		unsigned char buf[1024];
		socklen_t l;

		fd = o->socket(fam, SOCK_STREAM, 0);
		for (int i = 0; i < 5; i++) {
			static const socklen_t lens[] = { 0, 1, 8, 104, 1024 };

			memset(buf, 0xaa, sizeof(buf));
			l = lens[i];
			DO(t, "get", o->getsockopt(fd, IPPROTO_TCP, TCP_INFO, buf, &l));
			recs(t, "len", "%u,first=%02x,after=%02x", l, buf[0], buf[l < 1024 ? l : 0]);
		}
		o->close(fd);
		return;
	}
	case I_CLOSE_WAIT:
		fd = tcp_to(o, t, fam, SVC_CLOSE, 0);
		wait_ev(o, fd, POLLRDHUP, WAIT_MS);
		break;
	case I_RST:
		fd = tcp_to(o, t, fam, SVC_RESET, 0);
		wait_ev(o, fd, POLLHUP, WAIT_MS);
		break;
	case I_FIN_WAIT2:	/* our FIN acknowledged; the peer never closes */
		fd = tcp_to(o, t, fam, SVC_IDLE, 0);
		DO(t, "shutdown", o->shutdown(fd, SHUT_WR));
		wait_state(o, fd, ST_FIN_WAIT2, WAIT_MS);
		break;
	case I_ACCEPTED:
		lfd = tcp_listener(o, t, fam, 5, 0, 0);
		peer_connects(t, fam, "echo");
		fd = accept_one(o, t, lfd);
		break;
	}
	rec_info(o, t, fd, v == I_AFTER_DATA);
	o->close(fd);
	if (lfd >= 0)
		o->close(lfd);
}

/* ---- registry ----------------------------------------------------------- */

/* Registers variants 0..n-1 of fn in area as NAME_v4 and NAME_v6, but
 * for AF_INET6 not those in no6 and for AF_INET not those in no4 (lists
 * that -1 ends). */
static void add_both(const char *area, const char *const *names, int n, conf_fn fn,
		     const int *no6, const int *no4)
{
	char name[128];

	for (int v = 0; v < n; v++)
		for (int fam = 0; fam < 2; fam++) {
			int skip = 0;

			for (const int *p = fam ? no6 : no4; p && *p >= 0; p++)
				skip |= *p == v;
			if (skip)
				continue;
			snprintf(name, sizeof(name), "%s_%s", names[v], fam ? "v6" : "v4");
			conf_add(area, name, fn, (long)v << 1 | fam);
		}
}

void conf_register_tcp(void)
{
	static const int v6_only[] = { L_V6_ANY_V4, L_V6_ANY_V6ONLY, -1 };
	static const int connect_v6_only[] = { CN_MAPPED, CN_MAPPED_V6ONLY, CN_V6ONLY_AFTER_BIND, -1 };
	char n[128];

	add_both("tcp_listen", listen_names, L_MAX, c_listen, NULL, v6_only);
	add_both("tcp_connect", connect_names, CN_MAX, c_connect, NULL, connect_v6_only);
	/* data */
	for (int fam = 0; fam < 2; fam++)
		for (int sn = 0; sn < 5; sn++)
			for (int r = 0; r < 5; r++) {
				snprintf(n, sizeof(n), "xfer_%s_%s_%s", senders[sn], receivers[r],
					 fam ? "v6" : "v4");
				conf_add("tcp_io", n, c_xfer, sn << 8 | r << 4 | fam);
			}
	for (size_t i = 0; i < ARRAY_SIZE(sizes); i++)
		for (int fam = 0; fam < 2; fam++) {
			snprintf(n, sizeof(n), "size_%d_%s", sizes[i], fam ? "v6" : "v4");
			conf_add("tcp_io", n, c_size, (long)i << 1 | fam);
		}
	add_both("tcp_io", rs_names, RS_MAX, c_rs, NULL, NULL);
	/* urgent data, closing, poll */
	{
		static const int linger_once[] = { LINGER_TIMEOUT, -1 };	/* a second of waiting */

		add_both("tcp_urg", urg_names, U_MAX, c_urgent, NULL, NULL);
		add_both("tcp_close", close_names, SH_MAX, c_close, linger_once, NULL);
		add_both("tcp_poll", poll_names, PO_MAX, c_poll_tcp, NULL, NULL);
	}
	/* options */
	for (size_t i = 0; i < ARRAY_SIZE(tcp_opts); i++)
		for (int v = 0; v < TO_MAX; v++) {
			enum opt_kind k = tcp_opts[i].kind;

			/* Read-only and string options: no integer range. */
			if ((k == K_RO || k == K_STR) && v == TO_RANGE)
				continue;
			if (tcp_opts[i].opt == TCP_INFO && v == TO_CONNECTED)
				continue;
			snprintf(n, sizeof(n), "%s_%s", tcp_opts[i].name, to_names[v]);
			conf_add("tcp_opt", n, c_tcp_opt, (long)(i << 4 | (size_t)v));
		}
	for (int i = 0; i < 4; i++) {
		snprintf(n, sizeof(n), "tcp_congestion_names_%s_%s", i & 2 ? "connected" : "fresh",
			 i & 1 ? "v6" : "v4");
		conf_add("tcp_opt", n, c_congestion, i);
	}
	for (size_t i = 0; i < ARRAY_SIZE(so_opts); i++)
		for (int v = 0; v < SO_V_MAX; v++) {
			snprintf(n, sizeof(n), "%s_%s", so_opts[i].name, so_v_names[v]);
			conf_add("tcp_so_opt", n, c_so_opt, (long)(i << 4 | (size_t)v));
		}
	add_both("tcp_so_opt", buf_names, B_MAX, c_buf, NULL, NULL);
	static const char *const optmem_names[] = { "optmem_max" };
	add_both("tcp_io", optmem_names, 1, c_optmem, NULL, NULL);
	add_both("tcp_info", info_names, I_MAX, c_info, NULL, NULL);
}
