#!/bin/bash
# The socket-API conformance suite (tests/conformance/): every case runs on
# kernel sockets and then on xsock sockets, on an attached interface, with
# kernel peers in the other namespace (a UDP echo server and conf_peer.py,
# which reports what reached the wire and serves the TCP cases).  Passes
# when every difference is one of the documented expected ones.
#   --case GLOB (or CONF_CASE=GLOB) runs only the matching cases.
#   CONF_VERBOSE=1 shows every case's trace, not only the failures.
#   CONF_MARKDOWN=FILE writes the report as markdown there instead (the
#   table of docs/conformance.md), after the text FILE has above its table.
if [ "${1:-}" = --case ] && [ $# -ge 2 ]; then
	CONF_CASE=$2
	shift 2
fi
. "$(dirname "$0")/lib.sh"
CONF=$TOP/$BUILD/tests/conformance/conformance
[ -x "$CONF" ] || xs_skip "$CONF not built"
command -v python3 >/dev/null || xs_skip "python3 is not installed"
xs_topology || { echo "topology set-up failed"; exit 1; }

ECHO_PORT=9300
REPORT_PORT=9301
TCP_PORT=9310	# conf_peer.py's TCP services: 9310 to 9319, 9316 closed
ip netns exec "$NS_B" python3 "$TOP/tests/net/kernel_udp_echo.py" 4 $ECHO_PORT &
xs_on_exit "kill $!"
ip netns exec "$NS_B" python3 "$TOP/tests/net/kernel_udp_echo.py" 6 $ECHO_PORT &
xs_on_exit "kill $!"
ip netns exec "$NS_B" python3 "$TOP/tests/conformance/conf_peer.py" $REPORT_PORT $TCP_PORT &
xs_on_exit "kill $!"
xs_wait_for 5 in_b bash -c "[ \$(ss -uln | grep -cE ':($ECHO_PORT|$REPORT_PORT) ') = 4 ]" ||
	{ echo "peers did not start"; exit 1; }
xs_wait_for 5 in_b bash -c "[ \$(ss -tln | grep -cE ':93(1[0-9]) ') = 18 ]" ||
	{ echo "TCP peers did not start"; exit 1; }
# Both runs provoke ICMP port unreachables; the peer's per-host rate limit
# (1/s) would otherwise drop the second run's.
in_b sysctl -qw net.ipv4.icmp_ratelimit=0 net.ipv6.icmp.ratelimit=0
# A new namespace takes the host's default congestion control (bbr on some
# hosts, cubic on Debian's kernel) and may only choose one the host allows:
# reno always is.  What the TCP cases record (TCP_CONGESTION, tcpi_snd_cwnd)
# is then the same on every host.
in_a sysctl -qw net.ipv4.tcp_congestion_control=reno
check "attach" xsctl_a attach "$VETH_A"
out=$(mktemp)
xs_on_exit "rm -f $out"
in_a timeout 900 "$CONF" ${CONF_CASE:+--case "$CONF_CASE"} ${CONF_MARKDOWN:+--markdown} \
	${CONF_VERBOSE:+-v} "$IP4_A" "$IP4_B" "$IP6_A" "$IP6_B" $ECHO_PORT $REPORT_PORT $TCP_PORT >"$out" 2>&1
rc=$?
if [ -n "${CONF_MARKDOWN:-}" ]; then
	# The prose above the table stays; the table and what follows are new.
	{
		[ -f "$CONF_MARKDOWN" ] && sed '/^| area | case |/,$d' "$CONF_MARKDOWN"
		cat "$out"
	} >"$out.md" && mv "$out.md" "$CONF_MARKDOWN"
	grep -A40 '^```$' "$out" | sed 's/^/    /'
elif [ -n "${CONF_VERBOSE:-}" ]; then
	sed 's/^/    /' "$out"
else
	# The failures in full, then the table per area and the summary.
	grep -v '^  ok ' "$out" | sed 's/^/    /'
fi
# Differences found and not yet fixed are listed, each with what differs,
# in tests/conformance/known_open.txt: they still count as failed in the
# suite's own summary and docs/conformance.md, and they are open work (the
# conformance issue), not deliberate differences (those are the suite's
# "expected" table).  This check fails on any other difference, so nothing
# new slips in; a listed case that agrees again is reported, to be removed.
KNOWN=$TOP/tests/conformance/known_open.txt
known_globs() { [ -f "$KNOWN" ] && sed -e 's/#.*//' -e '/^[[:space:]]*$/d' "$KNOWN" | awk '{print $1}'; }
unknown=0 known_n=0
# (the text report says "  FAIL area/case"; the markdown one, a table row
# ending in **FAIL**)
mapfile -t fails < <(sed -n -e 's/^  FAIL \([^ ]*\)$/\1/p' \
	-e 's/^| \([a-z0-9_]*\) | \([^ |]*\) | .* | \*\*FAIL\*\* |$/\1\/\2/p' "$out")
mapfile -t globs < <(known_globs)
for f in "${fails[@]}"; do
	hit=0
	for g in "${globs[@]}"; do
		# shellcheck disable=SC2053
		[[ $f == $g ]] && { hit=1; break; }
	done
	if [ $hit = 1 ]; then
		known_n=$((known_n + 1))
	else
		unknown=$((unknown + 1))
		xs_log "NEW DIFFERENCE: $f"
	fi
done
if [ -z "${CONF_CASE:-}" ]; then
	for g in "${globs[@]}"; do
		hit=0
		for f in "${fails[@]}"; do
			# shellcheck disable=SC2053
			[[ $f == $g ]] && { hit=1; break; }
		done
		[ $hit = 1 ] || xs_log "known-open $g agrees now: remove it from tests/conformance/known_open.txt"
	done
fi
[ "$known_n" = 0 ] || xs_log "$known_n known-open differences (tests/conformance/known_open.txt)"
check "kernel and xsock agree on every case not listed as known-open (exit $rc, $unknown new)" \
	test "$unknown" = 0 -a \( "$rc" = 0 -o "$rc" = 1 \)
xs_done
