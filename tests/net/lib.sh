# Shared set-up for the network tests: two network namespaces joined by a
# veth pair, the xsock side ("a") and a plain Linux kernel peer ("b").
#
#   . "$(dirname "$0")/lib.sh"
#   xs_topology            # creates $NS_A/$VETH_A and $NS_B/$VETH_B
#   (or xs_topology_impaired --loss 5 ...: the same with an impairment
#   bridge in a namespace between them)
#   check "what a user would notice" command args...
#   xs_done                # exit status: 0 pass, 1 fail
#
# Every namespace, veth and pin a test makes is removed by an EXIT trap,
# also when the test fails or is interrupted.  Addresses come from
# 198.18.0.0/15 and 2001:db8::/32 only.

set -u
BUILD=${BUILD:-build}
TOP=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
XSOCKCTL=${XSOCKCTL:-$TOP/$BUILD/xsockctl}
NET_HELPERS=$TOP/$BUILD/tests/net
XS_PIN_ROOT=${XSOCK_PIN_ROOT:-/run/xsock/bpf}

# Unique per test run, short enough for IFNAMSIZ.
XS_ID=$(printf '%x' $(($$ % 65536)))$(printf '%x' $((RANDOM % 256)))
NS_A=xst-$XS_ID-a
NS_B=xst-$XS_ID-b
VETH_A=xsa$XS_ID
VETH_B=xsb$XS_ID
IP4_A=198.18.0.1
IP4_B=198.18.0.2
IP6_A=2001:db8::1
IP6_B=2001:db8::2

XS_FAILS=0
XS_CHECKS=0
XS_CLEANUP=()

xs_log() { printf '    %s\n' "$*"; }

xs_skip() {
	echo "SKIP: $*"
	exit 77
}

xs_require_root() {
	[ "$(id -u)" = 0 ] || xs_skip "needs root (network namespaces, XDP)"
	command -v ip >/dev/null || xs_skip "iproute2 (ip) is not installed"
	[ -x "$XSOCKCTL" ] || xs_skip "$XSOCKCTL not built (run make)"
}

# Register a cleanup command; run in reverse order on exit.
xs_on_exit() { XS_CLEANUP+=("$*"); }

