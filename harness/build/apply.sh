#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# Apply the series (the patches named in ./series, in order) to $KSRC with
# git am.  A patch that does not apply stops the run naming it, and the tree
# is put back exactly where it was.  Re-running is cheap: a stamp in the
# tree's git directory records which series produced which HEAD.
#
# With make KSRC=/path/to/linux (lib.sh), the user's tree is never changed:
# the first run makes a git worktree of it at its HEAD, the base, in
# build/ksrc/NAME/linux (KSRC from here on), applies the series there and
# only when every patch applied names the result branch kfunc-series-BASE
# (BASE the base's first 12 digits); the base stays recorded in that
# worktree as refs/worktree/kfs-base.  A patch that does not apply removes
# the worktree again: no branch, worktree or ref is left behind.
. "$(dirname "$0")/../lib.sh"

series=${KFS_SERIES:-$KFS_ROOT/series}
pdir=$(dirname "$series")/patches
# kgit (lib.sh): no hooks, gc, signing or three-way am of a user's
# repository: the harness only adds its branch and worktree.
gt() { local t=$1; shift; kgit -C "$t" "$@"; }
g() { gt "$KSRC" "$@"; }
u() { gt "$KFS_USER_TREE" "$@"; }

mapfile -t patches < <(list_entries "$series")
for p in "${patches[@]}"; do
	[ -f "$pdir/$p" ] || die "apply: series names $p, which is not in patches/"
done
want=$(series_hash "$series")

# Committer identity: the tree's own if it has one, else the project's.
committer() {
	if [ -z "$(git -C "$1" config user.email || true)" ]; then
		export GIT_COMMITTER_NAME=$KFS_NAME GIT_COMMITTER_EMAIL=$KFS_EMAIL
	fi
}

# am_all TREE ORIG: git am every patch in TREE; on the first that does not
# apply, print git am's last lines, abort it, reset TREE to ORIG and return
# 1 with the failed patch in $failed.
am_all() {
	local t=$1 orig=$2 n=0 out p

	for p in "${patches[@]}"; do
		n=$((n + 1))
		if ! out=$(gt "$t" am -q --committer-date-is-author-date "$pdir/$p" 2>&1); then
			gt "$t" am --abort >/dev/null 2>&1 || true
			gt "$t" reset -q --hard "$orig"
			printf -- '----- git am %s (last lines) -----\n' "$p" >&2
			# (git am's advice to continue or abort: aborted already)
			printf '%s\n' "$out" | grep -v -e '^hint: ' \
				-e '^When you have resolved this problem' \
				-e '^If you prefer to skip this patch' \
				-e '^To restore the original branch' | tail -n 15 >&2
			printf -- '-----\n' >&2
			failed="patch $n/${#patches[@]} $p"
			return 1
		fi
	done
}

# user_first_apply: the first run on a user's tree: a worktree of its HEAD
# in $KSRC.new, the series applied there, then the branch and the move to
# $KSRC; a patch that does not apply removes the worktree again.
user_first_apply() {
	local base branch new=$KSRC.new objs common f

	base=$(u rev-parse -q --verify 'HEAD^{commit}') ||
		die "apply: $KFS_USER_TREE has no commit checked out (its HEAD is the base)"
	# (not kfunc-series/...: a branch kfunc-series, as in every clone of
	# build/linux, would forbid it)
	branch=kfunc-series-$(u rev-parse --short=12 "$base")
	! u rev-parse -q --verify "refs/heads/$branch" >/dev/null ||
		die "apply: $KFS_USER_TREE has a branch $branch from an earlier run, but no work tree of it at $KSRC; delete it to start again (git -C $KFS_USER_TREE branch -D $branch) or keep it under another name (git -C $KFS_USER_TREE branch -m $branch NEWNAME)"
	if u rev-parse -q --verify refs/kfs/base >/dev/null; then
		msg "apply: NOTE: $KFS_USER_TREE has refs/kfs/base: an older version of this harness committed the series onto its branch; its HEAD $(u log -1 --format='%h (%s)' "$base") is taken as the base"
	fi
	[ -z "$(u status --porcelain --untracked-files=no)" ] ||
		msg "apply: NOTE: $KFS_USER_TREE has uncommitted changes; the series goes on its HEAD $(u log -1 --format=%h "$base") without them"

	# What an interrupted run left (all of it the harness's own).
	if u worktree list --porcelain | grep -qxF "worktree $(realpath -m -- "$new")"; then
		u worktree remove --force "$new"
	fi
	rm -rf "$new" "$KSRC"
	msg "apply: base: $KFS_USER_TREE's HEAD $(u log -1 --format='%h (%s)' "$base"); its branch and files stay as they are"
	logged apply-worktree u worktree add --detach "$new" "$base"
	# git am writes its objects to a directory of its own, which join the
	# repository's only when the whole series applied.
	common=$(u rev-parse --path-format=absolute --git-common-dir)
	objs=$(gt "$new" rev-parse --path-format=absolute --git-path kfs-objects)
	rm -rf "$objs"
	mkdir -p "$objs"
	committer "$new"
	msg "apply: applying ${#patches[@]} patches in $new"
	if ! GIT_OBJECT_DIRECTORY=$objs GIT_ALTERNATE_OBJECT_DIRECTORIES=$common/objects \
	     am_all "$new" "$base"; then
		u worktree remove --force "$new"
		die "apply: $failed does not apply to $KFS_USER_TREE's HEAD $(u log -1 --format='%h (%s)' "$base"); nothing was kept: no branch, worktree or ref of this run is left in $KFS_USER_TREE, whose HEAD, branch, index and files were not touched"
	fi
	# Into the repository's object store: new files only, none replaced.
	(cd "$objs" && find . -type f) | while IFS= read -r f; do
		[ -e "$common/objects/$f" ] && continue
		mkdir -p "$(dirname "$common/objects/$f")"
		mv "$objs/$f" "$common/objects/$f"
	done
	rm -rf "$objs"
	if ! { gt "$new" update-ref refs/worktree/kfs-base "$base" &&
	       gt "$new" checkout -q -b "$branch" &&
	       echo "$want $(gt "$new" rev-parse HEAD)" >"$(gt "$new" rev-parse --absolute-git-dir)/kfs-applied" &&
	       u worktree move "$new" "$KSRC"; }; then
		u worktree remove --force "$new" || u worktree remove --force "$KSRC" || true
		u branch -q -D "$branch" 2>/dev/null || true
		die "apply: the series applied, but naming it branch $branch of $KFS_USER_TREE in $KSRC failed (git's message above); nothing was kept"
	fi
	msg "apply: applied ${#patches[@]} patches on $(u log -1 --format='%h %s' "$base"): branch $branch of $KFS_USER_TREE, checked out in $KSRC"
	exit 0
}

