// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * xsockctl rule: steering rules by hand.  Rules made here are static
 * (owner pid 0) unless `owner PID` ties them to a process, in which case
 * `rule gc` removes them once that process is gone.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "xsockctl/xsockctl.h"

static int rule_help(int argc, char **argv)
{
	printf("Usage: xsockctl rule add IFACE {tcp|udp} [ADDR] PORT [owner PID]\n"
	       "       xsockctl rule add IFACE {tcp|udp} LADDR LPORT RADDR RPORT [owner PID]\n"
	       "       xsockctl rule del IFACE {tcp|udp} [ADDR] PORT\n"
	       "       xsockctl rule del IFACE {tcp|udp} LADDR LPORT RADDR RPORT\n"
	       "       xsockctl rule show IFACE\n"
	       "       xsockctl rule gc [IFACE]\n"
	       "ADDR := { any | 0.0.0.0 | :: | IPv4 | IPv6 }   (no ADDR: any, both families)\n"
	       "PID := 0 (static, the default) | a live process\n");
	return XS_EXIT_OK;
}

/* "*:80", "198.18.0.1:80", "[2001:db8::1]:80" */
static void format_endpoint(__u8 family, const __u8 addr[16], __be16 port,
			    char *buf, size_t len)
{
	char a[INET6_ADDRSTRLEN];

	if (family == XS_FAMILY_ANY) {
		snprintf(buf, len, "*:%u", ntohs(port));
		return;
	}
	xs_format_addr(family, addr, a, sizeof(a));
	snprintf(buf, len, family == XS_FAMILY_IPV6 ? "[%s]:%u" : "%s:%u", a, ntohs(port));
}

static void describe(const struct xs_rule_spec *spec, char *buf, size_t len)
{
	struct xs_listen_key lk;
	struct xs_flow_key fk;
	char l[64], r[64];

	if (!spec->is_flow) {
		xs_rule_spec_listen_key(spec, &lk);
		format_endpoint(lk.family, lk.addr, lk.port, l, sizeof(l));
		snprintf(buf, len, "%s %s", xs_proto_name(spec->proto), l);
		return;
	}
	xs_rule_spec_flow_key(spec, &fk);
	format_endpoint(fk.family, fk.laddr, fk.lport, l, sizeof(l));
	format_endpoint(fk.family, fk.raddr, fk.rport, r, sizeof(r));
	snprintf(buf, len, "%s %s %s", xs_proto_name(spec->proto), l, r);
}

/* `rule add|del IFACE SPEC`: parse everything, then open the maps. */
static int rule_prepare(const char *verb, int argc, char **argv, bool add,
			struct xs_rule_spec *spec, struct xs_ctl *c)
{
	char ifname[IF_NAMESIZE];
	int err;

	if (argc < 1)
		return xs_err(XS_EXIT_USAGE, "rule %s: missing IFACE (xsockctl rule help)", verb);
	if (xs_parse_ifname(argv[0], ifname) ||
	    xs_parse_rule_spec(argc - 1, argv + 1, add, spec))
		return xs_err(XS_EXIT_USAGE, "rule %s: %s", verb, xs_ctl_strerror(-EINVAL));
	if (xs_need_root())
		return XS_EXIT_ERROR;
	err = xs_ctl_open(c, ifname);
	if (err)
		return xs_err_ctl(err);
	return 0;
}

static int rule_add(int argc, char **argv)
{
	struct xs_owner owner = { 0 };
	struct xs_rule_spec spec;
	struct xs_listen_key lk;
	struct xs_flow_key fk;
	char what[160];
	struct xs_ctl c;
	int err;

	err = rule_prepare("add", argc, argv, true, &spec, &c);
	if (err)
		return err;
	if (spec.has_owner && spec.owner && xs_owner_of(spec.owner, &owner)) {
		xs_ctl_close(&c);
		return xs_err(XS_EXIT_ERROR, "owner: no process with pid %d", (int)spec.owner);
	}
	if (spec.is_flow) {
		xs_rule_spec_flow_key(&spec, &fk);
		err = xs_ctl_flow_add(&c, &fk, &owner);
	} else {
		xs_rule_spec_listen_key(&spec, &lk);
		err = xs_ctl_listener_add(&c, &lk, &owner);
	}
	xs_ctl_close(&c);
	describe(&spec, what, sizeof(what));
	if (err == -EEXIST)
		return xs_err(XS_EXIT_ERROR, "%s: rule %s already exists", c.ifname, what);
	if (err)
		return xs_err(XS_EXIT_ERROR, "%s: rule %s: %s", c.ifname, what,
			      xs_ctl_strerror(err));
	xs_print_null();
	return XS_EXIT_OK;
}

