// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * Socket buffer and option-memory limits (sockbuf.h): the arithmetic of
 * sk_setsockopt() for SO_RCVBUF/SO_SNDBUF and of ____sys_sendmsg() for
 * control buffers, with the limits passed in.  Called by api/ with the
 * values of the config map.
 */
#include "sock/sockbuf.h"

#include <errno.h>
#include <limits.h>

int xs_sockbuf_size(int val, int max, int floor, bool force)
{
	long long v;

	if (force)
		v = val < 0 ? 0 : val;
	else
		v = (unsigned int)val < (unsigned int)max ? (unsigned int)val : (unsigned int)max;
	if (v > INT_MAX / 2)
		v = INT_MAX / 2;
	return v * 2 > floor ? (int)(v * 2) : floor;
}

int xs_sockbuf_optmem(size_t len, int optmem_max)
{
	if (len > INT_MAX)
		return -ENOBUFS;	/* refused before any allocation */
	if (len <= XS_SENDMSG_CTL_INLINE)
		return 0;
	/* sock_kmalloc(): size <= optmem_max and omem_alloc + size < optmem_max */
	return (long long)len < optmem_max ? 0 : -ENOBUFS;
}
