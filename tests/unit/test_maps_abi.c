// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * The map layouts are an ABI between a loaded XDP program and every process
 * that reads its maps: these asserts fail on any accidental change of size
 * or field offset (a deliberate change updates them and bumps XS_MAPS_ABI).
 */
#include <arpa/inet.h>
#include <stddef.h>
#include <string.h>
#include <netinet/in.h>

#include <criterion/criterion.h>

#include "ctl/ctl.h"

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
