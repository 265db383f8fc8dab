#!/bin/sh
# completions.sh: the bash, fish and zsh completions complete for real:
# option names (no space after "--keep-fd="), option values after '=' and
# as the next word, COMMAND after "--", and after COMMAND its own
# completions rather than closefds's options.  Each shell that is not
# installed is skipped with the reason.  TAP output.
# Usage: completions.sh SOURCE_ROOT [BUILD_ROOT]
# shellcheck disable=SC2016 # single-quoted scripts are for the inner shells
set -u
completions=$1/contrib/completions
build=${2:-}
here=$(dirname "$0")
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
# shellcheck source=tests/lib/tap.sh
. "$here/../lib/tap.sh"

# expect NAME GOT WANT: GOT (words) must be WANT.
expect() {
	if [ "$2" = "$3" ]; then ok "$1: $3"; else not_ok "$1" "got '$2'" "want '$3'"; fi
}
# has NAME GOT WORD [NOT]: GOT must hold WORD (and not NOT).
has() {
	case " $2 " in
	*" $3 "*)
		case " $2 " in
		*" ${4:-}$([ -n "${4:-}" ] || echo '<none>') "*) not_ok "$1" "got '$2', which holds '$4'" ;;
		*) ok "$1: has '$3'${4:+, not '$4'}" ;;
		esac
		;;
	*) not_ok "$1" "got '$2', no '$3'" ;;
	esac
}

