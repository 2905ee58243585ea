// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * SOCK_STREAM calls over the stack's TCP (sock/tcp.h): listen, accept,
 * connect, the data calls, shutdown, close and the names.  socket.c, io.c,
 * options.c and poll.c hand stream sockets here.
 *
 * The kernel twin keeps the port: a listener's twin is bound and listening
 * (the XDP program steers new connections on attached interfaces to the
 * stack, since the kernel owns no 4-tuple of theirs; connections arriving
 * on other interfaces, loopback included, are the kernel's and accept()
 * returns them as plain kernel sockets); a connecting socket's twin is
 * bound to the source address and port and never connects.  A stream
 * socket whose address or route does not use an attached interface is the
 * kernel's entirely: tcp is NULL and every call goes to the twin.
 *
 * Every function here runs with the stack lock held on entry; those that
 * may wait release it while they sleep.
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/random.h>
#include <linux/rtnetlink.h>

#include "api/calls.h"
#include "api/stream.h"
#include "xsock/xsock.h"

#define NEIGH_WAIT_NS (3ull * 1000000000u)  /* like the kernel's ARP/ND retries */

static uint64_t deadline_of(uint64_t timeo_ns)
{
	return timeo_ns ? xs_now_ns() + timeo_ns : 0;
}

bool xs_stream_has_conn(const struct xs_sock *s)
{
	const struct xs_tcp_sock *tp = s->tcp;

	return tp && tp->state != XS_TCP_LISTEN &&
	       (tp->state != XS_TCP_CLOSE || tp->established_ns || tp->rst_err);
}

/* The stream socket becomes the kernel's: forget the stack's half. */
static void to_kernel(struct xs_stack *st, struct xs_sock *s)
{
	if (s->tcp) {
		s->tcp->owner = NULL;
		xs_tcp_sock_free(s->tcp);
		s->tcp = NULL;
	}
	s->accelerated = false;
	(void)st;
}

int xs_stream_init(struct xs_stack *st, struct xs_sock *s)
{
	s->stream = true;
	s->tcp = xs_tcp_sock_new(&st->tcp, s->domain, xs_now_ns());
	if (!s->tcp)
		return -ENOMEM;
	s->tcp->owner = s;
	return 0;
}

/* Copies what the twin holds for the connection's IP header. */
static void ip_header_options(struct xs_sock *s, struct xs_tcp_sock *tp)
{
	tp->ttl = tp->v4 ? s->ttl : s->ttl6;
	tp->tos = tp->v4 ? s->tos : s->tclass6;
}

void xs_stream_unlisten(struct xs_stack *st, struct xs_sock *s)
{
	if (!s->stream || !s->tcp || s->tcp->state != XS_TCP_LISTEN)
		return;
	xs_sock_unsteer(st, s);
	to_kernel(st, s);
}

void xs_stream_forked(struct xs_stack *st)
{
	for (int fd = 0; fd < st->nfds; fd++) {
		struct xs_sock *s = st->fds[fd];

		if (!s || !s->stream || !s->tcp || s->tcp->state != XS_TCP_LISTEN)
			continue;
		xs_sock_unsteer(st, s);
		to_kernel(st, s);
	}
}

/* ---- listen and accept ---------------------------------------------------- */

int xs_stream_listen(struct xs_stack *st, struct xs_sock *s, int backlog)
{
	struct sockaddr_storage ss;
	socklen_t len = sizeof(ss);
	struct xs_tcp_sock *tp = s->tcp;
	uint8_t laddr[16];
	uint16_t lport;

	/* inet_listen(): only an unconnected stream socket listens (the
	 * twin of a stack connection is not connected itself) */
	if (xs_stream_has_conn(s) || s->conn_state != XS_CONN_UNCONNECTED)
		return -EINVAL;
	if (listen(s->fd, backlog))
		return -errno;
	if (!tp)
		return 0;
	if (getsockname(s->fd, (struct sockaddr *)&ss, &len))
		return 0;
	xs_sock_addr_of(&ss, laddr, &lport);
	if (tp->state != XS_TCP_LISTEN) {
		/* The twin listens for the kernel's interfaces; the stack
		 * takes the attached ones. */
		if (!xs_sock_steer_listener(st, s, laddr, lport)) {
			to_kernel(st, s);
			return 0;
		}
		memcpy(tp->laddr, laddr, 16);
		tp->lport = lport;
		tp->v6only = s->udp.v6only;
		tp->bound_ifindex = s->udp.bound_ifindex;
		tp->v4 = s->domain == AF_INET;
		tp->ttl = s->ttl;
		tp->tos = s->tos;
		s->accelerated = true;
		xs_stream_inherit_refresh(s);
	}
	return xs_tcp_listen(tp, backlog);
}

