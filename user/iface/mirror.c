// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * The kernel mirror (mirror.h): tables, the rtnetlink messages that change
 * them, and the lookups iface/ and sock/ make.  netlink.c moves the bytes.
 *
 * What is ignored, on purpose:
 *   - links of family AF_BRIDGE (bridge-port notifications: an AF_BRIDGE
 *     RTM_DELLINK is a port leaving its bridge, not a link going away);
 *   - routes of tables other than local, main and default (policy routing
 *     is not mirrored), and cached clones (RTM_F_CLONED);
 *   - proxy neighbour entries (NTF_PROXY) and bridge FDB entries.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <net/if.h>
#include <linux/if_addr.h>
#include <linux/if_arp.h>
#include <linux/neighbour.h>
#include <linux/rtnetlink.h>

#include "iface/mirror.h"
#include "iface/netlink.h"

#define XS_MIRROR_GROUPS (RTMGRP_LINK | RTMGRP_IPV4_IFADDR | RTMGRP_IPV6_IFADDR | \
			  RTMGRP_IPV4_ROUTE | RTMGRP_IPV6_ROUTE | RTMGRP_NEIGH)

/* Power of two; half the entries, so chains stay short when full. */
#define NEIGH_BUCKETS 4096
/* Datagrams read per process() call: a storm cannot hold the caller. */
#define PROCESS_BUDGET 1024
/* A dump the kernel flags inconsistent (tables changed meanwhile) is
 * repeated; a table that never holds still is taken as it was last seen. */
#define DUMP_TRIES 5

enum { F4 = 0, F6 = 1 };

struct xs_mlink {
	int ifindex;
	uint32_t mtu;
	uint32_t flags;
	uint16_t type;
	uint8_t mac[6];
	char name[IF_NAMESIZE];
};

struct xs_maddr {
	int ifindex;
	uint32_t flags;             /* IFA_F_* */
	uint8_t prefixlen;
	uint8_t scope;              /* RT_SCOPE_* */
	uint8_t addr[16];
};

struct xs_mroute {
	uint32_t table;
	uint32_t priority;
	int oif;
	uint32_t mtu;               /* RTAX_MTU, 0 if none */
	uint8_t dst_len;
	uint8_t tos;
	uint8_t type;
	uint8_t scope;
	bool has_gw, has_prefsrc;
	bool unusable;              /* kept for deletes, never matched */
	uint8_t dst[16];            /* host bits cleared */
	uint8_t gw[16];
	uint8_t prefsrc[16];
};

struct xs_mneigh {
	int ifindex;
	int32_t next;               /* chain or free list, -1 ends */
	uint16_t state;             /* NUD_* */
	uint8_t family;
	uint8_t addr[16];
	uint8_t mac[6];
};

struct xs_mirror {
	struct xs_nl ev;            /* subscribed, non-blocking */
	struct xs_nl req;           /* dumps and requests */
	uint64_t generation;
	bool redump_all;            /* notifications were lost */
	bool redump_routes4;        /* a link went down: IPv4 routes flushed silently */
	struct xs_mirror_stats stats;

	uint32_t nlinks;
	struct xs_mlink links[XS_MIRROR_MAX_LINKS];
	uint32_t naddrs[2];
	struct xs_maddr addrs[2][XS_MIRROR_MAX_ADDRS];
	uint32_t nroutes[2];
	struct xs_mroute routes[2][XS_MIRROR_MAX_ROUTES];
	uint32_t nneighs;
	int32_t neigh_free;
	int32_t neigh_bucket[NEIGH_BUCKETS];
	struct xs_mneigh neighs[XS_MIRROR_MAX_NEIGHS];

	uint8_t evbuf[XS_NL_RXBUF];
	uint8_t reqbuf[XS_NL_RXBUF];
};

/* ---- addresses ---------------------------------------------------------- */

static const uint8_t v4mapped_prefix[12] = { 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff };

static int fam_index(int family)
{
	if (family == AF_INET)
		return F4;
	if (family == AF_INET6)
		return F6;
	return -EAFNOSUPPORT;
}

/* Family index of a lookup key; an AF_INET key must be v4-mapped. */
static int key_index(int family, const uint8_t a[16])
{
	int f = fam_index(family);

	if (f == F4 && memcmp(a, v4mapped_prefix, sizeof(v4mapped_prefix)) != 0)
		return -EAFNOSUPPORT;
	return f;
}

static unsigned int max_bits(int f)
{
	return f == F4 ? 32 : 128;
}

/* IPv4 prefixes are counted from the start of the v4-mapped form. */
static unsigned int bit_offset(int f)
{
	return f == F4 ? 96 : 0;
}

static bool prefix_eq(const uint8_t *a, const uint8_t *b, unsigned int bits)
{
	unsigned int bytes = bits / 8, rest = bits % 8;

	if (memcmp(a, b, bytes) != 0)
		return false;
	if (!rest)
		return true;
	return ((a[bytes] ^ b[bytes]) & (uint8_t)(0xff << (8 - rest))) == 0;
}

static unsigned int common_prefix(const uint8_t *a, const uint8_t *b)
{
	unsigned int i, n = 0;

	for (i = 0; i < 16; i++) {
		uint8_t x = a[i] ^ b[i];

		if (x)
			return n + (unsigned int)__builtin_clz(x) - 24;
		n += 8;
	}
	return n;
}

