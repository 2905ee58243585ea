/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * TCP sockets: the protocol side of SOCK_STREAM (RFC 9293), over the pure
 * building blocks beside it (tcp_seq.h, tcp_rtt.h, tcp_cc.h, tcp_sack.h,
 * tcp_ooo.h, tcp_isn.h).  The calls (connect, send, recv, ...) live in
 * api/stream.c; this layer keeps no globals, reads no clock and calls no
 * device: every entry point takes the time, and segments leave through the
 * table's environment (struct xs_tcp_env), so every state can be driven by
 * a unit test with a fake clock and a fake wire.
 *
 *   tcp_sock.c   connection blocks, the demultiplexing tables, the byte
 *                rings, the calls' protocol halves (connect, listen,
 *                accept, send, recv, shutdown, close)
 *   tcp_in.c     segments arriving: RFC 9293 3.10.7 with RFC 5961, 7323,
 *                2018/6675 and 5681/6582
 *   tcp_out.c    segments leaving: what may be sent now (windows, Nagle,
 *                cork, recovery), headers and options, ACKs, RSTs
 *   tcp_timer.c  retransmission, delayed ACK, persist, keepalive,
 *                FIN_WAIT_2 and TIME_WAIT
 *
 * Byte streams are copied once each way, as on Linux: send() copies into
 * the send ring, which then holds every byte until it is acknowledged
 * (segments and retransmissions are cut from it), and arriving payload is
 * copied into the receive ring (out of order: a heap copy per segment,
 * kept by tcp_ooo), from which recv() copies it out.  Frames therefore go
 * back to the device at once and a slow reader never holds umem frames.
 */
#ifndef XS_SOCK_TCP_H
#define XS_SOCK_TCP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/uio.h>

#include "iface/drop.h"
#include "iface/ip_in.h"
#include "sock/tcp_cc.h"
#include "sock/tcp_isn.h"
#include "sock/tcp_ooo.h"
#include "sock/tcp_rtt.h"
#include "sock/tcp_sack.h"
#include "wire/tcp.h"

/* States, numbered as Linux numbers them (TCP_INFO's tcpi_state). */
enum xs_tcp_state {
	XS_TCP_ESTABLISHED = 1,
	XS_TCP_SYN_SENT,
	XS_TCP_SYN_RECV,
	XS_TCP_FIN_WAIT1,
	XS_TCP_FIN_WAIT2,
	XS_TCP_TIME_WAIT,
	XS_TCP_CLOSE,
	XS_TCP_CLOSE_WAIT,
	XS_TCP_LAST_ACK,
	XS_TCP_LISTEN,
	XS_TCP_CLOSING,
};

/* Linux's constants, where tcp(7) or the code names them. */
#define XS_TCP_MSS_DEFAULT4     536             /* RFC 9293 3.7.1 */
#define XS_TCP_MSS_DEFAULT6     1220            /* RFC 8200: 1280 - 60 */
#define XS_TCP_MIN_MSS          88              /* Linux's TCP_MIN_MSS */
#define XS_TCP_TS_OPTLEN        12              /* the timestamp option, aligned */
#define XS_TCP_TIMEWAIT_NS      (60 * XS_NS_PER_S)      /* TCP_TIMEWAIT_LEN */
#define XS_TCP_FIN_TIMEOUT_NS   (60 * XS_NS_PER_S)      /* tcp_fin_timeout */
#define XS_TCP_DELACK_MAX_NS    (200 * XS_NS_PER_MS)    /* TCP_DELACK_MAX */
#define XS_TCP_DELACK_MIN_NS    (40 * XS_NS_PER_MS)     /* TCP_DELACK_MIN */
#define XS_TCP_KEEPIDLE_S       7200
#define XS_TCP_KEEPINTVL_S      75
#define XS_TCP_KEEPCNT          9
#define XS_TCP_SYN_RETRIES      6               /* tcp_syn_retries */
#define XS_TCP_SYNACK_RETRIES   5               /* tcp_synack_retries */
#define XS_TCP_RETRIES2         15              /* tcp_retries2 */
#define XS_TCP_RCV_WSCALE       7               /* what Linux offers with tcp_rmem[2] = 6 MiB */
#define XS_TCP_RMEM_DEFAULT     131072          /* tcp_rmem[1] */
#define XS_TCP_RMEM_MAX         6291456         /* tcp_rmem[2] */
#define XS_TCP_WMEM_DEFAULT     16384           /* tcp_wmem[1] */
#define XS_TCP_WMEM_MAX         4194304         /* tcp_wmem[2] */
#define XS_TCP_MAX_SYN_BACKLOG  4096            /* tcp_max_syn_backlog (per listener here) */
#define XS_TCP_SOMAXCONN        4096            /* net.core.somaxconn */
#define XS_TCP_CHALLENGE_PER_S  1000            /* global challenge ACKs per second */
#define XS_TCP_OOW_INTERVAL_NS  (500 * XS_NS_PER_MS)    /* tcp_invalid_ratelimit */
#define XS_TCP_TS_HZ            1000            /* timestamp clock: 1 ms, as Linux */
#define XS_TCP_TABLE_SIZE       4096            /* hash buckets, a power of two */
#define XS_TCP_QUICKACKS        16              /* quick ACKs after start or out of order */

