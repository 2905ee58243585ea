// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * "cubic": RFC 9438, the default algorithm (as on Linux).  The framework
 * (tcp_cc.c) runs slow start and loss recovery and calls in here for the
 * ssthresh of a loss and for growth in congestion avoidance, where the
 * window follows
 *
 *     W_cubic(t) = C * (t - K)^3 + W_max,   K = cbrt((W_max - cwnd_epoch) / C)
 *
 * with C = 0.4 and beta_cubic = 0.7, and never grows slower than the
 * Reno-friendly estimate W_est (alpha_cubic = 3 (1 - beta) / (1 + beta)).
 *
 * Units.  Windows are bytes, like the framework's (Linux's cubic counts
 * segments): C = 0.4 segments/s^3 becomes 2 * SMSS / 5 bytes/s^3.  The
 * curve's time t and K are whole milliseconds (Linux: 1/1024 s); the
 * cube term C * (t - K)^3 is truncated to whole bytes.  All
 * integer: the cube root is exact (digit by digit), products stay within
 * uint64_t because windows are bounded by XS_TCP_CC_CWND_MAX and SMSS by
 * XS_TCP_CC_MAX_MSS.  beta = 7/10 and the fast-convergence factor
 * (1 + beta) / 2 = 17/20 are exact fractions (Linux: 717/1024).
 *
 * Choices:
 *  - The target is W_cubic(t + RTT) clamped to [cwnd, 1.5 cwnd] (RFC 9438
 *    4.2/4.4) with RTT the minimum RTT seen since the last RTO (Linux's
 *    delay_min); cwnd grows by (target - cwnd) / cwnd segments per segment
 *    acknowledged, in whole SMSS steps through xs_tcp_cc_cong_avoid_ai().
 *    A target at or below cwnd leaves cwnd alone (Linux creeps by one
 *    segment per 100 windows).
 *  - Reno-friendly region (4.3): when W_cubic(t) < W_est, cwnd = W_est,
 *    byte-exact; alpha_cubic = 9/17 until W_est reaches the window of the
 *    last reduction (cwnd_prior), then 1, as the RFC says.
 *  - A loss sets ssthresh = 0.7 * cwnd (4.6: cwnd, not FlightSize, as
 *    Linux); fast convergence (4.7) lowers W_max to 0.85 * cwnd when the
 *    window did not regain the previous W_max.
 *  - After an RTO (4.8) W_max is forgotten, so the next stage starts with
 *    K = 0 and W_max = W_est = the window it starts with; the minimum RTT
 *    is forgotten too (Linux's bictcp_reset()).
 *  - Application-limited time (5.8) does not count in t: an ACK that
 *    arrives while the window did not limit the sender moves t_epoch on
 *    by the time since the previous ACK.  A restart after idle starts a
 *    new stage from the restarted window.
 *  - No HyStart++ (RFC 9406): slow start is the framework's.
 */
#include "sock/tcp_cc.h"

#define NS_PER_MS 1000000ull
/* C = 2/5: bytes = 2 * SMSS * (t_ms)^3 / (5 * 10^9). */
#define CUBIC_C_NUM 2ull
#define CUBIC_C_DEN_MS3 5000000000ull
/* |t - K| beyond this (33 min) gives more than any window: saturate. */
#define CUBIC_D_MAX_MS 2000000ull

uint32_t xs_tcp_cubic_cbrt(uint64_t x)
{
	uint64_t y = 0, b;
	int s;

	/* Hacker's Delight icbrt64: one result bit per three bits of x;
	 * (x >> s) >= b keeps b << s from overflowing. */
	for (s = 63; s >= 0; s -= 3) {
		y <<= 1;
		b = 3 * y * (y + 1) + 1;
		if ((x >> s) >= b) {
			x -= b << s;
			y++;
		}
	}
	return (uint32_t)y;
}

uint32_t xs_tcp_cubic_k_ms(uint32_t w_max, uint32_t cwnd_epoch, uint32_t mss)
{
	uint64_t seg_micro;

	if (cwnd_epoch >= w_max || !mss)
		return 0;
	/* K^3 [ms^3] = (W_max - cwnd_epoch) [segments] / 0.4 * 10^9
	 *            = diff_bytes / mss * 2.5 * 10^9
	 * as (diff * 10^6 / mss) * 2500: at most 2^32 * 10^6 * 2500 < 2^64. */
	seg_micro = (uint64_t)(w_max - cwnd_epoch) * 1000000u / mss;
	return xs_tcp_cubic_cbrt(seg_micro * 2500u);
}

uint32_t xs_tcp_cubic_window(uint32_t w_max, uint32_t k_ms, uint32_t mss, uint64_t t_ms)
{
	uint64_t d = t_ms > k_ms ? t_ms - k_ms : k_ms - t_ms;
	uint64_t m = CUBIC_C_NUM * mss, d3, delta;

	if (d > CUBIC_D_MAX_MS) {
		delta = XS_TCP_CC_CWND_MAX;
	} else {
		d3 = d * d * d;                 /* <= 8e18 */
		/* floor(d3 * m / D) without the 80-bit product. */
		delta = d3 / CUBIC_C_DEN_MS3 * m + d3 % CUBIC_C_DEN_MS3 * m / CUBIC_C_DEN_MS3;
	}
	if (t_ms < k_ms)
		return delta >= w_max ? 0 : (uint32_t)(w_max - delta);
	delta += w_max;
	return delta > XS_TCP_CC_CWND_MAX ? XS_TCP_CC_CWND_MAX : (uint32_t)delta;
}

static void cubic_init(struct xs_tcp_cc *c, uint64_t now_ns)
{
	c->priv.cubic.last_ack_ns = now_ns;
}

/* RFC 9438 4.6 and 4.7. */
static uint32_t cubic_ssthresh(struct xs_tcp_cc *c, uint32_t flight, uint64_t now_ns)
{
	struct xs_tcp_cubic *cu = &c->priv.cubic;
	uint64_t cwnd = c->cwnd;

	cu->cwnd_prior = c->cwnd;
	if (c->cwnd < cu->w_max)
		cu->w_max = (uint32_t)(cwnd * 17 / 20);
	else
		cu->w_max = c->cwnd;
	cu->in_epoch = false;
	return (uint32_t)(cwnd * 7 / 10);
}

static void epoch_begin(struct xs_tcp_cc *c, uint64_t now_ns)
{
	struct xs_tcp_cubic *cu = &c->priv.cubic;

	cu->in_epoch = true;
	cu->epoch_ns = now_ns;
	cu->cwnd_epoch = c->cwnd;
	cu->w_est = c->cwnd;
	cu->est_rem = 0;
	if (cu->w_max > c->cwnd) {
		cu->k_ms = xs_tcp_cubic_k_ms(cu->w_max, c->cwnd, c->mss);
	} else {
		/* After an RTO (W_max forgotten) or above the old maximum:
		 * the curve starts here, convex. */
		cu->k_ms = 0;
		cu->w_max = c->cwnd;
	}
	c->ca_acked = 0;
}

/* W_est += alpha_cubic * acked / cwnd (in segments: * SMSS for bytes),
 * alpha = 9/17 below cwnd_prior and 17/17 from there, remainder kept. */
static void reno_estimate(struct xs_tcp_cc *c, uint32_t acked)
{
	struct xs_tcp_cubic *cu = &c->priv.cubic;
	uint64_t alpha17 = cu->w_est >= cu->cwnd_prior ? 17 : 9;
	uint64_t den = 17ull * c->cwnd;
	uint64_t num = alpha17 * acked * c->mss + cu->est_rem;
	uint64_t w = cu->w_est + num / den;

	cu->est_rem = num % den;
	cu->w_est = w > XS_TCP_CC_CWND_MAX ? XS_TCP_CC_CWND_MAX : (uint32_t)w;
}

static void cubic_cong_avoid(struct xs_tcp_cc *c, uint32_t acked, bool cwnd_limited,
			     uint64_t now_ns)
{
	struct xs_tcp_cubic *cu = &c->priv.cubic;
	uint64_t t_ns, target, cwnd;
	uint32_t w_t;

	if (!cwnd_limited) {
		if (cu->in_epoch && now_ns > cu->last_ack_ns)
			cu->epoch_ns += now_ns - cu->last_ack_ns;
		cu->last_ack_ns = now_ns;
		return;
	}
	cu->last_ack_ns = now_ns;
	if (c->cwnd < c->ssthresh) {
		acked = xs_tcp_cc_slow_start(c, acked);
		if (!acked)
			return;
	}
	if (!cu->in_epoch)
		epoch_begin(c, now_ns);

	t_ns = now_ns > cu->epoch_ns ? now_ns - cu->epoch_ns : 0;
	w_t = xs_tcp_cubic_window(cu->w_max, cu->k_ms, c->mss, t_ns / NS_PER_MS);
	reno_estimate(c, acked);
	if (w_t < cu->w_est) {
		if (cu->w_est > c->cwnd)
			xs_tcp_cc_set_cwnd(c, cu->w_est);
		return;
	}

	cwnd = c->cwnd;
	target = xs_tcp_cubic_window(cu->w_max, cu->k_ms, c->mss,
				     (t_ns + cu->min_rtt_ns) / NS_PER_MS);
	if (target > cwnd + cwnd / 2)
		target = cwnd + cwnd / 2;
	if (target <= cwnd)
		return;
	/* (target - cwnd) / cwnd segments per segment acked: one SMSS per
	 * cwnd * SMSS / (target - cwnd) bytes, at least 2 * SMSS. */
	xs_tcp_cc_cong_avoid_ai(c, (uint32_t)(cwnd * c->mss / (target - cwnd)), acked);
}

static void cubic_rtt_sample(struct xs_tcp_cc *c, uint64_t rtt_ns, uint64_t now_ns)
{
	struct xs_tcp_cubic *cu = &c->priv.cubic;

	if (!cu->min_rtt_ns || rtt_ns < cu->min_rtt_ns)
		cu->min_rtt_ns = rtt_ns;
}

static void cubic_on_rto(struct xs_tcp_cc *c, uint64_t now_ns)
{
	struct xs_tcp_cubic *cu = &c->priv.cubic;

	cu->w_max = 0;
	cu->min_rtt_ns = 0;
	cu->in_epoch = false;
}

static void cubic_on_restart(struct xs_tcp_cc *c, uint64_t now_ns)
{
	c->priv.cubic.in_epoch = false;
	c->priv.cubic.last_ack_ns = now_ns;
}

const struct xs_tcp_cc_ops xs_tcp_cubic_ops = {
	.name = "cubic",
	.init = cubic_init,
	.ssthresh = cubic_ssthresh,
	.cong_avoid = cubic_cong_avoid,
	.rtt_sample = cubic_rtt_sample,
	.on_rto = cubic_on_rto,
	.on_restart = cubic_on_restart,
};
