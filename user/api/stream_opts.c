// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * Stream socket options and ioctls.  As for every xsock socket the twin
 * validates and stores each option (so errno and values read back are the
 * kernel's); TCP follows the ones its protocol obeys, and the stack answers
 * the questions only it can: SO_ERROR, TCP_INFO, TCP_MAXSEG of a
 * connection, FIONREAD/SIOCINQ, SIOCOUTQ, SIOCOUTQNSD, SIOCATMARK.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <linux/sockios.h>
#include <linux/tcp.h>
#include <netinet/in.h>

#include "api/calls.h"
#include "api/stream.h"

static int twin_int(int fd, int level, int name, int dflt)
{
	socklen_t len = sizeof(int);
	int v;

	return getsockopt(fd, level, name, &v, &len) ? dflt : v;
}

void xs_stream_mirror_option(struct xs_stack *st, struct xs_sock *s, int level, int name)
{
	struct xs_tcp_sock *tp = s->tcp;
	uint64_t now = xs_now_ns();

	if (s->inherit)
		xs_stream_inherit_refresh(s);	/* a listener: what accept() hands on */

	if (level == SOL_SOCKET && (name == SO_SNDTIMEO_OLD || name == SO_SNDTIMEO_NEW)) {
		struct timeval tv;
		socklen_t len = sizeof(tv);

		if (!getsockopt(s->fd, SOL_SOCKET, SO_SNDTIMEO_OLD, &tv, &len))
			s->sndtimeo_ns = (uint64_t)tv.tv_sec * 1000000000u + (uint64_t)tv.tv_usec * 1000u;
		return;
	}
	if (!tp)
		return;
	if (level == IPPROTO_IP || level == IPPROTO_IPV6) {
		tp->ttl = tp->v4 ? s->ttl : s->ttl6;
		tp->tos = tp->v4 ? s->tos : s->tclass6;
		return;
	}
	if (level == SOL_SOCKET) {
		switch (name) {
		case SO_KEEPALIVE:
			tp->keepalive = twin_int(s->fd, SOL_SOCKET, SO_KEEPALIVE, 0);
			xs_tcp_arm_keepalive(tp, now);
			break;
		case SO_RCVBUF:
		case SO_RCVBUFFORCE:
			xs_tcp_set_rcvbuf(tp, (uint32_t)s->rcvbuf);	/* as options.c settled it */
			break;
		case SO_SNDBUF:
		case SO_SNDBUFFORCE:
			xs_tcp_set_sndbuf(tp, (uint32_t)s->sndbuf);
			break;
		case SO_OOBINLINE:
			tp->oobinline = twin_int(s->fd, SOL_SOCKET, SO_OOBINLINE, 0);
			break;
		case SO_PEEK_OFF:
			tp->peek_off = s->udp.peek_off;	/* options.c read it */
			break;
		case SO_RCVLOWAT:
			tp->rcvlowat = (uint32_t)twin_int(s->fd, SOL_SOCKET, SO_RCVLOWAT, 1);
			if (!tp->rcvlowat)
				tp->rcvlowat = 1;
			break;
		}
		return;
	}
	if (level != IPPROTO_TCP)
		return;
	switch (name) {
	case TCP_NODELAY:
		tp->nodelay = twin_int(s->fd, IPPROTO_TCP, TCP_NODELAY, 0);
		if (tp->nodelay)
			xs_tcp_output(tp, now);	/* Linux pushes what Nagle held */
		break;
	case TCP_CORK:
		tp->cork = twin_int(s->fd, IPPROTO_TCP, TCP_CORK, 0);
		if (!tp->cork) {
			tp->msg_more = false;
			xs_tcp_output(tp, now);
		}
		break;
	case TCP_MAXSEG:
		tp->user_mss = (uint16_t)twin_int(s->fd, IPPROTO_TCP, TCP_MAXSEG, 0);
		break;
	case TCP_KEEPIDLE:
		tp->keepidle_s = (uint32_t)twin_int(s->fd, IPPROTO_TCP, TCP_KEEPIDLE, XS_TCP_KEEPIDLE_S);
		xs_tcp_arm_keepalive(tp, now);
		break;
	case TCP_KEEPINTVL:
		tp->keepintvl_s = (uint32_t)twin_int(s->fd, IPPROTO_TCP, TCP_KEEPINTVL, XS_TCP_KEEPINTVL_S);
		break;
	case TCP_KEEPCNT:
		tp->keepcnt = (uint32_t)twin_int(s->fd, IPPROTO_TCP, TCP_KEEPCNT, XS_TCP_KEEPCNT);
		break;
	case TCP_USER_TIMEOUT:
		tp->user_timeout_ms = (uint32_t)twin_int(s->fd, IPPROTO_TCP, TCP_USER_TIMEOUT, 0);
		break;
	case TCP_LINGER2:
		tp->linger2_s = twin_int(s->fd, IPPROTO_TCP, TCP_LINGER2, 0);
		break;
	case TCP_SYNCNT:
		tp->syn_retries = twin_int(s->fd, IPPROTO_TCP, TCP_SYNCNT, 0);
		break;
	case TCP_WINDOW_CLAMP:
		tp->window_clamp = (uint32_t)twin_int(s->fd, IPPROTO_TCP, TCP_WINDOW_CLAMP, 0);
		if (tp->clamp_shown)
			tp->clamp_shown = tp->window_clamp;	/* tcp_set_window_clamp() */
		break;
	case TCP_DEFER_ACCEPT:
		tp->defer_accept = xs_tcp_defer_retrans(twin_int(s->fd, IPPROTO_TCP, TCP_DEFER_ACCEPT, 0));
		break;
	case TCP_QUICKACK:
		if (twin_int(s->fd, IPPROTO_TCP, TCP_QUICKACK, 0)) {
			tp->quickack_off = false;
			tp->quickacks = XS_TCP_QUICKACKS;
			if (tp->delack_pending) {
				tp->ack_now = true;
				xs_tcp_output(tp, now);
			}
		} else {
			tp->quickack_off = true;
		}
		break;
	case TCP_CONGESTION: {
		char name_buf[XS_TCP_CC_NAME_MAX] = { 0 };
		socklen_t len = sizeof(name_buf) - 1;

		if (!getsockopt(s->fd, IPPROTO_TCP, TCP_CONGESTION, name_buf, &len))
			xs_tcp_cc_select(&tp->cc, name_buf, now);	/* the kernel knows it; we may not */
		break;
	}
	}
	xs_stack_flush(st);
}

/* An int option's answer: as many of its bytes as asked for, up to all
 * (Linux's min(len, sizeof(int))). */
static int put_int(void *val, socklen_t *len, int v)
{
	if (*len > (socklen_t)sizeof(v))
		*len = sizeof(v);
	memcpy(val, &v, *len);
	return 0;
}

/* A stack connection, as tcp_setsockopt() tells one: neither CLOSE nor
 * LISTEN (the twin is in CLOSE, so it cannot tell). */
static bool connected(const struct xs_sock *s)
{
	return s->tcp && xs_stream_has_conn(s) && s->tcp->state != XS_TCP_CLOSE;
}

int xs_stream_setsockopt(struct xs_sock *s, int level, int name, const void *val, socklen_t len)
{
	int v;

	if (level != IPPROTO_TCP || !connected(s) || !val || len < (socklen_t)sizeof(int))
		return 1;	/* the twin's checks */
	memcpy(&v, val, sizeof(v));
	switch (name) {
	case TCP_FASTOPEN:		/* only before connect() or on a listener */
		return v >= 0 ? -EINVAL : 1;
	case TCP_WINDOW_CLAMP:		/* 0 (no clamp) only before connect() */
		return v ? 1 : -EINVAL;
	case TCP_FASTOPEN_CONNECT: {	/* after the twin's checks, EINVAL: not CLOSE */
		int old = twin_int(s->fd, IPPROTO_TCP, TCP_FASTOPEN_CONNECT, 0);

		if (setsockopt(s->fd, level, name, val, len))
			return -errno;
		setsockopt(s->fd, level, name, &old, sizeof(old));
		return -EINVAL;
	}
	}
	return 1;
}

static int fill_info(const struct xs_tcp_sock *tp, void *val, socklen_t *len, uint64_t now)
{
	struct tcp_info ti;
	socklen_t n;

	memset(&ti, 0, sizeof(ti));
	/* Linux hands TIME_WAIT to a separate timewait socket (tcp_time_wait())
	 * and closes the one the application holds */
	ti.tcpi_state = (uint8_t)(tp->state == XS_TCP_TIME_WAIT ? XS_TCP_CLOSE : tp->state);
	ti.tcpi_ca_state = tp->cc.in_recovery ? 3 /* TCP_CA_Recovery */ :
			   tp->in_loss ? 4 /* TCP_CA_Loss */ : 0;
	ti.tcpi_retransmits = (uint8_t)tp->rto_retries;
	ti.tcpi_probes = (uint8_t)tp->probes;
	ti.tcpi_backoff = (uint8_t)tp->rtt.backoff;
	if (tp->ts_ok)
		ti.tcpi_options |= TCPI_OPT_TIMESTAMPS;
	if (tp->sack_ok)
		ti.tcpi_options |= TCPI_OPT_SACK;
	if (tp->ws_ok) {
		ti.tcpi_options |= TCPI_OPT_WSCALE;
		ti.tcpi_snd_wscale = tp->snd_wscale & 0xf;
		ti.tcpi_rcv_wscale = tp->rcv_wscale & 0xf;
	}
	ti.tcpi_rto = xs_rtt_rto_us(&tp->rtt);
	ti.tcpi_ato = (uint32_t)(XS_TCP_DELACK_MIN_NS / 1000);
	ti.tcpi_snd_mss = tp->mss;
	ti.tcpi_rcv_mss = tp->rcv_mss;
	ti.tcpi_unacked = tp->mss ? (tp->snd_max - tp->snd_una + tp->mss - 1) / tp->mss : 0;
	ti.tcpi_sacked = tp->mss ? tp->board.sacked_bytes / tp->mss : 0;
	ti.tcpi_retrans = tp->retrans_out;
	ti.tcpi_last_data_sent = tp->last_send_ns ? (uint32_t)((now - tp->last_send_ns) / 1000000) : 0;
	ti.tcpi_last_data_recv = tp->last_recv_ns ? (uint32_t)((now - tp->last_recv_ns) / 1000000) : 0;
	ti.tcpi_last_ack_recv = ti.tcpi_last_data_recv;
	ti.tcpi_pmtu = tp->link_mtu ? tp->link_mtu : 1500;
	ti.tcpi_rcv_ssthresh = xs_tcp_rcv_limit(tp);
	ti.tcpi_rtt = xs_rtt_srtt_us(&tp->rtt);
	ti.tcpi_rttvar = xs_rtt_rttvar_us(&tp->rtt);
	ti.tcpi_snd_ssthresh = tp->cc.ssthresh == XS_TCP_CC_SSTHRESH_INF ? 0x7fffffff
			       : (tp->mss ? tp->cc.ssthresh / tp->mss : 0);
	ti.tcpi_snd_cwnd = tp->cc.mss ? tp->cc.cwnd / tp->cc.mss : 0;
	/* tp->advmss: what was announced, less the timestamp option */
	ti.tcpi_advmss = tp->adv_mss ? (uint32_t)tp->adv_mss - (tp->ts_ok ? 12u : 0u) : tp->mss;
	ti.tcpi_reordering = 3;
	ti.tcpi_rcv_space = tp->rcv_wnd;
	ti.tcpi_total_retrans = tp->cnt.total_retrans;
	ti.tcpi_bytes_acked = tp->cnt.bytes_acked;
	ti.tcpi_bytes_received = tp->cnt.bytes_received;
	ti.tcpi_segs_out = (uint32_t)tp->cnt.segs_out;
	ti.tcpi_segs_in = (uint32_t)tp->cnt.segs_in;
	ti.tcpi_data_segs_in = (uint32_t)tp->cnt.data_segs_in;
	ti.tcpi_data_segs_out = (uint32_t)tp->cnt.data_segs_out;
	ti.tcpi_notsent_bytes = tp->snd_una + tp->sndq.len - tp->snd_max;
	if ((int32_t)ti.tcpi_notsent_bytes < 0)
		ti.tcpi_notsent_bytes = 0;
	ti.tcpi_min_rtt = xs_rtt_srtt_us(&tp->rtt);
	ti.tcpi_bytes_sent = tp->cnt.bytes_sent + tp->cnt.bytes_retrans;
	ti.tcpi_bytes_retrans = tp->cnt.bytes_retrans;
	ti.tcpi_dsack_dups = tp->cnt.dsack_dups;
	ti.tcpi_rcv_ooopack = tp->cnt.rcv_ooopack;
	ti.tcpi_snd_wnd = tp->snd_wnd;
	n = *len < (socklen_t)sizeof(ti) ? *len : (socklen_t)sizeof(ti);
	memcpy(val, &ti, n);
	*len = n;
	return 0;
}

int xs_stream_getsockopt(struct xs_sock *s, int level, int name, void *val, socklen_t *len)
{
	struct xs_tcp_sock *tp = s->tcp;

	if (!tp || !val || !len || (int)*len < 0)
		return 1;
	if (level == IPPROTO_IPV6 && name == IPV6_V6ONLY) {
		/* the twin's bind to a specific address set it; a kernel
		 * connect()'s port choice does not */
		int v = s->udp.v6only;
		socklen_t n = *len;

		if (!s->twin_autobound || getsockopt(s->fd, level, name, val, &n))
			return 1;	/* the twin's answer, or its errno */
		if (n > sizeof(v))
			n = sizeof(v);
		memcpy(val, &v, n);
		*len = n;
		return 0;
	}
	if (level == SOL_SOCKET && name == SO_PEERNAME && xs_stream_has_conn(s)) {
		/* sock_getsockopt(): the whole address or EINVAL */
		struct sockaddr_storage ss;
		socklen_t n = sizeof(ss);
		int r = xs_stream_name(s, true, (struct sockaddr *)&ss, &n);

		if (r)
			return r;
		if (n < *len)
			return -EINVAL;
		memcpy(val, &ss, *len);
		return 0;
	}
	if (level == SOL_SOCKET && name == SO_SNDBUF && xs_stream_has_conn(s))
		return put_int(val, len, (int)tp->sndbuf);	/* grown at the handshake */
	if (level == SOL_SOCKET && name == SO_ERROR) {
		int e = xs_tcp_sock_error(tp);

		if (!e)
			return 1;	/* the twin's, usually 0 */
		if (*len < (socklen_t)sizeof(int))
			return -EINVAL;
		*(int *)val = e;
		*len = sizeof(int);
		return 0;
	}
	if (level == IPPROTO_TCP && name == TCP_INFO && tp->state == XS_TCP_LISTEN) {
		/* tcp_get_info() for a listener: the accept queue's length
		 * in tcpi_unacked, the backlog in tcpi_sacked */
		struct tcp_info ti;
		socklen_t n = sizeof(ti);

		if (getsockopt(s->fd, IPPROTO_TCP, TCP_INFO, &ti, &n))
			return 1;
		ti.tcpi_unacked = tp->accept_len;
		ti.tcpi_sacked = (uint32_t)tp->backlog;
		if (*len < n)
			n = *len;
		memcpy(val, &ti, n);
		*len = n;
		return 0;
	}
	if (level != IPPROTO_TCP || !xs_stream_has_conn(s))
		return 1;
	if (name == TCP_INFO)
		return fill_info(tp, val, len, xs_now_ns());
	if (name == TCP_WINDOW_CLAMP)
		return put_int(val, len, (int)xs_tcp_window_clamp(tp));
	if (name == TCP_MAXSEG && tp->mss && tp->state != XS_TCP_CLOSE) {
		int v = (int)tp->mss;

		if (*len < (socklen_t)sizeof(int))
			return 1;	/* the kernel's checks */
		memcpy(val, &v, sizeof(v));
		*len = sizeof(int);
		return 0;
	}
	return 1;
}

int xs_stream_ioctl(struct xs_stack *st, struct xs_sock *s, unsigned long request, void *arg)
{
	struct xs_tcp_sock *tp = s->tcp;
	int v;

	if (!tp || !xs_stream_has_conn(s) || !arg)
		return 1;
	switch (request) {
	case SIOCINQ:
		xs_stack_poll(st, xs_now_ns());
		v = (int)xs_tcp_inq(tp);
		break;
	case SIOCOUTQ:
		v = (int)xs_tcp_outq(tp);
		break;
	case SIOCOUTQNSD:
		v = (int)(tp->snd_una + tp->sndq.len - tp->snd_nxt);
		if (v < 0)
			v = 0;
		break;
	case SIOCATMARK:
		v = xs_tcp_at_mark(tp);
		break;
	default:
		return 1;
	}
	memcpy(arg, &v, sizeof(v));
	return 0;
}

static const struct { int level, name; } inherited[XS_STREAM_INHERIT_MAX] = {
	{ SOL_SOCKET, SO_KEEPALIVE }, { SOL_SOCKET, SO_OOBINLINE },
	{ IPPROTO_TCP, TCP_NODELAY }, { IPPROTO_TCP, TCP_KEEPIDLE },
	{ IPPROTO_TCP, TCP_KEEPINTVL }, { IPPROTO_TCP, TCP_KEEPCNT },
	{ IPPROTO_TCP, TCP_USER_TIMEOUT }, { IPPROTO_TCP, TCP_LINGER2 },
	{ IPPROTO_IP, IP_TOS }, { IPPROTO_IP, IP_TTL },
	{ IPPROTO_TCP, TCP_NOTSENT_LOWAT }, { IPPROTO_TCP, TCP_WINDOW_CLAMP },
	{ SOL_SOCKET, SO_RCVLOWAT }, { SOL_SOCKET, SO_PEEK_OFF },
	{ SOL_SOCKET, SO_RCVBUF }, { SOL_SOCKET, SO_SNDBUF },
	{ SOL_SOCKET, SO_MARK }, { IPPROTO_IPV6, IPV6_TCLASS },
	/* not SO_PRIORITY: an accepted socket starts at 0 (measured, 6.18) */
};

void xs_stream_inherit_refresh(struct xs_sock *l)
{
	static int defaults[XS_STREAM_INHERIT_MAX];
	static bool have_defaults;
	struct xs_stream_inherit *in = l->inherit;

	/* What a fresh socket says, once per process */
	if (!have_defaults) {
		int fd = socket(AF_INET, SOCK_STREAM, 0);

		for (int i = 0; i < (int)(sizeof(inherited) / sizeof(inherited[0])); i++)
			defaults[i] = fd < 0 ? 0 : twin_int(fd, inherited[i].level, inherited[i].name, 0);
		if (fd >= 0)
			close(fd);
		have_defaults = true;
	}
	if (!in) {
		in = calloc(1, sizeof(*in));
		if (!in)
			return;
		l->inherit = in;
	}
	in->n = 0;
	for (int i = 0; i < (int)(sizeof(inherited) / sizeof(inherited[0])); i++) {
		int v = twin_int(l->fd, inherited[i].level, inherited[i].name, defaults[i]);

		if (v != defaults[i]) {
			in->opt[in->n].level = inherited[i].level;
			in->opt[in->n].name = inherited[i].name;
			in->opt[in->n++].val = v;
		}
	}
}

void xs_stream_inherit_apply(const struct xs_sock *l, int to)
{
	/* Only what differs from a fresh socket's value: most listeners set
	 * nothing, and accept() stays one socket() call. */
	if (!l->inherit)
		return;
	for (int i = 0; i < l->inherit->n; i++) {
		int level = l->inherit->opt[i].level, name = l->inherit->opt[i].name;
		int v = l->inherit->opt[i].val;

		/* buffer sizes read back doubled: set what doubles to them */
		if (level == SOL_SOCKET && (name == SO_RCVBUF || name == SO_SNDBUF))
			v /= 2;
		setsockopt(to, level, name, &v, sizeof(int));
	}
	/* SO_LINGER: the listener's own copy (xs_sock.linger) */
	if (l->linger.l_onoff)
		setsockopt(to, SOL_SOCKET, SO_LINGER, &l->linger, sizeof(l->linger));
}
