// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * wire/ on the golden frames of wire_golden.h (captured from Linux): every
 * field parsed, every prefix of every frame rejected, and every frame
 * written again byte for byte from its parsed reprs.
 */
#include <arpa/inet.h>
#include <criterion/criterion.h>
#include <string.h>

#include "wire/arp.h"
#include "wire/eth.h"
#include "wire/icmp4.h"
#include "wire/icmp6.h"
#include "wire/ipv4.h"
#include "wire/ipv6.h"
#include "wire/tcp.h"
#include "wire/udp.h"
#include "wire_golden.h"

#define SIZED(a) a, sizeof(a)

static const uint8_t mac_a[6] = { 0x02, 0, 0, 0, 0, 0x0a };
static const uint8_t mac_b[6] = { 0x02, 0, 0, 0, 0, 0x0b };

/* The upper layer of an IP packet, as sock/ would get it. */
static int l4_parse(uint8_t proto, const uint8_t *p, size_t len,
		    const struct xs_pseudo *ph)
{
	struct xs_icmp4_view i4;
	struct xs_icmp4_repr i4r;
	struct xs_icmp6_view i6;
	struct xs_icmp6_repr i6r;
	struct xs_udp_view u;
	struct xs_udp_repr ur;
	struct xs_tcp_view t;
	struct xs_tcp_repr tr;
	int err;

	switch (proto) {
	case IPPROTO_ICMP:
		return xs_icmp4_view_init(&i4, p, len) ?: xs_icmp4_repr_parse(&i4, &i4r);
	case IPPROTO_ICMPV6:
		err = xs_icmp6_view_init(&i6, p, len) ?: xs_icmp6_repr_parse(&i6, ph, &i6r);
		return err == -EOPNOTSUPP ? 0 : err;	/* MLD: checksum was right */
	case IPPROTO_UDP:
		return xs_udp_view_init(&u, p, len) ?: xs_udp_repr_parse(&u, ph, &ur);
	case IPPROTO_TCP:
		return xs_tcp_view_init(&t, p, len) ?: xs_tcp_repr_parse(&t, ph, &tr);
	}
	return -EPROTONOSUPPORT;
}

/* A whole frame, every header and checksum, the way iface/ walks it. */
static int frame_parse(const uint8_t *f, size_t len)
{
	struct xs_eth_view eth;
	struct xs_arp_view arp;
	struct xs_arp_repr arpr;
	struct xs_ipv4_view ip4;
	struct xs_ipv4_repr ip4r;
	struct xs_ipv6_view ip6;
	struct xs_ipv6_repr ip6r;
	struct xs_ipv6_ext ext;
	struct xs_pseudo ph;
	uint16_t type;
	size_t l3;
	int err;

	err = xs_eth_view_init(&eth, f, len) ?: xs_eth_l3(&eth, &type, &l3);
	if (err)
		return err;
	switch (type) {
	case XS_ETHERTYPE_ARP:
		return xs_arp_view_init(&arp, f + l3, len - l3) ?:
		       xs_arp_repr_parse(&arp, &arpr);
	case XS_ETHERTYPE_IPV4:
		err = xs_ipv4_view_init(&ip4, f + l3, len - l3) ?:
		      xs_ipv4_repr_parse(&ip4, &ip4r);
		if (err)
			return err;
		xs_ipv4_repr_pseudo(&ip4r, &ph);
		return l4_parse(ip4r.proto, xs_ipv4_payload(&ip4),
				xs_ipv4_payload_len(&ip4), &ph);
	case XS_ETHERTYPE_IPV6:
		err = xs_ipv6_view_init(&ip6, f + l3, len - l3) ?:
		      xs_ipv6_repr_parse(&ip6, &ip6r) ?: xs_ipv6_ext_walk(&ip6, &ext);
		if (err)
			return err;
		xs_ipv6_repr_pseudo(&ip6r, &ph);
		return l4_parse(ext.proto, xs_ipv6_payload(&ip6) + ext.off,
				xs_ipv6_payload_len(&ip6) - ext.off, &ph);
	}
	return -EPROTONOSUPPORT;
}

static void check_frame_and_prefixes(const uint8_t *f, size_t len, const char *name)
{
	size_t n;

	cr_assert_eq(frame_parse(f, len), 0, "%s: whole frame", name);
	/* Every length field of these frames covers the frame to its end, so
	 * every prefix is caught by one of them. */
	for (n = 0; n < len; n++)
		cr_assert_eq(frame_parse(f, n), -EBADMSG, "%s: prefix of %zu", name, n);
}

