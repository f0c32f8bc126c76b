#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# cross.sh [ARCH [config|build]]: the patched tree in $KSRC on one of
# Debian 12's other architectures ($KFS_CROSS_ARCHES; arm64 the default),
# built with Debian's cross GCC 12 and BTF into build/out/cross-ARCH:
# allnoconfig plus config/cross.config and config/cross-ARCH.config, so
# every kfunc file of 6.1 is built and resolve_btfids runs in the vmlinux
# link; bpf_testmod.ko against it (module BTF, resolve_btfids on a module);
# the kfunc sets that resolve_btfids wrote, read in the target's byte
# order; the BTF of the KF_IMPLICIT_ARGS kfuncs as bpftool dumps it.  Then
# test_progs of the series' tests (cross-selftests.sh) and a boot under
# QEMU TCG with an initramfs whose /init (cross-init.c) checks a kfunc
# call and the generated code of bpf_dummy_pe_ops through the JIT, and
# runs test_progs with the JIT on and off.  "config" stops once the
# configuration is checked, "build" once the module is built.  The results
# go to build/out/cross-ARCH/result for cross-all.sh.
# Not part of make check.
# shellcheck source=harness/lib.sh
. "$(dirname "$0")/../lib.sh"

arch=${1:-arm64}
only=${2:-}
# shellcheck source=harness/cross/cross-arch.sh
. "$KFS_HARNESS/cross/cross-arch.sh"
case "$only" in
''|config|build) ;;
*)	die "cross: unknown step '$only' (expected config, build, or nothing)" ;;
esac
t_start=$(date +%s)
# The cross compiler and its C library (cross-init.c, test_progs), QEMU;
# what the x86 build needs too: pahole (dwarves), resolve_btfids (libelf),
# certs/extract-cert (libssl), the build itself.
pkgs=("gcc-$triplet" "binutils-$triplet" "libc6-dev-$dpkgarch-cross" "$qpkg"
      dwarves libelf-dev libssl-dev bc bison flex ccache file xxd)

step=cross-$arch
out=$(kfs_out "$step")
need_pkgs "$step" "${pkgs[@]}"
[ -f "$KSRC/Makefile" ] || die "$step: no kernel tree at $KSRC"
mkdir -p "$out"
rm -f "$out/result"

export CCACHE_BASEDIR=$KFS_ROOT CCACHE_NOHASHDIR=1
kmake=(make -C "$KSRC" O="$out" -j"$(nproc)" ARCH="$karch"
       CROSS_COMPILE="$cross" CC="ccache ${cross}gcc")

# section FILE NAME: the address and size (hex) of section NAME of FILE.
section() {
	"${cross}readelf" -S -W "$1" |
	sed -n 's/^ *\[ *[0-9]*\] *//p' | awk -v s="$2" '$1 == s { print $3, $5 }'
}

