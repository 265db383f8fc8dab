#!/bin/sh
# systemd.sh: closefds under a real service manager.  Boots Debian 12's
# systemd (252) as PID 1 in systemd-nspawn, from a rootfs made by
# mmdebstrap (built once, cached in /var/cache/closefds-tests, keyed by the
# package list), with this build installed into it by `meson install
# --destdir` and the reporter (tests/lib/fdreport) beside it.  Each unit
# runs closefds in front of the reporter, which writes what the service
# really received (descriptors by identity, LISTEN_*, limits) to /results, a
# directory of the host bound into the container; the host reads the
# reports after the container powered off.  Units: a shell that opens
# descriptors before it execs closefds; StandardInput=socket with Accept=yes;
# Accept=no; two .socket units with FileDescriptorName= feeding one service,
# selected with --listen-fds, -k, --listen-fd and (where closefds has it)
# --listen-fds=NAME; LimitNOFILE=infinity with --nofile=safe; and the units
# of contrib/systemd as installed.  Controls without closefds show that the
# reports see what closefds must close.  TAP output.
#
# Usage: systemd.sh BUILD_ROOT MESON FDREPORT BINDIR
#   BINDIR: the configured, absolute bindir (where the units find closefds)
# Skips (1..0 # SKIP reason) where the container cannot be made or booted,
# unless CLOSEFDS_SYSTEMD_REQUIRED=1 (CI), which makes that a failure.
# CLOSEFDS_TEST_CACHE: the rootfs cache directory (default
# /var/cache/closefds-tests).  CLOSEFDS_SYSTEMD_TIMEOUT: seconds the boot
# may take before timeout(1) stops it (default 300).
set -u
build=$1
meson=$2
fdreport=$3
bindir=$4
closefds=$bindir/closefds
tmp=$(mktemp -d)
machine=closefds-test-$$
trap 'rm -rf "$tmp"' EXIT
# shellcheck source=tests/lib/tap.sh
. "$(dirname "$0")/../lib/tap.sh"

give_up() { # give_up REASON: skip everything, or fail where required
	if [ "${CLOSEFDS_SYSTEMD_REQUIRED:-0}" = 1 ]; then
		not_ok "systemd boots in systemd-nspawn (CLOSEFDS_SYSTEMD_REQUIRED=1)" "$1"
		tap_done
		exit 1
	fi
	echo "1..0 # SKIP $1"
	exit 0
}

[ "$(id -u)" = 0 ] || give_up "systemd-nspawn needs root"
command -v systemd-nspawn >/dev/null 2>&1 || give_up "systemd-nspawn is not installed (package systemd-container)"
[ -n "$meson" ] || give_up "meson is not in PATH (the build is installed into the rootfs with meson install)"

# The rootfs: Debian 12, minbase plus systemd, built once and reused.  The
# key is the mmdebstrap command line, so a changed package list makes a new
# one; a lock keeps two runs from building it at once.
cache=${CLOSEFDS_TEST_CACHE:-/var/cache/closefds-tests}
mmdebstrap_args="--variant=minbase --include=systemd,systemd-sysv,dbus bookworm"
key=$(printf '%s\n' "$mmdebstrap_args" | sha256sum | cut -c 1-16)
tarball=$cache/rootfs-bookworm-systemd-$key.tar
if [ ! -f "$tarball" ]; then
	command -v mmdebstrap >/dev/null 2>&1 || give_up "no cached rootfs ($tarball) and mmdebstrap is not installed"
	mkdir -p "$cache" || give_up "cannot create $cache"
	start=$(date +%s)
	# Twice at most: a mirror may be syncing.  (The temporary name ends in
	# .tar: mmdebstrap picks its output format by the name.)
	partial=$cache/.partial-$$.tar
	# shellcheck disable=SC2086 # mmdebstrap_args is a list of words
	(
		flock 9
		for try in 1 2; do
			[ -f "$tarball" ] && exit 0
			echo "mmdebstrap, try $try"
			mmdebstrap -q $mmdebstrap_args "$partial" </dev/null && mv "$partial" "$tarball"
		done
	) 9>"$cache/.lock" >"$tmp/mmdebstrap.log" 2>&1
	if [ ! -f "$tarball" ]; then
		rm -f "$partial"
		give_up "mmdebstrap $mmdebstrap_args failed: $(tail -n 1 "$tmp/mmdebstrap.log")"
	fi
	echo "# rootfs built with mmdebstrap $mmdebstrap_args in $(($(date +%s) - start)) s: $tarball"
