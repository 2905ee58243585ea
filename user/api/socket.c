// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * Socket lifetime calls: socket, bind, connect, getsockname, getpeername,
 * shutdown, close, and the steering that follows a socket's address.
 *
 * Each xsock socket is a kernel socket (the twin) plus stack state.  The
 * kernel checks the arguments and keeps the port: bind and connect run on
 * the twin first, so errno, EADDRINUSE, SO_REUSEADDR and ephemeral ports
 * are exactly the kernel's; the stack then reads the address the kernel
 * settled on and steers it.  Steering is set up in this order, so the first
 * steered datagram finds its socket: AF_XDP device open (its sockets are in
 * the XSKMAP), socket in the table, then the rule.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <netinet/in.h>

#include "api/calls.h"
#include "api/stream.h"
#include "api/warn.h"
#include "xsock/xsock.h"

void xs_sock_addr_of(const struct sockaddr_storage *ss, uint8_t addr[16], uint16_t *port)
{
	if (ss->ss_family == AF_INET) {
		const struct sockaddr_in *in = (const struct sockaddr_in *)ss;

		if (in->sin_addr.s_addr == htonl(INADDR_ANY))
			memset(addr, 0, 16);
		else
			xs_addr_from_ipv4(addr, in->sin_addr.s_addr);
		*port = ntohs(in->sin_port);
	} else {
		const struct sockaddr_in6 *in6 = (const struct sockaddr_in6 *)ss;
		static const uint8_t mapped_any[16] = { [10] = 0xff, [11] = 0xff };

		memcpy(addr, &in6->sin6_addr, 16);
		/* ::ffff:0.0.0.0 is the IPv4 wildcard. */
		if (!memcmp(addr, mapped_any, 16))
			memset(addr, 0, 16);
		*port = ntohs(in6->sin6_port);
	}
}

/* The listener key for the twin's local address, as steering sees it. */
static void listen_key_of(const struct xs_sock *s, const uint8_t laddr[16], uint16_t lport,
			  struct xs_listen_key *k)
{
	uint8_t family;

	if (s->domain == AF_INET || xs_addr_is_v4mapped(laddr))
		family = XS_FAMILY_IPV4;
	else if (xs_addr_is_zero(laddr) && !s->udp.v6only)
		family = XS_FAMILY_ANY;
	else
		family = XS_FAMILY_IPV6;
	xs_listen_key_init(k, (uint8_t)s->protocol, family, laddr, lport);
}

struct each_if_ctx {
	struct xs_stack *st;
	uint32_t mask;
};

static int open_attached(const char *ifname, void *arg)
{
	struct each_if_ctx *c = arg;
	struct xs_link_info link;
	int i;

	if (xs_mirror__link_by_name(c->st->mirror, ifname, &link))
		return 0;
	i = xs_stack_if_get(c->st, link.ifindex);
	if (i >= 0)
		c->mask |= 1u << i;
	return 0;
}

/* Interfaces a socket bound to laddr receives on: the one owning the
 * address, or every attached one for a wildcard. */
static uint32_t ifs_for_local(struct xs_stack *st, int family, const uint8_t laddr[16])
{
	struct each_if_ctx c = { .st = st };
	int owner, i;

	if (xs_addr_is_zero(laddr)) {
		xs_ctl_for_each_iface(open_attached, &c);
		return c.mask;
	}
	owner = xs_mirror__addr_owner(st->mirror, xs_addr_is_v4mapped(laddr) ? AF_INET : family,
				      laddr);
	if (owner < 0)
		return 0;
	i = xs_stack_if_get(st, owner);
	return i >= 0 ? 1u << i : 0;
}

static struct xs_rule_ref *rule_find(struct xs_stack *st, int if_idx,
				     const struct xs_listen_key *k)
{
	for (int i = 0; i < st->nrules; i++)
		if (st->rules[i].if_idx == if_idx && !memcmp(&st->rules[i].key, k, sizeof(*k)))
			return &st->rules[i];
	return NULL;
}

/* Takes a reference on our listener rule for k on interface if_idx,
 * installing it on first use.  -EEXIST: someone else's (an administrator's
 * static rule) already steers it; it is not ours to count or remove. */
