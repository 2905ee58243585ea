// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * xsockctl stats: the program's counters by name, summed over CPUs; then
 * each stack's (per pid) counters, drops by reason and AF_XDP socket
 * statistics; and with `rule` each rule's packets and bytes.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "iface/drop.h"
#include "xsockctl/xsockctl.h"

_Static_assert(XS_DROP__MAX <= XS_STACK_DROP_SLOTS,
	       "struct xs_stack_stats has no counter for some drop reason");

struct stack_entry {
	__u32 pid;
	struct xs_stack_stats st;
};

struct stack_list {
	struct stack_entry *v;
	size_t n;
	bool missing;               /* the interface has no stacks map */
};

static __u64 field_u64(const void *base, size_t off)
{
	__u64 v;

	memcpy(&v, (const char *)base + off, sizeof(v));
	return v;
}

static int stack_collect(__u32 pid, const struct xs_stack_stats *st, void *ctx)
{
	struct stack_list *l = ctx;
	struct stack_entry *tmp;

	tmp = realloc(l->v, (l->n + 1) * sizeof(*tmp));
	if (!tmp)
		return -ENOMEM;
	l->v = tmp;
	l->v[l->n].pid = pid;
	l->v[l->n++].st = *st;
	return 0;
}

static int stack_cmp(const void *a, const void *b)
{
	const struct stack_entry *x = a, *y = b;

	return x->pid < y->pid ? -1 : x->pid > y->pid;
}

/* Every entry, by pid; an interface without the map gives `missing`. */
static int stacks_read(struct xs_ctl *c, struct stack_list *l)
{
	int err;

	memset(l, 0, sizeof(*l));
	err = xs_ctl_stack_stats_list(c, stack_collect, l);
	if (err == -EOPNOTSUPP) {
		l->missing = true;
		err = 0;
	}
	if (err) {
		free(l->v);
		l->v = NULL;
		l->n = 0;
		return err;
	}
	qsort(l->v, l->n, sizeof(*l->v), stack_cmp);
	return 0;
}

/* Slots 1..XS_DROP__MAX-1 have names; `none` and slots past the names
 * (a newer stack's reasons) only show up when they count something. */
static const char *drop_name(size_t i, char *buf, size_t len)
{
	if (i < XS_DROP__MAX && xs_drop_reason_names[i])
		return xs_drop_reason_names[i];
	snprintf(buf, len, "reason_%zu", i);
	return buf;
}

static bool drop_always_shown(size_t i)
{
	return i > XS_DROP_NONE && i < XS_DROP__MAX;
}

/* Milliseconds since the stack last wrote its entry; -1 if unknown. */
static long long stack_age_ms(const struct xs_stack_stats *st)
{
	struct timespec ts;
	__u64 now;

	if (!st->updated_ns || clock_gettime(CLOCK_MONOTONIC, &ts))
		return -1;
	now = (__u64)ts.tv_sec * 1000000000ull + ts.tv_nsec;
	return now >= st->updated_ns ? (long long)((now - st->updated_ns) / 1000000) : 0;
}

static void stack_print_json(const struct stack_entry *e)
{
	const struct xs_stack_stats *st = &e->st;
	long long age = stack_age_ms(st);
	char buf[32];

	xs_json_start_object(xs_jw);
	xs_json_uint_field(xs_jw, "pid", e->pid);
	xs_json_uint_field(xs_jw, "start_time", st->owner.start_time);
	xs_json_bool_field(xs_jw, "alive", xs_owner_alive(&st->owner));
	xs_json_uint_field(xs_jw, "updated_ns", st->updated_ns);
	xs_json_name(xs_jw, "age_ms");
	if (age < 0)
		xs_json_null(xs_jw);
	else
		xs_json_int(xs_jw, age);
	for (size_t i = 0; i < xs_stack_stat_nfields; i++)
		xs_json_uint_field(xs_jw, xs_stack_stat_fields[i].name,
				   field_u64(st, xs_stack_stat_fields[i].off));
	xs_json_name(xs_jw, "drops");
	xs_json_start_object(xs_jw);
	for (size_t i = 0; i < XS_STACK_DROP_SLOTS; i++)
		if (st->drops[i] || drop_always_shown(i))
			xs_json_uint_field(xs_jw, drop_name(i, buf, sizeof(buf)), st->drops[i]);
	xs_json_end_object(xs_jw);
	xs_json_name(xs_jw, "xsk");
	xs_json_start_object(xs_jw);
	for (size_t i = 0; i < xs_stack_xsk_nfields; i++)
		xs_json_uint_field(xs_jw, xs_stack_xsk_fields[i].name,
				   field_u64(st, xs_stack_xsk_fields[i].off));
	xs_json_end_object(xs_jw);
	xs_json_end_object(xs_jw);
}

