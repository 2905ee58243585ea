#!/bin/bash
# socat and nc (netcat-openbsd), unmodified, under xsock-run, each as a
# TCP and a UDP echo in both directions, over IPv4 and IPv6, the Linux
# kernel on the other side of the veth running the same program (or, for
# nc UDP clients, a plain echo):
#   - xsock-run side the server, a kernel client;
#   - xsock-run side the client, a kernel server.
# Each run is checked by the client's own output (every byte back, in
# order), by the XDP program's redirected counter (the traffic of the
# xsock-run side went through AF_XDP), and by the rules left once the
# programs have exited of themselves: none.
#
# How the echoes are made:
#   socat TCP   TCP-LISTEN:PORT PIPE; the client `socat - TCP:...` sends
#               100 kB and half-closes;
#   socat UDP   UDP-LISTEN:PORT PIPE with -b 1000 on both ends, so every
#               datagram is 1000 B (a pipe merges writes; -b splits them
#               again at the size they were sent with);
#   nc TCP      `cat FIFO | nc -l ADDR PORT >FIFO`; the client holds its
#               stdin open until it has every byte back, then half-closes
#               (-N), which ends the server (nc -l quits at EOF from the
#               network, whatever is still in its pipe);
#   nc UDP      a server is `head -c N FIFO | nc -u -l -q1 ADDR PORT >FIFO`
#               (quits once it has echoed N bytes; the FIFO held open for
#               reading, see there); a client's peer is a
#               datagram-for-datagram kernel echo (kernel_udp_echo.py).
#               nc sends whatever one read() of its stdin gives, so the
#               client is fed one line at a time, keeping the datagrams
#               small enough for the fast path (bigger ones are IP
#               fragments, which go through the kernel: docs/design.md).
. "$(dirname "$0")/lib.sh"
XSOCK_RUN=$TOP/$BUILD/xsock-run
for f in "$XSOCK_RUN" "$TOP/$BUILD/libxsock-preload.so"; do
	[ -e "$f" ] || xs_skip "$f not built"
done
for p in socat nc python3; do
	command -v $p >/dev/null || xs_skip "$p is not installed (tools/install-deps.sh)"
done
nc -h 2>&1 | grep -q '^OpenBSD netcat' ||
	xs_skip "nc is not netcat-openbsd (tools/install-deps.sh installs it)"
xs_topology || { echo "topology set-up failed"; exit 1; }
work=$(mktemp -d /tmp/xs-echo.XXXXXX)
xs_on_exit "rm -rf $work"
check "attach" xsctl_a attach "$VETH_A"
XR=("$XSOCK_RUN" --iface "$VETH_A" --)

red_last=$(xs_counter redirected)
listening() {	# NS PROTO(t|u) PORT
	ip netns exec "$1" sh -c "ss -Hln$2 'sport = :$3' | grep -q ."
}
size_is() { [ "$(stat -c %s "$1" 2>/dev/null || echo 0)" -ge "$2" ]; }
# finished PID: the background job exited of itself within 10 s, status 0.
finished() {
	xs_wait_for 10 bash -c "! kill -0 $1 2>/dev/null" || { echo "still running"; return 1; }
	wait "$1"
	local rc=$?
	echo "exit status $rc"
	[ $rc = 0 ]
}
echoed() {	# RC IN OUT: the client exited 0 and OUT is IN
	[ "$1" = 0 ] || { echo "the client exited $1"; cat "$3.err"; return 1; }
	cmp "$2" "$3" && echo "$(stat -c %s "$3") bytes, the same"
}

head -c 100000 /dev/urandom >"$work/tcp.in"
head -c 64000 /dev/urandom >"$work/udp.in"
# 100 lines of 86 bytes, sent one at a time (nc UDP)
python3 -c 'import os
for i in range(100): print("%04d %s" % (i, os.urandom(40).hex()))' >"$work/lines.in"
LINES_SIZE=$(stat -c %s "$work/lines.in")
paced() {	# FILE: its lines, 10 ms apart
	local l
	while IFS= read -r l; do
		printf '%s\n' "$l"
		sleep 0.01
	done <"$1"
}
mkfifo "$work/fifo"

# sides SIDE FAMILY: sets srv_ns, srv_ip (bracketed for IPv6), cli_ns, and
# srv_run / cli_run (xsock-run or nothing) for the xsock-run SIDE.
sides() {
	local a=$IP4_A b=$IP4_B
	[ "$2" = 6 ] && a="[$IP6_A]" b="[$IP6_B]"
	if [ "$1" = server ]; then
		srv_ns=$NS_A srv_ip=$a cli_ns=$NS_B srv_run=("${XR[@]}") cli_run=()
	else
		srv_ns=$NS_B srv_ip=$b cli_ns=$NS_A srv_run=() cli_run=("${XR[@]}")
	fi
}

# ---- socat TCP, over IPv4 and IPv6
port=7100
for fam in 4 6; do
	for side in server client; do
		port=$((port + 1))
		out=$work/socat-tcp$fam-$side.out
		what="socat TCP$fam echo, xsock-run $side"
		sides $side $fam
		ip netns exec "$srv_ns" "${srv_run[@]}" socat TCP$fam-LISTEN:$port,bind=$srv_ip,reuseaddr PIPE \
			>"$out.srv" 2>&1 &
		srv=$!
		xs_on_exit "kill -9 $srv"
		xs_wait_for 5 listening "$srv_ns" t $port
		ip netns exec "$cli_ns" timeout 20 "${cli_run[@]}" socat -t 5 - TCP$fam:$srv_ip:$port \
			<"$work/tcp.in" >"$out" 2>"$out.err"
		check "$what: the client gets 100 kB back intact" echoed $? "$work/tcp.in" "$out"
		check "$what: through AF_XDP" redirected_grew 50
		check "$what: the server exits cleanly" finished $srv
		check "$what: no rule left behind" xs_wait_for 5 no_rules
	done
