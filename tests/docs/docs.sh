#!/bin/sh
# docs.sh: the promises users read agree with the program: --help, the man
# page and the README name the same options and exit codes, the man page
# SYNOPSIS is the usage line, the man page lints clean, and the README's
# test command is the one CI runs.  TAP output.
# Usage: docs.sh CLOSEFDS SOURCE_ROOT
set -u
closefds=$1
root=$2
man=$root/man/closefds.1
readme=$root/README.md
# shellcheck source=tests/lib/tap.sh
. "$(dirname "$0")/../lib/tap.sh"

help=$("$closefds" --help)

# Every option --help lists, long and short, is in the man page and README.
options=$(printf '%s\n' "$help" | grep -oE '(^|[ ,])--?[a-zA-Z][a-z-]*' | tr -d ' ,' | sort -u)
for opt in $options; do
	# In mdoc a dash is written \- or Fl adds it: look for the name.
	name=$(printf '%s' "$opt" | sed 's/^-*//')
	if [ "${opt#--}" != "$opt" ]; then
		in_man=$(grep -cE "Fl \\\\-$name([^a-z-]|\$)" "$man")
	else
		in_man=$(grep -cE "Fl $name( |\$|,)" "$man")
	fi
	in_readme=$(grep -c -- "$opt" "$readme")
	if [ "$in_man" -gt 0 ] && [ "$in_readme" -gt 0 ]; then
		ok "$opt is in the man page and the README"
	else
		not_ok "$opt: man page $in_man, README $in_readme"
	fi
done

# Every option --help lists is offered by each shell's completion.
completions=$root/contrib/completions
for opt in $options; do
	name=$(printf '%s' "$opt" | sed 's/^-*//')
	if [ "${opt#--}" != "$opt" ]; then fish="-l $name( |\$)"; else fish="-s $name( |\$)"; fi
	b=$(grep -cE -- "(^|[[:space:]'])$opt(=|[[:space:]]|\$|')" "$completions/closefds.bash")
	f=$(grep -cE -- "$fish" "$completions/closefds.fish")
	z=$(grep -cE -- "[{,')*]${opt}[+=[,}]" "$completions/_closefds")
	if [ "$b" -gt 0 ] && [ "$f" -gt 0 ] && [ "$z" -gt 0 ]; then
		ok "$opt is in the bash, fish and zsh completions"
	else
		not_ok "$opt in the completions: bash $b, fish $f, zsh $z"
	fi
done

# The README's usage block is --help's option table, line for line.
help_table=$(printf '%s\n' "$help" | sed -n '/^  -k, --keep-fd/,/^  -V, --version/p')
readme_table=$(sed -n '/^  -k, --keep-fd/,/^  -V, --version/p' "$readme")
if [ -n "$help_table" ] && [ "$help_table" = "$readme_table" ]; then
	ok "README usage block is the --help option table"
else
	not_ok "README usage block differs from --help"
fi

if command -v mandoc >/dev/null 2>&1; then
	synopsis=$(mandoc -Tascii "$man" | col -b | sed -n '/^SYNOPSIS/{n;p;}' | sed 's/^ *//')
	usage=$(printf '%s\n' "$help" | head -n 1 | sed 's/^Usage: //')
	if [ "$synopsis" = "$usage" ]; then
		ok "man SYNOPSIS is the usage line ($usage)"
	else
		not_ok "man SYNOPSIS '$synopsis' is not the usage line '$usage'"
	fi
	lint=$(mandoc -Tlint -Wwarning "$man" 2>&1)
	if [ -z "$lint" ]; then ok "mandoc -Tlint is clean"; else not_ok "mandoc -Tlint" "$lint"; fi
else
	skip "man SYNOPSIS" "mandoc is not installed"
	skip "mandoc -Tlint" "mandoc is not installed"
fi

for code in 125 126 127; do
	h=$(printf '%s\n' "$help" | grep -c "$code")
	m=$(grep -c "^\.It $code\$" "$man")
	r=$(grep -c "$code" "$readme")
	if [ "$h" -gt 0 ] && [ "$m" -gt 0 ] && [ "$r" -gt 0 ]; then
		ok "exit status $code is in --help, the man page and the README"
	else
		not_ok "exit status $code: --help $h, man $m, README $r"
	fi
done

# Exactly two commands in the README, the second after "Run the tests:",
# and .ci/run takes its command from there.
blocks=$(grep -c '^```sh$' "$readme")
test_cmd=$(sed -n '/^Run the tests:$/,/^```$/p' "$readme" | sed -n '/^```sh$/{n;p;q}')
if [ "$blocks" -eq 2 ] && [ -n "$test_cmd" ] && grep -q "sed -n '/^Run the tests:\$/" "$root/.ci/run"; then
	ok "README has two commands; CI runs its test command ($test_cmd)"
else
	not_ok "README commands: $blocks blocks, test command '$test_cmd'"
fi
if grep -q '^Prerequisites:' "$readme"; then ok "README has a prerequisites line"; else not_ok "README prerequisites line"; fi

# libclosefds: every function the version script exports has its own
# section-3 page that lints clean, and the README names it; the version page
# shows the version closefds --version prints.
functions=$(sed -n '/^global:/,/^local:/p' "$root/src/libclosefds.sym" | sed -n 's/^[[:space:]]*\([a-z_]*\);.*/\1/p')
for f in $functions; do
	page=$root/man/$f.3
	r=$(grep -c "$f" "$readme")
	if [ ! -f "$page" ] || [ "$r" -eq 0 ]; then
		not_ok "$f: man page $page $([ -f "$page" ] && echo exists || echo missing), README $r"
	elif ! command -v mandoc >/dev/null 2>&1; then
		skip "$f.3 lints clean" "mandoc is not installed"
	else
		lint=$(mandoc -Tlint -Wwarning "$page" 2>&1)
		if [ -z "$lint" ]; then ok "$f has a man page that lints clean and is in the README"; else not_ok "mandoc -Tlint $f.3" "$lint"; fi
	fi
done
version=$("$closefds" --version | sed 's/^closefds //')
if grep -qF "CLOSEFDS_VERSION_STRING \\(dq$version\\(dq" "$root/man/closefds_version.3"; then
	ok "closefds_version.3 shows version $version"
else
	not_ok "closefds_version.3 does not show version $version"
fi

tap_done
