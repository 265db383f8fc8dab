#!/bin/sh
# package-check.sh [deb] [rpm]: build the packages and check them for real
# (both when none is named).  Run as root on a Debian machine; prints a
# line per check and exits non-zero if one fails.
#   deb  contrib/deb.sh from the source tree (closefds, libclosefds0,
#        libclosefds-dev); lintian fails on any error or warning that
#        contrib/debian's overrides do not justify; each package's file
#        list equals the one below; no maintainer script enables a unit;
#        libclosefds0's symbols file has src/libclosefds.sym's exports;
#        dpkg -i, closefds runs from PATH and closes a descriptor, its man
#        page and its bash, zsh and fish completions are where those
#        programs look, a program built with pkg-config libclosefds runs
#        (shared, and against libclosefds.a); dpkg -r leaves none of their
#        files, dpkg -P no trace in dpkg's database.  Refuses to start
#        where one of them is installed already (it would replace it).
#   rpm  rpmbuild -bb --nodeps (Debian's rpm package; the Fedora
#        BuildRequires have other names here) from the `meson dist
#        --no-tests` tarball of the commit checked out; rpm -qlp of each
#        package (closefds, -libs, -devel, -static) equals its list below;
#        rpm -i --nodeps into a scratch root, closefds runs from there,
#        rpm -e removes every file.
#   dockerfile[=RELEASE_DIR]
#        the README's Dockerfile (a release binary, its SHA256SUMS line
#        checked by sha256sum -c), built with podman offline: see
#        check_dockerfile.  Needs podman, runc, busybox-static.
# Without arguments: deb and rpm.
set -eu
export LC_ALL=C
src=$(cd "$(dirname "$0")/.." && pwd)
tmp=$(mktemp -d)
# A package this script installed is purged whatever happens.
installed_here=0
trap '[ "$installed_here" = 0 ] || dpkg -P $deb_packages >/dev/null 2>&1; rm -rf "$tmp"' EXIT
failed=0
passed=0
say() { echo "package-check.sh: $*"; }
ok() {
	passed=$((passed + 1))
	say "ok: $*"
}
fail() {
	failed=$((failed + 1))
	say "FAILED: $*"
}
# same NAME EXPECTED ACTUAL: ok when the two lists are equal, else the diff
same() {
	if [ "$2" = "$3" ]; then
		ok "$1"
	else
		fail "$1:"
		printf '%s\n' "$2" >"$tmp/expected"
		printf '%s\n' "$3" >"$tmp/actual"
		diff -u "$tmp/expected" "$tmp/actual" | sed 1,2d
	fi
}
version=$(sed -n "s/^  version : '\\(.*\\)',\$/\\1/p" "$src/meson.build")

# The Debian packages, and the files each has (not its directories).
deb_packages="closefds libclosefds0 libclosefds-dev"
multiarch=$(dpkg-architecture -qDEB_HOST_MULTIARCH 2>/dev/null || echo unknown)
deb_files() {
	case $1 in
	closefds) echo "/usr/bin/closefds
/usr/share/bash-completion/completions/closefds
/usr/share/doc/closefds/README.md.gz
/usr/share/doc/closefds/changelog.Debian.gz
/usr/share/doc/closefds/copyright
/usr/share/doc/closefds/examples/Containerfile
/usr/share/doc/closefds/examples/Containerfile.scratch
/usr/share/doc/closefds/examples/closefds-echo.service
/usr/share/doc/closefds/examples/closefds-echo.socket
/usr/share/doc/closefds/examples/closefds-example.service
/usr/share/fish/vendor_completions.d/closefds.fish
/usr/share/man/man1/closefds.1.gz
/usr/share/zsh/vendor-completions/_closefds" ;;
	libclosefds0) echo "/usr/lib/$multiarch/libclosefds.so.0
/usr/lib/$multiarch/libclosefds.so.$version
/usr/share/doc/libclosefds0/changelog.Debian.gz
/usr/share/doc/libclosefds0/copyright" ;;
	libclosefds-dev) echo "/usr/include/closefds.h