/* What a waiting application may care about (xs_tcp_env.notify). */
enum {
	XS_TCP_EV_READ  = 1u << 0,      /* data, FIN, or a connection to accept */
	XS_TCP_EV_WRITE = 1u << 1,      /* send space, or the handshake completed */
	XS_TCP_EV_ERR   = 1u << 2,      /* an error to report, or reset/closed */
	XS_TCP_EV_URG   = 1u << 3,      /* urgent data arrived (SIGURG, POLLPRI) */
};

/* A circular byte buffer, capacity a power of two. */
struct xs_tcp_ring {
	uint8_t *data;
	uint32_t cap;                   /* 0 until the first use */
	uint32_t head;                  /* offset of the first byte */
	uint32_t len;                   /* bytes held */
};

struct xs_tcp_sock;
struct xs_tcp_table;

/*
 * How the protocol reaches the world.  ctx is the api layer's; every
 * callback runs inside the stack's lock, from a protocol call.
 */
struct xs_tcp_env {
	void *ctx;
	/* Sends one segment of tp: header r (payload_len set) and the payload
	 * gathered from iov.  0, or a negative errno (the segment is lost:
	 * retransmission covers data, the next ACK covers ACKs). */
	int (*xmit)(void *ctx, struct xs_tcp_sock *tp, const struct xs_tcp_repr *r,
		    const struct iovec *iov, int iovcnt);
	/* Sends a reply to a segment no connection owns (an RST), back the way
	 * pkt came: through link, to the Ethernet address mac. */
	int (*reply)(void *ctx, const struct xs_rx_pkt *pkt, int link, const uint8_t mac[6],
		     const struct xs_tcp_repr *r);
	/* tp (or, for a connection waiting to be accepted, its listener) has
	 * news for a waiting application: XS_TCP_EV_*. */
	void (*notify)(void *ctx, struct xs_tcp_sock *tp, unsigned int events);
	/* A passively opened connection is established: steer its 4-tuple. */
	void (*established)(void *ctx, struct xs_tcp_sock *tp);
	/* tp is about to be freed: remove what the api attached to it. */
	void (*release)(void *ctx, struct xs_tcp_sock *tp);
};

/* Counters for TCP_INFO and the stack's statistics. */
struct xs_tcp_counters {
	uint64_t segs_in, segs_out, data_segs_in, data_segs_out;
	uint64_t bytes_sent, bytes_retrans, bytes_acked, bytes_received;
	uint32_t total_retrans, dsack_dups;
	uint32_t rcv_ooopack;
};

struct xs_tcp_sock {
	/* table links */
	struct xs_tcp_sock *hnext;      /* hash chain (connections or listeners) */
	struct xs_tcp_sock *anext, *aprev;  /* all sockets, for the timers */
	struct xs_tcp_sock *parent;     /* listener, while not yet accepted */
	struct xs_tcp_sock *qnext;      /* the listener's accept queue */
	struct xs_tcp_table *table;
	void *owner;                    /* the api's socket; NULL once closed */
	int steer_link;                 /* the env's: its 5-tuple rule is on this link, */
	bool steered;                   /* when set (removed in release()) */
	bool hashed, listed;
	bool in_tw;                     /* in the table's TIME_WAIT section */

