#!/bin/sh
# peers.sh: closefds with the real programs around it: systemd's
# socket-activate, GNU make's jobserver; and --audit, --verify, the
# LISTEN_* checks, libsystemd's sd_listen_fds() as the reader, and a
# setuid-root closefds.  TAP output.
# Usage: peers.sh CLOSEFDS CLOSEFDS_TESTHOOKS PEER SDREADER [CLOSEFDS_STATIC]
# shellcheck disable=SC2016 # single-quoted scripts are for the inner sh
set -u
closefds=$1
testhooks=$2
peer=$3
sdreader=$4
static=${5:-}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
# shellcheck source=tests/lib/tap.sh
. "$(dirname "$0")/../lib/tap.sh"

# --- socket activation with the real systemd-socket-activate -------------
# The server reports on stderr which LISTEN_* variables it sees.  With
# --listen-fds or -k 3 the socket and the variables reach it; without them
# the socket is closed and the variables, which would name whatever the
# server opens first as descriptor 3, are unset.
if command -v systemd-socket-activate >/dev/null 2>&1; then
	for keep in --listen-fds "-k 3" ""; do
		answer=""
		for attempt in 1 2 3 4 5; do
			port=$(( (($$ * 7 + attempt * 7919) % 30000) + 20000 ))
			# shellcheck disable=SC2086 # $keep is one or two words or none
			systemd-socket-activate -l "127.0.0.1:$port" --fdname=web "$closefds" $keep -- "$peer" server \
				>"$tmp/ssa.out" 2>"$tmp/ssa.err" &
			pid=$!
			answer=$("$peer" client "$port" 2>/dev/null)
			wait "$pid"
			status=$?
			grep -q "Address already in use" "$tmp/ssa.err" || break
		done
		seen=$(sed -n 's/^server: //p' "$tmp/ssa.err")
		if [ -n "$keep" ]; then
			if [ "$answer" = "hello LISTEN_FDS=1 LISTEN_PID=ok LISTEN_FDNAMES=web" ] && [ "$status" -eq 0 ]; then
				ok "socket activation: closefds $keep keeps the socket and LISTEN_FDS=1, LISTEN_PID (the server's), LISTEN_FDNAMES=web"
			else
				not_ok "socket activation with $keep" "answer '$answer', status $status" "$(cat "$tmp/ssa.err")"
			fi
		else
			if [ -z "$answer" ] && [ "$status" -eq 3 ] && grep -q "no socket on 3" "$tmp/ssa.err" &&
				[ "$seen" = "LISTEN_FDS=unset LISTEN_PID=unset LISTEN_FDNAMES=unset" ]; then
				ok "socket activation without --listen-fds: no socket on 3, and LISTEN_PID, LISTEN_FDS, LISTEN_FDNAMES unset"
			else
				not_ok "socket activation without --listen-fds" "answer '$answer', status $status, server saw '$seen'" "$(cat "$tmp/ssa.err")"
			fi
		fi
	done
else
	skip "socket activation with --listen-fds" "systemd-socket-activate is not installed (Debian package systemd)"
	skip "socket activation with -k 3" "systemd-socket-activate is not installed"
	skip "socket activation without --listen-fds" "systemd-socket-activate is not installed"
fi

# --- libsystemd's own sd_listen_fds() as COMMAND --------------------------
# sdreader loads libsystemd.so.0, opens a file as services do (it lands at
# 3 when 3 is closed), then calls sd_listen_fds(0).  A listening socket is
# at 3, LISTEN_PID names the process in every form libsystemd takes for it
# (exec keeps the pid: "sh -c 'exec closefds'").  With 3 closed it must find
# no socket ("n=0": the variables are gone; "n=1 3=file" is the bug: its own
# file taken for the socket); with -k 3 or --listen-fds, the socket.
# sd_case WHAT WANT SNIPPET(setting v, and f for LISTEN_FDS) ARGS...
sd_case() {
	what=$1
	want=$2
	snippet=$3
	shift 3
	out=$("$peer" socket3 sh -c "$snippet"'; LISTEN_PID=$v LISTEN_FDS=$f exec "$0" "$@"' \
		"$closefds" "$@" -- "$sdreader" 2>&1)
	if [ "$out" = "$want" ]; then
		ok "sd_listen_fds() after closefds $*: $what: '$want'"
	else
		not_ok "sd_listen_fds() after closefds $*: $what" "got '$out', want '$want'"
	fi
}
sd_skip=$("$sdreader" </dev/null 2>&1 | sed -n 's/^skip: //p')
if [ -n "$sd_skip" ]; then
	skip "libsystemd's sd_listen_fds() as COMMAND" "$sd_skip"
