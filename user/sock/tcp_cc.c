// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * The congestion-control framework (tcp_cc.h): the events the state
 * machine reports -- ACKs, duplicate ACKs, timeouts, restarts after idle --
 * turned into RFC 5681 / RFC 6582 window changes, with the per-algorithm
 * decisions delegated to tcp_newreno.c or tcp_cubic.c through
 * struct xs_tcp_cc_ops; and the registry that TCP_CONGESTION looks names up in.
 */
#include "sock/tcp_cc.h"

#include <errno.h>
#include <string.h>

#include "sock/tcp_seq.h"

static const struct xs_tcp_cc_ops *const registry[] = {
	&xs_tcp_cubic_ops,      /* first: the default */
	&xs_tcp_newreno_ops,
};

const struct xs_tcp_cc_ops *xs_tcp_cc_find(const char *name)
{
	size_t i;

	if (!name)
		return NULL;
	for (i = 0; i < sizeof(registry) / sizeof(registry[0]); i++)
		if (!strcmp(registry[i]->name, name))
			return registry[i];
	return NULL;
}

const struct xs_tcp_cc_ops *xs_tcp_cc_default(void)
{
	return registry[0];
}

void xs_tcp_cc_set_cwnd(struct xs_tcp_cc *c, uint64_t bytes)
{
	if (bytes < c->mss)
		bytes = c->mss;
	if (bytes > XS_TCP_CC_CWND_MAX)
		bytes = XS_TCP_CC_CWND_MAX;
	c->cwnd = (uint32_t)bytes;
}

void xs_tcp_cc_init(struct xs_tcp_cc *c, const struct xs_tcp_cc_ops *ops, uint32_t mss,
		    bool syn_lost, uint64_t now_ns)
{
	memset(c, 0, sizeof(*c));
	c->ops = ops ? ops : xs_tcp_cc_default();
	if (mss < XS_TCP_CC_MIN_MSS)
		mss = XS_TCP_CC_MIN_MSS;
	if (mss > XS_TCP_CC_MAX_MSS)
		mss = XS_TCP_CC_MAX_MSS;
	c->mss = mss;
	xs_tcp_cc_set_cwnd(c, syn_lost ? mss : (uint64_t)XS_TCP_CC_INIT_SEGS * mss);
	c->ssthresh = XS_TCP_CC_SSTHRESH_INF;
	if (c->ops->init)
		c->ops->init(c, now_ns);
}

int xs_tcp_cc_select(struct xs_tcp_cc *c, const char *name, uint64_t now_ns)
{
	const struct xs_tcp_cc_ops *ops = xs_tcp_cc_find(name);

	if (!ops)
		return -ENOENT;
	c->ops = ops;
	memset(&c->priv, 0, sizeof(c->priv));
	if (ops->init)
		ops->init(c, now_ns);
	return 0;
}

uint32_t xs_tcp_cc_slow_start(struct xs_tcp_cc *c, uint32_t acked)
{
	uint32_t l = (c->after_rto ? 1 : XS_TCP_CC_ABC_L) * c->mss;
	uint32_t inc = acked < l ? acked : l;
	uint32_t room;

	if (c->cwnd >= c->ssthresh)
		return acked;
	room = c->ssthresh - c->cwnd;
	if (inc < room) {
		xs_tcp_cc_set_cwnd(c, (uint64_t)c->cwnd + inc);
		return 0;
	}
	xs_tcp_cc_set_cwnd(c, c->ssthresh);
	return acked - room;
}

void xs_tcp_cc_cong_avoid_ai(struct xs_tcp_cc *c, uint32_t w, uint32_t acked)
{
	uint32_t n;

	if (!w)
		w = 1;
	/* Credit earned against a larger w: spend it gently (Linux). */
	if (c->ca_acked >= w) {
		c->ca_acked = 0;
		xs_tcp_cc_set_cwnd(c, (uint64_t)c->cwnd + c->mss);
	}
	c->ca_acked = (uint64_t)c->ca_acked + acked > UINT32_MAX ? UINT32_MAX : c->ca_acked + acked;
	if (c->ca_acked >= w) {
		n = c->ca_acked / w;
		c->ca_acked -= n * w;
		xs_tcp_cc_set_cwnd(c, (uint64_t)c->cwnd + (uint64_t)n * c->mss);
	}
}

/* The algorithm's ssthresh, never below 2 * SMSS whatever it answers. */
static uint32_t new_ssthresh(struct xs_tcp_cc *c, uint32_t flight, uint64_t now_ns)
{
	uint32_t s = c->ops->ssthresh(c, flight, now_ns);

	return s < 2 * c->mss ? 2 * c->mss : s;
}

void xs_tcp_cc_enter_recovery(struct xs_tcp_cc *c, uint32_t snd_nxt, uint32_t flight,
			      bool sack, uint64_t now_ns)
{
	if (c->in_recovery)
		return;
	c->ssthresh = new_ssthresh(c, flight, now_ns);
	c->recover = snd_nxt;
	c->recover_pending = true;
	c->in_recovery = true;
	c->recovery_sack = sack;
	c->partial_seen = false;
	c->after_rto = false;
	c->ca_acked = 0;
	/* RFC 5681 3.2 step 4 / RFC 6582 3.2 step 2: the three duplicates
	 * mean three segments left the network. */
	xs_tcp_cc_set_cwnd(c, (uint64_t)c->ssthresh + (sack ? 0 : 3ull * c->mss));
}

