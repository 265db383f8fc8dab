#!/bin/sh
# cli.sh: the command line as a user meets it: exit codes, messages, --help,
# --version, option parsing, --list.  TAP output.
# Usage: cli.sh CLOSEFDS   (CLOSEFDS_TEST_VALGRIND=1: CLOSEFDS runs closefds
# under valgrind; the tests valgrind itself disturbs are skipped)
set -u
closefds=$1
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
# shellcheck source=tests/lib/tap.sh
. "$(dirname "$0")/../lib/tap.sh"

# run ARGS...: status in $status, stdout in $tmp/out, stderr in $tmp/err;
# the marker file tells whether a command run through closefds ran.
run() {
	rm -f "$tmp/ran"
	"$closefds" "$@" >"$tmp/out" 2>"$tmp/err"
	status=$?
}

# A usage error: 125, "closefds: <message>" naming the argument, the
# --help hint as the second and last line, and nothing run.
expect_usage_error() {
	what=$1
	needle=$2
	shift 2
	run "$@" touch "$tmp/ran"
	first=$(head -n 1 "$tmp/err")
	second=$(sed -n 2p "$tmp/err")
	lines=$(wc -l <"$tmp/err")
	case "$first" in
	"closefds: "*"$needle"*) good_first=1 ;;
	*) good_first=0 ;;
	esac
	if [ "$status" -eq 125 ] && [ "$good_first" -eq 1 ] && [ "$lines" -eq 2 ] &&
		[ "$second" = "Try 'closefds --help' for more information." ] && [ ! -e "$tmp/ran" ]; then
		ok "$what: 125, names '$needle', hint, nothing run"
	else
		not_ok "$what" "status $status" "stderr: $(cat "$tmp/err")"
	fi
}

expect_usage_error "empty list item" "'3,,4'" -k 3,,4
expect_usage_error "lone comma" "','" -k ,
expect_usage_error "empty list" "''" -k ''
expect_usage_error "trailing comma" "'3,'" -k 3,
expect_usage_error "reversed range" "'5-3'" -k 5-3
expect_usage_error "negative" "'-3'" --keep-fd=-3
expect_usage_error "sign" "'+3'" -k +3
expect_usage_error "hex" "'0x3'" -k 0x3
expect_usage_error "space" "' 3'" -k ' 3'
expect_usage_error "overflow" "'2147483648'" -k 2147483648
expect_usage_error "bad --pass-fd" "'3:'" -p 3:
expect_usage_error "bad --pass-fd target" "'3:x'" -p 3:x
expect_usage_error "two sources, one target" "target of two moves" -p 0:7 -p 1:7
expect_usage_error "bad method" "'fast'" -m fast
expect_usage_error "unknown option" "'--bogus'" --bogus
expect_usage_error "bad --listen-fd name" "'1:a:b'" --listen-fd 1:a:b
expect_usage_error "--audit with --verify" "cannot be combined" --audit --verify

run -k
if [ "$status" -eq 125 ] && [ "$(head -n 1 "$tmp/err")" = "closefds: option '-k' requires an argument" ]; then
	ok "missing argument: 125, names '-k'"
else
	not_ok "missing argument" "status $status" "$(cat "$tmp/err")"
fi

run
if [ "$status" -eq 125 ] && grep -q "^closefds: no command given$" "$tmp/err"; then
	ok "no COMMAND: 125"
else
	not_ok "no COMMAND" "status $status" "$(cat "$tmp/err")"
fi

run -k 50 -- touch "$tmp/ran"
if [ "$status" -eq 125 ] && [ "$(cat "$tmp/err")" = "closefds: descriptor 50 (--keep-fd) is not open" ] && [ ! -e "$tmp/ran" ]; then
	ok "-k of a closed descriptor: 125, one line, nothing run"
else
	not_ok "-k of a closed descriptor" "status $status" "$(cat "$tmp/err")"
fi

