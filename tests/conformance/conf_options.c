// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * Options: every SO_ option of socket(7), the IP_, IPV6_ and UDP_ options
 * of ip(7), ipv6(7) and udp(7) a datagram socket has: the default, a value
 * set and read back, lengths too short or too long, options that can only
 * be read, unknown options and levels.  Also fcntl and the ioctls of
 * socket(7) and udp(7) that need no traffic (conf_io.c has the rest).
 */
#include <fcntl.h>
#include <linux/sockios.h>
#include <net/if.h>
#include <netinet/udp.h>
#include <sys/ioctl.h>
#include <time.h>
#include <unistd.h>

#include "conf.h"

#ifndef SO_BUF_LOCK
#define SO_BUF_LOCK 72
#endif
#ifndef SO_RESERVE_MEM
#define SO_RESERVE_MEM 73
#endif
#ifndef SO_TXREHASH
#define SO_TXREHASH 74
#endif
#ifndef SO_RCVMARK
#define SO_RCVMARK 75
#endif
#ifndef SO_PASSPIDFD
#define SO_PASSPIDFD 76
#endif
#ifndef SO_NETNS_COOKIE
#define SO_NETNS_COOKIE 71
#endif
#ifndef SO_BUSY_POLL_BUDGET
#define SO_BUSY_POLL_BUDGET 70
#endif
#ifndef SO_PREFER_BUSY_POLL
#define SO_PREFER_BUSY_POLL 69
#endif
#ifndef IP_LOCAL_PORT_RANGE
#define IP_LOCAL_PORT_RANGE 51
#endif
#ifndef IP_BIND_ADDRESS_NO_PORT
#define IP_BIND_ADDRESS_NO_PORT 24
#endif
#ifndef UDP_GRO
#define UDP_GRO 104
#endif
#ifndef UDP_SEGMENT
#define UDP_SEGMENT 103
#endif
#ifndef IPV6_RECVFRAGSIZE
#define IPV6_RECVFRAGSIZE 77
#endif
#ifndef IP_RECVFRAGSIZE
#define IP_RECVFRAGSIZE 25
#endif

