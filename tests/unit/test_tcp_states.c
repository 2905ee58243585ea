// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * The TCP state machine, one state at a time: a fixture brings side B's
 * socket into each state through real exchanges over the fake wire of
 * tcp_pair.h, then a hand-made segment from A (RST, SYN, FIN, ACK or data,
 * at RCV.NXT, RCV.NXT - 1, inside the window, at its last byte, just past
 * it, or far away) arrives, and the case checks what RFC 9293 with
 * RFC 5961 (and Linux, where the RFCs leave a choice) prescribe: the new
 * state, the one segment B answers with (or none), how far RCV.NXT and
 * SND.UNA moved, and what the application sees from SO_ERROR, recv() and
 * send().  Each case is a Test of its own, so criterion names it
 * (tcp_established::rst_in_window), and runs it on a fresh pair.
 *
 * Then the rest of the unit items of the TCP issue: challenge-ACK rate
 * limits, retransmission and Karn's rule, malformed options, MSS and
 * window-scale defaults, PAWS, simultaneous open.
 */
#include <criterion/criterion.h>
#include <errno.h>
#include <poll.h>
#include <stdio.h>

#include "tcp_pair.h"
#include "wire/bytes.h"

static struct pair P;

static void setup4(void) { pair_init(&P, AF_INET); }
static void setup6(void) { pair_init(&P, AF_INET6); }
static void teardown(void) { pair_destroy(&P); }

/* ---- what B sends ------------------------------------------------------- */

/* Once a case starts, every segment B sends is recorded here and kept off
 * the wire, so A never reacts and the case sees B's answer alone. */
#define REC_MAX 64
static struct xs_tcp_repr rec[REC_MAX];
static size_t nrec;

static bool record_b(struct pair *p, int from, const struct xs_tcp_repr *r, void *arg)
{
	(void)p;
	(void)arg;
	if (from == 1) {
		if (nrec < REC_MAX)
			rec[nrec] = *r;
		nrec++;
	}
	return false;
}

static void wire_flush(void)
{
	for (size_t i = 0; i < P.nq; i++)
		free(P.q[i].bytes);
	P.nq = 0;
}

static void record_start(void)
{
	wire_flush();
	nrec = 0;
	P.filter = record_b;
}

/* ---- segments from A, by hand ----------------------------------------- */

static void deliver_repr(int to, const struct xs_tcp_repr *r)
{
	uint8_t b[2048];
	struct xs_pseudo ph;
	int hl = xs_tcp_repr_hdr_len(r);

	cr_assert_geq(hl, 20);
	cr_assert_leq(r->payload_len + (size_t)hl, sizeof(b));
	for (size_t i = 0; i < r->payload_len; i++)
		b[hl + (int)i] = (uint8_t)('a' + i % 26);
	pair_pseudo(&P, !to, &ph);
	cr_assert_eq(xs_tcp_repr_emit(r, &ph, b, sizeof(b)), hl);
	pair_deliver(&P, to, b, (size_t)hl + r->payload_len);
}

/* ---- fixtures ------------------------------------------------------------ */

#define PEER_ISN 0x10000000u            /* A's ISN where A is played by hand */
#define PEER_TS  5000u                  /* and its timestamp clock */

struct fx {
	enum xs_tcp_state state;        /* the state the fixture reached */
	struct xs_tcp_sock *b;          /* B's socket under test */
	struct xs_tcp_sock *a;          /* its peer on A, when A is a real socket */
	struct xs_tcp_sock *l;          /* B's listener, when there is one */
	bool owned;                     /* b is the application's (not freed by a reset) */
	bool fin_in;                    /* B has received A's FIN */
	uint16_t aport, bport;
	/* B's numbers when the segment arrives */
	uint32_t rcv_nxt, rcv_wnd, snd_una, snd_nxt, snd_max, iss, irs, max_snd_wnd;
	bool ts;
	uint32_t ts_recent, ts_ecr;
};

static void fx_numbers(struct fx *f)
{
	struct xs_tcp_sock *b = f->b;

	f->state = b->state;
	f->rcv_nxt = b->rcv_nxt;
	f->rcv_wnd = b->rcv_adv - b->rcv_nxt;
	f->snd_una = b->snd_una;
	f->snd_nxt = b->snd_nxt;
	f->snd_max = b->snd_max;
	f->iss = b->iss;
	f->irs = b->irs;
	f->max_snd_wnd = b->max_snd_wnd;
	f->ts = b->ts_ok;
	f->ts_recent = b->ts_recent;
	f->ts_ecr = xs_tcp_ts_now(b, P.now);
}

static struct xs_tcp_sock *listener_b(void)
{
	struct xs_tcp_sock *l = xs_tcp_sock_new(&P.t[1], P.family, P.now);

	memcpy(l->laddr, P.addr[1], 16);
	l->lport = 80;
	l->owner = l;
	cr_assert_eq(xs_tcp_listen(l, 128), 0);
	return l;
}

static struct xs_tcp_sock *client(int side, uint16_t lport, uint16_t rport)
{
	struct xs_tcp_sock *c = xs_tcp_sock_new(&P.t[side], P.family, P.now);

	memcpy(c->laddr, P.addr[side], 16);
	memcpy(c->raddr, P.addr[!side], 16);
	c->lport = lport;
	c->rport = rport;
	c->link = 0;
	c->link_mtu = 1500;
	c->owner = c;
	return c;
}

static void fx_listen(struct fx *f)
{
	f->b = f->l = listener_b();
	f->owned = true;
	f->aport = 40000;
	f->bport = 80;
	f->state = XS_TCP_LISTEN;
	/* A is played by hand: its ISN, and a window of nothing yet */
	f->irs = PEER_ISN;
	f->rcv_nxt = PEER_ISN + 1;
	f->ts = true;
	f->ts_recent = PEER_TS;
}

static void fx_syn_sent(struct fx *f)
{
	f->b = client(1, 50000, 80);
	f->owned = true;
	f->aport = 80;
	f->bport = 50000;
	cr_assert_eq(xs_tcp_connect(f->b, P.now), 0);
	wire_flush();           /* the SYN is lost: A never answers by itself */
	fx_numbers(f);
	f->irs = PEER_ISN;
	f->rcv_nxt = PEER_ISN + 1;
	f->ts = true;
	f->ts_recent = PEER_TS;
}

static void fx_syn_recv(struct fx *f)
{
	f->l = listener_b();
	f->a = client(0, 40000, 80);
	f->aport = 40000;
	f->bport = 80;
	cr_assert_eq(xs_tcp_connect(f->a, P.now), 0);
	cr_assert(pair_step(&P, P.now));        /* the SYN reaches B */
	wire_flush();                           /* and the SYN-ACK is lost */
	f->b = xs_tcp_lookup(&P.t[1], P.addr[1], 80, P.addr[0], 40000);
	cr_assert_not_null(f->b);
	fx_numbers(f);
	f->ts_recent = f->b->ts_recent;
}

static void fx_established(struct fx *f)
{
	pair_connect(&P, &f->a, &f->l, &f->b);
	cr_assert_not_null(f->b);
	f->owned = true;
	f->aport = 40000;
	f->bport = 80;
}

static void fx_fin_wait1(struct fx *f)
{
	fx_established(f);
	cr_assert_eq(xs_tcp_shutdown(f->b, SHUT_WR, P.now), 0);
	wire_flush();           /* B's FIN is lost */
}

static void fx_fin_wait2(struct fx *f)
{
	fx_established(f);
	cr_assert_eq(xs_tcp_shutdown(f->b, SHUT_WR, P.now), 0);
	pair_run(&P, XS_NS_PER_MS);     /* A acknowledges the FIN */
}

