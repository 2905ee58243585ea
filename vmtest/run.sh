#!/bin/bash
# Runs xsock's tests inside a qemu VM on a kernel of your choice and exits
# with their status.  See docs/vmtest.md.
#
#   vmtest/run.sh [--kernel BZIMAGE] [--modules ROOT] [--tests REGEX]
#                 [--suite net[,unit,bpf]] [--smoke] [--cmd 'COMMAND']
#                 [--timeout SECONDS] [--accel auto|kvm|tcg] [--mem MiB]
#
# --kernel   bzImage to boot (default: Debian's linux-image-amd64 kernel)
# --modules  directory holding lib/modules/VERSION for that kernel
#            (default /; as installed by make modules_install INSTALL_MOD_PATH=)
# --tests    passed to tests/run.sh --filter (a regex over test names)
# --suite    passed to tests/run.sh --only (default: net)
# --smoke    the CI subset: --tests '^test_(smoke|attach|kernel_traffic|udp_echo)'
# --cmd      run COMMAND in the project tree instead of tests/run.sh
# --no-featprobe  skip the kernel feature check before the tests
# Environment: VMTEST_TIMEOUT (900), VMTEST_ACCEL, VMTEST_MEM (2048),
# VMTEST_SMP (2), VMTEST_KVM_PROBE_TIMEOUT (20), VMTEST_VERBOSE=1 (full
# boot log), VMTEST_DMESG_IGNORE (regex of kernel log lines to tolerate).
#
# Exit status: the tests' own status when they ran to the end and the kernel
# log is clean; 1 when the kernel log shows a splat; 124 when the guest did
# not finish in time; 125 when the guest could not boot or set up, or the
# kernel panicked.
set -u

SMOKE_TESTS='^test_(smoke|attach|kernel_traffic|udp_echo)'
# Kernel log lines that fail the run (extended regex).
SPLAT_RE='BUG:|WARNING:|KASAN|UBSAN|Oops|kernel BUG at|general protection fault|[Vv]erifier (bug|backtracking bug|internal error)|INFO: task .* blocked for more than'

top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top" || exit 125
BUILD=${BUILD:-build}

kernel="" modroot="/" filter="" suites="net" cmd=""
timeout_s=${VMTEST_TIMEOUT:-900}
accel=${VMTEST_ACCEL:-auto}
mem=${VMTEST_MEM:-2048}
smp=${VMTEST_SMP:-2}
probe_timeout=${VMTEST_KVM_PROBE_TIMEOUT:-20}
featprobe=1

die() { echo "vmtest: $*" >&2; exit 125; }

while [ $# -gt 0 ]; do
	case "$1" in
	--kernel) kernel=$2; shift 2 ;;
	--modules) modroot=$2; shift 2 ;;
	--tests) filter=$2; shift 2 ;;
	--suite) suites=$2; shift 2 ;;
	--smoke) filter=$SMOKE_TESTS; shift ;;
	--cmd) cmd=$2; shift 2 ;;
	--timeout) timeout_s=$2; shift 2 ;;
	--accel) accel=$2; shift 2 ;;
	--mem) mem=$2; shift 2 ;;
	--no-featprobe) featprobe=0; shift ;;
	-h|--help) sed -n '2,25s/^# \{0,1\}//p' "$0"; exit 0 ;;
	*) die "unknown argument '$1' (see vmtest/run.sh --help)" ;;
	esac
done
case $accel in auto|kvm|tcg) ;; *) die "--accel wants auto, kvm or tcg, not '$accel'" ;; esac
case $timeout_s in ''|*[!0-9]*) die "the timeout must be a number of seconds, not '$timeout_s'" ;; esac
case $top in *[[:space:]]*) die "the project path must not contain white space: '$top'" ;; esac

"$top"/tools/install-deps.sh vmtest || die "the vmtest packages are missing (tools/install-deps.sh vmtest)"
qemu=$(command -v qemu-system-x86_64) || die "qemu-system-x86_64 not found"
busybox=$(command -v busybox) || die "busybox not found (apt-get install busybox-static)"
if ldd "$busybox" >/dev/null 2>&1; then
	die "$busybox is dynamically linked; the initramfs needs busybox-static"
