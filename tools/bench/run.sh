#!/bin/bash
# `make bench`: the UDP benchmark.  Two network namespaces joined by a veth:
# the client side runs a kernel UDP client (build/bench/udp_rr), the server
# side in turn a kernel UDP server, an xsock UDP server (the same program
# on the xsock stack) and a bare AF_XDP reflector (build/bench/xdp_reflect).
# Every case runs against all three servers in the same run:
#   udp-rr     request/response, 64 B, both sides blocking / both spinning
#   udp-stream echo throughput at 64 B and 1400 B, both sides spinning
# Progress lines while it runs, then a table; JSON to docs/bench/udp.json and
# the table to docs/bench/udp.md.  docs/bench.md says how to read them.
#
# Environment: BENCH_SECONDS (per row, default 5), BENCH_WARMUP (seconds,
# default 0.5), BENCH_ONLY (regex on row names, e.g. 'rr spin'), BENCH_OUT
# (output directory, default docs/bench), BENCH_BUSY_POLL (µs of
# SO_BUSY_POLL for the reflector when spinning, default 0: ring polling),
# BENCH_WINDOW (datagrams a stream client keeps unanswered, default 32).
#
# Everything it creates (namespaces, veth, pins, processes) is removed on
# exit, also on failure or Ctrl-C.
set -u
BUILD=${BUILD:-build}
top=$(cd "$(dirname "$0")/../.." && pwd)
cd "$top"
XSOCKCTL=$top/$BUILD/xsockctl
REFLECT=$top/$BUILD/bench/xdp_reflect
SECONDS_PER_ROW=${BENCH_SECONDS:-5}
WARMUP=${BENCH_WARMUP:-0.5}
ONLY=${BENCH_ONLY:-}
OUT=${BENCH_OUT:-$top/docs/bench}
BUSY_POLL=${BENCH_BUSY_POLL:-0}
PORT=9000
WINDOW=${BENCH_WINDOW:-32}
CLIENT_CPU=0
SERVER_CPU=1

if [ "$(id -u)" != 0 ]; then
	echo "make bench needs root (network namespaces and XDP)" >&2
	exit 1
fi
for t in ip ethtool taskset; do
	command -v $t >/dev/null || { echo "make bench: $t is not installed" >&2; exit 1; }
done
[ -x "$XSOCKCTL" ] || { echo "make bench: $XSOCKCTL not built (run make)" >&2; exit 1; }

# One program for every role: the build that has both stacks if there is
# one, so the kernel client is the same binary in every row.
if [ -x "$top/$BUILD/bench/udp_rr" ]; then
	UDP_RR=$top/$BUILD/bench/udp_rr
	XSOCK_SKIP=
else
	UDP_RR=$top/$BUILD/bench/udp_rr-kernel
	XSOCK_SKIP="libxsock has no socket layer yet (build/bench/udp_rr not linked)"
fi
[ -x "$UDP_RR" ] || { echo "make bench: $UDP_RR not built (make bench-progs)" >&2; exit 1; }
REFLECT_SKIP=
[ -x "$REFLECT" ] || REFLECT_SKIP="$REFLECT not built"

ID=$(printf '%x' $(($$ % 65536)))
NS_C=xsb-$ID-c
NS_S=xsb-$ID-s
V_C=xsbc$ID
V_S=xsbs$ID
IP_C=198.18.0.2
IP_S=198.18.0.1
WORK=$(mktemp -d /tmp/xsock-bench.XXXXXX)
SERVER_PID=
CLIENT_PID=

cleanup() {
	set +e
	for p in $CLIENT_PID $SERVER_PID; do
		kill -KILL "$p" 2>/dev/null
		wait "$p" 2>/dev/null
	done
	if ip netns list | grep -qw "$NS_S"; then
		ip netns exec "$NS_S" "$XSOCKCTL" detach "$V_S" >/dev/null 2>&1
		ip netns del "$NS_S" 2>/dev/null
	fi
	ip netns del "$NS_C" 2>/dev/null
	rm -rf "$WORK"
}
trap cleanup EXIT
trap 'echo "make bench: interrupted" >&2; exit 130' INT TERM

