/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* What the api/ files share: the stack, and a few helpers between the
 * call families (socket.c, io.c, options.c, poll.c). */
#ifndef XS_API_CALLS_H
#define XS_API_CALLS_H

#include "api/stack.h"

/* Binds an unbound socket to the wildcard address and an ephemeral port,
 * as the kernel does on a first send, then steers it.  Lock held. */
int xs_sock_autobind(struct xs_stack *st, struct xs_sock *s);

/* Moves datagrams waiting on the kernel twin (reassembled fragments,
 * frames that arrived before steering) into the stack's queue, and returns
 * a pending socket error from the twin as a negative errno.  Lock held. */
int xs_sock_drain_twin(struct xs_stack *st, struct xs_sock *s);

/* Reads TTL, TOS, hop limit, traffic class and v6only back from the twin,
 * where the kernel keeps them (defaults included). */
void xs_sock_read_ip_options(struct xs_sock *s);

/* SO_RCVBUF/SO_SNDBUF of a new socket: for datagrams the config map's
 * net.core.rmem_default/wmem_default (sock_init_data()), for streams the
 * twin's (tcp_rmem[1]/tcp_wmem[1], which TCP uses instead).  Lock held. */
void xs_sock_bufs_init(struct xs_stack *st, struct xs_sock *s);
/* An accepted socket takes its listener's buffer sizes, as Linux's clone
 * does, on the twin too.  Lock held. */
void xs_sock_bufs_inherit(struct xs_stack *st, struct xs_sock *s, const struct xs_sock *l);

/* Readable without waiting: a queued datagram, EOF after SHUT_RD, or the
 * socket is closing. */
bool xs_sock_readable(struct xs_sock *s);

/* An address and port from a sockaddr_in or sockaddr_in6 (wildcards as
 * all-zero, IPv4 as ::ffff:a.b.c.d). */
void xs_sock_addr_of(const struct sockaddr_storage *ss, uint8_t addr[16], uint16_t *port);

/* Listener rules for s bound to laddr:lport on the interfaces that receive
 * for it (see ifs_for_local in socket.c); returns the interfaces steered. */
uint32_t xs_sock_steer_listener(struct xs_stack *st, struct xs_sock *s, const uint8_t laddr[16],
				uint16_t lport);

#endif
