// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * TCP connection blocks and the tables that find them; the byte rings; the
 * protocol halves of the socket calls.  See tcp.h.
 */
#include "sock/tcp.h"

#include <errno.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "sock/tcp_seq.h"

/* ---- rings ---------------------------------------------------------------- */

static uint32_t pow2_at_least(uint32_t n)
{
	uint32_t c = 4096;

	while (c < n && c < (1u << 30))
		c <<= 1;
	return c;
}

int xs_tcp_ring_reserve(struct xs_tcp_ring *r, uint32_t want)
{
	uint32_t cap = pow2_at_least(want), first;
	uint8_t *d;

	if (cap <= r->cap)
		return 0;
	d = malloc(cap);
	if (!d)
		return -ENOMEM;
	/* Lay the contents out from offset 0. */
	first = r->cap - r->head < r->len ? r->cap - r->head : r->len;
	if (r->len) {
		memcpy(d, r->data + r->head, first);
		memcpy(d + first, r->data, r->len - first);
	}
	free(r->data);
	r->data = d;
	r->cap = cap;
	r->head = 0;
	return 0;
}

uint32_t xs_tcp_ring_write(struct xs_tcp_ring *r, const uint8_t *src, uint32_t len)
{
	uint32_t tail, first;

	if (len > r->cap - r->len)
		len = r->cap - r->len;
	if (!len)
		return 0;
	tail = (r->head + r->len) & (r->cap - 1);
	first = r->cap - tail < len ? r->cap - tail : len;
	memcpy(r->data + tail, src, first);
	memcpy(r->data, src + first, len - first);
	r->len += len;
	return len;
}

int xs_tcp_ring_iov(const struct xs_tcp_ring *r, uint32_t off, uint32_t len, struct iovec iov[2])
{
	uint32_t start = (r->head + off) & (r->cap - 1), first;

	if (!len)
		return 0;
	first = r->cap - start < len ? r->cap - start : len;
	iov[0].iov_base = r->data + start;
	iov[0].iov_len = first;
	if (first == len)
		return 1;
	iov[1].iov_base = r->data;
	iov[1].iov_len = len - first;
	return 2;
}

void xs_tcp_ring_consume(struct xs_tcp_ring *r, uint32_t len)
{
	if (len > r->len)
		len = r->len;
	r->len -= len;
	r->head = r->len ? (r->head + len) & (r->cap - 1) : 0;
}

void xs_tcp_ring_free(struct xs_tcp_ring *r)
{
	free(r->data);
	memset(r, 0, sizeof(*r));
}

/* Copies len bytes at offset off of the ring into iov (from byte skip of
 * the iovec list on). */
static void ring_copy_out(const struct xs_tcp_ring *r, uint32_t off, uint32_t len,
			  const struct iovec *iov, int iovcnt)
{
	struct iovec src[2];
	int n = xs_tcp_ring_iov(r, off, len, src), si = 0, di = 0;
	size_t so = 0, dof = 0;

	while (len && si < n && di < iovcnt) {
		size_t a = src[si].iov_len - so, b = iov[di].iov_len - dof, k = a < b ? a : b;

		if (k > len)
			k = len;
		memcpy((uint8_t *)iov[di].iov_base + dof, (uint8_t *)src[si].iov_base + so, k);
		so += k;
		dof += k;
		len -= (uint32_t)k;
		if (so == src[si].iov_len) {
			si++;
			so = 0;
		}
		if (dof == iov[di].iov_len) {
			di++;
			dof = 0;
		}
	}
}

/* ---- tables --------------------------------------------------------------- */

static uint32_t mix32(uint32_t h)
{
	h ^= h >> 16;
	h *= 0x7feb352d;
	h ^= h >> 15;
	h *= 0x846ca68b;
	h ^= h >> 16;
	return h;
}

static uint32_t conn_hash(const struct xs_tcp_table *t, const uint8_t laddr[16], uint16_t lport,
			  const uint8_t raddr[16], uint16_t rport)
{
	uint32_t a, b, c, k;

	memcpy(&a, raddr + 12, 4);
	memcpy(&b, raddr + 8, 4);
	memcpy(&c, laddr + 12, 4);
	memcpy(&k, t->secret.key, 4);
	return mix32(a ^ mix32(b ^ c ^ k) ^ ((uint32_t)lport << 16 | rport)) & (XS_TCP_TABLE_SIZE - 1);
}

static uint32_t port_hash(uint16_t lport)
{
	return mix32(lport) & (XS_TCP_TABLE_SIZE - 1);
}

void xs_tcp_table_init(struct xs_tcp_table *t, const struct xs_tcp_env *env,
		       const struct xs_tcp_secret *secret, uint64_t now_ns)
{
	memset(t, 0, sizeof(*t));
	t->env = env;
	t->secret = *secret;
	t->ts_epoch_ns = now_ns;
	t->next_timer_ns = UINT64_MAX;
	t->rcv_wscale = XS_TCP_RCV_WSCALE;
}

uint8_t xs_tcp_wscale_for(uint64_t space)
{
	uint8_t ws = 0;

	while (space > 65535 && ws < XS_TCP_MAX_WSCALE) {
		space >>= 1;
		ws++;
	}
	return ws;
}

