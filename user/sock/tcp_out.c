// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * Segments leaving: what may be sent now and the headers it goes out with.
 *
 * What may be sent (xs_tcp_output()):
 *   - in SACK recovery (RFC 6675 5): while cwnd - pipe >= 1 SMSS, the
 *     segment NextSeg() names, retransmission or new data;
 *   - otherwise from SND.NXT: after an RTO that is below SND.MAX (go-back-N,
 *     skipping what the peer SACKed), else new data; within
 *     min(cwnd - flight, the peer's window), one MSS at a time, held back
 *     by Nagle (RFC 896, as Linux's tcp_nagle_check()), by TCP_CORK and
 *     MSG_MORE, and by sender silly-window avoidance (RFC 9293 3.8.6.2.1);
 *   - the FIN rides on the last data segment, or goes alone.
 * Every segment carries the current ACK and window, so it ends any pending
 * delayed ACK.
 */
#include "sock/tcp.h"

#include <errno.h>
#include <string.h>
#include <sys/socket.h>

#include "sock/tcp_seq.h"

uint32_t xs_tcp_ts_now(const struct xs_tcp_sock *tp, uint64_t now_ns)
{
	return (uint32_t)((now_ns - tp->table->ts_epoch_ns) / (XS_NS_PER_S / XS_TCP_TS_HZ)) +
	       tp->ts_offset;
}

static uint32_t ip_tcp_overhead(const struct xs_tcp_sock *tp)
{
	return (tp->v4 ? 20 : 40) + XS_TCP_MIN_HLEN;
}

uint16_t xs_tcp_mss_for_mtu(const struct xs_tcp_sock *tp, uint32_t mtu)
{
	uint32_t mss = mtu > ip_tcp_overhead(tp) ? mtu - ip_tcp_overhead(tp) : XS_TCP_CC_MIN_MSS;

	if (tp->user_mss && tp->user_mss < mss)
		mss = tp->user_mss;
	if (mss > 65535)
		mss = 65535;
	return (uint16_t)mss;
}

/* The send MSS: the peer's (or the default), the path's and TCP_MAXSEG's,
 * less the timestamp option when it rides on every segment. */
static uint16_t send_mss(const struct xs_tcp_sock *tp, bool timestamps)
{
	uint32_t mss = tp->mss_clamp ? tp->mss_clamp : (tp->v4 ? XS_TCP_MSS_DEFAULT4 : XS_TCP_MSS_DEFAULT6);
	uint32_t path = tp->link_mtu ? xs_tcp_mss_for_mtu(tp, tp->link_mtu) : mss;

	if (path < mss)
		mss = path;
	if (tp->user_mss && tp->user_mss < mss)
		mss = tp->user_mss;
	/* a peer's absurdly small MSS is raised to the floor (Linux:
	 * tcp_min_snd_mss) */
	if (timestamps && mss > XS_TCP_TS_OPTLEN)
		mss -= XS_TCP_TS_OPTLEN;
	return (uint16_t)(mss < XS_TCP_CC_MIN_MSS ? XS_TCP_CC_MIN_MSS : mss);
}

void xs_tcp_update_mss(struct xs_tcp_sock *tp)
{
	tp->mss = send_mss(tp, tp->ts_ok);
	tp->cc.mss = tp->mss;
}

uint16_t xs_tcp_syn_sent_mss(const struct xs_tcp_sock *tp)
{
	return send_mss(tp, true);
}

uint32_t xs_tcp_rcv_window(struct xs_tcp_sock *tp)
{
	uint32_t limit = xs_tcp_rcv_limit(tp), free_space, wnd, max;

	free_space = limit > tp->rcvq.len ? limit - tp->rcvq.len : 0;
	max = (uint32_t)65535 << tp->rcv_wscale;
	wnd = free_space < max ? free_space : max;
	/* whole units of the scale, or the peer would see it shrink */
	wnd &= ~((1u << tp->rcv_wscale) - 1);
	/* never move the right edge left (RFC 9293 3.8.6.2.2) */
	if (xs_seq_gt(tp->rcv_adv, tp->rcv_nxt + wnd) && tp->rcv_adv - tp->rcv_nxt <= max)
		wnd = tp->rcv_adv - tp->rcv_nxt;
	return wnd;
}

/* Fills the fields every segment of tp shares. */
static void header_init(struct xs_tcp_sock *tp, struct xs_tcp_repr *r, uint16_t flags, uint32_t seq,
			uint64_t now_ns)
{
	memset(r, 0, sizeof(*r));
	r->src_port = tp->lport;
	r->dst_port = tp->rport;
	r->seq = seq;
	r->flags = flags;
	if (flags & XS_TCP_ACK)
		r->ack = tp->rcv_nxt;
	if (tp->ts_ok) {
		r->opts.has_ts = true;
		r->opts.ts_val = xs_tcp_ts_now(tp, now_ns);
		r->opts.ts_ecr = tp->ts_recent;
	}
}

/* The window field and SACK blocks of a segment carrying an ACK; notes
 * what was advertised and that no ACK is owed any more. */
static void header_ack(struct xs_tcp_sock *tp, struct xs_tcp_repr *r)
{
	uint32_t wnd = xs_tcp_rcv_window(tp);

	r->window = (uint16_t)(wnd >> tp->rcv_wscale);
	tp->rcv_wnd = wnd;
	tp->rcv_adv = tp->rcv_nxt + wnd;
	tp->rcv_wup = tp->rcv_nxt;
	if (tp->sack_ok && (!xs_tcp_ooo_empty(&tp->ooo) || tp->sack_rx.dsack_pending)) {
		struct xs_tcp_sack_block ranges[XS_TCP_SACK_MAX_BLOCKS * 2], out[XS_TCP_SACK_MAX_BLOCKS];
		size_t n = xs_tcp_ooo_ranges(&tp->ooo, ranges, sizeof(ranges) / sizeof(ranges[0]));
		size_t max = tp->ts_ok ? XS_TCP_SACK_MAX_BLOCKS_TS : XS_TCP_SACK_MAX_BLOCKS, k;

		if (n > sizeof(ranges) / sizeof(ranges[0]))
			n = sizeof(ranges) / sizeof(ranges[0]);
		k = xs_tcp_sack_rx_build(&tp->sack_rx, tp->rcv_nxt, ranges, n, max, out);
		for (size_t i = 0; i < k; i++) {
			r->opts.sack[i].left = out[i].start;
			r->opts.sack[i].right = out[i].end;
		}
		r->opts.nsack = (uint8_t)k;
	}
	tp->delack_at = 0;
	tp->delack_pending = false;
	tp->ack_now = false;
	tp->segs_unacked = 0;
}

static int xmit(struct xs_tcp_sock *tp, struct xs_tcp_repr *r, const struct iovec *iov, int n,
		uint64_t now_ns)
{
	const struct xs_tcp_env *env = tp->table->env;
	int err;

	tp->cnt.segs_out++;
	if (r->payload_len)
		tp->cnt.data_segs_out++;
	tp->last_send_ns = now_ns;
	err = env->xmit(env->ctx, tp, r, iov, n);
	return err;
}

void xs_tcp_send_ack(struct xs_tcp_sock *tp, uint64_t now_ns)
{
	struct xs_tcp_repr r;

	if (tp->state == XS_TCP_CLOSE || tp->state == XS_TCP_LISTEN || tp->state == XS_TCP_SYN_SENT)
		return;
	header_init(tp, &r, XS_TCP_ACK, tp->snd_nxt, now_ns);
	header_ack(tp, &r);
	xmit(tp, &r, NULL, 0, now_ns);
}

void xs_tcp_send_syn(struct xs_tcp_sock *tp, uint64_t now_ns)
{
	struct xs_tcp_repr r;
	uint32_t wnd = xs_tcp_rcv_limit(tp);
	bool synack = tp->state == XS_TCP_SYN_RECV;

	header_init(tp, &r, synack ? XS_TCP_SYN | XS_TCP_ACK : XS_TCP_SYN, tp->iss, now_ns);
	tp->adv_mss = xs_tcp_mss_for_mtu(tp, tp->link_mtu ? tp->link_mtu : 1500);
	r.opts.has_mss = true;
	r.opts.mss = tp->adv_mss;
	/* A SYN offers every option; a SYN-ACK answers the ones offered. */
	if (!synack || tp->ws_ok) {
		r.opts.has_wscale = true;
		r.opts.wscale = tp->rcv_wscale;
	}
	r.opts.sack_perm = !synack || tp->sack_ok;
	if (!synack) {
		r.opts.has_ts = true;
		r.opts.ts_val = xs_tcp_ts_now(tp, now_ns);
		r.opts.ts_ecr = 0;
	}
	/* RFC 7323 2.2: the window of a SYN is never scaled */
	r.window = (uint16_t)(wnd < 65535 ? wnd : 65535);
	if (synack) {
		r.ack = tp->rcv_nxt;
		tp->rcv_adv = tp->rcv_nxt + r.window;
		tp->rcv_wnd = r.window;
	}
	if (xs_seq_lt(tp->snd_max, tp->iss + 1))
		tp->snd_max = tp->iss + 1;
	tp->snd_nxt = tp->iss + 1;
	xmit(tp, &r, NULL, 0, now_ns);
}

void xs_tcp_send_rst(struct xs_tcp_sock *tp, uint64_t now_ns)
{
	struct xs_tcp_repr r;

	if (tp->state == XS_TCP_CLOSE || tp->state == XS_TCP_LISTEN || tp->link < 0)
		return;
	if (tp->state == XS_TCP_SYN_SENT) {
		header_init(tp, &r, XS_TCP_RST, tp->snd_nxt, now_ns);
	} else {
		header_init(tp, &r, XS_TCP_RST | XS_TCP_ACK, tp->snd_nxt, now_ns);
		r.window = (uint16_t)(xs_tcp_rcv_window(tp) >> tp->rcv_wscale);
	}
	tp->table->rst_sent++;
	xmit(tp, &r, NULL, 0, now_ns);
}

void xs_tcp_reply_rst(struct xs_tcp_table *t, const struct xs_rx_pkt *pkt,
		      const struct xs_tcp_repr *seg, int link, const uint8_t mac[6])
{
	struct xs_tcp_repr r;
	uint32_t seglen = (uint32_t)seg->payload_len + !!(seg->flags & XS_TCP_SYN) +
			  !!(seg->flags & XS_TCP_FIN);

	if (seg->flags & XS_TCP_RST)
		return;
	memset(&r, 0, sizeof(r));
	r.src_port = seg->dst_port;
	r.dst_port = seg->src_port;
	/* RFC 9293 3.10.7.1: <SEQ=SEG.ACK><CTL=RST> for an ACK, else
	 * <SEQ=0><ACK=SEG.SEQ+SEG.LEN><CTL=RST,ACK> */
	if (seg->flags & XS_TCP_ACK) {
		r.seq = seg->ack;
		r.flags = XS_TCP_RST;
	} else {
		r.ack = seg->seq + seglen;
		r.flags = XS_TCP_RST | XS_TCP_ACK;
	}
	t->rst_sent++;
	t->env->reply(t->env->ctx, pkt, link, mac, &r);
}

/* The end of the SACKed range holding seq, or seq when none does. */
static uint32_t skip_sacked(const struct xs_tcp_sock *tp, uint32_t seq, uint32_t *limit)
{
	const struct xs_tcp_sack_board *b = &tp->board;

	for (uint32_t i = 0; i < b->nranges; i++) {
		if (xs_seq_le(b->ranges[i].start, seq) && xs_seq_lt(seq, b->ranges[i].end))
			seq = b->ranges[i].end;
		else if (xs_seq_gt(b->ranges[i].start, seq)) {
			*limit = b->ranges[i].start;
			break;
		}
	}
	return seq;
}

/*
 * Sends [seq, seq + len) of the stream, with the FIN when it ends the data
 * and a FIN is queued.  len may be 0 for a lone FIN.  Returns the sequence
 * space sent (len, + 1 with a FIN).
 */
static uint32_t send_range(struct xs_tcp_sock *tp, uint32_t seq, uint32_t len, uint64_t now_ns)
{
	uint32_t data_end = tp->snd_una + tp->sndq.len, sent = len;
	uint16_t flags = XS_TCP_ACK;
	struct xs_tcp_repr r;
	struct iovec iov[2];
	int n = 0;
	bool rexmit = xs_seq_lt(seq, tp->snd_max);

	if (tp->fin_queued && seq + len == data_end) {
		flags |= XS_TCP_FIN;
		sent++;
	}
	if (len)
		flags |= XS_TCP_PSH * (seq + len == data_end);
	header_init(tp, &r, flags, seq, now_ns);
	header_ack(tp, &r);
	if (tp->snd_urg && xs_seq_gt(tp->snd_up, seq)) {
		uint32_t up = tp->snd_up - seq;

		r.flags |= XS_TCP_URG;
		r.urgent = (uint16_t)(up > 65535 ? 65535 : up);
	}
	if (len)
		n = xs_tcp_ring_iov(&tp->sndq, seq - tp->snd_una, len, iov);
	r.payload_len = len;
	xmit(tp, &r, iov, n, now_ns);
	if (rexmit) {
		tp->cnt.total_retrans++;
		tp->cnt.bytes_retrans += len;
		tp->retrans_out++;
		tp->table->retrans_segs++;
		tp->rtt_timing = false;	/* Karn: an ambiguous ACK is no sample */
		tp->rexmit_tsval = r.opts.ts_val;
		tp->rexmit_ts_set = tp->ts_ok;
	} else {
		tp->cnt.bytes_sent += len;
		if (!tp->ts_ok && !tp->rtt_timing && len) {
			tp->rtt_timing = true;
			tp->rtt_seq = seq + len;
			tp->rtt_sent_ns = now_ns;
		}
	}
	if (flags & XS_TCP_FIN)
		tp->fin_sent = true;
	if (xs_seq_gt(seq + sent, tp->snd_max))
		tp->snd_max = seq + sent;
	if (!tp->rto_at)
		xs_tcp_arm_rto(tp, now_ns);
	if (!rexmit && len)
		xs_tcp_arm_tlp(tp, now_ns);
	return sent;
}

void xs_tcp_retransmit(struct xs_tcp_sock *tp, uint32_t seq, uint64_t now_ns)
{
	uint32_t data_end = tp->snd_una + tp->sndq.len, len;

	if (tp->state == XS_TCP_SYN_SENT || tp->state == XS_TCP_SYN_RECV) {
		xs_tcp_send_syn(tp, now_ns);
		tp->cnt.total_retrans++;
		tp->table->retrans_segs++;
		return;
	}
	len = xs_seq_lt(seq, data_end) ? data_end - seq : 0;
	if (len > tp->mss)
		len = tp->mss;
	if (!len && !(tp->fin_queued && seq == data_end))
		return;
	send_range(tp, seq, len, now_ns);
}

static bool in_sack_recovery(const struct xs_tcp_sock *tp)
{
	return tp->sack_ok && tp->board.in_recovery;
}

/* RFC 6675 5 (C): while the pipe leaves room, send what NextSeg() names. */
static void output_sack_recovery(struct xs_tcp_sock *tp, uint64_t now_ns)
{
	uint32_t data_end = tp->snd_una + tp->sndq.len;

	for (int guard = 0; guard < 1024; guard++) {
		uint32_t pipe = xs_tcp_sack_pipe(&tp->board, tp->snd_max);
		uint32_t wnd_end = tp->snd_una + tp->snd_wnd, new_bytes = 0;
		struct xs_tcp_sack_seg seg;

		if (pipe + tp->mss > tp->cc.cwnd)
			break;
		if (xs_seq_lt(tp->snd_max, data_end) && xs_seq_lt(tp->snd_max, wnd_end)) {
			new_bytes = xs_seq_min(data_end, wnd_end) - tp->snd_max;
		}
		if (!xs_tcp_sack_next_seg(&tp->board, tp->snd_max, new_bytes, &seg))
			break;	/* nothing to send (it returns the rule used, 0 for none) */
		if (xs_seq_ge(seg.start, data_end)) {
			/* only the FIN is left to (re)send */
			if (!tp->fin_queued)
				break;
			send_range(tp, data_end, 0, now_ns);
			xs_tcp_sack_sent(&tp->board, &seg);
			break;
		}
		if (xs_seq_gt(seg.end, data_end))
			seg.end = data_end;
		send_range(tp, seg.start, seg.end - seg.start, now_ns);
		if (xs_seq_gt(seg.end, tp->snd_nxt))
			tp->snd_nxt = xs_seq_max(tp->snd_nxt, seg.end);
		if (xs_seq_gt(tp->snd_max, tp->snd_nxt))
			tp->snd_nxt = tp->snd_max;
		xs_tcp_sack_sent(&tp->board, &seg);
	}
}

void xs_tcp_output(struct xs_tcp_sock *tp, uint64_t now_ns)
{
	uint32_t data_end, flight;
	bool sent_any = false;

	switch (tp->state) {
	case XS_TCP_ESTABLISHED:
	case XS_TCP_CLOSE_WAIT:
	case XS_TCP_FIN_WAIT1:
	case XS_TCP_CLOSING:
	case XS_TCP_LAST_ACK:
		break;
	default:
		if (tp->ack_now)
			xs_tcp_send_ack(tp, now_ns);
		return;
	}
	/* Restart after idle (RFC 5681 4.1): cwnd back toward the IW. */
	if (tp->snd_una == tp->snd_max && tp->last_send_ns)
		xs_tcp_cc_on_idle(&tp->cc, now_ns - tp->last_send_ns, xs_rtt_rto_ns(&tp->rtt), now_ns);
	data_end = tp->snd_una + tp->sndq.len;
	if (in_sack_recovery(tp)) {
		uint64_t before = tp->cnt.segs_out;

		output_sack_recovery(tp, now_ns);
		sent_any = tp->cnt.segs_out != before;
		goto done;
	}
	for (int guard = 0; guard < 4096; guard++) {
		uint32_t limit = data_end, wnd_end = tp->snd_una + tp->snd_wnd, len, usable;
		uint32_t seq = tp->snd_nxt;
		bool fin_only;

		if (tp->sack_ok && xs_seq_lt(seq, tp->snd_max)) {
			seq = skip_sacked(tp, seq, &limit);
			if (xs_seq_gt(seq, data_end))
				seq = data_end;
			tp->snd_nxt = xs_seq_max(tp->snd_nxt, seq);
			if (xs_seq_gt(limit, data_end))
				limit = data_end;
		}
		flight = tp->snd_nxt - tp->snd_una;
		if (flight >= tp->cc.cwnd + tp->lt_extra)
			break;
		usable = tp->cc.cwnd + tp->lt_extra - flight;
		len = xs_seq_lt(seq, limit) ? limit - seq : 0;
		fin_only = !len && tp->fin_queued && seq == data_end &&
			   (!tp->fin_sent || xs_seq_lt(seq, tp->snd_max));
		if (!len && !fin_only)
			break;
		if (len) {
			uint32_t wnd_left = xs_seq_lt(seq, wnd_end) ? wnd_end - seq : 0;

			if (len > tp->mss)
				len = tp->mss;
			if (len > usable)
				len = usable;
			if (len > wnd_left)
				len = wnd_left;
			if (!len) {
				/* Zero window: the persist timer probes it. */
				if (!wnd_left && tp->snd_una == tp->snd_nxt && !tp->persist_at && !tp->rto_at) {
					tp->persist_at = now_ns + xs_rtt_rto_ns(&tp->rtt);
					xs_tcp_timer_note(tp, tp->persist_at);
				}
				break;
			}
			if (len < tp->mss && seq + len == data_end && !tp->fin_queued &&
			    xs_seq_ge(seq, tp->snd_max)) {
				/* A partial last segment: TCP_CORK and MSG_MORE hold
				 * it; Nagle holds it while data is unacknowledged. */
				if (tp->cork || tp->msg_more)
					break;
				if (!tp->nodelay && tp->snd_max != tp->snd_una)
					break;
			}
			if (len < tp->mss && seq + len < data_end && xs_seq_ge(seq, tp->snd_max) &&
			    len < tp->max_snd_wnd / 2 && tp->snd_nxt != tp->snd_una)
				break;	/* sender SWS avoidance: wait for the window */
		}
		tp->snd_nxt = seq + send_range(tp, seq, len, now_ns);
		sent_any = true;
	}
done:
	if (!sent_any && tp->ack_now)
		xs_tcp_send_ack(tp, now_ns);
	if (tp->snd_wnd && tp->persist_at) {
		tp->persist_at = 0;
		tp->probes = 0;
	}
}
