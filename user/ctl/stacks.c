// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * Per-stack statistics: every process that runs a stack on the interface
 * rewrites its entry (key: its pid) of the "stacks" hash about once a
 * second and deletes it when it closes the interface; xsockctl stats reads
 * them, and rule gc removes those of processes that died without deleting.
 *
 * Writers take no lock: each writes only its own key, and one hash update
 * replaces a whole value.  gc takes the directory lock like rule gc, and
 * deletes an entry only if it still holds the dead owner when it deletes.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <bpf/bpf.h>

#include "ctl/ctl.h"

static int stacks_fd(struct xs_ctl *c)
{
	if (c->map_fd[XS_CTL_STACKS] < 0)
		return xs_ctl_fail(-EOPNOTSUPP,
				   "%s: no per-stack statistics (attached by an older xsockctl; attach again with force to add them)",
				   c->ifname);
	return c->map_fd[XS_CTL_STACKS];
}

int xs_ctl_stack_stats_put(struct xs_ctl *c, __u32 pid, const struct xs_stack_stats *st)
{
	int fd = stacks_fd(c), err;

	if (fd < 0)
		return fd;
	if (!pid || st->owner.pid != pid)
		return xs_ctl_fail(-EINVAL, "stack statistics of pid %u carry owner pid %u",
				   pid, st->owner.pid);
	if (!bpf_map_update_elem(fd, &pid, st, BPF_ANY))
		return 0;
	err = -errno;
	if (err == -E2BIG || err == -ENOSPC || err == -ENOMEM)
		return xs_ctl_fail(-ENOSPC, "stacks map full (%d entries)",
				   xs_ctl_map_max_entries(fd));
	return xs_ctl_fail(err, "cannot write the %s map: %s", XS_MAP_STACKS,
			   strerror(-err));
}

int xs_ctl_stack_stats_del(struct xs_ctl *c, __u32 pid)
{
	int fd = stacks_fd(c);

	if (fd < 0)
		return fd;
	if (bpf_map_delete_elem(fd, &pid))
		return errno == ENOENT ? xs_ctl_fail(-ENOENT, "no stack statistics for pid %u", pid)
				       : xs_ctl_fail(-errno, "cannot delete from the %s map: %s",
						     XS_MAP_STACKS, strerror(errno));
	return 0;
}

/* Every key once, in the hash's order.  A key deleted under us makes
 * get_next_key start again from the first key: skip the keys seen, and
 * stop after a bounded number of steps so a churning map cannot hold us. */
static int stack_keys(int fd, __u32 **keys, size_t *n)
{
	size_t cap = 0, steps = 0, limit;
	__u32 key, *prev = NULL;
	int max = xs_ctl_map_max_entries(fd);

	*keys = NULL;
	*n = 0;
	limit = 4 * (size_t)(max > 0 ? max : XS_MAX_STACKS);
	while (steps++ < limit && !bpf_map_get_next_key(fd, prev, &key)) {
		bool seen = false;

		prev = &key;
		for (size_t i = 0; i < *n && !seen; i++)
			seen = (*keys)[i] == key;
		if (seen)
			continue;
		if (*n == cap) {
			__u32 *tmp = realloc(*keys, (cap = cap ? 2 * cap : 16) * sizeof(**keys));

			if (!tmp) {
				free(*keys);
				*keys = NULL;
				*n = 0;
				return -ENOMEM;
			}
			*keys = tmp;
		}
		(*keys)[(*n)++] = key;
	}
	return 0;
}

int xs_ctl_stack_stats_list(struct xs_ctl *c,
			    int (*cb)(__u32 pid, const struct xs_stack_stats *st, void *ctx),
			    void *ctx)
{
	struct xs_stack_stats st;
	int fd = stacks_fd(c), err;
	__u32 *keys;
	size_t n;

	if (fd < 0)
		return fd;
	err = stack_keys(fd, &keys, &n);
	for (size_t i = 0; i < n && !err; i++) {
		if (bpf_map_lookup_elem(fd, &keys[i], &st))
			continue;	/* deleted under us */
		err = cb(keys[i], &st, ctx);
	}
	free(keys);
	return err;
}

struct stacks_dead {
	__u32 *pid;
	__u64 *start_time;
	size_t n, cap;
};

static int collect_dead(__u32 pid, const struct xs_stack_stats *st, void *ctx)
{
	struct stacks_dead *d = ctx;

	if (xs_owner_alive(&st->owner))
		return 0;
	if (d->n == d->cap) {
		size_t cap = d->cap ? 2 * d->cap : 16;
		__u32 *p = realloc(d->pid, cap * sizeof(*p));
		__u64 *t;

		if (!p)
			return -ENOMEM;
		d->pid = p;
		t = realloc(d->start_time, cap * sizeof(*t));
		if (!t)
			return -ENOMEM;
		d->start_time = t;
		d->cap = cap;
	}
	d->pid[d->n] = pid;
	d->start_time[d->n++] = st->owner.start_time;
	return 0;
}

int xs_ctl_stacks_gc(struct xs_ctl *c)
{
	int fd = c->map_fd[XS_CTL_STACKS], lock, err, removed = 0;
	struct stacks_dead dead = { 0 };
	struct xs_stack_stats st;

	if (fd < 0)
		return 0;
	lock = xs_ctl_lock_dir(c->dir);
	if (lock < 0)
		return lock;
	/* Collect first: deleting while walking a hash restarts the walk. */
	err = xs_ctl_stack_stats_list(c, collect_dead, &dead);
	for (size_t i = 0; i < dead.n && !err; i++) {
		/* A new process with the recycled pid may have written since. */
		if (bpf_map_lookup_elem(fd, &dead.pid[i], &st) ||
		    st.owner.start_time != dead.start_time[i])
			continue;
		if (bpf_map_delete_elem(fd, &dead.pid[i]))
			err = errno == ENOENT ? 0 : -errno;
		else
			removed++;
	}
	xs_ctl_unlock_dir(lock);
	free(dead.pid);
	free(dead.start_time);
	return err ? err : removed;
}
