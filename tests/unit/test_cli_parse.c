// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * xsockctl's typed parsers and prefix matching: what each accepts, what it
 * refuses and the message the user then reads.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <string.h>
#include <netinet/in.h>

#include <criterion/criterion.h>

#include "xsockctl/xsockctl.h"

static void assert_fails(int err, const char *msg)
{
	cr_assert_eq(err, -EINVAL);
	cr_assert_str_eq(xs_ctl_strerror(err), msg);
}

Test(cli_parse, port_good)
{
	__u16 port = 0;

	cr_assert_eq(xs_parse_port("1", &port), 0);
	cr_assert_eq(port, 1);
	cr_assert_eq(xs_parse_port("8080", &port), 0);
	cr_assert_eq(port, 8080);
	cr_assert_eq(xs_parse_port("65535", &port), 0);
	cr_assert_eq(port, 65535);
}

Test(cli_parse, port_bad)
{
	__u16 port = 7;

	assert_fails(xs_parse_port("0", &port), "port 0 is out of range 1..65535");
	assert_fails(xs_parse_port("65536", &port), "port 65536 is out of range 1..65535");
	assert_fails(xs_parse_port("abc", &port), "invalid port 'abc' (want a number 1..65535)");
	cr_assert_eq(xs_parse_port("", &port), -EINVAL);
	cr_assert_eq(xs_parse_port("-1", &port), -EINVAL);
	cr_assert_eq(xs_parse_port("+80", &port), -EINVAL);
	cr_assert_eq(xs_parse_port(" 80", &port), -EINVAL);
	cr_assert_eq(xs_parse_port("80x", &port), -EINVAL);
	cr_assert_eq(xs_parse_port("99999999999999999999999", &port), -EINVAL);
	cr_assert_eq(port, 7, "a failed parse must not write");
}

Test(cli_parse, proto)
{
	__u8 p = 0;

	cr_assert_eq(xs_parse_proto("tcp", &p), 0);
	cr_assert_eq(p, IPPROTO_TCP);
	cr_assert_eq(xs_parse_proto("udp", &p), 0);
	cr_assert_eq(p, IPPROTO_UDP);
	cr_assert_eq(xs_parse_proto("t", &p), 0);
	cr_assert_eq(p, IPPROTO_TCP);
	cr_assert_eq(xs_parse_proto("u", &p), 0);
	cr_assert_eq(p, IPPROTO_UDP);
	assert_fails(xs_parse_proto("icmp", &p), "unknown protocol 'icmp' (want tcp or udp)");
	cr_assert_eq(xs_parse_proto("", &p), -EINVAL);
	cr_assert_eq(xs_parse_proto("tcpx", &p), -EINVAL);
	cr_assert_eq(xs_parse_proto("TCP", &p), -EINVAL);
}

Test(cli_parse, addr_any)
{
	static const __u8 zero[16];
	struct xs_cli_addr a;

	cr_assert_eq(xs_parse_addr("any", &a), 0);
	cr_assert_eq(a.family, XS_FAMILY_ANY);
	cr_assert_arr_eq(a.addr, zero, 16);
	cr_assert_eq(xs_parse_addr("0.0.0.0", &a), 0);
	cr_assert_eq(a.family, XS_FAMILY_IPV4);
	cr_assert_arr_eq(a.addr, zero, 16, "the IPv4 wildcard is the zero address");
	cr_assert_eq(xs_parse_addr("::", &a), 0);
	cr_assert_eq(a.family, XS_FAMILY_IPV6);
	cr_assert_arr_eq(a.addr, zero, 16);
	cr_assert_eq(xs_parse_addr("::ffff:0.0.0.0", &a), 0);
	cr_assert_eq(a.family, XS_FAMILY_IPV4);
	cr_assert_arr_eq(a.addr, zero, 16);
}

