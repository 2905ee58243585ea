#!/bin/bash
# splice(2) between pipes and a TCP socket under xsock-run (the LD_PRELOAD
# shim), against a kernel echo server across the veth: tests/net/
# splice_echo.py moves 4 MiB each way through pipes and checks a few error
# cases.  The same script run on kernel sockets gives the reference: both
# runs must print the same lines, and the xsock run's frames must have gone
# through AF_XDP.
. "$(dirname "$0")/lib.sh"
XSOCK_RUN=$TOP/$BUILD/xsock-run
for f in "$XSOCK_RUN" "$TOP/$BUILD/libxsock-preload.so"; do
	[ -e "$f" ] || xs_skip "$f not built"
done
for p in python3 socat; do
	command -v $p >/dev/null || xs_skip "$p is not installed (tools/install-deps.sh)"
done
python3 -c 'import os; os.splice' 2>/dev/null || xs_skip "python3 has no os.splice (3.10 or later needed)"
xs_topology || { echo "topology set-up failed"; exit 1; }
work=$(mktemp -d /tmp/xs-splice.XXXXXX)
xs_on_exit "rm -rf $work"
SCRIPT=$TOP/tests/net/splice_echo.py

ip netns exec "$NS_B" socat TCP-LISTEN:7200,reuseaddr,fork EXEC:cat >"$work/socat.log" 2>&1 &
xs_on_exit "kill -9 $!"
xs_wait_for 5 ip netns exec "$NS_B" sh -c "ss -Htln 'sport = :7200' | grep -q ."

check "kernel sockets: the reference run" \
	bash -c "ip netns exec $NS_A timeout 60 python3 $SCRIPT $IP4_B 7200 >$work/kernel.out 2>&1"
xs_log "reference: $(tr '\n' ';' <"$work/kernel.out")"
check "attach" xsctl_a attach "$VETH_A"
red0=$(xs_counter redirected)
check "under xsock-run: the script completes" \
	bash -c "ip netns exec $NS_A timeout 60 $XSOCK_RUN --iface $VETH_A -- python3 $SCRIPT $IP4_B 7200 >$work/xsock.out 2>&1"
check "4 MiB spliced each way, intact, on both" grep -qx "bytes intact: True" "$work/xsock.out"
check "every line as on kernel sockets" diff "$work/kernel.out" "$work/xsock.out"
check "the frames went through AF_XDP" test "$(( $(xs_counter redirected) - red0 ))" -ge 2000
check "detach" xsctl_a detach "$VETH_A"
xs_done
