// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * The map layouts are an ABI between a loaded XDP program and every process
 * that reads its maps: these asserts fail on any accidental change of size
 * or field offset (a deliberate change updates them and bumps XS_MAPS_ABI).
 */
#include <arpa/inet.h>
#include <errno.h>
#include <signal.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>
#include <netinet/in.h>

#include <bpf/bpf.h>
#include <criterion/criterion.h>

#include "ctl/ctl.h"
#include "iface/drop.h"

Test(maps_abi, version)
{
	cr_assert_eq(XS_MAPS_ABI, 1);
}

Test(maps_abi, flow_key)
{
	cr_assert_eq(sizeof(struct xs_flow_key), 40);
	cr_assert_eq(offsetof(struct xs_flow_key, proto), 0);
	cr_assert_eq(offsetof(struct xs_flow_key, family), 1);
	cr_assert_eq(offsetof(struct xs_flow_key, lport), 2);
	cr_assert_eq(offsetof(struct xs_flow_key, rport), 4);
	cr_assert_eq(offsetof(struct xs_flow_key, pad), 6);
	cr_assert_eq(offsetof(struct xs_flow_key, laddr), 8);
	cr_assert_eq(offsetof(struct xs_flow_key, raddr), 24);
}

Test(maps_abi, listen_key)
{
	cr_assert_eq(sizeof(struct xs_listen_key), 20);
	cr_assert_eq(offsetof(struct xs_listen_key, proto), 0);
	cr_assert_eq(offsetof(struct xs_listen_key, family), 1);
	cr_assert_eq(offsetof(struct xs_listen_key, port), 2);
	cr_assert_eq(offsetof(struct xs_listen_key, addr), 4);
}

Test(maps_abi, values)
{
	cr_assert_eq(sizeof(struct xs_owner), 16);
	cr_assert_eq(offsetof(struct xs_owner, pid), 0);
	cr_assert_eq(offsetof(struct xs_owner, start_time), 8);
	cr_assert_eq(sizeof(struct xs_flow_val), 32);
	cr_assert_eq(offsetof(struct xs_flow_val, packets), 16);
	cr_assert_eq(offsetof(struct xs_flow_val, bytes), 24);
	/* Per-CPU values are copied in 8-byte-aligned slots. */
	cr_assert_eq(sizeof(struct xs_listen_val), 32);
	cr_assert_eq(sizeof(struct xs_listen_val) % 8, 0);
	cr_assert_eq(offsetof(struct xs_listen_val, packets), 16);
	cr_assert_eq(offsetof(struct xs_listen_val, bytes), 24);
}

Test(maps_abi, stats)
{
	cr_assert_eq(sizeof(struct xs_xdp_stats), 10 * 8);
	cr_assert_eq(offsetof(struct xs_xdp_stats, rx_packets), 0);
	cr_assert_eq(offsetof(struct xs_xdp_stats, redirected), 16);
	cr_assert_eq(offsetof(struct xs_xdp_stats, pass_redirect_failed), 72);
	cr_assert_eq(xs_stat_nfields, 10);
	for (size_t i = 0; i < xs_stat_nfields; i++)
		cr_assert_eq(xs_stat_fields[i].off, i * 8, "%s", xs_stat_fields[i].name);
	cr_assert_str_eq(xs_stat_fields[9].name, "pass_redirect_failed");
}

Test(maps_abi, config)
{
	cr_assert_eq(sizeof(struct xs_config), 144);
	cr_assert_eq(offsetof(struct xs_config, generation), 0);
	cr_assert_eq(offsetof(struct xs_config, rmem_default), 8);
	cr_assert_eq(offsetof(struct xs_config, message_burst), 36);
	cr_assert_eq(offsetof(struct xs_config, busy_poll_us), 40);
	cr_assert_eq(offsetof(struct xs_config, bind_mode), 72);
	cr_assert_eq(offsetof(struct xs_config, reserved), 80);
	cr_assert_eq(XS_BIND_AUTO, 0);
	cr_assert_eq(XS_BIND_COPY, 1);
	cr_assert_eq(XS_BIND_ZEROCOPY, 2);
}

