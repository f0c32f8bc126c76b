#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# PID 1 of the test VM.  The root filesystem is the host's, read-only over
# 9p; the job directory (tag kfsjob) is the only writable share.  Runs
# job/cmd in the directory job/cwd names, with its output on the second
# serial port, stores its exit status in job/rc and reboots (QEMU runs with
# -no-reboot, so it exits).

PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
export PATH HOME=/root TERM=dumb LANG=C
job=/run/kfsjob

say() { echo "kfs-init: $*" >/dev/kmsg; }
fs() { mount -t "$1" "$1" "$2" ${3:+-o "$3"} 2>/dev/null || say "mount $1 on $2 failed"; }

mount -t proc proc /proc
fs sysfs /sys
mount -t devtmpfs devtmpfs /dev 2>/dev/null
fs tmpfs /run mode=755
mkdir -p $job /run/hosttmp /dev/pts /dev/shm
if ! mount -t 9p -o trans=virtio,version=9p2000.L,msize=262144 kfsjob $job; then
	say "cannot mount the job share"
	echo b >/proc/sysrq-trigger
fi
cwd=$(cat $job/cwd)

# A fresh /tmp; but the harness and the job's directory may live under the
# host's /tmp (a clone there, say): keep their top-level entries visible.
mount --bind /tmp /run/hosttmp
fs tmpfs /tmp mode=1777
for p in "$(dirname "$0")" "$cwd"; do
	case "$p" in /tmp/?*) ;; *) continue ;; esac
	top=${p#/tmp/}
	top=${top%%/*}
	[ -e "/tmp/$top" ] && continue
	mkdir -p "/tmp/$top"
	mount --bind "/run/hosttmp/$top" "/tmp/$top" || say "cannot keep /tmp/$top"
done
fs tmpfs /var/tmp mode=1777
fs devpts /dev/pts
fs tmpfs /dev/shm mode=1777
fs debugfs /sys/kernel/debug
fs tracefs /sys/kernel/tracing
fs bpf /sys/fs/bpf
fs cgroup2 /sys/fs/cgroup
ip link set lo up 2>/dev/null || say "lo not up"
hostname kfs-vm 2>/dev/null

say "running job"
if cd "$cwd"; then
	bash $job/cmd </dev/null >/dev/ttyS1 2>&1
	rc=$?
else
	echo "kfs-init: no directory $cwd in the guest" >/dev/ttyS1
	rc=125
fi
echo "$rc" >$job/rc
say "job exited with status $rc"
sync
echo b >/proc/sysrq-trigger
