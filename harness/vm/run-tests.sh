#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# run-tests.sh FLAVOUR: boot build/out/FLAVOUR in the VM and run the
# selftests built for it: test_progs on selftests.list (with
# KFS_SELECTION=all every test, as 'make baseline' does) minus DENYLIST and
# DENYLIST.FLAVOUR, the whole test_verifier, and the tests of
# selftests-nojit.list again with the JIT off and those of
# selftests-harden.list with constants blinded, then KFS_FUZZ (1500) random
# programs of generated code in each mode of pe-fuzz.  Writes each test's result to
# build/vm/tests-FLAVOUR/results (results.awk) and "PASSED FAILED SKIPPED"
# to .../counts.  Then the regression gate (KFS_GATE=0 skips it): any test
# that passed in the committed baseline of the unpatched base (kfs_baseline,
# lib.sh) and does not pass now is named and fails the run.
. "$(dirname "$0")/../lib.sh"

flavor=${1:-gcc}
flavor_check "$flavor"
st=$KFS_BUILD/selftests/$flavor
name=tests-$flavor
job=$KFS_BUILD/vm/$name
[ -x "$st/test_progs" ] || die "tests-$flavor: no $st/test_progs; build the selftests first"
# kfs_unrewritten.ko (tests/kfunc-enforce.sh) has split BTF on this
# kernel's vmlinux BTF: built against an older vmlinux, its type ids name
# other types, and the guest's refusal names another kfunc than its own.
# Left out, and said, until kfunc-enforce.sh builds it again (make check
# does, before this).
ko=$st/kfs_unrewritten.ko
if [ -f "$ko" ] && [ "$ko" -ot "$(kfs_out "$flavor")/vmlinux" ]; then
	msg "tests-$flavor: ${ko#"$KFS_ROOT"/} is older than the kernel, not run: harness/tests/kfunc-enforce.sh $flavor builds it again"
	rm -f "$ko"
fi

# A list file: exact names, '#' comments.  test_progs would take '*' and
# '?' as globs, which the gate (gate.awk) compares literally: refused.
list() {
	local globs

	[ -f "$1" ] || return 0
	globs=$(list_entries "$1" | grep '[*?]' || true)
	[ -z "$globs" ] || die "tests-$flavor: ${1#"$KFS_ROOT"/}: globs are not allowed, name each test: $globs"
	list_entries "$1"
}
# DENYLIST: never run, on either kernel (hangs, splats, fails on the
# unpatched base for a reason of the harness); DENYLIST.FLAVOUR: never run
# on that kernel (too slow there, or fails on its base).  Each entry gives
# its reason.  Every test make check runs must then pass.
for d in "$KFS_HARNESS/gate/DENYLIST" "$KFS_HARNESS/gate/DENYLIST.$flavor"; do
	[ -f "$d" ] || continue
	bad=$(grep -Ev '^[[:space:]]*(#|$)' "$d" | grep -v '#' || true)
	[ -z "$bad" ] || die "${d#"$KFS_ROOT"/}: entries without a reason: $bad"
done
allow=
[ "${KFS_SELECTION:-list}" = all ] ||
	allow=$(list "$KFS_HARNESS/gate/selftests.list" | paste -sd, -)
# KFS_TESTS=A,B: only these test_progs tests, for a quick look; the gate
# then compares only them (and the whole test_verifier).
if [ -n "${KFS_TESTS:-}" ]; then
	case "$KFS_TESTS" in *[*?]*) die "tests-$flavor: KFS_TESTS: name each test, no globs" ;; esac
	allow=$KFS_TESTS
fi
deny=$( (list "$KFS_HARNESS/gate/DENYLIST"; list "$KFS_HARNESS/gate/DENYLIST.$flavor") |
	paste -sd, -)
# Tests also run with the JIT off, on the interpreter (suite
# test_progs-nojit): those of harness/gate/selftests-nojit.list that run at all.
# and with every program's constants blinded (suite test_progs-harden):
# those of harness/gate/selftests-harden.list.
# selected LIST: the tests of LIST that run at all, comma-separated.
selected() {
	list "$1" |
	if [ -n "$allow" ]; then grep -xF -f <(echo "$allow" | tr , '\n'); else cat; fi |
	paste -sd, - || true
}
nojit=$(selected "$KFS_HARNESS/gate/selftests-nojit.list")
harden=$(selected "$KFS_HARNESS/gate/selftests-harden.list")

# Random programs of generated code run by pe-fuzz in each mode (suite
# fuzz), KFS_FUZZ of them (0: none); by default 1500 (about a minute in
# the VM), none for 'make
# baseline' (KFS_SELECTION=all: the base has no bpf_dummy_pe_ops) or a
# quick look (KFS_TESTS).
fuzz=${KFS_FUZZ:-}
if [ -z "$fuzz" ]; then
	fuzz=1500
	[ "${KFS_SELECTION:-list}" != all ] && [ -z "${KFS_TESTS:-}" ] ||
		fuzz=0