uint8_t xs_tcp_offered_wscale(const struct xs_tcp_sock *tp)
{
	return tp->rcvbuf_locked ? xs_tcp_wscale_for(tp->rcvbuf / 2) : tp->table->rcv_wscale;
}

void xs_tcp_table_destroy(struct xs_tcp_table *t)
{
	while (t->all)
		xs_tcp_sock_free(t->all);
}

static void ooo_release(void *ctx, void *payload)
{
	(void)ctx;
	free(payload);
}

/* ---- the all-sockets list ------------------------------------------------- */

static void all_unlink(struct xs_tcp_sock *tp)
{
	struct xs_tcp_table *t = tp->table;

	if (t->tw_first == tp)
		t->tw_first = tp->anext;
	if (tp->aprev)
		tp->aprev->anext = tp->anext;
	else
		t->all = tp->anext;
	if (tp->anext)
		tp->anext->aprev = tp->aprev;
	else
		t->all_tail = tp->aprev;
	tp->anext = tp->aprev = NULL;
	if (tp->in_tw) {
		tp->in_tw = false;
		t->ntw--;
	}
}

/* In front of everything: the part every timer pass walks. */
static void all_push_head(struct xs_tcp_sock *tp)
{
	struct xs_tcp_table *t = tp->table;

	tp->aprev = NULL;
	tp->anext = t->all;
	if (t->all)
		t->all->aprev = tp;
	else
		t->all_tail = tp;
	t->all = tp;
}

void xs_tcp_timewait_requeue(struct xs_tcp_sock *tp)
{
	struct xs_tcp_table *t = tp->table;

	if (!tp->listed)
		return;
	all_unlink(tp);
	/* the newest TIME_WAIT ends last: the section stays in tw_at order */
	tp->anext = NULL;
	tp->aprev = t->all_tail;
	if (t->all_tail)
		t->all_tail->anext = tp;
	else
		t->all = tp;
	t->all_tail = tp;
	if (!t->tw_first)
		t->tw_first = tp;
	tp->in_tw = true;
	t->ntw++;
}

void xs_tcp_timewait_leave(struct xs_tcp_sock *tp)
{
	if (!tp->in_tw)
		return;
	all_unlink(tp);
	all_push_head(tp);
}

struct xs_tcp_sock *xs_tcp_sock_new(struct xs_tcp_table *t, int family, uint64_t now_ns)
{
	struct xs_tcp_sock *tp = calloc(1, sizeof(*tp));

	if (!tp)
		return NULL;
	tp->table = t;
	tp->family = family;
	tp->state = XS_TCP_CLOSE;
	tp->ttl = 64;
	tp->mss = XS_TCP_MSS_DEFAULT4;	/* until the handshake agrees on one */
	tp->rcv_mss = XS_TCP_MSS_DEFAULT4;	/* tcp_initialize_rcv_mss()'s TCP_MSS_DEFAULT */
	tp->link = -1;
	tp->sndbuf = XS_TCP_WMEM_DEFAULT;
	tp->rcvbuf = XS_TCP_RMEM_DEFAULT;
	tp->keepidle_s = XS_TCP_KEEPIDLE_S;
	tp->keepintvl_s = XS_TCP_KEEPINTVL_S;
	tp->keepcnt = XS_TCP_KEEPCNT;
	tp->quickacks = XS_TCP_QUICKACKS;
	tp->rcvlowat = 1;
	tp->peek_off = -1;
	xs_rtt_init(&tp->rtt, NULL);
	xs_tcp_cc_init(&tp->cc, xs_tcp_cc_default(), XS_TCP_MSS_DEFAULT4, false, now_ns);
	xs_tcp_ooo_init(&tp->ooo, XS_TCP_RMEM_DEFAULT, ooo_release, NULL);
	xs_tcp_sack_rx_init(&tp->sack_rx);
	/* the all-sockets list: the timers walk it */
	all_push_head(tp);
	tp->listed = true;
	t->nall++;
	return tp;
}

void xs_tcp_hash(struct xs_tcp_sock *tp)
{
	struct xs_tcp_table *t = tp->table;
	uint32_t h;

	if (tp->hashed)
		return;
	if (tp->state == XS_TCP_LISTEN) {
		h = port_hash(tp->lport);
		tp->hnext = t->listen[h];
		t->listen[h] = tp;
	} else {
		h = conn_hash(t, tp->laddr, tp->lport, tp->raddr, tp->rport);
		tp->hnext = t->conn[h];
		t->conn[h] = tp;
		t->nconn++;
	}
	tp->hashed = true;
}

void xs_tcp_unhash(struct xs_tcp_sock *tp)
{
	struct xs_tcp_table *t = tp->table;
	struct xs_tcp_sock **pp;

	if (!tp->hashed)
		return;
	if (tp->state == XS_TCP_LISTEN)
		pp = &t->listen[port_hash(tp->lport)];
	else
		pp = &t->conn[conn_hash(t, tp->laddr, tp->lport, tp->raddr, tp->rport)];
	for (; *pp; pp = &(*pp)->hnext) {
		if (*pp == tp) {
			*pp = tp->hnext;
			break;
		}
	}
	if (tp->state != XS_TCP_LISTEN)
		t->nconn--;
	tp->hashed = false;
	tp->hnext = NULL;
}

