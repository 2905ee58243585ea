// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * Error messages of the control path.  A negative errno says what kind of
 * failure it was; the message says which interface, key or limit, so that
 * xsockctl (or an application's log) can tell the user what to do.
 */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "ctl/ctl.h"

static __thread char xs_ctl_errbuf[256];

int xs_ctl_fail(int err, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(xs_ctl_errbuf, sizeof(xs_ctl_errbuf), fmt, ap);
	va_end(ap);
	return err;
}

const char *xs_ctl_strerror(int err)
{
	if (xs_ctl_errbuf[0])
		return xs_ctl_errbuf;
	return strerror(err < 0 ? -err : err);
}

void xs_ctl_clear_error(void)
{
	xs_ctl_errbuf[0] = '\0';
}
