// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * The data calls: send, sendto, sendmsg, sendmmsg, write, writev, recv,
 * recvfrom, recvmsg, recvmmsg, read, readv.
 *
 * The fast path covers the common case: a steered socket sending a plain
 * datagram to a destination the kernel's tables route through an attached
 * interface with a resolved neighbour, and receiving what the stack
 * queued.  Everything else goes through the kernel twin, which gives the
 * kernel's exact answer: unusual flags and control messages, malformed
 * addresses, destinations routed elsewhere, unresolved neighbours (the
 * kernel resolves them and sends the datagram, as it would have),
 * datagrams the kernel received for the socket, and its error queue.
 */
#include <errno.h>
#include <limits.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <fcntl.h>
#include <poll.h>
#include <sys/ioctl.h>
#include <sys/sendfile.h>
#include <sys/stat.h>
#include <netinet/in.h>
#include <linux/rtnetlink.h>

#include "api/calls.h"
#include "api/stream.h"
#include "iface/ip_out.h"
#include "sock/sockbuf.h"
#include "xsock/xsock.h"

#define TWIN_CHECK_NS 20000         /* look at a spinning socket's twin every 20 us */
#define FAST_SEND_FLAGS (MSG_DONTWAIT | MSG_NOSIGNAL)
#define FAST_RECV_FLAGS (MSG_DONTWAIT | MSG_PEEK | MSG_TRUNC | MSG_WAITALL | MSG_NOSIGNAL)


bool xs_sock_readable(struct xs_sock *s)
{
	return s->udp.q_count || s->udp.shut_rd || s->closing || s->twin_ready || s->pending_err;
}

int xs_sock_drain_twin(struct xs_stack *st, struct xs_sock *s)
{
	for (;;) {
		struct sockaddr_storage from;
		struct iovec iov = { st->twin_buf, sizeof(st->twin_buf) };
		struct msghdr m = {
			.msg_name = &from, .msg_namelen = sizeof(from),
			.msg_iov = &iov, .msg_iovlen = 1,
		};
		struct xs_udp_dgram d = { 0 };
		ssize_t n = recvmsg(s->fd, &m, MSG_DONTWAIT);

		if (n < 0)
			return errno == EAGAIN || errno == EWOULDBLOCK ? 0 : -errno;
		d.heap = malloc(n ? (size_t)n : 1);
		if (!d.heap)
			return -ENOMEM;
		memcpy(d.heap, st->twin_buf, (size_t)n);
		d.data = d.heap;
		d.len = (uint32_t)n;
		/* Stamped when the stack took it; the kernel's own receive time
		 * and pktinfo are not carried over (see docs/design.md). */
		d.rx_ns = xs_realtime_ns();
		d.truesize = d.len + XS_UDP_DGRAM_OVERHEAD;
		if (from.ss_family == AF_INET) {
			const struct sockaddr_in *in = (const void *)&from;

			xs_addr_from_ipv4(d.src, in->sin_addr.s_addr);
			d.sport = ntohs(in->sin_port);
			d.family = AF_INET;
			d.dport = s->udp.lport;
		} else {
			const struct sockaddr_in6 *in6 = (const void *)&from;

			memcpy(d.src, &in6->sin6_addr, 16);
			d.sport = ntohs(in6->sin6_port);
			d.family = xs_addr_is_v4mapped(d.src) ? AF_INET : AF_INET6;
			d.dport = s->udp.lport;
		}
		st->twin_rx++;
		if (xs_udp_enqueue(&s->udp, &d)) {
			free(d.heap);
			s->udp.rx_drops++;
		}
	}
}

/* The readiness test blocked receivers wait on: also pulls in what the
 * twin holds, so a poller woken by the twin makes progress. */
static bool recv_ready(struct xs_sock *s)
{
	struct xs_stack *st = xs_stack_peek();
	uint64_t now = xs_now_ns();

	if (s->twin_ready || now - s->twin_checked_ns > TWIN_CHECK_NS) {
		int err;

		s->twin_ready = false;
		s->twin_checked_ns = now;
		err = xs_sock_drain_twin(st, s);
		if (err)
			s->pending_err = err;
	}
	return xs_sock_readable(s);
}

/* After the kernel reported EMSGSIZE (an ICMP frag-needed or packet too
 * big for a connected socket), take its path MTU for the fast path. */
