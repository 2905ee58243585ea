// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * The steering program under BPF_PROG_TEST_RUN (see steer_prog.h).
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <netinet/in.h>
#include <netinet/tcp.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <criterion/criterion.h>
#include <criterion/logging.h>

#include "lib/netns.h"
#include "lib/steer_prog.h"

struct steer_prog steer;

void steer_setup(void)
{
	int err;

	memset(&steer, 0, sizeof(steer));
	if (geteuid() != 0)
		cr_skip_test("needs root: BPF_PROG_TEST_RUN, map writes and network namespaces");
	err = test_netns_unshare();
	if (err)
		cr_skip_test("cannot make a private network namespace: %s", strerror(-err));
	if (libbpf_probe_bpf_prog_type(BPF_PROG_TYPE_XDP, NULL) != 1)
		cr_skip_test("this kernel does not load XDP programs (BPF unavailable)");

	/* From here on a failure is the program's fault: a verifier
	 * rejection must fail the test, not skip it. */
	steer.skel = xsock__open_and_load();
	cr_assert(steer.skel, "xsock__open_and_load: %s (verifier log above)", strerror(errno));
	steer.prog_fd = bpf_program__fd(steer.skel->progs.xsock_steer);
	cr_assert_geq(steer.prog_fd, 0);
	steer.ncpus = libbpf_num_possible_cpus();
	cr_assert_gt(steer.ncpus, 0);
}

void steer_teardown(void)
{
	xsock__destroy(steer.skel);
	steer.skel = NULL;
}

int steer_run_bytes(const void *data, size_t len, uint32_t *action)
{
	LIBBPF_OPTS(bpf_test_run_opts, opts,
		.data_in = data,
		.data_size_in = len,
		.repeat = 1,
	);
	int err;

	err = bpf_prog_test_run_opts(steer.prog_fd, &opts);
	if (err)
		return -errno;
	*action = opts.retval;
	return 0;
}

uint32_t steer_run(const struct test_frame *f)
{
	uint32_t action = ~0u;
	int err = steer_run_bytes(f->data, f->len, &action);

	cr_assert_eq(err, 0, "bpf_prog_test_run_opts(%zu bytes): %s", f->len, strerror(-err));
	return action;
}

struct test_frame_spec steer_spec(int family, uint8_t proto, uint16_t dport)
{
	struct test_frame_spec s = {
		.family = family,
		.saddr = family == 4 ? STEER_PEER4 : STEER_PEER6,
		.daddr = family == 4 ? STEER_LOCAL4 : STEER_LOCAL6,
		.proto = proto,
		.sport = STEER_PEER_PORT,
		.dport = dport,
		.tcp_flags = proto == IPPROTO_TCP ? TH_SYN : 0,
		.payload_len = proto == IPPROTO_UDP ? 32 : 0,
	};
	return s;
}

struct test_frame steer_frame(const struct test_frame_spec *spec)
{
	struct test_frame f;

	cr_assert_eq(test_frame_build(&f, spec), 0, "test_frame_build: bad spec");
	return f;
}

struct xs_xdp_stats steer_stats(void)
{
	struct xs_xdp_stats *per_cpu, sum = { 0 };
	__u32 zero = 0;
	int i, err;

	per_cpu = calloc(steer.ncpus, sizeof(*per_cpu));
	cr_assert(per_cpu);
	err = bpf_map_lookup_elem(bpf_map__fd(steer.skel->maps.stats), &zero, per_cpu);
	cr_assert_eq(err, 0, "stats lookup: %s", strerror(errno));
	for (i = 0; i < steer.ncpus; i++) {
		sum.rx_packets += per_cpu[i].rx_packets;
		sum.rx_bytes += per_cpu[i].rx_bytes;
		sum.redirected += per_cpu[i].redirected;
		sum.pass_no_rule += per_cpu[i].pass_no_rule;
		sum.pass_not_ip += per_cpu[i].pass_not_ip;
		sum.pass_not_tcp_udp += per_cpu[i].pass_not_tcp_udp;
		sum.pass_malformed += per_cpu[i].pass_malformed;
		sum.pass_fragment += per_cpu[i].pass_fragment;
		sum.pass_kernel_conn += per_cpu[i].pass_kernel_conn;
		sum.pass_redirect_failed += per_cpu[i].pass_redirect_failed;
	}
	free(per_cpu);
	return sum;
}

#define EXPECT_FIELD(got, want, field)                                        \
	do {                                                                  \
		if ((got).field != (want)->field) {                           \
			cr_log_error("stats." #field ": %llu, expected %llu", \
				     (unsigned long long)(got).field,         \
				     (unsigned long long)(want)->field);      \
			differ = 1;                                           \
		}                                                             \
	} while (0)

