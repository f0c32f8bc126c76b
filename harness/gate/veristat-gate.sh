#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# veristat-gate.sh [--all] [--runs N] FLAVOUR: the verifier-cost gate.
# Runs veristat over the selftests' BPF objects on FLAVOUR's kernel with the
# series (harness/gate/veristat.sh: harness/gate/veristat.list, or --all every
# object) and compares each program with the base's results recorded by
# 'make baseline' (harness/baseline/VERSION-FLAVOUR.veristat.csv): a changed
# verdict fails, and so does a changed count of instructions or states
# unless harness/gate/veristat.allow names the program with the reason (a
# feature of the series).  The series' own objects (the overlay's
# selftests/progs) have no base and are only counted.  With --runs 2 or
# more, later runs are compared with the first: the A/A spread of the
# verification time.  Writes build/veristat/FLAVOUR-gate.txt, and
# FLAVOUR-compare.txt, veristat -C of the base against the series.
. "$(dirname "$0")/../lib.sh"

args=() runs=1
while [ $# -gt 1 ]; do
	case "$1" in
	--all) args+=(--all) ;;
	--runs) runs=$2; shift ;;
	*) die "veristat-gate: unknown option $1" ;;
	esac
	shift
done
flavor=${1:-lto}
flavor_check "$flavor"
base=$(kfs_baseline_find "$flavor")
[ -n "$base" ] || base=$(kfs_baseline "$flavor")
base=${base%.results}.veristat.csv
[ -f "$base" ] ||
	die "veristat-gate-$flavor: no ${base#"$KFS_ROOT"/}: record the base's results with 'make baseline FLAVOURS=$flavor${KFS_USER_TREE:+ KSRC=$KFS_USER_TREE}'"

"$KFS_HARNESS/gate/veristat.sh" "${args[@]}" --runs "$runs" "$flavor"

out=$KFS_BUILD/veristat
series=()
for p in "$KFS_ROOT"/selftests/progs/*.c; do
	series+=("$(basename "$p" .c).bpf.o")
done
rc=0
"$KFS_HARNESS/gate/veristat-cmp.py" --allow "$KFS_HARNESS/gate/veristat.allow" \
	--series "${series[@]}" --sums-base "${base%.csv}.sha256" \
	--sums "$out/$flavor-objects.sha256" \
	"$base" "$out/$flavor-series.csv" >"$out/$flavor-gate.txt" || rc=$?
for r in $(seq 2 "$runs"); do
	"$KFS_HARNESS/gate/veristat-cmp.py" --aa --series "${series[@]}" \
		--sums "$out/$flavor-objects.sha256" \
		"$out/$flavor-series.csv" "$out/$flavor-series-$r.csv" |
		sed 's/^/A\/A: /' >>"$out/$flavor-gate.txt" || rc=1
done
# veristat's own side-by-side view of the same programs (-C, on the host):
# the base's rows of the objects this run measured, against this run's.
st=$KFS_BUILD/selftests/$flavor
awk -F, 'NR == FNR { if (FNR > 1) seen[$1] = 1; next }
	 FNR == 1 || ($1 in seen)' "$out/$flavor-series.csv" "$base" \
	>"$out/$flavor-base-sel.csv"
"$st/veristat" -C "$out/$flavor-base-sel.csv" "$out/$flavor-series.csv" \
	>"$out/$flavor-compare.txt" 2>&1 ||
	msg "veristat-gate-$flavor: NOTE: veristat -C failed (${out#"$KFS_ROOT"/}/$flavor-compare.txt)"
# Verdicts that differ outside the series' own objects (which fail on the
# base: what they use is the series'); veristat-cmp.py fails on them.
mism=$(awk -v s=" ${series[*]} " '$3 != $4 && $5 == "MISMATCH" &&
	index(s, " " $1 " ") == 0' "$out/$flavor-compare.txt" | wc -l)
msg "veristat-gate-$flavor: veristat -C, base (A) against series (B): ${out#"$KFS_ROOT"/}/$flavor-compare.txt, $mism verdict mismatches outside the series' objects"
sed -n 's/^VERISTAT //p' "$out/$flavor-gate.txt" | sort | head -n 60
grep -E '^(A/A: )?veristat: ' "$out/$flavor-gate.txt" |
	while IFS= read -r l; do msg "veristat-gate-$flavor: $l"; done
[ "$rc" -eq 0 ] || msg "veristat-gate-$flavor: FAILED (above; all in ${out#"$KFS_ROOT"/}/$flavor-gate.txt)"
exit "$rc"
