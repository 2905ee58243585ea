#!/bin/bash
# Runs xsock's test suites and prints one closing line "N passed, N failed,
# N skipped" over all of them.  Exit status 0 only if nothing failed.
#
#   tests/run.sh [--only unit|bpf|net|fuzz[,...]] [--filter REGEX] [--list]
#
# unit, bpf: criterion binaries build/tests/{unit,bpf}/test_*; each test case
#            counts.  --filter is matched against "suite/test" names.
# net:       tests/net/test_*.sh; each script counts once.  Exit 0 = pass,
#            77 = skipped (the script prints why), anything else = fail.
#            --filter is matched against the script name.
# fuzz:      tests/fuzz/run.sh, each libFuzzer target for $FUZZ_SECONDS
#            seconds [60]; each target counts once: pass when nothing
#            crashed, leaked or timed out.  --filter is matched against
#            "fuzz_NAME".
set -u
BUILD=${BUILD:-build}
export BUILD
top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top" || exit 2

only="unit,bpf,net,fuzz"
filter=""
list=0
while [ $# -gt 0 ]; do
	case "$1" in
	--only) only=$2; shift 2 ;;
	--filter) filter=$2; shift 2 ;;
	--list) list=1; shift ;;
	-h|--help) sed -n '2,16s/^# \{0,1\}//p' "$0"; exit 0 ;;
	*) echo "tests/run.sh: unknown argument '$1'" >&2; exit 2 ;;
	esac
done

# The TCP net tests pass over kernel TCP too; here they must run on
# xsock's own (XS_TCP_REQUIRE_ACCEL, tests/net/tcp_lib.sh).
export XS_TCP_REQUIRE_ACCEL=${XS_TCP_REQUIRE_ACCEL:-1}

passed=0 failed=0 skipped=0
failures=()

run_criterion_suite() {
	local kind=$1 bin out rc line p f c s jobs=""
	# The BPF tests move their workers into new network namespaces; with
	# parallel workers criterion 2.4.1 intermittently fails to spawn one
	# ("Could not spawn test instance: Protocol error", about 1 run in 25).
	[ "$kind" = bpf ] && jobs=-j1
	for bin in "$BUILD"/tests/"$kind"/test_*; do
		[ -x "$bin" ] || continue
		if [ "$list" = 1 ]; then
			"$bin" --list 2>/dev/null | sed "s|^|$kind: |"
			continue
		fi
		out=$(mktemp)
		# --verbose prints a [PASS]/[FAIL]/[SKIP] line per test; criterion
		# counts skipped tests nowhere else.
		if [ -n "$filter" ]; then
			# criterion filters are globs: "suite/test".
			"$bin" --verbose $jobs --filter "*${filter}*" >"$out" 2>&1
		else
			"$bin" --verbose $jobs >"$out" 2>&1
		fi
		rc=$?
		cat "$out"
		line=$(grep -a 'Synthesis:' "$out" | tail -n 1)
		s=$(grep -a '^\[SKIP\]' "$out" | grep -vc ': Test is disabled$')
		rm -f "$out"
		if [ -z "$line" ]; then
			echo "FAIL: $bin exited $rc without a criterion summary"
			failed=$((failed + 1))
			failures+=("$kind/$(basename "$bin") (no summary, exit $rc)")
			continue
		fi
		# "Synthesis: Tested: 12 | Passing: 11 | Failing: 1 | Crashing: 0"
		p=$(sed -n 's/.*Passing: \([0-9]*\).*/\1/p' <<<"$line")
		f=$(sed -n 's/.*Failing: \([0-9]*\).*/\1/p' <<<"$line")
		c=$(sed -n 's/.*Crashing: \([0-9]*\).*/\1/p' <<<"$line")
		passed=$((passed + ${p:-0}))
		failed=$((failed + ${f:-0}))
		skipped=$((skipped + ${s:-0}))
		# criterion counts crashes inside Failing already.
		if [ "${f:-0}" -gt 0 ] || [ "$rc" -ne 0 ]; then
			failures+=("$kind/$(basename "$bin") (${f:-0} failing, ${c:-0} crashing)")
			if [ "${f:-0}" -eq 0 ]; then
				failed=$((failed + 1))
			fi
		fi
	done
}

run_net_suite() {
	local t name rc
	for t in tests/net/test_*.sh; do
		[ -f "$t" ] || continue
		name=$(basename "$t" .sh)
		if [ -n "$filter" ] && ! grep -Eq -- "$filter" <<<"$name"; then
			continue
		fi
		if [ "$list" = 1 ]; then
			echo "net: $name"
			continue
		fi
		echo "=== net/$name"
		bash "$t"
		rc=$?
		case $rc in
		0) echo "--- PASS net/$name"; passed=$((passed + 1)) ;;
		77) echo "--- SKIP net/$name"; skipped=$((skipped + 1)) ;;
		*) echo "--- FAIL net/$name (exit $rc)"; failed=$((failed + 1)); failures+=("net/$name") ;;
		esac
	done
}

run_fuzz_suite() {
	local t rc
	for t in rx tcp; do
		if [ -n "$filter" ] && ! grep -Eq -- "$filter" <<<"fuzz_$t"; then
			continue
		fi
		if [ "$list" = 1 ]; then
			echo "fuzz: fuzz_$t"
			continue
		fi
		echo "=== fuzz/fuzz_$t"
		tests/fuzz/run.sh --target "$t" --seconds "${FUZZ_SECONDS:-60}"
		rc=$?
		case $rc in
		0) echo "--- PASS fuzz/fuzz_$t"; passed=$((passed + 1)) ;;
		77) echo "--- SKIP fuzz/fuzz_$t"; skipped=$((skipped + 1)) ;;
		*) echo "--- FAIL fuzz/fuzz_$t (exit $rc)"; failed=$((failed + 1)); failures+=("fuzz/fuzz_$t") ;;
		esac
	done
}

IFS=, read -ra suites <<<"$only"
for s in "${suites[@]}"; do
	case "$s" in
	unit|bpf) [ "$list" = 1 ] || echo "##### $s tests"; run_criterion_suite "$s" ;;
	net) [ "$list" = 1 ] || echo "##### net tests"; run_net_suite ;;
	fuzz) [ "$list" = 1 ] || echo "##### fuzz tests"; run_fuzz_suite ;;
	*) echo "tests/run.sh: unknown suite '$s'" >&2; exit 2 ;;
	esac
done
[ "$list" = 1 ] && exit 0

echo
if [ ${#failures[@]} -gt 0 ]; then
	echo "Failures:"
	printf '  %s\n' "${failures[@]}"
fi
echo "$passed passed, $failed failed, $skipped skipped"
[ "$failed" -eq 0 ]
