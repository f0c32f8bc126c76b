#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# Harness self-test: make spread's verdict on one version's VM run
# (harness/build/spread-verdict.sh) on made-up runs, so that a verdict
# that calls a broken run ok, or fails a whole one, fails make check
# without a kernel.  Each case: the run's files, spread-known, and the
# verdict's first words.
. "$(dirname "$0")/../lib.sh"
# shellcheck source=harness/build/spread-verdict.sh
. "$KFS_HARNESS/build/spread-verdict.sh"

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fails=0 n=0
tab=$(printf '\t')

# run NAME COUNTS RESULT...: a job directory with those results (one
# "STATUS suite:test" each) and counts.
run() {
	local j=$tmp/$1 r

	shift
	rm -rf "$j" && mkdir -p "$j"
	echo "$1" >"$j/counts"
	shift
	for r in "$@"; do
		echo "${r%% *}$tab${r#* }"
	done >"$j/results"
}

# whole: a result from every suite, as a run that got to the end.
whole=("OK test_progs:dummy_pe_ops" "OK test_verifier:p/one"
       "OK test_progs-nojit:dummy_pe_ops" "OK test_progs-harden:dummy_pe_ops"
       "OK fuzz:pe-fuzz/jit")
known() {
	printf '# comment\n\n'
	printf '%s\n' "$@"
}

# expect NAME RC WORDS: the verdict on job NAME with $tmp/known exits RC
# and prints a line that starts with WORDS.
expect() {
	local out rc=0

	n=$((n + 1))
	out=$(spread_verdict 6.1.170-3 "$tmp/$1" "$tmp/known") || rc=$?
	if [ "$rc" -ne "$2" ] || [ "${out#"$3"}" = "$out" ]; then
		msg "spread-verdict: FAIL $1: exit $rc, '$out' (want exit $2, '$3...')"
		fails=$((fails + 1))
	fi
}

known >"$tmp/known"
run clean "5 0 0" "${whole[@]}"
expect clean 0 "ok"

known "6.1.170-3${tab}test_verifier:p/old" "6.1.176-1${tab}test_verifier:p/x" >"$tmp/known"
run known-only "5 1 0" "${whole[@]}" "FAIL test_verifier:p/old"
expect known-only 0 "ok, 1 failed test(s) of the base's own"
# The same entry for another version does not excuse it.
run other-version "5 1 0" "${whole[@]}" "FAIL test_verifier:p/x"
expect other-version 1 "failures: see"
run known-and-new "5 2 0" "${whole[@]}" "FAIL test_verifier:p/old" "FAIL test_progs:dummy_pe_ops/epilogue"
expect known-and-new 1 "failures: see"
# A failed run with no failed test of its own (run-tests.sh counts it).
run known-and-crash "5 2 0" "${whole[@]}" "FAIL test_verifier:p/old"
expect known-and-crash 1 "failures: see"
run stale "6 0 0" "${whole[@]}" "OK test_verifier:p/old"
expect stale 1 "spread-known lists tests that did not fail: 'test_verifier:p/old'"
run splat "5 1 0" "${whole[@]}" "FAIL test_verifier:p/old"
echo "BUG: KASAN: slab-out-of-bounds" >"$tmp/splat/splat"
expect splat 1 "kernel splat: BUG: KASAN"
run missing-test "5 1 0" "${whole[@]}" "FAIL test_verifier:p/old"
echo dummy_pe_ops_fail >"$tmp/missing-test/unknown"
expect missing-test 1 "tests missing from test_progs: dummy_pe_ops_fail"
run cut-short "2 1 0" "OK test_progs:dummy_pe_ops" "FAIL test_verifier:p/old"
expect cut-short 1 "no results from: test_progs-nojit test_progs-harden fuzz"
# A series test that the base cannot run is no pass; with the JIT off,
# the extension programs' skip is.
known >"$tmp/known"
run skipped "6 0 1" "${whole[@]}" "SKIP test_progs:dummy_pe_ops/freplace"
expect skipped 1 "skipped with the JIT on: test_progs:dummy_pe_ops/freplace"
run skipped-harden "6 0 1" "${whole[@]}" "SKIP test_progs-harden:kfunc_implicit_args"
expect skipped-harden 1 "skipped with the JIT on: test_progs-harden:kfunc_implicit_args"
run skipped-nojit "6 0 1" "${whole[@]}" "SKIP test_progs-nojit:dummy_pe_ops/freplace"
expect skipped-nojit 0 "ok"
rm -rf "$tmp/none" && mkdir -p "$tmp/none"
expect none 1 "VM tests: no results"
printf '6.1.170-3 test_verifier:p/old\n' >"$tmp/known"
run malformed "5 1 0" "${whole[@]}" "FAIL test_verifier:p/old"
expect malformed 1 "$tmp/known is malformed"

[ "$fails" -eq 0 ] || die "spread-verdict: $fails of $n cases failed"
msg "spread-verdict: $n cases pass"
