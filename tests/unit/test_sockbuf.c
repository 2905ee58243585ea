// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * The net.core limits xsock applies from its config map: the SO_RCVBUF /
 * SO_SNDBUF arithmetic (checked against a kernel socket where the
 * kernel's own rmem_max allows), the optmem_max rule for sendmsg control
 * buffers (measured on Linux 6.18: ENOBUFS above 36 bytes once the buffer
 * is not below optmem_max), and the rate limit of xsock's warnings
 * (lib/ratelimit.c of Linux 6.18).
 */
#include <errno.h>
#include <limits.h>
#include <unistd.h>
#include <sys/socket.h>

#include <criterion/criterion.h>

#include "api/warn.h"
#include "sock/sockbuf.h"

#define MIN_R XS_SOCK_MIN_RCVBUF
#define MIN_S XS_SOCK_MIN_SNDBUF

Test(sockbuf, doubled_and_capped)
{
	cr_assert_eq(xs_sockbuf_size(4096, 212992, MIN_R, false), 8192);
	cr_assert_eq(xs_sockbuf_size(212992, 212992, MIN_R, false), 425984);
	cr_assert_eq(xs_sockbuf_size(1 << 24, 212992, MIN_R, false), 425984, "capped, then doubled");
	cr_assert_eq(xs_sockbuf_size(1 << 24, 1 << 25, MIN_R, false), 1 << 25, "a larger cap");
}

Test(sockbuf, minimums)
{
	cr_assert_eq(xs_sockbuf_size(0, 212992, MIN_R, false), 2304);
	cr_assert_eq(xs_sockbuf_size(1, 212992, MIN_S, false), 4608);
	cr_assert_eq(xs_sockbuf_size(1152, 212992, MIN_R, false), 2304);
	cr_assert_eq(xs_sockbuf_size(1153, 212992, MIN_R, false), 2306);
}

Test(sockbuf, negative_and_huge)
{
	/* min_t(u32, val, max): a negative value is a huge one: the cap */
	cr_assert_eq(xs_sockbuf_size(-1, 212992, MIN_R, false), 425984);
	cr_assert_eq(xs_sockbuf_size(INT_MIN, 8192, MIN_R, false), 16384);
	/* at most INT_MAX / 2 before doubling */
	cr_assert_eq(xs_sockbuf_size(INT_MAX, INT_MAX, MIN_R, false), (INT_MAX / 2) * 2);
}

Test(sockbuf, force_ignores_the_cap)
{
	cr_assert_eq(xs_sockbuf_size(1 << 24, 8192, MIN_R, true), 1 << 25);
	cr_assert_eq(xs_sockbuf_size(-5, 8192, MIN_R, true), 2304, "negative is 0");
	cr_assert_eq(xs_sockbuf_size(INT_MAX, 8192, MIN_S, true), (INT_MAX / 2) * 2);
}

/* The same arithmetic as the running kernel, for values below its own
 * rmem_max/wmem_max (which this test cannot change). */
Test(sockbuf, agrees_with_the_kernel)
{
	static const int vals[] = { -7, 0, 1, 100, 1152, 1153, 2304, 4096, 65535, 100000 };
	int kmax[2], kmin[2], zero = 0;
	static const int opt[2] = { SO_RCVBUF, SO_SNDBUF };
	socklen_t len;
	int fd = socket(AF_INET, SOCK_DGRAM, 0);

	cr_assert_geq(fd, 0);
	for (int o = 0; o < 2; o++) {
		int big = INT_MAX;

		len = sizeof(int);
		setsockopt(fd, SOL_SOCKET, opt[o], &big, sizeof(big));
		getsockopt(fd, SOL_SOCKET, opt[o], &kmax[o], &len);
		kmax[o] /= 2;	/* the kernel's cap */
		setsockopt(fd, SOL_SOCKET, opt[o], &zero, sizeof(zero));
		len = sizeof(int);
		getsockopt(fd, SOL_SOCKET, opt[o], &kmin[o], &len);
	}
	for (int o = 0; o < 2; o++) {
		for (size_t i = 0; i < sizeof(vals) / sizeof(vals[0]); i++) {
			int got = 0;

			if (vals[i] > kmax[o])
				continue;
			setsockopt(fd, SOL_SOCKET, opt[o], &vals[i], sizeof(int));
			len = sizeof(int);
			getsockopt(fd, SOL_SOCKET, opt[o], &got, &len);
			cr_assert_eq(xs_sockbuf_size(vals[i], kmax[o], kmin[o], false), got,
				     "%s %d", o ? "SO_SNDBUF" : "SO_RCVBUF", vals[i]);
		}
	}
	close(fd);
}

Test(sockbuf, optmem)
{
	cr_assert_eq(xs_sockbuf_optmem(0, 100), 0);
	cr_assert_eq(xs_sockbuf_optmem(36, 0), 0, "up to 36 bytes never allocate");
	cr_assert_eq(xs_sockbuf_optmem(37, 20), -ENOBUFS);
	cr_assert_eq(xs_sockbuf_optmem(99, 100), 0);
	cr_assert_eq(xs_sockbuf_optmem(100, 100), -ENOBUFS, "size < optmem_max, strictly");
	cr_assert_eq(xs_sockbuf_optmem(101, 100), -ENOBUFS);
	cr_assert_eq(xs_sockbuf_optmem(100000, 131072), 0);
	cr_assert_eq(xs_sockbuf_optmem((size_t)INT_MAX + 1, INT_MAX), -ENOBUFS);
}

/* ---- the warnings' rate limit ------------------------------------------ */

#define S 1000000000ull

static int allowed(struct xs_ratelimit *rl, uint64_t now, int calls, unsigned int *reported)
{
	int n = 0;

	*reported = 0;
	for (int i = 0; i < calls; i++) {
		unsigned int r;

		n += xs_ratelimit_allow(rl, now, &r);
		*reported += r;
	}
	return n;
}

Test(ratelimit, burst_per_interval)
{
	struct xs_ratelimit rl = { .interval_s = 5, .burst = 10 };
	unsigned int rep;

	cr_assert_eq(allowed(&rl, 100 * S, 15, &rep), 10, "the burst");
	cr_assert_eq(rep, 0);
	cr_assert_eq(allowed(&rl, 105 * S, 3, &rep), 0, "the window is 5 s, end included");
	cr_assert_eq(allowed(&rl, 105 * S + 1, 12, &rep), 10, "a new window");
	cr_assert_eq(rep, 8, "the 5 + 3 suppressed in the last one, reported once");
	cr_assert_eq(allowed(&rl, 200 * S, 1, &rep), 1);
	cr_assert_eq(rep, 2);
}

Test(ratelimit, window_opens_at_the_first_message)
{
	struct xs_ratelimit rl = { .interval_s = 1, .burst = 1 };
	unsigned int rep;

	cr_assert_eq(allowed(&rl, 50 * S, 1, &rep), 1);
	cr_assert_eq(allowed(&rl, 50 * S + S / 2, 1, &rep), 0);
	cr_assert_eq(allowed(&rl, 51 * S + 1, 1, &rep), 1);
	cr_assert_eq(rep, 1);
}

Test(ratelimit, zero_and_negative)
{
	struct xs_ratelimit rl = { .interval_s = 0, .burst = 0 };
	unsigned int rep;

	cr_assert_eq(allowed(&rl, S, 100, &rep), 100, "interval 0: no limit");
	rl.interval_s = 5;
	cr_assert_eq(allowed(&rl, S, 5, &rep), 0, "burst 0: everything suppressed");
	rl.burst = -1;
	cr_assert_eq(allowed(&rl, S, 5, &rep), 0, "negative burst too");
	rl.interval_s = -1;
	rl.burst = 3;
	cr_assert_eq(allowed(&rl, S, 50, &rep), 50, "negative interval, positive burst: no limit");
	rl.interval_s = 0;
	rl.burst = -4;
	cr_assert_eq(allowed(&rl, S, 7, &rep), 7, "interval 0 wins over any burst");
}

/* Limits change while running, as the sysctls do: a disabled limiter
 * starts a fresh window when enabled again; an open window keeps what it
 * has left until it ends. */
Test(ratelimit, changed_while_running)
{
	struct xs_ratelimit rl = { .interval_s = 60, .burst = 2 };
	unsigned int rep;

	cr_assert_eq(allowed(&rl, 10 * S, 4, &rep), 2);
	rl.burst = 5;
	cr_assert_eq(allowed(&rl, 11 * S, 2, &rep), 0, "the open window had 2");
	rl.interval_s = 0;
	cr_assert_eq(allowed(&rl, 12 * S, 3, &rep), 3);
	rl.interval_s = 60;
	cr_assert_eq(allowed(&rl, 13 * S, 7, &rep), 5, "a fresh window of the new burst");
	cr_assert_eq(rep, 0, "misses of the old window are reported when a window closes");
	cr_assert_eq(allowed(&rl, 74 * S, 1, &rep), 1);
	cr_assert_eq(rep, 6, "2 + 2 + 2: everything suppressed since the last report");
}