static bool accept_ready(struct xs_sock *s)
{
	return s->closing || !s->tcp || s->tcp->accept_head || s->twin_ready;
}

/* A new xsock socket for an accepted connection: its twin is a fresh,
 * unbound kernel socket (an fd number the application owns). */
static int adopt(struct xs_stack *st, struct xs_sock *l, struct xs_tcp_sock *c, int flags)
{
	struct xs_sock *s = calloc(1, sizeof(*s));
	int fd;

	if (!s)
		return -ENOMEM;
	fd = socket(l->domain, SOCK_STREAM | (flags & (SOCK_NONBLOCK | SOCK_CLOEXEC)), IPPROTO_TCP);
	if (fd < 0) {
		free(s);
		return -errno;
	}
	s->fd = fd;
	s->domain = l->domain;
	s->type = SOCK_STREAM;
	s->protocol = IPPROTO_TCP;
	s->nonblock = flags & SOCK_NONBLOCK;
	s->flow_if = -1;
	s->wait_slot = -1;
	s->stream = true;
	s->accelerated = true;
	s->conn_state = XS_CONN_CONNECTED;
	s->ttl = l->ttl;
	s->tos = l->tos;
	s->ttl6 = l->ttl6;
	s->tclass6 = l->tclass6;
	s->rcvtimeo_ns = l->rcvtimeo_ns;
	s->sndtimeo_ns = l->sndtimeo_ns;
	xs_udp_sock_init(&s->udp, l->domain);
	s->udp.v6only = l->udp.v6only;
	/* The options accept() inherits, on the twin too, so getsockopt
	 * answers as Linux would. */
	xs_stream_inherit_apply(l, fd);
	s->linger = l->linger;	/* (the twin got it from the inherited options) */
	xs_sock_bufs_inherit(st, s, l);	/* beyond the namespace's rmem_max too */
	if (xs_stack_sock_add(st, s)) {
		close(fd);
		free(s);
		return -EMFILE;
	}
	s->tcp = c;
	c->owner = s;
	st->sockets++;
	return fd;
}

int xsock_accept4(int fd, struct sockaddr *addr, socklen_t *alen, int flags)
{
	struct xs_stack *st;
	struct xs_sock *s = xs_sock_lock(fd, &st);
	int err;

	if (!s)
		return accept4(fd, addr, alen, flags);
	if (!s->tcp || s->tcp->state != XS_TCP_LISTEN ||
	    (flags & ~(SOCK_NONBLOCK | SOCK_CLOEXEC))) {
		pthread_mutex_unlock(&st->lock);
		return accept4(fd, addr, alen, flags);	/* the kernel's answer */
	}
	for (;;) {
		struct xs_tcp_sock *c;

		xs_stack_poll(st, xs_now_ns());
		c = s->tcp ? xs_tcp_accept(s->tcp) : NULL;
		if (c) {
			int nfd = adopt(st, s, c, flags);

			if (nfd < 0) {
				/* the connection waits for the next accept() */
				c->parent = s->tcp;
				c->qnext = s->tcp->accept_head;
				s->tcp->accept_head = c;
				if (!s->tcp->accept_tail)
					s->tcp->accept_tail = c;
				s->tcp->accept_len++;
				err = nfd;
				break;
			}
			if (addr && alen && (int)*alen < 0) {
				/* the kernel has accepted it when the copy fails:
				 * the connection is closed, the call says EINVAL */
				pthread_mutex_unlock(&st->lock);
				xsock_close(nfd);
				errno = EINVAL;
				return -1;
			}
			if (addr && alen) {
				struct xs_sock *ns = xs_stack_sock(st, nfd);

				xs_udp_fill_sockaddr(ns->domain, c->raddr, c->rport, addr, alen);
			}
			xs_stack_flush(st);
			pthread_mutex_unlock(&st->lock);
			return nfd;
		}
		/* A connection the kernel accepted (another interface)? */
		if (s->twin_ready || s->nonblock) {
			struct pollfd p = { .fd = s->fd, .events = POLLIN };

			s->twin_ready = false;
			if (poll(&p, 1, 0) == 1) {
				pthread_mutex_unlock(&st->lock);
				return accept4(fd, addr, alen, flags);
			}
		}
		if (s->nonblock) {
			err = -EAGAIN;
			break;
		}
		err = xs_stack_wait(st, s, accept_ready, deadline_of(s->rcvtimeo_ns));
		if (err || s->closing) {
			if (!err)
				err = -EBADF;
			break;
		}
		if (!s->tcp) {
			pthread_mutex_unlock(&st->lock);
			return accept4(fd, addr, alen, flags);
		}
	}
	pthread_mutex_unlock(&st->lock);
	errno = -err;
	return -1;
}