fi

# ---- the kernel ------------------------------------------------------------
if [ -z "$kernel" ]; then
	# linux-image-amd64 is a metapackage; its dependency names the kernel.
	dep=$(dpkg-query -W -f='${Depends}' linux-image-amd64 2>/dev/null |
	      grep -o 'linux-image-[^ ,]*' | head -n 1)
	kernel=/boot/vmlinuz-${dep#linux-image-}
	[ -n "$dep" ] && [ -f "$kernel" ] ||
		kernel=$(ls -v /boot/vmlinuz-* 2>/dev/null | tail -n 1)
	[ -n "$kernel" ] || die "no kernel in /boot: apt-get install linux-image-amd64, or pass KERNEL="
fi
[ -r "$kernel" ] || die "cannot read the kernel '$kernel'"

# The release string sits in the bzImage setup header: a pointer at 0x20e,
# relative to 0x200, after the "HdrS" magic at 0x202.
[ "$(dd if="$kernel" bs=1 skip=$((0x202)) count=4 2>/dev/null)" = HdrS ] ||
	die "$kernel is not a bzImage (want arch/x86/boot/bzImage, not vmlinux)"
verptr=$(od -An -tu2 -j $((0x20e)) -N2 "$kernel" | tr -d ' ')
kver=$(dd if="$kernel" bs=1 skip=$((verptr + 0x200)) count=128 2>/dev/null |
       tr '\0' '\n' | head -n 1 | cut -d' ' -f1)
[ -n "$kver" ] || die "cannot read the release of $kernel"
moddir=$modroot/lib/modules/$kver

# ---- the initramfs: busybox, vmtest/init, the 9p modules -----------------
work=$top/$BUILD/vmtest
case $BUILD in /*) work=$BUILD/vmtest ;; esac
rm -rf "$work/initramfs"
mkdir -p "$work/initramfs/bin" "$work/initramfs/lib/modules" || die "cannot create $work"
cp "$busybox" "$work/initramfs/bin/busybox"
cp vmtest/init "$work/initramfs/init"
chmod 0755 "$work/initramfs/init"
: > "$work/initramfs/modules.list"
if [ -d "$moddir" ]; then
	for m in virtio_pci 9pnet_virtio 9p; do
		# "insmod PATH" per module, dependencies first; "builtin NAME" for
		# the built-in ones, which need nothing.
		deps=$(modprobe -d "$modroot" -S "$kver" --show-depends "$m" 2>&1) ||
			{ echo "vmtest: $m: $deps (assuming it is built in)"; continue; }
		while read -r kind path _; do
			[ "$kind" = insmod ] || continue
			base=$(basename "$path")
			base=${base%.xz}; base=${base%.zst}; base=${base%.gz}
			grep -qx "$base" "$work/initramfs/modules.list" && continue
			case $path in
			*.xz) xz -dc "$path" ;;
			*.zst) zstd -qdc "$path" ;;
			*.gz) gzip -dc "$path" ;;
			*) cat "$path" ;;
			esac > "$work/initramfs/lib/modules/$base" || die "cannot unpack $path"
			echo "$base" >> "$work/initramfs/modules.list"
		done <<<"$deps"
	done
else
	echo "vmtest: no $moddir: assuming 9p, virtio and veth are built into $kernel"
fi
initrd=$work/initramfs.cpio.gz
(cd "$work/initramfs" && find . | cpio -o -H newc --quiet | gzip -1) > "$initrd" ||
	die "cannot build $initrd"

state=$(mktemp -d /tmp/xsock-vmtest.XXXXXX) || die "mktemp failed"
qpid=""
cleanup() {
	[ -n "$qpid" ] && kill "$qpid" 2>/dev/null
	rm -rf "$state"
}
trap cleanup EXIT
trap 'echo; echo "vmtest: interrupted"; exit 130' INT TERM

# Start qemu in the background with the console in a file; returns at once.
# $1: accel, $2: console file, $3: extra kernel arguments, then qemu args.
start_qemu() {
	local acc=$1 log=$2 append=$3 cpu=max
	shift 3
	[ "$acc" = kvm ] && cpu=host
	: > "$log"
	"$qemu" -accel "$acc" -cpu "$cpu" -smp "$smp" -m "$mem" \
		-display none -vga none -nodefaults -no-reboot \
		-serial "file:$log" \
		-kernel "$kernel" -initrd "$initrd" \
		-append "console=ttyS0 panic=-1 rdinit=/init mitigations=off $append" \
		"$@" </dev/null >"$log.qemu" 2>&1 &
	qpid=$!
}

stop_qemu() {
	[ -n "$qpid" ] || return
	kill "$qpid" 2>/dev/null
	for _ in 1 2 3 4 5; do
		kill -0 "$qpid" 2>/dev/null || break
		sleep 1
	done
	kill -KILL "$qpid" 2>/dev/null
	wait "$qpid" 2>/dev/null
	qpid=""
}

# ---- KVM when it works, TCG when it does not ------------------------------
# /dev/kvm can exist and still hang qemu, so boot the kernel once with an
# init that powers off at once.  The verdict is kept for this host boot only.
probe_kvm() {
	local log=$state/kvm-probe.log i
	start_qemu kvm "$log" "xsvm.probe quiet"
	for ((i = 0; i < probe_timeout * 2; i++)); do
		kill -0 "$qpid" 2>/dev/null || break
		sleep 0.5
	done
	stop_qemu
	if grep -q VMTEST-PROBE-OK "$log" 2>/dev/null; then
		echo ok
	elif ((i >= probe_timeout * 2)); then
		echo "probe timed out after ${probe_timeout} s"
	else
		echo "qemu: $(grep -v 'warning:' "$log.qemu" | head -n 1)"
	fi
}

if [ "$accel" = auto ]; then
	accel=tcg
	if [ -r /dev/kvm ] && [ -w /dev/kvm ]; then
		cache=/run/xsock-vmtest/kvm.$(cat /proc/sys/kernel/random/boot_id 2>/dev/null)
		verdict=$(cat "$cache" 2>/dev/null) || verdict=""
		if [ -z "$verdict" ]; then
			verdict=$(probe_kvm)
			mkdir -p /run/xsock-vmtest 2>/dev/null && echo "$verdict" > "$cache" 2>/dev/null
		fi
		if [ "$verdict" = ok ]; then
			accel=kvm
			echo "vmtest: using KVM"
		else
			echo "vmtest: KVM unusable ($verdict), using TCG"
		fi
	else
		echo "vmtest: no usable /dev/kvm, using TCG"
	fi
else
	echo "vmtest: using $accel (asked for)"
fi
accel_name=$( [ "$accel" = kvm ] && echo KVM || echo TCG )

# ---- the run ----------------------------------------------------------------
modules_wanted="veth sch_netem bridge"
{
	printf 'XSVM_TOP=%q\n' "$top"
	printf 'XSVM_BUILD=%q\n' "$BUILD"
	printf 'XSVM_SUITES=%q\n' "$suites"
	printf 'XSVM_FILTER=%q\n' "$filter"
	printf 'XSVM_CMD=%q\n' "$cmd"
	printf 'XSVM_MODROOT=%q\n' "$modroot"
	printf 'XSVM_MODULES=%q\n' "$modules_wanted"
	printf 'XSVM_FEATPROBE=%q\n' "$featprobe"
} > "$state/env"
echo "$top" > "$state/top"

quiet=quiet
[ "${VMTEST_VERBOSE:-0}" = 1 ] && quiet=""
console=$work/console.log
echo "vmtest: booting $kernel (Linux $kver) with $accel_name, ${smp} CPUs, ${mem} MiB, timeout ${timeout_s} s"
echo "vmtest: tests: tests/run.sh --only $suites${filter:+ --filter '$filter'}${cmd:+ (replaced by: $cmd)}"
start_time=$(date +%s.%N)
fs="security_model=none,multidevs=remap"
start_qemu "$accel" "$console" "$quiet" \
	-fsdev "local,id=hostroot,path=/,readonly=on,$fs" \
	-device virtio-9p-pci,fsdev=hostroot,mount_tag=hostroot \
	-fsdev "local,id=xstree,path=$top,$fs" \
	-device virtio-9p-pci,fsdev=xstree,mount_tag=xstree \
	-fsdev "local,id=xsvm,path=$state,$fs" \
	-device virtio-9p-pci,fsdev=xsvm,mount_tag=xsvm

# The console, live; tail stops by itself once qemu is gone.
tail -n +1 -f --pid="$qpid" "$console" 2>/dev/null &
tailpid=$!

timed_out=0
deadline=$(($(date +%s) + timeout_s))
while kill -0 "$qpid" 2>/dev/null; do
	if [ "$(date +%s)" -ge "$deadline" ]; then
		timed_out=1
		echo
		echo "vmtest: guest did not finish within $timeout_s s (hang?); stopping qemu"
		stop_qemu
		break
	fi
	sleep 1
done
[ -n "$qpid" ] && wait "$qpid"
qemu_rc=$?
qpid=""
wait "$tailpid" 2>/dev/null
end_time=$(date +%s.%N)

# ---- the verdict ------------------------------------------------------------
tr -d '\r' < "$console" > "$work/console.txt" 2>/dev/null
mv "$work/console.txt" "$console"
[ -f "$state/dmesg" ] && cp "$state/dmesg" "$work/dmesg.log"

boot=$(sed -n 's/^VMTEST-BOOTED uptime=\([0-9.]*\).*/\1/p' "$console" | tail -n 1)
total=$(awk -v a="$start_time" -v b="$end_time" 'BEGIN { printf "%.0f", b - a }')
timing="Linux $kver, $accel_name, boot ${boot:-?} s, total $total s"

status=""
reason=""
if [ "$timed_out" = 1 ]; then
	status=124
	reason="guest did not finish within $timeout_s s (hang?)"
elif grep -q 'Kernel panic - not syncing' "$console"; then
	status=125
	reason="guest kernel panicked: $(grep -m1 'Kernel panic - not syncing' "$console" | sed 's/^\[[ 0-9.]*\] //')"
elif [ -f "$state/rc" ]; then
	status=$(cat "$state/rc")
elif grep -q '^VMTEST-EXIT: ' "$console"; then
	status=$(sed -n 's/^VMTEST-EXIT: \([0-9]*\).*/\1/p' "$console" | tail -n 1)
	reason=$(sed -n 's/^vmtest-init: FATAL: //p' "$console" | head -n 1)
	[ -n "$reason" ] && reason="guest setup failed: $reason"
else
	status=125
	reason="guest stopped without reporting a status (qemu exit $qemu_rc; see $console)"
	[ -s "$console.qemu" ] && sed 's/^/  qemu: /' "$console.qemu" | head -n 5
fi
case $status in ''|*[!0-9]*) status=125; reason="garbled status from the guest" ;; esac

# The kernel log: the guest's own dump when it got that far, otherwise
# whatever reached the console.
klog=$state/dmesg
[ -f "$klog" ] || klog=$console
splat=$(grep -E -- "$SPLAT_RE" "$klog" |
	{ if [ -n "${VMTEST_DMESG_IGNORE:-}" ]; then grep -Ev -- "$VMTEST_DMESG_IGNORE"; else cat; fi } |
	grep -v '^VMTEST' | head -n 1)
if [ -n "$splat" ]; then
	echo "vmtest: the guest kernel log has a splat (full log: $work/dmesg.log):"
	grep -F -B2 -A20 -m1 -- "$splat" "$klog" | sed 's/^/  /'
	splat=$(printf '%s' "$splat" | sed 's/^\[[ 0-9.]*\] //')
	if [ "$status" = 0 ]; then
		status=1
		reason="kernel log: $splat"
	else
		reason="${reason:+$reason; }kernel log: $splat"
	fi
fi

if [ "$status" = 0 ]; then
	echo "vmtest: PASS ($timing)"
else
	[ -z "$reason" ] && reason="tests exited with status $status"
	echo "vmtest: FAIL: $reason ($timing)"
fi
exit "$status"
