#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# veristat.sh [--base] [--all] [--runs N] FLAVOUR: the verifier's cost of
# the selftests' BPF programs, measured by the selftests' veristat in the
# VM.  Boots FLAVOUR's kernel (the series', or with --base the unpatched
# base's that 'make baseline' builds under build/base) and runs veristat
# over the BPF objects of the series' selftests build of FLAVOUR, the same
# objects on both kernels, so that what differs is the kernel.  The
# objects: harness/gate/veristat.list (make check's selection), or with --all
# every *.bpf.o (KFS_VERISTAT_OBJS="GLOB..." instead of the list: for a
# quick look).  Each program is loaded on its own; its verdict,
# verification time, instructions processed and states go to
# build/veristat/FLAVOUR-KERNEL[-RUN].csv, KERNEL series or base, one run
# a VM boot (--runs N: N runs, for the A/A spread of the times).  Also
# writes FLAVOUR-objects.sha256, the objects' hashes, which the baseline
# keeps with its CSV so that the gate compares only unchanged objects.
. "$(dirname "$0")/../lib.sh"

kernel=series sel=list runs=1
while [ $# -gt 1 ]; do
	case "$1" in
	--base) kernel=base ;;
	--all) sel=all ;;
	--runs) runs=$2; shift ;;
	*) die "veristat: unknown option $1" ;;
	esac
	shift
done
flavor=${1:-gcc}
flavor_check "$flavor"
[[ "$runs" =~ ^[1-9][0-9]*$ ]] || die "veristat: --runs wants a positive number (got '$runs')"
st=$KFS_BUILD/selftests/$flavor
[ -x "$st/veristat" ] || die "veristat-$flavor: no $st/veristat; build the selftests first (harness/build/build-selftests.sh $flavor)"
kout=$(kfs_out "$flavor")
[ "$kernel" = series ] || kout=$KFS_BUILD/base/out/$flavor
img=$kout/arch/x86/boot/bzImage
[ -f "$img" ] || die "veristat-$flavor: no $kernel kernel $img; $([ "$kernel" = base ] && echo "'make baseline FLAVOURS=$flavor' builds it" || echo "build it first")"

# The objects, as names relative to the selftests directory.
objs=()
if [ "$sel" = all ]; then
	while IFS= read -r o; do objs+=("$o"); done < <(cd "$st" && ls -- *.bpf.o)
else
	while IFS= read -r g; do
		mapfile -t m < <(cd "$st" && compgen -G "$g" | sort)
		[ ${#m[@]} -gt 0 ] || die "veristat-$flavor: harness/gate/veristat.list: no object matches '$g' in ${st#"$KFS_ROOT"/}"
		objs+=("${m[@]}")
	done < <(if [ -n "${KFS_VERISTAT_OBJS:-}" ]; then
			 read -ra gl <<<"$KFS_VERISTAT_OBJS"
			 printf '%s\n' "${gl[@]}"
		 else
			 list_entries "$KFS_HARNESS/gate/veristat.list"
		 fi)
	mapfile -t objs < <(printf '%s\n' "${objs[@]}" | sort -u)
fi
out=$KFS_BUILD/veristat
mkdir -p "$out"
(cd "$st" && sha256sum -- "${objs[@]}") >"$out/$flavor-objects.sha256"
msg "veristat-$flavor: ${#objs[@]} objects ($sel) on the $kernel kernel, $runs run(s)"

for r in $(seq 1 "$runs"); do
	csv=$out/$flavor-$kernel.csv
	[ "$r" -eq 1 ] || csv=$out/$flavor-$kernel-$r.csv
	name=veristat-$flavor-$kernel
	rc=0
	"$KFS_HARNESS/vm/vm-run.sh" -k "$img" -t "${KFS_VM_TIMEOUT:-7200}" \
		-n "$name" -C "$st" -- \
		bash "$KFS_HARNESS/gate/guest-veristat.sh" /run/kfsjob/veristat.csv \
		"${objs[@]}" | tr -d '\r' | grep '^kfs-veristat:' || rc=$?
	job=$KFS_BUILD/vm/$name
	[ -s "$job/veristat.csv" ] ||
		die "veristat-$flavor: run $r wrote no results; see ${job#"$KFS_ROOT"/}/output and console"
	cp "$job/veristat.csv" "$csv"
	[ "$rc" -eq 0 ] ||
		msg "veristat-$flavor: NOTE: run $r: veristat failed on some objects (above); their programs are missing from ${csv#"$KFS_ROOT"/}"
	msg "veristat-$flavor: run $r: ${csv#"$KFS_ROOT"/}, $(($(wc -l <"$csv") - 1)) programs"
done