in_c() { ip netns exec "$NS_C" "$@"; }
in_s() { ip netns exec "$NS_S" "$@"; }

ip netns add "$NS_C" && ip netns add "$NS_S" &&
ip link add "$V_C" netns "$NS_C" type veth peer name "$V_S" netns "$NS_S" &&
ip -n "$NS_C" addr add $IP_C/24 dev "$V_C" &&
ip -n "$NS_S" addr add $IP_S/24 dev "$V_S" &&
ip -n "$NS_C" link set lo up && ip -n "$NS_S" link set lo up &&
ip -n "$NS_C" link set "$V_C" up && ip -n "$NS_S" link set "$V_S" up ||
	{ echo "make bench: could not set up the namespaces" >&2; exit 1; }
# The kernel peer computes its UDP checksums: with TX offload veth hands XDP
# partial checksums, which the reflector would echo back wrong.
in_c ethtool -K "$V_C" tx off >/dev/null 2>&1
# Static neighbours: no ARP in the measured path.
MAC_C=$(in_c cat /sys/class/net/"$V_C"/address)
MAC_S=$(in_s cat /sys/class/net/"$V_S"/address)
ip -n "$NS_C" neigh replace $IP_S lladdr "$MAC_S" dev "$V_C" nud permanent
ip -n "$NS_S" neigh replace $IP_C lladdr "$MAC_C" dev "$V_S" nud permanent

# ---- helpers ------------------------------------------------------------------

# jget JSON KEY: the value of a scalar field of a one-line JSON object.
jget() { sed -n "s/.*\"$2\":\"\{0,1\}\([^,\"}]*\).*/\1/p" <<<"$1" | head -1; }

attach() {	# [BUSY_POLL_US]
	in_s "$XSOCKCTL" attach "$V_S" >"$WORK/attach.out" 2>&1 &&
	in_s "$XSOCKCTL" rule add "$V_S" udp $PORT >>"$WORK/attach.out" 2>&1 &&
	{ [ -z "${1:-}" ] ||
	  in_s "$XSOCKCTL" sysctl "$V_S" "xsock.busy_poll_us=$1" >>"$WORK/attach.out" 2>&1; }
}
detach() { in_s "$XSOCKCTL" detach "$V_S" >/dev/null 2>&1; }

# start_server KIND ARGS...: background it, wait for its ready line.
start_server() {
	local kind=$1 i
	shift
	: >"$WORK/server.out"
	# Started directly (no function or subshell in between), so that
	# SERVER_PID is the server itself: ip netns exec and taskset exec it.
	ip netns exec "$NS_S" taskset -c $SERVER_CPU "$@" >"$WORK/server.out" 2>"$WORK/server.err" &
	SERVER_PID=$!
	for i in $(seq 100); do
		grep -q '"event":"ready"' "$WORK/server.out" && return 0
		kill -0 $SERVER_PID 2>/dev/null || break
		sleep 0.05
	done
	return 1
}

stop_server() {
	local i
	[ -n "$SERVER_PID" ] || return 0
	kill -TERM $SERVER_PID 2>/dev/null
	for i in $(seq 40); do
		kill -0 $SERVER_PID 2>/dev/null || break
		sleep 0.05
	done
	kill -KILL $SERVER_PID 2>/dev/null
	wait $SERVER_PID 2>/dev/null
	SERVER_PID=
}

# ---- rows ---------------------------------------------------------------------

ROWS=()
for t in "udp-rr block" "udp-rr spin" "udp-stream 64" "udp-stream 1400"; do
	for s in kernel xsock reflector; do
		ROWS+=("$t $s")
		# xsock's blocking calls spin xsock.busy_poll_us (50) before they
		# sleep; this row sleeps at once, like the kernel's.
		[ "$t $s" = "udp-rr block xsock" ] && ROWS+=("$t xsock-sleep")
	done
