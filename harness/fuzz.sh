#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# fuzz.sh [FLAVOUR]: randomized testing of generated prologues and
# epilogues (harness/pe-fuzz.c) in the VM on FLAVOUR's kernel (default
# gcc): SEED (default 1) and N (default 2000) programs in each of the
# modes jit, interp and harden.  make fuzz SEED=... N=...; the output is
# kept in build/fuzz/FLAVOUR-SEED-N.txt.  A failure prints its seed, mode
# and program; pe-fuzz SEED 1 MODE reproduces it.
# fuzz.sh --compile FLAVOUR only builds pe-fuzz against FLAVOUR's
# selftests' libbpf, into build/selftests/FLAVOUR/pe-fuzz.
. "$(dirname "$0")/lib.sh"

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
logged "fuzz-build-$flavor" gcc -O2 -Wall -Wextra -Werror \
	-I "$sel/tools/include" -I "$KSRC/tools/include/uapi" \
	-o "$sel/pe-fuzz" "$KFS_HARNESS/pe-fuzz.c" \
	"$sel/tools/build/libbpf/libbpf.a" -lelf -lz || exit 1
[ -z "${compile:-}" ] || exit 0

seed=${SEED:-1}
n=${N:-2000}
[[ "$seed" =~ ^[0-9]+$ && "$n" =~ ^[0-9]+$ ]] ||
	die "fuzz: SEED and N must be numbers (got '$seed', '$n')"
"$sel/pe-fuzz" 1 1000 dry >/dev/null ||
	die "fuzz: the generator fails its own oracle (pe-fuzz 1 1000 dry)"
mkdir -p "$KFS_BUILD/fuzz"
out=$KFS_BUILD/fuzz/$flavor-$seed-$n.txt
# Generous: 3 modes, about 5 ms a program under TCG and KASAN.
limit=$((300 + n * 3 / 50))
msg "fuzz($flavor): seeds $seed..$((seed + n - 1)), jit, interp and harden"
rc=0
"$KFS_HARNESS/vm-run.sh" -t "$limit" -k "$kout/arch/x86/boot/bzImage" \
	-n "fuzz-$flavor" -C "$sel" -- ./pe-fuzz "$seed" "$n" >"$out" 2>&1 ||
	rc=$?
grep -E '^(mode |pe-fuzz: )' "$out" | sed 's/^/    /'
if [ "$rc" -ne 0 ]; then
	grep -A 40 -m 3 '^FAIL' "$out" | head -n 120
	die "fuzz($flavor): failed (exit $rc); all of it in ${out#"$KFS_ROOT"/}"
fi
msg "fuzz($flavor): no failures; output in ${out#"$KFS_ROOT"/}"
