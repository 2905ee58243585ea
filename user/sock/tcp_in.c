// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * Segments arriving (RFC 9293 3.10.7), in its order: the socket they
 * belong to (or a listener, or a reset), then per state the sequence check
 * (with RFC 7323 PAWS), RST and SYN under RFC 5961, the ACK (RTT samples,
 * congestion control, SACK scoreboard, window update, the FIN states),
 * urgent data, the payload (in order into the receive ring, out of order
 * into tcp_ooo), and the FIN.
 */
#include "sock/tcp.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "sock/tcp_seq.h"

#define PAWS_IDLE_NS (24ull * 24 * 3600 * XS_NS_PER_S)  /* RFC 7323 5.5: 24 days */

struct seg {
	struct xs_tcp_repr r;
	const uint8_t *payload;
	uint32_t len;                   /* payload bytes */
};

static void notify(struct xs_tcp_sock *tp, unsigned int ev)
{
	const struct xs_tcp_env *env = tp->table->env;

	if (env->notify)
		env->notify(env->ctx, tp, ev);
}

/* RFC 5961 7: challenge ACKs, at most one per socket per 500 ms (Linux's
 * tcp_invalid_ratelimit) and XS_TCP_CHALLENGE_PER_S per second overall. */
static bool oow_allowed(struct xs_tcp_sock *tp, uint64_t now_ns)
{
	struct xs_tcp_table *t = tp->table;

	if (tp->last_oow_ns && now_ns - tp->last_oow_ns < XS_TCP_OOW_INTERVAL_NS)
		return false;
	if (now_ns - t->challenge_window_ns >= XS_NS_PER_S) {
		t->challenge_window_ns = now_ns;
		t->challenge_count = 0;
	}
	if (t->challenge_count >= XS_TCP_CHALLENGE_PER_S)
		return false;
	t->challenge_count++;
	tp->last_oow_ns = now_ns;
	return true;
}

static void challenge_ack(struct xs_tcp_sock *tp, uint64_t now_ns)
{
	if (oow_allowed(tp, now_ns)) {
		tp->table->challenge_acks++;
		xs_tcp_send_ack(tp, now_ns);
	}
}

/* An unacceptable segment gets an ACK (RFC 9293 3.10.7.4).  Like Linux's
 * tcp_oow_rate_limited(), only pure ACKs and SYNs are rate limited: those
 * are what two confused peers could loop on; a retransmission of data
 * already received must be answered at once, or the sender backs off. */
static void oow_ack(struct xs_tcp_sock *tp, const struct seg *s, uint64_t now_ns)
{
	if (s->r.flags & XS_TCP_RST)
		return;
	/* RFC 5961 4.2: a SYN draws a challenge ACK whatever its sequence
	 * number or timestamp, data or not (Linux's syn_challenge) */
	if (s->r.flags & XS_TCP_SYN) {
		challenge_ack(tp, now_ns);
		return;
	}
	if (s->len || (s->r.flags & XS_TCP_FIN)) {
		if (tp->sack_ok && xs_seq_lt(s->r.seq, tp->rcv_nxt))
			xs_tcp_sack_rx_note_dup(&tp->sack_rx, s->r.seq,
						xs_seq_min(s->r.seq + s->len, tp->rcv_nxt));
		xs_tcp_send_ack(tp, now_ns);
		return;
	}
	if (oow_allowed(tp, now_ns))
		xs_tcp_send_ack(tp, now_ns);
}

static void negotiate(struct xs_tcp_sock *tp, const struct xs_tcp_opts *o, bool we_offered_all)
{
	if (o->has_mss && o->mss)
		tp->mss_clamp = o->mss;
	tp->ws_ok = o->has_wscale && we_offered_all;
	if (tp->ws_ok) {
		tp->snd_wscale = o->wscale;
		tp->rcv_wscale = xs_tcp_offered_wscale(tp);
	} else {
		tp->snd_wscale = 0;
		tp->rcv_wscale = 0;
	}
	tp->sack_ok = o->sack_perm;
	tp->ts_ok = o->has_ts;
	if (tp->ts_ok)
		tp->ts_recent = o->ts_val;
}

/* Linux's tcp_initialize_rcv_mss(): a guess at the peer's segment size
 * until one arrives, for the delayed-ACK rules. */
static uint16_t initial_rcv_mss(const struct xs_tcp_sock *tp)
{
	uint32_t hint = tp->adv_mss < tp->mss ? tp->adv_mss : tp->mss;
	uint32_t half_window = xs_tcp_rcv_limit(tp) / 2;

	if (hint > half_window)
		hint = half_window;
	if (hint > XS_TCP_MSS_DEFAULT4)
		hint = XS_TCP_MSS_DEFAULT4;
	return (uint16_t)(hint < XS_TCP_MIN_MSS ? XS_TCP_MIN_MSS : hint);
}

/* The connection is synchronized: what both sides agreed on takes effect. */
static void synchronized(struct xs_tcp_sock *tp, const struct seg *s, uint64_t now_ns)
{
	tp->snd_wnd = s->r.window;	/* the SYN's window is never scaled */
	tp->max_snd_wnd = tp->snd_wnd;
	tp->snd_wl1 = s->r.seq;
	tp->snd_wl2 = s->r.ack;
	xs_tcp_update_mss(tp);
	tp->rcv_mss = initial_rcv_mss(tp);
	/* tcpi_bytes_acked counts the SYN on the socket that sent it; a
	 * passive child is born with it acknowledged (tcp_create_openreq_child) */
	if (!tp->parent)
		tp->cnt.bytes_acked++;
	xs_tcp_cc_init(&tp->cc, tp->cc.ops, tp->mss, tp->rto_retries > 0, now_ns);
	xs_tcp_sack_board_init(&tp->board, tp->snd_una, tp->mss);
	xs_rtt_handshake_done(&tp->rtt);
	tp->rto_retries = 0;
	tp->first_rto_ns = 0;
	tp->rcv_space_ns = now_ns;
	tp->last_recv_ns = now_ns;
	xs_tcp_set_state(tp, XS_TCP_ESTABLISHED, now_ns);
	xs_tcp_arm_keepalive(tp, now_ns);
	/* shutdown() or close() during the handshake: the FIN goes now */
	if (tp->fin_queued)
		xs_tcp_set_state(tp, XS_TCP_FIN_WAIT1, now_ns);
}

