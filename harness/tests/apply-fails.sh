#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# Harness self-test: 'make tree KSRC=TREE' on a user's tree.  A series whose
# second patch does not apply must fail naming that patch and leave the
# repository exactly as it was (no branch, worktree, ref or object; HEAD,
# index and files untouched); the same series without it goes on a branch
# of its own, kfunc-series-BASE, in a worktree under build/ksrc/, and the
# user's HEAD, branch and files stay as they are; applying again changes
# nothing; a changed series is applied again on the recorded base, even
# after the user's HEAD moved; a removed worktree is checked out again;
# one removed with git worktree remove is made again on the user's HEAD.
# None of the user's hooks runs, and neither its commit signing nor its
# three-way am is used.
. "$(dirname "$0")/../lib.sh"

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
export GIT_AUTHOR_NAME=$KFS_NAME GIT_AUTHOR_EMAIL=$KFS_EMAIL
export GIT_COMMITTER_NAME=$KFS_NAME GIT_COMMITTER_EMAIL=$KFS_EMAIL
fail() { echo "apply-fails: $*" >&2; exit 1; }

t=$tmp/tree
git init -q -b main "$t"
printf 'one\ntwo\n' >"$t/a.txt"
git -C "$t" add a.txt && git -C "$t" commit -q -m base
base=$(git -C "$t" rev-parse HEAD)
# (a branch kfunc-series, as clones of build/linux have, is no obstacle)
git -C "$t" branch kfunc-series
branch=kfunc-series-$(git -C "$t" rev-parse --short=12 HEAD)

# Make three patches: two good ones, and one against text the tree lacks.
mkdir -p "$tmp/s/patches"
printf 'one\ntwo\nthree\n' >"$t/a.txt"
git -C "$t" commit -q -am "add three"
printf 'one\ntwo\nthree\nfour\n' >"$t/a.txt"
git -C "$t" commit -q -am "add four"
git -C "$t" format-patch -q -o "$tmp/s/patches" HEAD~2
git -C "$t" reset -q --hard "$base"
printf 'uno\ntwo\n' >"$t/a.txt"
git -C "$t" commit -q -am "renumber"
printf 'eins\ntwo\n' >"$t/a.txt"
git -C "$t" commit -q -am "translate"
git -C "$t" format-patch -q --start-number 3 -o "$tmp/s/patches" HEAD~1
git -C "$t" reset -q --hard "$base"
git -C "$t" reflog expire --expire=now --all
git -C "$t" gc -q --prune=now
printf '%s\n' 0001-add-three.patch 0003-translate.patch >"$tmp/s/series"

# state: everything of the user's repository that the harness must leave
# as it was, but for the branch and worktree of a successful run.
state() {
	git -C "$t" rev-parse HEAD
	git -C "$t" symbolic-ref HEAD
	git -C "$t" status --porcelain --untracked-files=all
	git -C "$t" for-each-ref --format='%(refname) %(objectname)' | grep -v "^refs/heads/$branch " || true
	git -C "$t" worktree list --porcelain | grep '^worktree ' | grep -vF "$tmp/build/" || true
	git -C "$t" ls-files -s | sha256sum
	sha256sum "$t/a.txt"
}
# The user's repository has hooks and settings of its own that the
# harness's git must not take up: a post-checkout hook (worktree add),
# git am's hooks, signed commits (with a gpg that always fails) and
# three-way am.
for h in post-checkout applypatch-msg pre-applypatch post-applypatch; do
	printf '#!/bin/sh\necho %s >>"%s"\n' "$h" "$tmp/hooks-ran" \
		>"$t/.git/hooks/$h"
	chmod +x "$t/.git/hooks/$h"
done
git -C "$t" config commit.gpgSign true
git -C "$t" config gpg.program false
git -C "$t" config am.threeWay true
hooks() {
	[ ! -e "$tmp/hooks-ran" ] ||
		fail "the user's hooks ran ($1): $(paste -sd' ' "$tmp/hooks-ran")"
}
state >"$tmp/state"
files() { (cd "$t/.git" && find . -print | sort); }
files >"$tmp/files"
mk() {
	KFS_BUILD=$tmp/build make -s -C "$KFS_ROOT" tree KSRC="$t" KFS_SERIES="$tmp/s/series" 2>&1
}

out=$(mk) && fail "make tree succeeded on a series that does not apply"
[ -z "${KFS_TEST_VERBOSE:-}" ] || printf '%s\n' "$out"
grep -q "patch 2/2 0003-translate.patch does not apply" <<<"$out" ||
	fail "the error does not name the patch: $out"