static void learn_path_mtu(struct xs_sock *s)
{
	socklen_t len = sizeof(int);
	int mtu = 0;

	if (s->domain == AF_INET6)
		getsockopt(s->fd, IPPROTO_IPV6, IPV6_MTU, &mtu, &len);
	else
		getsockopt(s->fd, IPPROTO_IP, IP_MTU, &mtu, &len);
	if (mtu >= 68)
		s->path_mtu = (uint32_t)mtu;
}

static uint64_t deadline_of(uint64_t timeo_ns)
{
	return timeo_ns ? xs_now_ns() + timeo_ns : 0;
}

static ssize_t iov_total(const struct iovec *iov, size_t n)
{
	size_t total = 0;

	for (size_t i = 0; i < n; i++) {
		if (iov[i].iov_len > (size_t)SSIZE_MAX - total)
			return -EINVAL;
		total += iov[i].iov_len;
	}
	return (ssize_t)total;
}

/* The destination of a fast-path send, or false to leave it to the
 * kernel (which then reports whatever is wrong with it). */
static bool fast_dest(const struct xs_sock *s, const struct msghdr *msg, uint8_t dst[16],
		      uint16_t *port, int *family)
{
	if (!msg->msg_name) {
		if (!s->udp.connected)
			return false;
		memcpy(dst, s->udp.raddr, 16);
		*port = s->udp.rport;
	} else if (s->domain == AF_INET) {
		const struct sockaddr_in *in = msg->msg_name;

		if (msg->msg_namelen < sizeof(*in) || in->sin_family != AF_INET || !in->sin_port)
			return false;
		xs_addr_from_ipv4(dst, in->sin_addr.s_addr);
		*port = ntohs(in->sin_port);
	} else {
		const struct sockaddr_in6 *in6 = msg->msg_name;

		if (msg->msg_namelen < sizeof(*in6) || in6->sin6_family != AF_INET6 ||
		    !in6->sin6_port || in6->sin6_scope_id || in6->sin6_flowinfo)
			return false;
		memcpy(dst, &in6->sin6_addr, 16);
		*port = ntohs(in6->sin6_port);
		if (xs_addr_is_v4mapped(dst) && s->udp.v6only)
			return false;
	}
	*family = xs_addr_is_v4mapped(dst) ? AF_INET : AF_INET6;
	if (xs_addr_is_zero(dst))
		return false;	/* the kernel sends those to loopback */
	return true;
}

/* Sends through the stack.  Returns the length, a negative errno to report,
 * or 1 << 30 (SLOW) to hand the datagram to the kernel instead. */
