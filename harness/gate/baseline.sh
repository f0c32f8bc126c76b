#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# baseline.sh [FLAVOUR...]: record the regression gate's baseline.  Builds
# the unpatched base of $KSRC (a git worktree at build/base/linux) with the
# same configuration as 'make check' (default flavours: gcc lto), runs the
# whole test_progs minus DENYLIST and the whole test_verifier on it in the
# VM, and writes each test's result to harness/baseline/VERSION-FLAVOUR.results
# (kfs_baseline, lib.sh), to be committed.  Then, with the series' selftests
# build, veristat over every BPF object on the base kernel, to
# VERSION-FLAVOUR.veristat.csv and .veristat.sha256 (harness/gate/veristat.sh).
# KFS_BASELINE_WHAT="veristat" (or "tests") records one of the two.
# Everything else it builds stays under build/base.  For a user's tree
# (make baseline KSRC=/path, lib.sh) the files are keyed by its base
# commit, harness/baseline/ksrc/KVER-COMMIT-FLAVOUR.*, and the base is
# built under build/ksrc/NAME/base (a worktree of the user's repository at
# the base commit, detached), so that neither replaces ours.
. "$(dirname "$0")/../lib.sh"

flavours=${*:-gcc lto}
for f in $flavours; do flavor_check "$f"; done
ref=$(kfs_base baseline)
commit=$(git -C "$KSRC" rev-parse "$ref")
subject=$(git -C "$KSRC" log -1 --format=%s "$ref")
for f in $flavours; do files+=("$(kfs_baseline "$f")"); done

bbuild=$KFS_BUILD/base
btree=$bbuild/linux
mkdir -p "$bbuild"
for f in "${files[@]}"; do mkdir -p "$(dirname "$f")"; done
if [ ! -d "$btree" ]; then
	logged baseline-tree kgit -C "$KSRC" worktree add --detach "$btree" "$commit"
fi
[ "$(git -C "$btree" rev-parse HEAD)" = "$commit" ] ||
	logged baseline-tree kgit -C "$btree" checkout -q --detach "$commit"
[ -z "$(git -C "$btree" status --porcelain --untracked-files=no)" ] ||
	die "baseline: $btree has local changes; remove it ('git -C $KSRC worktree remove --force $btree') and run again"
msg "baseline: base $(git -C "$btree" log -1 --format='%h %s')"

# veristat_baseline FLAVOUR OUT: veristat over every BPF object of the
# series' selftests build on the base kernel (harness/gate/veristat.sh --base),
# to OUT (.veristat.csv) and the objects' hashes next to it (.sha256).
veristat_baseline() {
	local f=$1 out=$2 vout vt0

	vout=${out%.results}.veristat
	vt0=$(date +%s)
	"$KFS_HARNESS/build/build-kernel.sh" "$f"
	"$KFS_HARNESS/build/build-selftests.sh" "$f"
	"$KFS_HARNESS/gate/veristat.sh" --base "${vsel[@]}" "$f"
	cp "$KFS_BUILD/veristat/$f-base.csv" "$vout.csv"
	{
		echo "# The BPF objects of ${vout#"$KFS_ROOT"/}.csv (written by 'make baseline', harness/gate/baseline.sh)"
		echo "# base: $subject ($commit); flavour: $f; objects: ${KFS_BASELINE_VERISTAT:-all} of the series' selftests build, series $(series_hash "$KFS_ROOT/series" | cut -c1-16)"
		echo "# run: $(date -u +%Y-%m-%d), $(($(date +%s) - vt0)) s"
		cat "$KFS_BUILD/veristat/$f-objects.sha256"
	} >"$vout.sha256"
	msg "baseline-$f: ${vout#"$KFS_ROOT"/}.csv: $(($(wc -l <"$vout.csv") - 1)) programs"
}

