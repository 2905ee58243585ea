// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * The sysctl key table: names, the kernel's own ranges for net.core.*,
 * xsock's rules for its knobs, the messages a user reads, and the seqlock
 * over a real mmap-able array map (root only).
 */
#include <errno.h>
#include <limits.h>
#include <string.h>
#include <unistd.h>

#include <bpf/bpf.h>
#include <criterion/criterion.h>

#include "ctl/ctl.h"

static const struct xs_cfg_key *key(const char *name)
{
	const struct xs_cfg_key *k = xs_cfg_key_find(name);

	cr_assert_not_null(k, "key %s", name);
	return k;
}

static void parse_ok(const char *name, const char *s, long long want)
{
	long long v = 0;

	cr_assert_eq(xs_cfg_parse(key(name), s, &v), 0, "%s=%s: %s", name, s,
		     xs_ctl_strerror(-EINVAL));
	cr_assert_eq(v, want, "%s=%s", name, s);
}

static void parse_bad(const char *name, const char *s, const char *msg)
{
	long long v = 12345;

	cr_assert_eq(xs_cfg_parse(key(name), s, &v), -EINVAL, "%s=%s", name, s);
	cr_assert_eq(v, 12345);
	if (msg)
		cr_assert_str_eq(xs_ctl_strerror(-EINVAL), msg);
}

Test(sysctl_keys, every_field_once)
{
	static const char *names[] = {
		"net.core.rmem_default", "net.core.rmem_max", "net.core.wmem_default",
		"net.core.wmem_max", "net.core.optmem_max", "net.core.netdev_max_backlog",
		"net.core.message_cost", "net.core.message_burst", "xsock.busy_poll_us",
		"xsock.busy_poll_budget", "xsock.rx_ring_size", "xsock.tx_ring_size",
		"xsock.fill_ring_size", "xsock.comp_ring_size", "xsock.umem_frames",
		"xsock.frame_size", "xsock.bind_mode",
	};

	cr_assert_eq(xs_cfg_nkeys, sizeof(names) / sizeof(names[0]));
	for (size_t i = 0; i < xs_cfg_nkeys; i++) {
		cr_assert_str_eq(xs_cfg_keys[i].name, names[i]);
		for (size_t j = 0; j < i; j++)
			cr_assert_neq(xs_cfg_keys[i].off, xs_cfg_keys[j].off, "%s", names[i]);
		cr_assert(xs_cfg_keys[i].off >= 8 && xs_cfg_keys[i].off + 4 <= 80);
	}
	cr_assert_eq(key("net.core.rmem_max")->off, offsetof(struct xs_config, rmem_max));
	cr_assert_eq(key("xsock.bind_mode")->off, offsetof(struct xs_config, bind_mode));
}

Test(sysctl_keys, unknown)
{
	cr_assert_null(xs_cfg_key_find("net.core.somaxconn"));
	cr_assert_str_eq(xs_ctl_strerror(-ENOENT), "unknown key 'net.core.somaxconn'");
	cr_assert_null(xs_cfg_key_find("rmem_max"));
	cr_assert_null(xs_cfg_key_find(""));
	cr_assert_null(xs_cfg_key_find("net.core.rmem_max "));
}

Test(sysctl_keys, buffer_minimums)
{
	parse_ok("net.core.rmem_max", "2304", 2304);
	parse_ok("net.core.rmem_default", "2147483647", INT_MAX);
	parse_bad("net.core.rmem_max", "100", "net.core.rmem_max: 100 is below the minimum 2304");
	parse_bad("net.core.rmem_default", "2303", NULL);
	parse_ok("net.core.wmem_max", "4608", 4608);
	parse_bad("net.core.wmem_max", "4607", "net.core.wmem_max: 4607 is below the minimum 4608");
	parse_bad("net.core.wmem_default", "2304", NULL);
	parse_bad("net.core.wmem_default", "2147483648",
		  "net.core.wmem_default: 2147483648 is above the maximum 2147483647");
	parse_ok("net.core.optmem_max", "0", 0);
	parse_bad("net.core.optmem_max", "-1", NULL);
}