Test(maps_abi, stack_stats)
{
	cr_assert_eq(sizeof(struct xs_stack_stats), 368);
	cr_assert_eq(offsetof(struct xs_stack_stats, owner), 0);
	cr_assert_eq(offsetof(struct xs_stack_stats, updated_ns), 16);
	cr_assert_eq(offsetof(struct xs_stack_stats, sockets), 24);
	cr_assert_eq(offsetof(struct xs_stack_stats, rx_packets), 32);
	cr_assert_eq(offsetof(struct xs_stack_stats, tx_packets), 40);
	cr_assert_eq(offsetof(struct xs_stack_stats, tx_fragments), 48);
	cr_assert_eq(offsetof(struct xs_stack_stats, twin_rx), 56);
	cr_assert_eq(offsetof(struct xs_stack_stats, drops), 64);
	cr_assert_eq(XS_STACK_DROP_SLOTS, 32);
	cr_assert_eq(offsetof(struct xs_stack_stats, xsk_rx_dropped), 64 + 32 * 8);
	cr_assert_eq(offsetof(struct xs_stack_stats, xsk_rx_invalid), 328);
	cr_assert_eq(offsetof(struct xs_stack_stats, xsk_rx_ring_full), 336);
	cr_assert_eq(offsetof(struct xs_stack_stats, xsk_fill_ring_empty), 344);
	cr_assert_eq(offsetof(struct xs_stack_stats, xsk_tx_invalid), 352);
	cr_assert_eq(offsetof(struct xs_stack_stats, xsk_tx_ring_empty), 360);
}

Test(maps_abi, stack_drop_slots_cover_every_reason)
{
	cr_assert_geq(XS_STACK_DROP_SLOTS, XS_DROP__MAX,
		      "%d drop reasons, %d counters per stack", XS_DROP__MAX, XS_STACK_DROP_SLOTS);
	/* Values are counter indexes: they must never move. */
	cr_assert_eq(XS_DROP_NONE, 0);
	cr_assert_eq(XS_DROP_RCVBUF, 11);
	cr_assert_str_eq(xs_drop_reason_names[XS_DROP_RCVBUF], "rcvbuf");
	for (int i = 0; i < XS_DROP__MAX; i++)
		cr_assert_not_null(xs_drop_reason_names[i], "drop reason %d has no name", i);
}

Test(maps_abi, stack_stat_fields)
{
	/* The named counters and the xsk ones, in struct order. */
	cr_assert_eq(xs_stack_stat_nfields, 5);
	cr_assert_str_eq(xs_stack_stat_fields[0].name, "sockets");
	cr_assert_eq(xs_stack_stat_fields[0].off, offsetof(struct xs_stack_stats, sockets));
	cr_assert_str_eq(xs_stack_stat_fields[4].name, "twin_rx");
	cr_assert_eq(xs_stack_stat_fields[4].off, offsetof(struct xs_stack_stats, twin_rx));
	cr_assert_eq(xs_stack_xsk_nfields, 6);
	for (size_t i = 0; i < xs_stack_xsk_nfields; i++)
		cr_assert_eq(xs_stack_xsk_fields[i].off,
			     offsetof(struct xs_stack_stats, xsk_rx_dropped) + 8 * i, "%s",
			     xs_stack_xsk_fields[i].name);
	cr_assert_str_eq(xs_stack_xsk_fields[0].name, "rx_dropped");
	cr_assert_str_eq(xs_stack_xsk_fields[5].name, "tx_ring_empty");
}

Test(maps_abi, pin_names)
{
	cr_assert_str_eq(XS_PIN_PROG, "prog");
	cr_assert_str_eq(XS_PIN_LINK, "link");
	cr_assert_str_eq(xs_ctl_map_names[XS_CTL_XSKS], "xsks");
	cr_assert_str_eq(xs_ctl_map_names[XS_CTL_FLOWS], "flows");
	cr_assert_str_eq(xs_ctl_map_names[XS_CTL_LISTENERS], "listeners");
	cr_assert_str_eq(xs_ctl_map_names[XS_CTL_PORT_GATE], "port_gate");
	cr_assert_str_eq(xs_ctl_map_names[XS_CTL_STATS], "stats");
	cr_assert_str_eq(xs_ctl_map_names[XS_CTL_CONFIG], "config");
	cr_assert_str_eq(xs_ctl_map_names[XS_CTL_STACKS], "stacks");
	cr_assert_str_eq(XS_MAP_STACKS, "stacks");
	/* Only the map added after the first release may be missing. */
	for (int i = 0; i < XS_CTL_MAP_NR; i++)
		cr_assert_eq(xs_ctl_map_optional(i), i == XS_CTL_STACKS, "%s",
			     xs_ctl_map_names[i]);
}