else
	for form in 'v=$$' 'v=+$$' 'v=" $$"' 'v=$(printf "\t\n\r\v %d" $$)' 'v=" +$$"' \
		'v=$(printf 0x%x $$)' 'v=$(printf 0X%X $$)' 'v=$(printf 0%o $$)' 'v=$(printf 0o%o $$)' \
		'n=$$; v=; while [ $n -gt 0 ]; do v=$((n % 2))$v; n=$((n / 2)); done; v=0b$v'; do
		sd_case "LISTEN_PID from '$form', 3 closed" "n=0 3=file" "$form; f=1"
		sd_case "LISTEN_PID from '$form', 3 kept" "n=1 3=socket" "$form; f=1" --listen-fds
	done
	sd_case "LISTEN_PID from 'v=+\$\$', 3 kept" "n=1 3=socket" 'v=+$$; f=1' -k 3
	for fds in +1 ' 1' 0x1 01 0o1 0b1; do
		sd_case "LISTEN_FDS='$fds', 3 kept" "n=1 3=socket" "v=\$\$; f='$fds'" --listen-fds
	done
	sd_case "LISTEN_FDS=' +0x1', 3 closed" "n=0 3=file" "v=\$\$; f=' +0x1'"
	# Not this process for libsystemd: it takes nothing, whatever closefds does.
	sd_case "LISTEN_PID of the next pid" "n=0 3=file" 'v=$(($$ + 1)); f=1'
	sd_case "LISTEN_PID with a trailing blank (refused)" "n=-22 3=file" 'v="$$ "; f=1'
fi

# --- --listen-fd: sockets at 3, 4; LISTEN_* set for the child ------------
for method in auto close_range proc poll loop; do
	out=$("$peer" listen-fd "$closefds" -m "$method" 2>&1)
	if [ "$out" = "ok" ]; then
		ok "--listen-fd 5:web --listen-fd 6 [$method]: sockets at 3 and 4, LISTEN_FDS=2, own LISTEN_PID, names web:unknown"
	else
		not_ok "--listen-fd [$method]" "$out"
	fi
done

# --- --listen-fds error and no-op cases -----------------------------------
check_listen() {
	what=$1
	want=$2
	shift 2
	"$@" >"$tmp/out" 2>"$tmp/err"
	status=$?
	case "$want" in
	refuse)
		if [ "$status" -eq 125 ] && grep -q '^closefds: ' "$tmp/err" && ! grep -q RAN "$tmp/out"; then
			ok "$what: 125"
		else
			not_ok "$what: expected 125" "status $status" "$(cat "$tmp/err")"
		fi ;;
	*)
		if [ "$status" -eq 0 ] && [ "$(cat "$tmp/out")" = "$want" ]; then
			ok "$what: $want"
		else
			not_ok "$what" "status $status, got '$(cat "$tmp/out")', expected '$want'" "$(cat "$tmp/err")"
		fi ;;
	esac
}
probe='if [ -e /proc/self/fd/3 ]; then echo RAN 3; else echo RAN none; fi'
# exec keeps the pid: "exec env ... closefds" makes LISTEN_PID=$$ ours.
check_listen "LISTEN_PID of this process" "RAN 3" sh -c 'exec 3</dev/null; LISTEN_PID=$$ LISTEN_FDS=1 exec "$1" --listen-fds -- sh -c "$2"' sh "$closefds" "$probe"
check_listen "LISTEN_PID of another process: nothing kept" "RAN none" sh -c 'exec 3</dev/null; LISTEN_PID=1 LISTEN_FDS=1 exec "$1" --listen-fds -- sh -c "$2"' sh "$closefds" "$probe"
check_listen "no LISTEN_* variables: nothing kept, no error" "RAN none" sh -c 'exec 3</dev/null; exec "$1" --listen-fds -- sh -c "$2"' sh "$closefds" "$probe"
check_listen "malformed LISTEN_PID" refuse sh -c 'LISTEN_PID=12x LISTEN_FDS=1 exec "$1" --listen-fds -- echo RAN' sh "$closefds"
check_listen "malformed LISTEN_FDS" refuse sh -c 'LISTEN_PID=$$ LISTEN_FDS=-1 exec "$1" --listen-fds -- echo RAN' sh "$closefds"
check_listen "LISTEN_FDS that would overflow" refuse sh -c 'LISTEN_PID=$$ LISTEN_FDS=2147483647 exec "$1" --listen-fds -- echo RAN' sh "$closefds"
check_listen "LISTEN_FDS naming closed descriptors" refuse sh -c 'exec 3</dev/null; LISTEN_PID=$$ LISTEN_FDS=3 exec "$1" --listen-fds -- echo RAN' sh "$closefds"
long=$(printf '%0256d' 0)
check_listen "--listen-fd name of 256 bytes" refuse "$closefds" --listen-fd "1:$long" -- echo RAN
check_listen "--listen-fd name with a control character" refuse "$closefds" --listen-fd "$(printf '1:a\tb')" -- echo RAN

