// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * IP reassembly: the owner of a struct xs_reasm feeds it the IP packets of
 * fragments that xs_ip_input() (iface/ip_in.c) turned away, and parses
 * what comes out as if it had arrived whole.  Below it only wire/ (views,
 * checksums).  The contract is in reasm.h.
 *
 * A datagram is a node in a chained hash table (chains bounded by
 * max_datagrams) and in an age list, oldest first, which both expiry and
 * eviction walk from the head.  Its fragments are an array sorted by
 * offset; since overlaps are refused, the datagram is whole exactly when
 * its last fragment is in and the bytes held add up to its length, so no
 * hole list is needed.
 */
#include "iface/reasm.h"

#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "wire/bytes.h"
#include "wire/csum.h"
#include "wire/ipv4.h"
#include "wire/ipv6.h"

#define REASM_MAX_LEN		65535u	/* IPv4 total length, IPv6 payload length */
#define REASM_MAX_BUCKETS	(1u << 16)

struct reasm_key {
	int family;
	uint8_t proto;			/* IPv4 only; 0 for IPv6 */
	uint32_t id;
	uint8_t src[16], dst[16];	/* IPv4 in the first 4 bytes, rest 0 */
};

struct reasm_frag {
	uint32_t off, len;
	uint8_t data[];
};

struct reasm_dgram {
	struct reasm_dgram *hnext, **hpprev;	/* hash chain */
	struct reasm_dgram *older, *newer;	/* age list */
	struct reasm_key key;
	uint64_t born_ns;
	size_t charge;			/* against max_bytes */
	uint32_t held;			/* payload bytes in frags */
	uint32_t end;			/* payload length, once the last is in */
	bool have_last;
	uint8_t *hdr;			/* of the first fragment: what the rebuilt packet starts with */
	size_t hdr_len;
	size_t nh_pos;			/* IPv6: hdr byte that named the Fragment header */
	uint8_t frag_nh;		/* IPv6: the Fragment header's next header */
	struct reasm_frag **frags;	/* sorted by off */
	uint32_t nfrags, cap;
};

struct xs_reasm {
	size_t max_bytes;
	uint64_t timeout_ns;
	uint32_t max_datagrams;
	uint32_t nbuckets;		/* a power of 2 */
	struct reasm_dgram **buckets;
	struct reasm_dgram *oldest, *newest;
	struct xs_reasm_stats st;
};

/* One fragment as it arrived, pointing into the caller's bytes. */
struct frag_in {
	struct reasm_key key;
	uint32_t off, len;
	bool more;
	const uint8_t *data;
	const uint8_t *hdr;		/* the header to keep if off == 0 */
	size_t hdr_len;
	size_t nh_pos;
	uint8_t frag_nh;
};

struct xs_reasm *xs_reasm__new(const struct xs_reasm_opts *opts)
{
	struct xs_reasm *r;
	uint32_t n = 16;

	if (opts && opts->sz < sizeof(*opts)) {
		errno = EINVAL;
		return NULL;
	}
	r = calloc(1, sizeof(*r));
	if (!r)
		return NULL;
	r->max_bytes = opts && opts->max_bytes ? opts->max_bytes : XS_REASM_DEFAULT_MAX_BYTES;
	r->timeout_ns = opts && opts->timeout_ns ? opts->timeout_ns : XS_REASM_DEFAULT_TIMEOUT_NS;
	r->max_datagrams = opts && opts->max_datagrams ? opts->max_datagrams
						       : XS_REASM_DEFAULT_MAX_DATAGRAMS;
	while (n < r->max_datagrams && n < REASM_MAX_BUCKETS)
		n <<= 1;
	r->nbuckets = n;
	r->buckets = calloc(n, sizeof(*r->buckets));
	if (!r->buckets) {
		free(r);
		errno = ENOMEM;
		return NULL;
	}
	return r;
}

/* ---- datagrams ------------------------------------------------------------ */

