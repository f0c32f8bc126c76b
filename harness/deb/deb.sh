#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# deb.sh [STAGE...]: Debian binary packages of the patched kernel, as a
# Debian kernel builder makes them (make deb).  Stages, all by default:
#
#   src      build/deb/src: a detached git worktree of $KSRC at its HEAD
#            (KFS_DEB_REF another commit), so that the packages are built
#            from one commit while other targets move build/linux
#   config   Debian's own amd64 config (linux-config-6.1 of the base's
#            version), reduced with localmodconfig to the modules a QEMU
#            VM needs (config/deb-vm.lsmod), plus config/deb.config;
#            verified.  Written to build/deb/out/.config only when it
#            changes, so that a rebuild is incremental.
#   kernel   make all, GCC through ccache (its own cache in
#            build/deb/ccache), at nice 19
#   package  make bindeb-pkg: linux-image, linux-headers, linux-libc-dev
#            (and linux-image-*-dbg, which 6.1 makes with DEBUG_INFO);
#            the source worktree must stay clean
#   headers  linux-headers with what module BTF needs (vmlinux and
#            resolve_btfids, as Arch's linux-headers ships them); the
#            package as bindeb-pkg made it stays in build/deb/stock/
#   summary  package names, versions, sizes: build/deb/packages.txt
#
# Everything is written under build/deb/: src/, out/ (the kernel), debs/,
# stock/, logs/, times.txt; $KSRC only gets the worktree's entry in its
# .git.  KFS_DEB_CLEAN=1 starts from an empty out/ (a cold
# build, or a warm one from ccache); KDEB_COMPRESS (xz) the packages'
# compression; KFS_NICE (19) the build's niceness.
. "$(dirname "$0")/../lib.sh"

D=$KFS_BUILD/deb
out=$D/out
cfgdir=$KFS_HARNESS/config
KFS_LOGS=$D/logs
mkdir -p "$KFS_LOGS" "$D/dl"
nice_n=${KFS_NICE:-19}

[ -f "$KSRC/Makefile" ] || die "deb: no kernel tree at $KSRC; run 'make tree' first"
# KFS_DEB_SRC=$KSRC builds in the shared tree itself (no src stage).
src=${KFS_DEB_SRC:-$D/src}
ref=$(git -C "$KSRC" rev-parse "${KFS_DEB_REF:-HEAD}^{commit}") ||
	die "deb: no commit ${KFS_DEB_REF:-HEAD} in $KSRC"

# The base's Debian version (6.1.192-3): the base commit says which
# linux-source-6.1 it was unpacked from ("... (Debian linux-source-6.1
# VERSION)", as README's recipe and spread.sh make it).  A user's tree
# (KSRC=) whose base does not say it needs KFS_DEB_BASE_VERSION: the
# packages' version and Debian's config are that version's.
base_version() {
	local ref v=

	[ -z "${KFS_DEB_BASE_VERSION:-}" ] || { echo "$KFS_DEB_BASE_VERSION"; return; }
	ref=$(kfs_base deb)
	v=$(git -C "$KSRC" log -1 --format=%s "$ref" |
	    sed -n 's/.*(Debian linux-source-6\.1 \([^)]*\))$/\1/p')
	if [ -z "$v" ] && [ -n "$KFS_USER_TREE" ]; then
		die "deb: the base of $KFS_USER_TREE ($(git -C "$KSRC" log -1 --format='%h %s' "$ref")) does not say which Debian version it is; set KFS_DEB_BASE_VERSION (e.g. 6.1.187-1: the packages' version and Debian's config are that version's)"
	fi
	echo "${v:-$(cat "$KFS_HARNESS/BASE_VERSION")}"
}

