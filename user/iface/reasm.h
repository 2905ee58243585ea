/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * IP reassembly (RFC 791, RFC 8200 §4.5) for fragments that reach the
 * stack.  Normally none do: the XDP program passes fragments to the kernel,
 * which reassembles them for the socket's kernel twin (docs/design.md).
 * This is for a caller that receives fragments anyway: it feeds the IP
 * packet of each one (after xs_ip_input() said XS_DROP_FRAGMENT) and gets
 * back an unfragmented IP packet to parse again.  Uses wire/ (views,
 * checksums); reads no clock, calls no device and keeps no globals: the
 * time is an argument, and the table hangs off the object its owner holds.
 *
 * Datagrams are keyed as Linux keys them: IPv4 (source, destination,
 * identification, protocol), IPv6 (source, destination, identification).
 * The rules follow Linux after the FragmentSmack fixes: an exact duplicate
 * (same offset and length) is ignored, any other overlap drops the whole
 * datagram (RFC 5722 for IPv6, and Linux does it for IPv4 too); a fragment
 * that contradicts the datagram's length (data past a known end, a second
 * last fragment with another end) drops the datagram as well.  An IPv6
 * atomic fragment (offset 0, M clear; RFC 6946) is returned at once,
 * whatever else is queued under its key.
 *
 * Not done (the kernel does): ECN codepoint merging across fragments
 * (RFC 3168 §5.3), ICMP "time exceeded in reassembly" on timeout, and a
 * secret hash key (chains are bounded by max_datagrams instead).
 *
 * Memory: each fragment charges its payload bytes (the first one also the
 * header it keeps) plus XS_REASM_FRAG_OVERHEAD against max_bytes.
 */
#ifndef XS_IFACE_REASM_H
#define XS_IFACE_REASM_H

#include <stddef.h>
#include <stdint.h>

#define XS_REASM_FRAG_OVERHEAD		64		/* bytes charged per fragment kept */
#define XS_REASM_DEFAULT_MAX_BYTES	(4u << 20)	/* ipfrag_high_thresh */
#define XS_REASM_DEFAULT_TIMEOUT_NS	(30ull * 1000000000ull)	/* ipfrag_time */
#define XS_REASM_DEFAULT_MAX_DATAGRAMS	1024

struct xs_reasm_opts {
	size_t sz;			/* sizeof(struct xs_reasm_opts) */
	size_t max_bytes;		/* 0: XS_REASM_DEFAULT_MAX_BYTES */
	uint64_t timeout_ns;		/* 0: XS_REASM_DEFAULT_TIMEOUT_NS */
	uint32_t max_datagrams;		/* 0: XS_REASM_DEFAULT_MAX_DATAGRAMS */
};

struct xs_reasm;

/* opts may be NULL (all defaults).  NULL and errno EINVAL (opts->sz too
 * small) or ENOMEM. */
struct xs_reasm *xs_reasm__new(const struct xs_reasm_opts *opts);
/* Frees every datagram still held.  NULL is fine. */
void xs_reasm__free(struct xs_reasm *r);

struct xs_reasm_out {
	uint8_t *buf;			/* malloc'd; the caller frees it */
	size_t len;
	int family;			/* AF_INET or AF_INET6 */
};

/*
 * Feeds one fragment: l3[0..len) is the IP packet from its IP header
 * (IPv4, or IPv6 with a Fragment header; bytes past the IP length, such as
 * Ethernet padding, are ignored).  Copies what it keeps: l3 stays the
 * caller's whatever the result.  now_ns is the caller's monotonic clock.
 *
 * Returns
 *   1        *out holds the whole datagram as an unfragmented IP packet.
 *            IPv4: the first fragment's header and options, MF and offset
 *            0 (DF as the first fragment had it), new total length and
 *            header checksum.  IPv6: the fixed header and the extension
 *            headers that preceded the Fragment header in the first
 *            fragment, the Fragment header removed, the next-header chain
 *            mended and payload_len set.
 *   0        kept, more fragments are needed; or an exact duplicate,
 *            ignored.
 *   -EBADMSG malformed: a header the views reject, a bad IPv4 header
 *            checksum, an empty fragment, a non-last fragment whose length
 *            is not a multiple of 8, a datagram that would exceed 65535
 *            bytes (IPv4 total length, IPv6 payload length), or a fragment
 *            that contradicts the datagram's length (then the datagram is
 *            dropped too).
 *   -EEXIST  overlaps a fragment already held: the datagram is dropped.
 *   -ENOMEM  does not fit: the oldest other datagrams are evicted first,
 *            so this only happens when the datagram this fragment belongs
 *            to cannot fit in max_bytes by itself (it is dropped), or when
 *            malloc fails.
 *   -EINVAL  not a fragment (IPv4 with MF clear and offset 0, IPv6 without
 *            a Fragment header before the upper layer); not counted.
 * A datagram found past its timeout is dropped (a timeout) before the
 * fragment is taken.
 */
int xs_reasm__input(struct xs_reasm *r, const uint8_t *l3, size_t len, uint64_t now_ns,
		    struct xs_reasm_out *out);

/* Drops the datagrams whose first fragment arrived timeout_ns or more
 * before now_ns, oldest first, stopping at the first one that is younger.
 * Returns how many it dropped. */
unsigned int xs_reasm__expire(struct xs_reasm *r, uint64_t now_ns);

struct xs_reasm_stats {
	uint64_t fragments;		/* inputs other than -EINVAL */
	uint64_t reassembled;		/* datagrams returned */
	uint64_t timeouts;		/* datagrams dropped for age */
	uint64_t overlaps;		/* -EEXIST */
	uint64_t malformed;		/* -EBADMSG */
	uint64_t evicted;		/* datagrams dropped for memory */
	uint64_t bytes_held;		/* charged now, against max_bytes */
	uint64_t datagrams_held;	/* incomplete datagrams now */
};

void xs_reasm__stats(const struct xs_reasm *r, struct xs_reasm_stats *st);

#endif /* XS_IFACE_REASM_H */
