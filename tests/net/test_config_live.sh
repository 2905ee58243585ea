#!/bin/bash
# `xsockctl sysctl` reaches applications that are already running.
# - The busy-poll time of a blocked receiver changes without a restart.
#   With xsock.busy_poll_us=0 a receiver that is waiting sleeps at once (no
#   CPU); set to 1 s while it runs, its next wait spins (a second of CPU);
#   back to 0, it sleeps again.
# - The net.core tunables govern the application's next sockets, from the
#   config map and not from the namespace's /proc: rmem_default and
#   wmem_default (new UDP sockets, and how much a UDP socket queues),
#   rmem_max and wmem_max (what SO_RCVBUF/SO_SNDBUF read back), optmem_max
#   (ENOBUFS for a large sendmsg control buffer), netdev_max_backlog (the
#   frames one receive round takes), message_cost and message_burst (how
#   many of xsock's warnings are printed).
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

# --- net.core.* under a running application (tests/net/xs_bufs)
XS_BUFS=$NET_HELPERS/xs_bufs
[ -x "$XS_BUFS" ] || xs_skip "$XS_BUFS not built"
kill "$srv"; wait "$srv" 2>/dev/null
# The kernel's own limits in the namespace, which xsock must not follow.
k_rmem_max=$(in_a cat /proc/sys/net/core/rmem_max)
k_rmem_default=$(in_a cat /proc/sys/net/core/rmem_default)
k_tcp_rcvbuf=$(in_a awk '{ print $2 }' /proc/sys/net/ipv4/tcp_rmem)
kernel_rcvbuf() {	# KIND VALUE: SO_RCVBUF of a kernel socket in NS_A after setting VALUE
	in_a python3 -c "import socket,sys
s = socket.socket(socket.AF_INET, socket.SOCK_STREAM if sys.argv[1] == 'tcp' else socket.SOCK_DGRAM)
if int(sys.argv[2]): s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, int(sys.argv[2]))
print(s.getsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF))" "$@"
}
mkfifo "$work/bufs.in"
in_a "$XS_BUFS" <"$work/bufs.in" >"$work/bufs.out" 2>"$work/bufs.err" &
bufs=$!
xs_on_exit "kill $bufs"
exec 7>"$work/bufs.in"
xs_on_exit "exec 7>&-"
count_gt() { [ "$(grep -c "$2" "$1")" -gt "$3" ]; }	# FILE PATTERN N
# ask COMMAND...: one command to xs_bufs, its answer on stdout.
ask() {
	local n
	n=$(wc -l <"$work/bufs.out")
	echo "$*" >&7
	xs_wait_for 5 count_gt "$work/bufs.out" '' "$n" || { echo timeout; return; }
	sed -n "$((n + 1))p" "$work/bufs.out"
}
sysctl_a() { xsctl_a sysctl "$VETH_A" "$@" >/dev/null; }

got=$(ask new udp)
check "a UDP socket starts with the map's rmem_default, seeded from the kernel ($got)" \
	test "$got" = "rcvbuf $k_rmem_default sndbuf $(in_a cat /proc/sys/net/core/wmem_default)"
check "rmem_default=65536 wmem_default=32768 while it runs" \
	sysctl_a net.core.rmem_default=65536 net.core.wmem_default=32768
got=$(ask new udp)
check "its next UDP socket gets them ($got)" test "$got" = "rcvbuf 65536 sndbuf 32768"
got=$(ask new udp -6)
check "IPv6 too ($got)" test "$got" = "rcvbuf 65536 sndbuf 32768"
got=$(ask new tcp)
check "a TCP socket keeps tcp_rmem[1], as Linux's does ($got)" \
	test "${got%% sndbuf*}" = "rcvbuf $k_tcp_rcvbuf"
kgot=$(kernel_rcvbuf udp 0)
check "the namespace's kernel sockets keep /proc's rmem_default ($kgot)" test "$kgot" = "$k_rmem_default"

big=$((k_rmem_max * 4)); want=$((k_rmem_max * 3))
check "rmem_max=$big (4 x the kernel's)" sysctl_a net.core.rmem_max=$big
got=$(ask set udp rcvbuf $want)
check "SO_RCVBUF $want reads back doubled, under the map's cap ($got)" \
	test "${got%% sndbuf*}" = "rcvbuf $((want * 2))"
