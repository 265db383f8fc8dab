#!/bin/sh
# manexample.sh MANPAGE OUTPUT: the first literal block of MANPAGE's
# EXAMPLES section, as the reader sees it (mdoc escapes undone), into
# OUTPUT: the program the man page shows is the one the tests compile and
# run.  Fails when there is none.
set -eu
page=$1
out=$2
sed -n '/^\.Sh EXAMPLES/,/^\.Sh /p' "$page" |
	sed -n '/^\.Bd -literal/,/^\.Ed/{/^\.Bd/d;/^\.Ed/q;p;}' |
	sed -e 's/\\&//g' -e 's/\\-/-/g' -e 's/\\e/\\/g' >"$out.tmp"
if ! grep -q 'main(' "$out.tmp"; then
	echo "manexample.sh: no program in the EXAMPLES of $page" >&2
	rm -f "$out.tmp"
	exit 1
fi
mv "$out.tmp" "$out"
