#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# llvm-min.sh: the series built with the oldest LLVM that Debian 12 ships,
# LLVM=-13 (make llvm-min; not in make check: a cold ThinLTO build).  Builds
# the ThinLTO kernel (flavour lto13), checks that vmlinux's .BTF is
# SHF_ALLOC and carries the rewritten KF_IMPLICIT_ARGS kfuncs, builds
# bpf_testmod (its BTF rewritten without objcopy --update-section, which
# llvm-objcopy 13 lacks) and the selftests against it, then boots it and
# runs the kfunc tests.
. "$(dirname "$0")/../lib.sh"

tests=kfunc_call,kfunc_implicit_args,kfunc_annotation,dummy_pe_ops,dummy_pe_ops_fail
need_pkgs llvm-min clang-13 lld-13 llvm-13
"$KFS_HARNESS/build/build-kernel.sh" lto13 || exit 1
kout=$(kfs_out lto13)

flags=$(readelf -S -W "$kout/vmlinux" | awk '$2 == ".BTF" || $3 == ".BTF"' |
	grep -o ' A ' || true)
[ -n "$flags" ] || die "llvm-min: vmlinux's .BTF is not SHF_ALLOC"
msg "llvm-min: vmlinux's .BTF is SHF_ALLOC"
dump=$KFS_BUILD/logs/llvm-min-btf.txt
bpftool btf dump file "$kout/vmlinux" format raw >"$dump" ||
	die "llvm-min: bpftool cannot dump vmlinux's BTF"
why=$(btf_params_check "$dump" bpf_kfunc_call_test_implicit_add "'a' 'b'" \
	"'a' 'b' 'aux'") || die "llvm-min: vmlinux BTF: $why"
msg "llvm-min: bpf_kfunc_call_test_implicit_add(a, b), _impl(a, b, aux) in vmlinux's BTF"

"$KFS_HARNESS/build/build-selftests.sh" lto13 || exit 1
sdir=$KFS_BUILD/selftests/lto13
bpftool btf dump file "$sdir/bpf_testmod.ko" -B "$kout/vmlinux" format raw \
	>"$dump.testmod" || die "llvm-min: bpftool cannot dump bpf_testmod's BTF"
why=$(btf_params_check "$dump.testmod" bpf_testmod_implicit_prog_id "'mul'" \
	"'mul' 'aux'") || die "llvm-min: bpf_testmod BTF: $why"
msg "llvm-min: bpf_testmod_implicit_prog_id(mul), _impl(mul, aux) in bpf_testmod's BTF"

"$KFS_HARNESS/vm/vm-run.sh" -t 1200 -k "$kout/arch/x86/boot/bzImage" \
	-n llvm-min -C "$sdir" -- ./test_progs -a "$tests" ||
	die "llvm-min: the kfunc tests failed on the LLVM 13 kernel"
msg "llvm-min: $tests pass on the LLVM 13 ThinLTO kernel"
