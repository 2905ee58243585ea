// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * Congestion control (sock/tcp_cc.c, tcp_newreno.c, tcp_cubic.c) driven
 * the way the TCP state machine will drive it -- ACKs, duplicate ACKs,
 * timeouts, idle restarts, with the time as an argument -- and checked
 * against window values computed by hand in the comments.  SMSS is 1000
 * bytes throughout unless said, so a window of N segments reads N000.
 */
#include <criterion/criterion.h>

#include <errno.h>
#include <string.h>

#include "sock/tcp_cc.h"

#define MSS 1000u
#define MS 1000000ull
#define T0 (1000 * MS)  /* some time after boot */

static struct xs_tcp_cc_ack ack_of(uint32_t ack, uint32_t acked, uint32_t flight)
{
	struct xs_tcp_cc_ack a = { .ack = ack, .acked = acked, .flight = flight };

	return a;
}

/* n ACKs of `each` bytes from a sender the window limits (flight = cwnd),
 * all at time now; SND.UNA is not followed (no recover point is pending). */
static void acks(struct xs_tcp_cc *c, unsigned int n, uint32_t each, uint64_t now)
{
	while (n--) {
		struct xs_tcp_cc_ack a = ack_of(0, each, c->cwnd);

		cr_assert_eq(xs_tcp_cc_on_ack(c, &a, now), 0);
	}
}

/* A connection in congestion avoidance at cwnd (ssthresh = cwnd). */
static void in_ca(struct xs_tcp_cc *c, const struct xs_tcp_cc_ops *ops, uint32_t cwnd)
{
	xs_tcp_cc_init(c, ops, MSS, false, T0);
	c->cwnd = cwnd;
	c->ssthresh = cwnd;
}

/* Three duplicate ACKs for SND.UNA una with SND.NXT nxt, flight in flight:
 * the return of the third. */
static unsigned int three_dupacks(struct xs_tcp_cc *c, uint32_t una, uint32_t nxt, uint32_t flight,
				  uint64_t now)
{
	cr_assert_eq(xs_tcp_cc_on_dupack(c, 1, una, nxt, flight, now), 0);
	cr_assert_eq(xs_tcp_cc_on_dupack(c, 2, una, nxt, flight, now), 0);
	return xs_tcp_cc_on_dupack(c, 3, una, nxt, flight, now);
}

/* ---- the registry ------------------------------------------------------------ */

Test(tcp_cc, find_knows_linux_names_only)
{
	cr_assert_eq(xs_tcp_cc_find("reno"), &xs_tcp_newreno_ops);
	cr_assert_eq(xs_tcp_cc_find("cubic"), &xs_tcp_cubic_ops);
	cr_assert_str_eq(xs_tcp_cc_find("reno")->name, "reno");
	cr_assert_str_eq(xs_tcp_cc_find("cubic")->name, "cubic");
	/* Not built: setsockopt answers ENOENT, as Linux without the module. */
	cr_assert_null(xs_tcp_cc_find("bbr"));
	cr_assert_null(xs_tcp_cc_find("newreno"));
	cr_assert_null(xs_tcp_cc_find("CUBIC"));
	cr_assert_null(xs_tcp_cc_find("cubic "));
	cr_assert_null(xs_tcp_cc_find(""));
	cr_assert_null(xs_tcp_cc_find(NULL));
}

Test(tcp_cc, default_is_cubic)
{
	struct xs_tcp_cc c;

	cr_assert_eq(xs_tcp_cc_default(), &xs_tcp_cubic_ops);
	xs_tcp_cc_init(&c, NULL, MSS, false, T0);
	cr_assert_eq(c.ops, &xs_tcp_cubic_ops);
}

Test(tcp_cc, select_switches_and_keeps_the_window)
{
	struct xs_tcp_cc c;

	xs_tcp_cc_init(&c, NULL, MSS, false, T0);
	c.cwnd = 50000;
	c.ssthresh = 40000;
	c.priv.cubic.w_max = 77000;

	cr_assert_eq(xs_tcp_cc_select(&c, "bbr", T0), -ENOENT);
	cr_assert_eq(c.ops, &xs_tcp_cubic_ops, "unknown name: unchanged");
	cr_assert_eq(c.priv.cubic.w_max, 77000);

	cr_assert_eq(xs_tcp_cc_select(&c, "reno", T0), 0);
	cr_assert_eq(c.ops, &xs_tcp_newreno_ops);
	cr_assert_eq(c.cwnd, 50000);
	cr_assert_eq(c.ssthresh, 40000);

	cr_assert_eq(xs_tcp_cc_select(&c, "cubic", T0), 0);
	cr_assert_eq(c.priv.cubic.w_max, 0, "the new algorithm starts fresh");
	cr_assert_eq(c.cwnd, 50000);
}

/* ---- initial window ---------------------------------------------------------- */

Test(tcp_cc, initial_window_is_ten_segments)
{
	struct xs_tcp_cc c;

	xs_tcp_cc_init(&c, &xs_tcp_newreno_ops, 1460, false, T0);
	cr_assert_eq(c.mss, 1460);
	cr_assert_eq(c.cwnd, 14600, "IW10: 10 * 1460");
	cr_assert_eq(c.ssthresh, XS_TCP_CC_SSTHRESH_INF);
	cr_assert_not(c.in_recovery);

	xs_tcp_cc_init(&c, &xs_tcp_cubic_ops, 8960, false, T0);
	cr_assert_eq(c.cwnd, 89600, "no RFC 6928 14600-byte cap, as Linux");

	xs_tcp_cc_init(&c, &xs_tcp_cubic_ops, 1460, true, T0);
	cr_assert_eq(c.cwnd, 1460, "SYN retransmitted: 1 segment (RFC 5681 3.1)");
}

Test(tcp_cc, mss_is_clamped)
{
	struct xs_tcp_cc c;

	xs_tcp_cc_init(&c, &xs_tcp_newreno_ops, 0, false, T0);
	cr_assert_eq(c.mss, XS_TCP_CC_MIN_MSS);
	cr_assert_eq(c.cwnd, 880);
	xs_tcp_cc_init(&c, &xs_tcp_newreno_ops, 1000000, false, T0);
	cr_assert_eq(c.mss, XS_TCP_CC_MAX_MSS);
	cr_assert_eq(c.cwnd, 655350);
}

/* ---- NewReno: growth ----------------------------------------------------------- */

