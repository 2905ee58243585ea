// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * The RFC 6298 RTO estimator (sock/tcp_rtt.h): the first sample, a run of
 * samples against values worked out by hand, the floor, the cap and the
 * clock granularity, backoff and its reset, Karn's rule, timestamp samples
 * and what TCP_INFO reports.
 */
#include <errno.h>
#include <stdint.h>

#include <criterion/criterion.h>

#include "sock/tcp_rtt.h"

#define MS XS_NS_PER_MS
#define S  XS_NS_PER_S

/* One sample of rtt_ns through the sequence path, the data sent once. */
static void seq_sample(struct xs_rtt *r, uint64_t rtt_ns)
{
	const uint64_t sent = 5 * S;

	cr_assert(xs_rtt_ack_seq(r, sent, sent + rtt_ns, false));
}

static struct xs_rtt fresh(void)
{
	struct xs_rtt r;

	cr_assert_eq(xs_rtt_init(&r, NULL), 0);
	return r;
}

Test(tcp_rtt, new_connection)
{
	struct xs_rtt r = fresh();

	/* RFC 6298 2.1: RTO 1 s before any sample; Linux's tcp_info on a new
	 * socket: tcpi_rtt 0, tcpi_rttvar 250000 (mdev_us = 1 s, >> 2),
	 * tcpi_rto 1000000 */
	cr_expect_eq(xs_rtt_rto_ns(&r), 1 * S);
	cr_expect_eq(xs_rtt_srtt_us(&r), 0);
	cr_expect_eq(xs_rtt_rttvar_us(&r), 250000);
	cr_expect_eq(xs_rtt_rto_us(&r), 1000000);
	cr_expect_eq(r.backoff, 0);
	cr_expect_eq(r.min_rto_ns, 200 * MS);
	cr_expect_eq(r.max_rto_ns, 120 * S);
}

Test(tcp_rtt, first_sample)
{
	struct xs_rtt r = fresh();

	/* R = 100 ms: SRTT = 100 ms, RTTVAR = 50 ms,
	 * RTO = 100 + max(G = 1, 4 * 50) = 300 ms */
	seq_sample(&r, 100 * MS);
	cr_expect_eq(r.srtt_ns, 100 * MS);
	cr_expect_eq(r.rttvar_ns, 50 * MS);
	cr_expect_eq(xs_rtt_rto_ns(&r), 300 * MS);
	cr_expect_eq(xs_rtt_srtt_us(&r), 100000);
	cr_expect_eq(xs_rtt_rttvar_us(&r), 50000);
	cr_expect_eq(xs_rtt_rto_us(&r), 300000);
}

Test(tcp_rtt, sample_sequence_by_hand)
{
	struct xs_rtt r = fresh();

	seq_sample(&r, 100 * MS);       /* SRTT 100, RTTVAR 50, RTO 300 (ms) */

	/* R = 120 ms: |SRTT - R| = 20
	 *   RTTVAR = (3 * 50 + 20) / 4      = 170 / 4   = 42.5 ms
	 *   SRTT   = (7 * 100 + 120) / 8    = 820 / 8   = 102.5 ms
	 *   RTO    = 102.5 + 4 * 42.5       = 272.5 ms */
	seq_sample(&r, 120 * MS);
	cr_expect_eq(r.rttvar_ns, 42500000);
	cr_expect_eq(r.srtt_ns, 102500000);
	cr_expect_eq(xs_rtt_rto_ns(&r), 272500000);

	/* R = 80 ms: |102.5 - 80| = 22.5
	 *   RTTVAR = (3 * 42.5 + 22.5) / 4   = 150 / 4   = 37.5 ms
	 *   SRTT   = (7 * 102.5 + 80) / 8    = 797.5 / 8 = 99.6875 ms
	 *   RTO    = 99.6875 + 150           = 249.6875 ms */
	seq_sample(&r, 80 * MS);
	cr_expect_eq(r.rttvar_ns, 37500000);
	cr_expect_eq(r.srtt_ns, 99687500);
	cr_expect_eq(xs_rtt_rto_ns(&r), 249687500);

	/* R = 100 ms: |99.6875 - 100| = 0.3125 ms = 312500 ns
	 *   RTTVAR = (3 * 37500000 + 312500) / 4 = 112812500 / 4 = 28203125 ns
	 *   SRTT   = (7 * 99687500 + 100000000) / 8 = 797812500 / 8
	 *          = 99726562.5, truncated to 99726562 ns
	 *   RTO    = 99726562 + 4 * 28203125 = 99726562 + 112812500 = 212539062 ns */
	seq_sample(&r, 100 * MS);
	cr_expect_eq(r.rttvar_ns, 28203125);
	cr_expect_eq(r.srtt_ns, 99726562);
	cr_expect_eq(xs_rtt_rto_ns(&r), 212539062);
	/* TCP_INFO truncates to microseconds */
	cr_expect_eq(xs_rtt_srtt_us(&r), 99726);
	cr_expect_eq(xs_rtt_rttvar_us(&r), 28203);
	cr_expect_eq(xs_rtt_rto_us(&r), 212539);

	/* R = 90 ms: |99726562 - 90000000| = 9726562 ns
	 *   RTTVAR = (3 * 28203125 + 9726562) / 4 = 94335937 / 4
	 *          = 23583984.25, truncated to 23583984 ns
	 *   SRTT   = (7 * 99726562 + 90000000) / 8 = 788085934 / 8
	 *          = 98510741.75, truncated to 98510741 ns
	 *   RTO    = 98510741 + 4 * 23583984 = 192846677 ns, below the floor:
	 *            200 ms */
	seq_sample(&r, 90 * MS);
	cr_expect_eq(r.rttvar_ns, 23583984);
	cr_expect_eq(r.srtt_ns, 98510741);
	cr_expect_eq(xs_rtt_rto_ns(&r), 200 * MS);
}

