#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# build-selftests.sh FLAVOUR: build bpf_testmod.ko, test_progs, veristat and
# test_verifier from $KSRC's tools/testing/selftests/bpf against the kernel
# in build/out/FLAVOUR, into build/selftests/FLAVOUR.  BPF objects are built
# with clang-16; the lto flavours build the module with their kernel's LLVM.
# KFS_SELFTESTS_ONLY=A,B: a test_progs of these tests alone, built from a
# copy of what they need (mini-tree.sh), as make spread does on every
# base: the series' own tests, without building the base's (6.1.170's
# test_global_func10.c uses a __msg its bpf_misc.h does not have yet).
. "$(dirname "$0")/../lib.sh"

flavor=${1:-gcc}
flavor_check "$flavor"
kout=$(kfs_out "$flavor")
out=$KFS_BUILD/selftests/$flavor
[ -f "$kout/vmlinux" ] || die "selftests-$flavor: no $kout/vmlinux; build the kernel first"
mkdir -p "$out"

smake=(make -C "$KSRC/tools/testing/selftests/bpf" -j"$(nproc)"
       OUTPUT="$out" VMLINUX_BTF="$kout/vmlinux" KDIR="$kout"
       CLANG=clang-16 LLC=llc-16 LLVM_STRIP=llvm-strip-16)
# lto13: clang-13's objects do not link with Debian's PIE-default ld, so
# the selftests' own programs are built with LLVM 16, and bpf_testmod,
# below, with the kernel's LLVM 13.
case "$flavor" in
lto*) smake+=(LLVM=-16) ;;
esac
# test_progs.o depends on the tests.h of the tests it was built with by
# time only: built once with KFS_SELFTESTS_ONLY and once without (or with
# other tests), it would keep the other list.  The list it was built with
# is kept in .kfs-only, and test_progs built again when it changes.
if [ "$(cat "$out/.kfs-only" 2>/dev/null)" != "${KFS_SELFTESTS_ONLY:-}" ]; then
	rm -f "$out/test_progs" "$out/test_progs.o"
fi
echo "${KFS_SELFTESTS_ONLY:-}" >"$out/.kfs-only"
if [ -n "${KFS_SELFTESTS_ONLY:-}" ]; then
	# shellcheck source=harness/build/mini-tree.sh
	. "$KFS_HARNESS/build/mini-tree.sh"
	IFS=, read -ra only <<<"$KFS_SELFTESTS_ONLY"
	mini_tree "selftests-$flavor" "$KSRC/tools/testing/selftests/bpf" \
		"$out/src" "${only[@]}"
	# First in the -I list, so that <prog_tests/tests.h> is the copy's.
	case "$flavor" in lto*) mcc=clang-16 ;; *) mcc=gcc ;; esac
	smake+=(CC="$mcc -I$out/src" "${mini_make[@]}")
	msg "selftests-$flavor: test_progs of ${#only[@]} tests: $KFS_SELFTESTS_ONLY"
fi

# 6.1's Makefile links urandom_read against "liburandom_read.so" relative to
# the source directory, which only works without OUTPUT=: point that name
# at this flavour's library.
ln -sfn "$out/liburandom_read.so" \
	"$KSRC/tools/testing/selftests/bpf/liburandom_read.so"

# lto13: bpf_testmod first, with LLVM 13 like its kernel, newer than what
# the selftests' rule for it depends on, so that their make keeps it.
if [ "$flavor" = lto13 ]; then
	tm=$KSRC/tools/testing/selftests/bpf/bpf_testmod
	rm -f "$tm/bpf_testmod.ko"
	logged "selftests-$flavor-testmod" make -C "$kout" M="$tm" LLVM=-13 \
		-j"$(nproc)" modules
	cp "$tm/bpf_testmod.ko" "$out/bpf_testmod.ko"
fi

logged "selftests-$flavor" "${smake[@]}" \
	"$out/bpf_testmod.ko" "$out/test_verifier" "$out/test_progs" \
	"$out/veristat"

# core_reloc_btfgen runs ./bpftool; 6.1's Makefile links that name into
# the source directory, not OUTPUT.
ln -sfn "$out/tools/sbin/bpftool" "$out/bpftool"

# The randomized programs of generated code (guest-tests.sh's fuzz suite).
"$KFS_HARNESS/bench/fuzz.sh" --compile "$flavor"

# kfunc_annotation/kfunc_sets reads the running kernel's kfunc sets from its
# image, looked for next to test_progs first.
ln -sfn "$kout/vmlinux" "$out/vmlinux"
