/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * The steering program (bpf/xsock.bpf.c) under BPF_PROG_TEST_RUN, for the
 * tests in tests/bpf.
 *
 * steer_setup() is a criterion .init: it skips the test (with the reason)
 * unless the process is root and the kernel runs XDP programs, moves the
 * test's worker process into a private network namespace (test_run and
 * bpf_skc_lookup_tcp() see the caller's namespace), and loads a fresh
 * skeleton, so every test starts with empty maps and zero counters.
 * steer_teardown() is the matching .fini.
 *
 * Rules are written with bpf_map_update_elem() exactly as the control
 * path would: listener rules also bump their port-gate slot, per-CPU
 * values are replicated for every possible CPU.  Addresses are text; the
 * family of a rule comes from its address.
 */
#ifndef XS_TESTS_STEER_PROG_H
#define XS_TESTS_STEER_PROG_H

#include <stdint.h>
#include <linux/bpf.h>

#include "xsock/maps.h"
#include "xsock.skel.h"
#include "lib/frames.h"

/* Test addresses: the local host (where steered packets go) and a peer. */
#define STEER_LOCAL4 "198.18.0.1"
#define STEER_PEER4  "198.18.0.2"
#define STEER_OTHER4 "198.19.0.1"
#define STEER_LOCAL6 "2001:db8::1"
#define STEER_PEER6  "2001:db8::2"
#define STEER_OTHER6 "2001:db8:1::1"
#define STEER_PEER_PORT 40000

/* Asserts the summed stats, e.g. STEER_EXPECT(.rx_packets = 1,
 * .rx_bytes = f.len, .pass_no_rule = 1); unnamed counters must be zero. */
#define STEER_EXPECT(...) steer_expect_stats(&(struct xs_xdp_stats){ __VA_ARGS__ })

struct steer_prog {
	struct xsock *skel;
	int prog_fd;
	int ncpus;                  /* libbpf_num_possible_cpus() */
};

extern struct steer_prog steer;

void steer_setup(void);
void steer_teardown(void);

/* Runs `len` bytes through the program once.  Returns test_run's result
 * (0 or a negative errno) and stores the XDP action in *action. */
int steer_run_bytes(const void *data, size_t len, uint32_t *action);
/* Runs a frame and returns the action; fails the test if test_run fails. */
uint32_t steer_run(const struct test_frame *f);

/* A frame from the peer to the local host (family 4 or 6) with the
 * spec's defaults: TCP SYN without payload, UDP with 32 bytes; the
 * caller changes fields before steer_frame().  */
struct test_frame_spec steer_spec(int family, uint8_t proto, uint16_t dport);
/* Builds the frame or fails the test. */
struct test_frame steer_frame(const struct test_frame_spec *spec);

/* The per-CPU stats summed over all CPUs. */
struct xs_xdp_stats steer_stats(void);
/* Asserts that the summed stats equal `want` field by field, and that
 * rx_packets equals the sum of the outcome counters (every packet counted
 * once as received and once by what happened to it). */
void steer_expect_stats(const struct xs_xdp_stats *want);

/* "198.18.0.1" -> ::ffff:198.18.0.1, "2001:db8::1" -> itself.  Returns
 * XS_FAMILY_IPV4 or XS_FAMILY_IPV6; fails the test on bad text. */
uint8_t steer_addr(const char *text, uint8_t out[16]);

/* Exact 5-tuple rule seen from the local side (laddr:lport is where the
 * packet goes); ports in host order. */
void steer_add_flow(uint8_t proto, const char *laddr, uint16_t lport,
		    const char *raddr, uint16_t rport);
struct xs_flow_val steer_flow(uint8_t proto, const char *laddr, uint16_t lport,
			      const char *raddr, uint16_t rport);

/* Listener rule; addr NULL is the wildcard of `family` (XS_FAMILY_ANY:
 * both families).  Adds one to the port-gate slot of (proto, port). */
void steer_add_listener(uint8_t proto, uint8_t family, const char *addr, uint16_t port);
/* The rule's counters summed over all CPUs. */
struct xs_listen_val steer_listener(uint8_t proto, uint8_t family, const char *addr,
				    uint16_t port);
/* Writes a port-gate slot directly (the gate is what the program trusts). */
void steer_set_gate(uint8_t proto, uint16_t port, uint32_t count);

#endif /* XS_TESTS_STEER_PROG_H */