static void fx_close_wait(struct fx *f)
{
	fx_established(f);
	cr_assert_eq(xs_tcp_shutdown(f->a, SHUT_WR, P.now), 0);
	pair_run(&P, XS_NS_PER_MS);
	f->fin_in = true;
}

static void fx_closing(struct fx *f)
{
	fx_established(f);
	cr_assert_eq(xs_tcp_shutdown(f->b, SHUT_WR, P.now), 0);
	wire_flush();           /* B's FIN is lost, */
	cr_assert_eq(xs_tcp_shutdown(f->a, SHUT_WR, P.now), 0);
	pair_run(&P, XS_NS_PER_MS);     /* A's arrives */
	f->fin_in = true;
}

static void fx_last_ack(struct fx *f)
{
	fx_close_wait(f);
	cr_assert_eq(xs_tcp_shutdown(f->b, SHUT_WR, P.now), 0);
	wire_flush();           /* B's FIN is lost */
}

static void fx_time_wait(struct fx *f)
{
	fx_fin_wait2(f);
	cr_assert_eq(xs_tcp_shutdown(f->a, SHUT_WR, P.now), 0);
	pair_run(&P, XS_NS_PER_MS);
	f->fin_in = true;
}

/* ESTABLISHED with B's window shut: its receive buffer (1 KiB of payload)
 * is full and unread. */
static void fx_zero_window(struct fx *f)
{
	static uint8_t buf[1024];
	struct iovec iov = { buf, sizeof(buf) };
	struct xs_tcp_sock *c, *l, *s;

	l = listener_b();
	xs_tcp_set_rcvbuf(l, 2048);
	c = client(0, 40000, 80);
	cr_assert_eq(xs_tcp_connect(c, P.now), 0);
	pair_run(&P, XS_NS_PER_MS);
	s = xs_tcp_accept(l);
	cr_assert_not_null(s);
	s->owner = s;
	cr_assert_eq(xs_tcp_send(c, &iov, 1, sizeof(buf), 0, P.now), (ssize_t)sizeof(buf));
	pair_run(&P, XS_NS_PER_MS);
	cr_assert_eq(s->rcvq.len, sizeof(buf));
	cr_assert_eq(s->rcv_adv, s->rcv_nxt, "the window is shut");
	f->a = c;
	f->l = l;
	f->b = s;
	f->owned = true;
	f->aport = 40000;
	f->bport = 80;
}

/* ---- one case ------------------------------------------------------------ */

/* Where the segment's sequence number lies, from B's RCV.NXT and RCV.WND. */
enum seqpos {
	S_NXT,          /* RCV.NXT */
	S_NXT_M1,       /* RCV.NXT - 1: just left of the window */
	S_NXT_P1,       /* RCV.NXT + 1 */
	S_IN,           /* RCV.NXT + RCV.WND / 2 */
	S_EDGE,         /* RCV.NXT + RCV.WND - 1: the window's last byte */
	S_PAST,         /* RCV.NXT + RCV.WND: just right of it */
	S_FAR,          /* RCV.NXT + 2^30 */
	S_BEHIND,       /* RCV.NXT - 2^30 */
	S_OLD,          /* RCV.NXT - len: every byte received before */
	S_IRS,          /* the peer's ISN (a SYN, or its retransmission) */
};

/* The acknowledgment number, from B's send sequence space. */
enum ackpos {
	A_UNA,          /* SND.UNA */
	A_NXT,          /* SND.NXT (= SND.MAX here: acknowledges everything) */
	A_PAST,         /* SND.MAX + 1: data never sent */
	A_UNA_M1,       /* SND.UNA - 1: old, but within MAX.SND.WND */
	A_TOO_OLD,      /* SND.UNA - MAX.SND.WND - 1 (RFC 5961 5.2) */
	A_ISS,          /* ISS: acknowledges nothing (SYN_SENT, SYN_RECV) */
	A_FAR,          /* SND.UNA + 2^30 */
};

enum tsopt { TS_NEW, TS_OLD, TS_NONE };

enum reply {
	NOTHING,        /* no segment */
	ACK,            /* <SEQ=SND.NXT><ACK=RCV.NXT><CTL=ACK> */
	CHALLENGE,      /* the same, counted as an RFC 5961 challenge ACK */
	RST,            /* <SEQ=SEG.ACK><CTL=RST> */
	RST_ACK,        /* <SEQ=0><ACK=SEG.SEQ+SEG.LEN><CTL=RST,ACK> */
	SYN_ACK,        /* <SEQ=ISS><ACK=RCV.NXT><CTL=SYN,ACK> */
	ANY,            /* not checked (see the case) */
};

struct tcase {
	uint16_t flags;
	enum seqpos seq;
	enum ackpos ack;
	uint32_t len;                   /* payload bytes */
	enum tsopt ts;
	/* what must follow */
	enum xs_tcp_state state;        /* 0: the fixture's state */
	enum reply reply;
	int32_t rcv;                    /* RCV.NXT moved by */
	int32_t una;                    /* SND.UNA moved by */
	uint32_t data;                  /* bytes recv() returns */
	int err;                        /* SO_ERROR */
	bool child;                     /* a new connection in SYN_RECV on B */
	uint8_t sack;                   /* SACK blocks in the ACK (out of order, D-SACK) */
};

#define F_SYN XS_TCP_SYN
#define F_ACK XS_TCP_ACK
#define F_RST XS_TCP_RST
#define F_FIN XS_TCP_FIN

static uint32_t seq_at(const struct fx *f, enum seqpos s, uint32_t len)
{
	switch (s) {
	case S_NXT: return f->rcv_nxt;
	case S_NXT_M1: return f->rcv_nxt - 1;
	case S_NXT_P1: return f->rcv_nxt + 1;
	case S_IN: return f->rcv_nxt + f->rcv_wnd / 2;
	case S_EDGE: return f->rcv_nxt + f->rcv_wnd - 1;
	case S_PAST: return f->rcv_nxt + f->rcv_wnd;
	case S_FAR: return f->rcv_nxt + (1u << 30);
	case S_BEHIND: return f->rcv_nxt - (1u << 30);
	case S_OLD: return f->rcv_nxt - len;
	case S_IRS: return f->irs;
	}
	return 0;
}

static uint32_t ack_at(const struct fx *f, enum ackpos a)
{
	switch (a) {
	case A_UNA: return f->snd_una;
	case A_NXT: return f->snd_nxt;
	case A_PAST: return f->snd_max + 1;
	case A_UNA_M1: return f->snd_una - 1;
	case A_TOO_OLD: return f->snd_una - (f->max_snd_wnd ? f->max_snd_wnd : 65535) - 1;
	case A_ISS: return f->iss;
	case A_FAR: return f->snd_una + (1u << 30);
	}
	return 0;
}

static void inject(const struct fx *f, uint16_t flags, uint32_t seq, uint32_t ack, uint32_t len,
		   enum tsopt ts)
{
	struct xs_tcp_repr r = {
		.src_port = f->aport, .dst_port = f->bport, .seq = seq, .flags = flags,
		.window = 65535, .payload_len = len,
	};

	if (flags & F_ACK)
		r.ack = ack;
	if (ts != TS_NONE && f->ts) {
		r.opts.has_ts = true;
		r.opts.ts_val = ts == TS_OLD ? f->ts_recent - 1 : f->ts_recent + 1;
		r.opts.ts_ecr = (flags & F_ACK) ? f->ts_ecr : 0;
	}
	if (flags & F_SYN) {
		/* what a Linux peer offers */
		r.opts.has_mss = true;
		r.opts.mss = 1460;
		r.opts.has_wscale = true;
		r.opts.wscale = 7;
		r.opts.sack_perm = true;
	}
	deliver_repr(1, &r);
}

