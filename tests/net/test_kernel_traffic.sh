#!/bin/bash
# With the program attached, and with steering rules present but no AF_XDP
# consumer, the kernel's own traffic on the interface keeps working: the
# program falls back to XDP_PASS and counts why.
. "$(dirname "$0")/lib.sh"
xs_topology || { echo "topology set-up failed"; exit 1; }

tcp_echo_ok() {	# PORT ADDR: a fresh kernel TCP connection echoes a line
	local reply
	reply=$(echo "hello $1" | in_b timeout 5 socat -t2 - "TCP:$2:$1,connect-timeout=3")
	[ "$reply" = "hello $1" ]
}
udp_echo_ok() {
	local reply
	reply=$(echo "dgram $1" | in_b timeout 5 socat -t2 - "UDP:$2:$1")
	[ "$reply" = "dgram $1" ]
}

# One dual-stack listener serves IPv4 (mapped) and IPv6.
ip netns exec "$NS_A" socat TCP6-LISTEN:7001,ipv6only=0,fork,reuseaddr EXEC:cat >/dev/null 2>&1 &
xs_on_exit "kill $!"
ip netns exec "$NS_A" socat UDP-RECVFROM:7002,fork EXEC:cat >/dev/null 2>&1 &
xs_on_exit "kill $!"
xs_wait_for 5 in_a bash -c "ss -ltn | grep -q ':7001'"

check "attach" xsctl_a attach "$VETH_A"
check "IPv4 ping works with the program attached" in_b ping -c3 -i0.2 -W1 "$IP4_A"
check "IPv6 ping works with the program attached" in_b ping -6 -c3 -i0.2 -W1 "$IP6_A"
check "kernel TCP (IPv4) works" tcp_echo_ok 7001 "$IP4_A"
check "kernel TCP (IPv6) works" tcp_echo_ok 7001 "[$IP6_A]"
check "kernel UDP works" udp_echo_ok 7002 "$IP4_A"
check "the program counted kernel TCP/UDP as no-rule" counter_gt pass_no_rule 0
check "and ICMP as not TCP/UDP" counter_gt pass_not_tcp_udp 0

# Rules with nobody consuming them: redirect fails, the kernel gets the frame.
check "add a TCP listener rule on 7001" xsctl_a rule add "$VETH_A" tcp 7001
check "add a UDP rule on 7002" xsctl_a rule add "$VETH_A" udp "$IP4_A" 7002
failed_before=$(xs_counter pass_redirect_failed)
check "kernel TCP on a ruled port still works (no consumer)" tcp_echo_ok 7001 "$IP4_A"
check "kernel TCP over IPv6 on a ruled port still works" tcp_echo_ok 7001 "[$IP6_A]"
check "kernel UDP on a ruled port still works (no consumer)" udp_echo_ok 7002 "$IP4_A"
failed_after=$(xs_counter pass_redirect_failed)
check "redirect_failed counted those frames ($failed_before -> $failed_after)" \
	test "$failed_after" -gt "$failed_before"
check "ping still works" in_b ping -c2 -i0.2 -W1 "$IP4_A"

# The program bumps rx_packets and then one outcome, so a frame in flight
# on another CPU can separate them for a moment: read until a snapshot is
# consistent (a real miscount never becomes consistent).
counted_once() {
	xs_json "j['stats']['rx_packets'] == sum(v for k, v in j['stats'].items() if k == 'redirected' or k.startswith('pass_'))" \
		xsctl_a -j stats "$VETH_A" | grep -q True
}
check "every frame seen is counted under exactly one outcome" xs_wait_for 3 counted_once

check "detach" xsctl_a detach "$VETH_A"
check "kernel TCP works after detach" tcp_echo_ok 7001 "$IP4_A"
xs_done