static const struct conf_opt opts[] = {
	{ "so_acceptconn", SOL_SOCKET, SO_ACCEPTCONN, K_RO, 1, 0 },
	{ "so_bindtodevice", SOL_SOCKET, SO_BINDTODEVICE, K_IFNAME, 0, 0 },
	{ "so_bindtoifindex", SOL_SOCKET, SO_BINDTOIFINDEX, K_INT, 1, 0 },
	{ "so_broadcast", SOL_SOCKET, SO_BROADCAST, K_INT, 1, 0 },
	{ "so_bsdcompat", SOL_SOCKET, SO_BSDCOMPAT, K_INT, 1, 0 },
	{ "so_debug", SOL_SOCKET, SO_DEBUG, K_INT, 1, 0 },
	{ "so_domain", SOL_SOCKET, SO_DOMAIN, K_RO, 1, 0 },
	{ "so_error", SOL_SOCKET, SO_ERROR, K_RO, 1, 0 },
	{ "so_dontroute", SOL_SOCKET, SO_DONTROUTE, K_INT, 1, 0 },
	{ "so_incoming_cpu", SOL_SOCKET, SO_INCOMING_CPU, K_INT, 1, 0 },
	{ "so_incoming_napi_id", SOL_SOCKET, SO_INCOMING_NAPI_ID, K_RO, 1, 0 },
	{ "so_keepalive", SOL_SOCKET, SO_KEEPALIVE, K_INT, 1, 0 },
	{ "so_linger", SOL_SOCKET, SO_LINGER, K_LINGER, 5, 0 },
	{ "so_lock_filter", SOL_SOCKET, SO_LOCK_FILTER, K_INT, 1, 0 },
	{ "so_mark", SOL_SOCKET, SO_MARK, K_INT, 42, 0 },
	{ "so_oobinline", SOL_SOCKET, SO_OOBINLINE, K_INT, 1, 0 },
	{ "so_passcred", SOL_SOCKET, SO_PASSCRED, K_INT, 1, 0 },
	{ "so_passsec", SOL_SOCKET, SO_PASSSEC, K_INT, 1, 0 },
	{ "so_peek_off", SOL_SOCKET, SO_PEEK_OFF, K_INT, 3, 0 },
	{ "so_peercred", SOL_SOCKET, SO_PEERCRED, K_RO, 1, 0 },
	{ "so_peername", SOL_SOCKET, SO_PEERNAME, K_RO, 1, 0 },
	{ "so_peersec", SOL_SOCKET, SO_PEERSEC, K_RO, 1, 0 },
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
	{ "so_rxq_ovfl", SOL_SOCKET, SO_RXQ_OVFL, K_INT, 1, 0 },
	{ "so_select_err_queue", SOL_SOCKET, SO_SELECT_ERR_QUEUE, K_INT, 1, 0 },
	{ "so_sndbuf", SOL_SOCKET, SO_SNDBUF, K_INT, 4096, 0 },
	{ "so_sndbufforce", SOL_SOCKET, SO_SNDBUFFORCE, K_INT, 8192, 0 },
	{ "so_timestamp", SOL_SOCKET, SO_TIMESTAMP, K_INT, 1, 0 },
	{ "so_timestampns", SOL_SOCKET, SO_TIMESTAMPNS, K_INT, 1, 0 },
	{ "so_timestamping", SOL_SOCKET, SO_TIMESTAMPING, K_INT, 0x58, 0 },
	{ "so_type", SOL_SOCKET, SO_TYPE, K_RO, 1, 0 },
	{ "so_busy_poll", SOL_SOCKET, SO_BUSY_POLL, K_INT, 50, 0 },
	{ "so_prefer_busy_poll", SOL_SOCKET, SO_PREFER_BUSY_POLL, K_INT, 1, 0 },
	{ "so_busy_poll_budget", SOL_SOCKET, SO_BUSY_POLL_BUDGET, K_INT, 16, 0 },
	{ "so_zerocopy", SOL_SOCKET, SO_ZEROCOPY, K_INT, 1, 0 },
	{ "so_wifi_status", SOL_SOCKET, SO_WIFI_STATUS, K_INT, 1, 0 },
	{ "so_nofcs", SOL_SOCKET, SO_NOFCS, K_INT, 1, 0 },
	{ "so_max_pacing_rate", SOL_SOCKET, SO_MAX_PACING_RATE, K_INT, 1000000, 0 },
	{ "so_cookie", SOL_SOCKET, SO_COOKIE, K_COOKIE, 1, 0 },
	{ "so_netns_cookie", SOL_SOCKET, SO_NETNS_COOKIE, K_COOKIE, 1, 0 },
	{ "so_meminfo", SOL_SOCKET, SO_MEMINFO, K_RO, 1, 0 },
	{ "so_buf_lock", SOL_SOCKET, SO_BUF_LOCK, K_INT, 3, 0 },
	{ "so_reserve_mem", SOL_SOCKET, SO_RESERVE_MEM, K_INT, 4096, 0 },
	{ "so_txrehash", SOL_SOCKET, SO_TXREHASH, K_INT, 1, 0 },
	{ "so_rcvmark", SOL_SOCKET, SO_RCVMARK, K_INT, 1, 0 },
	{ "so_passpidfd", SOL_SOCKET, SO_PASSPIDFD, K_INT, 1, 0 },
	{ "so_txtime", SOL_SOCKET, SO_TXTIME, K_RO, 1, 0 },
	{ "so_unknown_999", SOL_SOCKET, 999, K_INT, 1, 0 },
	{ "ip_tos", IPPROTO_IP, IP_TOS, K_INT, 0x28, 0 },
	{ "ip_ttl", IPPROTO_IP, IP_TTL, K_INT, 7, 0 },
	{ "ip_recvtos", IPPROTO_IP, IP_RECVTOS, K_INT, 1, 0 },
	{ "ip_recvttl", IPPROTO_IP, IP_RECVTTL, K_INT, 1, 0 },
	{ "ip_pktinfo", IPPROTO_IP, IP_PKTINFO, K_INT, 1, 0 },
	{ "ip_mtu_discover", IPPROTO_IP, IP_MTU_DISCOVER, K_INT, IP_PMTUDISC_DO, 0 },
	{ "ip_mtu", IPPROTO_IP, IP_MTU, K_RO, 1, 0 },
	{ "ip_recverr", IPPROTO_IP, IP_RECVERR, K_INT, 1, 0 },
	{ "ip_multicast_ttl", IPPROTO_IP, IP_MULTICAST_TTL, K_INT, 9, 0 },
	{ "ip_multicast_loop", IPPROTO_IP, IP_MULTICAST_LOOP, K_INT, 0, 0 },
	{ "ip_multicast_all", IPPROTO_IP, IP_MULTICAST_ALL, K_INT, 0, 0 },
	{ "ip_freebind", IPPROTO_IP, IP_FREEBIND, K_INT, 1, 0 },
	{ "ip_transparent", IPPROTO_IP, IP_TRANSPARENT, K_INT, 1, 0 },
	{ "ip_hdrincl", IPPROTO_IP, IP_HDRINCL, K_INT, 1, 0 },
	{ "ip_recvopts", IPPROTO_IP, IP_RECVOPTS, K_INT, 1, 0 },
	{ "ip_retopts", IPPROTO_IP, IP_RETOPTS, K_INT, 1, 0 },
	{ "ip_options", IPPROTO_IP, IP_OPTIONS, K_RO, 1, 0 },
	{ "ip_bind_address_no_port", IPPROTO_IP, IP_BIND_ADDRESS_NO_PORT, K_INT, 1, 0 },
	{ "ip_local_port_range", IPPROTO_IP, IP_LOCAL_PORT_RANGE, K_INT, (40000 << 16) | 30000, 0 },
	{ "ip_passsec", IPPROTO_IP, IP_PASSSEC, K_INT, 1, 0 },
	{ "ip_recvorigdstaddr", IPPROTO_IP, IP_RECVORIGDSTADDR, K_INT, 1, 0 },
	{ "ip_nodefrag", IPPROTO_IP, IP_NODEFRAG, K_INT, 1, 0 },
	{ "ip_checksum", IPPROTO_IP, IP_CHECKSUM, K_INT, 1, 0 },
	{ "ip_minttl", IPPROTO_IP, IP_MINTTL, K_INT, 3, 0 },
	{ "ip_recvfragsize", IPPROTO_IP, IP_RECVFRAGSIZE, K_INT, 1, 0 },
	{ "ip_unknown_250", IPPROTO_IP, 250, K_INT, 1, 0 },
	{ "ipv6_v6only", IPPROTO_IPV6, IPV6_V6ONLY, K_INT, 1, 1 },
	{ "ipv6_unicast_hops", IPPROTO_IPV6, IPV6_UNICAST_HOPS, K_INT, 9, 1 },
	{ "ipv6_multicast_hops", IPPROTO_IPV6, IPV6_MULTICAST_HOPS, K_INT, 9, 1 },
	{ "ipv6_multicast_loop", IPPROTO_IPV6, IPV6_MULTICAST_LOOP, K_INT, 0, 1 },
	{ "ipv6_recvpktinfo", IPPROTO_IPV6, IPV6_RECVPKTINFO, K_INT, 1, 1 },
	{ "ipv6_tclass", IPPROTO_IPV6, IPV6_TCLASS, K_INT, 0x28, 1 },
	{ "ipv6_recvtclass", IPPROTO_IPV6, IPV6_RECVTCLASS, K_INT, 1, 1 },
	{ "ipv6_recvhoplimit", IPPROTO_IPV6, IPV6_RECVHOPLIMIT, K_INT, 1, 1 },
	{ "ipv6_mtu_discover", IPPROTO_IPV6, IPV6_MTU_DISCOVER, K_INT, IPV6_PMTUDISC_DO, 1 },
	{ "ipv6_mtu", IPPROTO_IPV6, IPV6_MTU, K_RO, 1, 1 },
	{ "ipv6_dontfrag", IPPROTO_IPV6, IPV6_DONTFRAG, K_INT, 1, 1 },
	{ "ipv6_recverr", IPPROTO_IPV6, IPV6_RECVERR, K_INT, 1, 1 },
	{ "ipv6_autoflowlabel", IPPROTO_IPV6, IPV6_AUTOFLOWLABEL, K_INT, 0, 1 },
	{ "ipv6_freebind", IPPROTO_IPV6, IPV6_FREEBIND, K_INT, 1, 1 },
	{ "ipv6_transparent", IPPROTO_IPV6, IPV6_TRANSPARENT, K_INT, 1, 1 },
	{ "ipv6_recvorigdstaddr", IPPROTO_IPV6, IPV6_RECVORIGDSTADDR, K_INT, 1, 1 },
	{ "ipv6_addr_preferences", IPPROTO_IPV6, IPV6_ADDR_PREFERENCES, K_INT, 2, 1 },
	{ "ipv6_minhopcount", IPPROTO_IPV6, IPV6_MINHOPCOUNT, K_INT, 3, 1 },
	{ "ipv6_recvfragsize", IPPROTO_IPV6, IPV6_RECVFRAGSIZE, K_INT, 1, 1 },
	{ "ipv6_unknown_250", IPPROTO_IPV6, 250, K_INT, 1, 1 },
	{ "udp_cork", IPPROTO_UDP, UDP_CORK, K_INT, 1, 0 },
	{ "udp_segment", IPPROTO_UDP, UDP_SEGMENT, K_INT, 1000, 0 },
	{ "udp_gro", IPPROTO_UDP, UDP_GRO, K_INT, 1, 0 },
	{ "udp_no_check6_tx", IPPROTO_UDP, UDP_NO_CHECK6_TX, K_INT, 1, 1 },
	{ "udp_no_check6_rx", IPPROTO_UDP, UDP_NO_CHECK6_RX, K_INT, 1, 1 },
	{ "udp_encap", IPPROTO_UDP, UDP_ENCAP, K_INT, 0, 0 },
	{ "udp_unknown_250", IPPROTO_UDP, 250, K_INT, 1, 0 },
	{ "tcp_nodelay_on_udp", IPPROTO_TCP, 1, K_INT, 1, 0 },
	{ "level_999", 999, 1, K_INT, 1, 0 },
	{ "level_raw_on_udp", SOL_RAW, 1, K_INT, 1, 0 },
};

