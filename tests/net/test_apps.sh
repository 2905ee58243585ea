#!/bin/bash
# Real servers, unmodified, under xsock-run (docs/preload.md), with the
# Linux kernel's clients on the other side of the veth:
#   - redis-server: redis-cli round-trips a value; redis-benchmark's
#     default test set completes with no errors;
#   - nginx as one process (master_process off: the fast path): curl gets
#     the file intact, wrk gets 200s at full rate with no socket errors;
#   - nginx as master and worker (the default): a fork hands the listener
#     to the kernel (docs/design.md), and it serves as before;
#   - curl under xsock-run fetching a file from nginx on the kernel side;
#   - sockperf ping-pong, UDP and TCP, against a sockperf server.
# Each accelerated run must have gone through AF_XDP (the XDP program's
# redirected counter) and left no steering rule behind.
. "$(dirname "$0")/lib.sh"
XSOCK_RUN=$TOP/$BUILD/xsock-run
for f in "$XSOCK_RUN" "$TOP/$BUILD/libxsock-preload.so"; do
	[ -e "$f" ] || xs_skip "$f not built"
done
for p in redis-server redis-cli redis-benchmark nginx curl wrk sockperf; do
	command -v $p >/dev/null || xs_skip "$p is not installed (tools/install-deps.sh apps)"
done
xs_topology || { echo "topology set-up failed"; exit 1; }
work=$(mktemp -d /tmp/xs-apps.XXXXXX)
xs_on_exit "rm -rf $work"
check "attach" xsctl_a attach "$VETH_A"

red_last=$(xs_counter redirected)
listening() { ip netns exec "$NS_A" sh -c "ss -Hln 'sport = :$1' | grep -q ."; }
stop() {	# PID [SIGNAL]: TERM (or SIGNAL), then wait for it and its rules to go
	kill -"${2:-TERM}" "$1" 2>/dev/null
	xs_wait_for 10 bash -c "! kill -0 $1 2>/dev/null"
	xs_wait_for 5 no_rules
}

# ---- redis
ip netns exec "$NS_A" "$XSOCK_RUN" --iface "$VETH_A" -- redis-server --port 6400 \
	--bind "$IP4_A" --save '' --appendonly no --protected-mode no >"$work/redis.log" 2>&1 &
redis=$!
xs_on_exit "kill -9 $redis"
check "redis-server starts under xsock-run" xs_wait_for 5 listening 6400
check "redis-cli: SET then GET round-trips the value" \
	bash -c "ip netns exec $NS_B redis-cli -h $IP4_A -p 6400 set xskey 'over xsock' | grep -qx OK &&
		 ip netns exec $NS_B redis-cli -h $IP4_A -p 6400 get xskey | grep -qx 'over xsock'"
check "redis-benchmark: the default test set completes, no errors" \
	bash -c "ip netns exec $NS_B timeout 300 redis-benchmark -h $IP4_A -p 6400 -n 10000 -q >$work/rb.out 2>&1 &&
		 ! grep -qi 'error' $work/rb.out && [ \$(grep -c 'requests per second' $work/rb.out) -ge 15 ]"
sed -n 's/.*\r\([A-Z_]*[^\r]*requests per second.*\)/    \1/p' "$work/rb.out" | head -4
check "redis: its connections went through AF_XDP" redirected_grew 50000
check "redis-server exits cleanly and leaves no rule behind" stop $redis