Test(cli_parse, addr_v4_is_mapped)
{
	static const __u8 want[16] = { [10] = 0xff, [11] = 0xff, [12] = 198, [13] = 18,
				       [14] = 0, [15] = 1 };
	struct xs_cli_addr a;

	cr_assert_eq(xs_parse_addr("198.18.0.1", &a), 0);
	cr_assert_eq(a.family, XS_FAMILY_IPV4);
	cr_assert_arr_eq(a.addr, want, 16);
	cr_assert_eq(xs_parse_addr("::ffff:198.18.0.1", &a), 0);
	cr_assert_eq(a.family, XS_FAMILY_IPV4);
	cr_assert_arr_eq(a.addr, want, 16);
}

Test(cli_parse, addr_v6)
{
	struct xs_cli_addr a;
	struct in6_addr want;

	inet_pton(AF_INET6, "2001:db8::1", &want);
	cr_assert_eq(xs_parse_addr("2001:db8::1", &a), 0);
	cr_assert_eq(a.family, XS_FAMILY_IPV6);
	cr_assert_arr_eq(a.addr, &want, 16);
}

Test(cli_parse, addr_bad)
{
	struct xs_cli_addr a;

	assert_fails(xs_parse_addr("1.2.3", &a), "invalid address '1.2.3' (want IPv4, IPv6 or any)");
	cr_assert_eq(xs_parse_addr("300.1.1.1", &a), -EINVAL);
	cr_assert_eq(xs_parse_addr("2001:db8::g", &a), -EINVAL);
	cr_assert_eq(xs_parse_addr("", &a), -EINVAL);
	cr_assert_eq(xs_parse_addr("localhost", &a), -EINVAL);
}

Test(cli_parse, pid)
{
	pid_t pid = -1;

	cr_assert_eq(xs_parse_pid("0", &pid), 0);
	cr_assert_eq(pid, 0);
	cr_assert_eq(xs_parse_pid("4194304", &pid), 0);
	cr_assert_eq(pid, 4194304);
	assert_fails(xs_parse_pid("x", &pid), "invalid pid 'x' (want 0..4194304, 0 = static)");
	cr_assert_eq(xs_parse_pid("-1", &pid), -EINVAL);
	cr_assert_eq(xs_parse_pid("4194305", &pid), -EINVAL);
	cr_assert_eq(xs_parse_pid("", &pid), -EINVAL);
}

Test(cli_parse, mode)
{
	enum xs_attach_mode m = XS_ATTACH_AUTO;

	cr_assert_eq(xs_parse_mode("native", &m), 0);
	cr_assert_eq(m, XS_ATTACH_NATIVE);
	cr_assert_eq(xs_parse_mode("generic", &m), 0);
	cr_assert_eq(m, XS_ATTACH_GENERIC);
	cr_assert_eq(xs_parse_mode("n", &m), 0);
	cr_assert_eq(m, XS_ATTACH_NATIVE);
	cr_assert_eq(xs_parse_mode("gen", &m), 0);
	cr_assert_eq(m, XS_ATTACH_GENERIC);
	assert_fails(xs_parse_mode("skb", &m), "unknown mode 'skb' (want native or generic)");
	cr_assert_eq(xs_parse_mode("", &m), -EINVAL);
}

Test(cli_parse, ifname)
{
	char name[IF_NAMESIZE];

	cr_assert_eq(xs_parse_ifname("xsctl-va", name), 0);
	cr_assert_str_eq(name, "xsctl-va");
	cr_assert_eq(xs_parse_ifname("abcdefghijklmno", name), 0);	/* 15 */
	assert_fails(xs_parse_ifname("abcdefghijklmnop", name),
		     "interface name 'abcdefghijklmnop' is longer than 15 characters");
	assert_fails(xs_parse_ifname("", name), "empty interface name");
	assert_fails(xs_parse_ifname("a/b", name), "invalid interface name 'a/b'");
	cr_assert_eq(xs_parse_ifname("a b", name), -EINVAL);
	cr_assert_eq(xs_parse_ifname("eth0:1", name), -EINVAL);
	cr_assert_eq(xs_parse_ifname(".", name), -EINVAL);
	cr_assert_eq(xs_parse_ifname("..", name), -EINVAL);
}

