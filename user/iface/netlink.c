// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * rtnetlink transport (see netlink.h).  Called by mirror.c only.
 */
#include <errno.h>
#include <stdbool.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>
#include <linux/rtnetlink.h>

#include "iface/netlink.h"

int xs_nl__open(struct xs_nl *nl, uint32_t groups)
{
	struct sockaddr_nl sa = { .nl_family = AF_NETLINK, .nl_groups = groups };
	socklen_t salen = sizeof(sa);
	int type = SOCK_RAW | SOCK_CLOEXEC | (groups ? SOCK_NONBLOCK : 0);
	int one = 1, err;

	nl->fd = socket(AF_NETLINK, type, NETLINK_ROUTE);
	if (nl->fd < 0)
		return -errno;
	nl->seq = 0;
	if (groups) {
		/* Bursts (a link going down takes its addresses, routes and
		 * neighbours with it) overrun the default queue; FORCE works
		 * for root and is allowed to fail otherwise. */
		int sz = 4 << 20;

		if (setsockopt(nl->fd, SOL_SOCKET, SO_RCVBUFFORCE, &sz, sizeof(sz)) < 0)
			(void)setsockopt(nl->fd, SOL_SOCKET, SO_RCVBUF, &sz, sizeof(sz));
	} else {
		/* rtnetlink always answers; a bound wait turns a kernel bug
		 * into -EAGAIN rather than a hung application. */
		struct timeval tv = { .tv_sec = 5 };

		(void)setsockopt(nl->fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	}
	/* Errors for requests carry the attribute at fault; harmless if the
	 * kernel refuses. */
	(void)setsockopt(nl->fd, SOL_NETLINK, NETLINK_EXT_ACK, &one, sizeof(one));
	if (bind(nl->fd, (struct sockaddr *)&sa, sizeof(sa)) < 0 ||
	    getsockname(nl->fd, (struct sockaddr *)&sa, &salen) < 0) {
		err = -errno;
		close(nl->fd);
		nl->fd = -1;
		return err;
	}
	nl->portid = sa.nl_pid;
	return 0;
}

void xs_nl__close(struct xs_nl *nl)
{
	if (nl->fd >= 0)
		close(nl->fd);
	nl->fd = -1;
}

ssize_t xs_nl__recv(struct xs_nl *nl, void *buf, size_t len, int flags)
{
	struct sockaddr_nl sa;
	struct iovec iov = { .iov_base = buf, .iov_len = len };
	struct msghdr msg = {
		.msg_name = &sa, .msg_namelen = sizeof(sa), .msg_iov = &iov, .msg_iovlen = 1,
	};
	ssize_t n;

	n = recvmsg(nl->fd, &msg, flags);
	if (n < 0)
		return errno == EWOULDBLOCK ? -EAGAIN : -errno;
	if (msg.msg_flags & MSG_TRUNC)
		return -EMSGSIZE;
	/* Only the kernel speaks for the kernel's tables. */
	if (msg.msg_namelen != sizeof(sa) || sa.nl_pid != 0)
		return 0;
	return n;
}

static int send_msg(struct xs_nl *nl, struct nlmsghdr *nlh)
{
	struct sockaddr_nl sa = { .nl_family = AF_NETLINK };
	ssize_t n;

	n = sendto(nl->fd, nlh, nlh->nlmsg_len, 0, (struct sockaddr *)&sa, sizeof(sa));
	if (n < 0)
		return -errno;
	return n == (ssize_t)nlh->nlmsg_len ? 0 : -EIO;
}

/* Error code of an NLMSG_ERROR message (0 is an ack), -EBADMSG if short. */
static int nlmsg_errno(const struct nlmsghdr *nlh)
{
	const struct nlmsgerr *e = NLMSG_DATA(nlh);

	if (nlh->nlmsg_len < NLMSG_LENGTH(sizeof(*e)))
		return -EBADMSG;
	return e->error;
}

int xs_nl__dump(struct xs_nl *nl, int type, unsigned char family, void *buf, size_t len,
		xs_nl_msg_fn fn, void *ctx)
{
	/* Each dump gets the header struct its handler parses (all start
	 * with the family byte); a bare rtgenmsg makes the kernel log
	 * "bytes leftover" for some of them. */
	struct {
		struct nlmsghdr nlh;
		union {
			struct ifinfomsg ifi;
			struct ifaddrmsg ifa;
			struct rtmsg rtm;
			struct ndmsg ndm;
		} u;
	} req;
	bool intr = false, done = false;
	size_t hdrlen;
	int err = 0;

	switch (type) {
	case RTM_GETLINK:  hdrlen = sizeof(struct ifinfomsg); break;
	case RTM_GETADDR:  hdrlen = sizeof(struct ifaddrmsg); break;
	case RTM_GETROUTE: hdrlen = sizeof(struct rtmsg); break;
	case RTM_GETNEIGH: hdrlen = sizeof(struct ndmsg); break;
	default: return -EINVAL;
	}
	memset(&req, 0, sizeof(req));
	req.nlh.nlmsg_len = NLMSG_LENGTH(hdrlen);
	req.nlh.nlmsg_type = type;
	req.nlh.nlmsg_flags = NLM_F_REQUEST | NLM_F_DUMP;
	req.nlh.nlmsg_seq = ++nl->seq;
	req.u.rtm.rtm_family = family;  /* first byte of every member */
	err = send_msg(nl, &req.nlh);
	if (err)
		return err;

	while (!done) {
		ssize_t n = xs_nl__recv(nl, buf, len, 0);
		const struct nlmsghdr *nlh;
		unsigned int left;

		if (n < 0)
			return (int)n;  /* -EMSGSIZE included: the dump is incomplete */
		left = (unsigned int)n;
		for (nlh = buf; NLMSG_OK(nlh, left); nlh = NLMSG_NEXT(nlh, left)) {
			/* Stale replies of an earlier, abandoned request. */
			if (nlh->nlmsg_seq != nl->seq || nlh->nlmsg_pid != nl->portid)
				continue;
			if (nlh->nlmsg_flags & NLM_F_DUMP_INTR)
				intr = true;
			if (nlh->nlmsg_type == NLMSG_DONE) {
				done = true;
				break;
			}
			if (nlh->nlmsg_type == NLMSG_ERROR) {
				int e = nlmsg_errno(nlh);

				if (!err)
					err = e ? e : -EBADMSG;
				done = true;
				break;
			}
			if (!err) {
				int r = fn(nlh, ctx);

				if (r < 0)
					err = r;
			}
		}
	}
	if (err)
		return err;
	return intr ? -EINTR : 0;
}

int xs_nl__request(struct xs_nl *nl, struct nlmsghdr *req, void *buf, size_t len,
		   xs_nl_msg_fn fn, void *ctx)
{
	int err;

	req->nlmsg_flags |= NLM_F_REQUEST | NLM_F_ACK;
	req->nlmsg_seq = ++nl->seq;
	req->nlmsg_pid = 0;
	err = send_msg(nl, req);
	if (err)
		return err;
	for (;;) {
		ssize_t n = xs_nl__recv(nl, buf, len, 0);
		const struct nlmsghdr *nlh;
		unsigned int left;

		if (n < 0)
			return (int)n;
		left = (unsigned int)n;
		for (nlh = buf; NLMSG_OK(nlh, left); nlh = NLMSG_NEXT(nlh, left)) {
			if (nlh->nlmsg_seq != nl->seq || nlh->nlmsg_pid != nl->portid)
				continue;
			if (nlh->nlmsg_type == NLMSG_ERROR)
				return nlmsg_errno(nlh);
			if (fn)
				(void)fn(nlh, ctx);
		}
	}
}
