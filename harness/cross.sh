#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# cross.sh [ARCH [config]]: cross-build the patched tree in $KSRC for ARCH,
# arm64 (the default), ppc64el or i386, with Debian's cross compilers (the
# host's GCC for i386) and BTF,
# into build/out/cross-ARCH: allnoconfig plus config/cross.config and
# config/cross-ARCH.config, so every kfunc file of 6.1 is built and
# resolve_btfids runs in the vmlinux link; then bpf_testmod.ko against it
# (module BTF, resolve_btfids on a module).  On arm64 and i386, the kernel
# boots under QEMU TCG with an initramfs whose /init (cross-init.c) calls
# a kfunc from a SCHED_CLS program and checks the generated code of
# bpf_dummy_pe_ops through the JIT.  With "config" it stops once the
# configuration is checked.
# Not part of make check.
# shellcheck source=harness/lib.sh
. "$(dirname "$0")/lib.sh"

arch=${1:-arm64}
only=${2:-}
case "$arch" in
arm64)	karch=arm64 cross=aarch64-linux-gnu-
	image=arch/arm64/boot/Image targets=(Image modules)
	# libc6-dev for cross-init.c; qemu-system-arm has qemu-system-aarch64.
	pkgs=(gcc-aarch64-linux-gnu binutils-aarch64-linux-gnu
	      libc6-dev-arm64-cross qemu-system-arm) ;;
ppc64el) karch=powerpc cross=powerpc64le-linux-gnu-
	image=vmlinux targets=(vmlinux modules)
	pkgs=(gcc-powerpc64le-linux-gnu binutils-powerpc64le-linux-gnu) ;;
i386)	karch=i386 cross=
	image=arch/x86/boot/bzImage targets=(bzImage modules)
	# gcc-multilib and libc6-dev-i386 for a static 32-bit cross-init.
	pkgs=(gcc-multilib libc6-dev-i386 qemu-system-x86) ;;
*)	die "cross: unknown architecture '$arch' (expected arm64, ppc64el or i386)" ;;
esac
# The guest, where the arch boots: QEMU, its arguments, the console, and
# the compiler of cross-init.c.
case "$arch" in
arm64)	qemu=(qemu-system-aarch64 -M virt -cpu cortex-a57) console=ttyAMA0
	initcc=(aarch64-linux-gnu-gcc) ;;
i386)	qemu=(qemu-system-i386) console=ttyS0 initcc=(gcc -m32) ;;
*)	qemu=() ;;
esac
case "$only" in
''|config) ;;
*)	die "cross: unknown step '$only' (expected config, or nothing)" ;;
esac
# What the x86 build needs too: pahole (dwarves), resolve_btfids (libelf),
# certs/extract-cert (libssl), the build itself.
pkgs+=(dwarves libelf-dev libssl-dev bc bison flex ccache)

step=cross-$arch
out=$(kfs_out "$step")
cfg=$KFS_HARNESS/config
frags=("$cfg/cross.config" "$cfg/cross-$arch.config")
need_pkgs "$step" "${pkgs[@]}"
[ -f "$KSRC/Makefile" ] || die "$step: no kernel tree at $KSRC"
mkdir -p "$out"

export CCACHE_BASEDIR=$KFS_ROOT CCACHE_NOHASHDIR=1
kmake=(make -C "$KSRC" O="$out" -j"$(nproc)" ARCH="$karch"
       CROSS_COMPILE="$cross" CC="ccache ${cross}gcc")

# section FILE NAME: the address and size (hex) of section NAME of FILE.
section() {
	"${cross}readelf" -S -W "$1" |
	sed -n 's/^ *\[ *[0-9]*\] *//p' | awk -v s="$2" '$1 == s { print $3, $5 }'
}