/* B's socket for the 4-tuple (a SYN_RECV child is the table's, so it is
 * looked up, never dereferenced after it may have been freed). */
static struct xs_tcp_sock *conn_b(const struct fx *f)
{
	return xs_tcp_lookup(&P.t[1], P.addr[1], f->bport, P.addr[0], f->aport);
}

static bool rcv_shut_states(enum xs_tcp_state s)
{
	return s == XS_TCP_CLOSE_WAIT || s == XS_TCP_CLOSING || s == XS_TCP_LAST_ACK ||
	       s == XS_TCP_TIME_WAIT;
}

static void run(void (*fixture)(struct fx *), const struct tcase *c)
{
	struct fx f = { 0 };
	uint32_t seq, ack, seglen;
	uint64_t challenges;
	enum xs_tcp_state want = c->state, got;
	struct xs_tcp_sock *tp, *child = NULL;

	fixture(&f);
	if (f.b != f.l || !f.l)
		fx_numbers(&f);
	if (fixture == fx_listen || fixture == fx_syn_sent) {
		f.irs = PEER_ISN;
		f.rcv_nxt = PEER_ISN + 1;
		f.ts = true;
		f.ts_recent = PEER_TS;
	}
	if (!want)
		want = f.state;
	record_start();
	challenges = P.t[1].challenge_acks;
	seq = seq_at(&f, c->seq, c->len);
	ack = ack_at(&f, c->ack);
	seglen = c->len + !!(c->flags & F_SYN) + !!(c->flags & F_FIN);
	inject(&f, c->flags, seq, ack, c->len, c->ts);

	/* the state */
	if (f.owned)
		tp = f.b;
	else
		tp = conn_b(&f);
	got = tp ? tp->state : XS_TCP_CLOSE;
	if (f.b == f.l && f.l) {
		child = conn_b(&f);
		cr_assert_eq(c->child, child != NULL, "a connection in SYN_RECV: %d", child != NULL);
		if (child)
			cr_assert_eq(child->state, XS_TCP_SYN_RECV);
	} else if (c->child) {
		child = conn_b(&f);
		cr_assert_not_null(child, "a new connection");
		cr_assert_neq(child, f.b);
		cr_assert_eq(child->state, XS_TCP_SYN_RECV);
	}
	cr_assert_eq(got, want, "state %d, want %d", got, want);

	/* the answer */
	switch (c->reply) {
	case NOTHING:
		cr_assert_eq(nrec, 0, "%zu segments sent (first flags %#x)", nrec, rec[0].flags);
		break;
	case ACK:
	case CHALLENGE:
		cr_assert_eq(nrec, 1, "%zu segments sent", nrec);
		cr_assert_eq(rec[0].flags, F_ACK, "flags %#x", rec[0].flags);
		cr_assert_eq(rec[0].payload_len, 0);
		cr_assert_eq(rec[0].seq, f.snd_nxt, "seq %u, SND.NXT %u", rec[0].seq, f.snd_nxt);
		cr_assert_eq(rec[0].ack, f.rcv_nxt + (uint32_t)c->rcv, "ack %u, RCV.NXT %u", rec[0].ack,
			     f.rcv_nxt + (uint32_t)c->rcv);
		cr_assert_eq(rec[0].opts.nsack, c->sack, "%u SACK blocks", rec[0].opts.nsack);
		cr_assert_eq(P.t[1].challenge_acks - challenges, c->reply == CHALLENGE ? 1u : 0u,
			     "counted as a challenge ACK: %llu",
			     (unsigned long long)(P.t[1].challenge_acks - challenges));
		break;
	case RST:
		cr_assert_eq(nrec, 1, "%zu segments sent", nrec);
		cr_assert_eq(rec[0].flags, F_RST, "flags %#x", rec[0].flags);
		cr_assert_eq(rec[0].seq, ack, "seq %u, SEG.ACK %u", rec[0].seq, ack);
		break;
	case RST_ACK:
		cr_assert_eq(nrec, 1, "%zu segments sent", nrec);
		cr_assert_eq(rec[0].flags, F_RST | F_ACK, "flags %#x", rec[0].flags);
		cr_assert_eq(rec[0].seq, 0);
		cr_assert_eq(rec[0].ack, seq + seglen);
		break;
	case SYN_ACK:
		cr_assert_eq(nrec, 1, "%zu segments sent", nrec);
		cr_assert_eq(rec[0].flags, F_SYN | F_ACK, "flags %#x", rec[0].flags);
		cr_assert_eq(rec[0].seq, child ? child->iss : f.iss);
		cr_assert_eq(rec[0].ack, seq + 1);
		break;
	case ANY:
		break;
	}

	if (f.b == f.l && f.l)
		return;
	/* the sequence spaces (none before the SYN_SENT's SYN-ACK) */
	if (tp && got != XS_TCP_CLOSE && got != XS_TCP_SYN_SENT) {
		cr_assert_eq(tp->rcv_nxt - f.rcv_nxt, (uint32_t)c->rcv, "RCV.NXT moved by %d",
			     (int32_t)(tp->rcv_nxt - f.rcv_nxt));
		cr_assert_eq(tp->snd_una - f.snd_una, (uint32_t)c->una, "SND.UNA moved by %d",
			     (int32_t)(tp->snd_una - f.snd_una));
	}
	if (!f.owned)
		return;
	/* what the application sees */
	{
		uint8_t buf[256];
		struct iovec iov = { buf, sizeof(buf) };
		ssize_t want_recv, want_send, r;
		bool fin_in = f.fin_in || rcv_shut_states(got);

		cr_assert_eq(tp->err, c->err, "SO_ERROR %d, want %d", tp->err, c->err);
		if (c->data)
			want_recv = c->data;
		else if (fin_in)
			want_recv = 0;          /* the end of the stream came first */
		else if (c->err)
			want_recv = -c->err;
		else if (got == XS_TCP_CLOSE)
			want_recv = 0;
		else
			want_recv = -EAGAIN;
		r = xs_tcp_recv(tp, &iov, 1, sizeof(buf), 0, P.now);
		cr_assert_eq(r, want_recv, "recv %zd, want %zd", r, want_recv);
		if (c->data && c->rcv >= (int32_t)c->data)	/* the bytes of this segment */
			for (uint32_t i = 0; i < c->data; i++)
				cr_assert_eq(buf[i], 'a' + (c->len - c->data + i) % 26, "byte %u", i);
		switch (got) {
		case XS_TCP_ESTABLISHED:
		case XS_TCP_CLOSE_WAIT:
			want_send = 1;
			break;
		case XS_TCP_SYN_SENT:
		case XS_TCP_SYN_RECV:
			want_send = -EAGAIN;
			break;
		default:
			want_send = c->err && want_recv != -c->err ? -c->err : -EPIPE;
			break;
		}
		r = xs_tcp_send(tp, &iov, 1, 1, 0, P.now);
		cr_assert_eq(r, want_send, "send %zd, want %zd", r, want_send);
	}
}

#define CASE(suite, fixture, name, ...)                                         \
	Test(suite, name) { run(fixture, &(const struct tcase){ __VA_ARGS__ }); }

