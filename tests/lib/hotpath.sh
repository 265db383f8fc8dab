#!/bin/sh
# hotpath.sh: the code closefds_close_except runs where close_range works
# lies together in the shared library (src/hotpath.h: a process that has
# just forked pays for each page of code it touches first, more than the
# call costs).  From nm's table of the library's functions:
#  - the path's functions are there, and no function lies between the
#    first and the last of them but those marked HOT_PATH in src/;
#  - together they span at most two pages (8192 bytes), so they touch two
#    pages at most, whatever the alignment.
# A function of the path left unmarked lands among the others (the first
# check fails); one grown past the budget fails the second.
# TAP output.  Usage: hotpath.sh LIBCLOSEFDS.so SRCDIR
set -u
so=$1
src=$2
# shellcheck source=tests/lib/tap.sh
. "$(dirname "$0")/tap.sh"

# The functions the call runs where close_range works (static ones the
# compiler may inline are not listed: they go where their caller goes).
path="closefds_close_except keep_cursor_init keep_cursor_next close_others_run
close_method_close_range_gaps close_method_close_range_cloexec
sigsys_guard_enter sigsys_guard_leave fd_gap_iter_init fd_gap_next"

# Every function marked HOT_PATH in the sources (static ones too).
marked=$(sed -n 's/^\(static \)*HOT_PATH [^(]*[ *]\([A-Za-z_][A-Za-z0-9_]*\)(.*/\2/p' "$src"/*.c)

if ! command -v nm >/dev/null 2>&1; then
	skip "the hot path" "nm (binutils) is not installed"
	tap_done
	exit
fi
# "ADDRESS SIZE TYPE NAME" for the functions, in address order; a name
# with a suffix (over_gaps.constprop.0, x.cold) counts as its base name.
table=$(nm -n -S --defined-only "$so" | awk 'NF == 4 && ($3 == "t" || $3 == "T")')
if [ -z "$table" ]; then
	skip "the hot path" "nm lists no function of $so (stripped?)"
	tap_done
	exit
fi
missing=
for f in $path; do
	printf '%s\n' "$table" | awk -v f="$f" '{ sub(/\..*/, "", $4) } $4 == f { found = 1 } END { exit !found }' ||
		missing="$missing $f"
done
if [ -n "$missing" ]; then
	not_ok "the hot path's functions are in the library" "missing:$missing"
else
	ok "the hot path's functions are in the library"
fi

# Walk the table: where the path starts and ends, and what lies between;
# a function of the path not marked is named too (POSIX awk has no hex
# numbers: hex() reads nm's).
span=$(printf '%s\n' "$table" | awk -v path="$path" -v marked="$marked" '
	function hex(s,    i, v) {
		v = 0
		for (i = 1; i <= length(s); i++)
			v = v * 16 + index("0123456789abcdef", tolower(substr(s, i, 1))) - 1
		return v
	}
	BEGIN {
		n = split(marked, m, /[ \n]+/)
		for (i = 1; i <= n; i++) if (m[i] != "") { ok[m[i]] = 1; hot[m[i]] = 1 }
		n = split(path, p, /[ \n]+/)
		for (i = 1; i <= n; i++) if (p[i] != "") hot[p[i]] = 1
	}
	{
		base = $4; sub(/\..*/, "", base)
		start = hex($1); end = start + hex($2)
		if (base in hot) {
			if (!seen) first = start
			seen = 1
			last = end
			between = between pending; pending = ""
			if (!(base in ok)) unmarked = unmarked " " base
		} else if (seen) {
			pending = pending " " $4
		}
	}
	END { printf "%d %d\n%s\n%s\n", first, last, unmarked, between }')
first=$(printf '%s\n' "$span" | sed -n '1s/ .*//p')
last=$(printf '%s\n' "$span" | sed -n '1s/.* //p')
unmarked=$(printf '%s\n' "$span" | sed -n 2p)
between=$(printf '%s\n' "$span" | sed -n 3p)
if [ -n "$unmarked" ]; then
	not_ok "the hot path's functions are marked HOT_PATH" "not marked:$unmarked"
else
	ok "the hot path's functions are marked HOT_PATH"
fi
if [ -n "$between" ]; then
	not_ok "nothing lies between the hot path's functions" "between them:$between"
else
	ok "nothing lies between the hot path's functions"
fi
bytes=$((last - first))
if [ "$bytes" -le 8192 ]; then
	ok "the hot path spans $bytes bytes (at most 8192: two pages)"
else
	not_ok "the hot path spans $bytes bytes (at most 8192: two pages)"
fi
tap_done
