#!/bin/bash
# `make demo`: attach xsock to a veth in namespaces made for the occasion,
# show what xsockctl sees, steer a port, watch the counters move, clean up.
# Everything it creates is removed on exit, also on failure or Ctrl-C.
set -eu
BUILD=${BUILD:-build}
top=$(cd "$(dirname "$0")/.." && pwd)
XSOCKCTL=$top/$BUILD/xsockctl

if [ "$(id -u)" != 0 ]; then
	echo "make demo needs root (network namespaces and XDP)" >&2
	exit 1
fi

NS_A=xsdemo-a
NS_B=xsdemo-b
VA=xsdemo0
VB=xsdemo1
cleanup() {
	set +e
	[ -n "${srv:-}" ] && kill "$srv" 2>/dev/null
	[ -n "${sink:-}" ] && kill "$sink" 2>/dev/null
	[ -n "${work:-}" ] && rm -rf "$work"
	ip netns exec $NS_A "$XSOCKCTL" detach $VA >/dev/null 2>&1
	ip netns del $NS_A 2>/dev/null
	ip netns del $NS_B 2>/dev/null
}
trap cleanup EXIT
trap 'exit 130' INT TERM
cleanup	# a previous demo killed hard may have left them

step() { printf '\n\033[1m== %s\033[0m\n' "$*"; }
show() { printf '$ %s\n' "$*"; "$@"; }
ctl() { show ip netns exec $NS_A "$XSOCKCTL" "$@"; }

step "Two namespaces joined by a veth: $NS_A (xsock side, 198.18.0.1) and $NS_B (Linux peer, 198.18.0.2)"
ip netns add $NS_A
ip netns add $NS_B
ip link add $VA netns $NS_A type veth peer name $VB netns $NS_B
ip -n $NS_A addr add 198.18.0.1/24 dev $VA
ip -n $NS_B addr add 198.18.0.2/24 dev $VB
ip -n $NS_A link set $VA up
ip -n $NS_B link set $VB up
ip netns exec $NS_B ethtool -K $VB tx off >/dev/null 2>&1 || true

step "Attach the steering program"
ctl attach $VA
ctl status $VA

step "Configuration, seeded from the kernel's /proc/sys/net/core"
ctl sysctl $VA -a
ctl sysctl $VA net.core.rmem_max=8388608

step "Steer UDP port 9000 to xsock (no stack is consuming it yet, so the kernel still gets it)"
ctl rule add $VA udp 9000
ctl rule show $VA

send_udp() {	# N datagrams from the peer to 198.18.0.1:9000
	for i in $(seq 1 "$1"); do
		echo "datagram $i" | ip netns exec $NS_B socat -u - UDP:198.18.0.1:9000
	done
}

step "Traffic from the peer: pings (not ours), TCP to the kernel (no rule), UDP to 9000 (ruled)"
work=$(mktemp -d)
ip netns exec $NS_A socat -u UDP-RECV:9000 OPEN:$work/kernel-got,creat,append &
srv=$!
show ip netns exec $NS_B ping -c 3 -i 0.2 198.18.0.1
send_udp 5
ip netns exec $NS_B timeout 2 bash -c 'echo > /dev/tcp/198.18.0.1/22' 2>/dev/null || true
sleep 0.3
ctl stats $VA
echo "The kernel's UDP socket on 9000 got $(wc -l <$work/kernel-got) datagrams: the rule matched, but"
echo "no AF_XDP socket listens on the queue, so the program handed them to the kernel (pass_redirect_failed)."

step "Now an AF_XDP socket takes queue 0 (the test suite's bare consumer): the same datagrams are steered to it"
pins=/run/xsock/bpf/netns-$(ip netns exec $NS_A stat -L -c %i /proc/self/ns/net)/$VA
ip netns exec $NS_A "$top/$BUILD/tests/net/xsk_sink" $VA 0 "$pins/xsks" "$work/counts" >"$work/sink.out" 2>&1 &
sink=$!
for _ in $(seq 50); do grep -q ready "$work/sink.out" 2>/dev/null && break; sleep 0.1; done
send_udp 10
sleep 0.3
ctl stats $VA rule
echo "The AF_XDP socket received $(cut -d' ' -f3 "$work/counts") UDP datagrams; the kernel's socket still has $(wc -l <$work/kernel-got)."

step "Detach and clean up"
ctl detach $VA
echo
echo "demo finished: everything it created is removed on exit"
