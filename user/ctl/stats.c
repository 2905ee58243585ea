// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * Program counters: struct xs_xdp_stats is per CPU; readers sum the copies.
 * The field tables name every counter once, for xsockctl stats and for
 * anything else that prints them: the program's, and those a stack
 * publishes in struct xs_stack_stats (its drops are named by enum
 * xs_drop_reason, in user/iface, which this layer does not see).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <bpf/bpf.h>

#include "ctl/ctl.h"

#define STAT(field, help) { #field, offsetof(struct xs_xdp_stats, field), help }

const struct xs_stat_field xs_stat_fields[] = {
	STAT(rx_packets, "frames the program saw"),
	STAT(rx_bytes, "bytes of those frames"),
	STAT(redirected, "frames steered to an AF_XDP socket"),
	STAT(pass_no_rule, "IP, parsed, no steering rule matched"),
	STAT(pass_not_ip, "not IPv4 or IPv6"),
	STAT(pass_not_tcp_udp, "IP, another transport"),
	STAT(pass_malformed, "a header did not fit or was inconsistent"),
	STAT(pass_fragment, "IP fragment, left to the kernel"),
	STAT(pass_kernel_conn, "TCP to a listener port, connection owned by the kernel"),
	STAT(pass_redirect_failed, "rule matched, no AF_XDP socket on the queue"),
};

const size_t xs_stat_nfields = sizeof(xs_stat_fields) / sizeof(xs_stat_fields[0]);

_Static_assert(sizeof(xs_stat_fields) / sizeof(xs_stat_fields[0]) ==
	       sizeof(struct xs_xdp_stats) / sizeof(__u64),
	       "every counter of struct xs_xdp_stats needs a name");

#define STACK(field, help) { #field, offsetof(struct xs_stack_stats, field), help }
#define XSK(field, help) { #field, offsetof(struct xs_stack_stats, xsk_##field), help }

const struct xs_stat_field xs_stack_stat_fields[] = {
	STACK(sockets, "open xsock sockets"),
	STACK(rx_packets, "frames the stack received"),
	STACK(tx_packets, "frames the stack transmitted"),
	STACK(tx_fragments, "... of which IP fragments"),
	STACK(twin_rx, "datagrams taken from kernel twin sockets"),
};

const size_t xs_stack_stat_nfields = sizeof(xs_stack_stat_fields) / sizeof(xs_stack_stat_fields[0]);

const struct xs_stat_field xs_stack_xsk_fields[] = {
	XSK(rx_dropped, "frames the kernel dropped for other reasons (e.g. too big for a frame)"),
	XSK(rx_invalid, "RX descriptors dropped as invalid"),
	XSK(rx_ring_full, "frames dropped because the RX ring was full"),
	XSK(fill_ring_empty, "times the kernel found the fill ring empty"),
	XSK(tx_invalid, "TX descriptors dropped as invalid"),
	XSK(tx_ring_empty, "times the kernel found the TX ring empty"),
};

const size_t xs_stack_xsk_nfields = sizeof(xs_stack_xsk_fields) / sizeof(xs_stack_xsk_fields[0]);

/* Owner, updated_ns and the drop slots aside, every __u64 has a name. */
_Static_assert(sizeof(struct xs_stack_stats) ==
	       sizeof(struct xs_owner) +
	       8 * (1 + sizeof(xs_stack_stat_fields) / sizeof(xs_stack_stat_fields[0]) +
		    XS_STACK_DROP_SLOTS +
		    sizeof(xs_stack_xsk_fields) / sizeof(xs_stack_xsk_fields[0])),
	       "every counter of struct xs_stack_stats needs a name");

int xs_ctl_stats_read(struct xs_ctl *c, struct xs_xdp_stats *sum)
{
	struct xs_xdp_stats *percpu;
	__u32 zero = 0;
	int err = 0;

	memset(sum, 0, sizeof(*sum));
	percpu = calloc(c->ncpus, sizeof(*percpu));
	if (!percpu)
		return -ENOMEM;
	if (bpf_map_lookup_elem(c->map_fd[XS_CTL_STATS], &zero, percpu)) {
		err = -errno;
		goto out;
	}
	for (int cpu = 0; cpu < c->ncpus; cpu++) {
		const __u64 *src = (const __u64 *)&percpu[cpu];
		__u64 *dst = (__u64 *)sum;

		for (size_t i = 0; i < sizeof(*sum) / sizeof(__u64); i++)
			dst[i] += src[i];
	}
out:
	free(percpu);
	return err;
}
