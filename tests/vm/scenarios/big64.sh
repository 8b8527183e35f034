# SPDX-License-Identifier: GPL-2.0-or-later
# shellcheck shell=sh
# A production-sized guest (run-scenario.sh: 67 GiB, 2 GiB memory blocks, the
# block under the PCI hole half present).  "baseline" is the kernel's own memmap
# count before any hugepage exists; the memory-block arithmetic (blocks x block
# size) overcounts it by the missing half block.  Then HVO on, 512 x 2M
# (interleaved over both nodes) and 2 x 1G at run time.
step boot
bs=$(cat /sys/devices/system/memory/block_size_bytes)
echo "HVOPLAN-GUEST: block_size_bytes=$bs blocks=$(find /sys/devices/system/memory -maxdepth 1 -name 'memory[0-9]*' | wc -l)"
[ "$((0x$bs))" -gt 134217728 ] || { echo "HVOPLAN-GUEST: memory blocks are not larger than a section"; exit 1; }
step baseline
set_hvo 1
step hvo-on
set_pool 2048 512
step alloc-512x2M-hvo-on
set_pool 1048576 2
step alloc-2x1G-hvo-on
capture
