# SPDX-License-Identifier: GPL-2.0
# gate.awk: the regression gate.  Compares a run's results (results.awk
# lines) with the recorded baseline of the unpatched base:
#   awk -v allow=A,B -v deny=C,D/E -f gate.awk BASELINE RESULTS
# allow and deny are the run's test_progs selection (allow empty: every
# test); test_verifier always runs whole.  A baseline test inside the
# selection that passed there and does not pass now (failed, skipped or
# missing) is a regression; the tests of a suite that did not complete
# (results.awk's SUITE:(incomplete)) are one regression.  Prints one line
# for each regression, each test that passes now and did not on the base
# (or is new), and each test that fails on both; ends with a count line.
# Exits 1 on any regression.

BEGIN {
	FS = "\t"
	na = split(allow, a, ",")
	for (i = 1; i <= na; i++)
		allowed[a[i]] = 1
	nd = split(deny, d, ",")
	for (i = 1; i <= nd; i++)
		denied[d[i]] = 1
}

# in_scope NAME: whether this run was asked to run the test.
function in_scope(n, t, bare) {
	if (n ~ /:\(incomplete\)$/)
		return 0
	if (n !~ /^test_progs:/)
		return 1
	bare = n
	sub(/^test_progs:/, "", bare)
	t = bare
	sub(/\/.*/, "", t)
	if (na && !(t in allowed))
		return 0
	return !(t in denied) && !(bare in denied)
}

FNR == 1 { file++ }

/^#/ || NF < 2 { next }

file == 1 {
	base[$2] = $1
	next
}

{ now[$2] = $1 }

END {
	for (n in base) {
		if (base[n] != "OK" || !in_scope(n))
			continue
		if (!(n in now)) {
			# A suite that did not complete: one line for all of
			# its tests without a result, not one each.
			su = n
			sub(/:.*/, "", su)
			if ((su ":(incomplete)") in now) {
				lost[su]++
				continue
			}
			print "REGRESSION " n ": passed on the base, missing now"
			reg++
		} else if (now[n] != "OK") {
			print "REGRESSION " n ": passed on the base, " now[n] " now"
			reg++
		}
	}
	for (su in lost) {
		print "REGRESSION " su ":(incomplete): the suite did not complete; " \
		    lost[su] " tests that passed on the base have no result"
		reg++
	}
	for (n in now) {
		if (n ~ /:\(incomplete\)$/)
			continue
		if (now[n] == "OK" && !(n in base)) {
			print "new test, passes: " n
			newt++
		} else if (now[n] == "OK" && base[n] != "OK") {
			print "passes now, " base[n] " on the base: " n
			fixed++
		} else if (now[n] == "FAIL" && n in base && base[n] != "OK") {
			print "fails, as on the base (" base[n] "): " n
			old++
		} else if (now[n] == "FAIL" && !(n in base)) {
			print "new test, fails: " n
			old++
		}
	}
	printf "%d regressions, %d passing newly (%d new tests), %d other failures\n",
	    reg, newt + fixed, newt, old
	exit reg > 0
}