# --- the GNU make jobserver ----------------------------------------------
if command -v make >/dev/null 2>&1; then
	cat >"$tmp/Makefile" <<'MAKEFILE'
all:
	+@$(CLOSEFDS) $(KEEP) -- $(MAKE) --no-print-directory -f $(firstword $(MAKEFILE_LIST)) parts
parts: a b c d
a b c d:
	@true
MAKEFILE
	make -s -j4 -f "$tmp/Makefile" CLOSEFDS="$closefds" KEEP=--keep-jobserver >"$tmp/out" 2>"$tmp/err"
	s1=$?
	make -s -j4 -f "$tmp/Makefile" CLOSEFDS="$closefds" KEEP= >"$tmp/out2" 2>"$tmp/err2"
	s2=$?
	if [ "$s1" -eq 0 ] && ! grep -q "jobserver unavailable" "$tmp/err"; then
		ok "make -j4: a sub-make run through closefds --keep-jobserver keeps the jobserver"
	else
		not_ok "make with --keep-jobserver" "status $s1" "$(cat "$tmp/err")"
	fi
	if [ "$s2" -eq 0 ] && grep -q "jobserver unavailable" "$tmp/err2"; then
		ok "make -j4 without --keep-jobserver: the sub-make warns 'jobserver unavailable' (the test can fail)"
	else
		not_ok "make without --keep-jobserver" "status $s2" "$(cat "$tmp/err2")"
	fi
	# A command that opens files of its own at 3 and 4, the numbers of the
	# jobserver pipe it was not given, then starts a sub-make: the sub-make
	# must not take the file for the jobserver (read "tokens" from it, write
	# them back to it) but run -j1.  The parts record how many of them ran at
	# once.  The top make runs from a clean table, so its pipe is 3,4.
	mkdir "$tmp/jobs"
	cat >"$tmp/jobs/Makefile" <<'MAKEFILE'
all:
	@echo "$$MAKEFLAGS" >top.flags
	+@MAKEFLAGS="$$(printf '%s\n' "$$MAKEFLAGS" | sed "$$REWRITE")" $(CLOSEFDS) $(KEEP) -- \
		sh -c '$(REUSE) exec "$$0" --no-print-directory parts' $(MAKE)
# Not recursive for make (no '+', no $(MAKE)): make 4.3 does not give it
# the pipe, but MAKEFLAGS still names it.
plain:
	@echo "$$MAKEFLAGS" >top.flags
	@$(CLOSEFDS) $(KEEP) -- sh -c '$(REUSE) exec make --no-print-directory parts'
parts: a b c d
a b c d:
	@touch run.$@; sleep 0.3; set -- run.*; echo $$# >>seen; rm -f run.$@
