// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * Program counters: struct xs_xdp_stats is per CPU; readers sum the copies.
 * The field table names every counter once, for xsockctl stats and for
 * anything else that prints them.
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