Test(sysctl_keys, negative_values_the_kernel_accepts)
{
	parse_ok("net.core.netdev_max_backlog", "-5", -5);
	parse_ok("net.core.netdev_max_backlog", "-2147483648", INT_MIN);
	parse_bad("net.core.netdev_max_backlog", "-2147483649", NULL);
	parse_ok("net.core.message_burst", "-1", -1);
	parse_ok("net.core.message_cost", "-2147483", -2147483);
	parse_ok("net.core.message_cost", "2147483", 2147483);
	parse_bad("net.core.message_cost", "2147484",
		  "net.core.message_cost: 2147484 is above the maximum 2147483");
	parse_bad("net.core.message_cost", "-2147484", NULL);
}

Test(sysctl_keys, not_integers)
{
	parse_bad("net.core.rmem_max", "abc", "net.core.rmem_max: 'abc' is not an integer");
	parse_bad("net.core.rmem_max", "", NULL);
	parse_bad("net.core.rmem_max", "4096k", NULL);
	parse_bad("xsock.busy_poll_us", "99999999999999999999", NULL);
}

Test(sysctl_keys, rings_and_frames)
{
	parse_ok("xsock.rx_ring_size", "64", 64);
	parse_ok("xsock.comp_ring_size", "32768", 32768);
	parse_bad("xsock.rx_ring_size", "100", "xsock.rx_ring_size: 100 is not a power of two");
	parse_bad("xsock.tx_ring_size", "32", "xsock.tx_ring_size: 32 is below the minimum 64");
	parse_bad("xsock.fill_ring_size", "65536", NULL);
	parse_ok("xsock.frame_size", "2048", 2048);
	parse_ok("xsock.frame_size", "4096", 4096);
	parse_bad("xsock.frame_size", "3000", "xsock.frame_size: 3000 is not 2048 or 4096");
	parse_bad("xsock.frame_size", "8192", NULL);
	parse_ok("xsock.busy_poll_us", "0", 0);
	parse_bad("xsock.busy_poll_us", "1000001", NULL);
	parse_ok("xsock.busy_poll_budget", "65535", 65535);
	parse_bad("xsock.busy_poll_budget", "65536", NULL);
	parse_bad("xsock.umem_frames", "255", NULL);
}

Test(sysctl_keys, bind_mode)
{
	const struct xs_cfg_key *k = key("xsock.bind_mode");
	char buf[16];

	parse_ok("xsock.bind_mode", "auto", XS_BIND_AUTO);
	parse_ok("xsock.bind_mode", "copy", XS_BIND_COPY);
	parse_ok("xsock.bind_mode", "zerocopy", XS_BIND_ZEROCOPY);
	parse_bad("xsock.bind_mode", "1", "xsock.bind_mode: '1' is not one of auto, copy, zerocopy");
	parse_bad("xsock.bind_mode", "zc", NULL);
	xs_cfg_format(k, XS_BIND_ZEROCOPY, buf, sizeof(buf));
	cr_assert_str_eq(buf, "zerocopy");
}

Test(sysctl_keys, get_put_signed)
{
	const struct xs_cfg_key *k = key("net.core.netdev_max_backlog");
	const struct xs_cfg_key *u = key("xsock.umem_frames");
	struct xs_config cfg;
	char buf[32];

	memset(&cfg, 0, sizeof(cfg));
	xs_cfg_put(&cfg, k, -7);
	cr_assert_eq(cfg.netdev_max_backlog, -7);
	cr_assert_eq(xs_cfg_get(&cfg, k), -7);
	xs_cfg_put(&cfg, u, 1048576);
	cr_assert_eq(cfg.umem_frames, 1048576);
	cr_assert_eq(cfg.message_burst, 0, "neighbours untouched");
	xs_cfg_format(k, -7, buf, sizeof(buf));
	cr_assert_str_eq(buf, "-7");
}

