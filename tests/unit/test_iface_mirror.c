// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * The kernel mirror (user/iface/mirror.c).
 *
 * mirror_parse: rtnetlink messages built byte by byte and fed to a detached
 * mirror through xs_mirror__apply(): tables, lookups, deletes, malformed
 * input.
 *
 * mirror_live (root): two unnamed namespaces joined by a veth, as in
 * test_dev_xdp.c: the worker unshares once for the peer (kept by an fd)
 * and once more for the mirror's side.  xm-a (198.18.0.1, 2001:db8::1,
 * 02:00:00:00:00:01) is ours, xm-b (198.18.0.2, 2001:db8::2,
 * 02:00:00:00:00:02) is the kernel peer that answers ARP and ND.  Changes
 * made with ip(8) must reach the mirror through its fd in bounded time;
 * route errors are compared with connect(2) on kernel UDP sockets;
 * resolution is checked on the wire with a packet socket in the peer
 * namespace.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <net/if.h>
#include <netinet/in.h>
#include <poll.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>
#include <linux/if_addr.h>
#include <linux/if_arp.h>
#include <linux/if_ether.h>
#include <linux/if_packet.h>
#include <linux/neighbour.h>
#include <linux/rtnetlink.h>

#include <criterion/criterion.h>
#include <criterion/logging.h>

#include "iface/mirror.h"
#include "lib/netns.h"

/* ---- crafting messages --------------------------------------------------- */

struct msg {
	union {
		struct nlmsghdr nlh;
		uint8_t bytes[2048];
	} u;
};

static struct nlmsghdr *msg_init(struct msg *b, int type, const void *hdr, size_t hlen)
{
	memset(b, 0, sizeof(*b));
	b->u.nlh.nlmsg_type = (uint16_t)type;
	b->u.nlh.nlmsg_len = NLMSG_LENGTH(hlen);
	memcpy(NLMSG_DATA(&b->u.nlh), hdr, hlen);
	b->u.nlh.nlmsg_len = NLMSG_ALIGN(b->u.nlh.nlmsg_len);
	return &b->u.nlh;
}

static struct rtattr *msg_attr(struct nlmsghdr *nlh, int type, const void *data, size_t len)
{
	struct rtattr *rta = (struct rtattr *)((uint8_t *)nlh + NLMSG_ALIGN(nlh->nlmsg_len));

	cr_assert_lt(NLMSG_ALIGN(nlh->nlmsg_len) + RTA_SPACE(len), sizeof(struct msg));
	rta->rta_type = (unsigned short)type;
	rta->rta_len = (unsigned short)RTA_LENGTH(len);
	if (len)
		memcpy(RTA_DATA(rta), data, len);
	nlh->nlmsg_len = NLMSG_ALIGN(nlh->nlmsg_len) + RTA_SPACE(len);
	return rta;
}

static void msg_u32(struct nlmsghdr *nlh, int type, uint32_t v)
{
	msg_attr(nlh, type, &v, sizeof(v));
}

/* 16-byte form of a textual address: v4-mapped for IPv4. */
static void A(const char *s, uint8_t out[16])
{
	memset(out, 0, 16);
	if (strchr(s, ':')) {
		cr_assert_eq(inet_pton(AF_INET6, s, out), 1, "%s", s);
	} else {
		out[10] = out[11] = 0xff;
		cr_assert_eq(inet_pton(AF_INET, s, out + 12), 1, "%s", s);
	}
}

static int fam(const char *s)
{
	return strchr(s, ':') ? AF_INET6 : AF_INET;
}

/* The wire form of an address attribute: 4 or 16 bytes. */
static void msg_addr(struct nlmsghdr *nlh, int type, const char *s)
{
	uint8_t a[16];

	A(s, a);
	if (fam(s) == AF_INET)
		msg_attr(nlh, type, a + 12, 4);
	else
		msg_attr(nlh, type, a, 16);
}

static const char *ntop(const uint8_t a[16], char *buf)
{
	static const uint8_t mapped[12] = { [10] = 0xff, [11] = 0xff };

	if (memcmp(a, mapped, 12) == 0)
		return inet_ntop(AF_INET, a + 12, buf, INET6_ADDRSTRLEN);
	return inet_ntop(AF_INET6, a, buf, INET6_ADDRSTRLEN);
}

static int link_msg(struct xs_mirror *m, int type, int ifindex, const char *name,
		    uint32_t mtu, const uint8_t *mac, unsigned int flags)
{
	struct ifinfomsg ifi = { .ifi_family = AF_UNSPEC, .ifi_type = ARPHRD_ETHER,
				 .ifi_index = ifindex, .ifi_flags = flags };
	struct msg b;
	struct nlmsghdr *nlh = msg_init(&b, type, &ifi, sizeof(ifi));

	if (name)
		msg_attr(nlh, IFLA_IFNAME, name, strlen(name) + 1);
	if (mtu)
		msg_u32(nlh, IFLA_MTU, mtu);
	if (mac)
		msg_attr(nlh, IFLA_ADDRESS, mac, 6);
	return xs_mirror__apply(m, nlh);
}

static int addr_msg(struct xs_mirror *m, int type, int ifindex, const char *addr, int plen,
		    uint32_t flags, int scope)
{
	struct ifaddrmsg ifa = { .ifa_family = (uint8_t)fam(addr), .ifa_prefixlen = (uint8_t)plen,
				 .ifa_scope = (uint8_t)scope, .ifa_index = (uint32_t)ifindex };
	struct msg b;
	struct nlmsghdr *nlh = msg_init(&b, type, &ifa, sizeof(ifa));

	msg_addr(nlh, IFA_ADDRESS, addr);
	if (fam(addr) == AF_INET)
		msg_addr(nlh, IFA_LOCAL, addr);
	msg_u32(nlh, IFA_FLAGS, flags);
	return xs_mirror__apply(m, nlh);
}

struct rt {
	int type;                   /* RTM_NEWROUTE or RTM_DELROUTE */
	const char *dst;            /* NULL: default route of family `family` */
	int family;
	int len;
	int rtn;                    /* RTN_*; 0 = RTN_UNICAST */
	uint32_t table;             /* 0 = main */
	uint32_t prio;
	int oif;
	const char *gw, *prefsrc;
	uint32_t mtu;
	int scope;
	int tos;
};

static int route_msg(struct xs_mirror *m, const struct rt *r)
{
	int family = r->dst ? fam(r->dst) : r->family;
	struct rtmsg rtm = {
		.rtm_family = (uint8_t)family, .rtm_dst_len = (uint8_t)r->len,
		.rtm_table = (uint8_t)(r->table ? r->table : RT_TABLE_MAIN),
		.rtm_type = (uint8_t)(r->rtn ? r->rtn : RTN_UNICAST),
		.rtm_scope = (uint8_t)r->scope, .rtm_tos = (uint8_t)r->tos,
		.rtm_protocol = RTPROT_STATIC,
	};
	struct msg b;
	struct nlmsghdr *nlh = msg_init(&b, r->type ? r->type : RTM_NEWROUTE, &rtm, sizeof(rtm));

	msg_u32(nlh, RTA_TABLE, rtm.rtm_table);
	if (r->dst)
		msg_addr(nlh, RTA_DST, r->dst);
	if (r->prio)
		msg_u32(nlh, RTA_PRIORITY, r->prio);
	if (r->oif)
		msg_u32(nlh, RTA_OIF, (uint32_t)r->oif);
	if (r->gw)
		msg_addr(nlh, RTA_GATEWAY, r->gw);
	if (r->prefsrc)
		msg_addr(nlh, RTA_PREFSRC, r->prefsrc);
	if (r->mtu) {
		struct rtattr *mx = msg_attr(nlh, RTA_METRICS, NULL, 0);
		struct rtattr *mtu = RTA_DATA(mx);

		mtu->rta_type = RTAX_MTU;
		mtu->rta_len = RTA_LENGTH(4);
		memcpy(RTA_DATA(mtu), &r->mtu, 4);
		mx->rta_len = RTA_LENGTH(RTA_SPACE(4));
		nlh->nlmsg_len += RTA_SPACE(4);
	}
	return xs_mirror__apply(m, nlh);
}

