#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# bench.sh [FLAVOUR...]: what a kfunc call in generated code costs against
# a BPF_CALL_N call (issue 10), measured, not tested: 'make bench' (the GCC
# kernel) or 'make bench FLAVOURS="gcc lto"'.  Writes build/bench/report.md
# and prints it.
#
# 1. Time: harness/bench/pe-bench.c, in the VM on each kernel named (built or
#    brought up to date first), with the JIT and then with the
#    interpreter: KFS_BENCH_ROUNDS rounds, each a BPF_PROG_TEST_RUN of as
#    many runs as last KFS_BENCH_MS milliseconds.
# 2. JITed code: the two programs' images, what their calls call (from
#    kallsyms), and every byte in which the images differ.
# 3. Kernel text: kernel/bpf/verifier.o before and after the patch that
#    checks the calls of generated code (needed by both kinds of call)
#    and the one that adds kfunc calls, compared by scripts/bloat-o-meter,
#    and the sizes of the two call targets, built with a production-like
#    GCC configuration (no KASAN, no lockdep).
# bench.sh --guest OBJECT MS ROUNDS is the part run in the VM;
# bench.sh --compile FLAVOUR only compiles pe-bench.c (make check).
if [ "${1:-}" = --guest ]; then
	# In the VM, in build/bench (the root is read-only there): the
	# results go to the job share.
	set -eu
	jit=/proc/sys/net/core/bpf_jit_enable
	job=/run/kfsjob
	{
		echo "uname $(uname -r) $(uname -v)"
		echo "clocksource $(cat /sys/devices/system/clocksource/clocksource0/current_clocksource)"
		echo "loadavg-before $(cut -d' ' -f1-3 /proc/loadavg)"
	} >"$job/env"
	for j in 1 0; do
		echo "$j" >"$jit"
		mkdir -p "$job/jit$j"
		./pe-bench "$2" "$job/jit$j" "$3" "$4" >"$job/jit$j.txt"
		cat "$job/jit$j.txt"
	done
	echo 1 >"$jit"
	echo "loadavg-after $(cut -d' ' -f1-3 /proc/loadavg)" >>"$job/env"
	cat "$job/env"
	grep -E ' (bpf_kfunc_dummy_pe_add|bpf_dummy_pe_add)$' /proc/kallsyms \
		>"$job/kallsyms"
	exit 0
fi
. "$(dirname "$0")/../lib.sh"

# pe_bench_build FLAVOUR OUT: compile pe-bench.c against the libbpf of
# FLAVOUR's selftests
pe_bench_build() {
	local sel=$KFS_BUILD/selftests/$1

	logged "bench-build-$1" gcc -O2 -Wall -Wextra -Werror \
		-I "$sel/tools/include" -I "$KSRC/tools/include/uapi" -o "$2" \
		"$KFS_HARNESS/bench/pe-bench.c" "$sel/tools/build/libbpf/libbpf.a" \
		-lelf -lz
}
# bench.sh --compile FLAVOUR: only that, so that make check keeps
# pe-bench.c building
if [ "${1:-}" = --compile ]; then
	flavor_check "${2:-}"
	pe_bench_build "$2" "$KFS_BUILD/selftests/$2/pe-bench"
	exit 0
fi

ms=${KFS_BENCH_MS:-250}
rounds=${KFS_BENCH_ROUNDS:-21}
[[ "$ms" =~ ^[1-9][0-9]*$ && "$rounds" =~ ^[1-9][0-9]*$ ]] ||
	die "bench: KFS_BENCH_MS and KFS_BENCH_ROUNDS must be positive numbers"
bench=$KFS_BUILD/bench
report=$bench/report.md
base=$(kfs_base bench)
flavours=("${@:-gcc}")
for f in "${flavours[@]}"; do
	flavor_check "$f"