Test(wire_frames, every_golden_frame_parses_and_every_prefix_fails)
{
	check_frame_and_prefixes(SIZED(golden_arp_req), "arp");
	check_frame_and_prefixes(SIZED(golden_icmp4_echo), "icmp4 echo");
	check_frame_and_prefixes(SIZED(golden_syn), "syn");
	check_frame_and_prefixes(SIZED(golden_udp6), "udp6");
	check_frame_and_prefixes(SIZED(golden_ns), "ns");
	check_frame_and_prefixes(SIZED(golden_rs), "rs");
	check_frame_and_prefixes(SIZED(golden_mld_hbh), "mld");
}

Test(wire_frames, one_flipped_bit_anywhere_is_caught)
{
	/* Every byte after Ethernet is under a checksum or a checked field. */
	uint8_t f[sizeof(golden_syn)];
	size_t i;
	int bit;

	for (i = 14; i < sizeof(f); i++) {
		for (bit = 0; bit < 8; bit++) {
			memcpy(f, golden_syn, sizeof(f));
			f[i] ^= (uint8_t)(1 << bit);
			cr_assert_neq(frame_parse(f, sizeof(f)), 0, "byte %zu bit %d", i, bit);
		}
	}
}

Test(wire_eth, golden_parse)
{
	struct xs_eth_view v;
	struct xs_eth_repr r;

	cr_assert_eq(xs_eth_view_init(&v, SIZED(golden_syn)), 0);
	cr_assert_eq(xs_eth_repr_parse(&v, &r), 0);
	cr_assert_arr_eq(r.dst, mac_b, 6);
	cr_assert_arr_eq(r.src, mac_a, 6);
	cr_assert_eq(r.ethertype, XS_ETHERTYPE_IPV4);
	cr_assert_eq(xs_eth_payload(&v), golden_syn + 14);
	cr_assert_eq(xs_eth_payload_len(&v), sizeof(golden_syn) - 14);
}

Test(wire_arp, golden_parse)
{
	struct xs_arp_view v;
	struct xs_arp_repr r;
	uint8_t out[28];

	cr_assert_eq(xs_arp_view_init(&v, golden_arp_req + 14, 28), 0);
	cr_assert_eq(xs_arp_repr_parse(&v, &r), 0);
	cr_assert_eq(r.op, XS_ARP_OP_REQUEST);
	cr_assert_arr_eq(r.sha, mac_a, 6);
	cr_assert_eq(r.spa.s_addr, inet_addr("198.18.0.1"));
	cr_assert_eq(r.tpa.s_addr, inet_addr("198.18.0.2"));
	cr_assert_arr_eq(r.tha, ((uint8_t[6]){ 0 }), 6);
	cr_assert_eq(xs_arp_repr_emit(&r, out, sizeof(out)), 28);
	cr_assert_arr_eq(out, golden_arp_req + 14, 28);
	cr_assert_eq(xs_arp_repr_emit(&r, out, 27), -ENOSPC);
}

Test(wire_ipv4, golden_parse)
{
	struct xs_ipv4_view v;
	struct xs_ipv4_repr r;

	cr_assert_eq(ref_csum(golden_syn + 14, 20, 0), 0, "reference says the header checksum holds");
	cr_assert_eq(xs_ipv4_view_init(&v, golden_syn + 14, sizeof(golden_syn) - 14), 0);
	cr_assert(xs_ipv4_csum_ok(&v));
	cr_assert_eq(xs_ipv4_repr_parse(&v, &r), 0);
	cr_assert_eq(xs_ipv4_hdr_len(&v), 20);
	cr_assert_eq(xs_ipv4_tot_len(&v), 60);
	cr_assert_eq(r.id, 0x8a54);
	cr_assert(r.df);
	cr_assert(!r.mf);
	cr_assert_eq(r.frag_off, 0);
	cr_assert_eq(r.ttl, 64);
	cr_assert_eq(r.proto, IPPROTO_TCP);
	cr_assert_eq(r.tos, 0);
	cr_assert_eq(r.opts_len, 0);
	cr_assert_eq(r.src.s_addr, inet_addr("198.18.0.1"));
	cr_assert_eq(r.dst.s_addr, inet_addr("198.18.0.2"));
	cr_assert_eq(r.payload_len, 40);
	cr_assert_eq(xs_ipv4_csum(&v), 0x2440);
}