#define SLOW (1L << 30)
static ssize_t fast_send(struct xs_stack *st, struct xs_sock *s, const struct msghdr *msg,
			 int flags, size_t len, uint32_t *kick_mask)
{
	struct xs_ip_tx tx = { .proto = IPPROTO_UDP };
	uint8_t dst[16], hdr[XS_UDP_HDR_LEN];
	struct xs_route rt;
	uint16_t dport;
	uint64_t gen;
	int family, i, err;

	/* Corked data sits in the twin: what follows must join it there. */
	if (msg->msg_controllen || (flags & ~FAST_SEND_FLAGS) || s->udp.shut_wr ||
	    s->udp_cork || s->twin_corked)
		return SLOW;
	/* An ICMP error the kernel recorded is the next call's answer, send
	 * included (sock_error() in the kernel's send path). */
	if (s->pending_err) {
		err = s->pending_err;
		s->pending_err = 0;
		return err;
	}
	if (s->udp.connected) {
		uint64_t now = xs_now_ns();

		if (now - s->err_checked_ns > TWIN_CHECK_NS) {
			socklen_t elen = sizeof(err);

			s->err_checked_ns = now;
			err = 0;
			if (!getsockopt(s->fd, SOL_SOCKET, SO_ERROR, &err, &elen) && err)
				return -err;
		}
	}
	if (!s->udp.lport) {
		err = xs_sock_autobind(st, s);
		if (err)
			return err;
	}
	if (!s->accelerated || !fast_dest(s, msg, dst, &dport, &family))
		return SLOW;
	if (len > (family == AF_INET ? 65507u : 65527u))
		return -EMSGSIZE;
	gen = xs_mirror__generation(st->mirror);
	if (s->route_cache.gen == gen && !memcmp(s->route_cache.dst, dst, 16)) {
		i = s->route_cache.if_idx;
		memcpy(tx.src, s->route_cache.src, 16);
		memcpy(tx.dst_mac, s->route_cache.mac, 6);
	} else {
		if (xs_mirror__route(st->mirror, family, dst, s->udp.bound_ifindex, &rt) ||
		    rt.type != RTN_UNICAST || !rt.has_src)
			return SLOW;
		i = xs_stack_if_get(st, rt.ifindex);
		if (i < 0)
			return SLOW;
		if (xs_mirror__neigh(st->mirror, rt.ifindex, family, rt.nexthop, tx.dst_mac))
			return SLOW;	/* the kernel resolves it and sends the datagram */
		memcpy(tx.src, xs_addr_is_zero(s->udp.laddr) ? rt.src : s->udp.laddr, 16);
		s->route_cache.gen = gen;
		memcpy(s->route_cache.dst, dst, 16);
		memcpy(s->route_cache.src, tx.src, 16);
		memcpy(s->route_cache.mac, tx.dst_mac, 6);
		s->route_cache.if_idx = i;
	}
	tx.family = family;
	tx.ttl = family == AF_INET ? s->ttl : s->ttl6;
	tx.tos = family == AF_INET ? s->tos : s->tclass6;
	memcpy(tx.dst, dst, 16);
	/* A connected socket follows the path MTU the kernel learnt from a
	 * frag-needed / packet-too-big (IP_MTU on the twin). */
	if (s->udp.connected && msg->msg_name == NULL)
		tx.mtu = s->path_mtu;
	/* IP_PMTUDISC_WANT, the UDP default: DF on what fits the path, the
	 * rest fragmented locally; DO and PROBE (and IPV6_DONTFRAG) refuse to
	 * fragment; DONT never sets DF. */
	tx.df = XS_UDP_HDR_LEN + len <= xs_ip_max_unfragmented(&st->ifs[i].ifnet, family, tx.mtu);
	if (!tx.df && (family == AF_INET ? (s->pmtudisc == IP_PMTUDISC_DO ||
					   s->pmtudisc == IP_PMTUDISC_PROBE) : s->dontfrag6))
		return -EMSGSIZE;
	if (family == AF_INET && s->pmtudisc == IP_PMTUDISC_DONT)
		tx.df = false;
	xs_udp_build_header(hdr, family, tx.src, s->udp.lport, dst, dport,
			    msg->msg_iov, (int)msg->msg_iovlen, len);
	err = xs_ip_send(&st->ifs[i].ifnet, &tx, hdr, sizeof(hdr), msg->msg_iov,
			 (int)msg->msg_iovlen, len, xs_now_ns());
	if (err == -ENOBUFS)
		return SLOW;
	if (!err)
		*kick_mask |= 1u << i;
	return err ? err : (ssize_t)len;
}

/* Announces queued TX frames to the kernel: one kick per interface for
 * everything sent since the last one.  Lock held. */
static void kick_ifs(struct xs_stack *st, uint32_t mask)
{
	for (int i = 0; mask; i++, mask >>= 1)
		if (mask & 1)
			xs_dev_kick(st->ifs[i].ifnet.dev);
}

/* ____sys_sendmsg() copies a control buffer larger than its on-stack 36
 * bytes into socket memory limited by net.core.optmem_max before the
 * protocol sees the message (ENOBUFS), after checking the address length
 * and the iovec, whose errors come first.  The limit is the config
 * map's; without one the kernel's applies (sends with control messages
 * go through the twin).  Lock held. */
static int check_optmem(struct xs_stack *st, const struct msghdr *msg)
{
	const struct xs_config *cfg;

	if (msg->msg_controllen <= XS_SENDMSG_CTL_INLINE)
		return 0;
	if ((msg->msg_name && (int)msg->msg_namelen < 0) || msg->msg_iovlen > IOV_MAX ||
	    iov_total(msg->msg_iov, msg->msg_iovlen) < 0)
		return 0;
	cfg = xs_stack_config(st);
	return cfg ? xs_sockbuf_optmem(msg->msg_controllen, cfg->optmem_max) : 0;
}

/* Sends one message; lock held on entry, released on return.  With
 * kick_mask NULL the frames are announced at once; otherwise the
 * interfaces used are added to *kick_mask for the caller's one kick. */
