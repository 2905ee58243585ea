// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * Which frames the steering program hands to xsock and which it leaves to
 * the kernel: exact 5-tuple rules, the port gate, listener rules and their
 * precedence, TCP connections the kernel already owns, per-rule counters,
 * and the redirect itself into a real AF_XDP socket.
 *
 * Each test runs in its own private network namespace (steer_setup), so
 * the kernel sockets and the veth pair made here vanish with the test's
 * process whatever the outcome.  Without an AF_XDP socket in `xsks` a
 * matched frame comes back XDP_PASS counted pass_redirect_failed: that is
 * how "steered" reads in the tests that have no socket.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <net/if.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <unistd.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <criterion/criterion.h>
#include <xdp/xsk.h>

#include "lib/netns.h"
#include "lib/steer_prog.h"

#define VETH     "xsv0"
#define VETH_PEER "xsv1"

/* The interface that carries the test addresses: a veth pair (this kernel
 * has no dummy driver), both ends up, addresses without DAD. */
static void veth_setup(void)
{
	cr_assert_eq(test_sh("ip link add " VETH " type veth peer name " VETH_PEER
			     " && ip link set " VETH " up && ip link set " VETH_PEER " up"
			     " && ip addr add " STEER_LOCAL4 "/24 dev " VETH
			     " && ip addr add " STEER_PEER4 "/24 dev " VETH
			     " && ip -6 addr add " STEER_LOCAL6 "/64 dev " VETH " nodad"
			     " && ip -6 addr add " STEER_PEER6 "/64 dev " VETH " nodad"), 0,
		     "cannot set up the veth pair");
}

static void setup_with_veth(void)
{
	steer_setup();
	veth_setup();
}

TestSuite(steer, .init = steer_setup, .fini = steer_teardown);
TestSuite(steer_kernel, .init = setup_with_veth, .fini = steer_teardown);

static struct test_frame frame(int family, uint8_t proto, uint16_t dport)
{
	struct test_frame_spec s = steer_spec(family, proto, dport);

	return steer_frame(&s);
}

static struct test_frame frame_to(int family, uint8_t proto, const char *daddr, uint16_t dport)
{
	struct test_frame_spec s = steer_spec(family, proto, dport);

	s.daddr = daddr;
	return steer_frame(&s);
}

static void expect_listener(uint8_t proto, uint8_t family, const char *addr, uint16_t port,
			    __u64 packets, __u64 bytes)
{
	struct xs_listen_val v = steer_listener(proto, family, addr, port);

	cr_expect_eq(v.packets, packets, "rule %u/%u/%s/%u: %llu packets, expected %llu",
		     proto, family, addr ? addr : "*", port,
		     (unsigned long long)v.packets, (unsigned long long)packets);
	cr_expect_eq(v.bytes, bytes, "rule %u/%u/%s/%u: %llu bytes, expected %llu",
		     proto, family, addr ? addr : "*", port,
		     (unsigned long long)v.bytes, (unsigned long long)bytes);
	cr_expect_eq(v.owner.pid, (__u32)getpid(), "the program must not touch the owner");
}

/* ---- no rules -------------------------------------------------------- */

static void expect_no_rule(int family, uint8_t proto)
{
	struct test_frame f = frame(family, proto, 5000);

	cr_assert_eq(steer_run(&f), XDP_PASS);
	STEER_EXPECT(.rx_packets = 1, .rx_bytes = f.len, .pass_no_rule = 1);
}

Test(steer, no_rule_ipv4_tcp_passes) { expect_no_rule(4, IPPROTO_TCP); }
Test(steer, no_rule_ipv6_tcp_passes) { expect_no_rule(6, IPPROTO_TCP); }
Test(steer, no_rule_ipv4_udp_passes) { expect_no_rule(4, IPPROTO_UDP); }
Test(steer, no_rule_ipv6_udp_passes) { expect_no_rule(6, IPPROTO_UDP); }

/* ---- exact 5-tuple rules -------------------------------------------- */

Test(steer, flow_ipv4_tcp_steered)
{
	struct test_frame f = frame(4, IPPROTO_TCP, 5000);

	steer_add_flow(IPPROTO_TCP, STEER_LOCAL4, 5000, STEER_PEER4, STEER_PEER_PORT);
	cr_assert_eq(steer_run(&f), XDP_PASS);
	STEER_EXPECT(.rx_packets = 1, .rx_bytes = f.len, .pass_redirect_failed = 1);
	cr_expect_eq(steer_flow(IPPROTO_TCP, STEER_LOCAL4, 5000, STEER_PEER4,
				STEER_PEER_PORT).packets, 1);
}

Test(steer, flow_ipv6_udp_steered)
{
	struct test_frame f = frame(6, IPPROTO_UDP, 5353);

	steer_add_flow(IPPROTO_UDP, STEER_LOCAL6, 5353, STEER_PEER6, STEER_PEER_PORT);
	cr_assert_eq(steer_run(&f), XDP_PASS);
	STEER_EXPECT(.rx_packets = 1, .rx_bytes = f.len, .pass_redirect_failed = 1);
	cr_expect_eq(steer_flow(IPPROTO_UDP, STEER_LOCAL6, 5353, STEER_PEER6,
				STEER_PEER_PORT).bytes, f.len);
}

