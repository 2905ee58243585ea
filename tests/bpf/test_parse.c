// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * What the steering program makes of the bytes of a frame: VLAN tags, IPv4
 * options and padding, IPv6 extension headers, fragments, other protocols,
 * inconsistent lengths and truncation.
 *
 * A frame that parses is checked against an exact 5-tuple rule made from
 * the frame's own spec: only a parser that found every address and port
 * at the right offset steers it.  There is no AF_XDP socket here, so a
 * steered frame comes back XDP_PASS counted as pass_redirect_failed (the
 * program tried); test_steer.c covers real redirects.  Everything the
 * program must leave alone comes back XDP_PASS under its own reason.
 */
#include <errno.h>
#include <linux/if_ether.h>
#include <netinet/in.h>
#include <netinet/ip.h>
#include <netinet/tcp.h>
#include <string.h>

#include <criterion/criterion.h>

#include "lib/steer_prog.h"

TestSuite(parse, .init = steer_setup, .fini = steer_teardown);

/* The exact rule for this frame: local = destination. */
static void add_flow_for(const struct test_frame_spec *s)
{
	steer_add_flow(s->proto, s->daddr, s->dport, s->saddr, s->sport);
}

static void expect_flow_hits(const struct test_frame_spec *s, __u64 packets, __u64 bytes)
{
	struct xs_flow_val v = steer_flow(s->proto, s->daddr, s->dport, s->saddr, s->sport);

	cr_expect_eq(v.packets, packets, "flow packets %llu, expected %llu",
		     (unsigned long long)v.packets, (unsigned long long)packets);
	cr_expect_eq(v.bytes, bytes, "flow bytes %llu, expected %llu",
		     (unsigned long long)v.bytes, (unsigned long long)bytes);
}

/* One frame that must be steered by the exact rule of its own tuple. */
static void expect_steered(const struct test_frame_spec *s)
{
	struct test_frame f = steer_frame(s);

	add_flow_for(s);
	cr_assert_eq(steer_run(&f), XDP_PASS, "no AF_XDP socket: the redirect falls back");
	STEER_EXPECT(.rx_packets = 1, .rx_bytes = f.len, .pass_redirect_failed = 1);
	expect_flow_hits(s, 1, f.len);
}

/* Runs `f` once with the frame's rule in place; the caller then checks
 * the one reason it expects. */
static void run_with_rule(const struct test_frame_spec *s, const struct test_frame *f)
{
	add_flow_for(s);
	cr_assert_eq(steer_run(f), XDP_PASS);
	expect_flow_hits(s, 0, 0);
}

static struct test_frame_spec vlan_spec(int family, uint8_t proto, int n, const uint16_t *tpid)
{
	struct test_frame_spec s = steer_spec(family, proto, 5000);
	int i;

	s.n_vlans = n;
	for (i = 0; i < n; i++)
		s.vlan_tpid[i] = tpid[i];
	return s;
}

/* ---- Ethernet and VLAN ------------------------------------------------ */

Test(parse, vlan_one_tag_steered_like_untagged)
{
	static const uint16_t tags[] = { ETH_P_8021Q };
	struct test_frame_spec s = vlan_spec(4, IPPROTO_TCP, 1, tags);

	expect_steered(&s);
}

Test(parse, vlan_qinq_steered_like_untagged)
{
	static const uint16_t tags[] = { ETH_P_8021AD, ETH_P_8021Q };
	struct test_frame_spec s = vlan_spec(6, IPPROTO_UDP, 2, tags);

	expect_steered(&s);
}

Test(parse, vlan_two_8021q_tags_steered)
{
	static const uint16_t tags[] = { ETH_P_8021Q, ETH_P_8021Q };
	struct test_frame_spec s = vlan_spec(4, IPPROTO_UDP, 2, tags);

	expect_steered(&s);
}

Test(parse, vlan_three_tags_left_to_kernel_as_not_ip)
{
	static const uint16_t tags[] = { ETH_P_8021AD, ETH_P_8021Q, ETH_P_8021Q };
	struct test_frame_spec s = vlan_spec(4, IPPROTO_TCP, 3, tags);
	struct test_frame f = steer_frame(&s);

	run_with_rule(&s, &f);
	STEER_EXPECT(.rx_packets = 1, .rx_bytes = f.len, .pass_not_ip = 1);
}