static ssize_t sock_sendmsg_batch(struct xs_stack *st, struct xs_sock *s,
				  const struct msghdr *msg, int flags, uint32_t *kick_mask)
{
	ssize_t len, r;
	uint32_t mine = 0;

	r = check_optmem(st, msg);
	if (r < 0) {
		pthread_mutex_unlock(&st->lock);
		errno = (int)-r;
		return -1;
	}
	if (s->stream) {
		if (xs_stream_has_conn(s))
			return xs_stream_sendmsg(st, s, msg, flags);
		pthread_mutex_unlock(&st->lock);
		return sendmsg(s->fd, msg, flags);
	}
	len = iov_total(msg->msg_iov, msg->msg_iovlen);

	if (len < 0) {
		pthread_mutex_unlock(&st->lock);
		errno = EINVAL;
		return -1;
	}
	r = fast_send(st, s, msg, flags, (size_t)len, kick_mask ? kick_mask : &mine);
	kick_ifs(st, mine);
	if (r == SLOW)
		s->twin_corked = flags & MSG_MORE;	/* the twin holds it until a send without */
	pthread_mutex_unlock(&st->lock);
	if (r == SLOW)
		return sendmsg(s->fd, msg, flags);
	if (r < 0) {
		errno = (int)-r;
		return -1;
	}
	return r;
}

static ssize_t sock_sendmsg(struct xs_stack *st, struct xs_sock *s, const struct msghdr *msg,
			    int flags)
{
	return sock_sendmsg_batch(st, s, msg, flags, NULL);
}

/* Receives into msg; lock held on entry, released on return. */
static ssize_t sock_recvmsg(struct xs_stack *st, struct xs_sock *s, struct msghdr *msg, int flags)
{
	ssize_t r;
	int err;

	if (s->stream) {
		/* MSG_ERRQUEUE reads the error queue, which the twin holds
		 * (empty: EAGAIN, as tcp_recvmsg() answers) */
		if (xs_stream_has_conn(s) && !(flags & MSG_ERRQUEUE))
			return xs_stream_recvmsg(st, s, msg, flags);
		pthread_mutex_unlock(&st->lock);
		return recvmsg(s->fd, msg, flags);
	}
	if (!s->accelerated || (flags & ~FAST_RECV_FLAGS)) {
		/* Nothing steered (or MSG_OOB, MSG_ERRQUEUE...): the kernel's
		 * socket is the whole story. */
		if (!s->udp.q_count) {
			pthread_mutex_unlock(&st->lock);
			return recvmsg(s->fd, msg, flags);
		}
	}
	for (;;) {
		if (s->closing) {
			err = -EBADF;
			break;
		}
		if (s->udp.q_count) {
			socklen_t namelen = msg->msg_namelen;

			r = xs_udp_recv(&s->udp, msg, flags);
			pthread_mutex_unlock(&st->lock);
			/* recvmsg(2) leaves msg_namelen alone without a
			 * msg_name, and reports MSG_CMSG_CLOEXEC back. */
			if (!msg->msg_name)
				msg->msg_namelen = namelen;
			msg->msg_flags |= flags & MSG_CMSG_CLOEXEC;
			if (r < 0) {
				errno = (int)-r;
				return -1;
			}
			return r;
		}
		if (s->pending_err) {
			err = s->pending_err;
			s->pending_err = 0;
			if (err == -EMSGSIZE)
				learn_path_mtu(s);
			break;
		}
		if (xs_stack_poll(st, xs_now_ns()) && s->udp.q_count)
			continue;
		if (recv_ready(s) && (s->udp.q_count || s->pending_err || s->closing))
			continue;
		/* As __skb_recv_udp(): a call that may not wait says EAGAIN
		 * even after SHUT_RD; only a waiting one sees the EOF. */
		if (s->nonblock || (flags & MSG_DONTWAIT)) {
			err = -EAGAIN;
			break;
		}
		if (s->udp.shut_rd) {
			pthread_mutex_unlock(&st->lock);
			return 0;
		}
		err = xs_stack_wait(st, s, recv_ready, deadline_of(s->rcvtimeo_ns));
		if (err)
			break;
	}
	pthread_mutex_unlock(&st->lock);
	errno = -err;
	return -1;
}