basever=$(base_version)
reroll=$(cat "$KFS_HARNESS/REROLL")
# 6.1.192-3+kfs8: Debian's version of the base, then the series' version.
pkgversion=$basever+kfs$reroll
revision=${pkgversion##*-}
krelease=$(git -C "$KSRC" show "$ref:Makefile" |
	sed -n 's/^VERSION = //p; s/^PATCHLEVEL = //p; s/^SUBLEVEL = //p' | paste -sd.)-kfunc-series

export CCACHE_DIR=${KFS_DEB_CCACHE:-$D/ccache}
export CCACHE_BASEDIR=$D CCACHE_NOHASHDIR=1 CCACHE_MAXSIZE=${CCACHE_MAXSIZE:-12G}
# The same in make all and in bindeb-pkg's own build step, so that the
# latter finds nothing to do: the UTS version (revision, build time, user,
# host) goes into init/version-timestamp.o, and a change relinks vmlinux.
KBUILD_BUILD_TIMESTAMP=$(git -C "$KSRC" log -1 --format=%cD "$ref")
export KBUILD_BUILD_TIMESTAMP KBUILD_BUILD_VERSION=$revision
export KBUILD_BUILD_USER=$KFS_NAME KBUILD_BUILD_HOST=kfunc-series
# LOCALVERSION= (set, empty): setlocalversion adds no "+" for a git tree.
kmake=(nice -n "$nice_n" make -C "$src" O="$out" -j"$(nproc)"
       CC="ccache gcc" LOCALVERSION=)

times=$D/times.txt
# timed NAME CMD...: logged, and its time appended to times.txt.
timed() {
	local t0 dt

	t0=$(date +%s)
	logged "$@"
	dt=$(( $(date +%s) - t0 ))
	printf '%s %s %dm%02ds %s\n' "$(date -u +%FT%TZ)" "$1" $((dt / 60)) \
		$((dt % 60)) "$(git -C "$KSRC" rev-parse --short=12 "$ref")" >>"$times"
}

stage_deps() {
	need_pkgs deb dpkg-dev fakeroot bc rsync kmod cpio bison flex \
		libelf-dev libssl-dev dwarves ccache xz-utils gcc make binutils
}

# Debian's config.amd64_none_amd64 of the base's version (of apt's
# candidate, with a NOTE, when the mirror no longer has that one).
debian_config() {
	local cfg=$D/dl/config.amd64_none_amd64-$basever deb

	if [ ! -s "$cfg" ]; then
		rm -f "$D"/dl/linux-config-6.1_*.deb
		(cd "$D/dl" && apt-get download "linux-config-6.1=$basever") >&2 ||
		(msg "deb-config: NOTE: linux-config-6.1 $basever not on the mirror; using apt's candidate" >&2
		 cd "$D/dl" && apt-get download linux-config-6.1) >&2 ||
			die "deb-config: cannot download linux-config-6.1 (apt-get update?)"
		deb=$(ls "$D"/dl/linux-config-6.1_*.deb)
		dpkg-deb --fsys-tarfile "$deb" |
			tar -xO ./usr/src/linux-config-6.1/config.amd64_none_amd64.xz |
			xz -d >"$cfg.tmp"
		mv "$cfg.tmp" "$cfg"
	fi
	echo "$cfg"
}

# reduce CFG: Debian's config, olddefconfig for the series' tree,
# localmodconfig with deb-vm.lsmod (a module it does not know is a typo:
# fail), then deb.config; in the scratch out dir build/deb/cfg.
reduce() {
	local c=$D/cfg
	local m=(make -C "$src" O="$c" CC="ccache gcc" LOCALVERSION=)

	rm -rf "$c"
	mkdir -p "$c"
	cp "$1" "$c/.config"
	"${m[@]}" olddefconfig
	# conf --oldconfig asks about options whose dependencies changed:
	# the defaults (yes dies of SIGPIPE when make ends).
	{ yes '' || true; } | "${m[@]}" LSMOD="$cfgdir/deb-vm.lsmod" localmodconfig \
		2>"$c/localmodconfig.err" || { cat "$c/localmodconfig.err"; return 1; }
	cat "$c/localmodconfig.err"
	if grep 'config not found' "$c/localmodconfig.err"; then
		echo "deb-vm.lsmod names a module this tree does not build"
		return 1
	fi
	"$src/scripts/kconfig/merge_config.sh" -m -O "$c" "$c/.config" \
		"$cfgdir/deb.config"
	"${m[@]}" olddefconfig
}

stage_config() {
	local dcfg

	dcfg=$(debian_config)
	logged deb-config reduce "$dcfg"
	verify_config "$D/cfg" "$cfgdir/deb.config" ||
		die "deb-config: options above did not take effect"
	mkdir -p "$out"
	if ! cmp -s "$D/cfg/.config" "$out/.config"; then
		cp "$D/cfg/.config" "$out/.config"
		msg "deb-config: new .config"
	fi
	msg "deb-config: Debian's config $(grep -c '=[ym]$' "$dcfg") options ($(grep -c '=m$' "$dcfg") modules), reduced $(grep -c '=[ym]$' "$out/.config") ($(grep -c '=m$' "$out/.config") modules)"
}

stage_kernel() {
	[ -f "$out/.config" ] || die "deb-kernel: no $out/.config; run the config stage"
	if [ -n "${KFS_DEB_CLEAN:-}" ]; then
		msg "deb-kernel: KFS_DEB_CLEAN: emptying out/ but .config"
		find "$out" -mindepth 1 -maxdepth 1 ! -name .config -exec rm -rf {} +
	fi
	ccache -z >/dev/null
	timed deb-kernel "${kmake[@]}" all
	msg "deb-kernel: ccache: $(ccache -s | grep -E '^ *Hits:' | head -n 1 | sed 's/^ *//')"
	ccache -s >"$KFS_LOGS/deb-kernel.ccache"
}

# src_check STEP: the worktree is as git checked it out: out of tree
# builds and bindeb-pkg with O= must not write into the source tree.
src_check() {
	local changed

	if [ "$src" = "$KSRC" ]; then
		msg "$1: NOTE: built in the shared $KSRC, not checked (other targets write there)"
		return
	fi
	changed=$(git -C "$src" status --porcelain --ignored | head -n 20)
	[ -z "$changed" ] || die "$1: the build wrote into the source tree $src:
$changed"
	[ "$(git -C "$src" rev-parse HEAD)" = "$ref" ] ||
		die "$1: $src moved off $ref during the build"
	msg "$1: source tree ${src#"$KFS_BUILD"/} clean, at ${ref:0:12}"
}

stage_src() {
	if [ "$src" = "$KSRC" ]; then
		[ "$(git -C "$KSRC" rev-parse HEAD)" = "$ref" ] ||
			die "deb-src: KFS_DEB_SRC is $KSRC, which is not at $ref"
		return
	fi
	if [ ! -e "$src/.git" ]; then
		rm -rf "$src"
		kgit -C "$KSRC" worktree add -f -q --detach "$src" "$ref" ||
			die "deb-src: git worktree add $src failed"
	elif [ "$(git -C "$src" rev-parse HEAD)" != "$ref" ]; then
		# Only the files that differ get new times: an incremental build.
		kgit -C "$src" checkout -q --detach "$ref" ||
			die "deb-src: $src cannot move to $ref (changed files?)"
	fi
	[ -z "$(git -C "$src" status --porcelain --ignored)" ] ||
		die "deb-src: $src is not clean: $(git -C "$src" status --porcelain --ignored | head -n 5)"
	msg "deb-src: ${src#"$KFS_BUILD"/} at $(git -C "$src" log -1 --format='%h %s' "$ref")"
}

stage_package() {
	local f

	[ -f "$out/vmlinux" ] || die "deb-package: no $out/vmlinux; run the kernel stage"
	f=$D/debs/linux-image-${krelease}_${pkgversion}_amd64.deb
	if [ -f "$f" ] && [ "$f" -nt "$out/vmlinux" ] && [ "$f" -nt "$out/.config" ] &&
	   [ "$f" -nt "$out/modules.order" ] && [ -z "${KFS_DEB_REPACKAGE:-}" ]; then
		msg "deb-package: packages newer than the kernel, kept (KFS_DEB_REPACKAGE=1 remakes them)"
		return
	fi
	# bindeb-pkg writes its packages next to the out dir (../).
	rm -f "$D"/*.deb "$D"/*.buildinfo "$D"/*.changes
	timed deb-package env KDEB_PKGVERSION="$pkgversion" \
		KDEB_CHANGELOG_DIST=bookworm DEBEMAIL="$KFS_NAME <$KFS_EMAIL>" \
		${KDEB_COMPRESS:+KDEB_COMPRESS="$KDEB_COMPRESS"} \
		"${kmake[@]}" bindeb-pkg
	# bindeb-pkg's build step must have had nothing to compile.
	if grep -E '^  (CC|LD) ' "$KFS_LOGS/deb-package.log" | grep -v ' \[M\] .*\.mod\.o$' |
	   grep -vE 'init/version|\.tmp_vmlinux' | head -n 5 | grep -q .; then
		msg "deb-package: NOTE: bindeb-pkg rebuilt objects; see $KFS_LOGS/deb-package.log"
	fi
	src_check deb-package
	rm -rf "$D/debs" "$D/stock"
	mkdir -p "$D/debs" "$D/stock"
	for f in "$D"/*.deb "$D"/*.buildinfo "$D"/*.changes; do
		[ -e "$f" ] && mv "$f" "$D/debs/"
	done
	ls "$D"/debs/linux-image-"$krelease"_*.deb >/dev/null 2>&1 ||
		die "deb-package: no linux-image-$krelease package in $D/debs"
}

# headers_btf: module BTF needs, in the build dir of an external module,
# vmlinux (scripts/Makefile.modfinal: pahole --btf_base vmlinux, then
# resolve_btfids -b vmlinux; without it "Skipping BTF generation") and
# tools/bpf/resolve_btfids/resolve_btfids, the series' one, which also
# rewrites the BTF of KF_IMPLICIT_ARGS kfuncs.  6.1's builddeb ships
# neither, nor does Debian's linux-headers-6.1-amd64/linux-kbuild-6.1.
# Add them as Arch's linux-headers does (vmlinux without its DWARF: its
# .BTF is /sys/kernel/btf/vmlinux), and the packages that make the build
# run them: pahole (dwarves) and libelf1 for resolve_btfids.
stage_headers() {
	local deb dir dest

	deb=$(ls "$D"/debs/linux-headers-"$krelease"_*.deb 2>/dev/null) ||
		die "deb-headers: no linux-headers-$krelease package; run the package stage"
	[ -x "$out/tools/bpf/resolve_btfids/resolve_btfids" ] ||
		die "deb-headers: no $out/tools/bpf/resolve_btfids/resolve_btfids"
	# grep reads the whole listing: with -q it stops at the match, dpkg-deb
	# gets SIGPIPE, pipefail fails the test, and the stock package was
	# replaced by this one on the next run.
	if dpkg-deb -c "$deb" | grep "/linux-headers-$krelease/vmlinux$" >/dev/null; then
		msg "deb-headers: ${deb##*/} has vmlinux already"
		return
	fi
	cp "$deb" "$D/stock/"
	dir=$D/hdr
	rm -rf "$dir"
	dpkg-deb -R "$deb" "$dir"
	dest=$dir/usr/src/linux-headers-$krelease
	[ -d "$dest" ] || die "deb-headers: $deb has no usr/src/linux-headers-$krelease"
	objcopy --strip-debug "$out/vmlinux" "$dest/vmlinux"
	install -D -m 755 "$out/tools/bpf/resolve_btfids/resolve_btfids" \
		"$dest/tools/bpf/resolve_btfids/resolve_btfids"
	sed -i -e '/^Depends:/d' -e '/^Installed-Size:/d' "$dir/DEBIAN/control"
	sed -i "/^Architecture:/a Depends: dwarves (>= 1.22), libelf1\\
Installed-Size: $(du -sk --exclude=DEBIAN "$dir" | cut -f1)" "$dir/DEBIAN/control"
	(cd "$dir" && find . -type f ! -path './DEBIAN/*' -printf '%P\0' |
		LC_ALL=C sort -z | xargs -r0 md5sum) >"$dir/DEBIAN/md5sums"
	timed deb-headers dpkg-deb --root-owner-group -Z"${KDEB_COMPRESS:-xz}" \
		-b "$dir" "$deb"
	rm -rf "$dir"
}

