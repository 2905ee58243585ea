#!/bin/bash
# The control plane's maps from the command line: rules (listener and
# 5-tuple, owners and gc), sysctl (seeded from the kernel, validated like the
# kernel), stats per rule, and bpftool seeing field names through BTF.
. "$(dirname "$0")/lib.sh"
xs_topology || { echo "topology set-up failed"; exit 1; }

check "attach" xsctl_a attach "$VETH_A"

# --- rules
check "listener rule, any address" xsctl_a rule add "$VETH_A" tcp 8080
check "listener rule, IPv4 address" xsctl_a rule add "$VETH_A" udp "$IP4_A" 5353
check "listener rule, IPv6 address" xsctl_a rule add "$VETH_A" tcp "$IP6_A" 8443
check "5-tuple rule" xsctl_a rule add "$VETH_A" tcp "$IP4_A" 40000 "$IP4_B" 80
check_fails "a duplicate rule is refused" xsctl_a rule add "$VETH_A" tcp 8080
check_fails "port 0 is refused" xsctl_a rule add "$VETH_A" tcp 0
check_fails "port 65536 is refused" xsctl_a rule add "$VETH_A" tcp 65536
check_fails "a bad address is refused" xsctl_a rule add "$VETH_A" tcp 198.18.0.300 80
check_fails "an unknown protocol is refused" xsctl_a rule add "$VETH_A" sctp 80
n=$(xs_json "len(j)" xsctl_a -j rule show "$VETH_A")
check "rule show lists the 4 rules ($n)" test "$n" = 4
sleep 600 &
owner=$!
xs_on_exit "kill $owner"
check "a rule owned by a live process" xsctl_a rule add "$VETH_A" udp 6000 owner "$owner"
check "gc keeps it while the owner lives" xsctl_a rule gc "$VETH_A"
n=$(xs_rule_count listener)
check "still 4 listener rules ($n)" test "$n" = 4
kill "$owner"; wait "$owner" 2>/dev/null
check "gc after the owner died" xsctl_a rule gc "$VETH_A"
n=$(xs_rule_count listener)
check "its rule is gone, static rules stay ($n = 3)" test "$n" = 3
check "rule del (5-tuple)" xsctl_a rule del "$VETH_A" tcp "$IP4_A" 40000 "$IP4_B" 80
check_fails "deleting a missing rule fails" xsctl_a rule del "$VETH_A" tcp "$IP4_A" 40000 "$IP4_B" 80
n=$(xs_rule_count flow)
check "no 5-tuple rules left ($n)" test "$n" = 0
# 5-tuple writers take no lock; gc takes a dead owner's out with
# lookup-and-delete (and would put back a live newcomer's)
sleep 600 &
fowner=$!
xs_on_exit "kill $fowner"
check "a 5-tuple rule owned by a live process" \
	xsctl_a rule add "$VETH_A" tcp "$IP4_A" 40001 "$IP4_B" 81 owner "$fowner"
check "gc keeps the 5-tuple while its owner lives" xsctl_a rule gc "$VETH_A"
check "one 5-tuple rule" test "$(xs_rule_count flow)" = 1
kill "$fowner"; wait "$fowner" 2>/dev/null
check "gc after its owner died" xsctl_a rule gc "$VETH_A"
check "the 5-tuple rule is gone" test "$(xs_rule_count flow)" = 0

# --- sysctl
for k in rmem_default rmem_max wmem_default wmem_max optmem_max netdev_max_backlog message_cost message_burst; do
	# Some of these exist only in the initial namespace: the host's value then.
	want=$(in_a cat /proc/sys/net/core/$k 2>/dev/null || cat /proc/sys/net/core/$k)
	got=$(xsctl_a sysctl "$VETH_A" "net.core.$k" | sed 's/.*= *//')
	check "net.core.$k seeded from the kernel ($got = $want)" test "$got" = "$want"
done
check "sysctl -a lists the xsock knobs too" bash -c "ip netns exec $NS_A $XSOCKCTL sysctl $VETH_A -a | grep -q '^xsock\.'"
gen0=$(xs_json "j['config_generation']" xsctl_a -j status "$VETH_A")
check "write net.core.rmem_max" xsctl_a sysctl "$VETH_A" net.core.rmem_max=8388608
check "reads back" bash -c "ip netns exec $NS_A $XSOCKCTL sysctl $VETH_A net.core.rmem_max | grep -q '= *8388608$'"
gen1=$(xs_json "j['config_generation']" xsctl_a -j status "$VETH_A")
check "the generation moved ($gen0 -> $gen1)" test "$gen1" -gt "$gen0"
check_fails "rmem_max below the kernel's minimum is refused" xsctl_a sysctl "$VETH_A" net.core.rmem_max=100
check_fails "wmem_default below the kernel's minimum is refused" xsctl_a sysctl "$VETH_A" net.core.wmem_default=4607
check_fails "an unknown key is refused" xsctl_a sysctl "$VETH_A" net.core.no_such_key=1
check_fails "a non-number is refused" xsctl_a sysctl "$VETH_A" net.core.rmem_max=lots
check "a refused write changed nothing" bash -c "ip netns exec $NS_A $XSOCKCTL sysctl $VETH_A net.core.rmem_max | grep -q '= *8388608$'"

# --- stats per rule and bpftool's view
in_b ping -c1 -W1 "$IP4_A" >/dev/null
check "stats rule prints per-rule counters" xsctl_a stats "$VETH_A" rule
pins=$(xs_pin_dir "$NS_A" "$VETH_A")
if command -v bpftool >/dev/null; then
	check "bpftool dumps the config map with field names" \
		bash -c "bpftool map dump pinned $pins/config | grep -q rmem_max"
	check "bpftool dumps the stats map with field names" \
		bash -c "bpftool map dump pinned $pins/stats | grep -q pass_no_rule"
fi
check "detach" xsctl_a detach "$VETH_A"
xs_done
