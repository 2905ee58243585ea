// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * The send path: sock/udp_send.c (header and checksum over the caller's
 * iovec) and iface/ip_out.c (Ethernet + IP, fragmentation) write frames on
 * side A of a memdev pair; side B reads them back through wire/ views and
 * checks every field, length and checksum against references of its own
 * (wire_golden.h), then reassembles fragments itself.
 */
#include "test_udp_fixture.h"

#include "wire/eth.h"
#include "wire/ipv4.h"
#include "wire/ipv6.h"
#include "wire/udp.h"

#define MAX_DGRAM 65535

static const struct fx_flow flow4 = {
	.family = AF_INET, .src = "198.18.0.1", .dst = "198.18.0.2",
	.sport = 40001, .dport = 9000, .tos = 0x28, .ttl = 33,
};
static const struct fx_flow flow6 = {
	.family = AF_INET6, .src = "2001:db8::1", .dst = "2001:db8::2",
	.sport = 40001, .dport = 9000, .tos = 0xb8, .ttl = 7,
};

static uint8_t payload[70000];      /* past the IP maximum, for -EMSGSIZE */
static uint8_t reasm[MAX_DGRAM + 8];

static void check_eth(const struct xs_frame *f, uint16_t type)
{
	struct xs_eth_view e;

	cr_assert_eq(xs_eth_view_init(&e, f->data, f->len), 0);
	cr_assert_arr_eq(xs_eth_dst(&e), fx_mac_b, 6, "destination MAC");
	cr_assert_arr_eq(xs_eth_src(&e), fx_mac_a, 6, "source MAC: the interface's");
	cr_assert_eq(xs_eth_type(&e), type);
}

/* Checks Ethernet and IP of an unfragmented datagram of fl; returns its
 * UDP bytes (*len: the IP payload length). */
static const uint8_t *check_l3(const struct xs_frame *f, const struct fx_flow *fl, size_t *len)
{
	uint8_t src[16], dst[16];
	const uint8_t *l3 = f->data + XS_ETH_HLEN;
	size_t l3_len = f->len - XS_ETH_HLEN;

	fx_addr(fl->src, src);
	fx_addr(fl->dst, dst);
	cr_assert_leq(l3_len, fx.ifn.mtu, "frame within the MTU");
	if (fl->family == AF_INET) {
		struct xs_ipv4_view v;

		check_eth(f, XS_ETHERTYPE_IPV4);
		cr_assert_eq(xs_ipv4_view_init(&v, l3, l3_len), 0);
		cr_assert_eq(xs_ipv4_version(&v), 4);
		cr_assert_eq(xs_ipv4_hdr_len(&v), 20);
		cr_assert_eq(xs_ipv4_tot_len(&v), l3_len, "total length = what is on the wire");
		cr_assert_eq(xs_ipv4_tos(&v), fl->tos);
		cr_assert_eq(xs_ipv4_ttl(&v), fl->ttl);
		cr_assert_eq(xs_ipv4_proto(&v), IPPROTO_UDP);
		cr_assert_eq(xs_ipv4_df(&v), fl->df);
		cr_assert_not(xs_ipv4_mf(&v));
		cr_assert_eq(xs_ipv4_frag_off(&v), 0);
		cr_assert_eq(ref_csum(l3, 20, 0), 0, "IPv4 header checksum");
		cr_assert_arr_eq(xs_ipv4_src(&v), src + 12, 4);
		cr_assert_arr_eq(xs_ipv4_dst(&v), dst + 12, 4);
		*len = xs_ipv4_payload_len(&v);
		return xs_ipv4_payload(&v);
	} else {
		struct xs_ipv6_view v;

		check_eth(f, XS_ETHERTYPE_IPV6);
		cr_assert_eq(xs_ipv6_view_init(&v, l3, l3_len), 0);
		cr_assert_eq(xs_ipv6_version(&v), 6);
		cr_assert_eq(xs_ipv6_payload_len_field(&v), l3_len - 40);
		cr_assert_eq(xs_ipv6_tclass(&v), fl->tos);
		cr_assert_eq(xs_ipv6_hop_limit(&v), fl->ttl);
		cr_assert_eq(xs_ipv6_next_header(&v), IPPROTO_UDP);
		cr_assert_arr_eq(xs_ipv6_src(&v), src, 16);
		cr_assert_arr_eq(xs_ipv6_dst(&v), dst, 16);
		*len = xs_ipv6_payload_len(&v);
		return xs_ipv6_payload(&v);
	}
}