Test(cli_prefix, is_prefix)
{
	cr_assert(xs_is_prefix("st", "status"));
	cr_assert(xs_is_prefix("status", "status"));
	cr_assert_not(xs_is_prefix("statusx", "status"));
	cr_assert_not(xs_is_prefix("", "status"));
	cr_assert_not(xs_is_prefix("x", "status"));
	cr_assert_not(xs_is_prefix(NULL, "status"));
}

static const char *object(const char *word)
{
	const struct xs_cmd *c = xs_cmd_find(xs_objects, word);

	return c ? c->name : "(none)";
}

Test(cli_prefix, objects_first_match_in_table_order)
{
	/* "s" and "st" are ambiguous: status comes first in the table. */
	cr_assert_str_eq(object("s"), "status");
	cr_assert_str_eq(object("st"), "status");
	cr_assert_str_eq(object("stat"), "status");
	cr_assert_str_eq(object("stats"), "stats");
	cr_assert_str_eq(object("statu"), "status");
	cr_assert_str_eq(object("sy"), "sysctl");
	cr_assert_str_eq(object("a"), "attach");
	cr_assert_str_eq(object("d"), "detach");
	cr_assert_str_eq(object("ru"), "rule");
	cr_assert_str_eq(object("h"), "help");
	cr_assert_str_eq(object("x"), "(none)");
	cr_assert_str_eq(object(""), "(none)");
	cr_assert_str_eq(object("rules"), "(none)");
}

Test(cli_keywords, attach_options)
{
	enum xs_attach_mode mode = XS_ATTACH_AUTO;
	bool force = false;
	const struct xs_keyword kws[] = {
		{ "mode", xs_parse_mode, &mode, NULL },
		{ "force", NULL, NULL, &force },
		{ NULL },
	};
	char *ok[] = { "mo", "generic", "f" };
	char *twice[] = { "force", "force" };
	char *novalue[] = { "mode" };
	char *unknown[] = { "fast" };
	char *badvalue[] = { "mode", "hw" };

	cr_assert_eq(xs_parse_keywords(kws, 3, ok), 0);
	cr_assert_eq(mode, XS_ATTACH_GENERIC);
	cr_assert(force);
	assert_fails(xs_parse_keywords(kws, 2, twice), "'force' given twice");
	assert_fails(xs_parse_keywords(kws, 1, novalue), "'mode' needs a value");
	assert_fails(xs_parse_keywords(kws, 1, unknown), "unexpected argument 'fast'");
	assert_fails(xs_parse_keywords(kws, 2, badvalue), "unknown mode 'hw' (want native or generic)");
	cr_assert_eq(xs_parse_keywords(kws, 0, NULL), 0);
}

Test(cli_rule_spec, listener_any)
{
	static const __u8 zero[16];
	char *argv[] = { "tcp", "8080" };
	struct xs_rule_spec s;
	struct xs_listen_key k;

	cr_assert_eq(xs_parse_rule_spec(2, argv, true, &s), 0);
	cr_assert_not(s.is_flow);
	cr_assert_not(s.has_owner);
	xs_rule_spec_listen_key(&s, &k);
	cr_assert_eq(k.proto, IPPROTO_TCP);
	cr_assert_eq(k.family, XS_FAMILY_ANY);
	cr_assert_arr_eq(k.addr, zero, 16);
	cr_assert_eq(k.port, htons(8080));
}

Test(cli_rule_spec, listener_addr_and_owner)
{
	char *argv[] = { "udp", "198.18.0.1", "53", "owner", "1234" };
	struct xs_rule_spec s;
	struct xs_listen_key k;
	__u8 want[16];

	xs_addr_from_ipv4(want, inet_addr("198.18.0.1"));
	cr_assert_eq(xs_parse_rule_spec(5, argv, true, &s), 0);
	cr_assert(s.has_owner);
	cr_assert_eq(s.owner, 1234);
	xs_rule_spec_listen_key(&s, &k);
	cr_assert_eq(k.proto, IPPROTO_UDP);
	cr_assert_eq(k.family, XS_FAMILY_IPV4);
	cr_assert_arr_eq(k.addr, want, 16);
	cr_assert_eq(k.port, htons(53));
	assert_fails(xs_parse_rule_spec(5, argv, false, &s), "'owner' applies to rule add only");
}