static int neigh_msg(struct xs_mirror *m, int type, int ifindex, const char *addr,
		     uint16_t state, const uint8_t *mac)
{
	struct ndmsg ndm = { .ndm_family = (uint8_t)fam(addr), .ndm_ifindex = ifindex,
			     .ndm_state = state };
	struct msg b;
	struct nlmsghdr *nlh = msg_init(&b, type, &ndm, sizeof(ndm));

	msg_addr(nlh, NDA_DST, addr);
	if (mac)
		msg_attr(nlh, NDA_LLADDR, mac, 6);
	return xs_mirror__apply(m, nlh);
}

/* ---- the detached mirror ------------------------------------------------- */

static const uint8_t MAC1[6] = { 2, 0, 0, 0, 0, 1 };
static const uint8_t MAC2[6] = { 2, 0, 0, 0, 0, 2 };

static struct xs_mirror *pm;

static void parse_setup(void)
{
	pm = xs_mirror__new_detached();
	cr_assert(pm);
	cr_assert_eq(link_msg(pm, RTM_NEWLINK, 1, "lo", 65536, NULL,
			      IFF_UP | IFF_LOOPBACK | IFF_LOWER_UP), 1);
	cr_assert_eq(link_msg(pm, RTM_NEWLINK, 2, "eth0", 1500, MAC1, IFF_UP | IFF_LOWER_UP), 1);
	cr_assert_eq(link_msg(pm, RTM_NEWLINK, 3, "eth1", 9000, MAC2, IFF_UP | IFF_LOWER_UP), 1);
}

static void parse_teardown(void)
{
	xs_mirror__close(pm);
	pm = NULL;
}

TestSuite(mirror_parse, .init = parse_setup, .fini = parse_teardown);

/* route lookup in one line: returns the error, fills *r */
static int R(const char *dst, int oif, struct xs_route *r)
{
	uint8_t a[16];

	A(dst, a);
	return xs_mirror__route(pm, fam(dst), a, oif, r);
}

static void assert_addr(const uint8_t got[16], const char *want)
{
	uint8_t a[16];
	char buf[INET6_ADDRSTRLEN];

	A(want, a);
	cr_assert(memcmp(got, a, 16) == 0, "got %s, want %s", ntop(got, buf), want);
}

Test(mirror_parse, links)
{
	struct xs_link_info li;
	uint64_t gen;

	cr_assert_eq(xs_mirror__link(pm, 2, &li), 0);
	cr_assert_str_eq(li.name, "eth0");
	cr_assert_eq(li.mtu, 1500);
	cr_assert_arr_eq(li.mac, MAC1, 6);
	cr_assert(li.up && li.carrier && !li.loopback);
	cr_assert_eq(xs_mirror__link_by_name(pm, "lo", &li), 0);
	cr_assert(li.loopback);
	cr_assert_eq(li.ifindex, 1);
	cr_assert_eq(xs_mirror__link(pm, 9, &li), -ENODEV);
	cr_assert_eq(xs_mirror__link_by_name(pm, "eth9", &li), -ENODEV);

	/* An update without a name keeps it; MTU and state change. */
	gen = xs_mirror__generation(pm);
	cr_assert_eq(link_msg(pm, RTM_NEWLINK, 2, NULL, 1400, NULL, 0), 1);
	cr_assert_gt(xs_mirror__generation(pm), gen);
	cr_assert_eq(xs_mirror__link(pm, 2, &li), 0);
	cr_assert_str_eq(li.name, "eth0");
	cr_assert_eq(li.mtu, 1400);
	cr_assert(!li.up);
	cr_assert_arr_eq(li.mac, MAC1, 6);
	/* Rename. */
	cr_assert_eq(link_msg(pm, RTM_NEWLINK, 2, "wan", 0, NULL, IFF_UP), 1);
	cr_assert_eq(xs_mirror__link_by_name(pm, "eth0", &li), -ENODEV);
	cr_assert_eq(xs_mirror__link_by_name(pm, "wan", &li), 0);
	cr_assert_eq(li.ifindex, 2);
}

Test(mirror_parse, bridge_port_delete_is_not_a_link_delete)
{
	struct ifinfomsg ifi = { .ifi_family = AF_BRIDGE, .ifi_index = 2 };
	struct xs_link_info li;
	struct msg b;

	cr_assert_eq(xs_mirror__apply(pm, msg_init(&b, RTM_DELLINK, &ifi, sizeof(ifi))), 0);
	cr_assert_eq(xs_mirror__link(pm, 2, &li), 0);
}

Test(mirror_parse, dellink_purges_everything_on_it)
{
	uint8_t a[16];
	struct xs_route r;

	cr_assert_eq(addr_msg(pm, RTM_NEWADDR, 2, "198.18.0.1", 24, 0, RT_SCOPE_UNIVERSE), 1);
	cr_assert_eq(route_msg(pm, &(struct rt){ .dst = "198.18.0.0", .len = 24, .oif = 2,
						  .scope = RT_SCOPE_LINK }), 1);
	cr_assert_eq(neigh_msg(pm, RTM_NEWNEIGH, 2, "198.18.0.2", NUD_REACHABLE, MAC2), 1);
	cr_assert_eq(R("198.18.0.2", 0, &r), 0);
	cr_assert_eq(link_msg(pm, RTM_DELLINK, 2, "eth0", 0, NULL, 0), 1);
	cr_assert_eq(R("198.18.0.2", 0, &r), -ENETUNREACH);
	A("198.18.0.1", a);
	cr_assert_eq(xs_mirror__addr_owner(pm, AF_INET, a), -EADDRNOTAVAIL);
	A("198.18.0.2", a);
	cr_assert_eq(xs_mirror__neigh(pm, 2, AF_INET, a, NULL), -ENOENT);
}

