#!/bin/sh
# run.sh: closefds under valgrind memcheck: the unit suite, and closefds
# itself over command lines that reach every part of it (each method,
# moves with temporaries, --list, --audit, --verify, socket activation,
# every kind of error), and the system and differential tests with closefds
# under memcheck.
# Each run must report no errors and no leak.
# Usage: tests/valgrind/run.sh BUILDDIR
set -u
build=$1
closefds=$build/src/closefds
n=0
failed=0
if ! command -v valgrind >/dev/null 2>&1; then
	echo "valgrind: not installed: skipped"
	exit 0
fi
log=$(mktemp)
trap 'rm -f "$log"' EXIT

vg() { # vg WHAT CLOSEFDS-ARGS...
	what=$1
	shift
	n=$((n + 1))
	valgrind -q --error-exitcode=99 --leak-check=full --show-leak-kinds=definite,indirect,possible \
		--errors-for-leak-kinds=definite,indirect,possible --log-file="$log" \
		"$closefds" "$@" >/dev/null 2>&1
	status=$?
	if [ "$status" -eq 99 ] || [ -s "$log" ]; then
		failed=$((failed + 1))
		echo "valgrind: FAIL: $what (status $status)"
		sed 's/^/    /' "$log" | head -n 30
	fi
}

exec 5</dev/null 6</dev/null 7</dev/null
for m in auto close_range proc poll loop; do
	vg "method $m" -m "$m" -k 5 -p 6:9 -p 7:6 -p 9:7 -- true
done
vg "swap through a temporary" -p 5:6 -p 6:5 -v -- true
vg "--list" -k 5,100-200 -p 6:3 --list
vg "--audit" --audit -- true
vg "--verify" --verify -m poll -- true
vg "--listen-fd" --listen-fd 5:web --listen-fd 6 -- true
vg "--keep-jobserver" --keep-jobserver -- true
vg "usage error" -k 3,,4 -- true
vg "not open" -k 50 -- true
vg "two sources" -p 5:8 -p 6:8 -- true
vg "not found" -- closefds-no-such-command
vg "--help" --help
vg "thousands of --keep-fd items" -k "$(seq -s, 1000 2 9000)" -k 3 -- true
exec 5<&- 6<&- 7<&-

n=$((n + 1))
if meson test -C "$build" --suite unit --wrapper "valgrind -q --error-exitcode=99 --leak-check=full --errors-for-leak-kinds=definite,indirect,possible" >"$log" 2>&1; then
	:
else
	failed=$((failed + 1))
	echo "valgrind: FAIL: unit suite"
	grep -E "FAIL|ERROR" "$log" | head
fi
# The system test with closefds under memcheck: every case valgrind can
# start in (systest --valgrind says which it skips and why).
n=$((n + 1))
abs=$(cd "$build" && pwd)
static=
[ -x "$abs/src/closefds-static" ] && static="$abs/src/closefds-static $abs/tests/lib/fdprobe-static"
# shellcheck disable=SC2086 # $static is two words or none
if "$abs/tests/integration/systest" --valgrind "$abs/src/closefds" "$abs/tests/lib/fdprobe" $static >"$log" 2>&1; then
	echo "valgrind: system test: $(grep -c '^ok' "$log") ok, $(grep -c '# SKIP' "$log") of them skipped"
else
	failed=$((failed + 1))
	echo "valgrind: FAIL: system test"
	grep -A3 '^not ok' "$log" | head -n 40
fi
# The differential test, 200 random cases (about 2 minutes) under memcheck.
n=$((n + 1))
if "$abs/tests/integration/difftest" --valgrind "$abs/src/closefds" "$abs/tests/lib/fdprobe" 200 >"$log" 2>&1; then
	echo "valgrind: differential test: $(tail -n 1 "$log" | sed 's/^# //')"
else
	failed=$((failed + 1))
	echo "valgrind: FAIL: differential test"
	grep '^# case' -A1 "$log" | head -n 20
fi
echo "valgrind: $n runs, $failed failed"
[ "$failed" -eq 0 ]
