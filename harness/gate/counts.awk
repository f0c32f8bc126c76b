# SPDX-License-Identifier: GPL-2.0
# counts.awk: "PASSED FAILED SKIPPED" from results.awk's lines.
# test_progs: a subtest is one test; a test without subtests is one test;
# a test that failed outside all of its subtests adds one failure.
# Every other line (test_verifier, an incomplete suite) is one test.

function tally(r) {
	if (r == "OK")
		pass++
	else if (r == "SKIP")
		skip++
	else
		fail++
}

BEGIN { FS = "\t" }

$2 ~ /^test_progs:[^\/]+$/ && $2 != "test_progs:(incomplete)" {
	top[$2] = $1
	next
}

$2 ~ /^test_progs:/ && $2 != "test_progs:(incomplete)" {
	t = $2
	sub(/\/.*/, "", t)
	has_sub[t] = 1
	if ($1 == "FAIL")
		sub_fail[t] = 1
	tally($1)
	next
}

{ tally($1) }

END {
	for (t in top) {
		if (!(t in has_sub))
			tally(top[t])
		else if (top[t] == "FAIL" && !(t in sub_fail))
			fail++
	}
	printf "%d %d %d\n", pass, fail, skip
}
