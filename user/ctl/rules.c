// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * Steering rules: listener rules (protocol, local address or wildcard,
 * port) and exact 5-tuples.  The XDP program consults the port gate before
 * the listener hash, so every listener write also keeps
 * port_gate[proto slot * 65536 + port] equal to the number of listener rules
 * on that protocol and port.  Listener writers serialise on flock of the pin
 * directory; the program only reads.
 *
 * A 5-tuple write is one map operation (an insert that fails on an existing
 * key, or a delete), atomic on its own, and a stack makes one per TCP
 * connection each way: it takes no lock (the lock costs three system calls).
 * gc, which decides from a listing, takes each dead owner's 5-tuple out
 * with lookup-and-delete and puts it back if a live owner had taken the
 * 5-tuple since the listing.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <arpa/inet.h>
#include <netinet/in.h>

#include <bpf/bpf.h>

#include "ctl/ctl.h"

void xs_addr_from_ipv4(__u8 addr[16], __u32 ipv4_be)
{
	memset(addr, 0, 10);
	addr[10] = 0xff;
	addr[11] = 0xff;
	memcpy(addr + 12, &ipv4_be, 4);
}

bool xs_addr_is_v4mapped(const __u8 addr[16])
{
	static const __u8 prefix[12] = { [10] = 0xff, [11] = 0xff };

	return !memcmp(addr, prefix, sizeof(prefix));
}

bool xs_addr_is_zero(const __u8 addr[16])
{
	static const __u8 zero[16];

	return !memcmp(addr, zero, sizeof(zero));
}

void xs_listen_key_init(struct xs_listen_key *k, __u8 proto, __u8 family,
			const __u8 addr[16], __u16 port)
{
	memset(k, 0, sizeof(*k));
	k->proto = proto;
	k->family = family;
	k->port = htons(port);
	/* A family wildcard is the all-zero address, as the program looks it up. */
	if (addr && family != XS_FAMILY_ANY)
		memcpy(k->addr, addr, 16);
}

void xs_flow_key_init(struct xs_flow_key *k, __u8 proto, __u8 family,
		      const __u8 laddr[16], __u16 lport,
		      const __u8 raddr[16], __u16 rport)
{
	memset(k, 0, sizeof(*k));
	k->proto = proto;
	k->family = family;
	k->lport = htons(lport);
	k->rport = htons(rport);
	memcpy(k->laddr, laddr, 16);
	memcpy(k->raddr, raddr, 16);
}

__u32 xs_gate_slot(__u8 proto, __u16 port)
{
	return (proto == IPPROTO_TCP ? XS_GATE_TCP : XS_GATE_UDP) * 65536u + port;
}

static int update_err(struct xs_ctl *c, int map, int err)
{
	if (err == -EEXIST)
		return xs_ctl_fail(-EEXIST, "rule exists");
	if (err == -E2BIG || err == -ENOSPC || err == -ENOMEM)
		return xs_ctl_fail(-ENOSPC, "steering map full (%d entries)",
				   xs_ctl_map_max_entries(c->map_fd[map]));
	return xs_ctl_fail(err, "cannot write the %s map: %s", xs_ctl_map_names[map],
			   strerror(-err));
}

static int gate_adjust(struct xs_ctl *c, __u8 proto, __be16 port, int delta)
{
	__u32 slot = xs_gate_slot(proto, ntohs(port)), count = 0;
	int fd = c->map_fd[XS_CTL_PORT_GATE];

	if (bpf_map_lookup_elem(fd, &slot, &count))
		return -errno;
	if (delta < 0 && count == 0)
		return 0;	/* never wrap: a zero gate already hides the port */
	count += delta;
	if (bpf_map_update_elem(fd, &slot, &count, BPF_ANY))
		return -errno;
	return 0;
}

__u32 xs_ctl_gate_count(struct xs_ctl *c, __u8 proto, __u16 port)
{
	__u32 slot = xs_gate_slot(proto, port), count = 0;

	bpf_map_lookup_elem(c->map_fd[XS_CTL_PORT_GATE], &slot, &count);
	return count;
}

/* Unlocked: the caller holds the directory lock. */
static int listener_del_locked(struct xs_ctl *c, const struct xs_listen_key *k)
{
	if (bpf_map_delete_elem(c->map_fd[XS_CTL_LISTENERS], k))
		return -errno;
	return gate_adjust(c, k->proto, k->port, -1);
}

int xs_ctl_listener_add(struct xs_ctl *c, const struct xs_listen_key *k,
			const struct xs_owner *owner)
{
	struct xs_listen_val *vals;
	int lock, err = 0;

	vals = calloc(c->ncpus, sizeof(*vals));
	if (!vals)
		return -ENOMEM;
	/* Every CPU's copy carries the owner; counters start at zero. */
	for (int i = 0; i < c->ncpus; i++)
		vals[i].owner = *owner;
	lock = xs_ctl_lock_dir(c->dir);
	if (lock < 0) {
		free(vals);
		return lock;
	}
	if (bpf_map_update_elem(c->map_fd[XS_CTL_LISTENERS], k, vals, BPF_NOEXIST)) {
		err = update_err(c, XS_CTL_LISTENERS, -errno);
		goto out;
	}
	/* Rule first, gate second: the program may see the rule without the
	 * gate for a moment (the packet goes to the kernel), never the reverse
	 * on delete. */
	err = gate_adjust(c, k->proto, k->port, +1);
	if (err) {
		bpf_map_delete_elem(c->map_fd[XS_CTL_LISTENERS], k);
		xs_ctl_fail(err, "cannot update the port gate: %s", strerror(-err));
	}
out:
	xs_ctl_unlock_dir(lock);
	free(vals);
	return err;
}

int xs_ctl_listener_del(struct xs_ctl *c, const struct xs_listen_key *k)
{
	int lock, err;

	lock = xs_ctl_lock_dir(c->dir);
	if (lock < 0)
		return lock;
	err = listener_del_locked(c, k);
	xs_ctl_unlock_dir(lock);
	if (err == -ENOENT)
		return xs_ctl_fail(-ENOENT, "no such rule");
	return err;
}

int xs_ctl_flow_add(struct xs_ctl *c, const struct xs_flow_key *k,
		    const struct xs_owner *owner)
{
	struct xs_flow_val val = { .owner = *owner };
	int err = 0;

	if (bpf_map_update_elem(c->map_fd[XS_CTL_FLOWS], k, &val, BPF_NOEXIST))
		err = update_err(c, XS_CTL_FLOWS, -errno);
	return err;
}

int xs_ctl_flow_del(struct xs_ctl *c, const struct xs_flow_key *k)
{
	int err = 0;

	if (bpf_map_delete_elem(c->map_fd[XS_CTL_FLOWS], k))
		err = -errno;
	if (err == -ENOENT)
		return xs_ctl_fail(-ENOENT, "no such rule");
	return err;
}

static int rules_push(struct xs_rule **rules, size_t *n, size_t *cap,
		      const struct xs_rule *r)
{
	if (*n == *cap) {
		size_t ncap = *cap ? 2 * *cap : 16;
		struct xs_rule *tmp = realloc(*rules, ncap * sizeof(**rules));

		if (!tmp)
			return -ENOMEM;
		*rules = tmp;
		*cap = ncap;
	}
	(*rules)[(*n)++] = *r;
	return 0;
}

