/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* SOCK_STREAM over the stack's TCP: what socket.c, io.c, options.c and
 * poll.c call for stream sockets (stream.c), and the TCP environment
 * (stream_env.c).  Lock held on every call unless noted. */
#ifndef XS_API_STREAM_H
#define XS_API_STREAM_H

#include "api/stack.h"

/* stream_env.c */
void xs_stream_env_init(struct xs_stack *st);
/* The window scale to offer, for the config map's net.core.rmem_max. */
void xs_stream_env_set_rmem_max(struct xs_stack *st, uint32_t rmem_max);
/* Installs tp's 5-tuple rule on its link (idempotent).  0 or -errno. */
int xs_stream_steer(struct xs_stack *st, struct xs_tcp_sock *tp);

/* stream.c */
/* A new SOCK_STREAM socket: its (closed) TCP block.  0 or -ENOMEM. */
int xs_stream_init(struct xs_stack *st, struct xs_sock *s);
/* Whether the stack holds a connection for s (then it answers the data
 * calls, the names and poll); otherwise the twin does. */
bool xs_stream_has_conn(const struct xs_sock *s);
int xs_stream_listen(struct xs_stack *st, struct xs_sock *s, int backlog);
int xs_stream_connect(struct xs_stack *st, struct xs_sock *s, const struct sockaddr *addr,
		      socklen_t len);
/* The data calls: lock held on entry, released on return; -1 + errno. */
ssize_t xs_stream_sendmsg(struct xs_stack *st, struct xs_sock *s, const struct msghdr *msg,
			  int flags);
ssize_t xs_stream_recvmsg(struct xs_stack *st, struct xs_sock *s, struct msghdr *msg, int flags);
int xs_stream_shutdown(struct xs_stack *st, struct xs_sock *s, int how);
void xs_stream_close(struct xs_stack *st, struct xs_sock *s);
int xs_stream_name(struct xs_sock *s, bool peer, struct sockaddr *addr, socklen_t *len);
/* poll events from the stack; *twin_too: also ask the kernel about the twin */
short xs_stream_revents(struct xs_sock *s, short events, bool *twin_too);

/* A listener stops listening (shutdown(SHUT_RD)): its rules go, the
 * socket is the kernel's from then on. */
void xs_stream_unlisten(struct xs_stack *st, struct xs_sock *s);

/* After fork(), in the parent: every stack listener becomes the kernel's
 * (its rules go; new connections go to the twin, which both processes
 * share).  Established connections stay the parent's. */
void xs_stream_forked(struct xs_stack *st);

/* stream_opts.c */
/* After the twin accepted setsockopt(level, name): what TCP must follow. */
void xs_stream_mirror_option(struct xs_stack *st, struct xs_sock *s, int level, int name);
/* Before the twin sees setsockopt(level, name): what a stack connection
 * refuses although the (unconnected) twin would take it.  1: the twin
 * decides, or -errno. */
int xs_stream_setsockopt(struct xs_sock *s, int level, int name, const void *val, socklen_t len);
/* getsockopt answers the stack gives: 0 answered, 1 the twin answers,
 * or -errno. */
int xs_stream_getsockopt(struct xs_sock *s, int level, int name, void *val, socklen_t *len);
/* ioctl answers the stack gives: same returns. */
int xs_stream_ioctl(struct xs_stack *st, struct xs_sock *s, unsigned long request, void *arg);
/* The options a connection inherits from its listener: the listener's
 * non-default ones, read from its twin at listen() and after each
 * setsockopt (refresh), set on each accepted twin (apply). */
void xs_stream_inherit_refresh(struct xs_sock *listener);
void xs_stream_inherit_apply(const struct xs_sock *listener, int to_fd);

#endif