run --help
if [ "$status" -eq 0 ] && head -n 1 "$tmp/out" | grep -qx 'Usage: closefds \[OPTION\]\.\.\. \[--\] COMMAND \[ARG\]\.\.\.' && [ ! -s "$tmp/err" ]; then
	ok "--help: usage on stdout, exit 0"
else
	not_ok "--help" "status $status"
fi
run -V
if [ "$status" -eq 0 ] && grep -qx 'closefds [0-9][0-9.]*' "$tmp/out"; then
	ok "--version: on stdout, exit 0 ($(cat "$tmp/out"))"
else
	not_ok "--version" "status $status" "$(cat "$tmp/out")"
fi

# shellcheck disable=SC2016 # $0 and $1 are for the inner sh
run sh -c 'echo "$0 $1"' -k x
if [ "$status" -eq 0 ] && [ "$(cat "$tmp/out")" = "-k x" ]; then
	ok "options after COMMAND are COMMAND's"
else
	not_ok "options after COMMAND" "status $status" "$(cat "$tmp/out")"
fi
run -- -k 3 2>/dev/null
if [ "$status" -eq 127 ] && grep -q "^closefds: '-k': No such file or directory$" "$tmp/err"; then
	ok "'--' ends the options: '-k' is the command (127)"
else
	not_ok "'--'" "status $status" "$(cat "$tmp/err")"
fi

run sh -c 'exit 42'
if [ "$status" -eq 42 ]; then ok "COMMAND's status passes through (42)"; else not_ok "passthrough" "status $status"; fi
run sh -c 'kill -TERM $$'
if [ "$status" -eq 143 ]; then ok "death by signal reaches the caller (143)"; else not_ok "signal" "status $status"; fi
run closefds-no-such-command-here
if [ "$status" -eq 127 ] && grep -q "^closefds: 'closefds-no-such-command-here': No such file or directory$" "$tmp/err"; then
	ok "COMMAND not found: 127"
else
	not_ok "not found" "status $status" "$(cat "$tmp/err")"
fi
printf 'data\n' >"$tmp/notexec"
chmod 644 "$tmp/notexec"
run "$tmp/notexec"
if [ "$status" -eq 126 ] && grep -q "Permission denied" "$tmp/err"; then
	ok "COMMAND not executable: 126"
else
	not_ok "not executable" "status $status" "$(cat "$tmp/err")"
fi
run /
if [ "$status" -eq 126 ]; then ok "a directory as COMMAND: 126"; else not_ok "directory" "status $status"; fi

# --list: header, then one tab-separated line per open descriptor.
exec 7<"$tmp/notexec" 8<"$tmp/notexec"
"$closefds" -k 7 -p 8:12 --list >"$tmp/out" 2>"$tmp/err"
status=$?
exec 7<&- 8<&-
header=$(head -n 1 "$tmp/out")
line7=$(awk -F '\t' '$1 == 7' "$tmp/out")
line8=$(awk -F '\t' '$1 == 8' "$tmp/out")
line12=$(awk -F '\t' '$1 == 12' "$tmp/out")
tab=$(printf '\t')
if [ "$status" -eq 0 ] && [ "$header" = "FD${tab}ACTION${tab}WHAT" ] &&
	[ "$line7" = "7${tab}keep${tab}$tmp/notexec" ] &&
	[ "$line8" = "8${tab}close${tab}$tmp/notexec (passed as 12)" ] &&
	[ "$line12" = "12${tab}pass${tab}$tmp/notexec (from 8)" ] &&
	awk -F '\t' 'NR > 1 && $1 <= 2 && $2 != "keep" { exit 1 }' "$tmp/out"; then
	ok "--list: header, keep/close/pass lines with paths"
else
	not_ok "--list" "status $status" "$(cat "$tmp/out")" "$(cat "$tmp/err")"
fi

# Without /proc the lines say type, device and inode.
if [ -n "${CLOSEFDS_TEST_VALGRIND:-}" ]; then
	skip "--list without /proc" "valgrind cannot start without /proc"