TestSuite(tcp_listen, .init = setup4, .fini = teardown);
TestSuite(tcp_syn_sent, .init = setup4, .fini = teardown);
TestSuite(tcp_syn_recv, .init = setup4, .fini = teardown);
TestSuite(tcp_established, .init = setup4, .fini = teardown);
TestSuite(tcp_zero_window, .init = setup4, .fini = teardown);
TestSuite(tcp_fin_wait1, .init = setup4, .fini = teardown);
TestSuite(tcp_fin_wait2, .init = setup4, .fini = teardown);
TestSuite(tcp_close_wait, .init = setup4, .fini = teardown);
TestSuite(tcp_closing, .init = setup4, .fini = teardown);
TestSuite(tcp_last_ack, .init = setup4, .fini = teardown);
TestSuite(tcp_time_wait, .init = setup4, .fini = teardown);
TestSuite(tcp_established6, .init = setup6, .fini = teardown);

/* ---- LISTEN (RFC 9293 3.10.7.2) ------------------------------------------ */

#define L(name, ...) CASE(tcp_listen, fx_listen, name, .seq = S_IRS, __VA_ARGS__)
L(syn_opens_a_child_and_answers_syn_ack, .flags = F_SYN, .reply = SYN_ACK, .child = true)
L(syn_with_data_acks_only_the_syn, .flags = F_SYN, .len = 10, .reply = SYN_ACK, .child = true)
L(rst_is_ignored, .flags = F_RST)
L(rst_ack_is_ignored, .flags = F_RST | F_ACK)
L(ack_gets_rst_seq_seg_ack, .flags = F_ACK, .ack = A_FAR, .reply = RST)
L(syn_ack_gets_rst_seq_seg_ack, .flags = F_SYN | F_ACK, .ack = A_FAR, .reply = RST)
L(fin_ack_gets_rst, .flags = F_FIN | F_ACK, .ack = A_FAR, .reply = RST)
L(data_ack_gets_rst, .flags = F_ACK, .len = 10, .ack = A_FAR, .reply = RST)
L(fin_alone_is_dropped, .flags = F_FIN)
L(data_alone_is_dropped, .len = 10)
L(bare_segment_is_dropped, .flags = 0)
L(syn_fin_is_dropped, .flags = F_SYN | F_FIN)
L(syn_rst_is_dropped, .flags = F_SYN | F_RST)
L(syn_without_timestamp_opens_a_child, .flags = F_SYN, .ts = TS_NONE, .reply = SYN_ACK,
  .child = true)

/* ---- SYN_SENT (RFC 9293 3.10.7.3, RFC 5961 3.2) ------------------------- */

#define SS(name, ...) CASE(tcp_syn_sent, fx_syn_sent, name, .seq = S_IRS, __VA_ARGS__)
SS(syn_ack_acking_syn_establishes, .flags = F_SYN | F_ACK, .ack = A_NXT,
   .state = XS_TCP_ESTABLISHED, .reply = ACK, .una = 1)
SS(syn_ack_acking_iss_gets_rst, .flags = F_SYN | F_ACK, .ack = A_ISS, .reply = RST)
SS(syn_ack_acking_past_snd_nxt_gets_rst, .flags = F_SYN | F_ACK, .ack = A_PAST, .reply = RST)
SS(syn_ack_acking_far_gets_rst, .flags = F_SYN | F_ACK, .ack = A_FAR, .reply = RST)
SS(ack_acking_syn_without_syn_is_dropped, .flags = F_ACK, .ack = A_NXT)
SS(ack_acking_past_snd_nxt_gets_rst, .flags = F_ACK, .ack = A_PAST, .reply = RST)
SS(ack_acking_iss_gets_rst, .flags = F_ACK, .ack = A_ISS, .reply = RST)
SS(rst_ack_acking_syn_refuses, .flags = F_RST | F_ACK, .ack = A_NXT, .state = XS_TCP_CLOSE,
   .err = ECONNREFUSED)
SS(rst_ack_acking_iss_is_dropped, .flags = F_RST | F_ACK, .ack = A_ISS)
SS(rst_ack_acking_past_is_dropped, .flags = F_RST | F_ACK, .ack = A_PAST)
SS(rst_without_ack_is_dropped, .flags = F_RST)
SS(syn_alone_is_simultaneous_open, .flags = F_SYN, .state = XS_TCP_SYN_RECV, .reply = SYN_ACK)
SS(fin_alone_is_dropped, .flags = F_FIN)
SS(fin_ack_without_syn_is_dropped, .flags = F_FIN | F_ACK, .ack = A_NXT)
SS(data_without_syn_is_dropped, .flags = F_ACK, .ack = A_NXT, .len = 10)
SS(syn_fin_ack_is_dropped, .flags = F_SYN | F_FIN | F_ACK, .ack = A_NXT)
SS(syn_rst_is_dropped, .flags = F_SYN | F_RST | F_ACK, .ack = A_NXT)

/* ---- SYN_RECV (passive; RFC 9293 3.10.7.4, RFC 5961) -------------------- */

#define SR(name, ...) CASE(tcp_syn_recv, fx_syn_recv, name, __VA_ARGS__)
SR(ack_of_syn_ack_establishes, .flags = F_ACK, .ack = A_NXT, .state = XS_TCP_ESTABLISHED, .una = 1)
SR(ack_acking_iss_gets_rst, .flags = F_ACK, .ack = A_ISS, .reply = RST)
SR(ack_acking_past_snd_nxt_gets_rst, .flags = F_ACK, .ack = A_PAST, .reply = RST)
SR(ack_at_rcv_nxt_minus_1_gets_ack, .flags = F_ACK, .seq = S_NXT_M1, .ack = A_NXT, .reply = ACK)
SR(ack_past_window_gets_ack, .flags = F_ACK, .seq = S_PAST, .ack = A_NXT, .reply = ACK)
SR(ack_far_gets_ack, .flags = F_ACK, .seq = S_FAR, .ack = A_NXT, .reply = ACK)
SR(rst_at_rcv_nxt_drops_the_connection, .flags = F_RST, .state = XS_TCP_CLOSE)
SR(rst_ack_at_rcv_nxt_drops_the_connection, .flags = F_RST | F_ACK, .ack = A_NXT,
   .state = XS_TCP_CLOSE)
SR(rst_in_window_gets_challenge_ack, .flags = F_RST, .seq = S_IN, .reply = CHALLENGE)
SR(rst_at_rcv_nxt_minus_1_is_dropped, .flags = F_RST, .seq = S_NXT_M1)
SR(rst_past_window_is_dropped, .flags = F_RST, .seq = S_PAST)
SR(rst_far_is_dropped, .flags = F_RST, .seq = S_FAR)
SR(syn_retransmitted_gets_syn_ack_again, .flags = F_SYN, .seq = S_IRS, .reply = SYN_ACK)
SR(syn_in_window_gets_challenge_ack, .flags = F_SYN, .seq = S_IN, .reply = CHALLENGE)
SR(syn_at_rcv_nxt_gets_challenge_ack, .flags = F_SYN, .seq = S_NXT, .reply = CHALLENGE)
SR(syn_past_window_gets_challenge_ack, .flags = F_SYN, .seq = S_PAST, .reply = CHALLENGE)
SR(syn_far_gets_challenge_ack, .flags = F_SYN, .seq = S_FAR, .reply = CHALLENGE)
SR(fin_ack_establishes_and_closes_to_close_wait, .flags = F_FIN | F_ACK, .ack = A_NXT,
   .state = XS_TCP_CLOSE_WAIT, .reply = ACK, .una = 1, .rcv = 1)
