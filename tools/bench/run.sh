#!/bin/bash
# `make bench`: the UDP and TCP benchmarks.  Two network namespaces joined
# by a veth: the client side runs a kernel client (build/bench/udp_rr,
# build/bench/tcp_rr), the server side in turn a kernel server, an xsock
# server (the same program on the xsock stack) and, for UDP, a bare AF_XDP
# reflector (build/bench/xdp_reflect).  Every case runs against every
# server in the same run:
#   udp-rr     request/response, 64 B, both sides blocking / both spinning
#   udp-stream echo throughput at 64 B and 1400 B, both sides spinning
#   tcp-rr     request/response over one connection, 64 B, blocking / spinning
#   tcp-crr    connections per second: connect, one 64 B request, close
#   tcp-stream bulk into the server (in-) and out of it (out-), MTU 1500,
#              the kernel peer's TX offloads off (-txoff) and on (-txon); for out-
#              rows the sending server's veth too (equal offloads)
#   sockperf-pp `sockperf ping-pong` (64 B, UDP and TCP) from the client
#              side against an unmodified `sockperf server`, run as it is
#              (kernel) and under xsock-run (xsock: the LD_PRELOAD shim)
# An xsock TCP row whose accepted connections were not on the fast path
# (xsock_is_accelerated() != 2) is labelled "xsock(kernel fallback)".
# Progress lines while it runs, then one table; JSON to docs/bench/udp.json
# and docs/bench/tcp.json, the sockperf rows to docs/bench/sockperf.json,
# the tables to docs/bench/udp.md, tcp.md and sockperf.md (each only when
# rows of its kind ran).  docs/bench.md says how to read them.
#
# Environment: BENCH_SECONDS (per row, default 5), BENCH_WARMUP (seconds,
# default 0.5), BENCH_ONLY (regex on row names, e.g. 'rr spin'), BENCH_OUT
# (output directory, default docs/bench), BENCH_BUSY_POLL (µs of
# SO_BUSY_POLL for the reflector when spinning, default 0: ring polling),
# BENCH_WINDOW (datagrams a stream client keeps unanswered, default 32).
# BENCH_ONLY='^tcp' runs the TCP rows alone, BENCH_ONLY=sockperf the
# sockperf rows.
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
TCP_PORT=9100
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
if [ -x "$top/$BUILD/bench/tcp_rr" ]; then
	TCP_RR=$top/$BUILD/bench/tcp_rr
	TCP_XSOCK_SKIP=
else
	TCP_RR=$top/$BUILD/bench/tcp_rr-kernel
	TCP_XSOCK_SKIP="libxsock has no socket layer yet (build/bench/tcp_rr not linked)"
fi
[ -x "$TCP_RR" ] || { echo "make bench: $TCP_RR not built (make bench-progs)" >&2; exit 1; }
# The sockperf rows: the packaged program, under the shim for xsock.
SOCKPERF=$(command -v sockperf || true)
SOCKPERF_SKIP=
[ -n "$SOCKPERF" ] || SOCKPERF_SKIP="sockperf is not installed (tools/install-deps.sh apps)"
XSOCK_RUN=$top/$BUILD/xsock-run
SOCKPERF_XSOCK_SKIP=
[ -x "$XSOCK_RUN" ] && [ -e "$top/$BUILD/libxsock-preload.so" ] ||
	SOCKPERF_XSOCK_SKIP="$XSOCK_RUN or its shim not built"
SP_PORT=11111

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
# tcp-crr opens some 10,000 connections a second and the client closes
# first: every port it used sits in TIME_WAIT for 60 s.  All the ports, and
# TIME_WAIT reuse for new outgoing connections (safe with timestamps).
in_c sysctl -qw net.ipv4.ip_local_port_range="1024 65535" net.ipv4.tcp_tw_reuse=1

# ---- helpers ------------------------------------------------------------------

# jget JSON KEY: the value of a scalar field of a one-line JSON object.
jget() { sed -n "s/.*\"$2\":\"\{0,1\}\([^,\"}]*\).*/\1/p" <<<"$1" | head -1; }

