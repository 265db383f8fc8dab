#!/bin/sh
# deb.sh [OUTDIR [TARBALL]]: build the Debian packages (default OUTDIR:
# deb/ in the source tree) with dpkg-buildpackage -us -uc -b, from a copy
# of the source tree (the files git tracks and the untracked ones it does
# not ignore, as they are in the working tree) or from TARBALL
# (closefds-VERSION.tar.xz, as contrib/release.sh makes it), with
# contrib/debian copied to debian/ in it: the top level of the source tree
# has no debian/ of its own.  Leaves the .deb files, the .changes and the
# .buildinfo in OUTDIR, and the log of the build as build.log.  No
# network; needs dpkg-dev, debhelper and the Build-Depends of
# contrib/debian/control (dpkg-buildpackage checks them).
# contrib/package-check.sh deb checks the result (lintian, install,
# remove, purge).
set -eu
export LC_ALL=C
src=$(cd "$(dirname "$0")/.." && pwd)
out=${1:-$src/deb}
tarball=${2-}
say() { echo "deb.sh: $*" >&2; }
die() {
	say "$*"
	exit 1
}
command -v dpkg-buildpackage >/dev/null 2>&1 || die "dpkg-buildpackage is not installed (dpkg-dev)"

work=$(mktemp -d)
done=0
trap '[ "$done" = 1 ] && rm -rf "$work" || echo "deb.sh: failed; logs in $work" >&2' EXIT
# version: meson.build's, in the tree copied or the tarball; when: the time
# of the commit (the tarball's meson.build carries it)
get_version() { sed -n "s/^  version : '\\(.*\\)',\$/\\1/p" "$1"; }
if [ -n "$tarball" ]; then
	mkdir "$work/unpack"
	tar -xJf "$tarball" -C "$work/unpack"
	set -- "$work"/unpack/closefds-*/meson.build
	if [ "$#" != 1 ] || [ ! -f "$1" ]; then die "$tarball has no closefds-VERSION/meson.build"; fi
	version=$(get_version "$1")
	when=$(stat -c %Y "$1")
	tree=$work/closefds-$version
	mv "${1%/meson.build}" "$tree"
else
	version=$(get_version "$src/meson.build")
	when=$(git -C "$src" log -1 --format=%ct 2>/dev/null || date +%s)
	tree=$work/closefds-$version
	mkdir "$tree"
	(cd "$src" && git ls-files -z --cached --others --exclude-standard | xargs -0 tar -cf - --no-recursion --ignore-failed-read) | tar -xf - -C "$tree"
fi
[ -n "$version" ] || die "no version in meson.build"
[ ! -e "$tree/debian" ] || die "the source tree has a debian/ of its own"
cp -R "$tree/contrib/debian" "$tree/debian"

# The changelog names the version built: when meson.build's is newer than
# its first entry, an entry for it is added on top (dated at the commit, so
# the build stays reproducible).
top=$(dpkg-parsechangelog -l "$tree/debian/changelog" -S Version)
if [ "${top%-*}" != "$version" ]; then
	maint=$(sed -n 's/^Maintainer: //p' "$tree/debian/control")
	{
		printf 'closefds (%s-0.1) unstable; urgency=medium\n\n' "$version"
		printf '  * Built from the source tree at version %s; contrib/debian/changelog\n' "$version"
		printf '    has no entry for it yet.\n\n'
		printf ' -- %s  %s\n\n' "$maint" "$(date -u -R -d "@$when")"
		cat "$tree/contrib/debian/changelog"
	} >"$tree/debian/changelog"
	say "no changelog entry for $version: built as $version-0.1"
fi

say "dpkg-buildpackage -us -uc -b in $tree"
if ! (cd "$tree" && dpkg-buildpackage -us -uc -b) >"$work/build.log" 2>&1; then
	tail -n 40 "$work/build.log" >&2
	exit 1
fi
mkdir -p "$out"
rm -f "$out"/*.deb "$out"/*.changes "$out"/*.buildinfo "$out/build.log"
cp "$work/build.log" "$out/build.log"
for f in "$work"/*.deb "$work"/*.changes "$work"/*.buildinfo; do
	[ -f "$f" ] && cp "$f" "$out/"
done
done=1
say "done:"
ls -l "$out" >&2