SR(fin_without_ack_is_dropped, .flags = F_FIN)
SR(data_ack_establishes_and_queues_it, .flags = F_ACK, .ack = A_NXT, .len = 100,
   .state = XS_TCP_ESTABLISHED, .reply = ACK, .una = 1, .rcv = 100)
SR(data_without_ack_is_dropped, .len = 100)
SR(data_past_window_gets_ack, .flags = F_ACK, .seq = S_PAST, .ack = A_NXT, .len = 100, .reply = ACK)
SR(ack_at_window_edge_establishes, .flags = F_ACK, .seq = S_EDGE, .ack = A_NXT,
   .state = XS_TCP_ESTABLISHED, .una = 1)
SR(rst_at_window_edge_gets_challenge_ack, .flags = F_RST, .seq = S_EDGE, .reply = CHALLENGE)

/* ---- ESTABLISHED --------------------------------------------------------- */

#define E(name, ...) CASE(tcp_established, fx_established, name, __VA_ARGS__)
/* RST (RFC 5961 3.2) */
E(rst_at_rcv_nxt_resets, .flags = F_RST, .state = XS_TCP_CLOSE, .err = ECONNRESET)
E(rst_ack_at_rcv_nxt_resets, .flags = F_RST | F_ACK, .state = XS_TCP_CLOSE, .err = ECONNRESET)
E(rst_at_rcv_nxt_minus_1_is_dropped, .flags = F_RST, .seq = S_NXT_M1)
E(rst_at_rcv_nxt_plus_1_gets_challenge_ack, .flags = F_RST, .seq = S_NXT_P1, .reply = CHALLENGE)
E(rst_in_window_gets_challenge_ack, .flags = F_RST, .seq = S_IN, .reply = CHALLENGE)
E(rst_past_window_is_dropped, .flags = F_RST, .seq = S_PAST)
E(rst_far_is_dropped, .flags = F_RST, .seq = S_FAR)
E(rst_behind_is_dropped, .flags = F_RST, .seq = S_BEHIND)
E(rst_with_old_timestamp_still_resets, .flags = F_RST, .ts = TS_OLD, .state = XS_TCP_CLOSE,
  .err = ECONNRESET)
/* SYN (RFC 5961 4.2: a challenge ACK whatever the sequence number) */
E(syn_at_rcv_nxt_gets_challenge_ack, .flags = F_SYN, .reply = CHALLENGE)
E(syn_in_window_gets_challenge_ack, .flags = F_SYN, .seq = S_IN, .reply = CHALLENGE)
E(syn_ack_at_rcv_nxt_gets_challenge_ack, .flags = F_SYN | F_ACK, .reply = CHALLENGE)
E(syn_at_rcv_nxt_minus_1_gets_challenge_ack, .flags = F_SYN, .seq = S_NXT_M1, .reply = CHALLENGE)
E(syn_past_window_gets_challenge_ack, .flags = F_SYN, .seq = S_PAST, .reply = CHALLENGE)
E(syn_far_gets_challenge_ack, .flags = F_SYN, .seq = S_FAR, .reply = CHALLENGE)
E(syn_behind_gets_challenge_ack, .flags = F_SYN, .seq = S_BEHIND, .reply = CHALLENGE)
E(syn_with_old_timestamp_gets_challenge_ack, .flags = F_SYN, .ts = TS_OLD, .reply = CHALLENGE)
E(syn_with_data_past_window_gets_challenge_ack, .flags = F_SYN, .seq = S_PAST, .len = 100,
  .reply = CHALLENGE)
/* FIN (with ACK; RFC 9293 3.10.7.4 eighth) */
E(fin_at_rcv_nxt_moves_to_close_wait, .flags = F_FIN | F_ACK, .state = XS_TCP_CLOSE_WAIT,
  .reply = ACK, .rcv = 1)
E(fin_at_rcv_nxt_minus_1_gets_ack, .flags = F_FIN | F_ACK, .seq = S_NXT_M1, .reply = ACK)
E(fin_in_window_waits_for_the_hole, .flags = F_FIN | F_ACK, .seq = S_IN, .reply = ACK)
E(fin_past_window_gets_ack, .flags = F_FIN | F_ACK, .seq = S_PAST, .reply = ACK)
E(fin_far_gets_ack, .flags = F_FIN | F_ACK, .seq = S_FAR, .reply = ACK)
E(fin_without_ack_is_dropped, .flags = F_FIN)
E(data_and_fin_at_rcv_nxt, .flags = F_FIN | F_ACK, .len = 100, .state = XS_TCP_CLOSE_WAIT,
  .reply = ACK, .rcv = 101, .data = 100)
/* ACK: the sequence number */
E(ack_at_rcv_nxt_is_silent, .flags = F_ACK)
E(ack_at_rcv_nxt_minus_1_gets_ack, .flags = F_ACK, .seq = S_NXT_M1, .reply = ACK)
E(ack_in_window_is_silent, .flags = F_ACK, .seq = S_IN)
E(ack_past_window_gets_ack, .flags = F_ACK, .seq = S_PAST, .reply = ACK)
E(ack_far_gets_ack, .flags = F_ACK, .seq = S_FAR, .reply = ACK)
E(ack_behind_gets_ack, .flags = F_ACK, .seq = S_BEHIND, .reply = ACK)
E(ack_with_old_timestamp_gets_ack, .flags = F_ACK, .ts = TS_OLD, .reply = ACK)
/* ACK: the acknowledgment number (RFC 5961 5.2) */
E(ack_of_unsent_data_gets_challenge_ack, .flags = F_ACK, .ack = A_PAST, .reply = CHALLENGE)
E(ack_far_ahead_gets_challenge_ack, .flags = F_ACK, .ack = A_FAR, .reply = CHALLENGE)
E(ack_older_than_max_window_gets_challenge_ack, .flags = F_ACK, .ack = A_TOO_OLD,
  .reply = CHALLENGE)
E(ack_old_within_max_window_is_ignored, .flags = F_ACK, .ack = A_UNA_M1)
E(data_with_ack_of_unsent_data_is_dropped, .flags = F_ACK, .ack = A_PAST, .len = 100,
  .reply = CHALLENGE)
/* data */
E(data_at_rcv_nxt_is_queued, .flags = F_ACK, .len = 100, .reply = ACK, .rcv = 100, .data = 100)
/* RFC 2883: what arrived twice is reported in a D-SACK block */
E(data_from_rcv_nxt_minus_1_is_trimmed, .flags = F_ACK, .seq = S_NXT_M1, .len = 100, .reply = ACK,
  .rcv = 99, .data = 99, .sack = 1)
E(data_all_old_gets_dup_ack, .flags = F_ACK, .seq = S_OLD, .len = 100, .reply = ACK, .sack = 1)
E(data_in_window_waits_out_of_order, .flags = F_ACK, .seq = S_IN, .len = 100, .reply = ACK,
  .sack = 1)
E(data_past_window_gets_ack, .flags = F_ACK, .seq = S_PAST, .len = 100, .reply = ACK)
E(data_far_gets_ack, .flags = F_ACK, .seq = S_FAR, .len = 100, .reply = ACK)
E(data_without_ack_is_dropped, .flags = 0, .len = 100)
E(data_with_old_timestamp_is_dropped_and_acked, .flags = F_ACK, .ts = TS_OLD, .len = 100,
  .reply = ACK)
E(data_without_timestamp_is_queued, .flags = F_ACK, .ts = TS_NONE, .len = 100, .reply = ACK,
  .rcv = 100, .data = 100)
