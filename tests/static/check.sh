#!/bin/sh
# check.sh: static analysis of src/: cppcheck, and clang-tidy with the
# checked-in .clang-tidy.  Either reporting anything fails; a missing tool
# is skipped with a message.
# Usage: tests/static/check.sh BUILDDIR   (for compile_commands.json)
set -u
root=$(cd "$(dirname "$0")/../.." && pwd)
build=$1
status=0
cd "$root" || exit 1

if command -v cppcheck >/dev/null 2>&1; then
	if cppcheck --enable=warning,style,performance,portability --inline-suppr \
		--error-exitcode=1 -q -D__linux__ \
		-I src --suppress=missingIncludeSystem src/; then
		echo "static: cppcheck: clean"
	else
		echo "static: cppcheck: findings above"
		status=1
	fi
else
	echo "static: cppcheck is not installed: skipped"
fi

if command -v clang-tidy >/dev/null 2>&1; then
	if [ ! -f "$build/compile_commands.json" ]; then
		echo "static: no $build/compile_commands.json"
		status=1
	elif out=$(clang-tidy -p "$build" --quiet src/*.c 2>&1) &&
		! printf '%s\n' "$out" | grep -qE '(warning|error):'; then
		echo "static: clang-tidy: clean"
	else
		printf '%s\n' "$out" | grep -E '(warning|error):'
		echo "static: clang-tidy: findings above"
		status=1
	fi
else
	echo "static: clang-tidy is not installed: skipped"
fi
exit "$status"