# kfunc_sets FILE: "N kfunc sets, M kfuncs" in the .BTF_ids of FILE (vmlinux
# or a module) as resolve_btfids left it, read in FILE's byte order.  Each
# BTF_SET8 is a count and flags, then an (id, flags) pair per kfunc;
# resolve_btfids writes the count (from the set symbol's size) and the ids,
# and the flags say BTF_SET8_KFUNCS (bit 0) for a set of
# BTF_KFUNCS_START.  Fails when a set's count was not written
# (resolve_btfids did not run on it), an id is 0 (a kfunc it could not find
# in .BTF), or the flags are not BTF_SET8_KFUNCS: on a big-endian target,
# a flags word read or written in the wrong order shows as 0x1000000.
kfunc_sets() {
	local f=$1 bin=$1.btf_ids addr size name base off n cnt i zero flags
	local sets=0 kfuncs=0 bad=0 words endian=little

	read -r base _ < <(section "$f" .BTF_ids) || true
	[ -n "${base:-}" ] || { echo "no .BTF_ids section in $f"; return 1; }
	! "${cross}readelf" -h "$f" | grep -q 'big endian' || endian=big
	"${cross}objcopy" -O binary --only-section=.BTF_ids "$f" "$bin" ||
		{ echo "cannot extract .BTF_ids from $f"; return 1; }
	mapfile -t words < <(od --endian="$endian" -A n -t u4 -v -w4 "$bin" |
			     awk '{ print $1 }')
	rm -f "$bin"
	while read -r addr size name; do
		off=$(( (16#$addr - 16#$base) / 4 ))
		n=$(( (16#$size - 8) / 8 ))
		cnt=${words[off]:-0}
		flags=${words[off + 1]:-0}
		sets=$((sets + 1))
		kfuncs=$((kfuncs + n))
		if [ "$cnt" -ne "$n" ]; then
			echo "set ${name#__BTF_ID__set8__}: count $cnt, not $n: resolve_btfids did not patch it"
			bad=1
			continue
		fi
		if [ "$flags" -ne 1 ]; then
			printf 'set %s: flags %#x, not BTF_SET8_KFUNCS (0x1)\n' \
				"${name#__BTF_ID__set8__}" "$flags"
			bad=1
		fi
		zero=0
		for ((i = 0; i < n; i++)); do
			[ "${words[off + 2 + 2 * i]:-0}" -ne 0 ] || zero=$((zero + 1))
		done
		if [ "$zero" -ne 0 ]; then
			echo "set ${name#__BTF_ID__set8__}: $zero of $n kfuncs unresolved (BTF id 0)"
			bad=1
		fi
	done < <("${cross}nm" -S "$f" | awk '$4 ~ /^__BTF_ID__set8__/ { print $1, $2, $4 }')
	[ "$sets" -ne 0 ] || { echo "no kfunc set (__BTF_ID__set8__*) in $f"; bad=1; }
	echo "$sets kfunc sets, $kfuncs kfuncs ($endian-endian, flags BTF_SET8_KFUNCS)"
	return $bad
}

# summary FILE LOG: .BTF and kfunc sets of FILE, built by the step of LOG.
summary() {
	local f=$1 log=$2 btf sets

	read -r _ btf < <(section "$f" .BTF) || true
	[ -n "${btf:-}" ] || die "$step: no .BTF section in ${f#"$out"/}"
	if ! sets=$(kfunc_sets "$f"); then
		printf '%s\n' "$sets" >&2
		grep -a 'resolve_btfids' "$log" >&2 || true
		die "$step: ${f#"$out"/}: kfunc sets not resolved; full log: $log"
	fi
	echo "$((16#$btf)) bytes .BTF, ${sets##*$'\n'} resolved"
}

# As build-kernel.sh: allnoconfig plus the fragments (kfs_configure).
logged "$step-config" kfs_configure "$out" "${frags[@]}"
verify_config "$out" "${frags[@]}" ||
	die "$step-config: options above did not take effect"
msg "$step-config: $(grep -c '^CONFIG_.*=[ym]$' "$out/.config") options set, every option of ${frags[*]##*/} as asked"
[ "$only" != config ] || exit 0

t0=$(date +%s)
logged "$step-kernel" "${kmake[@]}" "${targets[@]}"
sizes="$(stat -c %s "$out/vmlinux") bytes vmlinux"
[ "$image" = vmlinux ] || sizes="$(stat -c %s "$out/$image") bytes ${image##*/}, $sizes"
msg "$step-kernel: $sizes"
# An assignment, so that a failed summary stops the script.
res=$(summary "$out/vmlinux" "$KFS_LOGS/$step-kernel.log")
msg "$step-kernel: vmlinux: $res (resolve_btfids ran in the link)"
vmlinux_sets=${res#*, }

# bpf_testmod from a copy of its sources: a build in $KSRC would leave
# $ARCH objects next to the x86 ones of build-selftests.sh.
mod=$out/bpf_testmod
mkdir -p "$mod"
src=$KSRC/tools/testing/selftests/bpf/bpf_testmod
cp -p "$src/Makefile" "$src/"*.[ch] "$mod/"
logged "$step-bpf_testmod" "${kmake[@]}" M="$mod" modules
if [ "${modbtf%% *}" = 1 ]; then
	res=$(summary "$mod/bpf_testmod.ko" "$KFS_LOGS/$step-bpf_testmod.log")
	msg "$step-bpf_testmod: bpf_testmod.ko: $res"
	testmod_sets=${res#*, }
else
	msg "$step-bpf_testmod: bpf_testmod.ko without BTF: ${modbtf#* }"
	testmod_sets="no module BTF"
fi
t_build=$(( $(date +%s) - t0 ))
[ "$only" != build ] || exit 0

# test_progs of the series' tests; its host bpftool dumps the BTF.
logged "$step-selftests-build" "$KFS_HARNESS/cross/cross-selftests.sh" "$arch"
tp=$out/selftests
bpftool=$tp/host-tools/sbin/bpftool
[ -x "$bpftool" ] || bpftool=$tp/tools/sbin/bpftool
[ -x "$bpftool" ] || die "$step: no host bpftool in $tp"
# On a big-endian ARCH, the bpftool of ARCH (cross-selftests.sh), under
# qemu-user: the BTF as a bpftool in the target's own byte order reads it.
bpftool_by="the host's bpftool"
if [ -x "$tp/bpftool-$arch/bpftool-qemu" ]; then
	bpftool=$tp/bpftool-$arch/bpftool-qemu
	bpftool_by="$arch's bpftool under qemu-user"
fi

# The BTF of a KF_IMPLICIT_ARGS kfunc, as resolve_btfids rewrote it: the
# kfunc without its struct bpf_prog_aux * argument, its _impl with it.
btf_log=$KFS_LOGS/$step-btf.log
btf_dump() {
	local f=$1 base=$2 k=$3 want=$4 n line proto raw=$KFS_LOGS/$step-btf.raw
	local params=0

	if [ -n "$base" ]; then
		"$bpftool" -B "$base" btf dump file "$f" format raw
	else
		"$bpftool" btf dump file "$f" format raw
	fi >"$raw"
	echo "== ${f##*/}" >>"$btf_log"
	for n in "$k" "${k}_impl"; do
		line=$(grep -E "^\[[0-9]+\] FUNC '$n' " "$raw") ||
			die "$step-btf: no FUNC $n in ${f##*/}'s BTF"
		proto=${line##*type_id=}
		proto=${proto%% *}
		# The FUNC, its FUNC_PROTO and the parameters under it.
		{
			echo "$line"
			awk -v id="[$proto]" '
				$1 == id { p = 1; print; next }
				p && /^\t/ { print; next }
				{ p = 0 }' "$raw"
		} >>"$btf_log"
		params=$((params + $(awk -v id="[$proto]" '
			$1 == id { p = 1; next }
			p && /^\t/ { n++; next }
			{ p = 0 }
			END { print n + 0 }' "$raw")))
	done
	rm -f "$raw"
	[ "$params" -eq "$want" ] ||
		die "$step-btf: $k and ${k}_impl: $params parameters in ${f##*/}'s BTF, expected $want (dump: $btf_log)"
}
: >"$btf_log"
btf_dump "$out/vmlinux" "" bpf_kfunc_call_test_implicit_add 5
in_mod=
if [ "${modbtf%% *}" = 1 ]; then
	btf_dump "$mod/bpf_testmod.ko" "$out/vmlinux" bpf_testmod_implicit_prog_id 3
	in_mod=", bpf_testmod_implicit_prog_id(mul) and its _impl(mul, aux) in bpf_testmod.ko"
fi
msg "$step-btf: bpf_kfunc_call_test_implicit_add(a, b) and its _impl(a, b, aux) in vmlinux$in_mod, as $bpftool_by dumps them (dump: $btf_log)"

# The arguments of test_progs, JIT on and off: the tests, and those that
# cannot run here, with the reason, from cross-skip.common and
# cross-skip.ARCH (a variant, armhf-thumb2, reads its base's list, then
# its own): lines of "WHEN TEST[/SUBTEST] REASON", WHEN one of all, jit
# (the JIT on), nojit (off), nokfunc (where programs cannot call kfuncs:
# the JIT off, or on where it cannot call them).
skip_files=("$KFS_HARNESS/cross/cross-skip.common" "$KFS_HARNESS/cross/cross-skip.${arch%%-*}")
[ "$arch" = "${arch%%-*}" ] || skip_files+=("$KFS_HARNESS/cross/cross-skip.$arch")
tests=$(sed -e 's/#.*//' -e '/^[[:space:]]*$/d' "$KFS_HARNESS/cross/cross-tests.list" |
	paste -sd, -)
tp_args() {
	local jit=$1 when name reason f deny=()

	for f in "${skip_files[@]}"; do
		[ -f "$f" ] || continue
		while read -r when name reason; do
			case "$when" in
			all) ;;
			jit) [ "$jit" = 1 ] || continue ;;
			nojit) [ "$jit" = 0 ] || continue ;;
			nokfunc) [ "$jit" = 0 ] || [ "$kfunc_jit" = 0 ] || continue ;;
			''|'#'*) continue ;;
			*) die "$step: ${f##*/}: '$when': expected jit, nojit, nokfunc or all" ;;
			esac
			[ -n "$reason" ] || die "$step: ${f##*/}: $name has no reason"
			deny+=("$name")
			msg "$step: skipped with the JIT $([ "$jit" = 1 ] && echo on || echo off): $name: $reason" >&2
		done <"$f"
	done
	# -v: what each test printed, the probes' findings too, in the log
	printf '%s\n' -v -a "$tests"
	[ ${#deny[@]} -eq 0 ] || printf '%s\n' -d "$(IFS=,; echo "${deny[*]}")"
}

# The initramfs: /init is cross-init.c, static; a console node so that it
# has stdout; /tp with test_progs, bpf_testmod.ko, the BPF objects and
# vmlinux's BTF sections.  The tree's gen_init_cpio writes it: no root
# needed.
initramfs() {
	local f

	"${cross}gcc" -static -O2 -Wall -Werror \
		-o "$out/cross-init" "$KFS_HARNESS/cross/cross-init.c"
	gcc -O2 -o "$out/gen_init_cpio" "$KSRC/usr/gen_init_cpio.c"
	# For kfunc_annotation/kfunc_sets: vmlinux's .BTF and .BTF_ids with
	# their symbols, read by the guest in its own byte order (the whole
	# image is 50 to 140 MB).
	"${cross}objcopy" --only-section=.BTF --only-section=.BTF_ids \
		"$out/vmlinux" "$out/vmlinux.btf" 2>/dev/null
	{
		cat <<-EOF
		dir /dev 0755 0 0
		nod /dev/console 0600 0 0 c 5 1
		dir /proc 0755 0 0
		dir /sys 0755 0 0
		file /init $out/cross-init 0755 0 0
		dir /tp 0755 0 0
		file /tp/test_progs $tp/test_progs 0755 0 0
		file /tp/bpf_testmod.ko $tp/bpf_testmod.ko 0644 0 0
		file /tp/vmlinux $out/vmlinux.btf 0644 0 0
		file /tp/args.jit1 $out/args.jit1 0644 0 0
		file /tp/args.jit0 $out/args.jit0 0644 0 0
		EOF
		for f in "$tp"/*.bpf.o; do
			echo "file /tp/${f##*/} $f 0644 0 0"
		done
	} >"$out/initramfs.list"
	"$out/gen_init_cpio" "$out/initramfs.list" >"$out/initramfs.cpio"
}
tp_args 1 >"$out/args.jit1"
tp_args 0 >"$out/args.jit0"
logged "$step-initramfs" initramfs

# QEMU TCG; init powers off after test_progs.
timeout=${KFS_CROSS_TIMEOUT:-1200}
boot_log=$KFS_LOGS/$step-boot.log
boot() {
	local rc=0

	timeout "$timeout" "${qemu[@]}" \
		-nographic -no-reboot -kernel "$out/$image" \
		-initrd "$out/initramfs.cpio" \
		-append "console=$console panic=-1 oops=panic loglevel=4 kfs.kfunc_jit=$kfunc_jit" \
		</dev/null || rc=$?
	[ "$rc" -ne 124 ] || echo "ERROR: qemu timed out after ${timeout}s"
	grep -a -q 'KFS-CROSS: PASS' "$boot_log" || {
		grep -a 'KFS-CROSS: FAIL' "$boot_log" | sed 's/^/ERROR: guest: /' || true
		echo "ERROR: no 'KFS-CROSS: PASS' line on the console (qemu exit $rc)"
		return 1
	}
	grep -a -q 'KFS-CROSS: test_progs jit=0: exit' "$boot_log" || {
		echo "ERROR: test_progs did not finish with the JIT off (qemu exit $rc)"
		return 1
	}
}
t0=$(date +%s)
logged "$step-boot" boot
t_boot=$(( $(date +%s) - t0 ))
msg "$step-boot: $(grep -a -o 'KFS-CROSS: PASS.*' "$boot_log" | tr -d '\r')"

# The JITed code of test_epilogue, disassembled, next to the boot log.
jit_asm() {
	local name=$1 hex bin=$out/jited-$1.bin

	hex=$(grep -a -o "KFS-CROSS: jited $name: [0-9a-f]*" "$boot_log" |
	      awk '{ print $4 }' | tr -d '\r\n')
	[ -n "$hex" ] || return 0
	printf '%s' "$hex" | xxd -r -p >"$bin"
	case "$karch" in
	arm64)	"${cross}objdump" -D -b binary -m aarch64 "$bin" ;;
	arm)	"${cross}objdump" -D -b binary -m arm "$bin" ;;
	i386)	"${cross}objdump" -D -b binary -m i386 "$bin" ;;
	powerpc) "${cross}objdump" -D -b binary -m powerpc:common64 -EL "$bin" ;;
	s390)	"${cross}objdump" -D -b binary -m s390:64-bit "$bin" ;;
	mips)	"${cross}objdump" -D -b binary -m mips:isa64r2 -EL "$bin" ;;
	esac >"$KFS_LOGS/$step-jited-$name.txt"
	msg "$step-boot: $name's JITed code ($(stat -c %s "$bin") bytes) disassembled: $KFS_LOGS/$step-jited-$name.txt"
}
jit_asm test_epilogue

# test_progs' summary with the JIT on and off: "T/S passed, K skipped,
# F failed": T tests (S subtests) passed, as test_progs counts them.
tp_result() {
	local jit=$1

	awk -v b="KFS-CROSS: test_progs jit=$jit: begin" \
	    -v e="KFS-CROSS: test_progs jit=$jit: exit" '
		index($0, b) { on = 1; next }
		index($0, e) { on = 0 }
		on && /^Summary:/ { gsub(/[,\/]/, " "); print $2 "/" $3, $5, $7; exit }
	' "$boot_log" | tr -d '\r'
}
bad=0
results=()
for jit in 1 0; do
	read -r p s f < <(tp_result $jit) || true
	mode=$([ "$jit" = 1 ] && echo "JIT on" || echo "JIT off")
	if [ -z "${p:-}" ]; then
		msg "$step: test_progs with the $mode printed no summary (log: $boot_log)"
		bad=1
		results+=("no summary")
		continue
	fi
	msg "$step: test_progs with the $mode: $p tests/subtests passed, $s skipped, $f failed"
	results+=("$p/$s/$f")
	if [ "$f" -ne 0 ]; then
		grep -a -E '^#[0-9/]+ +[a-z0-9_/]+:FAIL' "$boot_log" | tr -d '\r' >&2 || true
		bad=1
	fi
done
printf '%s|%s|%s|%s|%s|%s|%s|%s\n' "$arch" "$t_build" "$vmlinux_sets" \
	"$testmod_sets" "booted, ${t_boot}s" "${results[0]}" "${results[1]}" \
	"$(( $(date +%s) - t_start ))" >"$out/result"
[ "$bad" -eq 0 ] || die "$step: test_progs failed (log: $boot_log)"
msg "$step: all done in $(( $(date +%s) - t_start ))s"
