#!/bin/sh
# Install the Debian packages xsock needs that are missing; quiet when all
# are present.  Groups: base (build and tests, the default), vmtest, apps
# (the real programs the net tests and benchmarks run).
#   tools/install-deps.sh [--check] [base] [vmtest] [apps]
# --check lists what is missing and exits 1 if anything is, installing nothing.
set -eu

base="make gcc libc6-dev pkg-config clang llvm bpftool libbpf-dev libxdp-dev
      libelf-dev zlib1g-dev libcriterion-dev iproute2 ethtool iputils-ping
      socat netcat-openbsd procps kmod util-linux libclang-rt-14-dev python3
      curl"
vmtest="qemu-system-x86 linux-image-amd64 busybox-static cpio"
apps="iperf3 nginx-light redis-server redis-tools wrk sockperf"

check=0
groups=""
for arg in "$@"; do
	case "$arg" in
	--check) check=1 ;;
	base|vmtest|apps) groups="$groups $arg" ;;
	-h|--help) sed -n '2,7s/^# \{0,1\}//p' "$0"; exit 0 ;;
	*) echo "install-deps: unknown argument '$arg' (want base, vmtest, apps or --check)" >&2; exit 2 ;;
	esac
done
[ -n "$groups" ] || groups=base

wanted=""
for g in $groups; do
	eval "wanted=\"\$wanted \$$g\""
done

missing=""
for p in $wanted; do
	if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q '^install ok installed$'; then
		missing="$missing $p"
	fi
done

[ -z "$missing" ] && exit 0

if [ "$check" = 1 ]; then
	echo "missing Debian packages:$missing" >&2
	exit 1
fi
if [ "$(id -u)" != 0 ]; then
	echo "install-deps: missing Debian packages:$missing; run as root (or: sudo apt-get install$missing)" >&2
	exit 1
fi
echo "install-deps: installing$missing"
export DEBIAN_FRONTEND=noninteractive
# The servers among the apps (nginx, redis, iperf3) are for the tests to
# start in their own namespaces: their packages must not start services.
policy=/usr/sbin/policy-rc.d
made_policy=0
if [ ! -e "$policy" ]; then
	printf '#!/bin/sh\nexit 101\n' >"$policy" && chmod 755 "$policy" && made_policy=1
fi
trap '[ "$made_policy" = 0 ] || rm -f "$policy"' EXIT
apt-get update -qq
# shellcheck disable=SC2086
apt-get install -y -qq --no-install-recommends $missing >/dev/null
