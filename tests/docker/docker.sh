#!/bin/sh
# docker.sh: closefds as the entrypoint of a Docker container.  Starts its
# own containerd and dockerd (Debian's docker.io 20.10) with every path
# under a temporary directory, builds contrib/container/Containerfile.scratch
# as shipped, offline (DOCKER_BUILDKIT=0, FROM scratch) from the static
# closefds and the static tests/lib/fdreport standing in for the server, and
# checks what the server gets: `docker run IMAGE` (the ENTRYPOINT and CMD as
# shipped) and `docker run IMAGE --list`; descriptors handed on inside the
# container (a plain one and an O_PATH one) closed, and -k keeping one;
# `docker run --init` (tini as docker-init, then closefds); `--ulimit
# nofile=...` with --nofile=safe; Docker's default seccomp profile and a
# custom one that makes close_range fail with EPERM; what `docker run`
# itself passes (-i with a pipe, -t).  Stops both daemons by the pids it
# started, always.  TAP output.
#
# Usage: docker.sh CLOSEFDS_STATIC FDREPORT_STATIC SOURCE_ROOT
# Skips (1..0 # SKIP reason) only where the daemons cannot start or run a
# container, unless CLOSEFDS_DOCKER_REQUIRED=1 (CI), which makes that a
# failure.
set -u
closefds=$1
fdreport=$2
source_root=$3
# Short: dockerd's and containerd's sockets live under it (108 bytes at
# most for a socket path).
dir=$(mktemp -d /tmp/closefds-docker.XXXXXX)
containerd_pid=
dockerd_pid=
# stop PID: TERM, then KILL if it is still there after about 20 s.
stop() {
	[ -n "$1" ] || return 0
	kill "$1" 2>/dev/null
	tries=0
	while kill -0 "$1" 2>/dev/null && [ "$tries" -lt 200 ]; do
		sleep 0.1
		tries=$((tries + 1))
	done
	kill -9 "$1" 2>/dev/null
	wait "$1" 2>/dev/null
}
cleanup() {
	stop "$dockerd_pid"
	stop "$containerd_pid"
	# Whatever a killed daemon left mounted under the directory.
	awk -v d="$dir/" 'index($2, d) == 1 { print $2 }' /proc/mounts | sort -r | while read -r m; do
		umount -l "$m"
	done
	rm -rf "$dir"
}
trap cleanup EXIT
trap 'exit 1' INT TERM
# shellcheck source=tests/lib/tap.sh
. "$(dirname "$0")/../lib/tap.sh"

give_up() { # give_up REASON: skip everything, or fail where required
	if [ "${CLOSEFDS_DOCKER_REQUIRED:-0}" = 1 ]; then
		not_ok "dockerd runs a container (CLOSEFDS_DOCKER_REQUIRED=1)" "$1"
		tap_done
		exit 1
	fi
	echo "1..0 # SKIP $1"
	exit 0
}

[ "$(id -u)" = 0 ] || give_up "dockerd needs root"
for prog in containerd dockerd; do
	command -v "$prog" >/dev/null 2>&1 || give_up "$prog is not installed (package docker.io)"
done
# Debian's client, of the same release as its dockerd, where there is one.
docker_cli=/usr/bin/docker
[ -x "$docker_cli" ] || docker_cli=$(command -v docker) || give_up "the docker client is not installed"
export DOCKER_CONFIG="$dir/config" DOCKER_BUILDKIT=0
docker() { "$docker_cli" -H "unix://$dir/docker.sock" "$@"; }

# wait_for PID WHAT COMMAND...: until COMMAND succeeds, while PID lives
# (about 60 s at most: a bound on a start, not a timing assertion).
wait_for() {
	pid=$1
	what=$2
	shift 2
	tries=0
	until "$@" >/dev/null 2>&1; do
		kill -0 "$pid" 2>/dev/null || return 1
		tries=$((tries + 1))
		[ "$tries" -lt 600 ] || return 1
		sleep 0.1
	done
	echo "# $what ready"
}

start=$(date +%s)
containerd --address "$dir/containerd.sock" --root "$dir/containerd-root" --state "$dir/containerd-state" \
	</dev/null >"$dir/containerd.log" 2>&1 &
containerd_pid=$!
wait_for "$containerd_pid" "containerd (pid $containerd_pid)" test -S "$dir/containerd.sock" ||
	give_up "containerd does not start: $(tail -n 1 "$dir/containerd.log")"
echo '{}' >"$dir/daemon.json"
dockerd --config-file "$dir/daemon.json" --containerd "$dir/containerd.sock" \
	--data-root "$dir/data" --exec-root "$dir/exec" --pidfile "$dir/dockerd.pid" \
	-H "unix://$dir/docker.sock" --iptables=false --ip6tables=false --bridge=none \
	</dev/null >"$dir/dockerd.log" 2>&1 &
dockerd_pid=$!
wait_for "$dockerd_pid" "dockerd (pid $dockerd_pid)" docker version ||
	give_up "dockerd does not start: $(tail -n 1 "$dir/dockerd.log")"
