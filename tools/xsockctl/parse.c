// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * Every argument xsockctl accepts is parsed here, by one typed parser per
 * kind (interface, port, protocol, address, pid, mode), so a port means the
 * same thing, with the same message when it is wrong, in every command.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <limits.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "xsockctl/xsockctl.h"

/* PID_MAX_LIMIT on 64-bit kernels. */
#define XS_PID_MAX 4194304

int xs_parse_ifname(const char *s, void *out)
{
	size_t len = strlen(s);

	/* The kernel's dev_valid_name(). */
	if (len == 0)
		return xs_ctl_fail(-EINVAL, "empty interface name");
	if (len >= IF_NAMESIZE)
		return xs_ctl_fail(-EINVAL, "interface name '%s' is longer than %d characters",
				   s, IF_NAMESIZE - 1);
	if (!strcmp(s, ".") || !strcmp(s, "..") || strpbrk(s, "/: \t\n\r\v\f"))
		return xs_ctl_fail(-EINVAL, "invalid interface name '%s'", s);
	memcpy(out, s, len + 1);
	return 0;
}

/* A decimal number without sign, spaces or trailing junk. */
static int parse_decimal(const char *s, unsigned long long *v)
{
	char *end;

	if (*s < '0' || *s > '9')
		return -EINVAL;
	errno = 0;
	*v = strtoull(s, &end, 10);
	if (*end || errno == ERANGE)
		return -EINVAL;
	return 0;
}

int xs_parse_port(const char *s, void *out)
{
	unsigned long long v;

	if (parse_decimal(s, &v))
		return xs_ctl_fail(-EINVAL, "invalid port '%s' (want a number 1..65535)", s);
	if (v < 1 || v > 65535)
		return xs_ctl_fail(-EINVAL, "port %s is out of range 1..65535", s);
	*(__u16 *)out = v;
	return 0;
}

int xs_parse_proto(const char *s, void *out)
{
	if (xs_is_prefix(s, "tcp"))
		*(__u8 *)out = IPPROTO_TCP;
	else if (xs_is_prefix(s, "udp"))
		*(__u8 *)out = IPPROTO_UDP;
	else
		return xs_ctl_fail(-EINVAL, "unknown protocol '%s' (want tcp or udp)", s);
	return 0;
}

int xs_parse_addr(const char *s, void *out)
{
	struct xs_cli_addr *a = out;
	struct in6_addr a6;
	struct in_addr a4;

	memset(a, 0, sizeof(*a));
	if (!strcmp(s, "any") || !strcmp(s, "*")) {
		a->family = XS_FAMILY_ANY;
		return 0;
	}
	if (inet_pton(AF_INET, s, &a4) == 1) {
		a->family = XS_FAMILY_IPV4;
		/* 0.0.0.0 is the IPv4 wildcard: the all-zero address of
		 * family 4, the key the program looks up. */
		if (a4.s_addr != INADDR_ANY)
			xs_addr_from_ipv4(a->addr, a4.s_addr);
		return 0;
	}
	if (inet_pton(AF_INET6, s, &a6) == 1) {
		memcpy(a->addr, &a6, 16);
		/* ::ffff:a.b.c.d is the IPv4 address it maps. */
		a->family = xs_addr_is_v4mapped(a->addr) ? XS_FAMILY_IPV4 : XS_FAMILY_IPV6;
		if (a->family == XS_FAMILY_IPV4 && !memcmp(a->addr + 12, "\0\0\0\0", 4))
			memset(a->addr, 0, 16);
		return 0;
	}
	return xs_ctl_fail(-EINVAL, "invalid address '%s' (want IPv4, IPv6 or any)", s);
}

int xs_parse_pid(const char *s, void *out)
{
	unsigned long long v;

	if (parse_decimal(s, &v) || v > XS_PID_MAX)
		return xs_ctl_fail(-EINVAL, "invalid pid '%s' (want 0..%d, 0 = static)",
				   s, XS_PID_MAX);
	*(pid_t *)out = v;
	return 0;
}

int xs_parse_mode(const char *s, void *out)
{
	if (xs_is_prefix(s, "native"))
		*(enum xs_attach_mode *)out = XS_ATTACH_NATIVE;
	else if (xs_is_prefix(s, "generic"))
		*(enum xs_attach_mode *)out = XS_ATTACH_GENERIC;
	else
		return xs_ctl_fail(-EINVAL, "unknown mode '%s' (want native or generic)", s);
	return 0;
}