Test(parse, arp_is_not_ip)
{
	struct test_frame_spec s = { .ethertype = ETH_P_ARP, .payload_len = 28 };
	struct test_frame f = steer_frame(&s);

	cr_assert_eq(steer_run(&f), XDP_PASS);
	STEER_EXPECT(.rx_packets = 1, .rx_bytes = f.len, .pass_not_ip = 1);
}

Test(parse, lldp_and_tagged_arp_are_not_ip)
{
	struct test_frame_spec lldp = { .ethertype = 0x88cc, .payload_len = 46 };
	struct test_frame_spec arp = { .ethertype = ETH_P_ARP, .payload_len = 28,
				       .n_vlans = 1, .vlan_tpid = { ETH_P_8021Q } };
	struct test_frame a = steer_frame(&lldp), b = steer_frame(&arp);

	cr_assert_eq(steer_run(&a), XDP_PASS);
	cr_assert_eq(steer_run(&b), XDP_PASS);
	STEER_EXPECT(.rx_packets = 2, .rx_bytes = a.len + b.len, .pass_not_ip = 2);
}

Test(parse, icmp_is_not_tcp_udp)
{
	struct test_frame_spec s = steer_spec(4, IPPROTO_ICMP, 0);
	struct test_frame f;

	s.payload_len = 56;
	f = steer_frame(&s);
	/* A rule on every port of the other protocols changes nothing. */
	steer_add_listener(IPPROTO_TCP, XS_FAMILY_ANY, NULL, 0);
	steer_add_listener(IPPROTO_UDP, XS_FAMILY_ANY, NULL, 0);
	cr_assert_eq(steer_run(&f), XDP_PASS);
	STEER_EXPECT(.rx_packets = 1, .rx_bytes = f.len, .pass_not_tcp_udp = 1);
}

Test(parse, icmpv6_is_not_tcp_udp)
{
	struct test_frame_spec s = steer_spec(6, IPPROTO_ICMPV6, 0);
	struct test_frame f;

	s.payload_len = 56;
	f = steer_frame(&s);
	steer_add_listener(IPPROTO_TCP, XS_FAMILY_ANY, NULL, 0);
	steer_add_listener(IPPROTO_UDP, XS_FAMILY_ANY, NULL, 0);
	cr_assert_eq(steer_run(&f), XDP_PASS);
	STEER_EXPECT(.rx_packets = 1, .rx_bytes = f.len, .pass_not_tcp_udp = 1);
}

Test(parse, sctp_over_ipv6_ext_is_not_tcp_udp)
{
	struct test_frame_spec s = steer_spec(6, IPPROTO_SCTP, 0);
	struct test_frame f;

	s.payload_len = 32;
	s.n_ipv6_ext = 1;
	s.ipv6_ext[0] = IPPROTO_HOPOPTS;
	f = steer_frame(&s);
	cr_assert_eq(steer_run(&f), XDP_PASS);
	STEER_EXPECT(.rx_packets = 1, .rx_bytes = f.len, .pass_not_tcp_udp = 1);
}

/* ---- IPv4 ------------------------------------------------------------ */

Test(parse, ipv4_options_every_ihl_steered)
{
	__u64 bytes = 0;
	int words;

	steer_add_flow(IPPROTO_TCP, STEER_LOCAL4, 5000, STEER_PEER4, STEER_PEER_PORT);
	for (words = 1; words <= 10; words++) {
		struct test_frame_spec s = steer_spec(4, IPPROTO_TCP, 5000);
		struct test_frame f;

		s.ipv4_opt_words = words;
		f = steer_frame(&s);
		cr_assert_eq(f.data[f.l3_off] & 0xf, 5 + words);
		cr_assert_eq(steer_run(&f), XDP_PASS);
		bytes += f.len;
		cr_assert_eq(steer_stats().pass_redirect_failed, (__u64)words,
			     "ihl %d: not steered", 5 + words);
	}
	STEER_EXPECT(.rx_packets = 10, .rx_bytes = bytes, .pass_redirect_failed = 10);
	cr_expect_eq(steer_flow(IPPROTO_TCP, STEER_LOCAL4, 5000, STEER_PEER4,
				STEER_PEER_PORT).packets, 10);
}

