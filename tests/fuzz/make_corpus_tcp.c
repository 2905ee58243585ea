// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * Writes the seed corpus of tests/fuzz/fuzz_tcp.c: a few inputs per state
 * of B's connection, in the input format of tests/fuzz/fuzz_tcp.h, named
 * after the state and what the operations do.
 *
 *   make_corpus_tcp DIR
 *
 * Every state gets its setup alone, an in-window data segment with a
 * timestamp followed by reads, wire deliveries and a clock step, and the
 * segments RFC 5961 is about (an RST and a SYN in the window); the states
 * with data in flight get ACKs and SACK blocks over it, and a few inputs
 * run the header's variants (IPv6, no options, the sequence-number wrap,
 * keepalive, a small receive buffer, orphans, a wildcard listener,
 * partial checksums, backlog 1).
 *
 * Built and run by tests/fuzz/run.sh only when --regen-corpus is given;
 * the files it writes are committed in tests/fuzz/corpus/tcp.
 */
#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz_tcp.h"

#define TCP_FIN 0x01
#define TCP_SYN 0x02
#define TCP_RST 0x04
#define TCP_PSH 0x08
#define TCP_ACK 0x10
#define TCP_URG 0x20

static const char *outdir;
static int nwritten;

struct input {
	uint8_t b[4096];
	size_t len;
};

static void put(struct input *in, uint8_t v)
{
	if (in->len == sizeof(in->b)) {
		fprintf(stderr, "make_corpus_tcp: an input outgrew %zu bytes\n", sizeof(in->b));
		exit(1);
	}
	in->b[in->len++] = v;
}

static void put16(struct input *in, uint16_t v)
{
	put(in, (uint8_t)v);
	put(in, (uint8_t)(v >> 8));
}

static void emit(const char *name, const struct input *in)
{
	char path[4096];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", outdir, name);
	f = fopen(path, "wb");
	if (!f || fwrite(in->b, 1, in->len, f) != in->len || fclose(f)) {
		fprintf(stderr, "make_corpus_tcp: %s: %s\n", path, strerror(errno));
		exit(1);
	}
	nwritten++;
}

static void header(struct input *in, enum fz_state st, uint8_t v1, uint8_t v2, uint8_t mss, uint8_t v4)
{
	in->len = 0;
	put(in, (uint8_t)st);
	put(in, v1);
	put(in, v2);
	put(in, mss);
	put(in, v4);
}

/* ---- segments ------------------------------------------------------------- */

/* A timestamp option: TSval = TS.Recent + 1, TSecr = B's clock. */
static void opt_ts(struct input *in)
{
	put(in, FZ_OPT_TS);
	put(in, FZ_TS_VAL_RECENT8 | FZ_TS_ECR_NOW8 << 2);
	put(in, 1);
	put(in, 0);
}

struct seg {
	uint8_t ctl, flags;
	uint8_t port;           /* FZC_TUPLE_NEW: source port 40001 + port */
	uint8_t seqmode;
	int seqdelta;           /* int8 or int16 as the mode wants */
	uint8_t ackmode;
	int ackdelta;
	uint16_t window;
	uint16_t urgent;
	bool ts;                /* a timestamp option first */
	int sack;               /* SACK blocks (aligned: block i covers MSS i+1) */
	uint8_t plen;           /* FZ_PLEN_* byte */
	int8_t plen_delta;      /* for FZ_PLEN_MSS */
};