static uint32_t key_hash(const struct reasm_key *k)
{
	uint32_t h = k->id * 0x9e3779b1u ^ (uint32_t)k->proto << 8 ^ (uint32_t)k->family << 16;
	int i;

	for (i = 0; i < 16; i += 4) {
		h = (h ^ xs_get32(k->src + i)) * 0x85ebca6bu;
		h ^= h >> 13;
		h = (h ^ xs_get32(k->dst + i)) * 0xc2b2ae35u;
		h ^= h >> 16;
	}
	return h;
}

static bool key_eq(const struct reasm_key *a, const struct reasm_key *b)
{
	return a->id == b->id && a->family == b->family && a->proto == b->proto &&
	       !memcmp(a->src, b->src, 16) && !memcmp(a->dst, b->dst, 16);
}

static struct reasm_dgram *dgram_find(struct xs_reasm *r, const struct reasm_key *k)
{
	struct reasm_dgram *d;

	for (d = r->buckets[key_hash(k) & (r->nbuckets - 1)]; d; d = d->hnext)
		if (key_eq(&d->key, k))
			return d;
	return NULL;
}

static struct reasm_dgram *dgram_new(struct xs_reasm *r, const struct reasm_key *k, uint64_t now_ns)
{
	struct reasm_dgram *d = calloc(1, sizeof(*d));
	struct reasm_dgram **b;

	if (!d)
		return NULL;
	d->key = *k;
	d->born_ns = now_ns;
	b = &r->buckets[key_hash(k) & (r->nbuckets - 1)];
	d->hnext = *b;
	if (*b)
		(*b)->hpprev = &d->hnext;
	d->hpprev = b;
	*b = d;
	d->older = r->newest;
	if (r->newest)
		r->newest->newer = d;
	else
		r->oldest = d;
	r->newest = d;
	r->st.datagrams_held++;
	return d;
}

static void dgram_free(struct xs_reasm *r, struct reasm_dgram *d)
{
	uint32_t i;

	*d->hpprev = d->hnext;
	if (d->hnext)
		d->hnext->hpprev = d->hpprev;
	if (d->older)
		d->older->newer = d->newer;
	else
		r->oldest = d->newer;
	if (d->newer)
		d->newer->older = d->older;
	else
		r->newest = d->older;
	r->st.bytes_held -= d->charge;
	r->st.datagrams_held--;
	for (i = 0; i < d->nfrags; i++)
		free(d->frags[i]);
	free(d->frags);
	free(d->hdr);
	free(d);
}

void xs_reasm__free(struct xs_reasm *r)
{
	if (!r)
		return;
	while (r->oldest)
		dgram_free(r, r->oldest);
	free(r->buckets);
	free(r);
}

static bool dgram_expired(const struct xs_reasm *r, const struct reasm_dgram *d, uint64_t now_ns)
{
	return now_ns >= d->born_ns && now_ns - d->born_ns >= r->timeout_ns;
}

unsigned int xs_reasm__expire(struct xs_reasm *r, uint64_t now_ns)
{
	unsigned int n = 0;

	while (r->oldest && dgram_expired(r, r->oldest, now_ns)) {
		dgram_free(r, r->oldest);
		r->st.timeouts++;
		n++;
	}
	return n;
}

void xs_reasm__stats(const struct xs_reasm *r, struct xs_reasm_stats *st)
{
	*st = r->st;
}

/* ---- parsing ---------------------------------------------------------------- */

static int ipv4_parse(const uint8_t *l3, size_t len, struct frag_in *f)
{
	struct xs_ipv4_view v;

	if (xs_ipv4_view_init(&v, l3, len) || !xs_ipv4_csum_ok(&v))
		return -EBADMSG;
	if (!xs_ipv4_mf(&v) && !xs_ipv4_frag_off(&v))
		return -EINVAL;
	f->key.family = AF_INET;
	f->key.proto = xs_ipv4_proto(&v);
	f->key.id = xs_ipv4_id(&v);
	memcpy(f->key.src, xs_ipv4_src(&v), 4);
	memcpy(f->key.dst, xs_ipv4_dst(&v), 4);
	f->off = xs_ipv4_frag_off(&v);
	f->len = (uint32_t)xs_ipv4_payload_len(&v);
	f->more = xs_ipv4_mf(&v);
	f->data = xs_ipv4_payload(&v);
	f->hdr = l3;
	f->hdr_len = xs_ipv4_hdr_len(&v);
	return 0;
}