/* Flows are looked up before the gate: a connection keeps being steered
 * after its listener rule (and gate count) is gone. */
Test(steer, flow_steered_with_port_gate_closed)
{
	struct test_frame f = frame(6, IPPROTO_TCP, 5000);

	steer_add_flow(IPPROTO_TCP, STEER_LOCAL6, 5000, STEER_PEER6, STEER_PEER_PORT);
	steer_set_gate(IPPROTO_TCP, 5000, 0);
	cr_assert_eq(steer_run(&f), XDP_PASS);
	STEER_EXPECT(.rx_packets = 1, .rx_bytes = f.len, .pass_redirect_failed = 1);
}

/* Each field of the tuple matters: change any one and the rule is not the
 * packet's. */
Test(steer, flow_differs_in_one_field_not_steered)
{
	struct test_frame_spec base = steer_spec(4, IPPROTO_UDP, 5000), s;
	struct test_frame f[6];
	__u64 bytes = 0;
	int i;

	steer_add_flow(IPPROTO_UDP, STEER_LOCAL4, 5000, STEER_PEER4, STEER_PEER_PORT);
	s = base; s.sport = STEER_PEER_PORT + 1;        f[0] = steer_frame(&s);
	s = base; s.dport = 5001;                       f[1] = steer_frame(&s);
	s = base; s.saddr = STEER_OTHER4;               f[2] = steer_frame(&s);
	s = base; s.daddr = STEER_OTHER4;               f[3] = steer_frame(&s);
	s = base; s.proto = IPPROTO_TCP;                f[4] = steer_frame(&s);
	/* the reverse direction: our own packet coming back */
	s = base; s.saddr = STEER_LOCAL4; s.daddr = STEER_PEER4;
	s.sport = 5000; s.dport = STEER_PEER_PORT;      f[5] = steer_frame(&s);
	for (i = 0; i < 6; i++) {
		cr_assert_eq(steer_run(&f[i]), XDP_PASS);
		cr_assert_eq(steer_stats().pass_no_rule, (__u64)i + 1, "variant %d matched", i);
		bytes += f[i].len;
	}
	STEER_EXPECT(.rx_packets = 6, .rx_bytes = bytes, .pass_no_rule = 6);
	cr_expect_eq(steer_flow(IPPROTO_UDP, STEER_LOCAL4, 5000, STEER_PEER4,
				STEER_PEER_PORT).packets, 0);
}

/* An IPv4 rule is not an IPv6 rule for the mapped address. */
Test(steer, flow_ipv4_rule_does_not_match_ipv6_mapped)
{
	struct test_frame_spec s = steer_spec(6, IPPROTO_UDP, 5000);
	struct test_frame f;

	s.saddr = "::ffff:" STEER_PEER4;
	s.daddr = "::ffff:" STEER_LOCAL4;
	f = steer_frame(&s);
	steer_add_flow(IPPROTO_UDP, STEER_LOCAL4, 5000, STEER_PEER4, STEER_PEER_PORT);
	cr_assert_eq(steer_run(&f), XDP_PASS);
	STEER_EXPECT(.rx_packets = 1, .rx_bytes = f.len, .pass_no_rule = 1);
}

Test(steer, flow_counters_count_exactly_their_frames)
{
	struct test_frame_spec a = steer_spec(4, IPPROTO_UDP, 5000);
	struct test_frame fa[3];
	struct xs_flow_val va, vb;
	__u64 bytes = 0;
	int i;

	steer_add_flow(IPPROTO_UDP, STEER_LOCAL4, 5000, STEER_PEER4, STEER_PEER_PORT);
	steer_add_flow(IPPROTO_UDP, STEER_LOCAL4, 6000, STEER_PEER4, STEER_PEER_PORT);
	for (i = 0; i < 3; i++) {
		a.payload_len = 10 + 100 * i;
		fa[i] = steer_frame(&a);
		steer_run(&fa[i]);
		bytes += fa[i].len;
	}
	va = steer_flow(IPPROTO_UDP, STEER_LOCAL4, 5000, STEER_PEER4, STEER_PEER_PORT);
	vb = steer_flow(IPPROTO_UDP, STEER_LOCAL4, 6000, STEER_PEER4, STEER_PEER_PORT);
	cr_expect_eq(va.packets, 3);
	cr_expect_eq(va.bytes, bytes);
	cr_expect_eq(va.owner.pid, (__u32)getpid(), "the program must not touch the owner");
	cr_expect_eq(vb.packets, 0);
	cr_expect_eq(vb.bytes, 0);
	STEER_EXPECT(.rx_packets = 3, .rx_bytes = bytes, .pass_redirect_failed = 3);
}

/* ---- the port gate --------------------------------------------------- */

/* The gate is what the program trusts: a listener entry whose gate slot
 * is zero (rule being added or removed) does not steer. */
Test(steer, gate_closed_listener_not_steered)
{
	struct test_frame f = frame(4, IPPROTO_TCP, 5000);

	steer_add_listener(IPPROTO_TCP, XS_FAMILY_IPV4, NULL, 5000);
	steer_set_gate(IPPROTO_TCP, 5000, 0);
	cr_assert_eq(steer_run(&f), XDP_PASS);
	STEER_EXPECT(.rx_packets = 1, .rx_bytes = f.len, .pass_no_rule = 1);
	expect_listener(IPPROTO_TCP, XS_FAMILY_IPV4, NULL, 5000, 0, 0);
}

