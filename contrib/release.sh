#!/bin/sh
# release.sh [DIR]: make a release directory (default: release/ in the
# source tree) from the commit checked out, reproducibly:
#   closefds-VERSION.tar.xz   the source: `meson dist --no-tests` (the
#                             committed tree), repacked with fixed times,
#                             owner, modes and order
#   closefds-ARCH             static binaries built from that tarball for
#                             x86_64 (musl, musl-gcc), i686, aarch64,
#                             armhf, ppc64el, riscv64 and s390x (glibc,
#                             Debian's gcc-TRIPLET cross compilers), each
#                             checked natively or under qemu-ARCH-static
#   SHA256SUMS                sha256sum -c SHA256SUMS checks them all
# Two runs from the same commit give the same bytes, whatever the
# directory, the time, the user's umask, locale or time zone
# (contrib/release-check.sh proves it).  Every time stamp is the commit's
# (SOURCE_DATE_EPOCH); the builds see no absolute path (they run in a
# fixed layout under a temporary directory, and -ffile-prefix-map strips
# that), so the build ids, hashes of the contents, do not vary either.
# It runs no test suite (CI does): the checks of each binary are in
# check_binary below.
# Needs git, meson, ninja, musl-tools, GNU tar, xz-utils, sha256sum, gcc,
# gcc-i686-linux-gnu gcc-aarch64-linux-gnu gcc-arm-linux-gnueabihf
# gcc-powerpc64le-linux-gnu gcc-riscv64-linux-gnu gcc-s390x-linux-gnu and
# qemu-user-static: a missing one is an error (a release has every binary).
set -eu
export LC_ALL=C TZ=UTC
umask 022
src=$(cd "$(dirname "$0")/.." && pwd)
out=${1:-$src/release}
say() { echo "release.sh: $*" >&2; }
die() {
	say "$*"
	exit 1
}
start=$(date +%s)
elapsed() { echo "$(($(date +%s) - start)) s"; }

SOURCE_DATE_EPOCH=$(git -C "$src" log -1 --format=%ct) || die "$src is not a git checkout"
export SOURCE_DATE_EPOCH
commit=$(git -C "$src" rev-parse HEAD)
version=$(sed -n "s/^  version : '\\(.*\\)',\$/\\1/p" "$src/meson.build")
[ -n "$version" ] || die "no version in meson.build"
for tool in git meson ninja musl-gcc tar xz sha256sum cc strip; do
	command -v "$tool" >/dev/null 2>&1 || die "$tool is not installed"
done

work=$(mktemp -d)
done=0
trap '[ "$done" = 1 ] && rm -rf "$work" || echo "release.sh: failed; logs in $work" >&2' EXIT
mkdir -p "$out"
out=$(cd "$out" && pwd)
rm -f "$out"/closefds-* "$out/SHA256SUMS"
say "closefds $version, commit $commit ($(date -u -d "@$SOURCE_DATE_EPOCH" '+%Y-%m-%d %H:%M:%S UTC')), into $out"

# The source tarball.  meson dist packs the committed tree (it refuses
# uncommitted changes) but the top-level directory gets the time of the
# run and every entry the owner, and umask-dependent modes, of whoever ran
# it: repacked with GNU tar, sorted by name, every entry at the commit's
# time, owned by 0:0, modes u=rwX,go=rX, compressed single-threaded (xz's
# threaded mode splits blocks by thread count).
run_logged() { # run_logged LOG COMMAND...: its output in LOG, shown on failure
	log=$1
	shift
	if ! "$@" >>"$log" 2>&1; then
		tail -n 30 "$log" >&2
		exit 1
	fi
}
run_logged "$work/dist.log" meson setup "$work/dist" "$src"
run_logged "$work/dist.log" meson dist -C "$work/dist" --no-tests --formats xztar
tarball=closefds-$version.tar.xz
tree=closefds-$version
tar -xJf "$work/dist/meson-dist/$tarball" -C "$work"
[ -f "$work/$tree/meson.build" ] || die "the dist tarball has no $tree/meson.build"
tar -C "$work" --sort=name --format=gnu --mtime="@$SOURCE_DATE_EPOCH" \
	--owner=0 --group=0 --numeric-owner --mode=u=rwX,go=rX \
	-cf - "$tree" | xz -6 -T1 -c >"$out/$tarball"
say "$tarball ($(elapsed))"

# The launcher of the checks, for this machine (contrib/release/fdexec.c).
cc -O2 -o "$work/fdexec" "$work/$tree/contrib/release/fdexec.c" || die "cannot build fdexec"
fdexec=$work/fdexec
# shellcheck disable=SC2016 # for the inner sh
"$fdexec" -o 7:/ -- sh -c '[ -e /proc/$$/fd/7 ]' || die "fdexec leaves no O_PATH descriptor at 7"

# Static, optimized, no assertions, warnings as errors; only the program.
# Builds run in $work/build-ARCH next to $work/$tree, so the compiler sees
# ../$tree/src/... in every run; absolute paths are mapped away.
release_opts="-Dstatic=true -Dbuildtype=release -Db_ndebug=true -Dwerror=true -Dcmocka=disabled
	-Dbash_completion=false -Dzsh_completion=false -Dfish_completion=false
	-Dc_args=-ffile-prefix-map=$work/="

