#!/bin/bash
# Threads blocked in xsock calls lose no wake-up: eight sockets, socket 0
# read by four threads at once, the others by one each, all blocking with
# no timeout; eight kernel senders in the peer namespace send at once;
# every datagram must be read, none twice, and every reader must wake for
# its final STOP datagram.  Every reader waits with no timeout (the one in
# poll(2) and the ones on the condition variable alike: the poller watches
# their twins), so a missed wake-up hangs and fails the test.
. "$(dirname "$0")/lib.sh"
xs_topology || { echo "topology set-up failed"; exit 1; }
MT=$NET_HELPERS/xs_mt
XS_UDP=$NET_HELPERS/xs_udp
[ -x "$MT" ] || xs_skip "$MT not built"
work=$(mktemp -d)
xs_on_exit "rm -rf $work"
N=${XS_MT_COUNT:-5000}

check "attach" xsctl_a attach "$VETH_A"
ip netns exec "$NS_A" "$MT" 9400 8 4 "$N" >"$work/mt.out" 2>&1 &
mt=$!
xs_on_exit "kill $mt"
check "8 sockets and 11 reader threads ready on the fast path" \
	xs_wait_for 5 grep -q 'ready accelerated 2' "$work/mt.out"
# Senders in parallel, each paced, so bursts to several sockets overlap.
pids=()
for i in 0 1 2 3 4 5 6 7; do
	ip netns exec "$NS_B" "$XS_UDP" blast "$IP4_A" $((9400 + i)) 64 "$N" "${XS_MT_RATE:-4000}" >/dev/null 2>&1 &
	pids+=($!)
done
for p in "${pids[@]}"; do wait "$p"; done
sleep 1.5	# the stack publishes its counters once a second
drops=$(xs_json "sum(sum(s['drops'].values()) + s['xsk']['rx_ring_full'] + s['xsk']['rx_dropped'] for s in j['stacks'] or [])" xsctl_a -j stats "$VETH_A")
check "the stack and its rings dropped nothing ($drops)" test "$drops" = 0
# One STOP per reader: four to the shared socket, one to each other.
for i in 0 0 0 0 1 2 3 4 5 6 7; do
	echo -n STOP | in_b socat -u - "UDP:$IP4_A:$((9400 + i))"
done
check "every reader woke for its STOP and the program ended" \
	bash -c "timeout 30 tail --pid=$mt -f /dev/null"
wait "$mt" 2>/dev/null
sed 's/^/    /' "$work/mt.out"
check "every datagram was read exactly once: $(tail -n1 "$work/mt.out")" \
	grep -q "^total $((8 * N))$" "$work/mt.out"
xs_done
