// SPDX-License-Identifier: (GPL-2.0 OR BSD-2-Clause)
/*
 * xsock steering program.  Runs first on every frame the NIC receives,
 * decides whether an xsock stack owns it and, if so, redirects it to the
 * AF_XDP socket bound to the frame's RX queue.  Everything else, and every
 * frame whose headers cannot be trusted, goes to the kernel untouched:
 * this program never returns XDP_DROP.
 *
 * Order of lookups, cheapest first for traffic that is not ours:
 *   1. exact 5-tuple (flows): a connection or connected socket of a stack;
 *   2. port gate: one array read says whether any listener rule uses the
 *      destination port; most kernel traffic stops here;
 *   3. listener rules: exact address, then the family's wildcard, then the
 *      any-family wildcard.
 * A TCP listener rule takes new connections only: before redirecting, the
 * kernel's socket tables are asked (bpf_skc_lookup_tcp) whether the kernel
 * owns this 4-tuple (established, SYN-RECV or TIME-WAIT), and if it does the
 * frame is the kernel's.  The program itself never inserts map entries, so a
 * SYN flood cannot fill the maps; stacks add the 5-tuple of a connection
 * once they own it.
 */
#include <linux/bpf.h>
#include <linux/if_ether.h>
#include <linux/in.h>
#include <linux/in6.h>
#include <linux/ip.h>
#include <linux/ipv6.h>
#include <linux/tcp.h>
#include <linux/udp.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_endian.h>

#include "xsock/maps.h"

#ifndef ETH_P_8021Q
#define ETH_P_8021Q 0x8100
#endif
#ifndef ETH_P_8021AD
#define ETH_P_8021AD 0x88A8
#endif
#define XS_MAX_VLAN_TAGS 2
#define XS_MAX_IPV6_EXT_HDRS 8

#define IP_MF 0x2000
#define IP_OFFSET 0x1FFF

struct {
	__uint(type, BPF_MAP_TYPE_XSKMAP);
	__uint(max_entries, XS_MAX_QUEUES);
	__type(key, __u32);
	__type(value, __u32);
} xsks SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, XS_MAX_FLOWS);
	__type(key, struct xs_flow_key);
	__type(value, struct xs_flow_val);
} flows SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_HASH);
	__uint(max_entries, XS_MAX_LISTENERS);
	__type(key, struct xs_listen_key);
	__type(value, struct xs_listen_val);
} listeners SEC(".maps");

/* Listener rules per (protocol, port); maintained by the control path. */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, XS_GATE_SLOTS);
	__type(key, __u32);
	__type(value, __u32);
} port_gate SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct xs_xdp_stats);
} stats SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__uint(map_flags, BPF_F_MMAPABLE);
	__type(key, __u32);
	__type(value, struct xs_config);
} config SEC(".maps");

/* Stacks publish their counters here (struct xs_stack_stats); the program
 * only declares the map, so it is created, pinned and removed with it. */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, XS_MAX_STACKS);
	__type(key, __u32);
	__type(value, struct xs_stack_stats);
} stacks SEC(".maps");

/* A bounds-checked read position in the frame.  `end` is always data_end:
 * the verifier only learns a packet range from comparisons against it.
 * `limit` is where the current datagram ends (IP length fields), checked
 * separately for meaning, not for memory safety. */
struct cursor {
	void *pos;
	void *end;
	void *limit;
};

/* The one bounds-check idiom: a header of `size` bytes at the cursor, or
 * NULL.  Verifier: the comparison is against data_end, so every access
 * through the returned pointer below `size` is proven in bounds. */
#define CURSOR_TAKE(c, size)                                               \
	({                                                                 \
		void *__p = (c)->pos;                                      \
		(__p + (size) > (c)->end) ? NULL : ((c)->pos = __p + (size), __p); \
	})

struct parsed {
	__u8 family;
	__u8 proto;
	__u16 pad;
	__be16 sport;
	__be16 dport;
	__u8 saddr[16];
	__u8 daddr[16];
};

