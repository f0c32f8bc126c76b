#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# Apply the series (the patches named in ./series, in order) to $KSRC with
# git am.  A patch that does not apply stops the run naming it, and the tree
# is put back exactly where it was.  Re-running is cheap: a stamp in the
# tree's git directory records which series produced which HEAD.
. "$(dirname "$0")/lib.sh"

series=${KFS_SERIES:-$KFS_ROOT/series}
pdir=$(dirname "$series")/patches
g() { git -C "$KSRC" "$@"; }

g rev-parse --git-dir >/dev/null 2>&1 ||
	die "apply: $KSRC is not a git tree (git am needs one)"
gitdir=$(g rev-parse --absolute-git-dir)
stamp=$gitdir/kfs-applied

mapfile -t patches < <(list_entries "$series")
for p in "${patches[@]}"; do
	[ -f "$pdir/$p" ] || die "apply: series names $p, which is not in patches/"
done
want=$(series_hash "$series")

# The base: our own tree's kfs-base tag, or the HEAD a user's tree had
# when the series was first applied to it (kept as refs/kfs/base).
if g rev-parse -q --verify refs/tags/kfs-base >/dev/null; then
	base=$(g rev-parse kfs-base)
elif g rev-parse -q --verify refs/kfs/base >/dev/null; then
	base=$(g rev-parse refs/kfs/base)
else
	base=$(g rev-parse HEAD)
	g update-ref refs/kfs/base "$base"
	msg "apply: recorded $KSRC's HEAD $(g log -1 --format='%h (%s)' "$base") as the base"
fi
head=$(g rev-parse HEAD)

if [ -f "$stamp" ]; then
	read -r have_hash have_head <"$stamp"
	if [ "$have_hash" = "$want" ]; then
		extra=$(g rev-list --count "$have_head..HEAD" 2>/dev/null || echo 0)
		msg "apply: series already applied (${#patches[@]} patches)"
		[ "$extra" = 0 ] ||
			msg "apply: $extra local commits on top; 'make refresh' exports them to patches/"
		exit 0
	fi
	[ "$head" = "$have_head" ] ||
		die "apply: $KSRC has commits that are not in patches/, and patches/ changed too; export them with 'make refresh' or drop them (git -C $KSRC reset --hard $have_head)"
elif [ "$head" != "$base" ]; then
	die "apply: $KSRC HEAD is not the base $(g log -1 --format=%h "$base") and no series was applied by this tool; check out the base first"
fi

[ -z "$(g status --porcelain --untracked-files=no)" ] ||
	die "apply: $KSRC has uncommitted changes; commit or stash them first"

# Committer identity: the tree's own if it has one, else the project's.
if [ -z "$(g config user.email || true)" ]; then
	export GIT_COMMITTER_NAME=$KFS_NAME GIT_COMMITTER_EMAIL=$KFS_EMAIL
fi

orig=$head
if [ "$head" != "$base" ]; then
	msg "apply: series changed; rewinding $KSRC to the base"
	g reset -q --hard "$base"
fi
n=0
for p in "${patches[@]}"; do
	n=$((n + 1))
	if ! out=$(g am -q --committer-date-is-author-date "$pdir/$p" 2>&1); then
		g am --abort >/dev/null 2>&1 || true
		g reset -q --hard "$orig"
		printf '%s\n' "$out" | tail -n 15 >&2
		die "apply: patch $n/${#patches[@]} $p does not apply to $KSRC; tree left at $(g log -1 --format=%h "$orig") as it was"
	fi
done
echo "$want $(g rev-parse HEAD)" >"$stamp"
msg "apply: applied ${#patches[@]} patches on $(g log -1 --format='%h %s' "$base")"
