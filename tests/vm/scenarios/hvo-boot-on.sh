# SPDX-License-Identifier: GPL-2.0-or-later
# shellcheck shell=sh
# Boot-time pools with HVO on (pools and hugetlb_free_vmemmap=on come from the
# kernel command line, see run-scenario.sh).  Nothing to change at run time.
step boot
capture
