# SPDX-License-Identifier: GPL-2.0-or-later
# Helpers for tests/cli/fault.bats: scratch roots, tree fingerprints, one
# apply under the fault shim, and the checks every outcome must pass.
# Sourced by bats; uses $HV, $SNAP, $SHIM, $FAKE, $BATS_TEST_TMPDIR.

# The persisting apply under test: three files (sysctl drop-in, GRUB
# drop-in, etc/default/grub with conflicting parameters taken out), the
# update-grub tool, the HVO sysctl and the 2M pool.
FAULT_ARGS=(apply --hvo on --pages 2M:16 --persist --bootloader grub --yes)

# The files whose content must be old or new, never anything else.
FAULT_TARGETS=(
	etc/sysctl.d/90-hvoplan.conf
	etc/default/grub.d/90-hvoplan.cfg
	etc/default/grub
	proc/sys/vm/hugetlb_optimize_vmemmap
)

# fault_make_root DIR: a snapshot copy with HVO off, empty pools, and the
# etc/default/grub of apply.bats (conflicting parameters in it)
fault_make_root() {
	local r=$1 f
	rm -rf "$r"
	cp -a "$SNAP" "$r"
	# the host's own boot configuration (kept by the snapshot for verify) is
	# not the starting point: the one below is
	rm -rf "$r/etc" "$r/boot"
	echo 0 >"$r/proc/sys/vm/hugetlb_optimize_vmemmap"
	for f in "$r"/sys/kernel/mm/hugepages/*/{nr,free}_hugepages "$r"/sys/devices/system/node/node*/hugepages/*/{nr,free}_hugepages; do
		[ -f "$f" ] && echo 0 >"$f"
	done
	mkdir -p "$r/etc/default"
	cat >"$r/etc/default/grub" <<'GRUB'
# If you change this file, run 'update-grub' afterwards.
GRUB_DEFAULT=0
GRUB_TIMEOUT=5
GRUB_CMDLINE_LINUX_DEFAULT="quiet hugetlb_free_vmemmap=off"
GRUB_CMDLINE_LINUX="console=ttyS0 hugepagesz=1G hugepages=2 hugepagesz=2M hugepages=16 rd.lvm=1"
GRUB
}

# fault_targets DIR: every file that must be old-or-new (targets + pools)
fault_targets() {
	local r=$1
	printf '%s\n' "${FAULT_TARGETS[@]}"
	(cd "$r" && find sys -name nr_hugepages | sort)
}

# fault_state DIR: one line per target: sha256 or "absent"
fault_state() {
	local r=$1 t
	while read -r t; do
		if [ -f "$r/$t" ]; then
			echo "$t $(sha256sum <"$r/$t" | cut -c1-64)"
		elif [ -e "$r/$t" ]; then
			echo "$t not-a-file"
		else
			echo "$t absent"
		fi
	done < <(fault_targets "$r")
}

# fault_tree DIR: every file's sha256 and every directory, minus the lock
# (its existence is the lock, and run/ stays), minus the backups (their
# names carry the time), minus the directories the backup dir lives in
fault_tree() {
	(cd "$1" && {
		find . -type f ! -path ./run/hvoplan.lock ! -path './var/lib/hvoplan/backup/*' -exec sha256sum {} + | sort -k2
		find . -type d ! -path ./run ! -path ./var ! -path ./var/lib ! -path ./var/lib/hvoplan \
			! -path './var/lib/hvoplan/backup' ! -path './var/lib/hvoplan/backup/*' | sort
	})
}

# fault_backups DIR: the backup directories left under the root
# Backups that --revert would use; a ".removing-*" directory is a discarded
# one whose removal failed (never reverted to, and hvoplan must say so).
fault_backups() {
	(cd "$1" && find var/lib/hvoplan/backup -mindepth 1 -maxdepth 1 ! -name '.removing-*' 2>/dev/null | sort)
}

# fault_leftovers_said: a discarded backup left behind was reported on stderr
fault_leftovers_said() {
	[ -z "$(cd "$R" && find var/lib/hvoplan/backup -mindepth 1 -maxdepth 1 -name '.removing-*' 2>/dev/null)" ] ||
		grep -q 'could not remove the discarded backup' "$FERR"
}

# fault_check_file T OLD NEW: T's line of the state is in OLD or in NEW
fault_line_ok() {
	local line=$1 old=$2 new=$3
	grep -qxF -- "$line" <<<"$old" || grep -qxF -- "$line" <<<"$new"
}

# fault_run OP N ERRNO: one apply on a fresh root $R with the Nth OP failing.
# Sets: status, FOUT, FERR (files), INJECTED (the shim's log lines).
fault_run() {
	local op=$1 n=$2 e=$3
	fault_make_root "$R"
	rm -f "$BATS_TEST_TMPDIR/fault.log" "$BATS_TEST_TMPDIR/tools.log"
	FOUT=$BATS_TEST_TMPDIR/out FERR=$BATS_TEST_TMPDIR/err
	status=0
	HV_FAULT_OP=$op HV_FAULT_AT=$n HV_FAULT_ERRNO=$e HV_FAULT_COUNT=${HV_FAULT_COUNT:-1} HV_FAULT_ROOT=$R HV_FAULT_LOG=$BATS_TEST_TMPDIR/fault.log \
		HVOPLAN_TOOL_DIR=$FAKE LD_PRELOAD=$PRELOAD "$HV" --root "$R" "${FAULT_ARGS[@]}" >"$FOUT" 2>"$FERR" || status=$?
	INJECTED=$(cat "$BATS_TEST_TMPDIR/fault.log" 2>/dev/null || true)
}

# fault_run_revert OP N ERRNO: 'apply --revert --yes' with the Nth OP
# failing, on a fresh copy of the reference root after a clean apply
fault_run_revert() {
	local op=$1 n=$2 e=$3
	rm -rf "$R"
	cp -a "$AFTER_ROOT" "$R"
	rm -f "$BATS_TEST_TMPDIR/fault.log" "$BATS_TEST_TMPDIR/tools.log"
	FOUT=$BATS_TEST_TMPDIR/out FERR=$BATS_TEST_TMPDIR/err
	status=0
	HV_FAULT_OP=$op HV_FAULT_AT=$n HV_FAULT_ERRNO=$e HV_FAULT_COUNT=${HV_FAULT_COUNT:-1} HV_FAULT_ROOT=$R HV_FAULT_LOG=$BATS_TEST_TMPDIR/fault.log \
		HVOPLAN_TOOL_DIR=$FAKE LD_PRELOAD=$PRELOAD "$HV" --root "$R" apply --revert --yes >"$FOUT" 2>"$FERR" || status=$?
	INJECTED=$(cat "$BATS_TEST_TMPDIR/fault.log" 2>/dev/null || true)
}

# fault_check_revert: invariants for the last fault_run_revert: exit 0 is
# the before state with the backup gone; a failure leaves the applied state
# and the backup, so that the revert can be run again; either way a revert
# run afterwards (fault gone) ends in the before state.
fault_check_revert() {
	local leftovers state line
	leftovers=$(cd "$R" && find . -name '.*.hvoplan-*')
	[ -z "$leftovers" ] || fault_fail "(b) temporary files left: $leftovers"
	state=$(fault_state "$R")
	while read -r line; do
		fault_line_ok "$line" "$BEFORE_STATE" "$AFTER_STATE" || fault_fail "(a) neither old nor new: $line"
	done <<<"$state"
	case $status in
	0)
		if [ -z "$INJECTED" ]; then
			OUTCOME=clean
		elif grep -q 'the backup could not be removed' "$FERR"; then
			OUTCOME=absorbed-backup-left
		else
			OUTCOME=absorbed
		fi
		if [ "$(fault_tree "$R")" != "$BEFORE_TREE" ]; then
			if fault_dirs_only "$(fault_tree "$R")" "$BEFORE_TREE" && grep -q 'cannot remove the directory apply made' "$FERR"; then
				OUTCOME=absorbed-dir-left # an empty directory left, and said (F5)
			else
				fault_fail "revert exit 0 but the tree is not the before state"
			fi
		fi
		if [ "$OUTCOME" != absorbed-backup-left ]; then
			[ -z "$(fault_backups "$R")" ] || fault_fail "revert exit 0 but the backup is left without a warning"
			fault_leftovers_said || fault_fail "a discarded backup is left without a warning"
		else
			# the next --revert must not trip over what is left of it
			local rs=0
			HVOPLAN_TOOL_DIR=$FAKE "$HV" --root "$R" apply --revert --yes >"$BATS_TEST_TMPDIR/revert.out" 2>&1 || rs=$?
			if [ "$rs" -ne 0 ] && ! grep -q 'no backup to revert to' "$BATS_TEST_TMPDIR/revert.out"; then
				if grep -q 'missing from the backup\|backup is incomplete' "$BATS_TEST_TMPDIR/revert.out"; then
					OUTCOME=absorbed-F4 # known: see the skipped test naming F4
				else
					fault_fail "after a partly removed backup the next --revert fails: $(cat "$BATS_TEST_TMPDIR/revert.out")"
				fi
			fi
		fi
		;;
	3 | 4 | 5)
		[ -n "$INJECTED" ] || fault_fail "exit $status without an injection"
		t=$(sed -n '1s/.* on \(.*\): .* \[pid .*/\1/p' <<<"$INJECTED")
		t=${t##*/}
		t=${t#.}
		t=${t%%.hvoplan-*}
		grep -qF -- "$t" "$FERR" || fault_fail "(c) stderr does not name '$t'"
		if grep -q 'every change was rolled back' "$FERR"; then
			[ "$(fault_tree "$R")" = "$AFTER_TREE" ] || fault_fail "revert rolled back, but the tree is not the applied state"
			OUTCOME=rolled-back
		else
			OUTCOME=rollback-failed
		fi
		[ "$(fault_backups "$R" | wc -l)" -eq 1 ] || fault_fail "a failed revert lost the backup"
		fault_revert_ok || fault_fail "the revert run again does not give the before state: $(cat "$BATS_TEST_TMPDIR/revert.out")"
		;;
	*)
		fault_fail "exit status $status (want 0, 3, 4 or 5)"
		OUTCOME=bad-exit
		;;
	esac
	OUTCOMES+=("$OUTCOME")
}

# fault_fail MSG: report one broken invariant with what is needed to replay it
fault_fail() {
	{
		echo "FAIL: $FAULT_CASE: $*"
		echo "  injected: ${INJECTED:-nothing}"
		echo "  exit: $status"
		sed 's/^/  stderr: /' "$FERR"
	} >>"$BATS_TEST_TMPDIR/failures"
}

# fault_check: the invariants (a)-(e) for the last fault_run; appends the
# outcome to $OUTCOMES and every broken invariant to $BATS_TEST_TMPDIR/failures
fault_check() {
	local state line t leftovers
	state=$(fault_state "$R")
	# (a) every target is byte for byte its old or its complete new content
	while read -r line; do
		fault_line_ok "$line" "$BEFORE_STATE" "$AFTER_STATE" || fault_fail "(a) neither old nor new: $line"
	done <<<"$state"
	# (b) no temporary files left behind
	leftovers=$(cd "$R" && find . -name '.*.hvoplan-*')
	[ -z "$leftovers" ] || fault_fail "(b) temporary files left: $leftovers"
	case $status in
	0)
		# (e) the new state, and a backup of the old one
		[ "$(fault_tree "$R")" = "$AFTER_TREE" ] || fault_fail "(e) exit 0 but the tree is not the after state"
		[ "$(fault_backups "$R" | wc -l)" -eq 1 ] || fault_fail "(e) exit 0 but $(fault_backups "$R" | wc -l) backups"
		cmp -s "$R"/var/lib/hvoplan/backup/*/files/etc/default/grub "$BEFORE_ROOT/etc/default/grub" ||
			fault_fail "(e) the backup of etc/default/grub is not the old file"
		grep -q '^file absent - etc/sysctl.d/90-hvoplan.conf$' "$R"/var/lib/hvoplan/backup/*/manifest ||
			fault_fail "(e) the backup manifest is incomplete"
		if [ -n "$INJECTED" ]; then OUTCOME=absorbed; else OUTCOME=clean; fi
		# (f) an absorbed fault still leaves a backup that --revert can undo
		if [ -n "$INJECTED" ] && ! fault_revert_ok; then
			fault_fail "(f) exit 0, but 'apply --revert --yes' does not give back the before state: $(cat "$BATS_TEST_TMPDIR/revert.out")"
		fi
		;;
	3 | 4 | 5)
		# (c) says what failed and why
		t=$(sed -n '1s/.* on \(.*\): .* \[pid .*/\1/p' <<<"$INJECTED")
		t=${t##*/}
		t=${t#.}
		t=${t%%.hvoplan-*}
		local etext
		etext=$(sed -n '1s/.* on .*: \(.*\) \[pid .*/\1/p' <<<"$INJECTED")
		[ -z "$INJECTED" ] && fault_fail "exit $status without an injection"
		grep -qF -- "$t" "$FERR" || fault_fail "(c) stderr does not name '$t'"
		grep -qF -- "$etext" "$FERR" || fault_fail "(c) stderr does not give the error '$etext'"
		# (d) nothing changed (exit 3 refuses before any change)
		local known
		known=$(fault_known_tree)
		[ "$known" != F5-silent ] || fault_fail "an empty directory apply made is left, and stderr does not say so"
		if [ -z "$known" ]; then
			[ "$(fault_tree "$R")" = "$BEFORE_TREE" ] || fault_fail "(d) exit $status but the tree is not the before state"
			[ -z "$(fault_backups "$R")" ] || fault_fail "(d) exit $status but a backup is left: $(fault_backups "$R")"
		fi
		if [ -n "$known" ]; then
			OUTCOME=rolled-back-$known
		elif [ "$status" -eq 4 ]; then
			grep -qE 'every change was rolled back|cannot make the backup, nothing was changed' "$FERR" ||
				fault_fail "(c) exit 4 does not say it rolled back"
			OUTCOME=rolled-back
		else
			OUTCOME=refused
		fi
		;;
	*)
		fault_fail "(c) exit status $status (want 0, 3, 4 or 5)"
		OUTCOME=bad-exit
		;;
	esac
	OUTCOMES+=("$OUTCOME")
}

