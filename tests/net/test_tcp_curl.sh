#!/bin/bash
# curl, unmodified, in the kernel namespace against xs_http, a small
# HTTP/1.1 server on libxsock (tests/net/xs_http.c): 16 MiB downloads over
# IPv4 and IPv6 arrive intact (SHA-256), several requests share one
# keep-alive connection, HEAD gets the headers alone, and every connection
# the server accepted was on xsock's TCP.
. "$(dirname "$0")/lib.sh"
command -v curl >/dev/null || xs_skip "curl is not installed (tools/install-deps.sh apps)"
XS_HTTP=$NET_HELPERS/xs_http
[ -x "$XS_HTTP" ] || xs_skip "$XS_HTTP not built"
xs_topology || { echo "topology set-up failed"; exit 1; }
work=$(mktemp -d /tmp/xs-curl.XXXXXX)
xs_on_exit "rm -rf $work"
head -c 16M /dev/urandom >"$work/file"
want=$(sha256sum <"$work/file" | cut -d' ' -f1)
check "attach" xsctl_a attach "$VETH_A"

port=8080
for fam in 4 6; do
	port=$((port + 1))
	if [ $fam = 4 ]; then url="http://$IP4_A:$port"; else url="http://[$IP6_A]:$port"; fi
	ip netns exec "$NS_A" "$XS_HTTP" --port $port --file "$work/file" --family $fam \
		>"$work/srv$fam.out" 2>&1 &
	srv=$!
	xs_on_exit "kill -9 $srv"
	check "IPv$fam xs_http listening" xs_wait_for 5 grep -q '"event":"ready"' "$work/srv$fam.out"
	check "IPv$fam curl downloads 16 MiB intact" \
		bash -c "ip netns exec $NS_B curl -sS --max-time 60 -o $work/got$fam $url/file &&
			 [ \"\$(sha256sum <$work/got$fam | cut -d' ' -f1)\" = $want ]"
	check "IPv$fam three downloads on one keep-alive connection" \
		bash -c "ip netns exec $NS_B curl -sS --max-time 60 -w '%{num_connects}\n' \
			 -o /dev/null -o /dev/null -o /dev/null $url/a $url/b $url/c | paste -sd' ' | grep -qx '1 0 0'"
	check "IPv$fam HEAD: 200 and the length, no body" \
		bash -c "ip netns exec $NS_B curl -sS --max-time 10 -I $url/file | tr -d '\r' |
			 grep -qx 'Content-Length: 16777216'"
	check "IPv$fam an unknown method: 405" \
		bash -c "ip netns exec $NS_B curl -sS --max-time 10 -o /dev/null -w '%{http_code}' -X PUT $url/ | grep -qx 405"
	kill -TERM $srv
	check "IPv$fam xs_http exited cleanly" xs_wait_for 10 grep -q '"event":"done"' "$work/srv$fam.out"
	cat "$work/srv$fam.out" | sed 's/^/    /'
	if [ "${XS_TCP_REQUIRE_ACCEL:-0}" = 1 ]; then
		check "IPv$fam every connection the server accepted was on xsock's TCP" \
			python3 -c "import json,sys; d=[json.loads(l) for l in open('$work/srv$fam.out') if 'done' in l][0]; a=d['accelerated']; sys.exit(not (a[2] >= 3 and a[0] == a[1] == 0))"
	fi
done
no_flow_rules() { [ "$(xs_rule_count flow)" = 0 ]; }
check "no 5-tuple rule outlives its connection" xs_wait_for 5 no_flow_rules
xs_done
