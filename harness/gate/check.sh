#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# check.sh: the whole test run behind 'make check'.  Stages: deps, tree,
# drift, lint, kfunc audit, harness self-tests, then per kernel flavour
# (KFS_FLAVOURS, default "gcc lto"): kernel, kfunc enforcement tests
# (modules, then vmlinux), selftests, VM tests with the regression gate
# (run-tests.sh: a test that passed in harness/baseline/ and does not pass
# now fails the run, named); last, the verifier-cost gate on the ThinLTO
# kernel (veristat-gate.sh).  Prints each stage with its elapsed time and
# ends with one line "N passed, N failed, N skipped" counting the tests that
# ran in the VM; exits non-zero on any failure.
. "$(dirname "$0")/../lib.sh"

flavours=${KFS_FLAVOURS:-gcc lto}
pass=0 fail=0 skip=0 failed_stages=()

summary() {
	local fl p f s x

	for fl in $flavours; do
		x=$KFS_BUILD/vm/tests-$fl/counts
		[ -f "$x" ] || continue
		read -r p f s <"$x"
		pass=$((pass + p)) fail=$((fail + f)) skip=$((skip + s))
	done
	# A stage that failed before or outside the VM tests counts once.
	fail=$((fail + ${#failed_stages[@]}))
	[ ${#failed_stages[@]} -eq 0 ] || msg "check: failed stages: ${failed_stages[*]}"
	echo "$pass passed, $fail failed, $skip skipped"
}

# stage NAME FATAL CMD...: run one stage; a fatal stage's failure ends
# the run (later stages need it), a non-fatal one is counted and the run
# goes on.
stage() {
	local name=$1 fatal=$2 t0 rc=0

	shift 2
	t0=$(date +%s)
	msg "==== stage $name"
	"$@" || rc=$?
	if [ "$rc" -ne 0 ]; then
		msg "==== stage $name FAILED (exit $rc, $(( $(date +%s) - t0 ))s)"
		if [ "$fatal" = fatal ]; then
			failed_stages+=("$name")
			summary
			exit 1
		fi
		[ "$name" = "tests-${name#tests-}" ] || failed_stages+=("$name")
		return 1
	fi
	msg "==== stage $name ok ($(( $(date +%s) - t0 ))s)"
}

for f in $flavours; do
	flavor_check "$f"
	rm -f "$KFS_BUILD/vm/tests-$f/counts"
done

stage deps fatal "$KFS_HARNESS/build/deps.sh"
stage tree fatal "$KFS_HARNESS/build/tree.sh"
ok=1
stage drift nonfatal "$KFS_HARNESS/gate/drift.sh" || ok=0
stage lint nonfatal "$KFS_HARNESS/gate/lint.sh" || ok=0
stage kfunc-audit nonfatal "$KFS_HARNESS/gate/kfunc-audit.py" "$KSRC" || ok=0
stage harness-tests nonfatal "$KFS_HARNESS/tests/apply-fails.sh" || ok=0
stage gate-selftest nonfatal "$KFS_HARNESS/tests/gate.sh" || ok=0
stage checkpatch-kfunc nonfatal "$KFS_HARNESS/tests/checkpatch-kfunc.sh" || ok=0
stage spread-verdict nonfatal "$KFS_HARNESS/tests/spread-verdict.sh" || ok=0
# builds FLAVOUR: the stages that build and check FLAVOUR's kernel and
# selftests, before its VM tests.
builds() {
	stage "kernel-$1" fatal "$KFS_HARNESS/build/build-kernel.sh" "$1"
	stage "kfunc-enforce-$1" nonfatal "$KFS_HARNESS/tests/kfunc-enforce.sh" "$1" || ok=0
	stage "resolve-btfids-$1" nonfatal "$KFS_HARNESS/tests/resolve-btfids.sh" "$1" || ok=0
	stage "selftests-$1" fatal "$KFS_HARNESS/build/build-selftests.sh" "$1"
	stage "bench-build-$1" nonfatal "$KFS_HARNESS/bench/bench.sh" --compile "$1" || ok=0
}

# The VM uses about one CPU: QEMU TCG runs the guest's tests mostly on one
# host thread at a time (README, "Time").  With two flavours, the second
# one's builds run in the background at nice 19, in that spare CPU, while
# the first one's VM tests run; a VM test loses little CPU to them.  Their
# output is shown when they are done.  KFS_OVERLAP=0 runs it all in turn.
# shellcheck disable=SC2086 # one word a flavour
set -- $flavours
if [ $# -eq 2 ] && [ "${KFS_OVERLAP:-1}" = 1 ]; then
	first=$1 second=$2
	builds "$first"
	bglog=$KFS_LOGS/builds-$second.log
	msg "check: the builds of $second run in the background (nice 19) while tests-$first runs; log: ${bglog#"$KFS_ROOT"/}"
	# exit 1: a fatal stage failed (no kernel or selftests to test);
	# exit 2: a check failed, the VM tests can still run.
	# Its own process group (set -m), which the EXIT trap ends if this
	# script stops first.
	set -m
	(
		renice -n 19 -p "$BASHPID" >/dev/null
		summary() { :; }
		ok=1
		builds "$second"
		[ "$ok" -eq 1 ] || exit 2
	) >"$bglog" 2>&1 </dev/null &
	bgpid=$!
	set +m
	trap 'kill -- -"$bgpid" 2>/dev/null || true' EXIT
	stage "tests-$first" nonfatal "$KFS_HARNESS/vm/run-tests.sh" "$first" || ok=0
	t0=$(date +%s)
	bgrc=0
	wait "$bgpid" || bgrc=$?
	trap - EXIT
	msg "check: waited $(( $(date +%s) - t0 ))s for the builds of $second; their output:"
	sed 's/^/  | /' "$bglog"
	case "$bgrc" in
	0)	;;
	2)	failed_stages+=("builds-$second") ok=0 ;;
	*)	failed_stages+=("builds-$second")
		summary
		exit 1 ;;
	esac
	stage "tests-$second" nonfatal "$KFS_HARNESS/vm/run-tests.sh" "$second" || ok=0
else
	for f in $flavours; do
		builds "$f"
		stage "tests-$f" nonfatal "$KFS_HARNESS/vm/run-tests.sh" "$f" || ok=0
	done
fi
# The verifier-cost gate on the ThinLTO kernel, where the verifier is fast:
# harness/gate/veristat.list's programs against the base's veristat results.
case " $flavours " in
*" lto "*)
	stage veristat-lto nonfatal "$KFS_HARNESS/gate/veristat-gate.sh" lto ||
		ok=0 ;;
esac
summary
[ "$ok" -eq 1 ] && [ "$fail" -eq 0 ]
