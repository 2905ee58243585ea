/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * UDP sockets: the protocol side of SOCK_DGRAM.  A socket table with Linux's
 * lookup rules, a receive queue that holds received frames until the
 * application reads them (no copy on the way in), and the header and
 * checksum of outgoing datagrams.  The calls (bind, sendmsg, recvmsg, ...)
 * live in api/; this layer keeps no globals and reads no clock.
 *
 *   udp_sock.c  socket state, the table, the receive queue
 *   udp_rx.c    datagrams arriving: demultiplex, check, enqueue
 *   udp_recv.c  datagrams leaving the queue for the application
 *   udp_send.c  datagrams leaving the application: header and checksum
 */
#ifndef XS_SOCK_UDP_H
#define XS_SOCK_UDP_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/socket.h>
#include <sys/uio.h>

#include "dev/dev.h"
#include "iface/drop.h"
#include "iface/ip_in.h"

#define XS_UDP_HDR_LEN 8
#define XS_UDP_NO_STAMP UINT64_MAX
#define XS_UDP_TABLE_SIZE 1024

/* Kernel-like accounting: what one queued datagram costs against
 * SO_RCVBUF, on top of its payload (an skb's overhead on Linux). */
#define XS_UDP_DGRAM_OVERHEAD 768

/* One queued datagram: a received frame (dev != NULL), or a heap copy of a
 * datagram that came through the kernel twin (heap != NULL). */
struct xs_udp_dgram {
	struct xs_dev *dev;
	struct xs_frame frame;
	void *heap;
	const uint8_t *data;        /* payload */
	uint32_t len;
	uint32_t truesize;
	uint8_t src[16];            /* IPv4 as ::ffff:a.b.c.d */
	uint8_t dst[16];
	uint16_t sport;             /* host order */
	uint16_t dport;
	uint8_t family;             /* of the packet: AF_INET or AF_INET6 */
	uint8_t tos;
	uint8_t ttl;
	int ifindex;
	uint64_t rx_ns;             /* CLOCK_REALTIME at receive, for timestamps */
};

/* Ancillary data a socket asked for with setsockopt(), delivered by
 * xs_udp_recv() as recvmsg(2) does on Linux. */
enum xs_udp_cmsg {
	XS_CMSG_TIMESTAMP = 1 << 0,     /* SO_TIMESTAMP: struct timeval */
	XS_CMSG_TIMESTAMPNS = 1 << 1,   /* SO_TIMESTAMPNS: struct timespec (wins) */
	XS_CMSG_PKTINFO = 1 << 2,       /* IP_PKTINFO */
	XS_CMSG_TTL = 1 << 3,           /* IP_RECVTTL */
	XS_CMSG_TOS = 1 << 4,           /* IP_RECVTOS */
	XS_CMSG_PKTINFO6 = 1 << 5,      /* IPV6_RECVPKTINFO */
	XS_CMSG_HOPLIMIT6 = 1 << 6,     /* IPV6_RECVHOPLIMIT */
	XS_CMSG_TCLASS6 = 1 << 7,       /* IPV6_RECVTCLASS */
	XS_CMSG_ORIGDST = 1 << 8,       /* IP_RECVORIGDSTADDR */
	XS_CMSG_ORIGDST6 = 1 << 9,      /* IPV6_RECVORIGDSTADDR */
};

struct xs_udp_sock {
	struct xs_udp_sock *next;   /* table chain, by local port */
	int family;                 /* AF_INET or AF_INET6 */
	bool v6only;
	bool in_table;
	bool connected;
	bool shut_rd, shut_wr;
	uint8_t laddr[16];          /* zero: any address */
	uint16_t lport;             /* host order */
	uint8_t raddr[16];
	uint16_t rport;
	int bound_ifindex;          /* SO_BINDTODEVICE, 0 for any */
	uint32_t cmsg_flags;        /* enum xs_udp_cmsg */
	int32_t peek_off;           /* SO_PEEK_OFF, -1 when off */
	/* SIOCGSTAMP, as the kernel keeps sk_stamp: XS_UDP_NO_STAMP until a
	 * datagram is read, 0 ("now") while timestamping is off, else the
	 * last datagram's receive time; untouched while SO_TIMESTAMP(NS)
	 * delivers stamps as control messages instead. */
	uint64_t stamp_ns;
	bool stamp_enabled;         /* SIOCGSTAMP was used (SOCK_TIMESTAMP) */
	/* receive queue: a ring of q_cap entries */
	struct xs_udp_dgram *q;
	uint32_t q_cap, q_head, q_count;
	uint32_t rcv_used;          /* bytes charged (truesize) */
	uint32_t rcvbuf;            /* SO_RCVBUF as getsockopt reports it */
	uint64_t rx_dgrams, rx_drops;
};