Test(parse, ipv4_max_options_udp_steered)
{
	struct test_frame_spec s = steer_spec(4, IPPROTO_UDP, 53);

	s.ipv4_opt_words = 10;
	expect_steered(&s);
}

Test(parse, ipv4_ihl_below_5_malformed)
{
	struct test_frame_spec s = steer_spec(4, IPPROTO_TCP, 5000);
	struct test_frame f = steer_frame(&s);
	int ihl;

	add_flow_for(&s);
	for (ihl = 0; ihl < 5; ihl++) {
		f.data[f.l3_off] = 0x40 | ihl;
		cr_assert_eq(steer_run(&f), XDP_PASS);
		cr_assert_eq(steer_stats().pass_malformed, (__u64)ihl + 1, "ihl %d", ihl);
	}
	STEER_EXPECT(.rx_packets = 5, .rx_bytes = 5 * f.len, .pass_malformed = 5);
	expect_flow_hits(&s, 0, 0);
}

Test(parse, ipv4_wrong_version_malformed)
{
	struct test_frame_spec s = steer_spec(4, IPPROTO_TCP, 5000);
	struct test_frame f = steer_frame(&s);

	f.data[f.l3_off] = 0x65;    /* version 6 behind ethertype IPv4 */
	run_with_rule(&s, &f);
	STEER_EXPECT(.rx_packets = 1, .rx_bytes = f.len, .pass_malformed = 1);
}

Test(parse, ipv4_tot_len_beyond_frame_malformed)
{
	struct test_frame_spec s = steer_spec(4, IPPROTO_UDP, 5000);
	struct test_frame f = steer_frame(&s);
	uint16_t tot = f.len - f.l3_off + 1;

	f.data[f.l3_off + 2] = tot >> 8;
	f.data[f.l3_off + 3] = tot & 0xff;
	run_with_rule(&s, &f);
	STEER_EXPECT(.rx_packets = 1, .rx_bytes = f.len, .pass_malformed = 1);
}

Test(parse, ipv4_tot_len_below_header_malformed)
{
	struct test_frame_spec s = steer_spec(4, IPPROTO_UDP, 5000);
	struct test_frame f = steer_frame(&s);

	f.data[f.l3_off + 2] = 0;
	f.data[f.l3_off + 3] = 19;
	run_with_rule(&s, &f);
	STEER_EXPECT(.rx_packets = 1, .rx_bytes = f.len, .pass_malformed = 1);
}

/* Short frames are padded to 60 bytes on the wire; the padding is not
 * part of the datagram and must not stop steering. */
Test(parse, ipv4_ethernet_padding_still_steered)
{
	struct test_frame_spec s = steer_spec(4, IPPROTO_TCP, 5000);

	s.tcp_flags = TH_ACK;
	s.pad_len = 6;              /* 54 -> 60 bytes */
	expect_steered(&s);
}

/* ... and a transport header that only fits by reaching into the padding
 * does not fit. */
Test(parse, ipv4_udp_length_into_padding_malformed)
{
	struct test_frame_spec s = steer_spec(4, IPPROTO_UDP, 5000);
	struct test_frame f;
	uint16_t ulen;

	s.payload_len = 2;
	s.pad_len = 16;
	f = steer_frame(&s);
	ulen = 8 + 2 + 8;           /* datagram holds 10 bytes of UDP */
	f.data[f.l4_off + 4] = ulen >> 8;
	f.data[f.l4_off + 5] = ulen & 0xff;
	run_with_rule(&s, &f);
	STEER_EXPECT(.rx_packets = 1, .rx_bytes = f.len, .pass_malformed = 1);
}

Test(parse, ipv4_tcp_header_into_padding_malformed)
{
	struct test_frame_spec s = steer_spec(4, IPPROTO_TCP, 5000);
	struct test_frame f;

	s.pad_len = 40;
	f = steer_frame(&s);
	f.data[f.l4_off + 12] = 6 << 4;     /* doff 6: 4 bytes past tot_len */
	run_with_rule(&s, &f);
	STEER_EXPECT(.rx_packets = 1, .rx_bytes = f.len, .pass_malformed = 1);
}