Test(tcp_newreno, slow_start_doubles_per_rtt_with_delayed_acks)
{
	struct xs_tcp_cc c;

	xs_tcp_cc_init(&c, &xs_tcp_newreno_ops, MSS, false, T0);
	/* RTT 1: 10 segments, one ACK per 2 (delayed ACK): 5 ACKs of 2000,
	 * each + min(2000, 2 * 1000): 10000 + 5 * 2000 = 20000. */
	acks(&c, 5, 2 * MSS, T0);
	cr_assert_eq(c.cwnd, 20000);
	/* RTT 2: 10 ACKs: 20000 + 10 * 2000 = 40000. */
	acks(&c, 10, 2 * MSS, T0);
	cr_assert_eq(c.cwnd, 40000);
	/* RTT 3: 20 ACKs: 80000. */
	acks(&c, 20, 2 * MSS, T0);
	cr_assert_eq(c.cwnd, 80000);
	cr_assert_eq(c.ca_acked, 0);
}

Test(tcp_newreno, abc_caps_a_stretch_ack_at_two_segments)
{
	struct xs_tcp_cc c;

	xs_tcp_cc_init(&c, &xs_tcp_newreno_ops, MSS, false, T0);
	/* An ACK for 8 segments: + min(8000, L * SMSS = 2000). */
	acks(&c, 1, 8 * MSS, T0);
	cr_assert_eq(c.cwnd, 12000);
	/* An ACK for half a segment: + 500 (byte counting, not ACK counting). */
	acks(&c, 1, 500, T0);
	cr_assert_eq(c.cwnd, 12500);
}

Test(tcp_newreno, slow_start_stops_at_ssthresh_and_carries_the_rest)
{
	struct xs_tcp_cc c;
	int i;

	xs_tcp_cc_init(&c, &xs_tcp_newreno_ops, MSS, false, T0);
	c.cwnd = 20000;
	c.ssthresh = 25000;
	acks(&c, 2, 2 * MSS, T0);          /* 22000, 24000 */
	cr_assert_eq(c.cwnd, 24000);
	/* Room 1000: cwnd = 25000 exactly, the other 1000 acked count
	 * toward congestion avoidance. */
	acks(&c, 1, 2 * MSS, T0);
	cr_assert_eq(c.cwnd, 25000);
	cr_assert_eq(c.ca_acked, 1000);
	/* Avoidance: + SMSS once cwnd = 25000 bytes are acked: 1000 + 11 *
	 * 2000 = 23000 is not enough ... */
	for (i = 0; i < 11; i++)
		acks(&c, 1, 2 * MSS, T0);
	cr_assert_eq(c.cwnd, 25000);
	cr_assert_eq(c.ca_acked, 23000);
	/* ... the 12th makes 25000: cwnd 26000, counter back to 0. */
	acks(&c, 1, 2 * MSS, T0);
	cr_assert_eq(c.cwnd, 26000);
	cr_assert_eq(c.ca_acked, 0);
}

Test(tcp_newreno, avoidance_adds_one_segment_per_rtt)
{
	struct xs_tcp_cc c;

	in_ca(&c, &xs_tcp_newreno_ops, 20000);
	/* One RTT = one ACK per segment of the window: 20 ACKs of 1000 =
	 * cwnd bytes -> 21000; then 21 -> 22000; then 22 -> 23000. */
	acks(&c, 19, MSS, T0);
	cr_assert_eq(c.cwnd, 20000);
	acks(&c, 1, MSS, T0);
	cr_assert_eq(c.cwnd, 21000);
	acks(&c, 21, MSS, T0);
	cr_assert_eq(c.cwnd, 22000);
	acks(&c, 22, MSS, T0);
	cr_assert_eq(c.cwnd, 23000);
	/* Equivalent to RFC 5681 (3), SMSS*SMSS/cwnd per ACK, summed over an
	 * RTT: 22 * 1000 * 1000 / 22000 = 1000. */
}

Test(tcp_newreno, no_growth_when_the_application_limits)
{
	struct xs_tcp_cc c;
	struct xs_tcp_cc_ack a;

	xs_tcp_cc_init(&c, &xs_tcp_newreno_ops, MSS, false, T0);
	/* Slow start: 2000 in flight, cwnd 10000 >= 2 * 2000: no growth. */
	a = ack_of(0, 2 * MSS, 2 * MSS);
	xs_tcp_cc_on_ack(&c, &a, T0);
	cr_assert_eq(c.cwnd, 10000);
	/* 5000 in flight: 10000 < 2 * 5000 is false too; 5001 is enough. */
	a = ack_of(0, 2 * MSS, 5001);
	xs_tcp_cc_on_ack(&c, &a, T0);
	cr_assert_eq(c.cwnd, 12000);

	in_ca(&c, &xs_tcp_newreno_ops, 20000);
	/* Avoidance: limited only when flight + SMSS > cwnd. */
	a = ack_of(0, 20000, 19000);
	xs_tcp_cc_on_ack(&c, &a, T0);
	cr_assert_eq(c.cwnd, 20000);
	cr_assert_eq(c.ca_acked, 0);
	a = ack_of(0, 20000, 19001);
	xs_tcp_cc_on_ack(&c, &a, T0);
	cr_assert_eq(c.cwnd, 21000);
}

/* ---- NewReno: loss ---------------------------------------------------------- */

Test(tcp_newreno, third_dupack_enters_fast_recovery)
{
	struct xs_tcp_cc c;

	in_ca(&c, &xs_tcp_newreno_ops, 20000);
	/* FlightSize 18000: ssthresh = max(18000 / 2, 2 * 1000) = 9000,
	 * cwnd = 9000 + 3 * 1000 = 12000, and the fast retransmit. */
	cr_assert_eq(three_dupacks(&c, 5000, 23000, 18000, T0), XS_TCP_CC_RETRANSMIT);
	cr_assert(c.in_recovery);
	cr_assert_eq(c.ssthresh, 9000);
	cr_assert_eq(c.cwnd, 12000);
	cr_assert_eq(c.recover, 23000);
	/* Each further duplicate: + SMSS (a segment left the network). */
	cr_assert_eq(xs_tcp_cc_on_dupack(&c, 4, 5000, 23000, 18000, T0), 0);
	cr_assert_eq(xs_tcp_cc_on_dupack(&c, 5, 5000, 23000, 18000, T0), 0);
	cr_assert_eq(c.cwnd, 14000);
	cr_assert_eq(c.ssthresh, 9000);
}