Test(cli_rule_spec, family_wildcards)
{
	static const __u8 zero[16];
	char *v4[] = { "tcp", "0.0.0.0", "80" };
	char *v6[] = { "tcp", "::", "80" };
	struct xs_rule_spec s;
	struct xs_listen_key k;

	cr_assert_eq(xs_parse_rule_spec(3, v4, true, &s), 0);
	xs_rule_spec_listen_key(&s, &k);
	cr_assert_eq(k.family, XS_FAMILY_IPV4);
	cr_assert_arr_eq(k.addr, zero, 16);
	cr_assert_eq(xs_parse_rule_spec(3, v6, true, &s), 0);
	xs_rule_spec_listen_key(&s, &k);
	cr_assert_eq(k.family, XS_FAMILY_IPV6);
	cr_assert_arr_eq(k.addr, zero, 16);
}

Test(cli_rule_spec, flow)
{
	char *argv[] = { "tcp", "198.18.0.1", "9000", "198.18.0.2", "40000" };
	struct xs_rule_spec s;
	struct xs_flow_key k;
	__u8 l[16], r[16];

	xs_addr_from_ipv4(l, inet_addr("198.18.0.1"));
	xs_addr_from_ipv4(r, inet_addr("198.18.0.2"));
	cr_assert_eq(xs_parse_rule_spec(5, argv, true, &s), 0);
	cr_assert(s.is_flow);
	xs_rule_spec_flow_key(&s, &k);
	cr_assert_eq(k.family, XS_FAMILY_IPV4);
	cr_assert_eq(k.lport, htons(9000));
	cr_assert_eq(k.rport, htons(40000));
	cr_assert_arr_eq(k.laddr, l, 16);
	cr_assert_arr_eq(k.raddr, r, 16);
	cr_assert_eq(k.pad, 0);
}

Test(cli_rule_spec, bad)
{
	char *wild[] = { "tcp", "any", "9000", "198.18.0.2", "40000" };
	char *mixed[] = { "tcp", "198.18.0.1", "9000", "2001:db8::2", "40000" };
	char *three[] = { "tcp", "198.18.0.1", "9000", "198.18.0.2" };
	char *noport[] = { "tcp" };
	char *badport[] = { "udp", "0" };
	struct xs_rule_spec s;

	assert_fails(xs_parse_rule_spec(5, wild, true, &s),
		     "a 5-tuple rule needs both addresses, not a wildcard");
	assert_fails(xs_parse_rule_spec(5, mixed, true, &s),
		     "local and remote addresses are of different families");
	assert_fails(xs_parse_rule_spec(4, three, true, &s),
		     "a rule is PROTO [ADDR] PORT or PROTO LADDR LPORT RADDR RPORT");
	assert_fails(xs_parse_rule_spec(1, noport, true, &s), "a rule needs a protocol and a port");
	assert_fails(xs_parse_rule_spec(2, badport, true, &s), "port 0 is out of range 1..65535");
}

Test(cli_format, addresses)
{
	struct xs_cli_addr a;
	char buf[64];

	xs_parse_addr("198.18.0.1", &a);
	xs_format_addr(a.family, a.addr, buf, sizeof(buf));
	cr_assert_str_eq(buf, "198.18.0.1");
	xs_parse_addr("0.0.0.0", &a);
	xs_format_addr(a.family, a.addr, buf, sizeof(buf));
	cr_assert_str_eq(buf, "0.0.0.0");
	xs_parse_addr("2001:db8::1", &a);
	xs_format_addr(a.family, a.addr, buf, sizeof(buf));
	cr_assert_str_eq(buf, "2001:db8::1");
	xs_parse_addr("any", &a);
	xs_format_addr(a.family, a.addr, buf, sizeof(buf));
	cr_assert_str_eq(buf, "any");
	cr_assert_str_eq(xs_proto_name(IPPROTO_TCP), "tcp");
	cr_assert_str_eq(xs_proto_name(IPPROTO_UDP), "udp");
}
