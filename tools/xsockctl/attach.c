// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * xsockctl attach | detach | status: putting the steering program on an
 * interface, taking it off, and showing where it is.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "xsockctl/xsockctl.h"

/* An object whose first argument is an interface takes `help` literally,
 * not as a prefix, so an interface called "h" stays usable. */
static bool wants_help(int argc, char **argv)
{
	return argc >= 1 && !strcmp(argv[0], "help");
}

static int attach_help(void)
{
	printf("Usage: xsockctl attach IFACE [mode {native|generic}] [force]\n"
	       "  Without mode, native is tried first and generic used if the driver refuses.\n"
	       "  force replaces a program already attached (xsock's or another's).\n");
	return XS_EXIT_OK;
}

struct status_row {
	struct xs_attach_info info;
	unsigned listeners;
	unsigned flows;
	__u64 generation;
};

static int status_collect(const char *ifname, struct status_row *row)
{
	struct xs_config cfg;
	struct xs_ctl c;
	int err;

	memset(row, 0, sizeof(*row));
	err = xs_ctl_query(ifname, &row->info);
	if (err)
		return err;
	err = xs_ctl_open(&c, ifname);
	if (err)
		return err;
	err = xs_ctl_rules_count(&c, &row->listeners, &row->flows);
	if (!err)
		err = xs_ctl_config_read(&c, &cfg);
	row->generation = cfg.generation;
	xs_ctl_close(&c);
	return err;
}

static void status_print(const struct status_row *r)
{
	const struct xs_attach_info *i = &r->info;

	if (xs_json_output) {
		xs_json_start_object(xs_jw);
		xs_json_string_field(xs_jw, "ifname", i->ifname);
		xs_json_int_field(xs_jw, "ifindex", i->ifindex);
		xs_json_string_field(xs_jw, "mode", xs_attach_mode_name(i->mode));
		xs_json_uint_field(xs_jw, "prog_id", i->prog_id);
		xs_json_uint_field(xs_jw, "link_id", i->link_id);
		xs_json_string_field(xs_jw, "pin_dir", i->dir);
		xs_json_uint_field(xs_jw, "listener_rules", r->listeners);
		xs_json_uint_field(xs_jw, "flow_rules", r->flows);
		xs_json_uint_field(xs_jw, "config_generation", r->generation);
		xs_json_end_object(xs_jw);
		return;
	}
	printf("%s: ifindex %d  mode %s  prog_id %u  link_id %u\n",
	       i->ifname, i->ifindex, xs_attach_mode_name(i->mode), i->prog_id, i->link_id);
	printf("\tpins %s\n", i->dir);
	printf("\trules listener %u  flow %u  config_generation %llu\n",
	       r->listeners, r->flows, (unsigned long long)r->generation);
}

int xs_cmd_attach(int argc, char **argv)
{
	enum xs_attach_mode mode = XS_ATTACH_AUTO;
	char ifname[IF_NAMESIZE];
	bool force = false;
	const struct xs_keyword kws[] = {
		{ "mode", xs_parse_mode, &mode, NULL },
		{ "force", NULL, NULL, &force },
		{ NULL },
	};
	struct status_row row;
	int err;

	if (wants_help(argc, argv))
		return attach_help();
	if (argc < 1)
		return xs_err(XS_EXIT_USAGE, "attach: missing IFACE (xsockctl attach help)");
	if (xs_parse_ifname(argv[0], ifname) || xs_parse_keywords(kws, argc - 1, argv + 1))
		return xs_err(XS_EXIT_USAGE, "attach: %s", xs_ctl_strerror(-EINVAL));
	if (xs_need_root())
		return XS_EXIT_ERROR;
	err = xs_ctl_attach(ifname, mode, force, &row.info);
	if (err)
		return xs_err_ctl(err);
	if (xs_json_output) {
		err = status_collect(ifname, &row);
		if (err)
			return xs_err_ctl(err);
		xs_out_begin();
		status_print(&row);
		xs_out_end();
	} else {
		printf("%s: attached in %s mode (prog_id %u, link_id %u)\n", ifname,
		       xs_attach_mode_name(row.info.mode), row.info.prog_id, row.info.link_id);
	}
	return XS_EXIT_OK;
}

int xs_cmd_detach(int argc, char **argv)
{
	char ifname[IF_NAMESIZE];
	int err;

	if (wants_help(argc, argv)) {
		printf("Usage: xsockctl detach IFACE\n");
		return XS_EXIT_OK;
	}
	if (argc != 1)
		return xs_err(XS_EXIT_USAGE, "detach: want exactly one IFACE (xsockctl detach help)");
	if (xs_parse_ifname(argv[0], ifname))
		return xs_err(XS_EXIT_USAGE, "detach: %s", xs_ctl_strerror(-EINVAL));
	if (xs_need_root())
		return XS_EXIT_ERROR;
	err = xs_ctl_detach(ifname);
	if (err)
		return xs_err_ctl(err);
	xs_print_null();
	return XS_EXIT_OK;
}

struct status_all {
	struct status_row *rows;
	size_t n;
};

static int status_one(const char *ifname, void *ctx)
{
	struct status_all *all = ctx;
	struct status_row row, *tmp;

	/* Stale directories are not attachments: skip them. */
	if (status_collect(ifname, &row))
		return 0;
	tmp = realloc(all->rows, (all->n + 1) * sizeof(*tmp));
	if (!tmp)
		return -ENOMEM;
	all->rows = tmp;
	all->rows[all->n++] = row;
	return 0;
}

int xs_cmd_status(int argc, char **argv)
{
	struct status_all all = { 0 };
	char ifname[IF_NAMESIZE];
	struct status_row row;
	int err;

	if (wants_help(argc, argv)) {
		printf("Usage: xsockctl status [IFACE]\n"
		       "  Without IFACE: every interface of this network namespace with xsock attached.\n");
		return XS_EXIT_OK;
	}
	if (argc > 1)
		return xs_err(XS_EXIT_USAGE, "status: too many arguments (xsockctl status help)");
	if (argc == 1 && xs_parse_ifname(argv[0], ifname))
		return xs_err(XS_EXIT_USAGE, "status: %s", xs_ctl_strerror(-EINVAL));
	if (xs_need_root())
		return XS_EXIT_ERROR;

	if (argc == 1) {
		err = status_collect(ifname, &row);
		if (err)
			return xs_err_ctl(err);
		xs_out_begin();
		status_print(&row);
		xs_out_end();
		return XS_EXIT_OK;
	}

	err = xs_ctl_bpffs_prepare(false);
	if (!err)
		err = xs_ctl_for_each_iface(status_one, &all);
	else if (err == -ENOENT)
		err = 0;	/* no bpffs: nothing was ever attached */
	if (err) {
		free(all.rows);
		return xs_err_ctl(err);
	}
	xs_out_begin();
	if (xs_json_output)
		xs_json_start_array(xs_jw);
	for (size_t i = 0; i < all.n; i++)
		status_print(&all.rows[i]);
	if (xs_json_output)
		xs_json_end_array(xs_jw);
	xs_out_end();
	free(all.rows);
	return XS_EXIT_OK;
}
