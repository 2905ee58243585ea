// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * Writes the seed corpus of tests/fuzz/fuzz_rx.c: one file per Ethernet
 * frame, named after what it is.
 *
 *   make_corpus DIR
 *
 * The frames captured from Linux that the wire/ unit tests use
 * (tests/unit/wire_golden.h) come first; then frames built here, byte by
 * byte, with the unit tests' reference checksum (not wire/csum.c, so a
 * checksum bug there cannot make the seeds agree with it): UDP over IPv4
 * and IPv6 to each socket the target sets up, VLAN and QinQ tags, IPv4
 * options, IPv6 extension headers, fragments, checksum corner cases, ICMP
 * errors quoting UDP, TCP with options, and truncated frames.  Addresses:
 * 198.18.0.1 / 2001:db8::1 send to 198.18.0.2 / 2001:db8::2.
 *
 * Built and run by tests/fuzz/run.sh only when --regen-corpus is given;
 * the files it writes are committed in tests/fuzz/corpus/rx.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../unit/wire_golden.h"

static const char *outdir;
static int nwritten;

static void emit(const char *name, const uint8_t *p, size_t len)
{
	char path[4096];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", outdir, name);
	f = fopen(path, "wb");
	if (!f || fwrite(p, 1, len, f) != len || fclose(f)) {
		fprintf(stderr, "make_corpus: %s: %s\n", path, strerror(errno));
		exit(1);
	}
	nwritten++;
}

static const uint8_t mac_dst[6] = { 0x02, 0, 0, 0, 0, 0x0b };
static const uint8_t mac_src[6] = { 0x02, 0, 0, 0, 0, 0x0a };
static const uint8_t ip4_a[4] = { 198, 18, 0, 1 }, ip4_b[4] = { 198, 18, 0, 2 };
static const uint8_t ip6_a[16] = { 0x20, 0x01, 0x0d, 0xb8, [15] = 1 };
static const uint8_t ip6_b[16] = { 0x20, 0x01, 0x0d, 0xb8, [15] = 2 };
static const uint8_t ip4_c[4] = { 198, 18, 0, 3 };
static const uint8_t ip6_c[16] = { 0x20, 0x01, 0x0d, 0xb8, [15] = 3 };

static void put16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

/* Ethernet header with up to three tags (type 0x8100 or 0x88a8 each),
 * then ethertype.  Returns its length. */
static size_t put_eth(uint8_t *p, const uint16_t *tags, int ntags, uint16_t vid, uint16_t type)
{
	size_t off = 12;
	int i;

	memcpy(p, mac_dst, 6);
	memcpy(p + 6, mac_src, 6);
	for (i = 0; i < ntags; i++) {
		put16(p + off, tags[i]);
		put16(p + off + 2, (uint16_t)((i == ntags - 1 ? 0x2000 : 0) | (vid + i)));
		off += 4;
	}
	put16(p + off, type);
	return off + 2;
}

/* IPv4 header with options (a multiple of 4 bytes) and the flags/fragment
 * field frag; l4len bytes follow.  Returns the header length. */
static size_t put_ipv4(uint8_t *p, uint8_t proto, const uint8_t *opts, size_t optlen,
		       uint16_t frag, size_t l4len, const uint8_t *src, const uint8_t *dst)
{
	size_t hl = 20 + optlen;

	memset(p, 0, hl);
	p[0] = (uint8_t)(0x40 | (hl / 4));
	put16(p + 2, (uint16_t)(hl + l4len));
	put16(p + 4, 0x1234);
	put16(p + 6, frag);
	p[8] = 64;
	p[9] = proto;
	memcpy(p + 12, src, 4);
	memcpy(p + 16, dst, 4);
	if (optlen)
		memcpy(p + 20, opts, optlen);
	put16(p + 10, ref_csum(p, hl, 0));
	return hl;
}

static size_t put_ipv6(uint8_t *p, uint8_t nh, size_t plen, const uint8_t *src, const uint8_t *dst)
{
	memset(p, 0, 40);
	p[0] = 0x60;
	p[1] = 0x0a;    /* flow label 0xa1b2c */
	p[2] = 0x1b;
	p[3] = 0x2c;
	put16(p + 4, (uint16_t)plen);
	p[6] = nh;
	p[7] = 64;
	memcpy(p + 8, src, 16);
	memcpy(p + 24, dst, 16);
	return 40;
}

