/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * The input format of tests/fuzz/fuzz_tcp.c, shared with the seed writer
 * tests/fuzz/make_corpus_tcp.c so that the two cannot drift apart.
 *
 * An input is a header of FZ_HDR_LEN bytes, then a stream of operations
 * read until the input ends; a read past the end yields zeros, so every
 * byte string is a valid input.  Multi-byte numbers are little-endian.
 *
 * Header:
 *   [0] the state side B's connection is put in (enum fz_state, modulo
 *       FZ_NSTATES)
 *   [1] FZV1_* bits; [2] FZV2_* bits; [3] the MSS A's SYN announces when
 *       FZV2_MSS is FZV2_MSS_RAW; [4] FZV4_* bits.
 *
 * Operations: a byte whose low four bits pick one (FZ_OP_*), then its
 * arguments, described with each below.
 */
#ifndef XS_TESTS_FUZZ_TCP_H
#define XS_TESTS_FUZZ_TCP_H

/* What side B is driven to before the operations run.  A is 198.18.0.1
 * (2001:db8::1), B 198.18.0.2 (::2); B always has a listener on port 80. */
enum fz_state {
	FZ_LISTEN,              /* the listener alone; A has no socket */
	FZ_SYN_SENT,            /* B:81 connects to A's listener on 40000; SYN in flight */
	FZ_SYN_RECV,            /* A:40000's SYN reached B:80; SYN-ACK in flight, not accepted */
	FZ_SYN_RECV_SIMUL,      /* B:81 and A:40000 connect to each other (RFC 9293 figure 8) */
	FZ_ESTABLISHED,         /* A:40000 - B:80, accepted; data in flight both ways, B's
				 * out-of-order queue holding two of A's segments */
	FZ_FIN_WAIT1,           /* B shut down (or closed): data and FIN in flight */
	FZ_FIN_WAIT2,           /* ... A acknowledged the FIN; A's data out of order at B */
	FZ_CLOSING,             /* both FINs crossed: B has A's, A not yet B's */
	FZ_TIME_WAIT,           /* B closed first, then A; B's last ACK in flight */
	FZ_CLOSE_WAIT,          /* A shut down first; B's data in flight */
	FZ_LAST_ACK,            /* ... then B: B's FIN in flight */
	FZ_NSTATES
};

/* Header byte 1 */
#define FZV1_IPV6               0x01    /* the pair talks IPv6 */
#define FZV1_ISN_SHIFT          1       /* 2 bits: the ISNs both tables pick */
#define FZV1_ISN_MASK           0x06
#define FZV1_ISN_SECRET         0       /* RFC 6528, from the fixed secrets and clock */
#define FZV1_ISN_WRAP32         1       /* every ISN 2^32 - 3000: the connection wraps */
#define FZV1_ISN_WRAP31         2       /* every ISN 2^31 - 3000 */
#define FZV1_ISN_ZERO           3
#define FZV1_NO_TS              0x08    /* A's SYN without timestamps */
#define FZV1_NO_SACK            0x10    /* ... without SACK-permitted */
#define FZV1_NO_WS              0x20    /* ... without window scale */
#define FZV1_KEEPALIVE          0x40    /* B: SO_KEEPALIVE, 10 s idle, 1 s interval, 3 probes */
#define FZV1_SMALL_RCVBUF       0x80    /* B: SO_RCVBUF 4608 (zero windows, a full ooo queue) */

/* Header byte 2 */
#define FZV2_MSS_MASK           0x03    /* the MSS A's SYN announces: */
#define FZV2_MSS_KEEP           0       /* A's own */
#define FZV2_MSS_536            1
#define FZV2_MSS_9000           2       /* above the path: B clamps to its MTU */
#define FZV2_MSS_RAW            3       /* header byte 3 (0..255; 0: none) */
#define FZV2_NODELAY            0x04    /* B: TCP_NODELAY */
#define FZV2_USER_TIMEOUT       0x08    /* B: TCP_USER_TIMEOUT 3 s */
#define FZV2_OOBINLINE          0x10    /* B: SO_OOBINLINE */
#define FZV2_LINGER2            0x20    /* B: TCP_LINGER2 5 s */
#define FZV2_DELAY_SHIFT        6       /* 2 bits: one-way delay 0, 1 ms, 30 ms, 200 ms */

/* Header byte 4 */
#define FZV4_ORPHAN             0x01    /* B close()s where it would shutdown(SHUT_WR) */
#define FZV4_QUIET              0x02    /* no data in flight after the setup */
#define FZV4_BACKLOG1           0x04    /* the listener's backlog is 1 */
#define FZV4_NEWRENO            0x08    /* B uses NewReno rather than the default */
#define FZV4_PARTIAL_CSUM       0x10    /* B's table accepts CHECKSUM_PARTIAL (a veth peer's) */
#define FZV4_WILDCARD           0x20    /* B's listener on 0.0.0.0 / :: */

