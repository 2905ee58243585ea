// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * libFuzzer target for the receive path: every input is one Ethernet frame
 * as a NIC would hand it to the stack.  It goes
 *
 *   device (in-memory pair) -> xs_ip_input() -> xs_udp_input() -> queue
 *   -> xs_udp_recv() with assorted msghdrs and flags -> purge
 *
 * exactly as api/stack.c's poll loop and api/io.c's recv drive them, and
 * the same bytes also go straight through every wire/ parser (views,
 * reprs, IPv4/TCP options, ICMP quotes, the IPv6 extension walk), with and
 * without checksum verification so that a wrong checksum does not hide
 * the code behind it.  The IP packet, and the input read as a run of IP
 * packets, also go through IP reassembly (iface/reasm.c), and an
 * unfragmented IPv4 packet is cut into shuffled fragments of its own that
 * must reassemble to it.
 *
 * Memory: libFuzzer's input is a heap block of exactly the input's size,
 * and the frame in the pool is poisoned for ASan everywhere but
 * data[0..len) while the stack owns it and entirely once it is released,
 * so a read past the frame or after its release is reported like a heap
 * overflow or a use after free.
 *
 * Oracles beyond the sanitizers (abort() on failure): a datagram reaches
 * only a socket of its port and a compatible family; recv copies the
 * payload the frame carries, reports MSG_TRUNC and the source address as
 * recvmsg(2) does; after every socket is drained and purged, every frame
 * is home (xs_pool__all_home()) and no socket has bytes charged.
 *
 * Determinism: the table and the sockets are set up once, and each input
 * leaves them as it found them (queues empty, counters reset); the
 * reassembly table is made and freed per input, with a fake clock.  Choices
 * that are not frame bytes (how many copies of the frame arrive, the recv
 * flags and buffer sizes) come from a PRNG seeded with a hash of the input.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include <sanitizer/asan_interface.h>

#include "ctl/ctl.h"
#include "dev/dev.h"
#include "iface/drop.h"
#include "iface/ip_in.h"
#include "iface/reasm.h"
#include "sock/udp.h"
#include "wire/arp.h"
#include "wire/bytes.h"
#include "wire/csum.h"
#include "wire/eth.h"
#include "wire/icmp4.h"
#include "wire/icmp6.h"
#include "wire/ipv4.h"
#include "wire/ipv6.h"
#include "wire/tcp.h"
#include "wire/udp.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define FZ_FRAME_SIZE 4096
#define FZ_FRAMES 512
#define FZ_IFINDEX 2
#define FZ_MAX_COPIES 300   /* enough to fill a default rcvbuf and grow a queue */