Test(mirror_parse, addresses)
{
	uint8_t a[16];

	cr_assert_eq(addr_msg(pm, RTM_NEWADDR, 2, "198.18.0.1", 24, 0, RT_SCOPE_UNIVERSE), 1);
	cr_assert_eq(addr_msg(pm, RTM_NEWADDR, 2, "198.18.0.9", 24, IFA_F_SECONDARY,
			      RT_SCOPE_UNIVERSE), 1);
	cr_assert_eq(addr_msg(pm, RTM_NEWADDR, 3, "198.19.0.1", 16, 0, RT_SCOPE_UNIVERSE), 1);
	cr_assert_eq(addr_msg(pm, RTM_NEWADDR, 2, "fe80::1", 64, IFA_F_PERMANENT, RT_SCOPE_LINK), 1);
	cr_assert_eq(addr_msg(pm, RTM_NEWADDR, 2, "2001:db8::1", 64, IFA_F_TENTATIVE,
			      RT_SCOPE_UNIVERSE), 1);

	A("198.18.0.9", a);
	cr_assert_eq(xs_mirror__addr_owner(pm, AF_INET, a), 2);
	A("198.19.0.1", a);
	cr_assert_eq(xs_mirror__addr_owner(pm, AF_INET, a), 3);
	A("198.19.0.2", a);
	cr_assert_eq(xs_mirror__addr_owner(pm, AF_INET, a), -EADDRNOTAVAIL);
	/* The same bytes asked as the other family. */
	A("198.19.0.1", a);
	cr_assert_eq(xs_mirror__addr_owner(pm, AF_INET6, a), -EADDRNOTAVAIL);
	A("2001:db8::1", a);
	cr_assert_eq(xs_mirror__addr_owner(pm, AF_INET, a), -EAFNOSUPPORT);
	/* Tentative: not ours until DAD says so. */
	cr_assert_eq(xs_mirror__addr_owner(pm, AF_INET6, a), -EADDRNOTAVAIL);
	cr_assert_eq(xs_mirror__addr_first(pm, 2, AF_INET6, a), 0);
	assert_addr(a, "fe80::1");
	cr_assert_eq(addr_msg(pm, RTM_NEWADDR, 2, "2001:db8::1", 64, 0, RT_SCOPE_UNIVERSE), 1);
	A("2001:db8::1", a);
	cr_assert_eq(xs_mirror__addr_owner(pm, AF_INET6, a), 2);
	cr_assert_eq(xs_mirror__addr_first(pm, 2, AF_INET6, a), 0);
	assert_addr(a, "2001:db8::1");

	cr_assert_eq(xs_mirror__addr_first(pm, 2, AF_INET, a), 0);
	assert_addr(a, "198.18.0.1");
	/* Primary deleted, secondary promoted (the kernel sends both). */
	cr_assert_eq(addr_msg(pm, RTM_DELADDR, 2, "198.18.0.1", 24, 0, RT_SCOPE_UNIVERSE), 1);
	cr_assert_eq(xs_mirror__addr_first(pm, 2, AF_INET, a), -EADDRNOTAVAIL);
	cr_assert_eq(addr_msg(pm, RTM_NEWADDR, 2, "198.18.0.9", 24, 0, RT_SCOPE_UNIVERSE), 1);
	cr_assert_eq(xs_mirror__addr_first(pm, 2, AF_INET, a), 0);
	assert_addr(a, "198.18.0.9");
	A("198.18.0.1", a);
	cr_assert_eq(xs_mirror__addr_owner(pm, AF_INET, a), -EADDRNOTAVAIL);
	/* Deleting what is not there changes nothing. */
	cr_assert_eq(addr_msg(pm, RTM_DELADDR, 2, "198.18.0.1", 24, 0, RT_SCOPE_UNIVERSE), 0);
	cr_assert_eq(xs_mirror__addr_first(pm, 5, AF_INET, a), -EADDRNOTAVAIL);
}

static void routes4_fixture(void)
{
	cr_assert_eq(addr_msg(pm, RTM_NEWADDR, 2, "198.18.0.1", 24, 0, RT_SCOPE_UNIVERSE), 1);
	cr_assert_eq(addr_msg(pm, RTM_NEWADDR, 2, "198.18.9.1", 24, 0, RT_SCOPE_UNIVERSE), 1);
	cr_assert_eq(addr_msg(pm, RTM_NEWADDR, 3, "198.19.0.1", 24, 0, RT_SCOPE_UNIVERSE), 1);
	cr_assert_eq(route_msg(pm, &(struct rt){ .family = AF_INET, .len = 0, .oif = 2,
						  .gw = "198.18.0.254", .prio = 100 }), 1);
	cr_assert_eq(route_msg(pm, &(struct rt){ .dst = "198.18.0.0", .len = 24, .oif = 2,
						  .scope = RT_SCOPE_LINK, .prefsrc = "198.18.0.1" }), 1);
	cr_assert_eq(route_msg(pm, &(struct rt){ .dst = "198.18.9.0", .len = 24, .oif = 2,
						  .scope = RT_SCOPE_LINK }), 1);
	cr_assert_eq(route_msg(pm, &(struct rt){ .dst = "198.19.0.0", .len = 16, .oif = 3,
						  .gw = "198.18.9.7", .mtu = 1280 }), 1);
	cr_assert_eq(route_msg(pm, &(struct rt){ .dst = "198.19.5.0", .len = 24, .oif = 3,
						  .gw = "198.19.0.5", .prio = 20 }), 1);
	cr_assert_eq(route_msg(pm, &(struct rt){ .dst = "198.19.5.0", .len = 24, .oif = 2,
						  .gw = "198.18.0.5", .prio = 10 }), 1);
	cr_assert_eq(route_msg(pm, &(struct rt){ .dst = "198.18.0.1", .len = 32, .oif = 2,
						  .rtn = RTN_LOCAL, .table = RT_TABLE_LOCAL,
						  .scope = RT_SCOPE_HOST, .prefsrc = "198.18.0.1" }), 1);
}

Test(mirror_parse, route4_longest_prefix_metric_oif)
{
	struct xs_route r;

	routes4_fixture();
	/* Default route: gateway, primary address on the subnet of it. */
	cr_assert_eq(R("203.0.113.1", 0, &r), 0);
	cr_assert_eq(r.ifindex, 2);
	cr_assert_eq(r.type, RTN_UNICAST);
	cr_assert_eq(r.prefix_len, 0);
	assert_addr(r.nexthop, "198.18.0.254");
	cr_assert(r.has_src);
	assert_addr(r.src, "198.18.0.1");
	cr_assert_eq(r.mtu, 1500, "the link's MTU");
	/* Connected, prefsrc. */
	cr_assert_eq(R("198.18.0.77", 0, &r), 0);
	assert_addr(r.nexthop, "198.18.0.77");
	assert_addr(r.src, "198.18.0.1");
	/* Connected without prefsrc: the primary in the same subnet. */
	cr_assert_eq(R("198.18.9.3", 0, &r), 0);
	assert_addr(r.src, "198.18.9.1");
	/* /16 with a route MTU, via a gateway reached over eth1. */
	cr_assert_eq(R("198.19.200.1", 0, &r), 0);
	cr_assert_eq(r.ifindex, 3);
	cr_assert_eq(r.mtu, 1280);
	assert_addr(r.nexthop, "198.18.9.7");
	assert_addr(r.src, "198.19.0.1");
	/* /24 beats /16; metric 10 beats 20; oif picks the other one. */
	cr_assert_eq(R("198.19.5.5", 0, &r), 0);
	cr_assert_eq(r.prefix_len, 24);
	cr_assert_eq(r.ifindex, 2);
	assert_addr(r.nexthop, "198.18.0.5");
	cr_assert_eq(R("198.19.5.5", 3, &r), 0);
	cr_assert_eq(r.ifindex, 3);
	assert_addr(r.nexthop, "198.19.0.5");
	/* Local table first: our own address is delivered locally. */
	cr_assert_eq(R("198.18.0.1", 0, &r), 0);
	cr_assert_eq(r.type, RTN_LOCAL);
	cr_assert_eq(r.ifindex, 1, "through loopback");
	assert_addr(r.src, "198.18.0.1");
	/* Unknown oif, oif down. */
	cr_assert_eq(R("198.19.5.5", 7, &r), -ENODEV);
	cr_assert_eq(link_msg(pm, RTM_NEWLINK, 3, NULL, 0, NULL, 0), 1);
	cr_assert_eq(R("198.19.5.5", 3, &r), -ENETUNREACH);
}

Test(mirror_parse, route4_deletes)
{
	struct xs_route r;

	routes4_fixture();
	cr_assert_eq(route_msg(pm, &(struct rt){ .type = RTM_DELROUTE, .dst = "198.19.5.0",
						  .len = 24, .prio = 10 }), 1);
	cr_assert_eq(R("198.19.5.5", 0, &r), 0);
	cr_assert_eq(r.ifindex, 3, "metric 20 is left");
	cr_assert_eq(route_msg(pm, &(struct rt){ .type = RTM_DELROUTE, .dst = "198.19.5.0",
						  .len = 24, .prio = 20 }), 1);
	cr_assert_eq(R("198.19.5.5", 0, &r), 0);
	cr_assert_eq(r.prefix_len, 16);
	cr_assert_eq(route_msg(pm, &(struct rt){ .type = RTM_DELROUTE, .family = AF_INET,
						  .len = 0, .prio = 100 }), 1);
	cr_assert_eq(R("203.0.113.1", 0, &r), -ENETUNREACH);
	/* Gone already. */
	cr_assert_eq(route_msg(pm, &(struct rt){ .type = RTM_DELROUTE, .family = AF_INET,
						  .len = 0, .prio = 100 }), 0);
	/* A route replaced in place keeps one entry. */
	cr_assert_eq(route_msg(pm, &(struct rt){ .dst = "198.19.0.0", .len = 16, .oif = 2,
						  .gw = "198.18.0.6" }), 1);
	cr_assert_eq(R("198.19.200.1", 0, &r), 0);
	assert_addr(r.nexthop, "198.18.0.6");
	cr_assert_eq(route_msg(pm, &(struct rt){ .type = RTM_DELROUTE, .dst = "198.19.0.0",
						  .len = 16 }), 1);
	cr_assert_eq(R("198.19.200.1", 0, &r), -ENETUNREACH);
}

