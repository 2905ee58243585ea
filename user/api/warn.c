// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * libxsock's warnings (warn.h): the rate limiter, and the one place that
 * writes them.  Any layer of api/ may warn, with or without the stack
 * lock; the limiter has its own.
 */
#include "api/warn.h"

#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <time.h>
#include <unistd.h>

bool xs_ratelimit_allow(struct xs_ratelimit *rl, uint64_t now_ns, unsigned int *report)
{
	*report = 0;
	if (rl->interval_s <= 0 || rl->burst <= 0) {
		bool ok = rl->interval_s == 0 || rl->burst > 0;

		/* Disabled: the next enabled message opens a fresh window. */
		if (rl->interval_s || rl->burst)
			rl->started = false;
		if (!ok)
			rl->missed++;
		return ok;
	}
	if (!rl->started) {
		rl->started = true;
		rl->begin_ns = now_ns;
		rl->left = rl->burst;
	}
	if (now_ns - rl->begin_ns > (uint64_t)rl->interval_s * 1000000000u) {
		rl->left = rl->burst;
		rl->begin_ns = now_ns;
		*report = rl->missed;
		rl->missed = 0;
	}
	if (rl->left > 0) {
		rl->left--;
		return true;
	}
	rl->missed++;
	return false;
}

/* The kernel's defaults until a config map says otherwise. */
static pthread_mutex_t warn_lock = PTHREAD_MUTEX_INITIALIZER;
static struct xs_ratelimit warn_limit = { .interval_s = 5, .burst = 10 };

void xs_warn_set_limit(int message_cost, int message_burst)
{
	pthread_mutex_lock(&warn_lock);
	warn_limit.interval_s = message_cost;
	warn_limit.burst = message_burst;
	pthread_mutex_unlock(&warn_lock);
}

void xs_warn(const char *fmt, ...)
{
	char line[512];
	unsigned int missed;
	struct timespec ts;
	va_list ap;
	bool ok;
	int n = 0;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	pthread_mutex_lock(&warn_lock);
	ok = xs_ratelimit_allow(&warn_limit, (uint64_t)ts.tv_sec * 1000000000u +
				(uint64_t)ts.tv_nsec, &missed);
	pthread_mutex_unlock(&warn_lock);
	if (missed)
		n = snprintf(line, sizeof(line), "xsock: %u warnings suppressed\n", missed);
	if (ok) {
		n += snprintf(line + n, sizeof(line) - (size_t)n, "xsock: ");
		va_start(ap, fmt);
		n += vsnprintf(line + n, sizeof(line) - (size_t)n, fmt, ap);
		va_end(ap);
		if (n > (int)sizeof(line) - 2)
			n = (int)sizeof(line) - 2;
		line[n++] = '\n';
	}
	/* One write per call, so lines from several threads do not mix. */
	if (n)
		(void)!write(STDERR_FILENO, line, (size_t)n);
}
