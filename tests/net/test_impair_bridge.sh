#!/bin/bash
# The impairment bridge (tests/net/impair, docs/impair.md) with the Linux
# kernel on both ends: told to do nothing, it is invisible (ping, 16 MiB of
# kernel TCP, 9000-byte frames); told to lose 5%, reorder 25%, duplicate 1%,
# corrupt 0.1% and delay 10 ms each way, kernel TCP still moves 16 MiB
# intact each way in bounded time, the kernels' checksums catch the
# corrupted frames, and the counters show every impairment at about the
# rate asked; one seed gives one sequence of decisions, so a run replays.
. "$(dirname "$0")/lib.sh"
command -v socat >/dev/null || xs_skip "socat is not installed"
command -v nstat >/dev/null || xs_skip "nstat (iproute2) is not installed"
xs_topology_impaired || { echo "topology set-up failed"; exit 1; }
work=$(mktemp -d)
xs_on_exit "rm -rf $work"
head -c 16M /dev/urandom >"$work/data"

# Loss-based congestion control (cubic) moves about 200 KB/s at 5% random
# loss and a 20 ms RTT (measured here; Mathis et al. predict as much), 80 s
# for 16 MiB each way.  BBR does not back off on random loss.  It is pinned
# on the sockets (TCP_CONGESTION), so the host's default does not matter; a
# kernel without BBR moves 4 MiB each way impaired, and the log says so.
size=16M cc=""
if python3 -c 'import socket; socket.socket().setsockopt(socket.IPPROTO_TCP, socket.TCP_CONGESTION, b"bbr")' 2>/dev/null; then
	cc=",setsockopt-string=6:13:bbr"
else
	size=4M
	xs_log "no BBR in this kernel: the impaired transfers move 4 MiB, not 16"
fi

# tcp_transfer FROM_NS TO_NS TO_ADDR PORT [BYTES]: kernel TCP from one
# namespace to the other, received intact within 60 s.  How long it took
# goes to $work/took.
tcp_transfer() {
	local from=$1 to=$2 addr=$3 port=$4 bytes=${5:-16M} t0 rc=0 pid
	head -c "$bytes" "$work/data" >"$work/send.$port"
	ip netns exec "$to" timeout 60 socat -u "TCP-LISTEN:$port,reuseaddr$cc" \
		"CREATE:$work/recv.$port" &
	pid=$!
	xs_wait_for 5 ip netns exec "$to" sh -c "ss -Htln 'sport = :$port' | grep -q ." || return 1
	t0=$(date +%s%N)
	ip netns exec "$from" timeout 60 socat -u "OPEN:$work/send.$port" "TCP:$addr:$port$cc" || rc=1
	wait "$pid" || rc=1
	echo "$bytes in $((($(date +%s%N) - t0) / 1000000)) ms" >"$work/took"
	[ "$rc" = 0 ] && [ "$(sha256sum <"$work/recv.$port")" = "$(sha256sum <"$work/send.$port")" ]
}

# counters_hold DIR PYTHON-CONDITION: true of that direction's counters, c.
counters_hold() {
	python3 -c 'import json, sys; c = json.load(open(sys.argv[1]))[sys.argv[2]]; sys.exit(not eval(sys.argv[3]))' \
		"$XS_IMPAIR_STATS" "$1" "$2"
}

# rate_near DIR PCT NUMERATOR DENOMINATOR: the counter NUMERATOR is not 0,
# and no further than four standard deviations from PCT% of DENOMINATOR
# (each is a sum or difference of counters): what a binomial draw at PCT%
# gives but about once in 16,000 runs.
rate_near() {
	python3 - "$XS_IMPAIR_STATS" "$@" <<'PY'
import json, math, sys
path, d, pct, num, den = sys.argv[1:]
c = json.load(open(path))[d]
k, n, p = eval(num, {}, c), eval(den, {}, c), float(pct) / 100
want, sd = n * p, math.sqrt(n * p * (1 - p))
print(f"{d}: {num} {k} of {den} {n} = {100 * k / n:.3f}%, want {want:.0f} +- {4 * sd:.0f}")
sys.exit(not (k > 0 and abs(k - want) <= 4 * sd))
PY
}

# The rates one direction saw, for the log.
rates_of() {
	python3 - "$XS_IMPAIR_STATS" "$1" <<'PY'
import json, sys
c = json.load(open(sys.argv[1]))[sys.argv[2]]
kept = c["rx"] - c["dropped"]
print(f"{sys.argv[2]}: {c['rx']} frames, lost {100 * c['dropped'] / c['rx']:.2f}%; of the rest "
      f"duplicated {100 * c['duplicated'] / kept:.2f}%, corrupted {100 * c['corrupted'] / kept:.3f}%, "
      f"held back {100 * (c['reordered'] + c['reorder_expired']) / kept:.2f}% "
      f"({c['reordered']} overtaken, {c['reorder_expired']} expired), delayed {c['delayed']}")
PY
}

