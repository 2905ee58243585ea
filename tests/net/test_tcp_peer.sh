#!/bin/bash
# A misbehaving kernel peer, IPv4 and IPv6: it resets, half-closes, or
# disappears, and the xsock side must see what Linux shows a program:
#  - RST while reading: recv fails with ECONNRESET, then returns 0; a send
#    after that fails with EPIPE and raises SIGPIPE, unless MSG_NOSIGNAL;
#  - RST before writing: the first send fails with ECONNRESET (no
#    SIGPIPE), the next with EPIPE and SIGPIPE;
#  - half-close: the peer's data, then read returns 0 (again and again,
#    poll says IN|RDHUP), and writing still works: all of it arrives;
#    the same with xsock as the server, which keeps sending after EOF;
#  - RST to the xsock server: ECONNRESET after the data that came first;
#  - the peer vanishes (its addresses removed, every packet lost): with
#    TCP_USER_TIMEOUT 3 s the blocked recv fails with ETIMEDOUT within
#    2.5-8 s instead of hanging.
# Each client scenario runs twice, from xsock and from a kernel socket in
# the same namespace (xs_tcp --kernel); the two must record the same
# return values, errno, poll events and SIGPIPE counts step by step, and
# the explicit expectations above must hold for both.
#
# XS_TCP_REQUIRE_ACCEL=1: every xsock-side connection must be on the
# userspace TCP (xsock_is_accelerated() == 2; xs_tcp exits 3 otherwise).
# Unset (the default) the test also passes while xsock's TCP sockets are
# kernel sockets, as they are until the userspace TCP lands (and the
# comparison with the kernel is then trivially equal); the log says which.
. "$(dirname "$0")/lib.sh"
xs_topology || { echo "topology set-up failed"; exit 1; }
. "$(dirname "$0")/tcp_lib.sh"

check "attach" xsctl_a attach "$VETH_A"

port=7600
# scenario NAME FAM SERVER-ARGS -- CLIENT-ARGS: a kernel server in B, the
# xsock client, then the same against a fresh server from a kernel client;
# outputs NAME$FAM.{srv,cli,ksrv,kcli}.
scenario() {
	local name=$1 fam=$2 sargs=() cargs=() addr
	shift 2
	while [ "$1" != -- ]; do sargs+=("$1"); shift; done
	shift
	cargs=("$@")
	if [ "$fam" = 4 ]; then addr=$IP4_B; else addr=$IP6_B; fi
	port=$((port + 1))
	check "IPv$fam $name: kernel peer listening" \
		tcp_start "$NS_B" "$name$fam.srv" server --kernel --family "$fam" --port $port "${sargs[@]}" --once
	local srv=$TCP_PID
	check "IPv$fam $name: the xsock client's calls" \
		tcp_run "$NS_A" "$name$fam.cli" client "${TCP_ACCEL[@]}" --connect "$addr" --port $port \
			--scenario "$name" "${cargs[@]}"
	tcp_wait $srv >/dev/null
	port=$((port + 1))
	tcp_start "$NS_B" "$name$fam.ksrv" server --kernel --family "$fam" --port $port "${sargs[@]}" --once
	srv=$TCP_PID
	check "IPv$fam $name: the same calls from a kernel socket (reference)" \
		tcp_run "$NS_A" "$name$fam.kcli" client --kernel --connect "$addr" --port $port \
			--scenario "$name" "${cargs[@]}"
	tcp_wait $srv >/dev/null
	check "IPv$fam $name: xsock returned what the kernel did, step by step" \
		tcp_py "steps(0) == steps(1)" "$name$fam.cli" "$name$fam.kcli"
	tcp_log_accel "IPv$fam $name: xsock client" "$(tcp_get "d(0,'done')['accelerated']" "$name$fam.cli")"
}

# both EXPR FILE...: a tcp_py expression that must hold for the xsock run
# (files as given) and for the kernel reference (.cli -> .kcli).
both() {
	local expr=$1 f kfiles=()
	shift
	for f in "$@"; do kfiles+=("${f/.cli/.kcli}"); done
	tcp_py "$expr" "$@" && tcp_py "$expr" "${kfiles[@]/.srv/.ksrv}"
}