	enum xs_tcp_state state;
	int family;                     /* of the socket: AF_INET or AF_INET6 */
	bool v6only;
	bool v4;                        /* the connection runs over IPv4 */
	uint8_t laddr[16], raddr[16];   /* IPv4 as ::ffff:a.b.c.d */
	uint16_t lport, rport;          /* host order */
	int bound_ifindex;              /* SO_BINDTODEVICE, 0 any */

	/* the link: set by connect() from the route, or from the SYN */
	int link;                       /* the api's interface index */
	uint8_t peer_mac[6];
	uint32_t link_mtu;              /* IP MTU of the path */
	uint8_t ttl, tos;

	/* send sequence space */
	uint32_t iss, snd_una, snd_nxt, snd_max;  /* snd_max: highest sent + 1 */
	uint32_t snd_wnd;               /* peer's window, scaled */
	uint32_t max_snd_wnd;
	uint32_t snd_wl1, snd_wl2;
	uint32_t snd_up;                /* urgent pointer (one past the byte) */
	bool snd_urg;
	/* receive sequence space */
	uint32_t irs, rcv_nxt;
	uint32_t rcv_wnd;               /* last advertised, scaled */
	uint32_t rcv_adv;               /* right edge advertised: never moves left */
	uint32_t rcv_wup;               /* rcv_nxt when the window was last sent */

	/* options */
	uint16_t mss_clamp;             /* what the peer announced */
	uint16_t user_mss;              /* TCP_MAXSEG, 0 none */
	uint16_t adv_mss;               /* what we announced */
	uint16_t rcv_mss;               /* the peer's segment size as seen (Linux's icsk_ack.rcv_mss) */
	uint32_t mss;                   /* effective send MSS: payload per segment */
	uint8_t snd_wscale, rcv_wscale;
	bool ws_ok, ts_ok, sack_ok;
	uint32_t ts_offset;
	uint32_t ts_recent;
	uint64_t ts_recent_ns;          /* when ts_recent was stored (PAWS aging) */

	/* buffers */
	struct xs_tcp_ring sndq;        /* from snd_una (after the SYN) on */
	struct xs_tcp_ring rcvq;        /* in order, up to rcv_nxt */
	uint32_t sndbuf, rcvbuf;        /* SO_SNDBUF, SO_RCVBUF as reported */
	bool sndbuf_locked, rcvbuf_locked;
	uint32_t window_clamp;          /* TCP_WINDOW_CLAMP as set, 0 none: limits the window */
	uint32_t clamp_shown;           /* what TCP_WINDOW_CLAMP reads on a connection (Linux's
					 * tp->window_clamp), 0 until the SYN */
	uint32_t rcvlowat;              /* SO_RCVLOWAT, at least 1 */
	int32_t peek_off;               /* SO_PEEK_OFF, < 0 off */
	struct xs_tcp_ooo ooo;
	struct xs_tcp_sack_rx sack_rx;
	uint64_t rcv_space_ns;
	uint32_t rcv_copied;            /* bytes the application read since */

	/* urgent data, received (Linux keeps one byte out of band: its
	 * tp->urg_data and urg_seq) */
	uint32_t urg_seq;               /* the urgent byte's sequence number */
	uint8_t urg;                    /* enum xs_tcp_urg */
	uint8_t oob_byte;               /* the byte, once XS_TCP_URG_VALID */
	bool oobinline;

	/* FIN */
	bool fin_queued;                /* shutdown(SHUT_WR) or close */
	bool shut_wr;                   /* shut for sending before connect(): no
					 * FIN, but no data either (Linux keeps
					 * SEND_SHUTDOWN across connect) */
	bool fin_sent;                  /* snd_max covers it */
	bool rcv_fin;                   /* the peer's FIN is in order */
	bool fin_pending;               /* a FIN arrived out of order, at fin_seq */
	uint32_t fin_seq;
	bool shut_rd;