Test(steer, gate_open_without_listener_not_steered)
{
	struct test_frame f = frame(6, IPPROTO_UDP, 5000);

	steer_set_gate(IPPROTO_UDP, 5000, 3);
	cr_assert_eq(steer_run(&f), XDP_PASS);
	STEER_EXPECT(.rx_packets = 1, .rx_bytes = f.len, .pass_no_rule = 1);
}

/* TCP and UDP have separate gate slots: opening the UDP slot of a port
 * does not open the TCP one. */
Test(steer, gate_slot_is_per_protocol)
{
	struct test_frame f = frame(4, IPPROTO_TCP, 5000);

	steer_add_listener(IPPROTO_TCP, XS_FAMILY_ANY, NULL, 5000);
	steer_set_gate(IPPROTO_TCP, 5000, 0);
	steer_set_gate(IPPROTO_UDP, 5000, 1);
	cr_assert_eq(steer_run(&f), XDP_PASS);
	STEER_EXPECT(.rx_packets = 1, .rx_bytes = f.len, .pass_no_rule = 1);
}

Test(steer, gate_high_ports_steered)
{
	struct test_frame a = frame(4, IPPROTO_UDP, 65535), b = frame(6, IPPROTO_TCP, 0);

	steer_add_listener(IPPROTO_UDP, XS_FAMILY_ANY, NULL, 65535);
	steer_add_listener(IPPROTO_TCP, XS_FAMILY_ANY, NULL, 0);
	cr_assert_eq(steer_run(&a), XDP_PASS);
	cr_assert_eq(steer_run(&b), XDP_PASS);
	STEER_EXPECT(.rx_packets = 2, .rx_bytes = a.len + b.len, .pass_redirect_failed = 2);
	expect_listener(IPPROTO_UDP, XS_FAMILY_ANY, NULL, 65535, 1, a.len);
	expect_listener(IPPROTO_TCP, XS_FAMILY_ANY, NULL, 0, 1, b.len);
}

/* ---- listener rules ------------------------------------------------- */

Test(steer, listener_exact_address_ipv4_udp)
{
	struct test_frame f = frame(4, IPPROTO_UDP, 5000);

	steer_add_listener(IPPROTO_UDP, XS_FAMILY_IPV4, STEER_LOCAL4, 5000);
	cr_assert_eq(steer_run(&f), XDP_PASS);
	STEER_EXPECT(.rx_packets = 1, .rx_bytes = f.len, .pass_redirect_failed = 1);
	expect_listener(IPPROTO_UDP, XS_FAMILY_IPV4, STEER_LOCAL4, 5000, 1, f.len);
}

Test(steer, listener_exact_address_ipv6_tcp)
{
	struct test_frame f = frame(6, IPPROTO_TCP, 8080);

	steer_add_listener(IPPROTO_TCP, XS_FAMILY_IPV6, STEER_LOCAL6, 8080);
	cr_assert_eq(steer_run(&f), XDP_PASS);
	STEER_EXPECT(.rx_packets = 1, .rx_bytes = f.len, .pass_redirect_failed = 1);
	expect_listener(IPPROTO_TCP, XS_FAMILY_IPV6, STEER_LOCAL6, 8080, 1, f.len);
}

Test(steer, listener_exact_address_other_address_not_steered)
{
	struct test_frame a = frame_to(4, IPPROTO_UDP, STEER_OTHER4, 5000);
	struct test_frame b = frame_to(6, IPPROTO_UDP, STEER_OTHER6, 5000);

	steer_add_listener(IPPROTO_UDP, XS_FAMILY_IPV4, STEER_LOCAL4, 5000);
	steer_add_listener(IPPROTO_UDP, XS_FAMILY_IPV6, STEER_LOCAL6, 5000);
	cr_assert_eq(steer_run(&a), XDP_PASS);
	cr_assert_eq(steer_run(&b), XDP_PASS);
	STEER_EXPECT(.rx_packets = 2, .rx_bytes = a.len + b.len, .pass_no_rule = 2);
	expect_listener(IPPROTO_UDP, XS_FAMILY_IPV4, STEER_LOCAL4, 5000, 0, 0);
	expect_listener(IPPROTO_UDP, XS_FAMILY_IPV6, STEER_LOCAL6, 5000, 0, 0);
}

Test(steer, listener_family_wildcard_matches_own_family_only)
{
	struct test_frame a = frame_to(4, IPPROTO_UDP, STEER_OTHER4, 5000);
	struct test_frame b = frame(6, IPPROTO_UDP, 5000);

	steer_add_listener(IPPROTO_UDP, XS_FAMILY_IPV4, NULL, 5000);
	cr_assert_eq(steer_run(&a), XDP_PASS);
	cr_assert_eq(steer_run(&b), XDP_PASS);
	STEER_EXPECT(.rx_packets = 2, .rx_bytes = a.len + b.len,
		     .pass_redirect_failed = 1, .pass_no_rule = 1);
	expect_listener(IPPROTO_UDP, XS_FAMILY_IPV4, NULL, 5000, 1, a.len);
}