elif unshare -m sh -c 'umount -l /proc' 2>/dev/null; then
	# shellcheck disable=SC2016 # $1 and $2 are for the inner sh
	unshare -m sh -c 'umount -l /proc && exec 7<"$1" && exec "$2" -k 7 --list' sh "$tmp/notexec" "$closefds" >"$tmp/out" 2>"$tmp/err"
	status=$?
	ino=$(stat -c %i "$tmp/notexec")
	if [ "$status" -eq 0 ] && awk -F '\t' -v ino="$ino" '$1 == 7 && $2 == "keep" && $3 ~ "^file dev=[0-9]+:[0-9]+ ino=" ino "$" { found = 1 } END { exit !found }' "$tmp/out"; then
		ok "--list without /proc: type dev=MAJ:MIN ino=N"
	else
		not_ok "--list without /proc" "status $status" "$(cat "$tmp/out")" "$(cat "$tmp/err")"
	fi
else
	skip "--list without /proc" "cannot unmount /proc here"
fi

# Thousands of --keep-fd items and a long argument list: handled, and
# memory stays bounded (peak RSS within 8 MB of a plain run).
if [ -x /usr/bin/time ]; then
	big=$(seq 1000 2 9000 | sed 's/.*/&-&/' | paste -sd, -)
	set --
	i=0
	while [ $i -lt 1000 ]; do set -- "$@" -k "$((20000 + i))-$((20000 + i))"; i=$((i + 1)); done
	/usr/bin/time -f %M -o "$tmp/rss0" "$closefds" -- true
	# shellcheck disable=SC2016 # $# is for the inner sh
	/usr/bin/time -f %M -o "$tmp/rss1" "$closefds" -k "$big" "$@" -- sh -c 'exit $(($# == 20000 ? 0 : 1))' sh $(seq 1 20000) >"$tmp/out" 2>"$tmp/err"
	status=$?
	rss0=$(tail -n 1 "$tmp/rss0")
	rss1=$(tail -n 1 "$tmp/rss1")
	if [ "$status" -eq 0 ] && [ $((rss1 - rss0)) -lt 8192 ]; then
		ok "4001 range items, 1000 -k options, 20000 arguments: runs; peak RSS ${rss1} KiB against ${rss0} KiB"
	else
		not_ok "thousands of -k items" "status $status, peak RSS $rss1 KiB against $rss0 KiB" "$(head -c 300 "$tmp/err")"
	fi
else
	skip "thousands of -k items" "/usr/bin/time is not installed"
fi

run -v -- true
if [ "$status" -eq 0 ] && grep -Eq '^closefds: method [^ ]+ closed [0-9]+ descriptors in [0-9]+ us' "$tmp/err"; then
	ok "--verbose names the method, the count and the time"
else
	not_ok "--verbose" "status $status" "$(cat "$tmp/err")"
fi

# The count is right for every method, close_range included (counted before
# it runs): a clean table (closefds first), then 5, 7 and 9 open, 7 kept.
for m in auto close_range proc poll loop; do
	if [ -n "${CLOSEFDS_TEST_VALGRIND:-}" ]; then
		skip "--verbose --method=$m count" "valgrind's own descriptors are open to the count"
		continue
	fi
	# shellcheck disable=SC2016 # $1 and $2 are for the inner sh
	"$closefds" -- sh -c 'exec 5</dev/null 7</dev/null 9</dev/null; "$1" -v -k 7 --method="$2" -- true' \
		sh "$closefds" "$m" >"$tmp/out" 2>"$tmp/err"
	status=$?
	if [ "$status" -eq 0 ] && [ "$(grep -c '^closefds: method .* closed 2 descriptors in ' "$tmp/err")" -eq 1 ] &&
		[ "$(wc -l <"$tmp/err")" -eq 1 ]; then
		ok "--verbose --method=$m counts the 2 descriptors it closes"
	else
		not_ok "--verbose --method=$m count" "status $status" "$(cat "$tmp/err")"
	fi
done

tap_done