Test(mirror_parse, route4_oif_without_route_is_on_link)
{
	struct xs_route r;

	cr_assert_eq(addr_msg(pm, RTM_NEWADDR, 3, "198.19.0.1", 24, 0, RT_SCOPE_UNIVERSE), 1);
	cr_assert_eq(R("203.0.113.9", 0, &r), -ENETUNREACH);
	cr_assert_eq(R("203.0.113.9", 3, &r), 0);
	cr_assert_eq(r.ifindex, 3);
	assert_addr(r.nexthop, "203.0.113.9");
	assert_addr(r.src, "198.19.0.1");
	cr_assert_eq(R("2001:db8:99::1", 3, &r), -ENETUNREACH, "IPv6 has no such fallback");
}

Test(mirror_parse, route_error_types_and_throw)
{
	struct xs_route r;

	cr_assert_eq(route_msg(pm, &(struct rt){ .family = AF_INET, .len = 0, .oif = 2,
						  .gw = "198.18.0.254" }), 1);
	cr_assert_eq(route_msg(pm, &(struct rt){ .dst = "198.18.10.0", .len = 24,
						  .rtn = RTN_UNREACHABLE }), 1);
	cr_assert_eq(route_msg(pm, &(struct rt){ .dst = "198.18.11.0", .len = 24,
						  .rtn = RTN_PROHIBIT }), 1);
	cr_assert_eq(route_msg(pm, &(struct rt){ .dst = "198.18.12.0", .len = 24,
						  .rtn = RTN_BLACKHOLE }), 1);
	cr_assert_eq(route_msg(pm, &(struct rt){ .dst = "198.18.13.0", .len = 24,
						  .rtn = RTN_THROW }), 1);
	cr_assert_eq(route_msg(pm, &(struct rt){ .dst = "198.18.14.0", .len = 24,
						  .rtn = RTN_THROW, .table = RT_TABLE_LOCAL }), 1);
	cr_assert_eq(R("198.18.10.1", 0, &r), -EHOSTUNREACH);
	cr_assert_eq(R("198.18.11.1", 0, &r), -EACCES);
	cr_assert_eq(R("198.18.12.1", 0, &r), -EINVAL);
	cr_assert_eq(R("198.18.12.1", 2, &r), -EINVAL, "error routes match any oif");
	cr_assert_eq(R("198.18.13.1", 0, &r), -ENETUNREACH, "throw in main: nothing after it");
	cr_assert_eq(R("198.18.14.1", 0, &r), 0, "throw in local: main decides");
	assert_addr(r.nexthop, "198.18.0.254");
	/* Tables other than local/main/default are not mirrored. */
	cr_assert_eq(route_msg(pm, &(struct rt){ .dst = "198.18.15.0", .len = 24, .oif = 3,
						  .table = 100 }), 0);
	cr_assert_eq(R("198.18.15.1", 0, &r), 0);
	cr_assert_eq(r.ifindex, 2);
	/* The default table comes after main. */
	cr_assert_eq(route_msg(pm, &(struct rt){ .dst = "198.18.16.0", .len = 24, .oif = 3,
						  .table = RT_TABLE_DEFAULT }), 1);
	cr_assert_eq(R("198.18.16.1", 0, &r), 0);
	cr_assert_eq(r.ifindex, 2, "main's default route wins over the default table");
	/* TOS routes are kept (for their deletes) but never matched. */
	cr_assert_eq(route_msg(pm, &(struct rt){ .dst = "198.18.17.0", .len = 24, .oif = 3,
						  .tos = 0x10 }), 1);
	cr_assert_eq(R("198.18.17.1", 0, &r), 0);
	cr_assert_eq(r.ifindex, 2);
}

Test(mirror_parse, route6_and_source_selection)
{
	struct xs_route r;

	cr_assert_eq(addr_msg(pm, RTM_NEWADDR, 2, "fe80::1", 64, IFA_F_PERMANENT, RT_SCOPE_LINK), 1);
	cr_assert_eq(addr_msg(pm, RTM_NEWADDR, 2, "2001:db8:1::1", 64, 0, RT_SCOPE_UNIVERSE), 1);
	cr_assert_eq(addr_msg(pm, RTM_NEWADDR, 2, "2001:db8:2::1", 64, 0, RT_SCOPE_UNIVERSE), 1);
	cr_assert_eq(addr_msg(pm, RTM_NEWADDR, 2, "2001:db8:3::1", 64, IFA_F_DEPRECATED,
			      RT_SCOPE_UNIVERSE), 1);
	cr_assert_eq(addr_msg(pm, RTM_NEWADDR, 3, "fe80::3", 64, IFA_F_PERMANENT, RT_SCOPE_LINK), 1);
	cr_assert_eq(route_msg(pm, &(struct rt){ .family = AF_INET6, .len = 0, .oif = 2,
						  .gw = "fe80::fe", .prio = 1024 }), 1);
	cr_assert_eq(route_msg(pm, &(struct rt){ .dst = "2001:db8:1::", .len = 64, .oif = 2,
						  .prio = 256 }), 1);
	cr_assert_eq(route_msg(pm, &(struct rt){ .dst = "2001:db8:2::", .len = 64, .oif = 2,
						  .prio = 256 }), 1);
	cr_assert_eq(route_msg(pm, &(struct rt){ .dst = "2001:db8:3::", .len = 64, .oif = 2,
						  .prio = 256 }), 1);
	cr_assert_eq(route_msg(pm, &(struct rt){ .dst = "fe80::", .len = 64, .oif = 2,
						  .prio = 256 }), 1);
	cr_assert_eq(route_msg(pm, &(struct rt){ .dst = "fe80::", .len = 64, .oif = 3,
						  .prio = 256 }), 1);
	cr_assert_eq(route_msg(pm, &(struct rt){ .dst = "2001:db8:40::", .len = 48, .oif = 3,
						  .gw = "fe80::99", .prio = 1024, .mtu = 1400,
						  .prefsrc = "2001:db8:2::1" }), 1);

	cr_assert_eq(R("2001:db8:2::9", 0, &r), 0);
	assert_addr(r.nexthop, "2001:db8:2::9");
	assert_addr(r.src, "2001:db8:2::1");
	cr_assert_eq(R("2001:db8:1::9", 0, &r), 0);
	assert_addr(r.src, "2001:db8:1::1");
	/* Deprecated is avoided even on its own prefix. */
	cr_assert_eq(R("2001:db8:3::9", 0, &r), 0);
	cr_assert(memcmp(r.src, (uint8_t[16]){ 0x20, 0x01, 0x0d, 0xb8, 0, 3 }, 6) != 0);
	/* Global destination via link-local gateway: global source. */
	cr_assert_eq(R("2001:db9::1", 0, &r), 0);
	assert_addr(r.nexthop, "fe80::fe");
	cr_assert_eq(r.ifindex, 2);
	assert_addr(r.src, "2001:db8:1::1");
	/* Link-local destination: the link-local source of that link. */
	cr_assert_eq(R("fe80::77", 3, &r), 0);
	cr_assert_eq(r.ifindex, 3);
	assert_addr(r.src, "fe80::3");
	cr_assert_eq(R("fe80::77", 2, &r), 0);
	assert_addr(r.src, "fe80::1");
	/* prefsrc and route MTU. */
	cr_assert_eq(R("2001:db8:40::5", 0, &r), 0);
	assert_addr(r.src, "2001:db8:2::1");
	cr_assert_eq(r.mtu, 1400);
	cr_assert_eq(r.ifindex, 3);
	/* No default: unreachable network. */
	cr_assert_eq(route_msg(pm, &(struct rt){ .type = RTM_DELROUTE, .family = AF_INET6,
						  .len = 0, .prio = 1024 }), 1);
	cr_assert_eq(R("2001:db9::1", 0, &r), -ENETUNREACH);
}

