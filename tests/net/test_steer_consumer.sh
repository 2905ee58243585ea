#!/bin/bash
# Steering with a real AF_XDP consumer (xsk_sink, which swallows what it
# gets): a TCP listener rule takes new connections only, so a kernel TCP
# connection that existed before the rule keeps working while new SYNs are
# steered away from the kernel; a UDP rule takes every datagram to its
# port; and when the consumer dies its traffic falls back to the kernel at
# once.
. "$(dirname "$0")/lib.sh"
xs_topology || { echo "topology set-up failed"; exit 1; }
SINK=$NET_HELPERS/xsk_sink
[ -x "$SINK" ] || xs_skip "$SINK not built"
work=$(mktemp -d)
xs_on_exit "rm -rf $work"

tcp_echo_ok() {
	local reply
	reply=$(echo "hello $1" | in_b timeout 4 socat -t2 - "TCP:$IP4_A:$1,connect-timeout=2")
	[ "$reply" = "hello $1" ]
}
sink_count() {	# field: 1 frames, 2 tcp-syn, 3 udp
	cut -d' ' -f"$1" "$work/counts"
}
sink_count_gt() { [ "$(sink_count "$1")" -gt "$2" ]; }

# A kernel echo server, and one long-lived connection to it made before any rule.
ip netns exec "$NS_A" socat TCP-LISTEN:7003,fork,reuseaddr EXEC:cat >/dev/null 2>&1 &
xs_on_exit "kill $!"
ip netns exec "$NS_A" socat -u UDP-RECV:7004 "OPEN:$work/udp-kernel,creat,append" >/dev/null 2>&1 &
xs_on_exit "kill $!"
xs_wait_for 5 in_a bash -c "ss -ltn | grep -q ':7003'"
# The long-lived client reads lines from a FIFO we keep open on fd 3.
mkfifo "$work/to-conn"
ip netns exec "$NS_B" socat -t30 STDIO "TCP:$IP4_A:7003" <"$work/to-conn" >"$work/from-conn" 2>&1 &
conn_pid=$!
xs_on_exit "kill $conn_pid"
exec 3>"$work/to-conn"
xs_on_exit "exec 3>&-"
echo "before" >&3
check "the long-lived kernel connection works before the rule" \
	xs_wait_for 3 grep -q '^before$' "$work/from-conn"

check "attach" xsctl_a attach "$VETH_A"
pins=$(xs_pin_dir "$NS_A" "$VETH_A")
ip netns exec "$NS_A" "$SINK" "$VETH_A" 0 "$pins/xsks" "$work/counts" >"$work/sink.out" 2>&1 &
sink_pid=$!
xs_on_exit "kill $sink_pid"
check "xsk_sink bound queue 0 and entered the XSKMAP" xs_wait_for 5 grep -q ready "$work/sink.out"
check "TCP listener rule on the kernel server's port" xsctl_a rule add "$VETH_A" tcp 7003
check "UDP rule on 7004" xsctl_a rule add "$VETH_A" udp 7004

kconn_before=$(xs_counter pass_kernel_conn)
echo "after" >&3
check "the existing kernel connection survives the rule" \
	xs_wait_for 3 grep -q '^after$' "$work/from-conn"
check "its segments were recognised as the kernel's (pass_kernel_conn)" \
	counter_gt pass_kernel_conn "$kconn_before"
check_fails "a new connection to 7003 is steered away from the kernel" tcp_echo_ok 7003
check "its SYNs reached the AF_XDP consumer" sink_count_gt 2 0
check "and were counted as redirected" counter_gt redirected 0
for i in 1 2 3 4 5; do echo "d$i" | in_b socat -u - "UDP:$IP4_A:7004"; done
check "UDP datagrams to 7004 reach the consumer" xs_wait_for 3 sink_count_gt 3 4
check "and not the kernel socket" test ! -s "$work/udp-kernel"
check "ping is untouched" in_b ping -c2 -i0.2 -W1 "$IP4_A"
echo "still" >&3
check "the old connection still works after new ones were steered" \
	xs_wait_for 3 grep -q '^still$' "$work/from-conn"

# The consumer dies: its socket leaves the XSKMAP, traffic returns to the kernel.
kill "$sink_pid"; wait "$sink_pid" 2>/dev/null
failed_before=$(xs_counter pass_redirect_failed)
check "with the consumer gone, new connections reach the kernel again" tcp_echo_ok 7003
echo "after-death" | in_b socat -u - "UDP:$IP4_A:7004"
check "and UDP does too" xs_wait_for 3 grep -q after-death "$work/udp-kernel"
check "counted as redirect_failed" counter_gt pass_redirect_failed "$failed_before"

check "rule del" xsctl_a rule del "$VETH_A" tcp 7003
nr_before=$(xs_counter pass_no_rule)
check "after rule del the port is plain kernel traffic" tcp_echo_ok 7003
check "counted as no rule" counter_gt pass_no_rule "$nr_before"
xs_done