done
if [ -n "$ONLY" ]; then
	sel=()
	for r in "${ROWS[@]}"; do
		[[ $r =~ $ONLY ]] && sel+=("$r")
	done
	ROWS=("${sel[@]}")
fi
NROWS=${#ROWS[@]}
JSON_ROWS=()
TABLE=()
declare -A P50 PPS CPU
COMMANDS=()

# json_str S: S as a JSON string.
json_str() {
	local s=${1//\\/\\\\}
	s=${s//\"/\\\"}
	printf '"%s"' "$s"
}

record_skip() {	# name reason
	JSON_ROWS+=("{\"row\":$(json_str "$1"),\"skipped\":$(json_str "$2")}")
	TABLE+=("$(printf '| %-26s | skipped: %s |' "$1" "$2")")
	printf '      skipped: %s\n' "$2"
}

run_row() {	# index "test variant server"
	local n=$1 name=$2 test variant server spin=
	read -r test variant server <<<"$name"
	printf '[%d/%d] %s ...\n' "$n" "$NROWS" "$name"

	case $server in
	xsock|xsock-sleep) [ -z "$XSOCK_SKIP" ] || { record_skip "$name" "$XSOCK_SKIP"; return; } ;;
	reflector) [ -z "$REFLECT_SKIP" ] || { record_skip "$name" "$REFLECT_SKIP"; return; } ;;
	esac

	local client_args=(--role client --stack kernel --addr $IP_S --port $PORT
			   --duration "$SECONDS_PER_ROW" --warmup "$WARMUP")
	local server_args
	# Servers stop by themselves should the runner vanish.
	local life
	life=$(awk -v s="$SECONDS_PER_ROW" -v w="$WARMUP" 'BEGIN { print s + w + 30 }')
	case $test in
	udp-rr)
		client_args+=(--mode rr --size 64)
		[ "$variant" = spin ] && spin=--spin
		;;
	udp-stream)
		# The sender spins in stream mode; so does the server.
		client_args+=(--mode stream --size "$variant" --window $WINDOW)
		spin=--spin
		;;
	esac
	[ -n "$spin" ] && client_args+=(--spin)

	case $server in
	kernel)
		server_args=("$UDP_RR" --role server --stack kernel --mode rr --bind $IP_S --port $PORT --duration $life $spin) ;;
	xsock|xsock-sleep)
		server_args=("$UDP_RR" --role server --stack xsock --mode rr --bind $IP_S --port $PORT --duration $life $spin) ;;
	reflector)
		server_args=("$REFLECT" "$V_S" --port $PORT --duration $life $spin)
		[ -n "$spin" ] && [ "$BUSY_POLL" != 0 ] && server_args+=(--busy-poll "$BUSY_POLL")
		;;
	esac

	local busy=
	[ "$server" = xsock-sleep ] && busy=0
	if [ "$server" != kernel ] && ! attach $busy; then
		record_skip "$name" "xsockctl attach/rule failed: $(tr '\n' ' ' <"$WORK/attach.out")"
		detach
		return
	fi
	local scmd="ip netns exec $NS_S taskset -c $SERVER_CPU ${server_args[*]}"
	[ "$server" != kernel ] &&
		scmd="ip netns exec $NS_S xsockctl attach $V_S && ip netns exec $NS_S xsockctl rule add $V_S udp $PORT && ${busy:+ip netns exec $NS_S xsockctl sysctl $V_S xsock.busy_poll_us=$busy && }$scmd"
	local ccmd="ip netns exec $NS_C taskset -c $CLIENT_CPU $UDP_RR ${client_args[*]}"
	# An AF_XDP queue stays busy for a moment after the previous row's
	# socket closed (EBUSY): try again a few times.
	local try ok=
	for try in 1 2 3 4; do
		start_server "$server" "${server_args[@]}" && { ok=1; break; }
		stop_server
		grep -qi busy "$WORK/server.err" || break
		sleep 0.5
	done
	if [ -z "$ok" ]; then
		record_skip "$name" "server did not start: $(tail -n 3 "$WORK/server.err" | tr '\n' ' ')"
		stop_server
		[ "$server" != kernel ] && detach
		return
	fi
	local ready
	ready=$(grep -m1 '"event":"ready"' "$WORK/server.out")
	ip netns exec "$NS_C" taskset -c $CLIENT_CPU "$UDP_RR" "${client_args[@]}" \
		>"$WORK/client.out" 2>"$WORK/client.err" &
	CLIENT_PID=$!
	wait $CLIENT_PID
	local rc=$?
	CLIENT_PID=
	# What the XDP program did: proof that the row's traffic took the
	# fast path (redirected) and did not fall back to the kernel.
	local xdp=null redirected=
	if [ "$server" != kernel ]; then
		xdp=$(in_s "$XSOCKCTL" -j stats "$V_S" 2>/dev/null | sed -n 's/.*"stats":\({[^}]*}\).*/\1/p')
		[ -n "$xdp" ] || xdp=null
		redirected=$(jget "$xdp" redirected)
	fi
	stop_server
	[ "$server" != kernel ] && detach

	local cres sres
	cres=$(grep -m1 '"role":"client"' "$WORK/client.out")
	sres=$(grep -m1 -v '"event":"ready"' "$WORK/server.out")
	COMMANDS+=("$scmd" "$ccmd")
	if [ $rc != 0 ] || [ -z "$cres" ]; then
		record_skip "$name" "client failed (exit $rc): $(tail -n 3 "$WORK/client.err" | tr '\n' ' ')"
		return
	fi

	# Busy time that neither end nor interrupt work accounts for: someone
	# else's load, which skews every number of the row.
	local other
	other=$(awk -v b="$(jget "$cres" cpu_busy_s)" -v i="$(jget "$cres" cpu_irq_s)" \
		-v c="$(jget "$cres" cpu_self_s)" -v s="$(jget "$sres" cpu_self_s)" \
		-v t="$(jget "$cres" seconds)" -v n="$(jget "$cres" ncpu)" \
		'BEGIN { o = (b - i - c - s) / (t * n); printf "%.2f", o < 0 ? 0 : o }')
	local note=
	if awk -v o="$other" 'BEGIN { exit !(o > 0.05) }'; then
		note="other load on the machine: $(awk -v o="$other" 'BEGIN { printf "%d%%", o * 100 }') of the CPUs"
	fi
	if [ "$server" = xsock ] && [ "$(jget "$ready" accelerated)" != 2 ]; then
		note="${note:+$note; }server socket not on the fast path (xsock_is_accelerated=$(jget "$ready" accelerated))"
	fi
	if [ "$server" != kernel ] && [ "$xdp" != null ]; then
		local rxp
		rxp=$(jget "$xdp" rx_packets)
		# Warm-up and drain included: most, not all, of rx_packets.
		if [ -z "$redirected" ] || [ "$redirected" -lt $((rxp * 9 / 10)) ]; then
			note="${note:+$note; }only ${redirected:-?} of $rxp packets redirected to AF_XDP"
		fi
	fi
	JSON_ROWS+=("{\"row\":$(json_str "$name"),\"test\":\"$test\",\"variant\":\"$variant\",\"server\":\"$server\",\"client\":$cres,\"server_result\":${sres:-null},\"server_ready\":${ready:-null},\"xdp_stats\":$xdp,\"other_load\":$other,\"note\":$(json_str "$note"),\"commands\":[$(json_str "$scmd"),$(json_str "$ccmd")]}")

	local cpu
	cpu=$(jget "$cres" cpu_us_per_req)
	if [ "$test" = udp-rr ]; then
		local p50 p99 p999 rate to
		p50=$(jget "$cres" p50_us); p99=$(jget "$cres" p99_us); p999=$(jget "$cres" p999_us)
		P50[$test-$variant-$server]=$p50
		CPU[$test-$variant-$server]=$cpu
		rate=$(jget "$cres" rate); to=$(jget "$cres" timeouts)
		TABLE+=("$(printf '| %-26s | %8s | %8s | %8s | %9s | %7s | %8s | %s |' \
			"$name" "$p50" "$p99" "$p999" "$rate" "$cpu" "$to timeouts" "$note")")
		printf '      p50 %s us  p99 %s us  p99.9 %s us  %s req/s  %s CPU-us/req  %s timeouts\n' \
			"$p50" "$p99" "$p999" "$rate" "$cpu" "$to"
	else
		local pps loss sent recv
		pps=$(jget "$cres" pps); loss=$(jget "$cres" loss)
		PPS[$test-$variant-$server]=$pps
		CPU[$test-$variant-$server]=$cpu
		sent=$(jget "$cres" sent); recv=$(jget "$cres" received)
		loss=$(awk -v l="$loss" 'BEGIN { printf "%.3f%%", l * 100 }')
		TABLE+=("$(printf '| %-26s | %8s | %8s | %8s | %9s | %7s | %8s | %s |' \
			"$name" "" "" "" "$pps" "$cpu" "$loss loss" "$note")")
		printf '      %s echoes/s  sent %s  echoed %s  loss %s  %s CPU-us/echo\n' \
			"$pps" "$sent" "$recv" "$loss" "$cpu"
	fi
	[ -n "$note" ] && printf '      note: %s\n' "$note"
	return 0
}

