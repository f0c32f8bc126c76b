#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# Install the Debian packages the series' build and tests need.  As root the
# missing ones are installed with apt-get; otherwise the one command to run
# is printed and the step fails.
. "$(dirname "$0")/../lib.sh"

pkgs=(
	# the base tree
	linux-source-6.1 xz-utils git
	# kernel build (GCC flavour)
	build-essential bc bison flex cpio kmod rsync libelf-dev libssl-dev
	dwarves python3 ccache
	# BTF dumps in the harness tests (resolve_btfids, KF_IMPLICIT_ARGS);
	# make vmlinux-h: Debian's bpftool 7.1 and libbpf 1.1, as a BPF author's
	bpftool libbpf-dev
	# Clang ThinLTO flavour and BPF selftests
	clang-16 lld-16 llvm-16
	# selftests' user space; keyutils and openssl for verify_pkcs7_sig
	libcap-dev zlib1g-dev libzstd-dev pkg-config keyutils openssl
	# tools test_progs runs inside the VM (it runs the host's root)
	iproute2 iputils-ping ethtool iptables netcat-openbsd
	# the VM
	qemu-system-x86
	# lint: the series' Documentation/ .rst files, the harness's shell scripts
	python3-docutils shellcheck
	# checkpatch.pl (its SPDX check)
	python3-ply python3-git
)

missing=()
for p in "${pkgs[@]}"; do
	case "$p" in \#*) continue ;; esac
	st=$(dpkg-query -W -f='${db:Status-Status}' "$p" 2>/dev/null || true)
	[ "$st" = installed ] || missing+=("$p")
done

if [ ${#missing[@]} -eq 0 ]; then
	msg "deps: all ${#pkgs[@]} packages present"
	exit 0
fi

line="apt-get update && apt-get install -y --no-install-recommends ${missing[*]}"
if [ "$(id -u)" -ne 0 ]; then
	msg "deps: missing packages: ${missing[*]}"
	msg "deps: not root; run this, then make again:"
	printf '  sudo sh -c "%s"\n' "$line"
	exit 1
fi
export DEBIAN_FRONTEND=noninteractive
logged deps-apt-update apt-get update
logged deps-apt-install apt-get install -y --no-install-recommends "${missing[@]}"
