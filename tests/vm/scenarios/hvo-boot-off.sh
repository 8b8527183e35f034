# SPDX-License-Identifier: GPL-2.0-or-later
# shellcheck shell=sh
# Boot-time pools with hugetlb_free_vmemmap=off (see run-scenario.sh).
step boot
capture
