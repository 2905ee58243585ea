#!/bin/bash
# Unmodified TCP programs on xsock's TCP through xsock-run (the LD_PRELOAD
# shim), the Linux kernel on the other side of the veth:
#   - iperf3 -s under xsock-run, iperf3 -c in the kernel namespace, both
#     directions (-R): the transfer completes and the XDP program steered
#     its frames to AF_XDP;
#   - curl under xsock-run fetching 8 MiB from python3's http.server in the
#     kernel namespace, SHA-256 checked;
#   - socat TCP echo under xsock-run, socat client in the kernel namespace.
. "$(dirname "$0")/lib.sh"
XSOCK_RUN=$TOP/$BUILD/xsock-run
for f in "$XSOCK_RUN" "$TOP/$BUILD/libxsock-preload.so"; do
	[ -e "$f" ] || xs_skip "$f not built"
done
for p in iperf3 curl socat; do
	command -v $p >/dev/null || xs_skip "$p is not installed (tools/install-deps.sh)"
done
xs_topology || { echo "topology set-up failed"; exit 1; }
work=$(mktemp -d /tmp/xs-ptcp.XXXXXX)
xs_on_exit "rm -rf $work"
check "attach" xsctl_a attach "$VETH_A"
run_a() { ip netns exec "$NS_A" "$XSOCK_RUN" --iface "$VETH_A" -- "$@"; }

red_last=$(xs_counter redirected)

# ---- iperf3, both directions
port=5201
for dir in to-xsock from-xsock; do
	port=$((port + 1))
	run_a iperf3 -s -1 -p $port -J >"$work/srv.$dir" 2>&1 &
	srv=$!
	xs_on_exit "kill -9 $srv"
	xs_wait_for 5 ip netns exec "$NS_A" sh -c "ss -Htln 'sport = :$port' | grep -q ."
	rflag=()
	[ $dir = from-xsock ] && rflag=(-R)
	check "iperf3 $dir: a 3 s transfer completes" \
		bash -c "ip netns exec $NS_B timeout 30 iperf3 -c $IP4_A -p $port -t 3 -J ${rflag[*]} >$work/cli.$dir"
	check "iperf3 $dir: the xsock-run server finished cleanly" xs_wait_for 10 bash -c "! kill -0 $srv"
	check "iperf3 $dir: both ends counted the same bytes, over 10 MB" \
		python3 -c "import json,sys; c=json.load(open('$work/cli.$dir'))['end']; s=c['sum_received']['bytes']; sys.exit(not (s > 10e6 and c['sum_sent']['bytes'] >= s))"
	check "iperf3 $dir: the frames went through AF_XDP" redirected_grew 5000
	xs_log "iperf3 $dir: $(python3 -c "import json; print('%.2f Gb/s' % (json.load(open('$work/cli.$dir'))['end']['sum_received']['bits_per_second'] / 1e9))")"
done

# ---- curl under xsock-run, a kernel HTTP server
head -c 8M /dev/urandom >"$work/file"
(cd "$work" && exec ip netns exec "$NS_B" python3 -m http.server 8000 --bind "$IP4_B") >"$work/http.log" 2>&1 &
http=$!
xs_on_exit "kill -9 $http"
xs_wait_for 5 ip netns exec "$NS_B" sh -c "ss -Htln 'sport = :8000' | grep -q ."
check "curl under xsock-run downloads 8 MiB from the kernel side intact" \
	bash -c "ip netns exec $NS_A $XSOCK_RUN --iface $VETH_A -- curl -sS --max-time 30 -o $work/got http://$IP4_B:8000/file &&
		 cmp -s $work/got $work/file"
check "... and its frames went through AF_XDP" redirected_grew 3000

# ---- socat TCP echo under xsock-run
run_a socat TCP-LISTEN:7000,reuseaddr EXEC:cat >"$work/socat.log" 2>&1 &
sct=$!
xs_on_exit "kill -9 $sct"
xs_wait_for 5 ip netns exec "$NS_A" sh -c "ss -Htln 'sport = :7000' | grep -q ."
head -c 100000 /dev/urandom >"$work/echo.in"
check "socat TCP echo under xsock-run: 100 kB back intact" \
	bash -c "ip netns exec $NS_B timeout 10 socat -t 5 - TCP:$IP4_A:7000 <$work/echo.in >$work/echo.out && cmp -s $work/echo.in $work/echo.out"
xs_done
