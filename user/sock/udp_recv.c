// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * Datagrams leaving the receive queue for the application: called by the
 * api layer's recv family with the stack lock held.
 */
#include "sock/udp.h"

#include <errno.h>
#include <string.h>
#include <time.h>
#include <netinet/in.h>

#include "ctl/ctl.h"

void xs_udp_fill_sockaddr(int sock_family, const uint8_t addr[16], uint16_t port,
			  struct sockaddr *sa, socklen_t *len)
{
	union {
		struct sockaddr_in v4;
		struct sockaddr_in6 v6;
	} u;
	socklen_t full;

	memset(&u, 0, sizeof(u));
	if (sock_family == AF_INET) {
		u.v4.sin_family = AF_INET;
		u.v4.sin_port = htons(port);
		memcpy(&u.v4.sin_addr, addr + 12, 4);
		full = sizeof(u.v4);
	} else {
		u.v6.sin6_family = AF_INET6;
		u.v6.sin6_port = htons(port);
		memcpy(&u.v6.sin6_addr, addr, 16);
		full = sizeof(u.v6);
	}
	if (sa)
		memcpy(sa, &u, *len < full ? *len : full);
	*len = full;
}

/* Appends one control message as the kernel's put_cmsg() does: a header
 * that does not fit sets MSG_CTRUNC and adds nothing; data that does not
 * fit is cut, with MSG_CTRUNC. */
struct cmsg_out {
	struct msghdr *msg;
	size_t used;
};

static void put_cmsg(struct cmsg_out *o, int level, int type, const void *data, size_t len)
{
	struct msghdr *msg = o->msg;
	size_t space = msg->msg_controllen - o->used, cmlen = CMSG_LEN(len), step;
	struct cmsghdr hdr;
	uint8_t *at = (uint8_t *)msg->msg_control + o->used;

	if (!msg->msg_control || space < sizeof(struct cmsghdr)) {
		msg->msg_flags |= MSG_CTRUNC;
		return;
	}
	if (space < cmlen) {
		msg->msg_flags |= MSG_CTRUNC;
		cmlen = space;
	}
	hdr.cmsg_level = level;
	hdr.cmsg_type = type;
	hdr.cmsg_len = cmlen;
	memcpy(at, &hdr, sizeof(hdr));
	memcpy(at + sizeof(hdr), data, cmlen - sizeof(hdr));
	step = CMSG_SPACE(len);
	o->used += step < space ? step : space;
}

/* In the order udp_recvmsg()/udpv6_recvmsg() emit them: timestamp, then
 * IPv6 pktinfo, then IPv4 pktinfo/TTL/TOS for an IPv4 packet or IPv6
 * hop limit/class for an IPv6 one. */
static void put_cmsgs(const struct xs_udp_sock *s, const struct xs_udp_dgram *d,
		      struct msghdr *msg)
{
	struct cmsg_out o = { .msg = msg };
	uint32_t f = s->cmsg_flags;

	if (f & XS_CMSG_TIMESTAMPNS) {
		struct timespec ts = { (time_t)(d->rx_ns / 1000000000u), (long)(d->rx_ns % 1000000000u) };

		put_cmsg(&o, SOL_SOCKET, SCM_TIMESTAMPNS, &ts, sizeof(ts));
	} else if (f & XS_CMSG_TIMESTAMP) {
		struct timeval tv = { (time_t)(d->rx_ns / 1000000000u),
				      (suseconds_t)(d->rx_ns % 1000000000u / 1000) };

		put_cmsg(&o, SOL_SOCKET, SCM_TIMESTAMP, &tv, sizeof(tv));
	}
	if (s->family == AF_INET6 && (f & XS_CMSG_PKTINFO6)) {
		struct in6_pktinfo pi;

		memcpy(&pi.ipi6_addr, d->dst, 16);
		pi.ipi6_ifindex = (unsigned int)d->ifindex;
		put_cmsg(&o, SOL_IPV6, IPV6_PKTINFO, &pi, sizeof(pi));
	}
	if (d->family == AF_INET) {
		if (f & XS_CMSG_PKTINFO) {
			struct in_pktinfo pi = { .ipi_ifindex = d->ifindex };

			memcpy(&pi.ipi_spec_dst, d->dst + 12, 4);
			memcpy(&pi.ipi_addr, d->dst + 12, 4);
			put_cmsg(&o, SOL_IP, IP_PKTINFO, &pi, sizeof(pi));
		}
		if (f & XS_CMSG_TTL) {
			int ttl = d->ttl;

			put_cmsg(&o, SOL_IP, IP_TTL, &ttl, sizeof(ttl));
		}
		if (f & XS_CMSG_TOS)
			put_cmsg(&o, SOL_IP, IP_TOS, &d->tos, 1);
		if (f & XS_CMSG_ORIGDST) {
			struct sockaddr_in sin = { .sin_family = AF_INET, .sin_port = htons(d->dport) };

			memcpy(&sin.sin_addr, d->dst + 12, 4);
			put_cmsg(&o, SOL_IP, IP_ORIGDSTADDR, &sin, sizeof(sin));
		}
	} else {
		if (f & XS_CMSG_HOPLIMIT6) {
			int hops = d->ttl;

			put_cmsg(&o, SOL_IPV6, IPV6_HOPLIMIT, &hops, sizeof(hops));
		}
		if (f & XS_CMSG_TCLASS6) {
			int tclass = d->tos;

			put_cmsg(&o, SOL_IPV6, IPV6_TCLASS, &tclass, sizeof(tclass));
		}
		if (f & XS_CMSG_ORIGDST6) {
			struct sockaddr_in6 sin6 = { .sin6_family = AF_INET6, .sin6_port = htons(d->dport) };

			memcpy(&sin6.sin6_addr, d->dst, 16);
			put_cmsg(&o, SOL_IPV6, IPV6_ORIGDSTADDR, &sin6, sizeof(sin6));
		}
	}
	msg->msg_controllen = o.used;
}