static int rule_del(int argc, char **argv)
{
	struct xs_rule_spec spec;
	struct xs_listen_key lk;
	struct xs_flow_key fk;
	char what[160];
	struct xs_ctl c;
	int err;

	err = rule_prepare("del", argc, argv, false, &spec, &c);
	if (err)
		return err;
	if (spec.is_flow) {
		xs_rule_spec_flow_key(&spec, &fk);
		err = xs_ctl_flow_del(&c, &fk);
	} else {
		xs_rule_spec_listen_key(&spec, &lk);
		err = xs_ctl_listener_del(&c, &lk);
	}
	xs_ctl_close(&c);
	describe(&spec, what, sizeof(what));
	if (err == -ENOENT)
		return xs_err(XS_EXIT_ERROR, "%s: no rule %s", c.ifname, what);
	if (err)
		return xs_err(XS_EXIT_ERROR, "%s: rule %s: %s", c.ifname, what,
			      xs_ctl_strerror(err));
	xs_print_null();
	return XS_EXIT_OK;
}

static const char *family_name(__u8 family)
{
	return family == XS_FAMILY_IPV4 ? "ipv4" : family == XS_FAMILY_IPV6 ? "ipv6" : "any";
}

/* One rule, as a JSON object or a table row; also used by `stats IFACE rule`. */
static void rule_print(const struct xs_rule *r)
{
	bool alive = xs_owner_alive(&r->owner);
	char a[INET6_ADDRSTRLEN], l[64], rem[64] = "-", own[32];

	if (r->is_flow) {
		format_endpoint(r->flow.family, r->flow.laddr, r->flow.lport, l, sizeof(l));
		format_endpoint(r->flow.family, r->flow.raddr, r->flow.rport, rem, sizeof(rem));
	} else {
		format_endpoint(r->listen.family, r->listen.addr, r->listen.port, l, sizeof(l));
	}
	if (xs_json_output) {
		xs_json_start_object(xs_jw);
		xs_json_string_field(xs_jw, "type", r->is_flow ? "flow" : "listener");
		if (r->is_flow) {
			xs_json_string_field(xs_jw, "proto", xs_proto_name(r->flow.proto));
			xs_json_string_field(xs_jw, "family", family_name(r->flow.family));
			xs_format_addr(r->flow.family, r->flow.laddr, a, sizeof(a));
			xs_json_string_field(xs_jw, "laddr", a);
			xs_json_uint_field(xs_jw, "lport", ntohs(r->flow.lport));
			xs_format_addr(r->flow.family, r->flow.raddr, a, sizeof(a));
			xs_json_string_field(xs_jw, "raddr", a);
			xs_json_uint_field(xs_jw, "rport", ntohs(r->flow.rport));
		} else {
			xs_json_string_field(xs_jw, "proto", xs_proto_name(r->listen.proto));
			xs_json_string_field(xs_jw, "family", family_name(r->listen.family));
			xs_format_addr(r->listen.family, r->listen.addr, a, sizeof(a));
			xs_json_string_field(xs_jw, "addr", a);
			xs_json_uint_field(xs_jw, "port", ntohs(r->listen.port));
		}
		xs_json_uint_field(xs_jw, "owner", r->owner.pid);
		xs_json_uint_field(xs_jw, "owner_start_time", r->owner.start_time);
		xs_json_bool_field(xs_jw, "owner_alive", alive);
		xs_json_uint_field(xs_jw, "packets", r->packets);
		xs_json_uint_field(xs_jw, "bytes", r->bytes);
		xs_json_end_object(xs_jw);
		return;
	}
	if (!r->owner.pid)
		snprintf(own, sizeof(own), "static");
	else
		snprintf(own, sizeof(own), "%u%s", r->owner.pid, alive ? "" : "(gone)");
	printf("%-9s %-5s %-30s %-30s %-12s %12llu %14llu\n",
	       r->is_flow ? "flow" : "listener",
	       xs_proto_name(r->is_flow ? r->flow.proto : r->listen.proto), l, rem, own,
	       (unsigned long long)r->packets, (unsigned long long)r->bytes);
}

static void rule_header(void)
{
	if (!xs_json_output)
		printf("%-9s %-5s %-30s %-30s %-12s %12s %14s\n", "TYPE", "PROTO", "LOCAL",
		       "REMOTE", "OWNER", "PACKETS", "BYTES");
}

int xs_rules_print(struct xs_ctl *c)
{
	struct xs_rule *rules;
	size_t n;
	int err;

	err = xs_ctl_rules_list(c, &rules, &n);
	if (err)
		return err;
	if (xs_json_output)
		xs_json_start_array(xs_jw);
	rule_header();
	for (size_t i = 0; i < n; i++)
		rule_print(&rules[i]);
	if (xs_json_output)
		xs_json_end_array(xs_jw);
	free(rules);
	return 0;
}