# check_binary ARCH BIN RUNNER...: the checks of one release binary, run
# with RUNNER (nothing: natively; qemu-ARCH-static).  The shell they start
# is the machine's own.  The close_range trap is a seccomp filter that
# fdexec installs before it executes RUNNER: qemu-user refuses a filter of
# the guest's own, but one installed before qemu starts traps the host
# close_range that qemu makes for the guest's, and qemu hands the SIGSYS
# (si_code SYS_SECCOMP) on to the guest, whose handler must turn it into
# ENOSYS in this architecture's registers.
check_binary() {
	arch=$1 bin=$2
	shift 2
	got=$("$@" "$bin" --version) || got="(failed)"
	[ "$got" = "closefds $version" ] || die "closefds-$arch --version: '$got'"
	# shellcheck disable=SC2016 # for the inner sh
	"$@" "$bin" -- sh -c '[ ! -e /proc/$$/fd/5 ]' 5</dev/null ||
		die "closefds-$arch does not close descriptor 5"
	# shellcheck disable=SC2016
	"$@" "$bin" -k 5 -- sh -c '[ -e /proc/$$/fd/5 ]' 5</dev/null ||
		die "closefds-$arch -k 5 does not keep descriptor 5"
	for method in auto poll loop; do
		# shellcheck disable=SC2016
		"$fdexec" -o 7:/ -- "$@" "$bin" -m "$method" -- sh -c '[ ! -e /proc/$$/fd/7 ]' ||
			die "closefds-$arch -m $method does not close an O_PATH descriptor"
	done
	# shellcheck disable=SC2016
	if ! "$fdexec" -t -- "$@" "$bin" -v -- sh -c '[ ! -e /proc/$$/fd/5 ]' 5</dev/null 2>"$work/trap-$arch.log" ||
		! grep -q 'close_range.*trapped it: SIGSYS' "$work/trap-$arch.log"; then
		cat "$work/trap-$arch.log" >&2
		die "closefds-$arch does not fall back from a trapped close_range"
	fi
}

# build ARCH CC TRIPLET CPU_FAMILY ENDIAN QEMU: a static build for ARCH
# with CC (TRIPLET-gcc for the glibc cross builds), copied to
# $out/closefds-ARCH, stripped and checked.  QEMU "-": natively.
build() {
	arch=$1 compiler=$2 triplet=$3 family=$4 endian=$5 qemu=$6
	command -v "$compiler" >/dev/null 2>&1 ||
		die "closefds-$arch: $compiler is not installed (apt-get install gcc-$triplet)"
	dir=$work/build-$arch
	log=$work/$arch.log
	if [ "$compiler" = musl-gcc ]; then
		# shellcheck disable=SC2086 # release_opts is a list of words
		(cd "$work" && export CC=musl-gcc && run_logged "$log" meson setup "build-$arch" "$tree" $release_opts)
		strip_tool="strip"
	else
		cat >"$work/$arch.ini" <<EOT
[binaries]
c = '$triplet-gcc'
ar = '$triplet-ar'
strip = '$triplet-strip'
pkg-config = 'false'

[host_machine]
system = 'linux'
cpu_family = '$family'
cpu = '$arch'
endian = '$endian'
EOT
		# shellcheck disable=SC2086
		(cd "$work" && run_logged "$log" meson setup "build-$arch" "$tree" --cross-file "$arch.ini" $release_opts)
		strip_tool=$triplet-strip
	fi
	run_logged "$log" meson compile -C "$dir" src/closefds:executable
	cp "$dir/src/closefds" "$out/closefds-$arch"
	"$strip_tool" "$out/closefds-$arch"
	how=
	case $qemu in
	-) check_binary "$arch" "$out/closefds-$arch" && how=natively ;;
	i386)
		# natively where the kernel runs i386 binaries, else under qemu
		if "$out/closefds-$arch" --version >/dev/null 2>&1; then
			check_binary "$arch" "$out/closefds-$arch" && how=natively
			for h in /proc/sys/fs/binfmt_misc/*; do
				if [ -f "$h" ] && grep -q '^enabled' "$h" && grep -q 'interpreter.*qemu-i386' "$h"; then
					how="natively, or through binfmt_misc's ${h##*/} handler (qemu-i386)"
				fi
			done
		else
			command -v qemu-i386-static >/dev/null 2>&1 ||
				die "closefds-$arch: this kernel runs no i386 binaries and qemu-i386-static is not installed"
			check_binary "$arch" "$out/closefds-$arch" qemu-i386-static &&
				how="under qemu-i386-static (this kernel runs no i386 binaries)"
		fi
		;;
	*)
		command -v "$qemu" >/dev/null 2>&1 || die "closefds-$arch: $qemu is not installed (qemu-user-static)"
		check_binary "$arch" "$out/closefds-$arch" "$qemu" && how="under $qemu"
		;;
	esac
	say "closefds-$arch: built with $compiler, checked $how ($(elapsed))"
}

build x86_64 musl-gcc x86_64-linux-musl x86_64 little -
build i686 i686-linux-gnu-gcc i686-linux-gnu x86 little i386
build aarch64 aarch64-linux-gnu-gcc aarch64-linux-gnu aarch64 little qemu-aarch64-static
build armhf arm-linux-gnueabihf-gcc arm-linux-gnueabihf arm little qemu-arm-static
build ppc64el powerpc64le-linux-gnu-gcc powerpc64le-linux-gnu ppc64 little qemu-ppc64le-static
build riscv64 riscv64-linux-gnu-gcc riscv64-linux-gnu riscv64 little qemu-riscv64-static
build s390x s390x-linux-gnu-gcc s390x-linux-gnu s390x big qemu-s390x-static

(cd "$out" && sha256sum -- closefds-* >SHA256SUMS && sha256sum -c SHA256SUMS >/dev/null)
done=1
say "done in $(elapsed); checked on each: --version, closing and keeping a descriptor, an O_PATH descriptor closed (-m auto, poll, loop), a trapped close_range handled (-v says so)"
ls -l "$out" >&2