ssize_t xsock_sendmsg(int fd, const struct msghdr *msg, int flags)
{
	struct xs_stack *st;
	struct xs_sock *s = xs_sock_lock(fd, &st);

	if (!s)
		return sendmsg(fd, msg, flags);
	return sock_sendmsg(st, s, msg, flags);
}

ssize_t xsock_sendto(int fd, const void *buf, size_t len, int flags,
		     const struct sockaddr *dest, socklen_t dest_len)
{
	struct iovec iov = { (void *)buf, len };
	struct msghdr msg = {
		.msg_name = (void *)dest, .msg_namelen = dest_len,
		.msg_iov = &iov, .msg_iovlen = 1,
	};
	struct xs_stack *st;
	struct xs_sock *s = xs_sock_lock(fd, &st);

	if (!s)
		return sendto(fd, buf, len, flags, dest, dest_len);
	if (!buf && len && !s->stream) {
		pthread_mutex_unlock(&st->lock);
		return sendto(fd, buf, len, flags, dest, dest_len);	/* EFAULT */
	}
	return sock_sendmsg(st, s, &msg, flags);	/* streams: EFAULT there */
}

ssize_t xsock_send(int fd, const void *buf, size_t len, int flags)
{
	return xsock_sendto(fd, buf, len, flags, NULL, 0);
}

ssize_t xsock_write(int fd, const void *buf, size_t len)
{
	struct xs_stack *st;
	struct xs_sock *s = xs_sock_lock(fd, &st);

	if (!s)
		return write(fd, buf, len);
	pthread_mutex_unlock(&st->lock);
	return xsock_sendto(fd, buf, len, 0, NULL, 0);
}

ssize_t xsock_writev(int fd, const struct iovec *iov, int iovcnt)
{
	struct msghdr msg = { .msg_iov = (struct iovec *)iov, .msg_iovlen = (size_t)iovcnt };
	struct xs_stack *st;
	struct xs_sock *s = xs_sock_lock(fd, &st);

	if (!s)
		return writev(fd, iov, iovcnt);
	if (iovcnt < 0 || iovcnt > IOV_MAX) {
		pthread_mutex_unlock(&st->lock);
		return writev(fd, iov, iovcnt);	/* the kernel's EINVAL */
	}
	return sock_sendmsg(st, s, &msg, 0);
}

int xsock_sendmmsg(int fd, struct mmsghdr *vec, unsigned int vlen, int flags)
{
	uint32_t kick_mask = 0;
	struct xs_stack *st;
	struct xs_sock *s;
	unsigned int i;
	int err = 0;

	if (xsock_is_accelerated(fd) != 2)
		return sendmmsg(fd, vec, vlen, flags);
	if (vlen > UIO_MAXIOV)
		vlen = UIO_MAXIOV;
	/* The datagrams queue their frames and the kernel hears of them once,
	 * at the end: one system call for the batch in copy mode. */
	for (i = 0; i < vlen; i++) {
		ssize_t r;

		s = xs_sock_lock(fd, &st);
		if (!s) {
			err = EBADF;
			break;
		}
		r = sock_sendmsg_batch(st, s, &vec[i].msg_hdr, flags, &kick_mask);
		if (r < 0) {
			err = errno;
			break;
		}
		vec[i].msg_len = (unsigned int)r;
	}
	if (kick_mask && (s = xs_sock_lock(fd, &st))) {
		kick_ifs(st, kick_mask);
		pthread_mutex_unlock(&st->lock);
	}
	if (i == 0 && err) {
		errno = err;
		return -1;
	}
	return (int)i;
}

ssize_t xsock_recvmsg(int fd, struct msghdr *msg, int flags)
{
	struct xs_stack *st;
	struct xs_sock *s = xs_sock_lock(fd, &st);

	if (!s)
		return recvmsg(fd, msg, flags);
	return sock_recvmsg(st, s, msg, flags);
}