MAKEFILE
	# run_jobs KEEP REUSE [VAR=VALUE [TARGET]]: run it (KEEP and REUSE from
	# the environment, so that they are not in MAKEFLAGS; VAR=VALUE on the
	# command line, so that MAKEFLAGS ends with "-- VAR=VALUE").  $rewrite:
	# a sed script "all" applies to MAKEFLAGS before closefds reads it.
	rewrite=
	run_jobs() {
		rm -f "$tmp/jobs/seen" "$tmp/jobs/top.flags"
		printf '++++' >"$tmp/jobs/tokens"
		CLOSEFDS=$closefds KEEP=$1 REUSE=$2 REWRITE=$rewrite "$closefds" -- \
			timeout 60 make -s -j4 --no-print-directory \
			-C "$tmp/jobs" ${3:+"$3"} "${4:-all}" >"$tmp/jobs/out" 2>"$tmp/jobs/err"
		status=$?
		most=$(sort -n "$tmp/jobs/seen" 2>/dev/null | tail -n 1)
		tokens=$(cat "$tmp/jobs/tokens")
		top=$(cat "$tmp/jobs/top.flags" 2>/dev/null)
	}
	run_jobs --keep-jobserver ""
	if [ "$status" -eq 0 ] && [ "${most:-0}" -gt 1 ] && ! grep -q "jobserver unavailable" "$tmp/jobs/err"; then
		ok "make -j4, a sub-make through closefds --keep-jobserver: $most parts at once"
	else
		not_ok "make -j4 with --keep-jobserver runs parts at once" "status $status, at most ${most:-?} at once" "MAKEFLAGS '$top'" "$(cat "$tmp/jobs/err")"
	fi
	reuse='exec 3<tokens 4>>tokens;'
	for vars in "" V=1; do
		run_jobs "" "$reuse" "$vars"
		what="make -j4, no --keep-jobserver, COMMAND opens a file at 3 and 4 before the sub-make${vars:+ (MAKEFLAGS ends with '-- $vars')}"
		case "$top" in
		*--jobserver-auth=3,4*)
			if [ "$status" -eq 0 ] && [ "$tokens" = "++++" ] && [ "$most" = 1 ] &&
				grep -q "jobserver unavailable" "$tmp/jobs/err"; then
				ok "$what: the sub-make leaves the file alone and runs -j1"
			else
				not_ok "$what" "status $status, file '$tokens' (was '++++'), at most ${most:-?} at once" "MAKEFLAGS '$top'" "$(cat "$tmp/jobs/err")"
			fi ;;
		*) not_ok "$what" "the top make's jobserver is not 3,4: MAKEFLAGS '$top'" ;;
		esac
	done
	# The pipe 3,4 in the other forms make's sscanf("%d,%d") takes (issue 15,
	# finding 7): withheld all the same, and kept by --keep-jobserver.
	for value in +3,+4 3,4x 3,4,5 03,4; do
		rewrite="s/--jobserver-auth=3,4/--jobserver-auth=$value/"
		run_jobs "" "$reuse"
		what="make -j4, closefds gets --jobserver-auth=$value, COMMAND opens a file at 3 and 4 before the sub-make"
		if [ "$status" -eq 0 ] && [ "$tokens" = "++++" ] && [ "$most" = 1 ] &&
			grep -q "jobserver unavailable" "$tmp/jobs/err"; then
			ok "$what: the sub-make leaves the file alone and runs -j1"
		else
			not_ok "$what" "status $status, file '$tokens' (was '++++'), at most ${most:-?} at once" "MAKEFLAGS '$top'" "$(cat "$tmp/jobs/err")"
		fi
		run_jobs --keep-jobserver ""
		if [ "$status" -eq 0 ] && [ "${most:-0}" -gt 1 ] && ! grep -q "jobserver unavailable" "$tmp/jobs/err"; then
			ok "make -j4, closefds --keep-jobserver gets --jobserver-auth=$value: the sub-make runs $most parts at once"
		else
			not_ok "make -j4, --keep-jobserver with --jobserver-auth=$value" "status $status, at most ${most:-?} at once" "MAKEFLAGS '$top'" "$(cat "$tmp/jobs/err")"
		fi
	done
	rewrite=
	# --keep-jobserver where make gave no pipe: nothing to keep, so the
	# jobserver is withheld as without the option.
	run_jobs --keep-jobserver "$reuse" "" plain
	what="make -j4, a recipe make gives no pipe, closefds --keep-jobserver, COMMAND opens a file at 3 and 4"
	if [ "$status" -eq 0 ] && [ "$tokens" = "++++" ] && [ "$most" = 1 ] &&
		grep -q "jobserver unavailable" "$tmp/jobs/err"; then
		ok "$what: the sub-make leaves the file alone and runs -j1"
	else
		not_ok "$what" "status $status, file '$tokens' (was '++++'), at most ${most:-?} at once" "MAKEFLAGS '$top'" "$(cat "$tmp/jobs/err")"
	fi
	check_listen "malformed jobserver in MAKEFLAGS" refuse env MAKEFLAGS=" --jobserver-auth=3,x" "$closefds" --keep-jobserver -- echo RAN
	check_listen "MAKEFLAGS without a jobserver: nothing kept, no error" "RAN none" sh -c 'exec 3</dev/null; MAKEFLAGS=-j4 exec "$1" --keep-jobserver -- sh -c "$2"' sh "$closefds" "$probe"
	check_listen "the fifo: jobserver needs no descriptor" "RAN none" sh -c 'exec 3</dev/null; MAKEFLAGS=--jobserver-auth=fifo:/tmp/x exec "$1" --keep-jobserver -- sh -c "$2"' sh "$closefds" "$probe"