# Other load skews every number (and the CPU time, which counts all CPUs):
# measure how busy the machine is before starting.
busy_ticks() { awk '/^cpu / { print $2 + $3 + $4 + $7 + $8; exit }' /proc/stat; }
b0=$(busy_ticks); sleep 1; b1=$(busy_ticks)
BACKGROUND=$(awk -v d=$((b1 - b0)) -v hz="$(getconf CLK_TCK)" -v n="$(nproc)" \
	'BEGIN { printf "%.2f", d / hz / n }')
if awk -v b="$BACKGROUND" 'BEGIN { exit !(b > 0.10) }'; then
	echo "make bench: warning: the CPUs were $(awk -v b="$BACKGROUND" 'BEGIN { printf "%d%%", b * 100 }') busy before the run: other load skews these numbers" >&2
fi

KERNEL=$(uname -r)
CPU_MODEL=$(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -1)
NCPU=$(nproc)
DATE=$(date -u +%Y-%m-%dT%H:%M:%SZ)
printf 'make bench: %d rows, %ss each (+%ss warm-up); %s, %s x %s; client on CPU %s, server on CPU %s\n' \
	"$NROWS" "$SECONDS_PER_ROW" "$WARMUP" "$KERNEL" "$NCPU" "$CPU_MODEL" "$CLIENT_CPU" "$SERVER_CPU"

