# SPDX-License-Identifier: GPL-2.0-or-later
# fish completion for hvoplan(8). Installed as
# $(PREFIX)/share/fish/vendor_completions.d/hvoplan.fish.
# tests/cli/completion.bats checks that every option of `hvoplan CMD --help`
# is listed here.

set -l commands report plan apply top verify boot-entry snapshot fleet

# Hugepage sizes of this host, as hvoplan names them (2M, 1G, 64K, 16G).
function __hvoplan_host_sizes
    for d in /sys/kernel/mm/hugepages/hugepages-*kB
        set -l kb (string replace -r '.*/hugepages-([0-9]+)kB$' '$1' -- $d)
        string match -qr '^[0-9]+$' -- $kb; or continue
        if test (math "$kb % 1048576") -eq 0
            echo (math "$kb / 1048576")G
        else if test (math "$kb % 1024") -eq 0
            echo (math "$kb / 1024")M
        else
            echo {$kb}K
        end
    end
end

# SIZE:AMOUNT[@NODE] lists: offer SIZE: after the last comma.
function __hvoplan_pools
    set -l tok (commandline -ct)
    set -l head (string replace -r '[^,=]*$' '' -- $tok)
    set head (string replace -r '^--[a-z-]+=' '' -- $head)
    for s in (__hvoplan_host_sizes)
        printf '%s%s:\n' $head $s
    end
end

# Comma-separated lists (columns, sizes): $argv are the items.
function __hvoplan_list
    set -l tok (commandline -ct)
    set -l head (string replace -r '[^,=]*$' '' -- $tok)
    set head (string replace -r '^-[-a-zA-Z]+=?' '' -- $head)
    set -l given (string split , -- $head)
    for w in $argv
        contains -- $w $given; and continue
        printf '%s%s\n' $head $w
    end
end

function __hvoplan_using -a cmd
    __fish_seen_subcommand_from $cmd
end

complete -c hvoplan -f

# Global options and the commands.
complete -c hvoplan -n "not __fish_seen_subcommand_from $commands" -l root -x -a '(__fish_complete_directories)' -d 'Read (and for apply, write) under DIR instead of /'
complete -c hvoplan -n "not __fish_seen_subcommand_from $commands" -l config -r -F -d 'Settings file (read by apply)'
complete -c hvoplan -n "not __fish_seen_subcommand_from $commands" -l color -d 'Colorize output: --color=auto, always or never'
complete -c hvoplan -n "not __fish_seen_subcommand_from $commands" -s h -l help -d 'Display help'
complete -c hvoplan -n "not __fish_seen_subcommand_from $commands" -s V -l version -d 'Display version'
complete -c hvoplan -n "not __fish_seen_subcommand_from $commands" -a report -d 'vmemmap cost and HVO savings per hugepage size and NUMA node'
complete -c hvoplan -n "not __fish_seen_subcommand_from $commands" -a plan -d 'What-if vmemmap cost and savings for any host, kernel and page size'
complete -c hvoplan -n "not __fish_seen_subcommand_from $commands" -a apply -d 'Bring HVO and pool sizes to a desired state'
complete -c hvoplan -n "not __fish_seen_subcommand_from $commands" -a top -d 'Live dashboard of pools, savings and hugetlb processes'
complete -c hvoplan -n "not __fish_seen_subcommand_from $commands" -a verify -d 'Compare what the next boot sets with the running state'
complete -c hvoplan -n "not __fish_seen_subcommand_from $commands" -a boot-entry -d 'Give boot entries the hugepage parameters apply persisted'
complete -c hvoplan -n "not __fish_seen_subcommand_from $commands" -a snapshot -d 'Capture the files hvoplan reads, for --root'
complete -c hvoplan -n "not __fish_seen_subcommand_from $commands" -a fleet -d 'Many snapshots and sosreports at once: a row per host'

# Options every command has.
for cmd in $commands
    # fleet names its hosts as PATHs, not --root
    test $cmd = fleet; or complete -c hvoplan -n "__hvoplan_using $cmd" -l root -x -a '(__fish_complete_directories)' -d 'Read under DIR instead of /'
    complete -c hvoplan -n "__hvoplan_using $cmd" -s h -l help -d 'Display help'
    complete -c hvoplan -n "__hvoplan_using $cmd" -s V -l version -d 'Display version'
