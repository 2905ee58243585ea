// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * What every xsockctl command shares: the output mode, error reporting,
 * prefix-matched command tables, and the top-level help.  Kept out of
 * main.c so the unit tests link it.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "xsockctl/xsockctl.h"

bool xs_json_output;
bool xs_pretty_output;
struct xs_json *xs_jw;

const struct xs_cmd xs_objects[] = {
	{ "attach", xs_cmd_attach },
	{ "detach", xs_cmd_detach },
	{ "status", xs_cmd_status },
	{ "stats", xs_cmd_stats },
	{ "sysctl", xs_cmd_sysctl },
	{ "rule", xs_cmd_rule },
	{ "help", xs_cmd_help },
	{ NULL, NULL },
};

int xs_err(int status, const char *fmt, ...)
{
	char msg[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (xs_json_output) {
		/* A document already started is abandoned: the error replaces it. */
		struct xs_json *j;

		if (xs_jw)
			xs_json_destroy(&xs_jw);
		j = xs_json_new(stdout, xs_pretty_output);
		if (j) {
			xs_json_start_object(j);
			xs_json_string_field(j, "error", msg);
			xs_json_end_object(j);
			xs_json_destroy(&j);
		}
	} else {
		fprintf(stderr, "xsockctl: %s\n", msg);
	}
	return status;
}

int xs_err_ctl(int err)
{
	return xs_err(XS_EXIT_ERROR, "%s", xs_ctl_strerror(err));
}

int xs_need_root(void)
{
	if (geteuid() != 0)
		return xs_err(XS_EXIT_ERROR, "must run as root");
	return 0;
}

int xs_out_begin(void)
{
	if (!xs_json_output)
		return 0;
	xs_jw = xs_json_new(stdout, xs_pretty_output);
	return xs_jw ? 0 : -ENOMEM;
}

void xs_out_end(void)
{
	xs_json_destroy(&xs_jw);
}

void xs_print_null(void)
{
	if (xs_json_output && !xs_out_begin()) {
		xs_json_null(xs_jw);
		xs_out_end();
	}
}

bool xs_is_prefix(const char *word, const char *full)
{
	size_t len;

	if (!word || !full)
		return false;
	len = strlen(word);
	return len > 0 && len <= strlen(full) && !memcmp(word, full, len);
}

const struct xs_cmd *xs_cmd_find(const struct xs_cmd *cmds, const char *word)
{
	for (const struct xs_cmd *c = cmds; c->name; c++)
		if (xs_is_prefix(word, c->name))
			return c;
	return NULL;
}

int xs_cmd_run(const struct xs_cmd *cmds, int argc, char **argv, const char *what)
{
	const struct xs_cmd *c;

	if (argc < 1)
		return cmds[0].fn(argc, argv);
	c = xs_cmd_find(cmds, argv[0]);
	if (!c)
		return xs_err(XS_EXIT_USAGE, "unknown %s '%s' (try 'xsockctl help')", what, argv[0]);
	return c->fn(argc - 1, argv + 1);
}

int xs_cmd_help(int argc, char **argv)
{
	if (xs_json_output) {
		xs_print_null();
		return XS_EXIT_OK;
	}
	printf(
		"Usage: xsockctl [OPTIONS] OBJECT {COMMAND | help}\n"
		"       xsockctl help\n"
		"       xsockctl attach IFACE [mode {native|generic}] [force]\n"
		"       xsockctl detach IFACE\n"
		"       xsockctl status [IFACE]\n"
		"       xsockctl rule {add|del|show|gc} ...\n"
		"       xsockctl sysctl IFACE [-a] [-w] [KEY[=VALUE] ...]\n"
		"       xsockctl stats IFACE [rule]\n"
		"OBJECT := { attach | detach | status | stats | sysctl | rule }\n"
		"OPTIONS := { -j|--json | -p|--pretty | -d|--debug | -V|--version | -h|--help }\n"
		"Words may be shortened to any prefix; the first match in this order wins.\n");
	return XS_EXIT_OK;
}