Test(parse, ipv4_more_fragments_is_fragment)
{
	struct test_frame_spec s = steer_spec(4, IPPROTO_UDP, 5000);
	struct test_frame f;

	s.ipv4_frag = IP_MF;
	f = steer_frame(&s);
	run_with_rule(&s, &f);
	STEER_EXPECT(.rx_packets = 1, .rx_bytes = f.len, .pass_fragment = 1);
}

Test(parse, ipv4_last_fragment_is_fragment)
{
	struct test_frame_spec s = steer_spec(4, IPPROTO_TCP, 5000);
	struct test_frame f;

	s.ipv4_frag = 185;          /* offset 1480, MF clear */
	f = steer_frame(&s);
	run_with_rule(&s, &f);
	STEER_EXPECT(.rx_packets = 1, .rx_bytes = f.len, .pass_fragment = 1);
}

Test(parse, ipv4_dont_fragment_steered)
{
	struct test_frame_spec s = steer_spec(4, IPPROTO_TCP, 5000);

	s.ipv4_frag = IP_DF;
	expect_steered(&s);
}

/* ---- IPv6 ------------------------------------------------------------ */

Test(parse, ipv6_hop_dest_routing_headers_tcp_steered)
{
	struct test_frame_spec s = steer_spec(6, IPPROTO_TCP, 443);

	s.n_ipv6_ext = 3;
	s.ipv6_ext[0] = IPPROTO_HOPOPTS;
	s.ipv6_ext[1] = IPPROTO_DSTOPTS;
	s.ipv6_ext[2] = IPPROTO_ROUTING;
	expect_steered(&s);
}

Test(parse, ipv6_long_ext_headers_and_ah_udp_steered)
{
	struct test_frame_spec s = steer_spec(6, IPPROTO_UDP, 4789);

	s.n_ipv6_ext = 4;
	s.ipv6_ext[0] = IPPROTO_HOPOPTS;
	s.ipv6_ext_len[0] = 2;      /* 24 bytes */
	s.ipv6_ext[1] = IPPROTO_ROUTING;
	s.ipv6_ext_len[1] = 4;      /* 40 bytes */
	s.ipv6_ext[2] = IPPROTO_AH;
	s.ipv6_ext[3] = IPPROTO_DSTOPTS;
	s.ipv6_ext_len[3] = 1;
	expect_steered(&s);
}

Test(parse, ipv6_eight_ext_headers_steered)
{
	struct test_frame_spec s = steer_spec(6, IPPROTO_TCP, 443);
	int i;

	s.n_ipv6_ext = 8;
	for (i = 0; i < 8; i++)
		s.ipv6_ext[i] = i == 0 ? IPPROTO_HOPOPTS : IPPROTO_DSTOPTS;
	expect_steered(&s);
}

Test(parse, ipv6_nine_ext_headers_malformed)
{
	struct test_frame_spec s = steer_spec(6, IPPROTO_TCP, 443);
	struct test_frame f;
	int i;

	s.n_ipv6_ext = 9;
	for (i = 0; i < 9; i++)
		s.ipv6_ext[i] = i == 0 ? IPPROTO_HOPOPTS : IPPROTO_DSTOPTS;
	f = steer_frame(&s);
	run_with_rule(&s, &f);
	STEER_EXPECT(.rx_packets = 1, .rx_bytes = f.len, .pass_malformed = 1);
}

Test(parse, ipv6_fragment_header_is_fragment)
{
	struct test_frame_spec s = steer_spec(6, IPPROTO_UDP, 5000);
	struct test_frame f;

	s.n_ipv6_ext = 1;
	s.ipv6_ext[0] = IPPROTO_FRAGMENT;
	f = steer_frame(&s);
	run_with_rule(&s, &f);
	STEER_EXPECT(.rx_packets = 1, .rx_bytes = f.len, .pass_fragment = 1);
}

