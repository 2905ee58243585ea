#!/bin/bash
# No lost wake-ups with many threads in one xsock stack, under
# ThreadSanitizer: tests/net/xs_stress (its header says what it does) built
# with clang -fsanitize=thread (make tsan: build-tsan/), threads blocked in
# recv, accept, poll and epoll_wait on UDP and TCP xsock sockets, woken by
# the kernel peer's data, by SA_RESTART and plain signals, by another
# thread's close() (which, as in Linux, leaves them waiting on the socket)
# and shutdown().  Fails on any lost or wrong wake-up (its watchdog bounds
# every blocked call) and on any ThreadSanitizer report: nothing is
# suppressed.
#   XS_STRESS_PLAIN=1 runs the ordinary build instead (no TSan).
. "$(dirname "$0")/lib.sh"
TSAN_BUILD=${TSAN_BUILD:-build-tsan}
if [ -n "${XS_STRESS_PLAIN:-}" ]; then
	STRESS=$NET_HELPERS/xs_stress
else
	STRESS=$TOP/$TSAN_BUILD/tests/net/xs_stress
fi
[ -x "$STRESS" ] || xs_skip "$STRESS not built (make tsan)"
command -v python3 >/dev/null || xs_skip "python3 is not installed"
xs_topology || { echo "topology set-up failed"; exit 1; }
work=$(mktemp -d)
xs_on_exit "rm -rf $work"
REPORT_PORT=9301
PORT=9500

ip netns exec "$NS_B" python3 "$TOP/tests/conformance/conf_peer.py" $REPORT_PORT &
xs_on_exit "kill $!"
xs_wait_for 5 in_b bash -c "[ \$(ss -uln | grep -c ':$REPORT_PORT ') = 2 ]" ||
	{ echo "peer did not start"; exit 1; }
check "attach" xsctl_a attach "$VETH_A"
# A report is a failure; the process goes on so that one run shows them
# all.  setarch -R: ThreadSanitizer maps its shadow at fixed addresses,
# which a kernel with more mmap randomisation bits (vm.mmap_rnd_bits 32)
# can collide with.
TSAN_OPTIONS="halt_on_error=0 exitcode=66 second_deadlock_stack=1 log_path=$work/tsan" \
	in_a timeout 150 setarch "$(uname -m)" -R "$STRESS" "$IP4_A" "$IP4_B" $REPORT_PORT $PORT \
	>"$work/out" 2>&1
rc=$?
sed 's/^/    /' "$work/out"
reports=$(cat "$work"/tsan.* 2>/dev/null | grep -c '^WARNING: ThreadSanitizer')
if [ "$reports" != 0 ]; then
	# the first lines of each report, the full ones in the log
	cat "$work"/tsan.* | grep -A14 '^WARNING: ThreadSanitizer' | sed 's/^/    /' | head -150
fi
check "every thread woke as it should and ended (exit $rc)" test "$rc" = 0
check "no lost wake-up: phases data, restart, eintr, close, shutdown all done" \
	grep -q '^PASS$' "$work/out"
check "ThreadSanitizer reported nothing ($reports reports)" test "$reports" = 0
xs_done
