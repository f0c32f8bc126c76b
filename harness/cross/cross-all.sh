#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# cross-all.sh [ARCH...]: cross.sh on every architecture of
# $KFS_CROSS_ARCHES (or those given), one after the other, each to its end
# even when another failed; then one table of their results (README,
# "Other architectures"): build time, kfunc sets and kfuncs resolved in
# vmlinux and bpf_testmod.ko, the boot, test_progs passed/skipped/failed
# with the JIT on and off, and each architecture's whole time.  Exits
# non-zero if any failed.  Not part of make check.
# shellcheck source=harness/lib.sh
. "$(dirname "$0")/../lib.sh"
arch=arm64
# shellcheck source=harness/cross/cross-arch.sh
. "$KFS_HARNESS/cross/cross-arch.sh"

# shellcheck disable=SC2206 # the list is words
arches=(${KFS_CROSS_ARCHES})
[ $# -eq 0 ] || arches=("$@")
failed=()
for arch in "${arches[@]}"; do
	t0=$(date +%s)
	msg "cross-all: $arch"
	if ! "$KFS_HARNESS/cross/cross.sh" "$arch"; then
		failed+=("$arch")
		msg "cross-all: $arch failed after $(( $(date +%s) - t0 ))s; its step and log are above"
	fi
done

echo
echo "| arch | kernel + module build | vmlinux | bpf_testmod.ko | boot | test_progs, JIT on (passed/skipped/failed) | JIT off | whole run |"
echo "|---|---|---|---|---|---|---|---|"
for arch in "${arches[@]}"; do
	r=$(kfs_out "cross-$arch")/result
	if [ ! -f "$r" ]; then
		echo "| $arch | failed: see build/logs/cross-$arch-*.log | | | | | | |"
		continue
	fi
	IFS='|' read -r a build sets msets boot on off all <"$r"
	echo "| $a | ${build}s | $sets | $msets | $boot | $on | $off | ${all}s |"
done
[ ${#failed[@]} -eq 0 ] || die "cross-all: failed: ${failed[*]}"
