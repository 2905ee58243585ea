// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * Attach, detach and query: the steering program goes on an interface
 * through a bpf_link, and the link, the program and every map are pinned
 * in the interface's directory so that libxsock and later xsockctl runs
 * find them.  The pinned link is what keeps the program attached.
 *
 * A directory whose link no longer holds the interface (the interface was
 * deleted, its namespace died and the inode number came back, someone
 * replaced the program) is stale: attach removes it silently, query reports
 * the interface as not attached.
 */
#include <errno.h>
#include <dirent.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <linux/if_link.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "ctl/ctl.h"
#include "xsock.skel.h"

const char *xs_attach_mode_name(enum xs_attach_mode mode)
{
	switch (mode) {
	case XS_ATTACH_NATIVE:
		return "native";
	case XS_ATTACH_GENERIC:
		return "generic";
	default:
		return "auto";
	}
}

static int link_info(int link_fd, __u32 *link_id, __u32 *prog_id, int *ifindex)
{
	struct bpf_link_info info;
	__u32 len = sizeof(info);

	memset(&info, 0, sizeof(info));
	if (bpf_obj_get_info_by_fd(link_fd, &info, &len))
		return -errno;
	if (info.type != BPF_LINK_TYPE_XDP)
		return -EINVAL;
	*link_id = info.id;
	*prog_id = info.prog_id;
	*ifindex = info.xdp.ifindex;
	return 0;
}

/* 0: attached and `info` filled; -ENOENT: no directory; -ESTALE: a
 * directory whose link no longer holds the interface. */
static int pin_state(const char *ifname, struct xs_attach_info *info)
{
	LIBBPF_OPTS(bpf_xdp_query_opts, q);
	char path[PATH_MAX];
	__u32 link_id, prog_id;
	int fd, err, ifindex;
	struct stat st;

	memset(info, 0, sizeof(*info));
	snprintf(info->ifname, sizeof(info->ifname), "%s", ifname);
	err = xs_ctl_iface_dir(ifname, info->dir, sizeof(info->dir));
	if (err)
		return err;
	if (stat(info->dir, &st))
		return -ENOENT;

	if (xs_ctl_pin_path(path, sizeof(path), info->dir, XS_PIN_LINK))
		return -ENAMETOOLONG;
	fd = bpf_obj_get(path);
	if (fd < 0)
		return -ESTALE;
	err = link_info(fd, &link_id, &prog_id, &ifindex);
	close(fd);
	if (err || !ifindex || ifindex != (int)if_nametoindex(ifname))
		return -ESTALE;
	if (bpf_xdp_query(ifindex, 0, &q))
		return -ESTALE;
	if (q.drv_prog_id == prog_id || q.hw_prog_id == prog_id)
		info->mode = XS_ATTACH_NATIVE;
	else if (q.skb_prog_id == prog_id)
		info->mode = XS_ATTACH_GENERIC;
	else
		return -ESTALE;
	info->ifindex = ifindex;
	info->prog_id = prog_id;
	info->link_id = link_id;
	return 0;
}

/* Unpin everything in the directory and remove it. */
static int remove_pins(const char *dir)
{
	char path[PATH_MAX];
	struct dirent *de;
	int err = 0;
	DIR *d;

	d = opendir(dir);
	if (!d)
		return errno == ENOENT ? 0 : -errno;
	while ((de = readdir(d))) {
		if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, ".."))
			continue;
		if (xs_ctl_pin_path(path, sizeof(path), dir, de->d_name))
			continue;
		if (unlink(path) && errno != ENOENT)
			err = -errno;
	}
	closedir(d);
	if (rmdir(dir) && errno != ENOENT)
		err = -errno;
	return err;
}

/* Detach through the pinned link even if some process still holds the
 * link fd (closing ours would then not be enough), then unpin. */
static int detach_dir(const char *dir)
{
	char path[PATH_MAX];
	int fd, lock, err = 0;

	lock = xs_ctl_lock_dir(dir);
	fd = xs_ctl_pin_path(path, sizeof(path), dir, XS_PIN_LINK) ? -1 : bpf_obj_get(path);
	if (fd >= 0) {
		if (bpf_link_detach(fd) && errno != ENOLINK)
			err = -errno;
		close(fd);
	}
	if (!err)
		err = remove_pins(dir);
	xs_ctl_unlock_dir(lock);
	return err;
}

static int check_root(void)
{
	if (geteuid() != 0)
		return xs_ctl_fail(-EPERM, "must run as root");
	return 0;
}

