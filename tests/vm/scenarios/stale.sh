# SPDX-License-Identifier: GPL-2.0-or-later
# shellcheck shell=sh
# No boot pools.  128 x 2M allocated with HVO off stay un-optimized ("stale")
# after HVO is turned on; then 128 x 2M more and 1 x 1G are allocated with HVO on.
step boot
set_hvo 0
step hvo-off
set_pool 2048 128
step alloc-128x2M-hvo-off
set_hvo 1
step hvo-on
set_pool 2048 256
step alloc-128x2M-hvo-on
set_pool 1048576 1
step alloc-1x1G-hvo-on
capture
