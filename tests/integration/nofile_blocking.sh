#!/bin/sh
# nofile_blocking.sh: --nofile and --blocking as a user meets them: the
# limits and status flags COMMAND starts with (seen by fdreport), --list and
# --verbose, and every refusal (125, one line naming the value, nothing run).
# TAP output.
# Usage: nofile_blocking.sh CLOSEFDS FDREPORT   (CLOSEFDS_TEST_VALGRIND=1:
# CLOSEFDS runs closefds under valgrind; what valgrind disturbs is skipped)
set -u
closefds=$1
fdreport=$2
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
# shellcheck source=tests/lib/tap.sh
. "$(dirname "$0")/../lib/tap.sh"
tab=$(printf '\t')

# "soft hard" as COMMAND sees them (RLIM_INFINITY as a number).
limits() { "$fdreport" report | sed -n 's/^nofile //p'; }
read -r soft hard <<EOT
$(limits)
EOT
safe=$hard
[ "$hard" -gt 1024 ] && safe=1024
echo "# RLIMIT_NOFILE here: soft $soft, hard $hard"

# run ARGS...: status in $status, stdout in $tmp/out, stderr in $tmp/err.
run() {
	rm -f "$tmp/ran"
	"$closefds" "$@" >"$tmp/out" 2>"$tmp/err"
	status=$?
}

# expect_error WHAT NEEDLE HINT ARGS...: 125, the first line names NEEDLE,
# the usage hint as the second line if HINT is 1 (no second line if 0),
# nothing run.
expect_error() {
	what=$1
	needle=$2
	hint=$3
	shift 3
	run "$@" touch "$tmp/ran"
	first=$(head -n 1 "$tmp/err")
	lines=$(wc -l <"$tmp/err")
	case "$first" in
	"closefds: "*"$needle"*) good=1 ;;
	*) good=0 ;;
	esac
	if [ "$status" -eq 125 ] && [ "$good" -eq 1 ] && [ "$lines" -eq $((1 + hint)) ] && [ ! -e "$tmp/ran" ]; then
		ok "$what: 125, names $needle, nothing run"
	else
		not_ok "$what" "status $status" "stderr: $(cat "$tmp/err")"
	fi
}

# --nofile: what COMMAND sees.  valgrind emulates setrlimit(RLIMIT_NOFILE)
# for the program it runs without setting the real limit (and refuses a new
# hard one): these checks cannot run under it.
limits_seen() {
	run --nofile=safe -- "$fdreport" report
	if [ "$status" -eq 0 ] && [ "$(sed -n 's/^nofile //p' "$tmp/out")" = "$safe $hard" ]; then
		ok "--nofile=safe: soft min(1024, hard) = $safe, hard $hard unchanged"
	else
		not_ok "--nofile=safe" "status $status" "$(cat "$tmp/out" "$tmp/err")"
	fi
	run --nofile=100:200 -- "$fdreport" report
	if [ "$status" -eq 0 ] && [ "$(sed -n 's/^nofile //p' "$tmp/out")" = "100 200" ]; then
		ok "--nofile=100:200 sets both"
	else
		not_ok "--nofile=100:200" "status $status" "$(cat "$tmp/out" "$tmp/err")"
	fi
	run --nofile=100 -- "$fdreport" report
	if [ "$status" -eq 0 ] && [ "$(sed -n 's/^nofile //p' "$tmp/out")" = "100 $hard" ]; then
		ok "--nofile=100 leaves the hard limit"
	else
		not_ok "--nofile=100" "status $status" "$(cat "$tmp/out" "$tmp/err")"
	fi
	run --nofile=safe:300 -- "$fdreport" report
	if [ "$status" -eq 0 ] && [ "$(sed -n 's/^nofile //p' "$tmp/out")" = "300 300" ]; then
		ok "--nofile=safe:300: safe is min(1024, the new hard limit)"
	else
		not_ok "--nofile=safe:300" "status $status" "$(cat "$tmp/out" "$tmp/err")"
	fi
	run --nofile=100: -- "$fdreport" report
	if [ "$status" -eq 0 ] && [ "$(sed -n 's/^nofile //p' "$tmp/out")" = "100 $hard" ]; then
		ok "--nofile=100: (HARD empty) leaves the hard limit"
	else
		not_ok "--nofile=100:" "status $status" "$(cat "$tmp/out" "$tmp/err")"
	fi
	run --nofile=: -- "$fdreport" report
	if [ "$status" -eq 0 ] && [ "$(sed -n 's/^nofile //p' "$tmp/out")" = "$soft $hard" ]; then
		ok "--nofile=: changes nothing"
	else
		not_ok "--nofile=:" "status $status" "$(cat "$tmp/out" "$tmp/err")"
	fi
	run --nofile=:"$soft" -- "$fdreport" report
	if [ "$status" -eq 0 ] && [ "$(sed -n 's/^nofile //p' "$tmp/out")" = "$soft $soft" ]; then
		ok "--nofile=:$soft sets only the hard limit"
	else
		not_ok "--nofile=:$soft" "status $status" "$(cat "$tmp/out" "$tmp/err")"
	fi

	# Applied after closing: a descriptor above the new limit that is not kept
	# is found and closed (with every method), not hidden by the lower limit.
	for m in auto close_range poll loop; do
		run -p 0:150 -- "$closefds" --method="$m" --nofile=100 -- "$fdreport" report
		if [ "$status" -eq 0 ] && grep -qx 'nofile 100 [0-9]*' "$tmp/out" && ! grep -q '^fd 150 ' "$tmp/out"; then
			ok "--method=$m --nofile=100: descriptor 150 closed, soft limit 100"
		else
			not_ok "--method=$m --nofile=100 with 150 open" "status $status" "$(cat "$tmp/out" "$tmp/err")"
		fi
	done

}
if [ -z "${CLOSEFDS_TEST_VALGRIND:-}" ]; then
	limits_seen
