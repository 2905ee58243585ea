// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * Rule owners.  A rule remembers the pid and the start time of the process
 * that made it; `xsockctl rule gc` removes it once that process is gone.  The
 * start time (clock ticks since boot, field 22 of /proc/PID/stat) tells a
 * recycled pid from the owner.  Pid 0 marks a static rule, never collected.
 * A zombie counts as gone.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "ctl/ctl.h"

int xs_owner_of(pid_t pid, struct xs_owner *owner)
{
	char path[64], buf[1024], *p, *end;
	unsigned long long start;
	ssize_t len;
	int fd;

	memset(owner, 0, sizeof(*owner));
	if (pid <= 0)
		return -EINVAL;
	snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return errno == ENOENT ? -ESRCH : -errno;
	len = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (len <= 0)
		return -ESRCH;
	buf[len] = '\0';
	/* The command name (field 2) may hold spaces and ')': skip to the
	 * last ')'; field 3 follows it. */
	p = strrchr(buf, ')');
	if (!p || p[1] != ' ' || !p[2])
		return -EIO;
	p++;
	/* A zombie has closed its sockets and will never remove its rules
	 * or statistics: it is gone already. */
	if (p[1] == 'Z' || p[1] == 'X')
		return -ESRCH;
	for (int field = 3; field < 22; field++) {
		p = strchr(p + 1, ' ');
		if (!p)
			return -EIO;
	}
	errno = 0;
	start = strtoull(p + 1, &end, 10);
	if (errno || end == p + 1)
		return -EIO;
	owner->pid = pid;
	owner->start_time = start;
	return 0;
}

bool xs_owner_alive(const struct xs_owner *owner)
{
	struct xs_owner now;

	if (!owner->pid)
		return true;
	if (xs_owner_of(owner->pid, &now))
		return false;
	return now.start_time == owner->start_time;
}