else
	echo "# rootfs from the cache: $tarball"
fi

root=$tmp/$machine
mkdir "$root" "$tmp/results"
tar -C "$root" -xf "$tarball" || give_up "cannot unpack $tarball"
if ! out=$("$meson" install -C "$build" --no-rebuild --destdir "$root" 2>&1); then
	not_ok "meson install --destdir ROOTFS" "$(echo "$out" | tail -n 3 | tr '\n' ' ')"
	tap_done
	exit 1
fi
lib=/usr/local/libexec/closefds-test
R=$lib/fdreport
mkdir -p "$root$lib" "$root/usr/local/bin" "$root/etc/systemd/system/multi-user.target.wants" \
	"$root/etc/systemd/system/sockets.target.wants"
cp "$fdreport" "$root$R"

# The units of contrib/systemd as installed (share/doc/closefds/examples),
# enabled as a user would; their server and daemon are reporters.
installed=$(find "$root" -path "$root/etc" -prune -o \( -name 'closefds-*.service' -o -name 'closefds-*.socket' \) -print)
# shellcheck disable=SC2086 # paths without spaces, one a line
cp $installed "$root/etc/systemd/system/"
printf '#!/bin/sh\nexec %s serve /results/echo\n' "$R" >"$root/usr/local/bin/myserver"
printf '#!/bin/sh\nexec %s report /results/example\n' "$R" >"$root/usr/local/bin/mydaemon"
chmod 0755 "$root/usr/local/bin/myserver" "$root/usr/local/bin/mydaemon"
ln -s ../closefds-example.service "$root/etc/systemd/system/multi-user.target.wants/"
ln -s ../closefds-echo.socket "$root/etc/systemd/system/sockets.target.wants/"

# --listen-fds=NAME comes with issue 16's socket selection by name: asked
# of the closefds just installed (it runs on the host too).
by_name=0
"$root$closefds" --help 2>/dev/null | grep -Eq -- '--listen-fds\[?=NAME' && by_name=1

# unit NAME [SECTION LINES]...: write /etc/systemd/system/NAME.
unit() {
	name=$1
	shift
	printf '%s\n' "$@" >"$root/etc/systemd/system/$name"
}
# service NAME EXECSTART [SERVICE LINES]...: a oneshot test service (the
# driver's `systemctl start` waits for it); its report goes to /results/NAME.
service() {
	name=$1
	exec_start=$2
	shift 2
	unit "$name.service" "[Service]" "Type=oneshot" "ExecStart=$exec_start" "$@"
}
# shell COMMAND...: ExecStart= of a shell that opens 7 and 8 and then execs.
shell() { echo "/bin/sh -c 'exec 7</etc/hostname 8</etc/passwd; exec $*'"; }

# A shell opens descriptors before it execs closefds.
service shell-control "$(shell "$R" report /results/shell-control)"
service shell "$(shell "$closefds" -- "$R" report /results/shell)"
service shell-keep "$(shell "$closefds" -k 7 -- "$R" report /results/shell-keep)"

# Accept=yes: a service per connection.  With StandardInput=socket the
# connection is 0, 1 and 2 (inetd style); without it, 3 with LISTEN_FDS=1.
# accept NAME PORT EXECSTART [SERVICE LINES]...: NAME.socket, NAME@.service.
accept() {
	unit "$1.socket" "[Socket]" "ListenStream=127.0.0.1:$2" "Accept=yes"
	name=$1
	exec_start=$3
	shift 3
	unit "$name@.service" "[Service]" "ExecStart=$exec_start" "$@"
}
accept inetd-control 7201 "$(shell "$R" report /results/inetd-control)" "StandardInput=socket"
accept inetd 7202 "$(shell "$closefds" -- "$R" report /results/inetd)" "StandardInput=socket"
accept accept-control 7203 "$(shell "$R" report /results/accept-control)"
accept accept-listen 7204 "$(shell "$closefds" --listen-fds -- "$R" report /results/accept-listen)"
accept accept-none 7205 "$(shell "$closefds" -- "$R" report /results/accept-none)"