static void clear_host_bits(uint8_t a[16], unsigned int bits)
{
	unsigned int i;

	for (i = bits; i < 128; i++)
		a[i / 8] &= (uint8_t)~(0x80 >> (i % 8));
}

/* ---- attributes --------------------------------------------------------- */

/* Indexes attributes by type (later duplicates win, as in the kernel).
 * A walk that does not end exactly at the end of the message (an
 * attribute shorter than its header or longer than what is left) makes
 * the message malformed. */
static int parse_attrs(const struct rtattr *rta, int len, const struct rtattr **tb, int max)
{
	memset(tb, 0, sizeof(*tb) * (size_t)(max + 1));
	for (; RTA_OK(rta, len); rta = RTA_NEXT(rta, len)) {
		int type = rta->rta_type & NLA_TYPE_MASK;

		if (type <= max)
			tb[type] = rta;
	}
	/* len < 0: the last attribute lacked its alignment padding. */
	return len > 0 ? -EBADMSG : 0;
}

static int attr_u32(const struct rtattr *rta, uint32_t *v)
{
	if (RTA_PAYLOAD(rta) != sizeof(*v))
		return -EBADMSG;
	memcpy(v, RTA_DATA(rta), sizeof(*v));
	return 0;
}

/* An address attribute of family f into the 16-byte form. */
static int attr_addr(const struct rtattr *rta, int f, uint8_t out[16])
{
	if (f == F4) {
		if (RTA_PAYLOAD(rta) != 4)
			return -EBADMSG;
		memcpy(out, v4mapped_prefix, 12);
		memcpy(out + 12, RTA_DATA(rta), 4);
	} else {
		if (RTA_PAYLOAD(rta) != 16)
			return -EBADMSG;
		memcpy(out, RTA_DATA(rta), 16);
	}
	return 0;
}

/* The attributes after a family header (the UAPI has IFLA_RTA, IFA_RTA and
 * RTM_RTA, but nothing for ndmsg). */
#define ATTRS_AFTER(hdr) \
	((const struct rtattr *)((const char *)(hdr) + NLMSG_ALIGN(sizeof(*(hdr)))))

/* Payload of a message after its family header, or -EBADMSG if short. */
static int body_len(const struct nlmsghdr *nlh, size_t hdr)
{
	if (nlh->nlmsg_len < NLMSG_LENGTH(hdr))
		return -EBADMSG;
	return (int)(nlh->nlmsg_len - NLMSG_SPACE(hdr));
}

/* ---- links -------------------------------------------------------------- */

static struct xs_mlink *link_find(const struct xs_mirror *m, int ifindex)
{
	uint32_t i;

	for (i = 0; i < m->nlinks; i++)
		if (m->links[i].ifindex == ifindex)
			return (struct xs_mlink *)&m->links[i];
	return NULL;
}

/* Everything hanging off a link that is gone: the kernel sends deletes
 * for most of it, but not for IPv4 routes. */
static void purge_ifindex(struct xs_mirror *m, int ifindex)
{
	uint32_t i, j;
	int f;

	for (f = F4; f <= F6; f++) {
		for (i = j = 0; i < m->naddrs[f]; i++)
			if (m->addrs[f][i].ifindex != ifindex)
				m->addrs[f][j++] = m->addrs[f][i];
		m->naddrs[f] = j;
		for (i = j = 0; i < m->nroutes[f]; i++)
			if (m->routes[f][i].oif != ifindex)
				m->routes[f][j++] = m->routes[f][i];
		m->nroutes[f] = j;
	}
	for (i = 0; i < NEIGH_BUCKETS; i++) {
		int32_t *pp = &m->neigh_bucket[i];

		while (*pp >= 0) {
			struct xs_mneigh *n = &m->neighs[*pp];

			if (n->ifindex == ifindex) {
				int32_t idx = *pp;

				*pp = n->next;
				n->next = m->neigh_free;
				m->neigh_free = idx;
				m->nneighs--;
			} else {
				pp = &n->next;
			}
		}
	}
}

static int apply_link(struct xs_mirror *m, const struct nlmsghdr *nlh)
{
	const struct ifinfomsg *ifi = NLMSG_DATA(nlh);
	const struct rtattr *tb[IFLA_MAX + 1];
	struct xs_mlink *l, nl;
	int len = body_len(nlh, sizeof(*ifi));

	if (len < 0)
		return len;
	if (ifi->ifi_family != AF_UNSPEC)
		return 0;
	if (ifi->ifi_index <= 0 || parse_attrs(ATTRS_AFTER(ifi), len, tb, IFLA_MAX) < 0)
		return -EBADMSG;
	l = link_find(m, ifi->ifi_index);

	if (nlh->nlmsg_type == RTM_DELLINK) {
		if (!l)
			return 0;
		purge_ifindex(m, ifi->ifi_index);
		*l = m->links[--m->nlinks];
		return 1;
	}

	/* Attributes a message leaves out keep their values. */
	if (l)
		nl = *l;
	else
		memset(&nl, 0, sizeof(nl));
	nl.ifindex = ifi->ifi_index;
	nl.type = ifi->ifi_type;
	nl.flags = ifi->ifi_flags;
	if (tb[IFLA_IFNAME]) {
		const char *s = RTA_DATA(tb[IFLA_IFNAME]);
		size_t n = RTA_PAYLOAD(tb[IFLA_IFNAME]);

		if (n == 0 || n > IF_NAMESIZE || strnlen(s, n) == n)
			return -EBADMSG;
		memset(nl.name, 0, sizeof(nl.name));
		memcpy(nl.name, s, n);
	} else if (!l) {
		return -EBADMSG;
	}
	if (tb[IFLA_MTU] && attr_u32(tb[IFLA_MTU], &nl.mtu) < 0)
		return -EBADMSG;
	if (tb[IFLA_ADDRESS]) {
		size_t n = RTA_PAYLOAD(tb[IFLA_ADDRESS]);

		if (n > 32)  /* MAX_ADDR_LEN */
			return -EBADMSG;
		memset(nl.mac, 0, sizeof(nl.mac));
		if (n == sizeof(nl.mac))
			memcpy(nl.mac, RTA_DATA(tb[IFLA_ADDRESS]), n);
	}

	if (!l) {
		if (m->nlinks == XS_MIRROR_MAX_LINKS)
			return -ENOSPC;
		l = &m->links[m->nlinks++];
	} else if ((l->flags & IFF_UP) && !(nl.flags & IFF_UP)) {
		m->redump_routes4 = true;
	}
	*l = nl;
	return 1;
}