static int rule_get(struct xs_stack *st, int if_idx, const struct xs_listen_key *k)
{
	struct xs_rule_ref *r = rule_find(st, if_idx, k);
	int err;

	if (r) {
		r->refs++;
		return 0;
	}
	if (st->nrules == st->rules_cap) {
		int cap = st->rules_cap ? st->rules_cap * 2 : 16;
		struct xs_rule_ref *n = realloc(st->rules, (size_t)cap * sizeof(*n));

		if (!n)
			return -ENOMEM;
		st->rules = n;
		st->rules_cap = cap;
	}
	err = xs_ctl_listener_add(&st->ifs[if_idx].ctl, k, &st->ifs[if_idx].owner);
	if (err) {
		if (err != -EEXIST)
			xs_warn("%s: cannot add a listener rule for port %u (%s): its traffic stays "
				"the kernel's", st->ifs[if_idx].ifnet.name, ntohs(k->port), strerror(-err));
		return err;
	}
	st->rules[st->nrules++] = (struct xs_rule_ref){ .key = *k, .if_idx = if_idx, .refs = 1 };
	return 0;
}

static void rule_put(struct xs_stack *st, int if_idx, const struct xs_listen_key *k)
{
	struct xs_rule_ref *r = rule_find(st, if_idx, k);

	if (!r || --r->refs)
		return;
	xs_ctl_listener_del(&st->ifs[if_idx].ctl, k);
	*r = st->rules[--st->nrules];
}

void xs_sock_unsteer(struct xs_stack *st, struct xs_sock *s)
{
	for (int i = 0; i < st->nifs; i++)
		if (s->listen_ifmask & (1u << i))
			rule_put(st, i, &s->lkey);
	s->listen_ifmask = 0;
	if (s->flow_if >= 0)
		xs_ctl_flow_del(&st->ifs[s->flow_if].ctl, &s->fkey);
	s->flow_if = -1;
	xs_udp_table_remove(&st->udp, &s->udp);
	s->accelerated = false;
}

uint32_t xs_sock_steer_listener(struct xs_stack *st, struct xs_sock *s, const uint8_t laddr[16],
				uint16_t lport)
{
	uint32_t mask = ifs_for_local(st, s->domain, laddr);
	int err;

	listen_key_of(s, laddr, lport, &s->lkey);
	for (int i = 0; i < st->nifs; i++) {
		if (!(mask & (1u << i)))
			continue;
		err = rule_get(st, i, &s->lkey);
		if (err == 0)
			s->listen_ifmask |= 1u << i;
		else if (err != -EEXIST)	/* EEXIST: a static rule steers it already */
			mask &= ~(1u << i);
	}
	return mask;
}

/* Re-reads the twin's addresses and steers them: a listener rule for a
 * bound socket, a 5-tuple rule for a connected one.  Make before break:
 * the new rule is in the map before the old one goes, so a datagram that
 * arrives meanwhile (a burst from the peer a UDP server connect()s to on
 * its first datagram) still reaches the stack, rather than finding no
 * rule and passing to the kernel, where the twin would hand it over out
 * of order.  Lock held. */
