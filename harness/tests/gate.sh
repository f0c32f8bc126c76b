#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# Harness self-test: the regression gate (results.awk, counts.awk,
# gate.awk) on made-up guest output, so that a gate that lets a
# regression through, or flags what it must not, fails make check without
# a kernel.  Each case: a baseline and a run, the selection, the exit
# status and the lines the gate must (and must not) print.
. "$(dirname "$0")/../lib.sh"

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fails=0 n=0

# A guest's output as guest-tests.sh prints it: test_progs in parallel,
# the per-test re-runs, test_verifier.  $1: the parallel suite's lines,
# $2: the re-runs', $3: test_verifier's.
# Lines come as the guest's serial port sends them (CR LF), test_progs'
# numbers padded as test_progs pads them.
guest() {
	{
		printf '=== kfs suite: test_progs\n%b' "$1"
		printf 'Summary: 1/1 PASSED, 0 SKIPPED, 0 FAILED\n'
		printf '=== kfs suite: test_progs-serial\n%b' "$2"
		printf 'kfs: per-test runs done\n'
		printf '=== kfs suite: test_verifier\n%b' "$3"
		printf 'Summary: 1 PASSED, 0 SKIPPED, 0 FAILED\n=== kfs suite: end\n'
	} | crlf
}

crlf() {
	awk '/:(OK|SKIP|FAIL)$/ && /^#[0-9]/ {
		n = $1
		sub(/^#[^ ]+ /, "")
		printf "%-8s %s\r\n", n, $0
		next
	}
	{ printf "%s\r\n", $0 }'
}

base_progs='#1 alpha:OK\n#2/1 beta/one:OK\n#2/2 beta/two:OK\n#2 beta:OK\n#3 gamma:FAIL\n#4 delta:OK\n#5 omega:OK\n'
base_ver='#0/p first insn OK\n#1/p second insn OK\n#2/p first insn OK\n'

# results NAME OUTPUT: results.awk's lines for OUTPUT, as run-tests.sh
# writes them.
results() {
	printf '%s' "$2" >"$tmp/$1.out"
	awk -f "$KFS_HARNESS/gate/results.awk" "$tmp/$1.out" | sort >"$tmp/$1.res"
}

results base "$(guest "$base_progs" '' "$base_ver")"
{ echo '# a baseline'; cat "$tmp/base.res"; } >"$tmp/base.results"

# expect NAME ALLOW DENY STATUS PROGS SERIAL VERIFIER [+LINE|-LINE]...:
# the gate on a run whose output has these lines must exit STATUS, print
# each +LINE (a fixed string) and none of the -LINEs.
expect() {
	local name=$1 allow=$2 deny=$3 want=$4 rc=0 l bad=

	results "$name" "$(guest "$5" "$6" "$7")"
	shift 7
	awk -v allow="$allow" -v deny="$deny" -f "$KFS_HARNESS/gate/gate.awk" \
		"$tmp/base.results" "$tmp/$name.res" >"$tmp/$name.gate" || rc=$?
	[ "$rc" -eq "$want" ] || bad="exit $rc, expected $want"
	for l in "$@"; do
		case "$l" in
		+*) grep -qxF -- "${l#+}" "$tmp/$name.gate" || bad="${bad:+$bad; }missing: ${l#+}" ;;
		-*) ! grep -qF -- "${l#-}" "$tmp/$name.gate" || bad="${bad:+$bad; }unexpected: ${l#-}" ;;
		esac
	done
	n=$((n + 1))
	if [ -n "$bad" ]; then
		echo "FAIL gate case $name: $bad; the gate printed:"
		sed 's/^/    /' "$tmp/$name.gate"
		fails=$((fails + 1))
	else
		echo "ok   gate case $name"
	fi
}

same_progs=$base_progs
expect unchanged '' '' 0 "$same_progs" '' "$base_ver" \
	'+0 regressions, 0 passing newly (0 new tests), 1 other failures' \
	'+fails, as on the base (FAIL): test_progs:gamma' -REGRESSION
expect subtest-fails '' '' 1 \
	'#1 alpha:OK\n#2/1 beta/one:OK\n#2/2 beta/two:FAIL\n#2 beta:FAIL\n#3 gamma:FAIL\n#4 delta:OK\n#5 omega:OK\n' \
	'#2/1 beta/one:OK\n#2/2 beta/two:FAIL\n#2 beta:FAIL\n' "$base_ver" \
	'+REGRESSION test_progs:beta/two: passed on the base, FAIL now' \
	'+REGRESSION test_progs:beta: passed on the base, FAIL now' \
	'-REGRESSION test_progs:beta/one'
