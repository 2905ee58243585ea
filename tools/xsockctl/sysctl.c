// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * xsockctl sysctl: the config map with sysctl(8)'s syntax.  Every argument
 * is parsed and checked before anything is written, and all assignments of
 * one command are written together, so `xsock.umem_frames=16384
 * xsock.rx_ring_size=4096` passes the check that they only pass together.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "xsockctl/xsockctl.h"

static int sysctl_help(void)
{
	printf("Usage: xsockctl sysctl IFACE [-a] [-w] [KEY[=VALUE] ...]\n"
	       "  KEY prints \"KEY = VALUE\"; KEY=VALUE writes, then prints the new value.\n"
	       "  -a (or no KEY) prints every key; -w is accepted for sysctl(8) habits.\n"
	       "KEY := {");
	for (size_t i = 0; i < xs_cfg_nkeys; i++)
		printf("%s %s", i ? " |" : "", xs_cfg_keys[i].name);
	printf(" }\n");
	for (size_t i = 0; i < xs_cfg_nkeys; i++) {
		const struct xs_cfg_key *k = &xs_cfg_keys[i];

		printf("  %-28s %s", k->name, k->help);
		if (k->type != XS_CFG_BIND_MODE && k->type != XS_CFG_FRAME)
			printf(" [%lld..%lld]", k->min, k->max);
		printf("\n");
	}
	return XS_EXIT_OK;
}

static void print_value(const struct xs_config *cfg, const struct xs_cfg_key *k)
{
	long long v = xs_cfg_get(cfg, k);
	char buf[32];

	xs_cfg_format(k, v, buf, sizeof(buf));
	if (!xs_json_output) {
		printf("%s = %s\n", k->name, buf);
		return;
	}
	if (k->type == XS_CFG_BIND_MODE)
		xs_json_string_field(xs_jw, k->name, buf);
	else
		xs_json_int_field(xs_jw, k->name, v);
}

int xs_cmd_sysctl(int argc, char **argv)
{
	const struct xs_cfg_key **show = NULL;
	struct xs_cfg_set *sets = NULL;
	size_t nshow = 0, nsets = 0;
	bool all = false, write_flag = false;
	char ifname[IF_NAMESIZE];
	struct xs_config cfg;
	struct xs_ctl c;
	int err, status = XS_EXIT_USAGE;

	if (argc >= 1 && !strcmp(argv[0], "help"))
		return sysctl_help();
	if (argc < 1)
		return xs_err(XS_EXIT_USAGE, "sysctl: missing IFACE (xsockctl sysctl help)");
	if (xs_parse_ifname(argv[0], ifname))
		return xs_err(XS_EXIT_USAGE, "sysctl: %s", xs_ctl_strerror(-EINVAL));
	show = calloc(argc, sizeof(*show));
	sets = calloc(argc, sizeof(*sets));
	if (!show || !sets) {
		status = xs_err_ctl(-ENOMEM);
		goto out;
	}
	for (int i = 1; i < argc; i++) {
		const struct xs_cfg_key *k;
		char *arg = argv[i], *eq;

		if (!strcmp(arg, "-a") || !strcmp(arg, "-A") || !strcmp(arg, "--all")) {
			all = true;
			continue;
		}
		if (!strcmp(arg, "-w") || !strcmp(arg, "--write")) {
			write_flag = true;
			continue;
		}
		if (arg[0] == '-') {
			xs_err(XS_EXIT_USAGE, "sysctl: unknown option '%s'", arg);
			goto out;
		}
		eq = strchr(arg, '=');
		if (eq)
			*eq = '\0';
		k = xs_cfg_key_find(arg);
		if (!k) {
			xs_err(XS_EXIT_USAGE, "sysctl: %s", xs_ctl_strerror(-ENOENT));
			goto out;
		}
		if (!eq && write_flag) {
			xs_err(XS_EXIT_USAGE, "sysctl: \"%s\" must be of the form name=value", arg);
			goto out;
		}
		if (eq) {
			long long v;

			if (xs_cfg_parse(k, eq + 1, &v)) {
				xs_err(XS_EXIT_ERROR, "%s", xs_ctl_strerror(-EINVAL));
				status = XS_EXIT_ERROR;
				goto out;
			}
			sets[nsets].key = k;
			sets[nsets++].val = v;
		}
		show[nshow++] = k;
	}
	if (xs_need_root()) {
		status = XS_EXIT_ERROR;
		goto out;
	}
	status = XS_EXIT_ERROR;
	err = xs_ctl_open(&c, ifname);
	if (err) {
		xs_err_ctl(err);
		goto out;
	}
	if (nsets)
		err = xs_ctl_config_set(&c, sets, nsets, &cfg);
	else
		err = xs_ctl_config_read(&c, &cfg);
	xs_ctl_close(&c);
	if (err) {
		xs_err(XS_EXIT_ERROR, "%s", xs_ctl_strerror(err));
		goto out;
	}

	xs_out_begin();
	if (xs_json_output)
		xs_json_start_object(xs_jw);
	if (all || nshow == 0) {
		for (size_t i = 0; i < xs_cfg_nkeys; i++)
			print_value(&cfg, &xs_cfg_keys[i]);
	} else {
		for (size_t i = 0; i < nshow; i++)
			print_value(&cfg, show[i]);
	}
	if (xs_json_output)
		xs_json_end_object(xs_jw);
	xs_out_end();
	status = XS_EXIT_OK;
out:
	free(show);
	free(sets);
	return status;
}
