/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * TCP selective acknowledgments, both directions, as pure building blocks
 * for the TCP state machine: tcp_in.c feeds them what arrives, tcp_out.c
 * asks them what to put in a SACK option or what to send next.  They keep
 * no globals, read no clock and call no device; all state lives in the
 * structs below, which the socket embeds.  Sequence numbers wrap
 * (tcp_seq.h); every range is half-open, [start, end), the left and right
 * edges of RFC 2018.
 *
 * Receiver (RFC 2018 section 4, RFC 2883): xs_tcp_sack_rx remembers, most
 * recent first, the out-of-order segments that arrived and the blocks it
 * last reported; xs_tcp_sack_rx_build() maps them onto the ranges the
 * out-of-order queue holds now (tcp_ooo.h, xs_tcp_ooo_ranges()) and writes
 * the blocks of the next option: a pending D-SACK first, then the block
 * holding the newest segment, then the most recently reported others,
 * never one at or below RCV.NXT.
 *
 * Sender (RFC 6675): xs_tcp_sack_board is the scoreboard, a bounded sorted
 * array of SACKed ranges above SND.UNA with the recovery variables
 * (HighRxt, RecoveryPoint, RescueRxt).  It answers IsLost(), NextSeg() and
 * SetPipe().  Where the RFC speaks of octets (HighACK, HighData, HighRxt
 * are "the highest octet ..."), the board keeps the sequence number one
 * past it, the way SND.UNA and SND.NXT are kept: HighACK + 1 is SND.UNA,
 * HighData + 1 is SND.NXT, and high_rxt is HighRxt + 1.
 */
#ifndef XS_SOCK_TCP_SACK_H
#define XS_SOCK_TCP_SACK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* One SACK block, or any range of sequence space: [start, end). */
struct xs_tcp_sack_block {
	uint32_t start;			/* left edge: first sequence number */
	uint32_t end;			/* right edge: one past the last */
};

#define XS_TCP_SACK_MAX_BLOCKS		4	/* 40 option bytes: 2 + 4 * 8 + 2 NOPs */
#define XS_TCP_SACK_MAX_BLOCKS_TS	3	/* with a timestamp option */

/* ---- receiver: the blocks to send (RFC 2018 section 4, RFC 2883) ------- */

/* Remembered beyond the 4 blocks an option carries, so that a block that
 * vanished (filled, purged) leaves older ones to report. */
#define XS_TCP_SACK_RX_RECENT		8

struct xs_tcp_sack_rx {
	/* Most recent first: segments noted since, then the blocks of the
	 * last option built, then older ones.  Only ever mapped onto what
	 * the queue holds, so stale entries cost nothing but a slot. */
	struct xs_tcp_sack_block recent[XS_TCP_SACK_RX_RECENT];
	uint8_t nrecent;
	bool dsack_pending;
	struct xs_tcp_sack_block dsack;	/* valid when dsack_pending */
};

void xs_tcp_sack_rx_init(struct xs_tcp_sack_rx *rx);

/* An out-of-order segment [start, end) went into the out-of-order queue, or
 * was found already held there (a duplicate): its block goes first in the
 * next option.  Not for a refused segment (its bytes are not held) nor for
 * one that advanced RCV.NXT (RFC 2018: then the first block is whatever is
 * most recent among the rest).  Empty ranges are ignored. */
void xs_tcp_sack_rx_note(struct xs_tcp_sack_rx *rx, uint32_t start, uint32_t end);

/* A duplicate [start, end) arrived (below RCV.NXT, or already queued; for
 * the latter tcp_ooo's insert reports the duplicate part): the next option
 * opens with it as a D-SACK block (RFC 2883 section 4), once.  A second
 * duplicate before the option is built extends the first when the two touch
 * and replaces it otherwise (the newest duplicate is the one reported, as
 * Linux does).  Empty ranges are ignored. */
void xs_tcp_sack_rx_note_dup(struct xs_tcp_sack_rx *rx, uint32_t start, uint32_t end);