Test(maps_key, ipv4_mapped)
{
	static const __u8 want[16] = { 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff,
				       198, 18, 0, 1 };
	__u8 addr[16];

	xs_addr_from_ipv4(addr, inet_addr("198.18.0.1"));
	cr_assert_arr_eq(addr, want, 16);
	cr_assert(xs_addr_is_v4mapped(addr));
	cr_assert_not(xs_addr_is_zero(addr));
}

Test(maps_key, listen_key_v4)
{
	struct xs_listen_key k;
	__u8 addr[16];

	xs_addr_from_ipv4(addr, inet_addr("198.18.0.1"));
	memset(&k, 0xaa, sizeof(k));
	xs_listen_key_init(&k, IPPROTO_TCP, XS_FAMILY_IPV4, addr, 8080);
	cr_assert_eq(k.proto, IPPROTO_TCP);
	cr_assert_eq(k.family, XS_FAMILY_IPV4);
	/* Network order, as the program reads it from the TCP header. */
	cr_assert_eq(((__u8 *)&k.port)[0], 0x1f);
	cr_assert_eq(((__u8 *)&k.port)[1], 0x90);
	cr_assert_arr_eq(k.addr, addr, 16);
}

Test(maps_key, listen_key_any_ignores_address)
{
	static const __u8 zero[16];
	struct xs_listen_key k;
	__u8 addr[16];

	xs_addr_from_ipv4(addr, inet_addr("198.18.0.1"));
	memset(&k, 0xaa, sizeof(k));
	xs_listen_key_init(&k, IPPROTO_UDP, XS_FAMILY_ANY, addr, 53);
	cr_assert_eq(k.family, XS_FAMILY_ANY);
	cr_assert_arr_eq(k.addr, zero, 16);
	cr_assert_eq(k.port, htons(53));
}

Test(maps_key, flow_key_zeroes_pad)
{
	struct xs_flow_key k;
	__u8 l[16], r[16];

	xs_addr_from_ipv4(l, inet_addr("198.18.0.1"));
	xs_addr_from_ipv4(r, inet_addr("198.18.0.2"));
	memset(&k, 0xaa, sizeof(k));
	xs_flow_key_init(&k, IPPROTO_TCP, XS_FAMILY_IPV4, l, 9000, r, 40000);
	/* Hash keys compare every byte: padding must be zero. */
	cr_assert_eq(k.pad, 0);
	cr_assert_eq(k.lport, htons(9000));
	cr_assert_eq(k.rport, htons(40000));
	cr_assert_arr_eq(k.laddr, l, 16);
	cr_assert_arr_eq(k.raddr, r, 16);
}

Test(maps_key, gate_slot)
{
	cr_assert_eq(xs_gate_slot(IPPROTO_TCP, 80), 80);
	cr_assert_eq(xs_gate_slot(IPPROTO_UDP, 53), 65536 + 53);
	cr_assert_eq(xs_gate_slot(IPPROTO_UDP, 65535), XS_GATE_SLOTS - 1);
}

/*
 * The stack statistics functions on a map like the program's, without an
 * attached interface: a struct xs_ctl that holds only that map (and a
 * directory for gc's lock).
 */
struct stacks_fixture {
	struct xs_ctl c;
	char dir[64];
};

static struct stacks_fixture sf;

