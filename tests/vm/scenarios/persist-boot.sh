# SPDX-License-Identifier: GPL-2.0-or-later
# shellcheck shell=sh
# Boot with the command line written by `hvoplan apply --persist` (see
# tests/vm/persist-boot.sh and run-scenario.sh): capture only.
step boot
capture
