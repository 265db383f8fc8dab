#!/bin/sh
# idioms.sh: the shell idioms closefds meets: process substitution in bash
# and zsh (and what dash users write instead), descriptor paths in
# COMMAND's arguments, --null, --listen-fds=NAME as a script sets it up,
# and the bats-core hang that `closefds -- server &` ends.  TAP output.
# Usage: idioms.sh CLOSEFDS
# shellcheck disable=SC2016 # single-quoted scripts are for the inner shells
set -u
closefds=$1
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
# shellcheck source=tests/lib/tap.sh
. "$(dirname "$0")/../lib/tap.sh"
tab=$(printf '\t')

printf 'pear\napple\nfig\n' >"$tmp/a"
printf 'fig\npear\nplum\n' >"$tmp/b"
sort "$tmp/a" >"$tmp/a.sorted"
sort "$tmp/b" >"$tmp/b.sorted"
diff "$tmp/a.sorted" "$tmp/b.sorted" >"$tmp/want"

# --- process substitution -------------------------------------------------
# `closefds -- diff <(sort a) <(sort b)`: the shell passes /dev/fd/N paths
# of pipes it opened; closefds keeps them.  With --no-keep-fd-args they
# are closed and diff cannot open them (the old behaviour).
for shell in bash zsh; do
	if ! command -v "$shell" >/dev/null 2>&1; then
		skip "$shell process substitution" "$shell is not installed"
		skip "$shell process substitution, --no-keep-fd-args" "$shell is not installed"
		continue
	fi
	"$shell" -c '"$1" -- diff <(sort "$2") <(sort "$3")' "$shell" "$closefds" "$tmp/a" "$tmp/b" \
		>"$tmp/out" 2>"$tmp/err"
	status=$?
	if [ "$status" -eq 1 ] && cmp -s "$tmp/out" "$tmp/want" && [ ! -s "$tmp/err" ]; then
		ok "$shell: closefds -- diff <(sort a) <(sort b) compares the two (status 1, the diff)"
	else
		not_ok "$shell process substitution" "status $status" "$(cat "$tmp/out" "$tmp/err")"
	fi
	"$shell" -c '"$1" --no-keep-fd-args -- diff <(sort "$2") <(sort "$3")' "$shell" "$closefds" \
		"$tmp/a" "$tmp/b" >"$tmp/out" 2>"$tmp/err"
	status=$?
	if [ "$status" -eq 2 ] && grep -Eq "(/dev/fd|/proc/self/fd)/[0-9]+: No such file or directory" "$tmp/err"; then
		ok "$shell: with --no-keep-fd-args the pipes are closed and diff cannot open them"
	else
		not_ok "$shell process substitution, --no-keep-fd-args" "status $status" "$(cat "$tmp/err")"
	fi
done

# --list says why: "keep<TAB>pipe:[...] (named by argument 1 '/dev/fd/N')".
if command -v bash >/dev/null 2>&1; then
	bash -c '"$1" --list -- diff <(sort "$2") <(sort "$3")' bash "$closefds" "$tmp/a" "$tmp/b" \
		>"$tmp/out" 2>"$tmp/err"
	status=$?
	if [ "$status" -eq 0 ] &&
		grep -Eq "^[0-9]+${tab}keep${tab}pipe:\[[0-9]+\] \(named by argument 1 '/dev/fd/[0-9]+'\)\$" "$tmp/out" &&
		grep -Eq "^[0-9]+${tab}keep${tab}pipe:\[[0-9]+\] \(named by argument 2 '/dev/fd/[0-9]+'\)\$" "$tmp/out"; then
		ok "--list: each pipe kept, named by argument 1 and 2"
	else
		not_ok "--list with process substitution" "status $status" "$(cat "$tmp/out" "$tmp/err")"
	fi
else
	skip "--list with process substitution" "bash is not installed"
fi

# dash has no process substitution: a here-document or a redirection puts
# the data on a descriptor, and the argument names it.
if command -v dash >/dev/null 2>&1; then
	dash -c '"$1" -- diff /dev/fd/3 /dev/fd/4 3<"$2" 4<<EOF
$(sort "$3")
EOF' dash "$closefds" "$tmp/a.sorted" "$tmp/b" >"$tmp/out" 2>"$tmp/err"
	status=$?
	if [ "$status" -eq 1 ] && cmp -s "$tmp/out" "$tmp/want"; then
		ok "dash: a redirection and a here-document on 3 and 4, named /dev/fd/3 and /dev/fd/4"
	else
		not_ok "dash here-document" "status $status" "$(cat "$tmp/out" "$tmp/err")"
	fi
	# The man page's example, as written there.
	bindir=$(cd "$(dirname "$closefds")" && pwd)
	(cd "$tmp" && PATH="$bindir:$PATH" dash -c 'sort b | closefds -- diff /dev/fd/3 /dev/fd/0 3<a.sorted') >"$tmp/out" 2>"$tmp/err"
	status=$?
	if [ "$status" -eq 1 ] && cmp -s "$tmp/out" "$tmp/want"; then
		ok "dash: sort b | closefds -- diff /dev/fd/3 /dev/fd/0 3<a.sorted"
	else
		not_ok "dash: the man page's example" "status $status" "$(cat "$tmp/out" "$tmp/err")"
	fi
