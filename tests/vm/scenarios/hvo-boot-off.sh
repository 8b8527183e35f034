# shellcheck shell=sh
# Boot-time pools with hugetlb_free_vmemmap=off (see run-scenario.sh).
step boot
capture
