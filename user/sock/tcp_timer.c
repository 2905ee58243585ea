// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * TCP timers: retransmission (RFC 6298, with Linux's limits: tcp_syn_retries,
 * tcp_synack_retries, tcp_retries2 and TCP_USER_TIMEOUT), delayed ACK,
 * persist (zero-window probes), keepalive, and the FIN_WAIT_2 / TIME_WAIT
 * timeouts.  Each socket keeps absolute deadlines; the table remembers
 * the earliest, so a tick with nothing due costs one comparison, and a due
 * tick walks the sockets once (a timer wheel is the next step when tables
 * grow to hundreds of thousands).
 */
#include "sock/tcp.h"

#include <errno.h>

#include "sock/tcp_seq.h"

void xs_tcp_timer_note(struct xs_tcp_sock *tp, uint64_t deadline_ns)
{
	/* the TIME_WAIT section is walked by tw_at alone: any other timer
	 * takes the socket back to where every pass looks */
	if (tp->in_tw && deadline_ns && deadline_ns < tp->tw_at)
		xs_tcp_timewait_leave(tp);
	if (deadline_ns && deadline_ns < tp->table->next_timer_ns)
		tp->table->next_timer_ns = deadline_ns;
}

void xs_tcp_arm_rto(struct xs_tcp_sock *tp, uint64_t now_ns)
{
	tp->rto_at = now_ns + xs_rtt_rto_ns(&tp->rtt);
	tp->rto_armed_ns = now_ns;
	/* tcp_clamp_rto_to_user_timeout(): never sleep past TCP_USER_TIMEOUT */
	if (tp->user_timeout_ms && tp->first_rto_ns) {
		uint64_t end = tp->first_rto_ns + (uint64_t)tp->user_timeout_ms * XS_NS_PER_MS;

		if (end > now_ns && end < tp->rto_at)
			tp->rto_at = end;
		else if (end <= now_ns)
			tp->rto_at = now_ns + XS_NS_PER_MS;
	}
	xs_tcp_timer_note(tp, tp->rto_at);
}

/*
 * RFC 8985 7.2: the probe timeout, 2 * SRTT (plus the peer's worst delayed
 * ACK when only one segment is out), armed while new data is outstanding
 * and no recovery runs; never later than the RTO.  Linux does the same
 * (tcp_schedule_loss_probe()).
 */
void xs_tcp_arm_tlp(struct xs_tcp_sock *tp, uint64_t now_ns)
{
	uint64_t pto;

	if (tp->tlp_out || tp->in_loss || tp->board.in_recovery || tp->cc.in_recovery ||
	    !tp->rtt.has_sample || tp->snd_una == tp->snd_max) {
		tp->tlp_at = 0;
		return;
	}
	pto = 2 * tp->rtt.srtt_ns;
	if (tp->snd_max - tp->snd_una <= tp->mss)
		pto += XS_TCP_DELACK_MAX_NS;
	else if (pto < 2 * XS_NS_PER_MS)
		pto = 2 * XS_NS_PER_MS;	/* TCP_TIMEOUT_MIN */
	if (tp->rto_at && now_ns + pto >= tp->rto_at) {
		tp->tlp_at = 0;
		return;
	}
	tp->tlp_at = now_ns + pto;
	xs_tcp_timer_note(tp, tp->tlp_at);
}

/* RFC 8985 7.3: the probe, new data if the windows allow, else the last
 * segment again; its ACK (with SACK) starts fast recovery where the RTO
 * would have waited. */
