#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
# Installs every Debian package hvoplan needs to build and test (idempotent).
# Debian 12 (bookworm). Run as root.
set -euo pipefail
export DEBIAN_FRONTEND=noninteractive
build=(build-essential pkg-config libjansson-dev libsmartcols-dev zlib1g-dev libncurses-dev
       libinih-dev)
test=(libcmocka-dev bats tmux jq procps kmod strace)
missing=()
for p in "${build[@]}" "${test[@]}" "$@"; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
if [ "${#missing[@]}" -gt 0 ]; then
	apt-get update -qq
	apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi
