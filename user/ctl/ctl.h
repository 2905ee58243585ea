/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * user/ctl: access to the pinned maps of an attached xsock program, shared
 * by libxsock (which reads config and inserts its own rules) and xsockctl
 * (which attaches, edits rules and config, and reads statistics).
 *
 * Layout on bpffs (see docs/xsockctl.md, FILES):
 *   <root>/netns-<inode of /proc/self/ns/net>/<ifname>/{prog,link,xsks,...}
 * <root> is /run/xsock/bpf, or $XSOCK_PIN_ROOT.
 *
 * Every function returning int returns 0 (or a count) on success and a
 * negative errno on failure.  Where the errno alone would not tell a user
 * what went wrong, the function also leaves a one-line message that
 * xs_ctl_strerror() returns (thread-local, valid until the next failure).
 */
#ifndef XS_CTL_H
#define XS_CTL_H

#include <limits.h>
#include <net/if.h>
#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#include "xsock/maps.h"

#define XS_PIN_ROOT_DEFAULT "/run/xsock/bpf"
#define XS_PIN_ROOT_ENV     "XSOCK_PIN_ROOT"

/* ---- errors (error.c) ---------------------------------------------------- */

/* Record a message for `err` (negative errno) and return `err`. */
int xs_ctl_fail(int err, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* The recorded message if there is one, else strerror(-err). */
const char *xs_ctl_strerror(int err);
void xs_ctl_clear_error(void);

/* ---- pin locations and bpffs (pins.c) ------------------------------------ */

int xs_ctl_pin_root(char *buf, size_t len);
/* <root>/netns-<ino>: the directory of this network namespace. */
int xs_ctl_netns_dir(char *buf, size_t len);
int xs_ctl_iface_dir(const char *ifname, char *buf, size_t len);
int xs_ctl_mkdir_p(const char *path, mode_t mode);
/* "<dir>/<name>" into buf; -ENAMETOOLONG if it does not fit. */
int xs_ctl_pin_path(char *buf, size_t len, const char *dir, const char *name);
/*
 * Make <root> a bpffs that every process of the host sees.  With `create`,
 * mount one if there is none; without, only bring in (from pid 1's mount
 * namespace) one that exists, and return -ENOENT when there is none.
 */
int xs_ctl_bpffs_prepare(bool create);
/* The host's namespace of kind "mnt" or "net" (pid 1's, or our outermost
 * reachable ancestor's): 1 and its /proc path in buf if it is not ours, 0 if
 * it is ours. */
int xs_ctl_host_ns(const char *ns, char *buf, size_t len);
/* flock(LOCK_EX) on the directory; returns the fd to pass to unlock. */
int xs_ctl_lock_dir(const char *dir);
void xs_ctl_unlock_dir(int fd);
/* Call `cb` for each interface directory of this netns, in name order. */
int xs_ctl_for_each_iface(int (*cb)(const char *ifname, void *ctx), void *ctx);

/* ---- an attached interface's maps (pins.c) ------------------------------- */

enum xs_ctl_map {
	XS_CTL_XSKS,
	XS_CTL_FLOWS,
	XS_CTL_LISTENERS,
	XS_CTL_PORT_GATE,
	XS_CTL_STATS,
	XS_CTL_CONFIG,
	XS_CTL_STACKS,
	XS_CTL_MAP_NR,
};

/* The one list of the program's maps, indexed by enum xs_ctl_map: attach
 * pins each under its name, xs_ctl_open opens each. */
extern const char *const xs_ctl_map_names[XS_CTL_MAP_NR];
/* A map that an interface attached by an older xsockctl may lack (its pin
 * is missing): xs_ctl_open leaves its fd at -1 instead of failing. */
bool xs_ctl_map_optional(enum xs_ctl_map map);
/* max_entries of a map, or -1 if the kernel does not say. */
int xs_ctl_map_max_entries(int fd);

struct xs_ctl {
	char ifname[IF_NAMESIZE];
	char dir[PATH_MAX];
	int map_fd[XS_CTL_MAP_NR];
	int ncpus;                  /* possible CPUs, for per-CPU maps */
};

/* Open the pinned maps of `ifname`; -ENOENT (with a message) if xsock is
 * not attached there.  An optional map without a pin gets fd -1.
 * xs_ctl_close() releases the fds. */
int xs_ctl_open(struct xs_ctl *c, const char *ifname);
void xs_ctl_close(struct xs_ctl *c);

/* ---- attach, detach, query (attach.c) ------------------------------------ */

enum xs_attach_mode {
	XS_ATTACH_AUTO,             /* native, generic if the driver refuses */
	XS_ATTACH_NATIVE,
	XS_ATTACH_GENERIC,
};

const char *xs_attach_mode_name(enum xs_attach_mode mode);

struct xs_attach_info {
	char ifname[IF_NAMESIZE];
	char dir[PATH_MAX];
	int ifindex;
	enum xs_attach_mode mode;   /* NATIVE or GENERIC: what is in effect */
	__u32 prog_id;
	__u32 link_id;
};

/* Refuses (-EEXIST) when an XDP program is already on the interface unless
 * `force`, which replaces it.  Fills `info` on success. */
int xs_ctl_attach(const char *ifname, enum xs_attach_mode mode, bool force,
		  struct xs_attach_info *info);
int xs_ctl_detach(const char *ifname);
/* -ENOENT if not attached (stale pins count as not attached). */
int xs_ctl_query(const char *ifname, struct xs_attach_info *info);

/* ---- rule owners (owner.c) ----------------------------------------------- */

/* Owner record of a live process; -ESRCH if there is none (or a zombie). */
int xs_owner_of(pid_t pid, struct xs_owner *owner);
/* Static rules (pid 0) are always alive. */
bool xs_owner_alive(const struct xs_owner *owner);

/* ---- steering rules (rules.c) -------------------------------------------- */

/* Addresses are 16 bytes, IPv4 as ::ffff:a.b.c.d; ports in host order. */
void xs_addr_from_ipv4(__u8 addr[16], __u32 ipv4_be);
bool xs_addr_is_v4mapped(const __u8 addr[16]);
bool xs_addr_is_zero(const __u8 addr[16]);
void xs_listen_key_init(struct xs_listen_key *k, __u8 proto, __u8 family,
			const __u8 addr[16], __u16 port);
void xs_flow_key_init(struct xs_flow_key *k, __u8 proto, __u8 family,
		      const __u8 laddr[16], __u16 lport,
		      const __u8 raddr[16], __u16 rport);
/* Index of the port gate entry for a protocol and port (host order). */
__u32 xs_gate_slot(__u8 proto, __u16 port);

int xs_ctl_listener_add(struct xs_ctl *c, const struct xs_listen_key *k,
			const struct xs_owner *owner);
int xs_ctl_listener_del(struct xs_ctl *c, const struct xs_listen_key *k);
int xs_ctl_flow_add(struct xs_ctl *c, const struct xs_flow_key *k,
		    const struct xs_owner *owner);
int xs_ctl_flow_del(struct xs_ctl *c, const struct xs_flow_key *k);

struct xs_rule {
	bool is_flow;
	union {
		struct xs_listen_key listen;
		struct xs_flow_key flow;
	};
	struct xs_owner owner;
	__u64 packets;              /* listeners: summed over CPUs */
	__u64 bytes;
};

/* Every rule, listeners first; *rules is malloc'ed, free() it. */
int xs_ctl_rules_list(struct xs_ctl *c, struct xs_rule **rules, size_t *n);
int xs_ctl_rules_count(struct xs_ctl *c, unsigned *listeners, unsigned *flows);
/* Remove rules whose owner is gone; returns how many were removed. */
int xs_ctl_rules_gc(struct xs_ctl *c);
__u32 xs_ctl_gate_count(struct xs_ctl *c, __u8 proto, __u16 port);

/* ---- configuration (config.c) -------------------------------------------- */

enum xs_cfg_type {
	XS_CFG_S32,                 /* integer in [min, max] */
	XS_CFG_U32,
	XS_CFG_POW2,                /* power of two in [min, max] */
	XS_CFG_FRAME,               /* 2048 or 4096 */
	XS_CFG_BIND_MODE,           /* auto | copy | zerocopy */
};

struct xs_cfg_key {
	const char *name;           /* sysctl(8) style: net.core.rmem_max */
	size_t off;                 /* of the __s32/__u32 in struct xs_config */
	enum xs_cfg_type type;
	long long min;
	long long max;
	const char *help;
};

extern const struct xs_cfg_key xs_cfg_keys[];
extern const size_t xs_cfg_nkeys;

/* NULL (and a message "unknown key 'x'") when there is no such key. */
const struct xs_cfg_key *xs_cfg_key_find(const char *name);
/* Parse and range-check a value; -EINVAL with a message naming the key. */
int xs_cfg_parse(const struct xs_cfg_key *k, const char *s, long long *val);
int xs_cfg_format(const struct xs_cfg_key *k, long long val, char *buf, size_t len);
long long xs_cfg_get(const struct xs_config *cfg, const struct xs_cfg_key *k);
void xs_cfg_put(struct xs_config *cfg, const struct xs_cfg_key *k, long long val);
/* Constraints between keys (umem large enough for the rings). */
int xs_cfg_validate(const struct xs_config *cfg);
/* Kernel values from /proc/sys/net/core plus xsock's defaults. */
int xs_cfg_defaults(struct xs_config *cfg);

struct xs_cfg_set {
	const struct xs_cfg_key *key;
	long long val;
};

/* Seqlock read of the config map (through its mmap). */
int xs_ctl_config_read(struct xs_ctl *c, struct xs_config *cfg);
/* Under the directory lock: read, apply `sets`, validate, write; `out`
 * (optional) receives what was written. */
int xs_ctl_config_set(struct xs_ctl *c, const struct xs_cfg_set *sets, size_t n,
		      struct xs_config *out);
/* Seqlock write of a whole config through a map fd (attach seeds with it);
 * the caller holds the directory lock. */
int xs_config_store(int map_fd, const struct xs_config *cfg);
int xs_config_load(int map_fd, struct xs_config *cfg);

/* A reader's lasting view of the config map (a read-only mmap), for a
 * process that wants to notice changes at once: looking at the generation
 * is one load, no system call.  NULL with errno set on failure. */
const struct xs_config *xs_config_view_open(int map_fd);
void xs_config_view_close(const struct xs_config *view);
__u64 xs_config_view_generation(const struct xs_config *view);
int xs_config_view_read(const struct xs_config *view, struct xs_config *cfg);

/* ---- statistics (stats.c) ------------------------------------------------ */

struct xs_stat_field {
	const char *name;
	size_t off;
	const char *help;
};

extern const struct xs_stat_field xs_stat_fields[];
extern const size_t xs_stat_nfields;

/* struct xs_xdp_stats summed over CPUs. */
int xs_ctl_stats_read(struct xs_ctl *c, struct xs_xdp_stats *sum);

/* The __u64 counters of struct xs_stack_stats other than the drops, by
 * name: what the stack counts, then its AF_XDP sockets' XDP_STATISTICS
 * (named here without their xsk_ prefix). */
extern const struct xs_stat_field xs_stack_stat_fields[];
extern const size_t xs_stack_stat_nfields;
extern const struct xs_stat_field xs_stack_xsk_fields[];
extern const size_t xs_stack_xsk_nfields;

/* ---- per-stack statistics (stacks.c) ------------------------------------- *
 * Each process running a stack on the interface keeps one entry, keyed by
 * its pid, in the "stacks" hash.  On an interface attached by an xsockctl
 * older than the map (c->map_fd[XS_CTL_STACKS] < 0) every function returns
 * -EOPNOTSUPP with a message.
 */

/* Create or replace the entry of `pid`; st->owner must be that process
 * (xs_owner_of), so gc can tell when it is gone (-EINVAL otherwise).
 * -ENOSPC with "stacks map full (N entries)" when the map is full.
 * Takes no lock: each process writes only its own key. */
int xs_ctl_stack_stats_put(struct xs_ctl *c, __u32 pid, const struct xs_stack_stats *st);
/* -ENOENT if `pid` has no entry (callers closing down may ignore it). */
int xs_ctl_stack_stats_del(struct xs_ctl *c, __u32 pid);
/* Call `cb` for each entry, in the hash's order; an entry deleted during
 * the walk is skipped.  Returns 0, the first nonzero result of `cb` (the
 * walk stops there), or a negative errno. */
int xs_ctl_stack_stats_list(struct xs_ctl *c,
			    int (*cb)(__u32 pid, const struct xs_stack_stats *st, void *ctx),
			    void *ctx);
/* Remove the entries whose owner is gone (under the directory lock, like
 * xs_ctl_rules_gc); returns how many were removed.  0 when the map is
 * missing: there is nothing to collect. */
int xs_ctl_stacks_gc(struct xs_ctl *c);

#endif /* XS_CTL_H */
