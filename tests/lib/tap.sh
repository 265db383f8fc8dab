# shellcheck shell=sh
# tap.sh: TAP output for the shell tests.  Source it, call ok/skip/not_ok,
# end with tap_done (prints the plan, returns non-zero if anything failed).
# Names are printed with printf, never echo: dash's echo turns a "\n" in a
# name into a newline, a line meson cannot parse.
n=0
failed=0
ok() { n=$((n + 1)); printf 'ok %d - %s\n' "$n" "$1"; }
skip() { n=$((n + 1)); printf 'ok %d - %s # SKIP %s\n' "$n" "$1" "$2"; }
not_ok() { # not_ok NAME [DIAGNOSTIC]...
	n=$((n + 1))
	failed=$((failed + 1))
	printf 'not ok %d - %s\n' "$n" "$1"
	shift
	# Every line of a diagnostic behind "#": a line of its own would be
	# TAP meson cannot parse (an ERROR instead of the failure).
	for line in "$@"; do printf '%s\n' "$line" | sed 's/^/#   /'; done
}
tap_done() {
	echo "1..$n"
	[ "$failed" -eq 0 ]
}