ssize_t xsock_recvfrom(int fd, void *buf, size_t len, int flags, struct sockaddr *src,
		       socklen_t *src_len)
{
	struct iovec iov = { buf, len };
	struct msghdr msg = { .msg_iov = &iov, .msg_iovlen = 1 };
	struct xs_stack *st;
	struct xs_sock *s = xs_sock_lock(fd, &st);
	ssize_t r;

	if (!s)
		return recvfrom(fd, buf, len, flags, src, src_len);
	if (src && !src_len) {
		pthread_mutex_unlock(&st->lock);
		errno = EFAULT;
		return -1;
	}
	if (src) {
		msg.msg_name = src;
		msg.msg_namelen = *src_len;
	}
	r = sock_recvmsg(st, s, &msg, flags);
	if (r >= 0 && src)
		*src_len = msg.msg_namelen;
	return r;
}

ssize_t xsock_recv(int fd, void *buf, size_t len, int flags)
{
	return xsock_recvfrom(fd, buf, len, flags, NULL, NULL);
}

ssize_t xsock_read(int fd, void *buf, size_t len)
{
	struct xs_stack *st;
	struct xs_sock *s = xs_sock_lock(fd, &st);

	if (!s)
		return read(fd, buf, len);
	pthread_mutex_unlock(&st->lock);
	return xsock_recvfrom(fd, buf, len, 0, NULL, NULL);
}

ssize_t xsock_readv(int fd, const struct iovec *iov, int iovcnt)
{
	struct msghdr msg = { .msg_iov = (struct iovec *)iov, .msg_iovlen = (size_t)iovcnt };
	struct xs_stack *st;
	struct xs_sock *s = xs_sock_lock(fd, &st);

	if (!s)
		return readv(fd, iov, iovcnt);
	if (iovcnt < 0 || iovcnt > IOV_MAX) {
		pthread_mutex_unlock(&st->lock);
		return readv(fd, iov, iovcnt);
	}
	return sock_recvmsg(st, s, &msg, 0);
}

int xsock_recvmmsg(int fd, struct mmsghdr *vec, unsigned int vlen, int flags,
		   struct timespec *timeout)
{
	unsigned int i;

	if (!xsock_is_accelerated(fd) || timeout)
		return recvmmsg(fd, vec, vlen, flags, timeout);
	if (vlen > UIO_MAXIOV)
		vlen = UIO_MAXIOV;
	for (i = 0; i < vlen; i++) {
		/* MSG_WAITFORONE: only the first may wait. */
		int f = flags & ~MSG_WAITFORONE;
		ssize_t r;

		if (i && (flags & MSG_WAITFORONE))
			f |= MSG_DONTWAIT;
		r = xsock_recvmsg(fd, &vec[i].msg_hdr, f);
		if (r < 0) {
			if (i && (errno == EAGAIN || errno == EWOULDBLOCK))
				break;
			return i ? (int)i : -1;
		}
		vec[i].msg_len = (unsigned int)r;
	}
	return (int)i;
}

ssize_t xsock_sendfile(int out_fd, int in_fd, off_t *offset, size_t count)
{
	uint8_t buf[65536];
	off_t pos = offset ? *offset : 0;
	size_t done = 0;
	int err = 0;

	if (xsock_is_accelerated(out_fd) != 2 || !xs_stack_peek())
		return sendfile(out_fd, in_fd, offset, count);
	while (done < count) {
		size_t want = count - done < sizeof(buf) ? count - done : sizeof(buf);
		ssize_t r = offset ? pread(in_fd, buf, want, pos) : read(in_fd, buf, want);
		ssize_t w;

		if (r <= 0) {
			err = r < 0 ? errno : 0;
			break;
		}
		w = xsock_send(out_fd, buf, (size_t)r, 0);
		if (w < 0) {
			err = errno;
			w = 0;
		}
		if (w < r && !offset)	/* what did not go is still the file's */
			lseek(in_fd, w - r, SEEK_CUR);
		done += (size_t)w;
		pos += w;
		if (w < r)
			break;
	}
	if (offset)
		*offset = pos;
	if (!done && err) {
		errno = err;
		return -1;
	}
	return (ssize_t)done;
}

/* ---- splice(2) ------------------------------------------------------------- */

static bool is_pipe(int fd)
{
	struct stat sb;

	return !fstat(fd, &sb) && S_ISFIFO(sb.st_mode);
}

/*
 * From a pipe into an xsock socket.  tee() copies what the pipe holds into
 * a scratch pipe without taking it, the copy is sent, and the pipe then
 * gives up exactly what the socket took: a partial send (non-blocking, a
 * timeout, a signal) leaves the rest in the pipe, as the kernel's splice
 * does.  Like splice_to_socket(), it waits for the pipe's first bytes
 * (unless SPLICE_F_NONBLOCK) and then takes what is there, up to len.
 */
