#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# deb-rootfs.sh: the Debian 12 system that make deb-boot boots: a rootfs
# from the mirror apt is configured with (mmdebstrap, minbase, systemd),
# make deb's packages installed into it with dpkg (which runs the kernel
# hooks: initramfs-tools writes the initrd), the guest test
# (harness/deb/deb-guest.sh, harness/deb/deb-guest/) and what it needs, written
# as an ext4 image with mke2fs -d (no mount, no loop device):
# build/deb/rootfs.img.  Needs root (mmdebstrap's root mode: chroot).
#
# The guest's BPF objects are compiled here with clang-16 on a vmlinux.h
# that Debian's bpftool dumps from the packaged kernel's BTF.  Downloaded
# .debs are kept in build/deb/apt-cache for the next run.
#
# deb-rootfs.sh --customize ROOT is mmdebstrap's customize hook.
. "$(dirname "$0")/../lib.sh"

D=$KFS_BUILD/deb
KFS_LOGS=$D/logs
G=$KFS_HARNESS/deb/deb-guest
# The customize hook runs this script again: the same paths.
export KFS_BUILD KSRC
mkdir -p "$KFS_LOGS"
krelease=$(sed -n 's/^VERSION = //p; s/^PATCHLEVEL = //p; s/^SUBLEVEL = //p' \
	"$KSRC/Makefile" | paste -sd.)-kfunc-series

# What the guest test runs on, besides minbase: systemd as init, udev,
# initramfs-tools (the kernel package's postinst makes the initrd with it),
# kmod; bpftool 7.1, libbpf 1.1 and gcc for the loader; DKMS, make,
# dwarves (pahole) and openssl (DKMS signs what it builds) for the module;
# binutils (objcopy, readelf) and e2fsprogs (fsck of the root).
KFS_DEB_GUEST_PKGS=systemd-sysv,udev,initramfs-tools,kmod,bpftool,libbpf1
KFS_DEB_GUEST_PKGS+=,libbpf-dev,gcc,make,libc6-dev,dkms,dwarves,openssl
KFS_DEB_GUEST_PKGS+=,binutils,e2fsprogs

# customize ROOT: install the packages with dpkg, the guest test and its
# files, enable it.
customize() {
	local root=$1 k=$1/root/kfs

	mkdir -p "$k/stock" "$k/btf"
	cp "$D"/debs/linux-image-"$krelease"_*.deb "$D"/debs/linux-headers-"$krelease"_*.deb \
	   "$D"/debs/linux-libc-dev_*.deb "$k/"
	cp "$D"/debs/linux-headers-"$krelease"_*.deb "$k/btf/"
	cp "$D"/stock/linux-headers-"$krelease"_*.deb "$k/stock/"
	# As a user installs them: one dpkg -i.  linux-libc-dev replaces
	# Debian's (same kernel, a higher version).
	chroot "$root" sh -c 'dpkg -i /root/kfs/*.deb' || return 1
	rm -f "$k"/*.deb
	[ -f "$root/boot/initrd.img-$krelease" ] ||
		{ echo "no /boot/initrd.img-$krelease: initramfs-tools did not run"; return 1; }
	echo "$krelease" >"$k/release"
	cp "$D"/guest/*.bpf.o "$G/kfs-load.c" "$KFS_HARNESS/tests/btf-params.awk" "$k/"
	install -m 755 "$KFS_HARNESS/deb/deb-guest.sh" "$root/usr/local/sbin/kfs-deb-guest"
	mkdir -p "$root/usr/src/kfs-kfunc-1.0"
	cp "$G/kfs_kfunc.c" "$G/Kbuild" "$G/dkms.conf" "$root/usr/src/kfs-kfunc-1.0/"
	cp "$G/kfs-deb-guest.service" "$root/etc/systemd/system/"
	chroot "$root" systemctl enable kfs-deb-guest.service
	# The time under TCG goes to the test, not to timers.
	chroot "$root" systemctl mask apt-daily.timer apt-daily-upgrade.timer \
		e2scrub_all.timer e2scrub_reap.service fstrim.timer >/dev/null 2>&1 || true
	printf '/dev/vda / ext4 errors=remount-ro 0 1\n' >"$root/etc/fstab"
	echo kfs-deb >"$root/etc/hostname"
	chroot "$root" passwd -d root
}

if [ "${1:-}" = --customize ]; then
	customize "$2"
	exit
fi

[ "$(id -u)" -eq 0 ] || die "deb-rootfs: needs root (mmdebstrap chroots into the rootfs)"
need_pkgs deb-rootfs mmdebstrap e2fsprogs clang-16 bpftool libbpf-dev
for f in "$D"/debs/linux-image-"$krelease"_*.deb "$D"/debs/linux-headers-"$krelease"_*.deb \
	 "$D"/stock/linux-headers-"$krelease"_*.deb "$D/out/vmlinux"; do
	[ -f "$f" ] || die "deb-rootfs: no $f; run 'make deb' first"
done

# The BPF objects: vmlinux.h from the packaged kernel's BTF.
build_bpf() {
	mkdir -p "$D/guest"
	bpftool btf dump file "$D/out/vmlinux" format c >"$D/guest/vmlinux.h"
	for p in kfs-vmlinux kfs-module; do
		clang-16 -target bpf -O2 -g -Wall -D__TARGET_ARCH_x86 -I "$D/guest" \
			-c "$G/$p.bpf.c" -o "$D/guest/$p.bpf.o" || return 1
	done
}
logged deb-bpf build_bpf

# The mirror: apt's own sources (deb.debian.org through this machine's
# apt configuration), else deb.debian.org.
mirrors=()
if [ -f /etc/apt/sources.list.d/debian.sources ]; then
	mirrors=(/etc/apt/sources.list.d/debian.sources)
else
	mirrors=("deb http://deb.debian.org/debian bookworm main"
		 "deb http://deb.debian.org/debian bookworm-updates main"
		 "deb http://deb.debian.org/debian-security bookworm-security main")
fi
mkdir -p "$D/apt-cache"
rm -rf "$D/rootfs"
# shellcheck disable=SC2016 # "$1" is the hooks' own: the rootfs
logged deb-mmdebstrap mmdebstrap --mode=root --variant=minbase \
	--aptopt='APT::Install-Recommends "false"' \
	--include="$KFS_DEB_GUEST_PKGS" \
	--setup-hook='mkdir -p "$1"/var/cache/apt/archives' \
	--setup-hook="sync-in $D/apt-cache /var/cache/apt/archives" \
	--customize-hook="sync-out /var/cache/apt/archives $D/apt-cache" \
	--customize-hook="$KFS_HARNESS/deb/deb-rootfs.sh --customize \"\$1\"" \
	bookworm "$D/rootfs" "${mirrors[@]}"
grep -E '^(Setting up|update-initramfs|I: success)' "$KFS_LOGS/deb-mmdebstrap.log" |
	grep -E 'linux-|initramfs|success' || true

# The disk: ext4, 4 GiB sparse, from the directory.
size=$(( $(du -sm "$D/rootfs" | cut -f1) + 1536 ))
rm -f "$D/rootfs.img"
logged deb-mke2fs mke2fs -q -t ext4 -L kfsroot -d "$D/rootfs" "$D/rootfs.img" "${size}M"
rm -rf "$D/rootfs"
msg "deb-rootfs: ${D#"$KFS_BUILD"/}/rootfs.img, ${size} MiB ($(du -sm "$D/rootfs.img" | cut -f1) MiB used), linux-image-$krelease installed"
