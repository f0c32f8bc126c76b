#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# PID 1 of the test VM.  The root filesystem is the host's, read-only over
# 9p; the job directory (tag kfsjob) is the only writable share.  Runs
# job/cmd with its output on the second serial port, stores its exit status
# in job/rc and reboots (QEMU runs with -no-reboot, so it exits).

PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
export PATH HOME=/root TERM=dumb LANG=C

say() { echo "kfs-init: $*" >/dev/kmsg; }
fs() { mount -t "$1" "$1" "$2" ${3:+-o "$3"} 2>/dev/null || say "mount $1 on $2 failed"; }

mount -t proc proc /proc
fs sysfs /sys
mount -t devtmpfs devtmpfs /dev 2>/dev/null
fs tmpfs /tmp mode=1777
fs tmpfs /run mode=755
fs tmpfs /var/tmp mode=1777
mkdir -p /dev/pts /dev/shm /run/kfsjob
fs devpts /dev/pts
fs tmpfs /dev/shm mode=1777
fs debugfs /sys/kernel/debug
fs tracefs /sys/kernel/tracing
fs bpf /sys/fs/bpf
fs cgroup2 /sys/fs/cgroup
ip link set lo up 2>/dev/null || say "lo not up"
hostname kfs-vm 2>/dev/null

job=/run/kfsjob
if ! mount -t 9p -o trans=virtio,version=9p2000.L,msize=262144 kfsjob $job; then
	say "cannot mount the job share"
	echo b >/proc/sysrq-trigger
fi

say "running job"
if cd "$(cat $job/cwd)"; then
	bash $job/cmd </dev/null >/dev/ttyS1 2>&1
	rc=$?
else
	echo "kfs-init: no directory $(cat $job/cwd) in the guest" >/dev/ttyS1
	rc=125
fi
echo "$rc" >$job/rc
say "job exited with status $rc"
sync
echo b >/proc/sysrq-trigger