Test(tcp_newreno, ssthresh_never_below_two_segments)
{
	struct xs_tcp_cc c;

	in_ca(&c, &xs_tcp_newreno_ops, 20000);
	/* FlightSize 3000: max(1500, 2000) = 2000; cwnd 2000 + 3000. */
	three_dupacks(&c, 5000, 8000, 3000, T0);
	cr_assert_eq(c.ssthresh, 2000);
	cr_assert_eq(c.cwnd, 5000);
}

Test(tcp_newreno, partial_acks_deflate_then_full_ack_exits)
{
	struct xs_tcp_cc c;
	struct xs_tcp_cc_ack a;
	/* Across the 2^32 wrap: SND.UNA 0xffffb000, 20 segments in flight,
	 * SND.NXT 0xffffb000 + 20000 = 0x00000e20. */
	const uint32_t una = 0xffffb000u, nxt = una + 20000;

	in_ca(&c, &xs_tcp_newreno_ops, 20000);
	cr_assert_eq(three_dupacks(&c, una, nxt, 20000, T0), XS_TCP_CC_RETRANSMIT);
	/* ssthresh 10000, cwnd 13000; two more duplicates: 15000. */
	xs_tcp_cc_on_dupack(&c, 4, una, nxt, 20000, T0);
	xs_tcp_cc_on_dupack(&c, 5, una, nxt, 20000, T0);
	cr_assert_eq(c.cwnd, 15000);

	/* Partial ACK for 3000 (below recover = nxt): deflate by 3000, add
	 * back SMSS: 15000 - 3000 + 1000 = 13000.  Retransmit the next hole;
	 * the first partial ACK also restarts the timer (RFC 6582 step 5). */
	a = ack_of(una + 3000, 3000, 20000);
	cr_assert_eq(xs_tcp_cc_on_ack(&c, &a, T0), XS_TCP_CC_RETRANSMIT | XS_TCP_CC_RESTART_RTO);
	cr_assert_eq(c.cwnd, 13000);
	cr_assert(c.in_recovery);

	/* Partial ACK for 500 (< SMSS): deflate only: 12500; no timer restart. */
	a = ack_of(una + 3500, 500, 17000);
	cr_assert_eq(xs_tcp_cc_on_ack(&c, &a, T0), XS_TCP_CC_RETRANSMIT);
	cr_assert_eq(c.cwnd, 12500);

	/* A duplicate inside recovery still inflates: 13500. */
	xs_tcp_cc_on_dupack(&c, 1, una + 3500, nxt, 16500, T0);
	cr_assert_eq(c.cwnd, 13500);

	/* The full ACK reaches recover (acking 16500); 4000 of new data sent
	 * during recovery remain: cwnd = min(ssthresh 10000,
	 * max(4000, 1000) + 1000) = 5000 (RFC 6582's option 1). */
	a = ack_of(nxt, 16500, 20500);
	cr_assert_eq(xs_tcp_cc_on_ack(&c, &a, T0), XS_TCP_CC_RECOVERED);
	cr_assert_not(c.in_recovery);
	cr_assert_eq(c.cwnd, 5000);
	cr_assert_eq(c.ssthresh, 10000);

	/* Back below ssthresh: slow start again, 5000 + 2000. */
	acks(&c, 1, 2 * MSS, T0);
	cr_assert_eq(c.cwnd, 7000);
}

Test(tcp_newreno, full_ack_with_much_outstanding_ends_at_ssthresh)
{
	struct xs_tcp_cc c;
	struct xs_tcp_cc_ack a;

	in_ca(&c, &xs_tcp_newreno_ops, 20000);
	three_dupacks(&c, 1000, 21000, 20000, T0);
	/* 15000 still out after the full ACK: min(10000, 16000) = 10000. */
	a = ack_of(21000, 20000, 35000);
	cr_assert_eq(xs_tcp_cc_on_ack(&c, &a, T0), XS_TCP_CC_RECOVERED);
	cr_assert_eq(c.cwnd, 10000);
	/* ssthresh reached: avoidance, 10 ACKs of 1000 -> 11000. */
	acks(&c, 10, MSS, T0);
	cr_assert_eq(c.cwnd, 11000);
}

Test(tcp_newreno, a_new_loss_after_recovery_enters_again)
{
	struct xs_tcp_cc c;
	struct xs_tcp_cc_ack a;

	in_ca(&c, &xs_tcp_newreno_ops, 20000);
	three_dupacks(&c, 1000, 21000, 20000, T0);
	a = ack_of(21000, 20000, 35000);
	xs_tcp_cc_on_ack(&c, &a, T0);
	/* cwnd 10000, FlightSize 15000: ssthresh 7500, cwnd 10500. */
	cr_assert_eq(three_dupacks(&c, 21000, 36000, 15000, T0), XS_TCP_CC_RETRANSMIT);
	cr_assert_eq(c.ssthresh, 7500);
	cr_assert_eq(c.cwnd, 10500);
}

Test(tcp_newreno, rto_collapses_to_one_segment)
{
	struct xs_tcp_cc c;
	struct xs_tcp_cc_ack a;

	in_ca(&c, &xs_tcp_newreno_ops, 30000);
	c.ssthresh = 20000;
	/* RFC 5681 (4): ssthresh = max(24000 / 2, 2000) = 12000; cwnd = LW = 1000. */
	xs_tcp_cc_on_rto(&c, 24000, 124000, false, T0);
	cr_assert_eq(c.ssthresh, 12000);
	cr_assert_eq(c.cwnd, 1000);
	/* The same segment times out again: ssthresh held (RFC 5681 3.1),
	 * not max(8000 / 2, 2000). */
	xs_tcp_cc_on_rto(&c, 8000, 124000, true, T0);
	cr_assert_eq(c.ssthresh, 12000);
	cr_assert_eq(c.cwnd, 1000);

	/* Slow start after the RTO counts L = 1 * SMSS (RFC 3465 2.3). */
	a = ack_of(102000, 2000, 1000);
	xs_tcp_cc_on_ack(&c, &a, T0);
	cr_assert_eq(c.cwnd, 2000);
	/* Past the recover point the episode is over: L = 2 again. */
	a = ack_of(124000, 22000, 2000);
	xs_tcp_cc_on_ack(&c, &a, T0);
	cr_assert_eq(c.cwnd, 4000);
}

