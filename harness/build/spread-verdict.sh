# SPDX-License-Identifier: GPL-2.0
# shellcheck shell=bash
# The verdict of make spread on one version's VM run; sourced by
# spread.sh and by harness/tests/spread-verdict.sh, after lib.sh.

# spread_known FILE VERSION: the tests FILE (spread-known) lists for
# VERSION, one a line.  A line that is not a comment or empty must hold
# two tab-separated fields; a malformed file fails, naming the line.  No
# FILE: none.
spread_known() {
	[ -f "$1" ] || return 0
	awk -F'\t' -v v="$2" -v f="$1" '
		/^#/ || !NF { next }
		NF != 2 || $2 == "" {
			printf "%s:%d: not VERSION<tab>suite:test\n", f, NR > "/dev/stderr"
			bad = 1; exit
		}
		$1 == v { print $2 }
		END { exit bad }' "$1"
}

# spread_verdict VERSION JOB KNOWN: judge run-tests.sh's run in JOB
# (results, counts; splat and unknown where the run wrote them) with the
# tests KNOWN (spread-known) lists for VERSION.  The run must be whole:
# no kernel splat, every requested test in this test_progs, a result from
# each suite, no test skipped but with the JIT off.  A known test must
# fail (else the entry is stale); any other failure fails.  Prints "ok"
# or "ok, N failed test(s) of the base's own (spread-known)" and returns
# 0, or prints why not and returns 1.
spread_verdict() {
	local v=$1 j=$2 file=$3 k x miss='' unknown t kf=0 stale='' f sk

	if [ -f "$j/splat" ]; then
		echo "kernel splat: $(cat "$j/splat")"
		return 1
	fi
	if [ -f "$j/unknown" ]; then
		echo "tests missing from test_progs: $(paste -sd' ' "$j/unknown")"
		return 1
	fi
	if [ ! -f "$j/counts" ] || [ ! -f "$j/results" ] ||
	   ! read -r _ f _ <"$j/counts"; then
		echo "VM tests: no results"
		return 1
	fi
	for x in test_progs test_verifier test_progs-nojit test_progs-harden fuzz; do
		grep -q "	$x:" "$j/results" || miss+=" $x"
	done
	if [ -n "$miss" ]; then
		echo "no results from:$miss (see ${j#"$KFS_ROOT"/}/output)"
		return 1
	fi
	# The series' own tests run whole with the JIT, blinded or not (only
	# the JIT-off run may skip: extension programs need the JIT): a test
	# or subtest skipped there is one the base could not run.
	sk=$(awk -F'\t' '$1 == "SKIP" && $2 ~ /^test_progs(-harden)?:/ { print $2 }' \
	     "$j/results" | paste -sd' ')
	if [ -n "$sk" ]; then
		echo "skipped with the JIT on: $sk"
		return 1
	fi
	k=$(spread_known "$file" "$v") || { echo "$file is malformed"; return 1; }
	unknown=$(awk -F'\t' '$1 == "FAIL" { print $2 }' "$j/results" |
		  grep -vxF -f <(echo "$k") || true)
	# counts can hold a failure that has no FAIL line (run-tests.sh
	# counts a failed run with no failed test as one).
	if [ -n "$unknown" ] || [ "$f" -gt "$(echo "$k" | grep -c . || true)" ]; then
		echo "failures: see ${j#"$KFS_ROOT"/}/results"
		return 1
	fi
	while IFS= read -r t; do
		[ -n "$t" ] || continue
		if grep -qxF "FAIL	$t" "$j/results"; then
			kf=$((kf + 1))
		else
			stale+=" '$t'"
		fi
	done <<<"$k"
	if [ -n "$stale" ]; then
		echo "spread-known lists tests that did not fail:$stale"
		return 1
	fi
	if [ "$kf" -eq 0 ]; then
		echo ok
	else
		echo "ok, $kf failed test(s) of the base's own (spread-known)"
	fi
}
