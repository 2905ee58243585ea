// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * getsockopt, setsockopt, fcntl and ioctl.  Options live on the kernel
 * twin, which validates them and answers exactly as Linux; the stack keeps
 * a copy of the ones its data path obeys (receive buffer, timeouts,
 * non-blocking mode, bound device) and answers the queries about data it
 * holds (FIONREAD).
 */
#include <errno.h>
#include <stdarg.h>
#include <string.h>
#include <fcntl.h>
#include <unistd.h>
#include <sys/ioctl.h>
#include <linux/sockios.h>
#include <time.h>
#include <net/if.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <netinet/udp.h>

#include "api/calls.h"
#include "api/stream.h"
#include "api/warn.h"
#include "sock/sockbuf.h"
#include "xsock/xsock.h"

static uint64_t timeval_ns(const struct timeval *tv)
{
	return (uint64_t)tv->tv_sec * 1000000000u + (uint64_t)tv->tv_usec * 1000u;
}

static int twin_int(int fd, int level, int name, int dflt)
{
	socklen_t len = sizeof(int);
	int v;

	return getsockopt(fd, level, name, &v, &len) ? dflt : v;
}

/* Which control messages recvmsg must deliver, as the twin records them. */
static void read_cmsg_flags(struct xs_sock *s)
{
	uint32_t f = 0;

	if (twin_int(s->fd, SOL_SOCKET, SO_TIMESTAMPNS_OLD, 0))
		f |= XS_CMSG_TIMESTAMPNS;
	else if (twin_int(s->fd, SOL_SOCKET, SO_TIMESTAMP_OLD, 0))
		f |= XS_CMSG_TIMESTAMP;
	if (twin_int(s->fd, IPPROTO_IP, IP_PKTINFO, 0))
		f |= XS_CMSG_PKTINFO;
	if (twin_int(s->fd, IPPROTO_IP, IP_RECVTTL, 0))
		f |= XS_CMSG_TTL;
	if (twin_int(s->fd, IPPROTO_IP, IP_RECVTOS, 0))
		f |= XS_CMSG_TOS;
	if (twin_int(s->fd, IPPROTO_IP, IP_RECVORIGDSTADDR, 0))
		f |= XS_CMSG_ORIGDST;
	if (s->domain == AF_INET6) {
		if (twin_int(s->fd, IPPROTO_IPV6, IPV6_RECVPKTINFO, 0))
			f |= XS_CMSG_PKTINFO6;
		if (twin_int(s->fd, IPPROTO_IPV6, IPV6_RECVHOPLIMIT, 0))
			f |= XS_CMSG_HOPLIMIT6;
		if (twin_int(s->fd, IPPROTO_IPV6, IPV6_RECVTCLASS, 0))
			f |= XS_CMSG_TCLASS6;
		if (twin_int(s->fd, IPPROTO_IPV6, IPV6_RECVORIGDSTADDR, 0))
			f |= XS_CMSG_ORIGDST6;
	}
	s->udp.cmsg_flags = f;
}

void xs_sock_read_ip_options(struct xs_sock *s)
{
	int hops;

	if (s->domain == AF_INET6) {
		/* -1 means "the interface's hop limit", 64 unless configured. */
		hops = twin_int(s->fd, IPPROTO_IPV6, IPV6_UNICAST_HOPS, -1);
		s->ttl6 = (uint8_t)(hops < 0 ? 64 : hops);
		s->tclass6 = (uint8_t)twin_int(s->fd, IPPROTO_IPV6, IPV6_TCLASS, 0);
		/* (a twin connect() bound reads 1: that bind is not the
		 * application's, and the value is fixed from then on) */
		if (!s->twin_autobound)
			s->udp.v6only = twin_int(s->fd, IPPROTO_IPV6, IPV6_V6ONLY, 0);
	}
	/* IPv4 settings also apply to IPv4 traffic of dual-stack sockets. */
	s->ttl = (uint8_t)twin_int(s->fd, IPPROTO_IP, IP_TTL, 64);
	s->tos = (uint8_t)twin_int(s->fd, IPPROTO_IP, IP_TOS, 0);
	s->pmtudisc = twin_int(s->fd, IPPROTO_IP, IP_MTU_DISCOVER, IP_PMTUDISC_WANT);
	s->dontfrag6 = s->domain == AF_INET6 && twin_int(s->fd, IPPROTO_IPV6, IPV6_DONTFRAG, 0);
	s->udp_cork = twin_int(s->fd, IPPROTO_UDP, UDP_CORK, 0);
	read_cmsg_flags(s);
}