enum verdict {
	V_OK,
	V_NOT_IP,
	V_NOT_TCP_UDP,
	V_MALFORMED,
	V_FRAGMENT,
};

/* Verifier: the 6.1 verifier forgets a value's range after the byte swap
 * of bpf_ntohs(), and then refuses to add it to a packet pointer; an
 * explicit mask it can see restores the range. */
static __always_inline __u32 load_len16(__be16 v)
{
	__u32 x = bpf_ntohs(v);

	asm volatile("%0 &= 0xffff" : "+r"(x));
	return x;
}

static __always_inline void map_v4(__u8 *dst, __be32 addr)
{
	__builtin_memset(dst, 0, 10);
	dst[10] = 0xff;
	dst[11] = 0xff;
	__builtin_memcpy(dst + 12, &addr, 4);
}

static __always_inline int parse_eth(struct cursor *c, __be16 *proto)
{
	struct ethhdr *eth = CURSOR_TAKE(c, sizeof(*eth));

	if (!eth)
		return V_MALFORMED;
	*proto = eth->h_proto;

#pragma unroll
	for (int i = 0; i < XS_MAX_VLAN_TAGS; i++) {
		struct {
			__be16 tci;
			__be16 proto;
		} *vlan;

		if (*proto != bpf_htons(ETH_P_8021Q) && *proto != bpf_htons(ETH_P_8021AD))
			break;
		vlan = CURSOR_TAKE(c, sizeof(*vlan));
		if (!vlan)
			return V_MALFORMED;
		*proto = vlan->proto;
	}
	if (*proto == bpf_htons(ETH_P_8021Q) || *proto == bpf_htons(ETH_P_8021AD))
		return V_NOT_IP;	/* a third tag: not ours */
	return V_OK;
}

static __always_inline int parse_ipv4(struct cursor *c, struct parsed *p)
{
	struct iphdr *ip = CURSOR_TAKE(c, sizeof(*ip));
	__u32 hlen, tot_len;

	if (!ip)
		return V_MALFORMED;
	if (ip->version != 4 || ip->ihl < 5)
		return V_MALFORMED;
	hlen = ip->ihl * 4;
	tot_len = load_len16(ip->tot_len);
	if (tot_len < hlen || (void *)ip + tot_len > c->end)
		return V_MALFORMED;
	/* Options: step over them.  Verifier: hlen is at most 60. */
	if (hlen > sizeof(*ip) && !CURSOR_TAKE(c, hlen - sizeof(*ip)))
		return V_MALFORMED;
	/* Trailing link-layer padding is not part of the datagram. */
	c->limit = (void *)ip + tot_len;
	if (ip->frag_off & bpf_htons(IP_MF | IP_OFFSET))
		return V_FRAGMENT;

	p->family = XS_FAMILY_IPV4;
	p->proto = ip->protocol;
	map_v4(p->saddr, ip->saddr);
	map_v4(p->daddr, ip->daddr);
	return V_OK;
}