# ---- nginx
head -c 4M /dev/urandom >"$work/file"
nginx_conf() {	# MASTER(on|off) PORT [ADDR]
	cat <<NG
daemon off;
master_process $1;
worker_processes 1;
pid $work/nginx-$2.pid;
error_log $work/nginx-$2.err info;
events { worker_connections 1024; }
http {
	access_log off;
	client_body_temp_path $work; proxy_temp_path $work; fastcgi_temp_path $work;
	uwsgi_temp_path $work; scgi_temp_path $work;
	sendfile on;
	server { listen ${3:-$IP4_A}:$2; root $work; }
}
NG
}
for master in off on; do
	port=$([ $master = off ] && echo 8090 || echo 8091)
	nginx_conf $master $port >"$work/nginx-$port.conf"
	red_last=$(xs_counter redirected)
	ip netns exec "$NS_A" "$XSOCK_RUN" --iface "$VETH_A" -- nginx -c "$work/nginx-$port.conf" \
		-e "$work/nginx-$port.err" >"$work/nginx-$port.log" 2>&1 &
	ngx=$!
	xs_on_exit "kill -9 $ngx; pkill -9 -f $work/nginx-$port.conf"
	check "nginx (master_process $master) starts under xsock-run" xs_wait_for 5 listening $port
	check "nginx (master_process $master): curl gets the 4 MiB file intact, ten times" \
		bash -c "for i in 1 2 3 4 5 6 7 8 9 10; do ip netns exec $NS_B curl -sS --max-time 20 -o $work/got http://$IP4_A:$port/file && cmp -s $work/got $work/file || exit 1; done"
	check "nginx (master_process $master): wrk, 3 s, no socket errors, only 200s" \
		bash -c "ip netns exec $NS_B timeout 30 wrk -t1 -c10 -d3 http://$IP4_A:$port/file >$work/wrk-$port.out 2>&1 &&
			 ! grep -q 'Socket errors' $work/wrk-$port.out && ! grep -q 'Non-2xx' $work/wrk-$port.out &&
			 grep -q 'Requests/sec' $work/wrk-$port.out"
	xs_log "nginx (master_process $master): $(grep -E 'Requests/sec|Transfer/sec' "$work/wrk-$port.out" | tr -s ' ' | paste -sd' ')"
	if [ $master = off ]; then
		check "nginx (one process): its connections went through AF_XDP" redirected_grew 50000
	else
		check "nginx (master and worker): served by the kernel after the fork" \
			bash -c "[ \$(($(xs_counter redirected) - $red_last)) -lt 100 ]"
		red_last=$(xs_counter redirected)
	fi
	check "nginx (master_process $master) exits cleanly and leaves no rule behind" stop $ngx
done

# ---- curl under xsock-run, nginx on the kernel side
nginx_conf on 8092 "$IP4_B" >"$work/nginx-8092.conf"
ip netns exec "$NS_B" nginx -c "$work/nginx-8092.conf" -e "$work/nginx-8092.err" \
	>"$work/nginx-8092.log" 2>&1 &
kngx=$!
xs_on_exit "kill -9 $kngx; pkill -9 -f $work/nginx-8092.conf"
check "nginx on the kernel side starts" xs_wait_for 5 in_b sh -c "ss -Htln 'sport = :8092' | grep -q ."
red_last=$(xs_counter redirected)
check "curl under xsock-run gets the 4 MiB file from the kernel's nginx intact, five times" \
	bash -c "for i in 1 2 3 4 5; do ip netns exec $NS_A $XSOCK_RUN --iface $VETH_A -- curl -sS --max-time 20 -o $work/got http://$IP4_B:8092/file && cmp -s $work/got $work/file || exit 1; done"
check "curl's connections went through AF_XDP" redirected_grew 5000
check "no rule outlives curl" test "$(xs_rule_count flow)" = 0
kill "$kngx"; wait "$kngx" 2>/dev/null

# ---- sockperf, UDP then TCP (one xsock process per interface queue at a time)
for proto in udp tcp; do
	flag=()
	[ $proto = tcp ] && flag=(--tcp)
	port=$([ $proto = udp ] && echo 11111 || echo 11112)
	ip netns exec "$NS_A" "$XSOCK_RUN" --iface "$VETH_A" -- sockperf server "${flag[@]}" \
		-i "$IP4_A" -p $port >"$work/sp-$proto.srv" 2>&1 &
	sp=$!
	xs_on_exit "kill -9 $sp"
	check "sockperf server ($proto) starts under xsock-run" xs_wait_for 5 listening $port
	check "sockperf ping-pong ($proto), 3 s: every message answered" \
		bash -c "ip netns exec $NS_B timeout 30 sockperf ping-pong ${flag[*]} -i $IP4_A -p $port -t 3 >$work/sp-$proto.out 2>&1 &&
			 grep -q 'Summary: Latency is' $work/sp-$proto.out"
	xs_log "sockperf $proto: $(grep -E 'percentile 50.000' "$work/sp-$proto.out" | tr -s ' ' | sed 's/.*---> //') us p50"
	check "sockperf ($proto): through AF_XDP" redirected_grew 10000
	# sockperf ends on SIGINT (on SIGTERM it dies without exit handlers:
	# its rules would wait for `xsockctl rule gc`, as after a crash)
	check "sockperf server ($proto) exits cleanly and leaves no rule behind" stop $sp INT
done
xs_done
