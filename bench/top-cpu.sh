#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
# CPU time per refresh of `hvoplan top -b` against procps `top -b` with a few
# thousand processes on the host.
#
#   bench/top-cpu.sh [PROCESSES [ITERATIONS]]     (defaults 3000 and 20)
#
# Spawns PROCESSES `sleep` processes (killed by PID on exit), then runs each
# tool with -b -d 0.1 -n 1 and -n 1+ITERATIONS. CPU is utime+stime of the
# child (getrusage RUSAGE_CHILDREN, microsecond resolution). Per refresh is
# the difference divided by ITERATIONS, so start-up (hvoplan reads BTF, the
# kernel config and the boot log once) is reported apart. hvoplan runs with
# its default panels, the processes panel included.
set -euo pipefail
cd "$(dirname "$0")/.."
NPROC=${1:-3000}
ITER=${2:-20}
HV=${HVOPLAN:-./hvoplan}
[ -x "$HV" ] || { echo "build hvoplan first (make)" >&2; exit 2; }
command -v top >/dev/null || { echo "procps top not installed" >&2; exit 2; }

pids=()
cleanup() {
	# only the sleeps we started, by PID
	if [ "${#pids[@]}" -gt 0 ]; then kill "${pids[@]}" 2>/dev/null || true; fi
	wait 2>/dev/null || true
}
trap cleanup EXIT INT TERM
for _ in $(seq "$NPROC"); do
	sleep 3600 &
	pids+=($!)
done
tasks=$(ls -d /proc/[0-9]* 2>/dev/null | wc -l)

# cpu CMD...: seconds of user+system CPU the command used
cpu() {
	python3 - "$@" <<'EOF'
import resource, subprocess, sys
subprocess.run(sys.argv[1:], stdout=subprocess.DEVNULL, check=True)
r = resource.getrusage(resource.RUSAGE_CHILDREN)
print(f"{r.ru_utime + r.ru_stime:.6f}")
EOF
}

# per CMD...: prints "startup_ms per_refresh_ms" (best of 3 runs each)
per() {
	local one=9e9 many=9e9 t
	for _ in 1 2 3; do
		t=$(cpu "$@" -n 1)
		one=$(python3 -c "print(min($one, $t))")
		t=$(cpu "$@" -n $((ITER + 1)))
		many=$(python3 -c "print(min($many, $t))")
	done
	python3 -c "print(f'{$one*1000:.1f} {($many-$one)/$ITER*1000:.2f}')"
}

report() { # report LABEL
	local hv_start hv_per top_start top_per ratio
	read -r hv_start hv_per < <(per "$HV" top -b -d 0.1)
	read -r top_start top_per < <(per env TERM=dumb top -b -d 0.1)
	ratio=$(python3 -c "print(f'{$hv_per/$top_per:.2f}' if $top_per > 0 else 'n/a')")
	echo
	echo "$1"
	printf '  %-22s %12s %16s\n' tool "startup ms" "CPU ms/refresh"
	printf '  %-22s %12s %16s\n' "hvoplan top -b" "$hv_start" "$hv_per"
	printf '  %-22s %12s %16s\n' "procps top -b" "$top_start" "$top_per"
	echo "  ratio hvoplan/top per refresh: $ratio"
}

echo "machine: $(nproc) CPUs, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //'), $(uname -r)"
echo "processes on the host: $tasks (including $NPROC sleeps); $ITER refreshes at -d 0.1"

# A: no hugetlb page in use. hvoplan knows from the pools that no process
# can map one and skips the /proc walk.
report "A. no hugetlb page in use (pools empty or all free)"

# B: one process maps hugetlb pages, so hvoplan reads HugetlbPages of every
# process each refresh (the worst case). Needs root and 2M pages; the pool
# size is restored on exit.
P2M=/sys/kernel/mm/hugepages/hugepages-2048kB
if [ "$(id -u)" -eq 0 ] && [ -w "$P2M/nr_hugepages" ] && command -v cc >/dev/null; then
	orig_nr=$(cat "$P2M/nr_hugepages")
	tmp=$(mktemp -d)
	cleanup_b() { cleanup; echo "$orig_nr" >"$P2M/nr_hugepages"; rm -rf "$tmp"; }
	trap cleanup_b EXIT INT TERM
	cat >"$tmp/hog.c" <<'EOF'
#define _GNU_SOURCE
#include <sys/mman.h>
#include <unistd.h>
int main(void)
{
	size_t n = 2 * 2097152;
	char *p = mmap(0, n, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_HUGETLB, -1, 0);
	if (p == MAP_FAILED)
		return 1;
	p[0] = p[2097152] = 1;
	pause();
	return 0;
}
EOF
	cc -O2 -o "$tmp/hog" "$tmp/hog.c"
	echo $((orig_nr + 2)) >"$P2M/nr_hugepages"
	"$tmp/hog" &
	pids+=($!)
	sleep 0.3
	report "B. one process maps 2 hugetlb pages (full HugetlbPages scan every refresh)"
else
	echo
	echo "B. skipped: needs root and $P2M"
fi
