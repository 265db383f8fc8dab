#!/bin/sh
# mkstatic.sh OUT ENGINE.a OBJCOPY AR CC...: libclosefds.a as one object,
# partially linked from every object of the engine archive, in which every
# hidden symbol (all but closefds_*) is made local, so a program linking it
# statically meets none of the engine's internal names.
set -eu
out=$1
engine=$2
objcopy=$3
ar=$4
shift 4
obj=${out%.a}.o
rm -f "$out" "$obj"
"$@" -r -nostdlib -o "$obj" -Wl,--whole-archive "$engine" -Wl,--no-whole-archive
"$objcopy" --localize-hidden "$obj"
"$ar" rcs "$out" "$obj"
rm -f "$obj"
