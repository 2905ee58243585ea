// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * Datagrams leaving the receive queue for the application: called by the
 * api layer's recv family with the stack lock held.
 */
#include "sock/udp.h"

#include <errno.h>
#include <string.h>
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

ssize_t xs_udp_recv(struct xs_udp_sock *s, struct msghdr *msg, int flags)
{
	const struct xs_udp_dgram *d = xs_udp_head(s);
	size_t copied = 0, len;
	int i;

	/* What the kernel's copy would fault on: like udp_recvmsg(), the
	 * datagram is consumed and the call fails with EFAULT.  (Other bad
	 * pointers fault in this process, as with any user-space stack.) */
	for (i = 0; i < (int)msg->msg_iovlen; i++) {
		if (!msg->msg_iov[i].iov_base && msg->msg_iov[i].iov_len) {
			if (!(flags & MSG_PEEK))
				xs_udp_dequeue(s);
			return -EFAULT;
		}
	}

	for (i = 0; i < (int)msg->msg_iovlen && copied < d->len; i++) {
		size_t k = d->len - copied;

		if (k > msg->msg_iov[i].iov_len)
			k = msg->msg_iov[i].iov_len;
		memcpy(msg->msg_iov[i].iov_base, d->data + copied, k);
		copied += k;
	}
	msg->msg_flags = copied < d->len ? MSG_TRUNC : 0;
	if (msg->msg_name)
		xs_udp_fill_sockaddr(s->family, d->src, d->sport, msg->msg_name, &msg->msg_namelen);
	else
		msg->msg_namelen = 0;
	msg->msg_controllen = 0;
	len = d->len;	/* d is gone once dequeued */
	if (!(flags & MSG_PEEK))
		xs_udp_dequeue(s);
	return (flags & MSG_TRUNC) ? (ssize_t)len : (ssize_t)copied;
}
