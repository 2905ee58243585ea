#!/bin/bash
# Load on the UDP fast path, the Linux kernel sending: 1,000,000 datagrams
# at a sustained rate arrive with none lost when the receiver keeps up;
# a receiver that cannot keep up loses datagrams, counted, and keeps
# running.
. "$(dirname "$0")/lib.sh"
xs_topology || { echo "topology set-up failed"; exit 1; }
XS_UDP=$NET_HELPERS/xs_udp
[ -x "$XS_UDP" ] || xs_skip "$XS_UDP not built"
work=$(mktemp -d)
xs_on_exit "rm -rf $work"
COUNT=${XS_LOAD_COUNT:-1000000}
RATE=${XS_LOAD_RATE:-100000}

check "attach" xsctl_a attach "$VETH_A"

# --- a receiver that keeps up
ip netns exec "$NS_A" "$XS_UDP" sink 9200 >"$work/sink.out" 2>&1 &
sink=$!
xs_on_exit "kill $sink"
check "sink ready on the fast path" xs_wait_for 5 grep -q 'ready accelerated 2' "$work/sink.out"
red0=$(xs_counter redirected)
start=$SECONDS
check "the kernel sends $COUNT x 64 B at $RATE/s" \
	in_b timeout 120 "$XS_UDP" blast "$IP4_A" 9200 64 "$COUNT" "$RATE"
sleep 0.5
kill "$sink"; wait "$sink" 2>/dev/null
xs_log "$(tail -n1 "$work/sink.out") in $((SECONDS - start)) s"
check "every datagram arrived, in order" \
	grep -q "^received $COUNT bytes $((COUNT * 64)) accelerated 2 lost 0 reordered 0" "$work/sink.out"
check "all of them through AF_XDP" counter_gt redirected $((red0 + COUNT - 1))

# --- a receiver that does not keep up: 2 ms per datagram
ip netns exec "$NS_A" "$XS_UDP" sink -d 2000 9201 >"$work/slow.out" 2>&1 &
slow=$!
xs_on_exit "kill $slow"
check "slow sink ready" xs_wait_for 5 grep -q 'ready accelerated 2' "$work/slow.out"
check "the kernel sends 20000 datagrams as fast as it can" \
	in_b timeout 60 "$XS_UDP" blast "$IP4_A" 9201 64 20000
sleep 1
check "the slow receiver is still running" kill -0 "$slow"
stats=$(xsctl_a -j stats "$VETH_A")
drops=$(python3 -c "import json,sys; j=json.loads(sys.argv[1]); print(sum(s['drops']['rcvbuf'] + s['xsk']['rx_ring_full'] + s['xsk']['rx_dropped'] + s['xsk']['fill_ring_empty'] for s in j.get('stacks', [])))" "$stats")
check "its losses are counted (rcvbuf, ring full, fill ring empty: $drops)" test "${drops:-0}" -gt 0
kill "$slow"; wait "$slow" 2>/dev/null
xs_log "slow receiver: $(tail -n1 "$work/slow.out")"
check "it read what it was given and exited cleanly" grep -q '^received [0-9]* bytes' "$work/slow.out"
check "ping still works" in_b ping -c2 -i0.2 -W1 "$IP4_A"
xs_done