Test(mirror_parse, neighbours)
{
	static const struct { uint16_t state; int want; } cases[] = {
		{ NUD_REACHABLE, 0 }, { NUD_STALE, 0 }, { NUD_DELAY, 0 }, { NUD_PROBE, 0 },
		{ NUD_PERMANENT, 0 }, { NUD_NOARP, 0 }, { NUD_INCOMPLETE, -EAGAIN },
		{ NUD_NONE, -EAGAIN }, { NUD_FAILED, -EHOSTUNREACH },
	};
	uint8_t a[16], mac[6];
	size_t i;

	A("198.18.0.2", a);
	cr_assert_eq(xs_mirror__neigh(pm, 2, AF_INET, a, mac), -ENOENT);
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		bool valid = cases[i].want == 0;

		cr_assert_eq(neigh_msg(pm, RTM_NEWNEIGH, 2, "198.18.0.2", cases[i].state,
				       valid ? MAC2 : NULL), 1);
		memset(mac, 0xee, 6);
		cr_assert_eq(xs_mirror__neigh(pm, 2, AF_INET, a, mac), cases[i].want,
			     "state %#x", cases[i].state);
		if (valid)
			cr_assert_arr_eq(mac, MAC2, 6);
	}
	/* Same address, another link or family: different entries. */
	cr_assert_eq(xs_mirror__neigh(pm, 3, AF_INET, a, mac), -ENOENT);
	cr_assert_eq(neigh_msg(pm, RTM_NEWNEIGH, 2, "2001:db8::2", NUD_REACHABLE, MAC1), 1);
	A("2001:db8::2", a);
	cr_assert_eq(xs_mirror__neigh(pm, 2, AF_INET6, a, mac), 0);
	cr_assert_arr_eq(mac, MAC1, 6);
	cr_assert_eq(neigh_msg(pm, RTM_DELNEIGH, 2, "2001:db8::2", NUD_REACHABLE, MAC1), 1);
	cr_assert_eq(xs_mirror__neigh(pm, 2, AF_INET6, a, mac), -ENOENT);
	cr_assert_eq(neigh_msg(pm, RTM_DELNEIGH, 2, "2001:db8::2", NUD_REACHABLE, MAC1), 0);
}

Test(mirror_parse, neighbour_table_bound)
{
	struct xs_mirror_stats st;
	char s[32];
	uint8_t a[16];
	int i;

	for (i = 0; i < XS_MIRROR_MAX_NEIGHS; i++) {
		snprintf(s, sizeof(s), "198.18.%d.%d", i / 256, i % 256);
		cr_assert_eq(neigh_msg(pm, RTM_NEWNEIGH, 2, s, NUD_STALE, MAC2), 1, "%s", s);
	}
	cr_assert_eq(neigh_msg(pm, RTM_NEWNEIGH, 2, "198.19.0.1", NUD_STALE, MAC2), -ENOSPC);
	xs_mirror__stats(pm, &st);
	cr_assert_eq(st.table_full, 1);
	/* Every one of them is still found; a delete makes room. */
	for (i = 0; i < XS_MIRROR_MAX_NEIGHS; i++) {
		snprintf(s, sizeof(s), "198.18.%d.%d", i / 256, i % 256);
		A(s, a);
		cr_assert_eq(xs_mirror__neigh(pm, 2, AF_INET, a, NULL), 0, "%s", s);
	}
	cr_assert_eq(neigh_msg(pm, RTM_DELNEIGH, 2, "198.18.3.3", 0, NULL), 1);
	cr_assert_eq(neigh_msg(pm, RTM_NEWNEIGH, 2, "198.19.0.1", NUD_STALE, MAC2), 1);
}

Test(mirror_parse, route_table_bound)
{
	char s[32];
	int i;

	for (i = 0; i < XS_MIRROR_MAX_ROUTES; i++) {
		snprintf(s, sizeof(s), "198.18.%d.%d", i / 256, i % 256);
		cr_assert_eq(route_msg(pm, &(struct rt){ .dst = s, .len = 32, .oif = 2 }), 1);
	}
	cr_assert_eq(route_msg(pm, &(struct rt){ .dst = "198.19.0.0", .len = 16, .oif = 2 }),
		     -ENOSPC);
	/* The other family has its own table. */
	cr_assert_eq(route_msg(pm, &(struct rt){ .dst = "2001:db8::", .len = 32, .oif = 2 }), 1);
}

/* A valid RTM_NEWROUTE with one attribute damaged in a given way. */
static struct nlmsghdr *bad_route(struct msg *b, int how)
{
	struct rtmsg rtm = { .rtm_family = AF_INET, .rtm_dst_len = 24, .rtm_table = RT_TABLE_MAIN,
			     .rtm_type = RTN_UNICAST };
	struct nlmsghdr *nlh;
	struct rtattr *rta;
	uint8_t six[6] = { 198, 18, 1, 0, 0, 0 };

	if (how == 4)
		rtm.rtm_dst_len = 33;
	nlh = msg_init(b, RTM_NEWROUTE, &rtm, sizeof(rtm));
	msg_u32(nlh, RTA_OIF, 2);
	switch (how) {
	case 0:   /* address attribute of the wrong size */
		msg_attr(nlh, RTA_DST, six, 6);
		break;
	case 1:   /* attribute longer than the message */
		rta = msg_attr(nlh, RTA_DST, six, 4);
		rta->rta_len = 200;
		break;
	case 2:   /* attribute shorter than its own header */
		rta = msg_attr(nlh, RTA_DST, six, 4);
		rta->rta_len = 2;
		break;
	case 3:   /* u32 attribute of 2 bytes */
		msg_attr(nlh, RTA_PRIORITY, six, 2);
		break;
	case 4:   /* prefix longer than the family */
		msg_attr(nlh, RTA_DST, six, 4);
		break;
	case 5:   /* message shorter than its family header */
		nlh->nlmsg_len = NLMSG_LENGTH(sizeof(rtm) - 4);
		break;
	case 6:   /* a metrics nest whose inner attribute overruns it */
		rta = msg_attr(nlh, RTA_METRICS, six, 6);
		((struct rtattr *)RTA_DATA(rta))->rta_len = 40;
		break;
	case 7:   /* multipath nexthop longer than the attribute */
		rta = msg_attr(nlh, RTA_MULTIPATH, six, 6);
		((struct rtnexthop *)RTA_DATA(rta))->rtnh_len = 64;
		break;
	}
	return nlh;
}

