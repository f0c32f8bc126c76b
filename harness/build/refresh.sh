#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# refresh.sh [DEST]: export the work tree's commits on top of the base as
# the series: DEST/patches (git format-patch, cover letter first),
# DEST/series (their order, for git am and quilt) and the overlay (the files
# the series adds, at their kernel paths; tools/testing/selftests/bpf maps
# to selftests/).  DEST defaults to the repository; drift.sh passes a
# scratch directory and compares.
. "$(dirname "$0")/../lib.sh"

dest=${1:-$KFS_ROOT}
reroll=$(cat "$KFS_HARNESS/REROLL")
g() { git -C "$KSRC" "$@"; }

base=$(kfs_base refresh)
[ -z "$(g status --porcelain --untracked-files=no)" ] ||
	die "refresh: $KSRC has uncommitted changes; commit them first"

n=$(g rev-list --count "$base..HEAD")
[ -z "$(g rev-list --merges "$base..HEAD")" ] ||
	die "refresh: merges between the base and HEAD cannot become a series"

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
mkdir -p "$tmp/patches"
if [ "$n" -gt 0 ]; then
	# --zero-commit and --full-index: the same patches from every clone of
	# the work tree, whatever its commit ids and object count.
	g format-patch -q --zero-commit --no-signature --numbered --full-index \
		--subject-prefix="PATCH bpf-next v$reroll" \
		-o "$tmp/patches" "$base..HEAD"
	(cd "$tmp/patches" && ls -1 -- *.patch) >"$tmp/series"

	# The patches harness/short-context names keep one line of context
	# around each change: their changes sit in code that 6.1.y stable
	# changed around them, and git am needs all of a hunk's context.
	if [ -n "$(list_entries "$KFS_HARNESS/short-context")" ]; then
		g format-patch -q --zero-commit --no-signature --numbered \
			--full-index --unified=1 \
			--subject-prefix="PATCH bpf-next v$reroll" \
			-o "$tmp/u1" "$base..HEAD"
		list_entries "$KFS_HARNESS/short-context" | cut -f1 |
		while IFS= read -r subj; do
			k=$(g log --reverse --format=%s "$base..HEAD" |
			    grep -nxF -- "$subj" | cut -d: -f1)
			[ -n "$k" ] ||
				die "refresh: harness/short-context: no patch has the subject '$subj'"
			f=$(sed -n "${k}p" "$tmp/series")
			cp "$tmp/u1/$f" "$tmp/patches/$f"
		done
	fi

	# The cover letter: harness/cover-letter.txt (title, blank line, text)
	# plus the shortlog and diffstat of the series.
	{
		echo "From 0000000000000000000000000000000000000000 Mon Sep 17 00:00:00 2001"
		echo "From: $KFS_NAME <$KFS_EMAIL>"
		echo "Date: $(g log -1 --format=%aD HEAD)"
		echo "Subject: [PATCH bpf-next v$reroll 0/$n] $(head -n 1 "$KFS_HARNESS/cover-letter.txt")"
		echo
		tail -n +3 "$KFS_HARNESS/cover-letter.txt"
		echo
		echo "Base: $(g log -1 --format=%s "$base")"
		echo
		g shortlog --no-merges "$base..HEAD"
		g diff --stat=72 "$base..HEAD"
		echo
		echo "-- "
		echo "kfunc-series"
	} >"$tmp/patches/0000-cover-letter.patch"
else
	: >"$tmp/series"
fi

# The overlay: every file the series adds, with its content at HEAD.
mkdir -p "$tmp/overlay"
g diff --name-only --no-renames --diff-filter=A "$base..HEAD" |
while IFS= read -r f; do
	case "$f" in
	tools/testing/selftests/bpf/*) o=selftests/${f#tools/testing/selftests/bpf/} ;;
	*) o=$f ;;
	esac
	mkdir -p "$tmp/overlay/$(dirname "$o")"
	g show "HEAD:$f" >"$tmp/overlay/$o"
done

# A user's tree has a base of its own: a patch that differs from the one in
# patches/ only in what depends on the base (kfs_patch_norm, lib.sh: index
# lines, hunk line numbers) stays as it is, so that patches/ changes only
# where the series does.
if [ -n "$KFS_USER_TREE" ] && [ -d "$dest/patches" ]; then
	for f in "$tmp"/patches/*.patch; do
		was=$dest/patches/${f##*/}
		if [ -f "$f" ] && [ -f "$was" ] &&
		   cmp -s <(kfs_patch_norm "$f") <(kfs_patch_norm "$was"); then
			cp "$was" "$f"
		fi
	done
fi

# Install: the overlay roots are the top-level directories the overlay uses
# plus the fixed ones, so a file the series no longer adds disappears.
rm -rf "$dest/patches"
mv "$tmp/patches" "$dest/patches"
mv "$tmp/series" "$dest/series"
read -r -a roots <<<"$KFS_OVERLAY_ROOTS"
for r in $( { printf '%s\n' "${roots[@]}"; ls "$tmp/overlay"; } | sort -u); do
	rm -rf "${dest:?}/$r"
	[ ! -e "$tmp/overlay/$r" ] || mv "$tmp/overlay/$r" "$dest/$r"
done
[ "$dest" = "$KFS_ROOT" ] || exit 0
# The tree now is what the series produces: record it, so that apply.sh
# does not rewind and re-apply the same commits.
echo "$(series_hash "$dest/series") $(g rev-parse HEAD)" >"$(g rev-parse --absolute-git-dir)/kfs-applied"
msg "refresh: $n patches, $(find "$dest/patches" -name '0*.patch' | wc -l) files in patches/"