else
	skip "--nofile: the limits COMMAND sees" "valgrind emulates setrlimit(RLIMIT_NOFILE) without setting it"
fi

expect_error "--nofile malformed" "'abc'" 1 --nofile=abc
expect_error "--nofile empty" "''" 1 --nofile=
expect_error "--nofile three parts" "'1:2:3'" 1 --nofile=1:2:3
expect_error "--nofile negative" "'-5'" 1 --nofile=-5
expect_error "--nofile safe as HARD" "':safe'" 1 --nofile=:safe
expect_error "--nofile too large" "'99999999999'" 1 --nofile=99999999999
expect_error "--nofile soft above hard" "'300:200'" 0 --nofile=300:200
expect_error "--nofile soft above the unchanged hard limit" "'2:1'" 0 --nofile=2:1
if [ "$soft" -gt 10 ]; then
	expect_error "--nofile hard below the unchanged soft limit" "':10'" 0 --nofile=:10
fi
nr_open=$(cat /proc/sys/fs/nr_open 2>/dev/null || echo 1073741816)
expect_error "--nofile hard above what may be set" "':$((nr_open + 1))'" 0 --nofile=:$((nr_open + 1))
expect_error "--nofile below a kept descriptor" "descriptor 50 is kept" 0 -p 0:50 --nofile=40
expect_error "--nofile below 0-2" "descriptor 2 is kept" 0 --nofile=2
# --audit closes nothing, so every open descriptor counts.
run -p 0:150 -- "$closefds" --audit --nofile=100 -- touch "$tmp/ran"
if [ "$status" -eq 125 ] && grep -q "^closefds: invalid --nofile '100': descriptor 150 is left open by --audit" "$tmp/err" &&
	[ ! -e "$tmp/ran" ]; then
	ok "--audit --nofile=100 with 150 open: 125, names 150, nothing run"
else
	not_ok "--audit --nofile=100 with 150 open" "status $status" "$(cat "$tmp/err")"
fi
exec 7</dev/null
expect_error "--nofile below a -k range member that is open" "descriptor 7 is kept" 0 -k 5-9 --nofile=7
exec 7<&-
run -k 5-9 --nofile=7 -- true
if [ "$status" -eq 0 ]; then ok "--nofile=7 with -k 5-9 and none of 5-9 open: runs"; else not_ok "-k 5-9 --nofile=7" "$(cat "$tmp/err")"; fi

# --list and --verbose show the limits before and after (under valgrind,
# its own lower limits).
expect_error "--list checks --nofile too" "'300:200'" 0 --list --nofile=300:200
limits_shown() {
	run --list --nofile=safe
	if [ "$status" -eq 0 ] && grep -qx "RLIMIT_NOFILE${tab}set${tab}soft $soft, hard $hard -> soft $safe, hard $hard" "$tmp/out"; then
		ok "--list --nofile=safe: the limits before and after"
	else
		not_ok "--list --nofile=safe" "$(cat "$tmp/out" "$tmp/err")"
	fi
	run -v --nofile=safe -- true
	if [ "$status" -eq 0 ] && grep -qx "closefds: RLIMIT_NOFILE soft $soft, hard $hard -> soft $safe, hard $hard" "$tmp/err"; then
		ok "--verbose --nofile=safe: the limits before and after"
	else
		not_ok "--verbose --nofile=safe" "$(cat "$tmp/err")"
	fi
}
if [ -z "${CLOSEFDS_TEST_VALGRIND:-}" ]; then
	limits_shown
else
	skip "--list and --verbose --nofile=safe" "valgrind reports its own, lower limits"
fi

# --blocking: a non-blocking, append-mode stdout.  The control shows the
# flag reaches COMMAND without the option.
: >"$tmp/log"
"$fdreport" nonblock 1 -- "$closefds" -- "$fdreport" report >>"$tmp/log" 2>"$tmp/err"
if grep -qx 'fd 1 nonblock=1 append=1 file' "$tmp/log"; then
	ok "control: without --blocking COMMAND inherits O_NONBLOCK"