int xsock_accept(int fd, struct sockaddr *addr, socklen_t *len)
{
	return xsock_accept4(fd, addr, len, 0);
}

/* ---- connect -------------------------------------------------------------- */

static int port_range(int *lo, int *hi)
{
	static int cached_lo, cached_hi;
	FILE *f;

	if (!cached_lo) {
		f = fopen("/proc/sys/net/ipv4/ip_local_port_range", "re");
		if (!f || fscanf(f, "%d %d", &cached_lo, &cached_hi) != 2 || cached_lo <= 0 ||
		    cached_hi < cached_lo) {
			cached_lo = 32768;
			cached_hi = 60999;
		}
		if (f)
			fclose(f);
	}
	*lo = cached_lo;
	*hi = cached_hi;
	return 0;
}

/*
 * Binds the twin of a connecting socket to src and an ephemeral port the
 * kernel agrees is free and whose 4-tuple to raddr:rport is not held by
 * one of the stack's own TIME_WAIT connections (the kernel does not see
 * those): __inet_hash_connect()'s check, done here.  Returns the port or a
 * negative errno.
 */
static int bind_ephemeral(struct xs_stack *st, struct xs_sock *s, const uint8_t src[16],
			  const uint8_t raddr[16], uint16_t rport)
{
	struct sockaddr_storage ss;
	socklen_t len;
	int lo, hi;

	port_range(&lo, &hi);
	for (int attempt = 0; attempt < 256; attempt++) {
		uint32_t r;
		uint16_t port;

		if (getrandom(&r, sizeof(r), GRND_NONBLOCK) != sizeof(r))
			r = (uint32_t)xs_now_ns() * 2654435761u;
		port = (uint16_t)(lo + (int)(r % (uint32_t)(hi - lo + 1)));
		if (xs_tcp_lookup(&st->tcp, src, port, raddr, rport))
			continue;
		memset(&ss, 0, sizeof(ss));
		if (s->domain == AF_INET) {
			struct sockaddr_in *in = (struct sockaddr_in *)&ss;

			in->sin_family = AF_INET;
			memcpy(&in->sin_addr, src + 12, 4);
			in->sin_port = htons(port);
			len = sizeof(*in);
		} else {
			struct sockaddr_in6 *in6 = (struct sockaddr_in6 *)&ss;

			in6->sin6_family = AF_INET6;
			memcpy(&in6->sin6_addr, src, 16);
			in6->sin6_port = htons(port);
			len = sizeof(*in6);
		}
		if (bind(s->fd, (struct sockaddr *)&ss, len) == 0) {
			/* a bind the application did not make: the kernel
			 * would not fix the address (nor IPV6_V6ONLY) */
			s->twin_autobound = true;
			return port;
		}
		if (errno != EADDRINUSE)
			return -errno;
	}
	return -EADDRNOTAVAIL;
}

/* The destination of a connect(), checked as inet_stream_connect() and
 * tcp_v4_connect() / tcp_v6_connect() check it.  Returns 0, 1 for "the
 * kernel's business" (AF_UNSPEC, unusual addresses), or -errno. */
static int connect_dest(const struct xs_sock *s, const struct sockaddr *addr, socklen_t len,
			uint8_t dst[16], uint16_t *port)
{
	if (!addr || len < sizeof(sa_family_t))
		return 1;
	if (addr->sa_family == AF_UNSPEC)
		return 1;
	if (s->domain == AF_INET) {
		const struct sockaddr_in *in = (const void *)addr;

		if (len < sizeof(*in) || in->sin_family != AF_INET)
			return 1;
		xs_addr_from_ipv4(dst, in->sin_addr.s_addr);
		*port = ntohs(in->sin_port);
	} else {
		const struct sockaddr_in6 *in6 = (const void *)addr;

		if (len < sizeof(*in6) || in6->sin6_family != AF_INET6 || in6->sin6_scope_id ||
		    in6->sin6_flowinfo)
			return 1;
		memcpy(dst, &in6->sin6_addr, 16);
		*port = ntohs(in6->sin6_port);
		if (xs_addr_is_v4mapped(dst) && s->udp.v6only)
			return 1;
	}
	/* the wildcard means loopback, multicast is refused: the kernel's */
	if (xs_addr_is_zero(dst) || (xs_addr_is_v4mapped(dst) && (dst[12] >= 224 || !dst[12])) ||
	    (!xs_addr_is_v4mapped(dst) && dst[0] == 0xff) || !*port)
		return 1;
	return 0;
}