Test(tcp_newreno, rto_in_fast_recovery_keeps_its_ssthresh)
{
	struct xs_tcp_cc c;

	in_ca(&c, &xs_tcp_newreno_ops, 20000);
	three_dupacks(&c, 1000, 21000, 20000, T0);
	cr_assert_eq(c.ssthresh, 10000);
	/* The retransmission was lost too: cwnd 1000, ssthresh stays 10000
	 * (not max(13000 / 2, 2000) from the inflated window). */
	xs_tcp_cc_on_rto(&c, 20000, 23000, false, T0);
	cr_assert_not(c.in_recovery);
	cr_assert_eq(c.ssthresh, 10000);
	cr_assert_eq(c.cwnd, 1000);
}

Test(tcp_newreno, dupacks_below_recover_do_not_retransmit_again)
{
	struct xs_tcp_cc c;
	struct xs_tcp_cc_ack a;

	in_ca(&c, &xs_tcp_newreno_ops, 20000);
	xs_tcp_cc_on_rto(&c, 20000, 21000, false, T0);   /* recover = 21000 */
	cr_assert_eq(c.ssthresh, 10000);
	/* Go-back-N resends what the peer already had: its duplicates for
	 * SND.UNA 3000 < recover must not cut the window again (RFC 6582 3.2
	 * step 1). */
	a = ack_of(3000, 2000, 1000);
	xs_tcp_cc_on_ack(&c, &a, T0);
	cr_assert_eq(c.cwnd, 2000);
	cr_assert_eq(three_dupacks(&c, 3000, 21000, 2000, T0), 0);
	cr_assert_not(c.in_recovery);
	cr_assert_eq(c.ssthresh, 10000);
	cr_assert_eq(c.cwnd, 2000);
	/* Once SND.UNA reaches recover, a new loss is a new loss. */
	a = ack_of(21000, 18000, 2000);
	xs_tcp_cc_on_ack(&c, &a, T0);
	cr_assert_eq(three_dupacks(&c, 21000, 25000, 4000, T0), XS_TCP_CC_RETRANSMIT);
	cr_assert(c.in_recovery);
	cr_assert_eq(c.ssthresh, 2000);
}

Test(tcp_newreno, sack_recovery_neither_inflates_nor_deflates)
{
	struct xs_tcp_cc c;
	struct xs_tcp_cc_ack a;

	in_ca(&c, &xs_tcp_newreno_ops, 20000);
	/* RFC 6675: cwnd = ssthresh = 10000, the scoreboard does the rest. */
	xs_tcp_cc_enter_recovery(&c, 21000, 20000, true, T0);
	cr_assert_eq(c.cwnd, 10000);
	xs_tcp_cc_on_dupack(&c, 4, 1000, 21000, 20000, T0);
	cr_assert_eq(c.cwnd, 10000);
	a = ack_of(5000, 4000, 20000);
	cr_assert_eq(xs_tcp_cc_on_ack(&c, &a, T0), XS_TCP_CC_RESTART_RTO,
		     "partial ACK: the scoreboard, not NewReno, picks the retransmission");
	cr_assert_eq(c.cwnd, 10000);
	a = ack_of(21000, 16000, 16000);
	cr_assert_eq(xs_tcp_cc_on_ack(&c, &a, T0), XS_TCP_CC_RECOVERED);
	cr_assert_eq(c.cwnd, 10000);
	/* Entering twice does nothing. */
	xs_tcp_cc_enter_recovery(&c, 30000, 10000, true, T0);
	xs_tcp_cc_enter_recovery(&c, 30000, 4000, true, T0);
	cr_assert_eq(c.ssthresh, 5000);
}

Test(tcp_newreno, restart_after_idle_halves_per_rto)
{
	struct xs_tcp_cc c;

	in_ca(&c, &xs_tcp_newreno_ops, 80000);
	c.ssthresh = 40000;
	/* Idle 100 ms < RTO 200 ms: nothing. */
	xs_tcp_cc_on_idle(&c, 100 * MS, 200 * MS, T0);
	cr_assert_eq(c.cwnd, 80000);
	cr_assert_eq(c.ssthresh, 40000);
	/* Idle 750 ms = 3.75 RTO: halved three times (750 -> 550 -> 350 ->
	 * 150), 80000 -> 10000, not below min(IW 10000, cwnd); ssthresh =
	 * max(40000, 3/4 * 80000) = 60000. */
	xs_tcp_cc_on_idle(&c, 750 * MS, 200 * MS, T0);
	cr_assert_eq(c.cwnd, 10000);
	cr_assert_eq(c.ssthresh, 60000);

	/* Idle 250 ms = 1.25 RTO: halved once, 40000; 450 ms = 2.25 RTO:
	 * twice, 20000. */
	in_ca(&c, &xs_tcp_newreno_ops, 80000);
	xs_tcp_cc_on_idle(&c, 250 * MS, 200 * MS, T0);
	cr_assert_eq(c.cwnd, 40000);
	in_ca(&c, &xs_tcp_newreno_ops, 80000);
	xs_tcp_cc_on_idle(&c, 450 * MS, 200 * MS, T0);
	cr_assert_eq(c.cwnd, 20000);

	in_ca(&c, &xs_tcp_newreno_ops, 80000);
	/* Idle 10 s: stops at IW. */
	xs_tcp_cc_on_idle(&c, 10000 * MS, 200 * MS, T0);
	cr_assert_eq(c.cwnd, 10000);
	/* A window already below IW stays. */
	c.cwnd = 4000;
	xs_tcp_cc_on_idle(&c, 10000 * MS, 200 * MS, T0);
	cr_assert_eq(c.cwnd, 4000);
	/* No RTO known: no loop, no change. */
	c.cwnd = 30000;
	xs_tcp_cc_on_idle(&c, 10000 * MS, 0, T0);
	cr_assert_eq(c.cwnd, 30000);
}

/* ---- CUBIC: the arithmetic ---------------------------------------------------- */

