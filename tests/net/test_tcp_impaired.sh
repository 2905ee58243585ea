#!/bin/bash
# xsock's TCP against the Linux kernel through the impairment bridge
# (tests/net/impair, docs/impair.md): 10 ms delay, 5% loss, 25%
# reordering, 1% duplication and 0.1% corruption in both directions.
# XS_TCP_IMPAIRED_BYTES (default 16M) each way at once arrive intact
# (SHA-256 at both ends, sha256sum of the seeded streams), with no reset,
# within XS_TCP_IMPAIRED_SECONDS (default 240 s), with the xsock side as
# client and as server.  XSOCK_IMPAIR_SEED replays a run's impairments.
#
# The impairments come from the userspace bridge, or from netem where the
# kernel has it (vmtest's Debian kernel): XS_IMPAIR=bridge|netem chooses,
# the default is netem when present.
#
# As in the other TCP tests, XS_TCP_REQUIRE_ACCEL=1 requires the xsock
# side to be on the userspace TCP (make test sets it).
. "$(dirname "$0")/lib.sh"
SEED=${XSOCK_IMPAIR_SEED:-$((RANDOM * 32768 + RANDOM))}
LIMIT=${XS_TCP_IMPAIRED_SECONDS:-240}
IMPAIR_WITH=${XS_IMPAIR:-}
if [ -z "$IMPAIR_WITH" ]; then
	IMPAIR_WITH=bridge
	xs_have_netem && IMPAIR_WITH=netem
fi
# netem runs inside vmtest, an emulated (TCG) machine some ten times slower:
# 4 MiB each way there, 16 MiB here.
if [ "$IMPAIR_WITH" = netem ]; then
	BYTES=${XS_TCP_IMPAIRED_BYTES:-4M}
	xs_topology_netem 5 25 1 0.1 10 || { echo "topology set-up failed"; exit 1; }
	xs_log "impairments: netem on both ports of a bridge"
else
	BYTES=${XS_TCP_IMPAIRED_BYTES:-16M}
	xs_topology_impaired --seed "$SEED" --loss 5 --reorder 25 --dup 1 --corrupt 0.1 --delay 10 ||
		{ echo "topology set-up failed"; exit 1; }
	xs_log "impairments: tests/net/impair, seed $SEED (XSOCK_IMPAIR_SEED=$SEED replays it)"
fi
. "$(dirname "$0")/tcp_lib.sh"

want1=$("$XS_TCP" stream --seed 1 --bytes "$BYTES" | sha256sum | cut -d' ' -f1)
want2=$("$XS_TCP" stream --seed 2 --bytes "$BYTES" | sha256sum | cut -d' ' -f1)
nbytes=$("$XS_TCP" stream --seed 1 --bytes "$BYTES" | wc -c)
check "attach" xsctl_a attach "$VETH_A"

both_ways() {
	local c=$1 s=$2
	tcp_py "d(0,'done')['ok'] and d(0,'done')['tx'] == $nbytes and d(0,'done')['rx'] == $nbytes" "$c" &&
	tcp_py "d(0,'conn')['error'] is None and d(0,'conn')['rx'] == $nbytes and d(0,'conn')['tx'] == $nbytes and d(0,'conn')['rx_match']" "$s" &&
	tcp_py "d(0,'done')['tx_sha256'] == d(1,'conn')['rx_sha256'] == '$want1'" "$c" "$s" &&
	tcp_py "d(1,'conn')['tx_sha256'] == d(0,'done')['rx_sha256'] == '$want2'" "$c" "$s"
}

# run_client NS OUT ARGS...: xs_tcp in the foreground, at most $LIMIT s.
run_client() {
	local ns=$1 out=$TCP_WORK/$2
	shift 2
	timeout "$LIMIT" ip netns exec "$ns" "$XS_TCP" "$@" >"$out" 2>&1
	local rc=$?
	cat "$out"
	return $rc
}

port=7700
for dir in xsock-client xsock-server; do
	port=$((port + 1))
	t0=$SECONDS
	if [ $dir = xsock-client ]; then
		check "kernel server listening" \
			tcp_start "$NS_B" srv.$dir server --kernel --family 4 --port $port --sink --source "$BYTES" --once --timeout "$LIMIT"
		srv=$TCP_PID
		check "xsock client -> kernel server: $BYTES each way at once, impaired" \
			run_client "$NS_A" cli.$dir client "${TCP_ACCEL[@]}" --connect "$IP4_B" --port $port \
			--send "$BYTES" --timeout "$LIMIT"
	else
		check "xsock server listening" \
			tcp_start "$NS_A" srv.$dir server "${TCP_ACCEL[@]}" --family 4 --port $port --sink --source "$BYTES" --once --timeout "$LIMIT"
		srv=$TCP_PID
		check "kernel client -> xsock server: $BYTES each way at once, impaired" \
			run_client "$NS_B" cli.$dir client --kernel --connect "$IP4_A" --port $port \
			--send "$BYTES" --timeout "$LIMIT"
	fi
	check "$dir: the server finished" tcp_wait $srv "$LIMIT"
	check "$dir: both ways whole, no reset: lengths, SHA-256 at both ends and sha256sum agree" \
		both_ways cli.$dir srv.$dir
	xs_log "$dir: $((SECONDS - t0)) s for $BYTES each way"
done
if [ "$IMPAIR_WITH" = netem ]; then
	netem_dropped() {
		[ "$(tc -n "$NS_M" -s qdisc show dev "$1" | sed -n 's/.*dropped \([0-9]*\).*/\1/p' | head -1)" -gt 0 ]
	}
	check "netem dropped frames both ways" eval "netem_dropped $VETH_MA && netem_dropped $VETH_MB"
	tc -n "$NS_M" -s qdisc show | sed 's/^/    /'
else
	check "the bridge lost, reordered, duplicated and corrupted frames both ways" \
		xs_impair_snapshot
	for d in a2b b2a; do
		xs_log "bridge $d: $(xs_json "' '.join('%s=%s' % (k, v) for k, v in sorted(j['$d'].items()))" cat "$XS_IMPAIR_STATS")"
	done
fi
check "no 5-tuple rule outlives its connection" test "$(xs_rule_count flow)" = 0
xs_done
