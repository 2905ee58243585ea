/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * rtnetlink sockets, plain <linux/netlink.h> (no libmnl): the transport
 * under the kernel mirror (mirror.c).  Knows framing, sequence numbers,
 * multipart dumps, acks and truncation; knows nothing about links, routes
 * or neighbours.
 *
 * Two sockets per mirror, for a reason: the event socket is subscribed to
 * multicast groups and non-blocking; requests (dumps, neighbour
 * resolution) go over a second, unsubscribed socket, so a reply is never
 * interleaved with notifications and a re-dump can run while events queue
 * up on the other socket.
 */
#ifndef XS_IFACE_NETLINK_H
#define XS_IFACE_NETLINK_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>
#include <linux/netlink.h>

/* One receive holds a whole netlink skb: the kernel sizes dump skbs from
 * the reader's buffer, up to 32 KiB; notifications are smaller. */
#define XS_NL_RXBUF (64 * 1024)

struct xs_nl {
	int fd;
	uint32_t portid;            /* ours, as the kernel assigned it */
	uint32_t seq;               /* last sequence number sent */
};

/* Opens a NETLINK_ROUTE socket bound to the RTMGRP_* mask `groups` (0 for a
 * request socket); event sockets (groups != 0) are non-blocking and get a
 * large receive buffer.  Returns 0 or -errno. */
int xs_nl__open(struct xs_nl *nl, uint32_t groups);
void xs_nl__close(struct xs_nl *nl);

/* One recvmsg.  Returns the byte count, -EAGAIN when nothing is pending
 * (non-blocking sockets), -ENOBUFS when the kernel dropped messages
 * (receive queue overrun: the caller must re-dump), -EMSGSIZE when a
 * datagram did not fit buf (it is lost: treat as an overrun), or another
 * -errno.  Datagrams not sent by the kernel are skipped (returns 0). */
ssize_t xs_nl__recv(struct xs_nl *nl, void *buf, size_t len, int flags);

/* Called for every message of a dump; a negative return stops the dump
 * (its value is returned, after the rest of the reply is drained). */
typedef int (*xs_nl_msg_fn)(const struct nlmsghdr *nlh, void *ctx);

/* Dumps `type` (RTM_GETLINK, RTM_GETADDR, RTM_GETROUTE, RTM_GETNEIGH) for
 * `family` over a request socket, calling fn on each message, up to
 * NLMSG_DONE.  buf (len >= XS_NL_RXBUF) is scratch.  Returns 0, the
 * kernel's -errno from NLMSG_ERROR, fn's negative return, -EINTR if the
 * kernel flagged the dump inconsistent (NLM_F_DUMP_INTR: the table changed
 * while it was dumped; dump again), or a socket -errno. */
int xs_nl__dump(struct xs_nl *nl, int type, unsigned char family, void *buf, size_t len,
		xs_nl_msg_fn fn, void *ctx);

/* Sends req (nlmsg_len filled in; seq, pid and NLM_F_REQUEST|NLM_F_ACK
 * are set here) and waits for its ack; replies before the ack (the answer
 * to a get) go to fn if it is not NULL.  Returns 0 or the kernel's -errno. */
int xs_nl__request(struct xs_nl *nl, struct nlmsghdr *req, void *buf, size_t len,
		   xs_nl_msg_fn fn, void *ctx);

#endif /* XS_IFACE_NETLINK_H */
