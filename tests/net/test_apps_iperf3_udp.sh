#!/bin/bash
# iperf3 over UDP (-u), unmodified, under xsock-run, the Linux kernel's
# iperf3 on the other side of the veth, at a modest rate (-b 100M, 3 s):
#   - iperf3 -s under xsock-run, a kernel client sending to it, and the
#     same with -R (the xsock-run server sends);
#   - iperf3 -c under xsock-run against a kernel `iperf3 -s`, sending,
#     and with -R (receiving).
# Its TCP control connection rides xsock's TCP as well.  Checked: both
# ends finish cleanly and report the transfer (the receiver's count of
# datagrams received and lost matches the sender's; over 20 MB received,
# under 2% lost); the datagrams the
# xsock-run side received went through AF_XDP (the XDP program's
# redirected counter) and those it sent never through the kernel's UDP
# (the namespace's Udp OutDatagrams stays flat); no rule is left behind.
# tests/net/test_preload_tcp.sh runs iperf3 over TCP.
. "$(dirname "$0")/lib.sh"
XSOCK_RUN=$TOP/$BUILD/xsock-run
for f in "$XSOCK_RUN" "$TOP/$BUILD/libxsock-preload.so"; do
	[ -e "$f" ] || xs_skip "$f not built"
done
for p in iperf3 python3; do
	command -v $p >/dev/null || xs_skip "$p is not installed (tools/install-deps.sh apps)"
done
xs_topology || { echo "topology set-up failed"; exit 1; }
work=$(mktemp -d /tmp/xs-iperf3u.XXXXXX)
[ -n "${KEEP:-}" ] && echo "work: $work"
[ -n "${KEEP:-}" ] || xs_on_exit "rm -rf $work"
check "attach" xsctl_a attach "$VETH_A"
XR=("$XSOCK_RUN" --iface "$VETH_A" --)

listening() { ip netns exec "$1" sh -c "ss -Htln 'sport = :$2' | grep -q ."; }
# The kernel's UDP counter NAME (InDatagrams, OutDatagrams) in NS_A.
kudp() { in_a awk -v f="$1" '/^Udp:/ { if (!n) { for (i = 2; i <= NF; i++) c[$i] = i; n = 1 } else print $c[f] }' /proc/net/snmp; }
finished() {	# PID: exited of itself within 15 s, status 0
	xs_wait_for 15 bash -c "! kill -0 $1 2>/dev/null" || { echo "still running"; return 1; }
	wait "$1"
	local rc=$?
	echo "exit status $rc"
	[ $rc = 0 ]
}
# report SENDER_JSON RECEIVER_JSON: both ends ran without error, each
# reports its own side (an iperf3 server sending with -R does not learn
# the receiver's count): over 20 MB received, under 2% lost, and the
# datagrams received or lost are those sent.
report() {
	python3 - "$1" "$2" <<'EOF'
import json, sys
ends = []
for f in sys.argv[1:]:
    j = json.load(open(f))
    if j.get("error"):
        sys.exit("%s: %s" % (f, j["error"]))
    ends.append(j["end"])
snd, rcv = ends[0]["sum_sent"], ends[1]["sum_received"]
print("sent %d datagrams (%d B); received %d (%d B), %d lost (%.2f%%)"
      % (snd["packets"], snd["bytes"], rcv["packets"], rcv["bytes"],
         rcv["lost_packets"], rcv["lost_percent"]))
ok = (rcv["bytes"] > 20e6 and rcv["lost_percent"] < 2
      and abs(rcv["packets"] + rcv["lost_packets"] - snd["packets"]) <= snd["packets"] * 0.02)
sys.exit(0 if ok else 1)
EOF
}

port=5400
for side in server client; do
	for dir in "" -R; do
		port=$((port + 1))
		# Who sends the datagrams: the xsock-run side, or the kernel?
		if { [ $side = server ] && [ -z "$dir" ]; } || { [ $side = client ] && [ -n "$dir" ]; }; then
			xs_sends=0
		else
			xs_sends=1
		fi
		what="iperf3 -u${dir:+ $dir}, xsock-run $side ($([ $xs_sends = 1 ] && echo sending || echo receiving))"
		if [ $side = server ]; then
			srv_ns=$NS_A srv_ip=$IP4_A cli_ns=$NS_B srv_run=("${XR[@]}") cli_run=()
		else
			srv_ns=$NS_B srv_ip=$IP4_B cli_ns=$NS_A srv_run=() cli_run=("${XR[@]}")
		fi
		red0=$(xs_counter redirected)
		out0=$(kudp OutDatagrams)
		in0=$(kudp InDatagrams)
		ip netns exec "$srv_ns" "${srv_run[@]}" iperf3 -s -1 -B $srv_ip -p $port -J \
			>"$work/srv$port.json" 2>"$work/srv$port.err" &
		srv=$!
		xs_on_exit "kill -9 $srv"
		xs_wait_for 5 listening "$srv_ns" $port
		ip netns exec "$cli_ns" timeout 40 "${cli_run[@]}" iperf3 -c $srv_ip -p $port -u -b 100M \
			-t 3 $dir -J >"$work/cli$port.json" 2>"$work/cli$port.err"
		check "$what: the client finishes (exit $?)" test $? = 0
		check "$what: the server finishes cleanly" finished $srv
		if [ -z "$dir" ]; then
			ends=("$work/cli$port.json" "$work/srv$port.json")
		else
			ends=("$work/srv$port.json" "$work/cli$port.json")
		fi
		check "$what: both ends report the transfer, < 2% lost" report "${ends[@]}"
		red=$(($(xs_counter redirected) - red0))
		out=$(($(kudp OutDatagrams) - out0))
		in=$(($(kudp InDatagrams) - in0))
		if [ $xs_sends = 1 ]; then
			check "$what: none of its datagrams went through the kernel's UDP (OutDatagrams +$out)" \
				test $out -lt 10
		else
			check "$what: the datagrams came through AF_XDP (redirected +$red)" \
				test $red -ge 20000
			check "$what: and not through the kernel's UDP (InDatagrams +$in)" test $in -lt 10
		fi
		check "$what: no rule left behind" xs_wait_for 5 no_rules
		xs_log "$what: $(report "${ends[@]}" | tail -1)"
	done
done
check "detach" xsctl_a detach "$VETH_A"
xs_done
