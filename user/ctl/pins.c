// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * Where the pins live, and making sure every process of the host sees the
 * same ones.
 *
 * `ip netns exec` runs its command in a private mount namespace, so a bpffs
 * mounted from inside it disappears (with every pin) when the command exits.
 * When our mount namespace is not the host's (pid 1's, see xs_ctl_host_ns),
 * the bpffs is therefore mounted in the host's namespace and a clone of that mount (open_tree) is moved into
 * ours: both then show one superblock, and the pins outlive us.  Switching
 * mount namespace needs a single-threaded process, so a forked child does
 * it; the child shares our mount namespace, so what it mounts is ours.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>
#include <linux/magic.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "ctl/ctl.h"

/* glibc 2.36's headers may lack the wrappers; the numbers are the same on
 * every architecture that has these calls. */
#ifndef SYS_open_tree
#define SYS_open_tree 428
#endif
#ifndef SYS_move_mount
#define SYS_move_mount 429
#endif
#ifndef OPEN_TREE_CLONE
#define OPEN_TREE_CLONE 1
#endif
#ifndef OPEN_TREE_CLOEXEC
#define OPEN_TREE_CLOEXEC O_CLOEXEC
#endif
#ifndef MOVE_MOUNT_F_EMPTY_PATH
#define MOVE_MOUNT_F_EMPTY_PATH 0x00000004
#endif

const char *const xs_ctl_map_names[XS_CTL_MAP_NR] = {
	[XS_CTL_XSKS] = XS_MAP_XSKS,
	[XS_CTL_FLOWS] = XS_MAP_FLOWS,
	[XS_CTL_LISTENERS] = XS_MAP_LISTENERS,
	[XS_CTL_PORT_GATE] = XS_MAP_PORT_GATE,
	[XS_CTL_STATS] = XS_MAP_STATS,
	[XS_CTL_CONFIG] = XS_MAP_CONFIG,
	[XS_CTL_STACKS] = XS_MAP_STACKS,
};

bool xs_ctl_map_optional(enum xs_ctl_map map)
{
	/* Added after the first release: pin directories made before it lack
	 * the map, and xsockctl stats must still work on them. */
	return map == XS_CTL_STACKS;
}

int xs_ctl_map_max_entries(int fd)
{
	struct bpf_map_info info;
	__u32 len = sizeof(info);

	memset(&info, 0, sizeof(info));
	if (bpf_obj_get_info_by_fd(fd, &info, &len))
		return -1;
	return info.max_entries;
}

int xs_ctl_pin_root(char *buf, size_t len)
{
	const char *root = getenv(XS_PIN_ROOT_ENV);

	if (!root || !*root)
		root = XS_PIN_ROOT_DEFAULT;
	/* The bpffs import runs in another mount namespace's cwd. */
	if (root[0] != '/')
		return xs_ctl_fail(-EINVAL, "%s must be an absolute path (is '%s')",
				   XS_PIN_ROOT_ENV, root);
	if ((size_t)snprintf(buf, len, "%s", root) >= len)
		return xs_ctl_fail(-ENAMETOOLONG, "pin root '%s' is too long", root);
	return 0;
}

int xs_ctl_netns_dir(char *buf, size_t len)
{
	char root[PATH_MAX];
	struct stat st;
	int err;

	err = xs_ctl_pin_root(root, sizeof(root));
	if (err)
		return err;
	if (stat("/proc/self/ns/net", &st))
		return xs_ctl_fail(-errno, "cannot identify the network namespace: %s",
				   strerror(errno));
	if ((size_t)snprintf(buf, len, "%s/netns-%llu", root,
			     (unsigned long long)st.st_ino) >= len)
		return -ENAMETOOLONG;
	return 0;
}

int xs_ctl_iface_dir(const char *ifname, char *buf, size_t len)
{
	char ns[PATH_MAX];
	int err;

	if (!ifname || !*ifname || strlen(ifname) >= IF_NAMESIZE ||
	    strchr(ifname, '/') || !strcmp(ifname, ".") || !strcmp(ifname, ".."))
		return xs_ctl_fail(-EINVAL, "invalid interface name '%s'",
				   ifname ? ifname : "");
	err = xs_ctl_netns_dir(ns, sizeof(ns));
	if (err)
		return err;
	if ((size_t)snprintf(buf, len, "%s/%s", ns, ifname) >= len)
		return -ENAMETOOLONG;
	return 0;
}

int xs_ctl_pin_path(char *buf, size_t len, const char *dir, const char *name)
{
	int n = snprintf(buf, len, "%s/%s", dir, name);

	return n < 0 || (size_t)n >= len ? -ENAMETOOLONG : 0;
}

int xs_ctl_mkdir_p(const char *path, mode_t mode)
{
	char tmp[PATH_MAX];
	size_t len = strlen(path);

	if (len >= sizeof(tmp))
		return -ENAMETOOLONG;
	memcpy(tmp, path, len + 1);
	for (char *p = tmp + 1; *p; p++) {
		if (*p != '/')
			continue;
		*p = '\0';
		if (mkdir(tmp, mode) && errno != EEXIST)
			return -errno;
		*p = '/';
	}
	if (mkdir(tmp, mode) && errno != EEXIST)
		return -errno;
	return 0;
}