	/* congestion and loss */
	struct xs_rtt rtt;
	struct xs_tcp_cc cc;
	struct xs_tcp_sack_board board;
	uint32_t dupacks;
	uint32_t lt_extra;              /* RFC 3042: cwnd allowance on the first two dupacks */
	bool tlp_out;                   /* a tail-loss probe awaits its ACK (RFC 8985 7) */
	uint32_t rtt_seq;               /* a timed segment's end, without timestamps */
	uint64_t rtt_sent_ns;
	bool rtt_timing;
	uint32_t rto_retries;           /* consecutive RTO expiries */
	uint32_t probes;                /* zero-window or keepalive probes unanswered */
	bool in_loss;                   /* after an RTO: go-back-N up to snd_max */
	uint32_t retrans_out;           /* segments retransmitted, not yet acked */
	uint32_t rexmit_tsval;          /* TSval of the last retransmission */
	bool rexmit_ts_set;
	uint64_t last_send_ns;          /* for restart after idle */
	uint64_t last_recv_ns;
	uint64_t first_rto_ns;          /* when the data now retransmitted was first sent
					 * (Linux's retrans_stamp), 0 while none is */
	uint64_t rto_armed_ns;          /* when the retransmission timer was last armed */

	/* timers: absolute deadlines, 0 off */
	uint64_t rto_at, delack_at, persist_at, keep_at, tw_at, tlp_at;
	uint8_t quickacks;              /* ACK at once for the next few segments */
	bool ack_now;
	bool delack_pending;
	uint32_t segs_unacked;          /* full segments received since our last ACK */
	uint64_t last_oow_ns;           /* rate limit of out-of-window ACKs */

	/* socket options */
	bool nodelay, cork, keepalive, quickack_off;
	bool msg_more;                  /* the last send had MSG_MORE */
	uint32_t keepidle_s, keepintvl_s, keepcnt;
	uint32_t user_timeout_ms;
	int linger2_s;                  /* TCP_LINGER2: FIN_WAIT_2 time, 0 default, <0 none */
	int syn_retries;

	/* listener */
	int backlog;
	uint8_t defer_accept;           /* TCP_DEFER_ACCEPT in SYN-ACK retransmissions, 0 off */
	bool defer_acked;               /* a child whose bare ACK TCP_DEFER_ACCEPT ignored */
	uint32_t syn_queued;            /* children in SYN_RECV */
	uint32_t accept_len;
	struct xs_tcp_sock *accept_head, *accept_tail;

	int err;                        /* SO_ERROR: a pending error, positive */
	int rst_err;                    /* a reset connection's error for the next reads/writes */
	struct xs_tcp_counters cnt;
	uint64_t established_ns;
};

struct xs_tcp_table {
	struct xs_tcp_sock *conn[XS_TCP_TABLE_SIZE];    /* by 4-tuple */
	struct xs_tcp_sock *listen[XS_TCP_TABLE_SIZE];  /* by local port */
	/* every socket, for the timers: the TIME_WAIT ones (whose only timer
	 * is tw_at, 60 s after they came) at the tail from tw_first on, in the
	 * order they came, so a pass stops at the first not yet due instead
	 * of walking them all (a busy client holds tens of thousands) */
	struct xs_tcp_sock *all, *all_tail, *tw_first;
	uint32_t nconn, nall, ntw;
	uint64_t next_timer_ns;         /* no timer is due before this */
	const struct xs_tcp_env *env;
	struct xs_tcp_secret secret;
	uint64_t ts_epoch_ns;           /* the timestamp clock's zero */
	bool isn_fixed;                 /* tests: every ISN is isn_next (wrap-around cases) */
	bool accept_partial_csum;       /* see xs_csum_l4_is_partial() */
	uint8_t rcv_wscale;             /* the shift to offer (tcp_select_initial_window()) */
	uint32_t isn_next;
	/* RFC 5961 7: the global challenge-ACK budget */
	uint64_t challenge_window_ns;
	uint32_t challenge_count;
	/* counters */
	uint64_t rst_sent, challenge_acks, syn_dropped, listen_overflows, bad_segs;
	uint64_t paws_drops, oow_drops, active_opens, passive_opens, resets_in;
	uint64_t retrans_segs, timeouts, tlp_probes, partial_csums;
};

/* ---- tcp_sock.c ----------------------------------------------------------- */

void xs_tcp_table_init(struct xs_tcp_table *t, const struct xs_tcp_env *env,
		       const struct xs_tcp_secret *secret, uint64_t now_ns);
/* The window scale Linux offers for a largest receive buffer of max_rcvbuf
 * bytes (tcp_select_initial_window(): halve until it fits 16 bits). */