Test(wire_tcp, golden_parse_syn_options)
{
	const uint8_t *ip = golden_syn + 14, *seg = ip + 20;
	struct xs_pseudo ph = { .family = AF_INET };
	struct xs_tcp_view v;
	struct xs_tcp_repr r;

	memcpy(&ph.src.v4, ip + 12, 4);
	memcpy(&ph.dst.v4, ip + 16, 4);
	cr_assert_eq(ref_csum(seg, 40, ref_pseudo4(ip + 12, ip + 16, IPPROTO_TCP, 40)), 0,
		     "reference says the TCP checksum holds");
	cr_assert_eq(xs_tcp_view_init(&v, seg, 40), 0);
	cr_assert_eq(xs_tcp_repr_parse(&v, &ph, &r), 0);
	cr_assert_eq(r.src_port, 60246);
	cr_assert_eq(r.dst_port, 8080);
	cr_assert_eq(r.seq, 4072862396u);
	cr_assert_eq(r.ack, 0);
	cr_assert_eq(r.flags, XS_TCP_SYN);
	cr_assert_eq(r.window, 64240);
	cr_assert_eq(r.payload_len, 0);
	cr_assert(r.opts.has_mss);
	cr_assert_eq(r.opts.mss, 1460);
	cr_assert(r.opts.sack_perm);
	cr_assert(r.opts.has_ts);
	cr_assert_eq(r.opts.ts_val, 546433377u);
	cr_assert_eq(r.opts.ts_ecr, 0);
	cr_assert(r.opts.has_wscale);
	cr_assert_eq(r.opts.wscale, 10);
	cr_assert_eq(r.opts.nsack, 0);
	cr_assert_eq(xs_tcp_hdr_len(&v), 40);
}

Test(wire_ipv6, golden_parse_udp)
{
	const uint8_t *ip = golden_udp6 + 14;
	struct xs_ipv6_view v;
	struct xs_ipv6_repr r;
	struct xs_ipv6_ext e;
	struct xs_udp_view u;
	struct xs_udp_repr ur;
	struct xs_pseudo ph;
	struct in6_addr a1, a2;

	inet_pton(AF_INET6, "2001:db8::1", &a1);
	inet_pton(AF_INET6, "2001:db8::2", &a2);
	cr_assert_eq(xs_ipv6_view_init(&v, ip, sizeof(golden_udp6) - 14), 0);
	cr_assert_eq(xs_ipv6_repr_parse(&v, &r), 0);
	cr_assert_eq(r.next_header, IPPROTO_UDP);
	cr_assert_eq(r.hop_limit, 64);
	cr_assert_eq(r.flow, 0x7fd7d);
	cr_assert_eq(r.tclass, 0);
	cr_assert_eq(r.payload_len, 19);
	cr_assert_arr_eq(&r.src, &a1, 16);
	cr_assert_arr_eq(&r.dst, &a2, 16);
	cr_assert_eq(xs_ipv6_ext_walk(&v, &e), 0);
	cr_assert_eq(e.proto, IPPROTO_UDP);
	cr_assert_eq(e.off, 0);
	cr_assert_eq(e.count, 0);
	cr_assert(!e.frag);

	cr_assert_eq(ref_csum(ip + 40, 19, ref_pseudo6(ip + 8, ip + 24, IPPROTO_UDP, 19)), 0,
		     "reference says the UDP checksum holds");
	xs_ipv6_repr_pseudo(&r, &ph);
	cr_assert_eq(xs_udp_view_init(&u, xs_ipv6_payload(&v), xs_ipv6_payload_len(&v)), 0);
	cr_assert_eq(xs_udp_repr_parse(&u, &ph, &ur), 0);
	cr_assert_eq(ur.src_port, 47619);
	cr_assert_eq(ur.dst_port, 9000);
	cr_assert_eq(ur.payload_len, 11);
	cr_assert_eq(memcmp(xs_udp_payload(&u), "xsock udp6\n", 11), 0);
}

Test(wire_ipv6, golden_hop_by_hop_walk)
{
	struct xs_ipv6_view v;
	struct xs_ipv6_ext e;

	cr_assert_eq(xs_ipv6_view_init(&v, golden_mld_hbh + 14, sizeof(golden_mld_hbh) - 14), 0);
	cr_assert_eq(xs_ipv6_next_header(&v), XS_IPV6_NH_HOPOPTS);
	cr_assert_eq(xs_ipv6_ext_walk(&v, &e), 0);
	cr_assert_eq(e.proto, IPPROTO_ICMPV6);
	cr_assert_eq(e.off, 8);
	cr_assert_eq(e.count, 1);
	cr_assert_eq(xs_ipv6_payload(&v)[e.off], 143, "MLDv2 report");
}

