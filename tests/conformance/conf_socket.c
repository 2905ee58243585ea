// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * The socket layer: socket() over every family, type, protocol and flag,
 * socketpair, bind, connect, getsockname/getpeername (and the truncation
 * of the addresses they return), shutdown, close, and the calls a socket
 * refuses (pread, pwrite, lseek).
 */
#include <fcntl.h>
#include <net/if.h>
#include <stdlib.h>
#include <sys/un.h>
#include <unistd.h>

#include "conf.h"

/* ---- socket() ----------------------------------------------------------- */

static const struct { int v; const char *n; } families[] = {
	{ AF_INET, "inet" }, { AF_INET6, "inet6" }, { AF_UNIX, "unix" },
	{ AF_UNSPEC, "unspec" }, { 12345, "f12345" },
};
/* No SOCK_SEQPACKET: for AF_INET it would load the SCTP module in the
 * first run and change the answer of the second. */
static const struct { int v; const char *n; } types[] = {
	{ SOCK_DGRAM, "dgram" }, { SOCK_STREAM, "stream" }, { SOCK_RAW, "raw" }, { 77, "t77" },
};
static const struct { int v; const char *n; } protos[] = {
	{ 0, "0" }, { IPPROTO_UDP, "udp" }, { IPPROTO_TCP, "tcp" }, { IPPROTO_UDPLITE, "udplite" },
	{ IPPROTO_ICMP, "icmp" }, { -1, "m1" },
};

static void rec_sockinfo(const struct conf_ops *o, struct trace *t, int fd)
{
	int v;
	socklen_t l;

	l = sizeof(v), v = -1;
	DO(t, "so_type", (o->getsockopt(fd, SOL_SOCKET, SO_TYPE, &v, &l), v));
	l = sizeof(v), v = -1;
	DO(t, "so_protocol", (o->getsockopt(fd, SOL_SOCKET, SO_PROTOCOL, &v, &l), v));
	l = sizeof(v), v = -1;
	DO(t, "so_domain", (o->getsockopt(fd, SOL_SOCKET, SO_DOMAIN, &v, &l), v));
	DO(t, "nonblock", (o->fcntl(fd, F_GETFL, 0) & O_NONBLOCK) != 0);
	DO(t, "cloexec", o->fcntl(fd, F_GETFD, 0) & FD_CLOEXEC);
}

/* arg: family index << 16 | type index << 8 | protocol index */
static void c_socket_matrix(const struct conf_ops *o, struct trace *t, long arg)
{
	int fd;

	errno = 0;
	fd = o->socket(families[arg >> 16].v, types[(arg >> 8) & 0xff].v, protos[arg & 0xff].v);
	rec(t, "socket", fd < 0 ? -1 : 0, errno);
	if (fd < 0)
		return;
	rec_sockinfo(o, t, fd);
	DO(t, "close", o->close(fd));
}

static const struct { int v; const char *n; } sflags[] = {
	{ 0, "none" }, { SOCK_NONBLOCK, "nonblock" }, { SOCK_CLOEXEC, "cloexec" },
	{ SOCK_NONBLOCK | SOCK_CLOEXEC, "nonblock_cloexec" }, { 0x40000000, "bad_flag" },
	{ O_APPEND, "o_append" },
};

/* arg: family << 8 | flags index.  A non-blocking socket must not wait. */
static void c_socket_flags(const struct conf_ops *o, struct trace *t, long arg)
{
	int fam = (int)(arg >> 8), fd;
	char b[8];
	struct timeval tv = { 0, 50000 };

	errno = 0;
	fd = udp_bound(o, fam, sflags[arg & 0xff].v);
	rec(t, "socket+bind", fd < 0 ? -1 : 0, errno);
	if (fd < 0)
		return;
	rec_sockinfo(o, t, fd);
	o->setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	DO(t, "recv-empty", o->recv(fd, b, sizeof(b), 0));
	o->close(fd);
}

/* ---- socketpair --------------------------------------------------------- */

static void c_socketpair(const struct conf_ops *o, struct trace *t, long arg)
{
	static const int cfg[][3] = {
		{ AF_INET, SOCK_DGRAM, 0 }, { AF_INET, SOCK_STREAM, 0 }, { AF_INET6, SOCK_DGRAM, 0 },
		{ AF_INET6, SOCK_STREAM, 0 }, { AF_UNIX, SOCK_DGRAM, 0 }, { AF_INET, 77, 0 },
	};
	int sv[2] = { -1, -1 };

	DO(t, "socketpair", o->socketpair(cfg[arg][0], cfg[arg][1], cfg[arg][2], sv));
	if (sv[0] >= 0) {
		o->close(sv[0]);
		o->close(sv[1]);
	}
}

