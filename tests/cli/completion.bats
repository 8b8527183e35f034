#!/usr/bin/env bats
# SPDX-License-Identifier: GPL-2.0-or-later
# Shell completions (completions/hvoplan.bash, _hvoplan, hvoplan.fish): every
# long option of `hvoplan CMD --help` is in all three files, the files parse
# (bash -n, zsh -n, fish -n), and bash and fish really complete: commands,
# options, enumerated values, -o columns, hugepage sizes of this host and
# directories for --root. Any user; installs bash-completion, zsh and fish
# when root and missing, skips what cannot be installed.

setup_file() {
	local missing=() p
	for p in bash-completion zsh fish; do
		dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
	done
	if [ "${#missing[@]}" -gt 0 ] && [ "$(id -u)" -eq 0 ]; then
		DEBIAN_FRONTEND=noninteractive apt-get -o DPkg::Lock::Timeout=120 install -y -qq \
			--no-install-recommends "${missing[@]}" >/dev/null 2>&1 ||
			{ apt-get update -qq >/dev/null 2>&1 &&
				DEBIAN_FRONTEND=noninteractive apt-get -o DPkg::Lock::Timeout=120 install -y -qq \
					--no-install-recommends "${missing[@]}" >/dev/null 2>&1; } || true
	fi
}

setup() {
	HV=${HVOPLAN:-$BATS_TEST_DIRNAME/../../hvoplan}
	TOPDIR=${HVOPLAN_TOP:-$BATS_TEST_DIRNAME/../..}
	C=$TOPDIR/completions
	export LANG=C.UTF-8
}

# The commands of `hvoplan --help`.
commands() {
	"$HV" --help | sed -n '/^Commands:/,/^$/p' | awk 'NR > 1 && NF {print $1}'
}

# Long options of `hvoplan $1 --help` (without "--").
long_opts() {
	"$HV" "$1" --help | grep -oE -- '(^ +|, )--[a-z][a-z-]+' | sed 's/^[ ,]*--//' | sort -u
}