Test(steer, listener_ipv6_wildcard_ignores_ipv4)
{
	struct test_frame a = frame(4, IPPROTO_TCP, 5000);
	struct test_frame b = frame_to(6, IPPROTO_TCP, STEER_OTHER6, 5000);

	steer_add_listener(IPPROTO_TCP, XS_FAMILY_IPV6, NULL, 5000);
	cr_assert_eq(steer_run(&a), XDP_PASS);
	cr_assert_eq(steer_run(&b), XDP_PASS);
	STEER_EXPECT(.rx_packets = 2, .rx_bytes = a.len + b.len,
		     .pass_redirect_failed = 1, .pass_no_rule = 1);
	expect_listener(IPPROTO_TCP, XS_FAMILY_IPV6, NULL, 5000, 1, b.len);
}

Test(steer, listener_any_family_matches_both)
{
	struct test_frame a = frame(4, IPPROTO_TCP, 5000), b = frame(6, IPPROTO_TCP, 5000);

	steer_add_listener(IPPROTO_TCP, XS_FAMILY_ANY, NULL, 5000);
	cr_assert_eq(steer_run(&a), XDP_PASS);
	cr_assert_eq(steer_run(&b), XDP_PASS);
	STEER_EXPECT(.rx_packets = 2, .rx_bytes = a.len + b.len, .pass_redirect_failed = 2);
	expect_listener(IPPROTO_TCP, XS_FAMILY_ANY, NULL, 5000, 2, a.len + b.len);
}

/* Exact address beats the family wildcard, which beats the any-family
 * wildcard; each frame is counted by the one rule that took it. */
Test(steer, listener_precedence_exact_family_any)
{
	struct test_frame exact = frame(4, IPPROTO_UDP, 5000);
	struct test_frame fam = frame_to(4, IPPROTO_UDP, STEER_OTHER4, 5000);
	struct test_frame any = frame(6, IPPROTO_UDP, 5000);

	steer_add_listener(IPPROTO_UDP, XS_FAMILY_ANY, NULL, 5000);
	steer_add_listener(IPPROTO_UDP, XS_FAMILY_IPV4, NULL, 5000);
	steer_add_listener(IPPROTO_UDP, XS_FAMILY_IPV4, STEER_LOCAL4, 5000);
	cr_assert_eq(steer_run(&exact), XDP_PASS);
	cr_assert_eq(steer_run(&fam), XDP_PASS);
	cr_assert_eq(steer_run(&any), XDP_PASS);
	STEER_EXPECT(.rx_packets = 3, .rx_bytes = exact.len + fam.len + any.len,
		     .pass_redirect_failed = 3);
	expect_listener(IPPROTO_UDP, XS_FAMILY_IPV4, STEER_LOCAL4, 5000, 1, exact.len);
	expect_listener(IPPROTO_UDP, XS_FAMILY_IPV4, NULL, 5000, 1, fam.len);
	expect_listener(IPPROTO_UDP, XS_FAMILY_ANY, NULL, 5000, 1, any.len);
}

/* An exact 5-tuple rule beats every listener rule on its port. */
Test(steer, flow_takes_precedence_over_listener)
{
	struct test_frame f = frame(6, IPPROTO_UDP, 5000);

	steer_add_listener(IPPROTO_UDP, XS_FAMILY_IPV6, STEER_LOCAL6, 5000);
	steer_add_flow(IPPROTO_UDP, STEER_LOCAL6, 5000, STEER_PEER6, STEER_PEER_PORT);
	cr_assert_eq(steer_run(&f), XDP_PASS);
	STEER_EXPECT(.rx_packets = 1, .rx_bytes = f.len, .pass_redirect_failed = 1);
	cr_expect_eq(steer_flow(IPPROTO_UDP, STEER_LOCAL6, 5000, STEER_PEER6,
				STEER_PEER_PORT).packets, 1);
	expect_listener(IPPROTO_UDP, XS_FAMILY_IPV6, STEER_LOCAL6, 5000, 0, 0);
}

Test(steer, listener_other_port_not_steered)
{
	struct test_frame f = frame(4, IPPROTO_TCP, 5001);

	steer_add_listener(IPPROTO_TCP, XS_FAMILY_ANY, NULL, 5000);
	cr_assert_eq(steer_run(&f), XDP_PASS);
	STEER_EXPECT(.rx_packets = 1, .rx_bytes = f.len, .pass_no_rule = 1);
	expect_listener(IPPROTO_TCP, XS_FAMILY_ANY, NULL, 5000, 0, 0);
}

/* A UDP rule on a port does not take TCP to that port, even with both
 * protocols' gate slots open (the TCP slot by another rule). */
Test(steer, listener_other_protocol_not_steered)
{
	struct test_frame f = frame(4, IPPROTO_TCP, 5000);

	steer_add_listener(IPPROTO_UDP, XS_FAMILY_ANY, NULL, 5000);
	steer_add_listener(IPPROTO_TCP, XS_FAMILY_IPV6, STEER_LOCAL6, 5000);
	cr_assert_eq(steer_run(&f), XDP_PASS);
	STEER_EXPECT(.rx_packets = 1, .rx_bytes = f.len, .pass_no_rule = 1);
	expect_listener(IPPROTO_UDP, XS_FAMILY_ANY, NULL, 5000, 0, 0);
	expect_listener(IPPROTO_TCP, XS_FAMILY_IPV6, STEER_LOCAL6, 5000, 0, 0);
}

