#!/bin/sh
# container.sh: closefds as the entrypoint of a real container (podman with
# runc), in a FROM scratch image built offline from the static closefds and
# the static tests/lib/fdreport.  Checks: the runtime's --preserve-fds
# descriptors are closed and -k keeps one; `podman run IMAGE --list` works
# (ENTRYPOINT without --); with podman run --init; --nofile and --blocking
# as the process inside sees them; socket activation through systemd-socket-activate and podman,
# with and without --listen-fds; podman's default seccomp profile and a
# custom one that makes close_range fail with EPERM.  Also prints (as TAP
# comments) what a close() loop to sysconf(_SC_OPEN_MAX) costs inside, with
# and without --nofile=safe.  TAP output.
#
# Usage: container.sh CLOSEFDS_STATIC FDREPORT_STATIC
# Skips (1..0 # SKIP reason) where podman cannot run a container, unless
# CLOSEFDS_CONTAINER_REQUIRED=1 (CI), which makes that a failure.
# CLOSEFDS_PODMAN_ARGS replaces the detected extra `podman run` arguments.
set -u
closefds=$1
fdreport=$2
tmp=$(mktemp -d)
image=localhost/closefds-container-test:$$
cleanup() {
	podman rmi -f "$image" >/dev/null 2>&1
	rm -rf "$tmp"
}
trap cleanup EXIT
# shellcheck source=tests/lib/tap.sh
. "$(dirname "$0")/../lib/tap.sh"

give_up() { # give_up REASON: skip everything, or fail where required
	if [ "${CLOSEFDS_CONTAINER_REQUIRED:-0}" = 1 ]; then
		not_ok "podman can run a container (CLOSEFDS_CONTAINER_REQUIRED=1)" "$1"
		tap_done
		exit 1
	fi
	echo "1..0 # SKIP $1"
	exit 0
}

command -v podman >/dev/null 2>&1 || give_up "podman is not installed"

# The image: FROM scratch, nothing but the two static programs, so nothing
# is pulled from a registry.
mkdir "$tmp/ctx"
cp "$closefds" "$tmp/ctx/closefds"
cp "$fdreport" "$tmp/ctx/fdreport"
cat >"$tmp/ctx/Containerfile" <<'EOT'
FROM scratch
COPY closefds /usr/bin/closefds
COPY fdreport /fdreport
ENTRYPOINT ["/usr/bin/closefds"]
CMD ["/fdreport", "report"]
EOT
if ! podman build --pull=never -q -t "$image" "$tmp/ctx" >"$tmp/build.out" 2>&1; then
	give_up "podman build of a FROM scratch image failed: $(tail -n 1 "$tmp/build.out")"
fi

# prun ARGS...: podman run with this host's arguments.
prun() {
	# shellcheck disable=SC2086 # podman_args is a list of words
	podman run --rm $podman_args "$@"
}
# What `podman run` needs on this host.  Where the host's hard limits are
# below podman's defaults (as in the VMs here: "error setting rlimit type
# 7"), runc cannot set them: pass the host's hard RLIMIT_NOFILE, and for
# RLIMIT_NPROC the first that works of the host's hard limit and smaller
# ones (here the host's 96365 is refused too, 32768 works).
host_nofile=$("$fdreport" report | sed -n 's/^nofile [0-9]* //p')
host_nproc=$(awk '/^Max processes/ { print $4 }' /proc/self/limits 2>/dev/null)
podman_args=
if [ -n "${CLOSEFDS_PODMAN_ARGS+set}" ]; then
	podman_args=$CLOSEFDS_PODMAN_ARGS
elif ! prun "$image" --list >/dev/null 2>"$tmp/probe.err"; then
	base="--ulimit nofile=$host_nofile:$host_nofile"
	command -v runc >/dev/null 2>&1 && base="--runtime runc $base"
	for nproc in "$host_nproc" 32768 16384 4096 none; do
		case $nproc in
		none) podman_args=$base ;;
		'' | unlimited) continue ;;
		*) podman_args="$base --ulimit nproc=$nproc:$nproc" ;;
		esac
		prun "$image" --list >/dev/null 2>"$tmp/probe.err" && break
	done
