# SPDX-License-Identifier: GPL-2.0
# results.awk: the result of every test in the output of guest-tests.sh, one
# "RESULT<TAB>NAME" line each, RESULT OK, SKIP or FAIL, NAME prefixed by its
# suite:
#   test_progs:TEST  test_progs:TEST/SUBTEST  test_verifier:MODE/DESCRIPTION
#   test_progs-nojit:TEST[/SUBTEST] (test_progs run with the JIT off)
#   test_progs-harden:TEST[/SUBTEST] (with every program's constants blinded)
#   modules:TEST (guest-tests.sh's own checks of modules the harness built)
#   fuzz:pe-fuzz/MODE (pe-fuzz's random programs, one result per mode)
# A test re-run alone (suite test_progs-serial) keeps its last result.
# test_verifier descriptions that repeat get " #2", " #3"...  A suite that
# stopped before its Summary line (a crash, a kill) adds
# "FAIL<TAB>SUITE:(incomplete)"; so does output with no suite at all.
# Unsorted; counts.awk counts the lines.

# tv_name LINE: a test_verifier result line less its number, without what
# test_verifier appends to the description.
function tv_name(l) {
	sub(/ OK( \(NOTE: [^)]*\))?$/, "", l)
	sub(/ (SKIP|FAIL).*$/, "", l)
	sub(/ [0-9]+ cases *$/, "", l)
	while (sub(/ \(run [0-9]+\/[0-9]+\) *$/, "", l))
		;
	sub(/ Did not run the program \([a-z ]+\) *$/, "", l)
	sub(/ +$/, "", l)
	return l
}

# The guest's serial port ends lines with CR LF.
{ sub(/\r$/, "") }

# The parallel test_progs suite may end early (killed): its tests without
# a result run again in test_progs-serial, which must complete.
function close_suite() {
	if (suite == "test_progs-serial" || suite == "test_verifier" ||
	    suite == "test_progs-nojit" || suite == "test_progs-harden" ||
	    suite == "modules" || suite == "fuzz")
		if (!summary)
			res[(suite == "test_progs-serial" ? "test_progs" : suite) \
			    ":(incomplete)"] = "FAIL"
}

/^=== kfs suite: / {
	close_suite()
	suite = $4
	seen[suite] = 1
	summary = 0
	next
}

suite ~ /^test_progs/ && /^#[0-9]+(\/[0-9]+)? +.+:(OK|SKIP|FAIL)$/ {
	line = $0
	sub(/^#[0-9]+(\/[0-9]+)? +/, "", line)
	r = line
	sub(/.*:/, "", r)
	sub(/:[A-Z]+$/, "", line)
	res[(suite ~ /^test_progs-(nojit|harden)$/ ? suite : "test_progs") \
	    ":" line] = r
	next
}

suite ~ /^test_progs/ && (/^Summary: [0-9]+\/[0-9]+ PASSED/ ||
			  /^kfs: per-test runs done$/) {
	summary = 1
	next
}

# "#N/p DESCRIPTION [Did not run the program (...)] [(run i/n) ...]
# [N cases] OK|SKIP...|FAIL...": the name is the description alone, so
# that a test keeps its name whether it passes, fails a run or is skipped.
suite == "test_verifier" && /^#[0-9]+\/[pu] / {
	mode = substr($1, index($1, "/") + 1)
	line = $0
	sub(/^#[0-9]+\/[pu] /, "", line)
	if (line ~ / OK( \(NOTE: [^)]*\))?$/)
		r = "OK"
	else if (line ~ / SKIP/)
		r = "SKIP"
	else
		r = "FAIL"
	name = "test_verifier:" mode "/" tv_name(line)
	if (name in res) {
		k = 2
		while ((name " #" k) in res)
			k++
		name = name " #" k
	}
	res[name] = r
	next
}

(suite == "modules" || suite == "fuzz") && /^#[0-9]+ +.+:(OK|SKIP|FAIL)$/ {
	line = $0
	sub(/^#[0-9]+ +/, "", line)
	r = line
	sub(/.*:/, "", r)
	sub(/:[A-Z]+$/, "", line)
	res[suite ":" line] = r
	next
}

(suite == "modules" || suite == "fuzz") && /^kfs: (modules|fuzz) done$/ {
	summary = 1
	next
}

suite == "test_verifier" && /^Summary: [0-9]+ PASSED/ {
	summary = 1
	next
}

END {
	if (suite != "end")
		close_suite()
	# A guest that died in the parallel run never reached the re-runs.
	if (!("test_progs-serial" in seen))
		res["test_progs:(incomplete)"] = "FAIL"
	if (!("test_verifier" in seen))
		res["test_verifier:(incomplete)"] = "FAIL"
	for (n in res)
		printf "%s\t%s\n", res[n], n
}
