#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# build-kernel.sh FLAVOUR: configure and build the kernel in $KSRC out of
# tree, into build/out/FLAVOUR.  gcc: GCC, a debug kernel (debug.config);
# lto: Clang ThinLTO (LLVM=-16), production-like; lto13: the same with
# LLVM=-13, the oldest LLVM Debian 12 ships (make llvm-min).  All use ccache
# and otherwise the same config fragments, on allnoconfig or, with
# KCONFIG=/path/to/.config, on that config.  KFS_CONFIG_ONLY=1 stops after
# the config.
. "$(dirname "$0")/../lib.sh"

flavor=${1:-gcc}
flavor_check "$flavor"
out=$(kfs_out "$flavor")
cfg=$KFS_HARNESS/config
[ -f "$KSRC/Makefile" ] || die "kernel: no kernel tree at $KSRC"
mkdir -p "$out"

export CCACHE_BASEDIR=$KFS_ROOT CCACHE_NOHASHDIR=1
kmake=(make -C "$KSRC" O="$out" -j"$(nproc)")
frags=("$cfg/vm.config" "$KSRC/tools/testing/selftests/bpf/config"
       "$cfg/selftests.config")
case "$flavor" in
gcc)	kmake+=(CC="ccache gcc")
	frags+=("$cfg/debug.config") ;;
lto)	kmake+=(LLVM=-16 CC="ccache clang-16")
	frags+=("$cfg/lto.config") ;;
lto13)	kmake+=(LLVM=-13 CC="ccache clang-13")
	frags+=("$cfg/lto.config") ;;
esac

# Every option our own fragments ask for must have survived olddefconfig
# (verify_config, lib.sh).
checked=("$cfg/vm.config" "$cfg/selftests.config")
case "$flavor" in
gcc)	checked+=("$cfg/debug.config") ;;
lto*)	checked+=("$cfg/lto.config") ;;
esac

# The configuration: allnoconfig plus the fragments (kfs_configure, lib.sh);
# with KCONFIG=/path/to/.config (lib.sh), that config plus the fragments.
# kconfig.config first undoes what such a config sets that would keep a
# fragment's option from taking.
start=() hint='' fhint=''
if [ -n "${KCONFIG:-}" ]; then
	start=(--from "$KCONFIG")
	frags=("$cfg/kconfig.config" "${frags[@]}")
	checked=("$cfg/kconfig.config" "${checked[@]}")
	hint="; an option of KCONFIG=$KCONFIG rules them out (CONFIG_DEBUG_INFO_SPLIT=y rules out CONFIG_DEBUG_INFO_BTF, for one): change it there"
	fhint="; set those options to \"\" in KCONFIG=$KCONFIG (a distribution's package build provides such files) or add the files"
	msg "config-$flavor: starting from KCONFIG=$KCONFIG, not allnoconfig"
fi
logged "config-$flavor" kfs_configure "${start[@]}" "$out" "${frags[@]}"
verify_config "$out" "${checked[@]}" ||
	die "config-$flavor: options above did not take effect$hint"
config_files "$out" ||
	die "config-$flavor: files above that the build reads are missing$fhint"
# KFS_CONFIG_ONLY=1: stop with the config written and verified
# (harness/tests/kconfig.sh).
if [ "${KFS_CONFIG_ONLY:-0}" = 1 ]; then
	msg "config-$flavor: ${out#"$KFS_ROOT"/}/.config, $(grep -c '^CONFIG_.*=[ym]$' "$out/.config") options set; not built (KFS_CONFIG_ONLY=1)"
	exit 0
fi
logged "kernel-$flavor" "${kmake[@]}" all
msg "kernel-$flavor: $(stat -c %s "$out/arch/x86/boot/bzImage") bytes bzImage, $(grep -c '^CONFIG_.*=[ym]$' "$out/.config") options set"
