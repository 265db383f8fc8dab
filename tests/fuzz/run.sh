#!/bin/sh
# run.sh: run the libFuzzer target for a bounded time from the seed corpus;
# non-zero on a crash.  Usage: tests/fuzz/run.sh BUILDDIR [SECONDS]
set -u
here=$(cd "$(dirname "$0")" && pwd)
build=$1
seconds=${2:-60}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cp "$here"/corpus/* "$work"/
"$build/tests/fuzz/fuzz_options" -max_total_time="$seconds" -max_len=512 \
	-artifact_prefix="$build/fuzz-" "$work" >"$build/fuzz.log" 2>&1
status=$?
grep -E '^#[0-9]+' "$build/fuzz.log" | tail -n 1
grep -E '^Done [0-9]+ runs' "$build/fuzz.log"
grep -E 'ERROR|SUMMARY|abort|runtime error' "$build/fuzz.log" | head -n 20
echo "fuzz: exit $status after ${seconds}s"
exit "$status"