static void resteer(struct xs_stack *st, struct xs_sock *s)
{
	struct sockaddr_storage ss;
	socklen_t len = sizeof(ss);
	uint8_t laddr[16], raddr[16];
	uint16_t lport, rport = 0;
	bool connected = false;
	uint32_t mask;
	/* the rules to release at the end (listener rules are counted, so
	 * taking the same one again first keeps it) */
	uint32_t old_mask = s->listen_ifmask;
	struct xs_listen_key old_lkey = s->lkey;
	int old_flow_if = s->flow_if;
	struct xs_flow_key old_fkey = s->fkey;

	s->listen_ifmask = 0;
	s->flow_if = -1;
	xs_udp_table_remove(&st->udp, &s->udp);
	s->accelerated = false;
	s->route_cache.gen = 0;	/* the source address may change */
	if (getsockname(s->fd, (struct sockaddr *)&ss, &len))
		goto out;
	xs_sock_addr_of(&ss, laddr, &lport);
	if (!lport)
		goto out;
	len = sizeof(ss);
	if (getpeername(s->fd, (struct sockaddr *)&ss, &len) == 0) {
		xs_sock_addr_of(&ss, raddr, &rport);
		connected = true;
	}
	memcpy(s->udp.laddr, laddr, 16);
	s->udp.lport = lport;
	s->udp.connected = connected;
	if (connected) {
		memcpy(s->udp.raddr, raddr, 16);
		s->udp.rport = rport;
	}
	xs_udp_table_insert(&st->udp, &s->udp);

	if (connected) {
		struct xs_route rt;
		int fam = xs_addr_is_v4mapped(raddr) ? AF_INET : AF_INET6, i;

		if (xs_mirror__route(st->mirror, fam, raddr, s->udp.bound_ifindex, &rt) == 0 &&
		    (i = xs_stack_if_get(st, rt.ifindex)) >= 0) {
			const uint8_t *src = xs_addr_is_zero(laddr) ? rt.src : laddr;

			xs_flow_key_init(&s->fkey, IPPROTO_UDP,
					 fam == AF_INET ? XS_FAMILY_IPV4 : XS_FAMILY_IPV6,
					 src, lport, raddr, rport);
			if (i == old_flow_if && !memcmp(&s->fkey, &old_fkey, sizeof(old_fkey))) {
				s->flow_if = i;	/* the same peer again: keep the rule */
				old_flow_if = -1;
			} else {
				int err = xs_ctl_flow_add(&st->ifs[i].ctl, &s->fkey, &st->ifs[i].owner);

				if (err == 0)
					s->flow_if = i;
				else if (err != -EEXIST)
					xs_warn("%s: cannot add a flow rule for port %u (%s): the "
						"socket stays the kernel's", st->ifs[i].ifnet.name,
						lport, strerror(-err));
			}
		}
		s->accelerated = s->flow_if >= 0;
		goto out;
	}
	mask = xs_sock_steer_listener(st, s, laddr, lport);
	s->accelerated = mask != 0;
	if (!s->accelerated)
		xs_udp_table_remove(&st->udp, &s->udp);
out:
	for (int i = 0; i < st->nifs; i++)
		if (old_mask & (1u << i))
			rule_put(st, i, &old_lkey);
	if (old_flow_if >= 0)
		xs_ctl_flow_del(&st->ifs[old_flow_if].ctl, &old_fkey);
}

int xs_sock_autobind(struct xs_stack *st, struct xs_sock *s)
{
	struct sockaddr_storage ss;
	socklen_t len = sizeof(ss);
	uint8_t laddr[16];
	uint16_t lport;

	if (getsockname(s->fd, (struct sockaddr *)&ss, &len))
		return -errno;
	xs_sock_addr_of(&ss, laddr, &lport);
	if (!lport) {
		memset(&ss, 0, sizeof(ss));
		ss.ss_family = (sa_family_t)s->domain;
		len = s->domain == AF_INET ? sizeof(struct sockaddr_in) : sizeof(struct sockaddr_in6);
		if (bind(s->fd, (struct sockaddr *)&ss, len))
			return -errno;
	}
	resteer(st, s);
	return 0;
}