/* ---- bind --------------------------------------------------------------- */

enum {
	B_OK, B_SHORT_LEN, B_ZERO_LEN, B_NULL_ADDR, B_WRONG_FAMILY, B_UNSPEC_ANY, B_UNSPEC_ADDR,
	B_NOT_LOCAL, B_FREEBIND_NOT_LOCAL, B_TWICE, B_IN_USE, B_REUSEADDR_BOTH, B_REUSEPORT_BOTH,
	B_PORT0, B_WILDCARD, B_WILDCARD_THEN_SPECIFIC, B_LOOPBACK, B_BROADCAST, B_MULTICAST,
	B_STORAGE_LEN, B_BADFD, B_NOTSOCK, B_PRIV_PORT, B_AFTER_CONNECT, B_AFTER_CLOSE,
	B6_OK, B6_SHORT_LEN, B6_V4_ON_V6, B6_MAPPED, B6_MAPPED_V6ONLY, B6_LINKLOCAL_NOSCOPE,
	B6_WILDCARD_V4_CLASH, B6_V6ONLY_NO_CLASH, B6_SCOPE_BAD, B6_FLOWINFO, B6_NOT_LOCAL,
	B6_WILDCARD, B6_PORT0, B6_IN_USE, B6_LOOPBACK, B_MAX
};
static const char *const bind_names[B_MAX] = {
	"ok", "short_len", "zero_len", "null_addr", "wrong_family", "unspec_any", "unspec_addr",
	"not_local", "freebind_not_local", "twice", "in_use", "reuseaddr_both", "reuseport_both",
	"port0_ephemeral", "wildcard", "wildcard_then_specific", "loopback", "broadcast",
	"multicast", "storage_len", "badfd", "notsock", "priv_port", "after_connect",
	"after_close", "v6_ok", "v6_short_len", "v6_v4addr_on_v6", "v6_mapped", "v6_mapped_v6only",
	"v6_linklocal_noscope", "v6_wildcard_v4_clash", "v6_v6only_no_clash", "v6_bad_scope",
	"v6_flowinfo", "v6_not_local", "v6_wildcard", "v6_port0", "v6_in_use", "v6_loopback",
};