xs_cleanup() {
	local i
	for ((i = ${#XS_CLEANUP[@]} - 1; i >= 0; i--)); do
		eval "${XS_CLEANUP[$i]}" >/dev/null 2>&1 || true
	done
	XS_CLEANUP=()
}
trap xs_cleanup EXIT
trap 'exit 130' INT TERM

# The pin directory xsockctl uses for IFACE in namespace NS.
xs_pin_dir() {
	local ns=$1 ifname=$2 ino
	ino=$(ip netns exec "$ns" stat -L -c %i /proc/self/ns/net)
	echo "$XS_PIN_ROOT/netns-$ino/$ifname"
}

# Kill whatever still runs in the namespace (it would keep it alive), then
# delete it.
xs_netns_del() {
	ip netns pids "$1" 2>/dev/null | xargs -r kill -9 2>/dev/null
	ip netns del "$1"
}

# The two end namespaces, removed on exit with whatever xsockctl left.
xs_ends_add() {
	ip netns add "$NS_A" || return 1
	xs_on_exit "xs_netns_del $NS_A"
	ip netns add "$NS_B" || return 1
	xs_on_exit "xs_netns_del $NS_B"
	# Pins live outside the namespace; remove whatever xsockctl left for it.
	local ino
	ino=$(ip netns exec "$NS_A" stat -L -c %i /proc/self/ns/net)
	xs_on_exit "rm -rf '$XS_PIN_ROOT/netns-$ino'"
	xs_on_exit "ip netns exec $NS_A $XSOCKCTL detach $VETH_A"
}

# Addresses on $VETH_A and $VETH_B, everything up.
xs_ends_up() {
	ip -n "$NS_A" link set lo up
	ip -n "$NS_B" link set lo up
	ip -n "$NS_A" addr add "$IP4_A/24" dev "$VETH_A"
	ip -n "$NS_B" addr add "$IP4_B/24" dev "$VETH_B"
	ip -n "$NS_A" addr add "$IP6_A/64" dev "$VETH_A" nodad
	ip -n "$NS_B" addr add "$IP6_B/64" dev "$VETH_B" nodad
	ip -n "$NS_A" link set "$VETH_A" up
	ip -n "$NS_B" link set "$VETH_B" up
}

xs_topology() {
	xs_require_root
	xs_ends_add || return 1
	ip link add "$VETH_A" netns "$NS_A" type veth peer name "$VETH_B" netns "$NS_B" || return 1
	xs_ends_up
	# veth hands XDP partial checksums otherwise (DESIGN.md).
	ip netns exec "$NS_B" ethtool -K "$VETH_B" tx off >/dev/null 2>&1
	xs_wait_for 5 ip netns exec "$NS_A" ping -c1 -W1 "$IP4_B" || return 1
}

# The same two ends with a namespace in the middle, where tests/net/impair
# forwards between them, losing, reordering, duplicating, corrupting and
# delaying frames as told (this kernel has no netem; docs/impair.md):
#
#   $NS_A: $VETH_A -- $VETH_MA :$NS_M: $VETH_MB -- $VETH_B :$NS_B
#
# xs_topology_impaired [IMPAIR-OPTIONS...] sets it up and waits for a ping
# through a transparent bridge (so neighbours resolve unimpaired), then
# restarts the bridge with the options.  xs_impair_start and xs_impair_stop
# change them mid-test; xs_impair_stat reads the bridge's counters.
NS_M=xst-$XS_ID-m
VETH_MA=xma$XS_ID
VETH_MB=xmb$XS_ID
IMPAIR=${IMPAIR:-$NET_HELPERS/impair}
XS_IMPAIR_PID=
XS_IMPAIR_DIR=
XS_IMPAIR_STATS=	# the counters as JSON, rewritten on SIGUSR1 and at exit
XS_IMPAIR_LOG=		# the bridge's output

# Complete checksums and MTU-size frames on the wire: with TX checksum
# offload on, the frames reach AF_PACKET (and XDP) CHECKSUM_PARTIAL, their
# checksum not yet in the bytes; with TSO or GRO on, the bridge would see
# 64 KiB super-frames.
xs_offloads_off() {	# NS DEV
	ip netns exec "$1" ethtool -K "$2" tx off tso off gso off gro off >/dev/null 2>&1
}

xs_topology_impaired() {
	local dev
	xs_require_root
	[ -x "$IMPAIR" ] || xs_skip "$IMPAIR not built (run make)"
	command -v ethtool >/dev/null || xs_skip "ethtool is not installed"
	xs_ends_add || return 1
	ip netns add "$NS_M" || return 1
	xs_on_exit "xs_netns_del $NS_M"
	XS_IMPAIR_DIR=$(mktemp -d)
	xs_on_exit "rm -rf $XS_IMPAIR_DIR"
	xs_on_exit "xs_impair_stop"
	# The bridge's namespace has no addresses and says nothing of its own.
	ip netns exec "$NS_M" sysctl -qw net.ipv6.conf.default.disable_ipv6=1 \
		net.ipv6.conf.all.disable_ipv6=1
	ip link add "$VETH_A" netns "$NS_A" type veth peer name "$VETH_MA" netns "$NS_M" || return 1
	ip link add "$VETH_MB" netns "$NS_M" type veth peer name "$VETH_B" netns "$NS_B" || return 1
	for dev in "$NS_A $VETH_A" "$NS_M $VETH_MA" "$NS_M $VETH_MB" "$NS_B $VETH_B"; do
		xs_offloads_off $dev || { echo "ethtool -K $dev failed"; return 1; }
	done
	ip -n "$NS_M" link set "$VETH_MA" up
	ip -n "$NS_M" link set "$VETH_MB" up
	xs_ends_up
	xs_impair_start || return 1
	xs_wait_for 5 ip netns exec "$NS_A" ping -c1 -W1 "$IP4_B" || return 1
	[ $# -eq 0 ] || { xs_impair_stop && xs_impair_start "$@"; }
}

# Whether this kernel has netem (sch_netem), probed in a scratch namespace.
xs_have_netem() {
	local ns=xst-$XS_ID-probe rc
	ip netns add "$ns" 2>/dev/null || return 1
	ip -n "$ns" link set lo up
	tc -n "$ns" qdisc add dev lo root netem delay 1ms >/dev/null 2>&1
	rc=$?
	ip netns del "$ns"
	return $rc
}

# xs_topology_netem LOSS% REORDER% DUP% CORRUPT% DELAY_MS: the same three
# namespaces as xs_topology_impaired, the middle one a Linux bridge with
# netem on both of its ports (so both directions are impaired), for kernels
# that have netem (vmtest's).  netem has no seed: a run does not replay.
xs_topology_netem() {
	local loss=$1 reorder=$2 dup=$3 corrupt=$4 delay=$5 dev
	xs_require_root
	command -v tc >/dev/null || xs_skip "tc (iproute2) is not installed"
	command -v ethtool >/dev/null || xs_skip "ethtool is not installed"
	xs_ends_add || return 1
	ip netns add "$NS_M" || return 1
	xs_on_exit "xs_netns_del $NS_M"
	ip netns exec "$NS_M" sysctl -qw net.ipv6.conf.default.disable_ipv6=1 \
		net.ipv6.conf.all.disable_ipv6=1
	ip link add "$VETH_A" netns "$NS_A" type veth peer name "$VETH_MA" netns "$NS_M" || return 1
	ip link add "$VETH_MB" netns "$NS_M" type veth peer name "$VETH_B" netns "$NS_B" || return 1
	for dev in "$NS_A $VETH_A" "$NS_M $VETH_MA" "$NS_M $VETH_MB" "$NS_B $VETH_B"; do
		xs_offloads_off $dev || { echo "ethtool -K $dev failed"; return 1; }
	done
	ip -n "$NS_M" link add br0 type bridge || return 1
	ip -n "$NS_M" link set "$VETH_MA" master br0
	ip -n "$NS_M" link set "$VETH_MB" master br0
	for dev in br0 "$VETH_MA" "$VETH_MB"; do
		ip -n "$NS_M" link set "$dev" up
	done
	xs_ends_up
	xs_wait_for 5 ip netns exec "$NS_A" ping -c1 -W1 "$IP4_B" || return 1
	for dev in "$VETH_MA" "$VETH_MB"; do
		tc -n "$NS_M" qdisc add dev "$dev" root netem limit 10000 delay "${delay}ms" \
			loss "$loss%" duplicate "$dup%" corrupt "$corrupt%" reorder "$reorder%" 50% ||
			return 1
	done
}

# xs_impair_start [IMPAIR-OPTIONS...]: start the bridge from $VETH_MA ("a")
# to $VETH_MB ("b"); returns once it forwards.
xs_impair_start() {
	XS_IMPAIR_STATS=$XS_IMPAIR_DIR/stats.json
	XS_IMPAIR_LOG=$XS_IMPAIR_DIR/impair.log
	rm -f "$XS_IMPAIR_STATS"
	ip netns exec "$NS_M" "$IMPAIR" --stats-json "$XS_IMPAIR_STATS" "$@" \
		"$VETH_MA" "$VETH_MB" >"$XS_IMPAIR_LOG" 2>&1 &
	XS_IMPAIR_PID=$!
	if ! xs_wait_for 5 grep -q '^ready' "$XS_IMPAIR_LOG"; then
		sed 's/^/    impair: /' "$XS_IMPAIR_LOG"
		return 1
	fi
}

# Stop the bridge; its counters are then in $XS_IMPAIR_STATS.  Fails if it
# did not exit cleanly.
xs_impair_stop() {
	local pid=$XS_IMPAIR_PID
	[ -n "$pid" ] || return 0
	XS_IMPAIR_PID=
	kill -TERM "$pid" 2>/dev/null
	wait "$pid"
}

# xs_impair_stat DIRECTION COUNTER: a2b or b2a, a counter of docs/impair.md,
# from the last stop (or xs_impair_snapshot).
xs_impair_stat() {
	xs_json "j['$1']['$2']" cat "$XS_IMPAIR_STATS"
}

# The running bridge's counters, now.
xs_impair_snapshot() {
	rm -f "$XS_IMPAIR_STATS"
	kill -USR1 "$XS_IMPAIR_PID" && xs_wait_for 5 test -s "$XS_IMPAIR_STATS"
}

# Run a command until it succeeds or SECONDS pass.
xs_wait_for() {
	local secs=$1 end
	shift
	end=$((SECONDS + secs))
	while ! "$@" >/dev/null 2>&1; do
		[ $SECONDS -ge "$end" ] && return 1
		sleep 0.1
	done
}

# Run in a namespace.  For background jobs call `ip netns exec` directly
# (`ip netns exec "$NS_A" prog &`), so that $! is the program itself.
xsctl_a() { ip netns exec "$NS_A" "$XSOCKCTL" "$@"; }
in_a() { ip netns exec "$NS_A" "$@"; }
in_b() { ip netns exec "$NS_B" "$@"; }

# check DESCRIPTION COMMAND...: run it, record pass or fail.
check() {
	local desc=$1
	shift
	XS_CHECKS=$((XS_CHECKS + 1))
	if "$@" >/tmp/xs-check.$$ 2>&1; then
		printf '  ok   %s\n' "$desc"
	else
		XS_FAILS=$((XS_FAILS + 1))
		printf '  FAIL %s\n' "$desc"
		sed 's/^/       | /' /tmp/xs-check.$$ | tail -n 20
	fi
	rm -f /tmp/xs-check.$$
}

# check_fails DESCRIPTION COMMAND...: the command must exit non-zero.
check_fails() {
	local desc=$1
	shift
	check "$desc" xs_not "$@"
}
xs_not() { ! "$@"; }

# A JSON field from xsockctl -j output: xs_json 'python expression on j' cmd...
xs_json() {
	local expr=$1
	shift
	"$@" | python3 -c "import json,sys; j=json.load(sys.stdin); print($expr)"
}

# The value of one XDP counter on NS_A's interface.
xs_counter() {
	xs_json "j['stats']['$1']" xsctl_a -j stats "$VETH_A"
}

# Number of rules of TYPE (listener or flow) on NS_A's interface.
xs_rule_count() {
	xs_json "len([r for r in j if r['type'] == '$1'])" xsctl_a -j rule show "$VETH_A"
}

# redirected_grew N: the XDP program's redirected counter grew by N or more
# since the last call (the script sets red_last after its attach).
redirected_grew() {
	local now rc
	now=$(xs_counter redirected)
	echo "redirected: $red_last -> $now, want +$1"
	[ "$((now - red_last))" -ge "$1" ]
	rc=$?
	red_last=$now
	return $rc
}

# no_rules: no steering rule of either kind is left on VETH_A.
no_rules() { [ "$(xs_rule_count flow)" = 0 ] && [ "$(xs_rule_count listener)" = 0 ]; }

# counter_gt NAME N: the XDP counter NAME is above N.
counter_gt() { [ "$(xs_counter "$1")" -gt "$2" ]; }

# status_field_is FIELD VALUE: `xsockctl -j status VETH_A` has FIELD = VALUE.
status_field_is() {
	[ "$(xs_json "(j[0] if isinstance(j, list) else j)['$1']" xsctl_a -j status "$VETH_A")" = "$2" ]
}

xs_done() {
	echo "  $((XS_CHECKS - XS_FAILS))/$XS_CHECKS checks passed"
	[ "$XS_FAILS" -eq 0 ]
	exit $?
}
