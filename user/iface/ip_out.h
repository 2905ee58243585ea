/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * Datagrams to frames: the transmit side of the L3 layer.  A transport
 * (sock/) hands over its header and the payload as an iovec; xs_ip_send()
 * writes Ethernet + IP (+ fragment) headers and the bytes straight into TX
 * frames of the interface's device, fragmenting to the MTU, and submits
 * them in one batch.  The payload is copied once: from the caller's buffers
 * into the frames.
 */
#ifndef XS_IFACE_IP_OUT_H
#define XS_IFACE_IP_OUT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/uio.h>

#include "iface/ifnet.h"

struct xs_ip_tx {
	int family;                 /* AF_INET or AF_INET6 */
	uint8_t proto;
	uint8_t ttl;                /* TTL or hop limit */
	uint8_t tos;                /* TOS or traffic class */
	bool df;                    /* IPv4: refuse to fragment (-EMSGSIZE) */
	uint32_t mtu;               /* path MTU if below the interface's, else 0 */
	uint8_t src[16], dst[16];   /* IPv4 as ::ffff:a.b.c.d */
	uint8_t dst_mac[6];
};

/* Largest IP payload (transport header + data) that leaves unfragmented
 * on ifn, under a path MTU (0: the interface's). */
size_t xs_ip_max_unfragmented(const struct xs_ifnet *ifn, int family, uint32_t path_mtu);

/*
 * Sends one IP datagram: hdr[0..hdr_len) (the transport header, checksum
 * already filled in) followed by payload_len bytes gathered from iov.
 * The frames are queued, not yet announced: call xs_dev_kick(ifn->dev)
 * once after the last datagram of a batch (one system call for the batch in
 * copy mode).
 * Returns 0 when every frame was queued; -EMSGSIZE when the datagram is
 * larger than IP allows (65535 total for IPv4, 65535 payload for IPv6) or
 * needs fragmenting while tx->df is set; -ENOBUFS when the device had no
 * frames or ring space for it in time (nothing was sent).
 */
int xs_ip_send(struct xs_ifnet *ifn, const struct xs_ip_tx *tx, const void *hdr, size_t hdr_len,
	       const struct iovec *iov, int iovcnt, size_t payload_len, uint64_t now_ns);

#endif
