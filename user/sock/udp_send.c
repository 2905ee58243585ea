// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * Datagrams leaving the application: the UDP header and its checksum,
 * summed over the caller's buffers in place.  The api layer then hands
 * header and buffers to iface/ip_out.c, which copies them into frames.
 */
#include "sock/udp.h"

#include <string.h>
#include <netinet/in.h>

#include "wire/bytes.h"
#include "wire/csum.h"

void xs_udp_build_header(uint8_t hdr[XS_UDP_HDR_LEN], int family, const uint8_t src[16],
			 uint16_t sport, const uint8_t dst[16], uint16_t dport,
			 const struct iovec *iov, int iovcnt, size_t payload_len)
{
	uint32_t len = (uint32_t)(XS_UDP_HDR_LEN + payload_len), sum;
	struct xs_pseudo ph = { .family = (sa_family_t)family };
	size_t off = XS_UDP_HDR_LEN;
	uint16_t csum;

	xs_put16(hdr, sport);
	xs_put16(hdr + 2, dport);
	xs_put16(hdr + 4, (uint16_t)(len > 0xffff ? 0 : len));
	xs_put16(hdr + 6, 0);
	if (family == AF_INET) {
		memcpy(&ph.src.v4, src + 12, 4);
		memcpy(&ph.dst.v4, dst + 12, 4);
	} else {
		memcpy(&ph.src.v6, src, 16);
		memcpy(&ph.dst.v6, dst, 16);
	}
	sum = xs_csum_pseudo(&ph, IPPROTO_UDP, len);
	sum = xs_csum_add(sum, xs_csum_partial(hdr, XS_UDP_HDR_LEN, 0));
	for (int i = 0; i < iovcnt; i++) {
		if (!iov[i].iov_len)
			continue;
		sum = xs_csum_block_add(sum, xs_csum_partial(iov[i].iov_base, iov[i].iov_len, 0), off);
		off += iov[i].iov_len;
	}
	csum = xs_csum_fold(sum);
	/* RFC 768: a computed zero is sent as all ones. */
	xs_put16(hdr + 6, csum ? csum : 0xffff);
}
