#!/usr/bin/env bats
# SPDX-License-Identifier: GPL-2.0-or-later
# hvoplan apply --format json (hvoplan.apply/1, hvoplan-apply(8) JSON
# OUTPUT) on scratch copies of a fixture tree: the document parses and has
# its keys, a dry run plans what --yes then does (--reoptimize too), a
# second --yes is all unchanged with changed false and exit 0, a write made
# to fail by the fault shim (tests/fault/shim.c) is failed / rolled-back
# with exit 4, a rollback that fails too is rollback-failed with exit 5,
# errors are on stderr and in the document, usage errors print no
# document, and --revert reports the same way. Any user; boot loader
# tools are fakes from HVOPLAN_TOOL_DIR.

load apply-root.bash

setup() {
	HV=${HVOPLAN:-$BATS_TEST_DIRNAME/../../hvoplan}
	TOPDIR=${HVOPLAN_TOP:-$BATS_TEST_DIRNAME/../..}
	export LANG=C.UTF-8
	unset HVOPLAN_HVO HVOPLAN_PAGES HVOPLAN_PERSIST HVOPLAN_REOPTIMIZE HVOPLAN_BOOTLOADER HVOPLAN_BATCH HVOPLAN_CONFIG
	R=$BATS_TEST_TMPDIR/root
	apply_scratch_root 6.12-stale "$R"
	FAKE=$BATS_TEST_TMPDIR/fake
	mkdir -p "$FAKE"
	# the fake chatters on its stdout, which apply sends to stderr
	printf '#!/bin/sh\necho "update-grub: generating grub.cfg"\necho "update-grub $*" >>"%s/tools.log"\n' \
		"$BATS_TEST_TMPDIR" >"$FAKE/update-grub"
	chmod +x "$FAKE/update-grub"
	OUT=$BATS_TEST_TMPDIR/out.json ERR=$BATS_TEST_TMPDIR/err
	ARGS=(apply --format json --hvo on --pages 2M:64,1G:1 --persist --bootloader grub)
}

# tree: every file's sha256, minus the lock file
tree() { (cd "$R" && find . -type f ! -path ./run/hvoplan.lock -exec sha256sum {} + | sort -k2); }

# hvj ARGS...: hvoplan --root $R ARGS with the fakes; stdout to $OUT,
# stderr to $ERR, the exit status in $status
hvj() {
	status=0
	HVOPLAN_TOOL_DIR=$FAKE "$HV" --root "$R" "$@" >"$OUT" 2>"$ERR" || status=$?
}

# states: "kind state target" of every action, one a line
states() { jv "$OUT" '"\n".join("%s %s %s" % (a["kind"], a["state"], a["target"]) for a in d["actions"])'; }