uint8_t xs_tcp_wscale_for(uint64_t max_rcvbuf);

/* The window scale this socket offers: the table's, unless SO_RCVBUF fixed
 * the buffer, whose window (half of it) then bounds the scale (Linux's
 * tcp_connect_init() and tcp_openreq_init_rwin() clamp the window). */
uint8_t xs_tcp_offered_wscale(const struct xs_tcp_sock *tp);

/* Frees every socket (the stack is going away). */
void xs_tcp_table_destroy(struct xs_tcp_table *t);

/* A new socket in CLOSE, or NULL (no memory). */
struct xs_tcp_sock *xs_tcp_sock_new(struct xs_tcp_table *t, int family, uint64_t now_ns);

/* Frees tp now, whatever its state (after release()). */
void xs_tcp_sock_free(struct xs_tcp_sock *tp);

/* The connection a segment belongs to, or NULL. */
struct xs_tcp_sock *xs_tcp_lookup(const struct xs_tcp_table *t, const uint8_t laddr[16],
				  uint16_t lport, const uint8_t raddr[16], uint16_t rport);
/* The listener for a SYN to laddr:lport (exact address, then wildcard). */
struct xs_tcp_sock *xs_tcp_lookup_listener(const struct xs_tcp_table *t, int family,
					   const uint8_t laddr[16], uint16_t lport, int ifindex);

/* listen(2) on a bound socket (laddr, lport set): 0, or -EINVAL. */
int xs_tcp_listen(struct xs_tcp_sock *tp, int backlog);

/*
 * connect(2): tp's addresses, link, peer_mac and link_mtu set by the
 * caller; picks the ISN, enters the table and sends the SYN.  0, or
 * -EADDRNOTAVAIL when the 4-tuple is in use (a connection, or a TIME_WAIT
 * that may not be reused yet).
 */
int xs_tcp_connect(struct xs_tcp_sock *tp, uint64_t now_ns);

/* The next established connection of a listener, or NULL. */
struct xs_tcp_sock *xs_tcp_accept(struct xs_tcp_sock *listener);

/*
 * send(2)'s protocol half: queues up to len bytes from iov (MSG_MORE and
 * MSG_OOB from flags), then sends what may go.  Returns the bytes queued
 * (maybe fewer than len: the ring is full), -EAGAIN when none fit, or
 * -EPIPE / -ENOTCONN / the connection's error.
 */
ssize_t xs_tcp_send(struct xs_tcp_sock *tp, const struct iovec *iov, int iovcnt, size_t len,
		    int flags, uint64_t now_ns);

/*
 * recv(2)'s protocol half, without waiting: copies into iov (MSG_PEEK,
 * MSG_OOB, MSG_TRUNC from flags; MSG_WAITALL is the caller's loop).
 * Returns the bytes copied, 0 at end of stream, -EAGAIN when nothing is
 * there yet, or the connection's error.  Stops at the urgent mark as
 * Linux does.
 */
ssize_t xs_tcp_recv(struct xs_tcp_sock *tp, const struct iovec *iov, int iovcnt, size_t len,
		    int flags, uint64_t now_ns);

/* shutdown(2): how is SHUT_RD, SHUT_WR or SHUT_RDWR.  0 or -ENOTCONN. */
int xs_tcp_shutdown(struct xs_tcp_sock *tp, int how, uint64_t now_ns);

/*
 * close(2): the application lets go.  Unread data or linger_zero resets the
 * connection (RST, as Linux); otherwise a FIN goes out once the queued data
 * has, and the table frees the socket when the connection is over.
 */
void xs_tcp_close(struct xs_tcp_sock *tp, bool linger_zero, uint64_t now_ns);

/* The table's TIME_WAIT section (see struct xs_tcp_table): a socket that
 * (re)starts its TIME_WAIT moves to the tail, one that leaves it, or gets
 * another timer, goes back to the head. */
void xs_tcp_timewait_requeue(struct xs_tcp_sock *tp);
void xs_tcp_timewait_leave(struct xs_tcp_sock *tp);

/* Where the receiver is with an urgent pointer: none (or the read went
 * past it), announced but the byte not yet here, the byte here, the byte
 * read with MSG_OOB (the mark stays until the read passes it). */
