#!/bin/bash
# `make demo`: attach xsock to a veth in namespaces made for the occasion,
# show what xsockctl sees, steer a port, watch the counters move, clean up.
# Everything it creates is removed on exit, also on failure or Ctrl-C.
set -eu
BUILD=${BUILD:-build}
top=$(cd "$(dirname "$0")/.." && pwd)
XSOCKCTL=$top/$BUILD/xsockctl

if [ "$(id -u)" != 0 ]; then
	echo "make demo needs root (network namespaces and XDP)" >&2
	exit 1
fi

NS_A=xsdemo-a
NS_B=xsdemo-b
VA=xsdemo0
VB=xsdemo1
cleanup() {
	set +e
	[ -n "${srv:-}" ] && kill "$srv" 2>/dev/null
	[ -n "${echo_pid:-}" ] && kill "$echo_pid" 2>/dev/null
	[ -n "${http_pid:-}" ] && kill "$http_pid" 2>/dev/null
	[ -n "${work:-}" ] && rm -rf "$work"
	ip netns exec $NS_A "$XSOCKCTL" detach $VA >/dev/null 2>&1
	ip netns del $NS_A 2>/dev/null
	ip netns del $NS_B 2>/dev/null
}
trap cleanup EXIT
trap 'exit 130' INT TERM
cleanup	# a previous demo killed hard may have left them

step() { printf '\n\033[1m== %s\033[0m\n' "$*"; }
show() { printf '$ %s\n' "$*"; "$@"; }
ctl() { show ip netns exec $NS_A "$XSOCKCTL" "$@"; }

step "Two namespaces joined by a veth: $NS_A (xsock side, 198.18.0.1) and $NS_B (Linux peer, 198.18.0.2)"
ip netns add $NS_A
ip netns add $NS_B
ip link add $VA netns $NS_A type veth peer name $VB netns $NS_B
ip -n $NS_A addr add 198.18.0.1/24 dev $VA
ip -n $NS_B addr add 198.18.0.2/24 dev $VB
ip -n $NS_A link set $VA up
ip -n $NS_B link set $VB up
ip netns exec $NS_B ethtool -K $VB tx off >/dev/null 2>&1 || true

step "Attach the steering program"
ctl attach $VA
ctl status $VA

step "Configuration, seeded from the kernel's /proc/sys/net/core"
ctl sysctl $VA -a
ctl sysctl $VA net.core.rmem_max=8388608

step "Steer UDP port 9000 to xsock (no stack is consuming it yet, so the kernel still gets it)"
ctl rule add $VA udp 9000
ctl rule show $VA

send_udp() {	# N datagrams from the peer to 198.18.0.1:9000
	for i in $(seq 1 "$1"); do
		echo "datagram $i" | ip netns exec $NS_B socat -u - UDP:198.18.0.1:9000
	done
}

step "Traffic from the peer: pings (not ours), TCP to the kernel (no rule), UDP to 9000 (ruled)"
work=$(mktemp -d)
ip netns exec $NS_A socat -u UDP-RECV:9000 OPEN:$work/kernel-got,creat,append &
srv=$!
show ip netns exec $NS_B ping -c 3 -i 0.2 198.18.0.1
send_udp 5
ip netns exec $NS_B timeout 2 bash -c 'echo > /dev/tcp/198.18.0.1/22' 2>/dev/null || true
sleep 0.3
ctl stats $VA
echo "The kernel's UDP socket on 9000 got $(wc -l <$work/kernel-got) datagrams: the rule matched, but"
echo "no AF_XDP socket listens on the queue, so the program handed them to the kernel (pass_redirect_failed)."

step "A libxsock UDP echo server binds port 9000: its socket is steered to AF_XDP and answered in user space"
echo "(first the kernel's receiver and the static rule go: the port must be free, as for any bind)"
kill $srv; wait $srv 2>/dev/null; srv=
ctl rule del $VA udp 9000
ip netns exec $NS_A "$top/$BUILD/tests/net/xs_udp" echo 9000 >"$work/echo.out" 2>&1 &
echo_pid=$!
for _ in $(seq 50); do grep -q ready "$work/echo.out" 2>/dev/null && break; sleep 0.1; done
echo "echo server (pid $echo_pid): $(head -n1 "$work/echo.out")   (accelerated 2 = on the fast path)"
ctl rule show $VA
echo "The peer (plain Linux sockets) sends 5 datagrams and reads the echoes:"
for i in 1 2 3 4 5; do
	printf '  sent "hello %s", got "%s"\n' "$i" \
		"$(echo "hello $i" | ip netns exec $NS_B timeout 2 socat -t1 - UDP:198.18.0.1:9000)"
done
sleep 1.2	# the stack publishes its counters once a second
ctl stats $VA
kill $echo_pid; wait $echo_pid 2>/dev/null
echo "echo server: $(tail -n1 "$work/echo.out")"
echo "Its steering rule left with its socket:"
ctl rule show $VA

step "An unmodified program over TCP: python3's http.server under xsock-run, curl on the Linux peer"
mkdir -p "$work/www"
head -c 4M /dev/urandom >"$work/www/file"
(cd "$work/www" && exec ip netns exec $NS_A "$top/$BUILD/xsock-run" --iface $VA -- \
	python3 -m http.server 8080 --bind 198.18.0.1) >"$work/http.log" 2>&1 &
http_pid=$!
for _ in $(seq 50); do
	ip netns exec $NS_A ss -Htln 'sport = :8080' | grep -q . && break
	sleep 0.1
done
ctl rule show $VA
echo "The peer fetches a 4 MiB file three times with curl (plain Linux sockets):"
for i in 1 2 3; do
	ip netns exec $NS_B curl -sS --max-time 20 -o "$work/got" -w '  HTTP %{http_code}, %{size_download} bytes in %{time_total} s' \
		http://198.18.0.1:8080/file || true
	if cmp -s "$work/got" "$work/www/file"; then echo ", identical to the file"; else echo ", NOT the file"; fi
done
sleep 1.2	# the counters, published once a second
ctl stats $VA
kill -INT $http_pid 2>/dev/null; wait $http_pid 2>/dev/null; http_pid=
echo "The server's connections and its listener rule left with it:"
ctl rule show $VA

step "Detach and clean up"
ctl detach $VA
echo
echo "demo finished: everything it created is removed on exit"
