# SPDX-License-Identifier: GPL-2.0
#
# kfunc-series: modern BPF kfunc infrastructure for Linux 6.1 LTS.
#
#   make              apply the series to the base and build the kernel (GCC)
#   make check        lint, build, boot under QEMU, run the kselftests
#
# KSRC=/path/to/linux works on your own git kernel tree instead of the
# Debian linux-source-6.1 base that is unpacked into build/linux: its HEAD
# is the base, the series goes on a branch of its own (kfunc-series-BASE)
# in a git worktree, build/ksrc/NAME/linux; your branch, index and files
# stay as they are.  KCONFIG=/path/to/.config starts the kernel's config
# from that file instead of allnoconfig (the harness's fragments on top).
# Each target's script is in harness/{build,vm,gate,cross,deb,bench,tests}/.

H := harness
export KSRC KCONFIG KFS_SERIES
export KFS_T0 := $(shell date +%s)

.PHONY: all deps tree kernel lto selftests test check refresh drift lint \
	harness-tests kfunc-enforce kfunc-audit bisect vm-run resign cross cross-all baseline \
	bench bloat debian-patches llvm-min fuzz vmlinux-h veristat spread deb deb-boot \
	clean distclean help

all: kernel

help:
	@sed -n '3,14p' Makefile | sed 's/^# \{0,1\}//'
	@echo 'Other targets: deps tree lto selftests test refresh drift lint'
	@echo '               harness-tests kfunc-enforce kfunc-audit bisect'
	@echo '               vm-run resign cross cross-all baseline bench bloat llvm-min fuzz'
	@echo '               vmlinux-h veristat spread debian-patches deb deb-boot'
	@echo '               clean distclean'
	@echo 'make cross ARCH=arm64|armhf|armhf-thumb2|i386|ppc64el|s390x|mips64el:'
	@echo '    cross-build with BTF, boot in QEMU, run the series tests; make cross-all: all'

deps:
	@$(H)/build/deps.sh

tree: deps
	@$(H)/build/tree.sh

kernel: tree
	@$(H)/build/build-kernel.sh gcc

selftests: kernel
	@$(H)/build/build-selftests.sh gcc

test: selftests
	@$(H)/vm/run-tests.sh gcc

# Clang ThinLTO: build, boot and run the same selftests.
lto: tree
	@$(H)/build/build-kernel.sh lto
	@$(H)/tests/kfunc-enforce.sh lto
	@$(H)/tests/resolve-btfids.sh lto
	@$(H)/build/build-selftests.sh lto
	@$(H)/vm/run-tests.sh lto

check:
	@$(H)/gate/check.sh

# Randomized programs for the generated-code types, checked against an
# oracle, JIT, interpreter and blinding: make fuzz SEED=1 N=100000 on the
# GCC (KASAN, lockdep) kernel; FLAVOURS=lto on the ThinLTO one, about ten
# times faster, for long runs (in chunks of CHUNK=100000, a VM each)
fuzz: tree
	@for f in $(or $(FLAVOURS),gcc); do \
		$(H)/build/build-kernel.sh $$f && $(H)/build/build-selftests.sh $$f && \
		SEED=$(SEED) N=$(N) CHUNK=$(CHUNK) MODES="$(MODES)" \
		$(H)/bench/fuzz.sh $$f || exit 1; \
	done

# kfunc prototypes in vmlinux.h, used as on Debian 12: a program that
# declares no kfunc, Debian's libbpf 1.1 and bpftool 7.1 (not in make check)
vmlinux-h: selftests
	@$(H)/deb/vmlinux-h.sh gcc

# The series on every linux-source-6.1 apt offers (6.1.170-3 on): git am,
# kfunc audit, GCC kernel and selftests build, the series' own tests in the
# VM, a table in build/spread/report.md (not in make check: about half an
# hour a version, cold).  make spread VERSIONS="6.1.176-1 6.1.192-3"
spread:
	@$(H)/build/spread.sh $(VERSIONS)

# The verifier's cost: veristat over every BPF object of the selftests on
# the GCC kernel with the series, against the base's results that make
# baseline records (harness/baseline/*-gcc.veristat.csv), run twice for
# the A/A spread of the times (not in make check, which compares
# harness/gate/veristat.list's objects on the ThinLTO kernel).
veristat: tree
	@for f in $(or $(FLAVOURS),gcc); do \
		$(H)/build/build-kernel.sh $$f && $(H)/build/build-selftests.sh $$f && \
		$(H)/gate/veristat-gate.sh --all --runs 2 $$f || exit 1; \
	done

