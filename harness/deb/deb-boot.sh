#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# deb-boot.sh: boot build/deb/rootfs.img (harness/deb/deb-rootfs.sh) under QEMU
# (TCG, no KVM needed) from its own disk: the kernel and the initrd are
# those the packages installed in its /boot (read out of the image with
# debugfs), the root is the image itself on virtio-blk, through a qcow2
# overlay so that the image stays as built.  systemd runs the guest test
# (harness/deb/deb-guest.sh) and powers off.  The test's output, from the
# second serial port, is printed and kept in build/deb/guest.out, the
# kernel and systemd log in build/deb/console.log.  Fails unless the
# guest says KFS-DEB-RC=0, or on a kernel splat, or past KFS_DEB_TIMEOUT
# seconds (2400).
. "$(dirname "$0")/../lib.sh"

D=$KFS_BUILD/deb
img=$D/rootfs.img
boot=$D/boot
timeout=${KFS_DEB_TIMEOUT:-2400}
krelease=$(sed -n 's/^VERSION = //p; s/^PATCHLEVEL = //p; s/^SUBLEVEL = //p' \
	"$KSRC/Makefile" | paste -sd.)-kfunc-series

[ -f "$img" ] || die "deb-boot: no $img; run 'make deb-boot' (harness/deb/deb-rootfs.sh)"
command -v qemu-system-x86_64 >/dev/null || need_pkgs deb-boot qemu-system-x86
need_pkgs deb-boot e2fsprogs qemu-utils

rm -rf "$boot"
mkdir -p "$boot"
for f in "vmlinuz-$krelease" "initrd.img-$krelease"; do
	debugfs -R "dump /boot/$f $boot/$f" "$img" 2>/dev/null
	[ -s "$boot/$f" ] || die "deb-boot: $img has no /boot/$f"
done
qemu-img create -q -f qcow2 -F raw -b "$img" "$boot/run.qcow2"

append="console=ttyS0 root=/dev/vda rw panic=-1"
msg "deb-boot: booting $krelease from ${img#"$KFS_BUILD"/} (TCG, timeout ${timeout}s)"
t0=$(date +%s)
rc=0
timeout --signal=KILL "$timeout" qemu-system-x86_64 \
	-nodefaults -no-reboot -display none \
	-machine pc -accel tcg,thread=multi -cpu max,la57=off -smp 2 -m 2G \
	-kernel "$boot/vmlinuz-$krelease" -initrd "$boot/initrd.img-$krelease" \
	-append "$append" \
	-drive file="$boot/run.qcow2",format=qcow2,if=virtio \
	-serial file:"$D/console.log" -serial stdio </dev/null |
	tr -d '\r' | tee "$D/guest.out" || rc=$?
dt=$(( $(date +%s) - t0 ))
rm -f "$boot/run.qcow2"

splat='WARNING:|BUG:|Oops|Kernel panic|general protection fault'
if grep -Eq "$splat" "$D/console.log"; then
	grep -E -A 20 "$splat" "$D/console.log" | head -n 40 >&2
	die "deb-boot: kernel splat in the guest log ($D/console.log) after ${dt}s"
fi
[ "$rc" -ne 137 ] || { tail -n 20 "$D/console.log" >&2; die "deb-boot: guest did not finish within ${timeout}s"; }
grep -q '^KFS-DEB-RC=' "$D/guest.out" || {
	tail -n 30 "$D/console.log" >&2
	die "deb-boot: the guest test did not run to its end (QEMU exit $rc); console: $D/console.log"
}
msg "deb-boot: $(grep '^KFS-DEB-RESULT' "$D/guest.out") in ${dt}s"
grep -q '^KFS-DEB-RC=0' "$D/guest.out" || die "deb-boot: guest test failed; output: $D/guest.out"