E(rst_at_window_edge_gets_challenge_ack, .flags = F_RST, .seq = S_EDGE, .reply = CHALLENGE)
E(syn_at_window_edge_gets_challenge_ack, .flags = F_SYN, .seq = S_EDGE, .reply = CHALLENGE)
E(fin_at_window_edge_waits_for_the_hole, .flags = F_FIN | F_ACK, .seq = S_EDGE, .reply = ACK)
E(ack_at_window_edge_is_silent, .flags = F_ACK, .seq = S_EDGE)
E(data_byte_at_window_edge_waits_out_of_order, .flags = F_ACK, .seq = S_EDGE, .len = 1,
  .reply = ACK, .sack = 1)
E(data_across_window_edge_waits_trimmed, .flags = F_ACK, .seq = S_EDGE, .len = 100, .reply = ACK,
  .sack = 1)

/* ---- ESTABLISHED, B's window shut (RFC 9293 3.10.7.4 table) ------------- */

#define ZW(name, ...) CASE(tcp_zero_window, fx_zero_window, name, __VA_ARGS__)
ZW(ack_at_rcv_nxt_is_acceptable, .flags = F_ACK, .data = 256)
ZW(ack_at_rcv_nxt_plus_1_gets_ack, .flags = F_ACK, .seq = S_NXT_P1, .reply = ACK, .data = 256)
ZW(data_at_rcv_nxt_is_not_acceptable, .flags = F_ACK, .len = 10, .reply = ACK, .data = 256)
/* a bare FIN at RCV.NXT is taken even so (Linux's tcp_data_queue() does:
 * some peers resend it in a loop while the window stays shut) */
ZW(bare_fin_at_rcv_nxt_is_accepted, .flags = F_FIN | F_ACK, .state = XS_TCP_CLOSE_WAIT, .reply = ACK,
   .rcv = 1, .data = 256)
/* what was queued before the reset can still be read (Linux) */
ZW(rst_at_rcv_nxt_resets, .flags = F_RST, .state = XS_TCP_CLOSE, .err = ECONNRESET, .data = 256)
ZW(rst_at_rcv_nxt_plus_1_is_dropped, .flags = F_RST, .seq = S_NXT_P1, .data = 256)
ZW(syn_gets_challenge_ack, .flags = F_SYN, .reply = CHALLENGE, .data = 256)

/* ---- FIN_WAIT1: B's FIN unacknowledged ---------------------------------- */

#define FW1(name, ...) CASE(tcp_fin_wait1, fx_fin_wait1, name, __VA_ARGS__)
FW1(ack_of_fin_moves_to_fin_wait2, .flags = F_ACK, .ack = A_NXT, .state = XS_TCP_FIN_WAIT2, .una = 1)
FW1(ack_before_fin_stays, .flags = F_ACK, .ack = A_UNA)
FW1(fin_acking_fin_moves_to_time_wait, .flags = F_FIN | F_ACK, .ack = A_NXT,
    .state = XS_TCP_TIME_WAIT, .reply = ACK, .rcv = 1, .una = 1)
FW1(fin_not_acking_fin_moves_to_closing, .flags = F_FIN | F_ACK, .ack = A_UNA,
    .state = XS_TCP_CLOSING, .reply = ACK, .rcv = 1)
FW1(fin_at_rcv_nxt_minus_1_gets_ack, .flags = F_FIN | F_ACK, .seq = S_NXT_M1, .reply = ACK)
FW1(fin_in_window_waits, .flags = F_FIN | F_ACK, .seq = S_IN, .reply = ACK)
FW1(fin_past_window_gets_ack, .flags = F_FIN | F_ACK, .seq = S_PAST, .reply = ACK)
FW1(fin_without_ack_is_dropped, .flags = F_FIN)
FW1(rst_at_rcv_nxt_resets, .flags = F_RST, .state = XS_TCP_CLOSE, .err = ECONNRESET)
FW1(rst_at_rcv_nxt_minus_1_is_dropped, .flags = F_RST, .seq = S_NXT_M1)
FW1(rst_in_window_gets_challenge_ack, .flags = F_RST, .seq = S_IN, .reply = CHALLENGE)
FW1(rst_past_window_is_dropped, .flags = F_RST, .seq = S_PAST)
FW1(rst_far_is_dropped, .flags = F_RST, .seq = S_FAR)
FW1(syn_at_rcv_nxt_gets_challenge_ack, .flags = F_SYN, .reply = CHALLENGE)
FW1(syn_in_window_gets_challenge_ack, .flags = F_SYN, .seq = S_IN, .reply = CHALLENGE)
FW1(syn_past_window_gets_challenge_ack, .flags = F_SYN, .seq = S_PAST, .reply = CHALLENGE)
FW1(data_at_rcv_nxt_is_queued, .flags = F_ACK, .len = 100, .reply = ACK, .rcv = 100, .data = 100)
FW1(data_in_window_waits, .flags = F_ACK, .seq = S_IN, .len = 100, .reply = ACK, .sack = 1)
FW1(data_past_window_gets_ack, .flags = F_ACK, .seq = S_PAST, .len = 100, .reply = ACK)
FW1(ack_of_unsent_data_gets_challenge_ack, .flags = F_ACK, .ack = A_PAST, .reply = CHALLENGE)
FW1(ack_at_rcv_nxt_minus_1_gets_ack, .flags = F_ACK, .seq = S_NXT_M1, .ack = A_NXT, .reply = ACK)
FW1(rst_at_window_edge_gets_challenge_ack, .flags = F_RST, .seq = S_EDGE, .reply = CHALLENGE)
FW1(ack_at_window_edge_acks_fin, .flags = F_ACK, .seq = S_EDGE, .ack = A_NXT,
    .state = XS_TCP_FIN_WAIT2, .una = 1)

/* ---- FIN_WAIT2 ----------------------------------------------------------- */

#define FW2(name, ...) CASE(tcp_fin_wait2, fx_fin_wait2, name, __VA_ARGS__)
FW2(fin_at_rcv_nxt_moves_to_time_wait, .flags = F_FIN | F_ACK, .state = XS_TCP_TIME_WAIT,
    .reply = ACK, .rcv = 1)
FW2(fin_at_rcv_nxt_minus_1_gets_ack, .flags = F_FIN | F_ACK, .seq = S_NXT_M1, .reply = ACK)
FW2(fin_in_window_waits, .flags = F_FIN | F_ACK, .seq = S_IN, .reply = ACK)
FW2(fin_past_window_gets_ack, .flags = F_FIN | F_ACK, .seq = S_PAST, .reply = ACK)
FW2(fin_without_ack_is_dropped, .flags = F_FIN)
FW2(rst_at_rcv_nxt_resets, .flags = F_RST, .state = XS_TCP_CLOSE, .err = ECONNRESET)
FW2(rst_at_rcv_nxt_minus_1_is_dropped, .flags = F_RST, .seq = S_NXT_M1)
FW2(rst_in_window_gets_challenge_ack, .flags = F_RST, .seq = S_IN, .reply = CHALLENGE)
FW2(rst_past_window_is_dropped, .flags = F_RST, .seq = S_PAST)
FW2(syn_at_rcv_nxt_gets_challenge_ack, .flags = F_SYN, .reply = CHALLENGE)
FW2(syn_far_gets_challenge_ack, .flags = F_SYN, .seq = S_FAR, .reply = CHALLENGE)
FW2(data_at_rcv_nxt_is_queued, .flags = F_ACK, .len = 100, .reply = ACK, .rcv = 100, .data = 100)
FW2(data_and_fin_at_rcv_nxt_moves_to_time_wait, .flags = F_FIN | F_ACK, .len = 100,
    .state = XS_TCP_TIME_WAIT, .reply = ACK, .rcv = 101, .data = 100)
