#!/bin/bash
# TCP bulk transfer between libxsock and the Linux kernel, full duplex:
# 64 MiB each way at once over one connection, IPv4 and IPv6, with the
# xsock side as the client (kernel server) and as the server (kernel
# client).  Both ends print the SHA-256 and the length of what they sent
# and received; the digests must agree across the connection and with
# sha256sum over the seeded streams, and every byte is checked on arrival.
#
# XS_TCP_REQUIRE_ACCEL=1: the xsock side must be on the userspace TCP
# (xsock_is_accelerated() == 2 on every connected and accepted socket,
# else xs_tcp exits 3 and the check fails), and the segments must go
# through AF_XDP (the XDP program's `redirected` counter).  Unset (the
# default) the test also passes while xsock's TCP sockets are kernel
# sockets, as they are until the userspace TCP lands; the log says which.
# XS_TCP_BULK_BYTES (default 64M) changes the size.
. "$(dirname "$0")/lib.sh"
xs_topology || { echo "topology set-up failed"; exit 1; }
. "$(dirname "$0")/tcp_lib.sh"
BYTES=${XS_TCP_BULK_BYTES:-64M}

check "xs_tcp: SHA-256 matches the FIPS 180-2 vectors, streams are consistent" "$XS_TCP" selftest
# The streams each end sends (client seed 1, server seed 2), digested by
# coreutils: xs_tcp's own SHA-256 must agree with it.
want1=$("$XS_TCP" stream --seed 1 --bytes "$BYTES" | sha256sum | cut -d' ' -f1)
want2=$("$XS_TCP" stream --seed 2 --bytes "$BYTES" | sha256sum | cut -d' ' -f1)
nbytes=$("$XS_TCP" stream --seed 1 --bytes "$BYTES" | wc -c)
check "attach" xsctl_a attach "$VETH_A"

# both_ways CLIENT_OUT SERVER_OUT: the transfer arrived whole both ways.
both_ways() {
	local c=$1 s=$2
	tcp_py "d(0,'done')['ok'] and d(0,'done')['tx'] == $nbytes and d(0,'done')['rx'] == $nbytes" "$c" &&
	tcp_py "d(0,'conn')['error'] is None and d(0,'conn')['rx'] == $nbytes and d(0,'conn')['tx'] == $nbytes and d(0,'conn')['rx_match']" "$s" &&
	tcp_py "d(0,'done')['tx_sha256'] == d(1,'conn')['rx_sha256'] == '$want1'" "$c" "$s" &&
	tcp_py "d(1,'conn')['tx_sha256'] == d(0,'done')['rx_sha256'] == '$want2'" "$c" "$s"
}

# With XS_TCP_REQUIRE_ACCEL=1 the frames must go through AF_XDP:
# redirected_grew (lib.sh) counts from here.
red_last=$(xs_counter redirected)
# One direction's 64 MiB in 1500-byte frames: at least this many frames.
min_frames=$((nbytes / 1500))

port=7400
for fam in 4 6; do
	if [ $fam = 4 ]; then a=$IP4_A b=$IP4_B; else a=$IP6_A b=$IP6_B; fi
	start=$SECONDS

	# xsock client -> kernel server
	port=$((port + 1))
	check "IPv$fam kernel server listening" \
		tcp_start "$NS_B" srv$fam.out server --kernel --family $fam --port $port --sink --source "$BYTES" --once
	srv=$TCP_PID
	check "IPv$fam xsock client -> kernel server: $BYTES each way at once" \
		tcp_run "$NS_A" cli$fam.out client "${TCP_ACCEL[@]}" --connect "$b" --port $port --send "$BYTES"
	check "IPv$fam the kernel server finished" tcp_wait $srv
	check "IPv$fam both ways whole: lengths, SHA-256 at both ends and sha256sum agree" \
		both_ways cli$fam.out srv$fam.out
	tcp_log_accel "IPv$fam xsock client" "$(tcp_get "d(0,'done')['accelerated']" cli$fam.out)"
	xs_log "IPv$fam xsock client: $(tcp_get "d(0,'done')['gbps']" cli$fam.out) Gb/s (both directions)"
	[ ${#TCP_ACCEL[@]} -gt 0 ] &&
		check "IPv$fam the segments went through AF_XDP" redirected_grew $min_frames

	# kernel client -> xsock server
	port=$((port + 1))
	check "IPv$fam xsock server listening" \
		tcp_start "$NS_A" xsrv$fam.out server "${TCP_ACCEL[@]}" --family $fam --port $port --sink --source "$BYTES" --once
	srv=$TCP_PID
	check "IPv$fam kernel client -> xsock server: $BYTES each way at once" \
		tcp_run "$NS_B" kcli$fam.out client --kernel --connect "$a" --port $port --send "$BYTES"
	check "IPv$fam the xsock server finished" tcp_wait $srv
	check "IPv$fam both ways whole: lengths, SHA-256 at both ends and sha256sum agree" \
		both_ways kcli$fam.out xsrv$fam.out
	check "IPv$fam the xsock server's fds are back where they were" \
		tcp_py "d(0,'done')['fds_end'] == d(0,'done')['fds_base'] and d(0,'done')['open'] == 0" xsrv$fam.out
	tcp_log_accel "IPv$fam xsock server" "$(tcp_get "d(0,'conn')['accelerated']" xsrv$fam.out)"
	xs_log "IPv$fam kernel client: $(tcp_get "d(0,'done')['gbps']" kcli$fam.out) Gb/s (both directions)"
	[ ${#TCP_ACCEL[@]} -gt 0 ] &&
		check "IPv$fam the segments went through AF_XDP" redirected_grew $min_frames
	xs_log "IPv$fam: $((SECONDS - start)) s"
done

check "no 5-tuple rule outlives its connection" test "$(xs_rule_count flow)" = 0
check "ping still works" in_b ping -c2 -i0.2 -W1 "$IP4_A"
xs_done