# attach udp|tcp [BUSY_POLL_US]: UDP rows add a listener rule for their
# port; TCP rows add none (the stack steers what it serves itself, and a
# rule would steer TCP to AF_XDP sockets that do not serve it yet).
attach() {
	in_s "$XSOCKCTL" attach "$V_S" >"$WORK/attach.out" 2>&1 &&
	{ [ "$1" != udp ] || in_s "$XSOCKCTL" rule add "$V_S" udp $PORT >>"$WORK/attach.out" 2>&1; } &&
	{ [ -z "${2:-}" ] ||
	  in_s "$XSOCKCTL" sysctl "$V_S" "xsock.busy_poll_us=$2" >>"$WORK/attach.out" 2>&1; }
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

# start_server_retry ARGS...: start_server; an AF_XDP queue stays busy
# for a moment after the previous row's socket closed (EBUSY): try again a
# few times.
start_server_retry() {
	local try
	for try in 1 2 3 4; do
		start_server server "$@" && return 0
		stop_server
		grep -qi busy "$WORK/server.err" || break
		sleep 0.5
	done
	return 1
}

# run_client PROGRAM ARGS...: the client of a row, in the foreground, on
# its CPU; output to $WORK/client.{out,err}.
run_client() {
	ip netns exec "$NS_C" taskset -c $CLIENT_CPU "$@" >"$WORK/client.out" 2>"$WORK/client.err" &
	CLIENT_PID=$!
	wait $CLIENT_PID
	local rc=$?
	CLIENT_PID=
	return $rc
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

# What the XDP program on the server's veth did, as a JSON object (null if
# unknown): proof that a row's traffic took the fast path (redirected) and
# did not fall back to the kernel.
xdp_stats() {
	local x
	x=$(in_s "$XSOCKCTL" -j stats "$V_S" 2>/dev/null | sed -n 's/.*"stats":\({[^}]*}\).*/\1/p')
	echo "${x:-null}"
}

# other_load CLIENT_JSON SERVER_JSON: busy time that neither end nor
# interrupt work accounts for, as a share of all CPUs: someone else's load,
# which skews every number of the row.
other_load() {
	awk -v b="$(jget "$1" cpu_busy_s)" -v i="$(jget "$1" cpu_irq_s)" \
		-v c="$(jget "$1" cpu_self_s)" -v s="$(jget "$2" cpu_self_s)" \
		-v t="$(jget "$1" seconds)" -v n="$(jget "$1" ncpu)" \
		'BEGIN { o = (b - i - c - s) / (t * n); printf "%.2f", o < 0 ? 0 : o }'
}

other_load_note() {	# SHARE
	if awk -v o="$1" 'BEGIN { exit !(o > 0.05) }'; then
		echo "other load on the machine: $(awk -v o="$1" 'BEGIN { printf "%d%%", o * 100 }') of the CPUs"
	fi
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
for t in "tcp-rr block" "tcp-rr spin" "tcp-crr block" "tcp-stream in-txoff" "tcp-stream in-txon" \
	 "tcp-stream out-txoff" "tcp-stream out-txon"; do
	for s in kernel xsock; do
		ROWS+=("$t $s")
	done
done
for t in "sockperf-pp udp" "sockperf-pp tcp"; do
	for s in kernel xsock; do
		ROWS+=("$t $s")
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
# The TCP rows' own: their table lines, JSON rows, commands, and per
# "test-variant-server" key the row's label, p50, rate, Gb/s and CPU.
TCP_JSON_ROWS=()
TCP_TABLE=()
TCP_COMMANDS=()
declare -A TLABEL TP50 TRATE TGBPS TCPU
# The sockperf rows' own, the same way, keyed "sockperf-pp-PROTO-server".
SP_JSON_ROWS=()
SP_TABLE=()
SP_COMMANDS=()
declare -A SP50 SRATE SCPU

# json_str S: S as a JSON string.
json_str() {
	local s=${1//\\/\\\\}
	s=${s//\"/\\\"}
	printf '"%s"' "$s"
}

record_skip() {	# name reason
	if [[ $1 == sockperf-* ]]; then
		SP_JSON_ROWS+=("{\"row\":$(json_str "$1"),\"skipped\":$(json_str "$2")}")
		SP_TABLE+=("$(printf '| %-42s | skipped: %s |' "$1" "$2")")
	elif [[ $1 == tcp-* ]]; then
		TCP_JSON_ROWS+=("{\"row\":$(json_str "$1"),\"skipped\":$(json_str "$2")}")
		TCP_TABLE+=("$(printf '| %-42s | skipped: %s |' "$1" "$2")")
	else
		JSON_ROWS+=("{\"row\":$(json_str "$1"),\"skipped\":$(json_str "$2")}")
		TABLE+=("$(printf '| %-42s | skipped: %s |' "$1" "$2")")
	fi
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
	if [ "$server" != kernel ] && ! attach udp $busy; then
		record_skip "$name" "xsockctl attach/rule failed: $(tr '\n' ' ' <"$WORK/attach.out")"
		detach
		return
	fi
	local scmd="ip netns exec $NS_S taskset -c $SERVER_CPU ${server_args[*]}"
	[ "$server" != kernel ] &&
		scmd="ip netns exec $NS_S xsockctl attach $V_S && ip netns exec $NS_S xsockctl rule add $V_S udp $PORT && ${busy:+ip netns exec $NS_S xsockctl sysctl $V_S xsock.busy_poll_us=$busy && }$scmd"
	local ccmd="ip netns exec $NS_C taskset -c $CLIENT_CPU $UDP_RR ${client_args[*]}"
	if ! start_server_retry "${server_args[@]}"; then
		record_skip "$name" "server did not start: $(tail -n 3 "$WORK/server.err" | tr '\n' ' ')"
		stop_server
		[ "$server" != kernel ] && detach
		return
	fi
	local ready
	ready=$(grep -m1 '"event":"ready"' "$WORK/server.out")
	run_client "$UDP_RR" "${client_args[@]}"
	local rc=$?
	local xdp=null redirected=
	if [ "$server" != kernel ]; then
		xdp=$(xdp_stats)
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

	local other note
	other=$(other_load "$cres" "$sres")
	note=$(other_load_note "$other")
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
		TABLE+=("$(printf '| %-42s | %8s | %8s | %8s | %10s | %10s | %9s | %s |' \
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
		TABLE+=("$(printf '| %-42s | %8s | %8s | %8s | %10s | %10s | %9s | %s |' \
			"$name" "" "" "" "$pps" "$cpu" "$loss loss" "$note")")
		printf '      %s echoes/s  sent %s  echoed %s  loss %s  %s CPU-us/echo\n' \
			"$pps" "$sent" "$recv" "$loss" "$cpu"
	fi
	[ -n "$note" ] && printf '      note: %s\n' "$note"
	return 0
}

# The kernel peer's TX offloads for a tcp-stream row: txoff = checksum,
# TSO and GSO off (the peer's kernel segments and checksums every packet
# itself, as DESIGN.md has the net tests run); txon = all three on, as far
# as the veth allows (XDP on the server's veth takes TSO away).  Between
# rows the peer stays as the UDP rows want it: checksum offload off.
set_peer_offloads() {	# txoff|txon|default
	case $1 in
	txoff) in_c ethtool -K "$V_C" tx off tso off gso off ;;
	txon) in_c ethtool -K "$V_C" tx on tso on gso on ;;
	default) in_c ethtool -K "$V_C" tx off gso on ;;
	esac >/dev/null 2>&1
}

# tcp-stream out- rows: the server sends, so "equal offloads" means the
# sender's.  The kernel server's veth gets the row's TX offloads too (an
# xsock server sends through AF_XDP, which has none in copy mode: its
# numbers are the same either way); back to the veth default after.
set_server_offloads() {	# txoff|txon|default
	case $1 in
	txoff) in_s ethtool -K "$V_S" tx off tso off gso off ;;
	txon|default) in_s ethtool -K "$V_S" tx on tso on gso on ;;
	esac >/dev/null 2>&1
}
server_offloads_words() {
	in_s ethtool -k "$V_S" 2>/dev/null | awk '
		/^tx-checksumming:/ { c = $2 } /^tcp-segmentation-offload:/ { t = $2 }
		/^generic-segmentation-offload:/ { g = $2 }
		END { printf "server tx-csum %s, TSO %s, GSO %s", c, t, g }'
}

# The peer's offloads as they are, as a JSON object, and in a few words.
peer_offloads_json() {
	in_c ethtool -k "$V_C" 2>/dev/null | awk -v mtu="$(in_c cat /sys/class/net/"$V_C"/mtu)" '
		/^(tx-checksumming|tcp-segmentation-offload|generic-segmentation-offload|generic-receive-offload):/ {
			sub(":", "", $1); f = f sprintf("%s\"%s\":\"%s\"", f ? "," : "", $1, $2 ($3 ? " " $3 : ""))
		}
		END { printf "{%s,\"mtu\":%s}", f, mtu }'
}
peer_offloads_words() {	# JSON
	printf 'peer tx-csum %s, TSO %s, GSO %s; MTU %s' "$(jget "$1" tx-checksumming)" \
		"$(jget "$1" tcp-segmentation-offload)" "$(jget "$1" generic-segmentation-offload)" "$(jget "$1" mtu)"
}

run_tcp_row() {	# index "test variant server"
	local n=$1 name=$2 test variant server spin= offload=
	read -r test variant server <<<"$name"
	printf '[%d/%d] %s ...\n' "$n" "$NROWS" "$name"
	if [ "$server" = xsock ] && [ -n "$TCP_XSOCK_SKIP" ]; then
		record_skip "$name" "$TCP_XSOCK_SKIP"
		return
	fi

	local client_args=(--role client --stack kernel --addr $IP_S --port $TCP_PORT
			   --duration "$SECONDS_PER_ROW" --warmup "$WARMUP")
	local life
	life=$(awk -v s="$SECONDS_PER_ROW" -v w="$WARMUP" 'BEGIN { print s + w + 30 }')
	case $test-$variant in
	tcp-rr-block) client_args+=(--mode rr --size 64) ;;
	tcp-rr-spin) client_args+=(--mode rr --size 64 --spin); spin=--spin ;;
	tcp-crr-block) client_args+=(--mode crr --size 64) ;;
	tcp-stream-in-*) client_args+=(--mode stream-in); offload=${variant#in-} ;;
	tcp-stream-out-*) client_args+=(--mode stream-out); offload=${variant#out-} ;;
	esac
	local server_args=("$TCP_RR" --role server --stack "$server" --bind $IP_S --port $TCP_PORT
			   --duration "$life" $spin)

	if [ "$server" = xsock ] && ! attach tcp; then
		record_skip "$name" "xsockctl attach failed: $(tr '\n' ' ' <"$WORK/attach.out")"
		detach
		return
	fi
	# After the attach: XDP on the server's veth changes what the peer's
	# veth can offload.
	local offloads=null sender_note=
	if [ -n "$offload" ]; then
		set_peer_offloads "$offload"
		offloads=$(peer_offloads_json)
	fi
	if [ "$test" = tcp-stream ] && [ "${variant#out-}" != "$variant" ]; then
		set_server_offloads "$offload"
		sender_note=$(server_offloads_words)
	fi
	local scmd="ip netns exec $NS_S taskset -c $SERVER_CPU ${server_args[*]}"
	[ "$server" = xsock ] && scmd="ip netns exec $NS_S xsockctl attach $V_S && $scmd"
	[ -n "$offload" ] && scmd="ip netns exec $NS_C ethtool -K $V_C $( [ "$offload" = txon ] && echo 'tx on tso on gso on' || echo 'tx off tso off gso off') && $scmd"
	[ -n "$sender_note" ] && scmd="ip netns exec $NS_S ethtool -K $V_S $( [ "$offload" = txon ] && echo 'tx on tso on gso on' || echo 'tx off tso off gso off') && $scmd"
	local ccmd="ip netns exec $NS_C taskset -c $CLIENT_CPU $TCP_RR ${client_args[*]}"
	if ! start_server_retry "${server_args[@]}"; then
		record_skip "$name" "server did not start: $(tail -n 3 "$WORK/server.err" | tr '\n' ' ')"
		stop_server
		[ "$server" = xsock ] && detach
		[ -n "$offload" ] && set_peer_offloads default
		return
	fi
	local ready
	ready=$(grep -m1 '"event":"ready"' "$WORK/server.out")
	run_client "$TCP_RR" "${client_args[@]}"
	local rc=$?
	local xdp=null
	[ "$server" = xsock ] && xdp=$(xdp_stats)
	stop_server
	[ "$server" = xsock ] && detach
	[ -n "$offload" ] && set_peer_offloads default
	[ -n "$sender_note" ] && set_server_offloads default

	local cres sres
	cres=$(grep -m1 '"role":"client"' "$WORK/client.out")
	sres=$(grep -m1 '"role":"server"' "$WORK/server.out")
	TCP_COMMANDS+=("$scmd" "$ccmd")
	if [ $rc != 0 ] || [ -z "$cres" ]; then
		record_skip "$name" "client failed (exit $rc): $(tail -n 3 "$WORK/client.err" | tr '\n' ' ')"
		return
	fi

	# Never kernel numbers under xsock's name: the label says how many of
	# the connections the xsock server accepted were on the fast path.
	local label=$server conns fast
	conns=$(jget "$sres" conns)
	fast=$(sed -n 's/.*"accelerated":{[^}]*"2":\([0-9]*\).*/\1/p' <<<"$sres")
	if [ "$server" = xsock ]; then
		if [ -z "$fast" ] || [ "${fast:-0}" = 0 ]; then
			label="xsock(kernel fallback)"
		elif [ "$fast" != "$conns" ]; then
			label="xsock(partly kernel: $fast of $conns fast)"
		fi
	fi
	local shown="$test $variant $label" key=$test-$variant-$server
	TLABEL[$key]=$label

	local other note
	other=$(other_load "$cres" "$sres")
	note=$(other_load_note "$other")
	if [ "$label" = xsock ] && [ "$xdp" != null ]; then
		local rxp redirected
		rxp=$(jget "$xdp" rx_packets)
		redirected=$(jget "$xdp" redirected)
		if [ -z "$redirected" ] || [ "$redirected" -lt $((rxp * 9 / 10)) ]; then
			note="${note:+$note; }only ${redirected:-?} of $rxp packets redirected to AF_XDP"
		fi
	fi
	[ "$offloads" != null ] && note="$(peer_offloads_words "$offloads")${note:+; $note}"
	[ -n "$sender_note" ] && note="$sender_note${note:+; $note}"
	TCP_JSON_ROWS+=("{\"row\":$(json_str "$shown"),\"test\":\"$test\",\"variant\":\"$variant\",\"server\":\"$server\",\"server_label\":$(json_str "$label"),\"client\":$cres,\"server_result\":${sres:-null},\"server_ready\":${ready:-null},\"peer_offloads\":$offloads,\"xdp_stats\":$xdp,\"other_load\":$other,\"note\":$(json_str "$note"),\"commands\":[$(json_str "$scmd"),$(json_str "$ccmd")]}")

	local cpu
	if [ "$test" = tcp-stream ]; then
		local gbps
		gbps=$(jget "$cres" gbps)
		cpu=$(jget "$cres" cpu_us_per_mb)
		TGBPS[$key]=$gbps
		TCPU[$key]=$cpu
		[ "$(jget "$cres" delivered)" = true ] || note="${note:+$note; }NOT all delivered"
		TCP_TABLE+=("$(printf '| %-42s | %8s | %8s | %8s | %10s | %10s | %9s | %s |' \
			"$shown" "" "" "" "$gbps Gb/s" "$cpu/MB" "" "$note")")
		printf '      %s Gb/s  %s CPU-us/MB\n' "$gbps" "$cpu"
	else
		local p50 p99 p999 rate errs
		p50=$(jget "$cres" p50_us); p99=$(jget "$cres" p99_us); p999=$(jget "$cres" p999_us)
		rate=$(jget "$cres" rate); cpu=$(jget "$cres" cpu_us_per_req); errs=$(jget "$cres" errors)
		TP50[$key]=$p50
		TRATE[$key]=$rate
		TCPU[$key]=$cpu
		TCP_TABLE+=("$(printf '| %-42s | %8s | %8s | %8s | %10s | %10s | %9s | %s |' \
			"$shown" "$p50" "$p99" "$p999" "$rate" "$cpu" "$errs errors" "$note")")
		printf '      p50 %s us  p99 %s us  p99.9 %s us  %s %s/s  %s CPU-us each  %s errors\n' \
			"$p50" "$p99" "$p999" "$rate" "$([ $test = tcp-crr ] && echo conn || echo req)" "$cpu" "$errs"
	fi
	printf '      server: %s\n' "$label"
	[ -n "$note" ] && printf '      note: %s\n' "$note"
	return 0
}