static void tlp_fire(struct xs_tcp_sock *tp, uint64_t now_ns)
{
	uint32_t data_end = tp->snd_una + tp->sndq.len, before = tp->snd_max;

	tp->tlp_at = 0;
	if (tp->snd_una == tp->snd_max || tp->in_loss || tp->board.in_recovery)
		return;
	tp->tlp_out = true;
	if (xs_seq_lt(tp->snd_max, data_end) &&
	    xs_seq_lt(tp->snd_max, tp->snd_una + tp->snd_wnd)) {
		uint32_t cwnd = tp->cc.cwnd;

		tp->cc.cwnd = tp->snd_max - tp->snd_una + tp->mss;	/* one segment past cwnd */
		xs_tcp_output(tp, now_ns);
		tp->cc.cwnd = cwnd;
	}
	if (tp->snd_max == before) {
		uint32_t last = tp->snd_max - (tp->fin_sent ? 1 : 0);
		uint32_t len = last - tp->snd_una < tp->mss ? last - tp->snd_una : tp->mss;

		xs_tcp_retransmit(tp, tp->fin_sent && !len ? last : last - len, now_ns);
	}
	tp->table->tlp_probes++;
	xs_tcp_arm_rto(tp, now_ns);
}

void xs_tcp_arm_keepalive(struct xs_tcp_sock *tp, uint64_t now_ns)
{
	if (!tp->keepalive || (tp->state != XS_TCP_ESTABLISHED && tp->state != XS_TCP_CLOSE_WAIT &&
			       tp->state != XS_TCP_FIN_WAIT2)) {
		tp->keep_at = 0;
		return;
	}
	tp->keep_at = now_ns + (uint64_t)tp->keepidle_s * XS_NS_PER_S;
	xs_tcp_timer_note(tp, tp->keep_at);
}

/* The delayed-ACK timeout: Linux's ato starts at TCP_DELACK_MIN and
 * follows the RTT, within [40 ms, 200 ms]. */
static uint64_t delack_timeout(const struct xs_tcp_sock *tp)
{
	uint64_t ato = tp->rtt.srtt_ns / 2;

	if (ato < XS_TCP_DELACK_MIN_NS)
		ato = XS_TCP_DELACK_MIN_NS;
	if (ato > XS_TCP_DELACK_MAX_NS)
		ato = XS_TCP_DELACK_MAX_NS;
	return ato;
}

void xs_tcp_schedule_ack(struct xs_tcp_sock *tp, uint64_t now_ns)
{
	/* RFC 9293 3.8.6.3 / RFC 5681 4.2: an ACK for at least every second
	 * full segment, at once in quick-ACK mode or when asked */
	if (tp->ack_now || (tp->quickacks && !tp->quickack_off) || tp->segs_unacked >= 2) {
		if (tp->quickacks)
			tp->quickacks--;
		tp->ack_now = true;
		return;	/* the caller's xs_tcp_output() sends it */
	}
	if (!tp->delack_at) {
		tp->delack_at = now_ns + delack_timeout(tp);
		xs_tcp_timer_note(tp, tp->delack_at);
	}
	tp->delack_pending = true;
}

/* Whether tp should give up retransmitting: TCP_USER_TIMEOUT when set (time
 * since the data went unacknowledged), else a count of expiries. */
static bool give_up(struct xs_tcp_sock *tp, uint32_t max_retries, uint64_t now_ns)
{
	if (tp->user_timeout_ms)
		return tp->first_rto_ns &&
		       now_ns - tp->first_rto_ns >= (uint64_t)tp->user_timeout_ms * XS_NS_PER_MS;
	return tp->rto_retries > max_retries;
}