int xs_ctl_rules_list(struct xs_ctl *c, struct xs_rule **rules, size_t *n)
{
	struct xs_listen_key lk, *lprev = NULL;
	struct xs_flow_key fk, *fprev = NULL;
	struct xs_listen_val *vals;
	struct xs_flow_val fv;
	size_t cap = 0;
	struct xs_rule r;
	int err = 0;

	*rules = NULL;
	*n = 0;
	vals = calloc(c->ncpus, sizeof(*vals));
	if (!vals)
		return -ENOMEM;
	while (!bpf_map_get_next_key(c->map_fd[XS_CTL_LISTENERS], lprev, &lk)) {
		lprev = &lk;
		if (bpf_map_lookup_elem(c->map_fd[XS_CTL_LISTENERS], &lk, vals))
			continue;	/* deleted under us */
		memset(&r, 0, sizeof(r));
		r.listen = lk;
		r.owner = vals[0].owner;
		for (int i = 0; i < c->ncpus; i++) {
			r.packets += vals[i].packets;
			r.bytes += vals[i].bytes;
		}
		err = rules_push(rules, n, &cap, &r);
		if (err)
			goto out;
	}
	while (!bpf_map_get_next_key(c->map_fd[XS_CTL_FLOWS], fprev, &fk)) {
		fprev = &fk;
		if (bpf_map_lookup_elem(c->map_fd[XS_CTL_FLOWS], &fk, &fv))
			continue;
		memset(&r, 0, sizeof(r));
		r.is_flow = true;
		r.flow = fk;
		r.owner = fv.owner;
		r.packets = fv.packets;
		r.bytes = fv.bytes;
		err = rules_push(rules, n, &cap, &r);
		if (err)
			goto out;
	}
out:
	free(vals);
	if (err) {
		free(*rules);
		*rules = NULL;
		*n = 0;
	}
	return err;
}

int xs_ctl_rules_count(struct xs_ctl *c, unsigned *listeners, unsigned *flows)
{
	struct xs_listen_key lk, *lprev = NULL;
	struct xs_flow_key fk, *fprev = NULL;

	*listeners = *flows = 0;
	while (!bpf_map_get_next_key(c->map_fd[XS_CTL_LISTENERS], lprev, &lk)) {
		lprev = &lk;
		(*listeners)++;
	}
	while (!bpf_map_get_next_key(c->map_fd[XS_CTL_FLOWS], fprev, &fk)) {
		fprev = &fk;
		(*flows)++;
	}
	return 0;
}

/* Takes out a 5-tuple the listing showed with a dead owner, unless a live
 * one has it by now (flow writers take no lock). */
static int flow_del_dead(struct xs_ctl *c, const struct xs_flow_key *k,
			 const struct xs_owner *dead)
{
	int fd = c->map_fd[XS_CTL_FLOWS];
	struct xs_flow_val cur;

	if (bpf_map_lookup_and_delete_elem(fd, k, &cur)) {
		if (errno != EINVAL && errno != 524 /* ENOTSUPP */ && errno != EOPNOTSUPP)
			return -errno;
		/* before Linux 5.14: no lookup-and-delete on a hash */
		return bpf_map_delete_elem(fd, k) ? -errno : 0;
	}
	if (memcmp(&cur.owner, dead, sizeof(*dead)) &&
	    bpf_map_update_elem(fd, k, &cur, BPF_NOEXIST) && errno != EEXIST)
		return -errno;
	return 0;
}

int xs_ctl_rules_gc(struct xs_ctl *c)
{
	struct xs_rule *rules;
	int lock, err, removed = 0;
	size_t n;

	lock = xs_ctl_lock_dir(c->dir);
	if (lock < 0)
		return lock;
	/* Collect first: deleting while walking a hash restarts the walk. */
	err = xs_ctl_rules_list(c, &rules, &n);
	if (err)
		goto out;
	for (size_t i = 0; i < n; i++) {
		if (xs_owner_alive(&rules[i].owner))
			continue;
		if (rules[i].is_flow)
			err = flow_del_dead(c, &rules[i].flow, &rules[i].owner);
		else
			err = listener_del_locked(c, &rules[i].listen);
		if (err == -ENOENT)	/* its owner removed it meanwhile */
			err = 0;
		if (err)
			break;
		removed++;
	}
	free(rules);
out:
	xs_ctl_unlock_dir(lock);
	return err ? err : removed;
}
