#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# guest-veristat.sh OUT OBJECT...: run inside the VM from the selftests
# output directory.  veristat over each OBJECT in turn (one process an
# object, so that one that veristat cannot handle is named and the run goes
# on), every program of it loaded on its own; the rows of all of them go
# to the CSV file OUT (one header).  Prints progress every 50 objects and
# each object veristat failed on.  Exits non-zero if veristat failed on
# any object.
out=$1
shift
total=$#
n=0 bad=0 t0=$SECONDS
tmp=$(mktemp -d)
: >"$out"
for o in "$@"; do
	n=$((n + 1))
	rc=0
	timeout -k 5 "${KFS_VERISTAT_LIMIT:-900}" ./veristat -o csv \
		-e file,prog,verdict,duration,insns,states,peak_states \
		"$o" >"$tmp/csv" 2>"$tmp/err" </dev/null || rc=$?
	[ -s "$out" ] || head -n 1 "$tmp/csv" >"$out"
	tail -n +2 "$tmp/csv" >>"$out"
	if [ "$rc" -ne 0 ]; then
		bad=$((bad + 1))
		echo "kfs-veristat: $o: veristat exited $rc: $(tail -n 2 "$tmp/err" | tr '\n' ' ')"
	fi
	[ $((n % 50)) -ne 0 ] ||
		echo "kfs-veristat: $n/$total objects, $((SECONDS - t0))s"
done
rm -rf "$tmp"
echo "kfs-veristat: $n objects, $(($(wc -l <"$out") - 1)) programs, $bad failed, $((SECONDS - t0))s"
[ "$bad" -eq 0 ]