/* ---- listeners ------------------------------------------------------------ */

static enum xs_drop_reason listen_input(struct xs_tcp_sock *l, const struct xs_rx_pkt *pkt,
					const struct seg *s, const struct xs_tcp_arrival *from,
					uint64_t now_ns)
{
	struct xs_tcp_table *t = l->table;
	struct xs_tcp_sock *c;

	if (s->r.flags & XS_TCP_RST)
		return XS_DROP_TCP_STATE;
	if (s->r.flags & XS_TCP_ACK) {
		xs_tcp_reply_rst(t, pkt, &s->r, from->link, from->mac);
		return XS_DROP_TCP_STATE;
	}
	if (!(s->r.flags & XS_TCP_SYN) || l->shut_rd)
		return XS_DROP_TCP_STATE;
	/* Full queues drop the SYN (the peer retransmits): Linux without
	 * syncookies.  The accept queue is full past the backlog. */
	if (l->accept_len > (uint32_t)l->backlog || l->syn_queued >= XS_TCP_MAX_SYN_BACKLOG ||
	    l->syn_queued + l->accept_len > 2u * (uint32_t)l->backlog + 8) {
		t->listen_overflows++;
		t->syn_dropped++;
		return XS_DROP_TCP_LISTEN_FULL;
	}
	c = xs_tcp_sock_new(t, l->family, now_ns);
	if (!c) {
		t->syn_dropped++;
		return XS_DROP_TCP_LISTEN_FULL;
	}
	c->v6only = l->v6only;
	c->v4 = pkt->family == AF_INET;
	memcpy(c->laddr, pkt->dst, 16);
	memcpy(c->raddr, pkt->src, 16);
	c->lport = s->r.dst_port;
	c->rport = s->r.src_port;
	c->link = from->link;
	c->link_mtu = from->mtu;
	memcpy(c->peer_mac, from->mac, 6);
	c->ttl = l->ttl;
	c->tos = l->tos;
	/* what accept() inherits (Linux copies the listener's options) */
	c->nodelay = l->nodelay;
	c->keepalive = l->keepalive;
	c->keepidle_s = l->keepidle_s;
	c->keepintvl_s = l->keepintvl_s;
	c->keepcnt = l->keepcnt;
	c->user_timeout_ms = l->user_timeout_ms;
	c->user_mss = l->user_mss;
	c->oobinline = l->oobinline;
	c->linger2_s = l->linger2_s;
	c->window_clamp = l->window_clamp;
	c->rcvlowat = l->rcvlowat;
	c->peek_off = l->peek_off;
	c->sndbuf = l->sndbuf;
	c->sndbuf_locked = l->sndbuf_locked;
	c->rcvbuf = l->rcvbuf;
	c->rcvbuf_locked = l->rcvbuf_locked;
	c->cc.ops = l->cc.ops;
	xs_tcp_ooo_set_limit(&c->ooo, c->rcvbuf);
	c->irs = s->r.seq;
	c->rcv_nxt = s->r.seq + 1;
	c->rcv_adv = c->rcv_wup = c->rcv_nxt;
	negotiate(c, &s->r.opts, true);
	c->iss = t->isn_fixed ? t->isn_next :
		 xs_tcp_isn(&t->secret, c->laddr, c->lport, c->raddr, c->rport, now_ns);
	c->ts_offset = xs_tcp_ts_offset(&t->secret, c->laddr, c->raddr);
	c->snd_una = c->snd_nxt = c->snd_max = c->iss;
	c->snd_wnd = s->r.window;
	c->state = XS_TCP_SYN_RECV;
	c->parent = l;
	l->syn_queued++;
	xs_tcp_hash(c);
	t->passive_opens++;
	c->rtt_sent_ns = now_ns;
	xs_tcp_send_syn(c, now_ns);
	xs_tcp_arm_rto(c, now_ns);
	return XS_DROP_NONE;
}

/* ---- receiving data ------------------------------------------------------- */

static void ooo_deliver(void *ctx, const struct xs_tcp_ooo_seg *seg)
{
	struct xs_tcp_sock *tp = ctx;

	xs_tcp_ring_write(&tp->rcvq, (const uint8_t *)seg->payload + seg->off, seg->len);
	free(seg->payload);
}

/* The urgent byte has arrived in order: keep it for MSG_OOB (Linux's
 * tcp_urg() takes it from the segment that carries it). */
static void urgent_arrived(struct xs_tcp_sock *tp)
{
	uint32_t off = tp->urg_seq - xs_tcp_copied_seq(tp);
	struct iovec iov[2];

	if (tp->urg != XS_TCP_URG_NOTYET || !xs_seq_lt(tp->urg_seq, tp->rcv_nxt) ||
	    off >= tp->rcvq.len)
		return;
	xs_tcp_ring_iov(&tp->rcvq, off, 1, iov);
	tp->oob_byte = *(uint8_t *)iov[0].iov_base;
	tp->urg = XS_TCP_URG_VALID;	/* the caller wakes readers; SIGURG went with the pointer */
}

