# SPDX-License-Identifier: GPL-2.0-or-later
# bash completion for hvoplan(8)                        -*- shell-script -*-
# Installed as $(PREFIX)/share/bash-completion/completions/hvoplan and loaded
# on demand by bash-completion. Needs bash-completion's helpers
# (_init_completion, _filedir).
#
# Every option of `hvoplan CMD --help` is listed by _hvoplan_CMD_opts below;
# tests/cli/completion.bats checks that this file, _hvoplan (zsh) and
# hvoplan.fish stay in step with --help.

_hvoplan_commands()
{
	echo "report plan apply top verify boot-entry snapshot fleet"
}

_hvoplan_global_opts()
{
	echo "--root --config --color -h --help -V --version"
}

_hvoplan_report_opts()
{
	echo "--format -J --json -o --output -r --raw -n --noheadings -b --bytes --summary --fail-on --struct-page-size --page-size --holders --processes --root --color -h --help -V --version"
}

_hvoplan_plan_opts()
{
	echo "--memory --nodes --pool --dax --page-size --arch --struct-page-size --kernel --generation --from-host --compare --format -J --json -o --output -r --raw -n --noheadings -b --bytes --summary --root --color -h --help -V --version"
}

_hvoplan_apply_opts()
{
	echo "--hvo --pages --overcommit --reoptimize --batch --persist --bootloader --revert -y --yes --format -J --json --config --root --color -h --help -V --version"
}

_hvoplan_top_opts()
{
	echo "-d --delay -n --iterations -b --batch --nodes --no-processes --rescan --smaps -s --sort -u --units --root --color -h --help -V --version"
}

_hvoplan_fleet_opts()
{
	echo "--format -J --json -o --output -r --raw -n --noheadings -b --bytes --summary --sort --reverse -j --jobs --fail-on --struct-page-size --page-size --color -h --help -V --version"
}

_hvoplan_verify_opts()
{
	echo "--format -J --json --root --color -h --help -V --version"
}

_hvoplan_boot-entry_opts()
{
	echo "-y --yes --record --root --color -h --help -V --version"
}

_hvoplan_snapshot_opts()
{
	echo "-o --output --force --root -h --help -V --version"
}

# fleet's columns (-o, --sort), as `hvoplan fleet --help` lists them
_hvoplan_fleet_columns="HOST PATH KIND KERNEL ARCH HVO POOLS HUGETLB VMEMMAP SAVED BASIS POSSIBLE FREEABLE STALE STALEMEM FINDINGS WORST"