/* Finds the Fragment header behind the unfragmentable part (hop-by-hop,
 * routing, destination options, AH).  xs_ipv6_ext_walk() crosses it
 * instead, and this needs where it is and which byte names it. */
static int ipv6_parse(const uint8_t *l3, size_t len, struct frag_in *f)
{
	struct xs_ipv6_view v;
	const uint8_t *p;
	size_t plen, off = 0, hl, nh_pos = 6;
	uint8_t nh;
	unsigned int count;
	uint16_t fo;

	if (xs_ipv6_view_init(&v, l3, len))
		return -EBADMSG;
	p = xs_ipv6_payload(&v);
	plen = xs_ipv6_payload_len(&v);
	nh = xs_ipv6_next_header(&v);
	for (count = 0;; count++) {
		if (count == XS_IPV6_MAX_EXT)
			return -EBADMSG;
		switch (nh) {
		case XS_IPV6_NH_HOPOPTS:
			if (count)
				return -EBADMSG;
			/* fall through */
		case XS_IPV6_NH_ROUTING:
		case XS_IPV6_NH_DSTOPTS:
			if (plen - off < 2)
				return -EBADMSG;
			hl = ((size_t)p[off + 1] + 1) * 8;
			break;
		case XS_IPV6_NH_AH:
			if (plen - off < 2)
				return -EBADMSG;
			hl = ((size_t)p[off + 1] + 2) * 4;
			break;
		case XS_IPV6_NH_FRAGMENT:
			hl = 8;
			break;
		default:
			return -EINVAL;
		}
		if (plen - off < hl)
			return -EBADMSG;
		if (nh == XS_IPV6_NH_FRAGMENT)
			break;
		nh_pos = XS_IPV6_HLEN + off;
		nh = p[off];
		off += hl;
	}
	fo = xs_get16(p + off + 2);
	f->key.family = AF_INET6;
	f->key.id = xs_get32(p + off + 4);
	memcpy(f->key.src, xs_ipv6_src(&v), 16);
	memcpy(f->key.dst, xs_ipv6_dst(&v), 16);
	f->off = fo & 0xfff8;
	f->more = fo & 1;
	f->data = p + off + 8;
	f->len = (uint32_t)(plen - off - 8);
	f->hdr = l3;
	f->hdr_len = XS_IPV6_HLEN + off;
	f->nh_pos = nh_pos;
	f->frag_nh = p[off];
	return 0;
}

/* The most payload a datagram may carry behind a kept header of hdr_len. */
static uint32_t payload_limit(int family, size_t hdr_len)
{
	return family == AF_INET ? REASM_MAX_LEN - (uint32_t)hdr_len
				 : REASM_MAX_LEN - (uint32_t)(hdr_len - XS_IPV6_HLEN);
}

/* Checks that need no datagram. */
static int frag_check(const struct frag_in *f)
{
	if (!f->len || (f->more && f->len % 8))
		return -EBADMSG;
	if (f->off + f->len > payload_limit(f->key.family, f->key.family == AF_INET ?
					    XS_IPV4_MIN_HLEN : XS_IPV6_HLEN))
		return -EBADMSG;
	return 0;
}

/* ---- the datagram's fragments ---------------------------------------------- */