void rec_opt(const struct conf_ops *o, struct trace *t, int fd, const struct conf_opt *op,
	     const char *what, socklen_t len)
{
	unsigned char b[512];
	char s[300];
	size_t n = 0;
	int r;

	if (len > sizeof(b))
		len = sizeof(b);
	memset(b, 0, sizeof(b));
	errno = 0;
	r = o->getsockopt(fd, op->level, op->opt, b, &len);
	rec(t, what, r, errno);
	if (r)
		return;
	n += (size_t)snprintf(s, sizeof(s), "len%u:", len);
	if (op->kind == K_COOKIE) {
		unsigned long long c = 0;

		memcpy(&c, b, len < 8 ? len : 8);
		snprintf(s + n, sizeof(s) - n, "%s", c ? "nonzero" : "zero");
	} else if (op->kind == K_IFNAME || op->kind == K_STR) {
		snprintf(s + n, sizeof(s) - n, "'%.*s'", (int)len, b);
	} else if (op->kind == K_TV) {
		struct timeval tv;

		memcpy(&tv, b, sizeof(tv));
		snprintf(s + n, sizeof(s) - n, "%ld.%06ld", (long)tv.tv_sec, (long)tv.tv_usec);
	} else {
		for (socklen_t i = 0; i < len && i < 40; i++)
			n += (size_t)snprintf(s + n, sizeof(s) - n, "%02x", b[i]);
	}
	recs(t, "val", "%s", s);
}