enum csum_mode { CSUM_OK, CSUM_ZERO, CSUM_BAD };

/* A transport checksum at p[at] over p[0..len) and the pseudo-header. */
static void l4_csum(uint8_t *p, size_t len, size_t at, int v6, uint8_t proto,
		    const uint8_t *src, const uint8_t *dst, enum csum_mode mode)
{
	uint32_t ph = v6 ? ref_pseudo6(src, dst, proto, (uint32_t)len)
			 : ref_pseudo4(src, dst, proto, (uint32_t)len);
	uint16_t c;

	put16(p + at, 0);
	c = ref_csum(p, len, ph);
	if (proto == 17 && c == 0)
		c = 0xffff;
	if (mode == CSUM_ZERO)
		c = 0;
	else if (mode == CSUM_BAD)
		c ^= 0x5a5a;
	put16(p + at, c);
}

static size_t put_udp(uint8_t *p, uint16_t sport, uint16_t dport, const void *payload,
		      size_t plen, int v6, const uint8_t *src, const uint8_t *dst,
		      enum csum_mode mode)
{
	put16(p, sport);
	put16(p + 2, dport);
	put16(p + 4, (uint16_t)(8 + plen));
	memcpy(p + 8, payload, plen);
	l4_csum(p, 8 + plen, 6, v6, 17, src, dst, mode);
	return 8 + plen;
}

struct udp_spec {
	const char *name;
	int v6;
	uint16_t sport, dport;
	const char *payload;
	size_t plen;                /* 0: strlen(payload) */
	enum csum_mode csum;
	const uint16_t *tags;
	int ntags;
	const uint8_t *ipopts;      /* IPv4 options, or IPv6 extension headers */
	size_t ipopts_len;
	uint8_t first_nh;           /* IPv6: next header of the fixed header */
	uint16_t frag;              /* IPv4 flags and fragment offset field */
	size_t pad_to;              /* Ethernet minimum padding */
	size_t cut;                 /* write only this many bytes (0: all) */
	int udp_len_delta;          /* added to the UDP length field after the checksum */
	int other_dst;              /* to 198.18.0.3 / 2001:db8::3 */
};

static size_t build_udp(uint8_t *f, const struct udp_spec *s)
{
	size_t plen = s->plen ? s->plen : strlen(s->payload), off, l3, ulen;
	const uint8_t *dst = s->v6 ? (s->other_dst ? ip6_c : ip6_b) : (s->other_dst ? ip4_c : ip4_b);
	uint8_t udp[4096];

	off = put_eth(f, s->tags, s->ntags, 100, s->v6 ? 0x86dd : 0x0800);
	ulen = put_udp(udp, s->sport, s->dport, s->payload, plen, s->v6,
		       s->v6 ? ip6_a : ip4_a, dst, s->csum);
	put16(udp + 4, (uint16_t)(ulen + s->udp_len_delta));
	if (s->udp_len_delta < 0 && ulen + s->udp_len_delta >= 8)   /* bytes past it: padding */
		l4_csum(udp, ulen + s->udp_len_delta, 6, s->v6, 17, s->v6 ? ip6_a : ip4_a, dst, s->csum);
	if (s->v6) {
		l3 = put_ipv6(f + off, s->ipopts_len ? s->first_nh : 17, s->ipopts_len + ulen,
			      ip6_a, dst);
		if (s->ipopts_len)
			memcpy(f + off + l3, s->ipopts, s->ipopts_len);
		l3 += s->ipopts_len;
	} else {
		l3 = put_ipv4(f + off, 17, s->ipopts, s->ipopts_len, s->frag, ulen, ip4_a, dst);
	}
	memcpy(f + off + l3, udp, ulen);
	off += l3 + ulen;
	if (off < s->pad_to) {
		memset(f + off, 0, s->pad_to - off);
		off = s->pad_to;
	}
	return s->cut && s->cut < off ? s->cut : off;
}

