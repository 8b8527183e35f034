# SPDX-License-Identifier: GPL-2.0-or-later
# shellcheck shell=sh
# Runtime per-node pools with HVO on: node0 64 x 2M, node1 192 x 2M + 1 x 1G.
step boot
set_hvo 1
step hvo-on
set_pool 2048 64 0
set_pool 2048 192 1
step alloc-2M-per-node
set_pool 1048576 1 1
step alloc-1G-node1
capture
