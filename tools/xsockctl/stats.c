// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * xsockctl stats: the program's counters by name, summed over CPUs, and
 * with `rule` each rule's packets and bytes.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "xsockctl/xsockctl.h"

int xs_cmd_stats(int argc, char **argv)
{
	struct xs_xdp_stats st;
	char ifname[IF_NAMESIZE];
	bool rules = false;
	const struct xs_keyword kws[] = {
		{ "rule", NULL, NULL, &rules },
		{ NULL },
	};
	struct xs_ctl c;
	int err;

	if (argc >= 1 && !strcmp(argv[0], "help")) {
		printf("Usage: xsockctl stats IFACE [rule]\n"
		       "  Counters of the steering program, summed over CPUs; with rule, per rule.\n");
		for (size_t i = 0; i < xs_stat_nfields; i++)
			printf("  %-22s %s\n", xs_stat_fields[i].name, xs_stat_fields[i].help);
		return XS_EXIT_OK;
	}
	if (argc < 1)
		return xs_err(XS_EXIT_USAGE, "stats: missing IFACE (xsockctl stats help)");
	if (xs_parse_ifname(argv[0], ifname) || xs_parse_keywords(kws, argc - 1, argv + 1))
		return xs_err(XS_EXIT_USAGE, "stats: %s", xs_ctl_strerror(-EINVAL));
	if (xs_need_root())
		return XS_EXIT_ERROR;
	err = xs_ctl_open(&c, ifname);
	if (err)
		return xs_err_ctl(err);
	err = xs_ctl_stats_read(&c, &st);
	if (err) {
		xs_ctl_close(&c);
		return xs_err(XS_EXIT_ERROR, "%s: cannot read stats: %s", ifname, strerror(-err));
	}

	xs_out_begin();
	if (xs_json_output) {
		xs_json_start_object(xs_jw);
		xs_json_string_field(xs_jw, "ifname", ifname);
		xs_json_name(xs_jw, "stats");
		xs_json_start_object(xs_jw);
	}
	for (size_t i = 0; i < xs_stat_nfields; i++) {
		__u64 v;

		memcpy(&v, (const char *)&st + xs_stat_fields[i].off, sizeof(v));
		if (xs_json_output)
			xs_json_uint_field(xs_jw, xs_stat_fields[i].name, v);
		else
			printf("%-22s %llu\n", xs_stat_fields[i].name, (unsigned long long)v);
	}
	if (xs_json_output)
		xs_json_end_object(xs_jw);
	if (rules) {
		if (xs_json_output)
			xs_json_name(xs_jw, "rules");
		else
			printf("\n");
		err = xs_rules_print(&c);
	}
	xs_ctl_close(&c);
	if (err)
		return xs_err_ctl(err);
	if (xs_json_output)
		xs_json_end_object(xs_jw);
	xs_out_end();
	return XS_EXIT_OK;
}