/* Index of the first fragment of d at or after offset off. */
static uint32_t frag_index(const struct reasm_dgram *d, uint32_t off)
{
	uint32_t lo = 0, hi = d->nfrags;

	while (lo < hi) {
		uint32_t mid = lo + (hi - lo) / 2;

		if (d->frags[mid]->off < off)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

static uint32_t dgram_max_end(const struct reasm_dgram *d)
{
	const struct reasm_frag *l;

	if (!d->nfrags)
		return 0;
	l = d->frags[d->nfrags - 1];
	return l->off + l->len;
}

/*
 * Whether f fits d: 0, 1 for an exact duplicate, -EBADMSG when it
 * contradicts d's length, -EEXIST when it overlaps.  *at is where it goes.
 */
static int dgram_check(const struct reasm_dgram *d, const struct frag_in *f, uint32_t *at)
{
	uint32_t fend = f->off + f->len, i;
	size_t hdr_len = d->hdr ? d->hdr_len : f->off ? 0 : f->hdr_len;

	if (d->have_last && (fend > d->end || (!f->more && fend != d->end)))
		return -EBADMSG;
	if (!f->more && fend < dgram_max_end(d))
		return -EBADMSG;
	if (hdr_len) {
		uint32_t end = fend > dgram_max_end(d) ? fend : dgram_max_end(d);

		if (end > payload_limit(d->key.family, hdr_len))
			return -EBADMSG;
	}
	i = frag_index(d, f->off);
	*at = i;
	if (i < d->nfrags && d->frags[i]->off == f->off && d->frags[i]->len == f->len)
		return 1;
	if (i > 0 && d->frags[i - 1]->off + d->frags[i - 1]->len > f->off)
		return -EEXIST;
	if (i < d->nfrags && d->frags[i]->off < fend)
		return -EEXIST;
	return 0;
}

static size_t frag_charge(const struct frag_in *f)
{
	return f->len + (f->off ? 0 : f->hdr_len) + XS_REASM_FRAG_OVERHEAD;
}

static int dgram_insert(struct xs_reasm *r, struct reasm_dgram *d, const struct frag_in *f,
			uint32_t at, size_t charge)
{
	struct reasm_frag *fr;

	if (d->nfrags == d->cap) {
		uint32_t cap = d->cap ? d->cap * 2 : 4;
		struct reasm_frag **n = realloc(d->frags, cap * sizeof(*n));

		if (!n)
			return -ENOMEM;
		d->frags = n;
		d->cap = cap;
	}
	fr = malloc(sizeof(*fr) + f->len);
	if (!fr)
		return -ENOMEM;
	if (!f->off) {
		d->hdr = malloc(f->hdr_len);
		if (!d->hdr) {
			free(fr);
			return -ENOMEM;
		}
		memcpy(d->hdr, f->hdr, f->hdr_len);
		d->hdr_len = f->hdr_len;
		d->nh_pos = f->nh_pos;
		d->frag_nh = f->frag_nh;
	}
	fr->off = f->off;
	fr->len = f->len;
	memcpy(fr->data, f->data, f->len);
	memmove(d->frags + at + 1, d->frags + at, (d->nfrags - at) * sizeof(*d->frags));
	d->frags[at] = fr;
	d->nfrags++;
	d->held += f->len;
	if (!f->more) {
		d->have_last = true;
		d->end = f->off + f->len;
	}
	d->charge += charge;
	r->st.bytes_held += charge;
	return 0;
}

/* The whole datagram as one unfragmented packet. */
static int dgram_build(const struct reasm_dgram *d, struct xs_reasm_out *out)
{
	size_t len = d->hdr_len + d->end;
	uint8_t *buf = malloc(len);
	uint32_t i;

	if (!buf)
		return -ENOMEM;
	memcpy(buf, d->hdr, d->hdr_len);
	for (i = 0; i < d->nfrags; i++)
		memcpy(buf + d->hdr_len + d->frags[i]->off, d->frags[i]->data, d->frags[i]->len);
	if (d->key.family == AF_INET) {
		xs_put16(buf + 2, (uint16_t)len);
		xs_put16(buf + 6, xs_get16(buf + 6) & 0x4000);	/* DF stays; MF, offset 0 */
		xs_put16(buf + 10, 0);
		xs_put16(buf + 10, xs_csum_fold(xs_csum_partial(buf, d->hdr_len, 0)));
	} else {
		buf[d->nh_pos] = d->frag_nh;
		xs_put16(buf + 4, (uint16_t)(len - XS_IPV6_HLEN));
	}
	out->buf = buf;
	out->len = len;
	out->family = d->key.family;
	return 0;
}

/* An IPv6 atomic fragment (RFC 6946): its own datagram, never queued. */
static int atomic_build(const struct frag_in *f, struct xs_reasm_out *out)
{
	struct reasm_frag *fr = malloc(sizeof(*fr) + f->len);
	struct reasm_frag *one[1] = { fr };
	struct reasm_dgram d = {
		.key = f->key, .hdr = (uint8_t *)f->hdr, .hdr_len = f->hdr_len,
		.nh_pos = f->nh_pos, .frag_nh = f->frag_nh, .end = f->len,
		.frags = one, .nfrags = 1,
	};
	int err;

	if (!fr)
		return -ENOMEM;
	fr->off = 0;
	fr->len = f->len;
	memcpy(fr->data, f->data, f->len);
	err = dgram_build(&d, out);
	free(fr);
	return err;
}

/* Makes room for charge more bytes, evicting the oldest datagrams but keep. */
static void make_room(struct xs_reasm *r, const struct reasm_dgram *keep, size_t charge)
{
	while (r->st.bytes_held + charge > r->max_bytes) {
		struct reasm_dgram *victim = r->oldest == keep ? keep->newer : r->oldest;

		if (!victim)
			return;
		dgram_free(r, victim);
		r->st.evicted++;
	}
}

static int reasm_input(struct xs_reasm *r, const struct frag_in *f, uint64_t now_ns,
		       struct xs_reasm_out *out)
{
	struct reasm_dgram *d = dgram_find(r, &f->key);
	size_t charge = frag_charge(f);
	uint32_t at = 0;
	int err;

	if (d && dgram_expired(r, d, now_ns)) {
		dgram_free(r, d);
		r->st.timeouts++;
		d = NULL;
	}
	if (d) {
		err = dgram_check(d, f, &at);
		if (err == 1)
			return 0;
		if (err < 0) {
			dgram_free(r, d);
			return err;
		}
	}
	if ((d ? d->charge : 0) + charge > r->max_bytes) {
		if (d) {
			dgram_free(r, d);
			r->st.evicted++;
		}
		return -ENOMEM;
	}
	make_room(r, d, charge);
	if (!d) {
		while (r->st.datagrams_held >= r->max_datagrams) {
			dgram_free(r, r->oldest);
			r->st.evicted++;
		}
		d = dgram_new(r, &f->key, now_ns);
		if (!d)
			return -ENOMEM;
	}
	err = dgram_insert(r, d, f, at, charge);
	if (err) {
		if (!d->nfrags)
			dgram_free(r, d);
		return err;
	}
	if (!d->have_last || d->held != d->end)
		return 0;
	err = dgram_build(d, out);
	dgram_free(r, d);
	return err ? err : 1;
}

int xs_reasm__input(struct xs_reasm *r, const uint8_t *l3, size_t len, uint64_t now_ns,
		    struct xs_reasm_out *out)
{
	struct frag_in f;
	int err;

	memset(&f, 0, sizeof(f));
	if (len && (l3[0] >> 4) == 4)
		err = ipv4_parse(l3, len, &f);
	else if (len && (l3[0] >> 4) == 6)
		err = ipv6_parse(l3, len, &f);
	else
		err = -EBADMSG;
	if (err == -EINVAL)
		return err;
	r->st.fragments++;
	if (!err)
		err = frag_check(&f);
	if (!err && f.key.family == AF_INET6 && !f.off && !f.more)
		err = atomic_build(&f, out) ? -ENOMEM : 1;
	else if (!err)
		err = reasm_input(r, &f, now_ns, out);
	if (err == 1)
		r->st.reassembled++;
	else if (err == -EBADMSG)
		r->st.malformed++;
	else if (err == -EEXIST)
		r->st.overlaps++;
	return err;
}