/* ---- addresses ---------------------------------------------------------- */

static int addr_find(const struct xs_mirror *m, int f, const struct xs_maddr *k)
{
	uint32_t i;

	for (i = 0; i < m->naddrs[f]; i++) {
		const struct xs_maddr *a = &m->addrs[f][i];

		if (a->ifindex == k->ifindex && a->prefixlen == k->prefixlen &&
		    memcmp(a->addr, k->addr, 16) == 0)
			return (int)i;
	}
	return -1;
}

static int apply_addr(struct xs_mirror *m, const struct nlmsghdr *nlh)
{
	const struct ifaddrmsg *ifa = NLMSG_DATA(nlh);
	const struct rtattr *tb[IFA_MAX + 1];
	const struct rtattr *local;
	struct xs_maddr a = { 0 };
	int len = body_len(nlh, sizeof(*ifa));
	int f, i;

	if (len < 0)
		return len;
	f = fam_index(ifa->ifa_family);
	if (f < 0)
		return 0;
	if (ifa->ifa_index == 0 || ifa->ifa_prefixlen > max_bits(f) ||
	    parse_attrs(ATTRS_AFTER(ifa), len, tb, IFA_MAX) < 0)
		return -EBADMSG;
	/* IFA_ADDRESS is the peer on point-to-point IPv4 links; IFA_LOCAL
	 * is ours whenever it is there. */
	local = tb[IFA_LOCAL] ? tb[IFA_LOCAL] : tb[IFA_ADDRESS];
	if (!local || attr_addr(local, f, a.addr) < 0)
		return -EBADMSG;
	a.ifindex = (int)ifa->ifa_index;
	a.prefixlen = ifa->ifa_prefixlen;
	a.scope = ifa->ifa_scope;
	a.flags = ifa->ifa_flags;   /* the low 8 bits; IFA_FLAGS has all 32 */
	if (tb[IFA_FLAGS] && attr_u32(tb[IFA_FLAGS], &a.flags) < 0)
		return -EBADMSG;

	i = addr_find(m, f, &a);
	if (nlh->nlmsg_type == RTM_DELADDR) {
		if (i < 0)
			return 0;
		/* Order matters: the first primary is the preferred one. */
		memmove(&m->addrs[f][i], &m->addrs[f][i + 1],
			(m->naddrs[f] - (uint32_t)i - 1) * sizeof(a));
		m->naddrs[f]--;
		return 1;
	}
	if (i < 0) {
		if (m->naddrs[f] == XS_MIRROR_MAX_ADDRS)
			return -ENOSPC;
		i = (int)m->naddrs[f]++;
	}
	m->addrs[f][i] = a;
	return 1;
}

/* ---- routes ------------------------------------------------------------- */

static bool route_same(const struct xs_mroute *a, const struct xs_mroute *b)
{
	return a->table == b->table && a->dst_len == b->dst_len && a->tos == b->tos &&
	       a->priority == b->priority && memcmp(a->dst, b->dst, 16) == 0;
}

/* Sorted: longest prefix first, then lowest metric; equal keys keep their
 * arrival order. */
static bool route_before(const struct xs_mroute *a, const struct xs_mroute *b)
{
	if (a->dst_len != b->dst_len)
		return a->dst_len > b->dst_len;
	return a->priority < b->priority;
}

/* The first nexthop of RTA_MULTIPATH: its interface and gateway. */
static int parse_multipath(const struct rtattr *mp, int f, struct xs_mroute *r)
{
	const struct rtnexthop *nh = RTA_DATA(mp);
	const struct rtattr *tb[RTA_MAX + 1];
	size_t len = RTA_PAYLOAD(mp);

	if (len < sizeof(*nh) || nh->rtnh_len < sizeof(*nh) || nh->rtnh_len > len)
		return -EBADMSG;
	if (parse_attrs(RTNH_DATA(nh), nh->rtnh_len - (int)RTNH_LENGTH(0), tb, RTA_MAX) < 0)
		return -EBADMSG;
	r->oif = nh->rtnh_ifindex;
	if (tb[RTA_GATEWAY]) {
		if (attr_addr(tb[RTA_GATEWAY], f, r->gw) < 0)
			return -EBADMSG;
		r->has_gw = true;
	}
	if (tb[RTA_VIA])
		r->unusable = true;
	return 0;
}