/* A listener rule takes any TCP segment of a connection the kernel does
 * not own: a SYN, and the rest of a connection xsock accepted. */
Test(steer, tcp_listener_syn_and_non_syn_steered)
{
	struct test_frame_spec s = steer_spec(4, IPPROTO_TCP, 5000);
	struct test_frame syn, ack;

	syn = steer_frame(&s);
	s.tcp_flags = TH_ACK | TH_PUSH;
	s.payload_len = 100;
	ack = steer_frame(&s);
	steer_add_listener(IPPROTO_TCP, XS_FAMILY_IPV4, STEER_LOCAL4, 5000);
	cr_assert_eq(steer_run(&syn), XDP_PASS);
	cr_assert_eq(steer_run(&ack), XDP_PASS);
	STEER_EXPECT(.rx_packets = 2, .rx_bytes = syn.len + ack.len, .pass_redirect_failed = 2);
	expect_listener(IPPROTO_TCP, XS_FAMILY_IPV4, STEER_LOCAL4, 5000, 2, syn.len + ack.len);
}

/* Per-CPU rule counters: of three rules, only the hit one moves, by the
 * frames and bytes sent. */
Test(steer, listener_counters_count_exactly_their_frames)
{
	struct test_frame_spec s = steer_spec(6, IPPROTO_UDP, 7000);
	__u64 bytes = 0;
	int i;

	steer_add_listener(IPPROTO_UDP, XS_FAMILY_IPV6, STEER_LOCAL6, 7000);
	steer_add_listener(IPPROTO_UDP, XS_FAMILY_IPV6, STEER_LOCAL6, 7001);
	steer_add_listener(IPPROTO_TCP, XS_FAMILY_IPV6, STEER_LOCAL6, 7000);
	for (i = 0; i < 5; i++) {
		struct test_frame f;

		s.payload_len = 1 + 97 * i;
		f = steer_frame(&s);
		cr_assert_eq(steer_run(&f), XDP_PASS);
		bytes += f.len;
	}
	STEER_EXPECT(.rx_packets = 5, .rx_bytes = bytes, .pass_redirect_failed = 5);
	expect_listener(IPPROTO_UDP, XS_FAMILY_IPV6, STEER_LOCAL6, 7000, 5, bytes);
	expect_listener(IPPROTO_UDP, XS_FAMILY_IPV6, STEER_LOCAL6, 7001, 0, 0);
	expect_listener(IPPROTO_TCP, XS_FAMILY_IPV6, STEER_LOCAL6, 7000, 0, 0);
}

/* ---- TCP connections the kernel owns -------------------------------- */

struct kernel_tcp {
	int listen_fd, client_fd, accepted_fd;
	uint16_t client_port;
};

static void sockaddr_of(int family, const char *addr, uint16_t port,
			struct sockaddr_storage *ss, socklen_t *len)
{
	memset(ss, 0, sizeof(*ss));
	if (family == 4) {
		struct sockaddr_in *sin = (struct sockaddr_in *)ss;

		sin->sin_family = AF_INET;
		sin->sin_port = htons(port);
		cr_assert_eq(inet_pton(AF_INET, addr, &sin->sin_addr), 1);
		*len = sizeof(*sin);
	} else {
		struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)ss;

		sin6->sin6_family = AF_INET6;
		sin6->sin6_port = htons(port);
		cr_assert_eq(inet_pton(AF_INET6, addr, &sin6->sin6_addr), 1);
		*len = sizeof(*sin6);
	}
}

/* A kernel listener on local:port; with connect, also an established
 * connection to it from the peer address (over loopback, both addresses
 * are this host's). */
static struct kernel_tcp kernel_tcp_open(int family, uint16_t port, int connect_it)
{
	const char *local = family == 4 ? STEER_LOCAL4 : STEER_LOCAL6;
	const char *peer = family == 4 ? STEER_PEER4 : STEER_PEER6;
	int af = family == 4 ? AF_INET : AF_INET6, one = 1;
	struct kernel_tcp k = { -1, -1, -1, 0 };
	struct sockaddr_storage ss;
	socklen_t len;