grep -q "^-* git am 0003-translate.patch" <<<"$out" ||
	fail "the error does not show git am's output: $out"
state | cmp -s - "$tmp/state" || fail "the user's repository changed: $(state | diff "$tmp/state" -)"
files | cmp -s - "$tmp/files" ||
	fail "files in the user's .git changed: $(files | diff "$tmp/files" -)"
[ -z "$(git -C "$t" branch --list 'kfunc-series-*')" ] || fail "a branch was left"
[ "$(git -C "$t" worktree list | wc -l)" = 1 ] || fail "a worktree was left"
[ -z "$(find "$tmp/build/ksrc" -mindepth 2 -maxdepth 2 -name 'linux*' 2>/dev/null)" ] ||
	fail "a worktree directory was left"
hooks "failed apply"

# The same series without the bad patch: applies on a branch of its own.
sed -i '/translate/d' "$tmp/s/series"
out=$(mk) || fail "make tree failed on a good series: $out"
wt=$(find "$tmp/build/ksrc" -mindepth 2 -maxdepth 2 -name linux)
[ -n "$wt" ] || fail "no worktree under build/ksrc/"
[ "$(git -C "$wt" log -1 --format=%s)" = "add three" ] || fail "good patch not applied"
[ "$(git -C "$wt" rev-parse --abbrev-ref HEAD)" = "$branch" ] ||
	fail "the worktree is not on $branch"
[ "$(git -C "$wt" rev-parse HEAD~1)" = "$base" ] || fail "the series is not on the base"
state | cmp -s - "$tmp/state" || fail "the user's repository changed: $(state | diff "$tmp/state" -)"
hooks "good series"
head=$(git -C "$wt" rev-parse HEAD)
out=$(mk) || fail "second make tree failed: $out"
[ "$(git -C "$wt" rev-parse HEAD)" = "$head" ] || fail "second make tree changed the worktree's HEAD"
grep -q "already applied" <<<"$out" || fail "second make tree did not say it had nothing to do: $out"

# The user commits on their branch: the series stays on the recorded base,
# and a changed series is applied there again.
printf 'one\ntwo\nmine\n' >"$t/b.txt"
git -C "$t" add b.txt &&
	git -C "$t" -c commit.gpgSign=false commit -q -m "the user's own commit"
mine=$(git -C "$t" rev-parse HEAD)
echo 0002-add-four.patch >>"$tmp/s/series"
out=$(mk) || fail "make tree failed on a changed series: $out"
grep -q "NOTE: .*HEAD is now" <<<"$out" || fail "no note that the user's HEAD moved: $out"
[ "$(git -C "$wt" log -1 --format=%s)" = "add four" ] || fail "changed series not applied"
[ "$(git -C "$wt" rev-parse HEAD~2)" = "$base" ] || fail "changed series not on the recorded base"
[ "$(git -C "$t" rev-parse HEAD)" = "$mine" ] || fail "the user's HEAD moved"
[ -z "$(git -C "$t" status --porcelain)" ] || fail "the user's tree left dirty"

# build/ removed: the worktree is checked out again, nothing to apply.
head=$(git -C "$wt" rev-parse HEAD)
rm -rf "$wt"
out=$(mk) || fail "make tree failed after its worktree was removed: $out"
[ "$(git -C "$wt" rev-parse HEAD)" = "$head" ] ||
	fail "the worktree was not checked out again at its HEAD"
[ -z "$(git -C "$wt" status --porcelain)" ] ||
	fail "the worktree was not checked out again clean"
grep -q "already applied" <<<"$out" || fail "the series was applied again: $out"
# For the user's new HEAD: the worktree removed as the NOTE says, then
# make again: the series on that HEAD, on a branch of its own.
git -C "$t" worktree remove --force "$wt"
out=$(mk) || fail "make tree failed on the user's new HEAD: $out"
[ "$(git -C "$wt" rev-parse refs/worktree/kfs-base)" = "$mine" ] ||
	fail "the series is not on the user's new HEAD"
[ "$(git -C "$wt" rev-parse --abbrev-ref HEAD)" = "kfunc-series-$(git -C "$t" rev-parse --short=12 "$mine")" ] ||
	fail "the worktree is not on the new HEAD's branch"
[ "$(git -C "$wt" log -1 --format=%s)" = "add four" ] || fail "series not applied on the new HEAD"
[ "$(git -C "$t" rev-parse HEAD)" = "$mine" ] || fail "the user's HEAD moved"
hooks "every run"
echo "apply-fails: ok (bad patch named, user's repository untouched, its hooks, signing and three-way am unused; good series on its own branch once; changed series on the recorded base; worktree brought back; then the new HEAD)"