static int parse_metrics(const struct rtattr *mx, struct xs_mroute *r)
{
	const struct rtattr *tb[RTAX_MAX + 1];

	if (parse_attrs(RTA_DATA(mx), (int)RTA_PAYLOAD(mx), tb, RTAX_MAX) < 0)
		return -EBADMSG;
	if (tb[RTAX_MTU] && attr_u32(tb[RTAX_MTU], &r->mtu) < 0)
		return -EBADMSG;
	return 0;
}

static int apply_route(struct xs_mirror *m, const struct nlmsghdr *nlh)
{
	const struct rtmsg *rtm = NLMSG_DATA(nlh);
	const struct rtattr *tb[RTA_MAX + 1];
	struct xs_mroute r = { 0 };
	struct xs_mroute *tab;
	int len = body_len(nlh, sizeof(*rtm));
	uint32_t i, n;
	int f;

	if (len < 0)
		return len;
	f = fam_index(rtm->rtm_family);
	if (f < 0 || (rtm->rtm_flags & RTM_F_CLONED))
		return 0;
	if (rtm->rtm_dst_len > max_bits(f) || parse_attrs(ATTRS_AFTER(rtm), len, tb, RTA_MAX) < 0)
		return -EBADMSG;
	r.table = rtm->rtm_table;
	if (tb[RTA_TABLE] && attr_u32(tb[RTA_TABLE], &r.table) < 0)
		return -EBADMSG;
	if (r.table != RT_TABLE_LOCAL && r.table != RT_TABLE_MAIN && r.table != RT_TABLE_DEFAULT)
		return 0;

	r.dst_len = rtm->rtm_dst_len;
	r.tos = rtm->rtm_tos;
	r.type = rtm->rtm_type;
	r.scope = rtm->rtm_scope;
	if (f == F4)
		memcpy(r.dst, v4mapped_prefix, 12);
	if (tb[RTA_DST] && attr_addr(tb[RTA_DST], f, r.dst) < 0)
		return -EBADMSG;
	clear_host_bits(r.dst, bit_offset(f) + r.dst_len);
	if (tb[RTA_PRIORITY] && attr_u32(tb[RTA_PRIORITY], &r.priority) < 0)
		return -EBADMSG;
	if (tb[RTA_OIF]) {
		uint32_t oif;

		if (attr_u32(tb[RTA_OIF], &oif) < 0)
			return -EBADMSG;
		r.oif = (int)oif;
	}
	if (tb[RTA_GATEWAY]) {
		if (attr_addr(tb[RTA_GATEWAY], f, r.gw) < 0)
			return -EBADMSG;
		r.has_gw = true;
	}
	if (tb[RTA_PREFSRC]) {
		if (attr_addr(tb[RTA_PREFSRC], f, r.prefsrc) < 0)
			return -EBADMSG;
		r.has_prefsrc = true;
	}
	if (tb[RTA_METRICS] && parse_metrics(tb[RTA_METRICS], &r) < 0)
		return -EBADMSG;
	if (tb[RTA_MULTIPATH] && parse_multipath(tb[RTA_MULTIPATH], f, &r) < 0)
		return -EBADMSG;
	/* Kept so their deletes match, but never the answer to a lookup:
	 * the lookup only knows dst, and a nexthop object or an IPv4 route
	 * via an IPv6 gateway is not something it can hand on. */
	if (tb[RTA_VIA] || tb[RTA_NH_ID] || rtm->rtm_src_len || rtm->rtm_tos)
		r.unusable = true;

	tab = m->routes[f];
	n = m->nroutes[f];
	for (i = 0; i < n; i++)
		if (route_same(&tab[i], &r))
			break;
	if (nlh->nlmsg_type == RTM_DELROUTE) {
		if (i == n)
			return 0;
		memmove(&tab[i], &tab[i + 1], (n - i - 1) * sizeof(r));
		m->nroutes[f]--;
		return 1;
	}
	if (r.unusable)
		m->stats.unsupported++;
	if (i < n) {
		/* Same key, same place in the order. */
		tab[i] = r;
		return 1;
	}
	if (n == XS_MIRROR_MAX_ROUTES)
		return -ENOSPC;
	for (i = 0; i < n && !route_before(&r, &tab[i]); i++)
		;
	memmove(&tab[i + 1], &tab[i], (n - i) * sizeof(r));
	tab[i] = r;
	m->nroutes[f]++;
	return 1;
}

/* ---- neighbours --------------------------------------------------------- */

static uint32_t neigh_hash(int ifindex, const uint8_t addr[16])
{
	uint32_t h = 2166136261u ^ (uint32_t)ifindex;
	int i;

	/* FNV-1a; the low bytes differ most, so they go in last. */
	for (i = 0; i < 16; i++)
		h = (h ^ addr[i]) * 16777619u;
	return (h ^ (h >> 15)) & (NEIGH_BUCKETS - 1);
}

static int32_t *neigh_slot(const struct xs_mirror *m, int ifindex, int family,
			   const uint8_t addr[16])
{
	int32_t *pp = (int32_t *)&m->neigh_bucket[neigh_hash(ifindex, addr)];

	while (*pp >= 0) {
		const struct xs_mneigh *n = &m->neighs[*pp];

		if (n->ifindex == ifindex && n->family == family && memcmp(n->addr, addr, 16) == 0)
			break;
		pp = (int32_t *)&n->next;
	}
	return pp;
}

