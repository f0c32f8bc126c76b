# SPDX-License-Identifier: GPL-2.0
# shellcheck shell=bash
# Shared helpers for the kfunc-series harness: paths, progress, errors.
# Sourced by every harness script; not executable on its own.

set -o errexit -o nounset -o pipefail

KFS_ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
KFS_HARNESS=$KFS_ROOT/harness
KFS_BUILD=${KFS_BUILD:-$KFS_ROOT/build}
# The work tree: a git kernel tree with the series applied on a base commit.
KSRC=${KSRC:-$KFS_BUILD/linux}
KFS_T0=${KFS_T0:-$(date +%s)}
export KFS_T0

# shellcheck source=harness/identity
. "$KFS_HARNESS/identity"

kfs_elapsed() {
	local s=$(( $(date +%s) - KFS_T0 ))

	printf '%02d:%02d:%02d' $((s / 3600)) $((s % 3600 / 60)) $((s % 60))
}

# msg TEXT: one progress line, stamped with the time since the run began.
msg() {
	printf '[kfs %s] %s\n' "$(kfs_elapsed)" "$*"
}

# die TEXT: say what failed and stop with a non-zero status.
die() {
	printf '[kfs %s] ERROR: %s\n' "$(kfs_elapsed)" "$*" >&2
	exit 1
}

