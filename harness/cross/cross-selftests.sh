#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# cross-selftests.sh ARCH: test_progs of the series' own tests for ARCH
# (harness/cross/cross.sh's architectures), cross-built from $KSRC's
# tools/testing/selftests/bpf against the kernel that cross.sh built in
# build/out/cross-ARCH, static, into build/out/cross-ARCH/selftests.
#
# The selftests' own Makefile does the work (libbpf for ARCH, bpftool and
# resolve_btfids for the host, BPF objects with clang-16 in ARCH's byte
# order, skeletons), on a copy of prog_tests/ and progs/ that holds only
# the tests of cross-tests.list and the programs they open: the whole of
# test_progs would compile some 600 objects per architecture.  libelf and
# zlib for ARCH come from Debian's -dev packages of that architecture
# (dpkg --add-architecture, apt-get download), unpacked into a sysroot of
# the build rather than installed: Debian's multiarch -dev packages cannot
# all be installed at once when the security mirror lacks an architecture.
# shellcheck source=harness/lib.sh
. "$(dirname "$0")/../lib.sh"

arch=${1:?usage: cross-selftests.sh ARCH}
# shellcheck source=harness/cross/cross-arch.sh
. "$KFS_HARNESS/cross/cross-arch.sh"

step=cross-$arch-selftests
kout=$(kfs_out "cross-$arch")
out=$kout/selftests
src=$KSRC/tools/testing/selftests/bpf
[ -f "$kout/vmlinux" ] || die "$step: no $kout/vmlinux; run make cross ARCH=$arch first"
[ -f "$kout/bpf_testmod/bpf_testmod.ko" ] ||
	die "$step: no bpf_testmod.ko in $kout/bpf_testmod; run make cross ARCH=$arch first"

# The sysroot: libelf and zlib of ARCH, unpacked: static for test_progs,
# shared for the libbpf.so that libbpf's 'all' links too (a static libelf
# in a shared object fails on armhf: R_ARM_TLS_LE32).  The .so names are
# links, libz.so's to an absolute /lib path: tested as links.
sysroot=$KFS_BUILD/cross-sysroot/$dpkgarch
sysroot_fill() {
	local d=$sysroot.dl p

	if ! dpkg --print-foreign-architectures | grep -qx "$dpkgarch"; then
		[ "$(id -u)" -eq 0 ] ||
			die "$step: run: dpkg --add-architecture $dpkgarch && apt-get update"
		dpkg --add-architecture "$dpkgarch"
		apt-get update
	fi
	rm -rf "$d" "$sysroot"
	mkdir -p "$d"
	(cd "$d" && apt-get download "libelf-dev:$dpkgarch" "zlib1g-dev:$dpkgarch" \
		"libelf1:$dpkgarch" "zlib1g:$dpkgarch")
	for p in "$d"/*.deb; do
		dpkg-deb -x "$p" "$sysroot"
	done
	rm -rf "$d"
}
if [ ! -f "$sysroot/usr/lib/$multiarch/libelf.a" ] ||
   [ ! -f "$sysroot/usr/lib/$multiarch/libz.a" ] ||
   [ ! -L "$sysroot/usr/lib/$multiarch/libelf.so" ] ||
   [ ! -L "$sysroot/usr/lib/$multiarch/libz.so" ]; then
	logged "$step-sysroot" sysroot_fill
fi
[ -f "$sysroot/usr/lib/$multiarch/libelf.a" ] ||
	die "$step-sysroot: no libelf.a for $dpkgarch in $sysroot"

# The copy: the listed tests and what they need (mini-tree.sh).
# shellcheck source=harness/build/mini-tree.sh
. "$KFS_HARNESS/build/mini-tree.sh"
mapfile -t tests < <(sed -e 's/#.*//' -e '/^[[:space:]]*$/d' \
		       "$KFS_HARNESS/cross/cross-tests.list")
mini_tree "$step" "$src" "$out/src" "${tests[@]}"
mini=$out/src

# The cross compiler, with the sysroot's headers and libraries; first in
# its -I list, so that <prog_tests/tests.h> is the copy's.  No AR: given
# here, it reaches the host libbpf that bpftool's bootstrap links, whose
# make sets CC and LD but not AR, and an archiver of ARCH leaves that
# x86-64 archive without an index ("run ranlib") on armhf; the tools'
# Makefile.include derives AR from CROSS_COMPILE.
cc="${cross}gcc -I$mini -I$sysroot/usr/include -L$sysroot/usr/lib/$multiarch"
export CCACHE_BASEDIR=$KFS_ROOT CCACHE_NOHASHDIR=1
smake=(make -C "$src" -j"$(nproc)" OUTPUT="$out"
       ARCH="$karch" CROSS_COMPILE="$cross" CC="ccache $cc"
       LD="${cross}ld" HOSTCC=gcc HOSTLD=ld HOSTAR=ar
       VMLINUX_BTF="$kout/vmlinux" KDIR="$kout"
       CLANG=clang-16 LLC=llc-16 LLVM_STRIP=llvm-strip-16
       "${mini_make[@]}" TRUNNER_EXTRA_FILES=
       LDLIBS="-static -lelf -lz -lrt -lpthread")
# A big-endian ARCH (s390x): 6.1's libbpf opens and links BPF objects
# only in the host's byte order ("unsupported byte order of ELF file"), so
# the host bpftool cannot make the skeletons of s390x's objects.  A static
# bpftool of ARCH does it instead, under qemu-user.  Its own skeletons
# (bpftool prog's pids) would be built for the host's byte order, so they
# are left out.
if [ "$(echo | "${cross}gcc" -dM -E - | sed -n 's/^#define __BYTE_ORDER__ //p')" = \
     __ORDER_BIG_ENDIAN__ ]; then
	need_pkgs "$step" qemu-user-static
	tbpftool=$out/bpftool-$arch
	mkdir -p "$tbpftool"
	logged "$step-bpftool" make -C "$KSRC/tools/bpf/bpftool" -j"$(nproc)" \
		OUTPUT="$tbpftool/" ARCH="$karch" CROSS_COMPILE="$cross" \
		CC="ccache $cc" LD="${cross}ld" HOSTCC=gcc HOSTLD=ld HOSTAR=ar \
		EXTRA_LDFLAGS=-static feature-clang-bpf-co-re=0 \
		feature-libbfd=0 feature-libcap=0 "$tbpftool/bpftool"
	printf '#!/bin/sh\nexec qemu-%s-static %s "$@"\n' \
	       "${triplet%%-*}" "$tbpftool/bpftool" > "$tbpftool/bpftool-qemu"
	chmod +x "$tbpftool/bpftool-qemu"
	"$tbpftool/bpftool-qemu" version > /dev/null ||
		die "$step-bpftool: $tbpftool/bpftool does not run under qemu-${triplet%%-*}-static"
	smake+=(BPFTOOL="$tbpftool/bpftool-qemu")
fi
logged "$step" "${smake[@]}" "$out/test_progs"
cp "$kout/bpf_testmod/bpf_testmod.ko" "$out/"
msg "$step: $(stat -c %s "$out/test_progs") bytes test_progs ($(file -b "$out/test_progs" | cut -d, -f1-2)), ${#tests[@]} tests, $(find "$out" -maxdepth 1 -name '*.bpf.o' | wc -l) BPF objects"