int xsock_socket(int domain, int type, int protocol)
{
	int base = type & ~(SOCK_NONBLOCK | SOCK_CLOEXEC);
	struct xs_stack *st;
	struct xs_sock *s;
	int fd;

	fd = socket(domain, type, protocol);
	if (fd < 0)
		return -1;
	if ((domain != AF_INET && domain != AF_INET6) ||
	    !((base == SOCK_DGRAM && (protocol == 0 || protocol == IPPROTO_UDP)) ||
	      (base == SOCK_STREAM && (protocol == 0 || protocol == IPPROTO_TCP))))
		return fd;	/* not served by xsock: a kernel socket */
	st = xs_stack_get();
	if (!st)
		return fd;
	s = calloc(1, sizeof(*s));
	if (!s)
		return fd;
	s->fd = fd;
	s->domain = domain;
	s->type = base;
	s->protocol = protocol ? protocol : base == SOCK_STREAM ? IPPROTO_TCP : IPPROTO_UDP;
	s->nonblock = type & SOCK_NONBLOCK;
	s->flow_if = -1;
	s->wait_slot = -1;
	xs_udp_sock_init(&s->udp, domain);
	xs_sock_read_ip_options(s);
	pthread_mutex_lock(&st->lock);
	xs_sock_bufs_init(st, s);
	if ((base == SOCK_STREAM && xs_stream_init(st, s)) || xs_stack_sock_add(st, s)) {
		if (s->tcp)
			xs_tcp_sock_free(s->tcp);
		pthread_mutex_unlock(&st->lock);
		free(s);
		return fd;
	}
	pthread_mutex_unlock(&st->lock);
	return fd;
}

/* After bind or connect succeeded on the twin: steer what the kernel
 * settled on. */
static int resteer_fd(int fd)
{
	struct xs_stack *st;
	struct xs_sock *s = xs_sock_lock(fd, &st);

	if (s) {
		if (!s->stream)	/* streams steer at listen() and connect() */
			resteer(st, s);
		pthread_mutex_unlock(&st->lock);
	}
	return 0;
}

int xsock_bind(int fd, const struct sockaddr *addr, socklen_t len)
{
	return bind(fd, addr, len) ? -1 : resteer_fd(fd);
}

int xsock_connect(int fd, const struct sockaddr *addr, socklen_t len)
{
	struct xs_stack *st;
	struct xs_sock *s = xs_sock_lock(fd, &st);
	int r;

	if (s && s->stream) {
		r = xs_stream_connect(st, s, addr, len);
		pthread_mutex_unlock(&st->lock);
		if (r == 1)
			return connect(fd, addr, len);
		if (r < 0) {
			errno = -r;
			return -1;
		}
		return 0;
	}
	if (s)
		pthread_mutex_unlock(&st->lock);
	return connect(fd, addr, len) ? -1 : resteer_fd(fd);
}

int xsock_listen(int fd, int backlog)
{
	struct xs_stack *st;
	struct xs_sock *s = xs_sock_lock(fd, &st);
	int r;

	if (!s)
		return listen(fd, backlog);
	if (!s->stream) {
		pthread_mutex_unlock(&st->lock);
		return listen(fd, backlog);	/* EOPNOTSUPP for datagrams */
	}
	r = xs_stream_listen(st, s, backlog);
	pthread_mutex_unlock(&st->lock);
	if (r < 0) {
		errno = -r;
		return -1;
	}
	return 0;
}

static int sock_name(int fd, bool peer, struct sockaddr *addr, socklen_t *len)
{
	struct xs_stack *st;
	struct xs_sock *s = xs_sock_lock(fd, &st);
	int r = 1;

	if (s) {
		if (s->stream)
			r = xs_stream_name(s, peer, addr, len);
		pthread_mutex_unlock(&st->lock);
	}
	if (r == 1)
		return peer ? getpeername(fd, addr, len) : getsockname(fd, addr, len);
	if (r < 0) {
		errno = -r;
		return -1;
	}
	return 0;
}

int xsock_getsockname(int fd, struct sockaddr *addr, socklen_t *len)
{
	return sock_name(fd, false, addr, len);
}

int xsock_getpeername(int fd, struct sockaddr *addr, socklen_t *len)
{
	return sock_name(fd, true, addr, len);
}