/* The UDP datagram udp[0..len) of fl carries want[0..n) with a valid
 * checksum (never 0: a computed zero goes out as 0xffff). */
static void check_udp(const uint8_t *udp, size_t len, const struct fx_flow *fl,
		      const uint8_t *want, size_t n)
{
	struct xs_udp_view v;
	uint8_t src[16], dst[16];

	fx_addr(fl->src, src);
	fx_addr(fl->dst, dst);
	cr_assert_eq(len, XS_UDP_HLEN + n, "IP payload = UDP header + data");
	cr_assert_eq(xs_udp_view_init(&v, udp, len), 0);
	cr_assert_eq(xs_udp_src_port(&v), fl->sport);
	cr_assert_eq(xs_udp_dst_port(&v), fl->dport);
	cr_assert_eq(xs_udp_len(&v), XS_UDP_HLEN + n);
	cr_assert_neq(xs_udp_csum(&v), 0, "a checksum is always sent");
	cr_assert_eq(ref_udp_csum(fl->family, src, dst, udp, len), 0, "UDP checksum");
	if (n)
		cr_assert_arr_eq(xs_udp_payload(&v), want, n, "payload bytes");
}

/* Sends iov on fl, receives the one frame and checks all of it. */
static void send_and_check(const struct fx_flow *fl, const struct iovec *iov, int iovcnt)
{
	size_t n = fx_iov_total(iov, iovcnt), l4_len, off = 0;
	uint8_t *want = malloc(n + 1);
	const uint8_t *udp;
	struct xs_frame f;

	for (int i = 0; i < iovcnt; i++) {
		memcpy(want + off, iov[i].iov_base, iov[i].iov_len);
		off += iov[i].iov_len;
	}
	cr_assert_eq(fx_sendv(fl, iov, iovcnt, NULL), 0);
	f = fx_rx_one();
	udp = check_l3(&f, fl, &l4_len);
	check_udp(udp, l4_len, fl, want, n);
	xs_dev_release(fx.b, &f, 1);
	free(want);
}

UDP_TEST(udp_send, ipv4_fields_and_checksums)
{
	struct iovec iov = { .iov_base = payload, .iov_len = 200 };
	struct xs_frame f;
	struct xs_ipv4_view v;

	fx_pattern(payload, 200, 1);
	send_and_check(&flow4, &iov, 1);
	/* Each datagram gets the next identification. */
	cr_assert_eq(fx_send(&flow4, payload, 10), 0);
	f = fx_rx_one();
	cr_assert_eq(xs_ipv4_view_init(&v, f.data + XS_ETH_HLEN, f.len - XS_ETH_HLEN), 0);
	cr_assert_eq(xs_ipv4_id(&v), 0xfff1, "second datagram, second id");
	xs_dev_release(fx.b, &f, 1);
}

UDP_TEST(udp_send, ipv6_fields_and_checksums)
{
	struct iovec iov = { .iov_base = payload, .iov_len = 333 };

	fx_pattern(payload, 333, 2);
	send_and_check(&flow6, &iov, 1);
}

/* Lengths that put iovec boundaries at odd offsets of the datagram, an
 * empty iovec in the middle, and an odd total. */