expect skipped-and-missing '' '' 1 \
	'#1 alpha:SKIP\n#2/1 beta/one:OK\n#2/2 beta/two:OK\n#2 beta:OK\n#3 gamma:FAIL\n#5 omega:OK\n' \
	'' "$base_ver" \
	'+REGRESSION test_progs:alpha: passed on the base, SKIP now' \
	'+REGRESSION test_progs:delta: passed on the base, missing now'
# A test that failed in parallel and passes alone passes.
expect passes-alone '' '' 0 \
	'#1 alpha:FAIL\n#2/1 beta/one:OK\n#2/2 beta/two:OK\n#2 beta:OK\n#3 gamma:OK\n#4 delta:OK\n#5 omega:OK\n' \
	'#1 alpha:OK\n' "$base_ver" \
	'+passes now, FAIL on the base: test_progs:gamma' -REGRESSION
# A killed re-run leaves the suite without its end: incomplete fails.
results killed "$(printf '=== kfs suite: test_progs\n#1 alpha:FAIL\n=== kfs suite: test_progs-serial\nkfs: alpha started\n' | crlf)"
n=$((n + 1))
if grep -qxF "$(printf 'FAIL\ttest_progs:(incomplete)')" "$tmp/killed.res"; then
	echo "ok   gate case killed"
else
	echo "FAIL gate case killed: no test_progs:(incomplete) in:"
	sed 's/^/    /' "$tmp/killed.res"
	fails=$((fails + 1))
fi
# Only the selection counts: alpha outside it, delta denied, beta/two
# denied alone.
expect selection 'beta,delta,gamma' 'delta,beta/two' 0 \
	'#2/1 beta/one:OK\n#2 beta:OK\n#3 gamma:FAIL\n' '' "$base_ver" -REGRESSION
expect selection-regression 'beta,gamma' 'beta/two' 1 \
	'#2/1 beta/one:FAIL\n#2 beta:FAIL\n#3 gamma:FAIL\n' '' "$base_ver" \
	'+REGRESSION test_progs:beta/one: passed on the base, FAIL now' \
	'-test_progs:alpha' '-test_progs:omega'
# test_verifier always runs whole; repeated descriptions are told apart.
expect verifier '' '' 1 "$same_progs" '' \
	'#0/p first insn OK\n#1/p second insn OK\n#2/p first insn FAIL\n' \
	'+REGRESSION test_verifier:p/first insn #2: passed on the base, FAIL now' \
	'-REGRESSION test_verifier:p/first insn:'
# A guest that died in the parallel run: one regression for each suite,
# not one for each test without a result.
results crashed "$(printf '=== kfs suite: test_progs\n#1 alpha:OK\n' | crlf)"
n=$((n + 1))
rc=0
awk -v allow= -v deny= -f "$KFS_HARNESS/gate/gate.awk" "$tmp/base.results" \
	"$tmp/crashed.res" >"$tmp/crashed.gate" || rc=$?
if [ "$rc" -eq 1 ] &&
   [ "$(grep -c '^REGRESSION' "$tmp/crashed.gate")" -eq 2 ] &&
   grep -qxF 'REGRESSION test_progs:(incomplete): the suite did not complete; 5 tests that passed on the base have no result' "$tmp/crashed.gate" &&
   grep -qxF 'REGRESSION test_verifier:(incomplete): the suite did not complete; 3 tests that passed on the base have no result' "$tmp/crashed.gate"; then
	echo "ok   gate case crashed"
else
	echo "FAIL gate case crashed: exit $rc; the gate printed:"
	sed 's/^/    /' "$tmp/crashed.gate"
	fails=$((fails + 1))
fi
expect new-tests '' '' 0 "${same_progs}#6 zeta:OK\n#7 eta:FAIL\n" '' "$base_ver" \
	'+new test, passes: test_progs:zeta' '+new test, fails: test_progs:eta'

# guest-tests.sh itself, on the host, with a stub test_progs: "flaky"
# fails in the parallel run and passes alone, "hangs" never ends alone,
# "broken" fails both times; the parallel run of "slow" outlives its time
# limit, so it has no result there and runs alone.
mkdir -p "$tmp/st" "$tmp/job"
cat >"$tmp/st/test_progs" <<'EOS'
#!/bin/bash
case "$*" in
-l*)	printf 'broken\nflaky\nhangs\nokay\nslow\n' ;;
-j*)	printf '#1       broken:FAIL\n#2       flaky:FAIL\n#3       hangs:FAIL\n'
	printf '#4/1     okay/sub:OK\n#4       okay:OK\n'
	sleep 30 ;;
