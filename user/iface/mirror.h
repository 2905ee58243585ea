/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * The kernel's links, addresses, routes and neighbours, mirrored into the
 * stack.  The kernel stays the source of truth: the mirror dumps its tables
 * once, then follows rtnetlink notifications (links, IPv4/IPv6 addresses
 * and routes, neighbours); it never changes a table, it only asks the
 * kernel to resolve a missing neighbour (xs_mirror__resolve), which is how
 * ARP/ND for the stack's peers happen without the stack ever answering or
 * poisoning the kernel's own.
 *
 * One mirror per network namespace (the one current when it is opened),
 * used by one thread: the api layer owns it, polls xs_mirror__fd() with
 * its other fds and calls xs_mirror__process() when it is readable; iface/
 * and sock/ look things up.  Lookups allocate nothing and make no system
 * call.  Callers that cache lookups (a connected socket's route and
 * next-hop MAC) compare xs_mirror__generation() to know when to redo them.
 *
 * Addresses are 16 bytes everywhere; IPv4 is IPv4-mapped ::ffff:a.b.c.d
 * (include/xsock/maps.h).  family is AF_INET or AF_INET6; an IPv4 family
 * with an address that is not v4-mapped is -EAFNOSUPPORT.
 *
 * Bounds (a full table fails the insert and counts it, it never grows):
 * XS_MIRROR_MAX_LINKS links, XS_MIRROR_MAX_ADDRS addresses per family,
 * XS_MIRROR_MAX_ROUTES routes per family, XS_MIRROR_MAX_NEIGHS neighbours.
 * Routes are kept sorted by prefix length (longest first) then metric and
 * looked up by a linear scan: fine for host-sized tables, not for a full
 * Internet table.
 */
#ifndef XS_IFACE_MIRROR_H
#define XS_IFACE_MIRROR_H

#include <stdbool.h>
#include <stdint.h>
#include <linux/netlink.h>

#define XS_MIRROR_MAX_LINKS  256
#define XS_MIRROR_MAX_ADDRS  1024
#define XS_MIRROR_MAX_ROUTES 4096
#define XS_MIRROR_MAX_NEIGHS 8192

struct xs_mirror;

/* Opens a mirror of the current network namespace: subscribes first, then
 * dumps links, addresses, routes and neighbours, so no change falls
 * between the dump and the subscription.  Returns NULL and sets errno
 * (ENOMEM, a socket errno, or the kernel's errno for a dump). */
struct xs_mirror *xs_mirror__open(void);
/* An empty mirror with no socket, fed only by xs_mirror__apply(): for unit
 * tests and replays.  xs_mirror__fd() is -1, process/resolve -EBADF. */
struct xs_mirror *xs_mirror__new_detached(void);
void xs_mirror__close(struct xs_mirror *m);

/* The notification socket: readable (POLLIN) when updates are pending. */
int xs_mirror__fd(const struct xs_mirror *m);
/*
 * Applies every pending notification without blocking.  Returns how many
 * messages changed the mirror (0 if none were pending), or -errno if the
 * socket failed.  When the kernel dropped notifications (ENOBUFS, the
 * receive queue overran) the mirror re-dumps everything; a link going down
 * or away re-dumps the IPv4 routes, because the kernel flushes those
 * without telling anyone.  Both count as one change.
 */
int xs_mirror__process(struct xs_mirror *m);
/* Changes whenever the mirror changes. */
uint64_t xs_mirror__generation(const struct xs_mirror *m);

/*
 * One rtnetlink message (RTM_NEWLINK/DELLINK, NEWADDR/DELADDR,
 * NEWROUTE/DELROUTE, NEWNEIGH/DELNEIGH) applied to the tables: what
 * process() does with each notification.  nlh->nlmsg_len bytes must be
 * readable.  Returns 1 if the mirror changed, 0 if the message is ignored
 * (another family, table or message type; see mirror.c), -EBADMSG if it is
 * malformed (nothing changed), -ENOSPC if its table is full.
 */
int xs_mirror__apply(struct xs_mirror *m, const struct nlmsghdr *nlh);

struct xs_mirror_stats {
	uint64_t applied;           /* messages that changed the mirror */
	uint64_t ignored;           /* other families, tables, flags */
	uint64_t malformed;         /* rejected by the attribute checks */
	uint64_t table_full;        /* inserts refused: a table at its bound */
	uint64_t unsupported;       /* routes the lookup cannot honour (below) */
	uint64_t overruns;          /* ENOBUFS or truncated notifications */
	uint64_t redumps;           /* full or IPv4-route re-dumps */
};
void xs_mirror__stats(const struct xs_mirror *m, struct xs_mirror_stats *out);

