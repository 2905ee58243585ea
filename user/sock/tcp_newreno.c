// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * "reno": the standard algorithm, RFC 5681 with NewReno recovery
 * (RFC 6582), selected with TCP_CONGESTION "reno" as on Linux (whose
 * "reno" is also NewReno in its recovery).  The framework (tcp_cc.c) runs
 * the recovery itself; this file says only how much a loss halves the
 * window and how an ACK grows it.
 */
#include "sock/tcp_cc.h"

/* RFC 5681 (4): ssthresh = max(FlightSize / 2, 2 * SMSS).  Linux halves
 * cwnd instead of FlightSize; the two differ only for a sender that was
 * not using its window. */
static uint32_t newreno_ssthresh(struct xs_tcp_cc *c, uint32_t flight, uint64_t now_ns)
{
	uint32_t half = flight / 2;

	return half > 2 * c->mss ? half : 2 * c->mss;
}

/* Slow start below ssthresh, then + SMSS per cwnd bytes acknowledged
 * (RFC 5681 3.1's byte counting: about SMSS * SMSS / cwnd per ACK). */
static void newreno_cong_avoid(struct xs_tcp_cc *c, uint32_t acked, bool cwnd_limited,
			       uint64_t now_ns)
{
	if (!cwnd_limited)
		return;
	if (c->cwnd < c->ssthresh) {
		acked = xs_tcp_cc_slow_start(c, acked);
		if (!acked)
			return;
	}
	xs_tcp_cc_cong_avoid_ai(c, c->cwnd, acked);
}

const struct xs_tcp_cc_ops xs_tcp_newreno_ops = {
	.name = "reno",
	.ssthresh = newreno_ssthresh,
	.cong_avoid = newreno_cong_avoid,
};