static void rto_fire(struct xs_tcp_sock *tp, uint64_t now_ns)
{
	uint32_t flight = tp->snd_max - tp->snd_una;
	struct xs_tcp_table *t = tp->table;

	tp->rto_at = 0;
	tp->tlp_at = 0;
	if (tp->state == XS_TCP_SYN_SENT || tp->state == XS_TCP_SYN_RECV) {
		int max = tp->state == XS_TCP_SYN_SENT
			  ? (tp->syn_retries ? tp->syn_retries : XS_TCP_SYN_RETRIES)
			  : XS_TCP_SYNACK_RETRIES;
		/* A child whose bare ACK TCP_DEFER_ACCEPT ignored lives at
		 * least defer_accept expiries, and gets no SYN-ACK again
		 * before the last of them (syn_ack_recalc()). */
		uint32_t defer = tp->defer_acked && tp->parent ? tp->parent->defer_accept : 0;

		if (!tp->first_rto_ns)
			tp->first_rto_ns = tp->rto_armed_ns;
		tp->rto_retries++;
		if (give_up(tp, (uint32_t)max, now_ns) && tp->rto_retries > defer) {
			t->timeouts++;
			xs_tcp_done(tp, ETIMEDOUT, now_ns);
			return;
		}
		xs_rtt_backoff(&tp->rtt);
		if (tp->rto_retries >= defer)
			xs_tcp_retransmit(tp, tp->iss, now_ns);
		xs_tcp_arm_rto(tp, now_ns);
		return;
	}
	if (!flight)
		return;
	if (!tp->first_rto_ns)
		tp->first_rto_ns = tp->rto_armed_ns;	/* the timer was armed when it was sent */
	tp->rto_retries++;
	if (give_up(tp, XS_TCP_RETRIES2, now_ns)) {
		t->timeouts++;
		xs_tcp_send_rst(tp, now_ns);
		xs_tcp_done(tp, tp->err ? tp->err : ETIMEDOUT, now_ns);
		return;
	}
	t->timeouts++;
	xs_tcp_cc_on_rto(&tp->cc, flight, tp->snd_max, tp->rto_retries > 1, now_ns);
	if (tp->sack_ok)
		xs_tcp_sack_board_on_rto(&tp->board, tp->snd_max);
	xs_rtt_backoff(&tp->rtt);
	/* Everything outstanding counts as lost: go back to SND.UNA. */
	tp->in_loss = true;
	tp->dupacks = 0;
	tp->snd_nxt = tp->snd_una;
	tp->rtt_timing = false;
	xs_tcp_output(tp, now_ns);
	if (tp->snd_nxt == tp->snd_una)	/* nothing went (no window): retransmit anyway */
		xs_tcp_retransmit(tp, tp->snd_una, now_ns);
	xs_tcp_arm_rto(tp, now_ns);
}

/* RFC 9293 3.8.6.1: a zero-window probe; like Linux (tcp_xmit_probe_skb()),
 * an ACK with an old sequence number, which the peer must answer with its
 * window.  Keepalive probes are the same segment. */
static void send_probe(struct xs_tcp_sock *tp, uint64_t now_ns)
{
	uint32_t nxt = tp->snd_nxt;

	tp->snd_nxt = tp->snd_una - 1;
	xs_tcp_send_ack(tp, now_ns);
	tp->snd_nxt = nxt;
}

static void persist_fire(struct xs_tcp_sock *tp, uint64_t now_ns)
{
	uint64_t rto;

	tp->persist_at = 0;
	if (tp->snd_wnd || tp->snd_una + tp->sndq.len == tp->snd_una)
		return;
	tp->probes++;
	if (tp->user_timeout_ms && tp->last_recv_ns &&
	    now_ns - tp->last_recv_ns >= (uint64_t)tp->user_timeout_ms * XS_NS_PER_MS) {
		xs_tcp_send_rst(tp, now_ns);
		xs_tcp_done(tp, ETIMEDOUT, now_ns);
		return;
	}
	send_probe(tp, now_ns);
	rto = xs_rtt_rto_ns(&tp->rtt) << (tp->probes < 10 ? tp->probes : 10);
	if (rto > XS_TCP_RTO_MAX_NS)
		rto = XS_TCP_RTO_MAX_NS;
	tp->persist_at = now_ns + rto;
}

static void keepalive_fire(struct xs_tcp_sock *tp, uint64_t now_ns)
{
	uint64_t idle = now_ns - (tp->last_recv_ns ? tp->last_recv_ns : tp->established_ns);
	uint64_t idle_max = (uint64_t)tp->keepidle_s * XS_NS_PER_S;

	tp->keep_at = 0;
	if (!tp->keepalive)
		return;
	if (tp->snd_max != tp->snd_una || tp->sndq.len) {
		xs_tcp_arm_keepalive(tp, now_ns);	/* data in flight: the RTO watches */
		return;
	}
	if (idle < idle_max) {
		tp->probes = 0;
		tp->keep_at = now_ns + (idle_max - idle);
		return;
	}
	if ((tp->user_timeout_ms && idle >= (uint64_t)tp->user_timeout_ms * XS_NS_PER_MS &&
	     tp->probes) || tp->probes >= tp->keepcnt) {
		xs_tcp_send_rst(tp, now_ns);
		xs_tcp_done(tp, ETIMEDOUT, now_ns);
		return;
	}
	send_probe(tp, now_ns);
	tp->probes++;
	tp->keep_at = now_ns + (uint64_t)tp->keepintvl_s * XS_NS_PER_S;
}