#define FZ_HDR_LEN              5

/*
 * Operations, by the low four bits of their first byte.
 *
 * FZ_OP_SEG (0..7): a segment to B, built as described in fuzz_tcp.c
 *   (seg_build()):
 *     ctl     FZC_* bits
 *     [ports] FZC_TUPLE_NEW: 1 byte (source port 40001 + it);
 *             FZC_TUPLE_RAW: source, destination (2 + 2 bytes)
 *     flags   the low 8 flag bits (FIN .. CWR); AE comes from ctl
 *     seqmode FZ_SEQ_*, then its delta (1, 2 or 4 bytes)
 *     ackmode FZ_ACK_*, then its delta
 *     window  2 bytes
 *     [urg]   2 bytes, when flags has URG
 *     [doff]  1 byte (low nibble), when ctl has FZC_RAW_DOFF
 *     nopts   option tokens that follow (low 3 bits)
 *     tokens  FZ_OPT_* (low 4 bits of each), each with its bytes
 *     plen    payload length: FZ_PLEN_*
 *     payload its first (at most 4) bytes; the rest is filler
 */
#define FZ_OP_SEG_LAST          7
#define FZ_OP_WIRE              8       /* d: low 2 bits FZ_WIRE_*, count (d >> 2) + 1 */
#define FZ_OP_WIRE2             9
#define FZ_OP_TICK              10      /* t: the clock moves by fz_ticks[t & 15], timers run */
#define FZ_OP_TICK2             11
#define FZ_OP_BAPP              12      /* s, k: B's application: socket s % n, call FZ_APP_* */
#define FZ_OP_BAPP2             13
#define FZ_OP_AAPP              14      /* k: A's application: FZ_AAPP_* */
#define FZ_OP_SOCKOPT           15      /* s, o, v: B's socket s % n, option o, value v */

#define FZ_WIRE_TO_B            0       /* deliver what is in flight to B (oldest first) */
#define FZ_WIRE_TO_A            1       /* ... to A */
#define FZ_WIRE_BOTH            2       /* ... to either, oldest first */
#define FZ_WIRE_DROP            3       /* lose what is in flight (count ignored) */

/* ctl */
#define FZC_TUPLE_MASK          0x03
#define FZC_TUPLE_MAIN          0       /* B's main connection (or A:40000 -> B:80) */
#define FZC_TUPLE_NEW           1       /* A:40001+n -> B:80, the listener's */
#define FZC_TUPLE_MAIN2         2
#define FZC_TUPLE_RAW           3
#define FZC_CSUM_MASK           0x1c    /* the checksum: */
#define FZC_CSUM_WRONG          0x1c    /* wrong */
#define FZC_CSUM_PARTIAL        0x18    /* the pseudo-header's sum, as a sender leaves it for
					 * the device (CHECKSUM_PARTIAL) */
					/* any other value: correct */
#define FZC_RAW_DOFF            0x20    /* the data offset nibble comes from the input */
#define FZC_AE                  0x40
#define FZC_PAD_NOP             0x80    /* options padded with NOP rather than EOL */

/* seqmode (low 3 bits), with the delta's size */
#define FZ_SEQ_NXT8             0       /* RCV.NXT + int8 */
#define FZ_SEQ_NXT8B            1
#define FZ_SEQ_NXT16            2       /* RCV.NXT + int16 */
#define FZ_SEQ_ADV8             3       /* right edge of the window + int8 */
#define FZ_SEQ_IRS8             4       /* IRS + int8 */
#define FZ_SEQ_RAW              5       /* 4 bytes */
#define FZ_SEQ_NXT_MSS          6       /* RCV.NXT + int8 * MSS */
#define FZ_SEQ_PEER8            7       /* A's SND.NXT + int8 */

/* ackmode (low 3 bits) */
#define FZ_ACK_UNA8             0       /* SND.UNA + int8 */
#define FZ_ACK_UNA8B            1
#define FZ_ACK_NXT8             2       /* SND.NXT + int8 */
#define FZ_ACK_MAX8             3       /* SND.MAX + int8 */
#define FZ_ACK_UNA16            4       /* SND.UNA + int16 */
#define FZ_ACK_RAW              5       /* 4 bytes */
#define FZ_ACK_ISS8             6       /* ISS + int8 */
#define FZ_ACK_UNA_MSS          7       /* SND.UNA + int8 * MSS */

