#!/bin/sh
# contrib.sh: what contrib/ ships is checked: shell files by shellcheck and
# each shell's own syntax check, unit files by systemd-analyze verify, the
# bash completion by completing for real.  Skips with a message what is not
# installed.  TAP output.
# Usage: contrib.sh CLOSEFDS SOURCE_ROOT BUILD_ROOT MESON BINDIR
# (CLOSEFDS: unused since the units are checked as installed)
# (MESON empty when meson is not in PATH; BINDIR the configured, absolute
# bindir)
set -u
contrib=$2/contrib
build=$3
meson=$4
bindir=$5
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
# shellcheck source=tests/lib/tap.sh
. "$(dirname "$0")/../lib/tap.sh"
check() { # check NAME TOOL ARGS...: ok if the command succeeds
	what=$1
	tool=$2
	shift 2
	if ! command -v "$tool" >/dev/null 2>&1; then
		skip "$what" "$tool is not installed"
	elif out=$("$tool" "$@" 2>&1); then
		ok "$what"
	else
		not_ok "$what" "$out"
	fi
}

check "bash completion: shellcheck" shellcheck -s bash "$contrib/completions/closefds.bash"
check "release.sh: shellcheck" shellcheck "$contrib/release.sh"
check "release.sh: sh -n" sh -n "$contrib/release.sh"
for script in release-check.sh deb.sh package-check.sh; do
	check "$script: shellcheck" shellcheck "$contrib/$script"
	check "$script: sh -n" sh -n "$contrib/$script"
done
check "bash completion: bash -n" bash -n "$contrib/completions/closefds.bash"
check "zsh completion: zsh -n" zsh -n "$contrib/completions/_closefds"
check "fish completion: fish -n" fish -n "$contrib/completions/closefds.fish"

# Complete for real: the methods after -m, the options after a dash.
if command -v bash >/dev/null 2>&1; then
	# shellcheck disable=SC2016 # the inner bash expands them
	methods=$(bash -c '. "$1"; COMP_WORDS=(closefds -m ""); COMP_CWORD=2; _closefds; echo "${COMPREPLY[*]}"' bash "$contrib/completions/closefds.bash")
	# shellcheck disable=SC2016
	opts=$(bash -c '. "$1"; COMP_WORDS=(closefds --li); COMP_CWORD=1; _closefds; echo "${COMPREPLY[*]}"' bash "$contrib/completions/closefds.bash")
	if [ "$methods" = "auto close_range proc poll loop" ] && [ "$opts" = "--list --listen-fds --listen-fds= --listen-fd=" ]; then
		ok "bash completion completes methods and options"
	else
		not_ok "bash completion" "after -m: '$methods'" "after --li: '$opts'"
	fi
fi

# The unit files as `meson install` installs them (here into a DESTDIR, with
# this build's prefix, /usr/local by default): verify, with that DESTDIR as
# its root, checks that the programs they name exist there and are
# executable, so a unit naming /usr/bin/closefds fails where closefds went
# to /usr/local/bin.  The server and daemon the examples start are the
# user's: stand-ins take their place.
if [ -z "$meson" ]; then
	skip "installed systemd units: systemd-analyze verify" "meson is not in PATH"
elif ! command -v systemd-analyze >/dev/null 2>&1 || ! systemd-analyze --version >/dev/null 2>&1 ||
	[ ! -d /lib/systemd/system ]; then
	skip "installed systemd units: systemd-analyze verify" "systemd-analyze is not available"
elif ! out=$("$meson" install -C "$build" --no-rebuild --destdir "$tmp/root" 2>&1); then
	not_ok "meson install --destdir" "$(echo "$out" | tail -n 3 | tr '\n' ' ')"
else
	# Enabled by hand, as a user would: copied as they are into the root's
	# /etc/systemd/system (verify --root loads units from the root's unit
	# directories; a path elsewhere is "not found").
	installed=$(find "$tmp/root" -name 'closefds-*.service' -o -name 'closefds-*.socket')
	mkdir -p "$tmp/root/etc/systemd/system"
	# shellcheck disable=SC2086 # paths without spaces, one a line
	cp $installed "$tmp/root/etc/systemd/system/"
	units=$(cd "$tmp/root/etc/systemd/system" && ls)
	# verify --root finds sysinit.target and the like only under the root.
	mkdir -p "$tmp/root/lib/systemd"
	cp -R /lib/systemd/system "$tmp/root/lib/systemd/"
	mkdir -p "$tmp/root/usr/local/bin"
	for prog in myserver mydaemon; do
		printf '#!/bin/sh\nexit 0\n' >"$tmp/root/usr/local/bin/$prog"
		chmod 0755 "$tmp/root/usr/local/bin/$prog"
	done
	# shellcheck disable=SC2086 # units: paths without spaces, one a line
	if [ "$(echo "$units" | wc -w)" -ne 3 ]; then
		not_ok "installed systemd units: three found" "$units"
	elif ! [ -x "$tmp/root$bindir/closefds" ]; then
		not_ok "meson install put closefds in $bindir" "$(find "$tmp/root" -name closefds -type f)"
	elif [ "$(cd "$tmp/root/etc/systemd/system" && grep -l "^ExecStart=$bindir/closefds " $units | wc -l)" -ne 2 ]; then
		not_ok "both installed services start $bindir/closefds" "$(grep -h "^ExecStart=" "$tmp/root/etc/systemd/system/"* | tr "\n" " ")"
	elif out=$(systemd-analyze verify --root="$tmp/root" $units 2>&1); then
		ok "installed systemd units name $bindir/closefds: systemd-analyze verify --root=DESTDIR"
	else
		not_ok "installed systemd units: systemd-analyze verify --root=DESTDIR" "$(echo "$out" | tr '\n' ' ')"
	fi
fi
# ENTRYPOINT without "--", so that `podman run IMAGE --list` reaches
# closefds; CMD with the server (tests/container runs such an image).
for file in Containerfile Containerfile.scratch; do
	if grep -q '^ENTRYPOINT \["/usr/bin/closefds"\]$' "$contrib/container/$file" &&
		grep -q '^CMD \[.*"/[^"]*myserver"' "$contrib/container/$file"; then
		ok "$file: closefds is the ENTRYPOINT in exec form without --, CMD the server"
	else
		not_ok "$file: ENTRYPOINT in exec form without --, CMD the server"
	fi
done

tap_done
