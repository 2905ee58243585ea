// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * The steering program loads (the verifier accepts it) and every map the
 * kernel created has the type, sizes and value type that include/xsock/
 * maps.h promises to libxsock and xsockctl.  A header changed without the
 * program (or the other way round) fails here, before it corrupts a map.
 */
#include <errno.h>
#include <string.h>

#include <bpf/bpf.h>
#include <bpf/btf.h>
#include <bpf/libbpf.h>
#include <criterion/criterion.h>

#include "ctl/ctl.h"
#include "lib/steer_prog.h"

TestSuite(maps, .init = steer_setup, .fini = steer_teardown);

/* Compares what the kernel holds for `map` with the header's promise. */
static void expect_map(struct bpf_map *map, enum bpf_map_type type, __u32 key_size,
		       __u32 value_size, __u32 max_entries, const char *value_type)
{
	struct bpf_map_info info;
	__u32 len = sizeof(info);
	const struct btf_type *t;
	const struct btf *btf;

	memset(&info, 0, sizeof(info));
	cr_assert_eq(bpf_obj_get_info_by_fd(bpf_map__fd(map), &info, &len), 0,
		     "map info: %s", strerror(errno));
	cr_expect_str_eq(info.name, bpf_map__name(map));
	cr_expect_eq(info.type, type, "%s: type %u, expected %u", info.name, info.type, type);
	cr_expect_eq(info.key_size, key_size, "%s: key %u bytes, header says %u",
		     info.name, info.key_size, key_size);
	cr_expect_eq(info.value_size, value_size, "%s: value %u bytes, header says %u",
		     info.name, info.value_size, value_size);
	cr_expect_eq(info.max_entries, max_entries, "%s: %u entries, header says %u",
		     info.name, info.max_entries, max_entries);
	if (!value_type)
		return;
	/* The value's BTF type is the header's struct, so `bpftool map
	 * dump` prints the fields users read about. */
	btf = bpf_object__btf(steer.skel->obj);
	cr_assert(btf);
	t = btf__type_by_id(btf, bpf_map__btf_value_type_id(map));
	cr_assert(t, "%s: no BTF for the value", info.name);
	cr_expect_str_eq(btf__name_by_offset(btf, t->name_off), value_type,
			 "%s: value type in BTF", info.name);
}

static __u32 map_id(struct bpf_map *map)
{
	struct bpf_map_info info;
	__u32 len = sizeof(info);

	memset(&info, 0, sizeof(info));
	cr_assert_eq(bpf_obj_get_info_by_fd(bpf_map__fd(map), &info, &len), 0);
	return info.id;
}

static int uses_map(const __u32 *ids, __u32 n, struct bpf_map *map)
{
	__u32 id = map_id(map), i;

	for (i = 0; i < n; i++)
		if (ids[i] == id)
			return 1;
	return 0;
}

Test(maps, program_is_loaded_xdp)
{
	struct bpf_prog_info info;
	__u32 len = sizeof(info), ids[16] = { 0 };
	struct xsock *s = steer.skel;

	memset(&info, 0, sizeof(info));
	info.nr_map_ids = 16;
	info.map_ids = (__u64)(unsigned long)ids;
	cr_assert_eq(bpf_obj_get_info_by_fd(steer.prog_fd, &info, &len), 0,
		     "prog info: %s", strerror(errno));
	cr_expect_eq(info.type, BPF_PROG_TYPE_XDP);
	cr_expect_str_eq(info.name, "xsock_steer");
	cr_expect_gt(info.xlated_prog_len, 0, "the verifier kept no instructions");
	/* The maps the packet path reads and writes are the skeleton's (the
	 * config and stacks maps are for the stacks only). */
	cr_expect_eq(info.nr_map_ids, 5, "program uses %u maps", info.nr_map_ids);
	cr_expect(uses_map(ids, info.nr_map_ids, s->maps.xsks));
	cr_expect(uses_map(ids, info.nr_map_ids, s->maps.flows));
	cr_expect(uses_map(ids, info.nr_map_ids, s->maps.listeners));
	cr_expect(uses_map(ids, info.nr_map_ids, s->maps.port_gate));
	cr_expect(uses_map(ids, info.nr_map_ids, s->maps.stats));
}