fi
[[ "$fuzz" =~ ^[0-9]+$ ]] || die "tests-$flavor: KFS_FUZZ must be a number (got '$fuzz')"

# Time limits: each test re-run alone gets LIMIT seconds; the parallel run
# gets what is left of the VM's time after boot, test_verifier and one
# test re-run alone, so that a test that hangs there is named before the
# VM is killed.
vmt=${KFS_VM_TIMEOUT:-2700}
limit=${KFS_TEST_LIMIT:-300}
whole=$((vmt - limit - 600))
[ "$whole" -ge 300 ] ||
	die "tests-$flavor: KFS_VM_TIMEOUT=$vmt leaves no time for test_progs (needs at least $((limit + 900))s with KFS_TEST_LIMIT=$limit)"

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
"$KFS_HARNESS/vm/vm-run.sh" -k "$(kfs_out "$flavor")/arch/x86/boot/bzImage" \
	-t "$vmt" -n "$name" -C "$st" -- \
	bash "$KFS_HARNESS/vm/guest-tests.sh" "$allow" "$deny" "$limit" "$whole" \
	"$nojit" "$harden" "$fuzz" |
	show || rc=$?
mkdir -p "$job" && touch "$job/output"
awk -f "$KFS_HARNESS/gate/results.awk" "$job/output" | sort -t "$(printf '\t')" -k2 \
	>"$job/results"
# Every name in selftests.list must be a test of this test_progs: a typo
# would run nothing and pass.
if [ -n "$allow" ] && [ -f "$job/progs.list" ]; then
	unknown=$(echo "$allow" | tr , '\n' |
		  grep -vxF -f <(tr -d '\r' <"$job/progs.list"; echo "$deny" | tr , '\n') |
		  grep -v '^$' || true)
	if [ -n "$unknown" ]; then
		msg "tests-$flavor: tests this test_progs does not have (harness/gate/selftests.list or KFS_TESTS): $(echo "$unknown" | paste -sd' ' -)"
		# Named for make spread, which reads failures by name.
		echo "$unknown" >"$job/unknown"
		rc=1
	fi
fi
# A test that failed in the parallel run and passed alone counts as
# passed (the VM is slow and shared); it is named, since a race the
# series brings would look like this.
if [ -f "$job/progs.parallel" ]; then
	tr -d '\r' <"$job/progs.parallel" |
	sed -nE 's/^#[0-9]+(\/[0-9]+)? +(.+):FAIL$/\2/p' | sort -u >"$job/progs.pfail"
	while IFS= read -r t; do
		if grep -qxF "$(printf 'OK\ttest_progs:%s' "$t")" "$job/results"; then
			msg "tests-$flavor: NOTE: $t failed in the parallel run, passed alone"
		fi
	done <"$job/progs.pfail"
fi
awk -f "$KFS_HARNESS/gate/counts.awk" "$job/results" >"$job/counts"
read -r p f s <"$job/counts"
# A failed run with no failed test (a kernel splat, a crash between suites)
# is still a failure.
if [ "$rc" -ne 0 ] && [ "$f" -eq 0 ]; then
	f=1
	echo "$p $f $s" >"$job/counts"
fi
msg "tests-$flavor: $p passed, $f failed, $s skipped"

[ "${KFS_GATE:-1}" = 1 ] || exit "$rc"
base=$(kfs_baseline_find "$flavor")
if [ -z "$base" ]; then
	echo "$p $((f + 1)) $s" >"$job/counts"
	base=$(kfs_baseline "$flavor")
	die "gate-$flavor: no baseline for the $flavor kernel on this base (${base#"$KFS_ROOT"/}); record it with 'make baseline FLAVOURS=$flavor${KFS_USER_TREE:+ KSRC=$KFS_USER_TREE}'"
fi
want=$(kfs_config_id "$flavor")
grep -q "^# config: $want\$" "$base" ||
	msg "gate-$flavor: NOTE: ${base#"$KFS_ROOT"/} was recorded with other config fragments (now $want); 'make baseline' records it anew"
grc=0
awk -v allow="$allow" -v deny="$deny" -f "$KFS_HARNESS/gate/gate.awk" \
	"$base" "$job/results" >"$job/gate" || grc=$?
# Regressions first, then the rest, each group sorted.
sort "$job/gate" | grep '^REGRESSION' || true
grep -v -e '^REGRESSION' -e ' regressions, ' "$job/gate" | sort || true
msg "gate-$flavor: $(tail -n 1 "$job/gate") (against ${base#"$KFS_ROOT"/})"
[ "$grc" -eq 0 ] || rc=1
# A regression that is a skip or a missing test is a failure too.
extra=$(grep -c -E '^REGRESSION .*, (SKIP|missing) now$' "$job/gate" || true)
if [ "$extra" -gt 0 ]; then
	f=$((f + extra))
	echo "$p $f $s" >"$job/counts"
	msg "tests-$flavor: $extra skipped or missing regressions counted as failed: $p passed, $f failed, $s skipped"
fi
exit "$rc"
