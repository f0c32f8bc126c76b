#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# vmlinux-h.sh [FLAVOUR]: kfunc prototypes in vmlinux.h as a BPF author on
# Debian 12 uses them (make vmlinux-h; not in make check).  On the host,
# the tree's bpftool dumps bpf_testmod.ko's BTF on top of FLAVOUR's
# vmlinux as C (kfuncs.h: every type and kfunc of both); clang-16 builds
# harness/deb/vmlinux-h.bpf.c, which declares no kfunc, against it and
# Debian's libbpf-dev headers; the loader harness/deb/vmlinux-h.c links
# Debian's libbpf 1.1.  In the VM: without bpf_testmod, the program that
# tests for kfuncs by address (libbpf 1.1 can test only vmlinux's kfuncs
# so: kfuncs.rst); with it, the one that calls a kfunc of
# vmlinux, a KF_IMPLICIT_ARGS one and two of bpf_testmod; and Debian's
# bpftool 7.1 dumps the tagged BTF.  Each result is checked here.
. "$(dirname "$0")/../lib.sh"

flavor=${1:-gcc}
flavor_check "$flavor"
kout=$(kfs_out "$flavor")
sel=$KFS_BUILD/selftests/$flavor
out=$KFS_BUILD/vmlinux-h/$flavor
bpftool=$sel/tools/sbin/bpftool
if [ ! -x "$bpftool" ] || [ ! -f "$sel/bpf_testmod.ko" ]; then
	die "vmlinux-h: no selftests for $flavor; run 'make selftests' first"
fi
[ -f /usr/include/bpf/libbpf.h ] ||
	die "vmlinux-h: no Debian libbpf-dev (apt-get install libbpf-dev)"
mkdir -p "$out"

msg "vmlinux-h($flavor): step 1, dump kfuncs.h with the tree's bpftool"
"$bpftool" btf dump file "$sel/bpf_testmod.ko" -B "$kout/vmlinux" \
	format c >"$out/kfuncs.h" ||
	die "vmlinux-h: step 1: bpftool cannot dump bpf_testmod.ko on vmlinux"
nr=$(grep -c ' __weak __ksym;$' "$out/kfuncs.h" || true)
msg "vmlinux-h($flavor): $nr kfunc prototypes, among them:"
grep -E ' (bpf_kfunc_call_test_implicit_add|bpf_testmod_[a-z_]*)\(.* __ksym;$' \
	"$out/kfuncs.h" | sed 's/^/    /' ||
	die "vmlinux-h: step 1: no prototype of the test kfuncs in kfuncs.h"

msg "vmlinux-h($flavor): step 2, build the program (clang-16) and the loader (libbpf-dev $(dpkg-query -W -f='${Version}' libbpf-dev))"
clang-16 -g -O2 -Werror -target bpf -D__TARGET_ARCH_x86 -I "$out" \
	-c "$KFS_HARNESS/deb/vmlinux-h.bpf.c" -o "$out/vmlinux-h.bpf.o" ||
	die "vmlinux-h: step 2: the program does not build against kfuncs.h"
gcc -O2 -Wall -Werror -o "$out/vmlinux-h" "$KFS_HARNESS/deb/vmlinux-h.c" -lbpf ||
	die "vmlinux-h: step 2: the loader does not build with Debian's libbpf"

cat >"$out/guest.sh" <<GUEST
#!/bin/sh
cd $out
echo "libbpf: \$(readlink -f /usr/lib/x86_64-linux-gnu/libbpf.so.1)"
./vmlinux-h vmlinux-h.bpf.o exists
insmod $sel/bpf_testmod.ko || echo "insmod failed"
./vmlinux-h vmlinux-h.bpf.o calls
/usr/sbin/bpftool version | head -n 1
/usr/sbin/bpftool btf dump file /sys/kernel/btf/vmlinux format c >/tmp/deb.h &&
	echo "debian bpftool: exit 0, \$(wc -l </tmp/deb.h) lines, \$(grep -c '__ksym;' /tmp/deb.h) kfunc prototypes"
echo "bpf_kfunc tags: \$(/usr/sbin/bpftool btf dump file /sys/kernel/btf/vmlinux | grep -c "DECL_TAG 'bpf_kfunc'")"
GUEST
chmod +x "$out/guest.sh"
msg "vmlinux-h($flavor): step 3, run them in the VM"
# the guest's serial console ends its lines with \r\n
if ! "$KFS_HARNESS/vm/vm-run.sh" -t 300 -k "$kout/arch/x86/boot/bzImage" \
	-n "vmlinux-h-$flavor" -- "$out/guest.sh" >"$out/run.raw" 2>&1; then
	tail -n 20 "$out/run.raw"
	die "vmlinux-h: step 3: the VM run failed"
fi
tr -d '\r' <"$out/run.raw" >"$out/run.txt"
grep -vE '^\[ *[0-9]|^\[kfs' "$out/run.txt" | sed 's/^/    /' || true

# exists: vmlinux's kfunc there (1), bpf_testmod's not (0), and only the
# guarded call of the first made: 5 + 6 + the program's id.
fails=0
check() {
	grep -Eq "$1" "$out/run.txt" && return
	echo "vmlinux-h: $2"
	fails=$((fails + 1))
}
id=$(sed -n 's/^exists: id \([0-9]*\) .*/\1/p' "$out/run.txt")
check "^exists: id [0-9]+ retval 0 res 0 $((11 + ${id:-0})) 0 1 0\$" \
	"exists: not 1 for vmlinux's kfunc and 0 for bpf_testmod's"
id=$(sed -n 's/^calls: id \([0-9]*\) .*/\1/p' "$out/run.txt")
check "^calls: id [0-9]+ retval 0 res 3 $((7 + ${id:-0})) $((10 * ${id:-0})) 0 0\$" \
	"calls: not 3, 7 + id and 10 * id"
check "^debian bpftool: exit 0, [0-9]+ lines, 0 kfunc prototypes\$" \
	"Debian's bpftool did not dump the tagged BTF as before"
check "^bpf_kfunc tags: [1-9][0-9]*\$" "no bpf_kfunc tags in the running kernel"
[ "$fails" -eq 0 ] || die "vmlinux-h($flavor): $fails checks failed"
msg "vmlinux-h($flavor): all checks passed"