static void accept_queue_remove(struct xs_tcp_sock *l, struct xs_tcp_sock *c)
{
	struct xs_tcp_sock **pp, *prev = NULL;

	for (pp = &l->accept_head; *pp; prev = *pp, pp = &(*pp)->qnext) {
		if (*pp == c) {
			*pp = c->qnext;
			if (l->accept_tail == c)
				l->accept_tail = prev;
			l->accept_len--;
			break;
		}
	}
	c->qnext = NULL;
}

/* A child leaves its listener: out of the accept queue or the SYN count. */
static void detach_from_parent(struct xs_tcp_sock *tp)
{
	struct xs_tcp_sock *l = tp->parent;

	if (!l)
		return;
	if (tp->state == XS_TCP_SYN_RECV)
		l->syn_queued--;
	else
		accept_queue_remove(l, tp);
	tp->parent = NULL;
}

void xs_tcp_sock_free(struct xs_tcp_sock *tp)
{
	struct xs_tcp_table *t = tp->table;

	if (t->env && t->env->release)
		t->env->release(t->env->ctx, tp);
	detach_from_parent(tp);
	/* A listener's unaccepted children go with it (whatever its state
	 * now: close() ends a listener through xs_tcp_done(), which has set
	 * CLOSE).  Established ones are reset, as inet_csk_listen_stop()
	 * does; half-open ones are dropped silently, out of the tables at
	 * once so no segment reaches them, freed by the next timer pass. */
	while (tp->accept_head) {
		struct xs_tcp_sock *c = tp->accept_head;

		accept_queue_remove(tp, c);
		c->parent = NULL;
		xs_tcp_send_rst(c, 0);
		xs_tcp_sock_free(c);
	}
	if (tp->syn_queued) {
		for (struct xs_tcp_sock *c = t->all; c; c = c->anext)
			if (c->parent == tp) {
				c->parent = NULL;
				xs_tcp_unhash(c);
				c->state = XS_TCP_CLOSE;
				c->rto_at = c->delack_at = c->persist_at = c->keep_at = c->tw_at =
					c->tlp_at = 0;
				t->next_timer_ns = 0;	/* the next pass frees it */
			}
		tp->syn_queued = 0;
	}
	xs_tcp_unhash(tp);
	if (tp->listed) {
		all_unlink(tp);
		t->nall--;
	}
	xs_tcp_ooo_purge(&tp->ooo);
	free(tp->ooo.nodes);
	xs_tcp_ring_free(&tp->sndq);
	xs_tcp_ring_free(&tp->rcvq);
	free(tp);
}

struct xs_tcp_sock *xs_tcp_lookup(const struct xs_tcp_table *t, const uint8_t laddr[16],
				  uint16_t lport, const uint8_t raddr[16], uint16_t rport)
{
	struct xs_tcp_sock *tp = t->conn[conn_hash(t, laddr, lport, raddr, rport)];

	for (; tp; tp = tp->hnext)
		if (tp->lport == lport && tp->rport == rport && !memcmp(tp->raddr, raddr, 16) &&
		    !memcmp(tp->laddr, laddr, 16))
			return tp;
	return NULL;
}

static bool addr_is_zero(const uint8_t a[16])
{
	static const uint8_t zero[16];

	return !memcmp(a, zero, 16);
}

static bool addr_is_v4mapped(const uint8_t a[16])
{
	static const uint8_t prefix[12] = { [10] = 0xff, [11] = 0xff };

	return !memcmp(a, prefix, 12);
}

struct xs_tcp_sock *xs_tcp_lookup_listener(const struct xs_tcp_table *t, int family,
					   const uint8_t laddr[16], uint16_t lport, int ifindex)
{
	struct xs_tcp_sock *tp, *wild = NULL;

	for (tp = t->listen[port_hash(lport)]; tp; tp = tp->hnext) {
		if (tp->lport != lport)
			continue;
		if (tp->bound_ifindex && tp->bound_ifindex != ifindex)
			continue;
		if (family == AF_INET && tp->family == AF_INET6 && tp->v6only)
			continue;
		if (family == AF_INET6 && tp->family == AF_INET)
			continue;
		if (!memcmp(tp->laddr, laddr, 16))
			return tp;
		if (addr_is_zero(tp->laddr) ||
		    (tp->family == AF_INET && !memcmp(tp->laddr + 12, "\0\0\0\0", 4) &&
		     addr_is_v4mapped(tp->laddr))) {
			/* an AF_INET wildcard (0.0.0.0, stored IPv4-mapped)
			 * beats an AF_INET6 one for IPv4, as Linux scores it */
			if (!wild || (family == AF_INET && tp->family == AF_INET))
				wild = tp;
		}
	}
	return wild;
}

/* ---- state ---------------------------------------------------------------- */