fi
if ! prun "$image" --list >"$tmp/out" 2>"$tmp/err"; then
	give_up "podman cannot run a container here (podman run $podman_args): $(tail -n 1 "$tmp/err")"
fi
echo "# podman run $podman_args; host RLIMIT_NOFILE hard $host_nofile"
ok "FROM scratch image built offline; podman runs it"

tab=$(printf '\t')
# fds FILE: the descriptor numbers in a report, space-separated.
fds() { sed -n 's/^fd \([0-9]*\) .*/\1/p' "$1" | tr '\n' ' ' | sed 's/ $//'; }

if [ "$(head -n 1 "$tmp/out")" = "FD${tab}ACTION${tab}WHAT" ] &&
	awk -F '\t' 'NR > 1 && $1 <= 2 && $2 == "keep" { n++ } END { exit n != 3 }' "$tmp/out"; then
	ok "podman run IMAGE --list: closefds lists (ENTRYPOINT without --)"
else
	not_ok "podman run IMAGE --list" "$(cat "$tmp/out" "$tmp/err")"
fi

prun "$image" >"$tmp/out" 2>"$tmp/err"
if [ "$(fds "$tmp/out")" = "0 1 2" ]; then
	ok "podman run IMAGE: the CMD runs through closefds with 0, 1, 2"
else
	not_ok "podman run IMAGE" "$(cat "$tmp/out" "$tmp/err")"
fi

# --preserve-fds: the runtime hands descriptors 3 and 4 into the container.
prun --preserve-fds 2 --entrypoint /fdreport "$image" report 3</dev/null 4</dev/null >"$tmp/out" 2>"$tmp/err"
if [ "$(fds "$tmp/out")" = "0 1 2 3 4" ]; then
	ok "control: without closefds, --preserve-fds 2 passes 3 and 4"
else
	not_ok "control: --preserve-fds without closefds" "$(cat "$tmp/out" "$tmp/err")"
fi
prun --preserve-fds 2 "$image" -v -- /fdreport report 3</dev/null 4</dev/null >"$tmp/out" 2>"$tmp/err"
if [ "$(fds "$tmp/out")" = "0 1 2" ] && grep -q '^closefds: method close_range(CLOSE_RANGE_CLOEXEC) closed 2 descriptors' "$tmp/err"; then
	ok "default seccomp profile: --preserve-fds 3 and 4 closed, by close_range(CLOSE_RANGE_CLOEXEC)"
else
	not_ok "--preserve-fds through closefds" "$(cat "$tmp/out" "$tmp/err")"
fi
prun --preserve-fds 2 "$image" -k 3 -- /fdreport report 3</dev/null 4</dev/null >"$tmp/out" 2>"$tmp/err"
if [ "$(fds "$tmp/out")" = "0 1 2 3" ]; then
	ok "-k 3: 3 kept, 4 closed"
else
	not_ok "-k 3 in the container" "$(cat "$tmp/out" "$tmp/err")"
fi

# With an init (podman run --init: catatonit as PID 1, then closefds, then
# the command): the init stays, closefds still closes what it passes on.
prun --init --preserve-fds 2 "$image" -- /fdreport report 3</dev/null 4</dev/null >"$tmp/out" 2>"$tmp/err"
status=$?
if [ "$status" -eq 0 ] && [ "$(fds "$tmp/out")" = "0 1 2" ]; then
	ok "podman run --init: init, then closefds, then the command with 0, 1, 2"
else
	not_ok "podman run --init" "status $status" "$(cat "$tmp/out" "$tmp/err")"
fi

