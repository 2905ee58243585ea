// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * Test frame builder (see frames.h).  Headers are written byte by byte in
 * network order, lengths are filled in once the payload size is known, and
 * checksums last, so every frame it returns is one a kernel would accept.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <string.h>

#include "lib/frames.h"

static void put16(uint8_t *p, uint16_t v)
{
	p[0] = v >> 8;
	p[1] = v & 0xff;
}

static void put32(uint8_t *p, uint32_t v)
{
	put16(p, v >> 16);
	put16(p + 2, v & 0xffff);
}

static uint32_t csum_add(const void *data, size_t len, uint32_t sum)
{
	const uint8_t *p = data;
	size_t i;

	for (i = 0; i + 1 < len; i += 2)
		sum += (uint32_t)p[i] << 8 | p[i + 1];
	if (len & 1)
		sum += (uint32_t)p[len - 1] << 8;
	return sum;
}

uint16_t test_frame_csum(const void *data, size_t len, uint32_t sum)
{
	sum = csum_add(data, len, sum);
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return (uint16_t)~sum;
}

/* Writes one IPv6 extension header of type `type` at `p`; returns its
 * size.  The padding inside option headers is a PadN option, so the header
 * is valid as well as the right length. */
static size_t put_ipv6_ext(uint8_t *p, uint8_t type, uint8_t ext_len, uint8_t next)
{
	size_t size;

	switch (type) {
	case IPPROTO_HOPOPTS:
	case IPPROTO_DSTOPTS:
		size = 8 * (1 + (size_t)ext_len);
		memset(p, 0, size);
		p[0] = next;
		p[1] = ext_len;
		p[2] = 1;                   /* PadN */
		p[3] = size - 4;
		return size;
	case IPPROTO_ROUTING:
		size = 8 * (1 + (size_t)ext_len);
		memset(p, 0, size);
		p[0] = next;
		p[1] = ext_len;
		p[2] = 4;                   /* segment routing */
		p[3] = 0;                   /* segments left: nothing to do */
		return size;
	case IPPROTO_FRAGMENT:
		memset(p, 0, 8);
		p[0] = next;
		put16(p + 2, 0 << 3 | 1);   /* offset 0, more fragments */
		put32(p + 4, 0x12345678);
		return 8;
	case IPPROTO_AH:
		memset(p, 0, 24);           /* 12-byte ICV */
		p[0] = next;
		p[1] = 24 / 4 - 2;
		put32(p + 4, 0x100);        /* SPI */
		put32(p + 8, 1);            /* sequence */
		return 24;
	default:
		return 0;
	}
}

static size_t l4_header_len(const struct test_frame_spec *s)
{
	switch (s->proto) {
	case IPPROTO_TCP:
		return 20 + 4 * (size_t)s->tcp_opt_words;
	case IPPROTO_UDP:
	case IPPROTO_ICMP:
	case IPPROTO_ICMPV6:
		return 8;
	default:
		return 0;
	}
}

static void put_l4(uint8_t *p, const struct test_frame_spec *s, size_t l4_len)
{
	size_t hlen = l4_header_len(s);

	memset(p, 0, hlen);
	memset(p + hlen, 0x5a, l4_len - hlen);
	switch (s->proto) {
	case IPPROTO_TCP:
		put16(p, s->sport);
		put16(p + 2, s->dport);
		put32(p + 4, 1000);                 /* seq */
		put32(p + 8, s->tcp_flags & 0x10 ? 2000 : 0);
		p[12] = (uint8_t)((hlen / 4) << 4);
		p[13] = s->tcp_flags;
		put16(p + 14, 65535);               /* window */
		memset(p + 20, 1, hlen - 20);       /* options: NOPs */
		break;
	case IPPROTO_UDP:
		put16(p, s->sport);
		put16(p + 2, s->dport);
		put16(p + 4, l4_len);
		break;
	case IPPROTO_ICMP:
		p[0] = 8;                           /* echo request */
		put16(p + 4, 1);
		put16(p + 6, 1);
		break;
	case IPPROTO_ICMPV6:
		p[0] = 128;                         /* echo request */
		put16(p + 4, 1);
		put16(p + 6, 1);
		break;
	}
}

/* Offset of the checksum field in the transport header, or -1. */
static int l4_csum_off(uint8_t proto)
{
	switch (proto) {
	case IPPROTO_TCP:
		return 16;
	case IPPROTO_UDP:
		return 6;
	case IPPROTO_ICMP:
	case IPPROTO_ICMPV6:
		return 2;
	default:
		return -1;
	}
}