enum xs_tcp_urg { XS_TCP_URG_NONE, XS_TCP_URG_NOTYET, XS_TCP_URG_VALID, XS_TCP_URG_READ };

/* The sequence number of the first unread byte in the receive ring (the
 * kernel's copied_seq): rcv_nxt counts a FIN the ring does not hold. */
static inline uint32_t xs_tcp_copied_seq(const struct xs_tcp_sock *tp)
{
	return tp->rcv_nxt - tp->rcv_fin - tp->rcvq.len;
}

/* poll(2) events (POLLIN, POLLOUT, POLLPRI, POLLERR, POLLHUP, POLLRDHUP).
 * POLLIN follows SO_RCVLOWAT (tcp_poll()). */
unsigned int xs_tcp_poll(const struct xs_tcp_sock *tp);

/* Whether a reader waiting for target bytes has enough to wake for: Linux's
 * tcp_epollin_ready() (target bytes queued, or the buffer or the window
 * nearly full).  Ignores FIN and errors. */
bool xs_tcp_rcv_ready(const struct xs_tcp_sock *tp, uint32_t target);

/* The connection's buffers once it is established (tcp_init_buffer_space()):
 * SO_SNDBUF grows to fit the initial window unless set
 * (tcp_sndbuf_expand()), and the window clamp takes its value. */
void xs_tcp_init_buffers(struct xs_tcp_sock *tp);

/* What TCP_WINDOW_CLAMP reads: the clamp Linux computes for a connection
 * (tcp_select_initial_window(), then tcp_init_buffer_space()), or the
 * value set. */
uint32_t xs_tcp_window_clamp(const struct xs_tcp_sock *tp);

/* TCP_DEFER_ACCEPT's seconds as SYN-ACK retransmissions (secs_to_retrans()
 * with a 1 s initial and 120 s largest timeout). */
uint8_t xs_tcp_defer_retrans(int seconds);

/* SO_ERROR: the pending error, cleared. */
int xs_tcp_sock_error(struct xs_tcp_sock *tp);

/* The receive buffer's payload limit: the most the window may offer. */
uint32_t xs_tcp_rcv_limit(const struct xs_tcp_sock *tp);

/* Bytes readable (FIONREAD/SIOCINQ), unacknowledged (SIOCOUTQ), and whether
 * the read position is at the urgent mark (SIOCATMARK). */
uint32_t xs_tcp_inq(const struct xs_tcp_sock *tp);
uint32_t xs_tcp_outq(const struct xs_tcp_sock *tp);
bool xs_tcp_at_mark(const struct xs_tcp_sock *tp);

/* New buffer sizes (setsockopt, already doubled and clamped like Linux). */
void xs_tcp_set_sndbuf(struct xs_tcp_sock *tp, uint32_t bytes);
void xs_tcp_set_rcvbuf(struct xs_tcp_sock *tp, uint32_t bytes);

/* Moves tp to state (with the bookkeeping each state needs). */
void xs_tcp_set_state(struct xs_tcp_sock *tp, enum xs_tcp_state state, uint64_t now_ns);

/* Enters the all-sockets list / the 4-tuple hash (idempotent). */
void xs_tcp_hash(struct xs_tcp_sock *tp);
void xs_tcp_unhash(struct xs_tcp_sock *tp);

/* The connection ends: error (0 none) for the application, CLOSE, timers
 * off, queues dropped; freed at once when nobody holds it. */
void xs_tcp_done(struct xs_tcp_sock *tp, int error, uint64_t now_ns);

/* Ring helpers, for tcp_in/tcp_out. */
int xs_tcp_ring_reserve(struct xs_tcp_ring *r, uint32_t cap);
uint32_t xs_tcp_ring_write(struct xs_tcp_ring *r, const uint8_t *src, uint32_t len);
/* iov[0..2) covering len bytes from offset off of the ring's contents;
 * returns the count of iovecs used. */
int xs_tcp_ring_iov(const struct xs_tcp_ring *r, uint32_t off, uint32_t len, struct iovec iov[2]);
void xs_tcp_ring_consume(struct xs_tcp_ring *r, uint32_t len);
void xs_tcp_ring_free(struct xs_tcp_ring *r);
static inline uint32_t xs_tcp_ring_space(const struct xs_tcp_ring *r)
{
	return r->cap - r->len;
}