/*
 * Step 6, the URG bit (Linux's tcp_check_urg(), with the BSD reading of the
 * pointer it keeps: it points one past the urgent byte).  A pointer behind
 * what was received, or not newer than the one held, is ignored.  A new one
 * replaces the old, whose byte becomes ordinary data -- unless the reader
 * stands right at it out of band, in which case Linux drops it.
 */
static void urgent_pointer(struct xs_tcp_sock *tp, const struct seg *s)
{
	uint32_t ptr = s->r.seq + (s->r.urgent ? s->r.urgent - 1u : 0u);
	uint32_t copied = xs_tcp_copied_seq(tp);

	if (xs_seq_gt(copied, ptr) || xs_seq_lt(ptr, tp->rcv_nxt))
		return;
	if (tp->urg != XS_TCP_URG_NONE && !xs_seq_gt(ptr, tp->urg_seq))
		return;
	if (tp->urg != XS_TCP_URG_NONE && tp->urg_seq == copied && !tp->oobinline &&
	    tp->rcvq.len)
		xs_tcp_ring_consume(&tp->rcvq, 1);
	tp->urg_seq = ptr;
	tp->urg = XS_TCP_URG_NOTYET;
	notify(tp, XS_TCP_EV_URG);
}

static void fin_arrived(struct xs_tcp_sock *tp, uint64_t now_ns)
{
	tp->rcv_nxt++;
	tp->rcv_fin = true;
	tp->fin_pending = false;
	tp->ack_now = true;
	switch (tp->state) {
	case XS_TCP_SYN_RECV:
	case XS_TCP_ESTABLISHED:
		xs_tcp_set_state(tp, XS_TCP_CLOSE_WAIT, now_ns);
		break;
	case XS_TCP_FIN_WAIT1:
		/* our FIN not yet acknowledged: simultaneous close */
		xs_tcp_set_state(tp, XS_TCP_CLOSING, now_ns);
		break;
	case XS_TCP_FIN_WAIT2:
		xs_tcp_set_state(tp, XS_TCP_TIME_WAIT, now_ns);
		break;
	default:
		break;
	}
	notify(tp, XS_TCP_EV_READ);
}

/* Steps 7 and 8: the payload and the FIN of an acceptable segment. */
static void data_input(struct xs_tcp_sock *tp, const struct seg *s, uint64_t now_ns)
{
	uint32_t seq = s->r.seq + !!(s->r.flags & XS_TCP_SYN), len = s->len, skip = 0;
	const uint8_t *p = s->payload;
	bool fin = s->r.flags & XS_TCP_FIN;
	uint32_t wnd_end = tp->rcv_adv;

	if (tp->state != XS_TCP_ESTABLISHED && tp->state != XS_TCP_FIN_WAIT1 &&
	    tp->state != XS_TCP_FIN_WAIT2 && tp->state != XS_TCP_SYN_RECV) {
		/* data after the peer's FIN is not acceptable; a retransmitted
		 * FIN gets its ACK again */
		if (len || fin)
			tp->ack_now = true;
		if (tp->state == XS_TCP_TIME_WAIT && fin) {
			tp->tw_at = now_ns + XS_TCP_TIMEWAIT_NS;
			xs_tcp_timewait_requeue(tp);
			xs_tcp_timer_note(tp, tp->tw_at);
		}
		return;
	}
	if (len) {
		if (xs_seq_lt(seq, tp->rcv_nxt)) {
			skip = tp->rcv_nxt - seq;
			if (skip >= len) {
				/* all of it was received: a D-SACK tells the
				 * sender (RFC 2883) */
				if (tp->sack_ok)
					xs_tcp_sack_rx_note_dup(&tp->sack_rx, seq, seq + len);
				tp->ack_now = true;
				len = 0;
			} else {
				if (tp->sack_ok)
					xs_tcp_sack_rx_note_dup(&tp->sack_rx, seq, tp->rcv_nxt);
				seq += skip;
				p += skip;
				len -= skip;
			}
		}
		if (len && xs_seq_gt(seq + len, wnd_end)) {
			/* beyond the window we offered: trim, and no FIN */
			uint32_t keep = xs_seq_gt(wnd_end, seq) ? wnd_end - seq : 0;

			len = keep;
			fin = false;
			tp->ack_now = true;
		}
	}
	if (len) {
		tp->cnt.data_segs_in++;
		if (len > tp->rcv_mss)	/* tcp_measure_rcv_mss(), without its decay */
			tp->rcv_mss = (uint16_t)(len < tp->adv_mss ? len : tp->adv_mss);
		if (seq == tp->rcv_nxt) {
			bool had_ooo = !xs_tcp_ooo_empty(&tp->ooo);

			if (xs_tcp_ring_reserve(&tp->rcvq, tp->rcvq.len + len + tp->ooo.mem)) {
				tp->ack_now = true;	/* no memory: dropped, the peer resends */
				return;
			}
			xs_tcp_ring_write(&tp->rcvq, p, len);
			tp->rcv_nxt += len;
			tp->cnt.bytes_received += len;
			if (had_ooo) {
				uint32_t before = tp->rcv_nxt;

				xs_tcp_ring_reserve(&tp->rcvq, tp->rcvq.len + (uint32_t)tp->ooo.mem);
				tp->rcv_nxt = xs_tcp_ooo_pull(&tp->ooo, tp->rcv_nxt, ooo_deliver, tp);
				tp->cnt.bytes_received += tp->rcv_nxt - before;
				tp->ack_now = true;	/* a hole filled: ACK at once (RFC 5681 4.2) */
			}
			if (len >= tp->mss || had_ooo)
				tp->segs_unacked++;
			if (tp->urg == XS_TCP_URG_NOTYET)
				urgent_arrived(tp);
			notify(tp, XS_TCP_EV_READ);
		} else {
			/* out of order: a copy waits in tcp_ooo for the hole */
			struct xs_tcp_sack_block dup = { 0, 0 };
			uint8_t *copy = malloc(len);
			int rc = copy ? 0 : -ENOMEM;

			tp->cnt.rcv_ooopack++;
			if (copy) {
				memcpy(copy, p, len);
				rc = xs_tcp_ooo_insert(&tp->ooo, seq, len, copy, len + 256, &dup);
				if (rc)
					free(copy);
			}
			if (tp->sack_ok) {
				if (dup.start != dup.end)
					xs_tcp_sack_rx_note_dup(&tp->sack_rx, dup.start, dup.end);
				else if (!rc)
					xs_tcp_sack_rx_note(&tp->sack_rx, seq, seq + len);
			}
			tp->quickacks = XS_TCP_QUICKACKS;
			tp->ack_now = true;	/* a duplicate ACK at once (RFC 5681 4.2) */
			if (fin) {
				tp->fin_pending = true;
				tp->fin_seq = seq + len;
			}
			fin = false;
		}
	}
	if (fin) {
		uint32_t fseq = s->r.seq + !!(s->r.flags & XS_TCP_SYN) + s->len;

		if (fseq == tp->rcv_nxt)
			fin_arrived(tp, now_ns);
		else if (xs_seq_gt(fseq, tp->rcv_nxt)) {
			tp->fin_pending = true;
			tp->fin_seq = fseq;
			tp->ack_now = true;
		}
	} else if (tp->fin_pending && tp->fin_seq == tp->rcv_nxt) {
		fin_arrived(tp, now_ns);
	}
	if (len)
		xs_tcp_schedule_ack(tp, now_ns);
}