Test(mirror_parse, malformed_messages_change_nothing)
{
	struct xs_mirror_stats st;
	struct xs_route r;
	struct msg b;
	uint64_t gen = xs_mirror__generation(pm);
	int how;

	for (how = 0; how <= 7; how++)
		cr_assert_eq(xs_mirror__apply(pm, bad_route(&b, how)), -EBADMSG, "case %d", how);
	cr_assert_eq(R("198.18.1.1", 0, &r), -ENETUNREACH);

	/* A link name without its terminating NUL, longer than IFNAMSIZ. */
	{
		struct ifinfomsg ifi = { .ifi_index = 4 };
		struct nlmsghdr *nlh = msg_init(&b, RTM_NEWLINK, &ifi, sizeof(ifi));

		msg_attr(nlh, IFLA_IFNAME, "abcdefghijklmnopqrstuvwxyz", 20);
		cr_assert_eq(xs_mirror__apply(pm, nlh), -EBADMSG);
		nlh = msg_init(&b, RTM_NEWLINK, &ifi, sizeof(ifi));
		msg_attr(nlh, IFLA_IFNAME, "abc", 3);
		cr_assert_eq(xs_mirror__apply(pm, nlh), -EBADMSG);
		/* A new link needs a name. */
		nlh = msg_init(&b, RTM_NEWLINK, &ifi, sizeof(ifi));
		cr_assert_eq(xs_mirror__apply(pm, nlh), -EBADMSG);
	}
	/* An address message without any address. */
	{
		struct ifaddrmsg ifa = { .ifa_family = AF_INET, .ifa_prefixlen = 24, .ifa_index = 2 };

		cr_assert_eq(xs_mirror__apply(pm, msg_init(&b, RTM_NEWADDR, &ifa, sizeof(ifa))),
			     -EBADMSG);
	}
	/* A neighbour with an IPv6-sized address in an IPv4 message. */
	{
		struct ndmsg ndm = { .ndm_family = AF_INET, .ndm_ifindex = 2,
				     .ndm_state = NUD_REACHABLE };
		struct nlmsghdr *nlh = msg_init(&b, RTM_NEWNEIGH, &ndm, sizeof(ndm));
		uint8_t a16[16] = { 0 };

		msg_attr(nlh, NDA_DST, a16, 16);
		cr_assert_eq(xs_mirror__apply(pm, nlh), -EBADMSG);
	}
	/* A header shorter than nlmsghdr. */
	b.u.nlh.nlmsg_len = 8;
	cr_assert_eq(xs_mirror__apply(pm, &b.u.nlh), -EBADMSG);

	cr_assert_eq(xs_mirror__generation(pm), gen, "nothing changed");
	xs_mirror__stats(pm, &st);
	cr_assert_eq(st.malformed, 14);
}

Test(mirror_parse, random_bytes_do_not_crash)
{
	static const int types[] = { RTM_NEWLINK, RTM_DELLINK, RTM_NEWADDR, RTM_DELADDR,
				     RTM_NEWROUTE, RTM_DELROUTE, RTM_NEWNEIGH, RTM_DELNEIGH };
	struct xs_route r;
	struct msg b;
	unsigned int seed = 12345;
	int i, j;

	for (i = 0; i < 20000; i++) {
		uint32_t len = NLMSG_HDRLEN + (uint32_t)(rand_r(&seed) % 200);

		for (j = 0; j < (int)sizeof(b.u.bytes); j++)
			b.u.bytes[j] = (uint8_t)rand_r(&seed);
		b.u.nlh.nlmsg_len = len;
		b.u.nlh.nlmsg_type = (uint16_t)types[i % 8];
		/* Families the parsers care about, so the walks run. */
		b.u.bytes[NLMSG_HDRLEN] = (i & 1) ? AF_INET : AF_INET6;
		if (types[i % 8] <= RTM_DELLINK)
			b.u.bytes[NLMSG_HDRLEN] = AF_UNSPEC;
		(void)xs_mirror__apply(pm, &b.u.nlh);
	}
	(void)R("198.18.0.1", 0, &r);
	(void)R("2001:db8::1", 0, &r);
}

Test(mirror_parse, detached_has_no_socket)
{
	uint8_t a[16];

	A("198.18.0.2", a);
	cr_assert_eq(xs_mirror__fd(pm), -1);
	cr_assert_eq(xs_mirror__process(pm), -EBADF);
	cr_assert_eq(xs_mirror__resolve(pm, 2, AF_INET, a), -EBADF);
}

/* ---- live --------------------------------------------------------------- */

#define SELF4 "198.18.0.1"
#define PEER4 "198.18.0.2"
#define SELF6 "2001:db8::1"
#define PEER6 "2001:db8::2"

static struct {
	int peer_ns, self_ns;
	int ifindex;                /* xm-a */
	struct xs_mirror *m;
} t = { .peer_ns = -1, .self_ns = -1 };

static void live_setup(void)
{
	int err;

	if (geteuid() != 0)
		cr_skip_test("needs root: network namespaces, veth, rtnetlink writes");
	if (unshare(CLONE_NEWNET) < 0)
		cr_skip_test("cannot make a network namespace: %s", strerror(errno));
	t.peer_ns = open("/proc/self/ns/net", O_RDONLY | O_CLOEXEC);
	cr_assert_geq(t.peer_ns, 0);
	cr_assert_eq(test_sh("ip link set lo up && "
			     "ip link add xm-b address 02:00:00:00:00:02 type veth "
			     "peer name xm-a address 02:00:00:00:00:01 && "
			     "ip addr add " PEER4 "/24 dev xm-b && "
			     "ip addr add " PEER6 "/64 dev xm-b nodad && ip link set xm-b up"), 0);
	err = test_netns_unshare();
	cr_assert_eq(err, 0, "second namespace: %s", strerror(-err));
	t.self_ns = open("/proc/self/ns/net", O_RDONLY | O_CLOEXEC);
	cr_assert_geq(t.self_ns, 0);
	cr_assert_eq(test_sh("nsenter --net=/proc/%d/fd/%d ip link set xm-a netns %d",
			     (int)getpid(), t.peer_ns, (int)getpid()), 0);
	/* No DAD for our link-local address: while it is tentative the
	 * kernel sends no neighbour solicitation at all (ndisc_send_ns()
	 * needs a source), and the first resolve would wait a second. */
	cr_assert_eq(test_sh("sysctl -qw net.ipv6.conf.xm-a.accept_dad=0"), 0);
	cr_assert_eq(test_sh("ip addr add " SELF4 "/24 dev xm-a && "
			     "ip addr add " SELF6 "/64 dev xm-a nodad && ip link set xm-a up"), 0);
	t.ifindex = (int)if_nametoindex("xm-a");
	cr_assert_gt(t.ifindex, 0);
	t.m = xs_mirror__open();
	cr_assert(t.m, "xs_mirror__open: %s", strerror(errno));
}

static void live_teardown(void)
{
	xs_mirror__close(t.m);
	t.m = NULL;
	if (t.peer_ns >= 0)
		close(t.peer_ns);
	if (t.self_ns >= 0)
		close(t.self_ns);
	t.peer_ns = t.self_ns = -1;
	t.ifindex = 0;
}

TestSuite(mirror_live, .init = live_setup, .fini = live_teardown, .timeout = 60);

static uint64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

/* Processes notifications until cond holds, sleeping in poll(2) on the
 * mirror's fd; fails the test after ms milliseconds. */
#define WAIT_UNTIL(ms, cond, ...)                                                    \
	do {                                                                         \
		uint64_t until_ = now_ms() + (ms);                                   \
		for (;;) {                                                           \
			struct pollfd pfd_ = { .fd = xs_mirror__fd(t.m), .events = POLLIN }; \
			int rc_ = xs_mirror__process(t.m);                          \
			cr_assert_geq(rc_, 0, "process: %s", strerror(-rc_));        \
			if (cond)                                                    \
				break;                                               \
			cr_assert_lt(now_ms(), until_, __VA_ARGS__);                 \
			(void)poll(&pfd_, 1, 50);                                    \
		}                                                                    \
	} while (0)

static int LR(const char *dst, int oif, struct xs_route *r)
{
	uint8_t a[16];

	A(dst, a);
	return xs_mirror__route(t.m, fam(dst), a, oif, r);
}

static int owner(const char *s)
{
	uint8_t a[16];

	A(s, a);
	return xs_mirror__addr_owner(t.m, fam(s), a);
}