int xs_parse_keywords(const struct xs_keyword *kws, int argc, char **argv)
{
	bool seen[16] = { false };
	int err;

	for (int i = 0; i < argc; i++) {
		const struct xs_keyword *kw = NULL;
		int idx = 0;

		for (const struct xs_keyword *k = kws; k->name; k++, idx++) {
			if (xs_is_prefix(argv[i], k->name)) {
				kw = k;
				break;
			}
		}
		if (!kw)
			return xs_ctl_fail(-EINVAL, "unexpected argument '%s'", argv[i]);
		if (idx < 16 && seen[idx])
			return xs_ctl_fail(-EINVAL, "'%s' given twice", kw->name);
		if (idx < 16)
			seen[idx] = true;
		if (kw->parse) {
			if (i + 1 >= argc)
				return xs_ctl_fail(-EINVAL, "'%s' needs a value", kw->name);
			err = kw->parse(argv[++i], kw->out);
			if (err)
				return err;
		}
		if (kw->seen)
			*kw->seen = true;
	}
	return 0;
}

int xs_parse_rule_spec(int argc, char **argv, bool allow_owner, struct xs_rule_spec *spec)
{
	int err;

	memset(spec, 0, sizeof(*spec));
	if (argc < 2)
		return xs_ctl_fail(-EINVAL, "a rule needs a protocol and a port");
	err = xs_parse_proto(argv[0], &spec->proto);
	if (err)
		return err;
	argc--;
	argv++;
	if (argc >= 2 && xs_is_prefix(argv[argc - 2], "owner")) {
		if (!allow_owner)
			return xs_ctl_fail(-EINVAL, "'owner' applies to rule add only");
		err = xs_parse_pid(argv[argc - 1], &spec->owner);
		if (err)
			return err;
		spec->has_owner = true;
		argc -= 2;
	}
	switch (argc) {
	case 1:         /* PORT: both families, any address */
		spec->laddr.family = XS_FAMILY_ANY;
		return xs_parse_port(argv[0], &spec->lport);
	case 2:         /* ADDR PORT */
		err = xs_parse_addr(argv[0], &spec->laddr);
		return err ? err : xs_parse_port(argv[1], &spec->lport);
	case 4:         /* LADDR LPORT RADDR RPORT */
		spec->is_flow = true;
		err = xs_parse_addr(argv[0], &spec->laddr);
		if (!err)
			err = xs_parse_port(argv[1], &spec->lport);
		if (!err)
			err = xs_parse_addr(argv[2], &spec->raddr);
		if (!err)
			err = xs_parse_port(argv[3], &spec->rport);
		if (err)
			return err;
		/* The program looks flows up by the packet's exact addresses. */
		if (spec->laddr.family == XS_FAMILY_ANY || spec->raddr.family == XS_FAMILY_ANY ||
		    xs_addr_is_zero(spec->laddr.addr) || xs_addr_is_zero(spec->raddr.addr))
			return xs_ctl_fail(-EINVAL, "a 5-tuple rule needs both addresses, not a wildcard");
		if (spec->laddr.family != spec->raddr.family)
			return xs_ctl_fail(-EINVAL, "local and remote addresses are of different families");
		return 0;
	default:
		return xs_ctl_fail(-EINVAL,
				   "a rule is PROTO [ADDR] PORT or PROTO LADDR LPORT RADDR RPORT");
	}
}

void xs_rule_spec_listen_key(const struct xs_rule_spec *spec, struct xs_listen_key *k)
{
	xs_listen_key_init(k, spec->proto, spec->laddr.family, spec->laddr.addr, spec->lport);
}

void xs_rule_spec_flow_key(const struct xs_rule_spec *spec, struct xs_flow_key *k)
{
	xs_flow_key_init(k, spec->proto, spec->laddr.family, spec->laddr.addr, spec->lport,
			 spec->raddr.addr, spec->rport);
}

const char *xs_proto_name(__u8 proto)
{
	switch (proto) {
	case IPPROTO_TCP:
		return "tcp";
	case IPPROTO_UDP:
		return "udp";
	default:
		return "unknown";
	}
}

void xs_format_addr(__u8 family, const __u8 addr[16], char *buf, size_t len)
{
	if (family == XS_FAMILY_ANY) {
		snprintf(buf, len, "any");
	} else if (family == XS_FAMILY_IPV4) {
		if (xs_addr_is_zero(addr))
			snprintf(buf, len, "0.0.0.0");
		else if (!inet_ntop(AF_INET, addr + 12, buf, len))
			snprintf(buf, len, "?");
	} else if (!inet_ntop(AF_INET6, addr, buf, len)) {
		snprintf(buf, len, "?");
	}
}