void xs_tcp_set_state(struct xs_tcp_sock *tp, enum xs_tcp_state state, uint64_t now_ns)
{
	enum xs_tcp_state old = tp->state;

	if (old == XS_TCP_LISTEN && state != XS_TCP_LISTEN)
		xs_tcp_unhash(tp);
	if (old == XS_TCP_TIME_WAIT && state != XS_TCP_TIME_WAIT)
		xs_tcp_timewait_leave(tp);
	tp->state = state;
	switch (state) {
	case XS_TCP_ESTABLISHED:
		tp->established_ns = now_ns;
		xs_tcp_init_buffers(tp);
		break;
	case XS_TCP_TIME_WAIT:
		tp->tw_at = now_ns + XS_TCP_TIMEWAIT_NS;
		tp->rto_at = tp->delack_at = tp->persist_at = tp->keep_at = tp->tlp_at = 0;
		xs_tcp_timewait_requeue(tp);
		xs_tcp_timer_note(tp, tp->tw_at);
		/* Only the numbers matter from here on. */
		xs_tcp_ooo_purge(&tp->ooo);
		xs_tcp_ring_free(&tp->sndq);
		break;
	default:
		break;
	}
}

void xs_tcp_done(struct xs_tcp_sock *tp, int error, uint64_t now_ns)
{
	struct xs_tcp_table *t = tp->table;

	if (error)
		tp->err = tp->rst_err = error;
	/* tcp_done(): both directions shut (poll then says IN|OUT|HUP|RDHUP) */
	tp->shut_rd = true;
	tp->fin_queued = true;
	/* An established child waiting in the accept queue stays there, as on
	 * Linux: accept() returns it closed, with its error.  A half-open one
	 * (no owner: freed below) leaves its listener while its state still
	 * tells the SYN count from the accept queue. */
	if (tp->parent && tp->state != XS_TCP_SYN_RECV) {
		xs_tcp_set_state(tp, XS_TCP_CLOSE, now_ns);
		xs_tcp_unhash(tp);
		tp->rto_at = tp->delack_at = tp->persist_at = tp->keep_at = tp->tw_at = tp->tlp_at = 0;
		xs_tcp_ooo_purge(&tp->ooo);
		return;
	}
	detach_from_parent(tp);
	xs_tcp_set_state(tp, XS_TCP_CLOSE, now_ns);
	xs_tcp_unhash(tp);
	tp->rto_at = tp->delack_at = tp->persist_at = tp->keep_at = tp->tw_at = tp->tlp_at = 0;
	xs_tcp_ooo_purge(&tp->ooo);
	if (!tp->owner) {
		xs_tcp_sock_free(tp);
		return;
	}
	if (t->env->notify)
		t->env->notify(t->env->ctx, tp, XS_TCP_EV_READ | XS_TCP_EV_WRITE | XS_TCP_EV_ERR);
}

/* ---- calls ---------------------------------------------------------------- */

int xs_tcp_listen(struct xs_tcp_sock *tp, int backlog)
{
	if (tp->state != XS_TCP_CLOSE && tp->state != XS_TCP_LISTEN)
		return -EINVAL;
	/* Linux: a negative backlog is SOMAXCONN's, and it is capped there. */
	if (backlog < 0 || backlog > XS_TCP_SOMAXCONN)
		backlog = XS_TCP_SOMAXCONN;
	tp->backlog = backlog;
	if (tp->state == XS_TCP_LISTEN)
		return 0;
	tp->state = XS_TCP_LISTEN;
	xs_tcp_hash(tp);
	return 0;
}

/* RFC 6191-style reuse of a TIME_WAIT 4-tuple by a new connect(): allowed
 * when the old connection used timestamps (the new SYN's TSval is newer,
 * so the peer's PAWS tells the two apart) and a second has passed, as
 * Linux's tcp_twsk_unique() with tcp_tw_reuse. */
static bool tw_reusable(const struct xs_tcp_sock *tw, uint64_t now_ns)
{
	return tw->state == XS_TCP_TIME_WAIT && tw->ts_ok &&
	       now_ns + XS_TCP_TIMEWAIT_NS - tw->tw_at >= XS_NS_PER_S;
}

int xs_tcp_connect(struct xs_tcp_sock *tp, uint64_t now_ns)
{
	struct xs_tcp_table *t = tp->table;
	struct xs_tcp_sock *old = xs_tcp_lookup(t, tp->laddr, tp->lport, tp->raddr, tp->rport);

	if (old) {
		if (!tw_reusable(old, now_ns))
			return -EADDRNOTAVAIL;
		xs_tcp_sock_free(old);
	}
	tp->v4 = addr_is_v4mapped(tp->raddr);
	tp->iss = t->isn_fixed ? t->isn_next :
		  xs_tcp_isn(&t->secret, tp->laddr, tp->lport, tp->raddr, tp->rport, now_ns);
	tp->ts_offset = xs_tcp_ts_offset(&t->secret, tp->laddr, tp->raddr);
	tp->snd_una = tp->snd_nxt = tp->snd_max = tp->iss;
	tp->rcv_wscale = xs_tcp_offered_wscale(tp);
	/* Until the handshake, TCP_INFO and TCP_MAXSEG show what Linux's
	 * tcp_connect_init() assumes, and no receive MSS yet. */
	tp->mss = xs_tcp_syn_sent_mss(tp);
	tp->rcv_mss = XS_TCP_MIN_MSS;
	tp->state = XS_TCP_SYN_SENT;
	xs_tcp_hash(tp);
	t->active_opens++;
	tp->rtt_sent_ns = now_ns;
	xs_tcp_send_syn(tp, now_ns);
	xs_tcp_arm_rto(tp, now_ns);
	return 0;
}