# ---- sockperf rows -------------------------------------------------------------

# sp_num FILE REGEX: the first number after REGEX in sockperf's output
# (colour codes removed).
sp_num() {
	sed 's/\x1b\[[0-9;]*m//g' "$1" | sed -n "s/.*$2[[:space:]]*\([0-9][0-9.]*\).*/\1/p" | head -1
}

# CPU ticks (utime + stime) a live process has used.
proc_ticks() { awk '{ print $14 + $15 }' "/proc/$1/stat" 2>/dev/null; }
# Interrupt and softirq ticks of all CPUs.
irq_ticks() { awk '/^cpu / { print $7 + $8; exit }' /proc/stat; }
# children_cpu VAR: CPU seconds (user + system) of this shell's children
# that have been waited for (bash's `times`, second line), into VAR.  Not
# in $(...): a subshell starts with no children of its own.
children_cpu() {
	times >"$WORK/times"
	printf -v "$1" '%s' "$(awk 'NR == 2 { for (i = 1; i <= 2; i++) { split($i, a, /[ms]/); t += a[1] * 60 + a[2] } printf "%.3f", t }' "$WORK/times")"
}

run_sockperf_row() {	# index "sockperf-pp proto server"
	local n=$1 name=$2 test proto server
	read -r test proto server <<<"$name"
	printf '[%d/%d] %s ...\n' "$n" "$NROWS" "$name"
	[ -z "$SOCKPERF_SKIP" ] || { record_skip "$name" "$SOCKPERF_SKIP"; return; }
	if [ "$server" = xsock ] && [ -n "$SOCKPERF_XSOCK_SKIP" ]; then
		record_skip "$name" "$SOCKPERF_XSOCK_SKIP"
		return
	fi
	local flag=()
	[ "$proto" = tcp ] && flag=(--tcp)
	local server_args=("$SOCKPERF" server "${flag[@]}" -i $IP_S -p $SP_PORT)
	[ "$server" = xsock ] && server_args=("$XSOCK_RUN" --iface "$V_S" -- "${server_args[@]}")
	local client_args=("$SOCKPERF" ping-pong "${flag[@]}" -i $IP_S -p $SP_PORT -m 64
			   -t "$SECONDS_PER_ROW" --full-rtt)
	# No rule: the server's sockets steer themselves (listener rules of
	# their own, removed when sockperf exits).
	if [ "$server" = xsock ] && ! attach tcp; then
		record_skip "$name" "xsockctl attach failed: $(tr '\n' ' ' <"$WORK/attach.out")"
		detach
		return
	fi
	local scmd="ip netns exec $NS_S taskset -c $SERVER_CPU ${server_args[*]}"
	[ "$server" = xsock ] && scmd="ip netns exec $NS_S xsockctl attach $V_S && $scmd"
	local ccmd="ip netns exec $NS_C taskset -c $CLIENT_CPU ${client_args[*]}"

	# sockperf says nothing when it is ready: wait for its socket.
	local try i up=0
	for try in 1 2 3; do
		ip netns exec "$NS_S" taskset -c $SERVER_CPU "${server_args[@]}" \
			>"$WORK/server.out" 2>"$WORK/server.err" &
		SERVER_PID=$!
		for i in $(seq 100); do
			in_s ss -Hln "sport = :$SP_PORT" 2>/dev/null | grep -q . && { up=1; break; }
			kill -0 $SERVER_PID 2>/dev/null || break
			sleep 0.05
		done
		[ $up = 1 ] && break
		stop_server
		sleep 0.5
	done
	if [ $up = 0 ]; then
		record_skip "$name" "server did not start: $(tail -n 3 "$WORK/server.err" | tr '\n' ' ')"
		[ "$server" = xsock ] && detach
		return
	fi
	local b0 b1 s0 s1 i0 i1 c0 c1 t0 t1
	children_cpu c0
	t0=$(date +%s.%N)
	b0=$(busy_ticks)
	i0=$(irq_ticks)
	s0=$(proc_ticks $SERVER_PID)
	run_client "${client_args[@]}"
	local rc=$?
	b1=$(busy_ticks)
	i1=$(irq_ticks)
	s1=$(proc_ticks $SERVER_PID)
	t1=$(date +%s.%N)
	children_cpu c1
	local xdp=null
	[ "$server" = xsock ] && xdp=$(xdp_stats)
	# SIGINT: sockperf's own exit, so the shim removes its rules.
	kill -INT $SERVER_PID 2>/dev/null
	for i in $(seq 40); do
		kill -0 $SERVER_PID 2>/dev/null || break
		sleep 0.05
	done
	stop_server
	[ "$server" = xsock ] && detach
	SP_COMMANDS+=("$scmd" "$ccmd")

	local f=$WORK/client.all
	cat "$WORK/client.out" "$WORK/client.err" >"$f"
	local valid_s sent recv total_recv drop dup ooo avg std p50 p99 p999 p9999 pmax
	valid_s=$(sp_num "$f" 'Valid Duration\] RunTime=')
	sent=$(sp_num "$f" 'Valid Duration.*SentMessages=')
	recv=$(sp_num "$f" 'Valid Duration.*ReceivedMessages=')
	total_recv=$(sp_num "$f" 'Total Run.*ReceivedMessages=')
	drop=$(sp_num "$f" 'dropped messages =')
	dup=$(sp_num "$f" 'duplicated messages =')
	ooo=$(sp_num "$f" 'out-of-order messages =')
	avg=$(sp_num "$f" 'avg-rtt=')
	std=$(sp_num "$f" 'std-dev=')
	p50=$(sp_num "$f" 'percentile 50.000 =')
	p99=$(sp_num "$f" 'percentile 99.000 =')
	p999=$(sp_num "$f" 'percentile 99.900 =')
	p9999=$(sp_num "$f" 'percentile 99.990 =')
	pmax=$(sp_num "$f" '<MAX> observation =')
	if [ $rc != 0 ] || [ -z "$p50" ] || [ -z "$recv" ] || [ -z "$total_recv" ]; then
		record_skip "$name" "sockperf ping-pong failed (exit $rc): $(grep -v '^$' "$f" | tail -n 3 | tr '\n' ' ')"
		return
	fi
	local hz rate cpu cpu_busy cpu_irq server_cpu client_cpu secs other
	hz=$(getconf CLK_TCK)
	rate=$(awk -v r="$recv" -v s="$valid_s" 'BEGIN { printf "%.0f", (s > 0 ? r / s : 0) }')
	cpu_busy=$(awk -v d=$((b1 - b0)) -v hz="$hz" 'BEGIN { printf "%.2f", d / hz }')
	cpu_irq=$(awk -v d=$((i1 - i0)) -v hz="$hz" 'BEGIN { printf "%.2f", d / hz }')
	server_cpu=$(awk -v d=$((${s1:-0} - ${s0:-0})) -v hz="$hz" 'BEGIN { printf "%.2f", d / hz }')
	client_cpu=$(awk -v a="$c0" -v b="$c1" 'BEGIN { printf "%.2f", b - a }')
	secs=$(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.3f", b - a }')
	cpu=$(awk -v b="$cpu_busy" -v r="$total_recv" 'BEGIN { printf "%.2f", (r > 0 ? b * 1e6 / r : 0) }')
	# What neither end nor interrupt work accounts for: someone else's.
	other=$(awk -v b="$cpu_busy" -v i="$cpu_irq" -v c="$client_cpu" -v s="$server_cpu" -v t="$secs" \
		-v n="$NCPU" 'BEGIN { o = (b - i - c - s) / (t * n); printf "%.2f", (o < 0 ? 0 : o) }')

	# Never kernel numbers under xsock's name: a server whose frames did
	# not reach it through AF_XDP is labelled so.
	local label=$server note
	note=$(other_load_note "$other")
	if [ "$server" = xsock ]; then
		local rxp red
		rxp=$(jget "$xdp" rx_packets)
		red=$(jget "$xdp" redirected)
		if [ -z "$red" ] || [ -z "$rxp" ] || [ "$red" -lt $((rxp * 9 / 10)) ]; then
			label="xsock(kernel fallback)"
			note="${note:+$note; }only ${red:-?} of ${rxp:-?} packets redirected to AF_XDP"
		fi
	fi
	local shown="$test $proto $label" key=$test-$proto-$server
	SP50[$key]=$p50
	SRATE[$key]=$rate
	SCPU[$key]=$cpu
	SP_JSON_ROWS+=("{\"row\":$(json_str "$shown"),\"test\":\"$test\",\"variant\":\"$proto\",\"server\":\"$server\",\"server_label\":$(json_str "$label"),\"client\":{\"valid_seconds\":$valid_s,\"sent\":$sent,\"received\":$recv,\"received_total\":$total_recv,\"dropped\":$drop,\"duplicated\":$dup,\"out_of_order\":$ooo,\"avg_rtt_us\":$avg,\"std_dev_us\":$std,\"p50_us\":$p50,\"p99_us\":$p99,\"p999_us\":$p999,\"p9999_us\":$p9999,\"max_us\":$pmax,\"rate\":$rate,\"seconds\":$secs,\"cpu_busy_s\":$cpu_busy,\"cpu_irq_s\":$cpu_irq,\"cpu_self_s\":$client_cpu,\"cpu_us_per_req\":$cpu,\"ncpu\":$NCPU},\"server_result\":{\"cpu_self_s\":$server_cpu},\"xdp_stats\":$xdp,\"other_load\":$other,\"note\":$(json_str "$note"),\"commands\":[$(json_str "$scmd"),$(json_str "$ccmd")]}")
	SP_TABLE+=("$(printf '| %-42s | %8s | %8s | %8s | %10s | %10s | %9s | %s |' \
		"$shown" "$p50" "$p99" "$p999" "$rate" "$cpu" "$drop dropped" "$note")")
	printf '      p50 %s us  p99 %s us  p99.9 %s us  %s round trips/s  %s CPU-us each  %s dropped\n' \
		"$p50" "$p99" "$p999" "$rate" "$cpu" "$drop"
	printf '      server: %s\n' "$label"
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
	if [[ $r == sockperf-* ]]; then
		run_sockperf_row $i "$r"
	elif [[ $r == tcp-* ]]; then
		run_tcp_row $i "$r"
	else
		run_row $i "$r"
	fi
done

# ---- report ----------------------------------------------------------------------

HEADER='| row                                        | p50 us   | p99 us   | p99.9 us | rate/s     | CPU-us     | lost      | note |'
RULE='|--------------------------------------------|---------:|---------:|---------:|-----------:|-----------:|----------:|------|'
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
# TCP: the xsock row, under its label, against the kernel row.
TCP_SUMMARY=()
for k in tcp-rr-block tcp-rr-spin tcp-crr-block tcp-stream-in-txoff tcp-stream-in-txon \
	 tcp-stream-out-txoff tcp-stream-out-txon; do
	[ -n "${TLABEL[$k-xsock]:-}" ] || continue
	if [ -n "${TGBPS[$k-xsock]:-}" ]; then
		r="${TGBPS[$k-xsock]} Gb/s vs kernel ${TGBPS[$k-kernel]:-?} ($(ratio "${TGBPS[$k-xsock]}" "${TGBPS[$k-kernel]:-}")), CPU-us/MB ${TCPU[$k-xsock]} vs ${TCPU[$k-kernel]:-?}"
	elif [ "$k" = tcp-crr-block ]; then
		r="${TRATE[$k-xsock]} conn/s vs kernel ${TRATE[$k-kernel]:-?} ($(ratio "${TRATE[$k-xsock]}" "${TRATE[$k-kernel]:-}")), CPU-us ${TCPU[$k-xsock]} vs ${TCPU[$k-kernel]:-?}"
	else
		r="p50 ${TP50[$k-xsock]} us vs kernel ${TP50[$k-kernel]:-?} us ($(ratio "${TP50[$k-xsock]}" "${TP50[$k-kernel]:-}")), CPU-us ${TCPU[$k-xsock]} vs ${TCPU[$k-kernel]:-?}"
	fi
	TCP_SUMMARY+=("- $k ${TLABEL[$k-xsock]}: $r")
done
# sockperf: the server under xsock-run against the same server on the kernel.
SP_SUMMARY=()
for k in sockperf-pp-udp sockperf-pp-tcp; do
	[ -n "${SP50[$k-xsock]:-}" ] || continue
	SP_SUMMARY+=("- $k xsock: p50 ${SP50[$k-xsock]} us vs kernel ${SP50[$k-kernel]:-?} us ($(ratio "${SP50[$k-xsock]}" "${SP50[$k-kernel]:-}")), ${SRATE[$k-xsock]} vs ${SRATE[$k-kernel]:-?} round trips/s, CPU-us ${SCPU[$k-xsock]} vs ${SCPU[$k-kernel]:-?} ($(ratio "${SCPU[$k-xsock]}" "${SCPU[$k-kernel]:-}"))")
done

echo
echo "$HEADER"
echo "$RULE"
[ ${#TABLE[@]} -gt 0 ] && printf '%s\n' "${TABLE[@]}"
[ ${#TCP_TABLE[@]} -gt 0 ] && printf '%s\n' "${TCP_TABLE[@]}"
[ ${#SP_TABLE[@]} -gt 0 ] && printf '%s\n' "${SP_TABLE[@]}"
echo
[ ${#SUMMARY[@]} -gt 0 ] && printf '%s\n' "${SUMMARY[@]}"
[ ${#TCP_SUMMARY[@]} -gt 0 ] && printf '%s\n' "${TCP_SUMMARY[@]}"
[ ${#SP_SUMMARY[@]} -gt 0 ] && printf '%s\n' "${SP_SUMMARY[@]}"

# write_json FILE PROGRAM ROWS...: the run's facts and its rows.
write_json() {
	local file=$1 prog=$2 k
	shift 2
	{
		printf '{"date":"%s","kernel":%s,"cpu":%s,"ncpu":%s,"seconds_per_row":%s,"warmup":%s,"background_busy":%s,' \
			"$DATE" "$(json_str "$KERNEL")" "$(json_str "$CPU_MODEL")" "$NCPU" "$SECONDS_PER_ROW" "$WARMUP" "$BACKGROUND"
		printf '"client_cpu":%s,"server_cpu":%s,%s,"rows":[\n' "$CLIENT_CPU" "$SERVER_CPU" "$prog"
		for ((k = 1; k <= $#; k++)); do
			[ $k -gt 1 ] && printf ',\n'
			printf '%s' "${!k}"
		done
		printf '\n]}\n'
	} >"$file"
}

# write_md_head TITLE LINES...: the heading and the facts every table has.
write_md_head() {
	echo "# make bench: $1"
	echo
	echo "- date: $DATE"
	echo "- kernel: $KERNEL"
	echo "- CPU: $CPU_MODEL, $NCPU vCPUs; client pinned to CPU $CLIENT_CPU, server to CPU $SERVER_CPU"
	echo "- $SECONDS_PER_ROW s per row after $WARMUP s of warm-up; veth between two namespaces, AF_XDP in copy mode"
	shift
	printf -- '- %s\n' "$@"
	echo "- CPUs busy before the run (other load): $(awk -v b="$BACKGROUND" 'BEGIN { printf "%d%%", b * 100 }')"
	echo "- how to read this: docs/bench.md"
	echo
	echo "$HEADER"
	echo "$RULE"
}

mkdir -p "$OUT"
written=()
if [ ${#JSON_ROWS[@]} -gt 0 ]; then
	write_json "$OUT/udp.json" "\"udp_rr\":$(json_str "${UDP_RR#"$top"/}")" "${JSON_ROWS[@]}"
	{
		write_md_head UDP \
			"udp-rr: 64 B request/response; udp-stream N: echo throughput at N bytes, at most $WINDOW unanswered" \
			"CPU-us: busy time of all CPUs (/proc/stat user+nice+system+irq+softirq) per request or per echo"
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
	written+=("${OUT#"$top"/}/udp.json" "${OUT#"$top"/}/udp.md")
fi
if [ ${#TCP_JSON_ROWS[@]} -gt 0 ]; then
	write_json "$OUT/tcp.json" "\"tcp_rr\":$(json_str "${TCP_RR#"$top"/}")" "${TCP_JSON_ROWS[@]}"
	{
		write_md_head TCP \
			"tcp-rr: 64 B request/response over one connection (TCP_NODELAY); rate in requests/s" \
			"tcp-crr: connect, one 64 B request and its echo, close; rate in connections/s, p50/p99 of the whole cycle" \
			"tcp-stream in-/out-: bulk into / out of the server, 256 KiB writes, Gb/s of payload; -txoff/-txon: the kernel peer's TX offloads (checksum, TSO, GSO), and for out- rows the sending server veth's too; the note says what they really were" \
			"CPU-us: busy time of all CPUs per request or connection; for tcp-stream per MB (10^6 bytes) moved" \
			"an xsock row is labelled xsock(kernel fallback) when none of the connections its server accepted was on the fast path (xsock_is_accelerated() != 2): those are the kernel's numbers"
		printf '%s\n' "${TCP_TABLE[@]}"
		echo
		[ ${#TCP_SUMMARY[@]} -gt 0 ] && printf '%s\n' "${TCP_SUMMARY[@]}"
		echo
		echo "Commands (server, then client, per row that ran; xsockctl detach after each"
		echo "xsock row).  Set-up: namespaces $NS_C ($IP_C) and $NS_S ($IP_S) joined by veth"
		echo "$V_C/$V_S, permanent neighbour entries, in $NS_C \`ethtool -K $V_C tx off\` between rows and"
		echo "\`sysctl net.ipv4.ip_local_port_range=\"1024 65535\" net.ipv4.tcp_tw_reuse=1\` (for tcp-crr)."
		echo
		echo '```'
		printf '%s\n' "${TCP_COMMANDS[@]}" | sed "s|$top/||g"
		echo '```'
	} >"$OUT/tcp.md"
	written+=("${OUT#"$top"/}/tcp.json" "${OUT#"$top"/}/tcp.md")
fi
if [ ${#SP_JSON_ROWS[@]} -gt 0 ]; then
	write_json "$OUT/sockperf.json" "\"sockperf\":$(json_str "$("${SOCKPERF:-sockperf}" --version 2>&1 | sed -n 's/.*version \([^ ]*\).*/\1/p' | head -1)")" "${SP_JSON_ROWS[@]}"
	{
		write_md_head sockperf \
			"sockperf ping-pong, 64 B messages, from the client side (the kernel) against \`sockperf server\`, as packaged, with its default I/O (it reports blocking in recvfrom()); run as it is (kernel) and under xsock-run (xsock); times are round trips (--full-rtt), rate is round trips/s over sockperf's valid duration (its own warm-up, and the start and end of the run, left out), lost is sockperf's dropped-message count" \
			"CPU-us: busy time of all CPUs (/proc/stat) over the whole client run, per round trip" \
			"an xsock row is labelled xsock(kernel fallback) when under 90% of the frames reaching the server's veth were redirected to AF_XDP"
		printf '%s\n' "${SP_TABLE[@]}"
		echo
		[ ${#SP_SUMMARY[@]} -gt 0 ] && printf '%s\n' "${SP_SUMMARY[@]}"
		echo
		echo "Commands (server, then client, per row that ran; the server ends on SIGINT, then"
		echo "xsockctl detach after each xsock row).  Set-up: namespaces $NS_C ($IP_C) and $NS_S ($IP_S)"
		echo "joined by veth $V_C/$V_S, \`ethtool -K $V_C tx off\` in $NS_C, permanent neighbour entries."
		echo
		echo '```'
		printf '%s\n' "${SP_COMMANDS[@]}" | sed "s|$top/||g"
		echo '```'
	} >"$OUT/sockperf.md"
	written+=("${OUT#"$top"/}/sockperf.json" "${OUT#"$top"/}/sockperf.md")
fi
echo
echo "wrote ${written[*]:-nothing}"
