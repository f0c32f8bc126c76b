#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# vm-run.sh [-k BZIMAGE] [-t SECONDS] [-n NAME] [-C DIR] -- CMD...
#
# Boot BZIMAGE under QEMU (TCG, no KVM needed) with the host root shared
# read-only over 9p and run CMD in DIR inside it.  CMD's output is printed
# and kept in build/vm/NAME/output, the kernel log in build/vm/NAME/console.
# Exits with CMD's status; fails if the guest hangs past SECONDS or its
# kernel log shows a splat (WARNING:, BUG:, Oops, KASAN, panic).
. "$(dirname "$0")/../lib.sh"

kernel=$(kfs_out gcc)/arch/x86/boot/bzImage
timeout=900
name=run
cwd=$PWD
while [ $# -gt 0 ]; do
	case "$1" in
	-k) kernel=$2; shift 2 ;;
	-t) timeout=$2; shift 2 ;;
	-n) name=$2; shift 2 ;;
	-C) cwd=$(cd "$2" && pwd) || die "vm: no directory $2"; shift 2 ;;
	--) shift; break ;;
	*) break ;;
	esac
done
[ $# -gt 0 ] || die "vm: usage: vm-run.sh [-k BZIMAGE] [-t S] [-n NAME] [-C DIR] -- CMD..."
[ -r "$kernel" ] || die "vm: no kernel image at $kernel; build it first"
command -v qemu-system-x86_64 >/dev/null || die "vm: qemu-system-x86_64 missing; run 'make deps'"

job=$KFS_BUILD/vm/$name
rm -rf "$job"
mkdir -p "$job"
printf '%s\n' "$cwd" >"$job/cwd"
printf '%q ' "$@" >"$job/cmd"
echo >>"$job/cmd"

# TCG by default: CI has no KVM, and results and timings should not depend
# on it.  KFS_KVM=1 uses KVM where the machine has it.
accel=tcg,thread=multi
# Without 5-level paging, like the machines Debian 12 mostly runs on: under
# LA57, 6.1's KASAN reports a wild access in rcu_is_watching() from the
# first interrupt at boot, base and series alike.
cpu=max,la57=off
[ -n "${KFS_KVM:-}" ] && [ -w /dev/kvm ] && accel=kvm
# KFS_VM_CPUS vCPUs, each a socket of its own: the kernel has no ACPI
# (vm.config), so it finds its CPUs in SeaBIOS's MP table, which lists
# one processor a socket, and QEMU 7.2 makes a plain "-smp 2" one socket
# of two cores: such a guest brought up one CPU, and every baseline and
# make check so far ran on one.  One stays the default: on two, the
# unpatched base's whole test_progs (make baseline) stopped printing
# after test #99 with both vCPUs busy for 35 minutes, and 2 of about 12
# boots died at the first interrupt after the switch to the I/O APIC
# (KASAN: null-ptr-deref in mask_ioapic_irq; README, "The two
# commands").
cpus=${KFS_VM_CPUS:-1}
[[ "$cpus" =~ ^[1-9][0-9]*$ ]] || die "vm: KFS_VM_CPUS must be a number of CPUs (got '$cpus')"
smp=$cpus,sockets=$cpus,cores=1,threads=1
append="console=ttyS0 root=hostroot rootfstype=9p ro"
append+=" rootflags=trans=virtio,version=9p2000.L,msize=262144,cache=loose"
append+=" init=$KFS_HARNESS/vm/guest-init.sh panic=-1 oops=panic"
append+=" no_hash_pointers earlyprintk=serial,ttyS0"

msg "vm($name): booting ${kernel#"$KFS_ROOT"/} ($accel, timeout ${timeout}s): $*"
t0=$(date +%s)
rc=0
timeout --signal=KILL "$timeout" qemu-system-x86_64 \
	-nodefaults -no-reboot -display none \
	-machine pc -accel "$accel" -cpu "$cpu" -smp "$smp" -m 2G \
	-kernel "$kernel" -append "$append" \
	-fsdev local,id=root,path=/,security_model=none,readonly=on,multidevs=remap \
	-device virtio-9p-pci,fsdev=root,mount_tag=hostroot \
	-fsdev local,id=job,path="$job",security_model=none \
	-device virtio-9p-pci,fsdev=job,mount_tag=kfsjob \
	-serial file:"$job/console" -serial stdio </dev/null |
	tee "$job/output" || rc=$?
dt=$(( $(date +%s) - t0 ))

# kfs_progress: what the guest was running last, from guest-tests.sh's
# time-stamped test_progs lines, if it wrote any.
kfs_progress() {
	[ -s "$job/progs.times" ] || return 0
	printf -- '----- last test_progs lines before the end (%s) -----\n' \
		"$job/progs.times" >&2
	tr -d '\r' <"$job/progs.times" | tail -n 8 >&2
}

splat='WARNING:|BUG:|Oops|KASAN|Kernel panic|general protection fault|watchdog: BUG'
if grep -Eq "$splat" "$job/console"; then
	printf -- '----- kernel log around the splat (%s) -----\n' "$job/console" >&2
	grep -E -A 25 "$splat" "$job/console" | head -n 60 >&2
	grep -E -m 1 "$splat" "$job/console" >"$job/splat"
	kfs_progress
	die "vm($name): kernel splat in the guest log after ${dt}s"
fi
if [ "$rc" -eq 137 ]; then
	tail -n 20 "$job/console" >&2
	touch "$job/timedout"
	kfs_progress
	die "vm($name): guest did not finish within ${timeout}s; killed"
fi
if [ ! -f "$job/rc" ]; then
	printf -- '----- last 30 lines of %s -----\n' "$job/console" >&2
	tail -n 30 "$job/console" >&2
	die "vm($name): guest ended without the command's exit status (QEMU exit $rc)"
fi
# The guest must have the CPUs it was given: the parallel test_progs run
# (one worker a CPU) and the races it can show depend on them.
up=$(sed -nE '/smp: Brought up /{s/.* ([0-9]+) CPUs?\r?$/\1/p;q;}' \
	"$job/console")
echo "${up:-?}" >"$job/cpus"
[ -n "$up" ] ||
	die "vm($name): the guest's console has no 'smp: Brought up' line; cannot tell how many of the $cpus CPUs it brought up (console: ${job#"$KFS_ROOT"/}/console)"
[ "$up" = "$cpus" ] ||
	die "vm($name): the guest brought up $up of the $cpus CPUs QEMU gave it (console: ${job#"$KFS_ROOT"/}/console)"
rc=$(cat "$job/rc")
msg "vm($name): command exited with status $rc after ${dt}s"
exit "$rc"
