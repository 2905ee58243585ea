/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * Test frame builder: Ethernet with VLAN tags, IPv4 with options and
 * fragment bits, IPv6 with extension headers, TCP, UDP, ICMP and ICMPv6,
 * all with consistent lengths and valid checksums.
 *
 * A test that wants a broken frame builds a valid one and then changes the
 * bytes it cares about through the recorded offsets (l3_off, l4_off), or
 * runs a prefix of it.  Nothing here knows about xsock: the BPF tests, the
 * wire-view unit tests and the stack tests can all use it.
 */
#ifndef XS_TESTS_FRAMES_H
#define XS_TESTS_FRAMES_H

#include <stddef.h>
#include <stdint.h>

#define TEST_FRAME_MAX       2048
#define TEST_FRAME_MAX_VLANS 4
#define TEST_FRAME_MAX_EXT   12

/* Built frames use these MAC addresses (locally administered). */
#define TEST_FRAME_SRC_MAC { 0x02, 0x00, 0x00, 0x00, 0x00, 0x01 }
#define TEST_FRAME_DST_MAC { 0x02, 0x00, 0x00, 0x00, 0x00, 0x02 }

struct test_frame_spec {
	/* Link layer.  vlan_tpid lists the tags outermost first (0x88a8,
	 * 0x8100); tag i carries VID 100 + i. */
	uint16_t vlan_tpid[TEST_FRAME_MAX_VLANS];
	int n_vlans;
	/* 0: IPv4 or IPv6 from `family`.  Anything else (ETH_P_ARP, ...):
	 * the frame is Ethernet + tags + payload_len zero bytes, and the
	 * fields below are ignored. */
	uint16_t ethertype;

	/* Network layer. */
	int family;                 /* 4 or 6 */
	const char *saddr;          /* text form for inet_pton */
	const char *daddr;
	uint8_t proto;              /* IPPROTO_TCP, _UDP, _ICMP, _ICMPV6, any */
	uint8_t ipv4_opt_words;     /* 0..10 words of options: ihl = 5 + this */
	uint16_t ipv4_frag;         /* frag_off field, host order: IP_MF | offset */
	/* IPv6 extension headers in order (IPPROTO_HOPOPTS, _ROUTING,
	 * _DSTOPTS, _FRAGMENT, _AH), and for options and routing headers
	 * their Hdr Ext Len (extra 8-octet units). */
	uint8_t ipv6_ext[TEST_FRAME_MAX_EXT];
	uint8_t ipv6_ext_len[TEST_FRAME_MAX_EXT];
	int n_ipv6_ext;

	/* Transport layer; ports in host order. */
	uint16_t sport;
	uint16_t dport;
	uint8_t tcp_flags;          /* TH_SYN, TH_ACK, ... from netinet/tcp.h */
	uint8_t tcp_opt_words;      /* doff = 5 + this */

	size_t payload_len;         /* bytes after the transport header (0x5a) */
	size_t pad_len;             /* link-layer padding after the IP packet */
};

struct test_frame {
	uint8_t data[TEST_FRAME_MAX];
	size_t len;
	size_t l3_off;              /* first byte after the Ethernet/VLAN headers */
	size_t l4_off;              /* transport header (IP frames only) */
};

/* Builds the frame `spec` describes into `f`.  Returns 0, or -EINVAL when
 * the spec is inconsistent (bad address, too many headers, too long). */
int test_frame_build(struct test_frame *f, const struct test_frame_spec *spec);

/* The Internet checksum of `len` bytes, folded, starting from `sum`. */
uint16_t test_frame_csum(const void *data, size_t len, uint32_t sum);

#endif /* XS_TESTS_FRAMES_H */
