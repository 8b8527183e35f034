#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# Builds the fault-injection shim: build/fault/shim.so (LD_PRELOAD).
# Usage: tests/fault/build.sh [OUTDIR]   (default: build/fault under the top)
# No Makefile involvement: tests/cli/fault.bats calls this itself and only
# rebuilds when shim.c is newer than the library.
set -eu
top=$(cd "$(dirname "$0")/../.." && pwd)
out=${1:-$top/build/fault}
mkdir -p "$out"
src=$top/tests/fault/shim.c
lib=$out/shim.so
if [ ! -f "$lib" ] || [ "$src" -nt "$lib" ]; then
	${CC:-cc} -std=gnu17 -O2 -g -Wall -Wextra -Werror -shared -fPIC -o "$lib.tmp.$$" "$src" -ldl
	mv -f "$lib.tmp.$$" "$lib"
fi
echo "$lib"