/* ---- acknowledgments ------------------------------------------------------ */

static uint64_t ts_rtt_ns(const struct xs_tcp_sock *tp, const struct seg *s, uint64_t now_ns)
{
	uint32_t d = xs_tcp_ts_now(tp, now_ns) - s->r.opts.ts_ecr;

	if (!tp->ts_ok || !s->r.opts.has_ts || !s->r.opts.ts_ecr || (int32_t)d < 0)
		return 0;
	/* An echo older than our last retransmission comes from a receiver
	 * that has not seen it yet (RFC 7323 4.3 makes it echo the segment
	 * that last advanced its window): it would measure the whole loss
	 * episode, RTO wait included, and inflate the RTO.  No sample. */
	if (tp->rexmit_ts_set && xs_seq_lt(s->r.opts.ts_ecr, tp->rexmit_tsval))
		return 0;
	return (uint64_t)(d ? d : 1) * (XS_NS_PER_S / XS_TCP_TS_HZ);
}

static void sack_update(struct xs_tcp_sock *tp, const struct seg *s, struct xs_tcp_sack_update *res)
{
	struct xs_tcp_sack_block blocks[XS_TCP_MAX_SACK];

	for (int i = 0; i < s->r.opts.nsack; i++) {
		blocks[i].start = s->r.opts.sack[i].left;
		blocks[i].end = s->r.opts.sack[i].right;
	}
	xs_tcp_sack_board_update(&tp->board, s->r.ack, tp->snd_max, blocks, s->r.opts.nsack, res);
	if (res->dsack)
		tp->cnt.dsack_dups++;
}

static void new_ack(struct xs_tcp_sock *tp, const struct seg *s, uint64_t now_ns)
{
	uint32_t acked = s->r.ack - tp->snd_una, flight = tp->snd_max - tp->snd_una;
	uint32_t data_acked = acked < tp->sndq.len ? acked : tp->sndq.len;
	struct xs_tcp_cc_ack a = { .ack = s->r.ack, .acked = data_acked, .flight = flight };
	uint64_t rtt = ts_rtt_ns(tp, s, now_ns);
	unsigned int cc;
	bool was_full = xs_tcp_ring_space(&tp->sndq) == 0;

	/* RTT (RFC 7323 RTTM, else one timed segment with Karn's rule) */
	if (rtt) {
		xs_rtt_ack_ts(&tp->rtt, s->r.opts.ts_ecr, xs_tcp_ts_now(tp, now_ns),
			      XS_NS_PER_S / XS_TCP_TS_HZ);
	} else if (tp->rtt_timing && xs_seq_ge(s->r.ack, tp->rtt_seq)) {
		rtt = now_ns - tp->rtt_sent_ns;
		xs_rtt_ack_seq(&tp->rtt, tp->rtt_sent_ns, now_ns, false);
		tp->rtt_timing = false;
	}
	a.rtt_ns = rtt;
	xs_tcp_ring_consume(&tp->sndq, data_acked);
	tp->snd_una = s->r.ack;
	if (xs_seq_lt(tp->snd_nxt, tp->snd_una))
		tp->snd_nxt = tp->snd_una;
	if (tp->snd_urg && xs_seq_ge(tp->snd_una, tp->snd_up))
		tp->snd_urg = false;
	tp->cnt.bytes_acked += data_acked;
	tp->dupacks = 0;
	tp->lt_extra = 0;
	tp->tlp_out = false;
	tp->rto_retries = 0;
	tp->first_rto_ns = 0;
	tp->probes = 0;
	tp->retrans_out = 0;
	if (data_acked) {
		cc = xs_tcp_cc_on_ack(&tp->cc, &a, now_ns);
		if (!tp->sack_ok && (cc & XS_TCP_CC_RETRANSMIT))
			xs_tcp_retransmit(tp, tp->snd_una, now_ns);	/* NewReno partial ACK */
	}
	if (tp->in_loss && xs_seq_ge(tp->snd_una, tp->snd_max))
		tp->in_loss = false;
	/* RFC 6298 5.2/5.3 */
	if (tp->snd_una == tp->snd_max) {
		tp->rto_at = 0;
		tp->tlp_at = 0;
	} else {
		xs_tcp_arm_rto(tp, now_ns);
		xs_tcp_arm_tlp(tp, now_ns);
	}
	if (was_full || data_acked)
		notify(tp, XS_TCP_EV_WRITE);
}