static const uint16_t tag_1q[] = { 0x8100 };
static const uint16_t tag_qinq[] = { 0x88a8, 0x8100 };
static const uint16_t tag_three[] = { 0x88a8, 0x8100, 0x8100 };

/* IPv4 options: NOP, record route (3 slots, 11 bytes), EOL: 16 bytes. */
static const uint8_t ip4_opts_rr[16] = { 1, 7, 11, 4, 198, 18, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0 };
/* Router alert (RFC 2113) and a timestamp option: 12 bytes. */
static const uint8_t ip4_opts_ra_ts[12] = { 0x94, 4, 0, 0, 0x44, 8, 5, 0, 0, 0, 0, 0 };
/* Hop-by-hop (PadN), destination options (Pad1 x6), routing type 0 with
 * segments left 0, then UDP: 8 + 8 + 8 bytes. */
static const uint8_t ip6_ext_chain[24] = {
	60, 0, 1, 4, 0, 0, 0, 0,            /* HBH: next DSTOPTS, PadN 4 */
	43, 0, 0, 0, 0, 0, 0, 0,            /* DSTOPTS: next ROUTING, Pad1 x6 */
	17, 0, 0, 0, 0, 0, 0, 0,            /* ROUTING: next UDP, type 0, left 0 */
};
/* AH (payload length 4: 24 bytes) then UDP. */
static const uint8_t ip6_ext_ah[24] = { 17, 4, 0, 0, 0, 0, 0x10, 0x01, 0, 0, 0, 1 };
/* Fragment header, offset 0, M set, then UDP. */
static const uint8_t ip6_ext_frag_first[8] = { 17, 0, 0x00, 0x01, 0xde, 0xad, 0xbe, 0xef };
/* Fragment header, offset 1480, last fragment. */
static const uint8_t ip6_ext_frag_last[8] = { 17, 0, 0x05, 0xc8, 0xde, 0xad, 0xbe, 0xef };
/* Fragment header with offset 0 and M clear (an atomic fragment, RFC 6946). */
static const uint8_t ip6_ext_frag_atomic[8] = { 17, 0, 0, 0, 0, 0, 0, 7 };
/* Hop-by-hop that is not first (after destination options): invalid. */
static const uint8_t ip6_ext_hbh_late[16] = { 0, 0, 1, 4, 0, 0, 0, 0, 17, 0, 1, 4, 0, 0, 0, 0 };
/* Nine destination-options headers: one more than the walk crosses. */
static uint8_t ip6_ext_nine[72];