static int build_ipv4(struct test_frame *f, const struct test_frame_spec *s)
{
	uint8_t *ip = f->data + f->l3_off, *l4, pseudo[12];
	size_t hlen = 20 + 4 * (size_t)s->ipv4_opt_words;
	size_t l4_len = l4_header_len(s) + s->payload_len;
	struct in_addr src, dst;
	int coff;

	if (s->ipv4_opt_words > 10 || !s->saddr || !s->daddr ||
	    inet_pton(AF_INET, s->saddr, &src) != 1 ||
	    inet_pton(AF_INET, s->daddr, &dst) != 1 ||
	    f->l3_off + hlen + l4_len + s->pad_len > TEST_FRAME_MAX ||
	    hlen + l4_len > 65535)
		return -EINVAL;

	memset(ip, 0, hlen);
	ip[0] = 0x40 | (uint8_t)(hlen / 4);
	put16(ip + 2, hlen + l4_len);
	put16(ip + 4, 0x1234);                      /* id */
	put16(ip + 6, s->ipv4_frag);
	ip[8] = 64;
	ip[9] = s->proto;
	memcpy(ip + 12, &src, 4);
	memcpy(ip + 16, &dst, 4);
	if (hlen > 20) {
		memset(ip + 20, 1, hlen - 20);      /* NOP options ... */
		ip[hlen - 1] = 0;                   /* ... then End of List */
	}
	put16(ip + 10, test_frame_csum(ip, hlen, 0));

	f->l4_off = f->l3_off + hlen;
	l4 = f->data + f->l4_off;
	put_l4(l4, s, l4_len);
	coff = l4_csum_off(s->proto);
	if (coff >= 0 && l4_len >= (size_t)coff + 2) {
		memcpy(pseudo, &src, 4);
		memcpy(pseudo + 4, &dst, 4);
		pseudo[8] = 0;
		pseudo[9] = s->proto;
		put16(pseudo + 10, l4_len);
		uint16_t c = test_frame_csum(l4, l4_len,
			s->proto == IPPROTO_ICMP ? 0 : csum_add(pseudo, 12, 0));
		if (s->proto == IPPROTO_UDP && c == 0)
			c = 0xffff;
		put16(l4 + coff, c);
	}
	f->len = f->l4_off + l4_len;
	return 0;
}

static int build_ipv6(struct test_frame *f, const struct test_frame_spec *s)
{
	uint8_t *ip = f->data + f->l3_off, *l4, pseudo[40];
	size_t l4_len = l4_header_len(s) + s->payload_len, ext_len = 0, off;
	struct in6_addr src, dst;
	int i, coff;

	if (s->n_ipv6_ext < 0 || s->n_ipv6_ext > TEST_FRAME_MAX_EXT ||
	    !s->saddr || !s->daddr ||
	    inet_pton(AF_INET6, s->saddr, &src) != 1 ||
	    inet_pton(AF_INET6, s->daddr, &dst) != 1)
		return -EINVAL;
	for (i = 0; i < s->n_ipv6_ext; i++) {
		if (s->ipv6_ext[i] == IPPROTO_FRAGMENT || s->ipv6_ext[i] == IPPROTO_AH)
			ext_len += s->ipv6_ext[i] == IPPROTO_AH ? 24 : 8;
		else
			ext_len += 8 * (1 + (size_t)s->ipv6_ext_len[i]);
	}
	if (f->l3_off + 40 + ext_len + l4_len + s->pad_len > TEST_FRAME_MAX)
		return -EINVAL;

	memset(ip, 0, 40);
	ip[0] = 0x60;
	put16(ip + 4, ext_len + l4_len);
	ip[6] = s->n_ipv6_ext ? s->ipv6_ext[0] : s->proto;
	ip[7] = 64;
	memcpy(ip + 8, &src, 16);
	memcpy(ip + 24, &dst, 16);

	off = f->l3_off + 40;
	for (i = 0; i < s->n_ipv6_ext; i++) {
		uint8_t next = i + 1 < s->n_ipv6_ext ? s->ipv6_ext[i + 1] : s->proto;
		size_t n = put_ipv6_ext(f->data + off, s->ipv6_ext[i],
					s->ipv6_ext_len[i], next);

		if (!n)
			return -EINVAL;
		off += n;
	}

	f->l4_off = off;
	l4 = f->data + f->l4_off;
	put_l4(l4, s, l4_len);
	coff = l4_csum_off(s->proto);
	if (coff >= 0 && s->proto != IPPROTO_ICMP && l4_len >= (size_t)coff + 2) {
		memcpy(pseudo, &src, 16);
		memcpy(pseudo + 16, &dst, 16);
		put32(pseudo + 32, l4_len);
		put32(pseudo + 36, s->proto);
		uint16_t c = test_frame_csum(l4, l4_len, csum_add(pseudo, 40, 0));
		if (s->proto == IPPROTO_UDP && c == 0)
			c = 0xffff;
		put16(l4 + coff, c);
	}
	f->len = f->l4_off + l4_len;
	return 0;
}

int test_frame_build(struct test_frame *f, const struct test_frame_spec *s)
{
	static const uint8_t dst_mac[6] = TEST_FRAME_DST_MAC;
	static const uint8_t src_mac[6] = TEST_FRAME_SRC_MAC;
	uint16_t ethertype;
	size_t off = 12;
	int i, err;

	if (s->n_vlans < 0 || s->n_vlans > TEST_FRAME_MAX_VLANS)
		return -EINVAL;
	memset(f, 0, sizeof(*f));
	memcpy(f->data, dst_mac, 6);
	memcpy(f->data + 6, src_mac, 6);
	for (i = 0; i < s->n_vlans; i++) {
		put16(f->data + off, s->vlan_tpid[i]);
		put16(f->data + off + 2, 100 + i);
		off += 4;
	}
	if (s->ethertype)
		ethertype = s->ethertype;
	else if (s->family == 4)
		ethertype = 0x0800;
	else if (s->family == 6)
		ethertype = 0x86dd;
	else
		return -EINVAL;
	put16(f->data + off, ethertype);
	f->l3_off = off + 2;

	if (s->ethertype) {
		if (f->l3_off + s->payload_len > TEST_FRAME_MAX)
			return -EINVAL;
		f->len = f->l3_off + s->payload_len;
		return 0;
	}
	err = s->family == 4 ? build_ipv4(f, s) : build_ipv6(f, s);
	if (err)
		return err;
	memset(f->data + f->len, 0, s->pad_len);
	f->len += s->pad_len;
	return 0;
}