UDP_TEST(udp_send, checksum_across_odd_iovec_boundaries)
{
	static const size_t lens[] = { 1, 3, 0, 7, 250, 5, 2, 1, 0, 13 };
	struct iovec iov[sizeof(lens) / sizeof(lens[0])];
	const struct fx_flow *flows[] = { &flow4, &flow6 };
	size_t off = 0;
	int n = (int)(sizeof(lens) / sizeof(lens[0]));

	fx_pattern(payload, 4096, 3);
	for (int i = 0; i < n; i++) {
		iov[i].iov_base = payload + off + (size_t)i; /* odd addresses too */
		iov[i].iov_len = lens[i];
		off += lens[i];
	}
	for (int k = 0; k < 2; k++)
		send_and_check(flows[k], iov, n);
	/* And one byte per iovec: every boundary, odd and even. */
	struct iovec bytes[64];

	for (int i = 0; i < 64; i++) {
		bytes[i].iov_base = payload + 1000 + 2 * i;
		bytes[i].iov_len = 1;
	}
	for (int k = 0; k < 2; k++)
		send_and_check(flows[k], bytes, 64);
}

UDP_TEST(udp_send, zero_length_payload)
{
	struct iovec empty = { .iov_base = payload, .iov_len = 0 };
	const struct fx_flow *flows[] = { &flow4, &flow6 };

	for (int k = 0; k < 2; k++) {
		send_and_check(flows[k], NULL, 0);
		send_and_check(flows[k], &empty, 1);
	}
}

/* A payload whose checksum computes to zero must go out as 0xffff (RFC
 * 768: zero means "no checksum" over IPv4 and is invalid over IPv6). */
UDP_TEST(udp_send, computed_zero_checksum_sent_as_ffff)
{
	const struct fx_flow *flows[] = { &flow4, &flow6 };

	for (int k = 0; k < 2; k++) {
		const struct fx_flow *fl = flows[k];
		uint8_t src[16], dst[16], dgram[XS_UDP_HDR_LEN + 2] = { 0 }, hdr[XS_UDP_HDR_LEN];
		uint8_t data[2];
		struct iovec iov = { .iov_base = data, .iov_len = 2 };
		uint32_t s;
		uint16_t w;
		struct xs_frame f;
		size_t l4_len;
		const uint8_t *udp;

		fx_addr(fl->src, src);
		fx_addr(fl->dst, dst);
		/* The sum with a zero data word and a zero checksum field; the
		 * data word that brings it to 0xffff makes the checksum 0. */
		xs_put16(dgram, fl->sport);
		xs_put16(dgram + 2, fl->dport);
		xs_put16(dgram + 4, sizeof(dgram));
		s = fl->family == AF_INET
			? ref_pseudo4(src + 12, dst + 12, IPPROTO_UDP, sizeof(dgram))
			: ref_pseudo6(src, dst, IPPROTO_UDP, sizeof(dgram));
		s = ref_sum(dgram, sizeof(dgram), s);
		w = (uint16_t)(0xffff - s);
		data[0] = (uint8_t)(w >> 8);
		data[1] = (uint8_t)w;
		memcpy(dgram + 8, data, 2);
		cr_assert_eq(ref_csum(dgram, sizeof(dgram),
				      fl->family == AF_INET
				      ? ref_pseudo4(src + 12, dst + 12, IPPROTO_UDP, sizeof(dgram))
				      : ref_pseudo6(src, dst, IPPROTO_UDP, sizeof(dgram))),
			     0, "test precondition: this payload sums to a zero checksum");

		cr_assert_eq(fx_sendv(fl, &iov, 1, hdr), 0);
		cr_assert_eq(xs_get16(hdr + 6), 0xffff, "family %d: computed 0 sent as 0xffff",
			     fl->family);
		f = fx_rx_one();
		udp = check_l3(&f, fl, &l4_len);
		check_udp(udp, l4_len, fl, data, 2);
		cr_assert_eq(xs_get16(udp + 6), 0xffff);
		xs_dev_release(fx.b, &f, 1);
	}
}

/* The largest datagram that fits the MTU goes out in one frame, DF or
 * not; one byte more is fragmented (or refused with DF). */
