#!/bin/sh
# release.sh [DIR]: make a release directory (default: release/ in the
# source tree) with
#   closefds-VERSION.tar.xz   the meson dist tarball (meson dist builds and
#                             tests the unpacked tarball first)
#   closefds-x86_64           static, musl (CC=musl-gcc), whole test suite run
#   closefds-i686, closefds-aarch64, closefds-s390x
#                             static, glibc, cross-compiled where the cross
#                             compiler is installed (gcc-i686-linux-gnu ...);
#                             checked under qemu-ARCH-static when present
#   SHA256SUMS                sha256sum -c SHA256SUMS checks them all
# Run it from a clean git checkout of the commit to release (meson dist
# packs the committed tree).  Needs meson, ninja, musl-tools, sha256sum.
set -eu
src=$(cd "$(dirname "$0")/.." && pwd)
out=${1:-$src/release}
work=$(mktemp -d)
# The system test runs the built programs as nobody (setuid checks): the
# build directories must be reachable for it.
chmod 0755 "$work"
done=0
trap '[ "$done" = 1 ] && rm -rf "$work" || echo "release.sh: failed; logs in $work" >&2' EXIT
version=$(sed -n "s/^  version : '\\(.*\\)',\$/\\1/p" "$src/meson.build")
[ -n "$version" ] || { echo "release.sh: no version in meson.build" >&2; exit 1; }
mkdir -p "$out"
rm -f "$out"/closefds-* "$out/SHA256SUMS"
say() { echo "release.sh: $*" >&2; }

say "closefds $version into $out"
say "dist tarball (meson dist builds and tests it)"
meson setup "$work/dist" "$src" >/dev/null
meson dist -C "$work/dist" --formats xztar >"$work/dist.log" 2>&1 || {
	tail -n 30 "$work/dist.log" >&2
	exit 1
}
cp "$work/dist/meson-dist/closefds-$version.tar.xz" "$out/"

# Static release builds: optimized, no assertions; only the program is
# built for the cross targets (their tests cannot run here).
release_opts="-Dstatic=true -Dbuildtype=release -Db_ndebug=true -Dcmocka=disabled
	-Dbash_completion=false -Dzsh_completion=false -Dfish_completion=false"

say "closefds-x86_64 (musl, static), with its test suite"
# shellcheck disable=SC2086 # release_opts is a list of words
CC=musl-gcc meson setup "$work/x86_64" "$src" $release_opts >/dev/null
meson test -C "$work/x86_64" >"$work/x86_64.log" 2>&1 || {
	tail -n 30 "$work/x86_64.log" >&2
	exit 1
}
cp "$work/x86_64/src/closefds" "$out/closefds-x86_64"
strip "$out/closefds-x86_64"

# cross ARCH TRIPLET CPU_FAMILY ENDIAN QEMU: a static glibc build.
cross() {
	arch=$1 triplet=$2 family=$3 endian=$4 qemu=$5
	if ! command -v "$triplet-gcc" >/dev/null 2>&1; then
		say "closefds-$arch skipped: $triplet-gcc is not installed"
		return 0
	fi
	say "closefds-$arch (glibc, static, $triplet-gcc)"
	cat >"$work/$arch.ini" <<EOT
[binaries]
c = '$triplet-gcc'
strip = '$triplet-strip'
pkg-config = 'false'

[host_machine]
system = 'linux'
cpu_family = '$family'
cpu = '$arch'
endian = '$endian'
EOT
	# shellcheck disable=SC2086 # release_opts is a list of words
	if ! { meson setup "$work/$arch" "$src" --cross-file "$work/$arch.ini" $release_opts &&
		meson compile -C "$work/$arch" src/closefds:executable; } >"$work/$arch.log" 2>&1; then
		tail -n 30 "$work/$arch.log" >&2
		exit 1
	fi
	cp "$work/$arch/src/closefds" "$out/closefds-$arch"
	"$triplet-strip" "$out/closefds-$arch"
	# Under qemu-user: it runs, closes descriptor 5 and keeps it with -k
	# (the shell it executes is native).
	if command -v "$qemu" >/dev/null 2>&1; then
		# shellcheck disable=SC2016 # for the inner sh
		if [ "$("$qemu" "$out/closefds-$arch" --version)" != "closefds $version" ] ||
			! "$qemu" "$out/closefds-$arch" -- sh -c '[ ! -e /proc/$$/fd/5 ]' 5</dev/null ||
			! "$qemu" "$out/closefds-$arch" -k 5 -- sh -c '[ -e /proc/$$/fd/5 ]' 5</dev/null; then
			say "closefds-$arch does not work under $qemu"
			exit 1
		fi
		say "closefds-$arch checked under $qemu"
	fi
}
cross i686 i686-linux-gnu x86 little qemu-i386-static
cross aarch64 aarch64-linux-gnu aarch64 little qemu-aarch64-static
cross s390x s390x-linux-gnu s390x big qemu-s390x-static

(cd "$out" && sha256sum -- closefds-* >SHA256SUMS && sha256sum -c SHA256SUMS >/dev/null)
done=1
say "done:"
ls -l "$out" >&2
