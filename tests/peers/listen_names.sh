#!/bin/sh
# listen_names.sh: --listen-fds=NAME with the real systemd-socket-activate:
# two listening sockets named web and admin (3 and 4), closefds keeps admin
# only, as descriptor 3, and the server answers on the admin port with the
# LISTEN_* it sees.  timeout(1) bounds the server: if 3 were the web
# socket it would wait on it for ever.  TAP output.
# Usage: listen_names.sh CLOSEFDS PEER
set -u
closefds=$1
peer=$2
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
# shellcheck source=tests/lib/tap.sh
. "$(dirname "$0")/../lib/tap.sh"

if ! command -v systemd-socket-activate >/dev/null 2>&1 || ! command -v timeout >/dev/null 2>&1; then
	skip "systemd-socket-activate --fdname=web:admin, --listen-fds=admin" "systemd-socket-activate or timeout is not installed (Debian packages systemd, coreutils)"
	skip "systemd-socket-activate --fdname=web:admin, --listen-fds=admin,web" "systemd-socket-activate or timeout is not installed"
	tap_done
	exit
fi

# run_case NAMES WANT: the answer on the admin port must be WANT.
run_case() {
	names=$1
	want=$2
	answer=""
	for attempt in 1 2 3 4 5; do
		web=$(( (($$ * 7 + attempt * 7919) % 30000) + 20000 ))
		admin=$((web + 1))
		timeout 60 systemd-socket-activate -l "127.0.0.1:$web" -l "127.0.0.1:$admin" --fdname=web:admin \
			"$closefds" --listen-fds="$names" -- "$peer" server >"$tmp/out" 2>"$tmp/err" &
		pid=$!
		answer=$(timeout 60 "$peer" client "$admin" 2>/dev/null)
		wait "$pid"
		status=$?
		grep -q "Address already in use" "$tmp/err" || break
	done
	if [ "$answer" = "$want" ] && [ "$status" -eq 0 ]; then
		ok "systemd-socket-activate --fdname=web:admin, --listen-fds=$names: the admin socket at 3 ($want)"
	else
		not_ok "systemd-socket-activate, --listen-fds=$names" "answer '$answer', status $status (124: timed out)" "$(cat "$tmp/err")"
	fi
}
run_case admin "hello LISTEN_FDS=1 LISTEN_PID=ok LISTEN_FDNAMES=admin"
run_case admin,web "hello LISTEN_FDS=2 LISTEN_PID=ok LISTEN_FDNAMES=admin:web"

tap_done