done
# A fresh report; the object directory of part 3 stays, for speed
kobj=$KFS_BUILD/bench-out
wt=$bench/linux
git -C "$KSRC" worktree remove --force "$wt" 2>/dev/null || true
git -C "$KSRC" worktree prune
rm -rf "$bench"
mkdir -p "$bench"
kname() {
	case "$1" in
	gcc) echo "GCC debug kernel (KASAN, lockdep)" ;;
	lto) echo "Clang ThinLTO kernel" ;;
	esac
}

# 1. Time, and the JITed images, on kernels up to date (incremental builds)
for f in "${flavours[@]}"; do
	"$KFS_HARNESS/build/build-kernel.sh" "$f"
	"$KFS_HARNESS/build/build-selftests.sh" "$f"
done
pe_bench_build "${flavours[0]}" "$bench/pe-bench"
host_load=$(cut -d' ' -f1-3 /proc/loadavg)
for f in "${flavours[@]}"; do
	mkdir -p "$bench/$f"
	cp "$KFS_BUILD/selftests/$f/dummy_pe_ops.bpf.o" "$bench/$f/"
	"$KFS_HARNESS/vm/vm-run.sh" -k "$(kfs_out "$f")/arch/x86/boot/bzImage" \
		-t 900 -n "bench-$f" -C "$bench" -- \
		bash "$KFS_HARNESS/bench/bench.sh" --guest "$f/dummy_pe_ops.bpf.o" \
		"$ms" "$rounds" ||
		die "bench: the VM run on the $f kernel failed; its output is in build/vm/bench-$f/output"
done

# field FILE KEY N: the Nth word of the line of FILE that starts with KEY
# (words), or with N 0 what follows KEY; assign it, so that a failure
# stops the script.
field() {
	local v

	v=$(awk -v k="$2" -v n="$3" 'index($0, k " ") == 1 {
		print n ? $n : substr($0, length(k) + 2) }' "$1")
	[ -n "$v" ] || die "bench: no '$2' in $1"
	echo "$v"
}

# What the comparison rests on: with the JIT, images of the same size;
# without, no image; the same translated code in both modes
for f in "${flavours[@]}"; do
	job=$KFS_BUILD/vm/bench-$f
	x=$(field "$job/jit1.txt" "prog pro_epilogue" 4)
	j=$(field "$job/jit1.txt" "prog pro_epilogue" 6)
	for r in "$job/jit1.txt" "$job/jit0.txt"; do
		for p in pro_epilogue direct_call; do
			[ "$(field "$r" "prog $p" 4)" = "$x" ] ||
				die "bench: $p's translated size differs in $r"
		done
	done
	if [ "$j" -eq 0 ] ||
	   [ "$(field "$job/jit1.txt" "prog direct_call" 6)" != "$j" ]; then
		die "bench: the $f kernel's JITed images are missing or of different sizes"
	fi
	if [ "$(field "$job/jit0.txt" "prog pro_epilogue" 6)" != 0 ] ||
	   [ "$(field "$job/jit0.txt" "prog direct_call" 6)" != 0 ]; then
		die "bench: the $f kernel JITed a program with bpf_jit_enable=0"
	fi
	# The interpreter's A/A: the same instructions, calls included
	cmp -s "$job/jit0/pro_epilogue.xlated" "$job/jit0/direct_call.xlated" ||
		die "bench: under the $f kernel's interpreter the two programs' translated instructions differ"
	if cmp -s "$job/jit1/pro_epilogue.xlated" "$job/jit1/direct_call.xlated"; then
		die "bench: with the $f kernel's JIT the two programs' translated instructions are the same"
	fi
done

