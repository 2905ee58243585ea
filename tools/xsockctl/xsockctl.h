/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * xsockctl internals: the command tables, the typed argument parsers, the
 * output state and the error reporting shared by every command file.
 */
#ifndef XS_XSOCKCTL_H
#define XS_XSOCKCTL_H

#include <net/if.h>
#include <stdbool.h>
#include <sys/types.h>

#include "ctl/ctl.h"
#include "xsockctl/json_writer.h"

#define XSOCKCTL_VERSION "0.1.0"

/* Exit statuses (docs/xsockctl.md, EXIT STATUS). */
#define XS_EXIT_OK    0
#define XS_EXIT_ERROR 1   /* the command failed */
#define XS_EXIT_USAGE 2   /* the command line is wrong */

/* ---- output state (common.c) --------------------------------------------- */

extern bool xs_json_output;
extern bool xs_pretty_output;
extern struct xs_json *xs_jw;   /* set while a JSON document is written */

/* Report an error: {"error":"..."} on stdout with -j, else
 * "xsockctl: ..." on stderr.  Returns `status` for `return xs_err(...)`. */
int xs_err(int status, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* A ctl failure: the message xs_ctl_strerror(err) gives. */
int xs_err_ctl(int err);
/* XS_EXIT_ERROR with "must run as root" unless we are. */
int xs_need_root(void);
/* Start a JSON document on stdout (xs_jw); -ENOMEM on failure. */
int xs_out_begin(void);
void xs_out_end(void);
/* A command with nothing to print: "null" in JSON mode (as bpftool). */
void xs_print_null(void);

/* ---- command tables (common.c) ------------------------------------------- */

struct xs_cmd {
	const char *name;
	int (*fn)(int argc, char **argv);
};

/* `word` is a non-empty prefix of `full`. */
bool xs_is_prefix(const char *word, const char *full);
/* The first command in table order whose name `word` is a prefix of. */
const struct xs_cmd *xs_cmd_find(const struct xs_cmd *cmds, const char *word);
/* Run argv[0] from `cmds` with the rest; with no argv, run cmds[0]. */
int xs_cmd_run(const struct xs_cmd *cmds, int argc, char **argv, const char *what);

/* The top-level objects, in the order prefixes resolve. */
extern const struct xs_cmd xs_objects[];

int xs_cmd_help(int argc, char **argv);
int xs_cmd_attach(int argc, char **argv);
int xs_cmd_detach(int argc, char **argv);
int xs_cmd_status(int argc, char **argv);
int xs_cmd_rule(int argc, char **argv);
int xs_cmd_sysctl(int argc, char **argv);
int xs_cmd_stats(int argc, char **argv);

/* Every rule of an open interface: a JSON array on xs_jw, or a table. */
int xs_rules_print(struct xs_ctl *c);

/* ---- typed parsers (parse.c) --------------------------------------------- *
 * Each returns 0, or -EINVAL with a message for xs_ctl_strerror().
 */

typedef int (*xs_parser_fn)(const char *s, void *out);

struct xs_cli_addr {
	__u8 family;                /* XS_FAMILY_ANY, _IPV4 or _IPV6 */
	__u8 addr[16];              /* IPv4-mapped for IPv4; zero: wildcard */
};

int xs_parse_ifname(const char *s, void *out);      /* char[IF_NAMESIZE] */
int xs_parse_port(const char *s, void *out);        /* __u16, 1..65535 */
int xs_parse_proto(const char *s, void *out);       /* __u8 IPPROTO_TCP/UDP */
int xs_parse_addr(const char *s, void *out);        /* struct xs_cli_addr */
int xs_parse_pid(const char *s, void *out);         /* pid_t, 0 = static */
int xs_parse_mode(const char *s, void *out);        /* enum xs_attach_mode */

/* Optional trailing keywords: `mode native`, `force`, `owner 42`. */
struct xs_keyword {
	const char *name;
	xs_parser_fn parse;         /* NULL: a flag without a value */
	void *out;
	bool *seen;
};

/* Parse argv as a sequence of keywords (prefix-matched, first match in
 * table order); -EINVAL with a message on an unknown or repeated keyword
 * or a bad value. */
int xs_parse_keywords(const struct xs_keyword *kws, int argc, char **argv);

/* A rule as written on the command line (after `rule add|del IFACE`). */
struct xs_rule_spec {
	bool is_flow;
	__u8 proto;
	struct xs_cli_addr laddr;
	__u16 lport;
	struct xs_cli_addr raddr;
	__u16 rport;
	bool has_owner;
	pid_t owner;
};

/* {tcp|udp} [ADDR] PORT [owner PID] | {tcp|udp} LADDR LPORT RADDR RPORT [owner PID] */
int xs_parse_rule_spec(int argc, char **argv, bool allow_owner, struct xs_rule_spec *spec);
void xs_rule_spec_listen_key(const struct xs_rule_spec *spec, struct xs_listen_key *k);
void xs_rule_spec_flow_key(const struct xs_rule_spec *spec, struct xs_flow_key *k);

/* "tcp" / "udp" / "proto N"; "any", "0.0.0.0", "::", or the address. */
const char *xs_proto_name(__u8 proto);
void xs_format_addr(__u8 family, const __u8 addr[16], char *buf, size_t len);

#endif /* XS_XSOCKCTL_H */