/*
 * Writes the blocks of the next SACK option to out[0..max_blocks) and
 * returns how many (0: send no SACK option).  ranges[0..nranges) are the
 * contiguous ranges held out of order, sorted, disjoint and not touching,
 * as xs_tcp_ooo_ranges() gives them; max_blocks is 4, or 3 when the segment
 * carries a timestamp option (larger values are treated as 4).
 *
 * Order: the pending D-SACK block (consumed: reported once); then, if the
 * duplicate lies in a held range, that range (RFC 2883 section 4); then the
 * held range containing the most recently noted segment; then the ranges
 * of the most recently reported blocks, each once.  A remembered block that
 * maps to no held range, or that lies at or below rcv_nxt, is forgotten.
 * Only ranges that were noted or reported are ever reported (RFC 2018
 * says how to fill the option, not to go looking for more).
 */
size_t xs_tcp_sack_rx_build(struct xs_tcp_sack_rx *rx, uint32_t rcv_nxt,
			    const struct xs_tcp_sack_block *ranges, size_t nranges,
			    size_t max_blocks, struct xs_tcp_sack_block *out);

/* ---- sender: the scoreboard (RFC 6675) --------------------------------- */

#define XS_TCP_SACK_BOARD_MAX		32	/* SACKed ranges kept */
#define XS_TCP_SACK_DUPTHRESH		3	/* RFC 6675 DupThresh */

struct xs_tcp_sack_board {
	uint32_t snd_una;		/* HighACK + 1; nothing below is on the board */
	uint32_t high_rxt;		/* HighRxt + 1: below it was retransmitted
					 * in this recovery; snd_una outside one */
	uint32_t recovery_point;	/* RecoveryPoint + 1 (SND.NXT at entry) */
	uint32_t rescue_rxt;		/* RescueRxt + 1, when rescue_set */
	bool in_recovery;
	bool rescue_set;		/* false: RescueRxt undefined */
	uint32_t smss;
	uint32_t dupthresh;
	uint32_t sacked_bytes;		/* total of the ranges */
	uint32_t nranges;
	struct xs_tcp_sack_block ranges[XS_TCP_SACK_BOARD_MAX];	/* sorted, disjoint,
					 * not touching, all inside [snd_una, SND.NXT) */
	uint64_t overflows;		/* ranges dropped for want of a slot */
};

/* What one ACK did to the board (xs_tcp_sack_board_update()). */
struct xs_tcp_sack_update {
	uint32_t acked;			/* bytes SND.UNA advanced */
	uint32_t newly_sacked;		/* bytes SACKed now that were not */
	uint32_t invalid;		/* blocks ignored: start >= end, beyond
					 * SND.NXT, or wholly below SND.UNA */
	bool dsack;			/* the first block was a D-SACK ... */
	struct xs_tcp_sack_block dsack_block;	/* ... for these bytes */
	bool recovery_done;		/* SND.UNA reached RecoveryPoint + 1 */
};

/* Empty board, no recovery; RecoveryPoint starts at snd_una so that
 * recovery may be entered at once.  smss 0 is taken as 1. */
void xs_tcp_sack_board_init(struct xs_tcp_sack_board *b, uint32_t snd_una, uint32_t smss);

/*
 * Update() of RFC 6675 for one acceptable ACK: ack is its cumulative
 * acknowledgment (SND.UNA <= ack <= snd_nxt, which the caller checked;
 * one outside that is taken as no advance), blocks[0..n) its SACK blocks in
 * the order they came, snd_nxt the sender's SND.NXT (HighData + 1).
 * Advances SND.UNA as xs_tcp_sack_board_ack() does, then records each
 * block:
 *   - the first block is a D-SACK (RFC 2883 section 5) when it lies below
 *     the ACK, or inside the second block; it is reported in *res and not
 *     recorded (its bytes are either acknowledged or in the second block);
 *   - start >= end (sequence order), end beyond snd_nxt, or end at or
 *     below SND.UNA: ignored and counted as invalid; a block straddling
 *     SND.UNA is cut there;
 *   - the rest are merged into the board.  With all XS_TCP_SACK_BOARD_MAX
 *     slots taken the highest range is dropped (so the information lost
 *     is the least urgent, and losing it is safe: those bytes count as not
 *     delivered) and overflows counts it.
 * res may be NULL.
 */
