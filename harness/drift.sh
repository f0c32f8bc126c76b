#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# drift.sh: fail when patches/, series or the overlay differ from what
# 'make refresh' would write from the work tree (an edit not exported, a
# patch edited by hand, an overlay file out of date).
. "$(dirname "$0")/lib.sh"

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
"$KFS_HARNESS/refresh.sh" "$tmp"

bad=0
cmp -s "$tmp/series" "$KFS_ROOT/series" || { echo "drift: series differs"; bad=1; }
# git keeps no empty directory: a series of no patches has no patches/.
ref=$KFS_ROOT/patches
[ -d "$ref" ] || { ref=$tmp/none; mkdir "$ref"; }
if ! diff -r "$tmp/patches" "$ref" >"$tmp/d" 2>&1; then
	echo "drift: patches/ differs:"
	head -n 40 "$tmp/d"
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
[ "$bad" -eq 0 ] || die "drift: patches/, series and overlay disagree with the work tree $KSRC; run 'make refresh' (or 'make tree' after pulling new patches)"
msg "drift: patches/, series and overlay match the work tree ($(grep -c . "$KFS_ROOT/series" || true) patches)"