static int opt_socket(const struct conf_ops *o, const struct conf_opt *op, int v6)
{
	return o->socket(v6 || op->v6 ? AF_INET6 : AF_INET, SOCK_DGRAM, 0);
}

/* arg: index << 4 | variant (0 default v4, 1 default v6, 2 set+get, 3 short
 * set, 4 short get, 5 long set, 6 set on a connected socket, then get) */
static void c_opt(const struct conf_ops *o, struct trace *t, long arg)
{
	const struct conf_opt *op = &opts[arg >> 4];
	int v = (int)(arg & 0xf);
	int fd = opt_socket(o, op, v == 1), val = op->val, r;
	unsigned char big[64];
	struct timeval tv = { op->val / 1000000, op->val % 1000000 };
	struct linger lg = { 1, op->val };
	const void *p = &val;
	socklen_t len = sizeof(int);

	if (op->kind == K_TV)
		p = &tv, len = sizeof(tv);
	else if (op->kind == K_LINGER)
		p = &lg, len = sizeof(lg);
	else if (op->kind == K_IFNAME)
		p = "lo", len = 3;
	if (v == 6) {
		o->close(fd);
		fd = udp_echo(o, op->v6 ? AF_INET6 : AF_INET, 0);
	}
	switch (v) {
	case 0: case 1:
		rec_opt(o, t, fd, op, "get", 64);
		break;
	case 2: case 6:
		DO(t, "set", r = o->setsockopt(fd, op->level, op->opt, p, len));
		rec_opt(o, t, fd, op, "get", 64);
		break;
	case 3:
		DO(t, "set-short", o->setsockopt(fd, op->level, op->opt, p, 1));
		DO(t, "set-zero", o->setsockopt(fd, op->level, op->opt, p, 0));
		DO(t, "set-null", o->setsockopt(fd, op->level, op->opt, NULL, len));
		rec_opt(o, t, fd, op, "get", 64);
		break;
	case 4:
		rec_opt(o, t, fd, op, "get-1", 1);
		rec_opt(o, t, fd, op, "get-0", 0);
		DO(t, "get-neg", ({ int x; socklen_t l = (socklen_t)-1;
				    o->getsockopt(fd, op->level, op->opt, &x, &l); }));
		DO(t, "get-nulllen", ({ int x; o->getsockopt(fd, op->level, op->opt, &x, NULL); }));
		break;
	case 5:
		memset(big, 0, sizeof(big));
		memcpy(big, p, len);
		DO(t, "set-long", o->setsockopt(fd, op->level, op->opt, big, sizeof(big)));
		rec_opt(o, t, fd, op, "get", 64);
		break;
	}
	o->close(fd);
}

