#!/bin/bash
# Unmodified programs on the fast path through xsock-run (the LD_PRELOAD
# shim): a Python echo server waiting in epoll, poll, select and asyncio,
# over IPv4 and IPv6, one of them after a fork child exited and a
# subprocess ran; socat's UDP-LISTEN echo; nc and an epoll test program
# (pipe + eventfd + UDP socket) as clients of a kernel echo server.  The
# kernel peer in the other namespace checks every echo, and the traffic
# must really have gone through xsock: the programs' steering rules exist
# while they run, survive their fork and subprocess children and go with
# them (close_range too), the XDP program redirected the datagrams, and
# the servers' stacks counted them.  --busy-poll is measured in CPU time.
. "$(dirname "$0")/lib.sh"
XSOCK_RUN=$TOP/$BUILD/xsock-run
XS_UDP=$NET_HELPERS/xs_udp
EPOLL_MIX=$TOP/$BUILD/tests/preload/epoll_mix
for f in "$XSOCK_RUN" "$XS_UDP" "$EPOLL_MIX" "$TOP/$BUILD/libxsock-preload.so"; do
	[ -x "$f" ] || xs_skip "$f not built (run make)"
done
command -v python3 >/dev/null || xs_skip "python3 is not installed"
# The interpreter itself, not a wrapper script (pyenv shims): its pid is
# the one that owns the rules.
PY=$(python3 -c 'import sys; print(sys.executable)')
xs_topology || { echo "topology set-up failed"; exit 1; }
work=$(mktemp -d)
xs_on_exit "rm -rf $work"

rules_of() {	# TYPE PID: rules of that type owned by pid
	xs_json "len([r for r in j if r['type'] == '$1' and r['owner'] == $2])" xsctl_a -j rule show "$VETH_A"
}
stack_rx() {	# PID: datagrams that process's stack received, as it last published
	xs_json "sum(s['rx_packets'] for s in j['stacks'] or [] if s['pid'] == $1)" xsctl_a -j stats "$VETH_A"
}
stack_rx_ge() { [ "$(stack_rx "$1")" -ge "$2" ]; }
run_a() {	# run in NS_A under xsock-run
	ip netns exec "$NS_A" "$XSOCK_RUN" --iface "$VETH_A" -- "$@"
}

check "attach" xsctl_a attach "$VETH_A"

# --- Python echo servers: epoll, poll, select
serve() {	# NAME PORT ARGS...: start, wait for "ready"; sets $srv
	local name=$1 port=$2
	shift 2
	ip netns exec "$NS_A" "$XSOCK_RUN" --iface "$VETH_A" --busy-poll "${BUSY_POLL:-20}" -- \
		"$PY" "$TOP/tests/net/preload_echo.py" "$@" >"$work/$name.out" 2>&1 &
	srv=$!
	xs_on_exit "kill $srv"
	xs_wait_for 10 grep -q '^ready' "$work/$name.out"
}
stop_server() {	# PID NAME: SIGTERM and wait (in this shell: $(...) could not); sets $n, $rc
	kill "$1"
	wait "$1" 2>/dev/null
	rc=$?
	n=$(sed -n 's/^received //p' "$work/$2.out")
}

port=9301
for mode in epoll poll select asyncio; do
	serve "$mode" $port "$mode" $port
	check "python ($mode) starts under xsock-run" grep -q '^ready' "$work/$mode.out"
	check "python ($mode): its socket installed a listener rule owned by it" \
		test "$(rules_of listener $srv)" = 1
	red0=$(xs_counter redirected)
	check "python ($mode): a kernel client gets 300 x 512 B echoed intact" \
		in_b timeout 30 "$XS_UDP" client "$IP4_A" $port 512 300
	check "python ($mode): the XDP program redirected them (redirected grew by >= 300)" \
		counter_gt redirected $((red0 + 299))
	check "python ($mode): its stack counted them" xs_wait_for 3 stack_rx_ge $srv 300
	stop_server $srv "$mode"
	check "python ($mode) read every datagram ($n) and exited cleanly ($rc)" \
		test "${n:-0}" -ge 300 -a "$rc" = 0
	check "python ($mode): its rule went with it" test "$(rules_of listener $srv)" = 0
	port=$((port + 1))
done

serve epoll6 9310 epoll 9310 -6
red0=$(xs_counter redirected)
check "python over IPv6: 200 x 1000 B echoed intact" \
	in_b timeout 30 "$XS_UDP" client -6 "$IP6_A" 9310 1000 200
check "python over IPv6: redirected by XDP" counter_gt redirected $((red0 + 199))
stop_server $srv epoll6

serve forked 9311 poll 9311 --fork-child --spawn
check "a fork child that closed the socket and exited, and subprocess.run(), left the rule" \
	test "$(rules_of listener $srv)" = 1
red0=$(xs_counter redirected)
check "and the parent still echoes on the fast path" \
	in_b timeout 30 "$XS_UDP" client "$IP4_A" 9311 100 100
check "redirected grew by >= 100" counter_gt redirected $((red0 + 99))
stop_server $srv forked

