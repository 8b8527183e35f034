#!/usr/bin/env bats
# SPDX-License-Identifier: GPL-2.0-or-later
# The Ansible example (examples/ansible: playbook hvoplan.yml and role
# hvoplan) run by the real ansible-playbook on the local connection against
# a scratch --root tree: check mode says a change is pending and changes
# nothing, the first run reports changed, the second changed=0, a revert
# play restores the tree byte for byte (less the empty directories apply's
# lock and backups live in), a second revert is ok and unchanged, and the
# README's copy-paste task works the same. Every
# Ansible path (config, home, temporary and collection directories) is under
# the test's temporary directory. Any user; skips without ansible-playbook
# (Debian package ansible-core, installed by .ci/run).

load apply-root.bash

setup() {
	command -v ansible-playbook >/dev/null || skip "ansible-playbook is not installed (apt-get install ansible-core)"
	HV=$(realpath "${HVOPLAN:-$BATS_TEST_DIRNAME/../../hvoplan}")
	TOPDIR=${HVOPLAN_TOP:-$BATS_TEST_DIRNAME/../..}
	export LANG=C.UTF-8
	unset HVOPLAN_HVO HVOPLAN_PAGES HVOPLAN_PERSIST HVOPLAN_REOPTIMIZE HVOPLAN_BOOTLOADER HVOPLAN_BATCH HVOPLAN_CONFIG
	T=$BATS_TEST_TMPDIR
	R=$T/root
	apply_scratch_root 6.12-stale "$R"
	cp -a "$R" "$T/pristine"
	mkdir -p "$T/fake" "$T/home" "$T/ansible" "$T/tmp"
	printf '#!/bin/sh\necho "update-grub $*" >>"%s/tools.log"\n' "$T" >"$T/fake/update-grub"
	chmod +x "$T/fake/update-grub"
	: >"$T/ansible.cfg"
	export HOME=$T/home ANSIBLE_CONFIG=$T/ansible.cfg ANSIBLE_HOME=$T/ansible ANSIBLE_LOCAL_TEMP=$T/tmp \
		ANSIBLE_REMOTE_TEMP=$T/tmp ANSIBLE_COLLECTIONS_PATH=$T/ansible/collections \
		ANSIBLE_ROLES_PATH=$TOPDIR/examples/ansible/roles ANSIBLE_NOCOLOR=1 ANSIBLE_RETRY_FILES_ENABLED=0 \
		ANSIBLE_PYTHON_INTERPRETER=/usr/bin/python3 ANSIBLE_LOCALHOST_WARNING=0 ANSIBLE_INVENTORY_UNPARSED_WARNING=0
}

# play ARGS...: the example playbook on localhost with the test's root and
# fakes; $output, $status; $recap the PLAY RECAP line of localhost
play() {
	run ansible-playbook -i localhost, -c local "$TOPDIR/examples/ansible/hvoplan.yml" \
		-e hvoplan_become=false -e "hvoplan_bin=$HV" -e "hvoplan_root=$R" -e hvoplan_bootloader=grub \
		-e "{\"hvoplan_environment\": {\"HVOPLAN_TOOL_DIR\": \"$T/fake\"}}" "$@"
	recap=$(grep -E '^localhost +:' <<<"$output" || true)
}

# recap_is OK CHANGED: the recap counts, and nothing failed
recap_is() {
	[[ $recap =~ ok=$1\ +changed=$2\ +unreachable=0\ +failed=0 ]] || { echo "$output"; echo "want ok=$1 changed=$2: $recap"; false; }
}

tree() { (cd "$R" && find . -type f ! -path ./run/hvoplan.lock -exec sha256sum {} + | sort -k2); }

@test "ansible: check mode reports the pending change and changes nothing; the run changes, the next is unchanged" {
	before=$(tree)
	play --check
	[ "$status" -eq 0 ] || { echo "$output"; false; }
	recap_is 2 1
	[ "$(tree)" = "$before" ]
	[ ! -e "$T/tools.log" ]
	play
	[ "$status" -eq 0 ] || { echo "$output"; false; }
	recap_is 2 1
	[ "$(cat "$R/proc/sys/vm/hugetlb_optimize_vmemmap")" = 1 ]
	[ "$(cat "$R/sys/kernel/mm/hugepages/hugepages-2048kB/nr_hugepages")" = 1024 ]
	grep -qx 'vm.hugetlb_optimize_vmemmap = 1' "$R/etc/sysctl.d/90-hvoplan.conf"
	grep -q 'hugetlb_free_vmemmap=on hugepagesz=2M hugepages=1024' "$R/etc/default/grub.d/90-hvoplan.cfg"
	[ "$(cat "$T/tools.log")" = "update-grub " ]
	after=$(tree)
	play
	[ "$status" -eq 0 ] || { echo "$output"; false; }
	recap_is 2 0
	play --check
	recap_is 2 0
	[ "$(tree)" = "$after" ]
	[ "$(wc -l <"$T/tools.log")" -eq 1 ]
	# another desired state is one more change
	play -e hvoplan_pages=2M:512
	recap_is 2 1
	[ "$(cat "$R/sys/kernel/mm/hugepages/hugepages-2048kB/nr_hugepages")" = 512 ]
}