void steer_expect_stats(const struct xs_xdp_stats *want)
{
	struct xs_xdp_stats got = steer_stats();
	__u64 outcomes = got.redirected + got.pass_no_rule + got.pass_not_ip +
			 got.pass_not_tcp_udp + got.pass_malformed + got.pass_fragment +
			 got.pass_kernel_conn + got.pass_redirect_failed;
	int differ = 0;

	EXPECT_FIELD(got, want, rx_packets);
	EXPECT_FIELD(got, want, rx_bytes);
	EXPECT_FIELD(got, want, redirected);
	EXPECT_FIELD(got, want, pass_no_rule);
	EXPECT_FIELD(got, want, pass_not_ip);
	EXPECT_FIELD(got, want, pass_not_tcp_udp);
	EXPECT_FIELD(got, want, pass_malformed);
	EXPECT_FIELD(got, want, pass_fragment);
	EXPECT_FIELD(got, want, pass_kernel_conn);
	EXPECT_FIELD(got, want, pass_redirect_failed);
	cr_assert_eq(got.rx_packets, outcomes,
		     "rx_packets %llu but outcome counters sum to %llu: a packet was "
		     "counted twice or not at all", (unsigned long long)got.rx_packets,
		     (unsigned long long)outcomes);
	cr_assert(!differ, "stats differ from what the frames sent should give (see above)");
}

uint8_t steer_addr(const char *text, uint8_t out[16])
{
	struct in_addr a4;

	if (inet_pton(AF_INET, text, &a4) == 1) {
		memset(out, 0, 10);
		out[10] = out[11] = 0xff;
		memcpy(out + 12, &a4, 4);
		return XS_FAMILY_IPV4;
	}
	cr_assert_eq(inet_pton(AF_INET6, text, out), 1, "bad address '%s'", text);
	return XS_FAMILY_IPV6;
}

static struct xs_flow_key flow_key(uint8_t proto, const char *laddr, uint16_t lport,
				   const char *raddr, uint16_t rport)
{
	struct xs_flow_key key;

	memset(&key, 0, sizeof(key));
	key.proto = proto;
	key.family = steer_addr(laddr, key.laddr);
	cr_assert_eq(steer_addr(raddr, key.raddr), key.family, "flow mixes families");
	key.lport = htons(lport);
	key.rport = htons(rport);
	return key;
}

void steer_add_flow(uint8_t proto, const char *laddr, uint16_t lport,
		    const char *raddr, uint16_t rport)
{
	struct xs_flow_key key = flow_key(proto, laddr, lport, raddr, rport);
	struct xs_flow_val val = { .owner = { .pid = getpid() } };

	cr_assert_eq(bpf_map_update_elem(bpf_map__fd(steer.skel->maps.flows), &key, &val,
					 BPF_NOEXIST), 0, "add flow: %s", strerror(errno));
}

struct xs_flow_val steer_flow(uint8_t proto, const char *laddr, uint16_t lport,
			      const char *raddr, uint16_t rport)
{
	struct xs_flow_key key = flow_key(proto, laddr, lport, raddr, rport);
	struct xs_flow_val val;

	cr_assert_eq(bpf_map_lookup_elem(bpf_map__fd(steer.skel->maps.flows), &key, &val), 0,
		     "flow lookup: %s", strerror(errno));
	return val;
}

static struct xs_listen_key listen_key(uint8_t proto, uint8_t family, const char *addr,
				       uint16_t port)
{
	struct xs_listen_key key;

	memset(&key, 0, sizeof(key));
	key.proto = proto;
	key.family = family;
	key.port = htons(port);
	if (addr)
		cr_assert_eq(steer_addr(addr, key.addr), family, "rule family vs %s", addr);
	return key;
}

static __u32 gate_slot(uint8_t proto, uint16_t port)
{
	return (proto == IPPROTO_TCP ? XS_GATE_TCP : XS_GATE_UDP) * 65536u + port;
}

void steer_set_gate(uint8_t proto, uint16_t port, uint32_t count)
{
	__u32 slot = gate_slot(proto, port);

	cr_assert_eq(bpf_map_update_elem(bpf_map__fd(steer.skel->maps.port_gate), &slot,
					 &count, BPF_ANY), 0, "gate: %s", strerror(errno));
}

void steer_add_listener(uint8_t proto, uint8_t family, const char *addr, uint16_t port)
{
	struct xs_listen_key key = listen_key(proto, family, addr, port);
	struct xs_listen_val *vals = calloc(steer.ncpus, sizeof(*vals));
	int gate_fd = bpf_map__fd(steer.skel->maps.port_gate);
	__u32 slot = gate_slot(proto, port), count = 0;
	int i;

	cr_assert(vals);
	for (i = 0; i < steer.ncpus; i++)
		vals[i].owner.pid = getpid();
	cr_assert_eq(bpf_map_update_elem(bpf_map__fd(steer.skel->maps.listeners), &key, vals,
					 BPF_NOEXIST), 0, "add listener: %s", strerror(errno));
	free(vals);
	cr_assert_eq(bpf_map_lookup_elem(gate_fd, &slot, &count), 0);
	steer_set_gate(proto, port, count + 1);
}

struct xs_listen_val steer_listener(uint8_t proto, uint8_t family, const char *addr,
				    uint16_t port)
{
	struct xs_listen_key key = listen_key(proto, family, addr, port);
	struct xs_listen_val *vals = calloc(steer.ncpus, sizeof(*vals)), sum = { 0 };
	int i;

	cr_assert(vals);
	cr_assert_eq(bpf_map_lookup_elem(bpf_map__fd(steer.skel->maps.listeners), &key, vals),
		     0, "listener lookup: %s", strerror(errno));
	sum.owner = vals[0].owner;
	for (i = 0; i < steer.ncpus; i++) {
		sum.packets += vals[i].packets;
		sum.bytes += vals[i].bytes;
	}
	free(vals);
	return sum;
}