else
	skip "make jobserver" "make is not installed"
fi

# --- the new options show in --list -----------------------------------------
exec 5</dev/null 6<"$tmp/Makefile" 7</dev/null
MAKEFLAGS=" -j2 --jobserver-auth=6,7" "$closefds" --keep-jobserver --listen-fd 5:web --list >"$tmp/out" 2>"$tmp/err"
status=$?
exec 5<&- 6<&- 7<&-
if [ "$status" -eq 0 ] && awk -F '\t' '$1 == 3 && $2 == "pass" && $3 == "/dev/null (from 5)" { p = 1 }
	$1 == 5 && $2 == "close" { c = 1 } $1 == 6 && $2 == "keep" { k6 = 1 } $1 == 7 && $2 == "keep" { k7 = 1 }
	END { exit !(p && c && k6 && k7) }' "$tmp/out"; then
	ok "--list shows --listen-fd as pass to 3 and the jobserver pipe as keep"
else
	not_ok "--list with --listen-fd and --keep-jobserver" "status $status" "$(cat "$tmp/out")" "$(cat "$tmp/err")"
fi

# --- --audit reports exactly what --list would close, and closes nothing --
exec 5</dev/null 6<"$tmp/Makefile"
"$closefds" --list | awk -F '\t' 'NR > 1 && $2 == "close" { print $1 }' >"$tmp/would"
"$closefds" --audit -- sh -c 'for fd in 5 6; do [ -e /proc/self/fd/$fd ] && echo open $fd; done' >"$tmp/out" 2>"$tmp/err"
status=$?
sed -n 's/^closefds: audit: would close \([0-9]*\) .*/\1/p' "$tmp/err" >"$tmp/audited"
if [ "$status" -eq 0 ] && grep -qx 5 "$tmp/would" && cmp -s "$tmp/would" "$tmp/audited" &&
	[ "$(cat "$tmp/out")" = "$(printf 'open 5\nopen 6')" ]; then
	ok "--audit: one line per descriptor --list would close ($(tr '\n' ' ' <"$tmp/audited")), all kept open"
else
	not_ok "--audit" "status $status" "list: $(tr '\n' ' ' <"$tmp/would")" "audit: $(cat "$tmp/err")" "child: $(cat "$tmp/out")"
fi

# --- --verify passes normally, refuses a leak ----------------------------
for method in auto close_range proc poll loop; do
	rm -f "$tmp/ran"
	"$closefds" --verify -m "$method" -k 6 -- touch "$tmp/ran" 2>"$tmp/err"
	status=$?
	if [ "$status" -eq 0 ] && [ -e "$tmp/ran" ] && [ ! -s "$tmp/err" ]; then
		ok "--verify [$method]: passes"
	else
		not_ok "--verify [$method]" "status $status" "$(cat "$tmp/err")"
	fi
	rm -f "$tmp/ran"
	CLOSEFDS_TEST_LEAK_FD=5 "$testhooks" --verify -m "$method" -k 6 -- touch "$tmp/ran" 2>"$tmp/err"
	status=$?
	if [ "$status" -eq 125 ] && [ ! -e "$tmp/ran" ] &&
		grep -q "^closefds: --verify: descriptor 5 would leak to COMMAND" "$tmp/err"; then
		ok "--verify [$method]: refuses when descriptor 5 is left open (test hook)"
	else
		not_ok "--verify catches a leak [$method]" "status $status" "$(cat "$tmp/err")"
	fi
