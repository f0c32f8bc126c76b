#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# Harness self-test: KCONFIG=/path/to/.config, the user's config as the
# start of the kernel's (build-kernel.sh, kfs_configure in lib.sh), on the
# work tree's GCC flavour, configured only (KFS_CONFIG_ONLY=1) into a
# directory of its own.  A distribution's options that the harness's
# fragments do not name must stay as the user set them, the fragments'
# options must win over the user's (MAXSMP too, which would fix NR_CPUS),
# and a user option that makes one of the fragments' options impossible
# (DEBUG_INFO_SPLIT, on which DEBUG_INFO_BTF depends being off) must fail
# the config naming that option, as must a certificate file the tree
# lacks and a KCONFIG that is not a readable file.  When make deb has
# downloaded Debian's own amd64 config, it is configured too.
. "$(dirname "$0")/../lib.sh"

[ -f "$KSRC/Makefile" ] || die "kconfig: no kernel tree at $KSRC; run 'make tree' first"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fails=0

# config NAME KCONFIG: configure the GCC flavour from KCONFIG in
# $tmp/NAME (its out/gcc/.config), output in $tmp/NAME.log; its status.
# The build directory's linux is a link to the work tree, which lib.sh
# takes for the work tree itself, not for a user's tree.  The time limit
# and the vmlinux check catch a KFS_CONFIG_ONLY that no longer stops.
config() {
	local rc=0

	mkdir -p "$tmp/$1"
	ln -sfn "$KSRC" "$tmp/$1/linux"
	KFS_BUILD=$tmp/$1 KSRC=$tmp/$1/linux KCONFIG=$2 KFS_CONFIG_ONLY=1 \
		timeout 600 "$KFS_HARNESS/build/build-kernel.sh" gcc \
		>"$tmp/$1.log" 2>&1 || rc=$?
	[ ! -e "$tmp/$1/out/gcc/vmlinux" ] ||
		bad "$1: KFS_CONFIG_ONLY=1 built a kernel"
	return $rc
}
bad() {
	msg "kconfig: FAIL $*"
	fails=$((fails + 1))
}
# has NAME LINE: NAME's .config holds LINE.
has() {
	grep -qxF -- "$2" "$tmp/$1/out/gcc/.config" ||
		bad "$1: .config lacks '$2' (has: '$(grep -E "^(# )?${2%%=*}[= ]" "$tmp/$1/out/gcc/.config" || echo nothing)')"
}

# A distribution's choices: a local version, filesystems as modules; and
# two that the fragments set otherwise: a timer frequency (selftests.config
# has HZ_1000) and BTF off.
cat >"$tmp/distro.config" <<'EOF'
CONFIG_LOCALVERSION="-kfs-distro"
CONFIG_BLOCK=y
CONFIG_MODULES=y
CONFIG_EXT4_FS=m
CONFIG_SQUASHFS=m
CONFIG_HZ_300=y
CONFIG_MAXSMP=y
# CONFIG_DEBUG_INFO_BTF is not set
EOF
if config distro "$tmp/distro.config"; then
	has distro 'CONFIG_LOCALVERSION="-kfs-distro"'
	has distro 'CONFIG_EXT4_FS=m'
	has distro 'CONFIG_SQUASHFS=m'
	has distro 'CONFIG_HZ_1000=y'
	has distro 'CONFIG_DEBUG_INFO_BTF=y'
	has distro '# CONFIG_MAXSMP is not set'
	has distro 'CONFIG_NR_CPUS=8'
	grep -q 'starting from KCONFIG=' "$tmp/distro.log" ||
		bad "distro: no line saying the config started from KCONFIG"
else
	bad "distro: the config failed:"
	tail -n 20 "$tmp/distro.log" >&2
fi

# must_fail NAME LINE WHAT STEP: a KCONFIG= holding LINE must fail the
# config, its log naming WHAT and saying which step failed (STEP).
must_fail() {
	printf '%s\n' "$2" >"$tmp/$1.config"
	if config "$1" "$tmp/$1.config"; then
		bad "$1: accepted: $2"
		return
	fi
	grep -qF -- "$3" "$tmp/$1.log" ||
		bad "$1: the failure does not name '$3': $(tail -n 3 "$tmp/$1.log")"
	grep -qF -- "$4" "$tmp/$1.log" ||
		bad "$1: the failure does not say which step: $(tail -n 3 "$tmp/$1.log")"
}

# Split debug info rules BTF out.
must_fail split 'CONFIG_DEBUG_INFO_SPLIT=y' \
	"config: CONFIG_DEBUG_INFO_BTF: wanted 'y', got 'absent'" \
	'ERROR: config-gcc: options above did not take effect'
# A certificate of the distribution's package build, which the tree lacks.
must_fail certs 'CONFIG_SYSTEM_TRUSTED_KEYS="debian/certs/debian-uefi-certs.pem"' \
	"config: CONFIG_SYSTEM_TRUSTED_KEYS names 'debian/certs/debian-uefi-certs.pem'" \
	'ERROR: config-gcc: files above that the build reads are missing; set those options to "" in KCONFIG='

# Debian's own amd64 config (linux-config-6.1, which make deb downloads):
# its thousands of modules stay, MAXSMP goes, BTF stays on.
# (No build/deb/dl on a machine that never ran make deb: find would fail.)
deb=
[ ! -d "$KFS_ROOT/build/deb/dl" ] ||
	deb=$(find "$KFS_ROOT/build/deb/dl" -maxdepth 1 -name 'config.amd64_none_amd64-*' | sort -V | tail -n 1)
cases=4 with=''
[ -z "$deb" ] || cases=5 with=", Debian's amd64 config among them"
if [ -z "$deb" ]; then
	msg "kconfig: no Debian amd64 config in build/deb/dl ('make deb' downloads it); that case not run"
elif config debian "$deb"; then
	has debian 'CONFIG_NR_CPUS=8'
	has debian 'CONFIG_DEBUG_INFO_BTF=y'
	has debian 'CONFIG_EXT4_FS=m'
	m=$(grep -c '=m$' "$tmp/debian/out/gcc/.config")
	[ "$m" -gt 1000 ] || bad "debian: only $m modules left of Debian's config"
else
	bad "debian: Debian's config ${deb#"$KFS_ROOT"/} failed:"
	tail -n 20 "$tmp/debian.log" >&2
fi

# A KCONFIG that is not there.
if config missing "$tmp/no-such.config"; then
	bad "missing: a KCONFIG that does not exist was accepted"
else
	grep -q "KCONFIG=.*no-such.config: no such readable file" "$tmp/missing.log" ||
		bad "missing: the failure does not name the file: $(tail -n 3 "$tmp/missing.log")"
fi

[ "$fails" -eq 0 ] || die "kconfig: $fails check(s) failed"
msg "kconfig: KCONFIG= keeps the user's options, the fragments win, a config without BTF, a missing certificate and a missing KCONFIG fail ($cases cases$with)"
