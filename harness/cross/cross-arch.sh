# SPDX-License-Identifier: GPL-2.0
# cross-arch.sh: sourced by cross.sh and cross-selftests.sh with $arch set;
# sets what each of Debian 12's architectures besides amd64 needs:
#   karch     the kernel's ARCH
#   cross     Debian's cross compiler prefix (gcc-12, binutils 2.40)
#   triplet   the cross toolchain's triplet (gcc-TRIPLET, binutils-TRIPLET)
#   multiarch the multiarch directory of its libraries (i386's differs)
#   dpkgarch  Debian's name of the architecture
#   image     the image QEMU boots, targets what make builds
#   qemu      QEMU TCG and its machine, console its console device
#   kfunc_jit 1 where 6.1's JIT calls kfuncs (bpf_jit_supports_kfunc_call)
#   modbtf    0 where Debian 12's pahole cannot give a module BTF, and
#             why (config/cross-ARCH.config turns DEBUG_INFO_BTF_MODULES
#             off there; cross-skip.ARCH lists the tests that need it)
#   frags     the config fragments, merged onto allnoconfig in this order
# A variant (armhf-thumb2) is its base architecture plus a fragment of its
# own.
# shellcheck shell=bash disable=SC2034 # the variables are the callers'
: "${arch:?cross-arch.sh: \$arch is not set}"
KFS_CROSS_ARCHES="arm64 armhf armhf-thumb2 i386 ppc64el s390x mips64el"
modbtf=1
case "$arch" in
arm64)	karch=arm64 cross=aarch64-linux-gnu- dpkgarch=arm64
	image=arch/arm64/boot/Image targets=(Image modules)
	qemu=(qemu-system-aarch64 -M virt -cpu cortex-a57 -m 1G)
	console=ttyAMA0 qpkg=qemu-system-arm kfunc_jit=1 ;;
armhf|armhf-thumb2)
	karch=arm cross=arm-linux-gnueabihf- dpkgarch=armhf
	image=arch/arm/boot/zImage targets=(zImage modules)
	qemu=(qemu-system-arm -M virt -cpu cortex-a15 -m 1G)
	console=ttyAMA0 qpkg=qemu-system-arm kfunc_jit=0 ;;
i386)	karch=i386 cross=i686-linux-gnu- dpkgarch=i386
	image=arch/x86/boot/bzImage targets=(bzImage modules)
	qemu=(qemu-system-i386 -cpu max -m 1G)
	console=ttyS0 qpkg=qemu-system-x86 kfunc_jit=1 ;;
ppc64el) karch=powerpc cross=powerpc64le-linux-gnu- dpkgarch=ppc64el
	image=vmlinux targets=(vmlinux modules)
	qemu=(qemu-system-ppc64 -M pseries -cpu power9 -m 1G)
	console=hvc0 qpkg=qemu-system-ppc kfunc_jit=0 ;;
s390x)	karch=s390 cross=s390x-linux-gnu- dpkgarch=s390x
	image=arch/s390/boot/bzImage targets=(bzImage modules)
	qemu=(qemu-system-s390x -M s390-ccw-virtio -cpu max -m 1G)
	console=ttysclp0 qpkg=qemu-system-misc kfunc_jit=0 ;;
mips64el) karch=mips cross=mips64el-linux-gnuabi64- dpkgarch=mips64el
	image=vmlinux targets=(vmlinux modules)
	qemu=(qemu-system-mips64el -M malta -cpu MIPS64R2-generic -m 256)
	console=ttyS0 qpkg=qemu-system-mips kfunc_jit=0
	modbtf="0 Debian 12's libdw (elfutils 0.188) has no MIPS backend, so pahole reads a module's DWARF without applying its .rela.debug_info: the BTF it writes for a .ko is garbage (vmlinux, linked, is read right)" ;;
*)	die "cross: unknown architecture '$arch' (expected one of: $KFS_CROSS_ARCHES)" ;;
esac
triplet=${cross%-}
multiarch=$triplet
[ "$dpkgarch" != i386 ] || multiarch=i386-linux-gnu
frags=("$KFS_HARNESS/config/cross.config"
       "$KFS_HARNESS/config/cross-${arch%%-*}.config")
[ "$arch" = "${arch%%-*}" ] || frags+=("$KFS_HARNESS/config/cross-$arch.config")
