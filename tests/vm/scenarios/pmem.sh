# SPDX-License-Identifier: GPL-2.0-or-later
# shellcheck shell=sh
# Legacy persistent memory (memmap=2G!5G, see run-scenario.sh) through the
# NVDIMM sysfs interface only (no ndctl), the counters after each state:
#   boot        RAM only, no nvdimm module loaded
#   raw         nd_e820 + nd_pmem: namespace0.0 as /dev/pmem0 (raw mode)
#   fsdax-mem   pfn0.0 (fsdax), memmap in RAM (mode "ram", ndctl --map=mem), 2M alignment
#   fsdax-dev   pfn0.0 (fsdax), memmap on the device (mode "pmem", --map=dev: an altmap)
#   devdax-mem  dax0.0 (device-dax), memmap in RAM, 2M alignment: compound
#               pages whose tail memmap is deduplicated (2 pages each)
#   baseline    = devdax-mem, before any hugepage exists
# then HVO on and 256 x 2M on node 1, 64 x 2M on node 0.  The snapshot is
# taken in the devdax state.
ND=/sys/bus/nd
uuid() { cat /proc/sys/kernel/random/uuid; }
wait_for() { # wait_for PATH: up to 30 s
    i=0
    while [ ! -e "$1" ]; do
        i=$((i + 1))
        [ "$i" -le 60 ] || { echo "HVOPLAN-GUEST: $1 did not appear"; return 1; }
        sleep 0.5
    done
}
step boot
load_modules
wait_for /sys/block/pmem0
echo "HVOPLAN-GUEST: region0 size=$(cat $ND/devices/region0/size) namespace0.0 mode=$(cat $ND/devices/namespace0.0/mode)"
step raw

# raw -> fsdax, memmap in RAM
sysw namespace0.0 $ND/drivers/nd_pmem/unbind
pfn=$(cat $ND/devices/region0/pfn_seed)
sysw "$(uuid)" "$ND/devices/$pfn"/uuid
sysw 2097152 "$ND/devices/$pfn"/align
sysw ram "$ND/devices/$pfn"/mode
sysw namespace0.0 "$ND/devices/$pfn"/namespace
sysw "$pfn" $ND/drivers/nd_pmem/bind
wait_for /sys/block/pmem0
echo "HVOPLAN-GUEST: $pfn mode=$(cat "$ND/devices/$pfn"/mode) size=$(cat "$ND/devices/$pfn"/size)"
step fsdax-mem

# fsdax with the memmap on the device (altmap)
sysw "$pfn" $ND/drivers/nd_pmem/unbind
sysw "$(uuid)" "$ND/devices/$pfn"/uuid
sysw pmem "$ND/devices/$pfn"/mode
sysw "$pfn" $ND/drivers/nd_pmem/bind
wait_for /sys/block/pmem0
echo "HVOPLAN-GUEST: $pfn mode=$(cat "$ND/devices/$pfn"/mode) size=$(cat "$ND/devices/$pfn"/size)"
step fsdax-dev

# fsdax -> devdax, memmap in RAM, 2M compound pages
sysw "$pfn" $ND/drivers/nd_pmem/unbind
sysw "" "$ND/devices/$pfn"/namespace
dax=$(cat $ND/devices/region0/dax_seed)
sysw "$(uuid)" "$ND/devices/$dax"/uuid
sysw 2097152 "$ND/devices/$dax"/align
sysw ram "$ND/devices/$dax"/mode
sysw namespace0.0 "$ND/devices/$dax"/namespace
sysw "$dax" $ND/drivers/dax_pmem/bind
wait_for /sys/bus/dax/devices/dax0.0/driver
echo "HVOPLAN-GUEST: $dax mode=$(cat "$ND/devices/$dax"/mode) dax0.0 size=$(cat /sys/bus/dax/devices/dax0.0/size) align=$(cat /sys/bus/dax/devices/dax0.0/align 2>/dev/null)"
step devdax-mem
step baseline

set_hvo 1
step hvo-on
set_pool 2048 256 1
step alloc-256x2M-node1
set_pool 2048 64 0
step alloc-64x2M-node0
capture