/* The neighbour's address, asking the kernel to resolve it and waiting (lock
 * released) up to the kernel's own resolution time.  0 or -EHOSTUNREACH. */
static int neighbour(struct xs_stack *st, int ifindex, int family, const uint8_t addr[16],
		     uint8_t mac[6])
{
	uint64_t until = xs_now_ns() + NEIGH_WAIT_NS;
	bool asked = false;
	int err;

	for (;;) {
		err = xs_mirror__neigh(st->mirror, ifindex, family, addr, mac);
		if (!err)
			return 0;
		if (err == -EHOSTUNREACH && asked)
			return -EHOSTUNREACH;
		if (!asked || err == -EHOSTUNREACH) {
			xs_mirror__resolve(st->mirror, ifindex, family, addr);
			asked = true;
		}
		if (xs_now_ns() >= until)
			return -EHOSTUNREACH;
		/* the helper thread applies the kernel's answer */
		pthread_mutex_unlock(&st->lock);
		usleep(1000);
		pthread_mutex_lock(&st->lock);
	}
}

static bool connect_done(struct xs_sock *s)
{
	return s->closing || !s->tcp || s->tcp->state != XS_TCP_SYN_SENT;
}

/* A fresh block for a new connect() after a failed one, with the options
 * the application set on the old. */
static int renew(struct xs_stack *st, struct xs_sock *s)
{
	struct xs_tcp_sock *old = s->tcp, *tp = xs_tcp_sock_new(&st->tcp, s->domain, xs_now_ns());

	if (!tp)
		return -ENOMEM;
	tp->nodelay = old->nodelay;
	tp->cork = old->cork;
	tp->keepalive = old->keepalive;
	tp->keepidle_s = old->keepidle_s;
	tp->keepintvl_s = old->keepintvl_s;
	tp->keepcnt = old->keepcnt;
	tp->user_timeout_ms = old->user_timeout_ms;
	tp->user_mss = old->user_mss;
	tp->oobinline = old->oobinline;
	tp->linger2_s = old->linger2_s;
	tp->syn_retries = old->syn_retries;
	tp->window_clamp = old->window_clamp;
	tp->rcvlowat = old->rcvlowat;
	tp->peek_off = old->peek_off;
	tp->sndbuf = old->sndbuf;
	tp->sndbuf_locked = old->sndbuf_locked;
	tp->rcvbuf = old->rcvbuf;
	tp->rcvbuf_locked = old->rcvbuf_locked;
	tp->cc.ops = old->cc.ops;
	tp->owner = s;
	old->owner = NULL;
	xs_tcp_sock_free(old);
	s->tcp = tp;
	return 0;
}

/* Starts the connection: route, source, neighbour, port, steering, SYN.
 * Returns 0 (SYN sent), 1 to let the kernel connect the twin, or -errno. */
static int start_connect(struct xs_stack *st, struct xs_sock *s, const struct sockaddr *addr,
			 socklen_t len)
{
	struct xs_tcp_sock *tp = s->tcp;
	struct sockaddr_storage ss;
	socklen_t sslen = sizeof(ss);
	uint8_t dst[16], laddr[16], mac[6];
	uint16_t dport, lport;
	struct xs_route rt;
	int family, i, err;

	err = connect_dest(s, addr, len, dst, &dport);
	if (err)
		return err;
	family = xs_addr_is_v4mapped(dst) ? AF_INET : AF_INET6;
	if (xs_mirror__route(st->mirror, family, dst, s->udp.bound_ifindex, &rt) ||
	    rt.type != RTN_UNICAST || !rt.has_src || (i = xs_stack_if_get(st, rt.ifindex)) < 0)
		return 1;	/* not through an attached interface */
	if (getsockname(s->fd, (struct sockaddr *)&ss, &sslen))
		return -errno;
	xs_sock_addr_of(&ss, laddr, &lport);
	if (xs_addr_is_zero(laddr))
		memcpy(laddr, rt.src, 16);
	else if (xs_addr_is_v4mapped(laddr) != (family == AF_INET))
		return 1;	/* an address of the other family: the kernel's error */
	err = neighbour(st, rt.ifindex, family, rt.nexthop, mac);
	if (err)
		return err;
	if (s->closing || s->tcp != tp)
		return -EBADF;
	if (!lport) {
		int p = bind_ephemeral(st, s, laddr, dst, dport);

		if (p < 0)
			return p;
		lport = (uint16_t)p;
	}
	memcpy(tp->laddr, laddr, 16);
	memcpy(tp->raddr, dst, 16);
	tp->lport = lport;
	tp->rport = dport;
	tp->v4 = family == AF_INET;
	tp->link = i;
	memcpy(tp->peer_mac, mac, 6);
	tp->link_mtu = st->ifs[i].ifnet.mtu;
	tp->v6only = s->udp.v6only;
	tp->bound_ifindex = s->udp.bound_ifindex;
	/* shutdown() before connect() failed with ENOTCONN but stays in
	 * force, as inet_shutdown() leaves sk_shutdown set */
	tp->shut_rd = s->udp.shut_rd;
	tp->shut_wr = s->udp.shut_wr;
	ip_header_options(s, tp);
	/* steering first, so the SYN-ACK finds its way */
	err = xs_stream_steer(st, tp);
	if (err)
		return err;
	err = xs_tcp_connect(tp, xs_now_ns());
	if (err)
		return err;
	s->name_reset = false;
	s->accelerated = true;
	xs_stack_flush(st);
	return 0;
}

