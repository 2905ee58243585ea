/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * TCP congestion control: the sending window of one connection, grown by
 * arriving ACKs and cut by loss.  tcp_in.c calls xs_tcp_cc_on_ack() and
 * xs_tcp_cc_on_dupack() for what arrives, tcp_timer.c xs_tcp_cc_on_rto(),
 * tcp_out.c xs_tcp_cc_on_idle() before sending after a pause and reads
 * cwnd; the TCP_CONGESTION option goes through xs_tcp_cc_find() and
 * xs_tcp_cc_select().  Pure like the rest of sock/: no globals, no clock
 * (every time is a uint64_t in nanoseconds from the caller), no device.
 *
 *   tcp_cc.c       the framework: init, the RFC 5681/6582 events, the
 *                  registry, and the two growth helpers every algorithm
 *                  uses (slow start with ABC, additive increase)
 *   tcp_newreno.c  "reno": RFC 5681 with RFC 6582 NewReno recovery
 *   tcp_cubic.c    "cubic": RFC 9438, the default as on Linux
 *
 * The split is Linux's (tcp_cong.c vs tcp_cubic.c): what every algorithm
 * shares -- when to enter and leave fast recovery, the NewReno recover
 * point, partial-ACK deflation, the RTO collapse, restart after idle --
 * lives in the framework; an algorithm (struct xs_tcp_cc_ops) decides only
 * the new ssthresh on loss and how the window grows, plus what it resets.
 *
 * Units.  cwnd and ssthresh are bytes, as in RFC 5681 (Linux counts
 * segments): the state machine compares them with FlightSize in bytes.
 * Growth is still in whole SMSS steps outside recovery -- slow start adds
 * at most L*SMSS per ACK, congestion avoidance adds SMSS once cwnd bytes
 * (Reno) have been acknowledged -- so a window that starts as a multiple
 * of SMSS stays one until a loss halves it.  Sequence numbers are the
 * 32-bit wrapping ones of tcp_seq.h.
 *
 * Choices, where the RFCs leave room or Linux departs from them:
 *  - Initial window: 10 * SMSS (RFC 6928, Linux's TCP_INIT_CWND), without
 *    RFC 6928's 14600-byte cap for large SMSS, as Linux; 1 * SMSS when the
 *    SYN or SYN-ACK was retransmitted (RFC 5681 3.1, Linux too).
 *  - Initial ssthresh: XS_TCP_CC_SSTHRESH_INF ("arbitrarily high").
 *  - Slow start: Appropriate Byte Counting (RFC 3465) with L = 2*SMSS: an
 *    ACK for N new bytes adds min(N, 2*SMSS), and L = 1*SMSS in the slow
 *    start that follows an RTO (RFC 3465 2.3).  Linux adds one segment
 *    per segment acknowledged with no limit; a stretch ACK for 8 segments
 *    grows Linux's window by 8 and this one by 2.  Slow start stops at
 *    ssthresh exactly; bytes of the same ACK beyond it count toward
 *    congestion avoidance (Linux's tcp_slow_start()).
 *  - Congestion avoidance (Reno): byte counting, RFC 5681 3.1: once cwnd
 *    bytes have been acknowledged, cwnd += SMSS (per RTT: + 1 SMSS).
 *  - Growth only when the window limited the sender: FlightSize (when the
 *    ACK arrived) + SMSS > cwnd, or in slow start cwnd < 2 * FlightSize
 *    (Linux's tcp_is_cwnd_limited(), RFC 7661's concern).
 *  - Loss recovery without SACK is RFC 6582 NewReno: on the third
 *    duplicate ACK, ssthresh from the algorithm, cwnd = ssthresh + 3*SMSS,
 *    + SMSS per further duplicate; a partial ACK deflates cwnd by the
 *    bytes it acknowledged, adds back SMSS when that was at least SMSS, and
 *    asks for the next hole to be retransmitted; the full ACK sets
 *    cwnd = min(ssthresh, max(FlightSize, SMSS) + SMSS) (RFC 6582's option
 *    (1), no burst).  Linux runs PRR instead and ends at cwnd = ssthresh.
 *    With SACK (RFC 6675, the scoreboard of tcp_sack.h) recovery starts at
 *    cwnd = ssthresh and the window neither inflates nor deflates.
 *  - RTO: ssthresh from the algorithm (Reno: max(FlightSize/2, 2*SMSS),
 *    RFC 5681 (4)), cwnd = 1 * SMSS (the loss window), recover = SND.NXT.
 *    ssthresh is kept when the same segment times out again (RFC 5681
 *    3.1) and when the timeout hits during fast recovery (the window was
 *    already cut for that loss; Linux's tcp_enter_loss() does the same).
 *  - Restart after idle (tcp_out.c calls it when it sends after a pause
 *    with nothing in flight): Linux's tcp_cwnd_restart(), not RFC 5681
 *    4.1's cut straight to the restart window: ssthresh = max(ssthresh,
 *    3/4 cwnd), cwnd halved once per RTO of idleness beyond the first,
 *    never below min(IW, cwnd).
 *  - Not here: undo of spurious reductions (Eifel, F-RTO, DSACK), ECN's
 *    CWR, PRR, HyStart++ -- none of these exist in the state machine yet.
 */
#ifndef XS_SOCK_TCP_CC_H
#define XS_SOCK_TCP_CC_H

#include <stdbool.h>
#include <stdint.h>

#define XS_TCP_CC_NAME_MAX      16              /* Linux TCP_CA_NAME_MAX, NUL included */
#define XS_TCP_CC_INIT_SEGS     10              /* IW10: RFC 6928, Linux TCP_INIT_CWND */
#define XS_TCP_CC_ABC_L         2               /* RFC 3465 L, in SMSS */
#define XS_TCP_CC_DUPTHRESH     3               /* RFC 5681 DupThresh */
#define XS_TCP_CC_SSTHRESH_INF  UINT32_MAX      /* before the first loss */
/* An MSS below Linux's TCP_MIN_MSS counts as that, so a zero from a caller
 * cannot zero the window or divide by it; above 65535 the IPv4/IPv6
 * (non-jumbo) datagram cannot carry it. */
#define XS_TCP_CC_MIN_MSS       88
#define XS_TCP_CC_MAX_MSS       65535
/* The largest window a peer can offer (65535 << 14, RFC 7323 2.3) rounded
 * up: a cwnd beyond it never permits more, and the bound keeps every
 * product below from overflowing. */
#define XS_TCP_CC_CWND_MAX      (1u << 30)

struct xs_tcp_cc;

/*
 * CUBIC's own state (tcp_cubic.c, RFC 9438 names).  Windows are bytes, the
 * curve's time is milliseconds: C = 0.4 segments/s^3 is applied as
 * 2 * SMSS / 5 bytes per s^3.
 */
struct xs_tcp_cubic {
	uint64_t epoch_ns;          /* t_epoch: this congestion avoidance stage began */
	uint64_t last_ack_ns;       /* the previous ACK, to leave application-limited time out of t */
	uint64_t min_rtt_ns;        /* the RTT added to t for the target (Linux: delay_min); 0 unknown */
	uint64_t est_rem;           /* W_est's fractional bytes, in 1/(17 * cwnd) */
	uint32_t w_max;             /* W_max: window before the last reduction, after fast convergence */
	uint32_t cwnd_prior;        /* cwnd when ssthresh was last set by a loss */
	uint32_t cwnd_epoch;        /* cwnd at t_epoch */
	uint32_t k_ms;              /* K */
	uint32_t w_est;             /* W_est, the Reno-friendly estimate */
	bool in_epoch;              /* false: the next ACK in congestion avoidance starts one */
};

/* One connection's congestion state.  Read the fields; change them only
 * through the functions below (the algorithms through the helpers). */
struct xs_tcp_cc {
	const struct xs_tcp_cc_ops *ops;
	uint32_t mss;               /* SMSS, bytes */
	uint32_t cwnd;              /* bytes */
	uint32_t ssthresh;          /* bytes; XS_TCP_CC_SSTHRESH_INF before the first loss */
	uint32_t ca_acked;          /* bytes acknowledged toward the next + SMSS (RFC 5681 bytes_acked) */
	uint32_t recover;           /* RFC 6582 recover, kept as SND.NXT: one past the highest sent */
	bool recover_pending;       /* recover is ahead of SND.UNA: no new fast retransmit yet */
	bool in_recovery;           /* in fast recovery */
	bool recovery_sack;         /* ... under RFC 6675 (no inflation, no deflation) */
	bool partial_seen;          /* a partial ACK arrived in this recovery */
	bool after_rto;             /* slow start after an RTO: L = 1 * SMSS */
	union {
		struct xs_tcp_cubic cubic;
		uint64_t align[12];     /* room for the largest; zeroed on init and select */
	} priv;
};

/*
 * An algorithm.  The framework calls these; the state machine never does.
 * Only name, ssthresh and cong_avoid are required.
 */
struct xs_tcp_cc_ops {
	const char *name;           /* as TCP_CONGESTION spells it */
	/* Private state: priv is zero, cwnd and ssthresh already set. */
	void (*init)(struct xs_tcp_cc *c, uint64_t now_ns);
	/* A loss (third duplicate ACK, SACK loss, RTO): returns the new
	 * ssthresh, at least 2 * SMSS.  cwnd is still the window the loss
	 * happened in; flight is FlightSize. */
	uint32_t (*ssthresh)(struct xs_tcp_cc *c, uint32_t flight, uint64_t now_ns);
	/* An ACK for acked new bytes outside recovery: grow cwnd (slow start
	 * below ssthresh, with xs_tcp_cc_slow_start()).  cwnd_limited false:
	 * the application, not cwnd, limited the sender; do not grow. */
	void (*cong_avoid)(struct xs_tcp_cc *c, uint32_t acked, bool cwnd_limited, uint64_t now_ns);
	/* A valid RTT sample (Karn) from an ACK, > 0. */
	void (*rtt_sample)(struct xs_tcp_cc *c, uint64_t rtt_ns, uint64_t now_ns);
	/* After an RTO collapsed cwnd (ssthresh already called unless kept). */
	void (*on_rto)(struct xs_tcp_cc *c, uint64_t now_ns);
	/* After a restart from idle cut cwnd. */
	void (*on_restart)(struct xs_tcp_cc *c, uint64_t now_ns);
};

/* ---- the registry (TCP_CONGESTION) ---------------------------------------- */

/* "reno" or "cubic", exactly (case matters, as on Linux); NULL for any
 * other name, which setsockopt(TCP_CONGESTION) reports as ENOENT. */
const struct xs_tcp_cc_ops *xs_tcp_cc_find(const char *name);

/* The algorithm of a new socket: CUBIC, as Linux's default. */
const struct xs_tcp_cc_ops *xs_tcp_cc_default(void);

extern const struct xs_tcp_cc_ops xs_tcp_newreno_ops;
extern const struct xs_tcp_cc_ops xs_tcp_cubic_ops;

/* ---- what the state machine calls ----------------------------------------- */

/* What xs_tcp_cc_on_ack() and xs_tcp_cc_on_dupack() ask the sender to do. */
enum {
	XS_TCP_CC_RETRANSMIT   = 1u << 0,   /* retransmit the segment at SND.UNA now */
	XS_TCP_CC_RESTART_RTO  = 1u << 1,   /* restart the retransmit timer (first partial ACK) */
	XS_TCP_CC_RECOVERED    = 1u << 2,   /* fast recovery ended with this ACK */
};

/*
 * A new connection (or one whose MSS is now known): ops (NULL: the
 * default), SMSS mss clamped to [XS_TCP_CC_MIN_MSS, XS_TCP_CC_MAX_MSS],
 * cwnd = IW (1 * SMSS when syn_lost: the SYN or SYN-ACK was retransmitted),
 * ssthresh infinite, no recover point.
 */
void xs_tcp_cc_init(struct xs_tcp_cc *c, const struct xs_tcp_cc_ops *ops, uint32_t mss,
		    bool syn_lost, uint64_t now_ns);

/*
 * setsockopt(TCP_CONGESTION): switches c to the algorithm called name.
 * cwnd and ssthresh carry over and the new algorithm starts with fresh
 * private state (Linux's tcp_reinit_congestion_control()).  Returns 0, or
 * -ENOENT for an unknown name (c unchanged).
 */
int xs_tcp_cc_select(struct xs_tcp_cc *c, const char *name, uint64_t now_ns);

/* An arriving ACK, as the state machine saw it. */
struct xs_tcp_cc_ack {
	uint32_t ack;               /* its cumulative ACK: SND.UNA after it */
	uint32_t acked;             /* new bytes it acknowledged (SYN/FIN excluded), > 0 */
	uint32_t flight;            /* FlightSize when it arrived, these bytes included */
	uint64_t rtt_ns;            /* a valid RTT sample it gave (Karn), 0 for none */
};

/*
 * An ACK that acknowledged new data.  Outside recovery it grows cwnd (the
 * algorithm's cong_avoid); in recovery it is partial (returns
 * XS_TCP_CC_RETRANSMIT, with XS_TCP_CC_RESTART_RTO the first time,
 * RFC 6582 3.2 step 5) or full (returns XS_TCP_CC_RECOVERED).  An ACK
 * with acked == 0 only passes its RTT sample on.
 */
unsigned int xs_tcp_cc_on_ack(struct xs_tcp_cc *c, const struct xs_tcp_cc_ack *a, uint64_t now_ns);

/*
 * A duplicate ACK (RFC 5681 2's definition), the dupacks-th in a row, for
 * a connection without SACK.  The third enters fast recovery (returns
 * XS_TCP_CC_RETRANSMIT: fast retransmit of SND.UNA) unless RFC 6582's
 * check holds it back (snd_una has not passed the last recover point: the
 * duplicates answer retransmissions already made); later ones inflate
 * cwnd by SMSS.  snd_nxt becomes the recover point; flight is FlightSize.
 * The first two are for limited transmit (RFC 3042), the caller's affair.
 */
unsigned int xs_tcp_cc_on_dupack(struct xs_tcp_cc *c, uint32_t dupacks, uint32_t snd_una,
				 uint32_t snd_nxt, uint32_t flight, uint64_t now_ns);

/*
 * Enters fast recovery now: the path for a loss the caller detected
 * itself (RFC 6675 with SACK: sack = true, cwnd = ssthresh; without:
 * cwnd = ssthresh + 3 * SMSS).  No effect when already in recovery.
 */
void xs_tcp_cc_enter_recovery(struct xs_tcp_cc *c, uint32_t snd_nxt, uint32_t flight,
			      bool sack, uint64_t now_ns);

/*
 * The retransmit timer expired.  again: the segment at SND.UNA had
 * already been retransmitted by the timer (then ssthresh stays).  Leaves
 * recovery; cwnd = 1 * SMSS; recover = snd_nxt.
 */
void xs_tcp_cc_on_rto(struct xs_tcp_cc *c, uint32_t flight, uint32_t snd_nxt, bool again,
		      uint64_t now_ns);

/*
 * The sender is about to send after idle_ns with nothing in flight; rto_ns
 * is the current RTO.  Nothing happens unless idle_ns > rto_ns (> 0).
 */
void xs_tcp_cc_on_idle(struct xs_tcp_cc *c, uint64_t idle_ns, uint64_t rto_ns, uint64_t now_ns);

/* ---- helpers for the algorithms ------------------------------------------- */

/*
 * Slow start (cwnd < ssthresh) for an ACK of acked bytes: cwnd grows by
 * min(acked, L * SMSS), capped at ssthresh.  Returns the acked bytes left
 * for congestion avoidance: those beyond ssthresh, 0 when it was not reached.
 */
uint32_t xs_tcp_cc_slow_start(struct xs_tcp_cc *c, uint32_t acked);

/*
 * Additive increase: + SMSS each time w bytes have been acknowledged
 * (Reno: w = cwnd).  The byte version of Linux's tcp_cong_avoid_ai().
 */
void xs_tcp_cc_cong_avoid_ai(struct xs_tcp_cc *c, uint32_t w, uint32_t acked);

/* cwnd = bytes, within [SMSS, XS_TCP_CC_CWND_MAX]. */
void xs_tcp_cc_set_cwnd(struct xs_tcp_cc *c, uint64_t bytes);

/* ---- CUBIC's arithmetic, for its tests -------------------------------------- */

/* floor(cbrt(x)), exact for every uint64_t. */
uint32_t xs_tcp_cubic_cbrt(uint64_t x);

/* K in ms: cbrt((w_max - cwnd_epoch) / C) seconds, windows in bytes of
 * SMSS mss; 0 when cwnd_epoch >= w_max. */
uint32_t xs_tcp_cubic_k_ms(uint32_t w_max, uint32_t cwnd_epoch, uint32_t mss);

/* W_cubic(t) = C * (t - K)^3 + W_max, in bytes, t in ms since t_epoch;
 * clamped to [0, XS_TCP_CC_CWND_MAX]. */
uint32_t xs_tcp_cubic_window(uint32_t w_max, uint32_t k_ms, uint32_t mss, uint64_t t_ms);

#endif /* XS_SOCK_TCP_CC_H */
