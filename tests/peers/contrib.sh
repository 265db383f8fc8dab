#!/bin/sh
# contrib.sh: what contrib/ ships is checked: shell files by shellcheck and
# each shell's own syntax check, unit files by systemd-analyze verify, the
# bash completion by completing for real.  Skips with a message what is not
# installed.  TAP output.
# Usage: contrib.sh CLOSEFDS SOURCE_ROOT
set -u
closefds=$1
contrib=$2/contrib
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

# The unit files, with the paths of this build: verify checks that the
# programs exist and are executable.
if command -v systemd-analyze >/dev/null 2>&1 && systemd-analyze --version >/dev/null 2>&1; then
	for unit in closefds-example.service closefds-echo.socket closefds-echo.service; do
		sed -e "s#/usr/bin/closefds#$closefds#" -e "s#/usr/local/bin/[a-z]*#/bin/cat#" \
			"$contrib/systemd/$unit" >"$tmp/$unit"
	done
	if out=$(cd "$tmp" && systemd-analyze verify closefds-example.service closefds-echo.socket closefds-echo.service 2>&1); then
		ok "systemd units: systemd-analyze verify"
	else
		not_ok "systemd units: systemd-analyze verify" "$out"
	fi
else
	skip "systemd units: systemd-analyze verify" "systemd-analyze is not available"
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
