# SPDX-License-Identifier: GPL-2.0-or-later
# shellcheck shell=sh
# default_hugepagesz=1G hugepagesz=1G hugepages=2, HVO left at the kernel's default.
step boot
capture