# make KSRC=/path/to/linux: the user's own git tree, which the harness
# never changes (HEAD, branches, index, files).  The series goes on a branch
# of its own in that repository, kfunc-series-BASE (apply.sh), checked out
# in a git worktree, build/ksrc/NAME/linux; build/ksrc/NAME is that tree's
# build directory, as build/ is build/linux's (out/, logs/, vm/, base/).
# From here on KSRC and KFS_BUILD name those, for this script and every
# script it runs; KFS_USER_TREE names the user's tree ("" for build/linux).
# NAME is the tree's directory name and a hash of its path.  build/ksrc/
# NAME/user-tree records the user's tree, so that a script run with
# KSRC=build/ksrc/NAME/linux, or with KFS_BUILD=build/ksrc/NAME, knows it.
KFS_USER_TREE=
kfs_ksrc=$(realpath -m -- "$KSRC")
case "$kfs_ksrc" in
"$(realpath -m -- "$KFS_BUILD/linux")") ;;
"$(realpath -m -- "$KFS_BUILD")"/ksrc/*/linux)
	KFS_BUILD=${kfs_ksrc%/linux} KSRC=$kfs_ksrc ;;
*)
	KFS_USER_TREE=$(git -C "$KSRC" rev-parse --show-toplevel 2>/dev/null) ||
		die "KSRC=$KSRC is not a git work tree: the series goes on a branch of its own there (README, 'Using the series on your own tree')"
	KFS_BUILD=$KFS_BUILD/ksrc/$(basename "$KFS_USER_TREE")-$(printf '%s' "$KFS_USER_TREE" | sha256sum | cut -c1-8)
	KSRC=$KFS_BUILD/linux
	mkdir -p "$KFS_BUILD"
	[ "$(cat "$KFS_BUILD/user-tree" 2>/dev/null)" = "$KFS_USER_TREE" ] ||
		echo "$KFS_USER_TREE" >"$KFS_BUILD/user-tree"
	;;
esac
unset kfs_ksrc
[ -n "$KFS_USER_TREE" ] || [ ! -f "$KFS_BUILD/user-tree" ] ||
	KFS_USER_TREE=$(cat "$KFS_BUILD/user-tree")
export KSRC KFS_BUILD
# make KCONFIG=/path/to/.config: the kernel config to start from instead of
# allnoconfig (build-kernel.sh), with the harness's fragments merged on top.
if [ -n "${KCONFIG:-}" ]; then
	if [ ! -f "$KCONFIG" ] || [ ! -r "$KCONFIG" ]; then
		die "KCONFIG=$KCONFIG: no such readable file (the kernel config to start from)"
	fi
	KCONFIG=$(realpath -- "$KCONFIG")
	export KCONFIG
fi
KFS_LOGS=$KFS_BUILD/logs
mkdir -p "$KFS_LOGS"

# logged NAME CMD...: run CMD with its output in $KFS_LOGS/NAME.log; on
# failure print the log's tail and fail naming the step and the log.
logged() {
	local name=$1 log=$KFS_LOGS/$1.log t0 rc=0

	shift
	t0=$(date +%s)
	msg "$name: started (log: ${log#"$KFS_ROOT"/})"
	"$@" >"$log" 2>&1 || rc=$?
	if [ "$rc" -ne 0 ]; then
		# Parallel builds print the cause well before the end.
		printf -- '----- errors in %s -----\n' "$log" >&2
		grep -E -m 20 '(error:|Error [0-9]|ERROR:|FAILED|\*\*\*)' "$log" >&2 || true
		printf -- '----- last 25 lines of %s -----\n' "$log" >&2
		grep -v '^\s*$' "$log" | tail -n 25 >&2 || true
		printf -- '-----\n' >&2
		die "$name failed (exit $rc) after $(( $(date +%s) - t0 ))s; full log: $log"
	fi
	msg "$name: done in $(( $(date +%s) - t0 ))s"
}

# kgit ARGS...: git for what the harness does in a repository that may be
# the user's (KSRC=): none of its hooks (post-checkout, applypatch-msg,
# ...), no automatic gc, no signing or three-way am it may have configured,
# and no optional index refresh by git status.
kgit() {
	GIT_OPTIONAL_LOCKS=0 git -c core.hooksPath=/dev/null -c gc.auto=0 \
		-c maintenance.auto=false -c commit.gpgSign=false \
		-c am.threeWay=false "$@"
}

# flavor_check FLAVOR: the kernel flavours the harness builds.
flavor_check() {
	case "$1" in
	gcc|lto|lto13) ;;
	*) die "unknown kernel flavour '$1' (expected gcc, lto or lto13)" ;;
	esac
}

kfs_out() {
	echo "$KFS_BUILD/out/$1"
}

# kfs_base STEP: the ref of $KSRC's base: the tag kfs-base of our own tree,
# or for a user's tree refs/worktree/kfs-base, its worktree's own ref of the
# commit it was applied on (apply.sh; a tag kfs-base that the user's
# repository may have, cloned from build/linux, is not its base); fails
# naming STEP when there is none.
kfs_base() {
	local ref=refs/tags/kfs-base

	[ -z "$KFS_USER_TREE" ] || ref=refs/worktree/kfs-base
	git -C "$KSRC" rev-parse -q --verify "$ref" >/dev/null 2>&1 ||
		die "$1: $KSRC has no recorded base ($ref); run 'make tree${KFS_USER_TREE:+ KSRC=$KFS_USER_TREE}' first"
	echo "${ref#refs/tags/}"
}

# kfs_baseline FLAVOUR: the regression gate's baseline file for $KSRC's
# base and FLAVOUR, keyed by the base.  Our own base: harness/baseline/
# VERSION-FLAVOUR.results, VERSION the Debian package version it was
# unpacked from (its commit subject says which).  A user's tree: harness/
# baseline/ksrc/KVER-COMMIT-FLAVOUR.results, KVER its base's kernel version
# and COMMIT the base commit (12 digits), so that it neither replaces ours
# nor is taken for it.  'make baseline' writes it.
kfs_baseline() {
	local ref v

	ref=$(kfs_base baseline)
	if [ -z "$KFS_USER_TREE" ]; then
		v=$(git -C "$KSRC" log -1 --format=%s "$ref" |
		    sed -n 's/.*(Debian linux-source-6\.1 \([^)]*\))$/\1/p')
		[ -n "$v" ] || v=$(cat "$KFS_HARNESS/BASE_VERSION")
	else
		v=$(git -C "$KSRC" show "$ref:Makefile" |
		    awk '$1 ~ /^(VERSION|PATCHLEVEL|SUBLEVEL)$/ { printf "%s%s", s, $3; s = "." }')
		v=ksrc/$v-$(git -C "$KSRC" rev-parse --short=12 "$ref")
	fi
	echo "$KFS_HARNESS/baseline/$v-$1.results"
}

# kfs_baseline_find FLAVOUR: the baseline the gate compares with: the one
# of this base (kfs_baseline).  When there is none yet, for our own tree
# (Debian updated linux-source-6.1) the newest one of ours recorded for
# FLAVOUR; for a user's tree only one of ours recorded on the same base
# commit with the same config (kfs_config_id): a user's tree is never
# compared with another base.  A NOTE on stderr names both.  Nothing when
# there is none.
kfs_baseline_find() {
	local want got='' commit f

	want=$(kfs_baseline "$1")
	if [ -f "$want" ]; then
		echo "$want"
		return
	fi
	if [ -z "$KFS_USER_TREE" ]; then
		got=$(find "$KFS_HARNESS/baseline" -maxdepth 1 -name "*-$1.results" 2>/dev/null |
		      sort -V | tail -n 1)
	else
		commit=$(git -C "$KSRC" rev-parse "$(kfs_base baseline)")
		for f in "$KFS_HARNESS/baseline"/*-"$1".results; do
			[ -f "$f" ] || continue
			grep -q "^# base: .*($commit)\$" "$f" &&
				grep -qx "# config: $(kfs_config_id "$1")" "$f" &&
				got=$f && break
		done
	fi
	[ -n "$got" ] || return 0
	msg "gate-$1: NOTE: no baseline ${want#"$KFS_ROOT"/} for this base; comparing with ${got#"$KFS_ROOT"/}, recorded on $([ -n "$KFS_USER_TREE" ] && echo 'the same base commit with the same config' || echo 'another base') ('make baseline' records this one)" >&2
	echo "$got"
}

# kfs_config_id FLAVOUR: one hash over the harness's config fragments that
# FLAVOUR's kernel is built with, and over KCONFIG, the user's starting
# config, and kconfig.config, when there is one (build-kernel.sh); a
# baseline records it.
kfs_config_id() {
	local f=debug

	case "$1" in lto*) f=lto ;; esac
	cat "$KFS_HARNESS/config/vm.config" "$KFS_HARNESS/config/selftests.config" \
	    "$KFS_HARNESS/config/$f.config" \
	    ${KCONFIG:+"$KCONFIG" "$KFS_HARNESS/config/kconfig.config"} |
		sha256sum | cut -c1-16
}

# config_files OUT: the options of OUT/.config that name files the build
# reads (keys, certificates, an initramfs), each of which must be in the
# source tree, in OUT or at an absolute path.  A distribution's config
# names files of its own package build (Debian's
# CONFIG_SYSTEM_TRUSTED_KEYS="debian/certs/..."), which the build would
# otherwise stop on deep in a parallel make.  Prints each missing one and
# fails.  The module signing key of the default name is one the build
# makes; a PKCS#11 URI is no file.
config_files() {
	local out=$1 sym val f bad=0

	for sym in SYSTEM_TRUSTED_KEYS SYSTEM_REVOCATION_KEYS MODULE_SIG_KEY \
		   INITRAMFS_SOURCE; do
		val=$(sed -n "s/^CONFIG_$sym=\"\(.*\)\"\$/\1/p" "$out/.config")
		case "$val" in ''|certs/signing_key.pem|pkcs11:*) continue ;; esac
		for f in $val; do
			case "$f" in
			/*) [ -e "$f" ] && continue ;;
			*) { [ -e "$KSRC/$f" ] || [ -e "$out/$f" ]; } && continue ;;
			esac
			echo "config: CONFIG_$sym names '$f', which is in neither the source tree nor ${out#"$KFS_ROOT"/}"
			bad=1
		done
	done
	return $bad
}

# kfs_configure [--from CONFIG] OUT FRAGMENT...: OUT/.config from
# allnoconfig, or from the config file CONFIG, plus the fragments, with the
# caller's kmake array (make -C $KSRC O=OUT ...).
# .config is replaced only when it changes, so that a rebuild with the same
# fragments is incremental: merge_config.sh writes to $KCONFIG_CONFIG,
# here kfs.config, not to .config.
# shellcheck disable=SC2154 # kmake is the caller's
kfs_configure() {
	local from='' out want

	if [ "$1" = --from ]; then
		from=$2
		shift 2
	fi
	out=$1 want=$1/kfs.config
	shift
	if [ -n "$from" ]; then
		cp -- "$from" "$want"
	else
		"${kmake[@]}" KCONFIG_CONFIG=kfs.config allnoconfig
	fi
	KCONFIG_CONFIG=$want "$KSRC/scripts/kconfig/merge_config.sh" -m \
		"$want" "$@"
	"${kmake[@]}" KCONFIG_CONFIG=kfs.config olddefconfig
	if ! cmp -s "$want" "$out/.config"; then
		mv "$want" "$out/.config"
	fi
	rm -f "$want" "$want.old"
}

# need_pkgs STEP PKG...: the Debian packages STEP needs, as deps.sh
# installs them: as root the missing ones with apt-get; otherwise print the
# one command to run and fail.
need_pkgs() {
	local step=$1 p st line missing=()

	shift
	for p; do
		st=$(dpkg-query -W -f='${db:Status-Status}' "$p" 2>/dev/null || true)
		[ "$st" = installed ] || missing+=("$p")
	done
	[ ${#missing[@]} -ne 0 ] || return 0
	line="apt-get update && apt-get install -y --no-install-recommends ${missing[*]}"
	if [ "$(id -u)" -ne 0 ]; then
		msg "$step: missing packages: ${missing[*]}"
		msg "$step: not root; run this, then make again:"
		printf '  sudo sh -c "%s"\n' "$line"
		exit 1
	fi
	DEBIAN_FRONTEND=noninteractive logged "$step-apt-update" apt-get update
	DEBIAN_FRONTEND=noninteractive logged "$step-apt-install" \
		apt-get install -y --no-install-recommends "${missing[@]}"
}

# verify_config OUT FRAGMENT...: every option the fragments ask for must
# have survived olddefconfig in OUT/.config; one that did not (a dependency
# missing) would silently change what is built and tested.  Prints each
# that did not and fails.  Fragments that do not exist are skipped.  As in
# merge_config.sh, a later fragment's value of an option replaces an
# earlier one's (a variant such as cross-armhf-thumb2.config).
verify_config() {
	local out=$1 f line sym val got bad=0
	local -A want=() from=()
	local -a order=()

	shift
	for f; do
		[ -f "$f" ] || continue
		while IFS= read -r line; do
			case "$line" in CONFIG_*=*) ;; *) continue ;; esac
			sym=${line%%=*}
			[ -n "${want[$sym]+set}" ] || order+=("$sym")
			want[$sym]=${line#*=}
			from[$sym]=${f##*/}
		done <"$f"
	done
	for sym in "${order[@]}"; do
		val=${want[$sym]}
		got=$(grep -E "^$sym=|^# $sym is not set" "$out/.config" || true)
		case "$val" in
		n) [ -z "$got" ] || [ "$got" = "# $sym is not set" ] && continue ;;
		*) [ "$got" = "$sym=$val" ] && continue ;;
		esac
		echo "config: $sym: wanted '$val', got '${got:-absent}' (${from[$sym]})"
		bad=1
	done
	return $bad
}