# user_worktree: a user's tree: its worktree $KSRC, made on the first run
# (user_first_apply); checked out again when build/ was removed and git
# still has it (its base ref and stamp are in git's directory of it).
user_worktree() {
	local common d base head

	common=$(u rev-parse --path-format=absolute --git-common-dir)
	if [ ! -e "$KSRC/.git" ]; then
		for d in "$common"/worktrees/*/; do
			[ -f "$d/gitdir" ] || continue
			[ "$(realpath -m -- "$(cat "$d/gitdir")")" = "$(realpath -m -- "$KSRC/.git")" ] ||
				continue
			msg "apply: $KSRC was removed; checking it out again (git's record of it: ${d%/})"
			mkdir -p "$KSRC"
			echo "gitdir: ${d%/}" >"$KSRC/.git"
			logged apply-worktree-again g reset -q --hard
			break
		done
	fi
	[ -e "$KSRC/.git" ] || user_first_apply
	[ "$(g rev-parse --path-format=absolute --git-common-dir)" = "$common" ] ||
		die "apply: $KSRC is not a worktree of $KFS_USER_TREE; remove it and make again"
	base=$(g rev-parse "$(kfs_base apply)")
	head=$(u rev-parse -q --verify 'HEAD^{commit}' || true)
	if [ "$head" != "$base" ]; then
		msg "apply: NOTE: $KFS_USER_TREE's HEAD is now ${head:0:12}; the series stays on the base of its first run, $(g log -1 --format='%h (%s)' "$base"), in $KSRC.  For the new HEAD: git -C $KFS_USER_TREE worktree remove --force $KSRC (uncommitted or untracked changes there are lost; its commits stay on branch $(g rev-parse --abbrev-ref HEAD)), then make again"
	fi
}

if [ -n "$KFS_USER_TREE" ]; then
	u rev-parse --git-dir >/dev/null 2>&1 ||
		die "apply: $KFS_USER_TREE is not a git tree (git am needs one)"
	user_worktree
fi
g rev-parse --git-dir >/dev/null 2>&1 ||
	die "apply: $KSRC is not a git tree (git am needs one)"
gitdir=$(g rev-parse --absolute-git-dir)
stamp=$gitdir/kfs-applied

# The base: our own tree's kfs-base tag, or the HEAD a user's tree had
# when the series was first applied to it (kfs_base, lib.sh).
base=$(g rev-parse "$(kfs_base apply)")
head=$(g rev-parse HEAD)

if [ -f "$stamp" ]; then
	read -r have_hash have_head <"$stamp"
	if [ "$have_hash" = "$want" ]; then
		extra=$(g rev-list --count "$have_head..HEAD" 2>/dev/null || echo 0)
		msg "apply: series already applied (${#patches[@]} patches) in $KSRC"
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

committer "$KSRC"
orig=$head
if [ "$head" != "$base" ]; then
	msg "apply: series changed; rewinding $KSRC to the base"
	g reset -q --hard "$base"
fi
am_all "$KSRC" "$orig" ||
	die "apply: $failed does not apply to $KSRC; tree left at $(g log -1 --format=%h "$orig") as it was"
echo "$want $(g rev-parse HEAD)" >"$stamp"
msg "apply: applied ${#patches[@]} patches on $(g log -1 --format='%h %s' "$base")"