UDP_TEST(udp_send, mtu_boundary)
{
	struct fx_flow df4 = flow4;
	struct xs_frame f[4];
	struct iovec iov = { .iov_base = payload, .iov_len = 1472 };

	df4.df = true;
	fx_pattern(payload, 2000, 4);
	cr_assert_eq(xs_ip_max_unfragmented(&fx.ifn, AF_INET, 0), 1480);
	cr_assert_eq(xs_ip_max_unfragmented(&fx.ifn, AF_INET6, 0), 1460);
	send_and_check(&df4, &iov, 1);
	send_and_check(&flow4, &iov, 1);
	iov.iov_len = 1452;
	send_and_check(&flow6, &iov, 1);

	cr_assert_eq(fx_send(&flow4, payload, 1473), 0);
	cr_assert_eq(fx_rx(f, 4), 2, "1473 bytes over IPv4 at MTU 1500: two fragments");
	xs_dev_release(fx.b, f, 2);
	cr_assert_eq(fx_send(&flow6, payload, 1453), 0);
	cr_assert_eq(fx_rx(f, 4), 2, "1453 bytes over IPv6 at MTU 1500: two fragments");
	xs_dev_release(fx.b, f, 2);
}

/* ---- fragmentation ------------------------------------------------------------ */

/* Checks every fragment in f[0..n) of one datagram of fl against RFC 791 /
 * RFC 8200 and reassembles it into reasm.  Returns the datagram length. */
static size_t reassemble(const struct fx_flow *fl, const struct xs_frame *f, uint32_t n)
{
	static uint8_t seen[MAX_DGRAM + 8];
	uint8_t src[16], dst[16];
	size_t total = 0, covered = 0;
	uint32_t id = 0, lasts = 0;

	fx_addr(fl->src, src);
	fx_addr(fl->dst, dst);
	memset(seen, 0, sizeof(seen));
	for (uint32_t i = 0; i < n; i++) {
		const uint8_t *l3 = f[i].data + XS_ETH_HLEN, *data;
		size_t l3_len = f[i].len - XS_ETH_HLEN, off, len;
		uint32_t fid;
		bool more;

		cr_assert_leq(l3_len, fx.ifn.mtu, "fragment %u: %zu bytes > MTU %u", i, l3_len,
			      fx.ifn.mtu);
		if (fl->family == AF_INET) {
			struct xs_ipv4_view v;

			check_eth(&f[i], XS_ETHERTYPE_IPV4);
			cr_assert_eq(xs_ipv4_view_init(&v, l3, l3_len), 0, "fragment %u", i);
			cr_assert_eq(xs_ipv4_tot_len(&v), l3_len);
			cr_assert_eq(ref_csum(l3, xs_ipv4_hdr_len(&v), 0), 0,
				     "fragment %u: header checksum", i);
			cr_assert_eq(xs_ipv4_proto(&v), IPPROTO_UDP);
			cr_assert_eq(xs_ipv4_ttl(&v), fl->ttl);
			cr_assert_not(xs_ipv4_df(&v));
			cr_assert_arr_eq(xs_ipv4_src(&v), src + 12, 4);
			cr_assert_arr_eq(xs_ipv4_dst(&v), dst + 12, 4);
			fid = xs_ipv4_id(&v);
			off = xs_ipv4_frag_off(&v);
			more = xs_ipv4_mf(&v);
			data = xs_ipv4_payload(&v);
			len = xs_ipv4_payload_len(&v);
		} else {
			struct xs_ipv6_view v;
			const uint8_t *fh;
			uint16_t offm;

			check_eth(&f[i], XS_ETHERTYPE_IPV6);
			cr_assert_eq(xs_ipv6_view_init(&v, l3, l3_len), 0, "fragment %u", i);
			cr_assert_eq(xs_ipv6_payload_len_field(&v), l3_len - 40);
			cr_assert_eq(xs_ipv6_next_header(&v), XS_IPV6_NH_FRAGMENT);
			cr_assert_eq(xs_ipv6_hop_limit(&v), fl->ttl);
			cr_assert_arr_eq(xs_ipv6_src(&v), src, 16);
			cr_assert_arr_eq(xs_ipv6_dst(&v), dst, 16);
			cr_assert_geq(xs_ipv6_payload_len(&v), 8);
			fh = xs_ipv6_payload(&v);
			cr_assert_eq(fh[0], IPPROTO_UDP, "Fragment header: next header");
			cr_assert_eq(fh[1], 0, "Fragment header: reserved");
			offm = xs_get16(fh + 2);
			cr_assert_eq(offm & 6, 0, "Fragment header: Res bits");
			off = offm & 0xfff8;
			more = offm & 1;
			fid = xs_get32(fh + 4);
			data = fh + 8;
			len = xs_ipv6_payload_len(&v) - 8;
		}
		if (i == 0)
			id = fid;
		cr_assert_eq(fid, id, "fragment %u: identification %#x, first had %#x", i, fid, id);
		cr_assert_eq(off % 8, 0);
		if (more)
			cr_assert_eq(len % 8, 0, "fragment %u: non-last length %zu not a multiple of 8",
				     i, len);
		else {
			lasts++;
			total = off + len;
		}
		cr_assert_leq(off + len, sizeof(reasm), "fragment %u past 65535", i);
		for (size_t k = off; k < off + len; k++) {
			cr_assert_eq(seen[k], 0, "fragment %u overlaps at byte %zu", i, k);
			seen[k] = 1;
		}
		memcpy(reasm + off, data, len);
		covered += len;
	}
	cr_assert_eq(lasts, 1, "exactly one fragment without MF/M");
	cr_assert_eq(covered, total, "fragments leave a hole");
	return total;
}