static void stack_print_plain(const struct stack_entry *e)
{
	const struct xs_stack_stats *st = &e->st;
	long long age = stack_age_ms(st);
	__u64 total = 0;
	char buf[32];

	printf("\nstack pid %u: %s", e->pid, xs_owner_alive(&st->owner) ? "alive" : "gone");
	if (age >= 0)
		printf(", updated %lld.%03lld s ago", age / 1000, age % 1000);
	printf("\n");
	for (size_t i = 0; i < xs_stack_stat_nfields; i++)
		printf("  %-20s %llu\n", xs_stack_stat_fields[i].name,
		       (unsigned long long)field_u64(st, xs_stack_stat_fields[i].off));
	for (size_t i = 0; i < XS_STACK_DROP_SLOTS; i++)
		total += st->drops[i];
	printf("  %-20s %llu\n", "drops", (unsigned long long)total);
	for (size_t i = 0; i < XS_STACK_DROP_SLOTS; i++)
		if (st->drops[i])
			printf("    %-18s %llu\n", drop_name(i, buf, sizeof(buf)),
			       (unsigned long long)st->drops[i]);
	for (size_t i = 0; i < xs_stack_xsk_nfields; i++)
		printf("  xsk_%-16s %llu\n", xs_stack_xsk_fields[i].name,
		       (unsigned long long)field_u64(st, xs_stack_xsk_fields[i].off));
}

static void stacks_print(const struct stack_list *l)
{
	if (xs_json_output) {
		xs_json_name(xs_jw, "stacks");
		if (l->missing) {
			xs_json_null(xs_jw);
			return;
		}
		xs_json_start_array(xs_jw);
		for (size_t i = 0; i < l->n; i++)
			stack_print_json(&l->v[i]);
		xs_json_end_array(xs_jw);
		return;
	}
	if (l->missing)
		printf("\nstacks: not available (attached by an older xsockctl)\n");
	for (size_t i = 0; i < l->n; i++)
		stack_print_plain(&l->v[i]);
}

static void stats_help(void)
{
	printf("Usage: xsockctl stats IFACE [rule]\n"
	       "  Counters of the steering program, summed over CPUs; then those of each\n"
	       "  stack (process) on IFACE; with rule, per rule.\n"
	       "Program:\n");
	for (size_t i = 0; i < xs_stat_nfields; i++)
		printf("  %-22s %s\n", xs_stat_fields[i].name, xs_stat_fields[i].help);
	printf("Per stack:\n");
	for (size_t i = 0; i < xs_stack_stat_nfields; i++)
		printf("  %-22s %s\n", xs_stack_stat_fields[i].name, xs_stack_stat_fields[i].help);
	printf("  %-22s %s\n", "drops", "frames and datagrams the stack dropped, by reason:");
	for (size_t i = XS_DROP_NONE + 1; i < XS_DROP__MAX; i++)
		printf("    %s\n", xs_drop_reason_names[i]);
	for (size_t i = 0; i < xs_stack_xsk_nfields; i++)
		printf("  xsk_%-18s %s\n", xs_stack_xsk_fields[i].name, xs_stack_xsk_fields[i].help);
}

int xs_cmd_stats(int argc, char **argv)
{
	struct stack_list stacks;
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
		stats_help();
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
	err = stacks_read(&c, &stacks);
	if (err) {
		xs_ctl_close(&c);
		return xs_err(XS_EXIT_ERROR, "%s: cannot read stack stats: %s", ifname,
			      xs_ctl_strerror(err));
	}

	xs_out_begin();
	if (xs_json_output) {
		xs_json_start_object(xs_jw);
		xs_json_string_field(xs_jw, "ifname", ifname);
		xs_json_name(xs_jw, "stats");
		xs_json_start_object(xs_jw);
	}
	for (size_t i = 0; i < xs_stat_nfields; i++) {
		__u64 v = field_u64(&st, xs_stat_fields[i].off);

		if (xs_json_output)
			xs_json_uint_field(xs_jw, xs_stat_fields[i].name, v);
		else
			printf("%-22s %llu\n", xs_stat_fields[i].name, (unsigned long long)v);
	}
	if (xs_json_output)
		xs_json_end_object(xs_jw);
	stacks_print(&stacks);
	free(stacks.v);
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