struct xs_tcp_sock *xs_tcp_accept(struct xs_tcp_sock *l)
{
	struct xs_tcp_sock *c = l->accept_head;

	if (!c)
		return NULL;
	accept_queue_remove(l, c);
	c->parent = NULL;
	return c;
}

/* How many bytes the send ring may hold: SO_SNDBUF's payload share when the
 * application set it (Linux counts overhead, so about half), else grown with
 * the window the connection can use (tcp_sndbuf_expand()). */
static uint32_t snd_limit(const struct xs_tcp_sock *tp)
{
	uint64_t want;

	if (tp->sndbuf_locked)
		return tp->sndbuf / 2 > 4096 ? tp->sndbuf / 2 : 4096;
	want = 2ull * (tp->cc.cwnd > tp->snd_wnd ? tp->cc.cwnd : tp->snd_wnd);
	if (want < 65536)
		want = 65536;
	if (want > XS_TCP_WMEM_MAX)
		want = XS_TCP_WMEM_MAX;
	return (uint32_t)want;
}

static bool can_send_data(const struct xs_tcp_sock *tp)
{
	return tp->state == XS_TCP_ESTABLISHED || tp->state == XS_TCP_CLOSE_WAIT;
}

ssize_t xs_tcp_send(struct xs_tcp_sock *tp, const struct iovec *iov, int iovcnt, size_t len,
		    int flags, uint64_t now_ns)
{
	uint32_t limit, room, done = 0;
	int i;

	if (tp->rst_err) {
		/* After a reset: the error once (ECONNRESET), then EPIPE. */
		int e = tp->err ? tp->err : EPIPE;

		tp->err = 0;
		return -e;
	}
	if (tp->fin_queued || tp->shut_wr || tp->state == XS_TCP_CLOSE)
		return tp->state == XS_TCP_CLOSE && !tp->fin_queued && !tp->shut_wr &&
		       tp->snd_max == tp->iss ? -ENOTCONN : -EPIPE;
	if (tp->state == XS_TCP_SYN_SENT || tp->state == XS_TCP_SYN_RECV || !can_send_data(tp))
		return -EAGAIN;	/* the caller waits for the handshake */
	if (!len)
		return 0;
	limit = snd_limit(tp);
	if (tp->sndq.len >= limit)
		return -EAGAIN;
	room = limit - tp->sndq.len;
	if (xs_tcp_ring_reserve(&tp->sndq, tp->sndq.len + (room < len ? room : (uint32_t)len)))
		return -ENOBUFS;
	for (i = 0; i < iovcnt && done < len; i++) {
		uint32_t want = (uint32_t)(iov[i].iov_len < len - done ? iov[i].iov_len : len - done);
		uint32_t n;

		if (!want)
			continue;
		n = xs_tcp_ring_write(&tp->sndq, iov[i].iov_base, want < room - done ? want : room - done);
		done += n;
		if (n < want || done == room)
			break;
	}
	if (flags & MSG_OOB) {
		/* The urgent pointer points past the last byte of this send
		 * (Linux's BSD interpretation). */
		tp->snd_up = tp->snd_una + tp->sndq.len;
		tp->snd_urg = true;
	}
	/* MSG_MORE corks this send: only full segments leave until a send
	 * without it (or TCP_CORK's release). */
	tp->msg_more = (flags & MSG_MORE) && done == len;
	xs_tcp_output(tp, now_ns);
	return (ssize_t)done;
}

/* The receive limit: SO_RCVBUF's payload share when set, else autotuned. */
static uint32_t rcv_limit(const struct xs_tcp_sock *tp)
{
	uint32_t l = tp->rcvbuf_locked ? tp->rcvbuf / 2 : tp->rcvbuf;

	if (tp->window_clamp && l > tp->window_clamp)
		l = tp->window_clamp;
	return l > 1024 ? l : 1024;
}

/* Receive-buffer autotuning (Linux's tcp_rcv_space_adjust(), simplified):
 * once per RTT, if the application read more than half the window in it,
 * the window becomes twice what it read, up to tcp_rmem[2]. */
static void rcv_space_adjust(struct xs_tcp_sock *tp, uint64_t now_ns)
{
	uint64_t rtt = tp->rtt.srtt_ns ? tp->rtt.srtt_ns : XS_NS_PER_MS;

	if (tp->rcvbuf_locked || now_ns - tp->rcv_space_ns < rtt)
		return;
	if (2ull * tp->rcv_copied > tp->rcvbuf / 2 && tp->rcvbuf < XS_TCP_RMEM_MAX) {
		uint64_t n = 4ull * tp->rcv_copied;

		if (n > XS_TCP_RMEM_MAX)
			n = XS_TCP_RMEM_MAX;
		if (n > tp->rcvbuf) {
			tp->rcvbuf = (uint32_t)n;
			xs_tcp_ooo_set_limit(&tp->ooo, tp->rcvbuf);
		}
	}
	tp->rcv_copied = 0;
	tp->rcv_space_ns = now_ns;
}

/* Where the urgent mark lies in the receive ring (0: the next byte to
 * read), or UINT32_MAX when there is none in it. */
static uint32_t urg_offset(const struct xs_tcp_sock *tp)
{
	uint32_t off = tp->urg_seq - xs_tcp_copied_seq(tp);

	if (tp->urg == XS_TCP_URG_NONE)
		return UINT32_MAX;
	return off < tp->rcvq.len ? off : UINT32_MAX;
}