# --- close_range(): Python's os.closerange() closes an xsock socket as close() does
ip netns exec "$NS_A" "$XSOCK_RUN" -- "$PY" -c '
import os, socket, time
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.bind(("0.0.0.0", 9330))
print("bound", flush=True)
time.sleep(2)
os.closerange(s.fileno(), s.fileno() + 1)
print("closed", flush=True)
time.sleep(10)' >"$work/cr.out" 2>&1 &
cr=$!
xs_on_exit "kill $cr"
xs_wait_for 10 grep -q '^bound' "$work/cr.out"
check "a socket to be closed by close_range() is steered" test "$(rules_of listener $cr)" = 1
xs_wait_for 10 grep -q '^closed' "$work/cr.out"
check "close_range() took its rule with it" test "$(rules_of listener $cr)" = 0
kill $cr
wait $cr 2>/dev/null

# --- --busy-poll: a server waiting in poll(1000) spins that long first
cpu_ticks() { awk '{print $14 + $15}' "/proc/$1/stat"; }
spin_ticks() {	# BUSY_POLL_US: CPU ticks an idle server burns in 2 s after traffic
	BUSY_POLL=$1 serve "busy$1" 9320 poll 9320
	in_b timeout 10 "$XS_UDP" client "$IP4_A" 9320 64 5 >/dev/null
	local t0
	t0=$(cpu_ticks $srv)
	sleep 2
	ticks=$(( $(cpu_ticks $srv) - t0 ))
	stop_server $srv "busy$1"
}
spin_ticks 0
check "--busy-poll 0: the idle server sleeps ($ticks ticks of CPU in 2 s)" test "$ticks" -le 10
spin_ticks 400000
check "--busy-poll 400000: it spins 0.4 s in each 1 s wait ($ticks ticks in 2 s)" test "$ticks" -ge 25

# --- socat: UDP-LISTEN takes the first peer, connects, echoes through a pipe
if command -v socat >/dev/null; then
	ip netns exec "$NS_A" "$XSOCK_RUN" -- socat UDP-LISTEN:9400 PIPE >"$work/socat.out" 2>&1 &
	socat_pid=$!
	xs_on_exit "kill $socat_pid"
	xs_wait_for 5 in_a bash -c "ss -uln | grep -q ':9400 '"
	check "socat UDP-LISTEN steered by a listener rule" test "$(rules_of listener $socat_pid)" = 1
	red0=$(xs_counter redirected)
	reply=$(printf 'one\n' | in_b timeout 5 socat -t2 - "UDP:$IP4_A:9400,sourceport=9401")
	check "socat echoes the first datagram ('$reply')" test "$reply" = one
	check "after its connect(), a 5-tuple rule steers the peer" test "$(rules_of flow $socat_pid)" = 1
	reply=$(printf 'two\n' | in_b timeout 5 socat -t2 - "UDP:$IP4_A:9400,sourceport=9401")
	check "and the next ('$reply')" test "$reply" = two
	check "both went through AF_XDP" counter_gt redirected $((red0 + 1))
	kill "$socat_pid"
	wait "$socat_pid" 2>/dev/null
else
	echo "  skip socat: not installed (tools/install-deps.sh)"
fi

# --- clients of a kernel echo server: nc, epoll_mix
ip netns exec "$NS_B" python3 "$TOP/tests/net/kernel_udp_echo.py" 4 9100 >/dev/null 2>&1 &
xs_on_exit "kill $!"
ip netns exec "$NS_B" python3 "$TOP/tests/net/kernel_udp_echo.py" 6 9100 >/dev/null 2>&1 &
xs_on_exit "kill $!"
xs_wait_for 5 in_b bash -c "[ \$(ss -uln | grep -c ':9100 ') = 2 ]"

if command -v nc >/dev/null && nc -h 2>&1 | grep -q -- '-u'; then
	red0=$(xs_counter redirected)
	reply=$(echo hello | run_a timeout 5 nc -u -w1 "$IP4_B" 9100)
	check "nc -u: the kernel server's echo comes back ('$reply')" test "$reply" = hello
	check "nc's reply came through AF_XDP" counter_gt redirected "$red0"
else
	echo "  skip nc: netcat-openbsd not installed (tools/install-deps.sh)"
fi

red0=$(xs_counter redirected)
run_a timeout 60 "$EPOLL_MIX" --peer "$IP4_B" 9100 >"$work/mix4.out" 2>&1
rc=$?
check "epoll_mix: its UDP socket is on the fast path" grep -qx '# xsock 2' "$work/mix4.out"
check "epoll_mix: pipe + eventfd + UDP socket, every epoll/select/poll check (exit $rc)" \
	bash -c "[ $rc = 0 ] || { grep -v '^ok' '$work/mix4.out'; false; }"
check "epoll_mix: the echoes came through AF_XDP" counter_gt redirected $((red0 + 9))
run_a timeout 60 "$EPOLL_MIX" -6 --peer "$IP6_B" 9100 >"$work/mix6.out" 2>&1
rc=$?
check "epoll_mix over IPv6 on the fast path, every check (exit $rc)" \
	bash -c "[ $rc = 0 ] && grep -qx '# xsock 2' '$work/mix6.out' || { grep -v '^ok' '$work/mix6.out'; false; }"

check "no rule outlives the programs" test "$(xs_rule_count flow)" = 0 -a "$(xs_rule_count listener)" = 0
check "ping still works" in_b ping -c2 -i0.2 -W1 "$IP4_A"
check "detach" xsctl_a detach "$VETH_A"
xs_done