# bash_complete LINE: COMPREPLY of _hvoplan for the command line LINE (the
# cursor at its end; a trailing space starts a new word), one per line.
bash_complete() {
	local line=$1
	bash -c '
		. /usr/share/bash-completion/bash_completion
		. "$0"
		COMP_LINE=$1 COMP_POINT=${#1}
		read -ra COMP_WORDS <<<"$1"
		[[ $1 == *" " ]] && COMP_WORDS+=("")
		COMP_CWORD=$((${#COMP_WORDS[@]} - 1))
		_hvoplan hvoplan "${COMP_WORDS[COMP_CWORD]}" "${COMP_WORDS[COMP_CWORD - 1]}"
		printf "%s\n" "${COMPREPLY[@]}"' "$C/hvoplan.bash" "$line"
}

need_bash_completion() {
	[ -r /usr/share/bash-completion/bash_completion ] ||
		skip "bash-completion is not installed (apt-get install bash-completion)"
}

# Hugepage sizes of this host as hvoplan names them.
host_sizes() {
	local d kb
	for d in /sys/kernel/mm/hugepages/hugepages-*kB; do
		[ -d "$d" ] || continue
		kb=${d##*/hugepages-} kb=${kb%kB}
		if ((kb % 1048576 == 0)); then echo "$((kb / 1048576))G"
		elif ((kb % 1024 == 0)); then echo "$((kb / 1024))M"
		else echo "${kb}K"; fi
	done
}

@test "completion: the per-command fragments are merged (only hvoplan.bash, _hvoplan, hvoplan.fish)" {
	[ -f "$C/hvoplan.bash" ] && [ -f "$C/_hvoplan" ] && [ -f "$C/hvoplan.fish" ]
	# hvoplan-plan.bash-fragment is a shim sourcing hvoplan.bash until plan.bats stops using it.
	for f in "$C"/*.bash-fragment; do
		[ -e "$f" ] || continue
		[ "$(basename "$f")" = hvoplan-plan.bash-fragment ]
		grep -q '^\. .*hvoplan\.bash' "$f"
	done
}

@test "completion: every command of --help is completed by all three shells" {
	cmds=$(commands)
	[ "$(wc -w <<<"$cmds")" -ge 5 ]
	for cmd in $cmds; do
		bash -c ". '$C/hvoplan.bash'; _hvoplan_commands" | tr ' ' '\n' | grep -qx "$cmd" ||
			{ echo "bash: no command $cmd"; false; }
		grep -qE "^[[:space:]]*'$cmd:" "$C/_hvoplan" || { echo "zsh: no command $cmd"; false; }
		grep -qE -- "-a $cmd -d" "$C/hvoplan.fish" || { echo "fish: no command $cmd"; false; }
	done
}

@test "completion: every long option of every command's --help is in hvoplan.bash, _hvoplan and hvoplan.fish" {
	for cmd in $(commands); do
		opts=$(long_opts "$cmd")
		[ "$(wc -l <<<"$opts")" -ge 3 ]
		# bash: exactly the --help options (short ones too), per command
		comp=$(bash -c ". '$C/hvoplan.bash'; _hvoplan_${cmd}_opts" | tr ' ' '\n' | sort -u)
		help=$("$HV" "$cmd" --help | grep -oE -- '(^ |, )-[A-Za-z]|--[a-z][a-z-]+' | sed 's/^[ ,]*//' | sort -u)
		diff <(echo "$comp") <(echo "$help") || { echo "bash: _hvoplan_${cmd}_opts differs from $cmd --help"; false; }
		for o in $opts; do
			grep -qE -- "--$o([^a-z-]|$)" "$C/_hvoplan" || { echo "zsh: $cmd --$o missing"; false; }
			grep -qE -- "-l $o( |$)" "$C/hvoplan.fish" || { echo "fish: $cmd --$o missing"; false; }
		done
	done
	# the global options
	for o in $("$HV" --help | grep -oE -- '(^ +|, )--[a-z][a-z-]+' | sed 's/^[ ,]*--//' | sort -u); do
		bash -c ". '$C/hvoplan.bash'; _hvoplan_global_opts" | tr ' ' '\n' | grep -qx -- "--$o"
		grep -qE -- "--$o([^a-z-]|$)" "$C/_hvoplan"
		grep -qE -- "-l $o( |$)" "$C/hvoplan.fish"
	done
}

@test "completion: the three files parse (bash -n, zsh -n, fish -n)" {
	bash -n "$C/hvoplan.bash"
	if command -v zsh >/dev/null; then zsh -n "$C/_hvoplan"; else echo "# zsh not installed: zsh -n skipped" >&3; fi
	if command -v fish >/dev/null; then fish -n "$C/hvoplan.fish"; else echo "# fish not installed: fish -n skipped" >&3; fi
	command -v zsh >/dev/null && command -v fish >/dev/null || skip "zsh or fish not installed (apt-get install zsh fish)"
	# zsh: compinit picks _hvoplan up from fpath for the hvoplan command
	run zsh -fc "fpath=('$C' \$fpath); autoload -Uz compinit; compinit -u -d '$BATS_TEST_TMPDIR/zcd'; print -r -- \$_comps[hvoplan]"
	[ "$status" -eq 0 ]
	[ "$output" = _hvoplan ]
}

@test "completion: bash completes commands, options and global options" {
	need_bash_completion
	run bash_complete "hvoplan "
	[ "$status" -eq 0 ]
	[ "$(sort <<<"$output" | tr '\n' ' ')" = "$(commands | sort | tr '\n' ' ')" ]
	run bash_complete "hvoplan rep"
	[ "$output" = report ]
	run bash_complete "hvoplan --r"
	[ "$output" = --root ]
	run bash_complete "hvoplan report --f"
	[ "$(sort <<<"$output" | tr '\n' ' ')" = "--fail-on --format " ]
	# every option of each command, after `--root DIR` before the command too
	for cmd in $(commands); do
		run bash_complete "hvoplan --root /tmp $cmd --"
		for o in $(long_opts "$cmd"); do
			grep -qx -- "--$o" <<<"$output" || { echo "bash: hvoplan $cmd --$o not completed"; false; }
		done
	done
	run bash_complete "hvoplan top -"
	grep -qx -- -d <<<"$output"
	grep -qx -- --no-processes <<<"$output"
}

@test "completion: bash completes enumerated values" {
	need_bash_completion
	check() { run bash_complete "$1"; [ "$(sort <<<"$output" | tr '\n' ' ')" = "$2" ] || { echo "'$1' -> '$output', want '$2'"; false; }; }
	check "hvoplan report --format " "json prometheus table "
	check "hvoplan plan --format " "json table "
	check "hvoplan report --fail-on " "error info warning "
	check "hvoplan report --fail-on w" "warning "
	check "hvoplan apply --hvo " "off on "
	check "hvoplan apply --bootloader " "auto grub grubby kernel-install manual "
	check "hvoplan top --sort p" "pid private "
	check "hvoplan top -u " "GiB KiB MiB bytes human "
	check "hvoplan plan --generation 6." "6.0 6.11 6.15 "
	check "hvoplan report --page-size " "16K 4K 64K "
	check "hvoplan fleet --format " "csv json table "
	check "hvoplan fleet --sort ST" "STALE STALEMEM "
	check "hvoplan fleet -o HOST,P" "HOST,PATH HOST,POOLS HOST,POSSIBLE "
	# -o: columns of the command, comma lists, no column twice
	check "hvoplan report -o SIZE,S" "SIZE,SAVED SIZE,STALE SIZE,SURP "
	check "hvoplan plan --output K" "KEPT "
	check "hvoplan report -o PERPAGE,POSSIBLE,P" "PERPAGE,POSSIBLE,PAGES "
}

@test "completion: bash completes --color=, --summary= (optional values)" {
	need_bash_completion
	# COMP_WORDS as bash splits them at '='
	run bash -c '
		. /usr/share/bash-completion/bash_completion; . "$0"
		COMP_WORDS=(hvoplan report --color = a) COMP_CWORD=4 COMP_LINE="hvoplan report --color=a" COMP_POINT=24
		_hvoplan; printf "%s\n" "${COMPREPLY[@]}"
		COMP_WORDS=(hvoplan plan --summary = "") COMP_CWORD=4 COMP_LINE="hvoplan plan --summary=" COMP_POINT=23
		_hvoplan; printf "%s\n" "${COMPREPLY[@]}"' "$C/hvoplan.bash"
	[ "$status" -eq 0 ]
	[ "$(tr '\n' ' ' <<<"$output")" = "auto always always never only " ]
}

@test "completion: bash offers the host's hugepage sizes for --pages and --pool, directories for --root" {
	need_bash_completion
	sizes=$(host_sizes | sort | tr '\n' ' ')
	[ -n "$sizes" ] || skip "no /sys/kernel/mm/hugepages on this host"
	run bash_complete "hvoplan apply --pages "
	[ "$(sort <<<"$output" | tr '\n' ' ')" = "$(host_sizes | sed 's/$/:/' | sort | tr '\n' ' ')" ]
	run bash_complete "hvoplan plan --pool "
	[ "$(sort <<<"$output" | tr '\n' ' ')" = "$(host_sizes | sed 's/$/:/' | sort | tr '\n' ' ')" ]
	# after a comma, the next item (readline replaces what follows the last ':')
	first=$(host_sizes | head -1)
	run bash_complete "hvoplan apply --pages ${first}:4,${first:0:1}"
	grep -qx "4,${first}:" <<<"$output"
	# --root: directories only
	mkdir -p "$BATS_TEST_TMPDIR/r/snapdir"
	touch "$BATS_TEST_TMPDIR/r/snapfile"
	run bash_complete "hvoplan report --root $BATS_TEST_TMPDIR/r/snap"
	[ "$output" = "$BATS_TEST_TMPDIR/r/snapdir" ]
	run bash_complete "hvoplan --root $BATS_TEST_TMPDIR/r/snap"
	[ "$output" = "$BATS_TEST_TMPDIR/r/snapdir" ]
}

@test "completion: fish completes commands, options, values and host sizes" {
	command -v fish >/dev/null || skip "fish is not installed (apt-get install fish)"
	fc() { fish -N -c "source '$C/hvoplan.fish'; complete -C '$1'" | cut -f1 | sort | tr '\n' ' '; }
	[ "$(fc 'hvoplan ')" = "$(commands | sort | tr '\n' ' ')" ]
	[ "$(fc 'hvoplan report --format ')" = "json prometheus table " ]
	[ "$(fc 'hvoplan report --f')" = "--fail-on --format " ]
	[ "$(fc 'hvoplan report -o SIZE,S')" = "SIZE,SAVED SIZE,STALE SIZE,SURP " ]
	for cmd in $(commands); do
		out=$(fc "hvoplan $cmd --")
		for o in $(long_opts "$cmd"); do
			[[ " $out" == *" --$o "* ]] || { echo "fish: hvoplan $cmd --$o not completed: $out"; false; }
		done
	done
	sizes=$(host_sizes | sed 's/$/:/' | sort | tr '\n' ' ')
	[ -z "$sizes" ] || [ "$(fc 'hvoplan apply --pages ')" = "$sizes" ]
}