struct xs_link_info {
	int ifindex;
	char name[16];
	uint8_t mac[6];             /* zero when the link has no 6-byte address */
	uint32_t mtu;
	bool up;                    /* IFF_UP */
	bool loopback;              /* IFF_LOOPBACK */
	bool carrier;               /* IFF_LOWER_UP */
	uint16_t type;              /* ARPHRD_* */
	uint32_t flags;             /* IFF_* as the kernel reports them */
};

/* -ENODEV if there is no such link. */
int xs_mirror__link(const struct xs_mirror *m, int ifindex, struct xs_link_info *out);
int xs_mirror__link_by_name(const struct xs_mirror *m, const char *name,
			    struct xs_link_info *out);

/* The ifindex that holds local address addr, or -EADDRNOTAVAIL (also for
 * IPv6 addresses still tentative or that failed DAD: the kernel refuses
 * to bind those too). */
int xs_mirror__addr_owner(const struct xs_mirror *m, int family, const uint8_t addr[16]);
/* A primary address of ifindex: IPv4, the first non-secondary one; IPv6, a
 * usable global one, else a link-local one.  -EADDRNOTAVAIL if none. */
int xs_mirror__addr_first(const struct xs_mirror *m, int ifindex, int family, uint8_t out[16]);

struct xs_route {
	int ifindex;                /* out interface (loopback for RTN_LOCAL) */
	uint8_t src[16];            /* source address to use */
	bool has_src;               /* false: no usable address found */
	uint8_t nexthop[16];        /* the gateway, or dst itself when on-link */
	uint32_t mtu;               /* route MTU, else the out link's */
	int type;                   /* RTN_UNICAST, RTN_LOCAL, RTN_BROADCAST, ... */
	uint32_t table;             /* RT_TABLE_LOCAL, _MAIN or _DEFAULT */
	uint8_t prefix_len;         /* of the matched route */
};

/*
 * The kernel's route for dst, as the default policy rules see it: local
 * table, then main, then default (other tables and policy rules are not
 * mirrored); in each, longest prefix first, lowest metric on a tie, routes
 * of another interface skipped when oif is nonzero, RTN_THROW moving on to
 * the next table.  Source: the route's prefsrc, else IPv4: a primary
 * address of the out interface in the nexthop's subnet, else its first
 * primary address of a fitting scope, else one from another interface;
 * IPv6: RFC 6724 rules 1, 2, 3, 5 and 8 (same address, scope, not
 * deprecated, out interface, longest common prefix with dst).
 *
 * Errors are those connect(2) on a kernel UDP socket gives for dst:
 * -ENETUNREACH no route (IPv4 with oif: like the kernel, dst is then taken
 * as on-link on oif), -EHOSTUNREACH RTN_UNREACHABLE, -EACCES RTN_PROHIBIT,
 * -EINVAL RTN_BLACKHOLE; -ENODEV unknown oif, -ENETUNREACH oif down.
 * Multipath routes use their first nexthop; routes with nexthop objects,
 * IPv6 source-specific routes and IPv4 TOS routes are not matched.
 */
int xs_mirror__route(const struct xs_mirror *m, int family, const uint8_t dst[16], int oif,
		     struct xs_route *out);

/*
 * Neighbour (ARP/ND cache) entry for addr on ifindex.  0 and the MAC if
 * usable: NUD_REACHABLE, STALE, DELAY, PROBE, PERMANENT or NOARP (mac may
 * then be all zero: the link needs none); -EAGAIN known but not resolved
 * yet (INCOMPLETE, or NONE: created, no probe sent yet); -EHOSTUNREACH
 * resolution FAILED; -ENOENT unknown.  mac may be NULL.
 */
int xs_mirror__neigh(const struct xs_mirror *m, int ifindex, int family, const uint8_t addr[16],
		     uint8_t mac[6]);

/*
 * Asks the kernel to resolve addr on ifindex (ARP request or neighbour
 * solicitation): RTM_NEWNEIGH with NTF_USE, which runs neigh_event_send()
 * on the (created if missing) entry, exactly what the kernel does before
 * transmitting to an unresolved neighbour.  No application data is sent.
 * The result arrives as a neighbour notification: poll the fd, process,
 * then xs_mirror__neigh().  Returns 0 once the kernel accepted the
 * request, or its -errno (-EPERM without CAP_NET_ADMIN, -ENODEV).
 */
int xs_mirror__resolve(struct xs_mirror *m, int ifindex, int family, const uint8_t addr[16]);

#endif /* XS_IFACE_MIRROR_H */
