#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# run-tests.sh FLAVOUR: boot build/out/FLAVOUR in the VM and run the
# selftests built for it (selftests.list minus DENYLIST, and test_verifier).
# Writes "PASSED FAILED SKIPPED" to build/vm/tests-FLAVOUR/counts.
. "$(dirname "$0")/lib.sh"

flavor=${1:-gcc}
flavor_check "$flavor"
st=$KFS_BUILD/selftests/$flavor
name=tests-$flavor
job=$KFS_BUILD/vm/$name
[ -x "$st/test_progs" ] || die "tests-$flavor: no $st/test_progs; build the selftests first"

# A list file: names, '#' comments; DENYLIST entries must give a reason.
list() {
	list_entries "$1" | paste -sd, -
}
bad=$(grep -Ev '^[[:space:]]*(#|$)' "$KFS_HARNESS/DENYLIST" | grep -v '#' || true)
[ -z "$bad" ] || die "DENYLIST: entries without a reason: $bad"

# The whole output is in $job/output; shown here are test_progs' results
# and whatever test_verifier says besides its passing tests (KFS_VERBOSE=1
# shows everything as it comes).
show() {
	if [ -n "${KFS_VERBOSE:-}" ]; then
		cat
	else
		tr -d '\r' | awk '/^=== kfs suite: / { s = $4 }
			s != "test_verifier" || !/^#[0-9]+\/[up] .* (OK|SKIP)$/'
	fi
}

rc=0
"$KFS_HARNESS/vm-run.sh" -k "$(kfs_out "$flavor")/arch/x86/boot/bzImage" \
	-t "${KFS_VM_TIMEOUT:-1800}" -n "$name" -C "$st" -- \
	bash "$KFS_HARNESS/guest-tests.sh" \
	"$(list "$KFS_HARNESS/selftests.list")" \
	"$(list "$KFS_HARNESS/DENYLIST")" | show || rc=$?
if [ -f "$job/output" ]; then
	awk -f "$KFS_HARNESS/count-results.awk" "$job/output" >"$job/counts"
else
	echo "0 1 0" >"$job/counts"
fi
read -r p f s <"$job/counts"
# A failed run with no failed test (a kernel splat, a crash between suites)
# is still a failure.
if [ "$rc" -ne 0 ] && [ "$f" -eq 0 ]; then
	f=1
	echo "$p $f $s" >"$job/counts"
fi
msg "tests-$flavor: $p passed, $f failed, $s skipped"
exit "$rc"