/* MSG_OOB (Linux's tcp_recv_urg()): the one byte kept out of band, never
 * waited for. */
static ssize_t recv_urgent(struct xs_tcp_sock *tp, const struct iovec *iov, int iovcnt,
			   size_t len, int flags)
{
	if (tp->oobinline || tp->urg == XS_TCP_URG_NONE || tp->urg == XS_TCP_URG_READ)
		return -EINVAL;
	if (tp->state == XS_TCP_CLOSE && !tp->rcv_fin)
		return -ENOTCONN;
	if (tp->urg == XS_TCP_URG_VALID) {
		if (!(flags & MSG_PEEK))
			tp->urg = XS_TCP_URG_READ;
		if (!len || !iovcnt)
			return 0;	/* the caller reports MSG_TRUNC */
		if (!(flags & MSG_TRUNC))
			*(uint8_t *)iov[0].iov_base = tp->oob_byte;
		return 1;
	}
	if (tp->state == XS_TCP_CLOSE || tp->shut_rd || tp->rcv_fin)
		return 0;
	return -EAGAIN;	/* announced, not here yet */
}

ssize_t xs_tcp_recv(struct xs_tcp_sock *tp, const struct iovec *iov, int iovcnt, size_t len,
		    int flags, uint64_t now_ns)
{
	uint32_t avail, n, before, mark, start = 0, skip;

	if (tp->state == XS_TCP_LISTEN)
		return -ENOTCONN;
	if (flags & MSG_OOB)
		return recv_urgent(tp, iov, iovcnt, len, flags);
	/* A read stops in front of the urgent mark (so SIOCATMARK can tell
	 * the reader it is there), and one that starts at it reads the byte
	 * in line (SO_OOBINLINE) or steps over it (tcp_recvmsg()). */
	mark = urg_offset(tp);
	if (mark == 0 && !tp->oobinline) {
		start = 1;
		mark = UINT32_MAX;
		if (!(flags & MSG_PEEK)) {
			xs_tcp_ring_consume(&tp->rcvq, 1);
			tp->urg = XS_TCP_URG_NONE;	/* the read went past it */
			start = 0;
		}
	}
	avail = tp->rcvq.len - start;
	if (mark && mark != UINT32_MAX && mark < avail)
		avail = mark;
	/* SO_PEEK_OFF: a peek starts that far into the queue, and nothing
	 * beyond it counts as data (tcp_recvmsg_locked()'s peek_seq) */
	if ((flags & MSG_PEEK) && tp->peek_off > 0) {
		skip = (uint32_t)tp->peek_off < avail ? (uint32_t)tp->peek_off : avail;
		avail -= skip;
		start += skip;
	}
	if (!avail) {
		/* Linux's SOCK_DONE: after the peer's FIN, the end of the stream
		 * is what a read reports, a later reset or not */
		if (tp->err && tp->rst_err && !tp->rcv_fin) {
			int e = tp->err;

			tp->err = 0;
			return -e;
		}
		if (tp->rcv_fin || tp->shut_rd || tp->rst_err)
			return 0;
		if (tp->state == XS_TCP_CLOSE)
			return tp->snd_max == tp->iss && !tp->rcv_fin ? -ENOTCONN : 0;
		if (tp->state == XS_TCP_SYN_SENT || tp->state == XS_TCP_SYN_RECV)
			return -EAGAIN;
		return -EAGAIN;
	}
	n = len < avail ? (uint32_t)len : avail;
	if (!(flags & MSG_TRUNC))
		ring_copy_out(&tp->rcvq, start, n, iov, iovcnt);
	/* the offset moves with what is peeked and with what is read
	 * (sk_peek_offset_fwd() / _bwd()) */
	if (flags & MSG_PEEK) {
		if (tp->peek_off >= 0)
			tp->peek_off += (int32_t)n;
		return n;
	}
	if (tp->peek_off >= 0)
		tp->peek_off = tp->peek_off > (int32_t)n ? tp->peek_off - (int32_t)n : 0;
	before = xs_tcp_rcv_window(tp);
	xs_tcp_ring_consume(&tp->rcvq, n);
	if (tp->urg != XS_TCP_URG_NONE && xs_seq_gt(xs_tcp_copied_seq(tp), tp->urg_seq))
		tp->urg = XS_TCP_URG_NONE;	/* read in line */
	tp->rcv_copied += n;
	rcv_space_adjust(tp, now_ns);
	/* Window update when it opened by two segments or half the buffer
	 * (RFC 1122 4.2.3.3 receiver SWS avoidance). */
	if (tp->state == XS_TCP_ESTABLISHED || tp->state == XS_TCP_FIN_WAIT1 ||
	    tp->state == XS_TCP_FIN_WAIT2) {
		uint32_t after = xs_tcp_rcv_window(tp);

		if (after > before && (after - before >= 2 * tp->mss || after - before >= rcv_limit(tp) / 2) &&
		    after - (tp->rcv_adv - tp->rcv_nxt) >= 2 * tp->mss)
			xs_tcp_send_ack(tp, now_ns);
	}
	return n;
}