/usr/lib/$multiarch/libclosefds.a
/usr/lib/$multiarch/libclosefds.so
/usr/lib/$multiarch/pkgconfig/libclosefds.pc
/usr/share/doc/libclosefds-dev/changelog.Debian.gz
/usr/share/doc/libclosefds-dev/copyright
/usr/share/man/man3/closefds_check.3.gz
/usr/share/man/man3/closefds_close_except.3.gz
/usr/share/man/man3/closefds_for_each_open.3.gz
/usr/share/man/man3/closefds_table_size.3.gz
/usr/share/man/man3/closefds_version.3.gz" ;;
	esac
}
# The RPM packages, and their files and directories as rpm -qlp lists them
# (%{_libdir}: /usr/lib64 on x86_64, as on Fedora).
rpm_packages="closefds closefds-libs closefds-devel closefds-static"
rpm_files() {
	case $1 in
	closefds) echo "/usr/bin/closefds
/usr/share/bash-completion/completions/closefds
/usr/share/doc/closefds
/usr/share/doc/closefds/README.md
/usr/share/doc/closefds/examples
/usr/share/doc/closefds/examples/Containerfile
/usr/share/doc/closefds/examples/Containerfile.scratch
/usr/share/doc/closefds/examples/closefds-echo.service
/usr/share/doc/closefds/examples/closefds-echo.socket
/usr/share/doc/closefds/examples/closefds-example.service
/usr/share/fish/vendor_completions.d/closefds.fish
/usr/share/licenses/closefds
/usr/share/licenses/closefds/LICENSE
/usr/share/man/man1/closefds.1.gz
/usr/share/zsh/site-functions/_closefds" ;;
	closefds-libs) echo "/usr/lib64/libclosefds.so.0
/usr/lib64/libclosefds.so.$version
/usr/share/licenses/closefds-libs
/usr/share/licenses/closefds-libs/LICENSE" ;;
	closefds-devel) echo "/usr/include/closefds.h
/usr/lib64/libclosefds.so
/usr/lib64/pkgconfig/libclosefds.pc
/usr/share/man/man3/closefds_check.3.gz
/usr/share/man/man3/closefds_close_except.3.gz
/usr/share/man/man3/closefds_for_each_open.3.gz
/usr/share/man/man3/closefds_table_size.3.gz
/usr/share/man/man3/closefds_version.3.gz" ;;
	closefds-static) echo "/usr/lib64/libclosefds.a" ;;
	esac
}

# checks that closefds, installed under ROOT (/ for the .deb), runs
# run_installed WHAT BIN
run_installed() {
	got=$("$2" --version 2>&1) || true
	same "$1: --version" "closefds $version" "$got"
	# shellcheck disable=SC2016 # for the inner sh
	if "$2" -- sh -c '[ ! -e /proc/$$/fd/5 ]' 5</dev/null &&
		"$2" -k 5 -- sh -c '[ -e /proc/$$/fd/5 ]' 5</dev/null; then
		ok "$1: closes descriptor 5, keeps it with -k 5"
	else
		fail "$1: closing or keeping descriptor 5"
	fi
}