Test(parse, ipv6_fragment_after_other_headers_is_fragment)
{
	struct test_frame_spec s = steer_spec(6, IPPROTO_TCP, 5000);
	struct test_frame a, b;
	int i;

	s.n_ipv6_ext = 2;
	s.ipv6_ext[0] = IPPROTO_HOPOPTS;
	s.ipv6_ext[1] = IPPROTO_FRAGMENT;
	a = steer_frame(&s);
	/* ninth header: past the walk, still recognised as a fragment */
	s.n_ipv6_ext = 9;
	for (i = 0; i < 8; i++)
		s.ipv6_ext[i] = i == 0 ? IPPROTO_HOPOPTS : IPPROTO_DSTOPTS;
	s.ipv6_ext[8] = IPPROTO_FRAGMENT;
	b = steer_frame(&s);
	add_flow_for(&s);
	cr_assert_eq(steer_run(&a), XDP_PASS);
	cr_assert_eq(steer_run(&b), XDP_PASS);
	STEER_EXPECT(.rx_packets = 2, .rx_bytes = a.len + b.len, .pass_fragment = 2);
	expect_flow_hits(&s, 0, 0);
}

Test(parse, ipv6_payload_len_beyond_frame_malformed)
{
	struct test_frame_spec s = steer_spec(6, IPPROTO_UDP, 5000);
	struct test_frame f = steer_frame(&s);
	uint16_t plen = f.len - f.l3_off - 40 + 1;

	f.data[f.l3_off + 4] = plen >> 8;
	f.data[f.l3_off + 5] = plen & 0xff;
	run_with_rule(&s, &f);
	STEER_EXPECT(.rx_packets = 1, .rx_bytes = f.len, .pass_malformed = 1);
}

Test(parse, ipv6_wrong_version_malformed)
{
	struct test_frame_spec s = steer_spec(6, IPPROTO_TCP, 5000);
	struct test_frame f = steer_frame(&s);

	f.data[f.l3_off] = 0x40;    /* version 4 behind ethertype IPv6 */
	run_with_rule(&s, &f);
	STEER_EXPECT(.rx_packets = 1, .rx_bytes = f.len, .pass_malformed = 1);
}

Test(parse, ipv6_ethernet_padding_still_steered)
{
	struct test_frame_spec s = steer_spec(6, IPPROTO_UDP, 5000);

	s.payload_len = 0;
	s.pad_len = 10;
	expect_steered(&s);
}

/* ---- TCP and UDP headers -------------------------------------------- */

Test(parse, tcp_with_full_options_steered)
{
	struct test_frame_spec s = steer_spec(4, IPPROTO_TCP, 5000);

	s.tcp_opt_words = 10;       /* doff 15 */
	expect_steered(&s);
}

Test(parse, tcp_doff_below_5_malformed)
{
	struct test_frame_spec s = steer_spec(6, IPPROTO_TCP, 5000);
	struct test_frame f;

	s.payload_len = 40;
	f = steer_frame(&s);
	f.data[f.l4_off + 12] = 4 << 4;
	run_with_rule(&s, &f);
	STEER_EXPECT(.rx_packets = 1, .rx_bytes = f.len, .pass_malformed = 1);
}

Test(parse, tcp_doff_beyond_segment_malformed)
{
	struct test_frame_spec s = steer_spec(4, IPPROTO_TCP, 5000);
	struct test_frame f;

	s.payload_len = 8;
	f = steer_frame(&s);
	f.data[f.l4_off + 12] = 8 << 4;     /* 32 bytes; 28 present */
	run_with_rule(&s, &f);
	STEER_EXPECT(.rx_packets = 1, .rx_bytes = f.len, .pass_malformed = 1);
}

Test(parse, udp_length_below_header_malformed)
{
	struct test_frame_spec s = steer_spec(6, IPPROTO_UDP, 5000);
	struct test_frame f = steer_frame(&s);

	f.data[f.l4_off + 4] = 0;
	f.data[f.l4_off + 5] = 7;
	run_with_rule(&s, &f);
	STEER_EXPECT(.rx_packets = 1, .rx_bytes = f.len, .pass_malformed = 1);
}

Test(parse, udp_length_beyond_datagram_malformed)
{
	struct test_frame_spec s = steer_spec(4, IPPROTO_UDP, 5000);
	struct test_frame f = steer_frame(&s);
	uint16_t ulen = f.len - f.l4_off + 1;

	f.data[f.l4_off + 4] = ulen >> 8;
	f.data[f.l4_off + 5] = ulen & 0xff;
	run_with_rule(&s, &f);
	STEER_EXPECT(.rx_packets = 1, .rx_bytes = f.len, .pass_malformed = 1);
}

/* ---- truncation ------------------------------------------------------ */