static void stacks_setup(void)
{
	LIBBPF_OPTS(bpf_map_create_opts, opts);
	int fd;

	memset(&sf, 0, sizeof(sf));
	for (int i = 0; i < XS_CTL_MAP_NR; i++)
		sf.c.map_fd[i] = -1;
	if (geteuid() != 0)
		cr_skip_test("creating a BPF map needs root");
	fd = bpf_map_create(BPF_MAP_TYPE_HASH, "stacks", sizeof(__u32),
			    sizeof(struct xs_stack_stats), 4, &opts);
	if (fd < 0)
		cr_skip_test("bpf_map_create(HASH): %s", strerror(-fd));
	sf.c.map_fd[XS_CTL_STACKS] = fd;
	snprintf(sf.c.ifname, sizeof(sf.c.ifname), "test0");
	snprintf(sf.dir, sizeof(sf.dir), "/tmp/xs-stacks-XXXXXX");
	cr_assert_not_null(mkdtemp(sf.dir));
	snprintf(sf.c.dir, sizeof(sf.c.dir), "%s", sf.dir);
	sf.c.ncpus = 1;
}

static void stacks_teardown(void)
{
	xs_ctl_close(&sf.c);
	if (sf.dir[0])
		rmdir(sf.dir);
}

TestSuite(stacks, .init = stacks_setup, .fini = stacks_teardown);

static struct xs_stack_stats stack_of(pid_t pid, __u64 rx)
{
	struct xs_stack_stats st;

	memset(&st, 0, sizeof(st));
	cr_assert_eq(xs_owner_of(pid, &st.owner), 0);
	st.rx_packets = rx;
	st.drops[XS_DROP_RCVBUF] = 3;
	st.xsk_rx_ring_full = 7;
	return st;
}

struct seen {
	__u32 pid[8];
	struct xs_stack_stats st[8];
	int n;
};

static int remember(__u32 pid, const struct xs_stack_stats *st, void *ctx)
{
	struct seen *s = ctx;

	cr_assert_lt(s->n, 8);
	s->pid[s->n] = pid;
	s->st[s->n++] = *st;
	return 0;
}

static int stop_at_first(__u32 pid, const struct xs_stack_stats *st, void *ctx)
{
	(*(int *)ctx)++;
	return -EINTR;
}

/* A pid that was a process a moment ago and is gone now. */
static pid_t dead_pid(struct xs_owner *owner)
{
	pid_t pid = fork();
	int status;

	cr_assert_geq(pid, 0);
	if (pid == 0) {
		pause();
		_exit(0);
	}
	cr_assert_eq(xs_owner_of(pid, owner), 0);
	kill(pid, SIGKILL);
	cr_assert_eq(waitpid(pid, &status, 0), pid);
	return pid;
}

Test(stacks, put_list_del)
{
	struct xs_stack_stats st = stack_of(getpid(), 10);
	struct seen s = { 0 };

	cr_assert_eq(xs_ctl_stack_stats_put(&sf.c, getpid(), &st), 0);
	st.rx_packets = 11;	/* BPF_ANY: the second write replaces the first */
	cr_assert_eq(xs_ctl_stack_stats_put(&sf.c, getpid(), &st), 0);
	cr_assert_eq(xs_ctl_stack_stats_list(&sf.c, remember, &s), 0);
	cr_assert_eq(s.n, 1);
	cr_assert_eq(s.pid[0], (__u32)getpid());
	cr_assert_eq(s.st[0].rx_packets, 11);
	cr_assert_eq(s.st[0].drops[XS_DROP_RCVBUF], 3);
	cr_assert_eq(s.st[0].xsk_rx_ring_full, 7);
	cr_assert_eq(s.st[0].owner.start_time, st.owner.start_time);

	cr_assert_eq(xs_ctl_stack_stats_del(&sf.c, getpid()), 0);
	cr_assert_eq(xs_ctl_stack_stats_del(&sf.c, getpid()), -ENOENT);
	s.n = 0;
	cr_assert_eq(xs_ctl_stack_stats_list(&sf.c, remember, &s), 0);
	cr_assert_eq(s.n, 0);
}

Test(stacks, put_refuses_a_foreign_owner)
{
	struct xs_stack_stats st = stack_of(getpid(), 1);

	cr_assert_eq(xs_ctl_stack_stats_put(&sf.c, getpid() + 1, &st), -EINVAL);
	st.owner.pid = 0;	/* pid 0 would be "static": never collected */
	cr_assert_eq(xs_ctl_stack_stats_put(&sf.c, 0, &st), -EINVAL);
}