void xs_tcp_sack_board_update(struct xs_tcp_sack_board *b, uint32_t ack, uint32_t snd_nxt,
			      const struct xs_tcp_sack_block *blocks, size_t n,
			      struct xs_tcp_sack_update *res);

/* SND.UNA advanced to snd_una (HighACK = snd_una - 1): ranges below are
 * trimmed away, HighRxt never lags it, and recovery ends when it reaches
 * RecoveryPoint + 1 (returned true then).  An older snd_una is ignored.
 * Returns the bytes acknowledged through *acked when not NULL. */
bool xs_tcp_sack_board_ack(struct xs_tcp_sack_board *b, uint32_t snd_una, uint32_t *acked);

/* IsLost(seq): DupThresh or more discontiguous SACKed ranges lie above seq,
 * or more than (DupThresh - 1) * SMSS SACKed bytes do.  "Above" counts the
 * SACKed bytes after seq; a range holding seq counts for its part above. */
bool xs_tcp_sack_is_lost(const struct xs_tcp_sack_board *b, uint32_t seq);

/* SetPipe(): octets between SND.UNA and snd_nxt that are not SACKed count
 * once when not IsLost() and once more when already retransmitted in this
 * recovery (below high_rxt). */
uint32_t xs_tcp_sack_pipe(const struct xs_tcp_sack_board *b, uint32_t snd_nxt);

/* What NextSeg() chose. */
struct xs_tcp_sack_seg {
	uint32_t start, end;		/* [start, end), at most SMSS */
	int rule;			/* 1..4, the RFC 6675 section 4 rule */
};

/*
 * NextSeg() (RFC 6675 section 4).  snd_nxt is SND.NXT (HighData + 1);
 * new_bytes how much previously unsent data may go now (0 when none is
 * queued or the receiver's window forbids it).  Returns the rule that
 * chose *seg (1: lost and not yet retransmitted, 2: new data starting at
 * snd_nxt, 3: unSACKed below the highest SACKed octet, not yet
 * retransmitted, 4: the rescue retransmission, in recovery only), or 0
 * when NextSeg() fails.  Rules 1 and 3 stop at the next SACKed range: no
 * SACKed byte is ever resent.  Does not change the board: after sending,
 * call xs_tcp_sack_sent().
 */
int xs_tcp_sack_next_seg(const struct xs_tcp_sack_board *b, uint32_t snd_nxt,
			 uint32_t new_bytes, struct xs_tcp_sack_seg *seg);

/* seg (as NextSeg() returned it) was sent: rules 1 and 3 raise HighRxt to
 * its last octet (and, for the first retransmission of a recovery, set
 * RescueRxt there too: RFC 6675 section 5 step 4.3); rule 4 sets RescueRxt
 * to RecoveryPoint and leaves HighRxt alone; rule 2 changes nothing here
 * (the caller advances SND.NXT). */
void xs_tcp_sack_sent(struct xs_tcp_sack_board *b, const struct xs_tcp_sack_seg *seg);

/* Whether a new recovery may start: not in one, and HighACK >=
 * RecoveryPoint (RFC 6675 section 5, and 5.1 after an RTO). */
bool xs_tcp_sack_can_enter_recovery(const struct xs_tcp_sack_board *b);

/* Loss recovery starts (RFC 6675 section 5 step 4.1): RecoveryPoint =
 * HighData, HighRxt = HighACK, RescueRxt undefined. */
void xs_tcp_sack_enter_recovery(struct xs_tcp_sack_board *b, uint32_t snd_nxt);

/*
 * Retransmission timeout: every SACKed range is forgotten (RFC 2018
 * section 8: the receiver may have reneged, and the timeout is the sign),
 * recovery ends and RecoveryPoint becomes HighData, so that no new
 * recovery starts before SND.UNA passes it (RFC 6675 section 5.1).
 */
void xs_tcp_sack_board_on_rto(struct xs_tcp_sack_board *b, uint32_t snd_nxt);

#endif /* XS_SOCK_TCP_SACK_H */