Test(tcp_rtt, min_rto_floor)
{
	struct xs_rtt r = fresh();

	/* R = 10 ms: 10 + 4 * 5 = 30 ms, raised to the 200 ms floor */
	seq_sample(&r, 10 * MS);
	cr_expect_eq(r.srtt_ns, 10 * MS);
	cr_expect_eq(xs_rtt_rto_ns(&r), 200 * MS);
	cr_expect_eq(xs_rtt_rto_us(&r), 200000);
}

Test(tcp_rtt, max_rto_cap)
{
	struct xs_rtt r = fresh();

	/* R = 50 s: 50 + 4 * 25 = 150 s, capped at 120 s */
	seq_sample(&r, 50 * S);
	cr_expect_eq(r.srtt_ns, 50 * S);
	cr_expect_eq(xs_rtt_rto_ns(&r), 120 * S);
}

Test(tcp_rtt, granularity_when_variance_vanishes)
{
	struct xs_rtt_cfg cfg = { .min_rto_ns = 1 * MS, .granularity_ns = 2 * MS };
	struct xs_rtt r;
	int i;

	cr_assert_eq(xs_rtt_init(&r, &cfg), 0);
	/* first: 10 + max(2, 4 * 5) = 30 ms, the variance term wins */
	seq_sample(&r, 10 * MS);
	cr_expect_eq(xs_rtt_rto_ns(&r), 30 * MS);
	/* identical samples keep SRTT at exactly 10 ms ((7 * 10 + 10) / 8) and
	 * shrink RTTVAR by 3/4 each: after 40 more it is ~50 ns, 4 * RTTVAR
	 * < G, so RTO = 10 + G = 12 ms, above the 1 ms floor */
	for (i = 0; i < 40; i++)
		seq_sample(&r, 10 * MS);
	cr_expect_eq(r.srtt_ns, 10 * MS);
	cr_expect_lt(4 * r.rttvar_ns, 2 * MS);
	cr_expect_eq(xs_rtt_rto_ns(&r), 12 * MS);
}

Test(tcp_rtt, backoff_doubles_to_cap_then_resets)
{
	static const uint64_t want[] = { 2 * S, 4 * S, 8 * S, 16 * S, 32 * S,
					 64 * S, 120 * S, 120 * S, 120 * S };
	struct xs_rtt r = fresh();
	size_t i;

	for (i = 0; i < sizeof(want) / sizeof(want[0]); i++) {
		cr_expect_eq(xs_rtt_backoff(&r), want[i], "expiry %zu", i + 1);
		cr_expect_eq(xs_rtt_rto_ns(&r), want[i]);
		cr_expect_eq(r.backoff, i + 1);
	}
	cr_expect_eq(xs_rtt_rto_us(&r), 120000000);

	/* far more expiries than a 64-bit shift can hold (256: x86 would
	 * shift by 256 & 63 = 0 if the code shifted blindly): still the cap */
	for (i = r.backoff; i < 256; i++)
		xs_rtt_backoff(&r);
	cr_expect_eq(r.backoff, 256);
	cr_expect_eq(xs_rtt_rto_ns(&r), 120 * S);

	/* a valid sample ends the backoff: RTO from the sample alone */
	seq_sample(&r, 100 * MS);
	cr_expect_eq(r.backoff, 0);
	cr_expect_eq(xs_rtt_rto_ns(&r), 300 * MS);

	/* and backoff then doubles the new estimate */
	cr_expect_eq(xs_rtt_backoff(&r), 600 * MS);
	cr_expect_eq(xs_rtt_backoff(&r), 1200 * MS);
}

