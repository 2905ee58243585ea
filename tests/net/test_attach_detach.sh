#!/bin/bash
# xsockctl attach/detach/status on a veth in a namespace: attach works,
# a second attach is refused unless forced, pins made under `ip netns exec`
# outlive the command, detach leaves the interface as it was, and bad
# requests get a clear error and a non-zero exit.
. "$(dirname "$0")/lib.sh"
xs_topology || { echo "topology set-up failed"; exit 1; }

# What "as it was" means: link flags, MTU, XDP state and offloads of both
# ends (attaching XDP to a veth changes its peer's offloads).
snapshot() {
	in_a ip -d link show dev "$VETH_A" | grep -v -e 'link/ether' -e '^ *RX\|TX'
	in_a ethtool -k "$VETH_A" 2>/dev/null
	in_b ethtool -k "$VETH_B" 2>/dev/null
}
before=$(snapshot)
pins=$(xs_pin_dir "$NS_A" "$VETH_A")

check "attach succeeds" xsctl_a attach "$VETH_A"
check "the interface shows an XDP program" \
	bash -c "ip -n $NS_A link show dev $VETH_A | grep -q 'xdp'"
check "pins exist where every process of the namespace finds them" \
	test -e "$pins/prog" -a -e "$pins/link" -a -e "$pins/xsks" -a -e "$pins/flows" \
	     -a -e "$pins/listeners" -a -e "$pins/port_gate" -a -e "$pins/stats" -a -e "$pins/config"
check "status (a new ip netns exec) finds the attachment" \
	bash -c "ip netns exec $NS_A $XSOCKCTL status $VETH_A | grep -q $VETH_A"
check "status -j says native mode" status_field_is mode native

out=$(xsctl_a attach "$VETH_A" 2>&1); rc=$?
check "a second attach is refused (exit $rc)" test "$rc" -ne 0
check "and says it is attached: '$out'" grep -qi 'already attached' <<<"$out"
check "attach force replaces it" xsctl_a attach "$VETH_A" force
check "attach mode generic force switches to generic" xsctl_a attach "$VETH_A" mode generic force
check "status -j says generic mode" status_field_is mode generic
check "the kernel still answers ping through the program" in_b ping -c2 -i0.2 -W1 "$IP4_A"

check "detach succeeds" xsctl_a detach "$VETH_A"
check "no XDP program left on the interface" \
	bash -c "! ip -n $NS_A link show dev $VETH_A | grep -q 'xdp'"
check "pins removed" test ! -e "$pins"
after=$(snapshot)
check "detach leaves link, MTU and offloads of both ends as they were" \
	diff <(echo "$before") <(echo "$after")

out=$(xsctl_a detach "$VETH_A" 2>&1); rc=$?
check "detaching a detached interface fails (exit $rc)" test "$rc" -ne 0
check "with a message saying it is not attached: '$out'" grep -qi 'not attached' <<<"$out"

out=$(xsctl_a attach xsnosuch0 2>&1); rc=$?
check "attach to a missing interface fails (exit $rc)" test "$rc" -ne 0
check "naming the interface: '$out'" grep -q 'xsnosuch0' <<<"$out"
out=$(xsctl_a -j attach xsnosuch0 2>/dev/null); rc=$?
check "-j errors are JSON {\"error\": ...} (exit $rc)" \
	bash -c "[ $rc -ne 0 ] && python3 -c 'import json,sys; assert \"error\" in json.loads(sys.argv[1])' '$out'"
out=$(xsctl_a attach "$VETH_A" mode turbo 2>&1); rc=$?
check "a bad mode is a usage error (exit $rc): '$out'" test "$rc" -ne 0
check "and attached nothing" bash -c "! ip -n $NS_A link show dev $VETH_A | grep -q xdp"
xs_done
