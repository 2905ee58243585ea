# Shared by the TCP network tests (test_tcp_*.sh), sourced after lib.sh:
# the xs_tcp helper, its JSON lines, and XS_TCP_REQUIRE_ACCEL.
#
# XS_TCP_REQUIRE_ACCEL=1 adds --require-accel to every xsock-side xs_tcp
# (in $TCP_ACCEL): it then exits 3 as soon as a connected or accepted
# socket is not on the fast path (xsock_is_accelerated() != 2), so the
# test fails instead of passing over the kernel's TCP.  Unset (the
# default), xsock's TCP sockets may be kernel sockets, as they are until
# the userspace TCP lands; every script logs what the xsock side was.

XS_TCP=$NET_HELPERS/xs_tcp
[ -x "$XS_TCP" ] || xs_skip "$XS_TCP not built"
TCP_ACCEL=()
[ "${XS_TCP_REQUIRE_ACCEL:-0}" = 1 ] && TCP_ACCEL=(--require-accel)
TCP_WORK=$(mktemp -d /tmp/xs-tcp.XXXXXX)
xs_on_exit "rm -rf $TCP_WORK"

# tcp_bg NS OUT ARGS...: run `xs_tcp ARGS...` in NS in the background,
# output to $TCP_WORK/OUT.  Sets TCP_PID.  Killed on exit if still running.
tcp_bg() {
	local ns=$1 out=$TCP_WORK/$2
	shift 2
	ip netns exec "$ns" "$XS_TCP" "$@" >"$out" 2>&1 &
	TCP_PID=$!
	xs_on_exit "kill -9 $TCP_PID"
}

# tcp_start NS OUT ARGS...: tcp_bg, then wait for its {"event":"ready"}.
tcp_start() {
	tcp_bg "$@"
	xs_wait_for 5 grep -q '"event":"ready"' "$TCP_WORK/$2" || { cat "$TCP_WORK/$2"; return 1; }
}

# tcp_run NS OUT ARGS...: run `xs_tcp ARGS...` in NS in the foreground
# (at most 60 s), output to $TCP_WORK/OUT and to the check's log.
tcp_run() {
	local ns=$1 out=$TCP_WORK/$2
	shift 2
	timeout 60 ip netns exec "$ns" "$XS_TCP" "$@" >"$out" 2>&1
	local rc=$?
	cat "$out"
	return $rc
}

# tcp_wait PID [SECS]: wait for a background xs_tcp to exit (10 s); kill it
# and fail if it does not.
tcp_wait() {
	local pid=$1 secs=${2:-10}
	if ! xs_wait_for "$secs" bash -c "! kill -0 $pid"; then
		kill -9 "$pid" 2>/dev/null
		echo "xs_tcp $pid still running after $secs s: killed"
		return 1
	fi
	wait "$pid" 2>/dev/null
}

# tcp_py EXPR OUT...: a Python expression over the JSON lines of the
# outputs $TCP_WORK/OUT...; true when it holds.  In EXPR:
#   d(i, event)   the last {"event": event} object of the i-th output
#   op(i, name, k=0)  the k-th step called name of the i-th output's scenario
#   steps(i)      all of them
# When it does not hold, it prints the expression and the outputs' tails.
tcp_py() {
	local expr=$1
	shift
	(cd "$TCP_WORK" && python3 - "$expr" "$@" <<'EOF'
import json, sys
expr, files = sys.argv[1], sys.argv[2:]

def lines(i):
    for line in open(files[i]):
        try:
            o = json.loads(line)
        except ValueError:
            continue
        if isinstance(o, dict):
            yield o

def d(i, event):
    last = None
    for o in lines(i):
        if o.get('event') == event:
            last = o
    if last is None:
        raise SystemExit('%s: no {"event":"%s"} line' % (files[i], event))
    return last

def steps(i):
    return d(i, 'done')['steps']

def op(i, name, k=0):
    found = [s for s in steps(i) if s['op'] == name]
    if len(found) <= k:
        raise SystemExit('%s: no step %s #%d' % (files[i], name, k))
    return found[k]

ok = False
try:
    ok = eval(expr, {'d': d, 'op': op, 'steps': steps})
except SystemExit as e:
    print(e)
if not ok:
    print('does not hold: ' + expr)
    for f in files:
        print('--- ' + f)
        print(open(f).read()[-1500:])
sys.exit(0 if ok else 1)
EOF
	)
}

# tcp_get EXPR OUT...: the value of a tcp_py expression, for logs.
tcp_get() {
	local expr=$1
	shift
	(cd "$TCP_WORK" && python3 - "$expr" "$@" <<'EOF' 2>/dev/null
import json, sys
expr, files = sys.argv[1], sys.argv[2:]

def d(i, event):
    last = None
    for line in open(files[i]):
        try:
            o = json.loads(line)
        except ValueError:
            continue
        if isinstance(o, dict) and o.get('event') == event:
            last = o
    return last

print(eval(expr, {'d': d}))
EOF
	)
}

# What the xsock side's sockets were, for the log: XS_TCP_REQUIRE_ACCEL=1
# makes anything but 2 a failure (in xs_tcp itself).
tcp_log_accel() {	# DESCRIPTION VALUE
	if [ "${XS_TCP_REQUIRE_ACCEL:-0}" = 1 ]; then
		xs_log "$1: xsock_is_accelerated = $2 (required: 2)"
	else
		xs_log "$1: xsock_is_accelerated = $2 (2 = userspace TCP; XS_TCP_REQUIRE_ACCEL=1 to require it)"
	fi
}