# Accept=no, one socket, shared by services that differ in closefds's
# options (Sockets= may name a socket several services use).
unit single.socket "[Socket]" "ListenStream=127.0.0.1:7301" "FileDescriptorName=web" "Service=single-control.service"
service single-control "$(shell "$R" report /results/single-control)" "Sockets=single.socket"
service single "$(shell "$closefds" --listen-fds -- "$R" report /results/single)" "Sockets=single.socket"
service single-none "$(shell "$closefds" -- "$R" report /results/single-none)" "Sockets=single.socket"

# Two .socket units with names, one service; systemd's order of the two is
# not defined, so the checks go by name.
unit two-a.socket "[Socket]" "ListenStream=127.0.0.1:7401" "FileDescriptorName=alpha" "Service=two-control.service"
unit two-b.socket "[Socket]" "ListenStream=127.0.0.1:7402" "FileDescriptorName=beta" "Service=two-control.service"
two() { service "$1" "$2" "Sockets=two-a.socket two-b.socket"; }
two two-control "$(shell "$R" report /results/two-control)"
two two-listen "$(shell "$closefds" --listen-fds -- "$R" report /results/two-listen)"
two two-keep "$(shell "$closefds" -k 3-4 -- "$R" report /results/two-keep)"
# Today's way to pick one by name: find its number in LISTEN_FDNAMES.  ($$
# is a dollar sign for systemd, which expands $NAME in ExecStart= itself.)
# shellcheck disable=SC2016 # expanded by the service's shell
pick='i=3; IFS=:; for n in $$LISTEN_FDNAMES; do [ $$n = beta ] && break; i=$$((i + 1)); done'
two two-pick "/bin/sh -c '$pick; exec 7</etc/hostname; exec $closefds --listen-fd \$\$i:beta -- $R report /results/two-pick'"
two two-pick-k "/bin/sh -c '$pick; exec 7</etc/hostname; exec $closefds -k \$\$i -- $R report /results/two-pick-k'"
if [ "$by_name" = 1 ]; then
	two two-name "$(shell "$closefds" --listen-fds=beta,alpha -- "$R" report /results/two-name)"
	two two-name-one "$(shell "$closefds" --listen-fds=beta -- "$R" report /results/two-name-one)"
fi

# LimitNOFILE=infinity (systemd sets what the container allows) and
# --nofile=safe.
service nofile-control "$R report /results/nofile-control" "LimitNOFILE=infinity"
service nofile "$closefds --nofile=safe -- $R report /results/nofile" "LimitNOFILE=infinity"

# The driver: after the boot, start each test service (oneshot: start waits
# for it), connect to the Accept=yes sockets and to the shipped echo socket,
# wait for the shipped example service, save the journal, power off.
oneshots="shell-control shell shell-keep single-control single single-none two-control two-listen two-keep two-pick two-pick-k nofile-control nofile"
[ "$by_name" = 1 ] && oneshots="$oneshots two-name two-name-one"
cat >"$root$lib/driver" <<EOT
#!/bin/sh
for s in $oneshots; do
	systemctl start "\$s.service" >/results/\$s.start 2>&1
done
for port in 7201 7202 7203 7204 7205; do
	$R connect \$port >/results/connect-\$port 2>&1
done
$R connect 7777 >/results/echo.client 2>&1
# Type=simple: running or done; wait until it is done (the boot's timeout
# bounds this).
while [ "\$(systemctl show -P ActiveState closefds-example.service)" = active ]; do
	sleep 0.1
done
systemctl show -P Result closefds-example.service >/results/example.result
# The Accept=yes instances end when the connection does: wait for them.
while systemctl list-units --no-legend 'inetd*@*.service' 'accept-*@*.service' | grep -q running; do
	sleep 0.1
done
systemctl --failed --no-legend >/results/failed 2>&1
journalctl -b --no-pager -o short-monotonic >/results/journal 2>&1
systemctl --version >/results/version 2>&1
touch /results/done
systemctl --no-block poweroff
EOT
chmod 0755 "$root$lib/driver"
unit closefds-test-driver.service "[Unit]" "After=multi-user.target" \
	"[Service]" "Type=oneshot" "ExecStart=$lib/driver" "[Install]" "WantedBy=multi-user.target"
