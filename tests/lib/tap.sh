# tap.sh: TAP output for the shell tests.  Source it, call ok/skip/not_ok,
# end with tap_done (prints the plan, returns non-zero if anything failed).
n=0
failed=0
ok() { n=$((n + 1)); echo "ok $n - $1"; }
skip() { n=$((n + 1)); echo "ok $n - $1 # SKIP $2"; }
not_ok() { # not_ok NAME [DIAGNOSTIC]...
	n=$((n + 1))
	failed=$((failed + 1))
	echo "not ok $n - $1"
	shift
	for line in "$@"; do echo "#   $line"; done
}
tap_done() {
	echo "1..$n"
	[ "$failed" -eq 0 ]
}