/*
 * The twin holds the buffer sizes the stack decided, so the kernel's own
 * paths (datagrams it delivers to the twin, sends that go through it)
 * obey them and getsockopt reads them back.  Plain SO_RCVBUF/SO_SNDBUF
 * set a size within the namespace's rmem_max/wmem_max; beyond it takes
 * SO_*BUFFORCE, and without CAP_NET_ADMIN (or for an odd size, which
 * setsockopt cannot make) the twin keeps its own and the stack answers
 * getsockopt itself (bufs_own).  Lock held.
 */
static void twin_bufs_sync(struct xs_stack *st, struct xs_sock *s)
{
	static const struct { int set, force; } opt[2] = {
		{ SO_RCVBUF, SO_RCVBUFFORCE }, { SO_SNDBUF, SO_SNDBUFFORCE },
	};
	const int want[2] = { s->rcvbuf, s->sndbuf };
	int why = 0;	/* an errno, or -1: the size cannot be set exactly */

	for (int i = 0; i < 2; i++) {
		int half = want[i] / 2;

		if (twin_int(s->fd, SOL_SOCKET, opt[i].set, -1) == want[i])
			continue;
		if (!setsockopt(s->fd, SOL_SOCKET, opt[i].set, &half, sizeof(half)) &&
		    twin_int(s->fd, SOL_SOCKET, opt[i].set, -1) == want[i])
			continue;
		if (setsockopt(s->fd, SOL_SOCKET, opt[i].force, &half, sizeof(half)))
			why = errno;
		else if (twin_int(s->fd, SOL_SOCKET, opt[i].set, -1) != want[i])
			why = why ? why : -1;
		else
			s->bufs_forced = true;
	}
	if (why > 0 && !st->warned_bufs) {
		st->warned_bufs = true;
		xs_warn("fd %d: SO_RCVBUF %d / SO_SNDBUF %d exceed the namespace's rmem_max/wmem_max "
			"and the kernel refuses SO_*BUFFORCE (%s): getsockopt and the stack use them, "
			"the kernel twins keep their own", s->fd, s->rcvbuf, s->sndbuf, strerror(why));
	}
	s->bufs_own = why != 0;
}

void xs_sock_bufs_init(struct xs_stack *st, struct xs_sock *s)
{
	const struct xs_config *cfg = xs_stack_config(st);

	s->rcvbuf = twin_int(s->fd, SOL_SOCKET, SO_RCVBUF, 0);
	s->sndbuf = twin_int(s->fd, SOL_SOCKET, SO_SNDBUF, 0);
	if (cfg && s->type == SOCK_DGRAM &&
	    (s->rcvbuf != cfg->rmem_default || s->sndbuf != cfg->wmem_default)) {
		s->rcvbuf = cfg->rmem_default;
		s->sndbuf = cfg->wmem_default;
		twin_bufs_sync(st, s);
	}
	s->udp.rcvbuf = (uint32_t)s->rcvbuf;
}

void xs_sock_bufs_inherit(struct xs_stack *st, struct xs_sock *s, const struct xs_sock *l)
{
	s->rcvbuf = l->rcvbuf;
	s->sndbuf = l->sndbuf;
	s->udp.rcvbuf = (uint32_t)s->rcvbuf;
	/* Sizes within the namespace's caps reached the new twin with the
	 * listener's other options (xs_stream_inherit_apply()): accept()
	 * stays free of extra system calls then. */
	if (l->bufs_own || l->bufs_forced)
		twin_bufs_sync(st, s);
}

/* SO_RCVBUF, SO_SNDBUF and their FORCE forms, after the twin accepted
 * them (so optlen, the value's address and CAP_NET_ADMIN were checked as
 * the kernel checks them): the size the config map's caps give. */
static void set_buf(struct xs_stack *st, struct xs_sock *s, int name, const void *val)
{
	const struct xs_config *cfg = xs_stack_config(st);
	int v;

	if (!cfg) {	/* no config map: the kernel's limits, as the twin applied them */
		s->rcvbuf = twin_int(s->fd, SOL_SOCKET, SO_RCVBUF, s->rcvbuf);
		s->sndbuf = twin_int(s->fd, SOL_SOCKET, SO_SNDBUF, s->sndbuf);
		s->bufs_own = false;
	} else {
		memcpy(&v, val, sizeof(v));
		if (name == SO_RCVBUF || name == SO_RCVBUFFORCE)
			s->rcvbuf = xs_sockbuf_size(v, cfg->rmem_max, st->min_rcvbuf,
						    name == SO_RCVBUFFORCE);
		else
			s->sndbuf = xs_sockbuf_size(v, cfg->wmem_max, st->min_sndbuf,
						    name == SO_SNDBUFFORCE);
		twin_bufs_sync(st, s);
	}
	s->udp.rcvbuf = (uint32_t)s->rcvbuf;
}