ln -s ../closefds-test-driver.service "$root/etc/systemd/system/multi-user.target.wants/"
for s in inetd-control inetd accept-control accept-listen accept-none single two-a two-b; do
	ln -s "../$s.socket" "$root/etc/systemd/system/sockets.target.wants/"
done

# The boot, bounded: a hang fails instead of hanging CI.
limit=${CLOSEFDS_SYSTEMD_TIMEOUT:-300}
start=$(date +%s)
timeout -k 10 "$limit" systemd-nspawn -q --register=no --keep-unit --private-network \
	-M "$machine" -D "$root" --bind="$tmp/results:/results" --boot </dev/null >"$tmp/boot.log" 2>&1
status=$?
echo "# boot to poweroff: $(($(date +%s) - start)) s, systemd-nspawn exit status $status"
if [ ! -f "$tmp/results/done" ]; then
	if [ "$status" -eq 124 ] || [ "$status" -eq 137 ]; then
		not_ok "the container powers off by itself within $limit s" "$(tail -n 5 "$tmp/boot.log" | tr '\n' ' ')"
	elif [ "$(find "$tmp/results" -type f | wc -l)" -eq 0 ] && [ "${CLOSEFDS_SYSTEMD_REQUIRED:-0}" != 1 ]; then
		give_up "systemd-nspawn cannot boot systemd here (exit status $status): $(grep -v '^\s*$' "$tmp/boot.log" | tail -n 1)"
	else
		not_ok "the driver unit ran to the end" "$(tail -n 5 "$tmp/boot.log" | tr '\n' ' ')"
	fi
	tap_done
	exit 1
fi
ok "$(head -n 1 "$tmp/results/version") booted as PID 1 in systemd-nspawn and powered off"

res=$tmp/results
# fds NAME: the descriptor numbers in report NAME, space-separated.
fds() { sed -n 's/^fd \([0-9]*\) .*/\1/p' "$res/$1" 2>/dev/null | tr '\n' ' ' | sed 's/ $//'; }
# envs NAME: its LISTEN_* variables, sorted, space-separated.
envs() { sed -n 's/^env //p' "$res/$1" 2>/dev/null | sort | tr '\n' ' ' | sed 's/ $//'; }
var() { sed -n "s/^env $2=//p" "$res/$1" 2>/dev/null; }
pid() { sed -n 's/^pid //p' "$res/$1" 2>/dev/null; }
# link NAME FD: where the descriptor points; sock NAME FD: "listening=L ADDR".
link() { sed -n "s/^fdid $2 [0-9:]* //p" "$res/$1" 2>/dev/null; }
ident() { sed -n "s/^fdid $2 \([0-9:]*\) .*/\1/p" "$res/$1" 2>/dev/null; }
sock() { sed -n "s/^fdsock $2 //p" "$res/$1" 2>/dev/null; }
nofile() { sed -n 's/^nofile //p' "$res/$1" 2>/dev/null; }
# why NAME: a report and how its unit did, on one line.
why() {
	if [ -f "$res/$1" ]; then
		grep -v '^fd ' "$res/$1" | grep -v '^nofile\|^openmax' | tr '\n' ';'
	else
		how=
		[ -f "$res/$1.start" ] && how=$(tr '\n' ' ' <"$res/$1.start")
		printf 'no report; %s; journal: %s' "$how" \
			"$(grep -e "$1" "$res/journal" | grep -i -e fail -e exited | head -n 3 | tr '\n' ' ')"
	fi
}
# check NAME DESCRIPTION CONDITION...: ok if the condition (a command) holds.
check() {
	name=$1
	what=$2
	shift 2
	if "$@"; then ok "$what"; else not_ok "$what" "$(why "$name")"; fi
}
is() { [ "$1" = "$2" ]; }

# A shell opens 7 and 8 before it execs: the control sees them.
check shell-control "control: the reporter sees 7 and 8 opened by the shell (/etc/hostname, /etc/passwd)" \
	is "$(fds shell-control) $(link shell-control 7) $(link shell-control 8)" "0 1 2 7 8 /etc/hostname /etc/passwd"
check shell "ExecStart=sh -c 'exec 7<... 8<...; exec closefds -- CMD': CMD gets 0, 1, 2" \
	is "$(fds shell)|$(envs shell)" "0 1 2|"