Test(tcp_cubic, cube_root_is_exact)
{
	uint64_t n;

	cr_assert_eq(xs_tcp_cubic_cbrt(0), 0);
	cr_assert_eq(xs_tcp_cubic_cbrt(1), 1);
	cr_assert_eq(xs_tcp_cubic_cbrt(7), 1);
	cr_assert_eq(xs_tcp_cubic_cbrt(8), 2);
	cr_assert_eq(xs_tcp_cubic_cbrt(26), 2);
	cr_assert_eq(xs_tcp_cubic_cbrt(27), 3);
	/* 2642245^3 = 18446724184312856125 <= 2^64 - 1 < 2642246^3. */
	cr_assert_eq(xs_tcp_cubic_cbrt(UINT64_MAX), 2642245);
	cr_assert_eq(xs_tcp_cubic_cbrt(18446724184312856125ull), 2642245);
	cr_assert_eq(xs_tcp_cubic_cbrt(18446724184312856124ull), 2642244);
	for (n = 2; n <= 2642245; n += 997) {
		cr_assert_eq(xs_tcp_cubic_cbrt(n * n * n), n);
		cr_assert_eq(xs_tcp_cubic_cbrt(n * n * n - 1), n - 1);
	}
}

Test(tcp_cubic, k_for_a_given_wmax)
{
	/* W_max 36 segments, cwnd_epoch 0.7 * 36 = 25.2: K = cbrt(10.8 /
	 * 0.4) = cbrt(27) = 3 s. */
	cr_assert_eq(xs_tcp_cubic_k_ms(36000, 25200, MSS), 3000);
	/* W_max 100: K = cbrt(100 * 0.3 / 0.4) = cbrt(75) = 4.2171633 s. */
	cr_assert_eq(xs_tcp_cubic_k_ms(100000, 70000, MSS), 4217);
	/* W_max 10: cbrt(7.5) = 1.9574338 s. */
	cr_assert_eq(xs_tcp_cubic_k_ms(10000, 7000, MSS), 1957);
	/* In bytes the MSS cancels: 36 segments of 1460 give the same K. */
	cr_assert_eq(xs_tcp_cubic_k_ms(36 * 1460, 36 * 1460 * 7 / 10, 1460), 3000);
	/* At or above W_max, or MSS 0: 0, no division. */
	cr_assert_eq(xs_tcp_cubic_k_ms(36000, 36000, MSS), 0);
	cr_assert_eq(xs_tcp_cubic_k_ms(36000, 50000, MSS), 0);
	cr_assert_eq(xs_tcp_cubic_k_ms(36000, 25200, 0), 0);
	/* The largest difference does not overflow: 2^30 bytes of 88-byte
	 * segments: cbrt(12201611.636363 * 2500 * 10^6) = 312453.75 ms. */
	cr_assert_eq(xs_tcp_cubic_k_ms(XS_TCP_CC_CWND_MAX, 0, 88), 312453);
}

Test(tcp_cubic, curve_passes_wmax_at_k)
{
	/* W_max 36000, K 3 s, C = 0.4 * 1000 bytes per s^3:
	 *   t = 0:  36000 - 400 * 27 = 25200 (= 0.7 W_max, the cut window)
	 *   t = 1:  36000 - 400 *  8 = 32800
	 *   t = 2:  36000 - 400 *  1 = 35600
	 *   t = K:  36000
	 *   t = 4:  36000 + 400 *  1 = 36400
	 *   t = 5:  36000 + 400 *  8 = 39200
	 *   t = 2K: 36000 + 400 * 27 = 46800 */
	cr_assert_eq(xs_tcp_cubic_window(36000, 3000, MSS, 0), 25200);
	cr_assert_eq(xs_tcp_cubic_window(36000, 3000, MSS, 1000), 32800);
	cr_assert_eq(xs_tcp_cubic_window(36000, 3000, MSS, 2000), 35600);
	cr_assert_eq(xs_tcp_cubic_window(36000, 3000, MSS, 3000), 36000);
	cr_assert_eq(xs_tcp_cubic_window(36000, 3000, MSS, 4000), 36400);
	cr_assert_eq(xs_tcp_cubic_window(36000, 3000, MSS, 5000), 39200);
	cr_assert_eq(xs_tcp_cubic_window(36000, 3000, MSS, 6000), 46800);
	/* t = 2.5 s: 36000 - 400 * 0.125 = 35950. */
	cr_assert_eq(xs_tcp_cubic_window(36000, 3000, MSS, 2500), 35950);
	/* Far before K it floors at 0, far after at the cap. */
	cr_assert_eq(xs_tcp_cubic_window(1000, 3000000, MSS, 0), 0);
	cr_assert_eq(xs_tcp_cubic_window(36000, 3000, MSS, UINT64_MAX), XS_TCP_CC_CWND_MAX);
	cr_assert_eq(xs_tcp_cubic_window(36000, 3000, 0, 6000), 36000, "MSS 0: flat, no fault");
}

Test(tcp_cubic, concave_then_convex)
{
	uint32_t w[7], t;

	for (t = 0; t < 7; t++)
		w[t] = xs_tcp_cubic_window(36000, 3000, MSS, t * 1000);
	/* Growth per second: 7600, 2800, 400 | 400, 2800, 7600. */
	cr_assert_eq(w[1] - w[0], 7600);
	cr_assert_eq(w[2] - w[1], 2800);
	cr_assert_eq(w[3] - w[2], 400);
	cr_assert_eq(w[4] - w[3], 400);
	cr_assert_eq(w[5] - w[4], 2800);
	cr_assert_eq(w[6] - w[5], 7600);
}

/* ---- CUBIC: the window -------------------------------------------------------- */

/* CUBIC after a loss at wmax, recovered, at now: cwnd = ssthresh =
 * 0.7 * wmax, W_max = wmax (first loss), next ACK starts the epoch. */
static void cubic_after_loss(struct xs_tcp_cc *c, uint32_t wmax, uint64_t now)
{
	struct xs_tcp_cc_ack a;

	in_ca(c, &xs_tcp_cubic_ops, wmax);
	cr_assert_eq(three_dupacks(c, 5000, 5000 + wmax, wmax, now), XS_TCP_CC_RETRANSMIT);
	a = ack_of(5000 + wmax, wmax, 2 * wmax);     /* wmax still out: cwnd = ssthresh */
	cr_assert_eq(xs_tcp_cc_on_ack(c, &a, now), XS_TCP_CC_RECOVERED);
}

/* The window-limited sender over `rounds` RTTs of rtt_ns: per round one
 * ACK per segment of the window, spread evenly, each with the RTT sample. */