/* RFC 5681 2: a duplicate ACK.  With SACK, RFC 6675 2 counts the ACKs
 * that SACK new data instead, whatever the window says (a receiver's
 * window moves while it holds data out of order: Linux's does). */
static bool is_dupack(const struct xs_tcp_sock *tp, const struct seg *s, uint32_t newly_sacked)
{
	if (s->r.ack != tp->snd_una || s->len || (s->r.flags & (XS_TCP_SYN | XS_TCP_FIN)) ||
	    tp->snd_max == tp->snd_una)
		return false;
	if (tp->sack_ok)
		return newly_sacked > 0;
	return ((uint32_t)s->r.window << tp->snd_wscale) == tp->snd_wnd;
}

/*
 * The duplicate threshold for this loss: DupThresh (3), or with fewer than
 * four segments outstanding and nothing new to send, one less than the
 * segments outstanding (RFC 5827 early retransmit: a small window cannot
 * produce three duplicates).
 */
static uint32_t dup_threshold(const struct xs_tcp_sock *tp)
{
	uint32_t segs = (tp->snd_max - tp->snd_una + tp->mss - 1) / tp->mss;
	bool unsent = xs_seq_lt(tp->snd_max, tp->snd_una + tp->sndq.len);

	if (segs < 4 && !unsent)
		return segs > 1 ? segs - 1 : 1;
	return XS_TCP_CC_DUPTHRESH;
}

static void first_hole_again(struct xs_tcp_sock *tp, uint64_t now_ns)
{
	struct xs_tcp_sack_seg seg = { .start = tp->snd_una, .end = tp->snd_una + tp->mss, .rule = 1 };

	if (tp->board.nranges && xs_seq_lt(tp->board.ranges[0].start, seg.end))
		seg.end = tp->board.ranges[0].start;
	if (xs_seq_gt(seg.end, tp->snd_max))
		seg.end = tp->snd_max;
	xs_tcp_retransmit(tp, tp->snd_una, now_ns);
	xs_tcp_sack_sent(&tp->board, &seg);
}

static void dup_ack(struct xs_tcp_sock *tp, uint64_t now_ns)
{
	uint32_t flight = tp->snd_max - tp->snd_una, thresh = dup_threshold(tp);

	tp->dupacks++;
	if (tp->sack_ok) {
		tp->board.dupthresh = thresh;
		/* RFC 6675 5: DupThresh duplicates, or the first hole
		 * counts as lost (enough SACKed above it) */
		if (!tp->board.in_recovery && !tp->in_loss && xs_tcp_sack_can_enter_recovery(&tp->board) &&
		    (tp->dupacks >= thresh || xs_tcp_sack_is_lost(&tp->board, tp->snd_una))) {
			xs_tcp_cc_enter_recovery(&tp->cc, tp->snd_max, flight, true, now_ns);
			xs_tcp_sack_enter_recovery(&tp->board, tp->snd_max);
			tp->lt_extra = 0;
			/* RFC 6675 5 (4.2): the first hole goes again now, whatever
			 * the pipe says; the rest follows the pipe (xs_tcp_output) */
			first_hole_again(tp, now_ns);
		} else if (!tp->board.in_recovery && tp->dupacks <= 2) {
			tp->lt_extra = tp->dupacks * tp->mss;	/* RFC 3042 limited transmit */
		}
		return;
	}
	if (tp->dupacks < thresh && !tp->cc.in_recovery) {
		tp->lt_extra = tp->dupacks * tp->mss;	/* RFC 3042 limited transmit */
		return;
	}
	tp->lt_extra = 0;
	if (xs_tcp_cc_on_dupack(&tp->cc, tp->dupacks < XS_TCP_CC_DUPTHRESH ? XS_TCP_CC_DUPTHRESH :
				tp->dupacks, tp->snd_una, tp->snd_max, flight, now_ns) &
	    XS_TCP_CC_RETRANSMIT)
		xs_tcp_retransmit(tp, tp->snd_una, now_ns);
}

/* Step 5 in the synchronized states.  Returns false to drop the rest. */
static bool ack_input(struct xs_tcp_sock *tp, const struct seg *s, uint64_t now_ns)
{
	uint32_t ack = s->r.ack;
	struct xs_tcp_sack_update res = { 0 };

	/* RFC 5961 5.2: an ACK for data never sent, or too old to be
	 * plausible, is answered with an ACK and dropped. */
	if (xs_seq_gt(ack, tp->snd_max) ||
	    xs_seq_lt(ack, tp->snd_una - (tp->max_snd_wnd ? tp->max_snd_wnd : 65535))) {
		challenge_ack(tp, now_ns);
		return false;
	}
	if (tp->sack_ok && tp->state != XS_TCP_TIME_WAIT && xs_seq_ge(ack, tp->snd_una))
		sack_update(tp, s, &res);
	if (xs_seq_gt(ack, tp->snd_una))
		new_ack(tp, s, now_ns);
	else if (is_dupack(tp, s, res.newly_sacked))
		dup_ack(tp, now_ns);
	/* RFC 9293 3.10.7.4: the send window, from the newest segment */
	if (xs_seq_lt(tp->snd_wl1, s->r.seq) ||
	    (tp->snd_wl1 == s->r.seq && xs_seq_le(tp->snd_wl2, ack))) {
		uint32_t wnd = (uint32_t)s->r.window << tp->snd_wscale;
		bool opened = wnd > tp->snd_wnd;

		tp->snd_wnd = wnd;
		tp->snd_wl1 = s->r.seq;
		tp->snd_wl2 = ack;
		if (wnd > tp->max_snd_wnd)
			tp->max_snd_wnd = wnd;
		if (opened)
			notify(tp, XS_TCP_EV_WRITE);
	}
	/* the FIN states */
	if (tp->fin_sent && tp->snd_una == tp->snd_max) {
		switch (tp->state) {
		case XS_TCP_FIN_WAIT1:
			xs_tcp_set_state(tp, XS_TCP_FIN_WAIT2, now_ns);
			if (!tp->owner) {
				tp->tw_at = now_ns + (tp->linger2_s > 0
					? (uint64_t)tp->linger2_s * XS_NS_PER_S : XS_TCP_FIN_TIMEOUT_NS);
				xs_tcp_timer_note(tp, tp->tw_at);
			}
			notify(tp, XS_TCP_EV_WRITE);
			break;
		case XS_TCP_CLOSING:
			xs_tcp_set_state(tp, XS_TCP_TIME_WAIT, now_ns);
			break;
		case XS_TCP_LAST_ACK:
			xs_tcp_done(tp, 0, now_ns);
			return false;
		default:
			break;
		}
	}
	return true;
}