	k.listen_fd = socket(af, SOCK_STREAM | SOCK_CLOEXEC, 0);
	cr_assert_geq(k.listen_fd, 0);
	setsockopt(k.listen_fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	sockaddr_of(family, local, port, &ss, &len);
	cr_assert_eq(bind(k.listen_fd, (struct sockaddr *)&ss, len), 0, "bind: %s",
		     strerror(errno));
	cr_assert_eq(listen(k.listen_fd, 8), 0);
	if (!connect_it)
		return k;

	k.client_fd = socket(af, SOCK_STREAM | SOCK_CLOEXEC, 0);
	cr_assert_geq(k.client_fd, 0);
	sockaddr_of(family, peer, 0, &ss, &len);
	cr_assert_eq(bind(k.client_fd, (struct sockaddr *)&ss, len), 0);
	sockaddr_of(family, local, port, &ss, &len);
	cr_assert_eq(connect(k.client_fd, (struct sockaddr *)&ss, len), 0, "connect: %s",
		     strerror(errno));
	k.accepted_fd = accept(k.listen_fd, NULL, NULL);
	cr_assert_geq(k.accepted_fd, 0);
	len = sizeof(ss);
	cr_assert_eq(getsockname(k.client_fd, (struct sockaddr *)&ss, &len), 0);
	k.client_port = ntohs(family == 4 ? ((struct sockaddr_in *)&ss)->sin_port
					  : ((struct sockaddr_in6 *)&ss)->sin6_port);
	return k;
}

/* A segment of the kernel's connection, as the peer would send it. */
static struct test_frame kernel_tcp_segment(int family, const struct kernel_tcp *k,
					    uint16_t port)
{
	struct test_frame_spec s = steer_spec(family, IPPROTO_TCP, port);

	s.sport = k->client_port;
	s.tcp_flags = TH_ACK | TH_PUSH;
	s.payload_len = 20;
	return steer_frame(&s);
}

static void expect_kernel_conn_passed(int family)
{
	const char *local = family == 4 ? STEER_LOCAL4 : STEER_LOCAL6;
	uint8_t fam = family == 4 ? XS_FAMILY_IPV4 : XS_FAMILY_IPV6;
	struct kernel_tcp k = kernel_tcp_open(family, 5000, 1);
	struct test_frame conn = kernel_tcp_segment(family, &k, 5000);
	struct test_frame fresh = frame(family, IPPROTO_TCP, 5000);

	steer_add_listener(IPPROTO_TCP, fam, local, 5000);
	cr_assert_neq(k.client_port, STEER_PEER_PORT);
	cr_assert_eq(steer_run(&conn), XDP_PASS);
	STEER_EXPECT(.rx_packets = 1, .rx_bytes = conn.len, .pass_kernel_conn = 1);
	/* A new connection to the same port is still xsock's. */
	cr_assert_eq(steer_run(&fresh), XDP_PASS);
	STEER_EXPECT(.rx_packets = 2, .rx_bytes = conn.len + fresh.len,
		     .pass_kernel_conn = 1, .pass_redirect_failed = 1);
	/* The rule counts what it took; the kernel's segment is not that. */
	expect_listener(IPPROTO_TCP, fam, local, 5000, 1, fresh.len);
}

Test(steer_kernel, established_ipv4_connection_stays_with_kernel)
{
	expect_kernel_conn_passed(4);
}

Test(steer_kernel, established_ipv6_connection_stays_with_kernel)
{
	expect_kernel_conn_passed(6);
}

/* A wildcard rule too: the any-family rule must not take the kernel's
 * IPv6 connection. */
Test(steer_kernel, established_connection_under_any_family_rule)
{
	struct kernel_tcp k = kernel_tcp_open(6, 5000, 1);
	struct test_frame conn = kernel_tcp_segment(6, &k, 5000);

	steer_add_listener(IPPROTO_TCP, XS_FAMILY_ANY, NULL, 5000);
	cr_assert_eq(steer_run(&conn), XDP_PASS);
	STEER_EXPECT(.rx_packets = 1, .rx_bytes = conn.len, .pass_kernel_conn = 1);
}

/* After the kernel closes its side first, the 4-tuple sits in TIME-WAIT:
 * a late segment of that connection is still the kernel's. */
Test(steer_kernel, time_wait_connection_stays_with_kernel)
{
	struct kernel_tcp k = kernel_tcp_open(4, 5000, 1);
	struct test_frame conn = kernel_tcp_segment(4, &k, 5000);
	char c;

	steer_add_listener(IPPROTO_TCP, XS_FAMILY_IPV4, NULL, 5000);
	close(k.accepted_fd);                       /* server FIN first */
	cr_assert_eq(read(k.client_fd, &c, 1), 0, "client did not see the FIN");
	close(k.client_fd);                         /* server -> TIME-WAIT */
	usleep(50 * 1000);
	cr_assert_eq(test_sh("ss -tanH state time-wait | grep -q '" STEER_LOCAL4 ":5000'"), 0,
		     "the kernel's side is not in TIME-WAIT");
	cr_assert_eq(steer_run(&conn), XDP_PASS);
	STEER_EXPECT(.rx_packets = 1, .rx_bytes = conn.len, .pass_kernel_conn = 1);
}

/* A kernel listener on the port (xsock's port reservation, or an old
 * server) does not own new connections: they are still steered. */
Test(steer_kernel, kernel_listen_socket_does_not_stop_steering)
{
	struct kernel_tcp k = kernel_tcp_open(4, 5000, 0);
	struct test_frame_spec s = steer_spec(4, IPPROTO_TCP, 5000);
	struct test_frame syn = steer_frame(&s), ack;

	s.tcp_flags = TH_ACK;
	ack = steer_frame(&s);
	steer_add_listener(IPPROTO_TCP, XS_FAMILY_IPV4, STEER_LOCAL4, 5000);
	cr_assert_eq(steer_run(&syn), XDP_PASS);
	cr_assert_eq(steer_run(&ack), XDP_PASS);
	STEER_EXPECT(.rx_packets = 2, .rx_bytes = syn.len + ack.len, .pass_redirect_failed = 2);
	close(k.listen_fd);
}

/* A kernel socket that is only bound (how xsock reserves its ports) owns
 * no connection either. */
Test(steer_kernel, kernel_bound_socket_does_not_stop_steering)
{
	struct test_frame f = frame(6, IPPROTO_TCP, 5000);
	struct sockaddr_storage ss;
	socklen_t len;
	int fd = socket(AF_INET6, SOCK_STREAM | SOCK_CLOEXEC, 0);

	cr_assert_geq(fd, 0);
	sockaddr_of(6, STEER_LOCAL6, 5000, &ss, &len);
	cr_assert_eq(bind(fd, (struct sockaddr *)&ss, len), 0);
	steer_add_listener(IPPROTO_TCP, XS_FAMILY_IPV6, NULL, 5000);
	cr_assert_eq(steer_run(&f), XDP_PASS);
	STEER_EXPECT(.rx_packets = 1, .rx_bytes = f.len, .pass_redirect_failed = 1);
	close(fd);
}

/* The kernel check is for TCP listener rules only: a UDP listener rule
 * steers even while a connected kernel UDP socket has the same 4-tuple. */
Test(steer_kernel, udp_listener_ignores_kernel_udp_sockets)
{
	struct test_frame f = frame(4, IPPROTO_UDP, 5000);
	struct sockaddr_storage ss;
	socklen_t len;
	int fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);