else
	skip "dash here-document" "dash is not installed"
	skip "dash: the man page's example" "dash is not installed"
fi

# --- the argument forms -----------------------------------------------------
# fdcase NAME WANT ARGS...: 5 open on a (the setup sh execs closefds, so
# $$ in the setup is closefds' pid and COMMAND's), COMMAND's output must be
# WANT.
fdcase() {
	what=$1
	want=$2
	shift 2
	sh -c 'exec 5<"$0"; p=$$; for a in "$@"; do set -- "$@" "$(printf "%s" "$a" | sed "s/PID/$p/")"; shift; done; exec "$@"' \
		"$tmp/a" "$@" >"$tmp/out" 2>"$tmp/err"
	status=$?
	if [ "$(cat "$tmp/out")" = "$want" ]; then
		ok "$what"
	else
		not_ok "$what" "status $status, got '$(cat "$tmp/out")', want '$want'" "$(cat "$tmp/err")"
	fi
}
first=$(head -n 1 "$tmp/a")
fdcase "/dev/fd/5 as a whole argument: kept" "$first" "$closefds" -- head -n 1 /dev/fd/5
fdcase "/proc/self/fd/5: kept" "$first" "$closefds" -- head -n 1 /proc/self/fd/5
fdcase "/proc/PID/fd/5, PID closefds' own: kept" "$first" "$closefds" -- head -n 1 /proc/PID/fd/5
fdcase "--in=/dev/fd/5: kept" "$first" "$closefds" -- sh -c 'head -n 1 "${1#--in=}"' sh --in=/dev/fd/5
fdcase "-i/dev/fd/5: kept" "$first" "$closefds" -- sh -c 'head -n 1 "${1#-i}"' sh -i/dev/fd/5
fdcase "/dev/fd/05: not the procfs spelling, closed" "closed" "$closefds" -- sh -c '[ -e /dev/fd/5 ] || echo closed' sh /dev/fd/05
fdcase "/dev/fd/5 inside a longer argument (shell code): closed" "closed" "$closefds" -- sh -c '[ -e /dev/fd/5 ] || echo closed; : /dev/fd/5'
fdcase "--no-keep-fd-args: closed" "closed" "$closefds" --no-keep-fd-args -- sh -c '[ -e /dev/fd/5 ] || echo closed' sh /dev/fd/5
fdcase "-p 5:7 and /dev/fd/7: the moved descriptor" "$first" "$closefds" -p 5:7 -- head -n 1 /dev/fd/7

# A path naming a descriptor that is not open is just a path: no error
# from closefds, COMMAND finds nothing there.
"$closefds" -- cat /dev/fd/9 >"$tmp/out" 2>"$tmp/err"
status=$?
if [ "$status" -eq 1 ] && ! grep -q '^closefds:' "$tmp/err" && grep -q 'No such file' "$tmp/err"; then
	ok "/dev/fd/9 not open: not an error of closefds (cat: No such file, status 1)"
else
	not_ok "/dev/fd/9 not open" "status $status" "$(cat "$tmp/err")"
fi

# --- --verbose: "1 descriptor", and where to see which ---------------------
# A clean table first (the outer closefds), then one descriptor to close.
for m in poll close_range; do
	"$closefds" -- sh -c 'exec 5</dev/null; exec "$1" -v --method="$2" -- true' sh "$closefds" "$m" 2>"$tmp/err"
	if grep -Eq "^closefds: method [^ ]+ closed 1 descriptor in [0-9]+ us.*; --list shows which\$" "$tmp/err"; then
		ok "--verbose --method=$m: 'closed 1 descriptor', '--list shows which'"
	else
		not_ok "--verbose --method=$m wording" "$(cat "$tmp/err")"
	fi
done

# --- --null -------------------------------------------------------------------
# COMMAND's 0, 1, 2 as it sees them: the file and the access mode (from
# /proc/self/fdinfo flags: 0 read-only, 1 write-only, 2 read-write).
show_std='for fd in 0 1 2; do printf "%s:%s:%s " >&2 "$fd" "$(readlink /proc/$$/fd/$fd)" "$(sed -n "s/^flags:[[:space:]]*//p" /proc/$$/fdinfo/$fd | tail -c 2)"; done'
"$closefds" --null=0,1 -- sh -c "$show_std" </dev/zero >"$tmp/out" 2>"$tmp/err"
status=$?
got=$(sed 's/2:[^ ]* $//' "$tmp/err")
if [ "$status" -eq 0 ] && [ "$got" = "0:/dev/null:0 1:/dev/null:1 " ]; then
	ok "--null=0,1: 0 on /dev/null read-only, 1 write-only ($(cat "$tmp/err"))"
