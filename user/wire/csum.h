/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * The Internet checksum (RFC 1071) and its incremental update (RFC 1624).
 * Used by every header in wire/ that carries a checksum: IPv4, ICMPv4,
 * ICMPv6, UDP and TCP.
 *
 * A partial sum (uint32_t) is a one's-complement sum of the bytes read as
 * 16-bit words in the machine's own byte order; such sums add up in any
 * order and fold to the same checksum on any machine.  A partial sum over a
 * block that starts at an odd offset of the checksummed data must be
 * combined with xs_csum_block_add(), which swaps its bytes.
 *
 * xs_csum_fold() turns a partial sum into the value of a checksum field in
 * host order, ready for xs_put16(); a block that contains its own correct
 * checksum folds to 0.
 */
#ifndef XS_WIRE_CSUM_H
#define XS_WIRE_CSUM_H

#include <netinet/in.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Partial sum of buf[0..len) added to sum.  Any alignment, any length. */
uint32_t xs_csum_partial(const void *buf, size_t len, uint32_t sum);

/* One's-complement sum of two partial sums. */
uint32_t xs_csum_add(uint32_t a, uint32_t b);

/* Adds the partial sum of a block that starts offset bytes into the data. */
uint32_t xs_csum_block_add(uint32_t sum, uint32_t block, size_t offset);

/* Complemented 16-bit fold of sum: the checksum field, host order. */
uint16_t xs_csum_fold(uint32_t sum);

/* Partial sums of the IPv4 (RFC 768) and IPv6 (RFC 8200 §8.1) pseudo-headers;
 * len is the upper-layer length (header and payload). */
uint32_t xs_csum_pseudo4(const struct in_addr *src, const struct in_addr *dst,
			 uint8_t proto, uint32_t len);
uint32_t xs_csum_pseudo6(const struct in6_addr *src, const struct in6_addr *dst,
			 uint8_t next_header, uint32_t len);

/* The addresses of a pseudo-header, for the upper layers' parse and emit. */
struct xs_pseudo {
	sa_family_t family;	/* AF_INET or AF_INET6 */
	union {
		struct in_addr v4;
		struct in6_addr v6;
	} src, dst;
};

/* xs_csum_pseudo4() or xs_csum_pseudo6() as ph->family says. */
uint32_t xs_csum_pseudo(const struct xs_pseudo *ph, uint8_t proto, uint32_t len);

/* The checksum field (host order) of the upper-layer message buf[0..len)
 * under ph: 0 when buf holds a correct one, the value to store when its
 * checksum field is zero. */
uint16_t xs_csum_l4(const struct xs_pseudo *ph, uint8_t proto,
		    const void *buf, size_t len);

/*
 * Whether the checksum field at buf + field_off (host order, as stored) is
 * what a local sender leaves when it hands checksumming to the device
 * (CHECKSUM_PARTIAL: the folded pseudo-header sum, not complemented).  A
 * veth whose peer has TX checksum offload on delivers such frames to XDP
 * unfinished; the kernel trusts them, since they never left the host.
 */
bool xs_csum_l4_is_partial(const struct xs_pseudo *ph, uint8_t proto, const void *buf,
			   size_t len, size_t field_off);

/*
 * RFC 1624 eqn. 3, HC' = ~(~HC + ~m + m'): the checksum field check (host
 * order) after a 16-bit or 32-bit field of the covered data changed from
 * old to new (host order).  For NAT-style rewrites and TTL decrements.
 */
uint16_t xs_csum_replace2(uint16_t check, uint16_t old, uint16_t new);
uint16_t xs_csum_replace4(uint16_t check, uint32_t old, uint32_t new);

#endif /* XS_WIRE_CSUM_H */