/* After the kernel accepted an option: what the stack must follow. */
static void mirror_option(struct xs_stack *st, struct xs_sock *s, int level, int name,
			  const void *val)
{
	socklen_t len;

	if (level == IPPROTO_IP || level == IPPROTO_IPV6 || level == IPPROTO_UDP) {
		xs_sock_read_ip_options(s);
		return;
	}
	if (level != SOL_SOCKET)
		return;
	switch (name) {
	case SO_PEEK_OFF:
		s->udp.peek_off = twin_int(s->fd, SOL_SOCKET, SO_PEEK_OFF, -1);
		break;
	case SO_LINGER:
		len = sizeof(s->linger);
		if (getsockopt(s->fd, SOL_SOCKET, SO_LINGER, &s->linger, &len))
			memset(&s->linger, 0, sizeof(s->linger));
		break;
	case SO_TIMESTAMP_OLD:
	case SO_TIMESTAMPNS_OLD:
		read_cmsg_flags(s);
		break;
	case SO_RCVBUF:
	case SO_RCVBUFFORCE:
	case SO_SNDBUF:
	case SO_SNDBUFFORCE:
		set_buf(st, s, name, val);
		break;
	case SO_RCVTIMEO_OLD: {
		struct timeval tv;

		len = sizeof(tv);
		getsockopt(s->fd, SOL_SOCKET, name, &tv, &len);
		s->rcvtimeo_ns = timeval_ns(&tv);
		break;
	}
	case SO_BINDTODEVICE:
	case SO_BINDTOIFINDEX: {
		int idx = 0;

		len = sizeof(idx);
		getsockopt(s->fd, SOL_SOCKET, SO_BINDTOIFINDEX, &idx, &len);
		s->udp.bound_ifindex = idx;
		s->route_cache.gen = 0;
		break;
	}
	}
}

void xs_sock_read_async(struct xs_sock *s)
{
	int fl = fcntl(s->fd, F_GETFL);

	s->async = fl >= 0 && (fl & O_ASYNC);
	s->sig = fcntl(s->fd, F_GETSIG);
	if (s->sig < 0)
		s->sig = 0;
	if (fcntl(s->fd, F_GETOWN_EX, &s->owner))
		memset(&s->owner, 0, sizeof(s->owner));
}

int xsock_setsockopt(int fd, int level, int name, const void *val, socklen_t len)
{
	struct xs_stack *st;
	struct xs_sock *s;

	/* what a connection refuses although its (unconnected) twin takes it */
	if (level == IPPROTO_TCP &&
	    (name == TCP_FASTOPEN || name == TCP_FASTOPEN_CONNECT || name == TCP_WINDOW_CLAMP) &&
	    (s = xs_sock_lock(fd, &st))) {
		int r = s->stream ? xs_stream_setsockopt(s, level, name, val, len) : 1;

		pthread_mutex_unlock(&st->lock);
		if (r < 0) {
			errno = -r;
			return -1;
		}
	}
	if (setsockopt(fd, level, name, val, len))
		return -1;
	s = xs_sock_lock(fd, &st);
	if (s) {
		mirror_option(st, s, level, name, val);
		if (s->stream)
			xs_stream_mirror_option(st, s, level, name);
		pthread_mutex_unlock(&st->lock);
	}
	return 0;
}

int xsock_getsockopt(int fd, int level, int name, void *val, socklen_t *len)
{
	struct xs_stack *st;
	struct xs_sock *s;

	if ((level == IPPROTO_TCP ||
	     (level == SOL_SOCKET && (name == SO_ERROR || name == SO_PEERNAME || name == SO_SNDBUF)) ||
	     (level == IPPROTO_IPV6 && name == IPV6_V6ONLY)) &&
	    (s = xs_sock_lock(fd, &st))) {
		int r = s->stream ? xs_stream_getsockopt(s, level, name, val, len) : 1;

		pthread_mutex_unlock(&st->lock);
		if (r < 0) {
			errno = -r;
			return -1;
		}
		if (r == 0)
			return 0;
	}
	if (level != SOL_SOCKET ||
	    (name != SO_ERROR && name != SO_PEEK_OFF && name != SO_RCVBUF && name != SO_SNDBUF) ||
	    !(s = xs_sock_lock(fd, &st)))
		return getsockopt(fd, level, name, val, len);
	/* Buffer sizes the twin could not take: the stack's, after the
	 * kernel's checks on val and len. */
	if (name == SO_RCVBUF || name == SO_SNDBUF) {
		int v = name == SO_RCVBUF ? s->rcvbuf : s->sndbuf;
		bool own = s->bufs_own;

		pthread_mutex_unlock(&st->lock);
		if (getsockopt(fd, level, name, val, len))
			return -1;
		if (own)
			memcpy(val, &v, *len < sizeof(int) ? *len : sizeof(int));
		return 0;
	}
	/* The stack's reads move the peek offset; the twin's copy is stale. */
	if (name == SO_PEEK_OFF) {
		int32_t off = s->stream && s->tcp ? s->tcp->peek_off : s->udp.peek_off;

		pthread_mutex_unlock(&st->lock);
		if (getsockopt(fd, level, name, val, len))
			return -1;	/* the kernel's checks on val and len */
		if (*len >= (socklen_t)sizeof(int))
			memcpy(val, &off, sizeof(int));
		return 0;
	}
	/* A pending error the stack took from the twin comes first. */
	if (s->pending_err && val && len && *len >= (socklen_t)sizeof(int)) {
		*(int *)val = -s->pending_err;
		*len = sizeof(int);
		s->pending_err = 0;
		pthread_mutex_unlock(&st->lock);
		return 0;
	}
	pthread_mutex_unlock(&st->lock);
	return getsockopt(fd, level, name, val, len);
}

