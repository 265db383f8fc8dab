#!/bin/sh
# release-check.sh: contrib/release.sh is reproducible.  It clones the
# commit checked out (uncommitted changes do not count) into two
# directories of different names and depths, runs release.sh in each, one
# after the other (so at different times), with a different umask, time
# zone, locale and TMPDIR, and requires byte-identical artifacts and
# SHA256SUMS; it also reads the tarball's entries: every one, the
# top-level directory included, must carry the commit's time and owner
# 0:0.  Prints one line per finding and "reproducible" at the end; exit 0
# only then.  About twice the time of one release.sh run.
set -eu
src=$(cd "$(dirname "$0")/.." && pwd)
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
say() { echo "release-check.sh: $*"; }
commit=$(git -C "$src" rev-parse HEAD)
epoch=$(git -C "$src" log -1 --format=%ct)
say "commit $commit"

# run N DIR UMASK TZ LOCALE: clone into DIR, release into DIR/release
run() {
	n=$1 dir=$2 mask=$3 zone=$4 locale=$5
	mkdir -p "$dir" "$tmp/tmp$n"
	git clone -q "$src" "$dir/src"
	git -C "$dir/src" checkout -q "$commit"
	say "run $n in $dir/src (umask $mask, TZ=$zone, LC_ALL=$locale)"
	(umask "$mask" && TZ=$zone LC_ALL=$locale TMPDIR=$tmp/tmp$n sh "$dir/src/contrib/release.sh" "$dir/release") ||
		{ say "run $n failed"; exit 1; }
}
run 1 "$tmp/one" 022 UTC C
run 2 "$tmp/second/run/elsewhere" 077 Pacific/Chatham C.UTF-8

status=0
files=$(cd "$tmp/one/release" && ls)
[ "$files" = "$(cd "$tmp/second/run/elsewhere/release" && ls)" ] || {
	say "the two runs made different files"
	status=1
}
for f in $files; do
	if cmp -s "$tmp/one/release/$f" "$tmp/second/run/elsewhere/release/$f"; then
		say "same: $f"
	else
		say "DIFFERENT: $f"
		status=1
	fi
done

# Every entry of the tarball at the commit's time, owned by 0:0.
tarball=$(cd "$tmp/one/release" && ls closefds-*.tar.xz)
when=$(TZ=UTC date -d "@$epoch" '+%Y-%m-%d %H:%M:%S')
bad=$(TZ=UTC tar --full-time --numeric-owner -tvJf "$tmp/one/release/$tarball" |
	awk -v when="$when" '$2 != "0/0" || $4 " " $5 != when' | head -n 5)
if [ -n "$bad" ]; then
	say "$tarball: entries not owned by 0/0 at $when UTC:"
	echo "$bad"
	status=1
else
	say "$tarball: $(tar -tJf "$tmp/one/release/$tarball" | wc -l) entries, every one 0/0 at $when UTC (the commit's time)"
fi
(cd "$tmp/one/release" && sha256sum -c SHA256SUMS >/dev/null) || {
	say "sha256sum -c SHA256SUMS fails"
	status=1
}
if [ "$status" = 0 ]; then say "reproducible"; else say "NOT reproducible"; fi
exit "$status"
