#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# cross-selftests.sh ARCH: test_progs of the series' own tests for ARCH
# (harness/cross.sh's architectures), cross-built from $KSRC's
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
. "$(dirname "$0")/lib.sh"

arch=${1:?usage: cross-selftests.sh ARCH}
# shellcheck source=harness/cross-arch.sh
. "$KFS_HARNESS/cross-arch.sh"

step=cross-$arch-selftests
kout=$(kfs_out "cross-$arch")
out=$kout/selftests
src=$KSRC/tools/testing/selftests/bpf
[ -f "$kout/vmlinux" ] || die "$step: no $kout/vmlinux; run make cross ARCH=$arch first"
[ -f "$kout/bpf_testmod/bpf_testmod.ko" ] ||
	die "$step: no bpf_testmod.ko in $kout/bpf_testmod; run make cross ARCH=$arch first"

# The sysroot: libelf and zlib of ARCH, unpacked: static for test_progs,
# shared for the libbpf.so that libbpf's 'all' links too (a static libelf
# in a shared object fails on armhf: R_ARM_TLS_LE32).
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
if [ ! -f "$sysroot/usr/lib/$triplet/libelf.a" ] ||
   [ ! -f "$sysroot/usr/lib/$triplet/libz.a" ] ||
   [ ! -e "$sysroot/usr/lib/$triplet/libelf.so" ] ||
   [ ! -e "$sysroot/usr/lib/$triplet/libz.so" ]; then
	logged "$step-sysroot" sysroot_fill
fi
[ -f "$sysroot/usr/lib/$triplet/libelf.a" ] ||
	die "$step-sysroot: no libelf.a for $dpkgarch in $sysroot"

# The copy: the listed tests, every program they open (skeleton, light
# skeleton or object), and the programs'
# headers; btf_data.c, which the test_progs link rule reads.
mini=$out/src
rm -rf "$mini"
mkdir -p "$mini/prog_tests" "$mini/progs" "$out"
mapfile -t tests < <(sed -e 's/#.*//' -e '/^[[:space:]]*$/d' \
		       "$KFS_HARNESS/cross-tests.list")
progs=()
for t in "${tests[@]}"; do
	# A test is defined in the file of its name, or of its prefix
	# (dummy_pe_ops_fail in dummy_pe_ops.c).
	t=${t%%/*}
	f=$t
	while [ ! -f "$src/prog_tests/$f.c" ] && [ "$f" != "${f%_*}" ]; do
		f=${f%_*}
	done
	grep -Eqs "^void (serial_)?test_$t\(" "$src/prog_tests/$f.c" ||
		die "$step: test $t (cross-tests.list) is not in prog_tests/"
	[ ! -f "$mini/prog_tests/$f.c" ] || continue
	cp "$src/prog_tests/$f.c" "$mini/prog_tests/"
	mapfile -t -O "${#progs[@]}" progs < <(grep -Eho '[a-z0-9_]+\.(l?skel\.h|bpf\.o)' \
					      "$src/prog_tests/$f.c")
done
# Light skeletons (.lskel.h) as the Makefile's LSKELS_EXTRA: both kinds.
lskels=()
for p in "${progs[@]}"; do
	case "$p" in *.lskel.h) lskels+=("${p%.lskel.h}.c") ;; esac
	p=${p%.skel.h}
	p=${p%.lskel.h}
	p=${p%.bpf.o}
	[ -f "$src/progs/$p.c" ] || die "$step: no progs/$p.c"
	cp "$src/progs/$p.c" "$mini/progs/"
done
cp "$src/progs/"*.h "$src/progs/btf_data.c" "$mini/progs/"
rel=$(realpath --relative-to="$src" "$mini")

# The cross compiler, with the sysroot's headers and libraries; first in
# its -I list, so that <prog_tests/tests.h> is the copy's.  No AR: given
# here, it reaches the host libbpf that bpftool's bootstrap links, whose
# make sets CC and LD but not AR, and an archiver of ARCH leaves that
# x86-64 archive without an index ("run ranlib") on armhf; the tools'
# Makefile.include derives AR from CROSS_COMPILE.
cc="${cross}gcc -I$mini -I$sysroot/usr/include -L$sysroot/usr/lib/$triplet"
export CCACHE_BASEDIR=$KFS_ROOT CCACHE_NOHASHDIR=1
smake=(make -C "$src" -j"$(nproc)" OUTPUT="$out"
       ARCH="$karch" CROSS_COMPILE="$cross" CC="ccache $cc"
       LD="${cross}ld" HOSTCC=gcc HOSTLD=ld HOSTAR=ar
       VMLINUX_BTF="$kout/vmlinux" KDIR="$kout"
       CLANG=clang-16 LLC=llc-16 LLVM_STRIP=llvm-strip-16
       TRUNNER_TESTS_DIR="$rel/prog_tests"
       TRUNNER_BPF_PROGS_DIR="$rel/progs"
       TRUNNER_EXTRA_FILES= LSKELS= LINKED_SKELS=
       LSKELS_EXTRA="$(printf '%s\n' "${lskels[@]}" | sort -u | paste -sd' ' -)"
       LDLIBS="-static -lelf -lz -lrt -lpthread")
logged "$step" "${smake[@]}" "$out/test_progs"
cp "$kout/bpf_testmod/bpf_testmod.ko" "$out/"
msg "$step: $(stat -c %s "$out/test_progs") bytes test_progs ($(file -b "$out/test_progs" | cut -d, -f1-2)), ${#tests[@]} tests, $(find "$out" -maxdepth 1 -name '*.bpf.o' | wc -l) BPF objects"