end
for cmd in report plan apply top verify boot-entry fleet
    complete -c hvoplan -n "__hvoplan_using $cmd" -l color -d 'Colorize: --color=auto, always or never'
end

# report, plan and fleet: table options.
for cmd in report plan fleet
    complete -c hvoplan -n "__hvoplan_using $cmd" -s J -l json -d 'Same as --format json'
    complete -c hvoplan -n "__hvoplan_using $cmd" -s r -l raw -d 'Raw table output, no tree, no summary'
    complete -c hvoplan -n "__hvoplan_using $cmd" -s n -l noheadings -d "Don't print table headings"
    complete -c hvoplan -n "__hvoplan_using $cmd" -s b -l bytes -d 'Print sizes in bytes'
    complete -c hvoplan -n "__hvoplan_using $cmd" -l summary -d 'Print the summary: --summary=always, never or only'
    complete -c hvoplan -n "__hvoplan_using $cmd" -l page-size -x -a '4K 16K 64K' -d 'Base page size'
    complete -c hvoplan -n "__hvoplan_using $cmd" -l struct-page-size -x -d 'sizeof(struct page) in bytes'
end

# report
complete -c hvoplan -n '__hvoplan_using report' -l format -x -a 'table json prometheus' -d 'Output format'
complete -c hvoplan -n '__hvoplan_using report' -s o -l output -x -a '(__hvoplan_list SIZE NODE PAGES FREE RESV SURP HUGETLB VMEMMAP PERPAGE SAVED POSSIBLE STALE BASIS)' -d 'Table columns to print'
complete -c hvoplan -n '__hvoplan_using report' -l fail-on -x -a 'info warning error' -d 'Exit 1 if a finding is at least SEVERITY'
complete -c hvoplan -n '__hvoplan_using report' -l holders -x -a 'auto always never' -d 'Count who holds the pages in use and find orphans'
complete -c hvoplan -n '__hvoplan_using report' -l processes -d 'List the processes that map hugepages, per size and NUMA node'

# plan
complete -c hvoplan -n '__hvoplan_using plan' -l memory -x -d 'Total memory, e.g. 1T'
complete -c hvoplan -n '__hvoplan_using plan' -l nodes -x -d 'NUMA nodes'
complete -c hvoplan -n '__hvoplan_using plan' -l pool -x -a '(__hvoplan_pools)' -d 'Hugepage pool SIZE:AMOUNT[@NODE]'
complete -c hvoplan -n '__hvoplan_using plan' -l dax -x -a '(__hvoplan_pools)' -d 'Device-dax namespace SIZE:ALIGN[@NODE]'
complete -c hvoplan -n '__hvoplan_using plan' -l arch -x -a 'x86_64 aarch64 riscv64 ppc64le s390x loongarch64' -d 'Check sizes and HVO against an architecture'
complete -c hvoplan -n '__hvoplan_using plan' -l kernel -x -d 'HVO rules of that kernel release'
complete -c hvoplan -n '__hvoplan_using plan' -l generation -x -a 'none 5.14 5.18 5.19 6.0 6.11 6.15 7.1' -d 'HVO rules of a generation'
complete -c hvoplan -n '__hvoplan_using plan' -l from-host -d 'Start from this host (or --root)'
complete -c hvoplan -n '__hvoplan_using plan' -l compare -x -a '(__hvoplan_list (__hvoplan_host_sizes))' -d 'Also lay the pools out as each size of LIST'
complete -c hvoplan -n '__hvoplan_using plan' -l format -x -a 'table json' -d 'Output format'
complete -c hvoplan -n '__hvoplan_using plan' -s o -l output -x -a '(__hvoplan_list SIZE TYPE NODE PAGES HUGETLB PERPAGE VMEMMAP KEPT SAVED RESTORE TAIL)' -d 'Table columns to print'

