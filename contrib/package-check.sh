#!/bin/sh
# package-check.sh [deb] [rpm]: build the packages and check them for real
# (both when none is named).  Run as root on a Debian machine; prints a
# line per check and exits non-zero if one fails.
#   deb  contrib/deb.sh from the source tree; lintian fails on any error or
#        warning that contrib/debian's overrides do not justify; each
#        package's file list equals the one below; no maintainer script
#        enables a unit; dpkg -i, closefds runs from PATH and closes a
#        descriptor, its man page and its bash, zsh and fish completions
#        are where those programs look; dpkg -r leaves none of its files,
#        dpkg -P leaves no trace in dpkg's database.  Refuses to start where
#        closefds is installed already (it would replace it).
#   rpm  rpmbuild -bb --nodeps (Debian's rpm package; the Fedora
#        BuildRequires have other names here) from the `meson dist
#        --no-tests` tarball of the commit checked out; rpm -qlp equals the
#        list below; rpm -i --nodeps into a scratch root, closefds runs from
#        there, rpm -e removes every file.
set -eu
export LC_ALL=C
src=$(cd "$(dirname "$0")/.." && pwd)
tmp=$(mktemp -d)
# A package this script installed is purged whatever happens.
installed_here=0
trap '[ "$installed_here" = 0 ] || dpkg -P closefds >/dev/null 2>&1; rm -rf "$tmp"' EXIT
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
deb_packages="closefds"
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
/usr/share/lintian/overrides/closefds
/usr/share/man/man1/closefds.1.gz
/usr/share/zsh/vendor-completions/_closefds" ;;
	esac
}
# Files and directories, as rpm -qlp lists them.
rpm_files="/usr/bin/closefds
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
/usr/share/zsh/site-functions/_closefds"

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
	if dpkg-query -W -f='${Status}\n' closefds 2>/dev/null | grep -q 'installed' || [ -e /usr/bin/closefds ]; then
		fail "deb: closefds is installed on this machine already; not replacing it"
		return
	fi
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
	for pkg in $deb_packages; do
		deb=$(echo "$tmp"/deb/"${pkg}"_*.deb)
		files=$(dpkg-deb -c "$deb" | awk '$1 !~ /^d/ { sub(/^\./, "", $6); print $6 }' | sort)
		same "deb: the files of $pkg" "$(deb_files "$pkg")" "$files"
		# shellcheck disable=SC2016
		if dpkg-deb --ctrl-tarfile "$deb" | tar -xOf - 2>/dev/null | grep -q 'systemctl\|deb-systemd'; then
			fail "deb: $pkg's maintainer scripts touch systemd units"
		else
			ok "deb: $pkg enables and starts no unit"
		fi
	done

	installed_here=1
	if ! dpkg -i "$tmp"/deb/closefds_*.deb >"$tmp/dpkg.log" 2>&1; then
		cat "$tmp/dpkg.log"
		fail "deb: dpkg -i"
		return
	fi
	ok "deb: dpkg -i"
	installed=$(dpkg -L closefds | sort)
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

	dpkg -r closefds >"$tmp/dpkg.log" 2>&1 || { cat "$tmp/dpkg.log"; fail "deb: dpkg -r"; }
	left=$(for f in $installed; do [ -f "$f" ] || [ -L "$f" ] && echo "$f"; done; [ ! -d /usr/share/doc/closefds ] || echo /usr/share/doc/closefds)
	same "deb: dpkg -r leaves none of its files" "" "$left"
	dpkg -P closefds >"$tmp/dpkg.log" 2>&1 || { cat "$tmp/dpkg.log"; fail "deb: dpkg -P"; }
	installed_here=0
	got=$(dpkg-query -W -f='${Status}' closefds 2>/dev/null || true)
	left=$(ls /var/lib/dpkg/info/closefds.* 2>/dev/null || true)
	same "deb: dpkg -P: dpkg knows nothing of it" "" "$got$left"
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
	rpm=$(echo "$tmp"/rpmbuild/RPMS/*/closefds-"$version"-*.rpm)
	[ -f "$rpm" ] || {
		fail "rpm: no closefds-$version rpm in $(ls -R "$tmp/rpmbuild/RPMS")"
		return
	}
	tests=$(grep -E '^(Ok|Fail|Skipped|Timeout): ' "$tmp/rpmbuild.log" | tr -s ' ' | paste -sd ' ' -)
	ok "rpm: built ($(($(date +%s) - start)) s; %check ran meson test --suite unit --suite docs: $tests): ${rpm##*/}"
	# What rpm's configuration decides, not the spec: the build-id links
	# (rpm 4.18 adds /usr/lib/.build-id/ links to the package unless
	# configured otherwise) and the man page's compression (brp-compress:
	# Fedora's rpm gzips it, Debian's leaves it as it is).
	same "rpm: rpm -qlp (build-id links aside, the man page compressed or not)" "$rpm_files" \
		"$(rpm -qlp "$rpm" | grep -v '^/usr/lib/\.build-id' | sed 's|^\(/usr/share/man/man1/closefds\.1\)$|\1.gz|' | sort)"
	root=$tmp/root
	mkdir -p "$root"
	if rpm -i --nodeps --root "$root" "$rpm" >"$tmp/rpm.log" 2>&1; then
		ok "rpm: rpm -i --nodeps into a scratch root"
		run_installed "rpm" "$root/usr/bin/closefds"
		rpm -e --root "$root" closefds >"$tmp/rpm.log" 2>&1 || { cat "$tmp/rpm.log"; fail "rpm: rpm -e"; }
		left=$(cd "$root" && find usr -type f -o -type l 2>/dev/null)
		same "rpm: rpm -e leaves none of its files" "" "$left"
	else
		cat "$tmp/rpm.log"
		fail "rpm: rpm -i --nodeps"
	fi
	say "rpm: $(($(date +%s) - start)) s"
}

[ "$#" -gt 0 ] || set -- deb rpm
for what in "$@"; do
	case $what in
	deb) check_deb ;;
	rpm) check_rpm ;;
	*)
		say "usage: package-check.sh [deb] [rpm]"
		exit 2
		;;
	esac
done
say "$passed checks passed, $failed failed"
[ "$failed" = 0 ]
