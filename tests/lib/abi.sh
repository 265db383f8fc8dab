#!/bin/sh
# abi.sh: libclosefds' ABI against src/libclosefds.sym.
#  - nm -D --defined-only of libclosefds.so lists exactly the version
#    script's functions, each as NAME@@NODE (an export without a version, a
#    function missing, one in another node: each fails), and the node;
#  - the SONAME is libclosefds.so.0;
#  - every function the shared library imports is async-signal-safe (the
#    library is linked with --gc-sections, so its imports are what its
#    exports reach): POSIX's list, or a Linux system call wrapper;
#  - the functions that write the engine's globals are not in it;
#  - the static library defines no global symbol but closefds_* (the
#    engine's internal names are local: no clash with a program's own),
#    where it was made by src/mkstatic.sh.
# TAP output.  Usage: abi.sh LIBCLOSEFDS.so LIBCLOSEFDS.sym LIBCLOSEFDS.a STATIC_IS_LOCALIZED
set -u
so=$1
sym=$2
static=$3
localized=$4
# shellcheck source=tests/lib/tap.sh
. "$(dirname "$0")/tap.sh"

if ! command -v nm >/dev/null 2>&1; then
	skip "ABI" "nm (binutils) is not installed"
	tap_done
	exit
fi

# The version script: its node (the line "NAME {") and its global names.
node=$(sed -n 's/^\([A-Za-z_][A-Za-z0-9_.]*\)[[:space:]]*{.*/\1/p' "$sym" | head -n 1)
want=$(sed -n '/^global:/,/^local:/p' "$sym" | sed -n 's/^[[:space:]]*\([A-Za-z_][A-Za-z0-9_]*\);.*/\1/p' | sort)
if [ -n "$node" ] && [ -n "$want" ]; then
	ok "the version script has node $node and $(printf '%s\n' "$want" | wc -l) functions"
else
	not_ok "cannot read the version script $sym" "node '$node'" "names '$want'"
	tap_done
	exit
fi

defined=$(nm -D --defined-only "$so") || { not_ok "nm -D $so failed"; tap_done; exit; }
# Every defined dynamic symbol: the node itself (an absolute symbol), or a
# function of the script with @@NODE.
got=$(printf '%s\n' "$defined" | awk '{print $NF}' | sort)
expected=$( (printf '%s\n' "$node"; printf '%s\n' "$want" | sed "s/\$/@@$node/") | sort)
if [ "$got" = "$expected" ]; then
	ok "nm -D --defined-only lists exactly the version script's functions, each @@$node"
else
	not_ok "the exports differ from the version script" \
		"extra: $(printf '%s\n' "$got" | grep -vxF "$expected" | tr '\n' ' ')" \
		"missing: $(printf '%s\n' "$expected" | grep -vxF "$got" | tr '\n' ' ')"
fi

if command -v readelf >/dev/null 2>&1; then
	soname=$(readelf -d "$so" | sed -n 's/.*(SONAME).*\[\(.*\)\]/\1/p')
	if [ "$soname" = "libclosefds.so.0" ]; then
		ok "SONAME libclosefds.so.0"
	else
		not_ok "SONAME is '$soname', not libclosefds.so.0"
	fi
else
	skip "SONAME" "readelf (binutils) is not installed"
fi

# Async-signal-safe: POSIX.1-2017's list (signal-safety(7)) as far as the
# library could use it, the system call wrappers of Linux it uses (a
# system call each in glibc and musl: no lock, no allocation), errno's
# location, and what the toolchain adds (stack protector, fortify checks
# of a safe call, start files, sanitizer runtimes).
safe='clock_gettime close dup2 fcntl fstat fstatat getpid memcpy memmove memset
open openat poll read sigaction sigaddset sigdelset sigemptyset sigfillset
sigismember sigprocmask strchr strcmp strlen strstr sysconf
fstatfs getrlimit mmap mprotect munmap syscall getdents64 close_range
__errno_location __errno __stack_chk_fail __stack_chk_fail_local __stack_chk_guard
__cxa_finalize __gmon_start__ _ITM_deregisterTMCloneTable _ITM_registerTMCloneTable'
imports=$(nm -D --undefined-only "$so" | awk '{print $NF}' | sed 's/@.*//' | sort -u)
unsafe=
for f in $imports; do
	base=$f
	case $f in
	__asan_* | __ubsan_* | __sanitizer_* | __lsan_* | __tsan_*) continue ;;
	__*_chk) base=$(printf '%s' "$f" | sed 's/^__\(.*\)_chk$/\1/') ;;
	esac
	base=${base%64}
	# shellcheck disable=SC2086 # one word a line
	if ! printf '%s\n' $safe | grep -qxF "$base"; then
		unsafe="$unsafe $f"
	fi
done
if [ -z "$unsafe" ]; then
	# shellcheck disable=SC2086 # one word each
	ok "every import is async-signal-safe: $(printf '%s ' $imports)"
else
	not_ok "imports that are not async-signal-safe:$unsafe"
fi

# No global state written: the engine's globals (closefds(1)'s saved signal
# settings, its trap count, its list of own descriptors whose close failed)
# have their writers in functions the exports do not reach, which
# --gc-sections leaves out of the library.
all=$(nm "$so" 2>/dev/null | awk '{print $NF}')
if [ -z "$all" ]; then
	skip "no writer of a global in the library" "its symbol table is stripped"
else
	present=
	for f in fd_own_remember signals_prepare signals_restore on_sigsys; do
		if printf '%s\n' "$all" | grep -qxF "$f"; then present="$present $f"; fi
	done
	if [ -z "$present" ] && printf '%s\n' "$all" | grep -qxF sigsys_guard_enter; then
		ok "the writers of the engine's globals are not in the library (fd_own_remember, signals_prepare, signals_restore, on_sigsys)"
	else
		not_ok "the library holds writers of global state:$present"
	fi
fi

if [ "$localized" = true ]; then
	globals=$(nm -g --defined-only "$static" | awk 'NF == 3 {print $3}' | sort)
	if [ "$globals" = "$want" ]; then
		ok "the static library's global symbols are closefds_* alone"
	else
		not_ok "the static library defines other globals" \
			"$(printf '%s\n' "$globals" | grep -vxF "$want" | tr '\n' ' ')"
	fi
else
	skip "the static library's global symbols" "objcopy was not found: its objects are the engine's as they are"
fi
tap_done