check shell-keep "closefds -k 7: 7 (the same /etc/hostname: dev:ino) kept, 8 closed" \
	is "$(fds shell-keep) $(link shell-keep 7) $(ident shell-keep 7)" "0 1 2 7 /etc/hostname $(ident shell-control 7)"

# Accept=yes, StandardInput=socket.
conn() { # conn NAME FD PORT: FD is the connection on PORT
	[ "$(sock "$1" "$2")" = "listening=0 127.0.0.1:$3" ]
}
inetd() { # inetd NAME PORT FDS: FDS open, 0, 1 and 2 the connection
	is "$(fds "$1")|$(envs "$1")" "$3|" && conn "$1" 0 "$2" &&
		is "$(ident "$1" 1) $(ident "$1" 2)" "$(ident "$1" 0) $(ident "$1" 0)"
}
check inetd-control "control: Accept=yes, StandardInput=socket: the connection on 0, 1 and 2, no LISTEN_*; the shell's 7 and 8" \
	inetd inetd-control 7201 "0 1 2 7 8"
check inetd "Accept=yes, StandardInput=socket, closefds: the connection on 0, 1 and 2; 7 and 8 gone" inetd inetd 7202 "0 1 2"
accepted() { # accepted NAME PORT FDS: FDS open, the connection on 3, LISTEN_* right
	is "$(fds "$1")" "$3" && conn "$1" 3 "$2" &&
		is "$(envs "$1")" "LISTEN_FDNAMES=connection LISTEN_FDS=1 LISTEN_PID=$(pid "$1")"
}
check accept-control "control: Accept=yes: the connection on 3, LISTEN_FDS=1, LISTEN_FDNAMES=connection; the shell's 7 and 8" \
	accepted accept-control 7203 "0 1 2 3 7 8"
check accept-listen "Accept=yes, closefds --listen-fds: the connection on 3 with its LISTEN_*; 7 and 8 gone" \
	accepted accept-listen 7204 "0 1 2 3"
check accept-none "Accept=yes, closefds without --listen-fds: the connection and LISTEN_* gone" \
	is "$(fds accept-none)|$(envs accept-none)" "0 1 2|"

# Accept=no, one named socket.
single() { # single NAME FDS: FDS open, 3 the listening socket, LISTEN_* right
	is "$(fds "$1")" "$2" && is "$(sock "$1" 3)" "listening=1 127.0.0.1:7301" &&
		is "$(envs "$1")" "LISTEN_FDNAMES=web LISTEN_FDS=1 LISTEN_PID=$(pid "$1")"
}
check single-control "control: Accept=no: the listening socket on 3, LISTEN_FDNAMES=web, the shell's 7 and 8" single single-control "0 1 2 3 7 8"
check single "Accept=no, closefds --listen-fds: the socket on 3 and LISTEN_* as systemd set them; 7, 8 gone" single single "0 1 2 3"
check single-none "Accept=no, closefds without --listen-fds: the socket and LISTEN_* gone" \
	is "$(fds single-none)|$(envs single-none)" "0 1 2|"

# Two named sockets.
# port NAME FD: the port of the listening socket on FD.
port() { sock "$1" "$2" | sed -n 's/^listening=1 127\.0\.0\.1:\([0-9]*\)$/\1/p'; }
# ports NAME: "FD=PORT" for each descriptor from 3.
ports() {
	for fd in $(fds "$1"); do
		[ "$fd" -ge 3 ] && printf '%s=%s ' "$fd" "$(port "$1" "$fd")"
	done | sed 's/ $//'
}
# named NAME: "NAME=PORT" for each LISTEN_FDNAMES entry, in order.
named() {
	i=3
	for fdname in $(var "$1" LISTEN_FDNAMES | tr ':' ' '); do
		printf '%s=%s ' "$fdname" "$(port "$1" "$i")"
		i=$((i + 1))
	done | sed 's/ $//'
}
two_both() { # two_both NAME [FDS]: FDS open, 3 and 4 alpha and beta, as named
	is "$(fds "$1")" "${2:-0 1 2 3 4}" && is "$(var "$1" LISTEN_FDS) $(var "$1" LISTEN_PID)" "2 $(pid "$1")" &&
		case $(named "$1") in "alpha=7401 beta=7402" | "beta=7402 alpha=7401") true ;; *) false ;; esac
}
check two-control "control: two .socket units with FileDescriptorName=: 3 and 4 ($(named two-control)), LISTEN_FDS=2; the shell's 7 and 8" \
	two_both two-control "0 1 2 3 4 7 8"