static void udp_seeds(void)
{
	static char big[3000];
	const struct udp_spec specs[] = {
		{ "udp4-wildcard", 0, 40000, 7000, "xsock udp4\n", .other_dst = 1 },
		{ "udp4-v4mapped-bound", 0, 40000, 7000, "v4-mapped beats wildcard" },
		{ "udp4-udplen-long", 0, 40000, 7000, "length past the end", .udp_len_delta = 4 },
		{ "udp4-udplen-short", 0, 40000, 7000, "trailing bytes", .udp_len_delta = -4 },
		{ "udp4-udplen-below-8", 0, 40000, 7000, "", .udp_len_delta = -2 },
		{ "udp4-bound", 0, 40000, 7001, "to the bound socket" },
		{ "udp4-connected", 0, 40000, 7002, "from the connected peer" },
		{ "udp4-connected-wrong-port", 0, 40001, 7002, "not the peer" },
		{ "udp4-tiny-rcvbuf", 0, 40000, 7003, "one at a time" },
		{ "udp4-other-ifindex", 0, 40000, 7004, "bound elsewhere" },
		{ "udp4-same-bucket", 0, 40000, 7000 + 1024, "bucket neighbour" },
		{ "udp4-to-dualstack", 0, 40000, 9000, "v4 to a v6 socket" },
		{ "udp4-to-v6only", 0, 40000, 9001, "refused" },
		{ "udp4-no-socket", 0, 40000, 5353, "nobody" },
		{ "udp4-empty", 0, 40000, 7000, "", 0 },
		{ "udp4-csum-zero", 0, 40000, 7000, "no checksum", 0, CSUM_ZERO },
		{ "udp4-csum-bad", 0, 40000, 7000, "bad checksum", 0, CSUM_BAD },
		{ "udp4-padded", 0, 40000, 7000, "hi", 0, CSUM_OK, .pad_to = 60 },
		{ "udp4-vlan", 0, 40000, 7000, "802.1Q", 0, CSUM_OK, tag_1q, 1 },
		{ "udp4-qinq", 0, 40000, 7001, "802.1ad", 0, CSUM_OK, tag_qinq, 2 },
		{ "udp4-three-tags", 0, 40000, 7000, "too many tags", 0, CSUM_OK, tag_three, 3 },
		{ "udp4-ipopts-rr", 0, 40000, 7000, "record route", 0, CSUM_OK, .ipopts = ip4_opts_rr,
		  .ipopts_len = sizeof(ip4_opts_rr) },
		{ "udp4-ipopts-ra-ts", 0, 40000, 9000, "router alert", 0, CSUM_OK,
		  .ipopts = ip4_opts_ra_ts, .ipopts_len = sizeof(ip4_opts_ra_ts) },
		{ "udp4-frag-first", 0, 40000, 7000, "first fragment", 0, CSUM_OK, .frag = 0x2000 },
		{ "udp4-frag-last", 0, 40000, 7000, "last fragment", 0, CSUM_OK, .frag = 185 },
		{ "udp4-df", 0, 40000, 7000, "don't fragment", 0, CSUM_OK, .frag = 0x4000 },
		{ "udp4-1472", 0, 40000, 7000, big, 1472 },
		{ "udp4-3000", 0, 40000, 9000, big, 3000 },
		{ "udp4-cut-eth", 0, 40000, 7000, "cut", 0, CSUM_OK, .cut = 13 },
		{ "udp4-cut-ip", 0, 40000, 7000, "cut", 0, CSUM_OK, .cut = 14 + 19 },
		{ "udp4-cut-udp", 0, 40000, 7000, "cut", 0, CSUM_OK, .cut = 14 + 20 + 5 },
		{ "udp4-cut-payload", 0, 40000, 7000, "cut short", 0, CSUM_OK, .cut = 14 + 20 + 8 + 3 },
		{ "udp6-dualstack", 1, 40000, 9000, "xsock udp6\n" },
		{ "udp6-bound-other-dst", 1, 40000, 9002, "not our address", .other_dst = 1 },
		{ "udp6-udplen-long", 1, 40000, 9000, "length past the end", .udp_len_delta = 2 },
		{ "udp6-udplen-short", 1, 40000, 9000, "trailing bytes", .udp_len_delta = -3 },
		{ "udp6-v6only", 1, 40000, 9001, "v6only" },
		{ "udp6-connected", 1, 40000, 9002, "from the connected peer" },
		{ "udp6-connected-wrong-port", 1, 40002, 9002, "not the peer" },
		{ "udp6-bound-ifindex", 1, 40000, 9003, "ifindex" },
		{ "udp6-to-v4-socket", 1, 40000, 7004, "wrong family" },
		{ "udp6-empty", 1, 40000, 9000, "", 0 },
		{ "udp6-csum-zero", 1, 40000, 9000, "zero is invalid", 0, CSUM_ZERO },
		{ "udp6-csum-bad", 1, 40000, 9000, "bad checksum", 0, CSUM_BAD },
		{ "udp6-vlan", 1, 40000, 9001, "802.1Q", 0, CSUM_OK, tag_1q, 1 },
		{ "udp6-qinq", 1, 40000, 9000, "802.1ad", 0, CSUM_OK, tag_qinq, 2 },
		{ "udp6-ext-chain", 1, 40000, 9000, "hbh dst rt", 0, CSUM_OK, .ipopts = ip6_ext_chain,
		  .ipopts_len = sizeof(ip6_ext_chain), .first_nh = 0 },
		{ "udp6-ext-ah", 1, 40000, 9001, "ah", 0, CSUM_OK, .ipopts = ip6_ext_ah,
		  .ipopts_len = sizeof(ip6_ext_ah), .first_nh = 51 },
		{ "udp6-frag-first", 1, 40000, 9000, "first fragment", 0, CSUM_OK,
		  .ipopts = ip6_ext_frag_first, .ipopts_len = 8, .first_nh = 44 },
		{ "udp6-frag-last", 1, 40000, 9000, "last fragment", 0, CSUM_OK,
		  .ipopts = ip6_ext_frag_last, .ipopts_len = 8, .first_nh = 44 },
		{ "udp6-frag-atomic", 1, 40000, 9000, "atomic fragment", 0, CSUM_OK,
		  .ipopts = ip6_ext_frag_atomic, .ipopts_len = 8, .first_nh = 44 },
		{ "udp6-hbh-not-first", 1, 40000, 9000, "bad order", 0, CSUM_OK,
		  .ipopts = ip6_ext_hbh_late, .ipopts_len = sizeof(ip6_ext_hbh_late), .first_nh = 60 },
		{ "udp6-nine-ext", 1, 40000, 9000, "too many", 0, CSUM_OK, .ipopts = ip6_ext_nine,
		  .ipopts_len = sizeof(ip6_ext_nine), .first_nh = 60 },
		{ "udp6-1232", 1, 40000, 9002, big, 1232 },
		{ "udp6-cut-ip", 1, 40000, 9000, "cut", 0, CSUM_OK, .cut = 14 + 39 },
		{ "udp6-cut-payload", 1, 40000, 9000, "cut short", 0, CSUM_OK, .cut = 14 + 40 + 8 + 2 },
	};
	uint8_t f[4096];
	size_t i, len;

	for (i = 0; i < sizeof(big); i++)
		big[i] = (char)(' ' + i % 95);
	for (i = 0; i < 9; i++) {
		ip6_ext_nine[i * 8] = i < 8 ? 60 : 17;
		ip6_ext_nine[i * 8 + 2] = 1;
		ip6_ext_nine[i * 8 + 3] = 4;
	}
	for (i = 0; i < sizeof(specs) / sizeof(specs[0]); i++) {
		len = build_udp(f, &specs[i]);
		emit(specs[i].name, f, len);
	}
}