accel=TCG
[ -n "${KFS_KVM:-}" ] && [ -w /dev/kvm ] && accel=KVM
qemu=$(qemu-system-x86_64 --version | head -n 1)
cpu=$(awk -F': ' '/^model name/ { print $2; exit }' /proc/cpuinfo)
desc=$(git -C "$KSRC" describe --always --tags)
hdesc=$(git -C "$KFS_ROOT" describe --always --dirty 2>/dev/null || echo unknown)
{
	echo "## Generated-code calls: kfunc against BPF_CALL_N"
	echo
	echo "\`KFS_BENCH_MS=$ms KFS_BENCH_ROUNDS=$rounds harness/bench/bench.sh ${flavours[*]}\`"
	echo "($(date -u '+%Y-%m-%d'); series $desc, harness $hdesc; $qemu, $accel,"
	echo "${KFS_VM_CPUS:-1} guest CPU(s), on $(nproc) host CPUs, $cpu; host load average $host_load before"
	echo "the VMs, $(cut -d' ' -f1-3 /proc/loadavg) after)."
	echo
	echo "### Time of one run"
	echo
	echo "pro_epilogue and direct_call have the same body and the same generated"
	echo "code but for their two calls, one in the prologue, one in the"
	echo "epilogue: pro_epilogue's call the kfunc bpf_kfunc_dummy_pe_add() (its"
	echo "BPF_CALL_2 counterpart under the interpreter), direct_call's the"
	echo "BPF_CALL_2 function bpf_dummy_pe_add(), whose body is the kfunc's"
	echo "own, not a call of it: the two differ in the kind of call only."
	echo "A time is the kernel's duration of one run, the mean of a"
	echo "BPF_PROG_TEST_RUN of N runs, N being what takes pro_epilogue at least"
	echo "$ms ms: the median of $rounds rounds (after one round to warm up), in"
	echo "brackets the least and the greatest.  The"
	echo "programs take turns, pro_epilogue a second time as the third of each"
	echo "round, in the other order every other round; a ratio is the median"
	echo "(least, greatest) of the rounds' own.  kfunc / kfunc, pro_epilogue"
	echo "against itself, is an A/A control: it shows the noise.  Under the"
	echo "interpreter both programs call the BPF_CALL_2 function (their"
	echo "translated instructions are the same, byte for byte), so that row's"
	echo "kfunc / BPF_CALL_N is one too."
	echo
	echo "| kernel, mode | clock | N | pro_epilogue: kfunc | direct_call: BPF_CALL_N | kfunc / BPF_CALL_N | kfunc / kfunc |"
	echo "|---|---|---|---|---|---|---|"
	for f in "${flavours[@]}"; do
		job=$KFS_BUILD/vm/bench-$f
		cs=$(field "$job/env" clocksource 2)
		for j in 1 0; do
			r=$job/jit$j.txt
			mode="JIT"
			[ "$j" = 0 ] && mode="interpreter, both BPF_CALL_N"
			a=$(field "$r" "prog pro_epilogue" 10)
			amin=$(field "$r" "prog pro_epilogue" 11)
			amax=$(field "$r" "prog pro_epilogue" 12)
			b=$(field "$r" "prog direct_call" 10)
			bmin=$(field "$r" "prog direct_call" 11)
			bmax=$(field "$r" "prog direct_call" 12)
			q=$(field "$r" ratio 2)
			qmin=$(field "$r" ratio 3)
			qmax=$(field "$r" ratio 4)
			aa=$(field "$r" aa 2)
			aamin=$(field "$r" aa 3)
			aamax=$(field "$r" aa 4)
			n=$(field "$r" repeat 2)
			printf '| %s, %s | %s | %s | %s ns (%s to %s) | %s ns (%s to %s) | %s (%s to %s) | %s (%s to %s) |\n' \
				"$(kname "$f")" "$mode" "$cs" "$n" "$a" "$amin" "$amax" \
				"$b" "$bmin" "$bmax" "$q" "$qmin" "$qmax" \
				"$aa" "$aamin" "$aamax"
		done
	done
	echo
	for f in "${flavours[@]}"; do
		env=$KFS_BUILD/vm/bench-$f/env
		u=$(field "$env" uname 0)
		l0=$(field "$env" loadavg-before 0)
		l1=$(field "$env" loadavg-after 0)
		cs=$(field "$env" clocksource 2)
		echo "- $(kname "$f"): $u; guest load average $l0 before, $l1 after."
		if [ "$cs" = refined-jiffies ] || [ "$cs" = jiffies ]; then
			n=$(field "$KFS_BUILD/vm/bench-$f/jit1.txt" repeat 2)
			echo "  Its clock is jiffies (TSC calibration failed at boot): a round's"
			echo "  duration is a whole number of milliseconds, $(awk -v r="$n" 'BEGIN { printf "%.2f", 1e6 / r }') ns in a run's"
			echo "  mean with the JIT."
		fi
	done
	echo
} >"$report"