static int rule_show(int argc, char **argv)
{
	char ifname[IF_NAMESIZE];
	struct xs_ctl c;
	int err;

	if (argc != 1)
		return xs_err(XS_EXIT_USAGE, "rule show: want exactly one IFACE");
	if (xs_parse_ifname(argv[0], ifname))
		return xs_err(XS_EXIT_USAGE, "rule show: %s", xs_ctl_strerror(-EINVAL));
	if (xs_need_root())
		return XS_EXIT_ERROR;
	err = xs_ctl_open(&c, ifname);
	if (err)
		return xs_err_ctl(err);
	/* Read before printing so an error never leaves half a document. */
	xs_out_begin();
	err = xs_rules_print(&c);
	xs_ctl_close(&c);
	if (err)
		return xs_err_ctl(err);
	xs_out_end();
	return XS_EXIT_OK;
}

struct gc_result {
	char ifname[IF_NAMESIZE];
	int removed;                /* rules */
	int removed_stacks;         /* stack statistics entries */
};

struct gc_all {
	struct gc_result *res;
	size_t n;
	int err;
};

/* Rules, then stack statistics entries, whose owner is gone. */
static int gc_iface(struct xs_ctl *c, struct gc_result *res)
{
	int n;

	snprintf(res->ifname, IF_NAMESIZE, "%s", c->ifname);
	n = xs_ctl_rules_gc(c);
	if (n < 0)
		return n;
	res->removed = n;
	n = xs_ctl_stacks_gc(c);
	if (n < 0)
		return n;
	res->removed_stacks = n;
	return 0;
}

static int gc_one(const char *ifname, void *ctx)
{
	struct gc_all *all = ctx;
	struct gc_result *tmp;
	struct xs_ctl c;
	int err;

	if (xs_ctl_open(&c, ifname))
		return 0;	/* stale directory */
	tmp = realloc(all->res, (all->n + 1) * sizeof(*tmp));
	if (!tmp) {
		xs_ctl_close(&c);
		return -ENOMEM;
	}
	all->res = tmp;
	memset(&all->res[all->n], 0, sizeof(*tmp));
	err = gc_iface(&c, &all->res[all->n]);
	xs_ctl_close(&c);
	if (err) {
		all->err = err;
		return err;
	}
	all->n++;
	return 0;
}

static int rule_gc(int argc, char **argv)
{
	struct gc_all all = { 0 };
	char ifname[IF_NAMESIZE];
	struct xs_ctl c;
	int err;

	if (argc > 1)
		return xs_err(XS_EXIT_USAGE, "rule gc: too many arguments");
	if (argc == 1 && xs_parse_ifname(argv[0], ifname))
		return xs_err(XS_EXIT_USAGE, "rule gc: %s", xs_ctl_strerror(-EINVAL));
	if (xs_need_root())
		return XS_EXIT_ERROR;
	if (argc == 1) {
		err = xs_ctl_open(&c, ifname);
		if (err)
			return xs_err_ctl(err);
		all.res = calloc(1, sizeof(*all.res));
		if (!all.res) {
			xs_ctl_close(&c);
			return xs_err_ctl(-ENOMEM);
		}
		err = gc_iface(&c, &all.res[0]);
		xs_ctl_close(&c);
		if (err < 0) {
			free(all.res);
			return xs_err(XS_EXIT_ERROR, "%s: gc: %s", ifname, xs_ctl_strerror(err));
		}
		all.n = 1;
	} else {
		err = xs_ctl_bpffs_prepare(false);
		if (!err)
			err = xs_ctl_for_each_iface(gc_one, &all);
		else if (err == -ENOENT)
			err = 0;
		if (err) {
			free(all.res);
			return xs_err_ctl(err);
		}
	}
	xs_out_begin();
	if (xs_json_output && argc == 0)
		xs_json_start_array(xs_jw);
	for (size_t i = 0; i < all.n; i++) {
		if (xs_json_output) {
			xs_json_start_object(xs_jw);
			xs_json_string_field(xs_jw, "ifname", all.res[i].ifname);
			xs_json_uint_field(xs_jw, "removed", all.res[i].removed);
			xs_json_uint_field(xs_jw, "removed_stacks", all.res[i].removed_stacks);
			xs_json_end_object(xs_jw);
		} else {
			printf("%s: removed %d rule%s, %d stack entr%s\n", all.res[i].ifname,
			       all.res[i].removed, all.res[i].removed == 1 ? "" : "s",
			       all.res[i].removed_stacks,
			       all.res[i].removed_stacks == 1 ? "y" : "ies");
		}
	}
	if (xs_json_output && argc == 0)
		xs_json_end_array(xs_jw);
	xs_out_end();
	free(all.res);
	return XS_EXIT_OK;
}

static const struct xs_cmd rule_cmds[] = {
	{ "help", rule_help },
	{ "add", rule_add },
	{ "del", rule_del },
	{ "show", rule_show },
	{ "list", rule_show },
	{ "gc", rule_gc },
	{ NULL, NULL },
};

int xs_cmd_rule(int argc, char **argv)
{
	return xs_cmd_run(rule_cmds, argc, argv, "rule command");
}
