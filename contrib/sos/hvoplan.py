# SPDX-License-Identifier: GPL-2.0-or-later
# sos report plugin for hvoplan: what the kernel, memory, numa and processor
# plugins of sos 4.x leave out and `hvoplan report --root` needs, copied to
# the paths hvoplan reads (so an extracted sosreport reports as the live host
# did), and hvoplan's own view of the host.
#
# Installed into sos' own plugin package (sos/report/plugins/, where sos
# looks: it lists the modules of that package) by `make install`; see
# hvoplan-snapshot(8).
#
#   sos report --batch --only-plugins kernel,memory,numa,processor,hvoplan
#   hvoplan report --root sosreport-HOST-DATE/
import os
import re

from sos.report.plugins import (Plugin, DebianPlugin, UbuntuPlugin, RedHatPlugin,
                                IndependentPlugin)


# Debian's sos 4.0 policy accepts DebianPlugin subclasses only (later ones
# take IndependentPlugin everywhere): name the distributions too
class Hvoplan(Plugin, DebianPlugin, UbuntuPlugin, RedHatPlugin, IndependentPlugin):

    short_desc = 'hugepage pools and HugeTLB Vmemmap Optimization (hvoplan)'

    plugin_name = 'hvoplan'
    profiles = ('memory', 'kernel')
    # on by default where hvoplan is installed (the package ships this file)
    files = ('/usr/bin/hvoplan', '/usr/local/bin/hvoplan')

    option_list = [
        ("binary", "the hvoplan program to run", "fast", "hvoplan"),
    ]

    def hugetlb_pids(self):
        """Processes that hold hugetlb memory now (HugetlbPages in status)."""
        pids = []
        try:
            names = os.listdir('/proc')
        except OSError:
            return pids
        for pid in names:
            if not pid.isdigit():
                continue
            try:
                with open('/proc/%s/status' % pid) as f:
                    for line in f:
                        if line.startswith('HugetlbPages:'):
                            if int(line.split()[1]) > 0:
                                pids.append(pid)
                            break
            except (OSError, ValueError, IndexError):
                continue  # gone, or a kernel thread
        return pids

    @staticmethod
    def hugetlbfs_statfs():
        """PATH BSIZE BLOCKS BFREE FILES FFREE per hugetlbfs mount, PATH
        escaped as /proc/mounts escapes it (and '#', the comment mark)."""
        lines = ['# statfs() of each hugetlbfs mount: PATH BSIZE BLOCKS BFREE FILES FFREE']
        try:
            with open('/proc/mounts') as f:
                mounts = [l.split() for l in f]
        except OSError:
            return '\n'.join(lines) + '\n'
        for m in mounts:
            if len(m) < 4 or m[2] != 'hugetlbfs':
                continue
            path = re.sub(r'\\([0-3][0-7][0-7])', lambda e: chr(int(e.group(1), 8)), m[1])
            try:
                st = os.statvfs(path)
            except OSError:
                continue
            esc = ''.join('\\%03o' % ord(c) if c in ' \t\n\\#' else c for c in path)
            # CPython hands statvfs' unsigned counts over as signed longs (-1
            # for an unlimited nr_inodes): back to what statfs() said
            figs = [v % (1 << 64) for v in (st.f_bsize, st.f_blocks, st.f_bfree, st.f_files, st.f_ffree)]
            lines.append('%s %d %d %d %d %d' % tuple([esc] + figs))
        return '\n'.join(lines) + '\n'

    def setup(self):
        release = os.uname().release
        # Inputs of `hvoplan report` that sos misses (see tests/cli/sos.bats):
        # the kernel config (HVO built in, on by default), the sysctl itself,
        # the release, the memory blocks (baseline memmap, realized savings)
        # and the per-node counters.
        self.add_copy_spec([
            '/proc/config.gz',
            '/boot/config-%s' % release,
            '/lib/modules/%s/config' % release,
            '/proc/sys/kernel/osrelease',
            '/proc/sys/vm/hugetlb_optimize_vmemmap',
            '/proc/sys/vm/nr_hugepages',
            '/proc/sys/vm/nr_hugepages_mempolicy',
            '/proc/sys/vm/nr_overcommit_hugepages',
            '/sys/devices/system/memory/block_size_bytes',
            '/sys/devices/system/memory/memory*/state',
            '/sys/devices/system/node/online',
            '/sys/devices/system/node/possible',
            '/sys/devices/system/node/has_memory',
            '/sys/devices/system/node/node*/vmstat',
            '/sys/module/memory_hotplug/parameters/memmap_on_memory',
            '/proc/mounts',
            # the free-memory reserve next to the pools (hvoplan-report(8),
            # reserve): min_free_kbytes, the populated zones, the pageblock
            # size, the low zones' managed pages, the THP mode
            '/proc/sys/vm/min_free_kbytes',
            # who may make SysV hugepage segments: the sysctl and its group
            '/proc/sys/vm/hugetlb_shm_group',
            '/etc/group',
            '/proc/buddyinfo',
            '/proc/pagetypeinfo',
            '/proc/zoneinfo',
            '/sys/kernel/mm/transparent_hugepage/enabled',
        ])
        # sizeof(struct page) from BTF, whole (a tail would be garbage);
        # what `hvoplan snapshot` keeps too
        self.add_copy_spec('/sys/kernel/btf/vmlinux', sizelimit=0, tailit=False)

        # Per-process hugetlb use: status, comm and smaps of the processes
        # that hold hugepages (what `hvoplan top --root` reads), no others.
        for pid in self.hugetlb_pids():
            self.add_copy_spec(['/proc/%s/status' % pid, '/proc/%s/comm' % pid,
                                '/proc/%s/smaps' % pid])

        # hugetlbfs mounts with their page size and size limits
        self.add_cmd_output('findmnt --kernel --types hugetlbfs --output TARGET,SOURCE,OPTIONS',
                            suggest_filename='hugetlbfs_mounts')
        # and what statfs() counts in each, which a copy cannot answer: the
        # record `hvoplan snapshot` keeps, read from sos_strings/hvoplan/
        self.add_string_as_file(self.hugetlbfs_statfs(), 'hvoplan-hugetlbfs-statfs.txt')

        # hvoplan's own view: the report and the per-process table
        # sos runs commands with its own PATH (Debian's lacks /usr/local/bin)
        hv = self.get_option('binary') or 'hvoplan'
        if hv == 'hvoplan':
            hv = next((f for f in self.files if os.access(f, os.X_OK)), hv)
        self.add_cmd_output('%s report --format json' % hv, suggest_filename='hvoplan_report.json')
        self.add_cmd_output('%s report --summary=always --color=never' % hv, suggest_filename='hvoplan_report')
        self.add_cmd_output('%s top -b -n 1 --smaps --color=never' % hv, suggest_filename='hvoplan_top')