got=$(ask set tcp rcvbuf $want)
check "on TCP too ($got)" test "${got%% sndbuf*}" = "rcvbuf $((want * 2))"
kgot=$(kernel_rcvbuf udp $want)
check "a kernel socket is still capped by /proc's rmem_max ($kgot)" test "$kgot" = $((k_rmem_max * 2))
check "rmem_max=8192 wmem_max=16384" sysctl_a net.core.rmem_max=8192 net.core.wmem_max=16384
got=$(ask set udp rcvbuf 1000000)
check "SO_RCVBUF is capped at 2 x 8192 now ($got)" test "${got%% sndbuf*}" = "rcvbuf 16384"
got=$(ask set udp sndbuf 1000000)
check "SO_SNDBUF at 2 x 16384 ($got)" test "${got##*sndbuf }" = 32768
got=$(ask set tcp rcvbuf -1)
check "a negative SO_RCVBUF takes the cap ($got)" test "${got%% sndbuf*}" = "rcvbuf 16384"
got=$(ask set udp rcvbuf 1)
check "a tiny one the kernel's minimum ($got)" test "${got%% sndbuf*}" = "rcvbuf $(( $(kernel_rcvbuf udp 1) ))"
got=$(ask set udp rcvbufforce 1000000)
check "SO_RCVBUFFORCE is not capped ($got)" test "${got%% sndbuf*}" = "rcvbuf 2000000"

# Without CAP_NET_ADMIN the twin cannot take a size above the namespace's
# rmem_max (SO_RCVBUFFORCE is refused): the stack answers, and says so once.
if command -v setpriv >/dev/null; then
	check "rmem_max=$big again" sysctl_a net.core.rmem_max=$big
	printf 'set udp rcvbuf %s\nset udp rcvbufforce 100\n' "$want" |
		in_a setpriv --inh-caps=-net_admin --bounding-set=-net_admin -- "$XS_BUFS" \
		>"$work/nocap.out" 2>"$work/nocap.err"
	got=$(sed -n 1p "$work/nocap.out")
	check "without CAP_NET_ADMIN SO_RCVBUF still reads the map's cap ($got)" \
		test "${got%% sndbuf*}" = "rcvbuf $((want * 2))"
	got=$(sed -n 2p "$work/nocap.out")
	check "and SO_RCVBUFFORCE is refused as the kernel refuses it ($got)" test "$got" = "error EPERM"
	check "with one warning" test "$(grep -c 'the kernel twins keep their own' "$work/nocap.err")" = 1
	check "rmem_max=8192 again" sysctl_a net.core.rmem_max=8192
fi

# optmem_max: ENOBUFS from the map's value (the kernel's is $(in_a cat /proc/sys/net/core/optmem_max))
check "optmem_max=100" sysctl_a net.core.optmem_max=100
got=$(ask cmsg 99)
check "a 99-byte control buffer passes the limit (then fails as zeros: $got)" test "$got" = "error EINVAL"
got=$(ask cmsg 100)
check "a 100-byte one gets ENOBUFS ($got)" test "$got" = "error ENOBUFS"
check "optmem_max=1000" sysctl_a net.core.optmem_max=1000
got=$(ask cmsg 100)
check "and passes once it is raised ($got)" test "$got" = "error EINVAL"