int xs_tcp_shutdown(struct xs_tcp_sock *tp, int how, uint64_t now_ns)
{
	switch (tp->state) {
	case XS_TCP_CLOSE:
	case XS_TCP_SYN_SENT:
	case XS_TCP_LISTEN:
		if (tp->state == XS_TCP_LISTEN && how != SHUT_WR) {
			tp->shut_rd = true;
			return 0;
		}
		if (tp->state == XS_TCP_SYN_SENT) {
			xs_tcp_done(tp, 0, now_ns);
			return 0;
		}
		return -ENOTCONN;
	default:
		break;
	}
	if (how == SHUT_RD || how == SHUT_RDWR)
		tp->shut_rd = true;
	if ((how == SHUT_WR || how == SHUT_RDWR) && !tp->fin_queued) {
		tp->fin_queued = true;
		/* In SYN_RECV the FIN waits for the handshake (synchronized()
		 * moves on to FIN_WAIT1): nothing is agreed to send it with. */
		if (tp->state == XS_TCP_ESTABLISHED)
			xs_tcp_set_state(tp, XS_TCP_FIN_WAIT1, now_ns);
		else if (tp->state == XS_TCP_CLOSE_WAIT)
			xs_tcp_set_state(tp, XS_TCP_LAST_ACK, now_ns);
		xs_tcp_output(tp, now_ns);
	}
	return 0;
}

void xs_tcp_close(struct xs_tcp_sock *tp, bool linger_zero, uint64_t now_ns)
{
	tp->owner = NULL;
	switch (tp->state) {
	case XS_TCP_CLOSE:
		xs_tcp_sock_free(tp);
		return;
	case XS_TCP_LISTEN:
	case XS_TCP_SYN_SENT:
		xs_tcp_done(tp, 0, now_ns);
		return;
	case XS_TCP_TIME_WAIT:
		return;	/* the timer frees it */
	default:
		break;
	}
	/* Linux (tcp_close()): unread data, or SO_LINGER with zero time,
	 * abort the connection with an RST instead of a FIN. */
	if (tp->rcvq.len || linger_zero) {
		xs_tcp_send_rst(tp, now_ns);
		xs_tcp_done(tp, 0, now_ns);
		return;
	}
	tp->shut_rd = true;
	if (!tp->fin_queued) {
		tp->fin_queued = true;
		if (tp->state == XS_TCP_ESTABLISHED)	/* SYN_RECV: after the handshake */
			xs_tcp_set_state(tp, XS_TCP_FIN_WAIT1, now_ns);
		else if (tp->state == XS_TCP_CLOSE_WAIT)
			xs_tcp_set_state(tp, XS_TCP_LAST_ACK, now_ns);
		xs_tcp_output(tp, now_ns);
	}
	/* An orphan in FIN_WAIT_2 waits tcp_fin_timeout for the peer's FIN. */
	if (tp->state == XS_TCP_FIN_WAIT2) {
		tp->tw_at = now_ns + (tp->linger2_s > 0 ? (uint64_t)tp->linger2_s * XS_NS_PER_S
						       : XS_TCP_FIN_TIMEOUT_NS);
		xs_tcp_timer_note(tp, tp->tw_at);
	}
}

unsigned int xs_tcp_poll(const struct xs_tcp_sock *tp)
{
	unsigned int ev = 0;

	if (tp->state == XS_TCP_LISTEN)
		return tp->accept_head ? POLLIN | POLLRDNORM : 0;
	if (tp->err)
		ev |= POLLERR;
	/* tcp_poll(): POLLHUP when both directions are shut, or closed */
	if (((tp->shut_rd || tp->rcv_fin) && (tp->fin_queued || tp->shut_wr)) ||
	    tp->state == XS_TCP_CLOSE)
		ev |= POLLHUP;
	if (tp->rcv_fin || tp->shut_rd)
		ev |= POLLIN | POLLRDNORM | POLLRDHUP;
	if (tp->state == XS_TCP_SYN_SENT || tp->state == XS_TCP_SYN_RECV)
		return ev;
	/* tcp_poll(): SO_RCVLOWAT bytes, and the urgent byte, out of band, does
	 * not count towards them */
	if (xs_tcp_rcv_ready(tp, tp->rcvlowat + (urg_offset(tp) == 0 && !tp->oobinline ? 1u : 0u)))
		ev |= POLLIN | POLLRDNORM;
	if (tp->urg == XS_TCP_URG_VALID)
		ev |= POLLPRI;
	if (!tp->fin_queued && !tp->shut_wr && tp->state != XS_TCP_CLOSE) {
		uint32_t limit = snd_limit(tp);

		/* sk_stream_is_writeable(): free space at least half what is
		 * queued */
		if (tp->sndq.len < limit && limit - tp->sndq.len >= tp->sndq.len / 2)
			ev |= POLLOUT | POLLWRNORM;
	} else {
		ev |= POLLOUT | POLLWRNORM;	/* shut for sending: a write fails at once */
	}
	return ev;
}