struct xs_udp_table {
	struct xs_udp_sock *bucket[XS_UDP_TABLE_SIZE];
	uint32_t count;
	bool accept_partial_csum;   /* see xs_csum_l4_is_partial() */
	uint64_t partial_csums;     /* datagrams accepted so */
};

/* udp_sock.c */
void xs_udp_sock_init(struct xs_udp_sock *s, int family);
/* Gives every queued frame back to its device and frees heap copies. */
void xs_udp_sock_purge(struct xs_udp_sock *s);
void xs_udp_table_insert(struct xs_udp_table *t, struct xs_udp_sock *s);
void xs_udp_table_remove(struct xs_udp_table *t, struct xs_udp_sock *s);
/* The socket a datagram to dst:dport from src:sport belongs to, by Linux's
 * rules (connected 4-tuple, then bound address, then wildcard; v6only and
 * IPv4-mapped delivery), or NULL. */
struct xs_udp_sock *xs_udp_lookup(const struct xs_udp_table *t, int family,
				  const uint8_t src[16], uint16_t sport,
				  const uint8_t dst[16], uint16_t dport, int ifindex);
/* Queues a datagram if the receive buffer has room.  Returns 0 (the queue
 * owns what d refers to) or -ENOBUFS (nothing changed, caller keeps it). */
int xs_udp_enqueue(struct xs_udp_sock *s, const struct xs_udp_dgram *d);
/* The oldest queued datagram, or NULL. */
static inline struct xs_udp_dgram *xs_udp_head(struct xs_udp_sock *s)
{
	return s->q_count ? &s->q[s->q_head] : NULL;
}
/* Removes the oldest datagram and releases what it holds. */
void xs_udp_dequeue(struct xs_udp_sock *s);

/* udp_rx.c */
/* A UDP packet from the IP layer, received at rx_realtime_ns (CLOCK_REALTIME,
 * what SO_TIMESTAMP reports).  On XS_DROP_NONE the frame f of dev now
 * belongs to the socket stored in *to; on any other value it is still the
 * caller's, to release. */
enum xs_drop_reason xs_udp_input(struct xs_udp_table *t, const struct xs_rx_pkt *pkt,
				 struct xs_dev *dev, const struct xs_frame *f, int ifindex,
				 uint64_t now_ns, struct xs_udp_sock **to);

/* The same for a datagram in a malloc'd buffer (one iface/reasm.c rebuilt):
 * on XS_DROP_NONE the queue owns buf and frees it; otherwise the caller
 * still does. */
enum xs_drop_reason xs_udp_input_buf(struct xs_udp_table *t, const struct xs_rx_pkt *pkt,
				     void *buf, int ifindex, uint64_t now_ns,
				     struct xs_udp_sock **to);

/* udp_recv.c */
/* Copies the head datagram into msg as recvmsg(2) would: payload into
 * msg_iov (MSG_TRUNC in msg_flags when cut short), the source into msg_name
 * (sockaddr_in, or sockaddr_in6 on an AF_INET6 socket), the control
 * messages s->cmsg_flags asks for into msg_control (MSG_CTRUNC when they do
 * not fit, msg_controllen set to the bytes used), and dequeues it unless
 * flags has MSG_PEEK.  Returns the bytes copied, or the datagram's
 * length with MSG_TRUNC in flags, or -EFAULT (datagram consumed) for a NULL
 * buffer of nonzero length.  The queue must not be empty. */
ssize_t xs_udp_recv(struct xs_udp_sock *s, struct msghdr *msg, int flags);
/* Writes addr:port as the socket family's sockaddr into sa (truncated to
 * *len bytes) and sets *len to the full size, as the kernel does. */
void xs_udp_fill_sockaddr(int sock_family, const uint8_t addr[16], uint16_t port,
			  struct sockaddr *sa, socklen_t *len);

/* udp_send.c */
/* Writes the UDP header for a datagram of payload_len bytes from iov into
 * hdr, with the checksum over the pseudo header (src, dst), header and
 * payload. */
void xs_udp_build_header(uint8_t hdr[XS_UDP_HDR_LEN], int family, const uint8_t src[16],
			 uint16_t sport, const uint8_t dst[16], uint16_t dport,
			 const struct iovec *iov, int iovcnt, size_t payload_len);

#endif
