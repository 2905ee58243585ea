/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * Why the stack dropped a frame or datagram.  One enum for every layer that
 * drops; values are stable (they are counter indexes, published to
 * xsockctl), new reasons go at the end.
 */
#ifndef XS_IFACE_DROP_H
#define XS_IFACE_DROP_H

enum xs_drop_reason {
	XS_DROP_NONE = 0,
	XS_DROP_ETH_MALFORMED,      /* Ethernet/VLAN header did not parse */
	XS_DROP_NOT_IP,             /* neither IPv4 nor IPv6 */
	XS_DROP_IPV4_MALFORMED,     /* IPv4 header lengths or version wrong */
	XS_DROP_IPV4_CSUM,          /* IPv4 header checksum */
	XS_DROP_IPV6_MALFORMED,
	XS_DROP_FRAGMENT,           /* a fragment no reassembly could take */
	XS_DROP_PROTO,              /* a transport the stack does not serve */
	XS_DROP_UDP_MALFORMED,      /* UDP length inconsistent */
	XS_DROP_UDP_CSUM,           /* UDP checksum */
	XS_DROP_NO_SOCKET,          /* no socket bound to the destination */
	XS_DROP_RCVBUF,             /* the socket's receive buffer was full */
	XS_DROP_TX_RING,            /* transmit ring full too long */
	XS_DROP_REASM_MALFORMED,    /* a fragment with inconsistent offsets or lengths */
	XS_DROP_REASM_OVERLAP,      /* overlapping fragments: the datagram is dropped (RFC 5722) */
	XS_DROP_REASM_MEMORY,       /* reassembly memory full, or a datagram evicted */
	XS_DROP_REASM_TIMEOUT,      /* a datagram not completed in time */
	XS_DROP_TCP_MALFORMED,      /* TCP header or options did not parse */
	XS_DROP_TCP_CSUM,           /* TCP checksum */
	XS_DROP_TCP_STATE,          /* not acceptable in the connection's state or window */
	XS_DROP_TCP_PAWS,           /* an old timestamp (RFC 7323 PAWS) */
	XS_DROP_TCP_LISTEN_FULL,    /* a SYN to a listener whose queues are full */
	XS_DROP__MAX
};

/* Stable names for counters ("udp_csum"), indexed by the enum. */
extern const char *const xs_drop_reason_names[XS_DROP__MAX];

#endif
