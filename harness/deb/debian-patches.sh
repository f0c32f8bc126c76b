#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# debian-patches.sh [--out DIR] [--check VERSION]...: the series laid out
# as Debian's source package linux keeps its patches, and the proof that
# they apply to it the way a Debian build applies them.
#
# Writes DIR (default build/debian-patches):
#   features/all/kfunc-series/NNNN-*.patch  the patches of `series` (no cover
#                                          letter), byte for byte patches/'s
#   series.append                          the lines to append to Debian's
#                                          debian/patches/series
# A Debian builder copies features/ into debian/patches/ and appends
# series.append to debian/patches/series (after Debian's own patches, which
# the series is tested on: linux-source-6.1 is the same tree).
#
# --check VERSION (e.g. 6.1.176-1; 'newest' for the newest apt offers;
# repeatable), for each VERSION:
#   1. gets the source package linux=VERSION into build/debian-src/dl/
#      (apt-get source --download-only; reused while its .dsc's checksums
#      match, so a rerun needs neither apt nor the network).  apt needs a
#      deb-src entry: without one this says which lines to add;
#   2. unpacks it with dpkg-source -x into build/debian-src/VERSION/linux
#      (removed first), which applies Debian's debian/patches/series at
#      fuzz 0 (debian/source/format is "3.0 (quilt)"; dpkg-source runs
#      patch -F 0);
#   3. drops DIR's patches into debian/patches/features/all/kfunc-series/
#      and appends series.append to debian/patches/series;
#   4. dpkg-source --before-build, what dpkg-buildpackage runs first: it
#      applies the unapplied rest of the series at fuzz 0 into .pc/, as the
#      build of a source package rebuilt with them would on dpkg-source -x.
#      It says nothing when the first of them does not apply (it then takes
#      the series for applied), so what counts is .pc/applied-patches;
#   5. quilt: pops them again (they must reverse cleanly) and pushes them one
#      by one with QUILT_PATCHES=debian/patches quilt --quiltrc - push
#      --fuzz=0, as Debian's own tools do (debian/rules orig after unpacking
#      the upstream tarball, debian/bin/test-patches, the featuresets in
#      debian/rules.real), then checks that nothing is left unapplied, the
#      check of debian/rules.real's source stamp ("Patch series not fully
#      applied") that fails a build.
# Prints each patch applied or the first that failed, with patch's output
# (quilt's output tail), and one closing line a version:
#   debian-patches: 43/43 patches apply at fuzz 0 to linux VERSION (...)
# Exits non-zero at the first version that fails.  The unpacked tree (about
# 1.5 GB) stays for a build; rm -rf build/debian-src frees it.
#
# Debian's security updates: bookworm-security carries the newer 6.1.y
# (up to 6.1.192-3 when this was written) as the same source package
# linux, with its own VERSION, from
#   deb-src http://deb.debian.org/debian-security bookworm-security main
# and bookworm itself its point-release ones (6.1.170-3, 6.1.176-1) from
#   deb-src http://deb.debian.org/debian bookworm main
# (a pool keeps few superseded versions: apt may list one whose files are
# gone, 404, which this says; snapshot.debian.org keeps them all).
# A builder of a security version takes the same features/ and
# series.append onto that version's debian/patches and checks it with
# --check VERSION (or 'newest'); a new Debian version whose own patches
# change the lines around one of ours fails here, naming the patch, before
# any build.  harness/short-context names the patches exported with one
# line of context for that reason (0009, for 6.1.192-1's rstat.c).  The
# build itself is Debian's (dpkg-buildpackage, or debian/bin/test-patches
# for one flavour); not run here.
. "$(dirname "$0")/../lib.sh"

usage() {
	sed -n '3,5p' "$0" | sed 's/^# \{0,1\}//'
	echo "  --out DIR        where to write the patches (default build/debian-patches)"
	echo "  --check VERSION  prove they apply at fuzz 0 to Debian's source package"
	echo "                   linux=VERSION (repeatable; 'newest': the newest apt offers)"
	echo "See the header of $0."
}