# fault_dirs_only A B: trees A and B differ only in (empty) directories
fault_dirs_only() {
	! diff <(echo "$1") <(echo "$2") | grep '^[<>]' | grep -q '^[<>] [0-9a-f]\{64\} '
}

# fault_known_tree: after a rollback the tree is not $BEFORE_TREE or a
# backup is left; name the known finding it is, or nothing
fault_known_tree() {
	local tree
	tree=$(fault_tree "$R")
	if [ -n "$(fault_backups "$R")" ] && [ "$tree" = "$BEFORE_TREE" ] && grep -q 'every change was rolled back' "$FERR"; then
		echo F4 # a half-removed backup left behind, silently
	elif [ "$tree" != "$BEFORE_TREE" ] && fault_dirs_only "$tree" "$BEFORE_TREE"; then
		# an empty directory apply made left behind: said (F5), or a failure
		if grep -q 'cannot remove the directory apply made' "$FERR"; then echo dir-left; else echo F5-silent; fi
	fi
}

# fault_revert_ok: 'apply --revert --yes' (no shim) on $R gives the before tree
fault_revert_ok() {
	HVOPLAN_TOOL_DIR=${REVERT_TOOLS:-$FAKE} "$HV" --root "$R" apply --revert --yes >"$BATS_TEST_TMPDIR/revert.out" 2>&1 &&
		[ "$(fault_tree "$R")" = "$BEFORE_TREE" ] && [ -z "$(fault_backups "$R")" ]
}