Test(tcp_rtt, karn_refuses_retransmitted)
{
	struct xs_rtt r = fresh();

	seq_sample(&r, 100 * MS);
	xs_rtt_backoff(&r);                     /* timer fired: 600 ms */
	/* the ACK for the retransmitted segment: no sample, backoff stays */
	cr_expect_not(xs_rtt_ack_seq(&r, 1 * S, 3 * S, true));
	cr_expect_eq(r.srtt_ns, 100 * MS);
	cr_expect_eq(r.backoff, 1);
	cr_expect_eq(xs_rtt_rto_ns(&r), 600 * MS);
	/* the next segment, sent once, gives a sample and ends the backoff */
	cr_expect(xs_rtt_ack_seq(&r, 4 * S, 4 * S + 100 * MS, false));
	cr_expect_eq(r.backoff, 0);
	cr_expect_eq(r.srtt_ns, 100 * MS);
}

Test(tcp_rtt, seq_sample_edges)
{
	struct xs_rtt r = fresh();

	/* acked before it was sent: a caller bug, no sample */
	cr_expect_not(xs_rtt_ack_seq(&r, 2 * S, 1 * S, false));
	cr_expect_not(r.has_sample);
	cr_expect_eq(xs_rtt_rto_ns(&r), 1 * S);
	/* a zero RTT counts as 1 ns: SRTT 1, RTTVAR 0, RTO at the floor */
	cr_expect(xs_rtt_ack_seq(&r, 1 * S, 1 * S, false));
	cr_expect_eq(r.srtt_ns, 1);
	cr_expect_eq(r.rttvar_ns, 0);
	cr_expect_eq(xs_rtt_rto_ns(&r), 200 * MS);
}

Test(tcp_rtt, timestamp_samples)
{
	struct xs_rtt r = fresh();

	/* 1 ms ticks, echo of 1000 seen at 1100: 100 ms, as first_sample */
	cr_expect(xs_rtt_ack_ts(&r, 1000, 1100, 1 * MS));
	cr_expect_eq(r.srtt_ns, 100 * MS);
	cr_expect_eq(xs_rtt_rto_ns(&r), 300 * MS);

	/* the TS clock wraps between send and echo: 0x40 + 0x24 = 100 ticks */
	r = fresh();
	cr_expect(xs_rtt_ack_ts(&r, 0xffffffc0, 0x24, 1 * MS));
	cr_expect_eq(r.srtt_ns, 100 * MS);

	/* an echo from this very tick counts as one tick */
	r = fresh();
	cr_expect(xs_rtt_ack_ts(&r, 777, 777, 1 * MS));
	cr_expect_eq(r.srtt_ns, 1 * MS);
}

Test(tcp_rtt, timestamp_refusals)
{
	struct xs_rtt r = fresh();

	cr_expect_not(xs_rtt_ack_ts(&r, 0, 100, 1 * MS));       /* TSecr 0 */
	cr_expect_not(xs_rtt_ack_ts(&r, 101, 100, 1 * MS));     /* from the future */
	cr_expect_not(xs_rtt_ack_ts(&r, 0x80000064, 100, 1 * MS)); /* 2^31 ahead */
	cr_expect_not(xs_rtt_ack_ts(&r, 50, 100, 0));           /* no tick */
	cr_expect_not(r.has_sample);
	cr_expect_eq(xs_rtt_rto_ns(&r), 1 * S);
}

Test(tcp_rtt, timestamp_sample_after_retransmit)
{
	struct xs_rtt r = fresh();

	/* the SYN was retransmitted twice: RTO 4 s, Karn refuses the seq sample */
	xs_rtt_backoff(&r);
	xs_rtt_backoff(&r);
	cr_expect_eq(xs_rtt_rto_ns(&r), 4 * S);
	cr_expect_not(xs_rtt_ack_seq(&r, 0, 3 * S, true));
	/* TSecr names the transmission, so RTTM may sample (RFC 7323 4) and
	 * the backoff ends */
	cr_expect(xs_rtt_ack_ts(&r, 2900, 3000, 1 * MS));
	cr_expect_eq(r.backoff, 0);
	cr_expect_eq(r.srtt_ns, 100 * MS);
	cr_expect_eq(xs_rtt_rto_ns(&r), 300 * MS);
}