static void seg(struct input *in, const struct seg *s)
{
	int nopts = (s->ts ? 1 : 0) + (s->sack ? 1 : 0);

	put(in, 0);             /* FZ_OP_SEG */
	put(in, s->ctl);
	if ((s->ctl & FZC_TUPLE_MASK) == FZC_TUPLE_NEW)
		put(in, s->port);
	put(in, s->flags);
	put(in, s->seqmode);
	if (s->seqmode == FZ_SEQ_NXT16)
		put16(in, (uint16_t)s->seqdelta);
	else if (s->seqmode == FZ_SEQ_RAW)
		put16(in, (uint16_t)s->seqdelta), put16(in, 0);
	else
		put(in, (uint8_t)s->seqdelta);
	put(in, s->ackmode);
	if (s->ackmode == FZ_ACK_UNA16)
		put16(in, (uint16_t)s->ackdelta);
	else if (s->ackmode == FZ_ACK_RAW)
		put16(in, (uint16_t)s->ackdelta), put16(in, 0);
	else
		put(in, (uint8_t)s->ackdelta);
	put16(in, s->window);
	if (s->flags & TCP_URG)
		put16(in, s->urgent);
	put(in, (uint8_t)nopts);
	if (s->ts)
		opt_ts(in);
	if (s->sack) {
		put(in, (uint8_t)(FZ_OPT_SACK | (s->sack - 1) << 4));
		for (int i = 0; i < s->sack; i++)
			put(in, (uint8_t)(FZ_SACKB_ALIGNED | (2 * i + 1)));   /* [una + (2i+1) MSS, + 1 MSS) */
	}
	put(in, s->plen);
	if ((s->plen & 0xc0) == FZ_PLEN_MSS)
		put(in, (uint8_t)s->plen_delta);
	for (int i = 0; i < 4; i++)
		put(in, (uint8_t)('a' + i));
}

/* An in-order data segment of n (< 64) bytes, acknowledging nothing new. */
static void seg_data(struct input *in, uint8_t n, bool ts)
{
	seg(in, &(struct seg){ .flags = TCP_ACK | TCP_PSH, .seqmode = FZ_SEQ_NXT8,
			       .ackmode = FZ_ACK_UNA8, .window = 0xffff, .ts = ts,
			       .plen = (uint8_t)(FZ_PLEN_SMALL | n) });
}

static void op(struct input *in, uint8_t code, uint8_t arg)
{
	put(in, code);
	put(in, arg);
}

static void bapp(struct input *in, uint8_t sock, uint8_t call, uint8_t n)
{
	put(in, FZ_OP_BAPP);
	put(in, sock);
	put(in, call);
	put(in, n);
}

static void aapp(struct input *in, uint8_t call, uint8_t n)
{
	put(in, FZ_OP_AAPP);
	put(in, call);
	put(in, n);
}

static void wire(struct input *in, int how, int count)
{
	op(in, FZ_OP_WIRE, (uint8_t)(how | (count - 1) << 2));
}

static void tick(struct input *in, int which)
{
	op(in, FZ_OP_TICK, (uint8_t)which);
}

/* B's main socket is the application's socket 1 (0 is the listener)
 * where the setup accepted one. */
#define B_MAIN 1

/* ---- the seeds ------------------------------------------------------------- */

static const char *const names[FZ_NSTATES] = {
	"listen", "syn-sent", "syn-recv", "syn-recv-simul", "established", "fin-wait1",
	"fin-wait2", "closing", "time-wait", "close-wait", "last-ack",
};

static void name(char *buf, size_t n, enum fz_state st, const char *what)
{
	snprintf(buf, n, "%s-%s", names[st], what);
}