Test(wire_icmp6, golden_neighbor_solicitation)
{
	const uint8_t *ip = golden_ns + 14, *msg = ip + 40;
	struct xs_icmp6_view v;
	struct xs_icmp6_repr r;
	struct xs_pseudo ph = { .family = AF_INET6 };
	struct in6_addr target;

	inet_pton(AF_INET6, "2001:db8::2", &target);
	memcpy(&ph.src.v6, ip + 8, 16);
	memcpy(&ph.dst.v6, ip + 24, 16);
	cr_assert_eq(ref_csum(msg, 32, ref_pseudo6(ip + 8, ip + 24, IPPROTO_ICMPV6, 32)), 0,
		     "reference says the ICMPv6 checksum holds");
	cr_assert_eq(xs_icmp6_view_init(&v, msg, 32), 0);
	cr_assert_eq(xs_icmp6_repr_parse(&v, &ph, &r), 0);
	cr_assert_eq(r.type, XS_ND_NEIGH_SOLICIT);
	cr_assert_eq(r.code, 0);
	cr_assert_arr_eq(&r.target, &target, 16);
	cr_assert(r.has_sll);
	cr_assert(!r.has_tll);
	cr_assert_arr_eq(r.sll, mac_a, 6);
	cr_assert_eq(r.payload_len, 0);
	/* The options are at the view's payload. */
	cr_assert_eq(xs_icmp6_payload_len(&v), 8);
	/* A wrong pseudo-header (another source) fails the checksum. */
	ph.src.v6.s6_addr[15] ^= 1;
	cr_assert_eq(xs_icmp6_repr_parse(&v, &ph, &r), -EBADMSG);
}

Test(wire_icmp6, golden_router_solicitation)
{
	const uint8_t *ip = golden_rs + 14;
	struct xs_icmp6_view v;
	struct xs_icmp6_repr r;
	struct xs_pseudo ph = { .family = AF_INET6 };

	memcpy(&ph.src.v6, ip + 8, 16);
	memcpy(&ph.dst.v6, ip + 24, 16);
	cr_assert_eq(xs_icmp6_view_init(&v, ip + 40, 16), 0);
	cr_assert_eq(xs_icmp6_repr_parse(&v, &ph, &r), 0);
	cr_assert_eq(r.type, XS_ND_ROUTER_SOLICIT);
	cr_assert(r.has_sll);
	cr_assert_arr_eq(r.sll, mac_a, 6);
}

Test(wire_icmp4, golden_echo_request)
{
	const uint8_t *ip = golden_icmp4_echo + 14;
	struct xs_icmp4_view v;
	struct xs_icmp4_repr r;

	cr_assert_eq(ref_csum(ip + 20, 64, 0), 0, "reference says the ICMP checksum holds");
	cr_assert_eq(xs_icmp4_view_init(&v, ip + 20, 64), 0);
	cr_assert_eq(xs_icmp4_repr_parse(&v, &r), 0);
	cr_assert_eq(r.type, XS_ICMP4_ECHO_REQUEST);
	cr_assert_eq(r.code, 0);
	cr_assert_eq(r.id, 0x11e5);
	cr_assert_eq(r.seq, 1);
	cr_assert_eq(r.payload_len, 56);
	cr_assert_eq(xs_icmp4_payload(&v)[55], 0x37);
	cr_assert_eq(xs_icmp4_quote(&v, &(struct xs_ipv4_view){ 0 }), -EINVAL);
}

/* Writes f again from its parsed reprs, innermost first, as a TX path
 * would: the payload is copied into place, then each header emitted in
 * front of it.  Returns the frame length. */
