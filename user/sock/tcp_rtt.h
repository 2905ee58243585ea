/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * The retransmission timeout of one TCP connection (RFC 6298): round-trip
 * samples in, the RTO to arm the retransmit timer with out.  tcp_in.c feeds
 * it the samples an arriving ACK yields, tcp_timer.c backs it off when the
 * timer fires, and the TCP_INFO getter reads it.  It keeps no globals and
 * reads no clock: every time is a uint64_t in nanoseconds that the caller
 * passes.
 *
 * Estimator (RFC 6298 2.2-2.5), alpha = 1/8, beta = 1/4, K = 4:
 *   first sample R:  SRTT = R, RTTVAR = R/2
 *   later samples:   RTTVAR = 3/4 RTTVAR + 1/4 |SRTT - R|   (old SRTT)
 *                    SRTT   = 7/8 SRTT + 1/8 R
 *   RTO = min(max(SRTT + max(G, K * RTTVAR), min_rto), max_rto)
 * with integer nanoseconds, each division truncating.  Before the first
 * sample the RTO is the initial one (1 s).
 *
 * Defaults are Linux's: TCP_RTO_MIN 200 ms, TCP_RTO_MAX 120 s,
 * TCP_TIMEOUT_INIT 1 s, TCP_TIMEOUT_FALLBACK 3 s.  Where Linux's own
 * estimator departs from RFC 6298 (it keeps the largest deviation seen over
 * the last RTT, mdev_max, and computes RTO = SRTT + max(4 * RTTVAR, rto_min),
 * so its floor applies to the variance term, not the whole RTO) this module
 * follows the RFC: on a 10 ms path Linux arms about 210 ms, this 200 ms.
 *
 * Karn's rule is the caller's half of the contract: an ACK for data that
 * was sent more than once cannot tell which transmission it answers, so
 * its send time yields no sample.  The caller marks a segment when it
 * retransmits it and passes the mark to xs_rtt_ack_seq(), which then takes
 * no sample.  The timestamp path (RFC 7323 4 "RTTM") has no such ambiguity
 * (TSecr names the transmission), so xs_rtt_ack_ts() samples after a
 * retransmission too.  Either valid sample ends the backoff: a backed-off
 * RTO stays in force until then (Karn's second half, RFC 6298 5.5-5.7).
 */
#ifndef XS_SOCK_TCP_RTT_H
#define XS_SOCK_TCP_RTT_H

#include <stdbool.h>
#include <stdint.h>

#define XS_NS_PER_US 1000ULL
#define XS_NS_PER_MS 1000000ULL
#define XS_NS_PER_S  1000000000ULL

#define XS_TCP_RTO_MIN_NS          (200 * XS_NS_PER_MS) /* Linux TCP_RTO_MIN */
#define XS_TCP_RTO_MAX_NS          (120 * XS_NS_PER_S)  /* Linux TCP_RTO_MAX */
#define XS_TCP_TIMEOUT_INIT_NS     (1 * XS_NS_PER_S)    /* RFC 6298 2.1, Linux */
#define XS_TCP_TIMEOUT_FALLBACK_NS (3 * XS_NS_PER_S)    /* RFC 6298 5.7, Linux */
/* G: how late the retransmit timer may fire.  The stack's timer thread sets
 * the real value; 1 ms is one tick of a millisecond timer wheel. */
#define XS_TCP_RTT_GRANULARITY_NS  (1 * XS_NS_PER_MS)
/* Longer samples count as this long: no real path has a one-hour RTT, and
 * the bound keeps 7 * SRTT and 4 * RTTVAR far from overflowing. */
#define XS_TCP_RTT_SAMPLE_MAX_NS   (3600 * XS_NS_PER_S)

struct xs_rtt_cfg {
	uint64_t min_rto_ns;      /* 0: XS_TCP_RTO_MIN_NS */
	uint64_t max_rto_ns;      /* 0: XS_TCP_RTO_MAX_NS */
	uint64_t initial_rto_ns;  /* 0: XS_TCP_TIMEOUT_INIT_NS */
	uint64_t granularity_ns;  /* 0: XS_TCP_RTT_GRANULARITY_NS */
};

/* One connection's estimator.  Read the fields, change them only through
 * the functions below. */
struct xs_rtt {
	uint64_t srtt_ns;         /* 0 until the first sample */
	uint64_t rttvar_ns;       /* before a sample: initial RTO / 4, as Linux reports */
	uint64_t rto_ns;          /* the estimate, before backoff */
	uint64_t min_rto_ns;
	uint64_t max_rto_ns;
	uint64_t granularity_ns;
	uint32_t backoff;         /* timer expiries since the last valid sample (tcpi_backoff) */
	bool has_sample;
};

/*
 * Starts an estimator: no sample, RTO = the initial RTO.  cfg may be NULL
 * (all defaults); a zero field takes its default.  Returns 0, or -EINVAL
 * when min_rto > max_rto or the initial RTO lies outside [min, max]
 * (r is then left with the defaults).
 */
int xs_rtt_init(struct xs_rtt *r, const struct xs_rtt_cfg *cfg);

/*
 * An ACK acknowledged new data first sent at sent_ns (the caller's clock,
 * the same one as now_ns).  retransmitted: that data was sent more than
 * once, so (Karn) the sample is refused.  Also refused: now_ns < sent_ns.
 * A taken sample updates SRTT/RTTVAR/RTO and ends the backoff; a zero RTT
 * counts as 1 ns.  Returns whether a sample was taken.
 */
bool xs_rtt_ack_seq(struct xs_rtt *r, uint64_t sent_ns, uint64_t now_ns, bool retransmitted);

/*
 * RFC 7323 RTTM: an ACK that acknowledged new data echoed tsecr, and the
 * connection's timestamp clock (the TSval it would send now, per-connection
 * offset included, so the offset cancels) reads tsval_now; one tick is
 * tick_ns.  Valid whether or not the data was retransmitted.  The caller
 * passes only ACKs that acknowledge new data and passed PAWS (RFC 7323 4.2:
 * an echo from a duplicate or window-update ACK would inflate the RTT).
 * Refused, as Linux does: tsecr == 0 (some peers echo 0 when they saw no
 * timestamp), an echo from the future (tsval_now - tsecr negative in
 * sequence space), tick_ns == 0.  An echo from this tick counts as one tick
 * (timestamp RTTs are only as fine as the tick: prefer xs_rtt_ack_seq()
 * when the segment was sent once).  Returns whether a sample was taken.
 */
bool xs_rtt_ack_ts(struct xs_rtt *r, uint32_t tsecr, uint32_t tsval_now, uint64_t tick_ns);

/*
 * The retransmit timer expired (RFC 6298 5.5): the RTO doubles, up to the
 * maximum, until the next valid sample.  Returns the RTO to re-arm with.
 */
uint64_t xs_rtt_backoff(struct xs_rtt *r);

/*
 * The handshake has completed.  If it gave no RTT sample (its SYN or
 * SYN-ACK was retransmitted), the RTO goes back to 3 s for the data that
 * follows (RFC 6298 5.7; Linux's TCP_TIMEOUT_FALLBACK, with RTTVAR reported
 * as 750 ms) and the backoff restarts.  With a sample, nothing changes.
 */
void xs_rtt_handshake_done(struct xs_rtt *r);

/* The RTO to arm the retransmit timer with now: the estimate doubled once
 * per backoff, capped at the maximum. */
uint64_t xs_rtt_rto_ns(const struct xs_rtt *r);

/* TCP_INFO, in microseconds, truncated, as Linux fills struct tcp_info. */
/* tcpi_rtt: SRTT (Linux: srtt_us >> 3); 0 before the first sample. */
uint32_t xs_rtt_srtt_us(const struct xs_rtt *r);
/* tcpi_rttvar: RTTVAR (Linux: mdev_us >> 2); 250000 on a new connection. */
uint32_t xs_rtt_rttvar_us(const struct xs_rtt *r);
/* tcpi_rto: the current, backed-off RTO. */
uint32_t xs_rtt_rto_us(const struct xs_rtt *r);

#endif /* XS_SOCK_TCP_RTT_H */