static void seeds_for(enum fz_state st)
{
	struct input in;
	char nm[128];
	bool has_ts = true;

	/* the setup alone */
	header(&in, st, 0, 0, 0, 0);
	name(nm, sizeof(nm), st, "setup");
	emit(nm, &in);

	/* data in order, then B reads, the wire runs both ways, time passes */
	header(&in, st, 0, 0, 0, 0);
	seg_data(&in, 10, has_ts);
	seg_data(&in, 20, has_ts);
	bapp(&in, B_MAIN, FZ_APP_RECV_ALL, 0);
	bapp(&in, B_MAIN, FZ_APP_SEND, 99);
	wire(&in, FZ_WIRE_BOTH, 16);
	aapp(&in, FZ_AAPP_RECV, 0);
	tick(&in, 4);
	wire(&in, FZ_WIRE_BOTH, 16);
	tick(&in, 15);
	wire(&in, FZ_WIRE_BOTH, 16);
	aapp(&in, FZ_AAPP_RECV, 0);
	name(nm, sizeof(nm), st, "data-in-order");
	emit(nm, &in);

	/* RFC 5961: an RST at RCV.NXT (accepted), one inside the window
	 * (challenge ACK), a SYN (challenge ACK) */
	header(&in, st, 0, 0, 0, 0);
	seg(&in, &(struct seg){ .flags = TCP_RST, .seqmode = FZ_SEQ_NXT8, .seqdelta = 1,
				.ackmode = FZ_ACK_UNA8, .plen = FZ_PLEN_NONE });
	seg(&in, &(struct seg){ .flags = TCP_SYN, .seqmode = FZ_SEQ_NXT8, .seqdelta = 5,
				.ackmode = FZ_ACK_UNA8, .window = 1000, .ts = has_ts,
				.plen = FZ_PLEN_NONE });
	wire(&in, FZ_WIRE_TO_A, 8);
	seg(&in, &(struct seg){ .flags = TCP_RST | TCP_ACK, .seqmode = FZ_SEQ_NXT8,
				.ackmode = FZ_ACK_NXT8, .plen = FZ_PLEN_NONE });
	bapp(&in, B_MAIN, FZ_APP_QUERY, 0);
	bapp(&in, B_MAIN, FZ_APP_RECV, 1);
	bapp(&in, B_MAIN, FZ_APP_SEND, 1);
	name(nm, sizeof(nm), st, "rst-syn");
	emit(nm, &in);

	/* ACKs over what is in flight: part, SACK above a hole, all of it;
	 * then A's FIN, and the clock runs to every deadline */
	header(&in, st, 0, 0, 0, 0);
	seg(&in, &(struct seg){ .flags = TCP_ACK, .seqmode = FZ_SEQ_NXT8, .ackmode = FZ_ACK_UNA8,
				.window = 0xffff, .ts = has_ts, .sack = 2, .plen = FZ_PLEN_NONE });
	seg(&in, &(struct seg){ .flags = TCP_ACK, .seqmode = FZ_SEQ_NXT8, .ackmode = FZ_ACK_UNA8,
				.window = 0xffff, .ts = has_ts, .sack = 3, .plen = FZ_PLEN_NONE });
	seg(&in, &(struct seg){ .flags = TCP_ACK, .seqmode = FZ_SEQ_NXT8, .ackmode = FZ_ACK_UNA8,
				.window = 0xffff, .ts = has_ts, .sack = 4, .plen = FZ_PLEN_NONE });
	seg(&in, &(struct seg){ .flags = TCP_ACK, .seqmode = FZ_SEQ_NXT8, .ackmode = FZ_ACK_UNA_MSS,
				.ackdelta = 1, .window = 0xffff, .ts = has_ts, .plen = FZ_PLEN_NONE });
	seg(&in, &(struct seg){ .flags = TCP_ACK | TCP_FIN, .seqmode = FZ_SEQ_NXT8,
				.ackmode = FZ_ACK_MAX8, .window = 0xffff, .ts = has_ts,
				.plen = FZ_PLEN_SMALL | 7 });
	for (int i = 0; i < 6; i++) {
		tick(&in, 15);
		wire(&in, FZ_WIRE_BOTH, 32);
	}
	/* in FZ_SYN_RECV the connection is the listener's until accepted;
	 * in FZ_LISTEN there is none (and socket 1 % 1 is the listener) */
	if (st == FZ_SYN_RECV)
		bapp(&in, 0, FZ_APP_ACCEPT, 0);
	if (st != FZ_LISTEN) {
		bapp(&in, B_MAIN, FZ_APP_RECV_ALL, 0);
		bapp(&in, B_MAIN, FZ_APP_CLOSE, 0);
	}
	tick(&in, 9);
	name(nm, sizeof(nm), st, "ack-sack-fin");
	emit(nm, &in);

	/* out of order above a hole, then the hole, urgent data, a zero
	 * window, persist and retransmission timers */
	header(&in, st, 0, 0, 0, 0);
	seg(&in, &(struct seg){ .flags = TCP_ACK, .seqmode = FZ_SEQ_NXT_MSS, .seqdelta = 2,
				.ackmode = FZ_ACK_UNA8, .window = 0xffff, .ts = has_ts,
				.plen = FZ_PLEN_MSS });
	seg(&in, &(struct seg){ .flags = TCP_ACK | TCP_URG, .seqmode = FZ_SEQ_NXT8,
				.ackmode = FZ_ACK_UNA8, .window = 0, .urgent = 3, .ts = has_ts,
				.plen = FZ_PLEN_SMALL | 5 });
	bapp(&in, B_MAIN, FZ_APP_RECV_OOB, 1);
	bapp(&in, B_MAIN, FZ_APP_RECV_PEEK, 4);
	bapp(&in, B_MAIN, FZ_APP_RECV_OOB, 0);
	bapp(&in, B_MAIN, FZ_APP_SEND_BIG, 8);
	tick(&in, 5);
	tick(&in, 15);
	tick(&in, 15);
	seg(&in, &(struct seg){ .flags = TCP_ACK, .seqmode = FZ_SEQ_NXT8, .ackmode = FZ_ACK_UNA8,
				.window = 0x2000, .ts = has_ts, .plen = FZ_PLEN_NONE });
	wire(&in, FZ_WIRE_BOTH, 64);
	aapp(&in, FZ_AAPP_RECV, 0);
	name(nm, sizeof(nm), st, "ooo-urg-zero-window");
	emit(nm, &in);

	/* a new connection to the listener beside B's, completed and accepted */
	header(&in, st, 0, 0, 0, 0);
	seg(&in, &(struct seg){ .ctl = FZC_TUPLE_NEW, .flags = TCP_SYN, .seqmode = FZ_SEQ_RAW,
				.seqdelta = 1000, .ackmode = FZ_ACK_RAW, .window = 0xffff,
				.ts = true, .plen = FZ_PLEN_NONE });
	seg(&in, &(struct seg){ .ctl = FZC_TUPLE_NEW, .flags = TCP_ACK, .seqmode = FZ_SEQ_NXT8,
				.ackmode = FZ_ACK_NXT8, .window = 0xffff, .ts = true,
				.plen = FZ_PLEN_SMALL | 9 });
	bapp(&in, 0, FZ_APP_ACCEPT, 0);
	name(nm, sizeof(nm), st, "new-conn");
	emit(nm, &in);
}