#define CHECK(cond)                                                                 \
	do {                                                                        \
		if (!(cond)) {                                                      \
			fprintf(stderr, "fuzz_rx: %s:%d: check failed: %s\n", __FILE__, \
				__LINE__, #cond);                                   \
			abort();                                                    \
		}                                                                   \
	} while (0)

/* ---- The sockets ---------------------------------------------------------
 * Ports and addresses match the seed corpus (tests/fuzz/make_corpus.c):
 * 198.18.0.1 / 2001:db8::1 send to 198.18.0.2 / 2001:db8::2. */

struct fz_sock_spec {
	const char *what;
	int family;
	bool v6only;
	const char *laddr;          /* NULL: wildcard; IPv4 text for AF_INET and mapped */
	uint16_t lport;
	const char *raddr;          /* connected to, or NULL */
	uint16_t rport;
	int bound_ifindex;
	uint32_t rcvbuf;
};

static const struct fz_sock_spec fz_specs[] = {
	{ "v4 wildcard", AF_INET, false, NULL, 7000, NULL, 0, 0, 212992 },
	{ "v4 bound", AF_INET, false, "198.18.0.2", 7001, NULL, 0, 0, 212992 },
	{ "v4 connected", AF_INET, false, "198.18.0.2", 7002, "198.18.0.1", 40000, 0, 212992 },
	{ "v4 tiny rcvbuf", AF_INET, false, NULL, 7003, NULL, 0, 0, 0 },
	{ "v4 other ifindex", AF_INET, false, NULL, 7004, NULL, 0, FZ_IFINDEX + 1, 212992 },
	{ "v4 same bucket as 7000", AF_INET, false, NULL, 7000 + XS_UDP_TABLE_SIZE, NULL, 0, 0, 212992 },
	{ "v6 dual-stack wildcard", AF_INET6, false, NULL, 9000, NULL, 0, 0, 212992 },
	{ "v6 v6only wildcard", AF_INET6, true, NULL, 9001, NULL, 0, 0, 212992 },
	{ "v6 bound, connected", AF_INET6, false, "2001:db8::2", 9002, "2001:db8::1", 40000, 0, 212992 },
	{ "v6 bound v4-mapped", AF_INET6, false, "::ffff:198.18.0.2", 7000, NULL, 0, 0, 212992 },
	{ "v6 v6only on a v4 port", AF_INET6, true, NULL, 7001, NULL, 0, 0, 212992 },
	{ "v6 bound, ifindex", AF_INET6, false, "2001:db8::2", 9003, NULL, 0, FZ_IFINDEX, 4096 },
};

#define FZ_NSOCKS (sizeof(fz_specs) / sizeof(fz_specs[0]))

static struct xs_udp_table fz_table;
static struct xs_udp_sock fz_socks[FZ_NSOCKS];

/* ---- The device ----------------------------------------------------------
 * An in-memory pair: the peer end submits the frame, the stack's end
 * receives it.  The stack's end is wrapped so that a release poisons the
 * frame before it goes home. */

static struct xs_dev *fz_peer, *fz_inner;
static struct xs_dev fz_dev;
static struct xs_dev_ops fz_ops;
static struct xs_pool *fz_pool;
static bool fz_verbose;         /* XS_FUZZ_VERBOSE set: say what became of each input */

static void frame_poison(const struct xs_frame *f)
{
	uint64_t base = xs_pool__frame_base(fz_pool, f->addr);

	ASAN_POISON_MEMORY_REGION(xs_pool__data(fz_pool, base), FZ_FRAME_SIZE);
}

static void fz_release(struct xs_dev *d, const struct xs_frame *f, uint32_t n)
{
	uint32_t i;

	for (i = 0; i < n; i++)
		frame_poison(&f[i]);
	xs_dev_release(fz_inner, f, n);
}

static void parse_addr(const char *txt, uint8_t out[16])
{
	struct in_addr a4;

	if (inet_pton(AF_INET, txt, &a4) == 1) {
		xs_addr_from_ipv4(out, a4.s_addr);
		return;
	}
	if (inet_pton(AF_INET6, txt, out) == 1)
		return;
	CHECK(!"bad address in fz_specs");
}

static void setup_once(void)
{
	struct xs_memdev_opts o = {
		.sz = sizeof(o), .frames = FZ_FRAMES, .frame_size = FZ_FRAME_SIZE,
	};
	size_t i;

	fz_verbose = getenv("XS_FUZZ_VERBOSE") != NULL;
	CHECK(xs_memdev_pair__open(&o, &fz_peer, &fz_inner) == 0);
	fz_pool = fz_inner->pool;
	fz_ops = *fz_inner->ops;
	fz_ops.release = fz_release;
	fz_dev.ops = &fz_ops;
	fz_dev.pool = fz_pool;
	snprintf(fz_dev.name, sizeof(fz_dev.name), "fuzz0");
	ASAN_POISON_MEMORY_REGION(xs_pool__area(fz_pool), xs_pool__size(fz_pool));

	for (i = 0; i < FZ_NSOCKS; i++) {
		const struct fz_sock_spec *sp = &fz_specs[i];
		struct xs_udp_sock *s = &fz_socks[i];

		xs_udp_sock_init(s, sp->family);
		s->v6only = sp->v6only;
		if (sp->laddr)
			parse_addr(sp->laddr, s->laddr);
		s->lport = sp->lport;
		if (sp->raddr) {
			parse_addr(sp->raddr, s->raddr);
			s->rport = sp->rport;
			s->connected = true;
		}
		s->bound_ifindex = sp->bound_ifindex;
		s->rcvbuf = sp->rcvbuf;
		xs_udp_table_insert(&fz_table, s);
	}
}

/* ---- Input-derived choices ---------------------------------------------- */

struct fz_rng {
	uint64_t s;
};

static uint64_t rng_next(struct fz_rng *r)
{
	/* splitmix64 */
	uint64_t z = (r->s += 0x9e3779b97f4a7c15ull);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return z ^ (z >> 31);
}

static uint32_t rng_below(struct fz_rng *r, uint32_t n)
{
	return (uint32_t)(rng_next(r) % n);
}

static uint64_t fnv1a(const uint8_t *p, size_t n)
{
	uint64_t h = 0xcbf29ce484222325ull;

	while (n--)
		h = (h ^ *p++) * 0x100000001b3ull;
	return h;
}

/* ---- The wire parsers, straight on the input bytes ---------------------- */

/* What a repr parsed from the wire emits must parse back to the same repr
 * with a valid checksum.  The payload is copied behind the header first,
 * as the stack does. */
static void roundtrip_udp(const struct xs_udp_repr *r, const uint8_t *payload,
			  const struct xs_pseudo *ph)
{
	size_t len = XS_UDP_HLEN + r->payload_len;
	uint8_t *buf = malloc(len);
	struct xs_udp_view v;
	struct xs_udp_repr back;

	CHECK(buf);
	memcpy(buf + XS_UDP_HLEN, payload, r->payload_len);
	CHECK(xs_udp_repr_emit(r, ph, buf, len) == XS_UDP_HLEN);
	CHECK(xs_udp_view_init(&v, buf, len) == 0);
	CHECK(xs_udp_repr_parse(&v, ph, &back) == 0);
	CHECK(back.src_port == r->src_port && back.dst_port == r->dst_port &&
	      back.payload_len == r->payload_len);
	free(buf);
}

static void roundtrip_tcp(const struct xs_tcp_repr *r, const uint8_t *payload,
			  const struct xs_pseudo *ph)
{
	int hl = xs_tcp_repr_hdr_len(r);
	struct xs_tcp_view v;
	struct xs_tcp_repr back;
	uint8_t *buf;
	size_t len;
	int i;

	if (hl < 0)
		return;     /* options a peer may send that we would not */
	CHECK(hl >= XS_TCP_MIN_HLEN && hl <= XS_TCP_MAX_HLEN && hl % 4 == 0);
	len = (size_t)hl + r->payload_len;
	buf = malloc(len);
	CHECK(buf);
	memcpy(buf + hl, payload, r->payload_len);
	if (xs_tcp_repr_emit(r, ph, buf, len) != hl) {
		free(buf);  /* a field out of range for emit: -EINVAL */
		return;
	}
	CHECK(xs_tcp_view_init(&v, buf, len) == 0);
	CHECK(xs_tcp_repr_parse(&v, ph, &back) == 0);
	CHECK(back.src_port == r->src_port && back.dst_port == r->dst_port);
	CHECK(back.seq == r->seq && back.ack == r->ack && back.flags == r->flags);
	CHECK(back.window == r->window && back.urgent == r->urgent);
	CHECK(back.payload_len == r->payload_len);
	CHECK(back.opts.has_mss == r->opts.has_mss && (!r->opts.has_mss || back.opts.mss == r->opts.mss));
	CHECK(back.opts.has_wscale == r->opts.has_wscale &&
	      (!r->opts.has_wscale || back.opts.wscale == r->opts.wscale));
	CHECK(back.opts.sack_perm == r->opts.sack_perm && back.opts.has_ts == r->opts.has_ts);
	CHECK(!r->opts.has_ts ||
	      (back.opts.ts_val == r->opts.ts_val && back.opts.ts_ecr == r->opts.ts_ecr));
	CHECK(back.opts.nsack == r->opts.nsack);
	for (i = 0; i < r->opts.nsack; i++)
		CHECK(back.opts.sack[i].left == r->opts.sack[i].left &&
		      back.opts.sack[i].right == r->opts.sack[i].right);
	free(buf);
}

static void fuzz_tcp(const uint8_t *p, size_t len, const struct xs_pseudo *ph)
{
	struct xs_tcp_view v;
	struct xs_tcp_repr r;
	struct xs_tcp_opts o;

	if (xs_tcp_view_init(&v, p, len))
		return;
	CHECK(xs_tcp_hdr_len(&v) >= XS_TCP_MIN_HLEN && xs_tcp_hdr_len(&v) <= len);
	(void)xs_tcp_opts_parse(xs_tcp_opts(&v), xs_tcp_opts_len(&v), &o);
	if (ph)
		(void)xs_tcp_repr_parse(&v, ph, &r);
	if (!xs_tcp_repr_parse(&v, NULL, &r)) {
		CHECK(r.opts.nsack <= XS_TCP_MAX_SACK);
		CHECK(!r.opts.has_wscale || r.opts.wscale <= XS_TCP_MAX_WSCALE);
		CHECK(r.payload_len == xs_tcp_payload_len(&v));
		if (ph)
			roundtrip_tcp(&r, xs_tcp_payload(&v), ph);
	}
}

static void fuzz_udp(const uint8_t *p, size_t len, const struct xs_pseudo *ph)
{
	struct xs_udp_view v;
	struct xs_udp_repr r;

	if (xs_udp_view_init(&v, p, len))
		return;
	CHECK(v.len >= XS_UDP_HLEN && v.len <= len);
	if (ph)
		(void)xs_udp_repr_parse(&v, ph, &r);
	if (!xs_udp_repr_parse(&v, NULL, &r)) {
		CHECK(r.payload_len == xs_udp_payload_len(&v));
		if (ph)
			roundtrip_udp(&r, xs_udp_payload(&v), ph);
	}
}

static void fuzz_ipv6_pkt(const struct xs_ipv6_view *v, int depth);

static void fuzz_icmp6(const uint8_t *p, size_t len, const struct xs_pseudo *ph, int depth)
{
	struct xs_icmp6_view v;
	struct xs_icmp6_repr r;
	struct xs_ipv6_view q;

	if (xs_icmp6_view_init(&v, p, len))
		return;
	CHECK(xs_icmp6_payload_len(&v) <= len);
	if (ph)
		(void)xs_icmp6_repr_parse(&v, ph, &r);
	if (!xs_icmp6_repr_parse(&v, NULL, &r))
		CHECK(r.payload_len <= len);
	if (!xs_icmp6_quote(&v, &q) && depth < 2)
		fuzz_ipv6_pkt(&q, depth + 1);
}

static void fuzz_ipv6_pkt(const struct xs_ipv6_view *v, int depth)
{
	struct xs_ipv6_repr r;
	struct xs_ipv6_ext e;
	struct xs_pseudo ph = { .family = AF_INET6 };
	const uint8_t *l4;
	size_t l4_len;

	(void)xs_ipv6_repr_parse(v, &r);
	if (xs_ipv6_ext_walk(v, &e))
		return;
	CHECK(e.off <= xs_ipv6_payload_len(v) && e.count <= XS_IPV6_MAX_EXT);
	memcpy(&ph.src.v6, xs_ipv6_src(v), 16);
	memcpy(&ph.dst.v6, xs_ipv6_dst(v), 16);
	l4 = xs_ipv6_payload(v) + e.off;
	l4_len = xs_ipv6_payload_len(v) - e.off;
	if (e.frag && e.frag_off)
		return;     /* the middle of a packet: no upper-layer header */
	switch (e.proto) {
	case IPPROTO_ICMPV6:
		fuzz_icmp6(l4, l4_len, depth ? NULL : &ph, depth);
		break;
	case IPPROTO_TCP:
		fuzz_tcp(l4, l4_len, depth ? NULL : &ph);
		break;
	case IPPROTO_UDP:
		fuzz_udp(l4, l4_len, depth ? NULL : &ph);
		break;
	}
}

static void fuzz_ipv4_pkt(const struct xs_ipv4_view *v, int depth);

static void fuzz_icmp4(const uint8_t *p, size_t len, int depth)
{
	struct xs_icmp4_view v;
	struct xs_icmp4_repr r;
	struct xs_ipv4_view q;

	if (xs_icmp4_view_init(&v, p, len))
		return;
	(void)xs_icmp4_repr_parse(&v, &r);
	if (!xs_icmp4_quote(&v, &q) && depth < 2)
		fuzz_ipv4_pkt(&q, depth + 1);
}

static void fuzz_ipv4_pkt(const struct xs_ipv4_view *v, int depth)
{
	struct xs_ipv4_repr r;
	struct xs_pseudo ph;
	struct xs_opt opt;
	size_t off = 0;
	int n = 0, rc;

	CHECK(xs_ipv4_hdr_len(v) >= XS_IPV4_MIN_HLEN && xs_ipv4_hdr_len(v) <= v->len);
	while ((rc = xs_opt_next(xs_ipv4_opts(v), xs_ipv4_opts_len(v), &off, &opt)) == 1) {
		CHECK(opt.len >= 2 && off <= xs_ipv4_opts_len(v));
		CHECK(++n <= XS_IPV4_MAX_OPTS / 2);
	}
	if (!xs_ipv4_repr_parse(v, &r))
		CHECK(r.opts_len <= XS_IPV4_MAX_OPTS);
	(void)xs_ipv4_csum_ok(v);
	if (xs_ipv4_is_frag(v) && xs_ipv4_frag_off(v))
		return;
	ph.family = AF_INET;
	memcpy(&ph.src.v4, xs_ipv4_src(v), 4);
	memcpy(&ph.dst.v4, xs_ipv4_dst(v), 4);
	switch (xs_ipv4_proto(v)) {
	case IPPROTO_ICMP:
		fuzz_icmp4(xs_ipv4_payload(v), xs_ipv4_payload_len(v), depth);
		break;
	case IPPROTO_TCP:
		fuzz_tcp(xs_ipv4_payload(v), xs_ipv4_payload_len(v), depth ? NULL : &ph);
		break;
	case IPPROTO_UDP:
		fuzz_udp(xs_ipv4_payload(v), xs_ipv4_payload_len(v), depth ? NULL : &ph);
		break;
	}
}

static void fuzz_wire(const uint8_t *data, size_t size)
{
	struct xs_eth_view eth;
	struct xs_eth_repr er;
	struct xs_vlan_view vv;
	struct xs_vlan_repr vr;
	struct xs_arp_view av;
	struct xs_arp_repr ar;
	struct xs_ipv4_view v4;
	struct xs_ipv6_view v6;
	struct xs_ipv6_ext ext;
	struct xs_tcp_opts to;
	uint16_t type;
	size_t off;

	/* The option and extension parsers on raw bytes, whatever precedes
	 * them: they are reached with any content once the headers before
	 * them are valid. */
	(void)xs_tcp_opts_parse(data, size < XS_TCP_MAX_OPTS ? size : XS_TCP_MAX_OPTS, &to);
	if (!xs_ipv6_view_init_quote(&v6, data, size))
		(void)xs_ipv6_ext_walk(&v6, &ext);
	if (!xs_ipv4_view_init_quote(&v4, data, size))
		fuzz_ipv4_pkt(&v4, 1);

	if (xs_eth_view_init(&eth, data, size))
		return;
	(void)xs_eth_repr_parse(&eth, &er);
	if (!xs_vlan_view_init(&vv, xs_eth_payload(&eth), xs_eth_payload_len(&eth)))
		(void)xs_vlan_repr_parse(&vv, &vr);
	if (xs_eth_l3(&eth, &type, &off))
		return;
	CHECK(off >= XS_ETH_HLEN && off <= size);
	switch (type) {
	case XS_ETHERTYPE_ARP:
		if (!xs_arp_view_init(&av, data + off, size - off))
			(void)xs_arp_repr_parse(&av, &ar);
		break;
	case XS_ETHERTYPE_IPV4:
		if (!xs_ipv4_view_init(&v4, data + off, size - off))
			fuzz_ipv4_pkt(&v4, 0);
		if (!xs_ipv4_view_init_quote(&v4, data + off, size - off))
			fuzz_ipv4_pkt(&v4, 1);
		break;
	case XS_ETHERTYPE_IPV6:
		if (!xs_ipv6_view_init(&v6, data + off, size - off))
			fuzz_ipv6_pkt(&v6, 0);
		if (!xs_ipv6_view_init_quote(&v6, data + off, size - off))
			fuzz_ipv6_pkt(&v6, 1);
		break;
	}
}

/* ---- IP reassembly ----------------------------------------------------------
 * A fresh table per input, small enough that eviction and expiry happen.
 * Whatever comes out must be an unfragmented packet the views accept
 * whole (so no length past 65535 slipped through), and the table must
 * stay within its caps. */

#define FZ_REASM_MAX_BYTES 16384
#define FZ_REASM_MAX_DGRAMS 4
#define FZ_REASM_TIMEOUT_NS 1000000000ull
#define FZ_REASM_MAX_RECORDS 64

static struct xs_reasm *reasm_new(size_t max_bytes, uint32_t max_dgrams)
{
	struct xs_reasm_opts o = {
		.sz = sizeof(o), .max_bytes = max_bytes, .timeout_ns = FZ_REASM_TIMEOUT_NS,
		.max_datagrams = max_dgrams,
	};
	struct xs_reasm *r = xs_reasm__new(&o);

	CHECK(r);
	return r;
}

/* Feeds l3[0..len) from an exact-size copy, so a read past it is an ASan
 * report; checks what comes out and hands it to *out, or frees it.  cap:
 * the table's max_bytes. */
static int reasm_feed(struct xs_reasm *r, size_t cap, const uint8_t *l3, size_t len,
		      uint64_t now, uint8_t **out, size_t *out_len)
{
	struct xs_reasm_out o = { 0 };
	struct xs_reasm_stats st;
	uint8_t *copy = malloc(len ? len : 1);
	int rc;

	CHECK(copy);
	memcpy(copy, l3, len);
	rc = xs_reasm__input(r, copy, len, now, &o);
	free(copy);
	CHECK(rc == 0 || rc == 1 || rc == -EBADMSG || rc == -EEXIST || rc == -ENOMEM ||
	      rc == -EINVAL);
	if (rc == 1) {
		CHECK(o.buf);
		if (o.family == AF_INET) {
			struct xs_ipv4_view v;

			CHECK(xs_ipv4_view_init(&v, o.buf, o.len) == 0 && v.len == o.len);
			CHECK(xs_ipv4_csum_ok(&v) && !xs_ipv4_is_frag(&v));
			fuzz_ipv4_pkt(&v, 0);
		} else {
			struct xs_ipv6_view v;

			CHECK(o.family == AF_INET6);
			CHECK(xs_ipv6_view_init(&v, o.buf, o.len) == 0 && v.len == o.len);
			fuzz_ipv6_pkt(&v, 0);
		}
		if (out) {
			*out = o.buf;
			*out_len = o.len;
		} else {
			free(o.buf);
		}
	}
	xs_reasm__stats(r, &st);
	CHECK(st.bytes_held <= cap && st.datagrams_held <= FZ_REASM_MAX_DGRAMS);
	return rc;
}

/* An unfragmented IPv4 packet cut into fragments (options in the first
 * only, as RFC 791 has it for options that are not copied) fed in a
 * shuffled order: all but the last are kept, the last returns the packet
 * byte for byte. */
static void reasm_roundtrip_v4(const struct xs_ipv4_view *v, struct fz_rng *rng)
{
	size_t hl = xs_ipv4_hdr_len(v), plen = v->len - hl, step, n, i;
	struct xs_reasm *r;
	uint8_t *frag, *out = NULL;
	size_t *order, out_len = 0;

	if (!xs_ipv4_csum_ok(v) || (xs_get16(v->buf + 6) & ~0x4000) || plen <= 8)
		return;
	step = 8 * (1 + rng_below(rng, (uint32_t)((plen - 1) / 8)));
	n = (plen + step - 1) / step;
	order = malloc(n * sizeof(*order));
	frag = malloc(hl + step);
	CHECK(order && frag);
	for (i = 0; i < n; i++)
		order[i] = i;
	for (i = n; i > 1; i--) {
		size_t j = rng_below(rng, (uint32_t)i), t = order[i - 1];

		order[i - 1] = order[j];
		order[j] = t;
	}
	r = reasm_new(1 << 20, 0);
	for (i = 0; i < n; i++) {
		size_t off = order[i] * step, len = plen - off < step ? plen - off : step;
		size_t fhl = off ? XS_IPV4_MIN_HLEN : hl;
		int rc;

		memcpy(frag, v->buf, fhl);
		frag[0] = 0x40 | (uint8_t)(fhl / 4);
		xs_put16(frag + 2, (uint16_t)(fhl + len));
		xs_put16(frag + 6, (uint16_t)((xs_get16(v->buf + 6) & 0x4000) |
					      (off + len < plen ? 0x2000 : 0) | off / 8));
		xs_put16(frag + 10, 0);
		xs_put16(frag + 10, xs_csum_fold(xs_csum_partial(frag, fhl, 0)));
		memcpy(frag + fhl, xs_ipv4_payload(v) + off, len);
		rc = reasm_feed(r, 1 << 20, frag, fhl + len, 0, &out, &out_len);
		CHECK(rc == (i + 1 < n ? 0 : 1));
	}
	CHECK(out && out_len == v->len);
	/* The rebuilt header's checksum is computed afresh, so it is always
	 * 0x0000 where the original may hold 0xffff: both encode the same sum
	 * (RFC 1071).  Everything else must match, and the checksum be valid. */
	CHECK(!memcmp(out, v->buf, 10) && !memcmp(out + 12, v->buf + 12, v->len - 12));
	{
		struct xs_ipv4_view ov;

		CHECK(!xs_ipv4_view_init(&ov, out, out_len) && xs_ipv4_csum_ok(&ov));
	}
	free(out);
	free(frag);
	free(order);
	xs_reasm__free(r);
}

static void fuzz_reasm(const uint8_t *data, size_t size, struct fz_rng *rng)
{
	struct xs_reasm *r = reasm_new(FZ_REASM_MAX_BYTES, FZ_REASM_MAX_DGRAMS);
	struct xs_reasm_stats st;
	struct xs_eth_view eth;
	struct xs_ipv4_view v4;
	uint64_t now = 0;
	uint16_t type;
	size_t off, pos, n;

	/* The frame's IP packet, as ip_in.c would hand a fragment over. */
	if (!xs_eth_view_init(&eth, data, size) && !xs_eth_l3(&eth, &type, &off) &&
	    (type == XS_ETHERTYPE_IPV4 || type == XS_ETHERTYPE_IPV6)) {
		(void)reasm_feed(r, FZ_REASM_MAX_BYTES, data + off, size - off, now, NULL, NULL);
		if (type == XS_ETHERTYPE_IPV4 && !xs_ipv4_view_init(&v4, data + off, size - off))
			reasm_roundtrip_v4(&v4, rng);
	}
	/* The input as records: a 2-byte length, a clock step in 100 ms
	 * units, the IP packet. */
	for (pos = 0, n = 0; size - pos >= 3 && n < FZ_REASM_MAX_RECORDS; n++) {
		size_t len = xs_get16(data + pos);

		now += data[pos + 2] * 100000000ull;
		pos += 3;
		if (len > size - pos)
			len = size - pos;
		(void)reasm_feed(r, FZ_REASM_MAX_BYTES, data + pos, len, now, NULL, NULL);
		(void)xs_reasm__expire(r, now);
		pos += len;
	}
	(void)xs_reasm__expire(r, now + FZ_REASM_TIMEOUT_NS);
	xs_reasm__stats(r, &st);
	CHECK(st.datagrams_held == 0 && st.bytes_held == 0);
	xs_reasm__free(r);
}

/* ---- The receive path --------------------------------------------------- */

/* What the frame carries, as xs_ip_input() on the input bytes saw it. */
struct fz_expect {
	bool udp;                   /* a UDP datagram with a valid header */
	uint16_t dport, sport;
	const uint8_t *payload;     /* in the input */
	size_t len;
	int family;
	uint8_t src[16];
};

/* One frame from the peer, carrying data[0..size) (cut to the frame). */
static bool deliver_one(const uint8_t *data, size_t size, struct xs_frame *out)
{
	struct xs_frame f;

	if (xs_dev_tx_alloc(fz_peer, &f, 1) != 1)
		return false;
	if (size > f.room)
		size = f.room;
	ASAN_UNPOISON_MEMORY_REGION(f.data, size);
	memcpy(f.data, data, size);
	f.len = (uint32_t)size;
	CHECK(xs_dev_tx_submit(fz_peer, &f, 1, 0) == 1);
	CHECK(xs_dev_rx_burst(fz_inner, out, 1, 0) == 1);
	CHECK(out->addr == f.addr && out->len == size);
	return true;
}

static void receive(const uint8_t *data, size_t size, struct fz_rng *rng,
		    const struct fz_expect *want)
{
	uint32_t copies, i;

	switch (rng_below(rng, 8)) {
	case 0:
		copies = 1 + rng_below(rng, FZ_MAX_COPIES);
		break;
	case 1: case 2:
		copies = 2 + rng_below(rng, 3);
		break;
	default:
		copies = 1;
	}
	for (i = 0; i < copies; i++) {
		struct xs_udp_sock *to = NULL;
		enum xs_drop_reason why;
		struct xs_rx_pkt pkt;
		struct xs_frame f;

		if (!deliver_one(data, size, &f))
			break;      /* pool empty: the rest are lost on the wire */
		why = xs_ip_input(f.data, f.len, &pkt);
		CHECK(why < XS_DROP__MAX);
		if (why == XS_DROP_NONE) {
			CHECK(pkt.family == AF_INET || pkt.family == AF_INET6);
			CHECK(pkt.l4 >= f.data && pkt.l4 + pkt.l4_len <= f.data + f.len);
			if (pkt.proto == IPPROTO_UDP)
				why = xs_udp_input(&fz_table, &pkt, &fz_dev, &f, FZ_IFINDEX, i, &to);
			else
				why = XS_DROP_PROTO;
		}
		if (fz_verbose && i == 0)
			fprintf(stderr, "fuzz_rx: %zu bytes, %u copies: %s%s%s\n", size, copies,
				why == XS_DROP_NONE ? "delivered to " : "dropped: ",
				why == XS_DROP_NONE ? fz_specs[to - fz_socks].what : xs_drop_reason_names[why],
				why == XS_DROP_NONE ? " socket" : "");
		if (why != XS_DROP_NONE) {
			CHECK(to == NULL);
			xs_dev_release(&fz_dev, &f, 1);
			continue;
		}
		/* Delivered: the socket must be able to take it. */
		CHECK(to && want->udp);
		CHECK(to->lport == want->dport);
		CHECK(!(to->family == AF_INET && want->family == AF_INET6));
		CHECK(!(to->v6only && want->family == AF_INET));
		CHECK(!to->bound_ifindex || to->bound_ifindex == FZ_IFINDEX);
		CHECK(xs_udp_head(to) != NULL);
	}
}

static void check_sockaddr(const struct xs_udp_sock *s, const uint8_t *name,
			   socklen_t given, socklen_t got, const struct fz_expect *want)
{
	union {
		struct sockaddr_in v4;
		struct sockaddr_in6 v6;
	} u;
	socklen_t full = s->family == AF_INET ? sizeof(u.v4) : sizeof(u.v6);

	CHECK(got == full);
	memset(&u, 0, sizeof(u));
	if (s->family == AF_INET) {
		u.v4.sin_family = AF_INET;
		u.v4.sin_port = htons(want->sport);
		memcpy(&u.v4.sin_addr, want->src + 12, 4);
	} else {
		u.v6.sin6_family = AF_INET6;
		u.v6.sin6_port = htons(want->sport);
		memcpy(&u.v6.sin6_addr, want->src, 16);
	}
	CHECK(!memcmp(name, &u, given < full ? given : full));
}

/* Reads everything queued on s the way applications do, checking what
 * recvmsg(2) would return. */
static void drain(struct xs_udp_sock *s, struct fz_rng *rng, const struct fz_expect *want)
{
	static const size_t iov_sizes[] = { 0, 1, 7, 8, 64, 1472, 65535 };
	static const socklen_t name_sizes[] = { 0, 1, 2, 15, 16, 24, 27, 28, 128 };
	unsigned int peeks = 0;

	while (s->q_count) {
		struct iovec iov[4];
		struct msghdr msg;
		uint8_t *name = NULL;
		socklen_t given = 0;
		size_t total = 0, copied, off, i;
		uint32_t before = s->q_count;
		int flags = 0;
		ssize_t n;

		memset(&msg, 0, sizeof(msg));
		msg.msg_iovlen = rng_below(rng, 5);
		for (i = 0; i < msg.msg_iovlen; i++) {
			size_t sz;

			switch (rng_below(rng, 4)) {
			case 0:
				sz = want->len ? want->len - 1 : 0;
				break;
			case 1:
				sz = want->len;
				break;
			default:
				sz = iov_sizes[rng_below(rng, sizeof(iov_sizes) / sizeof(iov_sizes[0]))];
			}
			/* Exact-size heap blocks: an overrun is an ASan report. */
			iov[i].iov_base = malloc(sz ? sz : 1);
			CHECK(iov[i].iov_base);
			iov[i].iov_len = sz;
			total += sz;
		}
		msg.msg_iov = msg.msg_iovlen ? iov : NULL;
		if (rng_below(rng, 3)) {
			given = name_sizes[rng_below(rng, sizeof(name_sizes) / sizeof(name_sizes[0]))];
			name = malloc(given ? given : 1);
			CHECK(name);
			msg.msg_name = name;
			msg.msg_namelen = given;
		} else {
			msg.msg_namelen = 77;  /* must come back 0 */
		}
		msg.msg_controllen = 5;        /* must come back 0 */
		if (peeks < 3 && rng_below(rng, 4) == 0) {
			flags |= MSG_PEEK;
			peeks++;
		}
		if (rng_below(rng, 2))
			flags |= MSG_TRUNC;

		n = xs_udp_recv(s, &msg, flags);

		copied = want->len < total ? want->len : total;
		CHECK(n == (ssize_t)((flags & MSG_TRUNC) ? want->len : copied));
		CHECK(msg.msg_flags == (copied < want->len ? MSG_TRUNC : 0));
		CHECK(msg.msg_controllen == 0);
		for (i = 0, off = 0; i < msg.msg_iovlen && off < copied; i++) {
			size_t k = copied - off < iov[i].iov_len ? copied - off : iov[i].iov_len;

			CHECK(!memcmp(iov[i].iov_base, want->payload + off, k));
			off += k;
		}
		if (name)
			check_sockaddr(s, name, given, msg.msg_namelen, want);
		else
			CHECK(msg.msg_namelen == 0);
		CHECK(s->q_count == ((flags & MSG_PEEK) ? before : before - 1));
		for (i = 0; i < msg.msg_iovlen; i++)
			free(iov[i].iov_base);
		free(name);
	}
}

static void expect_from_input(const uint8_t *data, size_t size, size_t room,
			      struct fz_expect *want)
{
	struct xs_rx_pkt pkt;
	struct xs_udp_view v;

	memset(want, 0, sizeof(*want));
	if (size > room)
		size = room;    /* the frame holds no more */
	if (xs_ip_input(data, size, &pkt) != XS_DROP_NONE || pkt.proto != IPPROTO_UDP)
		return;
	if (xs_udp_view_init(&v, pkt.l4, pkt.l4_len))
		return;
	want->udp = true;
	want->sport = xs_udp_src_port(&v);
	want->dport = xs_udp_dst_port(&v);
	want->payload = xs_udp_payload(&v);
	want->len = xs_udp_payload_len(&v);
	want->family = pkt.family;
	memcpy(want->src, pkt.src, 16);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static bool ready;
	struct fz_expect want;
	struct fz_rng rng = { fnv1a(data, size) };
	struct fz_rng reasm_rng = { rng.s ^ 0x5265617373656d62ull };  /* its own stream */
	size_t i;

	if (!ready) {
		setup_once();
		ready = true;
	}

	fuzz_wire(data, size);
	fuzz_reasm(data, size, &reasm_rng);

	expect_from_input(data, size, FZ_FRAME_SIZE - XS_DEV_TX_HEADROOM, &want);
	receive(data, size, &rng, &want);
	for (i = 0; i < FZ_NSOCKS; i++) {
		struct xs_udp_sock *s = &fz_socks[i];

		if (rng_below(&rng, 4))
			drain(s, &rng, &want);
		/* else: the socket closes with datagrams queued */
		xs_udp_sock_purge(s);
		CHECK(s->q_count == 0 && s->rcv_used == 0 && s->q == NULL);
		s->q_head = 0;
		s->rx_dgrams = s->rx_drops = 0;
	}
	CHECK(fz_table.count == FZ_NSOCKS);
	if (!xs_pool__all_home(fz_pool)) {
		fprintf(stderr, "fuzz_rx: %u of %u frames not home after purge: leak\n",
			xs_pool__total(fz_pool) - xs_pool__avail(fz_pool), xs_pool__total(fz_pool));
		abort();
	}
	CHECK(xs_pool__misuse(fz_pool) == 0);
	return 0;
}