# Top-level directories of the overlay: files the series adds, at their
# kernel paths (tools/testing/selftests/bpf is selftests/).  Used by
# refresh.sh and drift.sh.
# shellcheck disable=SC2034
KFS_OVERLAY_ROOTS="kernel include tools Documentation selftests scripts net lib arch"

# list_entries FILE: the entries of a list file, in order: one a line, '#'
# comments (series, selftests.list, DENYLIST).
list_entries() {
	sed -e 's/[[:space:]]*#.*//' -e '/^[[:space:]]*$/d' "$1"
}

# series_hash SERIES_FILE: one hash over the series and the patches it names.
series_hash() {
	local series=$1 pdir p

	pdir=$(dirname "$series")/patches
	(cat "$series"
	 list_entries "$series" |
	 while IFS= read -r p; do cat "$pdir/$p"; done) | sha256sum | cut -c1-64
}

# kfs_patch_norm PATCH: PATCH less what depends on the tree it was made
# from rather than on what it changes: its index lines (blob ids) and its
# hunk headers' line numbers (and section text), and in the cover letter
# (0000-cover-letter.patch) the Base: line and the diffstat after it.  Two
# exports of the same series from different bases normalise alike; a
# change of any other line does not (drift.sh, for a user's tree).
kfs_patch_norm() {
	local cover=()

	case "${1##*/}" in
	0000-cover-letter.patch)
		cover=(-e '/^Base: /,/^-- $/{' \
		       -e '/^Base: /d' \
		       -e '/^ .* \| +([0-9]+( [-+]*)?|Bin .*)$/d' \
		       -e '/^ [0-9]+ files? changed(, .*)?$/d' \
		       -e '}') ;;
	esac
	sed -E -e '/^index [0-9a-f]+\.\.[0-9a-f]+( [0-7]+)?$/d' \
	       -e 's/^@@ -[0-9]+(,[0-9]+)? \+[0-9]+(,[0-9]+)? @@.*/@@/' \
	       "${cover[@]}" "$1"
}

# btf_params_check DUMP NAME PARAMS IMPL_PARAMS: in DUMP, the output of
# `bpftool btf dump ... format raw`, the FUNC NAME has a prototype with the
# parameters PARAMS ("'a' 'b'", "" for none) and NAME_impl one with
# IMPL_PARAMS; "-" for a FUNC that must not exist.  Otherwise says what
# differs and returns 1.
btf_params_check() {
	local dump=$1 f want got

	for f in "$2" "$2_impl"; do
		want=$3
		[ "$f" = "$2" ] || want=$4
		got=$(awk -v f="'$f'" -f "$KFS_HARNESS/tests/btf-params.awk" \
			"$dump" "$dump")
		if [ "$got" != "$want" ]; then
			echo "$f: BTF parameters ($got), expected ($want)"
			return 1
		fi
	done
}