@test "apply json: a dry run is one document with every key, plans the actions, changes nothing" {
	before=$(tree)
	hvj "${ARGS[@]}"
	[ "$status" -eq 0 ]
	[ ! -s "$ERR" ] || { cat "$ERR"; false; }
	[ "$(tree)" = "$before" ]
	[ "$(jv "$OUT" 'sorted(d)')" = '["actions", "backup", "boot_parameters", "bootloader", "changed", "dry_run", "errors", "exit_code", "live", "mode", "notes", "pools_after", "removed_parameters", "revert_of", "root", "schema", "shortfall"]' ]
	[ "$(jv "$OUT" 'd["schema"]')" = hvoplan.apply/1 ]
	[ "$(jv "$OUT" 'd["mode"]')" = apply ]
	[ "$(jv "$OUT" 'd["dry_run"]')" = true ]
	[ "$(jv "$OUT" 'd["changed"]')" = true ]
	[ "$(jv "$OUT" 'd["exit_code"]')" = 0 ]
	[ "$(jv "$OUT" 'd["errors"]')" = '[]' ]
	[ "$(jv "$OUT" 'd["backup"]')" = null ]
	[ "$(jv "$OUT" 'd["root"]')" = "$(realpath "$R")" ]
	[ "$(jv "$OUT" 'd["bootloader"]')" = grub ]
	[ "$(jv "$OUT" 'd["boot_parameters"]')" = "hugetlb_free_vmemmap=on hugepagesz=2M hugepages=64 hugepagesz=1G hugepages=1" ]
	[ "$(jv "$OUT" 'd["removed_parameters"]')" = "hugetlb_free_vmemmap=off" ]
	# every action has the common keys; the order is the text mode's
	[ "$(jv "$OUT" 'all(set(a) >= {"kind", "state", "target", "old", "new", "description", "error"} for a in d["actions"])')" = true ]
	[ "$(states)" = "file planned /etc/sysctl.d/90-hvoplan.conf
file planned /etc/default/grub
file planned /etc/default/grub.d/90-hvoplan.cfg
exec planned update-grub
sysctl planned /proc/sys/vm/hugetlb_optimize_vmemmap
pool planned /sys/kernel/mm/hugepages/hugepages-2048kB/nr_hugepages
pool planned /sys/kernel/mm/hugepages/hugepages-1048576kB/nr_hugepages" ]
	[ "$(jv "$OUT" '[(a["old"], a["new"], a["result"]) for a in d["actions"] if a["kind"] in ("sysctl", "pool")]')" = '[[0, 1, null], [0, 64, null], [0, 1, null]]' ]
	[ "$(jv "$OUT" 'd["actions"][0]["old"]')" = null ]
	[ "$(jv "$OUT" 'd["actions"][0]["new"]')" = "$(printf '%s\n' '# Written by `hvoplan apply --persist`; `hvoplan apply --revert` undoes it.' \
		'# HVO for hugepages allocated at run time. Pools allocated at boot follow' \
		'# the hugetlb_free_vmemmap= kernel parameter (sysctls are applied too late).' 'vm.hugetlb_optimize_vmemmap = 1')" ]
	[ "$(jv "$OUT" 'd["actions"][1]["old"]')" = "$(cat "$R/etc/default/grub")" ]
	[[ $(jv "$OUT" 'd["actions"][1]["diff"]') == *'-GRUB_CMDLINE_LINUX_DEFAULT="quiet hugetlb_free_vmemmap=off"'* ]]
	[ "$(jv "$OUT" 'd["actions"][3]["argv"]')" = '["update-grub"]' ]
	# the text mode's descriptions, action for action
	"$HV" --root "$R" "${ARGS[@]:0:1}" "${ARGS[@]:3}" | sed -n 's/^ *[0-9]*\. \(.*\)/\1/p' |
		sed 's/  \[not run under --root\]$//' >"$BATS_TEST_TMPDIR/text"
	diff "$BATS_TEST_TMPDIR/text" <(jv "$OUT" '"\n".join(a["description"] + ("  [%s%s]" % (d["root"], a["target"]) if a["kind"] in ("sysctl", "pool") else "") for a in d["actions"])')
	# -J is --format json
	HVOPLAN_TOOL_DIR=$FAKE "$HV" --root "$R" apply -J --hvo on --pages 2M:64,1G:1 --persist --bootloader grub | cmp - "$OUT"
}

@test "apply json: --yes marks every step done; a second --yes is all unchanged, changed false, exit 0" {
	hvj "${ARGS[@]}" --yes
	[ "$status" -eq 0 ] || { cat "$ERR"; false; }
	[ "$(jv "$OUT" 'd["dry_run"]')" = false ]
	[ "$(jv "$OUT" 'd["changed"]')" = true ]
	[ "$(jv "$OUT" 'sorted(set(a["state"] for a in d["actions"]))')" = '["done"]' ]
	[ "$(jv "$OUT" '[a["result"] for a in d["actions"] if a["kind"] in ("sysctl", "pool")]')" = '[1, 64, 1]' ]
	[ "$(cat "$R/sys/kernel/mm/hugepages/hugepages-2048kB/nr_hugepages")" = 64 ]
	backup=$(jv "$OUT" 'd["backup"]')
	[[ $backup == /var/lib/hvoplan/backup/*Z ]]
	[ -f "$R$backup/manifest" ]
	# the tool ran and its chatter went to stderr, not into the document
	[ "$(cat "$BATS_TEST_TMPDIR/tools.log")" = "update-grub " ]
	grep -q 'update-grub: generating grub.cfg' "$ERR"
	# nothing to do now: the dry run says --yes would change nothing, and it does not
	rm "$BATS_TEST_TMPDIR/tools.log"
	before=$(tree)
	for y in "" --yes; do
		hvj "${ARGS[@]}" $y
		[ "$status" -eq 0 ] || { cat "$ERR"; false; }
		[ "$(jv "$OUT" 'd["changed"]')" = false ]
		[ "$(jv "$OUT" 'd["exit_code"]')" = 0 ]
		[ "$(jv "$OUT" 'd["backup"]')" = null ]
		[ "$(states)" = "file unchanged /etc/sysctl.d/90-hvoplan.conf
file unchanged /etc/default/grub
file unchanged /etc/default/grub.d/90-hvoplan.cfg
sysctl unchanged /proc/sys/vm/hugetlb_optimize_vmemmap
pool unchanged /sys/kernel/mm/hugepages/hugepages-2048kB/nr_hugepages
pool unchanged /sys/kernel/mm/hugepages/hugepages-1048576kB/nr_hugepages" ]
		[ "$(jv "$OUT" '[(a["old"], a["new"]) for a in d["actions"] if a["kind"] in ("sysctl", "pool")]')" = '[[1, 1], [64, 64], [1, 1]]' ]
		[ "$(jv "$OUT" 'd["actions"][0]["new"]')" = "$(cat "$R/etc/sysctl.d/90-hvoplan.conf")" ]
	done
	[ "$(tree)" = "$before" ]
	[ ! -e "$BATS_TEST_TMPDIR/tools.log" ]
	# one change: only that one is done
	hvj apply --format json --hvo on --pages 2M:32,1G:1 --persist --bootloader grub --yes
	[ "$status" -eq 0 ]
	[ "$(jv "$OUT" 'd["changed"]')" = true ]
	[ "$(jv "$OUT" '[a["kind"] for a in d["actions"] if a["state"] == "done"]')" = '["file", "exec", "pool"]' ]
}

@test "apply json: --reoptimize plans one step per node with its pages, and --yes ends each pool at its size" {
	apply_scratch_root 6.12-stale "$R"
	# the fixture's pools, with their stale pages, and HVO on
	cp -a "$TOPDIR/tests/fixtures/vm/6.12-stale/sys/." "$R/sys/"
	echo 1 >"$R/proc/sys/vm/hugetlb_optimize_vmemmap"
	hvj apply --format json --reoptimize
	[ "$status" -eq 0 ]
	[ "$(jv "$OUT" 'd["changed"]')" = true ]
	[ "$(jv "$OUT" '[(a["kind"], a["state"], a["node"], a["size"], a["old"], a["new"], a["pages"], a["batch"], a["left"], a["result"]) for a in d["actions"]]')" = \
		'[["reoptimize", "planned", 0, 2097152, 128, 128, 128, 512, 0, null], ["reoptimize", "planned", 1, 2097152, 128, 128, 128, 512, 0, null]]' ]
	[ "$(jv "$OUT" 'd["notes"]')" = '["1G: no un-optimized pages, nothing to re-optimize"]' ]
	hvj apply --format json --reoptimize --batch 50 --yes
	[ "$status" -eq 0 ] || { cat "$ERR"; false; }
	[ "$(jv "$OUT" '[(a["state"], a["batch"], a["result"]) for a in d["actions"]]')" = '[["done", 50, 128], ["done", 50, 128]]' ]
	[ "$(jv "$OUT" 'd["backup"]')" = null ] # runtime values only: nothing to back up
}

@test "apply json: a manual step is not-run and never counts as a change" {
	hvj apply --format json --hvo on --persist --bootloader manual --yes
	[ "$status" -eq 0 ] || { cat "$ERR"; false; }
	[ "$(jv "$OUT" 'd["changed"]')" = true ]
	hvj apply --format json --hvo on --persist --bootloader manual --yes
	[ "$status" -eq 0 ]
	[ "$(states)" = "manual not-run None
file unchanged /etc/sysctl.d/90-hvoplan.conf
sysctl unchanged /proc/sys/vm/hugetlb_optimize_vmemmap" ]
	[ "$(jv "$OUT" 'd["changed"]')" = false ]
	# a tool under --root without HVOPLAN_TOOL_DIR is not run either
	rm -rf "$R/etc/sysctl.d"
	"$HV" --root "$R" apply --format json --hvo on --pages 2M:8 --persist --bootloader grub --yes >"$OUT"
	[ "$(jv "$OUT" '[a["state"] for a in d["actions"] if a["kind"] == "exec"]')" = '["not-run"]' ]
	[ ! -e "$BATS_TEST_TMPDIR/tools.log" ]
}

@test "apply json: a pool write made to fail is failed, the steps before rolled-back, exit 4, the error on stderr and in errors" {
	SHIM=$("$TOPDIR/tests/fault/build.sh" "$BATS_TEST_TMPDIR/shim")
	PRELOAD=$(ldd "$HV" 2>/dev/null | awk '/lib(a|ub)san\.so/ {printf "%s ", $3}')$SHIM
	cp -a "$R" "$BATS_TEST_TMPDIR/pristine"
	before=$(tree)
	# the Nth write under the root, N counted up to the 2M pool's
	for n in $(seq 1 40); do
		apply_scratch_root 6.12-stale "$R"
		status=0
		HV_FAULT_OP=write HV_FAULT_AT=$n HV_FAULT_ERRNO=EIO HV_FAULT_ROOT=$R HV_FAULT_LOG=$BATS_TEST_TMPDIR/fault.log \
			HVOPLAN_TOOL_DIR=$FAKE LD_PRELOAD=$PRELOAD "$HV" --root "$R" "${ARGS[@]}" --yes >"$OUT" 2>"$ERR" || status=$?
		grep -q 'hugepages-2048kB/nr_hugepages' "$ERR" && break
	done
	[ "$status" -eq 4 ] || { echo "N=$n: $status"; cat "$ERR"; false; }
	[ "$(jv "$OUT" 'd["exit_code"]')" = 4 ]
	[ "$(jv "$OUT" 'd["changed"]')" = false ]
	[ "$(jv "$OUT" 'd["backup"]')" = null ]
	[ "$(jv "$OUT" '" ".join(a["state"] for a in d["actions"])')" = "rolled-back rolled-back rolled-back rolled-back rolled-back failed skipped" ]
	[[ $(jv "$OUT" 'd["actions"][5]["error"]') == *"hugepages-2048kB/nr_hugepages"*"Input/output error"* ]]
	[ "$(jv "$OUT" 'd["actions"][4]["error"]')" = null ]
	# the one error, as text mode prints it on stderr
	[ "$(jv "$OUT" 'len(d["errors"])')" = 1 ]
	grep -qxF "hvoplan: $(jv "$OUT" 'd["errors"][0]')" "$ERR"
	[[ $(jv "$OUT" 'd["errors"][0]') == *"every change was rolled back" ]]
	[ "$(tree)" = "$before" ]
}

@test "apply json: a rollback that fails too is rollback-failed, changed true, exit 5, with the backup kept" {
	# the failing tool puts a directory where etc/default/grub was
	cat >"$FAKE/update-grub" <<TOOL
#!/bin/sh
mv "$R/etc/default/grub" "$BATS_TEST_TMPDIR/grub.new" && mkdir "$R/etc/default/grub"
exit 1
TOOL
	hvj "${ARGS[@]}" --yes
	[ "$status" -eq 5 ]
	[ "$(jv "$OUT" 'd["exit_code"]')" = 5 ]
	[ "$(jv "$OUT" 'd["changed"]')" = true ]
	[ "$(jv "$OUT" '" ".join(a["state"] for a in d["actions"])')" = "rolled-back rollback-failed rolled-back failed skipped skipped skipped" ]
	[[ $(jv "$OUT" 'd["actions"][1]["error"]') == "could not undo: "* ]]
	[[ $(jv "$OUT" 'd["actions"][3]["error"]') == *"failed with exit status 1" ]]
	backup=$(jv "$OUT" 'd["backup"]')
	[ -f "$R$backup/manifest" ]
	[[ $(jv "$OUT" 'd["errors"][0]') == *"the backup $backup is kept"* ]]
	grep -qxF "hvoplan: $(jv "$OUT" 'd["errors"][0]')" "$ERR"
	grep -q "hvoplan: warning: could not undo 'write /etc/default/grub'" "$ERR"
}

@test "apply json: usage errors print no document (exit 2); later errors print one with errors and exit_code" {
	for a in "--hvo maybe" "--format yaml" "--bogus" "--revert --hvo on" "--pages 2M:x"; do
		hvj apply --format json $a
		[ "$status" -eq 2 ] || { echo "$a -> $status"; false; }
		[ ! -s "$OUT" ] || { echo "$a printed: $(cat "$OUT")"; false; }
		grep -q '^hvoplan apply: ' "$ERR"
		grep -q "Try 'hvoplan apply --help'" "$ERR"
	done
	# known only once the host is read: a pool size it lacks, nothing asked for
	for a in "--pages 32M:1" ""; do
		hvj apply --format json $a
		[ "$status" -eq 2 ] || { echo "'$a' -> $status"; false; }
		[ "$(jv "$OUT" 'd["exit_code"]')" = 2 ]
		[ "$(jv "$OUT" 'd["changed"]')" = false ]
		[ "$(jv "$OUT" 'd["actions"]')" = '[]' ]
		msg=$(jv "$OUT" 'd["errors"][0]')
		[ -n "$msg" ]
		grep -qF -- ": $msg" "$ERR"
	done
	# environment (exit 3): another run holds the lock; a root that is not there
	mkdir -p "$R/run"
	exec {lk}>"$R/run/hvoplan.lock"
	flock -n "$lk"
	hvj "${ARGS[@]}" --yes
	exec {lk}>&-
	[ "$status" -eq 3 ]
	[ "$(jv "$OUT" 'd["exit_code"]')" = 3 ]
	[[ $(jv "$OUT" 'd["errors"][0]') == *"another 'hvoplan apply' is running"* ]]
	grep -qxF "hvoplan: $(jv "$OUT" 'd["errors"][0]')" "$ERR"
	status=0
	"$HV" --root "$BATS_TEST_TMPDIR/nothere" apply --format json --hvo on >"$OUT" 2>"$ERR" || status=$?
	[ "$status" -eq 3 ]
	[ "$(jv "$OUT" '(d["root"], d["live"], d["exit_code"])')" = '[null, null, 3]' ]
	grep -qxF "hvoplan: $(jv "$OUT" 'd["errors"][0]')" "$ERR"
}

@test "apply json: --revert plans, restores byte for byte and names the backup; then nothing is left to revert (exit 3)" {
	before=$(tree)
	hvj "${ARGS[@]}" --yes
	[ "$status" -eq 0 ]
	backup=$(jv "$OUT" 'd["backup"]')
	mid=$(tree)
	hvj apply --revert --format json
	[ "$status" -eq 0 ]
	[ "$(tree)" = "$mid" ]
	[ "$(jv "$OUT" '(d["mode"], d["dry_run"], d["changed"], d["revert_of"], d["backup"])')" = "[\"revert\", true, true, \"$backup\", null]" ]
	[ "$(states)" = "file planned /etc/sysctl.d/90-hvoplan.conf
file planned /etc/default/grub
file planned /etc/default/grub.d/90-hvoplan.cfg
exec planned update-grub
sysctl planned /proc/sys/vm/hugetlb_optimize_vmemmap
pool planned /sys/kernel/mm/hugepages/hugepages-2048kB/nr_hugepages
pool planned /sys/kernel/mm/hugepages/hugepages-1048576kB/nr_hugepages" ]
	[ "$(jv "$OUT" '[(a["old"], a["new"]) for a in d["actions"] if a["kind"] in ("sysctl", "pool")]')" = '[[1, 0], [64, 0], [1, 0]]' ]
	[ "$(jv "$OUT" 'd["actions"][0]["new"]')" = null ]
	hvj apply --revert --format json --yes
	[ "$status" -eq 0 ] || { cat "$ERR"; false; }
	[ "$(jv "$OUT" '(d["changed"], d["revert_of"], d["backup"])')" = "[true, \"$backup\", null]" ]
	[ "$(jv "$OUT" 'sorted(set(a["state"] for a in d["actions"]))')" = '["done"]' ]
	[ "$(tree)" = "$before" ]
	hvj apply --revert --format json --yes
	[ "$status" -eq 3 ]
	[ "$(jv "$OUT" '(d["changed"], d["exit_code"], d["actions"])')" = '[false, 3, []]' ]
	[[ $(jv "$OUT" 'd["errors"][0]') == *"no backup to revert to"* ]]
}
