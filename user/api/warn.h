/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * libxsock's own warnings (an interface it cannot open, a map that is
 * full, a limit the kernel twin would not take), on stderr as
 * "xsock: ...", rate-limited as the kernel's net_ratelimit() limits the
 * network stack's messages: at most net.core.message_burst messages per
 * net.core.message_cost seconds, both from the config map.
 */
#ifndef XS_API_WARN_H
#define XS_API_WARN_H

#include <stdbool.h>
#include <stdint.h>

/* The kernel's ___ratelimit() (lib/ratelimit.c, Linux 6.18): a window of
 * `interval_s` seconds opens at the first message and lets `burst` through;
 * the first call after it ends opens the next one and reports how many
 * were suppressed.  interval 0 never limits; otherwise a burst <= 0
 * suppresses everything, and a negative interval with a positive burst
 * never limits. */
struct xs_ratelimit {
	int interval_s;             /* net.core.message_cost */
	int burst;                  /* net.core.message_burst */
	bool started;               /* a window is open */
	uint64_t begin_ns;          /* when it opened */
	int left;                   /* messages it still lets through */
	unsigned int missed;        /* suppressed since the last report */
};

/* Whether a message may go out at now_ns.  *report is set to the number
 * of messages suppressed in the window that just closed (0 if none, or if
 * no window closed): the caller says so before its own message. */
bool xs_ratelimit_allow(struct xs_ratelimit *rl, uint64_t now_ns, unsigned int *report);

/* New limits from the config map; the open window keeps what it has left,
 * as the kernel's does when the sysctls change. */
void xs_warn_set_limit(int message_cost, int message_burst);

/* One line on stderr, "xsock: " + the message, if the rate limit allows. */
void xs_warn(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

#endif