static ssize_t splice_into_socket(int pipe_in, int sock, size_t len, unsigned int flags)
{
	static __thread int scratch[2] = { -1, -1 };
	int send_flags = flags & SPLICE_F_MORE ? MSG_MORE : 0;
	uint8_t buf[65536];
	size_t done = 0;

	/* blocking: tee() treats an O_NONBLOCK end as SPLICE_F_NONBLOCK; it is
	 * always empty here, so never full */
	if (scratch[0] < 0 && pipe2(scratch, O_CLOEXEC))
		return -1;
	while (done < len) {
		size_t want = len - done < sizeof(buf) ? len - done : sizeof(buf);
		unsigned int tee_flags = done ? SPLICE_F_NONBLOCK : flags & SPLICE_F_NONBLOCK;
		ssize_t n = tee(pipe_in, scratch[1], want, tee_flags), r, w;

		if (n <= 0) {
			if (done || n == 0)
				break;	/* what was spliced, or 0: no writers left */
			return -1;
		}
		r = read(scratch[0], buf, (size_t)n);
		if (r != n)
			return done ? (ssize_t)done : -1;	/* never: the scratch pipe is ours */
		w = xsock_send(sock, buf, (size_t)r, send_flags | (done ? MSG_DONTWAIT : 0));
		if (w <= 0) {
			if (done)
				break;
			return -1;
		}
		/* the pipe holds at least w: the tee saw it */
		if (read(pipe_in, buf, (size_t)w) != w)
			return -1;
		done += (size_t)w;
		if (w < r)
			break;
	}
	return (ssize_t)done;
}

/*
 * From an xsock socket into a pipe: what the pipe has room for is peeked,
 * written, and then taken from the socket, so nothing is read that the
 * pipe cannot hold.  A full pipe waits (or EAGAIN with SPLICE_F_NONBLOCK);
 * the socket waits as its own O_NONBLOCK says, as tcp_splice_read().
 */
static ssize_t splice_from_socket(int sock, int pipe_out, size_t len, unsigned int flags)
{
	uint8_t buf[65536];
	int cap, used = 0;
	ssize_t r, w;
	size_t room;

	for (;;) {
		cap = fcntl(pipe_out, F_GETPIPE_SZ);
		if (cap < 0 || ioctl(pipe_out, FIONREAD, &used))
			return -1;
		if (used < cap)
			break;
		if (flags & SPLICE_F_NONBLOCK) {
			errno = EAGAIN;
			return -1;
		}
		if (poll(&(struct pollfd){ .fd = pipe_out, .events = POLLOUT }, 1, -1) < 0)
			return -1;
	}
	room = (size_t)(cap - used);
	if (room > len)
		room = len;
	if (room > sizeof(buf))
		room = sizeof(buf);
	r = xsock_recv(sock, buf, room, MSG_PEEK);
	if (r <= 0)
		return r;
	w = write(pipe_out, buf, (size_t)r);
	if (w > 0 && xsock_recv(sock, buf, (size_t)w, MSG_DONTWAIT) != w)
		return -1;	/* never: the bytes were just peeked */
	return w;
}

ssize_t xsock_splice(int fd_in, off_t *off_in, int fd_out, off_t *off_out, size_t len,
		     unsigned int flags)
{
	bool out = xsock_is_accelerated(fd_out) == 2, in = xsock_is_accelerated(fd_in) == 2;

	if ((!out && !in) || !xs_stack_peek())
		return splice(fd_in, off_in, fd_out, off_out, len, flags);
	/* the kernel's checks (do_splice()): one end a pipe, no offset on
	 * the pipe (ESPIPE), none on the socket either (EINVAL: no pwrite) */
	if (!is_pipe(out ? fd_in : fd_out) || (out && in)) {
		errno = EINVAL;
		return -1;
	}
	if (out ? off_in : off_out) {
		errno = ESPIPE;
		return -1;
	}
	if (out ? off_out : off_in) {
		errno = EINVAL;
		return -1;
	}
	if (!len)
		return 0;
	return out ? splice_into_socket(fd_in, fd_out, len, flags)
		   : splice_from_socket(fd_in, fd_out, len, flags);
}
