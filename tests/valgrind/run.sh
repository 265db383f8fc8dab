#!/bin/sh
# run.sh: closefds under valgrind memcheck: the unit suite, and closefds
# itself over command lines that reach every part of it (each method,
# moves with temporaries, --list, --audit, --verify, socket activation,
# --nofile, --blocking, every kind of error), and the system, differential,
# cli, nofile/blocking and peers tests with closefds under memcheck.
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
vgdir=$(mktemp -d)
trap 'rm -rf "$log" "$vgdir"' EXIT

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
vg "--nofile and --blocking" --nofile=safe --blocking -v -- true
vg "--list with --nofile and --blocking" -k 5 --nofile=100: --blocking=0,5 --list
vg "--nofile below a kept descriptor" -k 5 --nofile=5 -- true
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
# start in (systest --valgrind says which it skips and why), as the README's
# command runs them (--quick: the kind cases with every method, the rest
# with auto outside two environments), in two processes at once (--part).
abs=$(cd "$build" && pwd)
static=
[ -x "$abs/src/closefds-static" ] && static="$abs/src/closefds-static $abs/tests/lib/fdprobe-static"
for part in 1 2; do
	# shellcheck disable=SC2086 # $static is two words or none
	"$abs/tests/integration/systest" --valgrind --quick --part=$part/2 "$abs/src/closefds" \
		"$abs/tests/lib/fdprobe" $static >"$log.$part" 2>&1 &
	eval "pid$part=\$!"
done
# shellcheck disable=SC2154 # pid1 and pid2 are set by the eval above
for part in 1 2; do
	n=$((n + 1))
	if eval "wait \$pid$part"; then
		echo "valgrind: system test, part $part: $(grep -c '^ok' "$log.$part") ok, $(grep -c '# SKIP' "$log.$part") of them skipped"
	else
		failed=$((failed + 1))
		echo "valgrind: FAIL: system test, part $part"
		grep -A3 '^not ok' "$log.$part" | head -n 40
	fi
	rm -f "$log.$part"
done
# The differential test, 100 random cases under memcheck.
n=$((n + 1))
if "$abs/tests/integration/difftest" --valgrind "$abs/src/closefds" "$abs/tests/lib/fdprobe" 100 >"$log" 2>&1; then
	echo "valgrind: differential test: $(tail -n 1 "$log" | sed 's/^# //')"
else
	failed=$((failed + 1))
	echo "valgrind: FAIL: differential test"
	grep '^# case' -A1 "$log" | head -n 20
fi
# The shell suites through a closefds that is valgrind in front of the real
# one, each run logging to its own file; every log must be empty.
mkdir "$vgdir/logs"
cat >"$vgdir/closefds" <<WRAPPER
#!/bin/sh
exec valgrind -q --error-exitcode=99 --leak-check=full \\
	--show-leak-kinds=definite,indirect,possible \\
	--errors-for-leak-kinds=definite,indirect,possible \\
	--log-file="$vgdir/logs/vg.%p" "$abs/src/closefds" "\$@"
WRAPPER
chmod +x "$vgdir/closefds"
src=$(cd "$(dirname "$0")/../.." && pwd)
for suite in "integration/cli.sh $vgdir/closefds $abs/tests/lib/fdreport" \
	"integration/nofile_blocking.sh $vgdir/closefds $abs/tests/lib/fdreport" \
	"peers/peers.sh $vgdir/closefds $abs/src/closefds-testhooks $abs/tests/peers/peer $abs/tests/peers/sdreader"; do
	n=$((n + 1))
	name=${suite%% *}
	# shellcheck disable=SC2086 # the suite's script and its arguments
	if CLOSEFDS_TEST_VALGRIND=1 sh "$src/tests/"$suite >"$log" 2>&1; then
		echo "valgrind: $name: $(grep -c '^ok' "$log") ok, $(grep -c '# SKIP' "$log") of them skipped"
	else
		failed=$((failed + 1))
		echo "valgrind: FAIL: $name"
		grep -A3 '^not ok' "$log" | head -n 20
	fi
done
n=$((n + 1))
reports=0
for l in "$vgdir"/logs/vg.*; do
	[ -s "$l" ] || continue
	reports=$((reports + 1))
	sed 's/^/    /' "$l" | head -n 20
done
if [ "$reports" -gt 0 ]; then
	failed=$((failed + 1))
	echo "valgrind: FAIL: $reports memcheck reports from the shell suites"
else
	echo "valgrind: shell suites: $(find "$vgdir/logs" -type f | wc -l) closefds runs under memcheck, no report"
fi
echo "valgrind: $n runs, $failed failed"
[ "$failed" -eq 0 ]
