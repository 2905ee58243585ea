// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * xsockctl: the xsock control plane.  Global options, then
 * `OBJECT {COMMAND | help}` dispatched through prefix-matched tables
 * (common.c); each object lives in its own file.
 */
#include <getopt.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>

#include <bpf/libbpf.h>

#include "xsockctl/xsockctl.h"

static bool debug;

static int print_libbpf(enum libbpf_print_level level, const char *fmt, va_list ap)
{
	if (level == LIBBPF_DEBUG && !debug)
		return 0;
	/* Keep stdout a clean JSON document. */
	return vfprintf(stderr, fmt, ap);
}

static int print_version(void)
{
	if (xs_json_output) {
		if (xs_out_begin())
			return XS_EXIT_ERROR;
		xs_json_start_object(xs_jw);
		xs_json_string_field(xs_jw, "version", XSOCKCTL_VERSION);
		xs_json_uint_field(xs_jw, "maps_abi", XS_MAPS_ABI);
		xs_json_string_field(xs_jw, "libbpf", libbpf_version_string());
		xs_json_end_object(xs_jw);
		xs_out_end();
	} else {
		printf("xsockctl v%s (maps ABI %d, libbpf %s)\n", XSOCKCTL_VERSION,
		       XS_MAPS_ABI, libbpf_version_string());
	}
	return XS_EXIT_OK;
}

int main(int argc, char **argv)
{
	static const struct option options[] = {
		{ "json", no_argument, NULL, 'j' },
		{ "pretty", no_argument, NULL, 'p' },
		{ "debug", no_argument, NULL, 'd' },
		{ "version", no_argument, NULL, 'V' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	bool version = false, help = false;
	int opt;

	opterr = 0;	/* our own message, as JSON with -j */
	/* '+': options end at OBJECT, so `sysctl IFACE -a` reaches sysctl. */
	while ((opt = getopt_long(argc, argv, "+jpdVh", options, NULL)) >= 0) {
		switch (opt) {
		case 'j':
			xs_json_output = true;
			break;
		case 'p':
			xs_json_output = true;
			xs_pretty_output = true;
			break;
		case 'd':
			debug = true;
			break;
		case 'V':
			version = true;
			break;
		case 'h':
			help = true;
			break;
		default:
			if (optopt)
				return xs_err(XS_EXIT_USAGE, "unknown option '-%c' (xsockctl help)", optopt);
			return xs_err(XS_EXIT_USAGE, "unknown option '%s' (xsockctl help)",
				      argv[optind - 1]);
		}
	}
	libbpf_set_print(print_libbpf);
	if (version)
		return print_version();
	if (help)
		return xs_cmd_help(0, NULL);
	argc -= optind;
	argv += optind;
	if (argc < 1) {
		xs_cmd_help(0, NULL);
		return XS_EXIT_USAGE;
	}
	return xs_cmd_run(xs_objects, argc, argv, "object");
}