/* The datagram a peek at SO_PEEK_OFF offset starts in, and the offset in
 * it: whole datagrams the offset passes are skipped, as
 * __skb_try_recv_from_queue() does.  NULL when the offset is past them all. */
static const struct xs_udp_dgram *peek_at(const struct xs_udp_sock *s, uint32_t *off)
{
	uint32_t o = (uint32_t)s->peek_off;

	for (uint32_t i = 0; i < s->q_count; i++) {
		const struct xs_udp_dgram *d = &s->q[(s->q_head + i) % s->q_cap];

		if (o >= d->len && o) {
			o -= d->len;
			continue;
		}
		*off = o;
		return d;
	}
	return NULL;
}

ssize_t xs_udp_recv(struct xs_udp_sock *s, struct msghdr *msg, int flags)
{
	bool peek = flags & MSG_PEEK;
	const struct xs_udp_dgram *d = xs_udp_head(s);
	size_t copied = 0, len, want = 0;
	uint32_t off = 0;
	ssize_t ret;
	int i;

	if (peek && s->peek_off >= 0) {
		d = peek_at(s, &off);
		if (!d)
			return -EAGAIN;
	}
	/* What the kernel's copy would fault on: like udp_recvmsg(), the
	 * datagram is consumed and the call fails with EFAULT.  (Other bad
	 * pointers fault in this process, as with any user-space stack.) */
	for (i = 0; i < (int)msg->msg_iovlen; i++) {
		if (!msg->msg_iov[i].iov_base && msg->msg_iov[i].iov_len) {
			if (!peek)
				xs_udp_dequeue(s);
			return -EFAULT;
		}
		want += msg->msg_iov[i].iov_len;
	}

	for (i = 0; i < (int)msg->msg_iovlen && off + copied < d->len; i++) {
		size_t k = d->len - off - copied;

		if (k > msg->msg_iov[i].iov_len)
			k = msg->msg_iov[i].iov_len;
		memcpy(msg->msg_iov[i].iov_base, d->data + off + copied, k);
		copied += k;
	}
	/* udp_recvmsg(): truncated when the buffer held no more than what was
	 * left from the offset and less than the whole datagram (so a peek
	 * that starts inside it is marked unless the buffer was larger). */
	msg->msg_flags = want <= d->len - off && want < d->len ? MSG_TRUNC : 0;
	if (msg->msg_name)
		xs_udp_fill_sockaddr(s->family, d->src, d->sport, msg->msg_name, &msg->msg_namelen);
	else
		msg->msg_namelen = 0;
	if (s->cmsg_flags)
		put_cmsgs(s, d, msg);
	else
		msg->msg_controllen = 0;
	/* sock_recv_timestamp(): sk_stamp follows reads unless the stamp went
	 * out as a control message. */
	if (!(s->cmsg_flags & (XS_CMSG_TIMESTAMP | XS_CMSG_TIMESTAMPNS)))
		s->stamp_ns = s->stamp_ns == XS_UDP_NO_STAMP || !s->stamp_enabled ? 0 : d->rx_ns;
	len = d->len;	/* d is gone once dequeued */
	ret = (flags & MSG_TRUNC) ? (ssize_t)len : (ssize_t)copied;
	/* skb_consume_udp(): a peek moves SO_PEEK_OFF forward by what it
	 * returned, a read moves it back by what it removed. */
	if (s->peek_off >= 0) {
		int64_t po = s->peek_off + (peek ? ret : -ret);

		s->peek_off = (int32_t)(po < 0 ? 0 : po);
	}
	if (!peek)
		xs_udp_dequeue(s);
	return ret;
}