# --- bash: COMP_WORDS as bash splits them ('=' is a word break) -------------
# bcomp [bash-completion] WORDS...: the replies (sorted, one line), and
# "nospace" if the function asked for it.
bcomp() {
	preload=
	if [ "$1" = "--with-bash-completion" ]; then preload=/usr/share/bash-completion/bash_completion; shift; fi
	bash -c '
		[ -n "$1" ] && . "$1"
		. "$2"
		nospace_file=$3
		compopt() { [ "$*" = "-o nospace" ] && echo nospace >"$nospace_file"; }
		shift 3
		COMP_WORDS=("$@"); COMP_CWORD=$(($# - 1))
		COMP_LINE="$*"; COMP_POINT=${#COMP_LINE}
		_closefds
		printf "%s\n" "${COMPREPLY[@]}"' bash "$preload" "$completions/closefds.bash" "$tmp/nospace" "$@" |
		sort -u | paste -sd ' ' -
}
if command -v bash >/dev/null 2>&1; then
	rm -f "$tmp/nospace"
	got=$(bcomp closefds --keep-f)
	[ -f "$tmp/nospace" ] && got="$got (nospace)"
	expect "bash: --keep-f" "$got" "--keep-fd= (nospace)"
	expect "bash: --method=" "$(bcomp closefds --method =)" "auto close_range loop poll proc"
	expect "bash: --method=cl" "$(bcomp closefds --method = cl)" "close_range"
	expect "bash: -m c" "$(bcomp closefds -m c)" "close_range"
	expect "bash: --nofile=s" "$(bcomp closefds --nofile = s)" "safe safe:"
	expect "bash: --null=1" "$(bcomp closefds --null = 1)" "1 1,2"
	expect "bash: --li" "$(bcomp closefds --li)" "--list --listen-fd= --listen-fds --listen-fds="
	expect "bash: --method=cl with '=' not a word break" \
		"$(COMP_WORDBREAKS=' ' bash -c '. "$1"; COMP_WORDBREAKS=" "; COMP_WORDS=(closefds --method=cl); COMP_CWORD=1; _closefds; echo "${COMPREPLY[*]}"' bash "$completions/closefds.bash")" \
		"--method=close_range"
	has "bash: -- ech" "$(bcomp closefds -- ech)" echo
	has "bash: --nofile=safe ech (a value word, then COMMAND)" "$(bcomp closefds --nofile = safe ech)" echo
	if [ -f /usr/share/bash-completion/bash_completion ]; then
		has "bash with bash-completion: closefds ls --col is ls's" "$(bcomp --with-bash-completion closefds ls --col)" --color
		has "bash with bash-completion: closefds -k 3 -- ls --col" "$(bcomp --with-bash-completion closefds -k 3 -- ls --col)" --color
		expect "bash with bash-completion: closefds ls --kee (not closefds's)" "$(bcomp --with-bash-completion closefds ls --kee)" ""
	else
		skip "bash with bash-completion" "bash-completion is not installed"
	fi
	expect "bash without bash-completion: closefds ls --kee (not closefds's)" "$(bcomp closefds ls --kee)" ""
else
	skip "bash completion" "bash is not installed"
fi

# --- fish: its own completion engine ---------------------------------------
fcomp() {
	fish -c 'source $argv[1]; complete -C $argv[2]' "$completions/closefds.fish" "$1" | cut -f1 | sort -u | paste -sd ' ' -
}
if command -v fish >/dev/null 2>&1; then
	expect "fish: --meth" "$(fcomp 'closefds --meth')" "--method"
	expect "fish: --method=" "$(fcomp 'closefds --method=')" "--method=auto --method=close_range --method=loop --method=poll --method=proc"
	expect "fish: --nofile=s" "$(fcomp 'closefds --nofile=s')" "--nofile=safe"
	has "fish: -- ech" "$(fcomp 'closefds -- ech')" echo
	has "fish: -k 3 ech" "$(fcomp 'closefds -k 3 ech')" echo
	has "fish: ls -- gives ls's options, not closefds's" "$(fcomp 'closefds ls --')" --all --keep-fd
	has "fish: -- ls -- likewise" "$(fcomp 'closefds -- ls --')" --all --method
else
	skip "fish completion" "fish is not installed (Debian package fish)"
fi

# --- zsh: an interactive zsh in a pseudo-terminal, compinit, compadd seen -----
# One zsh for every line (compinit takes about 2 s): the matches go to a
# file first, "LINE<TAB>MATCH" per line.
zsh_lines='closefds --meth|closefds --method=|closefds --nofile=s|closefds --keep-f|closefds -- ech|closefds ls --'
zcomp() {
	awk -F '\t' -v line="$1" '$1 == line { print $2 }' "$tmp/zsh.out" | sort -u | paste -sd ' ' -
}
if command -v zsh >/dev/null 2>&1 && zsh -fc 'zmodload zsh/zpty' 2>/dev/null && command -v timeout >/dev/null 2>&1; then
	(IFS='|'; set -f; # shellcheck disable=SC2086 # split on '|' on purpose
		timeout 120 zsh -f "$here/zcomp.zsh" "$completions" $zsh_lines >"$tmp/zsh.out")
	expect "zsh: --meth" "$(zcomp 'closefds --meth')" "--method"
	expect "zsh: --method=" "$(zcomp 'closefds --method=')" "auto close_range loop poll proc"
	expect "zsh: --nofile=s" "$(zcomp 'closefds --nofile=s')" "safe"
	expect "zsh: --keep-f" "$(zcomp 'closefds --keep-f')" "--keep-fd"
	has "zsh: -- ech" "$(zcomp 'closefds -- ech')" echo
	has "zsh: ls -- gives ls's options, not closefds's" "$(zcomp 'closefds ls --')" --all --keep-fd
else
	skip "zsh completion" "zsh (with zsh/zpty) or timeout is not installed (Debian package zsh)"
fi

# --- where meson installs them: under the prefix closefds goes to ---------
# (bash-completion's .pc file names /usr/share whatever the prefix.)
if [ -n "$build" ] && command -v meson >/dev/null 2>&1 &&
	installed=$(meson introspect --installed "$build" 2>/dev/null | tr ',' '\n'); then
	prefix=$(printf '%s\n' "$installed" | sed -n 's|.*: "\(/.*\)/bin/closefds"}*$|\1|p')
	dests=$(printf '%s\n' "$installed" | sed -n 's|.*contrib/completions/[^"]*": "\([^"]*\)"}*$|\1|p')
	outside=$(printf '%s\n' "$dests" | grep -v "^$prefix/")
	if [ -n "$prefix" ] && [ "$(printf '%s\n' "$dests" | grep -c .)" -eq 3 ] && [ -z "$outside" ]; then
		ok "meson installs the three completions under the prefix $prefix"
	else
		not_ok "completions installed under the prefix" "prefix '$prefix'" "completions: $dests"
	fi
else
	skip "completions installed under the prefix" "no build directory given, or meson introspect failed"
fi

tap_done