static void neigh_reset(struct xs_mirror *m)
{
	int32_t i;

	for (i = 0; i < NEIGH_BUCKETS; i++)
		m->neigh_bucket[i] = -1;
	for (i = 0; i < XS_MIRROR_MAX_NEIGHS; i++)
		m->neighs[i].next = i + 1 < XS_MIRROR_MAX_NEIGHS ? i + 1 : -1;
	m->neigh_free = 0;
	m->nneighs = 0;
}

static int apply_neigh(struct xs_mirror *m, const struct nlmsghdr *nlh)
{
	const struct ndmsg *ndm = NLMSG_DATA(nlh);
	const struct rtattr *tb[NDA_MAX + 1];
	struct xs_mneigh *n;
	uint8_t addr[16];
	int32_t *pp;
	int len = body_len(nlh, sizeof(*ndm));
	int f;

	if (len < 0)
		return len;
	f = fam_index(ndm->ndm_family);
	if (f < 0 || (ndm->ndm_flags & NTF_PROXY))
		return 0;
	if (ndm->ndm_ifindex <= 0 || parse_attrs(ATTRS_AFTER(ndm), len, tb, NDA_MAX) < 0)
		return -EBADMSG;
	if (!tb[NDA_DST] || attr_addr(tb[NDA_DST], f, addr) < 0)
		return -EBADMSG;
	if (tb[NDA_LLADDR] && RTA_PAYLOAD(tb[NDA_LLADDR]) > 32)
		return -EBADMSG;

	pp = neigh_slot(m, ndm->ndm_ifindex, ndm->ndm_family, addr);
	if (nlh->nlmsg_type == RTM_DELNEIGH) {
		int32_t idx = *pp;

		if (idx < 0)
			return 0;
		*pp = m->neighs[idx].next;
		m->neighs[idx].next = m->neigh_free;
		m->neigh_free = idx;
		m->nneighs--;
		return 1;
	}
	if (*pp < 0) {
		int32_t idx = m->neigh_free;

		if (idx < 0)
			return -ENOSPC;
		n = &m->neighs[idx];
		m->neigh_free = n->next;
		n->next = -1;
		n->ifindex = ndm->ndm_ifindex;
		n->family = ndm->ndm_family;
		memcpy(n->addr, addr, 16);
		*pp = idx;
		m->nneighs++;
	} else {
		n = &m->neighs[*pp];
	}
	n->state = ndm->ndm_state;
	/* No lladdr: the kernel has none for this state (INCOMPLETE,
	 * FAILED); links with longer addresses are not Ethernet. */
	memset(n->mac, 0, sizeof(n->mac));
	if (tb[NDA_LLADDR] && RTA_PAYLOAD(tb[NDA_LLADDR]) == sizeof(n->mac))
		memcpy(n->mac, RTA_DATA(tb[NDA_LLADDR]), sizeof(n->mac));
	return 1;
}

/* ---- applying ------------------------------------------------------------ */

int xs_mirror__apply(struct xs_mirror *m, const struct nlmsghdr *nlh)
{
	int r;

	if (nlh->nlmsg_len < NLMSG_HDRLEN) {
		m->stats.malformed++;
		return -EBADMSG;
	}
	switch (nlh->nlmsg_type) {
	case RTM_NEWLINK:
	case RTM_DELLINK:
		r = apply_link(m, nlh);
		break;
	case RTM_NEWADDR:
	case RTM_DELADDR:
		r = apply_addr(m, nlh);
		break;
	case RTM_NEWROUTE:
	case RTM_DELROUTE:
		r = apply_route(m, nlh);
		break;
	case RTM_NEWNEIGH:
	case RTM_DELNEIGH:
		r = apply_neigh(m, nlh);
		break;
	default:
		r = 0;
		break;
	}
	if (r > 0) {
		m->stats.applied++;
		m->generation++;
	} else if (r == 0) {
		m->stats.ignored++;
	} else if (r == -ENOSPC) {
		m->stats.table_full++;
	} else {
		m->stats.malformed++;
	}
	return r;
}

/* ---- dumps and notifications -------------------------------------------- */

static int dump_cb(const struct nlmsghdr *nlh, void *ctx)
{
	/* A bad or refused entry is counted; the rest of the dump goes on. */
	(void)xs_mirror__apply(ctx, nlh);
	return 0;
}

static int dump(struct xs_mirror *m, int type, unsigned char family)
{
	int tries, err = 0;

	for (tries = 0; tries < DUMP_TRIES; tries++) {
		err = xs_nl__dump(&m->req, type, family, m->reqbuf, sizeof(m->reqbuf), dump_cb, m);
		if (err != -EINTR)
			break;
	}
	/* Still inconsistent: what we hold is no worse than what the
	 * notifications will correct. */
	return err == -EINTR ? 0 : err;
}

static int dump_all(struct xs_mirror *m)
{
	int err;

	m->nlinks = 0;
	m->naddrs[F4] = m->naddrs[F6] = 0;
	m->nroutes[F4] = m->nroutes[F6] = 0;
	neigh_reset(m);
	/* Links first: routes and addresses refer to them. */
	err = dump(m, RTM_GETLINK, AF_UNSPEC);
	if (!err)
		err = dump(m, RTM_GETADDR, AF_UNSPEC);
	if (!err)
		err = dump(m, RTM_GETROUTE, AF_INET);
	if (!err)
		err = dump(m, RTM_GETROUTE, AF_INET6);
	if (!err)
		err = dump(m, RTM_GETNEIGH, AF_UNSPEC);
	/* A failed dump leaves holes: the next process() tries again. */
	m->redump_all = err != 0;
	m->redump_routes4 = false;
	m->generation++;
	return err;
}