# 2. JITed code
# fn_disas VMLINUX SYMBOL: the function's instructions
fn_disas() {
	local addr size

	read -r addr size < <(nm -S "$1" | awk -v s="$2" '$4 == s { print $1, $2 }')
	[ -n "${size:-}" ] || die "bench: no $2 in $1"
	objdump -d --no-show-raw-insn "$1" --start-address="0x$addr" \
		--stop-address="$(printf '0x%x' $((16#$addr + 16#$size)))" |
		awk -F'\t' 'NF >= 2 && $1 ~ /:$/ { print $2 }'
}
# calls FLAVOUR PROG: the targets of the calls in PROG's JITed image
calls() {
	local job=$KFS_BUILD/vm/bench-$1 addr

	addr=$(field "$job/jit1.txt" "prog $2" 8)
	objdump -D -b binary -mi386:x86-64 --insn-width=16 \
		--adjust-vma="$addr" "$job/jit1/$2.jited" |
		awk -F'\t' '$3 ~ /^call/ { n = split($2, b, " "); sub(/^call +0x/, "", $3); print n, $3 }' |
		while read -r n target; do
			sym=$(awk -v a="$target" '$1 == a { print $3 }' "$job/kallsyms")
			echo "${sym:-0x$target} ($n bytes)"
		done | paste -sd, - | sed 's/,/, /g'
}
{
	echo "### JITed code (x86-64)"
	echo
	echo "| kernel | program | xlated bytes | JITed bytes | its calls (call instruction bytes) |"
	echo "|---|---|---|---|---|"
	for f in "${flavours[@]}"; do
		job=$KFS_BUILD/vm/bench-$f
		for p in pro_epilogue direct_call; do
			x=$(field "$job/jit1.txt" "prog $p" 4)
			n=$(field "$job/jit1.txt" "prog $p" 6)
			c=$(calls "$f" "$p")
			printf '| %s | %s | %s | %s | %s |\n' "$(kname "$f")" "$p" \
				"$x" "$n" "$c"
		done
		case "$(calls "$f" pro_epilogue)" in
		"bpf_kfunc_dummy_pe_add (5 bytes), bpf_kfunc_dummy_pe_add (5 bytes)") ;;
		*) die "bench: pro_epilogue's JITed calls on the $f kernel are not the kfunc's" ;;
		esac
		case "$(calls "$f" direct_call)" in
		"bpf_dummy_pe_add (5 bytes), bpf_dummy_pe_add (5 bytes)") ;;
		*) die "bench: direct_call's JITed calls on the $f kernel are not bpf_dummy_pe_add's" ;;
		esac
	done
	echo
	for f in "${flavours[@]}"; do
		job=$KFS_BUILD/vm/bench-$f
		# The offsets of the call instructions, then those of the
		# bytes in which the images differ: each must be in a call's
		# rel32 operand
		d=$({ objdump -D -b binary -mi386:x86-64 --insn-width=16 \
			"$job/jit1/pro_epilogue.jited" |
			awk -F'\t' '$3 ~ /^call/ { sub(/:$/, "", $1); print "call", $1 }'
		      cmp -l "$job/jit1/pro_epilogue.jited" \
			"$job/jit1/direct_call.jited" 2>&1 || true; } |
			awk '$1 == "call" { c[n++] = strtonum_hex($2); next }
			     { o = $1 - 1; ok = 0
			       for (i = 0; i < n; i++)
					if (o >= c[i] + 1 && o <= c[i] + 4) ok = 1
			       printf "%s0x%x", s, o; s = ", "
			       if (!ok) bad = 1 }
			     END { if (bad) print " (NOT in a call operand)"; else print "" }
			     function strtonum_hex(h,   v, i) {
				v = 0; h = tolower(h); sub(/^ */, "", h)
				for (i = 1; i <= length(h); i++)
					v = v * 16 + index("0123456789abcdef", substr(h, i, 1)) - 1
				return v }')
		case "$d" in
		""|*NOT*) die "bench: the $f kernel's two JITed images differ beyond their calls' operands: $d" ;;
		esac
		echo "- $(kname "$f"): \`cmp -l\` of the two images: the bytes at $d"
		echo "  (offsets from 0) differ, all in the rel32 operands of the calls."
	done
	echo
	echo "So the programs differ in what they call.  The BPF_CALL_2 function,"
	echo "disassembled from each kernel's vmlinux:"
	for f in "${flavours[@]}"; do
		echo
		echo "$(kname "$f"):"
		echo
		fn_disas "$(kfs_out "$f")/vmlinux" bpf_dummy_pe_add | sed 's/^/    /'
	done
	echo
} >>"$report"