i=0
for r in "${ROWS[@]}"; do
	i=$((i + 1))
	run_row $i "$r"
done

# ---- report ----------------------------------------------------------------------

HEADER='| row                        | p50 us   | p99 us   | p99.9 us | rate/s    | CPU-us  | lost     | note |'
RULE='|----------------------------|---------:|---------:|---------:|----------:|--------:|---------:|------|'
# ratio A B: "A / B - 1" as a signed percentage, or nothing.
ratio() { [ -n "$1" ] && [ -n "$2" ] && awk -v a="$1" -v b="$2" 'BEGIN { if (b > 0) printf "%+.0f%%", (a / b - 1) * 100 }'; }
SUMMARY=()
summarize() {	# key label
	local k=$1 x r
	for x in xsock xsock-sleep reflector; do
		[ -n "${P50[$k-$x]:-}${PPS[$k-$x]:-}" ] || continue
		if [ -n "${P50[$k-kernel]:-}" ]; then
			r="p50 ${P50[$k-$x]} us vs kernel ${P50[$k-kernel]} us ($(ratio "${P50[$k-$x]}" "${P50[$k-kernel]}"))"
		else
			r="${PPS[$k-$x]:-?} echoes/s vs kernel ${PPS[$k-kernel]:-?} ($(ratio "${PPS[$k-$x]:-}" "${PPS[$k-kernel]:-}"))"
		fi
		r="$r, CPU-us ${CPU[$k-$x]} vs ${CPU[$k-kernel]:-?} ($(ratio "${CPU[$k-$x]}" "${CPU[$k-kernel]:-}"))"
		SUMMARY+=("- $k $x: $r")
	done
	if [ -n "${P50[$k-xsock]:-}" ] && [ -n "${P50[$k-reflector]:-}" ]; then
		SUMMARY+=("- $k xsock vs bare reflector: p50 $(ratio "${P50[$k-xsock]}" "${P50[$k-reflector]}")")
	elif [ -n "${PPS[$k-xsock]:-}" ] && [ -n "${PPS[$k-reflector]:-}" ]; then
		SUMMARY+=("- $k xsock vs bare reflector: echoes/s $(ratio "${PPS[$k-xsock]}" "${PPS[$k-reflector]}")")
	fi
}
for k in udp-rr-block udp-rr-spin udp-stream-64 udp-stream-1400; do
	summarize $k