int xsock_fcntl(int fd, int cmd, ...)
{
	struct xs_stack *st;
	struct xs_sock *s;
	va_list ap;
	long arg;
	int r;

	va_start(ap, cmd);
	arg = va_arg(ap, long);
	va_end(ap);
	r = fcntl(fd, cmd, arg);
	if (r < 0 || (cmd != F_SETFL && cmd != F_SETOWN && cmd != F_SETOWN_EX && cmd != F_SETSIG) ||
	    !(s = xs_sock_lock(fd, &st)))
		return r;
	if (cmd == F_SETFL)
		s->nonblock = arg & O_NONBLOCK;
	xs_sock_read_async(s);
	pthread_mutex_unlock(&st->lock);
	return r;
}

/* SIOCGSTAMP(NS) on a steered socket: the stack read its datagrams, so it
 * answers as sock_gettstamp() would from sk_stamp.  Returns 0 or -ENOENT. */
static int stack_stamp(struct xs_sock *s, unsigned long request, void *arg)
{
	uint64_t ns;

	s->udp.stamp_enabled = true;
	if (s->udp.stamp_ns == XS_UDP_NO_STAMP)
		return -ENOENT;
	if (s->udp.stamp_ns == 0)
		s->udp.stamp_ns = xs_realtime_ns();
	ns = s->udp.stamp_ns;
	if (request == SIOCGSTAMP) {
		struct timeval tv = { (time_t)(ns / 1000000000u), (suseconds_t)(ns % 1000000000u / 1000) };

		memcpy(arg, &tv, sizeof(tv));
	} else {
		struct timespec ts = { (time_t)(ns / 1000000000u), (long)(ns % 1000000000u) };

		memcpy(arg, &ts, sizeof(ts));
	}
	return 0;
}

int xsock_ioctl(int fd, unsigned long request, ...)
{
	struct xs_stack *st;
	struct xs_sock *s;
	va_list ap;
	void *arg;
	int r;

	va_start(ap, request);
	arg = va_arg(ap, void *);
	va_end(ap);
	if ((request == SIOCGSTAMP || request == SIOCGSTAMPNS) && arg &&
	    (s = xs_sock_lock(fd, &st))) {
		if (s->accelerated) {
			r = stack_stamp(s, request, arg);
			pthread_mutex_unlock(&st->lock);
			if (r < 0) {
				errno = -r;
				return -1;
			}
			return 0;
		}
		pthread_mutex_unlock(&st->lock);
	}
	if ((request == SIOCINQ || request == SIOCOUTQ || request == SIOCOUTQNSD ||
	     request == SIOCATMARK) && (s = xs_sock_lock(fd, &st))) {
		r = s->stream ? xs_stream_ioctl(st, s, request, arg) : 1;
		pthread_mutex_unlock(&st->lock);
		if (r == 0)
			return 0;
	}
	r = ioctl(fd, request, arg);	/* the kernel validates fd and arg */
	if (r < 0 || (request != FIONREAD && request != FIONBIO && request != FIOASYNC &&
		      request != FIOSETOWN && request != SIOCSPGRP) ||
	    !(s = xs_sock_lock(fd, &st)))
		return r;
	if (request == FIOASYNC || request == FIOSETOWN || request == SIOCSPGRP)
		xs_sock_read_async(s);
	if (request == FIONBIO)
		s->nonblock = *(int *)arg != 0;
	/* A datagram still in the rings is as queued as one the stack took. */
	if (s->stream) {
		pthread_mutex_unlock(&st->lock);
		return r;
	}
	if (request == FIONREAD && !s->udp.q_count)
		xs_stack_poll(st, xs_now_ns());
	if (request == FIONREAD && s->udp.q_count)
		*(int *)arg = (int)xs_udp_head(&s->udp)->len;	/* the next datagram, as UDP does */
	pthread_mutex_unlock(&st->lock);
	return r;
}