# fault_check_double: invariants when the fault stays (HV_FAULT_COUNT=0),
# so that the rollback fails too: a failure says whether it rolled back;
# if it did, nothing changed; if not, the backup is kept and --revert
# (once the fault is gone) gives back the before state.
fault_check_double() {
	local leftovers
	leftovers=$(cd "$R" && find . -name '.*.hvoplan-*')
	[ -z "$leftovers" ] || fault_fail "(b) temporary files left: $leftovers"
	case $status in
	0)
		[ "$(fault_tree "$R")" = "$AFTER_TREE" ] || fault_fail "exit 0 but the tree is not the after state"
		OUTCOME=absorbed
		;;
	3 | 4 | 5)
		local known
		known=$(fault_known_tree)
		[ "$known" != F5-silent ] || fault_fail "an empty directory apply made is left, and stderr does not say so"
		if [ -n "$known" ]; then
			OUTCOME=rolled-back-$known
		elif grep -qE 'every change was rolled back|cannot make the backup, nothing was changed' "$FERR"; then
			[ "$(fault_tree "$R")" = "$BEFORE_TREE" ] || fault_fail "says rolled back, but the tree is not the before state"
			[ -z "$(fault_backups "$R")" ] || fault_fail "says rolled back, but a backup is left"
			OUTCOME=rolled-back
		elif grep -q 'rolling back failed' "$FERR"; then
			[ "$status" -eq 5 ] || fault_fail "rolling back failed, but exit $status (want 5)"
			[ "$(fault_backups "$R" | wc -l)" -eq 1 ] || fault_fail "rolling back failed, but no backup is kept"
			OUTCOME=rollback-failed
			fault_revert_ok ||
				fault_fail "rolling back failed, and --revert does not give back the before state: $(cat "$BATS_TEST_TMPDIR/revert.out")"
		elif [ "$(fault_tree "$R")" = "$BEFORE_TREE" ] && [ -z "$(fault_backups "$R")" ]; then
			OUTCOME=refused
		else
			fault_fail "exit $status, the tree changed, and stderr does not say whether it was rolled back"
			OUTCOME=bad
		fi
		;;
	*)
		fault_fail "exit status $status (want 0, 3, 4 or 5)"
		OUTCOME=bad-exit
		;;
	esac
	OUTCOMES+=("$OUTCOME")
}