static uint32_t frags_expected(int family, size_t dgram)
{
	size_t chunk = (fx.ifn.mtu - (family == AF_INET ? 20 : 48)) & ~(size_t)7;

	return (uint32_t)((dgram + chunk - 1) / chunk);
}

static void frag_round_trip(const struct fx_flow *fl, uint32_t mtu, size_t n, unsigned int seed)
{
	struct xs_frame f[160];
	uint32_t got, avail = xs_pool__avail(fx.pool);
	size_t total;

	fx.ifn.mtu = mtu;
	fx_pattern(payload, n, seed);
	cr_assert_eq(fx_send(fl, payload, n), 0, "family %d, mtu %u, %zu bytes", fl->family, mtu, n);
	got = fx_rx(f, 160);
	cr_assert_eq(got, frags_expected(fl->family, n + 8),
		     "family %d, mtu %u, %zu bytes: %u fragments, the fewest that fit is %u",
		     fl->family, mtu, n, got, frags_expected(fl->family, n + 8));
	total = reassemble(fl, f, got);
	check_udp(reasm, total, fl, payload, n);
	xs_dev_release(fx.b, f, got);
	cr_assert_eq(xs_pool__avail(fx.pool), avail);
}

UDP_TEST(udp_frag, ipv4_3000_8000_65507_at_1500_and_1280)
{
	static const size_t sizes[] = { 3000, 8000, 65507 };
	static const uint32_t mtus[] = { 1500, 1280 };
	uint16_t id0 = fx.ifn.ipv4_id;

	for (int m = 0; m < 2; m++)
		for (int s = 0; s < 3; s++)
			frag_round_trip(&flow4, mtus[m], sizes[s], (unsigned int)(m * 3 + s));
	cr_assert_neq(fx.ifn.ipv4_id, id0, "identification advances per datagram");
}

/* At MTU 576 a 65,507-byte datagram is 119 fragments: more than one
 * batch of frames (64), as Linux still sends it. */
UDP_TEST(udp_frag, ipv4_65507_at_576_spans_batches)
{
	frag_round_trip(&flow4, 576, 65507, 42);
	frag_round_trip(&flow4, 576, 3000, 43);
}