FW2(data_past_window_gets_ack, .flags = F_ACK, .seq = S_PAST, .len = 100, .reply = ACK)
FW2(ack_at_rcv_nxt_is_silent, .flags = F_ACK)
FW2(ack_at_rcv_nxt_minus_1_gets_ack, .flags = F_ACK, .seq = S_NXT_M1, .reply = ACK)
FW2(ack_past_window_gets_ack, .flags = F_ACK, .seq = S_PAST, .reply = ACK)
FW2(ack_of_unsent_data_gets_challenge_ack, .flags = F_ACK, .ack = A_PAST, .reply = CHALLENGE)
FW2(fin_at_window_edge_waits, .flags = F_FIN | F_ACK, .seq = S_EDGE, .reply = ACK)
FW2(rst_at_window_edge_gets_challenge_ack, .flags = F_RST, .seq = S_EDGE, .reply = CHALLENGE)
FW2(syn_at_window_edge_gets_challenge_ack, .flags = F_SYN, .seq = S_EDGE, .reply = CHALLENGE)

/* ---- CLOSE_WAIT: A's FIN received ----------------------------------------- */

#define CW(name, ...) CASE(tcp_close_wait, fx_close_wait, name, __VA_ARGS__)
CW(fin_retransmitted_gets_ack, .flags = F_FIN | F_ACK, .seq = S_NXT_M1, .reply = ACK)
CW(ack_at_rcv_nxt_is_silent, .flags = F_ACK)
CW(ack_at_rcv_nxt_minus_1_gets_ack, .flags = F_ACK, .seq = S_NXT_M1, .reply = ACK)
CW(ack_past_window_gets_ack, .flags = F_ACK, .seq = S_PAST, .reply = ACK)
CW(ack_of_unsent_data_gets_challenge_ack, .flags = F_ACK, .ack = A_PAST, .reply = CHALLENGE)
/* Linux (tcp_reset()): EPIPE in CLOSE_WAIT; recv() still ends the stream
 * with 0, as the FIN came first (SOCK_DONE) */
CW(rst_at_rcv_nxt_resets_with_epipe, .flags = F_RST, .state = XS_TCP_CLOSE, .err = EPIPE)
CW(rst_in_window_gets_challenge_ack, .flags = F_RST, .seq = S_IN, .reply = CHALLENGE)
CW(rst_past_window_is_dropped, .flags = F_RST, .seq = S_PAST)
CW(rst_far_is_dropped, .flags = F_RST, .seq = S_FAR)
CW(syn_at_rcv_nxt_gets_challenge_ack, .flags = F_SYN, .reply = CHALLENGE)
CW(syn_in_window_gets_challenge_ack, .flags = F_SYN, .seq = S_IN, .reply = CHALLENGE)
CW(syn_past_window_gets_challenge_ack, .flags = F_SYN, .seq = S_PAST, .reply = CHALLENGE)
/* RFC 9293 3.10.7.4 seventh: text after the FIN is ignored (whether it is
 * acknowledged is left open: Linux does not, xsock does) */
CW(data_after_fin_is_ignored, .flags = F_ACK, .len = 100, .reply = ANY)
CW(data_past_window_gets_ack, .flags = F_ACK, .seq = S_PAST, .len = 100, .reply = ACK)
CW(rst_at_window_edge_gets_challenge_ack, .flags = F_RST, .seq = S_EDGE, .reply = CHALLENGE)

/* ---- CLOSING: both FINs sent, B's unacknowledged ------------------------- */

#define CL(name, ...) CASE(tcp_closing, fx_closing, name, __VA_ARGS__)
CL(ack_of_fin_moves_to_time_wait, .flags = F_ACK, .ack = A_NXT, .state = XS_TCP_TIME_WAIT, .una = 1)
CL(ack_before_fin_stays, .flags = F_ACK, .ack = A_UNA)
CL(fin_retransmitted_gets_ack, .flags = F_FIN | F_ACK, .seq = S_NXT_M1, .reply = ACK)
CL(ack_at_rcv_nxt_minus_1_gets_ack, .flags = F_ACK, .seq = S_NXT_M1, .reply = ACK)
CL(ack_of_unsent_data_gets_challenge_ack, .flags = F_ACK, .ack = A_PAST, .reply = CHALLENGE)
/* RFC 9293: CLOSING, LAST-ACK, TIME-WAIT: a reset closes, no error */
CL(rst_at_rcv_nxt_closes, .flags = F_RST, .state = XS_TCP_CLOSE)
CL(rst_at_rcv_nxt_minus_1_is_dropped, .flags = F_RST, .seq = S_NXT_M1)
CL(rst_in_window_gets_challenge_ack, .flags = F_RST, .seq = S_IN, .reply = CHALLENGE)
CL(rst_past_window_is_dropped, .flags = F_RST, .seq = S_PAST)
CL(syn_at_rcv_nxt_gets_challenge_ack, .flags = F_SYN, .reply = CHALLENGE)
CL(syn_in_window_gets_challenge_ack, .flags = F_SYN, .seq = S_IN, .reply = CHALLENGE)
CL(syn_at_rcv_nxt_minus_1_gets_challenge_ack, .flags = F_SYN, .seq = S_NXT_M1, .reply = CHALLENGE)
CL(data_after_fin_is_ignored, .flags = F_ACK, .len = 100, .reply = ANY)
CL(rst_at_window_edge_gets_challenge_ack, .flags = F_RST, .seq = S_EDGE, .reply = CHALLENGE)

/* ---- LAST_ACK: B's FIN, after A's, unacknowledged ------------------------ */

#define LA(name, ...) CASE(tcp_last_ack, fx_last_ack, name, __VA_ARGS__)
LA(ack_of_fin_closes, .flags = F_ACK, .ack = A_NXT, .state = XS_TCP_CLOSE)
LA(ack_before_fin_stays, .flags = F_ACK, .ack = A_UNA)
LA(ack_of_fin_past_window_gets_ack, .flags = F_ACK, .seq = S_PAST, .ack = A_NXT, .reply = ACK)
LA(fin_retransmitted_gets_ack, .flags = F_FIN | F_ACK, .seq = S_NXT_M1, .reply = ACK)
LA(ack_of_unsent_data_gets_challenge_ack, .flags = F_ACK, .ack = A_PAST, .reply = CHALLENGE)
LA(rst_at_rcv_nxt_closes, .flags = F_RST, .state = XS_TCP_CLOSE)
LA(rst_at_rcv_nxt_minus_1_is_dropped, .flags = F_RST, .seq = S_NXT_M1)
LA(rst_in_window_gets_challenge_ack, .flags = F_RST, .seq = S_IN, .reply = CHALLENGE)
LA(rst_past_window_is_dropped, .flags = F_RST, .seq = S_PAST)
LA(rst_far_is_dropped, .flags = F_RST, .seq = S_FAR)
LA(syn_at_rcv_nxt_gets_challenge_ack, .flags = F_SYN, .reply = CHALLENGE)
LA(syn_in_window_gets_challenge_ack, .flags = F_SYN, .seq = S_IN, .reply = CHALLENGE)
LA(syn_far_gets_challenge_ack, .flags = F_SYN, .seq = S_FAR, .reply = CHALLENGE)
LA(data_after_fin_is_ignored, .flags = F_ACK, .len = 100, .reply = ANY)
LA(ack_of_fin_at_window_edge_closes, .flags = F_ACK, .seq = S_EDGE, .ack = A_NXT,
   .state = XS_TCP_CLOSE)