static void c_bind(const struct conf_ops *o, struct trace *t, long arg)
{
	int v6 = arg >= B6_OK, fam = v6 ? AF_INET6 : AF_INET, one = 1;
	int fd = o->socket(fam, SOCK_DGRAM, 0), fd2 = -1;
	struct sockaddr_in a = sin4(&conf_local4, conf_port), b4;
	struct sockaddr_in6 a6 = sin6(&conf_local6, conf_port), b6;
	struct sockaddr_storage ss;

	switch (arg) {
	case B_OK:
		DO(t, "bind", o->bind(fd, (void *)&a, sizeof(a)));
		break;
	case B_SHORT_LEN:
		DO(t, "bind", o->bind(fd, (void *)&a, sizeof(a) - 1));
		break;
	case B_ZERO_LEN:
		DO(t, "bind", o->bind(fd, (void *)&a, 0));
		break;
	case B_NULL_ADDR:
		DO(t, "bind", o->bind(fd, NULL, sizeof(a)));
		break;
	case B_WRONG_FAMILY:
		DO(t, "bind", o->bind(fd, (void *)&a6, sizeof(a6)));
		break;
	case B_UNSPEC_ANY:	/* accepted for INADDR_ANY, for old programs */
		b4 = (struct sockaddr_in){ .sin_family = AF_UNSPEC, .sin_port = a.sin_port };
		DO(t, "bind", o->bind(fd, (void *)&b4, sizeof(b4)));
		break;
	case B_UNSPEC_ADDR:
		b4 = a;
		b4.sin_family = AF_UNSPEC;
		DO(t, "bind", o->bind(fd, (void *)&b4, sizeof(b4)));
		break;
	case B_NOT_LOCAL:
		b4 = sin4(&conf_peer4, conf_port);
		DO(t, "bind", o->bind(fd, (void *)&b4, sizeof(b4)));
		break;
	case B_FREEBIND_NOT_LOCAL:
		b4 = sin4(&conf_peer4, conf_port);
		DO(t, "freebind", o->setsockopt(fd, IPPROTO_IP, IP_FREEBIND, &one, sizeof(one)));
		DO(t, "bind", o->bind(fd, (void *)&b4, sizeof(b4)));
		break;
	case B_TWICE:
		DO(t, "bind", o->bind(fd, (void *)&a, sizeof(a)));
		DO(t, "bind2", o->bind(fd, (void *)&a, sizeof(a)));
		break;
	case B_IN_USE:
		fd2 = o->socket(fam, SOCK_DGRAM, 0);
		DO(t, "bind", o->bind(fd, (void *)&a, sizeof(a)));
		DO(t, "bind-other", o->bind(fd2, (void *)&a, sizeof(a)));
		break;
	case B_REUSEADDR_BOTH:
	case B_REUSEPORT_BOTH: {
		int opt = arg == B_REUSEADDR_BOTH ? SO_REUSEADDR : SO_REUSEPORT;

		fd2 = o->socket(fam, SOCK_DGRAM, 0);
		o->setsockopt(fd, SOL_SOCKET, opt, &one, sizeof(one));
		o->setsockopt(fd2, SOL_SOCKET, opt, &one, sizeof(one));
		DO(t, "bind", o->bind(fd, (void *)&a, sizeof(a)));
		DO(t, "bind-other", o->bind(fd2, (void *)&a, sizeof(a)));
		break;
	}
	case B_PORT0:
		b4 = sin4(&conf_local4, 0);
		DO(t, "bind", o->bind(fd, (void *)&b4, sizeof(b4)));
		break;
	case B_WILDCARD:
		b4 = (struct sockaddr_in){ .sin_family = AF_INET, .sin_port = a.sin_port };
		DO(t, "bind", o->bind(fd, (void *)&b4, sizeof(b4)));
		break;
	case B_WILDCARD_THEN_SPECIFIC:
		fd2 = o->socket(fam, SOCK_DGRAM, 0);
		b4 = (struct sockaddr_in){ .sin_family = AF_INET, .sin_port = a.sin_port };
		DO(t, "bind-any", o->bind(fd, (void *)&b4, sizeof(b4)));
		DO(t, "bind-specific", o->bind(fd2, (void *)&a, sizeof(a)));
		break;
	case B_LOOPBACK:
		b4 = (struct sockaddr_in){ .sin_family = AF_INET, .sin_port = a.sin_port,
					   .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
		DO(t, "bind", o->bind(fd, (void *)&b4, sizeof(b4)));
		break;
	case B_BROADCAST:
		b4 = a;
		b4.sin_addr.s_addr |= htonl(0xff);
		DO(t, "bind", o->bind(fd, (void *)&b4, sizeof(b4)));
		break;
	case B_MULTICAST:
		b4 = a;
		b4.sin_addr.s_addr = htonl(0xe0000001);
		DO(t, "bind", o->bind(fd, (void *)&b4, sizeof(b4)));
		break;
	case B_STORAGE_LEN:
		memset(&ss, 0, sizeof(ss));
		memcpy(&ss, &a, sizeof(a));
		DO(t, "bind", o->bind(fd, (void *)&ss, sizeof(ss)));
		break;
	case B_BADFD:
		DO(t, "bind", o->bind(-1, (void *)&a, sizeof(a)));
		DO(t, "bind-big", o->bind(100000, (void *)&a, sizeof(a)));
		break;
	case B_NOTSOCK:
		fd2 = open("/dev/null", O_RDONLY);
		DO(t, "bind", o->bind(fd2, (void *)&a, sizeof(a)));
		break;
	case B_PRIV_PORT:	/* root: allowed */
		b4 = sin4(&conf_local4, 1000);
		DO(t, "bind", o->bind(fd, (void *)&b4, sizeof(b4)));
		break;
	case B_AFTER_CONNECT:
		b4 = sin4(&conf_peer4, conf_echo_port);
		DO(t, "connect", o->connect(fd, (void *)&b4, sizeof(b4)));
		DO(t, "bind", o->bind(fd, (void *)&a, sizeof(a)));
		break;
	case B_AFTER_CLOSE:
		DO(t, "bind", o->bind(fd, (void *)&a, sizeof(a)));
		o->close(fd);
		fd = o->socket(fam, SOCK_DGRAM, 0);
		DO(t, "bind-again", o->bind(fd, (void *)&a, sizeof(a)));
		break;
	case B6_OK:
		DO(t, "bind", o->bind(fd, (void *)&a6, sizeof(a6)));
		break;
	case B6_SHORT_LEN:
		DO(t, "bind", o->bind(fd, (void *)&a6, sizeof(a6) - 1));
		DO(t, "bind-rfc2133-len", o->bind(fd, (void *)&a6, 24));
		break;
	case B6_V4_ON_V6:
		DO(t, "bind", o->bind(fd, (void *)&a, sizeof(a)));
		break;
	case B6_MAPPED:
	case B6_MAPPED_V6ONLY:
		if (arg == B6_MAPPED_V6ONLY)
			o->setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof(one));
		b6 = mapped6(&a);
		DO(t, "bind", o->bind(fd, (void *)&b6, sizeof(b6)));
		break;
	case B6_LINKLOCAL_NOSCOPE:
		b6 = a6;
		inet_pton(AF_INET6, "fe80::1", &b6.sin6_addr);
		DO(t, "bind", o->bind(fd, (void *)&b6, sizeof(b6)));
		break;
	case B6_WILDCARD_V4_CLASH:
	case B6_V6ONLY_NO_CLASH:
		fd2 = o->socket(AF_INET, SOCK_DGRAM, 0);
		DO(t, "bind4", o->bind(fd2, (void *)&a, sizeof(a)));
		if (arg == B6_V6ONLY_NO_CLASH)
			o->setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof(one));
		b6 = (struct sockaddr_in6){ .sin6_family = AF_INET6, .sin6_port = a6.sin6_port };
		DO(t, "bind6-any", o->bind(fd, (void *)&b6, sizeof(b6)));
		break;
	case B6_SCOPE_BAD:
		b6 = a6;
		inet_pton(AF_INET6, "fe80::1", &b6.sin6_addr);
		b6.sin6_scope_id = 9999;
		DO(t, "bind", o->bind(fd, (void *)&b6, sizeof(b6)));
		break;
	case B6_FLOWINFO:
		b6 = a6;
		b6.sin6_flowinfo = htonl(0x12345);
		DO(t, "bind", o->bind(fd, (void *)&b6, sizeof(b6)));
		break;
	case B6_NOT_LOCAL:
		b6 = sin6(&conf_peer6, conf_port);
		DO(t, "bind", o->bind(fd, (void *)&b6, sizeof(b6)));
		break;
	case B6_WILDCARD:
		b6 = (struct sockaddr_in6){ .sin6_family = AF_INET6, .sin6_port = a6.sin6_port };
		DO(t, "bind", o->bind(fd, (void *)&b6, sizeof(b6)));
		break;
	case B6_PORT0:
		b6 = sin6(&conf_local6, 0);
		DO(t, "bind", o->bind(fd, (void *)&b6, sizeof(b6)));
		break;
	case B6_IN_USE:
		fd2 = o->socket(fam, SOCK_DGRAM, 0);
		DO(t, "bind", o->bind(fd, (void *)&a6, sizeof(a6)));
		DO(t, "bind-other", o->bind(fd2, (void *)&a6, sizeof(a6)));
		break;
	case B6_LOOPBACK:
		b6 = (struct sockaddr_in6){ .sin6_family = AF_INET6, .sin6_port = a6.sin6_port,
					    .sin6_addr = in6addr_loopback };
		DO(t, "bind", o->bind(fd, (void *)&b6, sizeof(b6)));
		break;
	}
	/* Ephemeral ports are normalised; the port the case chose is kept. */
	{
		struct sockaddr_storage n;
		socklen_t nl = sizeof(n);
		int r, port;

		memset(&n, 0, sizeof(n));
		r = o->getsockname(fd, (void *)&n, &nl);
		port = r ? 0 : ntohs(((struct sockaddr_in *)&n)->sin_port);
		rec_name(t, "name", o, fd, 0, port == conf_port || port == 1000 || port == 0);
	}
	o->close(fd);
	if (fd2 >= 0)
		(arg == B_NOTSOCK ? close : o->close)(fd2);
}