static void cubic_rounds(struct xs_tcp_cc *c, unsigned int rounds, uint64_t rtt_ns, uint64_t *now)
{
	while (rounds--) {
		uint32_t n = c->cwnd / c->mss, i;

		for (i = 0; i < n; i++) {
			struct xs_tcp_cc_ack a = ack_of(0, c->mss, c->cwnd);

			a.rtt_ns = rtt_ns;
			xs_tcp_cc_on_ack(c, &a, *now);
			*now += rtt_ns / n;
		}
	}
}

Test(tcp_cubic, loss_cuts_to_beta)
{
	struct xs_tcp_cc c;
	struct xs_tcp_cc_ack a;

	in_ca(&c, &xs_tcp_cubic_ops, 100000);
	/* ssthresh = 0.7 * cwnd = 70000 (cwnd, not FlightSize 60000);
	 * NewReno recovery on top: cwnd 73000; W_max = 100000. */
	cr_assert_eq(three_dupacks(&c, 1000, 101000, 60000, T0), XS_TCP_CC_RETRANSMIT);
	cr_assert_eq(c.ssthresh, 70000);
	cr_assert_eq(c.cwnd, 73000);
	cr_assert_eq(c.priv.cubic.w_max, 100000);
	cr_assert_eq(c.priv.cubic.cwnd_prior, 100000);
	a = ack_of(101000, 100000, 180000);
	cr_assert_eq(xs_tcp_cc_on_ack(&c, &a, T0), XS_TCP_CC_RECOVERED);
	cr_assert_eq(c.cwnd, 70000);
	/* The floor: 2 * SMSS. */
	in_ca(&c, &xs_tcp_cubic_ops, 2000);
	three_dupacks(&c, 1000, 3000, 2000, T0);
	cr_assert_eq(c.ssthresh, 2000, "0.7 * 2000 = 1400 < 2 * SMSS");
}

Test(tcp_cubic, fast_convergence_lowers_wmax)
{
	struct xs_tcp_cc c;
	struct xs_tcp_cc_ack a;

	in_ca(&c, &xs_tcp_cubic_ops, 100000);
	three_dupacks(&c, 1000, 101000, 100000, T0);
	a = ack_of(101000, 100000, 180000);
	xs_tcp_cc_on_ack(&c, &a, T0);
	/* Another loss before the window regained W_max = 100000, at 80000:
	 * W_max = 80000 * (1 + 0.7) / 2 = 68000; ssthresh 0.7 * 80000. */
	c.cwnd = 80000;
	three_dupacks(&c, 101000, 181000, 80000, T0);
	cr_assert_eq(c.priv.cubic.w_max, 68000);
	cr_assert_eq(c.priv.cubic.cwnd_prior, 80000);
	cr_assert_eq(c.ssthresh, 56000);
	a = ack_of(181000, 80000, 140000);
	xs_tcp_cc_on_ack(&c, &a, T0);
	/* A loss above W_max: W_max = cwnd, no convergence. */
	c.cwnd = 90000;
	three_dupacks(&c, 181000, 271000, 90000, T0);
	cr_assert_eq(c.priv.cubic.w_max, 90000);
	cr_assert_eq(c.ssthresh, 63000);
}

Test(tcp_cubic, window_follows_the_curve)
{
	struct xs_tcp_cc c;
	uint64_t now = T0, t;

	cubic_after_loss(&c, 36000, now);
	cr_assert_eq(c.cwnd, 25200);
	/* RTT 500 ms (the Reno estimate grows only ~0.5 segment per RTT
	 * here, so the cubic curve governs).  The first ACK starts the epoch:
	 * K = 3 s (k_for_a_given_wmax). */
	cubic_rounds(&c, 1, 500 * MS, &now);
	cr_assert(c.priv.cubic.in_epoch);
	cr_assert_eq(c.priv.cubic.epoch_ns, T0);
	cr_assert_eq(c.priv.cubic.k_ms, 3000);
	cr_assert_eq(c.priv.cubic.cwnd_epoch, 25200);
	/* Each round aims at W_cubic(t + RTT), so after a round ending at t,
	 * cwnd is W_cubic(t) to within the first ACK's Reno step
	 * (9 * 1000 * 1000 / (17 * 25200) = 21 bytes) and one segment. */
	while ((t = (now - c.priv.cubic.epoch_ns) / MS) < 7000) {
		uint32_t w = xs_tcp_cubic_window(36000, 3000, MSS, t);

		cr_assert_geq(c.cwnd + MSS, w, "t %lu ms: cwnd %u, W_cubic %u", (unsigned long)t, c.cwnd, w);
		cr_assert_leq(c.cwnd, w + 2 * MSS, "t %lu ms: cwnd %u, W_cubic %u", (unsigned long)t, c.cwnd, w);
		cubic_rounds(&c, 1, 500 * MS, &now);
	}
	/* Past 2K = 6 s, convex: above W_cubic(6 s) = 46800. */
	cr_assert_gt(c.cwnd, 46800);
}

Test(tcp_cubic, plateau_near_wmax)
{
	struct xs_tcp_cc c;
	uint64_t now = T0;
	uint32_t before;

	cubic_after_loss(&c, 36000, now);
	cubic_rounds(&c, 1, 500 * MS, &now);
	while (now - T0 < 2000 * MS)
		cubic_rounds(&c, 1, 500 * MS, &now);
	before = c.cwnd;
	/* From t = 2 s to 3 s the curve rises 35600 -> 36000: one segment
	 * at most, while 0 -> 1 s gave 7600 (concave_then_convex). */
	while (now - T0 < 3000 * MS)
		cubic_rounds(&c, 1, 500 * MS, &now);
	cr_assert_leq(c.cwnd - before, 1000);
}