int xs_ctl_query(const char *ifname, struct xs_attach_info *info)
{
	int err;

	err = xs_ctl_bpffs_prepare(false);
	if (err == -ENOENT) {
		if (!if_nametoindex(ifname))
			return xs_ctl_fail(-ENODEV, "%s: no such interface", ifname);
		return xs_ctl_fail(-ENOENT, "%s: xsock is not attached", ifname);
	}
	if (err)
		return err;
	err = pin_state(ifname, info);
	if (err == -ENOENT && !if_nametoindex(ifname))
		return xs_ctl_fail(-ENODEV, "%s: no such interface", ifname);
	if (err == -ENOENT)
		return xs_ctl_fail(-ENOENT, "%s: xsock is not attached", ifname);
	if (err == -ESTALE)
		return xs_ctl_fail(-ENOENT, "%s: xsock is not attached (stale pins in %s)",
				   ifname, info->dir);
	return err;
}

static int seed_config(const char *dir, int map_fd)
{
	struct xs_config cfg;
	int lock, err;

	err = xs_cfg_defaults(&cfg);
	if (err)
		return err;
	lock = xs_ctl_lock_dir(dir);
	if (lock < 0)
		return lock;
	err = xs_config_store(map_fd, &cfg);
	xs_ctl_unlock_dir(lock);
	return err;
}

static int pin_one(int fd, const char *dir, const char *name)
{
	char path[PATH_MAX];

	if (xs_ctl_pin_path(path, sizeof(path), dir, name))
		return -ENAMETOOLONG;
	if (bpf_obj_pin(fd, path))
		return xs_ctl_fail(-errno, "cannot pin %s: %s", path, strerror(errno));
	return 0;
}

/* The link, the program, and every map of xs_ctl_map_names found in the
 * object by that name (the names are the pin names). */
static int pin_all(struct xsock *skel, int link_fd, const char *dir)
{
	int err;

	err = pin_one(link_fd, dir, XS_PIN_LINK);
	if (!err)
		err = pin_one(bpf_program__fd(skel->progs.xsock_steer), dir, XS_PIN_PROG);
	for (int i = 0; i < XS_CTL_MAP_NR && !err; i++) {
		const struct bpf_map *map;

		map = bpf_object__find_map_by_name(skel->obj, xs_ctl_map_names[i]);
		if (!map)
			return xs_ctl_fail(-ENOENT, "the BPF object has no map '%s'",
					   xs_ctl_map_names[i]);
		err = pin_one(bpf_map__fd(map), dir, xs_ctl_map_names[i]);
	}
	return err;
}

/* An XDP program that is not ours: refuse, or with `force` remove it. */
static int clear_foreign(const char *ifname, int ifindex, bool force)
{
	LIBBPF_OPTS(bpf_xdp_query_opts, q);
	const struct {
		__u32 *id;
		__u32 flags;
	} modes[] = {
		{ &q.drv_prog_id, XDP_FLAGS_DRV_MODE },
		{ &q.skb_prog_id, XDP_FLAGS_SKB_MODE },
		{ &q.hw_prog_id, XDP_FLAGS_HW_MODE },
	};
	int err;

	err = bpf_xdp_query(ifindex, 0, &q);
	if (err)
		return xs_ctl_fail(err, "%s: cannot query XDP programs: %s", ifname,
				   strerror(-err));
	for (size_t i = 0; i < 3; i++) {
		__u32 id = *modes[i].id;

		if (!id)
			continue;
		if (!force)
			return xs_ctl_fail(-EEXIST,
					   "%s: another XDP program (prog id %u) is attached (use force to replace)",
					   ifname, id);
		err = bpf_xdp_detach(ifindex, modes[i].flags, NULL);
		if (err)
			return xs_ctl_fail(err,
					   "%s: cannot remove XDP program (prog id %u): %s%s",
					   ifname, id, strerror(-err),
					   err == -EBUSY ? " (held by a bpf_link of another tool)" : "");
	}
	return 0;
}

int xs_ctl_attach(const char *ifname, enum xs_attach_mode mode, bool force,
		  struct xs_attach_info *info)
{
	LIBBPF_OPTS(bpf_link_create_opts, opts);
	char ns_dir[PATH_MAX];
	struct xsock *skel = NULL;
	int ifindex, link_fd = -1, prog_fd, err;
	enum xs_attach_mode used;

	xs_ctl_clear_error();
	err = check_root();
	if (err)
		return err;
	ifindex = if_nametoindex(ifname);
	if (!ifindex)
		return xs_ctl_fail(-ENODEV, "%s: no such interface", ifname);
	err = xs_ctl_bpffs_prepare(true);
	if (err)
		return err;
	err = xs_ctl_netns_dir(ns_dir, sizeof(ns_dir));
	if (!err)
		err = xs_ctl_mkdir_p(ns_dir, 0700);
	if (err)
		return xs_ctl_fail(err, "cannot create %s: %s", ns_dir, strerror(-err));