/* ---- connect ------------------------------------------------------------ */

enum {
	C_OK, C_SHORT_LEN, C_NULL, C_WRONG_FAMILY, C_UNSPEC_DISCONNECT, C_UNSPEC_SHORT,
	C_UNSPEC_UNCONNECTED, C_PORT0, C_BROADCAST, C_BROADCAST_ALLOWED, C_MULTICAST, C_TWICE,
	C_AFTER_BIND, C_ANY_ADDR, C_NO_ROUTE, C_STORAGE_LEN, C_BADFD, C_LOOPBACK,
	C_BIND_AFTER_DISCONNECT, C_SELF,
	C6_OK, C6_MAPPED, C6_MAPPED_V6ONLY, C6_V4_SOCKADDR, C6_SHORT, C6_UNSPEC_DISCONNECT,
	C6_LINKLOCAL_NOSCOPE, C6_ANY, C6_NO_ROUTE, C6_FLOWINFO, C_MAX
};
static const char *const connect_names[C_MAX] = {
	"ok", "short_len", "null_addr", "wrong_family", "unspec_disconnect", "unspec_short_len",
	"unspec_unconnected", "port0", "broadcast", "broadcast_allowed", "multicast", "twice",
	"after_bind", "any_addr", "no_route", "storage_len", "badfd", "loopback",
	"bind_after_disconnect", "self", "v6_ok", "v6_mapped", "v6_mapped_v6only",
	"v6_v4_sockaddr", "v6_short_len", "v6_unspec_disconnect", "v6_linklocal_noscope",
	"v6_any", "v6_no_route", "v6_flowinfo",
};