out=$KFS_BUILD/debian-patches
checks=()
while [ $# -gt 0 ]; do
	case "$1" in
	--out|-o)
		[ $# -ge 2 ] || die "debian-patches: $1 needs a directory"
		out=$2
		shift 2 ;;
	--check)
		[ $# -ge 2 ] || die "debian-patches: --check needs a VERSION (e.g. 6.1.176-1, or newest)"
		[[ $2 =~ ^[0-9][0-9A-Za-z.+~:-]*$|^newest$ ]] ||
			die "debian-patches: '$2' is not a Debian version (e.g. 6.1.176-1) or newest"
		checks+=("$2")
		shift 2 ;;
	-h|--help)
		usage
		exit 0 ;;
	*)
		usage >&2
		die "debian-patches: unknown argument '$1'" ;;
	esac
done
out=$(realpath -m "$out")

# The directory of our patches under debian/patches, and the series.
sub=features/all/kfunc-series
top=$KFS_BUILD/debian-src
dl=$top/dl
mapfile -t patches < <(list_entries "$KFS_ROOT/series" | grep -v '^0000-cover-letter\.patch$')
total=${#patches[@]}
[ "$total" -gt 0 ] || die "debian-patches: series lists no patches"

rel() {
	echo "${1#"$KFS_ROOT"/}"
}

# write: DIR/features/all/kfunc-series and DIR/series.append, ours only
# (DIR may hold other things).
write_out() {
	local p

	for p in "${patches[@]}"; do
		[[ $p =~ ^[0-9]{4}-[A-Za-z0-9._-]+\.patch$ ]] ||
			die "debian-patches: series entry '$p' is not a NNNN-name.patch file name"
		[ -f "$KFS_ROOT/patches/$p" ] ||
			die "debian-patches: series names $p, which patches/ does not have"
	done
	rm -rf "${out:?}/$sub" "$out/series.append"
	mkdir -p "$out/$sub"
	for p in "${patches[@]}"; do
		cp "$KFS_ROOT/patches/$p" "$out/$sub/$p"
	done
	{
		printf '\n# kfunc-series v%s: modern BPF kfunc infrastructure for 6.1, %s patches\n' \
			"$(cat "$KFS_HARNESS/REROLL")" "$total"
		printf '# (series sha256 %s)\n' "$(series_hash "$KFS_ROOT/series" | cut -c1-16)"
		printf '%s\n' "${patches[@]/#/$sub/}"
	} >"$out/series.append"
	msg "debian-patches: wrote $total patches to $(rel "$out/$sub")/ and $(rel "$out/series.append")"
}

# The lines apt reads, as "TARGET_OF URI SUITE COMPONENT" for Debian's
# archives: deb (Packages) or deb-src (Sources).
apt_targets() {
	# shellcheck disable=SC2016 # apt's $(FIELD)s, not the shell's
	apt-get indextargets --format '$(TARGET_OF) $(REPO_URI) $(RELEASE) $(COMPONENT) $(CREATED_BY) $(ORIGIN)' 2>/dev/null |
		awk '$5 == "Packages" || $5 == "Sources" {
			if ($6 != "Debian" && $2 !~ /debian/) next
			sub(/\/$/, "", $2)
			print $1, $2, $3, $4
		}' | sort -u
}

# debsrc_missing: a deb-src line for every Debian deb line of this machine's
# apt that has none; Debian's two when apt knows of no Debian archive.
debsrc_missing() {
	local t

	t=$(apt_targets)
	if ! grep -q '^deb ' <<<"$t"; then
		echo "deb-src http://deb.debian.org/debian bookworm main"
		echo "deb-src http://deb.debian.org/debian-security bookworm-security main"
		return
	fi
	awk '$1 == "deb-src" { have[$2 " " $3 " " $4] = 1 }
	     $1 == "deb" { want[++n] = $2 " " $3 " " $4 }
	     END { for (i = 1; i <= n; i++) if (!(want[i] in have)) print "deb-src " want[i] }' <<<"$t"
}

# debsrc_help: how to make apt offer the source package linux, on stderr,
# ready to paste.
debsrc_help() {
	local lines

	lines=$(debsrc_missing)
	[ -n "$lines" ] || return 0
	{
		echo "  add these lines (for the Debian mirrors this machine's apt uses), then apt-get update; as root:"
		while IFS= read -r l; do
			printf "    echo '%s' >>/etc/apt/sources.list.d/debian-src.list\n" "$l"
		done <<<"$lines"
		echo "    apt-get update"
	} >&2
}

