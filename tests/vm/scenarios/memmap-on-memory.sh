# SPDX-License-Identifier: GPL-2.0-or-later
# shellcheck shell=sh
# memory_hotplug.memmap_on_memory=1: the host hot-plugs a 1 GiB pc-dimm on node 1
# through QMP when it sees HVOPLAN-HOTPLUG-REQUEST; its memory blocks are onlined
# movable (so 2M pages, which are movable allocations, land there first), then
# 2M pages are allocated with HVO on.  Pages whose vmemmap is self-hosted on the
# hot-plugged block cannot be optimized (6.0+).
nblocks() { find /sys/devices/system/memory -maxdepth 1 -name 'memory[0-9]*' | wc -l; }
step boot
echo "HVOPLAN-GUEST: memmap_on_memory=$(cat /sys/module/memory_hotplug/parameters/memmap_on_memory 2>/dev/null)"
before=$(nblocks)
echo "HVOPLAN-HOTPLUG-REQUEST blocks=$before"
i=0
while [ "$(nblocks)" -le "$before" ]; do
    i=$((i + 1))
    [ "$i" -le 600 ] || { echo "HVOPLAN-GUEST: no hot-plugged memory after 300s"; exit 1; }
    sleep 0.5
done
sleep 2
echo "HVOPLAN-GUEST: memory blocks $before -> $(nblocks)"
step hotplugged
for m in /sys/devices/system/memory/memory[0-9]*; do
    if [ "$(cat "$m/state")" = offline ]; then
        echo online_movable >"$m/state" 2>/dev/null || echo online >"$m/state"
        echo "HVOPLAN-GUEST: ${m##*/} -> $(cat "$m/state") $(cat "$m/valid_zones" 2>/dev/null)"
    fi
done
step onlined
set_hvo 1
step hvo-on
set_pool 2048 256 1
step alloc-256x2M-node1
set_pool 2048 64 0
step alloc-64x2M-node0
capture
