#!/bin/bash
# `xsockctl sysctl` reaches applications that are already running: the
# busy-poll time of a blocked receiver changes without a restart.  With
# xsock.busy_poll_us=0 a receiver that is waiting sleeps at once (no CPU);
# set to 1 s while it runs, its next wait spins (a second of CPU); back to
# 0, it sleeps again.
. "$(dirname "$0")/lib.sh"
xs_topology || { echo "topology set-up failed"; exit 1; }
XS_UDP=$NET_HELPERS/xs_udp
[ -x "$XS_UDP" ] || xs_skip "$XS_UDP not built"
work=$(mktemp -d)
xs_on_exit "rm -rf $work"

cpu_ticks() {	# utime + stime of a process, in clock ticks
	awk '{ print $14 + $15 }' "/proc/$1/stat"
}
# One request, then the CPU the server burns in the next 0.8 s while it
# waits for the following one.
cpu_while_waiting() {
	local t0 t1
	# (a client that returns with the echo: socat would linger a second)
	in_b timeout 5 "$XS_UDP" client "$IP4_A" 9500 8 1 >/dev/null
	t0=$(cpu_ticks "$srv")
	sleep 0.8
	t1=$(cpu_ticks "$srv")
	echo $((t1 - t0))
}

check "attach" xsctl_a attach "$VETH_A"
check "busy poll off" xsctl_a sysctl "$VETH_A" xsock.busy_poll_us=0
ip netns exec "$NS_A" "$XS_UDP" echo 9500 >"$work/echo.out" 2>&1 &
srv=$!
xs_on_exit "kill $srv"
check "echo server on the fast path" xs_wait_for 5 grep -q 'ready accelerated 2' "$work/echo.out"
idle=$(cpu_while_waiting)
check "waiting with busy poll off costs no CPU ($idle ticks in 0.8 s)" test "$idle" -le 10

check "busy poll set to 1 s while it runs" xsctl_a sysctl "$VETH_A" xsock.busy_poll_us=1000000
sleep 1.5	# the stack looks at the config once a second
spin=$(cpu_while_waiting)
check "its next wait spins ($spin ticks in 0.8 s)" test "$spin" -ge 50

check "busy poll off again" xsctl_a sysctl "$VETH_A" xsock.busy_poll_us=0
sleep 1.5	# the config applies, and the last 1 s spin ends
idle=$(cpu_while_waiting)
check "and it sleeps again ($idle ticks in 0.8 s)" test "$idle" -le 10
xs_done