static bool is_bpffs(const char *path)
{
	struct statfs st;

	return statfs(path, &st) == 0 && st.f_type == BPF_FS_MAGIC;
}

static pid_t parent_of(pid_t pid)
{
	char path[64], buf[512], *p;
	ssize_t len;
	int fd, ppid;

	snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return 0;
	len = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (len <= 0)
		return 0;
	buf[len] = '\0';
	p = strrchr(buf, ')');	/* the command name may hold spaces */
	if (!p || sscanf(p + 1, " %*c %d", &ppid) != 1)
		return 0;
	return ppid;
}

/*
 * The host's namespace of kind `ns` ("mnt", "net"): pid 1's, or where pid 1
 * is out of reach (some sandboxes hide it even from root) that of our
 * outermost reachable ancestor, which is the session that ran `ip netns
 * exec`.  Returns 1 with its /proc path in buf when it differs from ours,
 * 0 when it is ours, a negative errno when none can be read.
 */
int xs_ctl_host_ns(const char *ns, char *buf, size_t len)
{
	pid_t chain[64];
	struct stat self, host;
	char path[64];
	int n = 0;

	snprintf(path, sizeof(path), "/proc/self/ns/%s", ns);
	if (stat(path, &self))
		return -errno;
	chain[n++] = 1;
	/* Our ancestors, outermost first after pid 1. */
	for (pid_t p = parent_of(getpid()); p > 1 && n < 64; p = parent_of(p))
		chain[n++] = p;
	for (int i = 0; i < n; i++) {
		int idx = i == 0 ? 0 : n - i;	/* 1, then the outermost ancestor */
		int fd;

		snprintf(path, sizeof(path), "/proc/%d/ns/%s", (int)chain[idx], ns);
		fd = open(path, O_RDONLY | O_CLOEXEC);
		if (fd < 0)
			continue;
		if (fstat(fd, &host)) {
			close(fd);
			continue;
		}
		close(fd);
		if (host.st_dev == self.st_dev && host.st_ino == self.st_ino)
			return 0;
		snprintf(buf, len, "%s", path);
		return 1;
	}
	return -EACCES;
}

/*
 * The forked child: find (or with `create` mount) the bpffs at `root` in
 * pid 1's mount namespace, clone that mount and attach the clone at `root`
 * in our namespace.  Async-signal-safe calls only: the parent may have had
 * threads.  Returns a positive errno (the exit status) or 0.
 */
static int import_child(const char *root, const char *host_ns, bool create)
{
	char fdpath[64], chroot_path[PATH_MAX];
	int self_ns, init_ns, self_root, tree, err;
	ssize_t n;

	self_ns = open("/proc/self/ns/mnt", O_RDONLY | O_CLOEXEC);
	init_ns = open(host_ns, O_RDONLY | O_CLOEXEC);
	/* setns() of a mount namespace moves our root to that namespace's
	 * root: inside a chroot we must return to it before attaching. */
	self_root = open("/", O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (self_ns < 0 || init_ns < 0 || self_root < 0)
		return errno;
	if (setns(init_ns, CLONE_NEWNS))
		return errno;
	/* Inside a chroot, mount where the chroot's other processes look: our
	 * old root, as this namespace names it. */
	snprintf(fdpath, sizeof(fdpath), "/proc/self/fd/%d", self_root);
	n = readlink(fdpath, chroot_path, sizeof(chroot_path) - 1);
	if (n > 1) {
		chroot_path[n] = '\0';
		if (chroot(chroot_path) || chdir("/"))
			return errno;
	}
	if (!is_bpffs(root)) {
		if (!create)
			return ENOENT;
		err = xs_ctl_mkdir_p(root, 0755);
		if (err)
			return -err;
		if (mount("bpf", root, "bpf", 0, "mode=0700"))
			return errno;
	}
	tree = syscall(SYS_open_tree, AT_FDCWD, root, OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC);
	if (tree < 0)
		return errno;
	if (setns(self_ns, CLONE_NEWNS))
		return errno;
	if (fchdir(self_root) || chroot("."))
		return errno;
	/* A shared or slave /run may already have propagated the mount. */
	if (is_bpffs(root))
		return 0;
	err = xs_ctl_mkdir_p(root, 0755);
	if (err)
		return -err;
	if (syscall(SYS_move_mount, tree, "", AT_FDCWD, root, MOVE_MOUNT_F_EMPTY_PATH))
		return errno;
	return 0;
}

static int import_from_host(const char *root, const char *host_ns, bool create)
{
	int status;
	pid_t pid;

	pid = fork();
	if (pid < 0)
		return -errno;
	if (pid == 0)
		_exit(import_child(root, host_ns, create));
	while (waitpid(pid, &status, 0) < 0)
		if (errno != EINTR)
			return -errno;
	if (!WIFEXITED(status))
		return -ECHILD;
	return -WEXITSTATUS(status);
}

int xs_ctl_bpffs_prepare(bool create)
{
	char root[PATH_MAX], host_ns[64];
	int err;

	err = xs_ctl_pin_root(root, sizeof(root));
	if (err)
		return err;
	if (is_bpffs(root))
		return 0;

	if (xs_ctl_host_ns("mnt", host_ns, sizeof(host_ns)) == 1) {
		err = import_from_host(root, host_ns, create);
		if (err == -ENOENT)
			return xs_ctl_fail(-ENOENT, "no bpffs at %s", root);
		if (err)
			return xs_ctl_fail(err, "cannot mount bpffs at %s in the host mount namespace (%s): %s",
					   root, host_ns, strerror(-err));
		if (!is_bpffs(root))
			return xs_ctl_fail(-EIO, "bpffs at %s mounted but not visible here", root);
		return 0;
	}

	/* The host's mount namespace is ours (or out of reach): mount here. */
	if (!create)
		return xs_ctl_fail(-ENOENT, "no bpffs at %s", root);
	err = xs_ctl_mkdir_p(root, 0755);
	if (err)
		return xs_ctl_fail(err, "cannot create %s: %s", root, strerror(-err));
	if (is_bpffs(root))	/* root is a directory inside a bpffs */
		return 0;
	if (mount("bpf", root, "bpf", 0, "mode=0700"))
		return xs_ctl_fail(-errno, "cannot mount bpffs at %s: %s", root,
				   strerror(errno));
	return 0;
}

int xs_ctl_lock_dir(const char *dir)
{
	int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);

	if (fd < 0)
		return -errno;
	while (flock(fd, LOCK_EX)) {
		if (errno != EINTR) {
			int err = -errno;

			close(fd);
			return err;
		}
	}
	return fd;
}

