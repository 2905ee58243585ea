// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * How TCP (sock/tcp*.c) reaches the world: the xs_tcp_env callbacks.
 * Segments leave through the connection's interface to the Ethernet
 * address it learnt (the route's neighbour for connect(), the SYN's source
 * for accepted connections); a connection's 5-tuple steering rule is
 * installed when it is established (before connect() sends its SYN) and
 * removed when its block is freed; news for a waiting application wakes
 * it, and raises SIGIO / SIGURG for its owner.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <netinet/in.h>

#include "api/calls.h"
#include "api/stream.h"
#include "iface/ip_out.h"

static void pseudo_of(int v4, const uint8_t src[16], const uint8_t dst[16], struct xs_pseudo *ph)
{
	ph->family = v4 ? AF_INET : AF_INET6;
	if (v4) {
		memcpy(&ph->src.v4, src + 12, 4);
		memcpy(&ph->dst.v4, dst + 12, 4);
	} else {
		memcpy(&ph->src.v6, src, 16);
		memcpy(&ph->dst.v6, dst, 16);
	}
}

static int send_segment(struct xs_stack *st, int link, bool v4, const uint8_t src[16],
			const uint8_t dst[16], const uint8_t mac[6], uint8_t ttl, uint8_t tos,
			const struct xs_tcp_repr *r, const struct iovec *iov, int iovcnt)
{
	struct xs_ip_tx tx = { .proto = IPPROTO_TCP, .df = true, .ttl = ttl, .tos = tos };
	uint8_t hdr[XS_TCP_MAX_HLEN];
	struct xs_pseudo ph;
	int hl, err;

	if (link < 0 || link >= st->nifs)
		return -ENETUNREACH;
	pseudo_of(v4, src, dst, &ph);
	hl = xs_tcp_repr_emit_hdr(r, &ph, iov, iovcnt, hdr, sizeof(hdr));
	if (hl < 0)
		return hl;
	tx.family = v4 ? AF_INET : AF_INET6;
	memcpy(tx.src, src, 16);
	memcpy(tx.dst, dst, 16);
	memcpy(tx.dst_mac, mac, 6);
	err = xs_ip_send(&st->ifs[link].ifnet, &tx, hdr, (size_t)hl, iov, iovcnt, r->payload_len,
			 xs_now_ns());
	if (!err)
		st->kick_mask |= 1u << link;
	return err;
}

static int env_xmit(void *ctx, struct xs_tcp_sock *tp, const struct xs_tcp_repr *r,
		    const struct iovec *iov, int iovcnt)
{
	return send_segment(ctx, tp->link, tp->v4, tp->laddr, tp->raddr, tp->peer_mac, tp->ttl,
			    tp->tos, r, iov, iovcnt);
}

static int env_reply(void *ctx, const struct xs_rx_pkt *pkt, int link, const uint8_t mac[6],
		     const struct xs_tcp_repr *r)
{
	return send_segment(ctx, link, pkt->family == AF_INET, pkt->dst, pkt->src, mac, 64, 0, r,
			    NULL, 0);
}

static void queue_signal(struct xs_stack *st, struct xs_sock *s)
{
	if (!s->sig_queued && st->nsig < (int)(sizeof(st->sig_list) / sizeof(int))) {
		s->sig_queued = true;
		st->sig_list[st->nsig++] = s->fd;
	}
}

static void env_notify(void *ctx, struct xs_tcp_sock *tp, unsigned int ev)
{
	struct xs_stack *st = ctx;
	struct xs_sock *s = tp->owner;

	if (!s)
		return;
	s->news++;
	if (s->waiters)
		st->tcp_wake = true;
	if (s->async && (ev & (XS_TCP_EV_READ | XS_TCP_EV_WRITE | XS_TCP_EV_ERR)))
		queue_signal(st, s);
	if (ev & XS_TCP_EV_URG) {
		/* SIGURG goes to the owner whether or not O_ASYNC is set */
		s->urg_queued = true;
		queue_signal(st, s);
	}
}

int xs_stream_steer(struct xs_stack *st, struct xs_tcp_sock *tp)
{
	struct xs_flow_key k;
	int err;

	if (tp->steered || tp->link < 0 || tp->link >= st->nifs)
		return 0;
	xs_flow_key_init(&k, IPPROTO_TCP, tp->v4 ? XS_FAMILY_IPV4 : XS_FAMILY_IPV6, tp->laddr,
			 tp->lport, tp->raddr, tp->rport);
	err = xs_ctl_flow_add(&st->ifs[tp->link].ctl, &k, &st->ifs[tp->link].owner);
	if (err && err != -EEXIST)
		return err;
	tp->steered = !err;
	tp->steer_link = tp->link;
	return 0;
}

static void env_established(void *ctx, struct xs_tcp_sock *tp)
{
	/* The listener rule steers the connection already; the 5-tuple rule
	 * makes it independent of it (the listener may close first) and is
	 * the program's first, cheapest lookup.  A full flow map leaves it
	 * to the listener rule. */
	xs_stream_steer(ctx, tp);
}

static void env_release(void *ctx, struct xs_tcp_sock *tp)
{
	struct xs_stack *st = ctx;
	struct xs_sock *s = tp->owner;

	if (tp->steered) {
		struct xs_flow_key k;

		xs_flow_key_init(&k, IPPROTO_TCP, tp->v4 ? XS_FAMILY_IPV4 : XS_FAMILY_IPV6, tp->laddr,
				 tp->lport, tp->raddr, tp->rport);
		xs_ctl_flow_del(&st->ifs[tp->steer_link].ctl, &k);
		tp->steered = false;
	}
	if (s && s->tcp == tp)
		s->tcp = NULL;
}

/* tcp_rmem[2], read once at start-up. */
static uint32_t tcp_rmem_max(void)
{
	unsigned long long a = XS_TCP_RMEM_MAX, b, c;
	FILE *f = fopen("/proc/sys/net/ipv4/tcp_rmem", "re");

	if (f) {
		if (fscanf(f, "%llu %llu %llu", &b, &c, &a) != 3 || a > UINT32_MAX)
			a = XS_TCP_RMEM_MAX;
		fclose(f);
	}
	return (uint32_t)a;
}

/* Linux sizes the window scale it offers for max(tcp_rmem[2], rmem_max);
 * rmem_max is the config map's (apply_config()). */
void xs_stream_env_set_rmem_max(struct xs_stack *st, uint32_t rmem_max)
{
	st->tcp.rcv_wscale = xs_tcp_wscale_for(st->tcp_rmem_max > rmem_max ? st->tcp_rmem_max
									   : rmem_max);
}

void xs_stream_env_init(struct xs_stack *st)
{
	struct xs_tcp_secret secret;

	if (getentropy(secret.key, sizeof(secret.key)))
		memset(&secret, 0, sizeof(secret));	/* never on Linux >= 3.17 */
	st->tcp_env = (struct xs_tcp_env){
		.ctx = st,
		.xmit = env_xmit,
		.reply = env_reply,
		.notify = env_notify,
		.established = env_established,
		.release = env_release,
	};
	xs_tcp_table_init(&st->tcp, &st->tcp_env, &secret, xs_now_ns());
	st->tcp_rmem_max = tcp_rmem_max();
	st->tcp.rcv_wscale = xs_tcp_wscale_for(st->tcp_rmem_max);	/* until a config map says */
}