/*
 * connect(AF_UNSPEC): tcp_disconnect().  A connection is aborted (an RST
 * where the peer may still be there, ECONNRESET for SO_ERROR) and the
 * socket is a fresh, unconnected one with the same options, which may
 * connect again.  A listener stops listening (the kernel's from then on).
 * Returns 0, 1 to let the kernel's connect() answer, or -errno.
 */
static int disconnect(struct xs_stack *st, struct xs_sock *s)
{
	struct xs_tcp_sock *tp = s->tcp;
	enum xs_tcp_state old = tp->state;
	bool unsent = tp->snd_una + tp->sndq.len + (tp->fin_queued ? 1u : 0u) != tp->snd_max;
	bool rst = old == XS_TCP_ESTABLISHED || old == XS_TCP_CLOSE_WAIT ||
		   old == XS_TCP_FIN_WAIT1 || old == XS_TCP_FIN_WAIT2 || old == XS_TCP_SYN_RECV ||
		   ((old == XS_TCP_CLOSING || old == XS_TCP_LAST_ACK) && unsent);
	int err;

	if (old == XS_TCP_LISTEN) {
		xs_stream_unlisten(st, s);
		return 1;
	}
	if (!xs_stream_has_conn(s) && s->conn_state == XS_CONN_UNCONNECTED)
		return 1;	/* nothing to undo: the twin answers (0) */
	if (rst)
		xs_tcp_send_rst(tp, xs_now_ns());
	err = renew(st, s);	/* frees the old block, and its steering */
	if (err)
		return err;
	s->tcp->err = rst || old == XS_TCP_SYN_SENT ? ECONNRESET : 0;
	s->conn_state = XS_CONN_UNCONNECTED;
	s->name_reset = true;
	xs_stack_flush(st);
	xs_stack_wake(st, s);
	return 0;
}

/*
 * connect(2) as inet_stream_connect() decides it.  Returns 0 connected, 1 to
 * let the kernel connect the twin (the socket is the kernel's from then on),
 * or -errno.
 */
int xs_stream_connect(struct xs_stack *st, struct xs_sock *s, const struct sockaddr *addr,
		      socklen_t len)
{
	struct xs_tcp_sock *tp = s->tcp;
	int err;

	if (tp && addr && len >= sizeof(sa_family_t) && addr->sa_family == AF_UNSPEC)
		return disconnect(st, s);
	if (!tp || tp->state == XS_TCP_LISTEN)
		return 1;
	switch (s->conn_state) {
	case XS_CONN_CONNECTED:
		return -EISCONN;
	case XS_CONN_CONNECTING:
		err = -EALREADY;
		break;
	default:
		if (tp->state != XS_TCP_CLOSE)
			return -EISCONN;
		if (tp->snd_max != tp->iss || tp->iss) {	/* used by a failed attempt */
			err = renew(st, s);
			if (err)
				return err;
			tp = s->tcp;
		}
		err = start_connect(st, s, addr, len);
		if (err == 1) {
			to_kernel(st, s);
			return 1;
		}
		if (err)
			return err;
		s->conn_state = XS_CONN_CONNECTING;
		err = -EINPROGRESS;
		break;
	}
	if (tp->state == XS_TCP_SYN_SENT || tp->state == XS_TCP_SYN_RECV) {
		int w;

		if (s->nonblock)
			return err;
		w = xs_stack_wait(st, s, connect_done, deadline_of(s->sndtimeo_ns));
		if (w == -EAGAIN)
			return err;	/* SO_SNDTIMEO ran out: still connecting */
		if (w)
			return w;	/* -EINTR: the connection goes on */
		if (s->closing || !s->tcp)
			return -EBADF;
		tp = s->tcp;
	}
	if (tp->state == XS_TCP_CLOSE) {
		/* the error goes to the caller, and the socket is
		 * disconnected (its source address forgotten) */
		err = tp->err ? tp->err : ECONNABORTED;
		tp->err = 0;
		s->conn_state = XS_CONN_UNCONNECTED;
		s->name_reset = true;
		return -err;
	}
	s->conn_state = XS_CONN_CONNECTED;
	return 0;
}