# Checksum errors the kernel counted in a namespace (IPv4 header, TCP).
csum_errors() {
	ip netns exec "$1" nstat -asz IpExtInCsumErrors TcpInCsumErrors |
		awk '/InCsumErrors/ { n += $2 } END { print n + 0 }'
}

min_rtt_between() {	# LOW HIGH: ping's smallest round trip in ms, of ten
	local min
	min=$(in_a ping -c10 -i0.05 -W2 "$IP4_B" | sed -n 's|^rtt min/avg/max/mdev = \([0-9.]*\)/.*|\1|p')
	echo "min rtt ${min:-none} ms"
	[ -n "$min" ] && awk -v m="$min" -v lo="$1" -v hi="$2" 'BEGIN { exit !(m >= lo && m < hi) }'
}

set_mtu() {
	ip -n "$NS_A" link set "$VETH_A" mtu "$1" &&
	ip -n "$NS_M" link set "$VETH_MA" mtu "$1" &&
	ip -n "$NS_M" link set "$VETH_MB" mtu "$1" &&
	ip -n "$NS_B" link set "$VETH_B" mtu "$1"
}

# vlan_through TPID: a frame tagged TPID, VID 10, sent raw from a, reaches
# b with its tag (the kernel in the middle takes it off into metadata; the
# bridge must put it back).
vlan_through() {
	local pid rc
	ip netns exec "$NS_B" python3 "$TOP/tests/net/vlan_frame.py" recv "$VETH_B" "$1" 10 \
		>"$work/vlan.out" 2>&1 &
	pid=$!
	xs_wait_for 5 grep -q ready "$work/vlan.out" || return 1
	in_a python3 "$TOP/tests/net/vlan_frame.py" send "$VETH_A" "$1" 10
	wait "$pid"
	rc=$?
	cat "$work/vlan.out"
	return $rc
}

exits_with() {	# STATUS COMMAND...
	local want=$1
	shift
	"$@"
	[ $? = "$want" ]
}

# --- (a) transparent
check "ping over IPv4 through the bridge" in_a ping -c3 -i0.2 -W1 "$IP4_B"
check "ping over IPv6 through the bridge" in_a ping -c3 -i0.2 -W1 "$IP6_B"
check "16 MiB of kernel TCP from a to b arrive intact" tcp_transfer "$NS_A" "$NS_B" "$IP4_B" 5001
xs_log "$(cat "$work/took")"
check "16 MiB of kernel TCP from b to a arrive intact" tcp_transfer "$NS_B" "$NS_A" "$IP4_A" 5002
xs_log "$(cat "$work/took")"
check "an 802.1Q-tagged frame crosses with its tag" vlan_through 0x8100
check "an 802.1ad-tagged frame crosses with its tag and TPID" vlan_through 0x88a8
check "MTU 9000 on all four interfaces" set_mtu 9000
check "9000-byte IPv4 frames through the bridge (ping -s 8972, DF)" \
	in_a ping -c3 -i0.2 -W1 -M do -s 8972 "$IP4_B"
check "9000-byte IPv6 frames through the bridge" in_a ping -c3 -i0.2 -W1 -M do -s 8952 "$IP6_B"
check "16 MiB of kernel TCP in 9000-byte frames arrive intact" \
	tcp_transfer "$NS_A" "$NS_B" "$IP4_B" 5003
xs_log "$(cat "$work/took")"
check "MTU 1500 again" set_mtu 1500
check "the bridge stops cleanly on SIGTERM" xs_impair_stop
for d in a2b b2a; do
	check "$d: every frame read was forwarded unchanged" \
		counters_hold $d "c['rx'] > 10000 and c['forwarded'] == c['rx'] and not any(c[k] for k in
			('dropped', 'duplicated', 'corrupted', 'reordered', 'reorder_expired', 'delayed',
			 'queue_full', 'tx_errors', 'oversize'))"
	check "$d: every frame arrived with its checksums complete (TX offload off)" \
		counters_hold $d "c['csum_incomplete'] == 0"
	xs_log "$(grep "$d" "$XS_IMPAIR_LOG")"
done

# --- (b) impaired both ways
seed=20240611
impair_args=(--seed $seed --loss 5 --reorder 25 --dup 1 --corrupt 0.1 --delay 10)
check "the bridge restarts with ${impair_args[*]}" xs_impair_start "${impair_args[@]}"
check "ping's round trip shows the 10 ms delay each way (20..29 ms)" min_rtt_between 20 29
csum0=$(($(csum_errors "$NS_A") + $(csum_errors "$NS_B")))
check "impaired: $size of kernel TCP from a to b arrive intact" \
	tcp_transfer "$NS_A" "$NS_B" "$IP4_B" 5004 $size
