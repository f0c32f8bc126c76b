# SPDX-License-Identifier: GPL-2.0
# Count individual test results in the output of guest-tests.sh.
# test_progs: a subtest is one test; a test without subtests is one test;
# a test that failed outside all of its subtests adds one failure.
# test_verifier: its closing Summary line.  A suite that printed no result
# (crashed, killed) counts as one failure.
# Prints "PASSED FAILED SKIPPED".

# The guest's serial port ends lines with CR LF.
{ sub(/\r$/, "") }

function tally(r) {
	if (r == "OK") pass++
	else if (r == "SKIP") skip++
	else fail++
}

/^=== kfs suite: / {
	if (suite == "test_progs" && !seen) fail++
	if (suite == "test_verifier" && !seen) fail++
	suite = $4
	seen = 0
	next
}

suite == "test_progs" && /^#[0-9]+\/[0-9]+ +[^ ]+:(OK|SKIP|FAIL)$/ {
	split($1, n, "/")
	r = $NF
	sub(/.*:/, "", r)
	tally(r)
	has_sub[n[1]] = 1
	if (r == "FAIL") sub_fail[n[1]] = 1
	seen = 1
	next
}

suite == "test_progs" && /^#[0-9]+ +[^ ]+:(OK|SKIP|FAIL)$/ {
	r = $NF
	sub(/.*:/, "", r)
	top[$1] = r
	seen = 1
	next
}

suite == "test_verifier" && /^Summary: [0-9]+ PASSED, [0-9]+ SKIPPED, [0-9]+ FAILED/ {
	pass += $2
	skip += $4
	fail += $6
	seen = 1
	next
}

END {
	if (suite != "end" && suite != "") fail++
	for (t in top) {
		if (!(t in has_sub)) tally(top[t])
		else if (top[t] == "FAIL" && !(t in sub_fail)) fail++
	}
	printf "%d %d %d\n", pass, fail, skip
}