"-a hangs"*) sleep 30 ;;
"-a broken"*) echo '#1       broken:FAIL'; exit 1 ;;
*)	echo "#9       ${2}:OK" ;;
esac
EOS
printf '#!/bin/sh\necho "#0/p a test OK"\necho "Summary: 1 PASSED, 0 SKIPPED, 0 FAILED"\n' >"$tmp/st/test_verifier"
chmod +x "$tmp/st/test_progs" "$tmp/st/test_verifier"
grc=0
(cd "$tmp/st" && KFS_GUEST_JOB=$tmp/job bash "$KFS_HARNESS/vm/guest-tests.sh" '' '' 2 3) \
	>"$tmp/g.out" 2>&1 || grc=$?
awk -f "$KFS_HARNESS/gate/results.awk" "$tmp/g.out" | sort >"$tmp/g.res"
n=$((n + 1))
want=$(printf 'FAIL\ttest_progs:broken\nOK\ttest_progs:flaky\nFAIL\ttest_progs:hangs\nOK\ttest_progs:okay\nOK\ttest_progs:okay/sub\nOK\ttest_progs:slow\nOK\ttest_verifier:p/a test')
want=$(echo "$want" | sort)
if [ "$grc" -eq 1 ] && [ "$(cat "$tmp/g.res")" = "$want" ] &&
   grep -qx 'kfs: hangs killed after 2s' "$tmp/g.out" &&
   grep -qx 'kfs: the parallel run was killed after 3s' "$tmp/g.out"; then
	echo "ok   gate case guest-tests"
else
	echo "FAIL gate case guest-tests: exit $grc (expected 1); results:"
	sed 's/^/    /' "$tmp/g.res"
	echo "  output:"
	sed 's/^/    /' "$tmp/g.out"
	fails=$((fails + 1))
fi

# counts.awk: subtests count, a test with subtests only through them.
printf 'OK\ttest_progs:a\nOK\ttest_progs:b\nOK\ttest_progs:b/1\nSKIP\ttest_progs:b/2\nFAIL\ttest_progs:c\nOK\ttest_verifier:p/x\n' >"$tmp/c.res"
n=$((n + 1))
got=$(awk -f "$KFS_HARNESS/gate/counts.awk" "$tmp/c.res")
if [ "$got" = "3 1 1" ]; then
	echo "ok   gate case counts"
else
	echo "FAIL gate case counts: '$got', expected '3 1 1'"
	fails=$((fails + 1))
fi

# The modules suite: a result line each, and an incomplete suite (the
# guest died loading a module) is a failure.
{
	guest "$base_progs" '' '#1/p t:OK\n'
	printf '=== kfs suite: modules\n#1 kfs_unrewritten_refused:OK\nkfs: modules done\n'
	printf '=== kfs suite: modules\n'
} >"$tmp/m.out"
n=$((n + 1))
got=$(head -n -1 "$tmp/m.out" | awk -f "$KFS_HARNESS/gate/results.awk" |
	grep '^[A-Z]*	modules:' | sort | tr '\t\n' ' /')
want='OK modules:kfs_unrewritten_refused/'
got2=$(awk -f "$KFS_HARNESS/gate/results.awk" "$tmp/m.out" | grep -c '^FAIL	modules:(incomplete)$' || true)
if [ "$got" = "$want" ] && [ "$got2" = 1 ]; then
	echo "ok   gate case modules"
else
	echo "FAIL gate case modules: '$got' (expected '$want'), $got2 incomplete (expected 1)"
	fails=$((fails + 1))
fi

# The fuzz suite: a result per mode, and an incomplete suite (the guest
# died in pe-fuzz) is a failure.
{
	guest "$base_progs" '' '#1/p t:OK\n'
	printf '=== kfs suite: fuzz\n#1 pe-fuzz/jit:OK\n#1 pe-fuzz/interp:FAIL\nkfs: fuzz done\n'
	printf '=== kfs suite: fuzz\n#1 pe-fuzz/jit:OK\n'
} >"$tmp/f.out"
n=$((n + 1))
got=$(head -n -2 "$tmp/f.out" | awk -f "$KFS_HARNESS/gate/results.awk" |
	{ grep '^[A-Z]*	fuzz:' || true; } | sort | tr '\t\n' ' /')
want='FAIL fuzz:pe-fuzz/interp/OK fuzz:pe-fuzz/jit/'
got2=$(awk -f "$KFS_HARNESS/gate/results.awk" "$tmp/f.out" | grep -c '^FAIL	fuzz:(incomplete)$' || true)
if [ "$got" = "$want" ] && [ "$got2" = 1 ]; then
	echo "ok   gate case fuzz"
else
	echo "FAIL gate case fuzz: '$got' (expected '$want'), $got2 incomplete (expected 1)"
	fails=$((fails + 1))
fi

[ "$fails" -eq 0 ] || die "gate: $fails of $n cases wrong"
msg "gate: $n/$n cases"