/* ---- tcp_in.c ------------------------------------------------------------ */

/* Where a segment came from: what a passive open needs to answer it. */
struct xs_tcp_arrival {
	int link;                       /* the api's interface index */
	int ifindex;                    /* the kernel's, for SO_BINDTODEVICE */
	uint32_t mtu;                   /* the interface's IP MTU */
	uint8_t mac[6];                 /* the Ethernet source */
};

/*
 * A TCP packet from the IP layer.  The frame stays the caller's (payload
 * is copied).  Returns XS_DROP_NONE when a socket took it, or why it was
 * dropped (a reset sent for a segment nobody owns counts as
 * XS_DROP_NO_SOCKET).
 */
enum xs_drop_reason xs_tcp_input(struct xs_tcp_table *t, const struct xs_rx_pkt *pkt,
				 const struct xs_tcp_arrival *from, uint64_t now_ns);

/* ---- tcp_out.c ----------------------------------------------------------- */

/* Sends what the windows, Nagle and cork allow now, then a pending ACK. */
void xs_tcp_output(struct xs_tcp_sock *tp, uint64_t now_ns);
/* Sends a bare ACK now (window update, duplicate ACK, challenge ACK). */
void xs_tcp_send_ack(struct xs_tcp_sock *tp, uint64_t now_ns);
/* Sends SYN (SYN_SENT) or SYN-ACK (SYN_RECV) for tp. */
void xs_tcp_send_syn(struct xs_tcp_sock *tp, uint64_t now_ns);
/* Sends an RST for tp's connection (seq = snd_nxt). */
void xs_tcp_send_rst(struct xs_tcp_sock *tp, uint64_t now_ns);
/* Retransmits one segment from seq (at most mss), for RTO and fast
 * retransmit. */
void xs_tcp_retransmit(struct xs_tcp_sock *tp, uint32_t seq, uint64_t now_ns);
/* The RST RFC 9293 3.10.7.1 answers to a segment nobody owns. */
void xs_tcp_reply_rst(struct xs_tcp_table *t, const struct xs_rx_pkt *pkt,
		      const struct xs_tcp_repr *seg, int link, const uint8_t mac[6]);
/* The window to advertise now (scaled down by rcv_wscale in the header). */
uint32_t xs_tcp_rcv_window(struct xs_tcp_sock *tp);
/* The connection's timestamp clock. */
uint32_t xs_tcp_ts_now(const struct xs_tcp_sock *tp, uint64_t now_ns);
/* Recomputes tp->mss from the peer's MSS, the path and the options. */
void xs_tcp_update_mss(struct xs_tcp_sock *tp);
/* What Linux's tcp_connect_init() takes the MSS to be while the SYN is
 * out (TCP_INFO, TCP_MAXSEG): the default, less the timestamps offered. */
uint16_t xs_tcp_syn_sent_mss(const struct xs_tcp_sock *tp);
/* The MSS to announce in a SYN on a link of this IP MTU. */
uint16_t xs_tcp_mss_for_mtu(const struct xs_tcp_sock *tp, uint32_t mtu);

/* ---- tcp_timer.c --------------------------------------------------------- */

/* Runs every timer due by now_ns.  Cheap when none is. */
void xs_tcp_timers(struct xs_tcp_table *t, uint64_t now_ns);
/* Arms / re-arms the retransmission timer from the current RTO. */
void xs_tcp_arm_rto(struct xs_tcp_sock *tp, uint64_t now_ns);
/* Arms the tail-loss probe after new data went out (RFC 8985 7). */
void xs_tcp_arm_tlp(struct xs_tcp_sock *tp, uint64_t now_ns);
/* Re-arms the keepalive timer after activity. */
void xs_tcp_arm_keepalive(struct xs_tcp_sock *tp, uint64_t now_ns);
/* Tells the table a deadline of tp moved earlier (to deadline_ns). */
void xs_tcp_timer_note(struct xs_tcp_sock *tp, uint64_t deadline_ns);
/* Schedules a delayed ACK (or sends it now, when one is due at once). */
void xs_tcp_schedule_ack(struct xs_tcp_sock *tp, uint64_t now_ns);

#endif /* XS_SOCK_TCP_H */