Test(stacks, full_map_says_so)
{
	struct xs_stack_stats st;

	/* The fixture's map holds 4 entries; keys are pids, owners must
	 * match, so fake four distinct owners. */
	memset(&st, 0, sizeof(st));
	for (__u32 pid = 1000000; pid < 1000004; pid++) {
		st.owner.pid = pid;
		cr_assert_eq(xs_ctl_stack_stats_put(&sf.c, pid, &st), 0);
	}
	st.owner.pid = 1000004;
	cr_assert_eq(xs_ctl_stack_stats_put(&sf.c, 1000004, &st), -ENOSPC);
	cr_assert_str_eq(xs_ctl_strerror(-ENOSPC), "stacks map full (4 entries)");
}

Test(stacks, list_stops_at_callback_error)
{
	struct xs_stack_stats st = stack_of(getpid(), 1);
	int calls = 0;

	cr_assert_eq(xs_ctl_stack_stats_put(&sf.c, getpid(), &st), 0);
	st = stack_of(getppid(), 1);
	cr_assert_eq(xs_ctl_stack_stats_put(&sf.c, getppid(), &st), 0);
	cr_assert_eq(xs_ctl_stack_stats_list(&sf.c, stop_at_first, &calls), -EINTR);
	cr_assert_eq(calls, 1);
}

Test(stacks, gc_removes_only_the_dead)
{
	struct xs_stack_stats live = stack_of(getpid(), 1), dead;
	struct seen s = { 0 };
	pid_t gone;

	memset(&dead, 0, sizeof(dead));
	gone = dead_pid(&dead.owner);
	cr_assert_eq(xs_ctl_stack_stats_put(&sf.c, getpid(), &live), 0);
	cr_assert_eq(xs_ctl_stack_stats_put(&sf.c, gone, &dead), 0);
	cr_assert_eq(xs_ctl_stacks_gc(&sf.c), 1);
	cr_assert_eq(xs_ctl_stacks_gc(&sf.c), 0);
	cr_assert_eq(xs_ctl_stack_stats_list(&sf.c, remember, &s), 0);
	cr_assert_eq(s.n, 1);
	cr_assert_eq(s.pid[0], (__u32)getpid());
}

/* An interface attached before the map existed: no fd, a clear answer. */
Test(stacks_missing, every_call_says_not_supported)
{
	struct xs_stack_stats st;
	struct xs_ctl c;
	int calls = 0;

	memset(&c, 0, sizeof(c));
	for (int i = 0; i < XS_CTL_MAP_NR; i++)
		c.map_fd[i] = -1;
	snprintf(c.ifname, sizeof(c.ifname), "old0");
	memset(&st, 0, sizeof(st));
	st.owner.pid = 1;
	cr_assert_eq(xs_ctl_stack_stats_put(&c, 1, &st), -EOPNOTSUPP);
	cr_assert(strstr(xs_ctl_strerror(-EOPNOTSUPP), "older xsockctl"), "%s",
		  xs_ctl_strerror(-EOPNOTSUPP));
	cr_assert_eq(xs_ctl_stack_stats_del(&c, 1), -EOPNOTSUPP);
	cr_assert_eq(xs_ctl_stack_stats_list(&c, stop_at_first, &calls), -EOPNOTSUPP);
	cr_assert_eq(calls, 0);
	cr_assert_eq(xs_ctl_stacks_gc(&c), 0, "nothing to collect");
}

/* A zombie has closed its AF_XDP sockets: its rules and statistics are
 * garbage even before its parent reaps it. */
Test(owner, zombie_is_gone)
{
	struct xs_owner owner;
	siginfo_t info;
	pid_t pid;

	pid = fork();
	cr_assert_geq(pid, 0);
	if (pid == 0) {
		pause();
		_exit(0);
	}
	cr_assert_eq(xs_owner_of(pid, &owner), 0);
	cr_assert(xs_owner_alive(&owner));
	kill(pid, SIGKILL);
	/* Wait for the exit without reaping. */
	cr_assert_eq(waitid(P_PID, pid, &info, WEXITED | WNOWAIT), 0);
	cr_assert_not(xs_owner_alive(&owner), "a zombie counts as alive");
	cr_assert_eq(waitpid(pid, NULL, 0), pid);
	cr_assert_not(xs_owner_alive(&owner));
}
