#!/bin/bash
# vmtest stage 2: runs inside the guest as root, chrooted into the host's
# root file system (read-only 9p, tmpfs on /tmp /run /var/tmp, the project
# tree read-write).  Sets up what the tests expect of a machine, checks the
# kernel has what xsock needs, then runs the suite; its exit status is
# ours, and vmtest/init hands it to the host.
#
# Settings come from /run/xsvm/env, written by vmtest/run.sh.
set -u

# shellcheck source=/dev/null
. /run/xsvm/env
export PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
export HOME=/root TERM=dumb LC_ALL=C.UTF-8
export BUILD=$XSVM_BUILD

say() { echo "vmtest-guest: $*"; }

# What a host normally has mounted; the net tests and xsockctl rely on it.
mkdir -p /dev/pts /dev/shm /run/netns /run/xsock /run/lock
mount -t devpts -o newinstance,ptmxmode=0666 devpts /dev/pts
mount -t tmpfs -o mode=1777 tmpfs /dev/shm
mount -t bpf -o mode=0700 bpffs /sys/fs/bpf
mount -t debugfs debugfs /sys/kernel/debug
mount -t tracefs tracefs /sys/kernel/tracing 2>/dev/null
mount -t cgroup2 cgroup2 /sys/fs/cgroup 2>/dev/null
[ -e /dev/fd ] || ln -s /proc/self/fd /dev/fd
hostname vmtest 2>/dev/null
ip link set lo up
ulimit -l unlimited	# BPF memory counts against RLIMIT_MEMLOCK before 5.11
ulimit -n 65536

# Modules: the guest kernel's own, from the host's /lib/modules (or the
# tree given with --modules).  A kernel with everything built in has none.
kver=$(uname -r)
modroot=${XSVM_MODROOT:-/}
if [ -d "$modroot/lib/modules/$kver" ]; then
	for m in $XSVM_MODULES; do
		if ! out=$(modprobe -d "$modroot" "$m" 2>&1); then
			say "modprobe $m: ${out:-failed} (tests that need it will skip or fail)"
		fi
	done
else
	say "no modules for $kver under $modroot/lib/modules: relying on built-in drivers"
fi

say "Linux $kver, $(nproc) CPUs, $(awk '/MemTotal/ {print int($2/1024)}' /proc/meminfo) MiB"

probe=$XSVM_TOP/$XSVM_BUILD/xsock-featprobe
case $XSVM_BUILD in /*) probe=$XSVM_BUILD/xsock-featprobe ;; esac
if [ "$XSVM_FEATPROBE" = 1 ]; then
	if [ -x "$probe" ]; then
		if ! "$probe"; then
			say "the guest kernel lacks features xsock needs (above); not running the tests"
			exit 3
		fi
	else
		say "$probe not built: skipping the kernel feature probe"
	fi
fi

cd "$XSVM_TOP" || exit 125
if [ -n "$XSVM_CMD" ]; then
	say "running: $XSVM_CMD"
	bash -c "$XSVM_CMD"
else
	args=(--only "$XSVM_SUITES")
	[ -n "$XSVM_FILTER" ] && args+=(--filter "$XSVM_FILTER")
	say "running: tests/run.sh ${args[*]}"
	bash tests/run.sh "${args[@]}"
fi