# Hugepage sizes of this host, as hvoplan names them (2M, 1G, 64K, 16G).
_hvoplan_host_sizes()
{
	local d kb
	for d in /sys/kernel/mm/hugepages/hugepages-*kB; do
		[[ -d $d ]] || continue
		kb=${d##*/hugepages-}
		kb=${kb%kB}
		[[ $kb =~ ^[0-9]+$ ]] || continue
		if ((kb % 1048576 == 0)); then
			echo "$((kb / 1048576))G"
		elif ((kb % 1024 == 0)); then
			echo "$((kb / 1024))M"
		else
			echo "${kb}K"
		fi
	done
}

# Complete the last item of a comma-separated list in $cur from the words $1;
# items already given are not offered again. $2: suffix of each item ("" or ":").
_hvoplan_list()
{
	local head="" last=$cur w out=()
	if [[ $cur == *,* ]]; then
		head=${cur%,*},
		last=${cur##*,}
	fi
	for w in $1; do
		[[ -z $2 && ,$head == *,"$w",* ]] && continue
		[[ " ${out[*]} " == *" $head$w$2 "* ]] && continue
		out+=("$head$w$2")
	done
	COMPREPLY=($(compgen -W "${out[*]}" -- "$head$last"))
	# readline replaces only what follows the last ':' (COMP_WORDBREAKS).
	__ltrim_colon_completions "$head$last"
	[[ -n $2 || ${#COMPREPLY[@]} -gt 0 ]] && compopt -o nospace 2>/dev/null
}

_hvoplan()
{
	local cur prev words cword split
	_init_completion -s -n : || return

	# The command is the first word that is not a global option or its value.
	local i cmd="" cmd_at=0
	for ((i = 1; i < cword; i++)); do
		case ${words[i]} in
		--root | --config) ((i++)) ;;
		-*) ;;
		*)
			cmd=${words[i]}
			cmd_at=$i
			break
			;;
		esac
	done

	# Values of options (after `--opt ` or `--opt=`).
	case $prev in
	--root)
		_filedir -d
		return
		;;
	--config)
		_filedir
		return
		;;
	--color)
		# An optional value: only as --color=WHEN.
		if [[ $split == true ]]; then
			COMPREPLY=($(compgen -W "auto always never" -- "$cur"))
			return
		fi
		;;
	esac

	if [[ -z $cmd ]]; then
		if [[ $cur == -* ]]; then
			COMPREPLY=($(compgen -W "$(_hvoplan_global_opts)" -- "$cur"))
		else
			COMPREPLY=($(compgen -W "$(_hvoplan_commands)" -- "$cur"))
		fi
		return
	fi

	# Options of the command that take a value.
	if ((cword > cmd_at + 1)) || [[ $split == true ]]; then
		case $cmd:$prev in
		report:--format)
			COMPREPLY=($(compgen -W "table json prometheus" -- "$cur"))
			return
			;;
		plan:--format)
			COMPREPLY=($(compgen -W "table json" -- "$cur"))
			return
			;;
		apply:--format | verify:--format)
			COMPREPLY=($(compgen -W "text json" -- "$cur"))
			return
			;;
		fleet:--format)
			COMPREPLY=($(compgen -W "table json csv" -- "$cur"))
			return
			;;
		fleet:-o | fleet:--output)
			_hvoplan_list "$_hvoplan_fleet_columns" ""
			return
			;;
		fleet:--sort)
			COMPREPLY=($(compgen -W "$_hvoplan_fleet_columns" -- "$cur"))
			return
			;;
		report:-o | report:--output)
			_hvoplan_list "SIZE NODE PAGES FREE RESV SURP HUGETLB VMEMMAP PERPAGE SAVED POSSIBLE STALE BASIS" ""
			return
			;;
		plan:-o | plan:--output)
			_hvoplan_list "SIZE TYPE NODE PAGES HUGETLB PERPAGE VMEMMAP KEPT SAVED RESTORE TAIL" ""
			return
			;;
		snapshot:-o | snapshot:--output | boot-entry:--record)
			_filedir
			return
			;;
		report:--summary | plan:--summary | fleet:--summary)
			if [[ $split == true ]]; then
				COMPREPLY=($(compgen -W "always never only" -- "$cur"))
				return
			fi
			;;
		report:--holders)
			COMPREPLY=($(compgen -W "auto always never" -- "$cur"))
			return
			;;
		report:--fail-on | fleet:--fail-on)
			COMPREPLY=($(compgen -W "info warning error" -- "$cur"))
			return
			;;
		*:--page-size)
			COMPREPLY=($(compgen -W "4K 16K 64K" -- "$cur"))
			return
			;;
		plan:--arch)
			COMPREPLY=($(compgen -W "x86_64 aarch64 riscv64 ppc64le s390x loongarch64" -- "$cur"))
			return
			;;
		plan:--generation)
			COMPREPLY=($(compgen -W "none 5.14 5.18 5.19 6.0 6.11 6.15 7.1" -- "$cur"))
			return
			;;
		plan:--pool | apply:--pages | apply:--overcommit)
			# SIZE:AMOUNT[@NODE], sizes of this host; apply takes a list.
			_hvoplan_list "$(_hvoplan_host_sizes)" ":"
			return
			;;
		plan:--compare)
			_hvoplan_list "$(_hvoplan_host_sizes) 2M 1G" ""
			return
			;;
		plan:--dax)
			COMPREPLY=($(compgen -W "$(_hvoplan_host_sizes)" -S : -- "$cur"))
			__ltrim_colon_completions "$cur"
			compopt -o nospace 2>/dev/null
			return
			;;
		apply:--hvo)
			COMPREPLY=($(compgen -W "on off" -- "$cur"))
			return
			;;
		apply:--bootloader)
			COMPREPLY=($(compgen -W "auto grubby grub kernel-install manual" -- "$cur"))
			return
			;;
		top:-s | top:--sort)
			COMPREPLY=($(compgen -W "hugetlb private shared pid user command" -- "$cur"))
			return
			;;
		top:-u | top:--units)
			COMPREPLY=($(compgen -W "human bytes KiB MiB GiB" -- "$cur"))
			return
			;;
		plan:--memory | plan:--nodes | plan:--struct-page-size | plan:--kernel | \
			report:--struct-page-size | apply:--batch | \
			fleet:--struct-page-size | fleet:-j | fleet:--jobs | \
			top:-d | top:--delay | top:-n | top:--iterations | top:--rescan)
			# A number or size: nothing to offer.
			return
			;;
		esac
	fi
	[[ $split == true ]] && return

	local opts
	case $cmd in
	report | plan | apply | top | verify | boot-entry | snapshot | fleet) opts=$(_hvoplan_${cmd}_opts) ;;
	*) return ;;
	esac
	if [[ $cur == -* ]]; then
		COMPREPLY=($(compgen -W "$opts" -- "$cur"))
	elif [[ $cmd == fleet ]]; then
		# fleet's PATHs: snapshot directories, FILE.tar, sosreports
		_filedir
	elif [[ $cmd == boot-entry ]]; then
		# ENTRYs: Boot Loader Specification entries
		_filedir conf
	fi
} &&
	complete -F _hvoplan hvoplan

# ex: filetype=sh