LA(rst_at_window_edge_gets_challenge_ack, .flags = F_RST, .seq = S_EDGE, .reply = CHALLENGE)

/* ---- TIME_WAIT ----------------------------------------------------------- */

#define TW(name, ...) CASE(tcp_time_wait, fx_time_wait, name, __VA_ARGS__)
TW(fin_retransmitted_gets_ack, .flags = F_FIN | F_ACK, .seq = S_NXT_M1, .reply = ACK)
TW(ack_at_rcv_nxt_is_silent, .flags = F_ACK)
TW(ack_at_rcv_nxt_minus_1_gets_ack, .flags = F_ACK, .seq = S_NXT_M1, .reply = ACK)
TW(ack_past_window_gets_ack, .flags = F_ACK, .seq = S_PAST, .reply = ACK)
TW(ack_of_unsent_data_gets_challenge_ack, .flags = F_ACK, .ack = A_PAST, .reply = CHALLENGE)
/* RFC 9293 closes; Linux too (tcp_rfc1337 = 0) */
TW(rst_at_rcv_nxt_closes, .flags = F_RST, .state = XS_TCP_CLOSE)
TW(rst_at_rcv_nxt_minus_1_is_dropped, .flags = F_RST, .seq = S_NXT_M1)
/* RFC 5961 3.2 (Linux ignores in-window RSTs in TIME_WAIT instead) */
TW(rst_in_window_gets_challenge_ack, .flags = F_RST, .seq = S_IN, .reply = CHALLENGE)
TW(rst_past_window_is_dropped, .flags = F_RST, .seq = S_PAST)
TW(rst_far_is_dropped, .flags = F_RST, .seq = S_FAR)
/* a new SYN reopens the 4-tuple (RFC 6191; Linux's
 * tcp_timewait_state_process()): newer timestamp, or higher sequence */
TW(syn_with_newer_timestamp_reopens, .flags = F_SYN, .seq = S_NXT, .state = XS_TCP_CLOSE,
   .reply = SYN_ACK, .child = true)
TW(syn_above_rcv_nxt_without_timestamp_reopens, .flags = F_SYN, .seq = S_IN, .ts = TS_NONE,
   .state = XS_TCP_CLOSE, .reply = SYN_ACK, .child = true)
TW(syn_below_rcv_nxt_without_timestamp_gets_challenge_ack, .flags = F_SYN, .seq = S_NXT_M1,
   .ts = TS_NONE, .reply = CHALLENGE)
TW(syn_with_old_timestamp_gets_challenge_ack, .flags = F_SYN, .seq = S_IN, .ts = TS_OLD,
   .reply = CHALLENGE)
TW(syn_ack_gets_challenge_ack, .flags = F_SYN | F_ACK, .seq = S_NXT, .reply = CHALLENGE)
TW(data_is_not_accepted, .flags = F_ACK, .len = 100, .reply = ACK)

/* ---- ESTABLISHED over IPv6: the same rules ------------------------------- */

#define E6(name, ...) CASE(tcp_established6, fx_established, name, __VA_ARGS__)
E6(rst_at_rcv_nxt_resets, .flags = F_RST, .state = XS_TCP_CLOSE, .err = ECONNRESET)
E6(rst_in_window_gets_challenge_ack, .flags = F_RST, .seq = S_IN, .reply = CHALLENGE)
E6(rst_past_window_is_dropped, .flags = F_RST, .seq = S_PAST)
E6(syn_in_window_gets_challenge_ack, .flags = F_SYN, .seq = S_IN, .reply = CHALLENGE)
E6(fin_at_rcv_nxt_moves_to_close_wait, .flags = F_FIN | F_ACK, .state = XS_TCP_CLOSE_WAIT,
   .reply = ACK, .rcv = 1)
E6(data_at_rcv_nxt_is_queued, .flags = F_ACK, .len = 100, .reply = ACK, .rcv = 100, .data = 100)
E6(ack_past_window_gets_ack, .flags = F_ACK, .seq = S_PAST, .reply = ACK)
E6(ack_of_unsent_data_gets_challenge_ack, .flags = F_ACK, .ack = A_PAST, .reply = CHALLENGE)

/* RFC 9293 3.10.7.4: in TIME-WAIT "the only thing that can arrive is a
 * retransmission of the remote FIN.  Acknowledge it, and restart the
 * 2 MSL timeout" (Linux: inet_twsk_reschedule()). */
Test(tcp_time_wait, fin_retransmitted_restarts_the_2msl_timer)
{
	struct fx f = { 0 };
	uint64_t entered;

	fx_time_wait(&f);
	fx_numbers(&f);
	entered = P.now;
	cr_assert_eq(f.b->tw_at, entered + XS_TCP_TIMEWAIT_NS);
	P.now += 30 * XS_NS_PER_S;
	record_start();
	inject(&f, F_FIN | F_ACK, f.rcv_nxt - 1, f.snd_nxt, 0, TS_NEW);
	cr_assert_eq(nrec, 1);
	cr_assert_eq(rec[0].flags, F_ACK);
	cr_assert_eq(rec[0].ack, f.rcv_nxt);
	P.now = entered + XS_TCP_TIMEWAIT_NS + XS_NS_PER_S;
	xs_tcp_timers(&P.t[1], P.now);
	cr_assert_eq(f.b->state, XS_TCP_TIME_WAIT, "the wait started over");
	P.now = entered + 30 * XS_NS_PER_S + XS_TCP_TIMEWAIT_NS;
	xs_tcp_timers(&P.t[1], P.now);
	cr_assert_eq(f.b->state, XS_TCP_CLOSE, "and ended 60 s after the FIN");
}

/* Anything else leaves the deadline where it is. */
Test(tcp_time_wait, ack_does_not_restart_the_2msl_timer)
{
	struct fx f = { 0 };
	uint64_t deadline;

	fx_time_wait(&f);
	fx_numbers(&f);
	deadline = f.b->tw_at;
	P.now += 30 * XS_NS_PER_S;
	record_start();
	inject(&f, F_ACK, f.rcv_nxt, f.snd_nxt, 0, TS_NEW);
	inject(&f, F_ACK, f.rcv_nxt - 1, f.snd_nxt, 0, TS_NEW);
	cr_assert_eq(f.b->tw_at, deadline);
	P.now = deadline;
	xs_tcp_timers(&P.t[1], P.now);
	cr_assert_eq(f.b->state, XS_TCP_CLOSE);
}

/* ---- challenge ACK rate limits (RFC 5961 7; tcp.h) ---------------------- */

TestSuite(tcp_challenge_limit, .init = setup4, .fini = teardown);

static void established_recording(struct fx *f)
{
	fx_established(f);
	fx_numbers(f);
	record_start();
}

/* A SYN carrying data is no data segment to answer at once: as Linux's
 * tcp_oow_rate_limited() has it, only data without SYN skips the limit. */
Test(tcp_challenge_limit, syn_with_data_outside_window_is_rate_limited)
{
	struct fx f = { 0 };

	established_recording(&f);
	inject(&f, F_SYN, f.rcv_nxt + (1u << 30), 0, 100, TS_NEW);
	cr_assert_eq(nrec, 1);
	P.now += 100 * XS_NS_PER_MS;
	inject(&f, F_SYN, f.rcv_nxt + (1u << 30), 0, 100, TS_NEW);
	inject(&f, F_SYN, f.rcv_nxt - 1, 0, 100, TS_NEW);
	cr_assert_eq(nrec, 1, "%zu answers within 500 ms", nrec);
	cr_assert_eq(P.t[1].challenge_acks, 1);
}