static void c_connect(const struct conf_ops *o, struct trace *t, long arg)
{
	int v6 = arg >= C6_OK, one = 1;
	int fd = o->socket(v6 ? AF_INET6 : AF_INET, SOCK_DGRAM, 0);
	struct sockaddr_in p = sin4(&conf_peer4, conf_echo_port), b4;
	struct sockaddr_in6 p6 = sin6(&conf_peer6, conf_echo_port), b6;
	struct sockaddr_in unspec = { .sin_family = AF_UNSPEC };
	struct sockaddr_storage ss;
	int keep = 0;

	switch (arg) {
	case C_OK:
		DO(t, "connect", o->connect(fd, (void *)&p, sizeof(p)));
		break;
	case C_SHORT_LEN:
		DO(t, "connect", o->connect(fd, (void *)&p, sizeof(p) - 1));
		break;
	case C_NULL:
		DO(t, "connect", o->connect(fd, NULL, sizeof(p)));
		break;
	case C_WRONG_FAMILY:
		DO(t, "connect", o->connect(fd, (void *)&p6, sizeof(p6)));
		break;
	case C_UNSPEC_DISCONNECT:
		DO(t, "connect", o->connect(fd, (void *)&p, sizeof(p)));
		DO(t, "disconnect", o->connect(fd, (void *)&unspec, sizeof(unspec)));
		break;
	case C_UNSPEC_SHORT:
		DO(t, "connect", o->connect(fd, (void *)&p, sizeof(p)));
		DO(t, "disconnect", o->connect(fd, (void *)&unspec, sizeof(sa_family_t)));
		break;
	case C_UNSPEC_UNCONNECTED:
		DO(t, "disconnect", o->connect(fd, (void *)&unspec, sizeof(unspec)));
		break;
	case C_PORT0:
		b4 = sin4(&conf_peer4, 0);
		DO(t, "connect", o->connect(fd, (void *)&b4, sizeof(b4)));
		break;
	case C_BROADCAST:
	case C_BROADCAST_ALLOWED:
		if (arg == C_BROADCAST_ALLOWED)
			o->setsockopt(fd, SOL_SOCKET, SO_BROADCAST, &one, sizeof(one));
		b4 = p;
		b4.sin_addr.s_addr |= htonl(0xff);
		DO(t, "connect", o->connect(fd, (void *)&b4, sizeof(b4)));
		break;
	case C_MULTICAST:
		b4 = p;
		b4.sin_addr.s_addr = htonl(0xef000001);
		DO(t, "connect", o->connect(fd, (void *)&b4, sizeof(b4)));
		break;
	case C_TWICE:
		b4 = sin4(&conf_peer4, conf_report_port);
		DO(t, "connect", o->connect(fd, (void *)&p, sizeof(p)));
		DO(t, "connect2", o->connect(fd, (void *)&b4, sizeof(b4)));
		break;
	case C_AFTER_BIND:
		b4 = sin4(&conf_local4, conf_port);
		DO(t, "bind", o->bind(fd, (void *)&b4, sizeof(b4)));
		DO(t, "connect", o->connect(fd, (void *)&p, sizeof(p)));
		keep = 1;
		break;
	case C_ANY_ADDR:
		b4 = (struct sockaddr_in){ .sin_family = AF_INET, .sin_port = p.sin_port };
		DO(t, "connect", o->connect(fd, (void *)&b4, sizeof(b4)));
		break;
	case C_NO_ROUTE:
		b4 = p;
		inet_pton(AF_INET, "198.19.99.1", &b4.sin_addr);
		DO(t, "connect", o->connect(fd, (void *)&b4, sizeof(b4)));
		break;
	case C_STORAGE_LEN:
		memset(&ss, 0, sizeof(ss));
		memcpy(&ss, &p, sizeof(p));
		DO(t, "connect", o->connect(fd, (void *)&ss, sizeof(ss)));
		break;
	case C_BADFD:
		DO(t, "connect", o->connect(-1, (void *)&p, sizeof(p)));
		break;
	case C_LOOPBACK:
		b4 = (struct sockaddr_in){ .sin_family = AF_INET, .sin_port = p.sin_port,
					   .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
		DO(t, "connect", o->connect(fd, (void *)&b4, sizeof(b4)));
		break;
	case C_BIND_AFTER_DISCONNECT:
		DO(t, "connect", o->connect(fd, (void *)&p, sizeof(p)));
		DO(t, "disconnect", o->connect(fd, (void *)&unspec, sizeof(unspec)));
		b4 = sin4(&conf_local4, conf_port);
		DO(t, "bind", o->bind(fd, (void *)&b4, sizeof(b4)));
		break;
	case C_SELF:
		b4 = sin4(&conf_local4, conf_port);
		DO(t, "bind", o->bind(fd, (void *)&b4, sizeof(b4)));
		DO(t, "connect", o->connect(fd, (void *)&b4, sizeof(b4)));
		keep = 1;
		break;
	case C6_OK:
		DO(t, "connect", o->connect(fd, (void *)&p6, sizeof(p6)));
		break;
	case C6_MAPPED:
	case C6_MAPPED_V6ONLY:
		if (arg == C6_MAPPED_V6ONLY)
			o->setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof(one));
		b6 = mapped6(&p);
		DO(t, "connect", o->connect(fd, (void *)&b6, sizeof(b6)));
		break;
	case C6_V4_SOCKADDR:
		DO(t, "connect", o->connect(fd, (void *)&p, sizeof(p)));
		break;
	case C6_SHORT:
		DO(t, "connect", o->connect(fd, (void *)&p6, sizeof(p6) - 1));
		break;
	case C6_UNSPEC_DISCONNECT:
		DO(t, "connect", o->connect(fd, (void *)&p6, sizeof(p6)));
		DO(t, "disconnect", o->connect(fd, (void *)&unspec, sizeof(unspec)));
		break;
	case C6_LINKLOCAL_NOSCOPE:
		b6 = p6;
		inet_pton(AF_INET6, "fe80::2", &b6.sin6_addr);
		DO(t, "connect", o->connect(fd, (void *)&b6, sizeof(b6)));
		break;
	case C6_ANY:
		b6 = (struct sockaddr_in6){ .sin6_family = AF_INET6, .sin6_port = p6.sin6_port };
		DO(t, "connect", o->connect(fd, (void *)&b6, sizeof(b6)));
		break;
	case C6_NO_ROUTE:
		b6 = p6;
		inet_pton(AF_INET6, "2001:db8:99::1", &b6.sin6_addr);
		DO(t, "connect", o->connect(fd, (void *)&b6, sizeof(b6)));
		break;
	case C6_FLOWINFO:
		b6 = p6;
		b6.sin6_flowinfo = htonl(0x12345);
		DO(t, "connect", o->connect(fd, (void *)&b6, sizeof(b6)));
		break;
	}
	rec_name(t, "name", o, fd, 0, keep);
	rec_name(t, "peer", o, fd, 1, 1);
	o->close(fd);
}