/* option tokens (low 4 bits; higher bits are arguments) */
#define FZ_OPT_NOP              0
#define FZ_OPT_EOL              1
#define FZ_OPT_MSS              2       /* 2 bytes */
#define FZ_OPT_WS               3       /* 1 byte */
#define FZ_OPT_SACK_PERM        4
#define FZ_OPT_TS               5       /* mode byte (bits 0-1 TSval, 2-3 TSecr), then deltas */
#define FZ_OPT_SACK             6       /* blocks: 1 + (token >> 4) % 4, each FZ_SACKB_* */
#define FZ_OPT_RAW              7       /* kind, length, then length - 2 bytes */
#define FZ_OPT_CUT              8       /* a known kind and nothing after it */
#define FZ_OPT_BADLEN           9       /* a known kind with a length byte from the input */

#define FZ_TS_VAL_RECENT8       0       /* TS.Recent + int8 */
#define FZ_TS_VAL_RECENT16      1       /* TS.Recent + int16 << 8 */
#define FZ_TS_VAL_RAW           2
#define FZ_TS_VAL_ZERO          3
#define FZ_TS_ECR_NOW8          0       /* B's clock - uint8 */
#define FZ_TS_ECR_REXMIT        1       /* B's last retransmission's TSval */
#define FZ_TS_ECR_RAW           2
#define FZ_TS_ECR_ZERO          3

/* A SACK block: a byte b; b & 0x80: [SND.UNA + (b & 7) MSS, + ((b >> 3 & 7) + 1) MSS),
 * else 2 bytes int16 from SND.UNA to the left edge, 2 bytes to the right. */
#define FZ_SACKB_ALIGNED        0x80

/* plen: p & 0xc0 selects */
#define FZ_PLEN_SMALL           0x00    /* p & 0x3f bytes */
#define FZ_PLEN_X32             0x40    /* (p & 0x3f) * 32 bytes */
#define FZ_PLEN_MSS             0x80    /* B's MSS + int8 (the next byte) */
#define FZ_PLEN_NONE            0xc0

/* B's application calls: k & 15 */
enum {
	FZ_APP_SEND,            /* n + 1 bytes (next byte) */
	FZ_APP_SEND_BIG,        /* n * 256 bytes */
	FZ_APP_SEND_OOB,        /* n + 1 bytes, MSG_OOB */
	FZ_APP_SEND_MORE,       /* n + 1 bytes, MSG_MORE */
	FZ_APP_RECV,            /* n * 16 + 1 bytes */
	FZ_APP_RECV_PEEK,
	FZ_APP_RECV_OOB,        /* 1 byte, MSG_OOB (| MSG_PEEK when n is odd) */
	FZ_APP_RECV_TRUNC,
	FZ_APP_RECV_ALL,
	FZ_APP_SHUTDOWN,        /* SHUT_RD + n % 3 */
	FZ_APP_CLOSE,           /* SO_LINGER 0 when n is odd */
	FZ_APP_ACCEPT,          /* on a listener */
	FZ_APP_LISTEN,          /* a listener's backlog becomes n % 4 */
	FZ_APP_QUERY,           /* poll, FIONREAD, SIOCOUTQ, SIOCATMARK, SO_ERROR */
	FZ_APP_PUSH,            /* xs_tcp_output() */
	FZ_APP_SEND_ZERO,       /* send() of nothing */
};

/* A's application: k & 7 */
enum {
	FZ_AAPP_SEND,           /* n + 1 bytes */
	FZ_AAPP_SEND_BIG,       /* n * 64 bytes */
	FZ_AAPP_RECV,           /* everything readable, checked against B's stream */
	FZ_AAPP_SHUTDOWN,       /* SHUT_WR */
	FZ_AAPP_CLOSE,
	FZ_AAPP_ACCEPT,         /* A's listener (FZ_SYN_SENT) */
	FZ_AAPP_ACK,            /* A sends a bare ACK */
	FZ_AAPP_SEND_LOSE,      /* n * 64 bytes, the first data segment lost */
};

/* Socket options (o % FZ_NSOCKOPT), value v from a small table each */
enum {
	FZ_SO_NODELAY, FZ_SO_CORK, FZ_SO_KEEPALIVE, FZ_SO_RCVBUF, FZ_SO_SNDBUF,
	FZ_SO_OOBINLINE, FZ_SO_MAXSEG, FZ_SO_USER_TIMEOUT, FZ_SO_LINGER2,
	FZ_SO_WINDOW_CLAMP, FZ_SO_QUICKACK, FZ_SO_CONGESTION, FZ_NSOCKOPT
};

#endif
