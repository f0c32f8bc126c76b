#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# drift.sh: fail when patches/, series or the overlay differ from what
# 'make refresh' would write from the work tree (an edit not exported, a
# patch edited by hand, an overlay file out of date).
. "$(dirname "$0")/../lib.sh"

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
"$KFS_HARNESS/build/refresh.sh" "$tmp"

bad=0
# The cover letter's Base: line names the package version the tree was
# unpacked from: a newer linux-source-6.1 from Debian is no drift in the
# series (base.sh notes it), so that line alone is not compared.
cl=0000-cover-letter.patch
if [ -z "$KFS_USER_TREE" ] && [ -f "$tmp/patches/$cl" ] && [ -f "$KFS_ROOT/patches/$cl" ]; then
	now=$(grep -m1 '^Base: ' "$tmp/patches/$cl" || true)
	was=$(grep -m1 '^Base: ' "$KFS_ROOT/patches/$cl" || true)
	if [ -n "$now" ] && [ -n "$was" ] && [ "$now" != "$was" ]; then
		msg "drift: NOTE: the cover letter says '$was'; this work tree's is '${now#Base: }' (make refresh records it)"
		grep -vxF "$now" "$tmp/patches/$cl" >"$tmp/cl.now" || true
		grep -vxF "$was" "$KFS_ROOT/patches/$cl" >"$tmp/cl.was" || true
		if cmp -s "$tmp/cl.now" "$tmp/cl.was"; then
			cp "$KFS_ROOT/patches/$cl" "$tmp/patches/$cl"
		fi
	fi
fi
cmp -s "$tmp/series" "$KFS_ROOT/series" || { echo "drift: series differs"; bad=1; }
# git keeps no empty directory: a series of no patches has no patches/.
ref=$KFS_ROOT/patches
[ -d "$ref" ] || { ref=$tmp/none; mkdir "$ref"; }
now=$tmp/patches
what=
# A user's tree (make drift KSRC=/path) has a base of its own: where it
# differs from build/linux's, the patches exported from it differ from
# patches/ in their index lines and hunk line numbers, and the cover letter
# in its Base: line and diffstat.  Those are not compared (kfs_patch_norm,
# lib.sh); every other line is.
if [ -n "$KFS_USER_TREE" ]; then
	mkdir "$tmp/norm" "$tmp/norm/now" "$tmp/norm/was"
	for f in "$now"/*; do
		[ ! -f "$f" ] || kfs_patch_norm "$f" >"$tmp/norm/now/${f##*/}"
	done
	for f in "$ref"/*; do
		[ ! -f "$f" ] || kfs_patch_norm "$f" >"$tmp/norm/was/${f##*/}"
	done
	diff -rq "$now" "$ref" >/dev/null 2>&1 ||
		msg "drift: NOTE: the patches of $KSRC (base $(git -C "$KSRC" log -1 --format=%h "$(kfs_base drift)")) differ from patches/ in lines that depend on the base; comparing without index lines, hunk line numbers and the cover letter's Base: and diffstat"
	now=$tmp/norm/now ref=$tmp/norm/was
	what=" (without index lines, hunk line numbers, the cover letter's Base: and diffstat)"
fi
if ! diff -r "$now" "$ref" >"$tmp/d" 2>&1; then
	echo "drift: patches/ differs$what:"
	sed "s|$tmp/norm/now|$KSRC (exported)|; s|$tmp/norm/was|patches|" "$tmp/d" | head -n 40
	bad=1
fi
for r in $KFS_OVERLAY_ROOTS; do
	[ -e "$tmp/$r" ] || [ -e "$KFS_ROOT/$r" ] || continue
	if ! diff -r "${tmp}/$r" "$KFS_ROOT/$r" >"$tmp/d" 2>&1; then
		echo "drift: overlay $r/ differs:"
		head -n 20 "$tmp/d"
		bad=1
	fi
done
[ "$bad" -eq 0 ] || die "drift: patches/, series and overlay disagree with the work tree $KSRC; run 'make refresh${KFS_USER_TREE:+ KSRC=$KFS_USER_TREE}' (or 'make tree${KFS_USER_TREE:+ KSRC=$KFS_USER_TREE}' after pulling new patches)"
msg "drift: patches/, series and overlay match the work tree ($(grep -c . "$KFS_ROOT/series" || true) patches)"