for fam in 4 6; do
	start=$SECONDS
	# ---- RST while the xsock side reads
	scenario reset-read $fam --reset-after 1000 -- --send 1000
	check "IPv$fam reset-read: recv fails with ECONNRESET, then returns 0" \
		both "op(0,'recv')['errno'] == 'ECONNRESET' and op(0,'recv',1)['ret'] == 0" reset-read$fam.cli
	check "IPv$fam reset-read: send then fails with EPIPE, SIGPIPE only without MSG_NOSIGNAL" \
		both "op(0,'send-nosignal')['errno'] == 'EPIPE' and op(0,'send-nosignal')['sigpipe'] == 0 and op(0,'send')['errno'] == 'EPIPE' and op(0,'send')['sigpipe'] == 1" reset-read$fam.cli

	# ---- RST before the xsock side writes
	scenario reset-write $fam --reset-after 1000 -- --send 1000
	check "IPv$fam reset-write: poll reports the error (ERR)" \
		both "'ERR' in op(0,'poll-wait')['revents'].split('|')" reset-write$fam.cli
	check "IPv$fam reset-write: the first send fails with ECONNRESET, no SIGPIPE" \
		both "op(0,'send-nosignal')['errno'] == 'ECONNRESET' and op(0,'send-nosignal')['sigpipe'] == 0" reset-write$fam.cli
	check "IPv$fam reset-write: the next fails with EPIPE and SIGPIPE; with MSG_NOSIGNAL EPIPE alone" \
		both "op(0,'send')['errno'] == 'EPIPE' and op(0,'send')['sigpipe'] == 1 and op(0,'send-nosignal',1)['errno'] == 'EPIPE' and op(0,'send-nosignal',1)['sigpipe'] == 1" reset-write$fam.cli

	# ---- the peer half-closes; the xsock client reads EOF, then writes 1 MiB
	scenario half-close $fam --half-close --source 100000 -- --send 1M
	check "IPv$fam half-close: the peer's 100000 B arrive intact, then recv returns 0, twice" \
		both "d(0,'done')['rx'] == 100000 and d(0,'done')['rx_match'] and op(0,'recv-to-eof')['ret'] == 0 and op(0,'recv')['ret'] == 0" half-close$fam.cli
	check "IPv$fam half-close: poll after EOF says IN|OUT|RDHUP" \
		both "op(0,'poll')['revents'] == 'IN|OUT|RDHUP'" half-close$fam.cli
	check "IPv$fam half-close: writing after EOF still works, and all of it arrives" \
		both "op(0,'send-after-eof')['ret'] == 1048576 and d(1,'conn')['rx'] == 1048576 and d(1,'conn')['rx_sha256'] == d(0,'done')['tx_sha256'] and d(1,'conn')['error'] is None" \
		half-close$fam.cli half-close$fam.srv

	# ---- the kernel client half-closes; the xsock server keeps sending
	port=$((port + 1))
	a=$IP4_A; [ $fam = 6 ] && a=$IP6_A
	check "IPv$fam xsock server listening" \
		tcp_start "$NS_A" hcsrv$fam.out server "${TCP_ACCEL[@]}" --family $fam --port $port --sink --source 4M --once
	srv=$TCP_PID
	check "IPv$fam kernel client sends 1000 B, half-closes, reads 4 MiB" \
		tcp_run "$NS_B" hccli$fam.out client --kernel --connect "$a" --port $port --send 1000
	check "IPv$fam the xsock server finished" tcp_wait $srv
	check "IPv$fam xsock server: read 1000 B and EOF, kept writing after it, all 4 MiB arrived" \
		tcp_py "d(0,'conn')['rx'] == 1000 and d(0,'conn')['eof'] and d(0,'conn')['error'] is None and d(0,'conn')['tx'] == 4194304 and d(0,'conn')['tx_after_eof'] > 0 and d(1,'done')['ok'] and d(1,'done')['rx_sha256'] == d(0,'conn')['tx_sha256']" \
		hcsrv$fam.out hccli$fam.out
	xs_log "IPv$fam xsock server: $(tcp_get "d(0,'conn')['tx_after_eof']" hcsrv$fam.out) of 4194304 B sent after the peer's EOF"

	# ---- the kernel client resets the xsock server's connection
	for side in xsock kernel; do
		port=$((port + 1))
		kflag=()
		[ $side = kernel ] && kflag=(--kernel)
		[ $side = xsock ] && kflag=("${TCP_ACCEL[@]}")
		tcp_start "$NS_A" rst$side$fam.out server "${kflag[@]}" --family $fam --port $port --sink --once
		srv=$TCP_PID
		check "IPv$fam kernel client sends 1000 B and resets ($side server)" \
			tcp_run "$NS_B" rstcli$side$fam.out client --kernel --connect "$a" --port $port --reset-after 1000
		check "IPv$fam the $side server finished" tcp_wait $srv
	done
	check "IPv$fam xsock server: the 1000 B, then recv fails with ECONNRESET" \
		tcp_py "d(0,'conn')['rx'] == 1000 and d(0,'conn')['rx_match'] and d(0,'conn')['error'] == 'ECONNRESET' and d(0,'conn')['error_op'] == 'recv'" rstxsock$fam.out
	check "IPv$fam ... as a kernel server sees it" \
		tcp_py "all(d(0,'conn')[k] == d(1,'conn')[k] for k in ('rx', 'eof', 'error', 'error_op', 'tx'))" rstxsock$fam.out rstkernel$fam.out
	xs_log "IPv$fam: $((SECONDS - start)) s"