/* ---- data ----------------------------------------------------------------- */

static bool send_ready(struct xs_sock *s)
{
	struct xs_tcp_sock *tp = s->tcp;

	if (s->closing || !tp)
		return true;
	if (tp->state == XS_TCP_SYN_SENT || tp->state == XS_TCP_SYN_RECV)
		return false;
	return xs_tcp_poll(tp) & (POLLOUT | POLLERR | POLLHUP);
}

/* What wakes a reader: SO_RCVLOWAT bytes (or a nearly full buffer), as
 * tcp_data_ready() wakes it, or the end of the stream, an error. */
static bool recv_ready(struct xs_sock *s)
{
	struct xs_tcp_sock *tp = s->tcp;

	return s->closing || !tp || xs_tcp_rcv_ready(tp, tp->rcvlowat) || tp->rcv_fin ||
	       tp->err || tp->shut_rd || tp->state == XS_TCP_CLOSE;
}

/* ... and a peek with SO_PEEK_OFF: data past the offset. */
static bool peek_ready(struct xs_sock *s)
{
	struct xs_tcp_sock *tp = s->tcp;

	if (tp && tp->peek_off > 0 && tp->rcvq.len <= (uint32_t)tp->peek_off &&
	    !tp->rcv_fin && !tp->err && !tp->shut_rd && tp->state != XS_TCP_CLOSE)
		return s->closing;
	return recv_ready(s);
}

/* ... and a peek held back for its target (MSG_WAITALL, SO_RCVLOWAT). */
static bool peek_more_ready(struct xs_sock *s)
{
	struct xs_tcp_sock *tp = s->tcp;

	return s->closing || !tp || tp->rcvq.len >= s->peek_want || tp->rcv_fin || tp->err ||
	       tp->shut_rd || tp->state == XS_TCP_CLOSE;
}

static ssize_t finish(struct xs_stack *st, ssize_t r, bool sigpipe)
{
	xs_stack_flush(st);
	pthread_mutex_unlock(&st->lock);
	if (r >= 0)
		return r;
	if (r == -EPIPE && sigpipe)
		raise(SIGPIPE);	/* to this thread, as send_sig(SIGPIPE, current) */
	errno = (int)-r;
	return -1;
}

#define IOV_CHUNK 64

/* The caller's iovec from byte `done` on, at most IOV_CHUNK entries of it,
 * into local; *bytes is what they cover.  Returns the entries. */
static int iov_from(const struct msghdr *msg, size_t done, struct iovec *local, size_t *bytes)
{
	size_t skip = done;
	int n = 0;

	*bytes = 0;
	for (size_t i = 0; i < msg->msg_iovlen && n < IOV_CHUNK; i++) {
		const struct iovec *v = &msg->msg_iov[i];

		if (skip >= v->iov_len) {
			skip -= v->iov_len;
			continue;
		}
		local[n].iov_base = (uint8_t *)v->iov_base + skip;
		local[n].iov_len = v->iov_len - skip;
		*bytes += local[n++].iov_len;
		skip = 0;
	}
	return n;
}

/* A buffer the kernel could not copy: NULL with a length (the stack
 * cannot probe other bad addresses; they fault as in any library). */
static bool bad_iov(const struct msghdr *msg)
{
	if (msg->msg_iovlen && !msg->msg_iov)
		return true;
	for (size_t i = 0; i < msg->msg_iovlen; i++)
		if (!msg->msg_iov[i].iov_base && msg->msg_iov[i].iov_len)
			return true;
	return false;
}

ssize_t xs_stream_sendmsg(struct xs_stack *st, struct xs_sock *s, const struct msghdr *msg,
			  int flags)
{
	size_t total = 0, done = 0;
	uint64_t deadline = deadline_of(s->sndtimeo_ns);
	struct iovec local[IOV_CHUNK];
	ssize_t r = 0;

	if (bad_iov(msg))
		return finish(st, -EFAULT, false);
	for (size_t i = 0; i < msg->msg_iovlen; i++)
		total += msg->msg_iov[i].iov_len;
	for (;;) {
		size_t chunk;
		int n = iov_from(msg, done, local, &chunk);

		if (!s->tcp) {
			r = -EBADF;
			break;
		}
		r = xs_tcp_send(s->tcp, local, n, chunk, flags, xs_now_ns());
		if (r > 0)
			done += (size_t)r;
		if (done == total)
			return finish(st, (ssize_t)done, false);
		if (r > 0 && (size_t)r == chunk)
			continue;	/* the next IOV_CHUNK entries */
		if (r < 0 && r != -EAGAIN)
			break;
		if (s->nonblock || (flags & MSG_DONTWAIT)) {
			r = -EAGAIN;
			break;
		}
		xs_stack_flush(st);
		/* once part is sent, any signal ends the call with the count */
		r = done ? xs_stack_wait_intr(st, s, send_ready, deadline)
			 : xs_stack_wait(st, s, send_ready, deadline);
		if (r)
			break;
		if (s->closing) {
			r = -EBADF;
			break;
		}
	}
	if (done)
		return finish(st, (ssize_t)done, false);
	return finish(st, r, !(flags & MSG_NOSIGNAL));
}