/* ---- fcntl -------------------------------------------------------------- */

static void c_fcntl(const struct conf_ops *o, struct trace *t, long arg)
{
	int fd = udp_bound(o, (int)arg >> 8, 0), fl;
	char b[4];

	switch (arg & 0xff) {
	case 0:
		DO(t, "getfl", o->fcntl(fd, F_GETFL, 0) & ~O_LARGEFILE);
		DO(t, "setfl-nonblock", o->fcntl(fd, F_SETFL, O_NONBLOCK));
		DO(t, "getfl", o->fcntl(fd, F_GETFL, 0) & ~O_LARGEFILE);
		DO(t, "recv", o->recv(fd, b, sizeof(b), 0));
		DO(t, "read", o->read(fd, b, sizeof(b)));
		DO(t, "setfl-clear", o->fcntl(fd, F_SETFL, 0));
		DO(t, "recv-dontwait", o->recv(fd, b, sizeof(b), MSG_DONTWAIT));
		break;
	case 1:
		fl = o->fcntl(fd, F_GETFL, 0);
		DO(t, "setfl-append", o->fcntl(fd, F_SETFL, fl | O_APPEND | O_NONBLOCK));
		DO(t, "getfl", o->fcntl(fd, F_GETFL, 0) & ~O_LARGEFILE);
		DO(t, "recv", o->recv(fd, b, sizeof(b), 0));
		break;
	case 2:
		DO(t, "getfd", o->fcntl(fd, F_GETFD, 0));
		DO(t, "setfd", o->fcntl(fd, F_SETFD, FD_CLOEXEC));
		DO(t, "getfd", o->fcntl(fd, F_GETFD, 0));
		break;
	case 3:
		DO(t, "getown", o->fcntl(fd, F_GETOWN, 0));
		DO(t, "setown", o->fcntl(fd, F_SETOWN, getpid()));
		DO(t, "getown-is-me", o->fcntl(fd, F_GETOWN, 0) == getpid());
		break;
	case 4:
		DO(t, "bad-cmd", o->fcntl(fd, 9999, 0));
		DO(t, "badfd", o->fcntl(-1, F_GETFL, 0));
		break;
	case 5: {	/* FIONBIO then fcntl agree, both ways */
		int on = 1, off = 0;

		DO(t, "fionbio-on", o->ioctl(fd, FIONBIO, &on));
		DO(t, "getfl", (o->fcntl(fd, F_GETFL, 0) & O_NONBLOCK) != 0);
		DO(t, "recv", o->recv(fd, b, sizeof(b), 0));
		DO(t, "fionbio-off", o->ioctl(fd, FIONBIO, &off));
		DO(t, "getfl", (o->fcntl(fd, F_GETFL, 0) & O_NONBLOCK) != 0);
		break;
	}
	case 6:	/* SOCK_NONBLOCK cleared by fcntl: blocking again (100 ms timeout) */
	{
		struct timeval tv = { 0, 100000 };
		struct timespec a, z;

		o->close(fd);
		fd = udp_bound(o, (int)arg >> 8, SOCK_NONBLOCK);
		o->setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
		DO(t, "recv-nonblock", o->recv(fd, b, sizeof(b), 0));
		DO(t, "setfl-clear", o->fcntl(fd, F_SETFL, 0));
		clock_gettime(CLOCK_MONOTONIC, &a);
		DO(t, "recv-blocking", o->recv(fd, b, sizeof(b), 0));
		clock_gettime(CLOCK_MONOTONIC, &z);
		DO(t, "waited>=90ms", (z.tv_sec - a.tv_sec) * 1000 + (z.tv_nsec - a.tv_nsec) / 1000000 >= 90);
		break;
	}
	}
	o->close(fd);
}