static __always_inline int parse_ipv6(struct cursor *c, struct parsed *p)
{
	struct ipv6hdr *ip6 = CURSOR_TAKE(c, sizeof(*ip6));
	__u32 payload_len;
	__u8 next;

	if (!ip6)
		return V_MALFORMED;
	if (ip6->version != 6)
		return V_MALFORMED;
	payload_len = load_len16(ip6->payload_len);
	if ((void *)(ip6 + 1) + payload_len > c->end)
		return V_MALFORMED;
	c->limit = (void *)(ip6 + 1) + payload_len;
	next = ip6->nexthdr;

	/* Verifier: a constant bound, each iteration moves the cursor by a
	 * checked amount. */
	for (int i = 0; i < XS_MAX_IPV6_EXT_HDRS; i++) {
		struct {
			__u8 next;
			__u8 len;
		} *ext;
		__u32 size;

		switch (next) {
		case IPPROTO_HOPOPTS:
		case IPPROTO_ROUTING:
		case IPPROTO_DSTOPTS:
			ext = CURSOR_TAKE(c, sizeof(*ext));
			if (!ext)
				return V_MALFORMED;
			size = (ext->len + 1) * 8;
			break;
		case IPPROTO_AH:
			ext = CURSOR_TAKE(c, sizeof(*ext));
			if (!ext)
				return V_MALFORMED;
			size = (ext->len + 2) * 4;
			break;
		case IPPROTO_FRAGMENT:
			return V_FRAGMENT;
		default:
			goto done;
		}
		next = ext->next;
		/* The two bytes already taken belong to this header. */
		if (size < sizeof(*ext) || !CURSOR_TAKE(c, size - sizeof(*ext)))
			return V_MALFORMED;
		if (c->pos > c->limit)
			return V_MALFORMED;
	}
	/* More extension headers than we walk: leave it to the kernel. */
	if (next == IPPROTO_HOPOPTS || next == IPPROTO_ROUTING ||
	    next == IPPROTO_DSTOPTS || next == IPPROTO_AH)
		return V_MALFORMED;
	if (next == IPPROTO_FRAGMENT)
		return V_FRAGMENT;
done:
	p->family = XS_FAMILY_IPV6;
	p->proto = next;
	__builtin_memcpy(p->saddr, &ip6->saddr, 16);
	__builtin_memcpy(p->daddr, &ip6->daddr, 16);
	return V_OK;
}

static __always_inline int parse_l4(struct cursor *c, struct parsed *p)
{
	if (p->proto == IPPROTO_TCP) {
		struct tcphdr *tcp = CURSOR_TAKE(c, sizeof(*tcp));

		if (!tcp)
			return V_MALFORMED;
		if (tcp->doff < 5 || (void *)tcp + tcp->doff * 4 > c->limit)
			return V_MALFORMED;
		p->sport = tcp->source;
		p->dport = tcp->dest;
		return V_OK;
	}
	if (p->proto == IPPROTO_UDP) {
		struct udphdr *udp = CURSOR_TAKE(c, sizeof(*udp));
		__u32 len;

		if (!udp)
			return V_MALFORMED;
		len = load_len16(udp->len);
		if (len < sizeof(*udp) || (void *)udp + len > c->limit)
			return V_MALFORMED;
		p->sport = udp->source;
		p->dport = udp->dest;
		return V_OK;
	}
	return V_NOT_TCP_UDP;
}

static __always_inline int parse(struct xdp_md *ctx, struct parsed *p)
{
	struct cursor c = {
		.pos = (void *)(long)ctx->data,
		.end = (void *)(long)ctx->data_end,
		.limit = (void *)(long)ctx->data_end,
	};
	__be16 proto;
	int v;

	v = parse_eth(&c, &proto);
	if (v != V_OK)
		return v;
	if (proto == bpf_htons(ETH_P_IP))
		v = parse_ipv4(&c, p);
	else if (proto == bpf_htons(ETH_P_IPV6))
		v = parse_ipv6(&c, p);
	else
		return V_NOT_IP;
	if (v != V_OK)
		return v;
	return parse_l4(&c, p);
}

static __always_inline struct xs_listen_val *match_listener(const struct parsed *p)
{
	struct xs_listen_key key = {
		.proto = p->proto,
		.family = p->family,
		.port = p->dport,
	};
	struct xs_listen_val *val;

	__builtin_memcpy(key.addr, p->daddr, 16);
	val = bpf_map_lookup_elem(&listeners, &key);
	if (val)
		return val;
	__builtin_memset(key.addr, 0, 16);
	val = bpf_map_lookup_elem(&listeners, &key);
	if (val)
		return val;
	key.family = XS_FAMILY_ANY;
	return bpf_map_lookup_elem(&listeners, &key);
}