done
exec 5<&- 6<&-

# --- a descriptor above a lowered hard limit, without /proc ---------------
# 1000 is opened, then the soft and hard limits go down to 64 (lowering a
# limit leaves open descriptors alone), /proc is unmounted: no FDSize, and
# max(soft, hard) = 64 is no bound.  The scanning methods must still reach
# 1000 (the table size, probed with select, is 1024).
if [ -n "${CLOSEFDS_TEST_VALGRIND:-}" ]; then
	skip "above a lowered hard limit without /proc" "valgrind cannot start without /proc"
elif [ -n "${CLOSEFDS_TEST_EMULATOR:-}" ]; then
	skip "above a lowered hard limit without /proc" "under $CLOSEFDS_TEST_EMULATOR the select probe cannot size a table above 512 slots, and without /proc the bound is the limit"
elif unshare -m sh -c 'umount -l /proc' 2>/dev/null; then
	for method in auto poll loop; do
		unshare -m sh -c 'umount -l /proc && exec "$1" -p 0:1000 -- sh -c "ulimit -n 64 && exec \"\$0\" -m \"\$1\" -- \"\$2\" fds" "$1" "$2" "$3"' \
			sh "$closefds" "$method" "$peer" >"$tmp/out" 2>"$tmp/err"
		status=$?
		if [ "$status" -eq 0 ] && [ "$(cat "$tmp/out")" = "0 1 2" ]; then
			ok "descriptor 1000 above a hard limit lowered to 64, no /proc [$method]: closed"
		else
			not_ok "descriptor 1000 above a lowered hard limit, no /proc [$method]" "status $status, COMMAND has '$(cat "$tmp/out")', expected '0 1 2'" "$(cat "$tmp/err")"
		fi
	done
else
	skip "above a lowered hard limit without /proc" "cannot unmount /proc here"
fi

# --- --verify with a full table ------------------------------------------
# A static closefds fills a table of 64 slots (soft and hard limit 64) with
# copies of 0 and execs a static closefds --verify, which finds no free
# slot for /proc/self/fd: with -k 40 after CLOSE_RANGE_CLOEXEC (auto,
# close_range: the table stays full until execve), and with -k 3-63 under
# every method (nothing is closed).  --verify must check every slot with
# fcntl instead; proc cannot run at all there.  COMMAND is a third static
# closefds, which closes 3-63 and runs sh.
if [ -n "${CLOSEFDS_TEST_EMULATOR:-}" ]; then
	skip "--verify from a full table" "$CLOSEFDS_TEST_EMULATOR needs free descriptors of its own to start a program"
elif [ -n "$static" ]; then
	fill=$(i=3; while [ "$i" -lt 64 ]; do printf -- '-p 0:%d ' "$i"; i=$((i + 1)); done)
	for keep in "-k 40" "-k 3-63"; do
		for method in auto close_range proc poll loop; do
			# shellcheck disable=SC2086,SC3045 # $fill and $keep are lists of words; dash, bash, busybox sh have ulimit -n
			(ulimit -n 64 && exec "$static" $fill -- "$static" --verify -m "$method" $keep -- \
				"$static" -- sh -c 'echo ran') >"$tmp/out" 2>"$tmp/err"
			status=$?
			if [ "$method" = proc ]; then
				if [ "$status" -eq 125 ] && [ ! -s "$tmp/out" ] &&
					[ "$(wc -l <"$tmp/err")" -eq 1 ] &&
					grep -q "^closefds: method 'proc' cannot run here: " "$tmp/err"; then
					ok "--verify $keep from a full table [proc]: proc cannot open /proc/self/fd, 125"
				else
					not_ok "--verify $keep from a full table [proc]: expected a refusal" "status $status, stdout '$(cat "$tmp/out")'" "$(cat "$tmp/err")"
				fi
			elif [ "$status" -eq 0 ] && [ "$(cat "$tmp/out")" = ran ] && [ ! -s "$tmp/err" ]; then
				ok "--verify $keep from a full table [$method]: passes, COMMAND runs"
			else
				not_ok "--verify $keep from a full table [$method]" "status $status, stdout '$(cat "$tmp/out")'" "$(cat "$tmp/err")"
			fi
		done
	done