static int dump_routes4(struct xs_mirror *m)
{
	int err;

	m->nroutes[F4] = 0;
	m->generation++;
	err = dump(m, RTM_GETROUTE, AF_INET);
	m->redump_routes4 = err != 0;
	return err;
}

struct xs_mirror *xs_mirror__new_detached(void)
{
	struct xs_mirror *m = calloc(1, sizeof(*m));

	if (!m)
		return NULL;
	m->ev.fd = m->req.fd = -1;
	neigh_reset(m);
	return m;
}

struct xs_mirror *xs_mirror__open(void)
{
	struct xs_mirror *m = xs_mirror__new_detached();
	int err;

	if (!m)
		return NULL;
	/* Subscribe before dumping, so nothing falls in between; what
	 * queues up meanwhile is applied on top by process(). */
	err = xs_nl__open(&m->ev, XS_MIRROR_GROUPS);
	if (!err)
		err = xs_nl__open(&m->req, 0);
	if (!err)
		err = dump_all(m);
	if (err) {
		xs_mirror__close(m);
		errno = -err;
		return NULL;
	}
	return m;
}

void xs_mirror__close(struct xs_mirror *m)
{
	if (!m)
		return;
	xs_nl__close(&m->ev);
	xs_nl__close(&m->req);
	free(m);
}

int xs_mirror__fd(const struct xs_mirror *m)
{
	return m->ev.fd;
}

uint64_t xs_mirror__generation(const struct xs_mirror *m)
{
	return m->generation;
}

void xs_mirror__stats(const struct xs_mirror *m, struct xs_mirror_stats *out)
{
	*out = m->stats;
}

int xs_mirror__process(struct xs_mirror *m)
{
	int changed = 0, budget, err;

	if (m->ev.fd < 0)
		return -EBADF;
	for (budget = PROCESS_BUDGET; budget > 0; budget--) {
		ssize_t n = xs_nl__recv(&m->ev, m->evbuf, sizeof(m->evbuf), MSG_DONTWAIT);
		const struct nlmsghdr *nlh;
		unsigned int left;

		if (n == -EAGAIN)
			break;
		if (n == -ENOBUFS || n == -EMSGSIZE) {
			/* Lost notifications; what still queues is applied,
			 * then everything is dumped again. */
			m->stats.overruns++;
			m->redump_all = true;
			continue;
		}
		if (n < 0)
			return (int)n;
		left = (unsigned int)n;
		for (nlh = (const void *)m->evbuf; NLMSG_OK(nlh, left); nlh = NLMSG_NEXT(nlh, left))
			if (xs_mirror__apply(m, nlh) > 0)
				changed++;
	}
	if (m->redump_all || m->redump_routes4) {
		err = m->redump_all ? dump_all(m) : dump_routes4(m);
		m->stats.redumps++;
		if (err)
			return err;
		changed++;
	}
	return changed;
}

/* ---- lookups ------------------------------------------------------------ */

int xs_mirror__link(const struct xs_mirror *m, int ifindex, struct xs_link_info *out)
{
	const struct xs_mlink *l = link_find(m, ifindex);

	if (!l)
		return -ENODEV;
	memset(out, 0, sizeof(*out));
	out->ifindex = l->ifindex;
	memcpy(out->name, l->name, sizeof(out->name));
	memcpy(out->mac, l->mac, sizeof(out->mac));
	out->mtu = l->mtu;
	out->up = l->flags & IFF_UP;
	out->loopback = l->flags & IFF_LOOPBACK;
	out->carrier = l->flags & IFF_LOWER_UP;
	out->type = l->type;
	out->flags = l->flags;
	return 0;
}

int xs_mirror__link_by_name(const struct xs_mirror *m, const char *name,
			    struct xs_link_info *out)
{
	uint32_t i;

	for (i = 0; i < m->nlinks; i++)
		if (strncmp(m->links[i].name, name, sizeof(m->links[i].name)) == 0)
			return xs_mirror__link(m, m->links[i].ifindex, out);
	return -ENODEV;
}

/* Tentative (unless optimistic) and DAD-failed IPv6 addresses are not
 * ours yet: the kernel neither binds nor sources from them. */
static bool addr_usable(const struct xs_maddr *a)
{
	if (a->flags & IFA_F_DADFAILED)
		return false;
	return !(a->flags & IFA_F_TENTATIVE) || (a->flags & IFA_F_OPTIMISTIC);
}

int xs_mirror__addr_owner(const struct xs_mirror *m, int family, const uint8_t addr[16])
{
	int f = key_index(family, addr);
	uint32_t i;

	if (f < 0)
		return f;
	for (i = 0; i < m->naddrs[f]; i++) {
		const struct xs_maddr *a = &m->addrs[f][i];

		if (memcmp(a->addr, addr, 16) == 0 && addr_usable(a))
			return a->ifindex;
	}
	return -EADDRNOTAVAIL;
}