unsigned int xs_tcp_cc_on_dupack(struct xs_tcp_cc *c, uint32_t dupacks, uint32_t snd_una,
				 uint32_t snd_nxt, uint32_t flight, uint64_t now_ns)
{
	if (c->in_recovery) {
		if (!c->recovery_sack)
			xs_tcp_cc_set_cwnd(c, (uint64_t)c->cwnd + c->mss);
		return 0;
	}
	if (dupacks != XS_TCP_CC_DUPTHRESH)
		return 0;
	/* RFC 6582 3.2 step 1: only when the ACK covers the last recover point. */
	if (c->recover_pending && xs_seq_lt(snd_una, c->recover))
		return 0;
	xs_tcp_cc_enter_recovery(c, snd_nxt, flight, false, now_ns);
	return XS_TCP_CC_RETRANSMIT;
}

/* An ACK at or past recover during fast recovery (RFC 6582 3.2 step 3). */
static unsigned int full_ack(struct xs_tcp_cc *c, const struct xs_tcp_cc_ack *a)
{
	uint32_t left = a->flight > a->acked ? a->flight - a->acked : 0;
	uint64_t w = (uint64_t)(left > c->mss ? left : c->mss) + c->mss;

	c->in_recovery = false;
	c->recover_pending = false;
	c->ca_acked = 0;
	if (!c->recovery_sack || c->cwnd > c->ssthresh)
		xs_tcp_cc_set_cwnd(c, w < c->ssthresh ? w : c->ssthresh);
	return XS_TCP_CC_RECOVERED;
}

/* An ACK below recover during fast recovery (RFC 6582 3.2 step 5). */
static unsigned int partial_ack(struct xs_tcp_cc *c, const struct xs_tcp_cc_ack *a)
{
	unsigned int out = XS_TCP_CC_RETRANSMIT;

	if (!c->partial_seen)
		out |= XS_TCP_CC_RESTART_RTO;
	c->partial_seen = true;
	if (c->recovery_sack)   /* RFC 6675: the scoreboard picks what to resend */
		return out & ~XS_TCP_CC_RETRANSMIT;
	xs_tcp_cc_set_cwnd(c, (c->cwnd > a->acked ? c->cwnd - a->acked : 0) +
			      (a->acked >= c->mss ? c->mss : 0));
	return out;
}

unsigned int xs_tcp_cc_on_ack(struct xs_tcp_cc *c, const struct xs_tcp_cc_ack *a, uint64_t now_ns)
{
	bool cwnd_limited;

	if (a->rtt_ns && c->ops->rtt_sample)
		c->ops->rtt_sample(c, a->rtt_ns, now_ns);
	if (!a->acked)
		return 0;
	if (c->in_recovery)
		return xs_seq_lt(a->ack, c->recover) ? partial_ack(c, a) : full_ack(c, a);
	if (c->recover_pending && xs_seq_ge(a->ack, c->recover)) {
		/* The loss episode of the last RTO is over; also keeps recover
		 * from going stale 2^31 bytes later, when xs_seq_lt() would
		 * turn around and refuse every fast retransmit. */
		c->recover_pending = false;
		c->after_rto = false;
	}
	cwnd_limited = (uint64_t)a->flight + c->mss > c->cwnd ||
		       (c->cwnd < c->ssthresh && c->cwnd < 2ull * a->flight);
	c->ops->cong_avoid(c, a->acked, cwnd_limited, now_ns);
	return 0;
}

void xs_tcp_cc_on_rto(struct xs_tcp_cc *c, uint32_t flight, uint32_t snd_nxt, bool again,
		      uint64_t now_ns)
{
	if (!again && !c->in_recovery)
		c->ssthresh = new_ssthresh(c, flight, now_ns);
	c->in_recovery = false;
	c->recovery_sack = false;
	c->recover = snd_nxt;
	c->recover_pending = true;
	c->after_rto = true;
	c->ca_acked = 0;
	xs_tcp_cc_set_cwnd(c, c->mss);
	if (c->ops->on_rto)
		c->ops->on_rto(c, now_ns);
}

void xs_tcp_cc_on_idle(struct xs_tcp_cc *c, uint64_t idle_ns, uint64_t rto_ns, uint64_t now_ns)
{
	uint32_t iw = XS_TCP_CC_INIT_SEGS * c->mss;
	uint32_t restart = iw < c->cwnd ? iw : c->cwnd;
	uint32_t cwnd = c->cwnd;

	if (!rto_ns || idle_ns <= rto_ns || c->in_recovery)
		return;
	/* Linux's tcp_current_ssthresh(): remember most of the old window. */
	if (c->ssthresh < (cwnd >> 1) + (cwnd >> 2))
		c->ssthresh = (cwnd >> 1) + (cwnd >> 2);
	while (idle_ns > rto_ns && cwnd > restart) {
		idle_ns -= rto_ns;
		cwnd /= 2;
	}
	xs_tcp_cc_set_cwnd(c, cwnd > restart ? cwnd : restart);
	c->ca_acked = 0;
	if (c->ops->on_restart)
		c->ops->on_restart(c, now_ns);
}