# A seccomp profile that makes close_range fail with EPERM (errno 1).
cat >"$tmp/seccomp.json" <<'EOT'
{
  "defaultAction": "SCMP_ACT_ALLOW",
  "syscalls": [
    { "names": ["close_range"], "action": "SCMP_ACT_ERRNO", "errnoRet": 1 }
  ]
}
EOT
prun --preserve-fds 2 --security-opt seccomp="$tmp/seccomp.json" "$image" -v -k 3 -- /fdreport report 3</dev/null 4</dev/null >"$tmp/out" 2>"$tmp/err"
if [ "$(fds "$tmp/out")" = "0 1 2 3" ] &&
	grep -q '^closefds: method close_range(CLOSE_RANGE_CLOEXEC) failed: Operation not permitted$' "$tmp/err" &&
	grep -Eq '^closefds: method (proc|poll|loop) closed 1 descriptor in' "$tmp/err"; then
	ok "seccomp profile with close_range EPERM: falls back ($(grep -Eo 'method (proc|poll|loop)' "$tmp/err")), 4 closed, 3 kept"
else
	not_ok "custom seccomp profile" "$(cat "$tmp/out" "$tmp/err")"
fi

# --nofile: what the process inside sees.
prun "$image" >"$tmp/out" 2>"$tmp/err"
before=$(sed -n 's/^nofile //p' "$tmp/out")
hard=${before#* }
safe=$hard
[ "$hard" -gt 1024 ] && safe=1024
prun "$image" --nofile=safe -- /fdreport report >"$tmp/out" 2>"$tmp/err"
if [ "$(sed -n 's/^nofile //p' "$tmp/out")" = "$safe $hard" ] && grep -qx "openmax $safe" "$tmp/out"; then
	ok "--nofile=safe: inside $before becomes $safe $hard"
else
	not_ok "--nofile=safe in the container" "before: $before" "$(cat "$tmp/out" "$tmp/err")"
fi
prun "$image" --nofile=1024:4096 -- /fdreport report >"$tmp/out" 2>"$tmp/err"
if [ "$(sed -n 's/^nofile //p' "$tmp/out")" = "1024 4096" ]; then
	ok "--nofile=1024:4096: inside 1024 4096"
else
	not_ok "--nofile=1024:4096 in the container" "$(cat "$tmp/out" "$tmp/err")"
fi
# Raising the hard limit needs CAP_SYS_RESOURCE, which podman does not give.
prun "$image" --nofile=:$((hard + 1)) -- /fdreport report >"$tmp/out" 2>"$tmp/err"
status=$?
if [ "$status" -eq 125 ] && [ ! -s "$tmp/out" ] && [ "$(wc -l <"$tmp/err")" -eq 1 ] &&
	grep -q "^closefds: cannot set --nofile ':$((hard + 1))'" "$tmp/err"; then
	ok "--nofile=:$((hard + 1)) (raising the hard limit without privilege): 125, one line, nothing run"
else
	not_ok "--nofile raising the hard limit" "status $status" "$(cat "$tmp/out" "$tmp/err")"
fi
# What it is for: a close() loop to sysconf(_SC_OPEN_MAX), median of 21.
prun "$image" -- /fdreport closeloop 21 >"$tmp/loop0" 2>&1
prun "$image" --nofile=safe -- /fdreport closeloop 21 >"$tmp/loop1" 2>&1
echo "# without --nofile: $(cat "$tmp/loop0")"
echo "# --nofile=safe:    $(cat "$tmp/loop1")"
if grep -q "^closeloop openmax $hard median_us" "$tmp/loop0" && grep -q "^closeloop openmax $safe median_us" "$tmp/loop1"; then
	ok "close() loop to sysconf(_SC_OPEN_MAX) measured at $hard and $safe slots"
else
	not_ok "close() loop measurement" "$(cat "$tmp/loop0" "$tmp/loop1")"
fi

# --blocking: stdin (a pipe with -i) and stdout made non-blocking inside.
printf 'x\n' | prun -i --entrypoint /fdreport "$image" nonblock 0 1 -- /usr/bin/closefds -- /fdreport report >"$tmp/out" 2>"$tmp/err"
if grep -q '^fd 0 nonblock=1 ' "$tmp/out" && grep -q '^fd 1 nonblock=1 ' "$tmp/out"; then
	ok "control: without --blocking, O_NONBLOCK on 0 and 1 reaches the command"
else
	not_ok "control: O_NONBLOCK without --blocking" "$(cat "$tmp/out" "$tmp/err")"
fi
printf 'x\n' | prun -i --entrypoint /fdreport "$image" nonblock 0 1 -- /usr/bin/closefds --blocking -- /fdreport report >"$tmp/out" 2>"$tmp/err"
if grep -q '^fd 0 nonblock=0 ' "$tmp/out" && grep -q '^fd 1 nonblock=0 ' "$tmp/out"; then
	ok "--blocking: O_NONBLOCK cleared on a non-blocking stdin and stdout"
else
	not_ok "--blocking in the container" "$(cat "$tmp/out" "$tmp/err")"
fi

# Socket activation: systemd-socket-activate listens and execs podman on the
# first connection; podman passes the socket (LISTEN_FDS=1, LISTEN_PID=1).
if command -v systemd-socket-activate >/dev/null 2>&1; then
	port=$((20000 + $$ % 20000))
	# activate ARGS...: serve ARGS behind a socket on a free port ($port);
	# connect once; the client's output in $tmp/client, the container's
	# stdout and stderr in $tmp/sa.out and $tmp/sa.err.
	activate() {
		tries=0
		while :; do
			port=$((port + 1))
			: >"$tmp/sa.err"
			# shellcheck disable=SC2086 # podman_args is a list of words
			systemd-socket-activate -l "127.0.0.1:$port" podman run --rm $podman_args "$@" \
				>"$tmp/sa.out" 2>"$tmp/sa.err" &
			sa_pid=$!
			# Wait (not a timing assertion) until it listens or gives up.
			while ! grep -q '^Listening on' "$tmp/sa.err" && kill -0 "$sa_pid" 2>/dev/null; do
				sleep 0.05
			done
			grep -q '^Listening on' "$tmp/sa.err" && break
			wait "$sa_pid"
			tries=$((tries + 1))
			[ "$tries" -lt 5 ] || return 1
		done
		"$fdreport" connect "$port" >"$tmp/client" 2>&1
		wait "$sa_pid"
	}
	activate "$image" --listen-fds -- /fdreport serve
	if [ "$(cat "$tmp/client")" = "hello from fdreport" ]; then
		ok "socket activation, --listen-fds: the server accepts on the passed socket"
	else
		not_ok "socket activation with --listen-fds" "client: $(cat "$tmp/client")" "$(cat "$tmp/sa.out" "$tmp/sa.err")"
	fi
	activate "$image" --listen-fds -- /fdreport report
	if grep -q '^fd 3 .* socket$' "$tmp/sa.out" && grep -qx 'env LISTEN_FDS=1' "$tmp/sa.out" &&
		grep -qx 'env LISTEN_PID=1' "$tmp/sa.out"; then
		ok "socket activation, --listen-fds: socket on 3, LISTEN_FDS=1, LISTEN_PID=1"
	else
		not_ok "socket activation with --listen-fds: report" "$(cat "$tmp/sa.out" "$tmp/sa.err")"
	fi
	activate "$image" -- /fdreport report
	if [ "$(fds "$tmp/sa.out")" = "0 1 2" ] && ! grep -q '^env LISTEN_' "$tmp/sa.out"; then
		ok "socket activation without --listen-fds: no socket and no LISTEN_* variables"
	else
		not_ok "socket activation without --listen-fds: no socket and no LISTEN_* variables" \
			"descriptors: $(fds "$tmp/sa.out")" "variables: $(grep '^env' "$tmp/sa.out" | tr '\n' ' ')"
	fi
else
	skip "socket activation" "systemd-socket-activate is not installed"
fi

tap_done