/* Runs tp's due timers; returns false when tp is gone. */
static bool run_timers(struct xs_tcp_sock *tp, uint64_t now_ns)
{
	struct xs_tcp_table *t = tp->table;
	uint32_t nall = t->nall;

	if (tp->state == XS_TCP_CLOSE && !tp->owner && !tp->parent) {
		xs_tcp_sock_free(tp);
		return false;
	}
	if (tp->tw_at && now_ns >= tp->tw_at) {
		tp->tw_at = 0;
		if (tp->state == XS_TCP_TIME_WAIT || tp->state == XS_TCP_FIN_WAIT2) {
			xs_tcp_done(tp, 0, now_ns);
			return t->nall == nall;
		}
	}
	if (tp->rto_at && now_ns >= tp->rto_at) {
		rto_fire(tp, now_ns);
		if (t->nall != nall || tp->state == XS_TCP_CLOSE)
			return t->nall == nall;
	}
	if (tp->tlp_at && now_ns >= tp->tlp_at)
		tlp_fire(tp, now_ns);
	if (tp->delack_at && now_ns >= tp->delack_at) {
		tp->delack_at = 0;
		if (tp->delack_pending)
			xs_tcp_send_ack(tp, now_ns);
	}
	if (tp->persist_at && now_ns >= tp->persist_at) {
		persist_fire(tp, now_ns);
		if (t->nall != nall || tp->state == XS_TCP_CLOSE)
			return t->nall == nall;
	}
	if (tp->keep_at && now_ns >= tp->keep_at) {
		keepalive_fire(tp, now_ns);
		if (t->nall != nall || tp->state == XS_TCP_CLOSE)
			return t->nall == nall;
	}
	return true;
}

static uint64_t earliest(const struct xs_tcp_sock *tp)
{
	uint64_t d[6] = { tp->rto_at, tp->delack_at, tp->persist_at, tp->keep_at, tp->tw_at,
			  tp->tlp_at };
	uint64_t m = UINT64_MAX;

	for (int i = 0; i < 6; i++)
		if (d[i] && d[i] < m)
			m = d[i];
	return m;
}

void xs_tcp_timers(struct xs_tcp_table *t, uint64_t now_ns)
{
	struct xs_tcp_sock *tp, *next;
	uint64_t next_ns = UINT64_MAX;

	if (now_ns < t->next_timer_ns)
		return;
	t->next_timer_ns = UINT64_MAX;
	for (tp = t->all; tp && !tp->in_tw; tp = next) {
		next = tp->anext;
		if (earliest(tp) <= now_ns || (tp->state == XS_TCP_CLOSE && !tp->owner && !tp->parent)) {
			/* a free may take the next socket with it (a listener's
			 * children): restart the walk from the head then */
			if (!run_timers(tp, now_ns)) {
				next = t->all;
				next_ns = UINT64_MAX;
				continue;
			}
		}
		if (earliest(tp) < next_ns)
			next_ns = earliest(tp);
	}
	/* TIME_WAIT, oldest first: only the ones due */
	while ((tp = t->tw_first) && tp->tw_at <= now_ns) {
		if (run_timers(tp, now_ns) && tp->in_tw)
			break;	/* never: its end frees it or moves it out */
	}
	if (t->tw_first && t->tw_first->tw_at < next_ns)
		next_ns = t->tw_first->tw_at;
	if (next_ns < t->next_timer_ns)
		t->next_timer_ns = next_ns;
}