UDP_TEST(udp_frag, ipv6_3000_8000_65507_at_1500_and_1280)
{
	static const size_t sizes[] = { 3000, 8000, 65507, 65527 };
	static const uint32_t mtus[] = { 1500, 1280 };

	for (int m = 0; m < 2; m++)
		for (int s = 0; s < 4; s++)
			frag_round_trip(&flow6, mtus[m], sizes[s], (unsigned int)(m * 4 + s + 10));
}

/* Two fragmented datagrams in a row must not share an identification, or
 * a receiver would mix their fragments. */
UDP_TEST(udp_frag, datagrams_get_distinct_ids)
{
	const struct fx_flow *flows[] = { &flow4, &flow6 };

	for (int k = 0; k < 2; k++) {
		struct xs_frame f[8];
		uint32_t ids[2];

		for (int d = 0; d < 2; d++) {
			const uint8_t *l3;
			uint32_t n;

			cr_assert_eq(fx_send(flows[k], payload, 3000), 0);
			n = fx_rx(f, 8);
			cr_assert_eq(n, 3);
			l3 = f[0].data + XS_ETH_HLEN;
			ids[d] = flows[k]->family == AF_INET ? xs_get16(l3 + 4) : xs_get32(l3 + 44);
			xs_dev_release(fx.b, f, n);
		}
		cr_assert_neq(ids[0], ids[1], "family %d", flows[k]->family);
	}
}

static void expect_emsgsize(const struct fx_flow *fl, size_t n)
{
	struct xs_frame f[1];
	uint32_t avail = xs_pool__avail(fx.pool);

	cr_assert_eq(fx_send(fl, payload, n), -EMSGSIZE, "family %d df %d mtu %u: %zu bytes",
		     fl->family, fl->df, fx.ifn.mtu, n);
	cr_assert_eq(fx_rx(f, 1), 0, "nothing sent");
	cr_assert_eq(xs_pool__avail(fx.pool), avail, "no frame kept");
}

UDP_TEST(udp_frag, df_and_too_big_is_emsgsize)
{
	struct fx_flow df4 = flow4;

	df4.df = true;
	expect_emsgsize(&df4, 1473);
	expect_emsgsize(&df4, 8000);
	fx.ifn.mtu = 1280;
	expect_emsgsize(&df4, 1253);
	send_and_check(&df4, &(struct iovec){ .iov_base = payload, .iov_len = 1252 }, 1);
}

UDP_TEST(udp_frag, over_ip_maximum_is_emsgsize)
{
	expect_emsgsize(&flow4, 65508);         /* 65507 = 65535 - 20 - 8 */
	expect_emsgsize(&flow4, 70000);
	expect_emsgsize(&flow6, 65528);         /* 65527 = 65535 - 8 */
	fx.ifn.mtu = 1280;
	expect_emsgsize(&flow4, 65508);
	expect_emsgsize(&flow6, 65528);
}

/* When the device takes none of the frames, xs_ip_send() says -ENOBUFS
 * (ip_out.h: "nothing was sent"), so the caller can fall back or retry;
 * every frame it took goes back. */
UDP_TEST(udp_send, full_tx_ring_is_enobufs)
{
	struct xs_frame fill[256], f[256];
	uint32_t n, avail;

	/* Fill A's side of the wire (256 slots, the memdev default). */
	cr_assert_eq(xs_dev_tx_alloc(fx.a, fill, 256), 256);
	for (int i = 0; i < 256; i++)
		fill[i].len = 60;
	cr_assert_eq(xs_dev_tx_submit(fx.a, fill, 256, 0), 256);
	avail = xs_pool__avail(fx.pool);

	cr_assert_eq(fx_send(&flow4, payload, 100), -ENOBUFS);
	cr_assert_eq(xs_pool__avail(fx.pool), avail, "frames taken for the send went back");
	n = fx_rx(f, 256);
	cr_assert_eq(n, 256);
	for (uint32_t i = 0; i < n; i++)
		cr_assert_eq(f[i].len, 60, "only the filler was on the wire");
	xs_dev_release(fx.b, f, n);
}