/* ---- ioctls that need no traffic ---------------------------------------- */

static void c_ioctl(const struct conf_ops *o, struct trace *t, long arg)
{
	int fd = udp_bound(o, (int)arg >> 8, 0), n = -7;
	struct timeval tv;
	struct timespec ts;
	struct ifreq ifr;

	switch (arg & 0xff) {
	case 0:
		DO(t, "fionread", o->ioctl(fd, FIONREAD, &n));
		DO(t, "n", n);
		break;
	case 1:
		DO(t, "siocoutq", o->ioctl(fd, SIOCOUTQ, &n));
		DO(t, "n", n);
		break;
	case 2:
		DO(t, "siocgstamp", o->ioctl(fd, SIOCGSTAMP, &tv));
		DO(t, "siocgstampns", o->ioctl(fd, SIOCGSTAMPNS, &ts));
		break;
	case 3:
		DO(t, "bad-request", o->ioctl(fd, 0x12345678, &n));
		break;
	case 4:
		DO(t, "fionread-badfd", o->ioctl(-1, FIONREAD, &n));
		break;
	case 5:
		memset(&ifr, 0, sizeof(ifr));
		strcpy(ifr.ifr_name, "lo");
		DO(t, "siocgifindex", o->ioctl(fd, SIOCGIFINDEX, &ifr));
		DO(t, "ifindex", ifr.ifr_ifindex);
		DO(t, "siocgifmtu", (o->ioctl(fd, SIOCGIFMTU, &ifr), ifr.ifr_mtu));
		break;
	case 6:
		DO(t, "siocatmark", o->ioctl(fd, SIOCATMARK, &n));
		break;
	case 7:
		DO(t, "siocinq", o->ioctl(fd, SIOCINQ, &n));
		DO(t, "n", n);
		break;
	}
	o->close(fd);
}

void conf_register_options(void)
{
	static const char *const vn[] = { "default", "default_v6", "set_get", "set_short",
					  "get_short", "set_long", "set_connected" };
	char n[128];

	for (size_t i = 0; i < ARRAY_SIZE(opts); i++)
		for (int v = 0; v < 7; v++) {
			if (v == 1 && opts[i].v6)
				continue;
			/* Read-only options: their set cases are the point
			 * (ENOPROTOOPT); the rest are variants of the same. */
			if (opts[i].kind == K_RO && v >= 5)
				continue;
			if (v == 5 && opts[i].kind != K_INT)
				continue;
			snprintf(n, sizeof(n), "%s_%s", opts[i].name, vn[v]);
			conf_add(opts[i].level == SOL_SOCKET ? "so_opt" : "ip_opt", n, c_opt,
				 (long)(i << 4 | (size_t)v));
		}
	static const char *const fn[] = { "nonblock", "append", "cloexec", "owner", "bad",
					  "fionbio", "clear_sock_nonblock" };
	for (int fam = 0; fam < 2; fam++)
		for (size_t i = 0; i < ARRAY_SIZE(fn); i++) {
			snprintf(n, sizeof(n), "fcntl_%s_%s", fam ? "v6" : "v4", fn[i]);
			conf_add("fcntl", n, c_fcntl, (long)((fam ? AF_INET6 : AF_INET) << 8 | (int)i));
		}
	static const char *const in[] = { "fionread_empty", "siocoutq_empty", "siocgstamp_none",
					  "bad_request", "badfd", "siocgifindex", "siocatmark",
					  "siocinq_empty" };
	for (int fam = 0; fam < 2; fam++)
		for (size_t i = 0; i < ARRAY_SIZE(in); i++) {
			snprintf(n, sizeof(n), "ioctl_%s_%s", fam ? "v6" : "v4", in[i]);
			conf_add("ioctl", n, c_ioctl, (long)((fam ? AF_INET6 : AF_INET) << 8 | (int)i));
		}
}