done

# ---- the peer vanishes: per family, an xsock and a kernel client at once.
# (One family at a time: an interface queue serves one xsock process, so
# two xsock clients at once would leave the second on the kernel.)
start=$SECONDS
for fam in 4 6; do
	vport=$((port + 10 + fam))
	if [ $fam = 4 ]; then b=$IP4_B plen=24; else b=$IP6_B plen=64; fi
	check "IPv$fam kernel peer that will vanish listening" \
		tcp_start "$NS_B" van$fam.srv server --kernel --family $fam --port $vport --echo --vanish --conns 2 --timeout 0
	clients=()
	tcp_bg "$NS_A" vanish$fam.cli client "${TCP_ACCEL[@]}" --connect "$b" --port $vport \
		--scenario vanish --user-timeout 3000 --timeout 60
	clients+=($TCP_PID)
	tcp_bg "$NS_A" vanish$fam.kcli client --kernel --connect "$b" --port $vport \
		--scenario vanish --user-timeout 3000 --timeout 60
	clients+=($TCP_PID)
	both_established() {
		grep -q '"event":"established"' "$TCP_WORK/vanish$fam.cli" &&
		grep -q '"event":"established"' "$TCP_WORK/vanish$fam.kcli"
	}
	check "IPv$fam two clients (xsock and kernel) connected, one echo each" \
		xs_wait_for 10 both_established
	# Every packet to the peer is lost from now on: B no longer has the
	# address, and with forwarding off it drops what comes for it without
	# an ICMP error.
	check "IPv$fam the peer vanishes (its address removed)" \
		ip -n "$NS_B" addr del "$b/$plen" dev "$VETH_B"
	kill -USR1 "${clients[@]}"
	for pid in "${clients[@]}"; do
		tcp_wait "$pid" 20 >/dev/null
	done
	check "IPv$fam vanish: TCP_USER_TIMEOUT set; the blocked recv fails with ETIMEDOUT" \
		both "op(0,'tcp_user_timeout')['ret'] == 0 and op(0,'echo')['ret'] == 100 and op(0,'recv')['errno'] == 'ETIMEDOUT'" vanish$fam.cli
	check "IPv$fam vanish: ... after 2.5-8 s" \
		both "2.5 <= d(0,'done')['error_after_s'] <= 8" vanish$fam.cli
	check "IPv$fam vanish: xsock returned what the kernel did, step by step" \
		tcp_py "steps(0) == steps(1)" vanish$fam.cli vanish$fam.kcli
	xs_log "IPv$fam vanish: ETIMEDOUT after $(tcp_get "d(0,'done')['error_after_s']" vanish$fam.cli) s (xsock), $(tcp_get "d(0,'done')['error_after_s']" vanish$fam.kcli) s (kernel)"
	tcp_log_accel "IPv$fam vanish: xsock client" "$(tcp_get "d(0,'done')['accelerated']" vanish$fam.cli)"
	if [ $fam = 4 ]; then
		ip -n "$NS_B" addr add "$b/$plen" dev "$VETH_B"
	else
		ip -n "$NS_B" addr add "$b/$plen" dev "$VETH_B" nodad
	fi
done
xs_log "vanish: $((SECONDS - start)) s"
check "no 5-tuple rule outlives its connection" test "$(xs_rule_count flow)" = 0
xs_done