echo "# daemons up in $(($(date +%s) - start)) s: $(docker version --format 'client {{.Client.Version}}, server {{.Server.Version}}' 2>&1)"

# The image: contrib/container/Containerfile.scratch as shipped; the
# reporter stands in for the server (with no arguments it reports).
mkdir "$dir/ctx"
cp "$closefds" "$dir/ctx/closefds-x86_64"
cp "$fdreport" "$dir/ctx/myserver"
cp "$source_root/contrib/container/Containerfile.scratch" "$dir/ctx/"
image=closefds-docker-test:$$
if ! docker build -q -t "$image" -f "$dir/ctx/Containerfile.scratch" "$dir/ctx" >"$dir/build.out" 2>&1; then
	give_up "docker build of contrib/container/Containerfile.scratch failed: $(tail -n 1 "$dir/build.out")"
fi
# drun ARGS...: docker run, no network, removed afterwards.
drun() { docker run --rm --network none "$@"; }
# Whether docker can run a container at all: asked of the reporter, so that
# a closefds that fails is a failure below, not a skip.
if ! drun --entrypoint /myserver "$image" >"$dir/out" 2>"$dir/err"; then
	give_up "docker cannot run a container here: $(tail -n 1 "$dir/err")"
fi
ok "contrib/container/Containerfile.scratch built offline (FROM scratch, DOCKER_BUILDKIT=0); docker runs it"

tab=$(printf '\t')
# fds FILE: the descriptor numbers in a report, space-separated.
fds() { sed -n 's/^fd \([0-9]*\) .*/\1/p' "$1" | tr '\n' ' ' | sed 's/ $//'; }
nofile() { sed -n 's/^nofile //p' "$1"; }
# why: the last run's report and stderr on one line.
why() { cat "$dir/out" "$dir/err" | grep -v '^fdid' | tr '\n' ';'; }
# check DESCRIPTION CONDITION...: ok if the condition (a command) holds.
check() {
	what=$1
	shift
	if "$@"; then ok "$what"; else not_ok "$what" "$(why)"; fi
}
is() { [ "$1" = "$2" ]; }
# What `docker run` itself passes, to the entrypoint directly.
drun --entrypoint /myserver "$image" >"$dir/out" 2>"$dir/err"
echo "# docker run passes the entrypoint: $(fds "$dir/out" | sed 's/ /, /g') ($(grep '^fd ' "$dir/out" | cut -d ' ' -f 2,5 | tr '\n' ' '))"
passed=$(fds "$dir/out")
hard=$(nofile "$dir/out" | cut -d ' ' -f 2)
safe=$hard
[ -n "$hard" ] && [ "$hard" -gt 1024 ] && safe=1024

drun "$image" --list >"$dir/out" 2>"$dir/err"
list_ok() {
	[ "$(head -n 1 "$dir/out")" = "FD${tab}ACTION${tab}WHAT" ] &&
		awk -F '\t' 'NR > 1 && $1 <= 2 && $2 == "keep" { n++ } END { exit n != 3 }' "$dir/out"
}
check "docker run IMAGE --list: closefds lists (ENTRYPOINT without --, as shipped)" list_ok

drun "$image" >"$dir/out" 2>"$dir/err"
check "docker run IMAGE: ENTRYPOINT and CMD as shipped: the server gets 0, 1, 2, is PID 1, nofile $safe $hard (--nofile=safe)" \
	is "$(fds "$dir/out")|$(sed -n 's/^pid //p' "$dir/out")|$(nofile "$dir/out")" "0 1 2|1|$safe $hard"

# Descriptors handed on inside the container: 7 a directory, 9 an O_PATH.
drun --entrypoint /myserver "$image" hold 7 9p -- /myserver report >"$dir/out" 2>"$dir/err"
check "control: descriptors handed on (7, and 9 O_PATH) reach a command without closefds" \
	is "$(fds "$dir/out")" "0 1 2 7 9"
drun --entrypoint /myserver "$image" hold 7 -- /usr/bin/closefds -v -- /myserver report >"$dir/out" 2>"$dir/err"
check "default seccomp profile: 7 closed by close_range(CLOSE_RANGE_CLOEXEC)" \
	is "$(fds "$dir/out")|$(grep -c '^closefds: method close_range(CLOSE_RANGE_CLOEXEC) closed 1 descriptor ' "$dir/err")" "0 1 2|1"
drun --entrypoint /myserver "$image" hold 7 9p -- /usr/bin/closefds -- /myserver report >"$dir/out" 2>"$dir/err"
check "default seccomp profile: 7 and the O_PATH 9 closed" is "$(fds "$dir/out")" "0 1 2"
drun --entrypoint /myserver "$image" hold 7 9 -- /usr/bin/closefds -k 9 -- /myserver report >"$dir/out" 2>"$dir/err"
check "-k 9: 9 kept, 7 closed" is "$(fds "$dir/out")" "0 1 2 9"