ssize_t xs_stream_recvmsg(struct xs_stack *st, struct xs_sock *s, struct msghdr *msg, int flags)
{
	size_t total = 0, done = 0, target;
	uint64_t deadline = deadline_of(s->rcvtimeo_ns);
	bool peeked_again = false;
	struct iovec local[IOV_CHUNK];
	ssize_t r = 0;

	if (bad_iov(msg))
		return finish(st, -EFAULT, false);	/* and the data stays, as tcp_recvmsg() */
	for (size_t i = 0; i < msg->msg_iovlen; i++)
		total += msg->msg_iov[i].iov_len;
	/* sock_rcvlowat(): the read returns once it has this much (or at
	 * the end of the stream, an error, the timeout) */
	target = flags & MSG_WAITALL ? total : s->tcp && s->tcp->rcvlowat < total ? s->tcp->rcvlowat
										 : total;
	if (!target)
		target = 1;
	msg->msg_flags = 0;
	msg->msg_controllen = 0;
	if (msg->msg_name)
		msg->msg_namelen = 0;	/* a stream reports no source (Linux leaves it 0) */
	for (;;) {
		size_t chunk;
		int n = iov_from(msg, done, local, &chunk);

		if (!s->tcp) {
			r = -EBADF;
			break;
		}
		if (!s->tcp->rcvq.len)
			xs_stack_poll(st, xs_now_ns());
		r = xs_tcp_recv(s->tcp, local, n, chunk, flags, xs_now_ns());
		if (flags & MSG_OOB) {
			/* never waits; a zero-length buffer gets MSG_TRUNC */
			if (r >= 0)
				msg->msg_flags |= MSG_OOB | (r == 0 && !total ? MSG_TRUNC : 0);
			done = r > 0 ? (size_t)r : 0;
			break;
		}
		if (r > 0 && (flags & MSG_PEEK)) {
			struct xs_tcp_sock *tp = s->tcp;
			uint32_t off = tp->peek_off > 0 ? (uint32_t)tp->peek_off - (uint32_t)r : 0;

			done = (size_t)r;
			s->peek_want = off + (uint32_t)target;
			if (done >= target || done == chunk || s->nonblock || (flags & MSG_DONTWAIT) ||
			    xs_tcp_at_mark(tp) || peek_more_ready(s) || peeked_again)
				break;
			/* tcp_recvmsg() holds a peek back for its target too
			 * (MSG_WAITALL, SO_RCVLOWAT): wait for the rest, then
			 * peek again from where this one began */
			if (tp->peek_off >= 0)
				tp->peek_off -= (int32_t)r;
			done = 0;
			if (xs_stack_wait(st, s, peek_more_ready, deadline))
				peeked_again = true;	/* timeout, signal: what is there */
			if (!s->tcp) {
				r = -EBADF;
				break;
			}
			continue;
		}
		if (r > 0) {
			done += (size_t)r;
			/* even MSG_WAITALL stops at the urgent mark */
			if (done == total || xs_tcp_at_mark(s->tcp) ||
			    ((size_t)r < chunk && done >= target))
				break;
			continue;
		}
		if (r == 0 || (r < 0 && r != -EAGAIN))
			break;
		/* a zero-length read waits like any other (tcp_recvmsg()'s
		 * target is one byte), then returns 0 */
		if (s->nonblock || (flags & MSG_DONTWAIT)) {
			break;
		}
		/* once part is read (MSG_WAITALL), any signal ends the call */
		r = done ? xs_stack_wait_intr(st, s, flags & MSG_PEEK ? peek_ready : recv_ready, deadline)
			 : xs_stack_wait(st, s, flags & MSG_PEEK ? peek_ready : recv_ready, deadline);
		if (r)
			break;
		if (s->closing) {
			r = -EBADF;
			break;
		}
	}
	if (done)
		return finish(st, (ssize_t)done, false);
	return finish(st, r, false);
}

/* ---- the rest ------------------------------------------------------------- */