/*
 * Every prefix of a valid frame, with the frame's own rule in place: none
 * may be steered (a steered prefix would hand the stack a header that is
 * not there) and each must be counted as malformed.  BPF_PROG_TEST_RUN
 * refuses XDP input shorter than an Ethernet header (EINVAL) without
 * running the program, so those lengths must leave every counter alone.
 * The whole frame, last, is steered: the rule was right all along.
 */
static void expect_every_prefix_malformed(const struct test_frame_spec *s)
{
	struct test_frame f = steer_frame(s);
	__u64 runs = 0, bytes = 0;
	uint32_t action;
	size_t len;
	int err;

	add_flow_for(s);
	for (len = 0; len < f.len; len++) {
		err = steer_run_bytes(f.data, len, &action);
		if (len < ETH_HLEN) {
			cr_assert_eq(err, -EINVAL, "%zu bytes: test_run said %d", len, err);
			cr_assert_eq(steer_stats().rx_packets, 0, "%zu bytes reached the program", len);
			continue;
		}
		cr_assert_eq(err, 0, "%zu bytes: test_run: %s", len, strerror(-err));
		cr_assert_eq(action, XDP_PASS, "%zu of %zu bytes: action %u", len, f.len, action);
		runs++;
		bytes += len;
		cr_assert_eq(steer_stats().pass_malformed, runs,
			     "%zu of %zu bytes not counted as malformed", len, f.len);
	}
	expect_flow_hits(s, 0, 0);
	cr_assert_eq(steer_run(&f), XDP_PASS);
	STEER_EXPECT(.rx_packets = runs + 1, .rx_bytes = bytes + f.len,
		     .pass_malformed = runs, .pass_redirect_failed = 1);
	expect_flow_hits(s, 1, f.len);
}

Test(parse, truncated_ipv4_tcp_every_length)
{
	struct test_frame_spec s = steer_spec(4, IPPROTO_TCP, 5000);

	s.ipv4_opt_words = 2;
	s.tcp_opt_words = 3;
	expect_every_prefix_malformed(&s);
}

Test(parse, truncated_ipv4_udp_every_length)
{
	struct test_frame_spec s = steer_spec(4, IPPROTO_UDP, 5000);

	expect_every_prefix_malformed(&s);
}

Test(parse, truncated_ipv6_tcp_every_length)
{
	struct test_frame_spec s = steer_spec(6, IPPROTO_TCP, 5000);

	s.tcp_flags = TH_ACK;
	s.payload_len = 10;
	s.n_ipv6_ext = 2;
	s.ipv6_ext[0] = IPPROTO_HOPOPTS;
	s.ipv6_ext[1] = IPPROTO_ROUTING;
	expect_every_prefix_malformed(&s);
}

Test(parse, truncated_ipv6_udp_every_length)
{
	struct test_frame_spec s = steer_spec(6, IPPROTO_UDP, 5000);

	expect_every_prefix_malformed(&s);
}

Test(parse, truncated_qinq_every_length)
{
	static const uint16_t tags[] = { ETH_P_8021AD, ETH_P_8021Q };
	struct test_frame_spec s = vlan_spec(4, IPPROTO_UDP, 2, tags);

	expect_every_prefix_malformed(&s);
}

/* IPv6 extension headers end inside the payload length: a header that
 * reaches into link-layer padding does not fit. */
Test(parse, ipv6_ext_header_into_padding_malformed)
{
	struct test_frame_spec s = steer_spec(6, IPPROTO_UDP, 5000);
	struct test_frame f;
	uint16_t plen;

	s.payload_len = 0;
	s.n_ipv6_ext = 1;
	s.ipv6_ext[0] = IPPROTO_DSTOPTS;
	s.pad_len = 40;
	f = steer_frame(&s);
	f.data[f.l3_off + 40 + 1] = 2;  /* 24 bytes: 16 past payload_len */
	/* and where a parser that ignored payload_len would look, the UDP
	 * header of the rule's tuple */
	memcpy(f.data + f.l3_off + 40 + 24, f.data + f.l4_off, 8);
	plen = 8 + 8;
	cr_assert_eq(f.data[f.l3_off + 4] << 8 | f.data[f.l3_off + 5], plen);
	run_with_rule(&s, &f);
	STEER_EXPECT(.rx_packets = 1, .rx_bytes = f.len, .pass_malformed = 1);
}