else
	not_ok "--null=0,1" "status $status" "$(cat "$tmp/err")"
fi
"$closefds" --null=1 -- sh -c 'echo lost; echo kept >&2' >"$tmp/out" 2>"$tmp/err"
status=$?
if [ "$status" -eq 0 ] && [ ! -s "$tmp/out" ] && [ "$(cat "$tmp/err")" = "kept" ]; then
	ok "--null=1: COMMAND's stdout goes nowhere, stderr still reaches the caller"
else
	not_ok "--null=1" "status $status" "$(cat "$tmp/out" "$tmp/err")"
fi
"$closefds" --null=2 -- sh -c 'echo out; echo err >&2' >"$tmp/out" 2>"$tmp/err"
if [ "$(cat "$tmp/out")" = "out" ] && [ ! -s "$tmp/err" ]; then
	ok "--null=2: stderr goes nowhere"
else
	not_ok "--null=2" "$(cat "$tmp/out" "$tmp/err")"
fi
"$closefds" --list --null=0,2 >"$tmp/out" 2>"$tmp/err"
if grep -qx "0${tab}null${tab}/dev/null, read-only" "$tmp/out" && grep -qx "2${tab}null${tab}/dev/null, write-only" "$tmp/out" &&
	! grep -q "^1${tab}null" "$tmp/out"; then
	ok "--list shows --null: '0<TAB>null<TAB>/dev/null, read-only'"
else
	not_ok "--list --null" "$(cat "$tmp/out" "$tmp/err")"
fi
"$closefds" -v --null=1 -- true 2>"$tmp/err" >/dev/null
if grep -qx "closefds: descriptor 1 reopened on /dev/null, write-only" "$tmp/err"; then
	ok "--verbose says --null reopened 1"
else
	not_ok "--verbose --null" "$(cat "$tmp/err")"
fi
# usage_error NAME NEEDLE ARGS...: 125, the message, the hint, nothing run.
usage_error() {
	what=$1
	needle=$2
	shift 2
	rm -f "$tmp/ran"
	"$closefds" "$@" touch "$tmp/ran" >"$tmp/out" 2>"$tmp/err"
	status=$?
	if [ "$status" -eq 125 ] && head -n 1 "$tmp/err" | grep -qF "closefds: $needle" &&
		[ "$(wc -l <"$tmp/err")" -eq 2 ] && [ ! -e "$tmp/ran" ]; then
		ok "$what: 125, '$needle', nothing run"
	else
		not_ok "$what" "status $status" "$(cat "$tmp/err")"
	fi
}
usage_error "--null=3" "invalid --null list '3': '3': expected 0, 1 or 2" --null=3
usage_error "--null=" "invalid --null list '': empty item" --null=
usage_error "--null=1 with -p 0:1" "--null and --pass-fd '0:1' both replace descriptor 1" --null=1 -p 0:1
usage_error "--null=0 with --blocking" "--null and --blocking both name descriptor 0" --null=0 --blocking

# --- --listen-fds=NAME --------------------------------------------------------
# As a service manager would: 3, 4, 5 open on three files, LISTEN_PID=$$
# (the sh execs closefds), LISTEN_FDS=3, LISTEN_FDNAMES=web:db:admin.
for f in web db admin; do printf '%s\n' "$f" >"$tmp/$f"; done
show_listen='p=${LISTEN_PID-unset}; [ "$p" = $$ ] && p=self; printf "%s %s %s |" "$p" "${LISTEN_FDS-unset}" "${LISTEN_FDNAMES-unset}"; for fd in 3 4 5 6; do if [ -e /proc/self/fd/$fd ]; then printf " %s=%s" $fd "$(cat /proc/self/fd/$fd)"; fi; done; echo'
listen_case() {
	what=$1
	want=$2
	shift 2
	rm -f "$tmp/ran"
	sh -c 'exec 3<"$0/web" 4<"$0/db" 5<"$0/admin"; export LISTEN_PID=$$ LISTEN_FDS=3 LISTEN_FDNAMES=web:db:admin; exec "$@"' \
		"$tmp" "$closefds" "$@" -- sh -c "$show_listen" >"$tmp/out" 2>"$tmp/err"
	status=$?
	if [ "$status" -eq 0 ] && [ "$(cat "$tmp/out")" = "$want" ] && [ ! -s "$tmp/err" ]; then
		ok "$what: '$want'"
	else
		not_ok "$what" "status $status, got '$(cat "$tmp/out")', want '$want'" "$(cat "$tmp/err")"
	fi
}
listen_case "--listen-fds (all, unchanged)" "self 3 web:db:admin | 3=web 4=db 5=admin" --listen-fds
listen_case "--listen-fds=db" "self 1 db | 3=db" --listen-fds=db
listen_case "--listen-fds=admin,web: renumbered in that order" "self 2 admin:web | 3=admin 4=web" --listen-fds=admin,web
listen_case "--listen-fds=web --listen-fd=5:extra" "self 2 web:extra | 3=web 4=admin" --listen-fds=web --listen-fd=5:extra
sh -c 'exec 3</dev/null; export LISTEN_PID=$$ LISTEN_FDS=1 LISTEN_FDNAMES=web; exec "$@"' sh \
	"$closefds" --listen-fds=db,web -- touch "$tmp/ran" >"$tmp/out" 2>"$tmp/err"