done

echo
echo "$HEADER"
echo "$RULE"
printf '%s\n' "${TABLE[@]}"
echo
printf '%s\n' "${SUMMARY[@]}"

mkdir -p "$OUT"
{
	printf '{"date":"%s","kernel":%s,"cpu":%s,"ncpu":%s,"seconds_per_row":%s,"warmup":%s,"background_busy":%s,' \
		"$DATE" "$(json_str "$KERNEL")" "$(json_str "$CPU_MODEL")" "$NCPU" "$SECONDS_PER_ROW" "$WARMUP" "$BACKGROUND"
	printf '"client_cpu":%s,"server_cpu":%s,"udp_rr":%s,"rows":[\n' \
		"$CLIENT_CPU" "$SERVER_CPU" "$(json_str "${UDP_RR#"$top"/}")"
	for ((k = 0; k < ${#JSON_ROWS[@]}; k++)); do
		[ $k -gt 0 ] && printf ',\n'
		printf '%s' "${JSON_ROWS[$k]}"
	done
	printf '\n]}\n'
} >"$OUT/udp.json"
{
	echo "# make bench: UDP"
	echo
	echo "- date: $DATE"
	echo "- kernel: $KERNEL"
	echo "- CPU: $CPU_MODEL, $NCPU vCPUs; client pinned to CPU $CLIENT_CPU, server to CPU $SERVER_CPU"
	echo "- $SECONDS_PER_ROW s per row after $WARMUP s of warm-up; veth between two namespaces, AF_XDP in copy mode"
	echo "- udp-rr: 64 B request/response; udp-stream N: echo throughput at N bytes, at most $WINDOW unanswered"
	echo "- CPU-us: busy time of all CPUs (/proc/stat user+nice+system+irq+softirq) per request or per echo"
	echo "- CPUs busy before the run (other load): $(awk -v b="$BACKGROUND" 'BEGIN { printf "%d%%", b * 100 }')"
	echo "- how to read this: docs/bench.md"
	echo
	echo "$HEADER"
	echo "$RULE"
	printf '%s\n' "${TABLE[@]}"
	echo
	printf '%s\n' "${SUMMARY[@]}"
	echo
	echo "Commands (server, then client, per row that ran; xsockctl detach after each"
	echo "xsock and reflector row).  Set-up: namespaces $NS_C ($IP_C) and $NS_S ($IP_S)"
	echo "joined by veth $V_C/$V_S, \`ethtool -K $V_C tx off\` in $NS_C, permanent neighbour entries."
	echo
	echo '```'
	printf '%s\n' "${COMMANDS[@]}" | sed "s|$top/||g"
	echo '```'
} >"$OUT/udp.md"
echo
echo "wrote ${OUT#"$top"/}/udp.json and ${OUT#"$top"/}/udp.md"