else
	not_ok "control" "$(cat "$tmp/log" "$tmp/err")"
fi
: >"$tmp/log"
"$fdreport" nonblock 1 -- "$closefds" --blocking -- "$fdreport" report >>"$tmp/log" 2>"$tmp/err"
if grep -qx 'fd 1 nonblock=0 append=1 file' "$tmp/log"; then
	ok "--blocking: O_NONBLOCK cleared on 1, O_APPEND kept"
else
	not_ok "--blocking" "$(cat "$tmp/log" "$tmp/err")"
fi
# A non-blocking pipe on stdin, and a moved descriptor (the LIST names
# descriptors as COMMAND gets them).
: | "$fdreport" nonblock 0 5 -- "$closefds" -p 5:7 --blocking=0,7 -- "$fdreport" report 5</dev/null >"$tmp/out" 2>"$tmp/err"
if grep -qx 'fd 0 nonblock=0 append=0 fifo' "$tmp/out" && grep -qx 'fd 7 nonblock=0 append=0 chardev' "$tmp/out"; then
	ok "--blocking=0,7: a pipe on 0 and a descriptor moved to 7"
else
	not_ok "--blocking=0,7" "$(cat "$tmp/out" "$tmp/err")"
fi
: | "$fdreport" nonblock 0 -- "$closefds" --blocking=1 -- "$fdreport" report >"$tmp/out" 2>"$tmp/err"
if grep -qx 'fd 0 nonblock=1 append=0 fifo' "$tmp/out"; then
	ok "--blocking=1 leaves 0 alone"
else
	not_ok "--blocking=1 leaves 0 alone" "$(cat "$tmp/out" "$tmp/err")"
fi
"$fdreport" nonblock 5 -- "$closefds" -p 5:7 --blocking=0,7 --list 5</dev/null >"$tmp/out" 2>"$tmp/err"
if grep -qx "7${tab}blocking${tab}O_NONBLOCK set, cleared" "$tmp/out" &&
	grep -qx "0${tab}blocking${tab}O_NONBLOCK not set" "$tmp/out"; then
	ok "--list --blocking: one line per descriptor"
else
	not_ok "--list --blocking" "$(cat "$tmp/out" "$tmp/err")"
fi
"$fdreport" nonblock 1 -- "$closefds" -v --blocking=1,2 -- true >>"$tmp/log" 2>"$tmp/err"
if grep -qx 'closefds: descriptor 1: O_NONBLOCK cleared' "$tmp/err" &&
	grep -qx 'closefds: descriptor 2: O_NONBLOCK was not set' "$tmp/err"; then
	ok "--verbose --blocking: what changed"
else
	not_ok "--verbose --blocking" "$(cat "$tmp/err")"
fi

# --blocking changes the description the caller shares: when COMMAND
# cannot run, the flag is set again (the caller here is the sh that reports
# right after, on the same pipe).
# shellcheck disable=SC2016
: | "$fdreport" nonblock 0 -- sh -c '"$1" --blocking=0 -- /nonexistent/command; echo "status $?"; "$2" report' sh "$closefds" "$fdreport" >"$tmp/out" 2>"$tmp/err"
if grep -qx 'status 127' "$tmp/out" && grep -qx 'fd 0 nonblock=1 append=0 fifo' "$tmp/out"; then
	ok "--blocking, COMMAND not found (127): O_NONBLOCK set again for the caller"
else
	not_ok "--blocking, COMMAND not found" "$(cat "$tmp/out" "$tmp/err")"
fi
# shellcheck disable=SC2016
: | "$fdreport" nonblock 0 -- sh -c '"$1" --blocking=0 --nofile=99999999:99999999 -- true; echo "status $?"; "$2" report' sh "$closefds" "$fdreport" >"$tmp/out" 2>"$tmp/err"
if grep -qx 'fd 0 nonblock=1 append=0 fifo' "$tmp/out"; then
	ok "--blocking with a --nofile that cannot be set: O_NONBLOCK untouched"
else
	not_ok "--blocking with a failing --nofile" "$(cat "$tmp/out" "$tmp/err")"
fi

expect_error "--blocking not a number" "'x'" 1 --blocking=x
expect_error "--blocking empty item" "'0,,1'" 1 --blocking=0,,1
expect_error "--blocking empty list" "''" 1 --blocking=
expect_error "--blocking of a descriptor not kept" "descriptor 7 (--blocking) is not kept" 0 --blocking=7
expect_error "--blocking of a kept range member not open" "descriptor 7 (--blocking) is not open" 0 -k 5-9 --blocking=7
exec 5</dev/null
expect_error "--blocking of a moved source" "descriptor 5 (--blocking) is not kept" 0 -p 5:7 --blocking=5
exec 5<&-

tap_done