int xs_stream_shutdown(struct xs_stack *st, struct xs_sock *s, int how)
{
	int err;

	if (how < SHUT_RD || how > SHUT_RDWR)
		return -EINVAL;
	/* inet_shutdown(): a connect in progress is disconnected (ECONNRESET
	 * for SO_ERROR, and the socket may connect again) */
	if (s->tcp->state == XS_TCP_SYN_SENT) {
		err = disconnect(st, s);
		return err > 0 ? 0 : err;
	}
	err = xs_tcp_shutdown(s->tcp, how, xs_now_ns());
	xs_stack_flush(st);
	xs_stack_wake(st, s);
	return err;
}

static bool fin_acked(struct xs_sock *s)
{
	struct xs_tcp_sock *tp = s->tcp;

	return !tp || (tp->fin_sent && tp->snd_una == tp->snd_max) || tp->state == XS_TCP_CLOSE;
}

void xs_stream_close(struct xs_stack *st, struct xs_sock *s)
{
	struct xs_tcp_sock *tp = s->tcp;
	struct linger lg = s->linger;

	free(s->inherit);
	s->inherit = NULL;
	if (!tp)
		return;
	/* SO_LINGER with a time: a blocking close() waits, up to that time,
	 * until what was written and the FIN are acknowledged
	 * (sk_stream_wait_close()); the connection then goes on as after
	 * any close.  Unread data still means a reset, at once. */
	if (lg.l_onoff && lg.l_linger > 0 && !s->nonblock && !tp->rcvq.len &&
	    (tp->state == XS_TCP_ESTABLISHED || tp->state == XS_TCP_CLOSE_WAIT)) {
		xs_tcp_shutdown(tp, SHUT_WR, xs_now_ns());
		xs_stack_flush(st);
		xs_stack_wait(st, s, fin_acked, xs_now_ns() + (uint64_t)lg.l_linger * 1000000000u);
		tp = s->tcp;
		if (!tp)
			return;
	}
	s->tcp = NULL;
	tp->owner = NULL;
	xs_tcp_close(tp, lg.l_onoff && lg.l_linger == 0, xs_now_ns());
	xs_stack_flush(st);
}

/* getsockname/getpeername for a stack connection; 1: the twin answers. */
int xs_stream_name(struct xs_sock *s, bool peer, struct sockaddr *addr, socklen_t *len)
{
	struct xs_tcp_sock *tp = s->tcp;

	if (!peer && s->name_reset && s->twin_autobound && s->conn_state == XS_CONN_UNCONNECTED) {
		/* the port the twin keeps, no address (the kernel's
		 * disconnect forgot the source address it picked) */
		struct sockaddr_storage ss;
		socklen_t sl = sizeof(ss);
		uint8_t a[16], zero[16] = { 0 };
		uint16_t port;

		if (getsockname(s->fd, (struct sockaddr *)&ss, &sl))
			return 1;
		if (!addr || !len)
			return -EFAULT;
		if ((int)*len < 0)
			return -EINVAL;
		xs_sock_addr_of(&ss, a, &port);
		if (s->domain == AF_INET)
			xs_addr_from_ipv4(zero, 0);
		xs_udp_fill_sockaddr(s->domain, zero, port, addr, len);
		return 0;
	}
	if (!xs_stream_has_conn(s))
		return 1;
	if (!addr || !len)
		return -EFAULT;
	if ((int)*len < 0)
		return -EINVAL;
	if (peer) {
		/* (in TIME_WAIT Linux's socket is CLOSE: a timewait sock
		 * took the connection over) */
		if (tp->state == XS_TCP_SYN_SENT || tp->state == XS_TCP_CLOSE ||
		    tp->state == XS_TCP_TIME_WAIT)
			return -ENOTCONN;
		xs_udp_fill_sockaddr(s->domain, tp->raddr, tp->rport, addr, len);
	} else {
		xs_udp_fill_sockaddr(s->domain, tp->laddr, tp->lport, addr, len);
	}
	return 0;
}

short xs_stream_revents(struct xs_sock *s, short events, bool *twin_too)
{
	struct xs_tcp_sock *tp = s->tcp;

	*twin_too = true;
	if (!tp)
		return 0;
	if (tp->state == XS_TCP_LISTEN)
		return tp->accept_head ? (short)(events & (POLLIN | POLLRDNORM)) : 0;
	if (!xs_stream_has_conn(s) && tp->state == XS_TCP_CLOSE)
		return tp->err ? POLLERR : 0;	/* a disconnect's ECONNRESET */
	*twin_too = false;
	return (short)(xs_tcp_poll(tp) & ((unsigned int)events | POLLERR | POLLHUP));
}
