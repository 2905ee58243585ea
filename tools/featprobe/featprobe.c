// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * xsock-featprobe: asks the running kernel for every feature xsock depends
 * on and names the ones it lacks, with the Linux release that introduced
 * each.  vmtest runs it in the guest before any test, so an old or
 * under-configured kernel fails with "missing: X (Linux N)" instead of a
 * test failing somewhere deep inside libbpf.
 *
 * Every probe runs in a fresh network namespace: the XDP link probe attaches
 * to that namespace's loopback and never touches the caller's interfaces.
 *
 *   xsock-featprobe [-q]     exit 0: all present, 1: something missing,
 *                            2: the probe itself could not run
 */
#include <errno.h>
#include <fcntl.h>
#include <linux/if_link.h>
#include <net/if.h>
#include <sched.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/utsname.h>
#include <unistd.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#ifndef AF_XDP
#define AF_XDP 44
#endif
#ifndef OPEN_TREE_CLONE
#define OPEN_TREE_CLONE 1
#endif
#ifndef OPEN_TREE_CLOEXEC
#define OPEN_TREE_CLOEXEC O_CLOEXEC
#endif

/* A probe returns 0 when the feature is there, else a negative errno. */
struct xs_feature {
	const char *name;
	const char *since;	/* first Linux release that has it */
	int (*probe)(void);
};

static int xs_errno(void)
{
	return errno ? -errno : -EINVAL;
}

static int xs_xdp_prog_load(void)
{
	/* r0 = XDP_PASS; exit */
	const struct bpf_insn insns[] = {
		{ .code = BPF_ALU64 | BPF_MOV | BPF_K, .dst_reg = BPF_REG_0, .imm = XDP_PASS },
		{ .code = BPF_JMP | BPF_EXIT },
	};

	return bpf_prog_load(BPF_PROG_TYPE_XDP, "xs_probe", "GPL", insns,
			     sizeof(insns) / sizeof(insns[0]), NULL);
}

static int probe_bpf_syscall(void)
{
	int fd = bpf_map_create(BPF_MAP_TYPE_ARRAY, NULL, 4, 4, 1, NULL);

	if (fd < 0)
		return xs_errno();
	close(fd);
	return 0;
}

static int probe_xdp_prog(void)
{
	int fd = xs_xdp_prog_load();

	if (fd < 0)
		return xs_errno();
	close(fd);
	return 0;
}

static int probe_xskmap(void)
{
	int fd = bpf_map_create(BPF_MAP_TYPE_XSKMAP, NULL, 4, 4, 1, NULL);

	if (fd < 0)
		return xs_errno();
	close(fd);
	return 0;
}

static int probe_af_xdp(void)
{
	int fd = socket(AF_XDP, SOCK_RAW | SOCK_CLOEXEC, 0);

	if (fd < 0)
		return xs_errno();
	close(fd);
	return 0;
}

static int probe_skc_lookup_tcp(void)
{
	int ret = libbpf_probe_bpf_helper(BPF_PROG_TYPE_XDP,
					  BPF_FUNC_skc_lookup_tcp, NULL);

	if (ret < 0)
		return ret;
	return ret == 1 ? 0 : -EOPNOTSUPP;
}