Test(maps, names_match_pin_names)
{
	cr_expect_str_eq(bpf_map__name(steer.skel->maps.xsks), XS_MAP_XSKS);
	cr_expect_str_eq(bpf_map__name(steer.skel->maps.flows), XS_MAP_FLOWS);
	cr_expect_str_eq(bpf_map__name(steer.skel->maps.listeners), XS_MAP_LISTENERS);
	cr_expect_str_eq(bpf_map__name(steer.skel->maps.port_gate), XS_MAP_PORT_GATE);
	cr_expect_str_eq(bpf_map__name(steer.skel->maps.stats), XS_MAP_STATS);
	cr_expect_str_eq(bpf_map__name(steer.skel->maps.config), XS_MAP_CONFIG);
	cr_expect_str_eq(bpf_map__name(steer.skel->maps.stacks), XS_MAP_STACKS);
}

/* attach pins, and xs_ctl_open opens, the maps of xs_ctl_map_names: a map
 * of the program missing from that list would never be pinned, a name of
 * the list missing from the program would make attach fail. */
Test(maps, pin_list_is_every_map)
{
	struct bpf_map *map;
	int n = 0;

	for (int i = 0; i < XS_CTL_MAP_NR; i++)
		cr_expect_not_null(bpf_object__find_map_by_name(steer.skel->obj,
								xs_ctl_map_names[i]),
				   "no map '%s' in the program", xs_ctl_map_names[i]);
	bpf_object__for_each_map(map, steer.skel->obj) {
		bool listed = false;

		if (bpf_map__is_internal(map))
			continue;	/* .rodata and friends: not pinned */
		for (int i = 0; i < XS_CTL_MAP_NR; i++)
			listed |= !strcmp(bpf_map__name(map), xs_ctl_map_names[i]);
		cr_expect(listed, "map '%s' is not in xs_ctl_map_names", bpf_map__name(map));
		n++;
	}
	cr_expect_eq(n, XS_CTL_MAP_NR);
}

Test(maps, xsks_layout)
{
	expect_map(steer.skel->maps.xsks, BPF_MAP_TYPE_XSKMAP, sizeof(__u32), sizeof(__u32),
		   XS_MAX_QUEUES, NULL);
}

Test(maps, flows_layout)
{
	expect_map(steer.skel->maps.flows, BPF_MAP_TYPE_HASH, sizeof(struct xs_flow_key),
		   sizeof(struct xs_flow_val), XS_MAX_FLOWS, "xs_flow_val");
	cr_expect_eq(sizeof(struct xs_flow_key), 40, "flow key has hidden padding");
}

Test(maps, listeners_layout)
{
	expect_map(steer.skel->maps.listeners, BPF_MAP_TYPE_PERCPU_HASH,
		   sizeof(struct xs_listen_key), sizeof(struct xs_listen_val),
		   XS_MAX_LISTENERS, "xs_listen_val");
	cr_expect_eq(sizeof(struct xs_listen_key), 20, "listener key has hidden padding");
}

Test(maps, port_gate_layout)
{
	expect_map(steer.skel->maps.port_gate, BPF_MAP_TYPE_ARRAY, sizeof(__u32),
		   sizeof(__u32), XS_GATE_SLOTS, NULL);
}

Test(maps, stats_layout)
{
	expect_map(steer.skel->maps.stats, BPF_MAP_TYPE_PERCPU_ARRAY, sizeof(__u32),
		   sizeof(struct xs_xdp_stats), 1, "xs_xdp_stats");
}

Test(maps, config_layout)
{
	struct bpf_map_info info;
	__u32 len = sizeof(info);

	expect_map(steer.skel->maps.config, BPF_MAP_TYPE_ARRAY, sizeof(__u32),
		   sizeof(struct xs_config), 1, "xs_config");
	memset(&info, 0, sizeof(info));
	cr_assert_eq(bpf_obj_get_info_by_fd(bpf_map__fd(steer.skel->maps.config), &info, &len), 0);
	cr_expect(info.map_flags & BPF_F_MMAPABLE, "config must be mmap-able for readers");
}

Test(maps, stacks_layout)
{
	expect_map(steer.skel->maps.stacks, BPF_MAP_TYPE_HASH, sizeof(__u32),
		   sizeof(struct xs_stack_stats), XS_MAX_STACKS, "xs_stack_stats");
	cr_expect_eq(sizeof(struct xs_stack_stats) % 8, 0, "stack stats have a ragged end");
}

/* A fresh load starts from zero: the tests rely on it, and so does a user
 * reading `xsockctl stats` right after attach. */
Test(maps, stats_start_at_zero)
{
	STEER_EXPECT(.rx_packets = 0);
}