Test(tcp_cubic, reno_friendly_region_wins_at_small_bdp)
{
	struct xs_tcp_cc c;
	struct xs_tcp_cc_ack a;
	uint64_t now = T0;

	/* W_max 10 segments on a 10 ms path: K = 1.957 s, while Reno adds a
	 * segment every 10 ms. */
	cubic_after_loss(&c, 10000, now);
	cr_assert_eq(c.cwnd, 7000);
	a = ack_of(0, MSS, c.cwnd);
	xs_tcp_cc_on_ack(&c, &a, now);
	/* W_est = 7000 + alpha * acked * SMSS / cwnd
	 *       = 7000 + 9 * 1000 * 1000 / (17 * 7000) = 7000 + 75 (75.6)
	 * W_cubic(0) = 10000 - 2 * 1000 * 1957^3 / 5e9
	 *            = 10000 - 2998 (2998.006) = 7002 < 7075: cwnd = W_est. */
	cr_assert_eq(c.priv.cubic.w_est, 7075);
	cr_assert_eq(xs_tcp_cubic_window(10000, 1957, MSS, 0), 7002);
	cr_assert_eq(c.cwnd, 7075);

	/* One second = 100 RTTs: W_est climbs 3000 bytes at alpha 9/17 (about
	 * 530 per RTT: 6 RTTs) and then about a segment per RTT (alpha 1 once
	 * past cwnd_prior 10000): ~10000 + 94 * 1000, a bit less because the
	 * window grows within each RTT.  W_cubic(1 s) = 10000 - 400 * 0.957^3
	 * = 9649 never gets there. */
	cubic_rounds(&c, 100, 10 * MS, &now);
	cr_assert_eq(c.cwnd, c.priv.cubic.w_est);
	cr_assert_gt(c.cwnd, 95000);
	cr_assert_lt(c.cwnd, 105000);
	cr_assert_lt(xs_tcp_cubic_window(10000, 1957, MSS, (now - c.priv.cubic.epoch_ns) / MS), 10000);
}

Test(tcp_cubic, reno_estimate_alpha_is_one_past_cwnd_prior)
{
	struct xs_tcp_cc c;
	struct xs_tcp_cc_ack a;

	cubic_after_loss(&c, 10000, T0);
	a = ack_of(0, MSS, c.cwnd);
	xs_tcp_cc_on_ack(&c, &a, T0);
	c.priv.cubic.w_est = 10000;     /* reached cwnd_prior */
	c.priv.cubic.est_rem = 0;
	c.cwnd = 10000;
	a = ack_of(0, MSS, c.cwnd);
	xs_tcp_cc_on_ack(&c, &a, T0);
	/* alpha 1: 10000 + 1000 * 1000 / 10000 = 10100. */
	cr_assert_eq(c.priv.cubic.w_est, 10100);
}

Test(tcp_cubic, min_rtt_sets_the_target_one_rtt_ahead)
{
	struct xs_tcp_cc fast, slow;
	struct xs_tcp_cc_ack a;
	uint64_t at = T0 + 100 * MS;
	int i;

	cubic_after_loss(&fast, 36000, T0);
	cubic_after_loss(&slow, 36000, T0);
	a = ack_of(0, MSS, 25200);
	xs_tcp_cc_on_ack(&fast, &a, T0);        /* both epochs begin at T0 */
	xs_tcp_cc_on_ack(&slow, &a, T0);
	a.rtt_ns = 1000 * MS;                   /* min RTT 1 s for one of them */
	xs_tcp_cc_on_ack(&fast, &a, T0);
	a.rtt_ns = 0;
	xs_tcp_cc_on_ack(&slow, &a, T0);
	cr_assert_eq(fast.priv.cubic.min_rtt_ns, 1000 * MS);
	cr_assert_eq(slow.priv.cubic.min_rtt_ns, 0);
	cr_assert_eq(fast.cwnd, slow.cwnd);
	/* At t = 100 ms, W_cubic(t) = 36000 - floor(400 * 2.9^3 = 9755.6)
	 * = 26245 is above W_est (~25242), so the curve governs.
	 * No RTT: target W_cubic(0.1) = 26245: + SMSS per
	 *   cwnd * SMSS / (26245 - cwnd) = 25242 * 1000 / 1003 = 25166 bytes.
	 * RTT 1 s: target W_cubic(1.1) = 36000 - floor(400 * 1.9^3 = 2743.6)
	 *   = 33257: + SMSS per 25242 * 1000 / 8015 = 3149 bytes.
	 * 4 ACKs of 1000: only the second grows, by one segment. */
	for (i = 0; i < 4; i++) {
		a = ack_of(0, MSS, fast.cwnd);
		xs_tcp_cc_on_ack(&fast, &a, at);
		a = ack_of(0, MSS, slow.cwnd);
		xs_tcp_cc_on_ack(&slow, &a, at);
	}
	cr_assert_eq(xs_tcp_cubic_window(36000, 3000, MSS, 100), 26245);
	cr_assert_eq(xs_tcp_cubic_window(36000, 3000, MSS, 1100), 33257);
	cr_assert_eq(fast.cwnd, slow.cwnd + MSS, "fast %u slow %u", fast.cwnd, slow.cwnd);
	/* The minimum is kept: a longer sample does not raise it. */
	a.rtt_ns = 3000 * MS;
	xs_tcp_cc_on_ack(&fast, &a, at);
	cr_assert_eq(fast.priv.cubic.min_rtt_ns, 1000 * MS);
}

Test(tcp_cubic, growth_is_capped_at_half_a_window_per_rtt)
{
	struct xs_tcp_cc c;
	struct xs_tcp_cc_ack a;

	cubic_after_loss(&c, 36000, T0);
	a = ack_of(0, MSS, c.cwnd);
	xs_tcp_cc_on_ack(&c, &a, T0);
	/* Epoch start, Reno step: 25200 + 9 * 10^6 / (17 * 25200) = 25221. */
	cr_assert_eq(c.cwnd, 25221);
	/* 20 s later W_cubic = 36000 + 400 * 17^3 = 1 001 200: the target is
	 * 1.5 * cwnd = 37831 (RFC 9438 4.2), one SMSS per
	 * 25221 * 1000 / 12610 = 2000 bytes acked, so + 1 segment per 2. */
	a = ack_of(0, MSS, c.cwnd);
	xs_tcp_cc_on_ack(&c, &a, T0 + 20000 * MS);
	cr_assert_eq(c.cwnd, 25221);
	xs_tcp_cc_on_ack(&c, &a, T0 + 20000 * MS);
	cr_assert_eq(c.cwnd, 26221);
}