int xsock_shutdown(int fd, int how)
{
	struct xs_stack *st;
	struct xs_sock *s = xs_sock_lock(fd, &st);
	int r, err;

	if (s && s->stream && xs_stream_has_conn(s)) {
		r = xs_stream_shutdown(st, s, how);

		pthread_mutex_unlock(&st->lock);
		if (r < 0) {
			errno = -r;
			return -1;
		}
		return 0;
	}
	if (s && s->stream && s->tcp && s->tcp->state == XS_TCP_LISTEN &&
	    (how == SHUT_RD || how == SHUT_RDWR)) {
		/* inet_shutdown(): a listener shut for reading stops listening */
		pthread_mutex_unlock(&st->lock);
		if (shutdown(fd, how))
			return -1;
		s = xs_sock_lock(fd, &st);
		if (s) {
			xs_stream_unlisten(st, s);
			pthread_mutex_unlock(&st->lock);
		}
		return 0;
	}
	if (s)
		pthread_mutex_unlock(&st->lock);
	/* inet_shutdown(): an unconnected socket answers ENOTCONN, yet the
	 * shutdown takes effect (and lasts through a later connect()), and
	 * it wakes the socket's waiters ("to wake up other listeners"): a
	 * blocked recv returns 0 */
	r = shutdown(fd, how);
	err = errno;
	if (r && err != ENOTCONN)
		return -1;
	s = xs_sock_lock(fd, &st);
	if (s) {
		if (how == SHUT_RD || how == SHUT_RDWR)
			s->udp.shut_rd = true;
		if (how == SHUT_WR || how == SHUT_RDWR)
			s->udp.shut_wr = true;
		xs_stack_wake(st, s);
		pthread_mutex_unlock(&st->lock);
	}
	errno = err;
	return r ? -1 : 0;
}

void xs_sock_release(struct xs_stack *st, struct xs_sock *s)
{
	xs_sock_unsteer(st, s);
	xs_stack_sock_del(st, s);
	s->closing = true;
	if (s->stream)
		xs_stream_close(st, s);
	xs_udp_sock_purge(&s->udp);
	free(s);
}

/*
 * close(2) of a socket another thread is blocked on (recv, accept,
 * connect, send) does not wake that thread: the blocked call holds the
 * file, the socket lives on -- bound, steered, receiving -- and the call
 * returns when its data, connection or timeout comes, after which the
 * socket goes (measured on Linux 6.18; tests/conformance, area
 * "blocking").  So does an xsock socket: the fd number is freed at once,
 * the twin lives on under a descriptor of our own, and the helper thread
 * finishes the close when the last waiter has left (reap_orphans()).
 * Lock held; returns false if s was not kept (it had no waiters, or no
 * descriptor was left for the twin).
 */
static bool keep_for_waiters(struct xs_stack *st, struct xs_sock *s)
{
	int keep;

	if (!s->waiters)
		return false;
	/* Out of the way of the numbers the application gets next. */
	keep = fcntl(s->fd, F_DUPFD_CLOEXEC, st->nfds > 2048 ? st->nfds - 1024 : st->nfds / 2);
	if (keep < 0)
		keep = fcntl(s->fd, F_DUPFD_CLOEXEC, 0);
	if (keep < 0)
		return false;
	xs_stack_sock_del(st, s);
	s->fd = keep;
	s->orphaned = true;
	s->orphan_next = st->orphans;
	st->orphans = s;
	/* The waiters sleep again, interruptible by any handler: a signal
	 * now would restart the kernel's call, which then finds the fd
	 * closed (EBADF), or end it (EINTR) -- wait_common() */
	xs_stack_wake(st, s);
	return true;
}

int xsock_close(int fd)
{
	struct xs_stack *st = xs_stack_peek();
	struct xs_sock *s = NULL;

	if (st) {
		pthread_mutex_lock(&st->lock);
		s = xs_stack_sock(st, fd);
		if (s && !keep_for_waiters(st, s)) {
			if (s->waiters) {
				/* no descriptor for the twin: the waiters leave, EBADF */
				xs_sock_unsteer(st, s);
				xs_stack_sock_del(st, s);
				s->closing = true;
				xs_stack_wake(st, s);
				s->orphan_next = st->orphans;
				st->orphans = s;
				s = NULL;
			} else {
				xs_sock_release(st, s);
			}
		}
		pthread_mutex_unlock(&st->lock);
	}
	return close(fd);
}

int xsock_is_accelerated(int fd)
{
	struct xs_stack *st;
	struct xs_sock *s = xs_sock_lock(fd, &st);
	int r;

	if (!s)
		return 0;
	r = s->accelerated ? 2 : 1;
	pthread_mutex_unlock(&st->lock);
	return r;
}