# src_versions: the versions of the source package linux that apt offers;
# fails, saying what to add, when apt has no deb-src entry.
src_versions() {
	local o rc=0

	o=$(apt-cache showsrc --only-source linux 2>&1) || rc=$?
	if [ "$rc" -ne 0 ] || ! grep -q '^Version:' <<<"$o"; then
		msg "debian-patches: apt offers no source package linux ($(grep -m1 '^E:' <<<"$o" || echo "apt-cache showsrc: exit $rc"))" >&2
		debsrc_help
		die "debian-patches: no deb-src entry for Debian's linux source package"
	fi
	awk '/^Version:/ { print $2 }' <<<"$o" | sort -uV
}

# dsc_ok DSC: DSC and every file it lists are in dl/ with their checksums.
dsc_ok() {
	local sums

	[ -f "$1" ] || return 1
	sums=$(awk '/^Checksums-Sha256:/ { on = 1; next }
		    on && /^ / { print $1 "  " $3; next } { on = 0 }' "$1")
	[ -n "$sums" ] || return 1
	(cd "$dl" && sha256sum --quiet -c - <<<"$sums") >/dev/null 2>&1
}

# download VERSION: the source package linux=VERSION into dl/.
download() {
	cd "$dl" && apt-get source --download-only -q "linux=$1"
}

# kquilt ARGS: quilt in the unpacked tree as debian/rules runs it.
kquilt() {
	(cd "$src" && QUILT_PATCHES=debian/patches QUILT_PC=.pc quilt --quiltrc - "$@")
}

# fail_at N WHY [LOG]: patch N (0-based) failed: print patch's own output
# for it (quilt push --fuzz=0, which leaves the tree as it was), the tail
# of dpkg-source's LOG, and fail naming it.
fail_at() {
	local n=$1 why=$2 log=${3:-} p=${patches[$1]} qlog hunks

	qlog=$KFS_LOGS/debian-src-$v-quilt-failed.log
	kquilt push --fuzz=0 "$sub/$p" >"$qlog" 2>&1 || true
	msg "debian-patches: $v: FAILED  $p"
	printf -- '----- quilt push --fuzz=0 %s (%s) -----\n' "$sub/$p" "$(rel "$qlog")" >&2
	grep -v '^\s*$' "$qlog" | tail -n 25 >&2 || true
	if [ -z "$log" ]; then
		:
	elif grep -q 'applying \|error' "$log"; then
		printf -- '----- last 15 lines of %s -----\n' "$(rel "$log")" >&2
		grep -v '^\s*$' "$log" | tail -n 15 >&2 || true
	else
		printf -- '----- %s: nothing applied, no error: dpkg-source took the series for applied -----\n' "$(rel "$log")" >&2
	fi
	printf -- '-----\n' >&2
	hunks=$(awk '/^patching file / { f = $3 }
		     /^Hunk #[0-9]+ FAILED/ || /can.t find file/ || /Reversed/ { print f ": " $0 }' "$qlog" |
		head -n 3 | paste -sd';' -)
	die "debian-patches: $p does not apply at fuzz 0 to linux $v ($why; $n/$total applied before it)${hunks:+: $hunks}"
}

# check VERSION: the proof, steps 1-5 of the header.
check() {
	local dsc t0 n k last rc=0 applied log vs got

	v=$1
	t0=$(date +%s)
	dsc=$dl/linux_${v#*:}.dsc
	if dsc_ok "$dsc"; then
		msg "debian-patches: $v: reusing $(rel "$dsc") and its tarballs"
	else
		vs=$(src_versions)
		if ! grep -qxF "$v" <<<"$vs"; then
			msg "debian-patches: apt offers no source package linux=$v; it offers: $(paste -sd' ' - <<<"$vs")" >&2
			msg "debian-patches: apt-get update?  A newer security version needs the bookworm-security deb-src line" >&2
			debsrc_help
			die "debian-patches: linux=$v not available from apt"
		fi
		mkdir -p "$dl"
		if ! (logged "debian-src-$v-download" download "$v"); then
			! grep -q ' 404 ' "$KFS_LOGS/debian-src-$v-download.log" ||
				msg "debian-patches: $v: apt lists linux=$v but its mirror does not have the files (404): the mirror is behind, or the version was superseded and removed from the pool (snapshot.debian.org keeps every version)" >&2
			die "debian-patches: $v: could not download the source package linux=$v"
		fi
		dsc_ok "$dsc" ||
			die "debian-patches: $v: apt-get source left no complete $(rel "$dsc") (see $(rel "$KFS_LOGS/debian-src-$v-download.log"))"
	fi

	rm -rf "${top:?}/$v"
	mkdir -p "$top/$v"
	src=$top/$v/linux
	logged "debian-src-$v-extract" dpkg-source -x --no-copy "$dsc" "$src"
	[ "$(cat "$src/debian/source/format")" = "3.0 (quilt)" ] ||
		die "debian-patches: $v: debian/source/format is '$(cat "$src/debian/source/format")', not 3.0 (quilt)"
	[ -f "$src/.pc/applied-patches" ] ||
		die "debian-patches: $v: dpkg-source -x applied no patches (.pc/applied-patches missing)"
	n=$(grep -c . "$src/.pc/applied-patches")
	msg "debian-patches: $v: unpacked into $(rel "$src"), Debian's $n patches applied at fuzz 0"
	[ ! -e "$src/debian/patches/$sub" ] ||
		die "debian-patches: $v: Debian's package has debian/patches/$sub already"
	mkdir -p "$src/debian/patches/$sub"
	cp "$out/$sub"/*.patch "$src/debian/patches/$sub/"
	cat "$out/series.append" >>"$src/debian/patches/series"
	last=$(tail -n 1 "$src/.pc/applied-patches")

	# 4. dpkg-source --before-build
	log=$KFS_LOGS/debian-src-$v-before-build.log
	msg "debian-patches: $v: dpkg-source --before-build (log: $(rel "$log"))"
	(cd "$top/$v" && dpkg-source --before-build linux) >"$log" 2>&1 || rc=$?
	mapfile -t got < <(grep "^$sub/" "$src/.pc/applied-patches" || true)
	applied=${#got[@]}
	for ((k = 0; k < applied; k++)); do
		[ "${got[$k]}" = "$sub/${patches[$k]}" ] ||
			die "debian-patches: $v: .pc/applied-patches has ${got[$k]} where $sub/${patches[$k]} should be"
		msg "debian-patches: $v: applied ${patches[$k]}"
	done
	if [ "$applied" -lt "$total" ]; then
		fail_at "$applied" "dpkg-source --before-build exit $rc" "$log"
	fi
	[ "$rc" -eq 0 ] || {
		grep -v '^\s*$' "$log" | tail -n 15 >&2
		die "debian-patches: $v: dpkg-source --before-build failed (exit $rc) though all applied; log: $(rel "$log")"
	}

	# 5. quilt: pop ours, push them one by one at fuzz 0.
	log=$KFS_LOGS/debian-src-$v-quilt.log
	kquilt pop -q "$last" >"$log" 2>&1 || {
		grep -v '^\s*$' "$log" | tail -n 25 >&2
		die "debian-patches: $v: quilt pop back to $last failed: a patch does not reverse cleanly (log: $(rel "$log"))"
	}
	for ((k = 0; k < total; k++)); do
		kquilt push -q --fuzz=0 >>"$log" 2>&1 || fail_at "$k" "quilt push --fuzz=0"
		[ "$(kquilt top)" = "$sub/${patches[$k]}" ] ||
			die "debian-patches: $v: quilt pushed $(kquilt top), expected $sub/${patches[$k]}"
	done
	if kquilt unapplied >/dev/null 2>&1; then
		die "debian-patches: $v: quilt says patches are left unapplied: $(kquilt unapplied 2>&1 | head -n 3 | paste -sd' ' -)"
	fi
	msg "debian-patches: $total/$total patches apply at fuzz 0 to linux $v (dpkg-source --before-build, quilt push --fuzz=0; after Debian's $n) in $(( $(date +%s) - t0 ))s"
}

write_out
[ ${#checks[@]} -gt 0 ] || exit 0
need_pkgs debian-patches dpkg-dev quilt
for c in "${checks[@]}"; do
	if [ "$c" = newest ]; then
		vs=$(src_versions)
		c=$(tail -n 1 <<<"$vs")
		msg "debian-patches: newest linux source apt offers: $c"
	fi
	check "$c"
done