static int probe_mmapable_array(void)
{
	LIBBPF_OPTS(bpf_map_create_opts, opts, .map_flags = BPF_F_MMAPABLE);
	long page = sysconf(_SC_PAGESIZE);
	void *mem;
	int fd, ret = 0;

	fd = bpf_map_create(BPF_MAP_TYPE_ARRAY, NULL, 4, 8, 1, &opts);
	if (fd < 0)
		return xs_errno();
	mem = mmap(NULL, page, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	if (mem == MAP_FAILED)
		ret = xs_errno();
	else
		munmap(mem, page);
	close(fd);
	return ret;
}

static int probe_xdp_link(void)
{
	int prog_fd, link_fd, ifindex, ret = 0;

	ifindex = if_nametoindex("lo");
	if (!ifindex)
		return xs_errno();
	prog_fd = xs_xdp_prog_load();
	if (prog_fd < 0)
		return xs_errno();
	/* No mode flag: the kernel picks generic XDP for lo. */
	link_fd = bpf_link_create(prog_fd, ifindex, BPF_XDP, NULL);
	if (link_fd < 0)
		ret = xs_errno();
	else
		close(link_fd);	/* the last reference detaches it */
	close(prog_fd);
	return ret;
}

static int probe_open_tree(void)
{
	int fd = syscall(SYS_open_tree, AT_FDCWD, "/proc",
			 OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC);

	if (fd < 0)
		return xs_errno();
	close(fd);
	return 0;
}

static int probe_move_mount(void)
{
	/* Bad descriptors on purpose: anything but ENOSYS means it exists. */
	if (syscall(SYS_move_mount, -1, "", -1, "", 0) < 0 && errno == ENOSYS)
		return -ENOSYS;
	return 0;
}

static const struct xs_feature xs_features[] = {
	{ "bpf() syscall",			"3.18", probe_bpf_syscall },
	{ "XDP programs",			"4.8",  probe_xdp_prog },
	{ "XSKMAP",				"4.18", probe_xskmap },
	{ "AF_XDP sockets",			"4.18", probe_af_xdp },
	{ "open_tree(2)",			"5.2",  probe_open_tree },
	{ "move_mount(2)",			"5.2",  probe_move_mount },
	{ "bpf_skc_lookup_tcp in XDP",		"5.2",  probe_skc_lookup_tcp },
	{ "BPF_F_MMAPABLE arrays",		"5.5",  probe_mmapable_array },
	{ "XDP bpf_link (BPF_LINK_CREATE)",	"5.9",  probe_xdp_link },
};

#define XS_OLDEST_KERNEL "5.9"

static int xs_quiet;

static int xs_silent_print(enum libbpf_print_level level, const char *fmt,
			   va_list ap)
{
	return 0;
}

int main(int argc, char **argv)
{
	const struct rlimit unlimited = { RLIM_INFINITY, RLIM_INFINITY };
	char missing[512] = "";
	struct utsname uts;
	size_t i;
	int nmissing = 0;

	if (argc > 1 && !strcmp(argv[1], "-q"))
		xs_quiet = 1;
	else if (argc > 1) {
		fprintf(stderr, "usage: xsock-featprobe [-q]\n");
		return 2;
	}

	libbpf_set_print(xs_silent_print);
	/* Before 5.11 BPF memory is charged to RLIMIT_MEMLOCK. */
	setrlimit(RLIMIT_MEMLOCK, &unlimited);
	uname(&uts);

	if (unshare(CLONE_NEWNET) < 0) {
		fprintf(stderr, "xsock-featprobe: unshare(CLONE_NEWNET): %s "
			"(needs root and CONFIG_NET_NS)\n", strerror(errno));
		return 2;
	}

	if (!xs_quiet)
		printf("xsock-featprobe: Linux %s\n", uts.release);
	for (i = 0; i < sizeof(xs_features) / sizeof(xs_features[0]); i++) {
		const struct xs_feature *f = &xs_features[i];
		int ret;

		errno = 0;
		ret = f->probe();
		if (!ret) {
			if (!xs_quiet)
				printf("  ok       %-32s (Linux %s)\n", f->name, f->since);
			continue;
		}
		nmissing++;
		printf("  MISSING  %-32s (Linux %s): %s\n", f->name, f->since,
		       strerror(-ret));
		snprintf(missing + strlen(missing), sizeof(missing) - strlen(missing),
			 "%s%s (Linux %s)", nmissing > 1 ? ", " : "", f->name, f->since);
	}

	if (nmissing) {
		printf("xsock-featprobe: missing: %s; xsock needs Linux %s or newer "
		       "with BPF, XDP sockets and network namespaces (see docs/vmtest.md)\n",
		       missing, XS_OLDEST_KERNEL);
		return 1;
	}
	if (!xs_quiet)
		printf("xsock-featprobe: all features present\n");
	return 0;
}