# 3. Kernel text, with a production-like GCC configuration
mapfile -t commits < <(git -C "$KSRC" rev-list --reverse "$base..HEAD")
# The patches that add the two kinds of call, by their subjects
find_patch() {
	local i

	for i in "${!commits[@]}"; do
		if git -C "$KSRC" log -1 --format=%s "${commits[$i]}" | grep -q "$1"; then
			echo "$i"
			return
		fi
	done
	die "bench: no patch in the series is '$1'"
}
pn=$(find_patch 'Check the calls of generated code, direct calls only')
pk=$(find_patch 'Allow generated prologue and epilogue code to call kfuncs')
[ "$pk" -gt "$pn" ] || die "bench: the kfunc patch no longer comes after the generated-calls one"
# The patches from the one after the generated-calls one to the kfunc one
kp="patch $((pk + 1))"
[ "$pk" -eq $((pn + 1)) ] || kp="patches $((pn + 2))-$((pk + 1))"
trap 'git -C "$KSRC" worktree remove --force "$wt" 2>/dev/null || true' EXIT
logged bench-worktree kgit -C "$KSRC" worktree add -q --detach "$wt" "${commits[$((pn - 1))]}"
[ "$(git -C "$wt" rev-parse --show-toplevel)" = "$wt" ] ||
	die "bench: $wt is not a work tree of its own"
mkdir -p "$kobj"
export CCACHE_BASEDIR=$KFS_ROOT CCACHE_NOHASHDIR=1
kmake=(make -C "$wt" O="$kobj" -j"$(nproc)" CC="ccache gcc")
cfg=$KFS_HARNESS/config
# The ThinLTO kernel's fragments but lto.config, with GCC
logged bench-config kfs_configure "$kobj" "$cfg/vm.config" \
	"$KSRC/tools/testing/selftests/bpf/config" "$cfg/selftests.config"
if grep -Eq '^CONFIG_(KASAN|LOCKDEP)=y' "$kobj/.config"; then
	die "bench: the configuration for the kernel text has KASAN or lockdep"