Test(mirror_live, dump_sees_links_addresses_routes)
{
	struct xs_link_info li;
	struct xs_route r;

	cr_assert_eq(xs_mirror__link_by_name(t.m, "xm-a", &li), 0);
	cr_assert_eq(li.ifindex, t.ifindex);
	cr_assert_arr_eq(li.mac, MAC1, 6);
	cr_assert_eq(li.mtu, 1500);
	cr_assert(li.up);
	cr_assert_eq(li.type, ARPHRD_ETHER);
	cr_assert_eq(xs_mirror__link_by_name(t.m, "lo", &li), 0);
	cr_assert(li.loopback && li.up);
	cr_assert_eq(xs_mirror__link_by_name(t.m, "xm-b", &li), -ENODEV, "in the other namespace");

	cr_assert_eq(owner(SELF4), t.ifindex);
	cr_assert_eq(owner(SELF6), t.ifindex);
	cr_assert_eq(owner(PEER4), -EADDRNOTAVAIL);

	cr_assert_eq(LR(PEER4, 0, &r), 0);
	cr_assert_eq(r.ifindex, t.ifindex);
	cr_assert_eq(r.type, RTN_UNICAST);
	assert_addr(r.nexthop, PEER4);
	assert_addr(r.src, SELF4);
	cr_assert_eq(r.mtu, 1500);
	cr_assert_eq(LR(PEER6, 0, &r), 0);
	cr_assert_eq(r.ifindex, t.ifindex);
	assert_addr(r.src, SELF6);
	cr_assert_eq(LR(SELF4, 0, &r), 0);
	cr_assert_eq(r.type, RTN_LOCAL);
	cr_assert_eq(r.ifindex, (int)if_nametoindex("lo"));
	cr_assert_eq(LR(SELF6, 0, &r), 0);
	cr_assert_eq(r.type, RTN_LOCAL);
	cr_assert_eq(LR("127.0.0.5", 0, &r), 0);
	cr_assert_eq(r.type, RTN_LOCAL);
	cr_assert_eq(LR("198.19.0.1", 0, &r), -ENETUNREACH);
}

Test(mirror_live, changes_arrive_through_the_fd)
{
	struct xs_link_info li;
	struct xs_route r;
	uint64_t gen = xs_mirror__generation(t.m);

	cr_assert_eq(test_sh("ip addr add 198.18.1.1/24 dev xm-a"), 0);
	WAIT_UNTIL(2000, owner("198.18.1.1") == t.ifindex, "new address not seen");
	cr_assert_gt(xs_mirror__generation(t.m), gen);
	cr_assert_eq(test_sh("ip -6 addr add 2001:db8:1::1/64 dev xm-a nodad"), 0);
	WAIT_UNTIL(2000, owner("2001:db8:1::1") == t.ifindex, "new IPv6 address not seen");

	cr_assert_eq(test_sh("ip route add 198.18.50.0/24 via " PEER4 " mtu 1300"), 0);
	WAIT_UNTIL(2000, LR("198.18.50.9", 0, &r) == 0, "new route not seen");
	assert_addr(r.nexthop, PEER4);
	cr_assert_eq(r.mtu, 1300);
	assert_addr(r.src, SELF4);
	cr_assert_eq(test_sh("ip -6 route add 2001:db8:50::/48 via " PEER6), 0);
	WAIT_UNTIL(2000, LR("2001:db8:50::9", 0, &r) == 0, "new IPv6 route not seen");
	assert_addr(r.nexthop, PEER6);

	cr_assert_eq(test_sh("ip link set xm-a mtu 1400"), 0);
	WAIT_UNTIL(2000, xs_mirror__link(t.m, t.ifindex, &li) == 0 && li.mtu == 1400,
		   "MTU change not seen");
	cr_assert_eq(LR(PEER4, 0, &r), 0);
	cr_assert_eq(r.mtu, 1400);

	cr_assert_eq(test_sh("ip route del 198.18.50.0/24"), 0);
	WAIT_UNTIL(2000, LR("198.18.50.9", 0, &r) == -ENETUNREACH, "route delete not seen");
	cr_assert_eq(test_sh("ip addr del 198.18.1.1/24 dev xm-a"), 0);
	WAIT_UNTIL(2000, owner("198.18.1.1") == -EADDRNOTAVAIL, "address delete not seen");

	/* Down: the kernel flushes the IPv4 routes without a word (the
	 * mirror re-dumps them) and deletes the IPv6 ones. */
	cr_assert_eq(test_sh("ip route add 198.18.60.0/24 via " PEER4), 0);
	WAIT_UNTIL(2000, LR("198.18.60.1", 0, &r) == 0, "route not seen");
	cr_assert_eq(test_sh("ip link set xm-a down"), 0);
	WAIT_UNTIL(2000, xs_mirror__link(t.m, t.ifindex, &li) == 0 && !li.up,
		   "link down not seen");
	WAIT_UNTIL(2000, LR("198.18.60.1", 0, &r) == -ENETUNREACH &&
		   LR(PEER4, 0, &r) == -ENETUNREACH && LR(PEER6, 0, &r) == -ENETUNREACH,
		   "routes through a down link still there");
	cr_assert_eq(LR(PEER4, t.ifindex, &r), -ENETUNREACH, "oif down");
	cr_assert_eq(test_sh("ip link set xm-a up"), 0);
	WAIT_UNTIL(2000, LR(PEER4, 0, &r) == 0, "connected route back after up");
	cr_assert_eq(r.ifindex, t.ifindex);
}

Test(mirror_live, overrun_redumps)
{
	struct xs_mirror_stats st;
	struct xs_route r;
	int zero = 0, i;
	FILE *f;
	char path[] = "/tmp/xsmir-batch-XXXXXX";
	int fd = mkstemp(path);

	cr_assert_geq(fd, 0);
	f = fdopen(fd, "w");
	cr_assert(f);
	for (i = 0; i < 300; i++)
		fprintf(f, "route add 198.19.%d.%d/32 via " PEER4 "\n", i / 256, i % 256);
	fclose(f);
	/* Smallest queue the kernel allows: 300 notifications overrun it. */
	cr_assert_eq(setsockopt(xs_mirror__fd(t.m), SOL_SOCKET, SO_RCVBUF, &zero, sizeof(zero)), 0);
	cr_assert_eq(test_sh("ip -batch %s", path), 0);
	unlink(path);
	WAIT_UNTIL(3000, LR("198.19.0.0", 0, &r) == 0 && LR("198.19.0.150", 0, &r) == 0 &&
		   LR("198.19.1.43", 0, &r) == 0 && LR("198.19.1.44", 0, &r) == -ENETUNREACH,
		   "routes missing after the overrun");
	xs_mirror__stats(t.m, &st);
	cr_assert_geq(st.overruns, 1, "the queue did not overrun: the test proves nothing");
	cr_assert_geq(st.redumps, 1);
}

/* connect(2) on a kernel UDP socket: 0 or -errno. */
static int kernel_connect(const char *dst)
{
	struct sockaddr_storage ss = { 0 };
	socklen_t len;
	int fd, err = 0;

	if (fam(dst) == AF_INET) {
		struct sockaddr_in *sin = (struct sockaddr_in *)&ss;

		sin->sin_family = AF_INET;
		sin->sin_port = htons(9);
		inet_pton(AF_INET, dst, &sin->sin_addr);
		len = sizeof(*sin);
	} else {
		struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)&ss;

		sin6->sin6_family = AF_INET6;
		sin6->sin6_port = htons(9);
		inet_pton(AF_INET6, dst, &sin6->sin6_addr);
		len = sizeof(*sin6);
	}
	fd = socket(fam(dst), SOCK_DGRAM | SOCK_CLOEXEC, 0);
	cr_assert_geq(fd, 0);
	if (connect(fd, (struct sockaddr *)&ss, len) < 0)
		err = -errno;
	close(fd);
	return err;
}