done

# ---- socat UDP, over IPv4 and IPv6
for fam in 4 6; do
	for side in server client; do
		port=$((port + 1))
		out=$work/socat-udp$fam-$side.out
		what="socat UDP$fam echo, xsock-run $side"
		sides $side $fam
		# -T 3: the server ends 3 s after the last datagram
		ip netns exec "$srv_ns" "${srv_run[@]}" socat -b 1000 -T 3 UDP$fam-LISTEN:$port,bind=$srv_ip PIPE \
			>"$out.srv" 2>&1 &
		srv=$!
		xs_on_exit "kill -9 $srv"
		xs_wait_for 5 listening "$srv_ns" u $port
		ip netns exec "$cli_ns" timeout 20 "${cli_run[@]}" socat -b 1000 -t 3 - UDP$fam:$srv_ip:$port \
			<"$work/udp.in" >"$out" 2>"$out.err"
		check "$what: 64 x 1000 B come back intact, in order" echoed $? "$work/udp.in" "$out"
		check "$what: the 64 datagrams to it came through AF_XDP" redirected_grew 64
		check "$what: the server exits cleanly" finished $srv
		check "$what: no rule left behind" xs_wait_for 5 no_rules
	done
done

# nc takes IPv6 addresses without brackets.
nc_addrs() {	# SIDE FAMILY: sets srv_ns, srv_ip, cli_ns
	local a=$IP4_A b=$IP4_B
	[ "$2" = 6 ] && a=$IP6_A b=$IP6_B
	if [ "$1" = server ]; then
		srv_ns=$NS_A srv_ip=$a cli_ns=$NS_B
	else
		srv_ns=$NS_B srv_ip=$b cli_ns=$NS_A
	fi
}

# ---- nc TCP, over IPv4 and IPv6
for fam in 4 6; do
	for side in server client; do
		port=$((port + 1))
		out=$work/nc-tcp$fam-$side.out
		what="nc TCP$fam echo, xsock-run $side"
		: >"$out"
		nc_addrs $side $fam
		if [ $side = server ]; then
			srv_cmd="${XR[*]}" cli_run=()
		else
			srv_cmd= cli_run=("${XR[@]}")
		fi
		ip netns exec "$srv_ns" bash -c "cat $work/fifo | $srv_cmd nc -l $srv_ip $port >$work/fifo" \
			2>"$out.srv" &
		srv=$!
		xs_on_exit "kill -9 $srv"
		xs_wait_for 5 listening "$srv_ns" t $port
		{ cat "$work/tcp.in"; xs_wait_for 20 size_is "$out" 100000; } |
			ip netns exec "$cli_ns" timeout 30 "${cli_run[@]}" nc -N $srv_ip $port >"$out" 2>"$out.err"
		check "$what: the client gets 100 kB back intact" echoed $? "$work/tcp.in" "$out"
		check "$what: through AF_XDP" redirected_grew 50
		check "$what: the server exits cleanly" finished $srv
		check "$what: no rule left behind" xs_wait_for 5 no_rules
	done
done

# ---- nc UDP, over IPv4 and IPv6
for fam in 4 6; do
	for side in server client; do
		port=$((port + 1))
		out=$work/nc-udp$fam-$side.out
		what="nc UDP$fam echo, xsock-run $side"
		: >"$out"
		nc_addrs $side $fam
		if [ $side = server ]; then
			cli_run=()
			# fd 9 keeps the FIFO open for reading after head exits:
			# nc 1.219 then sees no POLLERR on its stdout while the
			# end of its stdin is still unread (which it would lose:
			# it happens with the kernel alone too)
			ip netns exec "$NS_A" bash -c "exec 9<>$work/fifo; head -c $LINES_SIZE $work/fifo |
				${XR[*]} nc -u -l -q 1 $srv_ip $port >$work/fifo" 2>"$out.srv" &
		else
			cli_run=("${XR[@]}")
			ip netns exec "$NS_B" python3 "$TOP/tests/net/kernel_udp_echo.py" $fam $port \
				2>"$out.srv" &
		fi
		srv=$!
		xs_on_exit "kill -9 $srv"
		xs_wait_for 5 listening "$srv_ns" u $port
		{ paced "$work/lines.in"; xs_wait_for 20 size_is "$out" "$LINES_SIZE"; } |
			ip netns exec "$cli_ns" timeout 40 "${cli_run[@]}" nc -u -q 0 $srv_ip $port \
			>"$out" 2>"$out.err"
		check "$what: the client gets its 100 lines back intact" echoed $? "$work/lines.in" "$out"
		# One datagram a line, unless a read of nc's stdin got several.
		check "$what: the datagrams to it came through AF_XDP" redirected_grew 20
		if [ $side = server ]; then
			check "$what: the server exits cleanly" finished $srv
		else
			kill $srv
		fi
		check "$what: no rule left behind" xs_wait_for 5 no_rules
	done
done

check "ping still works" in_b ping -c2 -i0.2 -W1 "$IP4_A"
check "detach" xsctl_a detach "$VETH_A"
xs_done
