#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
# Builds the libFuzzer targets (fuzz/targets/fuzz_*.c) straight from the pure
# layers: src/parse/*.c, src/model/*.c, src/util/error.c, apply's text
# editing (src/apply/cmdline.c, grubsh.c), for the boot entry target
# src/apply/bootentry.c, for the manifest target
# src/apply/manifest.c, for the config target src/config/config.c (its
# string parsers), for the tmpfiles target src/apply/tmpfiles.c. No
# Makefile, no I/O code: what is fuzzed is exactly what the probe, the
# planner (or apply --revert) feed.
#   fuzz/build.sh            -> build/fuzz/bin/fuzz_<name>
#   FUZZ_OUT=DIR fuzz/build.sh
# Installs clang and the libFuzzer runtime (Debian 12: clang, libclang-rt-14-dev)
# when missing and running as root.
set -euo pipefail
cd "$(dirname "$0")/.."
OUT=${FUZZ_OUT:-build/fuzz}
CC=${FUZZ_CC:-clang}

need=()
command -v clang >/dev/null || need+=(clang)
dpkg-query -W -f='${Status}' libclang-rt-14-dev 2>/dev/null | grep -q 'install ok installed' || need+=(libclang-rt-14-dev)
dpkg-query -W -f='${Status}' zlib1g-dev 2>/dev/null | grep -q 'install ok installed' || need+=(zlib1g-dev)
dpkg-query -W -f='${Status}' libinih-dev 2>/dev/null | grep -q 'install ok installed' || need+=(libinih-dev)
if [ "${#need[@]}" -gt 0 ]; then
	if [ "$(id -u)" -ne 0 ]; then
		echo "fuzz/build.sh: missing ${need[*]} (apt-get install ${need[*]})" >&2
		exit 3
	fi
	DEBIAN_FRONTEND=noninteractive apt-get update -qq
	DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
fi

SAN="-fsanitize=address,undefined -fno-sanitize-recover=all"
# FUZZ_RECOVER=1: UBSan reports and goes on (with UBSAN_OPTIONS=halt_on_error=0),
# to list every undefined-behaviour site in one run rather than the first.
[ "${FUZZ_RECOVER:-0}" = 1 ] && SAN="-fsanitize=address,undefined -fsanitize-recover=undefined"
CFLAGS="-std=c17 -g -O1 -fno-omit-frame-pointer -D_GNU_SOURCE -Iinclude -Wall -Wextra -Werror -Wno-unused-parameter"
mkdir -p "$OUT/obj" "$OUT/bin"

# The code under test: instrumented for coverage, not linked with main().
objs=()
for src in src/parse/*.c src/model/*.c src/util/error.c src/apply/cmdline.c src/apply/grubsh.c; do
	obj=$OUT/obj/$(echo "${src%.c}" | tr / _).o
	if [ ! -e "$obj" ] || [ "$src" -nt "$obj" ] || [ "$0" -nt "$obj" ] || \
	   [ -n "$(find include -newer "$obj" -name '*.h' -print -quit)" ]; then
		$CC $CFLAGS $SAN -fsanitize=fuzzer-no-link -c -o "$obj" "$src"
	fi
	objs+=("$obj")
done

# The backup manifest parser (read by apply --revert) and the path check it
# shares with the writers; rootfs.c needs fsutil.c to link, nothing calls it.
mf_objs=()
for src in src/apply/manifest.c src/apply/rootfs.c src/util/fsutil.c; do
	obj=$OUT/obj/$(echo "${src%.c}" | tr / _).o
	if [ ! -e "$obj" ] || [ "$src" -nt "$obj" ] || [ "$0" -nt "$obj" ] || \
	   [ -n "$(find include -newer "$obj" -name '*.h' -print -quit)" ]; then
		$CC $CFLAGS $SAN -fsanitize=fuzzer-no-link -c -o "$obj" "$src"
	fi
	mf_objs+=("$obj")
done

# The settings parser (hvoplan.conf, HVOPLAN_*, --pages); it opens libinih
# with dlopen (src/util/dl.c). The root reads it makes for a file are stubs
# in the target: only the string parsers are fuzzed.
cfg_objs=()
for src in src/config/config.c src/util/dl.c; do
	obj=$OUT/obj/$(echo "${src%.c}" | tr / _).o
	if [ ! -e "$obj" ] || [ "$src" -nt "$obj" ] || [ "$0" -nt "$obj" ] || \
	   [ -n "$(find include -newer "$obj" -name '*.h' -print -quit)" ]; then
		$CC $CFLAGS $SAN -fsanitize=fuzzer-no-link -c -o "$obj" "$src"
	fi
	cfg_objs+=("$obj")
done

# The overcommit drop-in and the scan for other boot-time writers (pure text).
tf_obj=$OUT/obj/src_apply_tmpfiles.o
if [ ! -e "$tf_obj" ] || [ src/apply/tmpfiles.c -nt "$tf_obj" ] || [ "$0" -nt "$tf_obj" ] || \
   [ -n "$(find include -newer "$tf_obj" -name '*.h' -print -quit)" ]; then
	$CC $CFLAGS $SAN -fsanitize=fuzzer-no-link -c -o "$tf_obj" src/apply/tmpfiles.c
fi

# Kernels installed later: the record (through the settings parser) and
# boot entries given its parameters (pure text).
be_obj=$OUT/obj/src_apply_bootentry.o
if [ ! -e "$be_obj" ] || [ src/apply/bootentry.c -nt "$be_obj" ] || [ "$0" -nt "$be_obj" ] || \
   [ -n "$(find include -newer "$be_obj" -name '*.h' -print -quit)" ]; then
	$CC $CFLAGS $SAN -fsanitize=fuzzer-no-link -c -o "$be_obj" src/apply/bootentry.c
fi

for t in fuzz/targets/fuzz_*.c; do
	name=$(basename "${t%.c}")
	bin=$OUT/bin/$name
	libs=()
	[ "$name" = fuzz_kconfig_gz ] && libs+=(-lz)
	[ "$name" = fuzz_manifest ] && libs+=("${mf_objs[@]}")
	[ "$name" = fuzz_config ] && libs+=("${cfg_objs[@]}" -ldl)
	[ "$name" = fuzz_tmpfiles ] && libs+=("$tf_obj")
	[ "$name" = fuzz_boot_entry ] && libs+=("$be_obj" "${cfg_objs[@]}" -ldl)
	$CC $CFLAGS $SAN -fsanitize=fuzzer -o "$bin" "$t" "${objs[@]}" "${libs[@]}"
done
echo "fuzz/build.sh: $(ls "$OUT/bin" | wc -l) targets in $OUT/bin"
