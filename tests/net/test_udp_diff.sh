#!/bin/bash
# The same UDP socket cases on kernel sockets and on xsock sockets, side by
# side on an attached interface, with a kernel echo server as the peer:
# return values, errno, addresses and data must agree (udp_diff.c).
. "$(dirname "$0")/lib.sh"
xs_topology || { echo "topology set-up failed"; exit 1; }
DIFF=$NET_HELPERS/udp_diff
[ -x "$DIFF" ] || xs_skip "$DIFF not built"

ip netns exec "$NS_B" socat UDP4-RECVFROM:9300,fork EXEC:cat >/dev/null 2>&1 &
xs_on_exit "kill $!"
ip netns exec "$NS_B" socat UDP6-RECVFROM:9300,ipv6only=1,fork EXEC:cat >/dev/null 2>&1 &
xs_on_exit "kill $!"
xs_wait_for 5 in_b bash -c "[ \$(ss -uln | grep -c ':9300 ') = 2 ]"
# Both runs provoke ICMP port unreachables; the peer's per-host rate limit
# (1/s) would otherwise drop the second run's.
in_b sysctl -qw net.ipv4.icmp_ratelimit=0 net.ipv6.icmp.ratelimit=0
check "attach" xsctl_a attach "$VETH_A"
in_a timeout 60 "$DIFF" "$IP4_A" "$IP4_B" "$IP6_A" "$IP6_B" 9300 >/tmp/xs-diff.$$ 2>&1
rc=$?
sed 's/^/    /' /tmp/xs-diff.$$
rm -f /tmp/xs-diff.$$
check "kernel and xsock agree on every case" test "$rc" = 0
xs_done