check_deb() {
	start=$(date +%s)
	for pkg in $deb_packages; do
		if dpkg-query -W -f='${Status}\n' "$pkg" 2>/dev/null | grep -q 'installed'; then
			fail "deb: $pkg is installed on this machine already; not replacing it"
			return
		fi
	done
	for f in /usr/bin/closefds /usr/include/closefds.h; do
		if [ -e "$f" ]; then
			fail "deb: $f exists on this machine already; not replacing it"
			return
		fi
	done
	if ! sh "$src/contrib/deb.sh" "$tmp/deb" 2>"$tmp/deb.log"; then
		cat "$tmp/deb.log"
		fail "deb: contrib/deb.sh"
		return
	fi
	tests=$(grep -E '^(Ok|Fail|Skipped|Timeout): ' "$tmp/deb/build.log" | tr -s ' ' | paste -sd ' ' -)
	ok "deb: built ($(($(date +%s) - start)) s; meson test --suite unit --suite docs in the build: $tests): $(cd "$tmp/deb" && echo *.deb)"
	changes=$(echo "$tmp"/deb/*.changes)
	rc=0
	lintian --fail-on error,warning --display-info "$changes" >"$tmp/lintian.log" 2>&1 || rc=$?
	# (that it runs as root is a note, not a finding)
	said=$(grep -v '^running with root privileges' "$tmp/lintian.log" || true)
	if [ "$rc" = 0 ]; then
		ok "deb: lintian: no error, no unjustified warning${said:+; it says:
$said}"
	else
		printf '%s\n' "$said"
		fail "deb: lintian (exit $rc)"
	fi
	debs=
	for pkg in $deb_packages; do
		deb=$(echo "$tmp"/deb/"${pkg}"_*.deb)
		debs="$debs $deb"
		files=$(dpkg-deb -c "$deb" | awk '$1 !~ /^d/ { sub(/^\./, "", $6); print $6 }' | sort)
		same "deb: the files of $pkg" "$(deb_files "$pkg")" "$files"
		# shellcheck disable=SC2016
		if dpkg-deb --ctrl-tarfile "$deb" | tar -xOf - 2>/dev/null | grep -q 'systemctl\|deb-systemd'; then
			fail "deb: $pkg's maintainer scripts touch systemd units"
		else
			ok "deb: $pkg enables and starts no unit"
		fi
	done
	# libclosefds0's symbols file: the version script's functions, at
	# the version that brought them.
	got=$(dpkg-deb --ctrl-tarfile "$tmp"/deb/libclosefds0_*.deb | tar -xOf - ./symbols 2>/dev/null | sed -n 's/^ \([a-z_]*\)@CLOSEFDS_0\.2 .*/\1/p' | sort)
	want=$(sed -n 's/^\t\(closefds_[a-z_]*\);$/\1/p' "$src/src/libclosefds.sym" | sort)
	same "deb: libclosefds0's symbols file has the exports of src/libclosefds.sym" "$want" "$got"

	installed_here=1
	# shellcheck disable=SC2086 # debs is a list of paths without spaces
	if ! dpkg -i $debs >"$tmp/dpkg.log" 2>&1; then
		cat "$tmp/dpkg.log"
		fail "deb: dpkg -i"
		return
	fi
	ok "deb: dpkg -i $deb_packages"
	installed=$(for pkg in $deb_packages; do dpkg -L "$pkg"; done | sort -u)
	run_installed "deb" closefds
	if [ -f /usr/share/man/man1/closefds.1.gz ]; then ok "deb: the man page"; else fail "deb: no man page"; fi
	if command -v bash >/dev/null 2>&1 && [ -f /usr/share/bash-completion/bash_completion ]; then
		# shellcheck disable=SC2016
		got=$(bash -c '. /usr/share/bash-completion/bash_completion; __load_completion closefds; COMP_WORDS=(closefds -m ""); COMP_CWORD=2; _closefds; echo "${COMPREPLY[*]}"' 2>&1 || true)
		same "deb: bash-completion loads the completion on demand" "auto close_range proc poll loop" "$got"
	fi
	if command -v zsh >/dev/null 2>&1; then
		# shellcheck disable=SC2016
		got=$(zsh -fc 'for d in $fpath; do [[ -e $d/_closefds ]] && print $d; done; true' || true)
		same "deb: zsh finds _closefds in its fpath" "/usr/share/zsh/vendor-completions" "$got"
	fi
	if command -v fish >/dev/null 2>&1; then
		got=$(HOME=$tmp fish -c 'complete -C"closefds --li"' 2>&1 | cut -f1 | sort | tr '\n' ' ')
		same "deb: fish completes from vendor_completions.d" "--list --listen-fd --listen-fds " "$got"
	fi
	# A program built against libclosefds-dev as installed: with
	# pkg-config, shared (it must need libclosefds.so.0), and against
	# libclosefds.a (it must not).
	consumer=$src/tests/lib/consumer.c
	# shellcheck disable=SC2046 # pkg-config's flags are words
	if cc -o "$tmp/consumer" "$consumer" $(pkg-config --cflags --libs libclosefds) 2>"$tmp/cc.log" &&
		readelf -d "$tmp/consumer" | grep -q 'NEEDED.*libclosefds\.so\.0' && "$tmp/consumer" >"$tmp/consumer.log" 2>&1; then
		ok "deb: a program built with pkg-config libclosefds runs on libclosefds.so.0: $(cat "$tmp/consumer.log")"
	else
		cat "$tmp/cc.log" "$tmp/consumer.log" 2>/dev/null
		fail "deb: a program built with pkg-config libclosefds"
	fi
	# shellcheck disable=SC2046
	if cc -o "$tmp/consumer-static" "$consumer" $(pkg-config --cflags libclosefds) \
		"$(pkg-config --variable=libdir libclosefds)/libclosefds.a" $(pkg-config --static --libs-only-other libclosefds) 2>"$tmp/cc.log" &&
		! readelf -d "$tmp/consumer-static" | grep -q 'NEEDED.*libclosefds' && "$tmp/consumer-static" >"$tmp/consumer.log" 2>&1; then
		ok "deb: a program linked with libclosefds.a runs without libclosefds.so"
	else
		cat "$tmp/cc.log" "$tmp/consumer.log" 2>/dev/null
		fail "deb: a program linked with libclosefds.a"
	fi

	# shellcheck disable=SC2086
	dpkg -r $deb_packages >"$tmp/dpkg.log" 2>&1 || { cat "$tmp/dpkg.log"; fail "deb: dpkg -r"; }
	left=$(for f in $installed; do [ -f "$f" ] || [ -L "$f" ] && echo "$f"; done
		for pkg in $deb_packages; do [ ! -d "/usr/share/doc/$pkg" ] || echo "/usr/share/doc/$pkg"; done)
	same "deb: dpkg -r leaves none of their files" "" "$left"
	# shellcheck disable=SC2086
	dpkg -P $deb_packages >"$tmp/dpkg.log" 2>&1 || { cat "$tmp/dpkg.log"; fail "deb: dpkg -P"; }
	installed_here=0
	got=$(for pkg in $deb_packages; do
		dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null || true
		ls /var/lib/dpkg/info/"$pkg".* /var/lib/dpkg/info/"$pkg":*.* 2>/dev/null || true
	done)
	same "deb: dpkg -P: dpkg knows nothing of them" "" "$got"
	say "deb: $(($(date +%s) - start)) s"
}

check_rpm() {
	start=$(date +%s)
	command -v rpmbuild >/dev/null 2>&1 || {
		fail "rpm: rpmbuild is not installed (rpm)"
		return
	}
	# The tarball of the commit checked out (uncommitted changes are not
	# in it: meson dist packs the committed tree).
	if ! { meson setup "$tmp/dist" "$src" && meson dist -C "$tmp/dist" --no-tests --allow-dirty --formats xztar; } >"$tmp/dist.log" 2>&1; then
		tail -n 20 "$tmp/dist.log"
		fail "rpm: meson dist"
		return
	fi
	mkdir -p "$tmp/rpmbuild/SOURCES"
	cp "$tmp/dist/meson-dist/closefds-$version.tar.xz" "$tmp/rpmbuild/SOURCES/"
	spec=$tmp/closefds.spec
	cp "$src/contrib/closefds.spec" "$spec"
	specversion=$(sed -n 's/^Version: *//p' "$spec")
	if [ "$specversion" != "$version" ]; then
		# as deb.sh does for the changelog: a snapshot of this version
		sed -i "s/^Version: .*/Version:        $version/; s/^Release: .*/Release:        0.1%{?dist}/" "$spec"
		say "rpm: contrib/closefds.spec is at $specversion, meson.build at $version: built as $version-0.1"
	fi
	if ! rpmbuild -bb --nodeps --define "_topdir $tmp/rpmbuild" "$spec" >"$tmp/rpmbuild.log" 2>&1; then
		tail -n 40 "$tmp/rpmbuild.log"
		fail "rpm: rpmbuild -bb --nodeps"
		return
	fi
	rpms=
	for pkg in $rpm_packages; do
		rpm=$(echo "$tmp/rpmbuild/RPMS/"*/"$pkg-$version"-*.rpm)
		[ -f "$rpm" ] || {
			fail "rpm: no $pkg-$version rpm in $(ls -R "$tmp/rpmbuild/RPMS")"
			return
		}
		rpms="$rpms $rpm"
	done
	tests=$(grep -E '^(Ok|Fail|Skipped|Timeout): ' "$tmp/rpmbuild.log" | tr -s ' ' | paste -sd ' ' -)
	ok "rpm: built ($(($(date +%s) - start)) s; %check ran meson test --suite unit --suite docs: $tests):$(for r in $rpms; do printf ' %s' "${r##*/}"; done)"
	# What rpm's configuration decides, not the spec: the build-id links
	# (rpm 4.18 adds /usr/lib/.build-id/ links to the package unless
	# configured otherwise) and the man pages' compression (brp-compress:
	# Fedora's rpm gzips them, Debian's leaves them as they are).
	for rpm in $rpms; do
		pkg=$(rpm -qp --qf '%{NAME}' "$rpm")
		same "rpm: rpm -qlp $pkg (build-id links aside, man pages compressed or not)" "$(rpm_files "$pkg")" \
			"$(rpm -qlp "$rpm" | grep -v '^/usr/lib/\.build-id' | sed 's|^\(/usr/share/man/man[0-9]/.*\.[0-9]\)$|\1.gz|' | sort)"
	done
	root=$tmp/root
	mkdir -p "$root"
	# shellcheck disable=SC2086 # rpms is a list of paths without spaces
	if rpm -i --nodeps --root "$root" $rpms >"$tmp/rpm.log" 2>&1; then
		ok "rpm: rpm -i --nodeps $rpm_packages into a scratch root"
		run_installed "rpm" "$root/usr/bin/closefds"
		# shellcheck disable=SC2086
		rpm -e --root "$root" $rpm_packages >"$tmp/rpm.log" 2>&1 || { cat "$tmp/rpm.log"; fail "rpm: rpm -e"; }
		left=$(cd "$root" && find usr -type f -o -type l 2>/dev/null)
		same "rpm: rpm -e leaves none of their files" "" "$left"
	else
		cat "$tmp/rpm.log"
		fail "rpm: rpm -i --nodeps"
	fi
	say "rpm: $(($(date +%s) - start)) s"
}

# The README's Dockerfile, taken from the README as it is, built with
# podman (runc) in a storage of its own under $tmp: its release directory
# served on 127.0.0.1 by busybox httpd, debian:12-slim stood in for by a
# busybox image made here (no registry is reachable); the build must
# succeed with the binary's SHA256SUMS line and fail with a wrong one, and
# the image must run closefds.  RELEASE_DIR (closefds-x86_64 and
# SHA256SUMS) as contrib/release.sh makes it; without one, a static musl
# build of the tree and its own SHA256SUMS.
check_dockerfile() {
	start=$(date +%s)
	for tool in podman runc busybox; do
		command -v "$tool" >/dev/null 2>&1 || {
			fail "dockerfile: $tool is not installed"
			return
		}
	done
	rel=${release_dir:-$tmp/release}
	if [ -z "$release_dir" ]; then
		mkdir -p "$rel"
		if ! { CC=musl-gcc meson setup "$tmp/musl" "$src" -Dstatic=true -Dbuildtype=release -Dcmocka=disabled &&
			meson compile -C "$tmp/musl" src/closefds:executable; } >"$tmp/musl.log" 2>&1; then
			tail -n 20 "$tmp/musl.log"
			fail "dockerfile: a static musl build"
			return
		fi
		cp "$tmp/musl/src/closefds" "$rel/closefds-x86_64"
		(cd "$rel" && sha256sum closefds-x86_64 >SHA256SUMS)
	fi
	line=$(grep ' closefds-x86_64$' "$rel/SHA256SUMS") || {
		fail "dockerfile: no closefds-x86_64 line in $rel/SHA256SUMS"
		return
	}
	ctx=$tmp/ctx
	mkdir -p "$ctx" "$tmp/base/bin"
	sed -n '/^FROM debian:12-slim AS closefds$/,/^CMD \[/p' "$src/README.md" >"$ctx/Dockerfile"
	grep -q 'sha256sum -c' "$ctx/Dockerfile" || {
		fail "dockerfile: no Dockerfile with sha256sum -c in README.md"
		return
	}
	cp "$(command -v busybox)" "$tmp/base/bin/busybox"
	for a in sh sha256sum chmod; do ln -s busybox "$tmp/base/bin/$a"; done
	cp "$(command -v busybox)" "$ctx/myserver"
	p() { podman --root "$tmp/storage" --runroot "$tmp/run" "$@"; }
	tar -C "$tmp/base" -cf "$tmp/base.tar" .
	p import "$tmp/base.tar" docker.io/library/debian:12-slim >"$tmp/podman.log" 2>&1 || {
		cat "$tmp/podman.log"
		fail "dockerfile: podman import of the stand-in base image"
		return
	}
	port=$((20000 + $$ % 10000))
	busybox httpd -f -p "127.0.0.1:$port" -h "$rel" &
	httpd=$!
	sleep 1
	url=http://127.0.0.1:$port
	if p build --pull=never --runtime runc -t closefds-dockerfile --build-arg "CLOSEFDS_URL=$url" \
		--build-arg "CLOSEFDS_SHA256SUMS_LINE=$line" "$ctx" >"$tmp/build.log" 2>&1; then
		ok "dockerfile: the README's Dockerfile builds with the binary's SHA256SUMS line"
	else
		tail -n 20 "$tmp/build.log"
		fail "dockerfile: the README's Dockerfile does not build"
	fi
	bad="0000000000000000000000000000000000000000000000000000000000000000  closefds-x86_64"
	if p build --pull=never --runtime runc -t closefds-dockerfile-bad --build-arg "CLOSEFDS_URL=$url" \
		--build-arg "CLOSEFDS_SHA256SUMS_LINE=$bad" "$ctx" >"$tmp/build.log" 2>&1; then
		fail "dockerfile: built with a wrong checksum"
	elif grep -q 'did NOT match' "$tmp/build.log"; then
		ok "dockerfile: a wrong checksum fails the build (sha256sum -c)"
	else
		tail -n 20 "$tmp/build.log"
		fail "dockerfile: the build with a wrong checksum failed, but not at sha256sum -c"
	fi
	kill "$httpd"
	wait "$httpd" 2>/dev/null || true
	got=$(p run --rm --runtime runc --network none --ulimit nofile=20000:20000 --ulimit nproc=32768:32768 \
		closefds-dockerfile --version 2>&1) || true
	same "dockerfile: the image runs closefds (podman run IMAGE --version)" "closefds $version" "$got"
	p rmi -a -f >/dev/null 2>&1 || true
	p system reset -f >/dev/null 2>&1 || true
	say "dockerfile: $(($(date +%s) - start)) s"
}

[ "$#" -gt 0 ] || set -- deb rpm
release_dir=
for what in "$@"; do
	case $what in
	deb) check_deb ;;
	rpm) check_rpm ;;
	dockerfile) check_dockerfile ;;
	dockerfile=*)
		release_dir=$(cd "${what#dockerfile=}" && pwd)
		check_dockerfile
		;;
	*)
		say "usage: package-check.sh [deb] [rpm] [dockerfile[=RELEASE_DIR]]"
		exit 2
		;;
	esac
done
say "$passed checks passed, $failed failed"
[ "$failed" = 0 ]