fi
for i in $((pn - 1)) "$pn" "$pk" $((${#commits[@]} - 1)); do
	git -C "$wt" checkout -q --detach "${commits[$i]}"
	objs=(kernel/bpf/verifier.o)
	if [ "$i" = $((${#commits[@]} - 1)) ]; then
		objs=(net/bpf/bpf_dummy_pe_ops.o)
		# The configuration was made before the series adds the
		# option, which olddefconfig then leaves off
		echo CONFIG_BPF_DUMMY_PE_OPS=y >>"$kobj/.config"
	fi
	logged "bench-objects-$((i + 1))" bash -c \
		'"$@" olddefconfig && "$@" prepare && "$@" '"${objs[*]}" \
		kmake "${kmake[@]}"
	cp "$kobj/${objs[0]}" "$bench/$(basename "${objs[0]}" .o)-$((i + 1)).o"
done

bloat=$KSRC/scripts/bloat-o-meter
# total A B: bloat-o-meter's net change of text from A to B
total() {
	local v

	v=$("$bloat" -t "$1" "$2" | sed -n 's/.*up\/down: .*(\(-\{0,1\}[0-9]*\))$/\1/p')
	[ -n "$v" ] || die "bench: no bloat-o-meter total for $1 against $2"
	echo "$v"
}
# size_of OBJECT SYMBOL: the size of a function
size_of() {
	local hex

	hex=$(nm -S "$1" | awk -v s="$2" '$4 == s && $3 ~ /^[tT]$/ { print $2 }')
	[ -n "$hex" ] || die "bench: no function $2 in $1"
	echo $((16#$hex))
}
last=${#commits[@]}
v0=$bench/verifier-$pn.o
v1=$bench/verifier-$((pn + 1)).o
v2=$bench/verifier-$((pk + 1)).o
pe=$bench/bpf_dummy_pe_ops-$last.o
t01=$(total "$v0" "$v1")
t12=$(total "$v1" "$v2")
t02=$(total "$v0" "$v2")
sk=$(size_of "$pe" bpf_kfunc_dummy_pe_add)
sc=$(size_of "$pe" bpf_dummy_pe_add)
{
	echo "### Kernel text"
	echo
	echo "Built with GCC and a production-like configuration: the ThinLTO"
	echo "kernel's config fragments without lto.config (no KASAN, no lockdep)."
	echo "Neither kind of call can be had without patch $((pn + 1)), which checks"
	echo "every call of generated code (helper ids, BPF_CALL_N targets) and"
	echo "marks it resolved; $kp add(s) kfunc calls on top of it."
	echo
	echo "| what | text bytes | measured by |"
	echo "|---|---|---|"
	echo "| checking the calls of generated code, which BPF_CALL_N calls need (patch $((pn + 1))) | $t01 | \`bloat-o-meter -t\`, verifier.o of patch $pn against $((pn + 1)) |"
	echo "| kfunc calls on top of it ($kp) | $t12 | \`bloat-o-meter -t\`, verifier.o of patch $((pn + 1)) against $((pk + 1)) |"
	echo "| both (patches $((pn + 1))-$((pk + 1))) | $t02 | \`bloat-o-meter -t\`, verifier.o of patch $pn against $((pk + 1)) |"
	echo "| the kfunc bpf_kfunc_dummy_pe_add() | $sk | \`nm -S\` bpf_dummy_pe_ops.o (patch $last) |"
	echo "| its BPF_CALL_2 counterpart bpf_dummy_pe_add(), the same body | $sc | \`nm -S\` bpf_dummy_pe_ops.o (patch $last) |"
	echo
	echo "A BPF_CALL_N counterpart with a body of its own, as this one has,"
	echo "costs about the kfunc's text again; one that wraps its kfunc costs"
	echo "a wrapper's.  A kfunc costs no more text, but its BTF, its kfunc set"
	echo "and the set's registration, none of which a BPF_CALL_N function needs."
	echo
	echo "\`bloat-o-meter -t\` of verifier.o, patch $pn against $((pn + 1)):"
	echo
	"$bloat" -t "$v0" "$v1" | sed 's/^/    /'
	echo
	echo "Patch $((pn + 1)) against $((pk + 1)):"
	echo
	"$bloat" -t "$v1" "$v2" | sed 's/^/    /'
	if "$bloat" -t "$v1" "$v2" | grep -E '^add_kfunc_call +- ' >/dev/null; then
		echo
		echo "add_kfunc_call is not new: patch $((pk + 1)) calls it a second time, so GCC"
		echo "stops inlining it into add_subprog_and_kfunc.  Only the net counts."
	fi
} >>"$report"

cat "$report"
msg "bench: report in ${report#"$KFS_ROOT"/}"