int xs_mirror__addr_first(const struct xs_mirror *m, int ifindex, int family, uint8_t out[16])
{
	const struct xs_maddr *best = NULL;
	int f = fam_index(family), best_rank = -1;
	uint32_t i;

	if (f < 0)
		return f;
	for (i = 0; i < m->naddrs[f]; i++) {
		const struct xs_maddr *a = &m->addrs[f][i];
		int rank;

		if (a->ifindex != ifindex || !addr_usable(a))
			continue;
		if (f == F4) {
			if (a->flags & IFA_F_SECONDARY)
				continue;
			best = a;
			break;
		}
		rank = (a->scope == RT_SCOPE_UNIVERSE ? 2 : 0) + !(a->flags & IFA_F_DEPRECATED);
		if (rank > best_rank) {
			best = a;
			best_rank = rank;
		}
	}
	if (!best)
		return -EADDRNOTAVAIL;
	memcpy(out, best->addr, 16);
	return 0;
}

/* inet_select_addr(): a primary address of ifindex of wide enough scope,
 * the one in target's subnet if any; else one from another interface that
 * is not link-scoped. */
static const struct xs_maddr *select_src4(const struct xs_mirror *m, int ifindex,
					  const uint8_t *target, uint8_t scope)
{
	const struct xs_maddr *first = NULL;
	uint32_t i;

	for (i = 0; i < m->naddrs[F4]; i++) {
		const struct xs_maddr *a = &m->addrs[F4][i];

		if (a->ifindex != ifindex || (a->flags & IFA_F_SECONDARY) || a->scope > scope)
			continue;
		if (target && prefix_eq(a->addr, target, 96 + a->prefixlen))
			return a;
		if (!first)
			first = a;
	}
	if (first)
		return first;
	for (i = 0; i < m->naddrs[F4]; i++) {
		const struct xs_maddr *a = &m->addrs[F4][i];

		if (!(a->flags & IFA_F_SECONDARY) && a->scope != RT_SCOPE_LINK && a->scope <= scope)
			return a;
	}
	return NULL;
}

/* RFC 4291 scope of an IPv6 address, in RFC 6724's numbering. */
static int scope6(const uint8_t a[16])
{
	static const uint8_t loopback[16] = { [15] = 1 };

	if (a[0] == 0xff)
		return a[1] & 0x0f;
	if (a[0] == 0xfe && (a[1] & 0xc0) == 0x80)
		return 2;
	if (memcmp(a, loopback, 16) == 0)
		return 2;
	return 14;
}

/* True if candidate a is a better source for dst than b (RFC 6724 s. 5). */
static bool src6_better(const struct xs_maddr *a, const struct xs_maddr *b,
			const uint8_t dst[16], int oif)
{
	int sa = scope6(a->addr), sb = scope6(b->addr), sd = scope6(dst);
	bool da = a->flags & IFA_F_DEPRECATED, db = b->flags & IFA_F_DEPRECATED;

	if (memcmp(a->addr, dst, 16) == 0)
		return true;
	if (memcmp(b->addr, dst, 16) == 0)
		return false;
	if (sa != sb)
		return sa < sb ? sa >= sd : sb < sd;
	if (da != db)
		return db;
	if ((a->ifindex == oif) != (b->ifindex == oif))
		return a->ifindex == oif;
	return common_prefix(a->addr, dst) > common_prefix(b->addr, dst);
}

static const struct xs_maddr *select_src6(const struct xs_mirror *m, int oif,
					  const uint8_t dst[16])
{
	const struct xs_maddr *best = NULL;
	uint32_t i;

	for (i = 0; i < m->naddrs[F6]; i++) {
		const struct xs_maddr *a = &m->addrs[F6][i];

		if (!addr_usable(a))
			continue;
		/* A link-local source only means something on its own link. */
		if (scope6(a->addr) <= 2 && a->ifindex != oif)
			continue;
		if (!best || src6_better(a, best, dst, oif))
			best = a;
	}
	return best;
}

static const struct xs_mlink *loopback_link(const struct xs_mirror *m)
{
	uint32_t i;

	for (i = 0; i < m->nlinks; i++)
		if (m->links[i].flags & IFF_LOOPBACK)
			return &m->links[i];
	return NULL;
}

static int route_error(int type)
{
	switch (type) {
	case RTN_UNREACHABLE:
		return -EHOSTUNREACH;
	case RTN_PROHIBIT:
		return -EACCES;
	case RTN_BLACKHOLE:
		return -EINVAL;
	default:
		/* NAT, XRESOLVE and other types the kernel refuses for output. */
		return -EINVAL;
	}
}

static bool route_is_error(int type)
{
	return type == RTN_UNREACHABLE || type == RTN_PROHIBIT || type == RTN_BLACKHOLE ||
	       type == RTN_THROW;
}

static const struct xs_mroute *route_match(const struct xs_mirror *m, int f,
					   const uint8_t dst[16], int oif)
{
	static const uint32_t tables[] = { RT_TABLE_LOCAL, RT_TABLE_MAIN, RT_TABLE_DEFAULT };
	unsigned int t;
	uint32_t i;

	for (t = 0; t < sizeof(tables) / sizeof(tables[0]); t++) {
		for (i = 0; i < m->nroutes[f]; i++) {
			const struct xs_mroute *r = &m->routes[f][i];

			if (r->table != tables[t] || r->unusable ||
			    !prefix_eq(r->dst, dst, bit_offset(f) + r->dst_len))
				continue;
			/* Error routes have no interface to disagree with. */
			if (oif && r->oif != oif && !route_is_error(r->type))
				continue;
			if (r->type == RTN_THROW)
				break;
			return r;
		}
	}
	return NULL;
}