	cr_assert_geq(fd, 0);
	sockaddr_of(4, STEER_LOCAL4, 5000, &ss, &len);
	cr_assert_eq(bind(fd, (struct sockaddr *)&ss, len), 0);
	sockaddr_of(4, STEER_PEER4, STEER_PEER_PORT, &ss, &len);
	cr_assert_eq(connect(fd, (struct sockaddr *)&ss, len), 0);
	steer_add_listener(IPPROTO_UDP, XS_FAMILY_IPV4, NULL, 5000);
	cr_assert_eq(steer_run(&f), XDP_PASS);
	STEER_EXPECT(.rx_packets = 1, .rx_bytes = f.len, .pass_redirect_failed = 1);
	close(fd);
}

/* ---- the redirect into an AF_XDP socket ----------------------------- */

#define XSK_FRAMES     64
#define XSK_FRAME_SIZE XSK_UMEM__DEFAULT_FRAME_SIZE

static struct {
	void *area;
	struct xsk_umem *umem;
	struct xsk_socket *xsk;
	struct xsk_ring_prod fill;
	struct xsk_ring_cons comp;
	struct xsk_ring_cons rx;
	struct xsk_ring_prod tx;
	int ifindex;
} xsk_env;

/* An AF_XDP socket in copy mode on queue 0 of the veth, without loading
 * libxdp's program, its fill ring stocked, and put in `xsks` at key 0. */