/* ---- the states ----------------------------------------------------------- */

static enum xs_drop_reason syn_sent_input(struct xs_tcp_sock *tp, const struct xs_rx_pkt *pkt,
					  const struct seg *s, const struct xs_tcp_arrival *from,
					  uint64_t now_ns)
{
	uint16_t f = s->r.flags;
	bool ack_ok = false;

	if (f & XS_TCP_ACK) {
		ack_ok = xs_seq_gt(s->r.ack, tp->iss) && xs_seq_le(s->r.ack, tp->snd_max);
		if (!ack_ok) {
			xs_tcp_reply_rst(tp->table, pkt, &s->r, from->link, from->mac);
			return XS_DROP_TCP_STATE;
		}
	}
	if (f & XS_TCP_RST) {
		if (ack_ok) {
			tp->table->resets_in++;
			xs_tcp_done(tp, ECONNREFUSED, now_ns);
			return XS_DROP_NONE;
		}
		return XS_DROP_TCP_STATE;
	}
	if (!(f & XS_TCP_SYN))
		return XS_DROP_TCP_STATE;
	tp->irs = s->r.seq;
	tp->rcv_nxt = s->r.seq + 1;
	tp->rcv_adv = tp->rcv_wup = tp->rcv_nxt;
	negotiate(tp, &s->r.opts, true);
	if (ack_ok) {
		if (tp->rto_retries == 0 && !tp->ts_ok)
			xs_rtt_ack_seq(&tp->rtt, tp->rtt_sent_ns, now_ns, false);
		else if (tp->ts_ok)
			xs_rtt_ack_ts(&tp->rtt, s->r.opts.ts_ecr, xs_tcp_ts_now(tp, now_ns),
				      XS_NS_PER_S / XS_TCP_TS_HZ);
		tp->snd_una = s->r.ack;
		tp->rto_at = 0;
		synchronized(tp, s, now_ns);
		tp->ack_now = true;
		data_input(tp, s, now_ns);
		xs_tcp_output(tp, now_ns);
		notify(tp, XS_TCP_EV_WRITE);
		return XS_DROP_NONE;
	}
	/* simultaneous open (RFC 9293 3.5, figure 8) */
	tp->snd_wnd = s->r.window;
	tp->state = XS_TCP_SYN_RECV;
	xs_tcp_send_syn(tp, now_ns);
	xs_tcp_arm_rto(tp, now_ns);
	return XS_DROP_NONE;
}

static bool seq_acceptable(const struct xs_tcp_sock *tp, const struct seg *s)
{
	uint32_t seglen = s->len + !!(s->r.flags & XS_TCP_SYN) + !!(s->r.flags & XS_TCP_FIN);
	uint32_t wnd = xs_seq_gt(tp->rcv_adv, tp->rcv_nxt) ? tp->rcv_adv - tp->rcv_nxt : 0;
	uint32_t seq = s->r.seq;

	if (!wnd)
		return seglen ? false || seq == tp->rcv_nxt : seq == tp->rcv_nxt;
	/* RCV.NXT =< x < RCV.NXT+RCV.WND: xs_seq_between()'s window is [lo, hi) */
	if (!seglen)
		return xs_seq_between(seq, tp->rcv_nxt, tp->rcv_nxt + wnd);
	return xs_seq_between(seq, tp->rcv_nxt, tp->rcv_nxt + wnd) ||
	       xs_seq_between(seq + seglen - 1, tp->rcv_nxt, tp->rcv_nxt + wnd) ||
	       /* a segment that starts below and covers the window's left edge */
	       (xs_seq_lt(seq, tp->rcv_nxt) && xs_seq_gt(seq + seglen, tp->rcv_nxt));
}

static void reset_received(struct xs_tcp_sock *tp, uint64_t now_ns)
{
	tp->table->resets_in++;
	switch (tp->state) {
	case XS_TCP_SYN_RECV:
		if (tp->parent) {	/* passive: back to LISTEN, silently */
			xs_tcp_done(tp, 0, now_ns);
			return;
		}
		xs_tcp_done(tp, ECONNREFUSED, now_ns);
		return;
	case XS_TCP_ESTABLISHED:
	case XS_TCP_FIN_WAIT1:
	case XS_TCP_FIN_WAIT2:
	case XS_TCP_CLOSE_WAIT:
		/* Linux: a reset in CLOSE_WAIT reports EPIPE, else ECONNRESET */
		xs_tcp_done(tp, tp->state == XS_TCP_CLOSE_WAIT ? EPIPE : ECONNRESET, now_ns);
		return;
	default:
		xs_tcp_done(tp, 0, now_ns);
		return;
	}
}