status=$?
if [ "$status" -eq 125 ] && [ "$(head -n 1 "$tmp/err")" = "closefds: --listen-fds=db,web: no descriptor named 'db' in LISTEN_FDNAMES 'web'" ] &&
	[ ! -e "$tmp/ran" ]; then
	ok "--listen-fds=NAME: a name that is not there: 125, named, nothing run"
else
	not_ok "--listen-fds=NAME missing" "status $status" "$(cat "$tmp/err")"
fi
"$closefds" --listen-fds=web -- touch "$tmp/ran" >"$tmp/out" 2>"$tmp/err"
status=$?
if [ "$status" -eq 125 ] && grep -q "^closefds: --listen-fds=web: no descriptor named 'web': no socket-activation descriptors were passed to this process" "$tmp/err" &&
	[ ! -e "$tmp/ran" ]; then
	ok "--listen-fds=NAME without socket activation: 125"
else
	not_ok "--listen-fds=NAME without activation" "status $status" "$(cat "$tmp/err")"
fi
usage_error "--listen-fds=web,web" "invalid --listen-fds list 'web,web': 'web' is named twice" --listen-fds=web,web
usage_error "--listen-fds=a:b" "invalid --listen-fds list 'a:b'" --listen-fds=a:b

# --- bats -----------------------------------------------------------------------
# bats-core runs each test with its descriptor 3 open and waits until every
# holder closes it: a server started in the background from a test makes
# the run hang until the server exits (bats-core #43, #1021).  `closefds --
# server &` closes 3 for the server.  timeout(1) bounds each run, so a hang
# fails instead of hanging: the plain case is expected to be killed by it.
if command -v bats >/dev/null 2>&1 && command -v timeout >/dev/null 2>&1; then
	mkdir "$tmp/bats"
	# server_alive: "yes" if the server (sleep 600) the test started runs, and
	# stop it.
	server_alive() {
		pid=$(cat "$tmp/bats/server.pid" 2>/dev/null)
		if [ -n "$pid" ] && grep -q '^sleep' "/proc/$pid/cmdline" 2>/dev/null; then
			kill "$pid"
			echo yes
		else
			echo no
		fi
	}
	cat >"$tmp/bats/server.bats" <<'BATS'
@test "a server started in the background" {
	$WRAP sleep 600 &
	echo "$!" >"$BATS_TEST_DIRNAME/server.pid"
}
BATS
	WRAP="$closefds --" timeout 120 bats "$tmp/bats/server.bats" >"$tmp/out" 2>&1
	status=$?
	# The server must be running still: bats returned while it held on, not
	# because it never started (a missing closefds would do that).
	alive=$(server_alive)
	if [ "$status" -eq 0 ] && grep -q '^ok 1 ' "$tmp/out" && [ "$alive" = yes ]; then
		ok "bats: 'closefds -- server &' in a test: bats finishes (status 0) while the server runs"
	else
		not_ok "bats with closefds" "status $status (124: timed out, bats hung), server running: $alive" "$(cat "$tmp/out")"
	fi
	# Without closefds the run hangs until the server exits: the 600 s
	# server outlives any bound, so the bound (5 s) is what ends it.
	rm -f "$tmp/bats/server.pid"
	WRAP="" timeout 5 bats "$tmp/bats/server.bats" >"$tmp/out" 2>&1
	status=$?
	# timeout ends the whole process group, the server with bats: that it
	# started is what the pid file shows.
	started=no
	[ -s "$tmp/bats/server.pid" ] && started=yes
	server_alive >/dev/null
	if [ "$status" -eq 124 ] && [ "$started" = yes ]; then
		ok "bats: the same test without closefds hangs (killed by timeout: 124)"
	else
		not_ok "bats without closefds should hang" "status $status, server started: $started" "$(cat "$tmp/out")"
	fi
else
	skip "bats with closefds" "bats or timeout is not installed (Debian packages bats, coreutils)"
	skip "bats without closefds hangs" "bats or timeout is not installed"
fi

tap_done