static void setup_with_xsk(void)
{
	struct xsk_socket_config cfg = {
		.rx_size = XSK_RING_CONS__DEFAULT_NUM_DESCS,
		.tx_size = XSK_RING_PROD__DEFAULT_NUM_DESCS,
		.libxdp_flags = XSK_LIBXDP_FLAGS__INHIBIT_PROG_LOAD,
		.bind_flags = XDP_COPY,
	};
	__u32 idx, i, key = 0;
	int err, fd;

	memset(&xsk_env, 0, sizeof(xsk_env));
	setup_with_veth();
	xsk_env.ifindex = if_nametoindex(VETH);
	cr_assert_gt(xsk_env.ifindex, 0);
	xsk_env.area = mmap(NULL, XSK_FRAMES * XSK_FRAME_SIZE, PROT_READ | PROT_WRITE,
			    MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	cr_assert_neq(xsk_env.area, MAP_FAILED);
	err = xsk_umem__create(&xsk_env.umem, xsk_env.area, XSK_FRAMES * XSK_FRAME_SIZE,
			       &xsk_env.fill, &xsk_env.comp, NULL);
	if (err == -EAFNOSUPPORT || err == -ENOPROTOOPT)
		cr_skip_test("this kernel has no AF_XDP sockets: %s", strerror(-err));
	cr_assert_eq(err, 0, "xsk_umem__create: %s", strerror(-err));
	err = xsk_socket__create(&xsk_env.xsk, VETH, 0, xsk_env.umem, &xsk_env.rx,
				 &xsk_env.tx, &cfg);
	cr_assert_eq(err, 0, "xsk_socket__create on " VETH " queue 0: %s", strerror(-err));
	cr_assert_eq(xsk_ring_prod__reserve(&xsk_env.fill, XSK_FRAMES, &idx), XSK_FRAMES);
	for (i = 0; i < XSK_FRAMES; i++)
		*xsk_ring_prod__fill_addr(&xsk_env.fill, idx + i) = (__u64)i * XSK_FRAME_SIZE;
	xsk_ring_prod__submit(&xsk_env.fill, XSK_FRAMES);
	fd = xsk_socket__fd(xsk_env.xsk);
	cr_assert_eq(bpf_map_update_elem(bpf_map__fd(steer.skel->maps.xsks), &key, &fd, BPF_ANY),
		     0, "xsks[0] = socket: %s", strerror(errno));
}

static void teardown_with_xsk(void)
{
	if (xsk_env.xsk)
		xsk_socket__delete(xsk_env.xsk);
	if (xsk_env.umem)
		xsk_umem__delete(xsk_env.umem);
	if (xsk_env.area && xsk_env.area != MAP_FAILED)
		munmap(xsk_env.area, XSK_FRAMES * XSK_FRAME_SIZE);
	memset(&xsk_env, 0, sizeof(xsk_env));
	steer_teardown();
}

TestSuite(steer_xsk, .init = setup_with_xsk, .fini = teardown_with_xsk);

/* Runs a frame as if it arrived on the veth's queue 0.  `live` asks the
 * kernel to carry out the action (BPF_F_TEST_XDP_LIVE_FRAMES): a
 * redirected frame really lands in the socket's RX ring, a passed one
 * would go up the veth's stack (so only redirect tests use it).  In live
 * mode test_run reports no action. */
static int run_on_queue0(const struct test_frame *f, int live, uint32_t *action)
{
	/* test_run wants data_end to be the frame's length (no metadata). */
	struct xdp_md md = {
		.data_end = f->len,
		.ingress_ifindex = xsk_env.ifindex,
		.rx_queue_index = 0,
	};
	LIBBPF_OPTS(bpf_test_run_opts, opts,
		.data_in = f->data,
		.data_size_in = f->len,
		.ctx_in = &md,
		.ctx_size_in = sizeof(md),
		.repeat = 1,
		.flags = live ? BPF_F_TEST_XDP_LIVE_FRAMES : 0,
	);

	if (bpf_prog_test_run_opts(steer.prog_fd, &opts))
		return -errno;
	*action = opts.retval;
	return 0;
}

Test(steer_xsk, matched_frame_returns_redirect)
{
	struct test_frame f = frame(4, IPPROTO_UDP, 5000);
	uint32_t action = 0;

	steer_add_listener(IPPROTO_UDP, XS_FAMILY_IPV4, NULL, 5000);
	cr_assert_eq(run_on_queue0(&f, 0, &action), 0);
	cr_assert_eq(action, XDP_REDIRECT, "action %u", action);
	STEER_EXPECT(.rx_packets = 1, .rx_bytes = f.len, .redirected = 1);
	expect_listener(IPPROTO_UDP, XS_FAMILY_IPV4, NULL, 5000, 1, f.len);
}

Test(steer_xsk, unmatched_frame_passes_with_socket_present)
{
	struct test_frame f = frame(6, IPPROTO_TCP, 5000);
	uint32_t action = 0;

	cr_assert_eq(run_on_queue0(&f, 0, &action), 0);
	cr_assert_eq(action, XDP_PASS);
	STEER_EXPECT(.rx_packets = 1, .rx_bytes = f.len, .pass_no_rule = 1);
}

/* The frame itself arrives, byte for byte, in the AF_XDP socket. */
Test(steer_xsk, redirected_frame_reaches_socket)
{
	struct test_frame_spec s = steer_spec(6, IPPROTO_TCP, 5000);
	struct test_frame f;
	const struct xdp_desc *d;
	uint32_t action = 0;
	__u32 idx = 0;
	int err;

	s.tcp_flags = TH_ACK;
	s.payload_len = 300;
	f = steer_frame(&s);
	steer_add_flow(IPPROTO_TCP, STEER_LOCAL6, 5000, STEER_PEER6, STEER_PEER_PORT);
	err = run_on_queue0(&f, 1, &action);
	if (err == -EINVAL || err == -EOPNOTSUPP)
		cr_skip_test("BPF_F_TEST_XDP_LIVE_FRAMES refused (%s): a real redirect "
			     "cannot be run here", strerror(-err));
	cr_assert_eq(err, 0, "live test_run: %s", strerror(-err));
	STEER_EXPECT(.rx_packets = 1, .rx_bytes = f.len, .redirected = 1);
	cr_assert_eq(xsk_ring_cons__peek(&xsk_env.rx, 4, &idx), 1,
		     "the socket's RX ring does not hold exactly the one frame");
	d = xsk_ring_cons__rx_desc(&xsk_env.rx, idx);
	cr_assert_eq(d->len, f.len, "received %u bytes, sent %zu", d->len, f.len);
	cr_assert_eq(memcmp(xsk_umem__get_data(xsk_env.area, d->addr), f.data, f.len), 0,
		     "received bytes differ from the frame sent");
	xsk_ring_cons__release(&xsk_env.rx, 1);
	cr_expect_eq(steer_flow(IPPROTO_TCP, STEER_LOCAL6, 5000, STEER_PEER6,
				STEER_PEER_PORT).packets, 1);
}

/* When the socket leaves the XSKMAP (its process died), matched traffic
 * falls back to the kernel at once. */
Test(steer_xsk, socket_removed_falls_back_to_kernel)
{
	struct test_frame f = frame(4, IPPROTO_TCP, 5000);
	uint32_t action = 0;
	__u32 key = 0;

	steer_add_listener(IPPROTO_TCP, XS_FAMILY_ANY, NULL, 5000);
	cr_assert_eq(run_on_queue0(&f, 0, &action), 0);
	cr_assert_eq(action, XDP_REDIRECT);
	cr_assert_eq(bpf_map_delete_elem(bpf_map__fd(steer.skel->maps.xsks), &key), 0);
	cr_assert_eq(run_on_queue0(&f, 0, &action), 0);
	cr_assert_eq(action, XDP_PASS);
	STEER_EXPECT(.rx_packets = 2, .rx_bytes = 2 * f.len, .redirected = 1,
		     .pass_redirect_failed = 1);
}
