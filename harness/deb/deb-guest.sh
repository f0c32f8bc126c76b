#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# deb-guest.sh [TTY]: the guest side of make deb-boot, in the Debian 12
# rootfs that harness/deb/deb-rootfs.sh builds, as /usr/local/sbin/kfs-deb-guest
# (run once at boot by kfs-deb-guest.service, which then powers off).  Uses
# only what the Debian packages installed: no harness, no host share.
#
#   1. the kernel runs from the packages: uname -r, dpkg's versions
#   2. Debian's bpftool 7.1 loads SCHED_CLS programs that call a kfunc of
#      vmlinux and two KF_IMPLICIT_ARGS kfuncs, runs them
#      (BPF_PROG_TEST_RUN); the same through a loader on libbpf 1.1,
#      compiled here with gcc against libbpf-dev
#   3. an out-of-tree module that defines a kfunc and a KF_IMPLICIT_ARGS
#      kfunc, built and installed by DKMS against linux-headers: first the
#      package as bindeb-pkg makes it (no vmlinux: no module BTF, the module
#      loads but cannot register its kfuncs, libbpf cannot find them), then
#      make deb's
#      (module BTF; BPF programs call both kfuncs); between them, the stock
#      package with /sys/kernel/btf/vmlinux linked in as vmlinux
#
# Output on TTY (the second serial port), ending with
# "KFS-DEB-RESULT: N passed, N failed" and "KFS-DEB-RC=rc".
set -o nounset -o pipefail