xs_log "$(cat "$work/took")"
check "impaired: $size of kernel TCP from b to a arrive intact" \
	tcp_transfer "$NS_B" "$NS_A" "$IP4_A" 5005 $size
xs_log "$(cat "$work/took")"
csum1=$(($(csum_errors "$NS_A") + $(csum_errors "$NS_B")))
check "the running bridge's counters on SIGUSR1" xs_impair_snapshot
check "they count the transfers" counters_hold a2b "c['rx'] > 2000"
check "the bridge stops cleanly" xs_impair_stop
xs_log "$(rates_of a2b)"
xs_log "$(rates_of b2a)"
corrupted=$(($(xs_impair_stat a2b corrupted) + $(xs_impair_stat b2a corrupted)))
csum_caught=$((csum1 - csum0))
xs_log "corrupted by the bridge: $corrupted; checksum errors the kernels counted: $csum_caught"
for d in a2b b2a; do
	check "$d: frames were lost, about 5%" rate_near $d 5 dropped rx
	check "$d: frames were duplicated, about 1% of the rest" \
		rate_near $d 1 duplicated rx-dropped-queue_full
	check "$d: frames were corrupted, about 0.1% of the rest" \
		rate_near $d 0.1 corrupted rx-dropped-queue_full
	check "$d: frames were held back, about 25% of the rest" \
		rate_near $d 25 reordered+reorder_expired rx-dropped-queue_full
	check "$d: held frames were overtaken" counters_hold $d "c['reordered'] > 0"
	check "$d: frames were delayed, none dropped for want of room" \
		counters_hold $d "c['delayed'] > 0 and c['queue_full'] == 0"
done
# Not all: a flipped IP version or header length is a header error, and a
# corrupted frame may also be duplicated.
check "the kernels' checksums caught the corrupted frames (at least half)" \
	test "$csum_caught" -gt 0 -a $((2 * csum_caught)) -ge "$corrupted"

# --- (c) one seed, one sequence of decisions
selftest() { "$IMPAIR" --selftest 2000 "${impair_args[@]}" --jitter 3 "$@"; }
selftest >"$work/run1"
selftest >"$work/run2"
selftest --seed $((seed + 1)) >"$work/other"
check "the same seed twice: the same 2000 decisions each way" cmp "$work/run1" "$work/run2"
check "another seed: other decisions" xs_not cmp -s "$work/run1" "$work/other"
check "the two directions draw from different streams" \
	xs_not cmp -s <(sed -n 's/^a2b //p' "$work/run1") <(sed -n 's/^b2a //p' "$work/run1")
check "2000 decisions were printed each way" \
	test "$(grep -c '^a2b [0-9]' "$work/run1")" = 2000 -a "$(grep -c '^b2a [0-9]' "$work/run1")" = 2000
"$IMPAIR" --selftest 200000 "${impair_args[@]}" --jitter 3 --b2a-loss 50 | grep total >"$work/rates"
sed 's/^/    /' "$work/rates"

# rate_within DIR COLUMN WANT PCT: DIR's total line has COLUMN within PCT%
# of WANT.
rate_within() {
	awk -v dir="$1" -v col="$2" -v want="$3" -v tol="$4" '$1 == dir {
		for (i = 1; i < NF; i++) if ($i == col) v = $(i + 1) + 0
		d = v - want; if (d < 0) d = -d
		exit !(d <= want * tol / 100) }' "$work/rates"
}
selftest_rates_ok() {
	rate_within a2b loss 5 5 && rate_within a2b dup 1 10 &&
		rate_within a2b corrupt 0.1 25 && rate_within a2b reorder 25 3
}
check "200000 decisions: loss, dup, corrupt and reorder at the rates asked" selftest_rates_ok
check "--b2a-loss 50 overrides --loss for one direction only" \
	eval "rate_within b2a loss 50 2 && rate_within a2b loss 5 5"
check "--delay 10 --jitter 3: the mean delay is 10 ms" rate_within a2b mean_delay_ms 10 1

# --- arguments
check "a percentage above 100 is refused (exit 2)" exits_with 2 "$IMPAIR" --loss 101 a b
check "an unknown option is refused (exit 2)" exits_with 2 "$IMPAIR" --lose 5 a b
check "one interface is not enough (exit 2)" exits_with 2 "$IMPAIR" --loss 5 a
check "an interface that does not exist is refused (exit 1)" \
	exits_with 1 ip netns exec "$NS_M" "$IMPAIR" "$VETH_MA" "nosuch$XS_ID"
xs_done