/* ICMP errors quoting a UDP datagram, and TCP with options. */
static void other_seeds(void)
{
	uint8_t f[2048], inner[256], msg[512];
	size_t off, ilen, ulen, mlen;

	/* ICMPv4 port unreachable 198.18.0.2 > 198.18.0.1 quoting
	 * 198.18.0.1:40000 > 198.18.0.2:7000. */
	ulen = put_udp(inner + 20, 40000, 7000, "quoted", 6, 0, ip4_a, ip4_b, CSUM_OK);
	ilen = put_ipv4(inner, 17, NULL, 0, 0, ulen, ip4_a, ip4_b) + ulen;
	memset(msg, 0, 8);
	msg[0] = 3;
	msg[1] = 3;
	memcpy(msg + 8, inner, ilen);
	mlen = 8 + ilen;
	put16(msg + 2, ref_csum(msg, mlen, 0));
	off = put_eth(f, NULL, 0, 0, 0x0800);
	off += put_ipv4(f + off, 1, NULL, 0, 0, mlen, ip4_b, ip4_a);
	memcpy(f + off, msg, mlen);
	emit("icmp4-port-unreach", f, off + mlen);

	/* ICMPv4 fragmentation needed, MTU 1400, quoting only the header
	 * and 8 bytes (what old routers send). */
	msg[1] = 4;
	put16(msg + 6, 1400);
	mlen = 8 + 20 + 8;
	put16(msg + 2, 0);
	put16(msg + 2, ref_csum(msg, mlen, 0));
	off = put_eth(f, NULL, 0, 0, 0x0800);
	off += put_ipv4(f + off, 1, NULL, 0, 0, mlen, ip4_b, ip4_a);
	memcpy(f + off, msg, mlen);
	emit("icmp4-frag-needed", f, off + mlen);

	/* ICMPv6 port unreachable and packet too big, quoting
	 * [2001:db8::1]:40000 > [2001:db8::2]:9000. */
	ulen = put_udp(inner + 40, 40000, 9000, "quoted6", 7, 1, ip6_a, ip6_b, CSUM_OK);
	ilen = put_ipv6(inner, 17, ulen, ip6_a, ip6_b) + ulen;
	for (int k = 0; k < 2; k++) {
		memset(msg, 0, 8);
		msg[0] = k ? 2 : 1;
		msg[1] = k ? 0 : 4;
		if (k)
			put16(msg + 6, 1280);
		memcpy(msg + 8, inner, ilen);
		mlen = 8 + ilen;
		off = put_eth(f, NULL, 0, 0, 0x86dd);
		off += put_ipv6(f + off, 58, mlen, ip6_b, ip6_a);
		memcpy(f + off, msg, mlen);
		l4_csum(f + off, mlen, 2, 1, 58, ip6_b, ip6_a, CSUM_OK);
		emit(k ? "icmp6-pkt-too-big" : "icmp6-port-unreach", f, off + mlen);
	}

	/* IPv6 TCP SYN-ACK with MSS, SACK-permitted, timestamps, window scale;
	 * then an IPv4 ACK with two SACK blocks. */
	{
		static const uint8_t synack_opts[20] = {
			2, 4, 0x05, 0xa0, 4, 2, 8, 10, 0, 0, 0, 1, 0, 0, 0, 2, 1, 3, 3, 7,
		};
		static const uint8_t sack_opts[20] = {
			1, 1, 5, 18, 0, 0, 0x10, 0, 0, 0, 0x20, 0, 0, 0, 0x30, 0, 0, 0, 0x40, 0,
		};
		uint8_t tcp[64];

		memset(tcp, 0, sizeof(tcp));
		put16(tcp, 8080);
		put16(tcp + 2, 40000);
		tcp[7] = 1;
		tcp[11] = 1;
		tcp[12] = (20 + 20) / 4 << 4;
		tcp[13] = 0x12;
		put16(tcp + 14, 65535);
		memcpy(tcp + 20, synack_opts, 20);
		l4_csum(tcp, 40, 16, 1, 6, ip6_b, ip6_a, CSUM_OK);
		off = put_eth(f, NULL, 0, 0, 0x86dd);
		off += put_ipv6(f + off, 6, 40, ip6_b, ip6_a);
		memcpy(f + off, tcp, 40);
		emit("tcp6-synack-opts", f, off + 40);

		memset(tcp, 0, sizeof(tcp));
		put16(tcp, 8080);
		put16(tcp + 2, 40000);
		tcp[12] = (20 + 20) / 4 << 4;
		tcp[13] = 0x10;
		put16(tcp + 14, 512);
		memcpy(tcp + 20, sack_opts, 20);
		l4_csum(tcp, 40, 16, 0, 6, ip4_b, ip4_a, CSUM_OK);
		off = put_eth(f, NULL, 0, 0, 0x0800);
		off += put_ipv4(f + off, 6, NULL, 0, 0x4000, 40, ip4_b, ip4_a);
		memcpy(f + off, tcp, 40);
		emit("tcp4-ack-sack", f, off + 40);
	}

	/* Not IP at all, and a runt. */
	off = put_eth(f, NULL, 0, 0, 0x88cc);
	memset(f + off, 0, 46);
	emit("eth-lldp", f, off + 46);
	emit("eth-runt", f, 6);
}

int main(int argc, char **argv)
{
	if (argc != 2) {
		fprintf(stderr, "usage: make_corpus DIR\n");
		return 2;
	}
	outdir = argv[1];
	emit("golden-mld-hbh", golden_mld_hbh, sizeof(golden_mld_hbh));
	emit("golden-rs", golden_rs, sizeof(golden_rs));
	emit("golden-arp-req", golden_arp_req, sizeof(golden_arp_req));
	emit("golden-icmp4-echo", golden_icmp4_echo, sizeof(golden_icmp4_echo));
	emit("golden-ns", golden_ns, sizeof(golden_ns));
	emit("golden-syn", golden_syn, sizeof(golden_syn));
	emit("golden-udp6", golden_udp6, sizeof(golden_udp6));
	emit("golden-na", golden_na, sizeof(golden_na));
	udp_seeds();
	other_seeds();
	printf("make_corpus: %d frames in %s\n", nwritten, outdir);
	return 0;
}