void xs_ctl_unlock_dir(int fd)
{
	if (fd >= 0)
		close(fd);	/* drops the flock */
}

static int name_cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

int xs_ctl_for_each_iface(int (*cb)(const char *ifname, void *ctx), void *ctx)
{
	char ns[PATH_MAX];
	char **names = NULL;
	size_t n = 0, cap = 0;
	struct dirent *de;
	int err = 0;
	DIR *d;

	err = xs_ctl_netns_dir(ns, sizeof(ns));
	if (err)
		return err;
	d = opendir(ns);
	if (!d)
		return errno == ENOENT ? 0 : -errno;
	while ((de = readdir(d))) {
		if (de->d_name[0] == '.' || strlen(de->d_name) >= IF_NAMESIZE)
			continue;
		if (n == cap) {
			char **tmp = realloc(names, (cap = cap ? 2 * cap : 8) * sizeof(*names));

			if (!tmp) {
				err = -ENOMEM;
				goto out;
			}
			names = tmp;
		}
		names[n] = strdup(de->d_name);
		if (!names[n]) {
			err = -ENOMEM;
			goto out;
		}
		n++;
	}
	qsort(names, n, sizeof(*names), name_cmp);
	for (size_t i = 0; i < n && !err; i++)
		err = cb(names[i], ctx);
out:
	closedir(d);
	for (size_t i = 0; i < n; i++)
		free(names[i]);
	free(names);
	return err;
}

int xs_ctl_open(struct xs_ctl *c, const char *ifname)
{
	struct xs_attach_info info;
	char path[PATH_MAX];
	int err;

	memset(c, 0, sizeof(*c));
	for (int i = 0; i < XS_CTL_MAP_NR; i++)
		c->map_fd[i] = -1;
	err = xs_ctl_query(ifname, &info);
	if (err)
		return err;
	snprintf(c->ifname, sizeof(c->ifname), "%s", ifname);
	snprintf(c->dir, sizeof(c->dir), "%s", info.dir);
	c->ncpus = libbpf_num_possible_cpus();
	if (c->ncpus <= 0)
		return c->ncpus ? c->ncpus : -EINVAL;
	for (int i = 0; i < XS_CTL_MAP_NR; i++) {
		c->map_fd[i] = xs_ctl_pin_path(path, sizeof(path), c->dir, xs_ctl_map_names[i]);
		if (!c->map_fd[i])
			c->map_fd[i] = bpf_obj_get(path);
		if (c->map_fd[i] < 0 && errno == ENOENT && xs_ctl_map_optional(i)) {
			c->map_fd[i] = -1;
			continue;
		}
		if (c->map_fd[i] < 0) {
			err = -errno;
			xs_ctl_close(c);
			return xs_ctl_fail(err, "%s: cannot open pinned map %s: %s",
					   ifname, path, strerror(-err));
		}
	}
	return 0;
}

void xs_ctl_close(struct xs_ctl *c)
{
	for (int i = 0; i < XS_CTL_MAP_NR; i++) {
		if (c->map_fd[i] >= 0)
			close(c->map_fd[i]);
		c->map_fd[i] = -1;
	}
}
