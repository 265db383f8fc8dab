#!/bin/sh
# installed.sh: libclosefds as a program sees it once installed: meson
# install into a temporary directory, then tests/lib/consumer.c built with
# `pkg-config --cflags --libs libclosefds` (run with LD_LIBRARY_PATH, and it
# must need libclosefds.so.0) and with `pkg-config --static ...` against
# libclosefds.a (it must not need the shared library), both run.
# TAP output.
# Usage: installed.sh BUILD_DIR PREFIX LIBDIR INCLUDEDIR CONSUMER.c CROSS CC [CFLAG]...
set -u
build=$1
prefix=$2
libdir=$3
includedir=$4
consumer=$5
cross=$6
shift 6
# shellcheck source=tests/lib/tap.sh
. "$(dirname "$0")/tap.sh"

if [ "$cross" = true ]; then
	skip "the installed library" "cross-compiling: the consumer would not run here"
	tap_done
	exit
fi
for tool in meson pkg-config readelf; do
	if ! command -v "$tool" >/dev/null 2>&1; then
		not_ok "the installed library: $tool is not installed (a prerequisite of the tests)"
		tap_done
		exit
	fi
done

tmp=$(mktemp -d "${TMPDIR:-/tmp}/closefds-installed.XXXXXX") || exit 1
trap 'rm -rf "$tmp"' EXIT
dest=$tmp/dest
case $libdir in /*) ;; *) libdir=$prefix/$libdir ;; esac
case $includedir in /*) ;; *) includedir=$prefix/$includedir ;; esac

if meson install -C "$build" --no-rebuild --quiet --destdir "$dest" >"$tmp/install.log" 2>&1; then
	ok "meson install --destdir"
else
	not_ok "meson install --destdir" "$(tail -n 20 "$tmp/install.log")"
	tap_done
	exit
fi
missing=
for f in "$libdir/libclosefds.so.0" "$libdir/libclosefds.so" "$libdir/libclosefds.a" \
	"$includedir/closefds.h" "$libdir/pkgconfig/libclosefds.pc" \
	"$prefix/share/man/man3/closefds_close_except.3"; do
	[ -e "$dest$f" ] || missing="$missing $f"
done
if [ -z "$missing" ]; then
	ok "installed: libclosefds.so.0, libclosefds.a, closefds.h, libclosefds.pc, man pages"
else
	not_ok "not installed:$missing"
fi

PKG_CONFIG_PATH=$dest$libdir/pkgconfig
PKG_CONFIG_SYSROOT_DIR=$dest
export PKG_CONFIG_PATH PKG_CONFIG_SYSROOT_DIR
if flags=$(pkg-config --cflags --libs libclosefds) && static=$(pkg-config --static --cflags --libs libclosefds); then
	ok "pkg-config libclosefds: $flags"
else
	not_ok "pkg-config does not find libclosefds"
	tap_done
	exit
fi

# The compiler and its flags are the build's own: "$@".
# shellcheck disable=SC2086 # pkg-config's words
if "$@" -o "$tmp/shared" "$consumer" $flags >"$tmp/cc.log" 2>&1 &&
	LD_LIBRARY_PATH=$dest$libdir "$tmp/shared" >"$tmp/out" 2>&1; then
	if readelf -d "$tmp/shared" 2>/dev/null | grep -q 'NEEDED.*libclosefds\.so\.0'; then
		ok "built with pkg-config --cflags --libs, run: $(cat "$tmp/out")"
	else
		not_ok "the shared consumer does not need libclosefds.so.0"
	fi
else
	not_ok "built with pkg-config --cflags --libs, run" "$(cat "$tmp/cc.log" "$tmp/out" 2>/dev/null)"
fi

# The static library: libclosefds.a chosen over the .so (-Bstatic for the
# libraries pkg-config names), the C library linked as usual.
# shellcheck disable=SC2086 # pkg-config's words
if "$@" -o "$tmp/static" "$consumer" -Wl,-Bstatic $static -Wl,-Bdynamic >"$tmp/cc.log" 2>&1 &&
	"$tmp/static" >"$tmp/out" 2>&1; then
	if readelf -d "$tmp/static" 2>/dev/null | grep -q 'libclosefds'; then
		not_ok "the static consumer needs the shared library"
	else
		ok "built with pkg-config --static against libclosefds.a, run: $(cat "$tmp/out")"
	fi
else
	not_ok "built with pkg-config --static, run" "$(cat "$tmp/cc.log" "$tmp/out" 2>/dev/null)"
fi
tap_done