Test(sysctl_keys, defaults_are_valid)
{
	struct xs_config cfg;

	cr_assert_eq(xs_cfg_defaults(&cfg), 0);
	cr_assert_eq(cfg.generation, 0);
	cr_assert_eq(cfg.busy_poll_us, 50);
	cr_assert_eq(cfg.busy_poll_budget, 64);
	cr_assert_eq(cfg.rx_ring_size, 2048);
	cr_assert_eq(cfg.umem_frames, 8192);
	cr_assert_eq(cfg.frame_size, 4096);
	cr_assert_eq(cfg.bind_mode, XS_BIND_AUTO);
	cr_assert_geq(cfg.rmem_max, 2304);
	cr_assert_geq(cfg.wmem_default, 4608);
	cr_assert_eq(xs_cfg_validate(&cfg), 0);
	/* Every default passes its own key's parser. */
	for (size_t i = 0; i < xs_cfg_nkeys; i++) {
		char buf[32];
		long long v;

		xs_cfg_format(&xs_cfg_keys[i], xs_cfg_get(&cfg, &xs_cfg_keys[i]), buf, sizeof(buf));
		cr_assert_eq(xs_cfg_parse(&xs_cfg_keys[i], buf, &v), 0, "%s = %s",
			     xs_cfg_keys[i].name, buf);
	}
}

Test(sysctl_keys, umem_must_cover_the_rings)
{
	struct xs_config cfg;

	xs_cfg_defaults(&cfg);
	cfg.rx_ring_size = 4096;
	cr_assert_eq(xs_cfg_validate(&cfg), -EINVAL);
	cr_assert_str_eq(xs_ctl_strerror(-EINVAL),
			 "xsock.umem_frames: 8192 is below rx + tx + fill + comp ring sizes (10240)");
	cfg.umem_frames = 10240;
	cr_assert_eq(xs_cfg_validate(&cfg), 0);
}

Test(config_map, seqlock_store_load)
{
	LIBBPF_OPTS(bpf_map_create_opts, opts, .map_flags = BPF_F_MMAPABLE);
	struct xs_config in, out;
	int fd;

	if (geteuid() != 0)
		cr_skip_test("creating a BPF map needs root");
	fd = bpf_map_create(BPF_MAP_TYPE_ARRAY, "xs_cfg_test", 4, sizeof(struct xs_config),
			    1, &opts);
	cr_assert_geq(fd, 0, "bpf_map_create: %s", strerror(errno));
	xs_cfg_defaults(&in);
	in.generation = 999;	/* ignored: the writer owns it */
	cr_assert_eq(xs_config_store(fd, &in), 0);
	cr_assert_eq(xs_config_load(fd, &out), 0);
	cr_assert_eq(out.generation, 2, "a fresh map goes 0 -> 1 -> 2");
	cr_assert_eq(out.umem_frames, 8192);
	cr_assert_eq(out.rmem_max, in.rmem_max);
	in.busy_poll_us = 7;
	cr_assert_eq(xs_config_store(fd, &in), 0);
	cr_assert_eq(xs_config_load(fd, &out), 0);
	cr_assert_eq(out.generation, 4);
	cr_assert_eq(out.busy_poll_us, 7);
	close(fd);
}

/* The lasting read-only view a running stack keeps: a write shows as a new
 * generation at once, reading it gives the new values, and the mapping
 * outlives the map's fd. */
Test(config_map, view_sees_writes)
{
	LIBBPF_OPTS(bpf_map_create_opts, opts, .map_flags = BPF_F_MMAPABLE);
	const struct xs_config *view;
	struct xs_config in, out;
	int fd;

	if (geteuid() != 0)
		cr_skip_test("creating a BPF map needs root");
	fd = bpf_map_create(BPF_MAP_TYPE_ARRAY, "xs_cfg_view", 4, sizeof(struct xs_config),
			    1, &opts);
	cr_assert_geq(fd, 0, "bpf_map_create: %s", strerror(errno));
	xs_cfg_defaults(&in);
	cr_assert_eq(xs_config_store(fd, &in), 0);
	view = xs_config_view_open(fd);
	cr_assert_not_null(view, "mmap: %s", strerror(errno));
	cr_assert_eq(xs_config_view_generation(view), 2);
	in.rmem_max = 123456;
	in.message_burst = -3;
	cr_assert_eq(xs_config_store(fd, &in), 0);
	close(fd);
	cr_assert_eq(xs_config_view_generation(view), 4, "the write is seen without a syscall");
	cr_assert_eq(xs_config_view_read(view, &out), 0);
	cr_assert_eq(out.generation, 4);
	cr_assert_eq(out.rmem_max, 123456);
	cr_assert_eq(out.message_burst, -3);
	xs_config_view_close(view);
}