# A seccomp profile that makes close_range fail with EPERM (errno 1).
cat >"$dir/seccomp.json" <<'EOT'
{
  "defaultAction": "SCMP_ACT_ALLOW",
  "syscalls": [
    { "names": ["close_range"], "action": "SCMP_ACT_ERRNO", "errnoRet": 1 }
  ]
}
EOT
seccomp="--security-opt seccomp=$dir/seccomp.json"
# shellcheck disable=SC2086 # seccomp is two words
drun $seccomp --entrypoint /myserver "$image" hold 7 9 -- /usr/bin/closefds -v -k 9 -- /myserver report >"$dir/out" 2>"$dir/err"
fallback_ok() {
	is "$(fds "$dir/out")" "0 1 2 9" &&
		grep -q '^closefds: method close_range(CLOSE_RANGE_CLOEXEC) failed: Operation not permitted$' "$dir/err" &&
		grep -Eq '^closefds: method (proc|poll|loop) closed 1 descriptors?( |$)' "$dir/err"
}
check "seccomp profile with close_range EPERM: falls back ($(grep -Eo 'method (proc|poll|loop)' "$dir/err")), 7 closed, 9 kept" fallback_ok
# shellcheck disable=SC2086
drun $seccomp --entrypoint /myserver "$image" hold 7 9p -- /usr/bin/closefds -- /myserver report >"$dir/out" 2>"$dir/err"
check \
	"seccomp profile with close_range EPERM: 7 and the O_PATH 9 closed" is "$(fds "$dir/out")" "0 1 2"
# shellcheck disable=SC2086
drun $seccomp "$image" >"$dir/out" 2>"$dir/err"
check "seccomp profile with close_range EPERM: ENTRYPOINT and CMD as shipped: 0, 1, 2, nofile $safe $hard" \
	is "$(fds "$dir/out")|$(nofile "$dir/out")" "0 1 2|$safe $hard"

# docker run --init: tini (docker-init) is PID 1 and starts the entrypoint.
drun --init --entrypoint /myserver "$image" >"$dir/out" 2>"$dir/err"
echo "# docker run --init: the init passes the entrypoint $(fds "$dir/out" | sed 's/ /, /g')"
init_passed=$(fds "$dir/out")
drun --init "$image" >"$dir/out" 2>"$dir/err"
pid=$(sed -n 's/^pid //p' "$dir/out")
init_ok() { [ "$(fds "$dir/out")" = "0 1 2" ] && [ -n "$pid" ] && [ "$pid" != 1 ]; }
check "docker run --init: tini, then closefds, then the server with 0, 1, 2 (not PID 1: pid $pid)" init_ok
drun --init --entrypoint /myserver "$image" hold 7 9p -- /usr/bin/closefds -- /myserver report >"$dir/out" 2>"$dir/err"
check "docker run --init: what comes after the init, closed (7, O_PATH 9)" is "$(fds "$dir/out")" "0 1 2"

# --ulimit nofile=...: what the runtime sets, then --nofile=safe.
drun --ulimit "nofile=$hard:$hard" "$image" -- /myserver report >"$dir/out" 2>"$dir/err"
check "--ulimit nofile=$hard:$hard: without --nofile the server gets $hard $hard" is "$(nofile "$dir/out")" "$hard $hard"
drun --ulimit "nofile=$hard:$hard" "$image" --nofile=safe -- /myserver report >"$dir/out" 2>"$dir/err"
check "--ulimit nofile=$hard:$hard, --nofile=safe: $safe $hard" is "$(nofile "$dir/out")" "$safe $hard"
drun --ulimit nofile=512:4096 "$image" --nofile=safe -- /myserver report >"$dir/out" 2>"$dir/err"
check "--ulimit nofile=512:4096, --nofile=safe: 1024 4096 (systemd's min(1024, hard))" is "$(nofile "$dir/out")" "1024 4096"
drun --ulimit nofile=512:4096 "$image" --nofile=:$((4096 + 1)) -- /myserver report >"$dir/out" 2>"$dir/err"
status=$?
check "--ulimit nofile=512:4096, --nofile=:4097 (no CAP_SYS_RESOURCE in the container): 125, one line, nothing run" \
	is "$status|$(wc -l <"$dir/err")|$(wc -c <"$dir/out")|$(grep -c "^closefds: cannot set --nofile ':4097'" "$dir/err")" "125|1|0|1"

# What docker run passes: stdin a pipe with -i, a terminal with -t.
printf 'x\n' | drun -i "$image" -- /myserver report >"$dir/out" 2>"$dir/err"
check "docker run -i with a pipe: the pipe stays stdin (fifo on 0), 0, 1, 2 only" \
	is "$(fds "$dir/out")|$(sed -n 's/^fd 0 .* \([a-z]*\)$/\1/p' "$dir/out")" "0 1 2|fifo"
drun -t "$image" -- /myserver report 2>"$dir/err" | tr -d '\r' >"$dir/out"
check "docker run -t: the terminal on 0, 1, 2 (chardev), nothing else" \
	is "$(fds "$dir/out")|$(grep -c '^fd [012] .* chardev$' "$dir/out")" "0 1 2|3"
echo "# (without closefds, docker run passed: $passed; with --init: $init_passed)"

tap_done