/* ---- getsockname / getpeername: lengths and truncation ------------------ */

/* arg: family << 8 | variant; 0 unbound, 1 len 4, 2 len 0, 3 len huge,
 * 4 NULL len, 5 NULL addr, 6 peer len 4, 7 peer unconnected, 8 negative
 * len, 9 len 1 */
static void c_names(const struct conf_ops *o, struct trace *t, long arg)
{
	int fam = (int)(arg >> 8), v = (int)(arg & 0xff);
	int fd = v == 0 || v == 7 ? o->socket(fam, SOCK_DGRAM, 0) : udp_echo(o, fam, 0);
	unsigned char buf[256];
	socklen_t len;
	int r, peer = v == 6 || v == 7;

	memset(buf, 0xaa, sizeof(buf));
	len = v == 1 || v == 6 ? 4 : v == 2 ? 0 : v == 3 ? sizeof(buf) : v == 8 ? (socklen_t)-1
	      : v == 9 ? 1 : 128;
	errno = 0;
	if (v == 4)
		r = o->getsockname(fd, (void *)buf, NULL);
	else if (v == 5)
		r = o->getsockname(fd, NULL, &len);
	else
		r = peer ? o->getpeername(fd, (void *)buf, &len) : o->getsockname(fd, (void *)buf, &len);
	rec(t, "r", r, errno);
	recs(t, "len", "%d", (int)len);
	/* What was written: family and (normalised) everything after the port. */
	recs(t, "bytes", "%02x%02x.%02x%02x", buf[0], buf[1], v == 0 || peer ? buf[2] : 0,
	     v == 0 || peer ? buf[3] : 0);
	if (r == 0 && len <= sizeof(buf) && len >= 8)
		rec_addr(t, "addr", buf, len < 128 ? len : 128, peer);
	recs(t, "untouched", "%d", buf[len < 28 ? (len > 0 ? len : 0) : 28] == 0xaa);
	o->close(fd);
}