# KFS_BASELINE_WHAT: what to record, "tests veristat" by default.
# KFS_BASELINE_VERISTAT=list: veristat over harness/gate/veristat.list's objects
# only (make check's selection), not every object.
vsel=(--all)
case "${KFS_BASELINE_VERISTAT:-all}" in
all) ;;
list) vsel=() ;;
*) die "baseline: KFS_BASELINE_VERISTAT is all or list, not '$KFS_BASELINE_VERISTAT'" ;;
esac
what=${KFS_BASELINE_WHAT:-tests veristat}
i=0
for f in $flavours; do
	out=${files[$i]}
	i=$((i + 1))
	t0=$(date +%s)
	KFS_BUILD=$bbuild KSRC=$btree "$KFS_HARNESS/build/build-kernel.sh" "$f"
	case " $what " in
	*" veristat "*) veristat_baseline "$f" "$out" ;;
	esac
	case " $what " in
	*" tests "*) ;;
	*) continue ;;
	esac
	KFS_BUILD=$bbuild KSRC=$btree "$KFS_HARNESS/build/build-selftests.sh" "$f"
	t1=$(date +%s)
	# Base failures are what the baseline records: the run's status is not.
	KFS_BUILD=$bbuild KSRC=$btree KFS_SELECTION=all KFS_GATE=0 \
		KFS_VM_TIMEOUT=${KFS_VM_TIMEOUT:-7200} \
		"$KFS_HARNESS/vm/run-tests.sh" "$f" ||
		msg "baseline-$f: the run on the base had failures (recorded)"
	t2=$(date +%s)
	job=$bbuild/vm/tests-$f
	# A splat or a hang on the base is for DENYLIST (with its reason), not
	# for the baseline: every later run would stop at the same test.
	[ ! -f "$job/splat" ] ||
		die "baseline-$f: the base kernel splatted ($(cat "$job/splat")); nothing written; deny the test that caused it (see above and $job/console) and run again"
	[ ! -f "$job/timedout" ] ||
		die "baseline-$f: the VM run did not finish in time; nothing written; see $job/progs.times for the test that hung"
	[ -s "$job/results" ] || die "baseline-$f: the VM run produced no results; see $job/console"
	# run-tests.sh's status is not read above: a guest with fewer CPUs
	# than asked (vm-run.sh) must not write a baseline either.
	gcpus=$(cat "$job/cpus" 2>/dev/null || echo '?')
	[ "$gcpus" = "${KFS_VM_CPUS:-1}" ] ||
		die "baseline-$f: the guest brought up $gcpus CPUs, not ${KFS_VM_CPUS:-1}; nothing written; see $job/console"
	# A suite that never ended (the guest crashed or hung) records nothing
	# trustworthy about the tests it did not reach.
	! grep -q ':(incomplete)$' "$job/results" ||
		die "baseline-$f: a suite did not complete in the VM ($(grep ':(incomplete)$' "$job/results" | cut -f2 | tr '\n' ' ')); nothing written; see $job/output and $job/console"
	read -r p fl s <"$job/counts"
	retried=0
	[ ! -f "$job/progs.retry" ] || retried=$(grep -c . "$job/progs.retry" || true)
	{
		echo "# Regression gate baseline: each test's result on the unpatched base."
		echo "# Written by 'make baseline' (harness/gate/baseline.sh); read by run-tests.sh."
		echo "# base: $subject ($commit)"
		echo "# flavour: $f; kernel: $(cat "$bbuild/out/$f/include/config/kernel.release" 2>/dev/null)"
		echo "# config: $(kfs_config_id "$f")"
		[ -z "${KCONFIG:-}" ] || echo "# kconfig: the build started from KCONFIG=$KCONFIG"
		echo "# run: $(date -u +%Y-%m-%d), build $((t1 - t0)) s, VM $((t2 - t1)) s:"
		echo "#   test_progs -j ($gcpus vCPUs) whole minus DENYLIST and DENYLIST.$f, each test that did not pass re-run alone (${retried} re-run);"
		echo "#   test_verifier whole"
		echo "# figures: $p passed, $fl failed, $s skipped; denied: $(for d in "$KFS_HARNESS/gate/DENYLIST" "$KFS_HARNESS/gate/DENYLIST.$f"; do [ ! -f "$d" ] || list_entries "$d"; done | wc -l) (DENYLIST, DENYLIST.$f, with reasons)"
		cat "$job/results"
	} >"$out.tmp"
	mv "$out.tmp" "$out"
	msg "baseline-$f: ${out#"$KFS_ROOT"/}: $p passed, $fl failed, $s skipped ($((t2 - t1)) s in the VM)"
done
