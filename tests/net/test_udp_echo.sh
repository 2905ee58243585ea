#!/bin/bash
# UDP over the fast path with the Linux kernel as the peer: a libxsock echo
# server answers socat, nc and a kernel client over IPv4 and IPv6; a
# libxsock client talks to a kernel server; 64 KiB datagrams fragmented by
# the kernel arrive whole both ways; neighbours resolve from a cold table;
# steering rules live exactly as long as the sockets; the kernel's own ping
# and TCP keep working throughout.
. "$(dirname "$0")/lib.sh"
xs_topology || { echo "topology set-up failed"; exit 1; }
XS_UDP=$NET_HELPERS/xs_udp
[ -x "$XS_UDP" ] || xs_skip "$XS_UDP not built"
work=$(mktemp -d)
xs_on_exit "rm -rf $work"

echo_reply() {	# CLIENT-ADDRESS-SPEC: socat sends a line, expects it back
	local reply
	reply=$(echo "ping $1" | in_b timeout 3 socat -t2 - "$1")
	[ "$reply" = "ping $1" ]
}
nc_reply() {
	local reply
	reply=$(echo "nc $1" | in_b timeout 3 nc -u -w1 "$1" 9000)
	[ "$reply" = "nc $1" ]
}
rules_of() {	# TYPE PID: rules of that type owned by pid
	xs_json "len([r for r in j if r['type'] == '$1' and r['owner'] == $2])" xsctl_a -j rule show "$VETH_A"
}
tcp_ok() {
	local reply
	reply=$(echo tcp | in_b timeout 4 socat -t2 - "TCP:$IP4_A:7100,connect-timeout=2")
	[ "$reply" = tcp ]
}

ip netns exec "$NS_A" socat TCP-LISTEN:7100,fork,reuseaddr EXEC:cat >/dev/null 2>&1 &
xs_on_exit "kill $!"
check "attach" xsctl_a attach "$VETH_A"

# --- a libxsock echo server, dual-stack
ip netns exec "$NS_A" "$XS_UDP" echo -6 9000 >"$work/echo.out" 2>&1 &
echo_pid=$!
xs_on_exit "kill $echo_pid"
check "the echo server starts and its socket is on the fast path" \
	xs_wait_for 5 grep -q 'ready accelerated 2' "$work/echo.out"
check "its socket installed one listener rule owned by it" test "$(rules_of listener $echo_pid)" = 1
red0=$(xs_counter redirected)
check "socat over IPv4 gets its echo" echo_reply "UDP:$IP4_A:9000"
check "socat over IPv6 gets its echo" echo_reply "UDP6:[$IP6_A]:9000"
check "nc over IPv4 gets its echo" nc_reply "$IP4_A"
check "nc over IPv6 gets its echo" nc_reply "$IP6_A"
check "a kernel client: 1000 x 1400 B echoed intact" in_b timeout 30 "$XS_UDP" client "$IP4_A" 9000 1400 1000
check "a kernel client over IPv6: 1000 x 64 B echoed intact" in_b timeout 30 "$XS_UDP" client -6 "$IP6_A" 9000 64 1000
check "the datagrams went through AF_XDP (redirected grew by >= 2004)" \
	counter_gt redirected $((red0 + 2003))
frag0=$(xs_counter pass_fragment)
check "65507 B datagrams (fragmented by the kernel) arrive whole and come back whole" \
	in_b timeout 30 "$XS_UDP" client "$IP4_A" 9000 65507 10
check "IPv6: 65000 B datagrams both ways" in_b timeout 30 "$XS_UDP" client -6 "$IP6_A" 9000 65000 10
check "the fragments went to the kernel, which reassembled them" counter_gt pass_fragment "$frag0"
check "ping works while the server runs" in_b ping -c2 -i0.2 -W1 "$IP4_A"
check "kernel TCP works while the server runs" tcp_ok
kill "$echo_pid"; wait "$echo_pid" 2>/dev/null
check "the server saw every datagram: $(tail -n1 "$work/echo.out")" \
	grep -q '^received 2024 ' "$work/echo.out"
check "its rule is gone with its socket" test "$(rules_of listener $echo_pid)" = 0

# --- a libxsock client, kernel servers
ip netns exec "$NS_B" python3 "$TOP/tests/net/kernel_udp_echo.py" 4 9100 >/dev/null 2>&1 &
xs_on_exit "kill $!"
ip netns exec "$NS_B" python3 "$TOP/tests/net/kernel_udp_echo.py" 6 9100 >/dev/null 2>&1 &
xs_on_exit "kill $!"
xs_wait_for 5 in_b bash -c "[ \$(ss -uln | grep -c ':9100 ') = 2 ]"
in_a ip neigh flush all
in_a ip -6 neigh flush all
red0=$(xs_counter redirected)
check "libxsock client to a kernel server, cold neighbour table: 500 x 100 B" \
	bash -c "ip netns exec $NS_A $XS_UDP client $IP4_B 9100 100 500 | grep -q 'ok 500 accelerated 2'"
check "IPv6, cold neighbour table: 500 x 1000 B" \
	bash -c "ip netns exec $NS_A $XS_UDP client -6 $IP6_B 9100 1000 500 | grep -q 'ok 500 accelerated 2'"
check "IPv4 client: 20 x 65507 B fragmented by the stack, echoed back through the kernel" \
	bash -c "ip netns exec $NS_A $XS_UDP client $IP4_B 9100 65507 20 | grep -q 'ok 20'"
check "the replies were steered by the clients' 5-tuple rules" counter_gt redirected $((red0 + 999))
check "no 5-tuple rule outlives its socket" test "$(xs_rule_count flow)" = 0
check "ping still works" in_b ping -c2 -i0.2 -W1 "$IP4_A"
check "detach" xsctl_a detach "$VETH_A"
xs_done
