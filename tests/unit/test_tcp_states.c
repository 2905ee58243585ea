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
 * Where RFC 9293 and Linux part, the case says which it follows: the RFC
 * for RSTs in CLOSING, LAST_ACK and TIME_WAIT (closed, no error; a
 * challenge ACK in the window), Linux for the errors of a reset
 * (tcp_reset()), a bare FIN in a shut window, and text in a SYN-ACK.
 *
 * Then the rest of the unit items of the TCP issue: challenge-ACK rate
 * limits, retransmission and Karn's rule, malformed options, MSS and
 * window-scale defaults, PAWS, simultaneous open.
 */
#include <criterion/criterion.h>
#include <errno.h>

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
static uint64_t rec_at[REC_MAX];        /* when, on the fake clock */
static size_t nrec;

static bool record_b(struct pair *p, int from, const struct xs_tcp_repr *r, void *arg)
{
	(void)arg;
	if (from == 1) {
		if (nrec < REC_MAX) {
			rec[nrec] = *r;
			rec_at[nrec] = p->now;
		}
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

/* A header of 20 bytes plus the option bytes given, as they are: for the
 * malformed-option cases, which no repr can express. */
static void deliver_raw(int to, uint16_t sport, uint16_t dport, uint32_t seq, uint32_t ack,
			uint16_t flags, const uint8_t *opts, size_t optlen, size_t payload)
{
	uint8_t b[256] = { 0 };
	size_t hl = 20 + optlen, len = hl + payload;
	struct xs_pseudo ph;

	cr_assert(optlen % 4 == 0 && optlen <= 40 && len <= sizeof(b));
	xs_put16(b, sport);
	xs_put16(b + 2, dport);
	xs_put32(b + 4, seq);
	xs_put32(b + 8, ack);
	xs_put16(b + 12, (uint16_t)((hl / 4) << 12 | flags));
	xs_put16(b + 14, 65535);
	memcpy(b + 20, opts, optlen);
	memset(b + hl, 'x', payload);
	pair_pseudo(&P, !to, &ph);
	xs_put16(b + 16, xs_csum_l4(&ph, IPPROTO_TCP, b, len));
	pair_deliver(&P, to, b, len);
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
	bool by_hand;                   /* A is played by hand: its numbers are ours */
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
	f->by_hand = true;
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
	f->by_hand = true;
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

/* The application closed (close(2), an orphan) or shut both ways. */
static void fx_fin_wait1_closed(struct fx *f)
{
	fx_established(f);
	xs_tcp_close(f->b, false, P.now);
	f->owned = false;
	wire_flush();
}

static void fx_fin_wait2_closed(struct fx *f)
{
	fx_established(f);
	xs_tcp_close(f->b, false, P.now);
	f->owned = false;
	pair_run(&P, XS_NS_PER_MS);
}

static void fx_fin_wait2_shut_rdwr(struct fx *f)
{
	fx_established(f);
	cr_assert_eq(xs_tcp_shutdown(f->b, SHUT_RDWR, P.now), 0);
	pair_run(&P, XS_NS_PER_MS);
}

/* ESTABLISHED with 1000 bytes of B's in flight, lost. */
static void fx_in_flight(struct fx *f)
{
	static uint8_t buf[1000];
	struct iovec iov = { buf, sizeof(buf) };

	fx_established(f);
	cr_assert_eq(xs_tcp_send(f->b, &iov, 1, sizeof(buf), 0, P.now), (ssize_t)sizeof(buf));
	cr_assert_eq(f->b->snd_max - f->b->snd_una, sizeof(buf));
	wire_flush();
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
	A_MID,          /* halfway from SND.UNA to SND.MAX */
};

enum tsopt { TS_NEW, TS_OLD, TS_NONE };

enum reply {
	NOTHING,        /* no segment */
	ACK,            /* <SEQ=SND.NXT><ACK=RCV.NXT><CTL=ACK> */
	CHALLENGE,      /* the same, counted as an RFC 5961 challenge ACK */
	RST,            /* <SEQ=SEG.ACK><CTL=RST> */
	RST_ACK,        /* <SEQ=0><ACK=SEG.SEQ+SEG.LEN><CTL=RST,ACK> */
	SYN_ACK,        /* <SEQ=ISS><ACK=RCV.NXT><CTL=SYN,ACK> */
	RST_CONN,       /* the connection's own: <SEQ=SND.NXT><CTL=RST,ACK> */
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
	case A_MID: return f->snd_una + (f->snd_max - f->snd_una) / 2;
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
	if (!f.by_hand)
		fx_numbers(&f);
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
	case RST_CONN:
		cr_assert_eq(nrec, 1, "%zu segments sent", nrec);
		cr_assert_eq(rec[0].flags, F_RST | F_ACK, "flags %#x", rec[0].flags);
		cr_assert_eq(rec[0].seq, f.snd_nxt);
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
TestSuite(tcp_in_flight, .init = setup4, .fini = teardown);
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
/* text in a SYN-ACK: RFC 9293 3.10.7.3 would queue it, Linux drops it
 * (tcp_rcv_synsent_state_process() returns -1 and the caller frees the
 * skb) and so does xsock: the peer sends it again */
SS(syn_ack_with_data_establishes_and_acks_only_the_syn, .flags = F_SYN | F_ACK, .ack = A_NXT,
   .len = 20, .state = XS_TCP_ESTABLISHED, .reply = ACK, .una = 1)
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

/* A handshake that ends in a reset gives its slot back: a port scan
 * (SYN, SYN-ACK, the scanner's RST) must not fill the SYN queue for good
 * (Linux: inet_csk_reqsk_queue_drop()). */
Test(tcp_syn_recv, reset_handshakes_do_not_fill_the_listener)
{
	struct xs_tcp_sock *l = listener_b();
	struct xs_tcp_repr r = { .dst_port = 80, .seq = PEER_ISN, .flags = F_SYN, .window = 65535 };

	xs_tcp_listen(l, 1);
	record_start();
	for (int i = 0; i < 20; i++) {
		r.src_port = (uint16_t)(30000 + i);
		r.seq = PEER_ISN;
		r.flags = F_SYN;
		deliver_repr(1, &r);
		cr_assert_eq(nrec, (size_t)i + 1, "SYN %d answered", i);
		cr_assert_eq(rec[i].flags, F_SYN | F_ACK);
		r.seq = PEER_ISN + 1;
		r.flags = F_RST;
		deliver_repr(1, &r);
	}
	cr_assert_eq(l->syn_queued, 0);
	cr_assert_eq(P.t[1].listen_overflows, 0);
}

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

/* ---- ESTABLISHED, B's data in flight (RFC 9293 3.10.7.4 fifth) ---------- */

#define IF(name, ...) CASE(tcp_in_flight, fx_in_flight, name, __VA_ARGS__)
IF(ack_of_part_moves_snd_una, .flags = F_ACK, .ack = A_MID, .una = 500)
IF(ack_of_all_moves_snd_una, .flags = F_ACK, .ack = A_NXT, .una = 1000)
IF(duplicate_ack_is_silent, .flags = F_ACK, .ack = A_UNA)
IF(ack_past_snd_max_gets_challenge_ack, .flags = F_ACK, .ack = A_PAST, .reply = CHALLENGE)
IF(ack_older_than_max_window_gets_challenge_ack, .flags = F_ACK, .ack = A_TOO_OLD,
   .reply = CHALLENGE)
IF(ack_of_all_outside_window_is_not_processed, .flags = F_ACK, .seq = S_PAST, .ack = A_NXT,
   .reply = ACK)
IF(ack_of_all_with_old_timestamp_is_not_processed, .flags = F_ACK, .ack = A_NXT, .ts = TS_OLD,
   .reply = ACK)
IF(ack_of_all_at_window_edge_moves_snd_una, .flags = F_ACK, .seq = S_EDGE, .ack = A_NXT,
   .una = 1000)
IF(fin_acking_all_moves_to_close_wait, .flags = F_FIN | F_ACK, .ack = A_NXT,
   .state = XS_TCP_CLOSE_WAIT, .reply = ACK, .rcv = 1, .una = 1000)
IF(rst_at_rcv_nxt_resets, .flags = F_RST, .state = XS_TCP_CLOSE, .err = ECONNRESET)
IF(rst_in_window_gets_challenge_ack, .flags = F_RST, .seq = S_IN, .reply = CHALLENGE)
IF(syn_gets_challenge_ack, .flags = F_SYN, .seq = S_IN, .reply = CHALLENGE)

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

/* RFC 1122 4.2.2.13: data that arrives after close() is lost, and an RST
 * says so (Linux: tcp_rcv_state_process(), TCPAbortOnData); a FIN alone
 * is no data. */
CASE(tcp_fin_wait1, fx_fin_wait1_closed, closed_new_data_gets_rst, .flags = F_ACK, .len = 100,
     .state = XS_TCP_CLOSE, .reply = RST_CONN)
CASE(tcp_fin_wait1, fx_fin_wait1_closed, closed_fin_moves_to_closing, .flags = F_FIN | F_ACK,
     .state = XS_TCP_CLOSING, .reply = ACK, .rcv = 1)
CASE(tcp_fin_wait1, fx_fin_wait1_closed, closed_old_data_gets_ack, .flags = F_ACK, .seq = S_OLD,
     .len = 100, .reply = ACK, .sack = 1)

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

CASE(tcp_fin_wait2, fx_fin_wait2_closed, closed_new_data_gets_rst, .flags = F_ACK, .len = 100,
     .state = XS_TCP_CLOSE, .reply = RST_CONN)
CASE(tcp_fin_wait2, fx_fin_wait2_closed, closed_data_and_fin_gets_rst, .flags = F_FIN | F_ACK,
     .len = 100, .state = XS_TCP_CLOSE, .reply = RST_CONN)
CASE(tcp_fin_wait2, fx_fin_wait2_closed, closed_fin_moves_to_time_wait, .flags = F_FIN | F_ACK,
     .state = XS_TCP_TIME_WAIT, .reply = ACK, .rcv = 1)
CASE(tcp_fin_wait2, fx_fin_wait2_shut_rdwr, shut_rdwr_new_data_resets, .flags = F_ACK, .len = 100,
     .state = XS_TCP_CLOSE, .reply = RST_CONN, .err = ECONNRESET)

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

/* Each socket has its own 500 ms (Linux's tcp_invalid_ratelimit). */
Test(tcp_challenge_limit, one_per_socket_per_500ms)
{
	struct fx f = { 0 };
	uint64_t t0;

	established_recording(&f);
	t0 = P.now;
	inject(&f, F_RST, f.rcv_nxt + 10, 0, 0, TS_NEW);
	cr_assert_eq(nrec, 1);
	P.now = t0 + XS_TCP_OOW_INTERVAL_NS - 1;
	inject(&f, F_RST, f.rcv_nxt + 10, 0, 0, TS_NEW);
	cr_assert_eq(nrec, 1, "none within 500 ms");
	P.now = t0 + XS_TCP_OOW_INTERVAL_NS;
	inject(&f, F_RST, f.rcv_nxt + 10, 0, 0, TS_NEW);
	cr_assert_eq(nrec, 2, "another after 500 ms");
	cr_assert_eq(rec[1].flags, F_ACK);
	cr_assert_eq(rec[1].ack, f.rcv_nxt);
	cr_assert_eq(P.t[1].challenge_acks, 2);
	cr_assert_eq(f.b->state, XS_TCP_ESTABLISHED);
}

/* RSTs, SYNs, bad ACK numbers and pure ACKs outside the window share the
 * socket's limit: any of them could feed an ACK loop. */
Test(tcp_challenge_limit, rst_syn_ack_and_out_of_window_acks_share_the_limit)
{
	struct fx f = { 0 };

	established_recording(&f);
	inject(&f, F_ACK, f.rcv_nxt + f.rcv_wnd, f.snd_una, 0, TS_NEW);
	cr_assert_eq(nrec, 1);
	P.now += 100 * XS_NS_PER_MS;
	inject(&f, F_RST, f.rcv_nxt + 10, 0, 0, TS_NEW);
	inject(&f, F_SYN, f.rcv_nxt, 0, 0, TS_NEW);
	inject(&f, F_ACK, f.rcv_nxt, f.snd_max + 1, 0, TS_NEW);
	inject(&f, F_ACK, f.rcv_nxt, f.snd_una, 0, TS_OLD);
	cr_assert_eq(nrec, 1, "%zu answers", nrec);
	cr_assert_eq(f.b->state, XS_TCP_ESTABLISHED);
}

/* Data outside the window is answered every time (Linux: data without SYN
 * is no ACK loop); a sender retransmitting what we have needs the ACK. */
Test(tcp_challenge_limit, data_outside_window_is_always_answered)
{
	struct fx f = { 0 };

	established_recording(&f);
	for (int i = 0; i < 3; i++)
		inject(&f, F_ACK, f.rcv_nxt - 100, f.snd_una, 100, TS_NEW);
	for (int i = 0; i < 3; i++)
		inject(&f, F_ACK, f.rcv_nxt + f.rcv_wnd, f.snd_una, 100, TS_NEW);
	inject(&f, F_FIN | F_ACK, f.rcv_nxt - 1, f.snd_una, 0, TS_NEW);
	cr_assert_eq(nrec, 7);
	for (size_t i = 0; i < 7; i++)
		cr_assert_eq(rec[i].ack, f.rcv_nxt);
	cr_assert_eq(P.t[1].challenge_acks, 0);
}

/* B's side of a new connection from A's port lport to the listener l,
 * accepted and owned. */
static struct xs_tcp_sock *connect_to(struct xs_tcp_sock *l, uint16_t lport)
{
	struct xs_tcp_sock *c = client(0, lport, 80), *s;

	cr_assert_eq(xs_tcp_connect(c, P.now), 0);
	while (c->state == XS_TCP_SYN_SENT || !l->accept_head)
		cr_assert(pair_step(&P, P.now + XS_NS_PER_S));
	s = xs_tcp_accept(l);
	cr_assert_not_null(s);
	s->owner = s;
	return s;
}

static void rst_in_window(const struct xs_tcp_sock *b)
{
	struct xs_tcp_repr r = {
		.src_port = b->rport, .dst_port = b->lport, .seq = b->rcv_nxt + 10,
		.flags = F_RST,
	};

	deliver_repr(1, &r);
}

/* RFC 5961 7 and tcp.h: XS_TCP_CHALLENGE_PER_S challenge ACKs a second
 * for the whole table, however many sockets are attacked. */
Test(tcp_challenge_limit, global_budget_per_second, .timeout = 30)
{
	enum { N = XS_TCP_CHALLENGE_PER_S + 1 };
	static struct xs_tcp_sock *b[N];
	struct xs_tcp_sock *l = listener_b();
	uint64_t t0;

	for (int i = 0; i < N; i++)
		b[i] = connect_to(l, (uint16_t)(20000 + i));
	record_start();
	t0 = P.now;
	for (int i = 0; i < N; i++) {
		P.now = t0 + (uint64_t)i * XS_NS_PER_US;
		rst_in_window(b[i]);
	}
	cr_assert_eq(nrec, XS_TCP_CHALLENGE_PER_S, "%zu challenge ACKs in a second", nrec);
	cr_assert_eq(P.t[1].challenge_acks, XS_TCP_CHALLENGE_PER_S);
	/* a new second, a new budget; the last socket has not used its own */
	P.now = t0 + XS_NS_PER_S;
	rst_in_window(b[N - 1]);
	cr_assert_eq(nrec, XS_TCP_CHALLENGE_PER_S + 1);
	for (int i = 0; i < N; i++)
		cr_assert_eq(b[i]->state, XS_TCP_ESTABLISHED);
}

/* ---- retransmission and Karn's rule (RFC 6298) --------------------------- */

TestSuite(tcp_retransmit, .init = setup4, .fini = teardown);

/*
 * A plays by hand the client of B's listener: its SYN carries exactly the
 * options in o (and its ISN PEER_ISN); its ACK of the SYN-ACK comes
 * rtt_ns later.  f then describes B's accepted, owned connection.
 */
static void passive_by_hand(struct fx *f, const struct xs_tcp_opts *o, uint64_t rtt_ns)
{
	struct xs_tcp_repr r = { .src_port = 40000, .dst_port = 80, .seq = PEER_ISN,
				 .flags = F_SYN, .window = 65535 };
	struct xs_tcp_sock *l = listener_b();

	r.opts = *o;
	record_start();
	deliver_repr(1, &r);
	cr_assert_eq(nrec, 1);
	cr_assert_eq(rec[0].flags, F_SYN | F_ACK);
	P.now += rtt_ns;
	memset(&r, 0, sizeof(r));
	r.src_port = 40000;
	r.dst_port = 80;
	r.seq = PEER_ISN + 1;
	r.ack = rec[0].seq + 1;
	r.flags = F_ACK;
	r.window = 65535;
	if (o->has_ts) {
		r.opts.has_ts = true;
		r.opts.ts_val = o->ts_val + 1;
		r.opts.ts_ecr = rec[0].opts.ts_val;
	}
	deliver_repr(1, &r);
	f->l = l;
	f->b = xs_tcp_accept(l);
	cr_assert_not_null(f->b, "the handshake completed");
	f->b->owner = f->b;
	f->owned = true;
	f->aport = 40000;
	f->bport = 80;
	fx_numbers(f);
	nrec = 0;
}

static void ack_by_hand(const struct fx *f, uint32_t ack)
{
	struct xs_tcp_repr r = { .src_port = f->aport, .dst_port = f->bport, .seq = f->rcv_nxt,
				 .ack = ack, .flags = F_ACK, .window = 65535 };

	deliver_repr(1, &r);
}

static void send_b(const struct fx *f, size_t n)
{
	static uint8_t buf[4096];
	struct iovec iov = { buf, n };

	cr_assert_eq(xs_tcp_send(f->b, &iov, 1, n, 0, P.now), (ssize_t)n);
}

/* Without timestamps, the ACK of a retransmitted segment is no RTT sample
 * (Karn's algorithm, RFC 6298 3): it may be for either transmission.  The
 * backed-off RTO stays until a segment sent once is acknowledged (RFC 6298
 * 5.7 with Karn; Linux resets icsk_backoff only on a valid sample). */
Test(tcp_retransmit, karn_no_sample_from_a_retransmitted_segment)
{
	struct xs_tcp_opts o = { .has_mss = true, .mss = 1460 };
	struct fx f = { 0 };
	uint64_t srtt, rto;
	uint32_t seq;

	passive_by_hand(&f, &o, 10 * XS_NS_PER_MS);
	cr_assert(!f.b->ts_ok);
	cr_assert(f.b->rtt.has_sample, "the handshake's RTT");
	srtt = f.b->rtt.srtt_ns;
	cr_assert_eq(srtt, 10 * XS_NS_PER_MS);
	rto = xs_rtt_rto_ns(&f.b->rtt);

	send_b(&f, 100);
	cr_assert_eq(nrec, 1);
	seq = rec[0].seq;
	cr_assert_eq(f.b->rto_at, P.now + rto);
	P.now = f.b->rto_at;
	xs_tcp_timers(&P.t[1], P.now);
	cr_assert_eq(nrec, 2, "the retransmission");
	cr_assert_eq(rec[1].seq, seq);
	cr_assert_eq(rec[1].payload_len, 100);
	cr_assert_eq(xs_rtt_rto_ns(&f.b->rtt), 2 * rto, "backed off");
	/* the ACK comes 5 ms after the retransmission: ambiguous */
	P.now += 5 * XS_NS_PER_MS;
	ack_by_hand(&f, seq + 100);
	cr_assert_eq(f.b->snd_una, seq + 100);
	cr_assert_eq(f.b->rtt.srtt_ns, srtt, "no RTT sample: srtt %llu",
		     (unsigned long long)f.b->rtt.srtt_ns);
	cr_assert_eq(xs_rtt_rto_ns(&f.b->rtt), 2 * rto, "the backoff stays");

	/* a segment sent once gives a sample, and ends the backoff */
	send_b(&f, 100);
	cr_assert_eq(f.b->rto_at, P.now + 2 * rto, "armed with the backed-off RTO");
	P.now += 30 * XS_NS_PER_MS;
	ack_by_hand(&f, seq + 200);
	cr_assert_eq(f.b->rtt.srtt_ns, (7 * srtt + 30 * XS_NS_PER_MS) / 8);
	cr_assert_lt(xs_rtt_rto_ns(&f.b->rtt), 2 * rto);
}

/* The same after a fast retransmission (RFC 5681 3.2), which no timer
 * expiry precedes: the segment being timed was sent twice. */
Test(tcp_retransmit, karn_no_sample_after_fast_retransmit)
{
	struct xs_tcp_opts o = { .has_mss = true, .mss = 1000 };
	struct fx f = { 0 };
	uint64_t srtt;
	uint32_t seq;

	passive_by_hand(&f, &o, 10 * XS_NS_PER_MS);
	cr_assert(!f.b->ts_ok && !f.b->sack_ok);
	srtt = f.b->rtt.srtt_ns;
	send_b(&f, 4000);
	cr_assert_eq(nrec, 4);
	seq = rec[0].seq;
	P.now += 20 * XS_NS_PER_MS;
	for (int i = 0; i < 3; i++)
		ack_by_hand(&f, seq);
	cr_assert_eq(nrec, 5, "fast retransmission after three duplicates");
	cr_assert_eq(rec[4].seq, seq);
	P.now += 30 * XS_NS_PER_MS;
	ack_by_hand(&f, seq + 4000);
	cr_assert_eq(f.b->snd_una, seq + 4000);
	cr_assert_eq(f.b->rtt.srtt_ns, srtt, "no RTT sample: srtt %llu",
		     (unsigned long long)f.b->rtt.srtt_ns);
}

/* Each expiry doubles the RTO (RFC 6298 5.5) and sends the first
 * unacknowledged segment again, unchanged; after tcp_retries2 (15) the
 * connection ends with ETIMEDOUT and an RST (Linux's tcp_write_timeout()). */
Test(tcp_retransmit, rto_doubles_then_gives_up_after_retries2)
{
	struct fx f = { 0 };
	uint64_t gap = 0, last;
	uint8_t buf[8];
	struct iovec iov = { buf, sizeof(buf) };
	int rexmits = 0;

	fx_established(&f);
	fx_numbers(&f);
	record_start();
	send_b(&f, 100);
	last = P.now;
	while (f.b->state == XS_TCP_ESTABLISHED) {
		size_t before = nrec;

		cr_assert(pair_step(&P, P.now + 300 * XS_NS_PER_S));
		if (nrec == before || (rec[nrec - 1].flags & F_RST))
			continue;
		cr_assert_eq(rec[nrec - 1].seq, f.snd_nxt);
		cr_assert_eq(rec[nrec - 1].payload_len, 100);
		if (gap && gap < XS_TCP_RTO_MAX_NS)
			cr_assert(P.now - last == 2 * gap || P.now - last == XS_TCP_RTO_MAX_NS,
				  "gap %llu after %llu", (unsigned long long)(P.now - last),
				  (unsigned long long)gap);
		gap = P.now - last;
		last = P.now;
		rexmits++;
	}
	cr_assert_eq(rexmits, XS_TCP_RETRIES2);
	cr_assert_eq(rec[nrec - 1].flags & F_RST, F_RST, "ends with an RST");
	cr_assert_eq(f.b->state, XS_TCP_CLOSE);
	cr_assert_eq(xs_tcp_recv(f.b, &iov, 1, sizeof(buf), 0, P.now), -ETIMEDOUT);
}

/* SYN: Linux's tcp_syn_retries (6) from a 1 s RTO, doubling: SYNs at 0, 1,
 * 3, 7, 15, 31 and 63 s; ETIMEDOUT at 127 s, without an RST. */
Test(tcp_retransmit, syn_retries_then_etimedout)
{
	struct xs_tcp_sock *c = client(1, 50000, 80);
	static const unsigned int at_s[] = { 0, 1, 3, 7, 15, 31, 63 };
	uint64_t t0 = P.now;

	record_start();
	cr_assert_eq(xs_tcp_connect(c, P.now), 0);
	while (c->state == XS_TCP_SYN_SENT && pair_step(&P, t0 + 200 * XS_NS_PER_S))
		;
	cr_assert_eq(nrec, 7, "%zu SYNs", nrec);
	for (size_t i = 0; i < 7; i++) {
		cr_assert_eq(rec[i].flags, F_SYN);
		cr_assert_eq(rec[i].seq, c->iss);
		cr_assert_eq(rec_at[i] - t0, at_s[i] * XS_NS_PER_S, "SYN %zu at %llu ns", i,
			     (unsigned long long)(rec_at[i] - t0));
	}
	cr_assert_eq(c->state, XS_TCP_CLOSE);
	cr_assert_eq(P.now - t0, 127 * XS_NS_PER_S);
	cr_assert_eq(xs_tcp_sock_error(c), ETIMEDOUT);
}

/* SYN-ACK: tcp_synack_retries (5): SYN-ACKs at 0, 1, 3, 7, 15 and 31 s,
 * the embryonic connection dropped at 63 s, silently. */
Test(tcp_retransmit, synack_retries_then_dropped)
{
	struct fx f = { 0 };
	uint64_t t0;

	fx_syn_recv(&f);
	t0 = P.now;
	record_start();
	while (conn_b(&f) && pair_step(&P, t0 + 200 * XS_NS_PER_S))
		;
	cr_assert_null(conn_b(&f));
	cr_assert_eq(P.now - t0, 63 * XS_NS_PER_S);
	cr_assert_eq(nrec, 5, "%zu SYN-ACK retransmissions", nrec);
	for (size_t i = 0; i < nrec; i++) {
		cr_assert_eq(rec[i].flags, F_SYN | F_ACK);
		cr_assert_eq(rec_at[i] - t0, ((2ull << i) - 1) * XS_NS_PER_S, "SYN-ACK %zu", i);
	}
	cr_assert_eq(f.l->state, XS_TCP_LISTEN);
	cr_assert_eq(f.l->syn_queued, 0, "the listener's slot is free again");
}

/* ---- options: malformed, defaults, clamps (RFC 9293 3.1, 3.7.1; RFC 7323) */

TestSuite(tcp_options, .init = setup4, .fini = teardown);
TestSuite(tcp_options6, .init = setup6, .fini = teardown);

/* A SYN from A:40000 to B's listener with these option bytes; returns the
 * connection it opened on B, or NULL. */
static struct xs_tcp_sock *syn_with_opts(const uint8_t *opts, size_t optlen)
{
	deliver_raw(1, 40000, 80, PEER_ISN, 0, F_SYN, opts, optlen, 0);
	return xs_tcp_lookup(&P.t[1], P.addr[1], 80, P.addr[0], 40000);
}

static void syn_rejected(const uint8_t *opts, size_t optlen)
{
	uint64_t bad;

	listener_b();
	record_start();
	bad = P.t[1].bad_segs;
	cr_assert_null(syn_with_opts(opts, optlen), "no connection");
	cr_assert_eq(nrec, 0, "no answer");
	cr_assert_eq(P.t[1].bad_segs, bad + 1, "counted as malformed");
}

/* .timeout: a parser that loops on one of these fails, not hangs */
Test(tcp_options, zero_length_option_is_rejected, .timeout = 5)
{
	syn_rejected((const uint8_t[]){ 0x22, 0, XS_OPT_NOP, XS_OPT_NOP }, 4);
}

Test(tcp_options, length_one_option_is_rejected, .timeout = 5)
{
	syn_rejected((const uint8_t[]){ 0x22, 1, XS_OPT_NOP, XS_OPT_NOP }, 4);
}

Test(tcp_options, option_past_the_header_is_rejected, .timeout = 5)
{
	syn_rejected((const uint8_t[]){ XS_OPT_NOP, XS_OPT_NOP, 0x22, 10 }, 4);
}

Test(tcp_options, option_without_room_for_its_length_is_rejected, .timeout = 5)
{
	syn_rejected((const uint8_t[]){ XS_OPT_NOP, XS_OPT_NOP, XS_OPT_NOP, XS_TCPOPT_MSS }, 4);
}

/* xsock rejects a known kind of the wrong length (Linux skips it) */
Test(tcp_options, mss_of_wrong_length_is_rejected, .timeout = 5)
{
	syn_rejected((const uint8_t[]){ XS_TCPOPT_MSS, 3, 0x05, XS_OPT_NOP }, 4);
}

Test(tcp_options, forty_bytes_of_nop_are_no_options, .timeout = 5)
{
	uint8_t nops[40];
	struct xs_tcp_sock *c;

	memset(nops, XS_OPT_NOP, sizeof(nops));
	listener_b();
	record_start();
	c = syn_with_opts(nops, sizeof(nops));
	cr_assert_not_null(c);
	cr_assert_eq(nrec, 1);
	cr_assert_eq(rec[0].flags, F_SYN | F_ACK);
	cr_assert(!c->ws_ok && !c->ts_ok && !c->sack_ok);
	/* the SYN-ACK answers only what was offered */
	cr_assert(!rec[0].opts.has_wscale && !rec[0].opts.sack_perm && !rec[0].opts.has_ts);
	cr_assert(rec[0].opts.has_mss);
	cr_assert_eq(c->mss_clamp, 0, "no MSS from the peer");
}

Test(tcp_options, unknown_kinds_are_skipped_by_their_length, .timeout = 5)
{
	/* an experimental option (254), an MPTCP-like one (30), then the MSS */
	static const uint8_t o[] = { 254, 6, 0xf9, 0x89, 0, 0, 30, 4, 0x10, 0x01,
				     XS_TCPOPT_MSS, 4, 0x05, 0x78 };
	uint8_t opts[16];
	struct xs_tcp_sock *c;

	memset(opts, XS_OPT_NOP, sizeof(opts));
	memcpy(opts, o, sizeof(o));
	listener_b();
	record_start();
	c = syn_with_opts(opts, sizeof(opts));
	cr_assert_not_null(c);
	cr_assert_eq(nrec, 1);
	cr_assert_eq(c->mss_clamp, 1400);
}

Test(tcp_options, nothing_after_eol_is_read, .timeout = 5)
{
	struct xs_tcp_sock *c;

	listener_b();
	record_start();
	c = syn_with_opts((const uint8_t[]){ XS_OPT_EOL, 0x22, 0, 0, XS_TCPOPT_MSS, 4, 0x05, 0x78 }, 8);
	cr_assert_not_null(c, "the garbage after EOL is not parsed");
	cr_assert_eq(c->mss_clamp, 0);
}

/* On a connection: a malformed option drops the segment, nothing else. */
Test(tcp_options, malformed_option_on_data_drops_only_the_segment, .timeout = 5)
{
	struct fx f = { 0 };
	uint8_t buf[16];
	struct iovec iov = { buf, sizeof(buf) };

	fx_established(&f);
	fx_numbers(&f);
	record_start();
	deliver_raw(1, f.aport, f.bport, f.rcv_nxt, f.snd_una, F_ACK,
		    (const uint8_t[]){ XS_OPT_NOP, 0x22, 0, XS_OPT_NOP }, 4, 10);
	cr_assert_eq(nrec, 0);
	cr_assert_eq(f.b->state, XS_TCP_ESTABLISHED);
	cr_assert_eq(f.b->rcv_nxt, f.rcv_nxt);
	cr_assert_eq(xs_tcp_recv(f.b, &iov, 1, sizeof(buf), 0, P.now), -EAGAIN);
	/* the same segment with sound options is taken */
	deliver_raw(1, f.aport, f.bport, f.rcv_nxt, f.snd_una, F_ACK,
		    (const uint8_t[]){ 0x22, 2, XS_OPT_NOP, XS_OPT_NOP }, 4, 10);
	cr_assert_eq(xs_tcp_recv(f.b, &iov, 1, sizeof(buf), 0, P.now), 10);
}

/* RFC 9293 3.7.1: without an MSS option, 536 over IPv4 (RFC 8200: 1220
 * over IPv6); the timestamp option takes its 12 bytes from it. */
static void mss_default(bool ts, uint32_t want)
{
	struct xs_tcp_opts o = { .has_ts = ts, .ts_val = PEER_TS, .sack_perm = true };
	struct fx f = { 0 };

	passive_by_hand(&f, &o, XS_NS_PER_MS);
	cr_assert_eq(f.b->mss, want, "mss %u", f.b->mss);
	/* and a full segment is no bigger */
	send_b(&f, 4000);
	cr_assert_geq(nrec, 1);
	cr_assert_eq(rec[0].payload_len, want);
}

Test(tcp_options, mss_default_ipv4) { mss_default(false, XS_TCP_MSS_DEFAULT4); }
Test(tcp_options, mss_default_ipv4_with_timestamps) { mss_default(true, XS_TCP_MSS_DEFAULT4 - 12); }
Test(tcp_options6, mss_default_ipv6) { mss_default(false, XS_TCP_MSS_DEFAULT6); }
Test(tcp_options6, mss_default_ipv6_with_timestamps) { mss_default(true, XS_TCP_MSS_DEFAULT6 - 12); }

/* An MSS of 0 counts as none (Linux's tcp_parse_options()); a tiny one is
 * raised to the floor (TCP_MIN_MSS). */
Test(tcp_options, mss_zero_is_the_default)
{
	struct xs_tcp_opts o = { .has_mss = true, .mss = 0 };
	struct fx f = { 0 };

	passive_by_hand(&f, &o, XS_NS_PER_MS);
	cr_assert_eq(f.b->mss, XS_TCP_MSS_DEFAULT4);
}

Test(tcp_options, mss_tiny_is_raised_to_the_floor)
{
	struct xs_tcp_opts o = { .has_mss = true, .mss = 8 };
	struct fx f = { 0 };

	passive_by_hand(&f, &o, XS_NS_PER_MS);
	cr_assert_eq(f.b->mss, XS_TCP_CC_MIN_MSS);
}

Test(tcp_options, mss_larger_than_the_path_is_the_path)
{
	struct xs_tcp_opts o = { .has_mss = true, .mss = 9000 };
	struct fx f = { 0 };

	passive_by_hand(&f, &o, XS_NS_PER_MS);
	cr_assert_eq(f.b->mss, 1460, "the link's 1500 bytes");
}

/* RFC 7323 2.3: a shift above 14 is taken as 14 (and logged, by Linux). */
static void wscale_clamped(uint8_t shift)
{
	uint8_t opts[8] = { XS_TCPOPT_MSS, 4, 0x05, 0xb4, XS_OPT_NOP, XS_TCPOPT_WSCALE, 3, shift };
	struct xs_tcp_sock *c;
	struct xs_tcp_repr r = { .src_port = 40000, .dst_port = 80, .seq = PEER_ISN + 1,
				 .flags = F_ACK, .window = 3 };

	listener_b();
	record_start();
	c = syn_with_opts(opts, sizeof(opts));
	cr_assert_not_null(c);
	cr_assert(c->ws_ok);
	cr_assert_eq(c->snd_wscale, XS_TCP_MAX_WSCALE);
	cr_assert_eq(rec[0].opts.wscale, XS_TCP_RCV_WSCALE, "ours is offered back");
	r.ack = rec[0].seq + 1;
	deliver_repr(1, &r);
	cr_assert_eq(c->state, XS_TCP_ESTABLISHED);
	cr_assert_eq(c->snd_wnd, 3u << XS_TCP_MAX_WSCALE);
}

Test(tcp_options, window_scale_15_is_14) { wscale_clamped(15); }
Test(tcp_options, window_scale_255_is_14) { wscale_clamped(255); }

/* The SYN-ACK's own window is never scaled (RFC 7323 2.2), the shift
 * applies from the next segment on. */
Test(tcp_options, syn_ack_window_is_not_scaled)
{
	struct fx f = { 0 };

	fx_syn_sent(&f);
	record_start();
	inject(&f, F_SYN | F_ACK, PEER_ISN, f.snd_nxt, 0, TS_NEW);
	cr_assert_eq(f.b->state, XS_TCP_ESTABLISHED);
	cr_assert_eq(f.b->snd_wscale, 7);
	cr_assert_eq(f.b->snd_wnd, 65535);
	fx_numbers(&f);
	inject(&f, F_ACK, f.rcv_nxt, f.snd_una, 0, TS_NEW);
	cr_assert_eq(f.b->snd_wnd, 65535u << 7);
}

/* ---- PAWS (RFC 7323 5) --------------------------------------------------- */

TestSuite(tcp_paws, .init = setup4, .fini = teardown);

static void data_ts(const struct fx *f, uint32_t seq, uint32_t tsval, uint32_t len)
{
	struct xs_tcp_repr r = { .src_port = f->aport, .dst_port = f->bport, .seq = seq,
				 .ack = f->snd_una, .flags = F_ACK, .window = 65535,
				 .payload_len = len };

	r.opts.has_ts = true;
	r.opts.ts_val = tsval;
	r.opts.ts_ecr = f->ts_ecr;
	deliver_repr(1, &r);
}

Test(tcp_paws, old_timestamp_is_rejected_and_acked)
{
	struct fx f = { 0 };

	established_recording(&f);
	data_ts(&f, f.rcv_nxt, f.ts_recent - 1, 100);
	cr_assert_eq(f.b->rcv_nxt, f.rcv_nxt);
	cr_assert_eq(P.t[1].paws_drops, 1);
	cr_assert_eq(nrec, 1);
	cr_assert_eq(rec[0].ack, f.rcv_nxt);
	cr_assert_eq(rec[0].opts.ts_ecr, f.ts_recent, "echoes TS.Recent, not the old value");
}

Test(tcp_paws, equal_timestamp_is_accepted)
{
	struct fx f = { 0 };

	established_recording(&f);
	data_ts(&f, f.rcv_nxt, f.ts_recent, 100);
	cr_assert_eq(f.b->rcv_nxt, f.rcv_nxt + 100);
	cr_assert_eq(P.t[1].paws_drops, 0);
}

/* Timestamps compare in sequence space: 2^31 + 1 ahead is behind. */
Test(tcp_paws, timestamp_half_the_space_ahead_is_old)
{
	struct fx f = { 0 };

	established_recording(&f);
	data_ts(&f, f.rcv_nxt, f.ts_recent + 0x80000001u, 100);
	cr_assert_eq(f.b->rcv_nxt, f.rcv_nxt);
	cr_assert_eq(P.t[1].paws_drops, 1);
	data_ts(&f, f.rcv_nxt, f.ts_recent + 0x7fffffffu, 100);
	cr_assert_eq(f.b->rcv_nxt, f.rcv_nxt + 100, "2^31 - 1 ahead is new");
}

/* RFC 7323 5.5: TS.Recent idle for more than 24 days is no longer valid. */
Test(tcp_paws, timestamp_older_than_24_days_is_not_checked)
{
	struct fx f = { 0 };

	established_recording(&f);
	P.now += 25ull * 24 * 3600 * XS_NS_PER_S;
	data_ts(&f, f.rcv_nxt, f.ts_recent - 1000, 100);
	cr_assert_eq(f.b->rcv_nxt, f.rcv_nxt + 100);
	cr_assert_eq(P.t[1].paws_drops, 0);
}

/* The in-order segment's TSval becomes TS.Recent; a later older one fails. */
Test(tcp_paws, ts_recent_follows_in_order_data)
{
	struct fx f = { 0 };

	established_recording(&f);
	data_ts(&f, f.rcv_nxt, f.ts_recent + 50, 100);
	cr_assert_eq(f.b->ts_recent, f.ts_recent + 50);
	data_ts(&f, f.rcv_nxt + 100, f.ts_recent + 49, 100);
	cr_assert_eq(f.b->rcv_nxt, f.rcv_nxt + 100);
	cr_assert_eq(P.t[1].paws_drops, 1);
}

/* RFC 7323 4.3: an out-of-order segment does not move TS.Recent (only one
 * at or before Last.ACK.sent does), so a far-future TSval cannot lock the
 * connection out. */
Test(tcp_paws, out_of_order_segment_does_not_move_ts_recent)
{
	struct fx f = { 0 };

	established_recording(&f);
	data_ts(&f, f.rcv_nxt + 1000, f.ts_recent + 100000, 100);
	cr_assert_eq(f.b->ts_recent, f.ts_recent);
	data_ts(&f, f.rcv_nxt, f.ts_recent + 1, 100);
	cr_assert_eq(f.b->rcv_nxt, f.rcv_nxt + 100);
}

/* ---- simultaneous open (RFC 9293 3.5, figure 8) ------------------------- */

TestSuite(tcp_simultaneous_open, .init = setup4, .fini = teardown);

static void simultaneous_open(struct xs_tcp_sock **a, struct xs_tcp_sock **b)
{
	*a = client(0, 40000, 50000);
	*b = client(1, 50000, 40000);
	P.delay_ns = XS_NS_PER_MS;
	cr_assert_eq(xs_tcp_connect(*a, P.now), 0);
	cr_assert_eq(xs_tcp_connect(*b, P.now), 0);
	cr_assert_eq(P.nq, 2, "the SYNs cross");
}

/* Both SYN_SENT; the SYNs cross, each side goes to SYN_RECV and sends a
 * SYN-ACK; each SYN-ACK completes the other's handshake.  Two segments a
 * side, as in the figure: no ACK, no challenge ACK. */
Test(tcp_simultaneous_open, syns_cross_and_both_establish)
{
	struct xs_tcp_sock *a, *b;
	uint8_t buf[8];
	struct iovec iov = { buf, sizeof(buf) };

	simultaneous_open(&a, &b);
	cr_assert(pair_step(&P, P.now + XS_NS_PER_S));
	cr_assert(pair_step(&P, P.now + XS_NS_PER_S));
	cr_assert_eq(a->state, XS_TCP_SYN_RECV);
	cr_assert_eq(b->state, XS_TCP_SYN_RECV);
	pair_run(&P, 10 * XS_NS_PER_MS);
	cr_assert_eq(a->state, XS_TCP_ESTABLISHED);
	cr_assert_eq(b->state, XS_TCP_ESTABLISHED);
	cr_assert_eq(P.sent[0], 2, "A sent %llu segments", (unsigned long long)P.sent[0]);
	cr_assert_eq(P.sent[1], 2, "B sent %llu segments", (unsigned long long)P.sent[1]);
	cr_assert_eq(P.t[0].challenge_acks + P.t[1].challenge_acks, 0);
	cr_assert_eq(a->snd_una, a->iss + 1);
	cr_assert_eq(a->rcv_nxt, b->iss + 1);
	cr_assert_eq(b->snd_una, b->iss + 1);
	cr_assert_eq(b->rcv_nxt, a->iss + 1);
	cr_assert(a->ws_ok && a->ts_ok && a->sack_ok && b->ws_ok && b->ts_ok && b->sack_ok);
	/* and the connection carries data both ways */
	cr_assert_eq(xs_tcp_send(a, &(struct iovec){ "ping", 4 }, 1, 4, 0, P.now), 4);
	cr_assert_eq(xs_tcp_send(b, &(struct iovec){ "pong", 4 }, 1, 4, 0, P.now), 4);
	pair_run(&P, 10 * XS_NS_PER_MS);
	cr_assert_eq(xs_tcp_recv(b, &iov, 1, sizeof(buf), 0, P.now), 4);
	cr_assert_eq(memcmp(buf, "ping", 4), 0);
	cr_assert_eq(xs_tcp_recv(a, &iov, 1, sizeof(buf), 0, P.now), 4);
	cr_assert_eq(memcmp(buf, "pong", 4), 0);
}

/* The handshake does not lean on a challenge ACK: with the table's budget
 * spent (RFC 5961 7, under attack), it still completes in one exchange. */
Test(tcp_simultaneous_open, completes_with_the_challenge_budget_spent)
{
	struct xs_tcp_sock *a, *b;

	for (int i = 0; i < 2; i++) {
		P.t[i].challenge_window_ns = P.now;
		P.t[i].challenge_count = XS_TCP_CHALLENGE_PER_S;
	}
	simultaneous_open(&a, &b);
	pair_run(&P, 10 * XS_NS_PER_MS);
	cr_assert_eq(a->state, XS_TCP_ESTABLISHED);
	cr_assert_eq(b->state, XS_TCP_ESTABLISHED);
}

/* The other side's SYN-ACK lost: the SYN_RECV side retransmits its
 * SYN-ACK (RFC 6298 timer, 1 s) and the handshake completes. */
Test(tcp_simultaneous_open, lost_syn_ack_is_retransmitted)
{
	struct xs_tcp_sock *a, *b;

	simultaneous_open(&a, &b);
	cr_assert(pair_step(&P, P.now + XS_NS_PER_S));
	cr_assert(pair_step(&P, P.now + XS_NS_PER_S));
	for (size_t i = 0; i < P.nq; i++)
		if (P.q[i].to == 1) {
			free(P.q[i].bytes);
			memmove(&P.q[i], &P.q[i + 1], (P.nq - i - 1) * sizeof(*P.q));
			P.nq--;
			break;
		}
	pair_run(&P, 3 * XS_NS_PER_S);
	cr_assert_eq(a->state, XS_TCP_ESTABLISHED);
	cr_assert_eq(b->state, XS_TCP_ESTABLISHED);
	cr_assert_eq(b->rcv_nxt, a->iss + 1);
}
