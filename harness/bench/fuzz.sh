#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# fuzz.sh [FLAVOUR]: randomized testing of generated prologues and
# epilogues (harness/bench/pe-fuzz.c) in the VM on FLAVOUR's kernel (default
# gcc): SEED (default 1) and N (default 2000) programs in each of the
# modes jit, interp and harden (MODES="jit harden" for some of them).
# make fuzz FLAVOURS=... SEED=... N=... MODES=...
# A long run goes in chunks of CHUNK programs (default 100000), one VM
# each, with a line of progress per chunk and the totals at the end; the
# output of each is kept in build/fuzz/FLAVOUR-SEED-N.txt.  A failure
# prints its seed, mode and program (pe-fuzz SEED 1 MODE reproduces it)
# and stops the run.
# fuzz.sh --compile FLAVOUR only builds pe-fuzz against FLAVOUR's
# selftests' libbpf, into build/selftests/FLAVOUR/pe-fuzz, for make check;
# a run builds its own, build/fuzz/pe-fuzz-FLAVOUR, so that a make check
# may rebuild the selftests while it runs.
. "$(dirname "$0")/../lib.sh"

if [ "${1:-}" = --compile ]; then
	shift
	compile=1
fi
flavor=${1:-gcc}
flavor_check "$flavor"
sel=$KFS_BUILD/selftests/$flavor
kout=$(kfs_out "$flavor")
[ -f "$sel/tools/build/libbpf/libbpf.a" ] ||
	die "fuzz: no selftests for $flavor; run 'make selftests' first"
bin=$sel/pe-fuzz
[ -n "${compile:-}" ] || bin=$KFS_BUILD/fuzz/pe-fuzz-$flavor
mkdir -p "$KFS_BUILD/fuzz"
logged "fuzz-build-$flavor" gcc -O2 -Wall -Wextra -Werror \
	-I "$sel/tools/include" -I "$KSRC/tools/include/uapi" \
	-o "$bin" "$KFS_HARNESS/bench/pe-fuzz.c" \
	"$sel/tools/build/libbpf/libbpf.a" -lelf -lz || exit 1
[ -z "${compile:-}" ] || exit 0

seed=${SEED:-1}
n=${N:-2000}
chunk=${CHUNK:-100000}
modes=${MODES:-jit interp harden}
read -ra modev <<<"$modes"
[[ "$seed" =~ ^[0-9]+$ && "$n" =~ ^[1-9][0-9]*$ && "$chunk" =~ ^[1-9][0-9]*$ ]] ||
	die "fuzz: SEED, N and CHUNK must be numbers, N and CHUNK above 0 (got '$seed', '$n', '$chunk')"
for m in "${modev[@]}"; do
	[[ "$m" =~ ^(jit|interp|harden)$ ]] ||
		die "fuzz: MODES has '$m'; the modes are jit, interp and harden"
done
"$bin" 1 1000 dry >/dev/null ||
	die "fuzz: the generator fails its own oracle (pe-fuzz 1 1000 dry)"
msg "fuzz($flavor): seeds $seed..$((seed + n - 1)), modes $modes$([ "$n" -le "$chunk" ] || echo ", in chunks of $chunk")"
# One kernel for every chunk: a copy, which a build meanwhile leaves alone
kernel=$KFS_BUILD/fuzz/bzImage-$flavor
cp "$kout/arch/x86/boot/bzImage" "$kernel"
t0=$(date +%s)
outs=()
for ((s = seed; s < seed + n; s += chunk)); do
	c=$((seed + n - s < chunk ? seed + n - s : chunk))
	out=$KFS_BUILD/fuzz/$flavor-$s-$c.txt
	outs+=("$out")
	# Generous: 3 modes, about 5 ms a program under TCG and KASAN.
	limit=$((300 + c * 3 / 50))
	rc=0
	"$KFS_HARNESS/vm/vm-run.sh" -t "$limit" -k "$kernel" \
		-n "fuzz-$flavor" -C "$KFS_BUILD/fuzz" -- \
		"./pe-fuzz-$flavor" "$s" "$c" "${modev[@]}" >"$out" 2>&1 ||
		rc=$?
	tr -d '\r' <"$out" | grep -E '^(mode |pe-fuzz: )' | sed 's/^/    /'
	if [ "$rc" -ne 0 ]; then
		tr -d '\r' <"$out" | grep -A 40 -m 3 '^FAIL' | head -n 120
		die "fuzz($flavor): seeds $s..$((s + c - 1)) failed (exit $rc); all of it in ${out#"$KFS_ROOT"/}"
	fi
	[ "$n" -le "$chunk" ] ||
		msg "fuzz($flavor): $((s + c - seed)) of $n seeds done, $(($(date +%s) - t0))s"
done
# Totals over the chunks, per mode: generated, loaded, runs, refused by
# reason (the regression seeds run in each chunk, and count each time).
cat "${outs[@]}" | tr -d '\r' | awk '
	/^mode / {
		m = $2; sub(":", "", m)
		for (i = 1; i <= NF; i++) {
			if ($i == "generated") gen[m] += $(i + 1)
			if ($i == "loaded") { ld[m] += $(i + 1); r = $(i + 2); gsub(/[(]/, "", r); runs[m] += r }
			if ($i == "refused") { j = i + 1 }
			if ($i == "failures") fl[m] += $(i + 1)
		}
		k = 0
		for (i = j; i < NF; i++) if ($i ~ /^[0-9]+$/ && $(i + 1) ~ /^[(]/) {
			v = $i; i++; why = $i
			while ($i !~ /[)],?$/) { i++; why = why " " $i }
			gsub(/^[(]|[)],?$/, "", why); ref[m, why] += v
			if (!((m, why) in seen)) { seen[m, why] = 1; order[m, ++nw[m]] = why }
		}
		if (!(m in mseen)) { mseen[m] = 1; modes[++nm] = m }
	}
	END {
		for (x = 1; x <= nm; x++) {
			m = modes[x]
			printf "    total %s: generated %d, loaded %d (%d runs), failures %d; refused:", m, gen[m], ld[m], runs[m], fl[m]
			for (y = 1; y <= nw[m]; y++) printf " %d (%s)%s", ref[m, order[m, y]], order[m, y], y < nw[m] ? "," : ""
			printf "\n"
		}
	}'
msg "fuzz($flavor): no failures in $n seeds, $(($(date +%s) - t0))s; output in ${outs[0]#"$KFS_ROOT"/}$([ "${#outs[@]}" -eq 1 ] || echo " and $((${#outs[@]} - 1)) more")"