/* A SYN that may reopen a TIME_WAIT 4-tuple (RFC 6191 / Linux's
 * tcp_timewait_state_process()): newer sequence number or timestamp. */
static bool tw_syn_acceptable(const struct xs_tcp_sock *tp, const struct seg *s)
{
	if (tp->ts_ok && s->r.opts.has_ts)
		return xs_seq_gt(s->r.opts.ts_val, tp->ts_recent);
	return xs_seq_gt(s->r.seq, tp->rcv_nxt);
}

#define RETRY_LISTENER XS_DROP__MAX

static enum xs_drop_reason conn_input(struct xs_tcp_sock *tp, const struct xs_rx_pkt *pkt,
				      const struct seg *s, const struct xs_tcp_arrival *from,
				      uint64_t now_ns)
{
	uint16_t f = s->r.flags;

	tp->cnt.segs_in++;
	if (tp->state == XS_TCP_CLOSE)
		return XS_DROP_TCP_STATE;	/* never hashed in CLOSE; defensive */
	if (tp->state == XS_TCP_SYN_SENT)
		return syn_sent_input(tp, pkt, s, from, now_ns);
	if (tp->state == XS_TCP_TIME_WAIT && (f & XS_TCP_SYN) && !(f & (XS_TCP_ACK | XS_TCP_RST)) &&
	    tw_syn_acceptable(tp, s)) {
		xs_tcp_done(tp, 0, now_ns);	/* an orphan: freed */
		return RETRY_LISTENER;
	}
	/* RFC 7323 5.3 PAWS */
	if (tp->ts_ok && s->r.opts.has_ts && !(f & XS_TCP_RST) &&
	    xs_seq_lt(s->r.opts.ts_val, tp->ts_recent) &&
	    now_ns - tp->ts_recent_ns < PAWS_IDLE_NS) {
		tp->table->paws_drops++;
		oow_ack(tp, s, now_ns);
		return XS_DROP_TCP_PAWS;
	}
	/* Simultaneous open (RFC 9293 3.5, figure 8): the peer's SYN-ACK
	 * repeats the SYN we have, so the sequence test would call it old,
	 * and acknowledges ours: that ACK completes the handshake (Linux's
	 * tcp_validate_incoming() lets it pass) */
	if (tp->state == XS_TCP_SYN_RECV && !tp->parent && (f & XS_TCP_SYN) && (f & XS_TCP_ACK) &&
	    s->r.seq + 1 == tp->rcv_nxt && s->r.ack == tp->snd_nxt) {
		if (tp->rto_retries == 0 && !tp->ts_ok)
			xs_rtt_ack_seq(&tp->rtt, tp->rtt_sent_ns, now_ns, false);
		else if (tp->ts_ok && s->r.opts.has_ts)
			xs_rtt_ack_ts(&tp->rtt, s->r.opts.ts_ecr, xs_tcp_ts_now(tp, now_ns),
				      XS_NS_PER_S / XS_TCP_TS_HZ);
		tp->snd_una = s->r.ack;
		tp->rto_at = 0;
		synchronized(tp, s, now_ns);	/* a SYN-ACK's window is not scaled */
		notify(tp, XS_TCP_EV_WRITE);
		return XS_DROP_NONE;
	}
	if (!seq_acceptable(tp, s)) {
		/* a retransmitted SYN in SYN_RECV: the SYN-ACK again */
		if (tp->state == XS_TCP_SYN_RECV && (f & XS_TCP_SYN) && s->r.seq == tp->irs &&
		    !(f & XS_TCP_ACK)) {
			xs_tcp_send_syn(tp, now_ns);
			return XS_DROP_NONE;
		}
		/* the peer's FIN again in TIME_WAIT: our ACK of it was lost, so
		 * the 2 MSL wait starts over (RFC 9293 3.10.7.4, eighth) */
		if (tp->state == XS_TCP_TIME_WAIT && (f & XS_TCP_FIN) &&
		    s->r.seq + s->len + 1 == tp->rcv_nxt) {
			tp->tw_at = now_ns + XS_TCP_TIMEWAIT_NS;
			xs_tcp_timer_note(tp, tp->tw_at);
		}
		tp->table->oow_drops++;
		oow_ack(tp, s, now_ns);
		return XS_DROP_TCP_STATE;
	}
	/* RFC 7323 4.3: remember the timestamp to echo */
	if (tp->ts_ok && s->r.opts.has_ts && xs_seq_le(s->r.seq, tp->rcv_wup) &&
	    xs_seq_ge(s->r.opts.ts_val, tp->ts_recent)) {
		tp->ts_recent = s->r.opts.ts_val;
		tp->ts_recent_ns = now_ns;
	} else if (tp->ts_ok && s->r.opts.has_ts && xs_seq_le(s->r.seq, tp->rcv_nxt) &&
		   xs_seq_gt(s->r.opts.ts_val, tp->ts_recent)) {
		tp->ts_recent = s->r.opts.ts_val;
		tp->ts_recent_ns = now_ns;
	}
	/* RFC 5961 3.2 */
	if (f & XS_TCP_RST) {
		if (s->r.seq == tp->rcv_nxt)
			reset_received(tp, now_ns);
		else
			challenge_ack(tp, now_ns);
		return XS_DROP_NONE;
	}
	/* RFC 5961 4.2: any SYN here gets a challenge ACK */
	if (f & XS_TCP_SYN) {
		if (tp->state == XS_TCP_SYN_RECV && s->r.seq == tp->irs) {
			xs_tcp_send_syn(tp, now_ns);
			return XS_DROP_NONE;
		}
		challenge_ack(tp, now_ns);
		return XS_DROP_NONE;
	}
	if (!(f & XS_TCP_ACK))
		return XS_DROP_TCP_STATE;
	tp->last_recv_ns = now_ns;
	if (tp->state == XS_TCP_SYN_RECV) {
		struct xs_tcp_sock *l = tp->parent;

		if (!xs_seq_gt(s->r.ack, tp->snd_una) || xs_seq_gt(s->r.ack, tp->snd_max)) {
			xs_tcp_reply_rst(tp->table, pkt, &s->r, from->link, from->mac);
			return XS_DROP_TCP_STATE;
		}
		/* TCP_DEFER_ACCEPT: the bare ACK that completes the handshake
		 * is ignored until data comes, or until the SYN-ACK timer has
		 * fired defer_accept times and a last SYN-ACK drew another
		 * ACK (tcp_check_req()) */
		if (l && l->defer_accept && tp->rto_retries < l->defer_accept && !s->len &&
		    !(f & XS_TCP_FIN) && s->r.seq == tp->irs + 1) {
			tp->defer_acked = true;
			return XS_DROP_NONE;
		}
		if (tp->rto_retries == 0 && !tp->ts_ok)
			xs_rtt_ack_seq(&tp->rtt, tp->rtt_sent_ns, now_ns, false);
		else if (tp->ts_ok && s->r.opts.has_ts)
			xs_rtt_ack_ts(&tp->rtt, s->r.opts.ts_ecr, xs_tcp_ts_now(tp, now_ns),
				      XS_NS_PER_S / XS_TCP_TS_HZ);
		tp->snd_una = s->r.ack;
		tp->rto_at = 0;
		synchronized(tp, s, now_ns);
		tp->snd_wnd = (uint32_t)s->r.window << tp->snd_wscale;
		tp->max_snd_wnd = tp->snd_wnd;
		if (l) {
			l->syn_queued--;
			if (l->accept_tail)
				l->accept_tail->qnext = tp;
			else
				l->accept_head = tp;
			l->accept_tail = tp;
			l->accept_len++;
			if (tp->table->env->established)
				tp->table->env->established(tp->table->env->ctx, tp);
			notify(l, XS_TCP_EV_READ);
		} else {
			notify(tp, XS_TCP_EV_WRITE);
		}
	} else if (!ack_input(tp, s, now_ns)) {
		return XS_DROP_NONE;
	}
	/* RFC 1122 4.2.2.13: new data after the application shut its reading
	 * side (close(), SHUT_RD) in FIN_WAIT is lost, and an RST says so
	 * (Linux's tcp_rcv_state_process(), TCPAbortOnData) */
	if ((tp->state == XS_TCP_FIN_WAIT1 || tp->state == XS_TCP_FIN_WAIT2) && tp->shut_rd &&
	    s->len && xs_seq_gt(s->r.seq + s->len, tp->rcv_nxt)) {
		xs_tcp_send_rst(tp, now_ns);
		xs_tcp_done(tp, ECONNRESET, now_ns);
		return XS_DROP_NONE;
	}
	/* Step 6: urgent data (RFC 9293 3.8.5) */
	if ((f & XS_TCP_URG) &&
	    (tp->state == XS_TCP_ESTABLISHED || tp->state == XS_TCP_FIN_WAIT1 ||
	     tp->state == XS_TCP_FIN_WAIT2))
		urgent_pointer(tp, s);
	data_input(tp, s, now_ns);
	xs_tcp_output(tp, now_ns);
	if (tp->state == XS_TCP_CLOSE && !tp->owner && !tp->parent)
		xs_tcp_sock_free(tp);
	return XS_DROP_NONE;
}