/* ---- shutdown, close, ESPIPE ------------------------------------------- */

/* arg: family << 8 | variant */
static void c_shutdown(const struct conf_ops *o, struct trace *t, long arg)
{
	int fam = (int)(arg >> 8), v = (int)(arg & 0xff);
	int fd = v < 3 ? o->socket(fam, SOCK_DGRAM | SOCK_NONBLOCK, 0)
		       : udp_echo(o, fam, SOCK_NONBLOCK);
	char b[16];
	struct pollfd p = { .fd = fd, .events = POLLIN | POLLOUT | POLLRDHUP };

	switch (v) {
	case 0: case 1: case 2:	/* unconnected: ENOTCONN, yet applied */
		DO(t, "shutdown", o->shutdown(fd, v));
		break;
	case 3: case 4: case 5:
		DO(t, "shutdown", o->shutdown(fd, v - 3));
		break;
	case 6:
		DO(t, "shutdown-bad", o->shutdown(fd, 3));
		DO(t, "shutdown-neg", o->shutdown(fd, -1));
		break;
	case 7:
		DO(t, "shutdown-badfd", o->shutdown(-1, SHUT_RD));
		DO(t, "shutdown-twice", (o->shutdown(fd, SHUT_RD), o->shutdown(fd, SHUT_RD)));
		break;
	}
	DO(t, "poll", (o->poll(&p, 1, 0), p.revents));
	DO(t, "recv", o->recv(fd, b, sizeof(b), 0));
	DO(t, "send", o->send(fd, "x", 1, 0));
	conf_sigs(t, "sigs");
	DO(t, "send-nosignal", o->send(fd, "x", 1, MSG_NOSIGNAL));
	conf_sigs(t, "sigs");
	o->close(fd);
}

static void c_close(const struct conf_ops *o, struct trace *t, long arg)
{
	int fd = arg ? udp_echo(o, AF_INET, 0) : o->socket(AF_INET, SOCK_DGRAM, 0);
	char b[4];

	DO(t, "close", o->close(fd));
	DO(t, "close-again", o->close(fd));
	DO(t, "send-closed", o->send(fd, "x", 1, 0));
	DO(t, "recv-closed", o->recv(fd, b, sizeof(b), MSG_DONTWAIT));
	DO(t, "getsockopt-closed", ({ int v; socklen_t l = sizeof(v);
				      o->getsockopt(fd, SOL_SOCKET, SO_TYPE, &v, &l); }));
	DO(t, "close-badfd", o->close(-1));
}

/* A closed xsock socket's number is reused by the next socket. */
static void c_close_reuse(const struct conf_ops *o, struct trace *t, long arg)
{
	int fd = udp_bound(o, arg, 0), fd2;

	o->close(fd);
	fd2 = udp_bound(o, arg, 0);
	DO(t, "same-number", fd2 == fd);
	rec_name(t, "name", o, fd2, 0, 1);
	DO(t, "roundtrip", ({ int e = udp_echo(o, (int)arg, 0);
			      int r = echo_roundtrip(o, e, "after-reuse"); o->close(e); r; }));
	o->close(fd2);
}