/* Does the kernel own this TCP 4-tuple (anything but a listener)? */
static __always_inline int kernel_owns_tcp(struct xdp_md *ctx, const struct parsed *p)
{
	struct bpf_sock_tuple tuple = {};
	struct bpf_sock *sk;
	__u32 size;
	int owned;

	if (p->family == XS_FAMILY_IPV4) {
		__builtin_memcpy(&tuple.ipv4.saddr, p->saddr + 12, 4);
		__builtin_memcpy(&tuple.ipv4.daddr, p->daddr + 12, 4);
		tuple.ipv4.sport = p->sport;
		tuple.ipv4.dport = p->dport;
		size = sizeof(tuple.ipv4);
	} else {
		__builtin_memcpy(tuple.ipv6.saddr, p->saddr, 16);
		__builtin_memcpy(tuple.ipv6.daddr, p->daddr, 16);
		tuple.ipv6.sport = p->sport;
		tuple.ipv6.dport = p->dport;
		size = sizeof(tuple.ipv6);
	}
	sk = bpf_skc_lookup_tcp(ctx, &tuple, size, BPF_F_CURRENT_NETNS, 0);
	if (!sk)
		return 0;
	owned = sk->state != BPF_TCP_LISTEN;
	bpf_sk_release(sk);
	return owned;
}

static __always_inline __u32 gate_slot(const struct parsed *p)
{
	__u32 base = p->proto == IPPROTO_TCP ? XS_GATE_TCP : XS_GATE_UDP;

	return base * 65536 + bpf_ntohs(p->dport);
}

SEC("xdp")
int xsock_steer(struct xdp_md *ctx)
{
	__u32 zero = 0, len = ctx->data_end - ctx->data;
	struct xs_xdp_stats *st;
	struct xs_flow_key fkey;
	struct xs_flow_val *flow;
	struct xs_listen_val *rule;
	struct parsed p = {};
	__u32 slot, *gate;
	int v, act;

	st = bpf_map_lookup_elem(&stats, &zero);
	if (!st)	/* Verifier: cannot happen for index 0 of an array. */
		return XDP_PASS;
	st->rx_packets++;
	st->rx_bytes += len;

	v = parse(ctx, &p);
	switch (v) {
	case V_OK:
		break;
	case V_NOT_IP:
		st->pass_not_ip++;
		return XDP_PASS;
	case V_NOT_TCP_UDP:
		st->pass_not_tcp_udp++;
		return XDP_PASS;
	case V_FRAGMENT:
		st->pass_fragment++;
		return XDP_PASS;
	default:
		st->pass_malformed++;
		return XDP_PASS;
	}

	fkey.proto = p.proto;
	fkey.family = p.family;
	fkey.lport = p.dport;
	fkey.rport = p.sport;
	fkey.pad = 0;
	__builtin_memcpy(fkey.laddr, p.daddr, 16);
	__builtin_memcpy(fkey.raddr, p.saddr, 16);
	flow = bpf_map_lookup_elem(&flows, &fkey);
	if (flow) {
		__sync_fetch_and_add(&flow->packets, 1);
		__sync_fetch_and_add(&flow->bytes, len);
		goto redirect;
	}

	slot = gate_slot(&p);
	gate = bpf_map_lookup_elem(&port_gate, &slot);
	if (!gate || !*gate) {
		st->pass_no_rule++;
		return XDP_PASS;
	}
	rule = match_listener(&p);
	if (!rule) {
		st->pass_no_rule++;
		return XDP_PASS;
	}
	if (p.proto == IPPROTO_TCP && kernel_owns_tcp(ctx, &p)) {
		st->pass_kernel_conn++;
		return XDP_PASS;
	}
	/* A rule counts the packets it takes, not the kernel's. */
	rule->packets++;
	rule->bytes += len;

redirect:
	act = bpf_redirect_map(&xsks, ctx->rx_queue_index, XDP_PASS);
	if (act == XDP_REDIRECT)
		st->redirected++;
	else
		st->pass_redirect_failed++;
	return act;
}

char LICENSE[] SEC("license") = "Dual BSD/GPL";