# apply
complete -c hvoplan -n '__hvoplan_using apply' -l hvo -x -a 'on off' -d 'Set vm.hugetlb_optimize_vmemmap'
complete -c hvoplan -n '__hvoplan_using apply' -l pages -x -a '(__hvoplan_pools)' -d 'Pool sizes SIZE:COUNT[@NODE],...'
complete -c hvoplan -n '__hvoplan_using apply' -l overcommit -x -a '(__hvoplan_pools)' -d 'Overcommit limits SIZE:COUNT,...'
complete -c hvoplan -n '__hvoplan_using apply' -l reoptimize -d 'Re-allocate free pages allocated while HVO was off'
complete -c hvoplan -n '__hvoplan_using apply' -l batch -x -d 'Pages per pool write during --reoptimize'
complete -c hvoplan -n '__hvoplan_using apply' -l persist -d 'Also write sysctl.d and the boot parameters'
complete -c hvoplan -n '__hvoplan_using apply' -l bootloader -x -a 'auto grubby grub kernel-install manual' -d 'How boot parameters are persisted'
complete -c hvoplan -n '__hvoplan_using apply' -l revert -d 'Restore the state saved by the last --persist run'
complete -c hvoplan -n '__hvoplan_using apply' -s y -l yes -d 'Carry the actions out (default: dry run)'
complete -c hvoplan -n '__hvoplan_using apply' -l format -x -a 'text json' -d 'Output format'
complete -c hvoplan -n '__hvoplan_using apply' -s J -l json -d 'Same as --format json'
complete -c hvoplan -n '__hvoplan_using apply' -l config -r -F -d 'Settings file'

# top
complete -c hvoplan -n '__hvoplan_using top' -s d -l delay -x -d 'Seconds between refreshes'
complete -c hvoplan -n '__hvoplan_using top' -s n -l iterations -x -d 'Stop after N frames'
complete -c hvoplan -n '__hvoplan_using top' -s b -l batch -d 'Print frames as plain text'
complete -c hvoplan -n '__hvoplan_using top' -l nodes -d 'Start with the pools expanded per NUMA node'
complete -c hvoplan -n '__hvoplan_using top' -l no-processes -d 'Start without the processes panel'
complete -c hvoplan -n '__hvoplan_using top' -l rescan -x -d 'Read every process at least every N refreshes'
complete -c hvoplan -n '__hvoplan_using top' -l smaps -d 'Private/shared hugetlb split from smaps, shared pages once'
complete -c hvoplan -n '__hvoplan_using top' -s s -l sort -x -a 'hugetlb private shared pid user command' -d 'Process order'
complete -c hvoplan -n '__hvoplan_using top' -s u -l units -x -a 'human bytes KiB MiB GiB' -d 'Sizes as'

# verify
complete -c hvoplan -n '__hvoplan_using verify' -l format -x -a 'text json' -d 'Output format'
complete -c hvoplan -n '__hvoplan_using verify' -s J -l json -d 'Same as --format json'

# boot-entry
complete -c hvoplan -n '__hvoplan_using boot-entry' -s y -l yes -d 'Write the entries (default: show the changes)'
complete -c hvoplan -n '__hvoplan_using boot-entry' -l record -r -F -d 'The parameters to give'

# snapshot
complete -c hvoplan -n '__hvoplan_using snapshot' -s o -l output -r -F -d 'Directory to create, or FILE.tar'
complete -c hvoplan -n '__hvoplan_using snapshot' -l force -d 'Replace an existing snapshot at PATH'

# fleet: PATHs are files and directories
complete -c hvoplan -n '__hvoplan_using fleet' -F
complete -c hvoplan -n '__hvoplan_using fleet' -l format -x -a 'table json csv' -d 'Output format'
complete -c hvoplan -n '__hvoplan_using fleet' -s o -l output -x -a '(__hvoplan_list HOST PATH KIND KERNEL ARCH HVO POOLS HUGETLB VMEMMAP SAVED BASIS POSSIBLE FREEABLE STALE STALEMEM FINDINGS WORST)' -d 'Columns to print'
complete -c hvoplan -n '__hvoplan_using fleet' -l sort -x -a 'HOST PATH KIND KERNEL ARCH HVO POOLS HUGETLB VMEMMAP SAVED BASIS POSSIBLE FREEABLE STALE STALEMEM FINDINGS WORST' -d 'Order the hosts by COLUMN'
complete -c hvoplan -n '__hvoplan_using fleet' -l reverse -d 'Sort the other way round'
complete -c hvoplan -n '__hvoplan_using fleet' -s j -l jobs -x -d 'Hosts read at once'
complete -c hvoplan -n '__hvoplan_using fleet' -l fail-on -x -a 'info warning error' -d 'Exit 1 if a host has a finding of at least SEVERITY'