# kfunc_sets FILE: "N kfunc sets, M kfuncs" in the .BTF_ids of FILE (vmlinux
# or a module) as resolve_btfids left it.  Each BTF_SET8 is a count and
# flags, then an (id, flags) pair per kfunc; resolve_btfids writes the
# count (from the set symbol's size) and the ids.  Fails when a set's count
# was not written (resolve_btfids did not run on it) or an id is 0 (a kfunc
# it could not find in .BTF).  The targets are little-endian, like the
# host od reads with.
kfunc_sets() {
	local f=$1 bin=$1.btf_ids addr size name base off n cnt i zero
	local sets=0 kfuncs=0 bad=0 words

	read -r base _ < <(section "$f" .BTF_ids) || true
	[ -n "${base:-}" ] || { echo "no .BTF_ids section in $f"; return 1; }
	"${cross}objcopy" -O binary --only-section=.BTF_ids "$f" "$bin" ||
		{ echo "cannot extract .BTF_ids from $f"; return 1; }
	mapfile -t words < <(od -A n -t u4 -v -w4 "$bin" | awk '{ print $1 }')
	rm -f "$bin"
	while read -r addr size name; do
		off=$(( (16#$addr - 16#$base) / 4 ))
		n=$(( (16#$size - 8) / 8 ))
		cnt=${words[off]:-0}
		sets=$((sets + 1))
		kfuncs=$((kfuncs + n))
		if [ "$cnt" -ne "$n" ]; then
			echo "set ${name#__BTF_ID__set8__}: count $cnt, not $n: resolve_btfids did not patch it"
			bad=1
			continue
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
	echo "$sets kfunc sets, $kfuncs kfuncs"
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

logged "$step-kernel" "${kmake[@]}" "${targets[@]}"
sizes="$(stat -c %s "$out/vmlinux") bytes vmlinux"
[ "$image" = vmlinux ] || sizes="$(stat -c %s "$out/$image") bytes ${image##*/}, $sizes"
msg "$step-kernel: $sizes"
# An assignment, so that a failed summary stops the script.
res=$(summary "$out/vmlinux" "$KFS_LOGS/$step-kernel.log")
msg "$step-kernel: vmlinux: $res (resolve_btfids ran in the link)"

# bpf_testmod from a copy of its sources: a build in $KSRC would leave
# $ARCH objects next to the x86 ones of build-selftests.sh.
mod=$out/bpf_testmod
mkdir -p "$mod"
src=$KSRC/tools/testing/selftests/bpf/bpf_testmod
cp -p "$src/Makefile" "$src/"*.[ch] "$mod/"
logged "$step-bpf_testmod" "${kmake[@]}" M="$mod" modules
res=$(summary "$mod/bpf_testmod.ko" "$KFS_LOGS/$step-bpf_testmod.log")
msg "$step-bpf_testmod: bpf_testmod.ko: $res"

[ "${#qemu[@]}" -ne 0 ] || exit 0
if ! command -v "${qemu[0]}" >/dev/null; then
	msg "$step-boot: skipped, no ${qemu[0]}"
	exit 0
fi

# The initramfs: /init is cross-init.c, static; a console node so that it
# has stdout.  The tree's gen_init_cpio writes it: no root needed.
initramfs() {
	"${initcc[@]}" -static -O2 -Wall -Werror \
		-o "$out/cross-init" "$KFS_HARNESS/cross-init.c"
	gcc -O2 -o "$out/gen_init_cpio" "$KSRC/usr/gen_init_cpio.c"
	cat >"$out/initramfs.list" <<-EOF
	dir /dev 0755 0 0
	nod /dev/console 0600 0 0 c 5 1
	dir /proc 0755 0 0
	dir /sys 0755 0 0
	file /init $out/cross-init 0755 0 0
	EOF
	"$out/gen_init_cpio" "$out/initramfs.list" >"$out/initramfs.cpio"
}
logged "$step-initramfs" initramfs

# QEMU TCG, 120 s at most; init powers off after its PASS or FAIL line.
boot_log=$KFS_LOGS/$step-boot.log
boot() {
	local rc=0

	timeout 120 "${qemu[@]}" -m 1G \
		-nographic -no-reboot -kernel "$out/$image" \
		-initrd "$out/initramfs.cpio" \
		-append "console=$console panic=-1 oops=panic" </dev/null || rc=$?
	grep -a -q 'KFS-CROSS: PASS' "$boot_log" && return 0
	[ "$rc" -ne 124 ] || echo "ERROR: qemu timed out after 120s"
	grep -a 'KFS-CROSS: FAIL' "$boot_log" | sed 's/^/ERROR: guest: /' || true
	echo "ERROR: no 'KFS-CROSS: PASS' line on the console (qemu exit $rc)"
	return 1
}
logged "$step-boot" boot
msg "$step-boot: $(grep -a -o 'KFS-CROSS: PASS.*' "$boot_log" | tr -d '\r')"