bool xs_tcp_rcv_ready(const struct xs_tcp_sock *tp, uint32_t target)
{
	uint32_t limit = rcv_limit(tp);
	uint32_t wnd = xs_seq_gt(tp->rcv_adv, tp->rcv_nxt) ? tp->rcv_adv - tp->rcv_nxt : 0;

	if (!tp->rcvq.len)
		return false;
	/* tcp_rmem_pressure(): more than 7/8 of the buffer is used; or the
	 * window left is a segment or less: the sender is stuck until the
	 * reader takes what is there */
	return tp->rcvq.len >= target || tp->rcvq.len > limit - limit / 8 || wnd <= tp->rcv_mss;
}

/* roundup_pow_of_two() */
static uint32_t pow2_roundup(uint32_t n)
{
	uint32_t p = 1;

	while (p < n && p < (1u << 31))
		p <<= 1;
	return p;
}

/* tcp_select_initial_window()'s window clamp, before the connection is
 * established: TCP_WINDOW_CLAMP, no more than a set SO_RCVBUF's window
 * (half the buffer: tcp_full_space() with the default scaling ratio) nor
 * the largest window the scale can say. */
static uint32_t initial_clamp(const struct xs_tcp_sock *tp)
{
	uint32_t space = tp->rcvbuf / 2, c = tp->window_clamp, wmax = 65535u << tp->rcv_wscale;

	if (tp->rcvbuf_locked && (!c || c > space))
		c = space;
	return !c || c > wmax ? wmax : c;
}

void xs_tcp_init_buffers(struct xs_tcp_sock *tp)
{
	uint32_t maxwin = tp->rcvbuf / 2, c = initial_clamp(tp);
	uint32_t adv = tp->adv_mss ? tp->adv_mss - (tp->ts_ok ? 12u : 0u) : tp->mss;

	if (!tp->sndbuf_locked) {
		/* tcp_sndbuf_expand(): twice the initial window's worth of
		 * segments, each charged as Linux's skb for one MSS (head
		 * rounded to a power of two, with MAX_TCP_HEADER 256 and
		 * skb_shared_info 320, plus the 256-byte sk_buff: x86_64's
		 * sizes) */
		uint32_t clamp = tp->mss_clamp ? tp->mss_clamp : XS_TCP_MSS_DEFAULT4;
		uint32_t segs = tp->mss ? tp->cc.cwnd / tp->mss : 0, per_mss;
		uint64_t mem;

		if (tp->user_mss && tp->user_mss < clamp)
			clamp = tp->user_mss;
		per_mss = pow2_roundup((clamp > tp->mss ? clamp : tp->mss) + 256 + 320) + 256;
		if (segs < XS_TCP_CC_INIT_SEGS)
			segs = XS_TCP_CC_INIT_SEGS;
		mem = 2ull * segs * per_mss;
		if (mem > XS_TCP_WMEM_MAX)
			mem = XS_TCP_WMEM_MAX;
		if (tp->sndbuf < mem)
			tp->sndbuf = (uint32_t)mem;
	}
	/* tcp_init_buffer_space() with tcp_app_win 31: the whole window,
	 * less one segment kept in reserve */
	if (c >= maxwin)
		c = maxwin;
	if (c > 2 * adv && c + adv > maxwin)
		c = 2 * adv > maxwin - adv ? 2 * adv : maxwin - adv;
	tp->clamp_shown = c;
}

uint32_t xs_tcp_window_clamp(const struct xs_tcp_sock *tp)
{
	if (tp->clamp_shown)
		return tp->clamp_shown;
	if (tp->state == XS_TCP_SYN_SENT || tp->state == XS_TCP_SYN_RECV)
		return initial_clamp(tp);
	return tp->window_clamp;
}

uint8_t xs_tcp_defer_retrans(int seconds)
{
	int timeout = 1, period = 1;
	uint8_t n = 1;

	if (seconds <= 0)
		return 0;
	while (seconds > period && n < 255) {
		n++;
		timeout = timeout * 2 > 120 ? 120 : timeout * 2;
		period += timeout;
	}
	return n;
}

int xs_tcp_sock_error(struct xs_tcp_sock *tp)
{
	int e = tp->err;

	tp->err = 0;
	return e;
}

uint32_t xs_tcp_inq(const struct xs_tcp_sock *tp)
{
	uint32_t mark = urg_offset(tp);

	if (tp->state == XS_TCP_LISTEN)
		return 0;
	/* tcp_inq(): out of band, what is readable ends at the mark */
	return !tp->oobinline && mark != UINT32_MAX ? mark : tp->rcvq.len;
}

uint32_t xs_tcp_outq(const struct xs_tcp_sock *tp)
{
	return tp->state == XS_TCP_LISTEN ? 0 : tp->sndq.len;
}

bool xs_tcp_at_mark(const struct xs_tcp_sock *tp)
{
	return tp->urg != XS_TCP_URG_NONE && tp->urg_seq == xs_tcp_copied_seq(tp);
}

void xs_tcp_set_sndbuf(struct xs_tcp_sock *tp, uint32_t bytes)
{
	tp->sndbuf = bytes;
	tp->sndbuf_locked = true;
}

void xs_tcp_set_rcvbuf(struct xs_tcp_sock *tp, uint32_t bytes)
{
	tp->rcvbuf = bytes;
	tp->rcvbuf_locked = true;
	xs_tcp_ooo_set_limit(&tp->ooo, bytes);
}

uint32_t xs_tcp_rcv_limit(const struct xs_tcp_sock *tp)
{
	return rcv_limit(tp);
}