Test(tcp_rtt, handshake_without_sample_falls_back_to_3s)
{
	struct xs_rtt r = fresh();

	xs_rtt_backoff(&r);
	xs_rtt_backoff(&r);                     /* SYN sent three times */
	xs_rtt_handshake_done(&r);
	/* RFC 6298 5.7; Linux: icsk_rto = TCP_TIMEOUT_FALLBACK, mdev_us = 3 s
	 * so tcpi_rttvar = 750000 */
	cr_expect_eq(xs_rtt_rto_ns(&r), 3 * S);
	cr_expect_eq(r.backoff, 0);
	cr_expect_eq(xs_rtt_rto_us(&r), 3000000);
	cr_expect_eq(xs_rtt_rttvar_us(&r), 750000);
	cr_expect_eq(xs_rtt_srtt_us(&r), 0);
	/* the first sample then replaces it as usual */
	seq_sample(&r, 100 * MS);
	cr_expect_eq(xs_rtt_rto_ns(&r), 300 * MS);
}

Test(tcp_rtt, handshake_with_sample_keeps_estimate)
{
	struct xs_rtt r = fresh();

	seq_sample(&r, 100 * MS);
	xs_rtt_handshake_done(&r);
	cr_expect_eq(xs_rtt_rto_ns(&r), 300 * MS);
	cr_expect_eq(r.srtt_ns, 100 * MS);
}

Test(tcp_rtt, config)
{
	struct xs_rtt_cfg cfg = { .min_rto_ns = 5 * MS, .max_rto_ns = 10 * S,
				  .initial_rto_ns = 500 * MS };
	struct xs_rtt r;

	cr_assert_eq(xs_rtt_init(&r, &cfg), 0);
	cr_expect_eq(xs_rtt_rto_ns(&r), 500 * MS);
	cr_expect_eq(r.granularity_ns, XS_TCP_RTT_GRANULARITY_NS);
	seq_sample(&r, 1 * MS);                 /* 1 + max(1, 4 * 0.5) = 3 -> floor 5 ms */
	cr_expect_eq(xs_rtt_rto_ns(&r), 5 * MS);
	/* 20 s: RTTVAR = (3 * 0.5 ms + 19.999 s) / 4 ~ 5 s, SRTT ~ 2.5 s,
	 * RTO ~ 22.5 s: capped at 10 s */
	seq_sample(&r, 20 * S);
	cr_expect_eq(xs_rtt_rto_ns(&r), 10 * S);

	/* inconsistent limits are refused, leaving Linux's defaults */
	cfg = (struct xs_rtt_cfg){ .min_rto_ns = 2 * S, .max_rto_ns = 1 * S };
	cr_expect_eq(xs_rtt_init(&r, &cfg), -EINVAL);
	cr_expect_eq(r.min_rto_ns, XS_TCP_RTO_MIN_NS);
	cr_expect_eq(r.max_rto_ns, XS_TCP_RTO_MAX_NS);
	cr_expect_eq(xs_rtt_rto_ns(&r), XS_TCP_TIMEOUT_INIT_NS);
	cfg = (struct xs_rtt_cfg){ .initial_rto_ns = 100 * MS };    /* below the 200 ms floor */
	cr_expect_eq(xs_rtt_init(&r, &cfg), -EINVAL);
}

Test(tcp_rtt, huge_sample_is_bounded)
{
	struct xs_rtt r = fresh();

	/* a sample of ~584 years would overflow 7 * SRTT; it counts as one hour */
	cr_expect(xs_rtt_ack_seq(&r, 0, UINT64_MAX, false));
	cr_expect_eq(r.srtt_ns, XS_TCP_RTT_SAMPLE_MAX_NS);
	cr_expect(xs_rtt_ack_seq(&r, 0, UINT64_MAX, false));
	cr_expect_eq(r.srtt_ns, XS_TCP_RTT_SAMPLE_MAX_NS);
	cr_expect_eq(xs_rtt_rto_ns(&r), 120 * S);
	cr_expect_eq(xs_rtt_srtt_us(&r), 3600000000u);
}