check two-listen "two named sockets, closefds --listen-fds: both, named as systemd named them; 7, 8 gone" two_both two-listen
check two-keep "two named sockets, closefds -k 3-4: both and their LISTEN_*; 7, 8 gone" two_both two-keep
check two-pick "two named sockets, beta picked today (its number from LISTEN_FDNAMES, --listen-fd N:beta): 3 is beta (7402), LISTEN_FDS=1, LISTEN_FDNAMES=beta" \
	is "$(fds two-pick) $(ports two-pick)|$(envs two-pick)" "0 1 2 3 3=7402|LISTEN_FDNAMES=beta LISTEN_FDS=1 LISTEN_PID=$(pid two-pick)"
two_pick_k() {
	last=$(fds two-pick-k | tr ' ' '\n' | tail -n 1)
	is "$(fds two-pick-k | wc -w) $(port two-pick-k "$last")|$(envs two-pick-k)" "4 7402|"
}
check two-pick-k "two named sockets, closefds -k (beta's number): beta alone; LISTEN_* removed (they name the other one too)" two_pick_k
if [ "$by_name" = 1 ]; then
	check two-name "closefds --listen-fds=beta,alpha: 3 is beta (7402), 4 alpha (7401), LISTEN_FDNAMES=beta:alpha" \
		is "$(fds two-name) $(ports two-name)|$(envs two-name)" \
		"0 1 2 3 4 3=7402 4=7401|LISTEN_FDNAMES=beta:alpha LISTEN_FDS=2 LISTEN_PID=$(pid two-name)"
	check two-name-one "closefds --listen-fds=beta: 3 is beta (7402) alone, LISTEN_FDNAMES=beta" \
		is "$(fds two-name-one) $(ports two-name-one)|$(envs two-name-one)" \
		"0 1 2 3 3=7402|LISTEN_FDNAMES=beta LISTEN_FDS=1 LISTEN_PID=$(pid two-name-one)"
else
	skip "closefds --listen-fds=NAME[,NAME...] with two named sockets" "this closefds has no --listen-fds=NAME (not in closefds --help)"
fi

# LimitNOFILE=infinity: systemd sets what it can (the container's hard
# limit); --nofile=safe lowers the soft limit to min(1024, hard).
hard=$(nofile nofile-control | cut -d ' ' -f 2)
safe=$hard
[ -n "$hard" ] && [ "$hard" -gt 1024 ] && safe=1024
check nofile-control "control: LimitNOFILE=infinity gives $(nofile nofile-control)" \
	is "$(nofile nofile-control | cut -d ' ' -f 1)" "$hard"
check nofile "LimitNOFILE=infinity, closefds --nofile=safe: $safe $hard" is "$(nofile nofile)" "$safe $hard"

# contrib/systemd as installed.
example_hard=$hard
[ -n "$hard" ] && [ "$hard" -gt 524288 ] && example_hard=524288
example_safe=$example_hard
[ -n "$example_hard" ] && [ "$example_hard" -gt 1024 ] && example_safe=1024
check example "contrib closefds-example.service as installed: the daemon gets 0, 1, 2 and nofile $example_safe $example_hard; the unit succeeds" \
	is "$(fds example)|$(envs example)|$(nofile example)|$(cat "$res/example.result" 2>/dev/null)" \
	"0 1 2||$example_safe $example_hard|success"
echo_served() {
	is "$(cat "$res/echo.client" 2>/dev/null)" "hello from fdreport" && is "$(fds echo)" "0 1 2 3" &&
		is "$(sock echo 3)" "listening=1 127.0.0.1:7777" &&
		is "$(envs echo)" "LISTEN_FDNAMES=closefds-echo.socket LISTEN_FDS=1 LISTEN_PID=$(pid echo)"
}
check echo "contrib closefds-echo.socket and .service as installed: the server gets the socket on 3 with LISTEN_*, and answers" echo_served

if [ -s "$res/failed" ]; then
	echo "# failed units: $(tr '\n' ' ' <"$res/failed")"
fi
tap_done
