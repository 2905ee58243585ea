#!/bin/bash
# Runs xsock's libFuzzer targets (docs/fuzz.md).
#
#   tests/fuzz/run.sh [--seconds N] [--target rx|tcp] [--jobs N] [--regen-corpus]
#
# --seconds N      how long each target runs [300, or $FUZZ_SECONDS]
# --target NAME    run only build/fuzz/fuzz_NAME [all targets: rx tcp]
# --jobs N         parallel fuzzing processes per target (libFuzzer -fork) [1]
# --regen-corpus   rewrite the committed seeds (tests/fuzz/corpus/NAME) with
#                  tests/fuzz/make_corpus.c (rx) or make_corpus_tcp.c (tcp)
#                  first; regress-* files, which no generator writes, stay
#
# Exit 77 (skipped) when clang cannot link a libFuzzer binary at all.
# Each target is built if needed (make build/fuzz/fuzz_NAME), then run over a
# working copy of its seed corpus in build/fuzz/corpus-NAME: inputs it finds
# stay there (and seed the next run), never in the committed corpus.  Exit 0
# when no target crashed, leaked or timed out; otherwise 1, with the path of
# the reproducer (build/fuzz/crash-*, leak-*, timeout-*, oom-*).
set -u
BUILD=${BUILD:-build}
top=$(cd "$(dirname "$0")/../.." && pwd)
cd "$top" || exit 2

seconds=${FUZZ_SECONDS:-300}
targets="rx tcp"
jobs=1
regen=0
while [ $# -gt 0 ]; do
	case "$1" in
	--seconds) seconds=$2; shift 2 ;;
	--target) targets=$2; shift 2 ;;
	--jobs) jobs=$2; shift 2 ;;
	--regen-corpus) regen=1; shift ;;
	-h|--help) sed -n '2,19s/^# \{0,1\}//p' "$0"; exit 0 ;;
	*) echo "tests/fuzz/run.sh: unknown argument '$1'" >&2; exit 2 ;;
	esac
done
case "$seconds" in
''|*[!0-9]*) echo "tests/fuzz/run.sh: --seconds wants a whole number, not '$seconds'" >&2; exit 2 ;;
esac

fuzz_dir=$BUILD/fuzz
mkdir -p "$fuzz_dir" || exit 2
# Without clang's libFuzzer runtime nothing here can build: say so, skip.
if ! printf 'int LLVMFuzzerTestOneInput(const char *d, unsigned long n) { return 0; }\n' |
	"${CLANG:-clang}" -x c - -fsanitize=fuzzer,address,undefined -o "$fuzz_dir/.probe" 2>/dev/null; then
	echo "SKIP fuzz: ${CLANG:-clang} cannot link -fsanitize=fuzzer (apt-get install clang libclang-rt-14-dev)"
	exit 77
fi
rm -f "$fuzz_dir/.probe"
rc=0
for t in $targets; do
	bin=$fuzz_dir/fuzz_$t
	seeds=tests/fuzz/corpus/$t
	work=$fuzz_dir/corpus-$t
	artifacts=$fuzz_dir/artifacts-$t/

	if ! make --no-print-directory BUILD="$BUILD" "$bin"; then
		echo "FAIL fuzz/$t: cannot build $bin" >&2
		rc=1
		continue
	fi
	if [ "$regen" = 1 ]; then
		gen=$fuzz_dir/make_corpus
		[ "$t" = rx ] || gen=$fuzz_dir/make_corpus_$t
		make --no-print-directory BUILD="$BUILD" "$gen" || exit 1
		mkdir -p "$seeds" && find "$seeds" -type f ! -name 'regress-*' -delete &&
			"$gen" "$seeds" || exit 1
	fi
	if [ ! -d "$seeds" ]; then
		echo "FAIL fuzz/$t: no seed corpus in $seeds" >&2
		rc=1
		continue
	fi
	mkdir -p "$work" "$artifacts"
	# The seeds join the working copy (new finds from earlier runs stay).
	cp -p "$seeds"/* "$work"/
	log=$fuzz_dir/fuzz_$t.log
	echo "=== fuzz/$t: $seconds s over $work ($(ls "$work" | wc -l) inputs), log $log"
	fork=()
	[ "$jobs" -gt 1 ] && fork=(-fork="$jobs" -ignore_crashes=0)
	"$bin" -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 -max_len=4096 \
		-print_final_stats=1 -artifact_prefix="$artifacts" "${fork[@]}" \
		"$work" >"$log" 2>&1
	status=$?
	# The libFuzzer summary: the last status line, then the final stats.
	grep -E '^#[0-9]+([[:space:]]+(DONE|pulse|NEW|REDUCE|INITED)|: cov:)' "$log" | tail -n 1
	grep -E '^stat::' "$log"
	crashes=$(grep -oE "(crash|leak|timeout|oom|slow-unit)-[0-9a-f]+" "$log" |
		  grep -v '^slow-unit' | sort -u)
	if [ "$status" -ne 0 ] || [ -n "$crashes" ]; then
		# The report: from the sanitizer's or the target's first words
		# to the summary, without the shadow-byte map.
		echo "--- libFuzzer report (whole output in $log):"
		awk '/ERROR: |runtime error|check failed|fuzz_[a-z]*: .*leak|deadly signal|ALARM|out-of-memory/ { on = 1 }
		     /^Shadow bytes around/ { on = 0 }
		     on && n++ < 50 { print }
		     /Test unit written to/ { print }' "$log"
		for c in $crashes; do
			echo "FAIL fuzz/$t: reproducer $artifacts$c"
			echo "  reproduce: $bin $artifacts$c"
		done
		[ -z "$crashes" ] && echo "FAIL fuzz/$t: $bin exited $status"
		rc=1
	else
		echo "PASS fuzz/$t: no crash in $seconds s"
	fi
done
exit $rc