Test(mirror_live, route_errors_match_connect)
{
	static const char *const dsts[] = {
		"198.18.10.1", "198.18.11.1", "198.18.12.1", "203.0.113.1", PEER4, "198.18.13.1",
		"2001:db8:10::1", "2001:db8:11::1", "2001:db8:12::1", "2001:db9::1", PEER6,
	};
	struct xs_route r;
	size_t i;

	cr_assert_eq(test_sh("ip route add unreachable 198.18.10.0/24 && "
			     "ip route add prohibit 198.18.11.0/24 && "
			     "ip route add blackhole 198.18.12.0/24 && "
			     "ip route add throw 198.18.13.0/24 && "
			     "ip -6 route add unreachable 2001:db8:10::/48 && "
			     "ip -6 route add prohibit 2001:db8:11::/48 && "
			     "ip -6 route add blackhole 2001:db8:12::/48"), 0);
	WAIT_UNTIL(2000, LR("2001:db8:12::1", 0, &r) == -EINVAL, "routes not seen");
	for (i = 0; i < sizeof(dsts) / sizeof(dsts[0]); i++) {
		int k = kernel_connect(dsts[i]), x = LR(dsts[i], 0, &r);

		cr_log_info("%-16s kernel %-4d mirror %d", dsts[i], k, x);
		cr_assert_eq(x, k, "%s: mirror %s, kernel %s", dsts[i], strerror(-x), strerror(-k));
	}
}

/* A packet socket on xm-b in the peer namespace: what reaches the peer. */
static int peer_capture(void)
{
	struct sockaddr_ll sll = { .sll_family = AF_PACKET, .sll_protocol = htons(ETH_P_ALL) };
	int fd;

	cr_assert_eq(setns(t.peer_ns, CLONE_NEWNET), 0);
	fd = socket(AF_PACKET, SOCK_RAW | SOCK_CLOEXEC | SOCK_NONBLOCK, htons(ETH_P_ALL));
	sll.sll_ifindex = (int)if_nametoindex("xm-b");
	cr_assert_eq(setns(t.self_ns, CLONE_NEWNET), 0);
	cr_assert_geq(fd, 0);
	cr_assert_gt(sll.sll_ifindex, 0);
	cr_assert_eq(bind(fd, (struct sockaddr *)&sll, sizeof(sll)), 0);
	return fd;
}

struct seen {
	int arp_requests, neigh_solicits, udp;
};

/* Counts ARP requests for target4 and neighbour solicitations for target6
 * (by target address), and any UDP, among the frames captured so far. */
static void count_frames(int fd, const uint8_t *target4, const uint8_t *target6,
			 struct seen *s)
{
	uint8_t f[2048];
	ssize_t n;

	while ((n = recv(fd, f, sizeof(f), 0)) > 0) {
		uint16_t et = (uint16_t)(f[12] << 8 | f[13]);

		if (memcmp(f + 6, MAC1, 6) != 0)
			continue;  /* sent by the peer itself */
		if (et == ETH_P_ARP && n >= 42 && f[20] == 0 && f[21] == 1 &&
		    target4 && memcmp(f + 38, target4, 4) == 0)
			s->arp_requests++;
		if (et == ETH_P_IPV6 && n >= 78 && f[20] == IPPROTO_ICMPV6 && f[54] == 135 &&
		    target6 && memcmp(f + 62, target6, 16) == 0)
			s->neigh_solicits++;
		if ((et == ETH_P_IP && n >= 34 && f[23] == IPPROTO_UDP) ||
		    (et == ETH_P_IPV6 && n >= 54 && f[20] == IPPROTO_UDP))
			s->udp++;
	}
}

Test(mirror_live, resolve_asks_the_kernel)
{
	struct seen s = { 0 };
	uint8_t p4[16], p6[16], mac[6];
	int cap = peer_capture();

	A(PEER4, p4);
	A(PEER6, p6);
	cr_assert_eq(xs_mirror__neigh(t.m, t.ifindex, AF_INET, p4, mac), -ENOENT, "cold");
	cr_assert_eq(xs_mirror__neigh(t.m, t.ifindex, AF_INET6, p6, mac), -ENOENT, "cold");

	cr_assert_eq(xs_mirror__resolve(t.m, t.ifindex, AF_INET, p4), 0);
	cr_assert_eq(xs_mirror__resolve(t.m, t.ifindex, AF_INET6, p6), 0);
	WAIT_UNTIL(5000, xs_mirror__neigh(t.m, t.ifindex, AF_INET, p4, mac) == 0,
		   "IPv4 neighbour not resolved");
	cr_assert_arr_eq(mac, MAC2, 6);
	WAIT_UNTIL(5000, xs_mirror__neigh(t.m, t.ifindex, AF_INET6, p6, mac) == 0,
		   "IPv6 neighbour not resolved");
	cr_assert_arr_eq(mac, MAC2, 6);

	usleep(100 * 1000);
	count_frames(cap, p4 + 12, p6, &s);
	close(cap);
	cr_log_info("peer saw %d ARP requests, %d solicitations, %d UDP", s.arp_requests,
		    s.neigh_solicits, s.udp);
	cr_assert_geq(s.arp_requests, 1, "no ARP request reached the peer");
	cr_assert_geq(s.neigh_solicits, 1, "no neighbour solicitation reached the peer");
	cr_assert_eq(s.udp, 0, "resolution must not send data");

	/* Asking again for a resolved neighbour is harmless. */
	cr_assert_eq(xs_mirror__resolve(t.m, t.ifindex, AF_INET, p4), 0);
	cr_assert_eq(xs_mirror__neigh(t.m, t.ifindex, AF_INET, p4, mac), 0);
}

Test(mirror_live, resolve_nobody_fails)
{
	uint8_t a[16];
	int rc = 0;

	/* Fast failure: 3 probes 100 ms apart. */
	cr_assert_eq(test_sh("sysctl -qw net.ipv4.neigh.xm-a.retrans_time_ms=100 "
			     "net.ipv6.neigh.xm-a.retrans_time_ms=100"), 0);
	A("198.18.0.99", a);
	cr_assert_eq(xs_mirror__resolve(t.m, t.ifindex, AF_INET, a), 0);
	/* Known and pending at once: the kernel does not announce INCOMPLETE,
	 * resolve reads the entry back. */
	cr_assert_eq(xs_mirror__neigh(t.m, t.ifindex, AF_INET, a, NULL), -EAGAIN);
	WAIT_UNTIL(3000, (rc = xs_mirror__neigh(t.m, t.ifindex, AF_INET, a, NULL)) == -EHOSTUNREACH,
		   "IPv4 resolution of nobody did not fail (last %d)", rc);
	A("2001:db8::99", a);
	cr_assert_eq(xs_mirror__resolve(t.m, t.ifindex, AF_INET6, a), 0);
	cr_assert_eq(xs_mirror__neigh(t.m, t.ifindex, AF_INET6, a, NULL), -EAGAIN);
	WAIT_UNTIL(3000, (rc = xs_mirror__neigh(t.m, t.ifindex, AF_INET6, a, NULL)) == -EHOSTUNREACH,
		   "IPv6 resolution of nobody did not fail (last %d)", rc);
	/* A failed entry can be asked again: it goes back to pending. */
	cr_assert_eq(xs_mirror__resolve(t.m, t.ifindex, AF_INET6, a), 0);
	cr_assert_eq(xs_mirror__neigh(t.m, t.ifindex, AF_INET6, a, NULL), -EAGAIN);
	/* An interface that does not exist. */
	cr_assert_eq(xs_mirror__resolve(t.m, 999, AF_INET, a), -EAFNOSUPPORT,
		     "IPv6 bytes as IPv4");
	A("198.18.0.98", a);
	cr_assert_eq(xs_mirror__resolve(t.m, 999, AF_INET, a), -ENODEV);
}