else
	skip "--verify from a full table" "no static build (sanitizers, or no static libc)"
fi

# --- installed setuid: the variables are removed, not trusted -------------
# A setuid-root copy of closefds run as nobody runs with AT_SECURE, where
# secure_getenv() hides every variable: it must still remove LISTEN_* and
# every jobserver variable that names a descriptor, and keep nothing on
# their word (--listen-fds, --keep-jobserver), since COMMAND, back at
# nobody's ids, reads them all.  -k 3,4 keeps the descriptors the variables
# name, which without AT_SECURE leaves them (the control below).
suid_case() {
	what=$1
	want=$2
	bin=$3
	shift 3
	out=$(setpriv --reuid=65534 --regid=65534 --clear-groups sh -c '
		exec 3</dev/null 4</dev/null
		LISTEN_PID=$$ LISTEN_FDS=2 LISTEN_FDNAMES=a:b LISTEN_PIDFDID=7 \
		MAKEFLAGS=" -j4 --jobserver-auth=3,4" CARGO_MAKEFLAGS="-j4 --jobserver-fds=+3,4x" \
		MFLAGS="-j --jobserver-auth=fifo:/x" exec "$0" "$@"' "$bin" "$@" -- sh -c '
		for fd in 3 4; do [ -e /proc/self/fd/$fd ] && printf "%s " "$fd"; done
		for v in LISTEN_PID LISTEN_FDS LISTEN_FDNAMES LISTEN_PIDFDID MAKEFLAGS CARGO_MAKEFLAGS MFLAGS; do
			eval "[ -n \"\${$v+x}\" ]" && printf "%s " "$v"
		done; echo' 2>&1)
	if [ "$out" = "$want" ]; then
		ok "$what: COMMAND has '$want'"
	else
		not_ok "$what" "COMMAND has '$out', want '$want'"
	fi
}
suid_dir=$tmp/suid
if [ -n "${CLOSEFDS_TEST_VALGRIND:-}" ]; then
	skip "setuid closefds removes the variables" "CLOSEFDS is a script running valgrind, which the kernel does not run setuid"
elif [ -n "${CLOSEFDS_TEST_EMULATOR:-}" ]; then
	skip "setuid closefds removes the variables" "under $CLOSEFDS_TEST_EMULATOR binfmt_misc starts the binary with the caller's ids (no C flag): setuid has no effect"
elif [ "$(id -u)" -ne 0 ] || ! command -v setpriv >/dev/null 2>&1; then
	skip "setuid closefds removes the variables" "needs root (to make a setuid-root copy) and setpriv (util-linux)"
elif ! mkdir "$suid_dir" || ! chmod 755 "$tmp" "$suid_dir" ||
	! cp "$closefds" "$suid_dir/closefds" || ! cp "$peer" "$suid_dir/peer" ||
	! chmod 4755 "$suid_dir/closefds" "$suid_dir/peer"; then
	skip "setuid closefds removes the variables" "cannot make setuid copies in $suid_dir"
elif [ "$(setpriv --reuid=65534 --regid=65534 --clear-groups "$suid_dir/peer" euid 2>&1)" != 0 ]; then
	skip "setuid closefds removes the variables" "setuid has no effect here (nosuid mount or no_new_privs): a setuid-root copy run as nobody has euid '$(setpriv --reuid=65534 --regid=65534 --clear-groups "$suid_dir/peer" euid 2>&1)'"
else
	all="3 4 LISTEN_PID LISTEN_FDS LISTEN_FDNAMES LISTEN_PIDFDID MAKEFLAGS CARGO_MAKEFLAGS MFLAGS "
	suid_case "control: closefds -k 3,4, not setuid, as nobody: all kept" "$all" "$closefds" -k 3,4
	suid_case "setuid-root closefds -k 3,4 run as nobody: the variables go (the fifo: one names no descriptor)" \
		"3 4 MFLAGS " "$suid_dir/closefds" -k 3,4
	suid_case "setuid-root closefds --listen-fds --keep-jobserver run as nobody: nothing kept" \
		"MFLAGS " "$suid_dir/closefds" --listen-fds --keep-jobserver
fi

tap_done
