/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * Socket-level limits that Linux takes from /proc/sys/net/core and xsock
 * takes from its config map (`xsockctl sysctl`): the size SO_RCVBUF and
 * SO_SNDBUF settle on (sk_setsockopt()), and whether a sendmsg control
 * buffer fits net.core.optmem_max (____sys_sendmsg(), sock_kmalloc()).
 * Pure: the caller passes the limits; api/options.c and api/io.c apply
 * the answers.
 */
#ifndef XS_SOCK_SOCKBUF_H
#define XS_SOCK_SOCKBUF_H

#include <stdbool.h>
#include <stddef.h>

/* SOCK_MIN_RCVBUF and SOCK_MIN_SNDBUF of a 64-bit Linux 6.x (2048 plus
 * an sk_buff, rounded; twice that for sending).  They depend on the
 * kernel's build: the stack measures the running kernel's at start-up and
 * uses these only if it cannot. */
#define XS_SOCK_MIN_RCVBUF 2304
#define XS_SOCK_MIN_SNDBUF 4608

/* ____sys_sendmsg() keeps a control buffer up to this size on its stack
 * (sizeof(struct cmsghdr) + 20); a larger one is allocated against
 * optmem_max. */
#define XS_SENDMSG_CTL_INLINE 36

/*
 * What SO_RCVBUF/SO_SNDBUF read back after setsockopt(name, val): val
 * capped by `max` (rmem_max or wmem_max; unsigned, so a negative val takes
 * the cap), or with `force` (SO_RCVBUFFORCE/SO_SNDBUFFORCE) not capped and
 * negative read as 0; then doubled, at most INT_MAX / 2 before doubling,
 * and at least `floor` (SOCK_MIN_RCVBUF / SOCK_MIN_SNDBUF).
 */
int xs_sockbuf_size(int val, int max, int floor, bool force);

/* 0 if sendmsg may carry a control buffer of `len` bytes, -ENOBUFS if
 * Linux refuses it for optmem_max (a socket that has no other option
 * memory charged: what every xsock socket's sendmsg sees). */
int xs_sockbuf_optmem(size_t len, int optmem_max);

#endif