enum xs_drop_reason xs_tcp_input(struct xs_tcp_table *t, const struct xs_rx_pkt *pkt,
				 const struct xs_tcp_arrival *from, uint64_t now_ns)
{
	struct xs_tcp_view v;
	struct xs_tcp_sock *tp;
	enum xs_drop_reason why;
	struct seg s;

	if (xs_tcp_view_init(&v, pkt->l4, pkt->l4_len)) {
		t->bad_segs++;
		return XS_DROP_TCP_MALFORMED;
	}
	if (xs_csum_l4(&pkt->ph, IPPROTO_TCP, pkt->l4, pkt->l4_len)) {
		if (!t->accept_partial_csum ||
		    !xs_csum_l4_is_partial(&pkt->ph, IPPROTO_TCP, pkt->l4, pkt->l4_len, 16)) {
			t->bad_segs++;
			return XS_DROP_TCP_CSUM;
		}
		t->partial_csums++;
	}
	memset(&s, 0, sizeof(s));
	if (xs_tcp_repr_parse(&v, NULL, &s.r)) {
		t->bad_segs++;
		return XS_DROP_TCP_MALFORMED;
	}
	s.payload = xs_tcp_payload(&v);
	s.len = (uint32_t)s.r.payload_len;
	/* RFC 9293 3.10.7: SYN and FIN together, or SYN and RST, are not
	 * something any stack sends; Linux drops them too. */
	if ((s.r.flags & XS_TCP_SYN) && (s.r.flags & (XS_TCP_RST | XS_TCP_FIN))) {
		t->bad_segs++;
		return XS_DROP_TCP_MALFORMED;
	}
	tp = xs_tcp_lookup(t, pkt->dst, s.r.dst_port, pkt->src, s.r.src_port);
	if (tp) {
		why = conn_input(tp, pkt, &s, from, now_ns);
		if (why != RETRY_LISTENER)
			return why;
	}
	tp = xs_tcp_lookup_listener(t, pkt->family, pkt->dst, s.r.dst_port, from->ifindex);
	if (tp && tp->state == XS_TCP_LISTEN)
		return listen_input(tp, pkt, &s, from, now_ns);
	xs_tcp_reply_rst(t, pkt, &s.r, from->link, from->mac);
	return XS_DROP_NO_SOCKET;
}