# has_vmlinux DEB: whether the headers package DEB ships vmlinux.
has_vmlinux() {
	dpkg-deb -c "$1" | grep "/linux-headers-$krelease/vmlinux$" >/dev/null
}

stage_summary() {
	local f

	# The two headers packages the guest test compares must differ.
	for f in "$D"/stock/linux-headers-"$krelease"_*.deb; do
		[ -e "$f" ] || die "deb-summary: no stock linux-headers-$krelease in $D/stock"
		! has_vmlinux "$f" ||
			die "deb-summary: ${f#"$D"/} ships vmlinux: it is not the package bindeb-pkg made (KFS_DEB_REPACKAGE=1 makes it again)"
	done
	for f in "$D"/debs/linux-headers-"$krelease"_*.deb; do
		[ -e "$f" ] || die "deb-summary: no linux-headers-$krelease in $D/debs"
		has_vmlinux "$f" ||
			die "deb-summary: ${f#"$D"/} has no vmlinux; run the headers stage"
	done

	{
		printf '# make deb, %s, %s\n' "$(date -u +%F)" \
			"$(git -C "$KSRC" rev-parse --short=12 "$ref")"
		printf '%-60s %12s %14s\n' file bytes installed-KiB
		for f in "$D"/debs/*.deb "$D"/stock/*.deb; do
			[ -e "$f" ] || continue
			printf '%-60s %12s %14s\n' "${f#"$D"/}" "$(stat -c %s "$f")" \
				"$(dpkg-deb -f "$f" Installed-Size)"
		done
	} >"$D/packages.txt"
	cat "$D/packages.txt"
}

stages=("$@")
[ ${#stages[@]} -ne 0 ] || stages=(deps src config kernel package headers summary)
msg "deb: linux-image-$krelease $pkgversion (base $basever, ${ref:0:12}) in $D: ${stages[*]}"
for s in "${stages[@]}"; do
	case "$s" in
	deps|src|config|kernel|package|headers|summary) "stage_$s" ;;
	*) die "deb: unknown stage '$s' (deps src config kernel package headers summary)" ;;
	esac
done