int xs_mirror__route(const struct xs_mirror *m, int family, const uint8_t dst[16], int oif,
		     struct xs_route *out)
{
	const struct xs_mroute *r;
	const struct xs_mlink *l = NULL;
	const struct xs_maddr *src = NULL;
	int f = key_index(family, dst);

	if (f < 0)
		return f;
	if (oif) {
		l = link_find(m, oif);
		if (!l)
			return -ENODEV;
		if (!(l->flags & IFF_UP))
			return -ENETUNREACH;
	}
	memset(out, 0, sizeof(*out));
	r = route_match(m, f, dst, oif);
	if (!r) {
		if (f == F6 || !oif)
			return -ENETUNREACH;
		/* ip_route_output_key_hash_rcu(): with an output interface
		 * and no route, "assume that the destination is on link". */
		out->ifindex = oif;
		out->type = RTN_UNICAST;
		memcpy(out->nexthop, dst, 16);
		out->mtu = l->mtu;
		src = select_src4(m, oif, NULL, RT_SCOPE_LINK);
		goto src;
	}
	if (route_is_error(r->type) || (r->type != RTN_UNICAST && r->type != RTN_LOCAL &&
					r->type != RTN_BROADCAST && r->type != RTN_MULTICAST &&
					r->type != RTN_ANYCAST))
		return route_error(r->type);

	out->type = r->type;
	out->table = r->table;
	out->prefix_len = r->dst_len;
	out->ifindex = r->oif;
	memcpy(out->nexthop, r->has_gw ? r->gw : dst, 16);
	if (r->type == RTN_LOCAL) {
		/* Local delivery goes through loopback, from dst itself. */
		l = loopback_link(m);
		if (l)
			out->ifindex = l->ifindex;
		memcpy(out->src, r->has_prefsrc ? r->prefsrc : dst, 16);
		out->has_src = true;
	} else if (r->has_prefsrc) {
		memcpy(out->src, r->prefsrc, 16);
		out->has_src = true;
	} else if (f == F4) {
		src = select_src4(m, r->oif, out->nexthop, r->scope);
	} else {
		src = select_src6(m, r->oif, dst);
	}
	l = link_find(m, out->ifindex);
	out->mtu = r->mtu ? r->mtu : l ? l->mtu : 0;
src:
	if (src) {
		memcpy(out->src, src->addr, 16);
		out->has_src = true;
	}
	return 0;
}

int xs_mirror__neigh(const struct xs_mirror *m, int ifindex, int family, const uint8_t addr[16],
		     uint8_t mac[6])
{
	const struct xs_mneigh *n;
	int32_t idx;
	int f = key_index(family, addr);

	if (f < 0)
		return f;
	idx = *neigh_slot(m, ifindex, family, addr);
	if (idx < 0)
		return -ENOENT;
	n = &m->neighs[idx];
	if (n->state & (NUD_REACHABLE | NUD_STALE | NUD_DELAY | NUD_PROBE | NUD_PERMANENT |
			NUD_NOARP)) {
		if (mac)
			memcpy(mac, n->mac, 6);
		return 0;
	}
	if (n->state & NUD_FAILED)
		return -EHOSTUNREACH;
	return -EAGAIN;
}

int xs_mirror__resolve(struct xs_mirror *m, int ifindex, int family, const uint8_t addr[16])
{
	struct {
		struct nlmsghdr nlh;
		struct ndmsg ndm;
		uint8_t attrs[RTA_SPACE(16)];
	} req;
	struct rtattr *rta;
	int f = key_index(family, addr), err;
	size_t alen;

	if (f < 0)
		return f;
	if (m->req.fd < 0)
		return -EBADF;
	alen = f == F4 ? 4 : 16;
	memset(&req, 0, sizeof(req));
	req.nlh.nlmsg_type = RTM_NEWNEIGH;
	/* CREATE: a neighbour never heard of gets an entry to resolve;
	 * without REPLACE an existing entry is not overridden, only used. */
	req.nlh.nlmsg_flags = NLM_F_CREATE;
	req.ndm.ndm_family = (uint8_t)family;
	req.ndm.ndm_ifindex = ifindex;
	req.ndm.ndm_state = NUD_NONE;
	/* neigh_add() runs neigh_event_send() for NTF_USE instead of
	 * updating the entry: the same step the kernel's own output path
	 * takes, so it sends the ARP request or neighbour solicitation. */
	req.ndm.ndm_flags = NTF_USE;
	rta = (struct rtattr *)req.attrs;
	rta->rta_type = NDA_DST;
	rta->rta_len = RTA_LENGTH(alen);
	memcpy(RTA_DATA(rta), f == F4 ? addr + 12 : addr, alen);
	req.nlh.nlmsg_len = NLMSG_LENGTH(sizeof(req.ndm)) + RTA_SPACE(alen);
	err = xs_nl__request(&m->req, &req.nlh, m->reqbuf, sizeof(m->reqbuf), NULL, NULL);
	if (err)
		return err;

	/* The kernel announces FAILED and REACHABLE but not the move to
	 * INCOMPLETE, so read the entry back: from now on the mirror knows
	 * it is pending (-EAGAIN) rather than unknown. */
	req.nlh.nlmsg_type = RTM_GETNEIGH;
	req.nlh.nlmsg_flags = 0;
	req.ndm.ndm_flags = 0;
	(void)xs_nl__request(&m->req, &req.nlh, m->reqbuf, sizeof(m->reqbuf), dump_cb, m);
	return 0;
}