# The ThinLTO kernel with LLVM 13, the oldest Debian 12 ships: build it,
# check its BTF, boot it and run the kfunc tests (not in make check).
llvm-min: tree
	@$(H)/build/llvm-min.sh

# The regression gate's baseline: build the unpatched base like make check
# does, run every selftest on it and write harness/baseline/ (committed).
# make baseline FLAVOURS=gcc records one flavour.
baseline: tree
	@$(H)/gate/baseline.sh $(FLAVOURS)

refresh:
	@$(H)/build/refresh.sh

# A copy of the series signed by its submitter: make resign IDENTITY='Name <mail>'
resign:
	@$(H)/build/resign.sh "$(IDENTITY)" $(OUT)

drift:
	@$(H)/gate/drift.sh

lint:
	@$(H)/gate/lint.sh

harness-tests: tree
	@$(H)/tests/apply-fails.sh
	@$(H)/tests/gate.sh
	@$(H)/tests/checkpatch-kfunc.sh
	@$(H)/tests/spread-verdict.sh
	@$(H)/tests/kconfig.sh

# The build must refuse a kfunc that BPF cannot call, in modules and in
# vmlinux (needs a built kernel).
kfunc-enforce:
	@$(H)/tests/kfunc-enforce.sh gcc
	@$(H)/tests/resolve-btfids.sh gcc

# Build the kernel at every patch of the series, like a bisection;
# make bisect FIRST=12 starts before patch 12.
bisect: kernel
	@$(H)/build/bisect.sh gcc $(FIRST)

kfunc-audit:
	@d=$$($(H)/build/ksrc.sh) && $(H)/gate/kfunc-audit.py "$$d"

# Cross-build the tree with BTF for another architecture of Debian 12,
# build bpf_testmod and test_progs of the series' tests against it, boot it
# in QEMU (TCG) and run them with the JIT on and off; not part of check:
# make cross ARCH=arm64 (the default), armhf, armhf-thumb2, i386, ppc64el,
# s390x or mips64el.  make cross-all: every one of them, and the table.
cross: tree
	@$(H)/cross/cross.sh $(or $(ARCH),arm64)

cross-all: tree
	@$(H)/cross/cross-all.sh $(ARCHES)

# Measure kfunc calls against BPF_CALL_N calls in generated code: time in
# the VM, JITed code, kernel text; writes build/bench/report.md.  On the
# GCC kernel; make bench FLAVOURS="gcc lto" on both (each brought up to
# date first).
bench: tree
	@$(H)/bench/bench.sh $(FLAVOURS)

# What the series adds to vmlinux (bloat-o-meter, base against the series
# and patch by patch), production-like GCC config: build/bloat/report.md
bloat: tree
	@$(H)/bench/bloat.sh

# The series as Debian's source package lays out its patches
# (build/debian-patches: features/all/kfunc-series/, series.append);
# make debian-patches VERSION=6.1.176-1 (or newest, or several) also shows
# them applied at fuzz 0 to that linux source package by dpkg-source, quilt.
debian-patches:
	@$(H)/deb/debian-patches.sh $(foreach v,$(VERSION),--check $(v))

# Debian binary packages of the patched kernel (linux-image, linux-headers,
# linux-libc-dev) on Debian's amd64 config reduced for a VM, in
# build/deb/debs; make deb-boot installs them with dpkg in a Debian 12
# rootfs (mmdebstrap), boots it from its disk under QEMU, and there loads
# kfunc programs with Debian's bpftool and libbpf and a DKMS module's
# kfuncs (not in make check; the cold build is long, see the README).
deb: tree
	@$(H)/deb/deb.sh

deb-boot: deb
	@$(H)/deb/deb-rootfs.sh
	@$(H)/deb/deb-boot.sh

# Run one command in the VM on the GCC kernel: make vm-run CMD='uname -a'
vm-run:
	@$(H)/vm/vm-run.sh -n run -- bash -c '$(CMD)'

clean:
	rm -rf build/out build/selftests build/vm build/logs

distclean:
	rm -rf build