static void variants(void)
{
	struct input in;

	/* IPv6, established, data and the timers */
	header(&in, FZ_ESTABLISHED, FZV1_IPV6, 1u << FZV2_DELAY_SHIFT, 0, 0);
	seg_data(&in, 30, true);
	for (int i = 0; i < 4; i++) {
		tick(&in, 15);
		wire(&in, FZ_WIRE_BOTH, 32);
	}
	aapp(&in, FZ_AAPP_RECV, 0);
	emit("variant-ipv6", &in);

	/* no timestamps, SACK or window scale; NewReno; three duplicate ACKs */
	header(&in, FZ_ESTABLISHED, FZV1_NO_TS | FZV1_NO_SACK | FZV1_NO_WS, 0, 0, FZV4_NEWRENO);
	for (int i = 0; i < 4; i++)
		seg(&in, &(struct seg){ .flags = TCP_ACK, .seqmode = FZ_SEQ_NXT8,
					.ackmode = FZ_ACK_UNA8, .window = 0xffff,
					.plen = FZ_PLEN_NONE });
	wire(&in, FZ_WIRE_BOTH, 64);
	tick(&in, 15);
	emit("variant-no-options-dupacks", &in);

	/* the sequence numbers wrap past 2^32 during the transfer */
	header(&in, FZ_ESTABLISHED, FZV1_ISN_WRAP32 << FZV1_ISN_SHIFT, FZV2_NODELAY, 0, 0);
	bapp(&in, B_MAIN, FZ_APP_SEND_BIG, 40);
	aapp(&in, FZ_AAPP_SEND_BIG, 100);
	for (int i = 0; i < 8; i++) {
		wire(&in, FZ_WIRE_BOTH, 64);
		tick(&in, 15);
	}
	aapp(&in, FZ_AAPP_RECV, 0);
	bapp(&in, B_MAIN, FZ_APP_RECV_ALL, 0);
	emit("variant-wrap32", &in);

	/* keepalive probes on an idle connection, user timeout */
	header(&in, FZ_ESTABLISHED, FZV1_KEEPALIVE, FZV2_USER_TIMEOUT, 0, FZV4_QUIET);
	for (int i = 0; i < 6; i++)
		tick(&in, 7);
	emit("variant-keepalive", &in);

	/* a small receive buffer: A fills it */
	header(&in, FZ_ESTABLISHED, FZV1_SMALL_RCVBUF, FZV2_NODELAY, 0, 0);
	aapp(&in, FZ_AAPP_SEND_BIG, 200);
	for (int i = 0; i < 6; i++) {
		wire(&in, FZ_WIRE_BOTH, 64);
		tick(&in, 15);
	}
	bapp(&in, B_MAIN, FZ_APP_RECV, 255);
	wire(&in, FZ_WIRE_BOTH, 64);
	emit("variant-small-rcvbuf", &in);

	/* orphaned closes */
	header(&in, FZ_FIN_WAIT2, 0, FZV2_LINGER2, 0, FZV4_ORPHAN);
	tick(&in, 6);
	tick(&in, 7);
	emit("variant-orphan-fin-wait2", &in);
	header(&in, FZ_LAST_ACK, 0, 0, 0, FZV4_ORPHAN);
	wire(&in, FZ_WIRE_BOTH, 64);
	emit("variant-orphan-last-ack", &in);

	/* a wildcard listener (IPv6): a second connection finds it */
	header(&in, FZ_ESTABLISHED, FZV1_IPV6, 0, 0, FZV4_WILDCARD);
	seg(&in, &(struct seg){ .ctl = FZC_TUPLE_NEW, .flags = TCP_SYN, .seqmode = FZ_SEQ_RAW,
				.seqdelta = 1000, .ackmode = FZ_ACK_RAW, .window = 0xffff,
				.plen = FZ_PLEN_NONE });
	emit("variant-wildcard-ipv6", &in);

	/* checksums a veth peer with TX offload leaves unfinished, accepted */
	header(&in, FZ_ESTABLISHED, 0, 0, 0, FZV4_PARTIAL_CSUM);
	seg(&in, &(struct seg){ .ctl = FZC_CSUM_PARTIAL, .flags = TCP_ACK | TCP_PSH,
				.seqmode = FZ_SEQ_NXT8, .ackmode = FZ_ACK_UNA8, .window = 0xffff,
				.ts = true, .plen = FZ_PLEN_SMALL | 5 });
	bapp(&in, B_MAIN, FZ_APP_RECV, 9);
	emit("variant-partial-csum", &in);

	/* a listener with backlog 1 and four SYNs */
	header(&in, FZ_LISTEN, 0, 0, 0, FZV4_BACKLOG1);
	for (int i = 0; i < 4; i++) {
		seg(&in, &(struct seg){ .ctl = FZC_TUPLE_NEW, .port = (uint8_t)i, .flags = TCP_SYN,
					.seqmode = FZ_SEQ_RAW, .seqdelta = 1000 * i,
					.ackmode = FZ_ACK_RAW, .window = 0xffff,
					.plen = FZ_PLEN_NONE });
	}
	tick(&in, 15);
	emit("variant-backlog1", &in);
}

int main(int argc, char **argv)
{
	if (argc != 2) {
		fprintf(stderr, "usage: make_corpus_tcp DIR\n");
		return 2;
	}
	outdir = argv[1];
	for (int st = 0; st < FZ_NSTATES; st++)
		seeds_for((enum fz_state)st);
	variants();
	printf("make_corpus_tcp: %d inputs in %s\n", nwritten, outdir);
	return 0;
}