static size_t frame_reemit(const uint8_t *f, size_t len, uint8_t *out, size_t size)
{
	struct xs_eth_view eth;
	struct xs_eth_repr ethr;
	struct xs_ipv4_view ip4;
	struct xs_ipv4_repr ip4r;
	struct xs_ipv6_view ip6;
	struct xs_ipv6_repr ip6r;
	struct xs_pseudo ph;
	const uint8_t *l4;
	size_t l4len, hl, n;
	uint8_t proto;

	cr_assert_eq(xs_eth_view_init(&eth, f, len), 0);
	cr_assert_eq(xs_eth_repr_parse(&eth, &ethr), 0);
	if (ethr.ethertype == XS_ETHERTYPE_IPV4) {
		cr_assert_eq(xs_ipv4_view_init(&ip4, f + 14, len - 14), 0);
		cr_assert_eq(xs_ipv4_repr_parse(&ip4, &ip4r), 0);
		xs_ipv4_repr_pseudo(&ip4r, &ph);
		proto = ip4r.proto;
		l4 = xs_ipv4_payload(&ip4);
		l4len = xs_ipv4_payload_len(&ip4);
		hl = xs_ipv4_repr_hdr_len(&ip4r);
	} else {
		cr_assert_eq(xs_ipv6_view_init(&ip6, f + 14, len - 14), 0);
		cr_assert_eq(xs_ipv6_repr_parse(&ip6, &ip6r), 0);
		xs_ipv6_repr_pseudo(&ip6r, &ph);
		proto = ip6r.next_header;
		l4 = xs_ipv6_payload(&ip6);
		l4len = xs_ipv6_payload_len(&ip6);
		hl = XS_IPV6_HLEN;
	}
	n = 14 + hl;
	cr_assert_leq(n + l4len, size);
	memset(out, 0xee, size);
	switch (proto) {
	case IPPROTO_TCP: {
		struct xs_tcp_view v;
		struct xs_tcp_repr r;

		cr_assert_eq(xs_tcp_view_init(&v, l4, l4len), 0);
		cr_assert_eq(xs_tcp_repr_parse(&v, &ph, &r), 0);
		memcpy(out + n + xs_tcp_hdr_len(&v), xs_tcp_payload(&v), r.payload_len);
		cr_assert_eq(xs_tcp_repr_emit(&r, &ph, out + n, size - n), (int)xs_tcp_hdr_len(&v));
		break;
	}
	case IPPROTO_UDP: {
		struct xs_udp_view v;
		struct xs_udp_repr r;

		cr_assert_eq(xs_udp_view_init(&v, l4, l4len), 0);
		cr_assert_eq(xs_udp_repr_parse(&v, &ph, &r), 0);
		memcpy(out + n + XS_UDP_HLEN, xs_udp_payload(&v), r.payload_len);
		cr_assert_eq(xs_udp_repr_emit(&r, &ph, out + n, size - n), XS_UDP_HLEN);
		break;
	}
	case IPPROTO_ICMP: {
		struct xs_icmp4_view v;
		struct xs_icmp4_repr r;

		cr_assert_eq(xs_icmp4_view_init(&v, l4, l4len), 0);
		cr_assert_eq(xs_icmp4_repr_parse(&v, &r), 0);
		memcpy(out + n + XS_ICMP4_HLEN, xs_icmp4_payload(&v), r.payload_len);
		cr_assert_eq(xs_icmp4_repr_emit(&r, out + n, size - n), XS_ICMP4_HLEN);
		break;
	}
	case IPPROTO_ICMPV6: {
		struct xs_icmp6_view v;
		struct xs_icmp6_repr r;
		int hl6;

		cr_assert_eq(xs_icmp6_view_init(&v, l4, l4len), 0);
		cr_assert_eq(xs_icmp6_repr_parse(&v, &ph, &r), 0);
		hl6 = (int)xs_icmp6_repr_hdr_len(&r);
		memcpy(out + n + hl6, xs_icmp6_payload(&v), r.payload_len);
		cr_assert_eq(xs_icmp6_repr_emit(&r, &ph, out + n, size - n), hl6);
		break;
	}
	default:
		cr_assert_fail("protocol %u", proto);
	}
	if (ethr.ethertype == XS_ETHERTYPE_IPV4)
		cr_assert_eq(xs_ipv4_repr_emit(&ip4r, out + 14, size - 14), (int)hl);
	else
		cr_assert_eq(xs_ipv6_repr_emit(&ip6r, out + 14, size - 14), XS_IPV6_HLEN);
	cr_assert_eq(xs_eth_repr_emit(&ethr, out, size), XS_ETH_HLEN);
	return n + l4len;
}

static void check_reemit(const uint8_t *f, size_t len, const char *name)
{
	uint8_t out[256];

	cr_assert_eq(frame_reemit(f, len, out, sizeof(out)), len, "%s", name);
	cr_assert_arr_eq(out, f, len, "%s: emitted bytes differ from Linux's", name);
	cr_assert_eq(frame_parse(out, len), 0, "%s", name);
}

Test(wire_frames, parse_emit_gives_linux_bytes_back)
{
	check_reemit(SIZED(golden_syn), "syn");
	check_reemit(SIZED(golden_icmp4_echo), "icmp4 echo");
	check_reemit(SIZED(golden_udp6), "udp6");
	check_reemit(SIZED(golden_ns), "ns");
	check_reemit(SIZED(golden_rs), "rs");
}

Test(wire_eth, emit_no_space)
{
	struct xs_eth_repr r = { .ethertype = XS_ETHERTYPE_IPV6 };
	uint8_t out[14];

	cr_assert_eq(xs_eth_repr_emit(&r, out, 13), -ENOSPC);
	cr_assert_eq(xs_eth_repr_emit(&r, out, 14), 14);
}
