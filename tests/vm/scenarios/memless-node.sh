# SPDX-License-Identifier: GPL-2.0-or-later
# shellcheck shell=sh
# Three nodes, node 2 with memory and no CPU (run-scenario.sh).  HVO on, then
# per-node 2M pools on every node (node 2 the largest) and 1 x 1G on node 2.
step boot
echo "HVOPLAN-GUEST: has_cpu=$(cat /sys/devices/system/node/has_cpu) has_memory=$(cat /sys/devices/system/node/has_memory)"
[ "$(cat /sys/devices/system/node/node2/cpulist)" = "" ] || { echo "HVOPLAN-GUEST: node2 has CPUs"; exit 1; }
step baseline
set_hvo 1
step hvo-on
set_pool 2048 64 0
set_pool 2048 64 1
set_pool 2048 128 2
step alloc-256x2M-per-node
set_pool 1048576 1 2
step alloc-1x1G-node2
capture