# fault_sweep OP ERRNO [MAX]: N = 1, 2, ... until an apply runs without an
# injection (or MAX). Fails the test with every broken invariant listed.
fault_sweep() {
	local op=$1 e=$2 max=${3:-60} n check=fault_check label=$1
	local run=fault_run
	if [ "${HV_FAULT_COUNT:-1}" = 0 ]; then
		check=fault_check_double label="$1 (stays)"
	fi
	if [ -n "${FAULT_REVERT:-}" ]; then
		run=fault_run_revert check=fault_check_revert label="$1 (--revert)"
	elif [ -n "${FAULT_TOOL_FAILS:-}" ]; then
		check=fault_check_double label="$1 (tool fails)"
	fi
	OUTCOMES=()
	: >"$BATS_TEST_TMPDIR/failures"
	for ((n = 1; n <= max; n++)); do
		FAULT_CASE="HV_FAULT_OP=$op HV_FAULT_AT=$n HV_FAULT_ERRNO=$e HV_FAULT_COUNT=${HV_FAULT_COUNT:-1}"
		$run "$op" "$n" "$e"
		if [ -z "$INJECTED" ] && { [ "$status" -eq 0 ] || [ -n "${FAULT_TOOL_FAILS:-}" ]; }; then
			$check
			unset 'OUTCOMES[-1]'
			break
		fi
		$check
	done
	local summary
	summary=$( ((${#OUTCOMES[@]})) || exit 0; printf '%s\n' "${OUTCOMES[@]}" | sort | uniq -c | awk '{printf "%s%s %s", sep, $1, $2; sep=", "}')
	echo "# $label ($e): ${#OUTCOMES[@]} injection points: $summary" >&3
	[ -z "${HV_FAULT_SUMMARY:-}" ] || echo "$label|$e|${#OUTCOMES[@]}|$summary" >>"$HV_FAULT_SUMMARY"
	[ "$n" -le "$max" ] || echo "$op: still injecting at N=$max" >>"$BATS_TEST_TMPDIR/failures"
	if [ -s "$BATS_TEST_TMPDIR/failures" ]; then
		cat "$BATS_TEST_TMPDIR/failures"
		return 1
	fi
}

# fault_check_kill: invariants after 'apply' was killed with SIGKILL at the
# injection point (HV_FAULT_KILL=1): every target old or new, and one
# 'apply --revert --yes' afterwards (no shim) gives back the before tree,
# or finds no backup when the kill came before anything was changed.
fault_check_kill() {
	local state line rs=0 tree
	# the files; a kernel value file in a scratch tree is empty when the kill
	# came between O_TRUNC and the write (procfs and sysfs ignore O_TRUNC)
	state=$(fault_state "$R" | grep '^etc/')
	while read -r line; do
		fault_line_ok "$line" "$BEFORE_STATE" "$AFTER_STATE" || fault_fail "(a) neither old nor new: $line"
	done <<<"$state"
	[ "$status" -eq 137 ] || fault_fail "killed, but exit $status (want 137)"
	HVOPLAN_TOOL_DIR=$FAKE "$HV" --root "$R" apply --revert --yes >"$BATS_TEST_TMPDIR/revert.out" 2>&1 || rs=$?
	tree=$(fault_tree "$R")
	if [ "$rs" -ne 0 ]; then
		if grep -q 'no backup to revert to' "$BATS_TEST_TMPDIR/revert.out" && [ "$tree" = "$BEFORE_TREE" ]; then
			OUTCOME=killed-before-any-change
		else
			fault_fail "after the kill, --revert exits $rs: $(cat "$BATS_TEST_TMPDIR/revert.out")"
			OUTCOME=revert-failed
		fi
	elif [ "$tree" = "$BEFORE_TREE" ]; then
		OUTCOME=reverted
	elif fault_dirs_only "$tree" "$BEFORE_TREE"; then
		fault_fail "after the kill, --revert leaves directories apply made: $(diff <(echo "$tree") <(echo "$BEFORE_TREE") | grep '^<')"
		OUTCOME=revert-left-dirs
	else
		fault_fail "after the kill, --revert does not give the before tree: $(diff <(echo "$tree") <(echo "$BEFORE_TREE") | grep '^[<>]')"
		OUTCOME=revert-wrong
	fi
	[ -z "$(fault_backups "$R")" ] || { [ "$OUTCOME" = killed-before-any-change ] && [ -z "$(fault_backups "$R" | while read -r b; do [ -e "$R/$b/manifest" ] && echo "$b"; done)" ]; } ||
		fault_fail "a backup with a manifest is left after the revert: $(fault_backups "$R")"
	OUTCOMES+=("$OUTCOME")
}

# fault_kill_sweep OP [MAX]: apply killed with SIGKILL at the Nth OP, for
# N = 1, 2, ... until a run completes without reaching N.
fault_kill_sweep() {
	local op=$1 max=${2:-60} n
	OUTCOMES=()
	: >"$BATS_TEST_TMPDIR/failures"
	for ((n = 1; n <= max; n++)); do
		FAULT_CASE="HV_FAULT_KILL=1 HV_FAULT_OP=$op HV_FAULT_AT=$n"
		HV_FAULT_KILL=1 fault_run "$op" "$n" EIO
		[ -n "$INJECTED" ] || break
		fault_check_kill
	done
	local summary
	summary=$( ((${#OUTCOMES[@]})) || exit 0; printf '%s\n' "${OUTCOMES[@]}" | sort | uniq -c | awk '{printf "%s%s %s", sep, $1, $2; sep=", "}')
	echo "# $op (kill -9): ${#OUTCOMES[@]} kill points: $summary" >&3
	[ -z "${HV_FAULT_SUMMARY:-}" ] || echo "$op (kill -9)|SIGKILL|${#OUTCOMES[@]}|$summary" >>"$HV_FAULT_SUMMARY"
	[ "$n" -le "$max" ] || echo "$op: still injecting at N=$max" >>"$BATS_TEST_TMPDIR/failures"
	if [ -s "$BATS_TEST_TMPDIR/failures" ]; then
		cat "$BATS_TEST_TMPDIR/failures"
		return 1
	fi
}