	err = pin_state(ifname, info);
	if (err == 0) {
		if (!force)
			return xs_ctl_fail(-EEXIST,
					   "%s: xsock is already attached (use force to replace)",
					   ifname);
		err = detach_dir(info->dir);
		if (err)
			return xs_ctl_fail(err, "%s: cannot detach the old program: %s",
					   ifname, strerror(-err));
	} else if (err == -ESTALE) {
		err = remove_pins(info->dir);
		if (err)
			return xs_ctl_fail(err, "cannot remove stale pins in %s: %s",
					   info->dir, strerror(-err));
	} else if (err != -ENOENT) {
		return err;
	}
	err = clear_foreign(ifname, ifindex, force);
	if (err)
		return err;

	skel = xsock__open();
	if (!skel)
		return xs_ctl_fail(-errno, "cannot open the BPF object: %s", strerror(errno));
	err = xsock__load(skel);
	if (err) {
		xs_ctl_fail(err, "cannot load the XDP program: %s (xsockctl -d shows the verifier log)",
			    strerror(-err));
		goto out;
	}
	prog_fd = bpf_program__fd(skel->progs.xsock_steer);

	used = mode == XS_ATTACH_GENERIC ? XS_ATTACH_GENERIC : XS_ATTACH_NATIVE;
	opts.flags = used == XS_ATTACH_NATIVE ? XDP_FLAGS_DRV_MODE : XDP_FLAGS_SKB_MODE;
	link_fd = bpf_link_create(prog_fd, ifindex, BPF_XDP, &opts);
	if (link_fd < 0 && mode == XS_ATTACH_AUTO &&
	    (link_fd == -EOPNOTSUPP || link_fd == -EINVAL)) {
		used = XS_ATTACH_GENERIC;
		opts.flags = XDP_FLAGS_SKB_MODE;
		link_fd = bpf_link_create(prog_fd, ifindex, BPF_XDP, &opts);
	}
	if (link_fd < 0) {
		err = link_fd;
		xs_ctl_fail(err, "%s: cannot attach in %s mode: %s", ifname,
			    xs_attach_mode_name(used), strerror(-err));
		goto out;
	}

	err = xs_ctl_mkdir_p(info->dir, 0700);
	if (err) {
		xs_ctl_fail(err, "cannot create %s: %s", info->dir, strerror(-err));
		goto out_detach;
	}
	err = pin_all(skel, link_fd, info->dir);
	if (err)
		goto out_unpin;
	err = seed_config(info->dir, bpf_map__fd(skel->maps.config));
	if (err) {
		xs_ctl_fail(err, "cannot initialise the config map: %s", strerror(-err));
		goto out_unpin;
	}

	info->ifindex = ifindex;
	info->mode = used;
	err = link_info(link_fd, &info->link_id, &info->prog_id, &ifindex);
	goto out;

out_unpin:
	remove_pins(info->dir);
out_detach:
	bpf_link_detach(link_fd);
out:
	if (link_fd >= 0)
		close(link_fd);
	xsock__destroy(skel);
	return err;
}

int xs_ctl_detach(const char *ifname)
{
	struct xs_attach_info info;
	char ns_dir[PATH_MAX];
	int err;

	xs_ctl_clear_error();
	err = check_root();
	if (err)
		return err;
	err = xs_ctl_bpffs_prepare(false);
	if (err == -ENOENT)
		return xs_ctl_fail(-ENOENT, "%s: xsock is not attached", ifname);
	if (err)
		return err;
	err = pin_state(ifname, &info);
	if (err == -ESTALE) {
		remove_pins(info.dir);
		return xs_ctl_fail(-ENOENT, "%s: xsock is not attached (removed stale pins)",
				   ifname);
	}
	if (err == -ENOENT && !if_nametoindex(ifname))
		return xs_ctl_fail(-ENODEV, "%s: no such interface", ifname);
	if (err == -ENOENT)
		return xs_ctl_fail(-ENOENT, "%s: xsock is not attached", ifname);
	if (err)
		return err;
	err = detach_dir(info.dir);
	if (err)
		return xs_ctl_fail(err, "%s: cannot detach: %s", ifname, strerror(-err));
	/* The namespace's directory goes with its last interface. */
	if (!xs_ctl_netns_dir(ns_dir, sizeof(ns_dir)))
		rmdir(ns_dir);
	return 0;
}
