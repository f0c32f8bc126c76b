#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# pe-dump.sh: run in the VM, from a selftests output directory, by
#   harness/vm/vm-run.sh -k build/out/gcc/arch/x86/boot/bzImage -n pedump \
#     -C build/selftests/gcc -- bash "$PWD/harness/vm/pe-dump.sh"
# The translated instructions of two bpf_dummy_pe_ops programs (the
# saved context, the epilogue, the kfunc calls) and the JITed image of
# one, disassembled (Debian's bpftool has no libbfd: jited.py reads the
# image); then, with the JIT off, the load of the object, which fails for
# kfunc_only, the program whose epilogue calls a kfunc without fallback.
set -e
here=$(dirname "$0")
mount -t bpf bpf /sys/fs/bpf 2>/dev/null || true
jit=/proc/sys/net/core/bpf_jit_enable
d=/sys/fs/bpf/pe-dump
bpftool prog loadall dummy_pe_ops.bpf.o "$d"
for p in pro_epilogue two_exits; do
	echo "=== bpftool prog dump xlated pinned $d/$p"
	bpftool prog dump xlated pinned "$d/$p"
done
echo "=== JITed image of $d/pro_epilogue"
python3 "$here/jited.py" "$d/pro_epilogue" /tmp/pe-dump.bin
objdump -D -b binary -mi386:x86-64 /tmp/pe-dump.bin | tail -n +8
grep -E ' (bpf_kfunc_dummy_pe_add|bpf_dummy_pe_add|__bpf_call_base)$' /proc/kallsyms
rm -rf "$d"
echo "=== $jit=0: bpftool prog loadall dummy_pe_ops.bpf.o (kfunc_only must fail)"
echo 0 >"$jit"
if bpftool prog loadall dummy_pe_ops.bpf.o "$d-nojit" 2>&1 | grep -E 'cannot call|JIT is required'; then
	rc=0
else
	echo "pe-dump: no load failure for kfunc_only with the JIT off"
	rc=1
fi
echo 1 >"$jit"
exit "$rc"