[ $# -eq 0 ] || exec >"$1" 2>&1
K=/root/kfs
r=$(uname -r)
want=$(cat "$K/release")
pass=0
fail=0
t0=$(date +%s)

step() {
	printf '\n=== [%3ds] %s\n' $(( $(date +%s) - t0 )) "$*"
}
ok() {
	echo "PASS: $*"
	pass=$((pass + 1))
}
bad() {
	echo "FAIL: $*"
	fail=$((fail + 1))
}
# run CMD...: show CMD and its output, return its status
run() {
	echo "# $*"
	"$@"
}

# bpftool_run OBJ DIR NAME=N[+id]...: bpftool prog loadall OBJ, pinned in
# DIR; each NAME run with bpftool prog run; its "Return value" checked.
bpftool_run() {
	local obj=$1 dir=$2 spec name val id got want

	shift 2
	rm -rf "$dir"
	if ! run bpftool prog loadall "$obj" "$dir"; then
		bad "bpftool: $obj does not load"
		return
	fi
	for spec; do
		name=${spec%%=*}
		val=${spec#*=}
		id=$(bpftool prog show pinned "$dir/$name" | sed -n 's/^\([0-9]*\): .*/\1/p')
		got=$(run bpftool prog run pinned "$dir/$name" data_in "$K/pkt" repeat 1 | tee /dev/stderr |
		      sed -n 's/^Return value: \([0-9]*\).*/\1/p')
		want=${val%+id}
		[ "$want" = "$val" ] || want=$((want + id))
		if [ "$got" = "$want" ]; then
			ok "bpftool: $name (prog id $id) returned $got"
		else
			bad "bpftool: $name (prog id $id) returned '$got', expected $want"
		fi
	done
	rm -rf "$dir"
}

# dkms_log: the log of the last DKMS build: DKMS keeps it in the build
# area when the build fails, in the kernel's log/ directory when it passes.
dkms_log() {
	local f=/var/lib/dkms/kfs-kfunc/1.0/build/make.log

	[ -f "$f" ] || f=/var/lib/dkms/kfs-kfunc/1.0/$r/$(uname -m)/log/make.log
	echo "$f"
}

# dkms_module: remove kfs-kfunc from DKMS, add it, build and install it for
# this kernel; show the module's BTF lines of the build log.
dkms_module() {
	local rc=0

	dkms remove kfs-kfunc/1.0 --all >/dev/null 2>&1
	rm -rf /var/lib/dkms/kfs-kfunc
	run dkms add kfs-kfunc/1.0 || return 1
	run dkms install kfs-kfunc/1.0 -k "$r" || rc=$?
	echo "--- $(dkms_log) (BTF lines)"
	grep -E 'BTF|btf' "$(dkms_log)"
	return $rc
}

# module_btf: whether the installed kfs_kfunc.ko has a .BTF section
module_btf() {
	local ko

	ko=$(modinfo -n kfs_kfunc) || return 1
	echo "# readelf -S $ko | grep BTF"
	readelf -S "$ko" | grep -E '\]\s+\.BTF\s' || { echo "(no .BTF section)"; return 1; }
}

mountpoint -q /sys/fs/bpf || mount -t bpf bpf /sys/fs/bpf
head -c 64 /dev/zero >"$K/pkt"

step "1. the kernel of the packages"
run uname -a
run dpkg-query -W -f '${Package} ${Version} ${Installed-Size}KiB\n' \
	"linux-image-$r" "linux-headers-$r" linux-libc-dev
if [ "$r" = "$want" ] && dpkg-query -W "linux-image-$r" >/dev/null; then
	ok "uname -r is $r, the release of the installed linux-image-$r"
else
	bad "uname -r is $r, expected $want"
fi

step "2a. Debian's bpftool: vmlinux kfuncs, one KF_IMPLICIT_ARGS"
run bpftool version
bpftool_run "$K/kfs-vmlinux.bpf.o" /sys/fs/bpf/kfs plain=3 implicit_add=7+id prog_id=0+id

step "2b. a loader on Debian's libbpf 1.1, built here"
run dpkg-query -W libbpf1 libbpf-dev gcc-12
if run gcc -O2 -Wall -o /tmp/kfs-load "$K/kfs-load.c" -lbpf; then
	if run /tmp/kfs-load "$K/kfs-vmlinux.bpf.o" plain=3 implicit_add=7+id prog_id=0+id; then
		ok "libbpf: the vmlinux kfuncs return what they should"
	else
		bad "libbpf: kfs-vmlinux.bpf.o"
	fi
else
	bad "gcc: kfs-load.c against libbpf-dev"
fi

step "3a. DKMS, linux-headers as bindeb-pkg makes it"
run dpkg -i "$K"/stock/linux-headers-"$r"_*.deb
run ls "/lib/modules/$r/build/vmlinux" "/lib/modules/$r/build/tools/bpf/resolve_btfids/resolve_btfids"
run dpkg-query -W dkms dwarves
if ! dkms_module; then
	bad "dkms: kfs-kfunc does not build with the stock headers"
elif grep -q 'Skipping BTF generation for .*kfs_kfunc.ko due to unavailability of vmlinux' \
	"$(dkms_log)" && ! module_btf; then
	ok "stock headers: the module builds without BTF (no vmlinux in the package)"
else
	bad "stock headers: expected 'Skipping BTF generation' and no .BTF"
fi
# 6.1's register_btf_kfunc_id_set() only warns for a module without BTF
# and returns 0: the module loads, its kfuncs are not registered.
dmesg -C
run modprobe kfs_kfunc || bad "stock headers: modprobe kfs_kfunc failed"
echo "# dmesg"
dmesg | tail -n 5
if dmesg | grep 'missing module BTF, cannot register kfuncs' >/dev/null; then
	ok "stock headers: the module loads, its kfuncs unregistered (missing module BTF)"
else
	bad "stock headers: no 'missing module BTF' warning"
fi
if run /tmp/kfs-load "$K/kfs-module.bpf.o" mod_add=1011 mod_prog_id=7000+id 2>&1 |
   tee /tmp/kfs-load.out; then
	bad "stock headers: a program called the kfunc of a module without BTF"
elif grep -q "extern (func ksym) 'kfs_dkms_add': not found in kernel or module BTFs" \
	/tmp/kfs-load.out; then
	ok "stock headers: libbpf cannot resolve the module's kfunc; the verifier never sees the program"
else
	bad "stock headers: the program failed to load for another reason"
fi
rmmod kfs_kfunc

step "3b. the same headers with the running kernel's BTF as vmlinux"
# The workaround found on the web (ln -s /sys/kernel/btf/vmlinux into the
# headers): pahole takes raw BTF, but 6.1's Makefile.modfinal then runs
# resolve_btfids, which the package does not have either.
run ln -s /sys/kernel/btf/vmlinux "/lib/modules/$r/build/vmlinux"
if dkms_module; then
	bad "stock headers and a vmlinux link: the module built"
elif grep -q 'resolve_btfids: No such file or directory\|resolve_btfids: not found' \
	"$(dkms_log)"; then
	ok "stock headers and a vmlinux link: the build fails, no resolve_btfids"
else
	bad "stock headers and a vmlinux link: failed for another reason"
fi
echo "--- make.log (last lines)"
tail -n 6 "$(dkms_log)"
rm -f "/lib/modules/$r/build/vmlinux"

step "3c. DKMS, make deb's linux-headers (vmlinux, resolve_btfids)"
run dpkg -i "$K"/btf/linux-headers-"$r"_*.deb
run ls -l "/lib/modules/$r/build/vmlinux" "/lib/modules/$r/build/tools/bpf/resolve_btfids/resolve_btfids"
objcopy -O binary --only-section=.BTF "/lib/modules/$r/build/vmlinux" /tmp/vmlinux.btf
if run cmp /tmp/vmlinux.btf /sys/kernel/btf/vmlinux; then
	ok "the .BTF of the package's vmlinux is the running kernel's /sys/kernel/btf/vmlinux"
else
	bad "the package's vmlinux BTF differs from the running kernel's"
fi
if dkms_module && grep -q 'BTF \[M\] .*kfs_kfunc.ko' "$(dkms_log)" &&
   module_btf; then
	ok "make deb's headers: DKMS builds the module with BTF"
else
	bad "make deb's headers: no module BTF"
fi
dmesg -C
if run modprobe kfs_kfunc; then
	ok "the module registers its kfuncs"
	run bpftool btf show name kfs_kfunc 2>/dev/null || run bpftool btf show | grep kfs_kfunc
	# KF_IMPLICIT_ARGS: resolve_btfids of the package rewrote the BTF:
	# kfs_dkms_prog_id without its aux, kfs_dkms_prog_id_impl with it.
	# Split BTF: a prototype that vmlinux has too is vmlinux's, by id.
	{ bpftool btf dump file /sys/kernel/btf/vmlinux
	  bpftool btf dump file /sys/kernel/btf/kfs_kfunc; } >/tmp/kfs_kfunc.btf
	btf_ok=1
	for f in "kfs_dkms_add:'a' 'b'" "kfs_dkms_prog_id:'mul'" \
		 "kfs_dkms_prog_id_impl:'mul' 'aux'"; do
		got=$(awk -v f="'${f%%:*}'" -f "$K/btf-params.awk" \
			/tmp/kfs_kfunc.btf /tmp/kfs_kfunc.btf)
		echo "module BTF: FUNC '${f%%:*}' parameters: $got"
		[ "$got" = "${f#*:}" ] || btf_ok=
	done
	if [ -n "$btf_ok" ]; then
		ok "module BTF: the KF_IMPLICIT_ARGS kfunc without its aux, _impl with it"
	else
		bad "module BTF: parameters of the kfuncs"
	fi
	if run /tmp/kfs-load "$K/kfs-module.bpf.o" mod_add=1011 mod_prog_id=7000+id; then
		ok "libbpf: the module's kfuncs return what they should"
	else
		bad "libbpf: kfs-module.bpf.o"
	fi
	bpftool_run "$K/kfs-module.bpf.o" /sys/fs/bpf/kfsmod mod_add=1011 mod_prog_id=7000+id
	run rmmod kfs_kfunc || bad "rmmod kfs_kfunc"
else
	dmesg | tail -n 5
	bad "make deb's headers: modprobe kfs_kfunc failed"
fi
dmesg | grep -E 'WARNING:|BUG:|Oops|general protection' && bad "kernel splat"

step "done"
echo "KFS-DEB-RESULT: $pass passed, $fail failed"
echo "KFS-DEB-RC=$([ "$fail" -eq 0 ] && echo 0 || echo 1)"