static void c_espipe(const struct conf_ops *o, struct trace *t, long arg)
{
	int fd = arg & 1 ? udp_echo(o, arg & 2 ? AF_INET6 : AF_INET, 0)
			 : o->socket(arg & 2 ? AF_INET6 : AF_INET, SOCK_DGRAM, 0);
	char b[4];

	DO(t, "pread", o->pread(fd, b, sizeof(b), 0));
	DO(t, "pwrite", o->pwrite(fd, "x", 1, 0));
	DO(t, "lseek", o->lseek(fd, 0, SEEK_SET));
	DO(t, "lseek-cur", o->lseek(fd, 0, SEEK_CUR));
	o->close(fd);
}

void conf_register_socket(void)
{
	char n[128];

	for (size_t f = 0; f < ARRAY_SIZE(families); f++)
		for (size_t ty = 0; ty < ARRAY_SIZE(types); ty++)
			for (size_t p = 0; p < ARRAY_SIZE(protos); p++) {
				snprintf(n, sizeof(n), "socket_%s_%s_%s", families[f].n, types[ty].n,
					 protos[p].n);
				conf_add("socket", n, c_socket_matrix,
					 (long)(f << 16 | ty << 8 | p));
			}
	for (int fam = 0; fam < 2; fam++)
		for (size_t f = 0; f < ARRAY_SIZE(sflags); f++) {
			snprintf(n, sizeof(n), "socket_flags_%s_%s", fam ? "v6" : "v4", sflags[f].n);
			conf_add("socket", n, c_socket_flags,
				 (long)((fam ? AF_INET6 : AF_INET) << 8 | (int)f));
		}
	static const char *const sp[] = { "inet_dgram", "inet_stream", "inet6_dgram",
					  "inet6_stream", "unix_dgram", "inet_badtype" };
	for (size_t i = 0; i < ARRAY_SIZE(sp); i++) {
		snprintf(n, sizeof(n), "socketpair_%s", sp[i]);
		conf_add("socket", n, c_socketpair, (long)i);
	}
	for (int i = 0; i < B_MAX; i++) {
		snprintf(n, sizeof(n), "bind_%s", bind_names[i]);
		conf_add("bind", n, c_bind, i);
	}
	for (int i = 0; i < C_MAX; i++) {
		snprintf(n, sizeof(n), "connect_%s", connect_names[i]);
		conf_add("connect", n, c_connect, i);
	}
	static const char *const nv[] = { "unbound", "len4", "len0", "len_big", "null_len",
					  "null_addr", "peer_len4", "peer_unconnected", "len_neg",
					  "len1" };
	for (int fam = 0; fam < 2; fam++)
		for (size_t i = 0; i < ARRAY_SIZE(nv); i++) {
			snprintf(n, sizeof(n), "names_%s_%s", fam ? "v6" : "v4", nv[i]);
			conf_add("address", n, c_names, (long)((fam ? AF_INET6 : AF_INET) << 8 | (int)i));
		}
	static const char *const sv[] = { "unconnected_rd", "unconnected_wr", "unconnected_rdwr",
					  "rd", "wr", "rdwr", "bad_how", "badfd_twice" };
	for (int fam = 0; fam < 2; fam++)
		for (size_t i = 0; i < ARRAY_SIZE(sv); i++) {
			snprintf(n, sizeof(n), "shutdown_%s_%s", fam ? "v6" : "v4", sv[i]);
			conf_add("socket", n, c_shutdown, (long)((fam ? AF_INET6 : AF_INET) << 8 | (int)i));
		}
	conf_add("socket", "close_unbound", c_close, 0);
	conf_add("socket", "close_connected", c_close, 1);
	conf_add("socket", "close_reuse_v4", c_close_reuse, AF_INET);
	conf_add("socket", "close_reuse_v6", c_close_reuse, AF_INET6);
	for (int i = 0; i < 4; i++) {
		snprintf(n, sizeof(n), "espipe_%s_%s", i & 2 ? "v6" : "v4", i & 1 ? "connected" : "fresh");
		conf_add("socket", n, c_espipe, i);
	}
}
