// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * RFC 6298 retransmission timeout: the arithmetic behind sock/tcp_rtt.h.
 * Called from the TCP input path with each RTT sample an ACK yields and from
 * the retransmit timer when it fires; pure, the caller passes every time.
 */
#include "sock/tcp_rtt.h"

#include <errno.h>

#include "sock/tcp_seq.h"

static uint64_t max_u64(uint64_t a, uint64_t b)
{
	return a > b ? a : b;
}

static uint64_t min_u64(uint64_t a, uint64_t b)
{
	return a < b ? a : b;
}

static uint32_t ns_to_us32(uint64_t ns)
{
	return (uint32_t)min_u64(ns / XS_NS_PER_US, UINT32_MAX);
}

/* RFC 6298 (2.2)-(2.5): RTO from SRTT and RTTVAR, clamped. */
static void compute_rto(struct xs_rtt *r)
{
	uint64_t rto = r->srtt_ns + max_u64(r->granularity_ns, 4 * r->rttvar_ns);

	r->rto_ns = min_u64(max_u64(rto, r->min_rto_ns), r->max_rto_ns);
}

static void sample(struct xs_rtt *r, uint64_t rtt_ns)
{
	rtt_ns = min_u64(max_u64(rtt_ns, 1), XS_TCP_RTT_SAMPLE_MAX_NS);
	if (!r->has_sample) {
		r->srtt_ns = rtt_ns;
		r->rttvar_ns = rtt_ns / 2;
		r->has_sample = true;
	} else {
		uint64_t delta = r->srtt_ns > rtt_ns ? r->srtt_ns - rtt_ns : rtt_ns - r->srtt_ns;

		/* RTTVAR first: it uses the SRTT from before this sample. */
		r->rttvar_ns = (3 * r->rttvar_ns + delta) / 4;
		r->srtt_ns = (7 * r->srtt_ns + rtt_ns) / 8;
	}
	compute_rto(r);
	r->backoff = 0;
}

int xs_rtt_init(struct xs_rtt *r, const struct xs_rtt_cfg *cfg)
{
	struct xs_rtt_cfg c = cfg ? *cfg : (struct xs_rtt_cfg){ 0 };
	int err = 0;

	if (!c.min_rto_ns)
		c.min_rto_ns = XS_TCP_RTO_MIN_NS;
	if (!c.max_rto_ns)
		c.max_rto_ns = XS_TCP_RTO_MAX_NS;
	if (!c.initial_rto_ns)
		c.initial_rto_ns = XS_TCP_TIMEOUT_INIT_NS;
	if (!c.granularity_ns)
		c.granularity_ns = XS_TCP_RTT_GRANULARITY_NS;
	if (c.min_rto_ns > c.max_rto_ns || c.initial_rto_ns < c.min_rto_ns ||
	    c.initial_rto_ns > c.max_rto_ns) {
		c = (struct xs_rtt_cfg){
			.min_rto_ns = XS_TCP_RTO_MIN_NS,
			.max_rto_ns = XS_TCP_RTO_MAX_NS,
			.initial_rto_ns = XS_TCP_TIMEOUT_INIT_NS,
			.granularity_ns = XS_TCP_RTT_GRANULARITY_NS,
		};
		err = -EINVAL;
	}
	*r = (struct xs_rtt){
		.rttvar_ns = c.initial_rto_ns / 4,
		.rto_ns = c.initial_rto_ns,
		.min_rto_ns = c.min_rto_ns,
		.max_rto_ns = c.max_rto_ns,
		.granularity_ns = c.granularity_ns,
	};
	return err;
}

bool xs_rtt_ack_seq(struct xs_rtt *r, uint64_t sent_ns, uint64_t now_ns, bool retransmitted)
{
	if (retransmitted || now_ns < sent_ns)
		return false;
	sample(r, now_ns - sent_ns);
	return true;
}

bool xs_rtt_ack_ts(struct xs_rtt *r, uint32_t tsecr, uint32_t tsval_now, uint64_t tick_ns)
{
	int32_t ticks = xs_seq_diff(tsval_now, tsecr);

	if (!tsecr || ticks < 0 || !tick_ns)
		return false;
	sample(r, (uint64_t)(ticks ? ticks : 1) * tick_ns);
	return true;
}

uint64_t xs_rtt_backoff(struct xs_rtt *r)
{
	if (r->backoff < UINT32_MAX)
		r->backoff++;
	return xs_rtt_rto_ns(r);
}

void xs_rtt_handshake_done(struct xs_rtt *r)
{
	if (r->has_sample)
		return;
	r->rto_ns = min_u64(max_u64(XS_TCP_TIMEOUT_FALLBACK_NS, r->min_rto_ns), r->max_rto_ns);
	r->rttvar_ns = r->rto_ns / 4;
	r->backoff = 0;
}

uint64_t xs_rtt_rto_ns(const struct xs_rtt *r)
{
	/* rto << backoff without overflow: it exceeds the cap exactly when
	 * rto > cap >> backoff. */
	if (r->backoff >= 64 || r->rto_ns > r->max_rto_ns >> r->backoff)
		return r->max_rto_ns;
	return r->rto_ns << r->backoff;
}

uint32_t xs_rtt_srtt_us(const struct xs_rtt *r)
{
	return ns_to_us32(r->srtt_ns);
}

uint32_t xs_rtt_rttvar_us(const struct xs_rtt *r)
{
	return ns_to_us32(r->rttvar_ns);
}

uint32_t xs_rtt_rto_us(const struct xs_rtt *r)
{
	return ns_to_us32(xs_rtt_rto_ns(r));
}