Test(tcp_cubic, rto_resets_wmax_k_and_epoch)
{
	struct xs_tcp_cc c;
	uint64_t now = T0;

	cubic_after_loss(&c, 36000, now);
	cubic_rounds(&c, 2, 500 * MS, &now);
	cr_assert(c.priv.cubic.in_epoch);
	cr_assert_neq(c.priv.cubic.min_rtt_ns, 0);
	/* RTO at cwnd ~32000: ssthresh 0.7 * cwnd, cwnd 1 segment, W_max and
	 * the minimum RTT forgotten (RFC 9438 4.8, Linux's bictcp_reset). */
	{
		uint32_t cwnd = c.cwnd;

		xs_tcp_cc_on_rto(&c, cwnd, 900000, false, now);
		cr_assert_eq(c.ssthresh, cwnd * 7 / 10);
	}
	cr_assert_eq(c.cwnd, MSS);
	cr_assert_eq(c.priv.cubic.w_max, 0);
	cr_assert_eq(c.priv.cubic.min_rtt_ns, 0);
	cr_assert_not(c.priv.cubic.in_epoch);
	/* Slow start back to ssthresh, then the first stage: K = 0 and
	 * W_max = W_est = the window it starts with. */
	c.after_rto = false;
	while (c.cwnd < c.ssthresh)
		acks(&c, 1, MSS, now);
	acks(&c, 1, MSS, now);
	cr_assert(c.priv.cubic.in_epoch);
	cr_assert_eq(c.priv.cubic.k_ms, 0);
	cr_assert_eq(c.priv.cubic.w_max, c.ssthresh);
	cr_assert_eq(c.priv.cubic.cwnd_epoch, c.ssthresh);
	/* Convex from the start: W_cubic(1 s) = W_max + 400. */
	cr_assert_eq(xs_tcp_cubic_window(c.priv.cubic.w_max, 0, MSS, 1000), c.ssthresh + 400);
}

Test(tcp_cubic, application_limited_time_does_not_count)
{
	struct xs_tcp_cc busy, idle;
	struct xs_tcp_cc_ack a;

	cubic_after_loss(&busy, 36000, T0);
	cubic_after_loss(&idle, 36000, T0);
	a = ack_of(0, MSS, 25200);
	xs_tcp_cc_on_ack(&busy, &a, T0);
	xs_tcp_cc_on_ack(&idle, &a, T0);
	/* One of them spends 10 s with little in flight (not cwnd-limited). */
	a = ack_of(0, MSS, 1000);
	xs_tcp_cc_on_ack(&idle, &a, T0 + 5000 * MS);
	xs_tcp_cc_on_ack(&idle, &a, T0 + 10000 * MS);
	cr_assert_eq(idle.cwnd, busy.cwnd, "no growth while application-limited");
	/* Then both run 100 ms of window-limited ACKs: the same t, the same
	 * window (at t = 10.1 s the target would be 1.5 * cwnd). */
	cr_assert_eq(idle.priv.cubic.epoch_ns, T0 + 10000 * MS);
	for (int i = 0; i < 20; i++) {
		a = ack_of(0, MSS, busy.cwnd);
		xs_tcp_cc_on_ack(&busy, &a, T0 + 100 * MS);
		a = ack_of(0, MSS, idle.cwnd);
		xs_tcp_cc_on_ack(&idle, &a, T0 + 10100 * MS);
	}
	cr_assert_eq(idle.cwnd, busy.cwnd);
	cr_assert_eq(idle.ca_acked, busy.ca_acked);
}

Test(tcp_cubic, idle_restart_starts_a_new_epoch)
{
	struct xs_tcp_cc c;
	uint64_t now = T0;

	cubic_after_loss(&c, 36000, now);
	cubic_rounds(&c, 4, 500 * MS, &now);
	cr_assert(c.priv.cubic.in_epoch);
	xs_tcp_cc_on_idle(&c, 5000 * MS, 1000 * MS, now + 5000 * MS);
	cr_assert_eq(c.cwnd, 10000, "halved to IW");
	cr_assert_not(c.priv.cubic.in_epoch);
	cr_assert_eq(c.priv.cubic.w_max, 36000, "W_max kept: the curve climbs back to it");
}

/* ---- robustness ------------------------------------------------------------ */

Test(tcp_cc, zero_rtt_and_zero_mss_do_not_fault)
{
	const struct xs_tcp_cc_ops *ops[] = { &xs_tcp_newreno_ops, &xs_tcp_cubic_ops };
	struct xs_tcp_cc c;
	struct xs_tcp_cc_ack a;
	size_t i;
	int n;

	for (i = 0; i < 2; i++) {
		xs_tcp_cc_init(&c, ops[i], 0, false, 0);
		/* Time 0, RTT 0, flight 0, zero bytes acked, all at once. */
		a = ack_of(0, 0, 0);
		cr_assert_eq(xs_tcp_cc_on_ack(&c, &a, 0), 0);
		a = ack_of(0, 1, 0);
		xs_tcp_cc_on_ack(&c, &a, 0);
		three_dupacks(&c, 0, 0, 0, 0);
		cr_assert_geq(c.ssthresh, 2 * XS_TCP_CC_MIN_MSS);
		a = ack_of(0, 0, 0);
		xs_tcp_cc_on_ack(&c, &a, 0);
		xs_tcp_cc_on_rto(&c, 0, 0, false, 0);
		cr_assert_eq(c.cwnd, XS_TCP_CC_MIN_MSS);
		xs_tcp_cc_on_idle(&c, 1, 0, 0);
		/* Thousands of window-limited ACKs at one instant, RTT 0. */
		for (n = 0; n < 5000; n++) {
			a = ack_of((uint32_t)n, XS_TCP_CC_MIN_MSS, c.cwnd);
			xs_tcp_cc_on_ack(&c, &a, 0);
		}
		cr_assert_geq(c.cwnd, XS_TCP_CC_MIN_MSS);
		cr_assert_leq(c.cwnd, XS_TCP_CC_CWND_MAX);
	}
}

Test(tcp_cc, window_saturates_at_its_cap)
{
	struct xs_tcp_cc c;
	struct xs_tcp_cc_ack a = ack_of(0, UINT32_MAX, UINT32_MAX);
	int i;

	xs_tcp_cc_init(&c, &xs_tcp_newreno_ops, XS_TCP_CC_MAX_MSS, false, T0);
	c.ssthresh = XS_TCP_CC_CWND_MAX - 1;
	for (i = 0; i < 100000; i++)
		xs_tcp_cc_on_ack(&c, &a, T0);
	cr_assert_eq(c.cwnd, XS_TCP_CC_CWND_MAX);
	/* Inflation stops there too. */
	three_dupacks(&c, 0, 0, UINT32_MAX, T0);
	for (i = 4; i < 100000; i++)
		xs_tcp_cc_on_dupack(&c, (uint32_t)i, 0, 0, UINT32_MAX, T0);
	cr_assert_eq(c.cwnd, XS_TCP_CC_CWND_MAX);
}