@test "ansible: the revert play restores the tree byte for byte; reverting again is ok and unchanged" {
	play
	recap_is 2 1
	play -e hvoplan_state=reverted
	[ "$status" -eq 0 ] || { echo "$output"; false; }
	recap_is 2 1
	# what apply leaves: its lock file and the (now empty) directories of
	# the backups; nothing else differs from the tree before
	run diff -r "$T/pristine" "$R"
	[ "$output" = "Only in $R: run
Only in $R: var" ] || { echo "$output"; false; }
	[ "$(cd "$R" && find run var | sort)" = "run
run/hvoplan.lock
var
var/lib
var/lib/hvoplan
var/lib/hvoplan/backup" ]
	[ ! -e "$R/etc/sysctl.d" ] && [ ! -e "$R/etc/default/grub.d" ]
	[ "$(wc -l <"$T/tools.log")" -eq 2 ]
	play -e hvoplan_state=reverted
	[ "$status" -eq 0 ] || { echo "$output"; false; }
	recap_is 2 0
}

@test "ansible: a failing apply fails the task with hvoplan's message, and the tree is as before" {
	printf '#!/bin/sh\necho "update-grub: no grub.cfg" >&2\nexit 1\n' >"$T/fake/update-grub"
	before=$(tree)
	play
	[ "$status" -eq 2 ]
	[[ $recap =~ failed=1 ]] || { echo "$output"; false; }
	[[ $output == *'"rc": 4'* ]]
	[[ $output == *"every change was rolled back"* ]]
	[ "$(tree)" = "$before" ]
}

@test "ansible: the README's task, copied as it is (with --root added), applies once and is unchanged after" {
	# the yaml block of the README, pointed at the scratch root
	sed -n '/^```yaml$/,/^```$/p' "$TOPDIR/README.md" | sed '1d;$d' >"$T/task.yml"
	grep -q 'argv: \[hvoplan, apply' "$T/task.yml"
	{
		echo '- hosts: all'
		echo '  gather_facts: false'
		echo '  tasks:'
		sed -e "s|argv: \[hvoplan, apply|argv: [$HV, --root, $R, apply|" -e '/become: true/d' -e 's/^/    /' "$T/task.yml"
	} >"$T/readme.yml"
	for want in 1 0; do
		HVOPLAN_TOOL_DIR=$T/fake run ansible-playbook -i localhost, -c local "$T/readme.yml"
		recap=$(grep -E '^localhost +:' <<<"$output" || true)
		recap_is 1 "$want"
	done
	[ "$(cat "$R/sys/kernel/mm/hugepages/hugepages-2048kB/nr_hugepages")" = 1024 ]
}

@test "ansible: hvoplan_overcommit sets the limit now and in tmpfiles.d, once; the revert play takes both back" {
	play -e hvoplan_hvo= -e hvoplan_overcommit=2M:64M
	[ "$status" -eq 0 ] || { echo "$output"; false; }
	recap_is 2 1
	[ "$(cat "$R/sys/kernel/mm/hugepages/hugepages-2048kB/nr_overcommit_hugepages")" = 32 ]
	grep -qx 'w /sys/kernel/mm/hugepages/hugepages-2048kB/nr_overcommit_hugepages - - - - 32' "$R/etc/tmpfiles.d/90-hvoplan.conf"
	play -e hvoplan_hvo= -e hvoplan_overcommit=2M:32
	recap_is 2 0
	play -e hvoplan_state=reverted
	[ "$status" -eq 0 ] || { echo "$output"; false; }
	recap_is 2 1
	[ "$(cat "$R/sys/kernel/mm/hugepages/hugepages-2048kB/nr_overcommit_hugepages")" = 0 ]
	[ ! -e "$R/etc/tmpfiles.d/90-hvoplan.conf" ]
}