# rmem_default governs the UDP receive queue: 50 datagrams of 1000 bytes
# against 8 KiB (each costs 1000 + 768) and against 1 MiB.
blast() { in_b python3 -c "import socket,sys
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
for i in range(50): s.sendto(b'x' * 1000, (sys.argv[1], 9600))" "$IP4_A"; }
check "rmem_default=8192" sysctl_a net.core.rmem_default=8192
got=$(ask bind "$IP4_A" 9600)
check "a bound UDP socket on the fast path gets it ($got)" test "$got" = "bound accelerated 2 rcvbuf 8192"
blast; sleep 0.3
got=$(ask drain)
check "it queued what 8 KiB holds of 50 datagrams ($got)" test "${got#drained }" -le 6 -a "${got#drained }" -ge 4
# netdev_max_backlog bounds the frames one receive round takes: one at a
# time, the reader empties the 8 KiB queue between rounds and nothing drops.
check "netdev_max_backlog=1" sysctl_a net.core.netdev_max_backlog=1
got=$(ask bind "$IP4_A" 9600)
check "the same 8 KiB socket ($got)" test "$got" = "bound accelerated 2 rcvbuf 8192"
blast; sleep 0.3
got=$(ask drain)
check "taking one frame per round, it reads all 50 ($got)" test "$got" = "drained 50"
check "netdev_max_backlog back to the kernel's" \
	sysctl_a net.core.netdev_max_backlog=$(in_a cat /proc/sys/net/core/netdev_max_backlog 2>/dev/null || cat /proc/sys/net/core/netdev_max_backlog)
check "rmem_default=1048576" sysctl_a net.core.rmem_default=1048576
got=$(ask bind "$IP4_A" 9600)
check "the next one gets 1 MiB ($got)" test "$got" = "bound accelerated 2 rcvbuf 1048576"
blast; sleep 0.3
got=$(ask drain)
check "and queues all 50 ($got)" test "$got" = "drained 50"

# (TCP from here on: its TIME_WAIT blocks keep the helper thread polling
# the rings, which the receive-queue checks above must not have.)
# rmem_max also sizes the window scale TCP offers (tcp_select_initial_window():
# for max(tcp_rmem[2], rmem_max)); a kernel connection keeps /proc's.
in_b python3 -c "import socket, time
s = socket.socket(); s.bind(('$IP4_B', 9700)); s.listen(64); time.sleep(120)" &
xs_on_exit "kill $!"
xs_wait_for 5 in_b bash -c "ss -tln | grep -q ':9700 '"
kernel_wscale() {
	in_a python3 -c "import socket
s = socket.create_connection(('$IP4_B', 9700))
print(s.getsockopt(socket.IPPROTO_TCP, socket.TCP_INFO, 104)[6] >> 4)"
}
k_ws=$(kernel_wscale)
got=$(ask connect "$IP4_B" 9700)
check "with rmem_max=8192 an xsock connection offers what the kernel offers (tcp_rmem[2] decides) ($got, kernel $k_ws)" \
	test "$got" = "wscale $k_ws"
check "rmem_max=1073741824" sysctl_a net.core.rmem_max=1073741824
got=$(ask connect "$IP4_B" 9700)
check "then it offers the largest scale, 14 ($got)" test "$got" = "wscale 14"
k_ws2=$(kernel_wscale)
check "while a kernel connection still offers $k_ws ($k_ws2)" test "$k_ws2" = "$k_ws"

# An accepted connection takes its listener's SO_RCVBUF, as Linux's clone
# does, beyond the namespace's rmem_max too.
check "rmem_max=$big" sysctl_a net.core.rmem_max=$big
n=$(wc -l <"$work/bufs.out")
echo "accept $IP4_A 9710 $want" >&7
xs_wait_for 5 count_gt "$work/bufs.out" listening "$(grep -c listening "$work/bufs.out")"
in_b python3 -c "import socket, time
s = socket.create_connection(('$IP4_A', 9710)); time.sleep(0.5)" &
xs_wait_for 5 count_gt "$work/bufs.out" '' $((n + 1))
got=$(sed -n "$((n + 2))p" "$work/bufs.out")
check "an accepted connection has its listener's SO_RCVBUF ($got)" \
	test "${got%% sndbuf*}" = "rcvbuf $((want * 2))"

# message_cost/message_burst: a second process finds the interface's queue
# taken by the first and warns at each bind (each waits 0.5 s for EBUSY).
check "message_cost=60 message_burst=2" sysctl_a net.core.message_cost=60 net.core.message_burst=2
mkfifo "$work/bufs2.in"
in_a "$XS_BUFS" <"$work/bufs2.in" >"$work/bufs2.out" 2>"$work/bufs2.err" &
bufs2=$!
xs_on_exit "kill $bufs2"
exec 8>"$work/bufs2.in"
xs_on_exit "exec 8>&-"
for p in 9601 9602 9603 9604; do echo "bind $IP4_A $p"; done >&8
xs_wait_for 10 count_gt "$work/bufs2.out" bound 3
n=$(grep -c 'cannot open AF_XDP' "$work/bufs2.err")
check "4 failed opens, 2 warnings ($n)" test "$n" = 2
check "message_cost=0 (no limit) while it runs" sysctl_a net.core.message_cost=0
for p in 9605 9606; do echo "bind $IP4_A $p"; done >&8
xs_wait_for 10 count_gt "$work/bufs2.out" bound 5
n=$(grep -c 'cannot open AF_XDP' "$work/bufs2.err")
check "2 more opens, 2 more warnings ($n)" test "$n" = 4
sed 's/^/    stderr: /' "$work/bufs2.err"
xs_done
